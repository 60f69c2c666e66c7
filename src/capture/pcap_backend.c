/*
 * pcap backend (`--backend pcap`) — capture through libpcap, for devices an
 * AF_PACKET socket cannot open (usbmon, nflog, ...) and as the portable path.
 * libpcap resolves the device, opens and binds its own socket or ring and
 * reports the link type (any DLT, e.g. LINUX_SLL2 for "any"); the handle is
 * set up as tcpdump does (pcap_create, snaplen, promiscuous, buffer size from
 * -B, immediate mode off so the kernel batches, the block timeout as read
 * timeout, nanosecond time stamps where the platform has them, then
 * pcap_activate; the filter with pcap_compile/pcap_setfilter).
 *
 * Batching: one pcap_dispatch() fills the pipeline's batch.  libpcap's
 * packet bytes are valid only inside its callback (its ring block goes back
 * to the kernel afterwards), so the callback copies each packet into an
 * arena reused from batch to batch; the views stay valid until the next call
 * as the pipeline expects.  On Linux pcap_dispatch may hand out up to one
 * ring block more than asked for: those packets wait in `pend` and are
 * delivered by the next call without reading again.  The handle is
 * non-blocking and the wait is our poll() on its selectable descriptor, so
 * the caller's timeout (signals, limits) is honoured.
 *
 * Direction comes from the cooked headers (SLL/SLL2 packet type); other link
 * types carry none.  libpcap already puts stripped VLAN tags back and drops
 * the outgoing copy of loopback packets.  The link type is libpcap's
 * default, as tcpdump writes it: LINUX_SLL (v1) for "any", not the SLL2 of
 * the AF_PACKET backends, because libpcap 1.10 puts a stripped VLAN tag back
 * into SLL frames but not into SLL2 ones (and SLL's lack of an interface
 * index costs less than a lost tag); PCAPNG on "any" then has one IDB.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include "capture/afp.h"
#include "util/rd.h"

#define PC_ARENA_BYTES (8u << 20) /* packet bytes of one batch */
/* Stop the dispatch when less is left: libpcap finishes the ring block it is in (256 KiB). */
#define PC_ARENA_LOW (1u << 20)
#define PC_PEND_CAP  1024 /* > 2 x the largest batch: libpcap's overshoot is < one batch */
#define PC_SLL_LEN   16   /* LINKTYPE_LINUX_SLL header */

struct pc_priv {
        /* hot */
        pcap_t *pc;
        struct cst_capture *c;
        uint8_t *arena;
        size_t used;
        struct cst_packet *out; /* the caller's batch */
        unsigned max, n;        /* n: packets stored by this dispatch (out, then pend) */
        unsigned pend_pos;      /* next pend entry to deliver */
        unsigned pend_n;
        bool nsec;
        bool low_break; /* pcap_breakloop() was called for this dispatch */
        uint64_t lost;  /* did not fit the arena (should not happen; counted) */
        int fd;         /* selectable descriptor, -1 = none (poll by timeout) */
        struct cst_packet pend[PC_PEND_CAP];
};

/* DLT_ values that differ from the LINKTYPE_ written in files (pcap-common.c's table). */
static uint32_t pc_linktype(int dlt)
{
        switch (dlt) {
#ifdef DLT_RAW
        case DLT_RAW:
                return CST_LINK_RAW;
#endif
#ifdef DLT_ATM_RFC1483
        case DLT_ATM_RFC1483:
                return 100;
#endif
#if defined(DLT_LOOP) && DLT_LOOP != 108
        case DLT_LOOP:
                return 108;
#endif
        default:
                return (uint32_t)dlt;
        }
}

/* Direction and interface of a cooked frame; other link types have neither. */
static void pc_cooked_fields(const struct cst_capture *c, struct cst_packet *pkt)
{
        struct rd r = rd_init(pkt->data, pkt->caplen);
        if (c->linktype == CST_LINK_LINUX_SLL2) {
                uint32_t ifindex = (uint32_t)rd_peek_be16(&r, 4) << 16 | rd_peek_be16(&r, 6);
                uint8_t pkttype = rd_peek_u8(&r, 10);
                if (!r.err && pkt->caplen >= AFP_SLL2_HDR_LEN) {
                        pkt->ifid = ifindex;
                        pkt->direction = afp_direction(pkttype);
                }
        } else if (c->linktype == CST_LINK_LINUX_SLL && pkt->caplen >= PC_SLL_LEN) {
                uint16_t pkttype = rd_peek_be16(&r, 0);
                pkt->direction = pkttype <= 0xFF ? afp_direction((uint8_t)pkttype) : 0;
        }
}

static void pc_store(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
        struct pc_priv *p = (struct pc_priv *)(void *)user;
        uint32_t caplen = h->caplen;
        struct cst_packet *pkt;
        if (p->n < p->max)
                pkt = &p->out[p->n];
        else if (p->n - p->max < PC_PEND_CAP)
                pkt = &p->pend[p->n - p->max];
        else
                pkt = NULL;
        if (!pkt || caplen > PC_ARENA_BYTES - p->used) {
                p->lost++;
                return;
        }
        uint8_t *dst = p->arena + p->used;
        memcpy(dst, bytes, caplen);
        p->used += (caplen + 7u) & ~7u;
        if (p->used > PC_ARENA_BYTES)
                p->used = PC_ARENA_BYTES;
        p->n++;
        memset(pkt, 0, sizeof(*pkt));
        pkt->data = dst;
        pkt->caplen = caplen;
        pkt->origlen = h->len > caplen ? h->len : caplen;
        uint32_t frac = (uint32_t)h->ts.tv_usec;
        pkt->ts_hi = (uint32_t)h->ts.tv_sec;
        pkt->ts_lo = p->nsec ? frac : frac * 1000u;
        pkt->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + pkt->ts_lo;
        pkt->linktype = p->c->linktype;
        pkt->ifid = p->c->ifindex > 0 ? (uint32_t)p->c->ifindex : 0;
        pc_cooked_fields(p->c, pkt);
        pkt->kind = CST_REC_PACKET;
        if (!p->low_break && PC_ARENA_BYTES - p->used < PC_ARENA_LOW) {
                p->low_break = true;
                pcap_breakloop(p->pc);
        }
}

/* One line from libpcap's text: its messages may carry a newline. */
static void pc_message(char *err, const char *fmt_prefix, const char *ifname, const char *text)
{
        snprintf(err, CST_ERRBUF, "%s %s: %s", fmt_prefix, ifname, text);
        for (char *s = err; *s; s++)
                if (*s == '\n' || *s == '\r')
                        *s = ' ';
}

/* pcap_activate's outcome as one line naming the interface. */
static void pc_status_text(struct pc_priv *p, int rc, const char *ifname, char *out)
{
        const char *detail = pcap_geterr(p->pc);
        char text[CST_ERRBUF - 64]; /* room for the prefix and the interface name */
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
                snprintf(out, CST_ERRBUF, "no such interface: %s (libpcap: %s)", ifname,
                         detail && *detail ? detail : pcap_statustostr(rc));
                for (char *s = out; *s; s++)
                        if (*s == '\n')
                                *s = ' ';
                return;
        }
        if (detail && *detail &&
            (rc == PCAP_ERROR || rc == PCAP_WARNING || rc == PCAP_ERROR_PERM_DENIED ||
             rc == PCAP_WARNING_PROMISC_NOTSUP))
                snprintf(text, sizeof(text), "%s (%s)", pcap_statustostr(rc), detail);
        else
                snprintf(text, sizeof(text), "%s", pcap_statustostr(rc));
        pc_message(out, rc < 0 ? "cannot capture with libpcap on" : "libpcap warning on", ifname,
                   text);
}

static int pc_configure(struct cst_capture *c, struct pc_priv *p, const struct cst_capture_opts *o,
                        char *err)
{
        uint64_t buf = o->buffer_kib ? (uint64_t)o->buffer_kib * 1024
                                     : (uint64_t)o->block_size * o->block_count;
        if (buf > (1u << 30))
                buf = 1u << 30;
        if (pcap_set_snaplen(p->pc, (int)c->snaplen) != 0 ||
            pcap_set_promisc(p->pc, o->promiscuous && strcmp(c->ifname, "any") != 0) != 0 ||
            (buf && pcap_set_buffer_size(p->pc, (int)buf) != 0) ||
            pcap_set_immediate_mode(p->pc, 0) != 0 ||
            pcap_set_timeout(p->pc, o->block_timeout_ms ? (int)o->block_timeout_ms : 1) != 0) {
                pc_message(err, "cannot configure libpcap on", c->ifname, pcap_geterr(p->pc));
                return CST_EFATAL;
        }
#ifdef PCAP_TSTAMP_PRECISION_NANO
        /* Not every platform has nanoseconds: then microseconds, converted per packet. */
        (void)pcap_set_tstamp_precision(p->pc, PCAP_TSTAMP_PRECISION_NANO);
#endif
        return CST_OK;
}

static int pc_filter(struct cst_capture *c, struct pc_priv *p, const char *expr, char *err)
{
        struct bpf_program bp;
        if (pcap_compile(p->pc, &bp, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
                snprintf(err, CST_ERRBUF, "bad filter expression '%s': %s", expr,
                         pcap_geterr(p->pc));
                return CST_EFATAL;
        }
        int rc = pcap_setfilter(p->pc, &bp);
        pcap_freecode(&bp);
        if (rc < 0) {
                snprintf(err, CST_ERRBUF, "cannot attach filter '%s' on %s: %s", expr, c->ifname,
                         pcap_geterr(p->pc));
                return CST_EFATAL;
        }
        return CST_OK;
}

/* After activation: link type, time stamp precision, interface index, descriptor. */
static int pc_activated(struct cst_capture *c, struct pc_priv *p, char *err)
{
        c->linktype = pc_linktype(pcap_datalink(p->pc));
#ifdef PCAP_TSTAMP_PRECISION_NANO
        p->nsec = pcap_get_tstamp_precision(p->pc) == PCAP_TSTAMP_PRECISION_NANO;
#endif
        /* "any": 0, so PCAPNG writes one IDB per interface from the SLL2 ifindex. */
        unsigned idx = strcmp(c->ifname, "any") == 0 ? 0 : if_nametoindex(c->ifname);
        c->ifindex = idx ? (int)idx : (strcmp(c->ifname, "any") == 0 ? 0 : -1);
        char perr[PCAP_ERRBUF_SIZE];
        if (pcap_setnonblock(p->pc, 1, perr) < 0) {
                pc_message(err, "cannot make the libpcap handle non-blocking on", c->ifname, perr);
                return CST_EFATAL;
        }
        p->fd = pcap_get_selectable_fd(p->pc);
        return CST_OK;
}

static int pc_setup(struct cst_capture *c, const struct cst_capture_opts *o, char *err)
{
        if (!o->interface || !*o->interface) {
                snprintf(err, CST_ERRBUF, "no capture interface given");
                return CST_EFATAL;
        }
        struct pc_priv *p = calloc(1, sizeof(*p));
        if (!p || !(p->arena = malloc(PC_ARENA_BYTES))) {
                free(p);
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        c->priv = p;
        p->c = c;
        p->fd = -1;
        char perr[PCAP_ERRBUF_SIZE] = "";
        p->pc = pcap_create(o->interface, perr);
        if (!p->pc) {
                pc_message(err, "cannot capture with libpcap on", c->ifname, perr);
                return CST_EFATAL;
        }
        if (pc_configure(c, p, o, err) < 0)
                return CST_EFATAL;
        int rc = pcap_activate(p->pc);
        if (rc < 0) {
                pc_status_text(p, rc, c->ifname, err);
                return CST_EFATAL;
        }
        if (rc > 0)
                pc_status_text(p, rc, c->ifname, c->warning);
        if (pc_activated(c, p, err) < 0)
                return CST_EFATAL;
        if (o->filter && *o->filter && pc_filter(c, p, o->filter, err) < 0)
                return CST_EFATAL;
        return CST_OK;
}

/* Packets a previous dispatch handed out beyond its batch. */
static int pc_deliver_pending(struct pc_priv *p, struct cst_packet *pkts, unsigned max)
{
        unsigned n = p->pend_n - p->pend_pos;
        if (n > max)
                n = max;
        memcpy(pkts, &p->pend[p->pend_pos], n * sizeof(*pkts));
        p->pend_pos += n;
        return (int)n;
}

static int pc_dispatch(struct cst_capture *c, struct pc_priv *p, struct cst_packet *pkts,
                       unsigned max, char *err)
{
        p->used = 0;
        p->out = pkts;
        p->max = max;
        p->n = 0;
        p->low_break = false;
        uint64_t lost = p->lost;
        int rc = pcap_dispatch(p->pc, (int)max, pc_store, (u_char *)p);
        c->st.receive_errors += p->lost - lost;
        if (rc == PCAP_ERROR) {
                pc_message(err, "capture failed on", c->ifname, pcap_geterr(p->pc));
                return CST_EFATAL;
        }
        if (p->n > max) {
                p->pend_pos = 0;
                p->pend_n = p->n - max;
                return (int)max;
        }
        return (int)p->n;
}

/* 1 when readable, 0 on timeout or signal, CST_EFATAL on an error of the descriptor. */
static int pc_wait(struct cst_capture *c, struct pc_priv *p, int timeout_ms, char *err)
{
        if (p->fd < 0) /* no descriptor to wait on: libpcap's own timeout paces us */
                return 1;
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc < 0) {
                if (errno == EINTR)
                        return 0;
                snprintf(err, CST_ERRBUF, "poll: %s", strerror(errno));
                return CST_EFATAL;
        }
        if (rc > 0 && (pfd.revents & POLLNVAL)) {
                snprintf(err, CST_ERRBUF, "capture on %s failed: descriptor closed", c->ifname);
                return CST_EFATAL;
        }
        return rc > 0;
}

static int pc_next_batch(struct cst_capture *c, struct cst_packet *pkts, unsigned max,
                         int timeout_ms, char *err)
{
        struct pc_priv *p = c->priv;
        if (p->pend_pos < p->pend_n)
                return pc_deliver_pending(p, pkts, max);
        p->pend_pos = p->pend_n = 0;
        int n = pc_dispatch(c, p, pkts, max, err);
        if (n != 0)
                return n;
        int rc = pc_wait(c, p, timeout_ms, err);
        if (rc <= 0)
                return rc;
        return pc_dispatch(c, p, pkts, max, err);
}

/* libpcap's counters are totals since activation (it accumulates the kernel's itself). */
static int pc_kstats(struct cst_capture *c, char *err)
{
        struct pc_priv *p = c->priv;
        struct pcap_stat ps;
        if (!p || !p->pc)
                return CST_OK;
        memset(&ps, 0, sizeof(ps));
        if (pcap_stats(p->pc, &ps) < 0) {
                pc_message(err, "cannot read libpcap statistics on", c->ifname, pcap_geterr(p->pc));
                return CST_EFATAL;
        }
        c->st.kernel_packets = ps.ps_recv;
        c->st.kernel_drops = ps.ps_drop;
        c->st.have_kernel = true;
        return CST_OK;
}

static void pc_teardown(struct cst_capture *c)
{
        struct pc_priv *p = c->priv;
        if (!p)
                return;
        if (p->pc)
                pcap_close(p->pc);
        free(p->arena);
        free(p);
        c->priv = NULL;
}

const struct afp_backend_ops afp_pcap_ops = {
    .name = "pcap",
    .no_socket = true,
    .kstats = pc_kstats,
    .setup = pc_setup,
    .next_batch = pc_next_batch,
    .release = NULL,
    .teardown = pc_teardown,
};
