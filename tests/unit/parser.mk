## unit tests for parser (owned by whoever builds parser)
## Each runs every input whole, byte by byte and in random splits (test_parser_util.c).
PARSER_TEST_UTIL = tests/unit/test_parser_util.c tests/unit/test_parser_util.h
UNIT_TESTS += tests/unit/test_parser tests/unit/test_parser_fetch \
	tests/unit/test_parser_limits tests/unit/test_parser_rfc
tests_unit_test_parser_SOURCES = tests/unit/test_parser.c $(PARSER_TEST_UTIL)
tests_unit_test_parser_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_parser_LDADD = $(TEST_LDADD)
tests_unit_test_parser_fetch_SOURCES = tests/unit/test_parser_fetch.c $(PARSER_TEST_UTIL)
tests_unit_test_parser_fetch_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_parser_fetch_LDADD = $(TEST_LDADD)
tests_unit_test_parser_limits_SOURCES = tests/unit/test_parser_limits.c $(PARSER_TEST_UTIL)
tests_unit_test_parser_limits_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_parser_limits_LDADD = $(TEST_LDADD)
tests_unit_test_parser_rfc_SOURCES = tests/unit/test_parser_rfc.c $(PARSER_TEST_UTIL)
tests_unit_test_parser_rfc_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_parser_rfc_LDADD = $(TEST_LDADD)
EXTRA_DIST += tests/fuzz/fuzz_parser.c
