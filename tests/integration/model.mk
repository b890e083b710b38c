## integration tests of the mail model (src/mail/model.h) against Dovecot and the Gmail
## emulation; started through tests/integration/it_model*.sh (included from tests/local.mk)
check_PROGRAMS += tests/integration/it_model
tests_integration_it_model_SOURCES = tests/integration/it_model.c \
	tests/integration/it_engine_util.c tests/integration/it_engine_util.h
tests_integration_it_model_CFLAGS = $(TEST_CFLAGS)
tests_integration_it_model_LDADD = $(TEST_LDADD)
TESTS += tests/integration/it_model.sh tests/integration/it_model_scale.sh
EXTRA_DIST += tests/integration/it_model.sh tests/integration/it_model_scale.sh \
	tests/integration/model_scale_compare.py
