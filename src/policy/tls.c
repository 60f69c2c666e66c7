/*
 * tls — per-direction TLS record tracker, SPEC 2.7 exactly (the pseudo-code
 * there is the reference; the comments below name its variables).
 *
 * Records (RFC 8446 §5.1): type(1) version(2) length(2), then `length`
 * bytes.  A segment is walked record by record from the boundary the state
 * knows; the LAST visible record decides the cut: an AppData record keeps
 * its start + KR bytes, anything else keeps the whole segment.  A segment
 * that lies inside a record started earlier is a "continuation" and the
 * continuation policy (final_only / stream / bulk) decides what to keep.
 *
 * The per-packet work state lives in struct tls_walk so the steps of the
 * pseudo-code can be separate functions.
 */
#include "policy/tls.h"

#include <stdio.h>
#include <string.h>

#include <constrictor/engine.h>

#include "decode/tls_wire.h"
#include "policy/verdict.h"

#define REC_CCS       TLS_REC_CCS
#define REC_HANDSHAKE TLS_REC_HANDSHAKE
#define REC_APPDATA   TLS_REC_APPDATA

enum tls_kind { KIND_NONE = 0, KIND_START, KIND_FINAL, KIND_STREAM, KIND_BULK };

static const char *const tls_event_names[TLS_EV_COUNT] = {
    [TLS_EV_NONE] = "",
    [TLS_EV_SYN_OR_RST_STATE_RESET] = "syn_or_rst_state_reset",
    [TLS_EV_TCP_SEQ_MISMATCH] = "tcp_seq_mismatch",
    [TLS_EV_MIDDLE_CONTINUATION] = "middle_continuation",
    [TLS_EV_STREAM_CONTINUATION] = "stream_continuation",
    [TLS_EV_FINAL_CONTINUATION] = "final_continuation",
    [TLS_EV_APP_DATA_CONTINUATION_BOUNDARY] = "app_data_continuation_boundary",
    [TLS_EV_APP_DATA_CONTINUATION_WITH_EXTRA_BYTES] = "app_data_continuation_with_extra_bytes",
    [TLS_EV_APP_DATA_CONTINUATION_BOUNDARY_PARSE_FAILED] =
        "app_data_continuation_boundary_parse_failed",
    [TLS_EV_BULK_CONTINUATION] = "bulk_continuation",
    [TLS_EV_UNSYNCHRONIZED_NON_HANDSHAKE] = "unsynchronized_non_handshake",
    [TLS_EV_APP_DATA_START] = "app_data_start",
    [TLS_EV_APP_DATA_CONTINUATION_THEN_APP_DATA_START] =
        "app_data_continuation_then_app_data_start",
    [TLS_EV_VISIBLE_HANDSHAKE] = "visible_handshake",
    [TLS_EV_APP_DATA_CONTINUATION_THEN_VISIBLE_RECORD] =
        "app_data_continuation_then_visible_record",
    [TLS_EV_MALFORMED_TLS_RECORD] = "malformed_tls_record",
};

const char *tls_event_name(unsigned ev)
{
        return ev < TLS_EV_COUNT ? tls_event_names[ev] : "";
}

/* Everything one packet's walk needs (the locals of the SPEC pseudo-code). */
struct tls_walk {
        const struct tls_params *p;
        struct tls_dir *k, *r;
        struct cst_stats *st;
        const struct rd *pl;   /* TCP payload */
        struct pkt_seen *seen; /* annotated output: the records walked, else NULL */
        uint32_t len;          /* L */
        uint32_t pos, cand;
        uint8_t kind, ev;
        bool conf0, mism, has, uncertain, reset, middle, extra;
        bool resync, resync_ad, pending, boundary_ok, after_boundary, bulk;
        bool done; /* an early KEEP return was taken */
        uint16_t done_reason;
};

static inline uint32_t min_u32(uint32_t a, uint32_t b)
{
        return a < b ? a : b;
}

static inline bool has_flag(const struct tls_dir *s, uint8_t f)
{
        return (s->flags & f) != 0;
}

static inline void erase(struct tls_dir *s)
{
        memset(s, 0, sizeof(*s));
}

static inline void get_or_create(struct tls_dir *s)
{
        if (!has_flag(s, TLS_D_PRESENT)) {
                erase(s);
                s->flags = TLS_D_PRESENT;
        }
}

static inline void clear_active(struct tls_dir *s)
{
        s->flags &= (uint8_t) ~(TLS_D_ACTIVE | TLS_D_ACTIVE_APP);
        s->active_type = 0;
        s->active_remaining = 0;
}

/* hdr_ok(pos) of SPEC 2.7, plus the plausibility rule of the strict mode. */
static bool read_hdr(const struct tls_walk *w, uint32_t pos, struct tls_rec_hdr *h)
{
        struct rd r = rd_window(w->pl, pos, w->len - pos);
        if (tls_wire_record(&r, h) != WIRE_OK || h->type > REC_APPDATA)
                return false;
        if (w->p->strict && (h->minor > 0x04 || h->length > TLS_MAX_RECORD_LEN))
                return false;
        return true;
}

static inline void soft_event(struct tls_walk *w, uint8_t ev)
{
        if (w->ev == TLS_EV_NONE)
                w->ev = ev;
}

static void keep_early(struct tls_walk *w, uint16_t reason)
{
        w->done = true;
        w->done_reason = reason;
}

/* ---- continuation of a record that started in an earlier packet */
static void walk_continuation(struct tls_walk *w)
{
        struct tls_dir *k = w->k;
        uint32_t rem = k->active_remaining, L = w->len;
        bool ad = has_flag(k, TLS_D_ACTIVE_APP);
        bool final_only = w->p->policy == CST_TLS_FINAL_ONLY;
        uint32_t kc = w->p->keep_cont < L ? w->p->keep_cont : L;
        if (w->seen)
                seen_add(w->seen, SEEN_CONT, k->active_type, 0, rem);

        if (rem > L) { /* the packet lies entirely inside the record */
                if (ad && !final_only) {
                        w->cand = kc;
                        w->has = true;
                        w->kind = KIND_STREAM;
                        w->ev = TLS_EV_STREAM_CONTINUATION;
                } else if (ad) {
                        w->middle = true;
                        w->ev = TLS_EV_MIDDLE_CONTINUATION;
                }
                k->active_remaining -= L;
                w->pos = L;
        } else if (rem == L) { /* the record ends exactly at the end of the payload */
                if (ad) {
                        w->cand = kc;
                        w->has = true;
                        w->kind = KIND_FINAL;
                        w->ev = TLS_EV_FINAL_CONTINUATION;
                }
                w->pos = L;
                clear_active(k);
        } else { /* the record ends inside the payload, more bytes follow */
                w->pos = rem;
                clear_active(k);
                if (ad && !final_only) {
                        w->pending = true;
                        w->ev = TLS_EV_APP_DATA_CONTINUATION_BOUNDARY;
                } else if (ad) {
                        w->reset = true;
                        w->extra = true;
                        w->ev = TLS_EV_APP_DATA_CONTINUATION_WITH_EXTRA_BYTES;
                }
        }
}

/* No record header at pos: bulk cut, early keep, or an uncertain (malformed) record. */
static void walk_no_header(struct tls_walk *w)
{
        struct tls_dir *k = w->k;
        if (w->pending) {
                w->extra = true;
                w->reset = true;
                w->ev = TLS_EV_APP_DATA_CONTINUATION_BOUNDARY_PARSE_FAILED;
                return;
        }
        if (!has_flag(k, TLS_D_SYNCED)) {
                if (w->conf0 && has_flag(k, TLS_D_SEEN_APP) && w->p->policy == CST_TLS_BULK) {
                        w->cand = w->p->keep_cont < w->len ? w->p->keep_cont : w->len;
                        w->has = true;
                        w->bulk = true;
                        w->kind = KIND_BULK;
                        w->ev = TLS_EV_BULK_CONTINUATION;
                        return;
                }
                uint16_t why = w->mism ? CST_R_KEEP_TCP_SEQ_MISMATCH : VR_NO_CANDIDATE_QUIET;
                if (!w->conf0)
                        erase(k);
                else if (w->mism)
                        why = VR_TCP_SEQ_MISMATCH_UNCERTAIN;
                keep_early(w, why);
                return;
        }
        w->uncertain = true;
}

/*
 * Strict mode: an unknown direction is confirmed only by a handshake record
 * whose first message type is a plaintext handshake type (RFC 8446 §4,
 * RFC 5246 §7.4).  Binary payloads that merely start 16 03 do not qualify.
 */
static bool plausible_first_handshake(const struct tls_walk *w, uint32_t pos)
{
        struct rd r = *w->pl;
        uint8_t mt = rd_peek_u8(&r, (size_t)pos + TLS_REC_HDR_LEN);
        if (r.err)
                return true; /* message type not in this packet: as the old tool */
        return tls_hs_type_known(mt);
}

/* One visible record at w->pos.  Sets w->done on an early KEEP. */
static void walk_record(struct tls_walk *w, const struct tls_rec_hdr *h)
{
        struct tls_dir *k = w->k;
        uint8_t t = h->type;
        if (w->seen)
                seen_add(w->seen, SEEN_HDR, t, w->pos, h->length);
        if (w->pending) {
                w->pending = false;
                w->boundary_ok = true;
        }
        bool hs_ok = t == REC_HANDSHAKE && (!w->p->strict || plausible_first_handshake(w, w->pos));
        if (!has_flag(k, TLS_D_SYNCED) && !hs_ok && !w->conf0) {
                erase(k);
                w->ev = TLS_EV_UNSYNCHRONIZED_NON_HANDSHAKE;
                keep_early(w, CST_R_KEEP_UNSYNCHRONIZED_NON_HANDSHAKE);
                return;
        }
        if (!has_flag(k, TLS_D_SYNCED) && w->conf0) {
                w->resync = true;
                if (t == REC_APPDATA)
                        w->resync_ad = true;
        }
        k->flags |= TLS_D_SYNCED;
        if (t == REC_HANDSHAKE) {
                k->flags |= TLS_D_CONFIRMED;
                get_or_create(w->r);
                w->r->flags |= TLS_D_CONFIRMED;
                soft_event(w, TLS_EV_VISIBLE_HANDSHAKE);
        }
        uint32_t avail = w->len - w->pos, total = 5u + h->length;
        bool ad = t == REC_APPDATA;
        if (ad) {
                k->flags |= TLS_D_SEEN_APP;
                if (w->boundary_ok)
                        w->after_boundary = true;
                w->cand = w->pos + min_u32(w->p->keep_record, min_u32(total, avail));
                w->has = true;
                w->kind = KIND_START;
                w->ev = w->after_boundary ? TLS_EV_APP_DATA_CONTINUATION_THEN_APP_DATA_START
                                          : TLS_EV_APP_DATA_START;
        } else {
                w->has = false;
                w->kind = KIND_NONE;
        }
        if (total > avail) { /* the record continues in later packets */
                k->flags |= TLS_D_ACTIVE;
                k->flags =
                    (uint8_t)(ad ? (k->flags | TLS_D_ACTIVE_APP) : (k->flags & ~TLS_D_ACTIVE_APP));
                k->active_type = t;
                k->active_remaining = total - avail;
                w->pos = w->len;
                return;
        }
        if (!ad && w->boundary_ok)
                soft_event(w, TLS_EV_APP_DATA_CONTINUATION_THEN_VISIBLE_RECORD);
        w->pos += total;
}

static void walk_records(struct tls_walk *w)
{
        while (!w->uncertain && !w->reset && w->pos < w->len) {
                struct tls_rec_hdr h;
                if (!read_hdr(w, w->pos, &h)) {
                        walk_no_header(w);
                        return;
                }
                walk_record(w, &h);
                if (w->done || w->pos >= w->len)
                        return;
        }
}

/*
 * The tail of the pseudo-code: counters, resets and the proposed cut.  The
 * engine settles it (verdict.h): min savings, and the counters of the
 * reason (tls_truncated, tls_kept_* ...).
 */
static void tls_finish(struct tls_walk *w, const struct decoded *d, struct tls_out *out)
{
        static const uint16_t cut_reason[] = {
            [KIND_NONE] = CST_R_TRUNCATE_TLS_APP_DATA_START,
            [KIND_START] = CST_R_TRUNCATE_TLS_APP_DATA_START,
            [KIND_FINAL] = CST_R_TRUNCATE_TLS_FINAL_CONTINUATION,
            [KIND_STREAM] = CST_R_TRUNCATE_TLS_STREAM_CONTINUATION,
            [KIND_BULK] = CST_R_TRUNCATE_TLS_BULK_CONTINUATION,
        };
        struct tls_dir *k = w->k;
        struct cst_stats *st = w->st;
        k->expected_seq = d->seq + w->len; /* advanced even for uncertain/bulk packets */
        if (w->resync) {
                st->tls_resynchronized++;
                if (w->resync_ad)
                        st->tls_resynchronized_app_data_start++;
        }
        if (w->boundary_ok)
                st->tls_stream_continuation_boundary_parsed++;
        if (w->reset) { /* always with w->extra (both paths that set it) */
                uint8_t keep = k->flags & (TLS_D_CONFIRMED | TLS_D_SEEN_APP);
                bool c = has_flag(k, TLS_D_CONFIRMED);
                erase(k);
                if (c)
                        k->flags = (uint8_t)(TLS_D_PRESENT | keep);
                out->why = CST_R_KEEP_APP_DATA_CONTINUATION_WITH_EXTRA_BYTES;
                return;
        }
        if (w->uncertain) {
                soft_event(w, TLS_EV_MALFORMED_TLS_RECORD);
                if (w->p->strict) { /* SPEC 6.1 fix: resynchronise instead of staying lost */
                        clear_active(k);
                        k->flags &= (uint8_t)~TLS_D_SYNCED;
                }
                out->why = CST_R_KEEP_MALFORMED_TLS_RECORD;
                return;
        }
        if (!has_flag(k, TLS_D_SYNCED) && !w->bulk) {
                out->why = VR_NO_CANDIDATE_QUIET;
                return;
        }
        if (w->middle) {
                out->why = CST_R_KEEP_MIDDLE_CONTINUATION;
                return;
        }
        if (!w->has || w->cand >= w->len) {
                out->why = CST_R_KEEP_NO_CANDIDATE;
                return;
        }
        out->keep_len = d->payload_off + w->cand;
        out->why = cut_reason[w->kind];
}

void tls_process(const struct tls_params *p, struct tls_dir *k, struct tls_dir *r,
                 const struct decoded *d, const struct rd *payload, struct cst_stats *st,
                 struct tls_out *out)
{
        struct tls_walk w = {.p = p,
                             .k = k,
                             .r = r,
                             .st = st,
                             .pl = payload,
                             .seen = out->seen,
                             .len = d->payload_len,
                             .cand = d->payload_len};
        out->why = CST_R_KEEP_NO_PAYLOAD;
        out->event = TLS_EV_NONE;
        if (d->tcp_flags & (TCP_SYN | TCP_RST)) {
                erase(k);
                erase(r);
                st->tls_state_reset_on_syn_or_rst++;
                w.ev = TLS_EV_SYN_OR_RST_STATE_RESET;
        }
        if (w.len == 0) {
                out->event = w.ev;
                return;
        }
        get_or_create(k);
        w.conf0 = has_flag(k, TLS_D_CONFIRMED);
        if (has_flag(k, TLS_D_SYNCED) && d->seq != k->expected_seq) {
                st->tls_kept_tcp_seq_mismatch++;
                st->tls_state_reset_on_seq_mismatch++;
                w.mism = true;
                w.ev = TLS_EV_TCP_SEQ_MISMATCH;
                clear_active(k);
                k->flags &= (uint8_t)~TLS_D_SYNCED;
                k->expected_seq = 0;
        }
        if (has_flag(k, TLS_D_ACTIVE))
                walk_continuation(&w);
        walk_records(&w);
        if (w.done)
                out->why = w.done_reason;
        else
                tls_finish(&w, d, out);
        out->event = w.ev;
}

size_t tls_state_string(const struct tls_dir *s, char *buf, size_t cap)
{
        if (!has_flag(s, TLS_D_PRESENT))
                return (size_t)snprintf(buf, cap, "none");
        const char *active = "";
        if (has_flag(s, TLS_D_ACTIVE))
                active =
                    has_flag(s, TLS_D_ACTIVE_APP) ? "/active_app_data" : "/active_non_app_data";
        return (size_t)snprintf(buf, cap, "%s/%s%s%s",
                                has_flag(s, TLS_D_CONFIRMED) ? "confirmed" : "unconfirmed",
                                has_flag(s, TLS_D_SYNCED) ? "synchronized" : "unsynchronized",
                                has_flag(s, TLS_D_SEEN_APP) ? "/seen_app_data" : "", active);
}
