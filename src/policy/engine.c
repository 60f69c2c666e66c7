/* Placeholder engine until the policy lands: keeps every packet whole. */
#include <stdlib.h>
#include <string.h>
#include <constrictor/constrictor.h>

struct cst_engine {
        struct cst_config cfg;
        struct cst_stats st;
};

cst_engine *cst_engine_new(const struct cst_config *cfg, char *err)
{
        cst_engine *e = calloc(1, sizeof(*e));
        if (!e) {
                strcpy(err, "out of memory");
                return NULL;
        }
        e->cfg = *cfg;
        return e;
}

void cst_engine_free(cst_engine *e)
{
        free(e);
}

void cst_engine_process(cst_engine *e, const struct cst_packet *pkt, struct cst_verdict *v)
{
        (void)e;
        v->keep_len = pkt->caplen;
        v->reason = CST_R_KEEP_NOT_ANALYSED;
}

struct cst_stats *cst_engine_stats(cst_engine *e)
{
        return &e->st;
}

/* Decision log: the placeholder writes none (the policy engine implements it). */
int cst_engine_open_decision_log(cst_engine *e, const char *path, char *err)
{
        (void)e, (void)path, (void)err;
        return 0;
}

int cst_engine_close_decision_log(cst_engine *e, char *err)
{
        (void)e, (void)err;
        return 0;
}

int cst_engine_decision_log_error(cst_engine *e, char *err)
{
        (void)e, (void)err;
        return 0;
}
