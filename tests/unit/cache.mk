## unit tests for src/mail/cache* (SQLite cache and durable action journal)
CACHE_TEST_UTIL = tests/unit/test_cache_util.c tests/unit/test_cache_util.h
UNIT_TESTS += tests/unit/test_cache tests/unit/test_cache_robust tests/unit/test_cache_journal
tests_unit_test_cache_SOURCES = tests/unit/test_cache.c $(CACHE_TEST_UTIL)
tests_unit_test_cache_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_cache_LDADD = $(TEST_LDADD)
tests_unit_test_cache_robust_SOURCES = tests/unit/test_cache_robust.c $(CACHE_TEST_UTIL)
tests_unit_test_cache_robust_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_cache_robust_LDADD = $(TEST_LDADD)
tests_unit_test_cache_journal_SOURCES = tests/unit/test_cache_journal.c $(CACHE_TEST_UTIL)
tests_unit_test_cache_journal_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_cache_journal_LDADD = $(TEST_LDADD)
