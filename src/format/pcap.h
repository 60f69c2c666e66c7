/*
 * Classic PCAP (libpcap savefile) reader and writer.
 *
 * Format: 24-byte global header (magic, version 2.4, thiszone, sigfigs,
 * snaplen, link type) then records of a 16-byte header (ts_sec, ts_frac,
 * caplen, origlen) and caplen bytes, all in the byte order the magic shows
 * (a1b2c3d4 = microseconds, a1b23c4d = nanoseconds).  Behaviour and messages
 * follow SPEC 2.3.
 */
#ifndef CST_FORMAT_PCAP_H
#define CST_FORMAT_PCAP_H

#include <stdbool.h>
#include <stdint.h>
#include "format/format.h"

#define PCAP_GLOBAL_HEADER_LEN 24
#define PCAP_RECORD_HEADER_LEN 16
#define PCAP_BATCH             256 /* records per next_batch() the pipeline asks for */
/*
 * Largest record any libpcap-based writer produces (its MAXIMUM_SNAPLEN).
 * A record bigger than this and than the file's snaplen is damage, not a
 * packet: the input ends there, as at an incomplete tail (libpcap refuses
 * it too), and no buffer is grown for it.
 */
#define PCAP_MAX_SNAPLEN 262144u

struct input;
struct output;

/*
 * Open a classic PCAP reader on `path` ("-" = stdin) and validate the global
 * header.  Fills src (ops, format, nsec, big_endian, linktype, snaplen,
 * pcap_header).  Errors (exact): "failed to open input file",
 * "file offset 0: unexpected EOF while reading PCAP global header",
 * "file offset 0: unsupported classic PCAP magic number",
 * "file offset 4: unsupported classic PCAP version <maj>.<min>",
 * "file offset 16: invalid PCAP snaplen 0".
 */
int pcap_source_open(struct cst_source *src, const char *path, char *err);

/* The same over an input already opened (ownership moves to the source, also on error). */
int pcap_source_open_input(struct cst_source *src, struct input *in, char *err);

/*
 * Open a classic PCAP writer on `path` ("-" = stdout) and write `header`
 * (24 bytes, as stored) unchanged.  Records follow the header's byte order;
 * timestamps are written raw (ts_hi, ts_lo), caplen = keep_len.
 * Errors: "failed to open output file", "failed to write PCAP global header".
 * Later: "failed to write packet header", "failed to write packet data",
 * "failed to close output file".
 */
int pcap_sink_open(struct cst_sink *sink, const char *path, const uint8_t header[24], char *err);

/* The same with output flags (util/output.h: OUTPUT_ATOMIC, OUTPUT_NOFOLLOW). */
int pcap_sink_open_flags(struct cst_sink *sink, const char *path, const uint8_t header[24],
                         unsigned flags, char *err);

/*
 * The buffer of a PCAP sink whose records are little-endian, for a writer
 * that appends records itself with pcap_append_le() (the live dumper's
 * common case); NULL for any other sink.
 */
struct output *pcap_sink_le_output(const struct cst_sink *sink);

/* A little-endian global header for a new capture (version 2.4, thiszone 0, sigfigs 0). */
void pcap_make_header(uint8_t header[24], bool nsec, uint32_t snaplen, uint32_t linktype);

/* Parse the magic of a stored header: 0 if valid, -1 otherwise. */
int pcap_parse_magic(const uint8_t magic[4], bool *big_endian, bool *nsec);

#endif
