/*
 * plain_load — loads for tests that check bytes they wrote themselves
 * (file headers, frames).  The library reads through struct rd only
 * (src/util/rd.h); these are not available to it.
 */
#ifndef CST_TEST_PLAIN_LOAD_H
#define CST_TEST_PLAIN_LOAD_H

#include <stdint.h>

static inline uint16_t ld_be16(const uint8_t *b)
{
        return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t ld_be32(const uint8_t *b)
{
        return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint32_t ld_le32(const uint8_t *b)
{
        return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

#endif
