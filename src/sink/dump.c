/*
 * dump — the live capture writer (cst_dumper) on top of the format writers
 * of src/format/: classic PCAP (µs or ns) through pcap_sink_open with a
 * synthesized global header, or PCAPNG through pcapng_sink_open, fed with an
 * SHB and an IDB built here (raw blocks, written verbatim), EPBs carrying the
 * epb_flags direction as their raw options, and an ISB with the kernel
 * counters on close.
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
#include <sys/utsname.h>
#include <constrictor/constrictor.h>
#include <constrictor/capture.h>
#include "format/pcap.h"
#include "format/pcapng.h"
#include "sink/pcapng_blocks.h"

struct cst_dumper {
        struct cst_sink sink;
        bool pcapng;
        bool nsec;
        uint64_t bytes;
        uint64_t start_ts; /* pcapng: first timestamp, for isb_starttime */
        bool have_start;
        uint8_t flag_opts[3][PCAPNG_EPB_FLAGS_OPTS_LEN]; /* per enum cst_direction */
};

/* A raw PCAPNG block through the sink, as the pcapng reader would hand it over. */
static int dump_block(struct cst_dumper *d, const uint8_t *b, size_t len, uint8_t flags, char *err)
{
        struct cst_packet blk;
        memset(&blk, 0, sizeof(blk));
        blk.kind = CST_REC_BLOCK;
        blk.flags = flags;
        blk.data = b;
        blk.caplen = blk.origlen = (uint32_t)len;
        if (d->sink.ops->write(d->sink.priv, &blk, (uint32_t)len, err) < 0)
                return CST_EFATAL;
        d->bytes += len;
        return CST_OK;
}

static int dump_pcapng_header(struct cst_dumper *d, const struct cst_dump_opts *o, char *err)
{
        uint8_t shb[PCAPNG_SHB_MAX_LEN], idb[PCAPNG_IDB_MAX_LEN];
        char os[200];
        struct utsname u;
        if (uname(&u) == 0)
                snprintf(os, sizeof(os), "%s %s %s", u.sysname, u.release, u.machine);
        else
                snprintf(os, sizeof(os), "Linux");
        size_t n = pcapng_shb(shb, sizeof(shb), os, o->userappl);
        size_t m = pcapng_idb(idb, sizeof(idb), (uint16_t)o->linktype, o->snaplen, o->ifname,
                              o->nsec ? 9 : 6);
        if (n == 0 || m == 0) {
                snprintf(err, CST_ERRBUF, "pcapng header options too long");
                return CST_EFATAL;
        }
        if (dump_block(d, shb, n, CST_PKT_SHB, err) < 0 ||
            dump_block(d, idb, m, CST_PKT_IDB, err) < 0)
                return CST_EFATAL;
        for (unsigned dir = 0; dir < 3; dir++)
                pcapng_epb_flags_opts(d->flag_opts[dir],
                                      dir == CST_DIR_INBOUND    ? PCAPNG_FLAG_INBOUND
                                      : dir == CST_DIR_OUTBOUND ? PCAPNG_FLAG_OUTBOUND
                                                                : 0);
        return CST_OK;
}

static int dump_open_sink(struct cst_dumper *d, const char *path, const struct cst_dump_opts *o,
                          char *err)
{
        int rc;
        errno = 0;
        if (d->pcapng) {
                rc = pcapng_sink_open(&d->sink, path, err);
        } else {
                uint8_t hdr[PCAP_GLOBAL_HEADER_LEN];
                pcap_make_header(hdr, o->nsec, o->snaplen, o->linktype);
                rc = pcap_sink_open(&d->sink, path, hdr, err);
                d->bytes = PCAP_GLOBAL_HEADER_LEN;
        }
        if (rc < 0 && errno) /* say which file and why */
                snprintf(err, CST_ERRBUF, "cannot open output file %s: %s", path, strerror(errno));
        return rc;
}

int cst_dump_open(cst_dumper **out, const char *path, const struct cst_dump_opts *o, char *err)
{
        *out = NULL;
        struct cst_dumper *d = calloc(1, sizeof(*d));
        if (!d) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        d->pcapng = o->format == CST_FORMAT_PCAPNG;
        d->nsec = o->nsec;
        if (dump_open_sink(d, path, o, err) < 0) {
                free(d);
                return CST_EFATAL;
        }
        int rc = d->pcapng ? dump_pcapng_header(d, o, err) : CST_OK;
        if (rc == CST_OK)
                rc = cst_dump_flush(d, err); /* a full disk shows before capture starts */
        if (rc < 0) {
                char ignored[CST_ERRBUF];
                d->sink.ops->close(d->sink.priv, ignored);
                free(d);
                return rc;
        }
        *out = d;
        return CST_OK;
}

int cst_dump_flush(cst_dumper *d, char *err)
{
        return d->sink.ops->flush(d->sink.priv, err);
}

/* Timestamp in the file's unit: ns, or µs. */
static uint64_t dump_ts(const struct cst_dumper *d, uint64_t ts_ns)
{
        return d->nsec ? ts_ns : ts_ns / 1000u;
}

int cst_dump_packet(cst_dumper *d, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        struct cst_packet rec = *pkt;
        if (keep_len > pkt->caplen)
                keep_len = pkt->caplen;
        if (rec.origlen < keep_len)
                rec.origlen = keep_len;
        rec.kind = CST_REC_PACKET;
        if (d->pcapng) {
                uint64_t ts = dump_ts(d, pkt->ts_ns);
                if (!d->have_start) {
                        d->start_ts = ts;
                        d->have_start = true;
                }
                rec.ifid = 0;
                rec.ts_hi = (uint32_t)(ts >> 32);
                rec.ts_lo = (uint32_t)ts;
                rec.opts = d->flag_opts[pkt->direction < 3 ? pkt->direction : 0];
                rec.opts_len = PCAPNG_EPB_FLAGS_OPTS_LEN;
                d->bytes += pcapng_epb_len(keep_len);
        } else {
                rec.ts_hi = (uint32_t)(pkt->ts_ns / 1000000000u);
                rec.ts_lo = (uint32_t)(pkt->ts_ns % 1000000000u / (d->nsec ? 1u : 1000u));
                d->bytes += PCAP_RECORD_HEADER_LEN + keep_len;
        }
        return d->sink.ops->write(d->sink.priv, &rec, keep_len, err);
}

uint64_t cst_dump_bytes(const cst_dumper *d)
{
        return d->bytes;
}

static int dump_isb(struct cst_dumper *d, const struct cst_capture_stats *ks, char *err)
{
        struct timespec now;
        uint8_t isb[PCAPNG_ISB_LEN];
        clock_gettime(CLOCK_REALTIME, &now);
        uint64_t ts = dump_ts(d, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
        size_t n = pcapng_isb(isb, sizeof(isb), 0, ts, d->have_start ? d->start_ts : ts,
                              ks->kernel_packets, ks->kernel_drops);
        return dump_block(d, isb, n, 0, err);
}

int cst_dump_close(cst_dumper *d, const struct cst_capture_stats *ks, char *err)
{
        if (!d)
                return CST_OK;
        int rc = CST_OK;
        if (d->pcapng && ks && ks->have_kernel)
                rc = dump_isb(d, ks, err);
        char cerr[CST_ERRBUF];
        if (d->sink.ops->close(d->sink.priv, cerr) < 0 && rc == CST_OK) {
                memcpy(err, cerr, CST_ERRBUF);
                rc = CST_EFATAL;
        }
        free(d);
        return rc;
}
