/*
 * text — one line per packet, in tcpdump's manner (issue 20):
 *
 *   07:11:14.075306568 eth0  Out IP 10.0.0.1.443 > 10.0.0.2.51234: Flags [P.], seq 1, ack 1,
 *       TLS appdata,appdata, length 1448: cut 1514→66 tls_app_data_start
 *
 * (one line): time of day (local, ns), interface and direction when the
 * source knows them (live), IP/IP6, addresses and ports, the protocol (TCP
 * flags, the TLS record types the analyser saw, the QUIC header form),
 * payload length, and the keep decision.  -v adds the reason's full
 * decision-log name and the flow; -A / -X print the kept bytes from the
 * network header on as tcpdump's ASCII and hex-and-ASCII dumps do.
 *
 * Fields come from the decoder (one more decode per packet: text output
 * only) and the engine's notes; every byte is read through decode/ and
 * rd.h.  Lines are assembled in the output buffer, written in large
 * blocks: no system call per line (the pipeline flushes between batches).
 */
#include "sink/text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/decode.h"
#include "decode/quic_wire.h"
#include "sink/note.h"
#include "util/output.h"
#include "util/rd.h"

struct text_sink {
        struct output out;
        struct text_fmt f;
};

static void put_time(struct text_fmt *t, struct note_buf *nb, uint64_t ts_ns)
{
        int64_t sec = (int64_t)(ts_ns / 1000000000u);
        if (sec != t->last_sec || !t->hms[0]) {
                time_t s = (time_t)sec;
                struct tm tm;
                localtime_r(&s, &tm);
                snprintf(t->hms, sizeof(t->hms), "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
                         tm.tm_sec);
                t->last_sec = sec;
        }
        note_printf(nb, "%s.%09u ", t->hms, (unsigned)(ts_ns % 1000000000u));
}

/* Live: the interface's name, asked of the kernel once per interface. */
static const char *if_name(struct text_fmt *t, uint32_t index)
{
        for (unsigned i = 0; i < t->n_ifs; i++)
                if (t->ifs[i].index == index)
                        return t->ifs[i].name;
        unsigned i = t->n_ifs < TEXT_IFS ? t->n_ifs++ : index % TEXT_IFS;
        t->ifs[i].index = index;
        if (!if_indextoname(index, t->ifs[i].name))
                snprintf(t->ifs[i].name, sizeof(t->ifs[i].name), "if%u", index);
        return t->ifs[i].name;
}

static void put_where(struct text_fmt *t, struct note_buf *nb, const struct cst_packet *pkt)
{
        if (t->o.ifnames)
                note_printf(nb, "%-5s ", if_name(t, pkt->ifid));
        if (pkt->direction == CST_DIR_INBOUND)
                note_printf(nb, "In  ");
        else if (pkt->direction == CST_DIR_OUTBOUND)
                note_printf(nb, "Out ");
}

static void put_addr(struct note_buf *nb, const struct decoded *d, const uint8_t *a, bool port,
                     uint16_t p)
{
        char s[INET6_ADDRSTRLEN];
        inet_ntop(d->addr_len == 16 ? AF_INET6 : AF_INET, a, s, sizeof(s));
        if (port)
                note_printf(nb, "%s.%u", s, p);
        else
                note_printf(nb, "%s", s);
}

/* TCP flags in tcpdump's letters and order (print-tcp.c: F S R P . U E W). */
static void put_tcp(struct note_buf *nb, const struct decoded *d)
{
        static const char letters[8] = {'F', 'S', 'R', 'P', '.', 'U', 'E', 'W'};
        char f[9];
        unsigned n = 0;
        for (unsigned b = 0; b < 8; b++)
                if (d->tcp_flags & (1u << b))
                        f[n++] = letters[b];
        f[n] = '\0';
        note_printf(nb, "Flags [%s], seq %u, ack %u, ", n ? f : "none", d->seq, d->ack);
}

/* TLS record types the analyser saw in this packet. */
static void put_tls(struct note_buf *nb, const struct pkt_seen *s)
{
        char tmp[8];
        if (!s || !s->n)
                return;
        note_printf(nb, "TLS ");
        for (unsigned i = 0; i < s->n; i++) {
                const struct seen_rec *r = &s->r[i];
                /* the rest of a record begun earlier: cont-TYPE, or cont when untold */
                if (r->kind == SEEN_CONT && !r->type)
                        note_printf(nb, "%scont", i ? "," : "");
                else
                        note_printf(nb, "%s%s%s", i ? "," : "", r->kind == SEEN_CONT ? "cont-" : "",
                                    note_tls_type(r->type, tmp));
        }
        if (s->more)
                note_printf(nb, ",+%u", s->more);
        note_printf(nb, ", ");
}

/*
 * QUIC header form (RFC 9000 §17) of a datagram the QUIC analyser judged to
 * be QUIC, as its reason says: a DNS reply on a QUIC port may start with a
 * byte that reads as a long header, so the bytes alone are not enough.
 */
static void put_quic(struct note_buf *nb, const struct cst_packet *pkt, const struct decoded *d,
                     uint16_t reason)
{
        static const char *const lh[4] = {"Initial", "0-RTT", "Handshake", "Retry"};
        struct rd frame = rd_init(pkt->data, pkt->caplen);
        struct rd pl = rd_window(&frame, d->payload_off, d->payload_len);
        struct quic_long_hdr h;
        switch (reason) {
        case CST_R_TRUNCATE_QUIC_SHORT_HEADER:
        case CST_R_KEEP_QUIC_DCID_MISMATCH:
                note_printf(nb, "QUIC short, ");
                return;
        case CST_R_KEEP_QUIC_VERSION_NEGOTIATION:
                note_printf(nb, "QUIC version-negotiation, ");
                return;
        case CST_R_KEEP_QUIC_LONG_HEADER:
        case CST_R_KEEP_QUIC_NOT_PROVEN:
                if (quic_wire_long(&pl, 0, true, &h) == WIRE_OK)
                        note_printf(nb, "QUIC long %s, ", lh[h.type & 3u]);
                else
                        note_printf(nb, "QUIC long, ");
                return;
        default:
                return;
        }
}

static void put_proto(struct note_buf *nb, const struct cst_packet *pkt, const struct decoded *d,
                      const struct sink_note *n)
{
        if (d->transport == 6) {
                put_tcp(nb, d);
                put_tls(nb, n->seen);
        } else {
                note_printf(nb, "UDP, ");
                if (n->seen && n->seen->analysed && d->payload_len)
                        put_quic(nb, pkt, d, n->reason);
        }
        note_printf(nb, "length %u", d->payload_len);
}

/* Network layer and what is above it. */
static void put_packet(struct note_buf *nb, const struct cst_packet *pkt, const struct decoded *d,
                       const struct sink_note *n)
{
        bool ports = d->status == DEC_OK;
        if (d->status == DEC_UNSUPPORTED_LINK) {
                note_printf(nb, "link-type %u, length %u", pkt->linktype, pkt->origlen);
                return;
        }
        if (!(d->flags & DEC_F_HAVE_ADDR)) {
                if (d->status == DEC_MALFORMED)
                        note_printf(nb, "malformed, length %u", pkt->origlen);
                else
                        note_printf(nb, "ethertype 0x%04x, length %u", d->ethertype, pkt->origlen);
                return;
        }
        note_printf(nb, "%s ", d->ip_version == 6 ? "IP6" : "IP");
        put_addr(nb, d, d->src, ports, d->sport);
        note_printf(nb, " > ");
        put_addr(nb, d, d->dst, ports, d->dport);
        note_printf(nb, ": ");
        if (ports)
                put_proto(nb, pkt, d, n);
        else if (d->status == DEC_MALFORMED)
                note_printf(nb, "malformed, length %u", pkt->origlen);
        else if (d->flags & DEC_F_FRAGMENT)
                note_printf(nb, "fragment, ip-proto %u, length %u", d->ip_proto, pkt->origlen);
        else
                note_printf(nb, "ip-proto %u, length %u", d->ip_proto, pkt->origlen);
}

static void put_verdict(const struct text_fmt *t, struct note_buf *nb, const struct cst_packet *pkt,
                        const struct sink_note *n)
{
        if (n->keep_len < pkt->caplen)
                note_printf(nb, ": cut %u\xe2\x86\x92%u %s", pkt->caplen, n->keep_len,
                            note_short_reason(n->reason_name));
        else
                note_printf(nb, ": kept %u", n->keep_len);
        if (!t->o.verbose)
                return;
        note_printf(nb, " (%s", n->reason_name);
        if (n->seen && n->seen->flow)
                note_printf(nb, ", flow %016llx", (unsigned long long)n->seen->flow);
        if (n->seen && n->seen->n) {
                note_printf(nb, ", records ");
                note_records(nb, n->seen, n->keep_len);
        }
        note_printf(nb, ")");
}

void text_fmt_init(struct text_fmt *f, const struct text_opts *o)
{
        memset(f, 0, sizeof(*f));
        f->o = *o;
        f->last_sec = -1;
}

size_t text_fmt_line(struct text_fmt *f, const struct cst_packet *pkt, const struct sink_note *n,
                     char line[TEXT_LINE_MAX], uint32_t *dump_from)
{
        struct note_buf nb = {line, TEXT_LINE_MAX, 0};
        struct decoded d;
        decode_packet(pkt->linktype, pkt->data, pkt->caplen, 0, &d);
        put_time(f, &nb, pkt->ts_ns);
        put_where(f, &nb, pkt);
        put_packet(&nb, pkt, &d, n);
        put_verdict(f, &nb, pkt, n);
        if (!f->o.payload && nb.len + 1 < nb.cap) /* a dump starts its own lines */
                line[nb.len++] = '\n';
        *dump_from = (d.flags & DEC_F_HAVE_ADDR) ? d.l3_off : 0;
        return nb.len;
}

int text_sink_put(void *priv, const char *line, size_t len, const uint8_t *kept, uint32_t keep,
                  uint32_t from, char *err)
{
        struct text_sink *t = priv;
        if (output_append(&t->out, (const uint8_t *)line, len) != 0)
                return output_error_msg(&t->out, "failed to write text output", err);
        if (t->f.o.payload) {
                struct rd r = rd_init(kept, keep);
                struct rd win = rd_window(&r, from, from < keep ? keep - from : 0);
                const uint8_t *p = rd_ptr(&win, rd_left(&win));
                if (text_dump_payload(&t->out, t->f.o.payload, p, p ? (uint32_t)(keep - from) : 0))
                        return output_error_msg(&t->out, "failed to write text output", err);
        }
        return CST_OK;
}

static int text_write_noted(void *priv, const struct cst_packet *pkt, const struct sink_note *n,
                            char *err)
{
        struct text_sink *t = priv;
        char line[TEXT_LINE_MAX];
        uint32_t from;
        if (pkt->kind != CST_REC_PACKET)
                return CST_OK; /* raw pcapng blocks are not packets */
        uint32_t keep = n->keep_len < pkt->caplen ? n->keep_len : pkt->caplen;
        size_t len = text_fmt_line(&t->f, pkt, n, line, &from);
        return text_sink_put(t, line, len, pkt->data, keep, from, err);
}

static int text_write(void *priv, const struct cst_packet *pkt, uint32_t keep_len, char *err)
{
        struct sink_note n = {.keep_len = keep_len, .reason_name = "keep.not_analysed"};
        return text_write_noted(priv, pkt, &n, err);
}

static int text_flush(void *priv, char *err)
{
        return output_flush_msg(&((struct text_sink *)priv)->out, err);
}

static int text_close(void *priv, char *err)
{
        struct text_sink *t = priv;
        int rc = output_close_msg(&t->out, err);
        free(t);
        return rc;
}

static const char *text_path(void *priv)
{
        return output_path(&((struct text_sink *)priv)->out);
}

static const struct cst_sink_ops text_sink_ops = {
    .write = text_write,
    .flush = text_flush,
    .close = text_close,
    .path = text_path,
    .write_noted = text_write_noted,
};

int text_sink_open(struct cst_sink *sink, const char *path, const struct text_opts *o, char *err)
{
        struct text_sink *t = calloc(1, sizeof(*t));
        if (!t) {
                snprintf(err, CST_ERRBUF, "out of memory");
                return CST_ENOMEM;
        }
        if (output_open(&t->out, path) != 0) {
                snprintf(err, CST_ERRBUF, "failed to open output file: %.400s: %s", path,
                         strerror(errno));
                free(t);
                return CST_EFATAL;
        }
        text_fmt_init(&t->f, o);
        sink->ops = &text_sink_ops;
        sink->priv = t;
        return CST_OK;
}
