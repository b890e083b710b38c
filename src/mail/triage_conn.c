/* triage_conn — triage's own connection (for folders no view shows: replays after a restart,
 * undo in the folder messages went to) and the replay of the journal; see triage.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "imap/connection.h"
#include "imap/ops.h"
#include "loop.h"
#include "mail/triage_int.h"

#define RP_IDLE_MS 10000   /* the connection logs out after this long without work */
#define RP_RETRY_MS 30000  /* after it could not be opened, try again after this */

/* ---- triage's own connection --------------------------------------------------------------- */

static void rp_forget_sel(struct treplay *rp)
{
	free(rp->sel);
	rp->sel = NULL;
	rp->selecting = false;
	rp->sel_op = 0;
	rp->uidvalidity = 0;
}

static void rp_state(void *ctx, enum imap_session_state old, enum imap_session_state now)
{
	(void)old;
	struct triage *t = ctx;
	struct treplay *rp = &t->rp;
	bool ready = now == IMAP_SESSION_AUTH || now == IMAP_SESSION_SELECTED;
	if (ready && !rp->ready) {
		rp->ready = true;
		rp_forget_sel(rp);
		ts_later(t);
	} else if (!ready) {
		rp->ready = false;
	}
}

static void rp_untagged(void *ctx, const struct imap_response *r)
{
	(void)ctx;
	(void)r;
}

static void rp_session_new(void *ctx, struct imap_session *s)
{
	struct triage *t = ctx;
	t->rp.s = s;
	t->rp.ready = false;
	rp_forget_sel(&t->rp);
}

static void rp_down(void *ctx, const char *why, long retry_ms)
{
	(void)why;
	struct triage *t = ctx;
	struct treplay *rp = &t->rp;
	rp->s = NULL;
	rp->ready = false;
	rp_forget_sel(rp);
	if (retry_ms < 0 && !t->freeing) {
		/* logged out (idle), or refused for good: open a new one when needed */
		rp->failed = !rp->closing;
		rp->failed_at = loop_now_ms(t->loop);
		rp->closing = false;
		imap_connection_free(&rp->c);
	}
	ts_later(t);
}

static bool rp_open(struct triage *t)
{
	struct treplay *rp = &t->rp;
	if (rp->test)
		return rp->s != NULL;
	if (rp->c)
		return true;
	if (rp->failed && loop_now_ms(t->loop) - rp->failed_at < RP_RETRY_MS)
		return false;
	rp->failed = false;
	const struct config_account *cfg = tm_config(t->a);
	if (!cfg) {
		rp->failed = true;
		rp->failed_at = loop_now_ms(t->loop);
		return false;
	}
	struct imap_connection_opts co;
	imap_connection_opts_init(&co);
	co.pool = tm_pool(t->a);
	co.session.idle = false;
	co.session.enable_condstore = false;
	struct imap_connection_callbacks cb;
	memset(&cb, 0, sizeof cb);
	cb.session.state = rp_state;
	cb.session.untagged = rp_untagged;
	cb.session_new = rp_session_new;
	cb.down = rp_down;
	char err[256];
	rp->closing = false;
	rp->idle_since = 0;
	rp->c = imap_connection_new(t->loop, cfg, &co, &cb, t, err, sizeof err);
	if (!rp->c) {
		rp->failed = true; /* e.g. max_connections reached: views may still come */
		rp->failed_at = loop_now_ms(t->loop);
		return false;
	}
	return true;
}
static void rp_selected(void *ctx, const struct imap_select_result *r)
{
	struct triage *t = ctx;
	struct treplay *rp = &t->rp;
	if (!rp->selecting || (r->op.id && r->op.id != rp->sel_op))
		return;
	rp->selecting = false;
	rp->sel_op = 0;
	if (r->op.status == IMAP_OP_OK) {
		rp->uidvalidity = (r->present & IMAP_SEL_UIDVALIDITY) ? r->uidvalidity : 0;
	} else if (r->op.status == IMAP_OP_ABORTED || r->op.status == IMAP_OP_TIMEOUT) {
		rp_forget_sel(rp);
	} else {
		char *key = rp->sel;
		rp->sel = NULL;
		char *name = key ? tm_folder_name(t->a, key) : NULL;
		char why[TRIAGE_ERR_MAX];
		snprintf(why, sizeof why, "cannot open %s: %s", name ? name : "?", r->op.message);
		free(name);
		if (key)
			ts_fail_key(t, key, why);
		free(key);
		rp_forget_sel(rp);
	}
	ts_later(t);
}

static void rp_select(struct triage *t, const char *key)
{
	struct treplay *rp = &t->rp;
	char *name = tm_folder_name(t->a, key);
	rp_forget_sel(rp);
	rp->sel = strdup(key);
	if (!name || !rp->sel) {
		free(name);
		rp_forget_sel(rp);
		return;
	}
	rp->selecting = true;
	rp->sel_op = 0;
	uint32_t op = imap_op_select(rp->s, name, NULL, rp_selected, t);
	free(name);
	if (op && rp->selecting)
		rp->sel_op = op;
}

static bool busy_on(struct triage *t, struct imap_session *s)
{
	for (struct tentry *e = t->head; e; e = e->next)
		if (!e->dead && e->st != TE_QUEUED && e->s == s)
			return true;
	return false;
}

/* Where entries of folder key can go now. */
/* Triage's own session, selected on key: true with *s and *uv, or false (not yet: connecting,
 * selecting, or busy in another folder). */
bool tc_channel(struct triage *t, const char *key, struct imap_session **s, uint32_t *uv)
{
	struct treplay *rp = &t->rp;
	if (!rp_open(t) || !rp->s)
		return false;
	if (rp->test) {
		enum imap_session_state st = imap_session_state(rp->s);
		rp->ready = st == IMAP_SESSION_AUTH || st == IMAP_SESSION_SELECTED;
	}
	if (!rp->ready)
		return false;
	rp->idle_since = 0;
	if (rp->sel && strcmp(rp->sel, key) == 0) {
		if (rp->selecting)
			return false;
		*s = rp->s;
		*uv = rp->uidvalidity;
		return true;
	}
	if (!rp->selecting && !busy_on(t, rp->s))
		rp_select(t, key);
	return false;
}

static bool rp_idle(struct triage *t)
{
	struct treplay *rp = &t->rp;
	for (struct tentry *e = t->head; e; e = e->next) {
		if (e->dead)
			continue;
		if (e->st != TE_QUEUED) {
			if (e->s == rp->s)
				return false;
			continue;
		}
		bool ready;
		if (!tm_send_view(t->a, e->mailbox, &ready))
			return false;
	}
	return true;
}

void tc_check_idle(struct triage *t)
{
	struct treplay *rp = &t->rp;
	if (!rp->c || rp->closing || rp->test)
		return;
	if (!rp_idle(t)) {
		rp->idle_since = 0;
		return;
	}
	int64_t now = loop_now_ms(t->loop);
	if (!rp->idle_since) {
		rp->idle_since = now;
	} else if (now - rp->idle_since >= RP_IDLE_MS) {
		rp->closing = true;
		imap_connection_logout(rp->c);
	}
}

void tc_stop(struct triage *t)
{
	struct treplay *rp = &t->rp;
	if (rp->sel_op && rp->s)
		imap_op_cancel(rp->s, rp->sel_op);
	if (rp->c)
		imap_connection_free(&rp->c);
	rp_forget_sel(rp);
	rp->s = NULL;
}

void triage_test_session(struct triage *t, struct imap_session *s)
{
	struct treplay *rp = &t->rp;
	rp->test = s != NULL;
	rp->s = s;
	rp_forget_sel(rp);
	enum imap_session_state st = s ? imap_session_state(s) : IMAP_SESSION_CLOSED;
	rp->ready = st == IMAP_SESSION_AUTH || st == IMAP_SESSION_SELECTED;
	ts_later(t);
}

static void enqueue_sorted(struct triage *t, struct tentry *e)
{
	struct tentry *at = t->head;
	while (at && at->id && at->seq < e->seq)
		at = at->next;
	if (!at) {
		ts_enqueue(t, e);
		return;
	}
	e->next = at;
	e->prev = at->prev;
	if (at->prev)
		at->prev->next = e;
	else
		t->head = e;
	at->prev = e;
	t->n++;
}

/* ---- replay -------------------------------------------------------------------------------- */

struct claimed {
	struct triage *t;
	struct tentry *list;   /* new entries, in order (linked through next) */
	struct tentry **tail;
	int64_t bad[16];       /* damaged entries to fail */
	size_t n_bad;
};

static int claim_cb(void *ctx, const struct cache_jentry *j)
{
	struct claimed *cl = ctx;
	struct triage *t = cl->t;
	if (ts_find(t, j->id))
		return 0;
	for (struct tentry *x = cl->list; x; x = x->next)
		if (x->id == j->id)
			return 0;
	struct tentry *e = tr_entry_new(t, TE_ENTRY);
	if (!e)
		return 1;
	e->id = j->id;
	e->seq = j->seq;
	e->group = j->group;
	e->kind = j->kind;
	e->uidvalidity = j->uidvalidity;
	e->attempts = j->attempts;
	e->mailbox = strdup(j->mailbox);
	e->dest = j->dest ? strdup(j->dest) : NULL;
	bool ok = e->mailbox && (!j->dest || e->dest) && seqset_copy(&e->uids, j->uids) == SEQSET_OK &&
		  tr_entry_args(e, j->args, j->n_args) == 0;
	if (ok && e->kind == CACHE_J_LABELS_REMOVE && e->n_args) {
		char *name = tm_folder_name(t->a, e->mailbox);
		e->hide = name && tr_label_hides(t, name, e->args[0]);
		free(name);
	} else if (ok && e->kind == CACHE_J_MOVE) {
		e->hide = true;
	}
	if (!ok || seqset_is_empty(&e->uids) ||
	    (e->kind != CACHE_J_MOVE && e->kind != CACHE_J_COPY && !e->n_args)) {
		if (cl->n_bad < sizeof cl->bad / sizeof cl->bad[0])
			cl->bad[cl->n_bad++] = j->id;
		tr_entry_free(e);
		return 0;
	}
	*cl->tail = e;
	cl->tail = &e->next;
	return 0;
}

void triage_replay(struct triage *t)
{
	if (!t || t->freeing || !t->c || !cache_usable(t->c))
		return;
	struct claimed cl = {.t = t};
	cl.tail = &cl.list;
	(void)cache_journal_claim_all(t->c, claim_cb, &cl, NULL);
	for (size_t i = 0; i < cl.n_bad; i++)
		(void)cache_journal_failed(t->c, cl.bad[i], "damaged journal entry");
	for (struct tentry *e = cl.list, *next; e; e = next) {
		next = e->next;
		e->next = NULL;
		enqueue_sorted(t, e);
	}
	ts_later(t);
}
