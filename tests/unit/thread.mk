## unit tests for src/mail/thread* (conversation grouping)
THREAD_TEST_UTIL = tests/unit/test_thread_util.c tests/unit/test_thread_util.h
UNIT_TESTS += tests/unit/test_thread tests/unit/test_thread_gmail tests/unit/test_thread_scale
tests_unit_test_thread_SOURCES = tests/unit/test_thread.c $(THREAD_TEST_UTIL)
tests_unit_test_thread_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_thread_LDADD = $(TEST_LDADD)
tests_unit_test_thread_gmail_SOURCES = tests/unit/test_thread_gmail.c $(THREAD_TEST_UTIL)
tests_unit_test_thread_gmail_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_thread_gmail_LDADD = $(TEST_LDADD)
tests_unit_test_thread_scale_SOURCES = tests/unit/test_thread_scale.c $(THREAD_TEST_UTIL)
tests_unit_test_thread_scale_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_thread_scale_LDADD = $(TEST_LDADD)
