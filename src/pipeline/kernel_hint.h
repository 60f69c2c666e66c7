/* kernel_hint — the engine's verdicts told to a capture that cuts in the kernel (kernel_hint.c). */
#ifndef CST_PIPELINE_KERNEL_HINT_H
#define CST_PIPELINE_KERNEL_HINT_H

#include "pipeline/pipeline_int.h"

/* At run start: on for an eBPF capture under `track`; snap = the engine's snaplen cap. */
void pipe_kernel_hint_setup(struct cst_pipeline *p, uint32_t snap);
/* After the engine decided the batch's n records. */
void pipe_kernel_hints(struct cst_pipeline *p, unsigned n);

#endif
