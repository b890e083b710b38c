/*
 * test_parser_util — shared helpers of the parser tests (tests/unit/test_parser*.c).
 *
 * tp_run() feeds one input to fresh parsers in several ways — whole, one byte at a time, and
 * a number of pseudo-random splits — and asserts that every way yields the same canonical
 * dump of responses, the same error (or none) and the same streamed literal bytes. Checks
 * on the typed structs run from tp_check()'s callback during the whole-input run.
 */
#ifndef SKUA_TEST_PARSER_UTIL_H
#define SKUA_TEST_PARSER_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "imap/parser.h"

struct tp_result {
	char *dump;            /* one line per response, each ending in '\n' (malloc'd) */
	char *err;             /* error message, or NULL (malloc'd) */
	size_t n;              /* responses */
	uint64_t streamed;     /* streamed literal bytes */
	uint64_t stream_hash;  /* FNV-1a over the streamed bytes in order */
	size_t chunks;         /* literal_chunk calls (whole-input run) */
	struct imap_parser_stats stats; /* of the whole-input run */
};

/* Called for every response of the whole-input run (index counts from 0). */
typedef void (*tp_check_fn)(const struct imap_response *r, size_t index, void *arg);

/* Runs in every split; asserts equivalence; fills *out from the whole-input run. */
void tp_run(const char *in, size_t len, const struct imap_parser_limits *lim, tp_check_fn check,
	    void *arg, struct tp_result *out);
void tp_result_free(struct tp_result *r);

/* Asserts the input parses without error into exactly `expected` (the dump lines). */
void tp_expect(const char *in, const char *expected);
/* Asserts no error and runs check on each response; returns the number of responses. */
size_t tp_check(const char *in, tp_check_fn check, void *arg);
size_t tp_check_n(const char *in, size_t len, tp_check_fn check, void *arg);
/* Asserts the input fails with an error containing `needle`; returns the responses delivered
 * before the error. */
size_t tp_expect_error(const char *in, size_t len, const struct imap_parser_limits *lim,
		       const char *needle);
/* Dump of the single response in `in` (asserts exactly one); static storage. */
const char *tp_dump1(const char *in);

/* Number of random split runs per case (default 12; env TP_SPLITS overrides). */
unsigned tp_splits(void);

#endif
