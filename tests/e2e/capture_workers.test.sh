#!/bin/bash
# Fanout workers (issue 19, --workers N): the same replayed traffic (TLS and
# QUIC conversations, 8 copies each on other ports: 72 flows) is captured
# over a veth pair (MTU 9000) with one worker and with two, and
#  1. nothing is lost or duplicated: as many packets as were sent, and
#     the kept bytes of every packet of every flow, in the flow's order,
#     are those of the one-worker run (a stable sort by flow keeps each
#     flow's order, so equal listings mean equal flows, packet for packet);
#  2. the merged file is ordered by time (tshark frame.time_epoch);
#  3. "%w" gives one file per worker whose packets together are the
#     merged file's; both workers got flows;
#  4. a BPF filter is applied by every worker socket; -i any works;
#  5. -w - and rotation (-C) go through the merged writer; SIGUSR1 prints
#     per-worker lines, SIGINT ends the run with the file complete;
#     --stats-interval / --stats-file report the summed counters;
#  6. the AFPacket form takes [capture] workers from its INI file.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
mix_setup 8 "$FIX/tls_test_2/input.pcap" "$FIX/quic_test_2/input.pcap" \
	"$FIX/single/tls_test_1.pcap" "$FIX/single/quic_test_1.pcap"
N_TCP=$(python3 "$MIX" flows "$T/mix.pcap" | grep -c '^6-')

# run NAME COUNT ARGS...: capture COUNT packets on B while A replays the mix
run() {
	local name="$1" count="$2"
	shift 2
	if ! cap_start "$T/$name.log" -i "$IF_B" -c "$count" --duration 20 "$@"; then
		fail "$name: capture did not start: $(head -2 "$T/$name.log")"
		return 1
	fi
	send_mix
	cap_wait
	expect_eq "$name: exit status" "$CAP_RC" 0
	expect_eq "$name: packets captured" "$(stat_of "$T/$name.log" "packets captured")" "$count"
	expect_eq "$name: kernel drops" "$(stat_of "$T/$name.log" "packets dropped by kernel")" 0
}

# flows FILE...: the packets of the files, stably sorted by flow
flows() {
	for f in "$@"; do python3 "$MIX" flows "$f"; done | sort -s -k1,1
}

time_ordered() {
	if tshark -n -r "$2" -T fields -e frame.time_epoch 2>/dev/null | sort -c -g; then
		pass "$1: ordered by time"
	else
		fail "$1: not ordered by time: $(tshark -n -r "$2" -T fields -e frame.time_epoch 2>/dev/null | sort -c -g 2>&1)"
	fi
}

# 1, 2: one worker, then two, on the same traffic
run w1 "$N" -w "$T/w1.pcap" && flows "$T/w1.pcap" >"$T/w1.flows"
if run w2 "$N" --workers 2 -v -w "$T/w2.pcap"; then
	flows "$T/w2.pcap" >"$T/w2.flows"
	expect_eq "w1: packets in the file" "$(wc -l <"$T/w1.flows")" "$N"
	same_bytes "w2: every flow's packets and kept bytes equal one worker's" "$T/w1.flows" "$T/w2.flows"
	time_ordered w2 "$T/w2.pcap"
	tshark_reads "$T/w2.pcap"
	for i in 0 1; do
		got=$(sed -n "s/^worker $i (cpu [0-9-]*): \([0-9]*\) packets received.*/\1/p" "$T/w2.log")
		if [ -n "$got" ] && [ "$got" -gt 0 ]; then pass "w2: worker $i received packets ($got)"; else fail "w2: worker $i line: [$got] $(cat "$T/w2.log")"; fi
	done
	sum=$(sed -n 's/^worker [0-9] (cpu [0-9-]*): \([0-9]*\) packets received.*/\1/p' "$T/w2.log" | awk "{s+=\$1} END {print s}")
	expect_eq "w2: worker counters add up to the total" "$sum" "$N"
fi

# 3: one file per worker
if run pw "$N" --workers 2 -w "$T/pw%w.pcap"; then
	for i in 0 1; do
		if [ -s "$T/pw$i.pcap" ]; then pass "pw: file of worker $i"; else fail "pw: no file pw$i.pcap"; fi
	done
	flows "$T/pw0.pcap" "$T/pw1.pcap" | sort >"$T/pw.sorted"
	sort "$T/w1.flows" >"$T/w1.sorted"
	same_bytes "pw: the worker files together hold the one-worker packets" "$T/w1.sorted" "$T/pw.sorted"
	for i in 0 1; do time_ordered "pw$i" "$T/pw$i.pcap"; done
fi

# 4: a filter on every worker socket; -i any (cooked)
if run bpf "$N_TCP" --workers 2 -w "$T/bpf.pcap" tcp; then
	flows "$T/bpf.pcap" >"$T/bpf.flows"
	grep '^6-' "$T/w1.flows" >"$T/w1.tcp.flows"
	same_bytes "bpf: TCP only, as the one-worker run's TCP packets" "$T/w1.tcp.flows" "$T/bpf.flows"
fi
if cap_start "$T/any.log" -i any --workers 2 -c "$N" --duration 20 -w "$T/any.pcapng" --format pcapng "tcp or udp"; then
	send_mix
	cap_wait
	expect_eq "any: exit status" "$CAP_RC" 0
	expect_eq "any: packets captured" "$(stat_of "$T/any.log" "packets captured")" "$N"
	expect_eq "any: packets in the file" "$(tshark -n -r "$T/any.pcapng" 2>/dev/null | wc -l)" "$N"
	time_ordered any "$T/any.pcapng"
else
	fail "any: capture did not start: $(head -2 "$T/any.log")"
fi

# 5: standard output, rotation
if cap_start "$T/stdout.log" -i "$IF_B" --workers 2 -c "$N" --duration 20 -w - >"$T/stdout.pcap"; then
	send_mix
	cap_wait
	expect_eq "stdout: exit status" "$CAP_RC" 0
	flows "$T/stdout.pcap" >"$T/stdout.flows"
	same_bytes "stdout: the one-worker packets" "$T/w1.flows" "$T/stdout.flows"
else
	fail "stdout: capture did not start"
fi
if run rot "$N" --workers 2 -C 64k -w "$T/rot.pcap"; then
	files=$(ls "$T"/rot.pcap* | wc -l)
	if [ "$files" -gt 1 ]; then pass "rot: $files files"; else fail "rot: $files file(s)"; fi
	flows $(ls -v "$T"/rot.pcap*) | sort >"$T/rot.sorted"
	same_bytes "rot: the files together hold the one-worker packets" "$T/w1.sorted" "$T/rot.sorted"
fi

# 5: -G/-W through the merged writer: the file limit stops every worker
if cap_start "$T/g.log" -i "$IF_B" --workers 2 --duration 20 -G 1 -W 2 -w "$T/g-%s.pcap"; then
	for i in 1 2 3 4; do send_mix; sleep 1.1; kill -0 "$CAP_PID" 2>/dev/null || break; done
	cap_wait
	expect_eq "G: exit status" "$CAP_RC" 0
	expect_eq "G: two files" "$(ls "$T"/g-*.pcap | wc -l)" 2
	if grep -q "stopped after 2 files (-W)" "$T/g.log"; then pass "G: file limit message"; else fail "G: $(cat "$T/g.log")"; fi
	got=$(for f in "$T"/g-*.pcap; do tshark -n -r "$f" 2>/dev/null; done | wc -l)
	if [ "$got" -ge "$N" ]; then pass "G: packets in the files ($got)"; else fail "G: $got packets"; fi
else
	fail "G: capture did not start"
fi

# 5: signals: USR1 reports per worker, INT stops with the file complete
if cap_start "$T/sig.log" -i "$IF_B" --workers 2 --duration 20 -w "$T/sig.pcap" \
	--stats-interval 1 --stats-file "$T/sig.json"; then
	send_mix
	sleep 0.5
	kill -USR1 "$CAP_PID"
	sleep 0.5
	kill -INT "$CAP_PID"
	cap_wait
	expect_eq "sig: exit status" "$CAP_RC" 0
	if grep -q "^worker 1 (cpu" "$T/sig.log"; then pass "sig: USR1 printed the workers"; else fail "sig: no worker line: $(cat "$T/sig.log")"; fi
	expect_eq "sig: packets in the file" "$(tshark -n -r "$T/sig.pcap" 2>/dev/null | wc -l)" "$N"
	# live statistics see the workers' counters summed
	json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/sig.json" "$1"; }
	expect_eq "sig: stats file final" "$(json final)" True
	expect_eq "sig: stats file packets_written" "$(json packets_written)" "$N"
	expect_eq "sig: stats file kernel_packets" "$(json kernel_packets)" "$N"
	if grep -q "^stats: packets=" "$T/sig.log"; then pass "sig: --stats-interval lines"; else fail "sig: no stats line: $(cat "$T/sig.log")"; fi
else
	fail "sig: capture did not start"
fi
# the AFPacket form: [capture] workers in its INI file, banner and Final stats summed
cat >"$T/compat.ini" <<INI
[capture]
interface = $IF_B
output = $T/compat.pcap
backend = tpacket_v3
max_packets = $N
duration_sec = 20
workers = 2
INI
ip netns exec "$NS_B" "$CST_BIN" capture --config "$T/compat.ini" >"$T/compat.out" 2>"$T/compat.err" &
CAP_PID=$!
NS_PIDS="$NS_PIDS $CAP_PID"
for i in $(seq 100); do grep -q "Press Ctrl+C" "$T/compat.out" && break; sleep 0.1; done
send_mix
cap_wait
expect_eq "compat: exit status" "$CAP_RC" 0
expect_eq "compat: banner" "$(grep -c '^workers: 2$' "$T/compat.out")" 1
expect_eq "compat: stop reason" "$(grep '^Live capture stopped' "$T/compat.out")" "Live capture stopped: max_packets limit reached"
expect_eq "compat: packets_written" "$(grep '^packets_written:' "$T/compat.out")" "packets_written: $N"
expect_eq "compat: kernel_packets" "$(grep '^kernel_packets:' "$T/compat.out")" "kernel_packets: $N"
expect_eq "compat: packets in the file" "$(tshark -n -r "$T/compat.pcap" 2>/dev/null | wc -l)" "$N"
finish
