#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/cache_int.h"

/* Longest UID set text kept in one entry (a selection of scattered UIDs can be long). */
#define JOURNAL_UIDS_MAX ((size_t)1 << 20)
#define JOURNAL_TEXT_MAX 1024 /* last_error, result, group description */

/*
 * Durable writes: synchronous=FULL makes COMMIT fsync the WAL, so an entry survives power loss,
 * not only a crash of the process; a longer busy wait than the cache's, as losing an action
 * costs more than a short pause. Both are put back afterwards.
 */
static void durable_begin(struct cache *c)
{
	(void)sqlite3_exec(c->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	cache_set_busy(c, c->o.journal_busy_ms);
}

static void durable_end(struct cache *c)
{
	if (!c->db)
		return;
	(void)sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	cache_set_busy(c, c->o.busy_ms);
}

static bool kind_valid(enum cache_jkind k)
{
	return k >= CACHE_J_FLAGS_ADD && k <= CACHE_J_COPY;
}

static enum cache_result add_validate(const struct cache_jentry *e)
{
	if (!e || !kind_valid(e->kind) || !cache_name_valid(e->mailbox) || e->uidvalidity == 0 ||
	    !e->uids || seqset_is_empty(e->uids) || e->n_args > CACHE_MAX_LIST)
		return CACHE_INVALID;
	for (size_t i = 0; i < e->uids->n; i++)
		if (e->uids->r[i].lo == SEQSET_STAR || e->uids->r[i].hi == SEQSET_STAR)
			return CACHE_INVALID;
	bool move = e->kind == CACHE_J_MOVE || e->kind == CACHE_J_COPY;
	if (move != (e->dest != NULL) || (move && !cache_name_valid(e->dest)))
		return CACHE_INVALID;
	if (!move && e->n_args == 0)
		return CACHE_INVALID;
	for (size_t i = 0; i < e->n_args; i++)
		if (!e->args || !e->args[i] || !e->args[i][0] || strlen(e->args[i]) > CACHE_MAX_FIELD)
			return CACHE_INVALID;
	return CACHE_OK;
}

static enum cache_result add_locked(struct cache *c, const struct cache_jentry *e,
				    const struct buf *uids, const struct buf *args, int64_t *id)
{
	sqlite3_stmt *s = cache_stmt(c, ST_J_SEQ_NEXT);
	if (!s)
		return CACHE_ERROR;
	enum cache_result r = cache_step_done(c, s, "journal seq");
	if (r != CACHE_OK)
		return r;
	if (!(s = cache_stmt(c, ST_J_SEQ_GET)))
		return CACHE_ERROR;
	int rc = sqlite3_step(s);
	int64_t seq = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return cache_fail(c, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "journal seq");
	if (!(s = cache_stmt(c, ST_J_ADD)))
		return CACHE_ERROR;
	int64_t now = (int64_t)time(NULL);
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, (int)e->kind);
	sqlite3_bind_text(s, 4, e->mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, e->uidvalidity);
	sqlite3_bind_text(s, 6, buf_data(uids), (int)buf_len(uids), SQLITE_STATIC);
	if (buf_len(args))
		sqlite3_bind_blob(s, 7, buf_data(args), (int)buf_len(args), SQLITE_STATIC);
	if (e->dest)
		sqlite3_bind_text(s, 8, e->dest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, e->group);
	sqlite3_bind_int64(s, 10, c->pid);
	sqlite3_bind_int64(s, 11, (int64_t)c->start);
	sqlite3_bind_int64(s, 12, now);
	sqlite3_bind_int64(s, 13, c->tok);
	r = cache_step_done(c, s, "journal add");
	if (r == CACHE_OK)
		*id = sqlite3_last_insert_rowid(c->db);
	return r;
}

enum cache_result cache_journal_add(struct cache *c, const struct cache_jentry *e, int64_t *id)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!id || (r = add_validate(e)) != CACHE_OK)
		return CACHE_INVALID;
	*id = 0;
	struct buf uids, args;
	buf_init(&uids, JOURNAL_UIDS_MAX);
	buf_init(&args, (size_t)CACHE_MAX_LIST * (CACHE_MAX_FIELD + 1));
	if (seqset_format(e->uids, &uids) != SEQSET_OK ||
	    cache_list_encode(&args, e->args, e->n_args, 0) < 0) {
		buf_free(&uids);
		buf_free(&args);
		return CACHE_TOO_BIG;
	}
	durable_begin(c);
	r = cache_begin(c);
	if (r == CACHE_OK) {
		int64_t nid = 0;
		r = add_locked(c, e, &uids, &args, &nid);
		r = r == CACHE_OK ? cache_commit(c) : (cache_rollback(c), r);
		if (r == CACHE_OK)
			*id = nid;
	}
	durable_end(c);
	buf_free(&uids);
	buf_free(&args);
	return r;
}

/* ---- reading entries ------------------------------------------------------------------------ */

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static void entry_from_row(struct cache *c, sqlite3_stmt *s, struct cache_jentry *e)
{
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(s, 0);
	e->seq = sqlite3_column_int64(s, 1);
	e->group = sqlite3_column_int64(s, 2);
	e->created = sqlite3_column_int64(s, 3);
	e->kind = (enum cache_jkind)sqlite3_column_int(s, 4);
	e->mailbox = col_text(s, 5);
	e->uidvalidity = (uint32_t)sqlite3_column_int64(s, 6);
	e->uids_text = col_text(s, 7);
	if (!e->uids_text)
		e->uids_text = "";
	if (seqset_parse(&c->jset, e->uids_text, strlen(e->uids_text), 0, 0) != SEQSET_OK)
		seqset_clear(&c->jset); /* damaged text: an empty set, the text says what it was */
	e->uids = &c->jset;
	e->n_args = cache_list_decode(sqlite3_column_blob(s, 8), (size_t)sqlite3_column_bytes(s, 8),
				      c->argv, CACHE_MAX_LIST);
	e->args = e->n_args ? c->argv : NULL;
	e->dest = col_text(s, 9);
	e->state = (enum cache_jstate)sqlite3_column_int(s, 10);
	e->attempts = (uint32_t)sqlite3_column_int64(s, 11);
	e->last_error = col_text(s, 12);
	e->result = col_text(s, 13);
	int64_t pid = sqlite3_column_int64(s, 14), start = sqlite3_column_int64(s, 15);
	int64_t tok = sqlite3_column_int64(s, 16);
	if (pid == 0)
		e->claim = CACHE_JCLAIM_NONE;
	else if (pid == (int64_t)c->pid && start == (int64_t)c->start && tok == c->tok)
		e->claim = CACHE_JCLAIM_MINE;
	else
		e->claim = cache_claim_alive(c, pid, start) ? CACHE_JCLAIM_OTHER : CACHE_JCLAIM_STALE;
	if (!e->mailbox)
		e->mailbox = "";
}

static enum cache_result run_entries(struct cache *c, sqlite3_stmt *s, cache_jentry_cb cb,
				     void *ctx, size_t *count)
{
	int rc;
	size_t n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cache_jentry e;
		entry_from_row(c, s, &e);
		n++;
		if (cb && cb(ctx, &e))
			break;
	}
	sqlite3_reset(s);
	if (count)
		*count = n;
	return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? CACHE_OK : cache_fail(c, rc, "journal read");
}

enum cache_result cache_journal_pending(struct cache *c, cache_jentry_cb cb, void *ctx)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cb)
		return CACHE_INVALID;
	sqlite3_stmt *s = cache_stmt(c, ST_J_PENDING);
	return s ? run_entries(c, s, cb, ctx, NULL) : CACHE_ERROR;
}

enum cache_result cache_journal_get(struct cache *c, int64_t id, cache_jentry_cb cb, void *ctx)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cb || id <= 0)
		return CACHE_INVALID;
	sqlite3_stmt *s = cache_stmt(c, ST_J_GET);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, id);
	size_t n = 0;
	r = run_entries(c, s, cb, ctx, &n);
	return r == CACHE_OK && n == 0 ? CACHE_NOTFOUND : r;
}

enum cache_result cache_journal_group_entries(struct cache *c, int64_t group, cache_jentry_cb cb,
					      void *ctx)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!cb || group <= 0)
		return CACHE_INVALID;
	sqlite3_stmt *s = cache_stmt(c, ST_J_GROUP_ENTRIES);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, group);
	return run_entries(c, s, cb, ctx, NULL);
}

/* ---- claims --------------------------------------------------------------------------------- */

/* Inside a transaction: claims id if it is pending/sent and not held by a live other process. */
static enum cache_result claim_locked(struct cache *c, int64_t id)
{
	sqlite3_stmt *s = cache_stmt(c, ST_J_CLAIM_INFO);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? CACHE_NOTFOUND : cache_fail(c, rc, "claim info");
	}
	int state = sqlite3_column_int(s, 0);
	int64_t pid = sqlite3_column_int64(s, 1), start = sqlite3_column_int64(s, 2);
	int64_t tok = sqlite3_column_int64(s, 3);
	sqlite3_reset(s);
	if (state != CACHE_J_PENDING && state != CACHE_J_SENT)
		return CACHE_NOTFOUND;
	if (pid == (int64_t)c->pid && start == (int64_t)c->start && tok == c->tok)
		return CACHE_OK;
	if (pid != 0 && cache_claim_alive(c, pid, start))
		return CACHE_CONFLICT;
	if (!(s = cache_stmt(c, ST_J_SET_CLAIM)))
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, c->pid);
	sqlite3_bind_int64(s, 3, (int64_t)c->start);
	sqlite3_bind_int64(s, 4, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 5, c->tok);
	return cache_step_done(c, s, "claim");
}

enum cache_result cache_journal_claim(struct cache *c, int64_t id)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (id <= 0)
		return CACHE_INVALID;
	if ((r = cache_begin(c)) != CACHE_OK)
		return r;
	r = claim_locked(c, id);
	if (r != CACHE_OK) {
		cache_rollback(c);
		return r;
	}
	return cache_commit(c);
}

enum cache_result cache_journal_claim_all(struct cache *c, cache_jentry_cb cb, void *ctx,
					  size_t *n)
{
	if (n)
		*n = 0;
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if ((r = cache_begin(c)) != CACHE_OK)
		return r;
	/* Collect the ids first: claiming writes the table the scan reads. */
	int64_t *ids = NULL;
	size_t nid = 0, cap = 0;
	sqlite3_stmt *s = cache_stmt(c, ST_J_PENDING);
	int rc = SQLITE_DONE;
	if (!s) {
		r = CACHE_ERROR;
	} else {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (nid == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				int64_t *nv = realloc(ids, ncap * sizeof *nv);
				if (!nv) {
					r = CACHE_NOMEM;
					break;
				}
				ids = nv;
				cap = ncap;
			}
			ids[nid++] = sqlite3_column_int64(s, 0);
		}
		sqlite3_reset(s);
		if (r == CACHE_OK && rc != SQLITE_DONE)
			r = cache_fail(c, rc, "journal scan");
	}
	for (size_t i = 0; r == CACHE_OK && i < nid; i++) {
		r = claim_locked(c, ids[i]);
		if (r == CACHE_CONFLICT || r == CACHE_NOTFOUND)
			r = CACHE_OK;
	}
	free(ids);
	if (r != CACHE_OK) {
		cache_rollback(c);
		return r;
	}
	if ((r = cache_commit(c)) != CACHE_OK)
		return r;
	if (!(s = cache_stmt(c, ST_J_MINE)))
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, c->pid);
	sqlite3_bind_int64(s, 2, (int64_t)c->start);
	sqlite3_bind_int64(s, 3, c->tok);
	return run_entries(c, s, cb, ctx, n);
}

enum cache_result cache_journal_release(struct cache *c, int64_t id)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (id <= 0)
		return CACHE_INVALID;
	sqlite3_stmt *s = cache_stmt(c, ST_J_RELEASE);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, c->pid);
	sqlite3_bind_int64(s, 3, (int64_t)c->start);
	sqlite3_bind_int64(s, 4, c->tok);
	return cache_step_done(c, s, "release");
}

/* ---- transitions ---------------------------------------------------------------------------- */

/* Why a transition changed nothing: gone, already finished, or somebody else's. */
static enum cache_result why_unchanged(struct cache *c, int64_t id, enum cache_stmt st)
{
	sqlite3_stmt *s = cache_stmt(c, ST_J_CLAIM_INFO);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	int state = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cache_fail(c, rc, "journal state");
	if (state < 0)
		return CACHE_NOTFOUND;
	if (state == CACHE_J_DONE && st == ST_J_DONE)
		return CACHE_OK;
	if (state == CACHE_J_DONE || state == CACHE_J_FAILED)
		return CACHE_NOTFOUND;
	return CACHE_CONFLICT;
}

static enum cache_result transition(struct cache *c, int64_t id, enum cache_stmt st,
				    const char *text)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (id <= 0)
		return CACHE_INVALID;
	sqlite3_stmt *s = cache_stmt(c, st);
	if (!s)
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, c->pid);
	sqlite3_bind_int64(s, 3, (int64_t)c->start);
	sqlite3_bind_int64(s, 5, c->tok);
	if (st != ST_J_SENT)
		cache_bind_text(s, 4, text, JOURNAL_TEXT_MAX, true);
	r = cache_step_done(c, s, "journal transition");
	if (r == CACHE_OK && sqlite3_changes(c->db) == 0)
		r = why_unchanged(c, id, st);
	return r;
}

enum cache_result cache_journal_mark_sent(struct cache *c, int64_t id)
{
	return transition(c, id, ST_J_SENT, NULL);
}

enum cache_result cache_journal_done(struct cache *c, int64_t id, const char *result)
{
	return transition(c, id, ST_J_DONE, result);
}

enum cache_result cache_journal_failed(struct cache *c, int64_t id, const char *reason)
{
	return transition(c, id, ST_J_FAILED, reason ? reason : "failed");
}

enum cache_result cache_journal_retry(struct cache *c, int64_t id, const char *reason)
{
	return transition(c, id, ST_J_RETRY, reason);
}

/* ---- undo groups ---------------------------------------------------------------------------- */

static enum cache_result group_new_locked(struct cache *c, const char *desc, int64_t undo_of,
					  int64_t *group)
{
	sqlite3_stmt *s;
	enum cache_result r;
	if (undo_of) {
		if (!(s = cache_stmt(c, ST_G_GET)))
			return CACHE_ERROR;
		sqlite3_bind_int64(s, 1, undo_of);
		int rc = sqlite3_step(s);
		int undone = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			return CACHE_NOTFOUND;
		if (rc != SQLITE_ROW)
			return cache_fail(c, rc, "group get");
		if (undone)
			return CACHE_CONFLICT;
		if (!(s = cache_stmt(c, ST_G_SET_UNDONE)))
			return CACHE_ERROR;
		sqlite3_bind_int64(s, 1, undo_of);
		if ((r = cache_step_done(c, s, "group undone")) != CACHE_OK)
			return r;
	}
	if (!(s = cache_stmt(c, ST_G_NEW)))
		return CACHE_ERROR;
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 2, undo_of);
	cache_bind_text(s, 3, desc ? desc : "", JOURNAL_TEXT_MAX, true);
	r = cache_step_done(c, s, "group new");
	if (r == CACHE_OK)
		*group = sqlite3_last_insert_rowid(c->db);
	return r;
}

enum cache_result cache_journal_group_new(struct cache *c, const char *desc, int64_t undo_of,
					  int64_t *group)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!group || undo_of < 0)
		return CACHE_INVALID;
	*group = 0;
	durable_begin(c);
	r = cache_begin(c);
	if (r == CACHE_OK) {
		int64_t g = 0;
		r = group_new_locked(c, desc, undo_of, &g);
		r = r == CACHE_OK ? cache_commit(c) : (cache_rollback(c), r);
		if (r == CACHE_OK)
			*group = g;
	}
	durable_end(c);
	return r;
}

enum cache_result cache_journal_last_group(struct cache *c, struct cache_jgroup *out)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	if (!out)
		return CACHE_INVALID;
	memset(out, 0, sizeof *out);
	sqlite3_stmt *s = cache_stmt(c, ST_G_LAST);
	if (!s)
		return CACHE_ERROR;
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? CACHE_NOTFOUND : cache_fail(c, rc, "last group");
	}
	out->id = sqlite3_column_int64(s, 0);
	out->created = sqlite3_column_int64(s, 1);
	out->undo_of = sqlite3_column_int64(s, 2);
	out->undone = sqlite3_column_int(s, 3) != 0;
	const char *d = col_text(s, 4);
	char *copy = strdup(d ? d : "");
	sqlite3_reset(s);
	if (!copy)
		return CACHE_NOMEM;
	free(c->group_desc);
	c->group_desc = copy;
	out->desc = copy;
	return CACHE_OK;
}

enum cache_result cache_journal_prune(struct cache *c, int64_t before)
{
	enum cache_result r = cache_ready(c);
	if (r != CACHE_OK)
		return r;
	static const char *const sql[] = {
		"DELETE FROM journal WHERE state IN (2, 3) AND created < ?1",
		"DELETE FROM jgroups WHERE created < ?1 AND NOT EXISTS"
		" (SELECT 1 FROM journal WHERE grp = jgroups.id)",
	};
	if ((r = cache_begin(c)) != CACHE_OK)
		return r;
	for (size_t i = 0; r == CACHE_OK && i < sizeof sql / sizeof sql[0]; i++) {
		sqlite3_stmt *s = NULL;
		int rc = sqlite3_prepare_v2(c->db, sql[i], -1, &s, NULL);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(s);
			r = cache_fail(c, rc, "prune");
			break;
		}
		sqlite3_bind_int64(s, 1, before);
		r = cache_step_done(c, s, "prune");
		sqlite3_finalize(s);
	}
	if (r != CACHE_OK) {
		cache_rollback(c);
		return r;
	}
	return cache_commit(c);
}
