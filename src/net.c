/* net — connection lifecycle, connect, the I/O pump and the write path; see net.h. */
#include "config.h"

#include "net_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

#define NET_DEFAULT_OUT_CAP ((size_t)64 * 1024 * 1024)
#define NET_PLAIN_WRITE_MAX ((size_t)256 * 1024)
#define NET_DRAIN_MAX ((size_t)1024 * 1024) /* most plaintext thrown away at STARTTLS */

void net_opts_init(struct net_opts *o)
{
	memset(o, 0, sizeof *o);
	o->tls = NET_TLS_IMPLICIT;
	o->verify = true;
	o->family = AF_UNSPEC;
	o->connect_timeout_ms = 15000;
	o->total_timeout_ms = 60000;
	o->out_cap = NET_DEFAULT_OUT_CAP;
}

const char *net_error_name(enum net_error err)
{
	switch (err) {
	case NET_ERR_INVALID: return "invalid";
	case NET_ERR_RESOLVE: return "resolve";
	case NET_ERR_CONNECT: return "connect";
	case NET_ERR_TIMEOUT: return "timeout";
	case NET_ERR_TLS: return "tls";
	case NET_ERR_CERT: return "certificate";
	case NET_ERR_IO: return "io";
	case NET_ERR_OVERFLOW: return "overflow";
	case NET_ERR_COMPRESS: return "compress";
	case NET_ERR_NOMEM: return "nomem";
	}
	return "unknown";
}

/* The one place the lifecycle changes (a debugger or a trace hook goes here). */
static void set_state(struct net *c, enum net_state s)
{
	c->state = s;
}

bool net_dead(const struct net *c)
{
	return c->closed || c->state == NS_DONE;
}

static void net_ref(struct net *c)
{
	c->refs++;
}

static void net_destroy(struct net *c);

static void net_unref(struct net *c)
{
	if (--c->refs == 0 && c->closed)
		net_destroy(c);
}

void net_trace(struct net *c, enum net_trace_dir dir, const char *data, size_t len)
{
	if (c->cb.on_trace && len)
		c->cb.on_trace(c, dir, data, len, c->ctx);
}

/* Releases the socket and everything attached to it; the object itself stays. */
static void release_io(struct net *c, bool notify)
{
	loop_fd_remove(&c->watch);
	loop_fd_remove(&c->res_watch);
	net_resolve_release(&c->res);
	if (c->attempt_timer)
		loop_timer_stop(c->attempt_timer);
	if (c->total_timer)
		loop_timer_stop(c->total_timer);
	net_tls_free(c, notify);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->ai_list)
		freeaddrinfo(c->ai_list);
	c->ai_list = c->ai_next = NULL;
	buf_free(&c->out);
	c->rin_off = c->rin_len = 0;
	c->z_more = false;
}

static void net_deferred(struct loop *loop, void *ctx);

static void kick_timer_fired(struct loop *loop, struct loop_timer *t, void *ctx)
{
	(void)t;
	net_deferred(loop, ctx);
}

void net_schedule(struct net *c, unsigned what)
{
	c->pending |= what;
	if (c->defer_queued || c->closed)
		return;
	if (loop_defer(c->loop, net_deferred, c) == 0)
		c->defer_queued = true;
	else
		loop_timer_start(c->kick_timer, 0); /* cannot fail */
}

void net_fail(struct net *c, enum net_error err, const char *fmt, ...)
{
	if (net_dead(c))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof c->errmsg, fmt, ap);
	va_end(ap);
	c->err = err;
	release_io(c, false);
	set_state(c, NS_DONE);
	c->report_eof = false;
	net_schedule(c, NP_REPORT);
}

static void net_eof(struct net *c)
{
	if (net_dead(c))
		return;
	release_io(c, false);
	set_state(c, NS_DONE);
	c->report_eof = true;
	net_schedule(c, NP_REPORT);
}

void net_deliver(struct net *c, const char *data, size_t len)
{
	c->st.data_in += len;
	net_trace(c, NET_TRACE_IN, data, len);
	if (c->cb.on_data)
		c->cb.on_data(c, data, len, c->ctx);
}

/* ---- plain socket I/O ---- */

static ssize_t plain_read(struct net *c, char *p, size_t n)
{
	for (;;) {
		ssize_t r = recv(c->fd, p, n, MSG_DONTWAIT);
		if (r > 0) {
			c->st.wire_in += (uint64_t)r;
			return r;
		}
		if (r == 0)
			return NET_IO_EOF;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return NET_IO_AGAIN;
		net_fail(c, NET_ERR_IO, "reading from %s failed: %s", c->host, strerror(errno));
		return NET_IO_FAIL;
	}
}

static ssize_t plain_write(struct net *c, const char *p, size_t n)
{
	for (;;) {
		ssize_t r = send(c->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r >= 0) {
			c->st.wire_out += (uint64_t)r;
			return r;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->wblock = NW_WRITE;
			return NET_IO_AGAIN;
		}
		net_fail(c, NET_ERR_IO, "writing to %s failed: %s", c->host, strerror(errno));
		return NET_IO_FAIL;
	}
}

/* ---- the pump ---- */

static void update_interest(struct net *c)
{
	if (!c->watch)
		return;
	unsigned in = 0;
	switch (c->state) {
	case NS_CONNECTING:
		in = c->ai_list ? LOOP_WRITE : 0; /* an adopted fd waits for its deferred start */
		break;
	case NS_HANDSHAKE:
		in = LOOP_READ | (c->hs_wait == NW_WRITE ? LOOP_WRITE : 0);
		break;
	case NS_OPEN:
		in = LOOP_READ;
		if ((c->wblock == NW_WRITE && buf_len(&c->out) > 0) || c->read_wants_write)
			in |= LOOP_WRITE;
		break;
	case NS_RESOLVING:
	case NS_DONE:
		break;
	}
	loop_fd_set(c->watch, in);
}

static int flush_out(struct net *c)
{
	if (c->state != NS_OPEN)
		return 0;
	if (c->zout && c->z_dirty) {
		c->z_dirty = false;
		if (net_z_deflate(c, NULL, 0, true) < 0)
			return -1;
	}
	while (buf_len(&c->out) > 0 && c->wblock == NW_NONE) {
		size_t n = buf_len(&c->out);
		ssize_t w;
		if (c->ssl) {
			w = net_tls_write(c, buf_data(&c->out), n);
		} else {
			if (n > NET_PLAIN_WRITE_MAX)
				n = NET_PLAIN_WRITE_MAX;
			w = plain_write(c, buf_data(&c->out), n);
		}
		if (w > 0)
			buf_consume(&c->out, (size_t)w);
		else if (w == NET_IO_AGAIN)
			break;
		else
			return -1;
	}
	return 0;
}

/* Processes one piece of buffered input: inflate once, or deliver one line/chunk. */
static void process_one(struct net *c, size_t *delivered)
{
	if (c->zin) {
		long n = net_z_inflate_step(c);
		if (n > 0)
			*delivered += (size_t)n;
		return;
	}
	const char *p = c->rbuf + c->rin_off;
	size_t n = c->rin_len - c->rin_off;
	if (c->line_mode) {
		const char *lf = memchr(p, '\n', n);
		if (lf)
			n = (size_t)(lf - p) + 1;
	}
	/* advance first: net_start_tls() from inside on_data discards exactly what follows */
	c->rin_off += n;
	*delivered += n;
	net_deliver(c, p, n);
}

static void pump_in(struct net *c)
{
	size_t delivered = 0;
	while (!net_dead(c) && c->state == NS_OPEN) {
		bool buffered = c->rin_off < c->rin_len || (c->zin && c->z_more);
		if (delivered >= NET_TURN_BUDGET) {
			/* yield; poll cannot see bytes already inside OpenSSL, so come back by defer */
			if (buffered || net_tls_has_pending(c))
				net_schedule(c, NP_PUMP);
			return;
		}
		if (buffered) {
			process_one(c, &delivered);
			continue;
		}
		c->rin_off = c->rin_len = 0;
		ssize_t r = c->ssl ? net_tls_read(c, c->rbuf, sizeof c->rbuf)
				   : plain_read(c, c->rbuf, sizeof c->rbuf);
		if (r > 0) {
			c->rin_len = (size_t)r;
			continue;
		}
		if (r == NET_IO_EOF)
			net_eof(c);
		return;
	}
}

static void do_io(struct net *c)
{
	if (net_dead(c) || c->state != NS_OPEN)
		return;
	if (flush_out(c) < 0)
		return;
	pump_in(c);
	if (!net_dead(c))
		update_interest(c);
}

static void drive_handshake(struct net *c)
{
	int r = net_tls_handshake(c);
	if (r < 0)
		return;
	if (r == 0) {
		update_interest(c);
		return;
	}
	c->tls_open = true;
	set_state(c, NS_OPEN);
	loop_timer_stop(c->total_timer);
	if (c->starttls) {
		if (c->cb.on_tls)
			c->cb.on_tls(c, c->ctx);
	} else if (c->cb.on_connected) {
		c->cb.on_connected(c, c->ctx);
	}
	do_io(c); /* queued output, and data that came with the handshake */
}

/* The TCP connection is up (or an fd was adopted). */
static void tcp_connected(struct net *c)
{
	loop_timer_stop(c->attempt_timer);
	if (c->ai_list)
		freeaddrinfo(c->ai_list);
	c->ai_list = c->ai_next = NULL;
	c->peerlen = sizeof c->peer;
	if (getpeername(c->fd, (struct sockaddr *)&c->peer, &c->peerlen) < 0)
		c->peerlen = 0;
	if (c->tls_mode == NET_TLS_IMPLICIT) {
		if (net_tls_setup(c) < 0)
			return;
		set_state(c, NS_HANDSHAKE);
		drive_handshake(c);
		return;
	}
	set_state(c, NS_OPEN);
	loop_timer_stop(c->total_timer);
	if (c->cb.on_connected)
		c->cb.on_connected(c, c->ctx);
	do_io(c);
}

/* ---- connecting ---- */

static void note_attempt_error(struct net *c, const char *why)
{
	size_t len = strlen(c->attempt_errs);
	snprintf(c->attempt_errs + len, sizeof c->attempt_errs - len, "%s%s: %s", len ? "; " : "",
		 c->cur_addr, why);
}

static void sock_ready(struct loop *loop, int fd, unsigned events, void *ctx);

static void try_next_address(struct net *c)
{
	while (c->ai_next) {
		struct addrinfo *ai = c->ai_next;
		c->ai_next = ai->ai_next;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, c->cur_addr, sizeof c->cur_addr, NULL, 0,
				NI_NUMERICHOST) != 0)
			snprintf(c->cur_addr, sizeof c->cur_addr, "?");
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);
		if (fd < 0) {
			c->last_timeout = false;
			note_attempt_error(c, strerror(errno));
			continue;
		}
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			c->last_timeout = false;
			note_attempt_error(c, strerror(errno));
			close(fd);
			continue;
		}
		c->fd = fd;
		set_state(c, NS_CONNECTING);
		c->watch = loop_fd_add(c->loop, fd, LOOP_WRITE, sock_ready, c);
		if (!c->watch) {
			net_fail(c, NET_ERR_NOMEM, "out of memory");
			return;
		}
		loop_timer_start(c->attempt_timer, c->connect_timeout_ms);
		return;
	}
	net_fail(c, c->last_timeout ? NET_ERR_TIMEOUT : NET_ERR_CONNECT, "cannot connect to %s port %u: %s",
		 c->host, c->port, c->attempt_errs[0] ? c->attempt_errs : "no address");
}

static void attempt_failed(struct net *c, const char *why)
{
	loop_fd_remove(&c->watch);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	loop_timer_stop(c->attempt_timer);
	note_attempt_error(c, why);
	try_next_address(c);
}

static void attempt_timeout(struct loop *loop, struct loop_timer *t, void *ctx)
{
	(void)loop;
	(void)t;
	struct net *c = ctx;
	if (c->state != NS_CONNECTING)
		return;
	net_ref(c);
	char why[64];
	snprintf(why, sizeof why, "timed out after %d ms", c->connect_timeout_ms);
	c->last_timeout = true; /* decides the error code if this was the last address */
	attempt_failed(c, why);
	net_unref(c);
}

static void total_timeout(struct loop *loop, struct loop_timer *t, void *ctx)
{
	(void)loop;
	(void)t;
	struct net *c = ctx;
	const char *what;
	switch (c->state) {
	case NS_RESOLVING: what = "resolving"; break;
	case NS_CONNECTING: what = "connecting to"; break;
	case NS_HANDSHAKE: what = "in the TLS handshake with"; break;
	default: return;
	}
	net_fail(c, NET_ERR_TIMEOUT, "timed out %s %s port %u after %d ms", what, c->host, c->port,
		 c->total_timeout_ms);
}

static void sock_ready(struct loop *loop, int fd, unsigned events, void *ctx)
{
	(void)loop;
	(void)fd;
	struct net *c = ctx;
	net_ref(c);
	switch (c->state) {
	case NS_CONNECTING: {
		int err = 0;
		socklen_t len = sizeof err;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			c->last_timeout = false;
			attempt_failed(c, strerror(err));
		}
		else if (events & (LOOP_WRITE | LOOP_ERROR))
			tcp_connected(c);
		break;
	}
	case NS_HANDSHAKE:
		drive_handshake(c);
		break;
	case NS_OPEN:
		if ((events & LOOP_WRITE) || (c->wblock == NW_READ && (events & LOOP_READ)))
			c->wblock = NW_NONE;
		if (events & LOOP_WRITE)
			c->read_wants_write = false;
		do_io(c);
		break;
	case NS_RESOLVING:
	case NS_DONE:
		break;
	}
	net_unref(c);
}

static void res_ready(struct loop *loop, int fd, unsigned events, void *ctx)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct net *c = ctx;
	struct addrinfo *ai = NULL;
	char msg[160];
	int r = net_resolve_finish(c->res, &ai, msg, sizeof msg);
	if (r == 0)
		return;
	net_ref(c);
	loop_fd_remove(&c->res_watch);
	net_resolve_release(&c->res);
	if (r < 0) {
		net_fail(c, NET_ERR_RESOLVE, "cannot resolve %s: %s", c->host, msg);
	} else {
		c->ai_list = c->ai_next = ai;
		try_next_address(c);
	}
	net_unref(c);
}

/* ---- deferred work, reports, hook ---- */

static void net_deferred(struct loop *loop, void *ctx)
{
	(void)loop;
	struct net *c = ctx;
	c->defer_queued = false;
	loop_timer_stop(c->kick_timer);
	net_ref(c);
	unsigned p = c->pending;
	c->pending = 0;
	if (p & NP_REPORT) {
		if (!c->closed) {
			if (c->report_eof) {
				if (c->cb.on_closed)
					c->cb.on_closed(c, c->ctx);
			} else if (c->cb.on_error) {
				c->cb.on_error(c, c->err, c->errmsg, c->ctx);
			}
		}
	} else {
		if ((p & NP_START) && !net_dead(c)) {
			c->ai_next = c->ai_list;
			try_next_address(c);
		}
		if ((p & NP_CONNECTED) && !net_dead(c))
			tcp_connected(c);
		if ((p & NP_KICK) && !net_dead(c) && c->state == NS_HANDSHAKE)
			drive_handshake(c);
		if ((p & NP_PUMP) && !net_dead(c))
			do_io(c);
	}
	net_unref(c);
}

static void hook_flush(struct loop *loop, void *ctx)
{
	(void)loop;
	struct net *c = ctx;
	if (net_dead(c) || c->state != NS_OPEN || c->wblock != NW_NONE)
		return;
	if (buf_len(&c->out) == 0 && !c->z_dirty)
		return;
	if (flush_out(c) == 0)
		update_interest(c);
}

/* ---- construction and teardown ---- */

static char *dup_opt(const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

static void net_destroy(struct net *c)
{
	release_io(c, false);
	loop_defer_cancel(c->loop, net_deferred, c);
	loop_hook_remove(&c->hook);
	loop_timer_free(&c->attempt_timer);
	loop_timer_free(&c->total_timer);
	loop_timer_free(&c->kick_timer);
	net_z_free(c);
	free(c->ca_file);
	free(c->tls_name);
	free(c->host);
	free(c);
}

static struct net *net_alloc(struct loop *loop, const char *host, const struct net_opts *o,
			     const struct net_callbacks *cb, void *ctx)
{
	struct net_opts defaults;
	if (!o) {
		net_opts_init(&defaults);
		o = &defaults;
	}
	struct net *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->loop = loop;
	c->fd = -1;
	if (cb)
		c->cb = *cb;
	c->ctx = ctx;
	c->state = NS_RESOLVING;
	c->tls_mode = o->tls;
	c->verify = o->verify;
	c->family = o->family;
	c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 15000;
	c->total_timeout_ms = o->total_timeout_ms > 0 ? o->total_timeout_ms : 60000;
	c->line_mode = o->tls == NET_TLS_STARTTLS;
	buf_init(&c->out, o->out_cap ? o->out_cap : NET_DEFAULT_OUT_CAP);
	bool ok = true;
	/* "[::1]" names the address ::1 */
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']')
		c->host = strndup(host + 1, hl - 2);
	else
		c->host = strdup(host);
	ok = c->host != NULL;
	c->ca_file = dup_opt(o->ca_file, &ok);
	c->tls_name = dup_opt(o->tls_name, &ok);
	c->attempt_timer = loop_timer_new(loop, attempt_timeout, c);
	c->total_timer = loop_timer_new(loop, total_timeout, c);
	c->kick_timer = loop_timer_new(loop, kick_timer_fired, c);
	c->hook = loop_hook_add(loop, hook_flush, c);
	if (!ok || !c->attempt_timer || !c->total_timer || !c->kick_timer || !c->hook) {
		net_destroy(c);
		return NULL;
	}
	if (o->pin_sha256) {
		c->have_pin = true;
		if (net_parse_pin(o->pin_sha256, c->pin) < 0)
			net_fail(c, NET_ERR_INVALID,
				 "pin_sha256 must be 32 bytes in hex (AB:CD:…), got \"%.100s\"", o->pin_sha256);
	}
	loop_timer_start(c->total_timer, c->total_timeout_ms);
	return c;
}

struct net *net_connect(struct loop *loop, const char *host, unsigned port, const struct net_opts *o,
			const struct net_callbacks *cb, void *ctx)
{
	if (!loop || !host || !*host || port == 0 || port > 65535)
		return NULL;
	struct net *c = net_alloc(loop, host, o, cb, ctx);
	if (!c)
		return NULL;
	c->port = port;
	if (net_dead(c))
		return c;
	char msg[160];
	struct addrinfo *ai = NULL;
	int r = net_resolve_numeric(c->host, port, c->family, &ai, msg, sizeof msg);
	if (r == 0) {
		c->ai_list = ai;
		net_schedule(c, NP_START);
	} else if (r < 0) {
		net_fail(c, NET_ERR_RESOLVE, "cannot use address %s: %s", c->host, msg);
	} else {
		int rfd = -1;
		c->res = net_resolve_start(c->host, port, c->family, &rfd);
		if (c->res)
			c->res_watch = loop_fd_add(loop, rfd, LOOP_READ, res_ready, c);
		if (!c->res || !c->res_watch)
			net_fail(c, NET_ERR_RESOLVE, "cannot start resolving %s: %s", c->host,
				 strerror(errno ? errno : ENOMEM));
	}
	return c;
}

struct net *net_adopt(struct loop *loop, int fd, const char *name, const struct net_opts *o,
		      const struct net_callbacks *cb, void *ctx)
{
	if (!loop || fd < 0)
		return NULL;
	struct net *c = net_alloc(loop, name ? name : "peer", o, cb, ctx);
	if (!c)
		return NULL;
	c->fd = fd;
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fl = fcntl(fd, F_GETFD);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	if (net_dead(c))
		return c;
	set_state(c, NS_CONNECTING);
	c->watch = loop_fd_add(loop, fd, 0, sock_ready, c);
	if (!c->watch)
		net_fail(c, NET_ERR_NOMEM, "out of memory");
	else
		net_schedule(c, NP_CONNECTED);
	return c;
}

void net_close(struct net **cp)
{
	struct net *c = cp ? *cp : NULL;
	if (!c)
		return;
	*cp = NULL;
	if (c->closed)
		return;
	bool notify = c->state == NS_OPEN && c->tls_open;
	c->closed = true;
	release_io(c, notify);
	loop_defer_cancel(c->loop, net_deferred, c);
	c->defer_queued = false;
	loop_timer_stop(c->kick_timer);
	loop_hook_remove(&c->hook);
	if (c->refs == 0)
		net_destroy(c);
}

/* ---- the public write path and upgrades ---- */

int net_write(struct net *c, const void *data, size_t len)
{
	if (!c || net_dead(c))
		return -1;
	net_trace(c, NET_TRACE_OUT, data, len);
	c->st.data_out += len;
	if (c->zout) {
		if (net_z_deflate(c, data, len, false) < 0)
			return -1;
		c->z_dirty = true;
		return 0;
	}
	enum buf_result r = buf_append(&c->out, data, len);
	if (r != BUF_OK) {
		if (r == BUF_TOO_BIG)
			net_fail(c, NET_ERR_OVERFLOW, "output queue to %s is full (%zu bytes queued, cap %zu)",
				 c->host, buf_len(&c->out), c->out.cap);
		else
			net_fail(c, NET_ERR_NOMEM, "out of memory queueing output");
		return -1;
	}
	return 0;
}

int net_write_str(struct net *c, const char *s)
{
	return net_write(c, s, strlen(s));
}

int net_flush(struct net *c)
{
	if (!c || net_dead(c))
		return -1;
	if (c->state == NS_OPEN && c->wblock == NW_NONE) {
		if (flush_out(c) < 0)
			return -1;
		update_interest(c);
	}
	return 0;
}

size_t net_pending_output(const struct net *c)
{
	return c ? buf_len(&c->out) : 0;
}

void net_set_line_mode(struct net *c, bool on)
{
	if (c)
		c->line_mode = on;
}

long net_start_tls(struct net *c)
{
	if (!c || net_dead(c) || c->state != NS_OPEN || c->ssl || c->zin ||
	    c->tls_mode != NET_TLS_STARTTLS)
		return -1;
	/* Injection defence: nothing received after the OK may be interpreted. */
	size_t disc = c->rin_len - c->rin_off;
	net_trace(c, NET_TRACE_DISCARD, c->rbuf + c->rin_off, disc);
	c->rin_off = c->rin_len = 0;
	while (disc < NET_DRAIN_MAX) {
		ssize_t r = recv(c->fd, c->zbuf, sizeof c->zbuf, MSG_DONTWAIT);
		if (r <= 0)
			break; /* EAGAIN, EOF or an error: the handshake will notice the latter two */
		c->st.wire_in += (uint64_t)r;
		disc += (size_t)r;
		net_trace(c, NET_TRACE_DISCARD, c->zbuf, (size_t)r);
	}
	c->st.discarded += disc;
	c->line_mode = false;
	if (net_tls_setup(c) < 0)
		return -1;
	c->starttls = true;
	c->hs_wait = NW_NONE;
	set_state(c, NS_HANDSHAKE);
	loop_timer_start(c->total_timer, c->total_timeout_ms);
	update_interest(c);
	net_schedule(c, NP_KICK);
	return (long)disc;
}

int net_start_compress(struct net *c)
{
	if (!c || net_dead(c) || c->state != NS_OPEN || c->zin)
		return -1;
	if (net_z_start(c) < 0)
		return -1;
	c->line_mode = false;
	/* bytes already read after the OK are compressed: the pump inflates them next */
	if (c->rin_off < c->rin_len)
		net_schedule(c, NP_PUMP);
	return 0;
}

/* ---- queries ---- */

bool net_is_open(const struct net *c)
{
	return c && !net_dead(c) && c->state == NS_OPEN;
}

bool net_is_tls(const struct net *c)
{
	return c && c->tls_open;
}

bool net_is_compressed(const struct net *c)
{
	return c && c->zin;
}

void net_get_stats(const struct net *c, struct net_stats *st)
{
	*st = c->st;
}

bool net_peer_sha256(const struct net *c, char out[96])
{
	if (!c || !c->have_leaf)
		return false;
	net_format_sha256(c->leaf_sha, out);
	return true;
}

bool net_peer_is_loopback(const struct net *c)
{
	return c && c->peerlen > 0 && net_addr_is_loopback((const struct sockaddr *)&c->peer);
}
