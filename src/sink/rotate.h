/*
 * rotate — when and under which name a live capture starts its next file,
 * as tcpdump's -C / -G / -W do:
 *   -C MB   a new file when the current one would grow past MB x 1,000,000
 *           bytes; names FILE, FILE1, FILE2 ... (with -W N: FILE0..FILE<N-1>,
 *           zero-padded to the digits of N-1, reused as a ring);
 *   -G SEC  a new file every SEC seconds, the -w name expanded by strftime(3)
 *           (local time) at the start of each period; the -C count restarts;
 *   -W N    with -C: the ring size; with -G: stop after N files.
 * Decisions only; the dumper (dump.c) opens the next file before it closes
 * the current one.
 */
#ifndef CST_SINK_ROTATE_H
#define CST_SINK_ROTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rot_policy {
        uint64_t size_limit;   /* bytes (-C x 1,000,000), 0 = no size rotation */
        uint32_t interval_sec; /* -G, 0 = no time rotation */
        uint32_t max_files;    /* -W, 0 = unbounded */
};

struct rot_state {
        struct rot_policy pol;
        const char *pattern; /* the -w name */
        uint32_t count;      /* -C index of the current file (in its period) */
        uint32_t periods;    /* -G periods finished */
        unsigned width;      /* digits of the -C suffix (from -W), 0 = none for file 0 */
        int64_t period_start;
};

enum rot_action {
        ROT_KEEP = 0, /* write into the current file */
        ROT_NEXT,     /* open the next file (name from rot_name), then write */
        ROT_STOP,     /* -G with -W: the last file is complete; stop */
};

/* True when any rotation option is set. */
bool rot_enabled(const struct rot_policy *p);
void rot_init(struct rot_state *r, const char *pattern, const struct rot_policy *p, int64_t now);
/*
 * Before writing a record of rec_len bytes at time now (seconds): what to do.
 * ROT_NEXT advances the state to the next file.  `has_packets` is false on a
 * fresh file (a record larger than the limit still goes into one file).
 */
enum rot_action rot_check(struct rot_state *r, uint64_t file_bytes, uint32_t rec_len,
                          bool has_packets, int64_t now);
/* Move to the next name now (a rotation asked for, not due): the -C counter advances. */
void rot_force(struct rot_state *r);
/* Name of the current file: 0, or -1 when it does not fit in cap. */
int rot_name(const struct rot_state *r, char *out, size_t cap);

#endif

/*
 * Complete files only: the name a file carries while it is written, in the
 * directory of `final`: prefix + basename + suffix (".part" by default in
 * the program; prefix "." hides it).  0, or -1 when it does not fit.
 */
int rot_part_name(const char *final, const char *prefix, const char *suffix, char *out, size_t cap);

/*
 * Partial files an earlier run left behind (a crash, a power cut): every
 * existing name that the output `pattern` (strftime conversions with -G, a
 * counter with -C) could have given, in its partial form; `offline_tmp` adds
 * the offline writer's NAME.XXXXXX.part.  report() is called once per file.
 */
void rot_leftovers(const char *pattern, bool by_time, bool by_size, const char *prefix,
                   const char *suffix, bool offline_tmp,
                   void (*report)(void *ctx, const char *path), void *ctx);
