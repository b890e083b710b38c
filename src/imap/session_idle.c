/* session_idle — IDLE (RFC 2177), NOOP keepalive, and the greeting and command timeouts, all on
 * loop timers. sess_idle_update() is the one place that decides which timers run. */
#include "config.h"

#include "loop.h"
#include "imap/session_internal.h"

static const char *host_of(const struct imap_session *s)
{
	return s->host ? s->host : "the server";
}

static void on_greeting_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct imap_session *s = ctx;
	sess_enter(s);
	if (!sess_stopped(s) && !s->greeted)
		sess_fail(s, IMAP_ERR_TIMEOUT, "%s sent no greeting within %u s", host_of(s),
			  s->opts.greeting_timeout_ms / 1000);
	sess_leave(s);
}

static void on_cmd_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct imap_session *s = ctx;
	sess_enter(s);
	if (!sess_stopped(s))
		sess_fail(s, IMAP_ERR_TIMEOUT, "%s did not answer within %u s", host_of(s),
			  s->opts.command_timeout_ms / 1000);
	sess_leave(s);
}

static void keepalive_done(struct imap_session *s, struct sess_cmd *c, const struct imap_result *res)
{
}

static void on_keepalive_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct imap_session *s = ctx;
	sess_enter(s);
	if (!sess_stopped(s) && s->ready && !s->logout_requested && !s->pending.n && !s->inflight.n) {
		struct sess_cmd *c = sess_internal(s, "NOOP", keepalive_done);
		if (c && imap_cmd_finish(&c->cmd) == IMAP_ENC_OK && sess_cmd_classify(c) == 0) {
			sess_enqueue(s, c);
			sess_pump(s);
		} else {
			sess_cmd_free(c);
		}
	}
	sess_leave(s);
}

static void send_done(struct imap_session *s)
{
	if (s->idle != IDLE_ACTIVE)
		return;
	s->idle = IDLE_DONE_SENT;
	loop_timer_stop(s->t_idle);
	sess_trace_client_text(s, "DONE", 4);
	if (sess_write(s, "DONE\r\n", 6) == 0)
		sess_idle_update(s);
}

static void idle_cont(struct imap_session *s, struct sess_cmd *c, const struct imap_str *text)
{
	if (s->idle != IDLE_WAIT_CONT) {
		sess_fail(s, IMAP_ERR_PROTOCOL, "protocol error: unexpected continuation during IDLE");
		return;
	}
	s->idle = IDLE_ACTIVE;
	s->cont_waiter = NULL;
	if (s->idle_done_wanted || s->pending.n || s->logout_requested) {
		send_done(s);
		return;
	}
	loop_timer_start(s->t_idle, s->opts.idle_restart_ms);
	sess_idle_update(s);
}

static void idle_done(struct imap_session *s, struct sess_cmd *c, const struct imap_result *res)
{
	bool was_waiting = s->idle == IDLE_WAIT_CONT;
	s->idle = IDLE_NONE;
	s->idle_done_wanted = false;
	if (s->t_idle)
		loop_timer_stop(s->t_idle);
	/* refused: fall back to NOOP keepalive for this session */
	if (res->status == IMAP_DONE_NO || res->status == IMAP_DONE_BAD)
		s->idle_broken = true;
	else if (res->status == IMAP_DONE_OK && was_waiting)
		s->idle_broken = true; /* OK without "+" is not IDLE as we know it */
}

static void enter_idle(struct imap_session *s)
{
	struct sess_cmd *c = sess_internal(s, "IDLE", idle_done);
	if (!c)
		return;
	c->on_cont = idle_cont;
	s->idle = IDLE_WAIT_CONT;
	s->idle_cmd = c;
	s->idle_restart = false;
	s->idle_done_wanted = false;
	if (sess_send_now(s, c) != 0 && !sess_stopped(s)) {
		s->idle = IDLE_NONE;
		s->idle_cmd = NULL;
	}
}

static void on_idle_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct imap_session *s = ctx;
	sess_enter(s);
	if (!sess_stopped(s)) {
		if (s->idle == IDLE_NONE) {
			if (s->ready && s->state == IMAP_SESSION_SELECTED && !s->pending.n && !s->inflight.n &&
			    !s->logout_requested)
				enter_idle(s);
		} else if (s->idle == IDLE_ACTIVE) {
			/* re-issue before the server's inactivity limit (Gmail: ~30 min) */
			s->idle_restart = true;
			send_done(s);
		}
	}
	sess_leave(s);
}

bool sess_idle_leave(struct imap_session *s)
{
	if (s->idle == IDLE_WAIT_CONT)
		s->idle_done_wanted = true;
	else if (s->idle == IDLE_ACTIVE)
		send_done(s);
	return s->idle != IDLE_NONE;
}

int sess_timers_new(struct imap_session *s)
{
	s->t_cmd = loop_timer_new(s->loop, on_cmd_timer, s);
	s->t_idle = loop_timer_new(s->loop, on_idle_timer, s);
	s->t_keepalive = loop_timer_new(s->loop, on_keepalive_timer, s);
	s->t_greeting = loop_timer_new(s->loop, on_greeting_timer, s);
	return s->t_cmd && s->t_idle && s->t_keepalive && s->t_greeting ? 0 : -1;
}

void sess_timers_free(struct imap_session *s)
{
	loop_timer_free(&s->t_cmd);
	loop_timer_free(&s->t_idle);
	loop_timer_free(&s->t_keepalive);
	loop_timer_free(&s->t_greeting);
}

void sess_activity(struct imap_session *s)
{
	if (s->t_cmd && loop_timer_armed(s->t_cmd))
		loop_timer_start(s->t_cmd, s->opts.command_timeout_ms);
}

void sess_idle_update(struct imap_session *s)
{
	if (!s->t_cmd)
		return;
	if (sess_stopped(s)) {
		loop_timer_stop(s->t_cmd);
		loop_timer_stop(s->t_idle);
		loop_timer_stop(s->t_keepalive);
		loop_timer_stop(s->t_greeting);
		return;
	}
	if (s->state == IMAP_SESSION_GREETING && !s->greeted) {
		if (!loop_timer_armed(s->t_greeting))
			loop_timer_start(s->t_greeting, s->opts.greeting_timeout_ms);
	} else {
		loop_timer_stop(s->t_greeting);
	}

	bool waiting = false;
	for (const struct sess_cmd *c = s->inflight.head; c && !waiting; c = c->next)
		waiting = !(c == s->idle_cmd && s->idle == IDLE_ACTIVE);
	if (!waiting)
		loop_timer_stop(s->t_cmd);
	else if (!loop_timer_armed(s->t_cmd))
		loop_timer_start(s->t_cmd, s->opts.command_timeout_ms);

	bool quiet = s->ready && !s->pending.n && !s->inflight.n && !s->logout_requested &&
		     (s->state == IMAP_SESSION_AUTH || s->state == IMAP_SESSION_SELECTED);
	bool can_idle = s->opts.idle && !s->idle_broken && imap_session_has_cap(s, "IDLE") &&
			s->state == IMAP_SESSION_SELECTED;
	if (s->idle == IDLE_NONE) {
		if (quiet && can_idle) {
			if (!loop_timer_armed(s->t_idle))
				loop_timer_start(s->t_idle, s->idle_restart ? 0 : s->opts.idle_delay_ms);
		} else {
			loop_timer_stop(s->t_idle);
		}
	}
	if (quiet && !can_idle) {
		if (!loop_timer_armed(s->t_keepalive))
			loop_timer_start(s->t_keepalive, s->opts.keepalive_ms);
	} else {
		loop_timer_stop(s->t_keepalive);
	}
}
