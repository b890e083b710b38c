/* Unit tests of src/imap/ops: server and mailbox commands — the bytes sent and the results
 * decoded from scripted server replies, over an in-process transport. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "imap/ops.h"
#include "imap/seqset.h"
#include "test_ops_util.h"

/* ---- capture ----------------------------------------------------------------------------- */

struct cap {
	int calls;
	enum imap_op_status status;
	enum imap_code_kind code;
	char message[256];
	char text[4096]; /* a rendering of the result, built by each callback */
	uint32_t id;
};

static void cap_base(struct cap *c, const struct imap_op_result *r)
{
	c->calls++;
	c->status = r->status;
	c->code = r->code;
	c->id = r->id;
	snprintf(c->message, sizeof c->message, "%s", r->message);
	c->text[0] = '\0';
}

static void capf(struct cap *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void capf(struct cap *c, const char *fmt, ...)
{
	size_t l = strlen(c->text);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->text + l, sizeof c->text - l, fmt, ap);
	va_end(ap);
}

static void on_simple(void *ctx, const struct imap_op_result *r)
{
	cap_base(ctx, r);
}

static void on_strings(void *ctx, const struct imap_strings_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	for (size_t i = 0; i < r->n; i++)
		capf(c, "%s%s", i ? " " : "", r->v[i]);
}

static void on_id(void *ctx, const struct imap_id_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	if (r->nil)
		capf(c, "NIL");
	for (size_t i = 0; i < r->n; i++)
		capf(c, "%s=%s;", r->keys[i], r->values[i] ? r->values[i] : "(nil)");
}

static void ns_render(struct cap *c, const char *what, const struct imap_namespace_list *l)
{
	capf(c, "%s:", what);
	for (size_t i = 0; i < l->n; i++)
		capf(c, "[%s|%s|%c]", l->v[i].prefix, l->v[i].raw, l->v[i].delim ? l->v[i].delim : '0');
	capf(c, " ");
}

static void on_ns(void *ctx, const struct imap_namespace_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	ns_render(c, "personal", &r->personal);
	ns_render(c, "other", &r->other);
	ns_render(c, "shared", &r->shared);
}

static void flags_render(struct cap *c, const struct imap_op_flags *f)
{
	capf(c, "(");
	for (size_t i = 0; i < f->n; i++)
		capf(c, "%s%s", i ? " " : "", f->v[i]);
	capf(c, ")");
}

static void on_select(void *ctx, const struct imap_select_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	capf(c, "mb=%s present=%x exists=%u recent=%u uidvalidity=%u uidnext=%u unseen=%u hms=%llu ro=%d",
	     r->mailbox, r->present, r->exists, r->recent, r->uidvalidity, r->uidnext, r->unseen,
	     (unsigned long long)r->highestmodseq, r->read_only);
	capf(c, " flags=");
	flags_render(c, &r->flags);
	capf(c, " perm=");
	flags_render(c, &r->permanentflags);
	capf(c, " sys=%x/%x", r->flags.sys, r->permanentflags.sys);
	if (!seqset_is_empty(r->vanished)) {
		struct buf b;
		buf_init(&b, 1024);
		assert_int_equal(seqset_format(r->vanished, &b), SEQSET_OK);
		capf(c, " vanished=%s", buf_data(&b));
		buf_free(&b);
	}
	capf(c, " fetch=%u", r->n_fetch);
}

static void status_render(struct cap *c, const struct imap_mailbox_status *st)
{
	capf(c, "present=%x messages=%u unseen=%u uidnext=%u uidvalidity=%u recent=%u hms=%llu",
	     st->present, st->messages, st->unseen, st->uidnext, st->uidvalidity, st->recent,
	     (unsigned long long)st->highestmodseq);
}

static void on_status(void *ctx, const struct imap_status_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	capf(c, "%s: ", r->mailbox);
	status_render(c, &r->st);
}

static void on_list(void *ctx, const struct imap_list_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	for (size_t i = 0; i < r->n; i++) {
		const struct imap_list_entry *e = &r->v[i];
		capf(c, "[%s|%s|%c|%x|", e->name, e->raw, e->delim ? e->delim : '0', e->attr);
		for (size_t j = 0; j < e->n_attrs; j++)
			capf(c, "%s%s", j ? " " : "", e->attrs[j]);
		if (e->has_status) {
			capf(c, "|");
			status_render(c, &e->status);
		}
		capf(c, "]");
	}
}

static void on_append(void *ctx, const struct imap_append_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	capf(c, "has_uid=%d uidvalidity=%u uid=%u", r->has_uid, r->uidvalidity, r->uid);
}

static void on_expunge(void *ctx, const struct imap_expunge_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	capf(c, "n=%zu:", r->n);
	for (size_t i = 0; i < r->n; i++)
		capf(c, " %u", r->seqs[i]);
	if (!seqset_is_empty(r->vanished)) {
		struct buf b;
		buf_init(&b, 1024);
		assert_int_equal(seqset_format(r->vanished, &b), SEQSET_OK);
		capf(c, " vanished=%s", buf_data(&b));
		buf_free(&b);
	}
}

#define CAPS_BASIC "IMAP4rev1 LITERAL+ UIDPLUS MOVE"
#define CAPS_RICH                                                                                  \
	"IMAP4rev1 UIDPLUS MOVE ID NAMESPACE ENABLE UNSELECT CONDSTORE QRESYNC ESEARCH "          \
	"LIST-EXTENDED LIST-STATUS SPECIAL-USE STATUS=SIZE"

/* ---- server commands --------------------------------------------------------------------- */

static void test_noop(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	fake_start(&f, CAPS_BASIC);
	uint32_t id = imap_op_noop(f.s, on_simple, &c);
	assert_true(id > 0);
	const char *tag = fake_expect(&f, "NOOP");
	assert_int_equal(c.calls, 0);
	fake_reply(&f, "* 3 EXISTS\r\n");
	fake_replyf(&f, "%s OK NOOP completed\r\n", tag);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_string_equal(c.message, "NOOP completed");
	assert_int_equal(c.id, id);
	assert_int_equal(imap_op_pending(f.s), 0);
	fake_stop(&f);
}

static void test_capability(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	fake_start(&f, CAPS_BASIC);
	imap_op_capability(f.s, on_strings, &c);
	const char *tag = fake_expect(&f, "CAPABILITY");
	fake_reply(&f, "* CAPABILITY IMAP4rev1 IDLE X-GM-EXT-1\r\n");
	fake_replyf(&f, "%s OK done\r\n", tag);
	assert_int_equal(c.calls, 1);
	assert_string_equal(c.text, "IMAP4rev1 IDLE X-GM-EXT-1");
	fake_stop(&f);
}

static void test_enable(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	fake_start(&f, CAPS_RICH);
	imap_op_enable(f.s, (const char *const[]){"CONDSTORE", "QRESYNC"}, 2, on_strings, &c);
	const char *tag = fake_expect(&f, "ENABLE CONDSTORE QRESYNC");
	fake_reply(&f, "* ENABLED CONDSTORE QRESYNC\r\n");
	fake_replyf(&f, "%s OK Enabled\r\n", tag);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_string_equal(c.text, "CONDSTORE QRESYNC");
	/* without ENABLE offered: refused before sending, callback already run */
	struct fake g;
	struct cap d = {0};
	fake_start(&g, CAPS_BASIC);
	assert_int_equal(imap_op_enable(g.s, (const char *const[]){"X"}, 1, on_strings, &d), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, IMAP_OP_UNSUPPORTED);
	fake_expect_nothing(&g);
	fake_stop(&g);
	fake_stop(&f);
}

static void test_id(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	fake_start(&f, CAPS_RICH);
	const char *fields[] = {"name", "skua", "version", "0.1", "contact", NULL};
	imap_op_id(f.s, fields, 3, on_id, &c);
	const char *tag = fake_expect(&f, "ID (\"name\" \"skua\" \"version\" \"0.1\" \"contact\" NIL)");
	fake_reply(&f, "* ID (\"name\" \"GImap\" \"vendor\" \"Google, Inc.\" \"support-url\" NIL)\r\n");
	fake_replyf(&f, "%s OK Success\r\n", tag);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_string_equal(c.text, "name=GImap;vendor=Google, Inc.;support-url=(nil);");

	struct cap d = {0};
	imap_op_id(f.s, NULL, 0, on_id, &d);
	tag = fake_expect(&f, "ID NIL");
	fake_reply(&f, "* ID NIL\r\n");
	fake_replyf(&f, "%s OK\r\n", tag);
	assert_string_equal(d.text, "NIL");
	fake_stop(&f);
}

static void test_namespace(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	fake_start(&f, CAPS_RICH);
	imap_op_namespace(f.s, on_ns, &c);
	const char *tag = fake_expect(&f, "NAMESPACE");
	fake_reply(&f, "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/Re&AOc-us/\" \"/\")(\"#public\" NIL))\r\n");
	fake_replyf(&f, "%s OK\r\n", tag);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_string_equal(c.text, "personal:[||/] other:[~|~|/] "
				    "shared:[#shared/Reçus/|#shared/Re&AOc-us/|/][#public|#public|0] ");
	fake_stop(&f);
}

/* ---- SELECT / EXAMINE -------------------------------------------------------------------- */

static void test_select(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	fake_start(&f, CAPS_RICH);
	imap_op_select(f.s, "Reçus", NULL, on_select, &c);
	const char *tag = fake_expect(&f, "SELECT Re&AOc-us");
	fake_reply(&f, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n"
		       "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] Flags permitted.\r\n"
		       "* 172 EXISTS\r\n"
		       "* 1 RECENT\r\n"
		       "* OK [UNSEEN 12] Message 12 is first unseen\r\n"
		       "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
		       "* OK [UIDNEXT 4392] Predicted next UID\r\n"
		       "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
	assert_int_equal(c.calls, 0);
	fake_replyf(&f, "%s OK [READ-WRITE] SELECT completed\r\n", tag);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_int_equal(c.code, IMAP_CODE_READ_WRITE);
	assert_string_equal(c.text,
			    "mb=Reçus present=1bf exists=172 recent=1 uidvalidity=3857529045 uidnext=4392 "
			    "unseen=12 hms=715194045007 ro=0 "
			    "flags=(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded) "
			    "perm=(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*) sys=1f/5f fetch=0");
	assert_int_equal(imap_session_state(f.s), IMAP_SESSION_SELECTED);
	fake_stop(&f);
}

static void test_select_condstore_and_examine(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0}, d = {0};
	fake_start(&f, CAPS_RICH);
	struct imap_select_opts o = {.condstore = true};
	imap_op_examine(f.s, "INBOX", &o, on_select, &c);
	const char *tag = fake_expect(&f, "EXAMINE INBOX (CONDSTORE)");
	fake_reply(&f, "* 0 EXISTS\r\n* OK [NOMODSEQ] no mod-sequences\r\n");
	fake_replyf(&f, "%s OK [READ-ONLY] done\r\n", tag);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_non_null(strstr(c.text, "present=41 exists=0"));
	assert_non_null(strstr(c.text, "ro=1"));
	/* a failed SELECT reports the server's text */
	imap_op_select(f.s, "Nope", NULL, on_select, &d);
	tag = fake_expect(&f, "SELECT Nope");
	fake_replyf(&f, "%s NO [NONEXISTENT] Mailbox doesn't exist: Nope\r\n", tag);
	assert_int_equal(d.status, IMAP_OP_NO);
	assert_int_equal(d.code, IMAP_CODE_NONEXISTENT);
	assert_string_equal(d.message, "Mailbox doesn't exist: Nope");
	fake_stop(&f);
}

static void tweak_condstore(struct imap_session_opts *o)
{
	o->enable_condstore = true;
}

static void test_select_qresync(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	fake_start_opts(&f, CAPS_RICH, "CONDSTORE QRESYNC", tweak_condstore);
	struct seqset known, seqs, uids;
	seqset_init(&known);
	seqset_init(&seqs);
	seqset_init(&uids);
	assert_int_equal(seqset_parse(&known, "41:211,214:541", 14, 0, 0), SEQSET_OK);
	assert_int_equal(seqset_parse(&seqs, "1:2", 3, 0, 0), SEQSET_OK);
	assert_int_equal(seqset_parse(&uids, "50,60", 5, 0, 0), SEQSET_OK);
	struct imap_select_opts o = {.qresync = true, .uidvalidity = 67890007, .modseq = 90060115194045000ULL,
				     .known_uids = &known, .match_seqs = &seqs, .match_uids = &uids};
	imap_op_select(f.s, "INBOX", &o, on_select, &c);
	const char *tag = fake_expect(&f, "SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 (1:2 50,60)))");
	fake_reply(&f, "* 314 EXISTS\r\n"
		       "* OK [UIDVALIDITY 67890007] Ok\r\n"
		       "* OK [HIGHESTMODSEQ 90060115205545359] Highest\r\n"
		       "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n"
		       "* 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))\r\n");
	fake_replyf(&f, "%s OK [READ-WRITE] mailbox selected\r\n", tag);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_non_null(strstr(c.text, "vanished=41,43:116,118,120:211,214:540 fetch=1"));
	assert_non_null(strstr(c.text, "hms=90060115205545359"));
	/* mismatched match data is refused */
	struct cap d = {0};
	struct imap_select_opts bad = o;
	bad.match_uids = &known;
	assert_int_equal(imap_op_select(f.s, "INBOX", &bad, on_select, &d), 0);
	assert_int_equal(d.status, IMAP_OP_INVALID);
	seqset_free(&known);
	seqset_free(&seqs);
	seqset_free(&uids);
	/* QRESYNC not enabled: unsupported */
	struct fake g;
	struct cap e = {0};
	fake_start(&g, CAPS_RICH);
	assert_int_equal(imap_op_select(g.s, "INBOX", &(struct imap_select_opts){.qresync = true,
		.uidvalidity = 1, .modseq = 1}, on_select, &e), 0);
	assert_int_equal(e.status, IMAP_OP_UNSUPPORTED);
	fake_stop(&g);
	fake_stop(&f);
}

static void test_close_unselect_check(void **state)
{
	(void)state;
	struct fake f;
	struct cap sel = {0}, a = {0}, b = {0}, c = {0}, d = {0};
	fake_start(&f, CAPS_RICH);
	imap_op_select(f.s, "INBOX", NULL, on_select, &sel);
	fake_replyf(&f, "%s OK [READ-WRITE] ok\r\n", fake_expect(&f, "SELECT INBOX"));
	imap_op_check(f.s, on_simple, &a);
	fake_replyf(&f, "%s OK CHECK done\r\n", fake_expect(&f, "CHECK"));
	assert_int_equal(a.status, IMAP_OP_OK);
	imap_op_unselect(f.s, on_simple, &b);
	fake_replyf(&f, "%s OK unselected\r\n", fake_expect(&f, "UNSELECT"));
	assert_int_equal(b.status, IMAP_OP_OK);
	assert_int_equal(imap_session_state(f.s), IMAP_SESSION_AUTH);
	imap_op_select(f.s, "INBOX", NULL, on_select, &sel);
	fake_replyf(&f, "%s OK [READ-WRITE] ok\r\n", fake_expect(&f, "SELECT INBOX"));
	imap_op_close(f.s, on_simple, &c);
	fake_replyf(&f, "%s OK CLOSE done\r\n", fake_expect(&f, "CLOSE"));
	assert_int_equal(c.status, IMAP_OP_OK);
	fake_stop(&f);

	fake_start(&f, CAPS_BASIC); /* no UNSELECT */
	assert_int_equal(imap_op_unselect(f.s, on_simple, &d), 0);
	assert_int_equal(d.status, IMAP_OP_UNSUPPORTED);
	fake_expect_nothing(&f);
	fake_stop(&f);
}

/* ---- mailbox management ------------------------------------------------------------------ */

static void test_create_delete_rename_subscribe(void **state)
{
	(void)state;
	struct fake f;
	struct cap c[6];
	memset(c, 0, sizeof c);
	fake_start(&f, CAPS_BASIC);
	imap_op_create(f.s, "Travel Plans/日本", on_simple, &c[0]);
	imap_op_rename(f.s, "Travel Plans/日本", "Reçus", on_simple, &c[1]);
	imap_op_subscribe(f.s, "Reçus", on_simple, &c[2]);
	imap_op_unsubscribe(f.s, "Reçus", on_simple, &c[3]);
	imap_op_delete(f.s, "Reçus", on_simple, &c[4]);
	char tags[5][32];
	snprintf(tags[0], 32, "%s", fake_expect(&f, "CREATE \"Travel Plans/&ZeVnLA-\""));
	snprintf(tags[1], 32, "%s", fake_expect(&f, "RENAME \"Travel Plans/&ZeVnLA-\" Re&AOc-us"));
	snprintf(tags[2], 32, "%s", fake_expect(&f, "SUBSCRIBE Re&AOc-us"));
	snprintf(tags[3], 32, "%s", fake_expect(&f, "UNSUBSCRIBE Re&AOc-us"));
	snprintf(tags[4], 32, "%s", fake_expect(&f, "DELETE Re&AOc-us"));
	fake_replyf(&f, "%s OK created\r\n%s OK renamed\r\n%s OK\r\n%s OK\r\n", tags[0], tags[1], tags[2], tags[3]);
	fake_replyf(&f, "%s NO [ALREADYEXISTS] whatever\r\n", tags[4]);
	for (int i = 0; i < 4; i++)
		assert_int_equal(c[i].status, IMAP_OP_OK);
	assert_int_equal(c[4].status, IMAP_OP_NO);
	assert_int_equal(c[4].code, IMAP_CODE_ALREADYEXISTS);
	/* not UTF-8: refused before sending */
	assert_int_equal(imap_op_create(f.s, "bad\xff", on_simple, &c[5]), 0);
	assert_int_equal(c[5].status, IMAP_OP_INVALID);
	fake_expect_nothing(&f);
	fake_stop(&f);
}

static void tweak_utf8(struct imap_session_opts *o)
{
	o->enable_utf8 = true;
}

static void test_utf8_accept_names(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0}, l = {0};
	fake_start_opts(&f, CAPS_RICH " UTF8=ACCEPT", "UTF8=ACCEPT", tweak_utf8);
	assert_true(imap_session_enabled(f.s, "UTF8=ACCEPT"));
	imap_op_create(f.s, "Reçus", on_simple, &c);
	fake_replyf(&f, "%s OK\r\n", fake_expect(&f, "CREATE \"Reçus\""));
	imap_op_list(f.s, "", "*", NULL, on_list, &l);
	const char *tag = fake_expect(&f, "LIST \"\" \"*\"");
	fake_replyf(&f, "* LIST () \"/\" \"Reçus\"\r\n* LIST () \"/\" \"A&B\"\r\n%s OK\r\n", tag);
	assert_string_equal(l.text, "[Reçus|Reçus|/|0|][A&B|A&B|/|0|]");
	fake_stop(&f);
}

/* ---- STATUS ------------------------------------------------------------------------------ */

static void test_status(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0}, d = {0};
	fake_start(&f, CAPS_BASIC);
	/* HIGHESTMODSEQ and SIZE are dropped: no CONDSTORE, no STATUS=SIZE */
	imap_op_status(f.s, "Reçus", IMAP_SI_MESSAGES | IMAP_SI_UNSEEN | IMAP_SI_UIDNEXT |
		       IMAP_SI_HIGHESTMODSEQ | IMAP_SI_SIZE, on_status, &c);
	const char *tag = fake_expect(&f, "STATUS Re&AOc-us (MESSAGES UIDNEXT UNSEEN)");
	/* a STATUS for another mailbox is not ours */
	fake_reply(&f, "* STATUS INBOX (MESSAGES 99 UNSEEN 98)\r\n");
	fake_reply(&f, "* STATUS Re&AOc-us (MESSAGES 231 UIDNEXT 44292 UNSEEN 5)\r\n");
	fake_replyf(&f, "%s OK STATUS completed\r\n", tag);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_string_equal(c.text, "Reçus: present=15 messages=231 unseen=5 uidnext=44292 uidvalidity=0 recent=0 hms=0");
	/* INBOX matches in any case */
	imap_op_status(f.s, "inbox", IMAP_SI_MESSAGES, on_status, &d);
	tag = fake_expect(&f, "STATUS inbox (MESSAGES)");
	fake_replyf(&f, "* STATUS INBOX (MESSAGES 7)\r\n%s OK\r\n", tag);
	assert_non_null(strstr(d.text, "messages=7"));
	fake_stop(&f);
}

/* ---- LIST / LSUB ------------------------------------------------------------------------- */

static const char gmail_list[] =
	"* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
	"* LIST (\\Noselect \\HasChildren) \"/\" \"[Gmail]\"\r\n"
	"* LIST (\\HasNoChildren \\All) \"/\" \"[Gmail]/All Mail\"\r\n"
	"* LIST (\\HasNoChildren \\Trash) \"/\" \"[Gmail]/Trash\"\r\n"
	"* LIST (\\HasNoChildren) \"/\" \"Re&AOc-us\"\r\n";

static void test_list_plain(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0}, s = {0};
	fake_start(&f, CAPS_BASIC);
	imap_op_list(f.s, "", "*", NULL, on_list, &c);
	const char *tag = fake_expect(&f, "LIST \"\" \"*\"");
	fake_replyf(&f, "%s%s OK Success\r\n", gmail_list, tag);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_string_equal(c.text,
			    "[INBOX|INBOX|/|20|\\HasNoChildren]"
			    "[[Gmail]|[Gmail]|/|12|\\Noselect \\HasChildren]"
			    "[[Gmail]/All Mail|[Gmail]/All Mail|/|220|\\HasNoChildren \\All]"
			    "[[Gmail]/Trash|[Gmail]/Trash|/|8020|\\HasNoChildren \\Trash]"
			    "[Reçus|Re&AOc-us|/|20|\\HasNoChildren]");
	/* SPECIAL-USE selection without LIST-EXTENDED: filtered here */
	struct imap_list_opts o = {.select = IMAP_LIST_SEL_SPECIAL_USE, .ret = IMAP_LIST_RET_CHILDREN};
	imap_op_list(f.s, "", "%", &o, on_list, &s);
	tag = fake_expect(&f, "LIST \"\" \"%\"");
	fake_replyf(&f, "%s%s OK Success\r\n", gmail_list, tag);
	assert_string_equal(s.text,
			    "[[Gmail]/All Mail|[Gmail]/All Mail|/|220|\\HasNoChildren \\All]"
			    "[[Gmail]/Trash|[Gmail]/Trash|/|8020|\\HasNoChildren \\Trash]");
	/* SUBSCRIBED selection needs LIST-EXTENDED */
	struct cap u = {0};
	struct imap_list_opts so = {.select = IMAP_LIST_SEL_SUBSCRIBED};
	assert_int_equal(imap_op_list(f.s, "", "*", &so, on_list, &u), 0);
	assert_int_equal(u.status, IMAP_OP_UNSUPPORTED);
	fake_stop(&f);
}

static void test_list_extended_status(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	fake_start(&f, CAPS_RICH);
	struct imap_list_opts o = {.select = IMAP_LIST_SEL_SPECIAL_USE | IMAP_LIST_SEL_SUBSCRIBED,
				   .ret = IMAP_LIST_RET_SPECIAL_USE | IMAP_LIST_RET_CHILDREN,
				   .status = IMAP_SI_MESSAGES | IMAP_SI_UNSEEN};
	imap_op_list(f.s, "", "*", &o, on_list, &c);
	const char *tag = fake_expect(&f, "LIST (SUBSCRIBED SPECIAL-USE) \"\" \"*\" RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))");
	fake_replyf(&f,
		    "* LIST (\\Subscribed \\Sent \\HasNoChildren) \"/\" Sent\r\n"
		    "* STATUS Sent (MESSAGES 12 UNSEEN 0)\r\n"
		    "* LIST (\\Subscribed \\Trash) \"/\" Trash\r\n"
		    "* STATUS Trash (MESSAGES 3 UNSEEN 1)\r\n"
		    "%s OK done\r\n", tag);
	assert_string_equal(c.text,
			    "[Sent|Sent|/|40a0|\\Subscribed \\Sent \\HasNoChildren|present=11 messages=12 unseen=0 uidnext=0 uidvalidity=0 recent=0 hms=0]"
			    "[Trash|Trash|/|8080|\\Subscribed \\Trash|present=11 messages=3 unseen=1 uidnext=0 uidvalidity=0 recent=0 hms=0]");
	fake_stop(&f);
}

static void test_lsub_and_pipelined_lists(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0};
	fake_start(&f, CAPS_BASIC);
	imap_op_lsub(f.s, "", "*", on_list, &a);
	imap_op_list(f.s, "", "%", NULL, on_list, &b);
	char t1[32];
	snprintf(t1, sizeof t1, "%s", fake_expect(&f, "LSUB \"\" \"*\""));
	const char *t2 = fake_expect(&f, "LIST \"\" \"%\"");
	/* the server answers in order: the first op's data, its OK, then the second's */
	fake_replyf(&f, "* LSUB () \"/\" Sub\r\n%s OK\r\n", t1);
	fake_replyf(&f, "* LIST () \"/\" One\r\n* LIST () \"/\" Two\r\n%s OK\r\n", t2);
	assert_string_equal(a.text, "[Sub|Sub|/|0|]");
	assert_string_equal(b.text, "[One|One|/|0|][Two|Two|/|0|]");
	fake_stop(&f);
}

/* ---- APPEND ------------------------------------------------------------------------------ */

static void test_append(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0}, d = {0};
	fake_start(&f, "IMAP4rev1 UIDPLUS");
	const char msg[] = "Subject: hi\r\n\r\nbody\r\n";
	struct imap_append_opts o = {.flags = (const char *const[]){"\\Seen", "$Label1"}, .n_flags = 2,
				     .has_date = true, .date = 1706789100, .tz_minutes = 60};
	imap_op_append(f.s, "Reçus", msg, sizeof msg - 1, &o, on_append, &c);
	const char *tag = fake_expect(&f, "APPEND Re&AOc-us (\\Seen $Label1) \"01-Feb-2024 13:05:00 +0100\" {21}");
	char t[32];
	snprintf(t, sizeof t, "%s", tag);
	fake_expect_nothing(&f); /* synchronising literal: waits for "+" */
	fake_reply(&f, "+ Ready for literal data\r\n");
	fake_take_raw(&f, msg, sizeof msg - 1);
	fake_take_raw(&f, "\r\n", 2);
	fake_replyf(&f, "%s OK [APPENDUID 38505 3955] APPEND completed\r\n", t);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_string_equal(c.text, "has_uid=1 uidvalidity=38505 uid=3955");
	/* NO [TRYCREATE] instead of "+" */
	imap_op_append(f.s, "Nope", "x", 1, NULL, on_append, &d);
	tag = fake_expect(&f, "APPEND Nope {1}");
	fake_replyf(&f, "%s NO [TRYCREATE] no such mailbox\r\n", tag);
	assert_int_equal(d.status, IMAP_OP_NO);
	assert_int_equal(d.code, IMAP_CODE_TRYCREATE);
	assert_string_equal(d.text, "has_uid=0 uidvalidity=0 uid=0");
	fake_expect_nothing(&f);
	fake_stop(&f);
}

static void test_append_literal_plus(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	fake_start(&f, "IMAP4rev1 LITERAL+");
	imap_op_append(f.s, "INBOX", "abc", 3, NULL, on_append, &c);
	fake_expect(&f, "APPEND INBOX {3+}");
	fake_take_raw(&f, "abc\r\n", 5);
	fake_replyf(&f, "%s OK done\r\n", f.tag);
	assert_int_equal(c.status, IMAP_OP_OK);
	fake_stop(&f);
}

/* ---- EXPUNGE ----------------------------------------------------------------------------- */

static void test_expunge(void **state)
{
	(void)state;
	struct fake f;
	struct cap sel = {0}, c = {0}, d = {0};
	fake_start(&f, CAPS_BASIC);
	imap_op_select(f.s, "INBOX", NULL, on_select, &sel);
	fake_replyf(&f, "%s OK [READ-WRITE] ok\r\n", fake_expect(&f, "SELECT INBOX"));
	imap_op_expunge(f.s, on_expunge, &c);
	const char *tag = fake_expect(&f, "EXPUNGE");
	fake_replyf(&f, "* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n* 5 EXPUNGE\r\n* 8 EXPUNGE\r\n%s OK EXPUNGE completed\r\n", tag);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_string_equal(c.text, "n=4: 3 3 5 8");
	struct seqset u;
	seqset_init(&u);
	assert_int_equal(seqset_parse(&u, "3000:3002", 9, 0, 0), SEQSET_OK);
	imap_op_uid_expunge(f.s, &u, on_expunge, &d);
	tag = fake_expect(&f, "UID EXPUNGE 3000:3002");
	fake_replyf(&f, "* VANISHED 3000:3001\r\n%s OK done\r\n", tag);
	assert_string_equal(d.text, "n=0: vanished=3000:3001");
	seqset_free(&u);
	fake_stop(&f);

	/* UID EXPUNGE needs UIDPLUS */
	struct cap e = {0};
	fake_start(&f, "IMAP4rev1");
	seqset_init(&u);
	assert_int_equal(seqset_add(&u, 1), SEQSET_OK);
	assert_int_equal(imap_op_uid_expunge(f.s, &u, on_expunge, &e), 0);
	assert_int_equal(e.status, IMAP_OP_UNSUPPORTED);
	seqset_free(&u);
	fake_stop(&f);
}

/* ---- lifecycle --------------------------------------------------------------------------- */

static void test_abort_on_free_and_cancel(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0}, c = {0};
	fake_start(&f, CAPS_BASIC);
	uint32_t ida = imap_op_noop(f.s, on_simple, &a);
	imap_op_list(f.s, "", "*", NULL, on_list, &b);
	uint32_t idc = imap_op_status(f.s, "INBOX", IMAP_SI_MESSAGES, on_status, &c);
	assert_true(ida && idc);
	assert_int_equal(imap_op_pending(f.s), 3);
	imap_op_cancel(f.s, idc);
	imap_session_free(&f.s);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, IMAP_OP_ABORTED);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.status, IMAP_OP_ABORTED);
	assert_int_equal(c.calls, 0); /* cancelled: never called */
	assert_int_equal(imap_op_pending(NULL), 0);
	fake_stop(&f);
}

/* The transport fails while the command is being written: the op ends ABORTED exactly once,
 * before the call returns, and leaves nothing behind. */
static void test_write_failure_during_submit(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0};
	fake_start(&f, CAPS_BASIC);
	f.closed = true; /* t_write now fails */
	imap_op_list(f.s, "", "*", NULL, on_list, &a);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, IMAP_OP_ABORTED);
	assert_int_equal(imap_op_noop(f.s, on_simple, &b), 0); /* the session is closed now */
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.status, IMAP_OP_ABORTED);
	assert_int_equal(imap_op_pending(NULL), 0);
	fake_stop(&f);
}

static void free_in_cb(void *ctx, const struct imap_list_result *r)
{
	struct fake *f = ctx;
	(void)r;
	imap_session_free(&f->s);
}

static void test_free_session_in_callback(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0};
	fake_start(&f, CAPS_BASIC);
	imap_op_list(f.s, "", "*", NULL, free_in_cb, &f);
	imap_op_noop(f.s, on_simple, &a);
	char tag[32];
	snprintf(tag, sizeof tag, "%s", fake_expect(&f, "LIST \"\" \"*\""));
	fake_expect(&f, "NOOP");
	fake_replyf(&f, "* LIST () \"/\" X\r\n%s OK\r\n", tag);
	assert_null(f.s);
	assert_int_equal(a.status, IMAP_OP_ABORTED);
	assert_int_equal(imap_op_pending(NULL), 0);
	fake_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noop),
		cmocka_unit_test(test_capability),
		cmocka_unit_test(test_enable),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_namespace),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_select_condstore_and_examine),
		cmocka_unit_test(test_select_qresync),
		cmocka_unit_test(test_close_unselect_check),
		cmocka_unit_test(test_create_delete_rename_subscribe),
		cmocka_unit_test(test_utf8_accept_names),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_list_plain),
		cmocka_unit_test(test_list_extended_status),
		cmocka_unit_test(test_lsub_and_pipelined_lists),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_append_literal_plus),
		cmocka_unit_test(test_expunge),
		cmocka_unit_test(test_abort_on_free_and_cancel),
		cmocka_unit_test(test_free_session_in_callback),
		cmocka_unit_test(test_write_failure_during_submit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
