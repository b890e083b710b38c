/*
 * connection — one IMAP connection to one configured account: a src/net connection and an
 * imap_session glued together (struct imap_transport over net), the TLS policy, the secret
 * commands, and reconnection with exponential back-off on loop timers.
 *
 * Contract:
 *  - imap_connection_new() checks the policy first: `tls = none` only for a loopback host (and
 *    the peer address must then be loopback too) or with allow_plaintext = yes; otherwise it
 *    returns NULL with a message and never connects. It then connects at once.
 *  - Each connect creates a fresh session (cb->session_new); submit commands to it once its
 *    state reaches AUTH (cb->session.state). A session lives until the connection drops; then
 *    cb->down(why, retry_ms) says whether a reconnect is scheduled (retry_ms >= 0) or not (-1:
 *    authentication refused, TLS policy or certificate refused, LOGOUT, or reconnect off).
 *    Back-off: backoff_min_ms doubling up to backoff_max_ms (+-20% jitter), reset once a
 *    session is ready; a [THROTTLED] response raises the floor (30 s doubling, for 10 minutes).
 *  - Secrets: the session's auth.get_secret runs password_command (or oauth_token_command for
 *    token mechanisms) through src/secret_cmd.h, never blocking; the secret is passed to the
 *    session, which copies it, and wiped. Nothing here logs it.
 *  - The session callbacks in cb->session are forwarded with the connection's ctx. The
 *    session pointer given by session_new is valid until cb->down is called.
 *  - imap_connection_free(&c) is safe at any time, also from inside any callback (the memory
 *    goes when the callback returns); the session's commands complete with IMAP_DONE_ABORTED.
 *  - Several connections to one account share one loop. An optional struct imap_conn_pool caps
 *    how many exist at once (the account's max_connections, default 3): imap_connection_new()
 *    refuses past the cap. Connections waiting to reconnect still count.
 */
#ifndef SKUA_IMAP_CONNECTION_H
#define SKUA_IMAP_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>

#include "imap/session.h"

struct loop;
struct config_account;
struct imap_connection;

struct imap_conn_pool {
	unsigned max;  /* 0 = 3 */
	unsigned open; /* maintained by the connections */
};

struct imap_connection_callbacks {
	struct imap_session_callbacks session;
	void (*session_new)(void *ctx, struct imap_session *s);
	void (*down)(void *ctx, const char *why, long retry_ms);
};

struct imap_connection_opts {
	/* tls, host, port and auth are taken from the account; the rest is used as given */
	struct imap_session_opts session;
	bool reconnect;             /* default true */
	unsigned backoff_min_ms;    /* default 1000 */
	unsigned backoff_max_ms;    /* default 300000 */
	unsigned secret_timeout_ms; /* default 60000 */
	int connect_timeout_ms;     /* 0 = net's default */
	struct imap_conn_pool *pool; /* optional */
};

void imap_connection_opts_init(struct imap_connection_opts *o);

struct imap_connection *imap_connection_new(struct loop *loop, const struct config_account *acct,
					    const struct imap_connection_opts *o,
					    const struct imap_connection_callbacks *cb, void *ctx, char *err,
					    size_t errlen);
void imap_connection_free(struct imap_connection **c);

/* The current session, or NULL while disconnected. */
struct imap_session *imap_connection_session(const struct imap_connection *c);
/* LOGOUT cleanly and do not reconnect (cb->down(..., -1) follows). */
void imap_connection_logout(struct imap_connection *c);
/* Skip the back-off wait: reconnect on the next loop turn (no-op while connected). */
void imap_connection_reconnect_now(struct imap_connection *c);
/* The delay the next reconnect would wait, in ms (for tests and status lines). */
long imap_connection_next_delay(const struct imap_connection *c);
bool imap_connection_throttled(const struct imap_connection *c);

/* The policy check alone: 0, or -1 with a message. */
int imap_connection_check_policy(const struct config_account *acct, char *err, size_t errlen);

#endif
