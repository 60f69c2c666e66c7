/*
 * file — a capture file read as if it came from the wire, behind the
 * capture handle, through the project's format readers (src/format/):
 *
 *   - the AFPacket recorder's offline feed (SPEC 3.3 item 8, 3.4): classic
 *     PCAP of Ethernet frames only; PCAPNG and other link types are refused;
 *   - `capture -r FILE` (as tcpdump -r): PCAP or PCAPNG of any link type,
 *     standard input and pipes included, with a tcpdump expression applied in
 *     user space (user_filter.h, as constrict applies it: compiled for the
 *     file's link type, LINKTYPE_ values mapped to libpcap's DLT_ ones).
 *
 * Unlike the offline tool's incomplete tail, a truncated record is an error
 * here ("packet N at offset O: truncated packet data: need X bytes, have Y",
 * packets counted from 1).  Of the PCAPNG blocks other than packets only
 * the Decryption Secrets Blocks (draft-ietf-opsawg-pcapng §4.7) go on, as
 * raw blocks, so a PCAPNG output keeps the TLS secrets as constrict does
 * (sink/dump_sink.c writes them); the rest are skipped.  The link type is
 * the first interface's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture/afp.h"
#include "capture/user_filter.h"
#include "format/format.h"
#include "format/pcap.h"
#include "format/pcapng.h"
#include "util/rd.h"

#define FILE_BATCH 256

struct file_priv;
static int file_truncated(struct file_priv *p, char *err);

struct file_priv {
        struct cst_source src;
        struct cst_packet recs[FILE_BATCH]; /* the reader's current batch */
        unsigned n, pos;
        uint64_t index;  /* packets delivered (and skipped by the filter) */
        uint64_t offset; /* classic PCAP: file offset of the next record */
        bool feed;       /* the AFPacket feed's stricter rules */
        bool ended;
        bool big_endian;            /* PCAPNG: the current section's byte order */
        struct user_filter *filter; /* -r FILE EXPRESSION, or NULL */
};

/* Link type of an IDB (pcapng draft §4.2: u16 at body offset 0) in its section's order. */
static uint32_t idb_linktype(const struct cst_packet *idb, bool big_endian)
{
        struct rd r = rd_init(idb->data, idb->caplen);
        rd_skip(&r, 8);
        uint16_t lt = rd_u16_order(&r, big_endian);
        return r.err ? 0 : lt;
}

/* PCAPNG: the first batch is read now; the first IDB gives the link type. */
static int file_first_linktype(struct cst_capture *c, struct file_priv *p, char *err)
{
        bool big_endian = false;
        int n;
        do /* still opening: no run loop looks at requests yet */
                n = p->src.ops->next_batch(p->src.priv, p->recs, FILE_BATCH, err);
        while (n == CST_SOURCE_INTERRUPTED);
        if (n == 0)
                p->ended = true;
        if (n == CST_ETAIL)
                return file_truncated(p, err);
        if (n <= 0)
                return n;
        p->n = (unsigned)n;
        p->pos = 0;
        for (unsigned i = 0; i < p->n; i++) {
                const struct cst_packet *r = &p->recs[i];
                if ((r->flags & CST_PKT_SHB) && r->caplen >= 12)
                        big_endian = r->data[8] == 0x1A;
                if (r->flags & CST_PKT_IDB) {
                        c->linktype = idb_linktype(r, big_endian);
                        return CST_OK;
                }
        }
        return CST_OK;
}

static int file_header(struct cst_capture *c, struct file_priv *p, char *err)
{
        if (p->src.format == CST_FORMAT_PCAPNG) {
                if (p->feed) {
                        snprintf(err, CST_ERRBUF,
                                 "pcapng is not supported by this offline feed mode");
                        return CST_EFATAL;
                }
                c->snaplen = 0;
                return file_first_linktype(c, p, err);
        }
        c->snaplen = p->src.snaplen;
        c->linktype = p->src.linktype & 0x0FFFFFFFu; /* the upper bits are FCS/class flags */
        if (c->linktype != CST_LINK_ETHERNET && p->feed) {
                snprintf(err, CST_ERRBUF,
                         "unsupported linktype %u; only Ethernet (DLT_EN10MB/1) is supported",
                         c->linktype);
                return CST_EFATAL;
        }
        p->offset = PCAP_GLOBAL_HEADER_LEN;
        return CST_OK;
}

static int file_open(cst_capture **out, const char *path, bool feed, char *err)
{
        *out = NULL;
        struct cst_capture *c = calloc(1, sizeof(*c));
        struct file_priv *p = calloc(1, sizeof(*p));
        if (!c || !p) {
                free(c);
                free(p);
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        c->fd = -1;
        c->ops = &afp_file_ops;
        p->feed = feed;
        snprintf(c->ifname, sizeof(c->ifname), "file");
        if (format_source_open(&p->src, path, err) < 0) {
                if (strncmp(err, "failed to open input file", 25) == 0)
                        snprintf(err, CST_ERRBUF, "cannot open %.400s: %s", path, strerror(errno));
                free(p);
                cst_capture_close(c);
                return CST_EFATAL;
        }
        c->priv = p;
        if (file_header(c, p, err) < 0) {
                cst_capture_close(c);
                return CST_EFATAL;
        }
        *out = c;
        return CST_OK;
}

int cst_capture_open_feed(cst_capture **out, const char *path, char *err)
{
        return file_open(out, path, true, err);
}

int cst_capture_open_file(cst_capture **out, const char *path, const char *filter, char *err)
{
        if (file_open(out, path, false, err) < 0)
                return CST_EFATAL;
        struct file_priv *p = (*out)->priv;
        if (filter && filter[0] &&
            ufilter_new(&p->filter, filter, (*out)->linktype, (*out)->snaplen, err) < 0) {
                cst_capture_close(*out);
                *out = NULL;
                return CST_EFATAL;
        }
        return CST_OK;
}

/* A classic record cut short: the feed's message (packets counted from 1). */
static int file_truncated(struct file_priv *p, char *err)
{
        struct cst_source_tail t = {0};
        if (p->src.ops->tail)
                p->src.ops->tail(p->src.priv, &t);
        if (p->src.format != CST_FORMAT_PCAP || !t.present || t.oversized)
                return CST_EFATAL; /* PCAPNG, damaged record: the reader's message says where */
        bool header = t.missing_bytes == 0;
        snprintf(err, CST_ERRBUF,
                 "packet %llu at offset %llu: truncated %s: need %llu bytes, have %llu",
                 (unsigned long long)p->index + 1, (unsigned long long)p->offset,
                 header ? "record header" : "packet data",
                 header ? (unsigned long long)PCAP_RECORD_HEADER_LEN
                        : (unsigned long long)(t.trailing_bytes + t.missing_bytes),
                 (unsigned long long)t.trailing_bytes);
        return CST_EFATAL;
}

static int file_refill(struct file_priv *p, char *err)
{
        if (p->ended)
                return CST_CAPTURE_EOF;
        int n = p->src.ops->next_batch(p->src.priv, p->recs, FILE_BATCH, err);
        if (n == CST_SOURCE_INTERRUPTED)
                return 0; /* a signal while the pipe is idle: the capture loop looks */
        if (n == 0) {
                p->ended = true;
                return CST_CAPTURE_EOF;
        }
        if (n == CST_ETAIL)
                return file_truncated(p, err);
        if (n < 0)
                return n;
        p->n = (unsigned)n;
        p->pos = 0;
        return n;
}

/* A raw block: a DSB goes on (its section's byte order known from the last SHB). */
static int file_block(struct file_priv *p, const struct cst_packet *r)
{
        struct rd b = rd_init(r->data, r->caplen);
        if (r->flags & CST_PKT_SHB) {
                p->big_endian = r->caplen >= 12 && r->data[8] == 0x1A;
                return 0;
        }
        uint32_t type = rd_u32_order(&b, p->big_endian);
        return !b.err && type == PCAPNG_BT_DSB && !(r->flags & CST_PKT_IDB);
}

/*
 * 1 when the record goes on: a packet of the capture's link type passing
 * the -r filter, or a DSB; 0; or an error.
 */
static int file_pass(const struct cst_capture *c, struct file_priv *p, const struct cst_packet *r,
                     char *err)
{
        if (r->kind == CST_REC_BLOCK)
                return file_block(p, r);
        if (r->kind != CST_REC_PACKET || (r->flags & CST_PKT_UNKNOWN_IF))
                return 0;
        if (p->src.format == CST_FORMAT_PCAPNG && r->linktype != c->linktype)
                return 0;
        return p->filter ? ufilter_match(p->filter, r, err) : 1;
}

/* Views of the reader's current batch, copied into pkts; refilled when used up. */
static int file_next_batch(struct cst_capture *c, struct cst_packet *pkts, unsigned max,
                           int timeout_ms, char *err)
{
        struct file_priv *p = c->priv;
        unsigned out = 0;
        (void)timeout_ms;
        if (p->pos == p->n) {
                int rc = file_refill(p, err);
                if (rc < 0)
                        return rc;
        }
        while (p->pos < p->n && out < max) {
                const struct cst_packet *r = &p->recs[p->pos++];
                if (r->kind == CST_REC_PACKET) {
                        p->offset += PCAP_RECORD_HEADER_LEN + (uint64_t)r->caplen;
                        p->index++;
                }
                int pass = file_pass(c, p, r, err);
                if (pass < 0)
                        return pass;
                if (pass)
                        pkts[out++] = *r;
        }
        return (int)out; /* 0: all filtered; the caller asks again */
}

static void file_teardown(struct cst_capture *c)
{
        struct file_priv *p = c->priv;
        if (!p)
                return;
        if (p->src.ops)
                p->src.ops->close(p->src.priv);
        ufilter_free(p->filter);
        free(p);
        c->priv = NULL;
}

const struct afp_backend_ops afp_file_ops = {
    .name = "file",
    .setup = NULL,
    .next_batch = file_next_batch,
    .release = NULL,
    .teardown = file_teardown,
};

bool afp_is_file(const struct cst_capture *c)
{
        return c->ops == &afp_file_ops;
}
