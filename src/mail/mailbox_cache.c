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
	const struct mbx_rec *r = p->recs[i];
	out->loaded = true;
	out->uid = p->uids[i];
	out->flags = p->flags[i];
	out->date = r->date;
	out->subject = r->subject;
	out->from = r->from[0] ? r->from : r->from_addr;
	out->from_addr = r->from_addr;
	out->size = r->size;
	out->attachment = r->attachment;
	out->n_labels = r->n_labels;
	out->labels = (const char *const *)r->labels;
	out->gm_msgid = r->gm_msgid;
	out->gm_thrid = r->gm_thrid;
	out->n_msgs = 1;
	out->n_unread = (p->flags[i] & IMAP_FLAG_SEEN) ? 0 : 1;
	out->n_people = 1;
	out->people[0] = out->from;
	return true;
}

void view_cache_selected(struct view *v, const struct acct_conn *cn)
{
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
	mbx_cut(cache_mailbox_put(c, &mb));
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
