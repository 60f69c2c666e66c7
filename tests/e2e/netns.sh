# Helpers of the live-capture tests (sourced after tests/lib.sh): a pair of
# network namespaces joined by a veth pair, created by the test and always
# removed by an EXIT trap, and a capture started in the background with a
# bounded wait for it to be ready.  Names carry the shell's PID, so tests
# can run in parallel.
PCAPTOOL="$CST_SRC/tests/e2e/pcaptool.py"
NS_ID="cst$$"
NS_A="${NS_ID}a" NS_B="${NS_ID}b"
IF_A="${NS_ID}x" IF_B="${NS_ID}y"
NS_PIDS=""

ns_cleanup() {
	for p in $NS_PIDS; do kill "$p" 2>/dev/null; done
	for p in $NS_PIDS; do wait "$p" 2>/dev/null; done
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	return 0
}

inA() { ip netns exec "$NS_A" "$@"; }
inB() { ip netns exec "$NS_B" "$@"; }

# ns_setup [MTU]: two namespaces, IPv6 off (no unsolicited traffic), veth up,
# no addresses (ns_addr adds them when a test needs IP).
ns_setup() {
	local mtu="${1:-1500}"
	need_root
	need_tool ip
	trap ns_cleanup EXIT
	ip netns add "$NS_A" && ip netns add "$NS_B" || skip "cannot create network namespaces"
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
	ip link add "$IF_A" mtu "$mtu" type veth peer name "$IF_B" mtu "$mtu" || skip "cannot create a veth pair"
	ip link set "$IF_A" netns "$NS_A"
	ip link set "$IF_B" netns "$NS_B"
	inA sysctl -qw "net.ipv6.conf.$IF_A.disable_ipv6=1"
	inB sysctl -qw "net.ipv6.conf.$IF_B.disable_ipv6=1"
	ip -n "$NS_A" link set "$IF_A" up
	ip -n "$NS_B" link set "$IF_B" up
}

ns_addr() {
	ip -n "$NS_A" addr add 10.77.0.1/24 dev "$IF_A"
	ip -n "$NS_B" addr add 10.77.0.2/24 dev "$IF_B"
}

# passthrough_ini FILE: a config under which the recorder keeps every packet
# whole (TLS and QUIC off, snap length 256 KiB), for a reference capture.
passthrough_ini() {
	cat >"$1" <<INI
[tls]
enabled = false
[quic]
enabled = false
[capture]
default_snaplen = 262144
max_capture_len = 262144
INI
}

# stream N: N UDP frames from A to B in the background, one every
# $STREAM_GAP seconds (10 ms unless the test sets it); stream_stop ends them.
STREAM_GAP=0.01
stream() {
	ip netns exec "$NS_A" python3 "$PCAPTOOL" stream "$IF_A" "$STREAM_GAP" "$1" &
	STREAM_PID=$!
	NS_PIDS="$NS_PIDS $STREAM_PID"
}
stream_stop() { kill "$STREAM_PID" 2>/dev/null; wait "$STREAM_PID" 2>/dev/null; }

# cap_start LOG ARGS...: run `constrictor capture ARGS` in namespace B with
# stderr to LOG; wait (at most 10 s) until it listens.  Sets CAP_PID (the
# recorder itself, so signals reach it).  A leading --duration 30 bounds
# every run; a later --duration in ARGS overrides it.
cap_start() {
	local log="$1" i
	shift
	ip netns exec "$NS_B" "$CST_BIN" capture --duration 30 "$@" 2>"$log" &
	CAP_PID=$!
	NS_PIDS="$NS_PIDS $CAP_PID"
	for i in $(seq 100); do
		grep -q "listening on\|Press Ctrl+C" "$log" "$log.out" 2>/dev/null && return 0
		kill -0 "$CAP_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# cap_wait: wait for the capture; sets CAP_RC.
cap_wait() {
	wait "$CAP_PID"
	CAP_RC=$?
}

# stat_of LOG "packets captured" -> the number before the words
stat_of() {
	sed -n "s/^\([0-9]*\) $2\$/\1/p" "$1" | tail -1
}

# mix_setup [--one-cpu] COPIES PCAP...: the set-up the fanout-worker tests
# share: fixtures, python3, tcpreplay and tshark (and taskset with
# --one-cpu) or a skip; the veth pair at MTU 9000; $T/mix.pcap, COPIES
# copies of every PCAP on other ports (tests/e2e/flowmix.py).  Sets MIX (the
# script) and N (packets in the mix), and defines send_mix, which replays
# the mix from A (with --one-cpu from CPU 0 only, so the receiving softirq
# sees the packets in the order sent).
mix_setup() {
	local one_cpu=
	[ "$1" = --one-cpu ] && one_cpu=1 && shift
	need_fixtures
	need_tool python3
	need_tool tcpreplay
	need_tool tshark
	[ -n "$one_cpu" ] && need_tool taskset
	ns_setup 9000
	MIX="$CST_SRC/tests/e2e/flowmix.py"
	python3 "$MIX" make "$T/mix.pcap" "$@"
	N=$(python3 "$MIX" flows "$T/mix.pcap" | wc -l)
	if [ -n "$one_cpu" ]; then
		send_mix() { inA taskset -c 0 tcpreplay -q -i "$IF_A" --topspeed "$T/mix.pcap" >/dev/null 2>&1; }
	else
		send_mix() { inA tcpreplay -q -i "$IF_A" --topspeed "$T/mix.pcap" >/dev/null 2>&1; }
	fi
}
