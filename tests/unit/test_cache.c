/* Unit tests for src/mail/cache: file naming and placement, mailboxes, message rows (round trips,
 * partial updates, relative changes, deletes), UIDVALIDITY changes, body parts and LRU, the
 * body structure's round trip through IMAP text, schema rebuilds, and 100k-row figures. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "imap/parser.h"
#include "imap/seqset.h"
#include "mail/cache.h"
#include "mail/mime.h"
#include "test_cache_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- collecting rows ------------------------------------------------------------------------ */

struct rows {
	size_t n;
	uint32_t uid[256];
	uint32_t flags[256], have[256];
	char subject[256][64];
	char labels[256][96]; /* joined with ',' */
	char kw[256][64];
	uint64_t thrid[256];
	char mbox[256][32];
	size_t stop_after;    /* 0 = never */
};

static void join(char *out, size_t sz, const char *const *v, size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(out, ",", sz - strlen(out) - 1);
		strncat(out, v[i], sz - strlen(out) - 1);
	}
}

static int collect(void *ctx, const struct cache_msg *m)
{
	struct rows *r = ctx;
	if (r->n < N(r->uid)) {
		r->uid[r->n] = m->uid;
		r->flags[r->n] = m->flags;
		r->have[r->n] = m->have;
		r->thrid[r->n] = m->gm_thrid;
		snprintf(r->subject[r->n], sizeof r->subject[0], "%s", m->subject ? m->subject : "(null)");
		join(r->labels[r->n], sizeof r->labels[0], m->labels, m->n_labels);
		join(r->kw[r->n], sizeof r->kw[0], m->keywords, m->n_keywords);
		assert_null(m->bodystructure);
	}
	r->n++;
	return r->stop_after && r->n >= r->stop_after;
}

static int collect_thread(void *ctx, const char *mbox, const struct cache_msg *m)
{
	struct rows *r = ctx;
	if (r->n < N(r->uid))
		snprintf(r->mbox[r->n], sizeof r->mbox[0], "%s", mbox);
	return collect(ctx, m);
}

/* A full row compared field by field. */
struct fullrow {
	struct tcache *t;
	size_t n;
	bool ok;
};

static int check_full(void *ctx, const struct cache_msg *m)
{
	struct fullrow *f = ctx;
	struct cache_msg want;
	tcache_msg(f->t, &want, m->uid);
	assert_int_equal(m->have, want.have);
	assert_int_equal(m->flags, want.flags);
	assert_int_equal(m->n_keywords, 1); /* "\Seen" is a system flag, not a keyword */
	assert_string_equal(m->keywords[0], "$Forwarded");
	assert_true(m->modseq == want.modseq);
	assert_true(m->gm_msgid == want.gm_msgid);
	assert_true(m->gm_thrid == want.gm_thrid);
	assert_int_equal(m->n_labels, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(m->labels[i], want.labels[i]);
	assert_true(m->internaldate == want.internaldate);
	assert_int_equal(m->size, want.size);
	assert_true(m->date == want.date);
	assert_string_equal(m->subject_raw, want.subject_raw);
	assert_string_equal(m->subject, want.subject);
	assert_string_equal(m->from_name, want.from_name);
	assert_string_equal(m->from_addr, want.from_addr);
	assert_string_equal(m->to, want.to);
	assert_null(m->cc);
	assert_string_equal(m->message_id, want.message_id);
	assert_string_equal(m->in_reply_to, want.in_reply_to);
	assert_string_equal(m->references, want.references);
	assert_int_equal(m->xflags, want.xflags);
	f->n++;
	return 0;
}

static void put_rows(struct tcache *t, struct cache *c, const char *mbox, uint32_t uv, uint32_t lo,
		     uint32_t hi)
{
	/* tcache_msg() reuses t's strings: one row per call */
	for (uint32_t u = lo; u <= hi; u++) {
		struct cache_msg m;
		tcache_msg(t, &m, u);
		assert_int_equal(cache_msgs_put(c, mbox, uv, &m, 1), CACHE_OK);
	}
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* ---- files ---------------------------------------------------------------------------------- */

static void test_file_names(void **state)
{
	(void)state;
	char n[128];
	assert_true(cache_file_name("work", n, sizeof n));
	assert_string_equal(n, "work.sqlite");
	assert_true(cache_file_name("me@gmail.com_2-x", n, sizeof n));
	assert_string_equal(n, "me@gmail.com_2-x.sqlite");
	const char *bad[] = { "../../etc", "a/b", ".hidden", "..", ".", "x y", "caf\xc3\xa9",
			      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			      "/abs", "a\\b", "a:b" };
	for (size_t i = 0; i < N(bad); i++) {
		assert_true(cache_file_name(bad[i], n, sizeof n));
		assert_int_equal(n[0], '+');
		assert_null(strchr(n, '/'));
		assert_int_equal(strlen(n), 1 + 32 + strlen(".sqlite"));
	}
	/* different names, different files; the same name, the same file */
	char a[128], b[128];
	assert_true(cache_file_name("a/b", a, sizeof a));
	assert_true(cache_file_name("a/c", b, sizeof b));
	assert_string_not_equal(a, b);
	assert_true(cache_file_name("a/b", b, sizeof b));
	assert_string_equal(a, b);
	assert_false(cache_file_name("", n, sizeof n) && n[0] != '+');
	assert_false(cache_file_name("work", n, 5));
}

static void test_open_places_files_privately(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("../../etc");
	assert_non_null(c);
	assert_true(cache_usable(c));
	/* inside the cache dir, and nothing outside it */
	assert_memory_equal(cache_path(c), t->dir, strlen(t->dir));
	assert_null(strchr(cache_path(c) + strlen(t->dir) + 1, '/'));
	char etc[400];
	snprintf(etc, sizeof etc, "%s/etc", t->root);
	assert_false(tcache_file_exists(etc));
	snprintf(etc, sizeof etc, "%s/etc.sqlite", t->root);
	assert_false(tcache_file_exists(etc));
	struct stat sb;
	assert_int_equal(stat(t->dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(stat(cache_path(c), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* the WAL copies the file's mode */
	struct cache_mailbox mb = { .name = "INBOX", .uidvalidity = 1 };
	assert_int_equal(cache_mailbox_put(c, &mb), CACHE_OK);
	char wal[600];
	snprintf(wal, sizeof wal, "%s-wal", cache_path(c));
	if (stat(wal, &sb) == 0)
		assert_int_equal(sb.st_mode & 0077, 0);
	cache_close(&c);
	assert_null(c);
	cache_close(&c); /* NULL-safe */

	struct cache *d = tcache_open("a/b");
	assert_true(cache_usable(d));
	assert_memory_equal(cache_path(d), t->dir, strlen(t->dir));
	cache_close(&d);
	/* only our files in the directory: two accounts' databases and their WAL/SHM */
	assert_int_equal(tcache_count_files(t->dir, ".sqlite") - tcache_count_files(t->dir, ".sqlite-"),
			 2);
}

static void test_disabled_handle(void **state)
{
	(void)state;
	struct cache *c = cache_open(NULL, NULL);
	assert_non_null(c);
	assert_false(cache_usable(c));
	assert_true(strlen(cache_error(c)) > 0);
	struct cache_mailbox mb = { .name = "INBOX", .uidvalidity = 1 };
	assert_int_equal(cache_mailbox_put(c, &mb), CACHE_DISABLED);
	assert_int_equal(cache_mailbox_check_uidvalidity(c, "INBOX", 1), CACHE_DISABLED);
	struct cache_msg m = { .uid = 1, .have = CACHE_HAVE_FLAGS };
	assert_int_equal(cache_msgs_put(c, "INBOX", 1, &m, 1), CACHE_DISABLED);
	struct rows r = { 0 };
	assert_int_equal(cache_msgs_newest(c, "INBOX", 1, 0, 10, collect, &r), CACHE_DISABLED);
	int64_t id;
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_add(&s, 1), SEQSET_OK);
	const char *args[] = { "\\Seen" };
	struct cache_jentry e = { .kind = CACHE_J_FLAGS_ADD, .mailbox = "INBOX", .uidvalidity = 1,
				  .uids = &s, .args = args, .n_args = 1 };
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_DISABLED);
	seqset_free(&s);
	cache_close(&c);

	/* no usable XDG_CACHE_HOME and no HOME: disabled, not a crash */
	char *xdg = strdup(getenv("XDG_CACHE_HOME"));
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("XDG_CACHE_HOME", "relative/dir", 1);
	unsetenv("HOME");
	c = cache_open("work", NULL);
	assert_non_null(c);
	assert_false(cache_usable(c));
	cache_close(&c);
	setenv("XDG_CACHE_HOME", xdg, 1);
	if (home)
		setenv("HOME", home, 1);
	free(xdg);
	free(home);
	assert_string_equal(cache_result_name(CACHE_BUSY), "busy");
}

/* ---- mailboxes ------------------------------------------------------------------------------ */

struct mblist {
	size_t n;
	char names[8][64];
	uint32_t uv[8];
};

static int collect_mb(void *ctx, const struct cache_mailbox *mb)
{
	struct mblist *l = ctx;
	if (l->n < 8) {
		snprintf(l->names[l->n], sizeof l->names[0], "%s", mb->name);
		l->uv[l->n] = mb->uidvalidity;
	}
	l->n++;
	return 0;
}

static void test_mailboxes(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("work");
	struct cache_mailbox mb = {
		.name = "[Gmail]/All Mail", .name_utf8 = "[Gmail]/All Mail", .delim = '/',
		.attr = IMAP_MBOX_ALL | IMAP_MBOX_HASNOCHILDREN, .uidvalidity = 7, .uidnext = 4242,
		.exists = 4000, .unseen = 12, .highestmodseq = 0xffffffffffull, .last_sync = 1700000000,
	};
	assert_int_equal(cache_mailbox_put(c, &mb), CACHE_OK);
	/* names that look like paths, or are not text, are data */
	const char *odd[] = { "../../../etc/passwd", "..", "a/b/../../c", "\x01\xfe\xff/..",
			      "&AOk-t&AOk-" };
	for (size_t i = 0; i < N(odd); i++) {
		struct cache_mailbox o = { .name = odd[i], .uidvalidity = (uint32_t)i + 1 };
		assert_int_equal(cache_mailbox_put(c, &o), CACHE_OK);
		put_rows(t, c, odd[i], (uint32_t)i + 1, 1, 3);
		assert_int_equal(cache_body_put(c, odd[i], (uint32_t)i + 1, 1, "1", "x", 1), CACHE_OK);
	}
	struct cache_mailbox got;
	assert_int_equal(cache_mailbox_get(c, "[Gmail]/All Mail", &got), CACHE_OK);
	assert_string_equal(got.name, "[Gmail]/All Mail");
	assert_int_equal(got.delim, '/');
	assert_int_equal(got.attr, mb.attr);
	assert_int_equal(got.uidvalidity, 7);
	assert_int_equal(got.uidnext, 4242);
	assert_int_equal(got.exists, 4000);
	assert_int_equal(got.unseen, 12);
	assert_true(got.highestmodseq == 0xffffffffffull);
	assert_true(got.last_sync == 1700000000);
	assert_int_equal(cache_mailbox_get(c, "nope", &got), CACHE_NOTFOUND);
	assert_int_equal(cache_mailbox_get(c, "", &got), CACHE_INVALID);

	struct mblist l = { 0 };
	assert_int_equal(cache_mailbox_list(c, collect_mb, &l), CACHE_OK);
	assert_int_equal(l.n, 1 + N(odd));
	struct rows r = { 0 };
	assert_int_equal(cache_msgs_newest(c, "\x01\xfe\xff/..", 4, 0, 10, collect, &r), CACHE_OK);
	assert_int_equal(r.n, 3);

	/* the directory holds nothing but the account's database files */
	assert_int_equal(tcache_count_files(t->dir, ""), 2 + tcache_count_files(t->dir, "work.sqlite"));
	char probe[400];
	snprintf(probe, sizeof probe, "%s/c", t->root);
	assert_false(tcache_file_exists(probe));

	/* delete forgets rows and bodies */
	assert_int_equal(cache_mailbox_delete(c, ".."), CACHE_OK);
	assert_int_equal(cache_mailbox_get(c, "..", &got), CACHE_NOTFOUND);
	struct buf b;
	buf_init(&b, 100);
	assert_int_equal(cache_body_get(c, "..", 2, 1, "1", &b), CACHE_NOTFOUND);
	assert_int_equal(cache_mailbox_delete(c, "never-there"), CACHE_OK);
	buf_free(&b);
	cache_close(&c);
}

/* ---- message rows --------------------------------------------------------------------------- */

static void test_rows_round_trip(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("work");
	assert_int_equal(cache_mailbox_check_uidvalidity(c, "INBOX", 99), CACHE_OK);
	/* one batch of 40 rows with their own strings */
	struct cache_msg v[40];
	struct tcache ts[40];
	for (uint32_t i = 0; i < 40; i++)
		tcache_msg(&ts[i], &v[i], 10 + 2 * i); /* uids 10, 12, ... 88 */
	assert_int_equal(cache_msgs_put(c, "INBOX", 99, v, 40), CACHE_OK);

	struct fullrow f = { .t = t };
	assert_int_equal(cache_msgs_range(c, "INBOX", 99, 1, 1000, check_full, &f), CACHE_OK);
	assert_int_equal(f.n, 40);

	struct rows r = { 0 };
	assert_int_equal(cache_msgs_newest(c, "INBOX", 99, 0, 5, collect, &r), CACHE_OK);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.uid[0], 88);
	assert_int_equal(r.uid[4], 80);
	memset(&r, 0, sizeof r);
	assert_int_equal(cache_msgs_newest(c, "INBOX", 99, 38, 5, collect, &r), CACHE_OK);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.uid[1], 10);
	memset(&r, 0, sizeof r);
	assert_int_equal(cache_msgs_below(c, "INBOX", 99, 80, 3, collect, &r), CACHE_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.uid[0], 78);
	assert_int_equal(r.uid[2], 74);
	memset(&r, 0, sizeof r);
	assert_int_equal(cache_msgs_below(c, "INBOX", 99, 0, 1, collect, &r), CACHE_OK);
	assert_int_equal(r.uid[0], 88);
	memset(&r, 0, sizeof r);
	r.stop_after = 2;
	assert_int_equal(cache_msgs_range(c, "INBOX", 99, 20, 30, collect, &r), CACHE_OK);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.uid[0], 20);

	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_parse(&s, "88,9:12,50:52,7000", strlen("88,9:12,50:52,7000"),
				      SEQSET_KEEP_ORDER, 0), SEQSET_OK);
	memset(&r, 0, sizeof r);
	assert_int_equal(cache_msgs_get(c, "INBOX", 99, &s, collect, &r), CACHE_OK);
	assert_int_equal(r.n, 5);
	uint32_t want[] = { 10, 12, 50, 52, 88 };
	for (size_t i = 0; i < N(want); i++)
		assert_int_equal(r.uid[i], want[i]);

	struct cache_counts cnt;
	assert_int_equal(cache_msgs_count(c, "INBOX", 99, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 40);
	assert_int_equal(cnt.max_uid, 88);
	uint32_t unseen = 0;
	for (uint32_t i = 0; i < 40; i++)
		unseen += (v[i].flags & IMAP_FLAG_SEEN) == 0;
	assert_int_equal(cnt.unseen, unseen);

	assert_int_equal(cache_msgs_uids(c, "INBOX", 99, &s), CACHE_OK);
	assert_int_equal(seqset_count(&s), 40);
	assert_true(seqset_contains(&s, 10) && seqset_contains(&s, 88) && !seqset_contains(&s, 11));

	/* another UIDVALIDITY, or another mailbox, sees nothing */
	memset(&r, 0, sizeof r);
	assert_int_equal(cache_msgs_newest(c, "INBOX", 98, 0, 5, collect, &r), CACHE_OK);
	assert_int_equal(r.n, 0);
	assert_int_equal(cache_msgs_newest(c, "Other", 99, 0, 5, collect, &r), CACHE_OK);
	assert_int_equal(r.n, 0);
	assert_int_equal(cache_msgs_count(c, "Other", 99, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 0);

	/* invalid input */
	struct cache_msg zero = { .uid = 0, .have = CACHE_HAVE_FLAGS };
	assert_int_equal(cache_msgs_put(c, "INBOX", 99, &zero, 1), CACHE_INVALID);
	assert_int_equal(cache_msgs_put(c, "INBOX", 0, v, 1), CACHE_INVALID);
	assert_int_equal(cache_msgs_put(c, "", 99, v, 1), CACHE_INVALID);
	assert_int_equal(cache_msgs_put(c, "INBOX", 99, NULL, 0), CACHE_OK);
	seqset_free(&s);
	cache_close(&c);

	/* it all persists */
	c = tcache_open("work");
	f.n = 0;
	assert_int_equal(cache_msgs_range(c, "INBOX", 99, 1, 1000, check_full, &f), CACHE_OK);
	assert_int_equal(f.n, 40);
	cache_close(&c);
}

static void test_partial_updates(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("work");
	struct cache_msg m;
	tcache_msg(t, &m, 5);
	m.have = CACHE_HAVE_ENVELOPE;
	assert_int_equal(cache_msgs_put(c, "INBOX", 3, &m, 1), CACHE_OK);
	struct rows r = { 0 };
	assert_int_equal(cache_msgs_range(c, "INBOX", 3, 5, 5, collect, &r), CACHE_OK);
	assert_int_equal(r.have[0], CACHE_HAVE_ENVELOPE);
	assert_int_equal(r.flags[0], 0);
	assert_string_equal(r.labels[0], "");

	/* flags only: the envelope stays */
	const char *kw[] = { "$Junk", "\\Answered", "$Junk" };
	assert_int_equal(cache_msg_set_flags(c, "INBOX", 3, 5, IMAP_FLAG_FLAGGED | IMAP_FLAG_RECENT,
					     kw, 3, 77), CACHE_OK);
	const char *lb[] = { "\\Inbox", "caf\xc3\xa9" };
	assert_int_equal(cache_msg_set_labels(c, "INBOX", 3, 5, lb, 2), CACHE_OK);
	memset(&r, 0, sizeof r);
	assert_int_equal(cache_msgs_range(c, "INBOX", 3, 5, 5, collect, &r), CACHE_OK);
	assert_int_equal(r.have[0], CACHE_HAVE_ENVELOPE | CACHE_HAVE_FLAGS | CACHE_HAVE_LABELS);
	assert_int_equal(r.flags[0], IMAP_FLAG_FLAGGED); /* \Recent is not kept */
	assert_string_equal(r.kw[0], "$Junk");          /* duplicates and system flags dropped */
	assert_string_equal(r.labels[0], "\\Inbox,caf\xc3\xa9");
	assert_string_equal(r.subject[0], "Subject \xc3\xa9 5");

	/* a row made by a flags update alone */
	assert_int_equal(cache_msg_set_flags(c, "INBOX", 3, 6, IMAP_FLAG_SEEN, NULL, 0, 0), CACHE_OK);
	memset(&r, 0, sizeof r);
	assert_int_equal(cache_msgs_range(c, "INBOX", 3, 6, 6, collect, &r), CACHE_OK);
	assert_int_equal(r.have[0], CACHE_HAVE_FLAGS);
	assert_string_equal(r.subject[0], "(null)");

	/* an over-long subject is cut on a character boundary */
	char longs[3 * CACHE_MAX_FIELD];
	for (size_t i = 0; i + 2 < sizeof longs; i += 2)
		memcpy(longs + i, "\xc3\xa9", 2);
	longs[sizeof longs - 1] = '\0';
	longs[sizeof longs - 2] = 'x';
	tcache_msg(t, &m, 7);
	m.subject = longs;
	assert_int_equal(cache_msgs_put(c, "INBOX", 3, &m, 1), CACHE_OK);
	struct cache_msg *got = NULL;
	(void)got;
	sqlite3 *db = raw_open(cache_path(c));
	int64_t len = raw_int(db, "SELECT length(CAST(subject AS BLOB)) FROM messages WHERE (k & 4294967295) = 7");
	assert_true(len <= CACHE_MAX_FIELD && len >= CACHE_MAX_FIELD - 1);
	assert_int_equal(len % 2, 0);
	sqlite3_close(db);
	cache_close(&c);
}

static void test_change_and_delete(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("work");
	put_rows(t, c, "INBOX", 1, 1, 20);
	assert_int_equal(cache_body_put(c, "INBOX", 1, 4, "1", "body4", 5), CACHE_OK);
	assert_int_equal(cache_body_put(c, "INBOX", 1, 9, "TEXT", "body9", 5), CACHE_OK);
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_parse(&s, "1:5,18:*", 8, SEQSET_ALLOW_STAR, 0), SEQSET_OK);

	/* flag bits only */
	struct cache_change ch = { .flags_add = IMAP_FLAG_FLAGGED, .flags_remove = IMAP_FLAG_SEEN };
	assert_int_equal(cache_msgs_change(c, "INBOX", 1, &s, &ch), CACHE_OK);
	struct rows r = { 0 };
	assert_int_equal(cache_msgs_range(c, "INBOX", 1, 1, 20, collect, &r), CACHE_OK);
	assert_int_equal(r.n, 20);
	for (size_t i = 0; i < r.n; i++) {
		bool in = r.uid[i] <= 5 || r.uid[i] >= 18;
		if (in)
			assert_int_equal(r.flags[i], IMAP_FLAG_FLAGGED);
		else
			assert_int_equal(r.flags[i], (r.uid[i] % 3) ? IMAP_FLAG_SEEN : 0);
	}

	/* keywords and labels */
	const char *kwa[] = { "$Label1" }, *kwr[] = { "$Forwarded" };
	const char *la[] = { "New", "\\Starred" }, *lr[] = { "\\Inbox", "Absent" };
	struct cache_change ch2 = { .kw_add = kwa, .n_kw_add = 1, .kw_remove = kwr, .n_kw_remove = 1,
				    .labels_add = la, .n_labels_add = 2, .labels_remove = lr,
				    .n_labels_remove = 2, .flags_add = IMAP_FLAG_SEEN };
	seqset_clear(&s);
	assert_int_equal(seqset_add_range(&s, 7, 8), SEQSET_OK);
	assert_int_equal(cache_msgs_change(c, "INBOX", 1, &s, &ch2), CACHE_OK);
	memset(&r, 0, sizeof r);
	assert_int_equal(cache_msgs_range(c, "INBOX", 1, 6, 9, collect, &r), CACHE_OK);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.labels[0], "\\Inbox,\\Important,Work/Projects"); /* 6 untouched */
	assert_string_equal(r.labels[1], "\\Important,Work/Projects,New,\\Starred");
	assert_string_equal(r.kw[1], "$Label1");
	assert_int_equal(r.flags[1] & IMAP_FLAG_SEEN, IMAP_FLAG_SEEN);
	assert_string_equal(r.labels[2], r.labels[1]);
	assert_string_equal(r.kw[3], "$Forwarded");

	/* wrong UIDVALIDITY: nothing happens */
	assert_int_equal(cache_msgs_change(c, "INBOX", 2, &s, &ch), CACHE_OK);

	/* delete (VANISHED 3:4,9,100:200): rows and their bodies go */
	assert_int_equal(seqset_parse(&s, "3:4,9,100:200", 13, 0, 0), SEQSET_OK);
	assert_int_equal(cache_msgs_delete(c, "INBOX", 1, &s), CACHE_OK);
	struct cache_counts cnt;
	assert_int_equal(cache_msgs_count(c, "INBOX", 1, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 17);
	struct buf b;
	buf_init(&b, 100);
	assert_int_equal(cache_body_get(c, "INBOX", 1, 4, "1", &b), CACHE_NOTFOUND);
	assert_int_equal(cache_body_get(c, "INBOX", 1, 9, "TEXT", &b), CACHE_NOTFOUND);
	buf_free(&b);
	seqset_free(&s);
	cache_close(&c);
}

static void test_uidvalidity_change_drops(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("work");
	assert_int_equal(cache_mailbox_check_uidvalidity(c, "INBOX", 100), CACHE_OK);
	assert_int_equal(cache_mailbox_check_uidvalidity(c, "Sent", 100), CACHE_OK);
	put_rows(t, c, "INBOX", 100, 1, 30);
	put_rows(t, c, "Sent", 100, 1, 5);
	assert_int_equal(cache_body_put(c, "INBOX", 100, 3, "1", "hello", 5), CACHE_OK);
	struct cache_mailbox mb = { .name = "INBOX", .uidvalidity = 100, .exists = 30, .uidnext = 31 };
	assert_int_equal(cache_mailbox_put(c, &mb), CACHE_OK);

	/* unchanged: nothing dropped */
	assert_int_equal(cache_mailbox_check_uidvalidity(c, "INBOX", 100), CACHE_OK);
	struct cache_counts cnt;
	assert_int_equal(cache_msgs_count(c, "INBOX", 100, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 30);

	/* changed: the mailbox's rows and bodies go, other mailboxes stay */
	assert_int_equal(cache_mailbox_check_uidvalidity(c, "INBOX", 101), CACHE_DROPPED);
	assert_int_equal(cache_msgs_count(c, "INBOX", 101, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 0);
	assert_int_equal(cache_msgs_count(c, "INBOX", 100, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 0);
	struct buf b;
	buf_init(&b, 100);
	assert_int_equal(cache_body_get(c, "INBOX", 100, 3, "1", &b), CACHE_NOTFOUND);
	assert_int_equal(cache_body_get(c, "INBOX", 101, 3, "1", &b), CACHE_NOTFOUND);
	struct cache_mailbox got;
	assert_int_equal(cache_mailbox_get(c, "INBOX", &got), CACHE_OK);
	assert_int_equal(got.uidvalidity, 101);
	assert_int_equal(got.exists, 0);
	assert_int_equal(cache_msgs_count(c, "Sent", 100, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 5);
	sqlite3 *db = raw_open(cache_path(c));
	assert_int_equal(raw_int(db, "SELECT count(*) FROM messages"), 5);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM bodies"), 0);
	sqlite3_close(db);

	/* a late write for the old UIDVALIDITY is refused */
	struct cache_msg m;
	tcache_msg(t, &m, 1);
	assert_int_equal(cache_msgs_put(c, "INBOX", 100, &m, 1), CACHE_CONFLICT);
	assert_int_equal(cache_body_put(c, "INBOX", 100, 1, "1", "x", 1), CACHE_CONFLICT);
	assert_int_equal(cache_msgs_put(c, "INBOX", 101, &m, 1), CACHE_OK);

	/* mailbox_put with another UIDVALIDITY drops too */
	mb.uidvalidity = 102;
	assert_int_equal(cache_mailbox_put(c, &mb), CACHE_OK);
	assert_int_equal(cache_msgs_count(c, "INBOX", 102, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 0);
	assert_int_equal(cache_mailbox_check_uidvalidity(c, "INBOX", 0), CACHE_INVALID);
	buf_free(&b);
	cache_close(&c);
}

static void test_thread_rows(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("gmail");
	struct cache_msg m;
	tcache_msg(t, &m, 8); /* thrid base + 2 */
	assert_int_equal(cache_msgs_put(c, "INBOX", 1, &m, 1), CACHE_OK);
	tcache_msg(t, &m, 9);
	assert_int_equal(cache_msgs_put(c, "[Gmail]/Sent Mail", 5, &m, 1), CACHE_OK);
	tcache_msg(t, &m, 12);
	assert_int_equal(cache_msgs_put(c, "INBOX", 1, &m, 1), CACHE_OK);
	struct rows r = { 0 };
	assert_int_equal(cache_msgs_thread(c, 0xf000000000000002ull, collect_thread, &r), CACHE_OK);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.mbox[0], "INBOX");
	assert_int_equal(r.uid[0], 8);
	assert_string_equal(r.mbox[1], "[Gmail]/Sent Mail");
	assert_int_equal(r.uid[1], 9);
	assert_int_equal(cache_msgs_thread(c, 0, collect_thread, &r), CACHE_INVALID);
	cache_close(&c);
}

/* ---- bodies --------------------------------------------------------------------------------- */

static void test_bodies_and_lru(void **state)
{
	(void)state;
	struct cache_opts o = { .body_budget = 20000, .part_max = 4000 };
	struct cache *c = cache_open("work", &o);
	assert_true(cache_usable(c));
	char part[3000];
	for (size_t i = 0; i < sizeof part; i++)
		part[i] = (char)(i * 7); /* binary, NULs included */
	assert_int_equal(cache_body_put(c, "INBOX", 1, 1, "1.2", part, sizeof part), CACHE_OK);
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(cache_body_get(c, "INBOX", 1, 1, "1.2", &b), CACHE_OK);
	assert_int_equal(buf_len(&b), sizeof part);
	assert_memory_equal(buf_data(&b), part, sizeof part);
	buf_reset(&b);
	assert_int_equal(cache_body_get(c, "INBOX", 1, 1, "1.3", &b), CACHE_NOTFOUND);
	assert_int_equal(cache_body_get(c, "INBOX", 1, 2, "1.2", &b), CACHE_NOTFOUND);
	assert_int_equal(cache_body_put(c, "INBOX", 1, 1, "1.2", "new", 3), CACHE_OK); /* replace */
	assert_int_equal(cache_body_get(c, "INBOX", 1, 1, "1.2", &b), CACHE_OK);
	assert_string_equal(buf_data(&b), "new");
	assert_int_equal(cache_body_put(c, "INBOX", 1, 1, "", "x", 1), CACHE_INVALID);
	char big[4001] = { 0 };
	assert_int_equal(cache_body_put(c, "INBOX", 1, 1, "2", big, sizeof big), CACHE_TOO_BIG);
	/* an output buffer too small for the part */
	struct buf small;
	buf_init(&small, 10);
	assert_int_equal(cache_body_put(c, "INBOX", 1, 1, "3", part, 100), CACHE_OK);
	assert_int_equal(cache_body_get(c, "INBOX", 1, 1, "3", &small), CACHE_TOO_BIG);
	buf_free(&small);

	/* 20 parts of 3000 bytes into a 20000-byte budget: the oldest go */
	for (uint32_t u = 10; u < 30; u++)
		assert_int_equal(cache_body_put(c, "Archive", 1, u, "TEXT", part, sizeof part), CACHE_OK);
	uint64_t bytes = 0, parts = 0;
	assert_int_equal(cache_body_usage(c, &bytes, &parts), CACHE_OK);
	printf("bodies after LRU: %llu bytes in %llu parts (budget 20000)\n",
	       (unsigned long long)bytes, (unsigned long long)parts);
	assert_true(bytes <= 20000);
	assert_true(parts >= 5);
	buf_reset(&b);
	assert_int_equal(cache_body_get(c, "Archive", 1, 29, "TEXT", &b), CACHE_OK);
	buf_reset(&b);
	assert_int_equal(cache_body_get(c, "Archive", 1, 10, "TEXT", &b), CACHE_NOTFOUND);
	buf_free(&b);
	cache_close(&c);
}

/* ---- body structure ------------------------------------------------------------------------- */

static const char *const BODYSTRUCTURES[] = {
	"(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 3028 92)",
	"((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\" \"FORMAT\" \"flowed\") NIL NIL \"QUOTED-PRINTABLE\""
	" 1200 30 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") \"<id1@x>\" \"the \\\"html\\\""
	" part\" \"BASE64\" 4000 52 NIL (\"INLINE\" NIL) NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"b1\")"
	" NIL NIL NIL)",
	"(((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1)(\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 20 2)"
	" \"ALTERNATIVE\")(\"APPLICATION\" \"PDF\" (\"NAME\" {12}\r\nr\xc3\xa9sum\xc3\xa9.pdf) NIL NIL"
	" \"BASE64\" 99999 \"md5sum\" (\"ATTACHMENT\" (\"FILENAME*\" \"utf-8''r%C3%A9sum%C3%A9.pdf\"))"
	" (\"EN\" \"FR\") \"http://x/y\")(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 500"
	" (\"Mon, 1 Jan 2024 10:00:00 +0000\" \"=?utf-8?q?inner?=\" ((\"A\" NIL \"a\" \"x.org\"))"
	" NIL NIL ((NIL NIL \"team\" NIL)(\"B\" NIL \"b\" \"y.org\")(NIL NIL NIL NIL)) NIL NIL NIL"
	" \"<inner@x>\") (\"TEXT\" \"PLAIN\" NIL NIL NIL \"8BIT\" 40 2) 12) \"MIXED\""
	" (\"BOUNDARY\" \"outer\") (\"ATTACHMENT\" NIL) \"DE\" NIL)",
	"(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 10 NIL NIL 1)",
	"(\"IMAGE\" \"PNG\" NIL NIL NIL \"BASE64\" 5000)",
};

struct bs_ctx {
	struct buf dump, enc;
	struct mime_tree *tree;
	struct cache *c;
	uint32_t uid;
};

static void bs_response(void *ctx, const struct imap_response *r)
{
	struct bs_ctx *b = ctx;
	assert_int_equal(r->kind, IMAP_RESP_FETCH);
	assert_non_null(r->u.fetch.bodystructure);
	assert_int_equal(imap_response_dump(r, &b->dump), 0);
	assert_int_equal(cache_bodystructure_encode(r->u.fetch.bodystructure, &b->enc), 0);
	b->tree = mime_tree_from_imap(r->u.fetch.bodystructure, NULL);
	if (b->c) {
		struct cache_msg m = { .uid = b->uid, .have = CACHE_HAVE_BODYSTRUCTURE,
				       .bodystructure = r->u.fetch.bodystructure };
		assert_int_equal(cache_msgs_put(b->c, "INBOX", 1, &m, 1), CACHE_OK);
	}
}

static void parse_bs(const char *text, size_t len, struct bs_ctx *b)
{
	struct imap_parser_callbacks cb = { .response = bs_response };
	struct imap_parser *p = imap_parser_new(NULL, &cb, b);
	assert_non_null(p);
	static const char head[] = "* 1 FETCH (BODYSTRUCTURE ";
	assert_int_equal(imap_parser_feed(p, head, sizeof head - 1), IMAP_PARSE_OK);
	enum imap_parse_result pr = imap_parser_feed(p, text, len);
	if (pr == IMAP_PARSE_OK)
		pr = imap_parser_feed(p, ")\r\n", 3);
	if (pr != IMAP_PARSE_OK)
		fprintf(stderr, "parse: %s in %.*s\n", imap_parser_error(p), (int)len, text);
	imap_parser_free(&p);
	assert_int_equal(pr, IMAP_PARSE_OK);
}

static void dump_tree(const struct mime_part *p, struct buf *out)
{
	assert_int_equal(buf_printf(out, "[%s|%s/%s|%s|%s|%d|%u|%u|%s|%d]", p->section, p->type,
				    p->subtype, p->fetch, p->charset, (int)p->encoding, p->size,
				    p->lines, p->name ? p->name : "-", (int)p->disposition), BUF_OK);
	for (const struct mime_part *c = p->child; c; c = c->next)
		dump_tree(c, out);
}

static void test_bodystructure_round_trip(void **state)
{
	(void)state;
	struct cache *c = tcache_open("work");
	for (size_t i = 0; i < N(BODYSTRUCTURES); i++) {
		struct bs_ctx a = { .c = c, .uid = (uint32_t)i + 1 }, b = { 0 };
		buf_init(&a.dump, 1 << 20);
		buf_init(&a.enc, 1 << 20);
		buf_init(&b.dump, 1 << 20);
		buf_init(&b.enc, 1 << 20);
		parse_bs(BODYSTRUCTURES[i], strlen(BODYSTRUCTURES[i]), &a);
		/* the encoded text parses to the same structure, and encodes to itself */
		parse_bs(buf_data(&a.enc), buf_len(&a.enc), &b);
		assert_string_equal(buf_data(&a.dump), buf_data(&b.dump));
		assert_int_equal(buf_len(&a.enc), buf_len(&b.enc));
		assert_memory_equal(buf_data(&a.enc), buf_data(&b.enc), buf_len(&a.enc));
		/* and the MIME tree rebuilt from the cache equals the one from the server's text */
		struct mime_tree *t = NULL;
		assert_int_equal(cache_msg_mime_tree(c, "INBOX", 1, (uint32_t)i + 1, NULL, &t), CACHE_OK);
		assert_non_null(t);
		struct buf d1, d2;
		buf_init(&d1, 1 << 16);
		buf_init(&d2, 1 << 16);
		dump_tree(a.tree->root, &d1);
		dump_tree(t->root, &d2);
		assert_string_equal(buf_data(&d1), buf_data(&d2));
		assert_int_equal(t->n_parts, a.tree->n_parts);
		if (i == 2)
			assert_non_null(strstr(buf_data(&d2), "r\xc3\xa9sum\xc3\xa9.pdf"));
		mime_tree_free(&t);
		mime_tree_free(&a.tree);
		mime_tree_free(&b.tree);
		buf_free(&d1);
		buf_free(&d2);
		buf_free(&a.dump);
		buf_free(&a.enc);
		buf_free(&b.dump);
		buf_free(&b.enc);
	}
	/* a row without a structure, garbage text, a structure too deep to keep */
	struct mime_tree *t = NULL;
	assert_int_equal(cache_msg_mime_tree(c, "INBOX", 1, 999, NULL, &t), CACHE_NOTFOUND);
	assert_null(cache_bodystructure_tree("(garbage", 8, NULL));
	assert_null(cache_bodystructure_tree(")) * OK [ALERT] x\r\n* 2 FETCH (FLAGS ())", 38, NULL));
	struct imap_body deep[70];
	memset(deep, 0, sizeof deep);
	for (size_t i = 0; i < N(deep); i++) {
		deep[i].kind = i + 1 < N(deep) ? IMAP_BODY_MULTIPART : IMAP_BODY_TEXT;
		deep[i].type = (struct imap_str){ i + 1 < N(deep) ? "MULTIPART" : "TEXT", i + 1 < N(deep) ? 9 : 4 };
		deep[i].subtype = (struct imap_str){ "MIXED", 5 };
		if (i + 1 < N(deep)) {
			deep[i].parts = &deep[i + 1];
			deep[i].n_parts = 1;
		}
	}
	struct buf e;
	buf_init(&e, 1 << 16);
	assert_int_equal(buf_append_str(&e, "keep"), BUF_OK);
	assert_int_equal(cache_bodystructure_encode(&deep[0], &e), -1);
	assert_string_equal(buf_data(&e), "keep"); /* left as it was */
	buf_free(&e);
	cache_close(&c);
}

/* ---- schema --------------------------------------------------------------------------------- */

static void test_schema_mismatch_rebuilds_cache_keeps_journal(void **state)
{
	struct tcache *t = *state;
	struct cache *c = tcache_open("work");
	put_rows(t, c, "INBOX", 1, 1, 10);
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_add(&s, 3), SEQSET_OK);
	const char *args[] = { "\\Seen" };
	struct cache_jentry e = { .kind = CACHE_J_FLAGS_ADD, .mailbox = "INBOX", .uidvalidity = 1,
				  .uids = &s, .args = args, .n_args = 1 };
	int64_t id;
	assert_int_equal(cache_journal_add(c, &e, &id), CACHE_OK);
	char path[600];
	snprintf(path, sizeof path, "%s", cache_path(c));
	cache_close(&c);

	sqlite3 *db = raw_open(path);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	c = tcache_open("work");
	assert_true(cache_usable(c));
	assert_int_equal(tcache_count_files(t->dir, ".corrupt-"), 0);
	struct cache_counts cnt;
	assert_int_equal(cache_msgs_count(c, "INBOX", 1, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 0);
	size_t n = 0;
	assert_int_equal(cache_journal_claim_all(c, NULL, NULL, &n), CACHE_OK);
	assert_int_equal(n, 1);
	db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(db, "PRAGMA application_id"), CACHE_APPLICATION_ID);
	sqlite3_close(db);
	seqset_free(&s);
	cache_close(&c);
}

/* ---- scale ---------------------------------------------------------------------------------- */

static int count_only(void *ctx, const struct cache_msg *m)
{
	(void)m;
	(*(size_t *)ctx)++;
	return 0;
}

static void test_scale_100k(void **state)
{
	struct tcache *t = *state;
	enum { TOTAL = 100000, BATCH = 500 };
	struct cache *c = tcache_open("big");
	assert_int_equal(cache_mailbox_check_uidvalidity(c, "INBOX", 1), CACHE_OK);
	struct cache_msg *v = calloc(BATCH, sizeof *v);
	struct tcache *ts = calloc(BATCH, sizeof *ts);
	assert_non_null(v);
	assert_non_null(ts);
	double put_ms = 0;
	for (uint32_t base = 1; base <= TOTAL; base += BATCH) {
		for (uint32_t i = 0; i < BATCH; i++)
			tcache_msg(&ts[i], &v[i], base + i);
		double t0 = tcache_now_ms();
		assert_int_equal(cache_msgs_put(c, "INBOX", 1, v, BATCH), CACHE_OK);
		put_ms += tcache_now_ms() - t0;
	}
	/* one big batch too */
	struct cache_msg *w = calloc(10000, sizeof *w);
	assert_non_null(w);
	for (uint32_t i = 0; i < 10000; i++) {
		w[i] = v[i % BATCH];
		w[i].uid = 200000 + i;
	}
	double t0 = tcache_now_ms();
	assert_int_equal(cache_msgs_put(c, "Other", 1, w, 10000), CACHE_OK);
	double big_ms = tcache_now_ms() - t0;
	free(w);
	free(v);
	free(ts);
	char path[600];
	snprintf(path, sizeof path, "%s", cache_path(c));
	cache_close(&c);

	/* reopen cold (new handle), read the first screen */
	t0 = tcache_now_ms();
	c = tcache_open("big");
	double open_ms = tcache_now_ms() - t0;
	struct rows r = { 0 };
	t0 = tcache_now_ms();
	assert_int_equal(cache_msgs_newest(c, "INBOX", 1, 0, 100, collect, &r), CACHE_OK);
	double first_ms = tcache_now_ms() - t0;
	assert_int_equal(r.n, 100);
	assert_int_equal(r.uid[0], TOTAL);
	assert_int_equal(r.uid[99], TOTAL - 99);
	size_t n = 0;
	t0 = tcache_now_ms();
	assert_int_equal(cache_msgs_below(c, "INBOX", 1, 5000, 100, count_only, &n), CACHE_OK);
	double deep_ms = tcache_now_ms() - t0;
	assert_int_equal(n, 100);
	n = 0;
	t0 = tcache_now_ms();
	assert_int_equal(cache_msgs_newest(c, "INBOX", 1, 90000, 100, count_only, &n), CACHE_OK);
	double off_ms = tcache_now_ms() - t0;
	assert_int_equal(n, 100);
	struct cache_counts cnt;
	t0 = tcache_now_ms();
	assert_int_equal(cache_msgs_count(c, "INBOX", 1, &cnt), CACHE_OK);
	double count_ms = tcache_now_ms() - t0;
	assert_int_equal(cnt.total, TOTAL);
	struct seqset s;
	seqset_init(&s);
	t0 = tcache_now_ms();
	assert_int_equal(cache_msgs_uids(c, "INBOX", 1, &s), CACHE_OK);
	double uids_ms = tcache_now_ms() - t0;
	assert_int_equal(seqset_nranges(&s), 1);
	assert_int_equal(seqset_count(&s), TOTAL);
	seqset_free(&s);
	cache_close(&c);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	printf("cache 100k: insert %.0f ms in batches of %d (%.1f us/row); 10k in one batch %.0f ms\n",
	       put_ms, BATCH, put_ms * 1000.0 / TOTAL, big_ms);
	printf("cache 100k: open %.1f ms, newest 100 rows %.2f ms, 100 rows below uid 5000 %.2f ms,"
	       " offset 90000 %.2f ms, count %.1f ms, uid set %.1f ms\n",
	       open_ms, first_ms, deep_ms, off_ms, count_ms, uids_ms);
	printf("cache 100k: file %.1f MiB for 110k rows (%.0f bytes/row)\n",
	       (double)sb.st_size / 1048576.0, (double)sb.st_size / 110000.0);
	(void)t;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_names),
		cmocka_unit_test_setup_teardown(test_open_places_files_privately, tcache_setup,
						tcache_teardown),
		cmocka_unit_test_setup_teardown(test_disabled_handle, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_mailboxes, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_rows_round_trip, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_partial_updates, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_change_and_delete, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_uidvalidity_change_drops, tcache_setup,
						tcache_teardown),
		cmocka_unit_test_setup_teardown(test_thread_rows, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_bodies_and_lru, tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_bodystructure_round_trip, tcache_setup,
						tcache_teardown),
		cmocka_unit_test_setup_teardown(test_schema_mismatch_rebuilds_cache_keeps_journal,
						tcache_setup, tcache_teardown),
		cmocka_unit_test_setup_teardown(test_scale_100k, tcache_setup, tcache_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
