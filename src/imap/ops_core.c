/* ops_core — the op base: registry, result arena, session trampolines, copy helpers. */
#include "config.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "imap/mutf7.h"
#include "imap/ops_int.h"
#include "imap/session.h"

/* ---- arena ------------------------------------------------------------------------------- */

struct ops_block {
	struct ops_block *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

#define OPS_BLOCK_MIN ((size_t)4096 - sizeof(struct ops_block))

void ops_arena_init(struct ops_arena *a, size_t cap)
{
	a->head = NULL;
	a->used = 0;
	a->cap = cap;
}

void *ops_arena_alloc(struct ops_arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	if (n == 0)
		n = 1;
	if (n > a->cap)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (a->used > a->cap - n)
		return NULL;
	struct ops_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = OPS_BLOCK_MIN;
		if (b && b->size < ((size_t)1 << 20))
			size = b->size * 2; /* grow geometrically up to 1 MiB blocks */
		if (size < n)
			size = n;
		struct ops_block *nb = malloc(sizeof *nb + size);
		if (!nb)
			return NULL;
		nb->size = size;
		nb->used = 0;
		nb->next = b;
		a->head = b = nb;
	}
	void *p = b->data + b->used;
	b->used += n;
	a->used += n;
	memset(p, 0, n);
	return p;
}

void ops_arena_reset(struct ops_arena *a)
{
	struct ops_block *b = a->head;
	if (!b)
		return;
	/* keep the largest (newest) block */
	struct ops_block *rest = b->next;
	while (rest) {
		struct ops_block *nx = rest->next;
		free(rest);
		rest = nx;
	}
	b->next = NULL;
	b->used = 0;
	a->used = 0;
}

void ops_arena_free(struct ops_arena *a)
{
	struct ops_block *b = a->head;
	while (b) {
		struct ops_block *nx = b->next;
		free(b);
		b = nx;
	}
	a->head = NULL;
	a->used = 0;
}

/* ---- registry ---------------------------------------------------------------------------- */

/* Unfinished ops of every session, oldest first. The program drives all sessions from one loop
 * thread, so one list serves them all. */
static struct op *reg_head, *reg_tail;

static void reg_link(struct op *op)
{
	if (op->linked)
		return;
	op->prev = reg_tail;
	op->next = NULL;
	if (reg_tail)
		reg_tail->next = op;
	else
		reg_head = op;
	reg_tail = op;
	op->linked = true;
}

static void reg_unlink(struct op *op)
{
	if (!op->linked)
		return;
	if (op->prev)
		op->prev->next = op->next;
	else
		reg_head = op->next;
	if (op->next)
		op->next->prev = op->prev;
	else
		reg_tail = op->prev;
	op->prev = op->next = NULL;
	op->linked = false;
}

void imap_op_cancel(struct imap_session *s, uint32_t id)
{
	if (!id)
		return;
	for (struct op *o = reg_head; o; o = o->next)
		if (o->s == s && (o->id == id || o->cmd_id == id))
			o->cancelled = true;
}

size_t imap_op_pending(const struct imap_session *s)
{
	size_t n = 0;
	for (const struct op *o = reg_head; o; o = o->next)
		if (!s || o->s == s)
			n++;
	return n;
}

const char *imap_op_status_name(enum imap_op_status st)
{
	switch (st) {
	case IMAP_OP_OK: return "OK";
	case IMAP_OP_NO: return "NO";
	case IMAP_OP_BAD: return "BAD";
	case IMAP_OP_ABORTED: return "ABORTED";
	case IMAP_OP_TIMEOUT: return "TIMEOUT";
	case IMAP_OP_INVALID: return "INVALID";
	case IMAP_OP_UNSUPPORTED: return "UNSUPPORTED";
	case IMAP_OP_ERROR: return "ERROR";
	}
	return "?";
}

struct imap_op_result ops_nomem_result(void)
{
	struct imap_op_result r = {IMAP_OP_ERROR, IMAP_CODE_NONE, "out of memory", 0};
	return r;
}

/* ---- lifecycle --------------------------------------------------------------------------- */

struct op *ops_new(struct imap_session *s, size_t size, enum ops_class cls, void *ctx)
{
	struct op *op = calloc(1, size);
	if (!op)
		return NULL;
	op->s = s;
	op->cls = cls;
	op->ctx = ctx;
	ops_arena_init(&op->arena, IMAP_OP_MAX_RESULT);
	return op;
}

int ops_cmd_init(struct op *op, struct imap_cmd *c, const char *verb)
{
	return imap_session_cmd_init(op->s, c, verb);
}

void ops_set_local(struct op *op, enum imap_op_status st, const char *msg)
{
	if (op->local == IMAP_OP_OK) {
		op->local = st;
		op->local_msg = msg;
	}
}

void ops_overflow(struct op *op)
{
	ops_set_local(op, IMAP_OP_ERROR, "the server's answer is larger than the limit for one command");
}

static void ops_free(struct op *op)
{
	if (op->destroy)
		op->destroy(op);
	ops_arena_free(&op->arena);
	free(op);
}

void ops_hold(struct op *op)
{
	op->busy++;
}

bool ops_release(struct op *op)
{
	if (--op->busy == 0 && op->completed) {
		ops_free(op);
		return false;
	}
	return !op->completed;
}

uint32_t ops_complete(struct op *op, enum imap_op_status st, enum imap_code_kind code,
		      const char *msg)
{
	if (op->completed)
		return 0;
	op->completed = true;
	reg_unlink(op);
	if (op->local != IMAP_OP_OK) {
		st = op->local;
		msg = op->local_msg;
	}
	struct imap_op_result base = {st, code, msg ? msg : "", op->id};
	ops_hold(op);
	if (!op->cancelled && op->finish)
		op->finish(op, &base);
	ops_release(op);
	return 0;
}

uint32_t ops_fail(struct op *op, struct imap_cmd *c, enum imap_op_status st, const char *msg)
{
	if (c)
		imap_cmd_free(c);
	return ops_complete(op, st, IMAP_CODE_NONE, msg);
}

static enum imap_op_status map_status(enum imap_done_status st)
{
	switch (st) {
	case IMAP_DONE_OK: return IMAP_OP_OK;
	case IMAP_DONE_NO: return IMAP_OP_NO;
	case IMAP_DONE_BAD: return IMAP_OP_BAD;
	case IMAP_DONE_ABORTED: return IMAP_OP_ABORTED;
	case IMAP_DONE_TIMEOUT: return IMAP_OP_TIMEOUT;
	}
	return IMAP_OP_ABORTED;
}

static void tramp_untagged(void *ctx, const struct imap_response *r)
{
	struct op *op = ctx;
	if (!op->untagged || op->local != IMAP_OP_OK || op->completed)
		return;
	ops_hold(op);
	op->untagged(op, r);
	ops_release(op);
}

static void tramp_done(void *ctx, const struct imap_result *res)
{
	struct op *op = ctx;
	if (op->completed)
		return;
	ops_hold(op);
	bool goes_on = op->step && op->local == IMAP_OP_OK && op->step(op, res);
	if (!goes_on && !op->completed)
		ops_complete(op, map_status(res->status),
			     res->tagged ? res->tagged->code.kind : IMAP_CODE_NONE, res->message);
	ops_release(op);
}

uint32_t ops_submit(struct op *op, struct imap_cmd *c, unsigned flags, uint32_t interest)
{
	int e = imap_cmd_error(c) ? imap_cmd_error(c) : imap_cmd_finish(c);
	if (e) {
		enum imap_op_status st = e == IMAP_ENC_NOMEM ? IMAP_OP_ERROR : IMAP_OP_INVALID;
		return ops_fail(op, c, st, imap_enc_strerror(e));
	}
	reg_link(op);
	bool first = op->id == 0;
	ops_hold(op);
	/* done() may run before submit returns (session closed, write failed) */
	/* Untagged data of these classes carries no correlation: the session keeps one such
	 * command in flight at a time, so the data belongs to the op it is delivered to. */
	if (op->cls != OPS_CLASS_NONE)
		flags |= IMAP_CMDF_EXCLUSIVE;
	uint32_t id = imap_session_submit(op->s, c, flags, interest, tramp_untagged, tramp_done, op);
	if (!ops_release(op))
		return 0;
	if (!id)
		return 0;
	op->cmd_id = id;
	if (first)
		op->id = id;
	return id;
}

/* ---- copy helpers ------------------------------------------------------------------------ */

void *ops_alloc(struct op *op, size_t n)
{
	void *p = ops_arena_alloc(&op->arena, n);
	if (!p)
		ops_overflow(op);
	return p;
}

const char *ops_strn(struct op *op, const char *p, size_t n)
{
	if (!p)
		return NULL;
	if (n == SIZE_MAX)
		return NULL;
	char *d = ops_alloc(op, n + 1);
	if (!d)
		return NULL;
	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

const char *ops_str(struct op *op, const struct imap_str *s)
{
	return ops_strn(op, s->p, s->len);
}

void *ops_vec_push(struct op *op, struct ops_vec *vec, size_t elem)
{
	if (vec->n == vec->cap) {
		size_t ncap = vec->cap ? vec->cap * 2 : 8;
		if (ncap > IMAP_OP_MAX_RESULT / elem) {
			ops_overflow(op);
			return NULL;
		}
		void *nv = ops_alloc(op, ncap * elem);
		if (!nv)
			return NULL;
		if (vec->n)
			memcpy(nv, vec->v, vec->n * elem);
		vec->v = nv;
		vec->cap = ncap;
	}
	void *slot = (char *)vec->v + vec->n * elem;
	vec->n++;
	memset(slot, 0, elem);
	return slot;
}

int ops_strlist_copy(struct op *op, const char *const **dst, size_t *n,
		     const struct imap_strlist *src)
{
	*dst = NULL;
	*n = 0;
	if (src->n == 0)
		return 0;
	if (src->n > IMAP_OP_MAX_RESULT / sizeof(char *)) {
		ops_overflow(op);
		return -1;
	}
	const char **v = ops_alloc(op, src->n * sizeof *v);
	if (!v)
		return -1;
	for (size_t i = 0; i < src->n; i++) {
		v[i] = ops_str(op, &src->v[i]);
		if (!v[i] && src->v[i].p)
			return -1;
		if (!v[i])
			v[i] = ""; /* NIL in a string list: shown empty */
	}
	*dst = v;
	*n = src->n;
	return 0;
}

int ops_flags_copy(struct op *op, struct imap_op_flags *dst, const struct imap_flags *src)
{
	dst->sys = src->sys;
	struct imap_strlist l = {src->n, src->v};
	return ops_strlist_copy(op, &dst->v, &dst->n, &l);
}

int ops_set_add(struct op *op, struct seqset *dst, const struct imap_seqset *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (seqset_nranges(dst) >= IMAP_OP_MAX_RANGES) {
			ops_overflow(op);
			return -1;
		}
		if (seqset_add_range(dst, src->v[i].lo, src->v[i].hi) != SEQSET_OK) {
			ops_set_local(op, IMAP_OP_ERROR, "out of memory");
			return -1;
		}
	}
	return 0;
}

bool ops_set_matches(const struct seqset *set, uint32_t v)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->r[i].lo == SEQSET_STAR || set->r[i].hi == SEQSET_STAR)
			return true;
	return seqset_contains(set, v);
}

/* ---- mailbox names ----------------------------------------------------------------------- */

bool ops_utf8_accept(const struct imap_session *s)
{
	return imap_session_enabled(s, "UTF8=ACCEPT");
}

int ops_mailbox_wire(const struct imap_session *s, const char *utf8, struct buf *out)
{
	buf_reset(out);
	size_t n = strlen(utf8);
	if (ops_utf8_accept(s)) {
		if (!mutf7_utf8_valid(utf8, n))
			return -1;
		return buf_append(out, utf8, n) == BUF_OK ? 0 : -1;
	}
	return mutf7_encode(out, utf8, n) == MUTF7_OK ? 0 : -1;
}

const char *ops_mailbox_utf8(struct op *op, struct ops_arena *a, const char *raw, size_t n)
{
	if (!raw)
		return NULL;
	struct buf b;
	buf_init(&b, n * 4 + 16 < n ? n : n * 4 + 16);
	const char *src = raw;
	size_t len = n;
	if (!ops_utf8_accept(op->s)) {
		if (mutf7_decode(&b, raw, n, MUTF7_REPLACE) == MUTF7_OK) {
			src = buf_data(&b);
			len = buf_len(&b);
		}
	}
	char *d = ops_arena_alloc(a, len + 1);
	if (d) {
		memcpy(d, src, len);
		d[len] = '\0';
	} else {
		ops_overflow(op);
	}
	buf_free(&b);
	return d;
}

bool ops_mailbox_same(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	if (alen == 5 && strncasecmp(a, "INBOX", 5) == 0 && strncasecmp(b, "INBOX", 5) == 0)
		return true;
	return memcmp(a, b, alen) == 0;
}
