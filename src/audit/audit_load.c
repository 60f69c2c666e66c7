/*
 * audit_load — read both captures for the audit through libpcap
 * (pcap_open_offline, nanosecond timestamps), so that the files are read by
 * a reader independent of constrictor's own src/format.
 *
 * Both files are loaded whole into memory: the TCP reassembly needs random
 * access to the original, and an audit is an offline, after-the-fact check.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "audit/audit_int.h"

struct aud_file {
        struct cst_packet *pkts;
        size_t n, cap;
        uint8_t *arena;
        size_t used, size;
        uint32_t linktype;
        char tail[200]; /* what ended the file early, if it did */
};

static void file_free(struct aud_file *f)
{
        free(f->pkts);
        free(f->arena);
        memset(f, 0, sizeof(*f));
}

static int append(struct aud_file *f, const struct pcap_pkthdr *h, const uint8_t *data)
{
        if (!util_grow((void **)&f->pkts, &f->cap, f->n + 1, sizeof(*f->pkts), 1024) ||
            /* + 1: the arena exists even when every record is empty (arena + 0
             * on NULL is undefined; fuzz_audit found it) */
            !util_grow((void **)&f->arena, &f->size, f->used + h->caplen + 1, 1, 1024))
                return CST_ENOMEM;
        struct cst_packet *p = &f->pkts[f->n++];
        memset(p, 0, sizeof(*p));
        memcpy(f->arena + f->used, data, h->caplen);
        p->data = (const uint8_t *)(uintptr_t)f->used; /* made a pointer once loaded */
        p->caplen = h->caplen;
        p->origlen = h->len;
        p->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
        p->linktype = f->linktype;
        f->used += h->caplen;
        return 0;
}

static int load(const char *path, struct aud_file *f, char *err)
{
        char perr[PCAP_ERRBUF_SIZE] = "";
        pcap_t *pc =
            pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
        if (!pc) {
                snprintf(err, CST_ERRBUF, "%s: %s", path, perr);
                return CST_EFATAL;
        }
        f->linktype = (uint32_t)pcap_datalink(pc);
        struct pcap_pkthdr *h;
        const u_char *data;
        int r, rc = 0;
        while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
                if ((rc = append(f, h, data)) != 0) {
                        snprintf(err, CST_ERRBUF, "%s: out of memory after %zu packets", path,
                                 f->n);
                        break;
                }
        }
        if (rc == 0 && r == PCAP_ERROR) {
                /* an incomplete last record (a capture cut short): audit what
                 * was read, as constrict does; anything else is fatal */
                const char *msg = pcap_geterr(pc);
                if (f->n > 0 && strstr(msg, "truncated") != NULL)
                        snprintf(f->tail, sizeof(f->tail), "packet %zu: %s", f->n, msg);
                else {
                        snprintf(err, CST_ERRBUF, "%s: packet %zu: %s", path, f->n, msg);
                        rc = CST_EFATAL;
                }
        }
        pcap_close(pc);
        for (size_t i = 0; rc == 0 && i < f->n; i++)
                f->pkts[i].data = f->arena + (size_t)(uintptr_t)f->pkts[i].data;
        return rc;
}

int cst_audit_files(const char *original, const char *constricted,
                    const struct cst_audit_options *opt, struct cst_audit_report *rep, char *err)
{
        struct aud_file a = {0}, b = {0};
        int rc = load(original, &a, err);
        if (rc == 0)
                rc = load(constricted, &b, err);
        if (rc == 0)
                rc = cst_audit_packets(a.linktype, a.pkts, a.n, b.pkts, b.n, opt, rep, err);
        if (rc == 0) {
                snprintf(rep->original_tail, sizeof(rep->original_tail), "%s", a.tail);
                snprintf(rep->constricted_tail, sizeof(rep->constricted_tail), "%s", b.tail);
        }
        if (rc == 0 && a.linktype != b.linktype) {
                rep->invariant_violations++;
                if (rep->n_invariant < CST_AUDIT_MAX_REPORTED) {
                        struct cst_audit_invariant_violation *v =
                            &rep->invariant[rep->n_invariant++];
                        memset(v, 0, sizeof(*v));
                        v->kind = CST_AI_LINKTYPE;
                        v->got = b.linktype;
                        v->want = a.linktype;
                }
        }
        file_free(&a);
        file_free(&b);
        return rc;
}
