/* Unit tests for src/imap/encode: atom/quoted/literal choice, literal forms and segments,
 * CR/LF injection attempts through every input, mailboxes, flags, labels, dates, sticky
 * errors, line limits, redaction in the trace. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/encode.h"
#include "imap/seqset.h"

static const struct imap_enc_opts plain_opts = {0};
static const struct imap_enc_opts lplus_opts = {.literal_plus = true};
static const struct imap_enc_opts lminus_opts = {.literal_minus = true};
static const struct imap_enc_opts utf8_opts = {.utf8_accept = true, .literal_plus = true};

/* Builds "a1 CMD <astring>" and compares the whole wire text. */
static void expect_astring(const struct imap_enc_opts *o, const char *s, const char *want)
{
	struct imap_cmd c;
	imap_cmd_init(&c, o);
	assert_int_equal(imap_cmd_start(&c, "a1", "CMD"), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_add_astring(&c, s), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_len(&c), strlen(want));
	assert_memory_equal(imap_cmd_data(&c), want, strlen(want));
	imap_cmd_free(&c);
}

static void test_astring_choice(void **state)
{
	expect_astring(&plain_opts, "INBOX", "a1 CMD INBOX\r\n");
	expect_astring(&plain_opts, "Sent.2024-01", "a1 CMD Sent.2024-01\r\n");
	expect_astring(&plain_opts, "", "a1 CMD \"\"\r\n");
	expect_astring(&plain_opts, "nil", "a1 CMD \"nil\"\r\n");
	expect_astring(&plain_opts, "NILS", "a1 CMD NILS\r\n");
	expect_astring(&plain_opts, "two words", "a1 CMD \"two words\"\r\n");
	expect_astring(&plain_opts, "a\"b\\c", "a1 CMD \"a\\\"b\\\\c\"\r\n");
	expect_astring(&plain_opts, "[Gmail]/Drafts", "a1 CMD \"[Gmail]/Drafts\"\r\n");
	expect_astring(&plain_opts, "50%", "a1 CMD \"50%\"\r\n");
	expect_astring(&plain_opts, "a*", "a1 CMD \"a*\"\r\n");
	expect_astring(&plain_opts, "(x)", "a1 CMD \"(x)\"\r\n");
	expect_astring(&plain_opts, "{5}", "a1 CMD \"{5}\"\r\n");
	expect_astring(&plain_opts, "tab\there", "a1 CMD \"tab\there\"\r\n");
	/* 8-bit: a literal, unless UTF8=ACCEPT allows quoting valid UTF-8 */
	expect_astring(&plain_opts, "Re\xc3\xa7us", "a1 CMD {6}\r\nRe\xc3\xa7us\r\n");
	expect_astring(&lplus_opts, "Re\xc3\xa7us", "a1 CMD {6+}\r\nRe\xc3\xa7us\r\n");
	expect_astring(&utf8_opts, "Re\xc3\xa7us", "a1 CMD \"Re\xc3\xa7us\"\r\n");
	/* invalid UTF-8 is never quoted, even with UTF8=ACCEPT */
	expect_astring(&utf8_opts, "bad\xff", "a1 CMD {4+}\r\nbad\xff\r\n");
}

static void test_literal_forms_and_segments(void **state)
{
	struct imap_cmd c;
	const char *seg;
	size_t len;

	/* synchronising: the command splits after "{n}\r\n" */
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "A003", "APPEND");
	imap_cmd_add_mailbox(&c, "saved-messages");
	imap_cmd_add_flags(&c, (const char *[]){"\\Seen"}, 1);
	imap_cmd_add_literal(&c, "Subject: hi\r\n\r\nbody\r\n", 21);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_nsegs(&c), 2);
	imap_cmd_seg(&c, 0, &seg, &len);
	assert_int_equal(len, strlen("A003 APPEND saved-messages (\\Seen) {21}\r\n"));
	assert_memory_equal(seg, "A003 APPEND saved-messages (\\Seen) {21}\r\n", len);
	imap_cmd_seg(&c, 1, &seg, &len);
	assert_int_equal(len, 23);
	assert_memory_equal(seg, "Subject: hi\r\n\r\nbody\r\n\r\n", len);
	assert_int_equal(imap_cmd_seg_off(&c, 1), imap_cmd_len(&c) - 23);
	imap_cmd_free(&c);

	/* LITERAL+: one segment, "{n+}" */
	imap_cmd_init(&c, &lplus_opts);
	imap_cmd_start(&c, "A003", "APPEND");
	imap_cmd_add_mailbox(&c, "INBOX");
	imap_cmd_add_literal(&c, "x", 1);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_nsegs(&c), 1);
	assert_string_equal(imap_cmd_data(&c), "A003 APPEND INBOX {1+}\r\nx\r\n");
	imap_cmd_free(&c);

	/* LITERAL-: non-synchronising up to 4096 bytes, synchronising above */
	char *big = malloc(4097);
	memset(big, 'm', 4097);
	imap_cmd_init(&c, &lminus_opts);
	imap_cmd_start(&c, "t", "X");
	imap_cmd_add_literal(&c, big, 4096);
	imap_cmd_add_literal(&c, big, 4097);
	imap_cmd_add_literal(&c, "", 0);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_nsegs(&c), 2);
	imap_cmd_seg(&c, 0, &seg, &len);
	assert_memory_equal(seg, "t X {4096+}\r\n", 13);
	assert_memory_equal(seg + len - 9, " {4097}\r\n", 9);
	imap_cmd_seg(&c, 1, &seg, &len);
	assert_int_equal(len, 4097 + strlen(" {0+}\r\n\r\n"));
	assert_memory_equal(seg + 4097, " {0+}\r\n\r\n", 9);
	imap_cmd_free(&c);
	free(big);

	/* two synchronising literals: three segments, each sync segment ends in "}\r\n" */
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a2", "RENAME");
	imap_cmd_add_astring(&c, "a\r\nb");
	imap_cmd_add_astring(&c, "c\nd");
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_nsegs(&c), 3);
	const char *want[] = {"a2 RENAME {4}\r\n", "a\r\nb {3}\r\n", "c\nd\r\n"};
	for (size_t i = 0; i < 3; i++) {
		imap_cmd_seg(&c, i, &seg, &len);
		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(seg, want[i], len);
	}
	imap_cmd_free(&c);
}

/* An injected line must never appear outside a literal. */
static void test_crlf_injection_everywhere(void **state)
{
	const char *evil = "x\r\nA2 DELETE INBOX";
	struct imap_cmd c;

	/* astring / string / nstring: become literals, counted exactly */
	int (*adders[])(struct imap_cmd *, const char *) = {imap_cmd_add_astring, imap_cmd_add_nstring};
	for (size_t i = 0; i < 2; i++) {
		imap_cmd_init(&c, &plain_opts);
		imap_cmd_start(&c, "a1", "SUBSCRIBE");
		assert_int_equal(adders[i](&c, evil), IMAP_ENC_OK);
		assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
		assert_string_equal(imap_cmd_data(&c), "a1 SUBSCRIBE {18}\r\nx\r\nA2 DELETE INBOX\r\n");
		assert_int_equal(imap_cmd_nsegs(&c), 2);
		imap_cmd_free(&c);
	}
	imap_cmd_init(&c, &lplus_opts);
	imap_cmd_start(&c, "a1", "X");
	assert_int_equal(imap_cmd_add_string(&c, evil, strlen(evil)), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a1 X {18+}\r\nx\r\nA2 DELETE INBOX\r\n");
	imap_cmd_free(&c);

	/* a mailbox is mUTF-7 encoded: CR and LF vanish into base64 */
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "SELECT");
	assert_int_equal(imap_cmd_add_mailbox(&c, evil), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a1 SELECT \"x&AA0ACg-A2 DELETE INBOX\"\r\n");
	imap_cmd_free(&c);
	/* ... and with UTF8=ACCEPT it is a literal */
	imap_cmd_init(&c, &utf8_opts);
	imap_cmd_start(&c, "a1", "SELECT");
	assert_int_equal(imap_cmd_add_mailbox(&c, evil), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a1 SELECT {18+}\r\nx\r\nA2 DELETE INBOX\r\n");
	imap_cmd_free(&c);

	/* labels: system labels are checked as flags, others go the mailbox way */
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "STORE");
	assert_int_equal(imap_cmd_add_labels(&c, (const char *[]){evil}, 1), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a1 STORE (\"x&AA0ACg-A2 DELETE INBOX\")\r\n");
	imap_cmd_free(&c);

	/* things the caller names directly are refused, never patched */
	struct {
		const char *tag, *verb;
	} starts[] = {{"a\r\n1", "NOOP"}, {"a1", "NOOP\r\nA2 DELETE INBOX"}, {"a 1", "NOOP"},
		      {"a+1", "NOOP"}, {"", "NOOP"}, {"a1", ""}, {"a1", " NOOP"}, {"a1", "UID  FETCH"},
		      {"a1", "NOOP "}, {"a\"1", "NOOP"}};
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		imap_cmd_init(&c, &plain_opts);
		assert_int_equal(imap_cmd_start(&c, starts[i].tag, starts[i].verb), IMAP_ENC_BAD_CHAR);
		assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_BAD_CHAR);
		assert_int_equal(imap_cmd_len(&c), 0);
		imap_cmd_free(&c);
	}
	int r;
	const char *bad_atoms[] = {evil, "a b", "x\n", "(", "a]", "", "caf\xc3\xa9"};
	for (size_t i = 0; i < sizeof bad_atoms / sizeof bad_atoms[0]; i++) {
		imap_cmd_init(&c, &plain_opts);
		imap_cmd_start(&c, "a1", "X");
		assert_int_equal(imap_cmd_add_atom(&c, bad_atoms[i]), IMAP_ENC_BAD_CHAR);
		imap_cmd_free(&c);
	}
	const char *bad_flags[] = {"\\Seen\r\n", "\\", "\\*", "$a b", "x)", "\\\\Seen"};
	for (size_t i = 0; i < sizeof bad_flags / sizeof bad_flags[0]; i++) {
		imap_cmd_init(&c, &plain_opts);
		imap_cmd_start(&c, "a1", "STORE");
		assert_int_equal(imap_cmd_add_flags(&c, &bad_flags[i], 1), IMAP_ENC_BAD_CHAR);
		imap_cmd_free(&c);
	}
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "FETCH");
	assert_int_equal(imap_cmd_add_raw(&c, "BODY[]\r\nA2 LOGOUT"), IMAP_ENC_BAD_CHAR);
	imap_cmd_free(&c);
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "FETCH");
	r = imap_cmd_add_rawf(&c, "BODY[%s]", "1\nA2 LOGOUT");
	assert_int_equal(r, IMAP_ENC_BAD_CHAR);
	imap_cmd_free(&c);
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "FETCH");
	r = imap_cmd_add_rawf(&c, "BODY[%c]", 0);
	assert_int_equal(r, IMAP_ENC_BAD_CHAR);
	imap_cmd_free(&c);
	/* NUL cannot travel in IMAP4rev1 strings or literals */
	imap_cmd_init(&c, &lplus_opts);
	imap_cmd_start(&c, "a1", "X");
	assert_int_equal(imap_cmd_add_string(&c, "a\0b", 3), IMAP_ENC_BAD_CHAR);
	imap_cmd_free(&c);
	imap_cmd_init(&c, &lplus_opts);
	imap_cmd_start(&c, "a1", "X");
	assert_int_equal(imap_cmd_add_literal(&c, "a\0b", 3), IMAP_ENC_BAD_CHAR);
	imap_cmd_free(&c);
	imap_cmd_init(&c, &lplus_opts);
	imap_cmd_start(&c, "a1", "X");
	assert_int_equal(imap_cmd_add_astring_n(&c, "a\0\r\n", 4), IMAP_ENC_BAD_CHAR);
	imap_cmd_free(&c);
}

static void test_sticky_errors(void **state)
{
	struct imap_cmd c;
	imap_cmd_init(&c, &plain_opts);
	assert_int_equal(imap_cmd_add_atom(&c, "X"), IMAP_ENC_INVALID); /* not started */
	imap_cmd_free(&c);

	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "SELECT");
	assert_int_equal(imap_cmd_add_mailbox(&c, "bad\xc3"), IMAP_ENC_BAD_UTF8);
	size_t len = imap_cmd_len(&c);
	/* later calls report the first error and add nothing */
	assert_int_equal(imap_cmd_add_atom(&c, "OK"), IMAP_ENC_BAD_UTF8);
	assert_int_equal(imap_cmd_add_number(&c, 5), IMAP_ENC_BAD_UTF8);
	assert_int_equal(imap_cmd_list_open(&c), IMAP_ENC_BAD_UTF8);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_BAD_UTF8);
	assert_int_equal(imap_cmd_len(&c), len);
	assert_int_equal(imap_enc_strerror(IMAP_ENC_BAD_UTF8)[0] != '\0', 1);
	imap_cmd_free(&c);

	/* unbalanced lists, close without open, use after finish */
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "X");
	imap_cmd_list_open(&c);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_INVALID);
	imap_cmd_free(&c);
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "X");
	assert_int_equal(imap_cmd_list_close(&c), IMAP_ENC_INVALID);
	imap_cmd_free(&c);
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "NOOP");
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a1 NOOP\r\n");
	assert_int_equal(imap_cmd_add_atom(&c, "X"), IMAP_ENC_INVALID);
	imap_cmd_free(&c);
	imap_cmd_free(&c); /* twice is safe */
}

static void test_args_and_lists(void **state)
{
	struct imap_cmd c;
	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_parse(&s, "1:5,7,9:*", 9, SEQSET_ALLOW_STAR, 0), SEQSET_OK);

	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a7", "UID STORE");
	imap_cmd_add_seqset(&c, &s);
	imap_cmd_add_raw(&c, "+FLAGS.SILENT");
	imap_cmd_add_flags(&c, (const char *[]){"\\Seen", "$Forwarded", "\\Flagged"}, 3);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c),
			    "a7 UID STORE 1:5,7,9:* +FLAGS.SILENT (\\Seen $Forwarded \\Flagged)\r\n");
	imap_cmd_free(&c);

	/* FETCH with a nested list and numbers */
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a8", "FETCH");
	imap_cmd_add_number(&c, 18446744073709551615ull);
	imap_cmd_list_open(&c);
	imap_cmd_add_atom(&c, "UID");
	imap_cmd_add_rawf(&c, "BODY.PEEK[%d.%d]<%u.%u>", 1, 2, 0u, 2048u);
	imap_cmd_list_close(&c);
	imap_cmd_list_open(&c);
	imap_cmd_list_close(&c);
	imap_cmd_add_nstring(&c, NULL);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c),
			    "a8 FETCH 18446744073709551615 (UID BODY.PEEK[1.2]<0.2048>) () NIL\r\n");
	imap_cmd_free(&c);

	/* LIST "" "*" and Gmail labels */
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a4", "LIST");
	imap_cmd_add_astring(&c, "");
	imap_cmd_add_mailbox(&c, "*");
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a4 LIST \"\" \"*\"\r\n");
	imap_cmd_free(&c);

	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a11", "UID STORE");
	imap_cmd_add_number(&c, 1);
	imap_cmd_add_raw(&c, "+X-GM-LABELS");
	imap_cmd_add_labels(&c, (const char *[]){"\\Inbox", "Muy Importante", "foo", "Re\xc3\xa7us", "\\Important"}, 5);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c),
			    "a11 UID STORE 1 +X-GM-LABELS (\\Inbox \"Muy Importante\" foo Re&AOc-us \\Important)\r\n");
	imap_cmd_free(&c);

	/* mailbox names: mUTF-7, quoting where needed; UTF-8 when accepted */
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a5", "SELECT");
	imap_cmd_add_mailbox(&c, "[Gmail]/\xd0\x92\xd1\x81\xd1\x96 \xd0\xbb\xd0\xb8\xd1\x81\xd1\x82\xd0\xb8");
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a5 SELECT \"[Gmail]/&BBIEQQRW- &BDsEOARBBEIEOA-\"\r\n");
	imap_cmd_free(&c);
	imap_cmd_init(&c, &utf8_opts);
	imap_cmd_start(&c, "a5", "SELECT");
	imap_cmd_add_mailbox(&c, "Tom & Re\xc3\xa7us");
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a5 SELECT \"Tom & Re\xc3\xa7us\"\r\n");
	imap_cmd_free(&c);
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a5", "SELECT");
	imap_cmd_add_mailbox(&c, "Tom&Jerry");
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a5 SELECT Tom&-Jerry\r\n");
	imap_cmd_free(&c);

	/* an empty set cannot be sent */
	struct seqset empty;
	seqset_init(&empty);
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "FETCH");
	assert_int_equal(imap_cmd_add_seqset(&c, &empty), IMAP_ENC_INVALID);
	imap_cmd_free(&c);
	seqset_free(&s);
}

static void test_dates(void **state)
{
	struct imap_cmd c;
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "SEARCH");
	imap_cmd_add_atom(&c, "SINCE");
	imap_cmd_add_date(&c, (struct imap_date){2024, 2, 1});
	imap_cmd_add_atom(&c, "BEFORE");
	imap_cmd_add_date(&c, (struct imap_date){2024, 12, 31});
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a1 SEARCH SINCE 1-Feb-2024 BEFORE 31-Dec-2024\r\n");
	imap_cmd_free(&c);

	const struct imap_date bad[] = {{2023, 2, 29}, {2024, 13, 1}, {2024, 4, 31}, {0, 1, 1}, {2024, 1, 0}, {10000, 1, 1}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		imap_cmd_init(&c, &plain_opts);
		imap_cmd_start(&c, "a1", "SEARCH");
		assert_int_equal(imap_cmd_add_date(&c, bad[i]), IMAP_ENC_INVALID);
		imap_cmd_free(&c);
	}
	assert_true(imap_date_valid((struct imap_date){2000, 2, 29}));
	assert_false(imap_date_valid((struct imap_date){1900, 2, 29}));

	/* APPEND date-time, in the zone asked for */
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "APPEND");
	imap_cmd_add_datetime(&c, 1706792700, 60);   /* 2024-02-01 13:05:00 UTC */
	imap_cmd_add_datetime(&c, 0, 0);
	imap_cmd_add_datetime(&c, 1706792700, -330); /* -05:30 */
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), "a1 APPEND \"01-Feb-2024 14:05:00 +0100\" "
					       "\"01-Jan-1970 00:00:00 +0000\" \"01-Feb-2024 07:35:00 -0530\"\r\n");
	imap_cmd_free(&c);

	/* calendar helpers agree with each other over a long stretch */
	for (int64_t d = -719000; d < 2900000; d += 997) { /* years 1..9910 */
		struct imap_date x = imap_date_from_days(d);
		assert_true(imap_date_valid(x));
		assert_int_equal(imap_date_to_days(x), d);
	}
	assert_int_equal(imap_date_to_days((struct imap_date){1970, 1, 1}), 0);
	assert_int_equal(imap_date_to_days((struct imap_date){2024, 2, 1}), 19754);
}

static void test_limits(void **state)
{
	struct imap_cmd c;
	struct seqset s;
	seqset_init(&s);
	for (uint32_t u = 1; u < 6000; u += 2)
		assert_int_equal(seqset_add(&s, u), SEQSET_OK);
	/* one line over max_line is refused ... */
	struct imap_enc_opts o = {.max_line = 8000};
	imap_cmd_init(&c, &o);
	imap_cmd_start(&c, "a1", "UID FETCH");
	assert_int_equal(imap_cmd_add_seqset(&c, &s), IMAP_ENC_TOO_BIG);
	imap_cmd_free(&c);
	/* ... split with seqset_chunk, every command fits */
	size_t cmds = 0;
	for (size_t i = 0, j; i < seqset_nranges(&s); i = j, cmds++) {
		j = seqset_chunk(&s, i, 8000 - 40);
		imap_cmd_init(&c, &o);
		imap_cmd_start(&c, "a1", "UID FETCH");
		imap_cmd_add_seqset_part(&c, &s, i, j);
		imap_cmd_add_raw(&c, "(FLAGS)");
		assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
		assert_true(imap_cmd_len(&c) <= 8000 + 2);
		imap_cmd_free(&c);
	}
	assert_true(cmds >= 2);
	/* literal data does not count against the line limit */
	char *body = malloc(20000);
	memset(body, 'b', 20000);
	imap_cmd_init(&c, &o);
	imap_cmd_start(&c, "a1", "APPEND");
	imap_cmd_add_mailbox(&c, "INBOX");
	assert_int_equal(imap_cmd_add_literal(&c, body, 20000), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	imap_cmd_free(&c);
	/* a string too long for the line budget goes as a literal instead */
	struct imap_enc_opts narrow = {.max_line = 60, .literal_plus = true};
	char words[101];
	memset(words, 'w', 100);
	words[100] = '\0';
	imap_cmd_init(&c, &narrow);
	imap_cmd_start(&c, "a1", "SEARCH");
	imap_cmd_add_atom(&c, "TEXT");
	assert_int_equal(imap_cmd_add_astring(&c, "short"), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_add_astring(&c, words), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	static const char lead[] = "a1 SEARCH TEXT short {100+}\r\nwww";
	assert_memory_equal(imap_cmd_data(&c), lead, sizeof lead - 1);
	imap_cmd_free(&c);
	/* the whole command is capped */
	struct imap_enc_opts small = {.max_size = 100};
	imap_cmd_init(&c, &small);
	imap_cmd_start(&c, "a1", "APPEND");
	assert_int_equal(imap_cmd_add_literal(&c, body, 20000), IMAP_ENC_TOO_BIG);
	imap_cmd_free(&c);
	free(body);
	seqset_free(&s);
}

static char *trace_all(const struct imap_cmd *c, size_t elide)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < imap_cmd_nsegs(c); i++) {
		const char *p;
		size_t n;
		imap_cmd_seg(c, i, &p, &n);
		size_t off = imap_cmd_seg_off(c, i);
		assert_int_equal(imap_cmd_trace(c, off, off + n, elide, &b), IMAP_ENC_OK);
	}
	return buf_steal(&b);
}

static void test_redaction_and_trace(void **state)
{
	struct imap_cmd c;
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "LOGIN");
	imap_cmd_add_astring(&c, "joe");
	imap_cmd_redact_begin(&c);
	imap_cmd_add_astring(&c, "hunter2");
	imap_cmd_redact_end(&c);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_true(imap_cmd_is_secret(&c));
	assert_string_equal(imap_cmd_data(&c), "a1 LOGIN joe hunter2\r\n");
	char *t = trace_all(&c, 1024);
	assert_string_equal(t, "a1 LOGIN joe <redacted>\r\n");
	free(t);
	imap_cmd_free(&c);

	/* a secret that needs a literal, growing the buffer many times: wire exact, trace hidden */
	char pw[3000];
	for (size_t i = 0; i < sizeof pw - 1; i++)
		pw[i] = (char)(0x80 | (i % 64));
	pw[sizeof pw - 1] = '\0';
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "LOGIN");
	imap_cmd_add_astring(&c, "joe");
	imap_cmd_redact_begin(&c);
	imap_cmd_add_astring(&c, pw);
	imap_cmd_redact_end(&c);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_nsegs(&c), 2);
	char head[64];
	snprintf(head, sizeof head, "a1 LOGIN joe {%zu}\r\n", strlen(pw));
	assert_memory_equal(imap_cmd_data(&c), head, strlen(head));
	assert_memory_equal(imap_cmd_data(&c) + strlen(head), pw, strlen(pw));
	t = trace_all(&c, 1 << 20);
	assert_null(strstr(t, "\x80\x81"));
	assert_string_equal(t, "a1 LOGIN joe <redacted><redacted>\r\n");
	free(t);
	imap_cmd_free(&c);

	/* big literals are elided, small ones shown */
	char msg[600];
	memset(msg, 'q', sizeof msg - 1);
	msg[sizeof msg - 1] = '\0';
	imap_cmd_init(&c, &lplus_opts);
	imap_cmd_start(&c, "a2", "APPEND");
	imap_cmd_add_mailbox(&c, "INBOX");
	imap_cmd_add_literal(&c, msg, strlen(msg));
	imap_cmd_add_literal(&c, "small", 5);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	t = trace_all(&c, 100);
	assert_string_equal(t, "a2 APPEND INBOX {599+}\r\n<literal 599 bytes> {5+}\r\nsmall\r\n");
	free(t);
	imap_cmd_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_astring_choice),
		cmocka_unit_test(test_literal_forms_and_segments),
		cmocka_unit_test(test_crlf_injection_everywhere),
		cmocka_unit_test(test_sticky_errors),
		cmocka_unit_test(test_args_and_lists),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_redaction_and_trace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
