/*
 * fuzz_engine — libFuzzer target for the engine (decode + TLS tracker +
 * QUIC analyser + flow table, SPEC 2.5-2.8, 2.11) fed a packet sequence.
 *
 * Input layout:
 *   byte 0  bits 0-1 TLS policy (final_only, stream, bulk, track), bit 2
 *           compat mode, bit 3 keep_encrypted_handshake named in the
 *           "config" (value = bit 4), bit 5 require_dcid_match, bit 6
 *           allow_short_header_without_known_dcid, bit 7 small flow table
 *           (3 flows, 2 s idle timeout: eviction and ageing)
 *   byte 1  app_data_keep_record_bytes - 5
 *   byte 2  app_data_continuation_keep_bytes
 *   byte 3  min_saved_bytes_per_packet (low 6 bits), bit 6
 *           learn_all_long_headers, bit 7 decision log to /dev/null
 *   then records: op, len (2 bytes LE), len bytes of payload.
 *     op bits 0-1: 0 raw frame (payload byte 0 = link type index and length
 *                  mode, rest = the frame), 1 Ethernet/IPv4/TCP, 2
 *                  Ethernet/IPv4/UDP, 3 Ethernet/IPv6 (TCP, or UDP if bit 7)
 *        bit 2 direction (server to client), bit 3 flow 0/1,
 *        bits 4-5 TCP flags (ACK|PSH, SYN, FIN|ACK, RST),
 *        bit 6 sequence gap and a 400 s time jump.
 * Synthesized packets use port 443 and consistent sequence numbers, so the
 * fuzzer spends its time in TLS records and QUIC headers rather than in
 * finding a valid IP header.  Every verdict is checked: keep_len <= caplen,
 * a known reason, headers never cut, a cut only under a truncate.* reason.
 */
#include <stdint.h>
#include <string.h>

#include <constrictor/constrictor.h>
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAME_MAX 2048

static void require(int cond)
{
        if (!cond)
                __builtin_trap();
}

struct fuzz_state {
        cst_engine *eng;
        unsigned decode_mode;
        uint32_t seq[2][2]; /* [flow][direction] next sequence number */
        uint64_t ts_ns;
        uint8_t frame[FRAME_MAX];
};

static const uint32_t link_types[8] = {1, 113, 276, 101, 228, 229, 0, 105};

static void put16(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
        put16(p, v >> 16);
        put16(p + 2, v & 0xFFFF);
}

static void config_from(const uint8_t *h, struct cst_config *c)
{
        static const enum cst_tls_policy pol[4] = {CST_TLS_FINAL_ONLY, CST_TLS_STREAM, CST_TLS_BULK,
                                                   CST_TLS_TRACK};
        cst_config_defaults(c);
        if (h[0] & 0x08) {
                c->keep_encrypted_handshake = (h[0] & 0x10) != 0;
                c->keep_encrypted_handshake_set = true;
        }
        cst_config_set_policy(c, pol[h[0] & 3]);
        c->require_dcid_match = (h[0] & 0x20) != 0;
        c->allow_short_header_without_known_dcid = (h[0] & 0x40) != 0;
        if (h[0] & 0x80) {
                c->max_flows = 3;
                c->flow_idle_timeout_sec = 2;
        }
        c->app_data_keep_record_bytes = 5u + h[1];
        c->app_data_continuation_keep_bytes = h[2];
        c->min_saved_bytes_per_packet = h[3] & 0x3F;
        c->learn_all_long_headers = (h[3] & 0x40) != 0;
}

/* Ethernet + IP (+ TCP/UDP) headers in front of the payload; returns the header length. */
static uint32_t build_headers(struct fuzz_state *s, uint8_t op, uint32_t plen)
{
        unsigned kind = op & 3, dir = (op >> 2) & 1, flow = (op >> 3) & 1;
        bool v6 = kind == 3, udp = kind == 2 || (v6 && (op & 0x80));
        uint32_t l4 = udp ? 8 : 20, l3 = v6 ? 40 : 20;
        uint8_t *f = s->frame;
        memset(f, 0, 14 + l3 + l4);
        memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
        put16(f + 12, v6 ? 0x86DD : 0x0800);
        uint8_t *ip = f + 14, *t = ip + l3;
        uint8_t *a = ip + (v6 ? 8 : 12), *b = a + (v6 ? 16 : 4);
        uint8_t *cli = dir ? b : a, *srv = dir ? a : b;
        if (v6) {
                ip[0] = 0x60;
                put16(ip + 4, l4 + plen);
                ip[6] = udp ? 17 : 6;
                ip[7] = 64;
                cli[0] = 0x20, cli[15] = 1;
                srv[0] = 0x20, srv[15] = 2;
        } else {
                ip[0] = 0x45;
                put16(ip + 2, l3 + l4 + plen);
                ip[8] = 64;
                ip[9] = udp ? 17 : 6;
                cli[0] = 10, cli[3] = 1;
                srv[0] = 10, srv[3] = 2;
        }
        uint32_t cport = 40000u + flow, sport = dir ? 443 : cport, dport = dir ? cport : 443;
        put16(t, sport);
        put16(t + 2, dport);
        if (udp) {
                put16(t + 4, 8 + plen);
                return 14 + l3 + l4;
        }
        static const uint8_t flags[4] = {0x18, 0x02, 0x11, 0x04};
        uint8_t fl = flags[(op >> 4) & 3];
        if (fl == 0x02 && dir)
                fl |= 0x10; /* SYN+ACK */
        uint32_t *seq = &s->seq[flow][dir];
        if (op & 0x40)
                *seq += plen + 1000;
        put32(t + 4, *seq);
        put32(t + 8, s->seq[flow][dir ^ 1]);
        t[12] = 0x50;
        t[13] = fl;
        put16(t + 14, 65535);
        *seq += plen + ((fl & 0x03) ? 1 : 0);
        return 14 + l3 + l4;
}

static void check_verdict(const struct cst_packet *p, const struct cst_verdict *v, uint32_t hdr)
{
        require(v->keep_len <= p->caplen);
        require(v->reason < CST_R_COUNT);
        require(strcmp(cst_reason_name(v->reason), "truncate.unknown") != 0);
        if (v->keep_len < p->caplen) {
                require(v->reason >= CST_R_TRUNCATE_TLS_APP_DATA_START);
                require(v->keep_len >= hdr); /* headers are never cut */
        }
}

/* One record; returns the bytes it used, 0 at the end. */
static size_t one_record(struct fuzz_state *s, const uint8_t *in, size_t left)
{
        if (left < 3)
                return 0;
        uint8_t op = in[0];
        size_t len = (size_t)in[1] | (size_t)in[2] << 8;
        if (len > left - 3)
                len = left - 3;
        const uint8_t *pl = in + 3;
        struct cst_packet p = {0};
        struct cst_verdict v;
        uint32_t hdr = 0;
        s->ts_ns += (op & 0x40) ? 400000000000ull : 1000000ull;
        p.ts_ns = s->ts_ns;
        p.ts_hi = (uint32_t)(s->ts_ns / 1000000000u);
        p.linktype = CST_LINK_ETHERNET;
        if ((op & 3) == 0) {
                if (len == 0)
                        return 3;
                uint8_t mode = pl[0];
                p.linktype = link_types[mode & 7];
                p.data = pl + 1;
                p.caplen = p.origlen = (uint32_t)len - 1;
                if (((mode >> 3) & 3) == 1)
                        p.origlen += 1 + (mode >> 5);
                else if (((mode >> 3) & 3) == 2 && p.origlen)
                        p.origlen -= 1;
                else if (((mode >> 3) & 3) == 3)
                        p.flags = CST_PKT_UNKNOWN_IF;
                struct decoded d;
                decode_packet(p.linktype, p.data, p.caplen, s->decode_mode, &d);
                if (d.status == DEC_OK)
                        hdr = d.payload_off;
        } else {
                if (len > FRAME_MAX - 96)
                        len = FRAME_MAX - 96;
                hdr = build_headers(s, op, (uint32_t)len);
                memcpy(s->frame + hdr, pl, len);
                p.data = s->frame;
                p.caplen = p.origlen = hdr + (uint32_t)len;
        }
        cst_engine_process(s->eng, &p, &v);
        check_verdict(&p, &v, hdr);
        return 3 + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct fuzz_state s;
        struct cst_config cfg;
        char err[CST_ERRBUF];
        if (size < 4 || size > 1u << 20)
                return 0;
        config_from(data, &cfg);
        memset(&s, 0, sizeof(s));
        s.ts_ns = 1700000000ull * 1000000000ull;
        s.eng = cst_engine_new(&cfg, err);
        require(s.eng != NULL);
        bool compat = (data[0] & 0x04) != 0;
        cst_engine_set_compat(s.eng, compat);
        s.decode_mode = compat ? DECODE_COMPAT : 0;
        if (data[3] & 0x80)
                require(cst_engine_open_decision_log(s.eng, "/dev/null", err) == CST_OK);
        size_t off = 4, used;
        while ((used = one_record(&s, data + off, size - off)) != 0)
                off += used;
        struct cst_stats *st = cst_engine_stats(s.eng);
        require(st->flows_active <= cfg.max_flows);
        if (data[3] & 0x80)
                require(cst_engine_close_decision_log(s.eng, err) == CST_OK);
        cst_engine_free(s.eng);
        return 0;
}
