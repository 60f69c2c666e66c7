/* dump_sink — cst_dumper as a cst_sink (see dump_sink.c). */
#ifndef CST_SINK_DUMP_SINK_H
#define CST_SINK_DUMP_SINK_H

#include <constrictor/constrictor.h>
#include "format/format.h"

/* cst_dump_open(path, o) behind sink; o->stats also gives the last file's ISB counters. */
int dump_sink_open(struct cst_sink *sink, const char *path, const struct cst_dump_opts *o,
                   char *err);

/* Longest opt_comment a live packet carries (longer ones are cut). */
#define DUMP_NOTE_MAX 1024

/* dump.c: cst_dump_packet with an opt_comment (pcapng; NULL or classic PCAP: none). */
int dump_packet_noted(cst_dumper *d, const struct cst_packet *pkt, uint32_t keep_len,
                      const char *comment, uint16_t comment_len, char *err);

/* dump.c: close the current file and start the next one now (rotation or reopen). */
int dump_rotate_now(cst_dumper *d, char *err);

#endif
