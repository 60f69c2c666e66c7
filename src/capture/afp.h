/*
 * afp — the AF_PACKET capture handle shared by the backends (recvmsg.c,
 * tpacket_v3.c) and the capture-file backend (file.c).  The generic part (socket,
 * filter, bind, promiscuous membership, kernel counters) lives in capture.c;
 * each backend supplies a small operations table and keeps its own state
 * behind `priv` (as libpcap's struct pcap does).
 */
#ifndef CST_CAPTURE_AFP_H
#define CST_CAPTURE_AFP_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <constrictor/constrictor.h>
#include <constrictor/capture.h>

#define AFP_VLAN_TAG_LEN 4  /* 802.1Q TPID + TCI */
#define AFP_SLL2_HDR_LEN 20 /* Linux cooked v2 header (LINKTYPE_LINUX_SLL2) */
#define AFP_VNET_HDR_LEN 10 /* struct virtio_net_hdr before each frame (PACKET_VNET_HDR) */
/* Headroom before every frame: room for an SLL2 header and a VLAN tag. */
#define AFP_HEADROOM (AFP_SLL2_HDR_LEN + AFP_VLAN_TAG_LEN)

struct cst_capture;

struct afp_backend_ops {
        const char *name;
        /*
         * The backend reads from its own kernel object (the eBPF ring), not
         * from an AF_PACKET socket: no socket, filter, bind or membership;
         * setup does it all and kstats (if set) gives the kernel counters.
         */
        bool no_socket;
        int (*kstats)(struct cst_capture *c, char *err);
        /* After the socket exists and the filter is attached, before bind. */
        int (*setup)(struct cst_capture *c, const struct cst_capture_opts *o, char *err);
        int (*next_batch)(struct cst_capture *c, struct cst_packet *pkts, unsigned max,
                          int timeout_ms, char *err);
        void (*release)(struct cst_capture *c);
        void (*teardown)(struct cst_capture *c);
};

struct cst_capture {
        /* hot members first */
        const struct afp_backend_ops *ops;
        void *priv;
        int fd;
        bool cooked; /* SOCK_DGRAM: the SLL2 header is written in front of each frame */
        bool vnet;   /* PACKET_VNET_HDR: a virtio_net_hdr precedes each frame */
        uint32_t linktype;
        uint32_t snaplen;
        struct cst_capture_stats st;
        /* cold */
        int ifindex;        /* 0 = all interfaces */
        uint16_t fanout_id; /* the PACKET_FANOUT group joined (fanout.c) */
        bool promisc_on;
        char ifname[IF_NAMESIZE + 8];
        char warning[CST_ERRBUF]; /* pcap: pcap_activate's warning, "" = none */
};

extern const struct afp_backend_ops afp_recvmsg_ops;
extern const struct afp_backend_ops afp_tpacket_v3_ops;
extern const struct afp_backend_ops afp_file_ops;
extern const struct afp_backend_ops afp_pcap_ops; /* pcap_backend.c: libpcap (issue 19 item 3) */
extern const struct afp_backend_ops afp_ebpf_ops; /* ebpf.c, or ebpf_off.c without eBPF */
/* file.c: true for a capture file read as a capture (feed, -r). */
bool afp_is_file(const struct cst_capture *c);

/*
 * tpacket_v3.c, for tests: walk a ring the caller built in memory (block_size
 * bytes x count, not unmapped on close) instead of a kernel-mapped one.
 */
int afp_tpacket_v3_use_ring(struct cst_capture *c, uint8_t *ring, uint32_t block_size,
                            uint32_t count);

/* iface.c: resolve a name to its index and the link type it is captured as. */
int afp_iface_resolve(const char *name, int *ifindex, uint32_t *linktype, bool *cooked, char *err);
/* True for a loopback device (ARPHRD_LOOPBACK). */
bool afp_iface_is_loopback(const char *name);

/*
 * filter.c: compile a tcpdump expression for `linktype` into a classic BPF
 * program for the kernel (offsets fixed up for cooked sockets); free with
 * afp_filter_free().  afp_filter_attach() compiles and attaches to fd.
 */
struct sock_fprog;
int afp_filter_compile(const char *expr, uint32_t linktype, uint32_t snaplen, bool cooked,
                       struct sock_fprog *prog, char *err);
void afp_filter_free(struct sock_fprog *prog);
int afp_filter_attach(int fd, const char *expr, uint32_t linktype, uint32_t snaplen, bool cooked,
                      char *err);

/*
 * fanout.c: a member of a PACKET_FANOUT group (o->fanout).  Before bind:
 * afp_fanout_block_all() (the member accepts nothing yet); after bind:
 * afp_fanout_join() joins the group (hash, defrag) and attaches o->filter.
 */
int afp_fanout_block_all(int fd, char *err);
int afp_fanout_join(struct cst_capture *c, const struct cst_capture_opts *o, char *err);

/* frame.c: per-packet helpers shared by the backends. */
/* Record gso_type and, for a UDP GSO super-frame, gso_size from a virtio_net_hdr. */
void afp_vnet_read(const uint8_t *vnet, struct cst_packet *pkt);
uint8_t afp_direction(uint8_t sll_pkttype);
/*
 * True for the outgoing copy of a packet on a loopback device: the kernel
 * hands every loopback packet to packet sockets twice (sent, then
 * received); libpcap keeps only the received one, and so do we (on "any"
 * as well).
 */
bool afp_loopback_outgoing(const struct sockaddr_ll *sll);
/*
 * Put a VLAN tag the kernel stripped back after the two MAC addresses.
 * `data` must have AFP_VLAN_TAG_LEN writable bytes in front of it; returns the
 * new start of the frame (data - 4) and grows caplen/origlen, or `data`
 * unchanged when the frame is too short to hold the MAC addresses.
 */
uint8_t *afp_vlan_reinsert(uint8_t *data, uint32_t *caplen, uint32_t *origlen, uint16_t tpid,
                           uint16_t tci);
/* Write the SLL2 header in the AFP_SLL2_HDR_LEN bytes before `data`; returns its start. */
uint8_t *afp_sll2_prepend(uint8_t *data, const struct sockaddr_ll *sll, uint32_t *caplen,
                          uint32_t *origlen);
/*
 * Same with a stripped VLAN tag put back between the SLL2 header and the
 * network header (SLL2 protocol = TPID); needs AFP_HEADROOM bytes in front.
 */
uint8_t *afp_sll2_prepend_vlan(uint8_t *data, const struct sockaddr_ll *sll, uint32_t *caplen,
                               uint32_t *origlen, uint16_t tpid, uint16_t tci);

#endif
