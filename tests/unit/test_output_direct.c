/*
 * util/output with OUTPUT_DIRECT (issue 19 item 2): the file holds exactly
 * the records written, whatever the record sizes (1 byte to 70 KiB, larger
 * than the alignment and than a chunk of the writer) and wherever the
 * flushes fall; a block written ahead lands between the flushed and the
 * buffered records; a write error (RLIMIT_FSIZE) is reported and leaves
 * whole records only.  Where the test directory's file system offers no
 * direct I/O, the same checks run on the buffered fallback (said so).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <constrictor/constrictor.h>
#include "check.h"
#include "util/output.h"

#define MAX_REC (70u * 1024u)

static char path_buf[4096];
static const char *tmp_path(const char *name)
{
        const char *dir = getenv("CST_TMP") ? getenv("CST_TMP") : "/tmp";
        mkdir(dir, 0755);
        snprintf(path_buf, sizeof(path_buf), "%s/odirect_%d_%s", dir, (int)getpid(), name);
        return path_buf;
}

/* Record i: mostly small (as packets are), now and then large; a pattern that shows shifts. */
static size_t make_record(uint32_t i, uint8_t *b)
{
        uint32_t x = i * 2654435761u;
        size_t n = i % 97 == 0 ? 8192 + x % (MAX_REC - 8192) : 1 + x % 1600;
        for (size_t k = 0; k < n; k++)
                b[k] = (uint8_t)(i * 7u + k);
        return n;
}

static uint8_t *read_file(const char *path, size_t *len)
{
        int fd = open(path, O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
                *len = 0;
                return NULL;
        }
        uint8_t *b = malloc((size_t)st.st_size + 1);
        ssize_t r = read(fd, b, (size_t)st.st_size);
        close(fd);
        *len = r < 0 ? 0 : (size_t)r;
        return b;
}

/* The file holds exactly the expected bytes; then it goes. */
static void check_file(const char *path, const uint8_t *expect, size_t elen)
{
        size_t got;
        uint8_t *b = read_file(path, &got);
        CHECK_EQ_U(got, elen);
        CHECK(b && got == elen && memcmp(b, expect, elen) == 0);
        free(b);
}

/* Records [0, n) with a flush after every record whose index the step divides. */
static int write_records(struct output *o, uint32_t from, uint32_t to, uint32_t flush_step,
                         uint8_t *expect, size_t *elen)
{
        static uint8_t b[MAX_REC];
        for (uint32_t i = from; i < to; i++) {
                size_t n = make_record(i, b);
                output_record_begin(o);
                if (output_append(o, b, n) != 0)
                        return -1;
                output_record_end(o);
                if (expect) {
                        memcpy(expect + *elen, b, n);
                        *elen += n;
                }
                if (flush_step && i % flush_step == 0 && output_flush(o) != 0)
                        return -1;
        }
        return 0;
}

static bool direct_possible(const char *path)
{
        struct statx stx;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        bool ok = fd >= 0 && statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
                  (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align != 0 &&
                  stx.stx_dio_offset_align <= OUTPUT_DIO_MAX_ALIGN &&
                  stx.stx_dio_mem_align <= OUTPUT_DIO_MAX_ALIGN;
        if (fd >= 0)
                close(fd);
        unlink(path);
        return ok;
}

static void round_trip(bool direct, uint32_t n, uint32_t flush_step)
{
        const char *p = tmp_path("rt.bin");
        uint8_t *expect = malloc((size_t)n * 4096 + (size_t)(n / 97 + 1) * MAX_REC);
        size_t elen = 0;
        struct output o;
        CHECK(output_open_flags(&o, p, OUTPUT_DIRECT) == 0);
        CHECK((o.dio != NULL) == direct);
        CHECK(write_records(&o, 0, n, flush_step, expect, &elen) == 0);
        CHECK(output_close(&o) == 0);
        check_file(p, expect, elen);
        free(expect);
        unlink(p);
}

/* Flushed records, then a block written ahead of the buffered ones, then those. */
static void ahead(bool direct)
{
        const char *p = tmp_path("ahead.bin");
        static uint8_t expect[8u << 20];
        size_t elen = 0, blen = 0;
        struct output o;
        CHECK(output_open_flags(&o, p, OUTPUT_DIRECT) == 0);
        CHECK((o.dio != NULL) == direct);
        CHECK(write_records(&o, 0, 3000, 0, expect, &elen) == 0);
        CHECK(output_flush(&o) == 0);
        uint8_t block[777];
        memset(block, 0xAB, sizeof(block));
        size_t before = elen;
        CHECK(write_records(&o, 3000, 3100, 0, expect + before + sizeof(block), &blen) == 0);
        memcpy(expect + before, block, sizeof(block));
        elen += sizeof(block) + blen;
        CHECK(output_write_ahead(&o, block, sizeof(block)) == 0);
        CHECK(o.dio == NULL); /* buffered from the block on */
        CHECK(write_records(&o, 3100, 3200, 0, expect, &elen) == 0);
        CHECK(output_close(&o) == 0);
        check_file(p, expect, elen);
        unlink(p);
}

/* A file size limit: the error comes back, the file is a prefix of whole records. */
static void write_error(void)
{
        const char *p = tmp_path("efbig.bin");
        const rlim_t limit = 5u << 20;
        pid_t pid = fork();
        if (pid == 0) {
                struct rlimit rl = {limit, limit};
                signal(SIGXFSZ, SIG_IGN);
                setrlimit(RLIMIT_FSIZE, &rl);
                struct output o;
                if (output_open_flags(&o, p, OUTPUT_DIRECT) != 0)
                        _exit(3);
                int rc = write_records(&o, 0, 20000, 500, NULL, NULL);
                int rc2 = output_close(&o);
                _exit(rc == 0 && rc2 == 0 ? 0 : errno == EFBIG ? 1 : 2);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);
        size_t got, off = 0;
        uint8_t *b = read_file(p, &got);
        static uint8_t r[MAX_REC];
        uint32_t i = 0;
        while (b && off < got) {
                size_t n = make_record(i++, r);
                if (off + n > got || memcmp(b + off, r, n) != 0)
                        break;
                off += n;
        }
        CHECK(got > 0 && got <= limit);
        CHECK_EQ_U(off, got); /* ends on a whole record, every record intact */
        free(b);
        unlink(p);
}

int main(void)
{
        bool direct = direct_possible(tmp_path("probe.bin"));
        if (!direct)
                printf("test_output_direct: no direct I/O where %s is: the buffered fallback is "
                       "checked instead\n",
                       getenv("CST_TMP") ? getenv("CST_TMP") : "/tmp");
        round_trip(direct, 20000, 0);   /* flushed only at close */
        round_trip(direct, 3000, 1);    /* flushed after every record */
        round_trip(direct, 20000, 333); /* now and then */
        round_trip(direct, 5, 2);       /* less than one aligned block */
        ahead(direct);
        write_error();
        return check_summary("test_output_direct");
}
