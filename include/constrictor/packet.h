/*
 * The packet view: what every source (file reader, AF_PACKET socket, ring,
 * in-memory replay) hands to the engine.  Bytes are never copied: `data`
 * points into the source's buffer or ring and is valid until the source's
 * next batch call.
 */
#ifndef CONSTRICTOR_PACKET_H
#define CONSTRICTOR_PACKET_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Link types (DLT_/LINKTYPE_ values used in files). */
enum cst_linktype {
        CST_LINK_NULL = 0,
        CST_LINK_ETHERNET = 1,
        CST_LINK_RAW = 101,
        CST_LINK_LINUX_SLL = 113,
        CST_LINK_IPV4 = 228,
        CST_LINK_IPV6 = 229,
        CST_LINK_LINUX_SLL2 = 276,
};

enum cst_direction {
        CST_DIR_UNKNOWN = 0,
        CST_DIR_INBOUND = 1,
        CST_DIR_OUTBOUND = 2,
};

/* What a source record is. */
enum cst_record_kind {
        CST_REC_PACKET = 0, /* a packet: decode, policy, write with a cut */
        CST_REC_BLOCK = 1,  /* a raw pcapng block (SHB/IDB/NRB/ISB/...) copied verbatim */
};

/* Per-packet flags. */
#define CST_PKT_UNKNOWN_IF 0x01u /* pcapng EPB whose interface id is unknown: not processed */
#define CST_PKT_SHB        0x02u /* raw block is a Section Header Block */
#define CST_PKT_IDB        0x04u /* raw block is an Interface Description Block */
/*
 * Live eBPF backend: the kernel already made the policy's cut (caplen <
 * origlen), keeping every header the policy reads; the engine analyses the
 * packet as if whole, so the flow's state follows the wire.
 */
#define CST_PKT_KERNEL_CUT 0x08u

struct cst_packet {
        const uint8_t *data; /* captured bytes (or the whole raw block) */
        uint32_t caplen;     /* captured length (or raw block length) */
        uint32_t origlen;    /* length on the wire */
        uint64_t ts_ns;      /* timestamp, ns since the epoch (for ageing only) */
        uint32_t ts_hi;      /* timestamp exactly as stored: pcap seconds / EPB high */
        uint32_t ts_lo;      /* pcap µs-or-ns / EPB low word */
        uint32_t linktype;   /* enum cst_linktype or any other DLT */
        uint32_t ifid;       /* pcapng interface id, or live ifindex */
        const uint8_t *opts; /* pcapng EPB options, raw, in the section's byte order */
        uint32_t opts_len;
        uint16_t vlan_tci; /* live: tag the kernel stripped (already re-inserted in data) */
        uint8_t kind;      /* enum cst_record_kind */
        uint8_t direction; /* enum cst_direction */
        uint8_t flags;     /* CST_PKT_* */
        uint8_t gso_type;  /* live, PACKET_VNET_HDR: virtio_net_hdr gso_type (0 = none) */
        /*
         * Live UDP GSO super-frame (gso_type UDP_L4): one frame holding several
         * UDP datagrams of gso_size payload bytes each (the last may be
         * shorter).  0 = an ordinary packet.  The QUIC analysers then cut only
         * inside the last datagram.
         */
        uint16_t gso_size;
};

#ifdef __cplusplus
}
#endif

#endif
