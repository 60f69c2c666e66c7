/*
 * audit — invariant checks and the needed-byte accounting (see
 * include/constrictor/audit.h and docs/audit.md).
 *
 * Every classifier reports needed bytes through aud_mark(); this file turns
 * them into per-class needed/kept/lost counts, the oracle keep length of each
 * packet, and the list of the first packets that lost needed bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"
#include "audit/audit_load.h"
#include "decode/quic_initial.h"

void cst_audit_options_default(struct cst_audit_options *opt)
{
        opt->keep_record_bytes = 8;
        opt->quic_short_keep = -1;
        opt->no_encrypted_handshake = false;
        opt->memory_budget = 0;
        opt->progress = NULL;
        opt->progress_ctx = NULL;
}

const char *cst_audit_class_name(enum cst_audit_class c)
{
        static const char *const names[CST_AC_COUNT] = {
            "headers",      "tls_record_header",         "tls_handshake",          "tls_appdata_kr",
            "non_tls_tcp",  "quic_long_header",          "quic_short_first_bytes", "other_udp",
            "whole_packet", "tls13_encrypted_handshake",
        };
        return (unsigned)c < CST_AC_COUNT ? names[c] : "?";
}

bool cst_audit_class_required(enum cst_audit_class c)
{
        return c != CST_AC_TLS13_ENC_HANDSHAKE;
}

const char *cst_audit_invariant_name(enum cst_audit_invariant k)
{
        switch (k) {
        case CST_AI_PACKET_COUNT:
                return "packet_count";
        case CST_AI_TIMESTAMP:
                return "timestamp";
        case CST_AI_ORIGLEN:
                return "original_length";
        case CST_AI_NOT_PREFIX:
                return "not_a_prefix";
        case CST_AI_LINKTYPE:
                return "link_type";
        }
        return "?";
}

bool cst_audit_passed(const struct cst_audit_report *rep)
{
        return rep->invariant_violations == 0 && rep->loss_packets == 0;
}

void aud_mark(struct aud_ctx *c, struct aud_pkt *p, uint32_t off, uint32_t len,
              enum cst_audit_class cls)
{
        if (len == 0 || p->whole)
                return;
        uint32_t end = off + len;
        struct cst_audit_class_stats *s = &c->rep->cls[cls];
        uint32_t kept = p->out_caplen <= off ? 0 : p->out_caplen >= end ? len : p->out_caplen - off;
        s->needed += len;
        s->kept += kept;
        if (end > p->oracle_end)
                p->oracle_end = end;
        if (kept == len)
                return;
        s->lost += len - kept;
        if (!cst_audit_class_required(cls)) {
                p->wanted_lost = 1; /* in the oracle, not in the verdict */
                return;
        }
        p->lost_bytes += len - kept;
        uint32_t first = off + kept;
        if (first < p->first_lost) {
                p->first_lost = first;
                p->lost_cls = (uint8_t)cls;
        }
}

/* Packets finish out of order (TCP waits for its connection): the list keeps
 * the CST_AUDIT_MAX_REPORTED lowest packet numbers, in order. */
static void add_loss(struct cst_audit_report *rep, const struct aud_pkt *p)
{
        uint32_t n = rep->n_loss, at = n;
        while (at > 0 && rep->loss[at - 1].packet > p->index)
                at--;
        if (at >= CST_AUDIT_MAX_REPORTED)
                return;
        if (n == CST_AUDIT_MAX_REPORTED)
                n--; /* the highest falls off */
        memmove(&rep->loss[at + 1], &rep->loss[at], (n - at) * sizeof(rep->loss[0]));
        rep->n_loss = n + 1;
        rep->loss[at] = (struct cst_audit_loss){p->index,      p->lost_cls,   p->first_lost,
                                                p->oracle_end, p->out_caplen, p->lost_bytes};
}

void aud_finish_packet(struct aud_ctx *c, const struct aud_pkt *p)
{
        struct cst_audit_report *rep = c->rep;
        rep->caplen_original += p->caplen;
        rep->caplen_oracle += p->oracle_end;
        rep->wanted_loss_packets += p->wanted_lost;
        if (!p->lost_bytes)
                return;
        rep->loss_packets++;
        add_loss(rep, p);
}

static void add_invariant(struct cst_audit_report *rep, uint64_t pkt, enum cst_audit_invariant k,
                          uint64_t got, uint64_t want, uint32_t offset)
{
        rep->invariant_violations++;
        if (rep->n_invariant >= CST_AUDIT_MAX_REPORTED)
                return;
        rep->invariant[rep->n_invariant++] =
            (struct cst_audit_invariant_violation){pkt, k, offset, got, want};
}

/* First differing byte of the output against the input, or -1. */
static long first_difference(const struct cst_packet *a, const struct cst_packet *b)
{
        uint32_t n = a->caplen < b->caplen ? a->caplen : b->caplen;
        for (uint32_t k = 0; k < n; k++)
                if (a->data[k] != b->data[k])
                        return (long)k;
        return b->caplen > a->caplen ? (long)a->caplen : -1;
}

/* The invariants of packet i; returns how many of its bytes the output kept
 * trustworthily (b NULL: the output has no packet i). */
static uint32_t check_pair(struct aud_ctx *c, uint64_t i, const struct cst_packet *a,
                           const struct cst_packet *b, bool *linktype_reported)
{
        struct cst_audit_report *rep = c->rep;
        if (!b)
                return 0;
        rep->caplen_constricted += b->caplen;
        if (a->ts_ns != b->ts_ns)
                add_invariant(rep, i, CST_AI_TIMESTAMP, b->ts_ns, a->ts_ns, 0);
        if (a->origlen != b->origlen)
                add_invariant(rep, i, CST_AI_ORIGLEN, b->origlen, a->origlen, 0);
        long d = first_difference(a, b);
        if (d >= 0)
                add_invariant(rep, i, CST_AI_NOT_PREFIX, b->caplen, a->caplen, (uint32_t)d);
        if (a->linktype != b->linktype && !*linktype_reported) {
                add_invariant(rep, i, CST_AI_LINKTYPE, b->linktype, a->linktype, 0);
                *linktype_reported = true;
        }
        /* a longer or different output keeps nothing trustworthy beyond d */
        uint32_t keep = b->caplen < a->caplen ? b->caplen : a->caplen;
        return d >= 0 && (uint32_t)d < keep ? (uint32_t)d : keep;
}

/* The packet count is known last but reported first, as it explains the rest. */
static void count_invariant(struct cst_audit_report *rep)
{
        uint64_t a = rep->packets_original, b = rep->packets_constricted;
        if (a == b)
                return;
        rep->invariant_violations++;
        uint32_t n = rep->n_invariant < CST_AUDIT_MAX_REPORTED ? rep->n_invariant
                                                               : CST_AUDIT_MAX_REPORTED - 1;
        memmove(&rep->invariant[1], &rep->invariant[0], n * sizeof(rep->invariant[0]));
        rep->invariant[0] =
            (struct cst_audit_invariant_violation){b < a ? b : a, CST_AI_PACKET_COUNT, 0, b, a};
        rep->n_invariant = n + 1;
}

/* One original packet: its frame, then the classifier of its transport. */
static int classify_packet(struct aud_ctx *c, const struct cst_packet *a, struct aud_pkt *p)
{
        struct aud_layers l;
        aud_decode(a->linktype, a->data, a->caplen, a->origlen, &l);
        if (l.kind == AUD_WHOLE || l.truncated) {
                aud_mark(c, p, 0, a->caplen, CST_AC_WHOLE_PACKET);
                p->whole = 1;
                aud_finish_packet(c, p);
                return 0;
        }
        aud_mark(c, p, 0, l.payload_off, CST_AC_HEADERS);
        c->rep->trailer_bytes += a->caplen - l.ip_end;
        if (l.kind == AUD_UDP) {
                if (l.payload_len)
                        aud_quic_classify(c, &l, a->data, p);
                aud_finish_packet(c, p);
                return 0;
        }
        c->now = a->ts_ns;
        return aud_tcp_packet(c, &l, a->data, p);
}

/* First pass over the original: the QUIC servers. */
/* The progress callback every PROGRESS_EVERY packets of the original (both passes). */
#define PROGRESS_EVERY 4096
static void progress(struct aud_ctx *c, const struct cst_packet *a)
{
        c->prog_packets++;
        c->prog_bytes += a->caplen;
        if (c->opt->progress && c->prog_packets % PROGRESS_EVERY == 0)
                c->opt->progress(c->opt->progress_ctx, c->prog_packets, c->prog_bytes);
}

static int learn_quic(struct aud_ctx *c, struct aud_input *orig)
{
        const struct cst_packet *a;
        int rc;
        while ((rc = aud_input_next(orig, &a, c->err)) == 1) {
                progress(c, a);
                struct aud_layers l;
                aud_decode(a->linktype, a->data, a->caplen, a->origlen, &l);
                if (l.kind == AUD_UDP && !l.truncated && l.payload_len &&
                    aud_quic_learn(c, &l, a->data) != 0)
                        return CST_ENOMEM;
        }
        return rc < 0 ? rc : aud_input_rewind(orig, c->err);
}

/* Second pass: both inputs in step. */
static int audit_pass(struct aud_ctx *c, struct aud_input *orig, struct aud_input *out)
{
        const struct cst_packet *a, *b;
        bool linktype_reported = false, out_done = false;
        int rc, rb = 0;
        uint64_t i = 0;
        while ((rc = aud_input_next(orig, &a, c->err)) == 1) {
                progress(c, a);
                b = NULL;
                if (!out_done && (rb = aud_input_next(out, &b, c->err)) != 1) {
                        if (rb < 0)
                                return rb;
                        out_done = true;
                        b = NULL;
                }
                struct aud_pkt p = {.index = i, .caplen = a->caplen, .first_lost = UINT32_MAX};
                p.out_caplen = check_pair(c, i, a, b, &linktype_reported);
                if ((rc = classify_packet(c, a, &p)) != 0)
                        return rc;
                i++;
        }
        if (rc < 0)
                return rc;
        c->rep->packets_original = i;
        while (!out_done && (rb = aud_input_next(out, &b, c->err)) == 1)
                c->rep->caplen_constricted += b->caplen;
        if (rb < 0)
                return rb;
        c->rep->packets_constricted = out->count;
        return aud_tcp_finish(c);
}

static double pct(uint64_t part, uint64_t whole)
{
        return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void summarise(struct cst_audit_report *rep)
{
        count_invariant(rep);
        uint64_t in = rep->caplen_original;
        rep->saved_pct = in ? 100.0 - pct(rep->caplen_constricted, in) : 0.0;
        rep->oracle_saved_pct = in ? 100.0 - pct(rep->caplen_oracle, in) : 0.0;
        uint64_t oracle_saving = in - rep->caplen_oracle;
        double saving = (double)in - (double)rep->caplen_constricted;
        rep->efficiency_pct = oracle_saving ? 100.0 * saving / (double)oracle_saving : -1.0;
}

static int audit_inputs(struct aud_input *orig, struct aud_input *out,
                        const struct cst_audit_options *opt, struct cst_audit_report *rep,
                        char *err)
{
        struct cst_audit_options defaults;
        if (!opt) {
                cst_audit_options_default(&defaults);
                opt = &defaults;
        }
        if (opt->keep_record_bytes < 5) {
                snprintf(err, CST_ERRBUF, "keep-record-bytes must be at least 5 (got %u)",
                         opt->keep_record_bytes);
                return CST_EFATAL;
        }
        memset(rep, 0, sizeof(*rep));
        struct aud_ctx c = {.opt = opt, .rep = rep, .err = err};
        c.mem_budget = opt->memory_budget ? opt->memory_budget : CST_AUDIT_DEFAULT_MEMORY;
        c.qi = quic_initial_new(err);
        if (!c.qi)
                return CST_EFATAL;
        int rc = aud_quic_new(&c);
        if (rc == 0)
                rc = aud_tcp_new(&c);
        if (rc == 0)
                rc = learn_quic(&c, orig);
        if (rc == 0)
                rc = audit_pass(&c, orig, out);
        if (rc == 0)
                summarise(rep);
        if (rc == CST_ENOMEM && !err[0])
                snprintf(err, CST_ERRBUF, "out of memory");
        aud_tcp_free(&c);
        aud_quic_free(&c);
        quic_initial_free(c.qi);
        return rc;
}

int cst_audit_packets(uint32_t linktype, const struct cst_packet *orig, size_t n_orig,
                      const struct cst_packet *out, size_t n_out,
                      const struct cst_audit_options *opt, struct cst_audit_report *rep, char *err)
{
        struct aud_input a, b;
        aud_input_open_mem(&a, linktype, orig, n_orig);
        aud_input_open_mem(&b, linktype, out, n_out);
        return audit_inputs(&a, &b, opt, rep, err);
}

int cst_audit_files(const char *original, const char *constricted,
                    const struct cst_audit_options *opt, struct cst_audit_report *rep, char *err)
{
        struct aud_input a, b;
        int rc = aud_input_open_file(&a, original, err);
        if (rc != 0)
                return rc;
        rc = aud_input_open_file(&b, constricted, err);
        if (rc == 0) {
                rc = audit_inputs(&a, &b, opt, rep, err);
                aud_input_close(&b);
        }
        aud_input_close(&a);
        if (rc == 0) {
                snprintf(rep->original_tail, sizeof(rep->original_tail), "%.199s", a.tail);
                snprintf(rep->constricted_tail, sizeof(rep->constricted_tail), "%.199s", b.tail);
        }
        return rc;
}
