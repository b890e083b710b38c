/* mailbox_sort — server-sorted mailbox views (account_opts.sort, when SORT is offered): the
 * sequence table stays the store (and keeps EXPUNGE/EXISTS bookkeeping right); the order is a
 * list of UIDs from UID SORT (REVERSE DATE). This costs one number per message on the wire and in
 * memory, which is why it is an option: the default order (newest first by arrival) needs none.
 *
 * Steps after SELECT: UID SEARCH ALL (ESEARCH: compact ranges) tells the UID of every sequence
 * number, then UID SORT gives the order. New mail (EXISTS) asks for both again; EXPUNGE drops the
 * UID from the order at once. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap/encode.h"
#include "imap/search.h"
#include "imap/seqset.h"
#include "loop.h"
#include "mail/account_int.h"

bool view_sort_wanted(const struct view *v, const struct acct_conn *c)
{
	return v->kind == VIEW_KIND_MAILBOX && v->a->o.sort && c->s &&
	       imap_session_has_cap(c->s, "SORT");
}

static void sort_vis_rebuild(struct view *v)
{
	if (!v->sort_vis_stale)
		return;
	free(v->sort_vis);
	v->sort_vis = NULL;
	v->sort_vis_n = 0;
	v->sort_vis_stale = false;
	if (!v->t.n_hidden) {
		return;
	}
	v->sort_vis = malloc((v->sort_n + 1) * sizeof *v->sort_vis);
	if (!v->sort_vis)
		return;
	for (size_t i = 0; i < v->sort_n; i++) {
		size_t idx = mbx_find_uid(&v->t, v->sort_uids[i]);
		const struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_get(&v->t, idx);
		if (!s || !(s->bits & MBX_S_HIDDEN))
			v->sort_vis[v->sort_vis_n++] = v->sort_uids[i];
	}
}

/* The visible order: all of it when nothing is hidden. */
static const uint32_t *order(struct view *v, size_t *n)
{
	sort_vis_rebuild(v);
	if (v->sort_vis) {
		*n = v->sort_vis_n;
		return v->sort_vis;
	}
	*n = v->sort_n;
	return v->sort_uids;
}

size_t view_sort_count(struct view *v)
{
	size_t n;
	(void)order(v, &n);
	return n;
}

size_t view_sort_index(struct view *v, size_t pos)
{
	size_t n;
	const uint32_t *o = order(v, &n);
	return pos < n ? mbx_find_uid(&v->t, o[pos]) : SIZE_MAX;
}

size_t view_sort_pos(struct view *v, size_t idx)
{
	const struct mbx_slot *s = mbx_get(&v->t, idx);
	if (!s || !s->uid)
		return SIZE_MAX;
	size_t n;
	const uint32_t *o = order(v, &n);
	for (size_t i = 0; i < n; i++)
		if (o[i] == s->uid)
			return i;
	return SIZE_MAX;
}

void view_sort_hidden_changed(struct view *v)
{
	v->sort_vis_stale = true;
}

void view_sort_expunged(struct view *v, uint32_t uid)
{
	for (size_t i = 0; i < v->sort_n; i++)
		if (v->sort_uids[i] == uid) {
			memmove(&v->sort_uids[i], &v->sort_uids[i + 1], (v->sort_n - i - 1) * sizeof(uint32_t));
			v->sort_n--;
			break;
		}
	v->sort_vis_stale = true;
}

void view_sort_stop(struct view *v)
{
	if (v->sort_cmd && v->sort_s)
		imap_session_cancel(v->sort_s, v->sort_cmd);
	if (v->sort_op && v->sort_s)
		imap_op_cancel(v->sort_s, v->sort_op);
	v->sort_cmd = v->sort_op = 0;
	v->sort_s = NULL;
	free(v->sort_uids);
	free(v->sort_vis);
	v->sort_uids = v->sort_vis = NULL;
	v->sort_n = v->sort_vis_n = 0;
}

/* ---- the two commands --------------------------------------------------------------------- */

static void sort_untagged(void *ctx, const struct imap_response *r)
{
	struct view *v = ctx;
	if (r->kind != IMAP_RESP_SORT || v->dead)
		return;
	uint32_t *u = malloc((r->u.search.n + 1) * sizeof *u);
	if (!u)
		return;
	memcpy(u, r->u.search.v, r->u.search.n * sizeof *u);
	free(v->sort_uids);
	v->sort_uids = u;
	v->sort_n = r->u.search.n;
	v->sort_vis_stale = true;
}

static void sort_done(void *ctx, const struct imap_result *res)
{
	struct view *v = ctx;
	v->sort_cmd = 0;
	v->sort_s = NULL;
	if (v->dead)
		return;
	if (res->status != IMAP_DONE_OK) {
		if (res->status == IMAP_DONE_NO || res->status == IMAP_DONE_BAD)
			acct_alert(v->a, "sorting %s failed: %s", v->folder, res->message);
		return;
	}
	v->sorted = true;
	view_hold(v);
	view_emit_count(v, 0, 0);
	if (!v->dead && v->want_count)
		view_want(v, v->want_first, v->want_count);
	if (!v->dead && v->sort_again) {
		v->sort_again = false;
		view_sort_start(v, &v->a->conn[v->conn]);
	}
	view_release(v);
}

static void send_sort(struct view *v, struct imap_session *s)
{
	struct imap_cmd cmd;
	if (imap_session_cmd_init(s, &cmd, "UID SORT") == 0) {
		mbx_cut(imap_cmd_add_raw(&cmd, "(REVERSE DATE) UTF-8 ALL"));
		if (imap_cmd_finish(&cmd) == 0) {
			v->sort_s = s;
			v->sort_cmd = imap_session_submit(s, &cmd, 0, IMAP_INTEREST(IMAP_RESP_SORT),
							  sort_untagged, sort_done, v);
			if (!v->sort_cmd)
				v->sort_s = NULL;
		}
	}
	imap_cmd_free(&cmd);
}

static void uids_done(void *ctx, const struct imap_search_result *r)
{
	struct view *v = ctx;
	struct imap_session *s = v->sort_s;
	v->sort_op = 0;
	if (v->dead)
		return;
	if (r->op.status != IMAP_OP_OK || !s) {
		v->sort_s = NULL;
		return;
	}
	if (seqset_count(r->all) != v->t.n) {
		/* mail came or went meanwhile: go again if EXISTS/EXPUNGE asked for it, else keep
		 * the arrival order until the next change */
		v->sort_s = NULL;
		if (v->sort_again) {
			v->sort_again = false;
			view_sort_start(v, &v->a->conn[v->conn]);
		}
		return;
	}
	struct seqset_iter it;
	uint32_t uid;
	size_t i = 0;
	for (seqset_iter_init(&it, r->all); seqset_iter_next(&it, &uid) && i < v->t.n; i++) {
		struct mbx_slot *sl = mbx_at(&v->t, i);
		if (!sl)
			break;
		sl->uid = uid;
	}
	v->t.uid_sorted = i == v->t.n; /* every UID known, ascending: binary search */
	send_sort(v, s);
}

void view_sort_start(struct view *v, struct acct_conn *c)
{
	if (!acct_conn_usable(c))
		return;
	if (v->sort_op || v->sort_cmd) {
		v->sort_again = true;
		return;
	}
	struct imap_search *q = imap_search_key(IMAP_SK_ALL);
	if (!q)
		return;
	struct imap_search_opts so = {.uid = true, .ret = IMAP_SEARCH_RET_ALL};
	v->sort_s = c->s;
	v->sort_op = imap_op_search(c->s, q, &so, uids_done, v);
	imap_search_free(&q);
}
