/* Gmail: one message per X-GM-MSGID whatever folder it is seen in, threads by X-GM-THRID. */
#include "config.h"

#include <stdlib.h>

#include "mail/thread.h"
#include "mail/thread_int.h"

uint32_t t_gm_find(const struct thread_ctx *ctx, uint64_t gm_msgid)
{
	const struct tmap *m = &ctx->by_gmid;
	if (!m->slot || !ctx->gm || !gm_msgid)
		return TNIL;
	uint32_t i = (uint32_t)t_hash_u64(ctx, gm_msgid) & m->mask;
	for (uint32_t s; (s = m->slot[i]) != 0; i = (i + 1) & m->mask)
		if (ctx->gm[s - 1].msgid == gm_msgid)
			return s - 1;
	return TNIL;
}

/* Makes the X-GM id side table (parallel to ctx->msg) the first time an id is seen. */
int t_gm_enable(struct thread_ctx *ctx)
{
	if (ctx->gm)
		return 0;
	uint32_t n = ctx->capmsg ? ctx->capmsg : 1;
	ctx->gm = calloc(n, sizeof *ctx->gm);
	return ctx->gm ? 0 : -1; /* from now on msgs_grow() grows it with ctx->msg */
}

/* key becomes another name of message m. Needs alias and by_key room (reserve_one). */
void t_gm_alias_add(struct thread_ctx *ctx, uint32_t m, uint64_t key)
{
	uint32_t a;
	if (ctx->freealias != TNIL) {
		a = ctx->freealias;
		ctx->freealias = ctx->alias[a].next;
	} else {
		a = ctx->nalias++;
	}
	ctx->alias[a] = (struct talias){ .key = key, .msg = m, .next = ctx->msg[m].alias };
	ctx->msg[m].alias = a;
	t_map_insert(ctx, &ctx->by_key, TKEY_ALIAS | a);
}

/* A Gmail tree is one message: its X-GM-THRID, or 0 (a thread of its own) when unknown. */
uint64_t t_gm_group_key(const struct thread_ctx *ctx, uint32_t t)
{
	uint32_t m = ctx->cont[ctx->tree[t].root].msg;
	if (m == TNIL || !ctx->gm)
		return 0;
	return ctx->gm[m].thrid;
}
