/*
 * compress — the public names of output compression (capture.h): the
 * compressors themselves are util/zio.c, under util/output.c.
 */
#include <stdio.h>
#include <zstd.h>

#include <constrictor/constrictor.h>
#include <constrictor/capture.h>
#include "util/zio.h"

int cst_compress_parse(const char *name)
{
        return zio_method_parse(name);
}

int cst_compress_check(int method, int level, char *err)
{
        if (method == CST_COMPRESS_NONE || zio_level_valid((enum zio_method)method, level))
                return CST_OK;
        if (method == CST_COMPRESS_GZIP)
                snprintf(err, CST_ERRBUF, "invalid gzip compression level %d; expected 1..9",
                         level);
        else if (method == CST_COMPRESS_ZSTD)
                snprintf(err, CST_ERRBUF, "invalid zstd compression level %d; expected %d..%d",
                         level, ZSTD_minCLevel(), ZSTD_maxCLevel());
        else
                snprintf(err, CST_ERRBUF, "unknown compression method %d", method);
        return CST_EVALUE;
}
