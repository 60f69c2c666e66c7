/*
 * The golden table tests/golden/TESTLIST (format described at its top), read
 * by the in-process golden tests so the program and the library are held to
 * the same cases.  Test helper: parses with fixed buffers and CHECKs every
 * malformed line, so a table error fails the test that reads it.  Uses
 * open_memstream (the build defines _GNU_SOURCE).
 */
#ifndef CST_TEST_TESTLIST_H
#define CST_TEST_TESTLIST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constrictor/constrictor.h>

#include "check.h"

#ifndef CST_SOURCE_DIR
#error "CST_SOURCE_DIR must name the source tree (tests/CMakeLists.txt defines it)"
#endif

struct tl_case {
        int line;
        char name[64], cmd[16], input[256], config[256], options[256], output[256];
        int exit_code;
        char kept[2048];  /* "#N=CAPLEN[:REASON] ..." or "-" */
        char stats[4096]; /* "label: value;..." or "-" */
};

struct testlist {
        FILE *f;
        int line;
        char fixtures[4096];
};

/* Opens the table ($CST_TESTLIST, else the source tree's); 77 (skip) when
 * there are no fixtures, 1 when the table cannot be opened, else 0. */
static inline int tl_open(struct testlist *tl)
{
        const char *fix = getenv("CST_FIXTURES");
        if (!fix || !*fix) {
                printf("SKIP: golden fixtures not found (CST_FIXTURES)\n");
                return 77;
        }
        snprintf(tl->fixtures, sizeof(tl->fixtures), "%s", fix);
        const char *path = getenv("CST_TESTLIST");
        if (!path)
                path = CST_SOURCE_DIR "/tests/golden/TESTLIST";
        tl->f = fopen(path, "r");
        tl->line = 0;
        if (!tl->f) {
                fprintf(stderr, "%s: cannot open the golden table\n", path);
                return 1;
        }
        return 0;
}

static inline char *tl_trim(char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        size_t n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

static inline bool tl_copy(char *dst, size_t cap, const char *src, int line, const char *what)
{
        if (strlen(src) >= cap) {
                fprintf(stderr, "TESTLIST line %d: %s longer than %zu bytes\n", line, what,
                        cap - 1);
                return false;
        }
        memcpy(dst, src, strlen(src) + 1);
        return true;
}

/* Next case of command cmd ("constrict" or "reinflate"); false at the end. */
static inline bool tl_next(struct testlist *tl, const char *cmd, struct tl_case *c)
{
        static char buf[16384];
        while (fgets(buf, sizeof(buf), tl->f)) {
                tl->line++;
                char *s = tl_trim(buf);
                if (*s == '#' || *s == '\0')
                        continue;
                char *field[9];
                int n = 0;
                for (char *tok = s; tok && n < 9; n++) {
                        char *bar = strchr(tok, '|');
                        if (bar)
                                *bar = '\0';
                        field[n] = tl_trim(tok);
                        tok = bar ? bar + 1 : NULL;
                        if (n == 8 && tok) {
                                n = 10; /* too many fields */
                                break;
                        }
                }
                if (n != 9) {
                        fprintf(stderr, "TESTLIST line %d: not 9 fields\n", tl->line);
                        CHECK(n == 9);
                        continue;
                }
                if (strcmp(field[1], "constrict") != 0 && strcmp(field[1], "reinflate") != 0) {
                        fprintf(stderr, "TESTLIST line %d: unknown command %s\n", tl->line,
                                field[1]);
                        CHECK(false);
                        continue;
                }
                if (strcmp(field[1], cmd) != 0)
                        continue;
                memset(c, 0, sizeof(*c));
                c->line = tl->line;
                char *end;
                c->exit_code = (int)strtol(field[6], &end, 10);
                bool ok = *field[6] && !*end;
                ok = ok && tl_copy(c->name, sizeof(c->name), field[0], tl->line, "name");
                ok = ok && tl_copy(c->cmd, sizeof(c->cmd), field[1], tl->line, "command");
                ok = ok && tl_copy(c->input, sizeof(c->input), field[2], tl->line, "input");
                ok = ok && tl_copy(c->config, sizeof(c->config), field[3], tl->line, "config");
                ok = ok && tl_copy(c->options, sizeof(c->options), field[4], tl->line, "options");
                ok = ok && tl_copy(c->output, sizeof(c->output), field[5], tl->line, "output");
                ok = ok && tl_copy(c->kept, sizeof(c->kept), field[7], tl->line, "kept");
                ok = ok && tl_copy(c->stats, sizeof(c->stats), field[8], tl->line, "stats");
                if (!ok) {
                        fprintf(stderr, "TESTLIST line %d: malformed case\n", tl->line);
                        CHECK(ok);
                        continue;
                }
                return true;
        }
        fclose(tl->f);
        tl->f = NULL;
        return false;
}

/* fn on every case of command cmd; checks that there was one. */
static inline void tl_each(struct testlist *tl, const char *cmd,
                           void (*fn)(const struct testlist *, const struct tl_case *))
{
        struct tl_case c;
        int cases = 0;
        while (tl_next(tl, cmd, &c)) {
                fn(tl, &c);
                cases++;
        }
        CHECK(cases > 0);
}

/* dst = fixtures/rel; false when rel is "-" (or the path does not fit). */
static inline bool tl_path(const struct testlist *tl, const char *rel, char *dst, size_t cap)
{
        if (strcmp(rel, "-") == 0)
                return false;
        int n = snprintf(dst, cap, "%s/%s", tl->fixtures, rel);
        CHECK(n > 0 && (size_t)n < cap);
        return n > 0 && (size_t)n < cap;
}

/* cfg: the defaults, then the case's configuration file when it names one. */
static inline void tl_config(const struct testlist *tl, const struct tl_case *c,
                             struct cst_config *cfg)
{
        char path[4096], err[CST_ERRBUF] = "";
        cst_config_defaults(cfg);
        if (tl_path(tl, c->config, path, sizeof(path))) {
                int rc = cst_config_load(cfg, path, CST_DIALECT_OFFLINE, err);
                if (rc != 0)
                        fprintf(stderr, "%s: %s: %s\n", c->name, path, err);
                CHECK(rc == 0);
        }
}

/*
 * Every "label: value" of c->stats must be a line of the stats text that
 * cst_stats_print_text prints for st, except the labels skip() accepts
 * (counters the in-process run cannot know; the caller says which and why).
 */
static inline void tl_check_stats(const struct tl_case *c, const struct cst_stats *st,
                                  bool checksum_recompute, bool (*skip)(const char *label))
{
        if (strcmp(c->stats, "-") == 0)
                return;
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        CHECK(m != NULL);
        if (!m)
                return;
        cst_stats_print_text(m, st, checksum_recompute);
        fclose(m);
        char want[sizeof(c->stats)];
        memcpy(want, c->stats, sizeof(want));
        for (char *save = NULL, *w = strtok_r(want, ";", &save); w;
             w = strtok_r(NULL, ";", &save)) {
                w = tl_trim(w);
                const char *colon = strstr(w, ": ");
                if (!colon) {
                        fprintf(stderr, "%s: stats item without \": \": %s\n", c->name, w);
                        CHECK(colon != NULL);
                        continue;
                }
                char label[256];
                snprintf(label, sizeof(label), "%.*s", (int)(colon - w), w);
                if (skip && skip(label))
                        continue;
                /* the whole line, from a line start */
                char got[512] = "(no such line)";
                size_t ll = strlen(label);
                for (const char *p = text; p && *p;) {
                        const char *nl = strchr(p, '\n');
                        size_t n = nl ? (size_t)(nl - p) : strlen(p);
                        if (n > ll + 1 && strncmp(p, label, ll) == 0 && p[ll] == ':' &&
                            p[ll + 1] == ' ') {
                                snprintf(got, sizeof(got), "%.*s", (int)n, p);
                                break;
                        }
                        p = nl ? nl + 1 : NULL;
                }
                if (strcmp(got, w) != 0)
                        fprintf(stderr, "%s (TESTLIST line %d): ", c->name, c->line);
                CHECK_STR(got, w);
        }
        free(text);
}

/* One "#N=CAPLEN[:REASON]" item of c->kept; returns false at the end. */
struct tl_kept {
        int n;            /* 1-based packet number */
        unsigned caplen;  /* captured length written */
        char reason[128]; /* "" when not given */
};

static inline bool tl_next_kept(const struct tl_case *c, const char **pos, struct tl_kept *k)
{
        const char *p = *pos ? *pos : c->kept;
        if (strcmp(c->kept, "-") == 0)
                return false;
        while (*p == ' ')
                p++;
        if (!*p)
                return false;
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[256];
        snprintf(item, sizeof(item), "%.*s", (int)len, p);
        *pos = p + len;
        memset(k, 0, sizeof(*k));
        int used = 0;
        if (sscanf(item, "#%d=%u%n", &k->n, &k->caplen, &used) != 2 || k->n < 1 ||
            (item[used] && item[used] != ':')) {
                fprintf(stderr, "%s: malformed kept item %s\n", c->name, item);
                CHECK(false);
                k->n = 0;
                return true;
        }
        if (item[used] == ':')
                snprintf(k->reason, sizeof(k->reason), "%s", item + used + 1);
        return true;
}

/* Labels of counters only a file reader knows (the in-process tests read
 * through libpcap or a walker of their own, which report no such counters). */
static inline bool tl_reader_counter(const char *label)
{
        return strncmp(label, "input ", 6) == 0 || strncmp(label, "pcapng ", 7) == 0;
}

#endif
