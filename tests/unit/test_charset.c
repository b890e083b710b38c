/* Unit tests for src/mail/charset: labels, mislabel fixes, iconv conversion with replacement,
 * UTF-8 validation and the guess used for raw 8-bit headers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mail/charset.h"

/* Converts and returns a malloc'd NUL-terminated copy (checks BUF_OK and valid UTF-8). */
static char *conv(const char *label, const char *in, size_t n)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(charset_to_utf8(&b, label, label ? strlen(label) : 0, in, n), BUF_OK);
	assert_true(charset_utf8_valid(buf_data(&b), buf_len(&b)));
	char *s = buf_steal(&b);
	assert_non_null(s);
	return s;
}

static void expect(const char *label, const char *in, size_t n, const char *want)
{
	char *s = conv(label, in, n);
	assert_string_equal(s, want);
	free(s);
}

#define EXPECT(label, lit, want) expect(label, lit, sizeof(lit) - 1, want)

static void test_name_validation(void **state)
{
	(void)state;
	assert_true(charset_name_valid("UTF-8", 5));
	assert_true(charset_name_valid("iso_8859-1:1987", 15));
	assert_false(charset_name_valid("", 0));
	assert_false(charset_name_valid("UTF-8//TRANSLIT", 15));
	assert_false(charset_name_valid("../../etc", 9));
	assert_false(charset_name_valid("utf 8", 5));
	assert_false(charset_name_valid("utf-8\n", 6));
	char longname[CHARSET_NAME_MAX + 2];
	memset(longname, 'a', sizeof longname);
	assert_true(charset_name_valid(longname, CHARSET_NAME_MAX));
	assert_false(charset_name_valid(longname, CHARSET_NAME_MAX + 1));
}

static void test_latin1_is_cp1252(void **state)
{
	(void)state;
	/* smart quotes, euro and dash from Outlook in "iso-8859-1" mail */
	EXPECT("ISO-8859-1", "\x93quoted\x94 \x80" "5 \x96 caf\xe9", "\u201cquoted\u201d \u20ac5 \u2013 caf\u00e9");
	EXPECT("latin1", "\xe9", "\u00e9");
	EXPECT("windows-1252", "\x85", "\u2026");
	/* the five holes of windows-1252 are U+FFFD, not C1 controls */
	EXPECT("iso-8859-1", "a\x81" "b\x8d" "c\x8f" "d\x90" "e\x9d", "a\ufffdb\ufffdc\ufffdd\ufffde\ufffd");
}

static void test_ascii_and_unlabelled_guess(void **state)
{
	(void)state;
	/* US-ASCII labels that carry UTF-8 keep it; stray 8-bit bytes are read as windows-1252 */
	EXPECT("us-ascii", "na\xc3\xafve", "na\u00efve");
	EXPECT("US-ASCII", "na\xefve", "na\u00efve");
	EXPECT(NULL, "\xe2\x82\xac and \x80", "\u20ac and \u20ac");
	EXPECT("", "plain", "plain");
	EXPECT("unknown-8bit", "\xfc" "ber", "\u00fcber");
	EXPECT("\"us-ascii\"", "x", "x");
}

static void test_utf8_sanitize(void **state)
{
	(void)state;
	EXPECT("utf-8", "ok \xe2\x9c\x93", "ok \u2713");
	/* overlong, surrogate, past U+10FFFF, stray continuation, truncated sequence */
	EXPECT("UTF8", "a\xc0\xaf" "b", "a\ufffd\ufffdb");
	EXPECT("utf-8", "\xed\xa0\x80", "\ufffd\ufffd\ufffd");
	EXPECT("utf-8", "\xf4\x90\x80\x80", "\ufffd\ufffd\ufffd\ufffd");
	EXPECT("utf-8", "\x80x", "\ufffdx");
	EXPECT("utf-8", "x\xe2\x82", "x\ufffd");
	EXPECT("utf-8", "\xe2\x82" "x", "\ufffdx");
}

static void test_unknown_charset_is_utf8(void **state)
{
	(void)state;
	EXPECT("x-no-such-charset", "caf\xc3\xa9", "caf\u00e9");
	EXPECT("x-no-such-charset", "caf\xe9", "caf\ufffd");
	/* garbage labels never reach iconv_open */
	EXPECT("UTF-7//TRANSLIT", "+AGEAYgBj-", "+AGEAYgBj-");
	EXPECT("../../../../etc/passwd", "abc", "abc");
	assert_false(charset_known("x-no-such-charset", 17));
	assert_false(charset_known("a b", 3));
	assert_true(charset_known("koi8-r", 6));
	assert_true(charset_known("ISO-8859-1", 10));
}

static void test_mislabel_fixes(void **state)
{
	(void)state;
	/* GB2312 label, character only in GBK/GB18030 */
	EXPECT("gb2312", "\xe9\x46", "\u9555");
	EXPECT("GB2312", "\xc4\xe3\xba\xc3", "\u4f60\u597d");
	/* KS_C_5601-1987 label, character only in CP949 */
	EXPECT("ks_c_5601-1987", "\x94\xee", "\ubdc1");
	/* ISO-8859-8-I is visual/logical ordering only: same bytes as ISO-8859-8 */
	EXPECT("ISO-8859-8-I", "\xf9\xec\xe5\xed", "\u05e9\u05dc\u05d5\u05dd");
	/* Shift_JIS read as CP932 (NEC circled digit) */
	EXPECT("Shift_JIS", "\x87\x40", "\u2460");
	EXPECT("KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", "\u041f\u0440\u0438\u0432\u0435\u0442");
}

static void test_invalid_input_replaced_not_stopped(void **state)
{
	(void)state;
	/* a bad byte inside Shift_JIS, then more text: replacement, and the rest still converts */
	EXPECT("shift_jis", "\x93\xfa\xff\x96\x7b", "\u65e5\ufffd\u672c");
	/* a truncated multibyte character at the end */
	EXPECT("euc-jp", "\xc6\xfc\xcb", "\u65e5\ufffd");
	/* odd length UTF-16 */
	char *s = conv("UTF-16LE", "a\0b", 3);
	assert_string_equal(s, "a\ufffd");
	free(s);
}

static void test_state_reset_per_string(void **state)
{
	(void)state;
	/* the first string leaves ISO-2022-JP in JIS X 0208 mode (no ESC ( B at the end) */
	EXPECT("ISO-2022-JP", "\x1b$BF|", "\u65e5");
	/* the next string starts in ASCII again */
	EXPECT("ISO-2022-JP", "F|", "F|");
	EXPECT("iso-2022-jp", "\x1b$BF|K\\\x1b(B!", "\u65e5\u672c!");
}

static void test_lru_many_charsets(void **state)
{
	(void)state;
	static const char *const labels[] = {"koi8-r", "koi8-u", "cp866", "iso-8859-2", "iso-8859-5",
					     "iso-8859-7", "windows-1251", "windows-1250", "cp437", "big5",
					     "euc-jp", "iso-8859-15", "windows-1257", "utf-16be"};
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
			char *s = conv(labels[i], "Ab", 2);
			if (strcmp(labels[i], "utf-16be") == 0)
				assert_string_equal(s, "\u4162");
			else
				assert_string_equal(s, "Ab");
			free(s);
		}
	charset_cache_flush();
	EXPECT("koi8-r", "\xc1", "\u0430");
	charset_cache_flush();
	charset_cache_flush();
}

static void test_cap_gives_prefix(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 5);
	/* "éééé" needs 8 bytes: two characters fit, never half of one */
	assert_int_equal(charset_to_utf8(&b, "iso-8859-1", 10, "\xe9\xe9\xe9\xe9", 4), BUF_TOO_BIG);
	assert_true(charset_utf8_valid(buf_data(&b), buf_len(&b)));
	assert_true(buf_len(&b) <= 5);
	buf_free(&b);
	buf_init(&b, 7);
	assert_int_equal(charset_to_utf8(&b, "koi8-r", 6, "\xc1\xc1\xc1\xc1\xc1", 5), BUF_TOO_BIG);
	assert_true(charset_utf8_valid(buf_data(&b), buf_len(&b)));
	assert_int_equal(buf_len(&b), 6);
	buf_free(&b);
}

static void test_utf8_decode_and_put(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(charset_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1F600);
	assert_int_equal(charset_utf8_decode("\xf0\x9f\x98", 3, &cp), 3);
	assert_int_equal(cp, UINT32_MAX);
	assert_int_equal(charset_utf8_decode("\xe0\x80\x80", 3, &cp), 1); /* overlong: E0 needs A0..BF */
	assert_int_equal(charset_utf8_valid_prefix("ab\xff", 3), 2);
	struct buf b;
	buf_init(&b, 64);
	assert_int_equal(charset_put_utf8(&b, 0xD800), BUF_OK);
	assert_int_equal(charset_put_utf8(&b, 0x110000), BUF_OK);
	assert_int_equal(charset_put_utf8(&b, 0x10FFFF), BUF_OK);
	assert_string_equal(buf_data(&b), "\ufffd\ufffd\U0010ffff");
	buf_free(&b);
	assert_int_equal(charset_cp1252(0x80), 0x20AC);
	assert_int_equal(charset_cp1252(0xE9), 0xE9);
}

static void test_random_bytes_every_charset(void **state)
{
	(void)state;
	static const char *const labels[] = {NULL, "utf-8", "iso-8859-1", "us-ascii", "shift_jis",
					     "iso-2022-jp", "gb2312", "ks_c_5601-1987", "koi8-r", "utf-16",
					     "utf-7", "big5", "x-bogus"};
	unsigned seed = 12345;
	char in[257];
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)(round % 257);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (char)(seed >> 16);
		}
		for (size_t l = 0; l < sizeof labels / sizeof labels[0]; l++) {
			char *s = conv(labels[l], in, n);
			free(s);
		}
	}
	charset_cache_flush();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_validation),
		cmocka_unit_test(test_latin1_is_cp1252),
		cmocka_unit_test(test_ascii_and_unlabelled_guess),
		cmocka_unit_test(test_utf8_sanitize),
		cmocka_unit_test(test_unknown_charset_is_utf8),
		cmocka_unit_test(test_mislabel_fixes),
		cmocka_unit_test(test_invalid_input_replaced_not_stopped),
		cmocka_unit_test(test_state_reset_per_string),
		cmocka_unit_test(test_lru_many_charsets),
		cmocka_unit_test(test_cap_gives_prefix),
		cmocka_unit_test(test_utf8_decode_and_put),
		cmocka_unit_test(test_random_bytes_every_charset),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	charset_cache_flush();
	return rc;
}
