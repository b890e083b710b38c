/* test_model — the mail model over a fake server: lazy opening of a huge mailbox, batching
 * on the wire, sequence bookkeeping under EXPUNGE/EXISTS storms, live flag changes, search views,
 * switching mailboxes, opening a message. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "imap/ops.h"
#include "imap/response.h"
#include "imap/seqset.h"
#include "loop.h"
#include "mail/cache.h"
#include "mail/account_int.h"
#include "test_model_util.h"

static const char *const dovecot_list[] = {
	"(\\HasNoChildren) \"/\" INBOX",
	"(\\HasNoChildren \\Sent) \"/\" Sent",
	"(\\HasNoChildren \\Trash) \"/\" Trash",
	NULL,
};

/* A mailbox the fake server holds: uid per sequence number. */
struct box {
	uint32_t *uid;
	size_t n, cap;
	uint32_t next_uid;
	const char *seen_flag;
};

static void box_init(struct box *b, size_t n)
{
	memset(b, 0, sizeof *b);
	b->cap = n + 100000;
	b->uid = malloc(b->cap * sizeof *b->uid);
	assert_non_null(b->uid);
	for (size_t i = 0; i < n; i++)
		b->uid[i] = (uint32_t)(i * 2 + 1); /* gaps, as after deletions */
	b->n = n;
	b->next_uid = (uint32_t)(n * 2 + 1);
}

static void box_free(struct box *b)
{
	free(b->uid);
}

static char subj_buf[64][64];

static bool gen_box(void *ctx, uint32_t n, bool uid, struct mf_msg *m)
{
	struct box *b = ctx;
	size_t seq = 0;
	if (uid) {
		for (size_t i = 0; i < b->n; i++)
			if (b->uid[i] == n)
				seq = i + 1;
	} else {
		seq = n;
	}
	if (seq == 0 || seq > b->n)
		return false;
	m->seq = (uint32_t)seq;
	m->uid = b->uid[seq - 1];
	char *s = subj_buf[m->uid % 64];
	snprintf(s, 64, "Subject %u", m->uid);
	m->subject = s;
	m->from_name = "Sender";
	m->flags = b->seen_flag ? b->seen_flag : "\\Seen";
	return true;
}

/* Every loaded row shows the message the server has at that position. */
static void check_rows(struct view *v, const struct box *b)
{
	assert_int_equal(view_count(v), b->n);
	for (size_t p = 0; p < b->n; p++) {
		struct view_row r;
		assert_true(view_row(v, p, &r));
		if (r.loaded) {
			if (r.uid != b->uid[b->n - 1 - p])
				fail_msg("row %zu: uid %u, server %u", p, r.uid, b->uid[b->n - 1 - p]);
			char want[64];
			snprintf(want, sizeof want, "Subject %u", r.uid);
			assert_string_equal(r.subject, want);
		}
	}
}

static struct view *open_box(struct mf *f, struct box *b, uint32_t exists)
{
	box_init(b, exists);
	mf_list(f, dovecot_list, exists);
	struct view *v = mf_open(f, "INBOX", VIEW_MESSAGES, exists, 7);
	return v;
}

/* Opening a 100,000-message mailbox asks for the window and the margin only. */
static void test_open_lazy(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1 LIST-EXTENDED SPECIAL-USE", NULL);
	struct box b;
	struct view *v = open_box(&f, &b, 100000);
	mf_expect_nothing(&f, 0); /* nothing per message before the UI asks */
	assert_int_equal(view_count(&*v), 100000);
	struct view_row r;
	assert_true(view_row(v, 0, &r));
	assert_false(r.loaded);

	view_want(v, 0, 20);
	const char *out = mf_pending(&f, 0);
	assert_non_null(strstr(out, " FETCH 99981:100000 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)\r\n"));
	assert_non_null(strstr(out, " FETCH 99971:99980 ("));
	assert_null(strstr(out, "FETCH 1:"));
	assert_null(strstr(out, "*"));
	assert_int_equal(mf_answer_fetches(&f, 0, gen_box, &b), 2);
	assert_true(mf_row_loaded(v, 0, 30));
	assert_true(view_row(v, 0, &r));
	assert_int_equal(r.uid, b.uid[99999]);
	assert_string_equal(r.from, "Sender");
	assert_int_equal(r.n_msgs, 1);
	assert_true(view_row(v, 30, &r));
	assert_false(r.loaded);
	/* 100,000 rows, 30 loaded: a few pages and records, not 100,000 of anything */
	size_t mem = mbx_mem_usage(&v->t);
	print_message("table memory with 100,000 rows, 30 loaded: %zu bytes\n", mem);
	assert_true(mem < 100 * 1024);
	view_close(&v);
	box_free(&b);
	mf_stop(&f);
}

/* Scrolling asks only for what is missing, coalesced; a wide window goes out in batches. */
static void test_scroll_batches(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1", NULL);
	struct box b;
	struct view *v = open_box(&f, &b, 1000);
	view_want(v, 0, 20);
	assert_int_equal(mf_answer_fetches(&f, 0, gen_box, &b), 2); /* rows 0..29 */
	view_want(v, 25, 20); /* rows 25..44: 30..44 missing, then margin 45..54 and 15..24 loaded */
	mf_expect_prefix(&f, 0, "FETCH 956:970 ");
	const char *out = mf_pending(&f, 0);
	assert_non_null(strstr(out, " FETCH 946:955 ("));
	view_want(v, 25, 20); /* asking again while in flight sends nothing more */
	assert_string_equal(mf_pending(&f, 0), out);
	mf_answer_fetches(&f, 0, gen_box, &b);
	view_close(&v);

	/* a 70-row window: batches of 20 */
	v = mf_reopen(&f, "INBOX", VIEW_MESSAGES);
	view_want(v, 100, 70);
	mf_expect_prefix(&f, 0, "FETCH 881:900 ");
	mf_expect_prefix(&f, 0, "FETCH 861:880 ");
	mf_expect_prefix(&f, 0, "FETCH 841:860 ");
	mf_expect_prefix(&f, 0, "FETCH 831:840 ");
	view_close(&v);
	box_free(&b);
	mf_stop(&f);
}

/* EXPUNGE and EXISTS at any time: every loaded row stays the server's message at its position,
 * and the UI is told each shift once. */
static void test_storm(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1", NULL);
	struct box b;
	struct view *v = open_box(&f, &b, 2000);
	f.shadow_view = v;
	view_want(v, 0, 40);
	mf_answer_fetches(&f, 0, gen_box, &b);
	view_want(v, 1500, 40);
	mf_answer_fetches(&f, 0, gen_box, &b);
	check_rows(v, &b);
	size_t n0 = b.n;
	f.shadow_shift = 0;
	srand(42);
	for (int round = 0; round < 600; round++) {
		int what = rand() % 10;
		if (what < 6 && b.n > 1) {
			/* expunge: often near the loaded rows */
			size_t seq;
			if (rand() % 2)
				seq = b.n - (size_t)(rand() % 50);
			else
				seq = 1 + (size_t)rand() % b.n;
			memmove(&b.uid[seq - 1], &b.uid[seq], (b.n - seq) * sizeof b.uid[0]);
			b.n--;
			mf_reply(&f, 0, "* %zu EXPUNGE\r\n", seq);
		} else if (what < 9) {
			size_t k = 1 + (size_t)rand() % 5;
			for (size_t i = 0; i < k; i++)
				b.uid[b.n++] = b.next_uid++;
			mf_reply(&f, 0, "* %zu EXISTS\r\n", b.n);
		} else {
			/* a burst of expunges from the top in one read, as after a big delete */
			char burst[4096];
			size_t off = 0;
			for (int i = 0; i < 20 && b.n > 1; i++) {
				size_t seq = b.n;
				b.n--;
				off += (size_t)snprintf(burst + off, sizeof burst - off, "* %zu EXPUNGE\r\n", seq);
			}
			mf_reply(&f, 0, "%s", burst);
		}
		if (rand() % 3 == 0)
			view_want(v, 0, 40);
		if (rand() % 2 == 0)
			mf_answer_fetches(&f, 0, gen_box, &b);
		if (round % 50 == 0)
			check_rows(v, &b);
	}
	view_want(v, 0, 40);
	mf_answer_fetches(&f, 0, gen_box, &b);
	check_rows(v, &b);
	assert_true(mf_row_loaded(v, 0, 40));
	assert_false(f.shadow_reset);
	assert_int_equal((long)b.n - (long)n0, f.shadow_shift);
	view_close(&v);
	box_free(&b);
	mf_stop(&f);
}

/* A flag change from another client (unsolicited FETCH) updates the row and says which. */
static void test_flags_live(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1", NULL);
	struct box b;
	struct view *v = open_box(&f, &b, 500);
	view_want(v, 0, 20);
	mf_answer_fetches(&f, 0, gen_box, &b);
	struct view_row r;
	assert_true(view_row(v, 10, &r));
	assert_int_equal(r.flags & (IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED), IMAP_FLAG_SEEN);
	mf_clear_changes(&f);
	mf_reply(&f, 0, "* 490 FETCH (FLAGS (\\Flagged $Work))\r\n");
	assert_true(view_row(v, 10, &r));
	assert_int_equal(r.flags & (IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED), IMAP_FLAG_FLAGGED);
	assert_int_equal(r.n_labels, 1);
	assert_string_equal(r.labels[0], "$Work");
	bool told = false;
	for (size_t i = 0; i < f.n_changes; i++)
		if ((f.log[i].what & MODEL_ROWS) && f.log[i].view == v && f.log[i].first == 10 &&
		    f.log[i].count == 1)
			told = true;
	assert_true(told);
	/* the unread count of INBOX is refreshed a moment later, on the background connection */
	loop_run_once(f.loop, 1500);
	mf_spin(&f);
	const char *tag = mf_expect_prefix(&f, 1, "STATUS INBOX (MESSAGES UIDVALIDITY UNSEEN)");
	mf_reply(&f, 1, "* STATUS INBOX (MESSAGES 500 UNSEEN 42 UIDVALIDITY 7)\r\n%s OK\r\n", tag);
	struct folder_info fi;
	assert_true(account_folder(f.a, 0, &fi));
	assert_int_equal(fi.unread, 42);
	assert_int_equal(fi.total, 500);
	/* and optimistic changes (triage) update every view of the folder */
	assert_true(view_set_flags(v, b.uid[489], IMAP_FLAG_SEEN, IMAP_FLAG_FLAGGED));
	assert_true(view_row(v, 10, &r));
	assert_int_equal(r.flags & (IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED), IMAP_FLAG_SEEN);
	assert_true(view_hide(v, b.uid[489], true));
	assert_int_equal(view_count(v), 499);
	assert_true(view_row(v, 10, &r));
	assert_int_equal(r.uid, b.uid[488]);
	assert_true(view_hide(v, b.uid[489], false));
	assert_true(view_row(v, 10, &r));
	assert_int_equal(r.uid, b.uid[489]);
	view_close(&v);
	box_free(&b);
	mf_stop(&f);
}

/* Opening another mailbox detaches the first: its fetches are forgotten, nothing breaks. */
static void test_switch_mailbox(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1", NULL);
	struct box b;
	struct view *v = open_box(&f, &b, 300);
	view_want(v, 0, 20);
	struct view *w = view_open(f.a, "Sent", VIEW_MESSAGES);
	mf_spin(&f);
	assert_int_equal(view_state(v), VIEW_DETACHED);
	assert_int_equal(view_state(w), VIEW_OPENING);
	/* the FETCHes in flight still get answered; then the SELECT goes out */
	mf_answer_fetches(&f, 0, gen_box, &b);
	assert_false(mf_row_loaded(v, 0, 1));
	const char *tag = mf_expect_prefix(&f, 0, "SELECT Sent");
	mf_reply(&f, 0, "* 5 EXISTS\r\n* OK [UIDVALIDITY 9] x\r\n%s OK selected\r\n", tag);
	assert_int_equal(view_state(w), VIEW_READY);
	assert_int_equal(view_count(w), 5);
	view_close(&v);
	view_close(&w);
	box_free(&b);
	mf_stop(&f);
}

/* Search views: Gmail's syntax as X-GM-RAW, elsewhere translated; rows fetched by UID. */
static void test_search(void **state)
{
	(void)state;
	for (int gmail = 0; gmail < 2; gmail++) {
		struct mf f;
		mf_start(&f, gmail ? "IMAP4rev1 X-GM-EXT-1" : "IMAP4rev1", NULL);
		struct box b;
		struct view *v = open_box(&f, &b, 100);
		char err[256];
		if (!gmail) {
			assert_null(view_search(f.a, NULL, "in:inbox", VIEW_MESSAGES, err, sizeof err));
			assert_true(strlen(err) > 0);
		}
		struct view *s = view_search(f.a, NULL, "from:ann", VIEW_MESSAGES, err, sizeof err);
		assert_non_null(s);
		mf_spin(&f);
		const char *tag = mf_expect_prefix(&f, 0, gmail ? "UID SEARCH X-GM-RAW from:ann"
							: "UID SEARCH FROM ann");
		mf_reply(&f, 0, "* SEARCH %u %u %u\r\n%s OK\r\n", b.uid[2], b.uid[6], b.uid[8], tag);
		assert_int_equal(view_state(s), VIEW_READY);
		assert_int_equal(view_count(s), 3);
		view_want(s, 0, 10);
		char want[64];
		snprintf(want, sizeof want, "UID FETCH %u,%u,%u ", b.uid[2], b.uid[6], b.uid[8]);
		assert_int_equal(mf_answer_fetches(&f, 0, gen_box, &b), 1);
		(void)want;
		struct view_row r;
		assert_true(view_row(s, 0, &r));
		assert_true(r.loaded);
		assert_int_equal(r.uid, b.uid[8]); /* newest first */
		assert_true(view_row(s, 2, &r));
		assert_int_equal(r.uid, b.uid[2]);
		/* an expunge in the mailbox removes the row from the search too */
		mf_reply(&f, 0, "* 7 EXPUNGE\r\n");
		assert_int_equal(view_count(s), 2);
		view_close(&s);
		view_close(&v);
		box_free(&b);
		mf_stop(&f);
	}
}

/* Opening a message fetches its structure, then only the part shown, with PEEK. */
static void test_message(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1", NULL);
	struct box b;
	struct view *v = open_box(&f, &b, 10);
	struct message *m = message_open(v, 19);
	assert_non_null(m);
	assert_int_equal(message_info(m)->state, MESSAGE_LOADING);
	mf_spin(&f);
	const char *tag = mf_expect_prefix(&f, 0, "UID FETCH 19 (UID ENVELOPE BODYSTRUCTURE)");
	mf_reply(&f, 0,
		 "* 10 FETCH (UID 19 ENVELOPE (\"Mon, 1 Jan 2024 10:00:00 +0000\" \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\" "
		 "((\"=?ISO-8859-1?Q?Andr=E9?=\" NIL \"andre\" \"example.fr\")) NIL NIL "
		 "((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL \"<m@x>\") BODYSTRUCTURE "
		 "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\" \"FORMAT\" \"flowed\") NIL NIL \"QUOTED-PRINTABLE\" 60 2 NIL NIL NIL NIL)"
		 "(\"APPLICATION\" \"PDF\" (\"NAME\" \"../../etc/passwd.pdf\") NIL NIL \"BASE64\" 1000 NIL "
		 "(\"ATTACHMENT\" (\"FILENAME\" \"../../etc/passwd.pdf\")) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b\") NIL NIL NIL))\r\n"
		 "%s OK\r\n",
		 tag);
	tag = mf_expect_prefix(&f, 0, "UID FETCH 19 (UID BODY.PEEK[1]<0.262144>)");
	const char *body = "Hi Andr=C3=A9, see https://example.com/x. and =\r\nmore\r\n";
	mf_reply(&f, 0, "* 10 FETCH (UID 19 BODY[1]<0> {%zu}\r\n%s)\r\n%s OK\r\n", strlen(body), body, tag);
	const struct message_info *mi = message_info(m);
	assert_int_equal(mi->state, MESSAGE_READY);
	assert_string_equal(mi->subject, "Grüße");
	assert_string_equal(mi->from, "André <andre@example.fr>");
	assert_string_equal(mi->to, "bob@example.com");
	assert_non_null(strstr(mi->text, "Hi André, see https://example.com/x. and more"));
	assert_false(mi->more);
	assert_int_equal(mi->n_attachments, 1);
	assert_string_equal(mi->attachments[0].name, "passwd.pdf");
	assert_string_equal(mi->attachments[0].type, "application/pdf");
	assert_string_equal(mi->attachments[0].section, "2");
	assert_int_equal(mi->n_links, 1);
	assert_string_equal(mi->links[0], "https://example.com/x");
	message_close(&m);
	view_close(&v);
	box_free(&b);
	mf_stop(&f);
}

/* Account status words for the status line. */
static void test_status(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1 IDLE", NULL);
	struct account_status st;
	account_status(f.a, &st);
	assert_int_equal(st.state, ACCOUNT_READY);
	assert_string_equal(account_state_name(ACCOUNT_RECONNECTING), "reconnecting");
	assert_string_equal(st.error, "");
	mf_list(&f, dovecot_list, 3);
	assert_int_equal(account_folder_count(f.a), 3);
	assert_string_equal(account_special_folder(f.a, FOLDER_SENT), "Sent");
	assert_null(account_special_folder(f.a, FOLDER_ALL));
	mf_stop(&f);
}

/* With the cache: the first open writes rows through; the next open shows them before the
 * server answers, and afterwards asks the server for UIDs and flags only. */
static void test_cache(void **state)
{
	(void)state;
	char dir[] = "/tmp/skua-model-cache-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct cache_opts co = {.dir = dir};
	struct cache *cache = cache_open("model-test", &co);
	assert_non_null(cache);
	assert_true(cache_usable(cache));
	struct account_opts o;
	account_opts_init(&o);
	o.batch = 20;
	o.prefetch = 0;
	o.fill_batch = 0;
	o.cache = cache;

	struct mf f;
	mf_start(&f, "IMAP4rev1", &o);
	struct box b;
	struct view *v = open_box(&f, &b, 100);
	view_want(v, 0, 20);
	mf_expect_prefix(&f, 0, "FETCH 81:100 (UID FLAGS)");
	/* answer it: the cache has nothing, so the rows are fetched by UID */
	const char *tag = f.c[0].tag;
	char t[32];
	snprintf(t, sizeof t, "%s", tag);
	struct buf rep;
	buf_init(&rep, 1 << 20);
	for (uint32_t seq = 81; seq <= 100; seq++)
		assert_int_equal(buf_printf(&rep, "* %u FETCH (UID %u FLAGS (\\Seen))\r\n", seq, b.uid[seq - 1]), BUF_OK);
	assert_int_equal(buf_printf(&rep, "%s OK\r\n", t), BUF_OK);
	mf_reply(&f, 0, "%s", buf_data(&rep));
	buf_free(&rep);
	assert_false(mf_row_loaded(v, 0, 1));
	assert_non_null(strstr(mf_pending(&f, 0), "UID FETCH 161,163,165,"));
	assert_int_equal(mf_answer_fetches(&f, 0, gen_box, &b), 1);
	assert_true(mf_row_loaded(v, 0, 20));
	view_close(&v);
	mf_stop(&f);

	/* a new start: rows from the cache before SELECT is answered */
	mf_start(&f, "IMAP4rev1", &o);
	mf_list(&f, dovecot_list, 100);
	v = view_open(f.a, "INBOX", VIEW_MESSAGES);
	assert_non_null(v);
	assert_int_equal(view_count(v), 100);
	view_want(v, 0, 20);
	assert_true(mf_row_loaded(v, 0, 20));
	struct view_row r;
	assert_true(view_row(v, 0, &r));
	assert_int_equal(r.uid, b.uid[99]);
	char want[64];
	snprintf(want, sizeof want, "Subject %u", b.uid[99]);
	assert_string_equal(r.subject, want);
	assert_true(view_row(v, 20, &r));
	assert_false(r.loaded);
	mf_spin(&f);
	tag = mf_expect_prefix(&f, 0, "SELECT INBOX");
	snprintf(t, sizeof t, "%s", tag);
	mf_reply(&f, 0, "* 100 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 101] x\r\n%s OK\r\n", t);
	assert_true(mf_row_loaded(v, 0, 20)); /* still shown while the UIDs are checked */
	/* the check: UIDs and flags; the envelopes come from the cache, nothing else is fetched */
	b.seen_flag = "\\Flagged";
	size_t answered = mf_answer_fetches(&f, 0, gen_box, &b);
	/* the window's check, then (no CONDSTORE) the background flag resync of the cached UIDs */
	assert_int_equal(answered, 2);
	mf_expect_nothing(&f, 0);
	assert_true(mf_row_loaded(v, 0, 20));
	assert_true(view_row(v, 0, &r));
	assert_int_equal(r.flags & (IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED), IMAP_FLAG_FLAGGED);
	assert_string_equal(r.subject, want);
	view_close(&v);
	mf_stop(&f);
	box_free(&b);
	char path[512];
	snprintf(path, sizeof path, "%s", cache_path(cache));
	cache_close(&cache);
	const char *suffix[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		char p[600];
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* ---- flag resync on reopen (mailbox_cache.c) ---------------------------------------------- */

struct rs_env {
	char dir[64];
	struct cache *cache;
	struct account_opts o;
};

/* A cache that knows INBOX (UIDVALIDITY 7, UIDs 1..n, all \Seen) as of mod-sequence modseq. */
static void rs_env_init(struct rs_env *e, uint32_t n, uint64_t modseq)
{
	snprintf(e->dir, sizeof e->dir, "/tmp/skua-model-rs-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	struct cache_opts co = {.dir = e->dir};
	e->cache = cache_open("model-rs", &co);
	assert_non_null(e->cache);
	assert_true(cache_usable(e->cache));
	struct cache_mailbox mb = {.name = "INBOX", .name_utf8 = "INBOX", .delim = '/',
				   .uidvalidity = 7, .uidnext = n + 1, .exists = n,
				   .highestmodseq = modseq};
	assert_int_equal(cache_mailbox_put(e->cache, &mb), CACHE_OK);
	struct cache_msg *ms = calloc(n, sizeof *ms);
	char (*subj)[32] = calloc(n, sizeof *subj);
	assert_non_null(ms);
	assert_non_null(subj);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(subj[i], sizeof subj[i], "Cached %u", i + 1);
		ms[i].uid = i + 1;
		ms[i].have = CACHE_HAVE_FLAGS | CACHE_HAVE_META | CACHE_HAVE_ENVELOPE;
		ms[i].flags = IMAP_FLAG_SEEN;
		ms[i].internaldate = 1000 + i;
		ms[i].date = 1000 + i;
		ms[i].subject = subj[i];
		ms[i].from_name = "Someone";
		ms[i].from_addr = "someone@example.org";
	}
	assert_int_equal(cache_msgs_put(e->cache, "INBOX", 7, ms, n), CACHE_OK);
	free(ms);
	free(subj);
	account_opts_init(&e->o);
	e->o.batch = 20;
	e->o.prefetch = 0;
	e->o.fill_batch = 0;
	e->o.cache = e->cache;
}

static void rs_env_free(struct rs_env *e)
{
	char path[512];
	snprintf(path, sizeof path, "%s", cache_path(e->cache));
	cache_close(&e->cache);
	const char *suffix[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		char p[600];
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
	rmdir(e->dir);
}

struct rs_seen {
	uint32_t uid, flags;
	bool found;
};

static int rs_get_one(void *ctx, const struct cache_msg *m)
{
	struct rs_seen *s = ctx;
	if (m->uid == s->uid) {
		s->found = true;
		s->flags = m->flags;
	}
	return 0;
}

/* The cached flags of uid; false when the cache has no such row. */
static bool rs_cached(struct cache *c, uint32_t uid, uint32_t *flags)
{
	struct seqset set;
	seqset_init(&set);
	assert_int_equal(seqset_add(&set, uid), SEQSET_OK);
	struct rs_seen s = {.uid = uid};
	assert_int_equal(cache_msgs_get(c, "INBOX", 7, &set, rs_get_one, &s), CACHE_OK);
	seqset_free(&set);
	*flags = s.flags;
	return s.found;
}

static uint64_t rs_modseq(struct cache *c)
{
	struct cache_mailbox mb;
	assert_int_equal(cache_mailbox_get(c, "INBOX", &mb), CACHE_OK);
	return mb.highestmodseq;
}

/* "* seq FETCH (UID uid FLAGS (\Seen))" for seq lo..hi, uid = uid_of(seq), then the tagged OK */
static void rs_answer_uids(struct mf *f, const char *tag, uint32_t lo, uint32_t hi,
			   uint32_t (*uid_of)(uint32_t seq))
{
	char t[32];
	snprintf(t, sizeof t, "%s", tag);
	struct buf b;
	buf_init(&b, 1 << 20);
	for (uint32_t q = lo; q <= hi; q++)
		assert_int_equal(buf_printf(&b, "* %u FETCH (UID %u FLAGS (\\Seen))\r\n", q, uid_of(q)),
				 BUF_OK);
	assert_int_equal(buf_printf(&b, "%s OK\r\n", t), BUF_OK);
	mf_reply(f, 0, "%s", buf_data(&b));
	buf_free(&b);
}

static uint32_t same_uid(uint32_t seq)
{
	return seq;
}

/* CONDSTORE (no QRESYNC): SELECT (CONDSTORE), then UID FETCH 1:* ... (CHANGEDSINCE stored). Only
 * the changed messages answer; they reach the cache, the provisional rows and the loaded rows;
 * the new HIGHESTMODSEQ is stored once it ended. */
static void test_resync_changedsince(void **state)
{
	(void)state;
	struct rs_env e;
	rs_env_init(&e, 100, 100);
	struct mf f;
	mf_start(&f, "IMAP4rev1 CONDSTORE", &e.o);
	mf_list(&f, dovecot_list, 100);
	struct view *v = view_open(f.a, "INBOX", VIEW_MESSAGES);
	assert_non_null(v);
	view_want(v, 0, 20);
	assert_true(mf_row_loaded(v, 0, 20)); /* from the cache, before the server answers */
	mf_spin(&f);
	char t[32];
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "SELECT INBOX (CONDSTORE)"));
	mf_reply(&f, 0, "* 100 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 101] x\r\n"
			"* OK [HIGHESTMODSEQ 120] x\r\n%s OK [READ-WRITE] done\r\n", t);
	/* the window first (a UID command in flight would hold sequence-number FETCHes back) */
	char rt[32], wt[32];
	snprintf(wt, sizeof wt, "%s", mf_expect_prefix(&f, 0, "FETCH 81:100 (UID FLAGS)"));
	snprintf(rt, sizeof rt, "%s",
		 mf_expect_prefix(&f, 0, "UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE 100)"));
	mf_expect_nothing(&f, 0);
	/* the window's check first: rows filled from the cache */
	rs_answer_uids(&f, wt, 81, 100, same_uid);
	assert_true(mf_row_loaded(v, 0, 20));
	struct view_row r;
	assert_true(view_row(v, 0, &r));
	assert_int_equal(r.uid, 100);
	assert_int_equal(r.flags & (IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED), IMAP_FLAG_SEEN);
	assert_int_equal(v->rs_done, 0);
	/* two messages changed while skua was closed: one shown, one not loaded */
	mf_reply(&f, 0, "* 100 FETCH (UID 100 FLAGS (\\Flagged) MODSEQ (110))\r\n"
			"* 5 FETCH (UID 5 FLAGS (\\Seen \\Answered) MODSEQ (115))\r\n%s OK\r\n", rt);
	assert_int_equal(v->rs_done, 3); /* 1 + the two FETCH responses */
	assert_true(view_row(v, 0, &r));
	assert_int_equal(r.flags & (IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED), IMAP_FLAG_FLAGGED);
	uint32_t fl;
	assert_true(rs_cached(e.cache, 100, &fl));
	assert_int_equal(fl, IMAP_FLAG_FLAGGED);
	assert_true(rs_cached(e.cache, 5, &fl));
	assert_int_equal(fl, IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED);
	assert_true(rs_cached(e.cache, 6, &fl));
	assert_int_equal(fl, IMAP_FLAG_SEEN);
	assert_int_equal(rs_modseq(e.cache), 120);
	mf_expect_nothing(&f, 0);
	view_close(&v);
	mf_stop(&f);

	/* again with nothing changed since: no resync command at all */
	mf_start(&f, "IMAP4rev1 CONDSTORE", &e.o);
	mf_list(&f, dovecot_list, 100);
	v = view_open(f.a, "INBOX", VIEW_MESSAGES);
	mf_spin(&f);
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "SELECT INBOX (CONDSTORE)"));
	mf_reply(&f, 0, "* 100 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 101] x\r\n"
			"* OK [HIGHESTMODSEQ 120] x\r\n%s OK done\r\n", t);
	mf_expect_nothing(&f, 0);
	assert_int_equal(v->rs_done, 1);
	view_close(&v);
	mf_stop(&f);
	rs_env_free(&e);
}

static void rs_enabled(void *ctx, const struct imap_strings_result *r)
{
	*(int *)ctx = r->op.status == IMAP_OP_OK ? 1 : -1;
}

static uint32_t qr_uid(uint32_t seq)
{
	return seq < 90 ? seq : seq + 2; /* 90 and 91 vanished */
}

/* QRESYNC: SELECT ... (QRESYNC (uidvalidity modseq)); the changes and VANISHED (EARLIER) come with
 * it and reach the cache; no further resync command. Live VANISHED of UIDs the table never learnt
 * is placed by UID order without rebuilding the table. */
static void test_resync_qresync(void **state)
{
	(void)state;
	struct rs_env e;
	rs_env_init(&e, 100, 100);
	struct mf f;
	mf_start(&f, "IMAP4rev1 ENABLE CONDSTORE QRESYNC", &e.o);
	mf_list(&f, dovecot_list, 98);
	static const char *const qr[] = {"QRESYNC"};
	int en = 0;
	assert_true(imap_op_enable(f.c[0].s, qr, 1, rs_enabled, &en) > 0);
	mf_spin(&f);
	char t[32];
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "ENABLE QRESYNC"));
	mf_reply(&f, 0, "* ENABLED QRESYNC\r\n%s OK\r\n", t);
	assert_int_equal(en, 1);
	struct view *v = view_open(f.a, "INBOX", VIEW_MESSAGES);
	assert_non_null(v);
	f.shadow_view = v;
	view_want(v, 0, 20);
	mf_spin(&f);
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "SELECT INBOX (QRESYNC (7 100))"));
	mf_reply(&f, 0, "* 98 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 101] x\r\n"
			"* OK [HIGHESTMODSEQ 130] x\r\n* VANISHED (EARLIER) 90:91\r\n"
			"* 97 FETCH (UID 99 FLAGS (\\Flagged $Work) MODSEQ (125))\r\n%s OK done\r\n", t);
	assert_int_equal(v->rs_done, 2);
	uint32_t fl;
	assert_false(rs_cached(e.cache, 90, &fl));
	assert_false(rs_cached(e.cache, 91, &fl));
	assert_true(rs_cached(e.cache, 99, &fl));
	assert_int_equal(fl, IMAP_FLAG_FLAGGED);
	assert_true(rs_cached(e.cache, 89, &fl));
	assert_int_equal(rs_modseq(e.cache), 130);
	/* only the window's check follows: EXISTS told the sequence numbers */
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "FETCH 79:98 (UID FLAGS)"));
	mf_expect_nothing(&f, 0);
	rs_answer_uids(&f, t, 79, 98, qr_uid);
	assert_true(mf_row_loaded(v, 0, 20));
	struct view_row r;
	assert_true(view_row(v, 1, &r));
	assert_int_equal(r.uid, 99);
	assert_string_equal(r.subject, "Cached 99");
	/* live: UID 50 (never learnt) and UID 95 (shown at position 5) go */
	f.shadow_reset = false;
	mf_reply(&f, 0, "* VANISHED 50,95\r\n");
	assert_false(f.shadow_reset);
	assert_int_equal(view_count(v), 96);
	assert_true(mf_row_loaded(v, 0, 19));
	assert_true(view_row(v, 5, &r));
	assert_int_equal(r.uid, 94);
	assert_true(view_row(v, 4, &r));
	assert_int_equal(r.uid, 96);
	assert_false(rs_cached(e.cache, 95, &fl));
	view_close(&v);
	mf_stop(&f);
	rs_env_free(&e);
}

/* No CONDSTORE: the cached UIDs are asked again in the background, newest first, one small batch
 * at a time, only while nothing else of the view is in flight; what did not answer leaves the
 * cache; closing the view cancels it. */
static void test_resync_full(void **state)
{
	(void)state;
	struct rs_env e;
	rs_env_init(&e, 600, 0);
	struct mf f;
	mf_start(&f, "IMAP4rev1", &e.o);
	mf_list(&f, dovecot_list, 600);
	struct view *v = view_open(f.a, "INBOX", VIEW_MESSAGES);
	view_want(v, 0, 20);
	mf_spin(&f);
	char t[32];
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "SELECT INBOX"));
	assert_null(strstr(f.c[0].line, "CONDSTORE"));
	mf_reply(&f, 0, "* 600 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 601] x\r\n%s OK\r\n", t);
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "FETCH 581:600 (UID FLAGS)"));
	mf_expect_nothing(&f, 0); /* the resync waits for what the user looks at */
	rs_answer_uids(&f, t, 581, 600, same_uid);
	assert_true(mf_row_loaded(v, 0, 20));
	char rt[32];
	snprintf(rt, sizeof rt, "%s", mf_expect_prefix(&f, 0, "UID FETCH 401:600 (UID FLAGS)"));
	/* the user scrolls while it is in flight: the visible rows are planned at once and go
	 * out as soon as that one small batch ends (RFC 3501 5.5: a sequence-number FETCH does
	 * not join a UID command in flight) */
	view_want(v, 100, 20);
	mf_expect_nothing(&f, 0);
	/* the resync batch answers: UID 400 is gone, 600 was flagged elsewhere */
	struct buf b;
	buf_init(&b, 1 << 20);
	for (uint32_t u = 401, q = 401; u <= 600; u++, q++) {
		if (u == 450) {
			q--;
			continue;
		}
		assert_int_equal(buf_printf(&b, "* %u FETCH (UID %u FLAGS (%s))\r\n", q, u,
					    u == 600 ? "\\Flagged" : "\\Seen"), BUF_OK);
	}
	assert_int_equal(buf_printf(&b, "%s OK\r\n", rt), BUF_OK);
	mf_reply(&f, 0, "%s", buf_data(&b));
	buf_free(&b);
	uint32_t fl;
	assert_false(rs_cached(e.cache, 450, &fl));
	assert_true(rs_cached(e.cache, 449, &fl));
	assert_true(rs_cached(e.cache, 600, &fl));
	assert_int_equal(fl, IMAP_FLAG_FLAGGED);
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "FETCH 481:500 (UID FLAGS)"));
	mf_expect_nothing(&f, 0); /* the visible batch is in flight: no next resync batch */
	rs_answer_uids(&f, t, 481, 500, same_uid);
	snprintf(rt, sizeof rt, "%s", mf_expect_prefix(&f, 0, "UID FETCH 201:400 (UID FLAGS)"));
	assert_int_equal(v->rs_done, 0);
	assert_int_equal(rs_modseq(e.cache), 0);
	/* closing the view cancels the rest */
	view_close(&v);
	mf_reply(&f, 0, "* 5 FETCH (UID 105 FLAGS ())\r\n%s OK\r\n", rt);
	mf_expect_nothing(&f, 0);
	assert_true(rs_cached(e.cache, 105, &fl));
	assert_int_equal(fl, IMAP_FLAG_SEEN);
	mf_stop(&f);
	rs_env_free(&e);
}

/* UIDVALIDITY changed: the cache of that mailbox is dropped and the rows come from the server. */
static void test_resync_uidvalidity(void **state)
{
	(void)state;
	struct rs_env e;
	rs_env_init(&e, 30, 50);
	struct mf f;
	mf_start(&f, "IMAP4rev1 CONDSTORE", &e.o);
	mf_list(&f, dovecot_list, 30);
	struct view *v = view_open(f.a, "INBOX", VIEW_MESSAGES);
	view_want(v, 0, 20);
	assert_true(mf_row_loaded(v, 0, 20));
	mf_spin(&f);
	char t[32];
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "SELECT INBOX (CONDSTORE)"));
	mf_reply(&f, 0, "* 30 EXISTS\r\n* OK [UIDVALIDITY 8] x\r\n* OK [UIDNEXT 31] x\r\n"
			"* OK [HIGHESTMODSEQ 60] x\r\n%s OK\r\n", t);
	struct cache_mailbox mb;
	assert_int_equal(cache_mailbox_get(e.cache, "INBOX", &mb), CACHE_OK);
	assert_int_equal(mb.uidvalidity, 8);
	assert_int_equal(mb.highestmodseq, 60);
	struct cache_counts cnt;
	assert_int_equal(cache_msgs_count(e.cache, "INBOX", 8, &cnt), CACHE_OK);
	assert_int_equal(cnt.total, 0);
	/* no resync (nothing cached); the window is checked, then fetched whole by UID */
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "FETCH 11:30 (UID FLAGS)"));
	mf_expect_nothing(&f, 0);
	assert_false(mf_row_loaded(v, 0, 1));
	rs_answer_uids(&f, t, 11, 30, same_uid);
	mf_expect_prefix(&f, 0, "UID FETCH 11:30 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE");
	view_close(&v);
	mf_stop(&f);
	rs_env_free(&e);
}

static uint32_t sort_box[8];
static size_t sort_n;

static bool gen_sorted(void *ctx, uint32_t n, bool uid, struct mf_msg *m)
{
	(void)ctx;
	(void)uid;
	if (n < 1 || n > sort_n)
		return false;
	m->seq = n;
	m->uid = sort_box[n - 1];
	char *s = subj_buf[m->uid % 64];
	snprintf(s, 64, "Subject %u", m->uid);
	m->subject = s;
	m->flags = "\\Seen";
	return true;
}

/* Server SORT when asked for and offered: the order is the server's, EXPUNGE keeps it, new
 * mail asks for it again. */
static void test_sort(void **state)
{
	(void)state;
	struct account_opts o;
	account_opts_init(&o);
	o.batch = 20;
	o.prefetch = 0;
	o.fill_batch = 0;
	o.sort = true;
	struct mf f;
	mf_start(&f, "IMAP4rev1 SORT ESEARCH", &o);
	mf_list(&f, dovecot_list, 5);
	for (uint32_t i = 0; i < 5; i++)
		sort_box[i] = i + 1;
	sort_n = 5;
	struct view *v = mf_open(&f, "INBOX", VIEW_MESSAGES, 5, 7);
	const char *tag = mf_expect_prefix(&f, 0, "UID SEARCH RETURN (ALL) ALL");
	char t[32];
	snprintf(t, sizeof t, "%s", tag);
	mf_reply(&f, 0, "* ESEARCH (TAG \"%s\") UID ALL 1:5\r\n%s OK\r\n", t, t);
	tag = mf_expect_prefix(&f, 0, "UID SORT (REVERSE DATE) UTF-8 ALL");
	snprintf(t, sizeof t, "%s", tag);
	mf_reply(&f, 0, "* SORT 3 1 5 2 4\r\n%s OK\r\n", t);
	assert_int_equal(view_count(v), 5);
	view_want(v, 0, 5);
	assert_int_equal(mf_answer_fetches(&f, 0, gen_sorted, NULL), 1);
	static const uint32_t want1[] = {3, 1, 5, 2, 4};
	struct view_row r;
	for (size_t p = 0; p < 5; p++) {
		assert_true(view_row(v, p, &r));
		assert_true(r.loaded);
		assert_int_equal(r.uid, want1[p]);
	}
	assert_int_equal(view_find_uid(v, 5), 2);
	/* uid 1 (sequence 1) goes */
	memmove(sort_box, sort_box + 1, 4 * sizeof sort_box[0]);
	sort_n = 4;
	mf_reply(&f, 0, "* 1 EXPUNGE\r\n");
	assert_int_equal(view_count(v), 4);
	assert_true(view_row(v, 1, &r));
	assert_int_equal(r.uid, 5);
	/* new mail: the order is asked for again */
	sort_box[sort_n++] = 6;
	mf_reply(&f, 0, "* 5 EXISTS\r\n");
	tag = mf_expect_prefix(&f, 0, "UID SEARCH RETURN (ALL) ALL");
	snprintf(t, sizeof t, "%s", tag);
	mf_reply(&f, 0, "* ESEARCH (TAG \"%s\") UID ALL 2:6\r\n%s OK\r\n", t, t);
	tag = mf_expect_prefix(&f, 0, "UID SORT");
	snprintf(t, sizeof t, "%s", tag);
	mf_reply(&f, 0, "* SORT 6 3 5 2 4\r\n%s OK\r\n", t);
	assert_int_equal(view_count(v), 5);
	view_want(v, 0, 5);
	mf_answer_fetches(&f, 0, gen_sorted, NULL);
	assert_true(view_row(v, 0, &r));
	assert_true(r.loaded);
	assert_int_equal(r.uid, 6);
	assert_true(view_row(v, 4, &r));
	assert_int_equal(r.uid, 4);
	view_close(&v);
	mf_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_lazy),
		cmocka_unit_test(test_scroll_batches),
		cmocka_unit_test(test_storm),
		cmocka_unit_test(test_flags_live),
		cmocka_unit_test(test_switch_mailbox),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_resync_changedsince),
		cmocka_unit_test(test_resync_qresync),
		cmocka_unit_test(test_resync_full),
		cmocka_unit_test(test_resync_uidvalidity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
