/* decode_fd — streaming transfer decoding into an fd (see the header). */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "mail/decode_fd.h"

/* Input bytes per decoder call: base64 gives at most 3/4 of them, QP at most the slice plus
 * what it held back (QP_PENDING_MAX + 2), so the output always fits DECODE_FD_BUF. */
#define SLICE (DECODE_FD_BUF / 2)

void decode_fd_init(struct decode_fd *d, enum mime_encoding enc, int fd)
{
	d->enc = enc;
	d->fd = fd;
	d->err = 0;
	d->in = d->out = 0;
	base64_decoder_init(&d->b64, BASE64_LENIENT);
	qp_decoder_init(&d->qp);
	buf_init(&d->tmp, DECODE_FD_BUF);
}

void decode_fd_free(struct decode_fd *d)
{
	if (d)
		buf_free(&d->tmp);
}

static int put(struct decode_fd *d, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(d->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			d->err = w < 0 ? errno : EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		d->out += (uint64_t)w;
	}
	return 0;
}

static int flush(struct decode_fd *d)
{
	int rc = put(d, buf_data(&d->tmp), buf_len(&d->tmp));
	buf_reset(&d->tmp);
	return rc;
}

static int fail_nomem(struct decode_fd *d)
{
	d->err = ENOMEM;
	return -1;
}

int decode_fd_feed(struct decode_fd *d, const char *data, size_t len)
{
	if (d->err)
		return -1;
	d->in += len;
	if (d->enc != MIME_ENC_BASE64 && d->enc != MIME_ENC_QP)
		return put(d, data, len);
	while (len) {
		size_t n = len < SLICE ? len : SLICE;
		if (d->enc == MIME_ENC_BASE64) {
			if (base64_decoder_update(&d->b64, &d->tmp, data, n) != BASE64_OK)
				return fail_nomem(d);
		} else if (qp_decoder_update(&d->qp, &d->tmp, data, n) != BUF_OK) {
			return fail_nomem(d);
		}
		if (flush(d) != 0)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

int decode_fd_finish(struct decode_fd *d)
{
	if (d->err)
		return -1;
	if (d->enc == MIME_ENC_BASE64) {
		if (base64_decoder_finish(&d->b64, &d->tmp) != BASE64_OK)
			return fail_nomem(d);
	} else if (d->enc == MIME_ENC_QP) {
		if (qp_decoder_finish(&d->qp, &d->tmp) != BUF_OK)
			return fail_nomem(d);
	}
	return flush(d);
}
