#!/bin/bash
# Faults and signals of a live capture (issue 17 items 1, 2, 6; the table of
# docs/reliability.md):
#  - SIGUSR1 prints the counters and goes on, SIGUSR2 flushes, SIGHUP rotates
#    (-C) or reopens a -w name that was moved away; none of them ends the run;
#  - every other terminating signal (QUIT, ALRM, PWR, a real-time one) ends
#    it cleanly: exit 0, counters printed, the file complete;
#  - SIGPIPE with `-w - | head -c 1000`: one line naming the cause, exit 1,
#    at once;
#  - a full disk (1 MiB tmpfs), live and offline: one line with the file and
#    the cause, the live file truncated to its last whole record, the offline
#    output's earlier version untouched and no temporary file left;
#  - the output directory removed during a rotating capture: one line, exit 1;
#  - loopback: every packet once (the outgoing copy dropped, as libpcap does).
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
ns_setup

# records FILE: packets in a capture file, or "damaged" when it does not end on a whole record
records() { python3 "$PCAPTOOL" dump "$1" 2>/dev/null | wc -l || echo damaged; }
whole() { # whole NAME FILE: the file parses to its last byte
	if python3 - "$2" <<'PY'; then pass "$1: ends on a whole record"; else fail "$1: damaged file"; fi
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 24
while off < len(d):
    if off + 16 > len(d):
        sys.exit(1)
    off += 16 + struct.unpack_from("<I", d, off + 8)[0]
sys.exit(0 if off == len(d) else 1)
PY
}
alive() { kill -0 "$CAP_PID" 2>/dev/null; }

# --- SIGUSR2, SIGUSR1, SIGHUP: meanings, and the capture goes on -----------------
stream 3000
cap_start "$T/s.log" -i "$IF_B" -w "$T/s.pcap" || fail "signals: start"
# half-way between two once-a-second flushes, USR2 puts the last half second on disk
# (written as s.pcap.part until complete, issue 18)
for _ in $(seq 50); do [ "$(stat -c %s "$T/s.pcap.part")" -gt 24 ] && break; sleep 0.1; done
sleep 0.5
before=$(stat -c %s "$T/s.pcap.part")
kill -USR2 "$CAP_PID"
sleep 0.2
size=$(stat -c %s "$T/s.pcap.part")
[ "$size" -gt "$before" ] && pass "SIGUSR2 flushes ($before -> $size bytes between timed flushes)" ||
	fail "SIGUSR2: $before -> $size bytes"
alive && pass "SIGUSR2: still capturing" || fail "SIGUSR2 ended the capture"
kill -USR1 "$CAP_PID"
sleep 0.3
expect_eq "SIGUSR1: counters printed once while running" "$(grep -c 'packets captured$' "$T/s.log")" 1
grep -q "^[0-9]* packets received by filter$" "$T/s.log" && grep -q "^[0-9]* packets dropped by kernel$" "$T/s.log" &&
	grep -q "bytes saved" "$T/s.log" && pass "SIGUSR1: tcpdump's three lines and the bytes" || fail "SIGUSR1: $(cat "$T/s.log")"
alive && pass "SIGUSR1: still capturing" || fail "SIGUSR1 ended the capture"
kill -HUP "$CAP_PID"
sleep 0.3
alive && pass "SIGHUP: still capturing" || fail "SIGHUP ended the capture"
kill -INT "$CAP_PID"
cap_wait
expect_eq "USR1/USR2/HUP then INT: exit" "$CAP_RC" 0
whole "USR1/USR2/HUP" "$T/s.pcap"
expect_eq "USR1/USR2/HUP: every reported packet in the file" "$(records "$T/s.pcap")" "$(stat_of "$T/s.log" "packets captured")"

# SIGHUP reopens a -w name that logrotate moved away: two complete files
# (logrotate works on the final name: no partial name, --part-suffix '')
cap_start "$T/r.log" -i "$IF_B" -w "$T/r.pcap" --part-suffix '' || fail "reopen: start"
sleep 0.5
mv "$T/r.pcap" "$T/r.pcap.1"
kill -HUP "$CAP_PID"
sleep 0.5
kill -INT "$CAP_PID"
cap_wait
[ -s "$T/r.pcap" ] && pass "SIGHUP after mv: the name reopened" || fail "SIGHUP after mv: no new file"
whole "SIGHUP: the moved file" "$T/r.pcap.1"
whole "SIGHUP: the new file" "$T/r.pcap"
expect_eq "SIGHUP after mv: packets across both files" $(($(records "$T/r.pcap.1") + $(records "$T/r.pcap"))) \
	"$(stat_of "$T/r.log" "packets captured")"

# SIGHUP with -C: the next file now
cap_start "$T/c.log" -i "$IF_B" -w "$T/c.pcap" -C 1000 || fail "-C: start"
sleep 0.5
kill -HUP "$CAP_PID"
sleep 0.5
kill -INT "$CAP_PID"
cap_wait
[ -s "$T/c.pcap1" ] && pass "SIGHUP with -C: next file started" || fail "SIGHUP with -C: no c.pcap1"
expect_eq "SIGHUP with -C: packets across files" $(($(records "$T/c.pcap") + $(records "$T/c.pcap1"))) \
	"$(stat_of "$T/c.log" "packets captured")"

# --- kill -9: the file holds what was flushed (at most the last second is lost) ---
cap_start "$T/k.log" -i "$IF_B" -w "$T/k.pcap" || fail "kill -9: start"
sleep 2.5
before=$(stat -c %s "$T/k.pcap.part")
kill -9 "$CAP_PID"
cap_wait
[ "$before" -gt 24 ] && pass "kill -9: $before bytes flushed before the kill" || fail "kill -9: nothing flushed in 2.5 s"
# the killed capture's file keeps its partial name (issue 18)
mv "$T/k.pcap.part" "$T/k.pcap"
"$CST_BIN" constrict "$T/k.pcap" -o "$T/k.out" >/dev/null 2>"$T/k.err"
rc=$?
{ [ "$rc" = 0 ] || { [ "$rc" = 1 ] && ! grep -q '^error' "$T/k.err"; }; } &&
	pass "kill -9: the file reads back (exit $rc)" || fail "kill -9: $(cat "$T/k.err")"
# files are created 0600 (umask 022 takes nothing more away)
expect_eq "live file mode" "$(stat -c %a "$T/k.pcap")" 600

# --- other terminating signals: a clean stop --------------------------------------
for sig in QUIT ALRM PWR RTMIN+1; do
	cap_start "$T/o.log" -i "$IF_B" -w "$T/o.pcap" || fail "SIG$sig: start"
	sleep 0.4
	kill -s "$sig" "$CAP_PID" 2>/dev/null || kill "-$sig" "$CAP_PID"
	cap_wait
	expect_eq "SIG$sig: clean exit" "$CAP_RC" 0
	whole "SIG$sig" "$T/o.pcap"
	expect_eq "SIG$sig: file holds the packets reported" "$(records "$T/o.pcap")" "$(stat_of "$T/o.log" "packets captured")"
done

# --- SIGPIPE: -w - | head -c 1000 -------------------------------------------------
start=$(date +%s)
ip netns exec "$NS_B" timeout 20 "$CST_BIN" capture -i "$IF_B" -w - 2>"$T/p.log" | head -c 1000 >"$T/p.head"
rc=${PIPESTATUS[0]}
expect_eq "SIGPIPE: exit status (a write error, not a kill)" "$rc" 1
expect_eq "SIGPIPE: head got its 1000 bytes" "$(stat -c %s "$T/p.head")" 1000
grep -q "^constrictor capture: cannot write standard output: Broken pipe$" "$T/p.log" &&
	pass "SIGPIPE: one line with the cause" || fail "SIGPIPE: $(cat "$T/p.log")"
[ $(($(date +%s) - start)) -lt 10 ] && pass "SIGPIPE: ends at once" || fail "SIGPIPE: took too long"
stream_stop

# --- a full disk (1 MiB tmpfs), live and offline ----------------------------------
mkdir -p "$T/full"
if mount -t tmpfs -o size=1m tmpfs "$T/full"; then
	ip netns exec "$NS_B" "$CST_BIN" capture -i "$IF_B" -w "$T/full/x.pcap" --duration 20 2>"$T/f.log" &
	CAP_PID=$!
	sleep 0.5
	ip netns exec "$NS_A" python3 "$PCAPTOOL" burst "$IF_A" 2000 1400
	cap_wait
	expect_eq "live ENOSPC: exit status" "$CAP_RC" 1
	expect_eq "live ENOSPC: one line with file and cause" \
		"$(grep -c "^constrictor capture: cannot write $T/full/x.pcap.part: No space left on device$" "$T/f.log")" 1
	whole "live ENOSPC: the file" "$T/full/x.pcap"
	rm -f "$T/full/x.pcap"
	# offline: an earlier output stays, no temporary file is left
	python3 "$CST_SRC/tools/gencap.py" "$T/big.pcap" --packets 4000 --seed 7 >/dev/null 2>&1
	printf 'earlier\n' >"$T/full/o.pcap"
	"$CST_BIN" constrict "$T/big.pcap" -o "$T/full/o.pcap" >/dev/null 2>"$T/fo.log"
	expect_eq "offline ENOSPC: exit status" "$?" 1
	expect_eq "offline ENOSPC: message" "$(cat "$T/fo.log")" \
		"error: failed to write packet data: $T/full/o.pcap: No space left on device"
	expect_eq "offline ENOSPC: earlier output untouched" "$(cat "$T/full/o.pcap")" "earlier"
	expect_eq "offline ENOSPC: no temporary file left" "$(ls "$T/full" | grep -c part)" 0
	umount "$T/full"
else
	fail "cannot mount a 1 MiB tmpfs"
fi

# --- the output directory removed during a rotating capture ----------------------
mkdir -p "$T/gone"
stream 3000
cap_start "$T/g.log" -i "$IF_B" -w "$T/gone/x.pcap" -C 2k || fail "removed dir: start"
sleep 0.3
rm -rf "$T/gone"
cap_wait
stream_stop
expect_eq "removed dir: exit status" "$CAP_RC" 1
grep -q "^constrictor capture: cannot open output file $T/gone/x.pcap[0-9]*\.part: No such file or directory$" "$T/g.log" &&
	pass "removed dir: one line naming the file" || fail "removed dir: $(cat "$T/g.log")"

# --- loopback: each packet once ----------------------------------------------------
for be in tpacket_v3 recvmsg; do
	ip netns exec "$NS_B" "$CST_BIN" capture -i lo --backend "$be" -w "$T/lo.$be.pcap" --duration 3 udp port 9999 2>"$T/lo.log" &
	CAP_PID=$!
	for _ in $(seq 100); do grep -q "listening on" "$T/lo.log" && break; sleep 0.05; done
	ip netns exec "$NS_B" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    s.sendto(b"x" * 20, ("127.0.0.1", 9999))'
	cap_wait
	expect_eq "$be: 5 datagrams on lo, 5 packets" "$(records "$T/lo.$be.pcap")" 5
done
finish
