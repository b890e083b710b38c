/* ops_mailbox — commands on mailboxes: SELECT, EXAMINE, CLOSE, UNSELECT, CHECK, CREATE, DELETE,
 * RENAME, SUBSCRIBE, UNSUBSCRIBE, STATUS, LIST, LSUB, APPEND, EXPUNGE. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "imap/encode.h"
#include "imap/ops_int.h"
#include "imap/seqset.h"
#include "imap/session.h"

#define MAILBOX_WIRE_MAX ((size_t)64 << 10)

/* ---- commands with only a status: CLOSE, UNSELECT, CHECK, CREATE, ... ------------------- */

struct simple_op {
	struct op base;
	imap_op_cb cb;
};

static void simple_finish(struct op *op, const struct imap_op_result *base)
{
	struct simple_op *o = (struct simple_op *)op;
	if (o->cb)
		o->cb(op->ctx, base);
}

static struct simple_op *simple_new(struct imap_session *s, imap_op_cb cb, void *ctx)
{
	struct simple_op *o = (struct simple_op *)ops_new(s, sizeof *o, OPS_CLASS_NONE, ctx);
	if (!o) {
		struct imap_op_result r = ops_nomem_result();
		if (cb)
			cb(ctx, &r);
		return NULL;
	}
	o->cb = cb;
	o->base.finish = simple_finish;
	return o;
}

/* verb [mailbox [mailbox2]] */
static uint32_t simple_cmd(struct imap_session *s, const char *verb, const char *mb,
			   const char *mb2, unsigned flags, imap_op_cb cb, void *ctx)
{
	struct simple_op *o = simple_new(s, cb, ctx);
	if (!o)
		return 0;
	struct imap_cmd c;
	ops_cmd_init(&o->base, &c, verb);
	if (mb)
		imap_cmd_add_mailbox(&c, mb);
	if (mb2)
		imap_cmd_add_mailbox(&c, mb2);
	return ops_submit(&o->base, &c, flags, 0);
}

uint32_t imap_op_close(struct imap_session *s, imap_op_cb cb, void *ctx)
{
	return simple_cmd(s, "CLOSE", NULL, NULL, IMAP_CMDF_BARRIER | IMAP_CMDF_NEEDS_SELECTED, cb, ctx);
}

uint32_t imap_op_unselect(struct imap_session *s, imap_op_cb cb, void *ctx)
{
	if (!imap_session_has_cap(s, "UNSELECT") && !imap_session_has_cap(s, "IMAP4rev2")) {
		struct simple_op *o = simple_new(s, cb, ctx);
		return o ? ops_fail(&o->base, NULL, IMAP_OP_UNSUPPORTED,
				    "the server does not offer UNSELECT") : 0;
	}
	return simple_cmd(s, "UNSELECT", NULL, NULL, IMAP_CMDF_BARRIER | IMAP_CMDF_NEEDS_SELECTED, cb,
			  ctx);
}

uint32_t imap_op_check(struct imap_session *s, imap_op_cb cb, void *ctx)
{
	return simple_cmd(s, "CHECK", NULL, NULL, IMAP_CMDF_NEEDS_SELECTED, cb, ctx);
}

uint32_t imap_op_create(struct imap_session *s, const char *mailbox, imap_op_cb cb, void *ctx)
{
	return simple_cmd(s, "CREATE", mailbox ? mailbox : "", NULL, 0, cb, ctx);
}

uint32_t imap_op_delete(struct imap_session *s, const char *mailbox, imap_op_cb cb, void *ctx)
{
	return simple_cmd(s, "DELETE", mailbox ? mailbox : "", NULL, 0, cb, ctx);
}

uint32_t imap_op_rename(struct imap_session *s, const char *from, const char *to, imap_op_cb cb,
			void *ctx)
{
	return simple_cmd(s, "RENAME", from ? from : "", to ? to : "", 0, cb, ctx);
}

uint32_t imap_op_subscribe(struct imap_session *s, const char *mailbox, imap_op_cb cb, void *ctx)
{
	return simple_cmd(s, "SUBSCRIBE", mailbox ? mailbox : "", NULL, 0, cb, ctx);
}

uint32_t imap_op_unsubscribe(struct imap_session *s, const char *mailbox, imap_op_cb cb,
			     void *ctx)
{
	return simple_cmd(s, "UNSUBSCRIBE", mailbox ? mailbox : "", NULL, 0, cb, ctx);
}

/* ---- SELECT / EXAMINE -------------------------------------------------------------------- */

struct select_op {
	struct op base;
	imap_select_cb cb;
	struct imap_select_result res;
	struct seqset vanished;
};

static void select_code(struct select_op *o, const struct imap_code *code)
{
	struct op *op = &o->base;
	struct imap_select_result *r = &o->res;
	switch (code->kind) {
	case IMAP_CODE_UIDVALIDITY:
		r->uidvalidity = code->num;
		r->present |= IMAP_SEL_UIDVALIDITY;
		break;
	case IMAP_CODE_UIDNEXT:
		r->uidnext = code->num;
		r->present |= IMAP_SEL_UIDNEXT;
		break;
	case IMAP_CODE_UNSEEN:
		r->unseen = code->num;
		r->present |= IMAP_SEL_UNSEEN;
		break;
	case IMAP_CODE_HIGHESTMODSEQ:
		r->highestmodseq = code->num64;
		r->present |= IMAP_SEL_HIGHESTMODSEQ;
		break;
	case IMAP_CODE_NOMODSEQ:
		r->present |= IMAP_SEL_NOMODSEQ;
		break;
	case IMAP_CODE_PERMANENTFLAGS:
		if (ops_flags_copy(op, &r->permanentflags, &code->flags) == 0)
			r->present |= IMAP_SEL_PERMANENTFLAGS;
		break;
	case IMAP_CODE_READ_ONLY:
		r->read_only = true;
		break;
	case IMAP_CODE_READ_WRITE:
		r->read_only = false;
		break;
	default:
		break;
	}
}

static void select_untagged(struct op *op, const struct imap_response *r)
{
	struct select_op *o = (struct select_op *)op;
	switch (r->kind) {
	case IMAP_RESP_STATUS:
		if (r->u.status.status == IMAP_STATUS_OK)
			select_code(o, &r->u.status.code);
		break;
	case IMAP_RESP_EXISTS:
		o->res.exists = r->u.number;
		o->res.present |= IMAP_SEL_EXISTS;
		break;
	case IMAP_RESP_RECENT:
		o->res.recent = r->u.number;
		o->res.present |= IMAP_SEL_RECENT;
		break;
	case IMAP_RESP_FLAGS:
		if (ops_flags_copy(op, &o->res.flags, &r->u.flags) == 0)
			o->res.present |= IMAP_SEL_FLAGS;
		break;
	case IMAP_RESP_VANISHED:
		ops_set_add(op, &o->vanished, &r->u.vanished.uids);
		break;
	case IMAP_RESP_FETCH:
		o->res.n_fetch++;
		break;
	default:
		break;
	}
}

static bool select_step(struct op *op, const struct imap_result *res)
{
	struct select_op *o = (struct select_op *)op;
	if (res->tagged && res->status == IMAP_DONE_OK)
		select_code(o, &res->tagged->code);
	return false;
}

static void select_finish(struct op *op, const struct imap_op_result *base)
{
	struct select_op *o = (struct select_op *)op;
	o->res.op = *base;
	o->res.vanished = &o->vanished;
	if (o->cb)
		o->cb(op->ctx, &o->res);
}

static void select_destroy(struct op *op)
{
	seqset_free(&((struct select_op *)op)->vanished);
}

static uint32_t select_cmd(struct imap_session *s, const char *verb, const char *mailbox,
			   const struct imap_select_opts *opt, imap_select_cb cb, void *ctx)
{
	struct select_op *o = (struct select_op *)ops_new(s, sizeof *o, OPS_CLASS_NONE, ctx);
	if (!o)
		OPS_NOMEM(struct imap_select_result, cb, ctx);
	struct op *op = &o->base;
	o->cb = cb;
	seqset_init(&o->vanished);
	op->untagged = select_untagged;
	op->step = select_step;
	op->finish = select_finish;
	op->destroy = select_destroy;
	o->res.read_only = verb[0] == 'E';
	if (!mailbox)
		return ops_fail(op, NULL, IMAP_OP_INVALID, "no mailbox name");
	o->res.mailbox = ops_strn(op, mailbox, strlen(mailbox));
	struct imap_cmd c;
	ops_cmd_init(op, &c, verb);
	imap_cmd_add_mailbox(&c, mailbox);
	if (opt && opt->qresync) {
		if (!imap_session_enabled(s, "QRESYNC"))
			return ops_fail(op, &c, IMAP_OP_UNSUPPORTED, "QRESYNC is not enabled");
		if (!opt->uidvalidity || !opt->modseq)
			return ops_fail(op, &c, IMAP_OP_INVALID,
					"QRESYNC needs the known UIDVALIDITY and mod-sequence");
		bool match = opt->match_seqs && opt->match_uids && !seqset_is_empty(opt->match_seqs) &&
			     !seqset_is_empty(opt->match_uids);
		if ((opt->match_seqs || opt->match_uids) &&
		    (!match || seqset_count(opt->match_seqs) != seqset_count(opt->match_uids)))
			return ops_fail(op, &c, IMAP_OP_INVALID,
					"QRESYNC match data needs as many sequence numbers as UIDs");
		imap_cmd_list_open(&c);
		imap_cmd_add_atom(&c, "QRESYNC");
		imap_cmd_list_open(&c);
		imap_cmd_add_number(&c, opt->uidvalidity);
		imap_cmd_add_number(&c, opt->modseq);
		if (opt->known_uids && !seqset_is_empty(opt->known_uids))
			imap_cmd_add_seqset(&c, opt->known_uids);
		if (match) {
			imap_cmd_list_open(&c);
			imap_cmd_add_seqset(&c, opt->match_seqs);
			imap_cmd_add_seqset(&c, opt->match_uids);
			imap_cmd_list_close(&c);
		}
		imap_cmd_list_close(&c);
		imap_cmd_list_close(&c);
	} else if (opt && opt->condstore) {
		if (!imap_session_has_cap(s, "CONDSTORE"))
			return ops_fail(op, &c, IMAP_OP_UNSUPPORTED, "the server does not offer CONDSTORE");
		imap_cmd_add_raw(&c, "(CONDSTORE)");
	}
	uint32_t interest = IMAP_INTEREST(IMAP_RESP_STATUS) | IMAP_INTEREST(IMAP_RESP_EXISTS) |
			    IMAP_INTEREST(IMAP_RESP_RECENT) | IMAP_INTEREST(IMAP_RESP_FLAGS) |
			    IMAP_INTEREST(IMAP_RESP_VANISHED) | IMAP_INTEREST(IMAP_RESP_FETCH);
	return ops_submit(op, &c, IMAP_CMDF_BARRIER, interest);
}

uint32_t imap_op_select(struct imap_session *s, const char *mailbox,
			const struct imap_select_opts *o, imap_select_cb cb, void *ctx)
{
	return select_cmd(s, "SELECT", mailbox, o, cb, ctx);
}

uint32_t imap_op_examine(struct imap_session *s, const char *mailbox,
			 const struct imap_select_opts *o, imap_select_cb cb, void *ctx)
{
	return select_cmd(s, "EXAMINE", mailbox, o, cb, ctx);
}

/* ---- STATUS ------------------------------------------------------------------------------ */

static const struct {
	uint32_t bit;
	const char *name;
	const char *cap; /* needed capability (NULL: RFC 3501) */
	const char *cap2;
} status_items[] = {
	{IMAP_SI_MESSAGES, "MESSAGES", NULL, NULL},
	{IMAP_SI_RECENT, "RECENT", NULL, NULL},
	{IMAP_SI_UIDNEXT, "UIDNEXT", NULL, NULL},
	{IMAP_SI_UIDVALIDITY, "UIDVALIDITY", NULL, NULL},
	{IMAP_SI_UNSEEN, "UNSEEN", NULL, NULL},
	{IMAP_SI_HIGHESTMODSEQ, "HIGHESTMODSEQ", "CONDSTORE", "QRESYNC"},
	{IMAP_SI_SIZE, "SIZE", "STATUS=SIZE", "IMAP4rev2"},
	{IMAP_SI_DELETED, "DELETED", "IMAP4rev2", NULL},
	{IMAP_SI_APPENDLIMIT, "APPENDLIMIT", "APPENDLIMIT", NULL},
};

/* The subset of items the server can answer. */
static uint32_t status_items_offered(struct imap_session *s, uint32_t items)
{
	uint32_t ok = 0;
	for (size_t i = 0; i < sizeof status_items / sizeof status_items[0]; i++) {
		if (!(items & status_items[i].bit))
			continue;
		if (status_items[i].cap && !imap_session_has_cap(s, status_items[i].cap) &&
		    !(status_items[i].cap2 && imap_session_has_cap(s, status_items[i].cap2)))
			continue;
		ok |= status_items[i].bit;
	}
	return ok;
}

/* "(MESSAGES UNSEEN ...)"; items must not be 0. */
static void add_status_items(struct imap_cmd *c, uint32_t items)
{
	imap_cmd_list_open(c);
	for (size_t i = 0; i < sizeof status_items / sizeof status_items[0]; i++)
		if (items & status_items[i].bit)
			imap_cmd_add_atom(c, status_items[i].name);
	imap_cmd_list_close(c);
}

static void status_copy(struct imap_mailbox_status *d, const struct imap_resp_mbstatus *m)
{
	d->present |= m->present;
	if (m->present & IMAP_SI_MESSAGES)
		d->messages = m->messages;
	if (m->present & IMAP_SI_RECENT)
		d->recent = m->recent;
	if (m->present & IMAP_SI_UIDNEXT)
		d->uidnext = m->uidnext;
	if (m->present & IMAP_SI_UIDVALIDITY)
		d->uidvalidity = m->uidvalidity;
	if (m->present & IMAP_SI_UNSEEN)
		d->unseen = m->unseen;
	if (m->present & IMAP_SI_DELETED)
		d->deleted = m->deleted;
	if (m->present & IMAP_SI_HIGHESTMODSEQ)
		d->highestmodseq = m->highestmodseq;
	if (m->present & IMAP_SI_SIZE)
		d->size = m->size;
	if (m->present & IMAP_SI_APPENDLIMIT)
		d->appendlimit = m->appendlimit;
}

struct status_op {
	struct op base;
	imap_status_cb cb;
	struct imap_status_result res;
	char *wire; /* the name as sent, to match the response */
	size_t wire_len;
};

static void status_untagged(struct op *op, const struct imap_response *r)
{
	struct status_op *o = (struct status_op *)op;
	if (r->kind != IMAP_RESP_MBSTATUS)
		return;
	const struct imap_resp_mbstatus *m = &r->u.mbstatus;
	if (!m->mailbox.p || !ops_mailbox_same(m->mailbox.p, m->mailbox.len, o->wire, o->wire_len))
		return;
	status_copy(&o->res.st, m);
}

static void status_finish(struct op *op, const struct imap_op_result *base)
{
	struct status_op *o = (struct status_op *)op;
	o->res.op = *base;
	if (o->cb)
		o->cb(op->ctx, &o->res);
}

uint32_t imap_op_status(struct imap_session *s, const char *mailbox, uint32_t items,
			imap_status_cb cb, void *ctx)
{
	struct status_op *o = (struct status_op *)ops_new(s, sizeof *o, OPS_CLASS_NONE, ctx);
	if (!o)
		OPS_NOMEM(struct imap_status_result, cb, ctx);
	struct op *op = &o->base;
	o->cb = cb;
	op->untagged = status_untagged;
	op->finish = status_finish;
	if (!mailbox)
		return ops_fail(op, NULL, IMAP_OP_INVALID, "no mailbox name");
	o->res.mailbox = ops_strn(op, mailbox, strlen(mailbox));
	struct buf w;
	buf_init(&w, MAILBOX_WIRE_MAX);
	if (ops_mailbox_wire(s, mailbox, &w) != 0) {
		buf_free(&w);
		return ops_fail(op, NULL, IMAP_OP_INVALID, "the mailbox name is not valid UTF-8");
	}
	o->wire_len = buf_len(&w);
	o->wire = (char *)ops_strn(op, buf_data(&w), buf_len(&w));
	buf_free(&w);
	if (!o->wire)
		return ops_fail(op, NULL, IMAP_OP_ERROR, "out of memory");
	struct imap_cmd c;
	ops_cmd_init(op, &c, "STATUS");
	imap_cmd_add_mailbox(&c, mailbox);
	items = status_items_offered(s, items);
	if (!items)
		return ops_fail(op, &c, IMAP_OP_INVALID, "no STATUS item the server offers was asked for");
	add_status_items(&c, items);
	return ops_submit(op, &c, 0, IMAP_INTEREST(IMAP_RESP_MBSTATUS));
}

/* ---- LIST / LSUB ------------------------------------------------------------------------- */

struct list_op {
	struct op base;
	imap_list_cb cb;
	enum imap_resp_kind kind;  /* LIST or LSUB */
	bool filter_special;       /* SPECIAL-USE selection done here */
	bool want_status;
	struct ops_vec v;          /* struct imap_list_entry */
};

#define SPECIAL_USE_ATTRS                                                                          \
	(IMAP_MBOX_ALL | IMAP_MBOX_ARCHIVE | IMAP_MBOX_DRAFTS | IMAP_MBOX_FLAGGED | IMAP_MBOX_JUNK |   \
	 IMAP_MBOX_SENT | IMAP_MBOX_TRASH | IMAP_MBOX_IMPORTANT)

static void list_status(struct list_op *o, const struct imap_resp_mbstatus *m)
{
	struct imap_list_entry *v = o->v.v;
	if (!m->mailbox.p)
		return;
	/* the STATUS follows its LIST (RFC 5819): look at the newest few entries only, so a hostile
	 * server cannot make this quadratic */
	size_t stop = o->v.n > 16 ? o->v.n - 16 : 0;
	for (size_t i = o->v.n; i-- > stop;) {
		if (ops_mailbox_same(v[i].raw, strlen(v[i].raw), m->mailbox.p, m->mailbox.len)) {
			v[i].has_status = true;
			status_copy(&v[i].status, m);
			return;
		}
	}
}

static void list_untagged(struct op *op, const struct imap_response *r)
{
	struct list_op *o = (struct list_op *)op;
	if (r->kind == IMAP_RESP_MBSTATUS) {
		if (o->want_status)
			list_status(o, &r->u.mbstatus);
		return;
	}
	if (r->kind != o->kind)
		return;
	const struct imap_resp_list *l = &r->u.list_data;
	if (o->filter_special && !(l->attr & SPECIAL_USE_ATTRS))
		return;
	if (!l->name.p)
		return;
	struct imap_list_entry *e = ops_vec_push(op, &o->v, sizeof *e);
	if (!e)
		return;
	e->raw = ops_str(op, &l->name);
	e->name = e->raw ? ops_mailbox_utf8(op, &op->arena, e->raw, l->name.len) : NULL;
	e->delim = l->delim;
	e->attr = l->attr;
	if (!e->raw || !e->name || ops_strlist_copy(op, &e->attrs, &e->n_attrs, &l->attrs) != 0)
		o->v.n--; /* the op is failing anyway: keep the array consistent */
}

static void list_finish(struct op *op, const struct imap_op_result *base)
{
	struct list_op *o = (struct list_op *)op;
	struct imap_list_result r = {*base, o->v.n, o->v.v};
	if (o->cb)
		o->cb(op->ctx, &r);
}

static struct list_op *list_new(struct imap_session *s, enum imap_resp_kind kind, imap_list_cb cb,
				void *ctx)
{
	struct list_op *o = (struct list_op *)ops_new(s, sizeof *o, OPS_CLASS_LIST, ctx);
	if (!o)
		return NULL;
	o->cb = cb;
	o->kind = kind;
	o->base.untagged = list_untagged;
	o->base.finish = list_finish;
	return o;
}

uint32_t imap_op_list(struct imap_session *s, const char *ref, const char *pattern,
		      const struct imap_list_opts *opt, imap_list_cb cb, void *ctx)
{
	struct list_op *o = list_new(s, IMAP_RESP_LIST, cb, ctx);
	if (!o)
		OPS_NOMEM(struct imap_list_result, cb, ctx);
	struct op *op = &o->base;
	struct imap_list_opts none = {0, 0, 0};
	if (!opt)
		opt = &none;
	bool ext = imap_session_has_cap(s, "LIST-EXTENDED") || imap_session_has_cap(s, "IMAP4rev2");
	unsigned sel = opt->select, ret = opt->ret;
	if (!ext && (sel & (IMAP_LIST_SEL_SUBSCRIBED | IMAP_LIST_SEL_REMOTE |
			    IMAP_LIST_SEL_RECURSIVEMATCH)))
		return ops_fail(op, NULL, IMAP_OP_UNSUPPORTED,
				"the server does not offer LIST-EXTENDED");
	if ((sel & IMAP_LIST_SEL_RECURSIVEMATCH) && !(sel & ~IMAP_LIST_SEL_RECURSIVEMATCH))
		return ops_fail(op, NULL, IMAP_OP_INVALID,
				"RECURSIVEMATCH needs another selection option");
	bool special = imap_session_has_cap(s, "SPECIAL-USE");
	if (sel & IMAP_LIST_SEL_SPECIAL_USE) {
		if (!ext || !special) {
			o->filter_special = true; /* the attributes come with a plain LIST */
			sel &= ~IMAP_LIST_SEL_SPECIAL_USE;
		}
	}
	if (!ext)
		ret = 0;
	if (!special)
		ret &= ~IMAP_LIST_RET_SPECIAL_USE;
	uint32_t status = 0;
	if (ext && (imap_session_has_cap(s, "LIST-STATUS") || imap_session_has_cap(s, "IMAP4rev2")))
		status = status_items_offered(s, opt->status);

	struct imap_cmd c;
	ops_cmd_init(op, &c, "LIST");
	if (sel) {
		imap_cmd_list_open(&c);
		if (sel & IMAP_LIST_SEL_SUBSCRIBED)
			imap_cmd_add_atom(&c, "SUBSCRIBED");
		if (sel & IMAP_LIST_SEL_REMOTE)
			imap_cmd_add_atom(&c, "REMOTE");
		if (sel & IMAP_LIST_SEL_RECURSIVEMATCH)
			imap_cmd_add_atom(&c, "RECURSIVEMATCH");
		if (sel & IMAP_LIST_SEL_SPECIAL_USE)
			imap_cmd_add_atom(&c, "SPECIAL-USE");
		imap_cmd_list_close(&c);
	}
	imap_cmd_add_mailbox(&c, ref ? ref : "");
	imap_cmd_add_mailbox(&c, pattern ? pattern : "");
	if (ret || status) {
		imap_cmd_add_atom(&c, "RETURN");
		imap_cmd_list_open(&c);
		if (ret & IMAP_LIST_RET_SUBSCRIBED)
			imap_cmd_add_atom(&c, "SUBSCRIBED");
		if (ret & IMAP_LIST_RET_CHILDREN)
			imap_cmd_add_atom(&c, "CHILDREN");
		if (ret & IMAP_LIST_RET_SPECIAL_USE)
			imap_cmd_add_atom(&c, "SPECIAL-USE");
		if (status) {
			imap_cmd_add_atom(&c, "STATUS");
			add_status_items(&c, status);
			o->want_status = true;
		}
		imap_cmd_list_close(&c);
	}
	uint32_t interest = IMAP_INTEREST(IMAP_RESP_LIST);
	if (o->want_status)
		interest |= IMAP_INTEREST(IMAP_RESP_MBSTATUS);
	return ops_submit(op, &c, 0, interest);
}

uint32_t imap_op_lsub(struct imap_session *s, const char *ref, const char *pattern,
		      imap_list_cb cb, void *ctx)
{
	struct list_op *o = list_new(s, IMAP_RESP_LSUB, cb, ctx);
	if (!o)
		OPS_NOMEM(struct imap_list_result, cb, ctx);
	struct imap_cmd c;
	ops_cmd_init(&o->base, &c, "LSUB");
	imap_cmd_add_mailbox(&c, ref ? ref : "");
	imap_cmd_add_mailbox(&c, pattern ? pattern : "");
	return ops_submit(&o->base, &c, 0, IMAP_INTEREST(IMAP_RESP_LSUB));
}

/* ---- APPEND ------------------------------------------------------------------------------ */

struct append_op {
	struct op base;
	imap_append_cb cb;
	struct imap_append_result res;
};

static bool append_step(struct op *op, const struct imap_result *res)
{
	struct append_op *o = (struct append_op *)op;
	if (res->status == IMAP_DONE_OK && res->tagged &&
	    res->tagged->code.kind == IMAP_CODE_APPENDUID && res->tagged->code.dst.n > 0) {
		o->res.has_uid = true;
		o->res.uidvalidity = res->tagged->code.uidvalidity;
		o->res.uid = res->tagged->code.dst.v[0].lo;
	}
	return false;
}

static void append_finish(struct op *op, const struct imap_op_result *base)
{
	struct append_op *o = (struct append_op *)op;
	o->res.op = *base;
	if (o->cb)
		o->cb(op->ctx, &o->res);
}

uint32_t imap_op_append(struct imap_session *s, const char *mailbox, const void *msg, size_t len,
			const struct imap_append_opts *opt, imap_append_cb cb, void *ctx)
{
	struct append_op *o = (struct append_op *)ops_new(s, sizeof *o, OPS_CLASS_NONE, ctx);
	if (!o)
		OPS_NOMEM(struct imap_append_result, cb, ctx);
	struct op *op = &o->base;
	o->cb = cb;
	op->step = append_step;
	op->finish = append_finish;
	if (!mailbox || (!msg && len))
		return ops_fail(op, NULL, IMAP_OP_INVALID, "APPEND needs a mailbox and a message");
	if (len == 0)
		return ops_fail(op, NULL, IMAP_OP_INVALID, "APPEND of an empty message");
	struct imap_cmd c;
	ops_cmd_init(op, &c, "APPEND");
	imap_cmd_add_mailbox(&c, mailbox);
	if (opt && opt->n_flags)
		imap_cmd_add_flags(&c, opt->flags, opt->n_flags);
	if (opt && opt->has_date)
		imap_cmd_add_datetime(&c, opt->date, opt->tz_minutes);
	imap_cmd_add_literal(&c, msg, len);
	return ops_submit(op, &c, 0, 0);
}

/* ---- EXPUNGE ----------------------------------------------------------------------------- */

struct expunge_op {
	struct op base;
	imap_expunge_cb cb;
	struct ops_vec seqs; /* uint32_t */
	struct seqset vanished;
};

static void expunge_untagged(struct op *op, const struct imap_response *r)
{
	struct expunge_op *o = (struct expunge_op *)op;
	if (r->kind == IMAP_RESP_EXPUNGE) {
		uint32_t *slot = ops_vec_push(op, &o->seqs, sizeof(uint32_t));
		if (slot)
			*slot = r->u.number;
	} else if (r->kind == IMAP_RESP_VANISHED && !r->u.vanished.earlier) {
		ops_set_add(op, &o->vanished, &r->u.vanished.uids);
	}
}

static void expunge_finish(struct op *op, const struct imap_op_result *base)
{
	struct expunge_op *o = (struct expunge_op *)op;
	struct imap_expunge_result r = {*base, o->seqs.n, o->seqs.v, &o->vanished};
	if (o->cb)
		o->cb(op->ctx, &r);
}

static void expunge_destroy(struct op *op)
{
	seqset_free(&((struct expunge_op *)op)->vanished);
}

static uint32_t expunge_cmd(struct imap_session *s, const struct seqset *uids, bool uid,
			    imap_expunge_cb cb, void *ctx)
{
	struct expunge_op *o = (struct expunge_op *)ops_new(s, sizeof *o, OPS_CLASS_NONE, ctx);
	if (!o)
		OPS_NOMEM(struct imap_expunge_result, cb, ctx);
	struct op *op = &o->base;
	o->cb = cb;
	seqset_init(&o->vanished);
	op->untagged = expunge_untagged;
	op->finish = expunge_finish;
	op->destroy = expunge_destroy;
	if (uid && (!uids || seqset_is_empty(uids)))
		return ops_fail(op, NULL, IMAP_OP_INVALID, "UID EXPUNGE of an empty set");
	if (uid && !imap_session_has_cap(s, "UIDPLUS") && !imap_session_has_cap(s, "IMAP4rev2"))
		return ops_fail(op, NULL, IMAP_OP_UNSUPPORTED, "the server does not offer UIDPLUS");
	struct imap_cmd c;
	ops_cmd_init(op, &c, uid ? "UID EXPUNGE" : "EXPUNGE");
	if (uid)
		imap_cmd_add_seqset(&c, uids);
	return ops_submit(op, &c, IMAP_CMDF_BARRIER | IMAP_CMDF_NEEDS_SELECTED,
			  IMAP_INTEREST(IMAP_RESP_EXPUNGE) | IMAP_INTEREST(IMAP_RESP_VANISHED));
}

uint32_t imap_op_expunge(struct imap_session *s, imap_expunge_cb cb, void *ctx)
{
	return expunge_cmd(s, NULL, false, cb, ctx);
}

uint32_t imap_op_uid_expunge(struct imap_session *s, const struct seqset *uids,
			     imap_expunge_cb cb, void *ctx)
{
	return expunge_cmd(s, uids, true, cb, ctx);
}
