/*
 * pcapng_record — one Enhanced Packet Block (pcapng draft §4.3) appended
 * straight into an output buffer, little-endian, with the caller's raw
 * options: the live dumper's per-packet path for PCAPNG files, as
 * pcap_record.h is for classic ones.  A block that does not fit the
 * buffer's free room is left to the sink's own write.
 */
#ifndef CST_FORMAT_PCAPNG_RECORD_H
#define CST_FORMAT_PCAPNG_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "format/pcapng.h"
#include "util/output.h"
#include "util/rd.h"

/* true when written; false when the buffer has no room (nothing written). */
static inline bool pcapng_append_epb_le(struct output *o, uint32_t ifid, uint64_t ts,
                                        uint32_t keep_len, uint32_t origlen, const uint8_t *data,
                                        const uint8_t *opts, uint32_t opts_len)
{
        uint32_t padded = (keep_len + 3u) & ~3u;
        uint32_t total = 32u + padded + opts_len;
        if (o->cap - o->len < total || o->err)
                return false;
        output_record_begin(o);
        uint8_t *h = o->buf + o->len;
        st_le32(h, PCAPNG_BT_EPB);
        st_le32(h + 4, total);
        st_le32(h + 8, ifid);
        st_le32(h + 12, (uint32_t)(ts >> 32));
        st_le32(h + 16, (uint32_t)ts);
        st_le32(h + 20, keep_len);
        st_le32(h + 24, origlen);
        if (keep_len)
                memcpy(h + 28, data, keep_len);
        memset(h + 28 + keep_len, 0, padded - keep_len);
        memcpy(h + 28 + padded, opts, opts_len);
        st_le32(h + 28 + padded + opts_len, total);
        o->len += total;
        output_record_end(o);
        return true;
}

#endif
