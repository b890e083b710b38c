/* Unit tests for src/imap/mutf7: RFC 3501 example, round trips (accents, CJK, emoji, '&',
 * Gmail names), strict encoding, defensive decoding under both policies. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/mutf7.h"

static void expect_encode(const char *utf8, const char *want)
{
	struct buf b;
	buf_init(&b, 4096);
	assert_int_equal(mutf7_encode(&b, utf8, strlen(utf8)), MUTF7_OK);
	assert_string_equal(buf_data(&b), want);
	buf_free(&b);
}

static void expect_decode(const char *m, enum mutf7_policy pol, const char *want)
{
	struct buf b;
	buf_init(&b, 4096);
	assert_int_equal(mutf7_decode(&b, m, strlen(m), pol), MUTF7_OK);
	assert_string_equal(buf_data(&b), want);
	buf_free(&b);
}

static void expect_invalid(const char *m)
{
	struct buf b;
	buf_init(&b, 4096);
	assert_int_equal(buf_append_str(&b, "x"), BUF_OK);
	assert_int_equal(mutf7_decode(&b, m, strlen(m), MUTF7_STRICT), MUTF7_INVALID);
	assert_string_equal(buf_data(&b), "x"); /* untouched */
	buf_free(&b);
}

static void roundtrip(const char *utf8, const char *wire)
{
	expect_encode(utf8, wire);
	expect_decode(wire, MUTF7_STRICT, utf8);
	expect_decode(wire, MUTF7_REPLACE, utf8);
}

static void test_rfc3501_example(void **state)
{
	/* RFC 3501 §5.1.3: "~peter/mail/台北/日本語" */
	roundtrip("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		  "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
}

static void test_roundtrips(void **state)
{
	roundtrip("", "");
	roundtrip("INBOX", "INBOX");
	roundtrip("Re\xc3\xa7us", "Re&AOc-us");                      /* Reçus */
	roundtrip("&", "&-");                                          /* '&' itself */
	roundtrip("Tom & Jerry", "Tom &- Jerry");
	roundtrip("&&", "&-&-");
	roundtrip("\xf0\x9f\x93\xa7", "&2D3c5w-");                     /* 📧 U+1F4E7: surrogate pair */
	roundtrip("a\xf0\x9f\x98\x80" "b", "a&2D3eAA-b");              /* 😀 */
	/* [Gmail]/Всі листи */
	roundtrip("[Gmail]/\xd0\x92\xd1\x81\xd1\x96 \xd0\xbb\xd0\xb8\xd1\x81\xd1\x82\xd0\xb8",
		  "[Gmail]/&BBIEQQRW- &BDsEOARBBEIEOA-");
	/* one run across several non-ASCII characters, then ASCII */
	roundtrip("\xc3\xa9\xc3\xa8\xc3\xa0x", "&AOkA6ADg-x");
	/* controls must be encoded too */
	roundtrip("a\tb", "a&AAk-b");
	roundtrip("\x7f", "&AH8-");
	/* CJK */
	roundtrip("\xe4\xb8\xad\xe6\x96\x87", "&Ti1lhw-");
}

static void test_encode_rejects_bad_utf8(void **state)
{
	static const char *const bad[] = {
		"\xc3",             /* truncated */
		"\xc0\xaf",         /* overlong '/' */
		"\xe0\x80\xaf",     /* overlong */
		"\xed\xa0\x80",     /* UTF-8-encoded surrogate U+D800 */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"\xff",
		"a\x80",            /* stray continuation */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf b;
		buf_init(&b, 64);
		assert_int_equal(mutf7_encode(&b, bad[i], strlen(bad[i])), MUTF7_INVALID);
		assert_int_equal(buf_len(&b), 0);
		assert_false(mutf7_utf8_valid(bad[i], strlen(bad[i])));
		buf_free(&b);
	}
	/* NUL inside the given length */
	struct buf b;
	buf_init(&b, 64);
	assert_int_equal(mutf7_encode(&b, "a\0b", 3), MUTF7_INVALID);
	buf_free(&b);
	assert_true(mutf7_utf8_valid("Re\xc3\xa7us \xf0\x9f\x93\xa7", 11));
}

static void test_decode_strict_flaws(void **state)
{
	expect_invalid("&");            /* unterminated, nothing after */
	expect_invalid("&AOc");         /* unterminated */
	expect_invalid("&AOc.x-");      /* bad character inside a shift */
	expect_invalid("&AGE-");        /* 'a' must not be encoded */
	expect_invalid("&AAA-");        /* NUL */
	expect_invalid("&2D0-");        /* lone high surrogate (U+D83D) */
	expect_invalid("&3,c-");        /* lone low surrogate */
	expect_invalid("&2D3YPQ-");     /* high followed by high */
	expect_invalid("&AOk-&AOg-");   /* two runs back to back (non-canonical) */
	expect_invalid("&AOd-");        /* non-zero padding bits */
	expect_invalid("&AOcA-");       /* 6 leftover bits: not padding */
	expect_invalid("Re\xc3\xa7us"); /* raw 8-bit */
	expect_invalid("a\tb");         /* raw control */
	expect_invalid("&A-");          /* too short for one unit */
	/* a run and then "&-" is canonical */
	expect_decode("&AOc-&-", MUTF7_STRICT, "\xc3\xa7&");
}

static void test_decode_replace_policy(void **state)
{
	const char *fffd = "\xef\xbf\xbd";
	char want[64];
	expect_decode("&AOc", MUTF7_REPLACE, fffd);
	snprintf(want, sizeof want, "a%sb", fffd);
	expect_decode("a&AGE-b", MUTF7_REPLACE, want);
	snprintf(want, sizeof want, "%s.x-", fffd);
	expect_decode("&AOc.x-", MUTF7_REPLACE, want);
	snprintf(want, sizeof want, "x%sy", fffd);
	expect_decode("x\x01y", MUTF7_REPLACE, want);
	snprintf(want, sizeof want, "%s&", fffd);
	expect_decode("&&-", MUTF7_REPLACE, want);
	/* raw UTF-8 from a sloppy server is kept; a broken byte is replaced */
	expect_decode("Re\xc3\xa7us", MUTF7_REPLACE, "Re\xc3\xa7us");
	snprintf(want, sizeof want, "a%sb", fffd);
	expect_decode("a\xc3" "b", MUTF7_REPLACE, want);
	/* a good run after a bad one still decodes */
	snprintf(want, sizeof want, "%s/\xc3\xa7", fffd);
	expect_decode("&2D0-/&AOc-", MUTF7_REPLACE, want);
}

static void test_decode_caps_and_garbage(void **state)
{
	struct buf b;
	buf_init(&b, 4);
	assert_int_equal(mutf7_decode(&b, "ABCDEFG", 7, MUTF7_STRICT), MUTF7_TOO_BIG);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(mutf7_encode(&b, "\xe4\xb8\xad\xe6\x96\x87", 6), MUTF7_TOO_BIG);
	assert_int_equal(buf_len(&b), 0);
	buf_free(&b);
	/* every byte value, in both policies: no crash, REPLACE always succeeds */
	unsigned char junk[512];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof junk; i++) {
		x = x * 1103515245 + 12345;
		junk[i] = (unsigned char)(i % 3 == 0 ? '&' : (x >> 16));
	}
	for (size_t len = 0; len <= sizeof junk; len += 7) {
		buf_init(&b, 1 << 16);
		enum mutf7_result r = mutf7_decode(&b, (const char *)junk, len, MUTF7_STRICT);
		assert_true(r == MUTF7_OK || r == MUTF7_INVALID);
		buf_reset(&b);
		assert_int_equal(mutf7_decode(&b, (const char *)junk, len, MUTF7_REPLACE), MUTF7_OK);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3501_example),
		cmocka_unit_test(test_roundtrips),
		cmocka_unit_test(test_encode_rejects_bad_utf8),
		cmocka_unit_test(test_decode_strict_flaws),
		cmocka_unit_test(test_decode_replace_policy),
		cmocka_unit_test(test_decode_caps_and_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
