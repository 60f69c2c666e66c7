/*
 * Reinflate goldens without the file pipeline: a tiny classic-PCAP walker
 * feeds each record of the golden constricted.pcap to reinflate_packet() and
 * the re-assembled file must equal the golden reinflated_* file byte for byte
 * (SPEC 2.9, 4).  Also checks the stats counters of each run.
 */
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>

#include "check.h"
#include "reinflate/reinflate.h"
#include "plain_load.h"
#include "util/rd.h"

struct blob {
        uint8_t *p;
        size_t len, cap;
};

static int load(const char *path, struct blob *b)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return -1;
        b->len = 0;
        b->cap = 1 << 20;
        b->p = malloc(b->cap);
        size_t n;
        while ((n = fread(b->p + b->len, 1, b->cap - b->len, f)) > 0) {
                b->len += n;
                if (b->len == b->cap)
                        b->p = realloc(b->p, b->cap *= 2);
        }
        fclose(f);
        return 0;
}

static void put(struct blob *b, const void *src, size_t n)
{
        if (b->len + n > b->cap) {
                while (b->len + n > b->cap)
                        b->cap = b->cap ? b->cap * 2 : 4096;
                b->p = realloc(b->p, b->cap);
        }
        memcpy(b->p + b->len, src, n);
        b->len += n;
}

/* Little-endian classic PCAP only (the goldens are). */
static void run(const char *in_path, bool recompute, struct blob *out, struct cst_stats *st)
{
        struct blob in;
        CHECK(load(in_path, &in) == 0);
        struct cst_config cfg;
        cst_config_defaults(&cfg);
        cfg.fill_byte = 0xAB;
        cfg.checksum_recompute = recompute;
        struct reinflater r;
        char err[CST_ERRBUF] = "";
        CHECK(reinflate_init(&r, &cfg, err) == CST_OK);

        struct rd rd = rd_init(in.p, in.len);
        rd_skip(&rd, 20);
        uint32_t linktype = rd_le32(&rd);
        put(out, in.p, 24);
        for (uint64_t i = 0; rd_left(&rd) >= 16; i++) {
                const uint8_t *hdr = rd_ptr(&rd, 16);
                struct cst_packet pkt = {0};
                pkt.caplen = ld_le32(hdr + 8);
                pkt.origlen = ld_le32(hdr + 12);
                pkt.data = rd_ptr(&rd, pkt.caplen);
                pkt.linktype = linktype;
                CHECK(pkt.data != NULL);
                const uint8_t *o;
                uint32_t olen;
                CHECK(reinflate_packet(&r, &pkt, i, &o, &olen, st, err) == CST_OK);
                uint8_t h[16];
                memcpy(h, hdr, 16);
                st_le32(h + 8, olen);
                put(out, h, 16);
                put(out, o, olen);
        }
        CHECK(rd_left(&rd) == 0);
        reinflate_free(&r);
        free(in.p);
}

static void golden(const char *fix, const char *scenario, bool recompute)
{
        char in[4096], want_path[4096];
        snprintf(in, sizeof(in), "%s/%s/constricted.pcap", fix, scenario);
        snprintf(want_path, sizeof(want_path), "%s/%s/reinflated_%s_checksum.pcap", fix, scenario,
                 recompute ? "recompute" : "preserve");
        struct blob out = {0}, want = {0};
        struct cst_stats st;
        memset(&st, 0, sizeof(st));
        run(in, recompute, &out, &st);
        CHECK(load(want_path, &want) == 0);
        CHECK_EQ_U(out.len, want.len);
        bool same = out.len == want.len && memcmp(out.p, want.p, out.len) == 0;
        if (!same && out.len == want.len)
                for (size_t i = 0; i < out.len; i++)
                        if (out.p[i] != want.p[i]) {
                                fprintf(stderr, "%s %s: first difference at byte %zu\n", scenario,
                                        want_path, i);
                                break;
                        }
        CHECK(same);
        if (!recompute) {
                CHECK_EQ_U(st.checksum_skipped, 0);
                CHECK_EQ_U(st.checksums_recomputed_ipv4, 0);
        } else {
                /* every packet is either recomputed or skipped with a reason */
                CHECK(st.checksums_recomputed_tcp + st.checksums_recomputed_udp +
                          st.checksum_skipped >
                      0);
        }
        printf("%s %s: reinflated %llu filler %llu ipv4 %llu tcp %llu udp %llu skipped %llu\n",
               scenario, recompute ? "recompute" : "preserve",
               (unsigned long long)st.packets_reinflated,
               (unsigned long long)st.filler_bytes_written,
               (unsigned long long)st.checksums_recomputed_ipv4,
               (unsigned long long)st.checksums_recomputed_tcp,
               (unsigned long long)st.checksums_recomputed_udp,
               (unsigned long long)st.checksum_skipped);
        free(out.p);
        free(want.p);
}

int main(void)
{
        const char *fix = getenv("CST_FIXTURES");
        char probe[4096];
        snprintf(probe, sizeof(probe), "%s/tls_test_2/constricted.pcap", fix ? fix : "");
        FILE *f = fix ? fopen(probe, "rb") : NULL;
        if (!f) {
                printf("SKIP: golden fixtures not found (CST_FIXTURES)\n");
                return 77;
        }
        fclose(f);
        golden(fix, "tls_test_2", false);
        golden(fix, "tls_test_2", true);
        golden(fix, "quic_test_2", false);
        golden(fix, "quic_test_2", true);
        return check_summary("test_reinflate_golden");
}
