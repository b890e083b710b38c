/*
 * ops_int — what the files of src/imap/ops_*.c share: the op base (registry link, result arena,
 * session trampolines), bounded result memory and copy helpers. Not for other modules.
 *
 * An op's life: ops_new() -> build a command (ops_cmd_init, imap_cmd_add_*) -> ops_submit()
 * -> the session calls back op->untagged for each response routed to it and, at the tagged
 * reply, op->step (a chained op may submit its next command there) and then completes:
 * op->finish builds the typed result and calls the user, op->destroy frees what the op holds,
 * the arena goes. Every allocation for a result comes from op->arena, which counts against
 * IMAP_OP_MAX_RESULT; running out marks the op failed (ops_overflow) and it completes with
 * IMAP_OP_ERROR.
 */
#ifndef SKUA_IMAP_OPS_INT_H
#define SKUA_IMAP_OPS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "imap/encode.h"
#include "imap/ops.h"
#include "imap/seqset.h"

/* Kinds of untagged data with no correlation: the oldest unfinished op of the class owns it. */
enum ops_class {
	OPS_CLASS_NONE,
	OPS_CLASS_SEARCH,     /* SEARCH, ESEARCH */
	OPS_CLASS_LIST,       /* LIST, LSUB (and LIST-STATUS's STATUS) */
	OPS_CLASS_CAPABILITY,
	OPS_CLASS_NAMESPACE,
	OPS_CLASS_ID,
	OPS_CLASS_ENABLE,
};

struct ops_block;
struct ops_arena {
	struct ops_block *head;
	size_t used; /* bytes allocated from blocks, counted against cap */
	size_t cap;
};

void ops_arena_init(struct ops_arena *a, size_t cap);
/* NULL when the cap is reached or memory ran out. Zeroed, aligned for any type. */
void *ops_arena_alloc(struct ops_arena *a, size_t n);
/* Frees every block but the first, which it empties. */
void ops_arena_reset(struct ops_arena *a);
void ops_arena_free(struct ops_arena *a);

struct op;
typedef void (*ops_untagged_fn)(struct op *op, const struct imap_response *r);
/* Return true when the op goes on (a next command was submitted, or the op completed itself). */
typedef bool (*ops_step_fn)(struct op *op, const struct imap_result *res);
typedef void (*ops_finish_fn)(struct op *op, const struct imap_op_result *base);
typedef void (*ops_destroy_fn)(struct op *op);

struct op {
	struct op *prev, *next;     /* registry of unfinished ops, oldest first */
	struct imap_session *s;
	uint32_t id;                /* the first command's id (what the caller got) */
	uint32_t cmd_id;            /* the command now running */
	enum ops_class cls;
	bool linked, cancelled;
	bool completed;             /* finished; memory goes when busy drops to 0 */
	unsigned busy;              /* ops code on the stack for this op (see ops_hold) */
	enum imap_op_status local;  /* != IMAP_OP_OK: completes with this status */
	const char *local_msg;      /* static text */
	struct ops_arena arena;
	void *ctx;                  /* the caller's */
	ops_untagged_fn untagged;
	ops_step_fn step;
	ops_finish_fn finish;
	ops_destroy_fn destroy;
};

/* Allocates an op of `size` bytes (struct op first). NULL if out of memory. */
struct op *ops_new(struct imap_session *s, size_t size, enum ops_class cls, void *ctx);
/* imap_session_cmd_init() for op's session. */
int ops_cmd_init(struct op *op, struct imap_cmd *c, const char *verb);
/* Finishes c and submits it (c is left empty). Returns the id, or 0 when the op already
 * completed (encoding error -> INVALID/ERROR, or the session refused it -> ABORTED). */
uint32_t ops_submit(struct op *op, struct imap_cmd *c, unsigned flags, uint32_t interest);
/* Keep op's memory while code that may complete it runs (user callbacks, session calls);
 * ops_release() returns false when the op completed meanwhile (it is then gone). */
void ops_hold(struct op *op);
bool ops_release(struct op *op);
/* Completes the op now (unlinks, calls finish unless cancelled, frees). Returns 0. */
uint32_t ops_complete(struct op *op, enum imap_op_status st, enum imap_code_kind code,
		      const char *msg);
/* Completes an op that never submitted (argument / capability / memory failure). Returns 0.
 * Frees c if non-NULL. */
uint32_t ops_fail(struct op *op, struct imap_cmd *c, enum imap_op_status st, const char *msg);
/* The op could not store what the server sent: it will fail with IMAP_OP_ERROR. */
void ops_overflow(struct op *op);
/* Marks a local failure (first one wins). */
void ops_set_local(struct op *op, enum imap_op_status st, const char *msg);
/* Calls cb with a zeroed result of type T whose status is IMAP_OP_ERROR (no memory for the op). */
#define OPS_NOMEM(T, cb, ctx)                                                                      \
	do {                                                                                       \
		T r_;                                                                              \
		memset(&r_, 0, sizeof r_);                                                         \
		r_.op = ops_nomem_result();                                                        \
		if (cb)                                                                            \
			(cb)((ctx), &r_);                                                          \
		return 0;                                                                          \
	} while (0)
struct imap_op_result ops_nomem_result(void);


/* Result memory (all from op->arena; on failure they mark the op overflowed). */
void *ops_alloc(struct op *op, size_t n);
/* Copies p[0..n) NUL-terminated; p == NULL gives NULL. */
const char *ops_strn(struct op *op, const char *p, size_t n);
const char *ops_str(struct op *op, const struct imap_str *s);
/* Appends one element of size elem to a growable array that lives in the arena. Returns the new
 * (zeroed) slot, or NULL (op overflowed). */
struct ops_vec {
	void *v;
	size_t n, cap;
};
void *ops_vec_push(struct op *op, struct ops_vec *vec, size_t elem);
int ops_flags_copy(struct op *op, struct imap_op_flags *dst, const struct imap_flags *src);
int ops_strlist_copy(struct op *op, const char *const **dst, size_t *n,
		     const struct imap_strlist *src);
/* Adds a response's ranges to a set ("*" kept), bounded by IMAP_OP_MAX_RANGES. Keeps order
 * when dst is unordered. */
int ops_set_add(struct op *op, struct seqset *dst, const struct imap_seqset *src);

/* Mailbox names. The wire form of a UTF-8 name (modified UTF-7 unless UTF8=ACCEPT is on)
 * into out (reset first); 0 or -1 (not valid UTF-8). */
bool ops_utf8_accept(const struct imap_session *s);
struct buf;
int ops_mailbox_wire(const struct imap_session *s, const char *utf8, struct buf *out);
/* A raw name from the server as UTF-8 (U+FFFD for flaws), in a's memory. NULL if out of room. */
const char *ops_mailbox_utf8(struct op *op, struct ops_arena *a, const char *raw, size_t n);
/* Same name on the wire? (INBOX case-insensitively.) */
bool ops_mailbox_same(const char *a, size_t alen, const char *b, size_t blen);

/* A set with "*" matches everything (the server picks what "*" means). */
bool ops_set_matches(const struct seqset *set, uint32_t v);

/* A section asked for, in the form responses are compared with. */
struct ops_sec {
	enum imap_section_item item;     /* IMAP_SECTION_BODY or _BINARY */
	size_t n_part;
	uint32_t *part;
	enum imap_section_text text;
	size_t n_fields;
	const char *const *fields;
	bool partial;
	uint32_t origin;
};

/* FETCH message conversion, shared by FETCH and STORE (ops_fetch.c): into m, with memory from
 * scratch (the caller resets it per message). secs[0..n_secs) give parts their index.
 * Returns 0 or -1 (out of room). */
int ops_fetch_msg_convert(struct op *op, struct ops_arena *scratch, const struct imap_resp_fetch *f,
			  const struct ops_sec *secs, size_t n_secs, struct imap_fetch_msg *m);
/* Index of the asked-for section a response section answers, or SIZE_MAX. */
size_t ops_sec_find(const struct ops_sec *secs, size_t n_secs, enum imap_section_item item,
		    const struct imap_section *sec, bool has_origin, uint32_t origin);
/* Gmail labels as UTF-8 into a's memory (ops_gmail.c). 0 or -1 (out of room). */
int ops_labels_convert(struct op *op, struct ops_arena *a, const struct imap_strlist *src,
		       const char *const **dst, size_t *n);

/* STORE of flags or (labels) X-GM-LABELS (ops_message.c). */
uint32_t ops_store_common(struct imap_session *s, const struct seqset *set,
			  const struct imap_store_opts *opt, bool labels, const char *const *v,
			  size_t n, imap_fetch_msg_cb msg, imap_store_cb done, void *ctx);

#endif
