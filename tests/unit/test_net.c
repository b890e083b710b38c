/* Unit tests for src/net without TLS: connect (IPv4, IPv6, names), echo, refusal, timeouts,
 * line mode, EOF, closing from inside callbacks, the output cap, adopted fds, loopback helpers.
 * Servers are forked children on loopback; no timing assertions. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "test_net_util.h"

/* ---- servers (run in the child) ---- */

static void srv_echo(int lfd, void *arg, int report)
{
	(void)arg;
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(2);
	char buf[65536];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		total += (size_t)n;
		if (!tu_write_all(fd, buf, (size_t)n))
			break;
	}
	dprintf(report, "echoed=%zu", total);
	close(fd);
}

/* Sends arg in one write, then shuts down its side and reports what it received. */
static void srv_say_and_close(int lfd, void *arg, int report)
{
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(2);
	const char *s = arg;
	tu_write_all(fd, s, strlen(s));
	shutdown(fd, SHUT_WR);
	dprintf(report, "got=%zu", tu_drain(fd, 1 << 20));
	close(fd);
}

/* Streams bytes until the client goes away. */
static void srv_flood(int lfd, void *arg, int report)
{
	(void)arg;
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(2);
	char buf[16384];
	memset(buf, 'x', sizeof buf);
	for (int i = 0; i < 4096; i++)
		if (!tu_write_all(fd, buf, sizeof buf))
			break;
	dprintf(report, "done");
	close(fd);
}

static struct net_opts plain_opts(void)
{
	struct net_opts o;
	net_opts_init(&o);
	o.tls = NET_TLS_NONE;
	return o;
}

/* ---- tests ---- */

static void echo_roundtrip(const char *host, const char *listen_addr)
{
	unsigned port;
	int lfd = tu_listen(listen_addr, 8, &port);
	if (lfd < 0) {
		if (strchr(listen_addr, ':')) {
			print_message("no IPv6 loopback here: skipped\n");
			skip();
		}
		fail_msg("cannot listen on %s", listen_addr);
	}
	struct tu_server srv;
	tu_server_start(&srv, lfd, srv_echo, NULL);
	struct loop *l = loop_new();
	struct tu_client t;
	tu_client_init(&t);
	t.write_on_connected = "a NOOP\r\n";
	t.stop_at_bytes = 10;
	struct net_opts o = plain_opts();
	t.c = net_connect(l, host, port, &o, &tu_callbacks, &t);
	assert_non_null(t.c);
	/* queued before the connection is up: still goes out, in order */
	assert_int_equal(net_write_str(t.c, "0 "), 0);
	tu_run_until(l, &t.done);
	assert_int_equal(t.errors, 0);
	assert_int_equal(t.connected, 1);
	assert_true(net_is_open(t.c));
	assert_false(net_is_tls(t.c));
	assert_true(net_peer_is_loopback(t.c));
	assert_string_equal(buf_data(&t.data), "0 a NOOP\r\n");
	struct net_stats st;
	net_get_stats(t.c, &st);
	assert_int_equal(st.data_out, 10);
	assert_int_equal(st.wire_out, 10);
	assert_int_equal(st.data_in, 10);
	assert_int_equal(st.wire_in, 10);
	assert_int_equal(t.trace[NET_TRACE_OUT], 10);
	assert_int_equal(t.trace[NET_TRACE_IN], 10);
	tu_client_free(&t);
	assert_null(t.c);
	char *rep = tu_server_wait(&srv);
	assert_string_equal(rep, "echoed=10");
	free(rep);
	loop_free(&l);
}

static void test_echo_ipv4(void **state)
{
	(void)state;
	echo_roundtrip("127.0.0.1", "127.0.0.1");
}

static void test_echo_name_via_resolver(void **state)
{
	(void)state;
	/* "localhost" is not numeric: resolved on the helper thread (from /etc/hosts) */
	echo_roundtrip("localhost", "127.0.0.1");
}

static void test_echo_ipv6(void **state)
{
	(void)state;
	echo_roundtrip("[::1]", "::1");
}

static void test_echo_large(void **state)
{
	(void)state;
	unsigned port;
	int lfd = tu_listen("127.0.0.1", 8, &port);
	assert_true(lfd >= 0);
	struct tu_server srv;
	tu_server_start(&srv, lfd, srv_echo, NULL);
	struct loop *l = loop_new();
	struct tu_client t;
	tu_client_init(&t);
	size_t n = 8u << 20;
	char *payload = malloc(n);
	assert_non_null(payload);
	for (size_t i = 0; i < n; i++)
		payload[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	t.stop_at_bytes = n;
	struct net_opts o = plain_opts();
	t.c = net_connect(l, "127.0.0.1", port, &o, &tu_callbacks, &t);
	assert_int_equal(net_write(t.c, payload, n), 0);
	assert_int_equal(net_pending_output(t.c), n);
	tu_run_until(l, &t.done);
	assert_int_equal(t.errors, 0);
	assert_int_equal(buf_len(&t.data), n);
	assert_memory_equal(buf_data(&t.data), payload, n);
	assert_true(t.max_chunk <= NET_CHUNK);
	assert_int_equal(net_pending_output(t.c), 0);
	tu_client_free(&t);
	char *rep = tu_server_wait(&srv);
	char want[64];
	snprintf(want, sizeof want, "echoed=%zu", n);
	assert_string_equal(rep, want);
	free(rep);
	free(payload);
	loop_free(&l);
}

static void test_connect_refused(void **state)
{
	(void)state;
	unsigned port;
	int lfd = tu_listen("127.0.0.1", 1, &port);
	assert_true(lfd >= 0);
	close(lfd); /* nothing listens there now */
	struct loop *l = loop_new();
	struct tu_client t;
	tu_client_init(&t);
	struct net_opts o = plain_opts();
	t.c = net_connect(l, "127.0.0.1", port, &o, &tu_callbacks, &t);
	assert_non_null(t.c);
	tu_run_until(l, &t.done);
	assert_int_equal(t.errors, 1);
	assert_int_equal(t.connected, 0);
	assert_int_equal(t.err, NET_ERR_CONNECT);
	assert_non_null(strstr(t.errmsg, "127.0.0.1"));
	assert_non_null(strstr(t.errmsg, strerror(ECONNREFUSED)));
	assert_false(net_is_open(t.c));
	assert_int_equal(net_write_str(t.c, "x"), -1); /* inert after failure */
	tu_client_free(&t);
	loop_free(&l);
}

/* A listening socket whose accept queue is full drops further SYNs: the connect hangs. */
static void test_connect_timeout(void **state)
{
	(void)state;
	unsigned port;
	int lfd = tu_listen("127.0.0.1", 0, &port);
	assert_true(lfd >= 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	int fill[4];
	for (int i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(fill[i], (struct sockaddr *)&sin, sizeof sin);
	}
	struct loop *l = loop_new();
	struct tu_client t;
	tu_client_init(&t);
	struct net_opts o = plain_opts();
	o.connect_timeout_ms = 300;
	t.c = net_connect(l, "127.0.0.1", port, &o, &tu_callbacks, &t);
	tu_run_until(l, &t.done);
	assert_int_equal(t.errors, 1);
	assert_int_equal(t.connected, 0);
	assert_int_equal(t.err, NET_ERR_TIMEOUT);
	assert_non_null(strstr(t.errmsg, "timed out"));
	tu_client_free(&t);

	/* the overall limit applies too */
	tu_client_init(&t);
	o.connect_timeout_ms = 60000;
	o.total_timeout_ms = 300;
	t.c = net_connect(l, "127.0.0.1", port, &o, &tu_callbacks, &t);
	tu_run_until(l, &t.done);
	assert_int_equal(t.err, NET_ERR_TIMEOUT);
	assert_non_null(strstr(t.errmsg, "timed out connecting to 127.0.0.1"));
	tu_client_free(&t);
	for (int i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
	loop_free(&l);
}

static void test_line_mode_and_eof(void **state)
{
	(void)state;
	unsigned port;
	int lfd = tu_listen("127.0.0.1", 8, &port);
	struct tu_server srv;
	tu_server_start(&srv, lfd, srv_say_and_close, "a\r\nbb\r\n\r\nccc");
	struct loop *l = loop_new();
	struct tu_client t;
	tu_client_init(&t);
	struct net_opts o = plain_opts();
	t.c = net_connect(l, "127.0.0.1", port, &o, &tu_callbacks, &t);
	net_set_line_mode(t.c, true);
	tu_run_until(l, &t.done);
	assert_int_equal(t.errors, 0);
	assert_int_equal(t.closed, 1); /* after all the data */
	assert_string_equal(buf_data(&t.data), "a\r\nbb\r\n\r\nccc");
	/* one piece per line: however the bytes arrived, only the unterminated tail lacks LF */
	assert_true(t.chunks >= 4);
	assert_int_equal(t.pieces_without_lf, 1);
	tu_client_free(&t);
	char *rep = tu_server_wait(&srv);
	assert_string_equal(rep, "got=0");
	free(rep);
	loop_free(&l);
}

static void test_close_inside_callbacks(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	unsigned port;
	/* closed from on_connected */
	int lfd = tu_listen("127.0.0.1", 8, &port);
	struct tu_server srv;
	tu_server_start(&srv, lfd, srv_flood, NULL);
	struct tu_client t;
	tu_client_init(&t);
	t.close_on_connected = true;
	struct net_opts o = plain_opts();
	t.c = net_connect(l, "127.0.0.1", port, &o, &tu_callbacks, &t);
	tu_run_until(l, &t.done);
	assert_null(t.c);
	assert_int_equal(t.chunks, 0);
	for (int i = 0; i < 5; i++)
		loop_run_once(l, 10);
	assert_int_equal(t.chunks + t.errors + t.closed, 0);
	tu_client_free(&t);
	free(tu_server_wait(&srv));

	/* closed from on_data while more data is buffered */
	lfd = tu_listen("127.0.0.1", 8, &port);
	tu_server_start(&srv, lfd, srv_flood, NULL);
	tu_client_init(&t);
	t.close_after_bytes = 100000;
	t.c = net_connect(l, "127.0.0.1", port, &o, &tu_callbacks, &t);
	tu_run_until(l, &t.done);
	assert_null(t.c);
	int chunks = t.chunks;
	for (int i = 0; i < 5; i++)
		loop_run_once(l, 10);
	assert_int_equal(t.chunks, chunks);
	assert_int_equal(t.errors + t.closed, 0);
	tu_client_free(&t);
	free(tu_server_wait(&srv));
	loop_free(&l);
}

static void test_output_cap(void **state)
{
	(void)state;
	unsigned port;
	int lfd = tu_listen("127.0.0.1", 8, &port); /* never accepted: the backlog completes it */
	struct loop *l = loop_new();
	struct tu_client t;
	tu_client_init(&t);
	struct net_opts o = plain_opts();
	o.out_cap = 1024;
	t.c = net_connect(l, "127.0.0.1", port, &o, &tu_callbacks, &t);
	char big[2000];
	memset(big, 'y', sizeof big);
	assert_int_equal(net_write(t.c, big, 1000), 0);
	assert_int_equal(net_write(t.c, big, 1000), -1);
	assert_int_equal(t.errors, 0); /* reported from the loop, not from inside net_write */
	tu_run_until(l, &t.done);
	assert_int_equal(t.err, NET_ERR_OVERFLOW);
	assert_int_equal(t.connected, 0);
	assert_non_null(strstr(t.errmsg, "full"));
	tu_client_free(&t);
	close(lfd);
	loop_free(&l);
}

static void test_adopt_socketpair(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct loop *l = loop_new();
	struct tu_client t;
	tu_client_init(&t);
	struct net_opts o = plain_opts();
	assert_int_equal(write(sv[1], "* OK hi\r\n", 9), 9);
	t.write_on_connected = "a NOOP\r\n";
	t.stop_at_bytes = 9;
	t.c = net_adopt(l, sv[0], "in-process", &o, &tu_callbacks, &t);
	assert_non_null(t.c);
	assert_int_equal(t.connected, 0); /* never from inside net_adopt */
	tu_run_until(l, &t.done);
	assert_int_equal(t.connected, 1);
	assert_string_equal(buf_data(&t.data), "* OK hi\r\n");
	loop_run_once(l, 0); /* the before-sleep hook flushes */
	char got[32] = "";
	assert_int_equal(read(sv[1], got, sizeof got - 1), 8);
	assert_string_equal(got, "a NOOP\r\n");
	assert_false(net_peer_is_loopback(t.c)); /* a unix socket */
	close(sv[1]);
	t.done = false;
	tu_run_until(l, &t.done);
	assert_int_equal(t.closed, 1);
	assert_int_equal(t.errors, 0);
	tu_client_free(&t);
	loop_free(&l);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct net_opts o = plain_opts();
	assert_null(net_connect(l, "127.0.0.1", 0, &o, &tu_callbacks, NULL));
	assert_null(net_connect(l, "127.0.0.1", 70000, &o, &tu_callbacks, NULL));
	assert_null(net_connect(l, "", 143, &o, &tu_callbacks, NULL));
	assert_null(net_connect(l, NULL, 143, &o, &tu_callbacks, NULL));
	assert_int_equal(net_write(NULL, "x", 1), -1);
	assert_int_equal(net_start_tls(NULL), -1);
	net_close(NULL);

	struct tu_client t;
	tu_client_init(&t);
	o.tls = NET_TLS_IMPLICIT;
	o.pin_sha256 = "AB:CD";
	t.c = net_connect(l, "127.0.0.1", 993, &o, &tu_callbacks, &t);
	assert_non_null(t.c);
	tu_run_until(l, &t.done);
	assert_int_equal(t.err, NET_ERR_INVALID);
	assert_non_null(strstr(t.errmsg, "pin_sha256"));
	tu_client_free(&t);

	/* net_start_tls is refused on a connection that is not a plaintext STARTTLS one */
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	tu_client_init(&t);
	o = plain_opts();
	t.stop_at_bytes = 1;
	t.c = net_adopt(l, sv[0], "x", &o, &tu_callbacks, &t);
	assert_int_equal(net_start_tls(t.c), -1); /* not open yet */
	assert_int_equal(write(sv[1], "x", 1), 1);
	tu_run_until(l, &t.done);
	assert_int_equal(net_start_tls(t.c), -1); /* tls = none */
	assert_int_equal(net_start_compress(t.c), 0);
	assert_true(net_is_compressed(t.c));
	assert_int_equal(net_start_compress(t.c), -1); /* only once */
	tu_client_free(&t);
	close(sv[1]);
	loop_free(&l);
}

static void test_loopback_helpers(void **state)
{
	(void)state;
	assert_true(net_host_is_loopback("127.0.0.1"));
	assert_true(net_host_is_loopback("127.1.2.3"));
	assert_true(net_host_is_loopback("::1"));
	assert_true(net_host_is_loopback("[::1]"));
	assert_true(net_host_is_loopback("::ffff:127.0.0.1"));
	assert_true(net_host_is_loopback("localhost"));
	assert_true(net_host_is_loopback("LocalHost."));
	assert_true(net_host_is_loopback("imap.localhost"));
	assert_false(net_host_is_loopback("128.0.0.1"));
	assert_false(net_host_is_loopback("10.0.0.1"));
	assert_false(net_host_is_loopback("::2"));
	assert_false(net_host_is_loopback("imap.example.com"));
	assert_false(net_host_is_loopback("localhost.example.com"));
	assert_false(net_host_is_loopback("notlocalhost"));
	assert_false(net_host_is_loopback(""));
	assert_false(net_host_is_loopback(NULL));
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	assert_true(net_addr_is_loopback((struct sockaddr *)&s6));
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	inet_pton(AF_INET, "192.0.2.1", &s4.sin_addr);
	assert_false(net_addr_is_loopback((struct sockaddr *)&s4));
	assert_string_equal(net_error_name(NET_ERR_CERT), "certificate");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_ipv4),
		cmocka_unit_test(test_echo_name_via_resolver),
		cmocka_unit_test(test_echo_ipv6),
		cmocka_unit_test(test_echo_large),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_line_mode_and_eof),
		cmocka_unit_test(test_close_inside_callbacks),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_adopt_socketpair),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_loopback_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
