/* Unit tests for src/base64: RFC 4648 vectors, strict rejections, lenient MIME-style input,
 * streaming in every split, caps. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base64.h"

/* RFC 4648 §10 test vectors. */
static const char *const vec_plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const vec_b64[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

static void test_rfc4648_vectors(void **state)
{
	for (size_t i = 0; i < sizeof vec_plain / sizeof vec_plain[0]; i++) {
		struct buf b;
		buf_init(&b, 1024);
		assert_int_equal(base64_encode(&b, vec_plain[i], strlen(vec_plain[i])), BASE64_OK);
		assert_string_equal(buf_data(&b), vec_b64[i]);
		assert_int_equal(base64_encoded_len(strlen(vec_plain[i])), strlen(vec_b64[i]));
		buf_reset(&b);
		assert_int_equal(base64_decode(&b, vec_b64[i], strlen(vec_b64[i]), BASE64_STRICT), BASE64_OK);
		assert_int_equal(buf_len(&b), strlen(vec_plain[i]));
		assert_memory_equal(buf_data(&b), vec_plain[i], buf_len(&b));
		buf_free(&b);
	}
}

static void test_binary_roundtrip(void **state)
{
	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (size_t n = 0; n <= sizeof all; n += 17) {
		struct buf e, d;
		buf_init(&e, 4096);
		buf_init(&d, 4096);
		assert_int_equal(base64_encode(&e, all, n), BASE64_OK);
		assert_int_equal(base64_decode(&d, buf_data(&e), buf_len(&e), BASE64_STRICT), BASE64_OK);
		assert_int_equal(buf_len(&d), n);
		assert_memory_equal(buf_data(&d), all, n);
		buf_free(&e);
		buf_free(&d);
	}
}

static void test_strict_rejects(void **state)
{
	static const char *const bad[] = {
		"Zg",        /* missing padding */
		"Zg=",       /* half the padding */
		"Z===",      /* padding after one character */
		"=Zg=",      /* padding first */
		"Zg==Zg==",  /* data after the end */
		"Zm9v\r\n",  /* whitespace */
		"Zm 9v",     /* space inside */
		"Zh==",      /* non-zero unused bits ("f" is Zg==) */
		"Zm9=",      /* non-zero unused bits */
		"Zm9v!A==",  /* junk */
		"Zm9vYmFy=", /* stray padding */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf b;
		buf_init(&b, 1024);
		assert_int_equal(buf_append_str(&b, "keep"), BUF_OK);
		assert_int_equal(base64_decode(&b, bad[i], strlen(bad[i]), BASE64_STRICT), BASE64_INVALID);
		/* the output is left as it was */
		assert_string_equal(buf_data(&b), "keep");
		buf_free(&b);
	}
}

static void test_lenient_mime(void **state)
{
	struct buf b;
	buf_init(&b, 1024);
	const char *in = "Zm9v\r\nYmFy\r\n  Zm9v\tYg==\r\n";
	assert_int_equal(base64_decode(&b, in, strlen(in), BASE64_LENIENT), BASE64_OK);
	assert_string_equal(buf_data(&b), "foobarfoob");

	/* junk characters are skipped, missing padding is fine */
	buf_reset(&b);
	in = "Zm9v!!YmE*";
	assert_int_equal(base64_decode(&b, in, strlen(in), BASE64_LENIENT), BASE64_OK);
	assert_string_equal(buf_data(&b), "fooba");

	/* parts concatenated after their own padding still decode */
	buf_reset(&b);
	in = "Zg==Zm8=Zm9v";
	assert_int_equal(base64_decode(&b, in, strlen(in), BASE64_LENIENT), BASE64_OK);
	assert_string_equal(buf_data(&b), "ffofoo");

	/* a dangling single character yields nothing; a lone '=' is harmless */
	buf_reset(&b);
	in = "Zm9vY";
	assert_int_equal(base64_decode(&b, in, strlen(in), BASE64_LENIENT), BASE64_OK);
	assert_string_equal(buf_data(&b), "foo");
	buf_reset(&b);
	assert_int_equal(base64_decode(&b, "====", 4, BASE64_LENIENT), BASE64_OK);
	assert_int_equal(buf_len(&b), 0);
	buf_free(&b);
}

/* Every way of cutting the input in two, and byte at a time, gives the one-shot result. */
static void check_splits(const char *in, enum base64_mode mode)
{
	size_t n = strlen(in);
	struct buf want;
	buf_init(&want, 4096);
	enum base64_result wr = base64_decode(&want, in, n, mode);
	for (size_t cut = 0; cut <= n; cut++) {
		struct base64_decoder d;
		struct buf got;
		buf_init(&got, 4096);
		base64_decoder_init(&d, mode);
		enum base64_result r = base64_decoder_update(&d, &got, in, cut);
		if (r == BASE64_OK)
			r = base64_decoder_update(&d, &got, in + cut, n - cut);
		if (r == BASE64_OK)
			r = base64_decoder_finish(&d, &got);
		assert_int_equal(r, wr);
		if (r == BASE64_OK) {
			assert_int_equal(buf_len(&got), buf_len(&want));
			assert_memory_equal(buf_data(&got), buf_data(&want), buf_len(&want));
		}
		buf_free(&got);
	}
	struct base64_decoder d;
	struct buf got;
	buf_init(&got, 4096);
	base64_decoder_init(&d, mode);
	enum base64_result r = BASE64_OK;
	for (size_t i = 0; i < n && r == BASE64_OK; i++)
		r = base64_decoder_update(&d, &got, in + i, 1);
	if (r == BASE64_OK)
		r = base64_decoder_finish(&d, &got);
	assert_int_equal(r, wr);
	if (r == BASE64_OK)
		assert_memory_equal(buf_data(&got), buf_data(&want), buf_len(&want));
	buf_free(&got);
	buf_free(&want);
}

static void test_streaming_splits(void **state)
{
	check_splits("Zm9vYmFyZm9vYg==", BASE64_STRICT);
	check_splits("Zm9vYmE=", BASE64_STRICT);
	check_splits("Zm9vYmE", BASE64_STRICT);
	check_splits("Zm9v=mE=", BASE64_STRICT);
	check_splits("Zm9v\r\nYmFy\r\nZg==Zm8", BASE64_LENIENT);
	/* long input crosses the decoder's internal chunk */
	char big[4001];
	for (size_t i = 0; i < 4000; i++)
		big[i] = "QUJD"[i % 4];
	big[4000] = '\0';
	check_splits(big, BASE64_STRICT);
}

static void test_caps(void **state)
{
	struct buf b;
	buf_init(&b, 5);
	assert_int_equal(base64_encode(&b, "foo", 3), BASE64_OK); /* 4 bytes fit */
	assert_int_equal(base64_encode(&b, "foo", 3), BASE64_TOO_BIG);
	assert_string_equal(buf_data(&b), "Zm9v");
	buf_free(&b);
	buf_init(&b, 5);
	assert_int_equal(base64_decode(&b, "Zm9vYmFy", 8, BASE64_STRICT), BASE64_TOO_BIG);
	assert_int_equal(buf_len(&b), 0);
	buf_free(&b);
	assert_int_equal(base64_encoded_len(SIZE_MAX), SIZE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_binary_roundtrip),
		cmocka_unit_test(test_strict_rejects),
		cmocka_unit_test(test_lenient_mime),
		cmocka_unit_test(test_streaming_splits),
		cmocka_unit_test(test_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
