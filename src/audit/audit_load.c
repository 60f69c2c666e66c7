/*
 * audit_load — the audit's packet inputs: a capture file read through the
 * project's own readers (format/pcap_read.c, format/pcapng_read.c: one
 * reader per format, so a fix in one reaches every command), or packets in
 * memory (cst_audit_packets).  Packets are handed out one at a time; a file
 * packet stays valid until the next call, and the reader keeps only its
 * window of the file, so memory does not grow with the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit_load.h"
#include "format/pcap.h"
#include "format/pcapng.h"
#include "util/input.h"

/* "PATH: cause", once: the readers' messages may already name the path. */
static void name_path(const char *path, const char *msg, char *err)
{
        char tmp[CST_ERRBUF];
        snprintf(tmp, sizeof(tmp), "%s", msg);
        if (strstr(tmp, path)) {
                memcpy(err, tmp, CST_ERRBUF);
        } else {
                snprintf(err, CST_ERRBUF, "%.200s: %.300s", path, tmp);
        }
}

static int open_source(struct aud_input *in, char *err)
{
        struct input raw;
        struct stat st;
        char e[CST_ERRBUF] = "";
        int fd = open(in->path, O_RDONLY | O_CLOEXEC); /* the cause, for the message */
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
                close(fd);
                fd = -1;
                errno = EISDIR;
        }
        if (fd < 0) {
                snprintf(err, CST_ERRBUF, "%s: cannot open: %s", in->path, strerror(errno));
                return CST_EFATAL;
        }
        close(fd);
        int rc = input_open(&raw, in->path, e);
        if (rc == CST_OK) /* the format from its first bytes (format/open.c) */
                rc = format_source_open_input(&in->src, &raw, e);
        if (rc != CST_OK) {
                name_path(in->path, e, err);
                return rc == CST_ENOMEM ? CST_ENOMEM : CST_EFATAL;
        }
        in->open = true;
        return CST_OK;
}

int aud_input_open_file(struct aud_input *in, const char *path, char *err)
{
        memset(in, 0, sizeof(*in));
        in->path = path;
        return open_source(in, err);
}

void aud_input_open_mem(struct aud_input *in, uint32_t linktype, const struct cst_packet *p,
                        size_t n)
{
        memset(in, 0, sizeof(*in));
        in->arr = p;
        in->n = n;
        in->linktype = linktype;
}

/* The next batch of packet records (raw pcapng blocks are skipped). */
static int refill(struct aud_input *in, char *err)
{
        char e[CST_ERRBUF] = "";
        in->bpos = in->bn = 0;
        int rc;
        do /* audit reads to the end: a signal that did not end the process is no stop */
                rc = in->src.ops->next_batch(in->src.priv, in->batch, AUD_INPUT_BATCH, e);
        while (rc == CST_SOURCE_INTERRUPTED);
        if (rc > 0) {
                in->bn = (unsigned)rc;
                return 1;
        }
        in->done = true;
        if (rc == 0)
                return 0;
        if (rc == CST_ETAIL && in->count > 0) { /* audit what came before, as constrict does */
                snprintf(in->tail, sizeof(in->tail), "%s", e);
                return 0;
        }
        name_path(in->path, e, err);
        return rc == CST_ENOMEM ? CST_ENOMEM : CST_EFATAL;
}

int aud_input_next(struct aud_input *in, const struct cst_packet **p, char *err)
{
        if (!in->path) {
                if (in->pos >= in->n)
                        return 0;
                in->cur = in->arr[in->pos++];
                in->cur.linktype = in->linktype;
                in->count++;
                *p = &in->cur;
                return 1;
        }
        for (;;) {
                while (in->bpos < in->bn) {
                        const struct cst_packet *q = &in->batch[in->bpos++];
                        if (q->kind != CST_REC_PACKET || (q->flags & CST_PKT_UNKNOWN_IF))
                                continue;
                        in->count++;
                        *p = q;
                        return 1;
                }
                if (in->done)
                        return 0;
                int rc = refill(in, err);
                if (rc <= 0)
                        return rc;
        }
}

int aud_input_rewind(struct aud_input *in, char *err)
{
        if (!in->path) {
                in->pos = 0;
                in->count = 0;
                return CST_OK;
        }
        aud_input_close(in);
        return aud_input_open_file(in, in->path, err);
}

void aud_input_close(struct aud_input *in)
{
        if (in->open)
                in->src.ops->close(in->src.priv);
        in->open = false;
}
