/*
 * net_int — the connection object shared by net.c (lifecycle, connect, I/O pump), net_tls.c,
 * net_compress.c and net_resolve.c. Not for use outside src/net*.c.
 */
#ifndef SKUA_NET_INT_H
#define SKUA_NET_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "buf.h"
#include "net.h"

struct addrinfo;
struct ssl_st;
struct ssl_ctx_st;
struct bio_method_st;
struct z_stream_s;
struct loop_fd;
struct loop_timer;
struct loop_hook;

enum net_state {
	NS_RESOLVING,  /* waiting for the resolver (or the deferred start) */
	NS_CONNECTING, /* non-blocking connect() in progress */
	NS_HANDSHAKE,  /* TLS handshake (implicit or STARTTLS) */
	NS_OPEN,       /* application data flows */
	NS_DONE,       /* failed or closed by the server: inert until net_close() */
};

/* What a blocked transport call waits for. */
enum net_wait { NW_NONE, NW_READ, NW_WRITE };

/* Results of net_transport_read/write besides a positive byte count. */
enum { NET_IO_AGAIN = 0, NET_IO_EOF = -1, NET_IO_FAIL = -2 /* fail() was called */ };

/* Pending work for the deferred callback. */
enum {
	NP_START = 1u << 0,     /* begin connecting (ai list ready) */
	NP_KICK = 1u << 1,      /* drive the TLS handshake */
	NP_CONNECTED = 1u << 2, /* announce on_connected (adopted fd) */
	NP_PUMP = 1u << 3,      /* more input to process (budget or SSL_pending) */
	NP_REPORT = 1u << 4,    /* report the failure / EOF */
};

struct net_resolve;

struct net {
	struct loop *loop;
	struct net_callbacks cb;
	void *ctx;

	/* options, strings owned */
	enum net_tls_mode tls_mode;
	bool verify;
	char *ca_file;
	char *tls_name;
	bool have_pin;
	unsigned char pin[32];
	int family;
	int connect_timeout_ms, total_timeout_ms;

	char *host;
	unsigned port;
	enum net_state state;

	int fd;
	struct loop_fd *watch;
	struct loop_timer *attempt_timer, *total_timer;
	struct loop_timer *kick_timer; /* stands in for loop_defer() if that fails (no memory) */
	struct loop_hook *hook;

	struct net_resolve *res;
	struct loop_fd *res_watch;
	struct addrinfo *ai_list, *ai_next;
	char attempt_errs[384]; /* "addr: reason; ..." for the final message */
	char cur_addr[64];      /* numeric address being tried */
	bool last_timeout;      /* the last attempt timed out */
	struct sockaddr_storage peer;
	socklen_t peerlen;

	/* TLS */
	struct ssl_ctx_st *sslctx;
	struct ssl_st *ssl;
	struct bio_method_st *biometh;
	bool starttls;      /* the running/finished handshake is a STARTTLS upgrade */
	bool tls_open;      /* handshake finished and verified */
	enum net_wait hs_wait;
	int tls_wlen;       /* length of a retried SSL_write (may only grow) */
	int verr;           /* first X509_V_ERR seen by the verify callback */
	char vsubject[160];
	char vdate[64];     /* notAfter or notBefore for expiry errors */
	char vnames[160];   /* names the leaf certificate holds, for a host name mismatch */
	bool have_leaf, pin_mismatch;
	unsigned char leaf_sha[32];

	/* COMPRESS=DEFLATE */
	struct z_stream_s *zin, *zout;
	bool z_more;        /* last inflate filled its output: more may follow without input */
	bool z_dirty;       /* deflated data awaiting a Z_SYNC_FLUSH */

	/* I/O */
	enum net_wait wblock; /* output blocked on */
	bool read_wants_write;
	bool line_mode;
	size_t rin_off, rin_len;
	struct buf out;
	struct net_stats st;
	char rbuf[NET_CHUNK];
	char zbuf[NET_CHUNK];

	/* lifetime */
	int refs;
	bool closed;          /* net_close() called */
	unsigned pending;     /* NP_* */
	bool defer_queued;
	bool report_eof;      /* NP_REPORT reports on_closed, else on_error */
	enum net_error err;
	char errmsg[512];
};

/* net.c */
__attribute__((format(printf, 3, 4))) void net_fail(struct net *c, enum net_error err, const char *fmt, ...);
void net_schedule(struct net *c, unsigned what);
bool net_dead(const struct net *c);
void net_deliver(struct net *c, const char *data, size_t len);
void net_trace(struct net *c, enum net_trace_dir dir, const char *data, size_t len);

/* net_resolve.c: getaddrinfo on a helper thread */
struct net_resolve *net_resolve_start(const char *host, unsigned port, int family, int *fd_out);
/* After the fd is readable: 1 with *res set, 0 if not finished yet, -1 with msg. */
int net_resolve_finish(struct net_resolve *r, struct addrinfo **res, char *msg, size_t msglen);
void net_resolve_release(struct net_resolve **rp);
/* getaddrinfo for a numeric host: 0 with *res, 1 if host is not numeric, -1 with msg. */
int net_resolve_numeric(const char *host, unsigned port, int family, struct addrinfo **res, char *msg,
			size_t msglen);

/* net_tls.c */
int net_parse_pin(const char *s, unsigned char out[32]);
void net_format_sha256(const unsigned char sha[32], char out[96]);
int net_tls_setup(struct net *c);              /* 0, or -1 after net_fail */
int net_tls_handshake(struct net *c);          /* 1 done and verified, 0 in progress, -1 failed */
ssize_t net_tls_read(struct net *c, char *p, size_t n);
ssize_t net_tls_write(struct net *c, const char *p, size_t n);
bool net_tls_has_pending(const struct net *c);
void net_tls_free(struct net *c, bool notify);

/* net_compress.c */
int net_z_start(struct net *c);                                   /* 0 or -1 (no net_fail) */
int net_z_deflate(struct net *c, const char *p, size_t n, bool sync); /* 0 or -1 after net_fail */
/* Inflates from rbuf[rin_off..rin_len] and delivers; returns bytes delivered or -1 after net_fail. */
long net_z_inflate_step(struct net *c);
void net_z_free(struct net *c);

#endif
