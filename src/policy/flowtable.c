/*
 * flowtable — bounded bidirectional flow table (see flowtable.h for the
 * layout and the memory budget).
 *
 * Index: linear probing over 8-byte slots.  A slot holds the high 32 bits of
 * the key hash (the tag) and the entry number + 1; the home slot of a key is
 * tag & slot_mask, so the index can be rebuilt and entries shifted back on
 * deletion without touching the entry array.  The index is kept at most half
 * full, so probes are short and a miss ends at the first empty slot.
 */
#include "policy/flowtable.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <constrictor/constrictor.h>

#include "util/rd.h"

#define FT_INITIAL_FLOWS 1024u
#define FT_MAX_FLOWS     (1u << 30) /* the index (2 slots per flow) must stay below 2^31 slots */

static inline uint64_t ft_mix(uint64_t a, uint64_t b)
{
        __extension__ typedef unsigned __int128 u128;
        u128 r = (u128)a * b;
        return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Hash of the key's five 64-bit words (in registers: no reload of a just-written key). */
static inline uint64_t ft_hash_words(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
                                     uint64_t w4)
{
        uint64_t h = ft_mix(w0 ^ 0xa0761d6478bd642full, w1 ^ 0xe7037ed1a0b428dbull);
        h ^= ft_mix(w2 ^ 0x8ebc6af09c88c6e3ull, w3 ^ 0x589965cc75374cc3ull);
        return ft_mix(h ^ w4, 0x1d8e4e27c47d124full);
}

static uint64_t ft_hash(const struct flow_key *k)
{
        uint64_t w[5];
        memcpy(w, k, sizeof(w));
        return ft_hash_words(w[0], w[1], w[2], w[3], w[4]);
}

_Static_assert(sizeof(struct flow_key) == 40, "flow key is hashed as five 64-bit words");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ft_make_key builds the key's words");
_Static_assert(offsetof(struct flow_key, port_a) == 32 && offsetof(struct flow_key, port_b) == 34 &&
                   offsetof(struct flow_key, addr_len) == 36 &&
                   offsetof(struct flow_key, proto) == 37,
               "ft_make_key's word layout");

/*
 * Word i of an address of struct decoded (16 bytes, not packet bytes) as a
 * big-endian number, so that word order is address order.
 */
static inline uint32_t addr_word(const uint8_t *a, unsigned i)
{
        uint32_t v;
        memcpy(&v, a + 4 * i, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        v = __builtin_bswap32(v);
#endif
        return v;
}

/* Order two addresses as big-endian numbers without a library call (4 or 16 bytes). */
static inline int addr_cmp(const uint8_t *a, const uint8_t *b, uint8_t len)
{
        if (len == 4) {
                uint32_t x = addr_word(a, 0), y = addr_word(b, 0);
                return (x > y) - (x < y);
        }
        for (unsigned i = 0; i < 4; i++) {
                uint32_t x = addr_word(a, i), y = addr_word(b, i);
                if (x != y)
                        return x > y ? 1 : -1;
        }
        return 0;
}

/* Host-order words of the key's bytes (the layout below assumes little-endian). */
static inline uint64_t ld_u64(const uint8_t *b)
{
        uint64_t v;
        memcpy(&v, b, sizeof(v));
        return v;
}

static inline uint32_t ld_u32(const uint8_t *b)
{
        uint32_t v;
        memcpy(&v, b, sizeof(v));
        return v;
}

/*
 * The key is built as five 64-bit words in registers (the byte layout of
 * struct flow_key on this little-endian machine: addresses, then port_a,
 * port_b, addr_len, proto, zero padding), hashed from them, and stored once:
 * writing it field by field and hashing it back from memory stalls on
 * store-to-load forwarding.
 */
uint64_t ft_make_key(struct flow_key *k, const uint8_t *src, const uint8_t *dst, uint8_t addr_len,
                     uint16_t sport, uint16_t dport, uint8_t proto, unsigned *dir)
{
        int c = addr_cmp(src, dst, addr_len);
        bool swap = c > 0 || (c == 0 && sport > dport);
        const uint8_t *a = swap ? dst : src, *b = swap ? src : dst;
        uint64_t w0, w1 = 0, w2, w3 = 0;
        if (addr_len == 4) {
                w0 = ld_u32(a);
                w2 = ld_u32(b);
        } else {
                w0 = ld_u64(a);
                w1 = ld_u64(a + 8);
                w2 = ld_u64(b);
                w3 = ld_u64(b + 8);
        }
        uint16_t pa = swap ? dport : sport, pb = swap ? sport : dport;
        uint64_t w4 =
            (uint64_t)pa | (uint64_t)pb << 16 | (uint64_t)addr_len << 32 | (uint64_t)proto << 40;
        /* Word by word: one 16-byte copy of words just stored would not forward. */
        uint8_t *o = (uint8_t *)k;
        memcpy(o, &w0, 8);
        memcpy(o + 8, &w1, 8);
        memcpy(o + 16, &w2, 8);
        memcpy(o + 24, &w3, 8);
        memcpy(o + 32, &w4, 8);
        *dir = swap ? 1u : 0u;
        return ft_hash_words(w0, w1, w2, w3, w4);
}

static inline bool key_equal(const struct flow_key *x, const struct flow_key *y)
{
        uint64_t a[5], b[5];
        memcpy(a, x, sizeof(a));
        memcpy(b, y, sizeof(b));
        return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
}

/*
 * The entry array and the index are anonymous mappings advised to use 2 MiB
 * pages: lookups at random over a large table otherwise miss the TLB on
 * nearly every packet (4 KiB pages).  Growth uses mremap, which moves page
 * tables instead of copying, so a doubling never holds two entry arrays.
 */
static void *map_alloc(size_t n)
{
        void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return NULL;
        madvise(p, n, MADV_HUGEPAGE); /* a hint: ignored where THP is off */
        return p;
}

static void *map_grow(void *p, size_t old_n, size_t n)
{
        void *q = mremap(p, old_n, n, MREMAP_MAYMOVE);
        if (q == MAP_FAILED)
                return NULL;
        madvise(q, n, MADV_HUGEPAGE);
        return q;
}

static void map_free(void *p, size_t n)
{
        if (p)
                munmap(p, n);
}

static uint32_t slots_for(uint32_t flows)
{
        uint32_t n = 16;
        while (n < 2u * flows && n < (1u << 31))
                n <<= 1;
        return n;
}

int ft_init(struct flowtable *ft, uint32_t max_flows, uint32_t idle_timeout_sec, char *err)
{
        return ft_init_state(ft, max_flows, idle_timeout_sec, sizeof(((struct flow *)0)->u), err);
}

int ft_init_state(struct flowtable *ft, uint32_t max_flows, uint32_t idle_timeout_sec,
                  size_t state_bytes, char *err)
{
        memset(ft, 0, sizeof(*ft));
        size_t stride = offsetof(struct flow, u) + state_bytes;
        if (stride < sizeof(struct flow))
                stride = sizeof(struct flow);
        ft->stride = (uint32_t)((stride + 7u) & ~(size_t)7u);
        ft->max_flows = max_flows ? max_flows : 1;
        if (ft->max_flows > FT_MAX_FLOWS)
                ft->max_flows = FT_MAX_FLOWS;
        ft->idle_timeout = idle_timeout_sec;
        ft->flows_cap = ft->max_flows < FT_INITIAL_FLOWS ? ft->max_flows : FT_INITIAL_FLOWS;
        uint32_t nslots = slots_for(ft->flows_cap);
        ft->slot_mask = nslots - 1;
        ft->flows = map_alloc((size_t)ft->flows_cap * ft->stride);
        ft->slots = map_alloc((size_t)nslots * sizeof(uint64_t)); /* zero-filled */
        if (!ft->flows || !ft->slots) {
                ft_free(ft);
                snprintf(err, CST_ERRBUF, "out of memory allocating the flow table");
                return CST_ENOMEM;
        }
        ft->free_head = ft->lru_head = ft->lru_tail = FT_NIL;
        return 0;
}

void ft_free(struct flowtable *ft)
{
        map_free(ft->flows, (size_t)ft->flows_cap * ft->stride);
        map_free(ft->slots, ((size_t)ft->slot_mask + 1) * sizeof(uint64_t));
        ft->flows = NULL;
        ft->slots = NULL;
}

static inline uint32_t slot_tag(uint64_t s)
{
        return (uint32_t)(s >> 32);
}

static inline uint32_t slot_entry(uint64_t s)
{
        return (uint32_t)s - 1u;
}

static void index_put(uint64_t *slots, uint32_t mask, uint32_t tag, uint32_t entry)
{
        uint32_t i = tag & mask;
        while (slots[i])
                i = (i + 1) & mask;
        slots[i] = (uint64_t)tag << 32 | (uint64_t)(entry + 1u);
}

/* Double the entry array (up to the cap) and rebuild a larger index. */
static int ft_grow(struct flowtable *ft)
{
        uint64_t want = (uint64_t)ft->flows_cap * 2;
        uint32_t ncap = want > ft->max_flows ? ft->max_flows : (uint32_t)want;
        uint32_t nslots = slots_for(ncap);
        if (nslots - 1 != ft->slot_mask) { /* the index first: a larger one serves any cap */
                uint64_t *ns = map_alloc((size_t)nslots * sizeof(uint64_t));
                if (!ns)
                        return -1;
                for (uint32_t i = 0; i <= ft->slot_mask; i++)
                        if (ft->slots[i])
                                index_put(ns, nslots - 1, slot_tag(ft->slots[i]),
                                          slot_entry(ft->slots[i]));
                map_free(ft->slots, ((size_t)ft->slot_mask + 1) * sizeof(uint64_t));
                ft->slots = ns;
                ft->slot_mask = nslots - 1;
        }
        struct flow *nf =
            map_grow(ft->flows, (size_t)ft->flows_cap * ft->stride, (size_t)ncap * ft->stride);
        if (!nf)
                return -1;
        ft->flows = nf;
        ft->flows_cap = ncap;
        return 0;
}

static void lru_unlink(struct flowtable *ft, uint32_t e)
{
        struct flow *f = ft_at(ft, e);
        if (f->lru_prev != FT_NIL)
                ft_at(ft, f->lru_prev)->lru_next = f->lru_next;
        else
                ft->lru_head = f->lru_next;
        if (f->lru_next != FT_NIL)
                ft_at(ft, f->lru_next)->lru_prev = f->lru_prev;
        else
                ft->lru_tail = f->lru_prev;
}

static void lru_push_head(struct flowtable *ft, uint32_t e)
{
        struct flow *f = ft_at(ft, e);
        f->lru_prev = FT_NIL;
        f->lru_next = ft->lru_head;
        if (ft->lru_head != FT_NIL)
                ft_at(ft, ft->lru_head)->lru_prev = e;
        else
                ft->lru_tail = e;
        ft->lru_head = e;
}

struct flow *ft_lookup(struct flowtable *ft, const struct flow_key *k, uint64_t hash, uint32_t now)
{
        uint32_t tag = (uint32_t)(hash >> 32);
        uint32_t i = tag & ft->slot_mask;
        for (;;) {
                uint64_t s = ft->slots[i];
                if (!s)
                        return NULL;
                if (slot_tag(s) == tag) {
                        uint32_t e = slot_entry(s);
                        struct flow *f = ft_at(ft, e);
                        if (key_equal(&f->key, k)) {
                                f->last_seen = now;
                                if (ft->lru_head != e) {
                                        lru_unlink(ft, e);
                                        lru_push_head(ft, e);
                                }
                                return f;
                        }
                }
                i = (i + 1) & ft->slot_mask;
        }
}

const struct flow *ft_find(const struct flowtable *ft, const struct flow_key *k, uint64_t hash)
{
        uint32_t tag = (uint32_t)(hash >> 32);
        for (uint32_t i = tag & ft->slot_mask;; i = (i + 1) & ft->slot_mask) {
                uint64_t s = ft->slots[i];
                if (!s)
                        return NULL;
                const struct flow *f = ft_at(ft, slot_entry(s));
                if (slot_tag(s) == tag && key_equal(&f->key, k))
                        return f;
        }
}

/* Remove slot i and shift later members of its probe run back (no tombstones). */
static void index_delete_at(struct flowtable *ft, uint32_t i)
{
        uint32_t mask = ft->slot_mask;
        uint32_t j = i;
        for (;;) {
                ft->slots[i] = 0;
                for (;;) {
                        j = (j + 1) & mask;
                        if (!ft->slots[j])
                                return;
                        uint32_t home = slot_tag(ft->slots[j]) & mask;
                        /* Move j back to i unless its home lies cyclically in (i, j]. */
                        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
                        if (!stays)
                                break;
                }
                ft->slots[i] = ft->slots[j];
                i = j;
        }
}

void ft_remove(struct flowtable *ft, struct flow *f)
{
        ft_remove_hashed(ft, f, ft_hash(&f->key));
}

void ft_remove_hashed(struct flowtable *ft, struct flow *f, uint64_t hash)
{
        uint32_t e = ft_index(ft, f);
        uint32_t tag = (uint32_t)(hash >> 32);
        if (ft->on_drop)
                ft->on_drop(ft->drop_ctx, f);
        uint32_t i = tag & ft->slot_mask;
        while (ft->slots[i] && slot_entry(ft->slots[i]) != e)
                i = (i + 1) & ft->slot_mask;
        if (ft->slots[i])
                index_delete_at(ft, i);
        lru_unlink(ft, e);
        f->lru_next = ft->free_head;
        ft->free_head = e;
        ft->used--;
}

struct flow *ft_insert(struct flowtable *ft, const struct flow_key *k, uint64_t hash, uint32_t now)
{
        if (ft->used >= ft->max_flows) {
                ft_remove(ft, ft_at(ft, ft->lru_tail));
                ft->evicted++;
        } else if (ft->free_head == FT_NIL && ft->high_water >= ft->flows_cap) {
                if (ft_grow(ft) != 0)
                        return NULL;
        }
        uint32_t e;
        if (ft->free_head != FT_NIL) {
                e = ft->free_head;
                ft->free_head = ft_at(ft, e)->lru_next;
        } else {
                e = ft->high_water++;
        }
        struct flow *f = ft_at(ft, e);
        memset(f, 0, ft->stride); /* the owner's state too (its drop hook has run) */
        f->key = *k;
        f->last_seen = now;
        index_put(ft->slots, ft->slot_mask, (uint32_t)(hash >> 32), e);
        lru_push_head(ft, e);
        ft->used++;
        return f;
}

void ft_expire(struct flowtable *ft, uint32_t now)
{
        if (!ft->idle_timeout)
                return;
        while (ft->lru_tail != FT_NIL) {
                struct flow *f = ft_at(ft, ft->lru_tail);
                /* Timestamps may step back: an entry "from the future" is not idle. */
                if (now <= f->last_seen || now - f->last_seen <= ft->idle_timeout)
                        return;
                ft_remove(ft, f);
                ft->timed_out++;
        }
}
