/*
 * run — the pipeline loop: a batch from the source, the engine's verdicts
 * for the whole batch (it pipelines its memory accesses across it), then per
 * record the keep rule, the counters, the sink and the callback, in order.
 *
 * Between batches (never inside one, so no record is ever cut by a signal)
 * the loop looks at the request flags, max_packets (counted on written
 * packets) and duration_sec (monotonic clock), as the AFPacket recorder does
 * (SPEC 3.4).  A capture source waits at most a second, so limits and the
 * periodic flush are honoured on an idle link too.  A batch already received
 * is processed and written in full.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <constrictor/constrictor.h>

#include "capture/user_filter.h"
#include "pipeline/pipeline_int.h"
#include "sink/keylog.h"
#include "pipeline/kernel_hint.h"
#include "policy/annotate.h"
#include "sink/note.h"

#define WAIT_MAX_MS       1000
#define KEYLOG_POLL_NS    100000000ull /* a followed TLS key log: at most every 100 ms */
#define PIPE_STOPPED      1    /* emit(): the run ends after this packet (st.stop says why) */
#define KEEP_AHEAD        4    /* packets ahead whose kept bytes are prefetched for the sink */
#define KEEP_PREFETCH_MAX 2048 /* bytes of one packet prefetched at most */

struct run_state {
        const struct cst_run_opts *o;
        uint64_t start, last_flush; /* monotonic ns; 0 when no clock is needed */
        uint64_t last_tick;
        bool clock;
};

static uint64_t mono_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* SPEC 2.3/2.4: an incomplete tail is counted, and everything before it was written. */
static void count_tail(struct cst_pipeline *p)
{
        struct cst_source_tail t = {0};
        if (p->src.ops->tail)
                p->src.ops->tail(p->src.priv, &t);
        if (!t.present)
                return;
        p->est->input_incomplete_tail = 1;
        p->est->input_trailing_unprocessed_bytes += t.trailing_bytes;
        if (t.packet_record) {
                p->est->input_incomplete_packet_records = 1;
                p->est->input_missing_packet_payload_bytes += t.missing_bytes;
        }
}

/* A raw PCAPNG block of a file source: counted (SPEC 2.10), copied by the sink. */
static void count_block(struct cst_pipeline *p, const struct cst_packet *b)
{
        if (b->flags & CST_PKT_SHB) {
                if (!p->saw_shb && b->caplen >= 12)
                        p->est->input_big_endian = b->data[8] == 0x1A;
                p->saw_shb = true;
        } else if (!(b->flags & CST_PKT_IDB)) {
                p->est->pcapng_unknown_blocks_copied++;
        }
}

/*
 * issue 20: the TLS secrets not written yet, as one DSB: after the output's
 * section header (a file), or ahead of the records still buffered (a live
 * dump, whose header is already in the file).
 */
static int keylog_emit(struct cst_pipeline *p, char *err)
{
        if (!p->keylog || !p->keylog_ready || !keylog_pending(p->keylog))
                return CST_OK;
        size_t len;
        const uint8_t *b = keylog_block(p->keylog, p->out_big_endian, &len);
        int rc;
        if (p->keylog_ahead && p->sink.ops->write_ahead) {
                rc = p->sink.ops->write_ahead(p->sink.priv, b, len, err);
        } else {
                struct cst_packet blk = {.kind = CST_REC_BLOCK, .data = b};
                blk.caplen = blk.origlen = (uint32_t)len;
                rc = p->sink.ops->write(p->sink.priv, &blk, blk.caplen, err);
        }
        keylog_clear(p->keylog);
        if (rc != CST_OK)
                p->sink_failed = true;
        return rc;
}

/* A followed key log: read what is new (at most every 100 ms unless `now_due`), write it. */
static int keylog_follow(struct cst_pipeline *p, uint64_t now, bool now_due, char *err)
{
        if (!p->keylog_follow || (!now_due && now - p->keylog_polled < KEYLOG_POLL_NS))
                return CST_OK;
        p->keylog_polled = now;
        int rc = keylog_poll(p->keylog, err);
        return rc == CST_OK ? keylog_emit(p, err) : rc;
}

static int write_block(struct cst_pipeline *p, const struct cst_packet *b, char *err)
{
        count_block(p, b);
        if (!p->have_sink)
                return CST_OK;
        int rc = p->sink.ops->write(p->sink.priv, b, b->caplen, err);
        if (rc != CST_OK) {
                p->sink_failed = true;
                return rc;
        }
        if (p->keylog && (b->flags & CST_PKT_SHB) && !p->keylog_ready && b->caplen >= 12) {
                /* the first section of a PCAPNG copy: its secrets follow its header */
                p->keylog_ready = true;
                p->out_big_endian = b->data[8] == 0x1A;
                rc = keylog_emit(p, err);
        }
        return rc;
}

/* Without an engine every packet is kept whole (SPEC 3.2: within the snaplen cap). */
static uint32_t no_engine_keep(const struct cst_pipeline *p, const struct cst_run_opts *o,
                               const struct cst_packet *pkt)
{
        uint32_t keep = pkt->caplen;
        if (o->keep_rule == CST_KEEP_SNAPLEN) {
                if (keep > pkt->origlen)
                        keep = pkt->origlen;
                if (keep > p->snap_cap)
                        keep = p->snap_cap;
        }
        return keep;
}

/*
 * The verdict counters the engine settled (per final reason, the snaplen
 * cap of CST_KEEP_SNAPLEN), copied into the pipeline's counters.
 */
static void read_engine_counters(struct cst_pipeline *p)
{
        if (!p->eng)
                return;
        cst_engine_stats(p->eng); /* brings the flow counters up to date */
        for (unsigned r = 0; r < CST_R_COUNT; r++)
                p->st.reasons[r] = p->est->reason_packets[r];
        p->st.cut_by_snaplen = p->est->snaplen_capped_packets;
        p->st.quic_short_kept = p->est->quic_short_kept_snaplen;
        p->st.flows_active = p->est->flows_active;
        p->st.flows_evicted = p->est->flows_evicted;
}

/* The counters a report or a tick hands out: kernel counters read now, the engine's copied. */
static void fresh_counters(struct cst_pipeline *p, char *err)
{
        if (p->src.ops->stats)
                p->src.ops->stats(p->src.priv, &p->st.ks, err);
        read_engine_counters(p);
}

/* Annotated or text output: the verdict's words and the analyser's notes go with the packet. */
static int write_noted(struct cst_pipeline *p, const struct cst_packet *pkt,
                       const struct cst_verdict *v, const struct pkt_seen *seen, char *err)
{
        char text[NOTE_MAX];
        struct sink_note n = {.keep_len = v->keep_len,
                              .reason = v->reason,
                              .reason_name = cst_reason_name(v->reason),
                              .seen = p->eng ? seen : NULL};
        if (p->annotate && v->keep_len < pkt->caplen) {
                n.comment_len = note_comment(text, pkt, &n);
                n.comment = text;
        }
        return p->sink.ops->write_noted(p->sink.priv, pkt, &n, err);
}

/* Sink, then callback; CST_DUMP_FILE_LIMIT / a callback's stop end the run. */
static int emit(struct cst_pipeline *p, const struct cst_run_opts *o, const struct cst_packet *pkt,
                const struct cst_verdict *v, const struct pkt_seen *seen, char *err)
{
        if (p->have_sink) {
                int rc = __builtin_expect(!p->noted, 1)
                             ? p->sink.ops->write(p->sink.priv, pkt, v->keep_len, err)
                             : write_noted(p, pkt, v, seen, err);
                if (rc == CST_DUMP_FILE_LIMIT) {
                        p->st.stop = CST_STOP_FILE_LIMIT;
                        return PIPE_STOPPED;
                }
                if (rc != CST_OK) {
                        p->sink_failed = true;
                        return rc;
                }
        }
        p->st.packets_written++;
        p->st.bytes_output += v->keep_len;
        if (o->on_packet && o->on_packet(o->ctx, pkt, v) != 0) {
                p->st.stop = CST_STOP_CALLBACK;
                return PIPE_STOPPED;
        }
        return CST_OK;
}

/*
 * The sink copies each packet's kept bytes.  The engine touched only the
 * headers it read; the rest of the kept range is cold (in a capture ring,
 * written by another CPU), so it is fetched a few packets ahead and the copy
 * does not wait on each line in turn.
 */
static inline void prefetch_kept(const struct cst_packet *pkt, uint32_t keep)
{
        uintptr_t a = (uintptr_t)pkt->data,
                  end = a + (keep < KEEP_PREFETCH_MAX ? keep : KEEP_PREFETCH_MAX);
        for (a &= ~(uintptr_t)63; a < end; a += 64)
                __builtin_prefetch((const void *)a);
}

/* Input offset bookkeeping for a transform's messages (SPEC 2.3 / 2.4 record sizes). */
static void advance_offset(struct cst_pipeline *p, const struct cst_packet *r)
{
        if (r->kind == CST_REC_BLOCK)
                p->in_off += r->caplen;
        else if (p->src.format == CST_FORMAT_PCAP)
                p->in_off += 16 + (uint64_t)r->caplen;
        else
                p->in_off += 32 + (((uint64_t)r->caplen + 3) & ~(uint64_t)3) + r->opts_len;
}

/* A packet through the transform, then out whole. */
static int transform(struct cst_pipeline *p, const struct cst_run_opts *o,
                     const struct cst_packet *pkt, struct cst_verdict *v, char *err)
{
        struct cst_packet q;
        int rc = p->xform(p->xform_ctx, pkt, p->st.packets_total, p->in_off, &q, err);
        if (rc != CST_OK)
                return rc;
        advance_offset(p, pkt);
        p->st.packets_total++;
        p->st.bytes_input += pkt->caplen;
        p->st.bytes_input_wire += pkt->origlen;
        *v = (struct cst_verdict){q.caplen, CST_R_KEEP_NOT_ANALYSED};
        return emit(p, o, &q, v, NULL, err);
}

/*
 * The records [batch_pos, batch_n) of the current batch; CST_OK, PIPE_STOPPED
 * (the rest stays for the next run) or an error.
 */
static int run_batch(struct cst_pipeline *p, const struct cst_run_opts *o, char *err)
{
        struct cst_verdict *v = p->v;
        while (p->batch_pos < p->batch_n) {
                unsigned i = p->batch_pos++;
                const struct cst_packet *pkt = &p->recs[i];
                if (pkt->kind == PIPE_REC_FILTERED) { /* not written, not counted */
                        if (p->xform)
                                advance_offset(p, pkt);
                        continue;
                }
                if (pkt->kind != CST_REC_PACKET) {
                        if (p->xform)
                                advance_offset(p, pkt);
                        int rc = write_block(p, pkt, err);
                        if (rc != CST_OK)
                                return rc;
                        continue;
                }
                if (p->xform) {
                        int rc = transform(p, o, pkt, &v[i], err);
                        if (rc != CST_OK)
                                return rc;
                        continue;
                }
                if (p->eng && p->have_sink && i + KEEP_AHEAD < p->batch_n)
                        prefetch_kept(&p->recs[i + KEEP_AHEAD], v[i + KEEP_AHEAD].keep_len);
                if (!p->eng)
                        v[i] = (struct cst_verdict){no_engine_keep(p, o, pkt),
                                                    CST_R_KEEP_NOT_ANALYSED};
                else if (v[i].keep_len > pkt->caplen)
                        v[i].keep_len = pkt->caplen;
                p->st.packets_total++;
                p->st.bytes_input += pkt->caplen;
                p->st.bytes_input_wire += pkt->origlen;
                int rc = emit(p, o, pkt, &v[i], p->seen ? &p->seen[i] : NULL, err);
                if (rc != CST_OK)
                        return rc;
        }
        return CST_OK;
}

/*
 * The user's filter (issue 20): packets that do not match are marked
 * PIPE_REC_FILTERED before the engine sees the batch; the engine passes
 * over them like blocks (no index, no flow state) and run_batch skips them.
 */
static int filter_batch(struct cst_pipeline *p, int n, char *err)
{
        for (int i = 0; i < n; i++) {
                struct cst_packet *r = &p->recs[i];
                if (r->kind != CST_REC_PACKET)
                        continue;
                int m = ufilter_match(p->filter, r, err);
                if (m < 0)
                        return m;
                if (m == 0)
                        r->kind = PIPE_REC_FILTERED;
        }
        return n;
}

/* A new batch of n records: the engine's verdicts for all of them, then the records. */
static int new_batch(struct cst_pipeline *p, const struct cst_run_opts *o, int n, char *err)
{
        if (p->filter && n > 0 && (n = filter_batch(p, n, err)) < 0)
                return n;
        if (p->eng && n > 0)
                cst_engine_process_batch(p->eng, p->recs, (unsigned)n, p->v);
        if (p->kernel_hints && n > 0) /* eBPF capture: cut flows handed to the kernel */
                pipe_kernel_hints(p, (unsigned)n);
        for (int k = 0; p->eng && p->have_sink && k < n && k < KEEP_AHEAD; k++)
                prefetch_kept(&p->recs[k], p->v[k].keep_len);
        p->batch_n = (unsigned)n;
        p->batch_pos = 0;
        return run_batch(p, o, err);
}

/* CST_STOP_NONE to go on; otherwise why the loop ends before the next read. */
static enum cst_stop_reason check_limits(struct cst_pipeline *p, const struct run_state *rs)
{
        const struct cst_run_opts *o = rs->o;
        if (p->req_stop)
                return CST_STOP_REQUEST;
        if (o->max_packets && p->st.packets_written >= o->max_packets)
                return CST_STOP_MAX_PACKETS;
        if (o->duration_sec && mono_ns() - rs->start >= o->duration_sec * 1000000000ull)
                return CST_STOP_DURATION;
        return CST_STOP_NONE;
}

static int wait_ms(const struct run_state *rs)
{
        int ms = WAIT_MAX_MS;
        if (rs->o->duration_sec) {
                uint64_t end = rs->start + rs->o->duration_sec * 1000000000ull, now = mono_ns();
                uint64_t left = end > now ? (end - now) / 1000000u + 1 : 1;
                if (left < (uint64_t)ms)
                        ms = (int)left;
        }
        return ms;
}

static unsigned batch_room(const struct cst_pipeline *p, const struct cst_run_opts *o)
{
        unsigned room = PIPE_BATCH;
        if (o->max_packets) {
                uint64_t left = o->max_packets - p->st.packets_written;
                if (left < room)
                        room = (unsigned)left;
        }
        return room;
}

/* Next batch: >0 records, 0 nothing yet (capture), CST_CAPTURE_EOF at the end, or an error. */
static int read_batch(struct cst_pipeline *p, const struct run_state *rs, char *err)
{
        unsigned room = batch_room(p, rs->o);
        if (p->src.ops->wait_batch)
                return p->src.ops->wait_batch(p->src.priv, p->recs, room, wait_ms(rs), err);
        int n = p->src.ops->next_batch(p->src.priv, p->recs, room, err);
        if (n == CST_SOURCE_INTERRUPTED)
                return 0; /* a signal while a pipe is idle: the loop looks at the requests */
        return n == 0 ? CST_CAPTURE_EOF : n;
}

/* Requests and the periodic flush, at a batch boundary. */
static int between_batches(struct cst_pipeline *p, struct run_state *rs, int n, char *err)
{
        const struct cst_run_opts *o = rs->o;
        bool flush = p->req_flush || (o->flush_each_batch && n > 0) || p->st.stop != CST_STOP_NONE;
        uint64_t now = 0;
        if (rs->clock) {
                now = mono_ns();
                if (o->flush_ms && now - rs->last_flush >= (uint64_t)o->flush_ms * 1000000u)
                        flush = true;
        }
        if (p->keylog_follow) { /* before the flush: the packets that need them are buffered */
                uint64_t t = now ? now : mono_ns();
                if (keylog_follow(p, t, flush && !o->flush_each_batch, err) != CST_OK)
                        return CST_EFATAL;
        }
        if (p->req_rotate) {
                p->req_rotate = 0;
                if (p->have_sink && p->sink.ops->rotate &&
                    p->sink.ops->rotate(p->sink.priv, err) != CST_OK) {
                        p->sink_failed = true;
                        return CST_EFATAL;
                }
        }
        if (flush) {
                p->req_flush = 0;
                if (p->have_sink && p->sink.ops->flush(p->sink.priv, err) != CST_OK) {
                        p->sink_failed = true;
                        return CST_EFATAL;
                }
                rs->last_flush = now;
        }
        if (p->have_sink && p->sink.ops->poll) /* -z children: reaped, never waited for */
                p->sink.ops->poll(p->sink.priv);
        if (p->req_report) {
                p->req_report = 0;
                if (p->report) {
                        fresh_counters(p, err);
                        p->report(p->report_ctx, &p->st);
                }
        }
        if (o->on_tick && o->tick_ms && now - rs->last_tick >= (uint64_t)o->tick_ms * 1000000u) {
                rs->last_tick = now;
                fresh_counters(p, err);
                o->on_tick(o->tick_ctx, &p->st);
        }
        return CST_OK;
}

/*
 * After the loop: the ring views go back (unless records of the batch wait
 * for the next run), the kernel counters are read.
 */
static void run_end(struct cst_pipeline *p)
{
        char kerr[CST_ERRBUF];
        if (p->src.ops->release && p->batch_pos >= p->batch_n)
                p->src.ops->release(p->src.priv);
        if (p->src.ops->stats)
                p->src.ops->stats(p->src.priv, &p->st.ks, kerr);
        read_engine_counters(p);
}

static int run_loop(struct cst_pipeline *p, struct run_state *rs, char *err)
{
        while ((p->st.stop = check_limits(p, rs)) == CST_STOP_NONE) {
                int rc, n = 0;
                if (p->batch_pos < p->batch_n) { /* what a stopped run left */
                        rc = run_batch(p, rs->o, err);
                } else {
                        n = read_batch(p, rs, err);
                        if (n == CST_CAPTURE_EOF) {
                                p->st.stop = CST_STOP_END_OF_INPUT;
                                return between_batches(p, rs, 0, err);
                        }
                        if (n == CST_ETAIL)
                                count_tail(p);
                        if (n < 0)
                                return n;
                        rc = new_batch(p, rs->o, n, err);
                }
                if (rc < 0)
                        return rc;
                if (rc == CST_OK && p->eng)
                        rc = cst_engine_decision_log_error(p->eng, err);
                if (rc < 0)
                        return rc;
                rc = between_batches(p, rs, n, err);
                if (rc != CST_OK || p->st.stop != CST_STOP_NONE)
                        return rc;
        }
        return between_batches(p, rs, 0, err);
}

int cst_pipeline_run(cst_pipeline *p, const struct cst_run_opts *o, char *err)
{
        struct run_state rs = {o, 0, 0, 0, false};
        rs.clock = o->duration_sec || o->flush_ms || (o->on_tick && o->tick_ms);
        if (rs.clock)
                rs.start = rs.last_flush = rs.last_tick = mono_ns();
        /* SPEC 3.2: the engine settles the snaplen cap with the policy's cut (0 = none) */
        if (p->eng)
                cst_engine_set_snaplen_cap(p->eng,
                                           o->keep_rule == CST_KEEP_SNAPLEN ? p->snap_cap : 0);
        if (p->eng && p->cap) /* issue 19 item 4: the kernel cuts as the engine would */
                pipe_kernel_hint_setup(p,
                                       o->keep_rule == CST_KEEP_SNAPLEN ? p->snap_cap : UINT32_MAX);
        if (p->eng)
                engine_set_seen(p->eng, p->seen); /* NULL unless annotated: nothing recorded */
        p->st.stop = CST_STOP_NONE;
        if (keylog_emit(p, err) != CST_OK) /* what was read at open (a converted file) */
                return CST_EFATAL;
        int rc = run_loop(p, &rs, err);
        if (p->st.stop == CST_STOP_REQUEST)
                p->req_stop = 0; /* handled: a later run goes on */
        run_end(p);
        if (p->file_source) {
                /* the offline stats of SPEC 2.10 */
                struct cst_stats *st = p->est;
                st->total_packets = p->st.packets_total;
                st->total_captured_bytes_read = p->st.bytes_input;
                st->total_original_bytes_read = p->st.bytes_input_wire;
                st->total_captured_bytes_written = p->st.bytes_output;
                st->total_original_bytes_written = p->st.bytes_input_wire;
                if (p->src.format == CST_FORMAT_PCAPNG)
                        st->pcapng_enhanced_packets = p->st.packets_total;
        }
        return rc;
}

struct cst_stats *cst_pipeline_file_stats(cst_pipeline *p)
{
        return p->est;
}
