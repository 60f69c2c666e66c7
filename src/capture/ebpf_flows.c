/*
 * ebpf_flows — what user space tells the eBPF program (kernel_cut.h): at
 * run start the policy's numbers and TLS ports (map "cfg"; the program
 * then follows every TLS-port direction from its SYN), and, once the
 * engine has cut an Application Data record that starts a segment of a
 * proven, synchronised `track` connection, that the direction may be cut
 * (map "cuttable") and — for a connection the program did not see open —
 * where its next record header lies (map "flows", BPF_NOEXIST: a direction
 * followed since its SYN keeps its own, newer, boundary).
 *
 * QUIC: a direction whose short headers the engine cut, with the DCID and
 * keep length it cut them by (map "quic"; kernel_hint.c).
 *
 * Two map updates per flow at most every PUSH_GAP_NS (a small table of
 * recent hand-overs).  No allocation.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "capture/afp.h"
#include "capture/bpf/cut_abi.h"
#include "capture/ebpf_int.h"

_Static_assert(KC_QUIC_MAX_DGRAM == CUT_QUIC_MAX_DGRAM, "one largest QUIC datagram cut");
_Static_assert(sizeof(((struct kc_quic_flow *)0)->dcid) == CUT_QUIC_CID_MAX, "one longest CID");

bool capture_kernel_cut_on(const cst_capture *c)
{
        const struct ebpf_priv *e = c && c->ops == &afp_ebpf_ops ? c->priv : NULL;
        return e && !e->filter;
}

void capture_kernel_cut_params(cst_capture *c, const struct kc_params *p)
{
        static struct cut_cfg v; /* 8 KiB: not on the stack; written once per run */
        if (!capture_kernel_cut_on(c))
                return;
        struct ebpf_priv *e = c->priv;
        uint32_t zero = 0;
        memset(&v, 0, sizeof(v));
        v.on = p->tls;
        v.quic_on = p->quic;
        /* the kernel forgets a direction no later than the engine forgets its flow (ft_expire) */
        uint64_t idle = p->idle_sec && p->idle_sec < 120 ? p->idle_sec : 120;
        v.idle_ns = idle * 1000000000u;
        v.keep = p->keep < 5 ? 5 : p->keep;
        v.min_saved = p->min_saved;
        v.snap = p->snap;
        v.any_port = p->any_port;
        if (p->port_bits)
                memcpy(v.ports, p->port_bits, sizeof(v.ports));
        if (bpf_map_update_elem(e->cfg_fd, &zero, &v, BPF_ANY) < 0)
                c->st.receive_errors++; /* the kernel then cuts nothing */
}

static void flow_key(const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport,
                     uint8_t family, struct cut_flow_key *k)
{
        memset(k, 0, sizeof(*k));
        memcpy(k->src, src, family == 4 ? 4 : 16);
        memcpy(k->dst, dst, family == 4 ? 4 : 16);
        k->sport = (uint16_t)((sport >> 8) | (sport << 8)); /* as on the wire */
        k->dport = (uint16_t)((dport >> 8) | (dport << 8));
        k->family = family;
}

/* FNV-1a of the key: the slot of the recent hand-over table. */
static uint32_t key_hash(const struct cut_flow_key *k)
{
        const uint8_t *b = (const uint8_t *)k;
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < sizeof(*k); i++)
                h = (h ^ b[i]) * 16777619u;
        return h;
}

/* True when this flow was handed over less than PUSH_GAP_NS ago; notes it otherwise. */
static bool recently(struct ebpf_priv *e, uint32_t h, uint64_t now_ns)
{
        uint64_t *slot = &e->pushed[h % PUSH_SLOTS];
        uint32_t now_ms = (uint32_t)(now_ns / 1000000u);
        if ((uint32_t)(*slot >> 32) == h && now_ms - (uint32_t)*slot < PUSH_GAP_NS / 1000000u)
                return true;
        *slot = (uint64_t)h << 32 | now_ms;
        return false;
}

void capture_kernel_tls(cst_capture *c, const struct kc_tls_flow *f, uint64_t now_ns)
{
        if (!capture_kernel_cut_on(c))
                return;
        struct ebpf_priv *e = c->priv;
        struct cut_flow_key k;
        flow_key(f->src, f->dst, f->sport, f->dport, f->family, &k);
        if (recently(e, key_hash(&k), now_ns))
                return;
        struct timespec m;
        clock_gettime(CLOCK_MONOTONIC, &m); /* the program's clock (bpf_ktime_get_ns) */
        struct cut_flow v = {
            .next_hdr =
                f->next_hdr | (uint64_t)(f->part_len & 7u) << 32 | (uint64_t)f->part_hi << 40,
            .last_ns = (uint64_t)m.tv_sec * 1000000000u + (uint64_t)m.tv_nsec,
        };
        uint8_t yes = 1;
        /* a direction followed since its SYN keeps its own (newer) boundary */
        if (bpf_map_update_elem(e->flows_fd, &k, &v, BPF_NOEXIST) < 0 && errno != EEXIST)
                c->st.receive_errors++;
        if (bpf_map_update_elem(e->cuttable_fd, &k, &yes, BPF_ANY) < 0)
                c->st.receive_errors++;
}

void capture_kernel_quic(cst_capture *c, const struct kc_quic_flow *f)
{
        if (!capture_kernel_cut_on(c) || f->dlen > CUT_QUIC_CID_MAX)
                return;
        struct ebpf_priv *e = c->priv;
        struct cut_flow_key k;
        flow_key(f->src, f->dst, f->sport, f->dport, f->family, &k);
        k.pad[0] = 17; /* another slot of the recent table than the TCP flow of the same ports */
        bool recent = recently(e, key_hash(&k), f->ts_ns);
        k.pad[0] = 0;
        if (recent)
                return;
        struct timespec m;
        clock_gettime(CLOCK_MONOTONIC, &m);
        /* the ring timestamp of the packet: this batch's records were read with real_off */
        struct cut_quic v = {
            .since_ns = f->ts_ns - (uint64_t)e->real_off,
            .last_ns = (uint64_t)m.tv_sec * 1000000000u + (uint64_t)m.tv_nsec,
            .keep = f->keep,
            .dlen = f->dlen,
        };
        memcpy(v.dcid, f->dcid, f->dlen);
        if (bpf_map_update_elem(e->quic_fd, &k, &v, BPF_ANY) < 0)
                c->st.receive_errors++;
}
