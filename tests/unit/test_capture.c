/*
 * Unit tests of the capture module that need no privilege: kernel filter
 * compilation (plain and cooked), VLAN reinsertion and SLL2 headers, the
 * PCAPNG block builders, the live dumper (pcap and pcapng files read back
 * through struct rd), the offline feed, and open-time errors.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include "check.h"
#include "capture/afp.h"
#include "sink/pcapng_blocks.h"
#include "plain_load.h"
#include "util/rd.h"

static void test_filter(void)
{
        char err[CST_ERRBUF];
        struct sock_fprog prog;
        CHECK_EQ_U(afp_filter_compile("tcp port 443", CST_LINK_ETHERNET, 262144, false, &prog, err),
                   0);
        CHECK(prog.len > 4);
        /* Ethernet: the first load is the EtherType at offset 12. */
        CHECK_EQ_U(prog.filter[0].code, BPF_LD | BPF_H | BPF_ABS);
        CHECK_EQ_U(prog.filter[0].k, 12);
        afp_filter_free(&prog);

        CHECK(afp_filter_compile("tcp port nonsense", CST_LINK_ETHERNET, 262144, false, &prog,
                                 err) < 0);
        CHECK(strncmp(err, "bad filter expression 'tcp port nonsense': ", 43) == 0);

        /* Cooked: the protocol load becomes an ancillary load, IP offsets move back 20. */
        CHECK_EQ_U(
            afp_filter_compile("ip and udp port 53", CST_LINK_LINUX_SLL2, 262144, true, &prog, err),
            0);
        CHECK_EQ_U(prog.filter[0].k, (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL));
        bool ip_proto_at_9 = false;
        for (unsigned i = 0; i < prog.len; i++) {
                const struct sock_filter *f = &prog.filter[i];
                if (BPF_CLASS(f->code) == BPF_LD && BPF_MODE(f->code) == BPF_ABS)
                        CHECK(f->k < 0x1000 || f->k >= (uint32_t)SKF_AD_OFF);
                if (f->code == (BPF_LD | BPF_B | BPF_ABS) && f->k == 9)
                        ip_proto_at_9 = true;
        }
        CHECK(ip_proto_at_9);
        afp_filter_free(&prog);

        /* The packet type maps to an ancillary load ... */
        CHECK(afp_filter_compile("inbound", CST_LINK_LINUX_SLL2, 262144, true, &prog, err) == 0);
        CHECK_EQ_U(prog.filter[0].k, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE));
        afp_filter_free(&prog);
        /* ... a link-layer address byte has no equivalent on a cooked socket. */
        CHECK(afp_filter_compile("link[12] = 2", CST_LINK_LINUX_SLL2, 262144, true, &prog, err) <
              0);
        CHECK(strstr(err, "cannot filter on a cooked (any) socket") != NULL);
}

static void test_frame(void)
{
        uint8_t buf[AFP_HEADROOM + 64];
        uint8_t *data = buf + AFP_HEADROOM;
        for (unsigned i = 0; i < 64; i++)
                data[i] = (uint8_t)i;
        data[12] = 0x08, data[13] = 0x00;
        uint32_t cap = 64, orig = 100;
        uint8_t *start = afp_vlan_reinsert(data, &cap, &orig, 0, 0x6064);
        CHECK(start == data - 4);
        CHECK_EQ_U(cap, 68);
        CHECK_EQ_U(orig, 104);
        CHECK_EQ_U(start[0], 0);
        CHECK_EQ_U(start[11], 11);
        CHECK_EQ_U(ld_be16(start + 12), 0x8100);
        CHECK_EQ_U(ld_be16(start + 14), 0x6064);
        CHECK_EQ_U(ld_be16(start + 16), 0x0800);
        CHECK_EQ_U(start[18], 14);

        cap = 10, orig = 10;
        CHECK(afp_vlan_reinsert(data, &cap, &orig, 0x88a8, 1) == data); /* too short */
        CHECK_EQ_U(cap, 10);

        struct sockaddr_ll sll;
        memset(&sll, 0, sizeof(sll));
        sll.sll_protocol = htons(0x86dd);
        sll.sll_ifindex = 7;
        sll.sll_hatype = 1;
        sll.sll_pkttype = PACKET_OUTGOING;
        sll.sll_halen = 6;
        memcpy(sll.sll_addr, "\x02\x00\x00\x00\x00\x09", 6);
        cap = 40, orig = 40;
        uint8_t *h = afp_sll2_prepend(data, &sll, &cap, &orig);
        CHECK(h == data - 20);
        CHECK_EQ_U(cap, 60);
        CHECK_EQ_U(ld_be16(h), 0x86dd);
        CHECK_EQ_U(ld_be32(h + 4), 7);
        CHECK_EQ_U(ld_be16(h + 8), 1);
        CHECK_EQ_U(h[10], PACKET_OUTGOING);
        CHECK_EQ_U(h[11], 6);
        CHECK_EQ_U(h[17], 9);
        CHECK_EQ_U(h[18], 0);

        CHECK_EQ_U(afp_direction(PACKET_OUTGOING), CST_DIR_OUTBOUND);
        CHECK_EQ_U(afp_direction(PACKET_HOST), CST_DIR_INBOUND);
        CHECK_EQ_U(afp_direction(PACKET_OTHERHOST), CST_DIR_INBOUND);
        CHECK_EQ_U(afp_direction(99), CST_DIR_UNKNOWN);
}

/* Cooked frame with a stripped tag: SLL2 (protocol = TPID), TCI, inner protocol, payload. */
static void test_cooked_vlan_and_vnet(void)
{
        uint8_t buf[AFP_HEADROOM + 40] = {0};
        uint8_t *data = buf + AFP_HEADROOM;
        data[0] = 0x45;
        struct sockaddr_ll sll;
        memset(&sll, 0, sizeof(sll));
        sll.sll_protocol = htons(0x0800);
        sll.sll_ifindex = 3;
        uint32_t cap = 40, orig = 1000;
        uint8_t *h = afp_sll2_prepend_vlan(data, &sll, &cap, &orig, 0, 0xa02a);
        CHECK(h == buf);
        CHECK_EQ_U(cap, 64);
        CHECK_EQ_U(orig, 1024);
        CHECK_EQ_U(ld_be16(h), 0x8100);
        CHECK_EQ_U(ld_be32(h + 4), 3);
        CHECK_EQ_U(ld_be16(h + 20), 0xa02a);
        CHECK_EQ_U(ld_be16(h + 22), 0x0800);
        CHECK_EQ_U(h[24], 0x45);
        h = afp_sll2_prepend_vlan(data, &sll, &cap, &orig, 0x88a8, 1);
        CHECK_EQ_U(ld_be16(h), 0x88a8);

        /* virtio_net_hdr: flags, gso_type (ECN bit ignored), hdr_len, gso_size (host order) */
        uint8_t vnet[AFP_VNET_HDR_LEN] = {1, 0x85, 42, 0, 0xb0, 0x04, 0, 0, 0, 0};
        struct cst_packet pkt;
        memset(&pkt, 0, sizeof(pkt));
        afp_vnet_read(vnet, &pkt);
        CHECK_EQ_U(pkt.gso_type, 5);
        CHECK_EQ_U(pkt.gso_size, 1200);
        vnet[1] = 1; /* TCPv4: no UDP segment size */
        afp_vnet_read(vnet, &pkt);
        CHECK_EQ_U(pkt.gso_type, 1);
        CHECK_EQ_U(pkt.gso_size, 0);
}

static void test_blocks(void)
{
        uint8_t b[PCAPNG_SHB_MAX_LEN];
        size_t n = pcapng_shb(b, sizeof(b), "Linux", "constrictor 0.1.0");
        CHECK_EQ_U(n % 4, 0);
        CHECK_EQ_U(ld_le32(b), 0x0A0D0D0A);
        CHECK_EQ_U(ld_le32(b + 4), n);
        CHECK_EQ_U(ld_le32(b + n - 4), n);
        CHECK_EQ_U(ld_le32(b + 8), 0x1A2B3C4D);
        CHECK_EQ_U(n, 24 + (4 + 8) + (4 + 20) + 4 + 4);

        n = pcapng_idb(b, sizeof(b), 1, 65535, "eth0", 9);
        CHECK_EQ_U(n, 16 + (4 + 4) + (4 + 4) + 4 + 4);
        CHECK_EQ_U(b[16], 2); /* if_name */
        CHECK_EQ_U(b[24], 9); /* if_tsresol code */
        CHECK_EQ_U(b[28], 9); /* value */
        CHECK_EQ_U(pcapng_idb(b, 20, 1, 1, "eth0", 9), 0);

        CHECK_EQ_U(pcapng_epb_len(5), 28 + 8 + 16);
        n = pcapng_isb(b, sizeof(b), 0, 1, 0, 10, 2);
        CHECK_EQ_U(n, PCAPNG_ISB_LEN);
        CHECK_EQ_U(ld_le32(b), 5);
        CHECK_EQ_U(ld_le32(b + n - 4), n);
}

static char *tmp_path(const char *name)
{
        static char path[4096];
        const char *dir = getenv("CST_TMP");
        if (!dir)
                dir = "/tmp";
        mkdir(dir, 0755);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return path;
}

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return 0;
        size_t n = fread(buf, 1, cap, f);
        fclose(f);
        return n;
}

static struct cst_packet sample_packet(const uint8_t *data, uint32_t len, uint8_t dir)
{
        struct cst_packet p;
        memset(&p, 0, sizeof(p));
        p.data = data;
        p.caplen = p.origlen = len;
        p.ts_ns = 1700000000ull * 1000000000ull + 123456789ull;
        p.direction = dir;
        p.linktype = CST_LINK_ETHERNET;
        return p;
}

static void test_dump_pcap(void)
{
        char err[CST_ERRBUF];
        uint8_t frame[60] = {1, 2, 3}, buf[512];
        struct cst_dump_opts o = {.format = CST_FORMAT_PCAP,
                                  .nsec = true,
                                  .linktype = CST_LINK_ETHERNET,
                                  .snaplen = 65535};
        cst_dumper *d;
        char *path = tmp_path("capture_dump.pcap");
        CHECK_EQ_U(cst_dump_open(&d, path, &o, err), 0);
        struct cst_packet p = sample_packet(frame, 60, CST_DIR_INBOUND);
        CHECK_EQ_U(cst_dump_packet(d, &p, 20, err), 0);
        CHECK_EQ_U(cst_dump_bytes(d), 24 + 16 + 20);
        CHECK_EQ_U(cst_dump_close(d, NULL, err), 0);
        size_t n = slurp(path, buf, sizeof(buf));
        CHECK_EQ_U(n, 60);
        struct rd r = rd_init(buf, n);
        CHECK_EQ_U(rd_le32(&r), 0xA1B23C4D);
        rd_skip(&r, 12);
        CHECK_EQ_U(rd_le32(&r), 65535);
        CHECK_EQ_U(rd_le32(&r), 1);
        CHECK_EQ_U(rd_le32(&r), 1700000000u);
        CHECK_EQ_U(rd_le32(&r), 123456789u);
        CHECK_EQ_U(rd_le32(&r), 20);
        CHECK_EQ_U(rd_le32(&r), 60);
        CHECK_EQ_U(rd_u8(&r), 1);

        o.nsec = false;
        CHECK_EQ_U(cst_dump_open(&d, path, &o, err), 0);
        CHECK_EQ_U(cst_dump_packet(d, &p, 60, err), 0);
        CHECK_EQ_U(cst_dump_close(d, NULL, err), 0);
        n = slurp(path, buf, sizeof(buf));
        CHECK_EQ_U(ld_le32(buf), 0xA1B2C3D4);
        CHECK_EQ_U(ld_le32(buf + 28), 123456u);

        CHECK(cst_dump_open(&d, "/nonexistent/dir/x.pcap", &o, err) < 0);
        CHECK(strncmp(err, "cannot open output file /nonexistent/dir/x.pcap: ", 49) == 0);
}

static void test_dump_pcapng(void)
{
        char err[CST_ERRBUF];
        uint8_t frame[61] = {0}, buf[2048];
        struct cst_dump_opts o = {.format = CST_FORMAT_PCAPNG,
                                  .nsec = true,
                                  .linktype = CST_LINK_ETHERNET,
                                  .snaplen = 262144,
                                  .ifname = "veth0",
                                  .userappl = "constrictor test"};
        cst_dumper *d;
        char *path = tmp_path("capture_dump.pcapng");
        CHECK_EQ_U(cst_dump_open(&d, path, &o, err), 0);
        struct cst_packet in = sample_packet(frame, 61, CST_DIR_INBOUND);
        struct cst_packet out = sample_packet(frame, 61, CST_DIR_OUTBOUND);
        CHECK_EQ_U(cst_dump_packet(d, &in, 61, err), 0);
        CHECK_EQ_U(cst_dump_packet(d, &out, 13, err), 0);
        struct cst_capture_stats ks = {0};
        ks.have_kernel = true;
        ks.kernel_packets = 5;
        ks.kernel_drops = 3;
        CHECK_EQ_U(cst_dump_close(d, &ks, err), 0);
        size_t n = slurp(path, buf, sizeof(buf));
        struct rd r = rd_init(buf, n);
        uint32_t types[8] = {0}, flags[8] = {0};
        unsigned k = 0;
        while (rd_left(&r) >= 12 && k < 8) {
                size_t at = r.off;
                types[k] = rd_le32(&r);
                uint32_t len = rd_le32(&r);
                if (types[k] == 6) {
                        uint32_t cap = ld_le32(buf + at + 20);
                        flags[k] = ld_le32(buf + at + 28 + ((cap + 3) & ~3u) + 4);
                }
                if (types[k] == 5) {
                        CHECK_EQ_U(ld_le32(buf + at + 20 + 24 + 4), 5); /* isb_ifrecv low */
                        CHECK_EQ_U(ld_le32(buf + at + 20 + 36 + 4), 3); /* isb_ifdrop low */
                }
                rd_skip(&r, len - 8);
                k++;
        }
        CHECK_EQ_U(r.err, 0);
        CHECK_EQ_U(rd_left(&r), 0);
        CHECK_EQ_U(k, 5);
        CHECK_EQ_U(types[0], 0x0A0D0D0A);
        CHECK_EQ_U(types[1], 1);
        CHECK_EQ_U(types[2], 6);
        CHECK_EQ_U(flags[2], 1);
        CHECK_EQ_U(flags[3], 2);
        CHECK_EQ_U(types[4], 5);
}

static void test_feed(void)
{
        char err[CST_ERRBUF], path[4096];
        const char *fix = getenv("CST_FIXTURES");
        cst_capture *c;
        struct cst_packet pkts[4];
        if (!fix)
                return;
        snprintf(path, sizeof(path), "%s/single/tls_test_1.pcap", fix);
        if (cst_capture_open_feed(&c, path, err) != 0) {
                printf("feed: fixture missing, skipped (%s)\n", err);
                return;
        }
        CHECK_EQ_U(cst_capture_linktype(c), CST_LINK_ETHERNET);
        unsigned n = 0;
        int rc;
        while ((rc = cst_capture_next_batch(c, pkts, 4, 0, err)) > 0)
                n += (unsigned)rc;
        CHECK(rc == CST_CAPTURE_EOF);
        CHECK_EQ_U(n, 17);
        cst_capture_close(c);

        snprintf(path, sizeof(path), "%s/single/tls_quic_test_1.pcapng", fix);
        CHECK(cst_capture_open_feed(&c, path, err) < 0);
        CHECK_STR(err, "pcapng is not supported by this offline feed mode");
        CHECK(cst_capture_open_feed(&c, "/nonexistent.pcap", err) < 0);
        CHECK(strncmp(err, "cannot open /nonexistent.pcap", 29) == 0);
}

static void test_open_errors(void)
{
        char err[CST_ERRBUF];
        struct cst_capture_opts o;
        cst_capture *c;
        cst_capture_opts_init(&o);
        o.interface = "nosuch0";
        CHECK(cst_capture_open(&c, &o, err) < 0);
        CHECK_STR(err, "no such interface: nosuch0");
        CHECK(c == NULL);
        o.interface = "";
        CHECK(cst_capture_open(&c, &o, err) < 0);
        CHECK_STR(err, "no capture interface given");
        o.interface = "lo";
        o.snaplen = 10;
        CHECK(cst_capture_open(&c, &o, err) < 0);
        CHECK_STR(err, "capture snaplen 10 out of range 64..262144");
        CHECK_STR(cst_capture_backend_name(CST_BACKEND_RECVMSG), "recvmsg");
        CHECK_STR(cst_capture_backend_name(CST_BACKEND_TPACKET_V3), "tpacket_v3");
}

/* One TPACKET_V3 packet record at `off` of a block, data at off + mac. */
static void ring_put(uint8_t *blk, uint32_t off, uint32_t next, uint32_t snap, uint32_t len,
                     uint32_t status, uint16_t tci, uint8_t pkttype)
{
        struct tpacket3_hdr h;
        struct sockaddr_ll sll;
        memset(&h, 0, sizeof(h));
        memset(&sll, 0, sizeof(sll));
        h.tp_next_offset = next;
        h.tp_sec = 1700000000;
        h.tp_nsec = 5;
        h.tp_snaplen = snap;
        h.tp_len = len;
        h.tp_status = status;
        h.tp_mac = 96;
        h.hv1.tp_vlan_tci = tci;
        memcpy(blk + off, &h, sizeof(h));
        sll.sll_pkttype = pkttype;
        sll.sll_ifindex = 3;
        memcpy(blk + off + TPACKET_ALIGN(sizeof(h)), &sll, sizeof(sll));
        for (uint32_t i = 0; i < snap && off + 96 + i < 4096; i++)
                blk[off + 96 + i] = (uint8_t)(i + 1);
}

static void ring_block(uint8_t *blk, uint32_t num)
{
        struct tpacket_block_desc *b = (struct tpacket_block_desc *)(void *)blk;
        b->hdr.bh1.num_pkts = num;
        b->hdr.bh1.offset_to_first_pkt = 64;
        b->hdr.bh1.block_status = TP_STATUS_USER;
}

static void test_ring_walk(void)
{
        enum { BS = 4096 };
        char err[CST_ERRBUF];
        uint8_t *ring = aligned_alloc(BS, 2 * BS);
        struct cst_capture *c = calloc(1, sizeof(*c));
        struct cst_packet pk[4];
        memset(ring, 0, 2 * BS);
        c->fd = -1;
        c->linktype = CST_LINK_ETHERNET;
        c->snaplen = 262144;
        CHECK_EQ_U(afp_tpacket_v3_use_ring(c, ring, BS, 2), 0);
        ring_block(ring, 3);
        ring_put(ring, 64, 256, 60, 60, TP_STATUS_VLAN_VALID, 0x2005, PACKET_OUTGOING);
        ring_put(ring, 320, 256, 60, 1000, 0, 0, PACKET_HOST);
        ring_put(ring, 576, 0, 20, 20, 0, 0, PACKET_BROADCAST);

        CHECK_EQ_U(cst_capture_next_batch(c, pk, 2, 0, err), 2);
        CHECK_EQ_U(pk[0].caplen, 64); /* tag put back */
        CHECK_EQ_U(pk[0].origlen, 64);
        CHECK_EQ_U(ld_be16(pk[0].data + 12), 0x8100);
        CHECK_EQ_U(ld_be16(pk[0].data + 14), 0x2005);
        CHECK_EQ_U(pk[0].data[16], 13);
        CHECK(pk[0].data == ring + 64 + 96 - 4); /* a view into the ring */
        CHECK_EQ_U(pk[0].direction, CST_DIR_OUTBOUND);
        CHECK_EQ_U(pk[0].vlan_tci, 0x2005);
        CHECK_EQ_U(pk[0].ts_ns, 1700000000ull * 1000000000ull + 5);
        CHECK_EQ_U(pk[0].ifid, 3);
        CHECK_EQ_U(pk[1].caplen, 60);
        CHECK_EQ_U(pk[1].origlen, 1000);
        CHECK_EQ_U(pk[1].direction, CST_DIR_INBOUND);
        CHECK_EQ_U(cst_capture_next_batch(c, pk, 4, 0, err), 1);
        CHECK_EQ_U(pk[0].caplen, 20);
        /* The block stays ours until the next call, then goes back to the kernel. */
        const struct tpacket_block_desc *b0 = (const void *)ring;
        CHECK_EQ_U(b0->hdr.bh1.block_status, TP_STATUS_USER);
        CHECK_EQ_U(cst_capture_next_batch(c, pk, 4, 0, err), 0);
        CHECK_EQ_U(b0->hdr.bh1.block_status, TP_STATUS_KERNEL);

        /* Block 1: a packet whose data runs past the block is discarded with its block. */
        ring_block(ring + BS, 2);
        ring_put(ring + BS, 64, 256, 60, 60, 0, 0, PACKET_HOST);
        ring_put(ring + BS, 320, 256, BS, BS, 0, 0, PACKET_HOST);
        CHECK_EQ_U(cst_capture_next_batch(c, pk, 4, 0, err), 1);
        struct cst_capture_stats st;
        cst_capture_stats(c, &st, err);
        CHECK_EQ_U(st.receive_errors, 1);
        CHECK_EQ_U(st.packets_delivered, 4);
        CHECK_EQ_U(st.have_kernel, 0);
        cst_capture_release(c);
        const struct tpacket_block_desc *b1 = (const void *)(ring + BS);
        CHECK_EQ_U(b1->hdr.bh1.block_status, TP_STATUS_KERNEL);

        /* A block with an impossible packet count is given back at once. */
        ring_block(ring, 4096);
        CHECK_EQ_U(cst_capture_next_batch(c, pk, 4, 0, err), 0);
        CHECK_EQ_U(b0->hdr.bh1.block_status, TP_STATUS_KERNEL);
        cst_capture_stats(c, &st, err);
        CHECK_EQ_U(st.receive_errors, 2);
        cst_capture_close(c);
        free(ring);
}

int main(void)
{
        test_ring_walk();
        test_filter();
        test_frame();
        test_cooked_vlan_and_vnet();
        test_blocks();
        test_dump_pcap();
        test_dump_pcapng();
        test_feed();
        test_open_errors();
        return check_summary("test_capture");
}
