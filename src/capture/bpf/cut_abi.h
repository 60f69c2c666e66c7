/*
 * cut_abi — what the eBPF capture program (cut.bpf.c, in the kernel) and
 * the backend (ebpf.c, user space) share: the ring-buffer record, the
 * counters and the key and value of the flow map.  Fixed-width fields
 * only, laid out without holes, so both compilers agree.
 */
#ifndef CST_CAPTURE_BPF_CUT_ABI_H
#define CST_CAPTURE_BPF_CUT_ABI_H

#include <linux/types.h>

/*
 * The largest frame copied: GRO/TSO super-frames reach 64 KiB; a longer
 * one (BIG TCP) goes up truncated at this length with its wire length, and
 * is then kept as it came (already truncated: never analysed) and counted.
 */
#define CUT_MAX_COPY 65535u

/* cut_rec.dir */
#define CUT_DIR_IN  1u /* TC ingress */
#define CUT_DIR_OUT 2u /* TC egress */

/* cut_rec.why */
#define CUT_WHOLE     0u /* every byte up to the snaplen */
#define CUT_TRUNCATED 1u /* longer than CUT_MAX_COPY: truncated there */
#define CUT_TLS       2u /* cut in the kernel: a TLS AppData record on a tracked flow */
#define CUT_QUIC      3u /* cut in the kernel: a QUIC short header on a direction user space cut */

/* One packet in the ring buffer: this header, then caplen bytes (8-aligned by the ring). */
struct cut_rec {
        __u64 ts_ns;      /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
        __u32 origlen;    /* skb->len: the frame on the wire (link header included) */
        __u32 caplen;     /* bytes that follow */
        __u32 ifindex;    /* skb->ifindex */
        __u16 vlan_tci;   /* a tag the device stripped (vlan_proto != 0) */
        __u16 vlan_proto; /* its TPID in host order, 0 = none */
        __u8 dir;         /* CUT_DIR_* */
        __u8 why;         /* CUT_* */
        __u16 pad;
        __u32 pad2;
};

/* Per-CPU counters (array map "counters"), summed by user space. */
enum cut_counter {
        CUT_C_SEEN = 0,  /* packets the program ran on */
        CUT_C_RING_FULL, /* no room in the ring buffer: the packet is lost (kernel_drops) */
        CUT_C_TRUNCATED, /* longer than CUT_MAX_COPY */
        CUT_C_TLS_CUT,   /* cut in the kernel */
        CUT_C_TLS_LOST,  /* a tracked flow whose expected header did not come: untracked */
        CUT_C_QUIC_CUT,  /* QUIC short headers cut in the kernel */
        CUT_C_COUNT
};

/*
 * A TCP flow direction on a TLS port (map "flows"): the key is the
 * sender's view (addresses of one family, IPv4 in the first 4 bytes), the
 * value the sequence number where the next record header is expected.  The
 * program starts following a direction at its SYN (the byte after the ISN
 * is a record boundary), or where user space hands one over; map
 * "cuttable" holds the directions user space has seen cut (proven TLS,
 * past the TLS 1.3 encrypted flight).
 */
struct cut_flow_key {
        __u8 src[16];
        __u8 dst[16];
        __u16 sport; /* network order, as on the wire */
        __u16 dport;
        __u8 family; /* 4 or 6 */
        __u8 pad[3];
};

struct cut_flow {
        /*
         * One word (compare-and-swap): bits 0-31 the TCP sequence number of
         * the next record header; bits 32-34 how many of its bytes (0-4)
         * came at the end of an earlier segment (a split header), bits
         * 40-47 its byte 3 (length, high) when 4 did.  User space writes
         * the sequence number alone.
         */
        __u64 next_hdr;
        __u64 last_ns; /* bpf_ktime_get_ns() of the last packet: idle flows are forgotten */
};

/*
 * A QUIC flow direction whose short headers user space cut (map "quic",
 * same key as "flows", UDP): what its engine expects of them.  Its engine
 * learned the peer's Source Connection ID (dlen bytes, the DCID of this
 * direction's short headers) and keeps `keep` bytes of the UDP payload of
 * such a packet (max(short_header_keep_packet_bytes, 1 + dlen)).  since_ns
 * is the ring timestamp of the packet user space saw cut: a long header of
 * the flow at or after it (map "quic_long") may have taught the engine
 * another CID, so the entry is then dropped instead of used.
 */
#define CUT_QUIC_CID_MAX 20u
struct cut_quic {
        __u64 since_ns; /* bpf_ktime_get_ns() of the packet the hand-over is based on */
        __u64 last_ns;  /* the last packet: idle directions are forgotten */
        __u32 keep;     /* UDP payload bytes kept of a short-header packet */
        __u8 dlen;      /* DCID length, <= CUT_QUIC_CID_MAX */
        __u8 checked;   /* the kernel compared since_ns with the flow's last long header */
        __u8 dcid[CUT_QUIC_CID_MAX];
        __u8 pad[6];
};

/*
 * The largest UDP payload the kernel cuts: one datagram of a 1500-byte
 * IPv4 frame.  A longer one may be several datagrams in one frame (a GSO
 * super-frame captured before segmentation, replayed without its GSO
 * metadata); user space then keeps up to the last datagram's short header.
 */
#define CUT_QUIC_MAX_DGRAM 1472u

/*
 * A long header of the flow less than this before the packet a hand-over
 * is based on also drops it: the two CPUs' clocks were read around their
 * ring reservations, not at them.
 */
#define CUT_QUIC_LONG_MARGIN_NS 1000000ull

/*
 * What user space sets at run start (array map "cfg", one entry): the
 * policy's numbers and the TLS ports.  on = 0: the program follows and cuts
 * no TLS (not `track`, or a filter expression); quic_on = 0: no QUIC.
 */
struct cut_cfg {
        __u32 on;
        __u32 keep;       /* KR: bytes of a record kept from its header (>= 5) */
        __u32 min_saved;  /* min_saved_bytes_per_packet: a smaller saving is not made */
        __u32 snap;       /* user space's snaplen cap: savings are counted against it */
        __u32 any_port;   /* tls.ports empty: every TCP port */
        __u32 quic_on;    /* QUIC short headers of handed-over directions are cut */
        __u64 idle_ns;    /* a direction idle this long is forgotten (<= the engine's timeout) */
        __u8 ports[8192]; /* bit p: TCP port p is a TLS port (tls.ports) */
};

/* Record headers walked in one segment to follow the boundaries (bounded loop). */
#define CUT_WALK_MAX 16

#endif
