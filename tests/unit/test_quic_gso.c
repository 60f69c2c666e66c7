/*
 * quic_gso_last (src/policy/quic.c): where a UDP GSO super-frame may be cut —
 * only inside its last datagram, and only when every datagram starts with a
 * short header for the same DCID.
 */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "policy/quic.h"

#define SEG 100

static void fill(uint8_t *pl, unsigned n, const uint8_t *dcid)
{
        for (unsigned k = 0; k < n; k++) {
                memset(pl + k * SEG, 0xEE, SEG);
                pl[k * SEG] = 0x41;
                memcpy(pl + k * SEG + 1, dcid, 8);
        }
}

/* quic_gso_last over the first len bytes of pl, read through struct rd. */
static uint32_t gso_last(const uint8_t *pl, uint32_t len, uint32_t pos, uint32_t dlen, uint32_t seg)
{
        struct rd r = rd_init(pl, len);
        return quic_gso_last(&r, pos, dlen, seg);
}

int main(void)
{
        const uint8_t dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        uint8_t pl[3 * SEG];
        fill(pl, 3, dcid);
        CHECK_EQ_U(gso_last(pl, 3 * SEG, 0, 8, SEG), 2 * SEG);
        CHECK_EQ_U(gso_last(pl, 2 * SEG + 30, 0, 8, SEG), 2 * SEG); /* short last datagram */
        CHECK_EQ_U(gso_last(pl, 3 * SEG, 0, 8, 0), 0);              /* not GSO */
        CHECK_EQ_U(gso_last(pl, SEG, 0, 8, SEG), 0);                /* one datagram */
        pl[2 * SEG] = 0xE1; /* trailing long header (Handshake) */
        CHECK_EQ_U(gso_last(pl, 3 * SEG, 0, 8, SEG), UINT32_MAX);
        fill(pl, 3, dcid);
        pl[SEG + 4] ^= 1; /* another connection's datagram in the middle */
        CHECK_EQ_U(gso_last(pl, 3 * SEG, 0, 8, SEG), UINT32_MAX);
        CHECK_EQ_U(gso_last(pl, 3 * SEG, 0, 0, SEG), 2 * SEG); /* no DCID: form only */
        fill(pl, 3, dcid);
        CHECK_EQ_U(gso_last(pl, 3 * SEG, SEG, 8, SEG), UINT32_MAX); /* header not in the first */
        CHECK_EQ_U(gso_last(pl, 2 * SEG + 5, 0, 8, SEG),
                   UINT32_MAX); /* last too short for the DCID */
        return check_summary("quic_gso");
}
