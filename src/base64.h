/*
 * base64 — RFC 4648 base64 (standard alphabet, '=' padding): encoder and decoder, no I/O.
 *
 * Contract:
 *  - Output goes to a caller-owned struct buf (src/buf.h) and is appended; the buf's cap bounds it.
 *  - Two decoding modes:
 *      BASE64_STRICT  — only the alphabet, length a multiple of 4, '=' only as the last one or two
 *                       characters, unused bits of the last quantum zero. Anything else is
 *                       BASE64_INVALID. Use it for protocol data (SASL).
 *      BASE64_LENIENT — for mail bodies: skips whitespace and any other junk byte, accepts missing
 *                       padding, and treats '=' as "end of this quantum" (so parts that were
 *                       concatenated after their own padding still decode). A dangling single
 *                       character (6 bits, no whole byte) is dropped. Never fails on content.
 *  - The streaming decoder (base64_decoder) takes arbitrary chunks; feeding one byte at a time
 *    gives the same output as one call. It holds no allocation.
 *  - On an error the one-shot functions leave `out` as it was; the streaming decoder may already
 *    have appended the bytes decoded before the error.
 */
#ifndef SKUA_BASE64_H
#define SKUA_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum base64_result {
	BASE64_OK = 0,
	BASE64_INVALID = -1, /* strict mode: not canonical base64 */
	BASE64_TOO_BIG = -2, /* output would pass the buf's cap */
	BASE64_NOMEM = -3,
};

enum base64_mode {
	BASE64_STRICT = 0,
	BASE64_LENIENT = 1,
};

/* Length of the encoding of n bytes (with padding); SIZE_MAX if it does not fit a size_t. */
size_t base64_encoded_len(size_t n);

/* Writes the encoding of in[0..n) to dst, which must hold base64_encoded_len(n) bytes; no NUL
 * is written. Returns the number of bytes written. For callers that must control where
 * secret-derived bytes land (no hidden reallocation). */
size_t base64_encode_raw(char *dst, const void *in, size_t n);

/* Appends the encoding of in[0..n) to out. */
__attribute__((warn_unused_result))
enum base64_result base64_encode(struct buf *out, const void *in, size_t n);

/* One-shot decode of in[0..n), appended to out. */
__attribute__((warn_unused_result))
enum base64_result base64_decode(struct buf *out, const char *in, size_t n, enum base64_mode mode);

/* Streaming decoder. */
struct base64_decoder {
	enum base64_mode mode;
	uint32_t acc;   /* bits of the current quantum */
	unsigned nchars; /* alphabet characters in the current quantum (0..3) */
	unsigned npad;   /* '=' seen in the current quantum (strict) */
	bool ended;      /* strict: padding closed the data; nothing may follow */
	bool failed;     /* strict: an error was reported; further input is refused */
};

void base64_decoder_init(struct base64_decoder *d, enum base64_mode mode);
__attribute__((warn_unused_result))
enum base64_result base64_decoder_update(struct base64_decoder *d, struct buf *out, const char *in,
					 size_t n);
/* Ends the input: strict mode reports BASE64_INVALID for a partial quantum; lenient mode
 * flushes the whole bytes it holds. */
__attribute__((warn_unused_result))
enum base64_result base64_decoder_finish(struct base64_decoder *d, struct buf *out);

#endif
