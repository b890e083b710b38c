/*
 * mutf7 — IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3), both ways. No I/O.
 *
 * Contract:
 *  - Output is appended to a caller-owned struct buf (its cap bounds the output).
 *  - Encoding (UTF-8 → mUTF-7) is strict: the input must be valid UTF-8 (no overlong forms,
 *    no surrogate code points, nothing past U+10FFFF, no NUL). Printable ASCII stands for
 *    itself, '&' becomes "&-", everything else is base64 of UTF-16 in one "&...-" run per
 *    stretch. The output is canonical, so equal names encode to equal bytes.
 *  - Decoding (mUTF-7 → UTF-8) never trusts its input. A flaw is any of: a byte outside
 *    0x20..0x7e; a shift ("&") without its closing "-"; a character outside the modified
 *    base64 alphabet inside a shift; leftover bits that are 6 or more or not zero; a UTF-16
 *    unit that is printable ASCII or NUL (must not be encoded); an unpaired surrogate; two
 *    encoded runs back to back ("&AOc-&AOc-", which a canonical encoder merges).
 *      MUTF7_STRICT  — the first flaw fails the whole call with MUTF7_INVALID.
 *      MUTF7_REPLACE — each flawed byte outside a shift, and each flawed shift as a whole,
 *                      becomes one U+FFFD; decoding goes on after it. A valid UTF-8 sequence
 *                      outside a shift (from servers that send raw UTF-8) is kept as it is.
 *                      Use this for display; always keep the server's raw bytes to name the
 *                      mailbox in commands. Encoded controls other than NUL pass through:
 *                      sanitising for the screen is the UI's job.
 *  - On any error the output buf is left as it was.
 */
#ifndef SKUA_IMAP_MUTF7_H
#define SKUA_IMAP_MUTF7_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum mutf7_result {
	MUTF7_OK = 0,
	MUTF7_INVALID = -1, /* bad UTF-8 (encode) or a flaw in strict decoding */
	MUTF7_TOO_BIG = -2, /* output would pass the buf's cap */
	MUTF7_NOMEM = -3,
};

enum mutf7_policy {
	MUTF7_STRICT = 0,
	MUTF7_REPLACE = 1,
};

__attribute__((warn_unused_result))
enum mutf7_result mutf7_encode(struct buf *out, const char *utf8, size_t n);

__attribute__((warn_unused_result))
enum mutf7_result mutf7_decode(struct buf *out, const char *mutf7, size_t n,
			       enum mutf7_policy policy);

/* True if s[0..n) is valid UTF-8 as mutf7_encode() defines it (no NUL, no surrogates, no
 * overlong forms). Shared with the command encoder for UTF8=ACCEPT. */
bool mutf7_utf8_valid(const char *s, size_t n);

#endif
