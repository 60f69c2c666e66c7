/*
 * Test helper for the `track` policy: a TLS byte stream per direction built
 * record by record, real ClientHello/ServerHello bytes, and an independent
 * "needed bytes" oracle (record headers, first KR bytes of AppData, whole
 * other records) to compare every segment's cut with.
 */
#ifndef CST_TEST_TRACK_BUILD_H
#define CST_TEST_TRACK_BUILD_H

#include <stdio.h>

#include "config/config_def.h" /* struct layouts: private to the library */
#include "flow_build.h"

#define TS_MAX  400000u
#define TS_RECS 4096u
#define TS_KR   8u

struct tstream {
        uint8_t b[TS_MAX];
        uint32_t n;
        uint32_t rec_off[TS_RECS];
        uint8_t rec_full[TS_RECS]; /* whole record needed */
        uint32_t nrec;
};

static inline void ts_record(struct tstream *t, uint8_t type, uint32_t len, bool full)
{
        t->rec_off[t->nrec] = t->n;
        t->rec_full[t->nrec++] = full || type != 0x17;
        tls_rec(t->b, &t->n, type, 0x0303, len);
}

/* ClientHello (hs type 1) or ServerHello (2, TLS 1.3 when tls13) with real structure. */
static inline void ts_hello(struct tstream *t, bool server, bool tls13)
{
        uint8_t m[200];
        uint32_t n = 0;
        m[n++] = server ? 2 : 1;
        n += 3; /* length, below */
        m[n++] = 3;
        m[n++] = 3;
        for (int i = 0; i < 32; i++)
                m[n++] = (uint8_t)(0xa0 + i);
        m[n++] = 0; /* session id */
        if (server) {
                m[n++] = 0x13;
                m[n++] = 0x01;
                m[n++] = 0;
                m[n++] = 0;
                m[n++] = tls13 ? 6 : 0;
                if (tls13) {
                        static const uint8_t sv[6] = {0, 43, 0, 2, 3, 4};
                        memcpy(m + n, sv, 6);
                        n += 6;
                }
        } else {
                static const uint8_t rest[9] = {0, 2, 0x13, 0x01, 1, 0, 0, 0};
                memcpy(m + n, rest, 8);
                n += 8;
        }
        m[1] = 0;
        m[2] = (uint8_t)((n - 4) >> 8);
        m[3] = (uint8_t)(n - 4);
        t->rec_off[t->nrec] = t->n;
        t->rec_full[t->nrec++] = 1;
        t->b[t->n] = 0x16;
        tf_be16(t->b + t->n + 1, 0x0303);
        tf_be16(t->b + t->n + 3, n);
        memcpy(t->b + t->n + 5, m, n);
        t->n += 5 + n;
}

/* Payload bytes of [off, off+len) up to the last needed one. */
static inline uint32_t ts_need(const struct tstream *t, uint32_t off, uint32_t len)
{
        uint32_t end = 0;
        for (uint32_t i = 0; i < t->nrec; i++) {
                uint32_t r = t->rec_off[i];
                uint32_t total = 5u + ((uint32_t)t->b[r + 3] << 8 | t->b[r + 4]);
                uint32_t need = t->rec_full[i] ? total : (TS_KR < total ? TS_KR : total);
                uint32_t a = r > off ? r : off, b = r + need < off + len ? r + need : off + len;
                if (a < b && b - off > end)
                        end = b - off;
        }
        return end;
}

/* Send stream bytes [off, off+len) of direction dir at its sequence base. */
static inline uint32_t ts_send(struct tflow *f, int dir, uint32_t base, const struct tstream *t,
                               uint32_t off, uint32_t len)
{
        return tf_tcp_at(f, dir, base + off, 0x10, t->b + off, len);
}

/* An engine under `track` that cuts whatever it may (no minimum saving). */
static inline cst_engine *engine_track(void)
{
        struct cst_config c;
        char err[CST_ERRBUF];
        cst_config_defaults(&c);
        cst_config_set_policy(&c, CST_TLS_TRACK);
        c.min_saved_bytes_per_packet = 0;
        cst_engine *e = cst_engine_new(&c, err);
        if (!e) {
                fprintf(stderr, "engine: %s\n", err);
                exit(1);
        }
        return e;
}

#endif
