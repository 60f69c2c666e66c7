/*
 * Live capture on Linux: an AF_PACKET socket on one interface (or on all of
 * them, "any"), read either with batched recvmmsg() or through a zero-copy
 * TPACKET_V3 ring, or through libpcap (any device libpcap can open, any
 * link type it reports).  Packets come out as struct cst_packet views whose bytes
 * stay valid until the next cst_capture_next_batch() call (or
 * cst_capture_release()).
 *
 * A kernel BPF filter (tcpdump syntax, compiled by libpcap) is attached before
 * the socket is bound to a protocol, so no unfiltered packet is ever read.
 */
#ifndef CONSTRICTOR_CAPTURE_H
#define CONSTRICTOR_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <constrictor/config.h>
#include <constrictor/packet.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What to open.  Zero values mean "the default" (see cst_capture_opts_init). */
struct cst_capture_opts {
        enum cst_backend backend;
        const char *interface; /* a name, or "any" (Linux cooked SLL2 output) */
        const char *filter;    /* tcpdump expression, NULL or "" = none */
        bool promiscuous;
        uint32_t snaplen; /* bytes kept per packet by the kernel path (>= 64) */
        uint32_t
            buffer_kib; /* -B: ring size (tpacket_v3), SO_RCVBUF (recvmsg), pcap_set_buffer_size */
        uint32_t batch; /* recvmsg: packets per recvmmsg call */
        uint32_t block_size;  /* tpacket_v3 ring, SPEC 3.5 */
        uint32_t block_count; /* ignored when buffer_kib is set */
        uint32_t frame_size;
        uint32_t block_timeout_ms;
        /*
         * Do not ask for PACKET_VNET_HDR.  By default a raw (non-"any") socket
         * gets each frame's virtio_net_hdr, so GSO/GRO super-frames carry
         * gso_type/gso_size; the kernel drops (and counts) the rare super-frame
         * whose GSO type has no virtio equivalent (e.g. SCTP, ESP).
         */
        bool no_vnet_hdr;
        /*
         * Join PACKET_FANOUT group fanout_group (hash of the flow, IP
         * fragments reassembled first): the sockets of one group share the
         * interface's packets, each flow (both directions) on one socket.
         * cst_workers (workers.h) opens one per worker.  With
         * fanout_new the kernel creates the group under an id no group of
         * the network namespace uses (PACKET_FANOUT_FLAG_UNIQUEID, Linux
         * 4.2+; fanout_group is ignored): cst_capture_fanout_group() reads
         * it back for the other members to join.  A chosen id could be one
         * another process's group already uses, in the same mode: the two
         * would share their packets without a word.
         */
        bool fanout;
        bool fanout_new;
        uint16_t fanout_group;
};

/* Kernel and receive counters, accumulated since open. */
struct cst_capture_stats {
        uint64_t packets_delivered; /* views handed out by next_batch */
        uint64_t kernel_packets;    /* PACKET_STATISTICS tp_packets: passed the filter */
        uint64_t kernel_drops;      /* PACKET_STATISTICS tp_drops: no room in buffer/ring */
        uint64_t kernel_freeze_q;   /* TPACKET_V3 queue freezes */
        uint64_t receive_errors;    /* ENOBUFS/ENOMEM, discarded ring blocks, bad offsets */
        bool have_kernel;           /* PACKET_STATISTICS could be read */
};

typedef struct cst_capture cst_capture;

/* Fill the defaults of SPEC 3.1 (tpacket_v3, 1 MiB x 64 blocks, 2048, 64 ms). */
void cst_capture_opts_init(struct cst_capture_opts *o);

/*
 * Open a capture.  Errors (one line in err): unknown interface, no permission
 * (CAP_NET_RAW), bad filter expression, bad ring layout, socket failures.
 */
int cst_capture_open(cst_capture **out, const struct cst_capture_opts *o, char *err);

/*
 * Wait up to timeout_ms for packets and fill at most max views.  Returns the
 * number of packets, 0 on timeout or when a signal interrupted the wait
 * (the caller checks its own flags), CST_EFATAL with a message on an error.
 * Views of the previous call are released first.
 */
int cst_capture_next_batch(cst_capture *c, struct cst_packet *pkts, unsigned max, int timeout_ms,
                           char *err);

/* Give the views of the last batch back (ring blocks to the kernel). */
void cst_capture_release(cst_capture *c);

/* Read PACKET_STATISTICS (accumulated: the kernel resets on read) and copy all counters. */
int cst_capture_stats(cst_capture *c, struct cst_capture_stats *st, char *err);

/* Link type of the packets (CST_LINK_ETHERNET, CST_LINK_LINUX_SLL2, CST_LINK_RAW ...). */
uint32_t cst_capture_linktype(const cst_capture *c);
/*
 * A warning of the open that did not stop it (libpcap's pcap_activate, e.g.
 * promiscuous mode not supported), one line naming the interface; "" = none.
 */
const char *cst_capture_warning(const cst_capture *c);
/* Interface name as opened and its index (0 for "any"). */
const char *cst_capture_ifname(const cst_capture *c);
int cst_capture_ifindex(const cst_capture *c);
/* The PACKET_FANOUT group the capture joined (o->fanout); 0 otherwise. */
uint16_t cst_capture_fanout_group(const cst_capture *c);
const char *cst_capture_backend_name(enum cst_backend b);

/*
 * Offline feed (the AFPacket recorder's --offline-input): a classic PCAP file
 * of Ethernet frames read as if it came from the wire, through the same
 * next_batch calls and the project's PCAP reader.  next_batch returns
 * CST_CAPTURE_EOF at the end of the file and CST_EFATAL (with a message) on
 * a truncated record.  Errors of open: "pcapng is not supported by this
 * offline feed mode", "unsupported linktype N; only Ethernet (DLT_EN10MB/1)
 * is supported".
 */
int cst_capture_open_feed(cst_capture **out, const char *path, char *err);

/*
 * `capture -r FILE` (as tcpdump -r): a classic PCAP or PCAPNG file of any
 * link type ("-" = standard input, pipes work), with a tcpdump expression
 * (NULL/"" = none) applied in user space; records it rejects are skipped.
 * PCAPNG: packets only (other blocks are skipped); the link type is the
 * first interface's, and packets of other link types are skipped.
 */
int cst_capture_open_file(cst_capture **out, const char *path, const char *filter, char *err);

/* Drops promiscuous membership, unmaps the ring, closes the socket. NULL is fine. */
void cst_capture_close(cst_capture *c);

/*
 * Live output ("dumper", as libpcap's pcap_dumper): classic PCAP (µs or ns)
 * or PCAPNG with an SHB (shb_os, shb_userappl), one IDB (if_name, link type,
 * snaplen, if_tsresol), EPBs with the epb_flags direction and an ISB with the
 * kernel counters on close.  Writes go through a buffer; the caller flushes
 * (at least once a second in the capture loop).  Path "-" is stdout.
 */
struct cst_dump_opts {
        int format; /* CST_FORMAT_PCAP or CST_FORMAT_PCAPNG (offline.h) */
        bool nsec;  /* nanosecond timestamps (pcap magic / if_tsresol 9) */
        uint32_t linktype;
        uint32_t snaplen;      /* written in the file header / IDB */
        const char *ifname;    /* IDB if_name, may be NULL */
        const char *userappl;  /* SHB shb_userappl, may be NULL */
        uint32_t buffer_bytes; /* 0 = 1 MiB */
        /*
         * Compress while writing (enum cst_compress) at compress_level (0 =
         * the library's default); every file name gets .gz / .zst unless it
         * ends so already.  Flushes leave a decodable prefix.
         */
        int compress;
        int compress_level;
        /* File rotation as tcpdump -C / -G / -W (path must be a file, not "-"). */
        uint64_t rotate_bytes; /* -C MB x 1,000,000; 0 = none */
        uint32_t rotate_sec;   /* -G; the path is then a strftime(3) pattern */
        uint32_t rotate_files; /* -W: ring size with -C; file count limit with -G */
        /* PCAPNG on "any": one IDB per interface seen (pkt->ifid = ifindex). */
        bool per_interface;
        /* Counters for the ISB of a file closed by rotation (may be NULL). */
        int (*stats)(void *ctx, struct cst_capture_stats *ks, char *err);
        void *stats_ctx;
        /*
         * Complete files only: a file is written as part_prefix + NAME +
         * part_suffix in NAME's directory and renamed to NAME once complete
         * (rotation, close).  NULL/"" for both: written under NAME (the
         * program passes part_suffix ".part").  At open, partial files an
         * earlier run left are reported through log().
         */
        const char *part_prefix;
        const char *part_suffix;
        /*
         * tcpdump -z: run `post_rotate_cmd FILE` (a program in PATH, no shell)
         * on every completed file, as a child that never blocks the capture;
         * at most post_rotate_jobs at once (0 = 1), the rest queued; at close
         * the children are waited for at most 30 s.
         */
        const char *post_rotate_cmd;
        uint32_t post_rotate_jobs;
        /* Warnings and -z failures, one line each without newline (may be NULL). */
        void (*log)(void *ctx, const char *line);
        void *log_ctx;
        /*
         * Write uncompressed files with O_DIRECT where the file system allows
         * it: no copy into the page cache (a recorder's files are not read
         * back soon).  Unsuited to flushing after every packet (-U).
         */
        bool direct_io;
};

/* Compression of output files (issue 18): gzip (zlib) or zstd (libzstd), streaming. */
enum cst_compress { CST_COMPRESS_NONE = 0, CST_COMPRESS_GZIP = 1, CST_COMPRESS_ZSTD = 2 };
/* "none", "gzip" (or "gz"), "zstd" (or "zst") as enum cst_compress; -1 when unknown. */
int cst_compress_parse(const char *name);
/*
 * CST_OK when the method takes this level (0 = default; gzip 1..9, zstd
 * as libzstd allows, negative ones included), else CST_EVALUE and a
 * message saying the range in err.
 */
int cst_compress_check(int method, int level, char *err);

typedef struct cst_dumper cst_dumper;

int cst_dump_open(cst_dumper **out, const char *path, const struct cst_dump_opts *o, char *err);
/*
 * Write the first keep_len bytes; the wire length is max(pkt->origlen, keep_len).
 * Rotates first when due; CST_DUMP_FILE_LIMIT when the -W file limit is reached.
 */
int cst_dump_packet(cst_dumper *d, const struct cst_packet *pkt, uint32_t keep_len, char *err);
int cst_dump_flush(cst_dumper *d, char *err);
/* Bytes handed to the files so far (headers included). */
uint64_t cst_dump_bytes(const cst_dumper *d);
/* Name of the file being written. */
const char *cst_dump_path(const cst_dumper *d);
/*
 * Flush and close.  For PCAPNG, `ks` (may be NULL) gives the ISB counters
 * isb_ifrecv / isb_ifdrop.  Frees d in every case.
 */
int cst_dump_close(cst_dumper *d, const struct cst_capture_stats *ks, char *err);

#ifdef __cplusplus
}
#endif

#endif
