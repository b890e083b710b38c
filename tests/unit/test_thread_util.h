/* Helpers for the thread tests: building messages and a canonical text dump of all threads. */
#ifndef SKUA_TEST_THREAD_UTIL_H
#define SKUA_TEST_THREAD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/thread.h"

/* A message with the fields the JWZ tests use (the rest zero). Strings are not copied. */
struct thread_msg tmsg(uint64_t key, const char *id, const char *refs, const char *subject,
		       int64_t date);

/* All of thread_order_get(), malloc'd (never NULL); checks positions and windowed reads agree. */
uint32_t *thread_order_all(struct thread_ctx *ctx, size_t *n);

/*
 * Every thread in order, one line per entry: two spaces per depth, then the key (or
 * "*" for a dummy), threads separated by "--". Returned string is malloc'd; never NULL.
 */
char *thread_dump(struct thread_ctx *ctx);
/* The dump of one thread, same format. */
char *thread_dump_one(struct thread_ctx *ctx, uint32_t tid);

/* Checks that the threads hold every live key exactly once; keys are 1..max_key. Returns the
 * number of message lines seen. */
size_t thread_check_cover(struct thread_ctx *ctx, uint64_t max_key);

/* A small deterministic PRNG. */
uint64_t trand(uint64_t *state);

#endif
