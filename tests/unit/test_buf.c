/* Unit tests for src/buf: caps, growth, consume, printf, steal. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "buf.h"

static void test_append_and_nul(void **state)
{
	struct buf b;
	buf_init(&b, 1024);
	assert_string_equal(buf_data(&b), "");
	assert_int_equal(buf_append_str(&b, "hello"), BUF_OK);
	assert_int_equal(buf_append_byte(&b, ' '), BUF_OK);
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), BUF_OK);
	assert_int_equal(buf_len(&b), 10);
	assert_string_equal(buf_data(&b), "hello 42-x");
	buf_free(&b);
	buf_free(&b); /* twice is safe */
}

static void test_cap_is_hard(void **state)
{
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_append_str(&b, "12345678"), BUF_OK);
	assert_int_equal(buf_append_byte(&b, '9'), BUF_TOO_BIG);
	assert_int_equal(buf_printf(&b, "%s", "x"), BUF_TOO_BIG);
	assert_int_equal(buf_len(&b), 8);
	assert_string_equal(buf_data(&b), "12345678");
	/* an append whose size would overflow size_t arithmetic is refused too */
	assert_int_equal(buf_append(&b, "", SIZE_MAX), BUF_TOO_BIG);
	assert_null(buf_reserve(&b, SIZE_MAX - 2));
	buf_free(&b);
}

static void test_consume_and_regrow(void **state)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	char chunk[1000];
	for (size_t i = 0; i < sizeof chunk; i++)
		chunk[i] = (char)('a' + i % 26);
	size_t total = 0, eaten = 0;
	for (int round = 0; round < 200; round++) {
		assert_int_equal(buf_append(&b, chunk, sizeof chunk), BUF_OK);
		total += sizeof chunk;
		buf_consume(&b, 700);
		eaten += 700;
		assert_int_equal(buf_len(&b), total - eaten);
		/* the first live byte is the one at offset `eaten` of the stream */
		assert_int_equal(buf_data(&b)[0], 'a' + (int)(eaten % sizeof chunk % 26));
	}
	buf_consume(&b, buf_len(&b) + 5); /* over-consume empties */
	assert_int_equal(buf_len(&b), 0);
	buf_free(&b);
}

static void test_reserve_commit_steal(void **state)
{
	struct buf b;
	buf_init(&b, 100);
	char *w = buf_reserve(&b, 5);
	assert_non_null(w);
	memcpy(w, "abcde", 5);
	buf_commit(&b, 5);
	buf_consume(&b, 2);
	char *s = buf_steal(&b);
	assert_string_equal(s, "cde");
	free(s);
	assert_int_equal(buf_len(&b), 0);
	s = buf_steal(&b);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_nul),
		cmocka_unit_test(test_cap_is_hard),
		cmocka_unit_test(test_consume_and_regrow),
		cmocka_unit_test(test_reserve_commit_steal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
