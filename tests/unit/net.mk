## unit tests for src/loop and src/net (owned by whoever builds net)
UNIT_TESTS += tests/unit/test_loop
tests_unit_test_loop_SOURCES = tests/unit/test_loop.c
tests_unit_test_loop_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_loop_LDADD = $(TEST_LDADD)
UNIT_TESTS += tests/unit/test_net tests/unit/test_net_tls tests/unit/test_net_compress
tests_unit_test_net_SOURCES = tests/unit/test_net.c tests/unit/test_net_util.c tests/unit/test_net_util.h
tests_unit_test_net_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_net_LDADD = $(TEST_LDADD)
tests_unit_test_net_tls_SOURCES = tests/unit/test_net_tls.c tests/unit/test_net_util.c tests/unit/test_net_util.h
tests_unit_test_net_tls_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_net_tls_LDADD = $(TEST_LDADD)
tests_unit_test_net_compress_SOURCES = tests/unit/test_net_compress.c tests/unit/test_net_util.c tests/unit/test_net_util.h
tests_unit_test_net_compress_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_net_compress_LDADD = $(TEST_LDADD)
