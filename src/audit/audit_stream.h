/*
 * audit_stream — one direction of a TCP connection, reassembled by absolute
 * (unwrapped, 64-bit) sequence number from every segment of the original
 * capture: retransmitted and reordered copies overlap, holes stay holes.
 * The TLS parser reads it through stream_get(); the marking walks the
 * segments back to the packets that carried them.
 */
#ifndef CST_AUDIT_STREAM_H
#define CST_AUDIT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit_int.h"

struct aud_seg {
        uint64_t start;       /* unwrapped sequence number of the first payload byte */
        uint32_t len;         /* captured payload bytes */
        uint32_t payload_off; /* of the packet */
        size_t data_off;      /* of the copied payload in the stream's arena */
        const uint8_t *data;  /* arena + data_off, set by stream_finish */
        struct aud_pkt pkt;   /* the packet's accounting, finished once marked */
};

struct aud_piece { /* non-overlapping coverage, sorted */
        uint64_t start, end;
        const uint8_t *data; /* byte at `start` */
};

struct aud_stream {
        struct aud_seg *segs;
        size_t n_segs, cap_segs;
        uint8_t *arena; /* copies of the held payloads */
        size_t arena_used, arena_cap;
        struct aud_piece *pieces;
        size_t n_pieces, cap_pieces;
        uint64_t begin; /* stream start: ISN + 1 when the SYN was seen, else first byte */
        uint64_t end;   /* one past the last byte seen */
        bool known_start;
        size_t cursor;      /* piece of the last lookup */
        uint64_t covered;   /* distinct bytes present */
        uint64_t seg_bytes; /* sum of segment lengths (retransmissions counted twice) */
        /* chunked classification (audit_tcp.c): parse records starting
         * below `limit`; a later chunk resumes where this one stopped */
        uint64_t limit;
        bool resume, resume_synced;
        uint64_t resume_pos;
};

/* Intervals the TLS parser produces, in stream order. */
#define AUD_IV_APPDATA_BODY 200 /* not needed: AppData beyond the first KR bytes */
struct aud_ival {
        uint64_t start, end;
        uint32_t cls; /* enum cst_audit_class or AUD_IV_* */
};

struct aud_ivals {
        struct aud_ival *v;
        size_t n, cap;
};

/* Hold a copy of one segment's payload with its packet's accounting. */
int stream_add(struct aud_stream *s, uint64_t start, uint32_t len, uint32_t payload_off,
               const uint8_t *data, const struct aud_pkt *pkt);
/* Sort the segments and build the coverage pieces; 0 or CST_ENOMEM.  Called
 * again after segments were added or dropped (stream_keep_from). */
int stream_finish(struct aud_stream *s);
void stream_free(struct aud_stream *s);
/* Drop the (sorted) segments before index `from`, compacting the arena. */
int stream_keep_from(struct aud_stream *s, size_t from);

/* Copy n bytes at pos into out; false if any of them is missing. */
bool stream_get(struct aud_stream *s, uint64_t pos, uint8_t *out, size_t n);
/* First present position >= pos, or s->end. */
uint64_t stream_next_present(struct aud_stream *s, uint64_t pos);
/* One past the contiguous run that contains pos (pos itself if absent). */
uint64_t stream_run_end(struct aud_stream *s, uint64_t pos);

int ivals_add(struct aud_ivals *iv, uint64_t start, uint64_t end, uint32_t cls);

/* TLS over a stream (audit_tls.c). */
bool tls_stream_starts_with_hello(struct aud_stream *s);
bool tls_stream_has_appdata_chain(struct aud_stream *s);
struct tls_parse_stats {
        uint64_t records, resyncs;
        bool have_appdata;      /* an AppData record was found ... */
        uint64_t first_appdata; /* ... the first one in sequence order starts here */
};
/* peer_proven: the other direction proved the connection TLS and this one
 * did not: it re-synchronises on two chained headers instead of three. */
int tls_stream_parse(struct aud_stream *s, uint32_t keep_record_bytes, bool peer_proven,
                     struct aud_ivals *out, struct tls_parse_stats *st);
/* Limit of a proof or re-synchronisation: three records of the largest size. */
#define TLS_CHAIN_SPAN (3u * (5u + 16384u + 2048u))

/* TLS 1.3 encrypted handshake (audit_tls13.c). */
bool tls13_stream_selects_tls13(struct aud_stream *server);
/* Where the flight stands: the turn (the packet that carried the client's
 * first AppData header), the bytes marked so far, done when no later
 * server record can be in it. */
struct tls13_flight {
        uint64_t turn, bytes;
        bool done;
};
/* Reclassify the AppData bodies of the encrypted handshake flight in the
 * interval lists as CST_AC_TLS13_ENC_HANDSHAKE. */
void tls13_mark_flight(struct aud_stream *client, struct aud_ivals *civ,
                       const struct tls_parse_stats *cst, struct aud_stream *server,
                       struct aud_ivals *siv, uint32_t keep_record_bytes, struct tls13_flight *fl);
/* The same for a later chunk of the server direction (audit_tcp.c). */
void tls13_flight_more(struct aud_stream *server, struct aud_ivals *siv, uint32_t keep_record_bytes,
                       struct tls13_flight *fl);

#endif
