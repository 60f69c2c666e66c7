/*
 * constrictor-live-sender — traffic source of the live benchmark.
 *
 * Pre-builds frames (from a classic PCAP file, or synthetic TLS flows of one
 * frame size from flowgen), then sends them round and round on an AF_PACKET
 * socket with sendmmsg(2) batches, at full speed or at a given rate, for a
 * bounded time.  Frames are never copied or modified while sending: each
 * iovec points into the pre-built buffer.  Prints one line of key=value
 * counters on stdout at the end.
 */
#include <errno.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_pcap.h"
#include "flowgen.h"

#define BATCH     64
#define MAX_FRAME 1514

struct sender_opts {
        const char *iface;
        const char *pcap;
        double seconds;
        double rate; /* packets/s, 0 = full speed */
        uint32_t frame_size;
        uint32_t flows;
};

struct sender_counts {
        uint64_t packets, bytes, skipped, enobufs, passes;
};

static double mono(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_socket(const char *iface)
{
        int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only, never receive */
        if (fd < 0) {
                perror("socket(AF_PACKET)");
                return -1;
        }
        struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                                  .sll_ifindex = (int)if_nametoindex(iface)};
        int one = 1;
        if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                fprintf(stderr, "bind to %s: %s\n", iface, strerror(errno));
                close(fd);
                return -1;
        }
        /* Straight to the driver: the qdisc layer is not what we measure. */
        setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
        return fd;
}

/* Keep only frames that fit the wire (the generator has GRO-sized ones). */
static size_t select_frames(struct bench_capture *c, struct sender_counts *n)
{
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++) {
                const struct cst_packet *p = &c->pkts[i];
                if (p->caplen < 14 || p->caplen > MAX_FRAME || p->caplen != p->origlen) {
                        n->skipped++;
                        continue;
                }
                c->pkts[k++] = *p;
        }
        c->n = k;
        return k;
}

static int build_frames(const struct sender_opts *o, struct bench_capture *c,
                        struct sender_counts *n)
{
        char err[CST_ERRBUF] = "";
        int rc;
        if (o->pcap) {
                rc = bench_load_pcap(o->pcap, c, err);
        } else {
                uint32_t seg = o->frame_size - 54;
                /* ~128 k data frames per pass, capped at ~256 MiB of frames */
                uint32_t segs = (uint32_t)((256u << 20) / o->frame_size / o->flows);
                if (segs > 131072 / o->flows)
                        segs = 131072 / o->flows;
                struct flowgen_opts g = {
                    .flows = o->flows, .data_segs = segs, .seg_bytes = seg, .seed = 7};
                rc = flowgen_build(&g, c, err);
        }
        if (rc) {
                fprintf(stderr, "error: %s\n", err);
                return -1;
        }
        return select_frames(c, n) ? 0 : -1;
}

/* Send the frames in batches until the deadline; optional pacing by rate. */
static void send_loop(int fd, const struct bench_capture *c, const struct sender_opts *o,
                      struct sender_counts *n)
{
        static struct mmsghdr msgs[BATCH];
        static struct iovec iov[BATCH];
        size_t next = 0;
        double start = mono(), deadline = start + o->seconds;
        for (unsigned iter = 0;; iter++) {
                if ((iter & 15) == 0 && mono() >= deadline)
                        break;
                if (o->rate > 0) {
                        double due = start + (double)n->packets / o->rate;
                        while (mono() < due)
                                ;
                }
                unsigned k;
                for (k = 0; k < BATCH; k++) {
                        const struct cst_packet *p = &c->pkts[next];
                        iov[k] = (struct iovec){(void *)p->data, p->caplen};
                        msgs[k].msg_hdr = (struct msghdr){.msg_iov = &iov[k], .msg_iovlen = 1};
                        if (++next == c->n) {
                                next = 0;
                                n->passes++;
                        }
                }
                int sent = sendmmsg(fd, msgs, BATCH, 0);
                if (sent < 0) {
                        if (errno == ENOBUFS || errno == EAGAIN)
                                n->enobufs++;
                        sent = 0;
                }
                for (int i = 0; i < sent; i++) {
                        n->packets++;
                        n->bytes += iov[i].iov_len;
                }
                /* frames not sent are skipped, not retried: the stream moves on */
        }
}

static int parse_args(int argc, char **argv, struct sender_opts *o)
{
        *o = (struct sender_opts){.seconds = 5, .flows = 64};
        for (int i = 1; i + 1 < argc; i += 2) {
                const char *a = argv[i], *v = argv[i + 1];
                if (!strcmp(a, "-i"))
                        o->iface = v;
                else if (!strcmp(a, "--pcap"))
                        o->pcap = v;
                else if (!strcmp(a, "--seconds"))
                        o->seconds = strtod(v, NULL);
                else if (!strcmp(a, "--rate"))
                        o->rate = strtod(v, NULL);
                else if (!strcmp(a, "--frame-size"))
                        o->frame_size = (uint32_t)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--flows"))
                        o->flows = (uint32_t)strtoul(v, NULL, 10);
                else
                        return -1;
        }
        if (argc % 2 == 0 || !o->iface || (!o->pcap == !o->frame_size) || o->flows == 0)
                return -1;
        return o->frame_size && (o->frame_size < 64 || o->frame_size > MAX_FRAME) ? -1 : 0;
}

int main(int argc, char **argv)
{
        struct sender_opts o;
        if (parse_args(argc, argv, &o)) {
                fputs("usage: constrictor-live-sender -i IFACE (--pcap FILE | --frame-size 64..1514"
                      " [--flows N]) [--seconds S] [--rate PPS]\n",
                      stderr);
                return 2;
        }
        struct bench_capture c;
        struct sender_counts n = {0};
        if (build_frames(&o, &c, &n))
                return 1;
        int fd = open_socket(o.iface);
        if (fd < 0)
                return 1;
        uint64_t frame_bytes = 0;
        for (size_t i = 0; i < c.n; i++)
                frame_bytes += c.pkts[i].caplen;
        double t0 = mono();
        send_loop(fd, &c, &o, &n);
        double dt = mono() - t0;
        printf("sent_packets=%llu sent_bytes=%llu seconds=%.3f pps=%.0f frames=%zu "
               "avg_frame=%.1f skipped_frames=%llu enobufs=%llu passes=%llu\n",
               (unsigned long long)n.packets, (unsigned long long)n.bytes, dt,
               (double)n.packets / dt, c.n, (double)frame_bytes / (double)c.n,
               (unsigned long long)n.skipped, (unsigned long long)n.enobufs,
               (unsigned long long)n.passes);
        close(fd);
        bench_capture_free(&c);
        return 0;
}
