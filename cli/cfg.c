/* Configuration access by name for the program (see cfg.h). */
#include <stdio.h>
#include <stdlib.h>
#include "cfg.h"

static void bug(int rc, const char *err)
{
        if (rc == CST_OK)
                return;
        fprintf(stderr, "%s: internal error: %s\n", CST_PROGRAM_NAME, err);
        abort();
}

uint64_t cfg_uint(const struct cst_config *c, const char *name)
{
        char err[CST_ERRBUF];
        uint64_t v = 0;
        bug(cst_config_get_uint(c, name, &v, err), err);
        return v;
}

bool cfg_bool(const struct cst_config *c, const char *name)
{
        char err[CST_ERRBUF];
        bool v = false;
        bug(cst_config_get_bool(c, name, &v, err), err);
        return v;
}

const char *cfg_text(const struct cst_config *c, const char *name, char *buf, size_t size)
{
        char err[CST_ERRBUF];
        bug(cst_config_get_string(c, name, buf, size, err), err);
        return buf;
}

void cfg_put(struct cst_config *c, const char *name, const char *value)
{
        char err[CST_ERRBUF];
        bug(cst_config_set(c, name, value, err), err);
}

void cfg_put_uint(struct cst_config *c, const char *name, uint64_t value)
{
        char err[CST_ERRBUF];
        bug(cst_config_set_uint(c, name, value, err), err);
}

void cfg_put_bool(struct cst_config *c, const char *name, bool value)
{
        char err[CST_ERRBUF];
        bug(cst_config_set_bool(c, name, value, err), err);
}

struct cst_config *cfg_new(bool live)
{
        struct cst_config *c = live ? cst_config_new_live() : cst_config_new();
        if (!c) {
                fprintf(stderr, "%s: error: out of memory\n", CST_PROGRAM_NAME);
                exit(1);
        }
        return c;
}
