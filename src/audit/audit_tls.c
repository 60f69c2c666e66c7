/*
 * audit_tls — TLS record layer (RFC 8446 §5.1, RFC 5246 §6.2) over one
 * reassembled TCP direction: proves a connection is TLS, walks the record
 * chain by sequence number and emits the needed intervals (record headers,
 * non-AppData bodies, the first KR bytes of every AppData record).
 *
 * Where the chain is lost (a hole swallowed a header, or a captured
 * connection starts mid-record) the parser re-synchronises on the first
 * position from which a chain of strictly valid headers follows: three in a
 * row in a direction that proved the connection TLS itself, two (a header
 * whose length points at the next one) in its peer (issue 21 item 3: the
 * proof is per connection, the peer only has to find its record
 * boundaries), or fewer that land exactly on the end of the captured data.
 * The bytes in between are "unsynced": not needed, reported separately.
 */
#include "audit/audit_int.h"
#include "audit/audit_stream.h"
#include "util/rd.h"

#define TLS_MAX_RECORD   (16384u + 2048u)
#define TLS_CCS          0x14u
#define TLS_APPDATA      0x17u
#define TLS_HEARTBEAT    0x18u
#define CHAIN_CONFIRMING 3 /* headers that prove a direction TLS by itself */
#define CHAIN_PEER       2 /* the peer of a proven direction: one header to the next */

/* A header as written by a real stack: the check used to find sync. */
static bool strict_header(const uint8_t h[5])
{
        uint16_t len = (uint16_t)(h[3] << 8 | h[4]);
        return h[0] >= TLS_CCS && h[0] <= TLS_APPDATA && h[1] == 3 && h[2] >= 1 && h[2] <= 4 &&
               len >= 1 && len <= TLS_MAX_RECORD;
}

/* A header at a position the chain says is a boundary. */
static bool chained_header(const uint8_t h[5])
{
        return h[0] >= TLS_CCS && h[0] <= TLS_HEARTBEAT && h[1] == 3 && h[2] <= 4 &&
               (uint16_t)(h[3] << 8 | h[4]) <= TLS_MAX_RECORD;
}

/* True when q is the first missing byte after present data. */
static bool lands_on_run_end(struct aud_stream *s, uint64_t q)
{
        uint8_t b;
        return q > 0 && stream_get(s, q - 1, &b, 1) && !stream_get(s, q, &b, 1);
}

/* A chain of `confirm` valid headers starts at p.  `appdata_only` with
 * `exact` false is the "connection already open" proof: three AppData
 * headers in a row. */
static bool chain_at(struct aud_stream *s, uint64_t p, bool appdata_only, bool exact, int confirm)
{
        uint64_t q = p;
        for (int count = 0;; count++) {
                uint8_t h[5];
                if (!stream_get(s, q, h, 5))
                        return exact && count >= 1 && lands_on_run_end(s, q);
                if (!strict_header(h) || (appdata_only && h[0] != TLS_APPDATA))
                        return false;
                if (count + 1 >= confirm)
                        return true;
                q += 5u + (uint16_t)(h[3] << 8 | h[4]);
        }
}

/* First position >= pos where a chain starts, or s->end. */
static uint64_t scan_for_chain(struct aud_stream *s, uint64_t pos, bool appdata_only, bool exact,
                               int confirm)
{
        uint64_t p = stream_next_present(s, pos);
        while (p < s->end) {
                uint64_t run_end = stream_run_end(s, p);
                for (; p < run_end; p++) {
                        uint8_t h[3];
                        if (run_end - p >= 3 && !stream_get(s, p, h, 3))
                                break;
                        if (run_end - p >= 3 && (h[0] < TLS_CCS || h[0] > TLS_APPDATA || h[1] != 3))
                                continue;
                        if (chain_at(s, p, appdata_only, exact, confirm))
                                return p;
                }
                p = stream_next_present(s, run_end);
        }
        return s->end;
}

bool tls_stream_starts_with_hello(struct aud_stream *s)
{
        uint8_t h[11];
        if (!stream_get(s, s->begin, h, sizeof(h)))
                return false;
        struct rd r = rd_init(h, sizeof(h));
        uint8_t type = rd_u8(&r), major = rd_u8(&r), minor = rd_u8(&r);
        uint16_t len = rd_be16(&r);
        uint8_t hs_type = rd_u8(&r);
        uint32_t hs_len = rd_be24(&r);
        uint8_t v_major = rd_u8(&r), v_minor = rd_u8(&r);
        /* ClientHello (1) / ServerHello (2): RFC 8446 §4.1.2, §4.1.3 */
        return type == 0x16 && major == 3 && minor <= 4 && len >= 4 && len <= TLS_MAX_RECORD &&
               (hs_type == 1 || hs_type == 2) && hs_len >= 38 && hs_len <= (1u << 17) &&
               v_major == 3 && v_minor <= 4;
}

bool tls_stream_has_appdata_chain(struct aud_stream *s)
{
        return scan_for_chain(s, s->begin, true, false, CHAIN_CONFIRMING) < s->end;
}

/* A header position whose 5 bytes are not all present: mark what is there. */
static int mark_partial_header(struct aud_stream *s, uint64_t pos, struct aud_ivals *out)
{
        for (uint64_t q = pos; q < pos + 5; q++) {
                uint8_t b;
                if (stream_get(s, q, &b, 1)) {
                        int rc = ivals_add(out, q, q + 1, CST_AC_TLS_RECORD_HEADER);
                        if (rc)
                                return rc;
                }
        }
        return 0;
}

static int emit_record(const uint8_t h[5], uint64_t pos, uint32_t kr, struct aud_ivals *out)
{
        uint64_t total = 5u + (uint16_t)(h[3] << 8 | h[4]);
        int rc = ivals_add(out, pos, pos + 5, CST_AC_TLS_RECORD_HEADER);
        if (rc)
                return rc;
        if (h[0] != TLS_APPDATA)
                return ivals_add(out, pos + 5, pos + total, CST_AC_TLS_HANDSHAKE);
        uint64_t keep = kr < total ? kr : total;
        rc = ivals_add(out, pos + 5, pos + keep, CST_AC_TLS_APPDATA_KEEP);
        if (rc == 0)
                rc = ivals_add(out, pos + keep, pos + total, AUD_IV_APPDATA_BODY);
        return rc;
}

int tls_stream_parse(struct aud_stream *s, uint32_t keep_record_bytes, bool peer_proven,
                     struct aud_ivals *out, struct tls_parse_stats *st)
{
        int confirm = peer_proven ? CHAIN_PEER : CHAIN_CONFIRMING;
        /* ISN + 1 is a record boundary; a later chunk resumes the chain */
        uint64_t pos = s->resume ? s->resume_pos : s->begin;
        bool synced = s->resume ? s->resume_synced : s->known_start;
        int rc = 0;
        while (pos < s->end && pos < s->limit && rc == 0) {
                if (!synced) {
                        pos = scan_for_chain(s, pos, false, true, confirm);
                        if (pos >= s->end || pos >= s->limit)
                                break;
                        st->resyncs++;
                        synced = true;
                }
                uint8_t h[5];
                if (!stream_get(s, pos, h, 5)) {
                        rc = mark_partial_header(s, pos, out);
                        synced = false;
                        pos++;
                } else if (!chained_header(h)) {
                        synced = false;
                        pos++;
                } else {
                        rc = emit_record(h, pos, keep_record_bytes, out);
                        st->records++;
                        if (h[0] == TLS_APPDATA && !st->have_appdata) {
                                st->have_appdata = true;
                                st->first_appdata = pos;
                        }
                        pos += 5u + (uint16_t)(h[3] << 8 | h[4]);
                }
        }
        /* unsynchronised: the next chunk scans again from the limit, where
         * this one's decisions end */
        s->resume_synced = synced;
        s->resume_pos = synced || pos < s->limit ? pos : s->limit;
        return rc;
}
