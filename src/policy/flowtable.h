/*
 * flowtable — the one bounded flow table shared by the TLS and QUIC analysers.
 *
 * A flow is a bidirectional TCP or UDP conversation keyed canonically (the
 * lower endpoint first), so both directions of a TLS connection and both
 * directions of a QUIC connection live in one entry.  Memory is bounded:
 *   - open addressing (linear probing, backward-shift deletion) over an index
 *     of 8-byte slots {32-bit hash tag, 32-bit entry number};
 *   - a fixed cap on entries (cfg max_flows); the entry array and the index
 *     grow by doubling up to the cap, so small runs stay small;
 *   - an LRU list by packet time: idle entries (flow_idle_timeout_sec) are
 *     expired from its tail, and when the table is full the least recently
 *     used entry is evicted.
 * No allocation happens per packet; only growth reallocates (anonymous
 * mappings with 2 MiB pages advised, grown by mremap: flowtable.c).
 *
 * Bytes per flow: sizeof(struct flow) (96) in the entry array plus 16 bytes
 * of index (two 8-byte slots per entry at the maximal load of 1/2): 112 bytes,
 * i.e. 28 MiB at the default cap of 262,144 flows (src/config/config.c), chosen so
 * that `constrict` at default settings peaks below 64 MiB of RSS whatever the
 * input (docs/compatibility.md).  An analyser with more per-flow state keeps it
 * in the entry (ft_init_state: `track` uses 144-byte entries, 160 bytes a flow)
 * and is told through on_drop when an entry leaves, so it owns nothing on the side.
 */
#ifndef CST_POLICY_FLOWTABLE_H
#define CST_POLICY_FLOWTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/quic_wire.h"

/* Canonical 5-tuple: endpoint a <= endpoint b (address, then port). */
struct flow_key {
        uint8_t addr_a[16];
        uint8_t addr_b[16];
        uint16_t port_a;
        uint16_t port_b;
        uint8_t addr_len; /* 4 or 16 */
        uint8_t proto;    /* 6 or 17 */
        uint8_t pad[2];   /* always zero: the key is hashed and compared as bytes */
};

/* One TLS direction (SPEC 2.7 state), 12 bytes. */
#define TLS_D_PRESENT    0x01u /* the direction has a state ("none" otherwise) */
#define TLS_D_CONFIRMED  0x02u
#define TLS_D_SEEN_APP   0x04u
#define TLS_D_SYNCED     0x08u
#define TLS_D_ACTIVE     0x10u
#define TLS_D_ACTIVE_APP 0x20u

struct tls_dir {
        uint32_t expected_seq;
        uint32_t active_remaining;
        uint8_t flags; /* TLS_D_* */
        uint8_t active_type;
        uint8_t pad[2];
};

/* QUIC connection (SPEC 2.8): CIDs learned from Initials. */
struct quic_conn {
        uint8_t client_dir; /* 0: a->b is client to server, 1: b->a */
        uint8_t client_scid_len;
        uint8_t server_scid_len;
        uint8_t client_scid[QUIC_CID_MAX];
        uint8_t server_scid[QUIC_CID_MAX];
};

struct flow {
        struct flow_key key; /* 40 */
        uint32_t lru_prev;   /* entry numbers, FT_NIL at the ends */
        uint32_t lru_next;
        uint32_t last_seen; /* packet time, seconds */
        union {
                struct {
                        struct tls_dir dir[2]; /* [0]: a->b, [1]: b->a */
                        uint8_t fin_seen;      /* bit d: a FIN was sent in direction d */
                } tcp;
                struct quic_conn quic;
        } u;
};

#define FT_NIL UINT32_MAX

struct flowtable {
        struct flow *flows;  /* entry array, `flows_cap` entries of `stride` bytes */
        uint32_t stride;     /* bytes per entry: struct flow, or its head + the owner's state */
        uint64_t *slots;     /* index: tag << 32 | (entry + 1); 0 = empty */
        uint32_t slot_mask;  /* slots - 1 */
        uint32_t flows_cap;  /* allocated entries */
        uint32_t max_flows;  /* configured cap */
        uint32_t used;       /* live entries */
        uint32_t high_water; /* entries ever handed out from the array */
        uint32_t free_head;  /* free list through lru_next */
        uint32_t lru_head;   /* most recently used */
        uint32_t lru_tail;   /* least recently used */
        uint32_t idle_timeout;
        uint64_t evicted;
        uint64_t timed_out;
        uint64_t closed;
        /* Called before an entry leaves (evicted, timed out, removed): its owner's state goes. */
        void (*on_drop)(void *ctx, struct flow *f);
        void *drop_ctx;
};

int ft_init(struct flowtable *ft, uint32_t max_flows, uint32_t idle_timeout_sec, char *err);
/*
 * The same with `state_bytes` of per-flow state from offsetof(struct flow,
 * u) on (at least the union u): an analyser whose state is larger than u
 * keeps it in the entry itself (ft_state) instead of a side array, so a flow
 * costs one entry and one index pair, nothing more.
 */
int ft_init_state(struct flowtable *ft, uint32_t max_flows, uint32_t idle_timeout_sec,
                  size_t state_bytes, char *err);

/* Entry number e (< flows_cap) and back. */
static inline struct flow *ft_at(const struct flowtable *ft, uint32_t e)
{
        return (struct flow *)(void *)((char *)ft->flows + (size_t)e * ft->stride);
}

static inline uint32_t ft_index(const struct flowtable *ft, const struct flow *f)
{
        return (uint32_t)(((const char *)f - (const char *)ft->flows) / ft->stride);
}

/* The per-flow state area of an entry (the union u, or more: ft_init_state). */
static inline void *ft_state(struct flow *f)
{
        return (char *)f + offsetof(struct flow, u);
}
void ft_free(struct flowtable *ft);

/*
 * Build the canonical key of a packet from src/dst; *dir is 0 when the packet
 * goes a->b and 1 when it goes b->a.  Returns the 64-bit key hash.
 */
uint64_t ft_make_key(struct flow_key *k, const uint8_t *src, const uint8_t *dst, uint8_t addr_len,
                     uint16_t sport, uint16_t dport, uint8_t proto, unsigned *dir);

/* Find a flow (NULL if absent); a hit is moved to the LRU head. */
struct flow *ft_lookup(struct flowtable *ft, const struct flow_key *k, uint64_t hash, uint32_t now);
/* Find a flow without touching it (its age and LRU place stay): for readers beside the engine. */
const struct flow *ft_find(const struct flowtable *ft, const struct flow_key *k, uint64_t hash);
/*
 * Insert a key known to be absent; returns the new entry with a zeroed state.
 * Evicts the least recently used entry when the table is full.  Returns NULL
 * only when growing the table failed (the caller keeps the packet whole).
 */
struct flow *ft_insert(struct flowtable *ft, const struct flow_key *k, uint64_t hash, uint32_t now);
void ft_remove(struct flowtable *ft, struct flow *f);
/* Expire entries idle for more than the timeout (by packet time). */
void ft_expire(struct flowtable *ft, uint32_t now);

/* ft_remove with the key hash already known (no rehash of the key). */
void ft_remove_hashed(struct flowtable *ft, struct flow *f, uint64_t hash);

/*
 * Prefetch hints of the batch pipeline (engine.c).  They read the index and
 * entries but change nothing, so they cannot change a decision; a stale
 * answer (the table changed since) only wastes a prefetch.
 */
static inline void ft_prefetch_slot(const struct flowtable *ft, uint64_t hash)
{
        __builtin_prefetch(&ft->slots[(uint32_t)(hash >> 32) & ft->slot_mask]);
}

/* Entry number of the first index slot whose tag matches, FT_NIL if none nearby. */
static inline uint32_t ft_peek_entry(const struct flowtable *ft, uint64_t hash)
{
        uint32_t tag = (uint32_t)(hash >> 32), mask = ft->slot_mask;
        uint32_t i = tag & mask;
        for (unsigned n = 0; n < 8; n++, i = (i + 1) & mask) {
                uint64_t s = ft->slots[i];
                if (!s)
                        return FT_NIL;
                if ((uint32_t)(s >> 32) == tag)
                        return (uint32_t)s - 1u;
        }
        return FT_NIL;
}

/* Fetch entry `ent` (peeked above) for writing: the lookup will touch all of it. */
static inline void ft_prefetch_entry(const struct flowtable *ft, uint32_t ent)
{
        const char *f = (const char *)ft_at(ft, ent);
        __builtin_prefetch(f, 1);
        if (ft->stride > 128) /* an entry with an analyser's state spans three lines */
                __builtin_prefetch(f + 64, 1);
        __builtin_prefetch(f + ft->stride - 1, 1);
}

/* Fetch the LRU neighbours of entry `ent`: a lookup hit moves it to the head. */
static inline void ft_prefetch_lru(const struct flowtable *ft, uint32_t ent)
{
        if (ent >= ft->flows_cap || ent == ft->lru_head)
                return;
        const struct flow *f = ft_at(ft, ent);
        if (f->lru_prev < ft->flows_cap)
                __builtin_prefetch(&ft_at(ft, f->lru_prev)->lru_next, 1);
        if (f->lru_next < ft->flows_cap)
                __builtin_prefetch(&ft_at(ft, f->lru_next)->lru_prev, 1);
}

static inline uint32_t ft_active(const struct flowtable *ft)
{
        return ft->used;
}

#endif
