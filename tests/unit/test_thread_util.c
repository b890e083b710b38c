/* Helpers shared by the thread tests (see test_thread_util.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "test_thread_util.h"

struct thread_msg tmsg(uint64_t key, const char *id, const char *refs, const char *subject,
		       int64_t date)
{
	return (struct thread_msg){
		.key = key, .message_id = id, .references = refs, .subject = subject, .date = date,
	};
}

static void dump_into(struct thread_ctx *ctx, uint32_t tid, struct buf *b)
{
	size_t total = 0;
	assert_int_equal(thread_walk(ctx, tid, NULL, 0, &total), 0);
	struct thread_entry *e = calloc(total ? total : 1, sizeof *e);
	assert_non_null(e);
	size_t again = 0;
	assert_int_equal(thread_walk(ctx, tid, e, total, &again), 0);
	assert_int_equal(again, total);
	for (size_t i = 0; i < total; i++) {
		/* deep chains print their depth as a number rather than as spaces */
		if (e[i].depth > 40)
			assert_int_equal(buf_printf(b, "[%u]", e[i].depth), BUF_OK);
		else
			for (uint32_t d = 0; d < e[i].depth; d++)
				assert_int_equal(buf_append_str(b, "  "), BUF_OK);
		if (e[i].dummy)
			assert_int_equal(buf_append_str(b, "*\n"), BUF_OK);
		else
			assert_int_equal(buf_printf(b, "%llu\n", (unsigned long long)e[i].key), BUF_OK);
	}
	free(e);
}

char *thread_dump_one(struct thread_ctx *ctx, uint32_t tid)
{
	struct buf b;
	buf_init(&b, (size_t)1 << 30);
	dump_into(ctx, tid, &b);
	char *s = buf_steal(&b);
	assert_non_null(s);
	return s;
}

uint32_t *thread_order_all(struct thread_ctx *ctx, size_t *n)
{
	*n = thread_count(ctx);
	uint32_t *v = calloc(*n + 1, sizeof *v);
	assert_non_null(v);
	assert_int_equal(thread_order_get(ctx, 0, v, *n + 1), *n);
	for (size_t i = 0; i < *n; i++)
		assert_int_equal(thread_order_pos(ctx, v[i]), i);
	/* a window somewhere in the middle reads the same */
	if (*n > 2) {
		uint32_t w[7];
		size_t from = *n / 2, got = thread_order_get(ctx, from, w, 7);
		assert_int_equal(got, *n - from < 7 ? *n - from : 7);
		for (size_t i = 0; i < got; i++)
			assert_int_equal(w[i], v[from + i]);
	}
	assert_int_equal(thread_order_get(ctx, *n, v, 1), 0);
	return v;
}

char *thread_dump(struct thread_ctx *ctx)
{
	struct buf b;
	buf_init(&b, (size_t)1 << 30);
	size_t n = 0;
	uint32_t *order = thread_order_all(ctx, &n);
	for (size_t i = 0; i < n; i++) {
		if (i)
			assert_int_equal(buf_append_str(&b, "--\n"), BUF_OK);
		dump_into(ctx, order[i], &b);
	}
	free(order);
	char *s = buf_steal(&b);
	assert_non_null(s);
	return s;
}

size_t thread_check_cover(struct thread_ctx *ctx, uint64_t max_key)
{
	size_t n = 0, lines = 0;
	uint32_t *order = thread_order_all(ctx, &n);
	unsigned char *seen = calloc(max_key + 1, 1);
	assert_non_null(seen);
	for (size_t i = 0; i < n; i++) {
		size_t total = 0;
		assert_int_equal(thread_walk(ctx, order[i], NULL, 0, &total), 0);
		struct thread_entry *e = calloc(total ? total : 1, sizeof *e);
		assert_non_null(e);
		assert_int_equal(thread_walk(ctx, order[i], e, total, &total), 0);
		for (size_t j = 0; j < total; j++) {
			if (e[j].dummy) {
				assert_int_equal(j, 0);
				continue;
			}
			assert_true(e[j].key >= 1 && e[j].key <= max_key);
			assert_int_equal(seen[e[j].key], 0);
			seen[e[j].key] = 1;
			assert_int_equal(thread_of(ctx, e[j].key), order[i]);
			lines++;
			if (j > 0)
				assert_true(e[j].depth >= 1 || !e[0].dummy);
		}
		struct thread_row row;
		assert_true(thread_row(ctx, order[i], &row));
		assert_int_equal(row.n_msgs, total - (total && e[0].dummy));
		free(e);
	}
	assert_int_equal(lines, thread_msg_count(ctx));
	free(seen);
	free(order);
	return lines;
}

uint64_t trand(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
