/* Unit tests for src/mail/thread: Gmail grouping (X-GM-THRID, X-GM-MSGID de-duplication),
 * thread rows (counts, participants, labels) and RFC 5256 THREAD responses. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/parser.h"
#include "mail/thread.h"
#include "test_thread_util.h"

static struct thread_ctx *new_mode(enum thread_mode mode)
{
	struct thread_opts o = { .mode = mode };
	struct thread_ctx *ctx = thread_new(&o);
	assert_non_null(ctx);
	return ctx;
}

static struct thread_msg gmsg(uint64_t key, uint64_t msgid, uint64_t thrid, int64_t date)
{
	return (struct thread_msg){
		.key = key, .gm_msgid = msgid, .gm_thrid = thrid, .date = date, .subject = "Gmail",
		.message_id = "<same-id-everywhere@x>", /* ignored in Gmail mode */
	};
}

static void add(struct thread_ctx *ctx, struct thread_msg m)
{
	assert_int_equal(thread_add(ctx, &m, 1), 0);
}

static void assert_dump(struct thread_ctx *ctx, uint64_t key, const char *want)
{
	uint32_t tid = thread_of(ctx, key);
	assert_int_not_equal(tid, THREAD_NONE);
	char *got = thread_dump_one(ctx, tid);
	if (strcmp(got, want) != 0)
		fail_msg("thread of %llu:\n%s\nwanted:\n%s", (unsigned long long)key, got, want);
	free(got);
}

/* ---- Gmail ------------------------------------------------------------------------------- */

#define ALLMAIL(uid) ((2ull << 32) | (uid))

static void test_gmail_same_message_two_folders(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_mode(THREAD_GMAIL);
	const char *inbox_labels[] = { "\\Inbox" };
	const char *all_labels[] = { "work", "\\Important", "\\Inbox" };
	struct thread_msg m = gmsg(5, 1278455344230334865ull, 900, 100);
	m.labels = inbox_labels;
	m.n_labels = 1;
	add(ctx, m);
	/* the same message seen in All Mail: another key, one message */
	m = gmsg(ALLMAIL(77), 1278455344230334865ull, 900, 100);
	m.labels = all_labels;
	m.n_labels = 3;
	m.flags = IMAP_FLAG_SEEN;
	add(ctx, m);
	assert_int_equal(thread_msg_count(ctx), 1);
	assert_int_equal(thread_count(ctx), 1);
	assert_int_equal(thread_of(ctx, 5), thread_of(ctx, ALLMAIL(77)));
	struct thread_row row;
	assert_true(thread_row(ctx, thread_of(ctx, 5), &row));
	assert_int_equal(row.n_msgs, 1);
	assert_int_equal(row.n_unread, 0); /* flags from the latest sighting */
	assert_int_equal(row.n_labels, 3);  /* union, sorted bytewise */
	assert_string_equal(row.labels[0], "\\Important");
	assert_string_equal(row.labels[1], "\\Inbox");
	assert_string_equal(row.labels[2], "work");
	assert_dump(ctx, 5, "5\n");

	/* the first key goes (archived from INBOX): the message stays under its other key */
	uint64_t k = 5;
	assert_int_equal(thread_remove(ctx, &k, 1), 0);
	assert_int_equal(thread_of(ctx, 5), THREAD_NONE);
	assert_int_not_equal(thread_of(ctx, ALLMAIL(77)), THREAD_NONE);
	assert_int_equal(thread_msg_count(ctx), 1);
	assert_dump(ctx, ALLMAIL(77), "8589934669\n");
	/* seen a third time, then the alias goes: still one message */
	add(ctx, gmsg(9, 1278455344230334865ull, 900, 100));
	k = 9;
	assert_int_equal(thread_remove(ctx, &k, 1), 0);
	assert_int_equal(thread_msg_count(ctx), 1);
	k = ALLMAIL(77);
	assert_int_equal(thread_remove(ctx, &k, 1), 0);
	assert_int_equal(thread_msg_count(ctx), 0);
	assert_int_equal(thread_count(ctx), 0);
	thread_free(&ctx);
}

static void test_gmail_threads(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_mode(THREAD_GMAIL);
	struct thread_msg ms[] = {
		gmsg(1, 11, 1266894439832287888ull, 300),
		gmsg(2, 12, 1266894439832287888ull, 100),
		gmsg(3, 13, 1266894439832287888ull, 200),
		gmsg(4, 14, 1278455344230334865ull, 250),
		gmsg(5, 15, 0, 50), /* thread id not fetched yet */
	};
	assert_int_equal(thread_add(ctx, ms, 5), 0);
	assert_int_equal(thread_count(ctx), 3);
	/* flat, oldest first; Message-IDs (all equal here) play no part */
	assert_dump(ctx, 1, "2\n3\n1\n");
	assert_dump(ctx, 4, "4\n");
	assert_dump(ctx, 5, "5\n");
	size_t n;
	uint32_t *order = thread_order_all(ctx, &n);
	assert_int_equal(n, 3);
	assert_int_equal(order[0], thread_of(ctx, 2));
	assert_int_equal(order[1], thread_of(ctx, 4));
	assert_int_equal(order[2], thread_of(ctx, 5));
	free(order);

	struct thread_changes ch;
	thread_changes(ctx, &ch);
	uint32_t lone = thread_of(ctx, 5), big = thread_of(ctx, 1);
	/* its X-GM-THRID arrives: it joins the conversation */
	add(ctx, gmsg(5, 15, 1266894439832287888ull, 50));
	assert_int_equal(thread_count(ctx), 2);
	assert_int_equal(thread_of(ctx, 5), big);
	assert_dump(ctx, 1, "5\n2\n3\n1\n");
	thread_changes(ctx, &ch);
	assert_int_equal(ch.n_gone, 1);
	assert_int_equal(ch.gone[0], lone);
	assert_int_equal(ch.n_changed, 1);
	assert_int_equal(ch.changed[0], big);
	thread_free(&ctx);
}

/* ---- rows -------------------------------------------------------------------------------- */

static void test_row_people_and_counts(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_mode(THREAD_GMAIL);
	static const struct {
		const char *name, *addr;
		uint32_t flags;
	} from[] = {
		{ "Alice", "alice@x", IMAP_FLAG_SEEN },
		{ "", "bob@x", IMAP_FLAG_SEEN },
		{ "Alice", "ALICE@X", 0 }, /* the same sender, address case differs */
		{ "Carol", "carol@x", IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED },
		{ "Dan", "dan@x", 0 },
		{ "", "erin@x", 0 },
		{ "Frank", "frank@x", IMAP_FLAG_SEEN },
		{ "Dan", "dan@x", IMAP_FLAG_SEEN },
	};
	/* dates out of key order: the row follows dates */
	static const int64_t dates[] = { 10, 20, 30, 40, 50, 60, 70, 80 };
	static const size_t keys[] = { 8, 1, 7, 2, 6, 3, 5, 4 };
	for (size_t i = 0; i < 8; i++) {
		struct thread_msg m = gmsg(keys[i], 100 + i, 42, dates[i]);
		m.from_name = from[i].name;
		m.from_addr = from[i].addr;
		m.flags = from[i].flags;
		m.subject = i == 0 ? "First" : "Re: First";
		add(ctx, m);
	}
	struct thread_row row;
	assert_true(thread_row(ctx, thread_of(ctx, 8), &row));
	assert_int_equal(row.n_msgs, 8);
	assert_int_equal(row.n_unread, 3);
	assert_true(row.flagged);
	assert_int_equal(row.newest_date, 80);
	assert_int_equal(row.newest_key, 4);
	assert_string_equal(row.subject, "First");
	/* Alice first; then the last three others by their latest message: erin, Frank, Dan */
	assert_int_equal(row.n_people, 4);
	assert_string_equal(row.people[0], "Alice");
	assert_string_equal(row.people[1], "erin@x");
	assert_string_equal(row.people[2], "Frank");
	assert_string_equal(row.people[3], "Dan");
	assert_true(row.people_more); /* bob and Carol left out */
	assert_false(thread_row(ctx, 12345, &row));

	/* two senders only: nothing left out, the first sender not repeated */
	struct thread_ctx *c2 = new_mode(THREAD_GMAIL);
	for (size_t i = 0; i < 3; i++) {
		struct thread_msg m = gmsg(i + 1, 200 + i, 43, (int64_t)i);
		m.from_name = from[i].name;
		m.from_addr = from[i].addr;
		add(c2, m);
	}
	assert_true(thread_row(c2, thread_of(c2, 1), &row));
	assert_int_equal(row.n_people, 2);
	assert_string_equal(row.people[0], "Alice");
	assert_string_equal(row.people[1], "bob@x");
	assert_false(row.people_more);
	thread_free(&c2);
	thread_free(&ctx);
}

static void test_row_labels_bounded(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_mode(THREAD_GMAIL);
	char names[40][8];
	const char *labels[40];
	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof names[i], "L%02d", 39 - i);
		labels[i] = names[i];
	}
	struct thread_msg m = gmsg(1, 1, 7, 1);
	m.labels = labels;
	m.n_labels = 20;
	add(ctx, m);
	m = gmsg(2, 2, 7, 2);
	m.labels = labels + 15;
	m.n_labels = 25;
	add(ctx, m);
	struct thread_row row;
	assert_true(thread_row(ctx, thread_of(ctx, 1), &row));
	assert_int_equal(row.n_labels, THREAD_ROW_LABELS);
	assert_true(row.labels_more);
	for (int i = 0; i < THREAD_ROW_LABELS; i++) {
		char want[8];
		snprintf(want, sizeof want, "L%02d", i);
		assert_string_equal(row.labels[i], want);
	}
	/* labels replaced on update */
	const char *one[] = { "only" };
	m = gmsg(2, 2, 7, 2);
	m.labels = one;
	m.n_labels = 1;
	add(ctx, m);
	m = gmsg(1, 1, 7, 1);
	add(ctx, m);
	assert_true(thread_row(ctx, thread_of(ctx, 1), &row));
	assert_int_equal(row.n_labels, 1);
	assert_string_equal(row.labels[0], "only");
	assert_false(row.labels_more);
	thread_free(&ctx);
}

/* ---- THREAD responses ---------------------------------------------------------------------- */

struct feed_ctx {
	struct thread_ctx *tc;
	uint64_t key_base;
	int threads;
};

static void on_response(void *p, const struct imap_response *r)
{
	struct feed_ctx *f = p;
	if (r->kind != IMAP_RESP_THREAD)
		return;
	/* converted during the callback: the response's memory is gone afterwards */
	assert_int_equal(thread_set_server(f->tc, &r->u.thread, f->key_base), 0);
	f->threads++;
}

static void feed(struct feed_ctx *f, const char *text)
{
	struct imap_parser_callbacks cb = { .response = on_response };
	struct imap_parser *p = imap_parser_new(NULL, &cb, f);
	assert_non_null(p);
	assert_int_equal(imap_parser_feed(p, text, strlen(text)), IMAP_PARSE_OK);
	imap_parser_free(&p);
}

static void test_server_rfc5256_example(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_mode(THREAD_SERVER);
	struct feed_ctx f = { .tc = ctx };
	feed(&f, "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
	assert_int_equal(f.threads, 1);
	assert_int_equal(thread_count(ctx), 2);
	assert_int_equal(thread_msg_count(ctx), 8);
	/* 3 -> 6 -> {4 -> 23, 44 -> 7 -> 96}, branches in the server's order */
	assert_dump(ctx, 96, "3\n  6\n    4\n      23\n    44\n      7\n        96\n");
	assert_dump(ctx, 2, "2\n");
	size_t total;
	struct thread_entry e[8];
	assert_int_equal(thread_walk(ctx, thread_of(ctx, 3), e, 8, &total), 0);
	assert_int_equal(total, 7);
	for (size_t i = 0; i < total; i++)
		assert_true(e[i].pending);
	assert_false(e[2].last); /* 4 has a later sibling, 44 */
	assert_true(e[4].last);
	struct thread_row row;
	assert_true(thread_row(ctx, thread_of(ctx, 3), &row));
	assert_int_equal(row.n_msgs, 7);
	assert_int_equal(row.n_pending, 7);
	assert_int_equal(row.n_unread, 0);
	assert_string_equal(row.subject, "");

	/* the envelope of 3 arrives */
	struct thread_msg m = tmsg(3, "<x@y>", NULL, "Hello", 500);
	m.from_name = "Ann";
	add(ctx, m);
	assert_true(thread_row(ctx, thread_of(ctx, 3), &row));
	assert_int_equal(row.n_pending, 6);
	assert_int_equal(row.n_unread, 1);
	assert_string_equal(row.subject, "Hello");
	assert_string_equal(row.people[0], "Ann");
	assert_int_equal(row.newest_key, 3);
	/* a message the response did not name: a thread of its own */
	add(ctx, tmsg(100, "<new@y>", "<x@y>", "Re: Hello", 600));
	assert_int_equal(thread_count(ctx), 3);
	assert_dump(ctx, 100, "100\n");

	/* a new response replaces the structure; every earlier thread is gone */
	struct thread_changes ch;
	thread_changes(ctx, &ch);
	feed(&f, "* THREAD (3 100)\r\n");
	thread_changes(ctx, &ch);
	assert_int_equal(ch.n_gone, 3);
	assert_int_equal(thread_count(ctx), 8); /* 3 -> 100; 2, 6, 4, 23, 44, 7 and 96 alone */
	assert_dump(ctx, 100, "3\n  100\n");
	thread_free(&ctx);
}

static void test_server_shapes(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_mode(THREAD_SERVER);
	/* ((3)(5)): siblings under a missing parent; (7 7 0 8): duplicates and 0 ignored;
	 * (1 (9)(4)): branches kept in the server's order */
	static const uint32_t n3[] = { 3 }, n5[] = { 5 }, n78[] = { 7, 7, 0, 8 }, n1[] = { 1 },
			      n9[] = { 9 }, n4[] = { 4 };
	struct imap_thread sub35[] = { { 1, n3, 0, NULL }, { 1, n5, 0, NULL } };
	struct imap_thread sub94[] = { { 1, n9, 0, NULL }, { 1, n4, 0, NULL } };
	struct imap_thread top[] = {
		{ 0, NULL, 2, sub35 },
		{ 4, n78, 0, NULL },
		{ 1, n1, 2, sub94 },
	};
	struct imap_resp_thread resp = { 3, top };
	assert_int_equal(thread_set_server(ctx, &resp, 1000), 0);
	assert_dump(ctx, 1003, "*\n  1003\n  1005\n");
	assert_dump(ctx, 1007, "1007\n  1008\n");
	assert_dump(ctx, 1001, "1001\n  1009\n  1004\n");
	assert_int_equal(thread_msg_count(ctx), 7);
	assert_int_equal(thread_check_cover(ctx, 1010), 7);
	/* an empty response: every message alone */
	struct imap_resp_thread none = { 0, NULL };
	assert_int_equal(thread_set_server(ctx, &none, 0), 0);
	assert_int_equal(thread_count(ctx), 7);
	thread_free(&ctx);

	/* only in THREAD_SERVER mode */
	ctx = new_mode(THREAD_JWZ);
	assert_int_equal(thread_set_server(ctx, &resp, 0), -1);
	thread_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gmail_same_message_two_folders),
		cmocka_unit_test(test_gmail_threads),
		cmocka_unit_test(test_row_people_and_counts),
		cmocka_unit_test(test_row_labels_bounded),
		cmocka_unit_test(test_server_rfc5256_example),
		cmocka_unit_test(test_server_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
