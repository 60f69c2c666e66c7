/*
 * text — one line per packet in tcpdump's manner (issue 20): the sink of
 * `capture` without -w and `constrict --text`.  See text.c.
 */
#ifndef CST_SINK_TEXT_H
#define CST_SINK_TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include <constrictor/constrictor.h>

#include "format/format.h"

struct text_opts {
        unsigned verbose; /* -v: the reason's full name and the flow */
        char payload;     /* 0, 'A' (ASCII) or 'X' (hex and ASCII) of the kept bytes */
        bool ifnames;     /* live capture: pkt->ifid is an ifindex, print its name */
};

/* Lines to path ("-" = standard output), buffered; written by write_noted. */
int text_sink_open(struct cst_sink *sink, const char *path, const struct text_opts *o, char *err);

struct output;
/*
 * The bytes p[0..len) as tcpdump -A ('A') or -X ('X') prints them, ending
 * in a newline (text_dump.c); 0 or -1 on a write failure.
 */
int text_dump_payload(struct output *out, char mode, const uint8_t *p, uint32_t len);

#endif
