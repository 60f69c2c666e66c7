/*
 * kernel_cut — what the pipeline tells a capture whose kernel side can cut
 * packets itself (the eBPF backend): the policy's parameters, and the TCP
 * flow directions its engine has seen proven TLS and synchronised at a
 * record boundary.  Implemented by ebpf_flows.c (ebpf_off.c: no-ops).
 */
#ifndef CST_CAPTURE_KERNEL_CUT_H
#define CST_CAPTURE_KERNEL_CUT_H

#include <stdbool.h>
#include <stdint.h>

#include <constrictor/capture.h>

/* What user space keeps of an AppData record starting a segment (`track`). */
struct kc_params {
        uint32_t keep;      /* KR: bytes kept from the record header on (>= 5) */
        uint32_t min_saved; /* min_saved_bytes_per_packet */
        uint32_t snap;      /* the snaplen cap the engine settles against (UINT32_MAX: none) */
        bool any_port;      /* tls.ports empty: every TCP port */
        const uint8_t *port_bits; /* 8192 bytes, bit p = TCP port p is in tls.ports */
        bool tls;                 /* TLS AppData records may be cut in the kernel */
        bool quic;                /* QUIC short headers may be cut in the kernel */
        uint32_t idle_sec;        /* the engine's flow idle timeout (0: none) */
};

/* One TCP flow direction, as its sender sends it. */
struct kc_tls_flow {
        uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
        uint16_t sport, dport;    /* host order */
        uint8_t family;           /* 4 or 6 */
        uint32_t next_hdr;        /* sequence number of its next record header */
        uint8_t part_len;         /* of which the first bytes (0-4) came already */
        uint8_t part_hi;          /* byte 3 of it (length, high) when part_len is 4 */
};

/* True when the capture can cut in the kernel (then the calls below do something). */
bool capture_kernel_cut_on(const cst_capture *c);
void capture_kernel_cut_params(cst_capture *c, const struct kc_params *p);
/*
 * The engine cut this direction (proven, past the encrypted flight): the
 * kernel may cut it too, and follows it from next_hdr if it did not since
 * its SYN (at most one hand-over per flow every few ms).
 */
void capture_kernel_tls(cst_capture *c, const struct kc_tls_flow *f, uint64_t now_ns);

/* The largest UDP payload the kernel cuts (bpf/cut_abi.h CUT_QUIC_MAX_DGRAM). */
#define KC_QUIC_MAX_DGRAM 1472u

/* One QUIC flow direction whose short headers the engine cut, and how. */
struct kc_quic_flow {
        uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
        uint16_t sport, dport;    /* host order */
        uint8_t family;           /* 4 or 6 */
        uint8_t dlen;             /* DCID length (<= 20) */
        uint8_t dcid[20];
        uint32_t keep;  /* UDP payload bytes kept of a short-header packet */
        uint64_t ts_ns; /* the packet the engine cut (its capture timestamp) */
};

/*
 * The engine cut a short-header packet of this direction at
 * payload + min(n, keep): the kernel may cut the direction's next ones with
 * this DCID, until a long header of the flow (at most one hand-over per
 * flow every few ms).
 */
void capture_kernel_quic(cst_capture *c, const struct kc_quic_flow *f);

#endif
