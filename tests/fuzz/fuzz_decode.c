/*
 * fuzz_decode — libFuzzer target for the packet decoder (SPEC 2.6).
 *
 * Input: byte 0 chooses the link type (low 3 bits index the supported
 * ones, 7 = an unsupported one) and the mode (bit 7 = DECODE_COMPAT); the
 * rest is the packet.  Besides "no crash, no read past the end" (ASan) the
 * target checks the invariants every caller relies on and traps when one
 * breaks, so the fuzzer reports it.
 */
#include "decode/decode.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t fuzz_linktypes[8] = {1, 113, 276, 101, 228, 229, 0, 105};

static void require(int cond)
{
        if (!cond)
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1 || size > 262145)
                return 0;
        uint32_t linktype = fuzz_linktypes[data[0] & 7];
        unsigned mode = data[0] & 0x80 ? DECODE_COMPAT : 0;
        uint32_t caplen = (uint32_t)(size - 1);
        struct decoded d;
        decode_packet(linktype, data + 1, caplen, mode, &d);

        require(d.status <= DEC_UNSUPPORTED_LINK);
        require(d.ip_end <= caplen);
        if (d.status == DEC_OK) {
                require(d.transport == 6 || d.transport == 17);
                require(d.l3_off < d.l4_off && d.l4_off < d.payload_off);
                require(d.payload_off + d.payload_len <= d.ip_end);
        } else {
                require(d.transport == 0 && d.sport == 0 && d.dport == 0);
        }
        if (mode & DECODE_COMPAT)
                require(!(d.flags & (DEC_F_TSO | DEC_F_IPV6_JUMBO)));
        const char *note = decode_note(&d, caplen);
        require(note != NULL);
        return 0;
}
