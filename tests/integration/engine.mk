## integration tests of the engine (src/imap/ops and everything under it) against Dovecot and
## the Gmail emulation (owned by whoever builds ops); started through tests/integration/*.sh
IT_ENGINE_SOURCES = tests/integration/it_engine.c tests/integration/it_engine_ops.c \
	tests/integration/it_engine_util.c tests/integration/it_engine_util.h
check_PROGRAMS += tests/integration/it_engine
tests_integration_it_engine_SOURCES = $(IT_ENGINE_SOURCES)
tests_integration_it_engine_CFLAGS = $(TEST_CFLAGS)
tests_integration_it_engine_LDADD = $(TEST_LDADD)
TESTS += tests/integration/it_engine.sh tests/integration/it_engine_hoodiecrow.sh
EXTRA_DIST += tests/integration/it_engine.sh tests/integration/it_engine_hoodiecrow.sh
