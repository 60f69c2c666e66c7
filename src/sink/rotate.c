/*
 * rotate — tcpdump-compatible file rotation decisions and names (see
 * rotate.h; tcpdump(1) -C, -G, -W).  The period clock is the packets' own
 * wall-clock time, so no clock is read per packet.
 */
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
