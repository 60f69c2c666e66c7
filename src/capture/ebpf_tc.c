/*
 * ebpf_tc — the TC side of the eBPF backend: a clsact qdisc on the
 * interface with our two direct-action filters (ingress, egress), attached
 * through libbpf's netlink helpers (bpf_tc_hook_create / bpf_tc_attach).
 *
 * Nothing is pinned.  The filters hold the programs, so a process killed
 * with SIGKILL leaves them running (they find the ring full and return):
 * the next start finds them by handle, priority and program name, removes
 * them, and then also removes the clsact qdisc on close, as the crashed run
 * would have done.  A qdisc that existed before us (someone else's filters)
 * is left in place; only our filters go.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <constrictor/constrictor.h>

#include "capture/ebpf_int.h"

static char libbpf_last[256];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
        if (level == LIBBPF_DEBUG)
                return 0;
        vsnprintf(libbpf_last, sizeof(libbpf_last), fmt, ap);
        libbpf_last[strcspn(libbpf_last, "\n")] = '\0';
        return 0;
}

void ebpf_libbpf_quiet(void)
{
        libbpf_last[0] = '\0';
        libbpf_set_print(libbpf_print);
}

const char *ebpf_libbpf_msg(void)
{
        return libbpf_last;
}

static struct bpf_tc_hook hook_of(const struct ebpf_tc *tc, enum bpf_tc_attach_point where)
{
        struct bpf_tc_hook h;
        memset(&h, 0, sizeof(h));
        h.sz = sizeof(h);
        h.ifindex = tc->ifindex;
        h.attach_point = where;
        return h;
}

/* True when the filter at our handle/priority runs a program named cst_*. */
static bool filter_is_ours(struct bpf_tc_hook *h)
{
        LIBBPF_OPTS(bpf_tc_opts, q, .handle = EBPF_TC_HANDLE, .priority = EBPF_TC_PRIORITY);
        if (bpf_tc_query(h, &q) != 0)
                return false;
        int fd = bpf_prog_get_fd_by_id(q.prog_id);
        if (fd < 0)
                return true; /* our handle and priority; its name unreadable */
        struct bpf_prog_info info;
        uint32_t len = sizeof(info);
        memset(&info, 0, sizeof(info));
        bool ours =
            bpf_obj_get_info_by_fd(fd, &info, &len) != 0 || strncmp(info.name, "cst_", 4) == 0;
        close(fd);
        return ours;
}

static void filter_remove(struct bpf_tc_hook *h)
{
        LIBBPF_OPTS(bpf_tc_opts, d, .handle = EBPF_TC_HANDLE, .priority = EBPF_TC_PRIORITY);
        bpf_tc_detach(h, &d);
}

/* A crashed run's filters: removed before ours go in. */
static void remove_stale(struct ebpf_tc *tc)
{
        static const enum bpf_tc_attach_point where[2] = {BPF_TC_INGRESS, BPF_TC_EGRESS};
        for (int i = 0; i < 2; i++) {
                struct bpf_tc_hook h = hook_of(tc, where[i]);
                if (filter_is_ours(&h)) {
                        filter_remove(&h);
                        tc->stale_found = true;
                }
        }
}

static int attach_one(struct ebpf_tc *tc, int i, int prog_fd, char *err)
{
        struct bpf_tc_hook h = hook_of(tc, i == 0 ? BPF_TC_INGRESS : BPF_TC_EGRESS);
        LIBBPF_OPTS(bpf_tc_opts, o, .handle = EBPF_TC_HANDLE, .priority = EBPF_TC_PRIORITY,
                    .prog_fd = prog_fd);
        int rc = bpf_tc_attach(&h, &o);
        if (rc < 0) {
                snprintf(err, CST_ERRBUF, "cannot attach the eBPF program to TC %s: %s",
                         i == 0 ? "ingress" : "egress", strerror(-rc));
                return CST_EFATAL;
        }
        tc->attached[i] = true;
        return CST_OK;
}

int ebpf_tc_attach(struct ebpf_tc *tc, int prog_in, int prog_out, char *err)
{
        struct bpf_tc_hook h = hook_of(tc, BPF_TC_INGRESS | BPF_TC_EGRESS);
        int rc = bpf_tc_hook_create(&h);
        if (rc == 0) {
                tc->qdisc_created = true;
        } else if (rc != -EEXIST) {
                snprintf(err, CST_ERRBUF, "cannot create a clsact qdisc: %s%s", strerror(-rc),
                         rc == -EPERM ? " (needs root or CAP_NET_ADMIN)" : "");
                return CST_EFATAL;
        }
        remove_stale(tc);
        if (attach_one(tc, 0, prog_in, err) < 0)
                return CST_EFATAL;
        if (!tc->ingress_only && attach_one(tc, 1, prog_out, err) < 0)
                return CST_EFATAL;
        return CST_OK;
}

void ebpf_tc_detach(struct ebpf_tc *tc)
{
        for (int i = 0; i < 2; i++) {
                if (!tc->attached[i])
                        continue;
                struct bpf_tc_hook h = hook_of(tc, i == 0 ? BPF_TC_INGRESS : BPF_TC_EGRESS);
                filter_remove(&h);
                tc->attached[i] = false;
        }
        if (tc->qdisc_created || tc->stale_found) {
                struct bpf_tc_hook h = hook_of(tc, BPF_TC_INGRESS | BPF_TC_EGRESS);
                bpf_tc_hook_destroy(&h);
                tc->qdisc_created = tc->stale_found = false;
        }
}
