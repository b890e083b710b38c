/* rfc2231 — MIME parameter continuations and charsets; see rfc2231.h. */
#include "config.h"

#include "mail/rfc2231.h"

#include <string.h>
#include <strings.h>

#include "mail/charset.h"
#include "mail/rfc2047.h"
#include "ascii.h"

struct seg {
	unsigned idx;
	bool ext; /* "name*N*": percent-encoded, the first one with charset'lang' */
	const char *v;
	size_t len;
};

const char *rfc2231_param_raw(const struct mime_param *v, size_t n, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < n; i++) {
		if (v[i].name_len == nl && v[i].name && strncasecmp(v[i].name, name, nl) == 0) {
			*len = v[i].value_len;
			return v[i].value ? v[i].value : "";
		}
	}
	*len = 0;
	return NULL;
}

static enum buf_result pct_decode(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%' && n - i >= 3 && ascii_hexval((unsigned char)s[i + 1]) >= 0 &&
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

/* Splits charset'lang'rest; false when the two quotes are not there. */
static bool split_ext(const char *s, size_t n, const char **cs, size_t *cs_len, size_t *rest)
{
	const char *q1 = memchr(s, '\'', n);
	if (!q1)
		return false;
	const char *q2 = memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - s));
	if (!q2)
		return false;
	*cs = s;
	*cs_len = (size_t)(q1 - s);
	*rest = (size_t)(q2 + 1 - s);
	return true;
}

/* Parses "*N" or "*N*" (rest of a parameter name after the base name). */
static bool seg_index(const char *s, size_t n, unsigned *idx, bool *ext)
{
	if (n < 2 || s[0] != '*')
		return false;
	size_t i = 1;
	unsigned v = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v >= RFC2231_MAX_INDEX)
			return false;
		i++;
	}
	if (i == 1)
		return false;
	*ext = false;
	if (i < n && s[i] == '*') {
		*ext = true;
		i++;
	}
	*idx = v;
	return i == n;
}

enum buf_result rfc2231_param_get(struct buf *out, const struct mime_param *v, size_t n, const char *name,
				  bool *found)
{
	struct seg segs[RFC2231_MAX_SEGMENTS];
	size_t ns = 0, nl = strlen(name), total = 0;
	const struct mime_param *star = NULL, *plain = NULL;

	*found = false;
	for (size_t i = 0; i < n; i++) {
		const struct mime_param *p = &v[i];
		if (!p->name || p->name_len < nl || strncasecmp(p->name, name, nl) != 0)
			continue;
		const char *rest = p->name + nl;
		size_t rl = p->name_len - nl;
		if (rl == 0) {
			if (!plain)
				plain = p;
			continue;
		}
		if (rl == 1 && rest[0] == '*') {
			if (!star)
				star = p;
			continue;
		}
		unsigned idx;
		bool ext;
		if (!seg_index(rest, rl, &idx, &ext) || ns == RFC2231_MAX_SEGMENTS)
			continue;
		bool dup = false;
		for (size_t k = 0; k < ns; k++)
			dup = dup || segs[k].idx == idx;
		if (dup)
			continue;
		/* insertion keeps segs sorted by index */
		size_t at = ns;
		while (at > 0 && segs[at - 1].idx > idx) {
			segs[at] = segs[at - 1];
			at--;
		}
		segs[at] = (struct seg){idx, ext, p->value ? p->value : "", p->value ? p->value_len : 0};
		ns++;
		total += segs[at].len;
	}
	if (ns == 0 && star) {
		segs[0] = (struct seg){0, true, star->value ? star->value : "", star->value ? star->value_len : 0};
		ns = 1;
		total = segs[0].len;
	}
	if (ns == 0) {
		if (!plain)
			return BUF_OK;
		*found = true;
		return rfc2047_decode(out, plain->value ? plain->value : "", plain->value ? plain->value_len : 0);
	}

	*found = true;
	const char *cs = NULL;
	size_t cs_len = 0, skip = 0;
	if (segs[0].ext && !split_ext(segs[0].v, segs[0].len, &cs, &cs_len, &skip))
		cs = NULL;
	struct buf bytes;
	buf_init(&bytes, total + 16);
	enum buf_result r = BUF_OK;
	for (size_t k = 0; k < ns && r == BUF_OK; k++) {
		const char *s = segs[k].v;
		size_t len = segs[k].len;
		if (k == 0) {
			s += skip;
			len -= skip;
		}
		r = segs[k].ext ? pct_decode(&bytes, s, len) : buf_append(&bytes, s, len);
	}
	if (r == BUF_OK)
		r = charset_to_utf8(out, cs, cs_len, buf_data(&bytes), buf_len(&bytes));
	buf_free(&bytes);
	return r;
}
