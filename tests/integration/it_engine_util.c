/* it_engine_util — helpers of the engine's integration tests; see it_engine_util.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base64.h"
#include "imap/search.h"
#include "it_engine_util.h"

struct it_server it_dovecot = {.name = "dovecot"};
struct it_server it_gmail = {.name = "gmail", .gmail = true};
struct it_server it_hoodiecrow = {.name = "hoodiecrow", .gmail = true};
struct loop *it_loop;

static unsigned env_port(const char *name)
{
	const char *v = getenv(name);
	return v ? (unsigned)strtoul(v, NULL, 10) : 0;
}

void it_servers_init(void)
{
	const char *user = getenv("SKUA_TEST_USER"), *pw = getenv("SKUA_TEST_PASSWORD");
	it_dovecot.port = env_port("SKUA_TEST_DOVECOT_PORT");
	it_dovecot.tls_port = env_port("SKUA_TEST_DOVECOT_TLS_PORT");
	it_dovecot.user = user;
	it_dovecot.password = pw;
	it_gmail.port = env_port("SKUA_TEST_GMAIL_PORT");
	it_gmail.tls_port = env_port("SKUA_TEST_GMAIL_TLS_PORT");
	it_gmail.user = user;
	it_gmail.password = pw;
	it_hoodiecrow.port = env_port("SKUA_TEST_HOODIECROW_PORT");
	it_hoodiecrow.user = "testuser";
	it_hoodiecrow.password = "testpass";
}

bool it_server_present(const struct it_server *s)
{
	return s->port != 0 && s->user && s->password;
}

const struct it_server *it_need(void **state)
{
	const struct it_server *srv = *state;
	if (!it_server_present(srv)) {
		print_message("%s: not started by the harness; skipping\n", srv->name);
		skip();
	}
	return srv;
}

/* ---- connections ------------------------------------------------------------------------- */

static void c_state(void *ctx, enum imap_session_state old, enum imap_session_state now)
{
	struct it_conn *ic = ctx;
	(void)old;
	if (now == IMAP_SESSION_AUTH || now == IMAP_SESSION_SELECTED)
		ic->ready = true;
}

static void c_untagged(void *ctx, const struct imap_response *r)
{
	struct it_conn *ic = ctx;
	if (r->kind == IMAP_RESP_EXISTS) {
		ic->n_exists++;
		ic->last_exists = r->u.number;
	} else if (r->kind == IMAP_RESP_EXPUNGE) {
		ic->n_expunge++;
	}
}

static void c_error(void *ctx, const char *msg)
{
	struct it_conn *ic = ctx;
	snprintf(ic->error, sizeof ic->error, "%s", msg);
}

static void c_trace(void *ctx, char dir, const char *data, size_t len)
{
	struct it_conn *ic = ctx;
	if (dir == '>' && len >= 5 && memcmp(data + len - 5, " IDLE", 5) == 0)
		ic->idle_sent++;
	else if (dir == '<' && len >= 1 && data[0] == '+' && ic->idle_sent > ic->idle_cont)
		ic->idle_cont++;
}

static void c_session_new(void *ctx, struct imap_session *s)
{
	struct it_conn *ic = ctx;
	ic->s = s;
}

static void c_down(void *ctx, const char *why, long retry_ms)
{
	struct it_conn *ic = ctx;
	ic->down = true;
	ic->ready = false;
	ic->s = NULL;
	ic->retry_ms = retry_ms;
	snprintf(ic->why, sizeof ic->why, "%s", why ? why : "");
}

int it_connect(struct it_conn *ic, const struct it_server *srv, const struct it_conn_opts *o)
{
	memset(ic, 0, sizeof *ic);
	struct config_account *a = &ic->acct;
	snprintf(ic->host, sizeof ic->host, "127.0.0.1");
	snprintf(ic->user, sizeof ic->user, "%s", srv->user);
	a->name = (char *)"it";
	a->host = ic->host;
	a->tls = o->tls;
	a->port = o->tls == CONFIG_TLS_IMPLICIT ? srv->tls_port : srv->port;
	a->user = ic->user;
	a->verify = true;
	a->max_connections = 3;
	if (!o->no_ca) {
		const char *ca = getenv("SKUA_TEST_CA");
		assert_non_null(ca);
		snprintf(ic->ca, sizeof ic->ca, "%s", ca);
		a->ca_file = ic->ca;
	}
	switch (o->auth) {
	case IT_AUTH_PASSWORD:
		snprintf(ic->pwcmd, sizeof ic->pwcmd, "printf '%%s\\n' '%s'", srv->password);
		a->password_command = ic->pwcmd;
		break;
	case IT_AUTH_WRONG_PASSWORD:
		snprintf(ic->pwcmd, sizeof ic->pwcmd, "echo not-the-password");
		a->password_command = ic->pwcmd;
		break;
	case IT_AUTH_XOAUTH2:
		snprintf(ic->tokcmd, sizeof ic->tokcmd, "printf '%%s\\n' \"$SKUA_TEST_GMAIL_TOKEN\"");
		a->oauth_token_command = ic->tokcmd;
		a->auth = CONFIG_AUTH_XOAUTH2;
		break;
	case IT_AUTH_WRONG_TOKEN:
		snprintf(ic->tokcmd, sizeof ic->tokcmd, "echo ya29.expired-token");
		a->oauth_token_command = ic->tokcmd;
		a->auth = CONFIG_AUTH_XOAUTH2;
		break;
	}
	struct imap_connection_opts co;
	imap_connection_opts_init(&co);
	co.reconnect = false;
	co.session.compress = !o->no_compress;
	co.session.enable_condstore = o->condstore;
	co.session.enable_utf8 = o->utf8;
	co.session.idle = o->idle;
	co.session.idle_delay_ms = 50;
	struct imap_connection_callbacks cb;
	memset(&cb, 0, sizeof cb);
	cb.session.state = c_state;
	cb.session.untagged = c_untagged;
	cb.session.error = c_error;
	if (o->idle)
		cb.session.trace = c_trace;
	cb.session_new = c_session_new;
	cb.down = c_down;
	char err[512];
	ic->c = imap_connection_new(it_loop, a, &co, &cb, ic, err, sizeof err);
	if (!ic->c)
		fail_msg("imap_connection_new(%s): %s", srv->name, err);
	IT_WAIT(ic->ready || ic->down, "the connection to be ready or to fail");
	return ic->ready ? 0 : -1;
}

void it_close(struct it_conn *ic)
{
	if (!ic->c)
		return;
	if (ic->s && !ic->down) {
		imap_connection_logout(ic->c);
		IT_WAIT(ic->down, "LOGOUT to complete");
	}
	imap_connection_free(&ic->c);
}

/* ---- simple ops -------------------------------------------------------------------------- */

static void res_set(struct it_res *r, const struct imap_op_result *o)
{
	r->done = true;
	r->status = o->status;
	r->code = o->code;
	snprintf(r->message, sizeof r->message, "%s", o->message);
}

static void on_simple(void *ctx, const struct imap_op_result *r)
{
	res_set(ctx, r);
}

enum imap_op_status it_simple(struct it_conn *ic, const char *what,
			      uint32_t (*fn)(struct imap_session *, imap_op_cb, void *))
{
	struct it_res r = {0};
	fn(ic->s, on_simple, &r);
	IT_WAIT(r.done, what);
	return r.status;
}

enum imap_op_status it_mbox(struct it_conn *ic,
			    uint32_t (*fn)(struct imap_session *, const char *, imap_op_cb, void *),
			    const char *mailbox, char *msg, size_t msglen)
{
	struct it_res r = {0};
	fn(ic->s, mailbox, on_simple, &r);
	IT_WAIT(r.done, mailbox);
	if (msg)
		snprintf(msg, msglen, "%s", r.message);
	return r.status;
}

enum imap_op_status it_rename(struct it_conn *ic, const char *from, const char *to)
{
	struct it_res r = {0};
	imap_op_rename(ic->s, from, to, on_simple, &r);
	IT_WAIT(r.done, "RENAME");
	if (r.status != IMAP_OP_OK)
		print_message("RENAME: %s\n", r.message);
	return r.status;
}

/* ---- SELECT, STATUS, LIST ---------------------------------------------------------------- */

static void on_select(void *ctx, const struct imap_select_result *r)
{
	struct it_select *s = ctx;
	res_set(&s->r, &r->op);
	s->present = r->present;
	s->exists = r->exists;
	s->recent = r->recent;
	s->uidvalidity = r->uidvalidity;
	s->uidnext = r->uidnext;
	s->unseen = r->unseen;
	s->highestmodseq = r->highestmodseq;
	s->read_only = r->read_only;
	s->flags_sys = r->flags.sys;
	s->perm_sys = r->permanentflags.sys;
	s->perm_wildcard = (r->permanentflags.sys & IMAP_FLAG_WILDCARD) != 0;
	s->n_fetch = r->n_fetch;
	assert_int_equal(seqset_copy(&s->vanished, r->vanished), SEQSET_OK);
}

enum imap_op_status it_select(struct it_conn *ic, const char *mailbox, bool examine,
			      const struct imap_select_opts *o, struct it_select *out)
{
	memset(out, 0, sizeof *out);
	seqset_init(&out->vanished);
	if (examine)
		imap_op_examine(ic->s, mailbox, o, on_select, out);
	else
		imap_op_select(ic->s, mailbox, o, on_select, out);
	IT_WAIT(out->r.done, "SELECT/EXAMINE");
	return out->r.status;
}

void it_select_free(struct it_select *s)
{
	seqset_free(&s->vanished);
}

struct status_wait {
	struct it_res r;
	struct imap_mailbox_status st;
};

static void on_status(void *ctx, const struct imap_status_result *r)
{
	struct status_wait *w = ctx;
	res_set(&w->r, &r->op);
	w->st = r->st;
}

enum imap_op_status it_status(struct it_conn *ic, const char *mailbox, uint32_t items,
			      struct imap_mailbox_status *out)
{
	struct status_wait w;
	memset(&w, 0, sizeof w);
	imap_op_status(ic->s, mailbox, items, on_status, &w);
	IT_WAIT(w.r.done, "STATUS");
	if (out)
		*out = w.st;
	return w.r.status;
}

uint32_t it_messages(struct it_conn *ic, const char *mailbox)
{
	struct imap_mailbox_status st;
	enum imap_op_status rc = it_status(ic, mailbox, IMAP_SI_MESSAGES, &st);
	if (rc != IMAP_OP_OK)
		fail_msg("STATUS %s: %s", mailbox, imap_op_status_name(rc));
	assert_true(st.present & IMAP_SI_MESSAGES);
	return st.messages;
}

static void on_list(void *ctx, const struct imap_list_result *r)
{
	struct it_list *l = ctx;
	res_set(&l->r, &r->op);
	l->n = 0;
	for (size_t i = 0; i < r->n && l->n < sizeof l->v / sizeof l->v[0]; i++) {
		struct it_mbox *m = &l->v[l->n++];
		snprintf(m->name, sizeof m->name, "%s", r->v[i].name);
		snprintf(m->raw, sizeof m->raw, "%s", r->v[i].raw);
		m->delim = r->v[i].delim;
		m->attr = r->v[i].attr;
		m->has_status = r->v[i].has_status;
		m->st = r->v[i].status;
	}
}

enum imap_op_status it_list(struct it_conn *ic, bool lsub, const char *ref, const char *pattern,
			    const struct imap_list_opts *o, struct it_list *out)
{
	memset(&out->r, 0, sizeof out->r);
	out->n = 0;
	if (lsub)
		imap_op_lsub(ic->s, ref, pattern, on_list, out);
	else
		imap_op_list(ic->s, ref, pattern, o, on_list, out);
	IT_WAIT(out->r.done, "LIST");
	return out->r.status;
}

const struct it_mbox *it_list_find(const struct it_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

/* ---- APPEND ------------------------------------------------------------------------------ */

struct append_wait {
	struct it_res r;
	bool has_uid;
	uint32_t uidvalidity, uid;
};

static void on_append(void *ctx, const struct imap_append_result *r)
{
	struct append_wait *w = ctx;
	res_set(&w->r, &r->op);
	w->has_uid = r->has_uid;
	w->uidvalidity = r->uidvalidity;
	w->uid = r->uid;
}

enum imap_op_status it_append(struct it_conn *ic, const char *mailbox, const char *msg, size_t len,
			      const struct imap_append_opts *o, uint32_t *uidvalidity, uint32_t *uid)
{
	struct append_wait w;
	memset(&w, 0, sizeof w);
	imap_op_append(ic->s, mailbox, msg, len, o, on_append, &w);
	IT_WAIT(w.r.done, "APPEND");
	if (w.r.status == IMAP_OP_OK && uid) {
		if (!w.has_uid)
			fail_msg("APPEND to %s: no APPENDUID", mailbox);
		*uid = w.uid;
		if (uidvalidity)
			*uidvalidity = w.uidvalidity;
	}
	if (w.r.status != IMAP_OP_OK)
		print_message("APPEND %s: %s\n", mailbox, w.r.message);
	return w.r.status;
}

/* ---- FETCH / STORE ----------------------------------------------------------------------- */

struct fetch_wait {
	struct it_fetch *f;
	struct {
		char *data;
		size_t len;
	} pending[8];
};

static void append_text(char *dst, size_t cap, const char *sep, const char *s, size_t n)
{
	size_t l = strlen(dst);
	if (l && l + strlen(sep) < cap) {
		memcpy(dst + l, sep, strlen(sep) + 1);
		l += strlen(sep);
	}
	if (n > cap - l - 1)
		n = cap - l - 1;
	memcpy(dst + l, s, n);
	dst[l + n] = '\0';
}

static void on_msg(void *ctx, const struct imap_fetch_msg *m)
{
	struct fetch_wait *w = ctx;
	struct it_fetch *f = w->f;
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->v = realloc(f->v, f->cap * sizeof *f->v);
		assert_non_null(f->v);
	}
	struct it_msg *x = &f->v[f->n++];
	memset(x, 0, sizeof *x);
	x->seq = m->seq;
	x->uid = m->uid;
	x->present = m->present;
	x->flags_sys = m->flags.sys;
	for (size_t i = 0; i < m->flags.n; i++)
		append_text(x->flags, sizeof x->flags, " ", m->flags.v[i], strlen(m->flags.v[i]));
	x->internaldate = m->internaldate;
	x->size = m->size;
	if (m->envelope) {
		if (m->envelope->subject.p)
			append_text(x->subject, sizeof x->subject, "", m->envelope->subject.p,
				    m->envelope->subject.len);
		if (m->envelope->from.n && m->envelope->from.v[0].mailbox.p && m->envelope->from.v[0].host.p)
			snprintf(x->from, sizeof x->from, "%s@%s", m->envelope->from.v[0].mailbox.p,
				 m->envelope->from.v[0].host.p);
	}
	if (m->bodystructure) {
		snprintf(x->body_type, sizeof x->body_type, "%s/%s", m->bodystructure->type.p,
			 m->bodystructure->subtype.p ? m->bodystructure->subtype.p : "");
		x->n_body_parts = m->bodystructure->n_parts;
	}
	if (m->body)
		snprintf(x->simple_type, sizeof x->simple_type, "%s/%s", m->body->type.p,
			 m->body->subtype.p ? m->body->subtype.p : "");
	x->modseq = m->modseq;
	x->gm_msgid = m->gm_msgid;
	x->gm_thrid = m->gm_thrid;
	for (size_t i = 0; i < m->n_labels; i++)
		append_text(x->labels, sizeof x->labels, "|", m->labels[i], strlen(m->labels[i]));
	for (size_t i = 0; i < m->n_parts; i++) {
		const struct imap_fetch_part *p = &m->parts[i];
		size_t k = p->index == SIZE_MAX ? 7 : p->index; /* RFC822* items: slot 7 */
		if (k >= 8)
			continue;
		x->part[k].seen = true;
		x->part[k].streamed = p->streamed;
		if (p->streamed) {
			x->part[k].data = w->pending[k].data;
			x->part[k].len = w->pending[k].len;
			w->pending[k].data = NULL;
			w->pending[k].len = 0;
		} else if (p->data) {
			x->part[k].data = malloc(p->len + 1);
			assert_non_null(x->part[k].data);
			memcpy(x->part[k].data, p->data, p->len);
			x->part[k].data[p->len] = '\0';
			x->part[k].len = p->len;
		}
	}
}

static int on_chunk(void *ctx, const struct imap_fetch_chunk *c)
{
	struct fetch_wait *w = ctx;
	w->f->chunks++;
	w->f->chunk_bytes += c->len;
	size_t k = c->index == SIZE_MAX ? 7 : c->index;
	if (k >= 8)
		return 0;
	if (c->offset == 0) {
		free(w->pending[k].data);
		w->pending[k].data = NULL;
		w->pending[k].len = 0;
	}
	char *d = realloc(w->pending[k].data, w->pending[k].len + c->len + 1);
	assert_non_null(d);
	memcpy(d + w->pending[k].len, c->data, c->len);
	w->pending[k].len += c->len;
	d[w->pending[k].len] = '\0';
	w->pending[k].data = d;
	return 0;
}

static void on_fetch_done(void *ctx, const struct imap_fetch_result *r)
{
	struct fetch_wait *w = ctx;
	res_set(&w->f->r, &r->op);
	assert_int_equal(seqset_copy(&w->f->vanished, r->vanished), SEQSET_OK);
}

enum imap_op_status it_fetch(struct it_conn *ic, bool uid, const char *set,
			     const struct imap_fetch_spec *spec, struct it_fetch *out)
{
	memset(out, 0, sizeof *out);
	seqset_init(&out->vanished);
	struct fetch_wait w;
	memset(&w, 0, sizeof w);
	w.f = out;
	static const struct imap_fetch_callbacks cb = {on_msg, on_chunk, on_fetch_done};
	imap_op_fetch(ic->s, uid, it_set(set), spec, &cb, &w);
	IT_WAIT(out->r.done, "FETCH");
	for (int i = 0; i < 8; i++)
		free(w.pending[i].data);
	return out->r.status;
}

void it_fetch_free(struct it_fetch *f)
{
	for (size_t i = 0; i < f->n; i++)
		for (int k = 0; k < 8; k++)
			free(f->v[i].part[k].data);
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
	seqset_free(&f->vanished);
}

const struct it_msg *it_fetch_uid(const struct it_fetch *f, uint32_t uid)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].uid == uid)
			return &f->v[i];
	return NULL;
}

struct store_wait {
	struct fetch_wait fw;
	struct it_res r;
	struct seqset *modified;
};

static void on_store_msg(void *ctx, const struct imap_fetch_msg *m)
{
	struct store_wait *w = ctx;
	if (w->fw.f)
		on_msg(&w->fw, m);
}

static void on_store(void *ctx, const struct imap_store_result *r)
{
	struct store_wait *w = ctx;
	res_set(&w->r, &r->op);
	if (w->modified)
		assert_int_equal(seqset_copy(w->modified, r->modified), SEQSET_OK);
}

enum imap_op_status it_store(struct it_conn *ic, const char *set, const struct imap_store_opts *o,
			     bool labels, const char *const *v, size_t n, struct it_fetch *msgs,
			     struct seqset *modified)
{
	struct store_wait w;
	memset(&w, 0, sizeof w);
	if (msgs) {
		memset(msgs, 0, sizeof *msgs);
		seqset_init(&msgs->vanished);
	}
	w.fw.f = msgs;
	w.modified = modified;
	if (labels)
		imap_op_store_labels(ic->s, it_set(set), o, v, n, on_store_msg, on_store, &w);
	else
		imap_op_store(ic->s, it_set(set), o, v, n, on_store_msg, on_store, &w);
	IT_WAIT(w.r.done, "STORE");
	if (w.r.status != IMAP_OP_OK)
		print_message("STORE: %s\n", w.r.message);
	return w.r.status;
}

/* ---- SEARCH, COPY, MOVE, EXPUNGE --------------------------------------------------------- */

static void on_search(void *ctx, const struct imap_search_result *r)
{
	struct it_search *s = ctx;
	res_set(&s->r, &r->op);
	s->esearch = r->esearch;
	s->present = r->present;
	s->min = r->min;
	s->max = r->max;
	s->count = r->count;
	s->modseq = r->modseq;
	assert_int_equal(seqset_copy(&s->all, r->all), SEQSET_OK);
}

enum imap_op_status it_search(struct it_conn *ic, struct imap_search *q,
			      const struct imap_search_opts *o, struct it_search *out)
{
	memset(out, 0, sizeof *out);
	seqset_init(&out->all);
	assert_non_null(q);
	imap_op_search(ic->s, q, o, on_search, out);
	imap_search_free(&q);
	IT_WAIT(out->r.done, "SEARCH");
	if (out->r.status != IMAP_OP_OK)
		print_message("SEARCH: %s\n", out->r.message);
	return out->r.status;
}

void it_search_free(struct it_search *s)
{
	seqset_free(&s->all);
}

static void on_copy(void *ctx, const struct imap_copy_result *r)
{
	struct it_copy *c = ctx;
	res_set(&c->r, &r->op);
	c->has_copyuid = r->has_copyuid;
	c->used_move = r->used_move;
	c->expunged = r->expunged;
	c->uidvalidity = r->uidvalidity;
	assert_int_equal(seqset_copy(&c->src, r->src), SEQSET_OK);
	assert_int_equal(seqset_copy(&c->dst, r->dst), SEQSET_OK);
}

enum imap_op_status it_copy(struct it_conn *ic, bool move, bool uid, const char *set,
			    const char *mailbox, struct it_copy *out)
{
	memset(out, 0, sizeof *out);
	seqset_init(&out->src);
	seqset_init(&out->dst);
	if (move)
		imap_op_move(ic->s, uid, it_set(set), mailbox, on_copy, out);
	else
		imap_op_copy(ic->s, uid, it_set(set), mailbox, on_copy, out);
	IT_WAIT(out->r.done, move ? "MOVE" : "COPY");
	if (out->r.status != IMAP_OP_OK)
		print_message("%s: %s\n", move ? "MOVE" : "COPY", out->r.message);
	return out->r.status;
}

void it_copy_free(struct it_copy *c)
{
	seqset_free(&c->src);
	seqset_free(&c->dst);
}

struct expunge_wait {
	struct it_res r;
	size_t n;
	struct seqset *vanished;
};

static void on_expunge(void *ctx, const struct imap_expunge_result *r)
{
	struct expunge_wait *w = ctx;
	res_set(&w->r, &r->op);
	w->n = r->n;
	if (w->vanished)
		assert_int_equal(seqset_copy(w->vanished, r->vanished), SEQSET_OK);
}

enum imap_op_status it_expunge(struct it_conn *ic, const char *uids, size_t *n_expunged,
			       struct seqset *vanished)
{
	struct expunge_wait w;
	memset(&w, 0, sizeof w);
	w.vanished = vanished;
	if (uids)
		imap_op_uid_expunge(ic->s, it_set(uids), on_expunge, &w);
	else
		imap_op_expunge(ic->s, on_expunge, &w);
	IT_WAIT(w.r.done, "EXPUNGE");
	if (n_expunged)
		*n_expunged = w.n;
	return w.r.status;
}

/* ---- sets -------------------------------------------------------------------------------- */

const struct seqset *it_set(const char *text)
{
	static struct seqset sets[8];
	static int next;
	struct seqset *s = &sets[next++ % 8];
	seqset_free(s);
	seqset_init(s);
	if (seqset_parse(s, text, strlen(text), SEQSET_ALLOW_STAR, 0) != SEQSET_OK)
		fail_msg("bad set text %s", text);
	return s;
}

const char *it_set_text(const struct seqset *s)
{
	static char out[4096];
	struct buf b;
	buf_init(&b, sizeof out - 1);
	out[0] = '\0';
	if (!seqset_is_empty(s) && seqset_format(s, &b) == SEQSET_OK)
		snprintf(out, sizeof out, "%s", buf_data(&b));
	buf_free(&b);
	return out;
}

/* ---- Gmail control hook ------------------------------------------------------------------ */

char *it_gmail_control(const char *json)
{
	unsigned port = env_port("SKUA_TEST_GMAIL_CONTROL_PORT");
	assert_true(port > 0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct timeval tv = {60, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		fail_msg("control hook: connect: %s", strerror(errno));
	size_t n = strlen(json);
	if (write(fd, json, n) != (ssize_t)n || write(fd, "\n", 1) != 1)
		fail_msg("control hook: write: %s", strerror(errno));
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		ssize_t r = read(fd, out + len, cap - len - 1);
		if (r <= 0)
			fail_msg("control hook: no reply (%s)", r < 0 ? strerror(errno) : "EOF");
		len += (size_t)r;
		out[len] = '\0';
		if (memchr(out, '\n', len))
			break;
	}
	close(fd);
	return out;
}

/* ---- test messages ----------------------------------------------------------------------- */

static char *base64_encode_alloc(const unsigned char *in, size_t n, size_t *outlen)
{
	size_t l = base64_encoded_len(n);
	char *d = malloc(l + 1);
	if (!d)
		return NULL;
	*outlen = base64_encode_raw(d, in, n);
	d[*outlen] = '\0';
	return d;
}

char *it_make_message(const char *subject_utf8, size_t att_size, size_t *len)
{
	static unsigned counter;
	size_t sublen = strlen(subject_utf8);
	char subj[1024];
	size_t b64len = 0;
	assert_true(sublen < 600);
	char *enc = base64_encode_alloc((const unsigned char *)subject_utf8, sublen, &b64len);
	assert_non_null(enc);
	snprintf(subj, sizeof subj, "=?UTF-8?B?%s?=", enc);
	free(enc);
	unsigned char *att = malloc(att_size ? att_size : 1);
	assert_non_null(att);
	for (size_t i = 0; i < att_size; i++)
		att[i] = (unsigned char)(i * 7 + 3);
	size_t attb64 = 0;
	char *attenc = base64_encode_alloc(att, att_size, &attb64);
	assert_non_null(attenc);
	free(att);
	size_t cap = 4096 + attb64 + attb64 / 76 * 2;
	char *m = malloc(cap);
	assert_non_null(m);
	int n = snprintf(m, cap,
			 "From: Skua Test <skua-it@example.com>\r\n"
			 "To: Someone <someone@example.com>\r\n"
			 "Subject: %s\r\n"
			 "Date: Thu, 01 Feb 2024 13:05:00 +0100\r\n"
			 "Message-ID: <it-%u-%ld@skua.test>\r\n"
			 "MIME-Version: 1.0\r\n"
			 "Content-Type: multipart/mixed; boundary=\"skua-b1\"\r\n"
			 "\r\n"
			 "--skua-b1\r\n"
			 "Content-Type: text/plain; charset=us-ascii\r\n"
			 "\r\n"
			 "Hello from skua's integration test.\r\n"
			 "Second line.\r\n"
			 "--skua-b1\r\n"
			 "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
			 "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
			 "Content-Transfer-Encoding: base64\r\n"
			 "\r\n",
			 subj, ++counter, (long)getpid());
	assert_true(n > 0 && (size_t)n < cap);
	size_t l = (size_t)n;
	for (size_t i = 0; i < attb64; i += 76) {
		size_t k = attb64 - i < 76 ? attb64 - i : 76;
		memcpy(m + l, attenc + i, k);
		l += k;
		m[l++] = '\r';
		m[l++] = '\n';
	}
	free(attenc);
	const char *tail = "--skua-b1--\r\n";
	assert_true(l + strlen(tail) + 1 <= cap);
	memcpy(m + l, tail, strlen(tail) + 1);
	l += strlen(tail);
	*len = l;
	return m;
}
