/*
 * session — one IMAP connection's protocol state: tags, a pipelined command queue, per-command
 * callbacks, unsolicited events, capabilities, STARTTLS/COMPRESS/AUTHENTICATE flows and IDLE.
 * It never touches a socket: bytes go out through a transport (struct imap_transport, which
 * src/imap/connection.c implements over src/net, and tests implement in-process), and come in
 * through imap_session_input(). Timers come from the loop (src/loop.h).
 *
 * Contract:
 *  - Lifecycle: imap_session_new() -> the transport connects -> imap_session_transport_up()
 *    -> greeting -> [STARTTLS] -> CAPABILITY -> authenticate -> [COMPRESS] -> [ID, ENABLE] ->
 *    READY (cb->state() tells every change; one set_state() function logs old -> new).
 *    imap_session_free(&s) is safe at any time, also from inside any callback of this session
 *    (freeing is deferred until the callback returns); pending commands then complete with
 *    IMAP_DONE_ABORTED, synchronously, before free returns.
 *  - Commands: imap_session_submit() queues a command built with src/imap/encode.h (start it
 *    with imap_session_cmd_init(), or imap_cmd_init()+imap_cmd_start() with any placeholder tag:
 *    the session writes its own tags "a1", "a2", ... in wire order in place of the placeholder).
 *    The session owns the command from then on: it moves the struct's contents and leaves the
 *    caller's struct empty (imap_cmd_free() on it is a no-op; a malloc'd shell is the caller's).
 *    Commands submitted before the session is ready (state AUTH, or NOT_AUTH when no user is
 *    configured) wait in the queue until it is. Commands are sent in submission order;
 *    independent ones are pipelined (up to opts.max_in_flight). A command flagged
 *    IMAP_CMDF_BARRIER (SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE, LOGOUT, ... — anything that
 *    changes state or sequence numbers) is sent only when nothing is in flight, and nothing is
 *    sent after it until it completes (the session adds the flag itself for the verbs it
 *    recognises below; EXPUNGE, MOVE and the like are the caller's to flag). A
 *    command with a synchronising literal is sent up to the literal, then waits for "+"; nothing
 *    else is sent meanwhile. RFC 3501 5.5: a command using sequence numbers (FETCH, STORE, COPY,
 *    MOVE, SEARCH, SORT, THREAD without UID) is not sent while a command other than FETCH,
 *    STORE or SEARCH is in flight (an EXPUNGE could renumber under it).
 *  - Commands the session recognises by their verb and acts on: SELECT/EXAMINE (state SELECTED,
 *    name, READ-ONLY; a failed one leaves nothing selected), CLOSE/UNSELECT (state AUTH),
 *    LOGOUT (state LOGOUT, then a clean close), LOGIN/AUTHENTICATE (state AUTH and the post-login
 *    setup below), STARTTLS and COMPRESS (the parser stops after the OK and the transport
 *    upgrades).
 *  - Untagged responses go first to cb->untagged() (the model; at any time, whatever is in
 *    flight), then to every in-flight command whose interest mask has that response kind.
 *    A response is valid only during the call (see response.h).
 *  - Each command completes exactly once: done(ctx, result) with the tagged status, or
 *    IMAP_DONE_ABORTED (connection lost, session freed) / IMAP_DONE_TIMEOUT (no tagged reply
 *    within opts.command_timeout_ms; the connection is then closed, since its state is unknown).
 *  - Setup: the session runs it alone. Greeting OK -> NOT_AUTH; PREAUTH -> AUTHENTICATING (it
 *    is refused on a plaintext connection when TLS is required) -> post-login setup; BYE or
 *    anything malformed -> error. IMAP_TLS_STARTTLS: CAPABILITY (unless in the greeting),
 *    STARTTLS required (else error, nothing more is sent), the parser pauses after the OK, every
 *    capability learnt before TLS is dropped and CAPABILITY asked again. Authentication (when
 *    opts.auth.user is set; otherwise the session is ready in NOT_AUTH): mechanism from
 *    src/imap/sasl.h's chooser (LOGINDISABLED respected; no credentials on a plaintext
 *    connection unless tls is IMAP_TLS_NONE), secret from auth.get_secret(), SASL-IR when
 *    offered; an OAuth refusal asks for a fresh token once (again = true) and retries.
 *    Post-login: CAPABILITY unless the OK carried it, COMPRESS DEFLATE (opts.compress), ID
 *    (opts.send_id), ENABLE (CONDSTORE/QRESYNC, UTF8=ACCEPT per opts), then state AUTH = ready.
 *  - IDLE: when opts.idle is set, the server offers IDLE, the session is selected and the queue
 *    is empty, the session enters IDLE after opts.idle_delay_ms; submit() leaves it (DONE) before
 *    sending. IDLE is re-issued every opts.idle_restart_ms (default 25 min: Gmail drops at ~30).
 *    Without IDLE, NOOP every opts.keepalive_ms. The command timeout counts silence: it fires
 *    when a non-IDLE command is in flight and nothing arrived for opts.command_timeout_ms.
 *  - Unsolicited: [ALERT] in any status response -> cb->alert; [THROTTLED] -> cb->throttled;
 *    an untagged BYE marks the session closing (an error when the connection then drops, unless
 *    we sent LOGOUT); [CLOSED] (QRESYNC) deselects the previous mailbox.
 *  - Secrets: command segments marked redact (LOGIN's password, AUTHENTICATE's initial response
 *    and every SASL answer that carries credentials) appear in the wire trace as "<redacted>";
 *    literals longer than 256 bytes appear as "<literal N bytes>". The secret from
 *    imap_session_secret() is copied, and wiped once the login is over.
 *    Trace format: cb->trace is called once per line, without its CRLF, in wire order; writing
 *    "S: " (dir '<') or "C: " (dir '>') before each gives a transcript-test file
 *    (tests/unit/transcripts/). Bytes the session drops (after STARTTLS's OK) are not traced.
 *  - Limits: a protocol error (parser error, a tagged response whose tag was never sent, a
 *    continuation nobody waits for, a malformed greeting) closes the connection with a message
 *    (cb->error) and aborts every command; it never crashes.
 *
 * Ownership: the session owns its parser, its queue and the commands in it; the transport is
 * borrowed (it must outlive the session or call imap_session_transport_down() first).
 * imap_session_free() calls t->close() unless the transport already went down or was closed.
 */
#ifndef SKUA_IMAP_SESSION_H
#define SKUA_IMAP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap/response.h"

struct loop;
struct imap_parser_limits;  /* src/imap/parser.h */
struct imap_literal_info;   /* src/imap/parser.h */
struct imap_cmd; /* src/imap/encode.h */

enum imap_session_state {
	IMAP_SESSION_CONNECTING,    /* waiting for the transport */
	IMAP_SESSION_GREETING,      /* connected, waiting for the greeting */
	IMAP_SESSION_STARTTLS,      /* STARTTLS sent / TLS handshake under way */
	IMAP_SESSION_NOT_AUTH,      /* greeted; capabilities known; not authenticated */
	IMAP_SESSION_AUTHENTICATING,
	IMAP_SESSION_AUTH,          /* authenticated, nothing selected */
	IMAP_SESSION_SELECTED,
	IMAP_SESSION_LOGOUT,
	IMAP_SESSION_CLOSED,        /* connection gone; the session only completes/aborts now */
};

const char *imap_session_state_name(enum imap_session_state st);

/* What the session asks of the network. All calls are non-blocking. */
struct imap_transport {
	/* Optional (may be NULL): deliver input one line at a time (on) or in any chunks (off).
	 * The session turns it on before writing COMPRESS DEFLATE, so that the bytes after the OK
	 * (compressed) are never handed to it as plain IMAP; start_compress() turns it off. A
	 * transport without it must not deliver bytes after that OK in the same input call. */
	void (*line_mode)(void *t, bool on);
	/* Queue bytes for sending. Returns 0, or -1 if the connection is unusable. */
	int (*write)(void *t, const char *data, size_t len);
	/* Begin a TLS handshake on the connection now. Bytes already received and not yet passed to
	 * imap_session_input() must be discarded by the transport (STARTTLS injection defence).
	 * Completion is reported with imap_session_tls_done(). */
	int (*start_tls)(void *t);
	/* From now on compress writes and decompress reads (RFC 4978). */
	int (*start_compress)(void *t);
	/* Close the connection (no more callbacks into the session after this returns). */
	void (*close)(void *t);
};

enum imap_tls_mode {
	IMAP_TLS_IMPLICIT, /* the transport is already TLS when it comes up */
	IMAP_TLS_STARTTLS, /* require STARTTLS; refuse to continue without it */
	IMAP_TLS_NONE,     /* plaintext, allowed by the caller's policy (loopback / allow_plaintext) */
};

/* Where the secret for authentication comes from: asked for when needed, asynchronously. */
struct imap_auth_opts {
	const char *user;
	/* Mechanism preference, e.g. {"XOAUTH2", "OAUTHBEARER", "PLAIN", "LOGIN", NULL}; NULL = the
	 * default order given the kind of secret. */
	const char *const *mechanisms;
	bool oauth; /* the secret is an OAuth2 bearer token (else a password) */
	/* Ask for the secret; answer later (or at once) with imap_session_secret(). `again` is true
	 * when a token was refused and a fresh one is wanted (OAuth: asked once). */
	void (*get_secret)(void *ctx, bool again);
	void *ctx;
};

struct imap_session_opts {
	enum imap_tls_mode tls;
	const char *host;                 /* for OAUTHBEARER's host= and messages */
	unsigned port;
	struct imap_auth_opts auth;
	bool compress;                    /* use COMPRESS=DEFLATE when offered (default on) */
	bool send_id;                     /* send ID ("name" "skua" ...) when offered (default on) */
	bool enable_condstore;            /* ENABLE CONDSTORE (and QRESYNC when offered) */
	bool enable_utf8;                 /* ENABLE UTF8=ACCEPT when offered (default off) */
	bool idle;                        /* use IDLE when offered and queue empty */
	unsigned max_in_flight;           /* pipeline depth; default 16 */
	unsigned command_timeout_ms;      /* default 120 s; 0 = default */
	unsigned greeting_timeout_ms;     /* default 30 s */
	unsigned idle_delay_ms;           /* default 200 ms */
	unsigned idle_restart_ms;         /* default 25 min */
	unsigned keepalive_ms;            /* NOOP interval without IDLE; default 5 min */
	const struct imap_parser_limits *limits; /* NULL = the parser's defaults (copied) */
};

/* Fills *o with the defaults (compress, send_id, enable_condstore and idle on; TLS implicit).
 * Every string pointer in opts is copied by imap_session_new(). */
void imap_session_opts_init(struct imap_session_opts *o);

/* Untagged events for the model and the UI. */
struct imap_session_callbacks {
	void (*state)(void *ctx, enum imap_session_state old, enum imap_session_state now);
	/* Every untagged response, in order. Includes EXISTS, EXPUNGE, VANISHED, FETCH (flag and
	 * label changes, solicited or not), FLAGS, LIST, SEARCH, untagged OK [codes], BYE. */
	void (*untagged)(void *ctx, const struct imap_response *r);
	/* [ALERT] text, which RFC 3501 says must be shown to the user. */
	void (*alert)(void *ctx, const char *text);
	/* The connection failed or was closed; msg says why in words. Commands are aborted. */
	void (*error)(void *ctx, const char *msg);
	/* Wire trace, redacted, one line per call (see the contract): dir '<' from the server, '>' to
	 * the server, '#' a note (state changes: "state GREETING -> NOT_AUTH"). May be NULL. */
	void (*trace)(void *ctx, char dir, const char *data, size_t len);
	/* Gmail [THROTTLED] seen: the caller's back-off should slow down. May be NULL. */
	void (*throttled)(void *ctx);
	/* A piece of a streamed (large) FETCH body literal; see parser.h. May be NULL. Non-zero
	 * return fails the connection. Per-command consumers: imap_session_set_literal(). */
	int (*literal)(void *ctx, const struct imap_literal_info *info, const char *data, size_t len);
};

/* Why the session failed (valid once cb->error has been called). */
enum imap_error_kind {
	IMAP_ERR_NONE,
	IMAP_ERR_NETWORK,  /* transport lost or unwritable */
	IMAP_ERR_PROTOCOL, /* parser error, unknown tag, stray continuation, malformed greeting */
	IMAP_ERR_TIMEOUT,  /* greeting or command timeout */
	IMAP_ERR_BYE,      /* the server said BYE (greeting or unsolicited) */
	IMAP_ERR_TLS,      /* TLS policy refused (no STARTTLS, PREAUTH in plaintext) or handshake */
	IMAP_ERR_AUTH,     /* no mechanism, no secret, credentials refused: retrying will not help */
};

enum imap_done_status {
	IMAP_DONE_OK,
	IMAP_DONE_NO,
	IMAP_DONE_BAD,
	IMAP_DONE_ABORTED, /* never got a tagged reply: connection lost or session freed */
	IMAP_DONE_TIMEOUT,
};

struct imap_result {
	enum imap_done_status status;
	const struct imap_resp_status *tagged; /* the tagged response; NULL for ABORTED/TIMEOUT */
	const char *message; /* words for the user: the server's text, or why it was aborted */
};

/* Per-command callbacks. untagged may be NULL. */
typedef void (*imap_untagged_fn)(void *ctx, const struct imap_response *r);
typedef void (*imap_done_fn)(void *ctx, const struct imap_result *res);
typedef int (*imap_literal_fn)(void *ctx, const struct imap_literal_info *info, const char *data,
			       size_t len);

enum imap_cmd_flags {
	IMAP_CMDF_BARRIER = 1u << 0,        /* see the contract */
	IMAP_CMDF_NEEDS_SELECTED = 1u << 1, /* aborted (not sent) unless selected */
	IMAP_CMDF_PRIORITY = 1u << 2,       /* goes before queued, unsent commands (not before barriers) */
	/* Never in flight together with another command whose interest mask shares a bit with this
	 * one's. For commands whose untagged data carries no correlation (SEARCH, LIST, NAMESPACE,
	 * ID...): the one such command in flight is then the only possible owner of the data. */
	IMAP_CMDF_EXCLUSIVE = 1u << 3,
};

/* Interest masks: 1u << IMAP_RESP_xxx. */
#define IMAP_INTEREST(kind) (1u << (kind))

struct imap_session *imap_session_new(struct loop *loop, const struct imap_session_opts *opts,
				      const struct imap_session_callbacks *cb, void *cb_ctx,
				      const struct imap_transport *t, void *t_ctx);
void imap_session_free(struct imap_session **s);

/* Transport -> session. */
void imap_session_transport_up(struct imap_session *s);   /* connected (and TLS done if implicit) */
void imap_session_input(struct imap_session *s, const char *data, size_t len);
void imap_session_tls_done(struct imap_session *s, bool ok, const char *why);
void imap_session_transport_down(struct imap_session *s, const char *why);

/* The secret asked for by auth.get_secret (copied and wiped after use); NULL = none could be had
 * (why says why), which fails the login. */
void imap_session_secret(struct imap_session *s, const char *secret, const char *why);

/* Queue a command (ownership of cmd passes to the session, also on failure). Returns a command id
 * (> 0), or 0 if the session is closed, logging out, or the command is not a finished, error-free
 * build — done() is then called with IMAP_DONE_ABORTED before this returns. */
uint32_t imap_session_submit(struct imap_session *s, struct imap_cmd *cmd, unsigned flags,
			     uint32_t interest, imap_untagged_fn untagged, imap_done_fn done, void *ctx);
/* Forget a queued or in-flight command's callbacks (its ctx is going away); it still runs. */
void imap_session_cancel(struct imap_session *s, uint32_t id);
/* Streamed literal chunks (see parser.h) also go to fn(ctx of the command) while command id is
 * in flight. Returns false if there is no such command. */
bool imap_session_set_literal(struct imap_session *s, uint32_t id, imap_literal_fn fn);
/* imap_cmd_init() with the encoder options matching the server, then imap_cmd_start() with a
 * placeholder tag. Returns imap_cmd_start()'s result. */
int imap_session_cmd_init(const struct imap_session *s, struct imap_cmd *c, const char *verb);

enum imap_session_state imap_session_state(const struct imap_session *s);
/* Capability test, case-insensitive ("IDLE", "X-GM-EXT-1", "AUTH=PLAIN", "COMPRESS=DEFLATE"). */
bool imap_session_has_cap(const struct imap_session *s, const char *cap);
/* True after ENABLE reported it (e.g. "CONDSTORE", "QRESYNC", "UTF8=ACCEPT"). */
bool imap_session_enabled(const struct imap_session *s, const char *ext);
/* Gmail (X-GM-EXT-1 offered). */
bool imap_session_is_gmail(const struct imap_session *s);
/* Encoder options matching the server (LITERAL+/LITERAL-, UTF8=ACCEPT). */
struct imap_enc_opts;
void imap_session_encode_opts(const struct imap_session *s, struct imap_enc_opts *out);
/* The selected mailbox (raw name) or NULL; and whether it is read-only. */
const char *imap_session_selected(const struct imap_session *s);
bool imap_session_read_only(const struct imap_session *s);
size_t imap_session_queue_length(const struct imap_session *s); /* queued + in flight */
/* Start a clean LOGOUT after the queue drains; done when the server's BYE/OK has come (the
 * session then closes the transport: state CLOSED, no error). Later submits are aborted. Before
 * the session is ready it just closes. */
void imap_session_logout(struct imap_session *s);
/* Why it failed (IMAP_ERR_NONE while alive or after a clean LOGOUT). */
enum imap_error_kind imap_session_error_kind(const struct imap_session *s);
/* True once the transport is TLS (implicit, or after STARTTLS) / compressed. */
bool imap_session_is_tls(const struct imap_session *s);
bool imap_session_is_compressed(const struct imap_session *s);

#endif
