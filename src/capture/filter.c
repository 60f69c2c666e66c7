/*
 * filter — kernel packet filters from tcpdump expressions.
 *
 * libpcap compiles the expression (pcap_compile on a dead handle of the
 * capture's link type, so the offsets match the frames we write); the
 * classic BPF program is handed to the kernel with SO_ATTACH_FILTER.  The
 * capture attaches it before binding the socket to a protocol, so no packet
 * is queued before the filter is in place.
 *
 * Cooked sockets (SOCK_DGRAM, "any") see frames that start at the network
 * header while the program was compiled for an SLL2 header in front: loads
 * past the header are moved back by its length and loads of header fields
 * become the kernel's ancillary loads (SKF_AD_*), as libpcap's fix_program()
 * does.  Fields with no ancillary equivalent make the filter unsupported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <pcap/pcap.h>
#include "capture/afp.h"
#include "capture/user_filter.h"

/* Rewrite one packet load of a program compiled for SLL2 framing. */
static int fix_cooked_load(struct sock_filter *ins)
{
        if (ins->k >= AFP_SLL2_HDR_LEN) {
                ins->k -= AFP_SLL2_HDR_LEN;
                return 0;
        }
        if (BPF_MODE(ins->code) != BPF_ABS)
                return -1;
        switch (ins->k) {
        case 0: /* protocol */
                ins->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL);
                return 0;
        case 4: /* interface index */
                ins->k = (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX);
                return 0;
        case 8: /* ARPHRD type */
                ins->k = (uint32_t)(SKF_AD_OFF + SKF_AD_HATYPE);
                return 0;
        case 10: /* packet type */
                ins->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE);
                return 0;
        default:
                return -1;
        }
}

static int fix_cooked_program(struct sock_fprog *prog)
{
        for (unsigned i = 0; i < prog->len; i++) {
                struct sock_filter *ins = &prog->filter[i];
                unsigned cls = BPF_CLASS(ins->code), mode = BPF_MODE(ins->code);
                if (cls != BPF_LD && cls != BPF_LDX)
                        continue;
                if (mode != BPF_ABS && mode != BPF_IND && mode != BPF_MSH)
                        continue;
                if (fix_cooked_load(ins) < 0)
                        return -1;
        }
        return 0;
}

static int compile_with_libpcap(const char *expr, uint32_t linktype, uint32_t snaplen,
                                struct bpf_program *bp, char *err)
{
        pcap_t *dead = pcap_open_dead((int)linktype, (int)snaplen);
        if (!dead) {
                snprintf(err, CST_ERRBUF, "cannot compile filter: out of memory");
                return CST_EFATAL;
        }
        if (pcap_compile(dead, bp, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
                snprintf(err, CST_ERRBUF, "bad filter expression '%s': %s", expr,
                         pcap_geterr(dead));
                pcap_close(dead);
                return CST_EFATAL;
        }
        pcap_close(dead);
        return CST_OK;
}

int afp_filter_compile(const char *expr, uint32_t linktype, uint32_t snaplen, bool cooked,
                       struct sock_fprog *prog, char *err)
{
        struct bpf_program bp;
        if (compile_with_libpcap(expr, linktype, snaplen, &bp, err) < 0)
                return CST_EFATAL;
        prog->len = (unsigned short)bp.bf_len;
        prog->filter = calloc(bp.bf_len ? bp.bf_len : 1, sizeof(*prog->filter));
        if (!prog->filter) {
                pcap_freecode(&bp);
                snprintf(err, CST_ERRBUF, "cannot compile filter: out of memory");
                return CST_ENOMEM;
        }
        for (unsigned i = 0; i < bp.bf_len; i++) {
                prog->filter[i].code = bp.bf_insns[i].code;
                prog->filter[i].jt = bp.bf_insns[i].jt;
                prog->filter[i].jf = bp.bf_insns[i].jf;
                prog->filter[i].k = bp.bf_insns[i].k;
        }
        pcap_freecode(&bp);
        if (cooked && fix_cooked_program(prog) < 0) {
                afp_filter_free(prog);
                snprintf(err, CST_ERRBUF,
                         "filter expression '%s' reads link-layer fields the kernel cannot "
                         "filter on a cooked (any) socket",
                         expr);
                return CST_EFATAL;
        }
        return CST_OK;
}

void afp_filter_free(struct sock_fprog *prog)
{
        free(prog->filter);
        prog->filter = NULL;
        prog->len = 0;
}

int afp_filter_attach(int fd, const char *expr, uint32_t linktype, uint32_t snaplen, bool cooked,
                      char *err)
{
        struct sock_fprog prog;
        if (afp_filter_compile(expr, linktype, snaplen, cooked, &prog, err) < 0)
                return CST_EFATAL;
        int rc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
        int saved = errno;
        afp_filter_free(&prog);
        if (rc < 0) {
                snprintf(err, CST_ERRBUF, "cannot attach filter '%s': %s", expr, strerror(saved));
                return CST_EFATAL;
        }
        return CST_OK;
}

/* ---- user-space filters on file records (user_filter.h) ------------------ */

#define UFILTER_LINKTYPES 8 /* distinct link types of one file with a program */

struct user_filter {
        uint32_t last; /* index of the program used last: files rarely change link type */
        uint32_t n;
        uint32_t snaplen;
        uint32_t linktype[UFILTER_LINKTYPES];
        struct bpf_program prog[UFILTER_LINKTYPES];
        char expr[];
};

/* A file's LINKTYPE_ value as the DLT_ value pcap_open_dead() takes (they differ for raw IP). */
static int dlt_of(uint32_t linktype)
{
        linktype &= 0x0FFFFFFFu; /* the upper bits are FCS/class flags */
        return linktype == CST_LINK_RAW ? DLT_RAW : (int)linktype;
}

static int ufilter_add(struct user_filter *f, uint32_t linktype, char *err)
{
        if (f->n == UFILTER_LINKTYPES) {
                snprintf(err, CST_ERRBUF, "filter expression '%.200s': more than %u link types",
                         f->expr, UFILTER_LINKTYPES);
                return CST_EFATAL;
        }
        if (compile_with_libpcap(f->expr, (uint32_t)dlt_of(linktype), f->snaplen, &f->prog[f->n],
                                 err) < 0)
                return CST_EFATAL;
        f->linktype[f->n] = linktype;
        f->last = f->n++;
        return CST_OK;
}

int ufilter_new(struct user_filter **out, const char *expr, uint32_t linktype, uint32_t snaplen,
                char *err)
{
        size_t len = strlen(expr);
        struct user_filter *f = calloc(1, sizeof(*f) + len + 1);
        *out = NULL;
        if (!f) {
                snprintf(err, CST_ERRBUF, "cannot compile filter: out of memory");
                return CST_ENOMEM;
        }
        memcpy(f->expr, expr, len + 1);
        f->snaplen = snaplen ? snaplen : 262144;
        if (ufilter_add(f, linktype ? linktype : CST_LINK_ETHERNET, err) < 0) {
                free(f);
                return CST_EFATAL;
        }
        if (!linktype) { /* a syntax check only: the file's link type is not known yet */
                pcap_freecode(&f->prog[0]);
                f->n = 0;
        }
        *out = f;
        return CST_OK;
}

int ufilter_match(struct user_filter *f, const struct cst_packet *pkt, char *err)
{
        if (f->n == 0 || f->linktype[f->last] != pkt->linktype) {
                uint32_t i = 0;
                while (i < f->n && f->linktype[i] != pkt->linktype)
                        i++;
                if (i == f->n && ufilter_add(f, pkt->linktype, err) < 0)
                        return CST_EFATAL;
                f->last = i;
        }
        struct pcap_pkthdr h;
        h.ts.tv_sec = 0;
        h.ts.tv_usec = 0;
        h.caplen = pkt->caplen;
        h.len = pkt->origlen;
        return pcap_offline_filter(&f->prog[f->last], &h, pkt->data) != 0;
}

void ufilter_free(struct user_filter *f)
{
        if (!f)
                return;
        for (uint32_t i = 0; i < f->n; i++)
                pcap_freecode(&f->prog[i]);
        free(f);
}
