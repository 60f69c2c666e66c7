/*
 * Classic PCAP writer (SPEC 2.3): the global header is written as given
 * (so an untouched copy is byte-identical), records in that header's byte
 * order with the raw timestamp halves; only caplen and the bytes change.
 */
#include "format/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/output.h"
#include "util/rd.h"

struct pcap_writer {
        struct output out;
        bool big_endian;
};

static inline void put32(uint8_t *b, uint32_t v, bool big_endian)
{
        if (big_endian)
                st_be32(b, v);
        else
                st_le32(b, v);
}

static int pcap_write(void *priv, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        struct pcap_writer *w = priv;
        if (pkt->kind != CST_REC_PACKET)
                return CST_OK; /* raw pcapng blocks have no classic form */
        if (keep_len > pkt->caplen)
                keep_len = pkt->caplen;
        output_record_begin(&w->out);
        uint8_t *h = output_reserve(&w->out, PCAP_RECORD_HEADER_LEN);
        if (!h)
                return output_error_msg(&w->out, "failed to write packet header", err);
        put32(h, pkt->ts_hi, w->big_endian);
        put32(h + 4, pkt->ts_lo, w->big_endian);
        put32(h + 8, keep_len, w->big_endian);
        put32(h + 12, pkt->origlen, w->big_endian);
        if (output_append(&w->out, pkt->data, keep_len) != 0)
                return output_error_msg(&w->out, "failed to write packet data", err);
        output_record_end(&w->out);
        return CST_OK;
}

static int pcap_flush(void *priv, char *err)
{
        struct pcap_writer *w = priv;
        return output_flush_msg(&w->out, err);
}

static int pcap_close_sink(void *priv, char *err)
{
        struct pcap_writer *w = priv;
        int rc = output_close_msg(&w->out, err);
        free(w);
        return rc;
}

static void pcap_abort_sink(void *priv, bool remove)
{
        struct pcap_writer *w = priv;
        output_abandon_keep(&w->out, !remove, remove);
        free(w);
}

static const char *pcap_sink_path(void *priv)
{
        return output_path(&((struct pcap_writer *)priv)->out);
}

static const struct cst_sink_ops pcap_sink_ops = {
    .write = pcap_write,
    .flush = pcap_flush,
    .close = pcap_close_sink,
    .abort = pcap_abort_sink,
    .path = pcap_sink_path,
};

struct output *pcap_sink_le_output(const struct cst_sink *sink)
{
        if (sink->ops != &pcap_sink_ops)
                return NULL;
        struct pcap_writer *w = sink->priv;
        return w->big_endian ? NULL : &w->out;
}

int pcap_sink_open(struct cst_sink *sink, const char *path, const uint8_t header[24], char *err)
{
        return pcap_sink_open_flags(sink, path, header, 0, err);
}

int pcap_sink_open_flags(struct cst_sink *sink, const char *path, const uint8_t header[24],
                         unsigned flags, char *err)
{
        bool nsec;
        struct pcap_writer *w = calloc(1, sizeof(*w));
        if (!w) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        if (pcap_parse_magic(header, &w->big_endian, &nsec) != 0)
                w->big_endian = false; /* caller's own header: write it as given */
        if (output_open_flags(&w->out, path, flags) != 0) {
                snprintf(err, CST_ERRBUF, "failed to open output file: %.400s: %s", path,
                         strerror(errno));
                free(w);
                return CST_EFATAL;
        }
        if (output_append(&w->out, header, PCAP_GLOBAL_HEADER_LEN) != 0 ||
            output_flush(&w->out) != 0) {
                output_error_msg(&w->out, "failed to write PCAP global header", err);
                output_abandon(&w->out);
                free(w);
                return CST_EFATAL;
        }
        sink->ops = &pcap_sink_ops;
        sink->priv = w;
        return CST_OK;
}

void pcap_make_header(uint8_t h[24], bool nsec, uint32_t snaplen, uint32_t linktype)
{
        st_le32(h, nsec ? 0xA1B23C4Du : 0xA1B2C3D4u);
        h[4] = 2; /* version 2.4, little-endian u16s */
        h[5] = 0;
        h[6] = 4;
        h[7] = 0;
        memset(h + 8, 0, 8); /* thiszone, sigfigs */
        st_le32(h + 16, snaplen);
        st_le32(h + 20, linktype);
}
