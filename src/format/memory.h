/*
 * memory — a cst_source over a PCAP/PCAPNG file image in memory, replayed
 * once or several times, optionally at a given packet rate (see memory.c).
 */
#ifndef CST_FORMAT_MEMORY_H
#define CST_FORMAT_MEMORY_H

#include <constrictor/pipeline.h>
#include "format/format.h"

/* Errors: those of format_source_open (the image is detected the same way). */
int memory_source_open(struct cst_source *src, const struct cst_memory_opts *o, char *err);

#endif
