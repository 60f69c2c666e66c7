/*
 * note — the text of annotations (see note.h): what a cut packet kept and
 * why, and the TLS record boundaries (RFC 8446 §5.1 record layer) the
 * analyser found in it, which Wireshark cannot show once a segment of the
 * stream was cut.  Called only for annotated output, never per packet on
 * the default path.
 */
#include "sink/note.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void note_printf(struct note_buf *nb, const char *fmt, ...)
{
        if (nb->len + 1 >= nb->cap)
                return;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(nb->b + nb->len, nb->cap - nb->len, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        nb->len += (size_t)n < nb->cap - nb->len ? (size_t)n : nb->cap - nb->len - 1;
}

const char *note_short_reason(const char *name)
{
        static const char *const prefix[] = {"truncate.", "keep."};
        for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
                size_t n = strlen(prefix[i]);
                if (strncmp(name, prefix[i], n) == 0)
                        return name + n;
        }
        return name;
}

const char *note_tls_type(uint8_t type, char tmp[8])
{
        switch (type) {
        case 20:
                return "ccs";
        case 21:
                return "alert";
        case 22:
                return "handshake";
        case 23:
                return "appdata";
        case 24:
                return "heartbeat";
        default:
                snprintf(tmp, 8, "0x%02x", type);
                return tmp;
        }
}

static uint32_t clamp(uint64_t v, uint32_t lo, uint32_t hi)
{
        return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

/* One record: kp = payload bytes kept. */
static void note_record(struct note_buf *nb, const struct seen_rec *r, uint32_t kp)
{
        char tmp[8];
        if (r->kind == SEEN_CONT) {
                uint32_t kept = clamp(kp, 0, r->len);
                if (r->type)
                        note_printf(nb, "cont:%s", note_tls_type(r->type, tmp));
                else
                        note_printf(nb, "cont");
                note_printf(nb, "@0(left %u, kept %u)", r->len, kept);
                return;
        }
        note_printf(nb, "%s@%u(len %u", note_tls_type(r->type, tmp), r->off, r->len);
        uint64_t body = (uint64_t)r->off + 5u;
        if (kp <= r->off)
                note_printf(nb, ", cut)");
        else if (kp < body)
                note_printf(nb, ", hdr %u of 5)", kp - r->off);
        else if (kp == body)
                note_printf(nb, ", hdr)");
        else if (kp - body >= r->len)
                note_printf(nb, ")");
        else
                note_printf(nb, ", kept %u)", (uint32_t)(kp - body));
}

void note_records(struct note_buf *nb, const struct pkt_seen *s, uint32_t keep_len)
{
        uint32_t kp = keep_len > s->payload_off ? keep_len - s->payload_off : 0;
        for (unsigned i = 0; i < s->n; i++) {
                if (i)
                        note_printf(nb, " ");
                note_record(nb, &s->r[i], kp);
        }
        if (s->more)
                note_printf(nb, " +%u more", s->more);
}

uint16_t note_comment(char *buf, const struct cst_packet *pkt, const struct sink_note *n)
{
        struct note_buf nb = {buf, NOTE_MAX, 0};
        buf[0] = '\0';
        note_printf(&nb, "cut %u\xe2\x86\x92%u: %s", pkt->caplen, n->keep_len,
                    note_short_reason(n->reason_name));
        if (n->seen && n->seen->n) {
                note_printf(&nb, "; records: ");
                note_records(&nb, n->seen, n->keep_len);
        }
        if (nb.len + 1 >= nb.cap) /* cut short: say so */
                memcpy(buf + nb.cap - 4, "...", 4);
        return (uint16_t)strlen(buf);
}
