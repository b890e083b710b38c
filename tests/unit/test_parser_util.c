/* Helpers for the parser tests: run every input whole, byte by byte and in random splits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "test_parser_util.h"

struct run {
	struct buf dump;
	size_t n;
	uint64_t streamed, hash, next_off;
	size_t chunks;
	bool in_lit;
	tp_check_fn check;
	void *arg;
};

static void on_response(void *ctx, const struct imap_response *r)
{
	struct run *run = ctx;
	assert_int_equal(imap_response_dump(r, &run->dump), 0);
	assert_int_equal(buf_append_byte(&run->dump, '\n'), BUF_OK);
	/* a streamed section must have been fully delivered before its response */
	assert_false(run->in_lit);
	if (run->check)
		run->check(r, run->n, run->arg);
	run->n++;
}

static int on_chunk(void *ctx, const struct imap_literal_info *in, const char *data, size_t len)
{
	struct run *run = ctx;
	/* pieces arrive in order, cover [0, size) exactly */
	assert_true(len > 0);
	if (in->offset == 0) {
		assert_false(run->in_lit);
		run->next_off = 0;
		run->in_lit = true;
	}
	assert_true(run->in_lit);
	assert_int_equal(in->offset, run->next_off);
	assert_true(in->offset + len <= in->size);
	run->next_off += len;
	if (run->next_off == in->size)
		run->in_lit = false;
	for (size_t i = 0; i < len; i++) {
		run->hash ^= (unsigned char)data[i];
		run->hash *= 1099511628211ull;
	}
	run->streamed += len;
	run->chunks++;
	return 0;
}

static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

unsigned tp_splits(void)
{
	const char *e = getenv("TP_SPLITS");
	return e ? (unsigned)atoi(e) : 12;
}

/* mode 0: whole; 1: one byte at a time; 2+: random splits (seeded by mode) */
static void run_once(const char *in, size_t len, const struct imap_parser_limits *lim, int mode,
		     tp_check_fn check, void *arg, struct tp_result *out)
{
	struct run run;
	memset(&run, 0, sizeof run);
	buf_init(&run.dump, (size_t)1 << 30);
	run.hash = 1469598103934665603ull;
	run.check = mode == 0 ? check : NULL;
	run.arg = arg;
	struct imap_parser_callbacks cb = { on_response, on_chunk };
	struct imap_parser *p = imap_parser_new(lim, &cb, &run);
	assert_non_null(p);
	rng_state = 0x9e3779b97f4a7c15ull * (uint64_t)(mode + 1);
	size_t pos = 0;
	enum imap_parse_result rc = IMAP_PARSE_OK;
	while (pos < len && rc == IMAP_PARSE_OK) {
		size_t n;
		if (mode == 0)
			n = len;
		else if (mode == 1)
			n = 1;
		else {
			/* mostly small pieces, sometimes large, sometimes empty */
			uint64_t x = rng();
			n = (x & 3) == 0 ? (size_t)(x >> 8) % 4096 : (size_t)(x >> 8) % 17;
		}
		if (n > len - pos)
			n = len - pos;
		rc = imap_parser_feed(p, in + pos, n);
		if (rc == IMAP_PARSE_OK)
			assert_int_equal(imap_parser_consumed(p), n);
		pos += n;
	}
	assert_true(rc == IMAP_PARSE_OK || rc == IMAP_PARSE_ERROR);
	if (rc == IMAP_PARSE_ERROR) {
		assert_non_null(imap_parser_error(p));
		out->err = strdup(imap_parser_error(p));
		/* dead: stays dead */
		assert_int_equal(imap_parser_feed(p, "* OK\r\n", 6), IMAP_PARSE_ERROR);
	} else {
		out->err = NULL;
		assert_null(imap_parser_error(p));
	}
	out->dump = buf_steal(&run.dump);
	assert_non_null(out->dump);
	out->n = run.n;
	out->streamed = run.streamed;
	out->stream_hash = run.hash;
	out->chunks = run.chunks;
	imap_parser_get_stats(p, &out->stats);
	imap_parser_free(&p);
	assert_null(p);
	buf_free(&run.dump);
}

void tp_result_free(struct tp_result *r)
{
	free(r->dump);
	free(r->err);
	r->dump = r->err = NULL;
}

void tp_run(const char *in, size_t len, const struct imap_parser_limits *lim, tp_check_fn check,
	    void *arg, struct tp_result *out)
{
	run_once(in, len, lim, 0, check, arg, out);
	unsigned splits = tp_splits();
	for (unsigned m = 1; m < splits + 2; m++) {
		struct tp_result o;
		run_once(in, len, lim, (int)m, NULL, NULL, &o);
		if (strcmp(o.dump, out->dump) != 0)
			fail_msg("split mode %u gives different responses:\n--- whole:\n%s--- split:\n%s",
				 m, out->dump, o.dump);
		if ((o.err == NULL) != (out->err == NULL) ||
		    (o.err && strcmp(o.err, out->err) != 0))
			fail_msg("split mode %u gives a different error: '%s' vs '%s'", m,
				 out->err ? out->err : "(none)", o.err ? o.err : "(none)");
		assert_int_equal(o.streamed, out->streamed);
		assert_int_equal(o.stream_hash, out->stream_hash);
		tp_result_free(&o);
	}
}

void tp_expect(const char *in, const char *expected)
{
	struct tp_result r;
	tp_run(in, strlen(in), NULL, NULL, NULL, &r);
	if (r.err)
		fail_msg("unexpected error: %s", r.err);
	if (strcmp(r.dump, expected) != 0)
		fail_msg("input:\n%s\ngot:\n%s\nexpected:\n%s", in, r.dump, expected);
	tp_result_free(&r);
}

size_t tp_check(const char *in, tp_check_fn check, void *arg)
{
	return tp_check_n(in, strlen(in), check, arg);
}

size_t tp_check_n(const char *in, size_t len, tp_check_fn check, void *arg)
{
	struct tp_result r;
	tp_run(in, len, NULL, check, arg, &r);
	if (r.err)
		fail_msg("unexpected error: %s\ninput: %s", r.err, in);
	size_t n = r.n;
	tp_result_free(&r);
	return n;
}

size_t tp_expect_error(const char *in, size_t len, const struct imap_parser_limits *lim,
		       const char *needle)
{
	struct tp_result r;
	tp_run(in, len, lim, NULL, NULL, &r);
	if (!r.err)
		fail_msg("expected an error containing '%s', got none; responses:\n%s", needle, r.dump);
	if (!strstr(r.err, needle))
		fail_msg("expected an error containing '%s', got '%s'", needle, r.err);
	size_t n = r.n;
	tp_result_free(&r);
	return n;
}

const char *tp_dump1(const char *in)
{
	static char out[65536];
	struct tp_result r;
	tp_run(in, strlen(in), NULL, NULL, NULL, &r);
	if (r.err)
		fail_msg("unexpected error: %s\ninput: %s", r.err, in);
	if (r.n != 1)
		fail_msg("expected one response, got %zu:\n%s", r.n, r.dump);
	snprintf(out, sizeof out, "%s", r.dump);
	tp_result_free(&r);
	size_t l = strlen(out);
	if (l && out[l - 1] == '\n')
		out[l - 1] = '\0';
	return out;
}
