/*
 * decision_log — the per-packet CSV of SPEC 2.11 (`--decision-log FILE`).
 *
 * Rows are formatted into a private buffer and written in large chunks; the
 * first write error is sticky and reported by dlog_error()/dlog_close().
 */
#ifndef CST_POLICY_DECISION_LOG_H
#define CST_POLICY_DECISION_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/decode.h"

struct dlog;

/* One row.  d == NULL: nothing decoded (already truncated, unsupported link, ...). */
struct dlog_row {
        uint64_t index; /* 1-based packet index */
        const struct decoded *d;
        uint32_t caplen_before, caplen_after, origlen;
        uint16_t reason; /* enum cst_reason */
        bool tls_seen;   /* the TLS tracker looked at the packet */
        const char *state_before, *state_after;
        uint32_t remaining_before, remaining_after;
        const char *event;
};

/* Creates missing parent directories, opens (truncates) and writes the header. */
int dlog_open(struct dlog **out, const char *path, char *err);
void dlog_write(struct dlog *l, const struct dlog_row *row);
/* 0 or CST_EFATAL with the first error's message. */
int dlog_error(const struct dlog *l, char *err);
/* Flush, close and free; returns the first error (CST_EFATAL) or 0. */
int dlog_close(struct dlog *l, char *err);

#endif
