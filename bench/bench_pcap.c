/*
 * bench_pcap — classic PCAP loader for the benchmarks (libpcap savefile
 * format: 24-byte global header, 16-byte record headers; magic a1b2c3d4 for
 * µs, a1b23c4d for ns, in either byte order).  The whole file is read into
 * one buffer so the benchmark measures the engine, not the disk.
 */
#include "bench_pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/rd.h"

#define PCAP_MAGIC_US 0xA1B2C3D4u
#define PCAP_MAGIC_NS 0xA1B23C4Du

/*
 * Large buffers on 2 MiB pages when the kernel allows (THP "madvise" mode):
 * with 4 KiB pages every few packets of an in-memory capture cost a TLB
 * miss, which measures the harness rather than the engine.
 */
void *bench_alloc_big(size_t n)
{
        void *p = NULL;
        size_t huge = 2u << 20;
        if (posix_memalign(&p, huge, n ? n : 1))
                return NULL;
        madvise(p, (n + huge - 1) & ~(huge - 1), MADV_HUGEPAGE);
        return p;
}

int bench_capture_push(struct bench_capture *c, const struct cst_packet *p)
{
        if (c->n == c->cap) {
                size_t ncap = c->cap ? c->cap * 2 : 4096;
                struct cst_packet *np = realloc(c->pkts, ncap * sizeof(*np));
                if (!np)
                        return CST_ENOMEM;
                c->pkts = np;
                c->cap = ncap;
        }
        c->pkts[c->n++] = *p;
        return 0;
}

static int read_whole(const char *path, struct bench_capture *c, char *err)
{
        int fd = open(path, O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                snprintf(err, CST_ERRBUF, "%s: %s", path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return CST_EFATAL;
        }
        c->buf_len = (size_t)st.st_size;
        c->buf = bench_alloc_big(c->buf_len);
        size_t got = 0;
        while (c->buf && got < c->buf_len) {
                ssize_t r = read(fd, c->buf + got, c->buf_len - got);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                got += (size_t)r;
        }
        close(fd);
        if (!c->buf || got != c->buf_len) {
                snprintf(err, CST_ERRBUF, "%s: short read (%zu of %zu bytes)", path, got,
                         c->buf_len);
                return CST_EFATAL;
        }
        return 0;
}

/* Parse the global header; sets byte order and timestamp unit. */
static int parse_global(struct rd *r, bool *be, bool *ns, uint32_t *linktype, char *err)
{
        uint32_t magic = rd_le32(r);
        if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS) {
                *be = false;
        } else if (__builtin_bswap32(magic) == PCAP_MAGIC_US ||
                   __builtin_bswap32(magic) == PCAP_MAGIC_NS) {
                *be = true;
                magic = __builtin_bswap32(magic);
        } else {
                snprintf(err, CST_ERRBUF, "not a classic pcap file (magic 0x%08x)", magic);
                return CST_EFATAL;
        }
        *ns = magic == PCAP_MAGIC_NS;
        rd_skip(r, 16); /* version, thiszone, sigfigs, snaplen */
        *linktype = rd_u32_order(r, *be) & 0x0FFFFFFFu;
        if (r->err) {
                snprintf(err, CST_ERRBUF, "pcap global header truncated");
                return CST_EFATAL;
        }
        return 0;
}

static int parse_records(struct rd *r, bool be, bool ns, struct bench_capture *c, char *err)
{
        while (rd_left(r) > 0) {
                size_t at = r->off;
                struct cst_packet p = {0};
                p.ts_hi = rd_u32_order(r, be);
                p.ts_lo = rd_u32_order(r, be);
                p.caplen = rd_u32_order(r, be);
                p.origlen = rd_u32_order(r, be);
                p.data = rd_ptr(r, p.caplen);
                if (r->err || !p.data) {
                        snprintf(err, CST_ERRBUF, "record at offset %zu truncated", at);
                        return CST_EFATAL;
                }
                p.ts_ns = (uint64_t)p.ts_hi * 1000000000u + (uint64_t)p.ts_lo * (ns ? 1 : 1000);
                p.linktype = c->linktype;
                p.kind = CST_REC_PACKET;
                if (bench_capture_push(c, &p)) {
                        snprintf(err, CST_ERRBUF, "out of memory");
                        return CST_ENOMEM;
                }
        }
        return 0;
}

int bench_load_pcap(const char *path, struct bench_capture *c, char *err)
{
        memset(c, 0, sizeof(*c));
        if (read_whole(path, c, err))
                return CST_EFATAL;
        struct rd r = rd_init(c->buf, c->buf_len);
        bool be = false, ns = false;
        if (parse_global(&r, &be, &ns, &c->linktype, err))
                return CST_EFATAL;
        return parse_records(&r, be, ns, c, err);
}

void bench_capture_free(struct bench_capture *c)
{
        free(c->buf);
        free(c->pkts);
        memset(c, 0, sizeof(*c));
}

static void put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

/* Write `c` as a little-endian µs classic PCAP file. */
int bench_write_pcap(const char *path, const struct bench_capture *c, char *err)
{
        FILE *f = fopen(path, "wb");
        if (!f) {
                snprintf(err, CST_ERRBUF, "%s: %s", path, strerror(errno));
                return CST_EFATAL;
        }
        uint8_t g[24] = {0};
        put_le32(g, PCAP_MAGIC_US);
        g[4] = 2, g[6] = 4;
        put_le32(g + 16, 262144);
        put_le32(g + 20, c->linktype);
        int bad = fwrite(g, 1, 24, f) != 24;
        for (size_t i = 0; i < c->n && !bad; i++) {
                const struct cst_packet *p = &c->pkts[i];
                uint8_t h[16];
                put_le32(h, p->ts_hi);
                put_le32(h + 4, p->ts_lo);
                put_le32(h + 8, p->caplen);
                put_le32(h + 12, p->origlen);
                bad = fwrite(h, 1, 16, f) != 16 || fwrite(p->data, 1, p->caplen, f) != p->caplen;
        }
        if (fclose(f) || bad) {
                snprintf(err, CST_ERRBUF, "%s: write failed", path);
                return CST_EFATAL;
        }
        return 0;
}
