/*
 * ebpf_filter — a tcpdump expression run in user space for the eBPF
 * backend (see ebpf_filter.h): every packet still goes up the ring, and
 * the kernel cuts nothing (ebpf_flows.c), since it would follow flows
 * through packets the filter hides from the engine.
 */
#include "capture/ebpf_filter.h"

#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include <constrictor/constrictor.h>

struct ebpf_filter {
        struct bpf_program prog;
};

int ebpf_filter_new(struct ebpf_filter **out, const char *expr, char *err)
{
        *out = NULL;
        struct ebpf_filter *f = calloc(1, sizeof(*f));
        pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
        if (!f || !dead) {
                free(f);
                if (dead)
                        pcap_close(dead);
                snprintf(err, CST_ERRBUF, "cannot compile filter: out of memory");
                return CST_ENOMEM;
        }
        int rc = pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN);
        if (rc < 0) {
                snprintf(err, CST_ERRBUF, "bad filter expression '%.200s': %s", expr,
                         pcap_geterr(dead));
                free(f);
        } else {
                *out = f;
        }
        pcap_close(dead);
        return rc < 0 ? CST_EFATAL : CST_OK;
}

bool ebpf_filter_pass(const struct ebpf_filter *f, const struct cst_packet *pkt)
{
        struct pcap_pkthdr h = {.caplen = pkt->caplen, .len = pkt->origlen};
        return pcap_offline_filter(&f->prog, &h, pkt->data) != 0;
}

void ebpf_filter_free(struct ebpf_filter *f)
{
        if (!f)
                return;
        pcap_freecode(&f->prog);
        free(f);
}
