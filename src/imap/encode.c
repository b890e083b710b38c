/* encode — IMAP command builder: quoting, literals, segments, redaction; see encode.h. */
#include "config.h"

#include "imap/encode.h"
#include "imap/mutf7.h"
#include "imap/seqset.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

void imap_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

/* ---- character classes ---------------------------------------------------------------- */

/* ATOM-CHAR, minus "]" (which ASTRING-CHAR allows but some servers mis-parse). */
static bool atom_char(unsigned char ch)
{
	if (ch <= 0x20 || ch >= 0x7f)
		return false;
	switch (ch) {
	case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
		return false;
	default:
		return true;
	}
}

static bool tag_char(unsigned char ch)
{
	return ch != '+' && (atom_char(ch) || ch == ']');
}

/* ---- internals -------------------------------------------------------------------------- */

static int fail(struct imap_cmd *c, int err)
{
	if (!c->err)
		c->err = err;
	return c->err;
}

static int from_buf(enum buf_result r)
{
	return r == BUF_OK ? IMAP_ENC_OK : r == BUF_TOO_BIG ? IMAP_ENC_TOO_BIG : IMAP_ENC_NOMEM;
}

/* Once the command holds a secret, growing must not leave copies behind: move the data to a
 * bigger block ourselves and wipe the old one. */
static int secure_room(struct imap_cmd *c, size_t n)
{
	struct buf *b = &c->b;
	if (b->mem && b->off + b->len + n + 1 <= b->size)
		return IMAP_ENC_OK;
	if (n > b->cap || b->len > b->cap - n)
		return IMAP_ENC_TOO_BIG;
	size_t want = b->len + n;
	want = want > b->cap / 2 ? b->cap : (want * 2 < 256 ? 256 : want * 2);
	if (want > b->cap)
		want = b->cap;
	struct buf nb;
	buf_init(&nb, b->cap);
	if (!buf_reserve(&nb, want))
		return IMAP_ENC_NOMEM;
	if (buf_append(&nb, buf_data(b), b->len) != BUF_OK) { /* cannot fail: room reserved */
		buf_free(&nb);
		return IMAP_ENC_NOMEM;
	}
	imap_wipe(b->mem, b->size);
	buf_free(b);
	*b = nb;
	return IMAP_ENC_OK;
}

static int put(struct imap_cmd *c, const void *p, size_t n)
{
	if (c->secret) {
		int r = secure_room(c, n);
		if (r)
			return fail(c, r);
	}
	enum buf_result br = buf_append(&c->b, p, n);
	return br == BUF_OK ? IMAP_ENC_OK : fail(c, from_buf(br));
}

static int put_str(struct imap_cmd *c, const char *s)
{
	return put(c, s, strlen(s));
}

static int check_line(struct imap_cmd *c)
{
	if (c->opts.max_line && c->b.len - c->line_start > c->opts.max_line)
		return fail(c, IMAP_ENC_TOO_BIG);
	return IMAP_ENC_OK;
}

/* Common prologue of every argument: sticky error, state, separating space. */
static int begin_arg(struct imap_cmd *c)
{
	if (c->err)
		return c->err;
	if (!c->started || c->finished)
		return fail(c, IMAP_ENC_INVALID);
	if (c->need_sp && put(c, " ", 1))
		return c->err;
	if (c->redact_pending) {
		c->redact_from = c->b.len;
		c->redact_pending = false;
	}
	return IMAP_ENC_OK;
}

static int end_arg(struct imap_cmd *c)
{
	c->need_sp = true;
	return check_line(c);
}

static int spans_push(struct imap_cmd *c, struct imap_spans *s, size_t off, size_t len)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct imap_span *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return fail(c, IMAP_ENC_NOMEM);
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].off = off;
	s->v[s->n].len = len;
	s->n++;
	return IMAP_ENC_OK;
}

static int sync_push(struct imap_cmd *c, size_t off)
{
	if (c->nsync == c->sync_cap) {
		size_t cap = c->sync_cap ? c->sync_cap * 2 : 4;
		size_t *v = realloc(c->sync, cap * sizeof *v);
		if (!v)
			return fail(c, IMAP_ENC_NOMEM);
		c->sync = v;
		c->sync_cap = cap;
	}
	c->sync[c->nsync++] = off;
	return IMAP_ENC_OK;
}

enum form { FORM_ATOM, FORM_QUOTED, FORM_LITERAL, FORM_BAD };

static enum form classify(const struct imap_cmd *c, const char *s, size_t n, bool allow_atom)
{
	bool atom = allow_atom && n > 0, quotable = true, eight = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == 0)
			return FORM_BAD;
		if (ch == '\r' || ch == '\n')
			quotable = false;
		else if (ch >= 0x80)
			eight = true;
		if (!atom_char(ch))
			atom = false;
	}
	/* NIL would read as nil where an nstring is also allowed; quote it to be unambiguous */
	if (atom && !(n == 3 && strncasecmp(s, "NIL", 3) == 0))
		return FORM_ATOM;
	if (quotable && (!eight || (c->opts.utf8_accept && mutf7_utf8_valid(s, n))))
		return FORM_QUOTED;
	return FORM_LITERAL;
}

static int put_quoted(struct imap_cmd *c, const char *s, size_t n)
{
	size_t run = 0;
	if (put(c, "\"", 1))
		return c->err;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		if (put(c, s + run, i - run) || put(c, "\\", 1))
			return c->err;
		run = i;
	}
	if (put(c, s + run, n - run) || put(c, "\"", 1))
		return c->err;
	return IMAP_ENC_OK;
}

static int put_literal(struct imap_cmd *c, const void *data, size_t n)
{
	char head[32];
	bool nonsync = c->opts.literal_plus || (c->opts.literal_minus && n <= IMAP_LITERAL_MINUS_MAX);
	if (memchr(data, '\0', n))
		return fail(c, IMAP_ENC_BAD_CHAR);
	snprintf(head, sizeof head, "{%zu%s}", n, nonsync ? "+" : "");
	if (put_str(c, head) || check_line(c) || put(c, "\r\n", 2))
		return c->err;
	if (!nonsync && sync_push(c, c->b.len))
		return c->err;
	size_t off = c->b.len;
	if (put(c, data, n) || spans_push(c, &c->literals, off, n))
		return c->err;
	c->line_start = c->b.len;
	return IMAP_ENC_OK;
}

static int put_string(struct imap_cmd *c, const char *s, size_t n, bool allow_atom)
{
	enum form f = classify(c, s, n, allow_atom);
	/* a string that would push its line past max_line goes as a literal instead */
	if ((f == FORM_ATOM || f == FORM_QUOTED) && c->opts.max_line &&
	    c->b.len - c->line_start + n + 2 > c->opts.max_line)
		f = FORM_LITERAL;
	switch (f) {
	case FORM_ATOM:
		return put(c, s, n);
	case FORM_QUOTED:
		return put_quoted(c, s, n);
	case FORM_LITERAL:
		return put_literal(c, s, n);
	default:
		return fail(c, IMAP_ENC_BAD_CHAR);
	}
}

/* ---- public ----------------------------------------------------------------------------- */

void imap_cmd_init(struct imap_cmd *c, const struct imap_enc_opts *opts)
{
	memset(c, 0, sizeof *c);
	if (opts)
		c->opts = *opts;
	if (!c->opts.max_size)
		c->opts.max_size = IMAP_CMD_DEFAULT_MAX;
	buf_init(&c->b, c->opts.max_size);
	c->redact_from = SIZE_MAX;
}

void imap_cmd_free(struct imap_cmd *c)
{
	if (c->secret)
		imap_wipe(c->b.mem, c->b.size);
	buf_free(&c->b);
	free(c->sync);
	free(c->redact.v);
	free(c->literals.v);
	struct imap_enc_opts o = c->opts;
	imap_cmd_init(c, &o);
}

int imap_cmd_start(struct imap_cmd *c, const char *tag, const char *verb)
{
	if (c->err)
		return c->err;
	if (c->started)
		return fail(c, IMAP_ENC_INVALID);
	if (!tag || !*tag || !verb || !*verb)
		return fail(c, IMAP_ENC_BAD_CHAR);
	for (const char *p = tag; *p; p++)
		if (!tag_char((unsigned char)*p))
			return fail(c, IMAP_ENC_BAD_CHAR);
	/* verb: atoms separated by single spaces */
	for (const char *p = verb; *p; p++)
		if (!atom_char((unsigned char)*p) &&
		    !(*p == ' ' && p != verb && p[1] && p[1] != ' '))
			return fail(c, IMAP_ENC_BAD_CHAR);
	c->started = true;
	if (put_str(c, tag) || put(c, " ", 1) || put_str(c, verb))
		return c->err;
	return end_arg(c);
}

int imap_cmd_add_atom(struct imap_cmd *c, const char *atom)
{
	if (c->err)
		return c->err;
	if (!atom || !*atom)
		return fail(c, IMAP_ENC_BAD_CHAR);
	for (const char *p = atom; *p; p++)
		if (!atom_char((unsigned char)*p))
			return fail(c, IMAP_ENC_BAD_CHAR);
	if (begin_arg(c) || put_str(c, atom))
		return c->err;
	return end_arg(c);
}

int imap_cmd_add_astring_n(struct imap_cmd *c, const char *s, size_t n)
{
	if (c->err)
		return c->err;
	if (!s)
		return fail(c, IMAP_ENC_INVALID);
	if (classify(c, s, n, true) == FORM_BAD)
		return fail(c, IMAP_ENC_BAD_CHAR);
	if (begin_arg(c) || put_string(c, s, n, true))
		return c->err;
	return end_arg(c);
}

int imap_cmd_add_astring(struct imap_cmd *c, const char *s)
{
	return imap_cmd_add_astring_n(c, s, s ? strlen(s) : 0);
}

int imap_cmd_add_string(struct imap_cmd *c, const char *s, size_t n)
{
	if (c->err)
		return c->err;
	if (!s)
		return fail(c, IMAP_ENC_INVALID);
	if (classify(c, s, n, false) == FORM_BAD)
		return fail(c, IMAP_ENC_BAD_CHAR);
	if (begin_arg(c) || put_string(c, s, n, false))
		return c->err;
	return end_arg(c);
}

int imap_cmd_add_nstring(struct imap_cmd *c, const char *s)
{
	if (s)
		return imap_cmd_add_string(c, s, strlen(s));
	if (begin_arg(c) || put(c, "NIL", 3))
		return c->err;
	return end_arg(c);
}

int imap_cmd_add_literal(struct imap_cmd *c, const void *data, size_t n)
{
	if (c->err)
		return c->err;
	if (!data && n)
		return fail(c, IMAP_ENC_INVALID);
	if (n && memchr(data, '\0', n))
		return fail(c, IMAP_ENC_BAD_CHAR);
	if (begin_arg(c) || put_literal(c, n ? data : "", n))
		return c->err;
	return end_arg(c);
}

/* Mailbox name as the wire wants it, appended to tmp. */
static int mailbox_wire(struct imap_cmd *c, const char *utf8, size_t n, struct buf *tmp)
{
	if (c->opts.utf8_accept) {
		if (!mutf7_utf8_valid(utf8, n))
			return IMAP_ENC_BAD_UTF8;
		return from_buf(buf_append(tmp, utf8, n));
	}
	switch (mutf7_encode(tmp, utf8, n)) {
	case MUTF7_OK:
		return IMAP_ENC_OK;
	case MUTF7_INVALID:
		return IMAP_ENC_BAD_UTF8;
	case MUTF7_TOO_BIG:
		return IMAP_ENC_TOO_BIG;
	default:
		return IMAP_ENC_NOMEM;
	}
}

static int put_mailbox(struct imap_cmd *c, const char *utf8)
{
	struct buf tmp;
	buf_init(&tmp, c->opts.max_size);
	int r = mailbox_wire(c, utf8, strlen(utf8), &tmp);
	if (r)
		fail(c, r);
	else
		put_string(c, buf_data(&tmp), buf_len(&tmp), true);
	buf_free(&tmp);
	return c->err;
}

int imap_cmd_add_mailbox(struct imap_cmd *c, const char *utf8)
{
	if (c->err)
		return c->err;
	if (!utf8)
		return fail(c, IMAP_ENC_INVALID);
	if (begin_arg(c) || put_mailbox(c, utf8))
		return c->err;
	return end_arg(c);
}

int imap_cmd_add_number(struct imap_cmd *c, uint64_t n)
{
	char tmp[24];
	snprintf(tmp, sizeof tmp, "%" PRIu64, n);
	if (begin_arg(c) || put_str(c, tmp))
		return c->err;
	return end_arg(c);
}

int imap_cmd_add_seqset_part(struct imap_cmd *c, const struct seqset *s, size_t from, size_t to)
{
	if (c->err)
		return c->err;
	if (!s || to > s->n)
		to = s ? s->n : 0;
	if (from >= to)
		return fail(c, IMAP_ENC_INVALID);
	size_t len = seqset_text_len(s, from, to);
	if (begin_arg(c))
		return c->err;
	if (c->secret) {
		int r = secure_room(c, len);
		if (r)
			return fail(c, r);
	}
	switch (seqset_format_part(s, from, to, &c->b)) {
	case SEQSET_OK:
		break;
	case SEQSET_TOO_BIG:
		return fail(c, IMAP_ENC_TOO_BIG);
	default:
		return fail(c, IMAP_ENC_NOMEM);
	}
	return end_arg(c);
}

int imap_cmd_add_seqset(struct imap_cmd *c, const struct seqset *s)
{
	return imap_cmd_add_seqset_part(c, s, 0, s ? s->n : 0);
}

bool imap_atom_valid(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!atom_char((unsigned char)*s))
			return false;
	return true;
}

bool imap_flag_valid(const char *s)
{
	return s && imap_atom_valid(*s == '\\' ? s + 1 : s);
}

int imap_cmd_add_flags(struct imap_cmd *c, const char *const *flags, size_t n)
{
	if (c->err)
		return c->err;
	for (size_t i = 0; i < n; i++)
		if (!imap_flag_valid(flags[i]))
			return fail(c, IMAP_ENC_BAD_CHAR);
	if (imap_cmd_list_open(c))
		return c->err;
	for (size_t i = 0; i < n; i++) {
		if (begin_arg(c) || put_str(c, flags[i]) || end_arg(c))
			return c->err;
	}
	return imap_cmd_list_close(c);
}

int imap_cmd_add_labels(struct imap_cmd *c, const char *const *labels, size_t n)
{
	if (c->err)
		return c->err;
	for (size_t i = 0; i < n; i++)
		if (!labels[i])
			return fail(c, IMAP_ENC_INVALID);
	if (imap_cmd_list_open(c))
		return c->err;
	for (size_t i = 0; i < n; i++) {
		const char *l = labels[i];
		if (l[0] == '\\' && imap_flag_valid(l)) {
			if (begin_arg(c) || put_str(c, l) || end_arg(c))
				return c->err;
		} else if (imap_cmd_add_mailbox(c, l)) {
			return c->err;
		}
	}
	return imap_cmd_list_close(c);
}

static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool imap_date_valid(struct imap_date d)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (d.year < 1 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1)
		return false;
	if (d.day > mdays[d.month - 1])
		return false;
	if (d.month == 2 && d.day == 29) {
		bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
		return leap;
	}
	return true;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t imap_date_to_days(struct imap_date d)
{
	int64_t y = d.year - (d.month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (d.month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct imap_date imap_date_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	struct imap_date d = {(int)(y + (m <= 2)), (int)m, (int)dd};
	return d;
}

int imap_cmd_add_date(struct imap_cmd *c, struct imap_date d)
{
	char tmp[32];
	if (c->err)
		return c->err;
	if (!imap_date_valid(d))
		return fail(c, IMAP_ENC_INVALID);
	snprintf(tmp, sizeof tmp, "%d-%s-%04d", d.day, month_names[d.month - 1], d.year);
	if (begin_arg(c) || put_str(c, tmp))
		return c->err;
	return end_arg(c);
}

int imap_cmd_add_datetime(struct imap_cmd *c, int64_t t, int tz_minutes)
{
	char tmp[48];
	if (c->err)
		return c->err;
	/* zones span -12:00..+14:00; keep a margin, refuse nonsense */
	if (tz_minutes < -24 * 60 || tz_minutes > 24 * 60 || t < -62135596800LL ||
	    t > 253402300799LL)
		return fail(c, IMAP_ENC_INVALID);
	int64_t local = t + (int64_t)tz_minutes * 60;
	int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int64_t secs = local - days * 86400;
	struct imap_date d = imap_date_from_days(days);
	if (!imap_date_valid(d))
		return fail(c, IMAP_ENC_INVALID);
	int tz = tz_minutes < 0 ? -tz_minutes : tz_minutes;
	snprintf(tmp, sizeof tmp, "\"%02d-%s-%04d %02d:%02d:%02d %c%02d%02d\"", d.day,
		 month_names[d.month - 1], d.year, (int)(secs / 3600), (int)(secs / 60 % 60),
		 (int)(secs % 60), tz_minutes < 0 ? '-' : '+', tz / 60, tz % 60);
	if (begin_arg(c) || put_str(c, tmp))
		return c->err;
	return end_arg(c);
}

int imap_cmd_add_raw(struct imap_cmd *c, const char *text)
{
	if (c->err)
		return c->err;
	if (!text || !*text)
		return fail(c, IMAP_ENC_INVALID);
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return fail(c, IMAP_ENC_BAD_CHAR);
	if (begin_arg(c) || put_str(c, text))
		return c->err;
	return end_arg(c);
}

int imap_cmd_add_rawf(struct imap_cmd *c, const char *fmt, ...)
{
	if (c->err)
		return c->err;
	struct buf tmp;
	buf_init(&tmp, c->opts.max_size);
	va_list ap;
	va_start(ap, fmt);
	enum buf_result br = buf_vprintf(&tmp, fmt, ap);
	va_end(ap);
	if (br != BUF_OK) {
		buf_free(&tmp);
		return fail(c, from_buf(br));
	}
	/* a NUL inside the formatted text would hide what follows it from the check */
	if (strlen(buf_data(&tmp)) != buf_len(&tmp))
		fail(c, IMAP_ENC_BAD_CHAR);
	else
		imap_cmd_add_raw(c, buf_data(&tmp));
	buf_free(&tmp);
	return c->err;
}

int imap_cmd_list_open(struct imap_cmd *c)
{
	if (begin_arg(c) || put(c, "(", 1))
		return c->err;
	c->depth++;
	c->need_sp = false;
	return check_line(c);
}

int imap_cmd_list_close(struct imap_cmd *c)
{
	if (c->err)
		return c->err;
	if (!c->started || c->finished || c->depth == 0)
		return fail(c, IMAP_ENC_INVALID);
	if (put(c, ")", 1))
		return c->err;
	c->depth--;
	return end_arg(c);
}

void imap_cmd_redact_begin(struct imap_cmd *c)
{
	c->secret = true;
	c->redact_pending = true;
	c->redact_from = SIZE_MAX;
}

void imap_cmd_redact_end(struct imap_cmd *c)
{
	if (c->redact_from != SIZE_MAX && c->b.len > c->redact_from)
		spans_push(c, &c->redact, c->redact_from, c->b.len - c->redact_from);
	c->redact_from = SIZE_MAX;
	c->redact_pending = false;
}

int imap_cmd_finish(struct imap_cmd *c)
{
	if (c->err)
		return c->err;
	if (!c->started || c->finished || c->depth)
		return fail(c, IMAP_ENC_INVALID);
	if (c->redact_from != SIZE_MAX || c->redact_pending)
		imap_cmd_redact_end(c);
	if (put(c, "\r\n", 2))
		return c->err;
	c->finished = true;
	return c->err;
}

size_t imap_cmd_nsegs(const struct imap_cmd *c)
{
	return c->nsync + 1;
}

size_t imap_cmd_seg_off(const struct imap_cmd *c, size_t i)
{
	return i == 0 ? 0 : i <= c->nsync ? c->sync[i - 1] : c->b.len;
}

void imap_cmd_seg(const struct imap_cmd *c, size_t i, const char **p, size_t *len)
{
	size_t from = imap_cmd_seg_off(c, i);
	size_t to = i < c->nsync ? c->sync[i] : c->b.len;
	*p = buf_data(&c->b) + from;
	*len = to - from;
}

/* The span of s that contains pos, or NULL. */
static const struct imap_span *span_at(const struct imap_spans *s, size_t pos)
{
	for (size_t i = 0; i < s->n; i++)
		if (pos >= s->v[i].off && pos - s->v[i].off < s->v[i].len)
			return &s->v[i];
	return NULL;
}

/* The first span start after pos (or limit). */
static size_t next_start(const struct imap_spans *s, size_t pos, size_t limit)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].off > pos && s->v[i].off < limit)
			limit = s->v[i].off;
	return limit;
}

int imap_cmd_trace(const struct imap_cmd *c, size_t from, size_t to, size_t elide_over,
		   struct buf *out)
{
	const char *data = buf_data(&c->b);
	if (to > c->b.len)
		to = c->b.len;
	size_t pos = from;
	while (pos < to) {
		const struct imap_span *sp = span_at(&c->redact, pos);
		enum buf_result br;
		if (sp) {
			br = buf_append_str(out, "<redacted>");
			pos = sp->off + sp->len;
		} else if ((sp = span_at(&c->literals, pos)) && sp->len > elide_over) {
			br = buf_printf(out, "<literal %zu bytes>", sp->len);
			pos = sp->off + sp->len;
		} else {
			size_t end = next_start(&c->redact, pos, to);
			for (size_t i = 0; i < c->literals.n; i++) {
				const struct imap_span *l = &c->literals.v[i];
				if (l->len > elide_over && l->off > pos && l->off < end)
					end = l->off;
			}
			br = buf_append(out, data + pos, end - pos);
			pos = end;
		}
		if (br != BUF_OK)
			return from_buf(br);
	}
	return IMAP_ENC_OK;
}

const char *imap_enc_strerror(int err)
{
	switch (err) {
	case IMAP_ENC_OK:
		return "ok";
	case IMAP_ENC_BAD_CHAR:
		return "forbidden character in a command argument";
	case IMAP_ENC_BAD_UTF8:
		return "mailbox name is not valid UTF-8";
	case IMAP_ENC_INVALID:
		return "invalid command construction";
	case IMAP_ENC_TOO_BIG:
		return "command too long";
	case IMAP_ENC_NOMEM:
		return "out of memory";
	default:
		return "unknown encoder error";
	}
}
