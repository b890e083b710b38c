/*
 * bench_parser — IMAP response parser throughput.
 *
 * Builds in memory (deterministically) a realistic FETCH stream: ~100k responses carrying
 * UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE X-GM-MSGID X-GM-THRID X-GM-LABELS
 * (Dovecot/Gmail shapes: nested multiparts, message/rfc822 parts, quoted strings with escapes,
 * some literals), plus a few big BODY[] literals (several MB, streamed). Feeds it in 64 KiB
 * chunks N times and prints "parser: X MB/s (Y responses/s)" from the best run, timed in thread
 * CPU time (one core; other load on the machine does not count).
 *
 * Usage: bench_parser [repetitions]   (default 10; BENCH_QUICK=1 in the environment: 1)
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "imap/parser.h"

#define N_RESP 100000
#define CHUNK (64 * 1024)

static uint64_t seed = 88172645463325252ull;
static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static void must(enum buf_result r)
{
	if (r != BUF_OK) {
		fprintf(stderr, "bench_parser: out of memory building the input\n");
		exit(1);
	}
}

static const char *first[] = { "Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace",
			       "Heidi", "Ivan", "Judy", "Mallory", "Niaj", "Olivia", "Peggy" };
static const char *last[] = { "Smith", "Jones", "M\\\"uller", "Garc\\\\ia", "Nguyen", "Kowalski",
			      "O'Brien", "Tanaka", "Rossi", "Dubois" };
static const char *domains[] = { "example.com", "mail.example.org", "gmail.com",
				 "lists.example.net", "corp.example.co.uk" };
static const char *words[] = { "Re:", "meeting", "notes", "quarterly", "report", "invoice",
			       "=?UTF-8?B?w6nDqMOg?=", "lunch", "release", "v2.3", "[PATCH]",
			       "build", "failure", "weekend", "plans", "draft", "review" };
static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void addr(struct buf *b)
{
	const char *f = first[rnd() % 14], *l = last[rnd() % 10];
	must(buf_printf(b, "(\"%s %s\" NIL \"%c%s\" \"%s\")", f, l, f[0] | 0x20, "x",
			domains[rnd() % 5]));
}

static void addrlist(struct buf *b, int max)
{
	int n = (int)(rnd() % (uint64_t)(max + 1));
	if (!n) {
		must(buf_append_str(b, "NIL"));
		return;
	}
	must(buf_append_byte(b, '('));
	for (int i = 0; i < n; i++)
		addr(b);
	must(buf_append_byte(b, ')'));
}

static void subject(struct buf *b)
{
	char s[256];
	size_t o = 0;
	int n = 3 + (int)(rnd() % 8);
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, sizeof s - o, "%s%s", i ? " " : "", words[rnd() % 17]);
	if (rnd() % 20 == 0) /* some servers send subjects as literals */
		must(buf_printf(b, "{%zu}\r\n%s", o, s));
	else
		must(buf_printf(b, "\"%s\"", s));
}

static void envelope(struct buf *b, unsigned i)
{
	must(buf_printf(b, "(\"%s, %u %s 2023 %02u:%02u:%02u +0000\" ", "Mon", 1 + i % 28,
			months[i % 12], i % 24, i % 60, (i * 7) % 60));
	subject(b);
	must(buf_append_byte(b, ' '));
	addrlist(b, 1);
	must(buf_append_byte(b, ' '));
	addrlist(b, 1);
	must(buf_append_byte(b, ' '));
	addrlist(b, 1);
	must(buf_append_byte(b, ' '));
	addrlist(b, 4);
	must(buf_append_byte(b, ' '));
	addrlist(b, 2);
	must(buf_append_str(b, " NIL "));
	if (rnd() % 2)
		must(buf_printf(b, "\"<%" PRIx64 "@mail.example.org>\" ", rnd()));
	else
		must(buf_append_str(b, "NIL "));
	must(buf_printf(b, "\"<%" PRIx64 ".%u@mail.example.org>\")", rnd(), i));
}

static void textpart(struct buf *b, const char *sub)
{
	must(buf_printf(b,
			"(\"text\" \"%s\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" %u %u "
			"NIL NIL NIL NIL)",
			sub, (unsigned)(rnd() % 20000), (unsigned)(rnd() % 400)));
}

static void attachment(struct buf *b)
{
	must(buf_printf(b,
			"(\"application\" \"pdf\" (\"name\" \"report-%u.pdf\") NIL NIL \"base64\" %u "
			"NIL (\"attachment\" (\"filename\" \"report-%u.pdf\")) NIL NIL)",
			(unsigned)(rnd() % 1000), (unsigned)(rnd() % 2000000), (unsigned)(rnd() % 1000)));
}

static void bodystructure(struct buf *b, unsigned i, int depth)
{
	unsigned k = (unsigned)(rnd() % 10);
	if (depth > 0 || k < 4) {
		textpart(b, "plain");
	} else if (k < 8) {
		must(buf_append_byte(b, '('));
		textpart(b, "plain");
		textpart(b, "html");
		must(buf_printf(b, " \"alternative\" (\"boundary\" \"b1_%u\") NIL NIL NIL)", i));
	} else if (k < 9) {
		must(buf_append_str(b, "(("));
		textpart(b, "plain");
		textpart(b, "html");
		must(buf_printf(b, " \"alternative\" (\"boundary\" \"b2_%u\") NIL NIL NIL)", i));
		attachment(b);
		must(buf_printf(b, " \"mixed\" (\"boundary\" \"b1_%u\") NIL NIL NIL)", i));
	} else {
		/* a forwarded message: message/rfc822 inside multipart/mixed */
		must(buf_append_byte(b, '('));
		textpart(b, "plain");
		must(buf_printf(b, "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" %u ",
				(unsigned)(rnd() % 50000)));
		envelope(b, i + 1);
		must(buf_append_byte(b, ' '));
		bodystructure(b, i + 1, depth + 1);
		must(buf_printf(b, " %u NIL NIL NIL NIL)", (unsigned)(rnd() % 900)));
		must(buf_printf(b, " \"mixed\" (\"boundary\" \"b1_%u\") NIL NIL NIL)", i));
	}
}

static void flags(struct buf *b)
{
	static const char *f[] = { "\\Seen", "\\Answered", "\\Flagged", "$Forwarded", "$Junk" };
	must(buf_append_byte(b, '('));
	unsigned m = (unsigned)(rnd() % 32);
	bool any = false;
	for (int i = 0; i < 5; i++)
		if (m & (1u << i)) {
			must(buf_printf(b, "%s%s", any ? " " : "", f[i]));
			any = true;
		}
	must(buf_append_byte(b, ')'));
}

static void labels(struct buf *b)
{
	static const char *l[] = { "\\Inbox", "\\Important", "\"\\\\Sent\"", "Work",
				   "\"Muy Importante\"", "&AOk-t&AOk-" };
	must(buf_append_byte(b, '('));
	unsigned m = (unsigned)(rnd() % 64);
	bool any = false;
	for (int i = 0; i < 6; i++)
		if (m & (1u << i)) {
			must(buf_printf(b, "%s%s", any ? " " : "", l[i]));
			any = true;
		}
	must(buf_append_byte(b, ')'));
}

static size_t build(struct buf *b, bool with_big)
{
	size_t big = 0;
	for (unsigned i = 1; i <= N_RESP; i++) {
		must(buf_printf(b, "* %u FETCH (UID %u FLAGS ", i, 1000 + i * 3));
		flags(b);
		must(buf_printf(b, " INTERNALDATE \"%2u-%s-2023 %02u:%02u:%02u +0100\" RFC822.SIZE %u "
				   "ENVELOPE ",
				1 + i % 28, months[i % 12], i % 24, i % 60, (i * 13) % 60,
				(unsigned)(rnd() % 200000)));
		envelope(b, i);
		must(buf_append_str(b, " BODYSTRUCTURE "));
		bodystructure(b, i, 0);
		must(buf_printf(b, " X-GM-MSGID %" PRIu64 " X-GM-THRID %" PRIu64 " X-GM-LABELS ",
				(uint64_t)(1700000000000000000ull + i), (uint64_t)(1700000000000000000ull + i / 3)));
		labels(b);
		must(buf_append_str(b, ")\r\n"));
		if (with_big && i % 25000 == 0) { /* a few big messages fetched whole */
			size_t n = ((size_t)3 << 20) + i;
			must(buf_printf(b, "* %u FETCH (UID %u BODY[] {%zu}\r\n", i, 1000 + i * 3, n));
			char *w = buf_reserve(b, n);
			if (!w)
				must(BUF_NOMEM);
			for (size_t k = 0; k < n; k++)
				w[k] = (k % 77) == 76 ? '\n' : (char)('A' + k % 26);
			buf_commit(b, n);
			must(buf_append_str(b, ")\r\n"));
			big += n;
		}
	}
	must(buf_append_str(b, "a001 OK FETCH completed\r\n"));
	return big;
}

struct counts {
	uint64_t responses, streamed;
};

static void on_response(void *ctx, const struct imap_response *r)
{
	struct counts *c = ctx;
	c->responses++;
	(void)r;
}

static int on_chunk(void *ctx, const struct imap_literal_info *in, const char *d, size_t n)
{
	struct counts *c = ctx;
	c->streamed += n;
	(void)in;
	(void)d;
	return 0;
}

/* CPU time of this thread: the figure is per core and not skewed by other load on the box */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Best time over reps of feeding d[0..len) in CHUNK pieces; counts responses per run. */
static double run(const char *d, size_t len, int reps, uint64_t *responses)
{
	struct counts cnt = { 0, 0 };
	struct imap_parser_callbacks cb = { on_response, on_chunk };
	double best = 1e9;
	for (int r = 0; r < reps; r++) {
		struct imap_parser *p = imap_parser_new(NULL, &cb, &cnt);
		if (!p)
			exit(1);
		double t0 = now();
		for (size_t pos = 0; pos < len; pos += CHUNK) {
			size_t n = len - pos < CHUNK ? len - pos : CHUNK;
			if (imap_parser_feed(p, d + pos, n) != IMAP_PARSE_OK) {
				fprintf(stderr, "bench_parser: %s\n", imap_parser_error(p));
				exit(1);
			}
		}
		double t = now() - t0;
		if (t < best)
			best = t;
		imap_parser_free(&p);
	}
	*responses = cnt.responses / (uint64_t)reps;
	return best;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : (getenv("BENCH_QUICK") ? 1 : 10);
	if (reps < 1)
		reps = 1;
	struct buf in;
	buf_init(&in, (size_t)1 << 30);
	size_t big = build(&in, true);
	uint64_t n;
	double t = run(buf_data(&in), buf_len(&in), reps, &n);
	printf("input: %.1f MB, %" PRIu64 " responses, %.1f MB of it in big streamed literals, "
	       "64 KiB chunks, best of %d\n",
	       (double)buf_len(&in) / 1e6, n, (double)big / 1e6, reps);
	printf("parser: %.0f MB/s (%.0f responses/s)\n", (double)buf_len(&in) / 1e6 / t,
	       (double)n / t);
	buf_free(&in);

	/* the same stream without the big literals: metadata parsing alone */
	seed = 88172645463325252ull;
	buf_init(&in, (size_t)1 << 30);
	(void)build(&in, false);
	t = run(buf_data(&in), buf_len(&in), reps, &n);
	printf("parser, FETCH metadata only (%.1f MB): %.0f MB/s (%.0f responses/s)\n",
	       (double)buf_len(&in) / 1e6, (double)buf_len(&in) / 1e6 / t, (double)n / t);
	buf_free(&in);
	return 0;
}
