/*
 * tls_track — the `track` continuation policy (issue 12 items 1-3): TLS
 * record boundaries followed by absolute TCP sequence number (RFC 9293 §3.4
 * modulo-2^32 comparison; RFC 8446 §5.1 / RFC 5246 §6.2 record layer).
 *
 * Every payload byte of a segment is either
 *   - old (below the direction's highest byte seen): a retransmission or a
 *     reordered segment, classified from the window of recent records, or
 *     by candidate scanning where the window does not reach;
 *   - new, while synchronised: walked record by record from next_hdr (a
 *     record ending mid-segment continues at the boundary; a split header is
 *     completed from the bytes kept of it); a gap inside a record body keeps
 *     sync, a gap that swallowed a header loses it;
 *   - new, while unsynchronised: every position that could be a header is a
 *     candidate (kept: header + KR for AppData, the whole record otherwise);
 *     sync returns when a candidate's length points exactly at the next
 *     candidate, or when a reordered segment fills the gap that held the lost
 *     header.
 * The packet keeps everything up to its last needed byte; it is cut only
 * once the connection is proven TLS: by a hello (decode/tls_wire.c) or, for
 * a connection already open when the capture started (issue 21), by three
 * chained AppData candidates of either direction, placed by sequence number
 * so that gaps and late headers (old bytes) do not break the chain.
 * Non-TLS data is never cut.
 */
#include "policy/tls_track_int.h"

#include <string.h>

#include "util/rd.h"

#define REC_APPDATA TLS_REC_APPDATA

/* Body length of a header kept as bytes (RFC 8446 §5.1: bytes 3-4). */
static inline uint16_t hdr_len(const uint8_t h[5])
{
        struct rd r = rd_init(h + 3, 2);
        return rd_be16(&r);
}

static void need(struct seg *g, uint32_t a, uint32_t b)
{
        if (seq_lt(a, g->s))
                a = g->s;
        if (seq_lt(g->e, b))
                b = g->e;
        if (!seq_lt(a, b))
                return;
        if (b - g->s > g->need_end)
                g->need_end = b - g->s;
}

static uint32_t rec_need(const struct track *t, uint8_t type, uint16_t len, bool full)
{
        uint32_t total = 5u + len;
        if (full || type != REC_APPDATA)
                return total;
        return t->p.keep_record < total ? t->p.keep_record : total;
}

static inline bool in_seg(const struct seg *g, uint32_t q)
{
        return !seq_lt(q, g->s) && seq_lt(q, g->e);
}

/* Up to 5 header bytes at q: from the segment, else from the split header kept. */
static uint32_t hdr_bytes(const struct seg *g, uint32_t q, uint8_t h[5])
{
        const struct trk_dir *D = g->D;
        const uint8_t *whole = in_seg(g, q) ? rd_at(g->pl, q - g->s, 5) : NULL;
        if (whole) { /* the common case: all in this segment */
                memcpy(h, whole, 5);
                return 5;
        }
        uint32_t n = 0;
        for (; n < 5; n++) {
                uint32_t at = q + n;
                struct rd r = *g->pl;
                if (in_seg(g, at))
                        h[n] = rd_peek_u8(&r, at - g->s);
                else if ((D->flags & TD_PARTIAL) && D->part_seq == q && n < D->hdr_have)
                        h[n] = D->hdr[n];
                else
                        break;
        }
        return n;
}

static void keep_partial(struct trk_dir *D, uint32_t q, const uint8_t *h, uint32_t have)
{
        D->flags |= TD_PARTIAL;
        D->part_seq = q;
        D->hdr_have = (uint8_t)have;
        memcpy(D->hdr, h, have);
}

/* The direction's pool entry; a candidate kept inline moves into it. */
static struct trk_ext *ext_get(struct seg *g, struct trk_dir *D, bool create)
{
        struct trk_ext *x = trk_ext_of(g->t, D, create);
        if (x && (D->flags & TD_CAND1)) {
                x->cand[x->cand_head] = D->cand1;
                x->cand_head = (uint8_t)((x->cand_head + 1) % TRK_CANDS);
                if (x->cand_n < TRK_CANDS)
                        x->cand_n++;
                D->flags &= (uint16_t)~TD_CAND1;
        }
        return x;
}

/* The window starts with a direction's second record (short flows need none). */
static void win_push(struct seg *g, uint32_t q, const uint8_t h[5], bool full)
{
        struct trk_dir *D = g->D;
        bool second = D->flags & TD_ONE_REC;
        D->flags |= TD_ONE_REC;
        struct trk_ext *x = ext_get(g, D, second);
        if (!x)
                return; /* no window: old bytes are classified by candidates */
        if (x->win_n == 0)
                x->win_lo = q;
        struct trk_rec *r = &x->win[x->win_head];
        *r = (struct trk_rec){q, hdr_len(h), h[0], full};
        x->win_head = (uint8_t)((x->win_head + 1) % TRK_WIN);
        if (x->win_n < TRK_WIN)
                x->win_n++;
        else
                x->win_lo = x->win[x->win_head].seq; /* the oldest left */
        x->win_hi = q + 5u + hdr_len(h);
}

static void set_win_hi(struct seg *g, uint32_t at)
{
        struct trk_ext *x = ext_get(g, g->D, false);
        if (x)
                x->win_hi = at;
}

static void prove(struct seg *g)
{
        if (!(g->c->flags & TC_PROVEN))
                g->proved = true;
        g->c->flags |= TC_PROVEN;
}

/* The first record of a direction: a hello proves the connection. */
static void first_record(struct seg *g, uint32_t q)
{
        g->D->flags &= (uint16_t)~TD_FIRST;
        if (!in_seg(g, q))
                return;
        struct rd r = rd_window(g->pl, q - g->s, g->e - q);
        enum tls_hello h = tls_wire_hello(&r);
        if (h == TLS_HELLO_NONE)
                return;
        if (!(g->c->flags & TC_PROVEN))
                g->st->tls_track_proven_hello++;
        prove(g);
        g->c->flags |= TC_CLIENT_KNOWN;
        g->c->client_dir = (uint8_t)(h == TLS_HELLO_CLIENT ? g->dir : g->dir ^ 1u);
        if (h == TLS_HELLO_SERVER13)
                g->c->flags |= TC_TLS13;
}

/* RFC 8446 §2: the server's flight before the client's Finished is AppData-typed. */
static bool encrypted_handshake(struct seg *g, uint8_t type)
{
        struct trk_conn *c = g->c;
        if (type != REC_APPDATA)
                return false;
        bool enc = g->t->p.enc_handshake &&
                   (c->flags & (TC_TLS13 | TC_CLIENT_KNOWN)) == (TC_TLS13 | TC_CLIENT_KNOWN);
        bool client_done = (c->d[c->client_dir].flags & TD_APP_SEEN) || c->enc_kept >= TRK_ENC_MAX;
        g->D->flags |= TD_APP_SEEN;
        return enc && !client_done;
}

/* Annotated output: the record whose header is at q, as this segment shows it. */
static void seen_rec_at(struct seg *g, uint32_t q, uint8_t type, uint16_t len)
{
        uint32_t end = q + 5u + len;
        if (seq_lt(q, g->s)) {
                if (seq_lt(g->s, end)) /* a split header: the record goes on in this segment */
                        seen_add(g->seen, SEEN_CONT, type, 0, end - g->s);
        } else {
                seen_add(g->seen, SEEN_HDR, type, q - g->s, len);
        }
}

/* A record header at q (all 5 bytes known and plausible). */
static void record(struct seg *g, uint32_t q, const uint8_t h[5])
{
        struct trk_dir *D = g->D;
        if (D->flags & TD_FIRST)
                first_record(g, q);
        uint16_t len = hdr_len(h);
        if (g->seen) /* a header begun in an earlier segment shows as the rest of its record */
                seen_rec_at(g, q, h[0], len);
        bool full = encrypted_handshake(g, h[0]);
        if (full) {
                g->enc = true;
                g->c->enc_kept += 5u + len;
                g->st->tls_encrypted_handshake_bytes_kept +=
                    5u + len - rec_need(g->t, h[0], len, false);
        }
        win_push(g, q, h, full);
        uint32_t end = q + rec_need(g->t, h[0], len, full);
        need(g, q, end);
        D->keep_to = seq_max(D->keep_to, end);
}

static void lose_sync(struct seg *g, uint32_t at)
{
        struct trk_dir *D = g->D;
        D->flags &= (uint16_t) ~(TD_SYNCED | TD_PARTIAL);
        D->flags &= (uint16_t)~TD_FIRST;
        set_win_hi(g, at);
        g->lost = true;
        if (g->c->flags & TC_PROVEN)
                g->st->tls_track_sync_lost++;
}

static void resync(struct seg *g, uint32_t q, const uint8_t h[5])
{
        struct trk_dir *D = g->D;
        D->flags =
            (uint16_t)((D->flags | TD_SYNCED | TD_ONE_REC) & ~(TD_PARTIAL | TD_LOST | TD_CAND1));
        struct trk_ext *x = ext_get(g, D, false);
        if (x)
                x->win_n = x->cand_n = 0;
        D->next_hdr = q + 5u + hdr_len(h);
        if (g->seen)
                seen_rec_at(g, q, h[0], hdr_len(h));
        win_push(g, q, h, false);
        g->resynced = true;
        g->st->tls_track_resyncs++;
}

/* Synchronised walk from next_hdr; returns where scanning must go on (or e). */
static uint32_t walk_synced(struct seg *g)
{
        struct trk_dir *D = g->D;
        while (seq_lt(D->next_hdr, g->e)) {
                uint32_t q = D->next_hdr;
                uint8_t h[5];
                uint32_t have = hdr_bytes(g, q, h);
                if (!tls_rec_prefix_plausible(h, have)) {
                        lose_sync(g, q);
                        /* a header begun in an earlier segment: scan from this
                         * one's start (scan() reads only this segment's bytes;
                         * fuzz_engine found the out-of-segment read) */
                        return seq_max(q + 1, g->s);
                }
                if (have < 5) { /* split header: keep its bytes, finish it next segment */
                        need(g, q, g->e);
                        keep_partial(D, q, h, have);
                        return g->e;
                }
                D->flags &= (uint16_t)~TD_PARTIAL;
                record(g, q, h);
                D->next_hdr = q + 5u + hdr_len(h);
        }
        return g->e;
}

/*
 * Candidates are placed by sequence number, whatever order their bytes came
 * in (issue 21): after an insertion the chains of the (at most TRK_CANDS)
 * candidates are recomputed, so a header that arrives late (a retransmission
 * filling a gap, a reordered segment) links the candidates before and after
 * it, and a gap inside a record body never breaks a chain.  trk_cand.chain:
 * bits 0-3 the headers chained up to this one, bits 4-7 how many of them in
 * a row are strict AppData (0: this one is not).  Returns the chain byte of
 * the candidate at q and the longest AppData run in *max_ad.
 */
static uint8_t relink(struct trk_ext *x, uint32_t q, unsigned *max_ad)
{
        unsigned n = x->cand_n;
        for (unsigned i = 0; i < n; i++) /* each alone: one header, strict AppData or not */
                x->cand[i].chain = (uint8_t)(1u | (x->cand[i].chain >> 4 ? 1u << 4 : 0u));
        for (unsigned pass = 1; pass < n; pass++) /* a chain grows by one link per pass */
                for (unsigned i = 0; i < n; i++)
                        for (unsigned j = 0; j < n; j++) {
                                const struct trk_cand *p = &x->cand[j];
                                struct trk_cand *k = &x->cand[i];
                                if (p->seq + 5u + p->len != k->seq)
                                        continue;
                                unsigned c = (p->chain & 15u) + 1u;
                                unsigned a = k->chain >> 4 ? (p->chain >> 4) + 1u : 0u;
                                k->chain = (uint8_t)((c < 15 ? c : 15) | (a < 15 ? a : 15) << 4);
                        }
        uint8_t at = 1;
        *max_ad = 0;
        for (unsigned i = 0; i < n; i++) {
                if ((unsigned)(x->cand[i].chain >> 4) > *max_ad)
                        *max_ad = x->cand[i].chain >> 4;
                if (x->cand[i].seq == q)
                        at = x->cand[i].chain;
        }
        return at;
}

/* Remember the header at q among the candidates (once): its chain byte (see relink). */
static uint8_t remember(struct seg *g, uint32_t q, const uint8_t h[5], unsigned *max_ad)
{
        struct trk_dir *D = g->D;
        struct tls_rec_hdr rh;
        unsigned ad = tls_wire_record_bytes(h, &rh) == WIRE_OK && tls_rec_strict(&rh) &&
                      rh.type == REC_APPDATA;
        struct trk_cand k = {q, hdr_len(h), h[0], (uint8_t)(1u | ad << 4)};
        /* The first candidate stays inline: one-packet flows take no pool entry. */
        struct trk_ext *x = ext_get(g, D, (D->flags & TD_CAND1) || D->ext);
        if (!x) {
                if (!(D->flags & TD_CAND1) && !D->ext) {
                        D->cand1 = k;
                        D->flags |= TD_CAND1;
                }
                *max_ad = ad;
                return k.chain;
        }
        bool known = false;
        for (unsigned i = 0; i < x->cand_n; i++)
                known |= x->cand[i].seq == q;
        if (!known) {
                x->cand[x->cand_head] = k;
                x->cand_head = (uint8_t)((x->cand_head + 1) % TRK_CANDS);
                if (x->cand_n < TRK_CANDS)
                        x->cand_n++;
        }
        return relink(x, q, max_ad);
}

/* Three chained AppData headers of one direction prove the connection (both directions). */
static void chain_proof(struct seg *g, unsigned max_ad)
{
        if (!(g->c->flags & TC_PROVEN) && max_ad >= 3) {
                g->st->tls_track_proven_chain++;
                prove(g);
        }
}

/* A full candidate header at q in new bytes: keep it, chain it; true when sync returned. */
static bool candidate(struct seg *g, uint32_t q, const uint8_t h[5])
{
        struct trk_dir *D = g->D;
        uint16_t len = hdr_len(h);
        uint32_t end = q + rec_need(g->t, h[0], len, false);
        need(g, q, end);
        D->keep_to = seq_max(D->keep_to, end);
        if (h[0] == REC_APPDATA)
                D->flags |= TD_APP_SEEN;
        unsigned max_ad;
        uint8_t chain = remember(g, q, h, &max_ad);
        chain_proof(g, max_ad);
        /* Proven: the header before this one is known, so this one is a boundary. */
        if ((g->c->flags & TC_PROVEN) && (chain & 15u) >= 2) {
                resync(g, q, h);
                return true;
        }
        return false;
}

/*
 * Candidate scan of [from, to).  `fresh` (new bytes): candidates are chained
 * and may bring sync back, and a header prefix cut by the segment end is
 * remembered to be completed by the next segment.  Old bytes are only kept.
 * Returns next_hdr when sync returned, else to.
 */
static bool scan_at(struct seg *g, uint32_t q, bool fresh, bool *partial_kept)
{
        struct trk_dir *D = g->D;
        struct rd r = *g->pl;
        uint8_t b = rd_peek_u8(&r, q - g->s);
        if (b < TLS_REC_CCS || b > TLS_REC_HEARTBEAT)
                return false;
        uint8_t h[5];
        uint32_t have = hdr_bytes(g, q, h);
        if (!tls_rec_prefix_plausible(h, have))
                return false;
        if (have == 5 && fresh)
                return candidate(g, q, h);
        if (have == 5) {
                uint32_t end = q + rec_need(g->t, h[0], hdr_len(h), false);
                need(g, q, end);
                D->keep_to = seq_max(D->keep_to, end);
                if (!(g->c->flags & TC_PROVEN)) { /* old bytes may complete a proving chain */
                        unsigned max_ad;
                        remember(g, q, h, &max_ad);
                        chain_proof(g, max_ad);
                }
                return false;
        }
        need(g, q, g->e);
        D->keep_to = seq_max(D->keep_to, q + g->t->p.keep_record);
        if (fresh && !*partial_kept) {
                keep_partial(D, q, h, have);
                *partial_kept = true;
        }
        return false;
}

static uint32_t scan(struct seg *g, uint32_t from, uint32_t to, bool fresh)
{
        g->unsynced = true;
        bool partial_kept = false;
        uint32_t n = to - from, seg_left = g->e - from;
        uint32_t lim = n < seg_left ? n + 1 : n;
        const uint8_t *base = rd_at(g->pl, from - g->s, lim); /* [from, to] within [s, e) */
        /* A header's second byte is 3 (RFC 8446 §5.1): find those with memchr. */
        for (uint32_t i = 1; base && i < lim;) {
                const uint8_t *p = memchr(base + i, 3, lim - i);
                if (!p)
                        break;
                uint32_t qi = (uint32_t)(p - base) - 1;
                if (scan_at(g, from + qi, fresh, &partial_kept))
                        return g->D->next_hdr;
                i = qi + 2;
        }
        if (n && n == seg_left) /* a 1-byte prefix at the segment end */
                scan_at(g, to - 1, fresh, &partial_kept);
        return to;
}

/* Walk new bytes from `from`, switching between synced walk and scanning. */
static void walk(struct seg *g, uint32_t from)
{
        uint32_t q = from;
        while (seq_lt(q, g->e)) {
                if (!(g->D->flags & TD_SYNCED) && !(g->c->flags & TC_PROVEN) &&
                    (q - g->D->scan_base) % TRK_SCAN_PERIOD >= TRK_SCAN_WINDOW)
                        return; /* not TLS so far, outside the budget: kept whole unread */
                if (g->D->flags & TD_SYNCED)
                        q = walk_synced(g);
                else
                        q = scan(g, q, g->e, true);
        }
}

/* A reordered segment covers the boundary lost in its gap: follow the chain. */
static void fill_gap(struct seg *g)
{
        struct trk_dir *D = g->D;
        struct trk_ext *x = ext_get(g, D, false); /* present: TD_LOST needs it */
        uint32_t q = x->lost_hdr;
        while (in_seg(g, q)) {
                uint8_t h[5];
                uint32_t have = hdr_bytes(g, q, h);
                if (have < 5 || !tls_rec_prefix_plausible(h, 5)) {
                        need(g, q, g->e);
                        D->flags &= (uint16_t)~TD_LOST;
                        return;
                }
                uint16_t len = hdr_len(h);
                need(g, q, q + rec_need(g->t, h[0], len, false));
                q += 5u + len;
        }
        x->lost_hdr = q;
        for (unsigned i = 0; i < x->cand_n && seq_lt(q, D->high); i++) {
                const struct trk_cand *k = &x->cand[i];
                if (k->seq == q) { /* a candidate seen ahead is on the chain */
                        q += 5u + k->len;
                        i = (unsigned)-1;
                }
        }
        if (!seq_lt(q, D->high)) { /* the chain reaches unseen bytes: synced again */
                D->flags = (uint16_t)((D->flags | TD_SYNCED) & ~(TD_LOST | TD_PARTIAL));
                D->next_hdr = x->win_hi = q;
                x->win_n = x->cand_n = 0;
                g->resynced = true;
                g->st->tls_track_resyncs++;
        }
}

/* Bytes below `high`: window, split header, lost boundary, else candidates. */
static void classify_old(struct seg *g, uint32_t b)
{
        struct trk_dir *D = g->D;
        g->old = true;
        uint32_t lo = g->s, hi = b;
        struct trk_ext *x = ext_get(g, D, false);
        for (unsigned i = 0; x && i < x->win_n; i++) { /* the ring's live entries */
                const struct trk_rec *r = &x->win[(x->win_head + TRK_WIN - x->win_n + i) % TRK_WIN];
                need(g, r->seq, r->seq + rec_need(g->t, r->type, r->len, r->full));
        }
        if (D->flags & TD_PARTIAL)
                need(g, D->part_seq, D->part_seq + 5u);
        if ((D->flags & TD_LOST) && in_seg(g, x->lost_hdr))
                fill_gap(g);
        if (x && x->win_n && !seq_lt(lo, x->win_lo)) { /* the window is exact on [win_lo, win_hi) */
                if (!seq_lt(x->win_hi, hi))
                        return;
                if (seq_lt(lo, x->win_hi)) {
                        scan(g, x->win_hi, hi, false);
                        return;
                }
        }
        need(g, lo, lo + g->t->p.keep_record - 1u); /* a header may end just after lo */
        scan(g, lo, hi, false);
}

/* Bytes at or above `high`, after a gap or contiguous. */
static void classify_new(struct seg *g, uint32_t from)
{
        struct trk_dir *D = g->D;
        if (seq_lt(D->high, from)) { /* a gap: lost or reordered bytes */
                g->gap = true;
                D->flags |= TD_APP_SEEN; /* a lost client Finished must not keep the flight open */
                if (g->c->flags & TC_PROVEN)
                        g->st->tls_track_gaps++;
                D->flags &= (uint16_t)~TD_FIRST;
                if (!(g->c->flags & TC_PROVEN)) /* a fresh scanning budget after each gap */
                        D->scan_base = from;
                if ((D->flags & TD_SYNCED) && seq_lt(D->next_hdr, from)) {
                        struct trk_ext *x = ext_get(g, D, true);
                        if (x) { /* remembered: a reordered segment may bring it back */
                                D->flags |= TD_LOST;
                                x->lost_hdr = D->next_hdr;
                        }
                        lose_sync(g, D->next_hdr);
                }
                D->flags &= (uint16_t)~TD_PARTIAL;
                if (!(D->flags & TD_SYNCED))
                        need(g, from, from + g->t->p.keep_record - 1u);
        }
        need(g, from, D->keep_to);
        if (!(D->flags & TD_SYNCED) && (D->flags & TD_PARTIAL)) { /* a split candidate */
                uint8_t h[5];
                uint32_t q = D->part_seq;
                bool whole = hdr_bytes(g, q, h) == 5 && tls_rec_prefix_plausible(h, 5);
                D->flags &= (uint16_t)~TD_PARTIAL;
                if (whole && candidate(g, q, h)) {
                        walk(g, from);
                        return;
                }
        }
        walk(g, from);
}

/* Start a direction on its first payload segment seen without a SYN. */
static void start_midstream(struct seg *g)
{
        struct trk_dir *D = g->D;
        D->flags |= TD_STARTED;
        D->high = D->scan_base = g->s;
        D->keep_to = g->s;
        struct rd r = *g->pl;
        if (tls_wire_hello(&r) != TLS_HELLO_NONE) {
                D->flags |= TD_SYNCED | TD_FIRST;
                D->next_hdr = g->s;
        }
}

/* Classify one segment's payload [s, e); fills g->need_end. */
void trk_tls_segment(struct seg *g)
{
        struct trk_dir *D = g->D;
        if (!(D->flags & TD_STARTED))
                start_midstream(g);
        if (seq_lt(g->s, D->high))
                classify_old(g, seq_lt(g->e, D->high) ? g->e : D->high);
        uint32_t from = seq_max(g->s, D->high);
        if (seq_lt(from, g->e)) {
                classify_new(g, from);
                D->high = g->e;
        }
}
