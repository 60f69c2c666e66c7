#!/bin/bash
# -c N with fanout workers (issue 19): exactly N packets are written in all,
# as with tcpdump -c, and the run ends as soon as they are:
#  1. merged output: the N packets are the first N by timestamp -- those a
#     one-worker capture of the same traffic (running alongside) has first;
#     what the workers received beyond them is not written;
#  2. "%w": N packets across the worker files; with -c equal to the traffic
#     the run ends on the last packet (not at --duration);
#  3. -c beyond the traffic, both modes: --duration, and SIGINT (sent once
#     the stats file shows every packet written), end with status 0, every
#     packet in complete files (no .part name left).
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
mix_setup --one-cpu 4 "$FIX/tls_test_2/input.pcap" "$FIX/quic_test_2/input.pcap"
K=$((N / 3))

count() { local f n=0; for f in "$@"; do n=$((n + $(tshark -n -r "$f" 2>/dev/null | wc -l))); done; echo $n; }
now() { date +%s; }

# 1: merged -c K beside a one-worker capture of everything
cap_start "$T/ref.log" -i "$IF_B" -c "$N" --duration 30 -w "$T/ref.pcap" || fail "ref: did not start"
REF=$CAP_PID
if cap_start "$T/m.log" -i "$IF_B" --workers 2 -c "$K" --duration 30 -w "$T/m.pcap"; then
	send_mix
	cap_wait
	wait "$REF"
	expect_eq "m: exit status" "$CAP_RC" 0
	expect_eq "m: packets captured" "$(stat_of "$T/m.log" "packets captured")" "$K"
	expect_eq "m: packets in the file" "$(count "$T/m.pcap")" "$K"
	python3 "$MIX" flows "$T/ref.pcap" | head -n "$K" | sort >"$T/ref.first"
	python3 "$MIX" flows "$T/m.pcap" | sort >"$T/m.sorted"
	same_bytes "m: the first $K packets by time" "$T/ref.first" "$T/m.sorted"
else
	fail "m: did not start: $(head -2 "$T/m.log")"
fi

# 2: "%w", -c equal to the traffic: ends on the last packet
if cap_start "$T/pw.log" -i "$IF_B" --workers 2 -c "$N" --duration 30 -w "$T/pw%w.pcap"; then
	t0=$(now)
	send_mix
	cap_wait
	took=$(($(now) - t0))
	expect_eq "pw: exit status" "$CAP_RC" 0
	if [ "$took" -lt 15 ]; then pass "pw: ended on packet $N (${took}s)"; else fail "pw: ran ${took}s (--duration 30)"; fi
	expect_eq "pw: packets captured" "$(stat_of "$T/pw.log" "packets captured")" "$N"
	expect_eq "pw: packets in the files" "$(count "$T/pw0.pcap" "$T/pw1.pcap")" "$N"
else
	fail "pw: did not start"
fi
if cap_start "$T/pk.log" -i "$IF_B" --workers 2 -c "$K" --duration 30 -w "$T/pk%w.pcap"; then
	send_mix
	cap_wait
	expect_eq "pk: exit status" "$CAP_RC" 0
	expect_eq "pk: packets in the files" "$(count "$T/pk0.pcap" "$T/pk1.pcap")" "$K"
	expect_eq "pk: packets captured" "$(stat_of "$T/pk.log" "packets captured")" "$K"
else
	fail "pk: did not start"
fi

# 3: -c beyond the traffic
complete() { # NAME FILE...: complete files, no .part left
	local f
	for f in "${@:2}"; do tshark_reads "$f"; done
	expect_eq "$1: no partial file" "$(ls "$T" | grep -c "^$1.*\.part")" 0
}
for mode in m pw; do
	out="$T/d$mode.pcap" files="$T/d$mode.pcap"
	[ $mode = pw ] && out="$T/dpw%w.pcap" files="$T/dpw0.pcap $T/dpw1.pcap"
	if cap_start "$T/d$mode.log" -i "$IF_B" --workers 2 -c 1000000 --duration 3 -w "$out"; then
		send_mix
		cap_wait
		expect_eq "d$mode: exit status" "$CAP_RC" 0
		expect_eq "d$mode: packets in the files" "$(count $files)" "$N"
		complete "d$mode" $files
	else
		fail "d$mode: did not start"
	fi
	out="$T/s$mode.pcap" files="$T/s$mode.pcap"
	[ $mode = pw ] && out="$T/spw%w.pcap" files="$T/spw0.pcap $T/spw1.pcap"
	if cap_start "$T/s$mode.log" -i "$IF_B" --workers 2 -c 1000000 --duration 30 -w "$out" \
		--stats-interval 1 --stats-file "$T/s$mode.json"; then
		t0=$(now)
		send_mix
		written() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets_written"])' "$T/s$mode.json" 2>/dev/null; }
		for i in $(seq 200); do [ "$(written)" = "$N" ] && break; sleep 0.1; done
		kill -INT "$CAP_PID"
		cap_wait
		expect_eq "s$mode: exit status" "$CAP_RC" 0
		if [ $(($(now) - t0)) -lt 25 ]; then pass "s$mode: SIGINT ended the run"; else fail "s$mode: ran until --duration"; fi
		expect_eq "s$mode: packets in the files" "$(count $files)" "$N"
		complete "s$mode" $files
	else
		fail "s$mode: did not start"
	fi
done
finish
