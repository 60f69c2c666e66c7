/*
 * Configuration: every tunable of the policy, reinflate, live capture and
 * stats, with the defaults of the offline tool (SPEC 2.2) or of the live
 * recorder (SPEC 3.1).
 *
 * struct cst_config is opaque: programs create one with cst_config_new()
 * (or cst_config_new_live()), change it by INI name ("tls.ports",
 * "capture.default_snaplen", ...) and read it back with the typed getters,
 * so a new key never changes the ABI.  One INI grammar serves every
 * command (docs/compatibility.md, "Configuration files").
 */
#ifndef CONSTRICTOR_CONFIG_H
#define CONSTRICTOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cst_tls_policy {
        CST_TLS_FINAL_ONLY = 0,
        CST_TLS_STREAM = 1,
        CST_TLS_BULK = 2,
        CST_TLS_TRACK = 3,
};

enum cst_backend {
        CST_BACKEND_TPACKET_V3 = 0,
        CST_BACKEND_RECVMSG = 1,
        CST_BACKEND_PCAP = 2, /* libpcap (issue 19 item 3) */
        /* TC clsact eBPF program + BPF ring buffer (issue 19 item 4); 3: 2 is libpcap's */
        CST_BACKEND_EBPF = 3,
};

/*
 * Which command loads the file.  Both read the same grammar and the same
 * keys; the dialect chooses only how errors are worded ("config line N:
 * <msg>" for the offline tool, "<path>:<N>: <msg>" for the live recorder)
 * and whether the cross-key [capture] checks run after the file
 * (CST_DIALECT_LIVE).
 */
enum cst_config_dialect {
        CST_DIALECT_OFFLINE = 0,
        CST_DIALECT_LIVE = 1,
};

/* Value type of a key (cst_config_key_type). */
enum cst_config_type {
        CST_CONFIG_BOOL = 1,   /* true/false; cst_config_get_bool */
        CST_CONFIG_UINT = 2,   /* integer; cst_config_get_uint */
        CST_CONFIG_STRING = 3, /* text; cst_config_get_string */
        CST_CONFIG_ENUM = 4,   /* one of a few names (policy, backend, checksum policy) */
        CST_CONFIG_PORTS = 5,  /* comma list of ports; cst_config_port_in */
        CST_CONFIG_BYTE = 6,   /* reinflate.fill_byte: 0..255 or "random" */
};

struct cst_config; /* opaque */

/* A configuration with the offline tool's defaults (SPEC 2.2); NULL when out of memory. */
struct cst_config *cst_config_new(void);
/* A configuration with the live recorder's defaults (SPEC 3.1). */
struct cst_config *cst_config_new_live(void);
/* An independent copy (NULL when out of memory). */
struct cst_config *cst_config_copy(const struct cst_config *cfg);
/* NULL is fine. */
void cst_config_free(struct cst_config *cfg);

/* Reset every key to the offline (SPEC 2.2) or live (SPEC 3.1) defaults. */
void cst_config_defaults(struct cst_config *cfg);
void cst_config_live_defaults(struct cst_config *cfg);

/*
 * Load an INI file over the values already in cfg (only the keys the file
 * names change; on error cfg is unchanged).  Returns CST_OK, or CST_EFATAL
 * with e.g. "config line 3: unknown config key: tls.foo" in err.
 */
int cst_config_load(struct cst_config *cfg, const char *path, enum cst_config_dialect dialect,
                    char *err);

/*
 * Set one key by its INI name, "section.key" (case-insensitive), from its
 * INI text ("8", "0x10", "true", "443, 8443", "track").  Returns CST_OK,
 * CST_EKEY ("unknown config key: tls.foo") or CST_EVALUE with the key's
 * message ("invalid value for tls.app_data_keep_record_bytes; expected
 * integer >= 5") in err.  err may be NULL.
 */
int cst_config_set(struct cst_config *cfg, const char *name, const char *value, char *err);
/* The same for integer and boolean keys, without the text step. */
int cst_config_set_uint(struct cst_config *cfg, const char *name, uint64_t value, char *err);
int cst_config_set_bool(struct cst_config *cfg, const char *name, bool value, char *err);

/*
 * Typed getters.  CST_EKEY for an unknown name, CST_ETYPE when the key has
 * another type (message names the key and its type).  get_uint reads UINT
 * and BYTE keys (fill_byte "random" is CST_ETYPE); get_string reads every
 * key as the INI text that sets it back ("443,8443", "final_only", "true").
 * get_string returns CST_EVALUE when the text does not fit in size bytes.
 */
int cst_config_get_uint(const struct cst_config *cfg, const char *name, uint64_t *out, char *err);
int cst_config_get_bool(const struct cst_config *cfg, const char *name, bool *out, char *err);
int cst_config_get_string(const struct cst_config *cfg, const char *name, char *buf, size_t size,
                          char *err);
/* 1 if `port` is in the PORTS key `name` (every port when no list is set), else 0. */
int cst_config_port_in(const struct cst_config *cfg, const char *name, uint16_t port);

/* The keys, in the order of docs: index 0 .. count-1; NULL past the end. */
size_t cst_config_key_count(void);
const char *cst_config_key_name(size_t index);
/* Type of a key, or 0 for an unknown name. */
enum cst_config_type cst_config_key_type(const char *name);

/* "final_only", "stream", "bulk", "track" (and "unknown" for other values). */
const char *cst_tls_policy_name(enum cst_tls_policy p);
/* Exact, case-sensitive names above; 0 on success, -1 otherwise. */
int cst_tls_policy_parse(const char *s, enum cst_tls_policy *out);
/* Current TLS continuation policy ("tls.app_data_continuation_policy"). */
enum cst_tls_policy cst_config_policy(const struct cst_config *cfg);
/*
 * Select the TLS continuation policy (e.g. from --policy) with the defaults it
 * implies: under `track` keep_encrypted_handshake is on unless a config file
 * (or cst_config_set) set it explicitly.
 */
void cst_config_set_policy(struct cst_config *cfg, enum cst_tls_policy p);
/*
 * Cross-key checks of the [capture] values (ring_block_size a multiple of
 * ring_frame_size, ...).  Run by the live-dialect loader (reported as line 0);
 * callers building a config by hand may run it too.  Writes the bare message.
 */
int cst_config_validate(const struct cst_config *cfg, char *err);

#ifdef __cplusplus
}
#endif

#endif
