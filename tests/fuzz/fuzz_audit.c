/*
 * fuzz_audit — libFuzzer target for `audit` through its public entry point
 * cst_audit_files() (include/constrictor/audit.h): two capture files, the
 * original and the constricted one.
 *
 * Input layout:
 *   byte 0    bits 0-1 mode: 0 and 3 = two files from the input, 1 = the
 *             constricted file is constrict(original) under the policy of
 *             bits 2-3, 2 = the constricted file is the original itself;
 *             bit 4 no_encrypted_handshake
 *   byte 1    keep_record_bytes - 5 (low 6 bits)
 *   byte 2    quic_short_keep (bit 7 set: -1, "1 + DCID")
 *   bytes 3-6 length of the original (LE u32, clamped to what is left);
 *             the bytes after it are the constricted file (modes 0 and 3)
 * Both files reach the audit as memfds.  Checked on every input: a known
 * result code, a one-line message, per-class kept + lost = needed, the
 * reported lists within their totals; an audit of a file against itself
 * passes with nothing lost; constrict's own output breaks no invariant.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <constrictor/audit.h>

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 7

enum { MODE_TWO_FILES = 0, MODE_CONSTRICTED = 1, MODE_IDENTITY = 2 };

static void check_report(const struct cst_audit_report *r)
{
        for (unsigned c = 0; c < CST_AC_COUNT; c++) {
                fuzz_require(r->cls[c].kept <= r->cls[c].needed);
                fuzz_require(r->cls[c].kept + r->cls[c].lost == r->cls[c].needed);
                fuzz_require(strcmp(cst_audit_class_name((enum cst_audit_class)c), "?") != 0);
        }
        fuzz_require(r->n_invariant <= CST_AUDIT_MAX_REPORTED);
        fuzz_require(r->n_invariant <= r->invariant_violations);
        fuzz_require(r->n_loss <= CST_AUDIT_MAX_REPORTED && r->n_loss <= r->loss_packets);
        fuzz_require(r->caplen_oracle <= r->caplen_original);
        for (uint32_t i = 0; i < r->n_invariant; i++)
                fuzz_require(
                    strcmp(cst_audit_invariant_name((enum cst_audit_invariant)r->invariant[i].kind),
                           "?") != 0);
        for (uint32_t i = 0; i < r->n_loss; i++) {
                fuzz_require(r->loss[i].cls < CST_AC_COUNT && r->loss[i].lost_bytes > 0);
                fuzz_require(r->loss[i].packet < r->packets_original);
        }
        fuzz_require(cst_audit_passed(r) == (r->invariant_violations == 0 && r->loss_packets == 0));
        fuzz_require(memchr(r->original_tail, '\0', sizeof(r->original_tail)) != NULL);
        fuzz_require(memchr(r->constricted_tail, '\0', sizeof(r->constricted_tail)) != NULL);
}

/* A file audited against itself: every byte kept, every invariant holds. */
static void check_identity(const struct cst_audit_report *r)
{
        fuzz_require(cst_audit_passed(r));
        fuzz_require(r->packets_original == r->packets_constricted);
        fuzz_require(r->caplen_original == r->caplen_constricted);
        for (unsigned c = 0; c < CST_AC_COUNT; c++)
                fuzz_require(r->cls[c].lost == 0);
}

static void run_audit(const uint8_t *h, const char *orig, const char *out, int mode)
{
        struct cst_audit_options opt;
        struct cst_audit_report rep;
        char err[CST_ERRBUF] = "";
        cst_audit_options_default(&opt);
        opt.keep_record_bytes = 5u + (h[1] & 0x3F);
        opt.quic_short_keep = (h[2] & 0x80) ? -1 : h[2];
        opt.no_encrypted_handshake = (h[0] & 0x10) != 0;
        memset(&rep, 0xA5, sizeof(rep)); /* the audit must fill every field it reports */
        int rc = cst_audit_files(orig, out, &opt, &rep, err);
        fuzz_require(rc == CST_OK || rc == CST_EFATAL || rc == CST_ENOMEM);
        if (rc != CST_OK) {
                fuzz_check_msg(err);
                return;
        }
        check_report(&rep);
        if (mode == MODE_IDENTITY)
                check_identity(&rep);
        else if (mode == MODE_CONSTRICTED)
                fuzz_require(rep.invariant_violations == 0);
}

/* The constricted file: constrict(original) into ofd; false when constrict refused it. */
static bool make_constricted(const uint8_t *h, const char *orig, const char *out)
{
        static const enum cst_tls_policy policies[] = {CST_TLS_FINAL_ONLY, CST_TLS_STREAM,
                                                       CST_TLS_BULK, CST_TLS_TRACK};
        struct cst_stats st;
        int rc = fuzz_constrict(orig, out, policies[(h[0] >> 2) & 3], NULL, &st);
        return rc == CST_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < HDR || size > FUZZ_MAX_INPUT)
                return 0;
        int mode = data[0] & 3;
        size_t left = size - HDR;
        size_t olen =
            (size_t)data[3] | (size_t)data[4] << 8 | (size_t)data[5] << 16 | (size_t)data[6] << 24;
        if (olen > left)
                olen = left;
        char orig[64], out[256];
        int ifd = fuzz_memfd("audit-orig", data + HDR, olen, orig);
        int ofd = -1;
        if (mode == MODE_IDENTITY)
                ofd = fuzz_memfd("audit-out", data + HDR, olen, out);
        else if (mode != MODE_CONSTRICTED)
                ofd = fuzz_memfd("audit-out", data + HDR + olen, left - olen, out);
        else if (fuzz_tmp_path("out", out, sizeof(out)) != 0) /* constrict writes a real file */
                ofd = -1;
        else if (ifd >= 0 && make_constricted(data, orig, out))
                run_audit(data, orig, out, mode);
        if (ifd >= 0 && ofd >= 0)
                run_audit(data, orig, out, mode == 3 ? MODE_TWO_FILES : mode);
        if (ifd >= 0)
                close(ifd);
        if (ofd >= 0)
                close(ofd);
        return 0;
}
