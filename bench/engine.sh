#!/usr/bin/env bash
# In-process engine cost (constrictor-engine-bench): decode + policy over a
# capture held in memory, per policy, on the generator's mixed traffic (48
# and 1000 concurrent flows) and on synthetic TLS traffic with 1 k, 100 k and
# 1 M concurrent flows.  Writes bench/results/engine.csv and
# engine-summary.md.
#
# usage: bench/engine.sh BUILD_DIR [--min-seconds S] [--flows "1000 100000 1000000"] [--clocks "wall cpu"]
# --clocks "wall cpu" runs every row twice: wall clock, then the thread's CPU clock
# (--cpu-clock, label suffix "-cpu"), which excludes time preempted on a shared machine.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/engine.sh BUILD_DIR [options]}" && pwd)
shift
MIN_SECONDS=3
FLOWS="1000 100000 1000000"
CLOCKS=wall
while [ $# -gt 0 ]; do
	case $1 in
	--min-seconds) MIN_SECONDS=$2; shift 2 ;;
	--flows) FLOWS=$2; shift 2 ;;
	--clocks) CLOCKS=$2; shift 2 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done
source "$(dirname "$0")/lib.sh"
EB=$BUILD/bench/constrictor-engine-bench
[ -x "$EB" ] || die "build first: $EB is missing"
RAW=$BUILD/bench-raw
mkdir -p "$RAW" "$RESULTS"
CSV=$RAW/engine.csv
: >"$CSV"
CMDS=$RAW/engine.cmds
: >"$CMDS"

run() { # label args...
	local label=$1 clock suffix copt
	shift
	for clock in $CLOCKS; do
		suffix="" copt=()
		[ "$clock" = cpu ] && suffix=-cpu copt=(--cpu-clock)
		echo "$EB --min-seconds $MIN_SECONDS --min-passes 5 ${copt[*]} --label $label$suffix --csv engine.csv $*" >>"$CMDS"
		note "engine: $label$suffix"
		taskset -c 1 "$EB" --min-seconds "$MIN_SECONDS" --min-passes 5 "${copt[@]}" \
			--label "$label$suffix" --csv "$CSV" "$@" >&2
	done
}

# Mixed generator traffic (SPEC 5.1): 256 MiB, default 48 and 1000 concurrent flows.
run mixed-256M-c48 "$(bench_input "$BUILD" 256M)"
run mixed-256M-c1000 "$(bench_input "$BUILD" 256M 1000)"
# The same with the harness prefetching packet i+8 (what a batching source can do).
run mixed-256M-c1000-prefetch8 --prefetch 8 "$(bench_input "$BUILD" 256M 1000)"
# cst_engine_process_batch() over 256 packets, as the offline pipeline calls it.
run mixed-256M-c1000-batch256 --batch 256 "$(bench_input "$BUILD" 256M 1000)"
# ... and with each chunk of 512 KiB copied to a buffer first (untimed): hot data, as after
# the reader's read(2); this is the engine's own cost without the first-touch miss.
run mixed-256M-c1000-hot --stage 512 "$(bench_input "$BUILD" 256M 1000)"
# Synthetic TLS: realistic MSS segments at 1 k flows, then the same small
# per-flow mix (6 handshake + 6 data packets of 256-byte payload) at every
# flow count so only the table size changes.
run tls-1k-mss --flows 1000 --data-segs 64 --seg-bytes 1448
for n in $FLOWS; do
	pol=all
	[ "$n" -gt 1000 ] && pol=final_only,track # one pass over 1 M flows takes seconds
	cap=()                                    # the default cap is 262144 flows: hold them all
	[ "$n" -gt 262144 ] && cap=(--max-flows "$n")
	run "tls-$n" --policy $pol "${cap[@]}" --flows "$n" --data-segs 6 --seg-bytes 256
	run "tls-$n-prefetch8" --policy $pol "${cap[@]}" --prefetch 8 --flows "$n" --data-segs 6 --seg-bytes 256
	run "tls-$n-batch256" --policy $pol "${cap[@]}" --batch 256 --flows "$n" --data-segs 6 --seg-bytes 256
done
cp "$CSV" "$RESULTS/engine.csv"
python3 "$BENCH_SRC/summarize_engine.py" "$RESULTS/engine.csv" "$RESULTS" "$(machine_line)" \
	"bench/engine.sh BUILD_DIR --min-seconds $MIN_SECONDS --flows \"$FLOWS\" --clocks \"$CLOCKS\"" "$CMDS"
