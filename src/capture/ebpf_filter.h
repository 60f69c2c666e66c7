/*
 * ebpf_filter — the tcpdump expression of an eBPF capture, run in user
 * space on each record (classic BPF cannot be attached to the TC hook).
 * Kept apart: libpcap's <pcap/bpf.h> and libbpf's <linux/bpf.h> both
 * define struct bpf_insn.
 */
#ifndef CST_CAPTURE_EBPF_FILTER_H
#define CST_CAPTURE_EBPF_FILTER_H

#include <stdbool.h>

#include <constrictor/packet.h>

struct ebpf_filter;

/* Compile expr for Ethernet frames; err: "bad filter expression '...': why". */
int ebpf_filter_new(struct ebpf_filter **out, const char *expr, char *err);
bool ebpf_filter_pass(const struct ebpf_filter *f, const struct cst_packet *pkt);
/* NULL is fine. */
void ebpf_filter_free(struct ebpf_filter *f);

#endif
