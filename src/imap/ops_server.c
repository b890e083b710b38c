/* ops_server — commands about the server and the connection: NOOP, CAPABILITY, ENABLE, ID,
 * NAMESPACE. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap/encode.h"
#include "imap/ops_int.h"
#include "imap/session.h"

/* ---- NOOP -------------------------------------------------------------------------------- */

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

uint32_t imap_op_noop(struct imap_session *s, imap_op_cb cb, void *ctx)
{
	struct simple_op *o = (struct simple_op *)ops_new(s, sizeof *o, OPS_CLASS_NONE, ctx);
	if (!o) {
		struct imap_op_result r = ops_nomem_result();
		if (cb)
			cb(ctx, &r);
		return 0;
	}
	o->cb = cb;
	o->base.finish = simple_finish;
	struct imap_cmd c;
	ops_cmd_init(&o->base, &c, "NOOP");
	return ops_submit(&o->base, &c, 0, 0);
}

/* ---- CAPABILITY and ENABLE: a list of strings ---------------------------------------------- */

struct strings_op {
	struct op base;
	imap_strings_cb cb;
	enum imap_resp_kind kind;
	struct ops_vec v; /* const char * */
};

static void strings_untagged(struct op *op, const struct imap_response *r)
{
	struct strings_op *o = (struct strings_op *)op;
	if (r->kind != o->kind)
		return;
	/* CAPABILITY replaces (a second one is the newer truth); ENABLED accumulates */
	if (o->kind == IMAP_RESP_CAPABILITY)
		o->v.n = 0;
	for (size_t i = 0; i < r->u.list.n; i++) {
		const char **slot = ops_vec_push(op, &o->v, sizeof(char *));
		if (!slot || !(*slot = ops_str(op, &r->u.list.v[i])))
			return;
	}
}

static void strings_finish(struct op *op, const struct imap_op_result *base)
{
	struct strings_op *o = (struct strings_op *)op;
	struct imap_strings_result r = {*base, o->v.n, o->v.v};
	if (o->cb)
		o->cb(op->ctx, &r);
}

static struct strings_op *strings_new(struct imap_session *s, enum ops_class cls,
				      enum imap_resp_kind kind, imap_strings_cb cb, void *ctx)
{
	struct strings_op *o = (struct strings_op *)ops_new(s, sizeof *o, cls, ctx);
	if (!o)
		return NULL;
	o->cb = cb;
	o->kind = kind;
	o->base.untagged = strings_untagged;
	o->base.finish = strings_finish;
	return o;
}

uint32_t imap_op_capability(struct imap_session *s, imap_strings_cb cb, void *ctx)
{
	struct strings_op *o = strings_new(s, OPS_CLASS_CAPABILITY, IMAP_RESP_CAPABILITY, cb, ctx);
	if (!o)
		OPS_NOMEM(struct imap_strings_result, cb, ctx);
	struct imap_cmd c;
	ops_cmd_init(&o->base, &c, "CAPABILITY");
	return ops_submit(&o->base, &c, 0, IMAP_INTEREST(IMAP_RESP_CAPABILITY));
}

uint32_t imap_op_enable(struct imap_session *s, const char *const *exts, size_t n,
			imap_strings_cb cb, void *ctx)
{
	struct strings_op *o = strings_new(s, OPS_CLASS_ENABLE, IMAP_RESP_ENABLED, cb, ctx);
	if (!o)
		OPS_NOMEM(struct imap_strings_result, cb, ctx);
	if (n == 0 || !exts)
		return ops_fail(&o->base, NULL, IMAP_OP_INVALID, "ENABLE needs at least one extension");
	if (!imap_session_has_cap(s, "ENABLE") && !imap_session_has_cap(s, "IMAP4rev2"))
		return ops_fail(&o->base, NULL, IMAP_OP_UNSUPPORTED, "the server does not offer ENABLE");
	struct imap_cmd c;
	ops_cmd_init(&o->base, &c, "ENABLE");
	for (size_t i = 0; i < n; i++)
		imap_cmd_add_atom(&c, exts[i]);
	return ops_submit(&o->base, &c, IMAP_CMDF_BARRIER, IMAP_INTEREST(IMAP_RESP_ENABLED));
}

/* ---- ID ---------------------------------------------------------------------------------- */

struct id_op {
	struct op base;
	imap_id_cb cb;
	struct imap_id_result res;
};

static void id_untagged(struct op *op, const struct imap_response *r)
{
	struct id_op *o = (struct id_op *)op;
	if (r->kind != IMAP_RESP_ID)
		return;
	const struct imap_resp_id *id = &r->u.id;
	o->res.nil = id->nil;
	o->res.n = 0;
	if (id->nil || id->n == 0)
		return;
	const char **k = ops_alloc(op, id->n * sizeof *k);
	const char **v = ops_alloc(op, id->n * sizeof *v);
	if (!k || !v)
		return;
	for (size_t i = 0; i < id->n; i++) {
		k[i] = ops_str(op, &id->keys[i]);
		v[i] = ops_str(op, &id->values[i]);
		if (!k[i])
			k[i] = "";
	}
	o->res.keys = k;
	o->res.values = v;
	o->res.n = id->n;
}

static void id_finish(struct op *op, const struct imap_op_result *base)
{
	struct id_op *o = (struct id_op *)op;
	o->res.op = *base;
	if (o->cb)
		o->cb(op->ctx, &o->res);
}

uint32_t imap_op_id(struct imap_session *s, const char *const *fields, size_t n_pairs,
		    imap_id_cb cb, void *ctx)
{
	struct id_op *o = (struct id_op *)ops_new(s, sizeof *o, OPS_CLASS_ID, ctx);
	if (!o)
		OPS_NOMEM(struct imap_id_result, cb, ctx);
	o->cb = cb;
	o->res.nil = true;
	o->base.untagged = id_untagged;
	o->base.finish = id_finish;
	if (!imap_session_has_cap(s, "ID"))
		return ops_fail(&o->base, NULL, IMAP_OP_UNSUPPORTED, "the server does not offer ID");
	/* RFC 2971: at most 30 pairs, keys up to 30 bytes, values up to 1024 */
	if (fields && (n_pairs == 0 || n_pairs > 30))
		return ops_fail(&o->base, NULL, IMAP_OP_INVALID, "ID takes 1 to 30 field pairs");
	struct imap_cmd c;
	ops_cmd_init(&o->base, &c, "ID");
	if (!fields) {
		imap_cmd_add_raw(&c, "NIL");
	} else {
		imap_cmd_list_open(&c);
		for (size_t i = 0; i < n_pairs; i++) {
			const char *k = fields[2 * i], *v = fields[2 * i + 1];
			if (!k || strlen(k) > 30 || (v && strlen(v) > 1024))
				return ops_fail(&o->base, &c, IMAP_OP_INVALID,
						"ID field keys are at most 30 bytes, values 1024");
			imap_cmd_add_string(&c, k, strlen(k));
			imap_cmd_add_nstring(&c, v);
		}
		imap_cmd_list_close(&c);
	}
	return ops_submit(&o->base, &c, 0, IMAP_INTEREST(IMAP_RESP_ID));
}

/* ---- NAMESPACE --------------------------------------------------------------------------- */

struct ns_op {
	struct op base;
	imap_namespace_cb cb;
	struct imap_namespace_result res;
};

static void ns_copy(struct op *op, struct imap_namespace_list *dst, const struct imap_ns_list *src)
{
	dst->n = 0;
	dst->v = NULL;
	if (src->n == 0)
		return;
	struct imap_namespace *v = ops_alloc(op, src->n * sizeof *v);
	if (!v)
		return;
	for (size_t i = 0; i < src->n; i++) {
		const struct imap_ns_entry *e = &src->v[i];
		v[i].raw = ops_str(op, &e->prefix);
		if (!v[i].raw)
			v[i].raw = "";
		v[i].prefix = ops_mailbox_utf8(op, &op->arena, v[i].raw, strlen(v[i].raw));
		if (!v[i].prefix)
			v[i].prefix = "";
		v[i].delim = e->delim;
	}
	dst->v = v;
	dst->n = src->n;
}

static void ns_untagged(struct op *op, const struct imap_response *r)
{
	struct ns_op *o = (struct ns_op *)op;
	if (r->kind != IMAP_RESP_NAMESPACE)
		return;
	ns_copy(op, &o->res.personal, &r->u.ns.personal);
	ns_copy(op, &o->res.other, &r->u.ns.other);
	ns_copy(op, &o->res.shared, &r->u.ns.shared);
}

static void ns_finish(struct op *op, const struct imap_op_result *base)
{
	struct ns_op *o = (struct ns_op *)op;
	o->res.op = *base;
	if (o->cb)
		o->cb(op->ctx, &o->res);
}

uint32_t imap_op_namespace(struct imap_session *s, imap_namespace_cb cb, void *ctx)
{
	struct ns_op *o = (struct ns_op *)ops_new(s, sizeof *o, OPS_CLASS_NAMESPACE, ctx);
	if (!o)
		OPS_NOMEM(struct imap_namespace_result, cb, ctx);
	o->cb = cb;
	o->base.untagged = ns_untagged;
	o->base.finish = ns_finish;
	if (!imap_session_has_cap(s, "NAMESPACE") && !imap_session_has_cap(s, "IMAP4rev2"))
		return ops_fail(&o->base, NULL, IMAP_OP_UNSUPPORTED,
				"the server does not offer NAMESPACE");
	struct imap_cmd c;
	ops_cmd_init(&o->base, &c, "NAMESPACE");
	return ops_submit(&o->base, &c, 0, IMAP_INTEREST(IMAP_RESP_NAMESPACE));
}
