/*
 * The by-name stats API: programs never see struct cst_stats; they read a
 * counter by its JSON name or walk all of them, so a new counter is a new
 * name, never a new layout.
 */
#include <stdlib.h>
#include <string.h>
#include <constrictor/constrictor.h>
#include "stats/stats_int.h"

struct cst_stats *cst_stats_new(void)
{
        return calloc(1, sizeof(struct cst_stats));
}

struct cst_stats *cst_stats_copy(const struct cst_stats *st)
{
        struct cst_stats *c = malloc(sizeof(*c));
        if (c)
                *c = *st;
        return c;
}

void cst_stats_free(struct cst_stats *st)
{
        free(st);
}

void cst_stats_reset(struct cst_stats *st)
{
        memset(st, 0, sizeof(*st));
}

/* `name` equals `key`, where a '.' in name may stand for a '_' ("tls.truncated"). */
static bool name_is(const char *name, const char *key)
{
        for (; *name && *key; name++, key++)
                if (*name != *key && !(*name == '.' && *key == '_'))
                        return false;
        return *name == '\0' && *key == '\0';
}

/* The i-th counter of the JSON order (compat block, then constrictor's own). */
static const struct stats_field *field_at(size_t i)
{
        if (i < stats_compat_count)
                return &stats_compat_fields[i];
        if (i - stats_compat_count < stats_extra_count)
                return &stats_extra_fields[i - stats_compat_count];
        return NULL;
}

size_t cst_stats_count(void)
{
        return stats_compat_count + stats_extra_count;
}

int cst_stats_next(const struct cst_stats *st, size_t *pos, const char **name, uint64_t *value)
{
        const struct stats_field *f = field_at(*pos);

        if (!f)
                return 0;
        *name = f->key;
        *value = stats_value(st, f);
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

        for (size_t i = 0; i < cst_stats_count(); i++) {
                const struct stats_field *f = field_at(i);
                if (name_is(name, f->key)) {
                        *value = stats_value(st, f);
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
