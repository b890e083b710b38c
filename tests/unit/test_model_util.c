/* test_model_util — the model over in-process fake servers; see test_model_util.h. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "imap/seqset.h"
#include "imap/session.h"
#include "loop.h"
#include "mail/account_int.h"
#include "mail/charset.h"
#include "test_model_util.h"

static int t_write(void *t, const char *data, size_t len)
{
	struct mf_conn *c = t;
	if (c->closed)
		return -1;
	assert_int_equal(buf_append(&c->out, data, len), BUF_OK);
	return 0;
}

static int t_fail(void *t)
{
	(void)t;
	return -1;
}

static void t_close(void *t)
{
	struct mf_conn *c = t;
	c->closed = true;
}

static const struct imap_transport transport = {
	.write = t_write,
	.start_tls = t_fail,
	.start_compress = t_fail,
	.close = t_close,
};

static void on_changed(void *ctx, const struct model_change *ch)
{
	struct mf *f = ctx;
	if (f->n_changes < MF_LOG)
		f->log[f->n_changes++] = *ch;
	f->what |= ch->what;
	if ((ch->what & MODEL_COUNT) && ch->view == f->shadow_view) {
		if (ch->shift == 0)
			f->shadow_reset = true;
		f->shadow_shift += ch->shift;
	}
}

void mf_start(struct mf *f, const char *caps, const struct account_opts *o)
{
	memset(f, 0, sizeof *f);
	f->loop = loop_new();
	assert_non_null(f->loop);
	struct account_opts ao;
	if (o) {
		ao = *o;
	} else {
		account_opts_init(&ao);
		ao.batch = 20;
		ao.prefetch = 10;
		ao.fill_batch = 0;
	}
	f->a = account_new_unconnected(f->loop, &ao, on_changed, f);
	assert_non_null(f->a);
	for (int i = 0; i < 2; i++) {
		struct mf_conn *c = &f->c[i];
		buf_init(&c->out, (size_t)64 << 20);
		struct imap_session_opts so;
		imap_session_opts_init(&so);
		so.tls = IMAP_TLS_NONE;
		so.host = "fake.example";
		so.compress = false;
		so.send_id = false;
		so.enable_condstore = false;
		so.idle = false;
		c->s = imap_session_new(f->loop, &so, &account_session_cb, account_session_ctx(f->a, i),
					&transport, c);
		assert_non_null(c->s);
		account_test_session(f->a, i, c->s);
		imap_session_transport_up(c->s);
		mf_reply(f, i, "* PREAUTH [CAPABILITY %s] fake ready\r\n", caps);
	}
	mf_spin(f);
}

void mf_stop(struct mf *f)
{
	account_free(&f->a);
	for (int i = 0; i < 2; i++) {
		imap_session_free(&f->c[i].s);
		buf_free(&f->c[i].out);
	}
	mf_spin(f);
	loop_free(&f->loop);
	charset_cache_flush();
}

void mf_spin(struct mf *f)
{
	for (int i = 0; i < 4; i++)
		loop_run_once(f->loop, 0);
}

void mf_reply(struct mf *f, int conn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct buf b;
	buf_init(&b, (size_t)64 << 20);
	assert_int_equal(buf_vprintf(&b, fmt, ap), BUF_OK);
	va_end(ap);
	imap_session_input(f->c[conn].s, buf_data(&b), buf_len(&b));
	buf_free(&b);
	mf_spin(f);
}

const char *mf_next(struct mf *f, int conn)
{
	struct mf_conn *c = &f->c[conn];
	if (c->pushed) {
		c->pushed = false;
		return c->line;
	}
	const char *d = buf_data(&c->out);
	size_t len = buf_len(&c->out);
	const char *nl = memchr(d, '\n', len);
	if (!nl)
		return NULL;
	size_t n = (size_t)(nl - d) + 1, l = n - 1;
	if (l && d[l - 1] == '\r')
		l--;
	assert_true(l < sizeof c->line);
	const char *sp = memchr(d, ' ', l);
	size_t tl = sp ? (size_t)(sp - d) : 0;
	assert_true(tl < sizeof c->tag);
	memcpy(c->tag, d, tl);
	c->tag[tl] = '\0';
	size_t rest = sp ? l - tl - 1 : l;
	memcpy(c->line, sp ? sp + 1 : d, rest);
	c->line[rest] = '\0';
	buf_consume(&c->out, n);
	return c->line;
}

const char *mf_expect_prefix(struct mf *f, int conn, const char *want)
{
	const char *line = mf_next(f, conn);
	if (!line)
		fail_msg("conn %d: expected \"%s...\", nothing was sent", conn, want);
	if (strncmp(line, want, strlen(want)) != 0)
		fail_msg("conn %d: expected \"%s...\", got \"%s\"", conn, want, line);
	return f->c[conn].tag;
}

const char *mf_pending(struct mf *f, int conn)
{
	return buf_data(&f->c[conn].out);
}

struct view *mf_reopen(struct mf *f, const char *folder, enum view_mode mode)
{
	struct view *v = view_open(f->a, folder, mode);
	assert_non_null(v);
	mf_spin(f);
	assert_int_equal(view_state(v), VIEW_READY);
	return v;
}

void mf_expect_nothing(struct mf *f, int conn)
{
	if (f->c[conn].pushed)
		fail_msg("conn %d: unexpected line \"%s\"", conn, f->c[conn].line);
	if (buf_len(&f->c[conn].out))
		fail_msg("conn %d: unexpected output \"%s\"", conn, buf_data(&f->c[conn].out));
}

void mf_clear_changes(struct mf *f)
{
	f->n_changes = 0;
	f->what = 0;
}

void mf_list(struct mf *f, const char *const *lines, unsigned messages)
{
	const char *tag = mf_expect_prefix(f, 1, "LIST ");
	char t[32];
	snprintf(t, sizeof t, "%s", tag);
	struct buf b;
	buf_init(&b, 1 << 20);
	for (size_t i = 0; lines[i]; i++)
		assert_int_equal(buf_printf(&b, "* LIST %s\r\n", lines[i]), BUF_OK);
	assert_int_equal(buf_printf(&b, "%s OK listed\r\n", t), BUF_OK);
	mf_reply(f, 1, "%s", buf_data(&b));
	buf_free(&b);
	/* STATUS for each folder */
	const char *line;
	while ((line = mf_next(f, 1)) != NULL) {
		if (strncmp(line, "LSUB ", 5) == 0) { /* without LIST-EXTENDED: all subscribed */
			snprintf(t, sizeof t, "%s", f->c[1].tag);
			buf_init(&b, 1 << 20);
			for (size_t i = 0; lines[i]; i++)
				assert_int_equal(buf_printf(&b, "* LSUB %s\r\n", lines[i]), BUF_OK);
			assert_int_equal(buf_printf(&b, "%s OK\r\n", t), BUF_OK);
			mf_reply(f, 1, "%s", buf_data(&b));
			buf_free(&b);
			continue;
		}
		assert_true(strncmp(line, "STATUS ", 7) == 0);
		char name[512];
		const char *q = line + 7;
		size_t n = 0;
		if (*q == '"') {
			q++;
			while (q[n] && q[n] != '"' && n < sizeof name - 1)
				n++;
		} else {
			while (q[n] && q[n] != ' ' && n < sizeof name - 1)
				n++;
		}
		memcpy(name, q, n);
		name[n] = '\0';
		snprintf(t, sizeof t, "%s", f->c[1].tag);
		mf_reply(f, 1, "* STATUS \"%s\" (MESSAGES %u UNSEEN 1 UIDVALIDITY 7)\r\n%s OK\r\n", name,
			 messages, t);
	}
}

struct view *mf_open(struct mf *f, const char *folder, enum view_mode mode, uint32_t exists,
		     uint32_t uidvalidity)
{
	struct view *v = view_open(f->a, folder, mode);
	assert_non_null(v);
	mf_spin(f);
	const char *tag = mf_expect_prefix(f, 0, "SELECT ");
	char t[32];
	snprintf(t, sizeof t, "%s", tag);
	mf_reply(f, 0,
		 "* %u EXISTS\r\n* OK [UIDVALIDITY %u] ok\r\n* OK [UIDNEXT %u] ok\r\n"
		 "* FLAGS (\\Seen \\Flagged)\r\n%s OK [READ-WRITE] selected\r\n",
		 exists, uidvalidity, exists + 1, t);
	assert_int_equal(view_state(v), VIEW_READY);
	return v;
}

static void fmt_date(char *out, size_t cap, int64_t t, bool internal)
{
	static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	if (internal)
		snprintf(out, cap, "%02d-%s-%04d %02d:%02d:%02d +0000", tm.tm_mday, mon[tm.tm_mon],
			 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(out, cap, "%d %s %04d %02d:%02d:%02d +0000", tm.tm_mday, mon[tm.tm_mon],
			 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void nstr(struct buf *b, const char *s)
{
	if (s)
		assert_int_equal(buf_printf(b, "\"%s\"", s), BUF_OK);
	else
		assert_int_equal(buf_append_str(b, "NIL"), BUF_OK);
}

void mf_fetch_line(struct buf *b, const struct mf_msg *m)
{
	char d1[64], d2[64];
	int64_t date = m->date ? m->date : 1700000000 + (int64_t)m->uid * 60;
	fmt_date(d1, sizeof d1, date, true);
	fmt_date(d2, sizeof d2, date, false);
	assert_int_equal(buf_printf(b, "* %u FETCH (UID %u FLAGS (%s) INTERNALDATE \"%s\" RFC822.SIZE 1234 "
				       "ENVELOPE (\"%s\" ",
				    m->seq, m->uid, m->flags ? m->flags : "", d1, d2),
			 BUF_OK);
	nstr(b, m->subject);
	assert_int_equal(buf_printf(b, " ((\"%s\" NIL \"user%u\" \"example.com\")) NIL NIL NIL NIL NIL ",
				    m->from_name ? m->from_name : "", m->uid),
			 BUF_OK);
	nstr(b, m->irt);
	assert_int_equal(buf_append_byte(b, ' '), BUF_OK);
	nstr(b, m->msgid);
	assert_int_equal(buf_append_str(b, ") BODYSTRUCTURE "), BUF_OK);
	if (m->attachment)
		assert_int_equal(buf_append_str(b, "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)"
						   "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL NIL \"BASE64\" 100 NIL "
						   "(\"ATTACHMENT\" (\"FILENAME\" \"a.pdf\")) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b\") NIL NIL NIL)"),
				 BUF_OK);
	else
		assert_int_equal(buf_append_str(b, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)"),
				 BUF_OK);
	if (m->thrid)
		assert_int_equal(buf_printf(b, " X-GM-THRID %llu X-GM-MSGID %llu X-GM-LABELS (\\Inbox)",
					    (unsigned long long)m->thrid,
					    (unsigned long long)(m->msgid_gm ? m->msgid_gm : 1000000u + m->uid)),
				 BUF_OK);
	if (m->refs) {
		char hdr[1024];
		int n = snprintf(hdr, sizeof hdr, "References: %s\r\n\r\n", m->refs);
		assert_int_equal(buf_printf(b, " BODY[HEADER.FIELDS (References)] {%d}\r\n%s", n, hdr), BUF_OK);
	}
	assert_int_equal(buf_append_str(b, ")\r\n"), BUF_OK);
}

size_t mf_answer_fetches(struct mf *f, int conn, bool (*gen)(void *ctx, uint32_t n, bool uid,
							    struct mf_msg *out),
			 void *ctx)
{
	size_t answered = 0;
	const char *line;
	while ((line = mf_next(f, conn)) != NULL) {
		bool uid = strncmp(line, "UID FETCH ", 10) == 0;
		if (!uid && strncmp(line, "FETCH ", 6) != 0) {
			f->c[conn].pushed = true; /* another command: the test reads it */
			break;
		}
		const char *set = line + (uid ? 10 : 6);
		const char *sp = strchr(set, ' ');
		assert_non_null(sp);
		struct seqset s;
		seqset_init(&s);
		assert_int_equal(seqset_parse(&s, set, (size_t)(sp - set), 0, 0), SEQSET_OK);
		bool full = strstr(sp, "ENVELOPE") != NULL;
		char tag[32];
		snprintf(tag, sizeof tag, "%s", f->c[conn].tag);
		struct buf b;
		buf_init(&b, (size_t)64 << 20);
		struct seqset_iter it;
		uint32_t n;
		for (seqset_iter_init(&it, &s); seqset_iter_next(&it, &n);) {
			struct mf_msg m;
			memset(&m, 0, sizeof m);
			if (!gen(ctx, n, uid, &m))
				continue;
			if (full)
				mf_fetch_line(&b, &m);
			else
				assert_int_equal(buf_printf(&b, "* %u FETCH (UID %u FLAGS (%s))\r\n", m.seq, m.uid,
							    m.flags ? m.flags : ""),
						 BUF_OK);
		}
		assert_int_equal(buf_printf(&b, "%s OK fetched\r\n", tag), BUF_OK);
		seqset_free(&s);
		mf_reply(f, conn, "%s", buf_data(&b));
		buf_free(&b);
		answered++;
	}
	return answered;
}

bool mf_row_loaded(struct view *v, size_t first, size_t n)
{
	for (size_t p = first; p < first + n; p++) {
		struct view_row r;
		if (!view_row(v, p, &r) || !r.loaded)
			return false;
	}
	return true;
}
