/*
 * The program reads its configuration through the library's by-name API
 * only (struct cst_config is opaque).  These wrappers are for names the
 * program itself spells: an unknown name or a wrong type is a bug in the
 * program, reported and aborted on.
 */
#ifndef CST_CLI_CFG_H
#define CST_CLI_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <constrictor/constrictor.h>

uint64_t cfg_uint(const struct cst_config *c, const char *name);
bool cfg_bool(const struct cst_config *c, const char *name);
/* The value as INI text in buf (returned). */
const char *cfg_text(const struct cst_config *c, const char *name, char *buf, size_t size);
void cfg_put(struct cst_config *c, const char *name, const char *value);
void cfg_put_uint(struct cst_config *c, const char *name, uint64_t value);
void cfg_put_bool(struct cst_config *c, const char *name, bool value);
/* cst_config_new()/_new_live() or exit with "out of memory". */
struct cst_config *cfg_new(bool live);

#endif
