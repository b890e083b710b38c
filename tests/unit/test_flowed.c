/* Unit tests for src/mail/flowed: RFC 3676 format=flowed, DelSp, quote depth. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mail/flowed.h"

static char *run(const char *in, size_t n, bool delsp)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(flowed_decode(&b, in, n, delsp), BUF_OK);
	char *s = buf_steal(&b);
	assert_non_null(s);
	return s;
}

static void expect(const char *in, bool delsp, const char *want)
{
	char *s = run(in, strlen(in), delsp);
	if (strcmp(s, want) != 0)
		fail_msg("flowed(\"%s\") = \"%s\", want \"%s\"", in, s, want);
	free(s);
}

static void test_joining(void **state)
{
	(void)state;
	expect("This is a \r\nflowed para.\r\nFixed line.\r\n", false, "This is a flowed para.\nFixed line.\n");
	expect("one \ntwo \nthree\n", false, "one two three\n");
	/* DelSp=yes: the soft space is not part of the text (CJK, long words) */
	expect("\xe6\x97\xa5\xe6\x9c\xac \n\xe8\xaa\x9e\n", true, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n");
	expect("super \ncalifragilistic\n", true, "supercalifragilistic\n");
	/* a flowed last line still ends its paragraph */
	expect("dangling ", false, "dangling \n");
	expect("no newline at end", false, "no newline at end\n");
	expect("", false, "");
	expect("\n\n", false, "\n\n");
}

static void test_quotes(void **state)
{
	(void)state;
	expect("> quoted \r\n> text\r\n>> deeper \r\n>> still\r\nback\r\n", false,
	       "> quoted text\n>> deeper still\nback\n");
	/* a flowed line followed by another depth is ended (RFC 3676 §4.5) */
	expect("> ends flowed \n>> other depth\n", false, "> ends flowed \n>> other depth\n");
	/* ">>x" and ">> x" are the same depth; "> > x" is depth 1 with text "> x" */
	expect(">>x\n>> y\n> > z\n", false, ">> x\n>> y\n> > z\n");
	/* space-stuffing removed; an unquoted line that starts with '>' keeps one stuffing space */
	expect(" From here\n >not a quote\n", false, "From here\n >not a quote\n");
}

static void test_signature(void **state)
{
	(void)state;
	/* "-- " is never flowed, also under quoting */
	expect("text \n-- \nsig\n", false, "text \n-- \nsig\n");
	expect("> -- \n> sig\n", false, "> -- \n> sig\n");
	expect("--  \nnot sig\n", false, "--  not sig\n");
}

static void test_depth_bound(void **state)
{
	(void)state;
	char in[FLOWED_MAX_DEPTH + 40];
	memset(in, '>', FLOWED_MAX_DEPTH + 10);
	memcpy(in + FLOWED_MAX_DEPTH + 10, " x\n", 4);
	char *s = run(in, strlen(in), false);
	size_t skip;
	assert_int_equal(flowed_quote_depth(s, strlen(s), &skip), FLOWED_MAX_DEPTH);
	assert_int_equal(skip, FLOWED_MAX_DEPTH + 1);
	/* the ten further '>' are text */
	assert_memory_equal(s + skip, ">>>>>>>>>> x\n", 13);
	free(s);
	assert_int_equal(flowed_quote_depth("plain", 5, &skip), 0);
	assert_int_equal(skip, 0);
	assert_int_equal(flowed_quote_depth(">> a", 4, &skip), 2);
	assert_int_equal(skip, 3);
}

static void test_truncations_and_size(void **state)
{
	(void)state;
	const char *in = "> a \r\n> b\r\n>> c \r\n-- \r\n d \r\n\r\n>\r\n> \r\ne";
	size_t n = strlen(in);
	for (size_t cut = 0; cut <= n; cut++) {
		char *s = run(in, cut, cut % 2);
		/* never more than two bytes per input line over the input */
		assert_true(strlen(s) <= cut + 2 * 12);
		free(s);
	}
	struct buf b;
	buf_init(&b, 4);
	assert_int_equal(flowed_decode(&b, "hello world\n", 12, false), BUF_TOO_BIG);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_joining),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_depth_bound),
		cmocka_unit_test(test_truncations_and_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
