/* test_session_script — the transcript runner (format in test_session_script.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "buf.h"
#include "loop.h"
#include "imap/encode.h"
#include "imap/parser.h"
#include "imap/session.h"
#include "imap/session_internal.h"
#include "test_session_script.h"

#define MAX_CMDS 64

struct tcmd {
	char label[32];
	uint32_t id;
	int done_count;
	enum imap_done_status status;
	char message[256];
	struct buf routed;
	bool free_in_done, cancelled;
	struct run *run;
};

struct run {
	const char *path;
	int line;
	enum script_split split;
	bool trace_on;
	uint32_t rng;

	struct loop *loop;
	struct imap_session *s;
	struct imap_session_opts opts;
	struct imap_parser_limits limits;
	char user[64], host[64], mechs_buf[128];
	const char *mechs[8];
	bool manual_up, tls_start_fails;
	char free_on_untagged[32], free_on_state[32];

	/* fake transport */
	struct buf out, history, chunk;
	bool closed, line_mode, discard;
	int writes_after_close, tls_started, compress_started;
	size_t dropped;

	/* callbacks seen */
	struct buf untagged, trace, alerts;
	int n_alerts;
	char error[700];
	int n_errors;
	int throttled;
	int secret_asked;
	bool secret_again;

	struct tcmd cmds[MAX_CMDS];
	int n_cmds;
};

__attribute__((noreturn, format(printf, 2, 3))) static void die(const struct run *r, const char *fmt, ...)
{
	char m[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	fail_msg("%s:%d (%s, trace %s): %s", r->path, r->line,
		 r->split == SPLIT_WHOLE ? "whole" : r->split == SPLIT_BYTES ? "bytes" : "random",
		 r->trace_on ? "on" : "off", m);
	abort(); /* not reached: fail_msg() jumps out */
}

#define FAIL(r, ...) die((r), __VA_ARGS__)

static void app(struct run *r, struct buf *b, const char *p, size_t n)
{
	if (buf_append(b, p, n) != BUF_OK)
		FAIL(r, "test buffer full");
}

/* ---- fake transport ---------------------------------------------------------------------- */

static int f_write(void *t, const char *data, size_t len)
{
	struct run *r = t;
	if (r->closed) {
		r->writes_after_close++;
		return -1;
	}
	app(r, &r->out, data, len);
	app(r, &r->history, data, len);
	return 0;
}

static int f_start_tls(void *t)
{
	struct run *r = t;
	r->tls_started++;
	r->discard = true; /* what the transport still holds is dropped, as src/net does */
	return r->tls_start_fails ? -1 : 0;
}

static int f_start_compress(void *t)
{
	struct run *r = t;
	r->compress_started++;
	r->line_mode = false;
	return 0;
}

static void f_line_mode(void *t, bool on)
{
	((struct run *)t)->line_mode = on;
}

static void f_close(void *t)
{
	((struct run *)t)->closed = true;
}

static const struct imap_transport fake = {
	.line_mode = f_line_mode,
	.write = f_write,
	.start_tls = f_start_tls,
	.start_compress = f_start_compress,
	.close = f_close,
};

static uint32_t rnd(struct run *r)
{
	uint32_t x = r->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return r->rng = x;
}

static void deliver(struct run *r)
{
	const char *p = buf_data(&r->chunk);
	size_t n = buf_len(&r->chunk);
	r->discard = false;
	while (n && r->s && !r->closed) {
		if (r->discard) {
			r->dropped += n;
			break;
		}
		size_t piece = n;
		if (r->split == SPLIT_BYTES)
			piece = 1;
		else if (r->split == SPLIT_RANDOM)
			piece = 1 + rnd(r) % 17;
		if (r->line_mode) {
			const char *lf = memchr(p, '\n', n);
			if (lf && (size_t)(lf - p) + 1 < piece)
				piece = (size_t)(lf - p) + 1;
		}
		if (piece > n)
			piece = n;
		imap_session_input(r->s, p, piece);
		p += piece;
		n -= piece;
	}
	buf_reset(&r->chunk);
}

/* ---- callbacks --------------------------------------------------------------------------- */

static void kind_name(const struct imap_response *rs, char *out, size_t len)
{
	static const char *const names[] = {
		[IMAP_RESP_CAPABILITY] = "CAPABILITY", [IMAP_RESP_ENABLED] = "ENABLED",
		[IMAP_RESP_LIST] = "LIST", [IMAP_RESP_LSUB] = "LSUB", [IMAP_RESP_MBSTATUS] = "STATUS",
		[IMAP_RESP_SEARCH] = "SEARCH", [IMAP_RESP_SORT] = "SORT", [IMAP_RESP_ESEARCH] = "ESEARCH",
		[IMAP_RESP_FLAGS] = "FLAGS", [IMAP_RESP_VANISHED] = "VANISHED",
		[IMAP_RESP_NAMESPACE] = "NAMESPACE", [IMAP_RESP_ID] = "ID", [IMAP_RESP_THREAD] = "THREAD",
		[IMAP_RESP_UNKNOWN] = "UNKNOWN", [IMAP_RESP_CONTINUATION] = "CONTINUATION",
	};
	static const char *const st[] = { "OK", "NO", "BAD", "PREAUTH", "BYE" };
	switch (rs->kind) {
	case IMAP_RESP_STATUS:
		snprintf(out, len, "%s", st[rs->u.status.status]);
		break;
	case IMAP_RESP_EXISTS:
		snprintf(out, len, "EXISTS:%u", rs->u.number);
		break;
	case IMAP_RESP_RECENT:
		snprintf(out, len, "RECENT:%u", rs->u.number);
		break;
	case IMAP_RESP_EXPUNGE:
		snprintf(out, len, "EXPUNGE:%u", rs->u.number);
		break;
	case IMAP_RESP_FETCH:
		snprintf(out, len, "FETCH:%u", rs->u.fetch.seq);
		break;
	default:
		snprintf(out, len, "%s", (unsigned)rs->kind < sizeof names / sizeof names[0] && names[rs->kind]
						 ? names[rs->kind] : "?");
	}
}

static void add_word(struct run *r, struct buf *b, const char *w)
{
	if (buf_len(b))
		app(r, b, " ", 1);
	app(r, b, w, strlen(w));
}

static void c_state(void *ctx, enum imap_session_state old, enum imap_session_state now)
{
	struct run *r = ctx;
	assert_int_not_equal(old, now);
	if (r->free_on_state[0] && !strcmp(imap_session_state_name(now), r->free_on_state))
		imap_session_free(&r->s);
}

static void c_untagged(void *ctx, const struct imap_response *rs)
{
	struct run *r = ctx;
	char k[48];
	kind_name(rs, k, sizeof k);
	add_word(r, &r->untagged, k);
	if (r->free_on_untagged[0] && strcmp(k, r->free_on_untagged) == 0)
		imap_session_free(&r->s);
}

static void c_alert(void *ctx, const char *text)
{
	struct run *r = ctx;
	r->n_alerts++;
	app(r, &r->alerts, text, strlen(text));
	app(r, &r->alerts, "\n", 1);
}

static void c_error(void *ctx, const char *msg)
{
	struct run *r = ctx;
	r->n_errors++;
	snprintf(r->error, sizeof r->error, "%s", msg);
}

static void c_trace(void *ctx, char dir, const char *data, size_t len)
{
	struct run *r = ctx;
	const char *pre = dir == '<' ? "S: " : dir == '>' ? "C: " : "# ";
	app(r, &r->trace, pre, 3 - (dir == '#'));
	app(r, &r->trace, data, len);
	app(r, &r->trace, "\n", 1);
}

static void c_throttled(void *ctx)
{
	((struct run *)ctx)->throttled++;
}

static void c_get_secret(void *ctx, bool again)
{
	struct run *r = ctx;
	r->secret_asked++;
	r->secret_again = again;
}

static void t_untagged(void *ctx, const struct imap_response *rs)
{
	struct tcmd *c = ctx;
	char k[48];
	kind_name(rs, k, sizeof k);
	add_word(c->run, &c->routed, k);
}

static void t_done(void *ctx, const struct imap_result *res)
{
	struct tcmd *c = ctx;
	struct run *r = c->run;
	c->done_count++;
	if (c->done_count > 1)
		FAIL(r, "command %s completed twice", c->label);
	c->status = res->status;
	snprintf(c->message, sizeof c->message, "%s", res->message ? res->message : "");
	if ((res->status == IMAP_DONE_ABORTED || res->status == IMAP_DONE_TIMEOUT) && res->tagged)
		FAIL(r, "command %s: aborted with a tagged response", c->label);
	if (res->status <= IMAP_DONE_BAD && !res->tagged)
		FAIL(r, "command %s: tagged status without a tagged response", c->label);
	if (c->free_in_done)
		imap_session_free(&r->s);
}

/* ---- parsing helpers ------------------------------------------------------------------- */

static struct tcmd *find_cmd(struct run *r, const char *label)
{
	for (int i = 0; i < r->n_cmds; i++)
		if (strcmp(r->cmds[i].label, label) == 0)
			return &r->cmds[i];
	FAIL(r, "no command labelled %s", label);
	return NULL;
}

static const char *status_name(enum imap_done_status st)
{
	static const char *const n[] = { "OK", "NO", "BAD", "ABORTED", "TIMEOUT" };
	return n[st];
}

static char *next_tok(char **p)
{
	while (**p == ' ')
		(*p)++;
	if (!**p)
		return NULL;
	char *t = *p;
	while (**p && **p != ' ')
		(*p)++;
	if (**p)
		*(*p)++ = '\0';
	return t;
}

static void unescape_into(struct run *r, struct buf *b, const char *s)
{
	for (; *s; s++) {
		char ch = *s;
		if (ch == '\\' && s[1]) {
			s++;
			switch (*s) {
			case 'r': ch = '\r'; break;
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'x': {
				unsigned v = 0;
				for (int i = 0; i < 2 && s[1]; i++) {
					char h = *++s;
					v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
				}
				ch = (char)v;
				break;
			}
			default: ch = *s;
			}
		}
		app(r, b, &ch, 1);
	}
}

static void expand(struct run *r, struct buf *b, const char *s)
{
	while (*s) {
		if (strncmp(s, "${VERSION}", 10) == 0) {
			app(r, b, PACKAGE_VERSION, strlen(PACKAGE_VERSION));
			s += 10;
		} else if (strncmp(s, "${CONTACT}", 10) == 0) {
			app(r, b, PACKAGE_BUGREPORT, strlen(PACKAGE_BUGREPORT));
			s += 10;
		} else {
			app(r, b, s++, 1);
		}
	}
}

static void set_opt(struct run *r, const char *k, const char *v)
{
	struct imap_session_opts *o = &r->opts;
	unsigned n = (unsigned)strtoul(v, NULL, 10);
	if (!strcmp(k, "tls"))
		o->tls = !strcmp(v, "starttls") ? IMAP_TLS_STARTTLS : !strcmp(v, "none") ? IMAP_TLS_NONE
										      : IMAP_TLS_IMPLICIT;
	else if (!strcmp(k, "user")) {
		snprintf(r->user, sizeof r->user, "%s", v);
		o->auth.user = r->user;
	} else if (!strcmp(k, "host")) {
		snprintf(r->host, sizeof r->host, "%s", v);
		o->host = r->host;
	} else if (!strcmp(k, "mechs")) {
		snprintf(r->mechs_buf, sizeof r->mechs_buf, "%s", v);
		size_t i = 0;
		for (char *save = NULL, *t = strtok_r(r->mechs_buf, ",", &save); t && i < 7;
		     t = strtok_r(NULL, ",", &save))
			r->mechs[i++] = t;
		r->mechs[i] = NULL;
		o->auth.mechanisms = r->mechs;
	} else if (!strcmp(k, "oauth")) o->auth.oauth = n;
	else if (!strcmp(k, "port")) o->port = n;
	else if (!strcmp(k, "compress")) o->compress = n;
	else if (!strcmp(k, "id")) o->send_id = n;
	else if (!strcmp(k, "condstore")) o->enable_condstore = n;
	else if (!strcmp(k, "utf8")) o->enable_utf8 = n;
	else if (!strcmp(k, "idle")) o->idle = n;
	else if (!strcmp(k, "max_in_flight")) o->max_in_flight = n;
	else if (!strcmp(k, "command_timeout")) o->command_timeout_ms = n;
	else if (!strcmp(k, "greeting_timeout")) o->greeting_timeout_ms = n;
	else if (!strcmp(k, "idle_delay")) o->idle_delay_ms = n;
	else if (!strcmp(k, "idle_restart")) o->idle_restart_ms = n;
	else if (!strcmp(k, "keepalive")) o->keepalive_ms = n;
	else if (!strcmp(k, "max_literal")) r->limits.max_literal = n;
	else if (!strcmp(k, "max_depth")) r->limits.max_depth = n;
	else if (!strcmp(k, "manual_up")) r->manual_up = n;
	else if (!strcmp(k, "tls_start_fails")) r->tls_start_fails = n;
	else if (!strcmp(k, "free_on_state"))
		snprintf(r->free_on_state, sizeof r->free_on_state, "%s", v);
	else if (!strcmp(k, "free_on_untagged"))
		snprintf(r->free_on_untagged, sizeof r->free_on_untagged, "%s", v);
	else
		FAIL(r, "unknown option %s", k);
}

static void start(struct run *r)
{
	if (r->s || r->loop)
		return;
	static const struct imap_session_callbacks cb = {
		.state = c_state, .untagged = c_untagged, .alert = c_alert, .error = c_error,
		.trace = c_trace, .throttled = c_throttled,
	};
	struct imap_session_callbacks c = cb;
	if (!r->trace_on)
		c.trace = NULL;
	r->loop = loop_new();
	assert_non_null(r->loop);
	r->opts.limits = &r->limits;
	r->opts.auth.get_secret = c_get_secret;
	r->opts.auth.ctx = r;
	r->s = imap_session_new(r->loop, &r->opts, &c, r, &fake, r);
	assert_non_null(r->s);
	assert_int_equal(imap_session_state(r->s), IMAP_SESSION_CONNECTING);
	if (!r->manual_up)
		imap_session_transport_up(r->s);
}

/* ---- actions ------------------------------------------------------------------------------ */

static void add_args(struct run *r, struct imap_cmd *c, char *args)
{
	while (*args) {
		char *open = strstr(args, "<<");
		char save = 0;
		if (open) {
			save = *open;
			*open = '\0';
		}
		for (char *p = args, *t; (t = next_tok(&p));)
			imap_cmd_add_raw(c, t);
		if (!open)
			break;
		*open = save;
		char *close = strstr(open, ">>");
		if (!close)
			FAIL(r, "unterminated <<...>>");
		*close = '\0';
		char *body = open + 2;
		if (!strncmp(body, "lit:", 4)) {
			struct buf b;
			buf_init(&b, 1 << 20);
			unescape_into(r, &b, body + 4);
			imap_cmd_add_literal(c, buf_data(&b), buf_len(&b));
			buf_free(&b);
		} else if (!strncmp(body, "str:", 4)) {
			imap_cmd_add_string(c, body + 4, strlen(body + 4));
		} else if (!strncmp(body, "mbox:", 5)) {
			imap_cmd_add_mailbox(c, body + 5);
		} else {
			FAIL(r, "unknown <<%s>>", body);
		}
		args = close + 2;
	}
}

static uint32_t interest_of(struct run *r, char *list)
{
	static const struct {
		const char *n;
		enum imap_resp_kind k;
	} k[] = {
		{ "STATUS", IMAP_RESP_STATUS }, { "CAPABILITY", IMAP_RESP_CAPABILITY },
		{ "LIST", IMAP_RESP_LIST },     { "SEARCH", IMAP_RESP_SEARCH },
		{ "FLAGS", IMAP_RESP_FLAGS },   { "EXISTS", IMAP_RESP_EXISTS },
		{ "EXPUNGE", IMAP_RESP_EXPUNGE }, { "FETCH", IMAP_RESP_FETCH },
		{ "VANISHED", IMAP_RESP_VANISHED }, { "ID", IMAP_RESP_ID },
		{ "ENABLED", IMAP_RESP_ENABLED },
	};
	uint32_t m = 0;
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof k / sizeof k[0]; i++)
			if (!strcmp(k[i].n, t))
				break;
		if (i == sizeof k / sizeof k[0])
			FAIL(r, "unknown interest %s", t);
		m |= IMAP_INTEREST(k[i].k);
	}
	return m;
}

static void do_submit(struct run *r, char *p)
{
	char *label = next_tok(&p);
	if (!label || r->n_cmds >= MAX_CMDS)
		FAIL(r, "submit needs a label");
	struct tcmd *c = &r->cmds[r->n_cmds++];
	memset(c, 0, sizeof *c);
	snprintf(c->label, sizeof c->label, "%s", label);
	c->run = r;
	buf_init(&c->routed, 4096);
	unsigned flags = 0;
	uint32_t interest = 0;
	char *t;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '+' || !strncmp(p, "interest=", 9)) {
			t = next_tok(&p);
			if (!strcmp(t, "+barrier")) flags |= IMAP_CMDF_BARRIER;
			else if (!strcmp(t, "+priority")) flags |= IMAP_CMDF_PRIORITY;
			else if (!strcmp(t, "+selected")) flags |= IMAP_CMDF_NEEDS_SELECTED;
			else if (!strcmp(t, "+free")) c->free_in_done = true;
			else if (!strncmp(t, "interest=", 9)) interest = interest_of(r, t + 9);
			else FAIL(r, "unknown submit flag %s", t);
			continue;
		}
		break;
	}
	/* the verb: one word, or "UID X" */
	char verb[64];
	t = next_tok(&p);
	if (!t)
		FAIL(r, "submit needs a verb");
	snprintf(verb, sizeof verb, "%s", t);
	if (!strcmp(t, "UID")) {
		t = next_tok(&p);
		snprintf(verb, sizeof verb, "UID %s", t ? t : "");
	}
	struct imap_cmd cmd;
	imap_session_cmd_init(r->s, &cmd, verb);
	add_args(r, &cmd, p);
	imap_cmd_finish(&cmd);
	c->id = imap_session_submit(r->s, &cmd, flags, interest, t_untagged, t_done, c);
	imap_cmd_free(&cmd); /* a no-op: the session took the contents */
}

static bool timer_of(struct run *r, const char *name, struct loop_timer **t)
{
	if (!r->s)
		FAIL(r, "no session");
	if (!strcmp(name, "idle")) *t = r->s->t_idle;
	else if (!strcmp(name, "cmd")) *t = r->s->t_cmd;
	else if (!strcmp(name, "keepalive")) *t = r->s->t_keepalive;
	else if (!strcmp(name, "greeting")) *t = r->s->t_greeting;
	else FAIL(r, "unknown timer %s", name);
	return true;
}

static void do_action(struct run *r, char *p)
{
	char *a = next_tok(&p);
	if (!a)
		FAIL(r, "empty action");
	while (*p == ' ')
		p++;
	if (!strcmp(a, "submit")) {
		do_submit(r, p);
	} else if (!strcmp(a, "secret")) {
		struct buf b;
		buf_init(&b, 4096);
		unescape_into(r, &b, p);
		imap_session_secret(r->s, buf_data(&b), NULL);
		buf_free(&b);
	} else if (!strcmp(a, "secret-none")) {
		imap_session_secret(r->s, NULL, p);
	} else if (!strcmp(a, "tls")) {
		char *v = next_tok(&p);
		imap_session_tls_done(r->s, v && !strcmp(v, "ok"), p);
	} else if (!strcmp(a, "up")) {
		imap_session_transport_up(r->s);
	} else if (!strcmp(a, "down")) {
		r->closed = true;
		imap_session_transport_down(r->s, p);
	} else if (!strcmp(a, "free")) {
		imap_session_free(&r->s);
	} else if (!strcmp(a, "cancel")) {
		struct tcmd *c = find_cmd(r, p);
		c->cancelled = true;
		imap_session_cancel(r->s, c->id);
	} else if (!strcmp(a, "logout")) {
		imap_session_logout(r->s);
	} else if (!strcmp(a, "fire")) {
		struct loop_timer *t = NULL;
		timer_of(r, p, &t);
		if (!loop_timer_armed(t))
			FAIL(r, "timer %s is not armed", p);
		loop_timer_start(t, 0);
		loop_run_once(r->loop, 0);
	} else if (!strcmp(a, "run")) {
		int64_t end = loop_now_ms(r->loop) + strtol(p, NULL, 10);
		while (loop_now_ms(r->loop) < end)
			loop_run_once(r->loop, (int)(end - loop_now_ms(r->loop)));
	} else {
		FAIL(r, "unknown action %s", a);
	}
}

/* ---- checks ------------------------------------------------------------------------------- */

static void check_words(struct run *r, struct buf *have, const char *want, const char *what)
{
	if (strcmp(buf_data(have), want) != 0)
		FAIL(r, "%s: expected [%s], got [%s]", what, want, buf_data(have));
	buf_reset(have);
}

static bool yes(struct run *r, const char *v)
{
	if (!v || (strcmp(v, "yes") && strcmp(v, "no")))
		FAIL(r, "expected yes or no");
	return !strcmp(v, "yes");
}

static void do_check(struct run *r, char *p)
{
	char *k = next_tok(&p);
	if (!k)
		FAIL(r, "empty check");
	while (*p == ' ')
		p++;
	if (!strcmp(k, "state")) {
		const char *have = imap_session_state_name(imap_session_state(r->s));
		if (strcmp(have, p))
			FAIL(r, "state: expected %s, got %s", p, have);
	} else if (!strcmp(k, "done") || !strcmp(k, "pending")) {
		char *label = next_tok(&p);
		struct tcmd *c = find_cmd(r, label);
		if (!strcmp(k, "pending")) {
			if (c->done_count)
				FAIL(r, "%s completed (%s: %s)", label, status_name(c->status), c->message);
			return;
		}
		char *st = next_tok(&p);
		while (*p == ' ')
			p++;
		if (c->done_count != 1)
			FAIL(r, "%s: expected done once, got %d", label, c->done_count);
		if (strcmp(status_name(c->status), st))
			FAIL(r, "%s: expected %s, got %s (%s)", label, st, status_name(c->status), c->message);
		if (*p && !strstr(c->message, p))
			FAIL(r, "%s: message [%s] lacks [%s]", label, c->message, p);
	} else if (!strcmp(k, "routed")) {
		char *label = next_tok(&p);
		check_words(r, &find_cmd(r, label)->routed, p, "routed");
	} else if (!strcmp(k, "untagged")) {
		check_words(r, &r->untagged, p, "untagged");
	} else if (!strcmp(k, "alert")) {
		if (!strstr(buf_data(&r->alerts), p))
			FAIL(r, "alerts [%s] lack [%s]", buf_data(&r->alerts), p);
	} else if (!strcmp(k, "alerts")) {
		if (r->n_alerts != atoi(p))
			FAIL(r, "alerts: expected %s, got %d", p, r->n_alerts);
	} else if (!strcmp(k, "error")) {
		if (r->n_errors != 1 || !strstr(r->error, p))
			FAIL(r, "error: expected one containing [%s], got %d: [%s]", p, r->n_errors, r->error);
	} else if (!strcmp(k, "noerror")) {
		if (r->n_errors)
			FAIL(r, "unexpected error: %s", r->error);
	} else if (!strcmp(k, "errkind")) {
		static const char *const n[] = { "NONE", "NETWORK", "PROTOCOL", "TIMEOUT", "BYE", "TLS", "AUTH" };
		enum imap_error_kind e = imap_session_error_kind(r->s);
		if (strcmp(n[e], p))
			FAIL(r, "errkind: expected %s, got %s", p, n[e]);
	} else if (!strcmp(k, "throttled")) {
		if (r->throttled != atoi(p))
			FAIL(r, "throttled: expected %s, got %d", p, r->throttled);
	} else if (!strcmp(k, "secret-asked")) {
		char *n = next_tok(&p);
		char *how = next_tok(&p);
		if (r->secret_asked != atoi(n))
			FAIL(r, "secret asked %d times, expected %s", r->secret_asked, n);
		if (how && r->secret_again != !strcmp(how, "again"))
			FAIL(r, "secret asked with again=%d", r->secret_again);
	} else if (!strcmp(k, "selected")) {
		char *name = next_tok(&p);
		char *mode = next_tok(&p);
		const char *have = imap_session_selected(r->s);
		if (!strcmp(name, "-")) {
			if (have)
				FAIL(r, "selected: expected none, got %s", have);
		} else if (!have || strcmp(have, name)) {
			FAIL(r, "selected: expected %s, got %s", name, have ? have : "none");
		} else if (mode && imap_session_read_only(r->s) != !strcmp(mode, "ro")) {
			FAIL(r, "selected: read-only is %d", imap_session_read_only(r->s));
		}
	} else if (!strcmp(k, "cap")) {
		char *name = next_tok(&p);
		if (imap_session_has_cap(r->s, name) != yes(r, next_tok(&p)))
			FAIL(r, "cap %s", name);
	} else if (!strcmp(k, "enabled")) {
		char *name = next_tok(&p);
		if (imap_session_enabled(r->s, name) != yes(r, next_tok(&p)))
			FAIL(r, "enabled %s", name);
	} else if (!strcmp(k, "queue")) {
		if (imap_session_queue_length(r->s) != (size_t)atoi(p))
			FAIL(r, "queue: expected %s, got %zu", p, imap_session_queue_length(r->s));
	} else if (!strcmp(k, "closed") || !strcmp(k, "open")) {
		if (r->closed != !strcmp(k, "closed"))
			FAIL(r, "transport is %s", r->closed ? "closed" : "open");
	} else if (!strcmp(k, "tls-started")) {
		if (r->tls_started != atoi(p))
			FAIL(r, "tls started %d times", r->tls_started);
	} else if (!strcmp(k, "compress")) {
		if (r->compress_started != atoi(p))
			FAIL(r, "compress started %d times", r->compress_started);
	} else if (!strcmp(k, "dropped")) {
		if (r->dropped != (size_t)atoi(p))
			FAIL(r, "dropped %zu bytes, expected %s", r->dropped, p);
	} else if (!strcmp(k, "no-output")) {
		if (buf_len(&r->out))
			FAIL(r, "unexpected output [%s]", buf_data(&r->out));
	} else if (!strcmp(k, "never-sent")) {
		if (strstr(buf_data(&r->history), p))
			FAIL(r, "[%s] was sent", p);
	} else if (!strcmp(k, "trace-has") || !strcmp(k, "trace-lacks")) {
		if (!r->trace_on)
			return;
		struct buf want;
		buf_init(&want, 1 << 16);
		unescape_into(r, &want, p);
		bool has = strstr(buf_data(&r->trace), buf_data(&want)) != NULL;
		if (has != !strcmp(k, "trace-has"))
			FAIL(r, "trace %s [%s]:\n%s", has ? "has" : "lacks", buf_data(&want), buf_data(&r->trace));
		buf_free(&want);
	} else if (!strcmp(k, "armed")) {
		char *name = next_tok(&p);
		struct loop_timer *t = NULL;
		timer_of(r, name, &t);
		if (loop_timer_armed(t) != yes(r, next_tok(&p)))
			FAIL(r, "timer %s armed: %d", name, loop_timer_armed(t));
	} else {
		FAIL(r, "unknown check %s", k);
	}
}

static void expect_client(struct run *r, const char *text)
{
	struct buf want;
	buf_init(&want, 1 << 16);
	expand(r, &want, text);
	app(r, &want, "\r\n", 2);
	size_t n = buf_len(&want);
	if (buf_len(&r->out) < n || memcmp(buf_data(&r->out), buf_data(&want), n) != 0) {
		buf_free(&want);
		FAIL(r, "client: expected [%s\\r\\n], have [%s]", text, buf_data(&r->out));
	}
	buf_consume(&r->out, n);
	buf_free(&want);
}

/* ---- the file ---------------------------------------------------------------------------- */

void script_run_file(const char *path, enum script_split split, int trace)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	struct run *r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->path = path;
	r->split = split;
	r->trace_on = trace;
	r->rng = 0x12345678u;
	imap_session_opts_init(&r->opts);
	buf_init(&r->out, 1 << 20);
	buf_init(&r->history, 1 << 22);
	buf_init(&r->chunk, 3 << 20);
	buf_init(&r->untagged, 1 << 16);
	buf_init(&r->trace, 1 << 22);
	buf_init(&r->alerts, 1 << 16);

	char line[70000];
	while (fgets(line, sizeof line, f)) {
		r->line++;
		size_t n = strlen(line);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (n < 2 || line[1] != ':')
			FAIL(r, "bad line");
		char *p = line + 2;
		if (*p == ' ')
			p++;
		char d = line[0];
		if (d == 'O') {
			for (char *t; (t = next_tok(&p));) {
				char *eq = strchr(t, '=');
				if (!eq)
					FAIL(r, "option without =");
				*eq = '\0';
				set_opt(r, t, eq + 1);
			}
			continue;
		}
		start(r);
		if (d == 'S') {
			app(r, &r->chunk, p, strlen(p));
			app(r, &r->chunk, "\r\n", 2);
			continue;
		}
		if (d == 'B') {
			unescape_into(r, &r->chunk, p);
			continue;
		}
		if (d == 'G') {
			char *cnt = next_tok(&p);
			long times = strtol(cnt, NULL, 10);
			for (long i = 0; i < times; i++)
				app(r, &r->chunk, p, strlen(p));
			continue;
		}
		if (buf_len(&r->chunk))
			deliver(r);
		switch (d) {
		case 'C': expect_client(r, p); break;
		case 'A': do_action(r, p); break;
		case 'X': do_check(r, p); break;
		default: FAIL(r, "unknown directive %c", d);
		}
	}
	fclose(f);
	start(r);
	if (buf_len(&r->chunk))
		deliver(r);
	r->line = 0;
	if (r->trace_on && r->split == SPLIT_WHOLE && getenv("SKUA_TRACE_DUMP"))
		fprintf(stderr, "--- %s\n%s", path, buf_data(&r->trace));
	if (buf_len(&r->out))
		FAIL(r, "the client sent more than the transcript says: [%s]", buf_data(&r->out));
	imap_session_free(&r->s);
	for (int i = 0; i < r->n_cmds; i++) {
		if (r->cmds[i].done_count != (r->cmds[i].cancelled ? 0 : 1))
			FAIL(r, "command %s completed %d times", r->cmds[i].label, r->cmds[i].done_count);
		buf_free(&r->cmds[i].routed);
	}
	if (r->writes_after_close)
		FAIL(r, "%d writes after the transport was closed", r->writes_after_close);
	loop_free(&r->loop);
	buf_free(&r->out);
	buf_free(&r->history);
	buf_free(&r->chunk);
	buf_free(&r->untagged);
	buf_free(&r->trace);
	buf_free(&r->alerts);
	free(r);
}
