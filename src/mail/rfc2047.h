/*
 * rfc2047 — header text with MIME encoded words ("=?charset?B|Q?text?=") to UTF-8 for display.
 * No I/O but charset conversion (charset.h).
 *
 * Contract:
 *  - rfc2047_decode() takes a raw header value (folded or not, any bytes) and appends UTF-8 to a
 *    caller-owned buf. It never fails on content; BUF_TOO_BIG / BUF_NOMEM leave a prefix of the
 *    result in `out`.
 *  - Encoded words are decoded wherever they appear complete, as mail clients do (also inside
 *    quoted strings and glued to other text). B takes the lenient base64 decoder (missing
 *    padding, truncation); Q maps "_" to a space and "=XX" (either case) to a byte, a bad "="
 *    is kept. The charset may carry an RFC 2231 language ("=?utf-8*en?Q?...?="), dropped.
 *  - Adjacent encoded words separated only by whitespace (folding included) are joined with the
 *    whitespace removed (RFC 2047 §6.2); the bytes of adjacent words in the same charset are
 *    decoded together before conversion, so a character split across two words comes out whole
 *    (UTF-8, Shift_JIS, ISO-2022-JP...).
 *  - A malformed word is shown raw: bad charset name (charset_name_valid()), encoding other than
 *    B/Q, B text with characters outside the base64 alphabet, a line break inside, no "?=" within
 *    RFC2047_TEXT_MAX bytes. A well-formed word in a charset iconv does not know is decoded as
 *    UTF-8 with replacement (charset.h).
 *  - Text outside encoded words is unfolded (a line break before a blank is removed, any other
 *    bare CR or LF becomes a space) and, when not valid UTF-8, read as windows-1252.
 *  - In the decoded result CR, LF, TAB and NUL become spaces (a header value is one line); other
 *    control characters are left for the UI's sanitiser.
 */
#ifndef SKUA_MAIL_RFC2047_H
#define SKUA_MAIL_RFC2047_H

#include <stddef.h>

#include "buf.h"

#define RFC2047_TEXT_MAX 4096 /* longest encoded text accepted (RFC 2047 says 75 for the word) */

__attribute__((warn_unused_result))
enum buf_result rfc2047_decode(struct buf *out, const char *in, size_t n);

#endif
