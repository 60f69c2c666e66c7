/*
 * input — sequential access to a capture file for the format readers.
 *
 * A regular file is mapped whole (mmap + MADV_SEQUENTIAL) so packet views
 * point into the mapping with no copy; pages behind the reader are dropped
 * from the process (MADV_DONTNEED) so the resident set stays small for any
 * file size.  Pipes, stdin ("-") and files that cannot be mapped are read with
 * large read() calls into a buffer that only moves at a batch boundary.
 *
 * Compressed inputs (gzip, zstd; util/zio.h) are recognised by their first
 * bytes, whatever the name, and read in stream mode through the
 * decompressor: offsets and sizes are then those of the decompressed data.
 * A damaged or cut-short compressed stream ends the data where decoding
 * stopped (eof), and input_failure() says why, naming the file.
 *
 * Offsets are absolute file offsets.  A pointer returned by input_peek() stays
 * valid until the next call with may_move = true.
 */
#ifndef CST_UTIL_INPUT_H
#define CST_UTIL_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INPUT_READ_CHUNK (4u << 20) /* stream mode: bytes asked of one read() */

struct input {
        const uint8_t *map; /* whole file (mapped mode) */
        uint64_t size;      /* mapped: size at open; stream: bytes read so far */
        uint64_t dropped;   /* mapped: bytes before this were given back */
        uint8_t *buf;       /* stream mode window */
        uint64_t buf_off;   /* file offset of buf[0] */
        size_t buf_len;
        size_t buf_cap;
        uint64_t released;   /* caller no longer needs bytes before this */
        uint64_t prefetched; /* mapped: cache lines up to here were prefetched */
        int fd;
        bool mapped;
        bool eof;             /* stream: read() returned 0 (size is final) */
        bool own_fd;          /* close fd on input_close */
        bool read_fail;       /* stream: read() failed */
        bool borrowed;        /* map is the caller's memory (input_open_memory): never unmapped */
        bool interruptible;   /* stream: a signal ends a wait for data (input_interrupted) */
        bool interrupted;     /* stream: the last peek returned NULL because of a signal */
        struct zio_reader *z; /* compressed input: read() goes through it */
};

/* Open `path` ("-" = stdin).  Error: "failed to open input file". */
int input_open(struct input *in, const char *path, char *err);
void input_close(struct input *in);
/* A file image in memory (not copied; must outlive the input): read as a mapped file. */
void input_open_memory(struct input *in, const uint8_t *data, size_t len);

/*
 * Bytes [off, off+n) in memory, or NULL when fewer are available; *avail is
 * then the number of bytes available from off.  With may_move = false the
 * stream buffer is not compacted or grown, so NULL with !input_at_end() means
 * "end the batch and ask again with may_move".
 */
const uint8_t *input_peek(struct input *in, uint64_t off, size_t n, bool may_move, uint64_t *avail);

/*
 * Stream mode, once the caller has set `interruptible`: a signal that
 * arrives while read() waits for data (a pipe whose writer is idle) makes
 * input_peek() return NULL with this true and nothing consumed, so a stop
 * request can be seen at once; asking again goes on where it was.  Without
 * the flag (opening, format detection) an interrupted read() is retried.
 */
static inline bool input_interrupted(const struct input *in)
{
        return in->interrupted;
}

/* True when the size of the input is final (mapped, or stream at EOF). */
static inline bool input_at_end(const struct input *in)
{
        return in->mapped || in->eof || in->read_fail;
}

#define INPUT_PREFETCH_AHEAD 8192u

/*
 * Mapped mode: start loading the cache lines up to INPUT_PREFETCH_AHEAD bytes
 * past `off`.  Record headers form a dependent chain (each caplen gives the
 * next offset), so without this every header is a serial cache miss.
 */
static inline void input_prefetch(struct input *in, uint64_t off)
{
        if (!in->mapped)
                return;
        uint64_t end = off + INPUT_PREFETCH_AHEAD;
        if (end > in->size)
                end = in->size;
        if (in->prefetched < off)
                in->prefetched = off & ~(uint64_t)63;
        while (in->prefetched < end) {
                __builtin_prefetch(in->map + in->prefetched);
                in->prefetched += 64;
        }
}

/* A compressed input: "<path> (gzip)"; NULL for a plain one. */
const char *input_compressed_name(const struct input *in);
/* A compressed input that ended damaged: "<path>: <cause>", else NULL. */
const char *input_failure(const struct input *in);
/* That message, if any, put before the one in err (CST_ERRBUF bytes): "<failure>; <err>". */
void input_failure_prefix(const struct input *in, char *err);
/* The same after it (SPEC wordings stay first): "<err>: <failure>". */
void input_failure_suffix(const struct input *in, char *err);

/* The caller no longer needs bytes before `off` (called at a batch start). */
void input_release(struct input *in, uint64_t off);

#endif
