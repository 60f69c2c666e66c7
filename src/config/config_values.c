/*
 * Value syntax of the configuration grammar, one for every command.
 *
 * Integers (SPEC 2.2): non-empty, no sign, hexadecimal only when longer than
 * two characters and prefixed 0x/0X, otherwise decimal ("010" is ten);
 * every character must be consumed ("+5", "1e3", "1 6" and "0x" are
 * invalid).  The live recorder's decimal integers (SPEC 3.1) are a subset.
 *
 * Booleans: true/false, yes/no, on/off, 1/0 in any case — the union of the
 * offline tool's lowercase true/false and the live recorder's
 * case-insensitive true/false/1/0 (docs/compatibility.md).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "config/config_int.h"

static int digit_value(char ch, unsigned base)
{
        if (ch >= '0' && ch <= '9')
                return ch - '0';
        if (base == 16 && ch >= 'a' && ch <= 'f')
                return ch - 'a' + 10;
        if (base == 16 && ch >= 'A' && ch <= 'F')
                return ch - 'A' + 10;
        return -1;
}

/* Every character a digit of `base`, value <= max. */
static int parse_digits(const char *s, unsigned base, uint64_t max, uint64_t *out)
{
        uint64_t v = 0;

        if (*s == '\0')
                return -1;
        for (; *s; s++) {
                int d = digit_value(*s, base);
                if (d < 0)
                        return -1;
                if (v > (max - (uint64_t)d) / base)
                        return -1;
                v = v * base + (uint64_t)d;
        }
        *out = v;
        return 0;
}

int cfg_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
        if (s[0] == '\0' || s[0] == '-')
                return -1;
        if (strlen(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                return parse_digits(s + 2, 16, max, out);
        return parse_digits(s, 10, max, out);
}

int cfg_parse_bool(const char *s, bool *out)
{
        static const char *const yes[] = {"true", "yes", "on", "1"};
        static const char *const no[] = {"false", "no", "off", "0"};

        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *out = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *out = false;
                        return 0;
                }
        }
        return -1;
}

/* Copy item [b, e) without surrounding whitespace into buf. */
static int trimmed_item(const char *b, const char *e, char *buf, size_t size)
{
        while (b < e && isspace((unsigned char)*b))
                b++;
        while (e > b && isspace((unsigned char)e[-1]))
                e--;
        if ((size_t)(e - b) >= size)
                return -1;
        memcpy(buf, b, (size_t)(e - b));
        buf[e - b] = '\0';
        return 0;
}

int cfg_parse_port_list(const char *s, struct cst_port_set *set)
{
        struct cst_port_set tmp;
        char item[32];

        memset(&tmp, 0, sizeof(tmp));
        if (strcasecmp(s, "any") == 0) {
                tmp.any = true;
                *set = tmp;
                return 0;
        }
        for (;;) {
                const char *comma = strchr(s, ',');
                const char *end = comma ? comma : s + strlen(s);
                uint64_t port;

                if (trimmed_item(s, end, item, sizeof(item)) != 0 || item[0] == '\0')
                        return -1;
                if (cfg_parse_uint(item, 65535, &port) != 0)
                        return -1;
                tmp.bits[port >> 3] |= (uint8_t)(1u << (port & 7));
                if (!comma)
                        break;
                s = comma + 1;
        }
        *set = tmp;
        return 0;
}
