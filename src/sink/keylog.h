/*
 * keylog — a TLS key log (the NSS SSLKEYLOGFILE format that browsers, curl
 * and `openssl s_client -keylogfile` write) read for the PCAPNG Decryption
 * Secrets Block (draft-ietf-opsawg-pcapng §4.7, secrets type 0x544c534b
 * "TLSK": the key log lines, each ending in LF).
 *
 * Only well-formed lines are kept: LABEL <64 hex digits of the client
 * random> <hex secret>, LABEL one of CLIENT_RANDOM (48-byte TLS 1.2 master
 * secret), CLIENT_EARLY_TRAFFIC_SECRET, CLIENT_HANDSHAKE_TRAFFIC_SECRET,
 * SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
 * SERVER_TRAFFIC_SECRET_0, EARLY_EXPORTER_SECRET, EXPORTER_SECRET (TLS 1.3:
 * 32, 48 or 64 bytes, the hash length).  Comments (#) and empty lines are
 * skipped; anything else is counted as malformed and named (FILE:LINE) to
 * the warning callback.
 *
 * Following a file that grows (a live capture): keylog_poll() reads what
 * was appended since the last call -- a line without its LF yet waits for
 * it -- and starts over from the beginning when the file was truncated or
 * the name now leads to another file (a new key log, rotation).  Memory:
 * the secrets not yet taken; nothing is read per packet.
 */
#ifndef CST_SINK_KEYLOG_H
#define CST_SINK_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYLOG_SECRETS_TYPE 0x544c534bu /* "TLSK" */

struct keylog;

typedef void (*keylog_warn_fn)(void *ctx, const char *msg);

/*
 * follow: the file may not exist yet and is read again by every poll.
 * Otherwise it must exist.  Nothing is read yet.  Error: "cannot open TLS
 * key log PATH: <strerror>".
 */
int keylog_open(struct keylog **out, const char *path, bool follow, keylog_warn_fn warn, void *ctx,
                char *err);
/* Read what is new; CST_OK or CST_EFATAL ("cannot read TLS key log PATH: ..."). */
int keylog_poll(struct keylog *k, char *err);
/* True when secrets wait to be written. */
bool keylog_pending(const struct keylog *k);
/*
 * The waiting secrets as one DSB in the given byte order (valid until the
 * next poll or clear); then keylog_clear().
 */
const uint8_t *keylog_block(struct keylog *k, bool big_endian, size_t *len);
void keylog_clear(struct keylog *k);
/* Lines kept / malformed lines so far. */
uint64_t keylog_secrets(const struct keylog *k);
uint64_t keylog_malformed(const struct keylog *k);
void keylog_close(struct keylog *k);

#endif
