#!/usr/bin/env python3
"""Write bench/results/engine-summary.md from engine.csv (rows of
constrictor-engine-bench --csv) with the issue 6 in-process targets.

usage: summarize_engine.py ENGINE_CSV RESULTS_DIR MACHINE_LINE COMMAND_LINE CMDS_FILE
"""
import csv
import os
import sys


def find(rows, workload, policy="final_only"):
    for r in rows:
        if r["workload"] == workload and r["policy"] == policy:
            return r
    return None


def main():
    src, outdir, machine, cmdline, cmds = sys.argv[1:6]
    rows = list(csv.DictReader(open(src)))
    md = ["# In-process engine cost", "",
          f"Machine: {machine}. `constrictor-engine-bench` pinned to CPU 1: the capture is held "
          "in memory, one untimed warm-up pass, then ≥ 5 timed passes (≥ the minimum seconds); "
          "ns/packet is the median pass. Heap calls are counted with `-Wl,--wrap` over every "
          "timed pass. Default configuration except the TLS policy.", "",
          f"Command: `{cmdline}`", "", "## Targets (issue 6)", ""]
    checks = [("mixed-256M-c1000", 100, "mixed traffic at 1 k flows, per-packet calls"),
              ("mixed-256M-c1000-prefetch8", 100,
               "mixed traffic at 1 k flows, per-packet calls, next packets prefetched"),
              ("mixed-256M-c1000-batch256", 100,
               "mixed traffic at 1 k flows, cst_engine_process_batch() over 256 (as the pipeline)"),
              ("mixed-256M-c1000-hot", 100,
               "mixed traffic at 1 k flows, packets hot in cache (--stage 512)"),
              ("tls-1000", 100, "synthetic TLS at 1 k flows"),
              ("tls-1000000", 200, "synthetic TLS at 1 M flows, per-packet calls"),
              ("tls-1000000-prefetch8", 200, "synthetic TLS at 1 M flows, next packets prefetched"),
              ("tls-1000000-batch256", 200, "synthetic TLS at 1 M flows, batch of 256")]
    for wl, limit, label in checks:
        r = find(rows, wl)
        if not r:
            md.append(f"- {label}: **not measured**")
            continue
        ns = float(r["ns_per_packet"])
        rc = find(rows, wl + "-cpu")  # the same row timed with the thread's CPU clock
        cpu = f", {float(rc['ns_per_packet']):.1f} CPU-clock" if rc else ""
        md.append(f"- {label} (final_only): {ns:.1f} ns/packet wall{cpu} (target ≤ {limit}): "
                  f"**{'met' if ns <= limit else 'not met'}**")
    worst = max(rows, key=lambda r: float(r["allocs_per_packet"]))
    a = float(worst["allocs_per_packet"])
    md.append(f"- zero heap allocations per packet in steady state: "
              f"**{'met' if a == 0 else 'not met'}** (max {a:.6f} per packet: "
              f"{worst['workload']} {worst['policy']})")
    md += ["", "## Results", "",
           "| workload | flows | packets/pass | policy | ns/packet | packets/s | allocs/packet | "
           "kept/captured bytes | passes | flows active |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['workload']} | {r['flows'] if r['flows'] != '0' else '(file)'} | {r['packets']} | {r['policy']} | "
                  f"{float(r['ns_per_packet']):.1f} | {float(r['packets_per_s']):.0f} | "
                  f"{float(r['allocs_per_packet']):.6f} | {float(r['keep_ratio']):.3f} | "
                  f"{r['passes']} | {r['flows_active']} |")
    md += ["", "Exact command lines (BUILD_DIR/bench/…):", "", "```"]
    md += [l.rstrip() for l in open(cmds)]
    md += ["```"]
    open(os.path.join(outdir, "engine-summary.md"), "w").write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
