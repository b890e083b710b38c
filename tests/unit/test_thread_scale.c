/* Scale tests for src/mail/thread: a 100,000-deep reply chain (no recursion), 100,000 random
 * messages in shuffled batches (same threads as all at once). Times are printed, not asserted. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "mail/thread.h"
#include "test_thread_util.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

enum { DEEP = 100000 };

static void check_chain(struct thread_ctx *ctx, size_t n)
{
	assert_int_equal(thread_count(ctx), 1);
	size_t total = 0;
	uint32_t tid = thread_of(ctx, 1);
	struct thread_entry *e = calloc(n + 1, sizeof *e);
	assert_non_null(e);
	assert_int_equal(thread_walk(ctx, tid, e, n + 1, &total), 0);
	assert_int_equal(total, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(e[i].key, i + 1);
		assert_int_equal(e[i].depth, i);
		assert_true(e[i].last);
		assert_false(e[i].dummy);
	}
	free(e);
	struct thread_row row;
	assert_true(thread_row(ctx, tid, &row));
	assert_int_equal(row.n_msgs, n);
	assert_string_equal(row.subject, "Deep");
}

static void test_deep_chain(void **state)
{
	(void)state;
	char (*ids)[24] = malloc((size_t)DEEP * sizeof *ids);
	struct thread_msg *ms = calloc(DEEP, sizeof *ms);
	assert_non_null(ids);
	assert_non_null(ms);
	for (int i = 0; i < DEEP; i++)
		snprintf(ids[i], sizeof ids[i], "<c%d@x>", i);
	for (int i = 0; i < DEEP; i++) {
		ms[i] = tmsg((uint64_t)i + 1, ids[i], NULL, i ? "Re: Deep" : "Deep", 1000 + i);
		ms[i].in_reply_to = i ? ids[i - 1] : NULL;
	}

	/* in order, one batch */
	struct thread_ctx *ctx = thread_new(NULL);
	assert_non_null(ctx);
	double t0 = now_ms();
	assert_int_equal(thread_add(ctx, ms, DEEP), 0);
	double t1 = now_ms();
	check_chain(ctx, DEEP);
	double t2 = now_ms();
	print_message("thread: %d-deep chain: add %.1f ms, walk+row %.1f ms\n", DEEP, t1 - t0, t2 - t1);
	/* a message in the middle goes: its children move up one level */
	uint64_t mid = DEEP / 2;
	assert_int_equal(thread_remove(ctx, &mid, 1), 0);
	size_t total = 0;
	assert_int_equal(thread_walk(ctx, thread_of(ctx, 1), NULL, 0, &total), 0);
	assert_int_equal(total, DEEP - 1);
	thread_free(&ctx);

	/* newest first, in batches of 1000: every parent arrives after its child */
	ctx = thread_new(NULL);
	assert_non_null(ctx);
	t0 = now_ms();
	for (int end = DEEP; end > 0; end -= 1000) {
		int start = end >= 1000 ? end - 1000 : 0;
		/* inside a batch, newest first too */
		struct thread_msg rev[1000];
		for (int i = start; i < end; i++)
			rev[end - 1 - i] = ms[i];
		assert_int_equal(thread_add(ctx, rev, (size_t)(end - start)), 0);
		struct thread_changes ch;
		thread_changes(ctx, &ch);
	}
	t1 = now_ms();
	check_chain(ctx, DEEP);
	print_message("thread: %d-deep chain newest first: add %.1f ms\n", DEEP, t1 - t0);
	thread_free(&ctx);
	free(ms);
	free(ids);
}

/* ---- random mailbox ---------------------------------------------------------------------- */

struct gen {
	struct thread_msg *ms;
	char *text;       /* 256 bytes per message: id, subject, references */
	int32_t *parent;  /* -1 for a root */
	uint32_t *topic;
	bool *missing;
	size_t n;
};

enum { SLOT = 256, MAX_REFS_GEN = 8 };

static const char *const names[] = { "Ann", "Bob", "", "Cleo", "Dag", "", "Eve", "Fay" };

static void gen_random(struct gen *g, size_t n, uint64_t seed)
{
	uint64_t rng = seed;
	g->n = n;
	g->ms = calloc(n, sizeof *g->ms);
	g->text = malloc(n * SLOT);
	g->parent = malloc(n * sizeof *g->parent);
	g->topic = malloc(n * sizeof *g->topic);
	g->missing = calloc(n, sizeof *g->missing);
	assert_true(g->ms && g->text && g->parent && g->topic && g->missing);
	static char addrs[64][24];
	for (int i = 0; i < 64; i++)
		snprintf(addrs[i], sizeof addrs[i], "p%d@example.org", i);
	for (size_t i = 0; i < n; i++) {
		char *id = g->text + i * SLOT, *subj = id + 32, *refs = id + 80;
		snprintf(id, 32, "<r%zu@gen>", i);
		uint64_t r = trand(&rng);
		if (i == 0 || r % 100 < 30) {
			g->parent[i] = -1;
			g->topic[i] = (uint32_t)(trand(&rng) % (n / 4 + 1));
			snprintf(subj, 48, "Topic %u", g->topic[i]);
		} else {
			size_t back = 1 + trand(&rng) % (i < 3000 ? i : 3000);
			g->parent[i] = (int32_t)(i - back);
			g->topic[i] = g->topic[i - back];
			snprintf(subj, 48, "%sTopic %u", r % 7 ? "Re: " : "Fwd: ", g->topic[i]);
		}
		g->missing[i] = trand(&rng) % 100 < 3;
		/* References: up to 8 nearest ancestors, oldest first */
		int32_t anc[MAX_REFS_GEN];
		int na = 0;
		for (int32_t p = g->parent[i]; p >= 0 && na < MAX_REFS_GEN; p = g->parent[p])
			anc[na++] = p;
		size_t len = 0;
		refs[0] = '\0';
		for (int k = na; k-- > 0;)
			len += (size_t)snprintf(refs + len, SLOT - 80 - len, "%s<r%d@gen>", len ? " " : "", anc[k]);
		uint64_t who = trand(&rng) % 64;
		g->ms[i] = (struct thread_msg){
			.key = i + 1, .message_id = id, .references = na ? refs : NULL, .subject = subj,
			.date = 1600000000 + (int64_t)i * 60 + (int64_t)(trand(&rng) % 600),
			.from_name = names[who % 8], .from_addr = addrs[who],
			.flags = trand(&rng) % 3 ? IMAP_FLAG_SEEN : 0,
		};
	}
}

static void gen_free(struct gen *g)
{
	free(g->ms);
	free(g->text);
	free(g->parent);
	free(g->topic);
	free(g->missing);
}

/* The messages that exist (not missing), in key order or shuffled. */
static struct thread_msg *present(const struct gen *g, size_t *n, uint64_t shuffle_seed)
{
	struct thread_msg *v = malloc(g->n * sizeof *v);
	assert_non_null(v);
	size_t k = 0;
	for (size_t i = 0; i < g->n; i++)
		if (!g->missing[i])
			v[k++] = g->ms[i];
	if (shuffle_seed)
		for (size_t i = k; i > 1; i--) {
			size_t j = trand(&shuffle_seed) % i;
			struct thread_msg t = v[i - 1];
			v[i - 1] = v[j];
			v[j] = t;
		}
	*n = k;
	return v;
}

/* Walks the whole order: strictly newest activity first, rows sane. Returns the messages seen. */
static uint64_t check_rows_and_order(struct thread_ctx *ctx)
{
	size_t no;
	uint32_t *order = thread_order_all(ctx, &no);
	uint64_t msgs = 0;
	struct thread_row prev = { 0 };
	for (size_t i = 0; i < no; i++) {
		struct thread_row row;
		assert_true(thread_row(ctx, order[i], &row));
		assert_true(row.n_unread <= row.n_msgs);
		assert_true(row.n_people >= 1 && row.n_people <= THREAD_ROW_PEOPLE);
		if (i > 0)
			assert_true(prev.newest_date > row.newest_date ||
				    (prev.newest_date == row.newest_date && prev.newest_key > row.newest_key));
		prev = row;
		msgs += row.n_msgs;
	}
	free(order);
	return msgs;
}

static void test_random_mailbox(void **state)
{
	(void)state;
	enum { N = 100000, BATCH = 1000 };
	struct gen g;
	gen_random(&g, N, 7);
	size_t n;
	struct thread_msg *shuffled = present(&g, &n, 99);

	struct thread_ctx *ctx = thread_new(NULL);
	assert_non_null(ctx);
	double t0 = now_ms();
	for (size_t i = 0; i < n; i += BATCH) {
		assert_int_equal(thread_add(ctx, shuffled + i, n - i < BATCH ? n - i : BATCH), 0);
		struct thread_changes ch;
		thread_changes(ctx, &ch);
	}
	uint32_t top[50];
	(void)thread_order_get(ctx, 0, top, 50);
	size_t nthreads = thread_count(ctx);
	double t1 = now_ms();
	assert_int_equal(thread_msg_count(ctx), n);
	assert_int_equal(thread_check_cover(ctx, N), n);
	size_t st, sb;
	thread_mem_usage(ctx, &st, &sb);
	print_message("thread: %zu random messages, shuffled, batches of %d: %.1f ms, %zu threads, "
		      "%.0f B/msg + %.0f B/msg strings\n",
		      n, BATCH, t1 - t0, nthreads, (double)st / (double)n, (double)sb / (double)n);

	/* the same mailbox all at once, in key order: the same threads */
	size_t n2;
	struct thread_msg *sorted = present(&g, &n2, 0);
	struct thread_ctx *ref = thread_new(NULL);
	assert_non_null(ref);
	t0 = now_ms();
	assert_int_equal(thread_add(ref, sorted, n2), 0);
	t1 = now_ms();
	print_message("thread: the same, one batch in key order: %.1f ms\n", t1 - t0);
	char *a = thread_dump(ctx), *b = thread_dump(ref);
	assert_true(strcmp(a, b) == 0);
	free(a);
	free(b);

	/* rows agree with the order, which is strictly newest first, in both contexts */
	assert_int_equal(check_rows_and_order(ctx), n);
	assert_int_equal(check_rows_and_order(ref), n2);

	/* expunge a third of the mailbox, then everything */
	uint64_t *keys = malloc(n2 * sizeof *keys);
	assert_non_null(keys);
	for (size_t i = 0; i < n2; i++)
		keys[i] = sorted[i].key;
	t0 = now_ms();
	assert_int_equal(thread_remove(ref, keys, n2 / 3), 0);
	t1 = now_ms();
	print_message("thread: removing %zu messages: %.1f ms\n", n2 / 3, t1 - t0);
	assert_int_equal(thread_check_cover(ref, N), n2 - n2 / 3);
	assert_int_equal(check_rows_and_order(ref), n2 - n2 / 3);
	assert_int_equal(thread_remove(ref, keys + n2 / 3, n2 - n2 / 3), 0);
	assert_int_equal(thread_count(ref), 0);
	free(keys);

	thread_free(&ctx);
	thread_free(&ref);
	free(shuffled);
	free(sorted);
	gen_free(&g);
}

/* Random adds, removals, re-adds and flag changes; the invariants hold after each step. */
static void random_ops(enum thread_mode mode)
{
	enum { N = 3000 };
	struct gen g;
	gen_random(&g, N, 11 + mode);
	for (size_t i = 0; i < N; i++) {
		g.ms[i].gm_msgid = 5000 + i % (N - 100); /* a few messages seen twice */
		g.ms[i].gm_thrid = 9000 + g.topic[i];
	}
	struct thread_opts o = { .mode = mode };
	struct thread_ctx *ctx = thread_new(&o);
	assert_non_null(ctx);
	bool *in = calloc(N, sizeof *in);
	unsigned char *known = calloc(1 << 16, 1);
	assert_true(in && known);
	uint64_t rng = 5;
	size_t present_n = 0;
	for (int step = 0; step < 300; step++) {
		int op = (int)(trand(&rng) % 10);
		if (op < 6) {
			struct thread_msg batch[40];
			size_t k = 0;
			for (int t = 0; t < 40; t++) {
				size_t i = trand(&rng) % N;
				if (!in[i]) {
					in[i] = true;
					batch[k++] = g.ms[i];
				}
			}
			assert_int_equal(thread_add(ctx, batch, k), 0);
		} else if (op < 9) {
			uint64_t keys[30];
			size_t k = 0;
			for (int t = 0; t < 30; t++) {
				size_t i = trand(&rng) % N;
				if (in[i]) {
					in[i] = false;
					keys[k++] = i + 1;
				}
			}
			assert_int_equal(thread_remove(ctx, keys, k), 0);
		} else {
			for (int t = 0; t < 20; t++) {
				size_t i = trand(&rng) % N;
				assert_int_equal(thread_set_flags(ctx, i + 1, (uint32_t)trand(&rng) & 7), in[i]);
			}
		}
		struct thread_changes ch;
		thread_changes(ctx, &ch);
		assert_false(ch.reset);
		for (size_t i = 0; i < ch.n_gone; i++)
			known[ch.gone[i]] = 0;
		for (size_t i = 0; i < ch.n_changed; i++) {
			assert_true(ch.changed[i] < (1 << 16));
			known[ch.changed[i]] = 1;
		}
		if (step % 25 == 24 || step == 299) {
			present_n = 0;
			for (size_t i = 0; i < N; i++)
				present_n += in[i];
			/* keys sharing an X-GM-MSGID are one message */
			size_t msgs = thread_check_cover(ctx, N);
			assert_int_equal(msgs, thread_msg_count(ctx));
			assert_true(msgs <= present_n);
			assert_int_equal(check_rows_and_order(ctx), msgs);
			size_t live = 0, no;
			uint32_t *order = thread_order_all(ctx, &no);
			for (size_t i = 0; i < no; i++)
				assert_int_equal(known[order[i]], 1);
			for (size_t i = 0; i < (1 << 16); i++)
				live += known[i];
			assert_int_equal(live, no);
			free(order);
			for (size_t i = 0; i < N; i++)
				assert_int_equal(thread_of(ctx, i + 1) != THREAD_NONE, in[i]);
		}
	}
	print_message("thread: random operations (mode %d): %zu messages left in %zu threads\n", mode,
		      thread_msg_count(ctx), thread_count(ctx));
	thread_free(&ctx);
	free(in);
	free(known);
	gen_free(&g);
}

static void test_random_ops(void **state)
{
	(void)state;
	random_ops(THREAD_JWZ);
	random_ops(THREAD_GMAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deep_chain),
		cmocka_unit_test(test_random_mailbox),
		cmocka_unit_test(test_random_ops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
