/* What a thread looks like: its lines in display order (thread_walk), its summary row
 * (thread_row), and the per-message label lists both draw on. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mail/thread.h"
#include "mail/thread_int.h"

/* ---- labels: a slice of atoms per message in ctx->lab ------------------------------------ */

int t_labels_reserve(struct thread_ctx *ctx, uint32_t n)
{
	(void)n; /* a merge may hold up to T_MAX_LABELS whatever the input count */
	if (ctx->deadlab > 4096 && ctx->deadlab > ctx->nlab / 2) {
		/* compact: copy the live slices to a fresh block (skipped if memory is short) */
		uint32_t live = ctx->nlab - ctx->deadlab, cap = live + T_MAX_LABELS + 16, k = 0;
		uint32_t *nl = malloc((size_t)cap * sizeof *nl);
		if (nl) {
			for (uint32_t m = 0; m < ctx->nmsg; m++) {
				struct tmsg *x = &ctx->msg[m];
				if (!(x->bits & TM_LIVE) || x->n_labels == 0)
					continue;
				memcpy(nl + k, ctx->lab + x->labels, (size_t)x->n_labels * sizeof *nl);
				x->labels = k;
				k += x->n_labels;
			}
			free(ctx->lab);
			ctx->lab = nl;
			ctx->nlab = k;
			ctx->caplab = cap;
			ctx->deadlab = 0;
		}
	}
	return t_grow((void **)&ctx->lab, &ctx->caplab, (uint64_t)ctx->nlab + T_MAX_LABELS, sizeof *ctx->lab);
}

/* Replaces (or with merge, adds to) a message's labels. Needs t_labels_reserve() and string
 * room for the labels. */
void t_set_labels(struct thread_ctx *ctx, uint32_t m, const char *const *labels, size_t n, bool merge)
{
	struct tmsg *x = &ctx->msg[m];
	uint32_t *slice = ctx->lab + ctx->nlab;
	uint32_t k = 0;
	if (merge) {
		memcpy(slice, ctx->lab + x->labels, (size_t)x->n_labels * sizeof *slice);
		k = x->n_labels;
	}
	for (size_t i = 0; i < n && i < T_MAX_LABELS && k < T_MAX_LABELS; i++) {
		const char *l = labels ? labels[i] : NULL;
		uint32_t a = l ? t_str_intern(ctx, l, t_cut_len(l, T_MAX_NAME)) : 0;
		if (!a)
			continue;
		bool have = false;
		for (uint32_t j = 0; j < k && !have; j++)
			have = slice[j] == a;
		if (!have)
			slice[k++] = a;
	}
	if (k == x->n_labels && (k == 0 || memcmp(slice, ctx->lab + x->labels, k * sizeof *slice) == 0))
		return; /* unchanged: the new slice is not kept */
	ctx->deadlab += x->n_labels;
	x->labels = ctx->nlab;
	x->n_labels = (uint16_t)k;
	ctx->nlab += k;
}

/* ---- layout --------------------------------------------------------------------------------- */

static bool cont_older(const struct thread_ctx *ctx, uint32_t a, uint32_t b)
{
	return t_older(ctx, ctx->cont[a].msg, ctx->cont[b].msg);
}

static bool thread_live(const struct thread_ctx *ctx, uint32_t tid)
{
	return tid < ctx->nthr && (ctx->thr[tid].flags & TH_LIVE);
}

/*
 * The top line of a thread: a message container, or TNIL for a dummy top (never in Gmail mode,
 * which is flat). When several trees share a subject (JWZ), the one tree whose top is a message
 * that is not a reply hosts the others (*host = that tree); otherwise they all hang under a dummy.
 * *first gets the first message line (the top, or the first child of a dummy).
 */
static uint32_t thread_top(const struct thread_ctx *ctx, uint32_t th, uint32_t *host, uint32_t *first)
{
	const struct tthr *h = &ctx->thr[th];
	*host = TNIL;
	*first = TNIL;
	if (ctx->opt.mode == THREAD_GMAIL) {
		for (uint32_t t = h->first_tree; t != TNIL; t = ctx->tree[t].gnext) {
			uint32_t c = ctx->tree[t].root;
			if (ctx->cont[c].msg != TNIL && (*first == TNIL || cont_older(ctx, c, *first)))
				*first = c;
		}
		return TNIL;
	}
	if (h->ntrees == 1) {
		uint32_t fk = TNIL, nk = 0;
		uint32_t top = t_top(ctx, h->first_tree, &fk, &nk);
		*first = top != TNIL ? top : fk;
		return top;
	}
	uint32_t dummies = 0, originals = 0, orig = TNIL, orig_tree = TNIL;
	for (uint32_t t = h->first_tree; t != TNIL; t = ctx->tree[t].gnext) {
		uint32_t fk = TNIL, nk = 0;
		uint32_t top = t_top(ctx, t, &fk, &nk);
		uint32_t f = top != TNIL ? top : fk;
		if (f != TNIL && (*first == TNIL || cont_older(ctx, f, *first)))
			*first = f;
		if (top == TNIL) {
			dummies++;
		} else if (!(ctx->msg[ctx->cont[top].msg].bits & TM_REPLY)) {
			originals++;
			orig = top;
			orig_tree = t;
		}
	}
	if (dummies == 0 && originals == 1) {
		*host = orig_tree;
		*first = orig;
		return orig;
	}
	return TNIL;
}

struct walk_item {
	uint32_t c, depth;
	bool last;
};

/* Appends c's children in the pruned view to kids[*nk] (bounded by cap). */
static void add_kids(const struct thread_ctx *ctx, uint32_t c, uint32_t *kids, size_t *nk, size_t cap)
{
	for (uint32_t k = t_eff_next(ctx, c, c, true); k != TNIL && *nk < cap; k = t_eff_next(ctx, k, c, false))
		kids[(*nk)++] = k;
}

int thread_walk(const struct thread_ctx *ctx, uint32_t tid, struct thread_entry *out, size_t cap,
		size_t *total)
{
	*total = 0;
	if (!thread_live(ctx, tid))
		return 0;
	const struct tthr *h = &ctx->thr[tid];
	size_t room = (size_t)h->nmsgs + 1;
	struct walk_item *stack = malloc(room * sizeof *stack);
	uint32_t *kids = malloc(room * sizeof *kids);
	if (!stack || !kids) {
		free(stack);
		free(kids);
		return -1;
	}
	size_t k = 0, nk = 0, sp = 0;
	bool sorted = ctx->opt.mode != THREAD_SERVER;
	uint32_t host, first;
	uint32_t top = thread_top(ctx, tid, &host, &first);

	/* the top line and the first level below it */
	if (ctx->opt.mode == THREAD_GMAIL) {
		for (uint32_t t = h->first_tree; t != TNIL && nk < room; t = ctx->tree[t].gnext)
			if (ctx->cont[ctx->tree[t].root].msg != TNIL)
				kids[nk++] = ctx->tree[t].root;
	} else if (top != TNIL) {
		add_kids(ctx, top, kids, &nk, room);
		for (uint32_t t = h->first_tree; host != TNIL && t != TNIL; t = ctx->tree[t].gnext) {
			uint32_t tt = t == host ? TNIL : t_top(ctx, t, NULL, NULL);
			if (tt != TNIL && nk < room)
				kids[nk++] = tt;
		}
	} else {
		for (uint32_t t = h->first_tree; t != TNIL; t = ctx->tree[t].gnext) {
			uint32_t tt = t_top(ctx, t, NULL, NULL);
			if (tt != TNIL) {
				if (nk < room)
					kids[nk++] = tt;
			} else {
				add_kids(ctx, ctx->tree[t].root, kids, &nk, room);
			}
		}
	}
	uint32_t depth0 = 0;
	if (ctx->opt.mode != THREAD_GMAIL) {
		if (k < cap)
			out[k] = (struct thread_entry){ .dummy = top == TNIL, .last = true };
		if (top != TNIL && k < cap) {
			const struct tmsg *x = &ctx->msg[ctx->cont[top].msg];
			out[k].key = x->key;
			out[k].pending = (x->bits & TM_PENDING) != 0;
		}
		k++;
		depth0 = 1;
	}
	for (;;) {
		if (sorted)
			t_sort(ctx, kids, nk, cont_older);
		for (size_t i = nk; i-- > 0 && sp < room;)
			stack[sp++] = (struct walk_item){ kids[i], depth0, i == nk - 1 };
		nk = 0;
		if (sp == 0)
			break;
		struct walk_item it = stack[--sp];
		const struct tmsg *x = &ctx->msg[ctx->cont[it.c].msg];
		if (k < cap)
			out[k] = (struct thread_entry){
				.key = x->key, .depth = it.depth, .last = it.last,
				.pending = (x->bits & TM_PENDING) != 0,
			};
		k++;
		add_kids(ctx, it.c, kids, &nk, room);
		depth0 = it.depth + 1;
	}
	free(stack);
	free(kids);
	*total = k;
	return 0;
}

/* ---- rows ------------------------------------------------------------------------------------ */

/* Runs body with m set to each message of a thread (in no particular order). */
#define FOR_EACH_MSG(ctx, h, m, body)                                                            \
	for (uint32_t t_ = (h)->first_tree; t_ != TNIL; t_ = (ctx)->tree[t_].gnext) {            \
		uint32_t r_ = (ctx)->tree[t_].root;                                              \
		for (uint32_t c_ = r_; c_ != TNIL; c_ = t_preorder_next((ctx), c_, r_)) {        \
			uint32_t m = (ctx)->cont[c_].msg;                                        \
			if (m == TNIL)                                                           \
				continue;                                                        \
			body                                                                     \
		}                                                                                \
	}

static uint32_t sender_id(const struct tmsg *x)
{
	return x->from_addr ? x->from_addr : x->from_name;
}

bool thread_row(const struct thread_ctx *ctx, uint32_t tid, struct thread_row *row)
{
	if (!thread_live(ctx, tid))
		return false;
	const struct tthr *h = &ctx->thr[tid];
	memset(row, 0, sizeof *row);
	row->tid = tid;
	if (h->newest != TNIL) {
		row->newest_date = ctx->msg[h->newest].date;
		row->newest_key = ctx->msg[h->newest].key;
	}
	uint32_t host, first;
	thread_top(ctx, tid, &host, &first);
	row->subject = first != TNIL ? t_str(ctx, ctx->msg[ctx->cont[first].msg].subject) : "";

	/* counts, the oldest sender, labels */
	uint32_t oldest = TNIL;
	uint32_t lab[THREAD_ROW_LABELS];
	size_t nlab = 0;
	FOR_EACH_MSG(ctx, h, m, {
		const struct tmsg *x = &ctx->msg[m];
		row->n_msgs++;
		if (x->bits & TM_PENDING) {
			row->n_pending++;
			continue;
		}
		if (!(x->flags & IMAP_FLAG_SEEN))
			row->n_unread++;
		if (x->flags & IMAP_FLAG_FLAGGED)
			row->flagged = true;
		if (sender_id(x) && (oldest == TNIL || t_older(ctx, m, oldest)))
			oldest = m;
		for (uint32_t i = 0; i < x->n_labels; i++) {
			uint32_t a = ctx->lab[x->labels + i];
			const char *s = t_str(ctx, a);
			size_t j = 0;
			bool dup = false;
			while (j < nlab) {
				int cmp = strcmp(s, t_str(ctx, lab[j]));
				if (cmp == 0)
					dup = true;
				if (cmp <= 0)
					break;
				j++;
			}
			if (dup)
				continue;
			if (j >= THREAD_ROW_LABELS) {
				row->labels_more = true;
				continue;
			}
			if (nlab == THREAD_ROW_LABELS)
				row->labels_more = true;
			else
				nlab++;
			memmove(lab + j + 1, lab + j, (nlab - 1 - j) * sizeof *lab);
			lab[j] = a;
		}
	})
	row->n_labels = nlab;
	for (size_t i = 0; i < nlab; i++)
		row->labels[i] = t_str(ctx, lab[i]);
	if (oldest == TNIL)
		return true;

	/* the last few other senders: their newest messages, the newest few of those */
	enum { K = THREAD_ROW_PEOPLE - 1 };
	uint32_t first_id = sender_id(&ctx->msg[oldest]);
	uint32_t last[K];
	size_t nlast = 0;
	FOR_EACH_MSG(ctx, h, m, {
		const struct tmsg *x = &ctx->msg[m];
		uint32_t id = sender_id(x);
		if ((x->bits & TM_PENDING) || !id || id == first_id)
			continue;
		size_t j = 0;
		while (j < nlast && sender_id(&ctx->msg[last[j]]) != id)
			j++;
		if (j < nlast) {
			if (t_older(ctx, last[j], m))
				last[j] = m;
			continue;
		}
		if (nlast < K) {
			last[nlast++] = m;
			continue;
		}
		size_t lo = 0; /* the set's oldest; its minimum only ever grows */
		for (j = 1; j < nlast; j++)
			if (t_older(ctx, last[j], last[lo]))
				lo = j;
		if (t_older(ctx, last[lo], m))
			last[lo] = m;
	})
	FOR_EACH_MSG(ctx, h, m, {
		uint32_t id = sender_id(&ctx->msg[m]);
		if ((ctx->msg[m].bits & TM_PENDING) || !id || id == first_id || row->people_more)
			continue;
		bool shown = false;
		for (size_t j = 0; j < nlast && !shown; j++)
			shown = sender_id(&ctx->msg[last[j]]) == id;
		row->people_more = !shown;
	})
	t_sort(ctx, last, nlast, t_older);
	const struct tmsg *o = &ctx->msg[oldest];
	row->people[row->n_people++] = t_str(ctx, o->from_name ? o->from_name : o->from_addr);
	for (size_t j = 0; j < nlast; j++) {
		const struct tmsg *x = &ctx->msg[last[j]];
		row->people[row->n_people++] = t_str(ctx, x->from_name ? x->from_name : x->from_addr);
	}
	return true;
}
