/*
 * fanout — several AF_PACKET sockets sharing one interface's traffic
 * (PACKET_FANOUT, Documentation/networking/packet_mmap.rst "AF_PACKET fanout
 * mode").  Every socket of a group gets a disjoint share of the packets:
 * PACKET_FANOUT_HASH picks the socket from the kernel's symmetric flow hash
 * (skb_get_hash_symmetric), so both directions of a connection reach the
 * same socket and its worker's flow table; PACKET_FANOUT_FLAG_DEFRAG has IP
 * fragments reassembled before the hash, so a fragmented datagram is not
 * split across workers.
 *
 * The kernel lets a socket join a group only once it is bound to a protocol,
 * and from bind() to the join the socket receives every packet on its own —
 * packets another member of the group also receives.  So a member is opened
 * with a filter that accepts nothing (SO_ATTACH_FILTER "ret #0"), bound,
 * joined, and only then given its real filter (or none): no packet is ever
 * seen twice.
 *
 * The group id is 16 bits, shared by every process of the network
 * namespace: a socket that names the id of another process's group, in the
 * same mode and on the same device, joins it silently, and the two captures
 * split each other's packets.  So the first member asks the kernel for an
 * id no group uses (PACKET_FANOUT_FLAG_UNIQUEID, Linux 4.2), reads it back
 * (getsockopt PACKET_FANOUT: id | type << 16 | flags << 24) and the other
 * members join that id.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include "capture/afp.h"

int afp_fanout_block_all(int fd, char *err)
{
        struct sock_filter reject = BPF_STMT(BPF_RET | BPF_K, 0);
        struct sock_fprog prog = {1, &reject};
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
                snprintf(err, CST_ERRBUF, "cannot attach the fanout start filter: %s",
                         strerror(errno));
                return CST_EFATAL;
        }
        return CST_OK;
}

#ifndef PACKET_FANOUT_FLAG_UNIQUEID
#define PACKET_FANOUT_FLAG_UNIQUEID 0x2000
#endif

/* The first member: a group under an id the kernel picks, read back into c->fanout_id. */
static int fanout_create(struct cst_capture *c, char *err)
{
        uint32_t mode = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG;
        uint32_t arg = (mode | PACKET_FANOUT_FLAG_UNIQUEID) << 16; /* id 0: the kernel's pick */
        if (setsockopt(c->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0) {
                snprintf(err, CST_ERRBUF,
                         "cannot create a fanout group on %s: %s (the kernel must pick a free "
                         "group id, PACKET_FANOUT_FLAG_UNIQUEID: Linux 4.2 or later)",
                         c->ifname, strerror(errno));
                return CST_EFATAL;
        }
        uint32_t got = 0;
        socklen_t len = sizeof(got);
        if (getsockopt(c->fd, SOL_PACKET, PACKET_FANOUT, &got, &len) < 0 || len != sizeof(got) ||
            ((got >> 16) & 0xff) != PACKET_FANOUT_HASH) {
                snprintf(err, CST_ERRBUF, "cannot read the fanout group id on %s: %s", c->ifname,
                         errno ? strerror(errno) : "unexpected answer");
                return CST_EFATAL;
        }
        c->fanout_id = (uint16_t)(got & 0xffff);
        return CST_OK;
}

static int fanout_add(struct cst_capture *c, uint16_t id, char *err)
{
        uint32_t arg =
            (uint32_t)id | ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
        if (setsockopt(c->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0) {
                snprintf(err, CST_ERRBUF, "cannot join fanout group %u on %s: %s", id, c->ifname,
                         strerror(errno));
                return CST_EFATAL;
        }
        c->fanout_id = id;
        return CST_OK;
}

int afp_fanout_join(struct cst_capture *c, const struct cst_capture_opts *o, char *err)
{
        errno = 0;
        int rc = o->fanout_new ? fanout_create(c, err) : fanout_add(c, o->fanout_group, err);
        if (rc != CST_OK)
                return rc;
        /* the group is formed: now the member's own filter (the same on every member) */
        if (o->filter && *o->filter)
                return afp_filter_attach(c->fd, o->filter, c->linktype, c->snaplen, c->cooked, err);
        int zero = 0;
        if (setsockopt(c->fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero)) < 0) {
                snprintf(err, CST_ERRBUF, "cannot remove the fanout start filter: %s",
                         strerror(errno));
                return CST_EFATAL;
        }
        return CST_OK;
}
