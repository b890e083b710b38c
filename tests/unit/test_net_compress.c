/* Unit tests for src/net's COMPRESS=DEFLATE: a test server speaking raw deflate both ways (zlib
 * here, in the child), plain and under TLS; the bytes after the OK in the same packet are
 * inflated; a large round trip; a decompression bomb delivered in bounded chunks without memory
 * growth; corrupt data refused. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "test_net_util.h"

#define GREETING "* OK ready\r\n"
#define COMPRESS_OK "a OK DEFLATE active\r\n"
#define FIRST "* 1 EXISTS\r\n"

enum mode { M_ECHO, M_BOMB, M_GARBAGE };

struct srv_arg {
	SSL_CTX *ctx;
	enum mode mode;
};

/* ---- the server (child) ---- */

struct conn {
	int fd;
	SSL *ssl;
};

static long s_read(struct conn *c, void *p, size_t n)
{
	if (c->ssl)
		return SSL_read(c->ssl, p, (int)n);
	return read(c->fd, p, n);
}

static bool s_write(struct conn *c, const void *p, size_t n)
{
	if (!c->ssl)
		return tu_write_all(c->fd, p, n);
	return n == 0 || SSL_write(c->ssl, p, (int)n) == (int)n;
}

/* Deflates p (then a sync flush if asked) and sends the output after prefix, in one write. */
static bool send_deflated(struct conn *c, z_stream *z, const char *prefix, const void *p, size_t n, int flush)
{
	static unsigned char out[1 << 18];
	size_t len = prefix ? strlen(prefix) : 0;
	if (prefix)
		memcpy(out, prefix, len);
	z->next_in = (Bytef *)(uintptr_t)p;
	z->avail_in = (uInt)n;
	do {
		z->next_out = out + len;
		z->avail_out = (uInt)(sizeof out - len);
		if (deflate(z, flush) == Z_STREAM_ERROR)
			return false;
		len = sizeof out - z->avail_out;
		if (z->avail_out == 0 || z->avail_in == 0) {
			if (!s_write(c, out, len))
				return false;
			len = 0;
		}
	} while (z->avail_in > 0 || z->avail_out == 0);
	return true;
}

static void srv_compress(int lfd, void *varg, int report)
{
	struct srv_arg *a = varg;
	struct conn c = {accept(lfd, NULL, NULL), NULL};
	if (c.fd < 0)
		_exit(2);
	if (a->ctx) {
		c.ssl = SSL_new(a->ctx);
		SSL_set_fd(c.ssl, c.fd);
		if (SSL_accept(c.ssl) != 1)
			_exit(3);
	}
	s_write(&c, GREETING, strlen(GREETING));
	char line[64];
	size_t ll = 0;
	while (ll + 1 < sizeof line && s_read(&c, line + ll, 1) == 1 && line[ll++] != '\n')
		;
	line[ll] = '\0';
	if (strcmp(line, "a COMPRESS DEFLATE\r\n") != 0)
		_exit(4);
	z_stream zo, zi;
	memset(&zo, 0, sizeof zo);
	memset(&zi, 0, sizeof zi);
	deflateInit2(&zo, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	inflateInit2(&zi, -15);

	if (a->mode == M_GARBAGE) {
		s_write(&c, COMPRESS_OK "\xff\xff\xff\xff garbage", strlen(COMPRESS_OK) + 12);
		dprintf(report, "after=%zu", tu_drain(c.fd, 1 << 20));
		_exit(0);
	}
	/* the OK and the first compressed response in the same packet */
	if (!send_deflated(&c, &zo, COMPRESS_OK, FIRST, strlen(FIRST), Z_SYNC_FLUSH))
		_exit(5);

	if (a->mode == M_BOMB) {
		static char zeros[1 << 20];
		size_t sent = 0;
		while (sent < ((size_t)1 << 30) && send_deflated(&c, &zo, NULL, zeros, sizeof zeros, Z_NO_FLUSH))
			sent += sizeof zeros;
		dprintf(report, "bomb");
		_exit(0);
	}
	/* echo: inflate what comes, send it back deflated */
	static unsigned char in[65536], plain[1 << 18];
	size_t logical = 0;
	for (;;) {
		long n = s_read(&c, in, sizeof in);
		if (n <= 0)
			break;
		zi.next_in = in;
		zi.avail_in = (uInt)n;
		do {
			zi.next_out = plain;
			zi.avail_out = sizeof plain;
			int r = inflate(&zi, Z_SYNC_FLUSH);
			if (r != Z_OK && r != Z_BUF_ERROR)
				_exit(6);
			size_t got = sizeof plain - zi.avail_out;
			logical += got;
			if (got && !send_deflated(&c, &zo, NULL, plain, got, Z_SYNC_FLUSH))
				_exit(7);
		} while (zi.avail_in > 0 || zi.avail_out == 0);
	}
	dprintf(report, "in=%zu", logical);
	deflateEnd(&zo);
	inflateEnd(&zi);
	_exit(0);
}

/* ---- client side ---- */

static EVP_PKEY *key;
static X509 *cert;
static char pin[96];

static int setup(void **state)
{
	(void)state;
	key = tu_key();
	cert = tu_cert(key, "imap.test", "imap.test", NULL, -3600, 86400, NULL, NULL, false);
	tu_sha256_hex(cert, pin);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	X509_free(cert);
	EVP_PKEY_free(key);
	return 0;
}

struct run {
	struct loop *l;
	struct tu_client t;
	struct tu_server srv;
	SSL_CTX *sctx;
};

static void start(struct run *r, bool tls, enum mode mode)
{
	memset(r, 0, sizeof *r);
	unsigned port;
	int lfd = tu_listen("127.0.0.1", 8, &port);
	assert_true(lfd >= 0);
	r->sctx = tls ? tu_server_ctx(cert, key, 0) : NULL;
	struct srv_arg a = {r->sctx, mode};
	tu_server_start(&r->srv, lfd, srv_compress, &a);
	r->l = loop_new();
	tu_client_init(&r->t);
	struct net_opts o;
	net_opts_init(&o);
	o.tls = tls ? NET_TLS_IMPLICIT : NET_TLS_NONE;
	o.pin_sha256 = pin;
	/* the session turns line mode on before sending COMPRESS, so the OK ends a piece */
	r->t.write_on_connected = "a COMPRESS DEFLATE\r\n";
	r->t.compress_after = COMPRESS_OK;
	r->t.c = net_connect(r->l, "127.0.0.1", port, &o, &tu_callbacks, &r->t);
	assert_non_null(r->t.c);
	net_set_line_mode(r->t.c, true);
}

static char *finish(struct run *r)
{
	tu_client_free(&r->t);
	char *rep = tu_server_wait(&r->srv);
	SSL_CTX_free(r->sctx);
	loop_free(&r->l);
	return rep;
}

static void roundtrip(bool tls)
{
	struct run r;
	start(&r, tls, M_ECHO);
	size_t head = strlen(GREETING) + strlen(COMPRESS_OK) + strlen(FIRST);
	r.t.stop_at_bytes = head;
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.errors, 0);
	assert_true(net_is_compressed(r.t.c));
	/* the compressed bytes that shared a packet with the OK were inflated, not delivered raw */
	assert_string_equal(buf_data(&r.t.data), GREETING COMPRESS_OK FIRST);

	/* a large, compressible payload both ways */
	size_t n = 6u << 20;
	char *payload = malloc(n);
	assert_non_null(payload);
	for (size_t i = 0; i < n; i++)
		payload[i] = "* 12345 FETCH (UID 77 FLAGS (\\Seen))\r\n"[i % 38];
	struct net_stats before;
	net_get_stats(r.t.c, &before);
	assert_int_equal(net_write(r.t.c, payload, n / 2), 0);
	assert_int_equal(net_write(r.t.c, payload + n / 2, n - n / 2), 0);
	r.t.stop_at_bytes = head + n;
	r.t.done = false;
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.errors, 0);
	assert_int_equal(buf_len(&r.t.data), head + n);
	assert_memory_equal(buf_data(&r.t.data) + head, payload, n);
	assert_true(r.t.max_chunk <= NET_CHUNK);
	struct net_stats st;
	net_get_stats(r.t.c, &st);
	assert_int_equal(st.data_out - before.data_out, n);
	assert_int_equal(st.data_in - before.data_in, n);
	/* compressed on the wire: far fewer bytes than the payload, both ways */
	assert_true((st.wire_out - before.wire_out) * 10 < n);
	assert_true((st.wire_in - before.wire_in) * 10 < n);
	char *rep = finish(&r);
	char want[64];
	snprintf(want, sizeof want, "in=%zu", n);
	assert_string_equal(rep, want);
	free(rep);
	free(payload);
}

static void test_roundtrip_plain(void **state)
{
	(void)state;
	roundtrip(false);
}

static void test_roundtrip_over_tls(void **state)
{
	(void)state;
	roundtrip(true);
}

static size_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	unsigned long size = 0, res = 0;
	if (fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return res * (size_t)sysconf(_SC_PAGESIZE);
}

static void test_decompression_bomb(void **state)
{
	(void)state;
	struct run r;
	start(&r, false, M_BOMB);
	size_t head = strlen(GREETING) + strlen(COMPRESS_OK) + strlen(FIRST);
	r.t.stop_at_bytes = head;
	tu_run_until(r.l, &r.t.done);
	assert_true(net_is_compressed(r.t.c));
	size_t rss0 = rss_bytes();
	r.t.keep_data = false;
	r.t.stop_at_bytes = 0;
	r.t.close_after_bytes = head + (256u << 20); /* enough: stop after 256 MiB of zeros */
	r.t.done = false;
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.errors, 0);
	assert_null(r.t.c); /* closed from inside on_data */
	assert_true(r.t.total >= head + (256u << 20));
	assert_true(r.t.max_chunk <= NET_CHUNK);
	size_t rss1 = rss_bytes();
	print_message("    bomb: %d chunks, RSS %zu -> %zu KiB\n", r.t.chunks, rss0 >> 10, rss1 >> 10);
	if (rss0 && rss1)
		assert_true(rss1 < rss0 + (32u << 20)); /* nowhere near 256 MiB */
	char *rep = finish(&r);
	free(rep);
}

static void test_corrupt_stream(void **state)
{
	(void)state;
	struct run r;
	start(&r, false, M_GARBAGE);
	tu_run_until(r.l, &r.t.done);
	assert_int_equal(r.t.errors, 1);
	assert_int_equal(r.t.err, NET_ERR_COMPRESS);
	assert_non_null(strstr(r.t.errmsg, "corrupt compressed data"));
	assert_string_equal(buf_data(&r.t.data), GREETING COMPRESS_OK);
	char *rep = finish(&r);
	assert_string_equal(rep, "after=0"); /* nothing was sent after the failure */
	free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_plain),
		cmocka_unit_test(test_roundtrip_over_tls),
		cmocka_unit_test(test_decompression_bomb),
		cmocka_unit_test(test_corrupt_stream),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
