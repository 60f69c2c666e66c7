/*
 * The pipeline handle (include/constrictor/pipeline.h): one source, the
 * engine, one sink, the counters and the request flags a signal handler may
 * set.  Batch arrays live in the handle, so a run allocates nothing.
 */
#ifndef CST_PIPELINE_INT_H
#define CST_PIPELINE_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <constrictor/constrictor.h>
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

#include "format/format.h"

struct post_rotate;

#define PIPE_BATCH 256
/* A record's kind once the user's filter rejected it (never a source's kind). */
#define PIPE_REC_FILTERED 0x80u

/*
 * A per-packet transform in place of the engine (reinflate): *out is the
 * record to write whole (its bytes may point into the transform's buffer,
 * valid until the next call).  `index` counts packets from 0, `in_off` is
 * the input offset of the record (messages name it).
 */
typedef int (*pipe_xform_fn)(void *ctx, const struct cst_packet *in, uint64_t index,
                             uint64_t in_off, struct cst_packet *out, char *err);

struct cst_pipeline {
        /* hot members first */
        struct cst_source src;
        struct cst_sink sink;
        cst_engine *eng;
        struct cst_stats *est; /* the engine's counters (offline stats), or a local copy */
        struct cst_pipeline_stats st;
        volatile sig_atomic_t req_stop, req_flush, req_rotate, req_report;
        uint32_t snap_cap; /* min(default_snaplen, max_capture_len) of the engine's config */
        bool have_src, have_sink;
        bool file_source; /* a file/memory reader: input description, tail, raw blocks */
        bool saw_shb;
        cst_capture *cap; /* behind src when the source is a capture */
        pipe_xform_fn xform;
        void *xform_ctx;
        void (*xform_free)(void *ctx);
        bool sink_failed;
        int compress, compress_level; /* of the output opened next (cst_pipeline_set_compress) */
        uint64_t in_off;              /* with a transform: input offset of the next record */
        cst_report_cb report;
        void *report_ctx;
        struct user_filter *filter; /* issue 20: records the engine and sink see, or NULL */
        /* issue 20: TLS key log written as DSBs (sink/keylog.h) */
        struct keylog *keylog;
        bool keylog_follow;     /* a capture source: the file is polled as it grows */
        bool keylog_ahead;      /* DSBs go ahead of the buffered records (live dump sink) */
        bool keylog_ready;      /* the output's section header is out: a DSB may follow */
        bool out_pcapng;        /* the sink writes PCAPNG */
        bool out_big_endian;    /* byte order of the output's section */
        uint64_t keylog_polled; /* monotonic ns of the last poll */
        /* eBPF capture under `track`: cut TLS flows handed to the kernel (kernel_hint.c) */
        bool kernel_hints, hint_track, hint_quic;
        uint32_t hint_short_keep, hint_idle; /* short_header_keep_packet_bytes, idle timeout */
        uint32_t hint_keep, hint_min_saved;  /* KR (>= 5), min_saved_bytes_per_packet */
        struct cst_port_set hint_ports;      /* tls.ports (8 KiB) */
        struct cst_stats own_stats;          /* counters when no engine is set */
        /* Annotated output (issue 20): sink.ops->write_noted is used, with the
         * analysers' notes of each batch slot (seen) and, for PCAPNG, a
         * comment on every cut packet (annotate).  Off: the plain write. */
        bool noted, annotate, sink_pcapng;
        struct pkt_seen *seen;       /* PIPE_BATCH entries while noted, else NULL */
        bool dump_offline;           /* the sink is the dumper for constrict (dropped counts) */
        struct post_rotate *post;    /* -z on a same-format file output, run at close */
        char *out_final;             /* ... on this name */
        char *in_name;               /* the input file's name, for messages */
        unsigned batch_n, batch_pos; /* records of recs[] read / handled */
        struct cst_packet recs[PIPE_BATCH];
        struct cst_verdict v[PIPE_BATCH];
};

/* Use fn in place of the engine; free_ctx (may be NULL) is called on ctx at close. */
void pipe_set_xform(struct cst_pipeline *p, pipe_xform_fn fn, void *ctx, void (*free_ctx)(void *));

/* pipeline.c: the notes of every batch slot (annotations, text lines); write_noted is used. */
int pipe_want_notes(struct cst_pipeline *p, char *err);

#endif
