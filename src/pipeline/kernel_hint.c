/*
 * kernel_hint — from the engine's verdicts to a capture that can cut in
 * the kernel (capture/kernel_cut.h, the eBPF backend), for the `track`
 * policy only.
 *
 * A verdict "truncate.tls_track" on a segment whose payload starts with an
 * Application Data record header (RFC 8446 §5.1) covering the whole
 * segment, cut at headers + min(KR, payload), says that the engine was
 * synchronised at that header of a proven connection: the direction's next
 * record header is at seq + 5 + length.  That boundary is handed to the
 * kernel, which then cuts such segments itself (bpf/cut.bpf.c).  Runs
 * after the engine on each batch, only for such a capture; a few decodes
 * per batch, no allocation.
 */
#include "pipeline/kernel_hint.h"

#include <string.h>

#include "capture/kernel_cut.h"
#include "decode/decode.h"
#include "util/rd.h"

void pipe_kernel_hint_setup(struct cst_pipeline *p, uint32_t snap)
{
        p->kernel_hints = p->cap && p->hint_track && capture_kernel_cut_on(p->cap);
        if (!p->kernel_hints)
                return;
        struct kc_params kp = {p->hint_keep, p->hint_min_saved, snap, p->hint_ports.any,
                               p->hint_ports.bits};
        capture_kernel_cut_params(p->cap, &kp);
}

/* The flow direction of a cut TLS segment and its next header; false if not the simple case. */
static bool simple_case(const struct cst_pipeline *p, const struct cst_packet *pkt,
                        const struct cst_verdict *v, struct kc_tls_flow *f)
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
        if (v->keep_len != d.payload_off + (p->hint_keep < n ? p->hint_keep : n))
                return false;
        memset(f, 0, sizeof(*f));
        memcpy(f->src, d.src, d.addr_len);
        memcpy(f->dst, d.dst, d.addr_len);
        f->family = d.addr_len == 4 ? 4 : 6;
        f->sport = d.sport;
        f->dport = d.dport;
        f->next_hdr = d.seq + 5u + len;
        return true;
}

void pipe_kernel_hints(struct cst_pipeline *p, unsigned n)
{
        for (unsigned i = 0; i < n; i++) {
                struct kc_tls_flow f;
                const struct cst_packet *pkt = &p->recs[i];
                /* a packet the kernel cut: it already follows that flow */
                if (p->v[i].reason != CST_R_TRUNCATE_TLS_TRACK || pkt->kind != CST_REC_PACKET ||
                    (pkt->flags & CST_PKT_KERNEL_CUT))
                        continue;
                if (simple_case(p, pkt, &p->v[i], &f))
                        capture_kernel_tls(p->cap, &f, pkt->ts_ns);
        }
}
