/*
 * Client-side threading by references (jwz.org/doc/threading.html, RFC 5256 §2 REFERENCES),
 * done incrementally: each message is linked into the container forest as it arrives; pruning of
 * dummies and grouping by subject are read off the forest (t_top(), t_jwz_group_key()) rather
 * than applied to it, so a later message can still fill a dummy or join a group.
 */
#include "config.h"

#include <string.h>

#include "mail/thread.h"
#include "mail/thread_int.h"

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The next "<...>" at or after p with no '<' inside: [*b, *e) is its inside. Returns the
 * position after '>', or NULL when there is none. */
static const char *next_bracket(const char *p, const char **b, const char **e)
{
	for (;;) {
		const char *lt = strchr(p, '<');
		if (!lt)
			return NULL;
		const char *q = lt + 1;
		while (*q && *q != '>' && *q != '<')
			q++;
		if (*q == '<') {
			p = q;
			continue;
		}
		if (!*q)
			return NULL;
		*b = lt + 1;
		*e = q;
		return q + 1;
	}
}

/* Copies [b, e) without whitespace (folding may split an id). 0 if empty or too long. */
static size_t id_copy(const char *b, const char *e, char *out, size_t cap)
{
	size_t n = 0;
	for (; b < e; b++) {
		if (is_ws(*b))
			continue;
		if (n + 1 >= cap || n >= T_MAX_ID)
			return 0;
		out[n++] = *b;
	}
	return n;
}

/* A Message-ID: the first "<...>", else the first bare token. 0 when there is none. */
size_t t_parse_msgid(const char *s, char *out, size_t cap)
{
	const char *b, *e;
	if (!s)
		return 0;
	if (next_bracket(s, &b, &e))
		return id_copy(b, e, out, cap);
	while (is_ws(*s))
		s++;
	b = s;
	while (*s && !is_ws(*s) && *s != '<' && *s != '>')
		s++;
	return id_copy(b, s, out, cap);
}

/* The last T_MAX_REFS ids of a References value as atoms, own id left out. */
static size_t collect_refs(struct thread_ctx *ctx, const char *s, uint32_t own, uint32_t *refs)
{
	const char *rb[T_MAX_REFS], *re[T_MAX_REFS];
	size_t seen = 0;
	const char *b, *e;
	if (!s)
		return 0;
	/* a ring of the last ids' positions: a huge header costs one scan, not one id each */
	for (const char *p = s; (p = next_bracket(p, &b, &e)) != NULL;) {
		size_t n = 0;
		for (const char *q = b; q < e && n <= T_MAX_ID; q++)
			n += !is_ws(*q);
		if (n == 0 || n > T_MAX_ID)
			continue;
		rb[seen % T_MAX_REFS] = b;
		re[seen % T_MAX_REFS] = e;
		seen++;
	}
	size_t first = seen > T_MAX_REFS ? seen - T_MAX_REFS : 0, nr = 0;
	for (size_t i = first; i < seen; i++) {
		char buf[T_MAX_ID + 1];
		size_t n = id_copy(rb[i % T_MAX_REFS], re[i % T_MAX_REFS], buf, sizeof buf);
		uint32_t a = t_str_intern(ctx, buf, n);
		if (a && a != own && (nr == 0 || refs[nr - 1] != a))
			refs[nr++] = a;
	}
	return nr;
}

/* Next message container in the pruned view under top: dummies are see-through. Start with
 * x = top, descend = true; continue with the last result and descend = false. */
uint32_t t_eff_next(const struct thread_ctx *ctx, uint32_t x, uint32_t top, bool descend)
{
	for (;;) {
		uint32_t n = TNIL;
		if (descend && ctx->cont[x].child != TNIL) {
			n = ctx->cont[x].child;
		} else {
			while (x != top) {
				if (ctx->cont[x].next != TNIL) {
					n = ctx->cont[x].next;
					break;
				}
				x = ctx->cont[x].parent;
			}
			if (n == TNIL)
				return TNIL;
		}
		x = n;
		if (ctx->cont[x].msg != TNIL)
			return x;
		descend = true;
	}
}

/*
 * The top of a tree after JWZ pruning: the root if it holds a message, the only message under a
 * dummy root, or TNIL for a dummy top (with *n_kids >= 2 message children, *first_kid the one
 * shown first). Without first_kid the scan stops at two children.
 */
uint32_t t_top(const struct thread_ctx *ctx, uint32_t t, uint32_t *first_kid, uint32_t *n_kids)
{
	uint32_t r = ctx->tree[t].root, count = 0, best = TNIL;
	if (ctx->cont[r].msg != TNIL)
		return r;
	for (uint32_t k = t_eff_next(ctx, r, r, true); k != TNIL; k = t_eff_next(ctx, k, r, false)) {
		count++;
		if (best == TNIL ||
		    (ctx->opt.mode != THREAD_SERVER && t_older(ctx, ctx->cont[k].msg, ctx->cont[best].msg)))
			best = k;
		if (!first_kid && count >= 2)
			break;
	}
	if (count == 1)
		return best;
	if (first_kid)
		*first_kid = best;
	if (n_kids)
		*n_kids = count;
	return TNIL;
}

/* Subject group of a tree: the base subject of its top message (of its oldest message under a
 * dummy top), or 0 for none. */
uint64_t t_jwz_group_key(const struct thread_ctx *ctx, uint32_t t)
{
	if (ctx->opt.no_subject_grouping)
		return 0;
	uint32_t top = t_top(ctx, t, NULL, NULL);
	uint32_t m = top != TNIL ? ctx->cont[top].msg : ctx->tree[t].oldest;
	return m == TNIL ? 0 : ctx->msg[m].base;
}

/* Gives c the parent p that its own message names, unless that would make a loop. */
static void set_parent(struct thread_ctx *ctx, uint32_t c, uint32_t p)
{
	if (p == TNIL || p == c || ctx->cont[c].parent == p)
		return;
	if (ctx->cont[c].parent == TNIL) {
		/* c is a root: p is below it exactly when they share a tree */
		if (ctx->cont[p].tree != ctx->cont[c].tree)
			t_link(ctx, p, c);
		return;
	}
	if (ctx->cont[p].tree == ctx->cont[c].tree)
		for (uint32_t x = p; x != TNIL; x = ctx->cont[x].parent)
			if (x == c)
				return;
	t_move(ctx, p, c);
}

/* A second message with the same Message-ID and a smaller key takes container c: the one there
 * moves to a container of its own, placed where its own References put it. */
static void displace(struct thread_ctx *ctx, uint32_t c, uint32_t old)
{
	uint32_t t = ctx->cont[c].tree;
	uint32_t c0 = t_cont_new(ctx, 0);
	ctx->cont[c].msg = TNIL;
	ctx->tree[t].nmsgs--;
	ctx->tree[t].flags |= TT_RECOMPUTE;
	t_touch(ctx, t);
	ctx->cont[c0].msg = old;
	ctx->msg[old].cont = c0;
	t_tree_add_msg(ctx, ctx->cont[c0].tree, old);
	uint32_t p = t_cont_by_id(ctx, ctx->msg[old].parent_id);
	if (p != TNIL)
		t_link(ctx, p, c0);
}

void t_jwz_attach(struct thread_ctx *ctx, uint32_t m, const struct thread_msg *in)
{
	char buf[T_MAX_ID + 1];
	size_t n = t_parse_msgid(in->message_id, buf, sizeof buf);
	uint32_t own = t_str_intern(ctx, buf, n);
	uint32_t c = t_cont_by_id(ctx, own);
	bool dup = false;

	if (c != TNIL && ctx->cont[c].msg != TNIL) {
		/* duplicate Message-ID: the smaller key keeps it, whatever the arrival order */
		uint32_t old = ctx->cont[c].msg;
		if (in->key < ctx->msg[old].key) {
			displace(ctx, c, old);
		} else {
			c = TNIL;
			dup = true;
		}
	}
	if (c == TNIL)
		c = t_cont_new(ctx, dup ? 0 : own);
	ctx->cont[c].msg = m;
	ctx->msg[m].cont = c;
	t_tree_add_msg(ctx, ctx->cont[c].tree, m);

	uint32_t refs[T_MAX_REFS];
	size_t nr = collect_refs(ctx, in->references, own, refs);
	if (nr == 0 && in->in_reply_to) {
		const char *b, *e;
		if (next_bracket(in->in_reply_to, &b, &e)) {
			uint32_t a = t_str_intern(ctx, buf, id_copy(b, e, buf, sizeof buf));
			if (a && a != own)
				refs[nr++] = a;
		}
	}
	/* link each reference to the next unless it has a parent already or it would loop */
	uint32_t prev = TNIL;
	for (size_t i = 0; i < nr; i++) {
		uint32_t r = t_cont_by_id(ctx, refs[i]);
		if (r == TNIL)
			r = t_cont_new(ctx, refs[i]);
		if (prev != TNIL && r != prev && ctx->cont[r].parent == TNIL &&
		    ctx->cont[r].tree != ctx->cont[prev].tree)
			t_link(ctx, prev, r);
		prev = r;
	}
	ctx->msg[m].parent_id = nr ? refs[nr - 1] : 0;
	/* the message's own last reference is its parent, over what others implied */
	set_parent(ctx, c, prev);
}
