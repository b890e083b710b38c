## unit tests for the mail model: the lazy message table, the fetch scheduler, the folder list,
## and the model over an in-process fake server (included from tests/local.mk)
UNIT_TESTS += tests/unit/test_mailbox_table tests/unit/test_fetch_sched tests/unit/test_folders \
	tests/unit/test_model tests/unit/test_model_threads
tests_unit_test_mailbox_table_SOURCES = tests/unit/test_mailbox_table.c
tests_unit_test_mailbox_table_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_mailbox_table_LDADD = $(TEST_LDADD)
tests_unit_test_fetch_sched_SOURCES = tests/unit/test_fetch_sched.c
tests_unit_test_fetch_sched_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_fetch_sched_LDADD = $(TEST_LDADD)
tests_unit_test_folders_SOURCES = tests/unit/test_folders.c
tests_unit_test_folders_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_folders_LDADD = $(TEST_LDADD)
MODEL_TEST_UTIL = tests/unit/test_model_util.c tests/unit/test_model_util.h
tests_unit_test_model_SOURCES = tests/unit/test_model.c $(MODEL_TEST_UTIL)
tests_unit_test_model_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_model_LDADD = $(TEST_LDADD)
tests_unit_test_model_threads_SOURCES = tests/unit/test_model_threads.c $(MODEL_TEST_UTIL)
tests_unit_test_model_threads_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_model_threads_LDADD = $(TEST_LDADD)
## saving attachments (streaming decode into a file), the html_filter runner, both in the model
UNIT_TESTS += tests/unit/test_decode_fd tests/unit/test_proc_run tests/unit/test_model_save
tests_unit_test_decode_fd_SOURCES = tests/unit/test_decode_fd.c
tests_unit_test_decode_fd_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_decode_fd_LDADD = $(TEST_LDADD)
tests_unit_test_proc_run_SOURCES = tests/unit/test_proc_run.c
tests_unit_test_proc_run_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_proc_run_LDADD = $(TEST_LDADD)
tests_unit_test_model_save_SOURCES = tests/unit/test_model_save.c $(MODEL_TEST_UTIL)
tests_unit_test_model_save_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_model_save_LDADD = $(TEST_LDADD)
