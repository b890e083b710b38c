/*
 * rfc2231 — MIME parameter values (Content-Type / Content-Disposition params) to UTF-8.
 * No I/O but charset conversion (charset.h).
 *
 * Contract:
 *  - Parameters come as an array of (name, value) byte ranges the caller owns (from IMAP
 *    BODYSTRUCTURE, already unquoted, or from mime_parse_params()). Nothing is kept.
 *  - rfc2231_param_get() finds parameter `name` (ASCII, case-insensitive) and appends its value
 *    as UTF-8 to `out`, choosing, in this order:
 *      1. RFC 2231 continuations name*0, name*1 ... (each "name*N" literal or "name*N*" extended),
 *         joined in numeric order whatever order they came in; a duplicate index keeps the
 *         first; at most RFC2231_MAX_SEGMENTS segments, indexes below RFC2231_MAX_INDEX;
 *      2. name* (one extended value);
 *      3. name (a plain value).
 *    Extended values are charset'language'%XX-encoded: the bytes of all segments are joined
 *    before charset conversion (a character may span segments); a bad "%" is kept; a value
 *    without the two quotes is percent-decoded and read as UTF-8 / windows-1252.
 *    Plain values go through rfc2047_decode(), because real mail puts encoded words in quoted
 *    filenames (filename="=?UTF-8?B?...?=") and raw 8-bit bytes (read as UTF-8, else
 *    windows-1252).
 *  - Returns BUF_OK (and *found) or BUF_TOO_BIG / BUF_NOMEM; never fails on content.
 *  - rfc2231_param_raw() is for ASCII tokens (charset, boundary, format, delsp): the plain
 *    value, NULL when absent.
 */
#ifndef SKUA_MAIL_RFC2231_H
#define SKUA_MAIL_RFC2231_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define RFC2231_MAX_SEGMENTS 64
#define RFC2231_MAX_INDEX 1000

struct mime_param {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

__attribute__((warn_unused_result))
enum buf_result rfc2231_param_get(struct buf *out, const struct mime_param *v, size_t n, const char *name,
				  bool *found);

/* The plain value of `name` (case-insensitive) or NULL; *len gets its length. */
const char *rfc2231_param_raw(const struct mime_param *v, size_t n, const char *name, size_t *len);

#endif
