/* Unit tests for src/mail/qp: lenient quoted-printable, one-shot, byte-dripped and split. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mail/qp.h"

struct vec {
	const char *in;
	size_t in_len;
	const char *want;
	size_t want_len;
};

#define V(i, w) {i, sizeof(i) - 1, w, sizeof(w) - 1}

static const struct vec vecs[] = {
	V("Caf=C3=A9", "Caf\xc3\xa9"),
	V("lower =c3=a9 case", "lower \xc3\xa9 case"),
	V("soft=\r\nbreak", "softbreak"),
	V("bare LF soft=\nbreak", "bare LF softbreak"),
	V("blanks after =  \t\r\nsoft", "blanks after soft"),
	V("blanks after = \nsoft, bare LF", "blanks after soft, bare LF"),
	V("ends with =", "ends with "),
	V("ends with = \t", "ends with "),
	V("ends with =\r", "ends with "),
	V("ends half =4", "ends half =4"),
	V("bad =G1 and =4G and a = b", "bad =G1 and =4G and a = b"),
	V("==41", "=A"),
	V("=\r=41", "=\r" "A"),
	V("=3D=3d", "=="),
	V("hard\r\nbreak\nbare", "hard\nbreak\nbare"),
	V("trailing   \r\nblanks\t \nend  ", "trailing   \nblanks\t \nend  "),
	V("-- \r\nsig", "-- \nsig"),
	V("bare\rCR", "bare\rCR"),
	V("blank then CR \rx", "blank then CR \rx"),
	V("8bit \xe9 kept", "8bit \xe9 kept"),
	V("nul=00byte", "nul\0byte"),
	V("=20\r\n", " \n"),
	V("", ""),
	V("=", ""),
	V("=\n=\n=\n", ""),
	V("line=\r\n\r\nnext", "line\nnext"),
	V("=E2=80=\r\n=9C split escape over soft break", "\xe2\x80\x9c split escape over soft break"),
};

static void decode_chunks(const char *in, size_t n, const size_t *cuts, size_t ncuts, struct buf *out)
{
	struct qp_decoder d;
	qp_decoder_init(&d);
	size_t at = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		assert_int_equal(qp_decoder_update(&d, out, in + at, end - at), BUF_OK);
		at = end;
	}
	assert_int_equal(qp_decoder_finish(&d, out), BUF_OK);
}

static void check(const struct vec *v, const struct buf *b)
{
	if (buf_len(b) != v->want_len || memcmp(buf_data(b), v->want, v->want_len) != 0)
		fail_msg("qp(\"%s\") = \"%s\"", v->in, buf_data(b));
}

static void test_vectors_one_shot(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		struct buf b;
		buf_init(&b, 4096);
		assert_int_equal(qp_decode(&b, vecs[i].in, vecs[i].in_len), BUF_OK);
		check(&vecs[i], &b);
		buf_free(&b);
	}
}

static void test_vectors_dripped(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		struct buf b;
		struct qp_decoder d;
		buf_init(&b, 4096);
		qp_decoder_init(&d);
		for (size_t k = 0; k < vecs[i].in_len; k++)
			assert_int_equal(qp_decoder_update(&d, &b, vecs[i].in + k, 1), BUF_OK);
		assert_int_equal(qp_decoder_finish(&d, &b), BUF_OK);
		check(&vecs[i], &b);
		buf_free(&b);
	}
}

static void test_vectors_random_splits(void **state)
{
	(void)state;
	unsigned seed = 7;
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
			size_t cuts[3], n = vecs[i].in_len;
			for (size_t c = 0; c < 3; c++) {
				seed = seed * 1103515245u + 12345u;
				cuts[c] = n ? (seed >> 16) % (n + 1) : 0;
			}
			/* sort the three cut points */
			for (size_t a = 0; a < 3; a++)
				for (size_t c = a + 1; c < 3; c++)
					if (cuts[c] < cuts[a]) {
						size_t t = cuts[a];
						cuts[a] = cuts[c];
						cuts[c] = t;
					}
			struct buf b;
			buf_init(&b, 4096);
			decode_chunks(vecs[i].in, n, cuts, 3, &b);
			check(&vecs[i], &b);
			buf_free(&b);
		}
	}
}

static void test_long_blank_run(void **state)
{
	(void)state;
	/* "=" then more blanks than the decoder holds: not a soft break, all of it is text, and
	 * chunking never changes the result */
	char in[300];
	in[0] = '=';
	memset(in + 1, ' ', 200);
	memcpy(in + 201, "x\n", 2);
	struct buf one, drip;
	buf_init(&one, 4096);
	buf_init(&drip, 4096);
	assert_int_equal(qp_decode(&one, in, 203), BUF_OK);
	assert_int_equal(buf_len(&one), 203);
	assert_memory_equal(buf_data(&one), in, 203);
	decode_chunks(in, 203, (size_t[]){1, 64, 65, 66, 130}, 5, &drip);
	assert_int_equal(buf_len(&drip), buf_len(&one));
	assert_memory_equal(buf_data(&drip), buf_data(&one), buf_len(&one));
	/* up to the hold limit, "=" and blanks before a line break are a soft break */
	buf_reset(&one);
	memset(in + 1, ' ', QP_PENDING_MAX - 1);
	memcpy(in + QP_PENDING_MAX, "\ny", 2);
	assert_int_equal(qp_decode(&one, in, QP_PENDING_MAX + 2), BUF_OK);
	assert_string_equal(buf_data(&one), "y");
	buf_free(&one);
	buf_free(&drip);
}

static void test_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4);
	assert_int_equal(qp_decode(&b, "=41=42=43=44=45", 15), BUF_TOO_BIG);
	assert_true(buf_len(&b) <= 4);
	buf_free(&b);
}

static char *slurp(const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/unit/data/mime/%s", TOP_SRCDIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	char *data = malloc(1 << 20);
	assert_non_null(data);
	*len = fread(data, 1, 1 << 20, f);
	fclose(f);
	return data;
}

static void test_corpus_outlook_qp(void **state)
{
	(void)state;
	size_t n, wn;
	char *in = slurp("qp-outlook.txt", &n);
	char *want = slurp("qp-outlook.expected", &wn);
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(qp_decode(&b, in, n), BUF_OK);
	assert_int_equal(buf_len(&b), wn);
	assert_memory_equal(buf_data(&b), want, wn);
	/* random truncations never crash and the decoded prefix never grows past the input */
	unsigned seed = 99;
	for (int r = 0; r < 200; r++) {
		seed = seed * 1103515245u + 12345u;
		size_t cut = (seed >> 8) % (n + 1);
		buf_reset(&b);
		assert_int_equal(qp_decode(&b, in, cut), BUF_OK);
		assert_true(buf_len(&b) <= cut);
	}
	buf_free(&b);
	free(in);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_one_shot),
		cmocka_unit_test(test_vectors_dripped),
		cmocka_unit_test(test_vectors_random_splits),
		cmocka_unit_test(test_long_blank_run),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_corpus_outlook_qp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
