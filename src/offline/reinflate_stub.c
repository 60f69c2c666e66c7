/*
 * Stand-in for src/reinflate/reinflate.c until that module lands (branch
 * `reinflate`): compiled only while the real file is absent, it refuses to
 * run so nothing silently produces wrong output.
 */
#if !__has_include("reinflate/reinflate.c")
#include <stdio.h>
#include <string.h>

#include "reinflate/reinflate.h"

int reinflate_init(struct reinflater *r, const struct cst_config *cfg, char *err)
{
        memset(r, 0, sizeof(*r));
        (void)cfg;
        snprintf(err, CST_ERRBUF, "reinflate is not available in this build");
        return CST_EFATAL;
}

void reinflate_free(struct reinflater *r)
{
        (void)r;
}

int reinflate_packet(struct reinflater *r, const struct cst_packet *pkt, uint64_t index,
                     const uint8_t **out, uint32_t *out_len, struct cst_stats *st, char *err)
{
        (void)r, (void)index, (void)st, (void)err;
        *out = pkt->data;
        *out_len = pkt->caplen;
        return CST_OK;
}
#else
typedef int reinflate_stub_unused; /* ISO C: a translation unit must not be empty */
#endif
