/* session — lifetime, input dispatch, state, capabilities and failure of an IMAP session. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loop.h"
#include "imap/session_internal.h"

#define TRACE_LINE_CAP 4096

static const char *const state_names[] = {
	[IMAP_SESSION_CONNECTING] = "CONNECTING",
	[IMAP_SESSION_GREETING] = "GREETING",
	[IMAP_SESSION_STARTTLS] = "STARTTLS",
	[IMAP_SESSION_NOT_AUTH] = "NOT_AUTH",
	[IMAP_SESSION_AUTHENTICATING] = "AUTHENTICATING",
	[IMAP_SESSION_AUTH] = "AUTH",
	[IMAP_SESSION_SELECTED] = "SELECTED",
	[IMAP_SESSION_LOGOUT] = "LOGOUT",
	[IMAP_SESSION_CLOSED] = "CLOSED",
};

const char *imap_session_state_name(enum imap_session_state st)
{
	if ((unsigned)st < sizeof state_names / sizeof state_names[0] && state_names[st])
		return state_names[st];
	return "?";
}

void imap_session_opts_init(struct imap_session_opts *o)
{
	memset(o, 0, sizeof *o);
	o->tls = IMAP_TLS_IMPLICIT;
	o->compress = true;
	o->send_id = true;
	o->enable_condstore = true;
	o->idle = true;
}

/* ---- lifetime -------------------------------------------------------------------------- */

static void destroy(struct imap_session *s)
{
	sess_timers_free(s);
	imap_parser_free(&s->parser);
	sess_wipe_secret(s);
	sess_caps_clear(s);
	for (size_t i = 0; i < s->n_enabled; i++)
		free(s->enabled[i]);
	free(s->enabled);
	for (size_t i = 0; i < s->n_mechs; i++)
		free(s->mechs[i]);
	free(s->mechs);
	free(s->host);
	free(s->user);
	free(s->selected);
	free(s->bye_text);
	buf_free(&s->trace_line);
	buf_free(&s->trace_out);
	free(s);
}

void sess_enter(struct imap_session *s)
{
	s->depth++;
}

bool sess_leave(struct imap_session *s)
{
	if (--s->depth == 0 && s->free_pending) {
		destroy(s);
		return true;
	}
	return false;
}

static void on_response(void *ctx, const struct imap_response *r);
static int on_literal(void *ctx, const struct imap_literal_info *info, const char *data, size_t len);

static char *xstrdup(const char *p)
{
	return p ? strdup(p) : NULL;
}

struct imap_session *imap_session_new(struct loop *loop, const struct imap_session_opts *opts,
				      const struct imap_session_callbacks *cb, void *cb_ctx,
				      const struct imap_transport *t, void *t_ctx)
{
	if (!loop || !opts || !t || !t->write)
		return NULL;
	struct imap_session *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->loop = loop;
	s->opts = *opts;
	s->opts.limits = NULL;
	if (opts->limits)
		s->limits = *opts->limits;
	if (cb)
		s->cb = *cb;
	s->cb_ctx = cb_ctx;
	s->t = *t;
	s->t_ctx = t_ctx;
	s->state = IMAP_SESSION_CONNECTING;
	s->pause_for = SK_OTHER;
	buf_init(&s->trace_line, TRACE_LINE_CAP);
	buf_init(&s->trace_out, (size_t)1 << 20);
	if (!s->opts.max_in_flight)
		s->opts.max_in_flight = 16;
	if (!s->opts.command_timeout_ms)
		s->opts.command_timeout_ms = 120000;
	if (!s->opts.greeting_timeout_ms)
		s->opts.greeting_timeout_ms = 30000;
	if (!s->opts.idle_delay_ms)
		s->opts.idle_delay_ms = 200;
	if (!s->opts.idle_restart_ms)
		s->opts.idle_restart_ms = 25u * 60 * 1000;
	if (!s->opts.keepalive_ms)
		s->opts.keepalive_ms = 5u * 60 * 1000;

	bool ok = true;
	s->host = xstrdup(opts->host);
	s->user = xstrdup(opts->auth.user);
	ok = (!opts->host || s->host) && (!opts->auth.user || s->user);
	s->opts.host = s->host;
	s->opts.auth.user = s->user;
	if (ok && opts->auth.mechanisms) {
		size_t n = 0;
		while (opts->auth.mechanisms[n])
			n++;
		s->mechs = calloc(n + 1, sizeof *s->mechs);
		ok = s->mechs != NULL;
		for (size_t i = 0; ok && i < n; i++) {
			s->mechs[i] = strdup(opts->auth.mechanisms[i]);
			ok = s->mechs[i] != NULL;
			s->n_mechs = i + 1;
		}
	}
	s->opts.auth.mechanisms = NULL;

	struct imap_parser_callbacks pcb = { .response = on_response, .literal_chunk = on_literal };
	if (ok)
		s->parser = imap_parser_new(&s->limits, &pcb, s);
	if (!ok || !s->parser || sess_timers_new(s) != 0) {
		destroy(s);
		return NULL;
	}
	return s;
}

void imap_session_free(struct imap_session **sp)
{
	struct imap_session *s = sp ? *sp : NULL;
	if (!s)
		return;
	*sp = NULL;
	if (s->free_pending)
		return;
	s->free_pending = true;
	sess_wipe_secret(s);
	if (!s->t_down) {
		s->t_down = true;
		if (s->t.close)
			s->t.close(s->t_ctx);
	}
	s->depth++;
	sess_abort_all(s, IMAP_DONE_ABORTED, "session closed");
	sess_leave(s);
}

/* ---- state, failure ---------------------------------------------------------------------- */

static void trace_note(struct imap_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace_note(struct imap_session *s, const char *fmt, ...)
{
	if (!s->cb.trace)
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;
	s->cb.trace(s->cb_ctx, '#', line, (size_t)n);
}

void sess_set_state(struct imap_session *s, enum imap_session_state st)
{
	enum imap_session_state old = s->state;
	if (old == st || old == IMAP_SESSION_CLOSED)
		return;
	s->state = st;
	trace_note(s, "state %s -> %s", imap_session_state_name(old), imap_session_state_name(st));
	if (s->cb.state && !s->free_pending)
		s->cb.state(s->cb_ctx, old, st);
}

static void close_transport(struct imap_session *s)
{
	if (!s->t_down) {
		s->t_down = true;
		if (s->t.close)
			s->t.close(s->t_ctx);
	}
}

static void shut(struct imap_session *s, enum imap_error_kind kind, enum imap_done_status inflight_st,
		 const char *msg, bool close)
{
	if (s->state == IMAP_SESSION_CLOSED || s->free_pending)
		return;
	s->err_kind = kind;
	if (close)
		close_transport(s);
	else
		s->t_down = true;
	sess_wipe_secret(s);
	s->idle = IDLE_NONE;
	s->idle_cmd = NULL;
	s->cont_waiter = NULL;
	sess_set_state(s, IMAP_SESSION_CLOSED);
	sess_idle_update(s); /* stops every timer: the state is CLOSED */
	if (s->free_pending)
		return;
	sess_abort_all(s, inflight_st, msg);
	if (s->free_pending)
		return;
	if (kind != IMAP_ERR_NONE && s->cb.error)
		s->cb.error(s->cb_ctx, msg);
}

__attribute__((format(printf, 4, 0)))
static void vfail(struct imap_session *s, enum imap_error_kind kind, enum imap_done_status st,
		  const char *fmt, va_list ap)
{
	char msg[600];
	vsnprintf(msg, sizeof msg, fmt, ap);
	trace_note(s, "error: %s", msg);
	shut(s, kind, st, msg, true);
}

void sess_fail(struct imap_session *s, enum imap_error_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(s, kind, kind == IMAP_ERR_TIMEOUT ? IMAP_DONE_TIMEOUT : IMAP_DONE_ABORTED, fmt, ap);
	va_end(ap);
}

void sess_close_clean(struct imap_session *s, const char *why)
{
	trace_note(s, "closed: %s", why);
	shut(s, IMAP_ERR_NONE, IMAP_DONE_ABORTED, why, true);
}

int sess_write(struct imap_session *s, const char *data, size_t len)
{
	if (s->t_down || s->state == IMAP_SESSION_CLOSED)
		return -1;
	if (s->t.write(s->t_ctx, data, len) != 0) {
		sess_fail(s, IMAP_ERR_NETWORK, "could not write to %s: the connection is unusable",
			  s->host ? s->host : "the server");
		return -1;
	}
	return 0;
}

/* ---- capabilities ------------------------------------------------------------------------ */

void sess_caps_clear(struct imap_session *s)
{
	for (size_t i = 0; i < s->n_caps; i++)
		free(s->caps[i]);
	free(s->caps);
	s->caps = NULL;
	s->n_caps = 0;
	s->caps_known = false;
}

void sess_caps_set(struct imap_session *s, const struct imap_strlist *l)
{
	sess_caps_clear(s);
	size_t n = l->n > 1024 ? 1024 : l->n; /* a sane bound on what we keep */
	s->caps = calloc(n ? n : 1, sizeof *s->caps);
	if (!s->caps)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct imap_str *v = &l->v[i];
		if (!v->p || v->len > 256 || memchr(v->p, '\0', v->len))
			continue;
		char *c = strdup(v->p);
		if (!c)
			break;
		s->caps[s->n_caps++] = c;
	}
	s->caps_known = true;
}

bool imap_session_has_cap(const struct imap_session *s, const char *cap)
{
	if (!s || !cap)
		return false;
	for (size_t i = 0; i < s->n_caps; i++)
		if (strcasecmp(s->caps[i], cap) == 0)
			return true;
	return false;
}

static void enabled_add(struct imap_session *s, const struct imap_strlist *l)
{
	for (size_t i = 0; i < l->n && s->n_enabled < 64; i++) {
		const struct imap_str *v = &l->v[i];
		if (!v->p || v->len > 64 || memchr(v->p, '\0', v->len) || imap_session_enabled(s, v->p))
			continue;
		char **nv = realloc(s->enabled, (s->n_enabled + 1) * sizeof *nv);
		if (!nv)
			return;
		s->enabled = nv;
		if (!(s->enabled[s->n_enabled] = strdup(v->p)))
			return;
		s->n_enabled++;
	}
}

bool imap_session_enabled(const struct imap_session *s, const char *ext)
{
	if (!s || !ext)
		return false;
	for (size_t i = 0; i < s->n_enabled; i++)
		if (strcasecmp(s->enabled[i], ext) == 0)
			return true;
	return false;
}

bool imap_session_is_gmail(const struct imap_session *s)
{
	return imap_session_has_cap(s, "X-GM-EXT-1");
}

void imap_session_encode_opts(const struct imap_session *s, struct imap_enc_opts *out)
{
	memset(out, 0, sizeof *out);
	if (!s)
		return;
	out->literal_plus = imap_session_has_cap(s, "LITERAL+");
	out->literal_minus = imap_session_has_cap(s, "LITERAL-") || imap_session_has_cap(s, "IMAP4rev2");
	out->utf8_accept = imap_session_enabled(s, "UTF8=ACCEPT");
}

int imap_session_cmd_init(const struct imap_session *s, struct imap_cmd *c, const char *verb)
{
	struct imap_enc_opts eo;
	imap_session_encode_opts(s, &eo);
	imap_cmd_init(c, &eo);
	return imap_cmd_start(c, "x", verb);
}

const char *sess_code_name(const struct imap_resp_status *st)
{
	return st->code.kind == IMAP_CODE_NONE ? NULL : st->code.name;
}

/* ---- accessors ------------------------------------------------------------------------- */

enum imap_session_state imap_session_state(const struct imap_session *s)
{
	return s ? s->state : IMAP_SESSION_CLOSED;
}

const char *imap_session_selected(const struct imap_session *s)
{
	return s && s->state == IMAP_SESSION_SELECTED ? s->selected : NULL;
}

bool imap_session_read_only(const struct imap_session *s)
{
	return s && s->state == IMAP_SESSION_SELECTED && s->read_only;
}

size_t imap_session_queue_length(const struct imap_session *s)
{
	return s ? s->pending.n + s->inflight.n : 0;
}

enum imap_error_kind imap_session_error_kind(const struct imap_session *s)
{
	return s ? s->err_kind : IMAP_ERR_NONE;
}

bool imap_session_is_tls(const struct imap_session *s)
{
	return s && s->tls_active;
}

bool imap_session_is_compressed(const struct imap_session *s)
{
	return s && s->compressed;
}

/* ---- transport events ------------------------------------------------------------------ */

void imap_session_transport_up(struct imap_session *s)
{
	if (!s || s->state != IMAP_SESSION_CONNECTING || s->free_pending)
		return;
	sess_enter(s);
	s->tls_active = s->opts.tls == IMAP_TLS_IMPLICIT;
	sess_set_state(s, IMAP_SESSION_GREETING);
	if (!sess_stopped(s))
		sess_idle_update(s); /* arms the greeting timeout */
	sess_leave(s);
}

void imap_session_transport_down(struct imap_session *s, const char *why)
{
	if (!s || s->free_pending || s->state == IMAP_SESSION_CLOSED) {
		if (s)
			s->t_down = true;
		return;
	}
	sess_enter(s);
	s->t_down = true;
	if (!why || !*why)
		why = "connection closed";
	if (s->logout_sent) {
		trace_note(s, "closed after LOGOUT: %s", why);
		shut(s, IMAP_ERR_NONE, IMAP_DONE_ABORTED, "connection closed after LOGOUT", false);
	} else {
		char msg[600];
		if (s->state == IMAP_SESSION_CONNECTING)
			snprintf(msg, sizeof msg, "cannot connect to %s: %s", s->host ? s->host : "the server", why);
		else if (s->bye_seen)
			snprintf(msg, sizeof msg, "%s closed the connection: %s", s->host ? s->host : "the server",
				 s->bye_text ? s->bye_text : why);
		else
			snprintf(msg, sizeof msg, "connection to %s lost: %s", s->host ? s->host : "the server",
				 why);
		trace_note(s, "error: %s", msg);
		shut(s, s->bye_seen ? IMAP_ERR_BYE : IMAP_ERR_NETWORK, IMAP_DONE_ABORTED, msg, false);
	}
	sess_leave(s);
}

static void after_pause(struct imap_session *s, size_t rest)
{
	enum sess_kind why = s->pause_for;
	s->pause_for = SK_OTHER;
	if (why == SK_STARTTLS) {
		/* Whatever followed the OK in this input is dropped unparsed (STARTTLS injection);
		 * the transport drops what it still holds. */
		if (rest)
			trace_note(s, "dropped %zu bytes received after the STARTTLS OK", rest);
		sess_trace_reset(s);
		s->tls_handshake = true;
		if (!s->t.start_tls || s->t.start_tls(s->t_ctx) != 0)
			sess_fail(s, IMAP_ERR_TLS, "could not start TLS with %s", s->host ? s->host : "the server");
	} else if (why == SK_COMPRESS) {
		if (rest) {
			sess_fail(s, IMAP_ERR_PROTOCOL,
				  "protocol error: %zu bytes after the COMPRESS OK arrived uncompressed", rest);
			return;
		}
		if (!s->t.start_compress || s->t.start_compress(s->t_ctx) != 0) {
			sess_fail(s, IMAP_ERR_NETWORK, "could not start compression");
			return;
		}
		s->compressed = true;
		trace_note(s, "compression on");
		if (s->setup_busy)
			s->setup_busy--;
		sess_setup_continue(s);
		if (!sess_stopped(s))
			sess_pump(s);
	}
}

void imap_session_input(struct imap_session *s, const char *data, size_t len)
{
	if (!s || !len || s->t_down || sess_stopped(s))
		return;
	if (s->state == IMAP_SESSION_CONNECTING)
		imap_session_transport_up(s); /* data proves the transport is up */
	sess_enter(s);
	sess_activity(s);
	while (len > 0 && !sess_stopped(s)) {
		if (s->tls_handshake) {
			/* bytes from the transport during the handshake: never ours to parse */
			break;
		}
		size_t piece = s->cb.trace ? sess_trace_server_piece(s, data, len) : len;
		enum imap_parse_result pr = imap_parser_feed(s->parser, data, piece);
		if (pr == IMAP_PARSE_ERROR) {
			if (!sess_stopped(s))
				sess_fail(s, IMAP_ERR_PROTOCOL, "protocol error from %s: %s",
					  s->host ? s->host : "the server", imap_parser_error(s->parser));
			break;
		}
		if (pr == IMAP_PARSE_PAUSED) {
			size_t used = imap_parser_consumed(s->parser);
			if (sess_stopped(s))
				break;
			size_t rest = len - used;
			bool tls = s->pause_for == SK_STARTTLS;
			after_pause(s, rest);
			if (tls)
				break;
			data += used;
			len -= used;
			continue;
		}
		data += piece;
		len -= piece;
	}
	sess_leave(s);
}

void imap_session_tls_done(struct imap_session *s, bool ok, const char *why)
{
	if (!s || !s->tls_handshake || sess_stopped(s))
		return;
	sess_enter(s);
	s->tls_handshake = false;
	if (!ok) {
		sess_fail(s, IMAP_ERR_TLS, "TLS with %s failed: %s", s->host ? s->host : "the server",
			  why && *why ? why : "handshake failed");
	} else {
		/* RFC 3501 6.2.1 / RFC 8314: forget everything learnt in plaintext */
		s->tls_active = true;
		sess_caps_clear(s);
		for (size_t i = 0; i < s->n_enabled; i++)
			free(s->enabled[i]);
		free(s->enabled);
		s->enabled = NULL;
		s->n_enabled = 0;
		if (s->setup_busy)
			s->setup_busy--;
		sess_set_state(s, s->authed ? IMAP_SESSION_AUTHENTICATING : IMAP_SESSION_NOT_AUTH);
		if (!sess_stopped(s))
			sess_setup_continue(s);
		if (!sess_stopped(s))
			sess_pump(s);
	}
	sess_leave(s);
}

/* ---- parser callbacks -------------------------------------------------------------------- */

static void status_common(struct imap_session *s, const struct imap_resp_status *st)
{
	if (st->code.kind == IMAP_CODE_ALERT && s->cb.alert) {
		s->cb.alert(s->cb_ctx, st->text.p ? st->text.p : "");
		if (sess_stopped(s))
			return;
	}
	if (st->code.kind == IMAP_CODE_THROTTLED && s->cb.throttled)
		s->cb.throttled(s->cb_ctx);
}

static void untagged_status(struct imap_session *s, const struct imap_resp_status *st)
{
	switch (st->status) {
	case IMAP_STATUS_BYE:
		if (!s->bye_seen) {
			s->bye_seen = true;
			free(s->bye_text);
			s->bye_text = st->text.p && st->text.len < 512 ? strdup(st->text.p) : NULL;
		}
		break;
	case IMAP_STATUS_PREAUTH:
		sess_fail(s, IMAP_ERR_PROTOCOL, "protocol error: PREAUTH after the greeting");
		return;
	default:
		break;
	}
	if (st->code.kind == IMAP_CODE_CAPABILITY && st->status == IMAP_STATUS_OK)
		sess_caps_set(s, &st->code.list);
	if (st->code.kind == IMAP_CODE_CLOSED && s->state == IMAP_SESSION_SELECTED) {
		/* QRESYNC: the previous mailbox is closed; what follows belongs to the new one */
		free(s->selected);
		s->selected = NULL;
		s->read_only = false;
		sess_set_state(s, IMAP_SESSION_AUTH);
	}
}

static void on_response(void *ctx, const struct imap_response *r)
{
	struct imap_session *s = ctx;
	if (sess_stopped(s)) {
		imap_parser_pause(s->parser);
		return;
	}
	if (r->kind == IMAP_RESP_STATUS)
		status_common(s, &r->u.status);
	if (sess_stopped(s))
		goto out;
	if (!s->greeted) {
		sess_greeting(s, r);
	} else if (r->tag) {
		sess_handle_tagged(s, r);
	} else if (r->kind == IMAP_RESP_CONTINUATION) {
		sess_handle_continuation(s, r);
	} else {
		if (r->kind == IMAP_RESP_STATUS)
			untagged_status(s, &r->u.status);
		else if (r->kind == IMAP_RESP_CAPABILITY)
			sess_caps_set(s, &r->u.list);
		else if (r->kind == IMAP_RESP_ENABLED)
			enabled_add(s, &r->u.list);
		if (!sess_stopped(s))
			sess_route_untagged(s, r);
	}
out:
	if (sess_stopped(s) || s->pause_for != SK_OTHER)
		imap_parser_pause(s->parser);
}

static int on_literal(void *ctx, const struct imap_literal_info *info, const char *data, size_t len)
{
	struct imap_session *s = ctx;
	if (sess_stopped(s))
		return 0;
	return sess_route_literal(s, info, data, len);
}
