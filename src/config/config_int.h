/*
 * Private interface of the configuration code: the key table and the value
 * parsers and formatters it points to.  One table row per INI key; the
 * loader (config.c) handles the line syntax and hands each value to the
 * row's parser, the by-name API (config_api.c) looks rows up by
 * "section.key".
 */
#ifndef CST_CONFIG_INT_H
#define CST_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <constrictor/constrictor.h>
#include "config/config_def.h"

struct cfg_key;

/* Parse `val` into the field of `cfg` the row names; 0 on success, -1 if invalid. */
typedef int (*cfg_parse_fn)(const struct cfg_key *k, const char *val, struct cst_config *cfg);
/* Write the INI text of the row's value; the length it needs (as snprintf). */
typedef size_t (*cfg_format_fn)(const struct cfg_key *k, const struct cst_config *cfg, char *buf,
                                size_t size);

struct cfg_key {
        const char *section;
        const char *key;
        const char *name; /* "section.key" */
        enum cst_config_type type;
        cfg_parse_fn parse;
        cfg_format_fn format;
        size_t offset;        /* of the field in struct cst_config */
        uint8_t width;        /* CST_CONFIG_UINT: 4 or 8 bytes */
        uint64_t min;         /* integers: smallest accepted value */
        uint64_t max;         /* integers: largest accepted value; strings: buffer size */
        const char *msg;      /* exact error text (after "config line N: ") */
        const char *live_msg; /* text in the live dialect's messages, NULL = msg */
};

/* Known sections, NULL-terminated. */
extern const char *const cfg_sections[];
/* The key table and its length. */
extern const struct cfg_key cfg_keys[];
extern const size_t cfg_key_count;

/* Row of `key` in `section` (both case-insensitive), or NULL. */
const struct cfg_key *cfg_find(const char *section, const char *key);

/* Integer syntax (SPEC 2.2: decimal, or hex when longer than 2 with 0x); 0 on success. */
int cfg_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* true/false, yes/no, on/off, 1/0 in any case. */
int cfg_parse_bool(const char *s, bool *out);
/* Comma list of ports 0..65535 (an empty item is an error), or "any". */
int cfg_parse_port_list(const char *s, struct cst_port_set *set);

/* Parsers and formatters referenced from the table. */
int cfg_set_uint(const struct cfg_key *k, const char *v, struct cst_config *c);
int cfg_set_bool(const struct cfg_key *k, const char *v, struct cst_config *c);
int cfg_set_ports(const struct cfg_key *k, const char *v, struct cst_config *c);
int cfg_set_string(const struct cfg_key *k, const char *v, struct cst_config *c);
size_t cfg_fmt_uint(const struct cfg_key *k, const struct cst_config *c, char *buf, size_t size);
size_t cfg_fmt_bool(const struct cfg_key *k, const struct cst_config *c, char *buf, size_t size);
size_t cfg_fmt_ports(const struct cfg_key *k, const struct cst_config *c, char *buf, size_t size);
size_t cfg_fmt_string(const struct cfg_key *k, const struct cst_config *c, char *buf, size_t size);

/* The integer in a CST_CONFIG_UINT row. */
uint64_t cfg_uint_value(const struct cfg_key *k, const struct cst_config *c);

#endif
