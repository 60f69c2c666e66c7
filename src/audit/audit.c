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
#include "decode/quic_initial.h"

void cst_audit_options_default(struct cst_audit_options *opt)
{
        opt->keep_record_bytes = 8;
        opt->quic_short_keep = -1;
        opt->no_encrypted_handshake = false;
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

void aud_mark(struct aud_ctx *c, size_t i, uint32_t off, uint32_t len, enum cst_audit_class cls)
{
        struct aud_pkt *p = &c->pk[i];
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

static void add_invariant(struct cst_audit_report *rep, uint64_t pkt, enum cst_audit_invariant k,
                          uint64_t got, uint64_t want, uint32_t offset)
{
        rep->invariant_violations++;
        if (rep->n_invariant >= CST_AUDIT_MAX_REPORTED)
                return;
        struct cst_audit_invariant_violation *v = &rep->invariant[rep->n_invariant++];
        v->packet = pkt;
        v->kind = k;
        v->got = got;
        v->want = want;
        v->offset = offset;
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

static void check_invariants(struct aud_ctx *c, const struct cst_packet *out, size_t n_out)
{
        struct cst_audit_report *rep = c->rep;
        if (n_out != c->n)
                add_invariant(rep, n_out < c->n ? n_out : c->n, CST_AI_PACKET_COUNT, n_out, c->n,
                              0);
        for (size_t i = 0; i < c->n && i < n_out; i++) {
                const struct cst_packet *a = &c->in[i], *b = &out[i];
                if (a->ts_ns != b->ts_ns)
                        add_invariant(rep, i, CST_AI_TIMESTAMP, b->ts_ns, a->ts_ns, 0);
                if (a->origlen != b->origlen)
                        add_invariant(rep, i, CST_AI_ORIGLEN, b->origlen, a->origlen, 0);
                long d = first_difference(a, b);
                if (d >= 0)
                        add_invariant(rep, i, CST_AI_NOT_PREFIX, b->caplen, a->caplen, (uint32_t)d);
                /* a longer or different output keeps nothing trustworthy beyond d */
                uint32_t keep = b->caplen < a->caplen ? b->caplen : a->caplen;
                c->pk[i].out_caplen = d >= 0 && (uint32_t)d < keep ? (uint32_t)d : keep;
                rep->caplen_constricted += b->caplen;
        }
        for (size_t i = c->n; i < n_out; i++)
                rep->caplen_constricted += out[i].caplen;
}

static void mark_packet_frame(struct aud_ctx *c, size_t i)
{
        const struct aud_layers *l = &c->lay[i];
        uint32_t caplen = c->in[i].caplen;
        if (l->kind == AUD_WHOLE || l->truncated) {
                aud_mark(c, i, 0, caplen, CST_AC_WHOLE_PACKET);
                c->pk[i].whole = 1;
                return;
        }
        aud_mark(c, i, 0, l->payload_off, CST_AC_HEADERS);
        c->rep->trailer_bytes += caplen - l->ip_end;
}

static double pct(uint64_t part, uint64_t whole)
{
        return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void summarise(struct aud_ctx *c)
{
        struct cst_audit_report *rep = c->rep;
        for (size_t i = 0; i < c->n; i++) {
                struct aud_pkt *p = &c->pk[i];
                rep->caplen_original += c->in[i].caplen;
                rep->caplen_oracle += p->oracle_end;
                rep->wanted_loss_packets += p->wanted_lost;
                if (!p->lost_bytes)
                        continue;
                if (rep->loss_packets++ >= CST_AUDIT_MAX_REPORTED)
                        continue;
                struct cst_audit_loss *x = &rep->loss[rep->n_loss++];
                x->packet = i;
                x->cls = p->lost_cls;
                x->offset = p->first_lost;
                x->last = p->oracle_end;
                x->caplen_out = p->out_caplen;
                x->lost_bytes = p->lost_bytes;
        }
        uint64_t in = rep->caplen_original;
        rep->saved_pct = in ? 100.0 - pct(rep->caplen_constricted, in) : 0.0;
        rep->oracle_saved_pct = in ? 100.0 - pct(rep->caplen_oracle, in) : 0.0;
        uint64_t oracle_saving = in - rep->caplen_oracle;
        double saving = (double)in - (double)rep->caplen_constricted;
        rep->efficiency_pct = oracle_saving ? 100.0 * saving / (double)oracle_saving : -1.0;
}

int cst_audit_packets(uint32_t linktype, const struct cst_packet *orig, size_t n_orig,
                      const struct cst_packet *out, size_t n_out,
                      const struct cst_audit_options *opt, struct cst_audit_report *rep, char *err)
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
        rep->packets_original = n_orig;
        rep->packets_constricted = n_out;
        struct aud_ctx c = {opt, NULL, linktype, orig, n_orig, NULL, NULL, rep, err};
        c.qi = quic_initial_new(err);
        if (!c.qi)
                return CST_EFATAL;
        c.lay = calloc(n_orig ? n_orig : 1, sizeof(*c.lay));
        c.pk = calloc(n_orig ? n_orig : 1, sizeof(*c.pk));
        int rc = CST_ENOMEM;
        if (!c.lay || !c.pk) {
                snprintf(err, CST_ERRBUF, "out of memory for %zu packets", n_orig);
                goto out_free;
        }
        for (size_t i = 0; i < n_orig; i++) {
                c.pk[i].first_lost = UINT32_MAX;
                aud_decode(linktype, orig[i].data, orig[i].caplen, orig[i].origlen, &c.lay[i]);
        }
        check_invariants(&c, out, n_out);
        for (size_t i = 0; i < n_orig; i++)
                mark_packet_frame(&c, i);
        rc = aud_tcp_classify(&c);
        if (rc == 0)
                rc = aud_quic_classify(&c);
        if (rc == 0)
                summarise(&c);
out_free:
        quic_initial_free(c.qi);
        free(c.lay);
        free(c.pk);
        return rc;
}
