#!/bin/bash
# The output directory of a rotating capture made read-only, then removed,
# while the capture runs (issue 17, docs/reliability.md).  The capture reads
# a pipe (`capture -r -`) that pauses half-way, runs as an unprivileged user
# (root ignores permission bits), and rotates every 2 KB: the next file
# cannot be created, which ends the capture with one line naming the file
# and the cause (exit 1); every file already written ends on a whole record.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_root
need_tool python3
need_tool setpriv
IN="$FIX/quic_test_2/input.pcap"
PCAPTOOL="$CST_SRC/tests/e2e/pcaptool.py"

# head.pcap: the header and the first 5 records; tail.bin: the other records
python3 - "$IN" "$T/head.pcap" "$T/tail.bin" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 24
for _ in range(5):
    off += 16 + struct.unpack_from("<I", d, off + 8)[0]
open(sys.argv[2], "wb").write(d[:off])
open(sys.argv[3], "wb").write(d[off:])
PY
whole() { # NAME FILE: the file parses to its last byte
	if python3 "$PCAPTOOL" dump "$2" >/dev/null 2>&1 && python3 - "$2" <<'PY'; then pass "$1: ends on a whole record"; else fail "$1: damaged"; fi
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 24
while off + 16 <= len(d):
    off += 16 + struct.unpack_from("<I", d, off + 8)[0]
sys.exit(0 if off == len(d) else 1)
PY
}

for fault in read-only removed; do
	dir="$T/out.$fault"
	rm -rf "$dir" && mkdir -p "$dir" && chown 65534:65534 "$dir"
	mkfifo "$T/pipe.$fault"
	{ cat "$T/head.pcap"; sleep 1.5; cat "$T/tail.bin"; } >"$T/pipe.$fault" &
	writer=$!
	setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		"$CST_BIN" capture -r - -w "$dir/x.pcap" -C 2k <"$T/pipe.$fault" 2>"$T/$fault.log" &
	pid=$!
	# the file being written carries .part (issue 18) until it is complete
	for _ in $(seq 100); do [ -s "$dir/x.pcap.part" ] && break; sleep 0.02; done
	sleep 0.3
	if [ $fault = read-only ]; then chmod 555 "$dir"; else rm -rf "$dir"; fi
	wait "$pid"
	rc=$?
	wait "$writer"
	expect_eq "$fault dir: exit status" "$rc" 1
	want="Permission denied"
	[ $fault = removed ] && want="No such file or directory"
	expect_eq "$fault dir: one line naming the file and the cause" \
		"$(grep -c "^constrictor capture: cannot open output file $dir/x.pcap[0-9]*\.part: $want$" "$T/$fault.log")" 1
	if [ $fault = read-only ]; then
		n=0
		for f in "$dir"/x.pcap*; do
			whole "read-only dir: $(basename "$f")" "$f"
			n=$((n + 1))
		done
		[ "$n" -ge 1 ] && pass "read-only dir: $n complete file(s) kept" || fail "read-only dir: no file"
		chmod 755 "$dir"
	fi
done
finish
