/*
 * wire — the outcome of a protocol header parse above the transport layer
 * (decode/tls_wire.c, decode/quic_wire.c).  Truncated and invalid are
 * different answers (house style 4): the bytes ran out before the header
 * was complete, or the bytes present cannot be that header.
 */
#ifndef CST_DECODE_WIRE_H
#define CST_DECODE_WIRE_H

enum wire_status {
        WIRE_OK = 0,
        WIRE_TRUNCATED, /* the header continues past the bytes given */
        WIRE_INVALID,   /* a field has a value the header cannot have */
};

#endif
