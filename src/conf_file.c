/* conf_file — line lexer for the config file; see conf_file.h. */
#include "config.h"

#include "conf_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 4096

void cfgfile_begin(struct cfgfile_iter *it, const char *text, size_t len)
{
	memset(it, 0, sizeof *it);
	it->text = text;
	it->len = len;
}

void cfgfile_line_free(struct cfgfile_line *l)
{
	free(l->section);
	free(l->key);
	free(l->value);
	memset(l, 0, sizeof *l);
}

char *cfgfile_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

bool cfgfile_is_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_' || c == '@'))
			return false;
	}
	return true;
}

static enum cfgfile_status err(struct cfgfile_iter *it, const char *msg)
{
	snprintf(it->error, sizeof it->error, "%s", msg);
	return CFGFILE_ERROR;
}

/* Reads a "quoted" token at *p (which points at the quote); returns malloc'd text or NULL. */
static char *unquote(char **p, const char **why)
{
	char *s = *p + 1, *out = malloc(strlen(s) + 1), *o = out;
	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	for (;;) {
		if (!*s) {
			free(out);
			*why = "unterminated quoted string";
			return NULL;
		}
		if (*s == '"')
			break;
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		*o++ = *s++;
	}
	*o = '\0';
	*p = s + 1;
	return out;
}

enum cfgfile_status cfgfile_next(struct cfgfile_iter *it, struct cfgfile_line *out)
{
	memset(out, 0, sizeof *out);
	char line[LINE_MAX_BYTES + 1];
	while (it->pos < it->len) {
		const char *start = it->text + it->pos;
		const char *nl = memchr(start, '\n', it->len - it->pos);
		size_t n = nl ? (size_t)(nl - start) : it->len - it->pos;
		it->pos += n + (nl ? 1 : 0);
		it->lineno++;
		if (n && start[n - 1] == '\r')
			n--;
		if (n > LINE_MAX_BYTES)
			return err(it, "line longer than 4096 bytes");
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)start[i];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return err(it, "control character in line");
		}
		memcpy(line, start, n);
		line[n] = '\0';
		char *s = cfgfile_trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		out->lineno = it->lineno;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end || *cfgfile_trim(end + 1))
				return err(it, "a section header looks like [name]");
			*end = '\0';
			if (!(out->section = strdup(cfgfile_trim(s + 1))))
				return err(it, "out of memory");
			return CFGFILE_LINE;
		}
		const char *why = NULL;
		char *p = s;
		if (*s == '"') {
			out->key = unquote(&p, &why);
			if (!out->key)
				return err(it, why);
			p = cfgfile_trim(p);
			if (*p != '=') {
				cfgfile_line_free(out);
				return err(it, "expected '=' after the quoted key");
			}
		} else {
			p = strchr(s, '=');
			if (!p)
				return err(it, "expected key = value");
			*p = '\0';
			char *k = cfgfile_trim(s);
			if (!*k)
				return err(it, "empty key before '='");
			if (!(out->key = strdup(k)))
				return err(it, "out of memory");
		}
		p = cfgfile_trim(p + 1);
		if (*p == '"') {
			out->value = unquote(&p, &why);
			if (!out->value) {
				cfgfile_line_free(out);
				return err(it, why);
			}
			if (*cfgfile_trim(p)) {
				cfgfile_line_free(out);
				return err(it, "text after the closing quote");
			}
		} else if (!(out->value = strdup(p))) {
			cfgfile_line_free(out);
			return err(it, "out of memory");
		}
		return CFGFILE_LINE;
	}
	return CFGFILE_END;
}
