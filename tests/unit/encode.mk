## unit tests for encode (owned by whoever builds encode)
UNIT_TESTS += tests/unit/test_base64 tests/unit/test_mutf7 tests/unit/test_seqset \
	tests/unit/test_encode tests/unit/test_search tests/unit/test_sasl
tests_unit_test_base64_SOURCES = tests/unit/test_base64.c
tests_unit_test_base64_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_base64_LDADD = $(TEST_LDADD)
tests_unit_test_mutf7_SOURCES = tests/unit/test_mutf7.c
tests_unit_test_mutf7_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_mutf7_LDADD = $(TEST_LDADD)
tests_unit_test_seqset_SOURCES = tests/unit/test_seqset.c
tests_unit_test_seqset_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_seqset_LDADD = $(TEST_LDADD)
tests_unit_test_encode_SOURCES = tests/unit/test_encode.c
tests_unit_test_encode_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_encode_LDADD = $(TEST_LDADD)
tests_unit_test_search_SOURCES = tests/unit/test_search.c
tests_unit_test_search_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_search_LDADD = $(TEST_LDADD)
tests_unit_test_sasl_SOURCES = tests/unit/test_sasl.c
tests_unit_test_sasl_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_sasl_LDADD = $(TEST_LDADD)
