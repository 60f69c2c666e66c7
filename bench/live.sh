#!/usr/bin/env bash
# Live capture benchmark: two network namespaces joined by a veth pair; our
# sender (constrictor-live-sender, sendmmsg, CPU 0) in one, the capture tool
# (CPU 1) in the other.  Per tool, workload and run it records sent packets,
# packets that reached the capture interface, packets and bytes in the file,
# kernel drops reported by the tool, and the capture process's CPU time during
# the traffic window (from /proc/PID/task/*/schedstat, in ns).
# Writes bench/results/live.csv and live-summary.md.  Needs root.
#
# usage: bench/live.sh BUILD_DIR [--runs N] [--seconds S] [--tools LIST]
#                      [--workloads "64 512 1514 mixed"] [--rates "0 ..."]
#                      [--tag NAME]  (results: live-NAME.csv / live-NAME-summary.md)
#                      [--build NAME=BUILD_DIR ...] (tools NAME-BACKEND[+POLICY]: that
#                      build's constrictor, for before/after in one run; --base DIR is
#                      --build base=DIR)
# Tools: constrictor-BACKEND[+POLICY][@wN] (N fanout workers, issue 19), tcpdump-s0,
# tcpdump-s128, netsniff-ng.  Per run, BASE.threads holds each thread's name and
# on-CPU ns over the traffic window; summarize_workers.py turns the @wN rows
# into live-threads[-TAG]-summary.md (CPU per packet per worker thread and writer).
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/live.sh BUILD_DIR [options]}" && pwd)
shift
RUNS=5
SECONDS_PER_RUN=3
TOOLS="constrictor-tpacket_v3 constrictor-recvmsg constrictor-tpacket_v3+track constrictor-ebpf tcpdump-s0 tcpdump-s128 netsniff-ng"
WORKLOADS="64 512 1514 mixed"
RATES=0
TAG=
declare -A BUILDS=()
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--seconds) SECONDS_PER_RUN=$2; shift 2 ;;
	--tools) TOOLS=$2; shift 2 ;;
	--workloads) WORKLOADS=$2; shift 2 ;;
	--rates) RATES=$2; shift 2 ;;
	--tag) TAG=$2; shift 2 ;;
	--base) BUILDS[base]=$(cd "$2" && pwd); shift 2 ;;
	--build) BUILDS[${2%%=*}]=$(cd "${2#*=}" && pwd); shift 2 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "live.sh needs root (network namespaces, AF_PACKET)"
BIN=$BUILD/constrictor
SENDER=$BUILD/bench/constrictor-live-sender
[ -x "$SENDER" ] || die "build first: $SENDER is missing"
RAW=$BUILD/bench-raw/live
mkdir -p "$RAW" "$RESULTS"
NS_TX=cstb-tx-$$
NS_RX=cstb-rx-$$
IF_TX=cstb-a
IF_RX=cstb-b
CAP_PID=

cleanup() {
	[ -n "$CAP_PID" ] && kill -INT "$CAP_PID" 2>/dev/null && sleep 0.5 && kill -KILL "$CAP_PID" 2>/dev/null
	ip netns del "$NS_TX" 2>/dev/null || true
	ip netns del "$NS_RX" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Namespaces of an earlier run that died before its trap: ours by name, dead PID.
remove_stale_netns() {
	local ns pid
	for ns in $(ip netns list | awk '{print $1}' | grep -E '^cstb-(tx|rx)-[0-9]+$' || true); do
		pid=${ns##*-}
		kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
	done
}

setup_netns() {
	remove_stale_netns
	ip netns add "$NS_TX"
	ip netns add "$NS_RX"
	ip link add "$IF_TX" netns "$NS_TX" type veth peer name "$IF_RX" netns "$NS_RX"
	ip -n "$NS_TX" link set "$IF_TX" up
	ip -n "$NS_RX" link set "$IF_RX" up
	# no IPv6 autoconf chatter on the measured link
	ip netns exec "$NS_RX" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
	ip netns exec "$NS_TX" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
}

tool_cmd() { # tool file
	case $1 in
	constrictor-* | *-tpacket_v3* | *-recvmsg* | *-pcap* | *-ebpf*)
		# PERF_CAPTURE=FILE profiles the capture (CPU figures then include perf)
		# constrictor-BACKEND[+POLICY][@wN[s]]; NAME-BACKEND[+POLICY]: the --build NAME=DIR binary
		local be=${1#*-} pol= wk= bin=$BIN out=$2 name=${1%%-*}
		[ "$name" = constrictor ] || bin=${BUILDS[$name]:?$1 needs --build $name=BUILD_DIR}/constrictor
		case $be in # @wN: N workers, one merged file; @wNs: one file per worker (%w)
		*@w*s) wk="--workers ${be##*@w}" wk="${wk%s} -v" be=${be%@w*} out="${2%.pcap}-w%w.pcap" ;;
		*@w*) wk="--workers ${be##*@w} -v" be=${be%@w*} ;;
		esac
		case $be in *+*) pol="--policy ${be#*+}" be=${be%%+*} ;; esac
		echo "${PERF_CAPTURE:+perf record -g -o $PERF_CAPTURE-$1 -- }$bin capture -i $IF_RX -w $out --backend $be $pol $wk" ;;
	tcpdump-s0) echo "tcpdump -i $IF_RX -s 0 -n -Z root -w $2" ;;
	tcpdump-s128) echo "tcpdump -i $IF_RX -s 128 -n -Z root -w $2" ;;
	netsniff-ng) echo "netsniff-ng --in $IF_RX --out $2 --silent --ring-size 64MiB" ;;
	*) die "unknown tool $1" ;;
	esac
}

tool_available() {
	case $1 in
	# (the whole output is read before matching: grep -q under pipefail could
	# end the pipe early and fail the check at random)
	constrictor-ebpf*) # issue 19 item 4: only in a build with the eBPF backend
		case $("$BIN" capture -i lo --backend ebpf -c 1 --duration 1 -w /dev/null 2>&1 || true) in
		*"not in this build"*) note "eBPF backend not built: skipping $1"; return 1 ;;
		esac ;;
	constrictor-*)
		case $("$BIN" capture --help 2>&1 || true) in
		*--backend*) ;;
		*) note "constrictor capture unavailable: skipping $1"; return 1 ;;
		esac ;;
	tcpdump-*) command -v tcpdump >/dev/null ;;
	netsniff-ng) command -v netsniff-ng >/dev/null ;;
	*) [ -x "${BUILDS[${1%%-*}]:-/nonexistent}/constrictor" ] ;;
	esac
}

rx_counter() { ip netns exec "$NS_RX" cat "/sys/class/net/$IF_RX/statistics/$1"; }
tx_counter() { ip netns exec "$NS_TX" cat "/sys/class/net/$IF_TX/statistics/$1"; }
softnet_drops() { # column 2 of /proc/net/softnet_stat (hex): backlog drops, all CPUs
	local s=0 a b rest
	while read -r a b rest; do s=$((s + 16#$b)); done </proc/net/softnet_stat
	echo "$s"
}
cpu_ns() { # sum of on-CPU ns of every thread of PID
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d", s}'
}
thread_ns() { # one line per thread of PID: TID NAME ON-CPU-NS
	local t
	for t in /proc/"$1"/task/*; do
		echo "${t##*/} $(cat "$t/comm" 2>/dev/null) $(awk '{print $1}' "$t/schedstat" 2>/dev/null)"
	done
}

# Wait until the tool says it listens (or its file exists), at most 10 s.
wait_ready() { # tool base file
	local i
	for i in $(seq 1 100); do
		case $1 in
		netsniff-ng) grep -q "Running" "$2.out" && break ;;
		# tcpdump and constrictor say so (constrictor's files are NAME.part until closed)
		*) grep -q "listening on" "$2.err" && break ;;
		esac
		kill -0 "$CAP_PID" 2>/dev/null || die "$1 exited early: $(head -c 300 "$2.err")"
		sleep 0.1
	done
	sleep 1 # ring/buffer set-up finishes after the first message
}

sender_args() { # workload
	case $1 in
	mixed) echo "--pcap $(bench_input "$BUILD" 64M)" ;;
	*) echo "--frame-size $1" ;;
	esac
}

# One measurement; prints one CSV row.
measure() { # tool workload rate run
	local tool=$1 wl=$2 rate=$3 run=$4 base file cmd
	base=$RAW/$tool-$wl-r$rate-$run
	file=$base.pcap
	rm -f "$file"
	cmd=$(tool_cmd "$tool" "$file")
	ip netns exec "$NS_RX" taskset -c 1 $cmd >"$base.out" 2>"$base.err" &
	CAP_PID=$!
	wait_ready "$tool" "$base" "$file"
	local rx0 rxb0 rxd0 sn0 txd0 c0 c1 rx1 rxb1 rxd1 sn1 txd1
	rx0=$(rx_counter rx_packets) rxb0=$(rx_counter rx_bytes) rxd0=$(rx_counter rx_dropped)
	txd0=$(tx_counter tx_dropped) sn0=$(softnet_drops) c0=$(cpu_ns "$CAP_PID")
	local perf_pid=
	if [ -n "${PERF_ATTACH:-}" ]; then # profile the traffic window only (no set-up)
		perf record -q -F "${PERF_FREQ:-4999}" -g -p "$CAP_PID" -o "$PERF_ATTACH-$tool-$wl-$run" \
			>/dev/null 2>&1 &
		perf_pid=$!
		sleep 0.5
	fi
	thread_ns "$CAP_PID" >"$base.threads0"
	ip netns exec "$NS_TX" taskset -c 0 "$SENDER" -i "$IF_TX" --seconds "$SECONDS_PER_RUN" \
		--rate "$rate" $(sender_args "$wl") >"$base.sender"
	sleep 1 # let the capture drain its ring/socket queue
	c1=$(cpu_ns "$CAP_PID")
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null || true
		wait "$perf_pid" 2>/dev/null || true
	fi
	thread_ns "$CAP_PID" >"$base.threads1"
	rx1=$(rx_counter rx_packets) rxb1=$(rx_counter rx_bytes) rxd1=$(rx_counter rx_dropped)
	txd1=$(tx_counter tx_dropped) sn1=$(softnet_drops)
	kill -INT "$CAP_PID"
	wait "$CAP_PID" || true
	CAP_PID=
	local fpk fby
	local parts="$file"
	[ -e "$file" ] || parts=$(ls "${file%.pcap}"-w*.pcap 2>/dev/null || true) # @wNs: per-worker files
	fpk=$(for f in $parts; do capinfos -M -c -T -r "$f" 2>/dev/null; done | awk -F'\t' 'NF>1 {s += $2} END {print s + 0}')
	fby=$(cat $parts 2>/dev/null | wc -c)
	echo "$tool,$wl,$rate,$run,$(tr ' ' '\n' <"$base.sender" | tr '\n' ' ')|$((rx1 - rx0)),$((rxb1 - rxb0)),$((rxd1 - rxd0)),$((txd1 - txd0)),$((sn1 - sn0)),${fpk:-0},$fby,$((c1 - c0)),$base.err,$base.out"
	rm -f "$file" "${file%.pcap}"-w*.pcap
}

setup_netns
: >"$RAW/live${TAG:+-$TAG}.raw"
for wl in $WORKLOADS; do
	for rate in $RATES; do
		for run in $(seq 1 "$RUNS"); do
			for tool in $TOOLS; do # tools interleaved: drift hits all alike
				tool_available "$tool" || continue
				note "$wl rate=$rate run $run: $tool"
				measure "$tool" "$wl" "$rate" "$run" >>"$RAW/live${TAG:+-$TAG}.raw"
			done
		done
	done
done
case " $TOOLS " in *@w*)
	python3 "$BENCH_SRC/summarize_workers.py" "$RAW/live${TAG:+-$TAG}.raw" "$RESULTS" "$(machine_line)" "${TAG:+-$TAG}" ;;
esac
python3 "$BENCH_SRC/summarize_live.py" "$RAW/live${TAG:+-$TAG}.raw" "$RESULTS" "$(machine_line)" "${TAG:+-$TAG}" \
	"bench/live.sh BUILD_DIR --runs $RUNS --seconds $SECONDS_PER_RUN --workloads \"$WORKLOADS\" --rates \"$RATES\"${TAG:+ --tag $TAG}" \
	"$(for t in $TOOLS; do echo "$t: $(tool_cmd "$t" OUT.pcap)"; done)"
