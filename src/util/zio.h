/*
 * zio — streaming gzip (RFC 1952, zlib) and zstd (RFC 8878, libzstd)
 * compression under the file writer and decompression under the reader.
 *
 * The writer compresses what util/output hands it and writes the result to
 * a descriptor in large chunks: ZIO_CONTINUE as the plain buffer fills,
 * ZIO_FLUSH (Z_SYNC_FLUSH / ZSTD_e_flush) when the caller flushes, so
 * everything written so far decodes, and ZIO_END (Z_FINISH / ZSTD_e_end)
 * at close.  The reader decompresses a descriptor into the caller's buffer
 * (concatenated gzip members and zstd frames are one stream), with large
 * read() calls.  Memory is bounded by the compression level (zstd's window
 * is at most 128 MiB for a reader, its default limit).
 */
#ifndef CST_UTIL_ZIO_H
#define CST_UTIL_ZIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum zio_method { ZIO_NONE = 0, ZIO_GZIP = 1, ZIO_ZSTD = 2 };

/* The method from a stream's first n bytes (gzip 1f 8b, zstd 28 b5 2f fd), ZIO_NONE if neither. */
enum zio_method zio_detect(const uint8_t *b, size_t n);
/* ".gz", ".zst", "". */
const char *zio_suffix(enum zio_method m);
/* "gzip", "zstd", "none". */
const char *zio_method_name(enum zio_method m);
/* Name to method ("gzip"/"gz", "zstd"/"zst", "none"); -1 when unknown. */
int zio_method_parse(const char *s);
/* Levels each method accepts (0 always means the library's default). */
bool zio_level_valid(enum zio_method m, int level);
/*
 * `path` with the method's suffix appended unless it already ends with it
 * ("-" and ZIO_NONE unchanged).  0, or -1 when it does not fit in cap.
 */
int zio_output_name(char *dst, size_t cap, const char *path, enum zio_method m);

/* ---- writer ------------------------------------------------------------- */

enum zio_mode { ZIO_CONTINUE, ZIO_FLUSH, ZIO_END };

struct zio_writer;
/* NULL with errno set (ENOMEM, or EINVAL for a level the library refuses). */
struct zio_writer *zio_writer_new(enum zio_method m, int level);
/*
 * Compress n bytes (0 is fine with ZIO_FLUSH / ZIO_END) and write what comes
 * out to fd; *written grows by the bytes written.  0 or -1 (errno).  A
 * flush with nothing new since the last one writes nothing.
 */
int zio_write(struct zio_writer *z, int fd, const uint8_t *p, size_t n, enum zio_mode mode,
              uint64_t *written);
void zio_writer_free(struct zio_writer *z);

/* ---- reader ------------------------------------------------------------- */

struct zio_reader;
/*
 * Decompress from fd; `pre` (pre_len bytes, copied) are the stream's first
 * bytes, already read by the caller.  `path` names the input in messages.
 * NULL when out of memory.
 */
struct zio_reader *zio_reader_new(enum zio_method m, int fd, const uint8_t *pre, size_t pre_len,
                                  const char *path);
/*
 * Up to cap decompressed bytes into dst: >0, 0 at the clean end of the
 * stream, -1 when it is damaged or cut short or a read failed
 * (zio_reader_error says which).  Data decoded before a failure is
 * returned first.  Never blocks when it already has bytes to return.
 * A signal during the wait for compressed bytes: -1 with errno EINTR and
 * no error; nothing is lost, the next call goes on.
 */
ssize_t zio_read(struct zio_reader *z, uint8_t *dst, size_t cap);
/* "<path> (gzip)": the input and its method, for messages. */
const char *zio_reader_name(const struct zio_reader *z);
/* "<path>: <cause>" after a failure, else NULL. */
const char *zio_reader_error(const struct zio_reader *z);
void zio_reader_free(struct zio_reader *z);

#endif
