/*
 * session_internal — what the session's files (session.c: lifetime, input dispatch, failure;
 * session_queue.c: commands, pipelining, completion; session_auth.c: greeting, STARTTLS, login
 * and post-login setup; session_idle.c: IDLE, keepalive, timeouts; session_trace.c: the wire
 * trace) share. Not for other modules; tests may include it to reach the timers.
 *
 * Re-entrancy: every entry point (public function, timer, parser callback) runs between
 * sess_enter() and sess_leave(). Any user callback may free the session (free_pending is then
 * set, every command has been aborted) or fail it (state CLOSED): after each callback, code
 * checks sess_stopped() and unwinds without touching commands it held.
 */
#ifndef SKUA_IMAP_SESSION_INTERNAL_H
#define SKUA_IMAP_SESSION_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap/encode.h"
#include "imap/parser.h"
#include "imap/sasl.h"
#include "imap/session.h"

/* What the session knows about a command from its verb. */
enum sess_kind {
	SK_OTHER,
	SK_SELECT,
	SK_EXAMINE,
	SK_CLOSE,
	SK_UNSELECT,
	SK_LOGOUT,
	SK_STARTTLS,
	SK_COMPRESS,
	SK_LOGIN,
	SK_AUTHENTICATE,
	SK_IDLE,
	SK_CAPABILITY,
};

struct sess_cmd;
typedef void (*sess_done_fn)(struct imap_session *s, struct sess_cmd *c,
			     const struct imap_result *res);
typedef void (*sess_cont_fn)(struct imap_session *s, struct sess_cmd *c, const struct imap_str *text);

struct sess_cmd {
	struct sess_cmd *prev, *next;
	uint32_t id;
	char tag[16];
	struct imap_cmd cmd;
	size_t tag_skip;  /* bytes of the placeholder tag at the start of cmd's data */
	size_t seg;       /* next segment to send */
	unsigned flags;   /* IMAP_CMDF_* */
	uint32_t interest;
	imap_untagged_fn untagged;
	imap_done_fn done;
	imap_literal_fn literal;
	void *ctx;
	/* session-internal commands */
	sess_done_fn on_done;
	sess_cont_fn on_cont; /* "+" handler (AUTHENTICATE, IDLE); NULL: sync literal segments */
	enum sess_kind kind;
	bool internal;
	bool in_flight;
	bool uses_seq; /* FETCH/STORE/COPY/MOVE/SEARCH/SORT/THREAD by sequence number */
	bool seq_safe; /* FETCH/STORE/SEARCH by sequence number: no EXPUNGE while in flight */
	char *mailbox; /* SELECT/EXAMINE: the raw mailbox argument */
};

struct sess_list {
	struct sess_cmd *head, *tail;
	size_t n;
};

enum idle_phase {
	IDLE_NONE,
	IDLE_WAIT_CONT, /* "IDLE" sent, waiting for "+" */
	IDLE_ACTIVE,    /* idling */
	IDLE_DONE_SENT, /* "DONE" sent, waiting for the tagged reply */
};

struct imap_session {
	struct loop *loop;
	struct imap_session_opts opts; /* strings below are our copies */
	char *host, *user;
	char **mechs;
	size_t n_mechs;
	struct imap_parser_limits limits;
	struct imap_session_callbacks cb;
	void *cb_ctx;
	struct imap_transport t;
	void *t_ctx;
	bool t_down;   /* the transport went down or we closed it: never call it again */

	enum imap_session_state state;
	enum imap_error_kind err_kind;
	struct imap_parser *parser;

	/* capabilities and ENABLEd extensions */
	char **caps;
	size_t n_caps;
	bool caps_known;
	char **enabled;
	size_t n_enabled;

	/* queue */
	struct sess_list pending, inflight;
	struct sess_cmd *cont_waiter; /* the in-flight command a "+" is for */
	uint32_t next_tag, next_id;
	bool pumping;

	/* setup */
	bool greeted, tls_active, compressed, authed, ready;
	bool compress_tried, id_done, enable_done;
	unsigned setup_busy;      /* setup steps under way (commands, secret, handshake) */
	enum sess_kind pause_for; /* SK_STARTTLS / SK_COMPRESS: the parser was paused for it */
	bool tls_handshake;       /* start_tls() called, waiting for imap_session_tls_done() */
	/* authentication */
	const struct sasl_mech *mech;
	struct sasl_state sasl;
	struct sasl_creds creds;
	struct sasl_secret *secret;
	bool secret_wanted, token_refreshed;

	/* selected mailbox */
	char *selected;
	bool read_only;

	/* LOGOUT / BYE */
	bool logout_requested, logout_sent, bye_seen;
	char *bye_text;

	/* IDLE and timers */
	enum idle_phase idle;
	struct sess_cmd *idle_cmd;
	bool idle_done_wanted, idle_restart, idle_broken;
	struct loop_timer *t_cmd, *t_idle, *t_keepalive, *t_greeting;

	/* lifetime */
	unsigned depth;
	bool free_pending;

	/* trace of server input: the current line, and literal bytes still expected */
	struct buf trace_line;
	uint64_t trace_lit_left;
	bool trace_lit_elided, trace_truncated;
	struct buf trace_out; /* scratch for rendering client lines */
};

/* ---- session.c ---- */
void sess_enter(struct imap_session *s);
/* Returns true if the session was destroyed (do not touch it). */
bool sess_leave(struct imap_session *s);
static inline bool sess_stopped(const struct imap_session *s)
{
	return s->free_pending || s->state == IMAP_SESSION_CLOSED;
}
void sess_set_state(struct imap_session *s, enum imap_session_state st);
/* Closes the transport, aborts every command, reports msg through cb->error (when kind is not
 * IMAP_ERR_NONE: a clean close). */
void sess_fail(struct imap_session *s, enum imap_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sess_close_clean(struct imap_session *s, const char *why);
int sess_write(struct imap_session *s, const char *data, size_t len);
void sess_caps_set(struct imap_session *s, const struct imap_strlist *l);
void sess_caps_clear(struct imap_session *s);
/* The name of a response code kind for sasl_should_refresh_token() etc. (NULL if none). */
const char *sess_code_name(const struct imap_resp_status *st);

/* ---- session_queue.c ---- */
struct sess_cmd *sess_cmd_new(struct imap_session *s);
void sess_cmd_free(struct sess_cmd *c);
/* An internal command: cmd initialised with the session's encoder options and started with the
 * placeholder tag; the caller adds arguments and finishes it. NULL on allocation failure. */
struct sess_cmd *sess_internal(struct imap_session *s, const char *verb, sess_done_fn on_done);
/* Classifies a finished command (kind, sequence use, mailbox argument). 0 or -1. */
int sess_cmd_classify(struct sess_cmd *c);
/* Puts a finished internal command in flight now, bypassing the queue (setup, IDLE). Frees it
 * and fails the session on error. Returns 0 or -1. */
int sess_send_now(struct imap_session *s, struct sess_cmd *c);
/* Appends to / puts at the front of the pending queue. */
void sess_enqueue(struct imap_session *s, struct sess_cmd *c);
void sess_pump(struct imap_session *s);
void sess_handle_tagged(struct imap_session *s, const struct imap_response *r);
void sess_handle_continuation(struct imap_session *s, const struct imap_response *r);
void sess_route_untagged(struct imap_session *s, const struct imap_response *r);
int sess_route_literal(struct imap_session *s, const struct imap_literal_info *info, const char *data,
		       size_t len);
/* Completes c (already unlinked) and frees it. */
void sess_complete(struct imap_session *s, struct sess_cmd *c, enum imap_done_status st,
		   const struct imap_resp_status *tagged, const char *message);
void sess_abort_all(struct imap_session *s, enum imap_done_status inflight_st, const char *message);
void sess_list_unlink(struct sess_list *l, struct sess_cmd *c);
void sess_list_push(struct sess_list *l, struct sess_cmd *c);
void sess_write_cmd_segment(struct imap_session *s, struct sess_cmd *c);

/* ---- session_auth.c ---- */
void sess_greeting(struct imap_session *s, const struct imap_response *r);
/* Runs the next setup step when nothing is under way. */
void sess_setup_continue(struct imap_session *s);
/* Effects of a completed LOGIN/AUTHENTICATE/STARTTLS/COMPRESS, user-submitted or internal. */
void sess_after_login(struct imap_session *s, const struct imap_resp_status *st);
void sess_begin_starttls(struct imap_session *s);
void sess_begin_compress(struct imap_session *s);
void sess_wipe_secret(struct imap_session *s);

/* ---- session_idle.c ---- */
int sess_timers_new(struct imap_session *s);
void sess_timers_free(struct imap_session *s);
/* Re-evaluates IDLE, keepalive and the command timeout after any change. */
void sess_idle_update(struct imap_session *s);
/* Called before a command is sent while IDLE is under way: asks for DONE. Returns true while
 * the IDLE must still finish (the caller waits). */
bool sess_idle_leave(struct imap_session *s);
/* Input arrived: the command timeout counts silence. */
void sess_activity(struct imap_session *s);

/* ---- session_trace.c ---- */
/* Feeds input through the parser, tracing it line by line. */
void sess_trace_client(struct imap_session *s, const struct sess_cmd *c, size_t from, size_t to);
void sess_trace_client_text(struct imap_session *s, const char *line, size_t len);
/* Returns how many bytes of data[0..len) form the next piece to feed (up to a line end or the
 * end of a literal), tracing complete lines first. */
size_t sess_trace_server_piece(struct imap_session *s, const char *data, size_t len);
void sess_trace_reset(struct imap_session *s);

#endif
