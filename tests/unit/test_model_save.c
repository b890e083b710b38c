/* Unit tests for message_save_attachment() (a 5 MB base64 attachment fetched in pieces and
 * decoded into a file as it streams; a small QP one inline; failures) and the html_filter in
 * the model (cat, a failing one, a hanging one, one that prints too much), over the in-process
 * fake server of test_model_util. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base64.h"
#include "loop.h"
#include "mail/model.h"
#include "test_model_util.h"

static const char *const list[] = {"(\\HasNoChildren) \"/\" INBOX", NULL};

struct saved {
	int calls;
	char err[512];
	bool ok;
};

static void on_saved(void *ctx, const char *err)
{
	struct saved *s = ctx;
	s->calls++;
	s->ok = err == NULL;
	snprintf(s->err, sizeof s->err, "%s", err ? err : "");
}

static int tmp_fd(void)
{
	char path[] = "/tmp/skua-save-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static void file_bytes(int fd, struct buf *out)
{
	buf_reset(out);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	char tmp[65536];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		assert_int_equal(buf_append(out, tmp, (size_t)n), BUF_OK);
}

/* Opens uid 19 with a text part and an attachment (type, encoding, encoded size). */
static struct message *open_msg(struct mf *f, struct view *v, const char *att_type,
				const char *att_enc, size_t att_size)
{
	struct message *m = message_open(v, 19);
	assert_non_null(m);
	mf_spin(f);
	const char *tag = mf_expect_prefix(f, 0, "UID FETCH 19 (UID ENVELOPE BODYSTRUCTURE)");
	char t[32];
	snprintf(t, sizeof t, "%s", tag);
	mf_reply(f, 0,
		 "* 10 FETCH (UID 19 ENVELOPE (\"Mon, 1 Jan 2024 10:00:00 +0000\" \"files\" "
		 "((NIL NIL \"a\" \"x.org\")) NIL NIL ((NIL NIL \"b\" \"x.org\")) NIL NIL NIL \"<m@x>\") "
		 "BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 6 1 NIL NIL NIL NIL)"
		 "(%s (\"NAME\" \"r\\\\../report.bin\") NIL NIL \"%s\" %zu NIL "
		 "(\"ATTACHMENT\" (\"FILENAME\" \"../report.bin\")) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b\") NIL NIL NIL))\r\n"
		 "%s OK\r\n",
		 att_type, att_enc, att_size, t);
	tag = mf_expect_prefix(f, 0, "UID FETCH 19 (UID BODY.PEEK[1]<0.262144>)");
	snprintf(t, sizeof t, "%s", tag);
	mf_reply(f, 0, "* 10 FETCH (UID 19 BODY[1]<0> {6}\r\nhello\n)\r\n%s OK\r\n", t);
	assert_int_equal(message_info(m)->state, MESSAGE_READY);
	assert_int_equal(message_info(m)->n_attachments, 1);
	return m;
}

/* 5 MB of binary in base64: two pieces, each a streamed literal; the message may be closed
 * meanwhile; the file holds exactly the decoded bytes. */
static void test_save_big(void **state)
{
	(void)state;
	size_t n = 5u << 20;
	unsigned char *raw = malloc(n);
	assert_non_null(raw);
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		raw[i] = (unsigned char)(x >> 16);
	}
	struct buf enc;
	buf_init(&enc, (size_t)16 << 20);
	/* as mail has it: 76-character lines */
	struct buf flat;
	buf_init(&flat, (size_t)16 << 20);
	assert_int_equal(base64_encode(&flat, raw, n), BASE64_OK);
	for (size_t i = 0; i < buf_len(&flat); i += 76) {
		size_t k = buf_len(&flat) - i < 76 ? buf_len(&flat) - i : 76;
		assert_int_equal(buf_append(&enc, buf_data(&flat) + i, k), BUF_OK);
		assert_int_equal(buf_append(&enc, "\r\n", 2), BUF_OK);
	}
	buf_free(&flat);
	size_t total = buf_len(&enc), piece = (size_t)4 << 20;
	assert_true(total > piece);

	struct mf f;
	mf_start(&f, "IMAP4rev1", NULL);
	mf_list(&f, list, 10);
	struct view *v = mf_open(&f, "INBOX", VIEW_MESSAGES, 10, 7);
	struct message *m = open_msg(&f, v, "\"APPLICATION\" \"OCTET-STREAM\"", "BASE64", total);
	assert_string_equal(message_info(m)->attachments[0].name, "report.bin");
	int fd = tmp_fd();
	struct saved s = {0};
	assert_int_equal(message_save_attachment(m, 1, fd, on_saved, &s), -1); /* no such one */
	assert_int_equal(message_save_attachment(m, 0, fd, on_saved, &s), 0);
	mf_spin(&f);
	const char *tag = mf_expect_prefix(&f, 0, "UID FETCH 19 (UID BODY.PEEK[2]<0.4194304>)");
	char t[32];
	snprintf(t, sizeof t, "%s", tag);
	message_close(&m); /* the save goes on */
	mf_reply(&f, 0, "* 10 FETCH (UID 19 BODY[2]<0> {%zu}\r\n%.*s)\r\n%s OK\r\n", piece, (int)piece,
		 buf_data(&enc), t);
	assert_int_equal(s.calls, 0);
	tag = mf_expect_prefix(&f, 0, "UID FETCH 19 (UID BODY.PEEK[2]<4194304.4194304>)");
	snprintf(t, sizeof t, "%s", tag);
	mf_reply(&f, 0, "* 10 FETCH (UID 19 BODY[2]<4194304> {%zu}\r\n%s)\r\n%s OK\r\n", total - piece,
		 buf_data(&enc) + piece, t);
	assert_int_equal(s.calls, 1);
	assert_true(s.ok);
	mf_expect_nothing(&f, 0);
	struct buf got;
	buf_init(&got, (size_t)16 << 20);
	file_bytes(fd, &got);
	assert_int_equal(buf_len(&got), n);
	assert_memory_equal(buf_data(&got), raw, n);
	buf_free(&got);
	close(fd);
	view_close(&v);
	mf_stop(&f);
	buf_free(&enc);
	free(raw);
}

/* A small quoted-printable attachment comes inline in the FETCH response. */
static void test_save_small_qp(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1", NULL);
	mf_list(&f, list, 10);
	struct view *v = mf_open(&f, "INBOX", VIEW_MESSAGES, 10, 7);
	const char *qp = "caf=C3=A9 =\r\nau lait=0D=0A";
	struct message *m = open_msg(&f, v, "\"APPLICATION\" \"X-CSV\"", "QUOTED-PRINTABLE", strlen(qp));
	int fd = tmp_fd();
	struct saved s = {0};
	assert_int_equal(message_save_attachment(m, 0, fd, on_saved, &s), 0);
	mf_spin(&f);
	const char *tag = mf_expect_prefix(&f, 0, "UID FETCH 19 (UID BODY.PEEK[2]<0.4194304>)");
	char t[32];
	snprintf(t, sizeof t, "%s", tag);
	mf_reply(&f, 0, "* 10 FETCH (UID 19 BODY[2]<0> {%zu}\r\n%s)\r\n%s OK\r\n", strlen(qp), qp, t);
	assert_int_equal(s.calls, 1);
	assert_true(s.ok);
	struct buf got;
	buf_init(&got, 1024);
	file_bytes(fd, &got);
	assert_int_equal(buf_len(&got), strlen("café au lait\r\n"));
	assert_memory_equal(buf_data(&got), "café au lait\r\n", buf_len(&got));
	buf_free(&got);
	close(fd);
	message_close(&m);
	view_close(&v);
	mf_stop(&f);
}

/* A NO, a message gone, a server sending far more than the size, and the list closed. */
static void test_save_failures(void **state)
{
	(void)state;
	struct mf f;
	mf_start(&f, "IMAP4rev1", NULL);
	mf_list(&f, list, 10);
	struct view *v = mf_open(&f, "INBOX", VIEW_MESSAGES, 10, 7);
	struct message *m = open_msg(&f, v, "\"IMAGE\" \"PNG\"", "BASE64", 8);
	int fd = tmp_fd();
	char t[32];

	struct saved s = {0};
	assert_int_equal(message_save_attachment(m, 0, fd, on_saved, &s), 0);
	mf_spin(&f);
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "UID FETCH 19 (UID BODY.PEEK[2]"));
	mf_reply(&f, 0, "%s NO [UNAVAILABLE] backend \x1b[31m down\r\n", t);
	assert_int_equal(s.calls, 1);
	assert_false(s.ok);
	assert_non_null(strstr(s.err, "fetching the attachment failed"));

	memset(&s, 0, sizeof s);
	assert_int_equal(message_save_attachment(m, 0, fd, on_saved, &s), 0);
	mf_spin(&f);
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "UID FETCH 19 (UID BODY.PEEK[2]"));
	mf_reply(&f, 0, "%s OK\r\n", t);
	assert_int_equal(s.calls, 1);
	assert_non_null(strstr(s.err, "no longer"));

	/* 8 encoded octets announced; 5 MB sent: refused, not written on */
	memset(&s, 0, sizeof s);
	assert_int_equal(message_save_attachment(m, 0, fd, on_saved, &s), 0);
	mf_spin(&f);
	snprintf(t, sizeof t, "%s", mf_expect_prefix(&f, 0, "UID FETCH 19 (UID BODY.PEEK[2]"));
	size_t big = 5u << 20;
	char *junk = malloc(big + 1);
	assert_non_null(junk);
	memset(junk, 'A', big);
	junk[big] = '\0';
	mf_reply(&f, 0, "* 10 FETCH (UID 19 BODY[2]<0> {%zu}\r\n%s)\r\n%s OK\r\n", big, junk, t);
	free(junk);
	assert_int_equal(s.calls, 1);
	assert_non_null(strstr(s.err, "more than"));
	assert_true(lseek(fd, 0, SEEK_END) < (off_t)(4u << 20));

	/* the list closes while the save runs: done() from inside view_close() */
	memset(&s, 0, sizeof s);
	assert_int_equal(message_save_attachment(m, 0, fd, on_saved, &s), 0);
	mf_spin(&f);
	message_close(&m);
	view_close(&v);
	assert_int_equal(s.calls, 1);
	assert_non_null(strstr(s.err, "closed"));
	close(fd);
	mf_stop(&f);
}

/* ---- html_filter ------------------------------------------------------------------------- */

static const char html[] = "<html><body><p>Hello <b>world</b></p><p>caf\xc3\xa9</p></body></html>";

/* Opens uid 19, a single text/html part, with `filter`; waits for it to be shown. */
static const struct message_info *open_html(struct mf *f, struct message **mp, const char *filter)
{
	struct account_opts o;
	account_opts_init(&o);
	o.batch = 20;
	o.prefetch = 10;
	o.fill_batch = 0;
	o.html_filter = filter;
	mf_start(f, "IMAP4rev1", &o);
	mf_list(f, list, 10);
	struct view *v = mf_open(f, "INBOX", VIEW_MESSAGES, 10, 7);
	struct message *m = message_open(v, 19);
	mf_spin(f);
	char t[32];
	snprintf(t, sizeof t, "%s", mf_expect_prefix(f, 0, "UID FETCH 19 (UID ENVELOPE BODYSTRUCTURE)"));
	mf_reply(f, 0,
		 "* 10 FETCH (UID 19 ENVELOPE (NIL \"h\" NIL NIL NIL NIL NIL NIL NIL NIL) BODYSTRUCTURE "
		 "(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") NIL NIL \"8BIT\" %zu 1 NIL NIL NIL NIL))\r\n%s OK\r\n",
		 strlen(html), t);
	const char *line = mf_next(f, 0);
	assert_non_null(line);
	assert_non_null(strstr(line, "BODY.PEEK[1]"));
	snprintf(t, sizeof t, "%s", f->c[0].tag);
	mf_reply(f, 0, "* 10 FETCH (UID 19 BODY[1]<0> {%zu}\r\n%s)\r\n%s OK\r\n", strlen(html), html, t);
	int64_t end = loop_now_ms(f->loop) + 20000;
	while (message_info(m)->state == MESSAGE_LOADING && loop_now_ms(f->loop) < end)
		loop_run_once(f->loop, 50);
	assert_int_equal(message_info(m)->state, MESSAGE_READY);
	*mp = m;
	return message_info(m);
}

/* account_free() (in mf_stop) closes the view */
static void close_html(struct mf *f, struct message **m)
{
	message_close(m);
	mf_stop(f);
}

static void test_filter_cat(void **state)
{
	(void)state;
	struct mf f;
	struct message *m;
	const struct message_info *mi = open_html(&f, &m, "cat");
	assert_string_equal(mi->text, html); /* the filter's output, as it printed it */
	assert_string_equal(mi->note, "");
	close_html(&f, &m);
}

static void test_filter_builtin_fallbacks(void **state)
{
	(void)state;
	struct mf f;
	struct message *m;
	/* no filter: the built-in converter */
	const struct message_info *mi = open_html(&f, &m, NULL);
	assert_non_null(strstr(mi->text, "Hello world"));
	assert_null(strstr(mi->text, "<p>"));
	close_html(&f, &m);
	/* one that fails: the built-in converter, and the note says so */
	mi = open_html(&f, &m, "false");
	assert_non_null(strstr(mi->text, "Hello world"));
	assert_non_null(strstr(mi->note, "exit status 1"));
	assert_non_null(strstr(mi->note, "built-in"));
	close_html(&f, &m);
	/* one that is not there */
	mi = open_html(&f, &m, "/nonexistent/w3m -dump");
	assert_non_null(strstr(mi->text, "Hello world"));
	assert_non_null(strstr(mi->note, "built-in"));
	close_html(&f, &m);
}

static void test_filter_hangs(void **state)
{
	(void)state;
	struct mf f;
	struct message *m;
	const struct message_info *mi = open_html(&f, &m, "sleep 30");
	assert_non_null(strstr(mi->text, "Hello world"));
	assert_non_null(strstr(mi->note, "did not finish"));
	close_html(&f, &m);
}

static void test_filter_too_much(void **state)
{
	(void)state;
	struct mf f;
	struct message *m;
	const struct message_info *mi = open_html(&f, &m, "yes spam");
	assert_int_equal(mi->text_len, (size_t)8 << 20);
	assert_int_equal(memcmp(mi->text, "spam\nspam\n", 10), 0);
	assert_non_null(strstr(mi->note, "cut"));
	close_html(&f, &m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_save_big),
		cmocka_unit_test(test_save_small_qp),
		cmocka_unit_test(test_save_failures),
		cmocka_unit_test(test_filter_cat),
		cmocka_unit_test(test_filter_builtin_fallbacks),
		cmocka_unit_test(test_filter_hangs),
		cmocka_unit_test(test_filter_too_much),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
