/*
 * conf_file — the line lexer under conf.c: splits a config text into section headers and
 * `key = value` lines. Knows nothing of what keys mean.
 *
 * Syntax: blank lines and lines starting with '#' or ';' are skipped; `[name]` opens a section;
 * `key = value` sets a key. Keys and values are trimmed. Either may be "double quoted" to keep
 * spaces, '=' or '#' (escapes \" and \\ inside quotes); an unquoted value runs to the end of the
 * line (a '#' there is part of it, so commands may contain it). Control characters other than tab
 * are errors, as are lines longer than 4096 bytes.
 *
 * Ownership: each cfgfile_line's strings are malloc'd; release with cfgfile_line_free().
 */
#ifndef SKUA_CONF_FILE_H
#define SKUA_CONF_FILE_H

#include <stdbool.h>
#include <stddef.h>

struct cfgfile_iter {
	const char *text;
	size_t len, pos;
	int lineno;       /* line of the last returned line (1-based) */
	char error[160];  /* set when cfgfile_next returns CFGFILE_ERROR */
};

struct cfgfile_line {
	int lineno;
	char *section; /* set for a [section] line, else NULL */
	char *key;     /* set for a key = value line */
	char *value;
};

enum cfgfile_status { CFGFILE_LINE, CFGFILE_END, CFGFILE_ERROR };

void cfgfile_begin(struct cfgfile_iter *it, const char *text, size_t len);
enum cfgfile_status cfgfile_next(struct cfgfile_iter *it, struct cfgfile_line *out);
void cfgfile_line_free(struct cfgfile_line *l);

/* Trims blanks at both ends in place; returns the new start. */
char *cfgfile_trim(char *s);
/* A name of letters, digits and . - _ @ only. */
bool cfgfile_is_name(const char *s);

#endif
