/*
 * Classic PCAP reader (SPEC 2.3): a cst_source over a mapped or streamed
 * file.  Packet views point into the mapping / read buffer; no copy.
 */
#include "format/pcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/input.h"
#include "util/rd.h"

struct pcap_reader {
        struct input in;
        uint64_t off;   /* file offset of the next record */
        uint64_t index; /* 0-based index of the next record */
        uint32_t linktype;
        uint32_t max_caplen; /* max(snaplen, PCAP_MAX_SNAPLEN) */
        bool big_endian;
        bool nsec;
        struct cst_source_tail tail;
};

int pcap_parse_magic(const uint8_t m[4], bool *big_endian, bool *nsec)
{
        static const uint8_t magics[4][4] = {
            {0xD4, 0xC3, 0xB2, 0xA1}, /* LE µs */
            {0xA1, 0xB2, 0xC3, 0xD4}, /* BE µs */
            {0x4D, 0x3C, 0xB2, 0xA1}, /* LE ns */
            {0xA1, 0xB2, 0x3C, 0x4D}, /* BE ns */
        };
        for (int i = 0; i < 4; i++) {
                if (memcmp(m, magics[i], 4) == 0) {
                        *big_endian = (i & 1) != 0;
                        *nsec = i >= 2;
                        return 0;
                }
        }
        return -1;
}

static int fail_read(struct pcap_reader *r, char *err)
{
        snprintf(err, CST_ERRBUF, "file offset %llu: failed to read input file",
                 (unsigned long long)r->off);
        return CST_EFATAL;
}

/* Incomplete record header: fewer than 16 bytes left. */
static int tail_header(struct pcap_reader *r, uint64_t avail, char *err)
{
        snprintf(err, CST_ERRBUF,
                 "file offset %llu: unexpected EOF while reading packet header; %llu trailing "
                 "byte(s) could not be processed",
                 (unsigned long long)r->off, (unsigned long long)avail);
        input_failure_prefix(&r->in, err);
        r->tail = (struct cst_source_tail){true, true, avail, 0, false};
        return CST_ETAIL;
}

/* A compressed input ended damaged on a record boundary: the tail is the decoder's. */
static int tail_stream(struct pcap_reader *r, char *err)
{
        snprintf(err, CST_ERRBUF, "%s; packet %llu at file offset %llu: no more data",
                 input_failure(&r->in), (unsigned long long)r->index + 1,
                 (unsigned long long)r->off);
        r->tail = (struct cst_source_tail){true, true, 0, 0, false};
        return CST_ETAIL;
}

static int tail_payload(struct pcap_reader *r, uint32_t caplen, uint64_t avail, char *err)
{
        snprintf(err, CST_ERRBUF,
                 "packet %llu at file offset %llu: unexpected EOF while reading packet payload; "
                 "expected %u byte(s), available %llu byte(s), missing %llu byte(s)",
                 (unsigned long long)r->index + 1, (unsigned long long)r->off, caplen,
                 (unsigned long long)avail, (unsigned long long)(caplen - avail));
        input_failure_prefix(&r->in, err);
        r->tail = (struct cst_source_tail){true, true, avail, caplen - avail, false};
        return CST_ETAIL;
}

/* A record bigger than the snapshot length: the input ends here (issue 17 item 3). */
static int tail_oversized(struct pcap_reader *r, uint32_t caplen, char *err)
{
        uint64_t avail = r->in.mapped && r->in.size > r->off ? r->in.size - r->off : 0;
        snprintf(err, CST_ERRBUF,
                 "packet %llu at file offset %llu: captured length %u is bigger than the snapshot "
                 "length (at most %u); the file is damaged here and %llu trailing byte(s) could "
                 "not be processed",
                 (unsigned long long)r->index + 1, (unsigned long long)r->off, caplen,
                 r->max_caplen, (unsigned long long)avail);
        r->tail = (struct cst_source_tail){true, true, avail, 0, true};
        return CST_ETAIL;
}

static void fill_record(const struct pcap_reader *r, const uint8_t *hdr, struct cst_packet *p)
{
        struct rd c = rd_init(hdr, PCAP_RECORD_HEADER_LEN);
        memset(p, 0, sizeof(*p));
        p->ts_hi = rd_u32_order(&c, r->big_endian);
        p->ts_lo = rd_u32_order(&c, r->big_endian);
        p->caplen = rd_u32_order(&c, r->big_endian);
        p->origlen = rd_u32_order(&c, r->big_endian);
        p->ts_ns = (uint64_t)p->ts_hi * 1000000000u + (uint64_t)p->ts_lo * (r->nsec ? 1u : 1000u);
        p->linktype = r->linktype;
        p->kind = CST_REC_PACKET;
}

/*
 * One record into *p.  Returns 1, 0 (clean end), CST_ETAIL/CST_EFATAL, or 2
 * when the batch must end first (the stream buffer has to move), or
 * CST_SOURCE_INTERRUPTED (nothing consumed).
 */
static int read_record(struct pcap_reader *r, struct cst_packet *p, bool first, char *err)
{
        uint64_t avail = 0;
        input_prefetch(&r->in, r->off);
        const uint8_t *hdr = input_peek(&r->in, r->off, PCAP_RECORD_HEADER_LEN, first, &avail);
        if (!hdr) {
                if (!first)
                        return 2;
                if (input_interrupted(&r->in))
                        return CST_SOURCE_INTERRUPTED;
                if (r->in.read_fail)
                        return fail_read(r, err);
                if (avail == 0)
                        return input_failure(&r->in) ? tail_stream(r, err) : 0;
                return tail_header(r, avail, err);
        }
        fill_record(r, hdr, p);
        if (p->caplen > r->max_caplen) {
                if (!first)
                        return 2; /* the records before it go out first */
                return tail_oversized(r, p->caplen, err);
        }
        const uint8_t *data =
            input_peek(&r->in, r->off + PCAP_RECORD_HEADER_LEN, p->caplen, first, &avail);
        if (!data) {
                if (!first)
                        return 2;
                if (input_interrupted(&r->in))
                        return CST_SOURCE_INTERRUPTED;
                if (r->in.read_fail)
                        return fail_read(r, err);
                return tail_payload(r, p->caplen, avail, err);
        }
        p->data = data;
        r->off += PCAP_RECORD_HEADER_LEN + (uint64_t)p->caplen;
        r->index++;
        return 1;
}

static int pcap_next_batch(void *priv, struct cst_packet *recs, unsigned max, char *err)
{
        struct pcap_reader *r = priv;
        if (r->tail.present)
                return 0;
        input_release(&r->in, r->off);
        unsigned n = 0;
        while (n < max) {
                int rc = read_record(r, &recs[n], n == 0, err);
                if (rc == 1) {
                        n++;
                        continue;
                }
                if (rc == 2 || n > 0)
                        break; /* deliver what we have; the rest on the next call */
                return rc;
        }
        return (int)n;
}

static void pcap_close(void *priv)
{
        struct pcap_reader *r = priv;
        input_close(&r->in);
        free(r);
}

static void pcap_tail(void *priv, struct cst_source_tail *t)
{
        *t = ((struct pcap_reader *)priv)->tail;
}

static const struct cst_source_ops pcap_source_ops = {
    .next_batch = pcap_next_batch,
    .close = pcap_close,
    .tail = pcap_tail,
};

/* Validate the global header; fills src's description. */
static int parse_global_header(struct cst_source *src, const uint8_t *h, char *err)
{
        if (pcap_parse_magic(h, &src->big_endian, &src->nsec) != 0) {
                snprintf(err, CST_ERRBUF, "file offset 0: unsupported classic PCAP magic number");
                return CST_EFATAL;
        }
        struct rd c = rd_init(h, PCAP_GLOBAL_HEADER_LEN);
        rd_skip(&c, 4);
        uint16_t major = rd_u16_order(&c, src->big_endian);
        uint16_t minor = rd_u16_order(&c, src->big_endian);
        if (major != 2 || minor != 4) {
                snprintf(err, CST_ERRBUF, "file offset 4: unsupported classic PCAP version %u.%u",
                         major, minor);
                return CST_EFATAL;
        }
        rd_skip(&c, 8); /* thiszone, sigfigs */
        src->snaplen = rd_u32_order(&c, src->big_endian);
        src->linktype = rd_u32_order(&c, src->big_endian);
        if (src->snaplen == 0) {
                snprintf(err, CST_ERRBUF, "file offset 16: invalid PCAP snaplen 0");
                return CST_EFATAL;
        }
        memcpy(src->pcap_header, h, PCAP_GLOBAL_HEADER_LEN);
        return CST_OK;
}

int pcap_source_open_input(struct cst_source *src, struct input *in, char *err)
{
        memset(src, 0, sizeof(*src));
        uint64_t avail = 0;
        const uint8_t *h = input_peek(in, 0, PCAP_GLOBAL_HEADER_LEN, true, &avail);
        if (!h) {
                snprintf(err, CST_ERRBUF,
                         "file offset 0: unexpected EOF while reading PCAP global header");
                input_failure_suffix(in, err);
                input_close(in);
                return CST_EFATAL;
        }
        int rc = parse_global_header(src, h, err);
        if (rc != CST_OK) {
                input_close(in);
                return rc;
        }
        struct pcap_reader *r = calloc(1, sizeof(*r));
        if (!r) {
                input_close(in);
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        r->in = *in;
        r->in.interruptible = true; /* opened: a stop signal may end a wait for records */
        r->off = PCAP_GLOBAL_HEADER_LEN;
        r->max_caplen = src->snaplen > PCAP_MAX_SNAPLEN ? src->snaplen : PCAP_MAX_SNAPLEN;
        r->linktype = src->linktype;
        r->big_endian = src->big_endian;
        r->nsec = src->nsec;
        src->ops = &pcap_source_ops;
        src->priv = r;
        src->format = CST_FORMAT_PCAP;
        return CST_OK;
}

int pcap_source_open(struct cst_source *src, const char *path, char *err)
{
        struct input in;
        memset(src, 0, sizeof(*src));
        int rc = input_open(&in, path, err);
        if (rc != CST_OK)
                return rc;
        return pcap_source_open_input(src, &in, err);
}
