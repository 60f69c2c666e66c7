/*
 * track — the `track` continuation policy (issue 12) and the learning QUIC
 * analyser (`track` or [quic] learn_all_long_headers), kept apart from the
 * SPEC-exact analysers of tls.c / quic.c so those stay byte for byte.
 *
 * State lives in the flow's own flow-table entry (ft_init_state: the
 * table's entries are then 144 bytes instead of 96), zeroed when the entry
 * is inserted; the table's drop hook returns a dropped flow's pool entries.
 * Sizes (docs/policies.md): struct trk_dir 40 bytes per TCP direction;
 * union trk_slot 88 bytes per flow; a direction's boundary window (16 x 8
 * bytes) and candidates live in a 176-byte struct trk_ext taken from a pool
 * on its second record, second candidate or first gap.
 */
#ifndef CST_POLICY_TRACK_H
#define CST_POLICY_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include <constrictor/config.h>
#include <constrictor/engine.h>
#include <constrictor/stats.h>

#include "decode/decode.h"
#include "decode/tls_wire.h"
#include "policy/analyser.h"
#include "policy/flowtable.h"
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

#define TRK_WIN   16 /* record boundaries remembered per direction */
#define TRK_CANDS 4  /* candidate headers remembered while unsynchronised */
/*
 * An unproven direction is scanned for a proving chain over the first
 * TRK_SCAN_WINDOW bytes of every TRK_SCAN_PERIOD counted from scan_base (its
 * first byte, moved to the end of each gap): the proof is looked for all the
 * flow's life, at a bounded cost on data that never proves (issue 21).
 */
#define TRK_SCAN_WINDOW (64u * 1024u)
#define TRK_SCAN_PERIOD (1024u * 1024u)

/* One record whose header the direction saw (window entry). */
struct trk_rec {
        uint32_t seq; /* sequence number of the header's first byte */
        uint16_t len; /* record body length */
        uint8_t type; /* content type */
        uint8_t full; /* kept in full (handshake, or encrypted TLS 1.3 handshake) */
};

/* A candidate header seen while unsynchronised. */
struct trk_cand {
        uint32_t seq;
        uint16_t len;
        uint8_t type;
        uint8_t chain; /* bit 0-3: headers chained so far; bit 4-7: of them strict AppData */
};

/* trk_dir.flags */
#define TD_STARTED  0x0001u /* `high` is valid */
#define TD_SYN      0x0002u /* the SYN was seen: isn + 1 is a record boundary */
#define TD_SYNCED   0x0004u /* next_hdr is a record boundary */
#define TD_PARTIAL  0x0008u /* hdr[0..hdr_have) are the first bytes of the header at part_seq */
#define TD_LOST     0x0010u /* ext->lost_hdr is a real boundary inside a gap not yet filled */
#define TD_FIRST    0x0020u /* the first record of the direction is still to come */
#define TD_APP_SEEN 0x0040u /* an AppData record was seen (client: ends the TLS 1.3 flight) */
#define TD_ONE_REC  0x0080u /* a record was seen: the next one brings the window */
#define TD_CAND1    0x0100u /* cand1 holds the only candidate (no pool entry yet) */

/*
 * The part of a direction's state that only long or disturbed connections
 * need: the boundary window and the candidates.  Taken from a pool on the
 * direction's second record or first candidate, so short flows (one
 * ClientHello, one request) cost only struct trk_dir.
 */
struct trk_ext {
        uint32_t win_lo;         /* the window is exact from here ... */
        uint32_t win_hi;         /* ... to here (next_hdr while synced) */
        uint32_t lost_hdr;       /* TD_LOST: a boundary known to lie in a gap */
        uint8_t win_n, win_head; /* ring of TRK_WIN records, head = next slot */
        uint8_t cand_n, cand_head;
        struct trk_cand cand[TRK_CANDS];
        struct trk_rec win[TRK_WIN];
};

struct trk_dir {
        uint32_t next_hdr;  /* synced: sequence number of the next record header */
        uint32_t high;      /* one past the highest payload byte seen */
        uint32_t keep_to;   /* payload below this sequence number is needed (record spill-over) */
        uint32_t part_seq;  /* TD_PARTIAL: where the split header starts */
        uint32_t scan_base; /* unproven: scan budget start (first byte, end of last gap) */
        uint32_t ext;       /* 1-based index of the direction's struct trk_ext, 0 = none */
        struct trk_cand cand1; /* TD_CAND1: a first candidate kept without a pool entry */
        uint16_t flags;
        uint8_t hdr_have;
        uint8_t hdr[4];
        uint8_t pad[1];
};

/* trk_conn.flags */
#define TC_PROVEN       0x01u
#define TC_CLIENT_KNOWN 0x02u
#define TC_TLS13        0x04u
#define TC_FIN0         0x10u
#define TC_FIN1         0x20u

struct trk_conn {
        uint8_t kind; /* TRK_KIND_TCP */
        uint8_t flags;
        uint8_t client_dir;
        uint8_t pad;
        uint32_t enc_kept;   /* bytes of the TLS 1.3 encrypted flight kept in full */
        struct trk_dir d[2]; /* flow directions: [0] a->b, [1] b->a */
};

/* Bound of the encrypted flight kept in full (a certificate chain fits easily). */
#define TRK_ENC_MAX (128u * 1024u)

/* Learning QUIC state of one UDP flow. */
#define QL_PROVEN   0x01u /* a client Initial (>= 1200 bytes) or Handshake both ways was seen */
#define QL_LEARNED0 0x02u /* scid[0] is known (may be zero-length) */
#define QL_LEARNED1 0x04u
#define QL_HS0      0x08u /* a Handshake packet was sent in direction 0 */
#define QL_HS1      0x10u
#define QL_MIGRATED 0x20u /* adopted by the migration rule */
#define QL_INITIAL0 0x40u /* the client Initial went a->b (server is b) */
#define QL_INITIAL1 0x80u

struct ql_flow {
        uint8_t kind; /* TRK_KIND_QUIC */
        uint8_t flags;
        uint8_t scid_len[2]; /* SCID announced by the sender of direction d */
        uint8_t scid[2][QUIC_CID_MAX];
        uint8_t grease_noted; /* the server endpoint knows this flow greases the fixed bit */
        /* [quic] require_initial_proof: Initials of this flow whose proof
         * failed; after QL_PROOF_TRIES the flow is not tried again, so a
         * flood of look-alikes costs a few decryptions per flow, not one per
         * packet */
        uint8_t proof_failures;
};

#define QL_PROOF_TRIES 4

enum { TRK_KIND_NONE = 0, TRK_KIND_TCP, TRK_KIND_QUIC };

union trk_slot {
        uint8_t kind;
        struct trk_conn tcp;
        struct ql_flow quic;
};

/* A QUIC server endpoint that completed a handshake (migration rule). */
struct ql_server {
        uint8_t addr[16];
        uint16_t port;
        uint8_t addr_len; /* 0 = empty slot */
        uint8_t server_cid_len, client_cid_len;
        uint8_t greases; /* its connections grease the fixed bit (RFC 9287) */
        uint32_t last_seen;
};

#define QL_SERVERS 1024u

struct trk_params {
        uint32_t keep_record; /* KR, counts the header */
        bool enc_handshake;   /* keep_encrypted_handshake */
        bool tls_track;       /* the TLS policy is `track` */
        uint32_t short_keep;
        bool require_dcid_match;
        bool allow_unknown_dcid;
        bool require_initial_proof; /* [quic] require_initial_proof */
};

struct quic_initial;

struct track {
        struct trk_params p;
        struct trk_ext *ext; /* pool; free entries chain through win_lo (1-based, 0 = end) */
        uint32_t ext_cap, ext_used, ext_free;
        struct ql_server servers[QL_SERVERS];
        /* the client Initial proof (require_initial_proof): its libcrypto
         * contexts, made at the first Initial that needs them (loading
         * libcrypto costs ~2 MB of RSS that a capture without QUIC need not
         * pay), then reused: a proof allocates nothing */
        struct quic_initial *qi;
        bool qi_failed;
};

struct track *track_new(const struct cst_config *cfg, char *err);
/* The proof's contexts, made on first use; NULL if libcrypto failed. */
struct quic_initial *track_proof(struct track *t);
void track_free(struct track *t);

/* Bytes of per-flow state the flow table keeps for the tracking analysers (ft_init_state). */
#define TRK_STATE_BYTES sizeof(union trk_slot)

/* Register the pool's release with the flow table: a dropped flow frees its entries. */
void track_attach(struct track *t, struct flowtable *ft);

/*
 * The DCID length the learning QUIC analyser expects on short headers sent
 * in direction dir of a proven QUIC flow (the peer's learned SCID, 0 when
 * it is unknown and allowed); false when it would not cut them by that
 * rule alone (not QUIC, not proven, unknown DCID not allowed).  *any: it
 * does not compare the DCID (migrated flow, or require_dcid_match off).
 * quic_learn.c.
 */
bool ql_short_dcid(const struct track *t, const void *state, unsigned dir, uint8_t *dlen,
                   bool *any);

/* The state of a flow, in its flow-table entry. */
static inline union trk_slot *trk_slot_of(struct flow *f)
{
        return ft_state(f);
}

/* The state of a flow this code has just inserted (zeroed by ft_insert). */
static inline union trk_slot *trk_slot_fresh(struct flow *f, uint8_t kind)
{
        union trk_slot *s = ft_state(f);
        s->kind = kind;
        return s;
}

/* The direction's pool entry; created when `create` (NULL if absent or out of memory). */
struct trk_ext *trk_ext_of(struct track *t, struct trk_dir *D, bool create);
void trk_ext_release(struct track *t, struct trk_dir *D);

#endif
