/*
 * The pipeline: one source -> the engine -> one sink, the way every front of
 * constrictor runs (offline constrict, `capture -i`, `capture -r`, the
 * AFPacket config mode) and the way an embedding program runs it too.
 * Think of it as libpcap's pcap_t and pcap_dumper_t in one handle:
 *
 *   cst_pipeline *p;
 *   cst_pipeline_open_file(&p, "in.pcap", err);     // or _open_live / _open_memory
 *   cst_pipeline_set_engine(p, &cfg, err);
 *   cst_pipeline_output_file(p, "out.pcap", err);   // or _output_dump (rotation, live headers)
 *   cst_pipeline_run(p, &run_opts, err);            // until the end, a limit or a stop request
 *   cst_pipeline_close(p, err);
 *
 * Sources: a PCAP or PCAPNG file, standard input, a FIFO or any pipe (the
 * format is detected from the first bytes read, nothing is read twice), an
 * AF_PACKET capture (TPACKET_V3 or recvmsg), a capture file read as if it
 * came from the wire (cst_capture_open_file / _open_feed), or a capture file
 * image in memory, optionally replayed several times at a given rate.
 * Sinks: a file in the input's own format (constrict: headers and raw
 * PCAPNG blocks copied), or the live dumper (synthesized headers, PCAPNG
 * direction flags and ISB, rotation as tcpdump -C/-G/-W); none at all is
 * fine (a per-packet callback can be the output).
 *
 * The loop works in batches; nothing is allocated and no system call is made
 * per packet.  Stop, flush, rotate and report requests are flags checked at
 * batch boundaries: cst_pipeline_request() is async-signal-safe, so a signal
 * handler may call it.
 */
#ifndef CONSTRICTOR_PIPELINE_H
#define CONSTRICTOR_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <constrictor/packet.h>
#include <constrictor/config.h>
#include <constrictor/engine.h>
#include <constrictor/capture.h>
#include <constrictor/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cst_pipeline cst_pipeline;

/* ---- sources ------------------------------------------------------------ */

/*
 * A PCAP or PCAPNG file; "-" is standard input.  Pipes and FIFOs work: the
 * format comes from the first four bytes read.  Errors (SPEC 2.1):
 * "failed to open input file", "input file is too small to detect capture
 * format", "unsupported input capture format", or the reader's header error.
 */
int cst_pipeline_open_file(cst_pipeline **out, const char *path, char *err);

/* A live AF_PACKET capture (cst_capture_open with these options). */
int cst_pipeline_open_live(cst_pipeline **out, const struct cst_capture_opts *o, char *err);

/*
 * Any capture handle (live, cst_capture_open_file, cst_capture_open_feed);
 * the pipeline owns it from now on, also when this call fails.
 */
int cst_pipeline_open_capture(cst_pipeline **out, cst_capture *cap, char *err);

/*
 * Records in memory (tests, benchmarks, embedders): a PCAP or PCAPNG file
 * image, or (packets != NULL) an array of packet views of kind
 * CST_REC_PACKET, e.g. frames a program received itself.
 */
struct cst_memory_opts {
        const uint8_t *data; /* not copied: must stay valid until cst_pipeline_close */
        size_t len;
        uint64_t loops;    /* passes over the records; 0 = 1, UINT64_MAX = until stopped */
        uint64_t rate_pps; /* packets per second; 0 = as fast as possible */
        /* Packet views instead of a file image (then data/len are unused; no same-format sink). */
        const struct cst_packet *packets;
        size_t n_packets;
};
/*
 * Each pass after the first shifts ts_ns by the span of the records (plus
 * 1 µs), so flow state sees time move on; the stored timestamp halves
 * (ts_hi/ts_lo, written by the same-format sink) repeat.
 */
int cst_pipeline_open_memory(cst_pipeline **out, const struct cst_memory_opts *m, char *err);

/* The capture handle behind a live/feed source (NULL for files and memory). */
cst_capture *cst_pipeline_capture(cst_pipeline *p);

/* Link type of the source (the first interface's for PCAPNG; 0 when not yet known). */
uint32_t cst_pipeline_linktype(const cst_pipeline *p);

/* ---- engine ------------------------------------------------------------- */

/* Create the engine from cfg (copied).  Without an engine every packet is kept whole. */
int cst_pipeline_set_engine(cst_pipeline *p, const struct cst_config *cfg, char *err);
/* The engine (decision log, stats, compat mode), or NULL. */
cst_engine *cst_pipeline_engine(cst_pipeline *p);

/*
 * Instead of the engine: reinflate every packet (SPEC 2.9: pad to the
 * original length, checksums preserved or recomputed by cfg).
 */
int cst_pipeline_set_reinflate(cst_pipeline *p, const struct cst_config *cfg, char *err);

/* ---- sinks -------------------------------------------------------------- */

/*
 * A file in the input's format ("-" = standard output): the classic global
 * header as read, PCAPNG blocks other than packets copied verbatim, packets
 * cut to their verdict.  File sources only.  The file is written under a
 * temporary name in the same directory (PATH.XXXXXX.part, mode 0600) and
 * renamed to PATH by cst_pipeline_close(): an earlier PATH stays untouched
 * until the run succeeded (see cst_pipeline_abort).  Standard output,
 * devices and FIFOs are written directly.
 */
int cst_pipeline_output_file(cst_pipeline *p, const char *path, char *err);

/*
 * The live dumper (cst_dump_open).  Zero linktype/snaplen take the source's;
 * the kernel counters for PCAPNG ISBs come from the source; on an "any"
 * capture written as PCAPNG every interface gets its own IDB.
 */
int cst_pipeline_output_dump(cst_pipeline *p, const char *path, const struct cst_dump_opts *o,
                             char *err);

/*
 * Text output (issue 20): one line per packet in tcpdump's manner -- time,
 * interface and direction (live), addresses and ports, TCP flags, the TLS
 * record types the analyser saw, the QUIC header form, lengths and the keep
 * decision ("kept 1514" / "cut 1514→66 tls_app_data_start") -- to path
 * ("-" = standard output), buffered and flushed with the sink.  Instead of
 * a file output.
 */
struct cst_text_opts {
        unsigned verbose; /* 1: also the reason's decision-log name, the flow and the records */
        char payload;     /* 0, 'A' or 'X': the kept bytes as tcpdump -A / -X print them */
};
int cst_pipeline_output_text(cst_pipeline *p, const char *path, const struct cst_text_opts *o,
                             char *err);

/*
 * Annotations (issue 20), after a PCAPNG output is set: every cut packet's
 * EPB carries an opt_comment saying what was kept and why, e.g.
 * "cut 1514→79: tls_app_data_start; records: appdata@0(len 16384, kept 8)"
 * (docs/annotate.md).  CST_EFATAL with a classic PCAP output.  Off by
 * default; off, the output is byte for byte that of a run without it.
 */
int cst_pipeline_set_annotate(cst_pipeline *p, bool on, char *err);

/*
 * A file output with the options of `constrict` (issue 18): rotation as
 * tcpdump -C/-G/-W with -G by the packets' own time (the first file is
 * named by the first packet), a format of choice, complete-file names and
 * the -z command.  Without rotation and in the input's format this is
 * cst_pipeline_output_file() (byte for byte; -z then runs on PATH once it
 * is committed by cst_pipeline_close).  Otherwise every file starts with
 * the input's header (PCAP) or its section's SHB, IDBs and DSBs (PCAPNG),
 * or, converting, with a header made for the other format.  File sources
 * only.
 */
struct cst_output_opts {
        int format;                  /* 0 = the input's; CST_FORMAT_PCAP / CST_FORMAT_PCAPNG */
        uint64_t rotate_bytes;       /* -C: bytes; 0 = none */
        uint32_t rotate_sec;         /* -G: seconds of packet time; PATH is a strftime(3) pattern */
        uint32_t rotate_files;       /* -W: ring size with -C, file count limit with -G */
        const char *part_prefix;     /* partial name while written (rotating or converting); */
        const char *part_suffix;     /* NULL/"" for both = the final name (cst_dump_opts) */
        const char *post_rotate_cmd; /* -z: `CMD FILE` on every completed file */
        uint32_t post_rotate_jobs;   /* children at once; 0 = 1 */
        void (*log)(void *ctx, const char *line); /* warnings, -z failures; may be NULL */
        void *log_ctx;
};
int cst_pipeline_output_file_opts(cst_pipeline *p, const char *path,
                                  const struct cst_output_opts *o, char *err);

/*
 * PCAPNG written as PCAP: blocks (comments, DSBs, name resolution,
 * statistics) and packet options that had no place in it, so far.
 */
void cst_pipeline_output_dropped(const cst_pipeline *p, uint64_t *blocks, uint64_t *packet_opts);

/* Name of the file being written (rotation changes it), or NULL. */
const char *cst_pipeline_output_path(const cst_pipeline *p);

/* ---- running ------------------------------------------------------------ */

/* How a packet's kept length is settled. */
enum cst_keep_rule {
        /* The engine's verdict, at most the captured length (offline constrict, SPEC 2.5). */
        CST_KEEP_VERDICT = 0,
        /*
         * The live recorder's rule (SPEC 3.2), settled by the engine
         * (cst_engine_set_snaplen_cap): base = min(caplen, origlen,
         * default_snaplen, max_capture_len); keep min(verdict, base); a cut
         * saving less than min_saved_bytes_per_packet against base is undone.
         */
        CST_KEEP_SNAPLEN = 1,
};

/*
 * Called for every packet after it was written: the final verdict
 * (keep_len after the keep rule, the reason as counted).  A non-zero return
 * stops the run (CST_STOP_CALLBACK) after this packet.
 */
typedef int (*cst_packet_cb)(void *ctx, const struct cst_packet *pkt, const struct cst_verdict *v);

struct cst_pipeline_stats;

struct cst_run_opts {
        enum cst_keep_rule keep_rule;
        uint64_t max_packets;  /* stop after this many packets written; 0 = no limit */
        uint64_t duration_sec; /* stop after this long (monotonic clock); 0 = no limit */
        uint32_t flush_ms;     /* flush the sink at least this often; 0 = only at the end */
        bool flush_each_batch; /* -U: flush after every batch that had packets */
        cst_packet_cb on_packet;
        void *ctx;
        /*
         * Periodic statistics (--stats-interval, --stats-file, metrics,
         * progress): on_tick is called with the counters at the first batch
         * boundary after each tick_ms (the clock is read once per batch,
         * never per packet; an idle capture still wakes at least once a
         * second).  0 or NULL: never.
         */
        uint32_t tick_ms;
        void (*on_tick)(void *tick_ctx, const struct cst_pipeline_stats *st);
        void *tick_ctx;
};

enum cst_stop_reason {
        CST_STOP_NONE = 0,
        CST_STOP_REQUEST,      /* cst_pipeline_request(CST_REQ_STOP), e.g. from a signal */
        CST_STOP_MAX_PACKETS,  /* max_packets written */
        CST_STOP_DURATION,     /* duration_sec elapsed */
        CST_STOP_END_OF_INPUT, /* the file, feed or memory image ended */
        CST_STOP_FILE_LIMIT,   /* -G with -W: the last file is complete */
        CST_STOP_CALLBACK,     /* on_packet returned non-zero */
};

/*
 * Run until the input ends, a limit, a stop request or an error.  Returns
 * CST_OK, CST_ETAIL (file input ended with an incomplete record: everything
 * before it was written; err holds the reader's message) or CST_EFATAL with
 * err set.  May be called again after a stop request to go on.
 */
int cst_pipeline_run(cst_pipeline *p, const struct cst_run_opts *o, char *err);

/* Requests, handled at the next batch boundary (async-signal-safe). */
enum cst_request {
        CST_REQ_STOP = 1,   /* end the run (flushes, closes nothing) */
        CST_REQ_FLUSH = 2,  /* hand buffered records to the kernel */
        CST_REQ_ROTATE = 4, /* dump sink: start the next file now */
        CST_REQ_REPORT = 8, /* call the report callback with the current counters */
};
void cst_pipeline_request(cst_pipeline *p, unsigned what);
/* Same as cst_pipeline_request(p, CST_REQ_STOP). */
void cst_pipeline_stop(cst_pipeline *p);

/* Counters of the run(s) so far. */
struct cst_pipeline_stats {
        enum cst_stop_reason stop;
        uint64_t packets_total;   /* packets read from the source */
        uint64_t packets_written; /* packets handed to the sink (or callback) */
        uint64_t bytes_input;     /* captured bytes read */
        uint64_t bytes_input_wire;
        uint64_t bytes_output;    /* kept bytes written */
        uint64_t cut_by_snaplen;  /* CST_KEEP_SNAPLEN: packets cut only by the snaplen */
        uint64_t quic_short_kept; /* CST_KEEP_SNAPLEN: QUIC short-header cut undone by min_saved */
        uint64_t reasons[CST_R_COUNT]; /* packets per final reason (the engine's) */
        struct cst_capture_stats ks;   /* kernel / receive counters of a capture source */
        uint64_t flows_active;         /* the engine's flow table: flows held now */
        uint64_t flows_evicted;        /* ... flows pushed out for room (LRU) */
};
void cst_pipeline_get_stats(cst_pipeline *p, struct cst_pipeline_stats *st);

/*
 * The engine's counters with the offline totals of a file source filled in
 * (SPEC 2.10: what `constrict --stats` prints).  Valid until close.
 */
struct cst_stats *cst_pipeline_file_stats(cst_pipeline *p);

/* CST_REQ_REPORT: called from cst_pipeline_run at a batch boundary. */
typedef void (*cst_report_cb)(void *ctx, const struct cst_pipeline_stats *st);
void cst_pipeline_set_report(cst_pipeline *p, cst_report_cb cb, void *ctx);

/*
 * Flush and close the sink (PCAPNG dump: an ISB with the kernel counters),
 * then the source and the engine.  Frees p; the sink's error, if any, is
 * returned.  NULL is fine.
 */
int cst_pipeline_close(cst_pipeline *p, char *err);

/*
 * Close after an interrupted or failed run: nothing is committed.  A file
 * output keeps the records flushed so far (it ends on a whole record) under
 * its temporary name, which is copied into kept; after a write error
 * (a full disk ...), or with kept NULL, the temporary file is removed and
 * kept is "".  Live
 * dump files are closed as by cst_pipeline_close (they are never
 * temporary).  Frees p; NULL is fine.
 */
void cst_pipeline_abort(cst_pipeline *p, char *kept, size_t kept_len);

/* True when the sink failed (write, flush, rotation): the output is incomplete. */
bool cst_pipeline_sink_failed(const cst_pipeline *p);

#ifdef __cplusplus
}
#endif

#endif
