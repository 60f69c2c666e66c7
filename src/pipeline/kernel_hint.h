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
 * A whole packet the engine e cut with verdict v under `track`
 * (short_keep = short_header_keep_packet_bytes): true when it is a QUIC
 * short header the kernel can cut the same way, and what to hand over.
 */
bool kernel_hint_quic(const cst_engine *e, const struct cst_packet *pkt,
                      const struct cst_verdict *v, uint32_t short_keep, struct kc_quic_flow *f);

#endif
