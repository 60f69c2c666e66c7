/*
 * engine_peek — what code beside an engine (pipeline/kernel_hint.c) may
 * read of its flow state, without changing it (no LRU move, no age).
 * Private to the library: not part of include/constrictor.
 */
#ifndef CST_POLICY_ENGINE_PEEK_H
#define CST_POLICY_ENGINE_PEEK_H

#include <stdbool.h>
#include <stdint.h>

#include <constrictor/engine.h>
#include <constrictor/packet.h>

/*
 * The DCID length the engine expects now on QUIC short headers sent in the
 * direction of pkt (a whole UDP packet), when its flow is a proven QUIC
 * flow of the learning analyser (`track`) whose short headers it cuts;
 * false otherwise.  *any: it does not compare the DCID bytes.
 */
bool engine_quic_dcid(const cst_engine *e, const struct cst_packet *pkt, uint8_t *dlen, bool *any);

/*
 * Where the `track` TLS walk of pkt's direction (a TCP packet) expects the
 * next record header now: its sequence number, and how many of its first
 * bytes (0-4) came already (a split header) with those bytes; false when
 * the direction is not synchronised (or not `track`).
 */
bool engine_tls_boundary(const cst_engine *e, const struct cst_packet *pkt, uint32_t *next,
                         uint8_t *have, uint8_t hdr[4]);

#endif
