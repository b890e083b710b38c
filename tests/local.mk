## tests/: unit tests (cmocka programs, tests/unit), integration tests (tests/integration,
## each starting its own servers through tests/harness/servers.py) and the test servers.

if HAVE_CMOCKA
UNIT_TESTS = tests/unit/test_buf
else
UNIT_TESTS =
TESTS += tests/harness/no-cmocka.sh
endif
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_buf_SOURCES = tests/unit/test_buf.c
tests_unit_test_buf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_buf_LDADD = $(TEST_LDADD)

EXTRA_DIST += tests/harness/no-cmocka.sh
