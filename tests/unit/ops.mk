## unit tests for src/imap/ops (owned by whoever builds ops)
OPS_TEST_UTIL = tests/unit/test_ops_util.c tests/unit/test_ops_util.h
UNIT_TESTS += tests/unit/test_ops_mailbox tests/unit/test_ops_message
tests_unit_test_ops_mailbox_SOURCES = tests/unit/test_ops_mailbox.c $(OPS_TEST_UTIL)
tests_unit_test_ops_mailbox_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_ops_mailbox_LDADD = $(TEST_LDADD)
tests_unit_test_ops_message_SOURCES = tests/unit/test_ops_message.c $(OPS_TEST_UTIL)
tests_unit_test_ops_message_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_ops_message_LDADD = $(TEST_LDADD)
