/*
 * cut.bpf — the eBPF capture program of `capture --backend ebpf` (issue 19
 * item 4), attached as a TC clsact filter on ingress and egress.  Every
 * packet goes into a BPF ring buffer (struct cut_rec + its bytes, up to the
 * snaplen); user space reads the ring and runs the whole policy on it.
 *
 * The one case the kernel cuts itself: a TCP segment on a flow direction
 * user space put into `flows` (its engine proved the connection TLS and
 * cut a record in it), whose payload starts exactly at the sequence number
 * where the next record header is expected, with an Application Data
 * header (RFC 8446 §5.1: type 23, legacy version 0x0303) whose record
 * covers the whole segment.  User space, synchronised at the same boundary
 * (it saw the same packets in the same order), keeps exactly
 * headers + min(KR, payload) of such a segment, so only those bytes are
 * copied.  Anything else — another record type, a header inside the
 * segment, a gap, a retransmission, SYN/RST — goes up whole; a lost header
 * forgets the flow until user space pushes it again.  A header split across
 * two segments is completed from the bytes noted of it (the flow stays
 * followed).
 *
 * QUIC: a short header starting a datagram of a direction user space
 * handed over (map "quic": the DCID its engine expects and its keep length)
 * is cut to payload + min(n, keep); a long header of the flow drops the
 * hand-over (its engine may learn another CID from it).
 *
 * Reads only the UAPI context (struct __sk_buff) and packet bytes through
 * bpf_skb_load_bytes(), so it needs no CO-RE relocation.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "capture/bpf/cut_abi.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before the load (the skeleton's read-only data). */
const volatile __u32 snaplen = 262144;
/*
 * Wake the reader when this many bytes wait in the ring, or when the last
 * wake-up is wakeup_ns old: it reads batches (as a TPACKET_V3 block)
 * instead of one wake-up per packet, at most ~1000 wake-ups a second, and
 * a packet waits about a millisecond at low rates (its poll() timeout, the
 * block timeout, bounds the wait of the last packets of a burst).
 */
const volatile __u64 wakeup_bytes = 4 << 20;
const volatile __u64 wakeup_ns = 1000000;

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 64 << 20); /* resized by user space (-B) */
} rb SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, CUT_C_COUNT);
        __type(key, __u32);
        __type(value, __u64);
} counters SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 65536);
        __type(key, struct cut_flow_key);
        __type(value, struct cut_flow);
} flows SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 65536);
        __type(key, struct cut_flow_key);
        __type(value, __u8);
} cuttable SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct cut_cfg);
} cfg SEC(".maps");

/* QUIC directions user space handed over (cut_abi.h: struct cut_quic) */
struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 65536);
        __type(key, struct cut_flow_key);
        __type(value, struct cut_quic);
} quic SEC(".maps");

/* bpf_ktime_get_ns() of the last QUIC long header of a flow, under both directions' keys */
struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 65536);
        __type(key, struct cut_flow_key);
        __type(value, __u64);
} quic_long SEC(".maps");

/* bpf_ktime_get_ns() of the last wake-up of the reader */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, __u64);
} woke SEC(".maps");

static __always_inline void count(__u32 which)
{
        __u64 *c = bpf_map_lookup_elem(&counters, &which);
        if (c)
                *c += 1;
}

static __always_inline __u64 wake_flag(__u64 now)
{
        __u32 zero = 0;
        __u64 *last = bpf_map_lookup_elem(&woke, &zero);
        if (!last)
                return 0;
        if (now - *last < wakeup_ns && bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) < wakeup_bytes)
                return BPF_RB_NO_WAKEUP;
        *last = now; /* racy between CPUs: at worst one wake-up more */
        return BPF_RB_FORCE_WAKEUP;
}

/*
 * One ring record of a fixed size class N (a power of two: the ring
 * reserves constant sizes), the frame's first cap bytes (1 <= cap <= N)
 * copied straight into it.  The length is masked into [1, N] on the
 * register the helper receives, which is what the verifier checks.
 */
#define EMIT_CLASS(N)                                                                              \
        if (cap <= (N)) {                                                                          \
                struct cut_rec *r = bpf_ringbuf_reserve(&rb, sizeof(*r) + (N), 0);                 \
                if (!r) {                                                                          \
                        count(CUT_C_RING_FULL);                                                    \
                        return;                                                                    \
                }                                                                                  \
                r->ts_ns = now;                                                                    \
                r->origlen = skb->len;                                                             \
                r->caplen = cap;                                                                   \
                r->ifindex = skb->ifindex;                                                         \
                r->vlan_proto = skb->vlan_present ? bpf_ntohs((__u16)skb->vlan_proto) : 0;         \
                r->vlan_tci = (__u16)skb->vlan_tci;                                                \
                r->dir = (__u8)dir;                                                                \
                r->why = (__u8)why;                                                                \
                r->pad = 0;                                                                        \
                r->pad2 = 0;                                                                       \
                __u32 len = cap - 1;                                                               \
                asm volatile("%0 &= %1" : "+r"(len) : "i"((N)-1));                                 \
                len += 1;                                                                          \
                if (bpf_skb_load_bytes(skb, 0, (void *)(r + 1), len) < 0) {                        \
                        bpf_ringbuf_discard(r, 0);                                                 \
                        count(CUT_C_RING_FULL);                                                    \
                        return;                                                                    \
                }                                                                                  \
                bpf_ringbuf_submit(r, wake_flag(now));                                             \
                return;                                                                            \
        }

static __always_inline void emit(struct __sk_buff *skb, __u32 cap, __u32 dir, __u32 why, __u64 now)
{
        if (cap < 1)
                return;
        EMIT_CLASS(128)
        EMIT_CLASS(256)
        EMIT_CLASS(512)
        EMIT_CLASS(1024)
        EMIT_CLASS(2048)
        EMIT_CLASS(4096)
        EMIT_CLASS(8192)
        EMIT_CLASS(16384)
        EMIT_CLASS(32768)
        EMIT_CLASS(65536)
}

/* Offsets of a TCP segment or UDP datagram in the frame. */
struct seg {
        struct cut_flow_key k;
        __u32 payload_off; /* from the start of the frame */
        __u32 payload_len; /* by the IP length fields */
        __u32 seq;
        __u8 flags;
        __u8 tail_ok; /* the IP datagram ends the frame (no trailer after it) */
        __u8 proto;   /* 6 or 17 */
        __u64 now;    /* bpf_ktime_get_ns() when the program started on the packet: one read */
        __u8 udp_ok;  /* UDP: its length field is the IP payload's (user space reads the same) */
};

static __always_inline int parse_l3(struct __sk_buff *skb, __u32 off, __u16 proto, struct seg *g,
                                    __u32 *l4)
{
        __u8 h[40];
        if (proto == ETH_P_IP) {
                if (bpf_skb_load_bytes(skb, off, h, 20) < 0)
                        return -1;
                __u32 ihl = (h[0] & 0x0fu) * 4u;
                __u32 tot = ((__u32)h[2] << 8) | h[3];
                if ((h[0] >> 4) != 4 || ihl < 20 || (h[9] != 6 && h[9] != 17) || tot < ihl)
                        return -1;
                if ((h[6] & 0x3fu) || h[7]) /* MF or a fragment offset */
                        return -1;
                __builtin_memcpy(g->k.src, h + 12, 4);
                __builtin_memcpy(g->k.dst, h + 16, 4);
                g->k.family = 4;
                g->proto = h[9];
                *l4 = off + ihl;
                g->payload_len = tot - ihl; /* minus the TCP header below */
                g->tail_ok = off + tot == skb->len;
                return off + tot <= skb->len ? 0 : -1;
        }
        if (proto == ETH_P_IPV6) {
                if (bpf_skb_load_bytes(skb, off, h, 40) < 0)
                        return -1;
                __u32 plen = ((__u32)h[4] << 8) | h[5];
                if ((h[0] >> 4) != 6 ||
                    (h[6] != 6 && h[6] != 17)) /* right after the fixed header */
                        return -1;
                __builtin_memcpy(g->k.src, h + 8, 16);
                __builtin_memcpy(g->k.dst, h + 24, 16);
                g->k.family = 6;
                g->proto = h[6];
                *l4 = off + 40;
                g->payload_len = plen;
                g->tail_ok = off + 40 + plen == skb->len;
                return off + 40 + plen <= skb->len ? 0 : -1;
        }
        return -1;
}

static __always_inline int parse(struct __sk_buff *skb, struct seg *g)
{
        __u8 eth[18], th[14];
        __u32 off = 14, l4;
        if (bpf_skb_load_bytes(skb, 0, eth, 18) < 0)
                return -1;
        __u16 proto = ((__u16)eth[12] << 8) | eth[13];
        if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) { /* one tag left in the frame */
                proto = ((__u16)eth[16] << 8) | eth[17];
                off = 18;
        }
        if (parse_l3(skb, off, proto, g, &l4) < 0)
                return -1;
        if (g->proto == 17) {
                if (g->payload_len < 8 || bpf_skb_load_bytes(skb, l4, th, 8) < 0)
                        return -1;
                __builtin_memcpy(&g->k.sport, th, 2);
                __builtin_memcpy(&g->k.dport, th + 2, 2);
                g->udp_ok = (((__u32)th[4] << 8) | th[5]) == g->payload_len;
                g->payload_off = l4 + 8;
                g->payload_len -= 8;
                return 0;
        }
        if (bpf_skb_load_bytes(skb, l4, th, 14) < 0)
                return -1;
        __u32 doff = (th[12] >> 4) * 4u;
        if (doff < 20 || doff > g->payload_len)
                return -1;
        __builtin_memcpy(&g->k.sport, th, 2);
        __builtin_memcpy(&g->k.dport, th + 2, 2);
        g->seq = ((__u32)th[4] << 24) | ((__u32)th[5] << 16) | ((__u32)th[6] << 8) | th[7];
        g->flags = th[13];
        g->payload_off = l4 + doff;
        g->payload_len -= doff;
        return 0;
}

/* Record header at frame offset off: its total length (5 + body), 0 if unreadable. */
static __always_inline __u32 rec_total(struct __sk_buff *skb, __u32 off, __u8 *type, __u8 *v0,
                                       __u8 *v1)
{
        __u8 h[5];
        if (bpf_skb_load_bytes(skb, off, h, 5) < 0)
                return 0;
        *type = h[0];
        *v0 = h[1];
        *v1 = h[2];
        return 5u + (((__u32)h[3] << 8) | h[4]);
}

/*
 * A header user space would follow (tls_rec_prefix_plausible): type 20-24,
 * version 3.0-3.4, a length TLSCiphertext may have.  Anything else loses
 * user space's synchronisation, so the kernel must not follow it either.
 */
#define TLS_MAX_BODY (16384u + 2048u)
static __always_inline int plausible(__u8 t, __u8 v0, __u8 v1, __u32 total)
{
        return t >= 20 && t <= 24 && v0 == 3 && v1 <= 4 && total >= 5 && total - 5 <= TLS_MAX_BODY;
}

/* The direction's state word (cut_flow.next_hdr): the header at next, its first p bytes seen. */
static __always_inline __u64 dir_state(__u32 next, __u32 p, __u8 hi)
{
        return (__u64)next | (__u64)(p & 7u) << 32 | (__u64)hi << 40;
}

#define WALK_LOST (~0ull)

/*
 * Header bytes o in [p, have) (have <= 5) of the header at sequence number
 * next, read one by one from this segment (which holds them: its start is
 * at or before next + p) and checked as user space checks a header prefix;
 * byte 3 into *hi, byte 4 into *lo.  0: not a header.
 */
static __always_inline int hdr_rest(struct __sk_buff *skb, const struct seg *g, __u32 next, __u32 p,
                                    __u32 have, __u8 *hi, __u8 *lo)
{
        for (__u32 o = 0; o < 5; o++) {
                __u8 b;
                if (o < p || o >= have)
                        continue;
                if (bpf_skb_load_bytes(skb, g->payload_off + (next + o - g->seq), &b, 1) < 0)
                        return 0;
                if ((o == 0 && (b < 20 || b > 24)) || (o == 1 && b != 3) || (o == 2 && b > 4))
                        return 0;
                if (o == 3)
                        *hi = b;
                if (o == 4)
                        *lo = b;
        }
        return 1;
}

/*
 * Follow the record boundaries through a segment that holds new bytes of
 * the expected header at next (its first p bytes came in earlier segments,
 * byte 3 = hi when p is 4): the state word afterwards — a header cut by
 * the segment's end keeps its first bytes there, to be completed by the
 * next segment, as user space completes it — or WALK_LOST when a header is
 * not one user space follows or the walk is too long.
 */
static __always_inline __u64 walk(struct __sk_buff *skb, const struct seg *g, __u32 next, __u32 p,
                                  __u8 hi)
{
        __u32 end = g->seq + g->payload_len;
        for (int i = 0; i < CUT_WALK_MAX; i++) {
                __u32 have = end - next, total;
                if ((__s32)have <= 0)
                        return dir_state(next, 0, 0); /* the next header is in a later segment */
                if (p == 0 && have >= 5) { /* the whole header in this segment: one read */
                        __u8 t, v0, v1;
                        total = rec_total(skb, g->payload_off + (next - g->seq), &t, &v0, &v1);
                        if (!plausible(t, v0, v1, total))
                                return WALK_LOST;
                } else { /* a split header: its bytes one by one */
                        __u8 lo = 0;
                        if (!hdr_rest(skb, g, next, p, have < 5 ? have : 5, &hi, &lo))
                                return WALK_LOST;
                        if (have < 5)
                                return dir_state(next, have, hi);
                        total = 5u + (((__u32)hi << 8) | lo);
                        if (total - 5 > TLS_MAX_BODY)
                                return WALK_LOST;
                }
                next += total;
                p = 0;
        }
        return WALK_LOST;
}

static __always_inline int tls_port(const struct cut_cfg *c, __u16 port_be)
{
        __u16 p = bpf_ntohs(port_be);
        return c->any_port || (c->ports[(p >> 3) & 8191] >> (p & 7)) & 1;
}

/*
 * A SYN on a TLS port starts (or restarts) following its direction: the
 * byte after the ISN is the first record boundary, for the engine as here.
 * A SYN with data (TCP Fast Open) is not followed.
 */
static __always_inline void on_syn(const struct cut_cfg *c, struct seg *g)
{
        bpf_map_delete_elem(&cuttable, &g->k);
        if (g->payload_len || (g->flags & 0x05u) ||
            !(tls_port(c, g->k.sport) || tls_port(c, g->k.dport))) {
                bpf_map_delete_elem(&flows, &g->k);
                return;
        }
        struct cut_flow f = {.next_hdr = g->seq + 1u, .last_ns = g->now};
        bpf_map_update_elem(&flows, &g->k, &f, BPF_ANY);
}

static __always_inline void forget(struct seg *g)
{
        bpf_map_delete_elem(&flows, &g->k);
        bpf_map_delete_elem(&cuttable, &g->k);
}

/*
 * keep, or 0 when user space would not make that cut: it settles a cut
 * against min(frame, snaplen cap) and makes it only when it saves at least
 * min_saved_bytes_per_packet (as user space sees the frame: a stripped VLAN
 * tag is back in it).
 */
static __always_inline __u32 worth(struct __sk_buff *skb, const struct cut_cfg *c, __u32 len,
                                   __u32 keep)
{
        __u32 tag = skb->vlan_present ? 4u : 0u, wire = len + tag;
        __u32 base = wire < c->snap ? wire : c->snap;
        if (keep + tag >= base || base - (keep + tag) < c->min_saved)
                return 0;
        return keep;
}

/* The cut of the simple case, 0 when user space would not cut it (or not so). */
static __always_inline __u32 simple_cut(struct __sk_buff *skb, const struct cut_cfg *c,
                                        struct seg *g, __u32 len)
{
        __u32 n = g->payload_len;
        __u32 keep = worth(skb, c, len, g->payload_off + (c->keep < n ? c->keep : n));
        return keep && bpf_map_lookup_elem(&cuttable, &g->k) ? keep : 0;
}

/*
 * The keep length of a segment of a followed direction, 0 for "whole".  The
 * expected header advances (compare-and-swap: another CPU that moved it
 * first wins, this packet goes up whole).
 */
static __always_inline __u32 tls_keep(struct __sk_buff *skb, const struct cut_cfg *c, struct seg *g,
                                      __u32 len)
{
        if (!c->on)
                return 0;
        if (g->flags & 0x02u) { /* SYN */
                on_syn(c, g);
                return 0;
        }
        if (g->payload_len == 0 && !(g->flags & 0x05u))
                return 0; /* a bare ACK moves no boundary: no lookup */
        struct cut_flow *f = bpf_map_lookup_elem(&flows, &g->k);
        if (!f)
                return 0;
        __u64 now = g->now, next64 = f->next_hdr;
        __u32 next = (__u32)next64, n = g->payload_len, p = (__u32)(next64 >> 32) & 7u;
        /* idle (a hand-over written after `now` is not), FIN, RST */
        if ((__s64)(now - f->last_ns) > (__s64)c->idle_ns || (g->flags & 0x05u)) {
                forget(g);
                return 0;
        }
        f->last_ns = now;
        if (len > CUT_MAX_COPY || len > snaplen)
                goto lost; /* goes up truncated: user space will not analyse it */
        if (p > 4 || n == 0 || (__s32)(g->seq + n - (next + p)) <= 0)
                return 0; /* nothing after the bytes known: continuation or old bytes */
        if ((__s32)(next + p - g->seq) < 0)
                goto lost; /* the expected header fell into a gap (or was never seen) */
        __u8 t = 0, v0 = 0, v1 = 0;
        __u32 first = g->seq == next && !p ? rec_total(skb, g->payload_off, &t, &v0, &v1) : 0;
        __u64 after = walk(skb, g, next, p, (__u8)(next64 >> 40));
        if (after == WALK_LOST)
                goto lost;
        if (__sync_val_compare_and_swap(&f->next_hdr, next64, after) != next64)
                return 0;
        /* an AppData record starting the segment and covering it: headers + min(KR, n) */
        if (first >= n && t == 23 && v0 == 3 && v1 == 3 && g->tail_ok)
                return simple_cut(skb, c, g, len);
        return 0;
lost:
        count(CUT_C_TLS_LOST);
        forget(g);
        return 0;
}

/* QUIC versions whose long headers teach user space CIDs (quic_learn.c). */
static __always_inline int quic_version_learns(__u32 v)
{
        return v == 1u || v == 0x6b3343cfu || (v >> 8) == 0xff0000u;
}

/*
 * A QUIC long header: user space may learn another CID from it, so the
 * flow's hand-overs, in both directions, are dropped, and its time noted
 * (a hand-over based on an earlier packet may still be on its way).
 */
static __always_inline void quic_long_header(struct __sk_buff *skb, struct seg *g)
{
        __u8 h[5];
        if (g->payload_len < 5 || bpf_skb_load_bytes(skb, g->payload_off, h, 5) < 0)
                return;
        __u32 v = ((__u32)h[1] << 24) | ((__u32)h[2] << 16) | ((__u32)h[3] << 8) | h[4];
        if (!quic_version_learns(v))
                return; /* user space learns nothing from it */
        struct cut_flow_key r = g->k;
        __builtin_memcpy(r.src, g->k.dst, 16);
        __builtin_memcpy(r.dst, g->k.src, 16);
        r.sport = g->k.dport;
        r.dport = g->k.sport;
        __u64 now = g->now;
        bpf_map_update_elem(&quic_long, &g->k, &now, BPF_ANY);
        bpf_map_update_elem(&quic_long, &r, &now, BPF_ANY);
        bpf_map_delete_elem(&quic, &g->k);
        bpf_map_delete_elem(&quic, &r);
}

/*
 * The keep length of a UDP datagram, 0 for "whole": a QUIC short header
 * (RFC 9000 §17.3: form bit 0) at the start of a datagram of a direction
 * user space handed over, whose DCID is the one user space expects; user
 * space keeps payload_off + min(n, keep) of it.  The fixed bit is not
 * looked at: user space cuts a short header of a proven flow whatever it
 * is (RFC 9287 lets peers grease it; ngtcp2 does).
 */
static __always_inline __u32 quic_keep(struct __sk_buff *skb, const struct cut_cfg *c,
                                       struct seg *g, __u32 len)
{
        __u8 h[1 + CUT_QUIC_CID_MAX];
        __u32 n = g->payload_len;
        if (!c->quic_on || n == 0 || bpf_skb_load_bytes(skb, g->payload_off, h, 1) < 0)
                return 0;
        if (h[0] & 0x80u) {
                quic_long_header(skb, g);
                return 0;
        }
        struct cut_quic *q = bpf_map_lookup_elem(&quic, &g->k);
        if (!q)
                return 0;
        __u64 now = g->now;
        if ((__s64)(now - q->last_ns) > (__s64)c->idle_ns) { /* a hand-over after now is not */
                bpf_map_delete_elem(&quic, &g->k);
                return 0;
        }
        if (!q->checked) { /* once per hand-over: no long header since its packet */
                __u64 *l = bpf_map_lookup_elem(&quic_long, &g->k);
                if (l && *l + CUT_QUIC_LONG_MARGIN_NS >= q->since_ns) {
                        bpf_map_delete_elem(&quic, &g->k);
                        return 0;
                }
                q->checked = 1;
        }
        q->last_ns = now;
        __u32 dlen = q->dlen;
        if (dlen > CUT_QUIC_CID_MAX || n < 1 + dlen || n > CUT_QUIC_MAX_DGRAM || !g->tail_ok ||
            !g->udp_ok || skb->gso_segs > 1)
                return 0;
        if (dlen) {
                if (bpf_skb_load_bytes(skb, g->payload_off, h, 1 + dlen) < 0)
                        return 0;
                for (__u32 i = 0; i < CUT_QUIC_CID_MAX; i++)
                        if (i < dlen && h[1 + i] != q->dcid[i])
                                return 0;
        }
        return worth(skb, c, len, g->payload_off + (q->keep < n ? q->keep : n));
}

static __always_inline int capture(struct __sk_buff *skb, __u32 dir)
{
        __u32 len = skb->len, cap = len < snaplen ? len : snaplen, why = CUT_WHOLE, zero = 0;
        struct seg g;
        count(CUT_C_SEEN);
        __builtin_memset(&g, 0, sizeof(g));
        g.now = bpf_ktime_get_ns();
        const struct cut_cfg *c = bpf_map_lookup_elem(&cfg, &zero);
        if (c && parse(skb, &g) == 0) {
                __u32 keep = g.proto == 6 ? tls_keep(skb, c, &g, len) : quic_keep(skb, c, &g, len);
                if (keep) {
                        cap = keep;
                        why = g.proto == 6 ? CUT_TLS : CUT_QUIC;
                        count(g.proto == 6 ? CUT_C_TLS_CUT : CUT_C_QUIC_CUT);
                }
        }
        if (cap > CUT_MAX_COPY) {
                cap = CUT_MAX_COPY;
                why = CUT_TRUNCATED;
                count(CUT_C_TRUNCATED);
        }
        emit(skb, cap, dir, why, g.now);
        return TC_ACT_UNSPEC; /* never changes the packet's fate; later filters still run */
}

SEC("tc")
int cst_ingress(struct __sk_buff *skb)
{
        return capture(skb, CUT_DIR_IN);
}

SEC("tc")
int cst_egress(struct __sk_buff *skb)
{
        return capture(skb, CUT_DIR_OUT);
}
