#!/usr/bin/env python3
"""Per-thread CPU of the constrictor rows of bench/live.sh (issue 19 item 5):
bench/results/live-threads[TAG].csv and live-threads[TAG]-summary.md.

For every constrictor run: the on-CPU ns of each thread over the traffic
window (BASE.threads0/1, from /proc/PID/task/*/schedstat), grouped as
worker threads (cst-worker*), the merging writer (cst-writer) and the main
thread (the whole pipeline when there are no workers); per worker the
packets it handled (the -v lines "worker I (cpu C): ... P packets").

usage: summarize_workers.py RAW RESULTS_DIR MACHINE_LINE TAG
"""
import csv
import os
import re
import statistics
import sys

WORKER_LINE = re.compile(r"^worker (\d+) \(cpu (-?\d+)\): (\d+) packets received by filter, "
                         r"(\d+) dropped by kernel, (\d+) packets,")


def threads(path):
    out = {}
    try:
        for line in open(path):
            parts = line.split()
            if len(parts) == 3:
                out[parts[0]] = (parts[1], int(parts[2]))
    except OSError:
        pass
    return out


def parse(raw):
    rows = []
    for line in open(raw):
        head, tail = line.rstrip("\n").split("|")
        tool, wl, rate, run, _ = head.split(",", 4)
        if not tool.startswith("constrictor-"):
            continue
        f = tail.split(",")
        reached, fpk, err = int(f[0]), int(f[5]), f[8]
        base = err[:-len(".err")]
        t0, t1 = threads(base + ".threads0"), threads(base + ".threads1")
        cpu = {"worker": [], "writer": 0, "main": 0}
        for tid, (name, ns1) in sorted(t1.items(), key=lambda kv: kv[1][0]):
            ns = ns1 - t0.get(tid, (name, 0))[1]
            if name.startswith("cst-worker"):
                cpu["worker"].append((int(name[len("cst-worker"):]), ns))
            elif name == "cst-writer":
                cpu["writer"] += ns
            else:
                cpu["main"] += ns
        per = {}
        for l in open(err, errors="replace"):
            m = WORKER_LINE.match(l)
            if m:
                per[int(m.group(1))] = int(m.group(5))
        workers = sorted(cpu["worker"])
        if not workers:  # one pipeline on the main thread
            workers = [(0, cpu["main"])]
            per = {0: fpk}
            cpu["main"] = 0
        rows.append(dict(
            tool=tool, workload=wl, rate=rate, run=int(run), reached=reached, file_packets=fpk,
            loss_pct=100.0 * (reached - fpk) / reached if reached else 0.0,
            total_ns_per_pkt=(sum(n for _, n in workers) + cpu["writer"] + cpu["main"]) / fpk
            if fpk else 0.0,
            worker_ns_per_pkt=[n / per[i] if per.get(i) else 0.0 for i, n in workers],
            worker_share=[per.get(i, 0) / fpk if fpk else 0.0 for i, _ in workers],
            writer_ns_per_pkt=cpu["writer"] / fpk if fpk else 0.0,
            main_ns_per_pkt=cpu["main"] / fpk if fpk else 0.0))
    return rows


def med(vals):
    return statistics.median(vals) if vals else 0.0


def main():
    raw, results, machine, tag = sys.argv[1:5]
    rows = parse(raw)
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, f"live-threads{tag}.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["tool", "workload", "rate", "run", "reached", "file_packets", "loss_pct",
                    "total_ns_per_pkt", "worker_ns_per_pkt", "worker_share",
                    "writer_ns_per_pkt", "main_ns_per_pkt"])
        for r in rows:
            w.writerow([r["tool"], r["workload"], r["rate"], r["run"], r["reached"],
                        r["file_packets"], "%.3f" % r["loss_pct"], "%.1f" % r["total_ns_per_pkt"],
                        " ".join("%.1f" % x for x in r["worker_ns_per_pkt"]),
                        " ".join("%.3f" % x for x in r["worker_share"]),
                        "%.1f" % r["writer_ns_per_pkt"], "%.1f" % r["main_ns_per_pkt"]])
    groups = {}
    for r in rows:
        groups.setdefault((r["workload"], r["rate"], r["tool"]), []).append(r)
    lines = ["# Live capture: CPU per packet by thread (fanout workers)", "",
             f"Machine: {machine}. Capture process pinned to one CPU (taskset -c 1), so all "
             "its threads share that core: the figures are CPU per packet, not a speed-up. "
             "Medians over runs.", "",
             "| workload | rate | tool | runs | loss % | total CPU ns/pkt | per worker ns/pkt "
             "(its own packets) | workers' share of packets | writer ns/pkt | main ns/pkt |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for (wl, rate, tool), rs in sorted(groups.items()):
        nw = max(len(r["worker_ns_per_pkt"]) for r in rs)
        per = [med([r["worker_ns_per_pkt"][i] for r in rs if len(r["worker_ns_per_pkt"]) > i])
               for i in range(nw)]
        share = [med([r["worker_share"][i] for r in rs if len(r["worker_share"]) > i])
                 for i in range(nw)]
        lines.append("| %s | %s | %s | %d | %.2f | %.0f | %s | %s | %.0f | %.0f |" % (
            wl, rate, tool, len(rs), med([r["loss_pct"] for r in rs]),
            med([r["total_ns_per_pkt"] for r in rs]), " / ".join("%.0f" % x for x in per),
            " / ".join("%.2f" % x for x in share), med([r["writer_ns_per_pkt"] for r in rs]),
            med([r["main_ns_per_pkt"] for r in rs])))
    with open(os.path.join(results, f"live-threads{tag}-summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
