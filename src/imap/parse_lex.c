/* parse_lex — token readers for stage 2 of the IMAP parser (see parser_int.h). */
#include "config.h"

#include "imap/parser_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* bit 1: atom char (RFC ATOM-CHAR plus '\', '%', '*', '[' and 8-bit bytes, leniently);
 * bit 2: ']' (allowed in astrings); bit 4: needs care inside a quoted string. */
#define A 1
const unsigned char imap_atom_tab[256] = {
	/* 0x00-0x1f: CTL */
	[' '] = 0, ['!'] = A, ['"'] = 0, ['#'] = A, ['$'] = A, ['%'] = A, ['&'] = A, ['\''] = A,
	['('] = 0, [')'] = 0, ['*'] = A, ['+'] = A, [','] = A, ['-'] = A, ['.'] = A, ['/'] = A,
	['0'] = A, ['1'] = A, ['2'] = A, ['3'] = A, ['4'] = A, ['5'] = A, ['6'] = A, ['7'] = A,
	['8'] = A, ['9'] = A, [':'] = A, [';'] = A, ['<'] = A, ['='] = A, ['>'] = A, ['?'] = A,
	['@'] = A, ['A'] = A, ['B'] = A, ['C'] = A, ['D'] = A, ['E'] = A, ['F'] = A, ['G'] = A,
	['H'] = A, ['I'] = A, ['J'] = A, ['K'] = A, ['L'] = A, ['M'] = A, ['N'] = A, ['O'] = A,
	['P'] = A, ['Q'] = A, ['R'] = A, ['S'] = A, ['T'] = A, ['U'] = A, ['V'] = A, ['W'] = A,
	['X'] = A, ['Y'] = A, ['Z'] = A, ['['] = A, ['\\'] = A, [']'] = 2, ['^'] = A, ['_'] = A,
	['`'] = A, ['a'] = A, ['b'] = A, ['c'] = A, ['d'] = A, ['e'] = A, ['f'] = A, ['g'] = A,
	['h'] = A, ['i'] = A, ['j'] = A, ['k'] = A, ['l'] = A, ['m'] = A, ['n'] = A, ['o'] = A,
	['p'] = A, ['q'] = A, ['r'] = A, ['s'] = A, ['t'] = A, ['u'] = A, ['v'] = A, ['w'] = A,
	['x'] = A, ['y'] = A, ['z'] = A, ['{'] = 0, ['|'] = A, ['}'] = A, ['~'] = A,
	/* 0x7f DEL: no; 0x80-0xff: yes (UTF-8 from UTF8=ACCEPT servers) */
	[0x80] = A, [0x81] = A, [0x82] = A, [0x83] = A, [0x84] = A, [0x85] = A, [0x86] = A,
	[0x87] = A, [0x88] = A, [0x89] = A, [0x8a] = A, [0x8b] = A, [0x8c] = A, [0x8d] = A,
	[0x8e] = A, [0x8f] = A, [0x90] = A, [0x91] = A, [0x92] = A, [0x93] = A, [0x94] = A,
	[0x95] = A, [0x96] = A, [0x97] = A, [0x98] = A, [0x99] = A, [0x9a] = A, [0x9b] = A,
	[0x9c] = A, [0x9d] = A, [0x9e] = A, [0x9f] = A, [0xa0] = A, [0xa1] = A, [0xa2] = A,
	[0xa3] = A, [0xa4] = A, [0xa5] = A, [0xa6] = A, [0xa7] = A, [0xa8] = A, [0xa9] = A,
	[0xaa] = A, [0xab] = A, [0xac] = A, [0xad] = A, [0xae] = A, [0xaf] = A, [0xb0] = A,
	[0xb1] = A, [0xb2] = A, [0xb3] = A, [0xb4] = A, [0xb5] = A, [0xb6] = A, [0xb7] = A,
	[0xb8] = A, [0xb9] = A, [0xba] = A, [0xbb] = A, [0xbc] = A, [0xbd] = A, [0xbe] = A,
	[0xbf] = A, [0xc0] = A, [0xc1] = A, [0xc2] = A, [0xc3] = A, [0xc4] = A, [0xc5] = A,
	[0xc6] = A, [0xc7] = A, [0xc8] = A, [0xc9] = A, [0xca] = A, [0xcb] = A, [0xcc] = A,
	[0xcd] = A, [0xce] = A, [0xcf] = A, [0xd0] = A, [0xd1] = A, [0xd2] = A, [0xd3] = A,
	[0xd4] = A, [0xd5] = A, [0xd6] = A, [0xd7] = A, [0xd8] = A, [0xd9] = A, [0xda] = A,
	[0xdb] = A, [0xdc] = A, [0xdd] = A, [0xde] = A, [0xdf] = A, [0xe0] = A, [0xe1] = A,
	[0xe2] = A, [0xe3] = A, [0xe4] = A, [0xe5] = A, [0xe6] = A, [0xe7] = A, [0xe8] = A,
	[0xe9] = A, [0xea] = A, [0xeb] = A, [0xec] = A, [0xed] = A, [0xee] = A, [0xef] = A,
	[0xf0] = A, [0xf1] = A, [0xf2] = A, [0xf3] = A, [0xf4] = A, [0xf5] = A, [0xf6] = A,
	[0xf7] = A, [0xf8] = A, [0xf9] = A, [0xfa] = A, [0xfb] = A, [0xfc] = A, [0xfd] = A,
	[0xfe] = A, [0xff] = A,
};
#undef A

/* Bytes that end the fast scan of a quoted string. */
static const unsigned char quoted_stop[256] = {
	['"'] = 1, ['\\'] = 1, ['\r'] = 1, ['\n'] = 1, [0] = 1,
};

void depth_enter(struct pctx *c)
{
	if (++c->depth > c->lim->max_depth)
		perr(c, "nesting deeper than %u", c->lim->max_depth);
}

struct imap_str pstrdup(struct pctx *c, const char *s, size_t n)
{
	if (n >= SIZE_MAX - 32)
		perr_nomem(c);
	char *d = palloc(c, n + 1);
#ifdef __SSE2__
	/* short strings: whole 16-byte blocks when the source has the bytes (arena blocks are
	 * 16-aligned and rounded up to 16, so the destination always does) */
	if (n < 64 && s >= c->base && s <= c->end &&
	    (size_t)(c->end - s) >= ((n + 16) & ~(size_t)15)) {
		for (size_t i = 0; i <= n; i += 16)
			_mm_store_si128((__m128i *)(void *)(d + i),
					_mm_loadu_si128((const __m128i *)(const void *)(s + i)));
		d[n] = '\0';
		return (struct imap_str){ d, n };
	}
#endif
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return (struct imap_str){ d, n };
}

bool lex_at_eol(struct pctx *c)
{
	const char *p = c->p;
	while (p < c->end && *p == ' ')
		p++;
	return p < c->end && (*p == '\r' || *p == '\n');
}

void lex_eol(struct pctx *c)
{
	lex_opt_sp(c);
	if (c->p < c->end && *c->p == '\r')
		c->p++;
	if (c->p >= c->end || *c->p != '\n') {
		if (c->p > c->base && c->p[-1] == '\r') {
			c->p--;
			perr_unexpected(c, "line end (CR without LF)");
		}
		perr_unexpected(c, "end of response");
	}
	c->p++;
	if (c->p != c->end)
		perr(c, "unexpected data after the end of a response");
}

const char *lex_atom_raw(struct pctx *c, size_t *len, bool bracket_ok, const char *what)
{
	const char *s = c->p;
	const char *p = s;
	const unsigned char mask = bracket_ok ? 3 : 1;
	while (p < c->end && (imap_atom_tab[(unsigned char)*p] & mask))
		p++;
	if (p == s)
		perr_unexpected(c, what);
	c->p = p;
	*len = (size_t)(p - s);
	return s;
}

struct imap_str lex_atom(struct pctx *c, bool bracket_ok, const char *what)
{
	size_t n;
	const char *s = lex_atom_raw(c, &n, bracket_ok, what);
	count_items(c, 1);
	return pstrdup(c, s, n);
}

static uint64_t digits64(struct pctx *c, uint64_t max, const char *what)
{
	const char *p = c->p;
	if (p >= c->end || *p < '0' || *p > '9')
		perr_unexpected(c, what);
	uint64_t v = 0;
	/* 19 digits cannot overflow 64 bits */
	if (max == UINT64_MAX) {
		const char *lim = c->end - p > 19 ? p + 19 : c->end;
		while (p < lim && (unsigned)(*p - '0') < 10)
			v = v * 10 + (uint64_t)(*p++ - '0');
		if (p == c->end || (unsigned)(*p - '0') >= 10) {
			c->p = p;
			return v;
		}
	}
	while (p < c->end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');
		if (v > (max - d) / 10)
			perr(c, "number too large in %s", what);
		v = v * 10 + d;
		p++;
	}
	c->p = p;
	return v;
}

uint32_t lex_number(struct pctx *c, const char *what)
{
	/* fast path: up to 9 digits cannot overflow */
	const char *p = c->p;
	uint32_t v = 0;
	int k = 0;
	while (k < 9 && p < c->end && (unsigned)(*p - '0') < 10) {
		v = v * 10 + (uint32_t)(*p - '0');
		p++;
		k++;
	}
	if (k > 0 && k < 9 && (p >= c->end || (unsigned)(*p - '0') >= 10)) {
		c->p = p;
		return v;
	}
	return (uint32_t)digits64(c, UINT32_MAX, what);
}

uint32_t lex_nz_number(struct pctx *c, const char *what)
{
	const char *s = c->p;
	uint32_t v = lex_number(c, what);
	if (v == 0) {
		c->p = s;
		perr(c, "zero where a non-zero number is required in %s", what);
	}
	return v;
}

uint64_t lex_number64(struct pctx *c, const char *what)
{
	return digits64(c, UINT64_MAX, what);
}

#if !defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1
static inline uint64_t swar_zero(uint64_t v)
{
	return (v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull;
}
#define SWAR_BC(ch) (0x0101010101010101ull * (uint8_t)(ch))
#endif

/* First byte in [p, end) that is '"', '\\', CR, LF or NUL (or end). */
static inline const char *quoted_scan(const char *p, const char *end)
{
#ifdef __SSE2__
	/* stops at '"', '\\' and every byte <= 0x0d (NUL, LF, CR and a few harmless controls,
	 * which the byte loop below then passes over) */
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), lo = _mm_set1_epi8(0x0d);
	while (end - p >= 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, q), _mm_cmpeq_epi8(w, bs)),
					 _mm_cmpeq_epi8(_mm_min_epu8(w, lo), w));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits) {
			p += __builtin_ctz(bits);
			if (quoted_stop[(unsigned char)*p])
				return p;
			p++;
			continue;
		}
		p += 16;
	}
#elif defined(SWAR)
	while (end - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t m = swar_zero(w ^ SWAR_BC('"')) | swar_zero(w ^ SWAR_BC('\\')) |
			     swar_zero(w ^ SWAR_BC('\r')) | swar_zero(w ^ SWAR_BC('\n')) | swar_zero(w);
		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
#endif
	while (p < end && !quoted_stop[(unsigned char)*p])
		p++;
	return p;
}

static struct imap_str lex_quoted(struct pctx *c, const char *what)
{
	const char *s = ++c->p; /* after the opening quote */
	const char *p = quoted_scan(s, c->end);
	if (p < c->end && *p == '"') {
		/* no escapes: one copy */
		c->p = p + 1;
		return pstrdup(c, s, (size_t)(p - s));
	}
	/* escapes: the result is never longer than the source */
	const char *q = p;
	while (q < c->end && *q != '"') {
		if (*q == '\\' && q + 1 < c->end)
			q++;
		q++;
	}
	char *d = palloc(c, (size_t)(q - s) + 1);
	size_t o = (size_t)(p - s);
	memcpy(d, s, o);
	for (;;) {
		if (p >= c->end) {
			c->p = p;
			perr(c, "unterminated quoted string in %s", what);
		}
		unsigned char ch = (unsigned char)*p;
		if (ch == '"')
			break;
		if (ch == '\\') {
			p++;
			if (p >= c->end) {
				c->p = p;
				perr(c, "unterminated quoted string in %s", what);
			}
			ch = (unsigned char)*p;
			/* only \\ and \" are defined; anything else is kept as the escaped char */
		}
		if (ch == '\r' || ch == '\n' || ch == 0) {
			c->p = p;
			char w[96];
			snprintf(w, sizeof w, "quoted string in %s", what);
			perr_unexpected(c, w);
		}
		d[o++] = (char)ch;
		p++;
	}
	d[o] = '\0';
	c->p = p + 1;
	return (struct imap_str){ d, o };
}

struct imap_str lex_literal(struct pctx *c, bool *streamed, uint64_t *size, bool *binary,
			    const char *what)
{
	bool bin = false;
	if (*c->p == '~') {
		bin = true;
		c->p++;
	}
	lex_expect(c, '{', what);
	uint64_t n = digits64(c, UINT64_MAX, "literal length");
	lex_expect(c, '}', "literal");
	if (c->p < c->end && *c->p == '\r')
		c->p++;
	lex_expect(c, '\n', "literal");
	size_t off = (size_t)(c->p - c->base);
	*binary = bin;
	*size = n;
	*streamed = false;
	if (c->lit_i < c->n_lits && c->lits[c->lit_i].off == off) {
		if (c->lits[c->lit_i].size != n)
			perr(c, "literal bookkeeping mismatch in %s", what);
		c->lit_i++;
		if (!c->stream_ok)
			perr(c, "misplaced large literal in %s", what);
		*streamed = true;
		return (struct imap_str){ NULL, 0 };
	}
	if (c->probe && off == c->pending_off) {
		c->probe_size = n;
		c->probe_binary = bin;
		longjmp(c->jb, c->stream_ok ? PJ_PROBE_HIT : PJ_PROBE_OTHER);
	}
	if (n > (uint64_t)(c->end - c->p))
		perr(c, "truncated literal in %s", what);
	struct imap_str r = pstrdup(c, c->p, (size_t)n);
	c->p += n;
	return r;
}

struct imap_str lex_string(struct pctx *c, bool atom_ok, const char *what)
{
	int ch = peekc(c);
	if (ch == '"')
		return lex_quoted(c, what);
	if (ch == '{' || (ch == '~' && c->p + 1 < c->end && c->p[1] == '{')) {
		bool st, bin;
		uint64_t sz;
		bool save = c->stream_ok;
		c->stream_ok = false;
		struct imap_str r = lex_literal(c, &st, &sz, &bin, what);
		c->stream_ok = save;
		/* RFC 3501 literals are CHAR8 (no NUL). Body data may be literal8, but a string that
		 * becomes a name or a header field must not hide text behind a NUL. */
		if (r.p && memchr(r.p, '\0', r.len))
			perr(c, "NUL byte in a literal string in %s", what);
		return r;
	}
	if (atom_ok && ch >= 0 && ATOM_CH(ch)) {
		size_t n;
		const char *s = lex_atom_raw(c, &n, true, what);
		return pstrdup(c, s, n);
	}
	perr_unexpected(c, what);
}

struct imap_str lex_nstring(struct pctx *c, const char *what)
{
	int ch = peekc(c);
	if ((ch == 'N' || ch == 'n') && lex_is_nil(c))
		return (struct imap_str){ NULL, 0 };
	return lex_string(c, true, what);
}

struct imap_str lex_astring(struct pctx *c, const char *what)
{
	return lex_string(c, true, what);
}

struct imap_str lex_mailbox(struct pctx *c, bool *is_inbox, const char *what)
{
	struct imap_str s = lex_astring(c, what);
	bool inbox = s.len == 5 && strncasecmp(s.p, "INBOX", 5) == 0;
	if (inbox)
		s.p = "INBOX";
	if (is_inbox)
		*is_inbox = inbox;
	return s;
}

char lex_delim(struct pctx *c, const char *what)
{
	int ch = peekc(c);
	if ((ch == 'N' || ch == 'n') && lex_is_nil(c))
		return '\0';
	struct imap_str s = lex_string(c, true, what);
	if (s.len != 1 || s.p[0] == '\0')
		perr(c, "bad hierarchy delimiter in %s", what);
	return s.p[0];
}

struct imap_strlist lex_astring_list(struct pctx *c, bool nil_ok, const char *what)
{
	struct imap_strlist r = { 0, NULL };
	if (nil_ok && lex_is_nil(c))
		return r;
	lex_expect(c, '(', what);
	depth_enter(c);
	struct pvec v = { 0 };
	lex_opt_sp(c);
	while (!lex_accept(c, ')')) {
		struct imap_str *s = pvec_push(c, &v, sizeof *s);
		*s = lex_astring(c, what);
		if (!lex_opt_sp(c) && peekc(c) != ')')
			perr_unexpected(c, what);
	}
	depth_leave(c);
	r.n = v.n;
	r.v = v.v;
	return r;
}

uint32_t sysflag_bit(const char *s, size_t n)
{
	if (n < 2 || s[0] != '\\')
		return 0;
	s++;
	n--;
	switch (s[0] | 0x20) {
	case 's':
		return n == 4 && strncasecmp(s, "Seen", 4) == 0 ? IMAP_FLAG_SEEN : 0;
	case 'a':
		return n == 8 && strncasecmp(s, "Answered", 8) == 0 ? IMAP_FLAG_ANSWERED : 0;
	case 'f':
		return n == 7 && strncasecmp(s, "Flagged", 7) == 0 ? IMAP_FLAG_FLAGGED : 0;
	case 'd':
		if (n == 7 && strncasecmp(s, "Deleted", 7) == 0)
			return IMAP_FLAG_DELETED;
		return n == 5 && strncasecmp(s, "Draft", 5) == 0 ? IMAP_FLAG_DRAFT : 0;
	case 'r':
		return n == 6 && strncasecmp(s, "Recent", 6) == 0 ? IMAP_FLAG_RECENT : 0;
	default:
		return 0;
	}
}

struct imap_flags lex_flag_list(struct pctx *c, const char *what)
{
	struct imap_flags f = { 0, 0, NULL };
	if (lex_is_nil(c)) /* lenient */
		return f;
	lex_expect(c, '(', what);
	struct pvec v = { 0 };
	lex_opt_sp(c);
	while (!lex_accept(c, ')')) {
		struct imap_str *s = pvec_push(c, &v, sizeof *s);
		if (peekc(c) == '"') {
			*s = lex_string(c, false, what); /* lenient */
		} else {
			size_t n;
			const char *a = lex_atom_raw(c, &n, false, what);
			*s = pstrdup(c, a, n);
		}
		if (s->len == 2 && s->p[0] == '\\' && s->p[1] == '*')
			f.sys |= IMAP_FLAG_WILDCARD;
		else
			f.sys |= sysflag_bit(s->p, s->len);
		if (!lex_opt_sp(c) && peekc(c) != ')')
			perr_unexpected(c, what);
	}
	f.n = v.n;
	f.v = v.v;
	return f;
}

/* One seq-number: nz-number, or '*' (0) when allowed. Returns false on a bad one. */
static bool seq_number(struct pctx *c, bool star_ok, uint32_t *out)
{
	if (c->p < c->end && *c->p == '*') {
		c->p++;
		*out = 0;
		return star_ok;
	}
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return false;
	uint64_t v = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		v = v * 10 + (uint64_t)(*c->p - '0');
		if (v > UINT32_MAX)
			return false;
		c->p++;
	}
	*out = (uint32_t)v;
	return v != 0;
}

struct imap_seqset lex_seqset(struct pctx *c, bool star_ok, const char *what)
{
	struct pvec v = { 0 };
	for (;;) {
		uint32_t lo, hi;
		if (!seq_number(c, star_ok, &lo))
			perr(c, "bad sequence set in %s", what);
		hi = lo;
		if (lex_accept(c, ':') && !seq_number(c, star_ok, &hi))
			perr(c, "bad sequence set in %s", what);
		/* order so that lo <= hi, '*' (0) being the highest */
		if (lo == 0 || (hi != 0 && lo > hi)) {
			uint32_t t = lo;
			lo = hi;
			hi = t;
		}
		struct imap_range *r = pvec_push(c, &v, sizeof *r);
		r->lo = lo;
		r->hi = hi;
		if (!lex_accept(c, ','))
			break;
	}
	/* the set must end at a delimiter */
	int ch = peekc(c);
	if (ch >= 0 && ch != ' ' && ch != ')' && ch != ']' && ch != '\r' && ch != '\n')
		perr(c, "bad sequence set in %s", what);
	return (struct imap_seqset){ v.n, v.v };
}

void lex_skip_value(struct pctx *c)
{
	int ch = peekc(c);
	if (ch == '(') {
		c->p++;
		depth_enter(c);
		lex_opt_sp(c);
		while (!lex_accept(c, ')')) {
			lex_skip_value(c);
			if (!lex_opt_sp(c) && peekc(c) != ')')
				perr_unexpected(c, "list");
		}
		depth_leave(c);
		return;
	}
	count_items(c, 1);
	if (ch == '"' || ch == '{' || (ch == '~' && c->p + 1 < c->end && c->p[1] == '{')) {
		(void)lex_string(c, false, "value");
		return;
	}
	size_t n;
	(void)lex_atom_raw(c, &n, true, "value");
}
