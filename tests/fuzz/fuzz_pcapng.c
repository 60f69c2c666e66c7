/*
 * fuzz_pcapng — libFuzzer target for the PCAPNG reader and writer
 * (SPEC 2.4, both byte orders): the input is a whole .pcapng file run
 * through constrict (every policy), re-read, and reinflate; see fuzz_file.h
 * for the invariants.  Inputs without the SHB magic are left to fuzz_pcap.
 */
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > FUZZ_MAX_INPUT || (size >= 4 && memcmp(data, "\x0A\x0D\x0D\x0A", 4) != 0))
                return 0;
        fuzz_capture_file(data, size);
        return 0;
}
