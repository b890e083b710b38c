/*
 * it_engine — the engine against real servers: Dovecot and the Gmail emulation (and Hoodiecrow
 * when the harness started it). Run through it_engine.sh, which starts the servers with
 * tests/harness/servers.py. This file: connecting (implicit TLS with the right and the wrong
 * trust, STARTTLS, wrong password, XOAUTH2), COMPRESS=DEFLATE and IDLE. it_engine_ops.c: every
 * operation of src/imap/ops.h.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "imap/search.h"
#include "it_engine_util.h"

static bool contains_any(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strstr(s, *words))
			return true;
	return false;
}

/* Implicit TLS verified against the test CA, then COMPRESS=DEFLATE. */
static void test_tls_verified(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	struct it_conn_opts o = {.tls = CONFIG_TLS_IMPLICIT};
	if (it_connect(&c, srv, &o) != 0)
		fail_msg("%s: %s", srv->name, c.why);
	assert_true(imap_session_is_tls(c.s));
	assert_true(imap_session_is_compressed(c.s));
	assert_int_equal(imap_session_state(c.s), IMAP_SESSION_AUTH);
	assert_int_equal(it_simple(&c, "NOOP", imap_op_noop), IMAP_OP_OK);
	it_close(&c);
	assert_int_equal(c.retry_ms, -1);
}

/* Without the test CA the handshake is refused, the reason names the unknown issuer, and the
 * server never saw a credential. */
static void test_tls_wrong_trust(void **state)
{
	const struct it_server *srv = it_need(state);
	if (srv->gmail) {
		char *r = it_gmail_control("{\"op\":\"reset_stats\"}");
		free(r);
	}
	struct it_conn c;
	struct it_conn_opts o = {.tls = CONFIG_TLS_IMPLICIT, .no_ca = true};
	assert_int_equal(it_connect(&c, srv, &o), -1);
	static const char *const reasons[] = {"self-signed", "unknown CA", NULL};
	if (!contains_any(c.why, reasons))
		fail_msg("reason does not name the certificate problem: %s", c.why);
	assert_int_equal(c.retry_ms, -1);
	it_close(&c);
	if (srv->gmail) {
		char *st = it_gmail_control("{\"op\":\"stats\"}");
		assert_non_null(strstr(st, "\"ok\": true"));
		if (strstr(st, "\"LOGIN\"") || strstr(st, "\"AUTHENTICATE\"") || !strstr(st, "\"bytes_in\": 0,"))
			fail_msg("the server saw client bytes: %s", st);
		free(st);
	}
}

/* STARTTLS on Dovecot's plain port. */
static void test_starttls(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	struct it_conn_opts o = {.tls = CONFIG_TLS_STARTTLS};
	if (it_connect(&c, srv, &o) != 0)
		fail_msg("%s: %s", srv->name, c.why);
	assert_true(imap_session_is_tls(c.s));
	assert_true(imap_session_is_compressed(c.s));
	assert_true(imap_session_has_cap(c.s, "IMAP4rev1"));
	assert_false(imap_session_has_cap(c.s, "STARTTLS")); /* capabilities asked again after TLS */
	assert_int_equal(it_simple(&c, "NOOP", imap_op_noop), IMAP_OP_OK);
	it_close(&c);
}

/* A wrong password: the login fails with the server's own words, and no reconnect. */
static void test_wrong_password(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	struct it_conn_opts o = {.tls = CONFIG_TLS_IMPLICIT, .auth = IT_AUTH_WRONG_PASSWORD};
	assert_int_equal(it_connect(&c, srv, &o), -1);
	const char *server_text = srv->gmail ? "Invalid credentials" : "Authentication failed";
	if (!strstr(c.why, server_text) && !strstr(c.error, server_text))
		fail_msg("the server's text is missing: why=\"%s\" error=\"%s\"", c.why, c.error);
	assert_int_equal(c.retry_ms, -1);
	it_close(&c);
}

static void test_xoauth2(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	struct it_conn_opts o = {.tls = CONFIG_TLS_IMPLICIT, .auth = IT_AUTH_XOAUTH2};
	if (it_connect(&c, srv, &o) != 0)
		fail_msg("%s: %s", srv->name, c.why);
	assert_int_equal(it_simple(&c, "NOOP", imap_op_noop), IMAP_OP_OK);
	it_close(&c);
	struct it_conn d;
	o.auth = IT_AUTH_WRONG_TOKEN;
	assert_int_equal(it_connect(&d, srv, &o), -1);
	if (!strstr(d.why, "Invalid credentials") && !strstr(d.error, "Invalid credentials"))
		fail_msg("the server's text is missing: why=\"%s\" error=\"%s\"", d.why, d.error);
	it_close(&d);
}

/* COMPRESS=DEFLATE really compresses: a large FETCH moves fewer bytes on the wire than it
 * carries (the Gmail emulation counts both). */
static void test_compress_gmail_wire(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	struct it_conn_opts o = {.tls = CONFIG_TLS_NONE};
	if (it_connect(&c, srv, &o) != 0)
		fail_msg("%s: %s", srv->name, c.why);
	assert_true(imap_session_is_compressed(c.s));
	struct it_select sel;
	assert_int_equal(it_select(&c, "[Gmail]/All Mail", true, NULL, &sel), IMAP_OP_OK);
	assert_true(sel.exists > 10);
	free(it_gmail_control("{\"op\":\"reset_stats\"}"));
	struct it_fetch f;
	struct imap_fetch_spec spec = {.want = IMAP_FW_ENVELOPE | IMAP_FW_BODYSTRUCTURE | IMAP_FW_FLAGS};
	assert_int_equal(it_fetch(&c, false, "1:*", &spec, &f), IMAP_OP_OK);
	assert_int_equal(f.n, sel.exists);
	char *st = it_gmail_control("{\"op\":\"stats\"}");
	const char *w = strstr(st, "\"bytes_out\": "), *u = strstr(st, "\"bytes_out_uncompressed\": ");
	assert_non_null(w);
	assert_non_null(u);
	unsigned long wire = strtoul(w + 13, NULL, 10), raw = strtoul(u + 26, NULL, 10);
	print_message("gmail FETCH of %u messages: %lu bytes on the wire for %lu of IMAP\n", sel.exists,
		      wire, raw);
	assert_true(raw > 0);
	assert_true(wire < raw);
	free(st);
	it_fetch_free(&f);
	it_select_free(&sel);
	it_close(&c);
}

/* IDLE: a message delivered while idling shows up as EXISTS. On Gmail the control hook delivers
 * it; on Dovecot a second connection APPENDs it. */
static void test_idle(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	struct it_conn_opts o = {.tls = CONFIG_TLS_IMPLICIT, .idle = true};
	if (it_connect(&c, srv, &o) != 0)
		fail_msg("%s: %s", srv->name, c.why);
	assert_true(imap_session_has_cap(c.s, "IDLE"));
	struct it_select sel;
	assert_int_equal(it_select(&c, "INBOX", false, NULL, &sel), IMAP_OP_OK);
	IT_WAIT(c.idle_cont > 0, "the server to accept IDLE");
	unsigned before = c.n_exists;
	if (srv->gmail) {
		char *r = it_gmail_control("{\"op\":\"deliver\",\"from\":\"Idle Test <idle@example.com>\","
					   "\"to\":\"skua@example.com\",\"subject\":\"delivered while idling\","
					   "\"body\":\"hello\\n\",\"labels\":[\"\\\\Inbox\"]}");
		if (!strstr(r, "\"ok\": true"))
			fail_msg("deliver: %s", r);
		free(r);
	} else {
		struct it_conn d;
		struct it_conn_opts od = {.tls = CONFIG_TLS_IMPLICIT};
		if (it_connect(&d, srv, &od) != 0)
			fail_msg("%s: %s", srv->name, d.why);
		size_t len;
		char *msg = it_make_message("delivered while idling", 10, &len);
		assert_int_equal(it_append(&d, "INBOX", msg, len, NULL, NULL, NULL), IMAP_OP_OK);
		free(msg);
		it_close(&d);
	}
	IT_WAIT(c.n_exists > before, "EXISTS while idling");
	assert_int_equal(c.last_exists, sel.exists + 1);
	/* a command leaves IDLE and runs */
	struct imap_mailbox_status st;
	struct it_fetch f;
	assert_int_equal(it_fetch(&c, false, "*", &(struct imap_fetch_spec){.want = IMAP_FW_ENVELOPE}, &f),
			 IMAP_OP_OK);
	assert_int_equal(f.n, 1);
	assert_non_null(strstr(f.v[0].subject, srv->gmail ? "delivered while idling" : "=?UTF-8?B?"));
	it_fetch_free(&f);
	(void)st;
	it_select_free(&sel);
	it_close(&c);
}

/* Hoodiecrow as a second opinion on the everyday commands. It answers X-GM-MSGID and
 * X-GM-LABELS but does not announce X-GM-EXT-1, so the ops refuse to send them there. */
static void test_hoodiecrow(void **state)
{
	const struct it_server *srv = it_need(state);
	struct it_conn c;
	struct it_conn_opts o = {.tls = CONFIG_TLS_NONE, .no_compress = true};
	if (it_connect(&c, srv, &o) != 0)
		fail_msg("%s: %s", srv->name, c.why);
	struct it_select sel;
	assert_int_equal(it_select(&c, "INBOX", false, NULL, &sel), IMAP_OP_OK);
	assert_int_equal(sel.exists, 4);
	struct it_fetch f;
	struct imap_fetch_spec spec = {.want = IMAP_FW_UID | IMAP_FW_FLAGS | IMAP_FW_ENVELOPE};
	assert_int_equal(it_fetch(&c, false, "1:*", &spec, &f), IMAP_OP_OK);
	assert_int_equal(f.n, 4);
	assert_string_equal(f.v[0].subject, "hello 1");
	assert_string_equal(f.v[0].from, "alice@example.com");
	assert_true(f.v[0].flags_sys & IMAP_FLAG_SEEN);
	uint32_t uid4 = f.v[3].uid;
	it_fetch_free(&f);
	struct imap_store_opts add = {.uid = true, .mode = IMAP_STORE_ADD, .silent = true};
	char set[16];
	snprintf(set, sizeof set, "%u", uid4);
	assert_int_equal(it_store(&c, set, &add, false, (const char *const[]){"\\Answered"}, 1, NULL, NULL),
			 IMAP_OP_OK);
	struct it_search s;
	assert_int_equal(it_search(&c, imap_search_key(IMAP_SK_ANSWERED), &(struct imap_search_opts){.uid = true},
				   &s), IMAP_OP_OK);
	assert_string_equal(it_set_text(&s.all), set);
	it_search_free(&s);
	assert_false(imap_session_is_gmail(c.s));
	spec.want = IMAP_FW_GM_MSGID;
	assert_int_equal(it_fetch(&c, false, "1", &spec, &f), IMAP_OP_UNSUPPORTED);
	it_fetch_free(&f);
	it_select_free(&sel);
	it_close(&c);
}

#define ON(fn, srv) {#fn "/" #srv, fn, NULL, NULL, &(srv)}

int main(void)
{
	it_servers_init();
	it_loop = loop_new();
	if (!it_loop)
		return 1;
	const struct CMUnitTest tests[] = {
		ON(test_tls_verified, it_dovecot),
		ON(test_tls_verified, it_gmail),
		ON(test_tls_wrong_trust, it_dovecot),
		ON(test_tls_wrong_trust, it_gmail),
		ON(test_starttls, it_dovecot),
		ON(test_wrong_password, it_dovecot),
		ON(test_wrong_password, it_gmail),
		ON(test_xoauth2, it_gmail),
		ON(test_compress_gmail_wire, it_gmail),
		ON(test_idle, it_dovecot),
		ON(test_idle, it_gmail),
		ON(test_server_ops, it_dovecot),
		ON(test_server_ops, it_gmail),
		ON(test_mailbox_ops, it_dovecot),
		ON(test_mailbox_ops, it_gmail),
		ON(test_list_special_status, it_dovecot),
		ON(test_list_special_status, it_gmail),
		ON(test_select_examine, it_dovecot),
		ON(test_select_examine, it_gmail),
		ON(test_fetch, it_dovecot),
		ON(test_fetch, it_gmail),
		ON(test_search, it_dovecot),
		ON(test_search, it_gmail),
		ON(test_store, it_dovecot),
		ON(test_store, it_gmail),
		ON(test_copy_move_expunge, it_dovecot),
		ON(test_copy_move_expunge, it_gmail),
		ON(test_gmail_ext, it_gmail),
		ON(test_utf8_accept, it_gmail),
		ON(test_hoodiecrow, it_hoodiecrow),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	loop_free(&it_loop);
	return rc;
}
