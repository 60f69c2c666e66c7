/*
 * flowgen — synthesize N concurrent TLS 1.3 flows in memory (Ethernet/IPv4/
 * TCP) with realistic record framing, for the flow-table scaling benchmark
 * and the live sender's fixed-size frames.
 */
#ifndef BENCH_FLOWGEN_H
#define BENCH_FLOWGEN_H

#include <stdint.h>
#include "bench_pcap.h"

struct flowgen_opts {
        uint32_t flows;     /* concurrent flows */
        uint32_t data_segs; /* server→client data segments per flow */
        uint32_t seg_bytes; /* TCP payload bytes per data segment */
        uint32_t rec_bytes; /* TLS record length (0 = vary per flow) */
        uint32_t seed;
};

/*
 * Fill `c` with the packets of all flows, interleaved round-robin (phase k
 * holds packet k of every flow), so that every flow is live at once:
 * SYN, SYN-ACK, ACK, ClientHello, ServerHello+CCS+encrypted flight,
 * client CCS+Finished, then data_segs segments of Application Data records
 * cut into seg_bytes pieces (records span segments and share them).
 */
int flowgen_build(const struct flowgen_opts *o, struct bench_capture *c, char *err);

#endif
