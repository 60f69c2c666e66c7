/*
 * ng_convert — a PCAPNG file from a classic PCAP input (issue 20: a TLS key
 * log needs a PCAPNG output).  The PCAPNG writer of src/format/ behind the
 * sink operations, fed with an SHB and one IDB at open (the input's link
 * type and snapshot length, if_tsresol 6 or 9 as the input's µs or ns), then
 * every packet as an EPB of interface 0 with its timestamp in that unit.
 */
#ifndef CST_SINK_NG_CONVERT_H
#define CST_SINK_NG_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include "format/format.h"

/* flags: util/output.h OUTPUT_*.  Errors as pcapng_sink_open_flags(). */
int ng_convert_open(struct cst_sink *sink, const char *path, unsigned flags, uint32_t linktype,
                    uint32_t snaplen, bool nsec, char *err);

#endif
