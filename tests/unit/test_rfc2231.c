/* Unit tests for src/mail/rfc2231: parameter continuations, charsets, broken real-world forms. */
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
#include "mail/rfc2231.h"

#define P(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}

static char *get(const struct mime_param *v, size_t n, const char *name, bool *found)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(rfc2231_param_get(&b, v, n, name, found), BUF_OK);
	assert_true(charset_utf8_valid(buf_data(&b), buf_len(&b)));
	char *s = buf_steal(&b);
	assert_non_null(s);
	return s;
}

static void expect(const struct mime_param *v, size_t n, const char *name, const char *want)
{
	bool found;
	char *s = get(v, n, name, &found);
	assert_true(found);
	if (strcmp(s, want) != 0)
		fail_msg("%s = \"%s\", want \"%s\"", name, s, want);
	free(s);
}

#define EXPECT(arr, name, want) expect(arr, sizeof(arr) / sizeof(arr[0]), name, want)

static void test_plain(void **state)
{
	(void)state;
	const struct mime_param v[] = {P("charset", "us-ascii"), P("NAME", "report.pdf")};
	EXPECT(v, "name", "report.pdf");
	EXPECT(v, "Charset", "us-ascii");
	bool found = true;
	char *s = get(v, 2, "filename", &found);
	assert_false(found);
	assert_string_equal(s, "");
	free(s);
	size_t len;
	assert_string_equal(rfc2231_param_raw(v, 2, "charset", &len), "us-ascii");
	assert_int_equal(len, 8);
	assert_null(rfc2231_param_raw(v, 2, "boundary", &len));
}

static void test_extended_single(void **state)
{
	(void)state;
	const struct mime_param a[] = {P("filename*", "UTF-8''%E2%82%AC%20rates.pdf")};
	EXPECT(a, "filename", "\u20ac rates.pdf");
	const struct mime_param b[] = {P("filename*", "iso-8859-1'de'Gr%FC%DFe.txt")};
	EXPECT(b, "filename", "Gr\u00fc\u00dfe.txt");
	/* the extended form wins over the plain one sent alongside for old readers */
	const struct mime_param c[] = {P("filename", "fallback.txt"), P("filename*", "utf-8''real%2Etxt")};
	EXPECT(c, "filename", "real.txt");
	/* mislabelled charset: windows-1252 quote in iso-8859-1 */
	const struct mime_param d[] = {P("title*", "iso-8859-1''%93x%94")};
	EXPECT(d, "title", "\u201cx\u201d");
	/* bad percent escapes are kept; no quotes at all: percent-decoded, UTF-8 guessed */
	const struct mime_param e[] = {P("name*", "utf-8''100%25 %zz %4")};
	EXPECT(e, "name", "100% %zz %4");
	const struct mime_param f[] = {P("name*", "caf%C3%A9")};
	EXPECT(f, "name", "caf\u00e9");
	/* unknown charset: UTF-8 with replacement */
	const struct mime_param g[] = {P("name*", "x-bogus''a%FFb")};
	EXPECT(g, "name", "a\ufffdb");
}

static void test_continuations(void **state)
{
	(void)state;
	/* RFC 2231 §3 and §4 examples */
	const struct mime_param a[] = {
		P("URL*0", "ftp://"),
		P("URL*1", "cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"),
	};
	EXPECT(a, "url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
	const struct mime_param b[] = {
		P("title*0*", "us-ascii'en'This%20is%20even%20more%20"),
		P("title*1*", "%2A%2A%2Afun%2A%2A%2A%20"),
		P("title*2", "isn't it!"),
	};
	EXPECT(b, "title", "This is even more ***fun*** isn't it!");
}

static void test_continuations_random_order(void **state)
{
	(void)state;
	/* a UTF-8 character split between segments 1 and 2, segments sent out of order */
	const struct mime_param a[] = {
		P("filename*2*", "%A9_final.doc"),
		P("filename*0*", "UTF-8''r%C3%A9sum"),
		P("filename*10", "!"),
		P("filename*1*", "%C3"),
		P("filename", "ignored.doc"),
	};
	EXPECT(a, "filename", "r\u00e9sum\u00e9_final.doc!");
	/* every permutation of four segments gives the same value */
	static const char *const segs[4][2] = {
		{"n*0*", "utf-8''%E6%97"}, {"n*1*", "%A5%E6"}, {"n*2*", "%9C%AC"}, {"n*3", ".txt"}};
	int perm[4] = {0, 1, 2, 3};
	for (int round = 0; round < 24; round++) {
		/* next permutation (Heap-free: lexicographic) */
		struct mime_param v[4];
		for (int i = 0; i < 4; i++)
			v[i] = (struct mime_param){segs[perm[i]][0], strlen(segs[perm[i]][0]), segs[perm[i]][1],
						   strlen(segs[perm[i]][1])};
		expect(v, 4, "n", "\u65e5\u672c.txt");
		int i = 2;
		while (i >= 0 && perm[i] > perm[i + 1])
			i--;
		if (i < 0)
			break;
		int j = 3;
		while (perm[j] < perm[i])
			j--;
		int t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
		for (int l = i + 1, r = 3; l < r; l++, r--) {
			t = perm[l];
			perm[l] = perm[r];
			perm[r] = t;
		}
	}
}

static void test_duplicates_and_junk_names(void **state)
{
	(void)state;
	const struct mime_param a[] = {
		P("name*0", "first"), P("name*0", "second"), P("name*x", "junk"), P("name*1*2", "junk"),
		P("name*99999", "too-big"), P("name*", ""), P("names", "other"), P("name*1", "-part"),
	};
	EXPECT(a, "name", "first-part");
	/* more segments than the bound: the rest are ignored, no overflow */
	struct mime_param many[RFC2231_MAX_SEGMENTS + 20];
	char names[RFC2231_MAX_SEGMENTS + 20][16];
	for (int i = 0; i < RFC2231_MAX_SEGMENTS + 20; i++) {
		int len = snprintf(names[i], sizeof names[i], "f*%d", i);
		many[i] = (struct mime_param){names[i], (size_t)len, "x", 1};
	}
	bool found;
	char *s = get(many, RFC2231_MAX_SEGMENTS + 20, "f", &found);
	assert_true(found);
	assert_int_equal(strlen(s), RFC2231_MAX_SEGMENTS);
	free(s);
}

static void test_broken_2047_in_quoted_params(void **state)
{
	(void)state;
	/* what Outlook, Gmail and others send instead of RFC 2231 */
	const struct mime_param a[] = {P("filename", "=?UTF-8?B?0J7RgtGH0ZHRgiDQt9CwINC80LDRgNGCLnBkZg==?=")};
	EXPECT(a, "filename",
	       "\u041e\u0442\u0447\u0451\u0442 \u0437\u0430 \u043c\u0430\u0440\u0442.pdf");
	const struct mime_param b[] = {P("name", "=?iso-8859-1?Q?Gr=FC=DFe?= =?iso-8859-1?Q?.txt?=")};
	EXPECT(b, "name", "Gr\u00fc\u00dfe.txt");
	/* raw 8-bit in a quoted filename: UTF-8 kept, else windows-1252 */
	const struct mime_param c[] = {P("filename", "Caf\xe9.doc"), P("name", "na\xc3\xafve.txt")};
	EXPECT(c, "filename", "Caf\u00e9.doc");
	EXPECT(c, "name", "na\u00efve.txt");
}

static void test_null_values_and_truncations(void **state)
{
	(void)state;
	const struct mime_param a[] = {{"name", 4, NULL, 0}, {"x*0*", 4, NULL, 0}};
	EXPECT(a, "name", "");
	EXPECT(a, "x", "");
	/* every truncation of a tricky extended value */
	const char *val = "utf-8'en'%E6%97%A5%";
	for (size_t cut = 0; cut <= strlen(val); cut++) {
		struct mime_param v = {"k*", 2, val, cut};
		bool found;
		char *s = get(&v, 1, "k", &found);
		assert_true(found);
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_extended_single),
		cmocka_unit_test(test_continuations),
		cmocka_unit_test(test_continuations_random_order),
		cmocka_unit_test(test_duplicates_and_junk_names),
		cmocka_unit_test(test_broken_2047_in_quoted_params),
		cmocka_unit_test(test_null_values_and_truncations),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	charset_cache_flush();
	return rc;
}
