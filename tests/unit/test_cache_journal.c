/* Unit tests for the durable action journal in src/mail/cache: entries and their states, claims
 * (stale, live, per handle), two processes replaying one journal, kill -9 while adding, undo
 * groups and pruning. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "imap/seqset.h"
#include "mail/cache.h"
#include "test_cache_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers -------------------------------------------------------------------------------- */

struct got {
	size_t n;
	int64_t id[512], seq[512], group[512];
	enum cache_jkind kind[512];
	enum cache_jstate state[512];
	enum cache_jclaim claim[512];
	uint32_t attempts[512];
	char uids[8][64], mailbox[8][64], dest[8][64], args[8][64], err[8][64], result[8][64];
	uint32_t uv[8];
	uint64_t ucount[8];
};

static int collect(void *ctx, const struct cache_jentry *e)
{
	struct got *g = ctx;
	size_t i = g->n++;
	if (i >= 512)
		return 0;
	g->id[i] = e->id;
	g->seq[i] = e->seq;
	g->group[i] = e->group;
	g->kind[i] = e->kind;
	g->state[i] = e->state;
	g->claim[i] = e->claim;
	g->attempts[i] = e->attempts;
	if (i < 8) {
		snprintf(g->uids[i], 64, "%s", e->uids_text);
		snprintf(g->mailbox[i], 64, "%s", e->mailbox);
		snprintf(g->dest[i], 64, "%s", e->dest ? e->dest : "(none)");
		g->args[i][0] = '\0';
		for (size_t k = 0; k < e->n_args; k++) {
			strncat(g->args[i], k ? "," : "", 63 - strlen(g->args[i]));
			strncat(g->args[i], e->args[k], 63 - strlen(g->args[i]));
		}
		snprintf(g->err[i], 64, "%s", e->last_error ? e->last_error : "(none)");
		snprintf(g->result[i], 64, "%s", e->result ? e->result : "(none)");
		g->uv[i] = e->uidvalidity;
		g->ucount[i] = seqset_count(e->uids);
	}
	return 0;
}

static struct got *get_one(struct cache *c, int64_t id)
{
	static struct got g;
	memset(&g, 0, sizeof g);
	assert_int_equal(cache_journal_get(c, id, collect, &g), CACHE_OK);
	assert_int_equal(g.n, 1);
	return &g;
}

static int64_t add(struct cache *c, enum cache_jkind kind, const char *mbox, const char *uids,
		   const char *arg, const char *dest, int64_t group)
{
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_parse(&s, uids, strlen(uids), 0, 0), SEQSET_OK);
	const char *args[] = { arg };
	struct cache_jentry e = { .kind = kind, .mailbox = mbox, .uidvalidity = 42, .uids = &s,
				  .args = arg ? args : NULL, .n_args = arg ? 1 : 0, .dest = dest,
				  .group = group };
	int64_t id = 0;
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_OK);
	assert_true(id > 0);
	seqset_free(&s);
	return id;
}

__attribute__((format(printf, 2, 3))) static void raw_exec(struct cache *c, const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(cache_path(c), &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static uint64_t proc_start(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p += 2;
	for (int i = 3; i < 22 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

/* ---- entries -------------------------------------------------------------------------------- */

static void test_add_and_read_back(void **state)
{
	(void)state;
	struct cache *c = tcache_open("work");
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_parse(&s, "9,1:5", 5, SEQSET_KEEP_ORDER, 0), SEQSET_OK);
	const char *args[] = { "\\Seen", "$Label1" };
	struct cache_jentry e = { .kind = CACHE_J_FLAGS_ADD, .mailbox = "INBOX/../\x01\xff",
				  .uidvalidity = 42, .uids = &s, .args = args, .n_args = 2 };
	int64_t id1 = 0;
	assert_int_equal(cache_journal_add(c, &e, &id1), CACHE_OK);
	int64_t id2 = add(c, CACHE_J_MOVE, "INBOX", "7", NULL, "[Gmail]/Trash", 0);
	int64_t id3 = add(c, CACHE_J_LABELS_REMOVE, "INBOX", "8:9", "\\Inbox", NULL, 0);
	int64_t id4 = add(c, CACHE_J_COPY, "INBOX", "10", NULL, "Saved", 0);
	assert_true(id1 < id2 && id2 < id3 && id3 < id4);

	struct got *g = get_one(c, id1);
	assert_int_equal(g->kind[0], CACHE_J_FLAGS_ADD);
	assert_string_equal(g->mailbox[0], "INBOX/../\x01\xff");
	assert_int_equal(g->uv[0], 42);
	assert_string_equal(g->uids[0], "9,1:5");
	assert_int_equal(g->ucount[0], 6);
	assert_string_equal(g->args[0], "\\Seen,$Label1");
	assert_string_equal(g->dest[0], "(none)");
	assert_int_equal(g->state[0], CACHE_J_PENDING);
	assert_int_equal(g->attempts[0], 0);
	assert_int_equal(g->claim[0], CACHE_JCLAIM_MINE);
	g = get_one(c, id2);
	assert_string_equal(g->dest[0], "[Gmail]/Trash");
	assert_string_equal(g->args[0], "");

	struct got all = { 0 };
	assert_int_equal(cache_journal_pending(c, collect, &all), CACHE_OK);
	assert_int_equal(all.n, 4);
	for (size_t i = 1; i < all.n; i++)
		assert_true(all.seq[i] > all.seq[i - 1]);
	assert_true(all.id[0] == id1 && all.id[3] == id4);
	assert_int_equal(cache_journal_get(c, 9999, collect, &all), CACHE_NOTFOUND);
	seqset_free(&s);
	cache_close(&c);
}

static void test_add_refuses_bad_entries(void **state)
{
	(void)state;
	struct cache *c = tcache_open("work");
	struct seqset s, empty, star;
	seqset_init(&s);
	seqset_init(&empty);
	seqset_init(&star);
	assert_int_equal(seqset_add(&s, 3), SEQSET_OK);
	assert_int_equal(seqset_parse(&star, "1:*", 3, SEQSET_ALLOW_STAR, 0), SEQSET_OK);
	const char *args[] = { "\\Seen" }, *bad[] = { "" };
	int64_t id = 7;
	struct cache_jentry ok = { .kind = CACHE_J_FLAGS_ADD, .mailbox = "INBOX", .uidvalidity = 1,
				   .uids = &s, .args = args, .n_args = 1 };
	struct cache_jentry e;
	e = ok, e.uids = &empty;
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_INVALID);
	e = ok, e.uids = &star;
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_INVALID);
	e = ok, e.n_args = 0;
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_INVALID);
	e = ok, e.args = bad;
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_INVALID);
	e = ok, e.kind = CACHE_J_MOVE;
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_INVALID); /* no destination */
	e = ok, e.dest = "Trash";
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_INVALID); /* flags have none */
	e = ok, e.uidvalidity = 0;
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_INVALID);
	e = ok, e.mailbox = "";
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_INVALID);
	e = ok, e.kind = (enum cache_jkind)99;
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_INVALID);
	assert_int_equal(cache_journal_add(c, NULL, &id), CACHE_INVALID);
	struct got g = { 0 };
	assert_int_equal(cache_journal_pending(c, collect, &g), CACHE_OK);
	assert_int_equal(g.n, 0);
	seqset_free(&s);
	seqset_free(&star);
	cache_close(&c);
}

static void test_transitions(void **state)
{
	(void)state;
	struct cache *c = tcache_open("work");
	int64_t a = add(c, CACHE_J_FLAGS_ADD, "INBOX", "1", "\\Seen", NULL, 0);
	int64_t b = add(c, CACHE_J_MOVE, "INBOX", "2", NULL, "Trash", 0);
	assert_int_equal(cache_journal_mark_sent(c, a), CACHE_OK);
	assert_int_equal(cache_journal_mark_sent(c, a), CACHE_OK);
	struct got *g = get_one(c, a);
	assert_int_equal(g->state[0], CACHE_J_SENT);
	assert_int_equal(g->attempts[0], 2);
	assert_int_equal(cache_journal_retry(c, a, "connection lost"), CACHE_OK);
	g = get_one(c, a);
	assert_int_equal(g->state[0], CACHE_J_PENDING);
	assert_string_equal(g->err[0], "connection lost");
	assert_int_equal(g->claim[0], CACHE_JCLAIM_MINE);
	assert_int_equal(cache_journal_done(c, a, "OK"), CACHE_OK);
	g = get_one(c, a);
	assert_int_equal(g->state[0], CACHE_J_DONE);
	assert_string_equal(g->result[0], "OK");
	assert_int_equal(g->claim[0], CACHE_JCLAIM_NONE);
	/* done twice is fine; anything else on a finished entry is "not found" */
	assert_int_equal(cache_journal_done(c, a, NULL), CACHE_OK);
	assert_int_equal(cache_journal_mark_sent(c, a), CACHE_NOTFOUND);
	assert_int_equal(cache_journal_failed(c, a, "x"), CACHE_NOTFOUND);
	assert_int_equal(cache_journal_claim(c, a), CACHE_NOTFOUND);
	assert_int_equal(cache_journal_failed(c, b, "[TRYCREATE] no such mailbox"), CACHE_OK);
	g = get_one(c, b);
	assert_int_equal(g->state[0], CACHE_J_FAILED);
	assert_string_equal(g->err[0], "[TRYCREATE] no such mailbox");
	assert_int_equal(cache_journal_done(c, b, NULL), CACHE_NOTFOUND);
	assert_int_equal(cache_journal_done(c, 12345, NULL), CACHE_NOTFOUND);
	struct got all = { 0 };
	assert_int_equal(cache_journal_pending(c, collect, &all), CACHE_OK);
	assert_int_equal(all.n, 0);
	cache_close(&c);
}

/* ---- claims --------------------------------------------------------------------------------- */

static void test_claims(void **state)
{
	(void)state;
	struct cache *c = tcache_open("work");
	int64_t a = add(c, CACHE_J_FLAGS_ADD, "INBOX", "1", "\\Seen", NULL, 0);
	int64_t b = add(c, CACHE_J_FLAGS_ADD, "INBOX", "2", "\\Seen", NULL, 0);
	int64_t d = add(c, CACHE_J_FLAGS_ADD, "INBOX", "3", "\\Seen", NULL, 0);

	/* a: held by a process that is gone */
	pid_t dead = fork();
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, NULL, 0), dead);
	raw_exec(c, "UPDATE journal SET claim_pid=%ld, claim_start=1, claim_tok=1 WHERE id=%lld",
		 (long)dead, (long long)a);
	/* b: held by a live process (our parent) */
	pid_t live = getppid();
	raw_exec(c, "UPDATE journal SET claim_pid=%ld, claim_start=%llu, claim_tok=9 WHERE id=%lld",
		 (long)live, (unsigned long long)proc_start(live), (long long)b);
	/* d: the same pid as a live process, but another start time: the pid was reused */
	raw_exec(c, "UPDATE journal SET claim_pid=%ld, claim_start=%llu, claim_tok=9 WHERE id=%lld",
		 (long)live, (unsigned long long)proc_start(live) + 1, (long long)d);

	struct got g = { 0 };
	assert_int_equal(cache_journal_pending(c, collect, &g), CACHE_OK);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.claim[0], CACHE_JCLAIM_STALE);
	assert_int_equal(g.claim[1], CACHE_JCLAIM_OTHER);
	assert_int_equal(g.claim[2], CACHE_JCLAIM_STALE);
	assert_int_equal(cache_journal_mark_sent(c, a), CACHE_CONFLICT); /* not ours yet */
	assert_int_equal(cache_journal_claim(c, a), CACHE_OK);
	assert_int_equal(cache_journal_claim(c, a), CACHE_OK); /* already ours */
	assert_int_equal(cache_journal_mark_sent(c, a), CACHE_OK);
	assert_int_equal(cache_journal_claim(c, b), CACHE_CONFLICT);
	assert_int_equal(cache_journal_mark_sent(c, b), CACHE_CONFLICT);
	assert_int_equal(cache_journal_done(c, b, NULL), CACHE_CONFLICT);
	size_t n = 0;
	memset(&g, 0, sizeof g);
	assert_int_equal(cache_journal_claim_all(c, collect, &g, &n), CACHE_OK);
	assert_int_equal(n, 2); /* a and d; b stays with its live holder */
	assert_true(g.id[0] == a && g.id[1] == d);
	assert_int_equal(g.claim[0], CACHE_JCLAIM_MINE);

	/* a second handle in the same process does not share the first one's claims */
	struct cache *c2 = tcache_open("work");
	memset(&g, 0, sizeof g);
	assert_int_equal(cache_journal_pending(c2, collect, &g), CACHE_OK);
	assert_int_equal(g.claim[0], CACHE_JCLAIM_OTHER);
	assert_int_equal(cache_journal_claim(c2, a), CACHE_CONFLICT);
	assert_int_equal(cache_journal_claim_all(c2, NULL, NULL, &n), CACHE_OK);
	assert_int_equal(n, 0);
	/* release one, then close: the other handle may take them */
	assert_int_equal(cache_journal_release(c, d), CACHE_OK);
	assert_int_equal(cache_journal_claim(c2, d), CACHE_OK);
	cache_close(&c);
	assert_int_equal(cache_journal_claim_all(c2, NULL, NULL, &n), CACHE_OK);
	assert_int_equal(n, 2); /* a (released by the close) and d */
	memset(&g, 0, sizeof g);
	assert_int_equal(cache_journal_get(c2, a, collect, &g), CACHE_OK);
	assert_int_equal(g.state[0], CACHE_J_SENT); /* the state survives the hand-over */
	assert_int_equal(g.attempts[0], 1);
	cache_close(&c2);
}

/* ---- two processes replay one journal ------------------------------------------------------- */

enum { REPLAY_N = 300 };

static void write_id(int fd, int64_t id)
{
	if (write(fd, &id, sizeof id) != (ssize_t)sizeof id)
		_exit(20);
}

/* mode 0: claim_all; 1: claim one by one, newest first; 2: one by one, oldest first */
static int replayer(int mode, int out, int go)
{
	struct cache *c = cache_open("work", NULL);
	if (!cache_usable(c))
		return 31;
	char ch;
	if (read(go, &ch, 1) != 1)
		return 30;
	struct got *g = calloc(1, sizeof *g);
	enum cache_result r;
	if (mode == 0) {
		while ((r = cache_journal_claim_all(c, collect, g, NULL)) == CACHE_BUSY)
			;
		if (r != CACHE_OK)
			return 32;
	} else {
		struct got *all = calloc(1, sizeof *all);
		if (cache_journal_pending(c, collect, all) != CACHE_OK)
			return 33;
		for (size_t k = 0; k < all->n && k < 512; k++) {
			size_t i = mode == 1 ? all->n - 1 - k : k;
			while ((r = cache_journal_claim(c, all->id[i])) == CACHE_BUSY)
				;
			if (r == CACHE_CONFLICT || r == CACHE_NOTFOUND)
				continue;
			if (r != CACHE_OK)
				return 34;
			/* replay it at once, taking a while as a server would */
			struct timespec ts = { 0, 200000 };
			nanosleep(&ts, NULL);
			while ((r = cache_journal_mark_sent(c, all->id[i])) == CACHE_BUSY)
				;
			while (r == CACHE_OK &&
			       (r = cache_journal_done(c, all->id[i], "OK")) == CACHE_BUSY)
				;
			if (r != CACHE_OK)
				return 35;
			write_id(out, all->id[i]);
		}
		free(all);
		free(g);
		cache_close(&c);
		return 0;
	}
	for (size_t i = 0; i < g->n && i < 512; i++) {
		/* "send" it, then finish it */
		while ((r = cache_journal_mark_sent(c, g->id[i])) == CACHE_BUSY)
			;
		if (r != CACHE_OK)
			return 35;
		while ((r = cache_journal_done(c, g->id[i], "OK")) == CACHE_BUSY)
			;
		if (r != CACHE_OK)
			return 36;
		write_id(out, g->id[i]);
	}
	free(g);
	cache_close(&c);
	return 0;
}

static size_t read_ids(int fd, int64_t *v, size_t cap)
{
	size_t n = 0;
	int64_t id;
	while (read(fd, &id, sizeof id) == (ssize_t)sizeof id)
		if (n < cap)
			v[n++] = id;
	return n;
}

static void replay_race(int mode_a, int mode_b)
{
	struct cache *c = tcache_open("work");
	int64_t ids[REPLAY_N];
	for (int i = 0; i < REPLAY_N; i++) {
		char u[16];
		snprintf(u, sizeof u, "%d", i + 1);
		ids[i] = add(c, CACHE_J_FLAGS_ADD, "INBOX", u, "\\Seen", NULL, 0);
	}
	cache_close(&c); /* as after a crash or restart: nobody holds them */

	int pa[2], pb[2], go[2];
	assert_int_equal(pipe(pa), 0);
	assert_int_equal(pipe(pb), 0);
	assert_int_equal(pipe(go), 0);
	pid_t a = fork();
	assert_true(a >= 0);
	if (a == 0) {
		close(pa[0]);
		close(pb[0]);
		close(go[1]);
		_exit(replayer(mode_a, pa[1], go[0]));
	}
	pid_t b = fork();
	assert_true(b >= 0);
	if (b == 0) {
		close(pa[0]);
		close(pb[0]);
		close(go[1]);
		_exit(replayer(mode_b, pb[1], go[0]));
	}
	close(pa[1]);
	close(pb[1]);
	close(go[0]);
	assert_int_equal(write(go[1], "gg", 2), 2); /* start both at once */
	close(go[1]);
	int64_t *ga = calloc(REPLAY_N + 10, sizeof *ga), *gb = calloc(REPLAY_N + 10, sizeof *gb);
	size_t na = read_ids(pa[0], ga, REPLAY_N + 10), nb = read_ids(pb[0], gb, REPLAY_N + 10);
	close(pa[0]);
	close(pb[0]);
	int st;
	assert_int_equal(waitpid(a, &st, 0), a);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(waitpid(b, &st, 0), b);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	printf("replay race (modes %d/%d): %zu and %zu entries\n", mode_a, mode_b, na, nb);
	/* every entry replayed exactly once */
	assert_int_equal(na + nb, REPLAY_N);
	for (int i = 0; i < REPLAY_N; i++) {
		int seen = 0;
		for (size_t k = 0; k < na; k++)
			seen += ga[k] == ids[i];
		for (size_t k = 0; k < nb; k++)
			seen += gb[k] == ids[i];
		assert_int_equal(seen, 1);
	}
	free(ga);
	free(gb);
	c = tcache_open("work");
	struct got g = { 0 };
	assert_int_equal(cache_journal_pending(c, collect, &g), CACHE_OK);
	assert_int_equal(g.n, 0);
	assert_int_equal(cache_journal_prune(c, INT64_MAX), CACHE_OK);
	cache_close(&c);
}

static void test_two_processes_replay(void **state)
{
	(void)state;
	replay_race(1, 2); /* one by one from both ends */
	replay_race(2, 2); /* one by one in the same order */
	replay_race(0, 1); /* all at once against one by one */
	replay_race(0, 0);
}

/* ---- kill -9 while adding ------------------------------------------------------------------- */

static void adder(int out)
{
	struct cache *c = cache_open("work", NULL);
	if (!cache_usable(c))
		_exit(40);
	struct seqset s;
	seqset_init(&s);
	const char *args[] = { "\\Flagged" };
	for (uint32_t i = 1; i < 1000000; i++) {
		seqset_clear(&s);
		if (seqset_add(&s, i) != SEQSET_OK)
			_exit(41);
		struct cache_jentry e = { .kind = CACHE_J_FLAGS_ADD, .mailbox = "INBOX",
					  .uidvalidity = 42, .uids = &s, .args = args, .n_args = 1 };
		int64_t id;
		enum cache_result r = cache_journal_add(c, &e, &id);
		if (r == CACHE_BUSY)
			continue;
		if (r != CACHE_OK)
			_exit(42);
		write_id(out, id); /* reported only once add() returned */
		/* some cache traffic in between, as in real use */
		struct cache_msg m = { .uid = i, .have = CACHE_HAVE_FLAGS, .flags = 1 };
		(void)cache_msgs_put(c, "INBOX", 42, &m, 1);
	}
	_exit(0);
}

static void test_kill9_loses_nothing(void **state)
{
	(void)state;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int round = 0; round < 3; round++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			adder(p[1]);
		}
		close(p[1]);
		size_t want = 5 + (size_t)(rand() % 150);
		int64_t *ids = calloc(1000000, sizeof *ids);
		size_t n = 0;
		int64_t id;
		while (n < want && read(p[0], &id, sizeof id) == (ssize_t)sizeof id)
			ids[n++] = id;
		kill(pid, SIGKILL);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st));
		/* what the child reported before it died */
		while (read(p[0], &id, sizeof id) == (ssize_t)sizeof id)
			ids[n++] = id;
		close(p[0]);

		struct cache *c = tcache_open("work");
		assert_true(cache_usable(c));
		for (size_t i = 0; i < n; i++) {
			struct got g = { 0 };
			assert_int_equal(cache_journal_get(c, ids[i], collect, &g), CACHE_OK);
			assert_int_equal(g.state[0], CACHE_J_PENDING);
			assert_int_equal(g.claim[0], CACHE_JCLAIM_STALE); /* its holder is dead */
		}
		/* the dead child's entries are replayable */
		size_t claimed = 0;
		assert_int_equal(cache_journal_claim_all(c, NULL, NULL, &claimed), CACHE_OK);
		assert_true(claimed >= n);
		printf("kill -9 round %d: %zu ids reported, %zu entries found\n", round, n, claimed);
		sqlite3 *db = NULL;
		assert_int_equal(sqlite3_open(cache_path(c), &db), SQLITE_OK);
		sqlite3_stmt *s = NULL;
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
		sqlite3_finalize(s);
		sqlite3_close(db);
		/* finish them for the next round */
		struct got g = { 0 };
		assert_int_equal(cache_journal_pending(c, collect, &g), CACHE_OK);
		for (size_t i = 0; i < g.n && i < 512; i++)
			assert_int_equal(cache_journal_done(c, g.id[i], NULL), CACHE_OK);
		free(ids);
		cache_close(&c);
	}
}

/* ---- undo groups and pruning ---------------------------------------------------------------- */

static void test_groups_and_undo(void **state)
{
	(void)state;
	struct cache *c = tcache_open("work");
	struct cache_jgroup jg;
	assert_int_equal(cache_journal_last_group(c, &jg), CACHE_NOTFOUND);
	int64_t g1, g2, g3;
	assert_int_equal(cache_journal_group_new(c, "Star", 0, &g1), CACHE_OK);
	int64_t s1 = add(c, CACHE_J_FLAGS_ADD, "INBOX", "4", "\\Flagged", NULL, g1);
	assert_int_equal(cache_journal_group_new(c, "Archive 2 conversations", 0, &g2), CACHE_OK);
	int64_t a1 = add(c, CACHE_J_LABELS_REMOVE, "INBOX", "5", "\\Inbox", NULL, g2);
	int64_t a2 = add(c, CACHE_J_LABELS_REMOVE, "INBOX", "6:7", "\\Inbox", NULL, g2);
	assert_int_equal(cache_journal_done(c, a1, "OK"), CACHE_OK);
	assert_int_equal(cache_journal_done(c, a2, "OK"), CACHE_OK);
	(void)s1;

	assert_int_equal(cache_journal_last_group(c, &jg), CACHE_OK);
	assert_true(jg.id == g2);
	assert_string_equal(jg.desc, "Archive 2 conversations");
	assert_false(jg.undone);
	struct got g = { 0 };
	assert_int_equal(cache_journal_group_entries(c, g2, collect, &g), CACHE_OK);
	assert_int_equal(g.n, 2);
	assert_true(g.id[0] == a1 && g.id[1] == a2);
	assert_int_equal(g.state[0], CACHE_J_DONE); /* kept for undo */
	assert_string_equal(g.uids[1], "6:7");

	/* undo g2: the inverse goes into a new group that marks g2 undone */
	assert_int_equal(cache_journal_group_new(c, "Undo archive", g2, &g3), CACHE_OK);
	add(c, CACHE_J_LABELS_ADD, "INBOX", "5:7", "\\Inbox", NULL, g3);
	assert_int_equal(cache_journal_last_group(c, &jg), CACHE_OK);
	assert_true(jg.id == g1); /* the next `z` reverses the star */
	int64_t again;
	assert_int_equal(cache_journal_group_new(c, "Undo again", g2, &again), CACHE_CONFLICT);
	assert_int_equal(cache_journal_group_new(c, "Undo nothing", 9999, &again), CACHE_NOTFOUND);
	assert_int_equal(cache_journal_group_new(c, NULL, 0, &again), CACHE_OK);
	cache_close(&c);
	/* groups survive a restart */
	c = tcache_open("work");
	assert_int_equal(cache_journal_last_group(c, &jg), CACHE_OK);
	assert_true(jg.id == again);
	assert_string_equal(jg.desc, "");
	cache_close(&c);
}

static void test_prune(void **state)
{
	(void)state;
	struct cache *c = tcache_open("work");
	int64_t grp;
	assert_int_equal(cache_journal_group_new(c, "old", 0, &grp), CACHE_OK);
	int64_t done = add(c, CACHE_J_FLAGS_ADD, "INBOX", "1", "\\Seen", NULL, grp);
	int64_t failed = add(c, CACHE_J_FLAGS_ADD, "INBOX", "2", "\\Seen", NULL, grp);
	int64_t pending = add(c, CACHE_J_FLAGS_ADD, "INBOX", "3", "\\Seen", NULL, 0);
	assert_int_equal(cache_journal_done(c, done, NULL), CACHE_OK);
	assert_int_equal(cache_journal_failed(c, failed, "NO"), CACHE_OK);
	/* nothing is older than an hour ago */
	assert_int_equal(cache_journal_prune(c, (int64_t)time(NULL) - 3600), CACHE_OK);
	struct got g = { 0 };
	assert_int_equal(cache_journal_get(c, done, collect, &g), CACHE_OK);
	/* make them a week old: pruned at the next open, the pending one is kept */
	raw_exec(c, "UPDATE journal SET created=created-7*86400; UPDATE jgroups SET"
		 " created=created-7*86400");
	cache_close(&c);
	c = tcache_open("work");
	assert_int_equal(cache_journal_get(c, done, collect, &g), CACHE_NOTFOUND);
	assert_int_equal(cache_journal_get(c, failed, collect, &g), CACHE_NOTFOUND);
	assert_int_equal(cache_journal_get(c, pending, collect, &g), CACHE_OK);
	struct cache_jgroup jg;
	assert_int_equal(cache_journal_last_group(c, &jg), CACHE_NOTFOUND);
	/* ids are never reused after pruning */
	assert_true(add(c, CACHE_J_FLAGS_ADD, "INBOX", "4", "\\Seen", NULL, 0) > pending);
	cache_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_and_read_back, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_add_refuses_bad_entries, tcache_setup,
						tcache_teardown),
		cmocka_unit_test_setup_teardown(test_transitions, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_claims, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_two_processes_replay, tcache_setup,
						tcache_teardown),
		cmocka_unit_test_setup_teardown(test_kill9_loses_nothing, tcache_setup,
						tcache_teardown),
		cmocka_unit_test_setup_teardown(test_groups_and_undo, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_prune, tcache_setup, tcache_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
