/*
 * pcapng_blocks — PCAPNG block builders for live output
 * (draft-ietf-opsawg-pcapng sections 3.5 options, 4.1 SHB, 4.2 IDB,
 * 4.3 EPB, 4.6 ISB).  Everything little endian; timestamps are in units of
 * the interface's if_tsresol, split into high and low 32-bit words.
 */
#include <string.h>
#include "sink/pcapng_blocks.h"
#include "util/rd.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_ISB 0x00000005u
#define BT_EPB 0x00000006u
#define BT_DSB 0x0000000Au

#define OPT_ENDOFOPT  0
#define SHB_OS        3
#define SHB_USERAPPL  4
#define IF_NAME       2
#define IF_TSRESOL    9
#define EPB_FLAGS     2
#define ISB_STARTTIME 2
#define ISB_ENDTIME   3
#define ISB_IFRECV    4
#define ISB_IFDROP    5

static void le16(uint8_t *b, uint16_t v)
{
        b[0] = (uint8_t)v;
        b[1] = (uint8_t)(v >> 8);
}

static uint32_t pad4(uint32_t n)
{
        return (n + 3u) & ~3u;
}

/* Append option code/len/value (padded); returns the new offset or 0 if it does not fit. */
static size_t put_opt(uint8_t *b, size_t cap, size_t off, uint16_t code, const void *v,
                      uint16_t len)
{
        if (off == 0 || off + 4 + pad4(len) > cap)
                return 0;
        le16(b + off, code);
        le16(b + off + 2, len);
        memset(b + off + 4, 0, pad4(len));
        if (len)
                memcpy(b + off + 4, v, len);
        return off + 4 + pad4(len);
}

static size_t put_str_opt(uint8_t *b, size_t cap, size_t off, uint16_t code, const char *s)
{
        if (!s || !*s)
                return off;
        size_t n = strlen(s);
        return put_opt(b, cap, off, code, s, (uint16_t)(n > 255 ? 255 : n));
}

static void put_ts(uint8_t *b, uint64_t ts)
{
        st_le32(b, (uint32_t)(ts >> 32));
        st_le32(b + 4, (uint32_t)ts);
}

/* Close a block: end-of-options, trailing length, leading length. */
static size_t finish_block(uint8_t *b, size_t cap, size_t off)
{
        off = put_opt(b, cap, off, OPT_ENDOFOPT, NULL, 0);
        if (off == 0 || off + 4 > cap)
                return 0;
        st_le32(b + off, (uint32_t)(off + 4));
        st_le32(b + 4, (uint32_t)(off + 4));
        return off + 4;
}

size_t pcapng_shb(uint8_t *b, size_t cap, const char *os, const char *userappl)
{
        if (cap < 24)
                return 0;
        st_le32(b, BT_SHB);
        st_le32(b + 8, 0x1A2B3C4Du); /* byte-order magic */
        le16(b + 12, 1);             /* major */
        le16(b + 14, 0);             /* minor */
        memset(b + 16, 0xFF, 8);     /* section length: not specified */
        size_t off = put_str_opt(b, cap, 24, SHB_OS, os);
        off = put_str_opt(b, cap, off, SHB_USERAPPL, userappl);
        return finish_block(b, cap, off);
}

size_t pcapng_idb(uint8_t *b, size_t cap, uint16_t linktype, uint32_t snaplen, const char *ifname,
                  uint8_t tsresol)
{
        if (cap < 16)
                return 0;
        st_le32(b, BT_IDB);
        le16(b + 8, linktype);
        le16(b + 10, 0);
        st_le32(b + 12, snaplen);
        size_t off = put_str_opt(b, cap, 16, IF_NAME, ifname);
        off = put_opt(b, cap, off, IF_TSRESOL, &tsresol, 1);
        return finish_block(b, cap, off);
}

uint32_t pcapng_epb_len(uint32_t caplen)
{
        return PCAPNG_EPB_HEAD_LEN + pad4(caplen) + PCAPNG_EPB_FLAGS_OPTS_LEN + 4;
}

void pcapng_epb_flags_opts(uint8_t out[PCAPNG_EPB_FLAGS_OPTS_LEN], uint32_t flags)
{
        le16(out, EPB_FLAGS);
        le16(out + 2, 4);
        st_le32(out + 4, flags);
        st_le32(out + 8, 0); /* opt_endofopt */
}

size_t pcapng_isb(uint8_t *b, size_t cap, uint32_t ifid, uint64_t ts, uint64_t start_ts,
                  uint64_t ifrecv, uint64_t ifdrop)
{
        uint8_t v[8];
        if (cap < PCAPNG_ISB_LEN)
                return 0;
        st_le32(b, BT_ISB);
        st_le32(b + 8, ifid);
        put_ts(b + 12, ts);
        size_t off = 20;
        put_ts(v, start_ts);
        off = put_opt(b, cap, off, ISB_STARTTIME, v, 8);
        put_ts(v, ts);
        off = put_opt(b, cap, off, ISB_ENDTIME, v, 8);
        st_le32(v, (uint32_t)ifrecv);
        st_le32(v + 4, (uint32_t)(ifrecv >> 32));
        off = put_opt(b, cap, off, ISB_IFRECV, v, 8);
        st_le32(v, (uint32_t)ifdrop);
        st_le32(v + 4, (uint32_t)(ifdrop >> 32));
        off = put_opt(b, cap, off, ISB_IFDROP, v, 8);
        return finish_block(b, cap, off);
}

static void put32_order(uint8_t *b, uint32_t v, bool big_endian)
{
        if (big_endian)
                st_be32(b, v);
        else
                st_le32(b, v);
}

size_t pcapng_dsb_wrap(uint8_t *b, uint32_t secrets_type, uint32_t secrets_len, bool big_endian)
{
        uint32_t padded = pad4(secrets_len);
        uint32_t total = PCAPNG_DSB_HEAD_LEN + padded + 4;
        put32_order(b, BT_DSB, big_endian);
        put32_order(b + 4, total, big_endian);
        put32_order(b + 8, secrets_type, big_endian);
        put32_order(b + 12, secrets_len, big_endian);
        memset(b + PCAPNG_DSB_HEAD_LEN + secrets_len, 0, padded - secrets_len);
        put32_order(b + PCAPNG_DSB_HEAD_LEN + padded, total, big_endian);
        return total;
}
