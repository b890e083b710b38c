/* Unit tests for ui/sanitize: nothing a terminal would interpret gets through; widths. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "mail/charset.h"
#include "sanitize.h"

static char *san(const char *in, size_t len, unsigned flags)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(san_text(in, len, flags, &b), 0);
	return buf_steal(&b);
}

#define SAN(s, f) san((s), sizeof(s) - 1, (f))

/* No byte of the output may be a C0 control (other than allowed tab/newline), DEL, or start a
 * C1 control (0xC2 0x80..0x9F), and the output must be valid UTF-8. */
static void assert_terminal_safe(const char *out, bool body)
{
	size_t len = strlen(out);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)out[i];
		if (c < 0x20 || c == 0x7F) {
			if (!(body && (c == '\t' || c == '\n')))
				fail_msg("control byte 0x%02x at %zu in '%s'", c, i, out);
		}
		uint32_t cp;
		size_t n = charset_utf8_decode(out + i, len - i, &cp);
		if (cp == 0xFFFD && !(n == 3 && (unsigned char)out[i] == 0xEF))
			fail_msg("invalid UTF-8 at %zu", i);
		if (cp >= 0x80 && cp <= 0x9F)
			fail_msg("C1 control U+%04X at %zu", cp, i);
		if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
			fail_msg("bidi control U+%04X at %zu", cp, i);
		i += n;
	}
}

static void test_escape_sequences_never_pass(void **state)
{
	static const char *hostile[] = {
		"\x1b[2J\x1b[H clear screen",
		"\x1b]52;c;ZXZpbA==\x07 clipboard write",
		"\x1b]0;title\x1b\\ title",
		"\xc2\x9b" "31m C1 CSI",
		"\xc2\x9d" "0;x\xc2\x9c C1 OSC",
		"\x9b" "31m raw C1 byte",
		"bell\x07 backspace\x08 nul",
		"\x1bP+q544e\x1b\\ DCS",
		"overlong ESC \xc0\x9b and \xe0\x80\x9b",
		"surrogate \xed\xa0\x80 and past max \xf4\x90\x80\x80",
		"truncated \xe2\x82",
	};
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		for (unsigned f = 0; f < 4; f++) {
			char *o = san(hostile[i], strlen(hostile[i]), f);
			assert_terminal_safe(o, f & SAN_BODY);
			if (f & SAN_LOCALE_ASCII)
				for (const char *p = o; *p; p++)
					assert_true((unsigned char)*p < 0x80);
			free(o);
		}
	}
	char *o = SAN("a\x1b[31mb", 0);
	assert_string_equal(o, "a\xe2\x90\x9b[31mb"); /* ESC shown as U+241B */
	free(o);
	o = SAN("a\x1b[31mb", SAN_LOCALE_ASCII);
	assert_string_equal(o, "a^[[31mb");
	free(o);
	/* an embedded NUL does not end the string early, and is shown */
	o = SAN("a\0b", 0);
	assert_string_equal(o, "a\xe2\x90\x80" "b");
	free(o);
}

static void test_lines_and_bodies(void **state)
{
	char *o = SAN("Subject:\tone\r\ntwo\rthree\n", 0);
	assert_string_equal(o, "Subject: one two three ");
	free(o);
	o = SAN("para\tone\r\ntwo\rthree\n", SAN_BODY);
	assert_string_equal(o, "para\tone\ntwo\nthree\n");
	free(o);
}

static void test_bidi_is_visible(void **state)
{
	/* the classic "invoice\u202Efdp.exe" trick */
	char *o = SAN("invoice\xe2\x80\xae" "fdp.exe", 0);
	assert_string_equal(o, "invoice<RLO>fdp.exe");
	free(o);
	o = SAN("\xe2\x81\xa6x\xe2\x81\xa9 \xe2\x80\x8f", 0);
	assert_string_equal(o, "<LRI>x<PDI> <RLM>");
	free(o);
	/* zero-width space, BOM and tag characters are dropped so they can't hide text */
	o = SAN("pay\xe2\x80\x8bpal\xef\xbb\xbf\xf3\xa0\x80\x81", 0);
	assert_string_equal(o, "paypal");
	free(o);
}

static void test_valid_text_unchanged(void **state)
{
	const char *t = "Ré: 日本語 テスト — Привет 🙂 e\xcc\x81";
	char *o = san(t, strlen(t), 0);
	assert_string_equal(o, t);
	free(o);
	o = san(t, strlen(t), SAN_LOCALE_ASCII);
	assert_string_equal(o, "R?: ??? ??? ? ?????? ? e?");
	free(o);
}

static void test_widths(void **state)
{
	assert_int_equal(text_width("abc", 3), 3);
	assert_int_equal(text_width("日本", 6), 4);
	assert_int_equal(text_width("e\xcc\x81", 3), 1); /* e + combining acute */
	assert_int_equal(text_width("\xf0\x9f\x99\x82", 4), 2); /* emoji */

	int used;
	const char *s = "ab日本c";
	/* 5 columns: "ab" (2) + "日" (2) = 4; "本" would make 6 */
	assert_int_equal(text_fit(s, strlen(s), 5, &used), 5);
	assert_int_equal(used, 4);
	assert_int_equal(text_fit(s, strlen(s), 6, &used), 8);
	assert_int_equal(used, 6);
	assert_int_equal(text_fit(s, strlen(s), 0, &used), 0);
	/* a combining mark stays with its base */
	const char *c = "ae\xcc\x81z";
	assert_int_equal(text_fit(c, strlen(c), 2, &used), 4);
	assert_int_equal(used, 2);
	/* never split: every cut is at a character boundary */
	const char *m = "x日本語テスト🙂y";
	for (int cols = 0; cols < 20; cols++) {
		size_t n = text_fit(m, strlen(m), cols, &used);
		assert_true(used <= cols);
		assert_int_equal(text_width(m, n), used);
		if (n < strlen(m))
			assert_true(((unsigned char)m[n] & 0xC0) != 0x80);
	}
}

/* Random bytes: the output is always terminal-safe. */
static void test_random_bytes(void **state)
{
	unsigned seed = 12345;
	char in[256];
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(round % 256);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (char)(seed >> 16);
		}
		char *o = san(in, len, (unsigned)round & 3);
		assert_terminal_safe(o, round & 1);
		free(o);
	}
}

static void test_cap(void **state)
{
	struct buf b;
	buf_init(&b, 4);
	assert_int_equal(san_text("abcdef", 6, 0, &b), -1);
	assert_int_equal(buf_len(&b), 4);
	buf_free(&b);
}

int main(void)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "en_US.UTF-8")) {
		fprintf(stderr, "no UTF-8 locale (C.UTF-8) available\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_sequences_never_pass),
		cmocka_unit_test(test_lines_and_bodies),
		cmocka_unit_test(test_bidi_is_visible),
		cmocka_unit_test(test_valid_text_unchanged),
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
