/*
 * html2text — text/html to plain text for the reader: a built-in converter (pure, no I/O) and
 * the rules for running an external filter instead.
 *
 * Built-in converter contract (html2text()):
 *  - Input: HTML as UTF-8 (the MIME charset already applied; a <meta charset> is ignored);
 *    invalid UTF-8 becomes U+FFFD. Output, appended to a caller-owned buf: UTF-8 text with LF
 *    line ends, no leading blank lines, at most one blank line in a row, ending in one LF
 *    (empty input or no text gives nothing).
 *  - Dropped with their content: <script>, <style>, <title>, <head>, comments, <!...>, <?...>.
 *  - Blocks: p, h1-h6, ul/ol, dl, table, blockquote, pre, hr, address, figure, form -> paragraph
 *    (blank line); div, li, dt, dd, tr, section, article, header, footer, nav, aside, main,
 *    caption, figcaption, details, summary, option -> line break; br -> line break; td/th ->
 *    a space; hr -> a line of dashes.
 *  - Lists: each <li> starts "* " (ul) or "N. " (ol), indented two spaces per nesting level;
 *    blockquote lines start with ">" per level and a space. Nesting beyond HTML2TEXT_MAX_DEPTH
 *    is counted but adds no more indentation or quote marks.
 *  - Whitespace collapses to one space and leading blanks of a line are dropped, except inside
 *    <pre>, which is kept as written (CR dropped). &nbsp; is a space that does not collapse.
 *  - Links: <a href> text is followed by "[N]" and after the text comes a blank line and one
 *    "[N] url" line per link, numbered in order of first appearance, the same URL keeping its
 *    number. "#..." and "javascript:" hrefs are not numbered; after HTML2TEXT_MAX_LINKS links
 *    no more are numbered. HTML2TEXT_NO_LINKS turns all that off.
 *  - <img alt="x"> gives "[x]" (nothing without alt).
 *  - Entities: the common named set (HTML 4 Latin-1, symbols and typography, &apos;) with ';',
 *    a few legacy ones without it (&amp &lt &gt &quot &nbsp &copy &reg); numeric &#N; &#xH;
 *    (NUL, surrogates and values past U+10FFFF -> U+FFFD; 0x80-0x9F read as windows-1252, as
 *    browsers do). Unknown entities are kept as written.
 *  - Unclosed constructs at the end of the input (a tag, comment, <script>) drop the rest.
 *  - Runs in time linear in the input. Returns BUF_OK / BUF_TOO_BIG / BUF_NOMEM (then out
 *    holds a prefix).
 *
 * External filter (html_filter in [ui]; the caller runs it, this module never does):
 *  - html2text_find_filter() returns the default command when the html_filter setting is empty:
 *    "w3m -dump -T text/html -I UTF-8 -O UTF-8" if w3m is on $PATH, else
 *    "lynx -dump -stdin -force_html -assume_charset=UTF-8 -display_charset=UTF-8" if lynx is,
 *    else NULL (use the built-in converter). It only stat()s $PATH entries: call it once at
 *    start-up, not per message.
 *  - How the model runs it (src/mail/mailbox_message.c over src/proc_run.h): the part decoded
 *    to UTF-8 first (mime_decode_part() without MIME_TEXT_HTML); the command split on blanks
 *    into argv and exec'd without a shell; the HTML on its stdin, its stdout read into a
 *    bounded buffer (8 MiB, then cut and the child killed), all on the loop; 5 s, then SIGKILL;
 *    the child reaped on SIGCHLD. The output goes through charset_utf8_sanitize(); on failure,
 *    timeout, a non-zero exit or no output, html2text() output is shown instead and
 *    message_info()->note says why. Never popen(), never a shell, never wait in the loop.
 */
#ifndef SKUA_MAIL_HTML2TEXT_H
#define SKUA_MAIL_HTML2TEXT_H

#include <stddef.h>

#include "buf.h"

#define HTML2TEXT_MAX_DEPTH 16  /* indentation / quote levels drawn */
#define HTML2TEXT_MAX_LINKS 1000

enum html2text_flag {
	HTML2TEXT_NO_LINKS = 1u << 0, /* no [N] markers and no link list */
};

__attribute__((warn_unused_result))
enum buf_result html2text(struct buf *out, const char *html, size_t n, unsigned flags);

/* The default html_filter command, or NULL when neither w3m nor lynx is found on `path`
 * (a $PATH-style list; NULL means getenv("PATH")). The string is static. */
const char *html2text_find_filter(const char *path);

#endif
