/* Internal helpers shared by the offline pipeline files. */
#ifndef CST_OFFLINE_INT_H
#define CST_OFFLINE_INT_H

#include <stdint.h>
#include <constrictor/offline.h>

/* Capture format from the first four bytes of a file; CST_EFATAL if unknown. */
int offline_format_from_magic(const uint8_t m[4], enum cst_file_format *fmt);

#endif
