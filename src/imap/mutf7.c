/* mutf7 — modified UTF-7 (RFC 3501 §5.1.3); see mutf7.h for the contract and flaw list. */
#include "config.h"

#include "imap/mutf7.h"

#include <stdint.h>

static const char mb64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int mb64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

static enum mutf7_result from_buf(enum buf_result r)
{
	switch (r) {
	case BUF_OK:
		return MUTF7_OK;
	case BUF_TOO_BIG:
		return MUTF7_TOO_BIG;
	default:
		return MUTF7_NOMEM;
	}
}

/* Decodes one UTF-8 sequence at s[*i]; strict (see mutf7_utf8_valid). */
static bool utf8_next(const unsigned char *s, size_t n, size_t *i, uint32_t *cp)
{
	unsigned char c = s[*i];
	uint32_t v, min;
	size_t len;
	if (c < 0x80) {
		if (c == 0)
			return false;
		*cp = c;
		(*i)++;
		return true;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return false;
	}
	if (n - *i < len)
		return false;
	for (size_t k = 1; k < len; k++) {
		unsigned char cc = s[*i + k];
		if ((cc & 0xc0) != 0x80)
			return false;
		v = v << 6 | (cc & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return false;
	*cp = v;
	*i += len;
	return true;
}

bool mutf7_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	for (size_t i = 0; i < n;)
		if (!utf8_next(p, n, &i, &cp))
			return false;
	return true;
}

static enum buf_result put_utf8(struct buf *out, uint32_t cp)
{
	unsigned char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(out, b, n);
}

/* Encoder state for one base64 run. */
struct run {
	uint32_t acc;
	unsigned nbits;
};

static enum buf_result run_put16(struct buf *out, struct run *r, uint32_t unit)
{
	r->acc = r->acc << 16 | unit;
	r->nbits += 16;
	while (r->nbits >= 6) {
		r->nbits -= 6;
		enum buf_result br = buf_append_byte(out, (unsigned char)mb64_alphabet[(r->acc >> r->nbits) & 63]);
		if (br != BUF_OK)
			return br;
	}
	r->acc &= (1u << r->nbits) - 1;
	return BUF_OK;
}

static enum buf_result run_close(struct buf *out, struct run *r)
{
	if (r->nbits) {
		enum buf_result br = buf_append_byte(out, (unsigned char)mb64_alphabet[(r->acc << (6 - r->nbits)) & 63]);
		if (br != BUF_OK)
			return br;
	}
	r->acc = 0;
	r->nbits = 0;
	return buf_append_byte(out, '-');
}

enum mutf7_result mutf7_encode(struct buf *out, const char *utf8, size_t n)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t mark = out->len;
	struct run run = {0, 0};
	bool in_run = false;
	enum buf_result br = BUF_OK;
	for (size_t i = 0; i < n && br == BUF_OK;) {
		uint32_t cp;
		if (!utf8_next(s, n, &i, &cp)) {
			buf_truncate(out, mark);
			return MUTF7_INVALID;
		}
		if (cp >= 0x20 && cp <= 0x7e) {
			if (in_run) {
				br = run_close(out, &run);
				in_run = false;
				if (br != BUF_OK)
					break;
			}
			br = cp == '&' ? buf_append(out, "&-", 2) : buf_append_byte(out, (unsigned char)cp);
			continue;
		}
		if (!in_run) {
			br = buf_append_byte(out, '&');
			in_run = true;
			if (br != BUF_OK)
				break;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			br = run_put16(out, &run, 0xd800 | (cp >> 10));
			if (br == BUF_OK)
				br = run_put16(out, &run, 0xdc00 | (cp & 0x3ff));
		} else {
			br = run_put16(out, &run, cp);
		}
	}
	if (br == BUF_OK && in_run)
		br = run_close(out, &run);
	if (br != BUF_OK)
		buf_truncate(out, mark);
	return from_buf(br);
}

/*
 * Decodes the base64 run s[start..end) (the characters between '&' and '-') into out.
 * Returns false on any flaw; out may then hold part of the run (the caller truncates).
 */
static bool decode_run(struct buf *out, const unsigned char *s, size_t start, size_t end,
		       enum buf_result *br)
{
	uint32_t acc = 0, high = 0;
	unsigned nbits = 0;
	for (size_t i = start; i < end; i++) {
		acc = (acc << 6 | (uint32_t)mb64_value(s[i])) & 0x3fffff;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		uint32_t unit = (acc >> nbits) & 0xffff;
		acc &= (1u << nbits) - 1;
		uint32_t cp;
		if (unit >= 0xd800 && unit <= 0xdbff) {
			if (high)
				return false;
			high = unit;
			continue;
		}
		if (unit >= 0xdc00 && unit <= 0xdfff) {
			if (!high)
				return false;
			cp = 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00);
			high = 0;
		} else {
			if (high || unit == 0 || (unit >= 0x20 && unit <= 0x7e))
				return false;
			cp = unit;
		}
		*br = put_utf8(out, cp);
		if (*br != BUF_OK)
			return false;
	}
	/* leftover must be padding: fewer than 6 bits, all zero; no dangling high surrogate */
	return !high && nbits < 6 && acc == 0;
}

enum mutf7_result mutf7_decode(struct buf *out, const char *mutf7, size_t n,
			       enum mutf7_policy policy)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *s = (const unsigned char *)mutf7;
	size_t mark = out->len;
	size_t run_end = SIZE_MAX; /* index just past the last encoded run's '-' */
	enum buf_result br = BUF_OK;
	size_t i = 0;
	while (i < n && br == BUF_OK) {
		unsigned char c = s[i];
		if (c != '&') {
			if (c >= 0x20 && c <= 0x7e) {
				br = buf_append_byte(out, c);
				i++;
				continue;
			}
			if (policy == MUTF7_STRICT)
				goto invalid;
			size_t j = i;
			uint32_t cp;
			if (c >= 0x80 && utf8_next(s, n, &j, &cp)) {
				br = buf_append(out, s + i, j - i);
				i = j;
			} else {
				br = buf_append(out, replacement, 3);
				i++;
			}
			continue;
		}
		size_t start = i + 1, end = start;
		while (end < n && mb64_value(s[end]) >= 0)
			end++;
		bool closed = end < n && s[end] == '-';
		if (closed && end == start) { /* "&-" */
			br = buf_append_byte(out, '&');
			i = end + 1;
			continue;
		}
		size_t seg_mark = out->len;
		bool ok = closed && run_end != i && decode_run(out, s, start, end, &br);
		if (br != BUF_OK)
			break;
		i = closed ? end + 1 : end;
		if (ok) {
			run_end = i;
			continue;
		}
		if (policy == MUTF7_STRICT)
			goto invalid;
		buf_truncate(out, seg_mark);
		br = buf_append(out, replacement, 3);
		run_end = SIZE_MAX;
	}
	if (br != BUF_OK)
		buf_truncate(out, mark);
	return from_buf(br);
invalid:
	buf_truncate(out, mark);
	return MUTF7_INVALID;
}
