/*
 * dump — the live capture writer (cst_dumper): classic PCAP with µs or ns
 * timestamps, or PCAPNG (SHB, one IDB, EPBs with epb_flags, ISB on close).
 *
 * Only the kept bytes are copied, into one large buffer written with
 * write(2) (looping on short writes and EINTR); the capture loop flushes at
 * least once a second so a reader following the file sees recent packets,
 * and whole records only ever reach the file (a signal cannot cut one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <constrictor/constrictor.h>
#include <constrictor/capture.h>
#include <constrictor/offline.h>
#include "sink/pcapng_blocks.h"
#include "util/rd.h"

#define DUMP_DEFAULT_BUFFER (1u << 20)

struct cst_dumper {
        int fd;
        bool own_fd;
        bool pcapng;
        bool nsec;
        uint8_t *buf;
        uint32_t cap;
        uint32_t used;
        uint64_t bytes;
        uint64_t start_ts; /* pcapng: first timestamp, for isb_starttime */
        bool have_start;
        char path[256];
};

static int dump_write_all(struct cst_dumper *d, const uint8_t *p, size_t n, char *err)
{
        while (n > 0) {
                ssize_t w = write(d->fd, p, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        snprintf(err, CST_ERRBUF, "cannot write %s: %s", d->path, strerror(errno));
                        return CST_EFATAL;
                }
                p += w;
                n -= (size_t)w;
        }
        return CST_OK;
}

int cst_dump_flush(cst_dumper *d, char *err)
{
        if (d->used == 0)
                return CST_OK;
        int rc = dump_write_all(d, d->buf, d->used, err);
        d->used = 0;
        return rc;
}

/* Room for n contiguous bytes in the buffer (flushing first if needed). */
static uint8_t *dump_reserve(struct cst_dumper *d, uint32_t n, char *err)
{
        if (d->cap - d->used < n && cst_dump_flush(d, err) < 0)
                return NULL;
        if (d->cap - d->used < n) {
                uint8_t *nb = realloc(d->buf, n);
                if (!nb) {
                        snprintf(err, CST_ERRBUF, "out of memory for a %u-byte record", n);
                        return NULL;
                }
                d->buf = nb;
                d->cap = n;
        }
        uint8_t *p = d->buf + d->used;
        d->used += n;
        d->bytes += n;
        return p;
}

static int dump_pcap_header(struct cst_dumper *d, const struct cst_dump_opts *o, char *err)
{
        uint8_t *h = dump_reserve(d, 24, err);
        if (!h)
                return CST_EFATAL;
        st_le32(h, o->nsec ? 0xA1B23C4Du : 0xA1B2C3D4u);
        h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4 */
        memset(h + 8, 0, 8);                    /* thiszone, sigfigs */
        st_le32(h + 16, o->snaplen);
        st_le32(h + 20, o->linktype);
        return CST_OK;
}

static int dump_pcapng_header(struct cst_dumper *d, const struct cst_dump_opts *o, char *err)
{
        uint8_t b[PCAPNG_SHB_MAX_LEN + PCAPNG_IDB_MAX_LEN];
        char os[200];
        struct utsname u;
        if (uname(&u) == 0)
                snprintf(os, sizeof(os), "%s %s %s", u.sysname, u.release, u.machine);
        else
                snprintf(os, sizeof(os), "Linux");
        size_t n = pcapng_shb(b, PCAPNG_SHB_MAX_LEN, os, o->userappl);
        size_t m = pcapng_idb(b + n, sizeof(b) - n, (uint16_t)o->linktype, o->snaplen, o->ifname,
                              o->nsec ? 9 : 6);
        if (n == 0 || m == 0) {
                snprintf(err, CST_ERRBUF, "pcapng header options too long");
                return CST_EFATAL;
        }
        uint8_t *p = dump_reserve(d, (uint32_t)(n + m), err);
        if (!p)
                return CST_EFATAL;
        memcpy(p, b, n + m);
        return CST_OK;
}

static int dump_open_fd(struct cst_dumper *d, const char *path, char *err)
{
        snprintf(d->path, sizeof(d->path), "%s", strcmp(path, "-") == 0 ? "standard output" : path);
        if (strcmp(path, "-") == 0) {
                d->fd = STDOUT_FILENO;
                return CST_OK;
        }
        d->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (d->fd < 0) {
                snprintf(err, CST_ERRBUF, "cannot open output file %s: %s", path, strerror(errno));
                return CST_EFATAL;
        }
        d->own_fd = true;
        return CST_OK;
}

int cst_dump_open(cst_dumper **out, const char *path, const struct cst_dump_opts *o, char *err)
{
        *out = NULL;
        struct cst_dumper *d = calloc(1, sizeof(*d));
        if (!d) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        d->fd = -1;
        d->pcapng = o->format == CST_FORMAT_PCAPNG;
        d->nsec = o->nsec;
        d->cap = o->buffer_bytes ? o->buffer_bytes : DUMP_DEFAULT_BUFFER;
        d->buf = malloc(d->cap);
        int rc = d->buf ? dump_open_fd(d, path, err) : CST_ENOMEM;
        if (rc == CST_ENOMEM)
                snprintf(err, CST_ERRBUF, "out of memory");
        if (rc == CST_OK)
                rc = d->pcapng ? dump_pcapng_header(d, o, err) : dump_pcap_header(d, o, err);
        if (rc == CST_OK)
                rc = cst_dump_flush(d, err); /* an unwritable output fails before capture starts */
        if (rc < 0) {
                if (d->own_fd)
                        close(d->fd);
                free(d->buf);
                free(d);
                return rc;
        }
        *out = d;
        return CST_OK;
}

static uint64_t dump_ts(const struct cst_dumper *d, uint64_t ts_ns)
{
        return d->nsec ? ts_ns : ts_ns / 1000u;
}

int cst_dump_packet(cst_dumper *d, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        uint32_t orig = pkt->origlen > keep_len ? pkt->origlen : keep_len;
        if (d->pcapng) {
                uint32_t total = pcapng_epb_len(keep_len);
                uint8_t *b = dump_reserve(d, total, err);
                if (!b)
                        return CST_EFATAL;
                uint64_t ts = dump_ts(d, pkt->ts_ns);
                if (!d->have_start) {
                        d->start_ts = ts;
                        d->have_start = true;
                }
                pcapng_epb_head(b, 0, ts, keep_len, orig);
                memcpy(b + PCAPNG_EPB_HEAD_LEN, pkt->data, keep_len);
                memset(b + PCAPNG_EPB_HEAD_LEN + keep_len, 0, (4 - (keep_len & 3)) & 3);
                uint32_t flags = pkt->direction == CST_DIR_INBOUND    ? PCAPNG_FLAG_INBOUND
                                 : pkt->direction == CST_DIR_OUTBOUND ? PCAPNG_FLAG_OUTBOUND
                                                                      : 0;
                pcapng_epb_tail(b + total - PCAPNG_EPB_TAIL_LEN, flags, total);
                return CST_OK;
        }
        uint8_t *b = dump_reserve(d, 16 + keep_len, err);
        if (!b)
                return CST_EFATAL;
        uint64_t div = d->nsec ? 1u : 1000u;
        st_le32(b, (uint32_t)(pkt->ts_ns / 1000000000u));
        st_le32(b + 4, (uint32_t)(pkt->ts_ns % 1000000000u / div));
        st_le32(b + 8, keep_len);
        st_le32(b + 12, orig);
        memcpy(b + 16, pkt->data, keep_len);
        return CST_OK;
}

uint64_t cst_dump_bytes(const cst_dumper *d)
{
        return d->bytes;
}

static int dump_isb(struct cst_dumper *d, const struct cst_capture_stats *ks, char *err)
{
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        uint64_t ts = dump_ts(d, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
        uint8_t *b = dump_reserve(d, PCAPNG_ISB_LEN, err);
        if (!b)
                return CST_EFATAL;
        pcapng_isb(b, PCAPNG_ISB_LEN, 0, ts, d->have_start ? d->start_ts : ts, ks->kernel_packets,
                   ks->kernel_drops);
        return CST_OK;
}

int cst_dump_close(cst_dumper *d, const struct cst_capture_stats *ks, char *err)
{
        if (!d)
                return CST_OK;
        int rc = CST_OK;
        if (d->pcapng && ks && ks->have_kernel)
                rc = dump_isb(d, ks, err);
        if (rc == CST_OK)
                rc = cst_dump_flush(d, err);
        if (d->own_fd && close(d->fd) < 0 && rc == CST_OK) {
                snprintf(err, CST_ERRBUF, "cannot close %s: %s", d->path, strerror(errno));
                rc = CST_EFATAL;
        }
        free(d->buf);
        free(d);
        return rc;
}
