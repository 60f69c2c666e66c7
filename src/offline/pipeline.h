/* Shared state of one offline run (constrict or reinflate). */
#ifndef CST_OFFLINE_PIPELINE_H
#define CST_OFFLINE_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <constrictor/constrictor.h>

#include "format/format.h"
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

#define OFFLINE_BATCH 256

struct offline_run {
        struct cst_source src;
        struct cst_sink sink;
        struct cst_stats *st;
        uint64_t in_off; /* input offset of the current record */
        uint64_t index;  /* 0-based packet index */
        bool have_src;
        bool have_sink;
        bool saw_shb;
};

/* Reader open → writer open; fills the input description of st. */
int offline_open(struct offline_run *r, const char *in, const char *out, struct cst_stats *st,
                 const struct cst_config *cfg, char *err);
/* Count a raw pcapng block and move past it. */
void offline_count_block(struct offline_run *r, const struct cst_packet *p);
/* Move past a packet record. */
void offline_advance(struct offline_run *r, const struct cst_packet *p);
/* Tail counters, close the writer (its error wins unless rc is fatal) and the reader. */
int offline_close(struct offline_run *r, int rc, char *err);

#endif
