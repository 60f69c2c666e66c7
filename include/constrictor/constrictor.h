/*
 * constrictor — public API umbrella header.
 *
 * libconstrictor records and rewrites packet captures, keeping every header,
 * timestamp, original length and TLS/QUIC handshake while cutting encrypted
 * bulk.  The library never prints on its own and never exits: functions return
 * 0 or a negative CST_E* code and write a one-line message into a
 * caller-supplied buffer of CST_ERRBUF bytes.
 *
 * Build against the installed library with
 *     cc prog.c $(pkg-config --cflags --libs constrictor)
 * or, in CMake, find_package(constrictor) and link constrictor::constrictor.
 */
#ifndef CONSTRICTOR_CONSTRICTOR_H
#define CONSTRICTOR_CONSTRICTOR_H

#include <constrictor/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CST_PROGRAM_NAME "constrictor"
#define CST_ERRBUF       512

/*
 * Return codes.  CST_ETAIL is not fatal: output and stats were produced.
 * Values never change meaning; new codes get new values.
 */
enum cst_status {
        CST_OK = 0,
        CST_EFATAL = -1, /* error message in errbuf, stop */
        CST_ETAIL = -2,  /* input ended with an incomplete record (SPEC 2.3) */
        CST_ENOMEM = -3,
        CST_CAPTURE_EOF = -4,    /* a feed or capture file ended (cst_capture_next_batch) */
        CST_EKEY = -5,           /* unknown configuration key or counter name */
        CST_EVALUE = -6,         /* invalid value for a configuration key */
        CST_ETYPE = -7,          /* the key holds another type than the call reads */
        CST_DUMP_FILE_LIMIT = 1, /* cst_dump_packet: -G with -W wrote its last file */
};

/* A short description of a status code ("unknown configuration key"); never NULL. */
const char *cst_strerror(int status);

/* The library's version, CST_VERSION_STRING of the build ("0.1.0"). */
const char *cst_version(void);
/* CST_VERSION_NUMBER of the build: compare with the header's to detect a mismatch. */
unsigned long cst_version_number(void);

#ifdef __cplusplus
}
#endif

#include <constrictor/packet.h>
#include <constrictor/config.h>
#include <constrictor/stats.h>
#include <constrictor/engine.h>
#include <constrictor/offline.h>
#include <constrictor/capture.h>
#include <constrictor/pipeline.h>
#include <constrictor/workers.h>
#include <constrictor/audit.h>
#include <constrictor/metrics.h>

#endif
