/*
 * fuzz_pcap — libFuzzer target for the classic PCAP reader and writer
 * (SPEC 2.3): the input is a whole .pcap file run through constrict (every
 * policy), re-read, and reinflate; see fuzz_file.h for the invariants.
 * Inputs that are not classic PCAP (by magic) are left to fuzz_pcapng.
 */
#include "fuzz_file.h"
#include "format/pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_pcap_magic(const uint8_t *m)
{
        bool be, nsec;
        return pcap_parse_magic(m, &be, &nsec) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > FUZZ_MAX_INPUT || (size >= 4 && !is_pcap_magic(data)))
                return 0;
        fuzz_capture_file(data, size);
        return 0;
}
