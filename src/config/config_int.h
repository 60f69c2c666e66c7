/*
 * Private interface of the configuration loader: the key table and the value
 * parsers it points to.  One table row per INI key; the loader (config.c)
 * handles the line syntax of both dialects and hands each value to the
 * row's parser.
 */
#ifndef CST_CONFIG_INT_H
#define CST_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <constrictor/config.h>

struct cfg_key;

/* Parse `val` into the field of `cfg` the row names; 0 on success, -1 if invalid. */
typedef int (*cfg_parse_fn)(const struct cfg_key *k, const char *val,
                            enum cst_config_dialect dialect, struct cst_config *cfg);

struct cfg_key {
        const char *section;
        const char *key;
        cfg_parse_fn parse;
        size_t offset;        /* of the field in struct cst_config */
        uint64_t min;         /* integers: smallest accepted value */
        uint64_t max;         /* integers: largest accepted value */
        const char *msg;      /* exact error text (after "config line N: ") */
        const char *live_msg; /* text in the live dialect, NULL = msg */
};

/* Known sections, NULL-terminated. */
extern const char *const cfg_sections[];
/* The key table and its length. */
extern const struct cfg_key cfg_keys[];
extern const size_t cfg_key_count;

/* Integer syntax of each dialect (SPEC 2.2 / 3.1); 0 on success. */
int cfg_parse_uint(const char *s, enum cst_config_dialect dialect, uint64_t max, uint64_t *out);
/* true/false (offline: lowercase only; live: also 1/0, any case). */
int cfg_parse_bool(const char *s, enum cst_config_dialect dialect, bool *out);
/* Comma list of ports 0..65535; an empty item is an error. */
int cfg_parse_port_list(const char *s, enum cst_config_dialect dialect, struct cst_port_set *set);

/* Parsers referenced from the table. */
int cfg_set_u32(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                struct cst_config *c);
int cfg_set_u64(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                struct cst_config *c);
int cfg_set_bool(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                 struct cst_config *c);
int cfg_set_ports(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                  struct cst_config *c);
int cfg_set_string(const struct cfg_key *k, const char *v, enum cst_config_dialect d,
                   struct cst_config *c);

#endif
