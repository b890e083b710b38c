/* test_ops_util — the fake transport of the ops tests; see test_ops_util.h. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loop.h"
#include "test_ops_util.h"

static int t_write(void *t, const char *data, size_t len)
{
	struct fake *f = t;
	if (f->closed)
		return -1;
	assert_int_equal(buf_append(&f->out, data, len), BUF_OK);
	return 0;
}

static int t_start_tls(void *t)
{
	(void)t;
	return -1;
}

static int t_start_compress(void *t)
{
	(void)t;
	return -1;
}

static void t_close(void *t)
{
	struct fake *f = t;
	f->closed = true;
}

static const struct imap_transport fake_transport = {
	.line_mode = NULL,
	.write = t_write,
	.start_tls = t_start_tls,
	.start_compress = t_start_compress,
	.close = t_close,
};

static void cb_untagged(void *ctx, const struct imap_response *r)
{
	struct fake *f = ctx;
	(void)r;
	f->untagged++;
}

static void cb_error(void *ctx, const char *msg)
{
	struct fake *f = ctx;
	snprintf(f->error, sizeof f->error, "%s", msg);
}

static const struct imap_session_callbacks fake_cb = {
	.untagged = cb_untagged,
	.error = cb_error,
};

void fake_start_opts(struct fake *f, const char *caps, const char *enabled,
		     void (*tweak)(struct imap_session_opts *o))
{
	memset(f, 0, sizeof *f);
	buf_init(&f->out, (size_t)256 << 20);
	f->loop = loop_new();
	assert_non_null(f->loop);
	struct imap_session_opts o;
	imap_session_opts_init(&o);
	o.tls = IMAP_TLS_NONE;
	o.host = "fake.example";
	o.compress = false;
	o.send_id = false;
	o.enable_condstore = false;
	o.idle = false;
	if (tweak)
		tweak(&o);
	f->s = imap_session_new(f->loop, &o, &fake_cb, f, &fake_transport, f);
	assert_non_null(f->s);
	imap_session_transport_up(f->s);
	fake_replyf(f, "* PREAUTH [CAPABILITY %s] fake server ready\r\n", caps);
	if (o.enable_condstore || o.enable_utf8) {
		const char *line = fake_next(f);
		assert_non_null(line);
		assert_true(strncmp(line, "ENABLE", 6) == 0);
		if (enabled)
			fake_replyf(f, "* ENABLED %s\r\n", enabled);
		fake_replyf(f, "%s OK enabled\r\n", f->tag);
	}
	assert_int_equal(imap_session_state(f->s), IMAP_SESSION_AUTH);
	fake_expect_nothing(f);
}

void fake_start(struct fake *f, const char *caps)
{
	fake_start_opts(f, caps, NULL, NULL);
}

void fake_stop(struct fake *f)
{
	imap_session_free(&f->s);
	loop_free(&f->loop);
	buf_free(&f->out);
}

void fake_replyn(struct fake *f, const char *data, size_t n)
{
	imap_session_input(f->s, data, n);
}

void fake_reply(struct fake *f, const char *data)
{
	fake_replyn(f, data, strlen(data));
}

void fake_replyf(struct fake *f, const char *fmt, ...)
{
	char tmp[65536];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof tmp);
	fake_replyn(f, tmp, (size_t)n);
}

const char *fake_next(struct fake *f)
{
	const char *d = buf_data(&f->out);
	size_t len = buf_len(&f->out);
	const char *nl = memchr(d, '\n', len);
	if (!nl)
		return NULL;
	size_t n = (size_t)(nl - d) + 1;
	size_t l = n - 1;
	if (l && d[l - 1] == '\r')
		l--;
	assert_true(l < sizeof f->line);
	const char *sp = memchr(d, ' ', l);
	size_t tl = sp ? (size_t)(sp - d) : 0;
	assert_true(tl < sizeof f->tag);
	memcpy(f->tag, d, tl);
	f->tag[tl] = '\0';
	size_t rest = sp ? l - tl - 1 : l;
	memcpy(f->line, sp ? sp + 1 : d, rest);
	f->line[rest] = '\0';
	buf_consume(&f->out, n);
	return f->line;
}

const char *fake_expect(struct fake *f, const char *want)
{
	const char *line = fake_next(f);
	if (!line)
		fail_msg("expected \"%s\", nothing was sent (pending: \"%s\")", want, buf_data(&f->out));
	assert_string_equal(line, want);
	return f->tag;
}

void fake_take_raw(struct fake *f, const char *want, size_t n)
{
	assert_true(buf_len(&f->out) >= n);
	assert_memory_equal(buf_data(&f->out), want, n);
	buf_consume(&f->out, n);
}

void fake_expect_nothing(struct fake *f)
{
	if (buf_len(&f->out))
		fail_msg("unexpected output: \"%s\"", buf_data(&f->out));
}

void fake_spin(struct fake *f)
{
	for (int i = 0; i < 3; i++)
		loop_run_once(f->loop, 0);
}
