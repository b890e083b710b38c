/* Unit tests of src/imap/ops: message commands — FETCH (items, macros, sections, streaming,
 * pipelined routing), STORE (flags, labels, UNCHANGEDSINCE), SEARCH / ESEARCH, COPY and MOVE
 * (native and fallback) — bytes sent and results decoded, over an in-process transport. */
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
#include "imap/search.h"
#include "imap/seqset.h"
#include "test_ops_util.h"

/* ---- capture ----------------------------------------------------------------------------- */

struct cap {
	int calls, msgs, chunks;
	enum imap_op_status status;
	enum imap_code_kind code;
	char message[256];
	char text[8192];
	uint64_t chunk_bytes;
	int stop_after; /* chunk callback returns non-zero after this many chunks (0: never) */
};

static void capf(struct cap *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void capf(struct cap *c, const char *fmt, ...)
{
	size_t l = strlen(c->text);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->text + l, sizeof c->text - l, fmt, ap);
	va_end(ap);
}

static void cap_base(struct cap *c, const struct imap_op_result *r)
{
	c->calls++;
	c->status = r->status;
	c->code = r->code;
	snprintf(c->message, sizeof c->message, "%s", r->message);
}

static void set_render(struct cap *c, const char *what, const struct seqset *s)
{
	if (!s || seqset_is_empty(s))
		return;
	struct buf b;
	buf_init(&b, 4096);
	assert_int_equal(seqset_format(s, &b), SEQSET_OK);
	capf(c, " %s=%s", what, buf_data(&b));
	buf_free(&b);
}

static struct seqset *set_of(const char *text)
{
	static struct seqset sets[8];
	static int next;
	struct seqset *s = &sets[next++ % 8];
	seqset_free(s);
	seqset_init(s);
	assert_int_equal(seqset_parse(s, text, strlen(text), SEQSET_ALLOW_STAR, 0), SEQSET_OK);
	return s;
}

static void on_msg(void *ctx, const struct imap_fetch_msg *m)
{
	struct cap *c = ctx;
	c->msgs++;
	capf(c, "{seq=%u uid=%u", m->seq, m->uid);
	if (m->present & IMAP_FETCH_FLAGS) {
		capf(c, " flags=(");
		for (size_t i = 0; i < m->flags.n; i++)
			capf(c, "%s%s", i ? " " : "", m->flags.v[i]);
		capf(c, ")/%x", m->flags.sys);
	}
	if (m->present & IMAP_FETCH_INTERNALDATE)
		capf(c, " date=%lld", (long long)m->internaldate);
	if (m->present & IMAP_FETCH_RFC822_SIZE)
		capf(c, " size=%u", m->size);
	if (m->envelope)
		capf(c, " subject=%s from=%s@%s", m->envelope->subject.p ? m->envelope->subject.p : "NIL",
		     m->envelope->from.n ? m->envelope->from.v[0].mailbox.p : "-",
		     m->envelope->from.n ? m->envelope->from.v[0].host.p : "-");
	if (m->bodystructure)
		capf(c, " bs=%s/%s", m->bodystructure->type.p, m->bodystructure->subtype.p);
	if (m->body)
		capf(c, " body=%s/%s", m->body->type.p, m->body->subtype.p);
	if (m->present & IMAP_FETCH_MODSEQ)
		capf(c, " modseq=%llu", (unsigned long long)m->modseq);
	if (m->present & IMAP_FETCH_GM_MSGID)
		capf(c, " msgid=%llu", (unsigned long long)m->gm_msgid);
	if (m->present & IMAP_FETCH_GM_THRID)
		capf(c, " thrid=%llu", (unsigned long long)m->gm_thrid);
	if (m->present & IMAP_FETCH_GM_LABELS) {
		capf(c, " labels=(");
		for (size_t i = 0; i < m->n_labels; i++)
			capf(c, "%s%s", i ? "|" : "", m->labels[i]);
		capf(c, ")");
	}
	for (size_t i = 0; i < m->n_parts; i++) {
		const struct imap_fetch_part *p = &m->parts[i];
		capf(c, " part[%d,%s", p->index == SIZE_MAX ? -1 : (int)p->index, p->spec ? p->spec : "-");
		if (p->has_origin)
			capf(c, "<%u>", p->origin);
		if (p->streamed)
			capf(c, ",streamed %llu]", (unsigned long long)p->size);
		else
			capf(c, ",%.*s]", (int)p->len, p->data ? p->data : "NIL");
	}
	capf(c, "}");
}

static int on_chunk(void *ctx, const struct imap_fetch_chunk *ch)
{
	struct cap *c = ctx;
	c->chunks++;
	c->chunk_bytes += ch->len;
	if (ch->offset + ch->len == ch->size)
		capf(c, "<chunks index=%d size=%llu uid=%u>", ch->index == SIZE_MAX ? -1 : (int)ch->index,
		     (unsigned long long)ch->size, ch->uid);
	return c->stop_after && c->chunks >= c->stop_after;
}

static void on_fetch_done(void *ctx, const struct imap_fetch_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	capf(c, " done n=%u", r->n_msgs);
	set_render(c, "vanished", r->vanished);
}

static const struct imap_fetch_callbacks fetch_cb = {on_msg, on_chunk, on_fetch_done};

static void on_store(void *ctx, const struct imap_store_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	capf(c, " stored n=%u", r->n_msgs);
	set_render(c, "modified", r->modified);
}

static void on_search(void *ctx, const struct imap_search_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	capf(c, "esearch=%d present=%x min=%u max=%u count=%u", r->esearch, r->present, r->min, r->max,
	     r->count);
	set_render(c, "all", r->all);
	if (r->present & IMAP_ES_MODSEQ)
		capf(c, " modseq=%llu", (unsigned long long)r->modseq);
}

static void on_copy(void *ctx, const struct imap_copy_result *r)
{
	struct cap *c = ctx;
	cap_base(c, &r->op);
	capf(c, "copyuid=%d uidvalidity=%u", r->has_copyuid, r->uidvalidity);
	set_render(c, "src", r->src);
	set_render(c, "dst", r->dst);
	capf(c, " move=%d expunged=%d", r->used_move, r->expunged);
}

static void on_select(void *ctx, const struct imap_select_result *r)
{
	cap_base(ctx, &r->op);
}

#define CAPS                                                                                       \
	"IMAP4rev1 UIDPLUS MOVE CONDSTORE QRESYNC ESEARCH ENABLE X-GM-EXT-1 LITERAL+"

static void select_inbox(struct fake *f)
{
	struct cap c = {0};
	imap_op_select(f->s, "INBOX", NULL, on_select, &c);
	fake_replyf(f, "* 20 EXISTS\r\n%s OK [READ-WRITE] ok\r\n", fake_expect(f, "SELECT INBOX"));
	assert_int_equal(c.status, IMAP_OP_OK);
}

static void start(struct fake *f, const char *caps)
{
	fake_start(f, caps);
	select_inbox(f);
}

/* ---- FETCH: command bytes ---------------------------------------------------------------- */

struct fetch_case {
	bool uid;
	const char *set;
	struct imap_fetch_spec spec;
	const char *want;
};

static void test_fetch_commands(void **state)
{
	(void)state;
	const struct imap_fetch_section hdr_fields = {
		.part = "1.2", .text = IMAP_STEXT_HEADER_FIELDS,
		.fields = (const char *const[]){"Subject", "From"}, .n_fields = 2, .peek = true,
		.partial = true, .origin = 0, .length = 2048};
	static const struct imap_fetch_section whole = {.peek = true};
	static const struct imap_fetch_section header = {.text = IMAP_STEXT_HEADER, .peek = true};
	static const struct imap_fetch_section text = {.text = IMAP_STEXT_TEXT};
	static const struct imap_fetch_section mime = {.part = "2", .text = IMAP_STEXT_MIME, .peek = true};
	const struct imap_fetch_section notf = {.text = IMAP_STEXT_HEADER_FIELDS_NOT,
		.fields = (const char *const[]){"Received"}, .n_fields = 1, .peek = true};
	static const struct imap_fetch_section bin = {.part = "1", .binary = true, .peek = true,
		.partial = true, .origin = 100, .length = 50};
	const struct fetch_case cases[] = {
		{true, "1:5,9", {.want = IMAP_FW_UID | IMAP_FW_FLAGS | IMAP_FW_ENVELOPE | IMAP_FW_GM_THRID},
		 "UID FETCH 1:5,9 (UID FLAGS ENVELOPE X-GM-THRID)"},
		{false, "1:*", {.want = IMAP_FW_FLAGS}, "FETCH 1:* (UID FLAGS)"},
		{false, "2", {.want = IMAP_FW_ALL}, "FETCH 2 ALL"},
		{true, "2", {.want = IMAP_FW_FAST | IMAP_FW_UID}, "UID FETCH 2 FAST"},
		{false, "2", {.want = IMAP_FW_FULL | IMAP_FW_UID},
		 "FETCH 2 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)"},
		{false, "3", {.want = IMAP_FW_ALL | IMAP_FW_BODYSTRUCTURE},
		 "FETCH 3 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)"},
		{true, "4", {.want = IMAP_FW_INTERNALDATE | IMAP_FW_RFC822_SIZE | IMAP_FW_BODY | IMAP_FW_MODSEQ |
				     IMAP_FW_GM_MSGID | IMAP_FW_GM_LABELS},
		 "UID FETCH 4 (UID INTERNALDATE RFC822.SIZE BODY MODSEQ X-GM-MSGID X-GM-LABELS)"},
		{true, "4", {.want = IMAP_FW_RFC822 | IMAP_FW_RFC822_HEADER | IMAP_FW_RFC822_TEXT},
		 "UID FETCH 4 (UID RFC822 RFC822.HEADER RFC822.TEXT)"},
		{true, "7", {.n_sections = 1, .sections = &hdr_fields},
		 "UID FETCH 7 (UID BODY.PEEK[1.2.HEADER.FIELDS (Subject From)]<0.2048>)"},
		{true, "7", {.n_sections = 1, .sections = &whole}, "UID FETCH 7 (UID BODY.PEEK[])"},
		{true, "7", {.n_sections = 1, .sections = &header}, "UID FETCH 7 (UID BODY.PEEK[HEADER])"},
		{true, "7", {.n_sections = 1, .sections = &text}, "UID FETCH 7 (UID BODY[TEXT])"},
		{true, "7", {.n_sections = 1, .sections = &mime}, "UID FETCH 7 (UID BODY.PEEK[2.MIME])"},
		{true, "7", {.n_sections = 1, .sections = &notf},
		 "UID FETCH 7 (UID BODY.PEEK[HEADER.FIELDS.NOT (Received)])"},
		{true, "7", {.n_sections = 1, .sections = &bin}, "UID FETCH 7 (UID BINARY.PEEK[1]<100.50>)"},
		{true, "1:*", {.want = IMAP_FW_FLAGS, .changedsince = 12345, .vanished = true},
		 "UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE 12345 VANISHED)"},
		{false, "1:*", {.want = IMAP_FW_FLAGS, .changedsince = 12345},
		 "FETCH 1:* (UID FLAGS) (CHANGEDSINCE 12345)"},
	};
	struct fake f;
	fake_start_opts(&f, CAPS, "CONDSTORE QRESYNC", NULL);
	/* QRESYNC must be enabled for VANISHED */
	struct cap e = {0};
	static const char *const ext[] = {"QRESYNC"};
	imap_op_enable(f.s, ext, 1, NULL, &e);
	fake_replyf(&f, "* ENABLED QRESYNC\r\n%s OK\r\n", fake_expect(&f, "ENABLE QRESYNC"));
	select_inbox(&f);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cap c = {0};
		uint32_t id = imap_op_fetch(f.s, cases[i].uid, set_of(cases[i].set), &cases[i].spec,
					    &fetch_cb, &c);
		if (!id)
			fail_msg("case %zu refused: %s", i, c.message);
		fake_replyf(&f, "%s OK done\r\n", fake_expect(&f, cases[i].want));
		assert_int_equal(c.status, IMAP_OP_OK);
	}
	fake_stop(&f);
}

static void test_fetch_refusals(void **state)
{
	(void)state;
	struct fake f;
	start(&f, "IMAP4rev1");
	struct {
		struct imap_fetch_spec spec;
		enum imap_op_status st;
	} cases[] = {
		{{.want = IMAP_FW_GM_LABELS}, IMAP_OP_UNSUPPORTED},
		{{.want = IMAP_FW_MODSEQ}, IMAP_OP_UNSUPPORTED},
		{{.want = IMAP_FW_FLAGS, .changedsince = 5}, IMAP_OP_UNSUPPORTED},
		{{.n_sections = 1, .sections = &(struct imap_fetch_section){.part = "1.x"}}, IMAP_OP_INVALID},
		{{.n_sections = 1, .sections = &(struct imap_fetch_section){.part = "0"}}, IMAP_OP_INVALID},
		{{.n_sections = 1, .sections = &(struct imap_fetch_section){.text = IMAP_STEXT_MIME}}, IMAP_OP_INVALID},
		{{.n_sections = 1, .sections = &(struct imap_fetch_section){.text = IMAP_STEXT_HEADER_FIELDS}}, IMAP_OP_INVALID},
		{{.n_sections = 1, .sections = &(struct imap_fetch_section){.text = IMAP_STEXT_HEADER_FIELDS,
			.fields = (const char *const[]){"Bad Name"}, .n_fields = 1}}, IMAP_OP_INVALID},
		{{.n_sections = 1, .sections = &(struct imap_fetch_section){.binary = true, .text = IMAP_STEXT_TEXT}}, IMAP_OP_INVALID},
		{{.n_sections = 1, .sections = &(struct imap_fetch_section){.partial = true}}, IMAP_OP_INVALID},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cap c = {0};
		assert_int_equal(imap_op_fetch(f.s, true, set_of("1"), &cases[i].spec, &fetch_cb, &c), 0);
		assert_int_equal(c.calls, 1);
		if (c.status != cases[i].st)
			fail_msg("case %zu: status %s (%s)", i, imap_op_status_name(c.status), c.message);
	}
	struct cap c = {0};
	struct seqset empty;
	seqset_init(&empty);
	assert_int_equal(imap_op_fetch(f.s, true, &empty, &(struct imap_fetch_spec){.want = IMAP_FW_FLAGS},
				       &fetch_cb, &c), 0);
	assert_int_equal(c.status, IMAP_OP_INVALID);
	fake_expect_nothing(&f);
	fake_stop(&f);
}

/* ---- FETCH: results ---------------------------------------------------------------------- */

static void test_fetch_results(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	start(&f, CAPS);
	const struct imap_fetch_section secs[] = {
		{.text = IMAP_STEXT_HEADER_FIELDS, .fields = (const char *const[]){"Subject"}, .n_fields = 1,
		 .peek = true},
		{.part = "1", .peek = true, .partial = true, .origin = 0, .length = 4},
	};
	struct imap_fetch_spec spec = {.want = IMAP_FW_FLAGS | IMAP_FW_INTERNALDATE | IMAP_FW_RFC822_SIZE |
					       IMAP_FW_ENVELOPE | IMAP_FW_BODYSTRUCTURE | IMAP_FW_GM_MSGID |
					       IMAP_FW_GM_THRID | IMAP_FW_GM_LABELS,
				       .n_sections = 2, .sections = secs};
	imap_op_fetch(f.s, true, set_of("10:11"), &spec, &fetch_cb, &c);
	const char *tag = fake_expect(&f, "UID FETCH 10:11 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE "
					  "X-GM-MSGID X-GM-THRID X-GM-LABELS BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[1]<0.4>)");
	char t[32];
	snprintf(t, sizeof t, "%s", tag);
	fake_reply(&f,
		   "* 1 FETCH (UID 10 FLAGS (\\Seen $Forwarded) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
		   "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700\" \"IMAP4rev1 WG mtg\" "
		   "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) NIL NIL NIL NIL NIL NIL \"<B27397-0100000@cac.washington.edu>\") "
		   "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92) "
		   "X-GM-MSGID 1278455344230334865 X-GM-THRID 1266894439832287888 "
		   "X-GM-LABELS (\\Inbox \\\\Sent Important \"Muy Importante\" &ZeVnLA-) "
		   "BODY[HEADER.FIELDS (\"SUBJECT\")] {20}\r\nSubject: IMAP4rev1\r\n BODY[1]<0> {4}\r\nabcd)\r\n");
	/* an unsolicited flag change for another UID, and one without any asked-for item */
	fake_reply(&f, "* 5 FETCH (UID 99 FLAGS (\\Seen))\r\n* 2 FETCH (UID 11 MODSEQ (5))\r\n");
	fake_reply(&f, "* 2 FETCH (UID 11 FLAGS () X-GM-LABELS ())\r\n");
	assert_int_equal(c.calls, 0);
	assert_int_equal(c.msgs, 2);
	fake_replyf(&f, "%s OK Success\r\n", t);
	assert_int_equal(c.calls, 1);
	assert_string_equal(c.text,
			    "{seq=1 uid=10 flags=(\\Seen $Forwarded)/1 date=837596665 size=4286 "
			    "subject=IMAP4rev1 WG mtg from=gray@cac.washington.edu bs=TEXT/PLAIN "
			    "msgid=1278455344230334865 thrid=1266894439832287888 "
			    "labels=(\\Inbox|\\Sent|Important|Muy Importante|日本) "
			    "part[0,HEADER.FIELDS (\"SUBJECT\"),Subject: IMAP4rev1\r\n] part[1,1<0>,abcd]}"
			    "{seq=2 uid=11 flags=()/0 labels=()} done n=2");
	fake_stop(&f);
}

static void test_fetch_streamed_literal(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	start(&f, CAPS);
	static const struct imap_fetch_section whole = {.peek = true};
	struct imap_fetch_spec spec = {.n_sections = 1, .sections = &whole};
	imap_op_fetch(f.s, true, set_of("42"), &spec, &fetch_cb, &c);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID FETCH 42 (UID BODY.PEEK[])"));
	size_t big = 300 * 1024;
	char *lit = malloc(big);
	assert_non_null(lit);
	memset(lit, 'x', big);
	fake_replyf(&f, "* 3 FETCH (UID 42 BODY[] {%zu}\r\n", big);
	for (size_t off = 0; off < big; off += 7777)
		fake_replyn(&f, lit + off, big - off < 7777 ? big - off : 7777);
	fake_reply(&f, ")\r\n");
	free(lit);
	fake_replyf(&f, "%s OK\r\n", t);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_int_equal(c.chunk_bytes, big);
	assert_true(c.chunks > 1);
	assert_string_equal(c.text, "<chunks index=0 size=307200 uid=42>{seq=3 uid=42 part[0,,streamed 307200]} done n=1");
	fake_stop(&f);
}

static void test_fetch_chunk_stop_fails_connection(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {.stop_after = 1};
	start(&f, CAPS);
	static const struct imap_fetch_section whole = {.peek = true};
	struct imap_fetch_spec spec = {.n_sections = 1, .sections = &whole};
	imap_op_fetch(f.s, true, set_of("42"), &spec, &fetch_cb, &c);
	fake_expect(&f, "UID FETCH 42 (UID BODY.PEEK[])");
	size_t big = 200 * 1024;
	char *lit = calloc(1, big);
	assert_non_null(lit);
	memset(lit, 'y', big);
	fake_replyf(&f, "* 3 FETCH (UID 42 BODY[] {%zu}\r\n", big);
	fake_replyn(&f, lit, big);
	free(lit);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.status, IMAP_OP_ABORTED);
	assert_int_equal(imap_session_state(f.s), IMAP_SESSION_CLOSED);
	fake_stop(&f);
}

/* Two UID FETCHes in flight: each gets the messages of its own set, whatever the order. */
static void test_fetch_pipelined_routing(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0};
	start(&f, CAPS);
	struct imap_fetch_spec spec = {.want = IMAP_FW_FLAGS};
	imap_op_fetch(f.s, true, set_of("1:3"), &spec, &fetch_cb, &a);
	imap_op_fetch(f.s, true, set_of("7:8"), &spec, &fetch_cb, &b);
	char ta[32], tb[32];
	snprintf(ta, sizeof ta, "%s", fake_expect(&f, "UID FETCH 1:3 (UID FLAGS)"));
	snprintf(tb, sizeof tb, "%s", fake_expect(&f, "UID FETCH 7:8 (UID FLAGS)"));
	fake_reply(&f, "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n"
		       "* 7 FETCH (UID 7 FLAGS ())\r\n"
		       "* 2 FETCH (UID 3 FLAGS (\\Flagged))\r\n"
		       "* 8 FETCH (UID 8 FLAGS (\\Deleted))\r\n");
	fake_replyf(&f, "%s OK\r\n%s OK\r\n", tb, ta);
	assert_string_equal(a.text, "{seq=1 uid=1 flags=(\\Seen)/1}{seq=2 uid=3 flags=(\\Flagged)/4} done n=2");
	assert_string_equal(b.text, "{seq=7 uid=7 flags=()/0}{seq=8 uid=8 flags=(\\Deleted)/8} done n=2");
	fake_stop(&f);
}

static void test_fetch_vanished(void **state)
{
	(void)state;
	struct fake f;
	struct cap c = {0};
	fake_start_opts(&f, CAPS, NULL, NULL);
	static const char *const ext[] = {"QRESYNC"};
	imap_op_enable(f.s, ext, 1, NULL, NULL);
	fake_replyf(&f, "* ENABLED QRESYNC\r\n%s OK\r\n", fake_expect(&f, "ENABLE QRESYNC"));
	select_inbox(&f);
	struct imap_fetch_spec spec = {.want = IMAP_FW_FLAGS, .changedsince = 12345, .vanished = true};
	imap_op_fetch(f.s, true, set_of("300:500"), &spec, &fetch_cb, &c);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID FETCH 300:500 (UID FLAGS) (CHANGEDSINCE 12345 VANISHED)"));
	fake_replyf(&f, "* VANISHED (EARLIER) 300:310,405,411\r\n"
			"* 1 FETCH (UID 404 MODSEQ (65402) FLAGS (\\Seen))\r\n"
			"%s OK Fetch completed\r\n", t);
	assert_string_equal(c.text, "{seq=1 uid=404 flags=(\\Seen)/1 modseq=65402} done n=1 vanished=300:310,405,411");
	fake_stop(&f);
}

/* ---- STORE ------------------------------------------------------------------------------- */

static void test_store_flags(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0}, c = {0};
	start(&f, CAPS);
	static const char *const seen[] = {"\\Seen"};
	struct imap_store_opts add = {.uid = true, .mode = IMAP_STORE_ADD};
	imap_op_store(f.s, set_of("1:5"), &add, seen, 1, on_msg, on_store, &a);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID STORE 1:5 +FLAGS (\\Seen)"));
	fake_replyf(&f, "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n* 2 FETCH (UID 2 FLAGS (\\Seen \\Flagged))\r\n"
			"%s OK Store completed\r\n", t);
	assert_string_equal(a.text, "{seq=1 uid=1 flags=(\\Seen)/1}{seq=2 uid=2 flags=(\\Seen \\Flagged)/5} stored n=2");

	struct imap_store_opts rm = {.mode = IMAP_STORE_REMOVE, .silent = true};
	static const char *const two[] = {"\\Flagged", "$Label1"};
	imap_op_store(f.s, set_of("3"), &rm, two, 2, NULL, on_store, &b);
	fake_replyf(&f, "%s OK\r\n", fake_expect(&f, "STORE 3 -FLAGS.SILENT (\\Flagged $Label1)"));
	assert_int_equal(b.status, IMAP_OP_OK);

	struct imap_store_opts set = {.uid = true, .mode = IMAP_STORE_SET, .has_unchangedsince = true,
				      .unchangedsince = 12345};
	imap_op_store(f.s, set_of("7,9"), &set, NULL, 0, on_msg, on_store, &c);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID STORE 7,9 (UNCHANGEDSINCE 12345) FLAGS ()"));
	fake_replyf(&f, "* 4 FETCH (UID 7 MODSEQ (12346) FLAGS ())\r\n%s OK [MODIFIED 9] Conditional STORE failed\r\n", t);
	assert_int_equal(c.status, IMAP_OP_OK);
	assert_int_equal(c.code, IMAP_CODE_MODIFIED);
	assert_string_equal(c.text, "{seq=4 uid=7 flags=()/0 modseq=12346} stored n=1 modified=9");

	/* a bad flag and adding nothing are refused */
	struct cap d = {0}, e = {0};
	assert_int_equal(imap_op_store(f.s, set_of("1"), &add, (const char *const[]){"bad flag"}, 1, NULL,
				       on_store, &d), 0);
	assert_int_equal(d.status, IMAP_OP_INVALID);
	assert_int_equal(imap_op_store(f.s, set_of("1"), &add, NULL, 0, NULL, on_store, &e), 0);
	assert_int_equal(e.status, IMAP_OP_INVALID);
	fake_expect_nothing(&f);
	fake_stop(&f);
}

static void test_store_labels(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0}, c = {0};
	start(&f, CAPS);
	static const char *const labels[] = {"Travel Plans", "\\Inbox"};
	struct imap_store_opts o = {.uid = true, .mode = IMAP_STORE_ADD, .silent = true};
	imap_op_store_labels(f.s, set_of("7"), &o, labels, 2, NULL, on_store, &a);
	fake_replyf(&f, "%s OK\r\n", fake_expect(&f, "UID STORE 7 +X-GM-LABELS.SILENT (\"Travel Plans\" \\Inbox)"));
	assert_int_equal(a.status, IMAP_OP_OK);

	static const char *const jp[] = {"日本", "foo"};
	struct imap_store_opts r = {.mode = IMAP_STORE_REMOVE};
	imap_op_store_labels(f.s, set_of("1"), &r, jp, 2, on_msg, on_store, &b);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "STORE 1 -X-GM-LABELS (&ZeVnLA- foo)"));
	fake_replyf(&f, "* 1 FETCH (X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\"))\r\n%s OK\r\n", t);
	assert_string_equal(b.text, "{seq=1 uid=0 labels=(\\Inbox|\\Sent|Important|Muy Importante)} stored n=1");

	struct imap_store_opts s = {.uid = true, .mode = IMAP_STORE_SET};
	imap_op_store_labels(f.s, set_of("2:3"), &s, (const char *const[]){"\\Important"}, 1, NULL, on_store, &c);
	fake_replyf(&f, "%s OK\r\n", fake_expect(&f, "UID STORE 2:3 X-GM-LABELS (\\Important)"));
	fake_stop(&f);

	/* not Gmail: unsupported */
	struct cap d = {0};
	start(&f, "IMAP4rev1");
	assert_int_equal(imap_op_store_labels(f.s, set_of("1"), &o, labels, 2, NULL, on_store, &d), 0);
	assert_int_equal(d.status, IMAP_OP_UNSUPPORTED);
	fake_stop(&f);
}

/* ---- SEARCH ------------------------------------------------------------------------------ */

static void test_search_plain(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0};
	start(&f, "IMAP4rev1");
	struct imap_search *q = imap_search_and(imap_search_key(IMAP_SK_UNSEEN),
						imap_search_str(IMAP_SK_FROM, "Smith"));
	imap_op_search(f.s, q, &(struct imap_search_opts){.uid = true}, on_search, &a);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID SEARCH UNSEEN FROM Smith"));
	fake_replyf(&f, "* SEARCH 4 2 3 9 8 10\r\n%s OK SEARCH completed\r\n", t);
	assert_string_equal(a.text, "esearch=0 present=f min=2 max=10 count=6 all=2:4,8:10");
	imap_search_free(&q);
	/* CHARSET for non-ASCII; ESEARCH asked but not offered: computed here */
	q = imap_search_str(IMAP_SK_SUBJECT, "Reçu");
	imap_op_search(f.s, q, &(struct imap_search_opts){.ret = IMAP_SEARCH_RET_COUNT}, on_search, &b);
	fake_expect(&f, "SEARCH CHARSET UTF-8 SUBJECT {5}");
	snprintf(t, sizeof t, "%s", f.tag);
	fake_reply(&f, "+ go\r\n");
	fake_take_raw(&f, "Reçu\r\n", 7);
	fake_replyf(&f, "* SEARCH\r\n%s OK\r\n", t);
	assert_string_equal(b.text, "esearch=0 present=f min=0 max=0 count=0");
	imap_search_free(&q);
	fake_stop(&f);
}

static void test_search_esearch_and_gmail(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0}, c = {0};
	start(&f, CAPS);
	struct imap_search *q = imap_search_str(IMAP_SK_X_GM_RAW, "has:attachment in:unread");
	imap_op_search(f.s, q, &(struct imap_search_opts){.uid = true, .ret = IMAP_SEARCH_RET_MIN |
			IMAP_SEARCH_RET_MAX | IMAP_SEARCH_RET_COUNT | IMAP_SEARCH_RET_ALL}, on_search, &a);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID SEARCH RETURN (MIN MAX COUNT ALL) X-GM-RAW \"has:attachment in:unread\""));
	fake_replyf(&f, "* ESEARCH (TAG \"%s\") UID MIN 123 MAX 12344 COUNT 3 ALL 123,5992,12344\r\n%s OK\r\n", t, t);
	assert_string_equal(a.text, "esearch=1 present=f min=123 max=12344 count=3 all=123,5992,12344");
	imap_search_free(&q);

	q = imap_search_num(IMAP_SK_X_GM_THRID, 1266894439832287888ULL);
	struct imap_search *q2 = imap_search_str(IMAP_SK_X_GM_LABELS, "Muy Importante");
	struct imap_search *q3 = imap_search_num(IMAP_SK_X_GM_MSGID, 1278455344230334865ULL);
	/* two searches submitted together: their untagged SEARCH carries no tag, so the second is
	 * not sent until the first is answered (IMAP_CMDF_EXCLUSIVE) */
	imap_op_search(f.s, q, &(struct imap_search_opts){.uid = true}, on_search, &b);
	imap_op_search(f.s, q2, &(struct imap_search_opts){.uid = true}, on_search, &c);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID SEARCH X-GM-THRID 1266894439832287888"));
	fake_replyf(&f, "* SEARCH 2 3 4\r\n%s OK\r\n", t);
	assert_string_equal(b.text, "esearch=0 present=f min=2 max=4 count=3 all=2:4");
	assert_int_equal(c.calls, 0);
	const char *t2 = fake_expect(&f, "UID SEARCH X-GM-LABELS \"Muy Importante\"");
	fake_replyf(&f, "* SEARCH 1\r\n%s OK\r\n", t2);
	assert_string_equal(c.text, "esearch=0 present=f min=1 max=1 count=1 all=1");
	struct cap d = {0};
	imap_op_search(f.s, q3, &(struct imap_search_opts){.uid = true}, on_search, &d);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID SEARCH X-GM-MSGID 1278455344230334865"));
	fake_replyf(&f, "* SEARCH 1 (MODSEQ 917162500)\r\n%s OK\r\n", t);
	assert_string_equal(d.text, "esearch=0 present=1f min=1 max=1 count=1 all=1 modseq=917162500");
	imap_search_free(&q);
	imap_search_free(&q2);
	imap_search_free(&q3);
	fake_stop(&f);
}

/* ---- COPY / MOVE ------------------------------------------------------------------------- */

static void test_copy(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0};
	start(&f, CAPS);
	imap_op_copy(f.s, true, set_of("4,3,10:12"), "[Gmail]/Trash", on_copy, &a);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID COPY 3:4,10:12 \"[Gmail]/Trash\""));
	fake_replyf(&f, "%s OK [COPYUID 38505 3,4,10:12 3956,3955,100:102] Done\r\n", t);
	assert_int_equal(a.status, IMAP_OP_OK);
	assert_string_equal(a.text, "copyuid=1 uidvalidity=38505 src=3,4,10:12 dst=3956,3955,100:102 move=0 expunged=0");
	imap_op_copy(f.s, false, set_of("2"), "Nope", on_copy, &b);
	fake_replyf(&f, "%s NO [TRYCREATE] No such mailbox\r\n", fake_expect(&f, "COPY 2 Nope"));
	assert_int_equal(b.status, IMAP_OP_NO);
	assert_int_equal(b.code, IMAP_CODE_TRYCREATE);
	fake_stop(&f);
}

static void test_move_native(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0};
	start(&f, CAPS);
	imap_op_move(f.s, true, set_of("42:43"), "Archive", on_copy, &a);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID MOVE 42:43 Archive"));
	fake_replyf(&f, "* OK [COPYUID 432432 42:43 1202:1203]\r\n* 12 EXPUNGE\r\n* 12 EXPUNGE\r\n%s OK Move completed\r\n", t);
	assert_string_equal(a.text, "copyuid=1 uidvalidity=432432 src=42:43 dst=1202:1203 move=1 expunged=1");
	fake_stop(&f);
}

static void test_move_fallback(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0}, c = {0};
	/* UIDPLUS, no MOVE: COPY, STORE, UID EXPUNGE */
	start(&f, "IMAP4rev1 UIDPLUS");
	imap_op_move(f.s, true, set_of("5,9"), "Archive", on_copy, &a);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID COPY 5,9 Archive"));
	fake_expect_nothing(&f); /* the next step waits for the COPY */
	fake_replyf(&f, "%s OK [COPYUID 7 5,9 20:21] copied\r\n", t);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID STORE 5,9 +FLAGS.SILENT (\\Deleted)"));
	fake_replyf(&f, "%s OK\r\n", t);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID EXPUNGE 5,9"));
	assert_int_equal(a.calls, 0);
	fake_replyf(&f, "* 3 EXPUNGE\r\n* 6 EXPUNGE\r\n%s OK\r\n", t);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, IMAP_OP_OK);
	assert_string_equal(a.text, "copyuid=1 uidvalidity=7 src=5,9 dst=20:21 move=0 expunged=1");

	/* by sequence number: the UIDs are fetched first */
	imap_op_move(f.s, false, set_of("2:3"), "Archive", on_copy, &b);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "FETCH 2:3 (UID)"));
	fake_replyf(&f, "* 2 FETCH (UID 30)\r\n* 3 FETCH (UID 31)\r\n%s OK\r\n", t);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID COPY 30:31 Archive"));
	fake_replyf(&f, "%s OK\r\n", t);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID STORE 30:31 +FLAGS.SILENT (\\Deleted)"));
	fake_replyf(&f, "%s OK\r\n", t);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID EXPUNGE 30:31"));
	fake_replyf(&f, "%s OK\r\n", t);
	assert_string_equal(b.text, "copyuid=0 uidvalidity=0 move=0 expunged=1");

	/* a failing COPY stops the chain */
	imap_op_move(f.s, true, set_of("1"), "Nope", on_copy, &c);
	fake_replyf(&f, "%s NO [TRYCREATE] no\r\n", fake_expect(&f, "UID COPY 1 Nope"));
	assert_int_equal(c.status, IMAP_OP_NO);
	fake_expect_nothing(&f);
	fake_stop(&f);

	/* neither MOVE nor UIDPLUS: left \Deleted */
	struct cap d = {0};
	start(&f, "IMAP4rev1");
	imap_op_move(f.s, true, set_of("8"), "Archive", on_copy, &d);
	fake_replyf(&f, "%s OK\r\n", fake_expect(&f, "UID COPY 8 Archive"));
	fake_replyf(&f, "%s OK\r\n", fake_expect(&f, "UID STORE 8 +FLAGS.SILENT (\\Deleted)"));
	assert_int_equal(d.status, IMAP_OP_OK);
	assert_string_equal(d.text, "copyuid=0 uidvalidity=0 move=0 expunged=0");
	fake_expect_nothing(&f);
	fake_stop(&f);
}

/* The fallback's later steps can fail: the COPYUID already learnt is kept, the status is the
 * failing step's. Cancelling a chained op silences it, and it still ends and frees itself. */
static void test_move_fallback_failure_and_cancel(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0};
	start(&f, "IMAP4rev1 UIDPLUS");
	imap_op_move(f.s, true, set_of("5"), "Archive", on_copy, &a);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID COPY 5 Archive"));
	fake_replyf(&f, "%s OK [COPYUID 7 5 20] copied\r\n", t);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID STORE 5 +FLAGS.SILENT (\\Deleted)"));
	fake_replyf(&f, "%s NO [CANNOT] read-only\r\n", t);
	assert_int_equal(a.status, IMAP_OP_NO);
	assert_int_equal(a.code, IMAP_CODE_CANNOT);
	assert_string_equal(a.text, "copyuid=1 uidvalidity=7 src=5 dst=20 move=0 expunged=0");
	fake_expect_nothing(&f);

	uint32_t id = imap_op_move(f.s, true, set_of("6"), "Archive", on_copy, &b);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID COPY 6 Archive"));
	fake_replyf(&f, "%s OK\r\n", t);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID STORE 6 +FLAGS.SILENT (\\Deleted)"));
	imap_op_cancel(f.s, id);
	fake_replyf(&f, "%s OK\r\n", t);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID EXPUNGE 6"));
	assert_int_equal(imap_op_pending(f.s), 1);
	fake_replyf(&f, "%s OK\r\n", t);
	assert_int_equal(b.calls, 0);
	assert_int_equal(imap_op_pending(f.s), 0);
	fake_stop(&f);
}

/* A SEARCH by sequence numbers waits for a UID command in flight (RFC 3501 5.5), and the search
 * data is still given to the right op. */
static void test_search_seq_waits(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0}, b = {0};
	start(&f, CAPS);
	struct imap_search *q1 = imap_search_key(IMAP_SK_FLAGGED), *q2 = imap_search_key(IMAP_SK_DELETED);
	imap_op_search(f.s, q1, &(struct imap_search_opts){.uid = true}, on_search, &a);
	imap_op_search(f.s, q2, NULL, on_search, &b);
	imap_search_free(&q1);
	imap_search_free(&q2);
	char t[32];
	snprintf(t, sizeof t, "%s", fake_expect(&f, "UID SEARCH FLAGGED"));
	fake_expect_nothing(&f);
	fake_replyf(&f, "* SEARCH 100 200\r\n%s OK\r\n", t);
	snprintf(t, sizeof t, "%s", fake_expect(&f, "SEARCH DELETED"));
	fake_replyf(&f, "* SEARCH 3\r\n%s OK\r\n", t);
	assert_string_equal(a.text, "esearch=0 present=f min=100 max=200 count=2 all=100,200");
	assert_string_equal(b.text, "esearch=0 present=f min=3 max=3 count=1 all=3");
	fake_stop(&f);
}

/* Ops that need a selected mailbox end ABORTED when none is. */
static void test_needs_selected(void **state)
{
	(void)state;
	struct fake f;
	struct cap a = {0};
	fake_start(&f, CAPS);
	imap_op_fetch(f.s, true, set_of("1"), &(struct imap_fetch_spec){.want = IMAP_FW_FLAGS}, &fetch_cb, &a);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, IMAP_OP_ABORTED);
	assert_non_null(strstr(a.message, "selected"));
	fake_expect_nothing(&f);
	fake_stop(&f);
}

/* Freeing the session from a per-message callback aborts the op cleanly. */
static void msg_frees(void *ctx, const struct imap_fetch_msg *m)
{
	(void)m;
	struct fake *f = ctx;
	imap_session_free(&f->s);
}

static int done_calls;
static void done_count(void *ctx, const struct imap_fetch_result *r)
{
	(void)ctx;
	done_calls++;
	assert_int_equal(r->op.status, IMAP_OP_ABORTED);
}

static void test_free_in_msg_callback(void **state)
{
	(void)state;
	struct fake f;
	start(&f, CAPS);
	struct imap_fetch_callbacks cb = {msg_frees, NULL, done_count};
	done_calls = 0;
	imap_op_fetch(f.s, true, set_of("1:*"), &(struct imap_fetch_spec){.want = IMAP_FW_FLAGS}, &cb, &f);
	fake_expect(&f, "UID FETCH 1:* (UID FLAGS)");
	fake_reply(&f, "* 1 FETCH (UID 1 FLAGS ())\r\n* 2 FETCH (UID 2 FLAGS ())\r\n");
	assert_null(f.s);
	assert_int_equal(done_calls, 1);
	assert_int_equal(imap_op_pending(NULL), 0);
	fake_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_commands),
		cmocka_unit_test(test_fetch_refusals),
		cmocka_unit_test(test_fetch_results),
		cmocka_unit_test(test_fetch_streamed_literal),
		cmocka_unit_test(test_fetch_chunk_stop_fails_connection),
		cmocka_unit_test(test_fetch_pipelined_routing),
		cmocka_unit_test(test_fetch_vanished),
		cmocka_unit_test(test_store_flags),
		cmocka_unit_test(test_store_labels),
		cmocka_unit_test(test_search_plain),
		cmocka_unit_test(test_search_esearch_and_gmail),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_move_native),
		cmocka_unit_test(test_move_fallback),
		cmocka_unit_test(test_move_fallback_failure_and_cancel),
		cmocka_unit_test(test_search_seq_waits),
		cmocka_unit_test(test_needs_selected),
		cmocka_unit_test(test_free_in_msg_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
