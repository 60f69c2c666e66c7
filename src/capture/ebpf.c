/*
 * ebpf — the eBPF capture backend (`capture --backend ebpf`, issue 19
 * item 4): the program of bpf/cut.bpf.c on the interface's TC clsact hook
 * (ebpf_tc.c) writes every packet into a BPF ring buffer; this file loads
 * it (bpftool skeleton), maps the ring and reads it in batches.
 *
 * The ring is read directly, not through libbpf's ring_buffer__poll()
 * callbacks: records stay in place (zero copy, like a TPACKET_V3 block)
 * until the next batch is asked for, and only then is the consumer
 * position published (kernel ringbuf layout: a consumer page, a producer
 * page, then the data pages mapped twice so a record that wraps is
 * contiguous; each record has an 8-byte header whose length word carries
 * the busy and discard bits).  poll() on the map waits for data.
 *
 * A VLAN tag the device stripped goes back into the frame, which needs a
 * copy: the ring is mapped read-only.  Timestamps are the kernel's
 * CLOCK_MONOTONIC at the hook, moved to the wall clock with an offset read
 * at each batch.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture/afp.h"
#include "capture/bpf/cut_abi.h"
#include "capture/ebpf_int.h"
#include "cut.skel.h" /* build tree: bpftool gen skeleton of bpf/cut.bpf.c */

#define RB_BUSY          (1u << 31) /* BPF_RINGBUF_BUSY_BIT */
#define RB_DISCARD       (1u << 30) /* BPF_RINGBUF_DISCARD_BIT */
#define RB_HDR           8u         /* BPF_RINGBUF_HDR_SZ */
#define SCRATCH          (1u << 20) /* frames whose VLAN tag goes back, per batch */
#define RING_DEFAULT_MIB 64u

static int64_t clock_offset(void)
{
        struct timespec r, m;
        clock_gettime(CLOCK_REALTIME, &r);
        clock_gettime(CLOCK_MONOTONIC, &m);
        return ((int64_t)r.tv_sec - m.tv_sec) * 1000000000 + (r.tv_nsec - m.tv_nsec);
}

/* The ring size: -B KiB rounded up to a power of two (>= 1 MiB), default 64 MiB. */
static size_t ring_size(const struct cst_capture_opts *o)
{
        uint64_t want =
            o->buffer_kib ? (uint64_t)o->buffer_kib * 1024u : (uint64_t)RING_DEFAULT_MIB << 20;
        size_t sz = 1u << 20;
        while (sz < want && sz < (1u << 30))
                sz <<= 1;
        return sz;
}

static int load_program(struct ebpf_priv *p, const struct cst_capture_opts *o, char *err)
{
        p->skel = cut_bpf__open();
        if (!p->skel) {
                snprintf(err, CST_ERRBUF, "cannot open the eBPF program: %s", strerror(errno));
                return CST_EFATAL;
        }
        p->skel->rodata->snaplen = o->snaplen;
        p->ring_size = ring_size(o);
        p->skel->rodata->wakeup_bytes = p->ring_size / 16;
        p->wait_ms = o->block_timeout_ms ? (int)o->block_timeout_ms : 64;
        bpf_map__set_max_entries(p->skel->maps.rb, (uint32_t)p->ring_size);
        int rc = cut_bpf__load(p->skel);
        if (rc < 0) {
                const char *msg = ebpf_libbpf_msg();
                snprintf(err, CST_ERRBUF, "cannot load the eBPF program: %s%s%s%s", strerror(-rc),
                         rc == -EPERM ? " (needs root, or CAP_BPF with CAP_NET_ADMIN)" : "",
                         *msg ? ": " : "", msg);
                return CST_EFATAL;
        }
        return CST_OK;
}

static int map_ring(struct ebpf_priv *p, char *err)
{
        p->ring_fd = bpf_map__fd(p->skel->maps.rb);
        p->page = (size_t)sysconf(_SC_PAGESIZE);
        p->cons_map = mmap(NULL, p->page, PROT_READ | PROT_WRITE, MAP_SHARED, p->ring_fd, 0);
        if (p->cons_map == MAP_FAILED) {
                p->cons_map = NULL;
                goto fail;
        }
        p->prod_map = mmap(NULL, p->page + 2 * p->ring_size, PROT_READ, MAP_SHARED, p->ring_fd,
                           (off_t)p->page);
        if (p->prod_map == MAP_FAILED) {
                p->prod_map = NULL;
                goto fail;
        }
        p->cons_pos = p->cons_map;
        p->prod_pos = p->prod_map;
        p->data = (const uint8_t *)p->prod_map + p->page;
        p->mask = p->ring_size - 1;
        p->pos = __atomic_load_n(p->cons_pos, __ATOMIC_ACQUIRE);
        return CST_OK;
fail:
        snprintf(err, CST_ERRBUF, "cannot map the eBPF ring buffer (%zu MiB): %s",
                 p->ring_size >> 20, strerror(errno));
        return CST_EFATAL;
}

static int ebpf_setup(struct cst_capture *c, const struct cst_capture_opts *o, char *err)
{
        if (c->cooked || c->ifindex == 0) {
                snprintf(err, CST_ERRBUF,
                         "--backend ebpf needs one Ethernet or loopback interface, not %s",
                         c->ifname);
                return CST_EFATAL;
        }
        struct ebpf_priv *p = calloc(1, sizeof(*p));
        if (!p || !(p->scratch = malloc(SCRATCH)) ||
            !(p->pushed = calloc(PUSH_SLOTS, sizeof(*p->pushed)))) {
                if (p)
                        free(p->scratch);
                free(p);
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        c->priv = p;
        p->ring_fd = -1;
        p->tc.ifindex = c->ifindex;
        p->tc.ingress_only = afp_iface_is_loopback(c->ifname);
        if (o->filter && *o->filter && ebpf_filter_new(&p->filter, o->filter, err) < 0)
                return CST_EFATAL;
        ebpf_libbpf_quiet();
        if (load_program(p, o, err) < 0 || map_ring(p, err) < 0)
                return CST_EFATAL;
        p->flows_fd = bpf_map__fd(p->skel->maps.flows);
        p->cuttable_fd = bpf_map__fd(p->skel->maps.cuttable);
        p->cfg_fd = bpf_map__fd(p->skel->maps.cfg);
        p->quic_fd = bpf_map__fd(p->skel->maps.quic);
        return ebpf_tc_attach(&p->tc, bpf_program__fd(p->skel->progs.cst_ingress),
                              bpf_program__fd(p->skel->progs.cst_egress), err);
}

/* Publish what the last batch read: the kernel may reuse it. */
static void ebpf_release(struct cst_capture *c)
{
        struct ebpf_priv *p = c->priv;
        if (p && p->cons_pos)
                __atomic_store_n(p->cons_pos, p->pos, __ATOMIC_RELEASE);
        if (p)
                p->scratch_used = 0;
}

/* A stripped VLAN tag back into the frame: a copy in the scratch area; false when full. */
static bool vlan_back(struct ebpf_priv *p, const struct cut_rec *r, struct cst_packet *pkt)
{
        uint32_t need = r->caplen + AFP_VLAN_TAG_LEN;
        if (need > SCRATCH - p->scratch_used)
                return false;
        uint8_t *dst = p->scratch + p->scratch_used + AFP_VLAN_TAG_LEN;
        memcpy(dst, pkt->data, r->caplen);
        pkt->data = afp_vlan_reinsert(dst, &pkt->caplen, &pkt->origlen, r->vlan_proto, r->vlan_tci);
        pkt->vlan_tci = r->vlan_tci;
        p->scratch_used += (need + 7u) & ~7u;
        return true;
}

enum { REC_SKIP = 0, REC_OK = 1, REC_WAIT = 2 };

/* One ring record as a packet view; REC_WAIT when it must open the next batch. */
static int fill(struct cst_capture *c, struct ebpf_priv *p, const uint8_t *rec, uint32_t len,
                struct cst_packet *pkt)
{
        struct cut_rec r;
        if (len < sizeof(r))
                return c->st.receive_errors++, REC_SKIP; /* not a record of ours */
        memcpy(&r, rec, sizeof(r));
        if (r.caplen > len - sizeof(r) || r.caplen == 0 || r.caplen > r.origlen)
                return c->st.receive_errors++, REC_SKIP;
        uint64_t ts = r.ts_ns + (uint64_t)p->real_off;
        memset(pkt, 0, sizeof(*pkt));
        pkt->data = rec + sizeof(r);
        pkt->caplen = r.caplen;
        pkt->origlen = r.origlen;
        pkt->ts_ns = ts;
        pkt->ts_hi = (uint32_t)(ts / 1000000000u);
        pkt->ts_lo = (uint32_t)(ts % 1000000000u);
        pkt->linktype = c->linktype;
        pkt->ifid = r.ifindex;
        pkt->direction = r.dir == CUT_DIR_OUT ? CST_DIR_OUTBOUND : CST_DIR_INBOUND;
        pkt->kind = CST_REC_PACKET;
        if (r.why == CUT_TLS || r.why == CUT_QUIC)
                pkt->flags = CST_PKT_KERNEL_CUT;
        if (r.vlan_proto && !vlan_back(p, &r, pkt))
                return REC_WAIT;
        if (p->filter && !ebpf_filter_pass(p->filter, pkt))
                return REC_SKIP;
        return REC_OK;
}

/* Views of the records the kernel has committed, at most max. */
static int drain(struct cst_capture *c, struct ebpf_priv *p, struct cst_packet *pkts, unsigned max)
{
        uint64_t prod = __atomic_load_n(p->prod_pos, __ATOMIC_ACQUIRE);
        unsigned n = 0;
        while (n < max && p->pos < prod) {
                const uint8_t *hdr = p->data + (p->pos & p->mask);
                uint32_t len =
                    __atomic_load_n((const uint32_t *)(const void *)hdr, __ATOMIC_ACQUIRE);
                if (len & RB_BUSY)
                        break; /* reserved, not yet committed */
                uint32_t body = len & ~(RB_BUSY | RB_DISCARD);
                int got = (len & RB_DISCARD) ? REC_SKIP : fill(c, p, hdr + RB_HDR, body, &pkts[n]);
                if (got == REC_WAIT)
                        break; /* scratch full: this record opens the next batch */
                n += got == REC_OK;
                p->pos += (body + RB_HDR + 7u) & ~7ull;
        }
        return (int)n;
}

static int ebpf_next_batch(struct cst_capture *c, struct cst_packet *pkts, unsigned max,
                           int timeout_ms, char *err)
{
        struct ebpf_priv *p = c->priv;
        ebpf_release(c);
        p->real_off = clock_offset();
        int n = drain(c, p, pkts, max);
        if (n > 0)
                return n;
        /* woken when the ring holds wakeup_bytes, else the block timeout ends the wait */
        struct pollfd pfd = {.fd = p->ring_fd, .events = POLLIN};
        int rc = poll(&pfd, 1, timeout_ms < p->wait_ms ? timeout_ms : p->wait_ms);
        if (rc < 0 && errno != EINTR) {
                snprintf(err, CST_ERRBUF, "poll on the eBPF ring buffer: %s", strerror(errno));
                return CST_EFATAL;
        }
        return rc >= 0 ? drain(c, p, pkts, max) : 0;
}

/* Kernel counters: summed over CPUs, copied (they only grow). */
static int ebpf_kstats(struct cst_capture *c, char *err)
{
        struct ebpf_priv *p = c->priv;
        int ncpu = libbpf_num_possible_cpus();
        uint64_t sum[CUT_C_COUNT] = {0};
        if (!p || !p->skel || ncpu <= 0)
                return CST_OK;
        uint64_t *v = calloc((size_t)ncpu, sizeof(*v));
        if (!v)
                return snprintf(err, CST_ERRBUF, "out of memory"), CST_ENOMEM;
        int fd = bpf_map__fd(p->skel->maps.counters);
        for (uint32_t k = 0; k < CUT_C_COUNT; k++)
                if (bpf_map_lookup_elem(fd, &k, v) == 0)
                        for (int i = 0; i < ncpu; i++)
                                sum[k] += v[i];
        free(v);
        c->st.kernel_packets = sum[CUT_C_SEEN];
        c->st.kernel_drops = sum[CUT_C_RING_FULL];
        c->st.have_kernel = true;
        return CST_OK;
}

static void ebpf_teardown(struct cst_capture *c)
{
        struct ebpf_priv *p = c->priv;
        if (!p)
                return;
        ebpf_tc_detach(&p->tc);
        if (p->prod_map)
                munmap(p->prod_map, p->page + 2 * p->ring_size);
        if (p->cons_map)
                munmap(p->cons_map, p->page);
        cut_bpf__destroy(p->skel);
        ebpf_filter_free(p->filter);
        free(p->scratch);
        free(p->pushed);
        free(p);
        c->priv = NULL;
}

const struct afp_backend_ops afp_ebpf_ops = {
    .name = "ebpf",
    .no_socket = true,
    .setup = ebpf_setup,
    .next_batch = ebpf_next_batch,
    .release = ebpf_release,
    .teardown = ebpf_teardown,
    .kstats = ebpf_kstats,
};
