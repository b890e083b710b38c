#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mail/cache_int.h"

/* ---- mailboxes ------------------------------------------------------------------------------ */

bool cache_name_valid(const char *name)
{
	return name && name[0] && strlen(name) <= CACHE_MAX_FIELD;
}

enum cache_result cache_mbox_lookup(struct cache *c, const char *name, int64_t *id, uint32_t *uv)
{
	sqlite3_stmt *s = cache_stmt(c, ST_MBOX_LOOKUP);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		*uv = (uint32_t)sqlite3_column_int64(s, 1);
		sqlite3_reset(s);
		return CACHE_OK;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? CACHE_NOTFOUND : cache_fail(c, rc, "mailbox lookup");
}

enum cache_result cache_delete_keys(struct cache *c, int64_t lo, int64_t hi)
{
	static const enum cache_stmt del[] = { ST_MSG_DELETE, ST_STRUCT_DELETE, ST_BODY_DELETE };
	for (size_t i = 0; i < sizeof del / sizeof del[0]; i++) {
		sqlite3_stmt *s = cache_stmt(c, del[i]);
		if (!s)
			return CACHE_ERROR;
		sqlite3_bind_int64(s, 1, lo);
		sqlite3_bind_int64(s, 2, hi);
		enum cache_result r = cache_step_done(c, s, "delete rows");
		if (r != CACHE_OK)
			return r;
	}
	return CACHE_OK;
}

static enum cache_result drop_mailbox_rows(struct cache *c, int64_t id)
{
	return cache_delete_keys(c, cache_key(id, 0), cache_key(id, UINT32_MAX));
}

/* Inside a transaction: the id of name, made with uidvalidity uv when absent. */
static enum cache_result mbox_ensure(struct cache *c, const char *name, uint32_t uv, int64_t *id,
				     uint32_t *stored)
{
	enum cache_result r = cache_mbox_lookup(c, name, id, stored);
	if (r != CACHE_NOTFOUND)
		return r;
	sqlite3_stmt *s = cache_stmt(c, ST_MBOX_INSERT);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, uv);
	r = cache_step_done(c, s, "mailbox insert");
	if (r != CACHE_OK)
		return r;
	*id = sqlite3_last_insert_rowid(c->db);
	*stored = uv;
	if (*id <= 0 || *id > INT32_MAX)
		return cache_fail(c, SQLITE_FULL, "mailbox ids exhausted");
	return CACHE_OK;
}

enum cache_result cache_mailbox_put(struct cache *c, const struct cache_mailbox *mb)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!mb || !cache_name_valid(mb->name))
		return CACHE_INVALID;
	if ((r = cache_begin(c)) != CACHE_OK)
		return r;
	int64_t id;
	uint32_t uv;
	r = cache_mbox_lookup(c, mb->name, &id, &uv);
	if (r == CACHE_OK && mb->uidvalidity && uv && uv != mb->uidvalidity)
		r = drop_mailbox_rows(c, id);
	else if (r == CACHE_NOTFOUND)
		r = CACHE_OK;
	sqlite3_stmt *s = r == CACHE_OK ? cache_stmt(c, ST_MBOX_PUT) : NULL;
	if (s) {
		sqlite3_bind_text(s, 1, mb->name, -1, SQLITE_STATIC);
		cache_bind_text(s, 2, mb->name_utf8, CACHE_MAX_FIELD, true);
		sqlite3_bind_int(s, 3, (unsigned char)mb->delim);
		sqlite3_bind_int64(s, 4, mb->attr);
		sqlite3_bind_int64(s, 5, mb->uidvalidity);
		sqlite3_bind_int64(s, 6, mb->uidnext);
		sqlite3_bind_int64(s, 7, mb->exists);
		sqlite3_bind_int64(s, 8, mb->unseen);
		sqlite3_bind_int64(s, 9, (int64_t)mb->highestmodseq);
		sqlite3_bind_int64(s, 10, mb->last_sync);
		r = cache_step_done(c, s, "mailbox put");
	} else if (r == CACHE_OK) {
		r = CACHE_ERROR;
	}
	if (r != CACHE_OK) {
		cache_rollback(c);
		return r;
	}
	return cache_commit(c);
}

static void mailbox_from_row(sqlite3_stmt *s, struct cache_mailbox *mb)
{
	mb->name = (const char *)sqlite3_column_text(s, 0);
	mb->name_utf8 = (const char *)sqlite3_column_text(s, 1);
	mb->delim = (char)sqlite3_column_int(s, 2);
	mb->attr = (uint32_t)sqlite3_column_int64(s, 3);
	mb->uidvalidity = (uint32_t)sqlite3_column_int64(s, 4);
	mb->uidnext = (uint32_t)sqlite3_column_int64(s, 5);
	mb->exists = (uint32_t)sqlite3_column_int64(s, 6);
	mb->unseen = (uint32_t)sqlite3_column_int64(s, 7);
	mb->highestmodseq = (uint64_t)sqlite3_column_int64(s, 8);
	mb->last_sync = sqlite3_column_int64(s, 9);
}

enum cache_result cache_mailbox_get(struct cache *c, const char *name, struct cache_mailbox *out)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!out || !cache_name_valid(name))
		return CACHE_INVALID;
	sqlite3_stmt *s = cache_stmt(c, ST_MBOX_GET);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		mailbox_from_row(s, out);
		out->name = name;
		out->name_utf8 = NULL;
		sqlite3_reset(s);
		return CACHE_OK;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? CACHE_NOTFOUND : cache_fail(c, rc, "mailbox get");
}

enum cache_result cache_mailbox_list(struct cache *c, cache_mailbox_cb cb, void *ctx)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cb)
		return CACHE_INVALID;
	sqlite3_stmt *s = cache_stmt(c, ST_MBOX_LIST);
	if (!s)
		return CACHE_ERROR;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cache_mailbox mb;
		mailbox_from_row(s, &mb);
		if (cb(ctx, &mb))
			break;
	}
	sqlite3_reset(s);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? CACHE_OK : cache_fail(c, rc, "mailbox list");
}

enum cache_result cache_mailbox_delete(struct cache *c, const char *name)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cache_name_valid(name))
		return CACHE_INVALID;
	if ((r = cache_begin(c)) != CACHE_OK)
		return r;
	int64_t id;
	uint32_t uv;
	r = cache_mbox_lookup(c, name, &id, &uv);
	if (r == CACHE_OK)
		r = drop_mailbox_rows(c, id);
	if (r == CACHE_OK) {
		sqlite3_stmt *s = cache_stmt(c, ST_MBOX_DELETE);
		if (!s) {
			r = CACHE_ERROR;
		} else {
			sqlite3_bind_int64(s, 1, id);
			r = cache_step_done(c, s, "mailbox delete");
		}
	}
	if (r != CACHE_OK) {
		cache_rollback(c);
		return r == CACHE_NOTFOUND ? CACHE_OK : r;
	}
	return cache_commit(c);
}

enum cache_result cache_mailbox_check_uidvalidity(struct cache *c, const char *name,
						  uint32_t uidvalidity)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cache_name_valid(name) || uidvalidity == 0)
		return CACHE_INVALID;
	int64_t id;
	uint32_t uv;
	/* The common case (unchanged) needs no write lock. */
	r = cache_mbox_lookup(c, name, &id, &uv);
	if (r == CACHE_OK && uv == uidvalidity)
		return CACHE_OK;
	if (r != CACHE_OK && r != CACHE_NOTFOUND)
		return r;
	if ((r = cache_begin(c)) != CACHE_OK)
		return r;
	bool dropped = false;
	r = cache_mbox_lookup(c, name, &id, &uv);
	if (r == CACHE_NOTFOUND) {
		r = mbox_ensure(c, name, uidvalidity, &id, &uv);
	} else if (r == CACHE_OK && uv != uidvalidity) {
		dropped = uv != 0;
		r = drop_mailbox_rows(c, id);
		sqlite3_stmt *s = r == CACHE_OK ? cache_stmt(c, ST_MBOX_SET_UV) : NULL;
		if (s) {
			sqlite3_bind_int64(s, 1, id);
			sqlite3_bind_int64(s, 2, uidvalidity);
			r = cache_step_done(c, s, "set uidvalidity");
		} else if (r == CACHE_OK) {
			r = CACHE_ERROR;
		}
	}
	if (r != CACHE_OK) {
		cache_rollback(c);
		return r;
	}
	r = cache_commit(c);
	return r == CACHE_OK && dropped ? CACHE_DROPPED : r;
}

/* ---- message rows: writing ------------------------------------------------------------------ */

static int bind_list(sqlite3_stmt *s, int i, struct buf *tmp, const char *const *v, size_t n,
		     char skip)
{
	buf_reset(tmp);
	if (cache_list_encode(tmp, v, n, skip) < 0)
		return SQLITE_TOOBIG;
	if (buf_len(tmp) == 0)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_blob(s, i, buf_data(tmp), (int)buf_len(tmp), SQLITE_TRANSIENT);
}

static enum cache_result put_struct(struct cache *c, int64_t k, uint32_t uv,
				    const struct imap_body *b)
{
	struct buf tmp;
	buf_init(&tmp, CACHE_BODYSTRUCT_MAX);
	if (cache_bodystructure_encode(b, &tmp) < 0) {
		buf_free(&tmp);
		return CACHE_OK; /* too big or too deep to keep: the row goes without it */
	}
	sqlite3_stmt *s = cache_stmt(c, ST_STRUCT_PUT);
	enum cache_result r = CACHE_ERROR;
	if (s) {
		sqlite3_bind_int64(s, 1, k);
		sqlite3_bind_int64(s, 2, uv);
		sqlite3_bind_blob(s, 3, buf_data(&tmp), (int)buf_len(&tmp), SQLITE_STATIC);
		r = cache_step_done(c, s, "structure put");
	}
	buf_free(&tmp);
	return r;
}

static enum cache_result put_row(struct cache *c, int64_t mbox, uint32_t uv,
				 const struct cache_msg *m, struct buf *tmp)
{
	if (m->uid == 0)
		return CACHE_INVALID;
	sqlite3_stmt *s = cache_stmt(c, ST_MSG_PUT);
	if (!s)
		return CACHE_ERROR;
	uint32_t have = m->have & ~(uint32_t)CACHE_HAVE_BODYSTRUCTURE;
	if (m->bodystructure && (m->have & CACHE_HAVE_BODYSTRUCTURE))
		have |= CACHE_HAVE_BODYSTRUCTURE;
	int64_t k = cache_key(mbox, m->uid);
	sqlite3_bind_int64(s, 1, k);
	sqlite3_bind_int64(s, 2, uv);
	sqlite3_bind_int64(s, 3, have);
	int rc = SQLITE_OK;
	if (have & CACHE_HAVE_FLAGS) {
		sqlite3_bind_int64(s, 4, m->flags & ~(uint32_t)(IMAP_FLAG_RECENT | IMAP_FLAG_WILDCARD));
		rc = bind_list(s, 5, tmp, m->keywords, m->n_keywords, '\\');
		sqlite3_bind_int64(s, 6, (int64_t)m->modseq);
	} else {
		sqlite3_bind_int(s, 4, 0);
		sqlite3_bind_int(s, 6, 0);
	}
	sqlite3_bind_int64(s, 7, (have & CACHE_HAVE_GMAIL) ? (int64_t)m->gm_msgid : 0);
	sqlite3_bind_int64(s, 8, (have & CACHE_HAVE_GMAIL) ? (int64_t)m->gm_thrid : 0);
	if (rc == SQLITE_OK && (have & CACHE_HAVE_LABELS))
		rc = bind_list(s, 9, tmp, m->labels, m->n_labels, 0);
	sqlite3_bind_int64(s, 10, (have & CACHE_HAVE_META) ? m->internaldate : -1);
	sqlite3_bind_int64(s, 11, (have & CACHE_HAVE_META) ? m->size : 0);
	if (have & CACHE_HAVE_ENVELOPE) {
		sqlite3_bind_int64(s, 12, m->date);
		cache_bind_text(s, 13, m->subject_raw, CACHE_MAX_FIELD, false);
		cache_bind_text(s, 14, m->subject, CACHE_MAX_FIELD, true);
		cache_bind_text(s, 15, m->from_name, CACHE_MAX_FIELD, true);
		cache_bind_text(s, 16, m->from_addr, CACHE_MAX_FIELD, false);
		cache_bind_text(s, 17, m->to, CACHE_MAX_FIELD, true);
		cache_bind_text(s, 18, m->cc, CACHE_MAX_FIELD, true);
		cache_bind_text(s, 19, m->message_id, CACHE_MAX_FIELD, false);
		cache_bind_text(s, 20, m->in_reply_to, CACHE_MAX_FIELD, false);
	} else {
		sqlite3_bind_int(s, 12, 0);
	}
	if (have & CACHE_HAVE_REFS)
		cache_bind_text(s, 21, m->references, CACHE_REFS_MAX, false);
	sqlite3_bind_int64(s, 22, (have & CACHE_HAVE_XFLAGS) ? m->xflags : 0);
	if (rc != SQLITE_OK)
		return rc == SQLITE_NOMEM || rc == SQLITE_TOOBIG ? CACHE_NOMEM : cache_fail(c, rc, "bind");
	enum cache_result r = cache_step_done(c, s, "message put");
	if (r == CACHE_OK && (have & CACHE_HAVE_BODYSTRUCTURE))
		r = put_struct(c, k, uv, m->bodystructure);
	return r;
}

/* Inside a transaction: the mailbox id for writing rows of uidvalidity uv. */
enum cache_result cache_mbox_for_write(struct cache *c, const char *mbox, uint32_t uv,
				       int64_t *id)
{
	uint32_t stored;
	enum cache_result r = mbox_ensure(c, mbox, uv, id, &stored);
	if (r == CACHE_OK && stored != uv)
		r = CACHE_CONFLICT;
	return r;
}

enum cache_result cache_msgs_put(struct cache *c, const char *mbox, uint32_t uidvalidity,
				 const struct cache_msg *v, size_t n)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cache_name_valid(mbox) || uidvalidity == 0 || (n && !v))
		return CACHE_INVALID;
	for (size_t i = 0; i < n; i++)
		if (v[i].uid == 0)
			return CACHE_INVALID;
	if (n == 0)
		return CACHE_OK;
	if ((r = cache_begin(c)) != CACHE_OK)
		return r;
	int64_t id;
	struct buf tmp;
	buf_init(&tmp, (size_t)CACHE_MAX_LIST * (CACHE_MAX_FIELD + 1));
	r = cache_mbox_for_write(c, mbox, uidvalidity, &id);
	for (size_t i = 0; r == CACHE_OK && i < n; i++)
		r = put_row(c, id, uidvalidity, &v[i], &tmp);
	buf_free(&tmp);
	if (r != CACHE_OK) {
		cache_rollback(c);
		return r;
	}
	return cache_commit(c);
}

enum cache_result cache_msg_set_flags(struct cache *c, const char *mbox, uint32_t uidvalidity,
				      uint32_t uid, uint32_t flags, const char *const *keywords,
				      size_t n_keywords, uint64_t modseq)
{
	struct cache_msg m = {
		.uid = uid, .have = CACHE_HAVE_FLAGS, .flags = flags, .keywords = keywords,
		.n_keywords = n_keywords, .modseq = modseq,
	};
	return uid ? cache_msgs_put(c, mbox, uidvalidity, &m, 1) : CACHE_INVALID;
}

enum cache_result cache_msg_set_labels(struct cache *c, const char *mbox, uint32_t uidvalidity,
				       uint32_t uid, const char *const *labels, size_t n)
{
	struct cache_msg m = { .uid = uid, .have = CACHE_HAVE_LABELS, .labels = labels, .n_labels = n };
	return uid ? cache_msgs_put(c, mbox, uidvalidity, &m, 1) : CACHE_INVALID;
}

/* ---- relative changes and deletes ----------------------------------------------------------- */

static bool in_list(const char *const *v, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && strlen(v[i]) == len && memcmp(v[i], s, len) == 0)
			return true;
	return false;
}

/* Rebuilds a stored list: old minus rm plus add. */
static int list_apply(struct buf *out, const void *old, size_t oldlen, const char *const *add,
		      size_t n_add, const char *const *rm, size_t n_rm, char skip)
{
	const char *vec[CACHE_MAX_LIST];
	size_t n = cache_list_decode(old, oldlen, vec, CACHE_MAX_LIST);
	const char *keep[2 * CACHE_MAX_LIST];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!in_list(rm, n_rm, vec[i], strlen(vec[i])))
			keep[k++] = vec[i];
	for (size_t i = 0; i < n_add && k < 2 * CACHE_MAX_LIST; i++)
		if (add[i] && !in_list(rm, n_rm, add[i], strlen(add[i])))
			keep[k++] = add[i];
	buf_reset(out);
	return cache_list_encode(out, keep, k, skip);
}

static bool range_bounds(const struct seqset_range *rg, uint32_t *lo, uint32_t *hi)
{
	*lo = rg->lo == SEQSET_STAR ? UINT32_MAX : rg->lo;
	*hi = rg->hi == SEQSET_STAR ? UINT32_MAX : rg->hi;
	if (*lo > *hi) {
		uint32_t t = *lo;
		*lo = *hi;
		*hi = t;
	}
	return *lo != 0 || *hi != 0;
}

static enum cache_result change_lists(struct cache *c, int64_t id, uint32_t uv, uint32_t lo,
				      uint32_t hi, const struct cache_change *ch)
{
	sqlite3_stmt *s = cache_stmt(c, ST_MSG_LISTS_GET);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, cache_key(id, lo));
	sqlite3_bind_int64(s, 2, cache_key(id, hi));
	sqlite3_bind_int64(s, 3, uv);
	struct buf kw, lb;
	buf_init(&kw, (size_t)CACHE_MAX_LIST * (CACHE_MAX_FIELD + 1));
	buf_init(&lb, (size_t)CACHE_MAX_LIST * (CACHE_MAX_FIELD + 1));
	enum cache_result r = CACHE_OK;
	int rc;
	while (r == CACHE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(s, 0);
		const void *okw = sqlite3_column_blob(s, 1);
		size_t okwl = (size_t)sqlite3_column_bytes(s, 1);
		const void *olb = sqlite3_column_blob(s, 2);
		size_t olbl = (size_t)sqlite3_column_bytes(s, 2);
		if (list_apply(&kw, okw, okwl, ch->kw_add, ch->n_kw_add, ch->kw_remove,
			       ch->n_kw_remove, '\\') < 0 ||
		    list_apply(&lb, olb, olbl, ch->labels_add, ch->n_labels_add, ch->labels_remove,
			       ch->n_labels_remove, 0) < 0) {
			r = CACHE_NOMEM;
			break;
		}
		/* Updating the row under an open scan is safe in SQLite; k never changes, so the
		 * scan neither skips nor revisits rows. */
		sqlite3_stmt *u = cache_stmt(c, ST_MSG_LISTS_SET);
		if (!u) {
			r = CACHE_ERROR;
			break;
		}
		sqlite3_bind_int64(u, 1, k);
		if (buf_len(&kw))
			sqlite3_bind_blob(u, 2, buf_data(&kw), (int)buf_len(&kw), SQLITE_STATIC);
		if (buf_len(&lb))
			sqlite3_bind_blob(u, 3, buf_data(&lb), (int)buf_len(&lb), SQLITE_STATIC);
		sqlite3_bind_int64(u, 4, ch->flags_add);
		sqlite3_bind_int64(u, 5, ch->flags_remove);
		r = cache_step_done(c, u, "change lists");
	}
	if (r == CACHE_OK && rc != SQLITE_DONE)
		r = cache_fail(c, rc, "change scan");
	sqlite3_reset(s);
	buf_free(&kw);
	buf_free(&lb);
	return r;
}

enum cache_result cache_msgs_change(struct cache *c, const char *mbox, uint32_t uidvalidity,
				    const struct seqset *uids, const struct cache_change *ch)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cache_name_valid(mbox) || !uids || !ch)
		return CACHE_INVALID;
	bool lists = ch->n_kw_add || ch->n_kw_remove || ch->n_labels_add || ch->n_labels_remove;
	if ((r = cache_begin(c)) != CACHE_OK)
		return r;
	int64_t id;
	uint32_t uv;
	r = cache_mbox_lookup(c, mbox, &id, &uv);
	if (r == CACHE_OK && uv != uidvalidity)
		r = CACHE_NOTFOUND;
	for (size_t i = 0; r == CACHE_OK && i < uids->n; i++) {
		uint32_t lo, hi;
		if (!range_bounds(&uids->r[i], &lo, &hi))
			continue;
		if (lists) {
			r = change_lists(c, id, uv, lo, hi, ch);
			continue;
		}
		sqlite3_stmt *s = cache_stmt(c, ST_MSG_FLAGS_BITS);
		if (!s) {
			r = CACHE_ERROR;
			break;
		}
		sqlite3_bind_int64(s, 1, ch->flags_add);
		sqlite3_bind_int64(s, 2, ch->flags_remove);
		sqlite3_bind_int64(s, 3, cache_key(id, lo));
		sqlite3_bind_int64(s, 4, cache_key(id, hi));
		sqlite3_bind_int64(s, 5, uv);
		r = cache_step_done(c, s, "change flags");
	}
	if (r != CACHE_OK) {
		cache_rollback(c);
		return r == CACHE_NOTFOUND ? CACHE_OK : r;
	}
	return cache_commit(c);
}

enum cache_result cache_msgs_delete(struct cache *c, const char *mbox, uint32_t uidvalidity,
				    const struct seqset *uids)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cache_name_valid(mbox) || !uids)
		return CACHE_INVALID;
	if ((r = cache_begin(c)) != CACHE_OK)
		return r;
	int64_t id;
	uint32_t uv;
	r = cache_mbox_lookup(c, mbox, &id, &uv);
	if (r == CACHE_OK && uv != uidvalidity)
		r = CACHE_NOTFOUND;
	for (size_t i = 0; r == CACHE_OK && i < uids->n; i++) {
		uint32_t lo, hi;
		if (range_bounds(&uids->r[i], &lo, &hi))
			r = cache_delete_keys(c, cache_key(id, lo), cache_key(id, hi));
	}
	if (r != CACHE_OK) {
		cache_rollback(c);
		return r == CACHE_NOTFOUND ? CACHE_OK : r;
	}
	return cache_commit(c);
}

/* ---- message rows: reading ------------------------------------------------------------------ */

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static void msg_from_row(struct cache *c, sqlite3_stmt *s, struct cache_msg *m)
{
	memset(m, 0, sizeof *m);
	m->uid = (uint32_t)((uint64_t)sqlite3_column_int64(s, 0) & UINT32_MAX);
	m->have = (uint32_t)sqlite3_column_int64(s, 1);
	m->flags = (uint32_t)sqlite3_column_int64(s, 2);
	m->n_keywords = cache_list_decode(sqlite3_column_blob(s, 3), (size_t)sqlite3_column_bytes(s, 3),
					  c->kwv, CACHE_MAX_LIST);
	m->keywords = m->n_keywords ? c->kwv : NULL;
	m->modseq = (uint64_t)sqlite3_column_int64(s, 4);
	m->gm_msgid = (uint64_t)sqlite3_column_int64(s, 5);
	m->gm_thrid = (uint64_t)sqlite3_column_int64(s, 6);
	m->n_labels = cache_list_decode(sqlite3_column_blob(s, 7), (size_t)sqlite3_column_bytes(s, 7),
					c->lbv, CACHE_MAX_LIST);
	m->labels = m->n_labels ? c->lbv : NULL;
	m->internaldate = sqlite3_column_int64(s, 8);
	m->size = (uint32_t)sqlite3_column_int64(s, 9);
	m->date = sqlite3_column_int64(s, 10);
	m->subject_raw = col_text(s, 11);
	m->subject = col_text(s, 12);
	m->from_name = col_text(s, 13);
	m->from_addr = col_text(s, 14);
	m->to = col_text(s, 15);
	m->cc = col_text(s, 16);
	m->message_id = col_text(s, 17);
	m->in_reply_to = col_text(s, 18);
	m->references = col_text(s, 19);
	m->xflags = (uint32_t)sqlite3_column_int64(s, 20);
}

/* Steps s, handing each row to cb. */
static enum cache_result run_rows(struct cache *c, sqlite3_stmt *s, cache_msg_cb cb, void *ctx)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cache_msg m;
		msg_from_row(c, s, &m);
		if (cb(ctx, &m))
			break;
	}
	sqlite3_reset(s);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? CACHE_OK : cache_fail(c, rc, "read rows");
}

/* Common start of a read: the mailbox id, or CACHE_NOTFOUND (unknown, other UIDVALIDITY). */
enum cache_result cache_mbox_for_read(struct cache *c, const char *mbox, uint32_t uidvalidity,
				      int64_t *id)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cache_name_valid(mbox))
		return CACHE_INVALID;
	uint32_t uv;
	r = cache_mbox_lookup(c, mbox, id, &uv);
	if (r == CACHE_OK && uv != uidvalidity)
		r = CACHE_NOTFOUND;
	return r;
}

static enum cache_result read_window(struct cache *c, enum cache_stmt st, const char *mbox,
				     uint32_t uidvalidity, uint32_t lo, uint32_t hi, int64_t limit,
				     int64_t offset, cache_msg_cb cb, void *ctx)
{
	if (!cb)
		return CACHE_INVALID;
	int64_t id;
	enum cache_result r = cache_mbox_for_read(c, mbox, uidvalidity, &id);
	if (r == CACHE_NOTFOUND)
		return CACHE_OK;
	if (r != CACHE_OK)
		return r;
	sqlite3_stmt *s = cache_stmt(c, st);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, cache_key(id, lo));
	sqlite3_bind_int64(s, 2, cache_key(id, hi));
	sqlite3_bind_int64(s, 3, uidvalidity);
	if (st != ST_MSG_RANGE)
		sqlite3_bind_int64(s, 4, limit);
	if (st == ST_MSG_NEWEST)
		sqlite3_bind_int64(s, 5, offset);
	return run_rows(c, s, cb, ctx);
}

enum cache_result cache_msgs_newest(struct cache *c, const char *mbox, uint32_t uidvalidity,
				    uint32_t offset, uint32_t limit, cache_msg_cb cb, void *ctx)
{
	if (limit == 0)
		return cache_ready(c);
	return read_window(c, ST_MSG_NEWEST, mbox, uidvalidity, 1, UINT32_MAX, limit, offset, cb, ctx);
}

enum cache_result cache_msgs_below(struct cache *c, const char *mbox, uint32_t uidvalidity,
				   uint32_t below, uint32_t limit, cache_msg_cb cb, void *ctx)
{
	if (limit == 0 || below == 1)
		return cache_ready(c);
	uint32_t hi = below ? below - 1 : UINT32_MAX;
	return read_window(c, ST_MSG_BELOW, mbox, uidvalidity, 1, hi, limit, 0, cb, ctx);
}

enum cache_result cache_msgs_range(struct cache *c, const char *mbox, uint32_t uidvalidity,
				   uint32_t lo, uint32_t hi, cache_msg_cb cb, void *ctx)
{
	if (lo == 0)
		lo = 1;
	if (lo > hi)
		return cache_ready(c);
	return read_window(c, ST_MSG_RANGE, mbox, uidvalidity, lo, hi, -1, 0, cb, ctx);
}

struct stop_ctx {
	cache_msg_cb cb;
	void *ctx;
	bool stopped;
};

static int stop_cb(void *ctx, const struct cache_msg *m)
{
	struct stop_ctx *sc = ctx;
	if (sc->cb(sc->ctx, m))
		sc->stopped = true;
	return sc->stopped;
}

enum cache_result cache_msgs_get(struct cache *c, const char *mbox, uint32_t uidvalidity,
				 const struct seqset *uids, cache_msg_cb cb, void *ctx)
{
	if (!uids || !cb)
		return cache_ready(c) == CACHE_OK ? CACHE_INVALID : CACHE_DISABLED;
	struct seqset sorted;
	seqset_init(&sorted);
	const struct seqset *set = uids;
	if (uids->unordered) {
		/* Reads are ascending: normalise a server-ordered set first. */
		for (size_t i = 0; i < uids->n; i++) {
			uint32_t lo, hi;
			if (range_bounds(&uids->r[i], &lo, &hi) &&
			    seqset_add_range(&sorted, lo, hi) != SEQSET_OK) {
				seqset_free(&sorted);
				return CACHE_NOMEM;
			}
		}
		set = &sorted;
	}
	struct stop_ctx sc = { cb, ctx, false };
	enum cache_result r = cache_ready(c);
	for (size_t i = 0; r == CACHE_OK && !sc.stopped && i < set->n; i++) {
		uint32_t lo, hi;
		if (range_bounds(&set->r[i], &lo, &hi))
			r = cache_msgs_range(c, mbox, uidvalidity, lo, hi, stop_cb, &sc);
	}
	seqset_free(&sorted);
	return r;
}

enum cache_result cache_msgs_thread(struct cache *c, uint64_t gm_thrid, cache_thread_cb cb,
				    void *ctx)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cb || gm_thrid == 0)
		return CACHE_INVALID;
	sqlite3_stmt *s = cache_stmt(c, ST_MSG_THREAD);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, (int64_t)gm_thrid);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cache_msg m;
		msg_from_row(c, s, &m);
		if (cb(ctx, col_text(s, 21), &m))
			break;
	}
	sqlite3_reset(s);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? CACHE_OK : cache_fail(c, rc, "thread rows");
}

enum cache_result cache_msgs_count(struct cache *c, const char *mbox, uint32_t uidvalidity,
				   struct cache_counts *out)
{
	if (!out)
		return cache_ready(c) == CACHE_OK ? CACHE_INVALID : CACHE_DISABLED;
	memset(out, 0, sizeof *out);
	int64_t id;
	enum cache_result r = cache_mbox_for_read(c, mbox, uidvalidity, &id);
	if (r == CACHE_NOTFOUND)
		return CACHE_OK;
	if (r != CACHE_OK)
		return r;
	sqlite3_stmt *s = cache_stmt(c, ST_MSG_COUNT);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, cache_key(id, 1));
	sqlite3_bind_int64(s, 2, cache_key(id, UINT32_MAX));
	sqlite3_bind_int64(s, 3, uidvalidity);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->total = (uint32_t)sqlite3_column_int64(s, 0);
		out->unseen = (uint32_t)sqlite3_column_double(s, 1);
		if (sqlite3_column_type(s, 2) != SQLITE_NULL)
			out->max_uid = (uint32_t)((uint64_t)sqlite3_column_int64(s, 2) & UINT32_MAX);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? CACHE_OK : cache_fail(c, rc, "count");
}

enum cache_result cache_msgs_uids(struct cache *c, const char *mbox, uint32_t uidvalidity,
				  struct seqset *out)
{
	if (!out)
		return cache_ready(c) == CACHE_OK ? CACHE_INVALID : CACHE_DISABLED;
	seqset_clear(out);
	int64_t id;
	enum cache_result r = cache_mbox_for_read(c, mbox, uidvalidity, &id);
	if (r == CACHE_NOTFOUND)
		return CACHE_OK;
	if (r != CACHE_OK)
		return r;
	sqlite3_stmt *s = cache_stmt(c, ST_MSG_UIDS);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, cache_key(id, 1));
	sqlite3_bind_int64(s, 2, cache_key(id, UINT32_MAX));
	sqlite3_bind_int64(s, 3, uidvalidity);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uint32_t uid = (uint32_t)((uint64_t)sqlite3_column_int64(s, 0) & UINT32_MAX);
		if (seqset_add(out, uid) != SEQSET_OK) {
			sqlite3_reset(s);
			seqset_clear(out);
			return CACHE_NOMEM;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? CACHE_OK : cache_fail(c, rc, "uids");
}
