/* Unit tests for src/imap/seqset: compaction, parsing and its errors, "*", iteration, counting,
 * splitting under a byte budget, and huge ranges that must stay ranges. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/seqset.h"

static char *text_of(const struct seqset *s)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(seqset_format(s, &b), SEQSET_OK);
	char *t = buf_steal(&b);
	assert_non_null(t);
	return t;
}

static void expect_text(const struct seqset *s, const char *want)
{
	char *t = text_of(s);
	assert_string_equal(t, want);
	free(t);
}

static void test_from_list_compacts(void **state)
{
	struct seqset s;
	seqset_init(&s);
	const uint32_t sorted[] = {1, 2, 3, 4, 5, 7, 9, 10, 11, 12};
	assert_int_equal(seqset_from_list(&s, sorted, 10), SEQSET_OK);
	expect_text(&s, "1:5,7,9:12");
	assert_int_equal(seqset_nranges(&s), 3);
	/* unsorted with duplicates gives the same set */
	const uint32_t shuffled[] = {12, 7, 1, 3, 9, 2, 11, 5, 4, 10, 3, 7};
	assert_int_equal(seqset_from_list(&s, shuffled, 12), SEQSET_OK);
	expect_text(&s, "1:5,7,9:12");
	assert_int_equal(seqset_count(&s), 10);
	/* 0 is not a number */
	const uint32_t zero[] = {4, 0, 2};
	assert_int_equal(seqset_from_list(&s, zero, 3), SEQSET_INVALID);
	assert_true(seqset_is_empty(&s));
	seqset_free(&s);
	seqset_free(&s);
}

static void test_add_any_order_merges(void **state)
{
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_add(&s, 10), SEQSET_OK);
	assert_int_equal(seqset_add(&s, 20), SEQSET_OK);
	assert_int_equal(seqset_add(&s, 5), SEQSET_OK);
	expect_text(&s, "5,10,20");
	assert_int_equal(seqset_add_range(&s, 11, 19), SEQSET_OK); /* bridges 10 and 20 */
	expect_text(&s, "5,10:20");
	assert_int_equal(seqset_add_range(&s, 9, 6), SEQSET_OK);  /* reversed, touches both */
	expect_text(&s, "5:20");
	assert_int_equal(seqset_add_range(&s, 1, 3), SEQSET_OK);
	assert_int_equal(seqset_add(&s, 30), SEQSET_OK);
	assert_int_equal(seqset_add_range(&s, 2, 25), SEQSET_OK); /* swallows several */
	expect_text(&s, "1:25,30");
	assert_int_equal(seqset_add(&s, SEQSET_STAR), SEQSET_OK);
	expect_text(&s, "1:25,30,*");
	assert_int_equal(seqset_add(&s, 4294967295u), SEQSET_OK);
	expect_text(&s, "1:25,30,4294967295:*");
	seqset_free(&s);
}

static void test_parse_ok(void **state)
{
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_parse(&s, "9:12,1:5,7,3", 12, 0, 0), SEQSET_OK);
	expect_text(&s, "1:5,7,9:12");
	assert_int_equal(seqset_parse(&s, "5:3", 3, 0, 0), SEQSET_OK); /* either order */
	expect_text(&s, "3:5");
	assert_int_equal(seqset_parse(&s, "1:*", 3, SEQSET_ALLOW_STAR, 0), SEQSET_OK);
	expect_text(&s, "1:*");
	assert_int_equal(seqset_parse(&s, "*:4", 3, SEQSET_ALLOW_STAR, 0), SEQSET_OK);
	expect_text(&s, "4:*");
	assert_int_equal(seqset_parse(&s, "4294967295", 10, 0, 0), SEQSET_OK);
	assert_true(seqset_contains(&s, 4294967295u));
	/* KEEP_ORDER (COPYUID) keeps the server's order and does not merge */
	assert_int_equal(seqset_parse(&s, "304,319:320,100", 15, SEQSET_KEEP_ORDER, 0), SEQSET_OK);
	expect_text(&s, "304,319:320,100");
	uint32_t v, seen[4];
	size_t k = 0;
	struct seqset_iter it;
	for (seqset_iter_init(&it, &s); seqset_iter_next(&it, &v);)
		seen[k++] = v;
	assert_int_equal(k, 4);
	assert_int_equal(seen[0], 304);
	assert_int_equal(seen[1], 319);
	assert_int_equal(seen[2], 320);
	assert_int_equal(seen[3], 100);
	assert_true(seqset_contains(&s, 100));
	assert_false(seqset_contains(&s, 101));
	seqset_free(&s);
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"", "0", "1,0", "0:5", "01", "1,", ",1", "1,,2", "1:", ":1", "1::2", "a", "1 2",
		"4294967296", "99999999999999999999", "*", "1:*", "-1", "1:2:3", "1;2", "+1",
	};
	struct seqset s;
	seqset_init(&s);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(seqset_parse(&s, bad[i], strlen(bad[i]), 0, 0), SEQSET_INVALID);
		assert_true(seqset_is_empty(&s));
	}
	/* star is fine when allowed, but never as part of a number */
	assert_int_equal(seqset_parse(&s, "1*", 2, SEQSET_ALLOW_STAR, 0), SEQSET_INVALID);
	assert_int_equal(seqset_parse(&s, "**", 2, SEQSET_ALLOW_STAR, 0), SEQSET_INVALID);
	/* the length given is honoured: bytes after it are not read */
	assert_int_equal(seqset_parse(&s, "12,x", 2, 0, 0), SEQSET_OK);
	expect_text(&s, "12");
	/* a range budget bounds hostile input */
	assert_int_equal(seqset_parse(&s, "1,3,5,7", 7, 0, 3), SEQSET_TOO_BIG);
	assert_true(seqset_is_empty(&s));
	assert_int_equal(seqset_parse(&s, "1,3,5", 5, 0, 3), SEQSET_OK);
	seqset_free(&s);
}

static void test_huge_ranges_stay_small(void **state)
{
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_parse(&s, "1:4294967295", 12, 0, 0), SEQSET_OK);
	assert_int_equal(seqset_nranges(&s), 1);
	assert_true(s.cap <= 16); /* memory follows ranges, not numbers */
	assert_int_equal(seqset_count(&s), 4294967295ull);
	assert_true(seqset_contains(&s, 1));
	assert_true(seqset_contains(&s, 2000000000));
	assert_true(seqset_contains(&s, 4294967295u));
	assert_int_equal(seqset_add_range(&s, 7, 9), SEQSET_OK);
	assert_int_equal(seqset_nranges(&s), 1);
	/* iteration is lazy: take the first three only */
	struct seqset_iter it;
	uint32_t v;
	seqset_iter_init(&it, &s);
	assert_true(seqset_iter_next(&it, &v));
	assert_int_equal(v, 1);
	assert_true(seqset_iter_next(&it, &v));
	assert_int_equal(v, 2);
	seqset_free(&s);
}

static void test_contains_count_iterate(void **state)
{
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_parse(&s, "2:4,8,10:11", 11, 0, 0), SEQSET_OK);
	assert_int_equal(seqset_count(&s), 6);
	const uint32_t in[] = {2, 3, 4, 8, 10, 11}, out[] = {1, 5, 7, 9, 12, 4294967295u};
	for (size_t i = 0; i < 6; i++) {
		assert_true(seqset_contains(&s, in[i]));
		assert_false(seqset_contains(&s, out[i]));
	}
	struct seqset_iter it;
	uint32_t v;
	size_t k = 0;
	for (seqset_iter_init(&it, &s); seqset_iter_next(&it, &v); k++)
		assert_int_equal(v, in[k]);
	assert_int_equal(k, 6);
	/* empty set */
	seqset_clear(&s);
	seqset_iter_init(&it, &s);
	assert_false(seqset_iter_next(&it, &v));
	assert_int_equal(seqset_count(&s), 0);
	assert_false(seqset_contains(&s, 1));
	seqset_free(&s);
}

static void test_resolve_star(void **state)
{
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_parse(&s, "5:*,2", 5, SEQSET_ALLOW_STAR, 0), SEQSET_OK);
	assert_int_equal(seqset_resolve_star(&s, 3), SEQSET_OK); /* 5:* with * = 3 is 3:5 */
	expect_text(&s, "2:5");
	assert_int_equal(seqset_parse(&s, "*", 1, SEQSET_ALLOW_STAR, 0), SEQSET_OK);
	assert_int_equal(seqset_resolve_star(&s, 0), SEQSET_INVALID);
	assert_int_equal(seqset_resolve_star(&s, 42), SEQSET_OK);
	expect_text(&s, "42");
	seqset_free(&s);
}

/* Every chunk fits the budget, chunks cover the set in order, none is empty. */
static void check_chunks(const struct seqset *s, size_t budget)
{
	struct seqset joined;
	seqset_init(&joined);
	size_t chunks = 0;
	for (size_t i = 0, j; i < seqset_nranges(s); i = j) {
		j = seqset_chunk(s, i, budget);
		assert_true(j > i);
		struct buf b;
		buf_init(&b, 1 << 20);
		assert_int_equal(seqset_format_part(s, i, j, &b), SEQSET_OK);
		assert_true(buf_len(&b) <= budget);
		assert_int_equal(buf_len(&b), seqset_text_len(s, i, j));
		/* greedy: adding the next range would not have fitted */
		if (j < seqset_nranges(s))
			assert_true(seqset_text_len(s, i, j + 1) > budget);
		struct seqset part;
		seqset_init(&part);
		assert_int_equal(seqset_parse(&part, buf_data(&b), buf_len(&b), 0, 0), SEQSET_OK);
		for (size_t k = 0; k < part.n; k++)
			assert_int_equal(seqset_add_range(&joined, part.r[k].lo, part.r[k].hi), SEQSET_OK);
		seqset_free(&part);
		buf_free(&b);
		chunks++;
	}
	char *a = text_of(s), *b = text_of(&joined);
	assert_string_equal(a, b);
	free(a);
	free(b);
	seqset_free(&joined);
	assert_true(chunks >= 1);
}

static void test_chunking(void **state)
{
	struct seqset s;
	seqset_init(&s);
	/* 20,000 scattered UIDs (every third), about 180 KB of text */
	for (uint32_t u = 1000000; u < 1060000; u += 3)
		assert_int_equal(seqset_add(&s, u), SEQSET_OK);
	assert_int_equal(seqset_nranges(&s), 20000);
	check_chunks(&s, 8000);
	check_chunks(&s, 10000);
	check_chunks(&s, SEQSET_RANGE_MAX_TEXT);
	/* a budget too small for one range makes no progress: the caller must see that */
	assert_int_equal(seqset_chunk(&s, 0, 3), 0);
	/* a set that fits is one chunk */
	struct seqset small;
	seqset_init(&small);
	assert_int_equal(seqset_parse(&small, "1:5,7", 5, 0, 0), SEQSET_OK);
	assert_int_equal(seqset_chunk(&small, 0, 8000), 2);
	assert_int_equal(seqset_chunk(&small, 2, 8000), 2);
	seqset_free(&small);
	seqset_free(&s);
}

static void test_copy_and_format_cap(void **state)
{
	struct seqset a, b;
	seqset_init(&a);
	seqset_init(&b);
	assert_int_equal(seqset_parse(&a, "1:3,9", 5, 0, 0), SEQSET_OK);
	assert_int_equal(seqset_copy(&b, &a), SEQSET_OK);
	seqset_free(&a);
	expect_text(&b, "1:3,9");
	struct buf out;
	buf_init(&out, 4);
	assert_int_equal(seqset_format(&b, &out), SEQSET_TOO_BIG);
	assert_int_equal(buf_len(&out), 0); /* nothing half-written */
	buf_free(&out);
	seqset_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_list_compacts),
		cmocka_unit_test(test_add_any_order_merges),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_huge_ranges_stay_small),
		cmocka_unit_test(test_contains_count_iterate),
		cmocka_unit_test(test_resolve_star),
		cmocka_unit_test(test_chunking),
		cmocka_unit_test(test_copy_and_format_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
