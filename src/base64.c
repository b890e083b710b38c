/* base64 — RFC 4648 encoder and strict/lenient streaming decoder; see base64.h. */
#include "config.h"

#include "base64.h"

#include <string.h>

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static enum base64_result from_buf(enum buf_result r)
{
	switch (r) {
	case BUF_OK:
		return BASE64_OK;
	case BUF_TOO_BIG:
		return BASE64_TOO_BIG;
	default:
		return BASE64_NOMEM;
	}
}

size_t base64_encoded_len(size_t n)
{
	size_t groups = n / 3 + (n % 3 != 0);
	if (groups > SIZE_MAX / 4)
		return SIZE_MAX;
	return groups * 4;
}

size_t base64_encode_raw(char *dst, const void *in, size_t n)
{
	const unsigned char *p = in;
	size_t o = 0;
	while (n >= 3) {
		uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		dst[o++] = b64_alphabet[v >> 18];
		dst[o++] = b64_alphabet[(v >> 12) & 63];
		dst[o++] = b64_alphabet[(v >> 6) & 63];
		dst[o++] = b64_alphabet[v & 63];
		p += 3;
		n -= 3;
	}
	if (n) {
		uint32_t v = (uint32_t)p[0] << 16 | (n > 1 ? (uint32_t)p[1] << 8 : 0);
		dst[o++] = b64_alphabet[v >> 18];
		dst[o++] = b64_alphabet[(v >> 12) & 63];
		dst[o++] = n > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
		dst[o++] = '=';
	}
	return o;
}

enum base64_result base64_encode(struct buf *out, const void *in, size_t n)
{
	size_t len = base64_encoded_len(n);
	if (len == SIZE_MAX)
		return BASE64_TOO_BIG;
	char *dst = buf_reserve(out, len);
	if (!dst)
		return len > out->cap || out->len > out->cap - len ? BASE64_TOO_BIG : BASE64_NOMEM;
	buf_commit(out, base64_encode_raw(dst, in, n));
	return BASE64_OK;
}

void base64_decoder_init(struct base64_decoder *d, enum base64_mode mode)
{
	memset(d, 0, sizeof *d);
	d->mode = mode;
}

/* Bytes a partial quantum of nchars characters yields. */
static size_t flush_partial(struct base64_decoder *d, unsigned char *dst)
{
	size_t o = 0;
	if (d->nchars == 2) {
		dst[o++] = (unsigned char)(d->acc >> 4);
	} else if (d->nchars == 3) {
		dst[o++] = (unsigned char)(d->acc >> 10);
		dst[o++] = (unsigned char)(d->acc >> 2);
	}
	d->acc = 0;
	d->nchars = 0;
	d->npad = 0;
	return o;
}

enum base64_result base64_decoder_update(struct base64_decoder *d, struct buf *out, const char *in,
					 size_t n)
{
	unsigned char chunk[768];
	size_t o = 0;
	if (d->failed)
		return BASE64_INVALID;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		int v = b64_value(c);
		if (o > sizeof chunk - 4) {
			enum buf_result r = buf_append(out, chunk, o);
			if (r != BUF_OK)
				return from_buf(r);
			o = 0;
		}
		if (d->mode == BASE64_LENIENT) {
			if (v >= 0) {
				d->acc = d->acc << 6 | (uint32_t)v;
				if (++d->nchars == 4) {
					chunk[o++] = (unsigned char)(d->acc >> 16);
					chunk[o++] = (unsigned char)(d->acc >> 8);
					chunk[o++] = (unsigned char)d->acc;
					d->acc = 0;
					d->nchars = 0;
				}
			} else if (c == '=') {
				o += flush_partial(d, chunk + o);
			}
			continue;
		}
		/* strict */
		if (d->ended || (v < 0 && c != '=') || (v >= 0 && d->npad)) {
			d->failed = true;
			break;
		}
		if (v >= 0) {
			d->acc = d->acc << 6 | (uint32_t)v;
			if (++d->nchars == 4) {
				chunk[o++] = (unsigned char)(d->acc >> 16);
				chunk[o++] = (unsigned char)(d->acc >> 8);
				chunk[o++] = (unsigned char)d->acc;
				d->acc = 0;
				d->nchars = 0;
			}
			continue;
		}
		/* '=': only after two or three characters of a quantum */
		if (d->nchars < 2) {
			d->failed = true;
			break;
		}
		if (d->nchars + ++d->npad < 4)
			continue;
		/* the unused low bits must be zero (canonical encoding) */
		if ((d->nchars == 2 && (d->acc & 0xf)) || (d->nchars == 3 && (d->acc & 0x3))) {
			d->failed = true;
			break;
		}
		o += flush_partial(d, chunk + o);
		d->ended = true;
	}
	if (o) {
		enum buf_result r = buf_append(out, chunk, o);
		if (r != BUF_OK)
			return from_buf(r);
	}
	return d->failed ? BASE64_INVALID : BASE64_OK;
}

enum base64_result base64_decoder_finish(struct base64_decoder *d, struct buf *out)
{
	unsigned char tail[3];
	if (d->failed)
		return BASE64_INVALID;
	if (d->mode == BASE64_STRICT) {
		if (d->nchars || d->npad) {
			d->failed = true;
			return BASE64_INVALID;
		}
		return BASE64_OK;
	}
	size_t o = flush_partial(d, tail);
	return o ? from_buf(buf_append(out, tail, o)) : BASE64_OK;
}

enum base64_result base64_decode(struct buf *out, const char *in, size_t n, enum base64_mode mode)
{
	struct base64_decoder d;
	size_t mark = out->len;
	base64_decoder_init(&d, mode);
	enum base64_result r = base64_decoder_update(&d, out, in, n);
	if (r == BASE64_OK)
		r = base64_decoder_finish(&d, out);
	if (r != BASE64_OK)
		buf_truncate(out, mark);
	return r;
}
