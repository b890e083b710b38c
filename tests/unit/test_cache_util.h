/* Helpers for the cache tests: a temporary XDG_CACHE_HOME per test, sample rows, file checks. */
#ifndef SKUA_TEST_CACHE_UTIL_H
#define SKUA_TEST_CACHE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/cache.h"

struct tcache {
	char root[256];  /* the temporary directory */
	char xdg[300];   /* root/xdg: XDG_CACHE_HOME (not created) */
	char dir[320];   /* xdg/skua: where cache files go */
	char text[8][128];
	const char *labels[3];
	const char *kw[2];
};

/* cmocka setup/teardown: *state becomes a struct tcache, XDG_CACHE_HOME points into it. */
int tcache_setup(void **state);
int tcache_teardown(void **state);

/* Opens account in the test's XDG dir (default options, plus a log that collects nothing). */
struct cache *tcache_open(const char *account);

/* A full row for uid (all groups, deterministic text from uid). Strings live in t. */
void tcache_msg(struct tcache *t, struct cache_msg *m, uint32_t uid);

/* Files in dir whose name contains needle. */
size_t tcache_count_files(const char *dir, const char *needle);
bool tcache_file_exists(const char *path);
double tcache_now_ms(void);
/* Writes n bytes of data to path (created 0600, truncated). */
int tcache_write_file(const char *path, const void *data, size_t n);

#endif
