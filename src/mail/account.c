/* account — connections, status, selection per connection; see model.h and account_int.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "imap/mutf7.h"
#include "loop.h"
#include "mail/account_int.h"

#define THROTTLE_SHOW_MS (10 * 60 * 1000)

void account_opts_init(struct account_opts *o)
{
	memset(o, 0, sizeof *o);
	o->idle = true;
	o->prefetch = 50;
	o->batch = 100;
	o->fill_batch = 50;
	o->fill_max = 2000;
	o->folder_refresh_ms = 300000;
}

const char *account_state_name(enum account_state st)
{
	switch (st) {
	case ACCOUNT_CONNECTING: return "connecting";
	case ACCOUNT_TLS: return "TLS";
	case ACCOUNT_AUTHENTICATING: return "logging in";
	case ACCOUNT_READY: return "ready";
	case ACCOUNT_IDLE: return "idle";
	case ACCOUNT_RECONNECTING: return "reconnecting";
	case ACCOUNT_AUTH_FAILED: return "login failed";
	case ACCOUNT_OFFLINE: return "offline";
	}
	return "?";
}

/* ---- change notification ------------------------------------------------------------------ */

void acct_emit(struct account *a, const struct model_change *ch)
{
	if (a->freeing || !a->changed)
		return;
	a->changed(a->changed_ctx, ch);
}

void acct_emit_simple(struct account *a, unsigned what, struct view *v)
{
	struct model_change ch = {.what = what, .view = v};
	acct_emit(a, &ch);
}

void acct_alert(struct account *a, const char *fmt, ...)
{
	char text[ACCT_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	struct model_change ch = {.what = MODEL_ALERT, .text = text};
	acct_emit(a, &ch);
}

struct acct_conn *acct_bg(struct account *a)
{
	return &a->conn[a->n_conn > 1 ? ACCT_BG : ACCT_FG];
}

bool acct_conn_usable(const struct acct_conn *c)
{
	return c->s && c->ready;
}

char *acct_folder_key(struct account *a, const char *folder)
{
	size_t i = folders_find(&a->folders, folder);
	if (i != SIZE_MAX && a->folders.v[i].raw)
		return strdup(a->folders.v[i].raw);
	struct buf b;
	buf_init(&b, 4096);
	if (mutf7_encode(&b, folder, strlen(folder)) != MUTF7_OK) {
		buf_free(&b);
		return strdup(folder);
	}
	char *s = buf_steal(&b);
	buf_free(&b);
	return s;
}

/* ---- selection ---------------------------------------------------------------------------- */

struct sel_ctx {
	struct acct_conn *c;
	uint32_t gen;
};

static void on_selected(void *ctx, const struct imap_select_result *r)
{
	struct sel_ctx *sc = ctx;
	struct acct_conn *c = sc->c;
	uint32_t gen = sc->gen;
	free(sc);
	struct account *a = c->a;
	if (a->freeing || gen != c->sel_gen)
		return; /* a later SELECT or a new session took over */
	c->selecting = false;
	c->sel_op = 0;
	if (r->op.status == IMAP_OP_ABORTED || r->op.status == IMAP_OP_TIMEOUT) {
		/* the connection went: the views wait for the next session */
		free(c->sel);
		c->sel = NULL;
		return;
	}
	if (r->op.status != IMAP_OP_OK) {
		char msg[ACCT_ERR_MAX];
		snprintf(msg, sizeof msg, "cannot open %s: %s", c->sel ? c->sel : "?", r->op.message);
		char *folder = c->sel;
		c->sel = NULL;
		for (struct view *v = a->views; v; v = v->next) {
			if (v->conn != c->idx || v->dead || !folder || strcmp(v->folder, folder) != 0)
				continue;
			if (v->state == VIEW_OPENING)
				view_set_state(v, VIEW_FAILED, msg);
		}
		free(folder);
		return;
	}
	c->uidvalidity = r->uidvalidity;
	c->uidnext = r->uidnext;
	c->highestmodseq = (r->present & IMAP_SEL_HIGHESTMODSEQ) && !(r->present & IMAP_SEL_NOMODSEQ)
				   ? r->highestmodseq
				   : 0;
	c->sel_vanished = r->vanished;
	c->exists = r->exists > MBX_MAX_ROWS ? MBX_MAX_ROWS : r->exists;
	c->read_only = r->read_only;
	if (c->sel)
		folders_set_exists(a, c->sel, c->exists);
	/* hand the selection to every view that wants this folder (newest first) */
	size_t n;
	struct view **vs = acct_views_hold(a, &n);
	for (size_t i = 0; i < n; i++) {
		struct view *v = vs[i];
		if (v->conn != c->idx || v->dead || v->state == VIEW_DETACHED ||
		    v->state == VIEW_FAILED || !c->sel || strcmp(v->folder, c->sel) != 0)
			continue;
		view_selected(v, c);
	}
	acct_views_release(vs, n);
	c->sel_vanished = NULL;
	view_cache_conn_reset(c);
}

static void conn_update_now(struct loop *loop, void *ctx);

void acct_conn_update(struct acct_conn *c)
{
	if (loop_defer(c->a->loop, conn_update_now, c) == 0)
		c->a->deferred++;
}

static void conn_update_now(struct loop *loop, void *ctx)
{
	(void)loop;
	struct acct_conn *c = ctx;
	struct account *a = c->a;
	a->deferred--;
	if (a->freeing || !acct_conn_usable(c))
		return;
	struct view *want = NULL;
	for (struct view *v = a->views; v; v = v->next)
		if (v->conn == c->idx && !v->dead && v->state != VIEW_DETACHED &&
		    v->state != VIEW_FAILED) {
			want = v;
			break;
		}
	if (!want)
		return;
	if (c->sel && strcmp(c->sel, want->folder) == 0) {
		if (c->selecting)
			return;
		size_t n;
		struct view **vs = acct_views_hold(a, &n);
		for (size_t i = 0; i < n; i++) {
			struct view *v = vs[i];
			if (v->conn != c->idx || v->dead || v->state == VIEW_DETACHED ||
			    v->state == VIEW_FAILED || !c->sel || strcmp(v->folder, c->sel) != 0 ||
			    v->gen == c->sel_gen)
				continue;
			view_selected(v, c);
		}
		acct_views_release(vs, n);
		return;
	}
	char *name = strdup(want->folder);
	/* another folder: the views of the old selection are detached */
	size_t n;
	struct view **vs = acct_views_hold(a, &n);
	for (size_t i = 0; i < n; i++) {
		struct view *v = vs[i];
		if (v->conn == c->idx && !v->dead && v->state != VIEW_DETACHED &&
		    v->state != VIEW_FAILED && name && strcmp(v->folder, name) != 0)
			view_detach(v);
	}
	acct_views_release(vs, n);
	if (a->freeing || !acct_conn_usable(c)) {
		free(name);
		return;
	}
	want = NULL;
	/* (triage) a READY view counts too: after a reconnect it must be selected again */
	for (struct view *v = a->views; v; v = v->next)
		if (v->conn == c->idx && !v->dead && v->state != VIEW_DETACHED &&
		    v->state != VIEW_FAILED && name && strcmp(v->folder, name) == 0) {
			want = v;
			break;
		}
	if (!want) {
		free(name);
		return;
	}
	struct sel_ctx *sc = malloc(sizeof *sc);
	if (!name || !sc) {
		free(name);
		free(sc);
		view_set_state(want, VIEW_FAILED, "out of memory");
		return;
	}
	free(c->sel);
	c->sel = name;
	c->selecting = true;
	c->sel_gen++;
	sc->c = c;
	sc->gen = c->sel_gen;
	/* the background connection only reads: EXAMINE leaves \Recent and the like alone */
	bool examine = a->o.examine || c->idx == ACCT_BG;
	/* CONDSTORE / QRESYNC when the cache can use them (flag resync, mailbox_cache.c) */
	struct imap_select_opts so;
	view_cache_select_opts(want, c, &so);
	const struct imap_select_opts *sop = so.condstore || so.qresync ? &so : NULL;
	c->sel_op = examine ? imap_op_examine(c->s, name, sop, on_selected, sc)
			    : imap_op_select(c->s, name, sop, on_selected, sc);
}

/* ---- connection callbacks ----------------------------------------------------------------- */

static void conn_ready(struct acct_conn *c)
{
	struct account *a = c->a;
	c->ever_ready = true;
	if (imap_session_is_gmail(c->s))
		a->gmail = true;
	acct_conn_update(c);
	if (c == acct_bg(a))
		folders_refresh(a, true);
	/* views on this connection: what was in flight is gone */
	for (struct view *v = a->views; v; v = v->next)
		if (v->conn == c->idx && !v->dead)
			fetch_sched_reset(&v->fs);
}

static void s_state(void *ctx, enum imap_session_state old, enum imap_session_state now)
{
	struct acct_conn *c = ctx;
	struct account *a = c->a;
	if (a->freeing)
		return;
	c->sstate = now;
	bool ready = now == IMAP_SESSION_AUTH || now == IMAP_SESSION_SELECTED;
	bool fresh = now == IMAP_SESSION_AUTH && old != IMAP_SESSION_SELECTED &&
		     old != IMAP_SESSION_AUTH;
	c->ready = ready;
	if (fresh) {
		free(c->sel);
		c->sel = NULL;
		c->selecting = false;
		c->sel_gen++;
		c->err_kind = IMAP_ERR_NONE;
		c->retry_ms = -1;
		a->error[0] = '\0';
		conn_ready(c);
	}
	if (old != now)
		acct_emit_simple(a, MODEL_STATUS, NULL);
}

static void s_untagged(void *ctx, const struct imap_response *r)
{
	struct acct_conn *c = ctx;
	if (c->a->freeing)
		return;
	view_untagged(c, r);
}

static void s_alert(void *ctx, const char *text)
{
	struct acct_conn *c = ctx;
	acct_alert(c->a, "%s", text);
}

static void s_error(void *ctx, const char *msg)
{
	struct acct_conn *c = ctx;
	struct account *a = c->a;
	if (c->s)
		c->err_kind = imap_session_error_kind(c->s);
	snprintf(a->error, sizeof a->error, "%s", msg);
	acct_emit_simple(a, MODEL_STATUS, NULL);
}

static void s_trace(void *ctx, char dir, const char *data, size_t len)
{
	struct acct_conn *c = ctx;
	struct account *a = c->a;
	if (a->o.trace)
		a->o.trace(a->o.trace_ctx, c->idx, dir, data, len);
}

static void s_throttled(void *ctx)
{
	struct acct_conn *c = ctx;
	struct account *a = c->a;
	a->throttled = true;
	a->throttled_until = loop_now_ms(a->loop) + THROTTLE_SHOW_MS;
	acct_emit_simple(a, MODEL_STATUS, NULL);
}

const struct imap_session_callbacks account_session_cb = {
	.state = s_state,
	.untagged = s_untagged,
	.alert = s_alert,
	.error = s_error,
	.trace = s_trace,
	.throttled = s_throttled,
};

static void c_session_new(void *ctx, struct imap_session *s)
{
	struct acct_conn *c = ctx;
	c->s = s;
	c->down = false;
	c->ready = false;
	c->sstate = imap_session_state(s);
	acct_emit_simple(c->a, MODEL_STATUS, NULL);
}

static void c_down(void *ctx, const char *why, long retry_ms)
{
	struct acct_conn *c = ctx;
	struct account *a = c->a;
	c->s = NULL;
	c->ready = false;
	c->down = true;
	c->sstate = IMAP_SESSION_CLOSED;
	c->retry_ms = retry_ms;
	c->retry_at = retry_ms >= 0 ? loop_now_ms(a->loop) + retry_ms : 0;
	free(c->sel);
	c->sel = NULL;
	c->selecting = false;
	c->sel_gen++;
	view_cache_conn_reset(c);
	if (a->freeing)
		return;
	if (why && *why && strcmp(why, "logged out") != 0)
		snprintf(a->error, sizeof a->error, "%s", why);
	for (struct view *v = a->views; v; v = v->next)
		if (v->conn == c->idx && !v->dead)
			fetch_sched_reset(&v->fs);
	if (c == acct_bg(a)) {
		a->list_busy = false;
		a->status_busy = 0;
	}
	acct_emit_simple(a, MODEL_STATUS, NULL);
}

void *account_session_ctx(struct account *a, int idx)
{
	return &a->conn[idx];
}

/* ---- account ------------------------------------------------------------------------------ */

static struct account *account_alloc(struct loop *loop, const struct account_opts *o,
				     model_changed_fn changed, void *ctx)
{
	struct account *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->loop = loop;
	if (o)
		a->o = *o;
	else
		account_opts_init(&a->o);
	a->changed = changed;
	a->changed_ctx = ctx;
	for (int i = 0; i < 2; i++) {
		a->conn[i].a = a;
		a->conn[i].idx = i;
		a->conn[i].retry_ms = -1;
	}
	return a;
}

struct account *account_new_unconnected(struct loop *loop, const struct account_opts *o,
					model_changed_fn changed, void *ctx)
{
	struct account *a = account_alloc(loop, o, changed, ctx);
	if (a)
		a->n_conn = 2;
	return a;
}

void account_test_session(struct account *a, int idx, struct imap_session *s)
{
	c_session_new(&a->conn[idx], s);
}

struct account *account_new(struct loop *loop, const struct config_account *acct,
			    const struct account_opts *o, model_changed_fn changed, void *ctx,
			    char *err, size_t errlen)
{
	char dummy[8];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	if (!loop || !acct) {
		snprintf(err, errlen, "no loop or account");
		return NULL;
	}
	if (imap_connection_check_policy(acct, err, errlen) != 0)
		return NULL;
	struct account *a = account_alloc(loop, o, changed, ctx);
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->cfg = acct;
	a->pool.max = acct->max_connections ? acct->max_connections : 3;
	a->n_conn = a->pool.max >= 2 ? 2 : 1;
	for (int i = 0; i < a->n_conn; i++) {
		struct imap_connection_opts co;
		imap_connection_opts_init(&co);
		co.pool = &a->pool;
		co.session.idle = i == ACCT_FG && a->o.idle;
		/* the foreground connection enables CONDSTORE and QRESYNC (flag resync on reopen,
		 * mailbox_cache.c); VANISHED in place of EXPUNGE is placed by UID order
		 * (mailbox_live.c). The background one only reads other folders. */
		co.session.enable_condstore = i == ACCT_FG;
		struct imap_connection_callbacks cb;
		memset(&cb, 0, sizeof cb);
		cb.session = account_session_cb;
		if (!a->o.trace)
			cb.session.trace = NULL;
		cb.session_new = c_session_new;
		cb.down = c_down;
		a->conn[i].c = imap_connection_new(loop, acct, &co, &cb, &a->conn[i], err, errlen);
		if (!a->conn[i].c) {
			account_free(&a);
			return NULL;
		}
	}
	return a;
}

void account_free(struct account **ap)
{
	if (!ap || !*ap)
		return;
	struct account *a = *ap;
	*ap = NULL;
	a->freeing = true;
	for (struct view *v = a->views; v; v = v->next)
		view_cancel_batches(v);
	for (int i = 0; i < 2; i++) {
		if (a->conn[i].c)
			imap_connection_free(&a->conn[i].c);
		a->conn[i].s = NULL;
		free(a->conn[i].sel);
		a->conn[i].sel = NULL;
		view_cache_conn_reset(&a->conn[i]);
	}
	while (a->views) {
		struct view *v = a->views;
		v->refs = 0;
		view_close(&v);
	}
	folders_stop(a);
	for (int i = 0; i < 2; i++)
		loop_defer_cancel(a->loop, conn_update_now, &a->conn[i]);
	folders_free(&a->folders);
	free(a);
}

/* Work the model has in flight on connection idx (IDLE is not work). */
static bool conn_busy(const struct account *a, int idx)
{
	const struct acct_conn *c = &a->conn[idx];
	if (c->selecting)
		return true;
	if (c == acct_bg((struct account *)a) && (a->list_busy || a->status_busy))
		return true;
	for (const struct view *v = a->views; v; v = v->next)
		if (v->conn == idx && (fetch_sched_in_flight(&v->fs) || v->setup_op || v->th_cmd ||
				       message_busy(v)))
			return true;
	return false;
}

void account_status(const struct account *a, struct account_status *out)
{
	memset(out, 0, sizeof *out);
	enum account_state st[2] = {ACCOUNT_OFFLINE, ACCOUNT_OFFLINE};
	for (int i = 0; i < a->n_conn; i++) {
		const struct acct_conn *c = &a->conn[i];
		if (c->s) {
			switch (c->sstate) {
			case IMAP_SESSION_CONNECTING:
			case IMAP_SESSION_GREETING: st[i] = ACCOUNT_CONNECTING; break;
			case IMAP_SESSION_STARTTLS: st[i] = ACCOUNT_TLS; break;
			case IMAP_SESSION_NOT_AUTH:
			case IMAP_SESSION_AUTHENTICATING: st[i] = ACCOUNT_AUTHENTICATING; break;
			case IMAP_SESSION_AUTH: st[i] = ACCOUNT_READY; break;
			case IMAP_SESSION_SELECTED:
				/* IDLE is a command in flight: the queue holds it alone */
				st[i] = a->o.idle && i == ACCT_FG && imap_session_has_cap(c->s, "IDLE") &&
						imap_session_queue_length(c->s) <= 1 && !conn_busy(a, i)
					? ACCOUNT_IDLE
					: ACCOUNT_READY;
				break;
			case IMAP_SESSION_LOGOUT:
			case IMAP_SESSION_CLOSED:
				st[i] = c->retry_ms >= 0 ? ACCOUNT_RECONNECTING : ACCOUNT_OFFLINE;
				break;
			}
			if (conn_busy(a, i))
				out->busy = true;
		} else if (c->retry_ms >= 0) {
			st[i] = ACCOUNT_RECONNECTING;
		} else if (c->err_kind == IMAP_ERR_AUTH) {
			st[i] = ACCOUNT_AUTH_FAILED;
		} else if (!c->down && c->c) {
			st[i] = ACCOUNT_CONNECTING;
		}
	}
	out->state = st[0];
	out->bg_state = a->n_conn > 1 ? st[1] : st[0];
	out->retry_ms = a->conn[0].retry_ms;
	out->retry_at_ms = a->conn[0].retry_at;
	out->error = a->error;
	out->gmail = a->gmail;
	out->throttled = a->throttled && loop_now_ms(a->loop) < a->throttled_until;
}

const char *account_name(const struct account *a)
{
	return a->cfg && a->cfg->name ? a->cfg->name : "";
}

void account_reconnect(struct account *a)
{
	for (int i = 0; i < a->n_conn; i++)
		if (a->conn[i].c)
			imap_connection_reconnect_now(a->conn[i].c);
}
