#!/usr/bin/env bash
# An input truncated while it is read must give an error (or a tail warning), not SIGBUS.
source "$(dirname "$0")/common.sh"
python3 - "$CST_FIXTURES/quic_test_2/input.pcap" "$W/big.pcap" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(d)
    for _ in range(4000):  # ~150 MB
        f.write(d[24:])
PY
for i in 1 2 3; do
	"$CST_BIN" constrict "$W/big.pcap" -o "$W/out.pcap" 2>"$W/err" &
	pid=$!
	for _ in $(seq 200); do [ -e "$W/out.pcap" ] && break; sleep 0.01; done
	truncate -s 1000000 "$W/big.pcap"
	wait "$pid"
	rc=$?
	echo "run $i: exit $rc $(head -c 200 "$W/err")"
	[ "$rc" -gt 1 ] && defect "exit $rc (signal $((rc - 128)): SIGBUS from the mapped input)"
	rm -f "$W/out.pcap"
	python3 - "$CST_FIXTURES/quic_test_2/input.pcap" "$W/big.pcap" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(d)
    for _ in range(4000):
        f.write(d[24:])
PY
done
fixed "no crash in 3 runs"
