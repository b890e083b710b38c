## integration tests of durable triage (src/mail/triage*) against Dovecot and the Gmail
## emulation, kill -9 at each step included (included from tests/local.mk)
check_PROGRAMS += tests/integration/it_triage_tool
tests_integration_it_triage_tool_SOURCES = tests/integration/it_triage_tool.c
tests_integration_it_triage_tool_CFLAGS = $(TEST_CFLAGS)
tests_integration_it_triage_tool_LDADD = $(TEST_LDADD)
TESTS += tests/integration/it_triage.sh
EXTRA_DIST += tests/integration/it_triage.sh tests/integration/triage_check.py
