#include "config.h"

#include <string.h>

#include "mail/cache_int.h"

/*
 * Salvage: when a file is moved aside (damaged) or replaced by another process, the actions still
 * pending in it must not be lost. They are read through the old connection — as far as the
 * damage allows — and written into the new file in one transaction. An entry keeps its id (so a
 * caller holding it can still mark it done), its seq and its claim; when the new file already
 * has that id for another entry, the salvaged one gets a new id (its holder then meets
 * CACHE_CONFLICT or CACHE_NOTFOUND and the entry is replayed later: at-least-once still holds).
 */

#define OLD_COLS                                                                             \
	"id, seq, created, kind, mailbox, uidvalidity, uids, args, dest, state, attempts,"        \
	" last_error, grp, claim_pid, claim_start, claim_time, claim_tok"

static bool old_is_ours(sqlite3 *old)
{
	sqlite3_stmt *s = NULL;
	bool ours = false;
	if (sqlite3_prepare_v2(old, "PRAGMA application_id", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		ours = sqlite3_column_int64(s, 0) == CACHE_APPLICATION_ID;
	sqlite3_finalize(s);
	return ours;
}

/* 1: the new file has this very entry already; 0: the id is free; -1: taken by another. */
static int id_state(sqlite3 *db, sqlite3_stmt *row)
{
	sqlite3_stmt *s = NULL;
	int st = -1;
	if (sqlite3_prepare_v2(db, "SELECT created, kind, uids, mailbox FROM journal WHERE id=?1", -1,
			       &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, sqlite3_column_int64(row, 0));
	int rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		st = 0;
	} else if (rc == SQLITE_ROW) {
		const char *u1 = (const char *)sqlite3_column_text(s, 2);
		const char *u2 = (const char *)sqlite3_column_text(row, 6);
		const char *m1 = (const char *)sqlite3_column_text(s, 3);
		const char *m2 = (const char *)sqlite3_column_text(row, 4);
		bool same = sqlite3_column_int64(s, 0) == sqlite3_column_int64(row, 2) &&
			    sqlite3_column_int(s, 1) == sqlite3_column_int(row, 3) && u1 && u2 &&
			    strcmp(u1, u2) == 0 && m1 && m2 && strcmp(m1, m2) == 0;
		st = same ? 1 : -1;
	}
	sqlite3_finalize(s);
	return st;
}

static int copy_entry(sqlite3 *db, sqlite3_stmt *row, bool keep_id, int64_t *maxseq)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
		"INSERT INTO journal(id, seq, created, kind, mailbox, uidvalidity, uids, args, dest,"
		" state, attempts, last_error, grp, claim_pid, claim_start, claim_time, claim_tok)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
		-1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	for (int i = 0; i < 17; i++)
		sqlite3_bind_value(s, i + 1, sqlite3_column_value(row, i));
	if (!keep_id)
		sqlite3_bind_null(s, 1);
	/* seq must stay unique: an entry whose seq is taken goes after everything */
	int64_t seq = sqlite3_column_int64(row, 1);
	sqlite3_stmt *q = NULL;
	bool taken = true;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM journal WHERE seq=?1", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, seq);
		taken = sqlite3_step(q) != SQLITE_DONE;
	}
	sqlite3_finalize(q);
	if (taken) {
		seq = *maxseq + 1;
		sqlite3_bind_int64(s, 2, seq);
	}
	if (seq > *maxseq)
		*maxseq = seq;
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int64_t max_seq(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int64_t v = 0;
	if (sqlite3_prepare_v2(db, "SELECT max(coalesce((SELECT max(seq) FROM journal), 0),"
			       " (SELECT value FROM meta WHERE key='jseq'))", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

void cache_salvage_journal(struct cache *c, sqlite3 *old)
{
	if (!c->db || !old || !old_is_ours(old))
		return;
	sqlite3_stmt *row = NULL;
	if (sqlite3_prepare_v2(old, "SELECT " OLD_COLS " FROM journal WHERE state IN (0, 1)"
			       " ORDER BY seq", -1, &row, NULL) != SQLITE_OK) {
		sqlite3_finalize(row);
		return;
	}
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_finalize(row);
		return;
	}
	int64_t maxseq = max_seq(c->db);
	size_t copied = 0, failed = 0;
	int rc;
	while ((rc = sqlite3_step(row)) == SQLITE_ROW) {
		int st = id_state(c->db, row);
		if (st == 1)
			continue;
		if (copy_entry(c->db, row, st == 0, &maxseq) == SQLITE_OK)
			copied++;
		else
			failed++;
	}
	sqlite3_finalize(row);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(c->db, "UPDATE meta SET value=?1 WHERE key='jseq' AND value<?1", -1, &s,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, maxseq);
		sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		cache_note(c, "cache %s: could not save the pending actions of the old file", c->path);
		return;
	}
	if (copied || failed || rc != SQLITE_DONE)
		cache_note(c, "cache %s: saved %zu pending action(s) from the old file%s", c->path,
			   copied, (failed || rc != SQLITE_DONE) ? " (some were unreadable)" : "");
}
