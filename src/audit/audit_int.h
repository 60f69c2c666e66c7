/*
 * audit internals shared by the audit files: the per-run context, the layer
 * offsets the audit computes itself, and the byte-marking entry point every
 * classifier (TCP/TLS, QUIC, whole packets) reports through.
 *
 * The audit streams: both files are read once in step (a first pass over
 * the original learns the QUIC servers), UDP and whole packets are
 * classified as they are read, TCP payload is held per connection until the
 * connection is classified, at the end or, past the memory budget, in
 * chunks (audit_tcp.c).
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

/* Per-packet accounting state: filled while the packet's bytes are
 * classified, summed into the report when the last of them is. */
struct aud_pkt {
        uint64_t index;      /* 0-based packet number */
        uint32_t caplen;     /* of the original */
        uint32_t out_caplen; /* 0 when the output has no such packet */
        uint32_t oracle_end; /* one past the last needed byte */
        uint32_t first_lost; /* lowest lost needed offset, UINT32_MAX if none */
        uint8_t lost_cls;
        uint8_t whole;       /* marked whole already: classifiers skip it */
        uint8_t wanted_lost; /* lost bytes of a wanted (not required) class */
        uint64_t lost_bytes; /* required needed bytes lost */
};

struct quic_initial;
struct aud_quic;
struct aud_tcp;

struct aud_ctx {
        const struct cst_audit_options *opt;
        struct quic_initial *qi; /* the QUIC client Initial proof (libcrypto contexts) */
        struct aud_quic *quic;   /* QUIC servers learned in the first pass */
        struct aud_tcp *tcp;     /* TCP connections being reassembled */
        struct cst_audit_report *rep;
        uint64_t mem_budget; /* bytes of TCP payload (and segment records) held */
        uint64_t now;        /* capture time of the packet being classified (ns) */
        char *err;
        uint64_t prog_packets, prog_bytes; /* read from the original, both passes */
};

/* Mark bytes [off, off+len) of packet p as needed, of class cls. */
void aud_mark(struct aud_ctx *c, struct aud_pkt *p, uint32_t off, uint32_t len,
              enum cst_audit_class cls);
/* Every byte of p is classified: add it to the report. */
void aud_finish_packet(struct aud_ctx *c, const struct aud_pkt *p);

/* QUIC (audit_quic.c): a first pass learns the servers, the second
 * classifies each datagram as it is read.  0 or CST_ENOMEM. */
int aud_quic_new(struct aud_ctx *c);
void aud_quic_free(struct aud_ctx *c);
int aud_quic_learn(struct aud_ctx *c, const struct aud_layers *l, const uint8_t *pkt);
void aud_quic_classify(struct aud_ctx *c, const struct aud_layers *l, const uint8_t *pkt,
                       struct aud_pkt *p);

/* TCP (audit_tcp.c): each segment as it is read; its packet is finished
 * when its connection is classified (at the end, or earlier to keep memory
 * under c->mem_budget).  0 or CST_ENOMEM. */
int aud_tcp_new(struct aud_ctx *c);
int aud_tcp_packet(struct aud_ctx *c, const struct aud_layers *l, const uint8_t *pkt,
                   const struct aud_pkt *p);
int aud_tcp_finish(struct aud_ctx *c);
void aud_tcp_free(struct aud_ctx *c);

/* Flow keys: canonical (direction-free) ordering of two endpoints. */
struct aud_endpoint {
        uint8_t addr[16];
        uint16_t port;
        uint8_t len;
};

void aud_endpoints(const struct aud_layers *l, struct aud_endpoint *src, struct aud_endpoint *dst);
int aud_endpoint_cmp(const struct aud_endpoint *a, const struct aud_endpoint *b);

#endif
