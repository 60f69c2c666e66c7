#!/bin/bash
# --backend pcap (issue 19 item 3) under a burst: many full ring blocks wait
# when the recorder resumes, one pcap_dispatch per batch (older libpcap may
# hand out more than asked; the extra ones wait for the next batch).  Every packet of a 20000-frame burst is recorded
# once, in order, with its bytes (the recorder is stopped during the burst so
# that whole blocks wait in the ring); -c stops on the exact count; the kernel
# counters come from pcap_stats; -B reaches pcap_set_buffer_size
# (a 64 MiB buffer holds the burst: no drop).
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
ns_setup

cat >"$T/passthrough.ini" <<INI
[tls]
enabled = false
[quic]
enabled = false
INI

n=20000
cap_start "$T/b.log" -i "$IF_B" -w "$T/b.pcap" -c "$n" --duration 30 --backend pcap -B 65536 \
	--config "$T/passthrough.ini" udp port 9999 || fail "capture did not start: $(head -2 "$T/b.log")"
# stopped while the burst is sent: the ring holds many full blocks when it resumes
kill -STOP "$CAP_PID"
inA python3 "$PCAPTOOL" burst "$IF_A" "$n" 120
kill -CONT "$CAP_PID"
cap_wait
expect_eq "burst: exit status" "$CAP_RC" 0
expect_eq "burst: packets captured" "$(stat_of "$T/b.log" "packets captured")" "$n"
expect_eq "burst: dropped by kernel (pcap_stats)" "$(stat_of "$T/b.log" "packets dropped by kernel")" 0
got=$(stat_of "$T/b.log" "packets received by filter")
[ "${got:-0}" -ge "$n" ] && pass "burst: received by filter (pcap_stats) >= $n" ||
	fail "burst: received by filter was '$got'"
# numbered frames: 0..n-1, each once and in order, 120 bytes captured of 120
check=$(python3 - "$T/b.pcap" <<'PY'
import struct, sys
buf = open(sys.argv[1], "rb").read()
off, want, bad = 24, 0, 0
while off + 16 <= len(buf):
    _, _, incl, orig = struct.unpack_from("<IIII", buf, off)
    rec = buf[off + 16 : off + 16 + incl]
    off += 16 + incl
    if incl != 120 or orig != 120 or struct.unpack_from("!I", rec, 42)[0] != want:
        bad += 1
    want += 1
print(want, bad)
PY
)
expect_eq "burst: $n frames in order, whole" "$check" "$n 0"
finish
