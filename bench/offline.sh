#!/usr/bin/env bash
# Offline throughput, side by side in one hyperfine run per input size:
# constrictor constrict (each policy, to a file and to /dev/null) against
# cat, cp, tcpdump -r -w and editcap -s 128.  Hot page cache, medians of
# >= 5 runs.  Writes bench/results/offline.csv, offline-<size>.json and
# offline-summary.md.
#
# usage: bench/offline.sh BUILD_DIR [--runs N] [--sizes "64M 256M 1G"] [--out-dir DIR]
#                          [--tag NAME]   (results: offline-NAME.csv / offline-NAME-summary.md)
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/offline.sh BUILD_DIR [--runs N] [--sizes LIST]}" && pwd)
shift
RUNS=5
SIZES="64M 256M 1G"
OUT_DIR=
TAG=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--out-dir) OUT_DIR=$2; shift 2 ;;
	--tag) TAG=$2; shift 2 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done
source "$(dirname "$0")/lib.sh"
BIN=$BUILD/constrictor
OUT=${OUT_DIR:-$BUILD/bench-out} # outputs: same file system as the input by default
RAW=$BUILD/bench-raw
mkdir -p "$OUT" "$RAW" "$RESULTS"
command -v hyperfine >/dev/null || die "hyperfine is not installed"

# How to ask the CLI for a policy: --policy if it has it, else a config file.
# A policy counts as available when it writes a non-empty capture.
probe=$(bench_input "$BUILD" 64M)
try_constrict() {
	rm -f "$RAW/probe.pcap"
	"$BIN" constrict "$probe" -o "$RAW/probe.pcap" "$@" >/dev/null 2>"$RAW/probe.err" &&
		[ "$(stat -c %s "$RAW/probe.pcap" 2>/dev/null || echo 0)" -gt 24 ]
}
POLICIES=""
for p in final_only stream bulk track; do
	ini=$RAW/policy-$p.ini
	printf '[tls]\napp_data_continuation_policy = %s\n' "$p" >"$ini"
	if try_constrict --policy "$p"; then
		args="--policy $p"
	elif try_constrict --config "$ini"; then
		args="--config $ini"
	else
		note "constrict with policy $p unavailable: $(head -c 200 "$RAW/probe.err")"
		continue
	fi
	POLICIES="$POLICIES $p"
	eval "PARGS_$p=\"\$args\""
done
rm -f "$RAW/probe.pcap"
[ -n "$POLICIES" ] || note "constrictor constrict is not available yet; timing peers only"

# name|command (@IN@ and @OUT@ are substituted per size)
command_table() {
	for p in $POLICIES; do
		eval "local a=\$PARGS_$p"
		echo "constrict-$p-file|$BIN constrict @IN@ -o @OUT@/c-$p.pcap $a"
		echo "constrict-$p-devnull|$BIN constrict @IN@ -o /dev/null $a"
	done
	echo "cat|cat @IN@ >/dev/null"
	echo "cp|cp @IN@ @OUT@/cp.pcap"
	echo "tcpdump|tcpdump -Z root -r @IN@ -w @OUT@/td.pcap"
	echo "editcap-s128|editcap -s 128 @IN@ @OUT@/ec.pcap"
}

run_size() {
	local size=$1 in pkts json rss
	in=$(bench_input "$BUILD" "$size")
	pkts=$(packet_count "$in")
	json=$RAW/offline${TAG:+-$TAG}-$size.json
	rss=$RAW/offline${TAG:+-$TAG}-$size.rss
	local -a hf=(hyperfine --warmup 1 --runs "$RUNS" --export-json "$json"
		--prepare "rm -f $OUT/*.pcap; sync")
	cat "$in" >/dev/null # hot page cache
	: >"$rss"
	while IFS='|' read -r name cmd; do
		cmd=${cmd//@IN@/$in}
		cmd=${cmd//@OUT@/$OUT}
		hf+=(-n "$name" "$cmd")
		# One extra run under GNU time for peak RSS and the output size.
		rm -f "$OUT"/*.pcap
		/usr/bin/time -f '%M' -o "$RAW/time.out" sh -c "$cmd" >/dev/null 2>&1 ||
			note "$name failed on $size"
		local out_file
		out_file=$(echo "$cmd" | grep -o "$OUT/[a-z_-]*\.pcap" | head -1 || true)
		echo "$name|$(tail -1 "$RAW/time.out")|$(stat -c %s "$out_file" 2>/dev/null || echo)|$cmd" >>"$rss"
	done < <(command_table)
	rm -f "$OUT"/*.pcap
	note "timing $size ($pkts packets): ${#hf[@]} args"
	"${hf[@]}" >&2
	echo "$size|$in|$pkts|$(stat -c %s "$in")|$json|$rss"
}

: >"$RAW/offline${TAG:+-$TAG}.index"
for s in $SIZES; do
	run_size "$s" >>"$RAW/offline${TAG:+-$TAG}.index"
done
rm -f "$OUT"/*.pcap
python3 "$BENCH_SRC/summarize_offline.py" "$RAW/offline${TAG:+-$TAG}.index" "$RESULTS" "$(machine_line)" \
	"${TAG:+-$TAG}" \
	"bench/offline.sh BUILD_DIR --runs $RUNS --sizes \"$SIZES\"${OUT_DIR:+ --out-dir $OUT_DIR}${TAG:+ --tag $TAG}"
