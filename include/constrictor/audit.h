/*
 * audit — check a constricted capture against its original.
 *
 * The audit answers "can I trust this output?" without trusting the policy
 * that produced it.  It checks the invariants of DESIGN.md (same packets in
 * the same order, same timestamps and original lengths, every output packet a
 * byte prefix of its input packet), then classifies every byte of the
 * original from its own TCP reassembly and its own TLS/QUIC parsing (it never
 * calls src/policy) as needed or not, and reports per class how many needed
 * bytes the output kept or lost, the savings, and the savings of an oracle
 * that keeps each packet exactly up to its last needed byte.
 */
#ifndef CONSTRICTOR_AUDIT_H
#define CONSTRICTOR_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <constrictor/packet.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a needed byte is. */
enum cst_audit_class {
        CST_AC_HEADERS = 0,       /* link, IP, TCP and UDP headers */
        CST_AC_TLS_RECORD_HEADER, /* the 5-byte TLS record headers */
        CST_AC_TLS_HANDSHAKE,     /* bodies of handshake, alert, CCS (and heartbeat) records */
        CST_AC_TLS_APPDATA_KEEP, /* first keep_record_bytes of each AppData record, after its header
                                  */
        CST_AC_NON_TLS_TCP,      /* payload of a TCP connection not proven TLS */
        CST_AC_QUIC_LONG,        /* QUIC long-header packets, whole */
        CST_AC_QUIC_SHORT_FIRST, /* QUIC short header: first byte + DCID */
        CST_AC_OTHER_UDP,        /* UDP payload not proven QUIC */
        CST_AC_WHOLE_PACKET,     /* non-IP, non-TCP/UDP, fragment, malformed, truncated input */
        /* TLS 1.3 encrypted handshake (issue 12 item 3): the AppData-typed
         * bytes beyond the first KR of the server's records sent before the
         * client's first AppData record, and of that record.  "Wanted", not
         * required: in the oracle, but its losses do not fail the audit. */
        CST_AC_TLS13_ENC_HANDSHAKE,
        CST_AC_COUNT,
};

/* Invariant violations. */
enum cst_audit_invariant {
        CST_AI_PACKET_COUNT = 0, /* got = constricted count, want = original count */
        CST_AI_TIMESTAMP,        /* got/want in ns */
        CST_AI_ORIGLEN,
        CST_AI_NOT_PREFIX, /* offset = first differing byte; got/want = caplens */
        CST_AI_LINKTYPE,
};

#define CST_AUDIT_MAX_REPORTED 10

struct cst_audit_options {
        uint32_t keep_record_bytes; /* KR, >= 5, counts the record header (default 8) */
        int32_t quic_short_keep;    /* bytes of a short-header packet needed; < 0 = 1 + DCID */
        /* true: the TLS 1.3 encrypted handshake is not wanted (judges a policy
         * with keep_encrypted_handshake = false); those bytes are AppData body */
        bool no_encrypted_handshake;
        /* bytes of TCP payload (with their segment records) held while
         * connections wait to be classified; 0 = CST_AUDIT_DEFAULT_MEMORY.
         * Past it the connection holding most is classified up to its last
         * CST_AUDIT_LOOKAHEAD bytes per direction (docs/audit.md). */
        uint64_t memory_budget;
        /* Progress (optional, NULL = none; issue 18): called every 4096 packets
         * of the original with the packets and captured bytes read from it so
         * far, summed over both passes (the original is read twice: QUIC
         * servers first, then the audit), so the end is at twice its size. */
        void (*progress)(void *ctx, uint64_t packets, uint64_t bytes);
        void *progress_ctx;
};

#define CST_AUDIT_DEFAULT_MEMORY (64ull << 20)

struct cst_audit_class_stats {
        uint64_t needed; /* needed bytes of this class in the original */
        uint64_t kept;   /* of those, present in the constricted output */
        uint64_t lost;   /* needed - kept */
};

struct cst_audit_invariant_violation {
        uint64_t packet; /* 0-based index */
        uint32_t kind;   /* enum cst_audit_invariant */
        uint32_t offset; /* CST_AI_NOT_PREFIX: first differing byte */
        uint64_t got, want;
};

struct cst_audit_loss {
        uint64_t packet;     /* 0-based index */
        uint32_t cls;        /* class of the first lost needed byte */
        uint32_t offset;     /* first lost needed byte (packet offset) */
        uint32_t last;       /* one past the last needed byte of the packet */
        uint32_t caplen_out; /* what the output kept */
        uint64_t lost_bytes; /* needed bytes lost in this packet */
};

struct cst_audit_report {
        uint64_t packets_original, packets_constricted;
        uint64_t caplen_original;    /* sum of input caplens */
        uint64_t caplen_constricted; /* sum of output caplens */
        uint64_t caplen_oracle;      /* sum of per-packet prefixes up to the last needed byte */
        double saved_pct, oracle_saved_pct;
        double efficiency_pct; /* saved / oracle saved; < 0 when the oracle saves nothing */
        struct cst_audit_class_stats cls[CST_AC_COUNT];

        /* bytes that are not needed, by why */
        uint64_t tls_appdata_body_bytes; /* AppData beyond the first KR bytes */
        uint64_t tls_unsynced_bytes;     /* TLS payload before/after a lost sync */
        uint64_t quic_short_body_bytes;  /* short-header bytes after the needed prefix */
        uint64_t trailer_bytes;          /* link-layer padding after the IP datagram */

        /* what the reassembly saw */
        uint64_t tcp_connections, tls_connections, tls_proven_by_hello, tls_proven_by_chain;
        uint64_t tls_records, tls_resyncs, tcp_retransmitted_bytes, tcp_hole_bytes;
        uint64_t quic_server_endpoints, quic_short_packets, quic_long_packets;
        /* datagrams of >= 1200 bytes starting with an Initial-typed long
         * header to an unknown server: proven (a client Initial whose packet
         * protection removes, RFC 9001 §5.2) or not (a look-alike) */
        uint64_t quic_initials_proven, quic_initials_unproven;
        uint64_t tls13_connections; /* ServerHello selected TLS 1.3 */

        /* packets that lost bytes of a wanted (not required) class:
         * CST_AC_TLS13_ENC_HANDSHAKE; not counted in loss_packets */
        uint64_t wanted_loss_packets;

        /* non-empty when a file ended with an incomplete record: the packets
         * before it were audited (cst_audit_files only) */
        char original_tail[200], constricted_tail[200];

        uint64_t invariant_violations; /* total count */
        uint32_t n_invariant;          /* entries in invariant[] */
        struct cst_audit_invariant_violation invariant[CST_AUDIT_MAX_REPORTED];
        uint64_t loss_packets; /* packets that lost at least one needed byte */
        uint32_t n_loss;       /* entries in loss[] */
        struct cst_audit_loss loss[CST_AUDIT_MAX_REPORTED];
};

void cst_audit_options_default(struct cst_audit_options *opt);

/* Audit two capture files (pcap or pcapng, read through src/format, both
 * streamed: memory is bounded by opt->memory_budget).  Returns 0
 * with `rep` filled (then check cst_audit_passed()), or CST_EFATAL /
 * CST_ENOMEM with a one-line message in err[CST_ERRBUF]. */
int cst_audit_files(const char *original, const char *constricted,
                    const struct cst_audit_options *opt, struct cst_audit_report *rep, char *err);

/* The same on packets in memory (both arrays of one link type). */
int cst_audit_packets(uint32_t linktype, const struct cst_packet *orig, size_t n_orig,
                      const struct cst_packet *out, size_t n_out,
                      const struct cst_audit_options *opt, struct cst_audit_report *rep, char *err);

/* True when every invariant holds and no required needed byte was lost
 * (losses of the wanted class CST_AC_TLS13_ENC_HANDSHAKE do not count). */
bool cst_audit_passed(const struct cst_audit_report *rep);

const char *cst_audit_class_name(enum cst_audit_class c);
/* True for a class whose losses fail the audit (all but the wanted ones). */
bool cst_audit_class_required(enum cst_audit_class c);
const char *cst_audit_invariant_name(enum cst_audit_invariant k);

#ifdef __cplusplus
}
#endif

#endif
