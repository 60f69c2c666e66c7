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
 * Complete files only: with a partial name set (the program's ".part"), a
 * file is written as NAME.part and renamed to NAME when it is complete --
 * at rotation and at close (a clean stop, a handled signal, the end of the
 * input, a write error that ends the run: whole records only) -- so a
 * collector never picks up a file half-written; then the -z command runs on
 * NAME (post_rotate.c).  A constrict run that fails removes the file it was
 * writing, as the unrotated output does.  With -C -W N the ring's oldest file is removed when its
 * name is written again, so at most N files exist.
 *
 * The format writers buffer; the capture loop calls cst_dump_flush() at
 * least once a second so a reader following the file sees recent packets.
 * Only whole records ever reach the buffer, so a signal cannot cut one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <constrictor/constrictor.h>
#include <constrictor/capture.h>
#include "format/pcap.h"
#include "format/pcapng.h"
#include "format/pcap_record.h"
#include "format/pcapng_record.h"
#include "sink/dump_int.h"
#include "sink/post_rotate.h"
#include "util/output.h"
#include "util/zio.h"

/* A raw PCAPNG block through the sink, as the pcapng reader would hand it over. */
int dump_block(struct dump_file *f, const uint8_t *b, size_t len, uint8_t flags, char *err)
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

/* The header of a new file: the input's (constrict), else synthesized. */
static int dump_header(struct cst_dumper *d, struct dump_file *f, char *err)
{
        if (d->off.on && (d->off.cfg.copy_blocks || d->off.cfg.pcap_header))
                return doff_header(d, f, err);
        return d->pcapng ? dump_pcapng_header(d, f, err) : CST_OK;
}

/*
 * Open the file `path` (under its partial name) and write its header(s);
 * the header is flushed (a full disk shows now).
 */
static int dump_file_open(struct cst_dumper *d, struct dump_file *f, const char *path, char *err)
{
        int rc;
        memset(f, 0, sizeof(*f));
        snprintf(f->final, sizeof(f->final), "%s", path);
        /* a device or a FIFO (-w /dev/null) is written in place, never renamed over */
        struct stat pst;
        bool special = stat(path, &pst) == 0 && !S_ISREG(pst.st_mode);
        if (!d->partial || strcmp(path, "-") == 0 || special)
                snprintf(f->wpath, sizeof(f->wpath), "%s", path);
        else if (rot_part_name(path, d->part_prefix, d->part_suffix, f->wpath, sizeof(f->wpath)) <
                 0)
                return snprintf(err, CST_ERRBUF, "output file name too long: %.200s", path),
                       CST_EFATAL;
        errno = 0;
        /* names made up by rotation or for a partial file: no symbolic link followed */
        unsigned flags = d->rotating || (d->partial && !special) ? OUTPUT_NOFOLLOW : 0;
        flags |= output_compress_flags(d->o.compress, d->o.compress_level);
        if (d->o.direct_io)
                flags |= OUTPUT_DIRECT;
        if (d->pcapng) {
                rc = pcapng_sink_open_flags(&f->sink, f->wpath, flags, err);
        } else {
                uint8_t hdr[PCAP_GLOBAL_HEADER_LEN];
                if (d->off.on && d->off.cfg.pcap_header)
                        memcpy(hdr, d->off.pcap_header, sizeof(hdr));
                else
                        pcap_make_header(hdr, d->nsec, d->o.snaplen, d->o.linktype);
                rc = pcap_sink_open_flags(&f->sink, f->wpath, hdr, flags, err);
                f->bytes = PCAP_GLOBAL_HEADER_LEN;
        }
        if (rc < 0) {
                if (errno) /* say which file and why */
                        snprintf(err, CST_ERRBUF, "cannot open output file %.300s: %s", f->wpath,
                                 strerror(errno));
                return CST_EFATAL;
        }
        struct stat st;
        if (stat(f->wpath, &st) == 0) {
                f->dev = st.st_dev;
                f->ino = st.st_ino;
        }
        rc = dump_header(d, f, err);
        if (rc == CST_OK)
                rc = f->sink.ops->flush(f->sink.priv, err);
        /* the common case written inline: synthesized little-endian headers, one file, one IDB */
        if (rc == CST_OK && !d->off.on && !d->rotating && !d->o.per_interface) {
                f->fast =
                    d->pcapng ? pcapng_sink_le_output(&f->sink) : pcap_sink_le_output(&f->sink);
                f->fast_ng = d->pcapng;
        }
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

/* A closed file is complete: its final name, then the -z command on it. */
static int dump_complete(const struct cst_dumper *d, const struct dump_file *f, char *err)
{
        if (strcmp(f->wpath, f->final) != 0 && rename(f->wpath, f->final) < 0) {
                snprintf(err, CST_ERRBUF, "cannot rename %.300s to its final name: %s", f->wpath,
                         strerror(errno));
                return CST_EFATAL;
        }
        if (d->post && strcmp(f->final, "-") != 0)
                post_rotate_file(d->post, f->final);
        return CST_OK;
}

/*
 * ISB (pcapng, counters known, an interface 0 exists), then close; frees the
 * sink.  A file written in full gets its final name.
 */
static int dump_file_close(struct cst_dumper *d, struct dump_file *f,
                           const struct cst_capture_stats *ks, char *err)
{
        int rc = CST_OK;
        if (!f->sink.ops)
                return CST_OK;
        if (d->pcapng && ks && ks->have_kernel && (!d->o.per_interface || f->n_ifs) && !d->off.on)
                rc = dump_isb(d, f, ks, err);
        char cerr[CST_ERRBUF];
        if (f->sink.ops->close(f->sink.priv, cerr) < 0 && rc == CST_OK) {
                memcpy(err, cerr, CST_ERRBUF);
                rc = CST_EFATAL;
        }
        f->sink.ops = NULL;
        f->fast = NULL;
        f->fast_ng = false;
        if (rc != CST_OK)
                d->failed = true;
        /* a write error leaves whole records too (output.c truncates): the file is named */
        if (!d->discard && !f->moved && dump_complete(d, f, err) < 0 && rc == CST_OK)
                rc = CST_EFATAL;
        return rc;
}

static void dump_copy_opts(struct cst_dumper *d, const char *path, const struct cst_dump_opts *o)
{
        d->o = *o;
        snprintf(d->pattern, sizeof(d->pattern), "%s", path);
        snprintf(d->ifname, sizeof(d->ifname), "%s", o->ifname ? o->ifname : "");
        snprintf(d->userappl, sizeof(d->userappl), "%s", o->userappl ? o->userappl : "");
        snprintf(d->part_prefix, sizeof(d->part_prefix), "%s",
                 o->part_prefix ? o->part_prefix : "");
        snprintf(d->part_suffix, sizeof(d->part_suffix), "%s",
                 o->part_suffix ? o->part_suffix : "");
        d->partial = d->part_prefix[0] || d->part_suffix[0];
        d->o.ifname = o->ifname ? d->ifname : NULL;
        d->o.userappl = o->userappl ? d->userappl : NULL;
        d->o.part_prefix = d->o.part_suffix = NULL; /* copied above; the -z command: dump_setup */
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

/* A compressed file's name ends in .gz / .zst (added after the rotation's number or time). */
static int dump_compress_name(const struct cst_dumper *d, char *name, size_t cap, char *err)
{
        char plain[4096];
        snprintf(plain, sizeof(plain), "%s", name);
        if (zio_output_name(name, cap, plain, (enum zio_method)d->o.compress) == 0)
                return CST_OK;
        snprintf(err, CST_ERRBUF, "output file name too long: %.200s", plain);
        return CST_EFATAL;
}

static void dump_policy(const struct cst_dumper *d, struct rot_policy *pol)
{
        *pol = (struct rot_policy){d->o.rotate_bytes, d->o.rotate_sec, d->o.rotate_files};
}

/* Rotation state and the name of the file at time now (-w as given unless -C/-G/-W name it). */
static int dump_first_name(struct cst_dumper *d, int64_t now, char *out, size_t cap, char *err)
{
        struct rot_policy pol;
        dump_policy(d, &pol);
        if (!d->rotating) {
                snprintf(out, cap, "%s", d->pattern);
                return dump_compress_name(d, out, cap, err);
        }
        rot_init(&d->rot, d->pattern, &pol, now);
        if (rot_name(&d->rot, out, cap) < 0) {
                snprintf(err, CST_ERRBUF, "output file name too long: %.200s", d->pattern);
                return CST_EFATAL;
        }
        return dump_compress_name(d, out, cap, err);
}

static void dump_leftover(void *ctx, const char *path)
{
        const struct cst_dumper *d = ctx;
        char line[CST_ERRBUF];
        snprintf(line, sizeof(line), "warning: partial file left by an earlier run: %.400s", path);
        d->o.log(d->o.log_ctx, line);
}

/* Options that need no file yet: rotation, -z, partial files left earlier. */
static int dump_setup(struct cst_dumper *d, const char *path, char *err)
{
        struct rot_policy pol;
        dump_policy(d, &pol);
        d->rotating = rot_enabled(&pol);
        if (d->rotating && strcmp(path, "-") == 0) {
                snprintf(err, CST_ERRBUF, "file rotation (-C/-G) needs an output file, not '-'");
                return CST_EFATAL;
        }
        if (strcmp(path, "-") == 0)
                d->partial = false;
        if (d->partial && d->o.log)
                rot_leftovers(d->pattern, d->rotating && pol.interval_sec,
                              d->rotating && pol.size_limit, d->part_prefix, d->part_suffix, false,
                              dump_leftover, d);
        if (d->o.post_rotate_cmd && d->o.post_rotate_cmd[0]) {
                d->post = post_rotate_new(d->o.post_rotate_cmd, d->o.post_rotate_jobs, d->o.log,
                                          d->o.log_ctx, err);
                if (!d->post)
                        return CST_ENOMEM;
        }
        d->o.post_rotate_cmd = NULL; /* the caller's string: post_rotate keeps its own copy */
        return CST_OK;
}

static void dump_free(struct cst_dumper *d)
{
        post_rotate_finish(d->post, POST_ROTATE_WAIT_SEC);
        doff_free(d);
        free(d);
}

/* The first file, named at time now (lazy: the first record's). */
static int dump_open_first(struct cst_dumper *d, int64_t now, char *err)
{
        char name[sizeof(d->f.final)];
        if (dump_first_name(d, now, name, sizeof(name), err) < 0 ||
            dump_file_open(d, &d->f, name, err) < 0)
                return CST_EFATAL;
        d->bytes_total += d->f.bytes;
        return CST_OK;
}

int dump_open_offline(cst_dumper **out, const char *path, const struct cst_dump_opts *o,
                      const struct dump_offline *off, char *err)
{
        *out = NULL;
        struct cst_dumper *d = calloc(1, sizeof(*d));
        if (!d) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        dump_copy_opts(d, path, o);
        int rc = dump_setup(d, path, err);
        if (rc == CST_OK && off)
                rc = doff_init(d, off, err);
        d->lazy = off != NULL;
        if (rc == CST_OK && !d->lazy)
                rc = dump_open_first(d, (int64_t)time(NULL), err);
        if (rc != CST_OK) {
                d->failed = true;
                dump_free(d);
                return rc;
        }
        *out = d;
        return CST_OK;
}

int cst_dump_open(cst_dumper **out, const char *path, const struct cst_dump_opts *o, char *err)
{
        return dump_open_offline(out, path, o, NULL, err);
}

/* A failed write or flush: one line naming the file and the cause (e.g. a full disk). */
static int dump_failed(cst_dumper *d, int rc, char *err)
{
        int e = errno;
        if (rc < 0)
                d->failed = true;
        if (rc < 0 && e)
                snprintf(err, CST_ERRBUF, "cannot write %.300s: %s",
                         strcmp(d->f.wpath, "-") == 0 ? "standard output" : d->f.wpath,
                         strerror(e));
        return rc;
}

int cst_dump_flush(cst_dumper *d, char *err)
{
        dump_poll(d); /* also where no pipeline polls (a merging writer) */
        if (!d->f.sink.ops)
                return CST_OK; /* lazy: nothing opened yet */
        errno = 0;
        return dump_failed(d, d->f.sink.ops->flush(d->f.sink.priv, err), err);
}

void dump_poll(cst_dumper *d)
{
        if (post_rotate_busy(d->post))
                post_rotate_poll(d->post);
}

/* -C -W ring: the oldest file goes when its name is written again (at most N files). */
static void dump_ring_drop(const struct cst_dumper *d, const char *next)
{
        if (d->partial && d->rot.pol.size_limit && d->rot.pol.max_files)
                unlink(next);
}

/* The next file: opened (header written) before the current one is closed. */
static int dump_rotate(struct cst_dumper *d, char *err)
{
        char next[sizeof(d->f.final)];
        struct dump_file *nf;
        struct cst_capture_stats ks = {0};
        char serr[CST_ERRBUF];
        if (rot_name(&d->rot, next, sizeof(next)) < 0) {
                snprintf(err, CST_ERRBUF, "output file name too long: %.200s", d->pattern);
                return CST_EFATAL;
        }
        if (dump_compress_name(d, next, sizeof(next), err) < 0)
                return CST_EFATAL;
        if (d->o.stats && d->o.stats(d->o.stats_ctx, &ks, serr) < 0)
                ks.have_kernel = false;
        if (strcmp(next, d->f.final) == 0) { /* same name (ring of 1, -G without %): close first */
                if (dump_file_close(d, &d->f, &ks, err) < 0)
                        return CST_EFATAL;
                dump_ring_drop(d, next);
                if (dump_file_open(d, &d->f, next, err) < 0)
                        return CST_EFATAL;
        } else {
                nf = malloc(sizeof(*nf)); /* once per file: two names of 4 KiB each */
                if (!nf)
                        return snprintf(err, CST_ERRBUF, "out of memory"), CST_ENOMEM;
                dump_ring_drop(d, next);
                if (dump_file_open(d, nf, next, err) < 0) {
                        free(nf);
                        return CST_EFATAL;
                }
                int rc = dump_file_close(d, &d->f, &ks, err);
                d->f = *nf;
                free(nf);
                if (rc < 0)
                        return CST_EFATAL;
        }
        d->bytes_total += d->f.bytes;
        dump_poll(d);
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
static uint32_t dump_rec_len(const struct cst_dumper *d, const struct cst_packet *pkt,
                             uint32_t keep_len)
{
        if (d->off.on)
                return doff_rec_len(d, pkt, keep_len);
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

/* The record as the file stores it: timestamps in its unit, pcapng options. */
static int dump_fill(struct cst_dumper *d, const struct cst_packet *pkt, struct cst_packet *rec,
                     char *err)
{
        if (d->off.on) {
                doff_record(d, pkt, rec);
                return CST_OK;
        }
        if (d->pcapng)
                return dump_pcapng_fill(d, pkt, rec, err);
        rec->ts_hi = (uint32_t)(pkt->ts_ns / 1000000000u);
        rec->ts_lo = (uint32_t)(pkt->ts_ns % 1000000000u / (d->nsec ? 1u : 1000u));
        return CST_OK;
}

/* Rotation before a record of rlen bytes at packet time ts_ns (the first file, when lazy). */
static int dump_due(struct cst_dumper *d, uint64_t ts_ns, uint32_t rlen, char *err)
{
        int64_t now = (int64_t)(ts_ns / 1000000000u);
        if (!d->f.sink.ops)
                return dump_open_first(d, now, err);
        if (!d->rotating)
                return CST_OK;
        enum rot_action a = rot_check(&d->rot, d->f.bytes, rlen, d->f.packets != 0, now);
        if (a == ROT_STOP)
                return CST_DUMP_FILE_LIMIT;
        if (a == ROT_NEXT && dump_rotate(d, err) < 0)
                return CST_EFATAL;
        return CST_OK;
}

/*
 * Bytes an opt_comment of len bytes adds to a record whose options are
 * opts_len bytes: the option (header, text, padding), and opt_endofopt when
 * the packet had no options (issue 20; the pcapng writer inserts it).
 */
static uint32_t comment_len(uint32_t opts_len, uint16_t len)
{
        return 4u + ((len + 3u) & ~3u) + (opts_len ? 0u : 4u);
}

/*
 * The common case (one file, headers of our own) written inline: the record
 * straight into the file's buffer, as dump_packet_noted() would write it
 * through the sink.  false: not written (no room, or a failed output), the
 * general path takes it.
 */
static inline bool dump_fast(cst_dumper *d, struct output *o, const struct cst_packet *pkt,
                             uint32_t keep_len)
{
        uint32_t orig = pkt->origlen < keep_len ? keep_len : pkt->origlen;
        uint32_t rlen;
        if (d->f.fast_ng) {
                uint64_t ts = dump_ts(d, pkt->ts_ns);
                const uint8_t *opts = d->flag_opts[pkt->direction < 3 ? pkt->direction : 0];
                if (!pcapng_append_epb_le(o, 0, ts, keep_len, orig, pkt->data, opts,
                                          PCAPNG_EPB_FLAGS_OPTS_LEN))
                        return false;
                if (!d->f.have_start) {
                        d->f.start_ts = ts;
                        d->f.have_start = true;
                }
                rlen = pcapng_epb_len(keep_len);
        } else {
                uint32_t sec = (uint32_t)(pkt->ts_ns / 1000000000u);
                uint32_t frac = (uint32_t)(pkt->ts_ns % 1000000000u / (d->nsec ? 1u : 1000u));
                if (!pcap_append_le(o, sec, frac, keep_len, orig, pkt->data))
                        return false;
                rlen = PCAP_RECORD_HEADER_LEN + keep_len;
        }
        d->f.bytes += rlen;
        d->f.packets++;
        d->bytes_total += rlen;
        return true;
}

int cst_dump_packet(cst_dumper *d, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        struct output *o = d->f.fast;
        if (keep_len > pkt->caplen)
                keep_len = pkt->caplen;
        if (__builtin_expect(o != NULL, 1) && dump_fast(d, o, pkt, keep_len))
                return CST_OK;
        return dump_packet_noted(d, pkt, keep_len, NULL, 0, err);
}

int dump_packet_noted(cst_dumper *d, const struct cst_packet *pkt, uint32_t keep_len,
                      const char *comment, uint16_t clen, char *err)
{
        struct cst_packet rec = *pkt;
        if (keep_len > pkt->caplen)
                keep_len = pkt->caplen;
        if (rec.origlen < keep_len)
                rec.origlen = keep_len;
        rec.kind = CST_REC_PACKET;
        if (!d->pcapng)
                comment = NULL; /* classic PCAP has no place for it */
        uint32_t rlen = dump_rec_len(d, pkt, keep_len);
        if (d->rotating || !d->f.sink.ops) {
                int rc = dump_due(d, pkt->ts_ns, rlen, err);
                if (rc != CST_OK)
                        return rc;
        }
        if (dump_fill(d, pkt, &rec, err) < 0)
                return CST_EFATAL;
        if (comment) /* the options as filled: the input's, epb_flags, or none */
                rlen += comment_len(rec.opts_len, clen);
        d->f.bytes += rlen;
        d->f.packets++;
        d->bytes_total += rlen;
        errno = 0;
        if (!comment)
                return dump_failed(d, d->f.sink.ops->write(d->f.sink.priv, &rec, keep_len, err),
                                   err);
        struct sink_note n = {.keep_len = keep_len, .comment = comment, .comment_len = clen};
        return dump_failed(d, d->f.sink.ops->write_noted(d->f.sink.priv, &rec, &n, err), err);
}

/* constrict: a raw block of the input (copied, kept for the next files, or dropped). */
int dump_input_block(cst_dumper *d, const struct cst_packet *blk, char *err)
{
        if (!d->off.on)
                return CST_OK; /* live: the dumper writes its own */
        int rc = doff_block(d, blk, err);
        return rc < 0 ? (d->failed = true, rc) : rc;
}

uint64_t cst_dump_bytes(const cst_dumper *d)
{
        return d->bytes_total;
}

const char *cst_dump_path(const cst_dumper *d)
{
        return d->f.sink.ops ? d->f.wpath : d->pattern;
}

int cst_dump_close(cst_dumper *d, const struct cst_capture_stats *ks, char *err)
{
        if (!d)
                return CST_OK;
        int rc = CST_OK;
        if (!d->f.sink.ops && d->lazy && !d->failed && !d->discard) /* no record: an empty file */
                rc = dump_open_first(d, (int64_t)time(NULL), err);
        errno = 0;
        if (rc == CST_OK)
                rc = dump_failed(d, dump_file_close(d, &d->f, ks, err), err);
        dump_free(d);
        return rc;
}

/* True when the name still leads to the file being written. */
static bool dump_name_is_ours(const struct cst_dumper *d)
{
        struct stat st;
        return stat(d->f.wpath, &st) == 0 && st.st_dev == d->f.dev && st.st_ino == d->f.ino;
}

/*
 * SIGHUP: with -C/-G the next file starts now.  Without, the -w name is
 * reopened when it no longer leads to our file (logrotate moved or removed
 * it): a new file with its own header, the old one closed complete.
 * Otherwise (or on standard output) the buffer is flushed.
 */
int dump_rotate_now(cst_dumper *d, char *err)
{
        if (!d->f.sink.ops)
                return CST_OK;
        if (d->rotating) {
                rot_force(&d->rot);
                return dump_rotate(d, err);
        }
        if (strcmp(d->f.wpath, "-") == 0 || dump_name_is_ours(d))
                return cst_dump_flush(d, err);
        struct dump_file *nf = malloc(sizeof(*nf));
        struct cst_capture_stats ks = {0};
        char serr[CST_ERRBUF];
        if (!nf)
                return snprintf(err, CST_ERRBUF, "out of memory"), CST_ENOMEM;
        if (dump_file_open(d, nf, d->f.final, err) < 0) {
                free(nf);
                return CST_EFATAL;
        }
        if (d->o.stats && d->o.stats(d->o.stats_ctx, &ks, serr) < 0)
                ks.have_kernel = false;
        d->f.moved = true; /* closed where it is now: nothing to rename, no -z */
        int rc = dump_file_close(d, &d->f, &ks, err);
        d->f = *nf;
        free(nf);
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

const char *dump_final_path(const cst_dumper *d)
{
        return d->f.sink.ops ? d->f.final : d->pattern;
}

void dump_abandon(cst_dumper *d, bool remove)
{
        char err[CST_ERRBUF], wpath[sizeof(d->f.wpath)];
        bool partial = d->f.sink.ops && strcmp(d->f.wpath, d->f.final) != 0;
        memcpy(wpath, d->f.wpath, sizeof(wpath));
        if (remove)
                d->discard = true; /* keeps its partial name, removed below */
        cst_dump_close(d, NULL, err);
        if (remove && partial)
                unlink(wpath);
}
