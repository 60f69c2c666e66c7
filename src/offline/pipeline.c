/*
 * The offline pipeline (SPEC 2.3 "order of work", 2.5, 2.9): reader →
 * writer → decision log → per-packet loop → close, for constrict and
 * reinflate.  Tail and fatal semantics: every record before an incomplete
 * tail is written and the output closed before CST_ETAIL is returned; a
 * fatal error leaves the prefix already written.
 */
#include <stdio.h>
#include <string.h>

#include <constrictor/constrictor.h>

#include "format/pcap.h"
#include "format/pcapng.h"
#include "offline/offline_int.h"
#include "offline/pipeline.h"
#include "util/input.h"

static int open_source(struct offline_run *r, const char *path, char *err)
{
        struct input in;
        int rc = input_open(&in, path, err);
        if (rc != CST_OK)
                return rc;
        uint64_t avail = 0;
        enum cst_file_format fmt;
        const uint8_t *m = input_peek(&in, 0, 4, true, &avail);
        if (!m) {
                input_close(&in);
                snprintf(err, CST_ERRBUF, "input file is too small to detect capture format");
                return CST_EFATAL;
        }
        if (offline_format_from_magic(m, &fmt) != CST_OK) {
                input_close(&in);
                snprintf(err, CST_ERRBUF, "unsupported input capture format");
                return CST_EFATAL;
        }
        if (fmt == CST_FORMAT_PCAP) {
                rc = pcap_source_open_input(&r->src, &in, err);
                r->in_off = PCAP_GLOBAL_HEADER_LEN;
        } else {
                rc = pcapng_source_open_input(&r->src, &in, err);
                r->in_off = 0;
        }
        if (rc != CST_OK)
                return rc;
        r->have_src = true;
        return CST_OK;
}

static int open_sink(struct offline_run *r, const char *path, char *err)
{
        int rc;
        if (r->src.format == CST_FORMAT_PCAP)
                rc = pcap_sink_open(&r->sink, path, r->src.pcap_header, err);
        else
                rc = pcapng_sink_open(&r->sink, path, err);
        if (rc == CST_OK)
                r->have_sink = true;
        return rc;
}

int offline_open(struct offline_run *r, const char *in, const char *out, struct cst_stats *st,
                 const struct cst_config *cfg, char *err)
{
        memset(r, 0, sizeof(*r));
        r->st = st;
        int rc = open_source(r, in, err);
        if (rc != CST_OK)
                return rc;
        st->input_pcapng = r->src.format == CST_FORMAT_PCAPNG;
        st->input_nsec = r->src.nsec;
        st->input_big_endian = r->src.big_endian;
        st->input_linktype = r->src.linktype;
        st->input_snaplen = r->src.snaplen;
        st->tls_policy = (int)cfg->tls_policy;
        return open_sink(r, out, err);
}

void offline_count_block(struct offline_run *r, const struct cst_packet *p)
{
        if (p->flags & CST_PKT_SHB) {
                if (!r->saw_shb && p->caplen >= 12)
                        r->st->input_big_endian = p->data[8] == 0x1A;
                r->saw_shb = true;
        } else if (!(p->flags & CST_PKT_IDB)) {
                r->st->pcapng_unknown_blocks_copied++;
        }
        r->in_off += p->caplen;
}

/* Input offset bookkeeping for a packet record (messages name it). */
void offline_advance(struct offline_run *r, const struct cst_packet *p)
{
        if (r->src.format == CST_FORMAT_PCAP)
                r->in_off += PCAP_RECORD_HEADER_LEN + (uint64_t)p->caplen;
        else
                r->in_off += 32 + (((uint64_t)p->caplen + 3) & ~(uint64_t)3) + p->opts_len;
        r->index++;
}

/* Tail counters of SPEC 2.3 (classic) / 2.4 (pcapng). */
static void count_tail(struct offline_run *r)
{
        struct cst_source_tail t = {0};
        if (r->src.ops->tail)
                r->src.ops->tail(r->src.priv, &t);
        if (!t.present)
                return;
        r->st->input_incomplete_tail = 1;
        r->st->input_trailing_unprocessed_bytes += t.trailing_bytes;
        if (t.packet_record) {
                r->st->input_incomplete_packet_records = 1;
                r->st->input_missing_packet_payload_bytes += t.missing_bytes;
        }
}

int offline_close(struct offline_run *r, int rc, char *err)
{
        char cerr[CST_ERRBUF];
        if (rc == CST_ETAIL)
                count_tail(r);
        if (r->have_sink) {
                int crc = r->sink.ops->close(r->sink.priv, cerr);
                r->have_sink = false;
                if (crc != CST_OK && rc != CST_EFATAL && rc != CST_ENOMEM) {
                        memcpy(err, cerr, CST_ERRBUF);
                        rc = crc;
                }
        }
        if (r->have_src) {
                r->src.ops->close(r->src.priv);
                r->have_src = false;
        }
        return rc;
}

/*
 * Constrict one batch: engine verdicts for the whole batch (the engine
 * pipelines its memory accesses across it), then counters and sink in order.
 */
static int constrict_batch(struct offline_run *r, cst_engine *eng, const struct cst_packet *recs,
                           int n, char *err)
{
        struct cst_stats *st = r->st;
        struct cst_verdict v[OFFLINE_BATCH];
        cst_engine_process_batch(eng, recs, (unsigned)n, v);
        for (int i = 0; i < n; i++) {
                const struct cst_packet *p = &recs[i];
                uint32_t keep = p->caplen;
                if (p->kind == CST_REC_PACKET) {
                        keep = v[i].keep_len < p->caplen ? v[i].keep_len : p->caplen;
                        st->total_packets++;
                        st->total_captured_bytes_read += p->caplen;
                        st->total_original_bytes_read += p->origlen;
                        st->total_captured_bytes_written += keep;
                        st->total_original_bytes_written += p->origlen;
                        if (r->src.format == CST_FORMAT_PCAPNG)
                                st->pcapng_enhanced_packets++;
                        offline_advance(r, p);
                } else {
                        offline_count_block(r, p);
                }
                int rc = r->sink.ops->write(r->sink.priv, p, keep, err);
                if (rc != CST_OK)
                        return rc;
        }
        return CST_OK;
}

static int constrict_loop(struct offline_run *r, cst_engine *eng, char *err)
{
        struct cst_packet recs[OFFLINE_BATCH];
        for (;;) {
                int n = r->src.ops->next_batch(r->src.priv, recs, OFFLINE_BATCH, err);
                if (n <= 0)
                        return n;
                int rc = constrict_batch(r, eng, recs, n, err);
                if (rc == CST_OK)
                        rc = cst_engine_decision_log_error(eng, err);
                if (rc != CST_OK)
                        return rc;
        }
}

int cst_constrict_file(const char *in, const char *out, const struct cst_config *cfg,
                       const char *decision_log, struct cst_stats *st, char *err)
{
        struct offline_run r;
        memset(st, 0, sizeof(*st));
        cst_engine *eng = cst_engine_new(cfg, err);
        if (!eng)
                return CST_EFATAL;
        struct cst_stats *est = cst_engine_stats(eng);
        int rc = offline_open(&r, in, out, est, cfg, err);
        if (rc == CST_OK && decision_log)
                rc = cst_engine_open_decision_log(eng, decision_log, err);
        if (rc == CST_OK)
                rc = constrict_loop(&r, eng, err);
        if (decision_log && rc != CST_EFATAL && rc != CST_ENOMEM) {
                char lerr[CST_ERRBUF];
                int lrc = cst_engine_close_decision_log(eng, lerr);
                if (lrc != CST_OK) {
                        memcpy(err, lerr, CST_ERRBUF);
                        rc = lrc;
                }
        }
        rc = offline_close(&r, rc, err);
        *st = *est;
        cst_engine_free(eng);
        return rc;
}
