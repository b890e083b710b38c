/* Fixtures for the net tests; see test_net_util.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "test_net_util.h"

int tu_listen(const char *addr, int backlog, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	int family;
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = family = AF_INET6;
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return -1;
		len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = family = AF_INET;
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return -1;
		len = sizeof *s4;
	}
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0) {
		close(fd);
		return -1;
	}
	len = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port = family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
				   : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

void tu_server_start(struct tu_server *s, int listen_fd, tu_server_fn fn, void *arg)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		alarm(30);
		fn(listen_fd, arg, p[1]);
		_exit(0);
	}
	close(p[1]);
	close(listen_fd);
	s->pid = pid;
	s->report_fd = p[0];
}

char *tu_server_wait(struct tu_server *s)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	char tmp[512];
	for (;;) {
		ssize_t n = read(s->report_fd, tmp, sizeof tmp);
		if (n <= 0)
			break;
		assert_int_equal(buf_append(&b, tmp, (size_t)n), BUF_OK);
	}
	close(s->report_fd);
	int status = 0;
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	char *r = buf_steal(&b);
	assert_non_null(r);
	return r;
}

/* ---- client recorder ---- */

void tu_client_init(struct tu_client *t)
{
	memset(t, 0, sizeof *t);
	buf_init(&t->data, 64u << 20);
	t->keep_data = true;
	t->line_ends_ok = true;
}

void tu_client_free(struct tu_client *t)
{
	net_close(&t->c);
	buf_free(&t->data);
}

static void cb_connected(struct net *c, void *ctx)
{
	struct tu_client *t = ctx;
	assert_ptr_equal(c, t->c);
	t->connected++;
	if (t->write_on_connected)
		assert_int_equal(net_write_str(c, t->write_on_connected), 0);
	if (t->close_on_connected) {
		net_close(&t->c);
		t->done = true;
	}
}

static void cb_tls(struct net *c, void *ctx)
{
	struct tu_client *t = ctx;
	t->tls++;
	if (t->write_on_tls)
		assert_int_equal(net_write_str(c, t->write_on_tls), 0);
}

static bool piece_is(const char *data, size_t len, const char *line)
{
	return line && strlen(line) == len && memcmp(data, line, len) == 0;
}

static void cb_data(struct net *c, const char *data, size_t len, void *ctx)
{
	struct tu_client *t = ctx;
	assert_true(len > 0);
	assert_true(len <= NET_CHUNK);
	t->chunks++;
	if (len > t->max_chunk)
		t->max_chunk = len;
	t->total += len;
	if (data[len - 1] != '\n')
		t->pieces_without_lf++;
	if (t->keep_data)
		assert_int_equal(buf_append(&t->data, data, len), BUF_OK);
	if (piece_is(data, len, t->starttls_after))
		t->discarded = net_start_tls(c);
	if (piece_is(data, len, t->compress_after))
		assert_int_equal(net_start_compress(c), 0);
	if (t->close_after_bytes && t->total >= t->close_after_bytes) {
		net_close(&t->c);
		t->done = true;
		return;
	}
	if (t->stop_at_bytes && t->total >= t->stop_at_bytes)
		t->done = true;
}

static void cb_error(struct net *c, enum net_error err, const char *msg, void *ctx)
{
	struct tu_client *t = ctx;
	(void)c;
	t->errors++;
	t->err = err;
	snprintf(t->errmsg, sizeof t->errmsg, "%s", msg);
	t->done = true;
}

static void cb_closed(struct net *c, void *ctx)
{
	struct tu_client *t = ctx;
	(void)c;
	t->closed++;
	t->done = true;
}

static void cb_trace(struct net *c, enum net_trace_dir dir, const char *data, size_t len, void *ctx)
{
	struct tu_client *t = ctx;
	(void)c;
	(void)data;
	assert_true(dir <= NET_TRACE_DISCARD);
	t->trace[dir] += len;
}

const struct net_callbacks tu_callbacks = {
	.on_connected = cb_connected,
	.on_tls = cb_tls,
	.on_data = cb_data,
	.on_error = cb_error,
	.on_closed = cb_closed,
	.on_trace = cb_trace,
};

void tu_run_until(struct loop *l, const bool *flag)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!*flag) {
		assert_true(loop_run_once(l, 100) >= 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec > 30)
			fail_msg("the loop did not reach the expected state within 30 s (hang guard)");
	}
}

/* ---- certificates ---- */

EVP_PKEY *tu_key(void)
{
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
	assert_non_null(pc);
	assert_int_equal(EVP_PKEY_keygen_init(pc), 1);
	assert_int_equal(EVP_PKEY_CTX_set_ec_paramgen_curve_nid(pc, NID_X9_62_prime256v1), 1);
	assert_int_equal(EVP_PKEY_keygen(pc, &k), 1);
	EVP_PKEY_CTX_free(pc);
	return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

X509 *tu_cert(EVP_PKEY *key, const char *cn, const char *dns, const char *ip, long from_s, long to_s,
	      X509 *issuer, EVP_PKEY *issuer_key, bool ca)
{
	static long serial = 1000;
	X509 *x = X509_new();
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++ + (long)getpid() * 100);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), from_s));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), to_s));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	X509_NAME *name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"skua tests",
						    -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
						    -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name), 1);
	add_ext(x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(x, issuer, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (issuer)
		add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (!ca)
		add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
	if (dns || ip) {
		char san[256];
		snprintf(san, sizeof san, "%s%s%s%s%s", dns ? "DNS:" : "", dns ? dns : "", dns && ip ? "," : "",
			 ip ? "IP:" : "", ip ? ip : "");
		add_ext(x, issuer, NID_subject_alt_name, san);
	}
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

char *tu_write_pem(const char *dir, const char *name, X509 *cert)
{
	char *path = malloc(strlen(dir) + strlen(name) + 2);
	assert_non_null(path);
	sprintf(path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, cert), 1);
	fclose(f);
	return path;
}

void tu_sha256_hex(X509 *cert, char out[96])
{
	unsigned char md[32];
	unsigned int len = 0;
	assert_int_equal(X509_digest(cert, EVP_sha256(), md, &len), 1);
	assert_int_equal(len, 32);
	char *p = out;
	for (int i = 0; i < 32; i++)
		p += sprintf(p, i ? ":%02X" : "%02X", md[i]);
}

SSL_CTX *tu_server_ctx(X509 *cert, EVP_PKEY *key, int max_version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	if (max_version) {
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(ctx, max_version);
	}
	return ctx;
}

size_t tu_drain(int fd, size_t limit)
{
	size_t total = 0;
	char tmp[4096];
	while (total < limit) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	return total;
}

bool tu_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

long tu_read_line(int fd, char *out, size_t outlen)
{
	size_t n = 0;
	while (n + 1 < outlen) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		out[n++] = ch;
		if (ch == '\n')
			break;
	}
	out[n] = '\0';
	return (long)n;
}
