/*
 * audit_stream — byte access to one reassembled TCP direction (RFC 9293
 * §3.4: a byte is identified by its sequence number, whatever segment or
 * copy carried it).  The first copy of a byte in sequence order wins; a
 * retransmission with different content is not detected here.
 */
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "audit/audit_int.h"
#include "audit/audit_stream.h"

int stream_add(struct aud_stream *s, uint64_t start, uint32_t len, uint32_t payload_off,
               const uint8_t *data, const struct aud_pkt *pkt)
{
        if (!util_grow((void **)&s->segs, &s->cap_segs, s->n_segs + 1, sizeof(*s->segs), 4) ||
            !util_grow((void **)&s->arena, &s->arena_cap, s->arena_used + len, 1, 512))
                return CST_ENOMEM;
        memcpy(s->arena + s->arena_used, data, len);
        s->segs[s->n_segs++] = (struct aud_seg){start, len, payload_off, s->arena_used, NULL, *pkt};
        s->arena_used += len;
        s->seg_bytes += len;
        return 0;
}

int stream_keep_from(struct aud_stream *s, size_t from)
{
        size_t base = from < s->n_segs ? s->segs[from].data_off : s->arena_used, used = 0;
        /* sorted by sequence number, the kept segments' copies are anywhere
         * in the arena: pack them to its start in their new order */
        uint8_t *fresh = NULL;
        size_t cap = 0, keep = s->n_segs - from;
        for (size_t k = from; k < s->n_segs; k++)
                used += s->segs[k].len;
        if (used && !util_grow((void **)&fresh, &cap, used, 1, 512))
                return CST_ENOMEM;
        used = 0;
        for (size_t k = from; k < s->n_segs; k++) {
                memcpy(fresh + used, s->arena + s->segs[k].data_off, s->segs[k].len);
                s->segs[k].data_off = used;
                used += s->segs[k].len;
        }
        (void)base;
        free(s->arena);
        s->arena = fresh;
        s->arena_cap = cap;
        s->arena_used = used;
        memmove(s->segs, s->segs + from, keep * sizeof(*s->segs));
        s->n_segs = keep;
        /* give the classified part's room back: the budget counts capacity */
        size_t cap_segs = keep > 4 ? keep : 4;
        struct aud_seg *smaller = realloc(s->segs, cap_segs * sizeof(*s->segs));
        if (smaller) {
                s->segs = smaller;
                s->cap_segs = cap_segs;
        }
        free(s->pieces);
        s->pieces = NULL;
        s->n_pieces = s->cap_pieces = 0;
        return 0;
}

static int seg_cmp(const void *a, const void *b)
{
        const struct aud_seg *x = a, *y = b;
        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        return x->pkt.index < y->pkt.index ? -1 : x->pkt.index > y->pkt.index;
}

int stream_finish(struct aud_stream *s)
{
        if (s->n_segs > 1)
                qsort(s->segs, s->n_segs, sizeof(*s->segs), seg_cmp);
        if (!util_grow((void **)&s->pieces, &s->cap_pieces, s->n_segs ? s->n_segs : 1,
                       sizeof(*s->pieces), 4))
                return CST_ENOMEM;
        s->n_pieces = 0;
        s->cursor = 0;
        s->covered = 0;
        for (size_t i = 0; i < s->n_segs; i++)
                s->segs[i].data = s->arena + s->segs[i].data_off;
        uint64_t covered_to = 0;
        bool any = false;
        for (size_t i = 0; i < s->n_segs; i++) {
                const struct aud_seg *g = &s->segs[i];
                uint64_t end = g->start + g->len;
                if (g->len == 0 || (any && end <= covered_to))
                        continue;
                uint64_t from = any && covered_to > g->start ? covered_to : g->start;
                s->pieces[s->n_pieces++] =
                    (struct aud_piece){from, end, g->data + (from - g->start)};
                s->covered += end - from;
                covered_to = end;
                any = true;
        }
        if (!s->known_start)
                s->begin = s->n_pieces ? s->pieces[0].start : 0;
        s->end = s->n_pieces ? s->pieces[s->n_pieces - 1].end : s->begin;
        if (s->end < s->begin)
                s->end = s->begin;
        return 0;
}

void stream_free(struct aud_stream *s)
{
        free(s->segs);
        free(s->arena);
        free(s->pieces);
        memset(s, 0, sizeof(*s));
}

/* Index of the first piece whose end is > pos (n_pieces if none). */
static size_t piece_after(struct aud_stream *s, uint64_t pos)
{
        size_t c = s->cursor;
        if (c < s->n_pieces && s->pieces[c].start <= pos && pos < s->pieces[c].end)
                return c;
        if (c + 1 < s->n_pieces && s->pieces[c].end <= pos && pos < s->pieces[c + 1].end)
                return c + 1;
        size_t lo = 0, hi = s->n_pieces;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (s->pieces[mid].end <= pos)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        s->cursor = lo;
        return lo;
}

bool stream_get(struct aud_stream *s, uint64_t pos, uint8_t *out, size_t n)
{
        size_t k = piece_after(s, pos);
        while (n > 0) {
                if (k >= s->n_pieces || s->pieces[k].start > pos)
                        return false;
                const struct aud_piece *p = &s->pieces[k];
                uint64_t avail = p->end - pos;
                size_t take = avail < n ? (size_t)avail : n;
                memcpy(out, p->data + (pos - p->start), take);
                out += take;
                n -= take;
                pos += take;
                k++;
        }
        return true;
}

uint64_t stream_next_present(struct aud_stream *s, uint64_t pos)
{
        size_t k = piece_after(s, pos);
        if (k >= s->n_pieces)
                return s->end;
        return s->pieces[k].start > pos ? s->pieces[k].start : pos;
}

uint64_t stream_run_end(struct aud_stream *s, uint64_t pos)
{
        size_t k = piece_after(s, pos);
        if (k >= s->n_pieces || s->pieces[k].start > pos)
                return pos;
        uint64_t end = s->pieces[k].end;
        while (++k < s->n_pieces && s->pieces[k].start == end)
                end = s->pieces[k].end;
        return end;
}

int ivals_add(struct aud_ivals *iv, uint64_t start, uint64_t end, uint32_t cls)
{
        if (end <= start)
                return 0;
        if (!util_grow((void **)&iv->v, &iv->cap, iv->n + 1, sizeof(*iv->v), 8))
                return CST_ENOMEM;
        iv->v[iv->n++] = (struct aud_ival){start, end, cls};
        return 0;
}
