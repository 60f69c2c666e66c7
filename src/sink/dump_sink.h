/* dump_sink — cst_dumper as a cst_sink (see dump_sink.c). */
#ifndef CST_SINK_DUMP_SINK_H
#define CST_SINK_DUMP_SINK_H

#include <constrictor/constrictor.h>
#include "format/format.h"

/* cst_dump_open(path, o) behind sink; o->stats also gives the last file's ISB counters. */
int dump_sink_open(struct cst_sink *sink, const char *path, const struct cst_dump_opts *o,
                   char *err);

/* dump.c: close the current file and start the next one now (rotation or reopen). */
int dump_rotate_now(cst_dumper *d, char *err);

/* dump.c (issue 20): a raw block ahead of the records buffered in the current file. */
int dump_write_ahead(cst_dumper *d, const uint8_t *block, size_t len, char *err);
bool dump_is_pcapng(const cst_dumper *d);
/* The dump sink's dumper (sink opened by dump_sink_open). */
cst_dumper *dump_sink_dumper(const struct cst_sink *sink);

#endif
