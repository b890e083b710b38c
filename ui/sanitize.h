/*
 * sanitize — the one gate every server or message string passes before it reaches the terminal,
 * and the display-width arithmetic that goes with it. Pure code: no curses, no I/O.
 *
 * What san_text() guarantees about its output:
 *  - valid UTF-8 (or, with SAN_LOCALE_ASCII, plain ASCII), whatever the input bytes were:
 *    invalid or overlong sequences, surrogates and code points past U+10FFFF become U+FFFD;
 *  - no C0 control (U+0000–U+001F), DEL or C1 control (U+0080–U+009F) — so no ESC, no CSI, no OSC,
 *    nothing a terminal would interpret. They are shown visibly as control pictures (ESC → "␛",
 *    NUL → "␀"; "^[" style in ASCII mode). SAN_BODY keeps tab and newline (CRLF and lone CR
 *    become newline); otherwise tab becomes a space and line breaks become a space;
 *  - bidirectional controls (LRE RLE PDF LRO RLO LRI RLI FSI PDI LRM RLM ALM) never act: they are
 *    shown as visible markers like "<RLO>" so a spoofed name or file extension is seen for what
 *    it is;
 *  - other non-printing code points (per wcwidth() < 0 in a UTF-8 locale, and U+2028/U+2029,
 *    tag characters, BOM, interlinear annotation) are replaced with U+FFFD or dropped (BOM, ZWSP
 *    kept out) so they cannot hide text;
 *  - SAN_LOCALE_ASCII (for a non-UTF-8 locale): every non-ASCII character becomes '?', so nothing
 *    is ever garbled by a terminal that cannot show it.
 * Output is appended to a struct buf (src/buf.h); the function returns -1 only if the buffer's
 * cap is hit (the output is then cut at a character boundary). UTF-8 decoding is
 * src/mail/charset.h's charset_utf8_decode().
 *
 * Widths: text_width() and text_fit() count terminal columns of sanitised UTF-8 with wcwidth()
 * (CJK and most emoji 2, combining marks 0); text_fit() never splits a character and keeps
 * combining marks with their base. They need setlocale(LC_CTYPE, "") with a UTF-8 locale for
 * CJK widths; otherwise wide characters are counted as the C library reports them.
 */
#ifndef SKUA_UI_SANITIZE_H
#define SKUA_UI_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

enum san_flags {
	SAN_BODY = 1u << 0,         /* keep tab and newline (message bodies) */
	SAN_LOCALE_ASCII = 1u << 1, /* the terminal cannot show non-ASCII: replace it with '?' */
};

int san_text(const char *in, size_t len, unsigned flags, struct buf *out);

/* Columns needed by sanitised UTF-8 text (no controls in it). */
int text_width(const char *s, size_t len);
/* Bytes of the longest prefix of s that fits in cols columns, never splitting a character or
 * separating a combining mark from its base; *used gets the columns it takes (may be NULL). */
size_t text_fit(const char *s, size_t len, int cols, int *used);
/* Width of one code point: 0, 1 or 2 (non-printing counts as 1: it was replaced by U+FFFD). */
int cp_width(uint32_t cp);

#endif
