## tests/: unit tests (cmocka programs, tests/unit), integration tests (tests/integration,
## each starting its own servers through tests/harness/servers.py) and the test servers.
## Each module's unit tests live in their own fragment tests/unit/<module>.mk.

UNIT_TESTS =
if HAVE_CMOCKA
UNIT_TESTS += tests/unit/test_buf
tests_unit_test_buf_SOURCES = tests/unit/test_buf.c
tests_unit_test_buf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_buf_LDADD = $(TEST_LDADD)
UNIT_TESTS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_conf_LDADD = $(TEST_LDADD)
include tests/unit/parser.mk
include tests/unit/net.mk
include tests/unit/encode.mk
else
TESTS += tests/harness/no-cmocka.sh
endif
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

EXTRA_DIST += tests/harness/no-cmocka.sh
