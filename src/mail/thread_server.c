/* RFC 5256 THREAD responses (struct imap_thread, see src/imap/response.h) turned into the
 * context's forest. Iterative: neither the nesting nor a long chain of numbers recurses. */
#include "config.h"

#include <stdlib.h>

#include "mail/thread.h"
#include "mail/thread_int.h"

struct srv_item {
	const struct imap_thread *t;
	uint32_t parent; /* container */
};

struct srv_stack {
	struct srv_item *v;
	uint32_t n, cap;
};

static int push(struct srv_stack *s, const struct imap_thread *t, uint32_t parent)
{
	if (t_grow((void **)&s->v, &s->cap, (uint64_t)s->n + 1, sizeof *s->v) < 0)
		return -1;
	s->v[s->n++] = (struct srv_item){ t, parent };
	return 0;
}

/* Counts the response's nodes and numbers so everything can be reserved before any change. */
static int measure(const struct imap_resp_thread *resp, struct srv_stack *s, uint64_t *nodes,
		   uint64_t *nums)
{
	s->n = 0;
	for (size_t i = 0; i < resp->n; i++)
		if (push(s, &resp->v[i], 0) < 0)
			return -1;
	while (s->n > 0) {
		const struct imap_thread *t = s->v[--s->n].t;
		(*nodes)++;
		*nums += t->n_nums;
		for (size_t i = 0; i < t->n_sub; i++)
			if (push(s, &t->sub[i], 0) < 0)
				return -1;
	}
	return 0;
}

/* A message container for key under parent (a fresh one merged into parent's tree). */
static uint32_t place(struct thread_ctx *ctx, uint32_t parent, uint32_t m)
{
	uint32_t c = t_cont_new(ctx, 0);
	if (m != TNIL) {
		ctx->cont[c].msg = m;
		ctx->msg[m].cont = c;
		t_tree_add_msg(ctx, ctx->cont[c].tree, m);
	}
	if (parent != TNIL)
		t_link(ctx, parent, c);
	return c;
}

int thread_set_server(struct thread_ctx *ctx, const struct imap_resp_thread *resp, uint64_t key_base)
{
	if (ctx->opt.mode != THREAD_SERVER || !resp)
		return -1;
	struct srv_stack s = { 0 };
	uint64_t nodes = 0, nums = 0;
	if (measure(resp, &s, &nodes, &nums) < 0)
		goto fail;
	/* every container: one per node and number, a root per thread, one per older message */
	uint64_t conts = nodes + nums + resp->n + ctx->livemsg + 1;
	if (conts > UINT32_MAX / 4 ||
	    t_grow((void **)&ctx->cont, &ctx->capcont, conts, sizeof *ctx->cont) < 0 ||
	    t_grow((void **)&ctx->tree, &ctx->captree, conts, sizeof *ctx->tree) < 0 ||
	    t_vec_reserve(&ctx->touched, (uint32_t)conts) < 0 ||
	    t_grow((void **)&s.v, &s.cap, nodes + resp->n + 1, sizeof *s.v) < 0 ||
	    t_reserve(ctx, (uint32_t)nums, 0, 0) < 0)
		goto fail;

	t_reset_forest(ctx);
	s.n = 0;
	for (size_t i = resp->n; i-- > 0;) {
		uint32_t root = place(ctx, TNIL, TNIL); /* pruned away unless it has 2+ children */
		if (push(&s, &resp->v[i], root) < 0)
			goto fail_late;
	}
	while (s.n > 0) {
		struct srv_item it = s.v[--s.n];
		uint32_t cur = it.parent;
		if (it.t->n_nums == 0)
			cur = place(ctx, cur, TNIL);
		for (size_t i = 0; i < it.t->n_nums; i++) {
			uint64_t key = key_base + it.t->nums[i];
			if (it.t->nums[i] == 0 || key < key_base)
				continue;
			uint32_t m = t_msg_of_key(ctx, key);
			if (m == TNIL) {
				m = t_msg_new(ctx, key);
				ctx->msg[m].bits |= TM_PENDING;
			} else if (ctx->msg[m].cont != TNIL) {
				continue; /* a number seen twice keeps its first place */
			}
			cur = place(ctx, cur, m);
		}
		/* branches in the server's order: the first is pushed last */
		for (size_t i = it.t->n_sub; i-- > 0;)
			if (push(&s, &it.t->sub[i], cur) < 0)
				goto fail_late;
	}
	for (uint32_t m = 0; m < ctx->nmsg; m++)
		if ((ctx->msg[m].bits & TM_LIVE) && ctx->msg[m].cont == TNIL)
			place(ctx, TNIL, m);
	free(s.v);
	return t_finish(ctx);

fail_late:
	/* the stack could not grow: what was not placed yet stands alone */
	for (uint32_t m = 0; m < ctx->nmsg; m++)
		if ((ctx->msg[m].bits & TM_LIVE) && ctx->msg[m].cont == TNIL)
			place(ctx, TNIL, m);
	t_finish(ctx);
fail:
	free(s.v);
	return -1;
}
