/* Unit tests for src/mail/cache robustness: garbage, truncated, foreign and non-file caches are
 * moved aside and rebuilt; damage found while running is moved aside with the pending journal
 * saved; a full disk or a locked file degrades instead of failing; several processes write the
 * same file at once. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "imap/seqset.h"
#include "mail/cache.h"
#include "test_cache_util.h"

/* ---- helpers -------------------------------------------------------------------------------- */

static char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)sz + 1);
	*n = fread(p, 1, (size_t)sz, f);
	fclose(f);
	return p;
}

/* The first file in dir whose name contains needle, as a full path. */
static bool find_file(const char *dir, const char *needle, char *out, size_t outsz)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "ls -1 '%s' | grep -F -- '%s' | grep -v -- '-wal$' | head -1", dir,
		 needle);
	FILE *p = popen(cmd, "r");
	if (!p)
		return false;
	char name[512] = "";
	bool ok = fgets(name, sizeof name, p) != NULL;
	pclose(p);
	name[strcspn(name, "\n")] = '\0';
	if (ok && name[0])
		snprintf(out, outsz, "%s/%s", dir, name);
	return ok && name[0];
}

static void usable_and_empty(struct cache *c)
{
	assert_true(cache_usable(c));
	struct cache_counts cnt;
	assert_int_equal(cache_msgs_count(c, "INBOX", 1, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 0);
	struct cache_msg m = { .uid = 1, .have = CACHE_HAVE_FLAGS, .flags = 1 };
	assert_int_equal(cache_msgs_put(c, "INBOX", 1, &m, 1), CACHE_OK);
	assert_int_equal(cache_msgs_count(c, "INBOX", 1, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 1);
}

static void fill(struct tcache *t, struct cache *c, uint32_t n)
{
	enum { B = 250 };
	struct cache_msg *v = calloc(B, sizeof *v);
	struct tcache *ts = calloc(B, sizeof *ts);
	assert_non_null(v);
	assert_non_null(ts);
	for (uint32_t base = 1; base <= n; base += B) {
		uint32_t k = n - base + 1 < B ? n - base + 1 : B;
		for (uint32_t i = 0; i < k; i++)
			tcache_msg(&ts[i], &v[i], base + i);
		assert_int_equal(cache_msgs_put(c, "INBOX", 1, v, k), CACHE_OK);
	}
	free(v);
	free(ts);
	(void)t;
}

static int64_t add_entry(struct cache *c, uint32_t uid)
{
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_add(&s, uid), SEQSET_OK);
	const char *args[] = { "\\Seen" };
	struct cache_jentry e = { .kind = CACHE_J_FLAGS_ADD, .mailbox = "INBOX", .uidvalidity = 1,
				  .uids = &s, .args = args, .n_args = 1 };
	int64_t id = 0;
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_OK);
	seqset_free(&s);
	return id;
}

struct idlist {
	size_t n;
	int64_t id[64];
};

static int collect_ids(void *ctx, const struct cache_jentry *e)
{
	struct idlist *l = ctx;
	if (l->n < 64)
		l->id[l->n] = e->id;
	l->n++;
	return 0;
}

static void make_dir(struct tcache *t)
{
	mkdir(t->xdg, 0700);
	mkdir(t->dir, 0700);
}

/* ---- bad files at open ---------------------------------------------------------------------- */

static void test_random_bytes(void **state)
{
	struct tcache *t = *state;
	make_dir(t);
	char path[512];
	snprintf(path, sizeof path, "%s/work.sqlite", t->dir);
	unsigned char junk[65536];
	srand(7);
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)rand();
	assert_int_equal(tcache_write_file(path, junk, sizeof junk), 0);
	struct cache *c = tcache_open("work");
	usable_and_empty(c);
	assert_true(strstr(cache_error(c), "moved aside") != NULL);
	cache_close(&c);
	char aside[600];
	assert_true(find_file(t->dir, "work.sqlite.corrupt-", aside, sizeof aside));
	size_t n = 0;
	char *back = read_all(aside, &n);
	assert_int_equal(n, sizeof junk);
	assert_memory_equal(back, junk, sizeof junk);
	free(back);
	/* the new file is fine next time */
	c = tcache_open("work");
	assert_true(cache_usable(c));
	assert_int_equal(tcache_count_files(t->dir, ".corrupt-"), 1);
	cache_close(&c);
}

static void test_short_and_empty_files(void **state)
{
	struct tcache *t = *state;
	make_dir(t);
	char path[512];
	snprintf(path, sizeof path, "%s/a.sqlite", t->dir);
	assert_int_equal(tcache_write_file(path, "hello", 5), 0);
	struct cache *c = tcache_open("a");
	usable_and_empty(c);
	cache_close(&c);
	assert_int_equal(tcache_count_files(t->dir, "a.sqlite.corrupt-"), 1);
	/* an SQLite header on a file too short to be one */
	snprintf(path, sizeof path, "%s/b.sqlite", t->dir);
	assert_int_equal(tcache_write_file(path, "SQLite format 3\0\x10\0", 18), 0);
	c = tcache_open("b");
	usable_and_empty(c);
	cache_close(&c);
	assert_int_equal(tcache_count_files(t->dir, "b.sqlite.corrupt-"), 1);
	/* an empty file is a new cache, not damage */
	snprintf(path, sizeof path, "%s/e.sqlite", t->dir);
	assert_int_equal(tcache_write_file(path, "", 0), 0);
	c = tcache_open("e");
	usable_and_empty(c);
	cache_close(&c);
	assert_int_equal(tcache_count_files(t->dir, "e.sqlite.corrupt-"), 0);
}

static void test_truncated_file(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("work");
	fill(t, c, 3000);
	char path[512];
	snprintf(path, sizeof path, "%s", cache_path(c));
	cache_close(&c);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	printf("truncating a %lld-byte cache to half\n", (long long)sb.st_size);
	assert_int_equal(truncate(path, sb.st_size / 2), 0);
	c = tcache_open("work");
	usable_and_empty(c);
	cache_close(&c);
	assert_int_equal(tcache_count_files(t->dir, "work.sqlite.corrupt-"), 1);
	char aside[600];
	assert_true(find_file(t->dir, "work.sqlite.corrupt-", aside, sizeof aside));
	assert_int_equal(stat(aside, &sb), 0);
	assert_true(sb.st_size > 0);
}

static void foreign_db(struct tcache *t, const char *account, const char *sql)
{
	make_dir(t);
	char path[512];
	snprintf(path, sizeof path, "%s/%s.sqlite", t->dir, account);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	size_t n0 = 0, n1 = 0;
	char *before = read_all(path, &n0);
	struct cache *c = tcache_open(account);
	usable_and_empty(c);
	cache_close(&c);
	char needle[128], aside[600];
	snprintf(needle, sizeof needle, "%s.sqlite.corrupt-", account);
	assert_true(find_file(t->dir, needle, aside, sizeof aside));
	char *after = read_all(aside, &n1);
	/* moved, not modified */
	assert_int_equal(n0, n1);
	assert_memory_equal(before, after, n0);
	free(before);
	free(after);
}

static void test_foreign_databases(void **state)
{
	struct tcache *t = *state;
	foreign_db(t, "notes", "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES('keep me');");
	foreign_db(t, "otherapp", "PRAGMA application_id=305419896; CREATE TABLE t(y);");
	/* another app's id on an otherwise empty database */
	foreign_db(t, "idonly", "PRAGMA application_id=1;");
}

static void test_directory_at_path(void **state)
{
	struct tcache *t = *state;
	make_dir(t);
	char path[512];
	snprintf(path, sizeof path, "%s/work.sqlite", t->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	struct cache *c = tcache_open("work");
	usable_and_empty(c);
	cache_close(&c);
	assert_int_equal(tcache_count_files(t->dir, "work.sqlite.corrupt-"), 1);
}

/* ---- damage found while running -------------------------------------------------------------- */

struct logbuf {
	int n;
	char last[512];
};

static void log_cb(void *ctx, const char *msg)
{
	struct logbuf *l = ctx;
	l->n++;
	snprintf(l->last, sizeof l->last, "%s", msg);
}

static int count_rows(void *ctx, const struct cache_msg *m)
{
	(void)m;
	(*(size_t *)ctx)++;
	return 0;
}

static void test_damage_while_running(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("work");
	fill(t, c, 30000); /* past the size that gets a whole quick_check at open */
	int64_t ids[3];
	for (int i = 0; i < 3; i++)
		ids[i] = add_entry(c, 10 + (uint32_t)i);
	int64_t done = add_entry(c, 99);
	assert_int_equal(cache_journal_done(c, done, NULL), CACHE_OK);
	char path[512];
	snprintf(path, sizeof path, "%s", cache_path(c));
	cache_close(&c);

	/* overwrite 16 pages in the middle of the message table */
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size > ((off_t)8 << 20));
	off_t at = (sb.st_size / 2) & ~(off_t)4095;
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	unsigned char junk[16 * 4096];
	memset(junk, 0xff, sizeof junk);
	assert_int_equal(pwrite(fd, junk, sizeof junk, at), (ssize_t)sizeof junk);
	close(fd);

	struct logbuf lb = { 0 };
	struct cache_opts o = { .log = log_cb, .log_ctx = &lb };
	c = cache_open("work", &o);
	assert_true(cache_usable(c)); /* the journal and mailboxes are fine: opened */
	size_t n = 0;
	assert_int_equal(cache_msgs_range(c, "INBOX", 1, 1, UINT32_MAX, count_rows, &n), CACHE_ERROR);
	printf("read %zu rows before the damage; log: %s\n", n, lb.last);
	/* the next call finds a rebuilt cache, with the pending actions saved */
	struct cache_counts cnt;
	assert_int_equal(cache_msgs_count(c, "INBOX", 1, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 0);
	assert_true(cache_usable(c));
	assert_int_equal(tcache_count_files(t->dir, "work.sqlite.corrupt-"), 1);
	struct idlist l = { 0 };
	assert_int_equal(cache_journal_pending(c, collect_ids, &l), CACHE_OK);
	assert_int_equal(l.n, 3);
	for (int i = 0; i < 3; i++)
		assert_true(l.id[i] == ids[i]);
	/* the same ids still work (claims were given back when the first handle closed) */
	assert_int_equal(cache_journal_mark_sent(c, ids[0]), CACHE_CONFLICT);
	assert_int_equal(cache_journal_claim(c, ids[0]), CACHE_OK);
	assert_int_equal(cache_journal_mark_sent(c, ids[0]), CACHE_OK);
	assert_int_equal(cache_journal_done(c, ids[0], NULL), CACHE_OK);
	/* new entries do not reuse ids */
	assert_true(add_entry(c, 50) > ids[2]);
	cache_close(&c);
	assert_true(lb.n >= 2);
}

static void test_replaced_by_another_process(void **state)
{
	(void)state;
	struct logbuf lb = { 0 };
	struct cache_opts o = { .log = log_cb, .log_ctx = &lb };
	struct cache *a = cache_open("work", &o);
	struct cache *b = tcache_open("work");
	int64_t id1 = add_entry(a, 1);
	/* b moves the file away as it does after finding damage: the file and its WAL renamed,
	 * the shared-memory index removed */
	char path[512], moved[600], from[600];
	snprintf(path, sizeof path, "%s", cache_path(b));
	snprintf(moved, sizeof moved, "%s.elsewhere", path);
	assert_int_equal(rename(path, moved), 0);
	snprintf(from, sizeof from, "%s-wal", path);
	snprintf(moved, sizeof moved, "%s.elsewhere-wal", path);
	assert_int_equal(rename(from, moved), 0);
	snprintf(from, sizeof from, "%s-shm", path);
	unlink(from);
	/* a notices at its next call, reopens the path and carries its pending entry over */
	int64_t id2 = add_entry(a, 2);
	assert_true(id2 > 0);
	struct idlist l = { 0 };
	assert_int_equal(cache_journal_pending(a, collect_ids, &l), CACHE_OK);
	assert_int_equal(l.n, 2);
	assert_true(l.id[0] == id1);
	assert_true(l.id[1] == id2);
	/* b closes its connection to the moved file: that must not touch the new file's WAL, so a
	 * third handle sees both entries while a is still open */
	cache_close(&b);
	struct cache *c3 = tcache_open("work");
	memset(&l, 0, sizeof l);
	assert_int_equal(cache_journal_pending(c3, collect_ids, &l), CACHE_OK);
	assert_int_equal(l.n, 2);
	cache_close(&c3);
	/* the holder's claim came along: it can finish its entry */
	assert_int_equal(cache_journal_mark_sent(a, id1), CACHE_OK);
	assert_int_equal(cache_journal_done(a, id1, NULL), CACHE_OK);
	assert_true(lb.n >= 2);
	cache_close(&a);
	cache_close(&b);
}

/* ---- degrading ----------------------------------------------------------------------------- */

static void test_disk_full_degrades(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("work");
	fill(t, c, 200);
	char path[512];
	snprintf(path, sizeof path, "%s", cache_path(c));
	cache_close(&c);

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct stat sb;
		if (stat(path, &sb) < 0)
			_exit(10);
		struct rlimit rl = { (rlim_t)sb.st_size + (256 << 10), (rlim_t)sb.st_size + (256 << 10) };
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(11);
		struct cache *cc = cache_open("work", NULL);
		if (!cache_usable(cc))
			_exit(12);
		struct tcache ts[100];
		struct cache_msg v[100];
		enum cache_result r = CACHE_OK;
		uint32_t base = 1000;
		for (int round = 0; round < 10000 && r == CACHE_OK; round++, base += 100) {
			for (uint32_t i = 0; i < 100; i++)
				tcache_msg(&ts[i], &v[i], base + i);
			r = cache_msgs_put(cc, "INBOX", 1, v, 100);
		}
		if (r != CACHE_ERROR)
			_exit(13);
		if (cache_usable(cc) || cache_msgs_put(cc, "INBOX", 1, v, 1) != CACHE_DISABLED)
			_exit(14);
		int64_t id;
		struct seqset s;
		seqset_init(&s);
		if (seqset_add(&s, 1) != SEQSET_OK)
			_exit(15);
		const char *args[] = { "\\Seen" };
		struct cache_jentry e = { .kind = CACHE_J_FLAGS_ADD, .mailbox = "INBOX",
					  .uidvalidity = 1, .uids = &s, .args = args, .n_args = 1 };
		if (cache_journal_add(cc, &e, &id) != CACHE_DISABLED)
			_exit(16);
		printf("disk full after %u rows: %s\n", base - 1000, cache_error(cc));
		fflush(stdout);
		seqset_free(&s);
		cache_close(&cc);
		_exit(0);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* the file is intact afterwards: what was committed is there, nothing moved aside */
	c = tcache_open("work");
	assert_true(cache_usable(c));
	struct cache_counts cnt;
	assert_int_equal(cache_msgs_count(c, "INBOX", 1, &cnt), CACHE_OK);
	assert_true(cnt.total >= 200);
	assert_int_equal(tcache_count_files(t->dir, ".corrupt-"), 0);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
	sqlite3_close(db);
	cache_close(&c);
}

static void test_busy_is_reported_quickly(void **state)
{
	(void)state;
	struct cache *c = tcache_open("work");
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(cache_path(c), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	struct cache_msg m = { .uid = 1, .have = CACHE_HAVE_FLAGS };
	double t0 = tcache_now_ms();
	assert_int_equal(cache_msgs_put(c, "INBOX", 1, &m, 1), CACHE_BUSY);
	double put_ms = tcache_now_ms() - t0;
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_add(&s, 1), SEQSET_OK);
	const char *args[] = { "\\Flagged" };
	struct cache_jentry e = { .kind = CACHE_J_FLAGS_ADD, .mailbox = "INBOX", .uidvalidity = 1,
				  .uids = &s, .args = args, .n_args = 1 };
	int64_t id = -1;
	t0 = tcache_now_ms();
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_BUSY);
	double add_ms = tcache_now_ms() - t0;
	assert_int_equal(id, 0);
	printf("locked file: row write gave up after %.0f ms, journal add after %.0f ms\n", put_ms,
	       add_ms);
	/* reads go on meanwhile (WAL) and the handle stays usable */
	assert_true(cache_usable(c));
	struct cache_counts cnt;
	assert_int_equal(cache_msgs_count(c, "INBOX", 1, &cnt), CACHE_OK);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(cache_msgs_put(c, "INBOX", 1, &m, 1), CACHE_OK);
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_OK);
	assert_true(id > 0);
	sqlite3_close(db);
	seqset_free(&s);
	cache_close(&c);
}

/* ---- several processes ---------------------------------------------------------------------- */

enum { WRITERS = 3, ROWS_EACH = 3000, ENTRIES_EACH = 150 };

static int writer(int k)
{
	struct cache *c = cache_open("shared", NULL);
	if (!cache_usable(c)) {
		fprintf(stderr, "writer %d: %s\n", k, cache_error(c));
		return 2;
	}
	struct tcache *ts = calloc(50, sizeof *ts);
	struct cache_msg v[50];
	struct seqset s;
	seqset_init(&s);
	const char *args[] = { "\\Seen" };
	int entries = 0;
	for (uint32_t base = 0; base < ROWS_EACH; base += 50) {
		for (uint32_t i = 0; i < 50; i++)
			tcache_msg(&ts[i], &v[i], (uint32_t)k * 100000 + base + i + 1);
		enum cache_result r;
		int tries = 0;
		while ((r = cache_msgs_put(c, "INBOX", 7, v, 50)) == CACHE_BUSY && tries++ < 1000)
			;
		if (r != CACHE_OK)
			return 3;
		for (int j = 0; j < 3 && entries < ENTRIES_EACH; j++, entries++) {
			seqset_clear(&s);
			if (seqset_add(&s, (uint32_t)k * 100000 + base + 1) != SEQSET_OK)
				return 4;
			struct cache_jentry e = { .kind = CACHE_J_FLAGS_ADD, .mailbox = "INBOX",
						  .uidvalidity = 7, .uids = &s, .args = args,
						  .n_args = 1 };
			int64_t id;
			tries = 0;
			while ((r = cache_journal_add(c, &e, &id)) == CACHE_BUSY && tries++ < 100)
				;
			if (r != CACHE_OK)
				return 5;
		}
	}
	seqset_free(&s);
	free(ts);
	cache_close(&c);
	return entries == ENTRIES_EACH ? 0 : 6;
}

static void test_concurrent_processes(void **state)
{
	struct tcache *t = *state;
	pid_t pids[WRITERS];
	double t0 = tcache_now_ms();
	for (int k = 0; k < WRITERS; k++) {
		pids[k] = fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0)
			_exit(writer(k + 1));
	}
	for (int k = 0; k < WRITERS; k++) {
		int st = 0;
		assert_int_equal(waitpid(pids[k], &st, 0), pids[k]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	printf("%d processes wrote %d rows and %d journal entries each in %.0f ms\n", WRITERS,
	       ROWS_EACH, ENTRIES_EACH, tcache_now_ms() - t0);
	struct cache *c = tcache_open("shared");
	assert_true(cache_usable(c));
	/* creating the file together is not mistaken for damage */
	assert_int_equal(tcache_count_files(t->dir, ".corrupt-"), 0);
	struct cache_counts cnt;
	assert_int_equal(cache_msgs_count(c, "INBOX", 7, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, WRITERS * ROWS_EACH);
	struct idlist l = { 0 };
	assert_int_equal(cache_journal_pending(c, collect_ids, &l), CACHE_OK);
	assert_int_equal(l.n, WRITERS * ENTRIES_EACH);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(cache_path(c), &db), SQLITE_OK);
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
	/* seq is strictly increasing in commit order, with no gaps and no repeats */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(DISTINCT seq), min(seq), max(seq)"
					    " FROM journal", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(s, 0), WRITERS * ENTRIES_EACH);
	assert_int_equal(sqlite3_column_int64(s, 2) - sqlite3_column_int64(s, 1) + 1,
			 WRITERS * ENTRIES_EACH);
	sqlite3_finalize(s);
	sqlite3_close(db);
	cache_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_bytes, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_short_and_empty_files, tcache_setup,
						tcache_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_file, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_databases, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_directory_at_path, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_damage_while_running, tcache_setup,
						tcache_teardown),
		cmocka_unit_test_setup_teardown(test_replaced_by_another_process, tcache_setup,
						tcache_teardown),
		cmocka_unit_test_setup_teardown(test_disk_full_degrades, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_busy_is_reported_quickly, tcache_setup,
						tcache_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_processes, tcache_setup,
						tcache_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
