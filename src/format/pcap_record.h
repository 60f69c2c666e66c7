/*
 * pcap_record — one classic PCAP record appended straight into an output
 * buffer, little-endian: the live dumper's per-packet path, inlined so a
 * packet costs one bounds check, four stores and the copy of its kept bytes
 * (no indirect call, no record struct copied).  A record that does not fit
 * the buffer's free room is left to the sink's own write.
 */
#ifndef CST_FORMAT_PCAP_RECORD_H
#define CST_FORMAT_PCAP_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "format/pcap.h"
#include "util/output.h"
#include "util/rd.h"

/* true when written; false when the buffer has no room (nothing written). */
static inline bool pcap_append_le(struct output *o, uint32_t ts_hi, uint32_t ts_lo,
                                  uint32_t keep_len, uint32_t origlen, const uint8_t *data)
{
        size_t rlen = PCAP_RECORD_HEADER_LEN + (size_t)keep_len;
        if (o->cap - o->len < rlen || o->err)
                return false;
        output_record_begin(o);
        uint8_t *h = o->buf + o->len;
        st_le32(h, ts_hi);
        st_le32(h + 4, ts_lo);
        st_le32(h + 8, keep_len);
        st_le32(h + 12, origlen);
        if (keep_len)
                memcpy(h + PCAP_RECORD_HEADER_LEN, data, keep_len);
        o->len += rlen;
        output_record_end(o);
        return true;
}

#endif
