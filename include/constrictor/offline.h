/*
 * Whole-file operations of the offline tool: constrict and reinflate a
 * PCAP/PCAPNG file into a file of the same format.
 */
#ifndef CONSTRICTOR_OFFLINE_H
#define CONSTRICTOR_OFFLINE_H

#include <constrictor/config.h>
#include <constrictor/stats.h>

enum cst_file_format {
        CST_FORMAT_PCAP = 1,
        CST_FORMAT_PCAPNG = 2,
};

/*
 * Detect the format of `path` from its first four bytes, without consuming
 * them (a regular file, or stdin redirected from one; a pipe on stdin gives
 * *fmt = 0).  The pipeline (pipeline.h) detects from its first read instead,
 * which works on any pipe.  Errors (exact):
 * "failed to open input file", "input file is too small to detect capture
 * format", "unsupported input capture format".
 */
int cst_detect_format(const char *path, enum cst_file_format *fmt, char *err);

/*
 * Constrict `in` into `out`.  Returns CST_OK, CST_ETAIL (output complete up
 * to an incomplete input tail; err holds the reader's message) or
 * CST_EFATAL (err holds the message; output holds what was written).
 * `decision_log` may be NULL.  Stats are filled in every case.
 */
int cst_constrict_file(const char *in, const char *out, const struct cst_config *cfg,
                       const char *decision_log, struct cst_stats *st, char *err);

/* Reinflate (pad to the original length, optional checksum recompute). */
int cst_reinflate_file(const char *in, const char *out, const struct cst_config *cfg,
                       struct cst_stats *st, char *err);

#endif
