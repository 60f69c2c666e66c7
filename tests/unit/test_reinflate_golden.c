/*
 * The reinflate cases of the golden table (tests/golden/TESTLIST) without the
 * file pipeline: a tiny classic-PCAP walker feeds each record of the case's
 * input to reinflate_packet() with the case's config, and the re-assembled
 * file must equal the golden output byte for byte (SPEC 2.9, 4); the table's
 * stats lines are checked too (the reader's own counters excepted).
 */
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>

#include "check.h"
#include "testlist.h"
#include "reinflate/reinflate.h"
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

/* Little-endian classic PCAP only (the goldens are); false for other input. */
static bool run(const char *in_path, const struct cst_config *cfg, struct blob *out,
                struct cst_stats *st)
{
        struct blob in;
        CHECK(load(in_path, &in) == 0);
        struct rd magic = rd_init(in.p, in.len);
        uint32_t m = rd_le32(&magic);
        if (magic.err || (m != 0xA1B2C3D4u && m != 0xA1B23C4Du)) {
                free(in.p);
                return false;
        }
        struct reinflater r;
        char err[CST_ERRBUF] = "";
        CHECK(reinflate_init(&r, cfg, err) == CST_OK);

        struct rd rd = rd_init(in.p, in.len);
        rd_skip(&rd, 20);
        uint32_t linktype = rd_le32(&rd);
        put(out, in.p, 24);
        for (uint64_t i = 0; rd_left(&rd) >= 16; i++) {
                const uint8_t *hdr = rd_ptr(&rd, 16);
                struct cst_packet pkt = {0};
                struct rd h = rd_init(hdr, hdr ? 16 : 0);
                rd_skip(&h, 8);
                pkt.caplen = rd_le32(&h);
                pkt.origlen = rd_le32(&h);
                pkt.data = rd_ptr(&rd, pkt.caplen);
                pkt.linktype = linktype;
                CHECK(pkt.data != NULL);
                if (!pkt.data)
                        break;
                const uint8_t *o;
                uint32_t olen;
                CHECK(reinflate_packet(&r, &pkt, i, &o, &olen, st, err) == CST_OK);
                uint8_t hb[16];
                memcpy(hb, hdr, 16);
                for (int b = 0; b < 4; b++)
                        hb[8 + b] = (uint8_t)(olen >> (8 * b));
                put(out, hb, 16);
                put(out, o, olen);
                st->total_packets++;
        }
        CHECK(rd_left(&rd) == 0);
        reinflate_free(&r);
        free(in.p);
        return true;
}

static void golden(const struct testlist *tl, const struct tl_case *c)
{
        char in[4096], want_path[4096];
        struct cst_config cfg;
        tl_config(tl, c, &cfg);
        /* reinflate has no option the unit can apply (--policy is constrict's) */
        if (strcmp(c->options, "-") != 0)
                fprintf(stderr, "%s: options %s unknown to this test (teach it here)\n", c->name,
                        c->options);
        CHECK(strcmp(c->options, "-") == 0);
        tl_path(tl, c->input, in, sizeof(in));
        struct blob out = {0}, want = {0};
        struct cst_stats st;
        memset(&st, 0, sizeof(st));
        if (!run(in, &cfg, &out, &st)) {
                printf("%s: not little-endian classic PCAP, checked by golden.reinflate only\n",
                       c->name);
                free(out.p);
                return;
        }
        tl_check_stats(c, &st, cfg.checksum_recompute, tl_reader_counter);
        if (tl_path(tl, c->output, want_path, sizeof(want_path))) {
                CHECK(load(want_path, &want) == 0);
                CHECK_EQ_U(out.len, want.len);
                bool same = out.len == want.len && memcmp(out.p, want.p, out.len) == 0;
                if (!same && out.len == want.len)
                        for (size_t i = 0; i < out.len; i++)
                                if (out.p[i] != want.p[i]) {
                                        fprintf(stderr, "%s %s: first difference at byte %zu\n",
                                                c->name, want_path, i);
                                        break;
                                }
                CHECK(same);
        }
        printf("%s: reinflated %llu filler %llu ipv4 %llu tcp %llu udp %llu skipped %llu\n",
               c->name, (unsigned long long)st.packets_reinflated,
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
        struct testlist tl;
        int rc = tl_open(&tl);
        if (rc != 0)
                return rc;
        tl_each(&tl, "reinflate", golden);
        return check_summary("test_reinflate_golden");
}
