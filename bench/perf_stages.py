#!/usr/bin/env python3
"""Share of a capture process's CPU samples per stage, from a `perf record -g`
file (bench/live.sh PERF_ATTACH=PREFIX writes one per tool, workload and run).

usage: bench/perf_stages.py PERF.DATA [PERF.DATA ...]

Each sample is put in one stage by its leaf symbol and, for kernel samples,
by the system call on its stack:
  ring walk      the AF_PACKET ring / libpcap read loop (tp_*, afp_*, pcap_read*)
  decode         link, IP and transport decoding (dec_*, link_ethertype, decode_packet)
  engine/policy  flow table, analysers, verdicts (ft_*, tls_*, trk_*, engine_*, ...)
  writer (user)  record headers and the copy of kept bytes (pcap_write, cst_dump_*,
                 memmove, stdio/pcap_dump for tcpdump)
  write(2)       the kernel side of write(): the copy into the page cache, ext4
  poll/wakeup    poll(2) and the scheduler around it
  loop/other     the pipeline loop and everything else
"""
import re
import subprocess
import sys

STAGES = ["ring walk", "decode", "engine/policy", "writer (user)", "write(2)", "poll/wakeup",
          "loop/other"]

USER_RULES = [
    ("ring walk", r"^(tp_|afp_|cst_capture_next_batch|cap_wait_batch|cap_next_batch|"
                  r"pcap_read|pcap_handle_packet|pcap_dispatch|pcap_loop|pc_)"),
    ("decode", r"^(dec_|link_ethertype|decode_packet|ipv[46]_|tcp_opts)"),
    ("engine/policy", r"^(cst_engine_|engine_|ft_|tls_|trk_|track|quic|ql_|win_push|hdr_bytes|"
                      r"scan|walk|verdict|an_|hint_|prepare_|__memchr|process_|conn_of|"
                      r"propose|keep_partial|ext_get)"),
    ("writer (user)", r"^(pcap_write|cst_dump_|ds_write|dump_|output_|emit|__memmove|__memcpy|"
                      r"_IO_|pcap_dump|fwrite|put32|__errno_location)"),
]


def stage_of(stack):
    """stack: list of symbols, leaf first."""
    joined = " ".join(stack)
    if re.search(r"ksys_write|vfs_write|__libc_write|generic_perform_write|ext4_", joined):
        return "write(2)"
    if re.search(r"do_sys_poll|__x64_sys_poll|__x64_sys_ppoll|schedule|finish_task_switch|"
                 r"__libc_poll|__poll", joined):
        return "poll/wakeup"
    for sym in stack:  # a kernel leaf (page fault, interrupt) counts for its caller
        for name, rx in USER_RULES:
            if re.search(rx, sym):
                return name
    return "loop/other"


def samples(path):
    out = subprocess.run(["perf", "script", "-i", path, "-F", "ip,sym"], capture_output=True,
                         text=True, check=False).stdout
    stack = []
    for line in out.splitlines():
        line = line.strip()
        if not line:
            if stack:
                yield stack
            stack = []
            continue
        parts = line.split(None, 1)
        stack.append(parts[1].split("+")[0] if len(parts) > 1 else "?")
    if stack:
        yield stack


def main():
    for path in sys.argv[1:]:
        counts = dict.fromkeys(STAGES, 0)
        n = 0
        for st in samples(path):
            counts[stage_of(st)] += 1
            n += 1
        shares = " | ".join(f"{100 * counts[s] / n:.0f} %" if n else "-" for s in STAGES)
        print(f"| {path.rsplit('/', 1)[-1]} | {n} | {shares} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| profile | samples | " + " | ".join(STAGES) + " |")
    print("|---|---|" + "---|" * len(STAGES))
    main()
