/* Unit tests for src/secret_cmd (the password/token command runner) and src/imap/connection
 * (TLS policy, pool cap, secrets, reconnect back-off) against a small scripted IMAP server
 * running on the same loop over loopback. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "loop.h"
#include "secret_cmd.h"
#include "imap/connection.h"
#include "imap/encode.h"
#include "imap/session.h"

/* ---- secret_cmd ------------------------------------------------------------------------- */

struct sres {
	int calls;
	char secret[SECRET_CMD_MAX + 1];
	char why[512];
	bool ok;
};

static void s_done(void *ctx, const char *secret, const char *why)
{
	struct sres *r = ctx;
	r->calls++;
	r->ok = secret != NULL;
	snprintf(r->secret, sizeof r->secret, "%s", secret ? secret : "");
	snprintf(r->why, sizeof r->why, "%s", why ? why : "");
}

static void run_until(struct loop *loop, const int *flag, int min)
{
	int64_t end = loop_now_ms(loop) + 20000;
	while (*flag < min && loop_now_ms(loop) < end)
		loop_run_once(loop, 100);
	assert_true(*flag >= min);
}

static struct sres run_cmd(const char *cmd, unsigned timeout_ms)
{
	struct loop *loop = loop_new();
	struct sres r = { 0 };
	char err[200];
	struct secret_cmd *h = secret_cmd_run(loop, cmd, timeout_ms, s_done, &r, err, sizeof err);
	assert_non_null(h);
	assert_int_equal(r.calls, 0); /* never from inside run */
	run_until(loop, &r.calls, 1);
	/* a few more turns: done() must not come twice */
	loop_run_once(loop, 10);
	assert_int_equal(r.calls, 1);
	loop_free(&loop);
	return r;
}

static void test_secret_ok(void **state)
{
	struct sres r = run_cmd("printf 'secret\\n'", 0);
	assert_true(r.ok);
	assert_string_equal(r.secret, "secret");
	r = run_cmd("printf 'tok en\\r\\nsecond line\\n'", 0);
	assert_true(r.ok);
	assert_string_equal(r.secret, "tok en");
	r = run_cmd("printf 'no-newline'", 0);
	assert_true(r.ok);
	assert_string_equal(r.secret, "no-newline");
}

static void test_secret_failures(void **state)
{
	struct sres r = run_cmd("exit 3", 0);
	assert_false(r.ok);
	assert_non_null(strstr(r.why, "exit status 3"));

	r = run_cmd("echo 'gpg: decryption failed' >&2; printf 'hunter2\\n'; exit 1", 0);
	assert_false(r.ok);
	assert_non_null(strstr(r.why, "gpg: decryption failed"));
	assert_null(strstr(r.why, "hunter2")); /* stdout never reaches a message */

	r = run_cmd("true", 0);
	assert_false(r.ok);
	assert_non_null(strstr(r.why, "printed nothing"));

	r = run_cmd("printf '\\n'", 0);
	assert_false(r.ok);
	assert_non_null(strstr(r.why, "printed nothing"));

	r = run_cmd("head -c 20000 /dev/zero | tr '\\0' a", 0);
	assert_false(r.ok);
	assert_non_null(strstr(r.why, "more than"));

	r = run_cmd("kill -9 $$", 0);
	assert_false(r.ok);
	assert_non_null(strstr(r.why, "signal 9"));
}

static void test_secret_timeout(void **state)
{
	/* hangs, and a background child keeps the pipe open: both are killed */
	struct sres r = run_cmd("sleep 30 & sleep 30", 200);
	assert_false(r.ok);
	assert_non_null(strstr(r.why, "did not finish"));
}

static void test_secret_cancel(void **state)
{
	struct loop *loop = loop_new();
	struct sres r = { 0 };
	struct secret_cmd *h = secret_cmd_run(loop, "sleep 30", 0, s_done, &r, NULL, 0);
	assert_non_null(h);
	loop_run_once(loop, 20);
	secret_cmd_cancel(&h);
	assert_null(h);
	secret_cmd_cancel(&h); /* NULL-safe */
	loop_run_once(loop, 20);
	assert_int_equal(r.calls, 0);
	/* nothing to run: refused at once */
	char err[100];
	assert_null(secret_cmd_run(loop, "", 0, s_done, &r, err, sizeof err));
	assert_non_null(strstr(err, "no command"));
	loop_free(&loop);
}

/* ---- a scripted IMAP server on the loop ------------------------------------------------- */

enum srv_mode {
	SRV_NORMAL,
	SRV_DROP_AFTER_LOGIN, /* close the connection right after the first login OK */
	SRV_THROTTLE,         /* send [THROTTLED] after login */
};

struct srv {
	struct loop *loop;
	int lfd;
	unsigned port;
	struct loop_fd *lw;
	int cfd;
	struct loop_fd *cw;
	char in[4096];
	size_t in_len;
	int accepts, logins, logouts;
	char last_login[256];
	enum srv_mode mode;
};

static void srv_send(struct srv *s, const char *text)
{
	size_t n = strlen(text);
	assert_int_equal(write(s->cfd, text, n), (ssize_t)n);
}

static void srv_close_client(struct srv *s)
{
	loop_fd_remove(&s->cw);
	if (s->cfd >= 0)
		close(s->cfd);
	s->cfd = -1;
	s->in_len = 0;
}

static void srv_line(struct srv *s, char *line)
{
	char tag[64], verb[64];
	if (sscanf(line, "%63s %63s", tag, verb) != 2)
		return;
	char reply[512];
	if (!strcmp(verb, "LOGIN")) {
		s->logins++;
		snprintf(s->last_login, sizeof s->last_login, "%.200s", line);
		snprintf(reply, sizeof reply, "%s OK [CAPABILITY IMAP4rev1] logged in\r\n", tag);
		srv_send(s, reply);
		if (s->mode == SRV_THROTTLE)
			srv_send(s, "* OK [THROTTLED] slow down\r\n");
		if (s->mode == SRV_DROP_AFTER_LOGIN && s->logins == 1)
			srv_close_client(s);
	} else if (!strcmp(verb, "LOGOUT")) {
		s->logouts++;
		snprintf(reply, sizeof reply, "* BYE bye\r\n%s OK logged out\r\n", tag);
		srv_send(s, reply);
		srv_close_client(s);
	} else {
		snprintf(reply, sizeof reply, "%s OK done\r\n", tag);
		srv_send(s, reply);
	}
}

static void srv_readable(struct loop *loop, int fd, unsigned ev, void *ctx)
{
	struct srv *s = ctx;
	ssize_t n = read(fd, s->in + s->in_len, sizeof s->in - 1 - s->in_len);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		srv_close_client(s);
		return;
	}
	s->in_len += (size_t)n;
	s->in[s->in_len] = '\0';
	char *lf;
	while (s->cfd >= 0 && (lf = strstr(s->in, "\r\n"))) {
		*lf = '\0';
		char line[4096];
		snprintf(line, sizeof line, "%s", s->in);
		size_t used = (size_t)(lf - s->in) + 2;
		memmove(s->in, s->in + used, s->in_len - used + 1);
		s->in_len -= used;
		srv_line(s, line);
	}
}

static void srv_accept(struct loop *loop, int fd, unsigned ev, void *ctx)
{
	struct srv *s = ctx;
	int c = accept(fd, NULL, NULL);
	if (c < 0)
		return;
	if (s->cfd >= 0) {
		close(c); /* one client at a time is enough here */
		return;
	}
	s->accepts++;
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	s->cfd = c;
	s->cw = loop_fd_add(loop, c, LOOP_READ, srv_readable, s);
	srv_send(s, "* OK [CAPABILITY IMAP4rev1] test server ready\r\n");
}

static void srv_start(struct srv *s, struct loop *loop, enum srv_mode mode)
{
	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->mode = mode;
	s->cfd = -1;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	socklen_t len = sizeof sa;
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sa, &len), 0);
	s->port = ntohs(sa.sin_port);
	assert_int_equal(listen(s->lfd, 8), 0);
	s->lw = loop_fd_add(loop, s->lfd, LOOP_READ, srv_accept, s);
}

static void srv_stop(struct srv *s)
{
	srv_close_client(s);
	loop_fd_remove(&s->lw);
	close(s->lfd);
}

/* ---- the connection's user ---------------------------------------------------------------- */

struct user {
	struct imap_connection *c;
	int sessions, ready, downs, errors, throttled, noops;
	long last_retry;
	char last_why[600];
	bool free_on_down;
};

static void u_noop_done(void *ctx, const struct imap_result *res)
{
	struct user *u = ctx;
	if (res->status == IMAP_DONE_OK)
		u->noops++;
}

static void u_state(void *ctx, enum imap_session_state old, enum imap_session_state now)
{
	struct user *u = ctx;
	if (now != IMAP_SESSION_AUTH)
		return;
	u->ready++;
	struct imap_session *s = imap_connection_session(u->c);
	assert_non_null(s);
	struct imap_cmd cmd;
	imap_session_cmd_init(s, &cmd, "NOOP");
	imap_cmd_finish(&cmd);
	assert_true(imap_session_submit(s, &cmd, 0, 0, NULL, u_noop_done, u) > 0);
}

static void u_error(void *ctx, const char *msg)
{
	struct user *u = ctx;
	u->errors++;
}

static void u_throttled(void *ctx)
{
	((struct user *)ctx)->throttled++;
}

static void u_session_new(void *ctx, struct imap_session *s)
{
	((struct user *)ctx)->sessions++;
}

static void u_down(void *ctx, const char *why, long retry_ms)
{
	struct user *u = ctx;
	u->downs++;
	u->last_retry = retry_ms;
	snprintf(u->last_why, sizeof u->last_why, "%s", why);
	if (u->free_on_down)
		imap_connection_free(&u->c);
}

static const struct imap_connection_callbacks ucb = {
	.session = { .state = u_state, .error = u_error, .throttled = u_throttled },
	.session_new = u_session_new,
	.down = u_down,
};

static struct config_account account(unsigned port, const char *password_command)
{
	struct config_account a = { 0 };
	a.name = (char *)"test";
	a.host = (char *)"127.0.0.1";
	a.port = port;
	a.tls = CONFIG_TLS_NONE;
	a.user = (char *)"joe";
	a.auth = CONFIG_AUTH_LOGIN;
	a.password_command = (char *)password_command;
	a.verify = true;
	a.max_connections = 3;
	return a;
}

static void conn_opts(struct imap_connection_opts *o)
{
	imap_connection_opts_init(o);
	o->backoff_min_ms = 20;
	o->backoff_max_ms = 80;
	o->session.idle = false;
	o->session.send_id = false;
}

static void test_policy(void **state)
{
	struct loop *loop = loop_new();
	struct config_account a = account(143, "printf 'pw\\n'");
	a.host = (char *)"mail.example.com";
	char err[300];
	struct user u = { 0 };
	struct imap_connection_opts o;
	conn_opts(&o);
	/* tls = none to a non-loopback host: refused before anything is started */
	assert_null(imap_connection_new(loop, &a, &o, &ucb, &u, err, sizeof err));
	assert_non_null(strstr(err, "tls = none"));
	assert_int_equal(u.sessions, 0);
	assert_int_equal(imap_connection_check_policy(&a, err, sizeof err), -1);
	a.allow_plaintext = true;
	assert_int_equal(imap_connection_check_policy(&a, err, sizeof err), 0);
	a.allow_plaintext = false;
	a.host = (char *)"localhost";
	assert_int_equal(imap_connection_check_policy(&a, err, sizeof err), 0);
	a.host = (char *)"::1";
	assert_int_equal(imap_connection_check_policy(&a, err, sizeof err), 0);
	a.host = (char *)"127.0.0.1.example.com";
	assert_int_equal(imap_connection_check_policy(&a, err, sizeof err), -1);
	a.tls = CONFIG_TLS_STARTTLS;
	assert_int_equal(imap_connection_check_policy(&a, err, sizeof err), 0);
	loop_free(&loop);
}

static void test_connect_reconnect(void **state)
{
	struct loop *loop = loop_new();
	struct srv srv;
	srv_start(&srv, loop, SRV_DROP_AFTER_LOGIN);
	struct config_account a = account(srv.port, "printf 'pw\\n'");
	struct imap_connection_opts o;
	conn_opts(&o);
	struct user u = { 0 };
	char err[300];
	u.c = imap_connection_new(loop, &a, &o, &ucb, &u, err, sizeof err);
	assert_non_null(u.c);
	assert_int_equal(u.sessions, 1);
	/* first session: logs in (password from the command), then the server drops it */
	run_until(loop, &u.downs, 1);
	assert_int_equal(srv.logins, 1);
	assert_string_equal(srv.last_login, "a1 LOGIN joe pw");
	assert_true(u.last_retry >= 0);
	assert_null(imap_connection_session(u.c));
	/* back-off timer: a second session, which stays */
	run_until(loop, &u.noops, 1);
	assert_int_equal(u.sessions, 2);
	assert_int_equal(srv.accepts, 2);
	assert_int_equal(srv.logins, 2);
	assert_int_equal(u.ready, 2);
	/* the back-off was reset by the good session */
	assert_int_equal(imap_connection_next_delay(u.c), 20);
	imap_connection_logout(u.c);
	run_until(loop, &u.downs, 2);
	assert_int_equal(u.last_retry, -1);
	assert_int_equal(srv.logouts, 1);
	imap_connection_free(&u.c);
	srv_stop(&srv);
	loop_free(&loop);
}

static void test_auth_failure_no_retry(void **state)
{
	struct loop *loop = loop_new();
	struct srv srv;
	srv_start(&srv, loop, SRV_NORMAL);
	struct config_account a = account(srv.port, "echo 'no key' >&2; exit 2");
	struct imap_connection_opts o;
	conn_opts(&o);
	struct user u = { .free_on_down = true };
	char err[300];
	u.c = imap_connection_new(loop, &a, &o, &ucb, &u, err, sizeof err);
	assert_non_null(u.c);
	run_until(loop, &u.downs, 1);
	assert_int_equal(u.last_retry, -1);
	assert_non_null(strstr(u.last_why, "no key"));
	assert_int_equal(srv.logins, 0);
	assert_null(u.c); /* freed from inside down() */
	loop_run_once(loop, 10);
	srv_stop(&srv);
	loop_free(&loop);
}

static void test_throttle_and_pool(void **state)
{
	struct loop *loop = loop_new();
	struct srv srv;
	srv_start(&srv, loop, SRV_THROTTLE);
	struct config_account a = account(srv.port, "printf 'pw\\n'");
	struct imap_conn_pool pool = { .max = 1 };
	struct imap_connection_opts o;
	conn_opts(&o);
	o.backoff_max_ms = 600000;
	o.pool = &pool;
	struct user u = { 0 }, u2 = { 0 };
	char err[300];
	u.c = imap_connection_new(loop, &a, &o, &ucb, &u, err, sizeof err);
	assert_non_null(u.c);
	assert_int_equal(pool.open, 1);
	/* the cap: a second connection to the account is refused */
	assert_null(imap_connection_new(loop, &a, &o, &ucb, &u2, err, sizeof err));
	assert_non_null(strstr(err, "max_connections"));
	run_until(loop, &u.throttled, 1);
	assert_true(imap_connection_throttled(u.c));
	assert_true(imap_connection_next_delay(u.c) >= 30000);
	imap_connection_free(&u.c);
	assert_int_equal(pool.open, 0);
	loop_run_once(loop, 10);
	srv_stop(&srv);
	loop_free(&loop);
}

static void test_connection_refused_retries(void **state)
{
	struct loop *loop = loop_new();
	struct srv srv;
	srv_start(&srv, loop, SRV_NORMAL);
	unsigned port = srv.port;
	srv_stop(&srv); /* nothing listens there now */
	struct config_account a = account(port, "printf 'pw\\n'");
	struct imap_connection_opts o;
	conn_opts(&o);
	struct user u = { 0 };
	char err[300];
	u.c = imap_connection_new(loop, &a, &o, &ucb, &u, err, sizeof err);
	assert_non_null(u.c);
	run_until(loop, &u.downs, 3);
	assert_true(u.last_retry >= 0);
	assert_true(u.sessions >= 3);
	/* the back-off grew to its cap */
	assert_int_equal(imap_connection_next_delay(u.c), 80);
	imap_connection_free(&u.c);
	loop_free(&loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_ok),
		cmocka_unit_test(test_secret_failures),
		cmocka_unit_test(test_secret_timeout),
		cmocka_unit_test(test_secret_cancel),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_connect_reconnect),
		cmocka_unit_test(test_auth_failure_no_retry),
		cmocka_unit_test(test_throttle_and_pool),
		cmocka_unit_test(test_connection_refused_retries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
