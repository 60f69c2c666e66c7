/*
 * ebpf_tc — the TC side of the eBPF backend: a clsact qdisc on the
 * interface with our two direct-action filters (ingress, egress), attached
 * through libbpf's netlink helpers (bpf_tc_hook_create / bpf_tc_attach).
 *
 * Nothing is pinned.  The filters hold the programs, so a process killed
 * with SIGKILL leaves them running (they find the ring full and return):
 * the next start finds them by handle, priority and program name and
 * removes them.  A qdisc that existed before us (someone else's filters)
 * is left in place; only our filters go.  Whether a run created the qdisc
 * is noted in a small state file (EBPF_STATE_DIR/ebpf-clsact-NETNS-IFINDEX,
 * removed with the qdisc): after a crash, the next start removes the qdisc
 * on close only when the file says the crashed run had created it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

#ifndef EBPF_STATE_DIR
#define EBPF_STATE_DIR "/run/constrictor"
#endif

/* One file per interface: the network namespace (its inode) and the ifindex in it. */
static void state_path(const struct ebpf_tc *tc, char *buf, size_t n)
{
        struct stat ns;
        unsigned long long ino =
            stat("/proc/self/ns/net", &ns) == 0 ? (unsigned long long)ns.st_ino : 0;
        snprintf(buf, n, "%s/ebpf-clsact-%llu-%d", EBPF_STATE_DIR, ino, tc->ifindex);
}

/* This run created the qdisc: noted, so that a start after a crash knows it was ours. */
static void state_note(const struct ebpf_tc *tc)
{
        char path[128], line[96];
        state_path(tc, path, sizeof(path));
        if (mkdir(EBPF_STATE_DIR, 0755) < 0 && errno != EEXIST)
                return; /* unnoted: after a crash the qdisc stays (empty, harmless) */
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        int n = snprintf(line, sizeof(line), "clsact qdisc of ifindex %d created by pid %ld\n",
                         tc->ifindex, (long)getpid());
        if (write(fd, line, (size_t)n) < 0)
                n = 0; /* the file's presence is what counts */
        close(fd);
}

static bool state_noted(const struct ebpf_tc *tc)
{
        char path[128];
        state_path(tc, path, sizeof(path));
        return access(path, F_OK) == 0;
}

static void state_clear(const struct ebpf_tc *tc)
{
        char path[128];
        state_path(tc, path, sizeof(path));
        unlink(path);
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
        if (tc->qdisc_created) {
                state_note(tc);
        } else if (tc->stale_found && state_noted(tc)) {
                tc->qdisc_created = true; /* the crashed run made it: ours to remove */
        } else {
                tc->stale_found = false; /* someone else's qdisc: it stays */
                state_clear(tc);         /* a note older than this qdisc */
        }
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
        if (tc->qdisc_created) {
                struct bpf_tc_hook h = hook_of(tc, BPF_TC_INGRESS | BPF_TC_EGRESS);
                bpf_tc_hook_destroy(&h);
                state_clear(tc);
                tc->qdisc_created = tc->stale_found = false;
        }
}
