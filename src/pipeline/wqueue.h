/*
 * wqueue — the single-producer single-consumer queue from one capture
 * worker to the merging writer (workers.c, merge.c).  A worker copies what
 * it keeps of a packet (the kept bytes and the packet's description) into a
 * byte ring; the writer reads records in place and frees them in order.
 * Nothing is allocated after wq_new and no lock is taken: the two indexes
 * are the only shared state (release on publish, acquire on read).
 */
#ifndef CST_PIPELINE_WQUEUE_H
#define CST_PIPELINE_WQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <constrictor/constrictor.h>

/*
 * A packet as the worker settled it; keep_len bytes follow, then note_len
 * bytes of its note (annotated or text output: the packet's comment or its
 * text line), padded to 8.
 */
struct wq_rec {
        uint64_t ts_ns;
        uint32_t ts_hi, ts_lo;
        uint32_t keep_len; /* kept bytes that follow (WQ_PAD: skip to the ring's start) */
        uint32_t caplen;   /* as captured (the worker's view) */
        uint32_t origlen;
        uint32_t linktype;
        uint32_t ifid;
        uint16_t vlan_tci;
        uint16_t reason; /* enum cst_reason of the verdict */
        uint16_t gso_size;
        uint8_t direction, gso_type;
        uint8_t flags, kind;
        uint16_t note_len;  /* bytes of the note after the kept bytes */
        uint16_t dump_from; /* text output: where an -A / -X dump of the kept bytes starts */
        uint8_t pad_[2];
};

#define WQ_PAD UINT32_MAX

struct wq;

/* A queue of cap bytes (rounded up to a power of two, at least 1 MiB); NULL when out of memory. */
struct wq *wq_new(uint64_t cap);
void wq_free(struct wq *q);

/*
 * Producer: room for a record of len bytes (keep_len + note_len), or NULL
 * when the queue is full now (the caller waits and tries again).  The
 * record is filled in place, then wq_push() publishes it.
 */
struct wq_rec *wq_reserve(struct wq *q, uint32_t len);
/* The record of the last wq_reserve, not yet published. */
struct wq_rec *wq_pending(struct wq *q);
void wq_push(struct wq *q);

/* Consumer: the oldest record, or NULL when the queue is empty; wq_pop() frees it. */
const struct wq_rec *wq_peek(struct wq *q);
void wq_pop(struct wq *q);

/* The bytes of a record. */
static inline const uint8_t *wq_data(const struct wq_rec *r)
{
        return (const uint8_t *)(r + 1);
}

/* The note of a record (note_len bytes). */
static inline const char *wq_note(const struct wq_rec *r)
{
        return (const char *)(r + 1) + r->keep_len;
}

#endif
