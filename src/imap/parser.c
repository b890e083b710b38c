/* parser — framing (stage 1), arena, errors and the public API; see parser.h / parser_int.h. */
#include "config.h"

#include "imap/parser_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"

/* ---- arena ---------------------------------------------------------------------------- */

#define ARENA_CHUNK ((size_t)64 << 10)

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->ptr = a->end = NULL;
	a->used = a->peak = 0;
}

void *arena_alloc_slow(struct arena *a, size_t n)
{
	size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
	if (size > SIZE_MAX - sizeof(struct arena_chunk))
		return NULL;
	struct arena_chunk *ch = malloc(sizeof *ch + size);
	if (!ch)
		return NULL;
	ch->size = size;
	/* A big one-off block goes behind the current chunk so the bump space is kept. */
	if (a->head && n > ARENA_CHUNK / 4) {
		ch->next = a->head->next;
		a->head->next = ch;
		a->used += sizeof *ch + size;
		if (a->used > a->peak)
			a->peak = a->used;
		return ch->data;
	}
	ch->next = a->head;
	a->head = ch;
	a->ptr = ch->data + n;
	a->end = ch->data + size;
	a->used += sizeof *ch + size;
	if (a->used > a->peak)
		a->peak = a->used;
	return ch->data;
}

/* Keeps one standard chunk for the next response; frees the rest. */
void arena_reset(struct arena *a)
{
	struct arena_chunk *keep = NULL, *ch = a->head;
	while (ch) {
		struct arena_chunk *next = ch->next;
		if (!keep && ch->size == ARENA_CHUNK)
			keep = ch;
		else
			free(ch);
		ch = next;
	}
	a->head = keep;
	if (keep) {
		keep->next = NULL;
		a->ptr = keep->data;
		a->end = keep->data + keep->size;
		a->used = sizeof *keep + keep->size;
	} else {
		a->ptr = a->end = NULL;
		a->used = 0;
	}
}

void arena_free(struct arena *a)
{
	struct arena_chunk *ch = a->head;
	while (ch) {
		struct arena_chunk *next = ch->next;
		free(ch);
		ch = next;
	}
	a->head = NULL;
	a->ptr = a->end = NULL;
	a->used = 0;
}

/* ---- errors ---------------------------------------------------------------------------- */

void escape_bytes(char *out, size_t outsz, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (!outsz)
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			if (o + 1 >= outsz)
				break;
			out[o++] = (char)ch;
		} else {
			if (o + 4 >= outsz)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
}

_Noreturn void perr(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, ERRBUF, fmt, ap);
	va_end(ap);
	longjmp(c->jb, PJ_ERROR);
}

_Noreturn void perr_unexpected(struct pctx *c, const char *what)
{
	if (c->p >= c->end)
		perr(c, "unexpected end of response in %s", what);
	char esc[8];
	escape_bytes(esc, sizeof esc, c->p, 1);
	perr(c, "unexpected character '%s' in %s", esc, what);
}

_Noreturn void perr_nomem(struct pctx *c)
{
	snprintf(c->err, ERRBUF, "out of memory");
	longjmp(c->jb, PJ_NOMEM);
}

void *pzalloc(struct pctx *c, size_t n)
{
	void *r = palloc(c, n);
	memset(r, 0, n);
	return r;
}

void count_items(struct pctx *c, size_t n)
{
	c->items += n;
	if (c->items > c->lim->max_items)
		perr(c, "more than %zu items in one response", c->lim->max_items);
}

void *pvec_grow(struct pctx *c, struct pvec *v, size_t esz)
{
	size_t ncap = v->cap ? v->cap * 2 : 4;
	if (ncap > SIZE_MAX / esz)
		perr_nomem(c);
	char *nv = palloc(c, ncap * esz);
	if (v->n)
		memcpy(nv, v->v, v->n * esz);
	v->v = nv;
	v->cap = ncap;
	return nv;
}

/* ---- the parser ------------------------------------------------------------------------ */

/* Large literals (each streamed or probed) allowed in one response. */
#define MAX_STREAMED 1024

enum fstate {
	ST_LINE,       /* collecting a line segment */
	ST_LIT_INLINE, /* literal bytes appended to the buffer */
	ST_LIT_STREAM, /* literal bytes passed to cb->literal_chunk */
	ST_DEAD,
};

struct imap_parser {
	struct imap_parser_limits lim;
	struct imap_parser_callbacks cb;
	void *ctx;

	enum fstate st;
	struct buf buf;      /* a partial response (framed bytes) */
	size_t seg_start;    /* start of the current line segment in buf */
	size_t nonlit;       /* non-literal bytes of the current response */
	size_t inline_total; /* inline literal bytes of the current response */
	uint64_t lit_left;   /* bytes of the current literal still to come */

	struct lit_ent *lits; /* streamed literals of the current response */
	size_t n_lits, cap_lits;
	struct imap_literal_info info; /* the literal being streamed */

	struct arena arena;
	struct imap_response resp;

	bool paused, in_cb, busy;
	size_t consumed;
	struct imap_parser_stats stats;
	char err[ERRBUF];
};

static void set_defaults(struct imap_parser_limits *l)
{
	if (!l->max_line)
		l->max_line = IMAP_PARSER_DEFAULT_MAX_LINE;
	if (!l->max_depth)
		l->max_depth = IMAP_PARSER_DEFAULT_MAX_DEPTH;
	if (!l->max_body_depth)
		l->max_body_depth = IMAP_PARSER_DEFAULT_MAX_BODY_DEPTH;
	if (!l->max_literal)
		l->max_literal = IMAP_PARSER_DEFAULT_MAX_LITERAL;
	if (!l->max_items)
		l->max_items = IMAP_PARSER_DEFAULT_MAX_ITEMS;
	if (!l->inline_literal)
		l->inline_literal = IMAP_PARSER_DEFAULT_INLINE_LITERAL;
	if (!l->max_inline_total)
		l->max_inline_total = IMAP_PARSER_DEFAULT_MAX_INLINE_TOTAL;
	if (!l->max_text)
		l->max_text = IMAP_PARSER_DEFAULT_MAX_TEXT;
	/* keep the sums below from overflowing */
	if (l->max_line > SIZE_MAX / 4)
		l->max_line = SIZE_MAX / 4;
	if (l->max_inline_total > SIZE_MAX / 4)
		l->max_inline_total = SIZE_MAX / 4;
}

struct imap_parser *imap_parser_new(const struct imap_parser_limits *lim,
				    const struct imap_parser_callbacks *cb, void *ctx)
{
	if (!cb || !cb->response)
		return NULL;
	struct imap_parser *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	if (lim)
		p->lim = *lim;
	set_defaults(&p->lim);
	p->cb = *cb;
	p->ctx = ctx;
	p->st = ST_LINE;
	/* framed bytes: every non-literal byte plus inline literal bytes */
	buf_init(&p->buf, p->lim.max_line + p->lim.max_inline_total);
	arena_init(&p->arena);
	return p;
}

void imap_parser_free(struct imap_parser **pp)
{
	if (!pp || !*pp)
		return;
	struct imap_parser *p = *pp;
	buf_free(&p->buf);
	arena_free(&p->arena);
	free(p->lits);
	free(p);
	*pp = NULL;
}

const char *imap_parser_error(const struct imap_parser *p)
{
	return p->st == ST_DEAD ? p->err : NULL;
}

void imap_parser_pause(struct imap_parser *p)
{
	if (p->in_cb)
		p->paused = true;
}

size_t imap_parser_consumed(const struct imap_parser *p)
{
	return p->consumed;
}

bool imap_parser_idle(const struct imap_parser *p)
{
	return p->st == ST_LINE && buf_len(&p->buf) == 0;
}

void imap_parser_get_stats(const struct imap_parser *p, struct imap_parser_stats *st)
{
	*st = p->stats;
	st->arena_peak = p->arena.peak;
}

static enum imap_parse_result fail(struct imap_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum imap_parse_result fail(struct imap_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
	p->st = ST_DEAD;
	buf_free(&p->buf);
	arena_reset(&p->arena);
	return IMAP_PARSE_ERROR;
}

/* Resets the per-response framing state after a response was delivered. */
static void frame_reset(struct imap_parser *p)
{
	buf_reset(&p->buf);
	/* don't hold on to a huge buffer between responses */
	if (p->buf.size > ((size_t)256 << 10))
		buf_free(&p->buf);
	p->seg_start = 0;
	p->nonlit = 0;
	p->inline_total = 0;
	p->n_lits = 0;
}

/*
 * Runs stage 2 over base[0..len). Returns 0 and fills p->resp, or a PJ_* code (message in
 * p->err). In probe mode the literal announced at the very end (data at offset len) is pending.
 */
static int run_parse(struct imap_parser *p, const char *base, size_t len, bool probe,
		     struct pctx *c)
{
	arena_reset(&p->arena);
	c->base = c->p = base;
	c->end = base + len;
	c->lim = &p->lim;
	c->a = &p->arena;
	c->err = p->err;
	c->items = 0;
	c->depth = 0;
	c->lits = p->lits;
	c->n_lits = p->n_lits;
	c->lit_i = 0;
	c->probe = probe;
	c->pending_off = len;
	c->stream_ok = false;
	c->fetch_seq = c->fetch_uid = 0;
	c->cur_sec = NULL;
	c->probe_size = 0;
	c->probe_binary = false;
	int rc = setjmp(c->jb);
	if (rc == 0) {
		memset(&p->resp, 0, sizeof p->resp);
		parse_response(c, &p->resp);
		if (probe) {
			/* the pending literal was never reached: cannot happen, but be safe */
			snprintf(p->err, sizeof p->err, "misplaced literal");
			return PJ_ERROR;
		}
	}
	return rc;
}

static enum imap_parse_result deliver(struct imap_parser *p, const char *base, size_t len)
{
	struct pctx c;
	/* Stray empty lines are skipped (lenient, harmless). */
	if (len <= 2 && (len == 1 || base[0] == '\r')) {
		frame_reset(p);
		return IMAP_PARSE_OK;
	}
	int rc = run_parse(p, base, len, false, &c);
	if (rc != 0) {
		char msg[ERRBUF];
		memcpy(msg, p->err, sizeof msg);
		return fail(p, "%s", msg);
	}
	p->stats.responses++;
	p->in_cb = true;
	p->cb.response(p->ctx, &p->resp);
	p->in_cb = false;
	arena_reset(&p->arena);
	frame_reset(p);
	return IMAP_PARSE_OK;
}

/* Bounds the message text for a bad literal announcement. */
static enum imap_parse_result literal_error(struct imap_parser *p, const char *s, size_t n,
					    bool syntax)
{
	char esc[64];
	if (syntax) {
		escape_bytes(esc, sizeof esc, s, n > 40 ? 40 : n);
		return fail(p, "bad literal length '{%s%s}'", esc, n > 40 ? "..." : "");
	}
	escape_bytes(esc, sizeof esc, s, n > 40 ? 40 : n);
	return fail(p, "literal of %s%s bytes exceeds the %" PRIu64 "-byte limit", esc,
		    n > 40 ? "..." : "", p->lim.max_literal);
}

/*
 * Looks at a line segment seg[0..len) that ends in LF. Returns 0 if it does not announce a
 * literal, 1 if it does (*n = size), -1 on a bad announcement (parser failed).
 */
static int segment_literal(struct imap_parser *p, const char *seg, size_t len, uint64_t *n)
{
	size_t e = len - 1; /* the LF */
	if (e > 0 && seg[e - 1] == '\r')
		e--;
	if (e < 3 || seg[e - 1] != '}')
		return 0;
	size_t i = e - 1;
	while (i > 0 && ((seg[i - 1] >= '0' && seg[i - 1] <= '9') || seg[i - 1] == '+' ||
			 seg[i - 1] == '-'))
		i--;
	if (i == 0 || seg[i - 1] != '{' || i == e - 1)
		return 0;
	const char *d = seg + i;
	size_t nd = e - 1 - i;
	uint64_t v = 0;
	bool over = false;
	for (size_t k = 0; k < nd; k++) {
		if (d[k] < '0' || d[k] > '9') {
			literal_error(p, d, nd, true);
			return -1;
		}
		unsigned dig = (unsigned)(d[k] - '0');
		if (v > (UINT64_MAX - dig) / 10)
			over = true;
		else
			v = v * 10 + dig;
	}
	if (over || v > p->lim.max_literal) {
		literal_error(p, d, nd, false);
		return -1;
	}
	*n = v;
	return 1;
}

static bool add_lit(struct imap_parser *p, size_t off, uint64_t size)
{
	if (p->n_lits == p->cap_lits) {
		size_t ncap = p->cap_lits ? p->cap_lits * 2 : 4;
		struct lit_ent *nl = realloc(p->lits, ncap * sizeof *nl);
		if (!nl)
			return false;
		p->lits = nl;
		p->cap_lits = ncap;
	}
	p->lits[p->n_lits].off = off;
	p->lits[p->n_lits].size = size;
	p->n_lits++;
	return true;
}

static void note_buffered(struct imap_parser *p)
{
	if (buf_len(&p->buf) > p->stats.buffered_peak)
		p->stats.buffered_peak = buf_len(&p->buf);
}

static enum imap_parse_result line_too_long(struct imap_parser *p)
{
	return fail(p, "line longer than %zu bytes", p->lim.max_line);
}

static enum imap_parse_result inline_too_big(struct imap_parser *p)
{
	return fail(p, "literals held inline in one response exceed %zu bytes",
		    p->lim.max_inline_total);
}

/*
 * A literal of n bytes was announced at the end of the buffered segment. Decides inline or
 * streamed and sets the state.
 */
static enum imap_parse_result begin_literal(struct imap_parser *p, uint64_t n)
{
	if (n == 0) {
		p->seg_start = buf_len(&p->buf);
		return IMAP_PARSE_OK;
	}
	if (n > p->lim.inline_literal) {
		/* each one costs a re-parse of the buffered prefix: bound the work per response */
		if (p->n_lits >= MAX_STREAMED)
			return fail(p, "more than %d large literals in one response", MAX_STREAMED);
		struct pctx c;
		int rc = run_parse(p, buf_data(&p->buf), buf_len(&p->buf), true, &c);
		if (rc == PJ_PROBE_HIT) {
			struct imap_literal_info *in = &p->info;
			const struct imap_section_data *sd = c.cur_sec;
			memset(in, 0, sizeof *in);
			in->seq = c.fetch_seq;
			in->uid = c.fetch_uid;
			in->item = sd->item;
			in->section = &sd->section;
			in->has_origin = sd->has_origin;
			in->origin = sd->origin;
			in->binary = c.probe_binary;
			in->size = n;
			in->offset = 0;
			if (!add_lit(p, buf_len(&p->buf), n))
				return fail(p, "out of memory");
			p->lit_left = n;
			p->st = ST_LIT_STREAM;
			return IMAP_PARSE_OK;
		}
		if (rc != PJ_PROBE_OTHER) {
			char msg[ERRBUF];
			memcpy(msg, p->err, sizeof msg);
			return fail(p, "%s", msg);
		}
		/* not a body section: held inline, within the per-response budget */
	}
	if (n > p->lim.max_inline_total - p->inline_total)
		return inline_too_big(p);
	p->inline_total += (size_t)n;
	p->lit_left = n;
	p->st = ST_LIT_INLINE;
	return IMAP_PARSE_OK;
}

/*
 * Fast path: the response starts at d[0] and nothing is buffered. If the whole response is in
 * d[0..n) with only small literals, returns its length (> 0). Returns 0 when it is incomplete
 * or needs streaming (the slow path takes over), or -1 after failing the parser.
 */
static long scan_inplace(struct imap_parser *p, const char *d, size_t n, size_t *len)
{
	size_t pos = 0, nonlit = 0, inl = 0;
	for (;;) {
		const char *nl = memchr(d + pos, '\n', n - pos);
		if (!nl) {
			if (nonlit + (n - pos) > p->lim.max_line) {
				line_too_long(p);
				return -1;
			}
			return 0;
		}
		size_t seg = (size_t)(nl - (d + pos)) + 1;
		nonlit += seg;
		if (nonlit > p->lim.max_line) {
			line_too_long(p);
			return -1;
		}
		uint64_t lit;
		int r = segment_literal(p, d + pos, seg, &lit);
		if (r < 0)
			return -1;
		pos += seg;
		if (r == 0) {
			*len = pos;
			return 1;
		}
		if (lit > p->lim.inline_literal || lit > n - pos)
			return 0;
		if (lit > p->lim.max_inline_total - inl)
			return 0; /* the slow path reports it */
		inl += (size_t)lit;
		pos += (size_t)lit;
	}
}

enum imap_parse_result imap_parser_feed(struct imap_parser *p, const char *data, size_t len)
{
	size_t pos = 0;
	enum imap_parse_result rc = IMAP_PARSE_OK;
	p->consumed = 0;
	p->paused = false;
	if (p->st == ST_DEAD)
		return IMAP_PARSE_ERROR;
	if (p->busy) /* called from one of its own callbacks */
		return fail(p, "imap_parser_feed called from a parser callback");
	p->busy = true;

	while (pos < len) {
		switch (p->st) {
		case ST_LINE: {
			if (buf_len(&p->buf) == 0) {
				size_t rlen;
				long f = scan_inplace(p, data + pos, len - pos, &rlen);
				if (f < 0) {
					rc = IMAP_PARSE_ERROR;
					goto out;
				}
				if (f > 0) {
					rc = deliver(p, data + pos, rlen);
					if (rc != IMAP_PARSE_OK)
						goto out;
					pos += rlen;
					p->stats.bytes += rlen;
					if (p->paused) {
						rc = IMAP_PARSE_PAUSED;
						goto out;
					}
					continue;
				}
			}
			const char *nl = memchr(data + pos, '\n', len - pos);
			size_t take = nl ? (size_t)(nl - (data + pos)) + 1 : len - pos;
			if (take > p->lim.max_line - p->nonlit) {
				rc = line_too_long(p);
				goto out;
			}
			if (buf_append(&p->buf, data + pos, take) != BUF_OK) {
				rc = fail(p, "out of memory");
				goto out;
			}
			note_buffered(p);
			p->nonlit += take;
			pos += take;
			p->stats.bytes += take;
			if (!nl)
				break;
			uint64_t n;
			int r = segment_literal(p, buf_data(&p->buf) + p->seg_start,
						buf_len(&p->buf) - p->seg_start, &n);
			if (r < 0) {
				rc = IMAP_PARSE_ERROR;
				goto out;
			}
			if (r == 0) {
				rc = deliver(p, buf_data(&p->buf), buf_len(&p->buf));
				if (rc != IMAP_PARSE_OK)
					goto out;
				if (p->paused) {
					rc = IMAP_PARSE_PAUSED;
					goto out;
				}
				break;
			}
			rc = begin_literal(p, n);
			if (rc != IMAP_PARSE_OK)
				goto out;
			break;
		}
		case ST_LIT_INLINE: {
			size_t take = len - pos;
			if (take > p->lit_left)
				take = (size_t)p->lit_left;
			if (buf_append(&p->buf, data + pos, take) != BUF_OK) {
				rc = fail(p, "out of memory");
				goto out;
			}
			note_buffered(p);
			pos += take;
			p->stats.bytes += take;
			p->lit_left -= take;
			if (p->lit_left == 0) {
				p->st = ST_LINE;
				p->seg_start = buf_len(&p->buf);
			}
			break;
		}
		case ST_LIT_STREAM: {
			size_t take = len - pos;
			if (take > p->lit_left)
				take = (size_t)p->lit_left;
			if (p->cb.literal_chunk &&
			    p->cb.literal_chunk(p->ctx, &p->info, data + pos, take) != 0) {
				rc = fail(p, "literal consumer failed");
				goto out;
			}
			if (p->st == ST_DEAD) { /* the callback misused the parser */
				rc = IMAP_PARSE_ERROR;
				goto out;
			}
			p->info.offset += take;
			pos += take;
			p->stats.bytes += take;
			p->lit_left -= take;
			if (p->lit_left == 0) {
				p->st = ST_LINE;
				p->seg_start = buf_len(&p->buf);
			}
			break;
		}
		case ST_DEAD:
			rc = IMAP_PARSE_ERROR;
			goto out;
		}
	}
out:
	p->busy = false;
	p->consumed = pos;
	return rc;
}
