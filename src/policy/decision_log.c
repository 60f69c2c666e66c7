/*
 * decision_log — CSV rows of SPEC 2.11: the exact header, string columns
 * always double-quoted (inner quotes doubled), numeric columns bare, IPv6 as
 * eight lowercase groups without `::` compression, rows ending in "\n".
 *
 * Rows are appended to a 256 KiB buffer and written with one write(2)-sized
 * fwrite per buffer, so the log costs no syscall per packet.
 */
#include "policy/decision_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <constrictor/constrictor.h>

#define DLOG_BUF (256u * 1024u)
#define DLOG_ROW 1024u /* a row is far shorter; flush before it could not fit */

static const char DLOG_HEADER[] =
    "packet_index,src_ip,src_port,dst_ip,dst_port,transport,tcp_seq,tcp_ack,tcp_flags,"
    "captured_length_before,captured_length_after,original_length,transport_payload_size,"
    "decision,reason,bytes_saved,tls_state_before,tls_state_after,"
    "tls_active_record_remaining_before,tls_active_record_remaining_after,tls_record_event,"
    "decode_note\n";

struct dlog {
        FILE *fp;
        size_t used;
        const char *failure; /* first error message, NULL if fine */
        char buf[DLOG_BUF];
};

/* mkdir -p of every parent directory of path. */
static int make_parents(const char *path)
{
        size_t n = strlen(path);
        char *tmp = malloc(n + 1);
        if (!tmp)
                return -1;
        memcpy(tmp, path, n + 1);
        for (size_t i = 1; i < n; i++) {
                if (tmp[i] != '/')
                        continue;
                tmp[i] = '\0';
                struct stat sb;
                if (stat(tmp, &sb) != 0 && mkdir(tmp, 0777) != 0 && errno != EEXIST) {
                        free(tmp);
                        return -1;
                }
                tmp[i] = '/';
        }
        free(tmp);
        return 0;
}

int dlog_open(struct dlog **out, const char *path, char *err)
{
        *out = NULL;
        if (make_parents(path) != 0) {
                snprintf(err, CST_ERRBUF, "failed to create decision log directory");
                return CST_EFATAL;
        }
        struct dlog *l = malloc(sizeof(*l));
        if (!l) {
                snprintf(err, CST_ERRBUF, "out of memory opening the decision log");
                return CST_ENOMEM;
        }
        l->used = 0;
        l->failure = NULL;
        l->fp = fopen(path, "w");
        if (!l->fp) {
                free(l);
                snprintf(err, CST_ERRBUF, "failed to open decision log file");
                return CST_EFATAL;
        }
        setvbuf(l->fp, NULL, _IONBF, 0); /* our own buffer is the only one */
        if (fwrite(DLOG_HEADER, 1, sizeof(DLOG_HEADER) - 1, l->fp) != sizeof(DLOG_HEADER) - 1) {
                fclose(l->fp);
                free(l);
                snprintf(err, CST_ERRBUF, "failed to write decision log header");
                return CST_EFATAL;
        }
        *out = l;
        return 0;
}

static void dlog_drain(struct dlog *l)
{
        if (l->used && !l->failure && fwrite(l->buf, 1, l->used, l->fp) != l->used)
                l->failure = "failed to write decision log row";
        l->used = 0;
}

/* Append helpers: the buffer always has DLOG_ROW bytes free when a row starts. */
static void put_raw(struct dlog *l, const char *s, size_t n)
{
        if (n > DLOG_BUF - l->used)
                n = DLOG_BUF - l->used;
        memcpy(l->buf + l->used, s, n);
        l->used += n;
}

static void put_str(struct dlog *l, const char *s)
{
        put_raw(l, "\"", 1);
        for (; *s && l->used + 2 < DLOG_BUF; s++) {
                if (*s == '"')
                        put_raw(l, "\"", 1);
                put_raw(l, s, 1);
        }
        put_raw(l, "\",", 2);
}

static void put_u64(struct dlog *l, uint64_t v, char sep)
{
        char tmp[24];
        int i = (int)sizeof(tmp);
        tmp[--i] = sep;
        do {
                tmp[--i] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        put_raw(l, tmp + i, sizeof(tmp) - (size_t)i);
}

static void format_addr(const struct decoded *d, const uint8_t *a, char *buf, size_t cap)
{
        buf[0] = '\0';
        if (!d || !(d->flags & DEC_F_HAVE_ADDR))
                return;
        if (d->addr_len == 4) {
                snprintf(buf, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
                return;
        }
        size_t o = 0;
        for (int g = 0; g < 8 && o < cap; g++)
                o += (size_t)snprintf(buf + o, cap - o, g ? ":%x" : "%x",
                                      (unsigned)(a[2 * g] << 8 | a[2 * g + 1]));
}

static void put_decode_note(struct dlog *l, const struct decoded *d, uint32_t caplen)
{
        put_str(l, d ? decode_note(d, caplen) : "");
        l->buf[l->used - 1] = '\n'; /* last column: the separator becomes the row end */
}

void dlog_write(struct dlog *l, const struct dlog_row *row)
{
        if (DLOG_BUF - l->used < DLOG_ROW)
                dlog_drain(l);
        const struct decoded *d = row->d;
        bool ok = d && d->status == DEC_OK;
        bool tcp = ok && d->transport == 6;
        char addr[48], flags[8] = "";
        put_u64(l, row->index, ',');
        format_addr(d, d ? d->src : NULL, addr, sizeof(addr));
        put_str(l, addr);
        put_u64(l, ok ? d->sport : 0, ',');
        format_addr(d, d ? d->dst : NULL, addr, sizeof(addr));
        put_str(l, addr);
        put_u64(l, ok ? d->dport : 0, ',');
        put_str(l, tcp ? "tcp" : ok && d->transport == 17 ? "udp" : "");
        put_u64(l, tcp ? d->seq : 0, ',');
        put_u64(l, tcp ? d->ack : 0, ',');
        if (tcp)
                snprintf(flags, sizeof(flags), "0x%02X", d->tcp_flags);
        put_str(l, flags);
        put_u64(l, row->caplen_before, ',');
        put_u64(l, row->caplen_after, ',');
        put_u64(l, row->origlen, ',');
        put_u64(l, ok ? d->payload_len : 0, ',');
        put_str(l, row->caplen_after < row->caplen_before ? "truncate" : "keep");
        put_str(l, cst_reason_name(row->reason));
        put_u64(l, row->caplen_before - row->caplen_after, ',');
        put_str(l, row->tls_seen ? row->state_before : "");
        put_str(l, row->tls_seen ? row->state_after : "");
        put_u64(l, row->tls_seen ? row->remaining_before : 0, ',');
        put_u64(l, row->tls_seen ? row->remaining_after : 0, ',');
        put_str(l, row->tls_seen && row->event ? row->event : "");
        put_decode_note(l, d, row->caplen_before);
}

int dlog_error(const struct dlog *l, char *err)
{
        if (!l || !l->failure)
                return 0;
        snprintf(err, CST_ERRBUF, "%s", l->failure);
        return CST_EFATAL;
}

int dlog_close(struct dlog *l, char *err)
{
        if (!l)
                return 0;
        dlog_drain(l);
        if (!l->failure && fflush(l->fp) != 0)
                l->failure = "failed to flush decision log file";
        if (fclose(l->fp) != 0 && !l->failure)
                l->failure = "failed to flush decision log file";
        int rc = dlog_error(l, err);
        free(l);
        return rc;
}
