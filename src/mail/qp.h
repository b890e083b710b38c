/*
 * qp — quoted-printable body decoding (RFC 2045 §6.7), lenient the way mail readers must be.
 * No I/O, no allocation of its own.
 *
 * Contract:
 *  - Output is appended to a caller-owned struct buf; its cap bounds it.
 *  - Streaming: qp_decoder_update() takes arbitrary chunks, qp_decoder_finish() ends the input.
 *    Feeding one byte at a time gives exactly the output of one call (the decoder is a byte
 *    state machine holding at most QP_PENDING_MAX + 2 bytes). qp_decode() is the one-shot form.
 *  - Rules:
 *      "=XX" with hex digits in either case     -> that byte
 *      "=" [blanks] line break                  -> soft line break (nothing)
 *      "=" [blanks] at the end of the input     -> nothing (a soft break whose newline was lost)
 *      "=" followed by anything else            -> kept literally ("=G", "=4G", "= x")
 *      a line break (CRLF or bare LF)           -> "\n"; a bare CR not followed by LF is kept,
 *                                                  one at the very end of the input is dropped
 *      "=" and more than QP_PENDING_MAX blanks -> all kept literally
 *      blanks at the end of a line are kept: RFC 2045 calls them transport padding to delete,
 *      but sloppy encoders leave the space of format=flowed lines and of the "-- " signature
 *      separator unencoded, and padding left on screen harms nothing
 *      every other byte, 8-bit and NUL included, -> itself
 *  - Never fails on content. On BUF_TOO_BIG/BUF_NOMEM the output holds what was decoded before;
 *    further calls may be made but the lost bytes are not recovered.
 */
#ifndef SKUA_MAIL_QP_H
#define SKUA_MAIL_QP_H

#include <stddef.h>

#include "buf.h"

#define QP_PENDING_MAX 64

struct qp_decoder {
	int state;
	size_t npend;
	unsigned char pend[QP_PENDING_MAX + 2]; /* held "=", hex digit or blanks, CR */
};

void qp_decoder_init(struct qp_decoder *d);
__attribute__((warn_unused_result))
enum buf_result qp_decoder_update(struct qp_decoder *d, struct buf *out, const char *in, size_t n);
__attribute__((warn_unused_result))
enum buf_result qp_decoder_finish(struct qp_decoder *d, struct buf *out);

/* One-shot: decodes in[0..n) and appends the result to out. */
__attribute__((warn_unused_result))
enum buf_result qp_decode(struct buf *out, const char *in, size_t n);

#endif
