/*
 * The counters by name (public API): programs read a counter by its JSON
 * name or walk all of them, so a new counter is a new name, never a new
 * layout.  Order of the walk: the counters of the JSON output, then the
 * engine's settlement counters (snaplen cap) and the packets per final
 * reason, named as cst_reason_name() ("keep.min_savings").  It sits in
 * policy/ because the reason names are the verdict table's (stats/ may not
 * call policy/, ARCHITECTURE.md).
 */
#include <stdlib.h>
#include <string.h>
#include <constrictor/constrictor.h>
#include "stats/stats_int.h"

/* `name` equals `key`, where a '.' in name may stand for a '_' ("tls.truncated"). */
static bool name_is(const char *name, const char *key)
{
        for (; *name && *key; name++, key++)
                if (*name != *key && !(*name == '.' && *key == '_'))
                        return false;
        return *name == '\0' && *key == '\0';
}

/* Counters outside the stats output. */
static const struct stats_field settle_fields[] = {
    {NULL, "snaplen_capped_packets", offsetof(struct cst_stats, snaplen_capped_packets), false},
    {NULL, "quic_short_kept_snaplen", offsetof(struct cst_stats, quic_short_kept_snaplen), false},
    {NULL, "kernel_cut_packets", offsetof(struct cst_stats, kernel_cut_packets), false},
    {NULL, "kernel_cut_short", offsetof(struct cst_stats, kernel_cut_short), false},
};
#define SETTLE_COUNT (sizeof(settle_fields) / sizeof(settle_fields[0]))

_Static_assert(CST_R_COUNT <= CST_STATS_REASON_SLOTS, "a reason without a counter slot");

/* The i-th counter of the JSON order (compat block, then constrictor's own), or NULL. */
static const struct stats_field *field_at(size_t i)
{
        if (i < stats_compat_count)
                return &stats_compat_fields[i];
        i -= stats_compat_count;
        if (i < stats_extra_count)
                return &stats_extra_fields[i];
        i -= stats_extra_count;
        if (i < SETTLE_COUNT)
                return &settle_fields[i];
        return NULL;
}

static size_t field_count(void)
{
        return stats_compat_count + stats_extra_count + SETTLE_COUNT;
}

size_t cst_stats_count(void)
{
        return field_count() + CST_R_COUNT;
}

int cst_stats_next(const struct cst_stats *st, size_t *pos, const char **name, uint64_t *value)
{
        const struct stats_field *f = field_at(*pos);

        if (f) {
                *name = f->key;
                *value = stats_value(st, f);
        } else if (*pos - field_count() < CST_R_COUNT) {
                unsigned r = (unsigned)(*pos - field_count());
                *name = cst_reason_name(r);
                *value = st->reason_packets[r];
        } else {
                return 0;
        }
        (*pos)++;
        return 1;
}

int cst_stats_get(const struct cst_stats *st, const char *name, uint64_t *value)
{
        const struct {
                const char *key;
                uint64_t v;
        } info[] = {
            {"input_pcapng", st->input_pcapng},           {"input_nsec", st->input_nsec},
            {"input_big_endian", st->input_big_endian},   {"input_linktype", st->input_linktype},
            {"input_snaplen", st->input_snaplen},         {"tls_policy", (uint64_t)st->tls_policy},
            {"have_kernel_stats", st->have_kernel_stats},
        };

        for (size_t i = 0; i < field_count(); i++) {
                const struct stats_field *f = field_at(i);
                if (name_is(name, f->key)) {
                        *value = stats_value(st, f);
                        return CST_OK;
                }
        }
        for (unsigned r = 0; r < CST_R_COUNT; r++) {
                if (strcmp(name, cst_reason_name(r)) == 0) {
                        *value = st->reason_packets[r];
                        return CST_OK;
                }
        }
        for (size_t i = 0; i < sizeof(info) / sizeof(info[0]); i++) {
                if (name_is(name, info[i].key)) {
                        *value = info[i].v;
                        return CST_OK;
                }
        }
        return CST_EKEY;
}
