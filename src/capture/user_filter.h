/*
 * user_filter — a tcpdump expression run in user space on file records
 * (constrict, reinflate: issue 20).  libpcap compiles the expression once
 * per link type met (PCAPNG files may mix interfaces); each packet then
 * runs the classic BPF program on its captured bytes (pcap_offline_filter:
 * no allocation, no system call).
 */
#ifndef CST_CAPTURE_USER_FILTER_H
#define CST_CAPTURE_USER_FILTER_H

#include <stdint.h>
#include <constrictor/packet.h>

struct user_filter;

/*
 * Compile expr for `linktype` (0: not known yet -- checked against
 * Ethernet so a bad expression fails now).  Errors name the expression and
 * libpcap's message: "bad filter expression 'EXPR': MESSAGE".
 */
int ufilter_new(struct user_filter **out, const char *expr, uint32_t linktype, uint32_t snaplen,
                char *err);
/* 1: the packet matches; 0: it does not; CST_EFATAL: no program for its link type (err). */
int ufilter_match(struct user_filter *f, const struct cst_packet *pkt, char *err);
void ufilter_free(struct user_filter *f);

#endif
