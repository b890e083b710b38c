## The hostile-server suite: tests/servers/hostile_server.py (a scripted hostile IMAP server)
## against the engine (tests/integration/it_hostile.c, run by hostile.sh) and against the skua
## binary (hostile_binary.sh). Included from tests/local.mk inside `if HAVE_CMOCKA`.
check_PROGRAMS += tests/integration/it_hostile
tests_integration_it_hostile_SOURCES = tests/integration/it_hostile.c
tests_integration_it_hostile_CFLAGS = $(TEST_CFLAGS)
tests_integration_it_hostile_LDADD = $(TEST_LDADD)
TESTS += tests/integration/hostile.sh tests/integration/hostile_binary.sh
EXTRA_DIST += tests/integration/hostile.sh tests/integration/hostile_binary.sh
