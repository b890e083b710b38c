/* mailbox_fetch — turning the scheduler's batches into pipelined FETCH commands and their
 * answers into rows. See fetch_sched.h for the policy and account_int.h for the shape. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap/ops.h"
#include "imap/seqset.h"
#include "mail/account_int.h"
#include "mail/cache.h"

enum { PHASE_FULL = 0, PHASE_UIDS = 1, PHASE_BY_UID = 2 };

struct batch {
	struct batch *next;
	struct view *v;
	uint32_t id;
	uint32_t op;
	struct imap_session *s;
	enum fs_prio prio;
	int phase;
	uint32_t gen;
	size_t *idx;          /* slots this batch filled (full) or learnt the UID of (UIDS) */
	size_t n_idx, cap_idx;
};

static void batch_unlink(struct batch *b)
{
	struct view *v = b->v;
	if (!v)
		return;
	for (struct batch **p = &v->batches; *p; p = &(*p)->next)
		if (*p == b) {
			*p = b->next;
			break;
		}
	b->v = NULL;
}

static void batch_free(struct batch *b)
{
	free(b->idx);
	free(b);
}

static void batch_note(struct batch *b, size_t idx)
{
	if (b->n_idx == b->cap_idx) {
		size_t nc = b->cap_idx ? b->cap_idx * 2 : 64;
		size_t *n = realloc(b->idx, nc * sizeof *n);
		if (!n)
			return; /* only the cache write-through misses it */
		b->idx = n;
		b->cap_idx = nc;
	}
	b->idx[b->n_idx++] = idx;
}

void view_cancel_batches(struct view *v)
{
	while (v->batches) {
		struct batch *b = v->batches;
		v->batches = b->next;
		if (b->op && b->s)
			imap_op_cancel(b->s, b->op);
		fetch_sched_done(&v->fs, b->prio);
		batch_free(b);
	}
	view_clear_reqs(v, 0);
	view_cache_resync_stop(v);
}

struct clear_ctx {
	uint32_t id;
	size_t n;
};

static int clear_one(void *ctx, size_t i, struct mbx_slot *s)
{
	(void)i;
	struct clear_ctx *c = ctx;
	if (s->req && (c->id == 0 || s->req == c->id)) {
		s->req = 0;
		c->n++;
	}
	return 0;
}

size_t view_clear_reqs(struct view *v, uint32_t id)
{
	struct clear_ctx c = {id, 0};
	mbx_each(&v->t, clear_one, &c);
	return c.n;
}

/* ---- the FETCH items ---------------------------------------------------------------------- */

static const char *const refs_field[] = {"References"};

void view_fetch_spec(const struct view *v, struct imap_session *s, struct imap_fetch_spec *spec,
		     struct imap_fetch_section *refs_sec)
{
	memset(spec, 0, sizeof *spec);
	spec->want = IMAP_FW_UID | IMAP_FW_FLAGS | IMAP_FW_INTERNALDATE | IMAP_FW_RFC822_SIZE |
		     IMAP_FW_ENVELOPE | IMAP_FW_BODYSTRUCTURE;
	if (s && imap_session_is_gmail(s))
		spec->want |= IMAP_FW_GM_MSGID | IMAP_FW_GM_THRID | IMAP_FW_GM_LABELS;
	/* client-side threading wants References, which ENVELOPE leaves out */
	if (v->th && v->th_kind == 0 /* THREAD_JWZ */) {
		memset(refs_sec, 0, sizeof *refs_sec);
		refs_sec->text = IMAP_STEXT_HEADER_FIELDS;
		refs_sec->fields = refs_field;
		refs_sec->n_fields = 1;
		refs_sec->peek = true;
		spec->sections = refs_sec;
		spec->n_sections = 1;
	}
}

/* ---- storing answers ---------------------------------------------------------------------- */

void view_store_msg(struct view *v, size_t idx, struct mbx_slot *s, const struct imap_fetch_msg *m)
{
	struct mbx_rec *rec = mbx_rec_from_fetch(m, v->a->gmail);
	if (!rec)
		return;
	mbx_set_rec(&v->t, s, rec);
	s->req = 0;
	s->bits &= ~MBX_S_GONE;
	(void)idx;
	view_threads_add(v, s);
}

static size_t msg_index(struct view *v, const struct imap_fetch_msg *m)
{
	if (v->seq_table) {
		if (m->seq == 0 || m->seq > v->t.n)
			return SIZE_MAX;
		return m->seq - 1;
	}
	return mbx_find_uid(&v->t, m->uid);
}

static void on_msg(void *ctx, const struct imap_fetch_msg *m)
{
	struct batch *b = ctx;
	struct view *v = b->v;
	if (!v || v->dead || b->gen != v->gen)
		return;
	size_t idx = msg_index(v, m);
	struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_at(&v->t, idx);
	if (!s)
		return;
	if (m->uid && s->uid && s->uid != m->uid && !v->seq_table)
		return;
	if (m->uid)
		s->uid = m->uid;
	if (m->present & IMAP_FETCH_FLAGS)
		s->bits = (s->bits & ~MBX_S_SYSMASK) | (m->flags.sys & MBX_S_SYSMASK) | MBX_S_FLAGS;
	if (b->phase == PHASE_UIDS || !(m->present & IMAP_FETCH_ENVELOPE)) {
		if (b->phase == PHASE_UIDS)
			batch_note(b, idx);
		return;
	}
	view_store_msg(v, idx, s, m);
	batch_note(b, idx);
	if (v->mode == VIEW_THREADS && v->th)
		return; /* thread rows are regrouped once per batch */
	size_t pos = view_index_pos(v, idx);
	if (pos != SIZE_MAX)
		view_emit_rows(v, pos, 1); /* last: the UI may close the view (and free b) */
}

static int send_uid_batch(struct view *v, struct acct_conn *c, enum fs_prio prio, const size_t *idx,
			  size_t n);

/* Rows a UID FETCH did not return are gone from the folder (UID-list views). */
struct gone_ctx {
	uint32_t id;
	size_t *idx;
	size_t n, cap;
};

static int find_gone(void *ctx, size_t i, struct mbx_slot *s)
{
	struct gone_ctx *g = ctx;
	if (s->req == g->id && !s->rec) {
		if (g->n == g->cap) {
			size_t nc = g->cap ? g->cap * 2 : 16;
			size_t *n = realloc(g->idx, nc * sizeof *n);
			if (!n)
				return 1;
			g->idx = n;
			g->cap = nc;
		}
		g->idx[g->n++] = i;
	}
	return 0;
}

static void remove_gone(struct view *v, uint32_t id)
{
	struct gone_ctx g = {.id = id};
	mbx_each(&v->t, find_gone, &g);
	for (size_t k = g.n; k-- > 0;) {
		size_t pos = view_index_pos(v, g.idx[k]);
		mbx_remove(&v->t, g.idx[k]);
		if (pos != SIZE_MAX && !(v->mode == VIEW_THREADS && v->th))
			view_emit_count(v, pos, -1);
		if (v->dead)
			break;
	}
	free(g.idx);
}

static int mark_gone(void *ctx, size_t i, struct mbx_slot *s)
{
	(void)i;
	uint32_t id = *(uint32_t *)ctx;
	if (s->req == id) {
		s->req = 0;
		if (!s->rec)
			s->bits |= MBX_S_GONE;
	}
	return 0;
}

static void on_done(void *ctx, const struct imap_fetch_result *r)
{
	struct batch *b = ctx;
	struct view *v = b->v;
	batch_unlink(b);
	if (!v || v->dead) {
		batch_free(b);
		return;
	}
	view_hold(v);
	fetch_sched_done(&v->fs, b->prio);
	bool current = b->gen == v->gen;
	if (r->op.status == IMAP_OP_OK && current) {
		if (b->phase == PHASE_UIDS) {
			view_clear_reqs(v, b->id);
			size_t filled = view_cache_fill(v, b->idx, b->n_idx);
			(void)filled;
			/* what the cache did not have is fetched by UID */
			size_t k = 0;
			for (size_t i = 0; i < b->n_idx; i++) {
				struct mbx_slot *s = mbx_get(&v->t, b->idx[i]);
				if (s && !s->rec && s->uid)
					b->idx[k++] = b->idx[i];
			}
			if (k && !v->dead && view_attached(v))
				mbx_cut(send_uid_batch(v, &v->a->conn[v->conn], b->prio, b->idx, k));
		} else {
			view_cache_put(v, b->idx, b->n_idx);
			if (!v->seq_table)
				remove_gone(v, b->id);
			else
				view_clear_reqs(v, b->id);
		}
		if (!v->dead)
			view_threads_batch_done(v);
	} else if (current && (r->op.status == IMAP_OP_NO || r->op.status == IMAP_OP_BAD)) {
		/* not asked again until the view is reopened: a refusing server would loop */
		mbx_each(&v->t, mark_gone, &b->id);
		acct_alert(v->a, "fetching messages of %s failed: %s", v->folder, r->op.message);
	} else {
		view_clear_reqs(v, b->id);
	}
	bool again = r->op.status == IMAP_OP_OK && !v->dead;
	batch_free(b);
	if (again)
		view_pump(v);
	view_release(v);
}

/* ---- sending ------------------------------------------------------------------------------ */

static struct batch *batch_new(struct view *v, enum fs_prio prio, int phase)
{
	struct batch *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->v = v;
	if (++v->next_req == 0)
		v->next_req = 1;
	b->id = v->next_req;
	b->prio = prio;
	b->phase = phase;
	b->gen = v->gen;
	b->next = v->batches;
	v->batches = b;
	return b;
}

static void submit(struct view *v, struct acct_conn *c, struct batch *b, bool uid,
		   const struct seqset *set, bool full)
{
	struct imap_fetch_spec spec;
	struct imap_fetch_section refs;
	if (full) {
		view_fetch_spec(v, c->s, &spec, &refs);
	} else {
		memset(&spec, 0, sizeof spec);
		spec.want = IMAP_FW_UID | IMAP_FW_FLAGS;
	}
	static const struct imap_fetch_callbacks cb = {.msg = on_msg, .done = on_done};
	b->s = c->s;
	uint32_t id = imap_op_fetch(c->s, uid, set, &spec, &cb, b);
	if (id) /* 0: on_done already ran and freed b */
		b->op = id;
}

/* One UID FETCH of the slots idx[0..n), counted in flight at prio. Returns 1 when sent, 0 when
 * there was nothing to send (nothing counted), -1 when out of memory. */
static int send_uid_batch(struct view *v, struct acct_conn *c, enum fs_prio prio, const size_t *idx,
			  size_t n)
{
	struct batch *b = batch_new(v, prio, PHASE_BY_UID);
	if (!b)
		return -1;
	struct fs_batch fb = {.prio = prio};
	struct seqset set;
	seqset_init(&set);
	for (size_t i = 0; i < n; i++) {
		struct mbx_slot *s = mbx_get(&v->t, idx[i]);
		if (!s || !s->uid)
			continue;
		s->req = b->id;
		if (seqset_add(&set, s->uid) != SEQSET_OK)
			break;
	}
	if (seqset_is_empty(&set)) {
		batch_unlink(b);
		batch_free(b);
		seqset_free(&set);
		return 0;
	}
	fetch_sched_sent(&v->fs, &fb);
	submit(v, c, b, true, &set, true);
	seqset_free(&set);
	return 1;
}

static bool missing(void *ctx, size_t pos)
{
	struct view *v = ctx;
	size_t idx = view_pos_index(v, pos);
	if (idx == SIZE_MAX)
		return false;
	const struct mbx_slot *s = mbx_get(&v->t, idx);
	return !s || (!s->rec && !s->req && !(s->bits & MBX_S_GONE));
}

static int send_batch(struct view *v, struct acct_conn *c, const struct fs_batch *fb)
{
	bool cache = v->a->o.cache && cache_usable(v->a->o.cache);
	/* UID lists: rows the cache holds are filled at once, the rest fetched by UID */
	if (!v->seq_table) {
		size_t *idx = malloc(fb->rows * sizeof *idx);
		if (!idx)
			return -1;
		size_t n = 0;
		for (size_t r = 0; r < fb->n_runs; r++)
			for (size_t p = fb->runs[r].first; p < fb->runs[r].first + fb->runs[r].count; p++) {
				size_t i = view_pos_index(v, p);
				if (i != SIZE_MAX && n < fb->rows)
					idx[n++] = i;
			}
		if (cache) {
			view_cache_fill(v, idx, n);
			size_t k = 0;
			for (size_t i = 0; i < n; i++) {
				struct mbx_slot *s = mbx_get(&v->t, idx[i]);
				if (s && !s->rec)
					idx[k++] = idx[i];
			}
			n = k;
		}
		/* the fill budget counts what was planned, whether the cache or the server has it */
		struct fs_batch acct = *fb;
		fetch_sched_sent(&v->fs, &acct);
		fetch_sched_done(&v->fs, fb->prio);
		int rc = 0;
		if (n && !v->dead)
			rc = send_uid_batch(v, c, fb->prio, idx, n);
		free(idx);
		return rc < 0 ? -1 : 0;
	}
	struct batch *b = batch_new(v, fb->prio, cache ? PHASE_UIDS : PHASE_FULL);
	if (!b)
		return -1;
	struct seqset set;
	seqset_init(&set);
	for (size_t r = 0; r < fb->n_runs; r++) {
		for (size_t p = fb->runs[r].first; p < fb->runs[r].first + fb->runs[r].count; p++) {
			size_t i = view_pos_index(v, p);
			struct mbx_slot *s = i == SIZE_MAX ? NULL : mbx_at(&v->t, i);
			if (!s)
				continue;
			s->req = b->id;
			if (seqset_add(&set, (uint32_t)(i + 1)) != SEQSET_OK)
				break;
		}
	}
	if (seqset_is_empty(&set)) {
		batch_unlink(b);
		batch_free(b);
		seqset_free(&set);
		return -1;
	}
	fetch_sched_sent(&v->fs, fb);
	submit(v, c, b, false, &set, !cache);
	seqset_free(&set);
	return 0;
}

void view_pump(struct view *v)
{
	if (v->pumping) {
		v->repump = true;
		return;
	}
	if (v->dead || !view_attached(v))
		return;
	struct acct_conn *c = &v->a->conn[v->conn];
	v->pumping = true;
	view_hold(v);
	do {
		v->repump = false;
		struct fs_batch fb;
		size_t guard = 0;
		while (!v->dead && view_attached(v) &&
		       fetch_sched_next(&v->fs, view_msg_count(v), missing, v, &fb)) {
			if (send_batch(v, c, &fb) != 0 || ++guard > 64)
				break;
		}
		/* nothing else of the view in flight: a background flag resync batch */
		if (!v->dead && view_attached(v))
			view_cache_resync_pump(v);
	} while (v->repump && !v->dead);
	v->pumping = false;
	view_release(v);
}
