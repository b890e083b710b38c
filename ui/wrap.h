/*
 * wrap — sanitised text (ui/sanitize.h output: UTF-8, tabs and newlines only) laid out as
 * display lines of at most `width` columns: tabs expanded to 8-column stops, long lines broken
 * at the last blank that fits, else at a character boundary (never inside a character, never
 * separating a combining mark from its base). Pure: no curses.
 *
 * A struct wrapped owns a copy of the laid-out text and the line table; each line carries the
 * caller's `kind` (header, body, quote...) so the pane can colour it. Lines that start with
 * '>' get quote_kind instead when quote_kind >= 0. wrap_free() releases everything and leaves
 * it empty (reusable).
 */
#ifndef SKUA_UI_WRAP_H
#define SKUA_UI_WRAP_H

#include <stddef.h>

#include "buf.h"

struct wrap_line {
	size_t off, len; /* bytes in wrapped.text */
	int kind;
	int cols;        /* display columns */
	int cont;        /* 1: continues the line before (wrapped), 0: starts a source line */
	int indent;      /* columns to leave blank before a continuation line */
};

struct wrapped {
	struct buf text;
	struct wrap_line *lines;
	size_t n, cap;
	size_t max_lines;
};

/* cap: bytes of text kept; max_lines: lines kept (more are dropped and wrap_append says -1). */
void wrap_init(struct wrapped *w, size_t cap, size_t max_lines);
void wrap_free(struct wrapped *w);
/* Lays out s[0..len) (a trailing newline does not add an empty line). 0, or -1 when a limit
 * cut it. width < 1 counts as 1. */
int wrap_append(struct wrapped *w, const char *s, size_t len, int width, int kind, int quote_kind);
/* The same with a hanging indent: lines after the first of each source line are laid out in
 * width - indent columns and carry `indent` (header fields). */
int wrap_append_hanging(struct wrapped *w, const char *s, size_t len, int width, int indent,
			int kind);
/* One empty line of that kind. */
int wrap_blank(struct wrapped *w, int kind);

#endif
