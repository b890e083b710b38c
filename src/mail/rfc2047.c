/* rfc2047 — encoded words in header values; see rfc2047.h. */
#include "config.h"

#include "mail/rfc2047.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "mail/charset.h"
#include "ascii.h"

struct word {
	const char *cs; /* charset without the language */
	size_t cs_len;
	char enc;       /* 'B' or 'Q' */
	const char *text;
	size_t text_len;
	size_t end;     /* offset just past "?=" */
};

static bool b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
	       c == '/' || c == '=';
}

/* Where the next "?=" and the next line break are: found once, reused while still ahead, so a
 * header full of "=?" that never close costs linear time. */
struct hint {
	size_t term, nl; /* offsets, n when there is none; SIZE_MAX before the first search */
};

static size_t next_term(const char *in, size_t n, size_t from, struct hint *h)
{
	if (h->term != SIZE_MAX && h->term >= from)
		return h->term;
	size_t j = from;
	while (j + 1 < n && !(in[j] == '?' && in[j + 1] == '='))
		j++;
	h->term = j + 1 < n ? j : n;
	return h->term;
}

static size_t next_nl(const char *in, size_t n, size_t from, struct hint *h)
{
	if (h->nl != SIZE_MAX && h->nl >= from)
		return h->nl;
	size_t j = from;
	while (j < n && in[j] != '\r' && in[j] != '\n')
		j++;
	h->nl = j;
	return j;
}

/* Parses the encoded word starting at in[at] ("=?"). */
static bool parse_word(const char *in, size_t n, size_t at, struct word *w, struct hint *h)
{
	size_t i = at + 2;
	while (i < n && in[i] != '?' && i - (at + 2) <= CHARSET_NAME_MAX + 64) {
		unsigned char c = (unsigned char)in[i];
		if (c <= 0x20 || c >= 0x7f)
			return false;
		i++;
	}
	if (i >= n || in[i] != '?')
		return false;
	w->cs = in + at + 2;
	w->cs_len = i - (at + 2);
	const char *star = memchr(w->cs, '*', w->cs_len);
	if (star)
		w->cs_len = (size_t)(star - w->cs);
	if (!charset_name_valid(w->cs, w->cs_len))
		return false;
	if (i + 2 >= n || in[i + 2] != '?')
		return false;
	char e = in[i + 1];
	if (e == 'b' || e == 'B')
		w->enc = 'B';
	else if (e == 'q' || e == 'Q')
		w->enc = 'Q';
	else
		return false;
	size_t t = i + 3;
	size_t end = next_term(in, n, t, h);
	if (end >= n || end - t > RFC2047_TEXT_MAX || next_nl(in, n, t, h) < end)
		return false;
	w->text = in + t;
	w->text_len = end - t;
	w->end = end + 2;
	if (w->enc == 'B') {
		for (size_t k = 0; k < w->text_len; k++)
			if (!b64_char((unsigned char)w->text[k]))
				return false;
	}
	return true;
}

static enum buf_result decode_q(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '_') {
			c = ' ';
		} else if (c == '=' && i + 2 < n && ascii_hexval((unsigned char)s[i + 1]) >= 0 &&
			   ascii_hexval((unsigned char)s[i + 2]) >= 0) {
			c = (unsigned char)(ascii_hexval((unsigned char)s[i + 1]) << 4 | ascii_hexval((unsigned char)s[i + 2]));
			i += 2;
		}
		enum buf_result r = buf_append_byte(out, c);
		if (r != BUF_OK)
			return r;
	}
	return BUF_OK;
}

/* Text between encoded words: unfolded, 8-bit read as UTF-8 or else windows-1252. */
static enum buf_result emit_text(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t k = i;
		while (k < n && s[k] != '\r' && s[k] != '\n')
			k++;
		enum buf_result r = charset_guess_to_utf8(out, s + i, k - i);
		if (r != BUF_OK)
			return r;
		if (k == n)
			break;
		/* a line break: folding (removed) when a blank follows, else a space */
		size_t e = k;
		if (s[e] == '\r' && e + 1 < n && s[e + 1] == '\n')
			e++;
		e++;
		if (!(e < n && (s[e] == ' ' || s[e] == '\t'))) {
			r = buf_append_byte(out, ' ');
			if (r != BUF_OK)
				return r;
		}
		i = e;
	}
	return BUF_OK;
}

static bool all_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

static bool same_charset(const struct word *a, const struct word *b)
{
	return a->cs_len == b->cs_len && strncasecmp(a->cs, b->cs, a->cs_len) == 0;
}

static enum buf_result from_b64(enum base64_result r)
{
	return r == BASE64_OK ? BUF_OK : r == BASE64_NOMEM ? BUF_NOMEM : BUF_TOO_BIG;
}

enum buf_result rfc2047_decode(struct buf *out, const char *in, size_t n)
{
	struct buf run; /* undecoded bytes of the adjacent same-charset words so far */
	struct word cur = {0}, w;
	struct hint hint = {SIZE_MAX, SIZE_MAX};
	bool in_run = false, last_word = false;
	size_t mark = out->len, i = 0, text_from = 0;
	enum buf_result r = BUF_OK;

	buf_init(&run, n + 16);
	while (r == BUF_OK && i + 1 < n) {
		const char *q = memchr(in + i, '=', n - i - 1);
		if (!q)
			break;
		size_t j = (size_t)(q - in);
		if (in[j + 1] != '?' || !parse_word(in, n, j, &w, &hint)) {
			i = j + 1;
			continue;
		}
		bool glue = last_word && all_blank(in + text_from, j - text_from);
		if (in_run && (!glue || !same_charset(&cur, &w))) {
			r = charset_to_utf8(out, cur.cs, cur.cs_len, buf_data(&run), buf_len(&run));
			buf_reset(&run);
			in_run = false;
		}
		if (r == BUF_OK && !glue)
			r = emit_text(out, in + text_from, j - text_from);
		if (r == BUF_OK) {
			if (!in_run)
				cur = w;
			in_run = true;
			r = w.enc == 'B' ? from_b64(base64_decode(&run, w.text, w.text_len, BASE64_LENIENT))
					 : decode_q(&run, w.text, w.text_len);
		}
		last_word = true;
		i = text_from = w.end;
	}
	if (r == BUF_OK && in_run)
		r = charset_to_utf8(out, cur.cs, cur.cs_len, buf_data(&run), buf_len(&run));
	if (r == BUF_OK)
		r = emit_text(out, in + text_from, n - text_from);
	buf_free(&run);

	char *p = buf_data_mut(out);
	for (size_t k = mark; p && k < buf_len(out); k++)
		if (p[k] == '\r' || p[k] == '\n' || p[k] == '\t' || p[k] == '\0')
			p[k] = ' ';
	return r;
}
