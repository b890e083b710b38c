/* session_auth — the greeting, STARTTLS, authentication and the post-login setup (CAPABILITY,
 * COMPRESS, ID, ENABLE), then LOGOUT. Each step is an internal command; setup_busy counts the
 * steps under way and sess_setup_continue() picks the next one when it drops to zero. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/session_internal.h"

static const char *host_of(const struct imap_session *s)
{
	return s->host ? s->host : "the server";
}

void sess_wipe_secret(struct imap_session *s)
{
	sasl_secret_free(&s->secret);
	s->creds.secret = NULL;
}

static void become_ready(struct imap_session *s)
{
	s->ready = true;
	if (!s->authed)
		sess_set_state(s, IMAP_SESSION_NOT_AUTH);
	else if (s->state != IMAP_SESSION_SELECTED)
		sess_set_state(s, IMAP_SESSION_AUTH);
	if (!sess_stopped(s))
		sess_pump(s);
}

/* ---- greeting -------------------------------------------------------------------------- */

void sess_greeting(struct imap_session *s, const struct imap_response *r)
{
	s->greeted = true;
	sess_idle_update(s); /* stops the greeting timer */
	if (r->kind != IMAP_RESP_STATUS || r->tag) {
		sess_fail(s, IMAP_ERR_PROTOCOL, "protocol error: malformed greeting from %s", host_of(s));
		return;
	}
	const struct imap_resp_status *st = &r->u.status;
	switch (st->status) {
	case IMAP_STATUS_OK:
		break;
	case IMAP_STATUS_PREAUTH:
		if (!s->tls_active && s->opts.tls != IMAP_TLS_NONE) {
			sess_fail(s, IMAP_ERR_TLS, "%s sent PREAUTH on a plaintext connection; refusing",
				  host_of(s));
			return;
		}
		s->authed = true;
		break;
	case IMAP_STATUS_BYE:
		sess_fail(s, IMAP_ERR_BYE, "%s refused the connection: %s", host_of(s),
			  st->text.p ? st->text.p : "");
		return;
	default:
		sess_fail(s, IMAP_ERR_PROTOCOL, "protocol error: malformed greeting from %s", host_of(s));
		return;
	}
	if (st->code.kind == IMAP_CODE_CAPABILITY)
		sess_caps_set(s, &st->code.list);
	sess_set_state(s, s->authed ? IMAP_SESSION_AUTHENTICATING : IMAP_SESSION_NOT_AUTH);
	if (sess_stopped(s))
		return;
	sess_route_untagged(s, r);
	if (!sess_stopped(s))
		sess_setup_continue(s);
}

/* ---- internal setup commands --------------------------------------------------------------- */

static bool step_done(struct imap_session *s, const struct imap_result *res)
{
	if (s->setup_busy)
		s->setup_busy--;
	return res->status != IMAP_DONE_ABORTED && res->status != IMAP_DONE_TIMEOUT && !sess_stopped(s);
}

static void send_step(struct imap_session *s, struct sess_cmd *c)
{
	if (!c) {
		sess_fail(s, IMAP_ERR_PROTOCOL, "out of memory");
		return;
	}
	s->setup_busy++;
	if (sess_send_now(s, c) != 0 && !sess_stopped(s))
		s->setup_busy--;
}

static const char *text_of(const struct imap_result *res)
{
	return res->message && *res->message ? res->message : "(no reason given)";
}

static void capability_done(struct imap_session *s, struct sess_cmd *c, const struct imap_result *res)
{
	if (!step_done(s, res))
		return;
	if (res->status != IMAP_DONE_OK) {
		sess_fail(s, IMAP_ERR_PROTOCOL, "%s refused CAPABILITY: %s", host_of(s), text_of(res));
		return;
	}
	if (!s->caps_known) {
		sess_fail(s, IMAP_ERR_PROTOCOL, "protocol error: %s sent no CAPABILITY", host_of(s));
		return;
	}
	sess_setup_continue(s);
}

static void starttls_done(struct imap_session *s, struct sess_cmd *c, const struct imap_result *res)
{
	if (!step_done(s, res))
		return;
	if (res->status != IMAP_DONE_OK) {
		sess_fail(s, IMAP_ERR_TLS, "%s refused STARTTLS: %s", host_of(s), text_of(res));
		return;
	}
	sess_begin_starttls(s);
}

void sess_begin_starttls(struct imap_session *s)
{
	/* the parser stops after this response; imap_session_input() then starts TLS */
	s->pause_for = SK_STARTTLS;
	s->ready = false;
	s->setup_busy++;
	sess_set_state(s, IMAP_SESSION_STARTTLS);
}

static void compress_done(struct imap_session *s, struct sess_cmd *c, const struct imap_result *res)
{
	if (!step_done(s, res))
		return;
	if (res->status != IMAP_DONE_OK) {
		if (s->t.line_mode)
			s->t.line_mode(s->t_ctx, false);
		sess_setup_continue(s);
		return;
	}
	sess_begin_compress(s);
}

void sess_begin_compress(struct imap_session *s)
{
	s->pause_for = SK_COMPRESS;
	s->compress_tried = true;
	s->ready = false;
	s->setup_busy++;
}

static void plain_done(struct imap_session *s, struct sess_cmd *c, const struct imap_result *res)
{
	/* ID and ENABLE: a refusal changes nothing */
	if (step_done(s, res))
		sess_setup_continue(s);
}

static void send_id(struct imap_session *s)
{
	struct sess_cmd *c = sess_internal(s, "ID", plain_done);
	if (c) {
		imap_cmd_list_open(&c->cmd);
		const char *kv[] = { "name", PACKAGE_NAME, "version", PACKAGE_VERSION, "contact", PACKAGE_BUGREPORT };
		for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
			imap_cmd_add_string(&c->cmd, kv[i], strlen(kv[i]));
		imap_cmd_list_close(&c->cmd);
	}
	send_step(s, c);
}

/* Returns false when there is nothing to enable. */
static bool send_enable(struct imap_session *s)
{
	const char *want[3];
	size_t n = 0;
	if (s->opts.enable_condstore && imap_session_has_cap(s, "CONDSTORE"))
		want[n++] = "CONDSTORE";
	if (s->opts.enable_condstore && imap_session_has_cap(s, "QRESYNC"))
		want[n++] = "QRESYNC";
	if (s->opts.enable_utf8 && imap_session_has_cap(s, "UTF8=ACCEPT"))
		want[n++] = "UTF8=ACCEPT";
	if (!n)
		return false;
	struct sess_cmd *c = sess_internal(s, "ENABLE", plain_done);
	for (size_t i = 0; c && i < n; i++)
		imap_cmd_add_atom(&c->cmd, want[i]);
	send_step(s, c);
	return true;
}

/* ---- authentication -------------------------------------------------------------------- */

static bool has_cap_cb(void *ctx, const char *cap)
{
	return imap_session_has_cap(ctx, cap);
}

static void ask_secret(struct imap_session *s, bool again)
{
	if (!s->opts.auth.get_secret) {
		sess_fail(s, IMAP_ERR_AUTH, "no %s source configured for %s",
			  s->opts.auth.oauth ? "token" : "password", host_of(s));
		return;
	}
	s->secret_wanted = true;
	s->setup_busy++;
	s->opts.auth.get_secret(s->opts.auth.ctx, again); /* may answer at once */
}

static void auth_cont(struct imap_session *s, struct sess_cmd *c, const struct imap_str *text)
{
	struct buf out;
	bool redact = false;
	buf_init(&out, (size_t)1 << 20);
	int rc = sasl_step(&s->sasl, text->p ? text->p : "", text->len, &out, &redact);
	if (rc != IMAP_ENC_OK) {
		sasl_buf_wipe(&out);
		sess_fail(s, IMAP_ERR_AUTH, "could not answer %s's %s challenge: %s", host_of(s),
			  s->mech ? s->mech->name : "SASL", imap_enc_strerror(rc));
		return;
	}
	if (s->cb.trace) {
		size_t n = buf_len(&out);
		while (n && (buf_data(&out)[n - 1] == '\n' || buf_data(&out)[n - 1] == '\r'))
			n--;
		if (redact)
			sess_trace_client_text(s, "<redacted>", 10);
		else
			sess_trace_client_text(s, buf_data(&out), n);
	}
	sess_write(s, buf_data(&out), buf_len(&out));
	sasl_buf_wipe(&out);
}

static void auth_done(struct imap_session *s, struct sess_cmd *c, const struct imap_result *res)
{
	if (!step_done(s, res))
		return;
	if (res->status == IMAP_DONE_OK) {
		sess_wipe_secret(s);
		sess_after_login(s, res->tagged);
		return;
	}
	const char *code = res->tagged ? sess_code_name(res->tagged) : NULL;
	if (s->mech && s->mech->uses_token && !s->token_refreshed &&
	    sasl_should_refresh_token(&s->sasl, code)) {
		s->token_refreshed = true;
		sess_wipe_secret(s);
		ask_secret(s, true);
		return;
	}
	const char *why = text_of(res);
	if ((!res->message || !*res->message) && s->sasl.failure_challenge && s->sasl.detail[0])
		why = s->sasl.detail;
	sess_fail(s, IMAP_ERR_AUTH, "%s refused the login (%s): %s", host_of(s),
		  s->mech ? s->mech->name : "?", why);
}

static void send_auth(struct imap_session *s)
{
	s->creds = (struct sasl_creds){
		.user = s->user,
		.secret = s->secret,
		.host = s->host,
		.port = s->opts.port,
	};
	struct sess_cmd *c = sess_cmd_new(s);
	if (!c) {
		sess_fail(s, IMAP_ERR_AUTH, "out of memory");
		return;
	}
	c->internal = true;
	c->on_done = auth_done;
	struct imap_enc_opts eo;
	imap_session_encode_opts(s, &eo);
	imap_cmd_init(&c->cmd, &eo);
	int rc = sasl_begin(&s->sasl, s->mech, &s->creds, imap_session_has_cap(s, "SASL-IR"), "x", &c->cmd);
	if (rc != IMAP_ENC_OK) {
		sess_cmd_free(c);
		sess_fail(s, IMAP_ERR_AUTH, "cannot log in to %s with %s: %s", host_of(s), s->mech->name,
			  rc == IMAP_ENC_INVALID ? "the credentials cannot be sent with this mechanism"
						 : imap_enc_strerror(rc));
		return;
	}
	if (s->mech->id != SASL_MECH_LOGIN)
		c->on_cont = auth_cont;
	send_step(s, c);
}

static void start_auth(struct imap_session *s)
{
	if (!s->tls_active && s->opts.tls != IMAP_TLS_NONE) {
		sess_fail(s, IMAP_ERR_TLS, "refusing to send credentials to %s over a plaintext connection",
			  host_of(s));
		return;
	}
	const char *why = NULL;
	s->mech = sasl_choose((const char *const *)s->mechs, s->n_mechs, s->opts.auth.oauth, has_cap_cb, s,
			      &why);
	if (!s->mech) {
		sess_fail(s, IMAP_ERR_AUTH, "cannot log in to %s: %s", host_of(s),
			  why ? why : "no usable authentication mechanism");
		return;
	}
	sess_set_state(s, IMAP_SESSION_AUTHENTICATING);
	if (!sess_stopped(s))
		ask_secret(s, false);
}

void imap_session_secret(struct imap_session *s, const char *secret, const char *why)
{
	if (!s || !s->secret_wanted || sess_stopped(s))
		return;
	sess_enter(s);
	s->secret_wanted = false;
	if (s->setup_busy)
		s->setup_busy--;
	sess_wipe_secret(s);
	if (!secret) {
		sess_fail(s, IMAP_ERR_AUTH, "no %s for %s: %s", s->opts.auth.oauth ? "token" : "password",
			  host_of(s), why && *why ? why : "none could be had");
	} else if (!(s->secret = sasl_secret_new(secret, strlen(secret)))) {
		sess_fail(s, IMAP_ERR_AUTH, "out of memory");
	} else {
		send_auth(s);
	}
	sess_leave(s);
}

void sess_after_login(struct imap_session *s, const struct imap_resp_status *st)
{
	s->authed = true;
	s->ready = false;
	if (st && st->status == IMAP_STATUS_OK && st->code.kind == IMAP_CODE_CAPABILITY)
		sess_caps_set(s, &st->code.list);
	else
		sess_caps_clear(s); /* capabilities may change after login */
	sess_set_state(s, IMAP_SESSION_AUTHENTICATING);
	if (!sess_stopped(s))
		sess_setup_continue(s);
}

/* ---- the step machine ---------------------------------------------------------------------- */

void sess_setup_continue(struct imap_session *s)
{
	if (sess_stopped(s) || s->setup_busy || s->ready || !s->greeted || s->pause_for != SK_OTHER)
		return;
	if (!s->authed) {
		if (s->opts.tls == IMAP_TLS_STARTTLS && !s->tls_active) {
			if (!s->caps_known) {
				send_step(s, sess_internal(s, "CAPABILITY", capability_done));
			} else if (!imap_session_has_cap(s, "STARTTLS")) {
				sess_fail(s, IMAP_ERR_TLS,
					  "%s does not offer STARTTLS; refusing to continue without TLS", host_of(s));
			} else {
				sess_set_state(s, IMAP_SESSION_STARTTLS);
				if (!sess_stopped(s))
					send_step(s, sess_internal(s, "STARTTLS", starttls_done));
			}
			return;
		}
		if (!s->caps_known)
			send_step(s, sess_internal(s, "CAPABILITY", capability_done));
		else if (!s->user)
			become_ready(s); /* no credentials: the caller logs in by hand */
		else
			start_auth(s);
		return;
	}
	if (!s->caps_known) {
		send_step(s, sess_internal(s, "CAPABILITY", capability_done));
		return;
	}
	if (s->opts.compress && !s->compressed && !s->compress_tried && s->t.start_compress &&
	    imap_session_has_cap(s, "COMPRESS=DEFLATE")) {
		s->compress_tried = true;
		struct sess_cmd *c = sess_internal(s, "COMPRESS", compress_done);
		if (c)
			imap_cmd_add_atom(&c->cmd, "DEFLATE");
		send_step(s, c);
		return;
	}
	bool sent = false;
	if (s->opts.send_id && !s->id_done && imap_session_has_cap(s, "ID")) {
		s->id_done = true;
		send_id(s);
		sent = true;
	}
	if (!sess_stopped(s) && !s->enable_done && imap_session_has_cap(s, "ENABLE")) {
		s->enable_done = true;
		sent = send_enable(s) || sent;
	}
	if (!sent && !sess_stopped(s))
		become_ready(s);
}

/* ---- LOGOUT -------------------------------------------------------------------------------- */

static void logout_done(struct imap_session *s, struct sess_cmd *c, const struct imap_result *res)
{
	/* the tagged reply closes the session (session_queue.c); nothing else to do */
}

void imap_session_logout(struct imap_session *s)
{
	if (!s || sess_stopped(s) || s->logout_requested || s->logout_sent)
		return;
	sess_enter(s);
	s->logout_requested = true;
	if (!s->ready) {
		sess_close_clean(s, "closed before the session was ready");
	} else {
		struct sess_cmd *c = sess_internal(s, "LOGOUT", logout_done);
		if (!c || imap_cmd_finish(&c->cmd) != IMAP_ENC_OK || sess_cmd_classify(c) != 0) {
			sess_cmd_free(c);
			sess_close_clean(s, "closed (LOGOUT could not be built)");
		} else {
			sess_enqueue(s, c);
			sess_pump(s);
		}
	}
	sess_leave(s);
}
