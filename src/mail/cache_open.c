#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mail/cache_int.h"

/* ---- schema -------------------------------------------------------------------------------- */

static const char SCHEMA_CACHE[] =
	"CREATE TABLE IF NOT EXISTS mailboxes(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" name_utf8 TEXT, delim INTEGER NOT NULL DEFAULT 0, attr INTEGER NOT NULL DEFAULT 0,"
	" uidvalidity INTEGER NOT NULL DEFAULT 0, uidnext INTEGER NOT NULL DEFAULT 0,"
	" nexists INTEGER NOT NULL DEFAULT 0, unseen INTEGER NOT NULL DEFAULT 0,"
	" highestmodseq INTEGER NOT NULL DEFAULT 0, last_sync INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS messages(k INTEGER PRIMARY KEY, uv INTEGER NOT NULL,"
	" have INTEGER NOT NULL, flags INTEGER NOT NULL DEFAULT 0, keywords BLOB,"
	" modseq INTEGER NOT NULL DEFAULT 0, gm_msgid INTEGER NOT NULL DEFAULT 0,"
	" gm_thrid INTEGER NOT NULL DEFAULT 0, labels BLOB, internaldate INTEGER NOT NULL DEFAULT -1,"
	" size INTEGER NOT NULL DEFAULT 0, date INTEGER NOT NULL DEFAULT 0, subject_raw TEXT,"
	" subject TEXT, from_name TEXT, from_addr TEXT, to_ TEXT, cc TEXT, message_id TEXT,"
	" in_reply_to TEXT, refs TEXT, xflags INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS messages_thrid ON messages(gm_thrid) WHERE gm_thrid != 0;"
	"CREATE TABLE IF NOT EXISTS structs(k INTEGER PRIMARY KEY, uv INTEGER NOT NULL,"
	" data BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS bodies(id INTEGER PRIMARY KEY, k INTEGER NOT NULL,"
	" uv INTEGER NOT NULL, section TEXT NOT NULL, used INTEGER NOT NULL, len INTEGER NOT NULL,"
	" data BLOB NOT NULL, UNIQUE(k, section));"
	"CREATE INDEX IF NOT EXISTS bodies_lru ON bodies(used, id, len);";

static const char DROP_CACHE[] =
	"DROP TABLE IF EXISTS messages; DROP TABLE IF EXISTS structs;"
	"DROP TABLE IF EXISTS bodies; DROP TABLE IF EXISTS mailboxes;";

static const char SCHEMA_JOURNAL[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO meta(key, value) VALUES('jseq', 0);"
	"CREATE TABLE IF NOT EXISTS journal(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" seq INTEGER NOT NULL UNIQUE, created INTEGER NOT NULL, kind INTEGER NOT NULL,"
	" mailbox TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uids TEXT NOT NULL, args BLOB,"
	" dest TEXT, state INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT, result TEXT, grp INTEGER NOT NULL DEFAULT 0,"
	" claim_pid INTEGER NOT NULL DEFAULT 0, claim_start INTEGER NOT NULL DEFAULT 0,"
	" claim_tok INTEGER NOT NULL DEFAULT 0, claim_time INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS journal_state ON journal(state, seq);"
	"CREATE INDEX IF NOT EXISTS journal_group ON journal(grp, seq);"
	"CREATE TABLE IF NOT EXISTS jgroups(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" created INTEGER NOT NULL, undo_of INTEGER NOT NULL DEFAULT 0,"
	" undone INTEGER NOT NULL DEFAULT 0, descr TEXT NOT NULL DEFAULT '');";

#define MSG_COLS                                                                             \
	"k, have, flags, keywords, modseq, gm_msgid, gm_thrid, labels, internaldate, size, date," \
	" subject_raw, subject, from_name, from_addr, to_, cc, message_id, in_reply_to, refs,"  \
	" xflags"
#define J_COLS                                                                               \
	"id, seq, grp, created, kind, mailbox, uidvalidity, uids, args, dest, state, attempts,"   \
	" last_error, result, claim_pid, claim_start, claim_tok"
#define KEEP(bit, col) col "=CASE WHEN excluded.have&" #bit " THEN excluded." col " ELSE " col " END"

static const char *const SQL[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_MBOX_LOOKUP] = "SELECT id, uidvalidity FROM mailboxes WHERE name=?1",
	[ST_MBOX_INSERT] = "INSERT INTO mailboxes(name, uidvalidity) VALUES(?1, ?2)",
	[ST_MBOX_PUT] = "INSERT INTO mailboxes(name, name_utf8, delim, attr, uidvalidity, uidnext,"
			" nexists, unseen, highestmodseq, last_sync)"
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(name) DO UPDATE"
			" SET name_utf8=excluded.name_utf8, delim=excluded.delim, attr=excluded.attr,"
			" uidvalidity=excluded.uidvalidity, uidnext=excluded.uidnext,"
			" nexists=excluded.nexists, unseen=excluded.unseen,"
			" highestmodseq=excluded.highestmodseq, last_sync=excluded.last_sync",
	[ST_MBOX_GET] = "SELECT name, name_utf8, delim, attr, uidvalidity, uidnext, nexists, unseen,"
			" highestmodseq, last_sync FROM mailboxes WHERE name=?1",
	[ST_MBOX_LIST] = "SELECT name, name_utf8, delim, attr, uidvalidity, uidnext, nexists,"
			 " unseen, highestmodseq, last_sync FROM mailboxes ORDER BY name",
	[ST_MBOX_DELETE] = "DELETE FROM mailboxes WHERE id=?1",
	[ST_MBOX_SET_UV] = "UPDATE mailboxes SET uidvalidity=?2, uidnext=0, nexists=0, unseen=0,"
			   " highestmodseq=0, last_sync=0 WHERE id=?1",
	[ST_MSG_PUT] = "INSERT INTO messages(k, uv, have, flags, keywords, modseq, gm_msgid, gm_thrid,"
		       " labels, internaldate, size, date, subject_raw, subject, from_name, from_addr,"
		       " to_, cc, message_id, in_reply_to, refs, xflags) VALUES(?1, ?2, ?3, ?4, ?5,"
		       " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
		       " ?22) ON CONFLICT(k) DO UPDATE SET uv=excluded.uv, have=have|excluded.have, "
		       KEEP(1, "flags") ", " KEEP(1, "keywords") ", " KEEP(1, "modseq") ", "
		       KEEP(2, "internaldate") ", " KEEP(2, "size") ", "
		       KEEP(4, "date") ", " KEEP(4, "subject_raw") ", " KEEP(4, "subject") ", "
		       KEEP(4, "from_name") ", " KEEP(4, "from_addr") ", " KEEP(4, "to_") ", "
		       KEEP(4, "cc") ", " KEEP(4, "message_id") ", " KEEP(4, "in_reply_to") ", "
		       KEEP(8, "refs") ", " KEEP(16, "gm_msgid") ", " KEEP(16, "gm_thrid") ", "
		       KEEP(32, "labels") ", " KEEP(128, "xflags"),
	[ST_MSG_NEWEST] = "SELECT " MSG_COLS " FROM messages WHERE k BETWEEN ?1 AND ?2 AND uv=?3"
			  " ORDER BY k DESC LIMIT ?4 OFFSET ?5",
	[ST_MSG_BELOW] = "SELECT " MSG_COLS " FROM messages WHERE k BETWEEN ?1 AND ?2 AND uv=?3"
			 " ORDER BY k DESC LIMIT ?4",
	[ST_MSG_RANGE] = "SELECT " MSG_COLS " FROM messages WHERE k BETWEEN ?1 AND ?2 AND uv=?3"
			 " ORDER BY k",
	[ST_MSG_THREAD] = "SELECT m.k, m.have, m.flags, m.keywords, m.modseq, m.gm_msgid,"
			  " m.gm_thrid, m.labels, m.internaldate, m.size, m.date, m.subject_raw,"
			  " m.subject, m.from_name, m.from_addr, m.to_, m.cc, m.message_id,"
			  " m.in_reply_to, m.refs, m.xflags, b.name FROM messages m JOIN mailboxes b"
			  " ON b.id = (m.k >> 32) WHERE m.gm_thrid=?1 AND m.uv=b.uidvalidity"
			  " ORDER BY m.date, m.k",
	[ST_MSG_COUNT] = "SELECT count(*), total((have&1) AND NOT (flags&1)), max(k) FROM messages"
			 " WHERE k BETWEEN ?1 AND ?2 AND uv=?3",
	[ST_MSG_UIDS] = "SELECT k FROM messages WHERE k BETWEEN ?1 AND ?2 AND uv=?3 ORDER BY k",
	[ST_MSG_FLAGS_BITS] = "UPDATE messages SET flags=(flags|?1)&~?2 WHERE k BETWEEN ?3 AND ?4"
			      " AND uv=?5",
	[ST_MSG_LISTS_GET] = "SELECT k, keywords, labels FROM messages WHERE k BETWEEN ?1 AND ?2"
			     " AND uv=?3 ORDER BY k",
	[ST_MSG_LISTS_SET] = "UPDATE messages SET keywords=?2, labels=?3, flags=(flags|?4)&~?5"
			     " WHERE k=?1",
	[ST_MSG_DELETE] = "DELETE FROM messages WHERE k BETWEEN ?1 AND ?2",
	[ST_STRUCT_PUT] = "INSERT OR REPLACE INTO structs(k, uv, data) VALUES(?1, ?2, ?3)",
	[ST_STRUCT_GET] = "SELECT data FROM structs WHERE k=?1 AND uv=?2",
	[ST_STRUCT_DELETE] = "DELETE FROM structs WHERE k BETWEEN ?1 AND ?2",
	[ST_BODY_PUT] = "INSERT OR REPLACE INTO bodies(k, uv, section, used, len, data)"
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_BODY_GET] = "SELECT id, used, data FROM bodies WHERE k=?1 AND section=?2 AND uv=?3",
	[ST_BODY_TOUCH] = "UPDATE bodies SET used=?2 WHERE id=?1",
	[ST_BODY_TOTAL] = "SELECT total(len), count(*) FROM bodies",
	[ST_BODY_LRU] = "SELECT id, len FROM bodies ORDER BY used, id",
	[ST_BODY_DELETE_ID] = "DELETE FROM bodies WHERE id=?1",
	[ST_BODY_DELETE] = "DELETE FROM bodies WHERE k BETWEEN ?1 AND ?2",
	[ST_J_SEQ_NEXT] = "UPDATE meta SET value=value+1 WHERE key='jseq'",
	[ST_J_SEQ_GET] = "SELECT value FROM meta WHERE key='jseq'",
	[ST_J_ADD] = "INSERT INTO journal(seq, created, kind, mailbox, uidvalidity, uids, args, dest,"
		     " grp, claim_pid, claim_start, claim_time, claim_tok) VALUES(?1, ?2, ?3, ?4, ?5,"
		     " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[ST_J_GET] = "SELECT " J_COLS " FROM journal WHERE id=?1",
	[ST_J_CLAIM_INFO] = "SELECT state, claim_pid, claim_start, claim_tok FROM journal WHERE id=?1",
	[ST_J_SET_CLAIM] = "UPDATE journal SET claim_pid=?2, claim_start=?3, claim_time=?4,"
			   " claim_tok=?5 WHERE id=?1",
	[ST_J_SENT] = "UPDATE journal SET state=1, attempts=attempts+1 WHERE id=?1 AND state IN (0, 1)"
		      " AND claim_pid=?2 AND claim_start=?3 AND claim_tok=?5",
	[ST_J_DONE] = "UPDATE journal SET state=2, result=?4, claim_pid=0, claim_start=0, claim_tok=0"
		      " WHERE id=?1 AND state IN (0, 1) AND claim_pid=?2 AND claim_start=?3"
		      " AND claim_tok=?5",
	[ST_J_FAILED] = "UPDATE journal SET state=3, last_error=?4, claim_pid=0, claim_start=0,"
			" claim_tok=0 WHERE id=?1 AND state IN (0, 1) AND claim_pid=?2"
			" AND claim_start=?3 AND claim_tok=?5",
	[ST_J_RETRY] = "UPDATE journal SET state=0, last_error=?4 WHERE id=?1 AND state IN (0, 1)"
		       " AND claim_pid=?2 AND claim_start=?3 AND claim_tok=?5",
	[ST_J_PENDING] = "SELECT " J_COLS " FROM journal WHERE state IN (0, 1) ORDER BY seq",
	[ST_J_MINE] = "SELECT " J_COLS " FROM journal WHERE state IN (0, 1) AND claim_pid=?1"
		      " AND claim_start=?2 AND claim_tok=?3 ORDER BY seq",
	[ST_J_GROUP_ENTRIES] = "SELECT " J_COLS " FROM journal WHERE grp=?1 ORDER BY seq",
	[ST_J_RELEASE_ALL] = "UPDATE journal SET claim_pid=0, claim_start=0, claim_time=0,"
			     " claim_tok=0 WHERE claim_pid=?1 AND claim_start=?2 AND claim_tok=?3",
	[ST_J_RELEASE] = "UPDATE journal SET claim_pid=0, claim_start=0, claim_time=0, claim_tok=0"
			 " WHERE id=?1 AND claim_pid=?2 AND claim_start=?3 AND claim_tok=?4",
	[ST_G_NEW] = "INSERT INTO jgroups(created, undo_of, descr) VALUES(?1, ?2, ?3)",
	[ST_G_GET] = "SELECT undone FROM jgroups WHERE id=?1",
	[ST_G_SET_UNDONE] = "UPDATE jgroups SET undone=1 WHERE id=?1",
	[ST_G_LAST] = "SELECT id, created, undo_of, undone, descr FROM jgroups WHERE undone=0"
		      " AND undo_of=0 ORDER BY id DESC LIMIT 1",
};

/* ---- errors -------------------------------------------------------------------------------- */

const char *cache_result_name(enum cache_result r)
{
	switch (r) {
	case CACHE_OK: return "ok";
	case CACHE_NOTFOUND: return "not found";
	case CACHE_DROPPED: return "dropped (UIDVALIDITY changed)";
	case CACHE_BUSY: return "busy";
	case CACHE_CONFLICT: return "conflict";
	case CACHE_INVALID: return "invalid argument";
	case CACHE_TOO_BIG: return "too big";
	case CACHE_NOMEM: return "out of memory";
	case CACHE_ERROR: return "cache error";
	case CACHE_DISABLED: return "cache disabled";
	}
	return "?";
}

void cache_note(struct cache *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	if (c->o.log)
		c->o.log(c->o.log_ctx, c->err);
}

/* Has the file at our path been renamed, removed or replaced since we opened it? */
static bool file_replaced(const struct cache *c)
{
	struct stat sb;
	return lstat(c->path, &sb) < 0 || sb.st_dev != c->dev || sb.st_ino != c->ino;
}

enum cache_result cache_ready(struct cache *c)
{
	if (!c || c->disabled || !c->db)
		return CACHE_DISABLED;
	if (c->rebuild) {
		c->rebuild = false;
		cache_reopen(c, true, c->rebuild_why);
	} else if (file_replaced(c)) {
		cache_note(c, "cache %s: the file was replaced by another process; reopening", c->path);
		cache_reopen(c, false, NULL);
	}
	return (c->disabled || !c->db) ? CACHE_DISABLED : CACHE_OK;
}

enum cache_result cache_fail(struct cache *c, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CACHE_BUSY;
	case SQLITE_NOMEM:
		cache_note(c, "cache: %s: out of memory", what);
		return CACHE_NOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		/* Not now: the caller still runs statements of this connection. */
		snprintf(c->rebuild_why, sizeof c->rebuild_why, "%s: %s", what,
			 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		c->rebuild = true;
		cache_note(c, "cache %s: %s; it will be moved aside and rebuilt", c->path ? c->path : "",
			   c->rebuild_why);
		return CACHE_ERROR;
	default:
		break;
	}
	cache_note(c, "cache %s: %s: %s; going on without a cache", c->path ? c->path : "",
		   what, c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	c->disabled = true;
	return CACHE_ERROR;
}

sqlite3_stmt *cache_stmt(struct cache *c, enum cache_stmt id)
{
	sqlite3_stmt *s = c->st[id];
	if (!s) {
		int rc = sqlite3_prepare_v3(c->db, SQL[id], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
		if (rc != SQLITE_OK) {
			cache_fail(c, rc, "prepare");
			return NULL;
		}
		c->st[id] = s;
		return s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

enum cache_result cache_step_done(struct cache *c, sqlite3_stmt *s, const char *what)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? CACHE_OK : cache_fail(c, rc, what);
}

enum cache_result cache_exec(struct cache *c, const char *sql)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? CACHE_OK : cache_fail(c, rc, "exec");
}

void cache_set_busy(struct cache *c, int ms)
{
	sqlite3_busy_timeout(c->db, ms);
}

enum cache_result cache_begin(struct cache *c)
{
	sqlite3_stmt *s = cache_stmt(c, ST_BEGIN);
	if (!s)
		return CACHE_ERROR;
	return cache_step_done(c, s, "begin");
}

enum cache_result cache_commit(struct cache *c)
{
	sqlite3_stmt *s = cache_stmt(c, ST_COMMIT);
	if (!s) {
		cache_rollback(c);
		return CACHE_ERROR;
	}
	enum cache_result r = cache_step_done(c, s, "commit");
	if (r != CACHE_OK)
		cache_rollback(c);
	return r;
}

void cache_rollback(struct cache *c)
{
	if (!c->db || sqlite3_get_autocommit(c->db))
		return;
	/* Not through cache_stmt(): it may run after a failed prepare. */
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- process identity (journal claims) ------------------------------------------------------ */

/* Field 22 (starttime) of /proc/PID/stat, 0 if unknown; *state gets field 3. */
static uint64_t proc_stat(pid_t pid, char *state, bool *exists)
{
	char path[64], buf[1024];
	*state = '?';
	*exists = false;
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	*exists = true;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* the command name may hold anything but ends at the last ')' */
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	*state = *p;
	/* fields 3..22: skip 19 separators */
	for (int f = 3; f < 22; f++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

uint64_t cache_proc_start(pid_t pid)
{
	char st;
	bool ex;
	return proc_stat(pid, &st, &ex);
}

bool cache_claim_alive(const struct cache *c, int64_t pid, int64_t start)
{
	if (pid <= 0 || pid > INT_MAX)
		return false;
	if ((pid_t)pid == c->pid)
		return (uint64_t)start == c->start; /* our pid, another (dead) incarnation otherwise */
	char st;
	bool exists;
	uint64_t s = proc_stat((pid_t)pid, &st, &exists);
	if (exists)
		return st != 'Z' && st != 'X' && (start == 0 || s == 0 || s == (uint64_t)start);
	bool have_proc = access("/proc/self/stat", R_OK) == 0;
	if (have_proc)
		return false;
	return !(kill((pid_t)pid, 0) < 0 && errno == ESRCH);
}

/* A random positive number naming this handle among the process's handles. */
static int64_t handle_token(const struct cache *c)
{
	uint64_t v = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &v, sizeof v) != (ssize_t)sizeof v)
			v = 0;
		close(fd);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	v ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)c ^ (uint64_t)ts.tv_sec;
	v &= INT64_MAX;
	return v ? (int64_t)v : 1;
}

/* ---- paths ---------------------------------------------------------------------------------- */

static bool name_ok(const char *a)
{
	size_t n = strlen(a);
	if (n == 0 || n > CACHE_ACCOUNT_MAX || a[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)a[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '@' || ch == '-'))
			return false;
	}
	return true;
}

bool cache_file_name(const char *account, char *out, size_t outsz)
{
	if (!account || !out)
		return false;
	int n;
	if (name_ok(account)) {
		n = snprintf(out, outsz, "%s.sqlite", account);
	} else {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		if (!EVP_Digest(account, strlen(account), md, &mdlen, EVP_sha256(), NULL) || mdlen < 16)
			return false;
		char hex[2 * 16 + 1];
		for (unsigned i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		n = snprintf(out, outsz, "+%s.sqlite", hex);
	}
	return n > 0 && (size_t)n < outsz;
}

/* mkdir -p with 0700 for what we create; the last component is made private if we own it. */
static int make_dirs(struct cache *c, const char *dir)
{
	size_t n = strlen(dir);
	char *p = malloc(n + 1);
	if (!p)
		return -1;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char save = p[i];
		p[i] = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			cache_note(c, "cache: cannot create %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		p[i] = save;
	}
	free(p);
	struct stat sb;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		cache_note(c, "cache: %s is not a directory", dir);
		return -1;
	}
	if (sb.st_uid == geteuid() && (sb.st_mode & 077))
		chmod(dir, 0700);
	return 0;
}

static char *cache_dir(struct cache *c, const char *odir)
{
	const char *base, *tail;
	if (odir && odir[0]) {
		base = odir;
		tail = "";
	} else if ((base = getenv("XDG_CACHE_HOME")) && base[0] == '/') {
		tail = "/skua";
	} else if ((base = getenv("HOME")) && base[0] == '/') {
		tail = "/.cache/skua";
	} else {
		cache_note(c, "cache: neither XDG_CACHE_HOME nor HOME is an absolute path");
		return NULL;
	}
	size_t n = strlen(base) + strlen(tail) + 1;
	char *d = malloc(n);
	if (d)
		snprintf(d, n, "%s%s", base, tail);
	return d;
}

/* Renames the file (and its WAL) to "<path>.corrupt-<time>[-N]"; drops the -shm index. */
static void move_aside(struct cache *c, const char *why)
{
	char aside[PATH_MAX], from[PATH_MAX + 8], to[PATH_MAX + 8];
	long long t = (long long)time(NULL);
	struct stat sb;
	int n = snprintf(aside, sizeof aside, "%s.corrupt-%lld", c->path, t);
	for (int i = 1; n > 0 && (size_t)n < sizeof aside && lstat(aside, &sb) == 0 && i < 1000; i++)
		n = snprintf(aside, sizeof aside, "%s.corrupt-%lld-%d", c->path, t, i);
	if (n <= 0 || (size_t)n >= sizeof aside || rename(c->path, aside) < 0) {
		/* Cannot keep it: remove it rather than fail for ever. */
		unlink(c->path);
		cache_note(c, "cache %s: %s; removed it", c->path, why);
	} else {
		cache_note(c, "cache %s: %s; moved aside to %s", c->path, why, aside);
	}
	/* the WAL belongs to the file (keep it with it) unless it holds nothing */
	snprintf(from, sizeof from, "%s-wal", c->path);
	snprintf(to, sizeof to, "%s-wal", aside);
	if (lstat(from, &sb) == 0 && (sb.st_size == 0 || rename(from, to) < 0))
		unlink(from);
	snprintf(from, sizeof from, "%s-journal", c->path);
	snprintf(to, sizeof to, "%s-journal", aside);
	if (lstat(from, &sb) == 0 && (sb.st_size == 0 || rename(from, to) < 0))
		unlink(from);
	snprintf(from, sizeof from, "%s-shm", c->path);
	unlink(from);
}

/* ---- opening -------------------------------------------------------------------------------- */

enum try_result { TRY_OK, TRY_CORRUPT, TRY_FAIL, TRY_BUSY };

static enum try_result fail_kind(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return TRY_CORRUPT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return TRY_BUSY;
	default:
		return TRY_FAIL;
	}
}

/*
 * Closes a connection whose file no longer sits at its path (moved aside, replaced). SQLite
 * deletes "<path>-wal" by name when the last connection closes: that name now belongs to the
 * new file, so keep the WAL (it is then only truncated, through the old connection's own
 * descriptor).
 */
static void close_moved(sqlite3 *db)
{
	if (!db)
		return;
	int on = 1;
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
	sqlite3_close_v2(db);
}

static void close_db(struct cache *c)
{
	for (int i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(c->st[i]);
		c->st[i] = NULL;
	}
	if (c->db) {
		if (c->path && file_replaced(c))
			close_moved(c->db);
		else
			sqlite3_close_v2(c->db);
		c->db = NULL;
	}
}

/* Checks what is at the path before SQLite sees it: a regular file that is empty or starts
 * with the SQLite header; creates it 0600 when absent. */
static enum try_result check_file(struct cache *c, char *why, size_t whysz)
{
	struct stat sb;
	if (lstat(c->path, &sb) < 0) {
		if (errno != ENOENT) {
			snprintf(why, whysz, "cannot stat: %s", strerror(errno));
			return TRY_FAIL;
		}
		int fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			snprintf(why, whysz, "cannot create: %s", strerror(errno));
			return TRY_FAIL;
		}
		if (fd >= 0)
			close(fd);
		return TRY_OK;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, whysz, "not a regular file");
		return TRY_CORRUPT;
	}
	if (sb.st_uid == geteuid() && (sb.st_mode & 077))
		chmod(c->path, 0600);
	if (sb.st_size == 0)
		return TRY_OK;
	char head[16];
	int fd = open(c->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whysz, "cannot open: %s", strerror(errno));
		return TRY_FAIL;
	}
	ssize_t n = read(fd, head, sizeof head);
	close(fd);
	if (n != (ssize_t)sizeof head || memcmp(head, "SQLite format 3", 16) != 0 || sb.st_size < 512) {
		snprintf(why, whysz, "not an SQLite file");
		return TRY_CORRUPT;
	}
	return TRY_OK;
}

static int pragma_int(struct cache *c, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(s, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			*out = 0;
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	return rc;
}

static bool rc_corrupt(int rc)
{
	return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

/* One PRAGMA quick_check statement: 1 ok, 0 damaged, -1 could not run (busy...). */
static int quick_check_sql(struct cache *c, const char *sql, char *why, size_t whysz)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
	int ok = -1;
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(s, 0);
			ok = t && strcmp(t, "ok") == 0;
			if (!ok)
				snprintf(why, whysz, "quick_check: %.200s", t ? t : "?");
		}
	}
	if (ok < 0 && rc_corrupt(rc)) {
		ok = 0;
		snprintf(why, whysz, "quick_check: %s", sqlite3_errstr(rc));
	}
	sqlite3_finalize(s);
	return ok;
}

/*
 * PRAGMA quick_check is O(file): 60 ms for 100,000 messages. Small files get it whole; a larger
 * one only for the tables that must be right (journal, groups, meta, mailboxes) — damage
 * elsewhere is found when a read meets it (SQLITE_CORRUPT), and the file is then moved aside
 * and rebuilt at the next call.
 */
static int quick_check(struct cache *c, bool fresh, char *why, size_t whysz)
{
	struct stat sb;
	if (fresh || sqlite3_libversion_number() < 3033000 ||
	    (stat(c->path, &sb) == 0 && sb.st_size <= CACHE_FULL_CHECK_MAX))
		return quick_check_sql(c, "PRAGMA quick_check(1)", why, whysz);
	static const char *const tables[] = {
		"PRAGMA quick_check(meta)", "PRAGMA quick_check(journal)",
		"PRAGMA quick_check(jgroups)", "PRAGMA quick_check(mailboxes)",
	};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		int q = quick_check_sql(c, tables[i], why, whysz);
		if (q != 1)
			return q;
	}
	return 1;
}

struct versions {
	int64_t appid, uver, jver, ntab;
};

static enum try_result read_versions_tx(struct cache *c, struct versions *v, char *why,
					size_t whysz);

/* What the file says about itself; TRY_CORRUPT for another application's or a damaged one.
 * Read in one transaction: another process may be creating the file right now, and a mix of
 * before and after (no application_id yet, tables already there) would look foreign. */
static enum try_result read_versions(struct cache *c, struct versions *v, char *why, size_t whysz)
{
	if (!sqlite3_get_autocommit(c->db))
		return read_versions_tx(c, v, why, whysz);
	int rc = sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, whysz, "%s", sqlite3_errmsg(c->db));
		return fail_kind(rc);
	}
	enum try_result t = read_versions_tx(c, v, why, whysz);
	sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	cache_rollback(c);
	return t;
}

static enum try_result read_versions_tx(struct cache *c, struct versions *v, char *why,
					size_t whysz)
{
	memset(v, 0, sizeof *v);
	int rc = pragma_int(c, "PRAGMA application_id", &v->appid);
	if (rc == SQLITE_OK)
		rc = pragma_int(c, "PRAGMA user_version", &v->uver);
	if (rc == SQLITE_OK)
		rc = pragma_int(c, "SELECT count(*) FROM sqlite_master", &v->ntab);
	if (rc != SQLITE_OK) {
		snprintf(why, whysz, "%s", sqlite3_errmsg(c->db));
		return fail_kind(rc);
	}
	if (v->appid == 0 && v->ntab > 0) {
		snprintf(why, whysz, "another application's database (no application_id)");
		return TRY_CORRUPT;
	}
	if (v->appid != 0 && v->appid != CACHE_APPLICATION_ID) {
		snprintf(why, whysz, "another application's database (application_id %#llx)",
			 (unsigned long long)v->appid);
		return TRY_CORRUPT;
	}
	if (v->ntab == 0)
		return TRY_OK;
	rc = pragma_int(c, "SELECT value FROM meta WHERE key='journal_version'", &v->jver);
	if (rc != SQLITE_OK) {
		snprintf(why, whysz, "damaged skua cache: %s", sqlite3_errmsg(c->db));
		return fail_kind(rc) == TRY_BUSY ? TRY_BUSY : TRY_CORRUPT;
	}
	if (v->jver > JOURNAL_SCHEMA || v->jver < 1) {
		snprintf(why, whysz, "journal schema %lld unknown to this skua", (long long)v->jver);
		return TRY_CORRUPT;
	}
	return TRY_OK;
}

static bool versions_current(const struct versions *v)
{
	return v->ntab > 0 && v->appid == CACHE_APPLICATION_ID && v->uver == CACHE_SCHEMA &&
	       v->jver == JOURNAL_SCHEMA;
}

/* Creates, rebuilds or migrates under the write lock, only when the file needs it. */
static enum try_result schema_setup(struct cache *c, char *why, size_t whysz)
{
	struct versions v;
	enum try_result t = read_versions(c, &v, why, whysz);
	if (t != TRY_OK || versions_current(&v))
		return t;
	int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	t = read_versions(c, &v, why, whysz); /* another process may have done it meanwhile */
	if (t != TRY_OK || versions_current(&v)) {
		cache_rollback(c);
		return t;
	}
	if (v.uver != CACHE_SCHEMA && v.ntab > 0) {
		cache_note(c, "cache %s: schema %lld, want %d: rebuilding the cache tables", c->path,
			   (long long)v.uver, CACHE_SCHEMA);
		rc = sqlite3_exec(c->db, DROP_CACHE, NULL, NULL, NULL);
	}
	/* v.jver < JOURNAL_SCHEMA (once there is more than one): migrations go here. */
	char sql[256];
	snprintf(sql, sizeof sql,
		 "INSERT OR REPLACE INTO meta(key, value) VALUES('journal_version', %d);"
		 "PRAGMA application_id=%d; PRAGMA user_version=%d;",
		 JOURNAL_SCHEMA, CACHE_APPLICATION_ID, CACHE_SCHEMA);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db, SCHEMA_JOURNAL, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db, SCHEMA_CACHE, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return TRY_OK;
fail:
	snprintf(why, whysz, "setting up: %s", sqlite3_errmsg(c->db));
	cache_rollback(c);
	return fail_kind(rc);
}

static enum try_result try_open(struct cache *c, char *why, size_t whysz)
{
	enum try_result t = check_file(c, why, whysz);
	if (t != TRY_OK)
		return t;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	int rc = sqlite3_open_v2(c->path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, whysz, "%s", c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		return fail_kind(rc);
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, CACHE_OPEN_BUSY_MS);
	/* Refuse a foreign file before changing anything in it (even its journal mode). */
	struct versions v;
	t = read_versions(c, &v, why, whysz);
	if (t != TRY_OK)
		return t;
	sqlite3_stmt *s = NULL;
	rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK) {
		snprintf(why, whysz, "journal_mode=WAL: %s", sqlite3_errmsg(c->db));
		return fail_kind(rc);
	}
	int q = quick_check(c, v.ntab == 0, why, whysz);
	if (q == 0)
		return TRY_CORRUPT;
	if (q < 0) {
		snprintf(why, whysz, "quick_check: %s", sqlite3_errmsg(c->db));
		return fail_kind(sqlite3_errcode(c->db));
	}
	t = schema_setup(c, why, whysz);
	if (t != TRY_OK)
		return t;
	rc = sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
			  " PRAGMA foreign_keys=OFF; PRAGMA cache_size=-8192;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, whysz, "pragmas: %s", sqlite3_errmsg(c->db));
		return TRY_FAIL;
	}
	struct stat sb;
	if (stat(c->path, &sb) < 0) {
		snprintf(why, whysz, "stat: %s", strerror(errno));
		return TRY_FAIL;
	}
	c->dev = sb.st_dev;
	c->ino = sb.st_ino;
	cache_set_busy(c, c->o.busy_ms);
	return TRY_OK;
}

#define OPEN_BUSY_RETRIES 25

/* Opens c->path afresh (c->db must be NULL): one more try after moving a bad file aside. */
static bool open_fresh(struct cache *c, sqlite3 **old)
{
	char why[512] = "";
	int busy = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		enum try_result t = try_open(c, why, sizeof why);
		if (t == TRY_OK) {
			c->disabled = false;
			return true;
		}
		if (t == TRY_BUSY && busy++ < OPEN_BUSY_RETRIES) {
			/* another process is setting the file up or switching it to WAL */
			for (int i = 0; i < ST__COUNT; i++) {
				sqlite3_finalize(c->st[i]);
				c->st[i] = NULL;
			}
			sqlite3_close_v2(c->db);
			c->db = NULL;
			sqlite3_sleep(20);
			attempt--;
			continue;
		}
		/* keep the first bad connection for salvage; close any other */
		for (int i = 0; i < ST__COUNT; i++) {
			sqlite3_finalize(c->st[i]);
			c->st[i] = NULL;
		}
		if (old && !*old)
			*old = c->db;
		else if (c->db)
			sqlite3_close_v2(c->db);
		c->db = NULL;
		if (t != TRY_CORRUPT || attempt == 1)
			break;
		move_aside(c, why);
	}
	c->disabled = true;
	cache_note(c, "cache %s: %s; going on without a cache", c->path, why);
	return false;
}

void cache_reopen(struct cache *c, bool move, const char *why)
{
	for (int i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(c->st[i]);
		c->st[i] = NULL;
	}
	cache_rollback(c);
	sqlite3 *old = c->db;
	c->db = NULL;
	if (move)
		move_aside(c, why ? why : "damaged");
	if (open_fresh(c, old ? NULL : &old) && old)
		cache_salvage_journal(c, old);
	close_moved(old);
}

struct cache *cache_open(const char *account, const struct cache_opts *o)
{
	struct cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (o)
		c->o = *o;
	c->o.dir = NULL; /* not kept: the caller's string */
	if (!c->o.part_max)
		c->o.part_max = CACHE_DEFAULT_PART_MAX;
	if (!c->o.body_budget)
		c->o.body_budget = CACHE_DEFAULT_BODY_BUDGET;
	if (c->o.busy_ms <= 0)
		c->o.busy_ms = CACHE_DEFAULT_BUSY_MS;
	if (c->o.journal_busy_ms <= 0)
		c->o.journal_busy_ms = CACHE_DEFAULT_JOURNAL_BUSY_MS;
	c->pid = getpid();
	c->start = cache_proc_start(c->pid);
	c->tok = handle_token(c);
	seqset_init(&c->jset);
	c->disabled = true;

	char fname[128];
	if (!account || !cache_file_name(account, fname, sizeof fname)) {
		cache_note(c, "cache: no usable account name");
		return c;
	}
	char *dir = cache_dir(c, o ? o->dir : NULL);
	if (!dir)
		return c;
	if (make_dirs(c, dir) < 0) {
		free(dir);
		return c;
	}
	size_t n = strlen(dir) + 1 + strlen(fname) + 1;
	c->path = malloc(n);
	if (!c->path) {
		free(dir);
		cache_note(c, "cache: out of memory");
		return c;
	}
	snprintf(c->path, n, "%s/%s", dir, fname);
	free(dir);

	sqlite3 *old = NULL;
	bool ok = open_fresh(c, &old);
	if (ok && old)
		cache_salvage_journal(c, old);
	close_moved(old);
	if (!ok)
		return c;
	if (cache_journal_prune(c, (int64_t)time(NULL) - CACHE_JOURNAL_KEEP_SECONDS) == CACHE_BUSY)
		c->err[0] = '\0';
	return c;
}

void cache_close(struct cache **cp)
{
	if (!cp || !*cp)
		return;
	struct cache *c = *cp;
	if (cache_ready(c) == CACHE_OK) {
		sqlite3_stmt *s = cache_stmt(c, ST_J_RELEASE_ALL);
		if (s) {
			sqlite3_bind_int64(s, 1, c->pid);
			sqlite3_bind_int64(s, 2, (int64_t)c->start);
			sqlite3_bind_int64(s, 3, c->tok);
			(void)cache_step_done(c, s, "release claims");
		}
	}
	close_db(c);
	seqset_free(&c->jset);
	free(c->group_desc);
	free(c->path);
	free(c);
	*cp = NULL;
}

bool cache_usable(const struct cache *c)
{
	return c && !c->disabled && c->db;
}

const char *cache_error(const struct cache *c)
{
	return c ? c->err : "no cache";
}

const char *cache_path(const struct cache *c)
{
	return c && c->path ? c->path : "";
}

/* ---- lists and text ------------------------------------------------------------------------ */

int cache_list_encode(struct buf *out, const char *const *v, size_t n, char skip_prefix)
{
	size_t kept = 0;
	for (size_t i = 0; i < n && kept < CACHE_MAX_LIST; i++) {
		const char *s = v ? v[i] : NULL;
		if (!s || !s[0] || (skip_prefix && s[0] == skip_prefix))
			continue;
		size_t len = strnlen(s, CACHE_MAX_FIELD);
		/* drop duplicates (lists are short) */
		bool dup = false;
		for (size_t off = 0; off < buf_len(out);) {
			const char *e = buf_data(out) + off;
			size_t el = strlen(e);
			if (el == len && memcmp(e, s, len) == 0) {
				dup = true;
				break;
			}
			off += el + 1;
		}
		if (dup)
			continue;
		if (buf_append(out, s, len) != BUF_OK || buf_append_byte(out, 0) != BUF_OK)
			return -1;
		kept++;
	}
	return 0;
}

size_t cache_list_decode(const char *blob, size_t len, const char **vec, size_t cap)
{
	size_t n = 0, off = 0;
	while (blob && off < len && n < cap) {
		const char *e = blob + off;
		const char *z = memchr(e, '\0', len - off);
		if (!z)
			break; /* unterminated tail: not ours, ignore */
		vec[n++] = e;
		off = (size_t)(z - blob) + 1;
	}
	return n;
}

int cache_bind_text(sqlite3_stmt *s, int i, const char *v, size_t max, bool utf8)
{
	if (!v)
		return sqlite3_bind_null(s, i);
	size_t n = strnlen(v, max + 1);
	if (n > max) {
		n = max;
		if (utf8)
			while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
				n--;
	}
	return sqlite3_bind_text(s, i, v, (int)n, SQLITE_TRANSIENT);
}
