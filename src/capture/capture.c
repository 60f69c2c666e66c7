/*
 * capture — opening, running and closing an AF_PACKET capture, whatever the
 * backend.  The order of the set-up steps matters:
 *
 *   1. socket(AF_PACKET, SOCK_RAW or SOCK_DGRAM, protocol 0): a packet socket
 *      with protocol 0 is not hooked into the receive path, nothing is queued;
 *   2. the BPF filter is attached (SO_ATTACH_FILTER);
 *   3. the backend sets up its buffers or its ring;
 *   4. bind() with ETH_P_ALL and the interface index: packets start to flow,
 *      already filtered;
 *   5. promiscuous membership (PACKET_ADD_MEMBERSHIP / PACKET_MR_PROMISC).
 *
 * A member of a fanout group (o->fanout, fanout.c) accepts nothing in step 2
 * and gets its filter after bind, once it has joined the group.
 *
 * The kernel counters of PACKET_STATISTICS reset on every read, so they are
 * read and accumulated in exactly one place, stats_accumulate() (the
 * approach of libpcap's pcap_stats_linux()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include "capture/afp.h"

void cst_capture_opts_init(struct cst_capture_opts *o)
{
        memset(o, 0, sizeof(*o));
        o->backend = CST_BACKEND_TPACKET_V3;
        o->snaplen = 262144;
        o->batch = 64;
        o->block_size = 4194304; /* one wake-up per 4 MiB at full rate (issue 19) */
        o->block_count = 16;
        o->frame_size = 2048;
        o->block_timeout_ms = 64;
}

const char *cst_capture_backend_name(enum cst_backend b)
{
        if (b == CST_BACKEND_PCAP)
                return "pcap";
        if (b == CST_BACKEND_EBPF)
                return "ebpf";
        return b == CST_BACKEND_RECVMSG ? "recvmsg" : "tpacket_v3";
}

static int open_socket(struct cst_capture *c, char *err)
{
        c->fd = socket(AF_PACKET, c->cooked ? SOCK_DGRAM : SOCK_RAW, 0);
        if (c->fd >= 0)
                return CST_OK;
        if (errno == EPERM || errno == EACCES)
                snprintf(err, CST_ERRBUF,
                         "cannot open an AF_PACKET socket on %s: %s (run as root or grant "
                         "CAP_NET_RAW)",
                         c->ifname, strerror(errno));
        else
                snprintf(err, CST_ERRBUF, "cannot open an AF_PACKET socket on %s: %s", c->ifname,
                         strerror(errno));
        return CST_EFATAL;
}

static int bind_socket(struct cst_capture *c, char *err)
{
        struct sockaddr_ll sll;
        memset(&sll, 0, sizeof(sll));
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = c->ifindex;
        if (bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                snprintf(err, CST_ERRBUF, "cannot bind to interface %s: %s", c->ifname,
                         strerror(errno));
                return CST_EFATAL;
        }
        return CST_OK;
}

static int promisc_membership(struct cst_capture *c, int op, char *err)
{
        struct packet_mreq mr;
        memset(&mr, 0, sizeof(mr));
        mr.mr_ifindex = c->ifindex;
        mr.mr_type = PACKET_MR_PROMISC;
        if (setsockopt(c->fd, SOL_PACKET, op, &mr, sizeof(mr)) < 0) {
                if (err)
                        snprintf(err, CST_ERRBUF, "cannot enable promiscuous mode on %s: %s",
                                 c->ifname, strerror(errno));
                return CST_EFATAL;
        }
        return CST_OK;
}

static const struct afp_backend_ops *backend_ops(enum cst_backend b)
{
        if (b == CST_BACKEND_PCAP)
                return &afp_pcap_ops;
        if (b == CST_BACKEND_EBPF)
                return &afp_ebpf_ops;
        return b == CST_BACKEND_RECVMSG ? &afp_recvmsg_ops : &afp_tpacket_v3_ops;
}

static int capture_setup(struct cst_capture *c, const struct cst_capture_opts *o, char *err)
{
        if (c->ops == &afp_pcap_ops) /* libpcap names, opens, filters and binds the device */
                return c->ops->setup(c, o, err);
        if (afp_iface_resolve(o->interface, &c->ifindex, &c->linktype, &c->cooked, err) < 0)
                return CST_EFATAL;
        if (c->ops->no_socket) /* the eBPF backend: its own kernel objects, not a socket */
                return c->ops->setup(c, o, err);
        if (open_socket(c, err) < 0)
                return CST_EFATAL;
        if (o->fanout) { /* fanout.c: nothing comes in before the group is joined */
                if (afp_fanout_block_all(c->fd, err) < 0)
                        return CST_EFATAL;
        } else if (o->filter && *o->filter &&
                   afp_filter_attach(c->fd, o->filter, c->linktype, c->snaplen, c->cooked, err) <
                       0) {
                return CST_EFATAL;
        }
        /*
         * GSO/GRO super-frames come with their segment size (raw sockets only;
         * before the ring exists).  Without it a frame is read as before.
         */
        int one = 1;
        c->vnet =
            !c->cooked && setsockopt(c->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == 0;
        if (c->ops->setup(c, o, err) < 0)
                return CST_EFATAL;
        if (bind_socket(c, err) < 0)
                return CST_EFATAL;
        if (o->fanout && afp_fanout_join(c, o, err) < 0)
                return CST_EFATAL;
        if (o->promiscuous && c->ifindex != 0) {
                if (promisc_membership(c, PACKET_ADD_MEMBERSHIP, err) < 0)
                        return CST_EFATAL;
                c->promisc_on = true;
        }
        return CST_OK;
}

int cst_capture_open(cst_capture **out, const struct cst_capture_opts *o, char *err)
{
        *out = NULL;
        if (o->snaplen < 64 || o->snaplen > 262144) {
                snprintf(err, CST_ERRBUF, "capture snaplen %u out of range 64..262144", o->snaplen);
                return CST_EFATAL;
        }
        struct cst_capture *c = calloc(1, sizeof(*c));
        if (!c) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        c->fd = -1;
        c->snaplen = o->snaplen;
        c->ops = backend_ops(o->backend);
        snprintf(c->ifname, sizeof(c->ifname), "%s", o->interface ? o->interface : "");
        if (capture_setup(c, o, err) < 0) {
                cst_capture_close(c);
                return CST_EFATAL;
        }
        *out = c;
        return CST_OK;
}

int cst_capture_next_batch(cst_capture *c, struct cst_packet *pkts, unsigned max, int timeout_ms,
                           char *err)
{
        if (max == 0)
                return 0;
        int n = c->ops->next_batch(c, pkts, max, timeout_ms, err);
        if (n > 0)
                c->st.packets_delivered += (uint64_t)n;
        return n;
}

void cst_capture_release(cst_capture *c)
{
        if (c->ops->release)
                c->ops->release(c);
}

/* The one place where PACKET_STATISTICS is read: the kernel zeroes it on read. */
static int stats_accumulate(struct cst_capture *c, char *err)
{
        struct tpacket_stats_v3 ks;
        socklen_t len = sizeof(ks);
        memset(&ks, 0, sizeof(ks));
        if (c->ops && c->ops->kstats)
                return c->ops->kstats(c, err);
        if (c->fd < 0)
                return CST_OK;
        if (getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) < 0) {
                snprintf(err, CST_ERRBUF, "cannot read PACKET_STATISTICS: %s", strerror(errno));
                return CST_EFATAL;
        }
        /* tp_packets already includes tp_drops (the kernel adds them on read). */
        c->st.kernel_packets += ks.tp_packets;
        c->st.kernel_drops += ks.tp_drops;
        if (len >= sizeof(ks))
                c->st.kernel_freeze_q += ks.tp_freeze_q_cnt;
        c->st.have_kernel = true;
        return CST_OK;
}

int cst_capture_stats(cst_capture *c, struct cst_capture_stats *st, char *err)
{
        int rc = stats_accumulate(c, err);
        *st = c->st;
        return rc;
}

uint32_t cst_capture_linktype(const cst_capture *c)
{
        return c->linktype;
}

const char *cst_capture_warning(const cst_capture *c)
{
        return c->warning;
}

const char *cst_capture_ifname(const cst_capture *c)
{
        return c->ifname;
}

int cst_capture_ifindex(const cst_capture *c)
{
        return c->ifindex;
}

uint16_t cst_capture_fanout_group(const cst_capture *c)
{
        return c->fanout_id;
}

void cst_capture_close(cst_capture *c)
{
        if (!c)
                return;
        if (c->promisc_on)
                promisc_membership(c, PACKET_DROP_MEMBERSHIP, NULL);
        if (c->ops && c->ops->teardown)
                c->ops->teardown(c);
        if (c->fd >= 0)
                close(c->fd);
        free(c);
}
