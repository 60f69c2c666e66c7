/* source — a cst_capture as a pipeline source (see source.c). */
#ifndef CST_CAPTURE_SOURCE_H
#define CST_CAPTURE_SOURCE_H

#include <stdbool.h>
#include <string.h>
#include <constrictor/capture.h>
#include "format/format.h"

/* src takes c over: src->ops->close closes the capture. */
void capture_source_init(struct cst_source *src, cst_capture *c);
/* True for an AF_PACKET socket, false for a capture file read as a capture. */
bool capture_source_is_live(const cst_capture *c);

#endif
