/*
 * charset — text in any MIME charset to UTF-8 for display, plus UTF-8 helpers. No I/O but iconv.
 *
 * Contract:
 *  - Output is appended to a caller-owned struct buf; its cap bounds it. Results are enum
 *    buf_result: BUF_OK, or BUF_TOO_BIG / BUF_NOMEM, in which case `out` holds the conversion
 *    of a prefix of the input, cut at a character boundary (useful as a truncated display).
 *  - Conversion never fails on content: every invalid or incomplete input sequence becomes one
 *    U+FFFD and conversion goes on after it. The output is always valid UTF-8 (it may hold
 *    control characters, NUL included: sanitising for the screen is the UI's job).
 *  - Labels are matched case-insensitively, surrounding blanks and quotes ignored. Before a label
 *    reaches iconv_open() it must be 1..CHARSET_NAME_MAX bytes of [A-Za-z0-9_.:-] (so no
 *    "//TRANSLIT" or path tricks); anything else counts as unknown.
 *  - Mislabel fixes (as mail clients and the WHATWG encoding standard do):
 *      ISO-8859-1, Latin-1, windows-1252       -> windows-1252 (built-in table, no iconv)
 *      US-ASCII, no label, unknown-8bit, x-unknown, default
 *                                              -> "guess": valid UTF-8 kept, other bytes windows-1252
 *      GB2312, GBK, EUC-CN, cp936              -> GB18030
 *      KS_C_5601-1987, EUC-KR, windows-949     -> CP949
 *      ISO-8859-8-I/-E, ISO-8859-6-I/-E        -> ISO-8859-8 / ISO-8859-6
 *      Shift_JIS, SJIS, Windows-31J            -> CP932
 *      ISO-8859-9 / Latin-5 -> windows-1254; TIS-620, ISO-8859-11 -> CP874; Big5 -> BIG5-HKSCS
 *      UTF-8 (and aliases)                     -> built-in validation, no iconv
 *    Anything iconv does not know, and every invalid label, is read as UTF-8 with invalid bytes
 *    replaced by U+FFFD.
 *  - iconv descriptors are kept in a small LRU cache (8 entries, failed opens cached too) and
 *    reset before each string, so no shift state leaks from one string into the next. The cache
 *    is process-wide and not thread-safe (skua is single-threaded); charset_cache_flush() closes
 *    every descriptor (call it at exit to keep leak checkers quiet).
 */
#ifndef SKUA_MAIL_CHARSET_H
#define SKUA_MAIL_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CHARSET_NAME_MAX 40
#define UTF8_REPLACEMENT 0xFFFDu

/* True when name[0..len) may be handed to iconv_open(): 1..CHARSET_NAME_MAX of [A-Za-z0-9_.:-]. */
bool charset_name_valid(const char *name, size_t len);

/* True when the label names a charset we can really convert (built in, or iconv opens it);
 * false for labels that fall back to UTF-8-with-replacement. NULL/empty -> true (guess). */
bool charset_known(const char *label, size_t label_len);

/* Converts in[0..n), in charset `label` (label_len bytes; NULL or empty = unlabelled), to UTF-8
 * appended to out. */
__attribute__((warn_unused_result))
enum buf_result charset_to_utf8(struct buf *out, const char *label, size_t label_len, const char *in,
				size_t n);

/* For unlabelled 8-bit text (raw header bytes): valid UTF-8 sequences are kept, every other
 * byte is read as windows-1252 (its five undefined bytes become U+FFFD). */
__attribute__((warn_unused_result))
enum buf_result charset_guess_to_utf8(struct buf *out, const char *in, size_t n);

/* Copies in[0..n), replacing each maximal invalid UTF-8 subsequence with U+FFFD. */
__attribute__((warn_unused_result))
enum buf_result charset_utf8_sanitize(struct buf *out, const char *in, size_t n);

/* Appends the UTF-8 encoding of code point cp (surrogates and values past U+10FFFF become
 * U+FFFD). */
__attribute__((warn_unused_result))
enum buf_result charset_put_utf8(struct buf *out, uint32_t cp);

/* The code point windows-1252 gives byte c (U+FFFD for 0x81, 0x8D, 0x8F, 0x90, 0x9D). */
uint32_t charset_cp1252(unsigned char c);

/* Decodes one UTF-8 sequence at s[0..n) (n >= 1). Returns the bytes it covers: a valid
 * sequence sets *cp to its code point; an invalid one (overlong, surrogate, past U+10FFFF,
 * truncated, stray continuation) sets *cp to U+FFFD and covers its maximal invalid subpart. */
size_t charset_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Length of the longest valid UTF-8 prefix of s[0..n). */
size_t charset_utf8_valid_prefix(const char *s, size_t n);
static inline bool charset_utf8_valid(const char *s, size_t n) { return charset_utf8_valid_prefix(s, n) == n; }

/* Closes every cached iconv descriptor. */
void charset_cache_flush(void);

#endif
