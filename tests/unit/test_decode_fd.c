/* Unit tests for src/mail/decode_fd: base64 and quoted-printable decoded into a file as pieces
 * arrive, the same bytes whatever the split; write errors reported. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base64.h"
#include "mail/decode_fd.h"
#include "mail/mime.h"
#include "mail/qp.h"

static int tmpfile_fd(void)
{
	char path[] = "/tmp/skua-decode-fd-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/* The file's bytes into out. */
static void slurp(int fd, struct buf *out)
{
	buf_reset(out);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	char tmp[65536];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		assert_int_equal(buf_append(out, tmp, (size_t)n), BUF_OK);
	assert_int_equal(n, 0);
}

/* Feeds in[] split at `cut` (and `cut2`), returns what landed in the file. */
static void run_split(enum mime_encoding enc, const char *in, size_t n, size_t cut, size_t cut2,
		      struct buf *got)
{
	int fd = tmpfile_fd();
	struct decode_fd d;
	decode_fd_init(&d, enc, fd);
	assert_int_equal(decode_fd_feed(&d, in, cut), 0);
	assert_int_equal(decode_fd_feed(&d, in + cut, cut2 - cut), 0);
	assert_int_equal(decode_fd_feed(&d, in + cut2, n - cut2), 0);
	assert_int_equal(decode_fd_finish(&d), 0);
	assert_int_equal(d.in, n);
	decode_fd_free(&d);
	slurp(fd, got);
	assert_int_equal(d.out, buf_len(got));
	close(fd);
}

static void check_every_split(enum mime_encoding enc, const char *in, const struct buf *want)
{
	size_t n = strlen(in);
	struct buf got;
	buf_init(&got, 1 << 20);
	for (size_t cut = 0; cut <= n; cut++) {
		for (size_t cut2 = cut; cut2 <= n; cut2 += (n / 7) + 1) {
			run_split(enc, in, n, cut, cut2, &got);
			if (buf_len(&got) != buf_len(want) ||
			    memcmp(buf_data(&got), buf_data(want), buf_len(want)) != 0)
				fail_msg("split at %zu/%zu: %zu bytes, want %zu", cut, cut2, buf_len(&got),
					 buf_len(want));
		}
	}
	buf_free(&got);
}

static void test_base64_splits(void **state)
{
	(void)state;
	/* line breaks, junk, a missing pad and concatenated padded pieces, as in real mail */
	static const char *const cases[] = {
		"SGVsbG8sIHdvcmxkIQ==\r\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\r\n//79/A==\r\n",
		"SGVs\r\nbG8=SGk=\r\n!!junk!!QUJD\r\nRA",
		"",
		"=",
	};
	struct buf want;
	buf_init(&want, 1 << 20);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_reset(&want);
		assert_int_equal(base64_decode(&want, cases[i], strlen(cases[i]), BASE64_LENIENT), BASE64_OK);
		check_every_split(MIME_ENC_BASE64, cases[i], &want);
	}
	buf_free(&want);
}

static void test_qp_splits(void **state)
{
	(void)state;
	static const char *const cases[] = {
		"caf=C3=A9 na=EFve=\r\nsoft break, =3D literal, bad =G1 and =4\r\ntrailing  \r\nend=",
		"=\r\n=0D=0A\r\nx= \t \r\ny=\n\xff\x00z",
		"a\r",
	};
	struct buf want;
	buf_init(&want, 1 << 20);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_reset(&want);
		assert_int_equal(qp_decode(&want, cases[i], strlen(cases[i])), BUF_OK);
		check_every_split(MIME_ENC_QP, cases[i], &want);
	}
	buf_free(&want);
}

/* 7bit/binary pass through; a big part in one call (more than the internal buffer). */
static void test_passthrough_and_big(void **state)
{
	(void)state;
	size_t n = (size_t)3 << 20;
	unsigned char *raw = malloc(n);
	assert_non_null(raw);
	for (size_t i = 0; i < n; i++)
		raw[i] = (unsigned char)(i * 131 + (i >> 9));
	struct buf enc, got;
	buf_init(&enc, (size_t)8 << 20);
	buf_init(&got, (size_t)8 << 20);
	assert_int_equal(base64_encode(&enc, raw, n), BASE64_OK);
	run_split(MIME_ENC_BASE64, buf_data(&enc), buf_len(&enc), buf_len(&enc) / 3, buf_len(&enc) / 3 + 1,
		  &got);
	assert_int_equal(buf_len(&got), n);
	assert_memory_equal(buf_data(&got), raw, n);
	run_split(MIME_ENC_BINARY, (const char *)raw, n, 5, n - 5, &got);
	assert_int_equal(buf_len(&got), n);
	assert_memory_equal(buf_data(&got), raw, n);
	buf_free(&enc);
	buf_free(&got);
	free(raw);
}

static void test_write_error(void **state)
{
	(void)state;
	int fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	struct decode_fd d;
	decode_fd_init(&d, MIME_ENC_QP, fd);
	assert_int_equal(decode_fd_feed(&d, "hello", 5), -1);
	assert_int_equal(d.err, EBADF);
	assert_int_equal(decode_fd_feed(&d, "more", 4), -1); /* stays failed */
	assert_int_equal(decode_fd_finish(&d), -1);
	decode_fd_free(&d);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_splits),
		cmocka_unit_test(test_qp_splits),
		cmocka_unit_test(test_passthrough_and_big),
		cmocka_unit_test(test_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
