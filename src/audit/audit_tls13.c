/*
 * audit_tls13 — the TLS 1.3 encrypted handshake (issue 12 item 3).
 *
 * In TLS 1.3 the server's flight after the ServerHello (EncryptedExtensions,
 * Certificate, CertificateVerify, Finished) and the client's Finished travel
 * in records typed AppData (RFC 8446 §2, §5.1).  When the ServerHello's
 * supported_versions extension (§4.1.3, §4.2.1) selects 0x0304, the audit
 * wants in full the server's AppData records sent before the client's first
 * AppData record, and that record.  "Sent before" is capture order: the
 * first packet carrying the record's first header byte comes before the
 * first packet carrying the client record's.  The flight is bounded to
 * 128 KiB per connection (what a sane handshake needs).
 *
 * Only the bytes after the first KR of each record change class (from
 * AppData body, not needed, to CST_AC_TLS13_ENC_HANDSHAKE, wanted); the
 * header and first KR bytes stay required as for any AppData record.
 */
#include <stdlib.h>

#include "audit/audit_int.h"
#include "audit/audit_stream.h"
#include "util/rd.h"

#define TLS_HANDSHAKE         0x16u
#define HS_SERVER_HELLO       2u
#define EXT_SUPPORTED_VERSION 43u
#define TLS13_VERSION         0x0304u
#define MAX_HELLO             (1u << 17)
#define FLIGHT_MAX            (128u * 1024u)

/* The handshake message starting the stream, gathered over handshake
 * records; NULL when the stream does not start with a whole one. */
static uint8_t *first_handshake_message(struct aud_stream *s, uint32_t *len)
{
        uint8_t h[9];
        if (!stream_get(s, s->begin, h, sizeof(h)) || h[0] != TLS_HANDSHAKE ||
            h[5] != HS_SERVER_HELLO)
                return NULL;
        uint32_t want = 4u + ((uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8]);
        if (want > MAX_HELLO)
                return NULL;
        uint8_t *msg = malloc(want);
        uint64_t pos = s->begin;
        uint32_t got = 0;
        while (msg && got < want) {
                uint8_t rh[5];
                if (!stream_get(s, pos, rh, 5) || rh[0] != TLS_HANDSHAKE || rh[1] != 3)
                        break;
                uint32_t body = (uint32_t)(rh[3] << 8 | rh[4]),
                         take = want - got < body ? want - got : body;
                if (!stream_get(s, pos + 5, msg + got, take))
                        break;
                got += take;
                pos += 5u + body;
        }
        if (msg && got < want) {
                free(msg);
                return NULL;
        }
        *len = want;
        return msg;
}

/* ServerHello body (RFC 8446 §4.1.3): does supported_versions say 1.3? */
static bool server_hello_selects_tls13(struct rd *r)
{
        rd_skip(r, 4 + 2 + 32); /* handshake header, legacy_version, random */
        rd_skip(r, rd_u8(r));   /* legacy_session_id_echo */
        rd_skip(r, 2 + 1);      /* cipher_suite, legacy_compression_method */
        struct rd ext = rd_sub(r, rd_be16(r));
        while (!ext.err && rd_left(&ext) >= 4) {
                uint16_t type = rd_be16(&ext), len = rd_be16(&ext);
                struct rd body = rd_sub(&ext, len);
                if (type == EXT_SUPPORTED_VERSION && len == 2)
                        return !body.err && rd_be16(&body) == TLS13_VERSION;
        }
        return false;
}

bool tls13_stream_selects_tls13(struct aud_stream *server)
{
        uint32_t len = 0;
        uint8_t *msg = first_handshake_message(server, &len);
        if (!msg)
                return false;
        struct rd r = rd_init(msg, len);
        bool yes = server_hello_selects_tls13(&r) && !r.err;
        free(msg);
        return yes;
}

/* Lowest packet index among the segments that carry stream byte pos. */
static uint64_t first_packet_at(const struct aud_stream *s, uint64_t pos, uint32_t max_len)
{
        size_t lo = 0, hi = s->n_segs;
        while (lo < hi) { /* first segment starting after pos */
                size_t mid = lo + (hi - lo) / 2;
                if (s->segs[mid].start <= pos)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        uint64_t best = UINT64_MAX;
        for (size_t k = lo; k-- > 0 && s->segs[k].start + max_len > pos;)
                if (pos < s->segs[k].start + s->segs[k].len && s->segs[k].pkt.index < best)
                        best = s->segs[k].pkt.index;
        return best;
}

static uint32_t longest_segment(const struct aud_stream *s)
{
        uint32_t m = 0;
        for (size_t k = 0; k < s->n_segs; k++)
                if (s->segs[k].len > m)
                        m = s->segs[k].len;
        return m;
}

/* One past the highest stream byte carried by a packet before `before`. */
static uint64_t sent_end_before(const struct aud_stream *s, uint64_t before)
{
        uint64_t end = 0;
        for (size_t k = 0; k < s->n_segs; k++)
                if (s->segs[k].pkt.index < before && s->segs[k].start + s->segs[k].len > end)
                        end = s->segs[k].start + s->segs[k].len;
        return end;
}

void tls13_flight_more(struct aud_stream *server, struct aud_ivals *siv, uint32_t keep_record_bytes,
                       struct tls13_flight *fl)
{
        uint64_t sent_end = sent_end_before(server, fl->turn);
        uint32_t max_len = longest_segment(server);
        for (size_t k = 0; k < siv->n; k++) {
                struct aud_ival *v = &siv->v[k];
                uint64_t rec = v->start - keep_record_bytes;
                if (rec >= sent_end || fl->bytes >= FLIGHT_MAX) {
                        fl->done = true;
                        return;
                }
                if (v->cls != AUD_IV_APPDATA_BODY ||
                    first_packet_at(server, rec, max_len) >= fl->turn)
                        continue;
                v->cls = CST_AC_TLS13_ENC_HANDSHAKE;
                fl->bytes += v->end - rec;
        }
        /* the intervals ran out first: a later chunk may hold more of it */
        fl->done = sent_end == 0;
}

void tls13_mark_flight(struct aud_stream *client, struct aud_ivals *civ,
                       const struct tls_parse_stats *cst, struct aud_stream *server,
                       struct aud_ivals *siv, uint32_t keep_record_bytes, struct tls13_flight *fl)
{
        fl->turn = UINT64_MAX; /* no client AppData: the whole flight */
        fl->bytes = 0;
        fl->done = false;
        if (cst->have_appdata) {
                uint64_t body = cst->first_appdata + keep_record_bytes;
                fl->turn = first_packet_at(client, cst->first_appdata, longest_segment(client));
                for (size_t k = 0; k < civ->n && civ->v[k].start <= body; k++)
                        if (civ->v[k].start == body && civ->v[k].cls == AUD_IV_APPDATA_BODY)
                                civ->v[k].cls = CST_AC_TLS13_ENC_HANDSHAKE;
        }
        tls13_flight_more(server, siv, keep_record_bytes, fl);
}
