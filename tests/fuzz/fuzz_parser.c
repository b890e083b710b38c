/*
 * fuzz_parser — libFuzzer target for the IMAP response parser (src/imap/parser.h).
 *
 * Differential: every input is parsed twice, once whole and once in pieces whose sizes come
 * from the input's first bytes; both runs must give byte-identical response dumps, the same
 * error and the same streamed literal bytes, else the target aborts. Small limits are used so
 * that every limit (line, depth, literal, items, inline total, streaming) is reachable.
 *
 * Not wired into make. Build by hand from the top of the source tree (after ./configure,
 * which makes config.h; here from a build directory B):
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -I src -I B \
 *       tests/fuzz/fuzz_parser.c src/imap/parser.c src/imap/parse_lex.c \
 *       src/imap/parse_resp.c src/imap/parse_fetch.c src/imap/parse_dump.c src/buf.c \
 *       -o fuzz_parser
 *   mkdir -p corpus && ./fuzz_parser -max_total_time=60 -max_len=4096 corpus
 *
 * (Without a configured tree, `echo > B/config.h` with an empty file works too.)
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	struct buf dump;
	uint64_t streamed, hash, next_off;
	int in_lit;
};

static void on_response(void *ctx, const struct imap_response *r)
{
	struct run *run = ctx;
	if (run->in_lit)
		abort(); /* a streamed literal must be complete before its response */
	if (imap_response_dump(r, &run->dump) != 0 || buf_append_byte(&run->dump, '\n') != BUF_OK)
		abort();
}

static int on_chunk(void *ctx, const struct imap_literal_info *in, const char *d, size_t n)
{
	struct run *run = ctx;
	if (in->offset == 0) {
		if (run->in_lit)
			abort();
		run->in_lit = 1;
		run->next_off = 0;
	}
	if (!run->in_lit || in->offset != run->next_off || n == 0 || in->offset + n > in->size ||
	    !in->section)
		abort();
	run->next_off += n;
	if (run->next_off == in->size)
		run->in_lit = 0;
	for (size_t i = 0; i < n; i++)
		run->hash = (run->hash ^ (unsigned char)d[i]) * 1099511628211ull;
	run->streamed += n;
	return 0;
}

static const struct imap_parser_limits lim = {
	.max_line = 2048,
	.max_depth = 12,
	.max_body_depth = 6,
	.max_literal = 3000,
	.max_items = 300,
	.inline_literal = 40,
	.max_inline_total = 1000,
	.max_text = 64,
};

/* nseed == 0: whole; seed == NULL: one byte at a time; else piece sizes from seed bytes */
static void run(const char *d, size_t n, const uint8_t *seed, size_t nseed, struct run *r,
		char **err)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->dump, (size_t)1 << 26);
	r->hash = 1469598103934665603ull;
	struct imap_parser_callbacks cb = { on_response, on_chunk };
	struct imap_parser *p = imap_parser_new(&lim, &cb, r);
	if (!p)
		abort();
	size_t pos = 0, k = 0;
	enum imap_parse_result rc = IMAP_PARSE_OK;
	while (pos < n && rc == IMAP_PARSE_OK) {
		size_t step = !nseed ? n : !seed ? 1 : 1 + (size_t)(seed[k++ % nseed] % 23);
		if (step > n - pos)
			step = n - pos;
		rc = imap_parser_feed(p, d + pos, step);
		pos += step;
	}
	*err = rc == IMAP_PARSE_ERROR ? strdup(imap_parser_error(p)) : NULL;
	if (rc == IMAP_PARSE_ERROR && imap_parser_feed(p, "* OK\r\n", 6) != IMAP_PARSE_ERROR)
		abort();
	imap_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nseed = size ? data[0] % 8 : 0;
	if (nseed + 1 > size)
		return 0;
	const uint8_t *seed = data + 1;
	const char *in = (const char *)data + 1 + nseed;
	size_t n = size - 1 - nseed;

	struct run a, b;
	char *ea, *eb;
	run(in, n, NULL, 0, &a, &ea);
	run(in, n, nseed ? seed : NULL, nseed ? nseed : 1, &b, &eb);
	if (buf_len(&a.dump) != buf_len(&b.dump) ||
	    memcmp(buf_data(&a.dump), buf_data(&b.dump), buf_len(&a.dump)) != 0) {
		fprintf(stderr, "whole:\n%s\nsplit:\n%s\n", buf_data(&a.dump), buf_data(&b.dump));
		abort();
	}
	if ((ea == NULL) != (eb == NULL) || (ea && strcmp(ea, eb) != 0)) {
		fprintf(stderr, "errors differ: %s / %s\n", ea ? ea : "-", eb ? eb : "-");
		abort();
	}
	if (a.streamed != b.streamed || a.hash != b.hash)
		abort();
	free(ea);
	free(eb);
	buf_free(&a.dump);
	buf_free(&b.dump);
	return 0;
}
