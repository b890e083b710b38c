/* test_triage_util — fake model and scripted sessions for the triage tests; see the header. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "imap/ops.h"
#include "loop.h"
#include "mail/triage_int.h"
#include "test_triage_util.h"

/* ---- scripted sessions ---------------------------------------------------------------------- */

static int t_write(void *t, const char *data, size_t len)
{
	struct fsess *f = t;
	if (f->closed)
		return -1;
	if (f->on_write)
		f->on_write(f->ctx, data, len);
	assert_int_equal(buf_append(&f->out, data, len), BUF_OK);
	return 0;
}

static int t_no(void *t)
{
	(void)t;
	return -1;
}

static void t_close(void *t)
{
	struct fsess *f = t;
	f->closed = true;
}

static const struct imap_transport transport = {
	.write = t_write,
	.start_tls = t_no,
	.start_compress = t_no,
	.close = t_close,
};

static const struct imap_session_callbacks session_cb = {0};

void fsess_start(struct fsess *f, struct loop *loop, const char *caps)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->out, (size_t)16 << 20);
	f->loop = loop;
	struct imap_session_opts o;
	imap_session_opts_init(&o);
	o.tls = IMAP_TLS_NONE;
	o.host = "fake.example";
	o.compress = false;
	o.send_id = false;
	o.enable_condstore = false;
	o.idle = false;
	f->s = imap_session_new(loop, &o, &session_cb, f, &transport, f);
	assert_non_null(f->s);
	imap_session_transport_up(f->s);
	fsess_reply(f, "* PREAUTH [CAPABILITY %s] fake server ready\r\n", caps);
	assert_int_equal(imap_session_state(f->s), IMAP_SESSION_AUTH);
}

void fsess_stop(struct fsess *f)
{
	imap_session_free(&f->s);
	buf_free(&f->out);
}

void fsess_reply(struct fsess *f, const char *fmt, ...)
{
	char tmp[16384];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof tmp);
	imap_session_input(f->s, tmp, (size_t)n);
}

void fsess_ok(struct fsess *f)
{
	fsess_reply(f, "%s OK done\r\n", f->tag);
}

static const char *take_line(struct fsess *f)
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

const char *fsess_next(struct fsess *f)
{
	const char *l = take_line(f);
	for (int i = 0; !l && i < 6; i++) {
		loop_run_once(f->loop, 0);
		l = take_line(f);
	}
	return l;
}

void fsess_expect(struct fsess *f, const char *want)
{
	const char *l = fsess_next(f);
	if (!l)
		fail_msg("expected \"%s\", nothing was sent", want);
	assert_string_equal(l, want);
}

void fsess_expect_nothing(struct fsess *f)
{
	for (int i = 0; i < 6; i++)
		loop_run_once(f->loop, 0);
	if (buf_len(&f->out))
		fail_msg("unexpected output: \"%s\"", buf_data(&f->out));
}

void fsess_answer_select(struct fsess *f, uint32_t uidvalidity)
{
	fsess_reply(f, "* 3 EXISTS\r\n* OK [UIDVALIDITY %u] ok\r\n%s OK [READ-WRITE] selected\r\n",
		    uidvalidity, f->tag);
}

static void sel_cb(void *ctx, const struct imap_select_result *r)
{
	*(enum imap_op_status *)ctx = r->op.status;
}

void fsess_select(struct fsess *f, const char *mailbox, uint32_t uidvalidity)
{
	enum imap_op_status st = IMAP_OP_ERROR;
	assert_true(imap_op_select(f->s, mailbox, NULL, sel_cb, &st) != 0);
	const char *l = fsess_next(f);
	assert_non_null(l);
	assert_true(strncmp(l, "SELECT ", 7) == 0);
	fsess_answer_select(f, uidvalidity);
	assert_int_equal(st, IMAP_OP_OK);
	assert_int_equal(imap_session_state(f->s), IMAP_SESSION_SELECTED);
}

void fsess_drop(struct fsess *f)
{
	imap_session_transport_down(f->s, "connection reset by the test");
}

/* ---- the fake model: model.h ----------------------------------------------------------------- */

static void logf_(struct account *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct account *a, const char *fmt, ...)
{
	size_t l = strlen(a->log);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->log + l, sizeof a->log - l, fmt, ap);
	va_end(ap);
}

struct tmsg *tview_msg(struct view *v, uint32_t uid)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->m[i].uid == uid)
			return &v->m[i];
	return NULL;
}

static bool has(const struct tmsg *m, const char *l)
{
	for (size_t i = 0; i < m->n_labels; i++)
		if (strcasecmp(m->labels[i], l) == 0)
			return true;
	return false;
}

/* Every view showing the folder, like the model's peers(). */
#define FOR_PEERS(v, w)                                                                            \
	for (size_t pi_ = 0; pi_ < (v)->a->n_views; pi_++)                                         \
		for (struct view *w = (v)->a->views[pi_]; w; w = NULL)                             \
			if (strcmp(w->folder, (v)->folder) == 0)

bool view_set_flags(struct view *v, uint32_t uid, uint32_t add, uint32_t remove)
{
	bool found = false;
	FOR_PEERS(v, w) {
		struct tmsg *m = tview_msg(w, uid);
		if (!m)
			continue;
		found = true;
		m->flags = (m->flags | add) & ~remove;
	}
	logf_(v->a, "flags %s %u +%x -%x\n", v->folder, uid, add, remove);
	return found;
}

bool view_set_labels(struct view *v, uint32_t uid, const char *const *add, size_t n_add,
		     const char *const *remove, size_t n_remove)
{
	bool found = false;
	FOR_PEERS(v, w) {
		struct tmsg *m = tview_msg(w, uid);
		if (!m)
			continue;
		found = true;
		for (size_t i = 0; i < n_remove; i++)
			for (size_t j = 0; j < m->n_labels; j++)
				if (strcmp(m->labels[j], remove[i]) == 0) {
					memmove(m->labels[j], m->labels[m->n_labels - 1], sizeof m->labels[j]);
					m->n_labels--;
					break;
				}
		for (size_t i = 0; i < n_add; i++)
			if (!has(m, add[i]) && m->n_labels < TLABELS)
				snprintf(m->labels[m->n_labels++], sizeof m->labels[0], "%s", add[i]);
	}
	logf_(v->a, "labels %s %u", v->folder, uid);
	for (size_t i = 0; i < n_add; i++)
		logf_(v->a, " +%s", add[i]);
	for (size_t i = 0; i < n_remove; i++)
		logf_(v->a, " -%s", remove[i]);
	logf_(v->a, "\n");
	return found;
}

bool view_hide(struct view *v, uint32_t uid, bool hidden)
{
	bool found = false;
	FOR_PEERS(v, w) {
		struct tmsg *m = tview_msg(w, uid);
		if (m) {
			m->hidden = hidden;
			found = true;
		}
	}
	logf_(v->a, "%s %s %u\n", hidden ? "hide" : "show", v->folder, uid);
	return found;
}

uint32_t view_uidvalidity(const struct view *v)
{
	return v->uidvalidity;
}

struct imap_session *view_session(const struct view *v)
{
	if (!v->live || !v->fs || !v->fs->s || v->fs->closed)
		return NULL;
	return imap_session_state(v->fs->s) == IMAP_SESSION_SELECTED ? v->fs->s : NULL;
}

const char *view_folder(const struct view *v)
{
	return v->folder;
}

const char *account_special_folder(const struct account *a, enum folder_role r)
{
	return (size_t)r <= FOLDER_TRASH ? a->special[r] : NULL;
}

void account_status(const struct account *a, struct account_status *out)
{
	memset(out, 0, sizeof *out);
	out->state = ACCOUNT_READY;
	out->bg_state = ACCOUNT_READY;
	out->gmail = a->gmail;
	out->error = "";
	out->retry_ms = -1;
}

/* ---- the fake model: triage_model.c ---------------------------------------------------------- */

bool tm_gmail(struct account *a)
{
	return a->gmail;
}

const struct config_account *tm_config(struct account *a)
{
	return a->has_cfg ? &a->cfg : NULL;
}

struct imap_conn_pool *tm_pool(struct account *a)
{
	(void)a;
	return NULL;
}

const char *tm_view_key(struct view *v)
{
	return v->folder;
}

char *tm_folder_key(struct account *a, const char *folder)
{
	(void)a;
	return strdup(folder);
}

char *tm_folder_name(struct account *a, const char *key)
{
	(void)a;
	return strdup(key);
}

enum folder_role tm_folder_role(struct account *a, const char *folder)
{
	if (strcmp(folder, "INBOX") == 0)
		return FOLDER_INBOX;
	for (int r = FOLDER_FLAGGED; r <= FOLDER_TRASH; r++)
		if (a->special[r] && strcmp(a->special[r], folder) == 0)
			return (enum folder_role)r;
	return FOLDER_NORMAL;
}

struct view *tm_send_view(struct account *a, const char *key, bool *ready)
{
	*ready = false;
	for (size_t i = 0; i < a->n_views; i++) {
		struct view *v = a->views[i];
		if (!v->live || strcmp(v->folder, key) != 0)
			continue;
		*ready = view_session(v) != NULL;
		return v;
	}
	return NULL;
}

struct view *tm_any_view(struct account *a, const char *key)
{
	for (size_t i = 0; i < a->n_views; i++)
		if (strcmp(a->views[i]->folder, key) == 0)
			return a->views[i];
	return NULL;
}

bool tm_msg_state(struct view *v, uint32_t uid, struct tm_msg *out)
{
	memset(out, 0, sizeof *out);
	out->message_id = "";
	struct tmsg *m = tview_msg(v, uid);
	if (!m)
		return false;
	static const char *ptrs[TMSG_MAX][TLABELS];
	size_t k = (size_t)(m - v->m);
	for (size_t i = 0; i < m->n_labels; i++)
		ptrs[k][i] = m->labels[i];
	out->flags_known = out->labels_known = true;
	out->flags = m->flags;
	out->n_labels = m->n_labels;
	out->labels = ptrs[k];
	out->gm_msgid = m->gmid;
	out->message_id = m->mid;
	return true;
}

void tm_alert(struct account *a, const char *text)
{
	snprintf(a->alert, sizeof a->alert, "%s", text);
	a->n_alerts++;
}

/* ---- environment ----------------------------------------------------------------------------- */

void tview_add(struct view *v, uint32_t uid, uint32_t flags, uint64_t gmid, const char *label)
{
	assert_true(v->n < TMSG_MAX);
	struct tmsg *m = &v->m[v->n++];
	memset(m, 0, sizeof *m);
	m->uid = uid;
	m->flags = flags;
	m->gmid = gmid;
	snprintf(m->mid, sizeof m->mid, "<m%u@example.com>", uid);
	if (label)
		snprintf(m->labels[m->n_labels++], sizeof m->labels[0], "%s", label);
}

void tview_attach(struct view *v, struct fsess *f)
{
	v->fs = f;
	v->live = true;
}

static void note(void *ctx, int64_t group, bool ok, const char *text)
{
	(void)group;
	struct tenv *e = ctx;
	if (ok)
		e->n_ok++;
	else
		e->n_failed++;
	snprintf(e->last_note, sizeof e->last_note, "%s", text);
}

static void open_all(struct tenv *e)
{
	struct cache_opts co = {.dir = e->dir};
	e->c = cache_open("triage-test", &co);
	assert_non_null(e->c);
	assert_true(cache_usable(e->c));
	e->t = triage_new(e->loop, &e->acct, e->c);
	assert_non_null(e->t);
	triage_set_notify(e->t, note, e);
}

void tenv_setup(struct tenv *e, bool gmail)
{
	memset(e, 0, sizeof *e);
	e->loop = loop_new();
	assert_non_null(e->loop);
	snprintf(e->dir, sizeof e->dir, "/tmp/skua-triage-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	struct account *a = &e->acct;
	a->gmail = gmail;
	if (gmail) {
		a->special[FOLDER_ALL] = "[Gmail]/All Mail";
		a->special[FOLDER_TRASH] = "[Gmail]/Trash";
		a->special[FOLDER_JUNK] = "[Gmail]/Spam";
		a->special[FOLDER_SENT] = "[Gmail]/Sent Mail";
	} else {
		a->special[FOLDER_TRASH] = "Trash";
		a->special[FOLDER_ARCHIVE] = "Archive";
	}
	struct view *v = &e->inbox;
	v->a = a;
	snprintf(v->folder, sizeof v->folder, "INBOX");
	v->uidvalidity = 100;
	v->live = true;
	tview_add(v, 5, 0, 1005, NULL);
	tview_add(v, 6, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED, 1006, NULL);
	tview_add(v, 7, 0, 1007, NULL);
	a->views[a->n_views++] = v;
	open_all(e);
}

void tenv_restart(struct tenv *e)
{
	triage_free(&e->t);
	cache_close(&e->c);
	open_all(e);
}

void tenv_teardown(struct tenv *e)
{
	triage_free(&e->t);
	cache_close(&e->c);
	if (e->fg.s)
		fsess_stop(&e->fg);
	if (e->rp.s)
		fsess_stop(&e->rp);
	loop_free(&e->loop);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
}

struct jcount {
	struct tjournal *out;
	bool found;
};

static int count_cb(void *ctx, const struct cache_jentry *j)
{
	struct jcount *jc = ctx;
	struct tjournal *o = jc->out;
	jc->found = true;
	if (j->state == CACHE_J_DONE)
		o->done++;
	else if (j->state == CACHE_J_FAILED)
		o->failed++;
	else
		o->pending++;
	snprintf(o->last_error, sizeof o->last_error, "%s", j->last_error ? j->last_error : "");
	snprintf(o->last_result, sizeof o->last_result, "%s", j->result ? j->result : "");
	snprintf(o->last_uids, sizeof o->last_uids, "%s", j->uids_text ? j->uids_text : "");
	o->last_kind = j->kind;
	return 0;
}

void tjournal(struct cache *c, struct tjournal *out)
{
	memset(out, 0, sizeof *out);
	int misses = 0;
	for (int64_t id = 1; misses < 20; id++) {
		struct jcount jc = {out, false};
		enum cache_result r = cache_journal_get(c, id, count_cb, &jc);
		assert_true(r == CACHE_OK || r == CACHE_NOTFOUND);
		misses = jc.found ? 0 : misses + 1;
	}
}

void tapply(struct tenv *e, enum triage_action a, const uint32_t *uids, size_t n, const char *arg)
{
	char err[512];
	struct triage_target tg = {&e->inbox, uids, n};
	int rc = triage_apply(e->t, a, &tg, arg, err, sizeof err);
	if (rc != 0)
		fail_msg("triage_apply(%s) failed: %s", triage_action_name(a), err);
}
