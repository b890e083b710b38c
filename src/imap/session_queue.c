/* session_queue — commands: submission, pipelining rules, continuations, completion. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/session_internal.h"

#define MAX_MAILBOX_ARG 4096

/* ---- lists and commands -------------------------------------------------------------------- */

void sess_list_push(struct sess_list *l, struct sess_cmd *c)
{
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->n++;
}

static void list_insert_after(struct sess_list *l, struct sess_cmd *after, struct sess_cmd *c)
{
	if (!after) {
		c->prev = NULL;
		c->next = l->head;
		if (l->head)
			l->head->prev = c;
		else
			l->tail = c;
		l->head = c;
	} else {
		c->prev = after;
		c->next = after->next;
		if (after->next)
			after->next->prev = c;
		else
			l->tail = c;
		after->next = c;
	}
	l->n++;
}

void sess_list_unlink(struct sess_list *l, struct sess_cmd *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	l->n--;
}

struct sess_cmd *sess_cmd_new(struct imap_session *s)
{
	struct sess_cmd *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (++s->next_id == 0)
		s->next_id = 1;
	c->id = s->next_id;
	imap_cmd_init(&c->cmd, NULL);
	return c;
}

void sess_cmd_free(struct sess_cmd *c)
{
	if (!c)
		return;
	imap_cmd_free(&c->cmd);
	free(c->mailbox);
	free(c);
}

struct sess_cmd *sess_internal(struct imap_session *s, const char *verb, sess_done_fn on_done)
{
	struct sess_cmd *c = sess_cmd_new(s);
	if (!c)
		return NULL;
	c->internal = true;
	c->on_done = on_done;
	imap_session_cmd_init(s, &c->cmd, verb);
	return c;
}

/* ---- classification ---------------------------------------------------------------------- */

static size_t word(const char *p, size_t n, size_t i, size_t *end)
{
	size_t j = i;
	while (j < n && p[j] != ' ' && p[j] != '\r' && p[j] != '\n')
		j++;
	*end = j;
	return j - i;
}

static bool word_is(const char *p, size_t len, const char *w)
{
	return strlen(w) == len && strncasecmp(p, w, len) == 0;
}

/* The first argument as a string (atom, quoted, or literal), raw; NULL if absent or odd. */
static char *astring_arg(const char *p, size_t n, size_t i)
{
	if (i >= n)
		return NULL;
	struct buf b;
	buf_init(&b, MAX_MAILBOX_ARG);
	char *out = NULL;
	if (p[i] == '"') {
		for (i++; i < n && p[i] != '"'; i++) {
			if (p[i] == '\\' && i + 1 < n)
				i++;
			if (buf_append_byte(&b, (unsigned char)p[i]) != BUF_OK)
				goto done;
		}
		if (i >= n)
			goto done;
	} else if (p[i] == '{') {
		size_t len = 0, j = i + 1;
		while (j < n && isdigit((unsigned char)p[j]) && len <= MAX_MAILBOX_ARG)
			len = len * 10 + (size_t)(p[j++] - '0');
		if (j < n && (p[j] == '+' || p[j] == '-'))
			j++;
		if (len > MAX_MAILBOX_ARG || j + 3 > n || p[j] != '}' || p[j + 1] != '\r' || p[j + 2] != '\n')
			goto done;
		j += 3;
		if (len > n - j || buf_append(&b, p + j, len) != BUF_OK)
			goto done;
	} else {
		size_t end;
		size_t len = word(p, n, i, &end);
		if (!len || buf_append(&b, p + i, len) != BUF_OK)
			goto done;
	}
	out = buf_steal(&b);
done:
	buf_free(&b);
	return out;
}

int sess_cmd_classify(struct sess_cmd *c)
{
	const char *p = imap_cmd_data(&c->cmd);
	size_t n = imap_cmd_len(&c->cmd);
	size_t end;
	size_t tl = word(p, n, 0, &end);
	if (!tl || end >= n || p[end] != ' ')
		return -1;
	c->tag_skip = tl;
	size_t vi = end + 1;
	size_t vl = word(p, n, vi, &end);
	bool uid = word_is(p + vi, vl, "UID");
	if (uid) {
		vi = end + 1;
		vl = vi < n ? word(p, n, vi, &end) : 0;
	}
	const char *v = p + vi;
	c->kind = SK_OTHER;
	if (!uid) {
		static const struct {
			const char *verb;
			enum sess_kind kind;
		} kinds[] = {
			{ "SELECT", SK_SELECT },       { "EXAMINE", SK_EXAMINE },
			{ "CLOSE", SK_CLOSE },         { "UNSELECT", SK_UNSELECT },
			{ "LOGOUT", SK_LOGOUT },       { "STARTTLS", SK_STARTTLS },
			{ "COMPRESS", SK_COMPRESS },   { "LOGIN", SK_LOGIN },
			{ "AUTHENTICATE", SK_AUTHENTICATE }, { "IDLE", SK_IDLE },
			{ "CAPABILITY", SK_CAPABILITY },
		};
		for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
			if (word_is(v, vl, kinds[i].verb))
				c->kind = kinds[i].kind;
		c->seq_safe = word_is(v, vl, "FETCH") || word_is(v, vl, "STORE") || word_is(v, vl, "SEARCH");
		c->uses_seq = c->seq_safe || word_is(v, vl, "COPY") || word_is(v, vl, "MOVE") ||
			      word_is(v, vl, "SORT") || word_is(v, vl, "THREAD");
	}
	if (c->kind == SK_SELECT || c->kind == SK_EXAMINE) {
		c->mailbox = end < n && p[end] == ' ' ? astring_arg(p, n, end + 1) : NULL;
		c->flags |= IMAP_CMDF_BARRIER;
	}
	if (c->kind == SK_CLOSE || c->kind == SK_UNSELECT || c->kind == SK_LOGOUT ||
	    c->kind == SK_STARTTLS || c->kind == SK_COMPRESS || c->kind == SK_LOGIN ||
	    c->kind == SK_AUTHENTICATE || c->kind == SK_IDLE)
		c->flags |= IMAP_CMDF_BARRIER;
	return 0;
}

/* ---- completion -------------------------------------------------------------------------- */

void sess_complete(struct imap_session *s, struct sess_cmd *c, enum imap_done_status st,
		   const struct imap_resp_status *tagged, const char *message)
{
	if (s->cont_waiter == c)
		s->cont_waiter = NULL;
	if (s->idle_cmd == c)
		s->idle_cmd = NULL;
	struct imap_result res = { .status = st, .tagged = tagged, .message = message ? message : "" };
	if (c->internal) {
		if (c->on_done)
			c->on_done(s, c, &res);
	} else if (c->done) {
		c->done(c->ctx, &res);
	}
	sess_cmd_free(c);
}

void sess_abort_all(struct imap_session *s, enum imap_done_status inflight_st, const char *message)
{
	s->cont_waiter = NULL;
	s->idle_cmd = NULL;
	for (;;) {
		struct sess_cmd *c = s->inflight.head;
		enum imap_done_status st = inflight_st;
		if (c) {
			sess_list_unlink(&s->inflight, c);
		} else if ((c = s->pending.head)) {
			sess_list_unlink(&s->pending, c);
			st = IMAP_DONE_ABORTED;
		} else {
			break;
		}
		c->in_flight = false;
		sess_complete(s, c, st, NULL, message);
	}
}

/* ---- submission -------------------------------------------------------------------------- */

static void abort_now(struct imap_session *s, imap_done_fn done, void *ctx, const char *why)
{
	if (!done)
		return;
	struct imap_result res = { .status = IMAP_DONE_ABORTED, .tagged = NULL, .message = why };
	if (s)
		sess_enter(s);
	done(ctx, &res);
	if (s)
		sess_leave(s);
}

void sess_enqueue(struct imap_session *s, struct sess_cmd *c)
{
	if (!(c->flags & IMAP_CMDF_PRIORITY)) {
		sess_list_push(&s->pending, c);
		return;
	}
	/* after the last queued barrier, and after the priority commands already waiting there */
	struct sess_cmd *after = NULL;
	for (struct sess_cmd *p = s->pending.head; p; p = p->next)
		if (p->flags & IMAP_CMDF_BARRIER)
			after = p;
	struct sess_cmd *q = after ? after->next : s->pending.head;
	while (q && (q->flags & IMAP_CMDF_PRIORITY) && !(q->flags & IMAP_CMDF_BARRIER)) {
		after = q;
		q = q->next;
	}
	list_insert_after(&s->pending, after, c);
}

uint32_t imap_session_submit(struct imap_session *s, struct imap_cmd *cmd, unsigned flags,
			     uint32_t interest, imap_untagged_fn untagged, imap_done_fn done, void *ctx)
{
	const char *why = NULL;
	if (!s)
		why = "no session";
	else if (s->free_pending || s->state == IMAP_SESSION_CLOSED)
		why = "not connected";
	else if (s->logout_requested || s->logout_sent)
		why = "logging out";
	else if (!cmd || imap_cmd_error(cmd) != IMAP_ENC_OK || !cmd->finished)
		why = "the command could not be encoded";
	struct sess_cmd *c = why ? NULL : sess_cmd_new(s);
	if (!why && !c)
		why = "out of memory";
	if (c) {
		c->cmd = *cmd;
		imap_cmd_init(cmd, &c->cmd.opts); /* the caller's struct is left empty */
		if (sess_cmd_classify(c) != 0) {
			why = "the command could not be encoded";
			sess_cmd_free(c);
			c = NULL;
		}
	} else if (cmd) {
		imap_cmd_free(cmd);
	}
	if (!c) {
		abort_now(s, done, ctx, why);
		return 0;
	}
	c->flags |= flags;
	c->interest = interest;
	c->untagged = untagged;
	c->done = done;
	c->ctx = ctx;
	uint32_t id = c->id;
	sess_enter(s);
	sess_enqueue(s, c);
	sess_pump(s);
	sess_leave(s);
	return id;
}

static struct sess_cmd *find_id(struct imap_session *s, uint32_t id)
{
	for (struct sess_cmd *c = s->inflight.head; c; c = c->next)
		if (c->id == id && !c->internal)
			return c;
	for (struct sess_cmd *c = s->pending.head; c; c = c->next)
		if (c->id == id && !c->internal)
			return c;
	return NULL;
}

void imap_session_cancel(struct imap_session *s, uint32_t id)
{
	struct sess_cmd *c = s && id ? find_id(s, id) : NULL;
	if (c) {
		c->done = NULL;
		c->untagged = NULL;
		c->literal = NULL;
		c->ctx = NULL;
	}
}

bool imap_session_set_literal(struct imap_session *s, uint32_t id, imap_literal_fn fn)
{
	struct sess_cmd *c = s && id ? find_id(s, id) : NULL;
	if (!c)
		return false;
	c->literal = fn;
	return true;
}

/* ---- sending ----------------------------------------------------------------------------- */

void sess_write_cmd_segment(struct imap_session *s, struct sess_cmd *c)
{
	size_t nseg = imap_cmd_nsegs(&c->cmd);
	const char *p;
	size_t len;
	imap_cmd_seg(&c->cmd, c->seg, &p, &len);
	size_t off = imap_cmd_seg_off(&c->cmd, c->seg);
	bool first = c->seg == 0;
	c->seg++;
	if (c->seg < nseg)
		s->cont_waiter = c;
	else if (s->cont_waiter == c && !c->on_cont)
		s->cont_waiter = NULL;
	if (s->cb.trace)
		sess_trace_client(s, c, off, off + len);
	if (first) {
		if (sess_write(s, c->tag, strlen(c->tag)) != 0)
			return;
		p += c->tag_skip;
		len -= c->tag_skip;
	}
	sess_write(s, p, len);
}

static void send_cmd(struct imap_session *s, struct sess_cmd *c)
{
	snprintf(c->tag, sizeof c->tag, "a%u", ++s->next_tag);
	sess_list_push(&s->inflight, c);
	c->in_flight = true;
	c->seg = 0;
	switch (c->kind) {
	case SK_LOGOUT:
		s->logout_sent = true;
		sess_set_state(s, IMAP_SESSION_LOGOUT);
		if (sess_stopped(s))
			return;
		break;
	case SK_COMPRESS:
		/* the OK's line must end the transport's delivery: what follows is deflated */
		if (s->t.line_mode)
			s->t.line_mode(s->t_ctx, true);
		break;
	case SK_AUTHENTICATE:
	case SK_IDLE:
		s->cont_waiter = c;
		break;
	default:
		break;
	}
	sess_write_cmd_segment(s, c);
}

int sess_send_now(struct imap_session *s, struct sess_cmd *c)
{
	if ((!c->cmd.finished && imap_cmd_finish(&c->cmd) != IMAP_ENC_OK) ||
	    imap_cmd_error(&c->cmd) != IMAP_ENC_OK || sess_cmd_classify(c) != 0) {
		int err = imap_cmd_error(&c->cmd);
		sess_cmd_free(c);
		sess_fail(s, IMAP_ERR_PROTOCOL, "internal error: could not encode a command (%s)",
			  imap_enc_strerror(err));
		return -1;
	}
	send_cmd(s, c);
	sess_idle_update(s);
	return sess_stopped(s) ? -1 : 0;
}

/* RFC 3501 5.5: a command using sequence numbers may only join FETCH/STORE/SEARCH in flight. */
static bool seq_ok(const struct imap_session *s)
{
	for (const struct sess_cmd *c = s->inflight.head; c; c = c->next)
		if (!c->seq_safe)
			return false;
	return true;
}

/* An IMAP_CMDF_EXCLUSIVE command waits while anything in flight wants the same responses
 * (and anything waits for an exclusive one in flight that wants the same). */
static bool interest_clash(const struct imap_session *s, const struct sess_cmd *c)
{
	for (const struct sess_cmd *f = s->inflight.head; f; f = f->next)
		if ((f->interest & c->interest) &&
		    ((c->flags & IMAP_CMDF_EXCLUSIVE) || (f->flags & IMAP_CMDF_EXCLUSIVE)))
			return true;
	return false;
}

static bool barrier_in_flight(const struct imap_session *s)
{
	for (const struct sess_cmd *c = s->inflight.head; c; c = c->next)
		if (c->flags & IMAP_CMDF_BARRIER)
			return true;
	return false;
}

void sess_pump(struct imap_session *s)
{
	if (s->pumping || sess_stopped(s))
		return;
	s->pumping = true;
	while (!sess_stopped(s) && s->ready && s->pending.head) {
		if (s->cont_waiter)
			break;
		if (s->idle != IDLE_NONE) {
			sess_idle_leave(s);
			break;
		}
		struct sess_cmd *c = s->pending.head;
		if (barrier_in_flight(s))
			break;
		if ((c->flags & IMAP_CMDF_BARRIER) && s->inflight.n)
			break;
		if (s->inflight.n >= s->opts.max_in_flight)
			break;
		if (c->uses_seq && !seq_ok(s))
			break;
		if (interest_clash(s, c))
			break;
		sess_list_unlink(&s->pending, c);
		if ((c->flags & IMAP_CMDF_NEEDS_SELECTED) && s->state != IMAP_SESSION_SELECTED) {
			sess_complete(s, c, IMAP_DONE_ABORTED, NULL, "no mailbox is selected");
			continue;
		}
		send_cmd(s, c);
	}
	s->pumping = false;
	if (!sess_stopped(s))
		sess_idle_update(s);
}

/* ---- responses --------------------------------------------------------------------------- */

static void tagged_effects(struct imap_session *s, struct sess_cmd *c, const struct imap_resp_status *st)
{
	bool ok = st->status == IMAP_STATUS_OK;
	switch (c->kind) {
	case SK_SELECT:
	case SK_EXAMINE:
		free(s->selected);
		s->selected = NULL;
		s->read_only = false;
		if (ok) {
			s->selected = c->mailbox;
			c->mailbox = NULL;
			s->read_only = c->kind == SK_EXAMINE;
			if (st->code.kind == IMAP_CODE_READ_ONLY)
				s->read_only = true;
			else if (st->code.kind == IMAP_CODE_READ_WRITE)
				s->read_only = false;
			sess_set_state(s, IMAP_SESSION_SELECTED);
		} else if (s->state == IMAP_SESSION_SELECTED) {
			/* RFC 3501 6.3.1: a failed SELECT leaves nothing selected */
			sess_set_state(s, IMAP_SESSION_AUTH);
		}
		break;
	case SK_CLOSE:
	case SK_UNSELECT:
		if (ok && s->state == IMAP_SESSION_SELECTED) {
			free(s->selected);
			s->selected = NULL;
			sess_set_state(s, IMAP_SESSION_AUTH);
		}
		break;
	case SK_COMPRESS:
		if (!ok && s->t.line_mode && !c->internal)
			s->t.line_mode(s->t_ctx, false);
		break;
	default:
		break;
	}
}

static void tagged_after(struct imap_session *s, enum sess_kind kind, bool internal,
			 const struct imap_resp_status *st)
{
	bool ok = st->status == IMAP_STATUS_OK;
	if (kind == SK_LOGOUT) {
		sess_close_clean(s, "logged out");
		return;
	}
	if (internal || !ok)
		return;
	/* the caller drove these by hand (no user configured): the session follows */
	if (kind == SK_STARTTLS)
		sess_begin_starttls(s);
	else if (kind == SK_COMPRESS)
		sess_begin_compress(s);
	else if (kind == SK_LOGIN || kind == SK_AUTHENTICATE)
		sess_after_login(s, st);
}

static void printable(char *out, size_t outlen, const char *in)
{
	size_t k = 0;
	for (; *in && k + 5 < outlen; in++) {
		unsigned char ch = (unsigned char)*in;
		if (ch >= 0x20 && ch < 0x7f)
			out[k++] = (char)ch;
		else
			k += (size_t)snprintf(out + k, outlen - k, "\\x%02x", ch);
	}
	out[k] = '\0';
}

void sess_handle_tagged(struct imap_session *s, const struct imap_response *r)
{
	struct sess_cmd *c = s->inflight.head;
	while (c && strcmp(c->tag, r->tag) != 0)
		c = c->next;
	if (!c) {
		char tag[48];
		printable(tag, sizeof tag, r->tag);
		sess_fail(s, IMAP_ERR_PROTOCOL,
			  "protocol error: the server answered tag \"%s\", which was never sent", tag);
		return;
	}
	const struct imap_resp_status *st = &r->u.status;
	if (r->kind != IMAP_RESP_STATUS ||
	    (st->status != IMAP_STATUS_OK && st->status != IMAP_STATUS_NO && st->status != IMAP_STATUS_BAD)) {
		sess_fail(s, IMAP_ERR_PROTOCOL, "protocol error: malformed tagged response to %s", c->tag);
		return;
	}
	sess_list_unlink(&s->inflight, c);
	c->in_flight = false;
	if (s->cont_waiter == c)
		s->cont_waiter = NULL;
	enum sess_kind kind = c->kind;
	bool internal = c->internal;
	enum imap_done_status ds = st->status == IMAP_STATUS_OK ? IMAP_DONE_OK
				   : st->status == IMAP_STATUS_NO ? IMAP_DONE_NO
								  : IMAP_DONE_BAD;
	tagged_effects(s, c, st);
	/* completes even if a state callback freed the session: c is no longer in any list */
	sess_complete(s, c, ds, st, st->text.p);
	if (sess_stopped(s))
		return;
	tagged_after(s, kind, internal, st);
	if (!sess_stopped(s))
		sess_pump(s);
}

void sess_handle_continuation(struct imap_session *s, const struct imap_response *r)
{
	struct sess_cmd *c = s->cont_waiter;
	if (!c) {
		sess_fail(s, IMAP_ERR_PROTOCOL,
			  "protocol error: the server sent a continuation request no command waits for");
		return;
	}
	if (c->on_cont) {
		c->on_cont(s, c, &r->u.text);
		return;
	}
	if (c->seg < imap_cmd_nsegs(&c->cmd))
		sess_write_cmd_segment(s, c);
	if (!sess_stopped(s) && !s->cont_waiter)
		sess_pump(s);
}

void sess_route_untagged(struct imap_session *s, const struct imap_response *r)
{
	if (s->cb.untagged) {
		s->cb.untagged(s->cb_ctx, r);
		if (sess_stopped(s))
			return;
	}
	uint32_t bit = (unsigned)r->kind < 32 ? IMAP_INTEREST(r->kind) : 0;
	struct sess_cmd *last = s->inflight.tail;
	for (struct sess_cmd *c = s->inflight.head; c; c = c->next) {
		if (c->untagged && (c->interest & bit)) {
			c->untagged(c->ctx, r);
			if (sess_stopped(s))
				return;
		}
		if (c == last)
			break;
	}
}

int sess_route_literal(struct imap_session *s, const struct imap_literal_info *info, const char *data,
		       size_t len)
{
	if (s->cb.literal && s->cb.literal(s->cb_ctx, info, data, len) != 0)
		return -1;
	if (sess_stopped(s))
		return 0;
	struct sess_cmd *last = s->inflight.tail;
	for (struct sess_cmd *c = s->inflight.head; c; c = c->next) {
		if (c->literal) {
			if (c->literal(c->ctx, info, data, len) != 0)
				return -1;
			if (sess_stopped(s))
				return 0;
		}
		if (c == last)
			break;
	}
	return 0;
}
