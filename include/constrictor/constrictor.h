/*
 * constrictor — public API umbrella header.
 *
 * libconstrictor records and rewrites packet captures, keeping every header,
 * timestamp, original length and TLS/QUIC handshake while cutting encrypted
 * bulk.  The library never prints on its own and never exits: functions return
 * 0 or a negative CST_E* code and write a one-line message into a
 * caller-supplied buffer of CST_ERRBUF bytes.
 */
#ifndef CONSTRICTOR_CONSTRICTOR_H
#define CONSTRICTOR_CONSTRICTOR_H

#define CST_VERSION_STRING "0.1.0"
#define CST_PROGRAM_NAME   "constrictor"
#define CST_ERRBUF         512

/* Return codes.  CST_ETAIL is not fatal: output and stats were produced. */
enum cst_status {
        CST_OK = 0,
        CST_EFATAL = -1, /* error message in errbuf, stop */
        CST_ETAIL = -2,  /* input ended with an incomplete record (SPEC 2.3) */
        CST_ENOMEM = -3,
        CST_CAPTURE_EOF = -4,    /* a feed or capture file ended (cst_capture_next_batch) */
        CST_DUMP_FILE_LIMIT = 1, /* cst_dump_packet: -G with -W wrote its last file */
};

#include <constrictor/packet.h>
#include <constrictor/config.h>
#include <constrictor/stats.h>
#include <constrictor/engine.h>
#include <constrictor/offline.h>
#include <constrictor/capture.h>
#include <constrictor/pipeline.h>
#include <constrictor/audit.h>

const char *cst_version(void);

#endif
