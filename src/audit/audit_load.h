/*
 * audit_load — packet inputs of the audit (see audit_load.c).
 */
#ifndef CST_AUDIT_LOAD_H
#define CST_AUDIT_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <constrictor/constrictor.h>

#include "format/format.h"

#define AUD_INPUT_BATCH 64

struct aud_input {
        const char *path; /* NULL: packets in memory */
        /* in memory */
        const struct cst_packet *arr;
        size_t n, pos;
        uint32_t linktype;
        struct cst_packet cur;
        /* a file */
        struct cst_source src;
        bool open, done;
        struct cst_packet batch[AUD_INPUT_BATCH];
        unsigned bn, bpos;
        uint64_t count;        /* packets handed out */
        char tail[CST_ERRBUF]; /* what ended the file early, if it did */
};

/* Open a capture file (PCAP or PCAPNG); a one-line "PATH: cause" on error. */
int aud_input_open_file(struct aud_input *in, const char *path, char *err);
void aud_input_open_mem(struct aud_input *in, uint32_t linktype, const struct cst_packet *p,
                        size_t n);
/* 1 with *p set, 0 at the end (in->tail says if the file ended early), or
 * CST_EFATAL / CST_ENOMEM with a message. */
int aud_input_next(struct aud_input *in, const struct cst_packet **p, char *err);
/* Back to the first packet (a file is opened again). */
int aud_input_rewind(struct aud_input *in, char *err);
void aud_input_close(struct aud_input *in);

#endif
