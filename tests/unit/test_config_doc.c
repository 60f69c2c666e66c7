/*
 * docs/constrictor.conf.5 documents every configuration key (issue 18 item
 * 8): each key of the library's table (cst_config_key_name) has its own
 * ".B key" entry under ".SS [section]", and the entry's "Default:" value is
 * the library's default as cst_config_get_string prints it; where the
 * AFPacket form (capture --config) differs, the page gives that default too
 * as "(capture \-\-config: \fBvalue\fR)".  A key added to
 * src/config/config_keys.c without its page entry fails here.
 */
#include <constrictor/constrictor.h>
#include <unistd.h>
#include "check.h"

#ifndef CST_SOURCE_DIR
#error "CST_SOURCE_DIR must name the source tree (tests/CMakeLists.txt defines it)"
#endif

static char page[1 << 18];

/* The man source with "\-" as "-". */
static int load_page(void)
{
        FILE *f = fopen(CST_SOURCE_DIR "/docs/constrictor.conf.5", "r");
        if (!f)
                return -1;
        size_t n = fread(page, 1, sizeof(page) - 1, f);
        fclose(f);
        page[n] = '\0';
        char *w = page;
        for (const char *r = page; *r; r++) {
                if (r[0] == '\\' && r[1] == '-')
                        continue;
                *w++ = *r;
        }
        *w = '\0';
        return 0;
}

/* The text after `label` up to "\fR" (a bold value), or NULL. */
static const char *bold_after(const char *from, const char *end, const char *label, char *out,
                              size_t cap)
{
        const char *p = strstr(from, label);
        if (!p || p > end)
                return NULL;
        p += strlen(label);
        if (strncmp(p, "empty", 5) == 0) {
                out[0] = '\0';
                return p;
        }
        if (strncmp(p, "\\fB", 3) != 0)
                return NULL;
        p += 3;
        const char *q = strstr(p, "\\fR");
        if (!q || (size_t)(q - p) >= cap)
                return NULL;
        memcpy(out, p, (size_t)(q - p));
        out[q - p] = '\0';
        return q;
}

static void check_key(const char *name, const struct cst_config *off, const struct cst_config *live)
{
        char section[64], want[4096], got[4096], sect_hdr[80], entry[160], err[CST_ERRBUF];
        const char *dot = strchr(name, '.');
        snprintf(section, sizeof(section), "%.*s", (int)(dot - name), name);
        snprintf(sect_hdr, sizeof(sect_hdr), "\n.SS [%s]\n", section);
        snprintf(entry, sizeof(entry), "\n.TP\n.B %s\n", dot + 1);
        const char *s = strstr(page, sect_hdr);
        if (!s) {
                fprintf(stderr, "constrictor.conf.5: no section [%s] (key %s)\n", section, name);
                CHECK(0);
                return;
        }
        const char *next = strstr(s + 1, "\n.SS ");
        if (!next)
                next = strstr(s + 1, "\n.SH ");
        if (!next)
                next = s + strlen(s);
        const char *e = strstr(s, entry);
        if (!e || e > next) {
                fprintf(stderr, "constrictor.conf.5: no entry \".B %s\" under [%s]\n", dot + 1,
                        section);
                CHECK(0);
                return;
        }
        const char *eend = strstr(e + 1, "\n.TP\n");
        if (!eend || eend > next)
                eend = next;
        check_count++;
        if (cst_config_get_string(off, name, want, sizeof(want), err) != CST_OK ||
            !bold_after(e, eend, "Default: ", got, sizeof(got)) || strcmp(got, want) != 0) {
                fprintf(stderr, "constrictor.conf.5: %s: want \"Default: \\fB%s\\fR\"\n", name,
                        want);
                check_failures++;
        }
        char lwant[4096], lgot[4096];
        if (cst_config_get_string(live, name, lwant, sizeof(lwant), err) != CST_OK)
                return;
        const char *lv = bold_after(e, eend, "(capture --config: ", lgot, sizeof(lgot));
        check_count++;
        if (strcmp(lwant, want) != 0 ? !lv || strcmp(lgot, lwant) != 0 : lv != NULL) {
                fprintf(stderr,
                        "constrictor.conf.5: %s: the AFPacket form's default is \"%s\" "
                        "(\"(capture \\-\\-config: \\fB%s\\fR)\" only when it differs)\n",
                        name, lwant, lwant);
                check_failures++;
        }
}

int main(void)
{
        if (load_page() != 0) {
                fprintf(stderr, "cannot read docs/constrictor.conf.5\n");
                return 1;
        }
        struct cst_config *off = cst_config_new(), *live = cst_config_new_live();
        size_t n = cst_config_key_count();
        CHECK(n > 30);
        for (size_t i = 0; i < n; i++)
                check_key(cst_config_key_name(i), off, live);
        /* the page's example configuration loads */
        const char *ex = strstr(page, "\n.SH EXAMPLE");
        const char *b = ex ? strstr(ex, "\n.EX\n") : NULL;
        const char *end = b ? strstr(b, "\n.EE\n") : NULL;
        CHECK(end != NULL);
        if (end) {
                char path[] = "/tmp/cst_conf5_XXXXXX", err[CST_ERRBUF] = "";
                int fd = mkstemp(path);
                FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
                CHECK(f != NULL);
                if (f) {
                        fwrite(b + 5, 1, (size_t)(end - (b + 5)) + 1, f);
                        fclose(f);
                        struct cst_config *c = cst_config_new_live();
                        int rc = cst_config_load(c, path, CST_DIALECT_LIVE, err);
                        if (rc != CST_OK)
                                fprintf(stderr, "EXAMPLE does not load: %s\n", err);
                        CHECK(rc == CST_OK);
                        uint64_t v = 0;
                        CHECK(cst_config_get_uint(c, "stats.interval_sec", &v, err) == CST_OK &&
                              v == 60);
                        cst_config_free(c);
                }
                unlink(path);
        }
        cst_config_free(off);
        cst_config_free(live);
        return check_summary("test_config_doc");
}
