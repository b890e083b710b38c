/* session_trace — the wire trace in transcript format: one callback per line, CRLF removed,
 * secrets redacted and literals over 256 bytes elided. The server side is cut into pieces at
 * line ends and literal ends so each line is traced before the parser acts on it (replies the
 * session sends in response then follow it in the trace, as on the wire). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "imap/session_internal.h"

#define ELIDE_OVER 256

static void emit(struct imap_session *s, char dir, const char *p, size_t n)
{
	if (n && p[n - 1] == '\r')
		n--;
	s->cb.trace(s->cb_ctx, dir, p, n);
}

static void emit_lines(struct imap_session *s, char dir, const char *p, size_t n)
{
	while (n) {
		const char *lf = memchr(p, '\n', n);
		size_t len = lf ? (size_t)(lf - p) : n;
		emit(s, dir, p, len);
		if (!lf)
			break;
		p += len + 1;
		n -= len + 1;
	}
}

void sess_trace_client_text(struct imap_session *s, const char *line, size_t len)
{
	if (!s->cb.trace)
		return;
	if (len)
		emit_lines(s, '>', line, len);
	else
		s->cb.trace(s->cb_ctx, '>', "", 0); /* an empty answer line (XOAUTH2 failure) */
}

void sess_trace_client(struct imap_session *s, const struct sess_cmd *c, size_t from, size_t to)
{
	struct buf *b = &s->trace_out;
	buf_reset(b);
	if (from == 0) {
		if (buf_append_str(b, c->tag) != BUF_OK)
			return;
		from = c->tag_skip;
	}
	if (imap_cmd_trace(&c->cmd, from, to, ELIDE_OVER, b) != IMAP_ENC_OK) {
		buf_reset(b);
		if (buf_printf(b, "%s <command of %zu bytes not traced>", c->tag, to - from) != BUF_OK)
			return;
	}
	size_t n = buf_len(b);
	const char *p = buf_data(b);
	if (n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n')
		n -= 2;
	emit_lines(s, '>', p, n);
	buf_reset(b);
}

void sess_trace_reset(struct imap_session *s)
{
	buf_reset(&s->trace_line);
	s->trace_lit_left = 0;
	s->trace_lit_elided = false;
	s->trace_truncated = false;
}

static void line_add(struct imap_session *s, const char *p, size_t n)
{
	if (s->trace_truncated)
		return;
	if (buf_append(&s->trace_line, p, n) != BUF_OK) {
		s->trace_truncated = true;
		size_t room = s->trace_line.cap - buf_len(&s->trace_line);
		if (room > 16 && buf_append(&s->trace_line, p, room - 16) == BUF_OK) {
			/* keep the start of the line */
		}
		if (buf_append_str(&s->trace_line, "<...>") != BUF_OK) {
			/* the cap was reached exactly: the line is cut without a marker */
		}
	}
}

static void line_emit(struct imap_session *s)
{
	emit(s, '<', buf_data(&s->trace_line), buf_len(&s->trace_line));
	buf_reset(&s->trace_line);
	s->trace_truncated = false;
}

/* "{N}" or "~{N}" at the end of the line: N, else 0. */
static uint64_t announced_literal(const struct buf *line)
{
	const char *p = buf_data(line);
	size_t n = buf_len(line);
	if (n && p[n - 1] == '\r')
		n--;
	if (n < 3 || p[n - 1] != '}')
		return 0;
	size_t i = n - 1;
	uint64_t v = 0, mul = 1;
	size_t digits = 0;
	while (i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9' && digits < 19) {
		v += (uint64_t)(p[i - 1] - '0') * mul;
		mul *= 10;
		i--;
		digits++;
	}
	if (!digits || i == 0 || p[i - 1] != '{')
		return 0;
	return v;
}

size_t sess_trace_server_piece(struct imap_session *s, const char *data, size_t len)
{
	if (s->trace_lit_left) {
		size_t n = len < s->trace_lit_left ? len : (size_t)s->trace_lit_left;
		if (s->trace_lit_elided) {
			s->trace_lit_left -= n;
			return n;
		}
		const char *lf = memchr(data, '\n', n);
		size_t take = lf ? (size_t)(lf - data) + 1 : n;
		line_add(s, data, lf ? take - 1 : take);
		if (lf)
			line_emit(s);
		s->trace_lit_left -= take;
		return take;
	}
	const char *lf = memchr(data, '\n', len);
	if (!lf) {
		line_add(s, data, len);
		return len;
	}
	size_t take = (size_t)(lf - data) + 1;
	line_add(s, data, take - 1);
	uint64_t lit = s->trace_truncated ? 0 : announced_literal(&s->trace_line);
	line_emit(s);
	if (lit) {
		s->trace_lit_left = lit;
		s->trace_lit_elided = lit > ELIDE_OVER;
		if (s->trace_lit_elided) {
			char note[48];
			int k = snprintf(note, sizeof note, "<literal %llu bytes>", (unsigned long long)lit);
			line_add(s, note, (size_t)k);
		}
	}
	return take;
}
