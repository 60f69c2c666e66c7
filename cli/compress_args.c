/*
 * compress_args — the compression options (see compress_args.h).
 */
#include "compress_args.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <constrictor/capture.h>

#include "cfg.h"

static int parse_level(const char *s, int *level)
{
        char *end;
        errno = 0;
        long n = strtol(s, &end, 10);
        if (end == s || *end || errno || n < -1000000 || n > 1000000)
                return -1;
        *level = (int)n;
        return 0;
}

int compress_choose(const struct compress_args *a, const struct cst_config *cfg, int *method,
                    int *level, char *err)
{
        char buf[32], why[CST_ERRBUF];
        const char *m = a->method ? a->method : cfg_text(cfg, "output.compress", buf, sizeof(buf));
        *method = cst_compress_parse(m);
        if (*method < 0) {
                snprintf(err, CST_ERRBUF,
                         "invalid value for --compress: %.100s; expected none, gzip or zstd", m);
                return CST_EFATAL;
        }
        const char *l =
            a->level ? a->level : cfg_text(cfg, "output.compress_level", buf, sizeof(buf));
        if (parse_level(l, level) != 0) {
                snprintf(err, CST_ERRBUF,
                         "invalid value for --compress-level: %.100s; expected an integer", l);
                return CST_EFATAL;
        }
        if (cst_compress_check(*method, *level, why) != CST_OK) {
                snprintf(err, CST_ERRBUF, "%s: %.400s",
                         a->level ? "invalid value for --compress-level"
                                  : "invalid value for output.compress_level",
                         why);
                return CST_EFATAL;
        }
        return CST_OK;
}

void compress_output_name(int method, const char *path, char *buf, size_t cap)
{
        const char *suf = method == CST_COMPRESS_GZIP   ? ".gz"
                          : method == CST_COMPRESS_ZSTD ? ".zst"
                                                        : "";
        size_t n = strlen(path), s = strlen(suf);
        bool has = strcmp(path, "-") == 0 || (n >= s && strcmp(path + n - s, suf) == 0);
        snprintf(buf, cap, "%s%s", path, has ? "" : suf);
}
