/* Unit tests for src/mail/thread (JWZ mode): base subjects, Message-ID parsing, the classic
 * threading cases, order independence, removal and change reports. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mail/thread.h"
#include "test_thread_util.h"

static struct thread_ctx *new_jwz(void)
{
	struct thread_ctx *ctx = thread_new(NULL);
	assert_non_null(ctx);
	return ctx;
}

static void add(struct thread_ctx *ctx, struct thread_msg m)
{
	assert_int_equal(thread_add(ctx, &m, 1), 0);
}

static void assert_thread(struct thread_ctx *ctx, uint64_t key, const char *want)
{
	uint32_t tid = thread_of(ctx, key);
	assert_int_not_equal(tid, THREAD_NONE);
	char *got = thread_dump_one(ctx, tid);
	if (strcmp(got, want) != 0)
		fail_msg("thread of %llu:\n%s\nwanted:\n%s", (unsigned long long)key, got, want);
	free(got);
}

/* ---- base subject ------------------------------------------------------------------------ */

static void test_base_subject(void **state)
{
	(void)state;
	static const struct {
		const char *in, *base;
		bool reply;
	} cases[] = {
		{ "foo", "foo", false },
		{ "Re: foo", "foo", true },
		{ "RE: Re: re:foo", "foo", true },
		{ "Fwd: foo", "foo", true },
		{ "FW: Re: foo", "foo", true },
		{ "AW: foo", "foo", true },
		{ "SV: Re: foo", "foo", true },
		{ "Re[2]: foo", "foo", true },
		{ "Re(3): foo", "foo", true },
		{ "Re^2: foo", "foo", true },
		{ "Re : foo", "foo", true },
		{ "[list] Re: foo", "foo", true },
		{ "Re: [list] foo", "foo", true },
		{ "[list] foo", "foo", false },
		{ "[only a blob]", "[only a blob]", false },
		{ "foo (fwd)", "foo", true },
		{ "foo (FWD)  (fwd) ", "foo", true },
		{ "[Fwd: foo]", "foo", true },
		{ "[fwd: Re: foo (fwd)]", "foo", true },
		{ "  many   spaces\tand\r\n tabs  ", "many spaces and tabs", false },
		{ "Rest of it", "Rest of it", false },
		{ "Review: later", "Review: later", false },
		{ "Re:", "", true },
		{ "", "", false },
		{ "\xe5\x9b\x9e\xe5\xa4\x8d\xef\xbc\x9a" "foo", "foo", true },
		{ "Antw: WG: foo", "foo", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[256];
		bool reply = !cases[i].reply;
		size_t n = thread_base_subject(cases[i].in, out, sizeof out, &reply);
		if (strcmp(out, cases[i].base) != 0 || reply != cases[i].reply)
			fail_msg("\"%s\" -> \"%s\" (reply %d), wanted \"%s\" (reply %d)", cases[i].in, out,
				 reply, cases[i].base, cases[i].reply);
		assert_int_equal(n, strlen(out));
	}
	char small[4];
	assert_int_equal(thread_base_subject("Re: abcdef", small, sizeof small, NULL), 3);
	assert_string_equal(small, "abc");
	assert_int_equal(thread_base_subject(NULL, small, sizeof small, NULL), 0);
	assert_string_equal(small, "");
}

/* ---- the classic cases ------------------------------------------------------------------- */

static void test_reply_chain(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_jwz();
	add(ctx, tmsg(1, "<a@x>", NULL, "Plans", 100));
	add(ctx, tmsg(2, "<b@x>", "<a@x>", "Re: Plans", 200));
	add(ctx, tmsg(3, "<c@x>", "<a@x> <b@x>", "Re: Plans", 300));
	add(ctx, tmsg(4, "<d@x>", "<a@x>", "Re: Plans", 150));
	assert_int_equal(thread_count(ctx), 1);
	/* children by date: 4 (150) before 2 (200) */
	assert_thread(ctx, 1, "1\n  4\n  2\n    3\n");
	struct thread_row row;
	assert_true(thread_row(ctx, thread_of(ctx, 3), &row));
	assert_int_equal(row.n_msgs, 4);
	assert_string_equal(row.subject, "Plans");
	assert_int_equal(row.newest_date, 300);
	assert_int_equal(row.newest_key, 3);
	thread_free(&ctx);
	assert_null(ctx);
	thread_free(&ctx); /* NULL-safe */
}

static void test_missing_parent_dummy(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_jwz();
	/* one reply to a missing message: no dummy, the reply is the top */
	add(ctx, tmsg(1, "<b@x>", "<a@x>", "Re: Lunch", 100));
	assert_thread(ctx, 1, "1\n");
	/* a second reply to the same missing message: both under a dummy */
	add(ctx, tmsg(2, "<c@x>", "<a@x>", "Re: Lunch", 200));
	assert_thread(ctx, 1, "*\n  1\n  2\n");
	struct thread_row row;
	assert_true(thread_row(ctx, thread_of(ctx, 2), &row));
	assert_int_equal(row.n_msgs, 2);
	assert_string_equal(row.subject, "Re: Lunch");
	/* the missing message arrives: the dummy is filled */
	add(ctx, tmsg(3, "<a@x>", NULL, "Lunch", 50));
	assert_thread(ctx, 1, "3\n  1\n  2\n");
	assert_int_equal(thread_count(ctx), 1);
	thread_free(&ctx);
}

static void test_missing_middle_pruned(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_jwz();
	add(ctx, tmsg(1, "<a@x>", NULL, "Trip", 100));
	/* the middle message m is never seen: its dummy is pruned, 2 and 3 move up */
	add(ctx, tmsg(2, "<b@x>", "<a@x> <m@x>", "Re: Trip", 200));
	add(ctx, tmsg(3, "<c@x>", "<a@x> <m@x>", "Re: Trip", 300));
	add(ctx, tmsg(4, "<d@x>", "<a@x> <m@x> <c@x>", "Re: Trip", 400));
	assert_thread(ctx, 1, "1\n  2\n  3\n    4\n");
	thread_free(&ctx);
}

static void test_in_reply_to_only(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_jwz();
	add(ctx, tmsg(1, "<q@x>", NULL, "Question", 100));
	struct thread_msg m = tmsg(2, "<r@x>", NULL, "Answer", 200);
	m.in_reply_to = "Your message of Tuesday <q@x> (from someone)";
	add(ctx, m);
	/* junk In-Reply-To with no id at all: stands alone */
	m = tmsg(3, "<s@x>", NULL, "Other", 300);
	m.in_reply_to = "your mail";
	add(ctx, m);
	assert_thread(ctx, 2, "1\n  2\n");
	assert_thread(ctx, 3, "3\n");
	/* References win over In-Reply-To */
	m = tmsg(4, "<t@x>", "<s@x>", "Re: Other", 400);
	m.in_reply_to = "<q@x>";
	add(ctx, m);
	assert_thread(ctx, 4, "3\n  4\n");
	thread_free(&ctx);
}

static void test_subject_grouping(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_jwz();
	/* no references at all: an original and its replies/forwards by subject */
	add(ctx, tmsg(1, "<1@x>", NULL, "Report", 100));
	add(ctx, tmsg(2, "<2@x>", NULL, "Re: Report", 300));
	add(ctx, tmsg(3, "<3@x>", NULL, "Fwd: report", 200));
	add(ctx, tmsg(4, "<4@x>", "<2@x>", "RE: Re: Report", 400));
	assert_thread(ctx, 1, "1\n  3\n  2\n    4\n");
	/* two originals with the same subject: siblings under a dummy */
	add(ctx, tmsg(5, "<5@x>", NULL, "Build failed", 500));
	add(ctx, tmsg(6, "<6@x>", NULL, "Build failed", 600));
	assert_thread(ctx, 5, "*\n  5\n  6\n");
	/* only replies: under a dummy too */
	add(ctx, tmsg(7, "<7@x>", NULL, "Re: Party", 700));
	add(ctx, tmsg(8, "<8@x>", NULL, "Re: Party", 800));
	assert_thread(ctx, 8, "*\n  7\n  8\n");
	/* the group key is the top's subject: a reply that changed subject stays with its parent */
	add(ctx, tmsg(9, "<9@x>", NULL, "Alpha", 900));
	add(ctx, tmsg(10, "<10@x>", "<9@x>", "Beta", 1000));
	add(ctx, tmsg(11, "<11@x>", NULL, "Beta", 1100));
	assert_thread(ctx, 9, "9\n  10\n");
	assert_thread(ctx, 11, "11\n");
	/* empty subjects never group */
	add(ctx, tmsg(12, "<12@x>", NULL, "", 1200));
	add(ctx, tmsg(13, "<13@x>", NULL, "Re:", 1300));
	assert_int_not_equal(thread_of(ctx, 12), thread_of(ctx, 13));
	assert_int_equal(thread_count(ctx), 7);
	thread_free(&ctx);

	struct thread_opts o = { .no_subject_grouping = true };
	ctx = thread_new(&o);
	assert_non_null(ctx);
	add(ctx, tmsg(1, "<1@x>", NULL, "Report", 100));
	add(ctx, tmsg(2, "<2@x>", NULL, "Re: Report", 300));
	assert_int_equal(thread_count(ctx), 2);
	thread_free(&ctx);
}

static void test_loops(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_jwz();
	/* A and B each name the other as parent, and a third message says A -> B -> A */
	add(ctx, tmsg(1, "<a@x>", "<b@x>", "Loop", 100));
	add(ctx, tmsg(2, "<b@x>", "<a@x>", "Re: Loop", 200));
	add(ctx, tmsg(3, "<c@x>", "<a@x> <b@x> <a@x>", "Re: Loop", 300));
	/* self references */
	add(ctx, tmsg(4, "<s@x>", "<s@x>", "Self", 400));
	struct thread_msg m = tmsg(5, "<t@x>", "<s@x> <t@x>", "Re: Self", 500);
	m.in_reply_to = "<t@x>";
	add(ctx, m);
	m = tmsg(6, "<u@x>", NULL, "Self2", 600);
	m.in_reply_to = "<u@x>";
	add(ctx, m);
	assert_int_equal(thread_check_cover(ctx, 6), 6);
	assert_int_equal(thread_of(ctx, 1), thread_of(ctx, 2));
	assert_int_equal(thread_of(ctx, 1), thread_of(ctx, 3));
	assert_thread(ctx, 4, "4\n  5\n");
	assert_thread(ctx, 6, "6\n");
	thread_free(&ctx);
}

static void test_duplicate_message_id(void **state)
{
	(void)state;
	const char *want = "1\n  2\n    4\n  3\n";
	/* 2 and 3 share an id; the reply 4 hangs under the smaller key whatever the order */
	struct thread_msg ms[] = {
		tmsg(1, "<r@x>", NULL, "Dup", 100),
		tmsg(2, "<d@x>", "<r@x>", "Re: Dup", 200),
		tmsg(3, "<d@x>", "<r@x>", "Re: Dup", 300),
		tmsg(4, "<e@x>", "<r@x> <d@x>", "Re: Dup", 400),
	};
	static const int orders[][4] = { { 0, 1, 2, 3 }, { 3, 2, 1, 0 }, { 2, 3, 0, 1 }, { 2, 0, 3, 1 } };
	for (size_t o = 0; o < 4; o++) {
		struct thread_ctx *ctx = new_jwz();
		for (int i = 0; i < 4; i++)
			add(ctx, ms[orders[o][i]]);
		assert_int_equal(thread_msg_count(ctx), 4);
		assert_thread(ctx, 1, want);
		thread_free(&ctx);
	}
}

static void test_garbage_ids(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_jwz();
	char big[3000];
	memset(big, 'x', sizeof big - 1);
	big[0] = '<';
	big[sizeof big - 2] = '>';
	big[sizeof big - 1] = '\0';
	/* a References header with far more ids than kept, junk between them */
	size_t cap = 200000, len = 0;
	char *refs = malloc(cap);
	assert_non_null(refs);
	for (int i = 0; i < 5000; i++)
		len += (size_t)snprintf(refs + len, cap - len, "junk <%d@r> <<>", i);
	struct thread_msg ms[] = {
		tmsg(1, NULL, NULL, "no id", 100),
		tmsg(2, "", NULL, "empty id", 200),
		tmsg(3, "<>", "<>", "brackets only", 300),
		tmsg(4, big, big, "too long", 400),
		tmsg(5, "bare-id@x", "<unterminated", "bare", 500),
		tmsg(6, "<folded\r\n id@x>", refs, "many refs", 600),
		tmsg(7, "<z@x>", "<folded id@x>", "Re: many refs", 700),
		tmsg(8, "<y@x>", "<bare-id@x>", "Re: bare", 800),
	};
	assert_int_equal(thread_add(ctx, ms, 8), 0);
	assert_int_equal(thread_check_cover(ctx, 8), 8);
	assert_thread(ctx, 7, "6\n  7\n");
	assert_thread(ctx, 8, "5\n  8\n");
	/* 1..4 each alone (no usable id, different subjects) */
	for (uint64_t k = 1; k <= 4; k++)
		for (uint64_t j = k + 1; j <= 4; j++)
			assert_int_not_equal(thread_of(ctx, k), thread_of(ctx, j));
	free(refs);
	thread_free(&ctx);
}

/* Random bytes with plenty of '<', '>', spaces and high bytes in every header. */
static void test_random_garbage(void **state)
{
	(void)state;
	enum { N = 2000, LEN = 48 };
	static const char alphabet[] = "<<>>  ab@.\t\r\nRe:[]()\xc3\xa9\xff\x80" "fwd";
	char (*text)[4][LEN] = malloc(N * sizeof *text);
	struct thread_msg *ms = calloc(N, sizeof *ms);
	assert_true(text && ms);
	uint64_t rng = 3;
	for (size_t i = 0; i < N; i++) {
		for (int f = 0; f < 4; f++) {
			size_t len = trand(&rng) % (LEN - 1);
			for (size_t j = 0; j < len; j++)
				text[i][f][j] = alphabet[trand(&rng) % (sizeof alphabet - 1)];
			text[i][f][len] = '\0';
		}
		ms[i] = tmsg(i + 1, text[i][0], text[i][1], text[i][3], (int64_t)(trand(&rng) % 50));
		ms[i].in_reply_to = text[i][2];
	}
	struct thread_ctx *ctx = new_jwz();
	for (size_t i = 0; i < N; i += 37)
		assert_int_equal(thread_add(ctx, ms + i, N - i < 37 ? N - i : 37), 0);
	assert_int_equal(thread_check_cover(ctx, N), N);
	uint64_t keys[N / 2];
	for (size_t i = 0; i < N / 2; i++)
		keys[i] = 2 * i + 1;
	assert_int_equal(thread_remove(ctx, keys, N / 2), 0);
	assert_int_equal(thread_check_cover(ctx, N), N - N / 2);
	thread_free(&ctx);
	free(text);
	free(ms);
}

/* ---- order independence ------------------------------------------------------------------ */

static struct thread_msg dataset[32];
static size_t n_dataset;

static void make_dataset(void)
{
	size_t n = 0;
	struct thread_msg *d = dataset;
	/* a plain thread whose root may come last */
	d[n++] = tmsg(1, "<m1@x>", NULL, "Plans", 1000);
	d[n++] = tmsg(2, "<m2@x>", "<m1@x>", "Re: Plans", 1200);
	d[n++] = tmsg(3, "<m3@x>", "<m1@x> <m2@x>", "Re: Plans", 1300);
	d[n++] = tmsg(4, "<m4@x>", "<m1@x>", "Re: Plans", 1100);
	d[n++] = tmsg(5, "<m5@x>", "<m2@x> <m3@x>", "Re: Plans", 1400); /* cut References */
	/* siblings under a missing root */
	d[n++] = tmsg(6, "<m6@x>", "<m100@x>", "Re: Lunch", 2000);
	d[n++] = tmsg(7, "<m7@x>", "<m100@x>", "Re: Lunch", 2100);
	d[n++] = tmsg(8, "<m8@x>", "<m100@x> <m7@x>", "Re: Lunch", 2200);
	/* subject only */
	d[n++] = tmsg(9, "<m9@x>", NULL, "Report", 3000);
	d[n++] = tmsg(10, "<m10@x>", NULL, "Re: Report", 3100);
	d[n++] = tmsg(11, "<m11@x>", NULL, "Fwd: Report", 3050);
	d[n++] = tmsg(12, "<m12@x>", "<m10@x>", "RE: Re: Report", 3200);
	d[n++] = tmsg(13, "<m13@x>", NULL, "Build failed", 4000);
	d[n++] = tmsg(14, "<m14@x>", NULL, "Build failed", 4100);
	/* missing middle */
	d[n++] = tmsg(15, "<m15@x>", NULL, "Trip", 5000);
	d[n++] = tmsg(16, "<m16@x>", "<m15@x> <m101@x>", "Re: Trip", 5100);
	d[n++] = tmsg(17, "<m17@x>", "<m15@x> <m101@x> <m16@x>", "Re: Trip", 5200);
	/* duplicate ids */
	d[n++] = tmsg(18, "<dup@x>", NULL, "Dup", 6000);
	d[n++] = tmsg(19, "<dup@x>", NULL, "Dup", 6000);
	d[n++] = tmsg(20, "<m20@x>", "<dup@x>", "Re: Dup", 6100);
	/* no id, no subject */
	d[n++] = tmsg(21, NULL, NULL, NULL, 7000);
	d[n++] = tmsg(22, NULL, NULL, "", 7100);
	/* a changed subject and an unrelated same-subject original */
	d[n++] = tmsg(23, "<m23@x>", NULL, "Alpha", 8000);
	d[n++] = tmsg(24, "<m24@x>", "<m23@x>", "Beta", 8100);
	d[n++] = tmsg(25, "<m25@x>", NULL, "Beta", 8200);
	/* a reply chain whose replies arrive before their parents, with a dummy root */
	d[n++] = tmsg(26, "<m26@x>", "<m102@x>", "Re: Deep", 9000);
	d[n++] = tmsg(27, "<m27@x>", "<m102@x> <m26@x>", "Re: Deep", 9100);
	d[n++] = tmsg(28, "<m28@x>", "<m102@x> <m26@x> <m27@x>", "Re: Deep", 9200);
	d[n++] = tmsg(29, "<m29@x>", "<m102@x>", "Re: Deep", 9300);
	d[n++] = tmsg(30, "<m30@x>", NULL, "Deep", 8900); /* same subject, different tree */
	n_dataset = n;
}

static void test_dataset_shape(void **state)
{
	(void)state;
	make_dataset();
	struct thread_ctx *ctx = new_jwz();
	assert_int_equal(thread_add(ctx, dataset, n_dataset), 0);
	assert_thread(ctx, 1, "1\n  4\n  2\n    3\n      5\n");
	assert_thread(ctx, 6, "*\n  6\n  7\n    8\n");
	assert_thread(ctx, 9, "9\n  11\n  10\n    12\n");
	assert_thread(ctx, 13, "*\n  13\n  14\n");
	assert_thread(ctx, 15, "15\n  16\n    17\n");
	assert_thread(ctx, 18, "*\n  18\n    20\n  19\n");
	assert_thread(ctx, 23, "23\n  24\n");
	assert_thread(ctx, 25, "25\n");
	/* the dummy-rooted tree and the "Deep" original: the original would host the other tree
	 * if its top were a message; it is a dummy (over 26 and 29), so all hang under a dummy */
	assert_thread(ctx, 30, "*\n  30\n  26\n    27\n      28\n  29\n");
	assert_int_not_equal(thread_of(ctx, 21), thread_of(ctx, 22));
	assert_int_equal(thread_count(ctx), 11);
	/* newest activity first */
	size_t n = 0;
	uint32_t *order = thread_order_all(ctx, &n);
	assert_int_equal(order[0], thread_of(ctx, 29));
	assert_int_equal(order[1], thread_of(ctx, 25));
	assert_int_equal(order[n - 1], thread_of(ctx, 4));
	free(order);
	thread_check_cover(ctx, n_dataset);
	thread_free(&ctx);
}

/* A model's view of the ids, kept from thread_changes() alone. */
static void track_changes(struct thread_ctx *ctx, unsigned char *known, size_t cap)
{
	struct thread_changes ch;
	thread_changes(ctx, &ch);
	assert_false(ch.reset);
	for (size_t i = 0; i < ch.n_gone; i++) {
		assert_true(ch.gone[i] < cap);
		known[ch.gone[i]] = 0;
	}
	for (size_t i = 0; i < ch.n_changed; i++) {
		assert_true(ch.changed[i] < cap);
		known[ch.changed[i]] = 1;
	}
}

static void assert_known_matches(struct thread_ctx *ctx, const unsigned char *known, size_t cap)
{
	size_t n = 0, live = 0;
	uint32_t *order = thread_order_all(ctx, &n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(known[order[i]], 1);
	free(order);
	for (size_t i = 0; i < cap; i++)
		live += known[i];
	assert_int_equal(live, n);
}

static void test_any_order_same_threads(void **state)
{
	(void)state;
	make_dataset();
	struct thread_ctx *ctx = new_jwz();
	assert_int_equal(thread_add(ctx, dataset, n_dataset), 0);
	char *want = thread_dump(ctx);
	thread_free(&ctx);

	uint64_t rng = 42;
	struct thread_msg perm[32];
	for (int round = 0; round < 300; round++) {
		memcpy(perm, dataset, n_dataset * sizeof *perm);
		for (size_t i = n_dataset; i > 1; i--) {
			size_t j = trand(&rng) % i;
			struct thread_msg t = perm[i - 1];
			perm[i - 1] = perm[j];
			perm[j] = t;
		}
		if (round == 0) /* exactly reversed */
			for (size_t i = 0; i < n_dataset; i++)
				perm[i] = dataset[n_dataset - 1 - i];
		ctx = new_jwz();
		unsigned char known[256] = { 0 };
		for (size_t i = 0; i < n_dataset;) {
			size_t k = 1 + trand(&rng) % 6;
			if (k > n_dataset - i)
				k = n_dataset - i;
			assert_int_equal(thread_add(ctx, perm + i, k), 0);
			/* the order is asked for between batches, as the list pane would */
			uint32_t top[3];
			(void)thread_order_get(ctx, 0, top, 3);
			if (trand(&rng) % 2)
				track_changes(ctx, known, sizeof known);
			i += k;
		}
		track_changes(ctx, known, sizeof known);
		assert_known_matches(ctx, known, sizeof known);
		char *got = thread_dump(ctx);
		if (strcmp(got, want) != 0)
			fail_msg("round %d:\n%s\nwanted:\n%s", round, got, want);
		free(got);
		thread_free(&ctx);
	}
	free(want);
}

/* ---- removal, flags, changes -------------------------------------------------------------- */

static void test_remove(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_jwz();
	add(ctx, tmsg(1, "<a@x>", NULL, "Chain", 100));
	add(ctx, tmsg(2, "<b@x>", "<a@x>", "Re: Chain", 200));
	add(ctx, tmsg(3, "<c@x>", "<a@x> <b@x>", "Re: Chain", 300));
	add(ctx, tmsg(4, "<d@x>", "<a@x> <b@x>", "Re: Chain", 400));
	struct thread_changes ch;
	thread_changes(ctx, &ch);
	uint32_t tid = thread_of(ctx, 1);

	uint64_t k = 2;
	assert_int_equal(thread_remove(ctx, &k, 1), 0);
	assert_int_equal(thread_msg_count(ctx), 3);
	assert_thread(ctx, 1, "1\n  3\n  4\n");
	assert_int_equal(thread_of(ctx, 2), THREAD_NONE);
	thread_changes(ctx, &ch);
	assert_int_equal(ch.n_changed, 1);
	assert_int_equal(ch.changed[0], tid);

	k = 1;
	assert_int_equal(thread_remove(ctx, &k, 1), 0);
	assert_thread(ctx, 3, "*\n  3\n  4\n");
	struct thread_row row;
	assert_true(thread_row(ctx, thread_of(ctx, 4), &row));
	assert_int_equal(row.n_msgs, 2);
	assert_int_equal(row.newest_key, 4);

	/* the newest goes: the activity date falls back */
	k = 4;
	assert_int_equal(thread_remove(ctx, &k, 1), 0);
	assert_true(thread_row(ctx, thread_of(ctx, 3), &row));
	assert_int_equal(row.newest_key, 3);
	assert_thread(ctx, 3, "3\n");

	/* a removed id comes back: it is threaded again */
	add(ctx, tmsg(5, "<a@x>", NULL, "Chain", 100));
	assert_thread(ctx, 5, "5\n  3\n");

	uint64_t all[] = { 3, 5, 99 };
	assert_int_equal(thread_remove(ctx, all, 3), 0);
	assert_int_equal(thread_count(ctx), 0);
	assert_int_equal(thread_msg_count(ctx), 0);
	thread_changes(ctx, &ch);
	assert_int_equal(ch.n_gone, 1);
	assert_int_equal(ch.n_changed, 0);
	uint32_t none[1];
	assert_int_equal(thread_order_get(ctx, 0, none, 1), 0);
	assert_int_equal(thread_order_pos(ctx, tid), SIZE_MAX);
	thread_free(&ctx);
}

static void test_changes_merge_and_flags(void **state)
{
	(void)state;
	struct thread_ctx *ctx = new_jwz();
	struct thread_changes ch;
	add(ctx, tmsg(1, "<b@x>", "<a@x>", "Re: One", 100));
	add(ctx, tmsg(2, "<c@x>", NULL, "Two", 200));
	thread_changes(ctx, &ch);
	assert_int_equal(ch.n_changed, 2);
	assert_int_equal(ch.n_gone, 0);
	uint32_t t1 = thread_of(ctx, 1), t2 = thread_of(ctx, 2);
	assert_int_not_equal(t1, t2);

	/* c turns out to be a reply to b: one thread survives, the other is gone */
	struct thread_msg m = tmsg(3, "<d@x>", "<a@x> <b@x> <c@x>", "Re: One", 300);
	add(ctx, m);
	assert_int_equal(thread_count(ctx), 1);
	thread_changes(ctx, &ch);
	assert_int_equal(ch.n_changed, 1);
	assert_int_equal(ch.n_gone, 1);
	assert_true(ch.changed[0] == t1 || ch.changed[0] == t2);
	assert_int_equal(ch.gone[0], ch.changed[0] == t1 ? t2 : t1);
	assert_thread(ctx, 1, "1\n  2\n    3\n");

	/* flags change the row, not the order */
	struct thread_row row;
	assert_true(thread_row(ctx, thread_of(ctx, 1), &row));
	assert_int_equal(row.n_unread, 3);
	assert_false(row.flagged);
	assert_true(thread_set_flags(ctx, 2, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED));
	assert_false(thread_set_flags(ctx, 77, 0));
	thread_changes(ctx, &ch);
	assert_int_equal(ch.n_changed, 1);
	assert_true(thread_row(ctx, thread_of(ctx, 1), &row));
	assert_int_equal(row.n_unread, 2);
	assert_true(row.flagged);
	/* unchanged flags report nothing */
	assert_true(thread_set_flags(ctx, 2, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED));
	thread_changes(ctx, &ch);
	assert_int_equal(ch.n_changed, 0);

	/* adding a known key again updates it */
	m.flags = IMAP_FLAG_SEEN;
	add(ctx, m);
	assert_true(thread_row(ctx, thread_of(ctx, 1), &row));
	assert_int_equal(row.n_unread, 1);
	assert_int_equal(thread_msg_count(ctx), 3);
	thread_free(&ctx);
}

static void test_order_by(void **state)
{
	(void)state;
	struct thread_opts o = { .order = THREAD_ORDER_KEY };
	struct thread_ctx *by_key = thread_new(&o), *by_date = new_jwz();
	assert_non_null(by_key);
	/* key 1 has the newest Date, key 3 arrived last */
	struct thread_msg ms[] = {
		tmsg(1, "<1@x>", NULL, "a", 900),
		tmsg(2, "<2@x>", NULL, "b", 500),
		tmsg(3, "<3@x>", NULL, "c", 100),
	};
	assert_int_equal(thread_add(by_key, ms, 3), 0);
	assert_int_equal(thread_add(by_date, ms, 3), 0);
	size_t n;
	uint32_t *o1 = thread_order_all(by_date, &n);
	assert_int_equal(n, 3);
	assert_int_equal(o1[0], thread_of(by_date, 1));
	assert_int_equal(o1[2], thread_of(by_date, 3));
	free(o1);
	uint32_t *o2 = thread_order_all(by_key, &n);
	assert_int_equal(o2[0], thread_of(by_key, 3));
	assert_int_equal(o2[2], thread_of(by_key, 1));
	free(o2);
	/* a reply moves its thread to the front */
	add(by_date, tmsg(4, "<4@x>", "<3@x>", "Re: c", 1000));
	o1 = thread_order_all(by_date, &n);
	assert_int_equal(n, 3);
	assert_int_equal(o1[0], thread_of(by_date, 3));
	assert_int_equal(o1[1], thread_of(by_date, 1));
	free(o1);
	assert_int_equal(thread_order_pos(by_date, thread_of(by_date, 2)), 2);
	assert_int_equal(thread_order_pos(by_date, 999), SIZE_MAX);
	thread_free(&by_key);
	thread_free(&by_date);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_subject),
		cmocka_unit_test(test_reply_chain),
		cmocka_unit_test(test_missing_parent_dummy),
		cmocka_unit_test(test_missing_middle_pruned),
		cmocka_unit_test(test_in_reply_to_only),
		cmocka_unit_test(test_subject_grouping),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_duplicate_message_id),
		cmocka_unit_test(test_garbage_ids),
		cmocka_unit_test(test_random_garbage),
		cmocka_unit_test(test_dataset_shape),
		cmocka_unit_test(test_any_order_same_threads),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_changes_merge_and_flags),
		cmocka_unit_test(test_order_by),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
