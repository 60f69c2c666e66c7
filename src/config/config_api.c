/*
 * The by-name configuration API: programs never see struct cst_config, they
 * create one, set keys by their INI name and read them back with typed
 * getters.  Names are "section.key", case-insensitive as in the files;
 * values use the file grammar (config_values.c) and fail with the file's
 * messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/config_int.h"

static const char *const type_names[] = {
    [CST_CONFIG_BOOL] = "a boolean",    [CST_CONFIG_UINT] = "an integer",
    [CST_CONFIG_STRING] = "a string",   [CST_CONFIG_ENUM] = "a name",
    [CST_CONFIG_PORTS] = "a port list", [CST_CONFIG_BYTE] = "a byte value or random",
};

static void say(char *err, const char *fmt, const char *a, const char *b)
{
        if (err)
                snprintf(err, CST_ERRBUF, fmt, a, b);
}

/* Row of "section.key", or NULL with CST_EKEY's message in err. */
static const struct cfg_key *lookup(const char *name, char *err)
{
        const char *dot = name ? strchr(name, '.') : NULL;
        char section[32];

        if (dot && (size_t)(dot - name) < sizeof(section)) {
                memcpy(section, name, (size_t)(dot - name));
                section[dot - name] = '\0';
                const struct cfg_key *k = cfg_find(section, dot + 1);
                if (k)
                        return k;
        }
        say(err, "unknown config key: %.400s%s", name ? name : "(null)", "");
        return NULL;
}

static int wrong_type(const struct cfg_key *k, const char *want, char *err)
{
        if (err)
                snprintf(err, CST_ERRBUF, "config key %s holds %s, not %s", k->name,
                         type_names[k->type], want);
        return CST_ETYPE;
}

struct cst_config *cst_config_new(void)
{
        struct cst_config *c = malloc(sizeof(*c));
        if (c)
                cst_config_defaults(c);
        return c;
}

struct cst_config *cst_config_new_live(void)
{
        struct cst_config *c = malloc(sizeof(*c));
        if (c)
                cst_config_live_defaults(c);
        return c;
}

struct cst_config *cst_config_copy(const struct cst_config *cfg)
{
        struct cst_config *c = malloc(sizeof(*c));
        if (c)
                *c = *cfg;
        return c;
}

void cst_config_free(struct cst_config *cfg)
{
        free(cfg);
}

int cst_config_set(struct cst_config *cfg, const char *name, const char *value, char *err)
{
        const struct cfg_key *k = lookup(name, err);

        if (!k)
                return CST_EKEY;
        if (!value || (value[0] == '\0' && k->type != CST_CONFIG_STRING) ||
            k->parse(k, value, cfg) != 0) {
                say(err, "%s%s", k->msg, "");
                return CST_EVALUE;
        }
        return CST_OK;
}

int cst_config_set_uint(struct cst_config *cfg, const char *name, uint64_t value, char *err)
{
        const struct cfg_key *k = lookup(name, err);
        char text[32];

        if (!k)
                return CST_EKEY;
        if (k->type != CST_CONFIG_UINT && k->type != CST_CONFIG_BYTE)
                return wrong_type(k, type_names[CST_CONFIG_UINT], err);
        snprintf(text, sizeof(text), "%llu", (unsigned long long)value);
        return cst_config_set(cfg, name, text, err);
}

int cst_config_set_bool(struct cst_config *cfg, const char *name, bool value, char *err)
{
        const struct cfg_key *k = lookup(name, err);

        if (!k)
                return CST_EKEY;
        if (k->type != CST_CONFIG_BOOL)
                return wrong_type(k, type_names[CST_CONFIG_BOOL], err);
        return cst_config_set(cfg, name, value ? "true" : "false", err);
}

int cst_config_get_uint(const struct cst_config *cfg, const char *name, uint64_t *out, char *err)
{
        const struct cfg_key *k = lookup(name, err);

        if (!k)
                return CST_EKEY;
        if (k->type == CST_CONFIG_UINT) {
                *out = cfg_uint_value(k, cfg);
                return CST_OK;
        }
        if (k->type == CST_CONFIG_BYTE && !cfg->fill_random) {
                *out = cfg->fill_byte;
                return CST_OK;
        }
        return wrong_type(k, type_names[CST_CONFIG_UINT], err);
}

int cst_config_get_bool(const struct cst_config *cfg, const char *name, bool *out, char *err)
{
        const struct cfg_key *k = lookup(name, err);

        if (!k)
                return CST_EKEY;
        if (k->type != CST_CONFIG_BOOL)
                return wrong_type(k, type_names[CST_CONFIG_BOOL], err);
        *out = *(const bool *)(const void *)((const char *)cfg + k->offset);
        return CST_OK;
}

int cst_config_get_string(const struct cst_config *cfg, const char *name, char *buf, size_t size,
                          char *err)
{
        const struct cfg_key *k = lookup(name, err);

        if (!k)
                return CST_EKEY;
        if (k->format(k, cfg, buf, size) >= size) {
                if (err)
                        snprintf(err, CST_ERRBUF,
                                 "value of config key %s does not fit in %zu bytes", k->name, size);
                return CST_EVALUE;
        }
        return CST_OK;
}

int cst_config_port_in(const struct cst_config *cfg, const char *name, uint16_t port)
{
        const struct cfg_key *k = lookup(name, NULL);

        if (!k || k->type != CST_CONFIG_PORTS)
                return 0;
        return cst_port_in(
            (const struct cst_port_set *)(const void *)((const char *)cfg + k->offset), port);
}

size_t cst_config_key_count(void)
{
        return cfg_key_count;
}

const char *cst_config_key_name(size_t index)
{
        return index < cfg_key_count ? cfg_keys[index].name : NULL;
}

enum cst_config_type cst_config_key_type(const char *name)
{
        const struct cfg_key *k = lookup(name, NULL);
        return k ? k->type : (enum cst_config_type)0;
}

enum cst_tls_policy cst_config_policy(const struct cst_config *cfg)
{
        return cfg->tls_policy;
}
