/*
 * tls_sni_count — count TLS handshakes (ClientHellos over TCP) per server
 * name in a capture file (PCAP or PCAPNG, also a pipe or "-").  The
 * library's pipeline reads the file and hands every packet to a callback,
 * with no engine and no output; the callback parses Ethernet (with
 * 802.1Q/QinQ tags), IPv4/IPv6, TCP and the ClientHello's server_name
 * extension itself, every read bounds-checked.
 *
 *   cc tls_sni_count.c $(pkg-config --cflags --libs constrictor) -o tls_sni_count
 *   ./tls_sni_count in.pcap
 *
 * Output: "<count> <server name>" lines, most handshakes first, then by name;
 * a ClientHello without server_name counts as "(none)".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <constrictor/constrictor.h>

#define MAX_NAMES 4096

struct name_count {
        char name[256];
        unsigned long count;
};

static struct name_count names[MAX_NAMES];
static size_t n_names;

static unsigned be16(const uint8_t *p)
{
        return (unsigned)p[0] << 8 | p[1];
}

static void count(const char *name)
{
        for (size_t i = 0; i < n_names; i++) {
                if (strcmp(names[i].name, name) == 0) {
                        names[i].count++;
                        return;
                }
        }
        if (n_names < MAX_NAMES) {
                snprintf(names[n_names].name, sizeof(names[n_names].name), "%s", name);
                names[n_names++].count = 1;
        }
}

/* The TCP payload of an Ethernet frame, or NULL. */
static const uint8_t *tcp_payload(const uint8_t *p, uint32_t len, uint32_t *plen)
{
        uint32_t off = 12, ip_len;
        unsigned type, proto;

        if (len < 14)
                return NULL;
        type = be16(p + off);
        while ((type == 0x8100 || type == 0x88A8) && off + 6 <= len) {
                off += 4;
                type = be16(p + off);
        }
        off += 2;
        if (type == 0x0800 && off + 20 <= len && (p[off] >> 4) == 4) {
                proto = p[off + 9];
                if (be16(p + off + 6) & 0x3FFF) /* a fragment */
                        return NULL;
                ip_len = be16(p + off + 2);
                if (ip_len < (p[off] & 15u) * 4 || off + ip_len > len)
                        ip_len = len - off;
                len = off + ip_len;
                off += (p[off] & 15u) * 4;
        } else if (type == 0x86DD && off + 40 <= len) {
                proto = p[off + 6]; /* no extension headers in this example */
                if (off + 40 + be16(p + off + 4) < len)
                        len = off + 40 + be16(p + off + 4);
                off += 40;
        } else {
                return NULL;
        }
        if (proto != 6 || off + 20 > len || off + (p[off + 12] >> 4) * 4u > len)
                return NULL;
        off += (p[off + 12] >> 4) * 4u;
        *plen = len - off;
        return p + off;
}

/* The server name of a ClientHello record at the start of `p`: 1, 0 = no SNI, -1 = not one. */
static int client_hello_sni(const uint8_t *p, uint32_t len, char *name, size_t size)
{
        uint32_t off, end, ext_end;

        if (len < 9 || p[0] != 0x16 || p[1] != 3 || p[5] != 1)
                return -1;
        end = 5 + be16(p + 3) < len ? 5 + be16(p + 3) : len;
        off = 9 + 2 + 32; /* record + handshake headers, version, random */
        if (off + 1 > end)
                return 0;
        off += 1 + p[off]; /* session id */
        if (off + 2 > end)
                return 0;
        off += 2 + be16(p + off); /* cipher suites */
        if (off + 1 > end)
                return 0;
        off += 1 + p[off]; /* compression methods */
        if (off + 2 > end)
                return 0;
        ext_end = off + 2 + be16(p + off);
        if (ext_end > end)
                ext_end = end;
        for (off += 2; off + 4 <= ext_end; off += 4 + be16(p + off + 2)) {
                uint32_t type = be16(p + off), elen = be16(p + off + 2), n;
                if (type != 0 || off + 4 + elen > ext_end || elen < 5 || p[off + 6] != 0)
                        continue;
                n = be16(p + off + 7); /* first entry: host_name */
                if (9 + n > elen + 4 || n >= size)
                        return 0;
                memcpy(name, p + off + 9, n);
                name[n] = '\0';
                return 1;
        }
        return 0;
}

static int by_count(const void *a, const void *b)
{
        const struct name_count *x = a, *y = b;
        if (x->count != y->count)
                return x->count < y->count ? 1 : -1;
        return strcmp(x->name, y->name);
}

/* The per-packet callback: count the ClientHello a packet starts, if any. */
static int on_packet(void *ctx, const struct cst_packet *pkt, const struct cst_verdict *v)
{
        char sni[256];
        uint32_t len;
        const uint8_t *pl;
        int found;

        (void)ctx;
        (void)v;
        if (pkt->linktype != CST_LINK_ETHERNET)
                return 0;
        pl = tcp_payload(pkt->data, pkt->caplen, &len);
        found = pl ? client_hello_sni(pl, len, sni, sizeof(sni)) : -1;
        if (found >= 0)
                count(found ? sni : "(none)");
        return 0;
}

int main(int argc, char **argv)
{
        char err[CST_ERRBUF];
        struct cst_run_opts run = {.on_packet = on_packet};
        cst_pipeline *p = NULL;
        int rc;

        if (argc != 2)
                return fprintf(stderr, "usage: %s IN.pcap\n", argv[0]), 2;
        rc = cst_pipeline_open_file(&p, argv[1], err);
        if (rc == CST_OK)
                rc = cst_pipeline_run(p, &run, err);
        cst_pipeline_close(p, err);
        if (rc != CST_OK)
                return fprintf(stderr, "tls_sni_count: %s\n", err), 1;
        qsort(names, n_names, sizeof(names[0]), by_count);
        for (size_t i = 0; i < n_names; i++)
                printf("%lu %s\n", names[i].count, names[i].name);
        return 0;
}
