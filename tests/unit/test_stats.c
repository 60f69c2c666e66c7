/*
 * Stats printing: the text block of SPEC 2.10 (labels, order, per-format
 * trailing lines, warnings), constrictor's additions only when they have
 * something to say, and the JSON object.
 */
#include <constrictor/constrictor.h>
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"
#include "check.h"

/* SPEC 2.10 labels between "input format" and the policy line. */
static const char *const head_labels[] = {
    "total packets",
    "total captured bytes read",
    "total original bytes read",
    "total captured bytes written",
    "total original bytes written",
    "input incomplete tail",
    "input incomplete packet records",
    "input trailing unprocessed bytes",
    "input missing packet payload bytes",
    "already truncated input packets",
    "packets reinflated",
    "filler bytes written",
    "decoded TCP packets",
    "decoded UDP packets",
    "malformed packets",
    "unsupported link type packets",
    "TLS packets truncated",
    "TLS bytes saved",
    "TLS packets kept uncertain",
    "TLS packets truncated AppData start",
    "TLS packets truncated final continuation",
    "TLS packets kept unsynchronized non-handshake",
    "TLS packets kept TCP seq mismatch",
    "TLS packets kept malformed record",
    "TLS packets kept middle continuation",
    "TLS packets kept AppData continuation with extra bytes",
    "TLS packets kept no candidate",
    "TLS packets kept min savings",
    "TLS packets resynchronized",
    "TLS packets resynchronized AppData start",
    "TLS packets state reset on seq mismatch",
    "TLS packets state reset on SYN/RST",
    "TLS packets truncated stream continuation",
    "TLS packets stream continuation boundary parsed",
    "TLS packets truncated bulk continuation",
};
static const char *const tail_labels[] = {
    "QUIC packets truncated",
    "QUIC bytes saved",
    "QUIC packets kept uncertain",
    "QUIC packets kept DCID mismatch",
    "checksums recomputed IPv4",
    "checksums recomputed TCP",
    "checksums recomputed UDP",
    "checksum recompute skipped",
    "checksum recompute skipped unsupported link type",
    "checksum recompute skipped decode failed",
    "checksum recompute skipped malformed",
    "checksum recompute skipped fragment",
    "checksum recompute skipped not TCP/UDP",
    "checksum recompute skipped incomplete",
    "checksum recompute skipped length mismatch",
    "checksum recompute skipped IPv4 total length zero",
    "pcapng enhanced packets",
    "pcapng unknown blocks copied",
    "pcapng unsupported packets",
};

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && strcmp(s + a - b, suffix) == 0;
}

static char *print_text(const struct cst_stats *st, bool recompute)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        CHECK(cst_stats_print_text(f, st, recompute) == 0);
        fclose(f);
        return buf;
}

/* The expected block with every counter = value(i) in label order. */
static void append(char **s, size_t *n, const char *line)
{
        size_t l = strlen(line);
        *s = realloc(*s, *n + l + 1);
        memcpy(*s + *n, line, l + 1);
        *n += l;
}

static char *expected_block(const char *format, const char *policy, const char *tail)
{
        char *s = NULL, line[256];
        size_t n = 0;

        snprintf(line, sizeof(line), "input format: %s\n", format);
        append(&s, &n, line);
        for (size_t i = 0; i < sizeof(head_labels) / sizeof(head_labels[0]); i++) {
                snprintf(line, sizeof(line), "%s: 0\n", head_labels[i]);
                append(&s, &n, line);
        }
        snprintf(line, sizeof(line), "TLS AppData continuation policy: %s\n", policy);
        append(&s, &n, line);
        for (size_t i = 0; i < sizeof(tail_labels) / sizeof(tail_labels[0]); i++) {
                snprintf(line, sizeof(line), "%s: 0\n", tail_labels[i]);
                append(&s, &n, line);
        }
        append(&s, &n, tail);
        return s;
}

static void test_zero_blocks(void)
{
        struct cst_stats st;
        char *got, *want;

        memset(&st, 0, sizeof(st));
        st.input_linktype = 1;
        st.input_snaplen = 65535;
        got = print_text(&st, true);
        want = expected_block("pcap", "final_only",
                              "time precision: microsecond\nendianness: little\nlink type: 1\n"
                              "snaplen: 65535\n");
        CHECK_STR(got, want);
        free(got);
        free(want);

        st.input_nsec = true;
        st.input_big_endian = true;
        st.tls_policy = CST_TLS_BULK;
        got = print_text(&st, false);
        want = expected_block("pcap", "bulk",
                              "time precision: nanosecond\nendianness: big\nlink type: 1\n"
                              "snaplen: 65535\n");
        CHECK_STR(got, want);
        free(got);
        free(want);

        memset(&st, 0, sizeof(st));
        st.input_pcapng = true;
        st.tls_policy = CST_TLS_TRACK;
        got = print_text(&st, false);
        want = expected_block("pcapng", "track", "endianness: little\n");
        CHECK_STR(got, want);
        free(got);
        free(want);
}

/* The value lands on its own label. */
static void test_values_and_warnings(void)
{
        struct cst_stats st;
        char *got;

        memset(&st, 0, sizeof(st));
        st.total_packets = 17;
        st.tls_bytes_saved = 3752;
        st.tls_state_reset_on_syn_or_rst = 2;
        st.quic_kept_dcid_mismatch = 5;
        st.pcapng_unsupported_packets = 9;
        st.already_truncated_input_packets = 3;
        st.checksum_skipped = 6;
        st.checksum_skipped_fragment = 1;
        st.checksum_skipped_ipv4_total_length_zero = 2;
        st.checksum_skipped_unsupported_link_type = 3;
        got = print_text(&st, true);
        CHECK(strstr(got, "\ntotal packets: 17\n") != NULL);
        CHECK(strstr(got, "\nTLS bytes saved: 3752\n") != NULL);
        CHECK(strstr(got, "\nTLS packets state reset on SYN/RST: 2\n") != NULL);
        CHECK(strstr(got, "\nQUIC packets kept DCID mismatch: 5\n") != NULL);
        CHECK(strstr(got, "\npcapng unsupported packets: 9\n") != NULL);
        CHECK(strstr(got, "snaplen: 0\n"
                          "Warning: 3 input packets were already truncated and were kept "
                          "unchanged.\n"
                          "Warning: checksum recomputation was skipped for 6 packet(s):\n"
                          "  ipv4_total_length_zero: 2\n"
                          "  fragment: 1\n"
                          "  unsupported_link_type: 3\n"
                          "Skipped packets keep their existing checksum fields.\n") != NULL);
        /* Ends with the warnings: no addition is non-zero. */
        CHECK(ends_with(got, "Skipped packets keep their existing checksum fields.\n"));
        free(got);

        /* Without recompute: no checksum warning. */
        got = print_text(&st, false);
        CHECK(strstr(got, "checksum recomputation") == NULL);
        CHECK(strstr(got, "already truncated and were kept unchanged") != NULL);
        free(got);
}

static void test_additions(void)
{
        struct cst_stats st;
        char *got;

        memset(&st, 0, sizeof(st));
        st.flows_active = 4;
        st.flows_closed = 2;
        got = print_text(&st, false);
        CHECK(strstr(got, "flows") == NULL); /* active/closed are JSON-only */
        CHECK(strstr(got, "kernel") == NULL);
        free(got);

        st.flows_evicted = 7;
        st.caplen_exceeds_origlen_packets = 1;
        st.have_kernel_stats = true;
        st.kernel_packets = 100;
        got = print_text(&st, false);
        CHECK(strstr(got, "snaplen: 0\n"
                          "packets kept whole with captured length above original length: 1\n"
                          "flows evicted: 7\n"
                          "kernel packets: 100\n"
                          "kernel drops: 0\n"
                          "receive errors: 0\n") != NULL);
        CHECK(strstr(got, "flows timed out") == NULL);
        free(got);
}

static void test_json(void)
{
        struct cst_stats st;
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        memset(&st, 0, sizeof(st));
        st.input_linktype = 1;
        st.input_snaplen = 262144;
        st.total_packets = 16;
        st.quic_bytes_saved = 306;
        st.flows_active = 3;
        st.tls_policy = CST_TLS_STREAM;
        f = open_memstream(&buf, &len);
        CHECK(cst_stats_print_json(f, &st) == 0);
        fclose(f);
        CHECK(
            strncmp(buf,
                    "{\"input_format\":\"pcap\",\"endianness\":\"little\","
                    "\"time_precision\":\"microsecond\",\"link_type\":1,"
                    "\"snaplen\":262144,\"tls_policy\":\"stream\",\"total_packets\":16,",
                    strlen("{\"input_format\":\"pcap\",\"endianness\":\"little\","
                           "\"time_precision\":\"microsecond\",\"link_type\":1,"
                           "\"snaplen\":262144,\"tls_policy\":\"stream\",\"total_packets\":16,")) ==
            0);
        CHECK(strstr(buf, ",\"quic_bytes_saved\":306,") != NULL);
        CHECK(strstr(buf, ",\"tls_state_reset_on_syn_or_rst\":0,") != NULL);
        CHECK(strstr(buf, ",\"flows_active\":3,") != NULL);
        CHECK(strstr(buf, ",\"kernel_drops\":0,") != NULL);
        CHECK(strstr(buf, ",\"pcapng_unsupported_packets\":0,") != NULL);
        CHECK(ends_with(buf, ",\"have_kernel_stats\":false}\n"));
        CHECK(strchr(buf, '\n') == buf + strlen(buf) - 1); /* one line */
        free(buf);
}

/* Counters by name and through the iterator (the ABI-stable way to read them). */
static void test_by_name(void)
{
        struct cst_stats *st = cst_stats_new(), *copy;
        const char *name;
        uint64_t v = 99, seen = 0;
        size_t pos = 0, n = 0;
        char *json;

        CHECK(st != NULL);
        st->tls_truncated = 7;
        st->quic_migrations_adopted = 3;
        st->input_linktype = 113;
        st->kernel_drops = 5;
        CHECK(cst_stats_get(st, "tls_truncated", &v) == CST_OK);
        CHECK_EQ_U(v, 7);
        CHECK(cst_stats_get(st, "tls.truncated", &v) == CST_OK);
        CHECK_EQ_U(v, 7);
        CHECK(cst_stats_get(st, "quic_migrations_adopted", &v) == CST_OK);
        CHECK_EQ_U(v, 3);
        CHECK(cst_stats_get(st, "input_linktype", &v) == CST_OK);
        CHECK_EQ_U(v, 113);
        v = 99;
        CHECK(cst_stats_get(st, "tls_truncate", &v) == CST_EKEY);
        CHECK(cst_stats_get(st, "tls_truncated_", &v) == CST_EKEY);
        CHECK(cst_stats_get(st, "", &v) == CST_EKEY);
        CHECK_EQ_U(v, 99);

        /* The iterator yields every counter once, in the JSON order, with its value. */
        json = NULL;
        {
                size_t len = 0;
                FILE *f = open_memstream(&json, &len);
                cst_stats_print_json(f, st);
                fclose(f);
        }
        st->snaplen_capped_packets = 11;
        st->reason_packets[CST_R_KEEP_MIN_SAVINGS] = 13;
        while (cst_stats_next(st, &pos, &name, &v)) {
                char key[128];
                uint64_t again = 0;
                /* the 74 counters of the stats output first, as in the JSON object */
                snprintf(key, sizeof(key), "\"%s\":%llu", name, (unsigned long long)v);
                CHECK((strstr(json, key) != NULL) == (n < 74));
                CHECK(cst_stats_get(st, name, &again) == CST_OK && again == v);
                seen += v;
                n++;
        }
        free(json);
        CHECK_EQ_U(n, cst_stats_count());
        /* + the settle counters: snaplen cap (2), eBPF kernel cuts (2, issue 19) */
        CHECK_EQ_U(n, 74 + 4 + CST_R_COUNT);
        CHECK_EQ_U(seen, 7 + 3 + 5 + 11 + 13);
        CHECK(cst_stats_get(st, "keep.min_savings", &v) == CST_OK);
        CHECK_EQ_U(v, 13);
        CHECK(cst_stats_get(st, "snaplen_capped_packets", &v) == CST_OK);
        CHECK_EQ_U(v, 11);
        CHECK(cst_stats_next(st, &pos, &name, &v) == 0);

        copy = cst_stats_copy(st);
        CHECK(copy && cst_stats_get(copy, "kernel_drops", &v) == CST_OK && v == 5);
        cst_stats_reset(st);
        CHECK(cst_stats_get(st, "tls_truncated", &v) == CST_OK && v == 0);
        cst_stats_free(copy);
        cst_stats_free(st);
        cst_stats_free(NULL);
}

int main(void)
{
        test_zero_blocks();
        test_values_and_warnings();
        test_additions();
        test_json();
        test_by_name();
        return check_summary("test_stats");
}
