/*
 * fuzz_file — shared body of the capture-file fuzz targets (fuzz_pcap,
 * fuzz_pcapng): the input is a whole capture file.  It is handed to the real
 * offline pipeline through a memfd (mapped reader) and, when small enough,
 * through a pipe on stdin ("-", the stream reader), then:
 *   - constrict under a TLS policy (picked by the input) into a file of a
 *     private scratch directory (a real name: outputs may be written under
 *     a temporary name and renamed), sometimes with a decision log;
 *   - whatever the run wrote must read back cleanly (also the prefix left
 *     by CST_ETAIL or a fatal error: "partial output readable");
 *   - reinflate the input (sometimes with checksum recompute and random
 *     fill) to /dev/null;
 *   - every error message is one non-empty line.
 * A broken invariant traps so the fuzzer reports it.
 */
#ifndef CST_FUZZ_FILE_H
#define CST_FUZZ_FILE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <constrictor/constrictor.h>

#define FUZZ_MAX_INPUT (1u << 20)

static inline void fuzz_require(int cond)
{
        if (!cond)
                __builtin_trap();
}

/* A library message: non-empty, one line, NUL-terminated inside the buffer. */
static inline void fuzz_check_msg(const char *err)
{
        size_t n = strnlen(err, CST_ERRBUF);
        fuzz_require(n > 0 && n < CST_ERRBUF);
        fuzz_require(memchr(err, '\n', n) == NULL);
}

static inline int fuzz_memfd(const char *name, const uint8_t *data, size_t size, char *path)
{
        int fd = memfd_create(name, MFD_CLOEXEC);
        if (fd < 0)
                return -1;
        size_t done = 0;
        while (done < size) {
                ssize_t w = write(fd, data + done, size - done);
                if (w <= 0) {
                        close(fd);
                        return -1;
                }
                done += (size_t)w;
        }
        snprintf(path, 64, "/proc/self/fd/%d", fd);
        return fd;
}

/* The scratch directory, made once per process (tmpfs when there is one). */
static char fuzz_dir[128];

/* Empty the scratch directory (outputs, and any partial file an error left). */
static inline void fuzz_tmp_clear(void)
{
        DIR *d = opendir(fuzz_dir);
        struct dirent *e;
        char path[512];
        if (!d)
                return;
        while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                snprintf(path, sizeof(path), "%s/%s", fuzz_dir, e->d_name);
                unlink(path);
        }
        closedir(d);
}

static inline void fuzz_tmp_cleanup(void)
{
        fuzz_tmp_clear();
        rmdir(fuzz_dir);
}

/* path = "<scratch dir>/name" in an emptied directory; -1 if there is none. */
static inline int fuzz_tmp_path(const char *name, char *path, size_t cap)
{
        if (!fuzz_dir[0]) {
                const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
                snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/cst-fuzz-XXXXXX", base);
                if (!mkdtemp(fuzz_dir)) {
                        fuzz_dir[0] = '\0';
                        return -1;
                }
                atexit(fuzz_tmp_cleanup);
        }
        fuzz_tmp_clear();
        snprintf(path, cap, "%s/%s", fuzz_dir, name);
        return 0;
}

static inline void fuzz_print_stats(const struct cst_stats *st)
{
        FILE *f = fopen("/dev/null", "w");
        if (!f)
                return;
        cst_stats_print_text(f, st, false);
        cst_stats_print_text(f, st, true);
        cst_stats_print_json(f, st);
        fclose(f);
}

/* Result codes every whole-file call may return. */
static inline void fuzz_check_rc(int rc, const char *err)
{
        fuzz_require(rc == CST_OK || rc == CST_ETAIL || rc == CST_EFATAL || rc == CST_ENOMEM);
        if (rc != CST_OK)
                fuzz_check_msg(err);
}

/*
 * Our own output must read back: a reader rejecting it means lost data.
 * Also after a fatal error: the prefix written so far stays readable
 * (an empty output means nothing was written).  After CST_OK or CST_ETAIL
 * it holds exactly the packets the run counted.
 */
static inline void fuzz_reread(const char *path, int first_rc, const struct cst_stats *first)
{
        struct stat sb;
        if (stat(path, &sb) != 0 || sb.st_size == 0)
                return;
        struct cst_config cfg;
        struct cst_stats st;
        char err[CST_ERRBUF] = "";
        cst_config_defaults(&cfg);
        int rc = cst_constrict_file(path, "/dev/null", &cfg, NULL, &st, err);
        fuzz_require(rc == CST_OK);
        if (first_rc == CST_OK || first_rc == CST_ETAIL) {
                fuzz_require(st.total_packets == first->total_packets);
                fuzz_require(st.total_captured_bytes_read == first->total_captured_bytes_written);
                fuzz_require(st.total_original_bytes_read == first->total_original_bytes_read);
        }
}

static inline void fuzz_reinflate(const char *in, bool recompute)
{
        struct cst_config cfg;
        struct cst_stats st;
        char err[CST_ERRBUF] = "";
        cst_config_defaults(&cfg);
        cfg.checksum_recompute = recompute;
        cfg.fill_random = recompute;
        cfg.seed_set = true;
        cfg.seed = 7;
        int rc = cst_reinflate_file(in, "/dev/null", &cfg, &st, err);
        fuzz_check_rc(rc, err);
}

/* One constrict run of `in` under `policy` into the memfd behind `out`. */
static inline int fuzz_constrict(const char *in, const char *out, enum cst_tls_policy policy,
                                 const char *dlog, struct cst_stats *st)
{
        struct cst_config cfg;
        char err[CST_ERRBUF] = "";
        cst_config_defaults(&cfg);
        cst_config_set_policy(&cfg, policy);
        int rc = cst_constrict_file(in, out, &cfg, dlog, st, err);
        fuzz_check_rc(rc, err);
        fuzz_require(st->total_captured_bytes_written <= st->total_captured_bytes_read);
        return rc;
}

/* The stream reader: the input arrives on stdin through a pipe. */
static inline void fuzz_via_stdin(const uint8_t *data, size_t size, enum cst_tls_policy policy,
                                  const char *out)
{
        int p[2];
        if (size > 65536 || pipe(p) != 0)
                return; /* must fit the default pipe buffer: no writer thread */
        ssize_t w = size ? write(p[1], data, size) : 0;
        close(p[1]);
        int saved = dup(STDIN_FILENO);
        if (w != (ssize_t)size || saved < 0 || dup2(p[0], STDIN_FILENO) < 0) {
                close(p[0]);
                if (saved >= 0)
                        close(saved);
                return;
        }
        close(p[0]);
        struct cst_stats st;
        unlink(out);
        int rc = fuzz_constrict("-", out, policy, NULL, &st);
        fuzz_reread(out, rc, &st);
        dup2(saved, STDIN_FILENO);
        close(saved);
}

/*
 * Policies rotate with the input's last byte (a single run per policy
 * would triple the cost of an input; the fuzzer still reaches all four).
 */
static inline void fuzz_capture_file(const uint8_t *data, size_t size)
{
        static const enum cst_tls_policy policies[] = {CST_TLS_FINAL_ONLY, CST_TLS_STREAM,
                                                       CST_TLS_BULK, CST_TLS_TRACK};
        unsigned pick = size ? data[size - 1] : 0;
        enum cst_tls_policy mapped = policies[pick & 3], streamed = policies[(pick >> 2) & 3];
        char in[64], out[256];
        int ifd = fuzz_memfd("fuzz-in", data, size, in);
        if (ifd >= 0 && fuzz_tmp_path("out", out, sizeof(out)) == 0) {
                struct cst_stats st;
                int rc = fuzz_constrict(in, out, mapped, (pick & 0x10) ? "/dev/null" : NULL, &st);
                fuzz_print_stats(&st);
                fuzz_reread(out, rc, &st);
                fuzz_reinflate(in, (pick & 0x20) != 0);
                fuzz_via_stdin(data, size, streamed, out);
        }
        if (ifd >= 0)
                close(ifd);
}

#endif
