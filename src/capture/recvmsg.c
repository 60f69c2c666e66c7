/*
 * recvmsg backend — AF_PACKET read with recvmmsg(), a batch per system call.
 *
 *  - MSG_TRUNC makes the kernel report the wire length even when the frame
 *    did not fit the slot, so a cut frame is recorded as cut (caplen <
 *    origlen), unlike the AFPacket recorder (SPEC 3.5) which mislabelled it;
 *  - SO_TIMESTAMPNS gives the kernel receive time in nanoseconds;
 *  - PACKET_AUXDATA reports the VLAN tag the device stripped; it is put back
 *    into the frame in the slot's headroom (see frame.c);
 *  - the direction comes from sll_pkttype.
 *
 * Each slot is [AFP_HEADROOM][snaplen bytes]; the views point into the slots
 * and stay valid until the next batch.  poll() bounds the wait so the caller
 * re-checks its limits and signal flags at least every timeout_ms.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include "capture/afp.h"

#define RM_DEFAULT_BUFFER_KIB 8192 /* like a 8 MiB ring */
#define CMSG_BYTES                                                                                 \
        (CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(struct tpacket_auxdata)))

struct rm_priv {
        unsigned batch;
        uint32_t slot_len; /* AFP_HEADROOM + snaplen */
        uint8_t *slots;
        struct mmsghdr *msgs;
        struct iovec *iov;
        struct sockaddr_ll *from;
        uint8_t (*cmsg)[CMSG_BYTES];
};

static int enable_option(int fd, int level, int name, const char *what, char *err)
{
        int one = 1;
        if (setsockopt(fd, level, name, &one, sizeof(one)) < 0) {
                snprintf(err, CST_ERRBUF, "cannot enable %s: %s", what, strerror(errno));
                return CST_EFATAL;
        }
        return CST_OK;
}

/* SO_RCVBUFFORCE passes rmem_max when privileged; plain SO_RCVBUF otherwise. */
static int rm_set_buffer(int fd, uint32_t kib, char *err)
{
        int bytes = (int)(kib > 1048576 ? 1048576 * 1024u : kib * 1024u);
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0 &&
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0) {
                snprintf(err, CST_ERRBUF, "cannot set the receive buffer to %u KiB: %s", kib,
                         strerror(errno));
                return CST_EFATAL;
        }
        return CST_OK;
}

static int rm_setup(struct cst_capture *c, const struct cst_capture_opts *o, char *err)
{
        struct rm_priv *p = calloc(1, sizeof(*p));
        if (!p)
                goto out_nomem;
        c->priv = p;
        p->batch = o->batch ? o->batch : 64;
        p->slot_len = AFP_HEADROOM + AFP_VNET_HDR_LEN + c->snaplen;
        p->slots = malloc((size_t)p->batch * p->slot_len);
        p->msgs = calloc(p->batch, sizeof(*p->msgs));
        p->iov = calloc(p->batch, sizeof(*p->iov));
        p->from = calloc(p->batch, sizeof(*p->from));
        p->cmsg = calloc(p->batch, sizeof(*p->cmsg));
        if (!p->slots || !p->msgs || !p->iov || !p->from || !p->cmsg)
                goto out_nomem;
        if (enable_option(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, "SO_TIMESTAMPNS", err) < 0 ||
            enable_option(c->fd, SOL_PACKET, PACKET_AUXDATA, "PACKET_AUXDATA", err) < 0)
                return CST_EFATAL;
        return rm_set_buffer(c->fd, o->buffer_kib ? o->buffer_kib : RM_DEFAULT_BUFFER_KIB, err);
out_nomem:
        snprintf(err, CST_ERRBUF, "out of memory for %u receive slots", o->batch);
        return CST_ENOMEM;
}

static void rm_arm(struct rm_priv *p, unsigned n)
{
        for (unsigned i = 0; i < n; i++) {
                p->iov[i].iov_base = p->slots + (size_t)i * p->slot_len + AFP_HEADROOM;
                p->iov[i].iov_len = p->slot_len - AFP_HEADROOM;
                struct msghdr *m = &p->msgs[i].msg_hdr;
                m->msg_name = &p->from[i];
                m->msg_namelen = sizeof(p->from[i]);
                m->msg_iov = &p->iov[i];
                m->msg_iovlen = 1;
                m->msg_control = p->cmsg[i];
                m->msg_controllen = sizeof(p->cmsg[i]);
                m->msg_flags = 0;
        }
}

/* Kernel timestamp and VLAN metadata of one message. */
static void rm_ancillary(struct msghdr *m, struct timespec *ts, struct tpacket_auxdata *aux)
{
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS)
                        memcpy(ts, CMSG_DATA(cm), sizeof(*ts));
                else if (cm->cmsg_level == SOL_PACKET && cm->cmsg_type == PACKET_AUXDATA)
                        memcpy(aux, CMSG_DATA(cm), sizeof(*aux));
        }
}

static void rm_fill(struct cst_capture *c, struct rm_priv *p, unsigned i, struct cst_packet *pkt)
{
        struct msghdr *m = &p->msgs[i].msg_hdr;
        struct timespec ts = {0, 0};
        struct tpacket_auxdata aux;
        memset(&aux, 0, sizeof(aux));
        rm_ancillary(m, &ts, &aux);
        if (ts.tv_sec == 0 && ts.tv_nsec == 0)
                clock_gettime(CLOCK_REALTIME, &ts);
        uint8_t *data = p->iov[i].iov_base;
        uint32_t origlen = p->msgs[i].msg_len;
        const struct sockaddr_ll *sll = &p->from[i];
        memset(pkt, 0, sizeof(*pkt));
        if (c->vnet && origlen >= AFP_VNET_HDR_LEN) {
                afp_vnet_read(data, pkt);
                data += AFP_VNET_HDR_LEN;
                origlen -= AFP_VNET_HDR_LEN;
        }
        uint32_t caplen = origlen < c->snaplen ? origlen : c->snaplen;
        bool vlan = aux.tp_status & TP_STATUS_VLAN_VALID;
        uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : 0;
        if (vlan)
                pkt->vlan_tci = aux.tp_vlan_tci;
        if (vlan && !c->cooked)
                data = afp_vlan_reinsert(data, &caplen, &origlen, tpid, aux.tp_vlan_tci);
        else if (vlan)
                data = afp_sll2_prepend_vlan(data, sll, &caplen, &origlen, tpid, aux.tp_vlan_tci);
        else if (c->cooked)
                data = afp_sll2_prepend(data, sll, &caplen, &origlen);
        pkt->data = data;
        pkt->caplen = caplen;
        pkt->origlen = origlen;
        pkt->ts_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        pkt->ts_hi = (uint32_t)ts.tv_sec;
        pkt->ts_lo = (uint32_t)ts.tv_nsec;
        pkt->linktype = c->linktype;
        pkt->ifid = (uint32_t)sll->sll_ifindex;
        pkt->direction = afp_direction(sll->sll_pkttype);
        pkt->kind = CST_REC_PACKET;
}

/* 1 when readable, 0 on timeout or signal, CST_EFATAL on a socket error. */
static int rm_wait(struct cst_capture *c, int timeout_ms, char *err)
{
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc < 0)
                return errno == EINTR
                           ? 0
                           : (snprintf(err, CST_ERRBUF, "poll: %s", strerror(errno)), CST_EFATAL);
        if (rc == 0)
                return 0;
        if (pfd.revents & (POLLNVAL | POLLHUP)) {
                snprintf(err, CST_ERRBUF, "capture socket on %s closed", c->ifname);
                return CST_EFATAL;
        }
        return 1;
}

static int rm_next_batch(struct cst_capture *c, struct cst_packet *pkts, unsigned max,
                         int timeout_ms, char *err)
{
        struct rm_priv *p = c->priv;
        unsigned n = max < p->batch ? max : p->batch;
        int rc = rm_wait(c, timeout_ms, err);
        if (rc <= 0)
                return rc;
        rm_arm(p, n);
        int got = recvmmsg(c->fd, p->msgs, n, MSG_TRUNC | MSG_DONTWAIT, NULL);
        if (got < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                if (errno == ENOBUFS || errno == ENOMEM) {
                        c->st.receive_errors++;
                        return 0;
                }
                snprintf(err, CST_ERRBUF, "receive on %s failed: %s", c->ifname, strerror(errno));
                return CST_EFATAL;
        }
        int out = 0;
        for (int i = 0; i < got; i++)
                if (!afp_loopback_outgoing(&p->from[i]))
                        rm_fill(c, p, (unsigned)i, &pkts[out++]);
        return out;
}

static void rm_teardown(struct cst_capture *c)
{
        struct rm_priv *p = c->priv;
        if (!p)
                return;
        free(p->slots);
        free(p->msgs);
        free(p->iov);
        free(p->from);
        free(p->cmsg);
        free(p);
        c->priv = NULL;
}

const struct afp_backend_ops afp_recvmsg_ops = {
    .name = "recvmsg",
    .setup = rm_setup,
    .next_batch = rm_next_batch,
    .release = NULL,
    .teardown = rm_teardown,
};
