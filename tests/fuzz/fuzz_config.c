/*
 * fuzz_config — libFuzzer target for the INI loader, both dialects
 * (SPEC 2.2 offline, SPEC 3.1 live).  The input is a config file.  It is
 * loaded over the matching defaults; on success the result must pass the
 * range checks the key table promises and must build an engine and a
 * reinflater; on failure the message is one non-empty line and the caller's
 * config is untouched.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <constrictor/constrictor.h>

#include "reinflate/reinflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
        if (!cond)
                __builtin_trap();
}

static void check_msg(const char *err)
{
        size_t n = strnlen(err, CST_ERRBUF);
        require(n > 0 && n < CST_ERRBUF);
        require(memchr(err, '\n', n) == NULL);
}

/* What a loaded config may hold, whatever the file said. */
static void check_loaded(const struct cst_config *c, enum cst_config_dialect d)
{
        char err[CST_ERRBUF] = "";
        require(c->max_flows >= 1);
        require(c->app_data_keep_record_bytes >= 5);
        require(c->short_header_keep_packet_bytes >= 1);
        require(c->tls_policy <= CST_TLS_TRACK);
        require(memchr(c->interface, '\0', sizeof(c->interface)) != NULL);
        require(memchr(c->output, '\0', sizeof(c->output)) != NULL);
        require(strlen(c->interface) <= 15);
        if (d == CST_DIALECT_LIVE)
                require(cst_config_validate(c, err) == 0);

        cst_engine *eng = cst_engine_new(c, err);
        if (eng)
                cst_engine_free(eng);
        else
                check_msg(err);
        struct reinflater r;
        if (reinflate_init(&r, c, err) == CST_OK)
                reinflate_free(&r);
        else
                check_msg(err);
}

static void load_one(const char *path, enum cst_config_dialect d)
{
        struct cst_config cfg, before;
        char err[CST_ERRBUF] = "";
        if (d == CST_DIALECT_LIVE)
                cst_config_live_defaults(&cfg);
        else
                cst_config_defaults(&cfg);
        memcpy(&before, &cfg, sizeof(cfg));
        int rc = cst_config_load(&cfg, path, d, err);
        require(rc == CST_OK || rc == CST_EFATAL || rc == CST_ENOMEM);
        if (rc != CST_OK) {
                check_msg(err);
                require(memcmp(&cfg, &before, sizeof(cfg)) == 0);
                return;
        }
        check_loaded(&cfg, d);
        /* --policy after the file, as the CLI does. */
        cst_config_set_policy(&cfg, CST_TLS_TRACK);
        check_loaded(&cfg, d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 65536)
                return 0;
        int fd = memfd_create("fuzz-config", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (size == 0 || write(fd, data, size) == (ssize_t)size) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
                load_one(path, CST_DIALECT_OFFLINE);
                load_one(path, CST_DIALECT_LIVE);
        }
        close(fd);
        return 0;
}
