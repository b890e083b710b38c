/*
 * test_net_util — fixtures for the net tests: a listening socket on loopback, test servers run
 * in a forked child (blocking code, bounded by alarm()), a client-side recorder of net callbacks,
 * a bounded loop runner, and throwaway certificates made with the OpenSSL API at test time.
 * Nothing here talks to anything but 127.0.0.1 / ::1.
 */
#ifndef SKUA_TEST_NET_UTIL_H
#define SKUA_TEST_NET_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "buf.h"
#include "loop.h"
#include "net.h"

/* A listening TCP socket on addr ("127.0.0.1" or "::1") port 0; -1 if that family is missing. */
int tu_listen(const char *addr, int backlog, unsigned *port);

/* A forked server: fn(listen_fd, arg, report_fd) runs in the child, which _exit()s after it; the
 * child is killed by SIGALRM after 30 s whatever happens. What it writes to report_fd is read by
 * tu_server_wait(). */
struct tu_server {
	pid_t pid;
	int report_fd;
};
typedef void (*tu_server_fn)(int listen_fd, void *arg, int report_fd);
void tu_server_start(struct tu_server *s, int listen_fd, tu_server_fn fn, void *arg);
/* Waits for the child and returns its report (caller frees); asserts it exited 0. */
char *tu_server_wait(struct tu_server *s);

/* Records every callback of one connection. */
struct tu_client {
	struct net *c;
	struct buf data;           /* everything delivered by on_data */
	size_t max_chunk;          /* largest on_data piece */
	int chunks;
	int connected, tls, closed, errors;
	enum net_error err;
	char errmsg[600];
	bool done;                 /* error or closed seen, or set by a test hook */
	/* test hooks */
	bool close_on_connected;
	const char *starttls_after; /* call net_start_tls() after the line equal to this */
	long discarded;
	const char *compress_after; /* call net_start_compress() after the line equal to this */
	size_t close_after_bytes;   /* net_close() from inside on_data once this much arrived */
	bool close_in_on_data;
	bool line_ends_ok;          /* every piece ended in LF, except possibly pieces at the end */
	int pieces_without_lf;
	size_t stop_at_bytes;       /* set done once this much data arrived */
	bool keep_data;             /* false: count only (bombs) */
	uint64_t total;
	size_t trace[3];            /* bytes seen by on_trace, by direction */
	const char *write_on_connected;
	const char *write_on_tls;
};
void tu_client_init(struct tu_client *t);
void tu_client_free(struct tu_client *t);
extern const struct net_callbacks tu_callbacks;

/* Runs the loop until *flag becomes true (or 30 s passed, which fails the test). */
void tu_run_until(struct loop *l, const bool *flag);

/* ---- certificates ---- */
EVP_PKEY *tu_key(void);
/* A certificate for key, valid from now+from_s to now+to_s; dns/ip may be NULL; signed by
 * issuer/issuer_key, or self-signed when issuer is NULL. */
X509 *tu_cert(EVP_PKEY *key, const char *cn, const char *dns, const char *ip, long from_s, long to_s,
	      X509 *issuer, EVP_PKEY *issuer_key, bool ca);
/* Writes cert as PEM into dir/name and returns the path (caller frees). */
char *tu_write_pem(const char *dir, const char *name, X509 *cert);
void tu_sha256_hex(X509 *cert, char out[96]);
/* A server SSL_CTX for cert/key (TLS 1.2+ unless max_version is set). */
SSL_CTX *tu_server_ctx(X509 *cert, EVP_PKEY *key, int max_version);

/* Reads from fd until EOF, error or limit; returns bytes read. */
size_t tu_drain(int fd, size_t limit);
/* Writes all of p to fd (blocking); false on error. */
bool tu_write_all(int fd, const void *p, size_t n);
/* Reads one line (up to LF) from fd byte by byte; returns length, -1 on EOF/error. */
long tu_read_line(int fd, char *out, size_t outlen);

#endif
