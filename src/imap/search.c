/* search — SEARCH query trees, their encoding, and the Gmail-syntax translator; see search.h. */
#include "config.h"

#include "imap/search.h"
#include "imap/seqset.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum arg { A_NONE, A_STR, A_ATOM, A_LABEL, A_HEADER, A_DATE, A_NUM32, A_MODSEQ, A_NUM64, A_SET, A_OP };

static const struct {
	const char *name;
	enum arg arg;
} keys[] = {
	[IMAP_SK_ALL] = {"ALL", A_NONE},
	[IMAP_SK_ANSWERED] = {"ANSWERED", A_NONE},
	[IMAP_SK_DELETED] = {"DELETED", A_NONE},
	[IMAP_SK_DRAFT] = {"DRAFT", A_NONE},
	[IMAP_SK_FLAGGED] = {"FLAGGED", A_NONE},
	[IMAP_SK_NEW] = {"NEW", A_NONE},
	[IMAP_SK_OLD] = {"OLD", A_NONE},
	[IMAP_SK_RECENT] = {"RECENT", A_NONE},
	[IMAP_SK_SEEN] = {"SEEN", A_NONE},
	[IMAP_SK_UNANSWERED] = {"UNANSWERED", A_NONE},
	[IMAP_SK_UNDELETED] = {"UNDELETED", A_NONE},
	[IMAP_SK_UNDRAFT] = {"UNDRAFT", A_NONE},
	[IMAP_SK_UNFLAGGED] = {"UNFLAGGED", A_NONE},
	[IMAP_SK_UNSEEN] = {"UNSEEN", A_NONE},
	[IMAP_SK_BCC] = {"BCC", A_STR},
	[IMAP_SK_BODY] = {"BODY", A_STR},
	[IMAP_SK_CC] = {"CC", A_STR},
	[IMAP_SK_FROM] = {"FROM", A_STR},
	[IMAP_SK_SUBJECT] = {"SUBJECT", A_STR},
	[IMAP_SK_TEXT] = {"TEXT", A_STR},
	[IMAP_SK_TO] = {"TO", A_STR},
	[IMAP_SK_X_GM_RAW] = {"X-GM-RAW", A_STR},
	[IMAP_SK_KEYWORD] = {"KEYWORD", A_ATOM},
	[IMAP_SK_UNKEYWORD] = {"UNKEYWORD", A_ATOM},
	[IMAP_SK_X_GM_LABELS] = {"X-GM-LABELS", A_LABEL},
	[IMAP_SK_HEADER] = {"HEADER", A_HEADER},
	[IMAP_SK_BEFORE] = {"BEFORE", A_DATE},
	[IMAP_SK_ON] = {"ON", A_DATE},
	[IMAP_SK_SINCE] = {"SINCE", A_DATE},
	[IMAP_SK_SENTBEFORE] = {"SENTBEFORE", A_DATE},
	[IMAP_SK_SENTON] = {"SENTON", A_DATE},
	[IMAP_SK_SENTSINCE] = {"SENTSINCE", A_DATE},
	[IMAP_SK_LARGER] = {"LARGER", A_NUM32},
	[IMAP_SK_SMALLER] = {"SMALLER", A_NUM32},
	[IMAP_SK_MODSEQ] = {"MODSEQ", A_MODSEQ},
	[IMAP_SK_X_GM_MSGID] = {"X-GM-MSGID", A_NUM64},
	[IMAP_SK_X_GM_THRID] = {"X-GM-THRID", A_NUM64},
	[IMAP_SK_UID] = {"UID", A_SET},
	[IMAP_SK_SEQSET] = {NULL, A_SET},
	[IMAP_SK_AND] = {NULL, A_OP},
	[IMAP_SK_OR] = {"OR", A_OP},
	[IMAP_SK_NOT] = {"NOT", A_OP},
};

struct imap_search {
	enum imap_search_key key;
	unsigned depth; /* 1 for a leaf */
	char *s, *field;
	struct imap_date date;
	uint64_t num;
	struct seqset set;
	struct imap_search **kids; /* AND, OR: n >= 2 (AND may be 0: ALL); NOT: 1 */
	size_t nkids, capkids;
};

static bool key_ok(enum imap_search_key k, enum arg a)
{
	return (unsigned)k < sizeof keys / sizeof keys[0] && keys[k].arg == a;
}

static struct imap_search *node_new(enum imap_search_key k)
{
	struct imap_search *q = calloc(1, sizeof *q);
	if (!q) {
		errno = ENOMEM;
		return NULL;
	}
	q->key = k;
	q->depth = 1;
	seqset_init(&q->set);
	return q;
}

static struct imap_search *einval(void)
{
	errno = EINVAL;
	return NULL;
}

void imap_search_free(struct imap_search **qp)
{
	struct imap_search *q = qp ? *qp : NULL;
	if (!q)
		return;
	for (size_t i = 0; i < q->nkids; i++)
		imap_search_free(&q->kids[i]);
	free(q->kids);
	free(q->s);
	free(q->field);
	seqset_free(&q->set);
	free(q);
	*qp = NULL;
}

struct imap_search *imap_search_key(enum imap_search_key k)
{
	return key_ok(k, A_NONE) ? node_new(k) : einval();
}

struct imap_search *imap_search_str(enum imap_search_key k, const char *s)
{
	if (!s || !(key_ok(k, A_STR) || key_ok(k, A_ATOM) || key_ok(k, A_LABEL)))
		return einval();
	if (keys[k].arg == A_ATOM && !imap_atom_valid(s))
		return einval();
	if (keys[k].arg == A_LABEL && (!*s || (s[0] == '\\' && !imap_flag_valid(s))))
		return einval();
	struct imap_search *q = node_new(k);
	if (q && !(q->s = strdup(s))) {
		imap_search_free(&q);
		errno = ENOMEM;
	}
	return q;
}

static bool field_ok(const char *f)
{
	if (!f || !*f)
		return false;
	for (; *f; f++)
		if ((unsigned char)*f <= 0x20 || (unsigned char)*f >= 0x7f || *f == ':')
			return false;
	return true;
}

struct imap_search *imap_search_header(const char *field, const char *value)
{
	if (!field_ok(field) || !value)
		return einval();
	struct imap_search *q = node_new(IMAP_SK_HEADER);
	if (q && (!(q->field = strdup(field)) || !(q->s = strdup(value)))) {
		imap_search_free(&q);
		errno = ENOMEM;
	}
	return q;
}

struct imap_search *imap_search_date(enum imap_search_key k, struct imap_date d)
{
	if (!key_ok(k, A_DATE) || !imap_date_valid(d))
		return einval();
	struct imap_search *q = node_new(k);
	if (q)
		q->date = d;
	return q;
}

struct imap_search *imap_search_num(enum imap_search_key k, uint64_t n)
{
	if (key_ok(k, A_NUM32) ? n > UINT32_MAX
	    : key_ok(k, A_MODSEQ) ? n > INT64_MAX
	    : !key_ok(k, A_NUM64))
		return einval();
	struct imap_search *q = node_new(k);
	if (q)
		q->num = n;
	return q;
}

struct imap_search *imap_search_set(enum imap_search_key k, const struct seqset *s)
{
	if (!key_ok(k, A_SET) || !s || seqset_is_empty(s))
		return einval();
	struct imap_search *q = node_new(k);
	if (q && seqset_copy(&q->set, s) != SEQSET_OK) {
		imap_search_free(&q);
		errno = ENOMEM;
	}
	return q;
}

static bool add_kid(struct imap_search *op, struct imap_search *kid)
{
	if (op->nkids == op->capkids) {
		size_t cap = op->capkids ? op->capkids * 2 : 4;
		struct imap_search **v = realloc(op->kids, cap * sizeof *v);
		if (!v)
			return false;
		op->kids = v;
		op->capkids = cap;
	}
	op->kids[op->nkids++] = kid;
	if (kid->depth + 1 > op->depth)
		op->depth = kid->depth + 1;
	return true;
}

/* Moves b (or b's children, when b is the same operator) into op. Frees b's shell. */
static bool absorb(struct imap_search *op, struct imap_search *b)
{
	if (b->key != op->key)
		return add_kid(op, b);
	while (b->nkids) {
		if (!add_kid(op, b->kids[0]))
			return false;
		memmove(b->kids, b->kids + 1, --b->nkids * sizeof *b->kids);
	}
	imap_search_free(&b);
	return true;
}

static struct imap_search *combine(enum imap_search_key k, struct imap_search *a,
				   struct imap_search *b)
{
	if (!a || !b) {
		imap_search_free(&a);
		imap_search_free(&b);
		return NULL;
	}
	struct imap_search *op = a;
	if (a->key != k) {
		op = node_new(k);
		if (!op || !add_kid(op, a)) {
			if (op)
				imap_search_free(&op);
			imap_search_free(&a);
			imap_search_free(&b);
			errno = ENOMEM;
			return NULL;
		}
	}
	if (!absorb(op, b)) {
		imap_search_free(&op);
		imap_search_free(&b);
		errno = ENOMEM;
		return NULL;
	}
	if (op->depth > IMAP_SEARCH_MAX_DEPTH) {
		imap_search_free(&op);
		return einval();
	}
	return op;
}

struct imap_search *imap_search_and(struct imap_search *a, struct imap_search *b)
{
	return combine(IMAP_SK_AND, a, b);
}

struct imap_search *imap_search_or(struct imap_search *a, struct imap_search *b)
{
	return combine(IMAP_SK_OR, a, b);
}

struct imap_search *imap_search_not(struct imap_search *a)
{
	if (!a)
		return NULL;
	struct imap_search *q = node_new(IMAP_SK_NOT);
	if (!q || !add_kid(q, a)) {
		imap_search_free(&q);
		imap_search_free(&a);
		errno = ENOMEM;
		return NULL;
	}
	if (q->depth > IMAP_SEARCH_MAX_DEPTH) {
		imap_search_free(&q);
		return einval();
	}
	return q;
}

static bool has_8bit(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

bool imap_search_needs_utf8(const struct imap_search *q)
{
	if (!q)
		return false;
	/* labels travel mailbox-encoded (mUTF-7, or UTF-8 only under UTF8=ACCEPT) */
	if (keys[q->key].arg != A_LABEL && has_8bit(q->s))
		return true;
	for (size_t i = 0; i < q->nkids; i++)
		if (imap_search_needs_utf8(q->kids[i]))
			return true;
	return false;
}

static int encode_node(const struct imap_search *q, struct imap_cmd *c, bool top);

/* kids[lo..hi) as a balanced tree of binary ORs. */
static int encode_or(struct imap_search *const *kids, size_t lo, size_t hi, struct imap_cmd *c)
{
	if (hi - lo == 1)
		return encode_node(kids[lo], c, false);
	size_t mid = lo + (hi - lo) / 2;
	if (imap_cmd_add_atom(c, "OR") || encode_or(kids, lo, mid, c) || encode_or(kids, mid, hi, c))
		return imap_cmd_error(c);
	return IMAP_ENC_OK;
}

static int encode_node(const struct imap_search *q, struct imap_cmd *c, bool top)
{
	switch (q->key) {
	case IMAP_SK_OR:
		return encode_or(q->kids, 0, q->nkids, c);
	case IMAP_SK_NOT:
		if (imap_cmd_add_atom(c, "NOT"))
			return imap_cmd_error(c);
		return encode_node(q->kids[0], c, false);
	case IMAP_SK_AND:
		if (q->nkids == 0)
			return imap_cmd_add_atom(c, "ALL");
		/* an AND inside OR/NOT needs parentheses; at the top level it is implicit */
		if (!top && q->nkids > 1 && imap_cmd_list_open(c))
			return imap_cmd_error(c);
		for (size_t i = 0; i < q->nkids; i++)
			if (encode_node(q->kids[i], c, false))
				return imap_cmd_error(c);
		if (!top && q->nkids > 1)
			return imap_cmd_list_close(c);
		return IMAP_ENC_OK;
	default:
		break;
	}
	if (keys[q->key].name && imap_cmd_add_atom(c, keys[q->key].name))
		return imap_cmd_error(c);
	switch (keys[q->key].arg) {
	case A_STR:
		return imap_cmd_add_astring(c, q->s);
	case A_ATOM:
		return imap_cmd_add_atom(c, q->s);
	case A_LABEL:
		return q->s[0] == '\\' ? imap_cmd_add_raw(c, q->s) : imap_cmd_add_mailbox(c, q->s);
	case A_HEADER:
		if (imap_cmd_add_astring(c, q->field))
			return imap_cmd_error(c);
		return imap_cmd_add_astring(c, q->s);
	case A_DATE:
		return imap_cmd_add_date(c, q->date);
	case A_NUM32:
	case A_MODSEQ:
	case A_NUM64:
		return imap_cmd_add_number(c, q->num);
	case A_SET:
		return imap_cmd_add_seqset(c, &q->set);
	default:
		return imap_cmd_error(c);
	}
}

int imap_search_encode(const struct imap_search *q, struct imap_cmd *c)
{
	if (!q) {
		if (!c->err)
			c->err = IMAP_ENC_INVALID;
		return c->err;
	}
	if (!c->opts.utf8_accept && imap_search_needs_utf8(q) &&
	    (imap_cmd_add_atom(c, "CHARSET") || imap_cmd_add_atom(c, "UTF-8")))
		return imap_cmd_error(c);
	return encode_node(q, c, true);
}

/* ---- Gmail syntax ----------------------------------------------------------------------- */

#define GMAIL_MAX_NESTING 16

struct gp {
	const char *s;
	size_t i, n;
	struct imap_date today;
	char *err;
	size_t errlen;
	unsigned depth;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static struct imap_search *gp_error(struct gp *p, const char *fmt, ...)
{
	if (!p->failed && p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	p->failed = true;
	return NULL;
}

/* Reports a failed constructor/combinator (errno says which kind). */
static struct imap_search *gp_check(struct gp *p, struct imap_search *q, const char *what)
{
	if (q || p->failed)
		return q;
	if (errno == ENOMEM)
		return gp_error(p, "out of memory");
	return gp_error(p, "%s", what);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool is_special(char c)
{
	return c == '(' || c == ')' || c == '{' || c == '}' || c == '"';
}

static void skip_ws(struct gp *p)
{
	while (p->i < p->n && is_space(p->s[p->i]))
		p->i++;
}

/* A word: up to white space or a special character. */
static size_t word_end(const struct gp *p, size_t i)
{
	while (i < p->n && !is_space(p->s[i]) && !is_special(p->s[i]))
		i++;
	return i;
}

/* True if the word at the cursor is exactly w (case-sensitive, as Gmail wants OR/AND). */
static bool at_word(const struct gp *p, const char *w)
{
	size_t len = strlen(w);
	return p->n - p->i >= len && memcmp(p->s + p->i, w, len) == 0 &&
	       word_end(p, p->i) == p->i + len && p->i + len < p->n + 1;
}

enum op_kind {
	OP_STR, OP_IS, OP_HAS, OP_BEFORE, OP_AFTER, OP_OLDER_THAN, OP_NEWER_THAN, OP_LARGER,
	OP_SMALLER, OP_KEYWORD, OP_IN, OP_HEADER, OP_UNSUPPORTED,
};

static const struct gmail_op {
	const char *name;
	enum op_kind kind;
	enum imap_search_key key; /* OP_STR */
	const char *header;       /* OP_HEADER */
} gmail_ops[] = {
	{"from", OP_STR, IMAP_SK_FROM, NULL},
	{"to", OP_STR, IMAP_SK_TO, NULL},
	{"cc", OP_STR, IMAP_SK_CC, NULL},
	{"bcc", OP_STR, IMAP_SK_BCC, NULL},
	{"subject", OP_STR, IMAP_SK_SUBJECT, NULL},
	{"is", OP_IS, 0, NULL},
	{"has", OP_HAS, 0, NULL},
	{"before", OP_BEFORE, 0, NULL},
	{"older", OP_BEFORE, 0, NULL},
	{"after", OP_AFTER, 0, NULL},
	{"newer", OP_AFTER, 0, NULL},
	{"older_than", OP_OLDER_THAN, 0, NULL},
	{"newer_than", OP_NEWER_THAN, 0, NULL},
	{"larger", OP_LARGER, 0, NULL},
	{"size", OP_LARGER, 0, NULL},
	{"smaller", OP_SMALLER, 0, NULL},
	{"label", OP_KEYWORD, 0, NULL},
	{"in", OP_IN, 0, NULL},
	{"rfc822msgid", OP_HEADER, 0, "Message-ID"},
	{"deliveredto", OP_HEADER, 0, "Delivered-To"},
	{"list", OP_HEADER, 0, "List-Id"},
	{"filename", OP_UNSUPPORTED, 0, NULL},
	{"category", OP_UNSUPPORTED, 0, NULL},
};

static const struct gmail_op *find_op(const char *s, size_t len)
{
	for (size_t k = 0; k < sizeof gmail_ops / sizeof gmail_ops[0]; k++)
		if (strlen(gmail_ops[k].name) == len && strncasecmp(gmail_ops[k].name, s, len) == 0)
			return &gmail_ops[k];
	return NULL;
}

static struct imap_search *parse_and(struct gp *p, enum imap_search_key dflt, char closer);
static struct imap_search *parse_unary(struct gp *p, enum imap_search_key dflt);

/* A term's text: the string key dflt applied to value. */
static struct imap_search *term(struct gp *p, enum imap_search_key dflt, const char *v, size_t len)
{
	char *s = strndup(v, len);
	if (!s)
		return gp_error(p, "out of memory");
	struct imap_search *q = imap_search_str(dflt, s);
	free(s);
	return gp_check(p, q, "invalid search text");
}

static bool parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out, size_t *used)
{
	uint64_t v = 0;
	size_t i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return false;
		i++;
	}
	*out = v;
	*used = i;
	return i > 0;
}

/* YYYY/MM/DD, YYYY-MM-DD or MM/DD/YYYY. */
static bool parse_date(const char *s, size_t len, struct imap_date *d)
{
	uint64_t a, b, c;
	size_t u, pos = 0;
	if (!parse_uint(s, len, 9999, &a, &u))
		return false;
	pos += u;
	if (pos >= len || (s[pos] != '/' && s[pos] != '-'))
		return false;
	char sep = s[pos++];
	if (!parse_uint(s + pos, len - pos, 9999, &b, &u))
		return false;
	pos += u;
	if (pos >= len || s[pos] != sep)
		return false;
	pos++;
	if (!parse_uint(s + pos, len - pos, 9999, &c, &u) || pos + u != len)
		return false;
	if (u == 4 && sep == '/') /* MM/DD/YYYY */
		*d = (struct imap_date){(int)c, (int)a, (int)b};
	else
		*d = (struct imap_date){(int)a, (int)b, (int)c};
	return imap_date_valid(*d);
}

/* today minus N days / months / years ("7d", "2m", "1y"). */
static bool relative_date(struct imap_date today, const char *s, size_t len, struct imap_date *d)
{
	uint64_t n;
	size_t u;
	if (!parse_uint(s, len, 100000, &n, &u) || u + 1 != len)
		return false;
	char unit = s[u];
	if (unit == 'd' || unit == 'D') {
		*d = imap_date_from_days(imap_date_to_days(today) - (int64_t)n);
	} else if (unit == 'm' || unit == 'M' || unit == 'y' || unit == 'Y') {
		int64_t months = (int64_t)today.year * 12 + (today.month - 1) -
				 (int64_t)n * (unit == 'm' || unit == 'M' ? 1 : 12);
		if (months < 12)
			return false;
		d->year = (int)(months / 12);
		d->month = (int)(months % 12) + 1;
		d->day = today.day;
		while (d->day > 28 && !imap_date_valid(*d))
			d->day--; /* 31 March minus one month: the last day of February */
	} else {
		return false;
	}
	return imap_date_valid(*d);
}

/* 10, 10K, 10KB, 10M, 10MB. */
static bool parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t n, mult = 1;
	size_t u;
	if (!parse_uint(s, len, UINT32_MAX, &n, &u))
		return false;
	const char *suf = s + u;
	size_t sl = len - u;
	if (sl && (suf[0] == 'k' || suf[0] == 'K'))
		mult = 1024;
	else if (sl && (suf[0] == 'm' || suf[0] == 'M'))
		mult = 1024 * 1024;
	else if (sl)
		return false;
	if (sl == 2 && suf[1] != 'b' && suf[1] != 'B')
		return false;
	if (sl > 2 || n > UINT32_MAX / mult)
		return false;
	*out = n * mult;
	return true;
}

static bool value_is(const char *v, size_t len, const char *w)
{
	return strlen(w) == len && strncasecmp(v, w, len) == 0;
}

/* Applies operator op to the single value v[0..len). */
static struct imap_search *apply_op(struct gp *p, const struct gmail_op *op, const char *v,
				    size_t len)
{
	struct imap_date d;
	uint64_t n;
	switch (op->kind) {
	case OP_STR:
		return term(p, op->key, v, len);
	case OP_IS:
		if (value_is(v, len, "unread"))
			return gp_check(p, imap_search_key(IMAP_SK_UNSEEN), "");
		if (value_is(v, len, "read"))
			return gp_check(p, imap_search_key(IMAP_SK_SEEN), "");
		if (value_is(v, len, "starred") || value_is(v, len, "flagged"))
			return gp_check(p, imap_search_key(IMAP_SK_FLAGGED), "");
		if (value_is(v, len, "unstarred") || value_is(v, len, "unflagged"))
			return gp_check(p, imap_search_key(IMAP_SK_UNFLAGGED), "");
		return gp_error(p, "is:%.*s has no IMAP SEARCH equivalent (only on Gmail)", (int)len, v);
	case OP_HAS:
		if (value_is(v, len, "attachment"))
			return gp_check(p, imap_search_header("Content-Type", "multipart/mixed"), "");
		return gp_error(p, "has:%.*s has no IMAP SEARCH equivalent (only on Gmail)", (int)len, v);
	case OP_BEFORE:
	case OP_AFTER:
		if (!parse_date(v, len, &d))
			return gp_error(p, "%s: wants a date like 2024/02/01, not \"%.*s\"", op->name,
					(int)len, v);
		return gp_check(p, imap_search_date(op->kind == OP_BEFORE ? IMAP_SK_BEFORE : IMAP_SK_SINCE, d), "");
	case OP_OLDER_THAN:
	case OP_NEWER_THAN:
		if (!imap_date_valid(p->today) || !relative_date(p->today, v, len, &d))
			return gp_error(p, "%s: wants a number and d, m or y (like 7d), not \"%.*s\"",
					op->name, (int)len, v);
		return gp_check(p, imap_search_date(op->kind == OP_OLDER_THAN ? IMAP_SK_BEFORE : IMAP_SK_SINCE, d), "");
	case OP_LARGER:
	case OP_SMALLER:
		if (!parse_size(v, len, &n))
			return gp_error(p, "%s: wants a size like 10M, not \"%.*s\"", op->name, (int)len, v);
		return gp_check(p, imap_search_num(op->kind == OP_LARGER ? IMAP_SK_LARGER : IMAP_SK_SMALLER, n), "");
	case OP_IN: {
		static const char *const scopes[] = {"inbox", "anywhere", "sent", "drafts", "trash",
						     "spam", "chats", "important", "snoozed", "starred"};
		for (size_t k = 0; k < sizeof scopes / sizeof scopes[0]; k++)
			if (value_is(v, len, scopes[k]))
				return gp_error(p, "in:%s names a folder, which IMAP SEARCH cannot express: "
						   "open that folder instead", scopes[k]);
	}
		/* fall through */
	case OP_KEYWORD: {
		char *s = strndup(v, len);
		if (!s)
			return gp_error(p, "out of memory");
		struct imap_search *q = imap_search_str(IMAP_SK_KEYWORD, s);
		free(s);
		if (!q && errno != ENOMEM)
			return gp_error(p, "%s:%.*s cannot be an IMAP keyword", op->name, (int)len, v);
		return gp_check(p, q, "");
	}
	case OP_HEADER: {
		char *s = strndup(v, len);
		if (!s)
			return gp_error(p, "out of memory");
		struct imap_search *q = imap_search_header(op->header, s);
		free(s);
		return gp_check(p, q, "invalid header search");
	}
	default:
		return gp_error(p, "%s: cannot be translated to IMAP SEARCH (only on Gmail)", op->name);
	}
}

/* Reads a quoted phrase at the cursor ('"' ... '"'); no escapes, as in Gmail. */
static bool read_quoted(struct gp *p, const char **v, size_t *len)
{
	const char *end = memchr(p->s + p->i + 1, '"', p->n - p->i - 1);
	if (!end) {
		gp_error(p, "unterminated quote");
		return false;
	}
	*v = p->s + p->i + 1;
	*len = (size_t)(end - *v);
	p->i = (size_t)(end - p->s) + 1;
	return true;
}

static struct imap_search *parse_primary(struct gp *p, enum imap_search_key dflt)
{
	if (p->i >= p->n)
		return gp_error(p, "a term is missing at the end");
	char c = p->s[p->i];
	const char *v;
	size_t len;
	if (c == '(' || c == '{') {
		if (++p->depth > GMAIL_MAX_NESTING)
			return gp_error(p, "query nested too deeply");
		p->i++;
		struct imap_search *q;
		if (c == '(') {
			q = parse_and(p, dflt, ')');
		} else {
			q = NULL;
			for (;;) {
				skip_ws(p);
				if (p->i >= p->n)
					return imap_search_free(&q), gp_error(p, "missing }");
				if (p->s[p->i] == '}')
					break;
				struct imap_search *t = parse_unary(p, dflt);
				if (!t)
					return imap_search_free(&q), NULL;
				q = q ? gp_check(p, imap_search_or(q, t), "query nested too deeply") : t;
				if (!q)
					return NULL;
			}
			if (!q)
				return gp_error(p, "empty {}");
		}
		if (!q)
			return NULL;
		p->i++; /* the closer, checked by parse_and / the loop */
		p->depth--;
		return q;
	}
	if (c == ')' || c == '}')
		return gp_error(p, "unexpected %c", c);
	if (c == '"') {
		if (!read_quoted(p, &v, &len))
			return NULL;
		return term(p, dflt, v, len);
	}
	size_t start = p->i, end = word_end(p, start);
	v = p->s + start;
	len = end - start;
	if (value_is(v, len, "OR") && memcmp(v, "OR", 2) == 0)
		return gp_error(p, "OR needs a term on each side");
	if (len == 6 && memcmp(v, "AROUND", 6) == 0)
		return gp_error(p, "AROUND cannot be translated to IMAP SEARCH (only on Gmail)");
	const char *colon = memchr(v, ':', len);
	const struct gmail_op *op = colon && colon > v ? find_op(v, (size_t)(colon - v)) : NULL;
	if (!op) {
		p->i = end;
		if (len > 1 && v[0] == '+') /* Gmail's exact-word marker */
			return term(p, dflt, v + 1, len - 1);
		return term(p, dflt, v, len);
	}
	if (dflt != IMAP_SK_TEXT)
		return gp_error(p, "%s: cannot be used inside another operator's group", op->name);
	p->i = (size_t)(colon - p->s) + 1;
	if (p->i < p->n && p->s[p->i] == '"') {
		if (!read_quoted(p, &v, &len))
			return NULL;
		if (len == 0)
			return gp_error(p, "%s: needs a value", op->name);
		return apply_op(p, op, v, len);
	}
	if (p->i < p->n && (p->s[p->i] == '(' || p->s[p->i] == '{')) {
		if (op->kind != OP_STR)
			return gp_error(p, "%s: takes a single value, not a group", op->name);
		return parse_primary(p, op->key);
	}
	end = word_end(p, p->i);
	if (end == p->i)
		return gp_error(p, "%s: needs a value", op->name);
	v = p->s + p->i;
	p->i = end;
	return apply_op(p, op, v, end - (size_t)(v - p->s));
}

static struct imap_search *parse_unary(struct gp *p, enum imap_search_key dflt)
{
	if (p->i + 1 < p->n && p->s[p->i] == '-' && !is_space(p->s[p->i + 1])) {
		p->i++;
		struct imap_search *q = parse_primary(p, dflt);
		return q ? gp_check(p, imap_search_not(q), "query nested too deeply") : NULL;
	}
	return parse_primary(p, dflt);
}

static struct imap_search *parse_or(struct gp *p, enum imap_search_key dflt)
{
	struct imap_search *q = parse_unary(p, dflt);
	while (q) {
		size_t save = p->i;
		skip_ws(p);
		if (!at_word(p, "OR")) {
			p->i = save;
			break;
		}
		p->i += 2;
		skip_ws(p);
		if (p->i >= p->n || p->s[p->i] == ')' || p->s[p->i] == '}') {
			imap_search_free(&q);
			return gp_error(p, "OR needs a term on each side");
		}
		struct imap_search *t = parse_unary(p, dflt);
		if (!t) {
			imap_search_free(&q);
			return NULL;
		}
		q = gp_check(p, imap_search_or(q, t), "query nested too deeply");
	}
	return q;
}

static struct imap_search *parse_and(struct gp *p, enum imap_search_key dflt, char closer)
{
	struct imap_search *q = NULL;
	for (;;) {
		skip_ws(p);
		if (p->i >= p->n) {
			if (closer) {
				imap_search_free(&q);
				return gp_error(p, "missing %c", closer);
			}
			break;
		}
		if (p->s[p->i] == closer)
			break;
		if (at_word(p, "AND")) {
			p->i += 3;
			continue;
		}
		struct imap_search *t = parse_or(p, dflt);
		if (!t) {
			imap_search_free(&q);
			return NULL;
		}
		q = q ? gp_check(p, imap_search_and(q, t), "query nested too deeply") : t;
		if (!q)
			return NULL;
	}
	if (!q) {
		if (closer)
			return gp_error(p, "empty ()");
		return gp_check(p, imap_search_key(IMAP_SK_ALL), "");
	}
	return q;
}

struct imap_search *imap_search_from_gmail_syntax_at(const char *q, bool gmail,
						     struct imap_date today, char *err,
						     size_t errlen)
{
	struct gp p = {.s = q ? q : "", .today = today, .err = err, .errlen = errlen};
	p.n = strlen(p.s);
	if (errlen)
		err[0] = '\0';
	if (gmail) {
		size_t a = 0, b = p.n;
		while (a < b && is_space(p.s[a]))
			a++;
		while (b > a && is_space(p.s[b - 1]))
			b--;
		if (a == b)
			return gp_check(&p, imap_search_key(IMAP_SK_ALL), "");
		return term(&p, IMAP_SK_X_GM_RAW, p.s + a, b - a);
	}
	struct imap_search *r = parse_and(&p, IMAP_SK_TEXT, '\0');
	if (r && p.failed)
		imap_search_free(&r);
	return r;
}

struct imap_search *imap_search_from_gmail_syntax(const char *q, bool gmail, char *err,
						  size_t errlen)
{
	struct imap_date today = {0, 0, 0};
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm))
		today = (struct imap_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	return imap_search_from_gmail_syntax_at(q, gmail, today, err, errlen);
}
