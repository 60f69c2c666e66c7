# Shared helpers of the benchmark scripts (sourced).
# Inputs are generated into the build tree (never committed) and cached.

GEN_BIG=${GEN_BIG:-/work/shared/bench/gen_big_pcap.py}
BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RESULTS=${RESULTS:-$BENCH_SRC/results}

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

# bench_input BUILD SIZE [CONCURRENCY] -> path of a cached generated capture
bench_input() {
	local build=$1 size=$2 conc=${3:-48} dir path
	dir=$build/bench-data
	mkdir -p "$dir"
	path=$dir/big-$size-c$conc.pcap
	[ "$conc" = 48 ] && path=$dir/big-$size.pcap
	if [ ! -s "$path" ] || [ ! -e "$path.ok" ]; then
		note "generating $path (gen_big_pcap.py --size $size --seed 1 --concurrency $conc)"
		python3 "$GEN_BIG" "$path.part" --size "$size" --seed 1 --concurrency "$conc" >&2 ||
			die "generator failed"
		mv "$path.part" "$path" && touch "$path.ok"
	fi
	echo "$path"
}

# packet_count FILE -> number of packets (cached next to the file)
packet_count() {
	local f=$1
	if [ ! -s "$f.count" ] || [ "$f.count" -ot "$f" ]; then
		capinfos -M -c -T -r "$f" | awk -F'\t' 'NF>1 {print $2}' >"$f.count"
	fi
	cat "$f.count"
}

# Load average when the benchmark started (the machine is shared: say how busy it was).
BENCH_LOAD_START=${BENCH_LOAD_START:-$(cut -d' ' -f1-3 /proc/loadavg)}
BENCH_START_UTC=${BENCH_START_UTC:-$(date -u +%H:%M)}

machine_line() {
	echo "$(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, kernel $(uname -r); run $BENCH_START_UTC–$(date -u +%H:%M) UTC, load average (1/5/15 min) $BENCH_LOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end (shared, noisy 2-vCPU VM)"
}
