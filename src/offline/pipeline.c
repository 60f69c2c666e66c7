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
#include "offline/pipeline.h"
#include "util/input.h"

static int open_source(struct offline_run *r, const char *path, char *err)
{
        int rc = format_source_open(&r->src, path, err);
        if (rc != CST_OK)
                return rc;
        r->in_off = r->src.format == CST_FORMAT_PCAP ? PCAP_GLOBAL_HEADER_LEN : 0;
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
 * constrict of a whole file: the pipeline (src/pipeline/) with a file source,
 * the engine and a same-format file sink.  Stats are filled in every case.
 */
int cst_constrict_file(const char *in, const char *out, const struct cst_config *cfg,
                       const char *decision_log, struct cst_stats *st, char *err)
{
        cst_pipeline *p = NULL;
        struct cst_run_opts ro = {0};
        char cerr[CST_ERRBUF];
        memset(st, 0, sizeof(*st));
        int rc = cst_pipeline_open_file(&p, in, err);
        if (rc == CST_OK)
                rc = cst_pipeline_set_engine(p, cfg, err);
        if (rc == CST_OK)
                rc = cst_pipeline_output_file(p, out, err);
        if (rc == CST_OK && decision_log)
                rc = cst_engine_open_decision_log(cst_pipeline_engine(p), decision_log, err);
        if (rc == CST_OK)
                rc = cst_pipeline_run(p, &ro, err);
        if (decision_log && p && cst_pipeline_engine(p) && rc != CST_EFATAL && rc != CST_ENOMEM &&
            cst_engine_close_decision_log(cst_pipeline_engine(p), cerr) != CST_OK) {
                memcpy(err, cerr, CST_ERRBUF);
                rc = CST_EFATAL;
        }
        if (p) {
                *st = *cst_pipeline_file_stats(p);
                st->tls_policy = (int)cfg->tls_policy;
        }
        if (cst_pipeline_close(p, cerr) != CST_OK && rc != CST_EFATAL && rc != CST_ENOMEM) {
                memcpy(err, cerr, CST_ERRBUF);
                rc = CST_EFATAL;
        }
        return rc;
}
