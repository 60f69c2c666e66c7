/*
 * The configuration key table: every INI key constrictor understands, with
 * its section, value parser, target field, accepted range and the exact
 * error message.  The keys and messages of [general], [tls], [quic] and
 * [reinflate] are those of the offline tool (SPEC 2.2); [capture] and
 * [stats] are the live recorder's (SPEC 3.1); ports/enabled/max_flows/
 * flow_idle_timeout_sec/keep_encrypted_handshake/learn_all_long_headers/
 * require_initial_proof/seed are constrictor's own.  A new key is one row here.
 */
#include <stddef.h>
#include <string.h>
#include "config_int.h"

#define FIELD(name)           offsetof(struct cst_config, name)
#define FIELD_PTR(c, k, type) ((type *)(void *)((char *)(c) + (k)->offset))
#define U32_MAX               4294967295u
#define U64_MAX               18446744073709551615u

const char *const cfg_sections[] = {"general", "tls",   "quic", "reinflate",
                                    "capture", "stats", NULL};

int cfg_set_u32(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                struct cst_config *c)
{
        uint64_t n;
        if (cfg_parse_uint(v, d, U32_MAX, &n) != 0 || n < k->min || n > k->max)
                return -1;
        *FIELD_PTR(c, k, uint32_t) = (uint32_t)n;
        return 0;
}

int cfg_set_u64(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                struct cst_config *c)
{
        uint64_t n;
        if (cfg_parse_uint(v, d, U64_MAX, &n) != 0 || n < k->min || n > k->max)
                return -1;
        *FIELD_PTR(c, k, uint64_t) = n;
        return 0;
}

int cfg_set_bool(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                 struct cst_config *c)
{
        return cfg_parse_bool(v, d, FIELD_PTR(c, k, bool));
}

int cfg_set_ports(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                  struct cst_config *c)
{
        return cfg_parse_port_list(v, d, FIELD_PTR(c, k, struct cst_port_set));
}

/* Strings: k->max is the size of the destination buffer. */
int cfg_set_string(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                   struct cst_config *c)
{
        (void)d;
        if (strlen(v) >= k->max)
                return -1;
        strcpy(FIELD_PTR(c, k, char), v);
        return 0;
}

static int set_policy(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                      struct cst_config *c)
{
        enum cst_tls_policy p;
        (void)k;
        (void)d;
        if (cst_tls_policy_parse(v, &p) != 0)
                return -1;
        c->tls_policy = p;
        return 0;
}

/* Remember that the file chose it, so the policy does not override the choice. */
static int set_require_initial_proof(const struct cfg_key *k, const char *v,
                                     enum cst_config_dialect d, struct cst_config *c)
{
        if (cfg_set_bool(k, v, d, c) != 0)
                return -1;
        c->quic_require_initial_proof_set = true;
        return 0;
}

/* Remember that the file chose it, so `track` does not override the choice. */
static int set_keep_encrypted_handshake(const struct cfg_key *k, const char *v,
                                        enum cst_config_dialect d, struct cst_config *c)
{
        if (cfg_set_bool(k, v, d, c) != 0)
                return -1;
        c->keep_encrypted_handshake_set = true;
        return 0;
}

static int set_fill_byte(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                         struct cst_config *c)
{
        uint64_t n;
        (void)k;
        if (strcmp(v, "random") == 0) {
                c->fill_random = true;
                return 0;
        }
        if (cfg_parse_uint(v, d, U32_MAX, &n) != 0 || n > 255)
                return -1;
        c->fill_random = false;
        c->fill_byte = (uint8_t)n;
        return 0;
}

static int set_seed(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                    struct cst_config *c)
{
        if (cfg_set_u64(k, v, d, c) != 0)
                return -1;
        c->seed_set = true;
        return 0;
}

static int set_checksum_policy(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                               struct cst_config *c)
{
        (void)k;
        (void)d;
        if (strcmp(v, "preserve") == 0 || strcmp(v, "recompute") == 0) {
                c->checksum_recompute = v[0] == 'r';
                return 0;
        }
        return -1;
}

static int set_backend(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                       struct cst_config *c)
{
        (void)k;
        (void)d;
        if (strcmp(v, "recvmsg") == 0)
                c->backend = CST_BACKEND_RECVMSG;
        else if (strcmp(v, "tpacket_v3") == 0)
                c->backend = CST_BACKEND_TPACKET_V3;
        else
                return -1;
        return 0;
}

#define BOOL_MSG(s, k)   "invalid value for " s "." k "; expected true or false"
#define PORTS_MSG(s)     "invalid value for " s ".ports; expected comma-separated ports 0..65535"
#define MIN_MSG(s, k, m) "invalid value for " s "." k "; expected integer >= " m

const struct cfg_key cfg_keys[] = {
    {"general", "min_saved_bytes_per_packet", cfg_set_u32, FIELD(min_saved_bytes_per_packet), 0,
     U32_MAX, "invalid value for general.min_saved_bytes_per_packet", NULL},
    {"general", "max_flows", cfg_set_u32, FIELD(max_flows), 1, U32_MAX,
     MIN_MSG("general", "max_flows", "1"), NULL},
    {"general", "flow_idle_timeout_sec", cfg_set_u32, FIELD(flow_idle_timeout_sec), 0, U32_MAX,
     MIN_MSG("general", "flow_idle_timeout_sec", "0"), NULL},

    {"tls", "enabled", cfg_set_bool, FIELD(tls_enabled), 0, 0, BOOL_MSG("tls", "enabled"), NULL},
    {"tls", "ports", cfg_set_ports, FIELD(tls_ports), 0, 0, PORTS_MSG("tls"), NULL},
    {"tls", "app_data_keep_record_bytes", cfg_set_u32, FIELD(app_data_keep_record_bytes), 5,
     U32_MAX, MIN_MSG("tls", "app_data_keep_record_bytes", "5"), NULL},
    {"tls", "app_data_continuation_keep_bytes", cfg_set_u32,
     FIELD(app_data_continuation_keep_bytes), 0, U32_MAX,
     MIN_MSG("tls", "app_data_continuation_keep_bytes", "0"), NULL},
    {"tls", "app_data_continuation_policy", set_policy, FIELD(tls_policy), 0, 0,
     "invalid value for tls.app_data_continuation_policy; expected final_only, stream, or bulk",
     NULL},
    {"tls", "keep_encrypted_handshake", set_keep_encrypted_handshake,
     FIELD(keep_encrypted_handshake), 0, 0, BOOL_MSG("tls", "keep_encrypted_handshake"), NULL},

    {"quic", "enabled", cfg_set_bool, FIELD(quic_enabled), 0, 0, BOOL_MSG("quic", "enabled"), NULL},
    {"quic", "ports", cfg_set_ports, FIELD(quic_ports), 0, 0, PORTS_MSG("quic"), NULL},
    {"quic", "short_header_keep_packet_bytes", cfg_set_u32, FIELD(short_header_keep_packet_bytes),
     1, U32_MAX, MIN_MSG("quic", "short_header_keep_packet_bytes", "1"), NULL},
    {"quic", "require_dcid_match", cfg_set_bool, FIELD(require_dcid_match), 0, 0,
     BOOL_MSG("quic", "require_dcid_match"), NULL},
    {"quic", "allow_short_header_without_known_dcid", cfg_set_bool,
     FIELD(allow_short_header_without_known_dcid), 0, 0,
     BOOL_MSG("quic", "allow_short_header_without_known_dcid"), NULL},
    {"quic", "learn_all_long_headers", cfg_set_bool, FIELD(learn_all_long_headers), 0, 0,
     BOOL_MSG("quic", "learn_all_long_headers"), NULL},
    {"quic", "require_initial_proof", set_require_initial_proof, FIELD(quic_require_initial_proof),
     0, 0, BOOL_MSG("quic", "require_initial_proof"), NULL},

    {"reinflate", "fill_byte", set_fill_byte, FIELD(fill_byte), 0, 0,
     "invalid value for reinflate.fill_byte; expected byte value 0..255 or random", NULL},
    {"reinflate", "checksum_policy", set_checksum_policy, FIELD(checksum_recompute), 0, 0,
     "invalid value for reinflate.checksum_policy; expected preserve or recompute", NULL},
    {"reinflate", "seed", set_seed, FIELD(seed), 0, U64_MAX,
     "invalid value for reinflate.seed; expected integer 0..18446744073709551615", NULL},

    {"capture", "backend", set_backend, FIELD(backend), 0, 0,
     "invalid value for capture.backend; expected recvmsg or tpacket_v3",
     "unknown capture.backend value"},
    {"capture", "interface", cfg_set_string, FIELD(interface), 0, 16,
     "invalid value for capture.interface; expected an interface name of at most 15 characters",
     NULL},
    {"capture", "output", cfg_set_string, FIELD(output), 0,
     sizeof(((struct cst_config *)0)->output),
     "invalid value for capture.output; expected a path of at most 4095 characters", NULL},
    {"capture", "promiscuous", cfg_set_bool, FIELD(promiscuous), 0, 0,
     BOOL_MSG("capture", "promiscuous"), NULL},
    {"capture", "default_snaplen", cfg_set_u32, FIELD(default_snaplen), 1, U32_MAX,
     MIN_MSG("capture", "default_snaplen", "1"), NULL},
    {"capture", "max_capture_len", cfg_set_u32, FIELD(max_capture_len), 1, U32_MAX,
     MIN_MSG("capture", "max_capture_len", "1"), NULL},
    {"capture", "max_packets", cfg_set_u64, FIELD(max_packets), 0, U64_MAX,
     MIN_MSG("capture", "max_packets", "0"), NULL},
    {"capture", "duration_sec", cfg_set_u64, FIELD(duration_sec), 0, U64_MAX,
     MIN_MSG("capture", "duration_sec", "0"), NULL},
    {"capture", "ring_block_size", cfg_set_u32, FIELD(ring_block_size), 1, U32_MAX,
     MIN_MSG("capture", "ring_block_size", "1"), NULL},
    {"capture", "ring_block_count", cfg_set_u32, FIELD(ring_block_count), 1, U32_MAX,
     MIN_MSG("capture", "ring_block_count", "1"), NULL},
    {"capture", "ring_frame_size", cfg_set_u32, FIELD(ring_frame_size), 1, U32_MAX,
     MIN_MSG("capture", "ring_frame_size", "1"), NULL},
    {"capture", "block_timeout_ms", cfg_set_u32, FIELD(block_timeout_ms), 0, U32_MAX,
     MIN_MSG("capture", "block_timeout_ms", "0"), NULL},

    {"stats", "enabled", cfg_set_bool, FIELD(stats_enabled), 0, 0, BOOL_MSG("stats", "enabled"),
     NULL},
};

const size_t cfg_key_count = sizeof(cfg_keys) / sizeof(cfg_keys[0]);
