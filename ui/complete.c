/* complete — name completion, the label prompt, the line editor; see complete.h. */
#include "config.h"

#include "complete.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool starts_with_ci(const char *s, const char *prefix)
{
	return !strncasecmp(s, prefix, strlen(prefix));
}

static bool component_starts(const char *s, const char *prefix)
{
	for (const char *p = strchr(s, '/'); p; p = strchr(p + 1, '/'))
		if (starts_with_ci(p + 1, prefix))
			return true;
	return false;
}

static bool contains_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);
	for (; *s; s++)
		if (!strncasecmp(s, needle, n))
			return true;
	return !n;
}

size_t complete_match(const char *const *cands, size_t n, const char *input, size_t *out, size_t cap)
{
	size_t found = 0;
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < n; i++) {
			const char *c = cands[i];
			if (!c)
				continue;
			bool hit = pass == 0 ? starts_with_ci(c, input)
				 : pass == 1 ? !starts_with_ci(c, input) && component_starts(c, input)
					     : !starts_with_ci(c, input) && !component_starts(c, input) &&
						       contains_ci(c, input);
			if (!hit)
				continue;
			if (found < cap)
				out[found] = i;
			found++;
		}
		if (!*input)
			break; /* everything matched in the first pass */
	}
	return found;
}

size_t complete_common(const char *const *cands, const size_t *idx, size_t n)
{
	if (!n)
		return 0;
	const char *first = cands[idx[0]];
	size_t len = strlen(first);
	for (size_t k = 1; k < n; k++) {
		const char *c = cands[idx[k]];
		size_t i = 0;
		while (i < len && c[i] == first[i])
			i++;
		len = i;
	}
	while (len > 0 && ((unsigned char)first[len] & 0xc0) == 0x80)
		len--; /* back to a character boundary */
	return len;
}

static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

bool label_input_parse(const char *in, enum label_op *op, char *name, size_t namesz)
{
	while (*in == ' ' || *in == '\t')
		in++;
	*op = LABEL_TOGGLE;
	if (*in == '+' || *in == '-') {
		*op = *in == '+' ? LABEL_ADD : LABEL_REMOVE;
		in++;
		while (*in == ' ' || *in == '\t')
			in++;
	}
	size_t len = strlen(in);
	while (len && (in[len - 1] == ' ' || in[len - 1] == '\t'))
		len--;
	if (!len || !namesz)
		return false;
	len = utf8_cut(in, len, namesz - 1);
	memcpy(name, in, len);
	name[len] = '\0';
	return len > 0;
}

/* ---- line editor ---------------------------------------------------------------------------- */

static bool is_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

void le_set(struct lineedit *le, const char *text)
{
	size_t len = utf8_cut(text, strlen(text), sizeof le->text - 1);
	memcpy(le->text, text, len);
	le->text[len] = '\0';
	le->len = le->cur = len;
}

bool le_insert(struct lineedit *le, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	if (cp < 0x80) {
		b[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	if (le->len + n >= sizeof le->text)
		return false;
	memmove(le->text + le->cur + n, le->text + le->cur, le->len - le->cur + 1);
	memcpy(le->text + le->cur, b, n);
	le->len += n;
	le->cur += n;
	return true;
}

static size_t prev_char(const struct lineedit *le, size_t pos)
{
	if (!pos)
		return 0;
	pos--;
	while (pos > 0 && is_cont(le->text[pos]))
		pos--;
	return pos;
}

static size_t next_char(const struct lineedit *le, size_t pos)
{
	if (pos >= le->len)
		return le->len;
	pos++;
	while (pos < le->len && is_cont(le->text[pos]))
		pos++;
	return pos;
}

static void cut(struct lineedit *le, size_t from, size_t to)
{
	memmove(le->text + from, le->text + to, le->len - to + 1);
	le->len -= to - from;
	le->cur = from;
}

void le_backspace(struct lineedit *le)
{
	if (le->cur)
		cut(le, prev_char(le, le->cur), le->cur);
}

void le_delete(struct lineedit *le)
{
	if (le->cur < le->len) {
		size_t keep = le->cur;
		cut(le, le->cur, next_char(le, le->cur));
		le->cur = keep;
	}
}

void le_left(struct lineedit *le)
{
	le->cur = prev_char(le, le->cur);
}

void le_right(struct lineedit *le)
{
	le->cur = next_char(le, le->cur);
}

void le_home(struct lineedit *le)
{
	le->cur = 0;
}

void le_end(struct lineedit *le)
{
	le->cur = le->len;
}

void le_kill_to_start(struct lineedit *le)
{
	cut(le, 0, le->cur);
}

void le_kill_to_end(struct lineedit *le)
{
	le->text[le->cur] = '\0';
	le->len = le->cur;
}

void le_kill_word(struct lineedit *le)
{
	size_t p = le->cur;
	while (p > 0 && le->text[p - 1] == ' ')
		p--;
	while (p > 0 && le->text[p - 1] != ' ')
		p--;
	cut(le, p, le->cur);
}

void complete_add(char ***v, size_t *n, size_t *cap, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		char **nv = realloc(*v, c * sizeof *nv);
		if (!nv)
			return;
		*v = nv;
		*cap = c;
	}
	char *d = strdup(s);
	if (d)
		(*v)[(*n)++] = d;
}
