/*
 * cache_int — private to src/mail/cache*.c: the handle, prepared statements, transactions and
 * error mapping shared by the cache's files.
 *
 * Storage layout (schema CACHE_SCHEMA, PRAGMA user_version; journal JOURNAL_SCHEMA in meta):
 *  - A message row's key k = mailbox id << 32 | UID is the table's rowid: a window of a mailbox
 *    is one contiguous rowid range of the table b-tree (no secondary index to walk).
 *  - uv is kept on every row and body and checked on every read (defence in depth: a mailbox's
 *    rows are dropped whenever its UIDVALIDITY changes, so stale rows should never exist).
 *  - Lists (keywords, labels, journal args) are NUL-separated strings, each NUL-terminated, in
 *    one BLOB: "\\Inbox\0Work\0".
 */
#ifndef SKUA_MAIL_CACHE_INT_H
#define SKUA_MAIL_CACHE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "imap/seqset.h"
#include "mail/cache.h"

#define CACHE_SCHEMA 1
#define JOURNAL_SCHEMA 1
#define CACHE_OPEN_BUSY_MS 1000
#define CACHE_REFS_MAX (4 * CACHE_MAX_FIELD)
#define CACHE_BODYSTRUCT_MAX ((size_t)256 << 10)
#define CACHE_JOURNAL_KEEP_SECONDS (24 * 3600)
/* Files up to this size get a whole PRAGMA quick_check at open (about 15 ms). */
#define CACHE_FULL_CHECK_MAX ((int64_t)8 << 20)

enum cache_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_MBOX_LOOKUP,
	ST_MBOX_INSERT,
	ST_MBOX_PUT,
	ST_MBOX_GET,
	ST_MBOX_LIST,
	ST_MBOX_DELETE,
	ST_MBOX_SET_UV,
	ST_MSG_PUT,
	ST_MSG_NEWEST,
	ST_MSG_BELOW,
	ST_MSG_RANGE,
	ST_MSG_THREAD,
	ST_MSG_COUNT,
	ST_MSG_UIDS,
	ST_MSG_FLAGS_BITS,
	ST_MSG_LISTS_GET,
	ST_MSG_LISTS_SET,
	ST_MSG_DELETE,
	ST_STRUCT_PUT,
	ST_STRUCT_GET,
	ST_STRUCT_DELETE,
	ST_BODY_PUT,
	ST_BODY_GET,
	ST_BODY_TOUCH,
	ST_BODY_TOTAL,
	ST_BODY_LRU,
	ST_BODY_DELETE_ID,
	ST_BODY_DELETE,
	ST_J_SEQ_NEXT,
	ST_J_SEQ_GET,
	ST_J_ADD,
	ST_J_GET,
	ST_J_CLAIM_INFO,
	ST_J_SET_CLAIM,
	ST_J_SENT,
	ST_J_DONE,
	ST_J_FAILED,
	ST_J_RETRY,
	ST_J_PENDING,
	ST_J_MINE,
	ST_J_GROUP_ENTRIES,
	ST_J_RELEASE_ALL,
	ST_J_RELEASE,
	ST_G_NEW,
	ST_G_GET,
	ST_G_SET_UNDONE,
	ST_G_LAST,
	ST__COUNT
};

struct cache {
	sqlite3 *db;               /* NULL when disabled from the start */
	char *path;
	struct cache_opts o;
	bool disabled;
	bool rebuild;              /* corruption seen while running: move aside and rebuild at the
				      next public call (no statement is running then) */
	char rebuild_why[256];
	dev_t dev;                 /* the file we opened, to notice another process replacing it */
	ino_t ino;
	char err[512];
	pid_t pid;                 /* claim identity: pid and process start time (liveness), */
	uint64_t start;
	int64_t tok;               /* and a token telling this process's handles apart */
	sqlite3_stmt *st[ST__COUNT];
	/* scratch for rows handed to callbacks */
	const char *kwv[CACHE_MAX_LIST];
	const char *lbv[CACHE_MAX_LIST];
	const char *argv[CACHE_MAX_LIST];
	struct seqset jset;
	char *group_desc;          /* cache_journal_last_group() */
};

/* The prepared statement for id (reset, bindings cleared), or NULL after recording an error. */
sqlite3_stmt *cache_stmt(struct cache *c, enum cache_stmt id);
/* Maps an SQLite result code to a cache result: BUSY/LOCKED -> CACHE_BUSY, NOMEM ->
 * CACHE_NOMEM, anything else disables the handle -> CACHE_ERROR. `what` names the operation. */
enum cache_result cache_fail(struct cache *c, int rc, const char *what);
/* Records and logs a message (does not disable). */
void cache_note(struct cache *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Called first by every public function (never while a statement of c runs: callers hold no
 * sqlite3_stmt across it). Carries out a pending rebuild, reopens the path when another process
 * replaced the file (salvaging our journal entries from the old one), and returns
 * CACHE_DISABLED when the handle cannot be used, else CACHE_OK.
 */
enum cache_result cache_ready(struct cache *c);
/* Closes the current connection (keeping it for salvage), optionally moves the file aside, opens
 * a fresh file and copies the old connection's pending journal entries into it. */
void cache_reopen(struct cache *c, bool move, const char *why);
/* Copies pending/sent journal entries readable through old into c's database (best effort):
 * ids, seqs and claims are kept unless the new file already uses that id for another entry. */
void cache_salvage_journal(struct cache *c, sqlite3 *old);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. commit() rolls back itself when it fails. */
enum cache_result cache_begin(struct cache *c);
enum cache_result cache_commit(struct cache *c);
void cache_rollback(struct cache *c);
/* Runs a statement that returns no rows (or ignores them) to completion. */
enum cache_result cache_step_done(struct cache *c, sqlite3_stmt *s, const char *what);
/* Runs literal SQL (pragmas). */
enum cache_result cache_exec(struct cache *c, const char *sql);
void cache_set_busy(struct cache *c, int ms);

/* Key of a message row: mailbox id << 32 | uid. */
static inline int64_t cache_key(int64_t mbox, uint32_t uid)
{
	return (int64_t)(((uint64_t)mbox << 32) | uid);
}

/* Mailbox id and stored uidvalidity for name: CACHE_OK, CACHE_NOTFOUND or an error. */
enum cache_result cache_mbox_lookup(struct cache *c, const char *name, int64_t *id, uint32_t *uv);
/* Common starts: a mailbox key is non-empty and at most CACHE_MAX_FIELD bytes. for_read gives
 * CACHE_NOTFOUND for an unknown mailbox or another UIDVALIDITY (checks cache_ready too);
 * for_write (inside a transaction) makes the mailbox when unknown and gives CACHE_CONFLICT for
 * another stored UIDVALIDITY. */
bool cache_name_valid(const char *name);
enum cache_result cache_mbox_for_read(struct cache *c, const char *mbox, uint32_t uidvalidity,
				      int64_t *id);
enum cache_result cache_mbox_for_write(struct cache *c, const char *mbox, uint32_t uv,
				       int64_t *id);
/* Deletes every message row, structure and body with a key in [lo, hi] (inside a transaction). */
enum cache_result cache_delete_keys(struct cache *c, int64_t lo, int64_t hi);

/* Lists: encode v[0..n) (skipping entries that start with skip_prefix when non-zero, duplicates
 * and empty ones) into out as NUL-terminated strings; decode into vec (cap entries), returns
 * the count. */
int cache_list_encode(struct buf *out, const char *const *v, size_t n, char skip_prefix);
size_t cache_list_decode(const char *blob, size_t len, const char **vec, size_t cap);

/* Binds a string cut to max bytes (on a UTF-8 boundary when utf8), or NULL. */
int cache_bind_text(sqlite3_stmt *s, int i, const char *v, size_t max, bool utf8);

/* Is the claim (pid, start) held by a live process other than us? */
bool cache_claim_alive(const struct cache *c, int64_t pid, int64_t start);
uint64_t cache_proc_start(pid_t pid);

#endif
