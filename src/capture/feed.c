/*
 * feed — the offline feed of the AFPacket recorder (SPEC 3.3 item 8, 3.4):
 * a classic PCAP file of Ethernet frames delivered through the capture
 * interface, one record per batch, so the live loop, policy and writer run
 * unchanged and deterministically.  PCAPNG and other link types are refused;
 * a truncated record is an error (not the offline tool's incomplete tail).
 * File header and record headers are read through struct rd (pcap format:
 * https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html).
 *
 * The same reader serves `capture -r FILE` (as tcpdump -r): any link type,
 * and a tcpdump expression applied in user space (libpcap compiles it for the
 * file's link type; pcap_offline_filter runs it on each record).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "capture/afp.h"
#include "util/rd.h"

#define FEED_MAX_RECORD 0x4000000u /* 64 MiB: larger records are corrupt input */

struct feed_priv {
        FILE *f;
        bool big_endian;
        bool nsec;
        uint64_t index; /* records read */
        uint64_t offset;
        uint8_t *buf;
        uint32_t buf_len;
        bool any_link; /* -r: every link type */
        bool have_filter;
        struct bpf_program filter;
};

static int feed_header(struct cst_capture *c, struct feed_priv *p, const char *path, char *err)
{
        uint8_t h[24];
        size_t got = fread(h, 1, sizeof(h), p->f);
        struct rd r = rd_init(h, got);
        uint32_t magic = rd_le32(&r);
        if (got >= 4 && magic == 0x0A0D0D0Au) {
                snprintf(err, CST_ERRBUF,
                         p->any_link ? "%s: pcapng input is not supported by capture -r "
                                       "(use constrictor constrict)"
                                     : "pcapng is not supported by this offline feed mode%.0s",
                         path);
                return CST_EFATAL;
        }
        if (got < sizeof(h)) {
                snprintf(err, CST_ERRBUF, "%s: file too short for a PCAP header (%zu of 24 bytes)",
                         path, got);
                return CST_EFATAL;
        }
        if (magic == 0xA1B2C3D4u || magic == 0xA1B23C4Du) {
                p->nsec = magic == 0xA1B23C4Du;
        } else if (magic == 0xD4C3B2A1u || magic == 0x4D3CB2A1u) {
                p->big_endian = true;
                p->nsec = magic == 0x4D3CB2A1u;
        } else {
                snprintf(err, CST_ERRBUF, "%s: not a PCAP file (magic 0x%08x)", path, magic);
                return CST_EFATAL;
        }
        rd_skip(&r, 12); /* version, thiszone, sigfigs */
        c->snaplen = rd_u32_order(&r, p->big_endian);
        c->linktype = rd_u32_order(&r, p->big_endian) & 0x0FFFFFFFu;
        if (c->linktype != CST_LINK_ETHERNET && !p->any_link) {
                snprintf(err, CST_ERRBUF,
                         "unsupported linktype %u; only Ethernet (DLT_EN10MB/1) is supported",
                         c->linktype);
                return CST_EFATAL;
        }
        p->offset = sizeof(h);
        return CST_OK;
}

static int feed_open(cst_capture **out, const char *path, bool any_link, char *err)
{
        *out = NULL;
        struct cst_capture *c = calloc(1, sizeof(*c));
        struct feed_priv *p = calloc(1, sizeof(*p));
        if (!c || !p) {
                free(c);
                free(p);
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        c->fd = -1;
        c->ops = &afp_feed_ops;
        c->priv = p;
        p->any_link = any_link;
        snprintf(c->ifname, sizeof(c->ifname), "file");
        p->f = fopen(path, "rb");
        if (!p->f) {
                snprintf(err, CST_ERRBUF, "cannot open %s: %s", path, strerror(errno));
                cst_capture_close(c);
                return CST_EFATAL;
        }
        if (feed_header(c, p, path, err) < 0) {
                cst_capture_close(c);
                return CST_EFATAL;
        }
        *out = c;
        return CST_OK;
}

int cst_capture_open_feed(cst_capture **out, const char *path, char *err)
{
        return feed_open(out, path, false, err);
}

static int feed_compile(struct cst_capture *c, struct feed_priv *p, const char *expr, char *err)
{
        pcap_t *dead = pcap_open_dead((int)c->linktype, c->snaplen ? (int)c->snaplen : 262144);
        if (!dead) {
                snprintf(err, CST_ERRBUF, "cannot compile filter: out of memory");
                return CST_ENOMEM;
        }
        if (pcap_compile(dead, &p->filter, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
                snprintf(err, CST_ERRBUF, "bad filter expression '%.200s': %s", expr,
                         pcap_geterr(dead));
                pcap_close(dead);
                return CST_EFATAL;
        }
        pcap_close(dead);
        p->have_filter = true;
        return CST_OK;
}

int cst_capture_open_file(cst_capture **out, const char *path, const char *filter, char *err)
{
        if (feed_open(out, path, true, err) < 0)
                return CST_EFATAL;
        if (filter && filter[0] && feed_compile(*out, (*out)->priv, filter, err) < 0) {
                cst_capture_close(*out);
                *out = NULL;
                return CST_EFATAL;
        }
        return CST_OK;
}

static int feed_grow(struct feed_priv *p, uint32_t need, char *err)
{
        if (need <= p->buf_len)
                return CST_OK;
        uint8_t *nb = realloc(p->buf, need);
        if (!nb) {
                snprintf(err, CST_ERRBUF, "out of memory for a %u-byte record", need);
                return CST_ENOMEM;
        }
        p->buf = nb;
        p->buf_len = need;
        return CST_OK;
}

static int feed_truncated(struct feed_priv *p, const char *what, size_t need, size_t have,
                          char *err)
{
        snprintf(err, CST_ERRBUF,
                 "packet %llu at offset %llu: truncated %s: need %zu bytes, have %zu",
                 (unsigned long long)p->index + 1, (unsigned long long)p->offset, what, need, have);
        return CST_EFATAL;
}

static int feed_read_one(struct cst_capture *c, struct cst_packet *pkts, char *err)
{
        struct feed_priv *p = c->priv;
        uint8_t rh[16];
        size_t got = fread(rh, 1, sizeof(rh), p->f);
        if (got == 0)
                return CST_CAPTURE_EOF;
        if (got < sizeof(rh))
                return feed_truncated(p, "record header", sizeof(rh), got, err);
        struct rd r = rd_init(rh, sizeof(rh));
        uint32_t sec = rd_u32_order(&r, p->big_endian), frac = rd_u32_order(&r, p->big_endian);
        uint32_t incl = rd_u32_order(&r, p->big_endian), orig = rd_u32_order(&r, p->big_endian);
        if (incl > FEED_MAX_RECORD) {
                snprintf(err, CST_ERRBUF,
                         "packet %llu at offset %llu: captured length %u is too large",
                         (unsigned long long)p->index + 1, (unsigned long long)p->offset, incl);
                return CST_EFATAL;
        }
        if (feed_grow(p, incl ? incl : 1, err) < 0)
                return CST_ENOMEM;
        got = fread(p->buf, 1, incl, p->f);
        if (got < incl)
                return feed_truncated(p, "packet data", incl, got, err);
        memset(&pkts[0], 0, sizeof(pkts[0]));
        pkts[0].data = p->buf;
        pkts[0].caplen = incl;
        pkts[0].origlen = orig;
        pkts[0].ts_hi = sec;
        pkts[0].ts_lo = frac;
        pkts[0].ts_ns = (uint64_t)sec * 1000000000u + (p->nsec ? frac : (uint64_t)frac * 1000u);
        pkts[0].linktype = c->linktype;
        pkts[0].kind = CST_REC_PACKET;
        p->index++;
        p->offset += sizeof(rh) + incl;
        return 1;
}

/* True when the record passes the -r filter (pcap_offline_filter on the record). */
static bool feed_pass(struct feed_priv *p, const struct cst_packet *pkt)
{
        if (!p->have_filter)
                return true;
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        h.caplen = pkt->caplen;
        h.len = pkt->origlen;
        return pcap_offline_filter(&p->filter, &h, pkt->data) != 0;
}

/* One record per batch; records the -r filter rejects are skipped. */
static int feed_next_batch(struct cst_capture *c, struct cst_packet *pkts, unsigned max,
                           int timeout_ms, char *err)
{
        (void)max;
        (void)timeout_ms;
        for (;;) {
                int rc = feed_read_one(c, pkts, err);
                if (rc <= 0 || feed_pass(c->priv, &pkts[0]))
                        return rc;
        }
}

static void feed_teardown(struct cst_capture *c)
{
        struct feed_priv *p = c->priv;
        if (!p)
                return;
        if (p->f)
                fclose(p->f);
        free(p->buf);
        if (p->have_filter)
                pcap_freecode(&p->filter);
        free(p);
        c->priv = NULL;
}

const struct afp_backend_ops afp_feed_ops = {
    .name = "offline-feed",
    .setup = NULL,
    .next_batch = feed_next_batch,
    .release = NULL,
    .teardown = feed_teardown,
};
