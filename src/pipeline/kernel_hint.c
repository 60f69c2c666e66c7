/*
 * kernel_hint — from the engine's verdicts to a capture that can cut in
 * the kernel (capture/kernel_cut.h, the eBPF backend), for the `track`
 * policy only.
 *
 * A verdict "truncate.tls_track" on a segment whose payload starts with an
 * Application Data record header (RFC 8446 §5.1) covering the whole
 * segment, cut at headers + min(KR, payload), says that the engine was
 * synchronised at that header of a proven connection.  The boundary the
 * engine expects after the batch (engine_peek.h: a split header's first
 * bytes too) is handed to the kernel, which then follows the direction
 * and cuts such segments itself (bpf/cut.bpf.c).
 *
 * A verdict "truncate.quic_short_header" on a datagram that starts with a
 * short header, cut at payload + min(n, keep), hands the direction over
 * with the DCID the engine matched (the peer's SCID it learned: its length
 * read from the engine's flow, engine_peek.h) and that keep length; the
 * kernel then cuts the direction's next short headers with that DCID, until
 * a long header of the flow may have taught the engine another one.
 *
 * Runs after the engine on each batch, only for such a capture; a few
 * decodes per batch, no allocation.
 */
#include "pipeline/kernel_hint.h"

#include <string.h>

#include "capture/kernel_cut.h"
#include "decode/decode.h"
#include "policy/engine_peek.h"
#include "util/rd.h"

void pipe_kernel_hint_setup(struct cst_pipeline *p, uint32_t snap)
{
        p->kernel_hints =
            p->cap && (p->hint_track || p->hint_quic) && capture_kernel_cut_on(p->cap);
        if (!p->kernel_hints)
                return;
        struct kc_params kp = {p->hint_keep,      p->hint_min_saved,  snap,
                               p->hint_ports.any, p->hint_ports.bits, p->hint_track,
                               p->hint_quic,      p->hint_idle};
        capture_kernel_cut_params(p->cap, &kp);
}

bool kernel_hint_tls(const cst_engine *e, const struct cst_packet *pkt, const struct cst_verdict *v,
                     uint32_t keep_record, struct kc_tls_flow *f)
{
        struct decoded d;
        decode_packet(pkt->linktype, pkt->data, pkt->caplen, 0, &d);
        if (d.status != DEC_OK || d.transport != 6 || (d.tcp_flags & 0x07u))
                return false;
        uint32_t n = d.payload_len; /* on the wire: a kernel-cut payload ran to the end */
        if ((pkt->flags & CST_PKT_KERNEL_CUT) && d.payload_off + n == pkt->caplen)
                n += pkt->origlen - pkt->caplen;
        struct rd fr = rd_init(pkt->data, pkt->caplen);
        struct rd h = rd_window(&fr, d.payload_off, 5);
        uint8_t type = rd_u8(&h);
        uint16_t version = rd_be16(&h), len = rd_be16(&h);
        if (h.err || type != 23 || version != 0x0303 || 5u + len < n)
                return false;
        if (v->keep_len != d.payload_off + (keep_record < n ? keep_record : n))
                return false;
        uint8_t have = 0, hdr[4];
        memset(f, 0, sizeof(*f));
        /* the boundary the engine expects now, after the whole batch: the
         * kernel is at least that far, and a boundary it passed already
         * would make it forget the direction at its next segment */
        if (!engine_tls_boundary(e, pkt, &f->next_hdr, &have, hdr))
                return false;
        f->part_len = have;
        f->part_hi = have == 4 ? hdr[3] : 0;
        memcpy(f->src, d.src, d.addr_len);
        memcpy(f->dst, d.dst, d.addr_len);
        f->family = d.addr_len == 4 ? 4 : 6;
        f->sport = d.sport;
        f->dport = d.dport;
        return true;
}

/*
 * A DCID length the kernel cuts by: the engine looks for later GSO
 * datagrams in the payload only with DCIDs of 4 bytes or more
 * (quic_learn.c last_gso_segment); the kernel does not scan, so it takes
 * DCIDs the engine does not scan for (< 4) and those whose false match in
 * encrypted bytes is beyond practice (>= 8: 2^-65 per byte).
 */
static bool dcid_len_cuttable(uint8_t dlen)
{
        return dlen < 4 || (dlen >= 8 && dlen <= 20);
}

bool kernel_hint_quic(const cst_engine *e, const struct cst_packet *pkt,
                      const struct cst_verdict *v, uint32_t short_keep, struct kc_quic_flow *f)
{
        struct decoded d;
        uint8_t dlen = 0;
        bool any = false;
        if (pkt->caplen != pkt->origlen || pkt->gso_size)
                return false;
        decode_packet(pkt->linktype, pkt->data, pkt->caplen, 0, &d);
        uint32_t n = d.payload_len;
        if (d.status != DEC_OK || d.transport != 17 || n > KC_QUIC_MAX_DGRAM ||
            d.payload_off + n != pkt->caplen)
                return false;
        struct rd fr = rd_init(pkt->data, pkt->caplen);
        struct rd pl = rd_window(&fr, d.payload_off, n);
        uint8_t first = rd_u8(&pl);
        if (pl.err || (first & 0x80u) || !engine_quic_dcid(e, pkt, &dlen, &any) ||
            !dcid_len_cuttable(dlen) || n < 1u + dlen)
                return false;
        uint32_t keep = short_keep > 1u + dlen ? short_keep : 1u + dlen;
        if (v->keep_len != d.payload_off + (keep < n ? keep : n))
                return false; /* not the cut the kernel makes (a later GSO datagram, the cap) */
        memset(f, 0, sizeof(*f));
        memcpy(f->src, d.src, d.addr_len);
        memcpy(f->dst, d.dst, d.addr_len);
        f->family = d.addr_len == 4 ? 4 : 6;
        f->sport = d.sport;
        f->dport = d.dport;
        f->dlen = dlen;
        const uint8_t *dcid = rd_ptr(&pl, dlen); /* the DCID the engine matched (or, any: saw) */
        if (dlen && dcid)
                memcpy(f->dcid, dcid, dlen);
        f->keep = keep;
        f->ts_ns = pkt->ts_ns;
        return true;
}

void pipe_kernel_hints(struct cst_pipeline *p, unsigned n)
{
        for (unsigned i = 0; i < n; i++) {
                const struct cst_packet *pkt = &p->recs[i];
                unsigned why = p->v[i].reason;
                /* a packet the kernel cut: it already follows that flow */
                if (pkt->kind != CST_REC_PACKET || (pkt->flags & CST_PKT_KERNEL_CUT))
                        continue;
                if (why == CST_R_TRUNCATE_TLS_TRACK && p->hint_track) {
                        struct kc_tls_flow f;
                        if (kernel_hint_tls(p->eng, pkt, &p->v[i], p->hint_keep, &f))
                                capture_kernel_tls(p->cap, &f, pkt->ts_ns);
                } else if (why == CST_R_TRUNCATE_QUIC_SHORT_HEADER && p->hint_quic) {
                        struct kc_quic_flow f;
                        if (kernel_hint_quic(p->eng, pkt, &p->v[i], p->hint_short_keep, &f))
                                capture_kernel_quic(p->cap, &f);
                }
        }
}
