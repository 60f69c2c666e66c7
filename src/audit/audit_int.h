/*
 * audit internals shared by the audit files: the per-run context, the layer
 * offsets the audit computes itself, and the byte-marking entry point every
 * classifier (TCP/TLS, QUIC, whole packets) reports through.
 */
#ifndef CST_AUDIT_INT_H
#define CST_AUDIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <constrictor/audit.h>
#include <constrictor/constrictor.h>

/* Layer offsets of one original packet (audit_layers.c). */
enum aud_kind {
        AUD_WHOLE = 0, /* kept whole: non-IP, other protocol, fragment, malformed, truncated */
        AUD_TCP = 1,
        AUD_UDP = 2,
};

#define AUD_TCP_SYN 0x02u
#define AUD_TCP_RST 0x04u
#define AUD_TCP_ACK 0x10u

struct aud_layers {
        uint8_t kind; /* enum aud_kind */
        uint8_t tcp_flags;
        uint8_t addr_len;  /* 4 or 16 */
        uint8_t truncated; /* caplen < origlen: decoded for state, but kept whole */
        uint16_t sport, dport;
        uint32_t payload_off, payload_len; /* payload as captured */
        uint32_t ip_end;                   /* end of the IP datagram in the capture */
        uint32_t seq;
        uint8_t src[16], dst[16];
};

void aud_decode(uint32_t linktype, const uint8_t *p, uint32_t caplen, uint32_t origlen,
                struct aud_layers *l);

/* Per-packet accounting state. */
struct aud_pkt {
        uint32_t out_caplen; /* 0 when the output has no such packet */
        uint32_t oracle_end; /* one past the last needed byte */
        uint32_t first_lost; /* lowest lost needed offset, UINT32_MAX if none */
        uint8_t lost_cls;
        uint8_t whole;       /* marked whole already: classifiers skip it */
        uint8_t wanted_lost; /* lost bytes of a wanted (not required) class */
        uint64_t lost_bytes; /* required needed bytes lost */
};

struct quic_initial;

struct aud_ctx {
        const struct cst_audit_options *opt;
        struct quic_initial *qi; /* the QUIC client Initial proof (libcrypto contexts) */
        uint32_t linktype;
        const struct cst_packet *in;
        size_t n;
        struct aud_layers *lay; /* n entries */
        struct aud_pkt *pk;     /* n entries */
        struct cst_audit_report *rep;
        char *err;
};

/* Mark bytes [off, off+len) of packet i as needed, of class cls. */
void aud_mark(struct aud_ctx *c, size_t i, uint32_t off, uint32_t len, enum cst_audit_class cls);

/* Classifiers: return 0 or CST_ENOMEM (message in c->err). */
int aud_tcp_classify(struct aud_ctx *c);
int aud_quic_classify(struct aud_ctx *c);

/* Flow keys: canonical (direction-free) ordering of two endpoints. */
struct aud_endpoint {
        uint8_t addr[16];
        uint16_t port;
        uint8_t len;
};

void aud_endpoints(const struct aud_layers *l, struct aud_endpoint *src, struct aud_endpoint *dst);
int aud_endpoint_cmp(const struct aud_endpoint *a, const struct aud_endpoint *b);

#endif
