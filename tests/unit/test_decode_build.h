/* Packet builders shared by the decode unit tests: append wire headers to a
 * buffer with explicit field values (so malformed variants are one argument
 * away). */
#ifndef TEST_DECODE_BUILD_H
#define TEST_DECODE_BUILD_H

#include <stdint.h>
#include <string.h>

struct pkt {
        uint8_t b[4096];
        uint32_t n;
};

static inline void put(struct pkt *k, const void *src, uint32_t len)
{
        memcpy(k->b + k->n, src, len);
        k->n += len;
}

static inline void put8(struct pkt *k, uint8_t v)
{
        k->b[k->n++] = v;
}

static inline void put16(struct pkt *k, uint16_t v)
{
        put8(k, (uint8_t)(v >> 8));
        put8(k, (uint8_t)v);
}

static inline void put32(struct pkt *k, uint32_t v)
{
        put16(k, (uint16_t)(v >> 16));
        put16(k, (uint16_t)v);
}

static inline void put_fill(struct pkt *k, uint8_t v, uint32_t len)
{
        memset(k->b + k->n, v, len);
        k->n += len;
}

/* Overwrite a 16-bit big-endian field at byte offset `at`. */
static inline void st_be16_test(struct pkt *k, uint32_t at, uint16_t v)
{
        k->b[at] = (uint8_t)(v >> 8);
        k->b[at + 1] = (uint8_t)v;
}

static inline void put_eth(struct pkt *k, uint16_t type)
{
        static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        put(k, macs, 12);
        put16(k, type);
}

static inline void put_vlan(struct pkt *k, uint16_t tci, uint16_t inner)
{
        put16(k, tci);
        put16(k, inner);
}

/* IPv4 header with ihl words (options filled with NOP 0x01). */
static inline void put_ipv4(struct pkt *k, uint8_t ihl, uint16_t total, uint16_t frag,
                            uint8_t proto)
{
        put8(k, (uint8_t)(0x40 | ihl));
        put8(k, 0);
        put16(k, total);
        put16(k, 0x1234);
        put16(k, frag);
        put8(k, 64);
        put8(k, proto);
        put16(k, 0);
        put32(k, 0x0A000001); /* 10.0.0.1 */
        put32(k, 0xC0A80102); /* 192.168.1.2 */
        if (ihl > 5)
                put_fill(k, 1, (ihl - 5u) * 4u);
}

static inline void put_ipv6(struct pkt *k, uint16_t plen, uint8_t nh)
{
        put32(k, 0x60012345);
        put16(k, plen);
        put8(k, nh);
        put8(k, 64);
        for (int i = 0; i < 16; i++)
                put8(k, (uint8_t)(0x20 + i));
        for (int i = 0; i < 16; i++)
                put8(k, (uint8_t)(0x40 + i));
}

/* Generic extension header of (len8+1)*8 bytes filled with PadN. */
static inline void put_ext(struct pkt *k, uint8_t nh, uint8_t len8)
{
        put8(k, nh);
        put8(k, len8);
        uint32_t rest = (len8 + 1u) * 8u - 2u;
        put8(k, 1); /* PadN */
        put8(k, (uint8_t)(rest - 2));
        put_fill(k, 0, rest - 2);
}

static inline void put_frag6(struct pkt *k, uint8_t nh, uint16_t off_m)
{
        put8(k, nh);
        put8(k, 0);
        put16(k, off_m);
        put32(k, 0xABCDEF01);
}

static inline void put_tcp(struct pkt *k, uint8_t doff, uint8_t flags)
{
        put16(k, 40000);
        put16(k, 443);
        put32(k, 0x11223344);
        put32(k, 0x55667788);
        put8(k, (uint8_t)(doff << 4));
        put8(k, flags);
        put16(k, 65535);
        put16(k, 0);
        put16(k, 0);
        if (doff > 5)
                put_fill(k, 1, (doff - 5u) * 4u);
}

static inline void put_udp(struct pkt *k, uint16_t len)
{
        put16(k, 5353);
        put16(k, 443);
        put16(k, len);
        put16(k, 0);
}

#endif
