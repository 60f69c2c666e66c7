/*
 * zio — names, detection and the compressing writer (see zio.h).
 */
#include "util/zio.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "util/output.h"

/* Compressed bytes leave in writes of this size (or less at a flush). */
#define ZIO_OUT_CAP (1u << 20)
/* zlib counts in uInt: feed it at most this much at a time. */
#define ZIO_GZ_STEP (1u << 30)

enum zio_method zio_detect(const uint8_t *b, size_t n)
{
        static const uint8_t zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
        if (n >= 2 && b[0] == 0x1F && b[1] == 0x8B)
                return ZIO_GZIP;
        if (n >= 4 && memcmp(b, zstd_magic, 4) == 0)
                return ZIO_ZSTD;
        return ZIO_NONE;
}

const char *zio_suffix(enum zio_method m)
{
        return m == ZIO_GZIP ? ".gz" : m == ZIO_ZSTD ? ".zst" : "";
}

const char *zio_method_name(enum zio_method m)
{
        return m == ZIO_GZIP ? "gzip" : m == ZIO_ZSTD ? "zstd" : "none";
}

int zio_method_parse(const char *s)
{
        if (strcmp(s, "gzip") == 0 || strcmp(s, "gz") == 0)
                return ZIO_GZIP;
        if (strcmp(s, "zstd") == 0 || strcmp(s, "zst") == 0)
                return ZIO_ZSTD;
        if (strcmp(s, "none") == 0)
                return ZIO_NONE;
        return -1;
}

bool zio_level_valid(enum zio_method m, int level)
{
        if (level == 0)
                return true;
        if (m == ZIO_GZIP)
                return level >= 1 && level <= 9;
        if (m == ZIO_ZSTD)
                return level >= ZSTD_minCLevel() && level <= ZSTD_maxCLevel();
        return false;
}

int zio_output_name(char *dst, size_t cap, const char *path, enum zio_method m)
{
        const char *suf = zio_suffix(m);
        size_t n = strlen(path), s = strlen(suf);
        bool has = n >= s && strcmp(path + n - s, suf) == 0;
        if (strcmp(path, "-") == 0)
                has = true;
        if (n + (has ? 0 : s) + 1 > cap)
                return -1;
        memcpy(dst, path, n);
        memcpy(dst + n, suf, has ? 0 : s);
        dst[n + (has ? 0 : s)] = '\0';
        return 0;
}

struct zio_writer {
        enum zio_method method;
        bool pending; /* bytes taken since the last flush */
        ZSTD_CCtx *zc;
        z_stream gz;
        bool gz_init;
        uint8_t *out;
        size_t out_len;
};

struct zio_writer *zio_writer_new(enum zio_method m, int level)
{
        struct zio_writer *z = calloc(1, sizeof(*z));
        if (!z || !(z->out = malloc(ZIO_OUT_CAP)))
                goto nomem;
        z->method = m;
        if (m == ZIO_ZSTD) {
                z->zc = ZSTD_createCCtx();
                if (!z->zc)
                        goto nomem;
                /* a checksum per frame: a reader can tell damage from data */
                if (ZSTD_isError(ZSTD_CCtx_setParameter(z->zc, ZSTD_c_checksumFlag, 1)) ||
                    (level != 0 &&
                     ZSTD_isError(ZSTD_CCtx_setParameter(z->zc, ZSTD_c_compressionLevel, level)))) {
                        zio_writer_free(z);
                        errno = EINVAL;
                        return NULL;
                }
                return z;
        }
        /* windowBits 15 + 16: a gzip header and trailer around the deflate data */
        int rc = deflateInit2(&z->gz, level ? level : Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                              Z_DEFAULT_STRATEGY);
        if (rc != Z_OK) {
                zio_writer_free(z);
                errno = rc == Z_MEM_ERROR ? ENOMEM : EINVAL;
                return NULL;
        }
        z->gz_init = true;
        return z;
nomem:
        zio_writer_free(z);
        errno = ENOMEM;
        return NULL;
}

void zio_writer_free(struct zio_writer *z)
{
        if (!z)
                return;
        ZSTD_freeCCtx(z->zc);
        if (z->gz_init)
                deflateEnd(&z->gz);
        free(z->out);
        free(z);
}

static int drain(struct zio_writer *z, int fd, uint64_t *written)
{
        if (z->out_len == 0)
                return 0;
        if (output_write_all(fd, z->out, z->out_len) != 0)
                return -1;
        *written += z->out_len;
        z->out_len = 0;
        return 0;
}

/* One compressor call into the free part of out; *done when the mode's work is over. */
static int zstd_step(struct zio_writer *z, ZSTD_inBuffer *in, enum zio_mode mode, bool *done)
{
        static const ZSTD_EndDirective dir[] = {ZSTD_e_continue, ZSTD_e_flush, ZSTD_e_end};
        ZSTD_outBuffer out = {z->out + z->out_len, ZIO_OUT_CAP - z->out_len, 0};
        size_t r = ZSTD_compressStream2(z->zc, &out, in, dir[mode]);
        if (ZSTD_isError(r)) {
                errno = EIO;
                return -1;
        }
        z->out_len += out.pos;
        *done = mode == ZIO_CONTINUE ? in->pos == in->size : r == 0;
        return 0;
}

static int zstd_write(struct zio_writer *z, int fd, const uint8_t *p, size_t n, enum zio_mode mode,
                      uint64_t *written)
{
        ZSTD_inBuffer in = {p, n, 0};
        bool done = false;
        while (!done) {
                if (zstd_step(z, &in, mode, &done) != 0)
                        return -1;
                if ((z->out_len == ZIO_OUT_CAP || (done && mode != ZIO_CONTINUE)) &&
                    drain(z, fd, written) != 0)
                        return -1;
        }
        return 0;
}

static int gz_write(struct zio_writer *z, int fd, const uint8_t *p, size_t n, enum zio_mode mode,
                    uint64_t *written)
{
        static const int flush[] = {Z_NO_FLUSH, Z_SYNC_FLUSH, Z_FINISH};
        for (;;) {
                size_t step = n < ZIO_GZ_STEP ? n : ZIO_GZ_STEP;
                bool last = step == n;
                z->gz.next_in = (Bytef *)(uintptr_t)p;
                z->gz.avail_in = (uInt)step;
                int rc;
                do {
                        z->gz.next_out = z->out + z->out_len;
                        z->gz.avail_out = (uInt)(ZIO_OUT_CAP - z->out_len);
                        rc = deflate(&z->gz, last ? flush[mode] : Z_NO_FLUSH);
                        if (rc == Z_STREAM_ERROR) {
                                errno = EIO;
                                return -1;
                        }
                        z->out_len = ZIO_OUT_CAP - z->gz.avail_out;
                        if (z->out_len == ZIO_OUT_CAP && drain(z, fd, written) != 0)
                                return -1;
                } while (z->gz.avail_in > 0 ||
                         (last && mode == ZIO_FLUSH && z->gz.avail_out == 0) ||
                         (last && mode == ZIO_END && rc != Z_STREAM_END));
                p += step;
                n -= step;
                if (last)
                        break;
        }
        return mode == ZIO_CONTINUE ? 0 : drain(z, fd, written);
}

int zio_write(struct zio_writer *z, int fd, const uint8_t *p, size_t n, enum zio_mode mode,
              uint64_t *written)
{
        if (n)
                z->pending = true;
        if (mode == ZIO_FLUSH && !z->pending)
                return 0; /* an idle link: no empty blocks once a second */
        if (mode != ZIO_CONTINUE)
                z->pending = false;
        if (z->method == ZIO_ZSTD)
                return zstd_write(z, fd, p, n, mode, written);
        return gz_write(z, fd, p, n, mode, written);
}
