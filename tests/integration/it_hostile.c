/*
 * it_hostile — the engine (src/imap/connection.h, session.h, ops.h over src/net and src/loop)
 * against tests/servers/hostile_server.py over real loopback sockets and real TLS. Each test
 * starts the server with one scenario, drives a connection on the loop and asserts that the
 * engine ends in a clean error naming the problem: STARTTLS injection, a server without
 * STARTTLS, PREAUTH in plaintext, a 4 GB literal, 10,000 nested parentheses, garbage, stalls,
 * drops and wrong certificates. A hang fails the test after a generous deadline; nothing asserts
 * how long anything took.
 *
 * Run through tests/integration/hostile.sh, which makes the certificates and exports
 * HOSTILE_CERTS (the directory of tests/servers/hostile_server.py make-certs), with $PYTHON3 and
 * $top_srcdir from the test environment.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base64.h"
#include "conf.h"
#include "imap/connection.h"
#include "imap/ops.h"
#include "imap/seqset.h"
#include "loop.h"

#define DEADLINE_MS 60000
#define USER "hostile@example.com"
#define PASSWORD "hostile-secret-4711"
/* What the memory of one test may grow by, at most (a 10 MB line, a 4 GB literal announced). */
#define RSS_GROWTH_MAX_KB (512L * 1024)

static struct loop *loop;
static char certs[1024];
static char python[512];
static char script[1024];

/* Runs the loop until cond holds; past the deadline the test fails as a hang. */
#define WAIT(cond, what)                                                                           \
	do {                                                                                       \
		int64_t dl_ = loop_now_ms(loop) + DEADLINE_MS;                                     \
		while (!(cond)) {                                                                  \
			if (loop_now_ms(loop) > dl_)                                               \
				fail_msg("hang: still waiting for %s after %d s", (what),           \
					 DEADLINE_MS / 1000);                                      \
			loop_run_once(loop, 50);                                                   \
		}                                                                                  \
	} while (0)

/* ---- the hostile server process ------------------------------------------------------------ */

struct server {
	pid_t pid;
	unsigned port;
	char dir[256], portf[300], logf[300];
};

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *d = malloc(cap);
	assert_non_null(d);
	for (;;) {
		if (cap - len < 2) {
			cap *= 2;
			d = realloc(d, cap);
			assert_non_null(d);
		}
		size_t n = fread(d + len, 1, cap - len - 1, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	d[len] = '\0';
	return d;
}

static void cert_paths(const char *name, char *cert, char *key, size_t len)
{
	snprintf(cert, len, "%s/%s.pem", certs, name);
	snprintf(key, len, "%s/%s.key", certs, name);
}

/* Starts `hostile_server.py serve` with a scenario; implicit: TLS from the first byte with the
 * certificate `cert` ("server", "other", "self"); STARTTLS scenarios use "server". */
static void server_start(struct server *h, const char *scenario, bool implicit, const char *cert)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(h->dir, sizeof h->dir, "%s/skua-hostile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(h->dir))
		fail_msg("mkdtemp %s: %s", h->dir, strerror(errno));
	snprintf(h->portf, sizeof h->portf, "%s/port", h->dir);
	snprintf(h->logf, sizeof h->logf, "%s/log", h->dir);
	char certp[1100], keyp[1100];
	cert_paths(cert ? cert : "server", certp, keyp, sizeof certp);
	const char *argv[] = {python, script, "serve", "--scenario", scenario, "--port-file", h->portf,
			      "--log", h->logf, "--tls", implicit ? "implicit" : "none", "--cert", certp,
			      "--key", keyp, NULL};
	fflush(NULL);
	h->pid = fork();
	if (h->pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (h->pid == 0) {
		execvp(python, (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", python, strerror(errno));
		_exit(127);
	}
	int64_t dl = loop_now_ms(loop) + DEADLINE_MS;
	for (;;) {
		char *p = read_file(h->portf);
		if (p) {
			h->port = (unsigned)strtoul(p, NULL, 10);
			free(p);
			if (h->port)
				return;
		}
		int st;
		if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
			h->pid = 0;
			fail_msg("hostile_server.py %s exited (status %d) before listening", scenario,
				 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		}
		if (loop_now_ms(loop) > dl)
			fail_msg("hostile_server.py %s wrote no port within %d s", scenario, DEADLINE_MS / 1000);
		poll(NULL, 0, 20);
	}
}

static void server_stop(struct server *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		waitpid(h->pid, NULL, 0);
		h->pid = 0;
	}
	if (h->dir[0]) {
		unlink(h->portf);
		unlink(h->logf);
		rmdir(h->dir);
		h->dir[0] = '\0';
	}
}

static char *server_log(const struct server *h)
{
	char *l = read_file(h->logf);
	if (!l)
		l = strdup("");
	assert_non_null(l);
	return l;
}

/* Waits until the server's log has a line starting with `prefix` (running the loop meanwhile, so
 * that the client side can still close). */
static void server_wait_line(const struct server *h, const char *prefix)
{
	int64_t dl = loop_now_ms(loop) + DEADLINE_MS;
	size_t n = strlen(prefix);
	for (;;) {
		char *l = server_log(h);
		bool found = strncmp(l, prefix, n) == 0;
		for (const char *p = l; !found && (p = strchr(p, '\n')) != NULL; p++)
			found = strncmp(p + 1, prefix, n) == 0;
		if (found) {
			free(l);
			return;
		}
		if (loop_now_ms(loop) > dl)
			fail_msg("hang: the server never logged \"%s\"; its log:\n%s", prefix, l);
		free(l);
		loop_run_once(loop, 20);
	}
}

/* Calls fn on every log line starting with prefix (the rest of the line, NUL-terminated). */
static size_t log_lines(const char *log, const char *prefix, void (*fn)(const char *rest, void *ctx),
			void *ctx)
{
	size_t n = 0, pl = strlen(prefix);
	const char *p = log;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len >= pl && strncmp(p, prefix, pl) == 0) {
			char *line = strndup(p + pl, len - pl);
			assert_non_null(line);
			n++;
			if (fn)
				fn(line, ctx);
			free(line);
		}
		p += len + (e ? 1 : 0);
	}
	return n;
}

static bool has_line(const char *log, const char *prefix)
{
	return log_lines(log, prefix, NULL, NULL) > 0;
}

/* ---- a connection through src/imap/connection.h ----------------------------------------- */

struct conn {
	struct imap_connection *c;
	struct imap_session *s;
	struct config_account acct;
	char host[64], user[64], pwcmd[128], ca[1100];
	bool ready, down;
	unsigned n_sessions, n_down, n_errors;
	long retry_ms;
	enum imap_error_kind kind;
	char why[1024], error[1024], alert[1024];
	char *in_trace; /* server lines as the session traced them, '\n'-separated */
	size_t in_len;
};

struct conn_opts {
	enum config_tls tls;
	const char *host;       /* default 127.0.0.1 */
	const char *ca;         /* a certs/ file name; NULL = "ca"; "" = the system store */
	bool reconnect;
	unsigned backoff_ms;    /* backoff_min_ms */
	unsigned greeting_ms, command_ms;
	bool trace;
};

static void c_state(void *ctx, enum imap_session_state old, enum imap_session_state now)
{
	struct conn *ic = ctx;
	(void)old;
	if (now == IMAP_SESSION_AUTH || now == IMAP_SESSION_SELECTED)
		ic->ready = true;
}

static void c_error(void *ctx, const char *msg)
{
	struct conn *ic = ctx;
	ic->n_errors++;
	ic->kind = imap_session_error_kind(ic->s);
	snprintf(ic->error, sizeof ic->error, "%s", msg);
}

static void c_alert(void *ctx, const char *text)
{
	struct conn *ic = ctx;
	snprintf(ic->alert, sizeof ic->alert, "%s", text);
}

static void c_trace(void *ctx, char dir, const char *data, size_t len)
{
	struct conn *ic = ctx;
	if (dir != '<' || ic->in_len + len + 2 > ((size_t)1 << 20))
		return;
	char *n = realloc(ic->in_trace, ic->in_len + len + 2);
	assert_non_null(n);
	ic->in_trace = n;
	memcpy(n + ic->in_len, data, len);
	ic->in_len += len;
	n[ic->in_len++] = '\n';
	n[ic->in_len] = '\0';
}

static void c_session_new(void *ctx, struct imap_session *s)
{
	struct conn *ic = ctx;
	ic->s = s;
	ic->n_sessions++;
	ic->ready = ic->down = false;
}

static void c_down(void *ctx, const char *why, long retry_ms)
{
	struct conn *ic = ctx;
	ic->down = true;
	ic->ready = false;
	ic->s = NULL;
	ic->n_down++;
	ic->retry_ms = retry_ms;
	snprintf(ic->why, sizeof ic->why, "%s", why ? why : "");
}

/* Connects and waits until the session is ready or the connection went down. */
static void conn_open(struct conn *ic, const struct server *h, const struct conn_opts *o)
{
	memset(ic, 0, sizeof *ic);
	struct config_account *a = &ic->acct;
	snprintf(ic->host, sizeof ic->host, "%s", o->host ? o->host : "127.0.0.1");
	snprintf(ic->user, sizeof ic->user, "%s", USER);
	snprintf(ic->pwcmd, sizeof ic->pwcmd, "printf '%%s\\n' '%s'", PASSWORD);
	a->name = (char *)"hostile";
	a->host = ic->host;
	a->port = h->port;
	a->tls = o->tls;
	a->user = ic->user;
	a->password_command = ic->pwcmd;
	a->verify = true;
	a->max_connections = 3;
	if (!o->ca || *o->ca) {
		snprintf(ic->ca, sizeof ic->ca, "%s/%s.pem", certs, o->ca ? o->ca : "ca");
		a->ca_file = ic->ca;
	}
	struct imap_connection_opts co;
	imap_connection_opts_init(&co);
	co.reconnect = o->reconnect;
	if (o->backoff_ms)
		co.backoff_min_ms = o->backoff_ms;
	co.session.idle = false;
	co.session.greeting_timeout_ms = o->greeting_ms;
	co.session.command_timeout_ms = o->command_ms;
	struct imap_connection_callbacks cb;
	memset(&cb, 0, sizeof cb);
	cb.session.state = c_state;
	cb.session.error = c_error;
	cb.session.alert = c_alert;
	if (o->trace)
		cb.session.trace = c_trace;
	cb.session_new = c_session_new;
	cb.down = c_down;
	char err[512];
	ic->c = imap_connection_new(loop, a, &co, &cb, ic, err, sizeof err);
	if (!ic->c)
		fail_msg("imap_connection_new: %s", err);
	WAIT(ic->ready || ic->down, "the session to be ready or the connection to go down");
}

static void conn_free(struct conn *ic)
{
	imap_connection_free(&ic->c);
	for (int i = 0; i < 20 && loop_run_once(loop, 0) > 0; i++)
		; /* deferred frees */
	free(ic->in_trace);
	ic->in_trace = NULL;
}

static void conn_logout(struct conn *ic)
{
	imap_connection_logout(ic->c);
	WAIT(ic->down, "LOGOUT to complete");
	assert_int_equal(ic->retry_ms, -1);
}

static void assert_ready(const struct conn *ic)
{
	if (!ic->ready)
		fail_msg("the session did not become ready: %s", ic->why);
	assert_non_null(ic->s);
}

/* ---- synchronous ops ------------------------------------------------------------------------ */

struct res {
	bool done;
	enum imap_op_status status;
	size_t n;
	char message[512];
};

static void res_set(struct res *r, const struct imap_op_result *o, size_t n)
{
	r->done = true;
	r->status = o->status;
	r->n = n;
	snprintf(r->message, sizeof r->message, "%s", o->message);
}

static void on_noop(void *ctx, const struct imap_op_result *r)
{
	res_set(ctx, r, 0);
}

static void on_list(void *ctx, const struct imap_list_result *r)
{
	res_set(ctx, &r->op, r->n);
}

static void on_select(void *ctx, const struct imap_select_result *r)
{
	res_set(ctx, &r->op, r->exists);
}

static void on_fetch_done(void *ctx, const struct imap_fetch_result *r)
{
	res_set(ctx, &r->op, r->n_msgs);
}

static enum imap_op_status do_noop(struct conn *ic)
{
	struct res r = {0};
	imap_op_noop(ic->s, on_noop, &r);
	WAIT(r.done, "NOOP");
	return r.status;
}

static enum imap_op_status do_list(struct conn *ic, size_t *n)
{
	struct res r = {0};
	imap_op_list(ic->s, "", "*", NULL, on_list, &r);
	WAIT(r.done, "LIST");
	if (n)
		*n = r.n;
	return r.status;
}

static void do_select(struct conn *ic)
{
	struct res r = {0};
	imap_op_select(ic->s, "INBOX", NULL, on_select, &r);
	WAIT(r.done, "SELECT");
	if (r.status != IMAP_OP_OK)
		fail_msg("SELECT: %s: %s", imap_op_status_name(r.status), r.message);
	assert_int_equal(r.n, 3);
}

/* FETCH 1:3 (UID FLAGS ENVELOPE [X-GM-LABELS] BODY.PEEK[]); *n = messages delivered. */
static enum imap_op_status do_fetch(struct conn *ic, bool labels, size_t *n)
{
	struct res r = {0};
	struct seqset set;
	seqset_init(&set);
	assert_int_equal(seqset_add_range(&set, 1, 3), SEQSET_OK);
	static const struct imap_fetch_section whole = {.peek = true};
	struct imap_fetch_spec spec = {
		.want = IMAP_FW_UID | IMAP_FW_FLAGS | IMAP_FW_ENVELOPE | (labels ? IMAP_FW_GM_LABELS : 0),
		.n_sections = labels ? 0 : 1,
		.sections = labels ? NULL : &whole,
	};
	static const struct imap_fetch_callbacks cb = {.done = on_fetch_done};
	imap_op_fetch(ic->s, false, &set, &spec, &cb, &r);
	seqset_free(&set);
	WAIT(r.done, "FETCH");
	if (n)
		*n = r.n;
	return r.status;
}

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* ---- fixtures ---------------------------------------------------------------------------- */

struct fx {
	struct server srv;
	struct conn c;
	const void *param;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->param = *state;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	conn_free(&f->c);
	server_stop(&f->srv);
	free(f);
	return 0;
}

/* ---- 1-3: STARTTLS and the greeting -------------------------------------------------------- */

struct plain_check {
	unsigned bad, starttls;
};

static void check_plain_line(const char *rest, void *ctx)
{
	struct plain_check *pc = ctx;
	if (strstr(rest, "STARTTLS"))
		pc->starttls++;
	if (strstr(rest, "LOGIN") || strstr(rest, "AUTHENTICATE") || strstr(rest, PASSWORD)) {
		print_message("credentials in plaintext: %s\n", rest);
		pc->bad++;
	}
}

struct tls_order {
	int n, first_cap, first_auth;
	const char *b64;
	bool b64_seen;
};

static void check_tls_line(const char *rest, void *ctx)
{
	struct tls_order *t = ctx;
	const char *sp = strchr(rest, ' '); /* "<conn> <line>": skip the tag too */
	const char *verb = sp ? strchr(sp + 1, ' ') : NULL;
	if (verb && strncmp(verb, " CAPABILITY", 11) == 0 && t->first_cap < 0)
		t->first_cap = t->n;
	if (verb && (strncmp(verb, " AUTHENTICATE", 13) == 0 || strncmp(verb, " LOGIN", 6) == 0) &&
	    t->first_auth < 0)
		t->first_auth = t->n;
	if (strstr(rest, t->b64) || strstr(rest, PASSWORD))
		t->b64_seen = true;
	t->n++;
}

/* The server answers STARTTLS with its OK, an injected CAPABILITY and an injected tagged OK in
 * one send, then does the handshake. The client must drop the injected lines unparsed, send
 * nothing in plaintext after the OK, ask CAPABILITY again inside TLS and only then log in. */
static void test_starttls_injection(void **state)
{
	struct fx *f = *state;
	server_start(&f->srv, "starttls-inject", false, NULL);
	struct conn_opts o = {.tls = CONFIG_TLS_STARTTLS, .trace = true};
	conn_open(&f->c, &f->srv, &o);
	assert_ready(&f->c);
	assert_true(imap_session_is_tls(f->c.s));
	assert_true(imap_session_has_cap(f->c.s, "X-HOSTILE-AFTER-TLS"));
	assert_false(imap_session_has_cap(f->c.s, "STARTTLS"));
	assert_false(imap_session_has_cap(f->c.s, "LOGINDISABLED"));
	assert_int_equal(do_noop(&f->c), IMAP_OP_OK);
	/* the session never saw (let alone acted on) the injected lines */
	assert_non_null(f->c.in_trace);
	assert_null(strstr(f->c.in_trace, "injected"));
	assert_null(strstr(f->c.in_trace, "A999"));
	assert_int_equal(f->c.n_errors, 0);
	conn_logout(&f->c);
	server_wait_line(&f->srv, "END 1 ");

	char *log = server_log(&f->srv);
	if (!has_line(log, "PLAIN-AFTER-OK 1 0 "))
		fail_msg("the client sent plaintext after STARTTLS's OK:\n%s", log);
	assert_true(has_line(log, "TLS-OK 1"));
	struct plain_check pc = {0};
	log_lines(log, "C-PLAIN ", check_plain_line, &pc);
	assert_int_equal(pc.bad, 0);
	assert_int_equal(pc.starttls, 1);
	/* inside TLS: CAPABILITY first, then the credentials */
	char raw[128], b64[256];
	int rl = snprintf(raw, sizeof raw, "%c%s%c%s", 0, USER, 0, PASSWORD);
	assert_true(rl > 0 && (size_t)rl < sizeof raw);
	assert_true(base64_encoded_len((size_t)rl) < sizeof b64);
	b64[base64_encode_raw(b64, (const unsigned char *)raw, (size_t)rl)] = '\0';
	struct tls_order t = {.first_cap = -1, .first_auth = -1, .b64 = b64};
	log_lines(log, "C-TLS ", check_tls_line, &t);
	if (t.first_cap < 0 || t.first_auth < 0 || t.first_cap > t.first_auth)
		fail_msg("expected CAPABILITY, then the login, inside TLS:\n%s", log);
	assert_true(t.b64_seen);
	free(log);
}

/* Refusals before any credential: the server's log must hold no LOGIN / AUTHENTICATE. */
static void assert_no_credentials(const struct server *h)
{
	server_wait_line(h, "END 1 ");
	char *log = server_log(h);
	struct plain_check pc = {0};
	log_lines(log, "C-PLAIN ", check_plain_line, &pc);
	log_lines(log, "C-TLS ", check_plain_line, &pc);
	if (pc.bad)
		fail_msg("the server received credentials:\n%s", log);
	assert_false(has_line(log, "ACCEPT 2"));
	free(log);
}

static void assert_refused(const struct conn *ic, enum imap_error_kind kind, const char *words)
{
	assert_false(ic->ready);
	assert_true(ic->down);
	assert_int_equal(ic->n_errors, 1);
	assert_int_equal(ic->kind, kind);
	if (!strstr(ic->why, words))
		fail_msg("the reason does not say \"%s\": %s", words, ic->why);
}

static void test_no_starttls(void **state)
{
	struct fx *f = *state;
	server_start(&f->srv, "no-starttls", false, NULL);
	struct conn_opts o = {.tls = CONFIG_TLS_STARTTLS, .reconnect = true};
	conn_open(&f->c, &f->srv, &o);
	assert_refused(&f->c, IMAP_ERR_TLS, "STARTTLS");
	assert_int_equal(f->c.retry_ms, -1); /* a policy refusal is not retried */
	assert_no_credentials(&f->srv);
}

static void test_preauth_plaintext(void **state)
{
	struct fx *f = *state;
	server_start(&f->srv, "preauth", false, NULL);
	struct conn_opts o = {.tls = CONFIG_TLS_STARTTLS, .reconnect = true};
	conn_open(&f->c, &f->srv, &o);
	assert_refused(&f->c, IMAP_ERR_TLS, "PREAUTH");
	assert_int_equal(f->c.retry_ms, -1);
	assert_no_credentials(&f->srv);
}

/* ---- 4-6: limits and garbage ---------------------------------------------------------------- */

enum at { AT_GREETING, AT_LIST, AT_FETCH };

struct hcase {
	const char *scenario;
	bool tls;
	enum at at;
	const char *words[3]; /* each must appear in the reason */
};

static const struct hcase cases[] = {
	{"huge-literal", false, AT_FETCH, {"literal", "4294967296", "limit"}},
	{"huge-literal", true, AT_FETCH, {"literal", "4294967296", "limit"}},
	{"deep-fetch", false, AT_FETCH, {"protocol error", "nested deeper"}},
	{"deep-fetch", true, AT_FETCH, {"protocol error", "nested deeper"}},
	{"deep-fetch-ext", false, AT_FETCH, {"protocol error", "nesting deeper"}},
	{"deep-list", false, AT_LIST, {"protocol error", "nesting deeper"}},
	{"deep-list", true, AT_LIST, {"protocol error", "nesting deeper"}},
	{"deep-list-attrs", false, AT_LIST, {"protocol error", "LIST attributes"}},
	{"garbage-greeting", false, AT_GREETING, {"protocol error"}},
	{"garbage-greeting", true, AT_GREETING, {"protocol error"}},
	{"garbage-random", false, AT_LIST, {"protocol error"}},
	{"garbage-random", true, AT_LIST, {"protocol error"}},
	{"garbage-nul-line", false, AT_LIST, {"protocol error", "\\x00"}},
	{"garbage-nul-quoted", false, AT_LIST, {"protocol error", "\\x00", "quoted string"}},
	{"garbage-long-line", false, AT_LIST, {"protocol error", "line longer than"}},
	{"garbage-long-line", true, AT_LIST, {"protocol error", "line longer than"}},
	{"garbage-unknown-tag", false, AT_LIST, {"protocol error", "zz999", "never sent"}},
	{"garbage-unknown-tag", true, AT_LIST, {"protocol error", "zz999", "never sent"}},
	{"garbage-continuation", false, AT_LIST, {"protocol error", "continuation"}},
	{"garbage-continuation", true, AT_LIST, {"protocol error", "continuation"}},
};

static void test_protocol_error(void **state)
{
	struct fx *f = *state;
	const struct hcase *k = f->param;
	print_message("scenario %s over %s\n", k->scenario, k->tls ? "TLS" : "plaintext");
	long rss0 = max_rss_kb();
	server_start(&f->srv, k->scenario, k->tls, NULL);
	struct conn_opts o = {.tls = k->tls ? CONFIG_TLS_IMPLICIT : CONFIG_TLS_NONE};
	conn_open(&f->c, &f->srv, &o);
	if (k->at == AT_GREETING) {
		assert_false(f->c.ready);
	} else {
		assert_ready(&f->c);
		enum imap_op_status st;
		if (k->at == AT_LIST) {
			st = do_list(&f->c, NULL);
		} else {
			do_select(&f->c);
			st = do_fetch(&f->c, false, NULL);
		}
		assert_int_equal(st, IMAP_OP_ABORTED);
		WAIT(f->c.down, "the connection to go down");
	}
	assert_int_equal(f->c.n_errors, 1);
	assert_int_equal(f->c.n_down, 1);
	assert_int_equal(f->c.kind, IMAP_ERR_PROTOCOL);
	for (int i = 0; i < 3 && k->words[i]; i++)
		if (!strstr(f->c.why, k->words[i]) || !strstr(f->c.error, k->words[i]))
			fail_msg("the reason does not say \"%s\": %s", k->words[i], f->c.why);
	assert_null(imap_connection_session(f->c.c));
	/* the client closed the connection (the server reads EOF or a reset, and logs END) */
	server_wait_line(&f->srv, "END 1 ");
	long grown = max_rss_kb() - rss0;
	if (grown > RSS_GROWTH_MAX_KB)
		fail_msg("memory grew by %ld KiB", grown);
}

/* ---- 7-8: stalls and drops ---------------------------------------------------------------------- */

static const bool plain_mode = false, tls_mode = true;

static void test_stall_greeting(void **state)
{
	struct fx *f = *state;
	bool tls = *(const bool *)f->param;
	server_start(&f->srv, "stall-greeting", tls, NULL);
	struct conn_opts o = {.tls = tls ? CONFIG_TLS_IMPLICIT : CONFIG_TLS_NONE, .greeting_ms = 1000};
	conn_open(&f->c, &f->srv, &o);
	assert_refused(&f->c, IMAP_ERR_TIMEOUT, "greeting");
	server_wait_line(&f->srv, "END 1 ");
}

static void test_stall_fetch(void **state)
{
	struct fx *f = *state;
	bool tls = *(const bool *)f->param;
	server_start(&f->srv, "stall-fetch", tls, NULL);
	/* short, but not so short that a loaded machine trips it before the FETCH */
	struct conn_opts o = {.tls = tls ? CONFIG_TLS_IMPLICIT : CONFIG_TLS_NONE, .command_ms = 3000};
	conn_open(&f->c, &f->srv, &o);
	assert_ready(&f->c);
	do_select(&f->c);
	assert_int_equal(do_fetch(&f->c, false, NULL), IMAP_OP_TIMEOUT);
	WAIT(f->c.down, "the connection to go down");
	assert_int_equal(f->c.n_errors, 1);
	assert_int_equal(f->c.kind, IMAP_ERR_TIMEOUT);
	if (!strstr(f->c.why, "did not answer"))
		fail_msg("the reason does not name the timeout: %s", f->c.why);
	server_wait_line(&f->srv, "END 1 ");
}

/* The server closes the connection in the middle of a FETCH response: the op is aborted, the
 * connection reports down with a reason and schedules a reconnect; the next connection works. */
static void test_drop_fetch(void **state)
{
	struct fx *f = *state;
	bool tls = *(const bool *)f->param;
	server_start(&f->srv, "drop-fetch", tls, NULL);
	/* a long back-off: the reconnect happens when the test asks for it */
	struct conn_opts o = {.tls = tls ? CONFIG_TLS_IMPLICIT : CONFIG_TLS_NONE, .reconnect = true,
			      .backoff_ms = 60000};
	conn_open(&f->c, &f->srv, &o);
	assert_ready(&f->c);
	do_select(&f->c);
	assert_int_equal(do_fetch(&f->c, false, NULL), IMAP_OP_ABORTED);
	WAIT(f->c.down, "the connection to go down");
	assert_int_equal(f->c.n_errors, 1);
	assert_int_equal(f->c.kind, IMAP_ERR_NETWORK);
	if (!strstr(f->c.why, "127.0.0.1") || !strstr(f->c.why, "lost"))
		fail_msg("the reason does not say the connection was lost: %s", f->c.why);
	assert_true(f->c.retry_ms > 0);
	assert_true(imap_connection_next_delay(f->c.c) > 0);
	assert_null(imap_connection_session(f->c.c));

	imap_connection_reconnect_now(f->c.c);
	WAIT(f->c.n_sessions == 2 && (f->c.ready || f->c.down), "the reconnection");
	assert_ready(&f->c);
	do_select(&f->c);
	size_t n = 0;
	assert_int_equal(do_fetch(&f->c, false, &n), IMAP_OP_OK);
	assert_int_equal(n, 3);
	conn_logout(&f->c);
	server_wait_line(&f->srv, "END 2 ");
}

/* ---- 9: certificates --------------------------------------------------------------------------- */

struct ccase {
	const char *cert;  /* the server's: other (for other.example), self (self-signed), server */
	const char *host;  /* what the client connects to */
	const char *ca;    /* NULL: the test CA; "": the system store */
	const char *words;
};

static const struct ccase cert_cases[] = {
	{"other", "localhost", NULL, "wrong host name"},
	{"other", "127.0.0.1", NULL, "wrong address"},
	{"self", "127.0.0.1", NULL, "self-signed"},
	{"server", "127.0.0.1", "", "unknown CA"},
};

static void test_bad_certificate(void **state)
{
	struct fx *f = *state;
	const struct ccase *k = f->param;
	print_message("%s certificate, connecting to %s\n", k->cert, k->host);
	server_start(&f->srv, "normal", true, k->cert);
	struct conn_opts o = {.tls = CONFIG_TLS_IMPLICIT, .host = k->host, .ca = k->ca,
			      .reconnect = true};
	conn_open(&f->c, &f->srv, &o);
	print_message("refused: %s\n", f->c.why);
	/* session.h files a failed handshake under IMAP_ERR_TLS; with implicit TLS the engine
	 * reports it as a lost transport (IMAP_ERR_NETWORK): either is accepted here, the reason
	 * and the refusal to retry are what matter */
	assert_refused(&f->c, f->c.kind == IMAP_ERR_NETWORK ? IMAP_ERR_NETWORK : IMAP_ERR_TLS, k->words);
	assert_int_equal(f->c.retry_ms, -1); /* a refused certificate is not retried */
	server_wait_line(&f->srv, "END 1 ");
	char *log = server_log(&f->srv);
	if (!has_line(log, "TLS-FAIL 1 ") || !has_line(log, "AFTER-TLS-FAIL 1 0"))
		fail_msg("the client went on after the failed handshake:\n%s", log);
	assert_false(has_line(log, "C-TLS "));
	assert_false(has_line(log, "C-PLAIN "));
	assert_false(has_line(log, "ACCEPT 2"));
	free(log);
}

/* ---- 10: escape sequences reach the engine intact (ui/sanitize's job; hostile_binary.sh) ---- */

static void test_escapes_engine(void **state)
{
	struct fx *f = *state;
	server_start(&f->srv, "escapes", true, NULL);
	struct conn_opts o = {.tls = CONFIG_TLS_IMPLICIT};
	conn_open(&f->c, &f->srv, &o);
	assert_ready(&f->c);
	assert_true(imap_session_is_gmail(f->c.s));
	assert_non_null(strstr(f->c.alert, "alert-visible"));
	size_t n = 0;
	assert_int_equal(do_list(&f->c, &n), IMAP_OP_OK);
	assert_int_equal(n, 4);
	do_select(&f->c);
	assert_int_equal(do_fetch(&f->c, true, &n), IMAP_OP_OK);
	assert_int_equal(n, 3);
	assert_int_equal(f->c.n_errors, 0);
	conn_logout(&f->c);
}

/* ---- main ------------------------------------------------------------------------------------ */

#define FX(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define FXP(fn, p) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)(p))

int main(void)
{
	const char *c = getenv("HOSTILE_CERTS");
	if (!c || !*c) {
		fprintf(stderr, "it_hostile: HOSTILE_CERTS is not set; run it through "
				"tests/integration/hostile.sh\n");
		const char *ci = getenv("CI");
		return ci && (!strcmp(ci, "true") || !strcmp(ci, "1")) ? 1 : 77;
	}
	snprintf(certs, sizeof certs, "%s", c);
	const char *py = getenv("PYTHON3"), *top = getenv("top_srcdir");
	snprintf(python, sizeof python, "%s", py && *py ? py : "python3");
	snprintf(script, sizeof script, "%s/tests/servers/hostile_server.py", top && *top ? top : ".");
	loop = loop_new();
	if (!loop)
		return 1;

	const struct CMUnitTest tests[] = {
		FX(test_starttls_injection),
		FX(test_no_starttls),
		FX(test_preauth_plaintext),
		FXP(test_protocol_error, &cases[0]),
		FXP(test_protocol_error, &cases[1]),
		FXP(test_protocol_error, &cases[2]),
		FXP(test_protocol_error, &cases[3]),
		FXP(test_protocol_error, &cases[4]),
		FXP(test_protocol_error, &cases[5]),
		FXP(test_protocol_error, &cases[6]),
		FXP(test_protocol_error, &cases[7]),
		FXP(test_protocol_error, &cases[8]),
		FXP(test_protocol_error, &cases[9]),
		FXP(test_protocol_error, &cases[10]),
		FXP(test_protocol_error, &cases[11]),
		FXP(test_protocol_error, &cases[12]),
		FXP(test_protocol_error, &cases[13]),
		FXP(test_protocol_error, &cases[14]),
		FXP(test_protocol_error, &cases[15]),
		FXP(test_protocol_error, &cases[16]),
		FXP(test_protocol_error, &cases[17]),
		FXP(test_protocol_error, &cases[18]),
		FXP(test_protocol_error, &cases[19]),
		FXP(test_stall_greeting, &plain_mode),
		FXP(test_stall_greeting, &tls_mode),
		FXP(test_stall_fetch, &plain_mode),
		FXP(test_stall_fetch, &tls_mode),
		FXP(test_drop_fetch, &plain_mode),
		FXP(test_drop_fetch, &tls_mode),
		FXP(test_bad_certificate, &cert_cases[0]),
		FXP(test_bad_certificate, &cert_cases[1]),
		FXP(test_bad_certificate, &cert_cases[2]),
		FXP(test_bad_certificate, &cert_cases[3]),
		FX(test_escapes_engine),
	};
	_Static_assert(sizeof cases / sizeof cases[0] == 20, "every case is listed in main()");
	_Static_assert(sizeof cert_cases / sizeof cert_cases[0] == 4, "every case is listed in main()");
	int rc = cmocka_run_group_tests_name("it_hostile", tests, NULL, NULL);
	loop_free(&loop);
	return rc;
}
