#!/bin/bash
# Before/after engine cost: 5 interleaved runs per variant, pinned to CPU 1.
B=/tmp/src-base/build/bench/constrictor-engine-bench
F=/tmp/perf-final/constrictor-engine-bench
M=/work/wt-perf/build/bench-data/big-256M-c1000.pcap
CSV=/tmp/perfcmp/final.csv; : > $CSV
for clock in wall cpu; do
  C=""; [ $clock = cpu ] && C=--cpu-clock
  for r in 1 2 3 4 5; do
    taskset -c 1 $B $C --min-passes 5 --min-seconds 1 --csv $CSV --label "mixed-c1000|base|$clock" $M
    taskset -c 1 $F $C --min-passes 5 --min-seconds 1 --csv $CSV --label "mixed-c1000|new-per-packet|$clock" $M
    taskset -c 1 $F $C --min-passes 5 --min-seconds 1 --csv $CSV --label "mixed-c1000|new-batch256|$clock" --batch 256 $M
    for v in base new; do
      X=$B; [ $v = new ] && X=$F; BA=""; [ $v = new ] && BA="--batch 256"
      taskset -c 1 $X $C --policy final_only,track --min-passes 5 --min-seconds 1 --csv $CSV --label "tls-1k|$v|$clock" $BA --flows 1000 --data-segs 6 --seg-bytes 256
      taskset -c 1 $X $C --policy final_only --min-passes 3 --min-seconds 0 --csv $CSV --label "tls-1M|$v|$clock" $BA --max-flows 1048576 --flows 1000000 --data-segs 6 --seg-bytes 256
    done
  done
done
echo DONE
