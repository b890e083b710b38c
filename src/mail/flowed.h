/*
 * flowed — RFC 3676 format=flowed text to paragraphs for display. Pure, no I/O.
 *
 * Contract:
 *  - Input is decoded text (UTF-8 after charset conversion); lines end in LF or CRLF.
 *  - Output, appended to a caller-owned buf: one line per paragraph. A paragraph is a run of
 *    flowed lines (ending in a space) at the same quote depth plus the line that ends it.
 *    Each output line starts with its quote depth written canonically as that many '>' and
 *    then one space when the depth is not zero (">>x" and ">> x" both give ">> x"), so the UI
 *    can rewrap a paragraph and re-prefix its continuation lines; flowed_quote_depth() reads
 *    the prefix back. An unquoted paragraph whose text starts with '>' keeps one stuffing
 *    space (" >x") so that it cannot be mistaken for a quote.
 *  - Rules: quote depth = leading '>' count; then one space-stuffing space is removed; a line
 *    is flowed when it ends with a space and is not the signature separator "-- "; with
 *    delsp the trailing space is removed before joining, without it kept. A flowed line
 *    followed by a different quote depth, the signature separator or the end of input ends
 *    its paragraph (RFC 3676 §4.3, §4.5). Quote depth counts at most FLOWED_MAX_DEPTH
 *    (further '>' are text).
 *  - The output is never longer than the input plus two bytes per line; no allocation besides
 *    the buf. Returns BUF_OK / BUF_TOO_BIG / BUF_NOMEM (then out holds a prefix).
 */
#ifndef SKUA_MAIL_FLOWED_H
#define SKUA_MAIL_FLOWED_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define FLOWED_MAX_DEPTH 64

__attribute__((warn_unused_result))
enum buf_result flowed_decode(struct buf *out, const char *in, size_t n, bool delsp);

/* Quote depth of an output line of flowed_decode(): the count of leading '>' (at most
 * FLOWED_MAX_DEPTH), and in *skip the bytes of the prefix (the '>'s and one blank after). */
unsigned flowed_quote_depth(const char *line, size_t n, size_t *skip);

#endif
