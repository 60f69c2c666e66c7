#!/usr/bin/env bash
# run_ci.sh — the fuzz step of `make check` (issue 17): every libFuzzer target
# of a -DCST_FUZZ=ON -DCST_SANITIZE=ON clang build runs for a fixed time
# (default 60 s) from its committed corpus (tests/fuzz/corpus/<name>), two at
# a time (CI has two cores).  New inputs go to a scratch corpus under the
# build directory, never into the repository.  Any crash, sanitizer report,
# leak, timeout or out-of-memory fails the step and prints the reproducer
# path with the command that replays it.
#
# Usage: run_ci.sh BUILD_DIR [SECONDS] [JOBS]
#   env FUZZ_TARGETS="pcap audit" limits the targets (default: all built).
set -u
build="${1:?usage: run_ci.sh BUILD_DIR [SECONDS] [JOBS]}"
secs="${2:-60}"
jobs="${3:-2}"
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "$build" && pwd)" || exit 1
bin="$build/tests/fuzz"
work="$build/fuzz-ci"
corpora="$src/tests/fuzz/corpus"

targets="${FUZZ_TARGETS:-}"
if [ -z "$targets" ]; then
	for f in "$src"/tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		targets="$targets ${n#fuzz_}"
	done
fi
for t in $targets; do
	[ -x "$bin/fuzz_$t" ] || { echo "fuzz: $bin/fuzz_$t not built (clang with -DCST_FUZZ=ON)"; exit 1; }
	[ -d "$corpora/$t" ] || { echo "fuzz: no committed corpus $corpora/$t"; exit 1; }
done

rm -rf "$work" && mkdir -p "$work"
# One target: its own scratch corpus and artifact directory; the committed
# corpus is read only (a second corpus directory is never written to).
run_one() {
	local t="$1" dir="$work/$1"
	mkdir -p "$dir/new" "$dir/artifacts"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin/fuzz_$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 \
		-print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
		"$dir/new" "$corpora/$t" >"$dir/log" 2>&1
	echo $? >"$dir/rc"
}

start=$(date +%s)
running=0
for t in $targets; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

failed=0
for t in $targets; do
	dir="$work/$t"
	rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	newu=$(sed -n 's/^stat::new_units_added: *//p' "$dir/log")
	repro=$(find "$dir/artifacts" -type f 2>/dev/null | head -5)
	if [ "$rc" = 0 ] && [ -z "$repro" ]; then
		echo "fuzz_$t: ok, ${runs:-?} runs in ${secs} s, ${newu:-0} new inputs"
		continue
	fi
	failed=$((failed + 1))
	echo "fuzz_$t: FAILED (exit $rc) after ${runs:-?} runs; log $dir/log"
	grep -m 3 -E "ERROR: |runtime error|SUMMARY: |Test unit written to" "$dir/log" | sed 's/^/    /'
	for r in $repro; do
		echo "    reproducer: $r"
		echo "    replay:     $bin/fuzz_${t} $r   (or fuzz_${t}_replay from a normal build)"
		echo "    regression: copy it to tests/fuzz/corpus/$t/ (replayed by CTest) and fix the cause"
	done
	[ -n "$repro" ] || tail -20 "$dir/log" | sed 's/^/    /'
done
echo "fuzz: $(echo $targets | wc -w) targets x ${secs} s, $jobs in parallel: $(($(date +%s) - start)) s, $failed failed"
[ "$failed" -eq 0 ]
