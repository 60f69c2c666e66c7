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

#include <net/if.h>
#include <stddef.h>

#include "sink/note.h"

#define TEXT_IFS      16               /* interface names remembered (live) */
#define TEXT_LINE_MAX (NOTE_MAX + 256) /* longest line (without a dump) */

/*
 * The line formatter's state: the time of day of the last second, the
 * interface names asked of the kernel.  One per thread that formats lines
 * (the text sink's own, or each capture worker's: workers.h).
 */
struct text_fmt {
        struct text_opts o;
        int64_t last_sec;
        char hms[16];
        unsigned n_ifs;
        struct {
                uint32_t index;
                char name[IF_NAMESIZE];
        } ifs[TEXT_IFS];
};

void text_fmt_init(struct text_fmt *f, const struct text_opts *o);
/*
 * pkt's line into line (ending in a newline, unless an -A / -X dump
 * follows, which starts its own lines); its length.  *dump_from: the
 * frame offset where an -A / -X dump of the kept bytes starts.
 */
size_t text_fmt_line(struct text_fmt *f, const struct cst_packet *pkt, const struct sink_note *n,
                     char line[TEXT_LINE_MAX], uint32_t *dump_from);

/* Lines to path ("-" = standard output), buffered; written by write_noted. */
int text_sink_open(struct cst_sink *sink, const char *path, const struct text_opts *o, char *err);

/*
 * A line text_fmt_line made (in another thread: workers), then, with -A / -X,
 * the dump of kept[from, keep); priv is the text sink's.
 */
int text_sink_put(void *priv, const char *line, size_t len, const uint8_t *kept, uint32_t keep,
                  uint32_t from, char *err);

struct output;
/*
 * The bytes p[0..len) as tcpdump -A ('A') or -X ('X') prints them, ending
 * in a newline (text_dump.c); 0 or -1 on a write failure.
 */
int text_dump_payload(struct output *out, char mode, const uint8_t *p, uint32_t len);

#endif
