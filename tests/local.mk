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
UNIT_TESTS += tests/unit/test_sanitize
tests_unit_test_sanitize_SOURCES = tests/unit/test_sanitize.c
tests_unit_test_sanitize_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui
tests_unit_test_sanitize_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_sanitize_LDADD = libskuaui.a $(TEST_LDADD)
include tests/unit/parser.mk
include tests/unit/net.mk
include tests/unit/encode.mk
include tests/unit/thread.mk
include tests/unit/session.mk
include tests/unit/mail.mk
include tests/unit/ops.mk
include tests/unit/cache.mk
include tests/unit/model.mk
include tests/unit/triage.mk
include tests/unit/ui.mk
include tests/integration/engine.mk
include tests/integration/model.mk
include tests/integration/hostile.mk
include tests/integration/triage.mk
else
## Without cmocka `make check` stops at once and says how to get it.
check_SCRIPTS = cmocka-missing
cmocka-missing:
	@$(SHELL) $(srcdir)/tests/harness/no-cmocka.sh
endif
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

## End-to-end tests of the reader in tmux (Python scripts; they start their own servers).
include tests/e2e/e2e.mk

## Test servers and the harness that starts them; their self-tests run with the suite.
## A test needing a server it cannot start fails under CI=true, and skips elsewhere.
TESTS += \
	tests/servers/test_gmail_server.py \
	tests/integration/harness.sh

EXTRA_DIST += tests/harness tests/servers tests/integration/harness.sh \
	tests/integration/harness_check.py

## Directories in EXTRA_DIST are copied whole (from the build tree too, when a VPATH build
## ran tests there): leave Python's caches and test logs out.
dist-hook:
	find $(distdir)/tests -name __pycache__ -type d -prune -exec rm -rf {} +
	find $(distdir)/tests/servers $(distdir)/tests/harness \( -name '*.log' -o -name '*.trs' \) -exec rm -f {} +
