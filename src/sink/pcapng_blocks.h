/*
 * pcapng_blocks — builders of the PCAPNG blocks a live capture writes
 * (draft-ietf-opsawg-pcapng: SHB 4.1, IDB 4.2, EPB 4.3, ISB 4.6), in little
 * endian, into a caller buffer.  Each returns the block length in bytes
 * (a multiple of 4) or 0 when the buffer is too small.
 */
#ifndef CST_SINK_PCAPNG_BLOCKS_H
#define CST_SINK_PCAPNG_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPNG_EPB_HEAD_LEN       28u /* type, length, ifid, ts high/low, caplen, origlen */
#define PCAPNG_EPB_FLAGS_OPTS_LEN 12u /* epb_flags option + opt_endofopt */
#define PCAPNG_SHB_MAX_LEN        600u
#define PCAPNG_IDB_MAX_LEN        120u
#define PCAPNG_ISB_LEN            76u

/* epb_flags direction bits (4.3.1). */
#define PCAPNG_FLAG_INBOUND  1u
#define PCAPNG_FLAG_OUTBOUND 2u

size_t pcapng_shb(uint8_t *b, size_t cap, const char *os, const char *userappl);
size_t pcapng_idb(uint8_t *b, size_t cap, uint16_t linktype, uint32_t snaplen, const char *ifname,
                  uint8_t tsresol);
/* Length of an EPB of caplen bytes carrying the epb_flags options below. */
uint32_t pcapng_epb_len(uint32_t caplen);
/* The raw EPB options of a live packet: epb_flags (4.3.1) then opt_endofopt. */
void pcapng_epb_flags_opts(uint8_t out[PCAPNG_EPB_FLAGS_OPTS_LEN], uint32_t flags);
size_t pcapng_isb(uint8_t *b, size_t cap, uint32_t ifid, uint64_t ts, uint64_t start_ts,
                  uint64_t ifrecv, uint64_t ifdrop);

/*
 * Decryption Secrets Block (4.7), written around secrets already in place:
 * b[0..PCAPNG_DSB_HEAD_LEN) gets type, length, secrets type and length;
 * the secrets are b[PCAPNG_DSB_HEAD_LEN..+secrets_len); padding and the
 * trailing length (at most PCAPNG_DSB_TAIL_MAX bytes) follow them.  In the
 * section's byte order; no options.  Returns the block length.
 */
#define PCAPNG_DSB_HEAD_LEN 16u
#define PCAPNG_DSB_TAIL_MAX 8u
size_t pcapng_dsb_wrap(uint8_t *b, uint32_t secrets_type, uint32_t secrets_len, bool big_endian);

#endif
