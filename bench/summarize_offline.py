#!/usr/bin/env python3
"""Turn the raw hyperfine/GNU-time output of bench/offline.sh into
bench/results/offline.csv and bench/results/offline-summary.md.

usage: summarize_offline.py INDEX RESULTS_DIR MACHINE_LINE TAG COMMAND_LINE
"""
import csv
import json
import os
import sys

MIB = 1 << 20


def load(index):
    sizes = []
    for line in open(index):
        size, path, pkts, nbytes, js, rss = line.rstrip("\n").split("|")
        res = {r["command"]: r for r in json.load(open(js))["results"]}
        extra = {}
        for l in open(rss):
            name, maxrss, outb, cmd = l.rstrip("\n").split("|", 3)
            extra[name] = (maxrss, outb, cmd)
        sizes.append(dict(size=size, path=path, pkts=int(pkts), bytes=int(nbytes),
                          res=res, extra=extra))
    return sizes


def rows(s):
    cat = s["res"].get("cat", {}).get("median")
    cp = s["res"].get("cp", {}).get("median")
    cpr = s["res"].get("cp")
    cpu_cp = cpr["user"] + cpr["system"] if cpr else None
    for name, r in s["res"].items():
        maxrss, outb, cmd = s["extra"].get(name, ("", "", ""))
        med = r["median"]
        yield dict(size=s["size"], input_bytes=s["bytes"], packets=s["pkts"], name=name,
                   command=cmd, runs=len(r["times"]), median_s=f"{med:.4f}",
                   mean_s=f"{r['mean']:.4f}", stddev_s=f"{r['stddev']:.4f}",
                   min_s=f"{r['min']:.4f}", max_s=f"{r['max']:.4f}",
                   user_s=f"{r['user']:.4f}", system_s=f"{r['system']:.4f}",
                   cpu_s=f"{r['user'] + r['system']:.4f}",
                   cpu_ratio_to_cp=f"{(r['user'] + r['system']) / cpu_cp:.2f}" if cpu_cp else "",
                   mb_per_s=f"{s['bytes'] / med / 1e6:.0f}",
                   packets_per_s=f"{s['pkts'] / med:.0f}",
                   ratio_to_cat=f"{med / cat:.2f}" if cat else "",
                   ratio_to_cp=f"{med / cp:.2f}" if cp else "",
                   peak_rss_kib=maxrss, output_bytes=outb,
                   out_in_ratio=f"{int(outb) / s['bytes']:.3f}" if outb else "")


def target_lines(sizes, allrows):
    big = max(sizes, key=lambda s: s["bytes"])
    res = big["res"]
    out = []

    def ratio(a, b, limit, label):
        if a not in res or b not in res:
            out.append(f"- {label}: **not measured** ({a} unavailable in this run)")
            return
        r = res[a]["median"] / res[b]["median"]
        ok = "**met**" if r <= limit else "**not met**"
        cpu = (res[a]["user"] + res[a]["system"]) / (res[b]["user"] + res[b]["system"])
        out.append(f"- {label}: {ok} — {r:.2f}× wall (target ≤ {limit}×; {a} median "
                   f"{res[a]['median']:.3f} s, {b} median {res[b]['median']:.3f} s, "
                   f"{big['size']} input); CPU time (user+sys) ratio {cpu:.2f}×")

    ratio("constrict-final_only-file", "cp", 1.0, "constrict final_only → file vs `cp`")
    ratio("constrict-final_only-devnull", "cat", 4.0,
          "constrict final_only → /dev/null vs `cat >/dev/null`")
    rss = [(int(r["peak_rss_kib"]), r["name"], r["size"]) for r in allrows
           if r["name"].startswith("constrict") and r["peak_rss_kib"]]
    if rss:
        m = max(rss)
        ok = "**met**" if m[0] <= 64 * 1024 else "**not met**"
        out.append(f"- peak RSS of constrict ≤ 64 MiB at any size: {ok} — max {m[0] / 1024:.1f} MiB "
                   f"({m[1]}, {m[2]} input)")
    else:
        out.append("- peak RSS ≤ 64 MiB: **not measured** (constrict unavailable)")
    return out


def main():
    index, outdir, machine, tag, cmdline = sys.argv[1:6]
    sizes = load(index)
    allrows = [r for s in sizes for r in rows(s)]
    with open(os.path.join(outdir, f"offline{tag}.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(allrows[0].keys()))
        w.writeheader()
        w.writerows(allrows)
    md = ["# Offline throughput", "",
          f"Machine: {machine}. Hot page cache, `hyperfine --warmup 1`, medians; "
          "peak RSS and output size from one extra run under `/usr/bin/time -f %M`. "
          "The machine is shared (load average above): wall time includes "
          "waiting for a CPU, so the CPU time (user+sys, hyperfine means) is given too.", "",
          f"Command: `{cmdline}`", "", "## Targets (issue 6)", ""]
    md += target_lines(sizes, allrows)
    for s in sizes:
        md += ["", f"## {s['size']} input: {s['bytes']} bytes, {s['pkts']} packets", "",
               "| command | median s | MB/s | packets/s | ×cat | ×cp | user s | sys s | "
               "CPU ×cp | peak RSS MiB | out/in |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in allrows:
            if r["size"] != s["size"]:
                continue
            rss = f"{int(r['peak_rss_kib']) / 1024:.1f}" if r["peak_rss_kib"] else ""
            md.append(f"| {r['name']} | {r['median_s']} | {r['mb_per_s']} | {r['packets_per_s']} "
                      f"| {r['ratio_to_cat']} | {r['ratio_to_cp']} | {r['user_s']} | "
                      f"{r['system_s']} | {r['cpu_ratio_to_cp']} | {rss} | {r['out_in_ratio']} |")
        md += ["", "Exact command lines:", "", "```"]
        md += [r["command"] for r in allrows if r["size"] == s["size"]]
        md += ["```"]
    md += ["", "## Growth with input size (median seconds per GiB)", "",
           "| command | " + " | ".join(s["size"] for s in sizes) + " |",
           "|---|" + "---|" * len(sizes)]
    for name in sizes[0]["res"]:
        cells = []
        for s in sizes:
            r = s["res"].get(name)
            cells.append(f"{r['median'] / (s['bytes'] / (1 << 30)):.3f}" if r else "")
        md.append(f"| {name} | " + " | ".join(cells) + " |")
    open(os.path.join(outdir, f"offline{tag}-summary.md"), "w").write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
