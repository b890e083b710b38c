/* Unit tests for src/mail/rfc2047: encoded words in header values, real-world oddities. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mail/charset.h"
#include "mail/rfc2047.h"

struct vec {
	const char *in, *want;
};

static const struct vec vecs[] = {
	/* the basics */
	{"=?UTF-8?B?w6k=?=", "\u00e9"},
	{"=?utf-8?b?w6k?=", "\u00e9"},                 /* missing padding */
	{"=?ISO-8859-1?Q?Caf=E9?=", "Caf\u00e9"},
	{"=?utf-8?q?caf=c3=a9?=", "caf\u00e9"},         /* lowercase hex */
	{"=?utf-8?Q?hello_world?=", "hello world"},     /* Q: '_' is a space */
	{"=?utf-8?Q?a=5Fb?=", "a_b"},
	{"=?utf-8?Q?bad=ZZescape=?=", "bad=ZZescape="}, /* bad '=' kept */
	{"=?utf-8*en?Q?language_tag?=", "language tag"}, /* RFC 2231 language */
	{"=?UTF-8?Q?\?=", ""},
	/* adjacent words: whitespace between them goes, folding included */
	{"=?utf-8?q?a?= =?utf-8?q?b?=", "ab"},
	{"=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"},
	{"=?utf-8?q?a?=\n\t=?utf-8?q?b?=", "ab"},
	{"=?utf-8?q?a?= =?iso-8859-1?q?=E9?=", "a\u00e9"},
	{"=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c"},
	{"x =?utf-8?q?a?= y", "x a y"},
	{"Re:=?utf-8?q?glued?=", "Re:glued"},
	{"\"=?utf-8?q?J=C3=B6rg?=\" <j@example.org>", "\"J\u00f6rg\" <j@example.org>"},
	/* split mid-character across words */
	{"=?UTF-8?B?ww==?= =?UTF-8?B?qQ==?=", "\u00e9"},
	{"=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=", "\u00e9"},
	{"=?UTF-8?B?5pel5g==?= =?UTF-8?B?nKzoqp7jga7jg4bjgq3jgrnjg4g=?=",
	 "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8"},
	{"=?Shift_JIS?Q?=93?= =?Shift_JIS?Q?=FA=96=7B?=", "\u65e5\u672c"},
	{"=?ISO-2022-JP?B?GyRCRg==?= =?ISO-2022-JP?B?fEtcGyhC?=", "\u65e5\u672c"},
	/* a word left in JIS mode does not leak its state into the next charset run */
	{"=?ISO-2022-JP?B?GyRCRnw=?= =?utf-8?q?F|?=", "\u65e5F|"},
	/* KOI8-R, GB2312 (read as GB18030), KS_C_5601-1987 (read as CP949) */
	{"=?KOI8-R?B?8NLJ18XUIM3J0g==?=", "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440"},
	{"=?GB2312?B?xOO6ww==?=", "\u4f60\u597d"},
	{"=?gb2312?Q?=E9F?=", "\u9555"},
	{"=?ks_c_5601-1987?B?lO4=?=", "\ubdc1"},
	{"=?euc-kr?B?vsiz58fPvLy/5A==?=", "\uc548\ub155\ud558\uc138\uc694"},
	/* mislabelled: windows-1252 quotes and euro in an ISO-8859-1 word */
	{"=?iso-8859-1?Q?=93Hi=94_=80?=", "\u201cHi\u201d \u20ac"},
	/* unknown but well-formed charset: read as UTF-8 */
	{"=?x-made-up?q?caf=C3=A9?=", "caf\u00e9"},
	{"=?x-made-up?q?=FF?=", "\ufffd"},
	/* malformed words stay raw */
	{"=?utf-8?x?abc?=", "=?utf-8?x?abc?="},
	{"=?utf-8?q?abc", "=?utf-8?q?abc"},
	{"=??q?abc?=", "=??q?abc?="},
	{"=?ut f8?q?a?=", "=?ut f8?q?a?="},
	{"=?utf-8?b?!!!?=", "=?utf-8?b?!!!?="},
	{"=?../../x?q?a?=", "=?../../x?q?a?="},
	{"=?utf-8//TRANSLIT?q?a?=", "=?utf-8//TRANSLIT?q?a?="},
	{"=?", "=?"},
	{"=?utf-8?", "=?utf-8?"},
	{"=?utf-8?q?", "=?utf-8?q?"},
	{"a =?utf-8?q?x\r\n y?= b", "a =?utf-8?q?x y?= b"},
	{"=?utf-8?q?bad?= =?utf-8?z?raw?= =?utf-8?q?ok?=", "bad =?utf-8?z?raw?= ok"},
	{"==?utf-8?q?x?==", "=x="},
	/* control characters from a decoded word become spaces */
	{"=?utf-8?q?a=0Ab=0D=09c=00d?=", "a b  c d"},
	/* raw 8-bit header text: UTF-8 kept, else windows-1252 */
	{"Caf\xe9 \x93quoted\x94", "Caf\u00e9 \u201cquoted\u201d"},
	{"Caf\xc3\xa9", "Caf\u00e9"},
	/* unfolding of plain text */
	{"folded\r\n line", "folded line"},
	{"broken\nline", "broken line"},
};

static char *decode(const char *in, size_t n)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(rfc2047_decode(&b, in, n), BUF_OK);
	assert_true(charset_utf8_valid(buf_data(&b), buf_len(&b)));
	char *s = buf_steal(&b);
	assert_non_null(s);
	return s;
}

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		char *s = decode(vecs[i].in, strlen(vecs[i].in));
		if (strcmp(s, vecs[i].want) != 0)
			fail_msg("rfc2047(\"%s\") = \"%s\", want \"%s\"", vecs[i].in, s, vecs[i].want);
		free(s);
	}
}

static void test_long_words(void **state)
{
	(void)state;
	/* a 600-character encoded word (RFC 2047 says 75; real mail ignores that) decodes */
	char in[2048], want[1024];
	size_t n = (size_t)snprintf(in, sizeof in, "=?utf-8?q?");
	for (int i = 0; i < 200; i++) {
		n += (size_t)snprintf(in + n, sizeof in - n, "=41");
		want[i] = 'A';
	}
	want[200] = '\0';
	n += (size_t)snprintf(in + n, sizeof in - n, "?=");
	char *s = decode(in, n);
	assert_string_equal(s, want);
	free(s);
	/* a word longer than RFC2047_TEXT_MAX is left raw */
	size_t big = RFC2047_TEXT_MAX + 100;
	char *huge = malloc(big + 32);
	assert_non_null(huge);
	memcpy(huge, "=?utf-8?q?", 10);
	memset(huge + 10, 'x', big);
	memcpy(huge + 10 + big, "?=", 2);
	s = decode(huge, big + 12);
	assert_int_equal(strlen(s), big + 12);
	assert_memory_equal(s, huge, big + 12);
	free(s);
	free(huge);
}

static void test_many_unclosed_words_linear(void **state)
{
	(void)state;
	/* 100,000 "=?a?q?x" that never close: raw, and quick (the search for "?=" is shared) */
	size_t reps = 100000, n = reps * 7;
	char *in = malloc(n);
	assert_non_null(in);
	for (size_t i = 0; i < reps; i++)
		memcpy(in + i * 7, "=?a?q?x", 7);
	struct buf b;
	buf_init(&b, n + 16);
	assert_int_equal(rfc2047_decode(&b, in, n), BUF_OK);
	assert_int_equal(buf_len(&b), n);
	buf_free(&b);
	free(in);
}

static void test_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 3);
	assert_int_equal(rfc2047_decode(&b, "=?utf-8?q?abcdef?=", 18), BUF_TOO_BIG);
	assert_true(buf_len(&b) <= 3);
	buf_free(&b);
}

static void test_truncations(void **state)
{
	(void)state;
	/* every prefix of every vector: no crash, valid UTF-8, never more than 3 bytes out per byte in */
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		size_t n = strlen(vecs[i].in);
		for (size_t cut = 0; cut <= n; cut++) {
			char *copy = malloc(cut ? cut : 1);
			assert_non_null(copy);
			memcpy(copy, vecs[i].in, cut);
			char *s = decode(copy, cut);
			assert_true(strlen(s) <= 3 * cut + 3);
			free(s);
			free(copy);
		}
	}
	charset_cache_flush();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_long_words),
		cmocka_unit_test(test_many_unclosed_words_linear),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_truncations),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	charset_cache_flush();
	return rc;
}
