/*
 * note — the words of an annotated packet (issue 20): the PCAPNG comment of
 * a cut packet and the TLS records a text line lists, from the verdict (its
 * reason's decision-log name, the verdict table's) and the record
 * boundaries the analyser saw (decode/seen.h).
 *
 *   cut 1514→79: tls_app_data_start; records: appdata@0(len 16384, kept 8)
 *   cut 1514→1040: tls_track; records: cont@0(left 1016, kept 1016) appdata@1016(len 4000, kept 19)
 *
 * Offsets are in the TCP payload; `len` is the record's length field (the
 * 5-byte header not counted), `kept` the bytes of its body that are in the
 * file, `hdr` a record of which only the header is kept.
 */
#ifndef CST_SINK_NOTE_H
#define CST_SINK_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "decode/seen.h"
#include "format/format.h"

#define NOTE_MAX 1024 /* longest comment or record list (longer ones end in "...") */

/* A bounded string builder: appends stop at the capacity, the text stays terminated. */
struct note_buf {
        char *b;
        size_t cap, len; /* cap >= 1 */
};

void note_printf(struct note_buf *nb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The reason's decision-log name without "keep." / "truncate.". */
const char *note_short_reason(const char *name);

/* The TLS content type as a word (RFC 8446 §5.1); unknown types as 0xNN in tmp. */
const char *note_tls_type(uint8_t type, char tmp[8]);

/* The record list of s for a packet kept to keep_len bytes (nothing when s has none). */
void note_records(struct note_buf *nb, const struct pkt_seen *s, uint32_t keep_len);

/* The opt_comment of a cut packet into buf (NOTE_MAX bytes); its length. */
uint16_t note_comment(char *buf, const struct cst_packet *pkt, const struct sink_note *n);

#endif
