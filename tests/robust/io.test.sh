#!/usr/bin/env bash
# Bad places and bad files around the offline commands: every case ends with
# exit 0 or 1 and one "error: ..." line (never a crash), and whatever output
# was written stays a readable prefix of the full output:
#   output on /dev/full, output cut by a full disk (file-size limit with
#   SIGXFSZ ignored: write() fails with EFBIG), unwritable output places,
#   input that is a directory / missing / empty / a FIFO / "-", "-o -",
#   decision log in an unwritable place, huge and zero snaplen, config that is
#   a directory / missing / binary, and SIGTERM/SIGINT/SIGHUP during a run
#   (stop at a batch boundary; the records so far kept, whole, under the
#   temporary name the message gives).
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool python3
B="$CST_BIN"
PCAP="$FIX/tls_test_2/input.pcap"
PCAPNG="$FIX/single/tls_quic_test_1.pcapng"

# expect_error NAME WANT_REGEX CMD...: exit 1 and exactly one stderr line matching.
expect_error() {
	local name=$1 want=$2 rc
	shift 2
	timeout -s KILL 60 "$@" >/dev/null 2>"$T/err"
	rc=$?
	local lines
	lines=$(grep -c . "$T/err")
	if [ "$rc" = 1 ] && [ "$lines" = 1 ] && grep -Eq "^error: ($want)\$" "$T/err"; then
		pass "$name: $(cat "$T/err")"
	else
		fail "$name: exit $rc, stderr [$(head -c 400 "$T/err" | tr '\n' '|')], want one line 'error: $want'"
	fi
}

# readable_prefix NAME PART FULL: PART is a byte prefix of FULL and our reader
# reads it (exit 0, or 1 with only tail warnings).
readable_prefix() {
	local n rc
	n=$(stat -c %s "$2")
	if [ "$n" -eq 0 ] || ! cmp -s -n "$n" "$2" "$3"; then
		fail "$1: output ($n bytes) is not a non-empty prefix of the full output"
		return
	fi
	"$B" constrict "$2" -o "$T/reread.out" >/dev/null 2>"$T/reread.err"
	rc=$?
	if [ "$rc" -le 1 ] && ! grep -q '^error: ' "$T/reread.err" && ! grep -qvE '^Warning: ' "$T/reread.err"; then
		pass "$1: $n-byte prefix reads back (exit $rc)"
	else
		fail "$1: prefix does not read back: exit $rc [$(head -c 300 "$T/reread.err" | tr '\n' '|')]"
	fi
}

"$B" constrict "$PCAP" -o "$T/ref.pcap" 2>/dev/null || fail "reference run (pcap)"
"$B" constrict "$PCAPNG" -o "$T/ref.pcapng" 2>/dev/null || fail "reference run (pcapng)"

# --- output on a full device -------------------------------------------------
# SPEC's wording first, then the file and the cause (issue 17 item 3)
W='failed to (write [a-zA-Z ]+|close output file): (/dev/full|standard output): No space left on device'
expect_error "constrict pcap to /dev/full" "$W" "$B" constrict "$PCAP" -o /dev/full
expect_error "constrict pcapng to /dev/full" "$W" "$B" constrict "$PCAPNG" -o /dev/full
expect_error "reinflate to /dev/full" "$W" "$B" reinflate "$FIX/tls_test_2/constricted.pcap" -o /dev/full
expect_error "stdout on /dev/full" "$W" sh -c 'exec "$0" constrict "$1" -o - >/dev/full' "$B" "$PCAP"

# --- disk full in the middle of a run ---------------------------------------
python3 "$CST_SRC/tools/gencap.py" "$T/gen.pcap" --packets 3000 --seed 3 >/dev/null 2>&1 || fail "gencap"
python3 "$CST_SRC/tools/gencap.py" "$T/gen.pcapng" --format pcapng --packets 1500 --seed 5 >/dev/null 2>&1 || fail "gencap"
# The run writes a temporary file beside the output and renames it on
# success: a failed write removes it, and an earlier output stays untouched.
E='failed to write [a-zA-Z ]+: [^:]+: File too large'
for f in gen.pcap gen.pcapng; do
	"$B" constrict "$T/$f" -o "$T/full.$f" 2>/dev/null || fail "reference run $f"
	printf 'an earlier output\n' >"$T/cut.$f"
	# Half the output size: a write fails part-way (EFBIG).
	lim=$(($(stat -c %s "$T/full.$f") / 2048))
	expect_error "$f: disk full mid-run" "$E" \
		bash -c 'trap "" XFSZ; ulimit -f "$3"; exec "$0" constrict "$1" -o "$2"' "$B" "$T/$f" "$T/cut.$f" "$lim"
	expect_eq "$f: disk full mid-run: earlier output untouched" "$(cat "$T/cut.$f")" "an earlier output"
	expect_eq "$f: disk full mid-run: no temporary file left" "$(ls "$T" | grep -c '\.part$')" 0
done
"$B" reinflate "$T/full.gen.pcap" -o "$T/rfull.pcap" 2>/dev/null || fail "reference reinflate"
lim=$(($(stat -c %s "$T/rfull.pcap") / 2048))
rm -f "$T/rcut.pcap"
expect_error "reinflate: disk full mid-run" "$E" \
	bash -c 'trap "" XFSZ; ulimit -f "$3"; exec "$0" reinflate "$1" -o "$2"' "$B" "$T/full.gen.pcap" "$T/rcut.pcap" "$lim"
[ ! -e "$T/rcut.pcap" ] && pass "reinflate: disk full mid-run: no output" || fail "reinflate: disk full left $T/rcut.pcap"
expect_eq "reinflate: disk full mid-run: no temporary file left" "$(ls "$T" | grep -c '\.part$')" 0
# A mapped input error after a good run leaves that run's output as it was.
"$B" constrict "$PCAP" -o "$T/keep.pcap" 2>/dev/null
cp "$T/keep.pcap" "$T/keep.ref"
printf '\x0a\x0d\x0d\x0a\x10\x00\x00\x00\x4d\x3c\x2b\x1a\x00\x00\x00\x00' >"$T/badblock.pcapng"
"$B" constrict "$T/badblock.pcapng" -o "$T/keep.pcap" >/dev/null 2>&1
expect_eq "input error: exit" "$?" 1
same_bytes "input error: earlier output untouched" "$T/keep.pcap" "$T/keep.ref"

# --- unwritable output places ------------------------------------------------
: >"$T/plainfile"
mkdir -p "$T/adir"
expect_error "output dir missing" "failed to open output file: $T/nodir/out.pcap: No such file or directory" "$B" constrict "$PCAP" -o "$T/nodir/out.pcap"
expect_error "output under a file" "failed to open output file: $T/plainfile/out.pcap: Not a directory" "$B" constrict "$PCAP" -o "$T/plainfile/out.pcap"
expect_error "output in /proc (unwritable even for root)" "failed to open output file: /proc/cst-robust-test.pcap: .+" "$B" constrict "$PCAP" -o /proc/cst-robust-test.pcap
expect_error "output is a directory" "failed to open output file: $T/adir: Is a directory" "$B" constrict "$PCAP" -o "$T/adir"
expect_error "reinflate output is a directory" "failed to open output file: $T/adir: Is a directory" "$B" reinflate "$PCAP" -o "$T/adir"
if [ "$(id -u)" != 0 ]; then
	mkdir -p "$T/ro" && chmod 555 "$T/ro"
	expect_error "output dir read-only" "failed to open output file: $T/ro/out.pcap: Permission denied" "$B" constrict "$PCAP" -o "$T/ro/out.pcap"
	cp "$PCAP" "$T/unreadable.pcap" && chmod 000 "$T/unreadable.pcap"
	expect_error "input unreadable" "failed to open input file: $T/unreadable.pcap: Permission denied" "$B" constrict "$T/unreadable.pcap" -o "$T/o.pcap"
else
	skip_part "running as root: permission-bit cases not checked"
fi

# --- odd inputs ----------------------------------------------------------------
expect_error "input is a directory" "failed to open input file: $T/adir: Is a directory" "$B" constrict "$T/adir" -o "$T/o.pcap"
expect_error "reinflate input is a directory" "failed to open input file: $T/adir: Is a directory" "$B" reinflate "$T/adir" -o "$T/o.pcap"
expect_error "input missing" "failed to open input file: $T/missing.pcap: No such file or directory" "$B" constrict "$T/missing.pcap" -o "$T/o.pcap"
: >"$T/empty.pcap"
rm -f "$T/o.pcap"
expect_error "empty input" "input file is too small to detect capture format" "$B" constrict "$T/empty.pcap" -o "$T/o.pcap"
expect_error "empty input (reinflate)" "input file is too small to detect capture format" "$B" reinflate "$T/empty.pcap" -o "$T/o.pcap"
[ -e "$T/o.pcap" ] && fail "a rejected empty input left an output file" || pass "no output file for a rejected input"
head -c 3 "$PCAP" >"$T/three.pcap"
expect_error "/dev/null input" "input file is too small to detect capture format" "$B" constrict /dev/null -o "$T/o.pcap"
expect_error "3-byte input" "input file is too small to detect capture format" "$B" constrict "$T/three.pcap" -o "$T/o.pcap"
head -c 20 "$PCAP" >"$T/short_hdr.pcap"
timeout 20 "$B" constrict "$T/short_hdr.pcap" -o "$T/o.pcap" >/dev/null 2>"$T/err"
rc=$?
{ [ "$rc" = 1 ] && [ "$(grep -c . "$T/err")" -ge 1 ] && ! grep -qvE '^(error|Warning): ' "$T/err"; } &&
	pass "cut global header: exit 1, $(head -1 "$T/err")" || fail "cut global header: exit $rc [$(tr '\n' '|' <"$T/err")]"

# "-" as the input is standard input (issue 17 item 4): a redirected file,
# a pipe, a FIFO and a process substitution give the file's output bytes.
timeout 20 "$B" constrict - -o "$T/o.pcap" <"$PCAP" >/dev/null 2>"$T/err"
expect_eq "input '-' from a file: exit" "$?" 0
same_bytes "input '-' from a file" "$T/o.pcap" "$T/ref.pcap"
cat "$PCAP" | timeout 20 "$B" constrict - -o "$T/o.pcap" >/dev/null 2>"$T/err"
expect_eq "input '-' from a pipe: exit" "$?" 0
same_bytes "input '-' from a pipe" "$T/o.pcap" "$T/ref.pcap"
cat "$PCAPNG" | timeout 20 "$B" constrict - -o - 2>"$T/err" >"$T/o.pcapng"
expect_eq "pcapng pipe to pipe: exit" "$?" 0
same_bytes "pcapng pipe to pipe" "$T/o.pcapng" "$T/ref.pcapng"
gzip -c "$PCAP" >"$T/in.pcap.gz"
timeout 20 "$B" constrict <(zcat "$T/in.pcap.gz") -o "$T/o.pcap" >/dev/null 2>"$T/err"
expect_eq "<(zcat x.pcap.gz): exit" "$?" 0
same_bytes "<(zcat x.pcap.gz)" "$T/o.pcap" "$T/ref.pcap"
printf 'GIF89a' | timeout 20 "$B" constrict - -o "$T/o.pcap" >/dev/null 2>"$T/err"
expect_eq "pipe of another format" "$? $(cat "$T/err")" "1 error: unsupported input capture format"
printf '\xd4\xc3' | timeout 20 "$B" constrict - -o "$T/o.pcap" >/dev/null 2>"$T/err"
expect_eq "pipe of 2 bytes" "$? $(cat "$T/err")" "1 error: input file is too small to detect capture format"

# Outputs are created 0600 (less the umask); a temporary name is never left behind.
(umask 022 && "$B" constrict "$PCAP" -o "$T/mode.pcap" 2>/dev/null)
expect_eq "output mode 0600" "$(stat -c %a "$T/mode.pcap")" 600
rm -f "$T/mode.pcap"
(umask 0277 && "$B" constrict "$PCAP" -o "$T/mode.pcap" 2>/dev/null)
expect_eq "output mode with umask 0277" "$(stat -c %a "$T/mode.pcap")" 400
expect_eq "no temporary file after a good run" "$(ls "$T" | grep -c '\.part$')" 0

# --opt=value and --opt value are the same (getopt_long everywhere).
"$B" constrict "$PCAP" --policy=track --output="$T/eq.pcap" >/dev/null 2>&1
"$B" constrict "$PCAP" --policy track --output "$T/sp.pcap" >/dev/null 2>&1
expect_eq "--policy=track accepted" "$?" 0
same_bytes "--opt=value same as --opt value" "$T/eq.pcap" "$T/sp.pcap"

# A record bigger than the snapshot length (caplen 0x7fffffff): the input ends
# there as a damaged tail, with a message that says so (not "unexpected EOF"),
# also through a pipe without growing a 2 GiB buffer (address space capped).
python3 - "$PCAP" "$T/huge.pcap" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
off, n = 24, 0
while n < 2:
    off += 16 + struct.unpack_from("<I", d, off + 8)[0]
    n += 1
struct.pack_into("<I", d, off + 8, 0x7FFFFFFF)
open(sys.argv[2], "wb").write(d)
PY
for how in file pipe; do
	if [ $how = file ]; then
		"$B" constrict "$T/huge.pcap" -o "$T/huge.out" >/dev/null 2>"$T/err"
	else
		# (no address-space cap under a sanitizer: its shadow memory needs terabytes)
		(if [ -z "${CST_SANITIZED:-}" ]; then ulimit -v 400000; fi
			cat "$T/huge.pcap" | exec "$B" constrict - -o "$T/huge.out" >/dev/null 2>"$T/err")
	fi
	expect_eq "caplen 0x7fffffff ($how): exit" "$?" 1
	grep -q "^Warning: packet 3 at file offset [0-9]*: captured length 2147483647 is bigger than the snapshot length (at most 262144); the file is damaged here" "$T/err" &&
		pass "caplen 0x7fffffff ($how): message" || fail "caplen 0x7fffffff ($how): $(tr '\n' '|' <"$T/err")"
	expect_eq "caplen 0x7fffffff ($how): the two packets before it" \
		"$(python3 "$CST_SRC/tests/e2e/pcaptool.py" dump "$T/huge.out" | wc -l)" 2
done

# A FIFO as the input: the same bytes as the file.
mkfifo "$T/in.fifo"
(timeout 20 cat "$PCAP" >"$T/in.fifo" 2>/dev/null &)
timeout -s KILL 20 "$B" constrict "$T/in.fifo" -o "$T/fifo.pcap" >/dev/null 2>"$T/err"
expect_eq "FIFO input: exit" "$?" 0
same_bytes "FIFO input" "$T/fifo.pcap" "$T/ref.pcap"
exec 9<>"$T/in.fifo" && exec 9>&- # unblock a writer left behind

# "-o -": the same bytes on stdout.
"$B" constrict "$PCAPNG" -o - >"$T/stdout.pcapng" 2>"$T/err" || fail "-o - failed: $(cat "$T/err")"
same_bytes "-o - writes the same bytes" "$T/stdout.pcapng" "$T/ref.pcapng"

# Snaplen in the header: a huge one is only advice, packets are unchanged;
# zero is an error (SPEC 2.3).
patch_snaplen() { # OUT HEX
	python3 - "$PCAP" "$1" "$2" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[16:20] = bytes.fromhex(sys.argv[3])
open(sys.argv[2], "wb").write(d)
PY
}
patch_snaplen "$T/snap.pcap" ffffffff
"$B" constrict "$T/snap.pcap" -o "$T/snap.out" >/dev/null 2>"$T/err"
expect_eq "snaplen 0xffffffff: exit" "$?" 0
cmp -s -i 24 "$T/snap.out" "$T/ref.pcap" && cmp -s -n 24 "$T/snap.out" "$T/snap.pcap" &&
	pass "snaplen 0xffffffff: header kept, packets as usual" || fail "snaplen 0xffffffff: output differs"
patch_snaplen "$T/snap0.pcap" 00000000
expect_error "snaplen 0" "file offset 16: invalid PCAP snaplen 0" "$B" constrict "$T/snap0.pcap" -o "$T/snap.out"
python3 - "$PCAPNG" "$T/snap.pcapng" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
shb_len = struct.unpack_from("<I", d, 4)[0]
assert struct.unpack_from("<I", d, shb_len)[0] == 1  # the IDB follows the SHB
d[shb_len + 12:shb_len + 16] = b"\xff\xff\xff\xff"
open(sys.argv[2], "wb").write(d)
PY
"$B" constrict "$T/snap.pcapng" -o "$T/snap.out" >/dev/null 2>"$T/err"
expect_eq "pcapng IDB snaplen 0xffffffff: exit" "$?" 0

# --- decision log in bad places ------------------------------------------------
D='failed to (open|write|close) decision log[a-z ]*'
expect_error "decision log under a file" "$D" "$B" constrict "$PCAP" -o "$T/d1.pcap" --decision-log "$T/plainfile/x.csv"
expect_error "decision log dir not creatable" "$D|failed to create decision log directory" "$B" constrict "$PCAP" -o "$T/d4.pcap" --decision-log /proc/cst-robust/x.csv
expect_error "decision log is a directory" "$D" "$B" constrict "$PCAP" -o "$T/d2.pcap" --decision-log "$T/adir"
expect_error "decision log on /dev/full" "$D" "$B" constrict "$PCAP" -o "$T/d3.pcap" --decision-log /dev/full
for o in d1 d2 d3 d4; do
	[ -s "$T/$o.pcap" ] && { "$B" constrict "$T/$o.pcap" -o /dev/null 2>/dev/null || fail "$o: output left behind is unreadable"; }
done

# --- closed standard descriptors --------------------------------------------------
# A file opened while fd 1/2 are closed must not receive stats or messages.
TT="$FIX/single/truncated_tail_test_1.pcap"
"$B" constrict "$TT" -o "$T/std.ref" --decision-log "$T/std.csv.ref" >/dev/null 2>&1
for redir in '>&-' '2>&-' '<&- >&- 2>&-'; do
	rm -f "$T/std.out" "$T/std.csv"
	eval '"$B" constrict "$TT" -o "$T/std.out" --stats --decision-log "$T/std.csv"' "$redir"
	rc=$?
	[ "$rc" = 1 ] && cmp -s "$T/std.out" "$T/std.ref" && cmp -s "$T/std.csv" "$T/std.csv.ref" &&
		pass "closed $redir: exit 1, output and decision log intact" ||
		fail "closed $redir: exit $rc, output/decision log differ from a normal run"
done

# --- config files ----------------------------------------------------------------
expect_error "config is a directory" "failed while reading config file" "$B" constrict "$PCAP" -o "$T/c.pcap" --config "$T/adir"
expect_error "config missing" "failed to open config file: .*none.ini: No such file or directory" "$B" constrict "$PCAP" -o "$T/c.pcap" --config "$T/none.ini"
head -c 300 "$PCAP" >"$T/binary.ini"
expect_error "config is binary" "config line [0-9]+: .*" "$B" constrict "$PCAP" -o "$T/c.pcap" --config "$T/binary.ini"
printf '[general]\nmax_flows = 0\n' >"$T/zero.ini"
expect_error "config out of range" "config line 2: invalid value for general.max_flows; expected integer >= 1" \
	"$B" constrict "$PCAP" -o "$T/c.pcap" --config "$T/zero.ini"

# --- SIGTERM / SIGINT / SIGHUP during a run (issue 17 item 1) --------------------
# The run stops at a batch boundary, flushes and closes; the records written
# so far end on a whole record and are kept under the temporary name the
# message gives; an earlier output stays untouched; exit 128 + signal.
# Deterministic: the input is a FIFO whose writer holds it open after the
# data, and the signal is sent once the run has read every byte and waits in
# read() for more (the writer is done, the run sleeps in a pipe read: the
# pipe is empty), however slow the machine -- not after a fixed time.  The
# signal ends that read (no SA_RESTART): the run must end within 3 s while
# the writer still holds the pipe open and idle.  A gzip stream too (the
# wait is then in the decompressor's read).
"$B" constrict "$T/gen.pcap" -o "$T/gen.ref" 2>/dev/null || fail "reference run on gen.pcap"
python3 -c 'import gzip, shutil, sys; shutil.copyfileobj(open(sys.argv[1], "rb"), gzip.open(sys.argv[2], "wb"))' \
	"$T/gen.pcap" "$T/gen.pcap.gz" || fail "gzip of gen.pcap"
# waiting_on_pipe PID: the process sleeps in a pipe read (wchan pipe_read, anon_pipe_read...)
waiting_on_pipe() {
	[ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = S ] && grep -q pipe "/proc/$1/wchan" 2>/dev/null
}
# start_on_fifo INPUT CMD...: a writer sends INPUT into $T/sig.fifo and keeps it
# open idle (pid in $writer); CMD runs in the background (pid in $pid) and
# this returns once it waits in read() for more.
start_on_fifo() {
	local input=$1
	shift
	rm -f "$T/sig.fifo" "$T/sig.sent"
	mkfifo "$T/sig.fifo"
	(cat "$input"; : >"$T/sig.sent"; exec sleep 60) >"$T/sig.fifo" &
	writer=$!
	# A background job of a script starts with SIGINT ignored: restore the default.
	python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
		"$@" 2>"$T/err" &
	pid=$!
	for _ in $(seq 3000); do [ -e "$T/sig.sent" ] && waiting_on_pipe "$pid" && break; sleep 0.01; done
	[ -e "$T/sig.sent" ] && waiting_on_pipe "$pid" || fail "$*: the run did not wait for more input within 30 s"
}
# ended_within_3s NAME: $pid ended while the writer still holds the pipe open
ended_within_3s() {
	for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
	if kill -0 "$pid" 2>/dev/null; then
		fail "$1: the run still waits on the idle pipe 3 s after the signal"
	else
		pass "$1: the run ended with the pipe still open and idle"
	fi
}
for sig in TERM INT HUP INT.gz; do
	in="$T/gen.pcap"
	[ "$sig" = INT.gz ] && in="$T/gen.pcap.gz" && sig=INT
	rm -f "$T"/sig.out*
	printf 'an earlier output\n' >"$T/sig.out"
	start_on_fifo "$in" "$B" constrict "$T/sig.fifo" -o "$T/sig.out"
	kill -s "$sig" "$pid" 2>/dev/null
	ended_within_3s "SIG$sig ($(basename "$in"))"
	kill "$writer" 2>/dev/null
	wait "$pid"
	rc=$?
	wait "$writer"
	expect_eq "SIG$sig: exit status" "$rc" $((128 + $(kill -l "$sig")))
	part=$(ls "$T"/sig.out.*.part 2>/dev/null | head -1)
	expect_eq "SIG$sig: message" "$(cat "$T/err")" \
		"error: interrupted by SIG$sig after 3000 packets; the output so far (whole records) is in $part"
	[ -n "$part" ] && same_bytes "SIG$sig: every record read was written, whole" "$part" "$T/gen.ref"
	expect_eq "SIG$sig: earlier output untouched" "$(cat "$T/sig.out")" "an earlier output"
done

# capture -r from an idle FIFO: SIGUSR1 (a report) ends the wait but not the
# run, no byte is lost or read twice: at EOF the output is the regular
# file's.  SIGINT stops it at once (a capture's stop: exit 0).
"$B" capture -r "$T/gen.pcap" -w "$T/cap.ref" 2>/dev/null || fail "reference capture -r run"
rm -f "$T/cap.out"
start_on_fifo "$T/gen.pcap" "$B" capture -r "$T/sig.fifo" -w "$T/cap.out"
kill -s USR1 "$pid"
for _ in $(seq 300); do grep -q '^3000 packets captured$' "$T/err" && break; sleep 0.01; done
expect_eq "capture -r FIFO, SIGUSR1: the report" "$(grep -c '^3000 packets captured$' "$T/err")" 1
for _ in $(seq 300); do waiting_on_pipe "$pid" && break; sleep 0.01; done
if waiting_on_pipe "$pid"; then
	pass "capture -r FIFO, SIGUSR1: the run goes on waiting for input"
else
	fail "capture -r FIFO, SIGUSR1: the run did not go on waiting for input"
fi
kill "$writer" 2>/dev/null
wait "$pid"
expect_eq "capture -r FIFO, SIGUSR1 then EOF: exit status" "$?" 0
wait "$writer"
same_bytes "capture -r FIFO, SIGUSR1 then EOF: every packet, once" "$T/cap.out" "$T/cap.ref"
rm -f "$T/cap.out"
start_on_fifo "$T/gen.pcap" "$B" capture -r "$T/sig.fifo" -w "$T/cap.out"
kill -s INT "$pid"
ended_within_3s "capture -r FIFO, SIGINT"
kill "$writer" 2>/dev/null
wait "$pid"
expect_eq "capture -r FIFO, SIGINT: exit status" "$?" 0
wait "$writer"
same_bytes "capture -r FIFO, SIGINT: every packet sent, whole" "$T/cap.out" "$T/cap.ref"
rm -f "$T"/sig.* "$T"/big.*
finish
