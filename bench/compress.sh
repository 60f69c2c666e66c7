#!/usr/bin/env bash
# CPU cost of compressed output and input (issue 18 item 4):
#   bench/compress.sh BUILD_DIR [--runs 5] [--size 256M] [--base BIN] [--tag NAME]
# `constrictor constrict IN -o OUT` on the generated capture (gen_big_pcap.py
# --size SIZE --seed 1) with no compression, gzip (default level 6, and 1)
# and zstd (default level 3, and 1), then constrict reading IN as .gz and
# .zst.  With --base BIN (the binary of the commit before, built from main),
# its uncompressed run alternates with ours in the same loop, so "the plain
# path did not get slower" is measured, not assumed.  Rows: median wall and
# CPU (user+sys) seconds of --runs runs, MB/s (10^6 B of input per wall
# second), output bytes and output/input.  Outputs go to bench/results/
# compress[-TAG].csv and compress[-TAG]-summary.md.
set -u
source "$(dirname "$0")/lib.sh"
BUILD=${1:?usage: bench/compress.sh BUILD_DIR [--runs N] [--size 256M] [--base BIN] [--tag NAME]}
shift
RUNS=5 SIZE=256M BASE="" TAG=""
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) RUNS=$2; shift 2 ;;
	--size) SIZE=$2; shift 2 ;;
	--base) BASE=$2; shift 2 ;;
	--tag) TAG=-$2; shift 2 ;;
	*) die "unknown option $1" ;;
	esac
done
BIN=$BUILD/constrictor
[ -x "$BIN" ] || die "no $BIN"
need() { command -v "$1" >/dev/null || die "$1 not installed"; }
need gzip
need zstd
IN=$(bench_input "$BUILD" "$SIZE")
OUT=$BUILD/bench-raw/compress
mkdir -p "$OUT" "$RESULTS"
RAW=$OUT/times.txt
: >"$RAW"
[ -s "$OUT/in.pcap.gz" ] && [ "$OUT/in.pcap.gz" -nt "$IN" ] || gzip -c "$IN" >"$OUT/in.pcap.gz"
[ -s "$OUT/in.pcap.zst" ] && [ "$OUT/in.pcap.zst" -nt "$IN" ] || zstd -q -f -c "$IN" >"$OUT/in.pcap.zst"
cat "$IN" "$OUT/in.pcap.gz" "$OUT/in.pcap.zst" >/dev/null # page cache

# label|binary|input|output|extra options (the output name as written)
rows=()
[ -n "$BASE" ] && rows+=("none (before)|$BASE|$IN|$OUT/base.pcap|")
rows+=("none|$BIN|$IN|$OUT/none.pcap|"
	"gzip (6, default)|$BIN|$IN|$OUT/g6.pcap.gz|--compress gzip"
	"gzip 1|$BIN|$IN|$OUT/g1.pcap.gz|--compress gzip --compress-level 1"
	"zstd (3, default)|$BIN|$IN|$OUT/z3.pcap.zst|--compress zstd"
	"zstd 1|$BIN|$IN|$OUT/z1.pcap.zst|--compress zstd --compress-level 1"
	"read .gz|$BIN|$OUT/in.pcap.gz|$OUT/rg.pcap|"
	"read .zst|$BIN|$OUT/in.pcap.zst|$OUT/rz.pcap|")

# wall and CPU (user+sys, from getrusage: microseconds, not time(1)'s 10 ms) of one command
timed() {
	python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
e = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{e:.4f} {r.ru_utime:.4f} {r.ru_stime:.4f}")' "$@"
}

# every run of every row, rows interleaved within a run (the machine's load
# changes slowly); the cheap uncompressed rows three times per run
for r in $(seq "$RUNS"); do
	for row in "${rows[@]}"; do
		IFS='|' read -r label bin in out extra <<<"$row"
		reps=1
		case "$label" in none*) reps=3 ;; esac
		for _ in $(seq $reps); do
			rm -f "$out"
			# shellcheck disable=SC2086
			t=$(timed "$bin" constrict "$in" -o "$out" $extra) || die "$label: constrict failed"
			echo "$label|$t|$(stat -c %s "$out")" >>"$RAW"
		done
	done
	note "run $r of $RUNS done"
done

insize=$(stat -c %s "$IN")
CSV=$RESULTS/compress$TAG.csv
MD=$RESULTS/compress$TAG-summary.md
python3 - "$RAW" "$insize" "$CSV" "$MD" "$(machine_line)" "$IN" "$RUNS" <<'PY'
import statistics, sys
raw, insize, csv, md, machine, inp, runs = sys.argv[1:]
insize = int(insize)
rows = {}
for line in open(raw):
    label, t, size = line.rstrip('\n').split('|')
    e, u, s = map(float, t.split())
    rows.setdefault(label, []).append((e, u + s, int(size)))
out = ["label,runs,median_wall_s,median_cpu_s,mb_per_s,output_bytes,output_ratio"]
tab = ["| output | runs | median wall s | median CPU s | MB/s (input) | output bytes | output/input |",
       "|---|---:|---:|---:|---:|---:|---:|"]
for label, v in rows.items():
    w = statistics.median(x[0] for x in v)
    c = statistics.median(x[1] for x in v)
    size = v[-1][2]
    mbs = insize / 1e6 / w if w else 0
    out.append(f"{label},{len(v)},{w:.4f},{c:.4f},{mbs:.1f},{size},{size / insize:.4f}")
    tab.append(f"| {label} | {len(v)} | {w:.3f} | {c:.3f} | {mbs:.1f} | {size} | {size / insize:.3f} |")
open(csv, "w").write("\n".join(out) + "\n")
open(md, "w").write(f"""# Compression cost (bench/compress.sh)

`constrictor constrict IN -o OUT [--compress M [--compress-level N]]`, IN = `{inp}`
({insize} bytes, gen_big_pcap.py --seed 1), default policy; "read .gz/.zst" rows read IN
compressed by `gzip -c` / `zstd -c` (default levels) and write plain. Medians, rows
interleaved within each of {runs} rounds (the uncompressed rows 3 times per round); "none
(before)" is the binary of the commit before compression was added, run in the same loop.
CPU = user + system time of the process (getrusage); wall includes waiting for the CPU on
this shared machine, so CPU is the figure to compare.

Machine: {machine}

""" + "\n".join(tab) + "\n")
PY
cat "$MD"
