/*
 * The engine on the golden table (tests/golden/TESTLIST), in-process: every
 * constrict case is read by libpcap (a reader independent of constrictor's)
 * and replayed through cst_engine; the table's per-packet captured lengths and
 * reasons, its stats lines (those the engine keeps) and, where the case has a
 * golden output, the bytes of a classic PCAP file re-assembled from the
 * input's own records cut to each verdict, compared with the golden file.
 * The exit code and the reader's own counters ("input ...", "pcapng ...")
 * belong to the file pipeline: golden.constrict checks those.
 *
 * What the table cannot say stays here: the PCAPNG fixture in compatibility
 * mode (the old tool's numbers exactly, SPEC 4) beside constrictor's fixes
 * (TSO ClientHello decoded, DNS not counted as QUIC; docs/compatibility.md);
 * compatibility mode is an engine switch with no command-line option.
 */
#include "check.h"
#include "engine_replay.h"
#include "testlist.h"

static struct replay rep, old; /* large: not on the stack */

struct blob {
        uint8_t *p;
        size_t len;
};

static bool load(const char *path, struct blob *b)
{
        FILE *f = fopen(path, "rb");
        b->p = NULL;
        b->len = 0;
        if (!f)
                return false;
        size_t cap = 0;
        for (;;) {
                if (b->len == cap) {
                        cap = cap ? cap * 2 : 1 << 16;
                        uint8_t *np = realloc(b->p, cap);
                        if (!np)
                                break;
                        b->p = np;
                }
                size_t n = fread(b->p + b->len, 1, cap - b->len, f);
                if (n == 0)
                        break;
                b->len += n;
        }
        fclose(f);
        return true;
}

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The output a faithful classic-PCAP writer makes from the verdicts: the
 * input's global header, then each record with its captured length set to
 * the verdict's and its data cut there.  Little-endian input only (every
 * golden is); false for anything else.
 */
static bool reassemble(const struct blob *in, const struct replay *r, struct blob *out)
{
        if (in->len < 24 || (le32(in->p) != 0xA1B2C3D4u && le32(in->p) != 0xA1B23C4Du))
                return false;
        out->p = malloc(in->len);
        out->len = 0;
        if (!out->p)
                return false;
        memcpy(out->p, in->p, 24);
        out->len = 24;
        size_t off = 24;
        for (int i = 0; i < r->n && off + 16 <= in->len; i++) {
                uint32_t cap = le32(in->p + off + 8);
                uint32_t keep = r->keep[i] < cap ? r->keep[i] : cap;
                if (off + 16 + cap > in->len)
                        break;
                memcpy(out->p + out->len, in->p + off, 16);
                for (int b = 0; b < 4; b++)
                        out->p[out->len + 8 + b] = (uint8_t)(keep >> (8 * b));
                memcpy(out->p + out->len + 16, in->p + off + 16, keep);
                out->len += 16 + keep;
                off += 16 + cap;
        }
        return true;
}

/* Options of the table the engine can take: --policy NAME. */
static bool apply_options(const struct tl_case *c, struct cst_config *cfg)
{
        if (strcmp(c->options, "-") == 0)
                return true;
        char opts[sizeof(c->options)];
        memcpy(opts, c->options, sizeof(opts));
        char *save = NULL;
        for (char *w = strtok_r(opts, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                enum cst_tls_policy p;
                const char *v = strncmp(w, "--policy=", 9) == 0 ? w + 9 : NULL;
                if (!v && strcmp(w, "--policy") == 0)
                        v = strtok_r(NULL, " ", &save);
                if (!v || cst_tls_policy_parse(v, &p) != 0) {
                        fprintf(stderr, "%s: option %s unknown to this test (teach it here)\n",
                                c->name, w);
                        return false;
                }
                cst_config_set_policy(cfg, p);
        }
        return true;
}

static void run_case(const struct testlist *tl, const struct tl_case *c)
{
        char in[4096], path[4096];
        struct cst_config cfg;
        tl_config(tl, c, &cfg);
        bool opts_ok = apply_options(c, &cfg);
        CHECK(opts_ok);
        tl_path(tl, c->input, in, sizeof(in));
        if (replay_file(in, &cfg, false, NULL, &rep) != 0) {
                fprintf(stderr, "%s: cannot replay %s\n", c->name, in);
                CHECK(false);
                return;
        }
        replay_dump(c->name, &rep);
        CHECK(!rep.overflow);
        /* the counters of the file pipeline, from what libpcap delivered */
        rep.st.total_packets = (uint64_t)rep.n;
        for (int i = 0; i < rep.n; i++) {
                rep.st.total_captured_bytes_read += rep.caplen[i];
                rep.st.total_original_bytes_read += rep.origlen[i];
                rep.st.total_captured_bytes_written += rep.keep[i];
                rep.st.total_original_bytes_written += rep.origlen[i];
        }
        tl_check_stats(c, &rep.st, false, tl_reader_counter);

        const char *pos = NULL;
        struct tl_kept k;
        while (tl_next_kept(c, &pos, &k)) {
                if (k.n == 0)
                        continue;
                CHECK(k.n <= rep.n);
                if (k.n > rep.n)
                        continue;
                if (rep.keep[k.n - 1] != k.caplen)
                        fprintf(stderr, "%s packet %d:\n", c->name, k.n);
                CHECK_EQ_U(rep.keep[k.n - 1], k.caplen);
                if (k.reason[0]) {
                        if (strcmp(cst_reason_name(rep.reason[k.n - 1]), k.reason) != 0)
                                fprintf(stderr, "%s packet %d:\n", c->name, k.n);
                        CHECK_STR(cst_reason_name(rep.reason[k.n - 1]), k.reason);
                }
        }

        if (tl_path(tl, c->output, path, sizeof(path))) {
                struct blob input, got, want;
                CHECK(load(in, &input));
                CHECK(load(path, &want));
                if (!reassemble(&input, &rep, &got)) {
                        printf("%s: not little-endian classic PCAP, bytes checked by "
                               "golden.constrict only\n",
                               c->name);
                } else {
                        bool same = got.len == want.len && memcmp(got.p, want.p, got.len) == 0;
                        if (!same)
                                fprintf(stderr, "%s: re-assembled output differs from %s\n",
                                        c->name, path);
                        CHECK(same);
                        free(got.p);
                }
                free(input.p);
                free(want.p);
        }
        printf("%s: %d packets replayed\n", c->name, rep.n);
}

/* The PCAPNG fixture: old numbers in compatibility mode, documented ones with the fixes. */
static void test_pcapng_compat(const struct testlist *tl)
{
        char path[4096];
        struct cst_config cfg;
        cst_config_defaults(&cfg);
        tl_path(tl, "single/tls_quic_test_1.pcapng", path, sizeof(path));
        CHECK(replay_file(path, &cfg, true, NULL, &old) == 0);
        CHECK(replay_file(path, &cfg, false, NULL, &rep) == 0);
        CHECK_EQ_U(old.n, 65);
        /* SPEC 4, the old tool's numbers */
        CHECK_EQ_U(old.st.tls_truncated, 4);
        CHECK_EQ_U(old.st.tls_truncated_app_data_start, 3);
        CHECK_EQ_U(old.st.tls_truncated_final_continuation, 1);
        CHECK_EQ_U(old.st.tls_bytes_saved, 911);
        CHECK_EQ_U(old.st.tls_kept_uncertain, 1);
        CHECK_EQ_U(old.st.tls_kept_unsynchronized_non_handshake, 1);
        CHECK_EQ_U(old.st.tls_kept_middle_continuation, 1);
        CHECK_EQ_U(old.st.tls_kept_no_candidate, 0);
        CHECK_EQ_U(old.st.tls_resynchronized, 1);
        CHECK_EQ_U(old.st.tls_state_reset_on_syn_or_rst, 4);
        CHECK_EQ_U(old.st.malformed_packets, 1);
        CHECK_EQ_U(old.st.quic_kept_uncertain, 7);
        CHECK_EQ_U(old.st.quic_truncated, 0);
        CHECK_EQ_U(old.reason[53], CST_R_KEEP_DECODE_MALFORMED);
        /* constrictor (the table's pcapng case has the rest): #54 decoded, DNS not QUIC */
        CHECK_EQ_U(rep.st.decoded_tcp_packets, old.st.decoded_tcp_packets + 1);
        CHECK_EQ_U(rep.reason[53], CST_R_KEEP_NO_CANDIDATE);
        /* ... and the same bytes kept for every packet */
        CHECK_EQ_U(rep.n, old.n);
        for (int i = 0; i < rep.n && i < old.n; i++)
                CHECK_EQ_U(rep.keep[i], old.keep[i]);
}

int main(void)
{
        struct testlist tl;
        int rc = tl_open(&tl);
        if (rc != 0)
                return rc;
        tl_each(&tl, "constrict", run_case);
        test_pcapng_compat(&tl);
        return check_summary("test_engine_fixtures");
}
