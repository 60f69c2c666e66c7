/*
 * constrict of a whole file (SPEC 2.3 "order of work", 2.5): the pipeline
 * (src/pipeline/) with a file source, the engine and a same-format file
 * sink.  Tail and fatal semantics: every record before an incomplete tail is
 * written and the output closed before CST_ETAIL is returned; a fatal error
 * leaves the prefix already written.  Stats are filled in every case.
 */
#include <string.h>

#include <constrictor/constrictor.h>

int cst_constrict_file(const char *in, const char *out, const struct cst_config *cfg,
                       const char *decision_log, struct cst_stats *st, char *err)
{
        cst_pipeline *p = NULL;
        struct cst_run_opts ro = {0};
        char cerr[CST_ERRBUF];
        memset(st, 0, sizeof(*st));
        int rc = cst_pipeline_open_file(&p, in, err);
        if (rc == CST_OK)
                rc = cst_pipeline_set_engine(p, cfg, err);
        if (rc == CST_OK)
                rc = cst_pipeline_output_file(p, out, err);
        if (rc == CST_OK && decision_log)
                rc = cst_engine_open_decision_log(cst_pipeline_engine(p), decision_log, err);
        if (rc == CST_OK)
                rc = cst_pipeline_run(p, &ro, err);
        if (decision_log && p && cst_pipeline_engine(p) && rc != CST_EFATAL && rc != CST_ENOMEM &&
            cst_engine_close_decision_log(cst_pipeline_engine(p), cerr) != CST_OK) {
                memcpy(err, cerr, CST_ERRBUF);
                rc = CST_EFATAL;
        }
        if (p) {
                *st = *cst_pipeline_file_stats(p);
                st->tls_policy = (int)cfg->tls_policy;
        }
        if (rc != CST_OK && rc != CST_ETAIL) {
                cst_pipeline_abort(p, NULL, 0); /* an earlier output file stays as it was */
                return rc;
        }
        if (cst_pipeline_close(p, cerr) != CST_OK) {
                memcpy(err, cerr, CST_ERRBUF);
                rc = CST_EFATAL;
        }
        return rc;
}
