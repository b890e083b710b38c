/* Unit tests for src/net's TLS: a throwaway CA and server certificates made at test time; the
 * right certificate, a wrong host name, a wrong address, self-signed, unknown CA, expired, not yet
 * valid, pins that match and that do not, a too-old protocol, a stalled handshake, STARTTLS with
 * injected plaintext, and a large transfer. After every refusal the server checks that nothing
 * but the alert arrived (the queued LOGIN never leaves the client). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/err.h>

#include "test_net_util.h"

static struct {
	char dir[64];
	EVP_PKEY *ca_key, *key;
	X509 *ca, *good, *expired, *future, *selfsigned;
	char *ca_path;
} F;

static int setup(void **state)
{
	(void)state;
	snprintf(F.dir, sizeof F.dir, "/tmp/skua-net-tls-XXXXXX");
	assert_non_null(mkdtemp(F.dir));
	F.ca_key = tu_key();
	F.key = tu_key();
	F.ca = tu_cert(F.ca_key, "skua test CA", NULL, NULL, -86400, 86400 * 30, NULL, NULL, true);
	F.good = tu_cert(F.key, "imap.test", "imap.test", "127.0.0.1", -3600, 86400, F.ca, F.ca_key, false);
	F.expired = tu_cert(F.key, "imap.test", "imap.test", "127.0.0.1", -2 * 86400, -86400, F.ca, F.ca_key,
			    false);
	F.future = tu_cert(F.key, "imap.test", "imap.test", "127.0.0.1", 86400, 2 * 86400, F.ca, F.ca_key,
			   false);
	F.selfsigned = tu_cert(F.key, "imap.test", "imap.test", "127.0.0.1", -3600, 86400, NULL, NULL, false);
	F.ca_path = tu_write_pem(F.dir, "ca.pem", F.ca);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(F.ca_path);
	rmdir(F.dir);
	free(F.ca_path);
	X509_free(F.ca);
	X509_free(F.good);
	X509_free(F.expired);
	X509_free(F.future);
	X509_free(F.selfsigned);
	EVP_PKEY_free(F.ca_key);
	EVP_PKEY_free(F.key);
	return 0;
}

/* ---- servers (in the child) ---- */

enum srv_mode { SRV_ECHO, SRV_STARTTLS_INJECT, SRV_SILENT };

struct srv_arg {
	SSL_CTX *ctx;
	enum srv_mode mode;
};

#define INJECTED "* BYE injected\r\n"
#define STARTTLS_OK "a OK begin TLS now\r\n"

/* Handshake, then echo; on a failed handshake, count any raw bytes that still arrive. */
static void tls_serve(int fd, SSL_CTX *ctx, int report, const char *prefix)
{
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		size_t raw = tu_drain(fd, 1 << 20);
		dprintf(report, "%shs=fail raw=%zu", prefix, raw);
		SSL_free(ssl);
		return;
	}
	size_t app = 0;
	char buf[16384];
	for (;;) {
		int n = SSL_read(ssl, buf, sizeof buf);
		if (n <= 0)
			break;
		app += (size_t)n;
		if (SSL_write(ssl, buf, n) != n)
			break;
	}
	dprintf(report, "%shs=ok app=%zu", prefix, app);
	SSL_free(ssl);
}

static void srv_tls(int lfd, void *varg, int report)
{
	struct srv_arg *a = varg;
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(2);
	if (a->mode == SRV_SILENT) {
		dprintf(report, "raw=%zu", tu_drain(fd, 1 << 20) > 0 ? (size_t)1 : (size_t)0);
	} else if (a->mode == SRV_STARTTLS_INJECT) {
		const char *greet = "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n";
		tu_write_all(fd, greet, strlen(greet));
		char line[256];
		if (tu_read_line(fd, line, sizeof line) < 0)
			_exit(3);
		/* the OK and an injected response in one packet, before the handshake */
		const char *ok = STARTTLS_OK INJECTED;
		tu_write_all(fd, ok, strlen(ok));
		char prefix[300];
		snprintf(prefix, sizeof prefix, "line=%.*s ", (int)strcspn(line, "\r\n"), line);
		tls_serve(fd, a->ctx, report, prefix);
	} else {
		tls_serve(fd, a->ctx, report, "");
	}
	close(fd);
}

/* ---- helpers ---- */

struct run {
	struct loop *l;
	struct tu_client t;
	struct tu_server srv;
	SSL_CTX *sctx;
	char *report;
};

/* Starts a server presenting cert (or a silent one when cert is NULL) and connects to it. */
static void run_start(struct run *r, X509 *cert, int max_version, enum srv_mode mode, struct net_opts *o,
		      const char *host)
{
	memset(r, 0, sizeof *r);
	unsigned port;
	int lfd = tu_listen("127.0.0.1", 8, &port);
	assert_true(lfd >= 0);
	r->sctx = cert ? tu_server_ctx(cert, F.key, max_version) : NULL;
	struct srv_arg a = {r->sctx, mode};
	tu_server_start(&r->srv, lfd, srv_tls, &a);
	r->l = loop_new();
	tu_client_init(&r->t);
	r->t.c = net_connect(r->l, host, port, o, &tu_callbacks, &r->t);
	assert_non_null(r->t.c);
}

static void run_finish(struct run *r)
{
	tu_client_free(&r->t);
	r->report = tu_server_wait(&r->srv);
	SSL_CTX_free(r->sctx);
	loop_free(&r->l);
}

static struct net_opts tls_opts(void)
{
	struct net_opts o;
	net_opts_init(&o);
	o.ca_file = F.ca_path;
	o.tls_name = "imap.test";
	return o;
}

/* Expects the connection to be refused with err and a message holding each of the words; the
 * LOGIN queued before the handshake must never reach the server. */
static void expect_refused(X509 *cert, int max_version, struct net_opts *o, enum net_error err,
			   const char *w1, const char *w2)
{
	struct run r;
	run_start(&r, cert, max_version, SRV_ECHO, o, "127.0.0.1");
	assert_int_equal(net_write_str(r.t.c, "a LOGIN user secret\r\n"), 0);
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.connected, 0);
	assert_int_equal(r.t.errors, 1);
	print_message("    refused: %s\n", r.t.errmsg);
	assert_int_equal(r.t.err, err);
	if (w1)
		assert_non_null(strstr(r.t.errmsg, w1));
	if (w2)
		assert_non_null(strstr(r.t.errmsg, w2));
	assert_int_equal(r.t.chunks, 0);
	run_finish(&r);
	assert_string_equal(r.report, "hs=fail raw=0");
	free(r.report);
}

/* ---- tests ---- */

static void test_right_certificate(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	struct run r;
	run_start(&r, F.good, 0, SRV_ECHO, &o, "127.0.0.1");
	r.t.write_on_connected = "a CAPABILITY\r\n";
	r.t.stop_at_bytes = 14;
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.errors, 0);
	assert_int_equal(r.t.connected, 1);
	assert_int_equal(r.t.tls, 0);
	assert_true(net_is_tls(r.t.c));
	assert_string_equal(buf_data(&r.t.data), "a CAPABILITY\r\n");
	char fp[96], want[96];
	assert_true(net_peer_sha256(r.t.c, fp));
	tu_sha256_hex(F.good, want);
	assert_string_equal(fp, want);
	struct net_stats st;
	net_get_stats(r.t.c, &st);
	assert_int_equal(st.data_out, 14);
	assert_int_equal(st.data_in, 14);
	assert_true(st.wire_out > st.data_out); /* handshake and record overhead */
	assert_true(st.wire_in > st.data_in);
	run_finish(&r);
	assert_string_equal(r.report, "hs=ok app=14");
	free(r.report);
}

static void test_ip_address_verified(void **state)
{
	(void)state;
	/* no tls_name: the certificate's IP SAN is checked against 127.0.0.1 */
	struct net_opts o = tls_opts();
	o.tls_name = NULL;
	struct run r;
	run_start(&r, F.good, 0, SRV_ECHO, &o, "127.0.0.1");
	r.t.close_on_connected = true;
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.errors, 0);
	assert_int_equal(r.t.connected, 1);
	run_finish(&r);
	assert_string_equal(r.report, "hs=ok app=0");
	free(r.report);

	o.tls_name = "127.0.0.2";
	expect_refused(F.good, 0, &o, NET_ERR_CERT, "wrong address", "127.0.0.2");
}

static void test_wrong_host_name(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	o.tls_name = "mail.other.test";
	expect_refused(F.good, 0, &o, NET_ERR_CERT, "wrong host name", "\"mail.other.test\"");
}

static void test_self_signed(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	expect_refused(F.selfsigned, 0, &o, NET_ERR_CERT, "self-signed", "imap.test");
}

static void test_unknown_ca(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	o.ca_file = NULL; /* the system store does not know our test CA */
	expect_refused(F.good, 0, &o, NET_ERR_CERT, "unknown CA", "unable to get local issuer");
}

static void test_expired_and_not_yet_valid(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	expect_refused(F.expired, 0, &o, NET_ERR_CERT, "expired", "not valid after");
	expect_refused(F.future, 0, &o, NET_ERR_CERT, "not yet valid", NULL);
}

static void test_pin(void **state)
{
	(void)state;
	char fp[96];
	tu_sha256_hex(F.selfsigned, fp);
	/* a matching pin accepts a self-signed certificate (and any spelling of the hex) */
	for (int i = 0; i < 2; i++) {
		char spelled[96];
		size_t k = 0;
		for (const char *p = fp; *p; p++)
			if (i == 0 || *p != ':')
				spelled[k++] = i == 1 ? (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p) : *p;
		spelled[k] = '\0';
		struct net_opts o = tls_opts();
		o.ca_file = NULL;
		o.pin_sha256 = spelled;
		struct run r;
		run_start(&r, F.selfsigned, 0, SRV_ECHO, &o, "127.0.0.1");
		r.t.write_on_connected = "x\n";
		r.t.stop_at_bytes = 2;
		tu_run_until(r.l, &r.t.done);
		assert_int_equal(r.t.errors, 0);
		assert_string_equal(buf_data(&r.t.data), "x\n");
		run_finish(&r);
		assert_string_equal(r.report, "hs=ok app=2");
		free(r.report);
	}
	/* a pin that does not match refuses even a CA-valid certificate */
	struct net_opts o = tls_opts();
	o.pin_sha256 = fp;
	expect_refused(F.good, 0, &o, NET_ERR_CERT, "does not match", "pinned");

	/* after a refusal the fingerprint is there for the UI to offer */
	o = tls_opts();
	struct run r;
	run_start(&r, F.selfsigned, 0, SRV_ECHO, &o, "127.0.0.1");
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.err, NET_ERR_CERT);
	char seen[96];
	assert_true(net_peer_sha256(r.t.c, seen));
	assert_string_equal(seen, fp);
	run_finish(&r);
	assert_string_equal(r.report, "hs=fail raw=0");
	free(r.report);
}

static void test_verify_off(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	o.verify = false;
	o.tls_name = "whatever.test";
	struct run r;
	run_start(&r, F.selfsigned, 0, SRV_ECHO, &o, "127.0.0.1");
	r.t.close_on_connected = true;
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.errors, 0);
	assert_int_equal(r.t.connected, 1);
	run_finish(&r);
	free(r.report);
}

static void test_old_protocol_refused(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	expect_refused(F.good, TLS1_1_VERSION, &o, NET_ERR_TLS, "TLS handshake", NULL);
}

static void test_handshake_timeout(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	o.total_timeout_ms = 300;
	struct run r;
	run_start(&r, NULL, 0, SRV_SILENT, &o, "127.0.0.1");
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.err, NET_ERR_TIMEOUT);
	assert_non_null(strstr(r.t.errmsg, "TLS handshake"));
	run_finish(&r);
	assert_string_equal(r.report, "raw=1"); /* it got our ClientHello, nothing else matters */
	free(r.report);
}

static void test_starttls_discards_injection(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	o.tls = NET_TLS_STARTTLS;
	struct run r;
	run_start(&r, F.good, 0, SRV_STARTTLS_INJECT, &o, "127.0.0.1");
	r.t.write_on_connected = "a STARTTLS\r\n";
	r.t.starttls_after = STARTTLS_OK;
	r.t.write_on_tls = "b NOOP\r\n";
	const char *greet = "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n";
	size_t want = strlen(greet) + strlen(STARTTLS_OK) + 8;
	r.t.stop_at_bytes = want;
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.errors, 0);
	assert_int_equal(r.t.connected, 1);
	assert_int_equal(r.t.tls, 1);
	assert_true(net_is_tls(r.t.c));
	/* the injected line never reached on_data; what did is greeting, OK, then the TLS echo */
	assert_null(strstr(buf_data(&r.t.data), "injected"));
	char expect[256];
	snprintf(expect, sizeof expect, "%s%sb NOOP\r\n", greet, STARTTLS_OK);
	assert_string_equal(buf_data(&r.t.data), expect);
	assert_int_equal(r.t.discarded, (long)strlen(INJECTED));
	struct net_stats st;
	net_get_stats(r.t.c, &st);
	assert_int_equal(st.discarded, strlen(INJECTED));
	assert_int_equal(r.t.trace[NET_TRACE_DISCARD], strlen(INJECTED));
	assert_int_equal(r.t.trace[NET_TRACE_IN], strlen(expect));
	run_finish(&r);
	assert_string_equal(r.report, "line=a STARTTLS hs=ok app=8");
	free(r.report);
}

static void test_starttls_bad_certificate(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	o.tls = NET_TLS_STARTTLS;
	o.tls_name = "wrong.test";
	struct run r;
	run_start(&r, F.good, 0, SRV_STARTTLS_INJECT, &o, "127.0.0.1");
	r.t.write_on_connected = "a STARTTLS\r\n";
	r.t.starttls_after = STARTTLS_OK;
	r.t.write_on_tls = "a LOGIN user secret\r\n";
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.tls, 0); /* so the LOGIN it would write was never written */
	assert_int_equal(r.t.err, NET_ERR_CERT);
	assert_non_null(strstr(r.t.errmsg, "wrong.test"));
	run_finish(&r);
	assert_string_equal(r.report, "line=a STARTTLS hs=fail raw=0");
	free(r.report);
}

static void test_large_transfer(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	struct run r;
	run_start(&r, F.good, 0, SRV_ECHO, &o, "127.0.0.1");
	size_t n = 4u << 20;
	char *payload = malloc(n);
	assert_non_null(payload);
	for (size_t i = 0; i < n; i++)
		payload[i] = (char)('A' + (i * 13 + i / 1000) % 26);
	assert_int_equal(net_write(r.t.c, payload, n), 0);
	r.t.stop_at_bytes = n;
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.errors, 0);
	assert_int_equal(buf_len(&r.t.data), n);
	assert_memory_equal(buf_data(&r.t.data), payload, n);
	assert_true(r.t.max_chunk <= NET_CHUNK);
	run_finish(&r);
	char want[64];
	snprintf(want, sizeof want, "hs=ok app=%zu", n);
	assert_string_equal(r.report, want);
	free(r.report);
	free(payload);
}

static void test_bad_ca_file(void **state)
{
	(void)state;
	struct net_opts o = tls_opts();
	o.ca_file = "/nonexistent/ca.pem";
	struct run r;
	run_start(&r, F.good, 0, SRV_ECHO, &o, "127.0.0.1");
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.err, NET_ERR_INVALID);
	assert_non_null(strstr(r.t.errmsg, "/nonexistent/ca.pem"));
	run_finish(&r);
	free(r.report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_certificate),
		cmocka_unit_test(test_ip_address_verified),
		cmocka_unit_test(test_wrong_host_name),
		cmocka_unit_test(test_self_signed),
		cmocka_unit_test(test_unknown_ca),
		cmocka_unit_test(test_expired_and_not_yet_valid),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_verify_off),
		cmocka_unit_test(test_old_protocol_refused),
		cmocka_unit_test(test_handshake_timeout),
		cmocka_unit_test(test_starttls_discards_injection),
		cmocka_unit_test(test_starttls_bad_certificate),
		cmocka_unit_test(test_large_transfer),
		cmocka_unit_test(test_bad_ca_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
