/*
 * ebpf_off — the eBPF backend of a build without it (cmake/ebpf.cmake:
 * clang, bpftool or libbpf missing, or -DCST_EBPF=OFF): opening it says
 * why in one line.
 */
#include <stdio.h>

#include "capture/afp.h"
#include "capture/kernel_cut.h"

#ifndef CST_EBPF_MISSING
#define CST_EBPF_MISSING "not configured by cmake/ebpf.cmake"
#endif

static int ebpf_off_setup(struct cst_capture *c, const struct cst_capture_opts *o, char *err)
{
        (void)c;
        (void)o;
        snprintf(err, CST_ERRBUF, "--backend ebpf is not in this build (%s)", CST_EBPF_MISSING);
        return CST_EFATAL;
}

const struct afp_backend_ops afp_ebpf_ops = {
    .name = "ebpf",
    .no_socket = true,
    .setup = ebpf_off_setup,
};

/* kernel_cut.h: nothing to cut in the kernel without the backend. */
bool capture_kernel_cut_on(const cst_capture *c)
{
        (void)c;
        return false;
}

void capture_kernel_cut_params(cst_capture *c, const struct kc_params *p)
{
        (void)c;
        (void)p;
}

void capture_kernel_tls(cst_capture *c, const struct kc_tls_flow *f, uint64_t now_ns)
{
        (void)c;
        (void)f;
        (void)now_ns;
}

void capture_kernel_quic(cst_capture *c, const struct kc_quic_flow *f)
{
        (void)c;
        (void)f;
}
