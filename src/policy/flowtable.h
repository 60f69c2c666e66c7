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
 * No allocation happens per packet; only growth reallocates.
 *
 * Bytes per flow: sizeof(struct flow) (96) in the entry array plus 16 bytes
 * of index (two 8-byte slots per entry at the maximal load of 1/2): 112 bytes,
 * i.e. about 112 MiB at the default cap of 1,048,576 flows when it is full.
 */
#ifndef CST_POLICY_FLOWTABLE_H
#define CST_POLICY_FLOWTABLE_H

#include <stdbool.h>
#include <stdint.h>

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
#define QUIC_CID_MAX 20
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
        struct flow *flows;  /* entry array, `flows_cap` entries allocated */
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
};

int ft_init(struct flowtable *ft, uint32_t max_flows, uint32_t idle_timeout_sec, char *err);
void ft_free(struct flowtable *ft);

/*
 * Build the canonical key of a packet from src/dst; *dir is 0 when the packet
 * goes a->b and 1 when it goes b->a.  Returns the 64-bit key hash.
 */
uint64_t ft_make_key(struct flow_key *k, const uint8_t *src, const uint8_t *dst, uint8_t addr_len,
                     uint16_t sport, uint16_t dport, uint8_t proto, unsigned *dir);

/* Find a flow (NULL if absent); a hit is moved to the LRU head. */
struct flow *ft_lookup(struct flowtable *ft, const struct flow_key *k, uint64_t hash, uint32_t now);
/*
 * Insert a key known to be absent; returns the new entry with a zeroed state.
 * Evicts the least recently used entry when the table is full.  Returns NULL
 * only when growing the table failed (the caller keeps the packet whole).
 */
struct flow *ft_insert(struct flowtable *ft, const struct flow_key *k, uint64_t hash, uint32_t now);
void ft_remove(struct flowtable *ft, struct flow *f);
/* Expire entries idle for more than the timeout (by packet time). */
void ft_expire(struct flowtable *ft, uint32_t now);

static inline uint32_t ft_active(const struct flowtable *ft)
{
        return ft->used;
}

#endif
