/* connection — net + session for one account: policy, secrets, reconnect back-off. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "loop.h"
#include "net.h"
#include "secret_cmd.h"
#include "imap/connection.h"

#define THROTTLE_FLOOR_MS 30000
#define THROTTLE_WINDOW_MS (10 * 60 * 1000)

struct imap_connection {
	struct loop *loop;
	struct imap_connection_opts opts;
	struct imap_connection_callbacks cb;
	void *ctx;
	/* the account (copies) */
	char *name, *host, *user, *password_command, *oauth_token_command, *ca_file, *pin;
	unsigned port;
	enum config_tls tls;
	bool verify, need_loopback_peer;
	const char *mechs[2];
	bool oauth;

	struct net *net;
	struct imap_session *sess;
	struct secret_cmd *secret;
	struct loop_timer *t_reconnect;
	bool teardown_queued, closing, permanent;
	char why[600];
	unsigned backoff_ms;
	unsigned throttle_level;
	int64_t throttled_until;
	uint32_t rng;

	unsigned depth;
	bool free_pending;
	struct imap_conn_pool *pool;
};

void imap_connection_opts_init(struct imap_connection_opts *o)
{
	memset(o, 0, sizeof *o);
	imap_session_opts_init(&o->session);
	o->reconnect = true;
	o->backoff_min_ms = 1000;
	o->backoff_max_ms = 300000;
	o->secret_timeout_ms = 60000;
}

int imap_connection_check_policy(const struct config_account *a, char *err, size_t errlen)
{
	if (!a || !a->host || !*a->host) {
		snprintf(err, errlen, "account has no host");
		return -1;
	}
	if (a->tls == CONFIG_TLS_NONE && !a->allow_plaintext && !net_host_is_loopback(a->host)) {
		snprintf(err, errlen,
			 "account '%s': tls = none is only allowed for a loopback host or with "
			 "allow_plaintext = yes; refusing to connect to %s in plaintext",
			 a->name ? a->name : "?", a->host);
		return -1;
	}
	return 0;
}

/* ---- lifetime ---------------------------------------------------------------------------- */

static void enter(struct imap_connection *c)
{
	c->depth++;
}

static void destroy(struct imap_connection *c)
{
	loop_timer_free(&c->t_reconnect);
	if (c->pool && c->pool->open)
		c->pool->open--;
	free(c->name);
	free(c->host);
	free(c->user);
	free(c->password_command);
	free(c->oauth_token_command);
	free(c->ca_file);
	free(c->pin);
	free(c);
}

static bool leave(struct imap_connection *c)
{
	if (--c->depth == 0 && c->free_pending) {
		destroy(c);
		return true;
	}
	return false;
}

static void on_teardown(struct loop *loop, void *ctx);

/* Drops the session and the network connection (both are safe to free from their callbacks). */
static void drop(struct imap_connection *c)
{
	secret_cmd_cancel(&c->secret);
	struct imap_session *s = c->sess;
	c->sess = NULL;
	imap_session_free(&s); /* closes the transport: net_close() */
	net_close(&c->net);
	if (c->teardown_queued) {
		loop_defer_cancel(c->loop, on_teardown, c);
		c->teardown_queued = false;
	}
}

void imap_connection_free(struct imap_connection **cp)
{
	struct imap_connection *c = cp ? *cp : NULL;
	if (!c)
		return;
	*cp = NULL;
	if (c->free_pending)
		return;
	c->free_pending = true;
	c->depth++;
	drop(c);
	loop_timer_stop(c->t_reconnect);
	leave(c);
}

/* ---- back-off ---------------------------------------------------------------------------- */

static uint32_t rnd(struct imap_connection *c)
{
	uint32_t x = c->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return c->rng = x ? x : 0x9e3779b9u;
}

long imap_connection_next_delay(const struct imap_connection *c)
{
	if (!c)
		return -1;
	uint64_t d = c->backoff_ms;
	if (c->throttle_level && loop_now_ms(c->loop) < c->throttled_until) {
		uint64_t floor = (uint64_t)THROTTLE_FLOOR_MS << (c->throttle_level > 6 ? 6 : c->throttle_level - 1);
		if (d < floor)
			d = floor;
	}
	if (d > c->opts.backoff_max_ms)
		d = c->opts.backoff_max_ms;
	return (long)d;
}

static long schedule_reconnect(struct imap_connection *c)
{
	long d = imap_connection_next_delay(c);
	/* +-20% so that several connections do not come back in step */
	long jitter = d / 5;
	if (jitter > 0)
		d += (long)(rnd(c) % (uint32_t)(2 * jitter + 1)) - jitter;
	loop_timer_start(c->t_reconnect, d);
	uint64_t next = (uint64_t)c->backoff_ms * 2;
	c->backoff_ms = next > c->opts.backoff_max_ms ? c->opts.backoff_max_ms : (unsigned)next;
	return d;
}

bool imap_connection_throttled(const struct imap_connection *c)
{
	return c && c->throttle_level && loop_now_ms(c->loop) < c->throttled_until;
}

/* ---- transport over net ------------------------------------------------------------------ */

static int t_write(void *t, const char *data, size_t len)
{
	struct imap_connection *c = t;
	return c->net ? net_write(c->net, data, len) : -1;
}

static int t_start_tls(void *t)
{
	struct imap_connection *c = t;
	return c->net && net_start_tls(c->net) >= 0 ? 0 : -1;
}

static int t_start_compress(void *t)
{
	struct imap_connection *c = t;
	return c->net ? net_start_compress(c->net) : -1;
}

static void t_line_mode(void *t, bool on)
{
	struct imap_connection *c = t;
	if (c->net)
		net_set_line_mode(c->net, on);
}

static void t_close(void *t)
{
	struct imap_connection *c = t;
	net_close(&c->net);
}

static const struct imap_transport transport = {
	.line_mode = t_line_mode,
	.write = t_write,
	.start_tls = t_start_tls,
	.start_compress = t_start_compress,
	.close = t_close,
};

static void on_connected(struct net *n, void *ctx)
{
	struct imap_connection *c = ctx;
	enter(c);
	if (c->need_loopback_peer && !net_peer_is_loopback(n)) {
		c->permanent = true;
		imap_session_transport_down(c->sess, "refusing plaintext: the peer address is not loopback");
	} else {
		imap_session_transport_up(c->sess);
	}
	leave(c);
}

static void on_tls(struct net *n, void *ctx)
{
	struct imap_connection *c = ctx;
	enter(c);
	net_set_line_mode(n, false);
	imap_session_tls_done(c->sess, true, NULL);
	leave(c);
}

static void on_data(struct net *n, const char *data, size_t len, void *ctx)
{
	struct imap_connection *c = ctx;
	enter(c);
	imap_session_input(c->sess, data, len);
	leave(c);
}

static void on_error(struct net *n, enum net_error err, const char *msg, void *ctx)
{
	struct imap_connection *c = ctx;
	enter(c);
	if (err == NET_ERR_CERT || err == NET_ERR_INVALID)
		c->permanent = true; /* a refused certificate is not retried behind the user's back */
	imap_session_transport_down(c->sess, msg);
	leave(c);
}

static void on_closed(struct net *n, void *ctx)
{
	struct imap_connection *c = ctx;
	enter(c);
	imap_session_transport_down(c->sess, "the server closed the connection");
	leave(c);
}

/* ---- session callbacks (forwarded) -------------------------------------------------------- */

static void on_teardown(struct loop *loop, void *ctx)
{
	struct imap_connection *c = ctx;
	enter(c);
	c->teardown_queued = false;
	enum imap_error_kind kind = imap_session_error_kind(c->sess);
	drop(c);
	bool retry = c->opts.reconnect && !c->closing && !c->permanent && kind != IMAP_ERR_AUTH &&
		     kind != IMAP_ERR_TLS && kind != IMAP_ERR_NONE;
	long delay = retry ? schedule_reconnect(c) : -1;
	if (c->cb.down)
		c->cb.down(c->ctx, c->why[0] ? c->why : c->closing ? "logged out" : "closed", delay);
	leave(c);
}

static void s_state(void *ctx, enum imap_session_state old, enum imap_session_state now)
{
	struct imap_connection *c = ctx;
	enter(c);
	if (now == IMAP_SESSION_AUTH && old != IMAP_SESSION_SELECTED) {
		c->backoff_ms = c->opts.backoff_min_ms; /* a good session: start the back-off over */
		if (loop_now_ms(c->loop) >= c->throttled_until)
			c->throttle_level = 0;
	}
	if (now == IMAP_SESSION_CLOSED && !c->teardown_queued && !c->free_pending) {
		/* tear down on the next turn: the session still reports the error after this */
		if (loop_defer(c->loop, on_teardown, c) == 0)
			c->teardown_queued = true;
	}
	if (c->cb.session.state)
		c->cb.session.state(c->ctx, old, now);
	leave(c);
}

static void s_untagged(void *ctx, const struct imap_response *r)
{
	struct imap_connection *c = ctx;
	if (c->cb.session.untagged) {
		enter(c);
		c->cb.session.untagged(c->ctx, r);
		leave(c);
	}
}

static void s_alert(void *ctx, const char *text)
{
	struct imap_connection *c = ctx;
	if (c->cb.session.alert) {
		enter(c);
		c->cb.session.alert(c->ctx, text);
		leave(c);
	}
}

static void s_error(void *ctx, const char *msg)
{
	struct imap_connection *c = ctx;
	enter(c);
	snprintf(c->why, sizeof c->why, "%s", msg);
	if (c->cb.session.error)
		c->cb.session.error(c->ctx, msg);
	leave(c);
}

static void s_trace(void *ctx, char dir, const char *data, size_t len)
{
	struct imap_connection *c = ctx;
	if (c->cb.session.trace) {
		enter(c);
		c->cb.session.trace(c->ctx, dir, data, len);
		leave(c);
	}
}

static void s_throttled(void *ctx)
{
	struct imap_connection *c = ctx;
	enter(c);
	if (c->throttle_level < 7)
		c->throttle_level++;
	c->throttled_until = loop_now_ms(c->loop) + THROTTLE_WINDOW_MS;
	if (c->cb.session.throttled)
		c->cb.session.throttled(c->ctx);
	leave(c);
}

static int s_literal(void *ctx, const struct imap_literal_info *info, const char *data, size_t len)
{
	struct imap_connection *c = ctx;
	if (!c->cb.session.literal)
		return 0;
	enter(c);
	int r = c->cb.session.literal(c->ctx, info, data, len);
	leave(c);
	return r;
}

static void on_secret(void *ctx, const char *secret, const char *why)
{
	struct imap_connection *c = ctx;
	enter(c);
	c->secret = NULL; /* freed by secret_cmd after this returns */
	if (c->sess)
		imap_session_secret(c->sess, secret, why);
	leave(c);
}

static void get_secret(void *ctx, bool again)
{
	struct imap_connection *c = ctx;
	const char *cmd = c->oauth ? c->oauth_token_command : c->password_command;
	char err[300];
	enter(c);
	secret_cmd_cancel(&c->secret);
	if (!cmd) {
		imap_session_secret(c->sess, NULL,
				    c->oauth ? "no oauth_token_command configured" : "no password_command configured");
	} else if (!(c->secret = secret_cmd_run(c->loop, cmd, c->opts.secret_timeout_ms, on_secret, c, err,
						sizeof err))) {
		imap_session_secret(c->sess, NULL, err);
	}
	leave(c);
}

/* ---- connecting ---------------------------------------------------------------------------- */

static int connect_now(struct imap_connection *c)
{
	static const struct imap_session_callbacks scb = {
		.state = s_state,
		.untagged = s_untagged,
		.alert = s_alert,
		.error = s_error,
		.trace = s_trace,
		.throttled = s_throttled,
		.literal = s_literal,
	};
	static const struct net_callbacks ncb = {
		.on_connected = on_connected,
		.on_tls = on_tls,
		.on_data = on_data,
		.on_error = on_error,
		.on_closed = on_closed,
	};
	struct imap_session_opts so = c->opts.session;
	so.tls = c->tls == CONFIG_TLS_IMPLICIT ? IMAP_TLS_IMPLICIT
		 : c->tls == CONFIG_TLS_STARTTLS ? IMAP_TLS_STARTTLS
						 : IMAP_TLS_NONE;
	so.host = c->host;
	so.port = c->port;
	so.auth.user = c->user;
	so.auth.mechanisms = c->mechs[0] ? c->mechs : NULL;
	so.auth.oauth = c->oauth;
	so.auth.get_secret = get_secret;
	so.auth.ctx = c;
	struct imap_session_callbacks cb = scb;
	if (!c->cb.session.trace)
		cb.trace = NULL; /* tracing costs: only when someone listens */
	c->why[0] = '\0';
	c->permanent = false;
	c->sess = imap_session_new(c->loop, &so, &cb, c, &transport, c);
	if (!c->sess)
		return -1;
	struct net_opts no;
	net_opts_init(&no);
	no.tls = so.tls == IMAP_TLS_IMPLICIT ? NET_TLS_IMPLICIT
		 : so.tls == IMAP_TLS_STARTTLS ? NET_TLS_STARTTLS
					       : NET_TLS_NONE;
	no.verify = c->verify;
	no.ca_file = c->ca_file;
	no.pin_sha256 = c->pin;
	if (c->opts.connect_timeout_ms)
		no.connect_timeout_ms = c->opts.connect_timeout_ms;
	c->net = net_connect(c->loop, c->host, c->port, &no, &ncb, c);
	if (!c->net) {
		imap_session_free(&c->sess);
		return -1;
	}
	if (c->cb.session_new)
		c->cb.session_new(c->ctx, c->sess);
	return 0;
}

static void on_reconnect(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct imap_connection *c = ctx;
	enter(c);
	if (!c->sess && !c->closing && !c->free_pending && connect_now(c) != 0) {
		snprintf(c->why, sizeof c->why, "cannot connect to %s: out of memory or bad options", c->host);
		long d = schedule_reconnect(c);
		if (c->cb.down)
			c->cb.down(c->ctx, c->why, d);
	}
	leave(c);
}

void imap_connection_reconnect_now(struct imap_connection *c)
{
	if (c && !c->sess && !c->closing && !c->free_pending)
		loop_timer_start(c->t_reconnect, 0);
}

static char *dup_or_null(const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

struct imap_connection *imap_connection_new(struct loop *loop, const struct config_account *a,
					    const struct imap_connection_opts *o,
					    const struct imap_connection_callbacks *cb, void *ctx, char *err,
					    size_t errlen)
{
	char dummy[8];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	if (!loop || imap_connection_check_policy(a, err, errlen) != 0)
		return NULL;
	struct imap_conn_pool *pool = o ? o->pool : NULL;
	unsigned cap = pool && pool->max ? pool->max : 3;
	if (pool && pool->open >= cap) {
		snprintf(err, errlen, "account '%s': already %u connections (max_connections)",
			 a->name ? a->name : "?", pool->open);
		return NULL;
	}
	struct imap_connection *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->loop = loop;
	if (o)
		c->opts = *o;
	else
		imap_connection_opts_init(&c->opts);
	if (!c->opts.backoff_min_ms)
		c->opts.backoff_min_ms = 1000;
	if (c->opts.backoff_max_ms < c->opts.backoff_min_ms)
		c->opts.backoff_max_ms = c->opts.backoff_min_ms > 300000 ? c->opts.backoff_min_ms : 300000;
	c->backoff_ms = c->opts.backoff_min_ms;
	if (cb)
		c->cb = *cb;
	c->ctx = ctx;
	bool ok = true;
	c->name = dup_or_null(a->name, &ok);
	c->host = dup_or_null(a->host, &ok);
	c->user = dup_or_null(a->user, &ok);
	c->password_command = dup_or_null(a->password_command, &ok);
	c->oauth_token_command = dup_or_null(a->oauth_token_command, &ok);
	c->ca_file = dup_or_null(a->ca_file, &ok);
	c->pin = dup_or_null(a->pin_sha256, &ok);
	c->port = config_account_port(a);
	c->tls = a->tls;
	c->verify = a->verify || a->pin_sha256;
	c->need_loopback_peer = a->tls == CONFIG_TLS_NONE && !a->allow_plaintext;
	switch (a->auth) {
	case CONFIG_AUTH_LOGIN: c->mechs[0] = "LOGIN"; break;
	case CONFIG_AUTH_PLAIN: c->mechs[0] = "PLAIN"; break;
	case CONFIG_AUTH_XOAUTH2: c->mechs[0] = "XOAUTH2"; c->oauth = true; break;
	case CONFIG_AUTH_OAUTHBEARER: c->mechs[0] = "OAUTHBEARER"; c->oauth = true; break;
	default: c->oauth = !a->password_command && a->oauth_token_command; break;
	}
	c->rng = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16) ^ (uint32_t)(uintptr_t)c;
	c->t_reconnect = loop_timer_new(loop, on_reconnect, c);
	c->pool = pool;
	if (pool)
		pool->open++;
	if (!ok || !c->t_reconnect) {
		snprintf(err, errlen, "out of memory");
		destroy(c);
		return NULL;
	}
	enter(c);
	if (connect_now(c) != 0) {
		snprintf(err, errlen, "cannot connect to %s: out of memory or bad options", a->host);
		c->free_pending = true;
	}
	bool gone = c->free_pending; /* also when session_new() freed it */
	if (leave(c) || gone) {
		if (!err[0])
			snprintf(err, errlen, "the connection was closed at once");
		return NULL;
	}
	return c;
}

struct imap_session *imap_connection_session(const struct imap_connection *c)
{
	return c && !c->free_pending ? c->sess : NULL;
}

void imap_connection_logout(struct imap_connection *c)
{
	if (!c || c->free_pending || c->closing)
		return;
	enter(c);
	c->closing = true;
	loop_timer_stop(c->t_reconnect);
	if (c->sess) {
		imap_session_logout(c->sess);
	} else if (c->cb.down) {
		c->cb.down(c->ctx, "logged out", -1);
	}
	leave(c);
}
