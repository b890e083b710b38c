/*
 * decode_fd — a part's transfer encoding (base64, quoted-printable; others pass through) decoded
 * as its bytes arrive and written to an fd, never holding the part whole: saving attachments.
 *
 * Contract:
 *  - decode_fd_feed() takes arbitrary pieces (split anywhere: feeding one byte at a time writes
 *    exactly the bytes of one call); decode_fd_finish() ends the input and flushes. The decoders
 *    are the lenient ones (base64.h, qp.h): content never fails.
 *  - Memory: a fixed DECODE_FD_BUF output buffer; input is decoded in slices that fit it.
 *  - Writes are plain write(2) retried on EINTR and short writes (meant for a regular file;
 *    EAGAIN counts as an error). After the first error nothing more is written and every call
 *    returns -1; d->err holds the errno.
 *  - decode_fd_free() releases the buffer (the fd is the caller's). NULL-safe.
 */
#ifndef SKUA_MAIL_DECODE_FD_H
#define SKUA_MAIL_DECODE_FD_H

#include <stddef.h>
#include <stdint.h>

#include "base64.h"
#include "buf.h"
#include "mail/mime.h"
#include "mail/qp.h"

#define DECODE_FD_BUF ((size_t)64 << 10)

struct decode_fd {
	enum mime_encoding enc;
	int fd;
	int err;             /* errno of the first failure, 0 if none */
	uint64_t in, out;    /* encoded bytes fed, decoded bytes written */
	struct base64_decoder b64;
	struct qp_decoder qp;
	struct buf tmp;
};

void decode_fd_init(struct decode_fd *d, enum mime_encoding enc, int fd);
/* 0, or -1 (d->err says why). */
int decode_fd_feed(struct decode_fd *d, const char *data, size_t len);
int decode_fd_finish(struct decode_fd *d);
void decode_fd_free(struct decode_fd *d);

#endif
