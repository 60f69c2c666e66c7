/*
 * Usage text: the offline tool's text (SPEC 2.1) with the program's own
 * name, followed by constrictor's additions.
 */
#include <constrictor/constrictor.h>
#include "commands.h"

void cli_print_usage(FILE *out)
{
        const char *n = CST_PROGRAM_NAME;

        fprintf(out,
                "Usage:\n"
                "  %s constrict input.pcap -o output.pcap [--config config.ini] [--stats] "
                "[--decision-log decisions.csv]\n"
                "  %s reinflate input.pcap -o output.pcap [--config config.ini] [--stats]\n"
                "  %s restore input.pcap -o output.pcap [--config config.ini] [--stats]\n"
                "  %s --version\n"
                "  %s --help\n"
                "\n"
                "Notes:\n"
                "  input/output may be classic PCAP (.pcap) or PCAPNG (.pcapng).\n"
                "  restore is an alias for reinflate.\n"
                "\n"
                "Current behavior:\n"
                "  constrict preserves format and applies conservative suffix-only truncation "
                "when safe.\n"
                "  reinflate/restore preserves format, pads truncated packets, and can preserve "
                "or recompute checksums via config.\n",
                n, n, n, n, n);
        fprintf(out,
                "\n"
                "More options of constrict/reinflate/restore:\n"
                "  --policy final_only|stream|bulk|track\n"
                "                         TLS AppData continuation policy (overrides the config "
                "file);\n"
                "                         track follows every record boundary and is recommended\n"
                "  --stats-format text|json\n"
                "                         print the stats as text (default) or as one JSON "
                "object; implies --stats\n"
                "  -o -                   write the output to standard output (stats then go to "
                "standard error)\n"
                /* issue 18: summary, progress, live statistics */
                "  -q, --quiet            constrict: no summary line; no progress line on a "
                "terminal\n"
                "  --stats-interval SEC   one counter line on standard error every SEC seconds\n"
                "  --stats-file PATH      rewrite PATH (JSON counters) atomically as the run goes "
                "and at its end\n"
                "  --metrics-listen [ADDR]:PORT\n"
                "                         serve the counters to Prometheus (GET /metrics; ADDR "
                "defaults to 127.0.0.1)\n"
                /* issue 20 (analyst-annotate) */
                "  --annotate             constrict, PCAPNG: a comment on every cut packet saying "
                "what was kept\n"
                "                         and why, with the TLS records seen (docs/annotate.md)\n"
                "  --text                 constrict: one tcpdump-style line per packet instead "
                "of a capture\n"
                "                         (to -o FILE, else standard output; also -o - on a "
                "terminal)\n"
                "  -v, -A, -X             with --text: the reason, flow and records; the kept "
                "bytes in ASCII /\n"
                "                         hex and ASCII as tcpdump -A / -X\n"
                "\n"
                "Output files of constrict (also [output] keys of the config file):\n"
                "  -F pcap|pcapng         output format; default: the -o name's extension "
                "(.pcap,\n"
                "                         .pcapng), else the input's format\n"
                "  -C MB                  a new file when the current one would exceed MB x "
                "1,000,000\n"
                "                         bytes (k/m/g: KiB/MiB/GiB): OUT, OUT1, OUT2 ...\n"
                "  -G SEC                 a new file every SEC seconds of packet time; OUT is a\n"
                "                         strftime(3) pattern, the first file named by the first "
                "packet\n"
                "  -W N                   with -C: a ring of N files OUT0.. (oldest deleted); "
                "with -G:\n"
                "                         stop after N files\n"
                "  -z CMD                 run CMD FILE on every completed file (e.g. -z gzip), "
                "never\n"
                "                         waiting for it\n"
                "  --post-rotate-jobs N   at most N -z commands at once, the rest queued "
                "(default 1)\n"
                "  --part-suffix S, --part-prefix P\n"
                "                         a rotated or converted file is written as P+NAME+S "
                "and\n"
                "                         renamed when complete (default suffix .part)\n"
                "\n"
                "More commands:\n"
                "  %s capture -i IFACE [-w output.pcap|-] [options] [expression]\n"
                "                         record live traffic (%s capture --help)\n"
                "  %s capture --config config.ini [--offline-input input.pcap]\n"
                "  %s audit original.pcap constricted.pcap [--json]\n"
                "                         check a constricted file against its original and report "
                "the savings\n",
                n, n, n, n);
}

int cli_usage_error(const char *msg)
{
        fprintf(stderr, "error: %s\n\n", msg);
        cli_print_usage(stderr);
        return 1;
}
