/* mailbox_cache — the model's use of src/mail/cache.h: rows shown from the cache before the
 * server answers, rows filled from it by UID, fetched rows and changes written through. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap/seqset.h"
#include "mail/account_int.h"
#include "mail/cache.h"

#define XF_ATTACHMENT 1u

static struct cache *cache_of(const struct view *v)
{
	struct cache *c = v->a->o.cache;
	return c && cache_usable(c) ? c : NULL;
}

static struct mbx_rec *rec_from_cache(const struct cache_msg *m, bool gmail)
{
	struct mbx_rec_in in;
	memset(&in, 0, sizeof in);
	in.date = m->date ? m->date : (m->internaldate > 0 ? m->internaldate : 0);
	in.internaldate = m->internaldate;
	in.gm_msgid = m->gm_msgid;
	in.gm_thrid = m->gm_thrid;
	in.size = m->size;
	in.attachment = (m->xflags & XF_ATTACHMENT) != 0;
	in.has_refs = (m->have & CACHE_HAVE_REFS) != 0;
	in.subject = m->subject;
	in.from = m->from_name;
	in.from_addr = m->from_addr;
	in.to = m->to;
	in.cc = m->cc;
	in.message_id = m->message_id;
	in.in_reply_to = m->in_reply_to;
	in.references = m->references;
	if (gmail) {
		in.labels = m->labels;
		in.n_labels = m->n_labels;
	} else {
		in.labels = m->keywords;
		in.n_labels = m->n_keywords;
	}
	return mbx_rec_new(&in);
}

/* ---- provisional rows --------------------------------------------------------------------- */

void view_cache_prov_free(struct view *v)
{
	struct prov *p = &v->prov;
	for (size_t i = 0; i < p->n; i++)
		mbx_rec_free(&p->recs[i]);
	free(p->recs);
	free(p->uids);
	free(p->flags);
	p->recs = NULL;
	p->uids = p->flags = NULL;
	p->n = p->first = 0;
}

void view_cache_open(struct view *v)
{
	struct cache *c = cache_of(v);
	if (!c || !v->seq_table)
		return;
	struct cache_mailbox mb;
	if (cache_mailbox_get(c, v->key, &mb) != CACHE_OK || !mb.uidvalidity || !mb.exists)
		return;
	v->prov.count = mb.exists > MBX_MAX_ROWS ? MBX_MAX_ROWS : mb.exists;
	v->from_cache = true;
}

struct prov_ctx {
	struct prov *p;
	size_t cap;
	bool gmail;
};

static int prov_row(void *ctx, const struct cache_msg *m)
{
	struct prov_ctx *pc = ctx;
	struct prov *p = pc->p;
	if (p->n >= pc->cap)
		return 1;
	struct mbx_rec *r = rec_from_cache(m, pc->gmail);
	if (!r)
		return 1;
	p->recs[p->n] = r;
	p->uids[p->n] = m->uid;
	p->flags[p->n] = m->flags & MBX_S_SYSMASK;
	p->n++;
	return 0;
}

void view_cache_prov_load(struct view *v, size_t first, size_t count)
{
	struct cache *c = cache_of(v);
	struct prov *p = &v->prov;
	if (!c || !p->count || (first >= p->first && first + count <= p->first + p->n))
		return;
	if (first >= p->count)
		return;
	if (count > p->count - first)
		count = p->count - first;
	view_cache_prov_free(v);
	p->recs = calloc(count, sizeof *p->recs);
	p->uids = calloc(count, sizeof *p->uids);
	p->flags = calloc(count, sizeof *p->flags);
	if (!p->recs || !p->uids || !p->flags || first > UINT32_MAX || count > UINT32_MAX) {
		view_cache_prov_free(v);
		return;
	}
	p->first = first;
	struct prov_ctx pc = {p, count, v->a->gmail};
	struct cache_mailbox mb;
	if (cache_mailbox_get(c, v->key, &mb) != CACHE_OK)
		return;
	mbx_cut(cache_msgs_newest(c, v->key, mb.uidvalidity, (uint32_t)first, (uint32_t)count, prov_row,
				&pc));
}

bool view_cache_row(struct view *v, size_t pos, struct view_row *out)
{
	const struct prov *p = &v->prov;
	if (!p->n || pos < p->first || pos >= p->first + p->n)
		return false;
	size_t i = pos - p->first;
	out->uid = p->uids[i];
	mbx_rec_fill_row(out, p->recs[i], p->flags[i]);
	return true;
}

/* ---- filling rows by UID ------------------------------------------------------------------ */

struct fill_ctx {
	struct view *v;
	const size_t *idx;
	size_t n;
	size_t *done;
	size_t n_done;
};

static int fill_row(void *ctx, const struct cache_msg *m)
{
	struct fill_ctx *fc = ctx;
	struct view *v = fc->v;
	if (!(m->have & CACHE_HAVE_ENVELOPE))
		return 0;
	for (size_t i = 0; i < fc->n; i++) {
		struct mbx_slot *s = mbx_get(&v->t, fc->idx[i]);
		if (!s || s->uid != m->uid || s->rec)
			continue;
		struct mbx_rec *r = rec_from_cache(m, v->a->gmail);
		if (!r)
			return 1;
		mbx_set_rec(&v->t, s, r);
		if (!(s->bits & MBX_S_FLAGS) && (m->have & CACHE_HAVE_FLAGS))
			s->bits = (s->bits & ~MBX_S_SYSMASK) | (m->flags & MBX_S_SYSMASK) | MBX_S_FLAGS;
		s->req = 0;
		fc->done[fc->n_done++] = fc->idx[i];
		break;
	}
	return 0;
}

size_t view_cache_fill(struct view *v, const size_t *idx, size_t n)
{
	struct cache *c = cache_of(v);
	if (!c || !n || !v->uidvalidity)
		return 0;
	struct seqset set;
	seqset_init(&set);
	for (size_t i = 0; i < n; i++) {
		const struct mbx_slot *s = mbx_get(&v->t, idx[i]);
		if (s && s->uid && !s->rec && seqset_add(&set, s->uid) != SEQSET_OK)
			break;
	}
	size_t *done = malloc(n * sizeof *done);
	struct fill_ctx fc = {v, idx, n, done, 0};
	if (done && !seqset_is_empty(&set))
		mbx_cut(cache_msgs_get(c, v->key, v->uidvalidity, &set, fill_row, &fc));
	seqset_free(&set);
	/* report after the cache call: the UI may call back into the model */
	view_hold(v);
	for (size_t i = 0; i < fc.n_done && !v->dead; i++) {
		struct mbx_slot *s = mbx_get(&v->t, done[i]);
		if (!s)
			continue;
		view_threads_add(v, s);
		if (!(v->mode == VIEW_THREADS && v->th)) {
			size_t pos = view_index_pos(v, done[i]);
			if (pos != SIZE_MAX)
				view_emit_rows(v, pos, 1);
		}
	}
	view_release(v);
	free(done);
	return fc.n_done;
}

/* ---- write-through ------------------------------------------------------------------------ */

static void to_cache_msg(const struct view *v, const struct mbx_slot *s, struct cache_msg *m)
{
	const struct mbx_rec *r = s->rec;
	bool gmail = v->a->gmail;
	memset(m, 0, sizeof *m);
	m->uid = s->uid;
	m->have = CACHE_HAVE_META | CACHE_HAVE_ENVELOPE | CACHE_HAVE_XFLAGS;
	if (s->bits & MBX_S_FLAGS) {
		m->have |= CACHE_HAVE_FLAGS;
		m->flags = s->bits & MBX_S_SYSMASK & ~(uint32_t)IMAP_FLAG_RECENT;
		if (!gmail) {
			m->keywords = (const char *const *)r->labels;
			m->n_keywords = r->n_labels;
		}
	}
	if (r->has_refs)
		m->have |= CACHE_HAVE_REFS;
	if (r->gm_msgid || r->gm_thrid)
		m->have |= CACHE_HAVE_GMAIL;
	if (gmail) {
		m->have |= CACHE_HAVE_LABELS;
		m->labels = (const char *const *)r->labels;
		m->n_labels = r->n_labels;
	}
	m->gm_msgid = r->gm_msgid;
	m->gm_thrid = r->gm_thrid;
	m->internaldate = r->internaldate;
	m->size = r->size;
	m->date = r->date;
	m->subject = r->subject;
	m->from_name = r->from;
	m->from_addr = r->from_addr;
	m->to = r->to;
	m->cc = r->cc;
	m->message_id = r->message_id;
	m->in_reply_to = r->in_reply_to;
	m->references = r->references;
	m->xflags = r->attachment ? XF_ATTACHMENT : 0;
}

void view_cache_put(struct view *v, const size_t *idx, size_t n)
{
	struct cache *c = cache_of(v);
	if (!c || !n || !v->uidvalidity)
		return;
	struct cache_msg *ms = malloc(n * sizeof *ms);
	if (!ms)
		return;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mbx_slot *s = mbx_get(&v->t, idx[i]);
		if (s && s->uid && s->rec)
			to_cache_msg(v, s, &ms[k++]);
	}
	if (k)
		mbx_cut(cache_msgs_put(c, v->key, v->uidvalidity, ms, k));
	free(ms);
}

void view_cache_flags(struct view *v, const struct mbx_slot *s)
{
	struct cache *c = cache_of(v);
	if (!c || !s->uid || !v->uidvalidity)
		return;
	const char *const *kw = NULL;
	size_t nk = 0;
	if (s->rec && !v->a->gmail) {
		kw = (const char *const *)s->rec->labels;
		nk = s->rec->n_labels;
	}
	mbx_cut(cache_msg_set_flags(c, v->key, v->uidvalidity, s->uid,
				  s->bits & MBX_S_SYSMASK & ~(uint32_t)IMAP_FLAG_RECENT, kw, nk, 0));
}

void view_cache_labels(struct view *v, const struct mbx_slot *s)
{
	struct cache *c = cache_of(v);
	if (!c || !s->uid || !s->rec || !v->uidvalidity)
		return;
	if (!v->a->gmail) {
		view_cache_flags(v, s);
		return;
	}
	mbx_cut(cache_msg_set_labels(c, v->key, v->uidvalidity, s->uid,
				   (const char *const *)s->rec->labels, s->rec->n_labels));
}

void view_cache_expunged(struct view *v, uint32_t uid)
{
	struct cache *c = cache_of(v);
	if (!c || !uid || !v->uidvalidity)
		return;
	struct seqset set;
	seqset_init(&set);
	if (seqset_add(&set, uid) == SEQSET_OK)
		mbx_cut(cache_msgs_delete(c, v->key, v->uidvalidity, &set));
	seqset_free(&set);
}

/* ---- flag resync after a reopen ------------------------------------------------------------
 *
 * The cache's rows were right when they were written; since then other clients may have changed
 * flags or expunged messages. When a mailbox the cache knows (same UIDVALIDITY) is selected:
 *  - QRESYNC enabled and a HIGHESTMODSEQ stored: SELECT ... (QRESYNC (uidvalidity modseq)). The
 *    server sends the changed messages' FETCH (UID FLAGS MODSEQ) and VANISHED (EARLIER) with the
 *    UIDs expunged since, all before the tagged OK; they are captured while the SELECT runs
 *    (view_cache_qr_untagged) and applied to the cache when it ends.
 *  - CONDSTORE (no QRESYNC) and a HIGHESTMODSEQ stored: after SELECT (CONDSTORE),
 *    UID FETCH 1:* (UID FLAGS [X-GM-LABELS]) (CHANGEDSINCE stored): only changed messages answer.
 *    It is sent by the first view_pump(), behind the window's FETCH: a sequence-number FETCH may
 *    not join a UID command in flight (RFC 3501 5.5), so sent first it would delay the screen.
 *  - Otherwise: a background full resync of the UIDs the cache holds, newest first, in batches
 *    of RS_BATCH UIDs, one at a time and only while the view's fetch scheduler has nothing in
 *    flight; rows the user asks for meanwhile are planned at once and go out as soon as that one
 *    small batch ends, before the next. Cached UIDs that do not answer are gone from the server
 *    and leave the cache. view_cancel_batches() (close, detach) cancels it.
 * The stored HIGHESTMODSEQ is the SELECT's, written only once the resync succeeded: changes made
 * while skua runs on rows the table does not hold are caught by the next reopen's CHANGEDSINCE.
 *
 * Rows of the table need nothing here: the table is rebuilt from EXISTS at every selection, and
 * the changed messages' FETCH responses also reach mailbox_live.c (by sequence number) for rows
 * already loaded. What the resync fixes is the cache (rows filled from it later) and the
 * provisional rows drawn from it meanwhile.
 */

#define RS_FLUSH 500       /* changes applied to the cache per transaction */
#define RS_BATCH 200       /* UIDs per background resync FETCH */

struct rs_item {
	uint32_t uid, flags;
	bool has_flags, has_labels;
	char **kw, **lab;
	size_t n_kw, n_lab;
};

struct view_resync {
	struct view *v;
	struct cache *c;
	char *key;
	uint32_t uidvalidity;
	uint32_t gen;              /* conn->sel_gen it belongs to */
	bool gmail;
	uint64_t modseq;           /* stored when the resync ends well */
	bool full;                 /* background resync of todo */
	uint64_t since;            /* CHANGEDSINCE this (not full), sent by the next pump */
	uint64_t asked_since;      /* ... and once sent */
	struct seqset todo;        /* full: cached UIDs not checked yet */
	struct seqset asked;       /* full: the batch in flight */
	struct seqset got;         /* full: the UIDs of it that answered */
	uint32_t op;
	struct imap_session *s;
	struct rs_item *items;
	size_t n, cap;
	uint64_t n_fetch;          /* FETCH responses the resync got (tests) */
};

static void rs_items_free(struct view_resync *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		for (size_t j = 0; j < rs->items[i].n_kw; j++)
			free(rs->items[i].kw[j]);
		for (size_t j = 0; j < rs->items[i].n_lab; j++)
			free(rs->items[i].lab[j]);
		free(rs->items[i].kw);
		free(rs->items[i].lab);
	}
	rs->n = 0;
}

static void rs_free(struct view_resync **p)
{
	struct view_resync *rs = *p;
	if (!rs)
		return;
	*p = NULL;
	if (rs->op && rs->s)
		imap_op_cancel(rs->s, rs->op);
	rs_items_free(rs);
	free(rs->items);
	seqset_free(&rs->todo);
	seqset_free(&rs->asked);
	seqset_free(&rs->got);
	free(rs->key);
	free(rs);
}

static struct view_resync *rs_new(struct cache *c, const char *key, uint32_t uidvalidity, bool gmail)
{
	struct view_resync *rs = calloc(1, sizeof *rs);
	if (!rs)
		return NULL;
	rs->key = strdup(key);
	if (!rs->key) {
		free(rs);
		return NULL;
	}
	rs->c = c;
	rs->uidvalidity = uidvalidity;
	rs->gmail = gmail;
	seqset_init(&rs->todo);
	seqset_init(&rs->asked);
	seqset_init(&rs->got);
	return rs;
}

static char **dup_strs(const char *const *v, size_t n, size_t *out_n)
{
	*out_n = 0;
	if (!n)
		return NULL;
	if (n > 64)
		n = 64;
	char **d = calloc(n, sizeof *d);
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		d[i] = strdup(v[i] ? v[i] : "");
		if (!d[i])
			break;
		(*out_n)++;
	}
	return d;
}

static void rs_flush(struct view_resync *rs);

/* Records one message's flags (labels may be NULL). */
static void rs_add(struct view_resync *rs, uint32_t uid, bool has_flags, uint32_t flags,
		   const char *const *kw, size_t n_kw, bool has_labels, const char *const *lab,
		   size_t n_lab)
{
	if (!uid)
		return;
	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 64;
		if (nc > RS_FLUSH)
			nc = RS_FLUSH;
		struct rs_item *ni = realloc(rs->items, nc * sizeof *ni);
		if (!ni)
			return;
		rs->items = ni;
		rs->cap = nc;
	}
	struct rs_item *it = &rs->items[rs->n++];
	memset(it, 0, sizeof *it);
	it->uid = uid;
	it->has_flags = has_flags;
	it->flags = flags & MBX_S_SYSMASK & ~(uint32_t)IMAP_FLAG_RECENT;
	if (has_flags)
		it->kw = dup_strs(kw, n_kw, &it->n_kw);
	it->has_labels = has_labels;
	if (has_labels)
		it->lab = dup_strs(lab, n_lab, &it->n_lab);
	if (rs->n >= RS_FLUSH)
		rs_flush(rs);
}

struct cached_ctx {
	struct view_resync *rs;
	bool *cached;
};

static int mark_cached(void *ctx, const struct cache_msg *m)
{
	struct cached_ctx *cc = ctx;
	for (size_t i = 0; i < cc->rs->n; i++)
		if (cc->rs->items[i].uid == m->uid)
			cc->cached[i] = true;
	return 0;
}

/* The provisional rows show the new flags too. */
static void rs_prov(struct view *v, const struct rs_item *it)
{
	struct prov *p = &v->prov;
	for (size_t i = 0; i < p->n; i++) {
		if (p->uids[i] != it->uid)
			continue;
		if (it->has_flags)
			p->flags[i] = it->flags;
		if (it->has_labels || (it->has_flags && !v->a->gmail)) {
			char **l = it->has_labels ? it->lab : it->kw;
			size_t nl = it->has_labels ? it->n_lab : it->n_kw;
			struct mbx_rec *nr = mbx_rec_relabel(p->recs[i], (const char *const *)l, nl);
			if (nr) {
				mbx_rec_free(&p->recs[i]);
				p->recs[i] = nr;
			}
		}
		size_t pos = p->first + i;
		/* a provisional row is what the UI shows while its slot is not loaded */
		size_t idx = v->gen ? view_pos_index(v, pos) : SIZE_MAX;
		const struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_get(&v->t, idx);
		if (!s || !s->rec)
			view_emit_rows(v, pos, 1);
		return;
	}
}

/* Applies what was recorded to the rows the cache holds (only those: a message the cache never
 * saw is fetched whole when it is wanted) and to the provisional rows. */
static void rs_flush(struct view_resync *rs)
{
	if (!rs->n)
		return;
	bool *cached = calloc(rs->n, sizeof *cached);
	struct cache_msg *ms = calloc(rs->n, sizeof *ms);
	struct seqset set;
	seqset_init(&set);
	for (size_t i = 0; i < rs->n; i++)
		if (seqset_add(&set, rs->items[i].uid) != SEQSET_OK)
			break;
	struct cached_ctx cc = {rs, cached};
	if (cached && ms && cache_usable(rs->c) &&
	    cache_msgs_get(rs->c, rs->key, rs->uidvalidity, &set, mark_cached, &cc) == CACHE_OK) {
		size_t k = 0;
		for (size_t i = 0; i < rs->n; i++) {
			const struct rs_item *it = &rs->items[i];
			if (!cached[i] || (!it->has_flags && !it->has_labels))
				continue;
			struct cache_msg *m = &ms[k++];
			m->uid = it->uid;
			if (it->has_flags) {
				m->have |= CACHE_HAVE_FLAGS;
				m->flags = it->flags;
				m->keywords = (const char *const *)it->kw;
				m->n_keywords = it->n_kw;
			}
			if (it->has_labels && rs->gmail) {
				m->have |= CACHE_HAVE_LABELS;
				m->labels = (const char *const *)it->lab;
				m->n_labels = it->n_lab;
			}
		}
		if (k)
			mbx_cut(cache_msgs_put(rs->c, rs->key, rs->uidvalidity, ms, k));
	}
	seqset_free(&set);
	free(ms);
	free(cached);
	struct view *v = rs->v;
	if (v && !v->dead && v->prov.n) {
		view_hold(v);
		for (size_t i = 0; i < rs->n && !v->dead && v->rs == rs; i++)
			rs_prov(v, &rs->items[i]);
		view_release(v);
	}
	rs_items_free(rs);
}

static void rs_fetch_msg(void *ctx, const struct imap_fetch_msg *m)
{
	struct view_resync *rs = ctx;
	/* UID FETCH 1:* also sees the window's FETCH responses meanwhile: a change has a MODSEQ
	 * above the one asked about (RFC 7162 3.1.4) */
	if (!rs->full && (!(m->present & IMAP_FETCH_MODSEQ) || m->modseq <= rs->asked_since))
		return;
	rs->n_fetch++;
	if (!m->uid)
		return;
	const char *kw[64];
	size_t nk = 0;
	for (size_t j = 0; j < m->flags.n && nk < 64; j++)
		if (m->flags.v[j] && m->flags.v[j][0] != '\\')
			kw[nk++] = m->flags.v[j];
	if (rs->full)
		mbx_cut(seqset_add(&rs->got, m->uid));
	rs_add(rs, m->uid, (m->present & IMAP_FETCH_FLAGS) != 0, m->flags.sys, kw, nk,
	       (m->present & IMAP_FETCH_GM_LABELS) != 0, m->labels, m->n_labels);
}

/* The resync ended well: the cache is as the server was at SELECT. */
static void rs_finish(struct view_resync *rs)
{
	rs_flush(rs);
	struct cache_mailbox mb;
	if (!rs->modseq || !cache_usable(rs->c) ||
	    cache_mailbox_get(rs->c, rs->key, &mb) != CACHE_OK || mb.uidvalidity != rs->uidvalidity)
		return;
	mb.name = rs->key;
	mb.name_utf8 = rs->v ? rs->v->folder : NULL;
	mb.highestmodseq = rs->modseq;
	mbx_cut(cache_mailbox_put(rs->c, &mb));
}

static void rs_changed_done(void *ctx, const struct imap_fetch_result *r)
{
	struct view_resync *rs = ctx;
	rs->op = 0;
	struct view *v = rs->v;
	if (r->op.status == IMAP_OP_OK) {
		rs_finish(rs);
	} else {
		rs->modseq = 0; /* asked again from the stored one next time */
		rs_items_free(rs);
	}
	if (v && v->rs == rs)
		v->rs_done = rs->n_fetch + 1;
	if (v && v->rs == rs)
		rs_free(&v->rs);
}

static void rs_full_done(void *ctx, const struct imap_fetch_result *r)
{
	struct view_resync *rs = ctx;
	rs->op = 0;
	struct view *v = rs->v;
	if (v)
		fetch_sched_done(&v->fs, FS_FILL);
	if (r->op.status != IMAP_OP_OK || !v || v->dead || v->rs != rs || rs->gen != v->gen) {
		if (v && v->rs == rs)
			rs_free(&v->rs);
		return;
	}
	rs_flush(rs);
	/* the UIDs asked that did not answer are gone from the server */
	struct seqset gone;
	seqset_init(&gone);
	struct seqset_iter it;
	seqset_iter_init(&it, &rs->asked);
	uint32_t u;
	while (seqset_iter_next(&it, &u))
		if (!seqset_contains(&rs->got, u) && seqset_add(&gone, u) != SEQSET_OK)
			break;
	if (!seqset_is_empty(&gone) && cache_usable(rs->c))
		mbx_cut(cache_msgs_delete(rs->c, rs->key, rs->uidvalidity, &gone));
	seqset_free(&gone);
	seqset_clear(&rs->asked);
	seqset_clear(&rs->got);
	if (seqset_is_empty(&rs->todo)) {
		rs_finish(rs);
		v->rs_done = rs->n_fetch + 1;
		rs_free(&v->rs);
		return;
	}
	view_pump(v);
}

/* Moves the highest n UIDs of todo into asked. */
static void take_newest(struct seqset *todo, struct seqset *asked, size_t n)
{
	while (n && todo->n) {
		struct seqset_range *r = &todo->r[todo->n - 1];
		uint64_t have = (uint64_t)r->hi - r->lo + 1;
		uint32_t lo = have > n ? (uint32_t)(r->hi - (n - 1)) : r->lo;
		if (seqset_add_range(asked, lo, r->hi) != SEQSET_OK)
			return;
		n -= (size_t)((uint64_t)r->hi - lo + 1);
		if (lo == r->lo)
			todo->n--;
		else
			r->hi = lo - 1;
	}
}

static void rs_start_changed(struct view_resync *rs, struct acct_conn *c, uint64_t since);

bool view_cache_resync_pump(struct view *v)
{
	struct view_resync *rs = v->rs;
	if (!rs || rs->op || rs->gen != v->gen || !view_attached(v))
		return false;
	if (!rs->full) {
		/* after the window's FETCH: pipelined behind it, it delays nothing the user sees */
		uint64_t since = rs->since;
		rs->since = 0;
		if (since)
			rs_start_changed(rs, &v->a->conn[v->conn], since);
		return since != 0;
	}
	if (fetch_sched_in_flight(&v->fs))
		return false; /* low priority: only when nothing of the view is in flight */
	struct acct_conn *c = &v->a->conn[v->conn];
	seqset_clear(&rs->asked);
	seqset_clear(&rs->got);
	take_newest(&rs->todo, &rs->asked, RS_BATCH);
	if (seqset_is_empty(&rs->asked))
		return false;
	struct imap_fetch_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.want = IMAP_FW_UID | IMAP_FW_FLAGS;
	if (rs->gmail)
		spec.want |= IMAP_FW_GM_LABELS;
	static const struct imap_fetch_callbacks cb = {.msg = rs_fetch_msg, .done = rs_full_done};
	struct fs_batch fb = {.prio = FS_FILL};
	fetch_sched_sent(&v->fs, &fb);
	rs->s = c->s;
	uint32_t id = imap_op_fetch(c->s, true, &rs->asked, &spec, &cb, rs);
	if (id && v->rs == rs)
		rs->op = id;
	return id != 0;
}

static void rs_start_changed(struct view_resync *rs, struct acct_conn *c, uint64_t since)
{
	struct imap_fetch_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.want = IMAP_FW_UID | IMAP_FW_FLAGS;
	if (rs->gmail)
		spec.want |= IMAP_FW_GM_LABELS;
	spec.changedsince = since;
	rs->asked_since = since;
	struct seqset all;
	seqset_init(&all);
	if (seqset_add_range(&all, 1, SEQSET_STAR) != SEQSET_OK) {
		seqset_free(&all);
		return;
	}
	static const struct imap_fetch_callbacks cb = {.msg = rs_fetch_msg, .done = rs_changed_done};
	rs->s = c->s;
	struct view *v = rs->v;
	uint32_t id = imap_op_fetch(c->s, true, &all, &spec, &cb, rs);
	seqset_free(&all);
	if (id && v->rs == rs)
		rs->op = id;
}

void view_cache_resync_stop(struct view *v)
{
	rs_free(&v->rs);
}

/* ---- QRESYNC: SELECT parameters and what comes back during the SELECT ---------------------- */

void view_cache_select_opts(struct view *v, struct acct_conn *c, struct imap_select_opts *so)
{
	memset(so, 0, sizeof *so);
	rs_free(&c->qr);
	struct cache *ch = cache_of(v);
	if (!ch || !v->seq_table || !c->s)
		return;
	bool condstore = imap_session_has_cap(c->s, "CONDSTORE");
	struct cache_mailbox mb;
	if (imap_session_enabled(c->s, "QRESYNC") && cache_mailbox_get(ch, v->key, &mb) == CACHE_OK &&
	    mb.uidvalidity && mb.highestmodseq) {
		c->qr = rs_new(ch, v->key, mb.uidvalidity, v->a->gmail);
		if (c->qr) {
			so->qresync = true;
			so->uidvalidity = mb.uidvalidity;
			so->modseq = mb.highestmodseq;
			/* untagged data before [CLOSED] belongs to the mailbox selected before */
			c->qr_open = imap_session_state(c->s) != IMAP_SESSION_SELECTED;
			return;
		}
	}
	so->condstore = condstore;
}

void view_cache_qr_untagged(struct acct_conn *c, const struct imap_response *r)
{
	struct view_resync *rs = c->qr;
	if (!rs)
		return;
	if (r->kind == IMAP_RESP_STATUS && r->u.status.code.kind == IMAP_CODE_CLOSED) {
		c->qr_open = true;
		return;
	}
	if (!c->qr_open || r->kind != IMAP_RESP_FETCH)
		return;
	const struct imap_resp_fetch *f = &r->u.fetch;
	if (!(f->present & IMAP_FETCH_UID) || !(f->present & IMAP_FETCH_FLAGS))
		return;
	rs->n_fetch++;
	char *kw[64];
	size_t nk = 0;
	for (size_t j = 0; j < f->flags.n && nk < 64; j++) {
		const struct imap_str *s = &f->flags.v[j];
		if (!s->p || !s->len || s->p[0] == '\\')
			continue;
		kw[nk] = strndup(s->p, s->len);
		if (kw[nk])
			nk++;
	}
	rs_add(rs, f->uid, true, f->flags.sys, (const char *const *)kw, nk, false, NULL, 0);
	for (size_t j = 0; j < nk; j++)
		free(kw[j]);
}

void view_cache_conn_reset(struct acct_conn *c)
{
	rs_free(&c->qr);
	c->qr_open = false;
}

/* ---- after SELECT ------------------------------------------------------------------------- */

static void view_cache_resync_start(struct view *v, struct acct_conn *cn,
				    const struct cache_mailbox *old, bool known)
{
	struct cache *c = cache_of(v);
	v->rs_done = 0;
	if (!known || !c || !cn->s)
		return;
	struct view_resync *qr = cn->qr;
	cn->qr = NULL;
	if (qr) {
		/* SELECT (QRESYNC): the changes came with it. VANISHED (EARLIER) names UIDs expunged
		 * since the stored mod-sequence: they leave the cache. The table needs nothing: it
		 * is being built from this SELECT's EXISTS, which already counts without them, so
		 * sequence numbers (and every row whose UID is not known yet) are right as they are;
		 * rows whose UID is known come from the cache, which no longer has them. */
		if (cn->sel_vanished && !seqset_is_empty(cn->sel_vanished))
			mbx_cut(cache_msgs_delete(c, v->key, qr->uidvalidity, cn->sel_vanished));
		qr->v = v;
		qr->modseq = cn->highestmodseq;
		v->rs = qr;
		rs_finish(qr);
		v->rs_done = qr->n_fetch + 1;
		rs_free(&v->rs);
		return;
	}
	struct view_resync *rs = rs_new(c, v->key, cn->uidvalidity, v->a->gmail);
	if (!rs)
		return;
	rs->v = v;
	rs->gen = v->gen;
	rs->modseq = cn->highestmodseq;
	v->rs = rs;
	if (old->highestmodseq && cn->highestmodseq && imap_session_has_cap(cn->s, "CONDSTORE")) {
		if (old->highestmodseq == cn->highestmodseq) {
			/* nothing changed since */
			rs_finish(rs);
			v->rs_done = 1;
			rs_free(&v->rs);
			return;
		}
		rs->since = old->highestmodseq; /* sent by the next view_pump() */
		return;
	}
	/* no mod-sequences: every cached UID is asked again, in the background */
	rs->full = true;
	if (cache_msgs_uids(c, v->key, cn->uidvalidity, &rs->todo) != CACHE_OK ||
	    seqset_is_empty(&rs->todo)) {
		rs_finish(rs);
		v->rs_done = 1;
		rs_free(&v->rs);
	}
}

void view_cache_selected(struct view *v, struct acct_conn *cn)
{
	rs_free(&v->rs);
	struct cache *c = cache_of(v);
	if (!c) {
		view_cache_prov_free(v);
		v->prov.count = 0;
		return;
	}
	struct cache_mailbox old;
	bool had = cache_mailbox_get(c, v->key, &old) == CACHE_OK;
	enum cache_result r = cache_mailbox_check_uidvalidity(c, v->key, cn->uidvalidity);
	/* the provisional rows stay a fallback only while the mailbox is as the cache saw it */
	if (r == CACHE_DROPPED || !had || old.exists != cn->exists || old.uidnext != cn->uidnext ||
	    old.uidvalidity != cn->uidvalidity)
		view_cache_prov_free(v);
	v->prov.count = 0;
	/* rows the cache holds are of this UIDVALIDITY: they need a flag resync */
	bool known = had && r == CACHE_OK && old.uidvalidity && old.uidvalidity == cn->uidvalidity;
	struct cache_mailbox mb = {0};
	mb.name = v->key;
	mb.name_utf8 = v->folder;
	size_t fi = folders_find(&v->a->folders, v->folder);
	if (fi != SIZE_MAX) {
		mb.delim = v->a->folders.v[fi].delim;
		mb.attr = v->a->folders.v[fi].attr;
	}
	mb.uidvalidity = cn->uidvalidity;
	mb.uidnext = cn->uidnext;
	mb.exists = cn->exists;
	/* the new HIGHESTMODSEQ is stored once the cache's rows are resynced up to it */
	mb.highestmodseq = known ? old.highestmodseq : cn->highestmodseq;
	mbx_cut(cache_mailbox_put(c, &mb));
	if (cn->rs_gen == cn->sel_gen) {
		view_cache_conn_reset(cn);
		return; /* another view of this selection resyncs */
	}
	cn->rs_gen = cn->sel_gen;
	view_cache_resync_start(v, cn, &old, known);
	view_cache_conn_reset(cn);
}
