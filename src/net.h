/*
 * net — one client connection driven by the loop: non-blocking resolve and connect (IPv4 and
 * IPv6, each address in turn), TLS with OpenSSL (implicit or STARTTLS; chain, host name and
 * optional SHA-256 pin verified), COMPRESS=DEFLATE (RFC 4978), a bounded output queue flushed
 * before the loop sleeps, and input delivered in bounded chunks. It never parses the protocol and
 * never logs payloads (on_trace lets the caller log, with its own redaction).
 *
 * Ownership: the caller owns a struct net from net_connect()/net_adopt() until net_close(&c),
 * which is safe at any time, including from inside any of c's own callbacks (the memory is
 * released when the callback returns). Strings in struct net_opts are copied. Pointers passed to
 * callbacks (data, msg) are valid only during the call.
 *
 * Callbacks run from the loop only, never from inside a net_* call (exception: on_trace, which
 * may be called from net_write/net_start_tls and must not call net functions). Order:
 *   on_connected  once the transport carries application data: after the TCP connect (tls NONE or
 *                 STARTTLS) or after the verified handshake (IMPLICIT).
 *   on_tls        after net_start_tls(): the verified handshake finished.
 *   on_data       bytes from the server (inflated when compressed), at most NET_CHUNK at a time.
 *   on_error      the connection failed (resolve, connect, timeout, TLS, certificate, I/O, queue
 *                 overflow, compression); msg says why in words. Nothing more is sent or delivered.
 *   on_closed     the server closed the connection cleanly (EOF / close_notify) after all data
 *                 was delivered.
 * Exactly one of on_error / on_closed ends a connection that the caller did not close; the caller
 * still calls net_close() afterwards.
 *
 * Resolving: numeric hosts are parsed with AI_NUMERICHOST (never blocks). Names are resolved by
 * getaddrinfo() on a short-lived detached helper thread (signals blocked) that reports through a
 * socketpair the loop polls; closing the connection early just abandons the thread's result.
 *
 * STARTTLS (tls = NET_TLS_STARTTLS): the connection starts in plaintext with line mode on, so
 * on_data gets one line at a time. When the session parses the tagged OK to STARTTLS inside
 * on_data, it calls net_start_tls(): every byte received after that line and not yet delivered
 * (the rest of the read, and whatever the socket already holds) is discarded — never delivered —
 * and the count is returned. on_tls follows the handshake. Output queued but not yet sent goes
 * out encrypted.
 *
 * COMPRESS=DEFLATE: turn line mode on before writing "COMPRESS DEFLATE"; inside on_data for its
 * tagged OK call net_start_compress() (which turns line mode off). From then on every write is
 * raw-deflated (flushed with Z_SYNC_FLUSH at each flush) and the bytes after the OK line are
 * inflated; over TLS the order is compress, then encrypt. Inflated output is delivered in chunks
 * of at most NET_CHUNK and at most NET_TURN_BUDGET bytes per loop turn, so a decompression bomb
 * costs time, never memory.
 *
 * Writing: net_write() only queues (bounded by out_cap); a before-sleep hook flushes, so all
 * writes of one turn leave in as few packets/records as possible. Nothing is ever written before
 * the connection is open (TLS verified), nor after a failure.
 */
#ifndef SKUA_NET_H
#define SKUA_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct loop;
struct net;

#define NET_CHUNK 16384                 /* largest on_data piece */
#define NET_TURN_BUDGET (1024 * 1024)   /* bytes delivered per loop turn before yielding */

enum net_tls_mode {
	NET_TLS_IMPLICIT = 0, /* TLS from the first byte (port 993) — the default */
	NET_TLS_STARTTLS,     /* plaintext until net_start_tls() */
	NET_TLS_NONE,         /* plaintext only; policy (loopback or allow_plaintext) is the caller's */
};

struct net_opts {
	enum net_tls_mode tls;
	bool verify;             /* verify chain and host name (default true) */
	const char *ca_file;     /* PEM file of trusted CAs instead of the system store; NULL = system */
	const char *pin_sha256;  /* leaf certificate SHA-256, hex with optional colons ("AB:CD:…"); when
	                          * set it decides alone: match accepted even if self-signed, mismatch
	                          * refused even if CA-valid */
	const char *tls_name;    /* name verified and sent as SNI; NULL = the host connected to */
	int family;              /* AF_UNSPEC (default), AF_INET or AF_INET6 */
	int connect_timeout_ms;  /* per address attempt (default 15000) */
	int total_timeout_ms;    /* resolve + connect + TLS handshake, and each STARTTLS handshake
	                          * (default 60000) */
	size_t out_cap;          /* output queue cap in bytes (default 64 MiB) */
};

enum net_error {
	NET_ERR_INVALID = 1, /* bad option (pin syntax, unreadable CA file) or misuse */
	NET_ERR_RESOLVE,     /* host name did not resolve */
	NET_ERR_CONNECT,     /* every address refused or was unreachable */
	NET_ERR_TIMEOUT,     /* connect attempt(s) or handshake took too long */
	NET_ERR_TLS,         /* handshake failed (protocol, version, closed) */
	NET_ERR_CERT,        /* certificate refused: msg names the reason */
	NET_ERR_IO,          /* read/write failed (reset, broken pipe) */
	NET_ERR_OVERFLOW,    /* output queue cap reached */
	NET_ERR_COMPRESS,    /* corrupt or ended deflate stream */
	NET_ERR_NOMEM,
};

enum net_trace_dir {
	NET_TRACE_IN,      /* delivered to on_data (after TLS and inflate) */
	NET_TRACE_OUT,     /* passed to net_write (before deflate and TLS) */
	NET_TRACE_DISCARD, /* received and thrown away (net_start_tls) */
};

struct net_callbacks {
	void (*on_connected)(struct net *c, void *ctx);
	void (*on_tls)(struct net *c, void *ctx);
	void (*on_data)(struct net *c, const char *data, size_t len, void *ctx);
	void (*on_error)(struct net *c, enum net_error err, const char *msg, void *ctx);
	void (*on_closed)(struct net *c, void *ctx);
	void (*on_trace)(struct net *c, enum net_trace_dir dir, const char *data, size_t len, void *ctx);
};

struct net_stats {
	uint64_t wire_in, wire_out; /* bytes on the socket (TLS records, deflated data) */
	uint64_t data_in, data_out; /* bytes delivered to on_data / accepted by net_write */
	uint64_t discarded;         /* bytes dropped by net_start_tls */
};

void net_opts_init(struct net_opts *o);

/* Starts connecting to host (name, IPv4, IPv6 with or without brackets) on port. Returns NULL
 * only for bad arguments or no memory; every other failure comes through on_error later. */
struct net *net_connect(struct loop *loop, const char *host, unsigned port, const struct net_opts *o,
			const struct net_callbacks *cb, void *ctx);
/* Wraps an already connected stream socket (takes ownership of fd): the in-process transport
 * for tests. name stands for the host in messages and TLS verification. opts->tls applies as
 * for net_connect; on_connected follows on a later turn. */
struct net *net_adopt(struct loop *loop, int fd, const char *name, const struct net_opts *o,
		      const struct net_callbacks *cb, void *ctx);
/* Closes and frees; NULL-safe, NULLs *cp; pending output is dropped; over an established TLS
 * session a close_notify is attempted once (never after a failure). */
void net_close(struct net **cp);

/* Queues bytes. 0, or -1 if the connection is failed/closed or the queue cap was reached (the
 * connection then fails with NET_ERR_OVERFLOW). */
int net_write(struct net *c, const void *data, size_t len);
int net_write_str(struct net *c, const char *s);
/* Tries to send queued output now (normally the before-sleep hook does). 0 or -1. */
int net_flush(struct net *c);
size_t net_pending_output(const struct net *c);

/* Deliver on_data one line (ending in LF) at a time, so that an upgrade can start exactly after a
 * line. */
void net_set_line_mode(struct net *c, bool on);
/* STARTTLS upgrade (see above). Returns the number of plaintext bytes discarded, or -1 if the
 * connection is not an open plaintext NET_TLS_STARTTLS one (or TLS setup failed: on_error follows). */
long net_start_tls(struct net *c);
/* COMPRESS=DEFLATE from now on in both directions. 0, or -1 if not open / already compressed. */
int net_start_compress(struct net *c);

bool net_is_open(const struct net *c);
bool net_is_tls(const struct net *c);
bool net_is_compressed(const struct net *c);
void net_get_stats(const struct net *c, struct net_stats *st);
/* The server's leaf certificate SHA-256 as "AB:CD:…" (95 chars + NUL), once seen (also after a
 * refused certificate, so a UI can offer to pin it). false if none was seen. */
bool net_peer_sha256(const struct net *c, char out[96]);
/* The peer's address is loopback (127/8, ::1, ::ffff:127.x). false before connect. */
bool net_peer_is_loopback(const struct net *c);

bool net_addr_is_loopback(const struct sockaddr *sa);
/* A literal loopback address, "localhost" or a name under ".localhost" (RFC 6761). Used by the
 * config's `tls = none` policy; check net_peer_is_loopback() after connecting as well. */
bool net_host_is_loopback(const char *host);
const char *net_error_name(enum net_error err);

#endif
