/*
 * PCAPNG reader and writer (draft-ietf-opsawg-pcapng: SHB 0x0A0D0D0A,
 * IDB 1, EPB 6, SPB 3, obsolete PB 2, NRB 4, ISB 5, DSB 0x0A, custom...).
 *
 * Reader: blocks in file order, each delivered as one record: EPBs as
 * packets (kind CST_REC_PACKET, link type from the section's IDB, raw EPB
 * options in pkt->opts), every other block raw (kind CST_REC_BLOCK, flags
 * CST_PKT_SHB / CST_PKT_IDB).  Sections of either byte order; the interface
 * table restarts at each SHB.  Messages follow SPEC 2.4 (prefix
 * "file offset <block offset>: ").
 *
 * Writer: raw blocks verbatim; packets re-encoded as EPBs (SPEC 2.4: total =
 * 32 + pad4(caplen) + options, zero padding, options raw) in the byte order
 * of the last SHB written through it (little-endian before any).
 */
#ifndef CST_FORMAT_PCAPNG_H
#define CST_FORMAT_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "format/format.h"

#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 1u
#define PCAPNG_BT_PB  2u
#define PCAPNG_BT_SPB 3u
#define PCAPNG_BT_NRB 4u
#define PCAPNG_BT_ISB 5u
#define PCAPNG_BT_EPB 6u
#define PCAPNG_BT_DSB 0x0Au

#define PCAPNG_BATCH 256
/* Largest block read (64 MiB): a longer one is damage; the input ends there. */
#define PCAPNG_MAX_BLOCK (64u << 20)

struct input;
struct output;

/*
 * Open a PCAPNG reader on `path` ("-" = stdin).  Only the open can fail here
 * ("failed to open input file"); block errors come from next_batch().
 */
int pcapng_source_open(struct cst_source *src, const char *path, char *err);
/* The same over an input already opened (ownership moves to the source). */
int pcapng_source_open_input(struct cst_source *src, struct input *in, char *err);

/*
 * Open a PCAPNG writer on `path` ("-" = stdout); nothing is written yet.
 * Errors: "failed to open output file"; later "failed to write PCAPNG block",
 * "failed to write packet header", "failed to write packet data",
 * "failed to close output file".
 */
int pcapng_sink_open(struct cst_sink *sink, const char *path, char *err);

/* The same with output flags (util/output.h: OUTPUT_ATOMIC, OUTPUT_NOFOLLOW). */
int pcapng_sink_open_flags(struct cst_sink *sink, const char *path, unsigned flags, char *err);

/*
 * The buffer of a PCAPNG sink whose current section is little-endian, for a
 * writer that appends EPBs itself with pcapng_append_epb_le() (the live
 * dumper's common case); NULL for any other sink.
 */
struct output *pcapng_sink_le_output(const struct cst_sink *sink);

/* Builders for a new little-endian capture; return the block length (0 if cap is too small). */
size_t pcapng_make_shb(uint8_t *buf, size_t cap);
/* IDB with if_tsresol = tsresol (6 = µs, 9 = ns) and optionally if_name. */
size_t pcapng_make_idb(uint8_t *buf, size_t cap, uint16_t linktype, uint32_t snaplen,
                       uint8_t tsresol, const char *if_name);

/* Nanoseconds from a raw 64-bit timestamp in units given by an if_tsresol byte. */
uint64_t pcapng_ts_to_ns(uint64_t ts, uint8_t tsresol);

#endif
