/*
 * annotate — the engine's side of annotated output (issue 20): the
 * pipeline hands the engine one struct pkt_seen per batch slot, and the
 * analysers fill in the record boundaries they walk in each packet.  Off
 * (NULL) by default: the analysers then record nothing.
 */
#ifndef CST_POLICY_ANNOTATE_H
#define CST_POLICY_ANNOTATE_H

#include <constrictor/engine.h>

#include "decode/seen.h"

/*
 * seen: an array with one entry per packet of the largest batch given to
 * cst_engine_process_batch (entry 0 for cst_engine_process), or NULL to
 * stop.  Entry i describes packet i of the last batch until the next call.
 */
void engine_set_seen(cst_engine *e, struct pkt_seen *seen);

#endif
