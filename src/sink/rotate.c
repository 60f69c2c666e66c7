/*
 * rotate — tcpdump-compatible file rotation decisions and names (see
 * rotate.h; tcpdump(1) -C, -G, -W).  The period clock is the packets' own
 * wall-clock time, so no clock is read per packet.
 */
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "sink/rotate.h"

bool rot_enabled(const struct rot_policy *p)
{
        return p->size_limit || p->interval_sec;
}

/* Digits needed for the largest ring index N-1 (tcpdump: none for N <= 1). */
static unsigned ring_width(uint32_t n)
{
        unsigned w = 0;
        for (uint32_t x = n ? n - 1 : 0; x; x /= 10)
                w++;
        return w;
}

void rot_init(struct rot_state *r, const char *pattern, const struct rot_policy *p, int64_t now)
{
        memset(r, 0, sizeof(*r));
        r->pol = *p;
        r->pattern = pattern;
        r->width = p->size_limit ? ring_width(p->max_files) : 0;
        r->period_start = now;
}

enum rot_action rot_check(struct rot_state *r, uint64_t file_bytes, uint32_t rec_len,
                          bool has_packets, int64_t now)
{
        if (now < r->period_start) /* clock stepped back, or an old file read with -r */
                r->period_start = now;
        if (r->pol.interval_sec && now - r->period_start >= (int64_t)r->pol.interval_sec) {
                r->periods++;
                if (r->pol.max_files && r->periods >= r->pol.max_files)
                        return ROT_STOP;
                r->period_start = now;
                r->count = 0;
                return ROT_NEXT;
        }
        if (r->pol.size_limit && has_packets && file_bytes + rec_len > r->pol.size_limit) {
                r->count++;
                if (r->pol.max_files && r->count >= r->pol.max_files)
                        r->count = 0; /* ring: overwrite the oldest */
                return ROT_NEXT;
        }
        return ROT_KEEP;
}

int rot_name(const struct rot_state *r, char *out, size_t cap)
{
        char base[4096];
        size_t n;
        if (r->pol.interval_sec) {
                time_t t = (time_t)r->period_start;
                struct tm tm;
                localtime_r(&t, &tm);
                n = strftime(base, sizeof(base), r->pattern, &tm);
                if (n == 0 && r->pattern[0])
                        return -1;
        } else {
                n = (size_t)snprintf(base, sizeof(base), "%s", r->pattern);
                if (n >= sizeof(base))
                        return -1;
        }
        int w;
        if (r->count == 0 && r->width == 0)
                w = snprintf(out, cap, "%s", base);
        else
                w = snprintf(out, cap, "%s%0*u", base, (int)r->width, r->count);
        return w < 0 || (size_t)w >= cap ? -1 : 0;
}

void rot_force(struct rot_state *r)
{
        r->count++;
        if (r->pol.size_limit && r->pol.max_files && r->count >= r->pol.max_files)
                r->count = 0;
}

/* Split path into its directory part (with the '/', may be "") and basename. */
static const char *base_of(const char *path)
{
        const char *s = strrchr(path, '/');
        return s ? s + 1 : path;
}

int rot_part_name(const char *final, const char *prefix, const char *suffix, char *out, size_t cap)
{
        const char *base = base_of(final);
        int w = snprintf(out, cap, "%.*s%s%s%s", (int)(base - final), final, prefix ? prefix : "",
                         base, suffix ? suffix : "");
        return w < 0 || (size_t)w >= cap ? -1 : 0;
}

/* Append text with glob(7) metacharacters escaped; false when out is full. */
static bool glob_literal(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                bool meta = strchr("*?[]\\", s[i]) != NULL;
                if (*len + 2 + meta >= cap)
                        return false;
                if (meta)
                        out[(*len)++] = '\\';
                out[(*len)++] = s[i];
        }
        out[*len] = '\0';
        return true;
}

/* The basename pattern: strftime conversions (with -G) become '*'. */
static bool glob_base(char *out, size_t cap, size_t *len, const char *base, bool by_time)
{
        for (const char *s = base; *s; s++) {
                if (by_time && s[0] == '%' && s[1]) {
                        s++;
                        if (*s == '%') {
                                if (!glob_literal(out, cap, len, "%", 1))
                                        return false;
                                continue;
                        }
                        while ((*s == 'E' || *s == 'O') && s[1])
                                s++;
                        if (*len + 2 >= cap)
                                return false;
                        out[(*len)++] = '*';
                        out[*len] = '\0';
                        continue;
                }
                if (!glob_literal(out, cap, len, s, 1))
                        return false;
        }
        return true;
}

static void glob_report(const char *pat, void (*report)(void *, const char *), void *ctx)
{
        glob_t g;
        if (glob(pat, GLOB_NOSORT, NULL, &g) != 0)
                return;
        for (size_t i = 0; i < g.gl_pathc; i++)
                report(ctx, g.gl_pathv[i]);
        globfree(&g);
}

void rot_leftovers(const char *pattern, bool by_time, bool by_size, const char *prefix,
                   const char *suffix, bool offline_tmp,
                   void (*report)(void *ctx, const char *path), void *ctx)
{
        char pat[8192];
        size_t len = 0, dir_len;
        const char *base = base_of(pattern);
        const char *pre = prefix ? prefix : "", *suf = suffix ? suffix : "";
        pat[0] = '\0';
        if (!glob_literal(pat, sizeof(pat), &len, pattern, (size_t)(base - pattern)))
                return;
        dir_len = len;
        if (*pre || *suf) {
                if (!glob_literal(pat, sizeof(pat), &len, pre, strlen(pre)) ||
                    !glob_base(pat, sizeof(pat), &len, base, by_time))
                        return;
                if (by_size && len + 2 < sizeof(pat)) /* the -C counter: any digits */
                        pat[len++] = '*';
                pat[len] = '\0';
                if (glob_literal(pat, sizeof(pat), &len, suf, strlen(suf)))
                        glob_report(pat, report, ctx);
        }
        if (offline_tmp) { /* output.c's NAME.XXXXXX.part, beside NAME */
                len = dir_len;
                pat[len] = '\0';
                if (glob_base(pat, sizeof(pat), &len, base, false) && len + 13 < sizeof(pat)) {
                        memcpy(pat + len, ".??????.part", 13);
                        glob_report(pat, report, ctx);
                }
        }
}
