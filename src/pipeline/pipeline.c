/*
 * pipeline — opening and closing the pieces of a pipeline handle: the source
 * (file, pipe, capture, memory image), the engine, the sink (a file in the
 * input's format, or the live dumper), and the counters.  The loop is in
 * run.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>

#include "capture/source.h"
#include "capture/user_filter.h"
#include "format/memory.h"
#include "format/pcap.h"
#include "format/pcapng.h"
#include "pipeline/pipeline_int.h"
#include "sink/dump_sink.h"
#include "sink/keylog.h"
#include "sink/ng_convert.h"
#include "sink/text.h"
#include "decode/seen.h"
#include "sink/post_rotate.h"
#include "sink/rotate.h"
#include "util/output.h"
#include "util/zio.h"

static struct cst_pipeline *pipe_alloc(char *err)
{
        struct cst_pipeline *p = calloc(1, sizeof(*p));
        if (!p) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return NULL;
        }
        p->est = &p->own_stats;
        p->snap_cap = 262144;
        return p;
}

/* The input description of a file source goes into the offline stats (SPEC 2.10). */
static void describe_input(struct cst_pipeline *p)
{
        struct cst_stats *st = p->est;
        st->input_pcapng = p->src.format == CST_FORMAT_PCAPNG;
        st->input_nsec = p->src.nsec;
        st->input_big_endian = p->src.big_endian;
        st->input_linktype = p->src.linktype;
        st->input_snaplen = p->src.snaplen;
}

static int pipe_opened(cst_pipeline **out, struct cst_pipeline *p, bool file_source)
{
        p->have_src = true;
        p->file_source = file_source;
        if (file_source)
                describe_input(p);
        *out = p;
        return CST_OK;
}

int cst_pipeline_open_file(cst_pipeline **out, const char *path, char *err)
{
        *out = NULL;
        struct cst_pipeline *p = pipe_alloc(err);
        if (!p)
                return CST_ENOMEM;
        int rc = format_source_open(&p->src, path, err);
        if (rc != CST_OK) {
                free(p);
                return rc;
        }
        p->in_name = strdup(path); /* messages of a converting output; NULL is fine */
        return pipe_opened(out, p, true);
}

int cst_pipeline_open_memory(cst_pipeline **out, const struct cst_memory_opts *m, char *err)
{
        *out = NULL;
        struct cst_pipeline *p = pipe_alloc(err);
        if (!p)
                return CST_ENOMEM;
        int rc = memory_source_open(&p->src, m, err);
        if (rc != CST_OK) {
                free(p);
                return rc;
        }
        return pipe_opened(out, p, m->packets == NULL); /* views have no file format */
}

int cst_pipeline_open_capture(cst_pipeline **out, cst_capture *cap, char *err)
{
        *out = NULL;
        struct cst_pipeline *p = pipe_alloc(err);
        if (!p) {
                cst_capture_close(cap);
                return CST_ENOMEM;
        }
        capture_source_init(&p->src, cap);
        p->cap = cap;
        return pipe_opened(out, p, false);
}

int cst_pipeline_open_live(cst_pipeline **out, const struct cst_capture_opts *o, char *err)
{
        cst_capture *cap;
        *out = NULL;
        int rc = cst_capture_open(&cap, o, err);
        if (rc != CST_OK)
                return rc;
        return cst_pipeline_open_capture(out, cap, err);
}

cst_capture *cst_pipeline_capture(cst_pipeline *p)
{
        return p->cap;
}

int cst_pipeline_input_format(const cst_pipeline *p)
{
        return p->file_source ? (int)p->src.format : 0;
}

uint32_t cst_pipeline_linktype(const cst_pipeline *p)
{
        return p->cap ? cst_capture_linktype(p->cap) : p->src.linktype;
}

int cst_pipeline_set_engine(cst_pipeline *p, const struct cst_config *cfg, char *err)
{
        cst_engine *eng = cst_engine_new(cfg, err);
        if (!eng)
                return CST_EFATAL;
        cst_engine_free(p->eng);
        p->eng = eng;
        p->est = cst_engine_stats(eng);
        if (p->file_source)
                describe_input(p); /* the input description goes with the counters */
        p->est->tls_policy = (int)cfg->tls_policy;
        p->snap_cap = cfg->default_snaplen < cfg->max_capture_len ? cfg->default_snaplen
                                                                  : cfg->max_capture_len;
        /* what kernel_hint.c tells an eBPF capture (issue 19 item 4) */
        p->hint_track = cfg->tls_policy == CST_TLS_TRACK && cfg->tls_enabled;
        p->hint_ports = cfg->tls_ports;
        p->hint_keep = cfg->app_data_keep_record_bytes < 5 ? 5 : cfg->app_data_keep_record_bytes;
        p->hint_min_saved = cfg->min_saved_bytes_per_packet;
        p->hint_quic = cfg->tls_policy == CST_TLS_TRACK && cfg->quic_enabled;
        p->hint_short_keep = cfg->short_header_keep_packet_bytes;
        p->hint_idle = cfg->flow_idle_timeout_sec;
        return CST_OK;
}

void pipe_set_xform(struct cst_pipeline *p, pipe_xform_fn fn, void *ctx, void (*free_ctx)(void *))
{
        if (p->xform_free)
                p->xform_free(p->xform_ctx);
        p->xform = fn;
        p->xform_ctx = ctx;
        p->xform_free = free_ctx;
        p->in_off = p->src.format == CST_FORMAT_PCAP ? PCAP_GLOBAL_HEADER_LEN : 0;
}

int cst_pipeline_set_filter(cst_pipeline *p, const char *expr, char *err)
{
        struct user_filter *f = NULL;
        if (!p->file_source) {
                snprintf(err, CST_ERRBUF, "a user-space filter needs a file source");
                return CST_EFATAL;
        }
        if (expr && expr[0] && ufilter_new(&f, expr, p->src.linktype, p->src.snaplen, err) < 0)
                return CST_EFATAL;
        ufilter_free(p->filter);
        p->filter = f;
        return CST_OK;
}

cst_engine *cst_pipeline_engine(cst_pipeline *p)
{
        return p->eng;
}

int cst_pipeline_set_compress(cst_pipeline *p, int method, int level, char *err)
{
        int rc = cst_compress_check(method, level, err);
        if (rc == CST_OK) {
                p->compress = method;
                p->compress_level = level;
        }
        return rc;
}

int cst_pipeline_output_file(cst_pipeline *p, const char *path, char *err)
{
        int rc;
        char name[4096];
        if (!p->file_source) {
                snprintf(err, CST_ERRBUF, "a same-format output needs a file source");
                return CST_EFATAL;
        }
        if (zio_output_name(name, sizeof(name), path, (enum zio_method)p->compress) != 0) {
                snprintf(err, CST_ERRBUF, "output file name too long: %.200s", path);
                return CST_EFATAL;
        }
        unsigned flags = OUTPUT_ATOMIC | output_compress_flags(p->compress, p->compress_level);
        if (p->src.format == CST_FORMAT_PCAP)
                rc = pcap_sink_open_flags(&p->sink, name, p->src.pcap_header, flags, err);
        else
                rc = pcapng_sink_open_flags(&p->sink, name, flags, err);
        if (rc == CST_OK) {
                p->have_sink = true;
                p->out_pcapng = p->src.format == CST_FORMAT_PCAPNG;
                p->sink_pcapng = p->src.format == CST_FORMAT_PCAPNG;
        }
        return rc;
}

int cst_pipeline_output_file_pcapng(cst_pipeline *p, const char *path, char *err)
{
        if (!p->file_source || p->src.format == CST_FORMAT_PCAPNG)
                return cst_pipeline_output_file(p, path, err);
        char name[4096];
        if (zio_output_name(name, sizeof(name), path, (enum zio_method)p->compress) != 0) {
                snprintf(err, CST_ERRBUF, "output file name too long: %.200s", path);
                return CST_EFATAL;
        }
        unsigned flags = OUTPUT_ATOMIC | output_compress_flags(p->compress, p->compress_level);
        int rc = ng_convert_open(&p->sink, name, flags, p->src.linktype, p->src.snaplen,
                                 p->src.nsec, err);
        if (rc == CST_OK) {
                p->have_sink = true;
                p->out_pcapng = true;
                p->keylog_ready = true; /* SHB and IDB are written: a DSB may follow */
        }
        return rc;
}

int cst_pipeline_set_tls_keylog(cst_pipeline *p, const char *path, cst_message_cb warn, void *ctx,
                                char *err)
{
        if (!p->have_sink || !p->out_pcapng) {
                snprintf(err, CST_ERRBUF, "a TLS key log (%.300s) needs a PCAPNG output", path);
                return CST_EFATAL;
        }
        struct keylog *k;
        bool follow = !p->file_source;
        int rc = keylog_open(&k, path, follow, warn, ctx, err);
        if (rc == CST_OK)
                rc = keylog_poll(k, err);
        if (rc != CST_OK) {
                keylog_close(k);
                return rc;
        }
        keylog_close(p->keylog);
        p->keylog = k;
        p->keylog_follow = follow;
        p->keylog_ahead = follow; /* the dumper's header is already in the file */
        if (follow)
                p->keylog_ready = true;
        return CST_OK;
}

struct leftover_ctx {
        void (*log)(void *ctx, const char *line);
        void *log_ctx;
};

static void report_leftover(void *ctx, const char *path)
{
        const struct leftover_ctx *l = ctx;
        char line[CST_ERRBUF];
        snprintf(line, sizeof(line), "warning: partial file left by an earlier run: %.400s", path);
        l->log(l->log_ctx, line);
}

/* The same-format output of cst_pipeline_output_file, with -z on the committed file. */
static int output_same(struct cst_pipeline *p, const char *path, const struct cst_output_opts *o,
                       char *err)
{
        bool file = strcmp(path, "-") != 0;
        char name[4096]; /* the committed name: compression adds its suffix */
        if (zio_output_name(name, sizeof(name), path, (enum zio_method)p->compress) != 0)
                return snprintf(err, CST_ERRBUF, "output file name too long: %.200s", path),
                       CST_EFATAL;
        if (o->log && file) {
                struct leftover_ctx l = {o->log, o->log_ctx};
                rot_leftovers(name, false, false, NULL, NULL, true, report_leftover, &l);
        }
        if (o->post_rotate_cmd && o->post_rotate_cmd[0] && file) {
                p->out_final = strdup(name);
                p->post = p->out_final ? post_rotate_new(o->post_rotate_cmd, o->post_rotate_jobs,
                                                         o->log, o->log_ctx, err)
                                       : NULL;
                if (!p->post)
                        return snprintf(err, CST_ERRBUF, "out of memory"), CST_ENOMEM;
        }
        return cst_pipeline_output_file(p, path, err);
}

int cst_pipeline_output_file_opts(cst_pipeline *p, const char *path,
                                  const struct cst_output_opts *o, char *err)
{
        if (!p->file_source) {
                snprintf(err, CST_ERRBUF, "a file output needs a file source");
                return CST_EFATAL;
        }
        int fmt = o->format ? o->format : (int)p->src.format;
        if (!o->rotate_bytes && !o->rotate_sec && fmt == (int)p->src.format)
                return output_same(p, path, o, err);
        struct cst_dump_opts d;
        struct dump_offline off;
        memset(&d, 0, sizeof(d));
        memset(&off, 0, sizeof(off));
        d.format = fmt;
        d.nsec = p->src.nsec;
        d.linktype = p->src.linktype;
        d.snaplen = p->src.snaplen ? p->src.snaplen : 262144;
        d.rotate_bytes = o->rotate_bytes;
        d.rotate_sec = o->rotate_sec;
        d.rotate_files = o->rotate_files;
        d.compress = p->compress;
        d.compress_level = p->compress_level;
        d.part_prefix = o->part_prefix;
        d.part_suffix = o->part_suffix;
        d.post_rotate_cmd = o->post_rotate_cmd;
        d.post_rotate_jobs = o->post_rotate_jobs;
        d.log = o->log;
        d.log_ctx = o->log_ctx;
        off.input_name = p->in_name;
        if (fmt == (int)p->src.format && fmt == CST_FORMAT_PCAP)
                off.pcap_header = p->src.pcap_header;
        off.copy_blocks = fmt == (int)p->src.format && fmt == CST_FORMAT_PCAPNG;
        off.from_pcapng = fmt != (int)p->src.format && p->src.format == CST_FORMAT_PCAPNG;
        int rc = dump_sink_open_offline(&p->sink, path, &d, &off, err);
        if (rc == CST_OK) {
                p->have_sink = p->dump_offline = true;
                p->out_pcapng = fmt == CST_FORMAT_PCAPNG;
                p->sink_pcapng = fmt == CST_FORMAT_PCAPNG; /* issue 20: annotations */
        }
        return rc;
}

void cst_pipeline_output_dropped(const cst_pipeline *p, uint64_t *blocks, uint64_t *packet_opts)
{
        *blocks = *packet_opts = 0;
        if (p->have_sink && p->dump_offline)
                dump_sink_dropped(&p->sink, blocks, packet_opts);
}

/* Counters for the ISBs of the dumper: the source's. */
static int source_stats(void *ctx, struct cst_capture_stats *ks, char *err)
{
        struct cst_pipeline *p = ctx;
        if (!p->src.ops->stats)
                return CST_EFATAL;
        return p->src.ops->stats(p->src.priv, ks, err);
}

int cst_pipeline_output_dump(cst_pipeline *p, const char *path, const struct cst_dump_opts *o,
                             char *err)
{
        struct cst_dump_opts d = *o;
        if (!d.compress) {
                d.compress = p->compress;
                d.compress_level = p->compress_level;
        }
        bool live = p->cap && capture_source_is_live(p->cap);
        if (!d.linktype)
                d.linktype = cst_pipeline_linktype(p);
        if (!d.snaplen)
                d.snaplen = p->snap_cap;
        d.per_interface =
            live && cst_capture_ifindex(p->cap) == 0 && d.linktype == CST_LINK_LINUX_SLL2;
        d.stats = live ? source_stats : NULL;
        d.stats_ctx = p;
        int rc = dump_sink_open(&p->sink, path, &d, err);
        if (rc == CST_OK) {
                p->have_sink = true;
                p->sink_pcapng = d.format == CST_FORMAT_PCAPNG;
                p->out_pcapng = p->sink_pcapng;
        }
        return rc;
}

/* The notes of every batch slot (annotations, text lines); allocated once. */
int pipe_want_notes(struct cst_pipeline *p, char *err)
{
        if (!p->seen && !(p->seen = calloc(PIPE_BATCH, sizeof(*p->seen)))) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        p->noted = true;
        return CST_OK;
}

int cst_pipeline_output_text(cst_pipeline *p, const char *path, const struct cst_text_opts *o,
                             char *err)
{
        struct text_opts to = {.verbose = o->verbose,
                               .payload = o->payload,
                               .ifnames = p->cap && capture_source_is_live(p->cap)};
        if (o->payload && o->payload != 'A' && o->payload != 'X') {
                snprintf(err, CST_ERRBUF, "text payload mode must be 'A' or 'X'");
                return CST_EFATAL;
        }
        if (p->have_sink) {
                snprintf(err, CST_ERRBUF, "the pipeline has an output already");
                return CST_EFATAL;
        }
        int rc = pipe_want_notes(p, err);
        if (rc == CST_OK)
                rc = text_sink_open(&p->sink, path, &to, err);
        if (rc == CST_OK)
                p->have_sink = true;
        return rc;
}

int cst_pipeline_set_annotate(cst_pipeline *p, bool on, char *err)
{
        if (!on) {
                p->annotate = false;
                return CST_OK;
        }
        if (!p->have_sink || !p->sink_pcapng || !p->sink.ops->write_noted) {
                snprintf(err, CST_ERRBUF, "annotations need PCAPNG output (packet comments)");
                return CST_EFATAL;
        }
        int rc = pipe_want_notes(p, err);
        if (rc == CST_OK)
                p->annotate = true;
        return rc;
}

const char *cst_pipeline_output_path(const cst_pipeline *p)
{
        if (!p->have_sink || !p->sink.ops->path)
                return NULL;
        return p->sink.ops->path(p->sink.priv);
}

void cst_pipeline_request(cst_pipeline *p, unsigned what)
{
        /* only stores to volatile sig_atomic_t: safe in a signal handler */
        if (what & CST_REQ_STOP)
                p->req_stop = 1;
        if (what & CST_REQ_FLUSH)
                p->req_flush = 1;
        if (what & CST_REQ_ROTATE)
                p->req_rotate = 1;
        if (what & CST_REQ_REPORT)
                p->req_report = 1;
}

void cst_pipeline_stop(cst_pipeline *p)
{
        p->req_stop = 1;
}

void cst_pipeline_get_stats(cst_pipeline *p, struct cst_pipeline_stats *st)
{
        *st = p->st;
        if (p->keylog) {
                st->keylog_secrets = keylog_secrets(p->keylog);
                st->keylog_malformed = keylog_malformed(p->keylog);
        }
        if (!p->eng)
                return;
        /* the verdict counters are the engine's (it settles every packet) */
        const struct cst_stats *est = cst_engine_stats(p->eng);
        for (unsigned r = 0; r < CST_R_COUNT; r++)
                st->reasons[r] = est->reason_packets[r];
        st->cut_by_snaplen = est->snaplen_capped_packets;
        st->quic_short_kept = est->quic_short_kept_snaplen;
        st->flows_active = est->flows_active;
        st->flows_evicted = est->flows_evicted;
}

void cst_pipeline_set_report(cst_pipeline *p, cst_report_cb cb, void *ctx)
{
        p->report = cb;
        p->report_ctx = ctx;
}

static void pipe_free(struct cst_pipeline *p)
{
        post_rotate_finish(p->post, POST_ROTATE_WAIT_SEC);
        free(p->out_final);
        free(p->in_name);
        if (p->have_src)
                p->src.ops->close(p->src.priv);
        if (p->xform_free)
                p->xform_free(p->xform_ctx);
        cst_engine_free(p->eng);
        ufilter_free(p->filter);
        keylog_close(p->keylog);
        free(p->seen);
        free(p);
}

int cst_pipeline_close(cst_pipeline *p, char *err)
{
        int rc = CST_OK;
        if (!p)
                return CST_OK;
        if (p->have_sink) /* first: a dumper's last ISB asks the source for its counters */
                rc = p->sink.ops->close(p->sink.priv, err);
        if (rc == CST_OK && p->post) /* committed: -z on it */
                post_rotate_file(p->post, p->out_final);
        pipe_free(p);
        return rc;
}

void cst_pipeline_abort(cst_pipeline *p, char *kept, size_t kept_len)
{
        char cerr[CST_ERRBUF];
        if (kept_len)
                kept[0] = '\0';
        if (!p)
                return;
        if (p->have_sink && p->sink.ops->abort) {
                const char *path = p->dump_offline     ? dump_sink_final(&p->sink)
                                   : p->sink.ops->path ? p->sink.ops->path(p->sink.priv)
                                                       : NULL;
                bool keep = kept_len && !p->sink_failed;
                if (keep && path && strcmp(path, "-") != 0)
                        snprintf(kept, kept_len, "%s", path);
                p->sink.ops->abort(p->sink.priv, !keep);
        } else if (p->have_sink) {
                const char *path = cst_pipeline_output_path(p);
                if (path && strcmp(path, "-") != 0 && kept_len)
                        snprintf(kept, kept_len, "%s", path);
                p->sink.ops->close(p->sink.priv, cerr);
        }
        pipe_free(p);
}

bool cst_pipeline_sink_failed(const cst_pipeline *p)
{
        return p->sink_failed;
}
