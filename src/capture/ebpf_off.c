/*
 * ebpf_off — the eBPF backend of a build without it (cmake/ebpf.cmake:
 * clang, bpftool or libbpf missing, or -DCST_EBPF=OFF): opening it says
 * why in one line.
 */
#include <stdio.h>

#include "capture/afp.h"

#ifndef CST_EBPF_MISSING
#define CST_EBPF_MISSING "not configured"
#endif

static int ebpf_off_setup(struct cst_capture *c, const struct cst_capture_opts *o, char *err)
{
        (void)c;
        (void)o;
        snprintf(err, CST_ERRBUF,
                 "--backend ebpf is not in this build (missing at build time: %s; install them "
                 "and rebuild with -DCST_EBPF=ON)",
                 CST_EBPF_MISSING);
        return CST_EFATAL;
}

const struct afp_backend_ops afp_ebpf_ops = {
    .name = "ebpf",
    .no_socket = true,
    .setup = ebpf_off_setup,
};
