/* qp — lenient streaming quoted-printable decoder; see qp.h. */
#include "config.h"

#include "mail/qp.h"
#include "ascii.h"

#include <stdbool.h>
#include <string.h>

enum {
	S_TEXT,   /* nothing held */
	S_CR,     /* a CR held: CRLF is a line break, a bare CR is kept */
	S_EQ,     /* "=" held */
	S_EQ_HEX, /* "=X" held */
	S_EQ_WS,  /* "=" and blanks held */
	S_EQ_CR,  /* "=", blanks and a CR held */
};

/* Output is gathered in a small block before it reaches the buf. */
struct sink {
	struct buf *out;
	enum buf_result err;
	size_t n;
	unsigned char tmp[512];
};

static void sink_flush(struct sink *s)
{
	if (s->n && s->err == BUF_OK)
		s->err = buf_append(s->out, s->tmp, s->n);
	s->n = 0;
}

static void put(struct sink *s, unsigned char c)
{
	if (s->n == sizeof s->tmp)
		sink_flush(s);
	s->tmp[s->n++] = c;
}

static void put_pend(struct qp_decoder *d, struct sink *s)
{
	for (size_t i = 0; i < d->npend; i++)
		put(s, d->pend[i]);
	d->npend = 0;
}

static void feed(struct qp_decoder *d, struct sink *s, unsigned char c);

/* The held "=..." is not an escape: "=" is literal, the rest is read again as text. */
static void eq_failed(struct qp_decoder *d, struct sink *s)
{
	unsigned char again[QP_PENDING_MAX + 2];
	size_t n = d->npend - 1;
	memcpy(again, d->pend + 1, n);
	d->npend = 0;
	d->state = S_TEXT;
	put(s, '=');
	for (size_t i = 0; i < n; i++)
		feed(d, s, again[i]); /* never '=': no deeper recursion */
}

static void feed(struct qp_decoder *d, struct sink *s, unsigned char c)
{
	bool blank = c == ' ' || c == '\t';
again:
	switch (d->state) {
	case S_TEXT:
		if (c == '=' || c == '\r') {
			d->pend[0] = c;
			d->npend = 1;
			d->state = c == '=' ? S_EQ : S_CR;
		} else {
			put(s, c);
		}
		return;
	case S_CR:
		d->npend = 0;
		d->state = S_TEXT;
		if (c == '\n') {
			put(s, '\n');
			return;
		}
		put(s, '\r');
		goto again;
	case S_EQ:
		if (ascii_hexval(c) >= 0) {
			d->pend[d->npend++] = c;
			d->state = S_EQ_HEX;
		} else if (blank || c == '\r') {
			d->pend[d->npend++] = c;
			d->state = blank ? S_EQ_WS : S_EQ_CR;
		} else if (c == '\n') {
			d->npend = 0;
			d->state = S_TEXT;
		} else {
			d->npend = 0;
			d->state = S_TEXT;
			put(s, '=');
			goto again;
		}
		return;
	case S_EQ_HEX:
		if (ascii_hexval(c) >= 0) {
			put(s, (unsigned char)(ascii_hexval(d->pend[1]) << 4 | ascii_hexval(c)));
			d->npend = 0;
			d->state = S_TEXT;
			return;
		}
		eq_failed(d, s);
		goto again;
	case S_EQ_WS:
		if (blank && d->npend < QP_PENDING_MAX) {
			d->pend[d->npend++] = c;
			return;
		}
		if (c == '\r') {
			d->pend[d->npend++] = c;
			d->state = S_EQ_CR;
			return;
		}
		if (c == '\n') {
			d->npend = 0;
			d->state = S_TEXT;
			return;
		}
		eq_failed(d, s);
		goto again;
	case S_EQ_CR:
		if (c == '\n') {
			d->npend = 0;
			d->state = S_TEXT;
			return;
		}
		eq_failed(d, s);
		goto again;
	}
}

void qp_decoder_init(struct qp_decoder *d)
{
	memset(d, 0, sizeof *d);
	d->state = S_TEXT;
}

enum buf_result qp_decoder_update(struct qp_decoder *d, struct buf *out, const char *in, size_t n)
{
	struct sink s = {.out = out, .err = BUF_OK, .n = 0};
	for (size_t i = 0; i < n && s.err == BUF_OK; i++)
		feed(d, &s, (unsigned char)in[i]);
	sink_flush(&s);
	return s.err;
}

enum buf_result qp_decoder_finish(struct qp_decoder *d, struct buf *out)
{
	struct sink s = {.out = out, .err = BUF_OK, .n = 0};
	if (d->state == S_EQ_HEX)
		put_pend(d, &s); /* "=X" at the very end */
	/* a CR at the very end and a dangling soft break are dropped */
	d->npend = 0;
	d->state = S_TEXT;
	sink_flush(&s);
	return s.err;
}

enum buf_result qp_decode(struct buf *out, const char *in, size_t n)
{
	struct qp_decoder d;
	qp_decoder_init(&d);
	enum buf_result r = qp_decoder_update(&d, out, in, n);
	return r != BUF_OK ? r : qp_decoder_finish(&d, out);
}
