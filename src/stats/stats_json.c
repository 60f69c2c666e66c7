/*
 * The stats as one JSON object on one line (`--stats-format json`): the
 * input description, the policy name and every counter under its
 * snake_case field name, for scripts and monitoring.
 */
#include <inttypes.h>
#include <constrictor/constrictor.h>
#include "stats/stats_int.h"

static void print_fields(FILE *out, const struct cst_stats *st, const struct stats_field *f,
                         size_t n)
{
        for (size_t i = 0; i < n; i++)
                fprintf(out, ",\"%s\":%" PRIu64, f[i].key, stats_value(st, &f[i]));
}

int cst_stats_print_json(FILE *out, const struct cst_stats *st)
{
        fprintf(out, "{\"input_format\":\"%s\"", st->input_pcapng ? "pcapng" : "pcap");
        fprintf(out, ",\"endianness\":\"%s\"", st->input_big_endian ? "big" : "little");
        if (!st->input_pcapng) {
                fprintf(out, ",\"time_precision\":\"%s\"",
                        st->input_nsec ? "nanosecond" : "microsecond");
                fprintf(out, ",\"link_type\":%" PRIu32 ",\"snaplen\":%" PRIu32, st->input_linktype,
                        st->input_snaplen);
        }
        fprintf(out, ",\"tls_policy\":\"%s\"",
                cst_tls_policy_name((enum cst_tls_policy)st->tls_policy));
        print_fields(out, st, stats_compat_fields, stats_compat_count);
        print_fields(out, st, stats_extra_fields, stats_extra_count);
        fprintf(out, ",\"have_kernel_stats\":%s}\n", st->have_kernel_stats ? "true" : "false");
        return ferror(out) ? CST_EFATAL : 0;
}
