/* wrap — text to display lines; see wrap.h. */
#include "config.h"

#include "wrap.h"

#include "sanitize.h"

#include <stdlib.h>
#include <string.h>

void wrap_init(struct wrapped *w, size_t cap, size_t max_lines)
{
	memset(w, 0, sizeof *w);
	buf_init(&w->text, cap);
	w->max_lines = max_lines;
}

void wrap_free(struct wrapped *w)
{
	size_t cap = w->text.cap, max = w->max_lines;
	buf_free(&w->text);
	free(w->lines);
	wrap_init(w, cap, max);
}

static int add_line(struct wrapped *w, size_t off, size_t len, int kind, int cols, int cont,
		    int indent)
{
	if (w->n >= w->max_lines)
		return -1;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct wrap_line *v = realloc(w->lines, cap * sizeof *v);
		if (!v)
			return -1;
		w->lines = v;
		w->cap = cap;
	}
	w->lines[w->n++] = (struct wrap_line){off, len, kind, cols, cont, cont ? indent : 0};
	return 0;
}

int wrap_blank(struct wrapped *w, int kind)
{
	return add_line(w, buf_len(&w->text), 0, kind, 0, 0, 0);
}

/* Copies one source line into w->text with tabs expanded; returns its offset or -1. */
static long expand_line(struct wrapped *w, const char *s, size_t len)
{
	size_t start = buf_len(&w->text);
	int col = 0;
	size_t i = 0;
	while (i < len) {
		if (s[i] == '\t') {
			int n = 8 - col % 8;
			for (int k = 0; k < n; k++)
				if (buf_append_byte(&w->text, ' ') != BUF_OK)
					return -1;
			col += n;
			i++;
			continue;
		}
		size_t j = i;
		while (j < len && s[j] != '\t')
			j++;
		if (buf_append(&w->text, s + i, j - i) != BUF_OK)
			return -1;
		col += text_width(s + i, j - i);
		i = j;
	}
	return (long)start;
}

static size_t char_len(const char *s, size_t len)
{
	size_t k = 1;
	while (k < len && ((unsigned char)s[k] & 0xc0) == 0x80)
		k++;
	return k;
}

static int lay_out(struct wrapped *w, const char *s, size_t len, int width, int indent, int kind,
		   int quote_kind)
{
	if (width < 1)
		width = 1;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (s + pos)) : len - pos;
		int k = (quote_kind >= 0 && llen && s[pos] == '>') ? quote_kind : kind;
		long off = expand_line(w, s + pos, llen);
		if (off < 0)
			return -1;
		const char *e = buf_data(&w->text) + off;
		size_t elen = buf_len(&w->text) - (size_t)off, p = 0;
		if (!elen && add_line(w, (size_t)off, 0, k, 0, 0, 0) < 0)
			return -1;
		while (p < elen) {
			int used, wd = p > 0 && width - indent >= 8 ? width - indent : width;
			size_t fit = text_fit(e + p, elen - p, wd, &used);
			if (p + fit < elen) {
				/* break at the last blank that fits (the one just past the fit too) */
				size_t brk = p + fit;
				while (brk > p && e[brk] != ' ')
					brk--;
				if (brk > p) {
					size_t seg = brk - p;
					if (add_line(w, (size_t)off + p, seg, k, text_width(e + p, seg), p > 0,
						     indent) < 0)
						return -1;
					p = brk + 1;
					continue;
				}
				if (!fit) /* a character wider than the pane */
					fit = char_len(e + p, elen - p), used = wd;
			}
			if (add_line(w, (size_t)off + p, fit, k, used, p > 0, indent) < 0)
				return -1;
			p += fit;
		}
		pos += llen + (nl ? 1 : 0);
	}
	return 0;
}

int wrap_append(struct wrapped *w, const char *s, size_t len, int width, int kind, int quote_kind)
{
	return lay_out(w, s, len, width < 1 ? 1 : width, 0, kind, quote_kind);
}

int wrap_append_hanging(struct wrapped *w, const char *s, size_t len, int width, int indent,
			int kind)
{
	if (width < 1)
		width = 1;
	return lay_out(w, s, len, width, indent > 0 ? indent : 0, kind, -1);
}
