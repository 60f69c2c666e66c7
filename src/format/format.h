/*
 * Sources and sinks of capture records behind small operation tables
 * (as libpcap's struct pcap and netsniff-ng's pcap_file_ops do).  Each backend
 * keeps its state private; the pipeline only sees these ops.
 */
#ifndef CST_FORMAT_H
#define CST_FORMAT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <constrictor/constrictor.h>
#include <constrictor/capture.h>

/*
 * What an incomplete input tail left unread (SPEC 2.3 / 2.4 tail counters).
 * `packet_record` is set for a classic record (header or payload cut short).
 */
struct cst_source_tail {
        bool present;
        bool packet_record;
        uint64_t trailing_bytes; /* bytes that could not be processed */
        uint64_t missing_bytes;  /* classic payload case: caplen - available */
        bool oversized;          /* a record bigger than the snapshot length ended the input */
};

/*
 * Result of source next_batch(): >0 records, 0 end, CST_EFATAL / CST_ETAIL,
 * or CST_SOURCE_INTERRUPTED: a signal came while a pipe's writer was idle,
 * no record yet; the caller looks at its stop flags and may ask again
 * (file readers, whose input is interruptible once opened; util/input.h).
 * Records of one batch stay valid until the next next_batch() call.  After
 * CST_ETAIL (no records in that call) tail() describes what was left.
 */
#define CST_SOURCE_INTERRUPTED (-100) /* internal: never a public status */
struct cst_source_ops {
        int (*next_batch)(void *priv, struct cst_packet *recs, unsigned max, char *err);
        void (*close)(void *priv);
        void (*tail)(void *priv, struct cst_source_tail *t); /* may be NULL */
        /*
         * Capture sources only (NULL otherwise): wait at most timeout_ms;
         * returns >0 records, 0 when none came (timeout or a signal),
         * CST_CAPTURE_EOF at the end of a feed, or an error.
         */
        int (*wait_batch)(void *priv, struct cst_packet *recs, unsigned max, int timeout_ms,
                          char *err);
        void (*release)(void *priv); /* give the last batch's views back; may be NULL */
        /* Kernel and receive counters (accumulated); may be NULL. */
        int (*stats)(void *priv, struct cst_capture_stats *ks, char *err);
};

struct cst_source {
        const struct cst_source_ops *ops;
        void *priv;
        enum cst_file_format format;
        /* Input description (stats): classic header values; pcapng: big_endian of the first SHB. */
        bool nsec;
        bool big_endian;
        uint32_t linktype;
        uint32_t snaplen;
        uint8_t pcap_header[24]; /* classic: the global header as stored */
};

/*
 * What the pipeline tells an annotating sink about a packet besides its
 * bytes (issue 20: PCAPNG comments, text lines).  seen is opaque here
 * (decode/seen.h): the format writers only use the comment.
 */
struct pkt_seen;
struct sink_note {
        uint32_t keep_len;
        uint16_t reason;             /* enum cst_reason */
        const char *reason_name;     /* its decision-log name */
        const struct pkt_seen *seen; /* records and flow the analysers saw, or NULL */
        const char *comment;         /* PCAPNG opt_comment text (UTF-8), or NULL */
        uint16_t comment_len;
};

struct cst_sink_ops {
        /*
         * Write a packet keeping its first keep_len bytes (or a raw block).
         * CST_DUMP_FILE_LIMIT: a rotating sink wrote its last file; the
         * packet was not written.
         */
        int (*write)(void *priv, const struct cst_packet *pkt, uint32_t keep_len, char *err);
        int (*flush)(void *priv, char *err);
        int (*close)(void *priv, char *err);  /* flushes; frees priv in every case */
        int (*rotate)(void *priv, char *err); /* start the next file now; may be NULL */
        /*
         * Close without committing (an interrupted or failed run): what was
         * flushed stays, ending on a whole record, under path() -- an atomic
         * file keeps its temporary name -- or, with remove, a temporary file
         * is deleted.  Frees priv.  May be NULL (then close is used).
         */
        void (*abort)(void *priv, bool remove);
        const char *(*path)(void *priv); /* file being written; may be NULL */
        /*
         * issue 20: a raw block (a DSB of TLS secrets learnt late) written
         * ahead of the records still buffered, right after what the kernel
         * already has; the file's header must be out.  May be NULL.
         */
        int (*write_ahead)(void *priv, const uint8_t *block, size_t len, char *err);
        /*
         * write with what the pipeline knows of the packet (annotated and
         * text output); a raw block goes to write.  NULL: the sink cannot
         * annotate (classic PCAP).
         */
        int (*write_noted)(void *priv, const struct cst_packet *pkt, const struct sink_note *n,
                           char *err);
        /* At a batch boundary: housekeeping without blocking (-z children); may be NULL. */
        void (*poll)(void *priv);
};

struct cst_sink {
        const struct cst_sink_ops *ops;
        void *priv;
};

struct input;

/*
 * Open the reader matching the first four bytes of `path` ("-" = stdin;
 * pipes and FIFOs work): classic PCAP or PCAPNG.  Errors (SPEC 2.1):
 * "failed to open input file", "input file is too small to detect capture
 * format", "unsupported input capture format", then the reader's own.
 */
int format_source_open(struct cst_source *src, const char *path, char *err);
/* The same over an input already opened (ownership moves to the source, also on error). */
int format_source_open_input(struct cst_source *src, struct input *in, char *err);
/* Capture format from the first four bytes of a file; CST_EFATAL if unknown. */
int format_from_magic(const uint8_t m[4], enum cst_file_format *fmt);

#endif
