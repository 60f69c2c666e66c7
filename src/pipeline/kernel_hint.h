/* kernel_hint — the engine's verdicts told to a capture that cuts in the kernel (kernel_hint.c). */
#ifndef CST_PIPELINE_KERNEL_HINT_H
#define CST_PIPELINE_KERNEL_HINT_H

#include "capture/kernel_cut.h"
#include "pipeline/pipeline_int.h"

/* At run start: on for an eBPF capture under `track`; snap = the engine's snaplen cap. */
void pipe_kernel_hint_setup(struct cst_pipeline *p, uint32_t snap);
/* After the engine decided the batch's n records. */
void pipe_kernel_hints(struct cst_pipeline *p, unsigned n);

/*
 * A whole packet the engine e cut with verdict v under `track`: true when
 * it is what the kernel cuts the same way, and what to hand over.  TLS
 * (keep_record = KR >= 5): an AppData record starting the segment and
 * covering it; the direction and the boundary the engine expects now.
 * QUIC (short_keep = short_header_keep_packet_bytes): a short header
 * starting a datagram; the direction, its DCID and keep length.
 */
bool kernel_hint_tls(const cst_engine *e, const struct cst_packet *pkt, const struct cst_verdict *v,
                     uint32_t keep_record, struct kc_tls_flow *f);
bool kernel_hint_quic(const cst_engine *e, const struct cst_packet *pkt,
                      const struct cst_verdict *v, uint32_t short_keep, struct kc_quic_flow *f);

#endif
