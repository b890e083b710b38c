/* triage_send — the queue of entries, where their commands go (a view's session, else triage's
 * own connection: triage_conn.c), the answers and the UIDVALIDITY check; see triage.h and
 * triage_int.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "imap/connection.h"
#include "imap/ops.h"
#include "imap/search.h"
#include "loop.h"
#include "mail/triage_int.h"

#define TICK_MS 5000       /* safety-net dispatch, idle logout and retry checks */

enum chan { CH_WAIT, CH_READY };

static void later(struct triage *t);

void ts_later(struct triage *t)
{
	later(t);
}

void ts_point(struct triage *t, enum triage_point p, int64_t id)
{
	if (t->point)
		t->point(t->point_ctx, p, id);
}

/* ---- the queue ----------------------------------------------------------------------------- */

void ts_enqueue(struct triage *t, struct tentry *e)
{
	e->prev = t->tail;
	e->next = NULL;
	if (t->tail)
		t->tail->next = e;
	else
		t->head = e;
	t->tail = e;
	t->n++;
}

/* Replayed entries go in journal order, before newer ones and before in-memory ones. */
void ts_unlink(struct triage *t, struct tentry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		t->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		t->tail = e->prev;
	e->next = e->prev = NULL;
	t->n--;
}

struct tentry *ts_find(struct triage *t, int64_t id)
{
	for (struct tentry *e = t->head; e; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

/* Ends e: during a dispatch pass it is only marked (the pass walks the list), else freed. */
static void retire(struct tentry *e)
{
	struct triage *t = e->t;
	if (t->dispatching) {
		e->dead = true;
		e->st = TE_QUEUED;
		t->reap = true;
		return;
	}
	ts_unlink(t, e);
	tr_entry_free(e);
}

static void reap(struct triage *t)
{
	t->reap = false;
	for (struct tentry *e = t->head, *next; e; e = next) {
		next = e->next;
		if (e->dead) {
			ts_unlink(t, e);
			tr_entry_free(e);
		}
	}
}

/* ---- outcomes ------------------------------------------------------------------------------ */

static void entry_desc(struct triage *t, const struct tentry *e, char *out, size_t cap)
{
	const char *a = e->n_args ? e->args[0] : "";
	uint64_t n = seqset_count(&e->uids);
	const char *msgs = n == 1 ? "message" : "messages";
	switch (e->kind) {
	case CACHE_J_FLAGS_ADD:
	case CACHE_J_FLAGS_REMOVE: {
		bool add = e->kind == CACHE_J_FLAGS_ADD;
		uint32_t b = tr_sysflag(a);
		if (b == IMAP_FLAG_SEEN)
			snprintf(out, cap, "mark %s %llu %s", add ? "read" : "unread",
				 (unsigned long long)n, msgs);
		else if (b == IMAP_FLAG_FLAGGED)
			snprintf(out, cap, "%s %llu %s", add ? "star" : "unstar", (unsigned long long)n,
				 msgs);
		else
			snprintf(out, cap, "%s %s on %llu %s", add ? "label" : "remove label", a,
				 (unsigned long long)n, msgs);
		break;
	}
	case CACHE_J_LABELS_ADD:
	case CACHE_J_LABELS_REMOVE:
		if (e->kind == CACHE_J_LABELS_REMOVE && tr_label_eq(a, "\\Inbox"))
			snprintf(out, cap, "archive %llu %s", (unsigned long long)n, msgs);
		else
			snprintf(out, cap, "%s %s on %llu %s",
				 e->kind == CACHE_J_LABELS_ADD ? "label" : "remove label", a,
				 (unsigned long long)n, msgs);
		break;
	case CACHE_J_MOVE:
	case CACHE_J_COPY: {
		char *name = e->dest ? tm_folder_name(t->a, e->dest) : NULL;
		snprintf(out, cap, "%s %llu %s to %s", e->kind == CACHE_J_MOVE ? "move" : "copy",
			 (unsigned long long)n, msgs, name ? name : "?");
		free(name);
		break;
	}
	}
}

static void notify(struct triage *t, const struct tentry *e, bool ok, const char *text)
{
	if (t->notify && !t->freeing)
		t->notify(t->notify_ctx, e->group, ok, text ? text : "");
}

static void entry_done(struct tentry *e, const char *result)
{
	struct triage *t = e->t;
	if (e->id && t->c)
		(void)cache_journal_done(t->c, e->id, result);
	ts_point(t, TRIAGE_AT_RECORDED, e->id);
	notify(t, e, true, NULL);
	retire(e);
	later(t);
}

static void entry_failed(struct tentry *e, const char *why)
{
	struct triage *t = e->t;
	char desc[256], text[TRIAGE_ERR_MAX];
	entry_desc(t, e, desc, sizeof desc);
	snprintf(text, sizeof text, "could not %s: %s", desc, why && *why ? why : "failed");
	if (e->id && t->c)
		(void)cache_journal_failed(t->c, e->id, text);
	ts_point(t, TRIAGE_AT_RECORDED, e->id);
	tr_model(t, e, false);
	tr_alertf(t, "%s", text);
	notify(t, e, false, text);
	retire(e);
	later(t);
}

/* Back in the queue: the connection went before the answer (it may or may not have run). */
static void requeue(struct tentry *e, const char *why)
{
	struct triage *t = e->t;
	e->st = TE_QUEUED;
	e->s = NULL;
	e->op = 0;
	e->retry_at = loop_now_ms(t->loop) + 250;
	if (e->id && t->c)
		(void)cache_journal_retry(t->c, e->id, why);
	if (t->timer && !t->freeing)
		loop_timer_start(t->timer, 250);
}

/* ---- result texts kept with a done entry (read back by undo) ------------------------------- */

static char *copyuid_text(const struct imap_copy_result *r)
{
	if (!r->has_copyuid || seqset_is_empty(r->src) || seqset_is_empty(r->dst) ||
	    seqset_count(r->src) != seqset_count(r->dst))
		return NULL;
	struct buf b;
	buf_init(&b, TRIAGE_RESULT_MAX);
	char *s = NULL;
	if (buf_printf(&b, "COPYUID %u ", r->uidvalidity) == BUF_OK &&
	    seqset_format(r->src, &b) == SEQSET_OK && buf_append_str(&b, " ") == BUF_OK &&
	    seqset_format(r->dst, &b) == SEQSET_OK)
		s = buf_steal(&b);
	buf_free(&b);
	return s; /* NULL when too long: undo searches instead */
}

struct gm_collect {
	uint64_t *v;
	size_t n, cap;
};

static int gm_row(void *ctx, const struct cache_msg *m)
{
	struct gm_collect *g = ctx;
	if (m->gm_msgid && g->n < g->cap)
		g->v[g->n++] = m->gm_msgid;
	return g->n >= g->cap;
}

/* "GMID a,b,..." for a Gmail label removal that took messages out of the folder. */
static char *gmid_text(struct tentry *e)
{
	struct triage *t = e->t;
	uint64_t local[64];
	const uint64_t *v = e->gmids;
	size_t n = e->n_gmids;
	if (!n && t->c) {
		struct gm_collect g = {local, 0, sizeof local / sizeof local[0]};
		(void)cache_msgs_get(t->c, e->mailbox, e->uidvalidity, &e->uids, gm_row, &g);
		v = local;
		n = g.n;
	}
	if (!n)
		return NULL;
	struct buf b;
	buf_init(&b, TRIAGE_RESULT_MAX);
	bool ok = buf_append_str(&b, "GMID ") == BUF_OK;
	for (size_t i = 0; ok && i < n; i++)
		if (buf_printf(&b, "%s%llu", i ? "," : "", (unsigned long long)v[i]) != BUF_OK)
			break; /* as many as fit */
	char *s = ok ? buf_steal(&b) : NULL;
	buf_free(&b);
	return s;
}

/* ---- answers ------------------------------------------------------------------------------- */

static void send_check(struct tentry *e, struct imap_session *s);
static void send_cmd(struct tentry *e, struct imap_session *s, const struct seqset *set);

static void answer(struct tentry *e, const struct imap_op_result *op, char *result)
{
	struct triage *t = e->t;
	struct imap_session *s = e->s;
	e->op = 0;
	switch (op->status) {
	case IMAP_OP_OK: {
		ts_point(t, TRIAGE_AT_ANSWERED, e->id);
		char *gm = NULL;
		if (!result && e->hide && e->kind == CACHE_J_LABELS_REMOVE)
			result = gm = gmid_text(e);
		entry_done(e, result);
		free(gm);
		break;
	}
	case IMAP_OP_NO:
	case IMAP_OP_BAD:
		ts_point(t, TRIAGE_AT_ANSWERED, e->id);
		if (e->kind == CACHE_J_MOVE && op->status == IMAP_OP_NO && s && !e->no_msg) {
			/* refused: perhaps they are gone already (moved by an earlier try); the
			 * dispatcher looks (one search at a time per session) */
			e->no_msg = strdup(op->message);
			if (e->no_msg) {
				e->st = TE_QUEUED;
				e->s = NULL;
				later(t);
				break;
			}
		}
		entry_failed(e, op->message);
		break;
	case IMAP_OP_ABORTED:
	case IMAP_OP_TIMEOUT:
		requeue(e, op->message);
		break;
	default:
		entry_failed(e, op->message);
		break;
	}
}

static void on_store(void *ctx, const struct imap_store_result *r)
{
	answer(ctx, &r->op, NULL);
}

static void on_move(void *ctx, const struct imap_copy_result *r)
{
	char *text = r->op.status == IMAP_OP_OK ? copyuid_text(r) : NULL;
	answer(ctx, &r->op, text);
	free(text);
}

static void on_check(void *ctx, const struct imap_search_result *r)
{
	struct tentry *e = ctx;
	struct imap_session *s = e->s;
	e->op = 0;
	if (r->op.status == IMAP_OP_ABORTED || r->op.status == IMAP_OP_TIMEOUT) {
		requeue(e, r->op.message);
		return;
	}
	if (r->op.status != IMAP_OP_OK) {
		if (e->no_msg) {
			char *m = e->no_msg;
			e->no_msg = NULL;
			entry_failed(e, m);
			free(m);
		} else {
			send_cmd(e, s, &e->uids); /* could not look: send as it is (MOVE is idempotent) */
		}
		return;
	}
	struct seqset left;
	seqset_init(&left);
	struct seqset_iter it;
	uint32_t uid;
	bool oom = false;
	for (seqset_iter_init(&it, r->all); seqset_iter_next(&it, &uid);)
		if (seqset_contains(&e->uids, uid) && seqset_add(&left, uid) != SEQSET_OK)
			oom = true;
	if (oom) {
		seqset_free(&left);
		entry_failed(e, "out of memory");
	} else if (seqset_is_empty(&left)) {
		seqset_free(&left);
		entry_done(e, NULL); /* none left in the source: moved already */
	} else if (e->no_msg) {
		seqset_free(&left);
		char *m = e->no_msg;
		e->no_msg = NULL;
		entry_failed(e, m);
		free(m);
	} else {
		send_cmd(e, s, &left);
		seqset_free(&left);
	}
}

/* ---- sending ------------------------------------------------------------------------------- */

static void send_cmd(struct tentry *e, struct imap_session *s, const struct seqset *set)
{
	struct triage *t = e->t;
	if (e->id && t->c) {
		enum cache_result r = cache_journal_mark_sent(t->c, e->id);
		if (r == CACHE_CONFLICT || r == CACHE_NOTFOUND) {
			retire(e); /* another process holds it, or it is over */
			return;
		}
	}
	e->attempts++;
	e->st = TE_FLIGHT;
	e->s = s;
	int64_t id = e->id;
	uint32_t op = 0;
	struct imap_store_opts so = {.uid = true};
	switch (e->kind) {
	case CACHE_J_FLAGS_ADD:
	case CACHE_J_FLAGS_REMOVE:
		so.mode = e->kind == CACHE_J_FLAGS_ADD ? IMAP_STORE_ADD : IMAP_STORE_REMOVE;
		op = imap_op_store(s, set, &so, (const char *const *)e->args, e->n_args, NULL, on_store,
				   e);
		break;
	case CACHE_J_LABELS_ADD:
	case CACHE_J_LABELS_REMOVE:
		so.mode = e->kind == CACHE_J_LABELS_ADD ? IMAP_STORE_ADD : IMAP_STORE_REMOVE;
		op = imap_op_store_labels(s, set, &so, (const char *const *)e->args, e->n_args, NULL,
					  on_store, e);
		break;
	case CACHE_J_MOVE:
	case CACHE_J_COPY: {
		char *name = e->dest ? tm_folder_name(t->a, e->dest) : NULL;
		if (!name) {
			entry_failed(e, "out of memory");
			return;
		}
		op = e->kind == CACHE_J_MOVE ? imap_op_move(s, true, set, name, on_move, e)
					     : imap_op_copy(s, true, set, name, on_move, e);
		free(name);
		break;
	}
	default:
		entry_failed(e, "unknown kind of journal entry");
		return;
	}
	if (op) {
		e->op = op;
		t->sent++;
		ts_point(t, TRIAGE_AT_SUBMITTED, id);
	}
}

static void send_check(struct tentry *e, struct imap_session *s)
{
	struct imap_search *q = imap_search_set(IMAP_SK_UID, &e->uids);
	/* without MOVE an earlier try may have copied and marked them \Deleted already */
	if (q && !imap_session_has_cap(s, "MOVE") && !imap_session_has_cap(s, "IMAP4rev2"))
		q = imap_search_and(q, imap_search_key(IMAP_SK_UNDELETED));
	if (!q) {
		send_cmd(e, s, &e->uids);
		return;
	}
	e->st = TE_CHECK;
	e->s = s;
	struct imap_search_opts so = {.uid = true};
	uint32_t op = imap_op_search(s, q, &so, on_check, e);
	imap_search_free(&q);
	if (op) {
		e->op = op;
		e->t->sent++;
	}
}

static void on_found(void *ctx, const struct imap_search_result *r)
{
	struct tentry *e = ctx;
	e->op = 0;
	if (r->op.status == IMAP_OP_ABORTED || r->op.status == IMAP_OP_TIMEOUT) {
		e->st = TE_QUEUED;
		e->s = NULL;
		e->retry_at = loop_now_ms(e->t->loop) + 250;
		if (e->t->timer && !e->t->freeing)
			loop_timer_start(e->t->timer, 250);
		return;
	}
	struct triage *t = e->t;
	struct tundo *u = e->undo;
	size_t slot = e->slot;
	uint32_t uv = e->uidvalidity;
	e->undo = NULL;
	retire(e);
	if (u)
		tr_undo_found(u, slot, r->op.status == IMAP_OP_OK ? r->all : NULL, uv,
			      r->op.status == IMAP_OP_OK ? NULL : r->op.message);
	later(t);
}

static void send_search(struct tentry *e, struct imap_session *s, uint32_t uv)
{
	struct imap_search *q = NULL;
	for (size_t i = 0; i < e->n_s; i++) {
		struct imap_search *k = e->sgm ? imap_search_num(IMAP_SK_X_GM_MSGID, e->sgm[i])
					       : imap_search_header("Message-ID", e->smid[i]);
		q = q ? imap_search_or(q, k) : k;
		if (!q)
			break;
	}
	if (!q) {
		struct tundo *u = e->undo;
		size_t slot = e->slot;
		e->undo = NULL;
		retire(e);
		if (u)
			tr_undo_found(u, slot, NULL, 0, "out of memory");
		return;
	}
	e->uidvalidity = uv;
	e->st = TE_FLIGHT;
	e->s = s;
	struct imap_search_opts so = {.uid = true};
	uint32_t op = imap_op_search(s, q, &so, on_found, e);
	imap_search_free(&q);
	if (op) {
		e->op = op;
		e->t->sent++;
	}
}

/* Would sending e start a UID SEARCH? Untagged SEARCH answers cannot be told apart, so triage
 * never has two of its searches in flight on one session. */
static bool searches(const struct tentry *e)
{
	return e->type == TE_SEARCH ||
	       ((e->kind == CACHE_J_MOVE || e->kind == CACHE_J_COPY) && (e->attempts > 0 || e->no_msg));
}

static bool search_busy(struct triage *t, struct imap_session *s)
{
	for (const struct tentry *x = t->head; x; x = x->next)
		if (!x->dead && x->s == s &&
		    (x->st == TE_CHECK || (x->type == TE_SEARCH && x->st == TE_FLIGHT)))
			return true;
	return false;
}

static void send_entry(struct triage *t, struct tentry *e, struct imap_session *s, uint32_t uv)
{
	if (e->type == TE_SEARCH) {
		send_search(e, s, uv);
		return;
	}
	if (e->uidvalidity != uv) {
		char *name = tm_folder_name(t->a, e->mailbox);
		char why[TRIAGE_ERR_MAX];
		snprintf(why, sizeof why,
			 "%s changed on the server (UIDVALIDITY %u, was %u): nothing was applied",
			 name ? name : "the folder", uv, e->uidvalidity);
		free(name);
		entry_failed(e, why);
		return;
	}
	if (e->attempts >= TRIAGE_MAX_ATTEMPTS) {
		char why[128];
		snprintf(why, sizeof why, "no answer after %u tries", e->attempts);
		entry_failed(e, why);
		return;
	}
	if (searches(e))
		send_check(e, s); /* it may have run: move only what is still here */
	else
		send_cmd(e, s, &e->uids);
}

/* ---- where commands go ----------------------------------------------------------------------- */

void ts_fail_key(struct triage *t, const char *key, const char *why)
{
	for (struct tentry *e = t->head; e; e = e->next) {
		if (e->dead || e->st != TE_QUEUED || strcmp(e->mailbox, key) != 0)
			continue;
		if (e->type == TE_SEARCH) {
			struct tundo *u = e->undo;
			size_t slot = e->slot;
			e->undo = NULL;
			e->dead = true;
			t->reap = true;
			if (u)
				tr_undo_found(u, slot, NULL, 0, why);
		} else {
			bool was = t->dispatching;
			t->dispatching = true; /* retire() marks only: we are walking the list */
			entry_failed(e, why);
			t->dispatching = was;
		}
	}
	if (!t->dispatching && t->reap)
		reap(t);
}

/* Where entries of folder key can go now. */
static enum chan chan_for(struct triage *t, const char *key, struct imap_session **s,
			  uint32_t *uv)
{
	bool ready = false;
	struct view *v = tm_send_view(t->a, key, &ready);
	if (v) {
		if (!ready)
			return CH_WAIT; /* it is (re)opening: wait for it, in order */
		*s = view_session(v);
		*uv = view_uidvalidity(v);
		return *s ? CH_READY : CH_WAIT;
	}
	return tc_channel(t, key, s, uv) ? CH_READY : CH_WAIT;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

#define MAX_BLOCKED 64

static bool inflight_elsewhere(struct triage *t, const struct tentry *e, struct imap_session *s)
{
	for (const struct tentry *x = t->head; x && x != e; x = x->next)
		if (!x->dead && x->st != TE_QUEUED && x->s != s && strcmp(x->mailbox, e->mailbox) == 0)
			return true;
	return false;
}

static void dispatch_pass(struct triage *t)
{
	const char *blocked[MAX_BLOCKED];
	size_t nb = 0;
	for (struct tentry *e = t->head; e && !t->freeing; e = e->next) {
		if (e->dead)
			continue;
		bool is_blocked = false;
		for (size_t i = 0; i < nb && !is_blocked; i++)
			is_blocked = strcmp(blocked[i], e->mailbox) == 0;
		if (is_blocked)
			continue;
		struct imap_session *s = NULL;
		uint32_t uv = 0;
		bool block = false;
		if (e->st == TE_CHECK)
			block = true; /* a MOVE being checked: nothing of its folder overtakes it */
		else if (e->st != TE_QUEUED)
			continue;
		else if (e->retry_at && e->retry_at > loop_now_ms(t->loop))
			block = true;
		else if (chan_for(t, e->mailbox, &s, &uv) != CH_READY || inflight_elsewhere(t, e, s) ||
			 (searches(e) && search_busy(t, s)))
			block = true;
		if (!block) {
			send_entry(t, e, s, uv);
			block = !e->dead && e->st == TE_CHECK;
		}
		if (block) {
			if (nb == MAX_BLOCKED)
				return; /* the rest waits for the next pass */
			blocked[nb++] = e->mailbox;
		}
	}
}

void ts_dispatch(struct triage *t)
{
	if (t->freeing)
		return;
	if (t->dispatching) {
		t->again = true;
		return;
	}
	t->dispatching = true;
	int rounds = 0;
	do {
		t->again = false;
		dispatch_pass(t);
	} while (t->again && !t->freeing && ++rounds < 8);
	t->dispatching = false;
	if (t->reap)
		reap(t);
}

static void deferred(struct loop *loop, void *ctx)
{
	(void)loop;
	struct triage *t = ctx;
	t->deferred = false;
	ts_dispatch(t);
}

static void arm_tick(struct triage *t)
{
	if (t->timer && !loop_timer_armed(t->timer) && (t->n || t->rp.c))
		loop_timer_start(t->timer, TICK_MS);
}

/* Dispatch on the next loop turn (from callbacks: never re-enter a session from its own). */
static void later(struct triage *t)
{
	if (t->freeing)
		return;
	if (!t->deferred && loop_defer(t->loop, deferred, t) == 0)
		t->deferred = true;
	arm_tick(t);
}

void ts_kick(struct triage *t)
{
	if (t->freeing)
		return;
	uint64_t before = t->sent;
	ts_dispatch(t);
	if (t->sent != before)
		later(t); /* so the loop flushes before it sleeps */
	arm_tick(t);
}

/* Nothing queued or in flight would use triage's own connection. */
static void tick(struct loop *loop, struct loop_timer *timer, void *ctx)
{
	(void)loop;
	(void)timer;
	struct triage *t = ctx;
	tc_check_idle(t);
	ts_kick(t);
}

static void hook(struct loop *loop, void *ctx)
{
	(void)loop;
	struct triage *t = ctx;
	if (t->freeing)
		return;
	struct account_status st;
	account_status(t->a, &st);
	bool ready = st.state == ACCOUNT_READY || st.state == ACCOUNT_IDLE;
	if (ready != t->was_ready) {
		t->was_ready = ready;
		if (ready)
			triage_replay(t); /* entries of processes that died meanwhile */
	}
	for (struct tentry *e = t->head; e; e = e->next)
		if (e->st == TE_QUEUED && !e->dead) {
			ts_kick(t);
			break;
		}
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

int ts_start(struct triage *t)
{
	t->hook = loop_hook_add(t->loop, hook, t);
	t->timer = loop_timer_new(t->loop, tick, t);
	if (!t->hook || !t->timer) {
		loop_hook_remove(&t->hook);
		loop_timer_free(&t->timer);
		return -1;
	}
	return 0;
}

void ts_stop(struct triage *t)
{
	for (struct tentry *e = t->head; e; e = e->next)
		if (e->op && e->s)
			imap_op_cancel(e->s, e->op);
	tc_stop(t);
	loop_defer_cancel(t->loop, deferred, t);
	loop_hook_remove(&t->hook);
	loop_timer_free(&t->timer);
}
