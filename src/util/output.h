/*
 * output — buffered sequential writer for capture files.
 *
 * Records are assembled in one large buffer and leave it in a few big
 * write() calls (short writes and EINTR are retried).  Data larger than the
 * buffer bypasses it.  The writer never prints; callers turn a failure into
 * their own message (output_errno() says why).
 *
 * Whole records only (issue 17 item 2): the format writers bracket every
 * record with output_record_begin()/output_record_end(), so the writer knows
 * the last record boundary the kernel has in full.  When a write fails (a
 * full disk, EFBIG, EIO), a regular file is truncated back to that boundary
 * and stays readable.
 *
 * Atomic files (OUTPUT_ATOMIC, the offline commands): the records go to a
 * temporary file in the same directory (NAME.XXXXXX.part, mode 0600) that
 * output_commit() renames over NAME; an earlier NAME is untouched until
 * then.  Standard output, devices and FIFOs are written directly.
 *
 * New files are created mode 0600 (less what the umask takes away).
 *
 * Compressed files (OUTPUT_GZIP / OUTPUT_ZSTD, util/zio.h): the buffer is
 * compressed as it fills; output_flush() ends with a sync/flush point, so
 * everything flushed decodes on its own, and close ends the stream.  The
 * name is the caller's (zio_output_name() gives it the suffix).  On a write
 * error the file is cut back to the last flush point that the kernel had
 * in full: a decodable prefix of whole records, without the stream's end
 * (a reader then says "truncated").  Records after that point are lost and
 * the error is reported as for a plain file.
 *
 * Direct I/O (OUTPUT_DIRECT, live capture files): a regular, uncompressed
 * file is written with O_DIRECT where the file system says how to align it.
 * A recorder's output is not read back soon, so copying it into the page
 * cache (and writing it back later) is CPU spent for nothing: about a
 * nanosecond per byte, half of a capture's cost on small frames.  Direct
 * writes must start and end on the file system's alignment, so the buffer
 * is aligned and written in whole aligned blocks; a flush writes the
 * unaligned tail through the page cache (O_DIRECT off for that one write)
 * and keeps it at the start of the next buffer, so the next direct write,
 * starting at the tail's aligned offset, writes it again with what follows.
 * The writes happen in a thread of their own (output_dio.h), so the caller
 * never waits for the device; output_flush() hands the records over,
 * output_close() waits until they are written.  A failure shows at the next
 * flush or at close, and the file is cut back to a whole record as above.
 * Where O_DIRECT is refused (tmpfs, some FUSE file systems) the file is
 * written as usual.
 */
#ifndef CST_UTIL_OUTPUT_H
#define CST_UTIL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define OUTPUT_BUF_SIZE (2u << 20)
#define OUTPUT_MODE     0600
/* The buffer's alignment: direct I/O is used only where the file system needs no more. */
#define OUTPUT_DIO_MAX_ALIGN 4096u

enum output_flags {
        OUTPUT_ATOMIC = 1, /* temporary name, renamed by output_commit() */
        /*
         * A name the program makes up (rotation): never follow a symbolic link
         * there; create the file with O_EXCL, or truncate an existing regular
         * file of ours (a -W ring reuses its names).
         */
        OUTPUT_NOFOLLOW = 2,
        OUTPUT_GZIP = 4, /* compress (util/zio.h); the level in OUTPUT_LEVEL() */
        OUTPUT_ZSTD = 8,
        OUTPUT_DIRECT = 16, /* O_DIRECT where possible (see above) */
};

/* Compression level in the flags (0: the library's default; zstd's may be negative). */
static inline unsigned output_level_flags(int level)
{
        return ((unsigned)level & 0xFFu) << 8;
}

static inline int output_flags_level(unsigned flags)
{
        return (int)(int8_t)(uint8_t)(flags >> 8);
}

/* The flags of compression method m (enum zio_method / cst_compress) at level. */
static inline unsigned output_compress_flags(int m, int level)
{
        unsigned f = m == 1 ? OUTPUT_GZIP : m == 2 ? OUTPUT_ZSTD : 0;
        return f ? f | output_level_flags(level) : 0;
}

struct zio_writer;

struct output {
        uint8_t *buf; /* where pending bytes start (direct: after the rewritten tail) */
        size_t len;   /* pending bytes, not yet handed to the kernel */
        size_t cap;   /* room from buf on */
        uint8_t *mem; /* the allocation (direct: the chunk being filled) */
        size_t mem_size;
        size_t dio_align;       /* direct I/O on: offset and size alignment; 0 = off */
        struct output_dio *dio; /* direct I/O: the writer thread */
        int fd;
        bool own_fd;
        bool in_record;       /* between output_record_begin and _end */
        bool regular;         /* fd is a regular file: it can be truncated */
        int err;              /* errno of the first failure, 0 if none */
        uint64_t written;     /* bytes handed to the kernel */
        uint64_t mark;        /* file offset of the record being assembled */
        uint64_t safe;        /* file offset of the last record boundary the kernel has in full */
        uint64_t bound;       /* file offset where the last whole record ends */
        char *path;           /* name being written (the temporary one when atomic) */
        char *final_path;     /* atomic: the name output_commit() gives it */
        struct zio_writer *z; /* compressing, or NULL */
};

/* Open `path` for writing (truncate; "-" = stdout).  0 or -1 (errno set). */
int output_open(struct output *o, const char *path);
int output_open_flags(struct output *o, const char *path, unsigned flags);
/* write() until everything is out; 0 or -1. */
int output_write_all(int fd, const uint8_t *p, size_t n);
/* Write the buffer out (compressed: up to a flush point); 0 or -1. */
int output_flush(struct output *o);
/* Make room: write the buffer out (compressed: no flush point); 0 or -1. */
int output_drain(struct output *o);
/* Append bytes of any size; 0 or -1 (a failed flush). */
int output_append_slow(struct output *o, const uint8_t *p, size_t n);
/*
 * Write n bytes to the file now, ahead of what the buffer holds (a whole
 * record placed before records not yet handed over); 0 or -1.
 */
int output_write_ahead(struct output *o, const uint8_t *p, size_t n);
/* Flush, close the descriptor (not stdout's), free the buffer; 0 or -1. */
int output_close(struct output *o);
/* Atomic: flush, close and rename over the final name; 0 or -1.  Otherwise output_close. */
int output_commit(struct output *o);
/*
 * Close without committing: the records flushed so far stay (ending on a
 * whole record) under output_path(); with remove, an atomic temporary file
 * is deleted instead.  Frees everything.
 */
void output_abandon_keep(struct output *o, bool flush, bool remove);
/* The same, with the writers' messages (SPEC 2.3) in err on failure. */
int output_flush_msg(struct output *o, char *err);
int output_close_msg(struct output *o, char *err);
/* "<what>: <path>: <strerror>" of the first failure into err; returns CST_EFATAL. */
int output_error_msg(const struct output *o, const char *what, char *err);
/* Free everything without writing (error paths); an atomic temporary file is removed. */
void output_abandon(struct output *o);
/* Name of the file being written ("-" for stdout). */
static inline const char *output_path(const struct output *o)
{
        return o->path ? o->path : "-";
}
/* errno of the first failure (0: none). */
static inline int output_errno(const struct output *o)
{
        return o->err;
}

static inline void output_record_begin(struct output *o)
{
        o->mark = o->written + o->len;
        o->in_record = true;
}

static inline void output_record_end(struct output *o)
{
        o->in_record = false;
        o->bound = o->written + o->len;
}

/* Room for n (<= cap) bytes at the end of the buffer, or NULL on a failed flush. */
static inline uint8_t *output_reserve(struct output *o, size_t n)
{
        if (o->cap - o->len < n && output_drain(o) != 0)
                return NULL;
        uint8_t *p = o->buf + o->len;
        o->len += n;
        return p;
}

static inline int output_append(struct output *o, const uint8_t *p, size_t n)
{
        if (o->cap - o->len >= n) {
                if (n)
                        memcpy(o->buf + o->len, p, n);
                o->len += n;
                return 0;
        }
        return output_append_slow(o, p, n);
}

#endif
