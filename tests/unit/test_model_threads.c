/* test_model_threads — thread rows wired to the model: Gmail X-GM-THRID grouping and the whole
 * conversation from the \All folder on the background connection; client-side JWZ over the
 * loaded envelopes (with References fetched); server THREAD=REFERENCES over the loaded UIDs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "imap/response.h"
#include "test_model_util.h"

static const char *const gmail_list[] = {
	"(\\HasNoChildren) \"/\" \"INBOX\"",
	"(\\Noselect \\HasChildren) \"/\" \"[Gmail]\"",
	"(\\HasNoChildren \\All) \"/\" \"[Gmail]/All Mail\"",
	"(\\HasNoChildren \\Sent) \"/\" \"[Gmail]/Sent Mail\"",
	NULL,
};

static const char *const plain_list[] = {
	"(\\HasNoChildren) \"/\" INBOX",
	NULL,
};

/* INBOX: six messages, two conversations; uid = seq; 1,3,5 in thread 111, 2,4,6 in 222. */
static bool gen_gmail(void *ctx, uint32_t n, bool uid, struct mf_msg *m)
{
	(void)ctx;
	uint32_t u = n;
	if (uid && n >= 10) {
		/* All Mail: the conversation 222 with a sent reply (uid 15) */
		static const uint32_t seqs[] = {10, 12, 14, 15};
		bool ok = false;
		for (size_t i = 0; i < 4; i++)
			ok |= seqs[i] == n;
		if (!ok)
			return false;
		m->seq = n;
		m->uid = n;
		m->thrid = 222;
		m->subject = n == 15 ? "Re: plans" : "plans";
		m->from_name = n == 15 ? "Me" : "Ann";
		m->flags = "\\Seen";
		m->date = 1700000000 + (int64_t)n * 100;
		return true;
	}
	if (u < 1 || u > 6)
		return false;
	m->seq = u;
	m->uid = u;
	m->thrid = u % 2 ? 111 : 222;
	m->subject = u % 2 ? "lunch" : "plans";
	m->from_name = u <= 2 ? "Ann" : u <= 4 ? "Bob" : "Cy";
	m->flags = u == 6 || u == 3 ? "" : "\\Seen";
	m->date = 1700000000 + (int64_t)u * 100;
	return true;
}

static void test_gmail_threads(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1 X-GM-EXT-1 LIST-EXTENDED SPECIAL-USE", NULL);
	mf_list(&f, gmail_list, 6);
	struct view *v = mf_open(&f, "INBOX", VIEW_THREADS, 6, 1);
	view_want(v, 0, 10);
	mf_expect_prefix(&f, 0, "FETCH 1:6 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE "
				"X-GM-MSGID X-GM-THRID X-GM-LABELS)");
	/* the fake consumed it: ask for it to be answered by sending the view a fresh window */
	view_close(&v);
	v = mf_reopen(&f, "INBOX", VIEW_THREADS);
	view_want(v, 0, 10);
	mf_answer_fetches(&f, 0, gen_gmail, NULL);
	mf_spin(&f);
	assert_int_equal(view_count(v), 2);
	assert_false(view_more(v));
	struct view_row r;
	assert_true(view_row(v, 0, &r)); /* 222 has the newest message (6) */
	assert_true(r.loaded);
	assert_int_equal(r.n_msgs, 3);
	assert_int_equal(r.n_unread, 1);
	assert_int_equal(r.uid, 6);
	assert_string_equal(r.subject, "plans");
	assert_false(r.flags & IMAP_FLAG_SEEN);
	assert_true(r.n_people >= 2);
	assert_true(view_row(v, 1, &r));
	assert_int_equal(r.n_msgs, 3);
	assert_int_equal(r.n_unread, 1);
	assert_int_equal(view_find_uid(v, 3), 1);
	/* read elsewhere: the thread row follows */
	mf_reply(&f, 0, "* 6 FETCH (FLAGS (\\Seen))\r\n");
	mf_spin(&f);
	assert_true(view_row(v, 0, &r));
	assert_int_equal(r.n_unread, 0);
	assert_true(r.flags & IMAP_FLAG_SEEN);
	/* expunged elsewhere: the thread shrinks and the order changes */
	mf_reply(&f, 0, "* 6 EXPUNGE\r\n");
	mf_spin(&f);
	assert_int_equal(view_count(v), 2);
	assert_true(view_row(v, 0, &r));
	assert_int_equal(r.uid, 5); /* 111's newest (5) is now the newest */
	assert_true(view_row(v, 1, &r));
	assert_int_equal(r.n_msgs, 2);

	/* the conversation comes from All Mail on the background connection */
	struct view *cv = view_open_thread(v, 1);
	assert_non_null(cv);
	mf_spin(&f);
	const char *tag = mf_expect_prefix(&f, 1, "EXAMINE \"[Gmail]/All Mail\"");
	mf_reply(&f, 1, "* 40 EXISTS\r\n* OK [UIDVALIDITY 3] x\r\n%s OK [READ-ONLY] examined\r\n", tag);
	tag = mf_expect_prefix(&f, 1, "UID SEARCH X-GM-THRID 222");
	mf_reply(&f, 1, "* SEARCH 10 12 14 15\r\n%s OK\r\n", tag);
	assert_int_equal(view_state(cv), VIEW_READY);
	assert_int_equal(view_count(cv), 4);
	view_want(cv, 0, 10);
	mf_answer_fetches(&f, 1, gen_gmail, NULL);
	assert_true(mf_row_loaded(cv, 0, 4));
	assert_true(view_row(cv, 0, &r)); /* oldest first */
	assert_int_equal(r.uid, 10);
	assert_true(view_row(cv, 3, &r));
	assert_int_equal(r.uid, 15);
	assert_string_equal(r.from, "Me");
	mf_expect_nothing(&f, 0); /* the foreground stayed on INBOX */
	view_close(&cv);

	/* messages mode again */
	view_set_mode(v, VIEW_MESSAGES);
	assert_int_equal(view_count(v), 5);
	assert_true(view_row(v, 0, &r));
	assert_int_equal(r.uid, 5);
	view_close(&v);
	mf_stop(&f);
}

/* JWZ: 1 <a>; 2 replies to 1; 3 unrelated; 4 replies to 2 (References <a> <b>). */
static bool gen_jwz(void *ctx, uint32_t n, bool uid, struct mf_msg *m)
{
	(void)ctx;
	(void)uid;
	static const char *ids[] = {"<a@x>", "<b@x>", "<c@x>", "<d@x>"};
	static const char *irt[] = {NULL, "<a@x>", NULL, "<b@x>"};
	static const char *refs[] = {"", "<a@x>", "", "<a@x> <b@x>"};
	static const char *subj[] = {"plan", "Re: plan", "other", "Re: plan"};
	if (n < 1 || n > 4)
		return false;
	m->seq = m->uid = n;
	m->msgid = ids[n - 1];
	m->irt = irt[n - 1];
	m->refs = refs[n - 1];
	m->subject = subj[n - 1];
	m->from_name = "P";
	m->flags = "\\Seen";
	m->date = 1700000000 + (int64_t)n * 100;
	return true;
}

static void test_jwz(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1", NULL);
	mf_list(&f, plain_list, 4);
	struct view *v = mf_open(&f, "INBOX", VIEW_THREADS, 4, 1);
	view_want(v, 0, 10);
	const char *out = mf_pending(&f, 0);
	assert_non_null(strstr(out, "FETCH 1:4 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE "
				    "BODY.PEEK[HEADER.FIELDS (References)])"));
	mf_answer_fetches(&f, 0, gen_jwz, NULL);
	mf_spin(&f);
	assert_int_equal(view_count(v), 2);
	struct view_row r;
	assert_true(view_row(v, 0, &r));
	assert_int_equal(r.n_msgs, 3);
	assert_string_equal(r.subject, "plan");
	struct view *cv = view_open_thread(v, 0);
	assert_non_null(cv);
	mf_spin(&f);
	mf_expect_nothing(&f, 0); /* everything is loaded already */
	assert_int_equal(view_state(cv), VIEW_READY);
	assert_int_equal(view_count(cv), 3);
	unsigned depth[3];
	uint32_t uids[3];
	for (size_t p = 0; p < 3; p++) {
		assert_true(view_row(cv, p, &r));
		assert_true(r.loaded);
		depth[p] = r.depth;
		uids[p] = r.uid;
	}
	assert_int_equal(uids[0], 1);
	assert_int_equal(uids[1], 2);
	assert_int_equal(uids[2], 4);
	assert_int_equal(depth[0], 0);
	assert_int_equal(depth[1], 1);
	assert_int_equal(depth[2], 2);
	view_close(&cv);
	view_close(&v);
	mf_stop(&f);
}

/* Server threading over what is loaded. */
static void test_server_thread(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1 THREAD=REFERENCES", NULL);
	mf_list(&f, plain_list, 4);
	struct view *v = mf_open(&f, "INBOX", VIEW_THREADS, 4, 1);
	view_want(v, 0, 10);
	mf_answer_fetches(&f, 0, gen_jwz, NULL);
	mf_spin(&f);
	const char *tag = mf_expect_prefix(&f, 0, "UID THREAD REFERENCES UTF-8 UID 1:4");
	mf_reply(&f, 0, "* THREAD (1 2 4)(3)\r\n%s OK threaded\r\n", tag);
	mf_spin(&f);
	assert_int_equal(view_count(v), 2);
	struct view_row r;
	assert_true(view_row(v, 0, &r));
	assert_int_equal(r.n_msgs, 3);
	assert_true(view_row(v, 1, &r));
	assert_int_equal(r.n_msgs, 1);
	assert_string_equal(r.subject, "other");
	view_close(&v);
	mf_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gmail_threads),
		cmocka_unit_test(test_jwz),
		cmocka_unit_test(test_server_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
