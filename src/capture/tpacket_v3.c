/*
 * tpacket_v3 backend — the PACKET_MMAP receive ring of TPACKET_V3 (SPEC 3.5,
 * Documentation/networking/packet_mmap.rst).
 *
 * The kernel fills whole blocks of packets and hands a block to user space by
 * setting TP_STATUS_USER in its descriptor (when full or when the block
 * timeout retires it); user space gives it back with TP_STATUS_KERNEL.  The
 * two hand-offs are named functions with acquire/release ordering, so the
 * packet bytes are read only after the kernel published them and the block
 * is returned only after we are done with them.
 *
 * Views point into the ring (zero copy).  A batch holds packets of one block
 * only; the block is returned at the start of the batch after its last packet
 * was handed out, so the views of a batch stay valid until the next call.
 * tp_reserve leaves AFP_HEADROOM bytes in front of every frame: the stripped
 * VLAN tag is put back there (libpcap does the same), and in cooked mode the
 * SLL2 header is written there.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include "capture/afp.h"

struct tp_priv {
        uint8_t *ring;
        size_t ring_len;
        uint32_t block_size;
        uint32_t block_count;
        uint32_t cur;       /* block being read */
        bool active;        /* cur is owned by us and being walked */
        bool exhausted;     /* every packet of cur was handed out: give it back */
        uint32_t pkts_left; /* in cur */
        uint32_t off;       /* of the next packet header within cur */
};

static struct tpacket_block_desc *tp_block(struct tp_priv *p, uint32_t i)
{
        return (struct tpacket_block_desc *)(void *)(p->ring + (size_t)i * p->block_size);
}

/* The kernel retired the block (full or timed out): user space may read it. */
static bool user_may_pull_block(struct tpacket_block_desc *b)
{
        return __atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER;
}

/* Hand the block back to the kernel once no view into it is in use. */
static void kernel_may_fill_block(struct tpacket_block_desc *b)
{
        __atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

static int tp_validate(const struct cst_capture_opts *o, uint32_t count, char *err)
{
        long page = sysconf(_SC_PAGESIZE);
        uint32_t min_frame = TPACKET_ALIGN(TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) +
                                           TPACKET_ALIGN(sizeof(struct sockaddr_ll)));
        if (o->block_size == 0 || count == 0 || o->frame_size == 0)
                snprintf(err, CST_ERRBUF,
                         "ring_block_size, ring_block_count and ring_frame_size "
                         "must be > 0");
        else if (o->frame_size % TPACKET_ALIGNMENT || o->frame_size < min_frame)
                snprintf(err, CST_ERRBUF,
                         "ring_frame_size %u must be a multiple of %d and at least %u",
                         o->frame_size, TPACKET_ALIGNMENT, min_frame);
        else if (o->block_size % o->frame_size)
                snprintf(err, CST_ERRBUF,
                         "ring_block_size %u is not a multiple of ring_frame_size %u",
                         o->block_size, o->frame_size);
        else if (page > 0 && o->block_size % (uint32_t)page)
                snprintf(err, CST_ERRBUF,
                         "ring_block_size %u is not a multiple of the page size %ld", o->block_size,
                         page);
        else if ((uint64_t)o->block_size * count > (1ull << 34))
                snprintf(err, CST_ERRBUF, "ring of %u x %u bytes is too large", count,
                         o->block_size);
        else
                return CST_OK;
        return CST_EFATAL;
}

static int tp_sockopt(int fd, int name, const void *v, socklen_t len, const char *what, char *err)
{
        if (setsockopt(fd, SOL_PACKET, name, v, len) < 0) {
                snprintf(err, CST_ERRBUF, "cannot set %s: %s", what, strerror(errno));
                return CST_EFATAL;
        }
        return CST_OK;
}

/*
 * A ring sized by -B keeps at least this many blocks: the kernel fills one
 * block while user space holds others, so a ring of a few big blocks would
 * drop packets while one is read.
 */
#define TP_MIN_BLOCKS 16u

/*
 * The block size for a ring of buffer_kib: the configured one, halved (down
 * to what the frame size and the page size allow) until the ring has
 * TP_MIN_BLOCKS blocks.  Big blocks mean fewer wake-ups (one per block), so
 * only a small -B gets small blocks.
 */
static uint32_t tp_block_size_for(const struct cst_capture_opts *o)
{
        uint32_t bs = o->block_size;
        long page = sysconf(_SC_PAGESIZE);
        uint64_t ring = (uint64_t)o->buffer_kib * 1024;
        if (!o->buffer_kib || !o->frame_size || page <= 0)
                return bs;
        while (ring / bs < TP_MIN_BLOCKS && bs % 2 == 0 && (bs / 2) % o->frame_size == 0 &&
               (bs / 2) % (uint32_t)page == 0)
                bs /= 2;
        return bs;
}

static int tp_setup(struct cst_capture *c, const struct cst_capture_opts *opts, char *err)
{
        struct cst_capture_opts sized = *opts;
        const struct cst_capture_opts *o = &sized;
        uint32_t count = o->block_count;
        if (o->buffer_kib && o->block_size) {
                sized.block_size = tp_block_size_for(opts);
                count = (uint32_t)(((uint64_t)o->buffer_kib * 1024 + o->block_size - 1) /
                                   o->block_size);
        }
        if (tp_validate(o, count, err) < 0)
                return CST_EFATAL;
        struct tp_priv *p = calloc(1, sizeof(*p));
        if (!p) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        c->priv = p;
        int version = TPACKET_V3, reserve = AFP_HEADROOM;
        if (tp_sockopt(c->fd, PACKET_VERSION, &version, sizeof(version), "PACKET_VERSION", err) ||
            tp_sockopt(c->fd, PACKET_RESERVE, &reserve, sizeof(reserve), "PACKET_RESERVE", err))
                return CST_EFATAL;
        struct tpacket_req3 req;
        memset(&req, 0, sizeof(req));
        req.tp_block_size = o->block_size;
        req.tp_block_nr = count;
        req.tp_frame_size = o->frame_size;
        req.tp_frame_nr = o->block_size / o->frame_size * count;
        req.tp_retire_blk_tov = o->block_timeout_ms;
        if (tp_sockopt(c->fd, PACKET_RX_RING, &req, sizeof(req), "PACKET_RX_RING", err))
                return CST_EFATAL;
        p->block_size = o->block_size;
        p->block_count = count;
        p->ring_len = (size_t)o->block_size * count;
        void *ring = mmap(NULL, p->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
        if (ring == MAP_FAILED) {
                snprintf(err, CST_ERRBUF, "cannot map the capture ring (%zu bytes): %s",
                         p->ring_len, strerror(errno));
                p->ring_len = 0;
                return CST_EFATAL;
        }
        p->ring = ring;
        return CST_OK;
}

/* 1 when the current block is ours, 0 on timeout/signal, CST_EFATAL on error. */
static int tp_wait_block(struct cst_capture *c, struct tp_priv *p, int timeout_ms, char *err)
{
        if (user_may_pull_block(tp_block(p, p->cur)))
                return 1;
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN | POLLERR};
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc < 0) {
                if (errno == EINTR)
                        return 0;
                snprintf(err, CST_ERRBUF, "poll: %s", strerror(errno));
                return CST_EFATAL;
        }
        if (rc > 0 && (pfd.revents & (POLLERR | POLLNVAL | POLLHUP))) {
                int soerr = 0;
                socklen_t len = sizeof(soerr);
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
                snprintf(err, CST_ERRBUF, "capture ring on %s failed: %s", c->ifname,
                         soerr ? strerror(soerr) : "socket error");
                return CST_EFATAL;
        }
        return user_may_pull_block(tp_block(p, p->cur)) ? 1 : 0;
}

static void tp_give_back(struct tp_priv *p)
{
        kernel_may_fill_block(tp_block(p, p->cur));
        p->cur = (p->cur + 1) % p->block_count;
        p->active = false;
        p->exhausted = false;
}

/* Check the descriptor of a block we now own; false = discard it. */
static bool tp_activate(struct cst_capture *c, struct tp_priv *p)
{
        struct tpacket_block_desc *b = tp_block(p, p->cur);
        uint32_t num = b->hdr.bh1.num_pkts, first = b->hdr.bh1.offset_to_first_pkt;
        if (num == 0)
                return false;
        if ((uint64_t)first + sizeof(struct tpacket3_hdr) > p->block_size ||
            num > p->block_size / sizeof(struct tpacket3_hdr)) {
                c->st.receive_errors++;
                return false;
        }
        p->pkts_left = num;
        p->off = first;
        p->active = true;
        return true;
}

/* Give up on the rest of a block whose layout is inconsistent. */
static void tp_discard_rest(struct cst_capture *c, struct tp_priv *p)
{
        c->st.receive_errors++;
        p->pkts_left = 0;
}

/* Headroom writes must not reach the sockaddr_ll the kernel put after the header. */
static bool tp_headroom_ok(const struct tpacket3_hdr *h, uint32_t need)
{
        return h->tp_mac >= TPACKET3_HDRLEN + need;
}

static uint8_t *tp_fixup_frame(struct cst_capture *c, const struct tpacket3_hdr *h,
                               const struct sockaddr_ll *sll, uint8_t *data, uint32_t *caplen,
                               uint32_t *origlen)
{
        bool vlan = h->hv1.tp_vlan_tci != 0 || (h->tp_status & TP_STATUS_VLAN_VALID);
        uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : 0;
        uint16_t tci = (uint16_t)h->hv1.tp_vlan_tci;
        if (vlan && !c->cooked && tp_headroom_ok(h, AFP_VLAN_TAG_LEN))
                return afp_vlan_reinsert(data, caplen, origlen, tpid, tci);
        if (vlan && c->cooked && tp_headroom_ok(h, AFP_HEADROOM))
                return afp_sll2_prepend_vlan(data, sll, caplen, origlen, tpid, tci);
        if (c->cooked && tp_headroom_ok(h, AFP_SLL2_HDR_LEN))
                return afp_sll2_prepend(data, sll, caplen, origlen);
        return data;
}

/*
 * Turn the packet at p->off into a view: TP_TAKEN, TP_SKIPPED (the outgoing
 * copy of a loopback packet) or TP_ABANDON (the block must be abandoned).
 */
enum { TP_ABANDON = -1, TP_SKIPPED = 0, TP_TAKEN = 1 };
static int tp_take_packet(struct cst_capture *c, struct tp_priv *p, struct cst_packet *pkt)
{
        uint8_t *blk = (uint8_t *)tp_block(p, p->cur);
        struct tpacket3_hdr h;
        struct sockaddr_ll sll;
        size_t sll_off = (size_t)p->off + TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
        if (sll_off + sizeof(sll) > p->block_size)
                return TP_ABANDON;
        memcpy(&h, blk + p->off, sizeof(h));
        if ((uint64_t)p->off + h.tp_mac + h.tp_snaplen > p->block_size || h.tp_snaplen > h.tp_len)
                return TP_ABANDON;
        memcpy(&sll, blk + sll_off, sizeof(sll));
        if (afp_loopback_outgoing(&sll))
                return TP_SKIPPED;
        uint32_t caplen = h.tp_snaplen, origlen = h.tp_len;
        if (caplen > c->snaplen)
                caplen = c->snaplen;
        struct cst_packet gso = {0};
        if (c->vnet &&
            tp_headroom_ok(&h, AFP_VNET_HDR_LEN)) /* read before the fix-ups write there */
                afp_vnet_read(blk + p->off + h.tp_mac - AFP_VNET_HDR_LEN, &gso);
        uint8_t *data = tp_fixup_frame(c, &h, &sll, blk + p->off + h.tp_mac, &caplen, &origlen);
        memset(pkt, 0, sizeof(*pkt));
        pkt->gso_type = gso.gso_type;
        pkt->gso_size = gso.gso_size;
        pkt->data = data;
        pkt->caplen = caplen;
        pkt->origlen = origlen;
        pkt->ts_ns = (uint64_t)h.tp_sec * 1000000000u + h.tp_nsec;
        pkt->ts_hi = h.tp_sec;
        pkt->ts_lo = h.tp_nsec;
        pkt->linktype = c->linktype;
        pkt->ifid = (uint32_t)sll.sll_ifindex;
        pkt->direction = afp_direction(sll.sll_pkttype);
        if (h.tp_status & TP_STATUS_VLAN_VALID || h.hv1.tp_vlan_tci)
                pkt->vlan_tci = (uint16_t)h.hv1.tp_vlan_tci;
        pkt->kind = CST_REC_PACKET;
        return TP_TAKEN;
}

/* Step to the next packet header of the block (tp_next_offset). */
static bool tp_advance(struct tp_priv *p, uint32_t next)
{
        if (--p->pkts_left == 0)
                return true;
        if (next == 0 || (uint64_t)p->off + next + sizeof(struct tpacket3_hdr) > p->block_size)
                return false;
        p->off += next;
        return true;
}

/*
 * The kernel wrote the next frames from another CPU (softirq), so their lines
 * are cold here: ask for the next frame's header and first data bytes (tp_mac
 * is ~100 bytes in) while this packet is taken, and for the header of the one
 * TP_STRIDE_AHEAD frames on at the same stride (frames of a burst are often
 * alike; a wrong guess only wastes a prefetch), because one frame ahead is
 * less time than a line takes to come from the other CPU.  Integer
 * arithmetic, bounded by the block: a prefetch never faults, but the address
 * must stay meaningful.
 */
#define TP_STRIDE_AHEAD 4u
static inline void tp_prefetch_next(const struct tp_priv *p, uint32_t next)
{
        uintptr_t blk = (uintptr_t)p->ring + (uintptr_t)p->cur * p->block_size;
        uint64_t at = (uint64_t)p->off + next, far = at + (uint64_t)next * (TP_STRIDE_AHEAD - 1);
        __builtin_prefetch((const void *)(blk + at));
        __builtin_prefetch((const void *)(blk + at + 64));
        __builtin_prefetch((const void *)(blk + at + 128));
        if (far + 128 <= p->block_size) {
                __builtin_prefetch((const void *)(blk + far));
                __builtin_prefetch((const void *)(blk + far + 64));
        }
}

static int tp_next_batch(struct cst_capture *c, struct cst_packet *pkts, unsigned max,
                         int timeout_ms, char *err)
{
        struct tp_priv *p = c->priv;
        if (p->exhausted)
                tp_give_back(p);
        while (!p->active) {
                int rc = tp_wait_block(c, p, timeout_ms, err);
                if (rc <= 0)
                        return rc;
                if (!tp_activate(c, p))
                        tp_give_back(p); /* empty or insane: next block, wait again */
        }
        unsigned n = 0;
        while (n < max && p->pkts_left > 0) {
                uint32_t next;
                memcpy(&next, (uint8_t *)tp_block(p, p->cur) + p->off, sizeof(next));
                if (p->pkts_left > 1)
                        tp_prefetch_next(p, next);
                int rc = tp_take_packet(c, p, &pkts[n]);
                if (rc == TP_ABANDON) {
                        tp_discard_rest(c, p);
                        break;
                }
                n += (unsigned)rc;
                if (!tp_advance(p, next))
                        tp_discard_rest(c, p);
        }
        if (p->pkts_left == 0)
                p->exhausted = true;
        return (int)n;
}

static void tp_release(struct cst_capture *c)
{
        struct tp_priv *p = c->priv;
        if (p && p->exhausted)
                tp_give_back(p);
}

static void tp_teardown(struct cst_capture *c)
{
        struct tp_priv *p = c->priv;
        if (!p)
                return;
        if (p->ring_len)
                munmap(p->ring, p->ring_len);
        free(p);
        c->priv = NULL;
}

int afp_tpacket_v3_use_ring(struct cst_capture *c, uint8_t *ring, uint32_t block_size,
                            uint32_t count)
{
        struct tp_priv *p = calloc(1, sizeof(*p));
        if (!p)
                return CST_ENOMEM;
        p->ring = ring;
        p->ring_len = 0; /* owned by the caller */
        p->block_size = block_size;
        p->block_count = count;
        c->ops = &afp_tpacket_v3_ops;
        c->priv = p;
        return CST_OK;
}

const struct afp_backend_ops afp_tpacket_v3_ops = {
    .name = "tpacket_v3",
    .setup = tp_setup,
    .next_batch = tp_next_batch,
    .release = tp_release,
    .teardown = tp_teardown,
};
