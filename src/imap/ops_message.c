/* ops_message — commands on messages: SEARCH (and ESEARCH), STORE (flags; X-GM-LABELS through
 * ops_gmail.c), COPY, MOVE (native, or COPY + STORE \Deleted + UID EXPUNGE). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap/encode.h"
#include "imap/ops_int.h"
#include "imap/search.h"
#include "imap/seqset.h"
#include "imap/session.h"

/* ---- SEARCH ------------------------------------------------------------------------------ */

struct search_op {
	struct op base;
	imap_search_cb cb;
	struct ops_vec nums; /* uint32_t, from SEARCH */
	struct seqset all;
	struct imap_search_result res;
};

static void search_untagged(struct op *op, const struct imap_response *r)
{
	struct search_op *o = (struct search_op *)op;
	if ((r->kind != IMAP_RESP_SEARCH && r->kind != IMAP_RESP_ESEARCH))
		return;
	if (r->kind == IMAP_RESP_SEARCH) {
		const struct imap_resp_search *sr = &r->u.search;
		for (size_t i = 0; i < sr->n; i++) {
			uint32_t *slot = ops_vec_push(op, &o->nums, sizeof(uint32_t));
			if (!slot)
				return;
			*slot = sr->v[i];
		}
		if (sr->has_modseq) {
			o->res.present |= IMAP_ES_MODSEQ;
			if (sr->modseq > o->res.modseq)
				o->res.modseq = sr->modseq;
		}
		return;
	}
	const struct imap_resp_esearch *es = &r->u.esearch;
	o->res.esearch = true;
	o->res.present |= es->present;
	if (es->present & IMAP_ES_MIN)
		o->res.min = es->min;
	if (es->present & IMAP_ES_MAX)
		o->res.max = es->max;
	if (es->present & IMAP_ES_COUNT)
		o->res.count = es->count;
	if (es->present & IMAP_ES_MODSEQ)
		o->res.modseq = es->modseq;
	if (es->present & IMAP_ES_ALL)
		ops_set_add(op, &o->all, &es->all);
}

static void search_finish(struct op *op, const struct imap_op_result *base)
{
	struct search_op *o = (struct search_op *)op;
	o->res.op = *base;
	if (!o->res.esearch && base->status == IMAP_OP_OK) {
		if (seqset_from_list(&o->all, o->nums.v, o->nums.n) != SEQSET_OK) {
			o->res.op.status = IMAP_OP_ERROR;
			o->res.op.message = "out of memory";
		}
		o->res.present |= IMAP_ES_MIN | IMAP_ES_MAX | IMAP_ES_COUNT | IMAP_ES_ALL;
		size_t nr = seqset_nranges(&o->all);
		o->res.count = (uint32_t)seqset_count(&o->all);
		o->res.min = nr ? o->all.r[0].lo : 0;
		o->res.max = nr ? o->all.r[nr - 1].hi : 0;
	}
	o->res.all = &o->all;
	if (o->cb)
		o->cb(op->ctx, &o->res);
}

static void search_destroy(struct op *op)
{
	seqset_free(&((struct search_op *)op)->all);
}

uint32_t imap_op_search(struct imap_session *s, const struct imap_search *q,
			const struct imap_search_opts *opt, imap_search_cb cb, void *ctx)
{
	struct search_op *o = (struct search_op *)ops_new(s, sizeof *o, OPS_CLASS_SEARCH, ctx);
	if (!o)
		OPS_NOMEM(struct imap_search_result, cb, ctx);
	struct op *op = &o->base;
	o->cb = cb;
	seqset_init(&o->all);
	op->untagged = search_untagged;
	op->finish = search_finish;
	op->destroy = search_destroy;
	if (!q)
		return ops_fail(op, NULL, IMAP_OP_INVALID, "no search query");
	bool uid = opt && opt->uid;
	unsigned ret = opt ? opt->ret : 0;
	bool esearch = ret && (imap_session_has_cap(s, "ESEARCH") || imap_session_has_cap(s, "IMAP4rev2"));
	struct imap_cmd c;
	ops_cmd_init(op, &c, uid ? "UID SEARCH" : "SEARCH");
	if (esearch) {
		imap_cmd_add_atom(&c, "RETURN");
		imap_cmd_list_open(&c);
		if (ret & IMAP_SEARCH_RET_MIN)
			imap_cmd_add_atom(&c, "MIN");
		if (ret & IMAP_SEARCH_RET_MAX)
			imap_cmd_add_atom(&c, "MAX");
		if (ret & IMAP_SEARCH_RET_COUNT)
			imap_cmd_add_atom(&c, "COUNT");
		if (ret & IMAP_SEARCH_RET_ALL)
			imap_cmd_add_atom(&c, "ALL");
		imap_cmd_list_close(&c);
	}
	int e = imap_search_encode(q, &c);
	if (e)
		return ops_fail(op, &c, e == IMAP_ENC_NOMEM ? IMAP_OP_ERROR : IMAP_OP_INVALID,
				imap_enc_strerror(e));
	return ops_submit(op, &c, IMAP_CMDF_NEEDS_SELECTED,
			  IMAP_INTEREST(IMAP_RESP_SEARCH) | IMAP_INTEREST(IMAP_RESP_ESEARCH));
}

/* ---- STORE ------------------------------------------------------------------------------- */

struct store_op {
	struct op base;
	imap_fetch_msg_cb msg;
	imap_store_cb done;
	bool uid;
	struct seqset set;
	struct seqset modified;
	struct ops_arena scratch;
	uint32_t n_msgs;
};

static void store_untagged(struct op *op, const struct imap_response *r)
{
	struct store_op *o = (struct store_op *)op;
	if (r->kind != IMAP_RESP_FETCH)
		return;
	const struct imap_resp_fetch *f = &r->u.fetch;
	bool mine = o->uid ? (f->present & IMAP_FETCH_UID) && ops_set_matches(&o->set, f->uid)
			   : ops_set_matches(&o->set, f->seq);
	if (!mine ||
	    !(f->present & (IMAP_FETCH_FLAGS | IMAP_FETCH_GM_LABELS | IMAP_FETCH_MODSEQ)))
		return;
	o->n_msgs++;
	if (op->cancelled || !o->msg)
		return;
	struct imap_fetch_msg m;
	ops_arena_reset(&o->scratch);
	if (ops_fetch_msg_convert(op, &o->scratch, f, NULL, 0, &m) == 0)
		o->msg(op->ctx, &m);
}

static bool store_step(struct op *op, const struct imap_result *res)
{
	struct store_op *o = (struct store_op *)op;
	if (res->tagged && res->tagged->code.kind == IMAP_CODE_MODIFIED)
		ops_set_add(op, &o->modified, &res->tagged->code.set);
	return false;
}

static void store_finish(struct op *op, const struct imap_op_result *base)
{
	struct store_op *o = (struct store_op *)op;
	struct imap_store_result r = {*base, o->n_msgs, &o->modified};
	if (o->done)
		o->done(op->ctx, &r);
}

static void store_destroy(struct op *op)
{
	struct store_op *o = (struct store_op *)op;
	seqset_free(&o->set);
	seqset_free(&o->modified);
	ops_arena_free(&o->scratch);
}

uint32_t ops_store_common(struct imap_session *s, const struct seqset *set,
			  const struct imap_store_opts *opt, bool labels, const char *const *v,
			  size_t n, imap_fetch_msg_cb msg, imap_store_cb done, void *ctx)
{
	struct store_op *o = (struct store_op *)ops_new(s, sizeof *o, OPS_CLASS_NONE, ctx);
	if (!o)
		OPS_NOMEM(struct imap_store_result, done, ctx);
	struct op *op = &o->base;
	o->msg = msg;
	o->done = done;
	seqset_init(&o->set);
	seqset_init(&o->modified);
	ops_arena_init(&o->scratch, IMAP_OP_MAX_RESULT);
	op->untagged = store_untagged;
	op->step = store_step;
	op->finish = store_finish;
	op->destroy = store_destroy;
	struct imap_store_opts def = {false, IMAP_STORE_SET, false, false, 0};
	if (!opt)
		opt = &def;
	o->uid = opt->uid;
	if (!set || seqset_is_empty(set))
		return ops_fail(op, NULL, IMAP_OP_INVALID, "STORE of an empty set");
	if (n && !v)
		return ops_fail(op, NULL, IMAP_OP_INVALID, "no flags given");
	if (n == 0 && opt->mode != IMAP_STORE_SET)
		return ops_fail(op, NULL, IMAP_OP_INVALID, "adding or removing nothing");
	if (labels && !imap_session_has_cap(s, "X-GM-EXT-1"))
		return ops_fail(op, NULL, IMAP_OP_UNSUPPORTED, "the server does not offer X-GM-EXT-1");
	if (opt->has_unchangedsince && !imap_session_has_cap(s, "CONDSTORE") &&
	    !imap_session_has_cap(s, "QRESYNC"))
		return ops_fail(op, NULL, IMAP_OP_UNSUPPORTED, "the server does not offer CONDSTORE");
	if (seqset_copy(&o->set, set) != SEQSET_OK)
		return ops_fail(op, NULL, IMAP_OP_ERROR, "out of memory");
	struct imap_cmd c;
	ops_cmd_init(op, &c, opt->uid ? "UID STORE" : "STORE");
	imap_cmd_add_seqset(&c, set);
	if (opt->has_unchangedsince) {
		imap_cmd_list_open(&c);
		imap_cmd_add_atom(&c, "UNCHANGEDSINCE");
		imap_cmd_add_number(&c, opt->unchangedsince);
		imap_cmd_list_close(&c);
	}
	const char *sign = opt->mode == IMAP_STORE_ADD ? "+" : opt->mode == IMAP_STORE_REMOVE ? "-" : "";
	imap_cmd_add_rawf(&c, "%s%s%s", sign, labels ? "X-GM-LABELS" : "FLAGS",
			  opt->silent ? ".SILENT" : "");
	if (labels)
		imap_cmd_add_labels(&c, v, n);
	else
		imap_cmd_add_flags(&c, v, n);
	return ops_submit(op, &c, IMAP_CMDF_NEEDS_SELECTED, IMAP_INTEREST(IMAP_RESP_FETCH));
}

uint32_t imap_op_store(struct imap_session *s, const struct seqset *set,
		       const struct imap_store_opts *o, const char *const *flags, size_t n,
		       imap_fetch_msg_cb msg, imap_store_cb done, void *ctx)
{
	return ops_store_common(s, set, o, false, flags, n, msg, done, ctx);
}

/* ---- COPY and MOVE ----------------------------------------------------------------------- */

enum move_stage {
	MV_COPY,    /* COPY (imap_op_copy), or the fallback's UID COPY */
	MV_MOVE,    /* native MOVE */
	MV_FETCH,   /* fallback by sequence numbers: learn the UIDs first */
	MV_STORE,   /* fallback: UID STORE +FLAGS.SILENT (\Deleted) */
	MV_EXPUNGE, /* fallback: UID EXPUNGE */
};

struct copy_op {
	struct op base;
	imap_copy_cb cb;
	bool is_move, uid;
	enum move_stage stage;
	char *mailbox;            /* UTF-8, for the fallback's later steps */
	struct seqset set;        /* as given (sequence numbers when !uid) */
	struct seqset uids;       /* fallback: the UIDs to act on */
	struct seqset src, dst;   /* COPYUID, in the server's order */
	struct imap_copy_result res;
};

static void copy_copyuid(struct copy_op *o, const struct imap_code *code)
{
	if (code->kind != IMAP_CODE_COPYUID)
		return;
	seqset_clear(&o->src);
	seqset_clear(&o->dst);
	o->src.unordered = o->dst.unordered = true;
	if (ops_set_add(&o->base, &o->src, &code->src) == 0 &&
	    ops_set_add(&o->base, &o->dst, &code->dst) == 0) {
		o->res.has_copyuid = true;
		o->res.uidvalidity = code->uidvalidity;
	}
}

static void copy_untagged(struct op *op, const struct imap_response *r)
{
	struct copy_op *o = (struct copy_op *)op;
	if (o->stage == MV_MOVE && r->kind == IMAP_RESP_STATUS &&
	    r->u.status.status == IMAP_STATUS_OK) {
		copy_copyuid(o, &r->u.status.code);
	} else if (o->stage == MV_FETCH && r->kind == IMAP_RESP_FETCH) {
		const struct imap_resp_fetch *f = &r->u.fetch;
		if ((f->present & IMAP_FETCH_UID) && ops_set_matches(&o->set, f->seq)) {
			if (seqset_nranges(&o->uids) >= IMAP_OP_MAX_RANGES)
				ops_overflow(op);
			else if (seqset_add(&o->uids, f->uid) != SEQSET_OK)
				ops_set_local(op, IMAP_OP_ERROR, "out of memory");
		}
	}
}

static uint32_t copy_submit(struct copy_op *o, enum move_stage stage)
{
	struct op *op = &o->base;
	o->stage = stage;
	/* the fallback's later steps act on the UIDs it learnt (or was given) */
	bool direct = stage == MV_MOVE || stage == MV_FETCH || (stage == MV_COPY && !o->is_move);
	const struct seqset *set = direct ? &o->set : &o->uids;
	bool uid = stage == MV_FETCH ? false : direct ? o->uid : true;
	struct imap_cmd c;
	unsigned flags = IMAP_CMDF_NEEDS_SELECTED;
	uint32_t interest = 0;
	switch (stage) {
	case MV_COPY:
		ops_cmd_init(op, &c, uid ? "UID COPY" : "COPY");
		imap_cmd_add_seqset(&c, set);
		imap_cmd_add_mailbox(&c, o->mailbox);
		break;
	case MV_MOVE:
		ops_cmd_init(op, &c, uid ? "UID MOVE" : "MOVE");
		imap_cmd_add_seqset(&c, set);
		imap_cmd_add_mailbox(&c, o->mailbox);
		flags |= IMAP_CMDF_BARRIER;
		interest = IMAP_INTEREST(IMAP_RESP_STATUS);
		break;
	case MV_FETCH:
		ops_cmd_init(op, &c, "FETCH");
		imap_cmd_add_seqset(&c, set);
		imap_cmd_add_raw(&c, "(UID)");
		interest = IMAP_INTEREST(IMAP_RESP_FETCH);
		break;
	case MV_STORE:
		ops_cmd_init(op, &c, "UID STORE");
		imap_cmd_add_seqset(&c, set);
		imap_cmd_add_raw(&c, "+FLAGS.SILENT");
		imap_cmd_add_flags(&c, (const char *const[]){"\\Deleted"}, 1);
		break;
	case MV_EXPUNGE:
		ops_cmd_init(op, &c, "UID EXPUNGE");
		imap_cmd_add_seqset(&c, set);
		flags |= IMAP_CMDF_BARRIER;
		break;
	}
	return ops_submit(op, &c, flags, interest);
}

static bool copy_step(struct op *op, const struct imap_result *res)
{
	struct copy_op *o = (struct copy_op *)op;
	if (res->status != IMAP_DONE_OK)
		return false;
	const struct imap_code *code = res->tagged ? &res->tagged->code : NULL;
	switch (o->stage) {
	case MV_MOVE:
		if (code)
			copy_copyuid(o, code);
		o->res.expunged = true;
		return false;
	case MV_COPY:
		if (code)
			copy_copyuid(o, code);
		if (!o->is_move)
			return false;
		copy_submit(o, MV_STORE);
		return true;
	case MV_FETCH:
		if (seqset_is_empty(&o->uids))
			return false; /* nothing there to move */
		copy_submit(o, MV_COPY);
		return true;
	case MV_STORE:
		if (!imap_session_has_cap(op->s, "UIDPLUS") && !imap_session_has_cap(op->s, "IMAP4rev2"))
			return false; /* left marked \Deleted: see ops.h */
		copy_submit(o, MV_EXPUNGE);
		return true;
	case MV_EXPUNGE:
		o->res.expunged = true;
		return false;
	}
	return false;
}

static void copy_finish(struct op *op, const struct imap_op_result *base)
{
	struct copy_op *o = (struct copy_op *)op;
	o->res.op = *base;
	o->res.src = &o->src;
	o->res.dst = &o->dst;
	if (o->cb)
		o->cb(op->ctx, &o->res);
}

static void copy_destroy(struct op *op)
{
	struct copy_op *o = (struct copy_op *)op;
	seqset_free(&o->set);
	seqset_free(&o->uids);
	seqset_free(&o->src);
	seqset_free(&o->dst);
	free(o->mailbox);
}

static uint32_t copy_cmd(struct imap_session *s, bool move, bool uid, const struct seqset *set,
			 const char *mailbox, imap_copy_cb cb, void *ctx)
{
	struct copy_op *o = (struct copy_op *)ops_new(s, sizeof *o, OPS_CLASS_NONE, ctx);
	if (!o)
		OPS_NOMEM(struct imap_copy_result, cb, ctx);
	struct op *op = &o->base;
	o->cb = cb;
	o->is_move = move;
	o->uid = uid;
	seqset_init(&o->set);
	seqset_init(&o->uids);
	seqset_init(&o->src);
	seqset_init(&o->dst);
	op->untagged = copy_untagged;
	op->step = copy_step;
	op->finish = copy_finish;
	op->destroy = copy_destroy;
	if (!set || seqset_is_empty(set) || !mailbox)
		return ops_fail(op, NULL, IMAP_OP_INVALID, "COPY/MOVE needs a non-empty set and a mailbox");
	o->mailbox = strdup(mailbox);
	if (!o->mailbox || seqset_copy(&o->set, set) != SEQSET_OK)
		return ops_fail(op, NULL, IMAP_OP_ERROR, "out of memory");
	if (!move)
		return copy_submit(o, MV_COPY);
	if (imap_session_has_cap(s, "MOVE") || imap_session_has_cap(s, "IMAP4rev2")) {
		o->res.used_move = true;
		return copy_submit(o, MV_MOVE);
	}
	if (uid) {
		if (seqset_copy(&o->uids, set) != SEQSET_OK)
			return ops_fail(op, NULL, IMAP_OP_ERROR, "out of memory");
		return copy_submit(o, MV_COPY);
	}
	return copy_submit(o, MV_FETCH);
}

uint32_t imap_op_copy(struct imap_session *s, bool uid, const struct seqset *set,
		      const char *mailbox, imap_copy_cb cb, void *ctx)
{
	return copy_cmd(s, false, uid, set, mailbox, cb, ctx);
}

uint32_t imap_op_move(struct imap_session *s, bool uid, const struct seqset *set,
		      const char *mailbox, imap_copy_cb cb, void *ctx)
{
	return copy_cmd(s, true, uid, set, mailbox, cb, ctx);
}
