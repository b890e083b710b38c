/* Thread context: records, the container forest and its trees, threads, and batching
 * (thread_add/remove, t_finish). See thread_int.h for the layers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mail/thread.h"
#include "mail/thread_int.h"

/* ---- records ----------------------------------------------------------------------------- */

static int msgs_grow(struct thread_ctx *ctx, uint64_t need)
{
	uint32_t cap = ctx->capmsg;
	if (t_grow((void **)&ctx->msg, &ctx->capmsg, need, sizeof *ctx->msg) < 0)
		return -1;
	if (ctx->gm && ctx->capmsg != cap) {
		uint32_t gcap = cap;
		/* keep gm exactly as long as msg */
		struct tgm *g = realloc(ctx->gm, (size_t)ctx->capmsg * sizeof *g);
		if (!g) {
			ctx->capmsg = gcap; /* msg keeps its larger block; only the count is held back */
			return -1;
		}
		ctx->gm = g;
	}
	return 0;
}

int t_reserve(struct thread_ctx *ctx, uint32_t msgs, uint32_t conts, uint32_t ids)
{
	if (msgs_grow(ctx, (uint64_t)ctx->nmsg + msgs) < 0 ||
	    t_grow((void **)&ctx->cont, &ctx->capcont, (uint64_t)ctx->ncont + conts, sizeof *ctx->cont) < 0 ||
	    t_grow((void **)&ctx->tree, &ctx->captree, (uint64_t)ctx->ntree + conts, sizeof *ctx->tree) < 0 ||
	    t_vec_reserve(&ctx->touched, 2 * conts + 4) < 0 ||
	    t_map_reserve(ctx, &ctx->by_id, ids) < 0 || t_map_reserve(ctx, &ctx->by_key, msgs) < 0)
		return -1;
	if (ctx->gm && t_map_reserve(ctx, &ctx->by_gmid, msgs) < 0)
		return -1;
	return 0;
}

static uint32_t tree_new(struct thread_ctx *ctx, uint32_t root)
{
	uint32_t t, touched = 0;
	if (ctx->freetree != TNIL) {
		t = ctx->freetree;
		ctx->freetree = ctx->tree[t].gnext;
		touched = ctx->tree[t].flags & TT_TOUCHED; /* still listed on ctx->touched */
	} else {
		t = ctx->ntree++;
	}
	ctx->tree[t] = (struct ttree){
		.root = root, .ncont = 1, .oldest = TNIL, .newest = TNIL, .thread = TNIL,
		.gnext = TNIL, .gprev = TNIL, .flags = TT_LIVE | touched,
	};
	return t;
}

static void tree_free(struct thread_ctx *ctx, uint32_t t)
{
	ctx->tree[t].flags &= TT_TOUCHED;
	ctx->tree[t].gnext = ctx->freetree;
	ctx->freetree = t;
}

/* Needs t_reserve(); the container is a root of a tree of its own. */
uint32_t t_cont_new(struct thread_ctx *ctx, uint32_t id_atom)
{
	uint32_t c;
	if (ctx->freecont != TNIL) {
		c = ctx->freecont;
		ctx->freecont = ctx->cont[c].next;
	} else {
		c = ctx->ncont++;
	}
	ctx->cont[c] = (struct tcont){
		.parent = TNIL, .child = TNIL, .next = TNIL, .prev = TNIL, .msg = TNIL, .id = id_atom,
	};
	ctx->cont[c].tree = tree_new(ctx, c);
	if (id_atom)
		t_map_insert(ctx, &ctx->by_id, c);
	return c;
}

/* Frees a container that is already unlinked and childless. */
void t_cont_free(struct thread_ctx *ctx, uint32_t c)
{
	if (ctx->cont[c].id)
		t_map_remove(ctx, &ctx->by_id, c);
	ctx->cont[c].id = 0;
	ctx->cont[c].msg = TNIL;
	ctx->cont[c].tree = TNIL;
	ctx->cont[c].next = ctx->freecont;
	ctx->freecont = c;
}

void t_child_append(struct thread_ctx *ctx, uint32_t parent, uint32_t c)
{
	struct tcont *p = &ctx->cont[parent], *x = &ctx->cont[c];
	x->parent = parent;
	x->next = TNIL;
	if (p->child == TNIL) {
		p->child = c;
		x->prev = c;
	} else {
		uint32_t first = p->child, last = ctx->cont[first].prev;
		ctx->cont[last].next = c;
		x->prev = last;
		ctx->cont[first].prev = c;
	}
}

/* Takes c out of its parent's child list; c becomes a root (its tree label is unchanged). */
void t_unlink(struct thread_ctx *ctx, uint32_t c)
{
	struct tcont *x = &ctx->cont[c];
	if (x->parent == TNIL)
		return;
	struct tcont *p = &ctx->cont[x->parent];
	uint32_t first = p->child;
	if (first == c) {
		p->child = x->next;
		if (x->next != TNIL)
			ctx->cont[x->next].prev = x->prev;
	} else {
		ctx->cont[x->prev].next = x->next;
		if (x->next != TNIL)
			ctx->cont[x->next].prev = x->prev;
		else
			ctx->cont[first].prev = x->prev;
	}
	x->parent = x->next = x->prev = TNIL;
}

/* Pre-order successor of c inside the subtree of top (TNIL at the end). */
uint32_t t_preorder_next(const struct thread_ctx *ctx, uint32_t c, uint32_t top)
{
	if (ctx->cont[c].child != TNIL)
		return ctx->cont[c].child;
	while (c != top) {
		if (ctx->cont[c].next != TNIL)
			return ctx->cont[c].next;
		c = ctx->cont[c].parent;
	}
	return TNIL;
}

/* ---- aggregates ------------------------------------------------------------------------- */

bool t_older(const struct thread_ctx *ctx, uint32_t a, uint32_t b)
{
	const struct tmsg *x = &ctx->msg[a], *y = &ctx->msg[b];
	if (x->date != y->date)
		return x->date < y->date;
	return x->key < y->key;
}

/* Activity order (thread_opts.order). */
bool t_newer(const struct thread_ctx *ctx, uint32_t a, uint32_t b)
{
	const struct tmsg *x = &ctx->msg[a], *y = &ctx->msg[b];
	if (ctx->opt.order == THREAD_ORDER_DATE && x->date != y->date)
		return x->date > y->date;
	return x->key > y->key;
}

void t_touch(struct thread_ctx *ctx, uint32_t t)
{
	if (ctx->tree[t].flags & TT_TOUCHED)
		return;
	ctx->tree[t].flags |= TT_TOUCHED;
	/* reserved by t_reserve(): one per tree a message can touch */
	if (ctx->touched.n < ctx->touched.cap)
		ctx->touched.v[ctx->touched.n++] = t;
	else if (t_vec_push(&ctx->touched, t) < 0)
		ctx->tree[t].flags &= ~TT_TOUCHED, ctx->overflow = true;
}

void t_tree_add_msg(struct thread_ctx *ctx, uint32_t t, uint32_t m)
{
	struct ttree *tr = &ctx->tree[t];
	tr->nmsgs++;
	if (tr->oldest == TNIL || t_older(ctx, m, tr->oldest))
		tr->oldest = m;
	if (tr->newest == TNIL || t_newer(ctx, m, tr->newest))
		tr->newest = m;
	t_touch(ctx, t);
}

uint32_t t_msg_tree(const struct thread_ctx *ctx, uint32_t m)
{
	return ctx->cont[ctx->msg[m].cont].tree;
}

static void mark(struct thread_ctx *ctx, uint32_t th, uint32_t bit, struct tvec *list)
{
	if (ctx->thr[th].flags & bit)
		return;
	if (t_vec_push(list, th) < 0) {
		/* out of memory: fall back to doing it for every thread */
		if (bit == TH_RECOMPUTE)
			ctx->recompute_all = true;
		else if (bit == TH_ORDER_DIRTY)
			ctx->order_all = true;
		else
			ctx->overflow = true;
		return;
	}
	ctx->thr[th].flags |= bit;
}

/* The thread's row changed (counts, flags, labels). */
void t_thread_mark(struct thread_ctx *ctx, uint32_t th)
{
	mark(ctx, th, TH_CHANGED, &ctx->changed);
}

/* The thread's place in the order may have changed (its newest message did). */
void t_order_mark(struct thread_ctx *ctx, uint32_t th)
{
	mark(ctx, th, TH_ORDER_DIRTY, &ctx->order_dirty);
}

static void thread_leave(struct thread_ctx *ctx, uint32_t t)
{
	struct ttree *tr = &ctx->tree[t];
	uint32_t th = tr->thread;
	if (th == TNIL)
		return;
	struct tthr *h = &ctx->thr[th];
	if (h->first_tree == t) {
		h->first_tree = tr->gnext;
		if (tr->gnext != TNIL)
			ctx->tree[tr->gnext].gprev = tr->gprev;
	} else {
		ctx->tree[tr->gprev].gnext = tr->gnext;
		if (tr->gnext != TNIL)
			ctx->tree[tr->gnext].gprev = tr->gprev;
		else
			ctx->tree[h->first_tree].gprev = tr->gprev;
	}
	h->ntrees--;
	h->nmsgs -= tr->contrib;
	tr->contrib = 0;
	tr->thread = tr->gnext = tr->gprev = TNIL;
	t_thread_mark(ctx, th);
	mark(ctx, th, TH_RECOMPUTE, &ctx->recompute);
}

static void thread_join(struct thread_ctx *ctx, uint32_t th, uint32_t t)
{
	struct ttree *tr = &ctx->tree[t];
	struct tthr *h = &ctx->thr[th];
	tr->thread = th;
	tr->gnext = TNIL;
	if (h->first_tree == TNIL) {
		h->first_tree = t;
		tr->gprev = t;
	} else {
		uint32_t last = ctx->tree[h->first_tree].gprev;
		ctx->tree[last].gnext = t;
		tr->gprev = last;
		ctx->tree[h->first_tree].gprev = t;
	}
	h->ntrees++;
	h->nmsgs += tr->nmsgs;
	tr->contrib = tr->nmsgs;
	t_thread_mark(ctx, th);
	if (h->newest == TNIL || t_newer(ctx, tr->newest, h->newest) || h->blk == TNIL) {
		if (h->newest == TNIL || t_newer(ctx, tr->newest, h->newest))
			h->newest = tr->newest;
		t_order_mark(ctx, th);
	}
}

/* Needs capacity reserved by thread_finish(). */
static uint32_t thread_new_id(struct thread_ctx *ctx, uint64_t gkey)
{
	uint32_t th;
	if (ctx->freethr != TNIL) {
		th = ctx->freethr;
		ctx->freethr = ctx->thr[th].first_tree;
	} else {
		th = ctx->nthr++;
	}
	ctx->thr[th] = (struct tthr){
		.gkey = gkey, .first_tree = TNIL, .newest = TNIL, .blk = TNIL, .flags = TH_LIVE,
	};
	if (gkey)
		t_map_insert(ctx, &ctx->by_gkey, th);
	ctx->livethr++;
	return th;
}

static void thread_kill(struct thread_ctx *ctx, uint32_t th)
{
	struct tthr *h = &ctx->thr[th];
	if (h->gkey)
		t_map_remove(ctx, &ctx->by_gkey, th);
	t_order_remove(ctx, th);
	h->flags = 0;
	h->gkey = 0;
	ctx->livethr--;
	/* its id is reusable once reported gone */
	if (t_vec_push(&ctx->gone, th) < 0)
		ctx->overflow = true; /* the id is then never reused */
}

/* Kills tree t after its containers were taken over by another tree. */
static void tree_die(struct thread_ctx *ctx, uint32_t t)
{
	thread_leave(ctx, t);
	tree_free(ctx, t);
}

/* Makes root r (a root, in another tree than p) a child of p; merges the trees. */
void t_link(struct thread_ctx *ctx, uint32_t p, uint32_t r)
{
	uint32_t tp = ctx->cont[p].tree, tr = ctx->cont[r].tree;
	uint32_t big = tp, small = tr;
	if (ctx->tree[tr].ncont > ctx->tree[tp].ncont) {
		big = tr;
		small = tp;
	}
	/* relabel the smaller tree before the link, so only its own containers are visited */
	uint32_t top = ctx->tree[small].root;
	for (uint32_t c = top; c != TNIL; c = t_preorder_next(ctx, c, top))
		ctx->cont[c].tree = big;
	t_child_append(ctx, p, r);

	struct ttree *b = &ctx->tree[big], *s = &ctx->tree[small];
	b->root = ctx->tree[tp].root;
	b->ncont += s->ncont;
	b->nmsgs += s->nmsgs;
	if (s->oldest != TNIL && (b->oldest == TNIL || t_older(ctx, s->oldest, b->oldest)))
		b->oldest = s->oldest;
	if (s->newest != TNIL && (b->newest == TNIL || t_newer(ctx, s->newest, b->newest)))
		b->newest = s->newest;
	b->flags |= s->flags & TT_RECOMPUTE;
	tree_die(ctx, small);
	t_touch(ctx, big);
}

/* Moves c (not a root) under p, which is not inside c's subtree. */
void t_move(struct thread_ctx *ctx, uint32_t p, uint32_t c)
{
	uint32_t from = ctx->cont[c].tree, to = ctx->cont[p].tree;
	t_unlink(ctx, c);
	if (from != to) {
		struct ttree *f = &ctx->tree[from], *t = &ctx->tree[to];
		for (uint32_t x = c; x != TNIL; x = t_preorder_next(ctx, x, c)) {
			ctx->cont[x].tree = to;
			f->ncont--;
			t->ncont++;
			uint32_t m = ctx->cont[x].msg;
			if (m == TNIL)
				continue;
			f->nmsgs--;
			t->nmsgs++;
			if (t->oldest == TNIL || t_older(ctx, m, t->oldest))
				t->oldest = m;
			if (t->newest == TNIL || t_newer(ctx, m, t->newest))
				t->newest = m;
		}
		f->flags |= TT_RECOMPUTE;
		t_touch(ctx, from);
		t_touch(ctx, to);
	}
	t_child_append(ctx, p, c);
	t_touch(ctx, to);
}

uint64_t t_group_key(const struct thread_ctx *ctx, uint32_t t)
{
	switch (ctx->opt.mode) {
	case THREAD_JWZ:
		return t_jwz_group_key(ctx, t);
	case THREAD_GMAIL:
		return t_gm_group_key(ctx, t);
	case THREAD_SERVER:
		break;
	}
	return 0;
}

/* ---- batch end: aggregates and groups --------------------------------------------------- */

static void tree_recount(struct thread_ctx *ctx, uint32_t t)
{
	struct ttree *tr = &ctx->tree[t];
	tr->nmsgs = 0;
	tr->oldest = tr->newest = TNIL;
	for (uint32_t c = tr->root; c != TNIL; c = t_preorder_next(ctx, c, tr->root)) {
		uint32_t m = ctx->cont[c].msg;
		if (m == TNIL)
			continue;
		tr->nmsgs++;
		if (tr->oldest == TNIL || t_older(ctx, m, tr->oldest))
			tr->oldest = m;
		if (tr->newest == TNIL || t_newer(ctx, m, tr->newest))
			tr->newest = m;
	}
	tr->flags &= ~TT_RECOMPUTE;
}

static void thread_recount(struct thread_ctx *ctx, uint32_t th)
{
	struct tthr *h = &ctx->thr[th];
	h->nmsgs = 0;
	h->newest = TNIL;
	for (uint32_t t = h->first_tree; t != TNIL; t = ctx->tree[t].gnext) {
		struct ttree *tr = &ctx->tree[t];
		h->nmsgs += tr->contrib;
		if (tr->newest != TNIL && (h->newest == TNIL || t_newer(ctx, tr->newest, h->newest)))
			h->newest = tr->newest;
	}
}

/*
 * Brings trees and threads up to date after a batch. Returns -1 if memory for new threads ran
 * out; the remaining trees stay touched and are handled by the next call.
 */
int t_finish(struct thread_ctx *ctx)
{
	uint32_t n = ctx->touched.n;
	if (t_grow((void **)&ctx->thr, &ctx->capthr, (uint64_t)ctx->nthr + n, sizeof *ctx->thr) < 0 ||
	    t_map_reserve(ctx, &ctx->by_gkey, n) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t t = ctx->touched.v[i];
		struct ttree *tr = &ctx->tree[t];
		tr->flags &= ~TT_TOUCHED;
		if (!(tr->flags & TT_LIVE))
			continue;
		if (tr->flags & TT_RECOMPUTE)
			tree_recount(ctx, t);
		if (tr->nmsgs == 0) {
			thread_leave(ctx, t);
			continue;
		}
		uint64_t key = t_group_key(ctx, t);
		uint32_t th = tr->thread;
		if (th != TNIL && ctx->thr[th].gkey == key) {
			struct tthr *h = &ctx->thr[th];
			h->nmsgs += tr->nmsgs - tr->contrib;
			tr->contrib = tr->nmsgs;
			t_thread_mark(ctx, th);
			if (h->newest == TNIL || t_newer(ctx, tr->newest, h->newest)) {
				h->newest = tr->newest;
				t_order_mark(ctx, th);
			}
			continue;
		}
		thread_leave(ctx, t);
		th = key ? t_gkey_find(ctx, key) : TNIL;
		if (th == TNIL)
			th = thread_new_id(ctx, key);
		thread_join(ctx, th, t);
	}
	ctx->touched.n = 0;

	if (ctx->recompute_all) {
		for (uint32_t th = 0; th < ctx->nthr; th++)
			if (ctx->thr[th].flags & TH_LIVE)
				mark(ctx, th, TH_RECOMPUTE, &ctx->recompute);
		ctx->recompute_all = false;
	}
	for (uint32_t i = 0; i < ctx->recompute.n; i++) {
		uint32_t th = ctx->recompute.v[i];
		if (!(ctx->thr[th].flags & TH_RECOMPUTE))
			continue;
		ctx->thr[th].flags &= ~TH_RECOMPUTE;
		if (!(ctx->thr[th].flags & TH_LIVE))
			continue;
		if (ctx->thr[th].ntrees == 0) {
			thread_kill(ctx, th);
		} else {
			uint32_t was = ctx->thr[th].newest;
			thread_recount(ctx, th);
			if (ctx->thr[th].newest != was)
				t_order_mark(ctx, th);
		}
	}
	ctx->recompute.n = 0;
	return 0;
}

/* Drops every container, tree and thread (threads reported gone); messages stay, unplaced. */
void t_reset_forest(struct thread_ctx *ctx)
{
	for (uint32_t th = 0; th < ctx->nthr; th++)
		if (ctx->thr[th].flags & TH_LIVE)
			thread_kill(ctx, th);
	for (uint32_t m = 0; m < ctx->nmsg; m++)
		if (ctx->msg[m].bits & TM_LIVE)
			ctx->msg[m].cont = TNIL;
	for (uint32_t c = 0; c < ctx->ncont; c++)
		if (ctx->cont[c].tree != TNIL && ctx->cont[c].id)
			t_map_remove(ctx, &ctx->by_id, c);
	ctx->ncont = 0;
	ctx->freecont = TNIL;
	ctx->ntree = 0;
	ctx->freetree = TNIL;
	ctx->touched.n = 0;
}

/* ---- public: lifetime -------------------------------------------------------------------- */

struct thread_ctx *thread_new(const struct thread_opts *opts)
{
	struct thread_ctx *ctx = calloc(1, sizeof *ctx);
	if (!ctx)
		return NULL;
	if (opts)
		ctx->opt = *opts;
	/* addresses differ between runs (ASLR): a cheap seed against crafted collisions */
	ctx->seed = t_mix64((uint64_t)(uintptr_t)ctx ^ 0x736b7561746872ull);
	ctx->freemsg = ctx->freecont = ctx->freetree = ctx->freethr = ctx->freealias = TNIL;
	return ctx;
}

static void vec_free(struct tvec *v)
{
	free(v->v);
	*v = (struct tvec){ 0 };
}

void thread_free(struct thread_ctx **pctx)
{
	if (!pctx || !*pctx)
		return;
	struct thread_ctx *ctx = *pctx;
	for (uint32_t i = 0; i < ctx->str.nchunk; i++)
		free(ctx->str.chunk[i]);
	free(ctx->str.chunk);
	free(ctx->str.spare);
	free(ctx->str.slot);
	free(ctx->msg);
	free(ctx->gm);
	free(ctx->cont);
	free(ctx->tree);
	free(ctx->thr);
	free(ctx->alias);
	free(ctx->lab);
	free(ctx->by_id.slot);
	free(ctx->by_key.slot);
	free(ctx->by_gmid.slot);
	free(ctx->by_gkey.slot);
	vec_free(&ctx->touched);
	vec_free(&ctx->recompute);
	vec_free(&ctx->changed);
	vec_free(&ctx->gone);
	vec_free(&ctx->out_changed);
	vec_free(&ctx->out_gone);
	t_order_free(ctx);
	vec_free(&ctx->order_dirty);
	vec_free(&ctx->scratch);
	free(ctx);
	*pctx = NULL;
}

/* ---- public: adding, updating, removing --------------------------------------------------- */

size_t t_cut_len(const char *s, size_t max)
{
	if (!s)
		return 0;
	size_t n = strnlen(s, max + 1);
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static uint32_t intern_cut(struct thread_ctx *ctx, const char *s, size_t max)
{
	return t_str_intern(ctx, s ? s : "", t_cut_len(s, max));
}

static uint32_t intern_folded(struct thread_ctx *ctx, const char *s, size_t n)
{
	char buf[T_MAX_SUBJECT + 1];
	if (n > T_MAX_SUBJECT)
		n = T_MAX_SUBJECT;
	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + ('a' - 'A')) : s[i];
	return t_str_intern(ctx, buf, n);
}

/* Fills a message's envelope fields (strings reserved by the caller). */
static void msg_fill(struct thread_ctx *ctx, uint32_t m, const struct thread_msg *in)
{
	struct tmsg *x = &ctx->msg[m];
	char base[T_MAX_SUBJECT + 1];
	bool reply = false;
	x->date = in->date;
	x->subject = intern_cut(ctx, in->subject, T_MAX_SUBJECT);
	size_t bn = thread_base_subject(in->subject, base, sizeof base, &reply);
	x->base = intern_folded(ctx, base, bn);
	x->bits = (uint16_t)((x->bits & ~(TM_REPLY | TM_PENDING)) | (reply ? TM_REPLY : 0));
	x->from_name = intern_cut(ctx, in->from_name, T_MAX_NAME);
	x->from_addr = intern_folded(ctx, in->from_addr ? in->from_addr : "", t_cut_len(in->from_addr, T_MAX_NAME));
}

uint32_t t_msg_new(struct thread_ctx *ctx, uint64_t key)
{
	uint32_t m;
	if (ctx->freemsg != TNIL) {
		m = ctx->freemsg;
		ctx->freemsg = ctx->msg[m].cont;
	} else {
		m = ctx->nmsg++;
	}
	ctx->msg[m] = (struct tmsg){ .key = key, .cont = TNIL, .alias = TNIL, .bits = TM_LIVE };
	if (ctx->gm)
		ctx->gm[m] = (struct tgm){ 0 };
	t_map_insert(ctx, &ctx->by_key, m);
	ctx->livemsg++;
	return m;
}

/* Room for everything one input message may need. */
static int reserve_one(struct thread_ctx *ctx, const struct thread_msg *in)
{
	size_t nl = in->n_labels > T_MAX_LABELS ? T_MAX_LABELS : in->n_labels;
	size_t bytes = (size_t)(T_MAX_REFS + 2) * (T_MAX_ID + 1) + 2 * (T_MAX_SUBJECT + 1) +
		       (2 + nl) * (T_MAX_NAME + 1);
	if ((in->gm_msgid || in->gm_thrid) && !ctx->gm && t_gm_enable(ctx) < 0)
		return -1;
	if (t_str_reserve(ctx, bytes, (uint32_t)(T_MAX_REFS + 6 + nl)) < 0 ||
	    t_reserve(ctx, 1, T_MAX_REFS + 3, T_MAX_REFS + 3) < 0 ||
	    t_grow((void **)&ctx->alias, &ctx->capalias, (uint64_t)ctx->nalias + 1, sizeof *ctx->alias) < 0 ||
	    t_labels_reserve(ctx, (uint32_t)nl) < 0)
		return -1;
	return 0;
}

/* A key seen before: flags, labels, X-GM-THRID, and the envelope of a pending message. */
static void msg_update(struct thread_ctx *ctx, uint32_t m, const struct thread_msg *in, bool merge)
{
	struct tmsg *x = &ctx->msg[m];
	uint32_t t = t_msg_tree(ctx, m);
	x->flags = in->flags;
	t_set_labels(ctx, m, in->labels, in->n_labels, merge);
	if (x->bits & TM_PENDING) {
		msg_fill(ctx, m, in);
		struct ttree *tr = &ctx->tree[t];
		if (tr->oldest == m)
			tr->flags |= TT_RECOMPUTE;
		else if (tr->newest == TNIL || t_newer(ctx, m, tr->newest))
			tr->newest = m;
		t_touch(ctx, t);
		if (tr->thread != TNIL) {
			mark(ctx, tr->thread, TH_RECOMPUTE, &ctx->recompute);
			t_order_mark(ctx, tr->thread); /* its newest may keep its index, not its date */
		}
	}
	if (in->gm_thrid && ctx->gm && in->gm_thrid != ctx->gm[m].thrid) {
		ctx->gm[m].thrid = in->gm_thrid;
		t_touch(ctx, t);
	}
	if (ctx->tree[t].thread != TNIL)
		t_thread_mark(ctx, ctx->tree[t].thread);
}

static int add_one(struct thread_ctx *ctx, const struct thread_msg *in)
{
	if (reserve_one(ctx, in) < 0)
		return -1;
	uint32_t m = t_msg_of_key(ctx, in->key);
	if (m != TNIL) {
		msg_update(ctx, m, in, false);
		return 0;
	}
	m = t_gm_find(ctx, in->gm_msgid);
	if (m != TNIL) {
		/* the same Gmail message under another key (another folder) */
		t_gm_alias_add(ctx, m, in->key);
		msg_update(ctx, m, in, true);
		return 0;
	}
	m = t_msg_new(ctx, in->key);
	msg_fill(ctx, m, in);
	ctx->msg[m].flags = in->flags;
	t_set_labels(ctx, m, in->labels, in->n_labels, false);
	if (ctx->gm) {
		ctx->gm[m] = (struct tgm){ .msgid = in->gm_msgid, .thrid = in->gm_thrid };
		if (in->gm_msgid)
			t_map_insert(ctx, &ctx->by_gmid, m);
	}
	if (ctx->opt.mode == THREAD_JWZ) {
		t_jwz_attach(ctx, m, in);
	} else {
		uint32_t c = t_cont_new(ctx, 0);
		ctx->cont[c].msg = m;
		ctx->msg[m].cont = c;
		t_tree_add_msg(ctx, ctx->cont[c].tree, m);
	}
	return 0;
}

int thread_add(struct thread_ctx *ctx, const struct thread_msg *msgs, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = add_one(ctx, &msgs[i]);
	if (t_finish(ctx) < 0)
		rc = -1;
	return rc;
}

bool thread_set_flags(struct thread_ctx *ctx, uint64_t key, uint32_t flags)
{
	uint32_t m = t_msg_of_key(ctx, key);
	if (m == TNIL)
		return false;
	if (ctx->msg[m].flags != flags) {
		ctx->msg[m].flags = flags;
		uint32_t th = ctx->tree[t_msg_tree(ctx, m)].thread;
		if (th != TNIL)
			t_thread_mark(ctx, th);
	}
	return true;
}

static void alias_free(struct thread_ctx *ctx, uint32_t a)
{
	ctx->alias[a].next = ctx->freealias;
	ctx->freealias = a;
}

/* Drops a whole message: its container turns dummy and childless dummies above go too. */
static void msg_drop(struct thread_ctx *ctx, uint32_t m)
{
	struct tmsg *x = &ctx->msg[m];
	uint32_t c = x->cont, t = ctx->cont[c].tree;
	struct ttree *tr = &ctx->tree[t];
	t_map_remove(ctx, &ctx->by_key, m);
	if (ctx->gm && ctx->gm[m].msgid)
		t_map_remove(ctx, &ctx->by_gmid, m);
	ctx->cont[c].msg = TNIL;
	tr->nmsgs--;
	if (tr->oldest == m || tr->newest == m)
		tr->flags |= TT_RECOMPUTE;
	if (tr->thread != TNIL && ctx->thr[tr->thread].newest == m)
		mark(ctx, tr->thread, TH_RECOMPUTE, &ctx->recompute);
	t_touch(ctx, t);
	while (c != TNIL && ctx->cont[c].msg == TNIL && ctx->cont[c].child == TNIL) {
		uint32_t p = ctx->cont[c].parent;
		t_unlink(ctx, c);
		t_cont_free(ctx, c);
		tr->ncont--;
		if (p == TNIL) { /* the tree's root: the tree is empty now */
			thread_leave(ctx, t);
			tree_free(ctx, t);
			break;
		}
		c = p;
	}
	ctx->deadlab += x->n_labels;
	x->bits = 0;
	x->n_labels = 0;
	x->cont = ctx->freemsg;
	ctx->freemsg = m;
	ctx->livemsg--;
}

int thread_remove(struct thread_ctx *ctx, const uint64_t *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t v = t_key_find(ctx, keys[i]);
		if (v == TNIL)
			continue;
		if (t_vec_reserve(&ctx->touched, 1) < 0) {
			t_finish(ctx);
			return -1;
		}
		uint32_t m = v & TKEY_ALIAS ? ctx->alias[v & ~TKEY_ALIAS].msg : v;
		uint32_t th = ctx->tree[t_msg_tree(ctx, m)].thread;
		if (v & TKEY_ALIAS) {
			uint32_t a = v & ~TKEY_ALIAS;
			t_map_remove(ctx, &ctx->by_key, v);
			for (uint32_t *pa = &ctx->msg[m].alias; *pa != TNIL; pa = &ctx->alias[*pa].next)
				if (*pa == a) {
					*pa = ctx->alias[a].next;
					break;
				}
			alias_free(ctx, a);
		} else if (ctx->msg[m].alias != TNIL) {
			/* the first alias becomes the message's key */
			uint32_t a = ctx->msg[m].alias;
			t_map_remove(ctx, &ctx->by_key, m);
			t_map_remove(ctx, &ctx->by_key, TKEY_ALIAS | a);
			ctx->msg[m].key = ctx->alias[a].key;
			ctx->msg[m].alias = ctx->alias[a].next;
			alias_free(ctx, a);
			t_map_insert(ctx, &ctx->by_key, m);
		} else {
			msg_drop(ctx, m);
			continue;
		}
		if (th != TNIL)
			t_thread_mark(ctx, th);
	}
	return t_finish(ctx);
}

/* ---- public: queries --------------------------------------------------------------------- */

uint32_t thread_of(const struct thread_ctx *ctx, uint64_t key)
{
	uint32_t m = t_msg_of_key(ctx, key);
	if (m == TNIL)
		return THREAD_NONE;
	uint32_t th = ctx->tree[t_msg_tree(ctx, m)].thread;
	return th == TNIL ? THREAD_NONE : th;
}

size_t thread_count(const struct thread_ctx *ctx)
{
	return ctx->livethr;
}

size_t thread_msg_count(const struct thread_ctx *ctx)
{
	return ctx->livemsg;
}
