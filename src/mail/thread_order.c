/* Thread order (newest activity first, kept incrementally), change reports, memory figures. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mail/thread.h"
#include "mail/thread_int.h"

/* Heap sort of indices by a "less" that needs the context (qsort has no context argument, and
 * a static one would be a global). Orders here are total, so stability does not matter. */
void t_sort(const struct thread_ctx *ctx, uint32_t *v, size_t n,
	    bool (*less)(const struct thread_ctx *, uint32_t, uint32_t))
{
	if (n < 2)
		return;
	for (size_t start = n / 2; start-- > 0;) {
		for (size_t r = start; 2 * r + 1 < n;) {
			size_t c = 2 * r + 1;
			if (c + 1 < n && less(ctx, v[c], v[c + 1]))
				c++;
			if (!less(ctx, v[r], v[c]))
				break;
			uint32_t tmp = v[r];
			v[r] = v[c];
			v[c] = tmp;
			r = c;
		}
	}
	for (size_t end = n - 1; end > 0; end--) {
		uint32_t tmp = v[0];
		v[0] = v[end];
		v[end] = tmp;
		for (size_t r = 0; 2 * r + 1 < end;) {
			size_t c = 2 * r + 1;
			if (c + 1 < end && less(ctx, v[c], v[c + 1]))
				c++;
			if (!less(ctx, v[r], v[c]))
				break;
			tmp = v[r];
			v[r] = v[c];
			v[c] = tmp;
			r = c;
		}
	}
}

static struct tokey sort_key(const struct thread_ctx *ctx, uint32_t th)
{
	const struct tmsg *m = &ctx->msg[ctx->thr[th].newest];
	return (struct tokey){ ctx->opt.order == THREAD_ORDER_DATE ? m->date : 0, m->key };
}

/* "a comes before b": newer activity first (the order of t_newer(), on saved keys). */
static bool key_before(struct tokey a, struct tokey b)
{
	return a.date != b.date ? a.date > b.date : a.key > b.key;
}

/*
 * The order is a list of sorted blocks of at most T_ORDER_BLOCK threads. Moving a thread costs a
 * scan of its block, a binary search over the blocks and one within a block: mail arriving
 * anywhere (new mail at the front, background fill at the back, random) costs what changed, not
 * what the mailbox holds. Positions come from prefix counts redone lazily, O(blocks).
 */
static void seq_remove_at(struct thread_ctx *ctx, uint32_t s)
{
	memmove(ctx->seq.v + s, ctx->seq.v + s + 1, (size_t)(ctx->seq.n - s - 1) * sizeof *ctx->seq.v);
	ctx->seq.n--;
}

/* Takes th out of the order (no allocation; empty blocks are freed). */
void t_order_remove(struct thread_ctx *ctx, uint32_t th)
{
	uint32_t b = ctx->thr[th].blk;
	if (b == TNIL)
		return;
	struct tblock *B = ctx->blk[b];
	uint32_t i = 0;
	while (i < B->n && B->id[i] != th)
		i++;
	if (i < B->n) {
		memmove(B->id + i, B->id + i + 1, (size_t)(B->n - i - 1) * sizeof *B->id);
		memmove(B->key + i, B->key + i + 1, (size_t)(B->n - i - 1) * sizeof *B->key);
		B->n--;
	}
	ctx->thr[th].blk = TNIL;
	ctx->prefix_stale = true;
	if (B->n > 0)
		return;
	for (uint32_t s = 0; s < ctx->seq.n; s++)
		if (ctx->seq.v[s] == b) {
			seq_remove_at(ctx, s);
			break;
		}
	ctx->blk[b] = NULL;
	if (!ctx->spare_blk)
		ctx->spare_blk = B;
	else
		free(B);
}

/* Room for one more block: a spare block, its id slot, its place in seq. */
static int order_room(struct thread_ctx *ctx)
{
	if (t_vec_reserve(&ctx->seq, 1) < 0 ||
	    t_grow((void **)&ctx->blk, &ctx->capblk, (uint64_t)ctx->nblk + 1, sizeof *ctx->blk) < 0)
		return -1;
	if (!ctx->spare_blk && !(ctx->spare_blk = malloc(sizeof *ctx->spare_blk)))
		return -1;
	return 0;
}

/* Turns the spare block (order_room()) into an empty block and returns its id. */
static uint32_t take_spare(struct thread_ctx *ctx)
{
	uint32_t b = 0;
	while (b < ctx->nblk && ctx->blk[b])
		b++;
	if (b == ctx->nblk)
		ctx->nblk++;
	ctx->blk[b] = ctx->spare_blk;
	ctx->spare_blk = NULL;
	ctx->blk[b]->n = 0;
	return b;
}

/* Places th (not placed) by its current sort key. */
static int order_insert(struct thread_ctx *ctx, uint32_t th)
{
	struct tokey k = sort_key(ctx, th);
	/* room first, so nothing below can fail half-way */
	if (order_room(ctx) < 0)
		return -1;
	if (ctx->seq.n == 0)
		ctx->seq.v[ctx->seq.n++] = take_spare(ctx);
	/* the block: the last whose first key is not after k */
	uint32_t lo = 0, hi = ctx->blk[ctx->seq.v[0]]->n ? ctx->seq.n : 0;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct tblock *M = ctx->blk[ctx->seq.v[mid]];
		if (key_before(k, M->key[0]))
			hi = mid;
		else
			lo = mid + 1;
	}
	uint32_t s = lo > 0 ? lo - 1 : 0, b = ctx->seq.v[s];
	struct tblock *B = ctx->blk[b];
	lo = 0;
	hi = B->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (key_before(k, B->key[mid]))
			hi = mid;
		else
			lo = mid + 1;
	}
	uint32_t p = lo;
	if (B->n == T_ORDER_BLOCK) {
		/* split: the part after `half` moves to a new block, right after this one. Near an
		 * end the split is uneven, so runs of arrivals there (new mail at the front,
		 * background fill at the back) leave full blocks behind. */
		uint32_t half = T_ORDER_BLOCK / 2;
		if (p <= T_ORDER_BLOCK / 8)
			half = T_ORDER_BLOCK / 8;
		else if (p >= T_ORDER_BLOCK - T_ORDER_BLOCK / 8)
			half = T_ORDER_BLOCK - T_ORDER_BLOCK / 8;
		uint32_t spare = take_spare(ctx);
		B = ctx->blk[b]; /* ctx->blk did not move (room was made), but be plain about it */
		struct tblock *C = ctx->blk[spare];
		C->n = T_ORDER_BLOCK - half;
		memcpy(C->id, B->id + half, C->n * sizeof *C->id);
		memcpy(C->key, B->key + half, C->n * sizeof *C->key);
		B->n = half;
		for (uint32_t i = 0; i < C->n; i++)
			ctx->thr[C->id[i]].blk = spare;
		memmove(ctx->seq.v + s + 2, ctx->seq.v + s + 1, (size_t)(ctx->seq.n - s - 1) * sizeof *ctx->seq.v);
		ctx->seq.v[s + 1] = spare;
		ctx->seq.n++;
		if (p > half) {
			B = C;
			b = spare;
			p -= half;
		}
	}
	memmove(B->id + p + 1, B->id + p, (size_t)(B->n - p) * sizeof *B->id);
	memmove(B->key + p + 1, B->key + p, (size_t)(B->n - p) * sizeof *B->key);
	B->id[p] = th;
	B->key[p] = k;
	B->n++;
	ctx->thr[th].blk = b;
	ctx->prefix_stale = true;
	return 0;
}

void t_order_free(struct thread_ctx *ctx)
{
	for (uint32_t b = 0; b < ctx->nblk; b++)
		free(ctx->blk[b]);
	free(ctx->blk);
	free(ctx->spare_blk);
	ctx->spare_blk = NULL;
	free(ctx->seq.v);
	free(ctx->prefix);
	free(ctx->rank);
	ctx->blk = NULL;
	ctx->nblk = ctx->capblk = 0;
	ctx->seq = (struct tvec){ 0 };
	ctx->prefix = ctx->rank = NULL;
}

/* Packs the blocks full, in place: the writer never passes the reader, as no block holds more
 * than a full one. Emptied blocks are freed. */
static void order_pack(struct thread_ctx *ctx)
{
	uint32_t w = 0, wi = 0;
	for (uint32_t r = 0; r < ctx->seq.n; r++) {
		struct tblock *R = ctx->blk[ctx->seq.v[r]];
		for (uint32_t ri = 0; ri < R->n; ri++) {
			if (wi == T_ORDER_BLOCK) {
				ctx->blk[ctx->seq.v[w]]->n = T_ORDER_BLOCK;
				w++;
				wi = 0;
			}
			struct tblock *W = ctx->blk[ctx->seq.v[w]];
			W->id[wi] = R->id[ri];
			W->key[wi] = R->key[ri];
			ctx->thr[W->id[wi]].blk = ctx->seq.v[w];
			wi++;
		}
	}
	uint32_t used = wi ? w + 1 : w;
	if (wi)
		ctx->blk[ctx->seq.v[w]]->n = wi;
	for (uint32_t s = used; s < ctx->seq.n; s++) {
		uint32_t b = ctx->seq.v[s];
		free(ctx->blk[b]);
		ctx->blk[b] = NULL;
	}
	ctx->seq.n = used;
	ctx->prefix_stale = true;
}

/* Applies the pending moves; -1 when out of memory (what is placed stays usable). */
static int order_flush(struct thread_ctx *ctx)
{
	if (ctx->order_all) {
		/* a lost mark: place every live thread again */
		if (t_vec_reserve(&ctx->order_dirty, ctx->livethr) < 0)
			return -1;
		ctx->order_dirty.n = 0;
		for (uint32_t th = 0; th < ctx->nthr; th++) {
			ctx->thr[th].flags &= ~TH_ORDER_DIRTY;
			if (ctx->thr[th].flags & TH_LIVE) {
				ctx->thr[th].flags |= TH_ORDER_DIRTY;
				ctx->order_dirty.v[ctx->order_dirty.n++] = th;
			}
		}
		ctx->order_all = false;
	}
	/* take all of them out, then put them back */
	uint32_t nd = 0;
	uint32_t *d = ctx->order_dirty.v;
	for (uint32_t i = 0; i < ctx->order_dirty.n; i++) {
		uint32_t th = d[i];
		if (!(ctx->thr[th].flags & TH_ORDER_DIRTY))
			continue;
		ctx->thr[th].flags &= ~TH_ORDER_DIRTY;
		t_order_remove(ctx, th);
		if (ctx->thr[th].flags & TH_LIVE)
			d[nd++] = th;
	}
	ctx->order_dirty.n = 0;
	for (uint32_t i = 0; i < nd; i++)
		if (order_insert(ctx, d[i]) < 0) {
			ctx->order_all = true;
			return -1;
		}
	/* moves leave holes; when blocks are on average under half full, pack them. Packing
	 * fills blocks, so it takes many moves to come back here: O(1) amortised. */
	if (ctx->seq.n > 8 && (uint64_t)ctx->seq.n * (T_ORDER_BLOCK / 2) > ctx->livethr)
		order_pack(ctx);
	return 0;
}

static int prefix_update(struct thread_ctx *ctx)
{
	if (!ctx->prefix_stale && ctx->prefix)
		return 0;
	uint32_t *p = realloc(ctx->prefix, ((size_t)ctx->seq.cap + 1) * sizeof *p);
	if (!p)
		return -1;
	ctx->prefix = p;
	uint32_t *r = realloc(ctx->rank, ((size_t)ctx->capblk + 1) * sizeof *r);
	if (!r)
		return -1;
	ctx->rank = r;
	uint32_t sum = 0;
	for (uint32_t s = 0; s < ctx->seq.n; s++) {
		ctx->prefix[s] = sum;
		ctx->rank[ctx->seq.v[s]] = s;
		sum += ctx->blk[ctx->seq.v[s]]->n;
	}
	ctx->prefix[ctx->seq.n] = sum;
	ctx->prefix_stale = false;
	return 0;
}

size_t thread_order_get(struct thread_ctx *ctx, size_t from, uint32_t *out, size_t n)
{
	(void)order_flush(ctx); /* on failure, serve what is placed */
	if (prefix_update(ctx) < 0 || ctx->seq.n == 0 || from >= ctx->prefix[ctx->seq.n])
		return 0;
	/* the last block starting at or before from */
	uint32_t lo = 0, hi = ctx->seq.n;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ctx->prefix[mid] <= from)
			lo = mid;
		else
			hi = mid;
	}
	size_t k = 0;
	size_t i = from - ctx->prefix[lo];
	for (uint32_t s = lo; s < ctx->seq.n && k < n; s++, i = 0) {
		const struct tblock *B = ctx->blk[ctx->seq.v[s]];
		for (; i < B->n && k < n; i++)
			out[k++] = B->id[i];
	}
	return k;
}

size_t thread_order_pos(struct thread_ctx *ctx, uint32_t tid)
{
	(void)order_flush(ctx);
	if (tid >= ctx->nthr || !(ctx->thr[tid].flags & TH_LIVE) || ctx->thr[tid].blk == TNIL ||
	    prefix_update(ctx) < 0)
		return SIZE_MAX;
	uint32_t b = ctx->thr[tid].blk;
	const struct tblock *B = ctx->blk[b];
	for (uint32_t i = 0; i < B->n; i++)
		if (B->id[i] == tid)
			return (size_t)ctx->prefix[ctx->rank[b]] + i;
	return SIZE_MAX;
}

void thread_changes(struct thread_ctx *ctx, struct thread_changes *out)
{
	struct tvec tmp;
	/* gone ids reported last time may be reused now */
	for (uint32_t i = 0; i < ctx->out_gone.n; i++) {
		uint32_t th = ctx->out_gone.v[i];
		ctx->thr[th].first_tree = ctx->freethr;
		ctx->freethr = th;
	}
	ctx->out_gone.n = 0;
	ctx->out_changed.n = 0;
	tmp = ctx->out_changed;
	ctx->out_changed = ctx->changed;
	ctx->changed = tmp;
	tmp = ctx->out_gone;
	ctx->out_gone = ctx->gone;
	ctx->gone = tmp;

	uint32_t k = 0;
	for (uint32_t i = 0; i < ctx->out_changed.n; i++) {
		uint32_t th = ctx->out_changed.v[i];
		if (!(ctx->thr[th].flags & TH_CHANGED))
			continue;
		ctx->thr[th].flags &= ~TH_CHANGED;
		if (ctx->thr[th].flags & TH_LIVE)
			ctx->out_changed.v[k++] = th;
	}
	ctx->out_changed.n = k;
	out->changed = ctx->out_changed.v;
	out->n_changed = k;
	out->gone = ctx->out_gone.v;
	out->n_gone = ctx->out_gone.n;
	out->reset = ctx->overflow;
	if (ctx->overflow) {
		ctx->overflow = false;
		ctx->order_all = true;
	}
}

void thread_mem_usage(const struct thread_ctx *ctx, size_t *structs, size_t *strings)
{
	size_t s = sizeof *ctx;
	s += (size_t)ctx->capmsg * sizeof *ctx->msg;
	if (ctx->gm)
		s += (size_t)ctx->capmsg * sizeof *ctx->gm;
	s += (size_t)ctx->capcont * sizeof *ctx->cont;
	s += (size_t)ctx->captree * sizeof *ctx->tree;
	s += (size_t)ctx->capthr * sizeof *ctx->thr;
	s += (size_t)ctx->capalias * sizeof *ctx->alias;
	s += (size_t)ctx->caplab * sizeof *ctx->lab;
	const struct tmap *maps[] = { &ctx->by_id, &ctx->by_key, &ctx->by_gmid, &ctx->by_gkey };
	for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
		if (maps[i]->slot)
			s += ((size_t)maps[i]->mask + 1) * sizeof(uint32_t);
	if (ctx->str.slot)
		s += ((size_t)ctx->str.mask + 1) * sizeof *ctx->str.slot;
	s += (size_t)ctx->str.capchunk * sizeof(char *);
	s += (size_t)ctx->capblk * sizeof *ctx->blk;
	for (uint32_t b = 0; b < ctx->nblk; b++)
		if (ctx->blk[b])
			s += sizeof *ctx->blk[b];
	if (ctx->spare_blk)
		s += sizeof *ctx->spare_blk;
	if (ctx->prefix)
		s += ((size_t)ctx->seq.cap + 1) * sizeof *ctx->prefix;
	if (ctx->rank)
		s += ((size_t)ctx->capblk + 1) * sizeof *ctx->rank;
	const struct tvec *vecs[] = { &ctx->touched, &ctx->recompute, &ctx->changed, &ctx->gone,
				      &ctx->out_changed, &ctx->out_gone, &ctx->seq,
				      &ctx->order_dirty, &ctx->scratch };
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
		s += (size_t)vecs[i]->cap * sizeof(uint32_t);
	*structs = s;
	*strings = (size_t)ctx->str.nchunk * TSTR_CHUNK + (ctx->str.spare ? TSTR_CHUNK : 0);
}
