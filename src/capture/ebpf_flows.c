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
 * Two map updates per flow at most every PUSH_GAP_NS (a small table of
 * recent hand-overs).  No allocation.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "capture/afp.h"
#include "capture/bpf/cut_abi.h"
#include "capture/ebpf_int.h"

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
        v.on = 1;
        v.keep = p->keep < 5 ? 5 : p->keep;
        v.min_saved = p->min_saved;
        v.snap = p->snap;
        v.any_port = p->any_port;
        if (p->port_bits)
                memcpy(v.ports, p->port_bits, sizeof(v.ports));
        if (bpf_map_update_elem(e->cfg_fd, &zero, &v, BPF_ANY) < 0)
                c->st.receive_errors++; /* the kernel then cuts nothing */
}

static void flow_key(const struct kc_tls_flow *f, struct cut_flow_key *k)
{
        memset(k, 0, sizeof(*k));
        memcpy(k->src, f->src, f->family == 4 ? 4 : 16);
        memcpy(k->dst, f->dst, f->family == 4 ? 4 : 16);
        k->sport = (uint16_t)((f->sport >> 8) | (f->sport << 8)); /* as on the wire */
        k->dport = (uint16_t)((f->dport >> 8) | (f->dport << 8));
        k->family = f->family;
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
        flow_key(f, &k);
        if (recently(e, key_hash(&k), now_ns))
                return;
        struct timespec m;
        clock_gettime(CLOCK_MONOTONIC, &m); /* the program's clock (bpf_ktime_get_ns) */
        struct cut_flow v = {
            .next_hdr = f->next_hdr,
            .last_ns = (uint64_t)m.tv_sec * 1000000000u + (uint64_t)m.tv_nsec,
        };
        uint8_t yes = 1;
        /* a direction followed since its SYN keeps its own (newer) boundary */
        if (bpf_map_update_elem(e->flows_fd, &k, &v, BPF_NOEXIST) < 0 && errno != EEXIST)
                c->st.receive_errors++;
        if (bpf_map_update_elem(e->cuttable_fd, &k, &yes, BPF_ANY) < 0)
                c->st.receive_errors++;
}
