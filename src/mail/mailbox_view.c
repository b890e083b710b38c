/* mailbox_view — views: lifecycle, rows, windows, and the optimistic changes triage makes.
 * See model.h (the contract) and account_int.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/mutf7.h"
#include "imap/search.h"
#include "mail/account_int.h"
#include "mail/cache.h"
#include "mail/thread.h"

/* ---- lifecycle ---------------------------------------------------------------------------- */

struct view *view_new(struct account *a, enum view_kind kind, int conn, const char *folder,
		      enum view_mode mode)
{
	struct view *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	v->a = a;
	v->kind = kind;
	v->mode = mode;
	v->state = VIEW_OPENING;
	v->conn = conn;
	v->folder = strdup(folder);
	v->key = acct_folder_key(a, folder);
	if (!v->folder || !v->key) {
		free(v->folder);
		free(v->key);
		free(v);
		return NULL;
	}
	v->reverse = kind != VIEW_KIND_THREAD;
	v->seq_table = kind == VIEW_KIND_MAILBOX;
	mbx_init(&v->t);
	struct fs_opts fo;
	fetch_sched_defaults(&fo);
	fo.batch = a->o.batch ? a->o.batch : fo.batch;
	fo.prefetch = a->o.prefetch;
	fo.fill_batch = a->o.fill_batch;
	fo.fill_max = a->o.fill_max;
	fetch_sched_init(&v->fs, &fo);
	v->next = a->views;
	if (a->views)
		a->views->prev = v;
	a->views = v;
	return v;
}

static void view_destroy(struct view *v)
{
	view_threads_stop(v);
	view_sort_stop(v);
	view_cache_prov_free(v);
	imap_search_free(&v->query);
	mbx_free(&v->t);
	free(v->folder);
	free(v->key);
	free(v);
}

void view_hold(struct view *v)
{
	v->refs++;
}

void view_release(struct view *v)
{
	if (--v->refs <= 0 && v->dead)
		view_destroy(v);
}

struct view **acct_views_hold(struct account *a, size_t *n)
{
	size_t k = 0;
	for (struct view *v = a->views; v; v = v->next)
		k++;
	*n = 0;
	if (!k)
		return NULL;
	struct view **vs = malloc(k * sizeof *vs);
	if (!vs)
		return NULL;
	for (struct view *v = a->views; v; v = v->next) {
		view_hold(v);
		vs[(*n)++] = v;
	}
	return vs;
}

void acct_views_release(struct view **vs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		view_release(vs[i]);
	free(vs);
}

static void cancel_setup(struct view *v)
{
	if (v->setup_op && v->setup_s)
		imap_op_cancel(v->setup_s, v->setup_op);
	v->setup_op = 0;
	v->setup_s = NULL;
}

void view_close(struct view **vp)
{
	if (!vp || !*vp)
		return;
	struct view *v = *vp;
	*vp = NULL;
	if (v->dead)
		return;
	struct account *a = v->a;
	if (v->prev)
		v->prev->next = v->next;
	else
		a->views = v->next;
	if (v->next)
		v->next->prev = v->prev;
	v->next = v->prev = NULL;
	v->dead = true;
	view_cancel_batches(v);
	cancel_setup(v);
	message_view_closing(v);
	view_threads_stop(v);
	view_sort_stop(v);
	if (v->refs <= 0)
		view_destroy(v);
}

void view_set_state(struct view *v, enum view_state st, const char *error)
{
	if (v->dead)
		return;
	v->state = st;
	snprintf(v->error, sizeof v->error, "%s", st == VIEW_FAILED && error ? error : "");
	if (st == VIEW_FAILED || st == VIEW_DETACHED)
		view_cancel_batches(v);
	acct_emit_simple(v->a, MODEL_VIEW, v);
}

void view_detach(struct view *v)
{
	cancel_setup(v);
	view_set_state(v, VIEW_DETACHED, NULL);
}

bool view_attached(const struct view *v)
{
	const struct acct_conn *c = &v->a->conn[v->conn];
	return !v->dead && v->state == VIEW_READY && acct_conn_usable(c) && !c->selecting &&
	       c->sel && v->gen == c->sel_gen && strcmp(c->sel, v->folder) == 0;
}

void view_selected(struct view *v, const struct acct_conn *c)
{
	if (v->dead)
		return;
	if (v->uidvalidity && v->uidvalidity != c->uidvalidity) {
		/* every UID we hold names another message now */
		if (v->seq_table) {
			mbx_clear(&v->t);
		} else {
			view_set_state(v, VIEW_FAILED, "the folder changed on the server (UIDVALIDITY); open it again");
			return;
		}
	}
	v->uidvalidity = c->uidvalidity;
	v->gen = c->sel_gen;
	fetch_sched_reset(&v->fs);
	if (!v->seq_table) {
		if (!v->setup_done) {
			view_setup_run(v, c->s);
			return;
		}
		/* what was asked before the connection dropped is asked again */
		view_clear_reqs(v, 0);
		if (v->state != VIEW_READY) {
			v->state = VIEW_READY;
			acct_emit_simple(v->a, MODEL_VIEW, v);
		}
		view_pump(v);
		return;
	}
	/* a mailbox: sequence numbers start over with this selection */
	mbx_clear(&v->t);
	if (mbx_resize(&v->t, c->exists) != 0) {
		view_set_state(v, VIEW_FAILED, "out of memory");
		return;
	}
	v->loaded_prefix = 0;
	if (v->th) {
		view_threads_stop(v);
		if (v->mode == VIEW_THREADS)
			mbx_cut(view_threads_start(v));
	} else if (v->mode == VIEW_THREADS) {
		mbx_cut(view_threads_start(v));
	}
	view_cache_selected(v, (struct acct_conn *)c);
	if (view_sort_wanted(v, c)) {
		/* the order comes from the server; until then the rows are in arrival order */
		v->sorted = false;
		view_sort_start(v, (struct acct_conn *)c);
	}
	v->state = VIEW_READY;
	view_hold(v);
	acct_emit_simple(v->a, MODEL_VIEW, v);
	if (!v->dead)
		view_emit_count(v, 0, 0);
	if (!v->dead) {
		if (v->want_count)
			view_want(v, v->want_first, v->want_count);
		else
			view_pump(v);
	}
	view_release(v);
}

/* ---- opening ------------------------------------------------------------------------------ */

struct view *view_open(struct account *a, const char *folder, enum view_mode mode)
{
	if (!folder || !mutf7_utf8_valid(folder, strlen(folder)) || !*folder)
		return NULL;
	struct view *v = view_new(a, VIEW_KIND_MAILBOX, ACCT_FG, folder, mode);
	if (!v)
		return NULL;
	view_cache_open(v);
	acct_conn_update(&a->conn[ACCT_FG]);
	return v;
}

enum view_kind view_kind(const struct view *v)
{
	return v->kind;
}

enum view_state view_state(const struct view *v)
{
	return v->state;
}

const char *view_error(const struct view *v)
{
	return v->error;
}

const char *view_folder(const struct view *v)
{
	return v->folder;
}

enum view_mode view_mode(const struct view *v)
{
	return v->mode;
}

void view_set_mode(struct view *v, enum view_mode mode)
{
	if (v->mode == mode || v->kind == VIEW_KIND_THREAD)
		return;
	v->mode = mode;
	if (mode == VIEW_THREADS)
		mbx_cut(view_threads_start(v));
	else
		view_threads_stop(v);
	view_hold(v);
	view_emit_count(v, 0, 0);
	if (!v->dead && v->want_count)
		view_want(v, v->want_first, v->want_count);
	view_release(v);
}

/* ---- rows --------------------------------------------------------------------------------- */

size_t view_count(const struct view *v)
{
	struct view *mv = (struct view *)v;
	if (v->mode == VIEW_THREADS && v->th)
		return view_threads_count(mv);
	if (v->gen == 0 && v->prov.count)
		return v->prov.count;
	return view_msg_count(mv);
}

size_t view_msg_count(struct view *v)
{
	return v->sorted ? view_sort_count(v) : mbx_visible(&v->t);
}

bool view_more(const struct view *v)
{
	if (v->mode != VIEW_THREADS || !v->th)
		return false;
	return v->t.n_recs < mbx_visible(&v->t);
}

size_t view_messages(const struct view *v)
{
	if (v->gen == 0 && v->prov.count)
		return v->prov.count;
	return v->t.n;
}

size_t view_loaded(const struct view *v)
{
	return v->t.n_recs;
}

size_t view_pos_index(struct view *v, size_t pos)
{
	if (v->sorted)
		return view_sort_index(v, pos);
	return mbx_pos_to_index(&v->t, pos, v->reverse);
}

size_t view_index_pos(struct view *v, size_t idx)
{
	if (v->sorted)
		return view_sort_pos(v, idx);
	return mbx_index_to_pos(&v->t, idx, v->reverse);
}

static void fill_row(struct view_row *out, const struct mbx_slot *s)
{
	out->uid = s->uid;
	out->flags = s->bits & MBX_S_SYSMASK;
	if (!s->rec)
		return;
	mbx_rec_fill_row(out, s->rec, s->bits & MBX_S_SYSMASK);
}

bool view_row(struct view *v, size_t pos, struct view_row *out)
{
	memset(out, 0, sizeof *out);
	out->pos = pos;
	out->subject = out->from = out->from_addr = "";
	if (v->mode == VIEW_THREADS && v->th)
		return view_threads_row(v, pos, out);
	if (v->gen == 0 && v->prov.count) {
		if (pos >= v->prov.count)
			return false;
		view_cache_row(v, pos, out);
		return true;
	}
	size_t idx = view_pos_index(v, pos);
	if (idx == SIZE_MAX)
		return false;
	const struct mbx_slot *s = mbx_get(&v->t, idx);
	if (!s || !s->rec) {
		if (view_cache_row(v, pos, out))
			return true;
		if (s)
			fill_row(out, s);
		return true;
	}
	fill_row(out, s);
	if (v->kind == VIEW_KIND_THREAD) {
		out->depth = s->tid == UINT32_MAX ? 0 : s->tid;
		out->last_child = (s->bits & MBX_S_LAST) != 0;
	}
	return true;
}

size_t view_find_uid(struct view *v, uint32_t uid)
{
	if (v->mode == VIEW_THREADS && v->th)
		return view_threads_find(v, uid);
	size_t idx = mbx_find_uid(&v->t, uid);
	if (idx == SIZE_MAX)
		return SIZE_MAX;
	const struct mbx_slot *s = mbx_get(&v->t, idx);
	if (!s || !s->rec)
		return SIZE_MAX;
	return view_index_pos(v, idx);
}

void view_want(struct view *v, size_t first, size_t count)
{
	if (v->dead)
		return;
	v->want_first = first;
	v->want_count = count;
	if (v->gen == 0 && v->prov.count)
		view_cache_prov_load(v, first, count);
	if (v->mode == VIEW_THREADS && v->th) {
		size_t mf, mc;
		view_threads_window(v, first, count, &mf, &mc);
		fetch_sched_window(&v->fs, mf, mc);
	} else {
		fetch_sched_window(&v->fs, first, count);
	}
	bool was = v->sync;
	v->sync = true;
	view_pump(v);
	v->sync = was;
}

/* ---- change notification ------------------------------------------------------------------ */

void view_emit_rows(struct view *v, size_t first, size_t count)
{
	if (v->sync)
		return;
	struct model_change ch = {.what = MODEL_ROWS, .view = v, .first = first, .count = count};
	acct_emit(v->a, &ch);
}

void view_emit_count(struct view *v, size_t first, long shift)
{
	if (v->sync)
		return;
	struct model_change ch = {.what = MODEL_COUNT, .view = v, .first = first, .shift = shift};
	acct_emit(v->a, &ch);
}

/* ---- optimistic changes (triage) ---------------------------------------------------------- */

static bool same_folder(const struct view *a, const struct view *b)
{
	return a->a == b->a && strcmp(a->folder, b->folder) == 0 &&
	       (!a->uidvalidity || !b->uidvalidity || a->uidvalidity == b->uidvalidity);
}

/* Views showing v's folder (v first), held. */
static struct view **peers(struct view *v, size_t *n)
{
	size_t k;
	struct view **vs = acct_views_hold(v->a, &k);
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		if (!vs[i]->dead && vs[i] != v && same_folder(vs[i], v))
			vs[m++] = vs[i];
		else
			view_release(vs[i]);
	}
	/* v itself need not be in the account's list (a detached view still counts) */
	struct view **all = realloc(vs, (m + 1) * sizeof *all);
	if (!all) {
		acct_views_release(vs, m);
		*n = 0;
		return NULL;
	}
	memmove(all + 1, all, m * sizeof *all);
	view_hold(v);
	all[0] = v;
	*n = m + 1;
	return all;
}

static void emit_slot(struct view *v, size_t idx)
{
	if (v->mode == VIEW_THREADS && v->th) {
		view_threads_batch_done(v);
		return;
	}
	size_t pos = view_index_pos(v, idx);
	if (pos != SIZE_MAX)
		view_emit_rows(v, pos, 1);
}

bool view_set_flags(struct view *v, uint32_t uid, uint32_t add, uint32_t remove)
{
	add &= MBX_S_SYSMASK;
	remove &= MBX_S_SYSMASK;
	bool found = false;
	size_t n;
	struct view **vs = peers(v, &n);
	for (size_t i = 0; i < n; i++) {
		struct view *w = vs[i];
		if (w->dead)
			continue;
		size_t idx = mbx_find_uid(&w->t, uid);
		struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_get(&w->t, idx);
		if (!s)
			continue;
		if (w == v)
			found = s->rec != NULL;
		uint32_t nb = (s->bits | add) & ~remove;
		if (nb == s->bits)
			continue;
		s->bits = nb;
		view_threads_flags(w, s);
		if (i == 0)
			view_cache_flags(w, s);
		emit_slot(w, idx);
	}
	acct_views_release(vs, n);
	return found;
}

bool view_set_labels(struct view *v, uint32_t uid, const char *const *add, size_t n_add,
		     const char *const *remove, size_t n_remove)
{
	bool found = false;
	size_t n;
	struct view **vs = peers(v, &n);
	for (size_t i = 0; i < n; i++) {
		struct view *w = vs[i];
		if (w->dead)
			continue;
		size_t idx = mbx_find_uid(&w->t, uid);
		struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_get(&w->t, idx);
		if (!s || !s->rec)
			continue;
		if (w == v)
			found = true;
		const struct mbx_rec *r = s->rec;
		const char **nl = malloc((r->n_labels + n_add + 1) * sizeof *nl);
		if (!nl)
			continue;
		size_t k = 0;
		for (size_t j = 0; j < r->n_labels; j++) {
			bool drop = false;
			for (size_t q = 0; q < n_remove; q++)
				if (strcmp(r->labels[j], remove[q]) == 0)
					drop = true;
			for (size_t q = 0; q < n_add; q++)
				if (strcmp(r->labels[j], add[q]) == 0)
					drop = true; /* re-added below, once */
			if (!drop)
				nl[k++] = r->labels[j];
		}
		for (size_t q = 0; q < n_add; q++)
			nl[k++] = add[q];
		struct mbx_rec *nr = mbx_rec_relabel(r, nl, k);
		free(nl);
		if (!nr)
			continue;
		mbx_set_rec(&w->t, s, nr);
		view_threads_add(w, s);
		if (i == 0)
			view_cache_labels(w, s);
		emit_slot(w, idx);
	}
	acct_views_release(vs, n);
	return found;
}

bool view_hide(struct view *v, uint32_t uid, bool hidden)
{
	bool found = false;
	size_t n;
	struct view **vs = peers(v, &n);
	for (size_t i = 0; i < n; i++) {
		struct view *w = vs[i];
		if (w->dead)
			continue;
		size_t idx = mbx_find_uid(&w->t, uid);
		struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_get(&w->t, idx);
		if (!s)
			continue;
		if (w == v)
			found = true;
		if (((s->bits & MBX_S_HIDDEN) != 0) == hidden)
			continue;
		size_t pos = hidden ? view_index_pos(w, idx) : SIZE_MAX;
		mbx_set_hidden(&w->t, s, hidden);
		view_sort_hidden_changed(w);
		if (!hidden)
			pos = view_index_pos(w, idx);
		if (w->th) {
			if (hidden)
				view_threads_remove(w, uid);
			else
				view_threads_add(w, s);
			view_threads_batch_done(w);
		}
		if (!(w->mode == VIEW_THREADS && w->th) && pos != SIZE_MAX)
			view_emit_count(w, pos, hidden ? -1 : 1);
	}
	acct_views_release(vs, n);
	return found;
}

uint32_t view_uidvalidity(const struct view *v)
{
	return v->uidvalidity;
}

struct imap_session *view_session(const struct view *v)
{
	return view_attached(v) ? v->a->conn[v->conn].s : NULL;
}
