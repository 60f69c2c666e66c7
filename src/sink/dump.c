/*
 * dump — the live capture writer (cst_dumper) on top of the format writers
 * of src/format/: classic PCAP (µs or ns) through pcap_sink_open with a
 * synthesized global header, or PCAPNG through pcapng_sink_open, fed with an
 * SHB and IDBs built here (raw blocks, written verbatim), EPBs carrying the
 * epb_flags direction as their raw options, and an ISB with the kernel
 * counters when a file is closed.
 *
 * Files rotate as tcpdump's -C/-G/-W (decisions and names: rotate.c); the
 * next file is opened and its header written before the current one is
 * closed, so every file is complete on its own.  On "any" (pcapng), one IDB
 * per interface seen in the file (if_indextoname name), EPB interface ids
 * mapped to them.
 *
 * The format writers buffer; the capture loop calls cst_dump_flush() at
 * least once a second so a reader following the file sees recent packets.
 * Only whole records ever reach the buffer, so a signal cannot cut one.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <constrictor/constrictor.h>
#include <constrictor/capture.h>
#include "format/pcap.h"
#include "format/pcapng.h"
#include "sink/pcapng_blocks.h"
#include "sink/rotate.h"
#include "util/output.h"
#include "sink/dump_sink.h"

#define DUMP_MAX_IFS 256 /* interfaces of one "any" pcapng file */

/* One output file. */
struct dump_file {
        struct cst_sink sink;
        uint64_t bytes;
        uint64_t packets;
        uint64_t start_ts; /* pcapng: first timestamp, for isb_starttime */
        bool have_start;
        uint32_t n_ifs;            /* per-interface mode: IDBs written */
        int32_t ifs[DUMP_MAX_IFS]; /* ifindex of each IDB */
        uint32_t last_ifindex, last_ifid;
        dev_t dev; /* the file as opened: SIGHUP reopens the name when it changed */
        ino_t ino;
};

struct cst_dumper {
        struct dump_file f;
        struct cst_dump_opts o; /* strings point at the copies below */
        bool pcapng;
        bool nsec;
        bool rotating;
        uint64_t bytes_total;
        struct rot_state rot;
        char path[4096]; /* name of the current file */
        char pattern[4096];
        char ifname[IF_NAMESIZE + 8];
        char userappl[128];
        char os[200];
        uint8_t flag_opts[3][PCAPNG_EPB_FLAGS_OPTS_LEN]; /* per enum cst_direction */
};

/* A raw PCAPNG block through the sink, as the pcapng reader would hand it over. */
static int dump_block(struct dump_file *f, const uint8_t *b, size_t len, uint8_t flags, char *err)
{
        struct cst_packet blk;
        memset(&blk, 0, sizeof(blk));
        blk.kind = CST_REC_BLOCK;
        blk.flags = flags;
        blk.data = b;
        blk.caplen = blk.origlen = (uint32_t)len;
        if (f->sink.ops->write(f->sink.priv, &blk, (uint32_t)len, err) < 0)
                return CST_EFATAL;
        f->bytes += len;
        return CST_OK;
}

static int dump_idb(const struct cst_dumper *d, struct dump_file *f, const char *name, char *err)
{
        uint8_t idb[PCAPNG_IDB_MAX_LEN];
        size_t m = pcapng_idb(idb, sizeof(idb), (uint16_t)d->o.linktype, d->o.snaplen, name,
                              d->nsec ? 9 : 6);
        if (m == 0) {
                snprintf(err, CST_ERRBUF, "pcapng interface name too long");
                return CST_EFATAL;
        }
        return dump_block(f, idb, m, CST_PKT_IDB, err);
}

static int dump_pcapng_header(const struct cst_dumper *d, struct dump_file *f, char *err)
{
        uint8_t shb[PCAPNG_SHB_MAX_LEN];
        size_t n = pcapng_shb(shb, sizeof(shb), d->os, d->o.userappl);
        if (n == 0) {
                snprintf(err, CST_ERRBUF, "pcapng header options too long");
                return CST_EFATAL;
        }
        if (dump_block(f, shb, n, CST_PKT_SHB, err) < 0)
                return CST_EFATAL;
        return d->o.per_interface ? CST_OK : dump_idb(d, f, d->o.ifname, err);
}

/* Open `path` and write its header(s); the header is flushed (a full disk shows now). */
static int dump_file_open(const struct cst_dumper *d, struct dump_file *f, const char *path,
                          char *err)
{
        int rc;
        memset(f, 0, sizeof(*f));
        errno = 0;
        /* names made up by rotation: no symbolic link followed, created exclusively */
        unsigned flags = d->rotating ? OUTPUT_NOFOLLOW : 0;
        if (d->pcapng) {
                rc = pcapng_sink_open_flags(&f->sink, path, flags, err);
        } else {
                uint8_t hdr[PCAP_GLOBAL_HEADER_LEN];
                pcap_make_header(hdr, d->nsec, d->o.snaplen, d->o.linktype);
                rc = pcap_sink_open_flags(&f->sink, path, hdr, flags, err);
                f->bytes = PCAP_GLOBAL_HEADER_LEN;
        }
        if (rc < 0) {
                if (errno) /* say which file and why */
                        snprintf(err, CST_ERRBUF, "cannot open output file %.300s: %s", path,
                                 strerror(errno));
                return CST_EFATAL;
        }
        struct stat st;
        if (stat(path, &st) == 0) {
                f->dev = st.st_dev;
                f->ino = st.st_ino;
        }
        rc = d->pcapng ? dump_pcapng_header(d, f, err) : CST_OK;
        if (rc == CST_OK)
                rc = f->sink.ops->flush(f->sink.priv, err);
        if (rc < 0) {
                char ignored[CST_ERRBUF];
                f->sink.ops->close(f->sink.priv, ignored);
                f->sink.ops = NULL;
        }
        return rc;
}

/* Timestamp in the file's unit: ns, or µs. */
static uint64_t dump_ts(const struct cst_dumper *d, uint64_t ts_ns)
{
        return d->nsec ? ts_ns : ts_ns / 1000u;
}

static int dump_isb(const struct cst_dumper *d, struct dump_file *f,
                    const struct cst_capture_stats *ks, char *err)
{
        struct timespec now;
        uint8_t isb[PCAPNG_ISB_LEN];
        clock_gettime(CLOCK_REALTIME, &now);
        uint64_t ts = dump_ts(d, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
        size_t n = pcapng_isb(isb, sizeof(isb), 0, ts, f->have_start ? f->start_ts : ts,
                              ks->kernel_packets, ks->kernel_drops);
        return dump_block(f, isb, n, 0, err);
}

/* ISB (pcapng, counters known, an interface 0 exists), then close; frees the sink. */
static int dump_file_close(const struct cst_dumper *d, struct dump_file *f,
                           const struct cst_capture_stats *ks, char *err)
{
        int rc = CST_OK;
        if (!f->sink.ops)
                return CST_OK;
        if (d->pcapng && ks && ks->have_kernel && (!d->o.per_interface || f->n_ifs))
                rc = dump_isb(d, f, ks, err);
        char cerr[CST_ERRBUF];
        if (f->sink.ops->close(f->sink.priv, cerr) < 0 && rc == CST_OK) {
                memcpy(err, cerr, CST_ERRBUF);
                rc = CST_EFATAL;
        }
        f->sink.ops = NULL;
        return rc;
}

static void dump_copy_opts(struct cst_dumper *d, const char *path, const struct cst_dump_opts *o)
{
        d->o = *o;
        snprintf(d->pattern, sizeof(d->pattern), "%s", path);
        snprintf(d->ifname, sizeof(d->ifname), "%s", o->ifname ? o->ifname : "");
        snprintf(d->userappl, sizeof(d->userappl), "%s", o->userappl ? o->userappl : "");
        d->o.ifname = o->ifname ? d->ifname : NULL;
        d->o.userappl = o->userappl ? d->userappl : NULL;
        d->pcapng = o->format == CST_FORMAT_PCAPNG;
        d->nsec = o->nsec;
        d->o.per_interface = o->per_interface && d->pcapng;
        struct utsname u;
        if (uname(&u) == 0)
                snprintf(d->os, sizeof(d->os), "%s %s %s", u.sysname, u.release, u.machine);
        else
                snprintf(d->os, sizeof(d->os), "Linux");
        for (unsigned dir = 0; dir < 3; dir++)
                pcapng_epb_flags_opts(d->flag_opts[dir],
                                      dir == CST_DIR_INBOUND    ? PCAPNG_FLAG_INBOUND
                                      : dir == CST_DIR_OUTBOUND ? PCAPNG_FLAG_OUTBOUND
                                                                : 0);
}

/* Rotation state and the first file name (-w as given unless -C/-G/-W name it). */
static int dump_first_name(struct cst_dumper *d, const char *path, char *err)
{
        struct rot_policy pol = {d->o.rotate_bytes, d->o.rotate_sec, d->o.rotate_files};
        d->rotating = rot_enabled(&pol);
        if (!d->rotating) {
                snprintf(d->path, sizeof(d->path), "%s", path);
                return CST_OK;
        }
        if (strcmp(path, "-") == 0) {
                snprintf(err, CST_ERRBUF, "file rotation (-C/-G) needs an output file, not '-'");
                return CST_EFATAL;
        }
        rot_init(&d->rot, d->pattern, &pol, (int64_t)time(NULL));
        if (rot_name(&d->rot, d->path, sizeof(d->path)) < 0) {
                snprintf(err, CST_ERRBUF, "output file name too long: %.200s", path);
                return CST_EFATAL;
        }
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
        dump_copy_opts(d, path, o);
        if (dump_first_name(d, path, err) < 0 || dump_file_open(d, &d->f, d->path, err) < 0) {
                free(d);
                return CST_EFATAL;
        }
        d->bytes_total = d->f.bytes;
        *out = d;
        return CST_OK;
}

/* A failed write or flush: one line naming the file and the cause (e.g. a full disk). */
static int dump_failed(const cst_dumper *d, int rc, char *err)
{
        int e = errno;
        if (rc < 0 && e)
                snprintf(err, CST_ERRBUF, "cannot write %.300s: %s",
                         strcmp(d->path, "-") == 0 ? "standard output" : d->path, strerror(e));
        return rc;
}

int cst_dump_flush(cst_dumper *d, char *err)
{
        errno = 0;
        return dump_failed(d, d->f.sink.ops->flush(d->f.sink.priv, err), err);
}

/* The next file: opened (header written) before the current one is closed. */
static int dump_rotate(struct cst_dumper *d, char *err)
{
        char next[sizeof(d->path)];
        struct dump_file nf;
        struct cst_capture_stats ks = {0};
        char serr[CST_ERRBUF];
        if (rot_name(&d->rot, next, sizeof(next)) < 0) {
                snprintf(err, CST_ERRBUF, "output file name too long: %.200s", d->pattern);
                return CST_EFATAL;
        }
        if (d->o.stats && d->o.stats(d->o.stats_ctx, &ks, serr) < 0)
                ks.have_kernel = false;
        if (strcmp(next, d->path) == 0) { /* same name (ring of 1, -G without %): close first */
                if (dump_file_close(d, &d->f, &ks, err) < 0)
                        return CST_EFATAL;
                if (dump_file_open(d, &d->f, next, err) < 0)
                        return CST_EFATAL;
        } else {
                if (dump_file_open(d, &nf, next, err) < 0)
                        return CST_EFATAL;
                int rc = dump_file_close(d, &d->f, &ks, err);
                d->f = nf;
                if (rc < 0)
                        return CST_EFATAL;
        }
        memcpy(d->path, next, sizeof(d->path));
        d->bytes_total += d->f.bytes;
        return CST_OK;
}

/* Per-interface mode: the file's interface id of ifindex, writing its IDB when new. */
static int dump_ifid(struct cst_dumper *d, uint32_t ifindex, uint32_t *ifid, char *err)
{
        struct dump_file *f = &d->f;
        if (f->n_ifs && f->last_ifindex == ifindex) {
                *ifid = f->last_ifid;
                return CST_OK;
        }
        uint32_t i = 0;
        while (i < f->n_ifs && f->ifs[i] != (int32_t)ifindex)
                i++;
        if (i == f->n_ifs) {
                char name[IF_NAMESIZE + 16];
                if (!if_indextoname(ifindex, name))
                        snprintf(name, sizeof(name), "ifindex%u", ifindex);
                if (f->n_ifs == DUMP_MAX_IFS) {
                        snprintf(err, CST_ERRBUF, "more than %u interfaces in one pcapng file",
                                 DUMP_MAX_IFS);
                        return CST_EFATAL;
                }
                if (dump_idb(d, f, name, err) < 0)
                        return CST_EFATAL;
                f->ifs[f->n_ifs++] = (int32_t)ifindex;
        }
        f->last_ifindex = ifindex;
        f->last_ifid = i;
        *ifid = i;
        return CST_OK;
}

/* Record bytes of a packet of keep_len bytes in this file format. */
static uint32_t dump_rec_len(const struct cst_dumper *d, uint32_t keep_len)
{
        return d->pcapng ? pcapng_epb_len(keep_len) : PCAP_RECORD_HEADER_LEN + keep_len;
}

static int dump_pcapng_fill(struct cst_dumper *d, const struct cst_packet *pkt,
                            struct cst_packet *rec, char *err)
{
        uint64_t ts = dump_ts(d, pkt->ts_ns);
        if (!d->f.have_start) {
                d->f.start_ts = ts;
                d->f.have_start = true;
        }
        rec->ifid = 0;
        if (d->o.per_interface) {
                uint64_t before = d->f.bytes;
                if (dump_ifid(d, pkt->ifid, &rec->ifid, err) < 0)
                        return CST_EFATAL;
                d->bytes_total += d->f.bytes - before;
        }
        rec->ts_hi = (uint32_t)(ts >> 32);
        rec->ts_lo = (uint32_t)ts;
        rec->opts = d->flag_opts[pkt->direction < 3 ? pkt->direction : 0];
        rec->opts_len = PCAPNG_EPB_FLAGS_OPTS_LEN;
        return CST_OK;
}

int cst_dump_packet(cst_dumper *d, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        struct cst_packet rec = *pkt;
        if (keep_len > pkt->caplen)
                keep_len = pkt->caplen;
        if (rec.origlen < keep_len)
                rec.origlen = keep_len;
        rec.kind = CST_REC_PACKET;
        uint32_t rlen = dump_rec_len(d, keep_len);
        if (d->rotating) {
                enum rot_action a = rot_check(&d->rot, d->f.bytes, rlen, d->f.packets != 0,
                                              (int64_t)(pkt->ts_ns / 1000000000u));
                if (a == ROT_STOP)
                        return CST_DUMP_FILE_LIMIT;
                if (a == ROT_NEXT && dump_rotate(d, err) < 0)
                        return CST_EFATAL;
        }
        if (d->pcapng) {
                if (dump_pcapng_fill(d, pkt, &rec, err) < 0)
                        return CST_EFATAL;
        } else {
                rec.ts_hi = (uint32_t)(pkt->ts_ns / 1000000000u);
                rec.ts_lo = (uint32_t)(pkt->ts_ns % 1000000000u / (d->nsec ? 1u : 1000u));
        }
        d->f.bytes += rlen;
        d->f.packets++;
        d->bytes_total += rlen;
        errno = 0;
        return dump_failed(d, d->f.sink.ops->write(d->f.sink.priv, &rec, keep_len, err), err);
}

uint64_t cst_dump_bytes(const cst_dumper *d)
{
        return d->bytes_total;
}

const char *cst_dump_path(const cst_dumper *d)
{
        return d->path;
}

int cst_dump_close(cst_dumper *d, const struct cst_capture_stats *ks, char *err)
{
        if (!d)
                return CST_OK;
        errno = 0;
        int rc = dump_failed(d, dump_file_close(d, &d->f, ks, err), err);
        free(d);
        return rc;
}

/* True when the name still leads to the file being written. */
static bool dump_name_is_ours(const struct cst_dumper *d)
{
        struct stat st;
        return stat(d->path, &st) == 0 && st.st_dev == d->f.dev && st.st_ino == d->f.ino;
}

/*
 * SIGHUP: with -C/-G the next file starts now.  Without, the -w name is
 * reopened when it no longer leads to our file (logrotate moved or removed
 * it): a new file with its own header, the old one closed complete.
 * Otherwise (or on standard output) the buffer is flushed.
 */
int dump_rotate_now(cst_dumper *d, char *err)
{
        if (d->rotating) {
                rot_force(&d->rot);
                return dump_rotate(d, err);
        }
        if (strcmp(d->path, "-") == 0 || dump_name_is_ours(d))
                return cst_dump_flush(d, err);
        struct dump_file nf;
        struct cst_capture_stats ks = {0};
        char serr[CST_ERRBUF];
        if (dump_file_open(d, &nf, d->path, err) < 0)
                return CST_EFATAL;
        if (d->o.stats && d->o.stats(d->o.stats_ctx, &ks, serr) < 0)
                ks.have_kernel = false;
        int rc = dump_file_close(d, &d->f, &ks, err);
        d->f = nf;
        d->bytes_total += d->f.bytes;
        return rc;
}

/* issue 20: a raw block (DSB) ahead of the records buffered in the current PCAPNG file. */
int dump_write_ahead(cst_dumper *d, const uint8_t *block, size_t len, char *err)
{
        if (!d->pcapng || !d->f.sink.ops || !d->f.sink.ops->write_ahead)
                return CST_OK;
        errno = 0;
        int rc = d->f.sink.ops->write_ahead(d->f.sink.priv, block, len, err);
        if (rc == CST_OK) {
                d->f.bytes += len;
                d->bytes_total += len;
        }
        return dump_failed(d, rc, err);
}

bool dump_is_pcapng(const cst_dumper *d)
{
        return d->pcapng;
}
