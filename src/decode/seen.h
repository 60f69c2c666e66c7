/*
 * seen — what the analysers saw in one packet beyond the decoder's offsets:
 * the TLS record boundaries they walked (RFC 8446 §5.1 record layer) and
 * the flow.  Filled only for annotated output (PCAPNG comments, text
 * lines): an analyser writes into it when the engine hands it one, so the
 * default path pays one pointer test.  Bounded and allocation-free: at
 * most SEEN_RECS records, the rest only counted.
 */
#ifndef CST_DECODE_SEEN_H
#define CST_DECODE_SEEN_H

#include <stdint.h>

#define SEEN_RECS 8

enum seen_kind {
        SEEN_HDR = 1,  /* a record header starts at off */
        SEEN_CONT = 2, /* bytes [off, off + len) end a record begun in an earlier packet */
};

struct seen_rec {
        uint32_t off; /* offset in the transport payload */
        uint32_t len; /* SEEN_HDR: the record's length field; SEEN_CONT: bytes of it left */
        uint8_t type; /* TLS content type; 0 when the analyser does not know it */
        uint8_t kind; /* enum seen_kind */
};

struct pkt_seen {
        uint64_t flow;        /* the flow's key hash; 0 when the packet was not keyed */
        uint32_t payload_off; /* frame offset of the transport payload */
        uint8_t n;            /* records in r[] */
        uint8_t more;         /* records seen beyond SEEN_RECS (saturating) */
        uint8_t analysed;     /* an analyser looked at the packet */
        struct seen_rec r[SEEN_RECS];
};

static inline void seen_add(struct pkt_seen *s, uint8_t kind, uint8_t type, uint32_t off,
                            uint32_t len)
{
        if (s->n < SEEN_RECS)
                s->r[s->n++] = (struct seen_rec){off, len, type, kind};
        else if (s->more < UINT8_MAX)
                s->more++;
}

#endif
