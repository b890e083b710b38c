/* Unit tests for src/imap/session: transcript files (tests/unit/transcripts/NAME.txt, format in
 * test_session_script.h), each run whole, byte by byte and in random pieces, with and without
 * the wire trace; plus a few API checks that a transcript cannot express. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loop.h"
#include "imap/encode.h"
#include "imap/session.h"
#include "test_session_script.h"

static const char *transcript_dir(void)
{
	static char dir[4096];
	const char *top = getenv("top_srcdir");
	if (top && *top)
		snprintf(dir, sizeof dir, "%s/tests/unit/transcripts", top);
	else
		snprintf(dir, sizeof dir, "%s", SESSION_TRANSCRIPTS);
	return dir;
}

static void run_transcript(void **state)
{
	char path[4600];
	snprintf(path, sizeof path, "%s/%s.txt", transcript_dir(), (const char *)*state);
	script_run_file(path, SPLIT_WHOLE, 0);
	script_run_file(path, SPLIT_WHOLE, 1);
	script_run_file(path, SPLIT_BYTES, 1);
	script_run_file(path, SPLIT_RANDOM, 0);
	script_run_file(path, SPLIT_RANDOM, 1);
}

/* ---- API checks --------------------------------------------------------------------------- */

struct api {
	int done;
	enum imap_done_status st;
	int writes;
};

static int a_write(void *t, const char *d, size_t n)
{
	((struct api *)t)->writes++;
	return 0;
}

static const struct imap_transport a_transport = { .write = a_write };

static void a_done(void *ctx, const struct imap_result *res)
{
	struct api *a = ctx;
	a->done++;
	a->st = res->status;
}

static void test_submit_refusals(void **state)
{
	struct loop *loop = loop_new();
	struct api a = { 0 };
	struct imap_session_opts o;
	imap_session_opts_init(&o);
	struct imap_session *s = imap_session_new(loop, &o, NULL, NULL, &a_transport, &a);
	assert_non_null(s);

	/* an unfinished command: refused at once, done() before submit returns */
	struct imap_cmd c;
	imap_session_cmd_init(s, &c, "NOOP");
	assert_int_equal(imap_session_submit(s, &c, 0, 0, NULL, a_done, &a), 0);
	assert_int_equal(a.done, 1);
	assert_int_equal(a.st, IMAP_DONE_ABORTED);
	imap_cmd_free(&c);

	/* a command with an encoding error */
	imap_session_cmd_init(s, &c, "SELECT");
	imap_cmd_add_atom(&c, "bad atom with spaces");
	imap_cmd_finish(&c);
	assert_int_equal(imap_session_submit(s, &c, 0, 0, NULL, a_done, &a), 0);
	assert_int_equal(a.done, 2);
	imap_cmd_free(&c);

	/* a good one waits (not connected yet), then is aborted by free */
	imap_session_cmd_init(s, &c, "NOOP");
	assert_int_equal(imap_cmd_finish(&c), IMAP_ENC_OK);
	uint32_t id = imap_session_submit(s, &c, 0, 0, NULL, a_done, &a);
	assert_true(id > 0);
	assert_int_equal(imap_cmd_len(&c), 0); /* the contents moved */
	assert_int_equal(imap_session_queue_length(s), 1);
	assert_int_equal(a.writes, 0);
	imap_session_free(&s);
	assert_null(s);
	assert_int_equal(a.done, 3);
	assert_int_equal(a.st, IMAP_DONE_ABORTED);

	/* NULL session */
	imap_cmd_init(&c, NULL);
	imap_cmd_start(&c, "x", "NOOP");
	imap_cmd_finish(&c);
	assert_int_equal(imap_session_submit(NULL, &c, 0, 0, NULL, a_done, &a), 0);
	assert_int_equal(a.done, 4);
	imap_cmd_free(&c);
	loop_free(&loop);
}

static void test_null_safety(void **state)
{
	struct imap_session *s = NULL;
	imap_session_free(&s);
	imap_session_free(NULL);
	imap_session_input(NULL, "x", 1);
	imap_session_transport_up(NULL);
	imap_session_transport_down(NULL, "x");
	imap_session_tls_done(NULL, true, NULL);
	imap_session_secret(NULL, "x", NULL);
	imap_session_cancel(NULL, 1);
	imap_session_logout(NULL);
	assert_int_equal(imap_session_state(NULL), IMAP_SESSION_CLOSED);
	assert_false(imap_session_has_cap(NULL, "IDLE"));
	assert_null(imap_session_selected(NULL));
	assert_int_equal(imap_session_queue_length(NULL), 0);
	assert_string_equal(imap_session_state_name(IMAP_SESSION_SELECTED), "SELECTED");
	assert_string_equal(imap_session_state_name((enum imap_session_state)99), "?");
	struct loop *loop = loop_new();
	assert_null(imap_session_new(loop, NULL, NULL, NULL, &a_transport, NULL));
	struct imap_session_opts o;
	imap_session_opts_init(&o);
	assert_null(imap_session_new(loop, &o, NULL, NULL, NULL, NULL));
	loop_free(&loop);
}

static void test_opts_are_copied(void **state)
{
	struct loop *loop = loop_new();
	struct api a = { 0 };
	struct imap_session_opts o;
	imap_session_opts_init(&o);
	char host[] = "imap.example.com", user[] = "joe", mech[] = "PLAIN";
	const char *mechs[] = { mech, NULL };
	o.host = host;
	o.auth.user = user;
	o.auth.mechanisms = mechs;
	struct imap_session *s = imap_session_new(loop, &o, NULL, NULL, &a_transport, &a);
	assert_non_null(s);
	memset(host, 'x', sizeof host - 1);
	memset(user, 'x', sizeof user - 1);
	memset(mech, 'x', sizeof mech - 1);
	imap_session_transport_up(s);
	assert_int_equal(imap_session_state(s), IMAP_SESSION_GREETING);
	imap_session_transport_down(s, "gone");
	assert_int_equal(imap_session_state(s), IMAP_SESSION_CLOSED);
	assert_int_equal(imap_session_error_kind(s), IMAP_ERR_NETWORK);
	imap_session_free(&s);
	loop_free(&loop);
}

#define T(name) { #name, run_transcript, NULL, NULL, (void *)#name }

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(alert),
		T(auth_plain_noir),
		T(barrier),
		T(bye_unsolicited),
		T(cancel),
		T(closed_code),
		T(compress_refused),
		T(drop),
		T(enable_utf8),
		T(free_in_done),
		T(free_in_state),
		T(free_on_untagged),
		T(greeting_binary),
		T(greeting_bye),
		T(greeting_caps),
		T(greeting_garbage),
		T(greeting_nocaps),
		T(greeting_tagged),
		T(greeting_timeout),
		T(hostile_garbage),
		T(hostile_literal),
		T(hostile_long_line),
		T(hostile_nesting),
		T(idle),
		T(idle_refused),
		T(keepalive),
		T(literal),
		T(literal_plus),
		T(login_literal),
		T(login_literal_plus),
		T(login_quoted),
		T(login_refused),
		T(logindisabled),
		T(logout),
		T(manual_login),
		T(oauthbearer),
		T(pipeline),
		T(pipeline_depth),
		T(plaintext_none),
		T(preauth_plaintext),
		T(preauth_tls),
		T(priority),
		T(secret_none),
		T(seq_rule),
		T(starttls),
		T(starttls_handshake_fails),
		T(starttls_injection),
		T(starttls_missing),
		T(starttls_refused),
		T(starttls_start_fails),
		T(stray_continuation),
		T(throttled),
		T(timeout),
		T(timeout_real),
		T(trace_literals),
		T(unknown_tag),
		T(xoauth2_fail_twice),
		T(xoauth2_retry),
		cmocka_unit_test(test_submit_refusals),
		cmocka_unit_test(test_null_safety),
		cmocka_unit_test(test_opts_are_copied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
