/*
 * ebpf_int — the pieces of the eBPF backend (ebpf.c: program, ring buffer,
 * counters; ebpf_tc.c: the clsact hook and its filters; ebpf_flows.c:
 * the flows user space hands to the kernel).
 */
#ifndef CST_CAPTURE_EBPF_INT_H
#define CST_CAPTURE_EBPF_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <bpf/libbpf.h>

#include "capture/ebpf_filter.h"
#include "capture/kernel_cut.h"

/*
 * Our TC filters are known by this handle and priority on the clsact hook
 * (and their programs' names start with "cst_"): a crashed run's filters
 * are found and removed at the next start, others' are never touched.
 */
#define EBPF_TC_HANDLE   0xc57u
#define EBPF_TC_PRIORITY 0xc57u

struct ebpf_tc {
        int ifindex;
        bool ingress_only; /* loopback: every packet passes egress and then ingress */
        bool
            qdisc_created; /* by this run (or a crashed one, by its state file): removed on close */
        bool stale_found;  /* a crashed run's filters were removed at open */
        bool attached[2];  /* ingress, egress */
};

/*
 * Remove what a crashed run left, create the clsact qdisc if needed and
 * attach the two programs.  err: one line.
 */
int ebpf_tc_attach(struct ebpf_tc *tc, int prog_in, int prog_out, char *err);
/* Detach our filters and remove the qdisc if this run (or a crashed one) made it. */
void ebpf_tc_detach(struct ebpf_tc *tc);

#define SCRATCH     (1u << 20) /* frames whose VLAN tag goes back, per batch */
#define PUSH_SLOTS  4096u      /* flows recently handed to the kernel (ebpf_flows.c) */
#define PUSH_GAP_NS 20000000u  /* a flow is handed over at most once per 20 ms */

struct ebpf_priv {
        /* hot members first */
        const uint8_t *data;      /* data pages (mapped twice) */
        const uint64_t *prod_pos; /* kernel's producer position */
        uint64_t *cons_pos;       /* ours, published at release */
        uint64_t mask;            /* ring size - 1 */
        uint64_t pos;             /* next record to read */
        int64_t real_off;         /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
        uint8_t *scratch;         /* SCRATCH bytes */
        uint32_t scratch_used;
        /* cold */
        struct cut_bpf *skel;
        int ring_fd;
        int flows_fd, cuttable_fd, cfg_fd, quic_fd; /* the program's maps (cut_abi.h) */
        int wait_ms; /* longest poll(): the block timeout (the program wakes us only in bulk) */
        size_t page, ring_size;
        void *cons_map, *prod_map;
        struct ebpf_tc tc;
        struct ebpf_filter
            *filter;      /* a tcpdump expression, run here (the kernel cuts nothing then) */
        uint64_t *pushed; /* PUSH_SLOTS: key hash << 32 | time of the last hand-over (ms) */
};

/* The last message libbpf printed (its warnings are not shown, they make our errors). */
const char *ebpf_libbpf_msg(void);
void ebpf_libbpf_quiet(void);

#endif
