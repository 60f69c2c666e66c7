/*
 * Opening a capture file reader whatever its format (SPEC 2.1 step 4): the
 * first four bytes read decide between classic PCAP (one of its four
 * magics) and PCAPNG (an SHB, 0A 0D 0D 0A).  The bytes are peeked through the
 * reader's own input, so standard input, a FIFO or `<(zcat x.pcap.gz)` work
 * as well as a regular file: nothing is read twice and nothing is pread.
 */
#include "format/format.h"

#include <stdio.h>
#include <string.h>

#include "format/pcap.h"
#include "format/pcapng.h"
#include "util/input.h"

int format_from_magic(const uint8_t m[4], enum cst_file_format *fmt)
{
        bool be, nsec;
        if (memcmp(m, "\x0A\x0D\x0D\x0A", 4) == 0) {
                *fmt = CST_FORMAT_PCAPNG;
                return CST_OK;
        }
        if (pcap_parse_magic(m, &be, &nsec) == 0) {
                *fmt = CST_FORMAT_PCAP;
                return CST_OK;
        }
        return CST_EFATAL;
}

/*
 * Decompressed bytes that are no capture: say which file and method, and
 * the decoder's complaint when the data goes bad soon after (garbage that
 * happened to start with a compression magic).
 */
static void compressed_detail(struct input *in, char *err)
{
        const char *name = input_compressed_name(in);
        uint64_t avail = 0;
        if (!name)
                return;
        input_peek(in, 0, 1u << 16, true, &avail);
        size_t n = strlen(err);
        if (input_failure(in))
                snprintf(err + n, CST_ERRBUF - n, ": %.400s", input_failure(in));
        else
                snprintf(err + n, CST_ERRBUF - n, ": %.400s, decompressed", name);
}

int format_source_open_input(struct cst_source *src, struct input *in, char *err)
{
        uint64_t avail = 0;
        enum cst_file_format fmt;
        memset(src, 0, sizeof(*src));
        const uint8_t *m = input_peek(in, 0, 4, true, &avail);
        if (!m) {
                snprintf(err, CST_ERRBUF, "input file is too small to detect capture format");
                input_failure_suffix(in, err);
                input_close(in);
                return CST_EFATAL;
        }
        if (format_from_magic(m, &fmt) != CST_OK) {
                snprintf(err, CST_ERRBUF, "unsupported input capture format");
                compressed_detail(in, err);
                input_close(in);
                return CST_EFATAL;
        }
        if (fmt == CST_FORMAT_PCAP)
                return pcap_source_open_input(src, in, err);
        return pcapng_source_open_input(src, in, err);
}

int format_source_open(struct cst_source *src, const char *path, char *err)
{
        struct input in;
        memset(src, 0, sizeof(*src));
        int rc = input_open(&in, path, err);
        if (rc != CST_OK)
                return rc;
        return format_source_open_input(src, &in, err);
}
