/*
 * reinflate / restore of a whole file (SPEC 2.9): the pipeline with
 * reinflate_packet() as its per-packet transform in place of the engine
 * (which writes EPBs on unknown interfaces and records with caplen > origlen
 * unchanged, and counts them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>

#include "pipeline/pipeline_int.h"
#include "reinflate/reinflate.h"

struct reinflate_job {
        struct reinflater rf;
        struct cst_stats *st;
};

/* "packet <n>: msg" from reinflate_packet (n counted from 1) → "packet <i> at file offset <o>:
 * msg". */
static void add_offset(char *err, uint64_t off)
{
        const char *colon = strchr(err, ':');
        if (strncmp(err, "packet ", 7) != 0 || !colon)
                return;
        char tmp[CST_ERRBUF];
        snprintf(tmp, sizeof(tmp), "%.*s at file offset %llu%s", (int)(colon - err), err,
                 (unsigned long long)off, colon);
        memcpy(err, tmp, CST_ERRBUF);
}

static int reinflate_xform(void *ctx, const struct cst_packet *in, uint64_t index, uint64_t in_off,
                           struct cst_packet *out, char *err)
{
        struct reinflate_job *j = ctx;
        const uint8_t *data;
        uint32_t len;
        /* reinflate_packet owns the per-packet counters (unknown interface, caplen > origlen). */
        int rc = reinflate_packet(&j->rf, in, index + 1, &data, &len, j->st, err); /* from 1 */
        if (rc != CST_OK) {
                add_offset(err, in_off);
                return rc;
        }
        *out = *in;
        out->data = data;
        out->caplen = len;
        return CST_OK;
}

static void reinflate_job_free(void *ctx)
{
        struct reinflate_job *j = ctx;
        reinflate_free(&j->rf);
        free(j);
}

int cst_pipeline_set_reinflate(cst_pipeline *p, const struct cst_config *cfg, char *err)
{
        struct reinflate_job *j = calloc(1, sizeof(*j));
        if (!j) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        int rc = reinflate_init(&j->rf, cfg, err);
        if (rc != CST_OK) {
                free(j);
                return rc;
        }
        j->st = cst_pipeline_file_stats(p);
        j->st->tls_policy = (int)cfg->tls_policy;
        pipe_set_xform(p, reinflate_xform, j, reinflate_job_free);
        return CST_OK;
}

int cst_reinflate_file(const char *in, const char *out, const struct cst_config *cfg,
                       struct cst_stats *st, char *err)
{
        cst_pipeline *p = NULL;
        struct cst_run_opts ro = {0};
        struct reinflater check;
        char cerr[CST_ERRBUF];
        memset(st, 0, sizeof(*st));
        /* the reinflate settings are checked before any file is opened */
        int rc = reinflate_init(&check, cfg, err);
        if (rc != CST_OK)
                return rc;
        reinflate_free(&check);
        rc = cst_pipeline_open_file(&p, in, err);
        if (rc == CST_OK)
                rc = cst_pipeline_set_reinflate(p, cfg, err);
        if (rc == CST_OK)
                rc = cst_pipeline_output_file(p, out, err);
        if (rc == CST_OK)
                rc = cst_pipeline_run(p, &ro, err);
        if (p)
                *st = *cst_pipeline_file_stats(p);
        if (rc != CST_OK && rc != CST_ETAIL) {
                cst_pipeline_abort(p, NULL, 0);
                return rc;
        }
        if (cst_pipeline_close(p, cerr) != CST_OK) {
                memcpy(err, cerr, CST_ERRBUF);
                rc = CST_EFATAL;
        }
        return rc;
}
