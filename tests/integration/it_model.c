/*
 * it_model — the mail model (src/mail/model.h) against Dovecot and the Gmail emulation: folders,
 * the first screen of INBOX compared with what the server says, live updates from another client
 * (new mail, flag changes) without reopening, threads and conversations, search, opening a
 * message, and the flag resync of a cached mailbox on reopen (QRESYNC on Dovecot, CONDSTORE
 * CHANGEDSINCE on the Gmail emulation). Run through it_model.sh (tests/harness/servers.py starts the servers).
 *
 * `it_model --stats FILE SERVER [all]` (SERVER = gmail | dovecot) opens INBOX (with `all`: the \All
 * folder, on Gmail every message of the account) once, waits for the first
 * screen to settle and writes what the client sent (commands by name, bytes) as JSON to FILE:
 * it_model_scale.sh compares those of a small and a huge mailbox.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base64.h"
#include "buf.h"
#include "mail/cache.h"
#include "mail/charset.h"
#include "mail/model.h"
#include "mail/rfc2047.h"
#include "it_engine_util.h"

#define SCREEN 50

struct mt {
	struct account *a;
	struct config_account acct;
	char host[64], user[128], pwcmd[256];
	unsigned n_folders, n_status, n_count, n_rows, n_view, n_msg, n_alert;
	char alert[512];
	/* wire accounting (trace) */
	bool count_wire;
	uint64_t bytes_sent, bytes_recv;
	unsigned cmds;
	char verbs[64][32];
	unsigned verb_n[64];
	size_t n_verbs;
	/* the resync command on the foreground connection (SELECT ... QRESYNC or CHANGEDSINCE) and
	 * the FETCH responses that answered it */
	unsigned long last_tag, last_done, rs_tag, rs_prev;
	bool rs_counting, rs_done, rs_qresync;
	unsigned rs_fetch;
};

static unsigned long tag_num(const char *data, size_t len)
{
	if (len < 2 || data[0] != 'a')
		return 0;
	unsigned long n = 0;
	for (size_t i = 1; i < len && data[i] >= '0' && data[i] <= '9'; i++)
		n = n * 10 + (unsigned long)(data[i] - '0');
	return n;
}

static bool has(const char *data, size_t len, const char *what)
{
	size_t w = strlen(what);
	for (size_t i = 0; i + w <= len; i++)
		if (memcmp(data + i, what, w) == 0)
			return true;
	return false;
}

/* Responses come in command order on one connection: the resync's FETCH responses are those
 * between the tagged reply of the command sent before it and its own. */
static void resync_trace(struct mt *m, char dir, const char *data, size_t len)
{
	unsigned long t = tag_num(data, len);
	if (dir == '>') {
		if (t && !m->rs_tag && (has(data, len, "CHANGEDSINCE") || has(data, len, "(QRESYNC"))) {
			m->rs_tag = t;
			m->rs_qresync = has(data, len, "(QRESYNC");
			m->rs_prev = m->last_tag;
			m->rs_counting = m->last_done >= m->last_tag;
		}
		if (t)
			m->last_tag = t;
		return;
	}
	if (t && t > m->last_done)
		m->last_done = t;
	if (!m->rs_tag || m->rs_done)
		return;
	if (t && t == m->rs_prev)
		m->rs_counting = true;
	else if (t && t == m->rs_tag)
		m->rs_done = true;
	else if (m->rs_counting && len > 2 && data[0] == '*' && has(data, len, " FETCH ("))
		m->rs_fetch++;
}

static void on_changed(void *ctx, const struct model_change *ch)
{
	struct mt *m = ctx;
	if (ch->what & MODEL_FOLDERS)
		m->n_folders++;
	if (ch->what & MODEL_STATUS)
		m->n_status++;
	if (ch->what & MODEL_COUNT)
		m->n_count++;
	if (ch->what & MODEL_ROWS)
		m->n_rows++;
	if (ch->what & MODEL_VIEW)
		m->n_view++;
	if (ch->what & MODEL_MESSAGE)
		m->n_msg++;
	if (ch->what & MODEL_ALERT) {
		m->n_alert++;
		snprintf(m->alert, sizeof m->alert, "%s", ch->text);
	}
}

static void on_trace(void *ctx, int conn, char dir, const char *data, size_t len)
{
	struct mt *m = ctx;
	if (conn == 0)
		resync_trace(m, dir, data, len);
	if (!m->count_wire)
		return;
	if (dir == '<') {
		m->bytes_recv += len + 2;
		return;
	}
	if (dir != '>')
		return;
	m->bytes_sent += len + 2;
	/* "a12 UID FETCH ..." -> "UID FETCH"; continuation lines and DONE count as bytes only */
	const char *sp = memchr(data, ' ', len);
	if (!sp || data[0] != 'a')
		return;
	const char *v = sp + 1, *e = data + len;
	const char *ve = memchr(v, ' ', (size_t)(e - v));
	if (!ve)
		ve = e;
	if (ve - v == 3 && strncmp(v, "UID", 3) == 0 && ve < e) {
		const char *v2 = memchr(ve + 1, ' ', (size_t)(e - ve - 1));
		ve = v2 ? v2 : e;
	}
	char verb[32];
	snprintf(verb, sizeof verb, "%.*s", (int)(ve - v), v);
	m->cmds++;
	for (size_t i = 0; i < m->n_verbs; i++)
		if (strcmp(m->verbs[i], verb) == 0) {
			m->verb_n[i]++;
			return;
		}
	if (m->n_verbs < 64) {
		snprintf(m->verbs[m->n_verbs], sizeof m->verbs[0], "%s", verb);
		m->verb_n[m->n_verbs++] = 1;
	}
}

static void mt_open(struct mt *m, const struct it_server *srv, const struct account_opts *o)
{
	memset(m, 0, sizeof *m);
	snprintf(m->host, sizeof m->host, "127.0.0.1");
	snprintf(m->user, sizeof m->user, "%s", srv->user);
	snprintf(m->pwcmd, sizeof m->pwcmd, "printf '%%s\\n' '%s'", srv->password);
	m->acct.name = (char *)"it-model";
	m->acct.host = m->host;
	m->acct.port = srv->port;
	m->acct.tls = CONFIG_TLS_NONE;
	m->acct.user = m->user;
	m->acct.password_command = m->pwcmd;
	m->acct.verify = true;
	m->acct.max_connections = 3;
	struct account_opts ao;
	if (o)
		ao = *o;
	else
		account_opts_init(&ao);
	ao.trace = on_trace;
	ao.trace_ctx = m;
	char err[512];
	m->a = account_new(it_loop, &m->acct, &ao, on_changed, m, err, sizeof err);
	if (!m->a)
		fail_msg("account_new: %s", err);
}

static void mt_close(struct mt *m)
{
	account_free(&m->a);
}

static bool folders_counted(struct mt *m)
{
	size_t n = account_folder_count(m->a);
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct folder_info fi;
		assert_true(account_folder(m->a, i, &fi));
		if (!fi.noselect && !fi.has_counts)
			return false;
	}
	return true;
}

static bool rows_loaded(struct view *v, size_t first, size_t n)
{
	if (view_state(v) != VIEW_READY)
		return false;
	size_t cnt = view_count(v);
	for (size_t p = first; p < first + n && p < cnt; p++) {
		struct view_row r;
		if (!view_row(v, p, &r) || !r.loaded)
			return false;
	}
	return true;
}

static bool settled(struct mt *m)
{
	struct account_status st;
	account_status(m->a, &st);
	return !st.busy;
}

static void decode(const char *raw, char *out, size_t cap)
{
	struct buf b;
	buf_init(&b, 8192);
	if (rfc2047_decode(&b, raw, strlen(raw)) == BUF_OK)
		snprintf(out, cap, "%s", buf_data(&b));
	else
		snprintf(out, cap, "%s", raw);
	buf_free(&b);
}

/* ---- tests -------------------------------------------------------------------------------- */

/* Folders: INBOX first, special folders by attribute in the fixed order, counts from STATUS. */
static void test_folders(void **state)
{
	const struct it_server *srv = it_need(state);
	struct mt m;
	mt_open(&m, srv, NULL);
	IT_WAIT(folders_counted(&m), "the folder list with counts");
	struct folder_info fi;
	assert_true(account_folder(m.a, 0, &fi));
	assert_string_equal(fi.name, "INBOX");
	assert_int_equal(fi.role, FOLDER_INBOX);
	assert_true(fi.total > 0);
	assert_non_null(account_special_folder(m.a, FOLDER_SENT));
	assert_non_null(account_special_folder(m.a, FOLDER_TRASH));
	if (srv->gmail) {
		assert_string_equal(account_special_folder(m.a, FOLDER_ALL), "[Gmail]/All Mail");
		assert_string_equal(account_special_folder(m.a, FOLDER_FLAGGED), "[Gmail]/Starred");
	}
	/* roles come in the documented order, then the tree */
	int last = FOLDER_INBOX;
	bool tree = false;
	for (size_t i = 1; i < account_folder_count(m.a); i++) {
		assert_true(account_folder(m.a, i, &fi));
		if (fi.role == FOLDER_NORMAL) {
			tree = true;
			continue;
		}
		assert_false(tree);
		assert_true((int)fi.role >= last);
		last = (int)fi.role;
	}
	/* the counts agree with the server */
	struct it_conn c;
	struct it_conn_opts co = {.tls = CONFIG_TLS_NONE};
	assert_int_equal(it_connect(&c, srv, &co), 0);
	assert_true(account_folder(m.a, 0, &fi));
	assert_int_equal(fi.total, it_messages(&c, "INBOX"));
	it_close(&c);
	mt_close(&m);
}

/* The first screen of INBOX is what the server holds, newest first. */
static void test_first_screen(void **state)
{
	const struct it_server *srv = it_need(state);
	struct mt m;
	mt_open(&m, srv, NULL);
	struct view *v = view_open(m.a, "INBOX", VIEW_MESSAGES);
	assert_non_null(v);
	view_want(v, 0, SCREEN);
	IT_WAIT(rows_loaded(v, 0, SCREEN), "the first screen");
	size_t n = view_count(v);
	assert_true(n >= SCREEN);

	struct it_conn c;
	struct it_conn_opts co = {.tls = CONFIG_TLS_NONE};
	assert_int_equal(it_connect(&c, srv, &co), 0);
	struct it_select sel;
	assert_int_equal(it_select(&c, "INBOX", true, NULL, &sel), IMAP_OP_OK);
	assert_int_equal(sel.exists, n);
	char set[64];
	snprintf(set, sizeof set, "%zu:%zu", n - SCREEN + 1, n);
	struct imap_fetch_spec spec = {.want = IMAP_FW_UID | IMAP_FW_FLAGS | IMAP_FW_ENVELOPE};
	struct it_fetch f;
	assert_int_equal(it_fetch(&c, false, set, &spec, &f), IMAP_OP_OK);
	assert_int_equal(f.n, SCREEN);
	for (size_t p = 0; p < SCREEN; p++) {
		struct view_row r;
		assert_true(view_row(v, p, &r));
		const struct it_msg *x = NULL;
		for (size_t i = 0; i < f.n; i++)
			if (f.v[i].seq == n - p)
				x = &f.v[i];
		assert_non_null(x);
		assert_int_equal(r.uid, x->uid);
		char subj[1024];
		decode(x->subject, subj, sizeof subj);
		if (strncmp(r.subject, subj, 900) != 0)
			fail_msg("row %zu: subject '%s', server '%s'", p, r.subject, subj);
		uint32_t mask = IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED | IMAP_FLAG_ANSWERED;
		assert_int_equal(r.flags & mask, x->flags_sys & mask);
		if (srv->gmail)
			assert_true(r.gm_thrid != 0 && r.gm_msgid != 0);
	}
	it_fetch_free(&f);
	it_select_free(&sel);
	it_close(&c);
	view_close(&v);
	mt_close(&m);
}

static char *make_msg(const char *subject, size_t *len)
{
	char *s = malloc(1024);
	assert_non_null(s);
	*len = (size_t)snprintf(s, 1024,
				"From: Live Test <live@example.org>\r\nTo: skua@example.com\r\n"
				"Subject: %s\r\nDate: Fri, 1 Nov 2024 12:00:00 +0000\r\n"
				"Message-ID: <%s@example.org>\r\n\r\nHello from the live test.\r\n",
				subject, subject);
	return s;
}

/* New mail and a flag change from another client show up without reopening (IDLE). */
static void test_live(void **state)
{
	const struct it_server *srv = it_need(state);
	struct mt m;
	mt_open(&m, srv, NULL);
	struct view *v = view_open(m.a, "INBOX", VIEW_MESSAGES);
	assert_non_null(v);
	view_want(v, 0, SCREEN);
	IT_WAIT(rows_loaded(v, 0, SCREEN), "the first screen");
	size_t n0 = view_count(v);
	struct view_row r;
	assert_true(view_row(v, 0, &r));
	uint32_t top_uid = r.uid;
	uint64_t top_msgid = r.gm_msgid;

	/* new mail */
	struct it_conn c;
	struct it_conn_opts co = {.tls = CONFIG_TLS_NONE};
	assert_int_equal(it_connect(&c, srv, &co), 0);
	if (srv->gmail) {
		char *rep = it_gmail_control("{\"op\":\"deliver\",\"from\":\"live@example.org\","
					     "\"to\":\"skua@example.com\",\"subject\":\"model live mail\","
					     "\"body\":\"hello\",\"labels\":[\"\\\\Inbox\"]}");
		assert_non_null(strstr(rep, "\"ok\": true"));
		free(rep);
	} else {
		size_t len;
		char *msg = make_msg("model live mail", &len);
		assert_int_equal(it_append(&c, "INBOX", msg, len, NULL, NULL, NULL), IMAP_OP_OK);
		free(msg);
	}
	/* the window stays on the top: the UI asks again on each change */
	IT_WAIT((view_want(v, 0, SCREEN), view_count(v) == n0 + 1 && rows_loaded(v, 0, 1)),
		"the new message at the top");
	assert_true(view_row(v, 0, &r));
	assert_string_equal(r.subject, "model live mail");
	assert_true(r.uid > top_uid);
	assert_true(view_row(v, 1, &r));
	assert_int_equal(r.uid, top_uid);

	/* a flag change from the other client */
	size_t pos = view_find_uid(v, top_uid);
	assert_int_equal(pos, 1);
	assert_true(view_row(v, pos, &r));
	bool was = (r.flags & IMAP_FLAG_FLAGGED) != 0;
	if (srv->gmail) {
		char req[256];
		snprintf(req, sizeof req, "{\"op\":\"set_flags\",\"msgid\":%llu,\"%s\":[\"\\\\Flagged\"]}",
			 (unsigned long long)top_msgid, was ? "remove" : "add");
		char *rep = it_gmail_control(req);
		assert_non_null(strstr(rep, "\"ok\": true"));
		free(rep);
	} else {
		struct it_select sel;
		assert_int_equal(it_select(&c, "INBOX", false, NULL, &sel), IMAP_OP_OK);
		it_select_free(&sel);
		char uidset[32];
		snprintf(uidset, sizeof uidset, "%u", top_uid);
		struct imap_store_opts so = {.uid = true, .mode = was ? IMAP_STORE_REMOVE : IMAP_STORE_ADD,
					     .silent = true};
		const char *fl[] = {"\\Flagged"};
		assert_int_equal(it_store(&c, uidset, &so, false, fl, 1, NULL, NULL), IMAP_OP_OK);
	}
	IT_WAIT((view_row(v, view_find_uid(v, top_uid), &r),
		 ((r.flags & IMAP_FLAG_FLAGGED) != 0) != was),
		"the flag change");
	it_close(&c);
	view_close(&v);
	mt_close(&m);
}

/* Reopening with a cache: flags changed by another client while skua was closed reach the rows,
 * and the resync costs only the changed messages (QRESYNC on Dovecot, CHANGEDSINCE on Gmail). */
static void test_resync(void **state)
{
	const struct it_server *srv = it_need(state);
	char dir[] = "/tmp/it-model-resync-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct cache_opts cco = {.dir = dir};
	struct cache *cache = cache_open("it-model-resync", &cco);
	assert_non_null(cache);
	assert_true(cache_usable(cache));
	struct account_opts o;
	account_opts_init(&o);
	o.fill_batch = 0;
	o.cache = cache;
	struct mt m;
	mt_open(&m, srv, &o);
	struct view *v = view_open(m.a, "INBOX", VIEW_MESSAGES);
	view_want(v, 0, SCREEN);
	IT_WAIT((view_want(v, 0, SCREEN), rows_loaded(v, 0, SCREEN) && settled(&m)), "the first screen");
	uint32_t uid[2];
	uint64_t gm[2];
	bool was[2];
	for (int i = 0; i < 2; i++) {
		struct view_row r;
		assert_true(view_row(v, (size_t)(3 + 7 * i), &r));
		uid[i] = r.uid;
		gm[i] = r.gm_msgid;
		was[i] = (r.flags & IMAP_FLAG_FLAGGED) != 0;
	}
	view_close(&v);
	mt_close(&m);

	/* skua is closed: another client flips \Flagged on two messages */
	struct it_conn c;
	struct it_conn_opts co = {.tls = CONFIG_TLS_NONE};
	if (!srv->gmail) {
		assert_int_equal(it_connect(&c, srv, &co), 0);
		struct it_select sel;
		assert_int_equal(it_select(&c, "INBOX", false, NULL, &sel), IMAP_OP_OK);
		it_select_free(&sel);
	}
	for (int i = 0; i < 2; i++) {
		if (srv->gmail) {
			char req[256];
			snprintf(req, sizeof req, "{\"op\":\"set_flags\",\"msgid\":%llu,\"%s\":[\"\\\\Flagged\"]}",
				 (unsigned long long)gm[i], was[i] ? "remove" : "add");
			char *rep = it_gmail_control(req);
			assert_non_null(strstr(rep, "\"ok\": true"));
			free(rep);
		} else {
			char uidset[32];
			snprintf(uidset, sizeof uidset, "%u", uid[i]);
			struct imap_store_opts so = {.uid = true,
						     .mode = was[i] ? IMAP_STORE_REMOVE : IMAP_STORE_ADD,
						     .silent = true};
			const char *fl[] = {"\\Flagged"};
			assert_int_equal(it_store(&c, uidset, &so, false, fl, 1, NULL, NULL), IMAP_OP_OK);
		}
	}
	if (!srv->gmail)
		it_close(&c);

	/* reopen: the cached screen, then the resync */
	mt_open(&m, srv, &o);
	v = view_open(m.a, "INBOX", VIEW_MESSAGES);
	view_want(v, 0, SCREEN);
	/* the cached screen, before the server answered */
	assert_int_equal(view_state(v), VIEW_OPENING);
	assert_true(view_count(v) > SCREEN);
	for (size_t p = 0; p < SCREEN; p++) {
		struct view_row r;
		assert_true(view_row(v, p, &r));
		assert_true(r.loaded);
	}
	IT_WAIT((view_want(v, 0, SCREEN), rows_loaded(v, 0, SCREEN) && settled(&m) && m.rs_done),
		"the reopened screen and the resync");
	for (int i = 0; i < 2; i++) {
		struct view_row r;
		size_t pos = view_find_uid(v, uid[i]);
		assert_true(pos != SIZE_MAX);
		assert_true(view_row(v, pos, &r));
		assert_int_equal((r.flags & IMAP_FLAG_FLAGGED) != 0, !was[i]);
	}
	/* only the changed messages answered the resync */
	if (getenv("IT_DEBUG"))
		fprintf(stderr, "resync (%s): %u FETCH responses\n",
			m.rs_qresync ? "QRESYNC" : "CHANGEDSINCE", m.rs_fetch);
	assert_int_equal(m.rs_qresync, !srv->gmail); /* Dovecot offers QRESYNC, Gmail does not */
	assert_true(m.rs_fetch >= 2);
	assert_true(m.rs_fetch <= 4);
	view_close(&v);
	mt_close(&m);
	char path[512];
	snprintf(path, sizeof path, "%s", cache_path(cache));
	cache_close(&cache);
	const char *suffix[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		char p[600];
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* Thread rows; a conversation; search; opening a message. */
static void test_threads_search_message(void **state)
{
	const struct it_server *srv = it_need(state);
	struct mt m;
	mt_open(&m, srv, NULL);
	IT_WAIT(folders_counted(&m), "the folder list");
	m.count_wire = true;
	struct view *v = view_open(m.a, "INBOX", VIEW_THREADS);
	assert_non_null(v);
	IT_WAIT((view_want(v, 0, 20), view_state(v) == VIEW_READY && view_count(v) >= 20 &&
						 settled(&m)),
		"twenty thread rows");
	size_t msgs = 0;
	int64_t prev_date = INT64_MAX;
	bool multi = false;
	size_t multi_pos = 0;
	for (size_t p = 0; p < 20; p++) {
		struct view_row r;
		assert_true(view_row(v, p, &r));
		assert_true(r.loaded);
		assert_true(r.n_msgs >= 1);
		assert_true(r.subject != NULL);
		msgs += r.n_msgs;
		assert_true(r.date <= prev_date); /* newest activity first */
		prev_date = r.date;
		if (r.n_msgs > 1 && !multi) {
			multi = true;
			multi_pos = p;
		}
	}
	assert_true(msgs >= 20);
	/* Dovecot offers THREAD=REFERENCES: the server threads what is loaded */
	bool server_thread = false;
	for (size_t i = 0; i < m.n_verbs; i++)
		if (strcmp(m.verbs[i], "UID THREAD") == 0)
			server_thread = true;
	assert_int_equal(server_thread, !srv->gmail);
	if (!multi && getenv("IT_DEBUG"))
		for (size_t p2 = 0; p2 < 20; p2++) {
			struct view_row r;
			view_row(v, p2, &r);
			print_message("%zu: %u msgs uid %u '%s'\n", p2, r.n_msgs, r.uid, r.subject);
		}
	assert_true(multi); /* the generated mail has conversations */
	if (multi) {
		struct view_row tr;
		assert_true(view_row(v, multi_pos, &tr));
		struct view *cv = view_open_thread(v, multi_pos);
		assert_non_null(cv);
		IT_WAIT((view_want(cv, 0, 100), view_state(cv) == VIEW_READY &&
						     rows_loaded(cv, 0, view_count(cv))),
			"the conversation");
		/* on Gmail the conversation is looked up in All Mail: at least what INBOX had */
		assert_true(view_count(cv) >= (srv->gmail ? tr.n_msgs : 2));
		print_message("%s: a %u-message thread row opens as %zu messages\n", srv->name, tr.n_msgs,
			      view_count(cv));
		struct view_row a, b;
		assert_true(view_row(cv, 0, &a));
		assert_true(view_row(cv, view_count(cv) - 1, &b));
		assert_true(a.loaded && b.loaded);
		view_close(&cv);
	}
	view_set_mode(v, VIEW_MESSAGES);
	IT_WAIT((view_want(v, 0, 10), rows_loaded(v, 0, 10)), "message rows");
	struct view_row r0;
	assert_true(view_row(v, 0, &r0));

	/* opening the newest message */
	struct message *msg = message_open(v, r0.uid);
	assert_non_null(msg);
	IT_WAIT(message_info(msg)->state != MESSAGE_LOADING, "the message");
	const struct message_info *mi = message_info(msg);
	if (mi->state != MESSAGE_READY)
		fail_msg("message: %s", mi->error);
	assert_true(mi->text_len > 0);
	assert_true(mi->from[0] != '\0');
	assert_string_equal(mi->subject, r0.subject);
	message_close(&msg);

	/* search for a word of that subject */
	char word[64] = "";
	const char *p = r0.subject;
	while (*p) {
		size_t n = 0;
		while (p[n] && ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z')))
			n++;
		if (n >= 4 && n < sizeof word) {
			memcpy(word, p, n);
			word[n] = '\0';
			break;
		}
		p += n ? n : 1;
	}
	if (word[0]) {
		char q[128], err[256];
		snprintf(q, sizeof q, "subject:%s", word);
		struct view *sv = view_search(m.a, "INBOX", q, VIEW_MESSAGES, err, sizeof err);
		if (!sv)
			fail_msg("search: %s", err);
		IT_WAIT(view_state(sv) != VIEW_OPENING, "the search");
		if (view_state(sv) != VIEW_READY)
			fail_msg("search: %s", view_error(sv));
		assert_true(view_count(sv) >= 1);
		IT_WAIT((view_want(sv, 0, 10), rows_loaded(sv, 0, 10)), "search rows");
		bool found = false;
		for (size_t i = 0; i < view_count(sv) && i < 10; i++) {
			struct view_row r;
			assert_true(view_row(sv, i, &r));
			if (r.uid == r0.uid)
				found = true;
		}
		assert_true(found);
		view_close(&sv);
	}
	view_close(&v);
	mt_close(&m);
}

/* ---- saving attachments -------------------------------------------------------------------- */

struct saved {
	int calls;
	char err[512];
};

static void on_saved(void *ctx, const char *err)
{
	struct saved *s = ctx;
	s->calls++;
	snprintf(s->err, sizeof s->err, "%s", err ? err : "");
}

/* A message with a binary attachment (base64, big enough to stream as literals in pieces past
 * the parser's inline size) and a quoted-printable text one; raw[] holds the binary bytes. */
static char *make_att_msg(const unsigned char *raw, size_t n, size_t *len)
{
	struct buf b, enc;
	buf_init(&b, (size_t)16 << 20);
	buf_init(&enc, (size_t)16 << 20);
	assert_int_equal(base64_encode(&enc, raw, n), BASE64_OK);
	assert_int_equal(buf_append_str(&b,
		"From: Saver <saver@example.org>\r\nTo: skua@example.com\r\nSubject: model save attachment\r\n"
		"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <save-att@example.org>\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n"
		"--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n"
		"--zz\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n"
		"Content-Disposition: attachment; filename=\"../../data.bin\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n"), BUF_OK);
	for (size_t i = 0; i < buf_len(&enc); i += 76) {
		size_t k = buf_len(&enc) - i < 76 ? buf_len(&enc) - i : 76;
		assert_int_equal(buf_append(&b, buf_data(&enc) + i, k), BUF_OK);
		assert_int_equal(buf_append_str(&b, "\r\n"), BUF_OK);
	}
	assert_int_equal(buf_append_str(&b,
		"--zz\r\nContent-Type: text/plain; charset=utf-8; name=\"notes.txt\"\r\n"
		"Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		"caf=C3=A9 au lait, a soft=\r\n break and =3D\r\n"
		"--zz--\r\n"), BUF_OK);
	buf_free(&enc);
	*len = buf_len(&b);
	char *out = malloc(*len + 1);
	assert_non_null(out);
	memcpy(out, buf_data(&b), *len + 1);
	buf_free(&b);
	return out;
}

static void check_file(int fd, const void *want, size_t n)
{
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	unsigned char *got = malloc(n + 1);
	assert_non_null(got);
	size_t have = 0;
	ssize_t r;
	while (have < n && (r = read(fd, got + have, n - have)) > 0)
		have += (size_t)r;
	assert_int_equal(have, n);
	assert_memory_equal(got, want, n);
	free(got);
}

/* Saving attachments: every byte decoded as the server's part has it. */
static void test_save_attachment(void **state)
{
	const struct it_server *srv = it_need(state);
	size_t n = (size_t)700 << 10;
	unsigned char *raw = malloc(n);
	assert_non_null(raw);
	for (size_t i = 0; i < n; i++)
		raw[i] = (unsigned char)((i * 2654435761u) >> 13);
	size_t len;
	char *msg = make_att_msg(raw, n, &len);
	struct it_conn c;
	struct it_conn_opts co = {.tls = CONFIG_TLS_NONE};
	assert_int_equal(it_connect(&c, srv, &co), 0);
	uint32_t uid = 0;
	assert_int_equal(it_append(&c, "INBOX", msg, len, NULL, NULL, &uid), IMAP_OP_OK);
	free(msg);
	it_close(&c);

	struct mt m;
	mt_open(&m, srv, NULL);
	struct view *v = view_open(m.a, "INBOX", VIEW_MESSAGES);
	assert_non_null(v);
	IT_WAIT((view_want(v, 0, 5), rows_loaded(v, 0, 1)), "the first rows");
	struct view_row r;
	assert_true(view_row(v, 0, &r));
	assert_string_equal(r.subject, "model save attachment");
	assert_true(r.attachment);
	struct message *mm = message_open(v, r.uid);
	assert_non_null(mm);
	IT_WAIT(message_info(mm)->state != MESSAGE_LOADING, "the message");
	const struct message_info *mi = message_info(mm);
	if (mi->state != MESSAGE_READY)
		fail_msg("message: %s", mi->error);
	assert_int_equal(mi->n_attachments, 2);
	assert_string_equal(mi->attachments[0].name, "data.bin");
	assert_string_equal(mi->attachments[1].name, "notes.txt");

	char path[] = "/tmp/skua-it-save-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	struct saved s = {0};
	assert_int_equal(message_save_attachment(mm, 0, fd, on_saved, &s), 0);
	message_close(&mm); /* the save goes on without the message */
	IT_WAIT(s.calls > 0, "the saved attachment");
	assert_int_equal(s.calls, 1);
	if (s.err[0])
		fail_msg("save: %s", s.err);
	check_file(fd, raw, n);
	close(fd);

	mm = message_open(v, r.uid);
	IT_WAIT(message_info(mm)->state != MESSAGE_LOADING, "the message again");
	char path2[] = "/tmp/skua-it-save-XXXXXX";
	fd = mkstemp(path2);
	assert_true(fd >= 0);
	unlink(path2);
	memset(&s, 0, sizeof s);
	assert_int_equal(message_save_attachment(mm, 1, fd, on_saved, &s), 0);
	IT_WAIT(s.calls > 0, "the saved text attachment");
	if (s.err[0])
		fail_msg("save: %s", s.err);
	/* the CRLF before "--zz--" belongs to the boundary (RFC 2046) */
	static const char want[] = "café au lait, a soft break and =";
	check_file(fd, want, strlen(want));
	close(fd);
	print_message("%s: saved a %zu-byte base64 attachment and a QP one, bytes equal\n", srv->name, n);
	message_close(&mm);
	view_close(&v);
	mt_close(&m);
	free(raw);
}

static bool state_is(struct mt *m, enum account_state want)
{
	struct account_status st;
	account_status(m->a, &st);
	return st.state == want;
}

/* The server drops every connection: the model says so, reconnects after the back-off,
 * selects INBOX again and shows the rows again; live updates work afterwards. */
static void test_reconnect(void **state)
{
	const struct it_server *srv = it_need(state);
	struct mt m;
	mt_open(&m, srv, NULL);
	struct view *v = view_open(m.a, "INBOX", VIEW_MESSAGES);
	assert_non_null(v);
	IT_WAIT((view_want(v, 0, SCREEN), rows_loaded(v, 0, SCREEN)), "the first screen");
	size_t n0 = view_count(v);
	char *rep = it_gmail_control("{\"op\":\"drop_connections\"}");
	free(rep);
	IT_WAIT(state_is(&m, ACCOUNT_RECONNECTING), "the model to notice the drop");
	struct account_status st;
	account_status(m.a, &st);
	assert_true(st.retry_ms >= 0);
	assert_true(st.error[0] != '\0');
	IT_WAIT((view_want(v, 0, SCREEN), (state_is(&m, ACCOUNT_READY) || state_is(&m, ACCOUNT_IDLE)) &&
						  rows_loaded(v, 0, SCREEN)),
		"the reconnect and the rows again");
	assert_int_equal(view_count(v), n0);
	assert_int_equal(view_state(v), VIEW_READY);
	rep = it_gmail_control("{\"op\":\"deliver\",\"from\":\"again@example.org\","
			       "\"to\":\"skua@example.com\",\"subject\":\"after the drop\","
			       "\"body\":\"hello\",\"labels\":[\"\\\\Inbox\"]}");
	free(rep);
	struct view_row r;
	IT_WAIT((view_want(v, 0, SCREEN), view_count(v) == n0 + 1 && rows_loaded(v, 0, 1) &&
						  view_row(v, 0, &r) && strcmp(r.subject, "after the drop") == 0),
		"new mail after the reconnect");
	view_close(&v);
	mt_close(&m);
}

/* ---- --stats -------------------------------------------------------------------------------- */

static int stats_mode(const char *file, const char *server, const char *which)
{
	const struct it_server *srv = strcmp(server, "gmail") == 0 ? &it_gmail : &it_dovecot;
	if (!it_server_present(srv)) {
		fprintf(stderr, "it_model --stats: %s not started\n", server);
		return 77;
	}
	if (srv->gmail)
		free(it_gmail_control("{\"op\":\"reset_stats\"}"));
	struct account_opts o;
	account_opts_init(&o);
	o.fill_batch = 0; /* what opening costs, without the background fill */
	struct mt m;
	mt_open(&m, srv, &o);
	m.count_wire = true;
	const char *folder = "INBOX";
	if (which && strcmp(which, "all") == 0) {
		/* the special-use \All folder (Gmail: every message of the account) */
		IT_WAIT(folders_counted(&m), "the folder list");
		folder = account_special_folder(m.a, FOLDER_ALL);
		assert_non_null(folder);
	}
	struct view *v = view_open(m.a, folder, VIEW_MESSAGES);
	view_want(v, 0, SCREEN);
	IT_WAIT(rows_loaded(v, 0, SCREEN) && folders_counted(&m) && settled(&m), "the first screen");
	/* let stragglers (a pending STATUS refresh, IDLE) go out */
	int64_t until = loop_now_ms(it_loop) + 1500;
	while (loop_now_ms(it_loop) < until)
		loop_run_once(it_loop, 100);
	FILE *f = fopen(file, "w");
	if (!f)
		return 1;
	fprintf(f, "{\"server\": \"%s\", \"messages\": %zu, \"client_bytes\": %llu, "
		   "\"server_bytes\": %llu, \"commands\": {",
		server, view_messages(v), (unsigned long long)m.bytes_sent,
		(unsigned long long)m.bytes_recv);
	for (size_t i = 0; i < m.n_verbs; i++)
		fprintf(f, "%s\"%s\": %u", i ? ", " : "", m.verbs[i], m.verb_n[i]);
	fprintf(f, "}");
	if (srv->gmail) {
		char *st = it_gmail_control("{\"op\":\"stats\"}");
		size_t l = strlen(st);
		while (l && (st[l - 1] == '\n' || st[l - 1] == '\r'))
			st[--l] = '\0';
		fprintf(f, ", \"gmail_stats\": %s", st);
		free(st);
	}
	fprintf(f, "}\n");
	fclose(f);
	view_close(&v);
	mt_close(&m);
	return 0;
}

#define ON(fn, srv) {#fn "/" #srv, fn, NULL, NULL, &(srv)}

int main(int argc, char **argv)
{
	it_servers_init();
	it_loop = loop_new();
	if (!it_loop)
		return 1;
	int rc;
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "--stats") == 0) {
		rc = stats_mode(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	} else {
		const struct CMUnitTest tests[] = {
			ON(test_folders, it_dovecot),
			ON(test_folders, it_gmail),
			ON(test_first_screen, it_dovecot),
			ON(test_first_screen, it_gmail),
			ON(test_live, it_dovecot),
			ON(test_live, it_gmail),
			ON(test_threads_search_message, it_dovecot),
			ON(test_threads_search_message, it_gmail),
			ON(test_reconnect, it_gmail),
			ON(test_save_attachment, it_dovecot),
			ON(test_save_attachment, it_gmail),
			ON(test_resync, it_dovecot),
			ON(test_resync, it_gmail),
		};
		rc = cmocka_run_group_tests(tests, NULL, NULL);
	}
	charset_cache_flush();
	loop_free(&it_loop);
	return rc;
}
