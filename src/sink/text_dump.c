/*
 * text_dump — the kept bytes of a packet as tcpdump prints them with -A
 * (ASCII: printable characters, tab, space and newline as they are, a CR
 * before a newline dropped, anything else as '.') and -X (lines of 16 bytes:
 * "\t0xOFFS:  " then 8 groups of 4 hex digits, then the bytes as ASCII,
 * only graphic characters shown) -- the layouts of tcpdump's print-ascii.c,
 * so a reader's eyes and scripts carry over.
 */
#include "sink/text.h"

#include <stdio.h>

#include "util/output.h"

#define HEX_PER_LINE 16

static inline bool graphic(uint8_t c)
{
        return c > 0x20 && c <= 0x7e;
}

static int dump_ascii(struct output *out, const uint8_t *p, uint32_t len)
{
        for (uint32_t i = 0; i < len; i++) {
                uint8_t c = p[i], o = c;
                if (c == '\r') { /* end of line: dropped; inside a line: '.' */
                        if (!(len - i - 1 > 1 && p[i + 1] != '\n'))
                                continue;
                        o = '.';
                } else if (!graphic(c) && c != '\t' && c != ' ' && c != '\n') {
                        o = '.';
                }
                if (output_append(out, &o, 1) != 0)
                        return -1;
        }
        return 0;
}

/* One line of up to 16 bytes at offset off. */
static int hex_line(struct output *out, const uint8_t *p, uint32_t n, uint32_t off)
{
        char hex[8 * 5 + 4], asc[HEX_PER_LINE + 1], line[128];
        size_t h = 0;
        for (uint32_t i = 0; i < n; i += 2) {
                if (i + 1 < n)
                        h +=
                            (size_t)snprintf(hex + h, sizeof(hex) - h, " %02x%02x", p[i], p[i + 1]);
                else
                        h += (size_t)snprintf(hex + h, sizeof(hex) - h, " %02x", p[i]);
        }
        for (uint32_t i = 0; i < n; i++)
                asc[i] = graphic(p[i]) ? (char)p[i] : '.';
        asc[n] = '\0';
        int m = snprintf(line, sizeof(line), "\n\t0x%04x: %-40s  %s", off, hex, asc);
        return output_append(out, (const uint8_t *)line, (size_t)m);
}

int text_dump_payload(struct output *out, char mode, const uint8_t *p, uint32_t len)
{
        if (mode == 'A') {
                if (output_append(out, (const uint8_t *)"\n", 1) != 0 || dump_ascii(out, p, len))
                        return -1;
        } else {
                for (uint32_t off = 0; off < len; off += HEX_PER_LINE) {
                        uint32_t n = len - off < HEX_PER_LINE ? len - off : HEX_PER_LINE;
                        if (hex_line(out, p + off, n, off) != 0)
                                return -1;
                }
        }
        return output_append(out, (const uint8_t *)"\n", 1);
}
