/*
 * dump_int — the dumper's private state, shared by dump.c (files, rotation,
 * complete-file naming, live headers) and dump_offline.c (what constrict
 * adds: an input's own headers and blocks carried into every rotated file,
 * conversion between PCAP and PCAPNG).
 */
#ifndef CST_SINK_DUMP_INT_H
#define CST_SINK_DUMP_INT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <constrictor/constrictor.h>
#include "format/format.h"
#include "sink/dump_sink.h"
#include "sink/pcapng_blocks.h"
#include "sink/rotate.h"

#define DUMP_MAX_IFS 256 /* interfaces of one "any" pcapng file */

/* One output file. */
struct dump_file {
        struct cst_sink sink;
        struct output *fast; /* the file's buffer, records appended inline (see cst_dump_packet) */
        bool fast_ng;        /* ... as PCAPNG EPBs, else classic PCAP records */
        uint64_t bytes;
        uint64_t packets;
        uint64_t start_ts; /* pcapng: first timestamp, for isb_starttime */
        bool have_start;
        uint32_t n_ifs;            /* per-interface mode: IDBs written */
        int32_t ifs[DUMP_MAX_IFS]; /* ifindex of each IDB */
        uint32_t last_ifindex, last_ifid;
        dev_t dev; /* the file as opened: SIGHUP reopens the name when it changed */
        ino_t ino;
        bool moved;       /* SIGHUP found it moved away: closed where it is */
        char final[4096]; /* its name once complete */
        char wpath[4096]; /* its name while written (final, or the partial name) */
};

/* A growable run of raw PCAPNG blocks (grows only when a block arrives). */
struct dump_blocks {
        uint8_t *b;
        size_t len, cap;
};

/* dump_offline.c's state. */
struct dump_off {
        bool on;
        struct dump_offline cfg;
        uint8_t pcap_header[24];
        struct dump_blocks pending; /* blocks before the first file opened, in order */
        struct dump_blocks replay;  /* SHB, IDBs, DSBs of the section: each new file starts so */
        bool have_if;               /* to PCAP: an IDB was seen */
        bool section_be;            /* to PCAP: byte order of the current section */
        uint32_t if_linktype;
        char input_name[512];
        uint64_t dropped_blocks, dropped_opts;
};

struct cst_dumper {
        struct dump_file f;
        struct cst_dump_opts o; /* strings point at the copies below */
        bool pcapng;
        bool nsec;
        bool rotating;
        bool lazy;    /* offline: the first file opens with the first record (-G names by it) */
        bool failed;  /* a write failed */
        bool discard; /* an aborted constrict run: the file being written is removed */
        bool partial; /* files are written under a partial name */
        uint64_t bytes_total;
        struct rot_state rot;
        struct post_rotate *post; /* -z, or NULL */
        struct dump_off off;
        char pattern[4096];
        char ifname[IF_NAMESIZE + 8];
        char userappl[128];
        char os[200];
        char part_prefix[64], part_suffix[64];
        uint8_t flag_opts[3][PCAPNG_EPB_FLAGS_OPTS_LEN]; /* per enum cst_direction */
};

/* dump.c: a raw block into file f, counted in its size. */
int dump_block(struct dump_file *f, const uint8_t *b, size_t len, uint8_t flags, char *err);

/* dump_offline.c */
int doff_init(struct cst_dumper *d, const struct dump_offline *cfg, char *err);
void doff_free(struct cst_dumper *d);
/* A raw block of the input (kind CST_REC_BLOCK). */
int doff_block(struct cst_dumper *d, const struct cst_packet *blk, char *err);
/* The header of a new file: the input's, or the section's blocks. */
int doff_header(struct cst_dumper *d, struct dump_file *f, char *err);
/* The record of a packet as written (timestamps and options as stored when copying). */
void doff_record(struct cst_dumper *d, const struct cst_packet *pkt, struct cst_packet *rec);
/* Bytes of that record in the file. */
uint32_t doff_rec_len(const struct cst_dumper *d, const struct cst_packet *pkt, uint32_t keep);

#endif
