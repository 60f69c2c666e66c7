/*
 * output_dio — the writer thread behind a direct-I/O output (output.h).
 *
 * A direct write returns only when the device has the data, so the thread
 * that fills the buffer must not wait for it: a capture loop that stops
 * draining its ring for the length of a slow write loses packets.  The
 * buffer is therefore one of DIO_CHUNKS chunks (OUTPUT_BUF_SIZE each, on
 * huge pages where the system allows): a full chunk is handed to this
 * thread, which writes it while the caller fills the next one.  The caller
 * waits only when every chunk is queued (the disk is slower than the input
 * for 16 MiB).  The thread blocks every signal: they stay with the caller.
 */
#ifndef CST_UTIL_OUTPUT_DIO_H
#define CST_UTIL_OUTPUT_DIO_H

#include <stddef.h>
#include <stdint.h>

#define DIO_CHUNKS 8

struct output_dio;

/*
 * Start the writer for fd (O_DIRECT set).  `first` (OUTPUT_BUF_SIZE bytes,
 * aligned) is the chunk the caller fills now; the writer owns it from then
 * on.  NULL (errno) on failure, `first` still the caller's.
 */
struct output_dio *dio_start(int fd, uint8_t *first);

/*
 * Hand chunk p over: its first `whole` bytes (a multiple of the alignment)
 * are written directly at file offset `off`, then `tail` more bytes through
 * the page cache; `safe` is the last record boundary once they are written.
 * Returns the next chunk to fill, or NULL when a write has failed (errno).
 */
uint8_t *dio_submit(struct output_dio *w, uint8_t *p, size_t whole, size_t tail, uint64_t off,
                    uint64_t safe);

/*
 * Wait until everything handed over is written.  0, or -1 with errno of
 * the first failure; *safe = the last record boundary in the file in full.
 */
int dio_wait(struct output_dio *w, uint64_t *safe);

/*
 * Stop the thread (after the queue is written) and free every chunk but
 * `keep` (the one the caller holds, which becomes its own again; NULL: none).
 */
void dio_stop(struct output_dio *w, uint8_t *keep);

#endif
