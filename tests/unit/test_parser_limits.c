/* Parser tests: every limit, malformed and hostile input, streamed literals, pausing.
 * Every input also runs byte by byte and in random splits (test_parser_util.c). */
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
#include "imap/parser.h"
#include "test_parser_util.h"

/* a growable test string */
struct s {
	char *p;
	size_t n, cap;
};

static void sadd(struct s *s, const void *d, size_t n)
{
	if (s->n + n + 1 > s->cap) {
		s->cap = (s->n + n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		assert_non_null(s->p);
	}
	memcpy(s->p + s->n, d, n);
	s->n += n;
	s->p[s->n] = '\0';
}

static void sstr(struct s *s, const char *str)
{
	sadd(s, str, strlen(str));
}

static void srep(struct s *s, const char *str, size_t times)
{
	for (size_t i = 0; i < times; i++)
		sstr(s, str);
}

static void sfree(struct s *s)
{
	free(s->p);
	memset(s, 0, sizeof *s);
}

/* ---- line length ---------------------------------------------------------------------------- */

static void test_line_limit_default(void **state)
{
	struct s in = { 0 };
	sstr(&in, "* OK short\r\n* OK ");
	char block[4096];
	memset(block, 'a', sizeof block);
	for (int i = 0; i < 256; i++)
		sadd(&in, block, sizeof block);
	sstr(&in, "\r\n");
	/* the first response is delivered, then the 1 MiB+ line fails */
	assert_int_equal(tp_expect_error(in.p, in.n, NULL, "line longer than 1048576 bytes"), 1);
	sfree(&in);

	/* a response of exactly the limit is fine */
	sstr(&in, "* OK ");
	size_t fill = ((size_t)1 << 20) - 5 - 2;
	for (size_t i = 0; i < fill; i++)
		sadd(&in, "b", 1);
	sstr(&in, "\r\n");
	assert_int_equal(in.n, (size_t)1 << 20);
	struct tp_result r;
	tp_run(in.p, in.n, NULL, NULL, NULL, &r);
	assert_null(r.err);
	assert_int_equal(r.n, 1);
	tp_result_free(&r);
	sfree(&in);
}

static void test_line_limit_custom(void **state)
{
	struct imap_parser_limits lim = { .max_line = 64 };
	const char *ok = "* OK 012345678901234567890123456789012345678901234567890123456\r\n";
	assert_int_equal(strlen(ok), 64);
	struct tp_result r;
	tp_run(ok, 64, &lim, NULL, NULL, &r);
	assert_null(r.err);
	tp_result_free(&r);
	const char *bad = "* OK 0123456789012345678901234567890123456789012345678901234567\r\n";
	tp_expect_error(bad, strlen(bad), &lim, "line longer than 64 bytes");
	/* no line end at all: fails once 64 bytes are buffered, not later */
	char junk[200];
	memset(junk, 'x', sizeof junk);
	tp_expect_error(junk, sizeof junk, &lim, "line longer than 64 bytes");
	/* literal bytes do not count, the lines around them do (over several segments) */
	const char *lit = "* 1 FETCH (BODY[] {100}\r\n"
			  "0123456789012345678901234567890123456789012345678901234567890123456789"
			  "012345678901234567890123456789 UID 5)\r\n";
	tp_run(lit, strlen(lit), &lim, NULL, NULL, &r);
	assert_null(r.err);
	assert_int_equal(r.n, 1);
	tp_result_free(&r);
	const char *lit2 = "* 1 FETCH (BODY[] {1}\r\nx UID 5 FLAGS (\\Seen \\Answered \\Deleted \\Draft "
			   "\\Flagged))\r\n";
	tp_expect_error(lit2, strlen(lit2), &lim, "line longer than 64 bytes");
}

/* ---- nesting ---------------------------------------------------------------------------------- */

static void deep(const char *pre, const char *open, const char *mid, const char *close,
		 const char *post, size_t depth, const char *needle)
{
	struct s in = { 0 };
	sstr(&in, pre);
	srep(&in, open, depth);
	sstr(&in, mid);
	srep(&in, close, depth);
	sstr(&in, post);
	if (needle) {
		tp_expect_error(in.p, in.n, NULL, needle);
	} else {
		struct tp_result r;
		tp_run(in.p, in.n, NULL, NULL, NULL, &r);
		if (r.err)
			fail_msg("unexpected error %s", r.err);
		tp_result_free(&r);
	}
	sfree(&in);
}

static void test_nesting(void **state)
{
	/* 10,000 parentheses, wherever a list may appear */
	deep("* 1 FETCH (X-FOO ", "(", "1", ")", ")\r\n", 10000, "nesting deeper than 64");
	deep("* 1 FETCH (BODYSTRUCTURE ", "(", "", ")", ")\r\n", 10000,
	     "body structure nested deeper than 32");
	deep("* 1 FETCH (BODY ", "(", "", ")", ")\r\n", 10000, "body structure nested deeper than 32");
	deep("* THREAD ", "(", "1", ")", "\r\n", 10000, "nesting deeper than 64");
	deep("* LIST () \"/\" x (\"X\" ", "(", "", ")", ")\r\n", 10000, "nesting deeper than 64");
	deep("* 1 FETCH (BODYSTRUCTURE (\"a\" \"b\" NIL NIL NIL \"7bit\" 1 NIL NIL NIL NIL ", "(", "",
	     ")", "))\r\n", 10000, "nesting deeper than 64");
	deep("* 1 FETCH (ENVELOPE ", "(", "", ")", ")\r\n", 10000, "ENVELOPE");
	deep("* STATUS x (X-FOO ", "(", "", ")", ")\r\n", 10000, "nesting deeper than 64");
	deep("* ESEARCH X-FOO ", "(", "", ")", "\r\n", 10000, "nesting deeper than 64");
	/* an unknown response is not parsed, only kept raw: no error */
	deep("* XUNKNOWN ", "(", "", ")", "\r\n", 10000, NULL);
	/* at the limits: fine; one more: error */
	deep("* 1 FETCH (X-FOO ", "(", "1", ")", ")\r\n", 64, NULL);
	deep("* 1 FETCH (X-FOO ", "(", "1", ")", ")\r\n", 65, "nesting deeper than 64");
	deep("* 1 FETCH (BODY ", "(", "(\"a\" \"b\" NIL NIL NIL \"7bit\" 1)", " \"mixed\")", ")\r\n",
	     31, NULL);
	deep("* 1 FETCH (BODY ", "(", "(\"a\" \"b\" NIL NIL NIL \"7bit\" 1)", " \"mixed\")", ")\r\n",
	     32, "body structure nested deeper than 32");
}

static void test_body_depth_counts_message_parts(void **state)
{
	/* message/rfc822 nesting counts against the body depth too */
	struct s in = { 0 };
	const char *open = "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 1 NIL ";
	sstr(&in, "* 1 FETCH (BODYSTRUCTURE ");
	srep(&in, open, 40);
	sstr(&in, "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)");
	srep(&in, " 1)", 40);
	sstr(&in, ")\r\n");
	tp_expect_error(in.p, in.n, NULL, "body structure nested deeper than 32");
	sfree(&in);
	struct imap_parser_limits lim = { .max_body_depth = 50 };
	sstr(&in, "* 1 FETCH (BODYSTRUCTURE ");
	srep(&in, open, 40);
	sstr(&in, "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)");
	srep(&in, " 1)", 40);
	sstr(&in, ")\r\n");
	struct tp_result r;
	tp_run(in.p, in.n, &lim, NULL, NULL, &r);
	assert_null(r.err);
	tp_result_free(&r);
	sfree(&in);
}

/* ---- literals --------------------------------------------------------------------------------- */

static void test_literal_4gb(void **state)
{
	const char *in = "* 1 FETCH (UID 1 BODY[] {4294967296}\r\nabcdef";
	tp_expect_error(in, strlen(in), NULL,
			"literal of 4294967296 bytes exceeds the 67108864-byte limit");
	/* nothing was allocated for it: only the announcing line was buffered */
	struct tp_result r;
	tp_run(in, strlen(in), NULL, NULL, NULL, &r);
	assert_true(r.stats.buffered_peak <= strlen(in));
	assert_int_equal(r.streamed, 0);
	tp_result_free(&r);
	const char *huge = "* 1 FETCH (BODY[] {123456789012345678901234567890}\r\n";
	tp_expect_error(huge, strlen(huge), NULL,
			"literal of 123456789012345678901234567890 bytes exceeds the 67108864-byte limit");
	const char *l8 = "* 1 FETCH (BINARY[] ~{18446744073709551615}\r\n";
	tp_expect_error(l8, strlen(l8), NULL,
			"literal of 18446744073709551615 bytes exceeds the 67108864-byte limit");
}

static void test_literal_limit_custom(void **state)
{
	struct imap_parser_limits lim = { .max_literal = 1000, .inline_literal = 100 };
	struct s in = { 0 };
	sstr(&in, "* 1 FETCH (BODY[] {1000}\r\n");
	srep(&in, "x", 1000);
	sstr(&in, ")\r\n");
	struct tp_result r;
	tp_run(in.p, in.n, &lim, NULL, NULL, &r);
	assert_null(r.err);
	assert_int_equal(r.streamed, 1000);
	tp_result_free(&r);
	sfree(&in);
	const char *bad = "* 1 FETCH (BODY[] {1001}\r\n";
	tp_expect_error(bad, strlen(bad), &lim, "literal of 1001 bytes exceeds the 1000-byte limit");
}

static void test_literal_syntax(void **state)
{
	static const struct {
		const char *in, *err;
	} cases[] = {
		{ "* 1 FETCH (BODY[] {-1}\r\n", "bad literal length '{-1}'" },
		{ "* 1 FETCH (BODY[] {+5}\r\n", "bad literal length '{+5}'" },
		{ "* 1 FETCH (BODY[] {5+}\r\nhello)\r\n", "bad literal length '{5+}'" },
		{ "* 1 FETCH (BODY[] {5-}\r\nhello)\r\n", "bad literal length '{5-}'" },
		{ "* 1 FETCH (BODY[] ~{-0}\r\n", "bad literal length '{-0}'" },
		{ "* 1 FETCH (BODY[] {}\r\n", "unexpected character '}' in literal length" },
		{ "* 1 FETCH (BODY[] {1 2}\r\n", "unexpected character ' ' in literal" },
		{ "* 1 FETCH (BODY[] {x}\r\n", "unexpected character 'x' in literal length" },
		{ "* 1 FETCH (BODY[] {5}x\r\n", "unexpected character 'x' in literal" },
		{ "* 1 FETCH (BODY[] {5} \r\nhello)\r\n", "unexpected character ' ' in literal" },
		{ "* 1 FETCH (BODY[] {3}\r\nabc\r\n", "unexpected character '\\x0d' in FETCH" },
		{ "* 1 FETCH (BODY[] ~ {3}\r\nabc)\r\n", "unexpected character '{' in FETCH item" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		tp_expect_error(cases[i].in, strlen(cases[i].in), NULL, cases[i].err);
	/* a literal in response text is not allowed */
	tp_expect_error("* OK see {3}\r\nabc\r\n", 19, NULL, "after the end of a response");
	/* {0} is a valid empty literal, and a bare LF may end the announcing line */
	tp_expect("* 1 FETCH (BODY[] {0}\r\n BODY[1] {3}\nabc)\n",
		  "FETCH 1 present=0x2000 section(0 spec=\"\" part= text=0 size=0 \"\") "
		  "section(0 spec=\"1\" part=1 text=0 size=3 \"abc\")\n");
}

static void test_items_limit(void **state)
{
	struct imap_parser_limits lim = { .max_items = 100 };
	struct s in = { 0 };
	sstr(&in, "* SEARCH");
	srep(&in, " 7", 100);
	sstr(&in, "\r\n");
	struct tp_result r;
	tp_run(in.p, in.n, &lim, NULL, NULL, &r);
	assert_null(r.err);
	tp_result_free(&r);
	sfree(&in);
	sstr(&in, "* SEARCH");
	srep(&in, " 7", 101);
	sstr(&in, "\r\n");
	tp_expect_error(in.p, in.n, &lim, "more than 100 items in one response");
	sfree(&in);
	/* every kind of list counts: flags, labels, skipped values, set ranges */
	sstr(&in, "* 1 FETCH (FLAGS (");
	srep(&in, "\\Seen ", 101);
	sstr(&in, "))\r\n");
	tp_expect_error(in.p, in.n, &lim, "more than 100 items in one response");
	sfree(&in);
	sstr(&in, "* VANISHED 1");
	srep(&in, ",1", 100);
	sstr(&in, "\r\n");
	tp_expect_error(in.p, in.n, &lim, "more than 100 items in one response");
	sfree(&in);
	sstr(&in, "* 1 FETCH (X-UNKNOWN (");
	srep(&in, "a ", 101);
	sstr(&in, "))\r\n");
	tp_expect_error(in.p, in.n, &lim, "more than 100 items in one response");
	sfree(&in);
	/* the default admits a million SEARCH numbers (with a line to hold them) */
	struct imap_parser_limits big = { .max_line = 3000000 };
	sstr(&in, "* SEARCH");
	srep(&in, " 1", 1000000);
	sstr(&in, "\r\n");
	unsigned save = tp_splits();
	setenv("TP_SPLITS", "1", 1);
	tp_run(in.p, in.n, &big, NULL, NULL, &r);
	assert_null(r.err);
	tp_result_free(&r);
	sstr(&in, " 1"); /* one more on a copy: */
	memcpy(in.p + in.n - 4, " 1\r\n", 4);
	tp_expect_error(in.p, in.n, &big, "more than 1000000 items");
	char buf[16];
	snprintf(buf, sizeof buf, "%u", save);
	setenv("TP_SPLITS", buf, 1);
	sfree(&in);
}

static void test_inline_total(void **state)
{
	struct imap_parser_limits lim = { .inline_literal = 400, .max_inline_total = 1000 };
	struct s in = { 0 };
	sstr(&in, "* 1 FETCH (ENVELOPE (NIL {400}\r\n");
	srep(&in, "s", 400);
	sstr(&in, " NIL NIL NIL NIL NIL NIL {400}\r\n");
	srep(&in, "i", 400);
	sstr(&in, " {400}\r\n");
	srep(&in, "m", 400);
	sstr(&in, "))\r\n");
	tp_expect_error(in.p, in.n, &lim, "literals held inline in one response exceed 1000 bytes");
	sfree(&in);
}

static void test_many_streamed_literals(void **state)
{
	/* many large body literals in one FETCH are fine up to 1024, then refused */
	struct imap_parser_limits lim = { .inline_literal = 1 };
	struct s in = { 0 };
	sstr(&in, "* 1 FETCH (");
	for (int i = 1; i <= 1024; i++) {
		char b[64];
		snprintf(b, sizeof b, "BODY[%d] {2}\r\nxy ", i);
		sstr(&in, b);
	}
	sstr(&in, "UID 1)\r\n");
	unsigned save = tp_splits();
	setenv("TP_SPLITS", "2", 1);
	struct tp_result r;
	tp_run(in.p, in.n, &lim, NULL, NULL, &r);
	assert_null(r.err);
	assert_int_equal(r.streamed, 2048);
	tp_result_free(&r);
	in.n -= strlen("UID 1)\r\n");
	sstr(&in, "BODY[0.1] {2}\r\nxy UID 1)\r\n");
	tp_expect_error(in.p, in.n, &lim, "more than 1024 large literals in one response");
	char buf[16];
	snprintf(buf, sizeof buf, "%u", save);
	setenv("TP_SPLITS", buf, 1);
	sfree(&in);
}

static void chk_big_subject(const struct imap_response *r, size_t i, void *arg)
{
	assert_int_equal(r->kind, IMAP_RESP_FETCH);
	assert_int_equal(r->u.fetch.envelope->subject.len, 100000);
	assert_int_equal(r->u.fetch.envelope->subject.p[99999], 'z');
}

static void test_big_literal_outside_body_is_inline(void **state)
{
	/* over the inline threshold but not a body section: held inline within the budget */
	struct s in = { 0 };
	sstr(&in, "* 1 FETCH (ENVELOPE (NIL {100000}\r\n");
	srep(&in, "z", 100000);
	sstr(&in, " NIL NIL NIL NIL NIL NIL NIL NIL))\r\n* LIST () \"/\" {70000}\r\n");
	srep(&in, "q", 70000);
	sstr(&in, "\r\n* 2 FETCH (X-UNKNOWN {70000}\r\n");
	srep(&in, "u", 70000);
	sstr(&in, " UID 3)\r\n");
	struct tp_result r;
	tp_run(in.p, in.n, NULL, NULL, NULL, &r);
	assert_null(r.err);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.streamed, 0);
	tp_result_free(&r);
	in.n = 0;
	sstr(&in, "* 1 FETCH (ENVELOPE (NIL {100000}\r\n");
	srep(&in, "z", 100000);
	sstr(&in, " NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
	assert_int_equal(tp_check_n(in.p, in.n, chk_big_subject, NULL), 1);
	sfree(&in);
}

/* ---- streaming -------------------------------------------------------------------------------- */

struct stream_ctx {
	uint64_t got, next;
	size_t chunks, responses;
	unsigned char *copy;
	size_t cap;
};

static int stream_chunk(void *ctx, const struct imap_literal_info *in, const char *d, size_t n)
{
	struct stream_ctx *s = ctx;
	assert_int_equal(in->seq, 42);
	assert_int_equal(in->uid, 4242);
	assert_int_equal(in->item, IMAP_SECTION_BODY);
	assert_non_null(in->section);
	assert_string_equal(in->section->spec, "");
	assert_false(in->has_origin);
	assert_int_equal(in->size, 5u << 20);
	assert_int_equal(in->offset, s->next);
	assert_true(in->offset + n <= in->size);
	assert_true(in->offset + n <= s->cap);
	memcpy(s->copy + in->offset, d, n);
	s->next += n;
	s->got += n;
	s->chunks++;
	return 0;
}

static void stream_resp(void *ctx, const struct imap_response *r)
{
	struct stream_ctx *s = ctx;
	assert_int_equal(r->kind, IMAP_RESP_FETCH);
	const struct imap_resp_fetch *f = &r->u.fetch;
	assert_int_equal(f->seq, 42);
	assert_int_equal(f->uid, 4242);
	assert_int_equal(f->n_sections, 1);
	assert_true(f->sections[0].streamed);
	assert_null(f->sections[0].data.p);
	assert_int_equal(f->sections[0].size, 5u << 20);
	assert_int_equal(f->flags.sys, IMAP_FLAG_SEEN);
	s->responses++;
}

static void test_stream_5mb(void **state)
{
	const size_t n = (size_t)5 << 20;
	struct s in = { 0 };
	char head[128];
	snprintf(head, sizeof head, "* 42 FETCH (UID 4242 BODY[] {%zu}\r\n", n);
	sstr(&in, head);
	char *body = malloc(n);
	assert_non_null(body);
	for (size_t i = 0; i < n; i++)
		body[i] = (char)((i * 2654435761u) >> 13);
	sadd(&in, body, n);
	sstr(&in, " FLAGS (\\Seen))\r\n");

	/* chunks of varying sizes, as from a socket */
	struct stream_ctx sc = { 0 };
	sc.cap = n;
	sc.copy = malloc(n);
	assert_non_null(sc.copy);
	struct imap_parser_callbacks cb = { stream_resp, stream_chunk };
	struct imap_parser *p = imap_parser_new(NULL, &cb, &sc);
	size_t pos = 0, step = 1;
	while (pos < in.n) {
		size_t k = step < in.n - pos ? step : in.n - pos;
		assert_int_equal(imap_parser_feed(p, in.p + pos, k), IMAP_PARSE_OK);
		pos += k;
		step = step * 3 % 70001 + 1;
	}
	assert_int_equal(sc.responses, 1);
	assert_int_equal(sc.got, n);
	assert_true(sc.chunks > 50);
	assert_memory_equal(sc.copy, body, n);
	struct imap_parser_stats st;
	imap_parser_get_stats(p, &st);
	/* peak memory stays small: only the lines around the literal were buffered */
	assert_true(st.buffered_peak < 256);
	assert_true(st.arena_peak <= 70000);
	assert_int_equal(st.bytes, in.n);
	assert_true(imap_parser_idle(p));
	imap_parser_free(&p);

	/* and the same through every split of the harness */
	struct tp_result r;
	unsigned save = tp_splits();
	setenv("TP_SPLITS", "3", 1);
	tp_run(in.p, in.n, NULL, NULL, NULL, &r);
	char buf[16];
	snprintf(buf, sizeof buf, "%u", save);
	setenv("TP_SPLITS", buf, 1);
	assert_null(r.err);
	assert_int_equal(r.streamed, n);
	assert_true(r.stats.buffered_peak < 256);
	tp_result_free(&r);
	free(sc.copy);
	free(body);
	sfree(&in);
}

static int refuse_chunk(void *ctx, const struct imap_literal_info *in, const char *d, size_t n)
{
	int *calls = ctx;
	(*calls)++;
	return *calls >= 2 ? -1 : 0;
}

static void ignore_resp(void *ctx, const struct imap_response *r)
{
}

static void test_stream_refused(void **state)
{
	struct s in = { 0 };
	sstr(&in, "* 1 FETCH (BODY[] {70000}\r\n");
	srep(&in, "y", 70000);
	sstr(&in, ")\r\n");
	int calls = 0;
	struct imap_parser_callbacks cb = { ignore_resp, refuse_chunk };
	struct imap_parser *p = imap_parser_new(NULL, &cb, &calls);
	assert_int_equal(imap_parser_feed(p, in.p, 1000), IMAP_PARSE_OK);
	assert_int_equal(imap_parser_feed(p, in.p + 1000, 1000), IMAP_PARSE_ERROR);
	assert_string_equal(imap_parser_error(p), "literal consumer failed");
	assert_int_equal(imap_parser_feed(p, in.p + 2000, in.n - 2000), IMAP_PARSE_ERROR);
	imap_parser_free(&p);
	/* without a consumer, streamed bytes are dropped and the response still comes */
	struct imap_parser_callbacks cb2 = { ignore_resp, NULL };
	p = imap_parser_new(NULL, &cb2, NULL);
	assert_int_equal(imap_parser_feed(p, in.p, in.n), IMAP_PARSE_OK);
	assert_true(imap_parser_idle(p));
	imap_parser_free(&p);
	sfree(&in);
	/* a parser needs a response callback */
	struct imap_parser_callbacks none = { NULL, NULL };
	assert_null(imap_parser_new(NULL, &none, NULL));
	assert_null(imap_parser_new(NULL, NULL, NULL));
	imap_parser_free(&p); /* NULL-safe */
	imap_parser_free(NULL);
}

struct info_ctx {
	struct buf log;
};

static int info_chunk(void *ctx, const struct imap_literal_info *in, const char *d, size_t n)
{
	struct info_ctx *c = ctx;
	if (in->offset == 0) {
		assert_int_equal(buf_printf(&c->log, "[seq=%u uid=%u item=%d spec=%s parts=%zu text=%d "
						     "fields=%zu origin=%d:%u bin=%d size=%llu]",
					    in->seq, in->uid, (int)in->item,
					    in->section->spec ? in->section->spec : "(none)",
					    in->section->n_part, (int)in->section->text,
					    in->section->fields.n, in->has_origin, in->origin,
					    in->binary, (unsigned long long)in->size),
				 BUF_OK);
	}
	return 0;
}

static void test_stream_info(void **state)
{
	struct imap_parser_limits lim = { .inline_literal = 10 };
	static const char in[] = "* 7 FETCH (BODY[1.2.HEADER.FIELDS (From To)]<5> {11}\r\nFrom: a\r\n\r\n"
			 " UID 9 BINARY[2] ~{12}\r\nab\0cdefghijk RFC822 {20}\r\n01234567890123456789"
			 " RFC822.HEADER {11}\r\nxxxxxxxxxxx RFC822.TEXT {11}\r\nyyyyyyyyyyy"
			 " BODY[] {5}\r\nsmall)\r\n";
	size_t len = sizeof in - 1;
	struct info_ctx c;
	buf_init(&c.log, 1 << 16);
	struct imap_parser_callbacks cb = { ignore_resp, info_chunk };
	struct imap_parser *p = imap_parser_new(&lim, &cb, &c);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(imap_parser_feed(p, in + i, 1), IMAP_PARSE_OK);
	assert_string_equal(buf_data(&c.log),
			    "[seq=7 uid=0 item=0 spec=1.2.HEADER.FIELDS (From To) parts=2 text=2 "
			    "fields=2 origin=1:5 bin=0 size=11]"
			    "[seq=7 uid=9 item=1 spec=2 parts=1 text=0 fields=0 origin=0:0 bin=1 size=12]"
			    "[seq=7 uid=9 item=3 spec=(none) parts=0 text=0 fields=0 origin=0:0 bin=0 size=20]"
			    "[seq=7 uid=9 item=4 spec=(none) parts=0 text=0 fields=0 origin=0:0 bin=0 size=11]"
			    "[seq=7 uid=9 item=5 spec=(none) parts=0 text=0 fields=0 origin=0:0 bin=0 size=11]");
	imap_parser_free(&p);
	buf_free(&c.log);
	/* and the harness agrees on all splits: 5 streamed sections, one inline */
	struct tp_result r;
	tp_run(in, len, &lim, NULL, NULL, &r);
	assert_null(r.err);
	assert_int_equal(r.streamed, 11 + 12 + 20 + 11 + 11);
	assert_non_null(strstr(r.dump, "size=12 binary streamed NIL"));
	assert_non_null(strstr(r.dump, "size=5 \"small\""));
	tp_result_free(&r);
}

/* ---- malformed input -------------------------------------------------------------------------- */

static void test_malformed(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *err;
	} cases[] = {
		{ "hello world\r\n", 13, "tagged response is not OK, NO or BAD" },
		{ "\x1b[31mred\r\n", 10, "unexpected character '\\x1b' in response tag" },
		{ "* OK [UIDNEXT \x7f]\r\n", 19, "unexpected character '\\x7f' in UIDNEXT" },
		{ "\0\r\n", 3, "unexpected character '\\x00' in response tag" },
		{ "* 1 FETCH (UID 1\0)\r\n", 20, "unexpected character '\\x00' in FETCH" },
		{ "* 1 FETCH (ENVELOPE (\"a\0b\" NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n", 67,
		  "unexpected character '\\x00' in quoted string in ENVELOPE date" },
		{ "* OK hi\rthere\r\n", 15, "unexpected character '\\x0d' in text (CR without LF)" },
		{ "* 1 EXISTS\r* 2 EXISTS\r\n", 23, "unexpected character '\\x0d' in line end (CR without LF)" },
		{ "* 1 EXISTS junk\r\n", 17, "unexpected character 'j' in end of response" },
		{ "*\r\n", 3, "unexpected character '\\x0d' in untagged response" },
		{ "* \r\n", 4, "unexpected character '\\x0d' in untagged response" },
		{ "*  OK\r\n", 7, NULL }, /* lenient: extra space */
		{ "* (\r\n", 5, "unexpected character '(' in untagged response" },
		{ " a OK\r\n", 7, "unexpected character ' ' in response tag" },
		{ "a1\r\n", 4, "unexpected character '\\x0d' in tagged response" },
		{ "* 1 FETCH (UID 1 \"x\r\n", 21, "unexpected character '\"' in FETCH item" },
		{ "* 1 FETCH (ENVELOPE (\"unterminated NIL\r\n", 40,
		  "unexpected character '\\x0d' in quoted string in ENVELOPE date" },
		{ "* LIST () \"/\" \"a\\\r\n", 19, "unexpected character '\\x0d' in quoted string in LIST mailbox" },
		{ "* SEARCH 1 2 \xff\r\n", 16, "unexpected character '\\xff' in SEARCH" },
		{ "* OK [BADCHARSET (x] y\r\n", 24, "BADCHARSET" },
		{ "* FLAGS (\\Seen\r\n", 16, "unexpected character '\\x0d' in FLAGS" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].err) {
			tp_expect_error(cases[i].in, cases[i].len, NULL, cases[i].err);
		} else {
			struct tp_result r;
			tp_run(cases[i].in, cases[i].len, NULL, NULL, NULL, &r);
			assert_null(r.err);
			assert_int_equal(r.n, 1);
			tp_result_free(&r);
		}
	}
}

static void test_error_message_bounded(void **state)
{
	/* the message names what was wrong without echoing the server's whole line */
	struct s in = { 0 };
	sstr(&in, "* OK [UIDNEXT ");
	srep(&in, "\x01", 5000);
	sstr(&in, "]\r\n");
	struct tp_result r;
	tp_run(in.p, in.n, NULL, NULL, NULL, &r);
	assert_non_null(r.err);
	assert_true(strlen(r.err) < 200);
	assert_string_equal(r.err, "unexpected character '\\x01' in UIDNEXT");
	tp_result_free(&r);
	sfree(&in);
}

static void test_line_ends(void **state)
{
	/* bare LF accepted everywhere a CRLF is; stray empty lines skipped */
	tp_expect("* OK hi\n\r\n\n* 1 EXISTS\na OK [READ-WRITE] done\n+ go\n",
		  "STATUS tag=NIL OK text=\"hi\"\n"
		  "EXISTS 1\n"
		  "STATUS tag=\"a\" OK [8:\"READ-WRITE\" raw=NIL] text=\"done\"\n"
		  "CONTINUATION \"go\"\n");
}

static void test_truncated(void **state)
{
	static const char *cases[] = {
		"* 1 FETCH (UID 1",
		"* 1 FETCH (BODY[] {10}\r\nabc",
		"* 1 FETCH (BODY[] {100000}\r\nabc",
		"* OK [ALERT",
		"* OK\r",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tp_result r;
		tp_run(cases[i], strlen(cases[i]), NULL, NULL, NULL, &r);
		assert_null(r.err);
		assert_int_equal(r.n, 0);
		tp_result_free(&r);
		struct imap_parser_callbacks cb = { ignore_resp, NULL };
		struct imap_parser *p = imap_parser_new(NULL, &cb, NULL);
		assert_true(imap_parser_idle(p));
		assert_int_equal(imap_parser_feed(p, cases[i], strlen(cases[i])), IMAP_PARSE_OK);
		assert_false(imap_parser_idle(p));
		imap_parser_free(&p);
	}
}

static void test_garbage_never_crashes(void **state)
{
	/* pseudo-random bytes with a bias to IMAP syntax: any outcome but a crash is fine,
	 * and every split must agree (tp_run checks) */
	static const char alphabet[] = "()[]{}<>\"\\ \r\n*+~0123456789NILnilFETCHBODYUIDOK.:,-";
	uint64_t x = 12345;
	unsigned save = tp_splits();
	setenv("TP_SPLITS", "3", 1);
	for (int round = 0; round < 300; round++) {
		char in[300];
		size_t n = 0;
		const char *pre[] = { "* 1 FETCH (", "* ", "a OK [", "* 1 FETCH (BODYSTRUCTURE (",
				      "* LIST (", "* 1 FETCH (BODY[" };
		const char *p0 = pre[round % 6];
		memcpy(in, p0, strlen(p0));
		n = strlen(p0);
		size_t len = 20 + (size_t)(round * 7 % 250);
		while (n < len) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			in[n++] = (x & 7) == 0 ? (char)(x >> 24) : alphabet[(x >> 8) % (sizeof alphabet - 1)];
		}
		struct tp_result r;
		tp_run(in, n, NULL, NULL, NULL, &r);
		tp_result_free(&r);
	}
	char buf[16];
	snprintf(buf, sizeof buf, "%u", save);
	setenv("TP_SPLITS", buf, 1);
}

/* ---- pause ------------------------------------------------------------------------------------- */

struct pause_ctx {
	struct imap_parser *p;
	int seen;
	const char *pause_tag;
};

static void pause_resp(void *ctx, const struct imap_response *r)
{
	struct pause_ctx *c = ctx;
	c->seen++;
	if (r->tag && strcmp(r->tag, c->pause_tag) == 0)
		imap_parser_pause(c->p);
}

static void test_pause(void **state)
{
	/* STARTTLS: the bytes after the tagged OK must not be parsed */
	const char *in = "* OK ready\r\na1 OK Begin TLS negotiation now\r\n\x16\x03\x01 garbage";
	struct pause_ctx c = { NULL, 0, "a1" };
	struct imap_parser_callbacks cb = { pause_resp, NULL };
	c.p = imap_parser_new(NULL, &cb, &c);
	assert_int_equal(imap_parser_feed(c.p, in, strlen(in)), IMAP_PARSE_PAUSED);
	assert_int_equal(c.seen, 2);
	assert_int_equal(imap_parser_consumed(c.p), strlen("* OK ready\r\na1 OK Begin TLS negotiation now\r\n"));
	assert_true(imap_parser_idle(c.p));
	/* the parser goes on with what the session feeds next */
	assert_int_equal(imap_parser_feed(c.p, "* 3 EXISTS\r\n", 12), IMAP_PARSE_OK);
	assert_int_equal(imap_parser_consumed(c.p), 12);
	assert_int_equal(c.seen, 3);
	imap_parser_free(&c.p);

	/* the same when the tagged OK arrives in pieces (assembled in the buffer) */
	c = (struct pause_ctx){ NULL, 0, "a2" };
	c.p = imap_parser_new(NULL, &cb, &c);
	assert_int_equal(imap_parser_feed(c.p, "a2 OK be", 8), IMAP_PARSE_OK);
	assert_int_equal(imap_parser_feed(c.p, "gin\r\n* 1 EXISTS\r\n", 17), IMAP_PARSE_PAUSED);
	assert_int_equal(imap_parser_consumed(c.p), 5);
	assert_int_equal(c.seen, 1);
	imap_parser_free(&c.p);
	/* pause outside a callback does nothing */
	c = (struct pause_ctx){ NULL, 0, "zz" };
	c.p = imap_parser_new(NULL, &cb, &c);
	imap_parser_pause(c.p);
	assert_int_equal(imap_parser_feed(c.p, "* 1 EXISTS\r\n", 12), IMAP_PARSE_OK);
	imap_parser_free(&c.p);
}

static struct imap_parser *reenter_p;

static void reenter_resp(void *ctx, const struct imap_response *r)
{
	assert_int_equal(imap_parser_feed(reenter_p, "* 2 EXISTS\r\n", 12), IMAP_PARSE_ERROR);
}

static int reenter_chunk(void *ctx, const struct imap_literal_info *in, const char *d, size_t n)
{
	assert_int_equal(imap_parser_feed(reenter_p, "* 2 EXISTS\r\n", 12), IMAP_PARSE_ERROR);
	return 0;
}

static void test_reentry_refused(void **state)
{
	/* feeding the parser from its own callback is refused and kills it, safely */
	struct imap_parser_callbacks cb = { reenter_resp, reenter_chunk };
	reenter_p = imap_parser_new(NULL, &cb, NULL);
	assert_int_equal(imap_parser_feed(reenter_p, "* 1 EXISTS\r\n* 3 EXISTS\r\n", 24),
			 IMAP_PARSE_ERROR);
	assert_string_equal(imap_parser_error(reenter_p),
			    "imap_parser_feed called from a parser callback");
	imap_parser_free(&reenter_p);
	struct s in = { 0 };
	sstr(&in, "* 1 FETCH (BODY[] {70000}\r\n");
	srep(&in, "y", 70000);
	sstr(&in, ")\r\n");
	reenter_p = imap_parser_new(NULL, &cb, NULL);
	assert_int_equal(imap_parser_feed(reenter_p, in.p, in.n), IMAP_PARSE_ERROR);
	imap_parser_free(&reenter_p);
	sfree(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_limit_default),
		cmocka_unit_test(test_line_limit_custom),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_body_depth_counts_message_parts),
		cmocka_unit_test(test_literal_4gb),
		cmocka_unit_test(test_literal_limit_custom),
		cmocka_unit_test(test_literal_syntax),
		cmocka_unit_test(test_items_limit),
		cmocka_unit_test(test_inline_total),
		cmocka_unit_test(test_big_literal_outside_body_is_inline),
		cmocka_unit_test(test_many_streamed_literals),
		cmocka_unit_test(test_stream_5mb),
		cmocka_unit_test(test_stream_refused),
		cmocka_unit_test(test_stream_info),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_error_message_bounded),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage_never_crashes),
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_reentry_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
