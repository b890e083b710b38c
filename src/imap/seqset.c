/* seqset — compact sequence / UID sets as ranges; see seqset.h. */
#include "config.h"

#include "imap/seqset.h"

#include <stdlib.h>
#include <string.h>

#define STAR_KEY ((uint64_t)1 << 32)

/* Ordering key: "*" above every number. */
static inline uint64_t key(uint32_t v) { return v == SEQSET_STAR ? STAR_KEY : v; }
static inline uint32_t unkey(uint64_t k) { return k == STAR_KEY ? SEQSET_STAR : (uint32_t)k; }
/* The number a value stands for when counting: "*" as 4294967295. */
static inline uint64_t cval(uint32_t v) { return v == SEQSET_STAR ? UINT32_MAX : v; }

void seqset_init(struct seqset *s)
{
	s->r = NULL;
	s->n = s->cap = 0;
	s->unordered = false;
}

void seqset_free(struct seqset *s)
{
	free(s->r);
	seqset_init(s);
}

void seqset_clear(struct seqset *s)
{
	s->n = 0;
	s->unordered = false;
}

static enum seqset_result reserve(struct seqset *s, size_t extra)
{
	if (s->cap - s->n >= extra)
		return SEQSET_OK;
	if (extra > SIZE_MAX / sizeof *s->r - s->n)
		return SEQSET_NOMEM;
	size_t cap = s->cap ? s->cap : 8;
	while (cap < s->n + extra)
		cap = cap > SIZE_MAX / sizeof *s->r / 2 ? s->n + extra : cap * 2;
	struct seqset_range *r = realloc(s->r, cap * sizeof *r);
	if (!r)
		return SEQSET_NOMEM;
	s->r = r;
	s->cap = cap;
	return SEQSET_OK;
}

static enum seqset_result push(struct seqset *s, uint32_t lo, uint32_t hi)
{
	enum seqset_result r = reserve(s, 1);
	if (r != SEQSET_OK)
		return r;
	s->r[s->n].lo = lo;
	s->r[s->n].hi = hi;
	s->n++;
	return SEQSET_OK;
}

enum seqset_result seqset_add_range(struct seqset *s, uint32_t lo, uint32_t hi)
{
	uint64_t klo = key(lo), khi = key(hi);
	if (klo > khi) {
		uint64_t t = klo;
		klo = khi;
		khi = t;
	}
	if (s->unordered || s->n == 0 || klo > key(s->r[s->n - 1].hi) + 1)
		return push(s, unkey(klo), unkey(khi));
	/* first range that ends at or after klo - 1 (it may merge or lies entirely after) */
	size_t a = 0, b = s->n;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (key(s->r[m].hi) + 1 < klo)
			a = m + 1;
		else
			b = m;
	}
	size_t i = a, j = i;
	/* ranges i..j-1 touch [klo, khi] */
	while (j < s->n && key(s->r[j].lo) <= khi + 1)
		j++;
	if (i == j) {
		enum seqset_result r = reserve(s, 1);
		if (r != SEQSET_OK)
			return r;
		memmove(s->r + i + 1, s->r + i, (s->n - i) * sizeof *s->r);
		s->r[i].lo = unkey(klo);
		s->r[i].hi = unkey(khi);
		s->n++;
		return SEQSET_OK;
	}
	if (key(s->r[i].lo) < klo)
		klo = key(s->r[i].lo);
	if (key(s->r[j - 1].hi) > khi)
		khi = key(s->r[j - 1].hi);
	s->r[i].lo = unkey(klo);
	s->r[i].hi = unkey(khi);
	memmove(s->r + i + 1, s->r + j, (s->n - j) * sizeof *s->r);
	s->n -= j - i - 1;
	return SEQSET_OK;
}

enum seqset_result seqset_add(struct seqset *s, uint32_t v)
{
	return seqset_add_range(s, v, v);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

enum seqset_result seqset_from_list(struct seqset *s, const uint32_t *v, size_t n)
{
	seqset_clear(s);
	if (n == 0)
		return SEQSET_OK;
	if (n > SIZE_MAX / sizeof *v)
		return SEQSET_NOMEM;
	uint32_t *tmp = malloc(n * sizeof *tmp);
	if (!tmp)
		return SEQSET_NOMEM;
	memcpy(tmp, v, n * sizeof *tmp);
	qsort(tmp, n, sizeof *tmp, cmp_u32);
	enum seqset_result r = tmp[0] == 0 ? SEQSET_INVALID : SEQSET_OK;
	for (size_t i = 0; i < n && r == SEQSET_OK; i++)
		r = seqset_add(s, tmp[i]); /* ascending: always the append/merge-at-end path */
	free(tmp);
	if (r != SEQSET_OK)
		seqset_clear(s);
	return r;
}

enum seqset_result seqset_copy(struct seqset *dst, const struct seqset *src)
{
	seqset_clear(dst);
	enum seqset_result r = reserve(dst, src->n);
	if (r != SEQSET_OK)
		return r;
	if (src->n)
		memcpy(dst->r, src->r, src->n * sizeof *src->r);
	dst->n = src->n;
	dst->unordered = src->unordered;
	return SEQSET_OK;
}

static int cmp_range(const void *a, const void *b)
{
	uint64_t x = key(((const struct seqset_range *)a)->lo);
	uint64_t y = key(((const struct seqset_range *)b)->lo);
	return (x > y) - (x < y);
}

/* Sorts and merges the ranges in place. */
static void normalise(struct seqset *s)
{
	s->unordered = false;
	if (s->n < 2)
		return;
	qsort(s->r, s->n, sizeof *s->r, cmp_range);
	size_t o = 0;
	for (size_t i = 1; i < s->n; i++) {
		if (key(s->r[i].lo) <= key(s->r[o].hi) + 1) {
			if (key(s->r[i].hi) > key(s->r[o].hi))
				s->r[o].hi = s->r[i].hi;
		} else {
			s->r[++o] = s->r[i];
		}
	}
	s->n = o + 1;
}

/* Parses nz-number or "*" at text[*i]. */
static bool parse_value(const char *text, size_t len, size_t *i, bool star, uint32_t *out)
{
	if (*i >= len)
		return false;
	if (text[*i] == '*') {
		if (!star)
			return false;
		(*i)++;
		*out = SEQSET_STAR;
		return true;
	}
	if (text[*i] < '1' || text[*i] > '9')
		return false;
	uint64_t v = 0;
	while (*i < len && text[*i] >= '0' && text[*i] <= '9') {
		v = v * 10 + (uint64_t)(text[*i] - '0');
		if (v > UINT32_MAX)
			return false;
		(*i)++;
	}
	*out = (uint32_t)v;
	return true;
}

enum seqset_result seqset_parse(struct seqset *s, const char *text, size_t len, unsigned flags,
				size_t max_ranges)
{
	bool star = flags & SEQSET_ALLOW_STAR;
	enum seqset_result r = SEQSET_INVALID;
	size_t i = 0;
	seqset_clear(s);
	s->unordered = true; /* plain appends while parsing */
	for (;;) {
		uint32_t lo, hi;
		if (!parse_value(text, len, &i, star, &lo))
			goto fail;
		hi = lo;
		if (i < len && text[i] == ':') {
			i++;
			if (!parse_value(text, len, &i, star, &hi))
				goto fail;
		}
		if (max_ranges && s->n >= max_ranges) {
			r = SEQSET_TOO_BIG;
			goto fail;
		}
		if (key(lo) > key(hi)) {
			uint32_t t = lo;
			lo = hi;
			hi = t;
		}
		r = push(s, lo, hi);
		if (r != SEQSET_OK)
			goto fail;
		r = SEQSET_INVALID;
		if (i == len)
			break;
		if (text[i] != ',')
			goto fail;
		i++;
	}
	if (!(flags & SEQSET_KEEP_ORDER))
		normalise(s);
	return SEQSET_OK;
fail:
	seqset_clear(s);
	return r;
}

enum seqset_result seqset_resolve_star(struct seqset *s, uint32_t max)
{
	if (max == 0)
		return SEQSET_INVALID;
	for (size_t i = 0; i < s->n; i++) {
		struct seqset_range *g = &s->r[i];
		if (g->lo == SEQSET_STAR)
			g->lo = max;
		if (g->hi == SEQSET_STAR)
			g->hi = max;
		if (g->lo > g->hi) {
			uint32_t t = g->lo;
			g->lo = g->hi;
			g->hi = t;
		}
	}
	if (!s->unordered)
		normalise(s);
	return SEQSET_OK;
}

uint64_t seqset_count(const struct seqset *s)
{
	uint64_t total = 0;
	for (size_t i = 0; i < s->n; i++) {
		uint64_t c = cval(s->r[i].hi) - cval(s->r[i].lo) + 1;
		if (total > UINT64_MAX - c)
			return UINT64_MAX;
		total += c;
	}
	return total;
}

bool seqset_contains(const struct seqset *s, uint32_t v)
{
	uint64_t x = cval(v);
	if (s->unordered) {
		for (size_t i = 0; i < s->n; i++)
			if (cval(s->r[i].lo) <= x && x <= cval(s->r[i].hi))
				return true;
		return false;
	}
	size_t a = 0, b = s->n;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (cval(s->r[m].hi) < x)
			a = m + 1;
		else
			b = m;
	}
	return a < s->n && cval(s->r[a].lo) <= x;
}

void seqset_iter_init(struct seqset_iter *it, const struct seqset *s)
{
	it->s = s;
	it->i = 0;
	it->next = s->n ? cval(s->r[0].lo) : 0;
}

bool seqset_iter_next(struct seqset_iter *it, uint32_t *v)
{
	const struct seqset *s = it->s;
	while (it->i < s->n) {
		if (it->next <= cval(s->r[it->i].hi)) {
			*v = (uint32_t)it->next++;
			return true;
		}
		if (++it->i < s->n)
			it->next = cval(s->r[it->i].lo);
	}
	return false;
}

static size_t put_value(char *p, uint32_t v)
{
	if (v == SEQSET_STAR) {
		*p = '*';
		return 1;
	}
	char tmp[10];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t k = 0; k < n; k++)
		p[k] = tmp[n - 1 - k];
	return n;
}

static size_t value_len(uint32_t v)
{
	if (v == SEQSET_STAR)
		return 1;
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static size_t range_len(const struct seqset_range *g)
{
	return g->lo == g->hi ? value_len(g->lo) : value_len(g->lo) + 1 + value_len(g->hi);
}

size_t seqset_text_len(const struct seqset *s, size_t from, size_t to)
{
	size_t len = 0;
	if (to > s->n)
		to = s->n;
	for (size_t i = from; i < to; i++)
		len += range_len(&s->r[i]) + (i > from);
	return len;
}

enum seqset_result seqset_format_part(const struct seqset *s, size_t from, size_t to,
				      struct buf *out)
{
	char tmp[SEQSET_RANGE_MAX_TEXT + 1];
	if (to > s->n)
		to = s->n;
	size_t mark = out->len;
	for (size_t i = from; i < to; i++) {
		size_t n = 0;
		if (i > from)
			tmp[n++] = ',';
		n += put_value(tmp + n, s->r[i].lo);
		if (s->r[i].hi != s->r[i].lo) {
			tmp[n++] = ':';
			n += put_value(tmp + n, s->r[i].hi);
		}
		enum buf_result br = buf_append(out, tmp, n);
		if (br != BUF_OK) {
			if (out->len > mark) {
				out->len = mark;
				out->mem[out->off + mark] = '\0';
			}
			return br == BUF_TOO_BIG ? SEQSET_TOO_BIG : SEQSET_NOMEM;
		}
	}
	return SEQSET_OK;
}

enum seqset_result seqset_format(const struct seqset *s, struct buf *out)
{
	return seqset_format_part(s, 0, s->n, out);
}

size_t seqset_chunk(const struct seqset *s, size_t from, size_t max_bytes)
{
	size_t len = 0, i = from;
	for (; i < s->n; i++) {
		size_t l = range_len(&s->r[i]) + (i > from);
		if (l > max_bytes - len)
			break;
		len += l;
	}
	return i;
}
