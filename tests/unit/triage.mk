## unit tests for src/mail/triage* (fake model, scripted sessions; included from tests/local.mk)
UNIT_TESTS += tests/unit/test_triage
tests_unit_test_triage_SOURCES = tests/unit/test_triage.c tests/unit/test_triage_util.c \
	tests/unit/test_triage_util.h
tests_unit_test_triage_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_triage_LDADD = $(TEST_LDADD)
