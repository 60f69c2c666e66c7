#!/bin/bash
# Cost of issue 20's annotations: `constrict` on the 256 MiB benchmark input
# (/work/shared/bench/gen_big_pcap.py --size 256M --seed 1, made PCAPNG with
# editcap for --annotate) with and without --annotate, and the default path
# (no --annotate, classic PCAP and PCAPNG) of a base build beside this one,
# all in one run, alternating commands round by round so the machine's load
# hits them alike.  Prints the median wall and CPU (user+sys) seconds of
# each command, the output sizes and the number of comments.
#
#   bench/annotate.sh BUILD_DIR [BASE_BUILD_DIR] [--runs N] [--policy P]
#
# Outputs go to /dev/shm (the write path of the page cache, not the disk).
set -eu
BUILD=$1
shift
BASE=""
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then BASE=$1; shift; fi
RUNS=7 POLICY=final_only
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--policy) POLICY=$2; shift 2 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
DATA="$BUILD/bench-data"
OUT=/dev/shm/cst-annotate-bench.$$
mkdir -p "$DATA" "$OUT"
trap 'rm -rf "$OUT"' EXIT
IN="$DATA/mixed-256M.pcap"
if [ ! -f "$IN.ok" ]; then
	python3 /work/shared/bench/gen_big_pcap.py --size 256M --seed 1 "$IN" >/dev/null
	touch "$IN.ok"
fi
[ -f "$DATA/mixed-256M.pcapng" ] || editcap -F pcapng "$IN" "$DATA/mixed-256M.pcapng"
NG="$DATA/mixed-256M.pcapng"
cat "$IN" "$NG" >/dev/null # page cache

# name|command
CMDS=("new pcap|$BUILD/constrictor constrict $IN -o $OUT/new.pcap --policy $POLICY"
	"new pcapng|$BUILD/constrictor constrict $NG -o $OUT/new.pcapng --policy $POLICY"
	"new pcapng --annotate|$BUILD/constrictor constrict $NG -o $OUT/ann.pcapng --policy $POLICY --annotate")
if [ -n "$BASE" ]; then
	CMDS+=("base pcap|$BASE/constrictor constrict $IN -o $OUT/base.pcap --policy $POLICY"
		"base pcapng|$BASE/constrictor constrict $NG -o $OUT/base.pcapng --policy $POLICY")
fi
# wall and CPU (user + system, getrusage: microseconds, not time(1)'s 10 ms) seconds of a command
RUSAGE="$OUT/rusage.py"
cat >"$RUSAGE" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], check=True)
w = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{w:.4f} {r.ru_utime + r.ru_stime:.4f}")
PY
declare -A WALL CPU
for r in $(seq "$RUNS"); do
	for c in "${CMDS[@]}"; do
		name=${c%%|*} cmd=${c#*|}
		# shellcheck disable=SC2086
		read -r e c < <(python3 "$RUSAGE" $cmd)
		WALL[$name]+="$e "
		CPU[$name]+="$c "
	done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs; policy $POLICY; input $(stat -c %s "$IN") B pcap / $(stat -c %s "$NG") B pcapng"
printf '%-24s %10s %10s\n' command "wall s" "cpu s"
for c in "${CMDS[@]}"; do
	name=${c%%|*}
	printf '%-24s %10s %10s\n' "$name" "$(echo "${WALL[$name]}" | median)" "$(echo "${CPU[$name]}" | median)"
done
echo "output: new.pcapng $(stat -c %s "$OUT/new.pcapng") B, ann.pcapng $(stat -c %s "$OUT/ann.pcapng") B"
echo "comments: $(tshark -n -r "$OUT/ann.pcapng" -Y frame.comment 2>/dev/null | wc -l) of $(tshark -n -r "$OUT/ann.pcapng" -Y 'frame.cap_len < frame.len' 2>/dev/null | wc -l) cut packets"
[ -z "$BASE" ] || { cmp -s "$OUT/new.pcap" "$OUT/base.pcap" && cmp -s "$OUT/new.pcapng" "$OUT/base.pcapng" && echo "default outputs: byte-identical to base"; }
