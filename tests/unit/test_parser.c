/* Parser tests: status responses, response codes, continuation and every untagged form except
 * FETCH. Every input also runs byte by byte and in random splits (test_parser_util.c). */
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

/* ---- status responses ---------------------------------------------------------------------- */

static void chk_status(const struct imap_response *r, size_t i, void *arg)
{
	assert_int_equal(r->kind, IMAP_RESP_STATUS);
	const struct imap_resp_status *s = &r->u.status;
	switch (i) {
	case 0:
		assert_null(r->tag);
		assert_int_equal(s->status, IMAP_STATUS_OK);
		assert_int_equal(s->code.kind, IMAP_CODE_NONE);
		STR_EQ(s->text, "IMAP4rev1 Service Ready");
		break;
	case 1:
		assert_string_equal(r->tag, "a001");
		assert_int_equal(s->status, IMAP_STATUS_OK);
		STR_EQ(s->text, "LOGIN completed");
		break;
	case 2:
		assert_string_equal(r->tag, "A002");
		assert_int_equal(s->status, IMAP_STATUS_NO);
		break;
	case 3:
		assert_string_equal(r->tag, "tag.3");
		assert_int_equal(s->status, IMAP_STATUS_BAD);
		STR_EQ(s->text, "");
		break;
	case 4:
		assert_null(r->tag);
		assert_int_equal(s->status, IMAP_STATUS_PREAUTH);
		break;
	case 5:
		assert_int_equal(s->status, IMAP_STATUS_BYE);
		STR_EQ(s->text, "Autologout; idle for too long");
		break;
	case 6: /* lowercase keyword, trailing spaces */
		assert_string_equal(r->tag, "x");
		assert_int_equal(s->status, IMAP_STATUS_OK);
		assert_int_equal(s->code.kind, IMAP_CODE_ALERT);
		STR_EQ(s->text, "done  ");
		break;
	case 7: /* code without text */
		assert_int_equal(s->code.kind, IMAP_CODE_READ_ONLY);
		STR_EQ(s->text, "");
		break;
	default:
		fail();
	}
}

static void test_status_basic(void **state)
{
	size_t n = tp_check("* OK IMAP4rev1 Service Ready\r\n"
			    "a001 OK LOGIN completed\r\n"
			    "A002 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n"
			    "tag.3 BAD\r\n"
			    "* PREAUTH IMAP4rev1 server logged in as Smith\r\n"
			    "* BYE Autologout; idle for too long\r\n"
			    "x ok [alert] done  \r\n"
			    "* OK [READ-ONLY]\r\n",
			    chk_status, NULL);
	assert_int_equal(n, 8);
}

static void test_tagged_preauth_is_error(void **state)
{
	tp_expect_error("a1 PREAUTH hi\r\n", 15, NULL, "tagged response is not OK, NO or BAD");
	/* a NUL inside a literal used as a string would cut a mailbox name short */
	tp_expect_error("* LIST () \"/\" {9}\r\nINBOX\0xyz\r\n", 30, NULL, "NUL byte in a literal string");
	tp_expect_error("a1 BYE hi\r\n", 11, NULL, "tagged response is not OK, NO or BAD");
	tp_expect_error("a1 FOO hi\r\n", 11, NULL, "tagged response is not OK, NO or BAD");
}

static void chk_codes(const struct imap_response *r, size_t i, void *arg)
{
	assert_int_equal(r->kind, IMAP_RESP_STATUS);
	const struct imap_code *c = &r->u.status.code;
	switch (i) {
	case 0:
		assert_int_equal(c->kind, IMAP_CODE_ALERT);
		assert_string_equal(c->name, "ALERT");
		STR_EQ(r->u.status.text, "System shutdown in 10 minutes");
		break;
	case 1:
		assert_int_equal(c->kind, IMAP_CODE_BADCHARSET);
		assert_int_equal(c->list.n, 2);
		STR_EQ(c->list.v[0], "US-ASCII");
		STR_EQ(c->list.v[1], "UTF-8");
		break;
	case 2:
		assert_int_equal(c->kind, IMAP_CODE_BADCHARSET);
		assert_int_equal(c->list.n, 0);
		break;
	case 3:
		assert_int_equal(c->kind, IMAP_CODE_CAPABILITY);
		assert_int_equal(c->list.n, 4);
		STR_EQ(c->list.v[0], "IMAP4rev1");
		STR_EQ(c->list.v[3], "AUTH=PLAIN");
		STR_EQ(r->u.status.text, "Dovecot ready.");
		break;
	case 4:
		assert_int_equal(c->kind, IMAP_CODE_PARSE);
		break;
	case 5:
		assert_int_equal(c->kind, IMAP_CODE_PERMANENTFLAGS);
		assert_int_equal(c->flags.n, 3);
		assert_int_equal(c->flags.sys, IMAP_FLAG_DELETED | IMAP_FLAG_SEEN | IMAP_FLAG_WILDCARD);
		STR_EQ(c->flags.v[2], "\\*");
		break;
	case 6:
		assert_int_equal(c->kind, IMAP_CODE_READ_WRITE);
		break;
	case 7:
		assert_int_equal(c->kind, IMAP_CODE_TRYCREATE);
		break;
	case 8:
		assert_int_equal(c->kind, IMAP_CODE_UIDNEXT);
		assert_int_equal(c->num, 4392);
		break;
	case 9:
		assert_int_equal(c->kind, IMAP_CODE_UIDVALIDITY);
		assert_int_equal(c->num, 3857529045u);
		break;
	case 10:
		assert_int_equal(c->kind, IMAP_CODE_UNSEEN);
		assert_int_equal(c->num, 17);
		break;
	case 11:
		assert_int_equal(c->kind, IMAP_CODE_APPENDUID);
		assert_int_equal(c->uidvalidity, 38505);
		assert_int_equal(c->dst.n, 1);
		assert_int_equal(c->dst.v[0].lo, 3955);
		assert_int_equal(c->dst.v[0].hi, 3955);
		break;
	case 12:
		assert_int_equal(c->kind, IMAP_CODE_COPYUID);
		assert_int_equal(c->uidvalidity, 38505);
		assert_int_equal(c->src.n, 2);
		assert_int_equal(c->src.v[0].lo, 304);
		assert_int_equal(c->src.v[1].lo, 319);
		assert_int_equal(c->src.v[1].hi, 320);
		assert_int_equal(c->dst.n, 1);
		assert_int_equal(c->dst.v[0].lo, 3956);
		assert_int_equal(c->dst.v[0].hi, 3958);
		break;
	case 13:
		assert_int_equal(c->kind, IMAP_CODE_HIGHESTMODSEQ);
		assert_true(c->num64 == 18446744073709551615ull);
		break;
	case 14:
		assert_int_equal(c->kind, IMAP_CODE_NOMODSEQ);
		break;
	case 15:
		assert_int_equal(c->kind, IMAP_CODE_MODIFIED);
		assert_int_equal(c->set.n, 2);
		assert_int_equal(c->set.v[0].lo, 7);
		assert_int_equal(c->set.v[1].lo, 9);
		assert_int_equal(c->set.v[1].hi, 0); /* '*' */
		break;
	case 16:
		assert_int_equal(c->kind, IMAP_CODE_CLOSED);
		break;
	case 17:
		assert_int_equal(c->kind, IMAP_CODE_UIDNOTSTICKY);
		break;
	case 18:
		assert_int_equal(c->kind, IMAP_CODE_NONEXISTENT);
		break;
	case 19:
		assert_int_equal(c->kind, IMAP_CODE_ALREADYEXISTS);
		break;
	case 20:
		assert_int_equal(c->kind, IMAP_CODE_THROTTLED);
		break;
	case 21:
		assert_int_equal(c->kind, IMAP_CODE_COMPRESSIONACTIVE);
		break;
	case 22:
		assert_int_equal(c->kind, IMAP_CODE_UNKNOWN);
		assert_string_equal(c->name, "X-SOMETHING");
		STR_EQ(c->raw, "with (args) \"and\" 42");
		STR_EQ(r->u.status.text, "text");
		break;
	case 23:
		assert_int_equal(c->kind, IMAP_CODE_UNKNOWN);
		assert_string_equal(c->name, "XYZZY");
		assert_null(c->raw.p);
		break;
	case 24: /* a '[' that starts no code: plain text */
		assert_int_equal(c->kind, IMAP_CODE_NONE);
		STR_EQ(r->u.status.text, "[unclosed bracket text");
		break;
	case 25:
		assert_int_equal(c->kind, IMAP_CODE_OVERQUOTA);
		break;
	case 26:
		assert_int_equal(c->kind, IMAP_CODE_APPENDLIMIT);
		assert_int_equal(c->num64, 35651584);
		break;
	case 27: /* known argument-less code with stray arguments: kept raw */
		assert_int_equal(c->kind, IMAP_CODE_ALERT);
		STR_EQ(c->raw, "junk");
		break;
	case 28: /* a multi-append APPENDUID */
		assert_int_equal(c->kind, IMAP_CODE_APPENDUID);
		assert_int_equal(c->dst.n, 2);
		assert_int_equal(c->dst.v[0].lo, 1);
		assert_int_equal(c->dst.v[0].hi, 3);
		assert_int_equal(c->dst.v[1].lo, 7);
		break;
	default:
		fail();
	}
}

static void test_response_codes(void **state)
{
	size_t n = tp_check(
		"* OK [ALERT] System shutdown in 10 minutes\r\n"
		"a NO [BADCHARSET (US-ASCII \"UTF-8\")] charset\r\n"
		"a NO [BADCHARSET] charset\r\n"
		"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS AUTH=PLAIN] Dovecot ready.\r\n"
		"* NO [PARSE] bad header\r\n"
		"* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n"
		"a OK [READ-WRITE] SELECT completed\r\n"
		"a NO [TRYCREATE] no such mailbox\r\n"
		"* OK [UIDNEXT 4392] Predicted next UID\r\n"
		"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
		"* OK [UNSEEN 17] Message 17 is the first unseen message\r\n"
		"a OK [APPENDUID 38505 3955] APPEND completed\r\n"
		"a OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n"
		"* OK [HIGHESTMODSEQ 18446744073709551615] Highest\r\n"
		"* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences\r\n"
		"a OK [MODIFIED 7,9:*] Conditional STORE failed\r\n"
		"* OK [CLOSED] Previous mailbox closed\r\n"
		"a OK [UIDNOTSTICKY] Non-persistent UIDs\r\n"
		"a NO [NONEXISTENT] Unknown mailbox\r\n"
		"a NO [ALREADYEXISTS] Mailbox exists\r\n"
		"a NO [THROTTLED] Too many commands\r\n"
		"a NO [COMPRESSIONACTIVE] DEFLATE active\r\n"
		"* OK [X-SOMETHING with (args) \"and\" 42] text\r\n"
		"* OK [XYZZY] \r\n"
		"* OK [unclosed bracket text\r\n"
		"a NO [OVERQUOTA] Over quota\r\n"
		"* OK [APPENDLIMIT 35651584] limit\r\n"
		"* OK [ALERT junk] text\r\n"
		"a OK [APPENDUID 1 1:3,7] done\r\n",
		chk_codes, NULL);
	assert_int_equal(n, 29);
}

static void test_code_errors(void **state)
{
	tp_expect_error("* OK [UIDNEXT abc] x\r\n", 22, NULL, "unexpected character 'a' in UIDNEXT");
	tp_expect_error("* OK [UIDVALIDITY 4294967296] x\r\n", 33, NULL,
			"number too large in UIDVALIDITY");
	tp_expect_error("* OK [UIDNEXT 12\r\n", 18, NULL, "missing ']'");
	tp_expect_error("a OK [COPYUID 1 1:3 5:6] x\r\n", 28, NULL,
			"bad sequence set in COPYUID");
	tp_expect_error("a OK [COPYUID 1 0:3 5:6] x\r\n", 28, NULL,
			"bad sequence set in COPYUID");
	tp_expect_error("a OK [APPENDUID 1 *] x\r\n", 24, NULL, "bad sequence set in APPENDUID");
	tp_expect_error("a OK [APPENDUID 0 5] x\r\n", 24, NULL, "zero where a non-zero number");
	tp_expect_error("a OK [HIGHESTMODSEQ 18446744073709551616] x\r\n", 45, NULL,
			"number too large in HIGHESTMODSEQ");
}

static void test_text_truncated(void **state)
{
	struct imap_parser_limits lim = { .max_text = 10 };
	struct tp_result r;
	const char *in = "* OK [ALERT] 0123456789abcdef\r\n* NO short\r\n";
	tp_run(in, strlen(in), &lim, NULL, NULL, &r);
	assert_null(r.err);
	assert_string_equal(r.dump, "STATUS tag=NIL OK [2:\"ALERT\" raw=NIL] text=\"0123456789\" (truncated)\n"
				    "STATUS tag=NIL NO text=\"short\"\n");
	tp_result_free(&r);
}

static void test_continuation(void **state)
{
	tp_expect("+ Ready for additional command text\r\n"
		  "+ dGVzdA==\r\n"
		  "+\r\n"
		  "+ \r\n"
		  "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n",
		  "CONTINUATION \"Ready for additional command text\"\n"
		  "CONTINUATION \"dGVzdA==\"\n"
		  "CONTINUATION \"\"\n"
		  "CONTINUATION \"\"\n"
		  "CONTINUATION \"eyJzdGF0dXMiOiI0MDEifQ==\"\n");
}

/* ---- untagged data -------------------------------------------------------------------------- */

static void chk_capability(const struct imap_response *r, size_t i, void *arg)
{
	if (i == 0) {
		assert_int_equal(r->kind, IMAP_RESP_CAPABILITY);
		assert_int_equal(r->u.list.n, 4);
		STR_EQ(r->u.list.v[0], "IMAP4rev1");
		STR_EQ(r->u.list.v[1], "STARTTLS");
		STR_EQ(r->u.list.v[2], "AUTH=GSSAPI");
		STR_EQ(r->u.list.v[3], "XPIG-LATIN");
	} else if (i == 1) {
		assert_int_equal(r->kind, IMAP_RESP_ENABLED);
		assert_int_equal(r->u.list.n, 2);
		STR_EQ(r->u.list.v[1], "QRESYNC");
	} else if (i == 2) {
		assert_int_equal(r->kind, IMAP_RESP_ENABLED);
		assert_int_equal(r->u.list.n, 0);
	} else {
		assert_int_equal(r->kind, IMAP_RESP_CAPABILITY);
		assert_int_equal(r->u.list.n, 2);
	}
}

static void test_capability_enabled(void **state)
{
	assert_int_equal(tp_check("* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI XPIG-LATIN\r\n"
				  "* ENABLED CONDSTORE QRESYNC\r\n"
				  "* ENABLED\r\n"
				  "* capability imap4rev1 idle  \r\n",
				  chk_capability, NULL),
			 4);
}

static void chk_list(const struct imap_response *r, size_t i, void *arg)
{
	const struct imap_resp_list *l = &r->u.list_data;
	switch (i) {
	case 0:
		assert_int_equal(r->kind, IMAP_RESP_LIST);
		assert_int_equal(l->attr, IMAP_MBOX_NOSELECT);
		assert_int_equal(l->delim, '/');
		STR_EQ(l->name, "~/Mail/foo");
		assert_false(l->is_inbox);
		break;
	case 1:
		assert_int_equal(r->kind, IMAP_RESP_LSUB);
		assert_int_equal(l->attrs.n, 0);
		assert_int_equal(l->delim, '.');
		STR_EQ(l->name, "#news.comp.mail.misc");
		break;
	case 2:
		assert_int_equal(l->delim, '\0');
		STR_EQ(l->name, "INBOX");
		assert_true(l->is_inbox);
		break;
	case 3: /* inbox in another case, literal name */
		STR_EQ(l->name, "INBOX");
		assert_true(l->is_inbox);
		assert_int_equal(l->attr, IMAP_MBOX_HASNOCHILDREN | IMAP_MBOX_MARKED);
		break;
	case 4: /* mailbox name as a literal with 8-bit and a quote */
		assert_int_equal(l->name.len, 9);
		assert_memory_equal(l->name.p, "a\"b\xc3\xa9 c/d", 9);
		assert_int_equal(l->delim, '\\');
		break;
	case 5:
		assert_int_equal(l->attr, IMAP_MBOX_HASNOCHILDREN | IMAP_MBOX_ALL);
		STR_EQ(l->name, "[Gmail]/All Mail");
		break;
	case 6: /* LIST-EXTENDED */
		assert_int_equal(l->attr, IMAP_MBOX_SUBSCRIBED | IMAP_MBOX_NONEXISTENT);
		STR_EQ(l->name, "Foo");
		assert_int_equal(l->childinfo.n, 1);
		STR_EQ(l->childinfo.v[0], "SUBSCRIBED");
		assert_null(l->oldname.p);
		break;
	case 7:
		STR_EQ(l->name, "Fruit/Peach");
		STR_EQ(l->oldname, "Fruit/Banana");
		break;
	case 8: /* unknown extended item skipped */
		STR_EQ(l->name, "x");
		assert_int_equal(l->childinfo.n, 0);
		break;
	case 9: /* mUTF-7 kept raw */
		STR_EQ(l->name, "&AOk-t&AOk-");
		break;
	default:
		fail();
	}
}

static void test_list(void **state)
{
	assert_int_equal(
		tp_check("* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n"
			 "* LSUB () \".\" #news.comp.mail.misc\r\n"
			 "* LIST () NIL INBOX\r\n"
			 "* LIST (\\hasnochildren \\Marked) \"/\" {5}\r\ninBoX\r\n"
			 "* list () \"\\\\\" {9}\r\na\"b\xc3\xa9 c/d\r\n"
			 "* LIST (\\HasNoChildren \\All) \"/\" \"[Gmail]/All Mail\"\r\n"
			 "* LIST (\\Subscribed \\NonExistent) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
			 "* LIST () \"/\" \"Fruit/Peach\" (\"OLDNAME\" (\"Fruit/Banana\"))\r\n"
			 "* LIST () \"/\" x (\"X-FUTURE\" (1 (2 \"3\") NIL) \"OTHER\" atom)\r\n"
			 "* LIST () \"/\" &AOk-t&AOk-\r\n",
			 chk_list, NULL),
		10);
}

static void test_list_errors(void **state)
{
	tp_expect_error("* LIST () \"ab\" x\r\n", 18, NULL, "bad hierarchy delimiter");
	tp_expect_error("* LIST (\\Noselect \"/\" x\r\n", 25, NULL, "LIST attributes");
	tp_expect_error("* LIST () \"/\"\r\n", 15, NULL, "LIST");
}

static void chk_mbstatus(const struct imap_response *r, size_t i, void *arg)
{
	assert_int_equal(r->kind, IMAP_RESP_MBSTATUS);
	const struct imap_resp_mbstatus *s = &r->u.mbstatus;
	if (i == 0) {
		STR_EQ(s->mailbox, "blurdybloop");
		assert_int_equal(s->present, IMAP_SI_MESSAGES | IMAP_SI_UIDNEXT);
		assert_int_equal(s->messages, 231);
		assert_int_equal(s->uidnext, 44292);
	} else if (i == 1) {
		STR_EQ(s->mailbox, "INBOX");
		assert_int_equal(s->present, 0x1ff);
		assert_int_equal(s->messages, 4294967295u);
		assert_int_equal(s->recent, 1);
		assert_int_equal(s->uidvalidity, 3);
		assert_int_equal(s->unseen, 4);
		assert_int_equal(s->deleted, 5);
		assert_true(s->highestmodseq == 90060128194045007ull);
		assert_true(s->size == 6000000000ull);
		assert_int_equal(s->appendlimit, 7);
	} else {
		STR_EQ(s->mailbox, "a b");
		assert_int_equal(s->present, IMAP_SI_UNSEEN); /* X-FOO skipped, APPENDLIMIT NIL */
		assert_int_equal(s->unseen, 9);
	}
}

static void test_status_data(void **state)
{
	assert_int_equal(
		tp_check("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n"
			 "* STATUS inbox (MESSAGES 4294967295 RECENT 1 UIDNEXT 2 UIDVALIDITY 3 "
			 "UNSEEN 4 DELETED 5 HIGHESTMODSEQ 90060128194045007 SIZE 6000000000 "
			 "APPENDLIMIT 7)\r\n"
			 "* STATUS {3}\r\na b (X-FOO (1 2) UNSEEN 9 APPENDLIMIT NIL )\r\n",
			 chk_mbstatus, NULL),
		3);
	tp_expect_error("* STATUS x (MESSAGES 4294967296)\r\n", 34, NULL,
			"number too large in STATUS MESSAGES");
}

static void test_search_sort(void **state)
{
	tp_expect("* SEARCH 2 3 6\r\n"
		  "* SEARCH\r\n"
		  "* SEARCH \r\n"
		  "* SEARCH 1 4294967295 \r\n"
		  "* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n"
		  "* search 123 12344 5992\r\n"
		  "* SORT 2 84 882\r\n"
		  "* SORT\r\n",
		  "SEARCH (2 3 6)\n"
		  "SEARCH ()\n"
		  "SEARCH ()\n"
		  "SEARCH (1 4294967295)\n"
		  "SEARCH (2 5 6 7 11 12 18 19 20 23) modseq=917162500\n"
		  "SEARCH (123 12344 5992)\n"
		  "SORT (2 84 882)\n"
		  "SORT ()\n");
	tp_expect_error("* SEARCH 1 0 3\r\n", 16, NULL, "zero where a non-zero number is required in SEARCH");
	tp_expect_error("* SEARCH 1 4294967296\r\n", 23, NULL, "number too large in SEARCH");
	tp_expect_error("* SEARCH 1 x\r\n", 14, NULL, "unexpected character 'x' in SEARCH");
}

static void chk_esearch(const struct imap_response *r, size_t i, void *arg)
{
	assert_int_equal(r->kind, IMAP_RESP_ESEARCH);
	const struct imap_resp_esearch *e = &r->u.esearch;
	switch (i) {
	case 0:
		STR_EQ(e->tag, "A282");
		assert_false(e->uid);
		assert_int_equal(e->present, IMAP_ES_MIN | IMAP_ES_COUNT);
		assert_int_equal(e->min, 2);
		assert_int_equal(e->count, 3);
		break;
	case 1:
		assert_int_equal(e->present, IMAP_ES_ALL);
		assert_int_equal(e->all.n, 2);
		assert_int_equal(e->all.v[0].lo, 2);
		assert_int_equal(e->all.v[0].hi, 2);
		assert_int_equal(e->all.v[1].lo, 10);
		assert_int_equal(e->all.v[1].hi, 11);
		break;
	case 2:
		assert_true(e->uid);
		assert_int_equal(e->min, 7);
		assert_int_equal(e->max, 3800);
		break;
	case 3:
		assert_null(e->tag.p);
		assert_int_equal(e->present, 0);
		break;
	case 4:
		assert_true(e->uid);
		assert_int_equal(e->present, IMAP_ES_ALL | IMAP_ES_MODSEQ | IMAP_ES_COUNT);
		assert_int_equal(e->all.n, 1);
		assert_int_equal(e->all.v[0].lo, 1);
		assert_int_equal(e->all.v[0].hi, 4294967295u);
		assert_true(e->modseq == 12345678901234ull);
		assert_int_equal(e->count, 0);
		break;
	default:
		fail();
	}
}

static void test_esearch(void **state)
{
	assert_int_equal(tp_check("* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n"
				  "* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n"
				  "* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n"
				  "* ESEARCH\r\n"
				  "* ESEARCH (TAG a1) UID ALL 4294967295:1 PARTIAL (1:10 1,2) "
				  "MODSEQ 12345678901234 COUNT 0\r\n",
				  chk_esearch, NULL),
			 5);
	tp_expect_error("* ESEARCH (TAG \"x\") ALL 1:0\r\n", 29, NULL, "bad sequence set in ESEARCH ALL");
	tp_expect_error("* ESEARCH (TAG \"x\") ALL 1,,2\r\n", 30, NULL, "bad sequence set in ESEARCH ALL");
}

static void test_flags_exists(void **state)
{
	tp_expect("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
		  "* FLAGS ()\r\n"
		  "* FLAGS (\\Seen $Forwarded $label1 \\Recent)\r\n"
		  "* 23 EXISTS\r\n"
		  "* 0 EXISTS\r\n"
		  "* 4294967295 EXISTS\r\n"
		  "* 5 RECENT\r\n"
		  "* 44 EXPUNGE\r\n"
		  "* 1 exists\r\n",
		  "FLAGS sys=0x1f (\"\\x5cAnswered\" \"\\x5cFlagged\" \"\\x5cDeleted\" \"\\x5cSeen\" \"\\x5cDraft\")\n"
		  "FLAGS sys=0 ()\n"
		  "FLAGS sys=0x21 (\"\\x5cSeen\" \"$Forwarded\" \"$label1\" \"\\x5cRecent\")\n"
		  "EXISTS 23\n"
		  "EXISTS 0\n"
		  "EXISTS 4294967295\n"
		  "RECENT 5\n"
		  "EXPUNGE 44\n"
		  "EXISTS 1\n");
	tp_expect_error("* 4294967296 EXISTS\r\n", 21, NULL, "number too large in message number");
	tp_expect_error("* 0 EXPUNGE\r\n", 13, NULL, "zero message number in EXPUNGE");
	tp_expect_error("* -1 EXISTS\r\n", 13, NULL, "unexpected character '-' in untagged response");
}

static void test_exists_allocates_nothing(void **state)
{
	struct tp_result r;
	const char *in = "* 4294967295 EXISTS\r\n";
	tp_run(in, strlen(in), NULL, NULL, NULL, &r);
	assert_null(r.err);
	/* no allocation proportional to the number: the arena stays at one standard chunk */
	assert_true(r.stats.arena_peak <= 70000);
	assert_int_equal(r.stats.buffered_peak, 0); /* parsed in place */
	tp_result_free(&r);
}

static void chk_vanished(const struct imap_response *r, size_t i, void *arg)
{
	assert_int_equal(r->kind, IMAP_RESP_VANISHED);
	const struct imap_resp_vanished *v = &r->u.vanished;
	if (i == 0) {
		assert_true(v->earlier);
		assert_int_equal(v->uids.n, 5);
		assert_int_equal(v->uids.v[0].lo, 41);
		assert_int_equal(v->uids.v[0].hi, 41);
		assert_int_equal(v->uids.v[1].lo, 43);
		assert_int_equal(v->uids.v[1].hi, 116);
		assert_int_equal(v->uids.v[4].lo, 214);
		assert_int_equal(v->uids.v[4].hi, 540);
	} else if (i == 1) {
		assert_false(v->earlier);
		assert_int_equal(v->uids.n, 1);
		assert_int_equal(v->uids.v[0].lo, 405);
	} else {
		/* the whole UID space: two numbers, never expanded; reversed range ordered */
		assert_int_equal(v->uids.n, 1);
		assert_int_equal(v->uids.v[0].lo, 1);
		assert_int_equal(v->uids.v[0].hi, 4294967295u);
	}
}

static void test_vanished(void **state)
{
	assert_int_equal(tp_check("* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n"
				  "* VANISHED 405\r\n"
				  "* VANISHED 4294967295:1\r\n",
				  chk_vanished, NULL),
			 3);
	static const char *bad[] = {
		"* VANISHED 0\r\n",      "* VANISHED 1:0\r\n",  "* VANISHED *\r\n",
		"* VANISHED 1:*\r\n",    "* VANISHED 1,\r\n",   "* VANISHED ,1\r\n",
		"* VANISHED 1::2\r\n",   "* VANISHED 4294967296\r\n", "* VANISHED 1:2x\r\n",
		"* VANISHED (EARLIER) 5:0\r\n", "* VANISHED 99999999999999999999999\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		tp_expect_error(bad[i], strlen(bad[i]), NULL, "bad sequence set in VANISHED");
	tp_expect_error("* VANISHED (LATER) 5\r\n", 22, NULL, "unexpected list in VANISHED");
}

static void test_namespace(void **state)
{
	tp_expect("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n"
		  "* NAMESPACE NIL NIL ((\"\" \".\"))\r\n"
		  "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\")"
		  "(\"#ftp/\" \"/\")(\"#news.\" \".\"))\r\n"
		  "* NAMESPACE ((\"\" \"/\")(\"#mh/\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\"))) nil NIL\r\n"
		  "* NAMESPACE ((\"INBOX.\" NIL)) NIL NIL\r\n",
		  "NAMESPACE ((\"\" delim=47)) NIL NIL\n"
		  "NAMESPACE NIL NIL ((\"\" delim=46))\n"
		  "NAMESPACE ((\"\" delim=47)) ((\"~\" delim=47)) ((\"#shared/\" delim=47)"
		  "(\"#public/\" delim=47)(\"#ftp/\" delim=47)(\"#news.\" delim=46))\n"
		  "NAMESPACE ((\"\" delim=47)(\"#mh/\" delim=47 \"X-PARAM\"=(\"FLAG1\" \"FLAG2\"))) NIL NIL\n"
		  "NAMESPACE ((\"INBOX.\" delim=0)) NIL NIL\n");
	tp_expect_error("* NAMESPACE ((\"\" \"/\")) NIL\r\n", 28, NULL, "NAMESPACE");
}

static void test_id(void **state)
{
	tp_expect("* ID NIL\r\n"
		  "* ID (\"name\" \"GImap\" \"vendor\" \"Google, Inc.\" \"support-url\" NIL)\r\n"
		  "* ID ()\r\n",
		  "ID NIL\n"
		  "ID (\"name\"=\"GImap\" \"vendor\"=\"Google, Inc.\" \"support-url\"=NIL)\n"
		  "ID ()\n");
	tp_expect_error("* ID (\"name\")\r\n", 15, NULL, "ID");
}

static void chk_thread(const struct imap_response *r, size_t i, void *arg)
{
	assert_int_equal(r->kind, IMAP_RESP_THREAD);
	const struct imap_resp_thread *t = &r->u.thread;
	if (i == 0) {
		/* (2)(3 6 (4 23)(44 7 96)) */
		assert_int_equal(t->n, 2);
		assert_int_equal(t->v[0].n_nums, 1);
		assert_int_equal(t->v[0].nums[0], 2);
		assert_int_equal(t->v[1].n_nums, 2);
		assert_int_equal(t->v[1].nums[1], 6);
		assert_int_equal(t->v[1].n_sub, 2);
		assert_int_equal(t->v[1].sub[0].nums[0], 4);
		assert_int_equal(t->v[1].sub[0].nums[1], 23);
		assert_int_equal(t->v[1].sub[1].n_nums, 3);
		assert_int_equal(t->v[1].sub[1].nums[2], 96);
	} else if (i == 1) {
		/* ((3)(5)): a missing parent with two children */
		assert_int_equal(t->n, 1);
		assert_int_equal(t->v[0].n_nums, 0);
		assert_int_equal(t->v[0].n_sub, 2);
		assert_int_equal(t->v[0].sub[1].nums[0], 5);
	} else {
		assert_int_equal(t->n, 0);
	}
}

static void test_thread(void **state)
{
	assert_int_equal(tp_check("* THREAD (2)(3 6 (4 23)(44 7 96))\r\n"
				  "* THREAD ((3)(5))\r\n"
				  "* THREAD\r\n",
				  chk_thread, NULL),
			 3);
	tp_expect("* THREAD (166)(167)(168)(169)(172)(170)(171)(173)(174 (175)(176)(178)(181)(180))\r\n",
		  "THREAD (166) (167) (168) (169) (172) (170) (171) (173) (174 (175) (176) (178) (181) (180))\n");
	tp_expect_error("* THREAD ()\r\n", 13, NULL, "empty thread");
	tp_expect_error("* THREAD (0)\r\n", 14, NULL, "zero where a non-zero number");
	tp_expect_error("* THREAD (1 (2)\r\n", 17, NULL, "THREAD");
}

static void test_unknown_untagged(void **state)
{
	tp_expect("* QUOTAROOT INBOX \"\"\r\n"
		  "* QUOTA \"\" (STORAGE 10 512)\r\n"
		  "* METADATA INBOX (/private/comment {5}\r\nhello)\r\n"
		  "* 3 XFOO bar\r\n"
		  "* XBARE\r\n",
		  "UNKNOWN \"QUOTAROOT\" \"INBOX \\x22\\x22\"\n"
		  "UNKNOWN \"QUOTA\" \"\\x22\\x22 (STORAGE 10 512)\"\n"
		  "UNKNOWN \"METADATA\" \"INBOX (/private/comment {5}\\x0d\\x0ahello)\"\n"
		  "UNKNOWN 3 \"XFOO\" \"bar\"\n"
		  "UNKNOWN \"XBARE\" \"\"\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_basic),
		cmocka_unit_test(test_tagged_preauth_is_error),
		cmocka_unit_test(test_response_codes),
		cmocka_unit_test(test_code_errors),
		cmocka_unit_test(test_text_truncated),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_capability_enabled),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_status_data),
		cmocka_unit_test(test_search_sort),
		cmocka_unit_test(test_esearch),
		cmocka_unit_test(test_flags_exists),
		cmocka_unit_test(test_exists_allocates_nothing),
		cmocka_unit_test(test_vanished),
		cmocka_unit_test(test_namespace),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_thread),
		cmocka_unit_test(test_unknown_untagged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
