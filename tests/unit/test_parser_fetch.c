/* Parser tests: FETCH and every data item (ENVELOPE, BODY/BODYSTRUCTURE, sections, Gmail's
 * X-GM-*, CONDSTORE, OBJECTID). Every input also runs byte by byte and in random splits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/parser.h"
#include "test_parser_util.h"

#define STR_EQ(s, lit) \
	do { \
		assert_non_null((s).p); \
		assert_int_equal((s).len, sizeof(lit) - 1); \
		assert_memory_equal((s).p, lit, sizeof(lit) - 1); \
		assert_int_equal((s).p[(s).len], '\0'); \
	} while (0)

static const struct imap_resp_fetch *as_fetch(const struct imap_response *r)
{
	assert_int_equal(r->kind, IMAP_RESP_FETCH);
	return &r->u.fetch;
}

/* ---- simple items --------------------------------------------------------------------------- */

static void chk_simple(const struct imap_response *r, size_t i, void *arg)
{
	const struct imap_resp_fetch *f = as_fetch(r);
	switch (i) {
	case 0:
		assert_int_equal(f->seq, 23);
		assert_int_equal(f->present, IMAP_FETCH_FLAGS | IMAP_FETCH_RFC822_SIZE);
		assert_int_equal(f->flags.sys, IMAP_FLAG_SEEN);
		assert_int_equal(f->rfc822_size, 44827);
		break;
	case 1:
		assert_int_equal(f->present, IMAP_FETCH_UID | IMAP_FETCH_MODSEQ | IMAP_FETCH_FLAGS);
		assert_int_equal(f->uid, 4);
		assert_true(f->modseq == 65402);
		assert_int_equal(f->flags.n, 0);
		break;
	case 2:
		assert_int_equal(f->seq, 4294967295u);
		assert_int_equal(f->uid, 4294967295u);
		assert_int_equal(f->rfc822_size, 4294967295u);
		assert_true(f->modseq == 18446744073709551615ull);
		break;
	case 3:
		assert_int_equal(f->present, IMAP_FETCH_INTERNALDATE);
		STR_EQ(f->internaldate_raw, "17-Jul-1996 02:44:25 -0700");
		assert_int_equal((long long)f->internaldate, 837596665LL);
		break;
	case 4: /* space-padded day, positive zone */
		assert_int_equal((long long)f->internaldate, 946684800LL - 3600 + 86400 * 0);
		break;
	case 5: /* kept raw, not parsable */
		STR_EQ(f->internaldate_raw, "yesterday");
		assert_int_equal((long long)f->internaldate, -1);
		break;
	case 6:
		assert_int_equal(f->present, IMAP_FETCH_EMAILID | IMAP_FETCH_THREADID);
		STR_EQ(f->emailid, "M6d99ac3275bb4e");
		STR_EQ(f->threadid, "T64b478a75b7ea9");
		break;
	case 7:
		assert_int_equal(f->present, IMAP_FETCH_THREADID);
		assert_null(f->threadid.p);
		break;
	case 8: /* empty FETCH list, lowercase names, extra spaces */
		assert_int_equal(f->present, 0);
		break;
	case 9:
		assert_int_equal(f->present, IMAP_FETCH_UID | IMAP_FETCH_FLAGS);
		assert_int_equal(f->uid, 7);
		assert_int_equal(f->flags.sys, IMAP_FLAG_ANSWERED | IMAP_FLAG_DRAFT);
		break;
	default:
		fail();
	}
}

static void test_simple_items(void **state)
{
	assert_int_equal(
		tp_check("* 23 FETCH (FLAGS (\\Seen) RFC822.SIZE 44827)\r\n"
			 "* 1 FETCH (UID 4 MODSEQ (65402) FLAGS ())\r\n"
			 "* 4294967295 FETCH (UID 4294967295 RFC822.SIZE 4294967295 "
			 "MODSEQ (18446744073709551615))\r\n"
			 "* 2 FETCH (INTERNALDATE \"17-Jul-1996 02:44:25 -0700\")\r\n"
			 "* 2 FETCH (INTERNALDATE \" 1-Jan-2000 01:00:00 +0200\")\r\n"
			 "* 2 FETCH (INTERNALDATE \"yesterday\")\r\n"
			 "* 3 FETCH (EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9))\r\n"
			 "* 3 FETCH (THREADID NIL)\r\n"
			 "* 5 FETCH ()\r\n"
			 "* 6 fetch (  uid 7   flags (\\answered \\DRAFT)  )  \r\n",
			 chk_simple, NULL),
		10);
}

static void test_number_overflow(void **state)
{
	tp_expect_error("* 1 FETCH (RFC822.SIZE 123456789012345678901234567890)\r\n", 56, NULL,
			"number too large in RFC822.SIZE");
	tp_expect_error("* 1 FETCH (RFC822.SIZE 4294967296)\r\n", 36, NULL,
			"number too large in RFC822.SIZE");
	tp_expect_error("* 1 FETCH (X-GM-MSGID 18446744073709551616)\r\n", 45, NULL,
			"number too large in X-GM-MSGID");
	tp_expect_error("* 1 FETCH (MODSEQ (99999999999999999999))\r\n", 43, NULL,
			"number too large in MODSEQ");
	tp_expect_error("* 1 FETCH (UID 0)\r\n", 19, NULL, "zero where a non-zero number is required in UID");
	tp_expect_error("* 0 FETCH (UID 1)\r\n", 19, NULL, "zero message number in FETCH");
	tp_expect_error("* 1 FETCH (UID -5)\r\n", 20, NULL, "unexpected character '-' in UID");
	tp_expect_error("* 1 FETCH (RFC822.SIZE +5)\r\n", 28, NULL,
			"unexpected character '+' in RFC822.SIZE");
}

/* ---- Gmail ---------------------------------------------------------------------------------- */

static void chk_gmail(const struct imap_response *r, size_t i, void *arg)
{
	const struct imap_resp_fetch *f = as_fetch(r);
	switch (i) {
	case 0:
		assert_int_equal(f->present, IMAP_FETCH_GM_MSGID);
		assert_true(f->gm_msgid == 1278455344230334865ull);
		break;
	case 1:
		assert_true(f->gm_thrid == 18446744073709551615ull);
		assert_true(f->gm_msgid == 0);
		break;
	case 2:
		assert_int_equal(f->gm_labels.n, 4);
		STR_EQ(f->gm_labels.v[0], "\\Inbox");
		STR_EQ(f->gm_labels.v[1], "\\Sent");
		STR_EQ(f->gm_labels.v[2], "Important");
		STR_EQ(f->gm_labels.v[3], "Muy Importante");
		break;
	case 3:
		assert_int_equal(f->present, IMAP_FETCH_GM_LABELS);
		assert_int_equal(f->gm_labels.n, 0);
		break;
	case 4: /* doubled backslashes normalised: as atoms and inside quoted strings */
		assert_int_equal(f->gm_labels.n, 5);
		STR_EQ(f->gm_labels.v[0], "\\Sent");
		STR_EQ(f->gm_labels.v[1], "\\Important");
		STR_EQ(f->gm_labels.v[2], "\\Inbox");
		STR_EQ(f->gm_labels.v[3], "&AOk-t&AOk-");
		STR_EQ(f->gm_labels.v[4], "with \"quote\" and ) paren");
		break;
	case 5: /* a label as a literal */
		assert_int_equal(f->gm_labels.n, 2);
		STR_EQ(f->gm_labels.v[0], "multi\r\nline");
		STR_EQ(f->gm_labels.v[1], "\\Starred");
		assert_int_equal(f->uid, 9);
		break;
	default:
		fail();
	}
}

static void test_gmail_items(void **state)
{
	assert_int_equal(
		tp_check("* 1 FETCH (X-GM-MSGID 1278455344230334865)\r\n"
			 "* 2 FETCH (X-GM-THRID 18446744073709551615 X-GM-MSGID 0)\r\n"
			 "* 1 FETCH (X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\"))\r\n"
			 "* 3 FETCH (X-GM-LABELS ())\r\n"
			 "* 4 FETCH (X-GM-LABELS (\\\\Sent \"\\\\\\\\Important\" \"\\\\Inbox\" &AOk-t&AOk- "
			 "\"with \\\"quote\\\" and ) paren\"))\r\n"
			 "* 5 FETCH (X-GM-LABELS ({11}\r\nmulti\r\nline \\Starred) UID 9)\r\n",
			 chk_gmail, NULL),
		6);
}

/* ---- ENVELOPE ------------------------------------------------------------------------------- */

static void chk_envelope(const struct imap_response *r, size_t i, void *arg)
{
	const struct imap_resp_fetch *f = as_fetch(r);
	const struct imap_envelope *e = f->envelope;
	assert_non_null(e);
	if (i == 0) {
		STR_EQ(e->date, "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)");
		STR_EQ(e->subject, "IMAP4rev1 WG mtg summary and minutes");
		assert_int_equal(e->from.n, 1);
		STR_EQ(e->from.v[0].name, "Terry Gray");
		assert_null(e->from.v[0].adl.p);
		STR_EQ(e->from.v[0].mailbox, "gray");
		STR_EQ(e->from.v[0].host, "cac.washington.edu");
		assert_int_equal(e->from.v[0].kind, IMAP_ADDR_MAILBOX);
		assert_int_equal(e->to.n, 1);
		assert_null(e->to.v[0].name.p);
		assert_int_equal(e->cc.n, 2);
		STR_EQ(e->cc.v[1].name, "John Klensin");
		assert_int_equal(e->bcc.n, 0);
		assert_null(e->in_reply_to.p);
		STR_EQ(e->message_id, "<B27397-0100000@cac.washington.edu>");
	} else if (i == 1) {
		/* NIL differs from "" */
		assert_null(e->date.p);
		STR_EQ(e->subject, "");
		assert_int_equal(e->from.n, 0);
		/* group syntax: "undisclosed-recipients:;" and a group with members */
		assert_int_equal(e->to.n, 5);
		assert_int_equal(e->to.v[0].kind, IMAP_ADDR_GROUP_START);
		STR_EQ(e->to.v[0].mailbox, "undisclosed-recipients");
		assert_int_equal(e->to.v[1].kind, IMAP_ADDR_GROUP_END);
		assert_int_equal(e->to.v[2].kind, IMAP_ADDR_GROUP_START);
		STR_EQ(e->to.v[2].mailbox, "team");
		assert_int_equal(e->to.v[3].kind, IMAP_ADDR_MAILBOX);
		STR_EQ(e->to.v[3].adl, "@route");
		assert_int_equal(e->to.v[4].kind, IMAP_ADDR_GROUP_END);
		STR_EQ(e->in_reply_to, "<x@y>");
		assert_null(e->message_id.p);
	} else {
		/* escapes, 8-bit, literal subject, sloppy spacing between addresses */
		assert_int_equal(e->subject.len, 13);
		assert_memory_equal(e->subject.p, "caf\xc3\xa9\r\n\"x\" \\y", 13);
		STR_EQ(e->from.v[0].name, "M\"uller \\ Co");
		assert_int_equal(e->cc.n, 2);
		STR_EQ(e->cc.v[1].mailbox, "b");
	}
}

static void test_envelope(void **state)
{
	assert_int_equal(
		tp_check("* 12 FETCH (ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
			 "\"IMAP4rev1 WG mtg summary and minutes\" "
			 "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
			 "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
			 "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
			 "((NIL NIL \"imap\" \"cac.washington.edu\")) "
			 "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
			 "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
			 "\"<B27397-0100000@cac.washington.edu>\"))\r\n"
			 "* 13 FETCH (ENVELOPE (NIL \"\" NIL NIL NIL "
			 "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)"
			 "(NIL NIL \"team\" NIL)(\"A\" \"@route\" \"a\" \"example.com\")(NIL NIL NIL NIL)) "
			 "NIL NIL \"<x@y>\" nil))\r\n"
			 "* 14 FETCH (ENVELOPE (NIL {13}\r\ncaf\xc3\xa9\r\n\"x\" \\y "
			 "((\"M\\\"uller \\\\ Co\" NIL \"m\" \"h\")) NIL NIL NIL "
			 "( (NIL NIL \"a\" \"h\") (NIL NIL \"b\" \"h\") ) NIL NIL NIL))\r\n",
			 chk_envelope, NULL),
		3);
	tp_expect_error("* 1 FETCH (ENVELOPE (NIL NIL NIL))\r\n", 36, NULL, "ENVELOPE");
	tp_expect_error("* 1 FETCH (ENVELOPE (NIL NIL ((NIL NIL \"a\")) NIL NIL NIL NIL NIL NIL NIL))\r\n",
			76, NULL, "address");
}

/* ---- BODY / BODYSTRUCTURE ------------------------------------------------------------------- */

static void chk_body_simple(const struct imap_response *r, size_t i, void *arg)
{
	const struct imap_resp_fetch *f = as_fetch(r);
	if (i == 0) {
		const struct imap_body *b = f->body;
		assert_int_equal(f->present, IMAP_FETCH_BODY);
		assert_int_equal(b->kind, IMAP_BODY_TEXT);
		STR_EQ(b->type, "TEXT");
		STR_EQ(b->subtype, "PLAIN");
		assert_int_equal(b->params.n, 1);
		STR_EQ(b->params.v[0].name, "CHARSET");
		STR_EQ(b->params.v[0].value, "US-ASCII");
		assert_null(b->id.p);
		STR_EQ(b->encoding, "7BIT");
		assert_int_equal(b->size, 3028);
		assert_int_equal(b->lines, 92);
		assert_false(b->has_ext);
	} else if (i == 1) {
		const struct imap_body *b = f->bodystructure;
		assert_int_equal(f->present, IMAP_FETCH_BODYSTRUCTURE);
		assert_int_equal(b->kind, IMAP_BODY_MULTIPART);
		assert_int_equal(b->n_parts, 2);
		STR_EQ(b->subtype, "MIXED");
		assert_int_equal(b->parts[0].size, 1152);
		assert_int_equal(b->parts[0].lines, 23);
		assert_int_equal(b->parts[1].size, 4554);
		assert_int_equal(b->parts[1].lines, 73);
		assert_false(b->has_ext);
	} else if (i == 2) {
		const struct imap_body *b = f->bodystructure;
		assert_int_equal(b->kind, IMAP_BODY_BASIC);
		STR_EQ(b->type, "image");
		STR_EQ(b->subtype, "png");
		STR_EQ(b->id, "<img1@x>");
		STR_EQ(b->description, "a picture");
		STR_EQ(b->encoding, "base64");
		assert_int_equal(b->size, 1000);
		assert_true(b->has_ext);
		STR_EQ(b->md5, "Q2hlY2sgSW50ZWdyaXR5IQ==");
		STR_EQ(b->disposition, "inline");
		assert_int_equal(b->disposition_params.n, 1);
		STR_EQ(b->disposition_params.v[0].value, "a.png");
		assert_int_equal(b->language.n, 2);
		STR_EQ(b->language.v[1], "fr");
		STR_EQ(b->location, "http://example.com/a.png");
	} else {
		/* language as a single string, unknown extension data of odd shapes skipped */
		const struct imap_body *b = f->bodystructure;
		assert_int_equal(b->kind, IMAP_BODY_TEXT);
		assert_int_equal(b->language.n, 1);
		STR_EQ(b->language.v[0], "en");
		assert_null(b->location.p);
		assert_null(b->disposition.p);
	}
}

static void test_body_simple(void **state)
{
	assert_int_equal(
		tp_check("* 12 FETCH (BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n"
			 "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
			 "\"7BIT\" 1152 23)(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
			 "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) "
			 "\"MIXED\"))\r\n"
			 "* 2 FETCH (BODYSTRUCTURE (\"image\" \"png\" NIL \"<img1@x>\" \"a picture\" "
			 "\"base64\" 1000 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"inline\" (\"filename\" \"a.png\")) "
			 "(\"en\" \"fr\") \"http://example.com/a.png\"))\r\n"
			 "* 3 FETCH (BODYSTRUCTURE (\"text\" \"plain\" () NIL NIL \"7bit\" 0 0 NIL NIL \"en\" "
			 "NIL (1 (2 (\"x\" {3}\r\nabc)) NIL) atom 42))\r\n",
			 chk_body_simple, NULL),
		4);
}

/* Dovecot-style: multipart/mixed holding multipart/alternative and a forwarded message whose
 * own body is a multipart with an attachment. */
static const char dovecot_nested[] =
	"* 7 FETCH (UID 10 BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" "
	"12 1 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" "
	"40 2 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"alt\") NIL NIL NIL)"
	"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 500 (\"Mon, 1 Jan 2024 10:00:00 +0000\" "
	"\"inner\" ((\"A\" NIL \"a\" \"example.com\")) ((\"A\" NIL \"a\" \"example.com\")) "
	"((\"A\" NIL \"a\" \"example.com\")) ((NIL NIL \"b\" \"example.com\")) NIL NIL NIL "
	"\"<inner@example.com>\") ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 1 "
	"NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"x.pdf\") NIL NIL \"base64\" 100 NIL "
	"(\"attachment\" (\"filename\" \"x.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"in\") NIL NIL NIL) "
	"20 NIL (\"attachment\" (\"filename\" \"fwd.eml\")) NIL NIL) \"mixed\" (\"boundary\" \"out\") "
	"NIL NIL NIL))\r\n";

static void chk_dovecot_nested(const struct imap_response *r, size_t i, void *arg)
{
	const struct imap_resp_fetch *f = as_fetch(r);
	assert_int_equal(f->uid, 10);
	const struct imap_body *b = f->bodystructure;
	assert_int_equal(b->kind, IMAP_BODY_MULTIPART);
	STR_EQ(b->subtype, "mixed");
	assert_true(b->has_ext);
	STR_EQ(b->params.v[0].value, "out");
	assert_int_equal(b->n_parts, 2);
	const struct imap_body *alt = &b->parts[0];
	assert_int_equal(alt->kind, IMAP_BODY_MULTIPART);
	STR_EQ(alt->subtype, "alternative");
	assert_int_equal(alt->n_parts, 2);
	STR_EQ(alt->parts[1].encoding, "quoted-printable");
	const struct imap_body *msg = &b->parts[1];
	assert_int_equal(msg->kind, IMAP_BODY_MESSAGE);
	assert_int_equal(msg->size, 500);
	assert_int_equal(msg->lines, 20);
	STR_EQ(msg->envelope->subject, "inner");
	STR_EQ(msg->envelope->to.v[0].mailbox, "b");
	STR_EQ(msg->disposition, "attachment");
	STR_EQ(msg->disposition_params.v[0].value, "fwd.eml");
	const struct imap_body *inner = msg->body;
	assert_non_null(inner);
	assert_int_equal(inner->kind, IMAP_BODY_MULTIPART);
	assert_int_equal(inner->n_parts, 2);
	STR_EQ(inner->parts[1].type, "application");
	STR_EQ(inner->parts[1].disposition_params.v[0].value, "x.pdf");
}

static void test_body_dovecot_nested(void **state)
{
	assert_int_equal(tp_check(dovecot_nested, chk_dovecot_nested, NULL), 1);
}

static void test_body_lenient_and_errors(void **state)
{
	/* message/rfc822 without envelope and body (some servers' BODY): a basic part */
	tp_expect("* 1 FETCH (BODY (\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 42))\r\n",
		  "FETCH 1 present=0x40 body=(0 \"MESSAGE\"/\"RFC822\" params=NIL id=NIL desc=NIL "
		  "enc=\"7BIT\" size=42)\n");
	/* message/global with NIL envelope */
	tp_expect("* 1 FETCH (BODY (\"message\" \"global\" NIL NIL NIL \"8bit\" 42 NIL "
		  "(\"text\" \"plain\" NIL NIL NIL \"8bit\" 1 1) 3))\r\n",
		  "FETCH 1 present=0x40 body=(2 \"message\"/\"global\" params=NIL id=NIL desc=NIL "
		  "enc=\"8bit\" size=42 lines=3 env=NIL body=(1 \"text\"/\"plain\" params=NIL id=NIL "
		  "desc=NIL enc=\"8bit\" size=1 lines=1))\n");
	/* spaces between multipart parts */
	tp_expect("* 1 FETCH (BODY ((\"a\" \"b\" NIL NIL NIL \"7bit\" 1) (\"c\" \"d\" NIL NIL NIL "
		  "\"7bit\" 2) \"mixed\"))\r\n",
		  "FETCH 1 present=0x40 body=((0 \"a\"/\"b\" params=NIL id=NIL desc=NIL enc=\"7bit\" "
		  "size=1)(0 \"c\"/\"d\" params=NIL id=NIL desc=NIL enc=\"7bit\" size=2) "
		  "multipart/\"mixed\" params=NIL)\n");
	tp_expect_error("* 1 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" 10))\r\n", 58,
			NULL, "unexpected character ')' in body");
	tp_expect_error("* 1 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" -1 2))\r\n", 60,
			NULL, "unexpected character '-' in body size");
	tp_expect_error("* 1 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" 99999999999 2))\r\n",
			69, NULL, "number too large in body size");
	tp_expect_error("* 1 FETCH (BODY ())\r\n", 21, NULL, "body type");
	tp_expect_error("* 1 FETCH (BODY ((\"a\" \"b\" NIL NIL NIL \"7bit\" 1)))\r\n", 52, NULL,
			"multipart subtype");
}

/* ---- sections ------------------------------------------------------------------------------- */

static void chk_sections(const struct imap_response *r, size_t i, void *arg)
{
	const struct imap_resp_fetch *f = as_fetch(r);
	const struct imap_section_data *s = f->sections;
	switch (i) {
	case 0:
		assert_int_equal(f->n_sections, 1);
		assert_int_equal(s->item, IMAP_SECTION_BODY);
		assert_string_equal(s->section.spec, "");
		assert_int_equal(s->section.n_part, 0);
		assert_int_equal(s->section.text, IMAP_STEXT_NONE);
		assert_false(s->streamed);
		assert_int_equal(s->size, 5);
		STR_EQ(s->data, "hello");
		break;
	case 1:
		assert_int_equal(f->n_sections, 2);
		assert_string_equal(s[0].section.spec, "1.2.HEADER.FIELDS (From \"To\" x-y)");
		assert_int_equal(s[0].section.n_part, 2);
		assert_int_equal(s[0].section.part[0], 1);
		assert_int_equal(s[0].section.part[1], 2);
		assert_int_equal(s[0].section.text, IMAP_STEXT_HEADER_FIELDS);
		assert_int_equal(s[0].section.fields.n, 3);
		STR_EQ(s[0].section.fields.v[2], "x-y");
		assert_true(s[0].has_origin);
		assert_int_equal(s[0].origin, 0);
		STR_EQ(s[0].data, "From: a\r\n\r\n");
		assert_int_equal(s[1].section.text, IMAP_STEXT_HEADER_FIELDS_NOT);
		assert_null(s[1].data.p); /* NIL */
		break;
	case 2:
		assert_int_equal(f->n_sections, 4);
		assert_int_equal(s[0].section.text, IMAP_STEXT_TEXT);
		assert_int_equal(s[1].section.text, IMAP_STEXT_MIME);
		assert_int_equal(s[1].section.part[0], 3);
		assert_int_equal(s[2].section.text, IMAP_STEXT_HEADER);
		assert_int_equal(s[3].section.n_part, 3);
		assert_int_equal(s[3].section.part[2], 10);
		assert_true(s[3].has_origin);
		assert_int_equal(s[3].origin, 4294967295u);
		STR_EQ(s[3].data, "");
		break;
	case 3:
		assert_int_equal(f->n_sections, 3);
		assert_int_equal(s[0].item, IMAP_SECTION_RFC822);
		assert_null(s[0].section.spec);
		STR_EQ(s[0].data, "x");
		assert_int_equal(s[1].item, IMAP_SECTION_RFC822_HEADER);
		STR_EQ(s[1].data, "Subject: x\r\n\r\n");
		assert_int_equal(s[2].item, IMAP_SECTION_RFC822_TEXT);
		assert_null(s[2].data.p);
		break;
	case 4: /* BINARY with literal8 holding NUL, BINARY.SIZE */
		assert_int_equal(f->n_sections, 3);
		assert_int_equal(s[0].item, IMAP_SECTION_BINARY);
		assert_true(s[0].binary);
		assert_int_equal(s[0].data.len, 5);
		assert_memory_equal(s[0].data.p, "he\0lo", 5);
		assert_int_equal(s[1].item, IMAP_SECTION_BINARY_SIZE);
		assert_int_equal(s[1].size, 2500);
		assert_null(s[1].data.p);
		assert_int_equal(s[2].item, IMAP_SECTION_BINARY);
		assert_false(s[2].binary);
		STR_EQ(s[2].data, "plain");
		break;
	case 5: /* unknown items skipped, including ones with sections, literals and lists */
		assert_int_equal(f->present, IMAP_FETCH_UID | IMAP_FETCH_RFC822_SIZE);
		assert_int_equal(f->uid, 77);
		assert_int_equal(f->rfc822_size, 9);
		break;
	default:
		fail();
	}
}

static const char sections_in[] =
	"* 1 FETCH (BODY[] {5}\r\nhello)\r\n"
	"* 2 FETCH (BODY[1.2.HEADER.FIELDS (From \"To\" x-y)]<0> {11}\r\nFrom: a\r\n\r\n "
	"BODY[HEADER.FIELDS.NOT (Received)] NIL)\r\n"
	"* 3 FETCH (BODY[TEXT] \"t\" BODY[3.MIME] \"m\" body[header] \"h\" "
	"BODY[1.2.10]<4294967295> \"\")\r\n"
	"* 4 FETCH (RFC822 {1}\r\nx RFC822.HEADER {14}\r\nSubject: x\r\n\r\n RFC822.TEXT NIL)\r\n"
	"* 5 FETCH (BINARY[1] ~{5}\r\nhe\0lo BINARY.SIZE[2] 2500 BINARY[3]<0> \"plain\")\r\n"
	"* 6 FETCH (X-FOO[1.TEXT]<3> {4}\r\nab\r\n UID 77 X-BAR (1 (\"a\" {2}\r\nxy) NIL) "
	"X-BAZ atom PREVIEW \"...\" RFC822.SIZE 9 SAVEDATE NIL)\r\n";

static void test_sections(void **state)
{
	assert_int_equal(tp_check_n(sections_in, sizeof sections_in - 1, chk_sections, NULL), 6);
}

static void test_section_errors(void **state)
{
	tp_expect_error("* 1 FETCH (BODY[0] NIL)\r\n", 25, NULL, "zero where a non-zero number is required in section part");
	tp_expect_error("* 1 FETCH (BODY[1.] NIL)\r\n", 26, NULL, "section");
	tp_expect_error("* 1 FETCH (BODY[HEADER.FIELDS] NIL)\r\n", 37, NULL, "section");
	tp_expect_error("* 1 FETCH (BODY[TEXT NIL)\r\n", 27, NULL, "section");
	tp_expect_error("* 1 FETCH (BODY[]<x> NIL)\r\n", 27, NULL, "section origin");
	tp_expect_error("* 1 FETCH (BODY[] (1 2))\r\n", 26, NULL, "body section");
	tp_expect_error("* 1 FETCH (UID 5\r\n", 18, NULL, "FETCH");
	tp_expect_error("* 1 FETCH UID 5\r\n", 17, NULL, "FETCH");
	tp_expect_error("* 1 FETCH (UID 5))\r\n", 20, NULL, "end of response");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_items),
		cmocka_unit_test(test_number_overflow),
		cmocka_unit_test(test_gmail_items),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_body_simple),
		cmocka_unit_test(test_body_dovecot_nested),
		cmocka_unit_test(test_body_lenient_and_errors),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_section_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
