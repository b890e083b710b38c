/* folders_net — the folder list and its counts from the server: LIST (with SPECIAL-USE,
 * SUBSCRIBED and LIST-STATUS when offered, else LSUB and STATUS) on the background connection,
 * refreshed periodically and soon after something changed. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "mail/account_int.h"

#define STATUS_ITEMS (IMAP_SI_MESSAGES | IMAP_SI_UNSEEN | IMAP_SI_UIDVALIDITY)
#define CHANGE_DELAY_MS 1000

struct list_ctx {
	struct account *a;
	struct folder_src *src;
	char **strs;
	size_t n, n_strs;
	bool lsub_pending;
};

static void list_ctx_free(struct list_ctx *lc)
{
	for (size_t i = 0; i < lc->n_strs; i++)
		free(lc->strs[i]);
	free(lc->strs);
	free(lc->src);
	free(lc);
}

static void status_all(struct account *a);

static void emit_folders(struct account *a)
{
	acct_emit_simple(a, MODEL_FOLDERS, NULL);
}

static void build(struct list_ctx *lc)
{
	struct account *a = lc->a;
	struct folder_list old = a->folders;
	struct folder_list nl = {0};
	if (folders_build(&nl, lc->src, lc->n, a->o.subscribed_only, &old) == 0) {
		folders_free(&old);
		a->folders = nl;
	}
	/* the open folders' counts are known better here than from LIST */
	for (int i = 0; i < a->n_conn; i++) {
		const struct acct_conn *c = &a->conn[i];
		if (c->sel && !c->selecting)
			folders_set_exists(a, c->sel, c->exists);
	}
	emit_folders(a);
}

static void on_lsub(void *ctx, const struct imap_list_result *r)
{
	struct list_ctx *lc = ctx;
	struct account *a = lc->a;
	if (!a->freeing && r->op.status == IMAP_OP_OK) {
		for (size_t i = 0; i < r->n; i++)
			for (size_t j = 0; j < lc->n; j++)
				if (strcmp(lc->src[j].name, r->v[i].name) == 0)
					lc->src[j].subscribed = true;
	}
	if (!a->freeing) {
		a->list_busy = false;
		build(lc);
		status_all(a);
	}
	list_ctx_free(lc);
}

static char *keep(struct list_ctx *lc, const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (d)
		lc->strs[lc->n_strs++] = d;
	return d;
}

static void on_list(void *ctx, const struct imap_list_result *r)
{
	struct list_ctx *lc = ctx;
	struct account *a = lc->a;
	if (a->freeing) {
		list_ctx_free(lc);
		return;
	}
	if (r->op.status != IMAP_OP_OK) {
		a->list_busy = false;
		if (r->op.status == IMAP_OP_NO || r->op.status == IMAP_OP_BAD)
			acct_alert(a, "listing folders failed: %s", r->op.message);
		list_ctx_free(lc);
		return;
	}
	lc->src = calloc(r->n + 1, sizeof *lc->src);
	lc->strs = calloc(2 * r->n + 1, sizeof *lc->strs);
	if (!lc->src || !lc->strs) {
		a->list_busy = false;
		list_ctx_free(lc);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct imap_list_entry *e = &r->v[i];
		struct folder_src *s = &lc->src[lc->n];
		s->name = keep(lc, e->name);
		s->raw = keep(lc, e->raw);
		if (!s->name || !s->raw)
			continue;
		s->delim = e->delim;
		s->attr = e->attr;
		s->subscribed = (e->attr & IMAP_MBOX_SUBSCRIBED) != 0;
		if (e->has_status && (e->status.present & IMAP_SI_MESSAGES)) {
			s->has_status = true;
			s->messages = e->status.messages;
			s->unseen = e->status.unseen;
			s->uidvalidity = e->status.uidvalidity;
		}
		lc->n++;
	}
	struct acct_conn *c = acct_bg(a);
	if (lc->lsub_pending && acct_conn_usable(c)) {
		if (imap_op_lsub(c->s, "", "*", on_lsub, lc))
			return;
		return; /* on_lsub ran and freed lc */
	}
	a->list_busy = false;
	build(lc);
	/* without LIST-STATUS the counts come from one STATUS per folder */
	bool any_missing = false;
	for (size_t i = 0; i < a->folders.n; i++)
		if (!a->folders.v[i].noselect && !a->folders.v[i].has_counts)
			any_missing = true;
	if (any_missing || !(acct_conn_usable(c) && imap_session_has_cap(c->s, "LIST-STATUS")))
		status_all(a);
	list_ctx_free(lc);
}

/* ---- STATUS ------------------------------------------------------------------------------- */

static void on_status(void *ctx, const struct imap_status_result *r)
{
	struct account *a = ctx;
	if (a->freeing)
		return;
	if (a->status_busy)
		a->status_busy--;
	if (r->op.status == IMAP_OP_OK && (r->st.present & IMAP_SI_MESSAGES)) {
		size_t i = folders_find(&a->folders, r->mailbox);
		if (i != SIZE_MAX) {
			struct folder_entry *e = &a->folders.v[i];
			bool changed = !e->has_counts || e->total != r->st.messages ||
				       e->unread != r->st.unseen;
			e->has_counts = true;
			e->total = r->st.messages;
			e->unread = r->st.unseen;
			e->uidvalidity = r->st.uidvalidity;
			if (changed)
				a->folders_dirty_emit = true;
		}
	}
	if (a->status_busy == 0 && a->folders_dirty_emit) {
		a->folders_dirty_emit = false;
		emit_folders(a);
	}
}

static void status_one(struct account *a, const char *name)
{
	struct acct_conn *c = acct_bg(a);
	if (!acct_conn_usable(c))
		return;
	a->status_busy++;
	if (!imap_op_status(c->s, name, STATUS_ITEMS, on_status, a)) {
		/* on_status ran already */
	}
}

static void status_all(struct account *a)
{
	for (size_t i = 0; i < a->folders.n; i++) {
		const struct folder_entry *e = &a->folders.v[i];
		if (e->noselect || a->freeing)
			continue;
		/* a folder listed twice (a tree node repeating a special folder) once */
		if (folders_find(&a->folders, e->name) != i)
			continue;
		status_one(a, e->name);
	}
}

static void on_periodic(struct loop *loop, struct loop_timer *t, void *ctx)
{
	(void)loop;
	(void)t;
	struct account *a = ctx;
	folders_refresh(a, false);
}

void folders_refresh(struct account *a, bool relist)
{
	struct acct_conn *c = acct_bg(a);
	if (a->freeing)
		return;
	if (!a->t_folders)
		a->t_folders = loop_timer_new(a->loop, on_periodic, a);
	if (a->t_folders && a->o.folder_refresh_ms)
		loop_timer_start(a->t_folders, a->o.folder_refresh_ms);
	if (!acct_conn_usable(c))
		return;
	bool list_status = imap_session_has_cap(c->s, "LIST-STATUS");
	if (!relist && a->folders.n && !list_status) {
		if (a->status_busy == 0)
			status_all(a);
		return;
	}
	if (a->list_busy)
		return;
	struct list_ctx *lc = calloc(1, sizeof *lc);
	if (!lc)
		return;
	lc->a = a;
	struct imap_list_opts o = {0};
	if (imap_session_has_cap(c->s, "LIST-EXTENDED")) {
		o.ret = IMAP_LIST_RET_SUBSCRIBED | IMAP_LIST_RET_SPECIAL_USE;
		if (list_status)
			o.status = STATUS_ITEMS;
	} else {
		lc->lsub_pending = true;
		if (imap_session_has_cap(c->s, "SPECIAL-USE"))
			o.ret = IMAP_LIST_RET_SPECIAL_USE;
	}
	a->list_busy = true;
	if (!imap_op_list(c->s, "", "*", &o, on_list, lc))
		return; /* on_list ran already */
}

/* ---- changes ------------------------------------------------------------------------------ */

static void on_changed_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	(void)loop;
	(void)t;
	struct account *a = ctx;
	if (a->status_all) {
		a->status_all = false;
		free(a->status_dirty);
		a->status_dirty = NULL;
		status_all(a);
		return;
	}
	if (a->status_dirty) {
		status_one(a, a->status_dirty);
		free(a->status_dirty);
		a->status_dirty = NULL;
	}
}

void folders_changed(struct account *a, const char *folder)
{
	if (a->freeing || !folder)
		return;
	if (!a->t_status)
		a->t_status = loop_timer_new(a->loop, on_changed_timer, a);
	if (!a->t_status)
		return;
	if (a->status_dirty && strcmp(a->status_dirty, folder) != 0)
		a->status_all = true;
	else if (!a->status_dirty)
		a->status_dirty = strdup(folder);
	if (!loop_timer_armed(a->t_status))
		loop_timer_start(a->t_status, CHANGE_DELAY_MS);
}

void folders_set_exists(struct account *a, const char *folder, uint32_t exists)
{
	if (!folder)
		return;
	size_t i = folders_find(&a->folders, folder);
	if (i == SIZE_MAX)
		return;
	struct folder_entry *e = &a->folders.v[i];
	if (e->has_counts && e->total == exists)
		return;
	if (!e->has_counts)
		e->unread = 0;
	e->has_counts = true;
	e->total = exists;
	if (e->unread > exists)
		e->unread = exists;
	emit_folders(a);
}

void folders_stop(struct account *a)
{
	loop_timer_free(&a->t_folders);
	loop_timer_free(&a->t_status);
	free(a->status_dirty);
	a->status_dirty = NULL;
}

/* ---- the public part ---------------------------------------------------------------------- */

size_t account_folder_count(const struct account *a)
{
	return a->folders.n;
}

bool account_folder(const struct account *a, size_t i, struct folder_info *out)
{
	memset(out, 0, sizeof *out);
	if (i >= a->folders.n)
		return false;
	const struct folder_entry *e = &a->folders.v[i];
	out->name = e->name;
	out->label = e->label;
	out->depth = e->depth;
	out->delim = e->delim;
	out->role = e->role;
	out->noselect = e->noselect;
	out->subscribed = e->subscribed;
	out->has_counts = e->has_counts;
	out->total = e->total;
	out->unread = e->unread;
	return true;
}

const char *account_special_folder(const struct account *a, enum folder_role r)
{
	const struct folder_entry *e = folders_special(&a->folders, r);
	return e ? e->name : NULL;
}

void account_refresh_folders(struct account *a)
{
	folders_refresh(a, true);
}

void account_set_subscribed_only(struct account *a, bool on)
{
	if (a->o.subscribed_only == on)
		return;
	a->o.subscribed_only = on;
	folders_refresh(a, true);
}
