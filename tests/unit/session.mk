## unit tests for src/imap/session* and src/imap/connection* (owned by whoever builds the session)
UNIT_TESTS += tests/unit/test_session tests/unit/test_session_conn
tests_unit_test_session_SOURCES = tests/unit/test_session.c tests/unit/test_session_script.c \
	tests/unit/test_session_script.h
tests_unit_test_session_CFLAGS = $(TEST_CFLAGS) \
	-DSESSION_TRANSCRIPTS='"$(abs_top_srcdir)/tests/unit/transcripts"'
tests_unit_test_session_LDADD = $(TEST_LDADD)
tests_unit_test_session_conn_SOURCES = tests/unit/test_session_conn.c
tests_unit_test_session_conn_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_session_conn_LDADD = $(TEST_LDADD)
EXTRA_DIST += tests/unit/transcripts
