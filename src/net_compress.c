/* net_compress — COMPRESS=DEFLATE (RFC 4978): raw deflate (windowBits -15) both ways.
 *
 * Output is deflated into the connection's output queue as it is written (so the queue cap bounds
 * it) and finished with Z_SYNC_FLUSH once per flush. Input is inflated from the read buffer into a
 * fixed NET_CHUNK buffer and delivered piece by piece: however large the expansion ratio, memory
 * use stays the two fixed buffers and zlib's window. */
#include "config.h"

#include "net_int.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "loop.h"

#define Z_OUT_STEP 16384

int net_z_start(struct net *c)
{
	z_stream *in = calloc(1, sizeof *in);
	z_stream *out = calloc(1, sizeof *out);
	if (!in || !out)
		goto fail;
	if (inflateInit2(in, -15) != Z_OK) {
		free(in);
		in = NULL;
		goto fail;
	}
	if (deflateInit2(out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		out = NULL;
		goto fail;
	}
	c->zin = in;
	c->zout = out;
	c->z_more = c->z_dirty = false;
	return 0;
fail:
	if (in) {
		inflateEnd(in);
		free(in);
	}
	free(out);
	return -1;
}

int net_z_deflate(struct net *c, const char *p, size_t n, bool sync)
{
	z_stream *z = c->zout;
	int flush = sync ? Z_SYNC_FLUSH : Z_NO_FLUSH;
	do {
		/* zlib counts in uInt: feed very large writes in slices */
		uInt slice = n > (1u << 30) ? (1u << 30) : (uInt)n;
		z->next_in = (Bytef *)(uintptr_t)p;
		z->avail_in = slice;
		do {
			char *o = buf_reserve(&c->out, Z_OUT_STEP);
			if (!o) {
				net_fail(c, NET_ERR_OVERFLOW, "output queue to %s is full (%zu bytes queued, cap %zu)",
					 c->host, buf_len(&c->out), c->out.cap);
				return -1;
			}
			z->next_out = (Bytef *)o;
			z->avail_out = Z_OUT_STEP;
			int r = deflate(z, flush);
			if (r == Z_STREAM_ERROR) {
				net_fail(c, NET_ERR_COMPRESS, "deflate failed");
				return -1;
			}
			buf_commit(&c->out, Z_OUT_STEP - z->avail_out);
		} while (z->avail_out == 0 || z->avail_in > 0);
		if (p)
			p += slice;
		n -= slice;
	} while (n > 0);
	return 0;
}

long net_z_inflate_step(struct net *c)
{
	z_stream *z = c->zin;
	size_t avail = c->rin_len - c->rin_off;
	uInt in = avail > (1u << 30) ? (1u << 30) : (uInt)avail;
	z->next_in = (Bytef *)(c->rbuf + c->rin_off);
	z->avail_in = in;
	z->next_out = (Bytef *)c->zbuf;
	z->avail_out = sizeof c->zbuf;
	int r = inflate(z, Z_SYNC_FLUSH);
	size_t consumed = in - z->avail_in;
	size_t produced = sizeof c->zbuf - z->avail_out;
	c->rin_off += consumed;
	c->z_more = z->avail_out == 0;
	switch (r) {
	case Z_OK:
	case Z_STREAM_END:
		break;
	case Z_BUF_ERROR: /* no progress possible: needs more input */
		c->z_more = false;
		return 0;
	default:
		net_fail(c, NET_ERR_COMPRESS, "corrupt compressed data from %s: %s", c->host,
			 z->msg ? z->msg : "inflate failed");
		return -1;
	}
	if (!consumed && !produced) {
		net_fail(c, NET_ERR_COMPRESS, "compressed stream from %s makes no progress", c->host);
		return -1;
	}
	if (produced)
		net_deliver(c, c->zbuf, produced);
	if (r == Z_STREAM_END && !net_dead(c))
		net_fail(c, NET_ERR_COMPRESS, "%s ended the compressed stream", c->host);
	return (long)produced;
}

void net_z_free(struct net *c)
{
	if (c->zin) {
		inflateEnd(c->zin);
		free(c->zin);
		c->zin = NULL;
	}
	if (c->zout) {
		deflateEnd(c->zout);
		free(c->zout);
		c->zout = NULL;
	}
}
