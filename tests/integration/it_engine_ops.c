/*
 * it_engine_ops — every operation of src/imap/ops.h against Dovecot and the Gmail emulation,
 * asserting the servers' real state (a second connection reads back what the first changed).
 * Each test works in mailboxes of its own so the tests do not depend on each other.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "imap/search.h"
#include "it_engine_util.h"

static void connect_ok(struct it_conn *c, const struct it_server *srv, const struct it_conn_opts *o)
{
	static const struct it_conn_opts def = {.tls = CONFIG_TLS_IMPLICIT};
	if (it_connect(c, srv, o ? o : &def) != 0)
		fail_msg("%s: cannot connect: %s", srv->name, c->why);
}

static void create_ok(struct it_conn *c, const char *name)
{
	char msg[512];
	enum imap_op_status st = it_mbox(c, imap_op_create, name, msg, sizeof msg);
	if (st != IMAP_OP_OK)
		fail_msg("CREATE %s: %s %s", name, imap_op_status_name(st), msg);
}

static void select_ok(struct it_conn *c, const char *name, bool examine, struct it_select *sel)
{
	enum imap_op_status st = it_select(c, name, examine, NULL, sel);
	if (st != IMAP_OP_OK)
		fail_msg("SELECT %s: %s %s", name, imap_op_status_name(st), sel->r.message);
}

static uint32_t append_ok(struct it_conn *c, const char *mailbox, const char *subject, size_t att,
			  const struct imap_append_opts *o, char **msg_out, size_t *len_out)
{
	size_t len;
	char *msg = it_make_message(subject, att, &len);
	uint32_t uid = 0;
	if (it_append(c, mailbox, msg, len, o, NULL, &uid) != IMAP_OP_OK)
		fail_msg("APPEND to %s failed", mailbox);
	assert_true(uid > 0);
	if (msg_out) {
		*msg_out = msg;
		*len_out = len;
	} else {
		free(msg);
	}
	return uid;
}

static const char *uidtext(uint32_t uid)
{
	static char b[4][16];
	static int i;
	char *p = b[i++ % 4];
	snprintf(p, 16, "%u", uid);
	return p;
}

/* The flags of one message as a second connection sees them. */
static uint32_t flags_of(struct it_conn *c, uint32_t uid, char *text, size_t cap)
{
	struct it_fetch f;
	assert_int_equal(it_fetch(c, true, uidtext(uid), &(struct imap_fetch_spec){.want = IMAP_FW_FLAGS}, &f),
			 IMAP_OP_OK);
	const struct it_msg *m = it_fetch_uid(&f, uid);
	if (!m)
		fail_msg("UID %u not found", uid);
	uint32_t sys = m->flags_sys & ~(uint32_t)IMAP_FLAG_RECENT;
	if (text)
		snprintf(text, cap, "%s", m->flags);
	it_fetch_free(&f);
	return sys;
}

/* ---- server: CAPABILITY, NOOP, NAMESPACE, ID, ENABLE -------------------------------------- */

struct id_cap {
	struct it_res r;
	char name[128];
	size_t n;
};

static void on_id(void *ctx, const struct imap_id_result *r)
{
	struct id_cap *c = ctx;
	c->r.done = true;
	c->r.status = r->op.status;
	c->n = r->n;
	for (size_t i = 0; i < r->n; i++)
		if (strcasecmp(r->keys[i], "name") == 0 && r->values[i])
			snprintf(c->name, sizeof c->name, "%s", r->values[i]);
}

struct strings_cap {
	struct it_res r;
	char text[4096];
};

static void on_strings(void *ctx, const struct imap_strings_result *r)
{
	struct strings_cap *c = ctx;
	c->r.done = true;
	c->r.status = r->op.status;
	c->text[0] = ' ';
	c->text[1] = '\0';
	for (size_t i = 0; i < r->n; i++) {
		strncat(c->text, r->v[i], sizeof c->text - strlen(c->text) - 2);
		strcat(c->text, " ");
	}
}

struct ns_cap {
	struct it_res r;
	size_t n_personal;
	char prefix[64];
	char delim;
};

static void on_ns(void *ctx, const struct imap_namespace_result *r)
{
	struct ns_cap *c = ctx;
	c->r.done = true;
	c->r.status = r->op.status;
	c->n_personal = r->personal.n;
	if (r->personal.n) {
		snprintf(c->prefix, sizeof c->prefix, "%s", r->personal.v[0].prefix);
		c->delim = r->personal.v[0].delim;
	}
}

void test_server_ops(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	connect_ok(&c, srv, NULL);
	assert_int_equal(it_simple(&c, "NOOP", imap_op_noop), IMAP_OP_OK);

	struct strings_cap caps = {0};
	imap_op_capability(c.s, on_strings, &caps);
	IT_WAIT(caps.r.done, "CAPABILITY");
	assert_int_equal(caps.r.status, IMAP_OP_OK);
	assert_non_null(strstr(caps.text, " IMAP4rev1 "));
	assert_int_equal(strstr(caps.text, " X-GM-EXT-1 ") != NULL, srv->gmail);

	struct ns_cap ns = {0};
	imap_op_namespace(c.s, on_ns, &ns);
	IT_WAIT(ns.r.done, "NAMESPACE");
	assert_int_equal(ns.r.status, IMAP_OP_OK);
	assert_int_equal(ns.n_personal, 1);
	assert_string_equal(ns.prefix, "");
	assert_int_equal(ns.delim, '/');

	struct id_cap id = {0};
	const char *fields[] = {"name", "skua", "version", "0.1"};
	imap_op_id(c.s, fields, 2, on_id, &id);
	IT_WAIT(id.r.done, "ID");
	assert_int_equal(id.r.status, IMAP_OP_OK);
	assert_string_equal(id.name, srv->gmail ? "GImap" : "Dovecot");

	/* the session was told not to enable CONDSTORE: ENABLE it now */
	assert_false(imap_session_enabled(c.s, "CONDSTORE"));
	struct strings_cap en = {0};
	imap_op_enable(c.s, (const char *const[]){"CONDSTORE"}, 1, on_strings, &en);
	IT_WAIT(en.r.done, "ENABLE");
	assert_int_equal(en.r.status, IMAP_OP_OK);
	assert_non_null(strstr(en.text, " CONDSTORE "));
	assert_true(imap_session_enabled(c.s, "CONDSTORE"));
	it_close(&c);
}

/* ---- mailboxes: CREATE, LIST, LSUB, SUBSCRIBE, STATUS, RENAME, DELETE ---------------------- */

void test_mailbox_ops(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c, d;
	connect_ok(&c, srv, NULL);
	connect_ok(&d, srv, NULL);
	const char *name = "skua-it-mbox/Reçus 日本";
	const char *renamed = "skua-it-mbox/Renamed ✓";
	char msg[512];
	create_ok(&c, name);
	assert_int_equal(it_mbox(&c, imap_op_create, name, msg, sizeof msg), IMAP_OP_NO);
	assert_true(strlen(msg) > 0);

	/* the other connection sees it, with its raw modified UTF-7 name */
	struct it_list *l = calloc(1, sizeof *l);
	assert_non_null(l);
	assert_int_equal(it_list(&d, false, "", "skua-it-mbox/*", NULL, l), IMAP_OP_OK);
	const struct it_mbox *m = it_list_find(l, name);
	if (!m)
		fail_msg("LIST does not show %s (%zu entries)", name, l->n);
	assert_string_equal(m->raw, "skua-it-mbox/Re&AOc-us &ZeVnLA-");
	assert_int_equal(m->delim, '/');

	assert_int_equal(it_mbox(&c, imap_op_subscribe, name, NULL, 0), IMAP_OP_OK);
	assert_int_equal(it_list(&d, true, "", "skua-it-mbox/*", NULL, l), IMAP_OP_OK);
	assert_non_null(it_list_find(l, name));
	assert_int_equal(it_mbox(&c, imap_op_unsubscribe, name, NULL, 0), IMAP_OP_OK);
	assert_int_equal(it_list(&d, true, "", "skua-it-mbox/*", NULL, l), IMAP_OP_OK);
	assert_null(it_list_find(l, name));

	struct imap_mailbox_status st;
	assert_int_equal(it_status(&d, name, IMAP_SI_MESSAGES | IMAP_SI_UIDNEXT | IMAP_SI_UIDVALIDITY |
						IMAP_SI_UNSEEN, &st), IMAP_OP_OK);
	assert_int_equal(st.present & 0x1d, 0x1d);
	assert_int_equal(st.messages, 0);
	assert_true(st.uidvalidity > 0);
	assert_true(st.uidnext > 0);

	assert_int_equal(it_mbox(&c, imap_op_delete, "skua-it-no-such", msg, sizeof msg), IMAP_OP_NO);
	/* RENAME, then the old name is gone and the new one there */
	assert_int_equal(it_rename(&c, name, renamed), IMAP_OP_OK);
	assert_int_equal(it_list(&d, false, "", "skua-it-mbox/*", NULL, l), IMAP_OP_OK);
	assert_null(it_list_find(l, name));
	assert_non_null(it_list_find(l, renamed));

	assert_int_equal(it_mbox(&c, imap_op_delete, renamed, NULL, 0), IMAP_OP_OK);
	assert_int_equal(it_list(&d, false, "", "skua-it-mbox/*", NULL, l), IMAP_OP_OK);
	assert_null(it_list_find(l, renamed));
	struct it_select sel;
	assert_int_equal(it_select(&c, renamed, false, NULL, &sel), IMAP_OP_NO);
	assert_true(strlen(sel.r.message) > 0);
	it_select_free(&sel);
	it_mbox(&c, imap_op_delete, "skua-it-mbox", NULL, 0); /* the parent, where one was made */
	free(l);
	it_close(&d);
	it_close(&c);
}

/* LIST with SPECIAL-USE selection and return options, and LIST-STATUS. */
void test_list_special_status(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	connect_ok(&c, srv, NULL);
	assert_true(imap_session_has_cap(c.s, "SPECIAL-USE"));
	struct it_list *all = calloc(1, sizeof *all), *special = calloc(1, sizeof *special);
	assert_non_null(all);
	assert_non_null(special);
	struct imap_list_opts o = {.status = IMAP_SI_MESSAGES | IMAP_SI_UNSEEN};
	assert_int_equal(it_list(&c, false, "", "*", &o, all), IMAP_OP_OK);
	const struct it_mbox *inbox = it_list_find(all, "INBOX");
	assert_non_null(inbox);
	bool list_status = imap_session_has_cap(c.s, "LIST-STATUS");
	if (list_status) {
		assert_true(inbox->has_status);
		assert_int_equal(inbox->st.messages, it_messages(&c, "INBOX"));
	}
	struct imap_list_opts so = {.select = IMAP_LIST_SEL_SPECIAL_USE, .ret = IMAP_LIST_RET_SPECIAL_USE,
				    .status = IMAP_SI_MESSAGES};
	assert_int_equal(it_list(&c, false, "", "*", &so, special), IMAP_OP_OK);
	assert_true(special->n > 0);
	assert_true(special->n < all->n);
	uint32_t seen = 0;
	for (size_t i = 0; i < special->n; i++) {
		const struct it_mbox *e = &special->v[i];
		seen |= e->attr;
		if (list_status && !(e->attr & IMAP_MBOX_NOSELECT)) {
			assert_true(e->has_status);
			assert_int_equal(e->st.messages, it_messages(&c, e->name));
		}
	}
	assert_true(seen & IMAP_MBOX_TRASH);
	assert_true(seen & IMAP_MBOX_SENT);
	assert_true(seen & IMAP_MBOX_JUNK);
	if (srv->gmail)
		assert_true(seen & IMAP_MBOX_ALL);
	else
		assert_true(seen & IMAP_MBOX_ARCHIVE);
	free(all);
	free(special);
	it_close(&c);
}

/* ---- SELECT, EXAMINE (CONDSTORE, QRESYNC), CHECK, UNSELECT, CLOSE ------------------------ */

void test_select_examine(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c, d;
	connect_ok(&c, srv, NULL);
	connect_ok(&d, srv, NULL);
	struct it_select sel;
	select_ok(&c, "INBOX", false, &sel);
	assert_true(sel.exists > 0);
	assert_int_equal(sel.exists, it_messages(&d, "INBOX"));
	assert_true(sel.present & IMAP_SEL_UIDVALIDITY);
	assert_true(sel.present & IMAP_SEL_UIDNEXT);
	assert_true(sel.present & IMAP_SEL_FLAGS);
	assert_true(sel.present & IMAP_SEL_PERMANENTFLAGS);
	assert_true(sel.flags_sys & IMAP_FLAG_SEEN);
	assert_false(sel.read_only);
	assert_int_equal(imap_session_state(c.s), IMAP_SESSION_SELECTED);
	struct imap_mailbox_status st;
	assert_int_equal(it_status(&d, "INBOX", IMAP_SI_UIDVALIDITY | IMAP_SI_UIDNEXT, &st), IMAP_OP_OK);
	assert_int_equal(st.uidvalidity, sel.uidvalidity);
	assert_int_equal(st.uidnext, sel.uidnext);
	assert_int_equal(it_simple(&c, "CHECK", imap_op_check), IMAP_OP_OK);
	it_select_free(&sel);

	select_ok(&c, "INBOX", true, &sel);
	assert_true(sel.read_only);
	assert_true(imap_session_read_only(c.s));
	it_select_free(&sel);
	assert_int_equal(it_simple(&c, "UNSELECT", imap_op_unselect), IMAP_OP_OK);
	assert_int_equal(imap_session_state(c.s), IMAP_SESSION_AUTH);

	struct imap_select_opts cs = {.condstore = true};
	assert_int_equal(it_select(&c, "INBOX", false, &cs, &sel), IMAP_OP_OK);
	assert_true(sel.present & IMAP_SEL_HIGHESTMODSEQ);
	assert_true(sel.highestmodseq > 0);
	it_select_free(&sel);
	assert_int_equal(it_simple(&c, "CLOSE", imap_op_close), IMAP_OP_OK);
	assert_int_equal(imap_session_state(c.s), IMAP_SESSION_AUTH);

	if (!imap_session_has_cap(c.s, "QRESYNC")) {
		assert_true(srv->gmail); /* Gmail has none */
		it_close(&d);
		it_close(&c);
		return;
	}
	/* QRESYNC: changes made since a known mod-sequence come back on SELECT */
	const char *q = "skua-it-qresync";
	create_ok(&c, q);
	uint32_t u1 = append_ok(&c, q, "q1", 10, NULL, NULL, NULL);
	uint32_t u2 = append_ok(&c, q, "q2", 10, NULL, NULL, NULL);
	uint32_t u3 = append_ok(&c, q, "q3", 10, NULL, NULL, NULL);
	assert_int_equal(it_select(&c, q, false, &cs, &sel), IMAP_OP_OK);
	uint32_t uidvalidity = sel.uidvalidity;
	uint64_t hms = sel.highestmodseq;
	it_select_free(&sel);
	struct imap_store_opts add = {.uid = true, .mode = IMAP_STORE_ADD, .silent = true};
	assert_int_equal(it_store(&c, uidtext(u1), &add, false, (const char *const[]){"\\Flagged"}, 1, NULL, NULL),
			 IMAP_OP_OK);
	assert_int_equal(it_store(&c, uidtext(u2), &add, false, (const char *const[]){"\\Deleted"}, 1, NULL, NULL),
			 IMAP_OP_OK);
	assert_int_equal(it_expunge(&c, uidtext(u2), NULL, NULL), IMAP_OP_OK);
	assert_int_equal(it_simple(&c, "UNSELECT", imap_op_unselect), IMAP_OP_OK);
	struct strings_cap en = {0};
	imap_op_enable(c.s, (const char *const[]){"QRESYNC"}, 1, on_strings, &en);
	IT_WAIT(en.r.done, "ENABLE QRESYNC");
	assert_true(imap_session_enabled(c.s, "QRESYNC"));
	char known[64];
	snprintf(known, sizeof known, "%u:%u", u1, u3);
	struct imap_select_opts qo = {.qresync = true, .uidvalidity = uidvalidity, .modseq = hms,
				      .known_uids = it_set(known)};
	assert_int_equal(it_select(&c, q, false, &qo, &sel), IMAP_OP_OK);
	assert_string_equal(it_set_text(&sel.vanished), uidtext(u2));
	assert_true(sel.n_fetch >= 1); /* u1's flag change */
	assert_int_equal(sel.exists, 2);
	it_select_free(&sel);
	assert_int_equal(it_simple(&c, "CLOSE", imap_op_close), IMAP_OP_OK);
	assert_int_equal(it_mbox(&c, imap_op_delete, q, NULL, 0), IMAP_OP_OK);
	it_close(&d);
	it_close(&c);
}

/* ---- FETCH: every item, sections, partial, PEEK, streaming, macros, CHANGEDSINCE ---------- */

static void expect_bytes(const struct it_msg *m, int k, const char *want, size_t n, const char *what)
{
	if (!m->part[k].seen)
		fail_msg("%s: no data came back", what);
	if (m->part[k].len != n || memcmp(m->part[k].data, want, n) != 0)
		fail_msg("%s: %zu bytes differ from the %zu expected (got \"%.60s\")", what, m->part[k].len, n,
			 m->part[k].data ? m->part[k].data : "NIL");
}

void test_fetch(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	connect_ok(&c, srv, NULL);
	const char *mb = "skua-it-fetch";
	create_ok(&c, mb);
	struct imap_append_opts ao = {.has_date = true, .date = 1706789100, .tz_minutes = 60};
	char *msg;
	size_t len;
	uint32_t uid = append_ok(&c, mb, "Fetch test ✓", 120000, &ao, &msg, &len);
	struct it_select sel;
	select_ok(&c, mb, false, &sel);
	it_select_free(&sel);

	/* the structure items */
	struct it_fetch f;
	struct imap_fetch_spec spec = {.want = IMAP_FW_UID | IMAP_FW_FLAGS | IMAP_FW_INTERNALDATE |
					       IMAP_FW_RFC822_SIZE | IMAP_FW_ENVELOPE | IMAP_FW_BODYSTRUCTURE |
					       IMAP_FW_BODY};
	assert_int_equal(it_fetch(&c, true, uidtext(uid), &spec, &f), IMAP_OP_OK);
	assert_int_equal(f.n, 1);
	const struct it_msg *m = &f.v[0];
	assert_int_equal(m->uid, uid);
	assert_int_equal(m->internaldate, 1706789100);
	assert_int_equal(m->size, len);
	assert_non_null(strstr(m->subject, "=?UTF-8?B?"));
	assert_string_equal(m->from, "skua-it@example.com");
	assert_int_equal(strcasecmp(m->body_type, "MULTIPART/MIXED"), 0);
	assert_int_equal(m->n_body_parts, 2);
	assert_int_equal(strcasecmp(m->simple_type, "MULTIPART/MIXED"), 0);
	assert_false(m->flags_sys & IMAP_FLAG_SEEN);
	it_fetch_free(&f);

	/* the whole message: a big literal, streamed to the chunk callback */
	static const struct imap_fetch_section whole = {.peek = true};
	assert_int_equal(it_fetch(&c, true, uidtext(uid), &(struct imap_fetch_spec){.n_sections = 1,
			 .sections = &whole}, &f), IMAP_OP_OK);
	assert_int_equal(f.n, 1);
	assert_true(f.v[0].part[0].streamed);
	assert_true(f.chunks > 1);
	expect_bytes(&f.v[0], 0, msg, len, "BODY.PEEK[]");
	it_fetch_free(&f);

	/* headers, text, a part, its MIME header, chosen fields, a partial range */
	const char *sep = strstr(msg, "\r\n\r\n");
	assert_non_null(sep);
	size_t hlen = (size_t)(sep - msg) + 4;
	const char *part1 = "Hello from skua's integration test.\r\nSecond line.";
	const struct imap_fetch_section secs[] = {
		{.text = IMAP_STEXT_HEADER, .peek = true},
		{.text = IMAP_STEXT_TEXT, .peek = true},
		{.part = "1", .peek = true},
		{.part = "1", .text = IMAP_STEXT_MIME, .peek = true},
		{.text = IMAP_STEXT_HEADER_FIELDS, .fields = (const char *const[]){"Subject", "From"},
		 .n_fields = 2, .peek = true},
		{.peek = true, .partial = true, .origin = 10, .length = 20},
	};
	assert_int_equal(it_fetch(&c, true, uidtext(uid), &(struct imap_fetch_spec){.want = IMAP_FW_FLAGS,
			 .n_sections = 6, .sections = secs}, &f), IMAP_OP_OK);
	m = &f.v[0];
	expect_bytes(m, 0, msg, hlen, "BODY.PEEK[HEADER]");
	expect_bytes(m, 1, msg + hlen, len - hlen, "BODY.PEEK[TEXT]");
	expect_bytes(m, 2, part1, strlen(part1), "BODY.PEEK[1]");
	const char *mime = "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
	expect_bytes(m, 3, mime, strlen(mime), "BODY.PEEK[1.MIME]");
	assert_true(m->part[4].seen);
	assert_non_null(strstr(m->part[4].data, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(m->part[4].data, "From: Skua Test <skua-it@example.com>\r\n"));
	assert_null(strstr(m->part[4].data, "To:"));
	expect_bytes(m, 5, msg + 10, 20, "BODY.PEEK[]<10.20>");
	it_fetch_free(&f);
	assert_false(flags_of(&c, uid, NULL, 0) & IMAP_FLAG_SEEN); /* PEEK left \Seen alone */

	/* RFC822.HEADER and RFC822.SIZE; then a non-PEEK section sets \Seen */
	assert_int_equal(it_fetch(&c, true, uidtext(uid), &(struct imap_fetch_spec){.want = IMAP_FW_RFC822_HEADER |
			 IMAP_FW_RFC822_SIZE}, &f), IMAP_OP_OK);
	expect_bytes(&f.v[0], 7, msg, hlen, "RFC822.HEADER");
	assert_int_equal(f.v[0].size, len);
	it_fetch_free(&f);
	const struct imap_fetch_section text10 = {.text = IMAP_STEXT_TEXT, .partial = true, .origin = 0,
						  .length = 10};
	assert_int_equal(it_fetch(&c, true, uidtext(uid), &(struct imap_fetch_spec){.n_sections = 1,
			 .sections = &text10}, &f), IMAP_OP_OK);
	expect_bytes(&f.v[0], 0, msg + hlen, 10, "BODY[TEXT]<0.10>");
	it_fetch_free(&f);
	assert_true(flags_of(&c, uid, NULL, 0) & IMAP_FLAG_SEEN);

	/* the macros, by sequence number */
	assert_int_equal(it_fetch(&c, false, "1", &(struct imap_fetch_spec){.want = IMAP_FW_FAST}, &f), IMAP_OP_OK);
	assert_int_equal(f.v[0].present & 0x1f, IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE | IMAP_FETCH_RFC822_SIZE);
	it_fetch_free(&f);
	assert_int_equal(it_fetch(&c, false, "1", &(struct imap_fetch_spec){.want = IMAP_FW_ALL}, &f), IMAP_OP_OK);
	assert_true(f.v[0].present & IMAP_FETCH_ENVELOPE);
	assert_false(f.v[0].present & IMAP_FETCH_BODY);
	it_fetch_free(&f);
	assert_int_equal(it_fetch(&c, false, "1", &(struct imap_fetch_spec){.want = IMAP_FW_FULL}, &f), IMAP_OP_OK);
	assert_true(f.v[0].present & IMAP_FETCH_ENVELOPE);
	assert_true(f.v[0].present & IMAP_FETCH_BODY);
	assert_int_equal(f.v[0].size, len);
	it_fetch_free(&f);
	assert_int_equal(it_fetch(&c, false, "1:*", &(struct imap_fetch_spec){.want = IMAP_FW_UID}, &f), IMAP_OP_OK);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].uid, uid);
	it_fetch_free(&f);

	/* MODSEQ and CHANGEDSINCE */
	assert_int_equal(it_fetch(&c, true, uidtext(uid), &(struct imap_fetch_spec){.want = IMAP_FW_MODSEQ}, &f),
			 IMAP_OP_OK);
	uint64_t ms = f.v[0].modseq;
	assert_true(ms > 0);
	it_fetch_free(&f);
	assert_int_equal(it_fetch(&c, true, "1:*", &(struct imap_fetch_spec){.want = IMAP_FW_FLAGS,
			 .changedsince = ms}, &f), IMAP_OP_OK);
	assert_int_equal(f.n, 0);
	it_fetch_free(&f);
	struct imap_store_opts add = {.uid = true, .mode = IMAP_STORE_ADD, .silent = true};
	assert_int_equal(it_store(&c, uidtext(uid), &add, false, (const char *const[]){"\\Flagged"}, 1, NULL, NULL),
			 IMAP_OP_OK);
	assert_int_equal(it_fetch(&c, true, "1:*", &(struct imap_fetch_spec){.want = IMAP_FW_FLAGS,
			 .changedsince = ms}, &f), IMAP_OP_OK);
	assert_int_equal(f.n, 1);
	assert_true(f.v[0].modseq > ms);
	assert_true(f.v[0].flags_sys & IMAP_FLAG_FLAGGED);
	it_fetch_free(&f);

	free(msg);
	assert_int_equal(it_simple(&c, "CLOSE", imap_op_close), IMAP_OP_OK);
	assert_int_equal(it_mbox(&c, imap_op_delete, mb, NULL, 0), IMAP_OP_OK);
	it_close(&c);
}

/* ---- SEARCH ------------------------------------------------------------------------------ */

static uint32_t search_count(struct it_conn *c, struct imap_search *q, bool uid)
{
	struct it_search s;
	if (it_search(c, q, &(struct imap_search_opts){.uid = uid}, &s) != IMAP_OP_OK)
		fail_msg("SEARCH failed: %s", s.r.message);
	uint32_t n = s.count;
	it_search_free(&s);
	return n;
}

void test_search(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	connect_ok(&c, srv, NULL);
	struct it_select sel;
	select_ok(&c, "INBOX", true, &sel);
	uint32_t exists = sel.exists;
	it_select_free(&sel);

	/* ALL: the UIDs a FETCH lists */
	struct it_search s;
	assert_int_equal(it_search(&c, imap_search_key(IMAP_SK_ALL), &(struct imap_search_opts){.uid = true}, &s),
			 IMAP_OP_OK);
	assert_int_equal(s.count, exists);
	struct it_fetch f;
	assert_int_equal(it_fetch(&c, false, "1:*", &(struct imap_fetch_spec){.want = IMAP_FW_UID |
			 IMAP_FW_ENVELOPE | IMAP_FW_RFC822_SIZE}, &f), IMAP_OP_OK);
	assert_int_equal(f.n, exists);
	struct seqset uids;
	seqset_init(&uids);
	for (size_t i = 0; i < f.n; i++)
		assert_int_equal(seqset_add(&uids, f.v[i].uid), SEQSET_OK);
	assert_string_equal(it_set_text(&s.all), it_set_text(&uids));
	seqset_free(&uids);
	it_search_free(&s);

	/* ESEARCH gives the same figures */
	struct it_search e;
	assert_int_equal(it_search(&c, imap_search_key(IMAP_SK_ALL), &(struct imap_search_opts){.uid = true,
			 .ret = IMAP_SEARCH_RET_MIN | IMAP_SEARCH_RET_MAX | IMAP_SEARCH_RET_COUNT}, &e), IMAP_OP_OK);
	assert_true(e.esearch);
	assert_int_equal(e.count, exists);
	assert_int_equal(e.min, f.v[0].uid);
	assert_int_equal(e.max, f.v[f.n - 1].uid);
	it_search_free(&e);

	/* flags partition the mailbox; OR and NOT compose */
	uint32_t seen = search_count(&c, imap_search_key(IMAP_SK_SEEN), false);
	uint32_t unseen = search_count(&c, imap_search_key(IMAP_SK_UNSEEN), false);
	assert_int_equal(seen + unseen, exists);
	assert_int_equal(search_count(&c, imap_search_or(imap_search_key(IMAP_SK_SEEN),
							 imap_search_key(IMAP_SK_UNSEEN)), false), exists);
	assert_int_equal(search_count(&c, imap_search_not(imap_search_key(IMAP_SK_ALL)), false), 0);
	assert_int_equal(search_count(&c, imap_search_and(imap_search_key(IMAP_SK_SEEN),
							  imap_search_key(IMAP_SK_UNSEEN)), false), 0);

	/* the first message by sender, size and UID */
	const struct it_msg *first = &f.v[0];
	char fromaddr[256];
	snprintf(fromaddr, sizeof fromaddr, "%s", first->from);
	assert_int_equal(it_search(&c, imap_search_str(IMAP_SK_FROM, fromaddr), &(struct imap_search_opts){.uid = true}, &s),
			 IMAP_OP_OK);
	assert_true(seqset_contains(&s.all, first->uid));
	it_search_free(&s);
	assert_int_equal(it_search(&c, imap_search_and(imap_search_num(IMAP_SK_LARGER, first->size - 1),
			 imap_search_num(IMAP_SK_SMALLER, first->size + 1)), &(struct imap_search_opts){.uid = true}, &s),
			 IMAP_OP_OK);
	assert_true(seqset_contains(&s.all, first->uid));
	it_search_free(&s);
	assert_int_equal(it_search(&c, imap_search_set(IMAP_SK_UID, it_set(uidtext(first->uid))),
			 &(struct imap_search_opts){.uid = true}, &s), IMAP_OP_OK);
	assert_string_equal(it_set_text(&s.all), uidtext(first->uid));
	it_search_free(&s);
	assert_int_equal(search_count(&c, imap_search_set(IMAP_SK_SEQSET, it_set("1:2")), false), exists >= 2 ? 2 : 1);
	it_fetch_free(&f);
	assert_int_equal(it_simple(&c, "CLOSE", imap_op_close), IMAP_OP_OK);

	/* text keys, CHARSET UTF-8, sent dates: in a mailbox of our own */
	const char *mb = "skua-it-search";
	create_ok(&c, mb);
	/* internal date = the Date: header (the Gmail emulation answers SENT* from the internal date) */
	struct imap_append_opts ao = {.has_date = true, .date = 1706789100, .tz_minutes = 60};
	uint32_t u1 = append_ok(&c, mb, "Reçu d'été skua", 10, &ao, NULL, NULL);
	uint32_t u2 = append_ok(&c, mb, "plain subject", 10, &ao, NULL, NULL);
	select_ok(&c, mb, true, &sel);
	it_select_free(&sel);
	assert_int_equal(it_search(&c, imap_search_str(IMAP_SK_SUBJECT, "Reçu d'été"), &(struct imap_search_opts){.uid = true},
			 &s), IMAP_OP_OK);
	assert_string_equal(it_set_text(&s.all), uidtext(u1));
	it_search_free(&s);
	assert_int_equal(it_search(&c, imap_search_str(IMAP_SK_SUBJECT, "plain"), &(struct imap_search_opts){.uid = true},
			 &s), IMAP_OP_OK);
	assert_string_equal(it_set_text(&s.all), uidtext(u2));
	it_search_free(&s);
	assert_int_equal(search_count(&c, imap_search_str(IMAP_SK_BODY, "integration test"), true), 2);
	assert_int_equal(search_count(&c, imap_search_str(IMAP_SK_TEXT, "Second line"), true), 2);
	assert_int_equal(search_count(&c, imap_search_header("Message-ID", "skua.test"), true), 2);
	assert_int_equal(search_count(&c, imap_search_and(imap_search_date(IMAP_SK_SENTSINCE,
							  (struct imap_date){2024, 2, 1}),
							  imap_search_date(IMAP_SK_SENTBEFORE,
							  (struct imap_date){2024, 2, 2})), true), 2);
	assert_int_equal(search_count(&c, imap_search_date(IMAP_SK_SENTON, (struct imap_date){2024, 2, 2}), true), 0);
	assert_int_equal(it_simple(&c, "CLOSE", imap_op_close), IMAP_OP_OK);
	assert_int_equal(it_mbox(&c, imap_op_delete, mb, NULL, 0), IMAP_OP_OK);
	it_close(&c);
}

/* ---- STORE, read back from a second connection ------------------------------------------- */

void test_store(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c, d;
	connect_ok(&c, srv, NULL);
	connect_ok(&d, srv, NULL);
	const char *mb = "skua-it-store";
	create_ok(&c, mb);
	uint32_t u1 = append_ok(&c, mb, "store 1", 10, NULL, NULL, NULL);
	uint32_t u2 = append_ok(&c, mb, "store 2", 10, NULL, NULL, NULL);
	struct it_select sel, sel2;
	select_ok(&c, mb, false, &sel);
	select_ok(&d, mb, true, &sel2);
	it_select_free(&sel2);
	char text[512];

	struct it_fetch got;
	struct imap_store_opts add = {.uid = true, .mode = IMAP_STORE_ADD};
	assert_int_equal(it_store(&c, uidtext(u1), &add, false, (const char *const[]){"\\Flagged", "\\Answered"}, 2,
				  &got, NULL), IMAP_OP_OK);
	assert_int_equal(got.n, 1); /* the new flags came back */
	assert_int_equal(got.v[0].uid, u1);
	assert_true(got.v[0].flags_sys & IMAP_FLAG_FLAGGED);
	it_fetch_free(&got);
	assert_int_equal(flags_of(&d, u1, NULL, 0), IMAP_FLAG_FLAGGED | IMAP_FLAG_ANSWERED);

	if (sel.perm_wildcard) {
		assert_int_equal(it_store(&c, uidtext(u1), &add, false, (const char *const[]){"$SkuaTest"}, 1, NULL,
					  NULL), IMAP_OP_OK);
		flags_of(&d, u1, text, sizeof text);
		assert_non_null(strstr(text, "$SkuaTest"));
	}
	struct imap_store_opts rm = {.uid = true, .mode = IMAP_STORE_REMOVE, .silent = true};
	assert_int_equal(it_store(&c, uidtext(u1), &rm, false, (const char *const[]){"\\Answered"}, 1, NULL, NULL),
			 IMAP_OP_OK);
	assert_int_equal(flags_of(&d, u1, NULL, 0), IMAP_FLAG_FLAGGED);
	struct imap_store_opts set = {.uid = true, .mode = IMAP_STORE_SET, .silent = true};
	assert_int_equal(it_store(&c, uidtext(u1), &set, false, (const char *const[]){"\\Seen"}, 1, NULL, NULL),
			 IMAP_OP_OK);
	assert_int_equal(flags_of(&d, u1, text, sizeof text), IMAP_FLAG_SEEN);
	assert_null(strstr(text, "$SkuaTest"));
	/* by sequence number */
	struct imap_store_opts seq = {.mode = IMAP_STORE_ADD, .silent = true};
	assert_int_equal(it_store(&c, "2", &seq, false, (const char *const[]){"\\Draft"}, 1, NULL, NULL), IMAP_OP_OK);
	assert_int_equal(flags_of(&d, u2, NULL, 0), IMAP_FLAG_DRAFT);

	/* UNCHANGEDSINCE: a current mod-sequence stores, a stale one comes back as MODIFIED */
	struct it_fetch f;
	assert_int_equal(it_fetch(&c, true, uidtext(u1), &(struct imap_fetch_spec){.want = IMAP_FW_MODSEQ}, &f),
			 IMAP_OP_OK);
	uint64_t ms = f.v[0].modseq;
	it_fetch_free(&f);
	struct seqset modified;
	seqset_init(&modified);
	struct imap_store_opts cond = {.uid = true, .mode = IMAP_STORE_ADD, .silent = true,
				       .has_unchangedsince = true, .unchangedsince = ms};
	assert_int_equal(it_store(&c, uidtext(u1), &cond, false, (const char *const[]){"\\Flagged"}, 1, NULL,
				  &modified), IMAP_OP_OK);
	assert_true(seqset_is_empty(&modified));
	cond.mode = IMAP_STORE_REMOVE;
	assert_int_equal(it_store(&c, uidtext(u1), &cond, false, (const char *const[]){"\\Flagged"}, 1, NULL,
				  &modified), IMAP_OP_OK);
	assert_string_equal(it_set_text(&modified), uidtext(u1));
	assert_int_equal(flags_of(&d, u1, NULL, 0), IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED);
	seqset_free(&modified);
	it_select_free(&sel);
	assert_int_equal(it_simple(&c, "CLOSE", imap_op_close), IMAP_OP_OK);
	assert_int_equal(it_simple(&d, "CLOSE", imap_op_close), IMAP_OP_OK);
	assert_int_equal(it_mbox(&c, imap_op_delete, mb, NULL, 0), IMAP_OP_OK);
	it_close(&d);
	it_close(&c);
}

/* ---- COPY, MOVE, EXPUNGE, UID EXPUNGE, with STATUS of both mailboxes ---------------------- */

void test_copy_move_expunge(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c, d;
	connect_ok(&c, srv, NULL);
	connect_ok(&d, srv, NULL);
	const char *a = "skua-it-A", *b = "skua-it-B Reçus";
	create_ok(&c, a);
	create_ok(&c, b);
	uint32_t u[4];
	for (int i = 0; i < 4; i++)
		u[i] = append_ok(&c, a, "copy/move", 10, NULL, NULL, NULL);
	assert_int_equal(it_messages(&d, a), 4);
	struct it_select sel;
	select_ok(&c, a, false, &sel);
	it_select_free(&sel);

	struct it_copy cp;
	assert_int_equal(it_copy(&c, false, true, uidtext(u[0]), b, &cp), IMAP_OP_OK);
	assert_true(cp.has_copyuid);
	assert_string_equal(it_set_text(&cp.src), uidtext(u[0]));
	assert_int_equal(seqset_count(&cp.dst), 1);
	uint32_t copied = cp.dst.r[0].lo;
	it_copy_free(&cp);
	assert_int_equal(it_messages(&d, a), 4);
	assert_int_equal(it_messages(&d, b), 1);
	struct it_select sb;
	select_ok(&d, b, true, &sb);
	assert_int_equal(sb.uidvalidity, sb.uidvalidity);
	it_select_free(&sb);
	struct it_fetch f;
	assert_int_equal(it_fetch(&d, true, uidtext(copied), &(struct imap_fetch_spec){.want = IMAP_FW_UID}, &f),
			 IMAP_OP_OK);
	assert_int_equal(f.n, 1);
	it_fetch_free(&f);
	assert_int_equal(it_simple(&d, "CLOSE", imap_op_close), IMAP_OP_OK);

	assert_int_equal(it_copy(&c, true, true, uidtext(u[1]), b, &cp), IMAP_OP_OK);
	assert_true(cp.used_move);
	assert_true(cp.expunged);
	assert_true(cp.has_copyuid);
	assert_string_equal(it_set_text(&cp.src), uidtext(u[1]));
	it_copy_free(&cp);
	assert_int_equal(it_messages(&d, a), 3);
	assert_int_equal(it_messages(&d, b), 2);

	/* MOVE by sequence number: message 2 is u[2] now (u[0] is also in B already: on Gmail a COPY
	 * only added a label, so moving u[0] would not add a message to B) */
	assert_int_equal(it_copy(&c, true, false, "2", b, &cp), IMAP_OP_OK);
	it_copy_free(&cp);
	assert_int_equal(it_messages(&d, a), 2);
	assert_int_equal(it_messages(&d, b), 3);

	struct imap_store_opts del = {.uid = true, .mode = IMAP_STORE_ADD, .silent = true};
	assert_int_equal(it_store(&c, uidtext(u[3]), &del, false, (const char *const[]){"\\Deleted"}, 1, NULL, NULL),
			 IMAP_OP_OK);
	size_t n = 0;
	struct seqset vanished;
	seqset_init(&vanished);
	assert_int_equal(it_expunge(&c, uidtext(u[3]), &n, &vanished), IMAP_OP_OK);
	assert_int_equal(n + seqset_count(&vanished), 1);
	seqset_free(&vanished);
	assert_int_equal(it_messages(&d, a), 1);
	assert_int_equal(it_store(&c, "1:*", &(struct imap_store_opts){.mode = IMAP_STORE_ADD, .silent = true},
				  false, (const char *const[]){"\\Deleted"}, 1, NULL, NULL), IMAP_OP_OK);
	assert_int_equal(it_expunge(&c, NULL, &n, NULL), IMAP_OP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(it_messages(&d, a), 0);
	assert_int_equal(it_messages(&d, b), 3);
	assert_int_equal(it_simple(&c, "CLOSE", imap_op_close), IMAP_OP_OK);
	assert_int_equal(it_mbox(&c, imap_op_delete, a, NULL, 0), IMAP_OP_OK);
	assert_int_equal(it_mbox(&c, imap_op_delete, b, NULL, 0), IMAP_OP_OK);
	it_close(&d);
	it_close(&c);
}

/* ---- Gmail: X-GM-MSGID, X-GM-THRID, X-GM-LABELS, X-GM-RAW ---------------------------------- */

static const char *label_list(struct it_conn *c, uint32_t uid)
{
	static char out[1100];
	struct it_fetch f;
	assert_int_equal(it_fetch(c, true, uidtext(uid), &(struct imap_fetch_spec){.want = IMAP_FW_GM_LABELS}, &f),
			 IMAP_OP_OK);
	assert_int_equal(f.n, 1);
	snprintf(out, sizeof out, "|%s|", f.v[0].labels);
	it_fetch_free(&f);
	return out;
}

void test_gmail_ext(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c, d;
	connect_ok(&c, srv, NULL);
	connect_ok(&d, srv, NULL);
	char subject[64];
	snprintf(subject, sizeof subject, "skua-gm-%ld", (long)getpid());
	char req[512];
	snprintf(req, sizeof req, "{\"op\":\"deliver\",\"from\":\"Gm Test <gm@example.com>\",\"to\":\"skua@example.com\","
				  "\"subject\":\"%s\",\"body\":\"labels\\n\",\"labels\":[\"\\\\Inbox\"]}", subject);
	char *r = it_gmail_control(req);
	assert_non_null(strstr(r, "\"ok\": true"));
	free(r);

	struct it_select sel;
	select_ok(&c, "INBOX", false, &sel);
	uint32_t inbox_before = sel.exists;
	it_select_free(&sel);
	select_ok(&d, "INBOX", true, &sel);
	it_select_free(&sel);

	struct it_search s;
	assert_int_equal(it_search(&c, imap_search_str(IMAP_SK_X_GM_RAW, subject), &(struct imap_search_opts){.uid = true},
				   &s), IMAP_OP_OK);
	assert_int_equal(s.count, 1);
	uint32_t uid = s.min;
	it_search_free(&s);

	struct it_fetch f;
	assert_int_equal(it_fetch(&c, true, uidtext(uid), &(struct imap_fetch_spec){.want = IMAP_FW_GM_MSGID |
			 IMAP_FW_GM_THRID | IMAP_FW_GM_LABELS | IMAP_FW_ENVELOPE}, &f), IMAP_OP_OK);
	assert_int_equal(f.n, 1);
	uint64_t msgid = f.v[0].gm_msgid, thrid = f.v[0].gm_thrid;
	assert_true(msgid != 0 && thrid != 0);
	assert_string_equal(f.v[0].subject, subject);
	it_fetch_free(&f);
	assert_int_equal(it_search(&c, imap_search_num(IMAP_SK_X_GM_MSGID, msgid), &(struct imap_search_opts){.uid = true},
				   &s), IMAP_OP_OK);
	assert_string_equal(it_set_text(&s.all), uidtext(uid));
	it_search_free(&s);
	assert_int_equal(it_search(&c, imap_search_num(IMAP_SK_X_GM_THRID, thrid), &(struct imap_search_opts){.uid = true},
				   &s), IMAP_OP_OK);
	assert_true(seqset_contains(&s.all, uid));
	it_search_free(&s);

	/* labels in (UTF-8, spaces, system labels) and out, read back by another connection and by
	 * the server's own view */
	struct imap_store_opts add = {.uid = true, .mode = IMAP_STORE_ADD, .silent = true};
	const char *const labels[] = {"Travel Plans", "\\Important", "Reçus 日本"};
	assert_int_equal(it_store(&c, uidtext(uid), &add, true, labels, 3, NULL, NULL), IMAP_OP_OK);
	const char *l = label_list(&d, uid);
	assert_non_null(strstr(l, "|Travel Plans|"));
	assert_non_null(strstr(l, "|\\Important|"));
	assert_non_null(strstr(l, "|Reçus 日本|"));
	snprintf(req, sizeof req, "{\"op\":\"message\",\"msgid\":%llu}", (unsigned long long)msgid);
	r = it_gmail_control(req);
	assert_non_null(strstr(r, "Travel Plans"));
	free(r);
	assert_int_equal(it_search(&c, imap_search_str(IMAP_SK_X_GM_LABELS, "Reçus 日本"),
				   &(struct imap_search_opts){.uid = true}, &s), IMAP_OP_OK);
	assert_string_equal(it_set_text(&s.all), uidtext(uid));
	it_search_free(&s);
	assert_int_equal(it_messages(&d, "Reçus 日本"), 1); /* a label is a folder */

	struct imap_store_opts rm = {.uid = true, .mode = IMAP_STORE_REMOVE};
	struct it_fetch got;
	assert_int_equal(it_store(&c, uidtext(uid), &rm, true, (const char *const[]){"Travel Plans"}, 1, &got, NULL),
			 IMAP_OP_OK);
	assert_int_equal(got.n, 1);
	assert_null(strstr(got.v[0].labels, "Travel Plans"));
	it_fetch_free(&got);
	l = label_list(&d, uid);
	assert_null(strstr(l, "|Travel Plans|"));
	assert_non_null(strstr(l, "|Reçus 日本|"));

	struct imap_store_opts set = {.uid = true, .mode = IMAP_STORE_SET, .silent = true};
	assert_int_equal(it_store(&c, uidtext(uid), &set, true, (const char *const[]){"\\Inbox", "Solo"}, 2, NULL, NULL),
			 IMAP_OP_OK);
	l = label_list(&d, uid);
	assert_non_null(strstr(l, "|Solo|"));
	assert_null(strstr(l, "Reçus"));
	assert_null(strstr(l, "Important"));

	/* archive: remove \Inbox; the message leaves INBOX */
	assert_int_equal(it_store(&c, uidtext(uid), &rm, true, (const char *const[]){"\\Inbox"}, 1, NULL, NULL),
			 IMAP_OP_OK);
	assert_int_equal(it_messages(&d, "INBOX"), inbox_before - 1);
	assert_int_equal(it_messages(&d, "Solo"), 1);
	assert_int_equal(it_simple(&c, "CLOSE", imap_op_close), IMAP_OP_OK);
	it_close(&d);
	it_close(&c);
}

/* UTF8=ACCEPT: names go out and come back as UTF-8. */
void test_utf8_accept(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	struct it_conn_opts o = {.tls = CONFIG_TLS_IMPLICIT, .utf8 = true};
	connect_ok(&c, srv, &o);
	assert_true(imap_session_enabled(c.s, "UTF8=ACCEPT"));
	const char *name = "skua-it-utf8 Ünïcödé";
	create_ok(&c, name);
	struct it_list *l = calloc(1, sizeof *l);
	assert_non_null(l);
	assert_int_equal(it_list(&c, false, "", "skua-it-utf8*", NULL, l), IMAP_OP_OK);
	const struct it_mbox *m = it_list_find(l, name);
	assert_non_null(m);
	assert_string_equal(m->raw, name);
	assert_int_equal(it_messages(&c, name), 0);
	assert_int_equal(it_mbox(&c, imap_op_delete, name, NULL, 0), IMAP_OP_OK);
	free(l);
	it_close(&c);
}
