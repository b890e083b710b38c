## unit tests for src/mail decoders and the MIME tree (included from tests/local.mk)
MAIL_TEST_CFLAGS = $(TEST_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'

UNIT_TESTS += tests/unit/test_qp
tests_unit_test_qp_SOURCES = tests/unit/test_qp.c
tests_unit_test_qp_CFLAGS = $(MAIL_TEST_CFLAGS)
tests_unit_test_qp_LDADD = $(TEST_LDADD)

UNIT_TESTS += tests/unit/test_rfc2047
tests_unit_test_rfc2047_SOURCES = tests/unit/test_rfc2047.c
tests_unit_test_rfc2047_CFLAGS = $(MAIL_TEST_CFLAGS)
tests_unit_test_rfc2047_LDADD = $(TEST_LDADD)

UNIT_TESTS += tests/unit/test_rfc2231
tests_unit_test_rfc2231_SOURCES = tests/unit/test_rfc2231.c
tests_unit_test_rfc2231_CFLAGS = $(MAIL_TEST_CFLAGS)
tests_unit_test_rfc2231_LDADD = $(TEST_LDADD)

UNIT_TESTS += tests/unit/test_charset
tests_unit_test_charset_SOURCES = tests/unit/test_charset.c
tests_unit_test_charset_CFLAGS = $(MAIL_TEST_CFLAGS)
tests_unit_test_charset_LDADD = $(TEST_LDADD)

UNIT_TESTS += tests/unit/test_flowed
tests_unit_test_flowed_SOURCES = tests/unit/test_flowed.c
tests_unit_test_flowed_CFLAGS = $(MAIL_TEST_CFLAGS)
tests_unit_test_flowed_LDADD = $(TEST_LDADD)

UNIT_TESTS += tests/unit/test_html2text
tests_unit_test_html2text_SOURCES = tests/unit/test_html2text.c
tests_unit_test_html2text_CFLAGS = $(MAIL_TEST_CFLAGS)
tests_unit_test_html2text_LDADD = $(TEST_LDADD)

UNIT_TESTS += tests/unit/test_mime
tests_unit_test_mime_SOURCES = tests/unit/test_mime.c
tests_unit_test_mime_CFLAGS = $(MAIL_TEST_CFLAGS)
tests_unit_test_mime_LDADD = $(TEST_LDADD)

EXTRA_DIST += tests/unit/data/mime tests/fuzz/fuzz_mime.c
