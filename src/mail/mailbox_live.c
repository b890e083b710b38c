/* mailbox_live — untagged EXISTS, EXPUNGE, VANISHED and FETCH (flags, labels) applied to the
 * views of the selection they belong to, whenever they arrive (IDLE or any command). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap/mutf7.h"
#include "imap/seqset.h"
#include "mail/account_int.h"

/* Views that follow connection c's current selection, held. */
static struct view **followers(struct acct_conn *c, size_t *n)
{
	size_t k;
	struct view **vs = acct_views_hold(c->a, &k);
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		struct view *v = vs[i];
		if (!v->dead && v->conn == c->idx && v->state == VIEW_READY && v->gen == c->sel_gen &&
		    c->sel && strcmp(v->folder, c->sel) == 0)
			vs[m++] = v;
		else
			view_release(v);
	}
	*n = m;
	return vs;
}

static bool threaded(const struct view *v)
{
	return v->mode == VIEW_THREADS && v->th;
}

static void on_exists(struct acct_conn *c, uint32_t n)
{
	if (n > MBX_MAX_ROWS)
		n = MBX_MAX_ROWS;
	bool grew = n > c->exists;
	c->exists = n;
	folders_set_exists(c->a, c->sel, n);
	if (grew)
		folders_changed(c->a, c->sel);
	size_t k;
	struct view **vs = followers(c, &k);
	for (size_t i = 0; i < k; i++) {
		struct view *v = vs[i];
		if (!v->seq_table || v->dead || n <= v->t.n)
			continue;
		size_t added = n - v->t.n;
		if (mbx_resize(&v->t, n) != 0)
			continue;
		if (v->sorted || v->sort_op || v->sort_cmd || view_sort_wanted(v, c)) {
			/* where new mail goes in the server's order: ask again */
			view_sort_start(v, c);
			continue;
		}
		/* newest first: the new rows are at the top */
		size_t at = v->reverse ? 0 : mbx_visible(&v->t) - added;
		fetch_sched_shift(&v->fs, at, (long)added);
		v->loaded_prefix = 0;
		if (!threaded(v))
			view_emit_count(v, at, (long)added);
		if (!v->dead)
			view_pump(v);
	}
	acct_views_release(vs, k);
}

/* Removes the row at idx of v (a sequence-table view or a UID list). */
static void remove_row(struct view *v, size_t idx)
{
	struct mbx_slot *s = mbx_get(&v->t, idx);
	uint32_t uid = s ? s->uid : 0;
	size_t pos = view_index_pos(v, idx);
	if (uid && v->th)
		view_threads_remove(v, uid);
	if (uid && v->sort_uids)
		view_sort_expunged(v, uid);
	mbx_remove(&v->t, idx);
	if (pos != SIZE_MAX)
		fetch_sched_shift(&v->fs, pos, -1);
	if (v->loaded_prefix > pos)
		v->loaded_prefix = pos;
	if (threaded(v))
		view_threads_batch_done(v);
	else if (pos != SIZE_MAX)
		view_emit_count(v, pos, -1);
}

static void remove_uid_everywhere(struct view **vs, size_t k, uint32_t uid, bool skip_seq)
{
	for (size_t i = 0; i < k; i++) {
		struct view *v = vs[i];
		if (v->dead || (skip_seq && v->seq_table))
			continue;
		size_t idx = mbx_find_uid(&v->t, uid);
		if (idx != SIZE_MAX)
			remove_row(v, idx);
	}
}

static void on_expunge(struct acct_conn *c, uint32_t seq)
{
	if (c->exists)
		c->exists--;
	folders_set_exists(c->a, c->sel, c->exists);
	folders_changed(c->a, c->sel);
	size_t k;
	struct view **vs = followers(c, &k);
	uint32_t uid = 0;
	bool cached = false;
	for (size_t i = 0; i < k; i++) {
		struct view *v = vs[i];
		if (!v->seq_table || v->dead || seq == 0 || seq > v->t.n)
			continue;
		const struct mbx_slot *s = mbx_get(&v->t, seq - 1);
		if (s && s->uid)
			uid = s->uid;
		if (uid && !cached) {
			view_cache_expunged(v, uid);
			cached = true;
		}
		remove_row(v, seq - 1);
	}
	if (uid)
		remove_uid_everywhere(vs, k, uid, true);
	acct_views_release(vs, k);
}

/*
 * Where an expunged UID was in a sequence table that never learnt it: sequence numbers follow
 * UID order, so the message sat between the nearest rows with known UIDs below and above it,
 * in one of the slots between them whose UID is unknown. Those slots hold nothing that tells
 * them apart (no UID, no record), so removing any one of them leaves the table exactly as the
 * server numbers it; the first one is taken. SIZE_MAX when there is no such slot.
 */
struct gap_ctx {
	uint32_t uid;
	size_t lo, hi;  /* nearest known indices below / above (lo SIZE_MAX: none) */
};

static int find_gap(void *ctx, size_t i, struct mbx_slot *s)
{
	struct gap_ctx *g = ctx;
	if (!s->uid)
		return 0;
	if (s->uid < g->uid) {
		g->lo = i;
		return 0;
	}
	g->hi = i;
	return 1; /* ascending: the first known UID above ends the search */
}

static size_t gap_slot(struct view *v, uint32_t uid)
{
	struct gap_ctx g = {uid, SIZE_MAX, v->t.n};
	mbx_each(&v->t, find_gap, &g);
	for (size_t i = g.lo == SIZE_MAX ? 0 : g.lo + 1; i < g.hi; i++) {
		const struct mbx_slot *s = mbx_get(&v->t, i);
		if (!s || !s->uid)
			return i;
	}
	return SIZE_MAX;
}

/* VANISHED names more UIDs than this: the tables are rebuilt instead of placed one by one */
#define VANISH_PLACE_MAX 256

static void on_vanished(struct acct_conn *c, const struct imap_resp_vanished *vn)
{
	if (vn->earlier)
		return; /* comes with SELECT (QRESYNC), handled there (mailbox_cache.c) */
	size_t k;
	struct view **vs = followers(c, &k);
	uint64_t gone = 0;
	for (size_t r = 0; r < vn->uids.n; r++)
		gone += (uint64_t)vn->uids.v[r].hi - vn->uids.v[r].lo + 1;
	bool place = gone <= VANISH_PLACE_MAX;
	uint64_t seen = 0;
	for (size_t r = 0; r < vn->uids.n && seen <= MBX_MAX_ROWS; r++) {
		for (uint64_t u = vn->uids.v[r].lo; u <= vn->uids.v[r].hi && u; u++) {
			if (++seen > MBX_MAX_ROWS)
				break;
			bool cached = false;
			for (size_t i = 0; i < k; i++) {
				struct view *v = vs[i];
				if (v->dead)
					continue;
				size_t idx = mbx_find_uid(&v->t, (uint32_t)u);
				if (idx == SIZE_MAX && v->seq_table && place)
					idx = gap_slot(v, (uint32_t)u);
				if (idx == SIZE_MAX)
					continue;
				if (!cached) {
					view_cache_expunged(v, (uint32_t)u);
					cached = true;
				}
				remove_row(v, idx);
			}
		}
	}
	c->exists = gone >= c->exists ? 0 : c->exists - (uint32_t)gone;
	/* a sequence table that could not place every vanished UID has lost its numbering */
	for (size_t i = 0; i < k; i++) {
		struct view *v = vs[i];
		if (v->dead || !v->seq_table || v->t.n == c->exists)
			continue;
		mbx_clear(&v->t);
		if (mbx_resize(&v->t, c->exists) != 0)
			continue;
		if (v->th) {
			view_threads_stop(v);
			if (v->mode == VIEW_THREADS)
				mbx_cut(view_threads_start(v));
		}
		fetch_sched_reset(&v->fs);
		view_emit_count(v, 0, 0);
		if (!v->dead)
			view_pump(v);
	}
	folders_set_exists(c->a, c->sel, c->exists);
	folders_changed(c->a, c->sel);
	acct_views_release(vs, k);
}

/* A label as the server sent it to UTF-8: system labels stay "\Inbox", others are modified UTF-7. */
static int label_utf8(struct buf *out, const char *p, size_t n)
{
	if (n && p[0] == '\\')
		return buf_append(out, p, strnlen(p, n)) == BUF_OK ? 0 : -1;
	return mutf7_decode(out, p, n, MUTF7_REPLACE) == MUTF7_OK ? 0 : -1;
}

static bool labels_equal(const struct mbx_rec *r, const char *const *v, size_t n)
{
	if (r->n_labels != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(r->labels[i], v[i]) != 0)
			return false;
	return true;
}

static void emit_slot(struct view *v, size_t idx)
{
	if (threaded(v)) {
		view_threads_batch_done(v);
		return;
	}
	size_t pos = view_index_pos(v, idx);
	if (pos != SIZE_MAX)
		view_emit_rows(v, pos, 1);
}

/* Any FETCH with a UID tells the sequence table which message is at that number, so that a
 * later EXPUNGE can be applied to UID-list views (searches) that show it. */
static void learn_uid(struct view **vs, size_t k, const struct imap_resp_fetch *f)
{
	for (size_t i = 0; i < k; i++) {
		struct view *v = vs[i];
		if (!v->seq_table || f->seq == 0 || f->seq > v->t.n)
			continue;
		struct mbx_slot *s = mbx_at(&v->t, f->seq - 1);
		if (s && !s->uid)
			s->uid = f->uid;
	}
}

static void on_fetch(struct acct_conn *c, const struct imap_resp_fetch *f)
{
	if (!(f->present & (IMAP_FETCH_FLAGS | IMAP_FETCH_GM_LABELS | IMAP_FETCH_UID)))
		return;
	size_t k;
	struct view **vs = followers(c, &k);
	if (f->present & IMAP_FETCH_UID)
		learn_uid(vs, k, f);
	if (!(f->present & (IMAP_FETCH_FLAGS | IMAP_FETCH_GM_LABELS))) {
		acct_views_release(vs, k);
		return;
	}
	uint32_t uid = (f->present & IMAP_FETCH_UID) ? f->uid : 0;
	/* the sequence table tells the UID when the response does not */
	for (size_t i = 0; i < k && !uid; i++) {
		struct view *v = vs[i];
		if (!v->seq_table || f->seq == 0 || f->seq > v->t.n)
			continue;
		const struct mbx_slot *s = mbx_get(&v->t, f->seq - 1);
		if (s && s->uid)
			uid = s->uid;
	}
	bool counts = false, cached_flags = false, cached_labels = false;
	/* labels as the model keeps them: UTF-8, system labels as "\Inbox" */
	const char **labels = NULL;
	size_t n_labels = 0;
	struct buf lb;
	buf_init(&lb, 64 * 1024);
	if (f->present & IMAP_FETCH_GM_LABELS) {
		labels = calloc(f->gm_labels.n + 1, sizeof *labels);
		size_t *off = calloc(f->gm_labels.n + 1, sizeof *off);
		for (size_t j = 0; labels && off && j < f->gm_labels.n && j < 64; j++) {
			const struct imap_str *l = &f->gm_labels.v[j];
			off[j] = buf_len(&lb);
			if (!l->p || label_utf8(&lb, l->p, l->len) != 0 ||
			    buf_append_byte(&lb, '\0') != BUF_OK)
				break;
			n_labels = j + 1;
		}
		for (size_t j = 0; labels && off && j < n_labels; j++)
			labels[j] = buf_data(&lb) + off[j];
		free(off);
		if (!labels)
			n_labels = 0;
	}
	for (size_t i = 0; i < k; i++) {
		struct view *v = vs[i];
		if (v->dead)
			continue;
		size_t idx;
		if (v->seq_table)
			idx = f->seq ? f->seq - 1 : SIZE_MAX;
		else
			idx = uid ? mbx_find_uid(&v->t, uid) : SIZE_MAX;
		struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_get(&v->t, idx);
		if (!s || (uid && s->uid && s->uid != uid))
			continue;
		bool changed = false;
		if (f->present & IMAP_FETCH_FLAGS) {
			uint32_t nb = (s->bits & ~MBX_S_SYSMASK) | (f->flags.sys & MBX_S_SYSMASK) | MBX_S_FLAGS;
			if (nb != s->bits) {
				if (((nb ^ s->bits) & IMAP_FLAG_SEEN) && (s->bits & MBX_S_FLAGS))
					counts = true;
				changed = (s->bits & MBX_S_FLAGS) != 0 || s->rec;
				s->bits = nb;
				view_threads_flags(v, s);
				if (!cached_flags && s->uid && s->rec) {
					view_cache_flags(v, s);
					cached_flags = true;
				}
			}
			if (s->rec && !c->a->gmail) {
				/* keywords are the labels elsewhere */
				const char *kw[64];
				size_t nk = 0;
				for (size_t j = 0; j < f->flags.n && nk < 64; j++)
					if (f->flags.v[j].p && f->flags.v[j].p[0] != '\\')
						kw[nk++] = f->flags.v[j].p;
				if (!labels_equal(s->rec, kw, nk)) {
					struct mbx_rec *nr = mbx_rec_relabel(s->rec, kw, nk);
					if (nr) {
						mbx_set_rec(&v->t, s, nr);
						view_threads_add(v, s);
						changed = true;
					}
				}
			}
		}
		if ((f->present & IMAP_FETCH_GM_LABELS) && labels && s->rec &&
		    !labels_equal(s->rec, labels, n_labels)) {
			struct mbx_rec *nr = mbx_rec_relabel(s->rec, labels, n_labels);
			if (nr) {
				mbx_set_rec(&v->t, s, nr);
				view_threads_add(v, s);
				if (!cached_labels) {
					view_cache_labels(v, s);
					cached_labels = true;
				}
				changed = true;
			}
		}
		if (changed && s->rec)
			emit_slot(v, idx);
	}
	free(labels);
	buf_free(&lb);
	if (counts)
		folders_changed(c->a, c->sel);
	acct_views_release(vs, k);
}

void view_untagged(struct acct_conn *c, const struct imap_response *r)
{
	if (c->selecting && c->qr) {
		/* SELECT (QRESYNC): the changed messages' flags, for the cache */
		view_cache_qr_untagged(c, r);
		return;
	}
	if (c->selecting || !c->sel)
		return; /* the SELECT's own data, or an old selection's stragglers */
	switch (r->kind) {
	case IMAP_RESP_EXISTS:
		on_exists(c, r->u.number);
		break;
	case IMAP_RESP_EXPUNGE:
		on_expunge(c, r->u.number);
		break;
	case IMAP_RESP_VANISHED:
		on_vanished(c, &r->u.vanished);
		break;
	case IMAP_RESP_FETCH:
		on_fetch(c, &r->u.fetch);
		break;
	default:
		break;
	}
}
