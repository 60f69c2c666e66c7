/*
 * workers_keylog — a followed TLS key log (issue 20: --tls-keylog, the
 * NSS SSLKEYLOGFILE format, sink/keylog.h) with capture workers.  The
 * secrets go into PCAPNG Decryption Secrets Blocks
 * (draft-ietf-opsawg-pcapng §4.7) as with one pipeline:
 *
 *   - one merged file: the writer thread follows the key log (at most
 *     every 100 ms, and before every flush) and writes each DSB ahead of
 *     the packets still buffered; the writer runs behind the workers by at
 *     most a few block timeouts, so secrets learnt before a handshake's
 *     packets reach the file come before them;
 *   - "%w": every worker's pipeline follows the key log into its own file,
 *     as one pipeline does: each file gets every secret, so each decrypts
 *     on its own.
 */
#include <stdio.h>
#include <string.h>

#include "pipeline/pipeline_int.h"
#include "pipeline/workers_int.h"
#include "sink/keylog.h"

#define KEYLOG_POLL_NS 100000000ull

int cst_workers_set_tls_keylog(cst_workers *g, const char *path, cst_message_cb warn, void *ctx,
                               char *err)
{
        if (g->per_worker) {
                for (unsigned i = 0; i < g->n; i++)
                        if (cst_pipeline_set_tls_keylog(g->w[i].pipe, path, warn, ctx, err) !=
                            CST_OK)
                                return CST_EFATAL;
                return CST_OK;
        }
        if (!g->have_out || !g->out_pcapng || !g->out.ops->write_ahead) {
                snprintf(err, CST_ERRBUF, "a TLS key log (%.300s) needs a PCAPNG output", path);
                return CST_EFATAL;
        }
        struct keylog *k;
        int rc = keylog_open(&k, path, true, warn, ctx, err);
        if (rc == CST_OK)
                rc = keylog_poll(k, err);
        if (rc != CST_OK) {
                keylog_close(k);
                return rc;
        }
        keylog_close(g->keylog);
        g->keylog = k;
        return CST_OK;
}

int wk_keylog_follow(struct cst_workers *g, uint64_t now, bool due)
{
        struct keylog *k = g->keylog;
        if (!k || (!due && now - g->keylog_polled < KEYLOG_POLL_NS))
                return CST_OK;
        g->keylog_polled = now;
        int rc = keylog_poll(k, g->wr_err);
        if (rc == CST_OK && keylog_pending(k)) {
                size_t len;
                /* as one pipeline's live dump (run.c keylog_emit: out_big_endian unset) */
                const uint8_t *b = keylog_block(k, false, &len);
                rc = g->out.ops->write_ahead(g->out.priv, b, len, g->wr_err);
                keylog_clear(k);
        }
        __atomic_store_n(&g->kl_secrets, keylog_secrets(k), __ATOMIC_RELAXED);
        __atomic_store_n(&g->kl_malformed, keylog_malformed(k), __ATOMIC_RELAXED);
        return rc;
}

void wk_keylog_close(struct cst_workers *g)
{
        keylog_close(g->keylog);
        g->keylog = NULL;
}
