/* dump_sink — cst_dumper as a cst_sink (see dump_sink.c). */
#ifndef CST_SINK_DUMP_SINK_H
#define CST_SINK_DUMP_SINK_H

#include <constrictor/constrictor.h>
#include "format/format.h"

/*
 * What constrict adds to the dumper (dump_offline.c).  The first file opens
 * with the first record, so -G names it by the packets' own time.
 */
struct dump_offline {
        /* PCAP to PCAP: the input's global header, written as is; packets as stored */
        const uint8_t *pcap_header;
        /* PCAPNG to PCAPNG: blocks verbatim, packets (ids, timestamps, options) as stored */
        bool copy_blocks;
        /* PCAPNG to PCAP: one link type; other blocks and packet options dropped (counted) */
        bool from_pcapng;
        const char *input_name; /* messages */
};

/* cst_dump_open(path, o) behind sink; o->stats also gives the last file's ISB counters. */
int dump_sink_open(struct cst_sink *sink, const char *path, const struct cst_dump_opts *o,
                   char *err);
/* The same for constrict (off may be NULL: a live dumper). */
int dump_sink_open_offline(struct cst_sink *sink, const char *path, const struct cst_dump_opts *o,
                           const struct dump_offline *off, char *err);
/* The same, from the sink's private handle. */
int dump_open_offline(cst_dumper **out, const char *path, const struct cst_dump_opts *o,
                      const struct dump_offline *off, char *err);

/* dump.c: cst_dump_packet with an opt_comment (pcapng; NULL or classic PCAP: none). */
int dump_packet_noted(cst_dumper *d, const struct cst_packet *pkt, uint32_t keep_len,
                      const char *comment, uint16_t comment_len, char *err);

/* dump.c: close the current file and start the next one now (rotation or reopen). */
int dump_rotate_now(cst_dumper *d, char *err);
/* dump.c: a raw block of a file input (constrict: copied or counted; live: ignored). */
int dump_input_block(cst_dumper *d, const struct cst_packet *blk, char *err);
/* dump.c: reap finished -z children, start queued ones (batch boundaries). */
void dump_poll(cst_dumper *d);
/* dump_offline.c: PCAPNG blocks and packets whose options found no place in classic PCAP. */
void dump_dropped(const cst_dumper *d, uint64_t *blocks, uint64_t *packet_opts);
/* dump.c: the final name of the file being written (the pattern before the first). */
const char *dump_final_path(const cst_dumper *d);
/*
 * dump.c: an interrupted or failed run.  Without remove, closed as by
 * cst_dump_close (complete files get their names); with remove, the file
 * being written is deleted.  Frees d.
 */
void dump_abandon(cst_dumper *d, bool remove);
/* dump_sink.c: the final name of the file being written. */
const char *dump_sink_final(const struct cst_sink *sink);
/* dump_sink.c: the same, for a sink opened by dump_sink_open_offline. */
void dump_sink_dropped(const struct cst_sink *sink, uint64_t *blocks, uint64_t *packet_opts);

#endif
