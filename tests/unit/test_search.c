/* Unit tests for src/imap/search: every key's encoding, AND/OR/NOT nesting and its bound,
 * CHARSET, injection through strings, ownership on failure, and the Gmail-syntax translator. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/search.h"
#include "imap/seqset.h"

static const struct imap_enc_opts plain_opts = {0};
static const struct imap_enc_opts utf8_opts = {.utf8_accept = true};

/* Encodes q after "a1 UID SEARCH" and compares what follows (CRLF stripped); frees q. */
static void expect_opts(struct imap_search *q, const struct imap_enc_opts *o, const char *want)
{
	assert_non_null(q);
	struct imap_cmd c;
	imap_cmd_init(&c, o);
	imap_cmd_start(&c, "a1", "UID SEARCH");
	assert_int_equal(imap_search_encode(q, &c), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	const char *d = imap_cmd_data(&c);
	size_t prefix = strlen("a1 UID SEARCH ");
	assert_true(imap_cmd_len(&c) >= prefix + 2);
	size_t n = imap_cmd_len(&c) - prefix - 2;
	if (n != strlen(want) || memcmp(d + prefix, want, n) != 0)
		fail_msg("got \"%.*s\", want \"%s\"", (int)n, d + prefix, want);
	imap_cmd_free(&c);
	imap_search_free(&q);
	assert_null(q);
}

static void expect(struct imap_search *q, const char *want)
{
	expect_opts(q, &plain_opts, want);
}

static void test_every_key(void **state)
{
	static const struct {
		enum imap_search_key k;
		const char *name;
	} flags[] = {
		{IMAP_SK_ALL, "ALL"}, {IMAP_SK_ANSWERED, "ANSWERED"}, {IMAP_SK_DELETED, "DELETED"},
		{IMAP_SK_DRAFT, "DRAFT"}, {IMAP_SK_FLAGGED, "FLAGGED"}, {IMAP_SK_NEW, "NEW"},
		{IMAP_SK_OLD, "OLD"}, {IMAP_SK_RECENT, "RECENT"}, {IMAP_SK_SEEN, "SEEN"},
		{IMAP_SK_UNANSWERED, "UNANSWERED"}, {IMAP_SK_UNDELETED, "UNDELETED"},
		{IMAP_SK_UNDRAFT, "UNDRAFT"}, {IMAP_SK_UNFLAGGED, "UNFLAGGED"}, {IMAP_SK_UNSEEN, "UNSEEN"},
	};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		expect(imap_search_key(flags[i].k), flags[i].name);

	expect(imap_search_str(IMAP_SK_BCC, "boss@example.com"), "BCC boss@example.com");
	expect(imap_search_str(IMAP_SK_BODY, "hello world"), "BODY \"hello world\"");
	expect(imap_search_str(IMAP_SK_CC, "cc"), "CC cc");
	expect(imap_search_str(IMAP_SK_FROM, "Smith"), "FROM Smith");
	expect(imap_search_str(IMAP_SK_SUBJECT, "[PATCH] x"), "SUBJECT \"[PATCH] x\"");
	expect(imap_search_str(IMAP_SK_TEXT, "a\"b"), "TEXT \"a\\\"b\"");
	expect(imap_search_str(IMAP_SK_TO, ""), "TO \"\"");
	expect(imap_search_str(IMAP_SK_KEYWORD, "$Label1"), "KEYWORD $Label1");
	expect(imap_search_str(IMAP_SK_UNKEYWORD, "Junk"), "UNKEYWORD Junk");
	expect(imap_search_header("List-Id", "dev.lists.example"), "HEADER List-Id dev.lists.example");
	expect(imap_search_header("X-Spam", ""), "HEADER X-Spam \"\"");
	expect(imap_search_date(IMAP_SK_BEFORE, (struct imap_date){2024, 2, 1}), "BEFORE 1-Feb-2024");
	expect(imap_search_date(IMAP_SK_ON, (struct imap_date){1999, 12, 31}), "ON 31-Dec-1999");
	expect(imap_search_date(IMAP_SK_SINCE, (struct imap_date){2024, 1, 10}), "SINCE 10-Jan-2024");
	expect(imap_search_date(IMAP_SK_SENTBEFORE, (struct imap_date){2024, 3, 5}), "SENTBEFORE 5-Mar-2024");
	expect(imap_search_date(IMAP_SK_SENTON, (struct imap_date){2024, 4, 6}), "SENTON 6-Apr-2024");
	expect(imap_search_date(IMAP_SK_SENTSINCE, (struct imap_date){2024, 5, 7}), "SENTSINCE 7-May-2024");
	expect(imap_search_num(IMAP_SK_LARGER, 4294967295u), "LARGER 4294967295");
	expect(imap_search_num(IMAP_SK_SMALLER, 1024), "SMALLER 1024");
	expect(imap_search_num(IMAP_SK_MODSEQ, 620162338), "MODSEQ 620162338");
	expect(imap_search_num(IMAP_SK_X_GM_MSGID, 1278455344230334865ull), "X-GM-MSGID 1278455344230334865");
	expect(imap_search_num(IMAP_SK_X_GM_THRID, 18446744073709551615ull), "X-GM-THRID 18446744073709551615");
	expect(imap_search_str(IMAP_SK_X_GM_RAW, "has:attachment in:unread"),
	       "X-GM-RAW \"has:attachment in:unread\"");
	expect(imap_search_str(IMAP_SK_X_GM_LABELS, "foo"), "X-GM-LABELS foo");
	expect(imap_search_str(IMAP_SK_X_GM_LABELS, "\\Inbox"), "X-GM-LABELS \\Inbox");
	expect(imap_search_str(IMAP_SK_X_GM_LABELS, "Muy Importante"), "X-GM-LABELS \"Muy Importante\"");
	/* a non-ASCII label is mUTF-7, so it needs no CHARSET */
	expect(imap_search_str(IMAP_SK_X_GM_LABELS, "Re\xc3\xa7us"), "X-GM-LABELS Re&AOc-us");

	struct seqset s;
	seqset_init(&s);
	assert_int_equal(seqset_parse(&s, "1:5,7,9:*", 9, SEQSET_ALLOW_STAR, 0), SEQSET_OK);
	expect(imap_search_set(IMAP_SK_UID, &s), "UID 1:5,7,9:*");
	expect(imap_search_set(IMAP_SK_SEQSET, &s), "1:5,7,9:*");
	seqset_free(&s);
}

static void test_bad_constructors(void **state)
{
	errno = 0;
	assert_null(imap_search_key(IMAP_SK_FROM)); /* needs a string */
	assert_int_equal(errno, EINVAL);
	assert_null(imap_search_str(IMAP_SK_SEEN, "x"));
	assert_null(imap_search_str(IMAP_SK_FROM, NULL));
	assert_null(imap_search_str(IMAP_SK_KEYWORD, "two words"));
	assert_null(imap_search_str(IMAP_SK_KEYWORD, "x\r\nA2 DELETE INBOX"));
	assert_null(imap_search_str(IMAP_SK_KEYWORD, ""));
	assert_null(imap_search_str(IMAP_SK_X_GM_LABELS, "\\Bad Label"));
	assert_null(imap_search_str(IMAP_SK_X_GM_LABELS, ""));
	assert_null(imap_search_header("Sub:ject", "x"));
	assert_null(imap_search_header("X-A\r\nA2 DELETE INBOX", "x"));
	assert_null(imap_search_header("", "x"));
	assert_null(imap_search_header("Subject", NULL));
	assert_null(imap_search_date(IMAP_SK_BEFORE, (struct imap_date){2023, 2, 29}));
	assert_null(imap_search_date(IMAP_SK_LARGER, (struct imap_date){2023, 2, 28}));
	assert_null(imap_search_num(IMAP_SK_LARGER, 4294967296ull));
	assert_null(imap_search_num(IMAP_SK_MODSEQ, 9223372036854775808ull));
	assert_null(imap_search_num(IMAP_SK_FROM, 1));
	struct seqset s;
	seqset_init(&s);
	assert_null(imap_search_set(IMAP_SK_UID, &s)); /* empty */
	assert_null(imap_search_set(IMAP_SK_UID, NULL));
	assert_int_equal(seqset_add(&s, 3), SEQSET_OK);
	assert_null(imap_search_set(IMAP_SK_FROM, &s));
	seqset_free(&s);
	assert_null(imap_search_key((enum imap_search_key)999));
	/* combinators free what they were given when the other side is NULL (ASan checks) */
	assert_null(imap_search_or(imap_search_key(IMAP_SK_SEEN), NULL));
	assert_null(imap_search_and(NULL, imap_search_str(IMAP_SK_FROM, "x")));
	assert_null(imap_search_not(NULL));
	assert_null(imap_search_and(imap_search_key(IMAP_SK_SEEN),
				    imap_search_or(imap_search_key(IMAP_SK_DRAFT), imap_search_key(999))));
	struct imap_cmd c;
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "SEARCH");
	assert_int_equal(imap_search_encode(NULL, &c), IMAP_ENC_INVALID);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_INVALID);
	imap_cmd_free(&c);
}

static void test_nesting(void **state)
{
	/* top-level AND is implicit; AND inside OR/NOT is parenthesised */
	expect(imap_search_and(imap_search_str(IMAP_SK_FROM, "ann"), imap_search_key(IMAP_SK_UNSEEN)),
	       "FROM ann UNSEEN");
	expect(imap_search_or(imap_search_and(imap_search_str(IMAP_SK_FROM, "a"),
					      imap_search_str(IMAP_SK_SUBJECT, "b")),
			      imap_search_not(imap_search_key(IMAP_SK_SEEN))),
	       "OR (FROM a SUBJECT b) NOT SEEN");
	expect(imap_search_not(imap_search_and(imap_search_key(IMAP_SK_SEEN), imap_search_key(IMAP_SK_FLAGGED))),
	       "NOT (SEEN FLAGGED)");
	expect(imap_search_not(imap_search_not(imap_search_key(IMAP_SK_DRAFT))), "NOT NOT DRAFT");
	/* ANDs flatten */
	expect(imap_search_and(imap_search_and(imap_search_key(IMAP_SK_SEEN), imap_search_key(IMAP_SK_DRAFT)),
			       imap_search_and(imap_search_key(IMAP_SK_NEW), imap_search_key(IMAP_SK_OLD))),
	       "SEEN DRAFT NEW OLD");
	/* ORs flatten and encode as a balanced tree */
	struct imap_search *q = imap_search_str(IMAP_SK_FROM, "a");
	q = imap_search_or(q, imap_search_str(IMAP_SK_FROM, "b"));
	q = imap_search_or(q, imap_search_str(IMAP_SK_FROM, "c"));
	q = imap_search_or(q, imap_search_str(IMAP_SK_FROM, "d"));
	expect(q, "OR OR FROM a FROM b OR FROM c FROM d");
	q = imap_search_or(imap_search_key(IMAP_SK_SEEN),
			   imap_search_or(imap_search_key(IMAP_SK_DRAFT), imap_search_key(IMAP_SK_NEW)));
	expect(q, "OR SEEN OR DRAFT NEW");
	/* a long alternative stays shallow: 1000 ORs need ten levels, not a thousand */
	q = imap_search_str(IMAP_SK_FROM, "u0");
	for (int i = 1; i < 1000; i++) {
		char name[16];
		snprintf(name, sizeof name, "u%d", i);
		q = imap_search_or(q, imap_search_str(IMAP_SK_FROM, name));
	}
	assert_non_null(q);
	struct imap_cmd c;
	imap_cmd_init(&c, &plain_opts);
	imap_cmd_start(&c, "a1", "SEARCH");
	assert_int_equal(imap_search_encode(q, &c), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	assert_non_null(strstr(imap_cmd_data(&c), "FROM u999\r\n"));
	imap_cmd_free(&c);
	imap_search_free(&q);

	/* depth is bounded */
	q = imap_search_key(IMAP_SK_SEEN);
	int depth = 1;
	while (q && depth < 100) {
		q = imap_search_not(q);
		depth++;
	}
	assert_null(q);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(depth, IMAP_SEARCH_MAX_DEPTH + 1);
	/* alternating AND/OR nesting is bounded too */
	q = imap_search_key(IMAP_SK_SEEN);
	for (int i = 0; q && i < 100; i++)
		q = i % 2 ? imap_search_and(imap_search_key(IMAP_SK_DRAFT), q)
			  : imap_search_or(imap_search_key(IMAP_SK_NEW), q);
	assert_null(q);
}

static void test_charset_and_injection(void **state)
{
	/* non-ASCII text: CHARSET UTF-8 and a literal */
	expect(imap_search_str(IMAP_SK_SUBJECT, "Re\xc3\xa7us"), "CHARSET UTF-8 SUBJECT {6}\r\nRe\xc3\xa7us");
	expect(imap_search_or(imap_search_str(IMAP_SK_FROM, "ann"),
			      imap_search_not(imap_search_header("Subject", "\xe4\xb8\xad"))),
	       "CHARSET UTF-8 OR FROM ann NOT HEADER Subject {3}\r\n\xe4\xb8\xad");
	/* with UTF8=ACCEPT: never CHARSET (RFC 6855), UTF-8 quoted */
	expect_opts(imap_search_str(IMAP_SK_SUBJECT, "Re\xc3\xa7us"), &utf8_opts, "SUBJECT \"Re\xc3\xa7us\"");
	/* CR/LF in any string becomes a literal: no injected command line */
	expect(imap_search_str(IMAP_SK_FROM, "x\r\nA2 DELETE INBOX"), "FROM {18}\r\nx\r\nA2 DELETE INBOX");
	expect(imap_search_header("Subject", "a\nb"), "HEADER Subject {3}\r\na\nb");
	expect(imap_search_str(IMAP_SK_X_GM_RAW, "a\rb"), "X-GM-RAW {3}\r\na\rb");
	expect(imap_search_str(IMAP_SK_X_GM_LABELS, "x\r\ny"), "X-GM-LABELS x&AA0ACg-y");
	assert_false(imap_search_needs_utf8(NULL));
}

/* ---- Gmail syntax ---- */

static const struct imap_date today = {2024, 3, 31};

static void expect_gmail(const char *q, const char *want)
{
	char err[200] = "unset";
	struct imap_search *s = imap_search_from_gmail_syntax_at(q, false, today, err, sizeof err);
	if (!s)
		fail_msg("\"%s\" failed: %s", q, err);
	assert_string_equal(err, "");
	expect(s, want);
}

static void expect_gmail_error(const char *q, const char *mention)
{
	char err[200] = "";
	struct imap_search *s = imap_search_from_gmail_syntax_at(q, false, today, err, sizeof err);
	if (s) {
		imap_search_free(&s);
		fail_msg("\"%s\" was translated; it should fail", q);
	}
	if (!strstr(err, mention))
		fail_msg("error for \"%s\" is \"%s\"; it should mention \"%s\"", q, err, mention);
}

static void test_gmail_raw(void **state)
{
	char err[100];
	expect(imap_search_from_gmail_syntax("has:attachment in:unread", true, err, sizeof err),
	       "X-GM-RAW \"has:attachment in:unread\"");
	expect(imap_search_from_gmail_syntax("  from:amy OR from:david  ", true, err, sizeof err),
	       "X-GM-RAW \"from:amy OR from:david\"");
	expect(imap_search_from_gmail_syntax("caf\xc3\xa9", true, err, sizeof err),
	       "CHARSET UTF-8 X-GM-RAW {5}\r\ncaf\xc3\xa9");
	expect(imap_search_from_gmail_syntax("   ", true, err, sizeof err), "ALL");
	expect(imap_search_from_gmail_syntax(NULL, false, err, sizeof err), "ALL");
	/* the dated form works with the real clock too */
	struct imap_search *q = imap_search_from_gmail_syntax("newer_than:2d", false, err, sizeof err);
	assert_non_null(q);
	imap_search_free(&q);
}

static void test_gmail_translation(void **state)
{
	expect_gmail("", "ALL");
	expect_gmail("from:ann subject:\"lunch plans\"", "FROM ann SUBJECT \"lunch plans\"");
	expect_gmail("to:bob@example.com cc:carol bcc:dave", "TO bob@example.com CC carol BCC dave");
	expect_gmail("is:unread is:starred", "UNSEEN FLAGGED");
	expect_gmail("is:read -is:starred", "SEEN NOT FLAGGED");
	expect_gmail("IS:Unstarred", "UNFLAGGED");
	expect_gmail("has:attachment", "HEADER Content-Type multipart/mixed");
	expect_gmail("before:2024/02/01 after:2023-12-25", "BEFORE 1-Feb-2024 SINCE 25-Dec-2023");
	expect_gmail("older:2024/2/1 newer:02/29/2024", "BEFORE 1-Feb-2024 SINCE 29-Feb-2024");
	expect_gmail("older_than:7d", "BEFORE 24-Mar-2024");
	expect_gmail("newer_than:1m", "SINCE 29-Feb-2024"); /* 31 March minus a month */
	expect_gmail("older_than:1y newer_than:2y", "BEFORE 31-Mar-2023 SINCE 31-Mar-2022");
	expect_gmail("newer_than:31d", "SINCE 29-Feb-2024");
	expect_gmail("larger:10M smaller:512k size:100", "LARGER 10485760 SMALLER 524288 LARGER 100");
	expect_gmail("label:work in:projects/x", "KEYWORD work KEYWORD projects/x");
	expect_gmail("from:ann OR from:bob", "OR FROM ann FROM bob");
	expect_gmail("a b OR c", "TEXT a OR TEXT b TEXT c"); /* OR binds tighter than AND */
	expect_gmail("a OR b OR c", "OR TEXT a OR TEXT b TEXT c");
	expect_gmail("{from:a from:b from:c}", "OR FROM a OR FROM b FROM c");
	expect_gmail("-(from:a subject:b)", "NOT (FROM a SUBJECT b)");
	expect_gmail("(from:a OR from:b) is:unread", "OR FROM a FROM b UNSEEN");
	expect_gmail("subject:(dinner movie)", "SUBJECT dinner SUBJECT movie");
	expect_gmail("from:(ann OR bob)", "OR FROM ann FROM bob");
	expect_gmail("\"exact phrase\" word", "TEXT \"exact phrase\" TEXT word");
	expect_gmail("-\"no thanks\"", "NOT TEXT \"no thanks\"");
	expect_gmail("from:ann AND to:bob", "FROM ann TO bob");
	expect_gmail("+unicorn", "TEXT unicorn");
	expect_gmail("http://example.org/x", "TEXT http://example.org/x");
	expect_gmail("rfc822msgid:<abc@example.com>", "HEADER Message-ID <abc@example.com>");
	expect_gmail("deliveredto:me@x.org list:dev.x.org", "HEADER Delivered-To me@x.org HEADER List-Id dev.x.org");
	expect_gmail("or and", "TEXT or TEXT and"); /* only upper-case OR / AND are operators */
	expect_gmail("ORANGE", "TEXT ORANGE");
	expect_gmail("-", "TEXT -");
	expect_gmail("caf\xc3\xa9", "CHARSET UTF-8 TEXT {5}\r\ncaf\xc3\xa9");
	/* white space (CR/LF included) separates terms: nothing is injected */
	expect_gmail("from:x\r\nA2 DELETE INBOX", "FROM x TEXT A2 TEXT DELETE TEXT INBOX");
	/* inside quotes, CR/LF stays in the string and so travels as a literal */
	expect_gmail("\"a\r\nb\"", "TEXT {4}\r\na\r\nb");
}

static void test_gmail_errors(void **state)
{
	expect_gmail_error("is:important", "is:important");
	expect_gmail_error("has:drive", "has:drive");
	expect_gmail_error("in:inbox", "in:inbox");
	expect_gmail_error("in:Sent", "in:sent");
	expect_gmail_error("filename:pdf", "filename");
	expect_gmail_error("category:social", "category");
	expect_gmail_error("before:yesterday", "before:");
	expect_gmail_error("after:2023/02/29", "after:");
	expect_gmail_error("older_than:3w", "older_than");
	expect_gmail_error("larger:big", "larger");
	expect_gmail_error("label:\"my label\"", "keyword");
	expect_gmail_error("(from:a", "missing )");
	expect_gmail_error("from:a)", "unexpected )");
	expect_gmail_error("{from:a", "missing }");
	expect_gmail_error("()", "empty");
	expect_gmail_error("OR from:a", "OR");
	expect_gmail_error("from:a OR", "OR");
	expect_gmail_error("\"unterminated", "quote");
	expect_gmail_error("from:", "needs a value");
	expect_gmail_error("from:\"\"", "needs a value");
	expect_gmail_error("subject:(from:a)", "inside");
	expect_gmail_error("is:(read)", "single value");
	expect_gmail_error("a AROUND b", "AROUND");
	char deep[64];
	memset(deep, '(', 20);
	deep[20] = 'a';
	memset(deep + 21, ')', 20);
	deep[41] = '\0';
	expect_gmail_error(deep, "nested");
	/* no error buffer: still fails cleanly */
	assert_null(imap_search_from_gmail_syntax_at("is:important", false, today, NULL, 0));
}

/* Random token soup: each query either translates (and then encodes) or fails with a message. */
static void test_gmail_soup(void **state)
{
	static const char *const toks[] = {
		"from:", "to:a", "is:unread", "is:bogus", "has:attachment", "before:2024/01/02",
		"older_than:3d", "label:x", "in:inbox", "(", ")", "{", "}", "\"", "-", "OR", "AND",
		"word", "caf\xc3\xa9", " ", "  ", "\r\n", "larger:5k", "subject:(", ":", "x:y",
		"\xff", "+", "AROUND", "rfc822msgid:<m@x>",
	};
	uint32_t x = 2024;
	for (int round = 0; round < 3000; round++) {
		char q[256] = "";
		size_t len = 0;
		int ntok = 1 + round % 12;
		for (int t = 0; t < ntok; t++) {
			x = x * 1103515245 + 12345;
			const char *tok = toks[(x >> 16) % (sizeof toks / sizeof toks[0])];
			size_t tl = strlen(tok);
			if (len + tl + 2 >= sizeof q)
				break;
			memcpy(q + len, tok, tl);
			len += tl;
			if ((x >> 8) & 1)
				q[len++] = ' ';
			q[len] = '\0';
		}
		char err[128] = "";
		struct imap_search *r = imap_search_from_gmail_syntax_at(q, false, today, err, sizeof err);
		if (!r) {
			assert_true(err[0] != '\0');
			continue;
		}
		assert_string_equal(err, "");
		struct imap_cmd c;
		imap_cmd_init(&c, &plain_opts);
		imap_cmd_start(&c, "a1", "SEARCH");
		assert_int_equal(imap_search_encode(r, &c), IMAP_ENC_OK);
		assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
		imap_cmd_free(&c);
		imap_search_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_bad_constructors),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_charset_and_injection),
		cmocka_unit_test(test_gmail_raw),
		cmocka_unit_test(test_gmail_translation),
		cmocka_unit_test(test_gmail_errors),
		cmocka_unit_test(test_gmail_soup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
