/* test_fetch_sched — the fetch scheduler's batching: which rows, in which batches, at which
 * priority; coalescing into runs; yielding to visible rows; fill bounds; window shifts. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mail/fetch_sched.h"

#define N 100000

/* 0 missing, 1 loaded, 2 requested */
static unsigned char rows[N];

static bool missing(void *ctx, size_t pos)
{
	(void)ctx;
	return rows[pos] == 0;
}

static void mark(const struct fs_batch *b)
{
	for (size_t r = 0; r < b->n_runs; r++)
		for (size_t p = b->runs[r].first; p < b->runs[r].first + b->runs[r].count; p++) {
			assert_int_equal(rows[p], 0);
			rows[p] = 2;
		}
}

static void load(const struct fs_batch *b)
{
	for (size_t r = 0; r < b->n_runs; r++)
		for (size_t p = b->runs[r].first; p < b->runs[r].first + b->runs[r].count; p++)
			rows[p] = 1;
}

static void init(struct fetch_sched *fs, unsigned batch, unsigned prefetch, unsigned fill_batch,
		 unsigned fill_max)
{
	memset(rows, 0, sizeof rows);
	struct fs_opts o;
	fetch_sched_defaults(&o);
	o.batch = batch;
	o.prefetch = prefetch;
	o.fill_batch = fill_batch;
	o.fill_max = fill_max;
	fetch_sched_init(fs, &o);
}

static void send(struct fetch_sched *fs, struct fs_batch *b)
{
	mark(b);
	fetch_sched_sent(fs, b);
}

/* Open at the top: the screen, then the margin after it; fill waits until both are in. */
static void test_open_order(void **state)
{
	(void)state;
	struct fetch_sched fs;
	struct fs_batch b, p;
	init(&fs, 100, 50, 50, 2000);
	assert_false(fetch_sched_next(&fs, N, missing, NULL, &b)); /* no window yet */
	fetch_sched_window(&fs, 0, 50);
	assert_true(fetch_sched_next(&fs, N, missing, NULL, &b));
	assert_int_equal(b.prio, FS_VISIBLE);
	assert_int_equal(b.n_runs, 1);
	assert_int_equal(b.runs[0].first, 0);
	assert_int_equal(b.runs[0].count, 50);
	send(&fs, &b);
	assert_true(fetch_sched_next(&fs, N, missing, NULL, &p));
	assert_int_equal(p.prio, FS_PREFETCH);
	assert_int_equal(p.n_runs, 1);
	assert_int_equal(p.runs[0].first, 50);
	assert_int_equal(p.runs[0].count, 50);
	send(&fs, &p);
	assert_false(fetch_sched_next(&fs, N, missing, NULL, &b)); /* fill yields */
	load(&b);
	fetch_sched_done(&fs, FS_VISIBLE);
	assert_false(fetch_sched_next(&fs, N, missing, NULL, &b));
	load(&p);
	fetch_sched_done(&fs, FS_PREFETCH);
	assert_true(fetch_sched_next(&fs, N, missing, NULL, &b));
	assert_int_equal(b.prio, FS_FILL);
	assert_int_equal(b.runs[0].first, 100);
	assert_int_equal(b.rows, 50);
	send(&fs, &b);
	assert_false(fetch_sched_next(&fs, N, missing, NULL, &p)); /* one fill batch at a time */
}

/* Missing rows between loaded ones are coalesced into runs; a batch has at most `batch` rows. */
static void test_coalesce(void **state)
{
	(void)state;
	struct fetch_sched fs;
	struct fs_batch b;
	init(&fs, 100, 0, 0, 0);
	for (size_t p = 10; p < 20; p++)
		rows[p] = 1;
	rows[30] = 2;
	fetch_sched_window(&fs, 0, 50);
	assert_true(fetch_sched_next(&fs, N, missing, NULL, &b));
	assert_int_equal(b.n_runs, 3);
	assert_int_equal(b.runs[0].first, 0);
	assert_int_equal(b.runs[0].count, 10);
	assert_int_equal(b.runs[1].first, 20);
	assert_int_equal(b.runs[1].count, 10);
	assert_int_equal(b.runs[2].first, 31);
	assert_int_equal(b.runs[2].count, 19);
	assert_int_equal(b.rows, 39);

	/* a 250-row window: three visible batches at once, whatever is in flight */
	init(&fs, 100, 0, 0, 0);
	fetch_sched_window(&fs, 1000, 250);
	size_t total = 0;
	for (int i = 0; i < 3; i++) {
		assert_true(fetch_sched_next(&fs, N, missing, NULL, &b));
		assert_int_equal(b.prio, FS_VISIBLE);
		assert_true(b.rows <= 100);
		total += b.rows;
		send(&fs, &b);
	}
	assert_int_equal(total, 250);
	assert_false(fetch_sched_next(&fs, N, missing, NULL, &b));

	/* every other row loaded: a batch stops at FS_MAX_RUNS runs */
	init(&fs, 100, 0, 0, 0);
	for (size_t p = 0; p < 200; p += 2)
		rows[p] = 1;
	fetch_sched_window(&fs, 0, 200);
	assert_true(fetch_sched_next(&fs, N, missing, NULL, &b));
	assert_int_equal(b.n_runs, FS_MAX_RUNS);
	assert_int_equal(b.rows, FS_MAX_RUNS);
	send(&fs, &b);
	assert_true(fetch_sched_next(&fs, N, missing, NULL, &b));
	assert_int_equal(b.runs[0].first, 2 * FS_MAX_RUNS + 1);
}

/* A new window is served before anything else; fill never runs beside it. */
static void test_yield(void **state)
{
	(void)state;
	struct fetch_sched fs;
	struct fs_batch b;
	init(&fs, 100, 20, 50, 5000);
	fetch_sched_window(&fs, 0, 20);
	while (fetch_sched_next(&fs, N, missing, NULL, &b)) {
		send(&fs, &b);
		load(&b);
		fetch_sched_done(&fs, b.prio);
		if (b.prio == FS_FILL)
			break;
	}
	assert_int_equal(b.prio, FS_FILL);
	/* fill batch in flight (sent again, not yet done); the user jumps */
	init(&fs, 100, 20, 50, 5000);
	fetch_sched_window(&fs, 0, 20);
	for (size_t p = 0; p < 40; p++)
		rows[p] = 1;
	assert_true(fetch_sched_next(&fs, N, missing, NULL, &b));
	assert_int_equal(b.prio, FS_FILL);
	send(&fs, &b);
	fetch_sched_window(&fs, 50000, 20);
	assert_true(fetch_sched_next(&fs, N, missing, NULL, &b));
	assert_int_equal(b.prio, FS_VISIBLE);
	assert_int_equal(b.runs[0].first, 50000);
	send(&fs, &b);
	assert_true(fetch_sched_next(&fs, N, missing, NULL, &b));
	assert_int_equal(b.prio, FS_PREFETCH);
	assert_int_equal(b.runs[0].first, 49980); /* before the window */
	assert_int_equal(b.runs[0].count, 20);
	assert_int_equal(b.runs[1].first, 50020); /* and after, in one batch */
	send(&fs, &b);
	assert_false(fetch_sched_next(&fs, N, missing, NULL, &b));
	/* prefetch is bounded by what is in flight */
	init(&fs, 10, 1000, 0, 0);
	fs.o.max_in_flight = 2;
	fetch_sched_window(&fs, 0, 10);
	int prefetches = 0;
	while (fetch_sched_next(&fs, N, missing, NULL, &b)) {
		if (b.prio == FS_PREFETCH)
			prefetches++;
		send(&fs, &b);
	}
	assert_int_equal(prefetches, 1);
}

/* Fill stops at fill_max, goes on after the window, then from the top up to the window. */
static void test_fill_bounds(void **state)
{
	(void)state;
	struct fetch_sched fs;
	struct fs_batch b;
	init(&fs, 100, 0, 50, 120);
	fetch_sched_window(&fs, 0, 10);
	size_t filled = 0;
	while (fetch_sched_next(&fs, N, missing, NULL, &b)) {
		send(&fs, &b);
		load(&b);
		fetch_sched_done(&fs, b.prio);
		if (b.prio == FS_FILL)
			filled += b.rows;
	}
	assert_int_equal(filled, 120);

	init(&fs, 100, 0, 50, 100000);
	fetch_sched_window(&fs, 200, 10);
	size_t n = 400;
	size_t fills = 0;
	while (fetch_sched_next(&fs, n, missing, NULL, &b)) {
		send(&fs, &b);
		load(&b);
		fetch_sched_done(&fs, b.prio);
		fills++;
		assert_true(fills < 100);
	}
	for (size_t p = 0; p < n; p++)
		assert_int_equal(rows[p], 1);
}

/* Rows inserted or removed before the window keep it on the same messages. */
static void test_shift(void **state)
{
	(void)state;
	struct fetch_sched fs;
	init(&fs, 100, 10, 0, 0);
	fetch_sched_window(&fs, 100, 20);
	fetch_sched_shift(&fs, 0, 5);
	assert_int_equal(fs.first, 105);
	fetch_sched_shift(&fs, 50, -3);
	assert_int_equal(fs.first, 102);
	fetch_sched_shift(&fs, 200, -3); /* after the window */
	assert_int_equal(fs.first, 102);
	fetch_sched_shift(&fs, 101, -10); /* the window's first row removed */
	assert_int_equal(fs.first, 101);
	/* a window at the top stays at the top when new mail comes */
	fetch_sched_window(&fs, 0, 20);
	fetch_sched_shift(&fs, 0, 3);
	assert_int_equal(fs.first, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_order),
		cmocka_unit_test(test_coalesce),
		cmocka_unit_test(test_yield),
		cmocka_unit_test(test_fill_bounds),
		cmocka_unit_test(test_shift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
