#!/bin/bash
# Fanout group ids (issue 19, --workers N): the kernel picks the id of a
# workers' PACKET_FANOUT group (PACKET_FANOUT_FLAG_UNIQUEID), so runs that
# share an interface never share a group.  Two `capture --workers 2` run
# at once on one interface, and a foreign program holds groups, in the
# workers' mode, under the ids the captures would have derived from their
# process ids (pid * 7, the scheme before): a bounded burst is replayed
# once, and each capture records every packet of it, as does every
# foreign socket.  (With a shared group, each would see about half.)
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
mix_setup 4 "$FIX/tls_test_2/input.pcap" "$FIX/quic_test_2/input.pcap"

cap_start "$T/a.log" -i "$IF_B" --workers 2 -c "$N" --duration 30 -w "$T/a.pcap" || fail "a: did not start: $(head -2 "$T/a.log")"
PID_A=$CAP_PID
cap_start "$T/b.log" -i "$IF_B" --workers 2 -c "$N" --duration 30 -w "$T/b%w.pcap" || fail "b: did not start: $(head -2 "$T/b.log")"
PID_B=$CAP_PID
inB python3 "$CST_SRC/tests/e2e/fanout_peer.py" "$IF_B" "$T/peer.ready" "$N" 3 \
	$((PID_A * 7)) $((PID_B * 7)) >"$T/peer.out" 2>"$T/peer.err" &
PEER=$!
NS_PIDS="$NS_PIDS $PEER"
for i in $(seq 100); do [ -e "$T/peer.ready" ] && break; sleep 0.1; done
[ -e "$T/peer.ready" ] || fail "peer did not start: $(cat "$T/peer.err")"

send_mix
for who in a b; do
	pid=$PID_A
	[ "$who" = b ] && pid=$PID_B
	wait "$pid"
	expect_eq "$who: exit status" "$?" 0
	expect_eq "$who: packets captured" "$(stat_of "$T/$who.log" "packets captured")" "$N"
done
wait "$PEER"
expect_eq "foreign groups: every packet on each" "$(cat "$T/peer.out")" "$N $N"
expect_eq "a: packets in the file" "$(tshark -n -r "$T/a.pcap" 2>/dev/null | wc -l)" "$N"
got=$(for f in "$T"/b0.pcap "$T"/b1.pcap; do tshark -n -r "$f" 2>/dev/null; done | wc -l)
expect_eq "b: packets in the worker files" "$got" "$N"
finish
