/*
 * `constrictor audit ORIGINAL CONSTRICTED` — prints what the library's audit
 * (include/constrictor/audit.h, docs/audit.md) found, as text or one JSON
 * object.  Exit status: 0 = invariants hold and no needed byte was lost,
 * 1 = a violation or a loss, 2 = usage or file error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constrictor/audit.h>
#include <constrictor/constrictor.h>

#if __has_include("commands.h")
#include "commands.h"
#include "live_stats.h"

/* Progress of the audit's reads (cst_audit_options.progress): drawn at most 4 times a second. */
static void audit_progress(void *ctx, uint64_t packets, uint64_t bytes)
{
        struct progress *pg = ctx;
        uint64_t now = live_now_ns();
        if (now - pg->last_ns >= 250000000u)
                progress_draw(pg, 48 + packets * pg->per_rec + bytes, now);
}
#else
int cmd_audit(int argc, char **argv);
#endif

#define AUDIT_EXIT_OK    0
#define AUDIT_EXIT_LOSS  1
#define AUDIT_EXIT_USAGE 2

static void audit_usage(FILE *f)
{
        fprintf(f,
                "usage: constrictor audit ORIGINAL CONSTRICTED [--json] [--keep-record-bytes N]\n"
                "                         [--quic-short-keep N] [--no-encrypted-handshake]\n"
                "                         [--max-memory MIB]\n"
                "  Checks that CONSTRICTED is a faithful constriction of ORIGINAL and reports\n"
                "  which needed bytes (headers, TLS record headers and handshakes, the first\n"
                "  N bytes of each AppData record, QUIC long headers, ...) it kept or lost.\n"
                "  --keep-record-bytes N  AppData bytes needed per record, header included\n"
                "                         (default 8, at least 5)\n"
                "  --quic-short-keep N    bytes needed per QUIC short-header packet\n"
                "                         (default: first byte + DCID)\n"
                "  --no-encrypted-handshake  the TLS 1.3 encrypted handshake flight is not\n"
                "                         wanted (judges keep_encrypted_handshake = false)\n"
                "  --max-memory MIB       TCP payload held while connections wait to be\n"
                "                         classified (default 64; past it, in chunks)\n"
                "  --json                 print one JSON object\n"
                "  exit status: 0 nothing needed lost, 1 a needed byte lost or an invariant\n"
                "  broken, 2 usage or file error; the TLS 1.3 encrypted handshake is wanted,\n"
                "  not required: its losses are reported but do not change the status\n");
}

static int parse_u32(const char *opt, const char *s, uint32_t min, uint32_t *out)
{
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (!*s || *s == '-' || *end || errno || v > UINT32_MAX || v < min) {
                fprintf(stderr, "error: invalid value for %s: '%s' (expected an integer >= %u)\n",
                        opt, s, min);
                return -1;
        }
        *out = (uint32_t)v;
        return 0;
}

static void print_text_classes(const struct cst_audit_report *r)
{
        printf("needed bytes by class:       %14s %14s %14s\n", "needed", "kept", "lost");
        for (int k = 0; k < CST_AC_COUNT; k++)
                printf("  %-26s %14" PRIu64 " %14" PRIu64 " %14" PRIu64 "%s\n",
                       cst_audit_class_name(k), r->cls[k].needed, r->cls[k].kept, r->cls[k].lost,
                       cst_audit_class_required(k) ? "" : "  (wanted)");
        const struct cst_audit_class_stats *e = &r->cls[CST_AC_TLS13_ENC_HANDSHAKE];
        printf("encrypted handshake (wanted, not in the verdict): kept %" PRIu64 ", lost %" PRIu64
               " in %" PRIu64 " packet(s), tls 1.3 connections %" PRIu64 "\n",
               e->kept, e->lost, r->wanted_loss_packets, r->tls13_connections);
        printf("not needed: tls appdata body %" PRIu64 ", tls unsynchronised %" PRIu64
               ", quic short-header body %" PRIu64 ", link trailer %" PRIu64 "\n",
               r->tls_appdata_body_bytes, r->tls_unsynced_bytes, r->quic_short_body_bytes,
               r->trailer_bytes);
        printf("reassembly: tcp connections %" PRIu64 " (tls %" PRIu64 ": by hello %" PRIu64
               ", by record chain %" PRIu64 "), tls records %" PRIu64 ", resyncs %" PRIu64
               ", retransmitted bytes %" PRIu64 ", missing bytes %" PRIu64 "\n",
               r->tcp_connections, r->tls_connections, r->tls_proven_by_hello,
               r->tls_proven_by_chain, r->tls_records, r->tls_resyncs, r->tcp_retransmitted_bytes,
               r->tcp_hole_bytes);
        printf("quic: server endpoints %" PRIu64 ", long-header packets %" PRIu64
               ", short-header packets %" PRIu64 ", client initials proven %" PRIu64
               ", initial look-alikes (not proven) %" PRIu64 "\n",
               r->quic_server_endpoints, r->quic_long_packets, r->quic_short_packets,
               r->quic_initials_proven, r->quic_initials_unproven);
}

static void print_text(const char *a, const char *b, const struct cst_audit_report *r)
{
        printf("audit: %s -> %s\n", a, b);
        printf("packets: %" PRIu64 " original, %" PRIu64 " constricted\n", r->packets_original,
               r->packets_constricted);
        printf("invariants: %" PRIu64 " violation(s)\n", r->invariant_violations);
        for (uint32_t k = 0; k < r->n_invariant; k++) {
                const struct cst_audit_invariant_violation *v = &r->invariant[k];
                printf("  packet %" PRIu64 ": %s: got %" PRIu64 ", want %" PRIu64, v->packet,
                       cst_audit_invariant_name(v->kind), v->got, v->want);
                if (v->kind == CST_AI_NOT_PREFIX)
                        printf(", first difference at byte %u", v->offset);
                printf("\n");
        }
        printf("captured bytes: %" PRIu64 " -> %" PRIu64 ", saved %.2f %%; oracle %" PRIu64
               ", saved %.2f %%; efficiency ",
               r->caplen_original, r->caplen_constricted, r->saved_pct, r->caplen_oracle,
               r->oracle_saved_pct);
        if (r->efficiency_pct < 0)
                printf("n/a (the oracle saves nothing)\n");
        else
                printf("%.2f %%\n", r->efficiency_pct);
        print_text_classes(r);
        printf("packets that lost needed bytes: %" PRIu64 "\n", r->loss_packets);
        for (uint32_t k = 0; k < r->n_loss; k++) {
                const struct cst_audit_loss *x = &r->loss[k];
                printf("  packet %" PRIu64 ": %s byte at offset %u lost (needed up to %u, "
                       "kept %u, %" PRIu64 " needed byte(s) lost)\n",
                       x->packet, cst_audit_class_name(x->cls), x->offset, x->last, x->caplen_out,
                       x->lost_bytes);
        }
        printf("verdict: %s\n", cst_audit_passed(r) ? "PASS" : "FAIL");
}

/* JSON string: file names may hold quotes, backslashes or control bytes. */
static void json_string(const char *s)
{
        putchar('"');
        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;
                if (ch == '"' || ch == '\\')
                        printf("\\%c", ch);
                else if (ch < 0x20)
                        printf("\\u%04x", ch);
                else
                        putchar(ch);
        }
        putchar('"');
}

static void print_json_lists(const struct cst_audit_report *r)
{
        printf(",\"invariant_violations\":%" PRIu64 ",\"first_invariant_violations\":[",
               r->invariant_violations);
        for (uint32_t k = 0; k < r->n_invariant; k++) {
                const struct cst_audit_invariant_violation *v = &r->invariant[k];
                printf("%s{\"packet\":%" PRIu64 ",\"kind\":\"%s\",\"got\":%" PRIu64
                       ",\"want\":%" PRIu64 ",\"offset\":%u}",
                       k ? "," : "", v->packet, cst_audit_invariant_name(v->kind), v->got, v->want,
                       v->offset);
        }
        printf("],\"loss_packets\":%" PRIu64 ",\"first_losses\":[", r->loss_packets);
        for (uint32_t k = 0; k < r->n_loss; k++) {
                const struct cst_audit_loss *x = &r->loss[k];
                printf("%s{\"packet\":%" PRIu64 ",\"class\":\"%s\",\"offset\":%u,"
                       "\"needed_end\":%u,\"kept\":%u,\"lost_bytes\":%" PRIu64 "}",
                       k ? "," : "", x->packet, cst_audit_class_name(x->cls), x->offset, x->last,
                       x->caplen_out, x->lost_bytes);
        }
        printf("]");
}

static void print_json(const char *a, const char *b, const struct cst_audit_report *r)
{
        printf("{\"original\":");
        json_string(a);
        printf(",\"constricted\":");
        json_string(b);
        printf(",\"passed\":%s,\"packets_original\":%" PRIu64 ",\"packets_constricted\":%" PRIu64
               ",\"caplen_original\":%" PRIu64 ",\"caplen_constricted\":%" PRIu64
               ",\"caplen_oracle\":%" PRIu64 ",\"saved_pct\":%.4f,\"oracle_saved_pct\":%.4f",
               cst_audit_passed(r) ? "true" : "false", r->packets_original, r->packets_constricted,
               r->caplen_original, r->caplen_constricted, r->caplen_oracle, r->saved_pct,
               r->oracle_saved_pct);
        if (r->efficiency_pct < 0)
                printf(",\"efficiency_pct\":null");
        else
                printf(",\"efficiency_pct\":%.4f", r->efficiency_pct);
        printf(",\"classes\":{");
        for (int k = 0; k < CST_AC_COUNT; k++)
                printf("%s\"%s\":{\"needed\":%" PRIu64 ",\"kept\":%" PRIu64 ",\"lost\":%" PRIu64
                       "}",
                       k ? "," : "", cst_audit_class_name(k), r->cls[k].needed, r->cls[k].kept,
                       r->cls[k].lost);
        const struct cst_audit_class_stats *e = &r->cls[CST_AC_TLS13_ENC_HANDSHAKE];
        printf("},\"encrypted_handshake\":{\"required\":false,\"needed\":%" PRIu64
               ",\"kept\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"loss_packets\":%" PRIu64 "}",
               e->needed, e->kept, e->lost, r->wanted_loss_packets);
        printf(",\"not_needed\":{\"tls_appdata_body\":%" PRIu64 ",\"tls_unsynced\":%" PRIu64
               ",\"quic_short_body\":%" PRIu64 ",\"link_trailer\":%" PRIu64 "}",
               r->tls_appdata_body_bytes, r->tls_unsynced_bytes, r->quic_short_body_bytes,
               r->trailer_bytes);
        printf(",\"reassembly\":{\"tcp_connections\":%" PRIu64 ",\"tls_connections\":%" PRIu64
               ",\"tls_proven_by_hello\":%" PRIu64 ",\"tls_proven_by_chain\":%" PRIu64
               ",\"tls_records\":%" PRIu64 ",\"tls_resyncs\":%" PRIu64
               ",\"tcp_retransmitted_bytes\":%" PRIu64 ",\"tcp_missing_bytes\":%" PRIu64
               ",\"quic_server_endpoints\":%" PRIu64 ",\"quic_long_packets\":%" PRIu64
               ",\"quic_short_packets\":%" PRIu64 ",\"quic_initials_proven\":%" PRIu64
               ",\"quic_initials_unproven\":%" PRIu64 ",\"tls13_connections\":%" PRIu64 "}",
               r->tcp_connections, r->tls_connections, r->tls_proven_by_hello,
               r->tls_proven_by_chain, r->tls_records, r->tls_resyncs, r->tcp_retransmitted_bytes,
               r->tcp_hole_bytes, r->quic_server_endpoints, r->quic_long_packets,
               r->quic_short_packets, r->quic_initials_proven, r->quic_initials_unproven,
               r->tls13_connections);
        print_json_lists(r);
        printf(",\"original_tail\":");
        json_string(r->original_tail);
        printf(",\"constricted_tail\":");
        json_string(r->constricted_tail);
        printf("}\n");
}

int cmd_audit(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"json", no_argument, NULL, 'j'},
            {"keep-record-bytes", required_argument, NULL, 'k'},
            {"quic-short-keep", required_argument, NULL, 'q'},
            {"no-encrypted-handshake", no_argument, NULL, 'e'},
            {"max-memory", required_argument, NULL, 'm'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        struct cst_audit_options opt;
        cst_audit_options_default(&opt);
        bool json = false;
        uint32_t v;
        int ch;
        optind = 0; /* full getopt reset: argv[0] is the subcommand */
        while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'j':
                        json = true;
                        break;
                case 'k':
                        if (parse_u32("--keep-record-bytes", optarg, 5, &v))
                                return AUDIT_EXIT_USAGE;
                        opt.keep_record_bytes = v;
                        break;
                case 'q':
                        if (parse_u32("--quic-short-keep", optarg, 0, &v) || v > INT32_MAX)
                                return AUDIT_EXIT_USAGE;
                        opt.quic_short_keep = (int32_t)v;
                        break;
                case 'e':
                        opt.no_encrypted_handshake = true;
                        break;
                case 'm':
                        if (parse_u32("--max-memory", optarg, 1, &v))
                                return AUDIT_EXIT_USAGE;
                        opt.memory_budget = (uint64_t)v << 20;
                        break;
                case 'h':
                        audit_usage(stdout);
                        return AUDIT_EXIT_OK;
                default:
                        audit_usage(stderr);
                        return AUDIT_EXIT_USAGE;
                }
        }
        if (argc - optind != 2) {
                fprintf(stderr,
                        "error: audit needs ORIGINAL and CONSTRICTED (got %d file "
                        "argument(s))\n",
                        argc - optind);
                audit_usage(stderr);
                return AUDIT_EXIT_USAGE;
        }
        const char *a = argv[optind], *b = argv[optind + 1];
        struct cst_audit_report *rep = malloc(sizeof(*rep));
        char err[CST_ERRBUF] = "";
        static struct progress pg; /* issue 18: a progress line on a terminal */
        progress_init(&pg, false, a);
        pg.total *= 2; /* the original is read twice */
        if (pg.on) {
                opt.progress = audit_progress;
                opt.progress_ctx = &pg;
        }
        int arc = rep ? cst_audit_files(a, b, &opt, rep, err) : CST_ENOMEM;
        progress_clear(&pg);
        if (arc != 0) {
                fprintf(stderr, "error: %s\n", rep ? err : "out of memory");
                free(rep);
                return AUDIT_EXIT_USAGE;
        }
        if (rep->original_tail[0])
                fprintf(stderr,
                        "Warning: %s: incomplete last record (%s); audited the packets "
                        "before it.\n",
                        a, rep->original_tail);
        if (rep->constricted_tail[0])
                fprintf(stderr,
                        "Warning: %s: incomplete last record (%s); audited the packets "
                        "before it.\n",
                        b, rep->constricted_tail);
        if (json)
                print_json(a, b, rep);
        else
                print_text(a, b, rep);
        int rc = cst_audit_passed(rep) ? AUDIT_EXIT_OK : AUDIT_EXIT_LOSS;
        free(rep);
        return rc;
}
