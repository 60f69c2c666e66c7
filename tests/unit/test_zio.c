/*
 * util/zio under util/output and util/input: compressed round trips at
 * several levels, a flush leaves a decodable prefix, an idle flush writes
 * nothing, a write error leaves a prefix ending at a flush point, gzip
 * members and zstd frames concatenated, damaged streams reported with the
 * data before the damage, detection on a pipe whose first read is short,
 * and the output names.
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
#include "util/input.h"
#include "util/output.h"
#include "util/zio.h"

static char tmp_buf[4][4096];
static const char *tmp_path(const char *name)
{
        static int i;
        const char *dir = getenv("CST_TMP") ? getenv("CST_TMP") : "/tmp";
        mkdir(dir, 0755); /* shared with script tests run as another user (-Z) */
        char *p = tmp_buf[i++ & 3];
        snprintf(p, 4096, "%s/zio_%d_%s", dir, (int)getpid(), name);
        return p;
}

/* Record i: 100..1600 bytes of a pattern that compresses but not to nothing. */
static size_t make_record(uint32_t i, uint8_t *b)
{
        size_t n = 100 + (i * 37u) % 1500;
        uint32_t x = i * 2654435761u;
        for (size_t k = 0; k < n; k++) {
                x = x * 1103515245u + 12345u;
                b[k] = (uint8_t)(k % 7 == 0 ? (x >> 24) : (i + k / 16));
        }
        return n;
}

/* Records [from, to) as one expected byte string appended to e. */
static size_t expect_records(uint32_t from, uint32_t to, uint8_t *e)
{
        size_t n = 0;
        for (uint32_t i = from; i < to; i++)
                n += make_record(i, e + n);
        return n;
}

static int write_records(struct output *o, uint32_t from, uint32_t to)
{
        uint8_t b[2048];
        for (uint32_t i = from; i < to; i++) {
                size_t n = make_record(i, b);
                output_record_begin(o);
                if (output_append(o, b, n) != 0)
                        return -1;
                output_record_end(o);
        }
        return 0;
}

/* The whole decoded content of path into *out (malloc'd); the failure text if any. */
static size_t read_all(const char *path, uint8_t **out, char *fail, size_t fail_len)
{
        struct input in;
        char err[CST_ERRBUF];
        *out = NULL;
        fail[0] = '\0';
        if (input_open(&in, path, err) != CST_OK)
                return 0;
        uint64_t avail = 0, off = 0;
        size_t cap = 1 << 20, n = 0;
        uint8_t *b = malloc(cap);
        for (;;) {
                const uint8_t *p = input_peek(&in, off, 4096, true, &avail);
                size_t got = p ? 4096 : (size_t)avail;
                if (!p && got)
                        p = input_peek(&in, off, got, true, &avail);
                if (n + got > cap)
                        b = realloc(b, cap = (n + got) * 2);
                memcpy(b + n, p, got);
                n += got;
                off += got;
                input_release(&in, off);
                if (got < 4096)
                        break;
        }
        if (input_failure(&in))
                snprintf(fail, fail_len, "%s", input_failure(&in));
        input_close(&in);
        *out = b;
        return n;
}

static void round_trip(unsigned method_flag, int level)
{
        const char *path = tmp_path("rt.cap");
        struct output o;
        uint8_t *e = malloc(20000u * 1600u), *got;
        char fail[512];
        CHECK(output_open_flags(&o, path, method_flag | output_level_flags(level)) == 0);
        CHECK(write_records(&o, 0, 4000) == 0);
        CHECK(output_flush(&o) == 0);
        CHECK(write_records(&o, 4000, 6000) == 0);
        uint8_t big[3u << 20]; /* bigger than half the buffer: straight to the compressor */
        memset(big, 0xA5, sizeof(big));
        CHECK(output_append(&o, big, sizeof(big)) == 0);
        CHECK(output_close(&o) == 0);
        size_t n = expect_records(0, 6000, e);
        memcpy(e + n, big, sizeof(big));
        n += sizeof(big);
        uint8_t head[4] = {0};
        int fd = open(path, O_RDONLY);
        CHECK(fd >= 0 && read(fd, head, 4) == 4);
        close(fd);
        CHECK(zio_detect(head, 4) == (method_flag == OUTPUT_GZIP ? ZIO_GZIP : ZIO_ZSTD));
        size_t m = read_all(path, &got, fail, sizeof(fail));
        CHECK_EQ_U(m, n);
        CHECK(got && m == n && memcmp(got, e, n) == 0);
        CHECK_STR(fail, "");
        free(got);
        free(e);
        unlink(path);
}

static off_t file_size(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 ? st.st_size : -1;
}

/* What a flush leaves decodes on its own; a flush with nothing new writes nothing. */
static void flush_prefix(unsigned method_flag)
{
        const char *path = tmp_path("live.cap"), *copy = tmp_path("copy.cap");
        struct output o;
        uint8_t *e = malloc(3000u * 1600u), *got;
        char fail[512], cmd[9000];
        CHECK(output_open_flags(&o, path, method_flag) == 0);
        CHECK(write_records(&o, 0, 3000) == 0);
        CHECK(output_flush(&o) == 0);
        off_t s1 = file_size(path);
        CHECK(output_flush(&o) == 0);
        CHECK_EQ_U(file_size(path), s1);
        snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", path, copy); /* the file as a crash leaves it */
        CHECK(system(cmd) == 0);
        size_t n = expect_records(0, 3000, e);
        size_t m = read_all(copy, &got, fail, sizeof(fail));
        CHECK_EQ_U(m, n);
        CHECK(got && m == n && memcmp(got, e, n) == 0);
        CHECK(strstr(fail, "truncated") != NULL); /* the stream has no end yet */
        CHECK(strstr(fail, copy) != NULL);
        free(got);
        free(e);
        output_abandon(&o);
        unlink(path);
        unlink(copy);
}

/* A failing write (file-size limit) cuts the file back to its last flush point. */
static void write_error(unsigned method_flag)
{
        const char *path = tmp_path("efbig.cap");
        unlink(path);
        pid_t pid = fork();
        if (pid == 0) {
                struct rlimit rl = {60000, 60000};
                signal(SIGXFSZ, SIG_IGN);
                setrlimit(RLIMIT_FSIZE, &rl);
                struct output o;
                if (output_open_flags(&o, path, method_flag | output_level_flags(1)) != 0)
                        _exit(3);
                /* flush every 100 records; uncompressible enough to pass 60000 bytes */
                for (uint32_t i = 0; i < 100000; i += 100) {
                        if (write_records(&o, i, i + 100) != 0 || output_flush(&o) != 0)
                                _exit(output_errno(&o) == EFBIG ? 0 : 4);
                }
                _exit(5);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        uint8_t *e = malloc(100000u * 1600u), *got;
        char fail[512];
        size_t m = read_all(path, &got, fail, sizeof(fail));
        size_t n = 0;
        uint32_t k = 0;
        while (n < m) /* a whole number of flushed groups of 100 records */
                n += expect_records(k, k + 100, e + n), k += 100;
        CHECK(m > 0 && k > 0);
        CHECK_EQ_U(m, n);
        CHECK(got && memcmp(got, e, m) == 0);
        CHECK(strstr(fail, "truncated") != NULL);
        free(got);
        free(e);
        unlink(path);
}

static void write_file(const char *path, const void *b, size_t n)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        CHECK(fd >= 0 && write(fd, b, n) == (ssize_t)n);
        close(fd);
}

static size_t slurp(const char *path, uint8_t *b, size_t cap)
{
        int fd = open(path, O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, b, cap) : -1;
        close(fd);
        return n > 0 ? (size_t)n : 0;
}

/* Two members (frames) in one file are one stream; garbage after them is damage. */
static void concatenated(unsigned method_flag)
{
        const char *a = tmp_path("a.cap"), *path = tmp_path("cat.cap");
        static uint8_t one[1 << 20], both[3 << 20], e[2 << 20];
        uint8_t *got;
        char fail[512];
        struct output o;
        CHECK(output_open_flags(&o, a, method_flag) == 0);
        CHECK(write_records(&o, 0, 300) == 0);
        CHECK(output_close(&o) == 0);
        size_t n1 = slurp(a, one, sizeof(one));
        memcpy(both, one, n1);
        memcpy(both + n1, one, n1);
        write_file(path, both, 2 * n1);
        size_t n = expect_records(0, 300, e);
        memcpy(e + n, e, n);
        size_t m = read_all(path, &got, fail, sizeof(fail));
        CHECK_EQ_U(m, 2 * n);
        CHECK(got && memcmp(got, e, 2 * n) == 0);
        CHECK_STR(fail, "");
        free(got);
        memcpy(both + 2 * n1, "\0\0\0\0garbage", 11);
        write_file(path, both, 2 * n1 + 11);
        m = read_all(path, &got, fail, sizeof(fail));
        CHECK_EQ_U(m, 2 * n);
        CHECK(strstr(fail, "corrupt") != NULL);
        free(got);
        /* cut inside the second member: the first one whole, then "truncated" */
        write_file(path, both, n1 + n1 / 2);
        m = read_all(path, &got, fail, sizeof(fail));
        CHECK(m >= n && m < 2 * n && memcmp(got, e, m) == 0);
        CHECK(strstr(fail, "truncated") != NULL);
        free(got);
        unlink(a);
        unlink(path);
}

/* A pipe that gives one byte first: the magic still decides (stream mode). */
static void pipe_short_first_read(void)
{
        const char *a = tmp_path("p.cap");
        static uint8_t z[1 << 20], e[1 << 20];
        struct output o;
        CHECK(output_open_flags(&o, a, OUTPUT_ZSTD) == 0);
        CHECK(write_records(&o, 0, 200) == 0);
        CHECK(output_close(&o) == 0);
        size_t zn = slurp(a, z, sizeof(z));
        int fds[2];
        CHECK(pipe(fds) == 0);
        pid_t pid = fork();
        if (pid == 0) {
                close(fds[0]);
                if (write(fds[1], z, 1) != 1)
                        _exit(1);
                usleep(50000);
                _exit(write(fds[1], z + 1, zn - 1) == (ssize_t)(zn - 1) ? 0 : 1);
        }
        close(fds[1]);
        char dev[64], fail[512];
        snprintf(dev, sizeof(dev), "/dev/fd/%d", fds[0]);
        uint8_t *got;
        size_t n = expect_records(0, 200, e);
        size_t m = read_all(dev, &got, fail, sizeof(fail));
        CHECK_EQ_U(m, n);
        CHECK(got && memcmp(got, e, n) == 0);
        CHECK_STR(fail, "");
        free(got);
        close(fds[0]);
        waitpid(pid, NULL, 0);
        unlink(a);
}

static void names(void)
{
        char b[64];
        CHECK(zio_output_name(b, sizeof(b), "out.pcap", ZIO_ZSTD) == 0);
        CHECK_STR(b, "out.pcap.zst");
        CHECK(zio_output_name(b, sizeof(b), "out.pcap.zst", ZIO_ZSTD) == 0);
        CHECK_STR(b, "out.pcap.zst");
        CHECK(zio_output_name(b, sizeof(b), "out.pcap.zst", ZIO_GZIP) == 0);
        CHECK_STR(b, "out.pcap.zst.gz");
        CHECK(zio_output_name(b, sizeof(b), "-", ZIO_GZIP) == 0);
        CHECK_STR(b, "-");
        CHECK(zio_output_name(b, sizeof(b), "x", ZIO_NONE) == 0);
        CHECK_STR(b, "x");
        CHECK(zio_output_name(b, 10, "123456.gz", ZIO_GZIP) == 0);
        CHECK(zio_output_name(b, 10, "1234567", ZIO_GZIP) == -1);
        CHECK(zio_method_parse("zstd") == ZIO_ZSTD && zio_method_parse("gz") == ZIO_GZIP);
        CHECK(zio_method_parse("lz4") == -1);
        CHECK(zio_level_valid(ZIO_GZIP, 9) && !zio_level_valid(ZIO_GZIP, 10));
        CHECK(zio_level_valid(ZIO_ZSTD, -5) && !zio_level_valid(ZIO_ZSTD, 99));
        uint8_t plain[4] = {0xD4, 0xC3, 0xB2, 0xA1}, gz[2] = {0x1F, 0x8B};
        CHECK(zio_detect(plain, 4) == ZIO_NONE && zio_detect(gz, 2) == ZIO_GZIP);
        CHECK(zio_detect(gz, 1) == ZIO_NONE);
}

int main(void)
{
        round_trip(OUTPUT_GZIP, 0);
        round_trip(OUTPUT_GZIP, 1);
        round_trip(OUTPUT_ZSTD, 0);
        round_trip(OUTPUT_ZSTD, 1);
        round_trip(OUTPUT_ZSTD, -3);
        flush_prefix(OUTPUT_GZIP);
        flush_prefix(OUTPUT_ZSTD);
        write_error(OUTPUT_GZIP);
        write_error(OUTPUT_ZSTD);
        concatenated(OUTPUT_GZIP);
        concatenated(OUTPUT_ZSTD);
        pipe_short_first_read();
        names();
        return check_summary("test_zio");
}
