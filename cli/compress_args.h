/*
 * compress_args — --compress METHOD and --compress-level N, shared by
 * `constrict`, `reinflate` and `capture` (issue 18 item 4), over the
 * [output] keys compress and compress_level.
 */
#ifndef CST_CLI_COMPRESS_ARGS_H
#define CST_CLI_COMPRESS_ARGS_H

#include <stddef.h>
#include <constrictor/constrictor.h>

/* As typed (NULL = not given). */
struct compress_args {
        const char *method;
        const char *level;
};

/*
 * The method (enum cst_compress) and level: the options, else the
 * configuration's keys.  CST_OK, or CST_EFATAL with a message naming the
 * option or key in err.
 */
int compress_choose(const struct compress_args *a, const struct cst_config *cfg, int *method,
                    int *level, char *err);

/* The name a compressed output gets: path + ".gz"/".zst" unless it ends so ("-" as is). */
void compress_output_name(int method, const char *path, char *buf, size_t cap);

#endif
