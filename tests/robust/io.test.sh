#!/usr/bin/env bash
# Bad places and bad files around the offline commands: every case ends with
# exit 0 or 1 and one "error: ..." line (never a crash), and whatever output
# was written stays a readable prefix of the full output:
#   output on /dev/full, output cut by a full disk (file-size limit with
#   SIGXFSZ ignored: write() fails with EFBIG), unwritable output places,
#   input that is a directory / missing / empty / a FIFO / "-", "-o -",
#   decision log in an unwritable place, huge and zero snaplen, config that is
#   a directory / missing / binary, and SIGTERM/SIGINT during a long run (the
#   CLI installs no handler for offline runs: the kill leaves the chunks
#   flushed so far, a readable prefix).
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
W='failed to (write [a-zA-Z ]+|close output file)'
expect_error "constrict pcap to /dev/full" "$W" "$B" constrict "$PCAP" -o /dev/full
expect_error "constrict pcapng to /dev/full" "$W" "$B" constrict "$PCAPNG" -o /dev/full
expect_error "reinflate to /dev/full" "$W" "$B" reinflate "$FIX/tls_test_2/constricted.pcap" -o /dev/full
expect_error "stdout on /dev/full" "$W" sh -c 'exec "$0" constrict "$1" -o - >/dev/full' "$B" "$PCAP"

# --- disk full in the middle of a run ---------------------------------------
python3 "$CST_SRC/tools/gencap.py" "$T/gen.pcap" --packets 3000 --seed 3 >/dev/null 2>&1 || fail "gencap"
python3 "$CST_SRC/tools/gencap.py" "$T/gen.pcapng" --format pcapng --packets 1500 --seed 5 >/dev/null 2>&1 || fail "gencap"
for f in gen.pcap gen.pcapng; do
	"$B" constrict "$T/$f" -o "$T/full.$f" 2>/dev/null || fail "reference run $f"
	# Half the output size: a write fails part-way (EFBIG).
	lim=$(($(stat -c %s "$T/full.$f") / 2048))
	expect_error "$f: disk full mid-run" "$W" \
		bash -c 'trap "" XFSZ; ulimit -f "$3"; exec "$0" constrict "$1" -o "$2"' "$B" "$T/$f" "$T/cut.$f" "$lim"
	readable_prefix "$f: disk full mid-run" "$T/cut.$f" "$T/full.$f"
done
"$B" reinflate "$T/full.gen.pcap" -o "$T/rfull.pcap" 2>/dev/null || fail "reference reinflate"
lim=$(($(stat -c %s "$T/rfull.pcap") / 2048))
expect_error "reinflate: disk full mid-run" "$W" \
	bash -c 'trap "" XFSZ; ulimit -f "$3"; exec "$0" reinflate "$1" -o "$2"' "$B" "$T/full.gen.pcap" "$T/rcut.pcap" "$lim"
readable_prefix "reinflate: disk full mid-run" "$T/rcut.pcap" "$T/rfull.pcap"

# --- unwritable output places ------------------------------------------------
: >"$T/plainfile"
mkdir -p "$T/adir"
expect_error "output dir missing" "failed to open output file" "$B" constrict "$PCAP" -o "$T/nodir/out.pcap"
expect_error "output under a file" "failed to open output file" "$B" constrict "$PCAP" -o "$T/plainfile/out.pcap"
expect_error "output in /proc (unwritable even for root)" "failed to open output file" "$B" constrict "$PCAP" -o /proc/cst-robust-test.pcap
expect_error "output is a directory" "failed to open output file" "$B" constrict "$PCAP" -o "$T/adir"
expect_error "reinflate output is a directory" "failed to open output file" "$B" reinflate "$PCAP" -o "$T/adir"
if [ "$(id -u)" != 0 ]; then
	mkdir -p "$T/ro" && chmod 555 "$T/ro"
	expect_error "output dir read-only" "failed to open output file" "$B" constrict "$PCAP" -o "$T/ro/out.pcap"
	cp "$PCAP" "$T/unreadable.pcap" && chmod 000 "$T/unreadable.pcap"
	expect_error "input unreadable" "failed to open input file" "$B" constrict "$T/unreadable.pcap" -o "$T/o.pcap"
else
	skip_part "running as root: permission-bit cases not checked"
fi

# --- odd inputs ----------------------------------------------------------------
expect_error "input is a directory" "failed to open input file" "$B" constrict "$T/adir" -o "$T/o.pcap"
expect_error "reinflate input is a directory" "failed to open input file" "$B" reinflate "$T/adir" -o "$T/o.pcap"
expect_error "input missing" "failed to open input file" "$B" constrict "$T/missing.pcap" -o "$T/o.pcap"
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

# --opt=value and --opt value are the same (getopt_long everywhere).
"$B" constrict "$PCAP" --policy=track --output="$T/eq.pcap" >/dev/null 2>&1
"$B" constrict "$PCAP" --policy track --output "$T/sp.pcap" >/dev/null 2>&1
expect_eq "--policy=track accepted" "$?" 0
same_bytes "--opt=value same as --opt value" "$T/eq.pcap" "$T/sp.pcap"

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
expect_error "config missing" "failed to open config file" "$B" constrict "$PCAP" -o "$T/c.pcap" --config "$T/none.ini"
head -c 300 "$PCAP" >"$T/binary.ini"
expect_error "config is binary" "config line [0-9]+: .*" "$B" constrict "$PCAP" -o "$T/c.pcap" --config "$T/binary.ini"
printf '[general]\nmax_flows = 0\n' >"$T/zero.ini"
expect_error "config out of range" "config line 2: invalid value for general.max_flows; expected integer >= 1" \
	"$B" constrict "$PCAP" -o "$T/c.pcap" --config "$T/zero.ini"

# --- SIGTERM / SIGINT during a long run -----------------------------------------
# About 170 MB: a large capture made of the generated one's records repeated.
python3 - "$T/gen.pcap" "$T/big.pcap" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(d)
    for _ in range(59):
        f.write(d[24:])
PY
"$B" constrict "$T/big.pcap" -o "$T/big.ref" 2>/dev/null || fail "reference run on the large capture"
for sig in TERM INT; do
	rm -f "$T/big.$sig"
	# A background job of a script starts with SIGINT ignored: restore the default.
	python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
		"$B" constrict "$T/big.pcap" -o "$T/big.$sig" 2>"$T/err" &
	pid=$!
	for _ in $(seq 200); do [ -e "$T/big.$sig" ] && break; sleep 0.01; done # output opened: the run is on
	kill -s "$sig" "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	want=$((128 + $(kill -l "$sig")))
	if [ "$rc" = 0 ]; then
		echo "   the run ended before SIG$sig arrived: the complete output is checked instead"
		same_bytes "SIG$sig too late: complete output" "$T/big.$sig" "$T/big.ref"
	elif [ "$rc" = "$want" ] || [ "$rc" = 1 ]; then
		pass "SIG$sig ends the run (exit $rc)"
		[ -s "$T/big.$sig" ] && readable_prefix "SIG$sig: output left behind" "$T/big.$sig" "$T/big.ref" ||
			echo "   SIG$sig: nothing had been flushed yet (an empty output is allowed)"
	else
		fail "SIG$sig: unexpected exit $rc [$(tr '\n' '|' <"$T/err")]"
	fi
done
rm -f "$T"/big.*
finish
