/*
 * The stats block as text: the offline tool's block and warnings exactly
 * (SPEC 2.10), then constrictor's own counters, each only when it has
 * something to say (so the output on the golden fixtures stays identical).
 */
#include <inttypes.h>
#include <constrictor/constrictor.h>
#include "stats/stats_int.h"

static void print_input_description(FILE *out, const struct cst_stats *st)
{
        const char *endianness = st->input_big_endian ? "big" : "little";

        if (st->input_pcapng) {
                fprintf(out, "endianness: %s\n", endianness);
                return;
        }
        fprintf(out, "time precision: %s\n", st->input_nsec ? "nanosecond" : "microsecond");
        fprintf(out, "endianness: %s\n", endianness);
        fprintf(out, "link type: %" PRIu32 "\n", st->input_linktype);
        fprintf(out, "snaplen: %" PRIu32 "\n", st->input_snaplen);
}

static void print_compat_block(FILE *out, const struct cst_stats *st)
{
        fprintf(out, "input format: %s\n", st->input_pcapng ? "pcapng" : "pcap");
        for (size_t i = 0; i < stats_compat_count; i++) {
                const struct stats_field *f = &stats_compat_fields[i];
                if (f->offset == offsetof(struct cst_stats, quic_truncated))
                        fprintf(out, "TLS AppData continuation policy: %s\n",
                                cst_tls_policy_name((enum cst_tls_policy)st->tls_policy));
                fprintf(out, "%s: %" PRIu64 "\n", f->label, stats_value(st, f));
        }
        print_input_description(out, st);
}

static void print_checksum_warning(FILE *out, const struct cst_stats *st)
{
        const struct {
                const char *name;
                uint64_t n;
        } reasons[] = {
            {"ipv4_total_length_zero", st->checksum_skipped_ipv4_total_length_zero},
            {"length_mismatch", st->checksum_skipped_length_mismatch},
            {"incomplete", st->checksum_skipped_incomplete},
            {"fragment", st->checksum_skipped_fragment},
            {"not_tcp_udp", st->checksum_skipped_not_tcp_udp},
            {"malformed", st->checksum_skipped_malformed},
            {"decode_failed", st->checksum_skipped_decode_failed},
            {"unsupported_link_type", st->checksum_skipped_unsupported_link_type},
        };

        fprintf(out, "Warning: checksum recomputation was skipped for %" PRIu64 " packet(s):\n",
                st->checksum_skipped);
        for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
                if (reasons[i].n)
                        fprintf(out, "  %s: %" PRIu64 "\n", reasons[i].name, reasons[i].n);
        fprintf(out, "Skipped packets keep their existing checksum fields.\n");
}

static void print_extras(FILE *out, const struct cst_stats *st)
{
        for (size_t i = 0; i < stats_extra_count; i++) {
                const struct stats_field *f = &stats_extra_fields[i];
                uint64_t v = stats_value(st, f);
                if (f->label && (v != 0 || (f->live && st->have_kernel_stats)))
                        fprintf(out, "%s: %" PRIu64 "\n", f->label, v);
        }
}

int cst_stats_print_text(FILE *out, const struct cst_stats *st, bool checksum_recompute)
{
        print_compat_block(out, st);
        if (st->already_truncated_input_packets)
                fprintf(out,
                        "Warning: %" PRIu64
                        " input packets were already truncated and were kept unchanged.\n",
                        st->already_truncated_input_packets);
        if (checksum_recompute && st->checksum_skipped)
                print_checksum_warning(out, st);
        print_extras(out, st);
        return ferror(out) ? CST_EFATAL : 0;
}
