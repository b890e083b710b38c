#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "imap/parser.h"
#include "mail/cache_int.h"
#include "mail/mime.h"

/* Deepest body structure written and read back (the parser's own limit is set to match). */
#define BODY_DEPTH_MAX 64u
#define SECTION_MAX 128
/* A body part is marked used again only when its mark is older than this (fewer writes). */
#define BODY_TOUCH_SECONDS 60

/* ---- BODYSTRUCTURE as IMAP text ------------------------------------------------------------- */

static int put(struct buf *out, const char *s)
{
	return buf_append_str(out, s) == BUF_OK ? 0 : -1;
}

/* NIL, a quoted string, or a literal for anything not printable ASCII (NUL bytes dropped). */
static int put_str(struct buf *out, struct imap_str s)
{
	if (!s.p)
		return put(out, "NIL");
	bool quoted = true;
	size_t nul = 0;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.p[i];
		if (ch == 0)
			nul++;
		if (ch < 0x20 || ch > 0x7e)
			quoted = false;
	}
	if (quoted) {
		if (buf_append_byte(out, '"') != BUF_OK)
			return -1;
		for (size_t i = 0; i < s.len; i++) {
			char ch = s.p[i];
			if ((ch == '"' || ch == '\\') && buf_append_byte(out, '\\') != BUF_OK)
				return -1;
			if (buf_append_byte(out, (unsigned char)ch) != BUF_OK)
				return -1;
		}
		return buf_append_byte(out, '"') == BUF_OK ? 0 : -1;
	}
	if (buf_printf(out, "{%zu}\r\n", s.len - nul) != BUF_OK)
		return -1;
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] && buf_append_byte(out, (unsigned char)s.p[i]) != BUF_OK)
			return -1;
	return 0;
}

/* A string the grammar does not allow to be NIL. */
static int put_nnstr(struct buf *out, struct imap_str s)
{
	return put_str(out, s.p ? s : (struct imap_str){ "", 0 });
}

static int put_params(struct buf *out, const struct imap_params *p)
{
	if (p->n == 0)
		return put(out, "NIL");
	if (put(out, "(") < 0)
		return -1;
	for (size_t i = 0; i < p->n; i++) {
		if ((i && put(out, " ") < 0) || put_nnstr(out, p->v[i].name) < 0 || put(out, " ") < 0 ||
		    put_str(out, p->v[i].value) < 0)
			return -1;
	}
	return put(out, ")");
}

static int put_addrs(struct buf *out, const struct imap_addrlist *l)
{
	if (l->n == 0)
		return put(out, "NIL");
	if (put(out, "(") < 0)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct imap_address *a = &l->v[i];
		if (put(out, "(") < 0 || put_str(out, a->name) < 0 || put(out, " ") < 0 ||
		    put_str(out, a->adl) < 0 || put(out, " ") < 0 || put_str(out, a->mailbox) < 0 ||
		    put(out, " ") < 0 || put_str(out, a->host) < 0 || put(out, ")") < 0)
			return -1;
	}
	return put(out, ")");
}

static int put_envelope(struct buf *out, const struct imap_envelope *e)
{
	if (!e)
		return put(out, "NIL");
	const struct imap_addrlist *l[] = { &e->from, &e->sender, &e->reply_to, &e->to, &e->cc,
					    &e->bcc };
	if (put(out, "(") < 0 || put_str(out, e->date) < 0 || put(out, " ") < 0 ||
	    put_str(out, e->subject) < 0)
		return -1;
	for (size_t i = 0; i < sizeof l / sizeof l[0]; i++)
		if (put(out, " ") < 0 || put_addrs(out, l[i]) < 0)
			return -1;
	if (put(out, " ") < 0 || put_str(out, e->in_reply_to) < 0 || put(out, " ") < 0 ||
	    put_str(out, e->message_id) < 0)
		return -1;
	return put(out, ")");
}

/* disposition, language, location */
static int put_ext_tail(struct buf *out, const struct imap_body *b)
{
	if (put(out, " ") < 0)
		return -1;
	if (!b->disposition.p) {
		if (put(out, "NIL") < 0)
			return -1;
	} else if (put(out, "(") < 0 || put_str(out, b->disposition) < 0 || put(out, " ") < 0 ||
		   put_params(out, &b->disposition_params) < 0 || put(out, ")") < 0) {
		return -1;
	}
	if (put(out, " ") < 0)
		return -1;
	if (b->language.n == 0) {
		if (put(out, "NIL") < 0)
			return -1;
	} else if (b->language.n == 1) {
		if (put_nnstr(out, b->language.v[0]) < 0)
			return -1;
	} else {
		if (put(out, "(") < 0)
			return -1;
		for (size_t i = 0; i < b->language.n; i++)
			if ((i && put(out, " ") < 0) || put_nnstr(out, b->language.v[i]) < 0)
				return -1;
		if (put(out, ")") < 0)
			return -1;
	}
	return (put(out, " ") < 0 || put_str(out, b->location) < 0) ? -1 : 0;
}

static int put_body(struct buf *out, const struct imap_body *b, unsigned depth)
{
	if (depth >= BODY_DEPTH_MAX || put(out, "(") < 0)
		return -1;
	if (b->kind == IMAP_BODY_MULTIPART) {
		if (b->n_parts == 0)
			return -1;
		for (size_t i = 0; i < b->n_parts; i++)
			if (put_body(out, &b->parts[i], depth + 1) < 0)
				return -1;
		if (put(out, " ") < 0 || put_nnstr(out, b->subtype) < 0)
			return -1;
		if (b->has_ext && (put(out, " ") < 0 || put_params(out, &b->params) < 0 ||
				   put_ext_tail(out, b) < 0))
			return -1;
		return put(out, ")");
	}
	if (put_nnstr(out, b->type) < 0 || put(out, " ") < 0 || put_nnstr(out, b->subtype) < 0 ||
	    put(out, " ") < 0 || put_params(out, &b->params) < 0 || put(out, " ") < 0 ||
	    put_str(out, b->id) < 0 || put(out, " ") < 0 || put_str(out, b->description) < 0 ||
	    put(out, " ") < 0 || put_str(out, b->encoding) < 0 ||
	    buf_printf(out, " %u", (unsigned)b->size) != BUF_OK)
		return -1;
	if (b->kind == IMAP_BODY_TEXT && buf_printf(out, " %u", (unsigned)b->lines) != BUF_OK)
		return -1;
	if (b->kind == IMAP_BODY_MESSAGE) {
		if (put(out, " ") < 0 || put_envelope(out, b->envelope) < 0 || put(out, " ") < 0)
			return -1;
		if (b->body ? put_body(out, b->body, depth + 1) < 0 : put(out, "NIL") < 0)
			return -1;
		if (buf_printf(out, " %u", (unsigned)b->lines) != BUF_OK)
			return -1;
	}
	if (b->has_ext && (put(out, " ") < 0 || put_str(out, b->md5) < 0 || put_ext_tail(out, b) < 0))
		return -1;
	return put(out, ")");
}

int cache_bodystructure_encode(const struct imap_body *b, struct buf *out)
{
	if (!b || !out)
		return -1;
	size_t mark = buf_len(out);
	if (put_body(out, b, 0) < 0) {
		/* leave out as it was (struct buf's fields are public; keep its NUL) */
		out->len = mark;
		if (out->mem)
			out->mem[out->off + mark] = '\0';
		return -1;
	}
	return 0;
}

struct tree_ctx {
	const struct mime_limits *lim;
	struct mime_tree *tree;
	bool seen;
};

static void tree_response(void *ctx, const struct imap_response *r)
{
	struct tree_ctx *tc = ctx;
	if (tc->seen || r->kind != IMAP_RESP_FETCH)
		return;
	tc->seen = true;
	if (r->u.fetch.bodystructure)
		tc->tree = mime_tree_from_imap(r->u.fetch.bodystructure, tc->lim);
}

struct mime_tree *cache_bodystructure_tree(const char *text, size_t len,
					   const struct mime_limits *lim)
{
	if (!text || len == 0 || len > CACHE_BODYSTRUCT_MAX)
		return NULL;
	struct imap_parser_limits pl = {
		.max_line = CACHE_BODYSTRUCT_MAX + 64,
		.max_depth = 4 * BODY_DEPTH_MAX,
		.max_body_depth = BODY_DEPTH_MAX,
		.max_literal = CACHE_BODYSTRUCT_MAX,
		.inline_literal = CACHE_BODYSTRUCT_MAX,
		.max_inline_total = 2 * CACHE_BODYSTRUCT_MAX,
	};
	struct imap_parser_callbacks cb = { .response = tree_response };
	struct tree_ctx tc = { .lim = lim };
	struct imap_parser *p = imap_parser_new(&pl, &cb, &tc);
	if (!p)
		return NULL;
	static const char head[] = "* 1 FETCH (BODYSTRUCTURE ", tail[] = ")\r\n";
	if (imap_parser_feed(p, head, sizeof head - 1) == IMAP_PARSE_OK &&
	    imap_parser_feed(p, text, len) == IMAP_PARSE_OK)
		(void)imap_parser_feed(p, tail, sizeof tail - 1);
	imap_parser_free(&p);
	return tc.tree;
}

enum cache_result cache_msg_bodystructure(struct cache *c, const char *mbox, uint32_t uidvalidity,
					  uint32_t uid, struct buf *out)
{
	if (!out || uid == 0)
		return cache_ready(c) == CACHE_OK ? CACHE_INVALID : CACHE_DISABLED;
	int64_t id;
	enum cache_result r = cache_mbox_for_read(c, mbox, uidvalidity, &id);
	if (r != CACHE_OK)
		return r;
	sqlite3_stmt *s = cache_stmt(c, ST_STRUCT_GET);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, cache_key(id, uid));
	sqlite3_bind_int64(s, 2, uidvalidity);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const void *d = sqlite3_column_blob(s, 0);
		size_t n = (size_t)sqlite3_column_bytes(s, 0);
		enum buf_result br = n ? buf_append(out, d, n) : BUF_OK;
		sqlite3_reset(s);
		return br == BUF_OK ? CACHE_OK : br == BUF_TOO_BIG ? CACHE_TOO_BIG : CACHE_NOMEM;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? CACHE_NOTFOUND : cache_fail(c, rc, "structure get");
}

enum cache_result cache_msg_mime_tree(struct cache *c, const char *mbox, uint32_t uidvalidity,
				      uint32_t uid, const struct mime_limits *lim,
				      struct mime_tree **out)
{
	if (!out)
		return cache_ready(c) == CACHE_OK ? CACHE_INVALID : CACHE_DISABLED;
	*out = NULL;
	struct buf b;
	buf_init(&b, CACHE_BODYSTRUCT_MAX);
	enum cache_result r = cache_msg_bodystructure(c, mbox, uidvalidity, uid, &b);
	if (r == CACHE_OK) {
		*out = cache_bodystructure_tree(buf_data(&b), buf_len(&b), lim);
		if (!*out)
			r = CACHE_NOTFOUND; /* damaged: as if never stored */
	}
	buf_free(&b);
	return r;
}

/* ---- body parts ----------------------------------------------------------------------------- */

static bool section_valid(const char *s)
{
	return s && s[0] && strlen(s) <= SECTION_MAX;
}

/* Inside a transaction: drops least recently used parts until the total fits the budget
 * (down to 90% of it, so that eviction does not run on every put). */
static enum cache_result evict(struct cache *c)
{
	sqlite3_stmt *s = cache_stmt(c, ST_BODY_TOTAL);
	if (!s)
		return CACHE_ERROR;
	int rc = sqlite3_step(s);
	double total = rc == SQLITE_ROW ? sqlite3_column_double(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return cache_fail(c, rc, "body total");
	if (total <= (double)c->o.body_budget)
		return CACHE_OK;
	double target = (double)c->o.body_budget * 0.9;
	int64_t ids[256];
	size_t n = 0;
	enum cache_result r = CACHE_OK;
	while (r == CACHE_OK && total > target) {
		s = cache_stmt(c, ST_BODY_LRU);
		if (!s)
			return CACHE_ERROR;
		n = 0;
		while (n < sizeof ids / sizeof ids[0] && total > target &&
		       (rc = sqlite3_step(s)) == SQLITE_ROW) {
			ids[n++] = sqlite3_column_int64(s, 0);
			total -= (double)sqlite3_column_int64(s, 1);
		}
		sqlite3_reset(s);
		if (n == 0)
			break;
		for (size_t i = 0; r == CACHE_OK && i < n; i++) {
			sqlite3_stmt *d = cache_stmt(c, ST_BODY_DELETE_ID);
			if (!d)
				return CACHE_ERROR;
			sqlite3_bind_int64(d, 1, ids[i]);
			r = cache_step_done(c, d, "body evict");
		}
	}
	return r;
}

enum cache_result cache_body_put(struct cache *c, const char *mbox, uint32_t uidvalidity,
				 uint32_t uid, const char *section, const void *data, size_t len)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cache_name_valid(mbox) || uidvalidity == 0 || uid == 0 || !section_valid(section) ||
	    (len && !data))
		return CACHE_INVALID;
	if (len > c->o.part_max || len > (size_t)INT32_MAX)
		return CACHE_TOO_BIG;
	if ((r = cache_begin(c)) != CACHE_OK)
		return r;
	int64_t id;
	r = cache_mbox_for_write(c, mbox, uidvalidity, &id);
	sqlite3_stmt *s = r == CACHE_OK ? cache_stmt(c, ST_BODY_PUT) : NULL;
	if (s) {
		sqlite3_bind_int64(s, 1, cache_key(id, uid));
		sqlite3_bind_int64(s, 2, uidvalidity);
		sqlite3_bind_text(s, 3, section, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, (int64_t)time(NULL));
		sqlite3_bind_int64(s, 5, (int64_t)len);
		sqlite3_bind_blob(s, 6, len ? data : "", (int)len, SQLITE_STATIC);
		r = cache_step_done(c, s, "body put");
		if (r == CACHE_OK)
			r = evict(c);
	} else if (r == CACHE_OK) {
		r = CACHE_ERROR;
	}
	if (r != CACHE_OK) {
		cache_rollback(c);
		return r;
	}
	return cache_commit(c);
}

enum cache_result cache_body_get(struct cache *c, const char *mbox, uint32_t uidvalidity,
				 uint32_t uid, const char *section, struct buf *out)
{
	if (!out || uid == 0 || !section_valid(section))
		return cache_ready(c) == CACHE_OK ? CACHE_INVALID : CACHE_DISABLED;
	int64_t id;
	enum cache_result r = cache_mbox_for_read(c, mbox, uidvalidity, &id);
	if (r != CACHE_OK)
		return r;
	sqlite3_stmt *s = cache_stmt(c, ST_BODY_GET);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, cache_key(id, uid));
	sqlite3_bind_text(s, 2, section, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, uidvalidity);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? CACHE_NOTFOUND : cache_fail(c, rc, "body get");
	}
	int64_t bid = sqlite3_column_int64(s, 0);
	int64_t used = sqlite3_column_int64(s, 1);
	const void *d = sqlite3_column_blob(s, 2);
	size_t n = (size_t)sqlite3_column_bytes(s, 2);
	enum buf_result br = n ? buf_append(out, d, n) : BUF_OK;
	sqlite3_reset(s);
	if (br != BUF_OK)
		return br == BUF_TOO_BIG ? CACHE_TOO_BIG : CACHE_NOMEM;
	int64_t now = (int64_t)time(NULL);
	if (now - used >= BODY_TOUCH_SECONDS) {
		/* Best effort: a busy file only costs the LRU some precision. */
		sqlite3_stmt *u = cache_stmt(c, ST_BODY_TOUCH);
		if (u) {
			sqlite3_bind_int64(u, 1, bid);
			sqlite3_bind_int64(u, 2, now);
			r = cache_step_done(c, u, "body touch");
			if (r == CACHE_BUSY)
				r = CACHE_OK;
		}
	}
	return r == CACHE_OK ? CACHE_OK : r;
}

enum cache_result cache_body_usage(struct cache *c, uint64_t *bytes, uint64_t *parts)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	sqlite3_stmt *s = cache_stmt(c, ST_BODY_TOTAL);
	if (!s)
		return CACHE_ERROR;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (bytes)
			*bytes = (uint64_t)sqlite3_column_double(s, 0);
		if (parts)
			*parts = (uint64_t)sqlite3_column_int64(s, 1);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? CACHE_OK : cache_fail(c, rc, "body usage");
}
