/*
 * thread_int — internals shared by the thread*.c files. Not for use outside src/mail/thread*.
 *
 * Layers, bottom up:
 *  - containers (struct tcont): the JWZ forest. One per Message-ID seen (with or without its
 *    message) plus one per message without a usable ID. Children form a list linked by next;
 *    prev is circular: the first child's prev is the last child, so appending is O(1).
 *  - trees (struct ttree): connected components of the forest. Every container carries its
 *    tree id, so "is B an ancestor of A" for a root B is tree(A) == tree(B). Trees merge
 *    smaller-into-larger (the smaller one's containers are relabelled).
 *  - threads (struct tthr): what the user sees. A thread is a group of trees sharing a group key
 *    (JWZ: base subject atom; Gmail: X-GM-THRID) or one tree alone (gkey 0).
 * Every change to a tree puts it on the touched list; thread_finish() then fixes aggregates, moves
 * trees between groups and records changed threads, once per batch.
 */
#ifndef SKUA_MAIL_THREAD_INT_H
#define SKUA_MAIL_THREAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/thread.h"

#define TNIL UINT32_MAX

/* Input bounds (see thread.h). */
#define T_MAX_SUBJECT 1000
#define T_MAX_ID 500
#define T_MAX_NAME 256
#define T_MAX_REFS 100
#define T_MAX_LABELS 64

/* ---- interned strings: atom 0 is "no string"; atoms are stable, so are their pointers ---- */
#define TSTR_CHUNK_BITS 18
#define TSTR_CHUNK ((uint32_t)1 << TSTR_CHUNK_BITS)

struct tstrtab {
	char **chunk;
	uint32_t nchunk, capchunk;
	uint32_t used;   /* bytes used in the last chunk */
	char *spare;     /* a chunk allocated ahead, so interning after a reserve cannot fail */
	uint64_t *slot;  /* open addressing, 0 = empty, else hash << 32 | atom */
	uint32_t mask, count;
	size_t bytes;    /* string bytes stored */
};

/* Open addressing map of small indices (stored +1, 0 = empty), linear probing. */
struct tmap {
	uint32_t *slot;
	uint32_t mask, count;
};

struct tvec {
	uint32_t *v;
	uint32_t n, cap;
};

enum {
	TM_LIVE = 1u << 0,
	TM_REPLY = 1u << 1,   /* the subject had a reply/forward prefix */
	TM_PENDING = 1u << 2, /* THREAD_SERVER: known by key only */
};

struct tmsg {
	uint64_t key;       /* primary key */
	int64_t date;
	uint32_t subject;   /* atom: subject as given (cut) */
	uint32_t base;      /* atom: base subject, ASCII folded; 0 when empty */
	uint32_t from_name; /* atom */
	uint32_t from_addr; /* atom, ASCII folded */
	uint32_t flags;
	uint32_t labels;    /* first label atom in ctx->lab */
	uint16_t n_labels;
	uint16_t bits;
	uint32_t cont;      /* container; next free message when not live */
	uint32_t alias;     /* first alias key or TNIL */
	uint32_t parent_id; /* JWZ: atom of the last usable reference (0: none) */
};

struct tgm {
	uint64_t msgid, thrid;
};

struct talias {
	uint64_t key;
	uint32_t msg;
	uint32_t next; /* next alias of the same message, or next free */
};

struct tcont {
	uint32_t parent, child, next, prev;
	uint32_t msg;  /* TNIL for a dummy */
	uint32_t tree;
	uint32_t id;   /* atom of its Message-ID, 0 for none */
};

enum {
	TT_LIVE = 1u << 0,
	TT_TOUCHED = 1u << 1,   /* on ctx->touched */
	TT_RECOMPUTE = 1u << 2, /* nmsgs/oldest/newest must be recounted */
};

struct ttree {
	uint32_t root;
	uint32_t ncont, nmsgs;
	uint32_t oldest, newest; /* messages, TNIL when nmsgs == 0 */
	uint32_t thread;         /* TNIL when not in a thread */
	uint32_t gnext, gprev;   /* trees of the same thread (gprev circular as in tcont) */
	uint32_t contrib;        /* nmsgs counted in the thread */
	uint32_t flags;          /* next free tree when not live (reuses gnext) */
};

enum {
	TH_LIVE = 1u << 0,
	TH_CHANGED = 1u << 1,     /* on ctx->changed */
	TH_RECOMPUTE = 1u << 2,   /* on ctx->recompute */
	TH_ORDER_DIRTY = 1u << 3, /* on ctx->order_dirty */
};

struct tthr {
	uint64_t gkey;       /* 0: a lone tree, not in by_gkey */
	uint32_t first_tree; /* TNIL when empty; next free thread when not live */
	uint32_t ntrees, nmsgs;
	uint32_t newest;     /* message */
	uint32_t blk;        /* the order block holding it, TNIL when not placed */
	uint32_t flags;
};

/* The sort key a thread had when placed in the order (kept beside it: no pointer chasing). */
struct tokey {
	int64_t date;
	uint64_t key;
};

/* The order: sorted blocks of thread ids; ctx->seq lists block ids in order. */
#define T_ORDER_BLOCK 256
struct tblock {
	uint32_t n;
	uint32_t id[T_ORDER_BLOCK];
	struct tokey key[T_ORDER_BLOCK];
};

struct thread_ctx {
	struct thread_opts opt;
	uint64_t seed;
	struct tstrtab str;

	struct tmsg *msg;
	struct tgm *gm; /* parallel to msg; NULL until an X-GM id is seen */
	uint32_t nmsg, capmsg, freemsg, livemsg;

	struct tcont *cont;
	uint32_t ncont, capcont, freecont;

	struct ttree *tree;
	uint32_t ntree, captree, freetree;

	struct tthr *thr;
	uint32_t nthr, capthr, freethr, livethr;

	struct talias *alias;
	uint32_t nalias, capalias, freealias;

	uint32_t *lab; /* label atoms, a slice per message */
	uint32_t nlab, caplab, deadlab;

	struct tmap by_id;   /* container by Message-ID atom */
	struct tmap by_key;  /* message (i) or alias (TKEY_ALIAS | i) by key */
	struct tmap by_gmid; /* message by X-GM-MSGID */
	struct tmap by_gkey; /* thread by group key */

	struct tvec touched;   /* trees */
	struct tvec recompute; /* threads */
	struct tvec changed, gone, held; /* threads; held: gone ids not yet reusable */
	struct tvec out_changed, out_gone;
	struct tvec order_dirty; /* threads whose place must be redone */
	struct tblock **blk;     /* by block id (NULL: free) */
	struct tblock *spare_blk;
	uint32_t nblk, capblk;
	struct tvec seq;         /* block ids in order */
	uint32_t *prefix;        /* threads before seq[i] (capacity seq.cap) */
	uint32_t *rank;          /* rank[block id] = index in seq (capacity capblk) */
	bool prefix_stale;
	struct tvec scratch;
	bool overflow;      /* a change mark was lost: the next report says reset */
	bool order_all;     /* rebuild the order from every live thread */
	bool recompute_all; /* recount every thread at the next finish */
};

#define TKEY_ALIAS 0x80000000u

/* thread_store.c */
int t_grow(void **p, uint32_t *cap, uint64_t need, size_t elsize);
int t_vec_reserve(struct tvec *vec, uint32_t extra);
int t_vec_push(struct tvec *vec, uint32_t v);
uint64_t t_mix64(uint64_t x);
uint64_t t_hash_u64(const struct thread_ctx *ctx, uint64_t x);
uint64_t t_hash_bytes(const struct thread_ctx *ctx, const char *s, size_t n);
int t_str_reserve(struct thread_ctx *ctx, size_t bytes, uint32_t nstrings);
uint32_t t_str_intern(struct thread_ctx *ctx, const char *s, size_t n);
uint32_t t_str_find(const struct thread_ctx *ctx, const char *s, size_t n);
const char *t_str(const struct thread_ctx *ctx, uint32_t atom);
int t_map_reserve(struct thread_ctx *ctx, struct tmap *map, uint32_t extra);
void t_map_insert(struct thread_ctx *ctx, struct tmap *map, uint32_t v);
void t_map_remove(struct thread_ctx *ctx, struct tmap *map, uint32_t v);
uint32_t t_cont_by_id(const struct thread_ctx *ctx, uint32_t atom);
uint32_t t_key_find(const struct thread_ctx *ctx, uint64_t key);
uint32_t t_msg_of_key(const struct thread_ctx *ctx, uint64_t key);
uint32_t t_gkey_find(const struct thread_ctx *ctx, uint64_t gkey);

/* thread_core.c */
int t_reserve(struct thread_ctx *ctx, uint32_t msgs, uint32_t conts, uint32_t ids);
uint32_t t_msg_new(struct thread_ctx *ctx, uint64_t key);
uint32_t t_msg_tree(const struct thread_ctx *ctx, uint32_t m);
uint32_t t_cont_new(struct thread_ctx *ctx, uint32_t id_atom);
void t_cont_free(struct thread_ctx *ctx, uint32_t c);
void t_child_append(struct thread_ctx *ctx, uint32_t parent, uint32_t c);
void t_unlink(struct thread_ctx *ctx, uint32_t c);
void t_link(struct thread_ctx *ctx, uint32_t parent, uint32_t root);
void t_move(struct thread_ctx *ctx, uint32_t parent, uint32_t c);
uint32_t t_preorder_next(const struct thread_ctx *ctx, uint32_t c, uint32_t top);
bool t_older(const struct thread_ctx *ctx, uint32_t a, uint32_t b);
bool t_newer(const struct thread_ctx *ctx, uint32_t a, uint32_t b);
void t_touch(struct thread_ctx *ctx, uint32_t tree);
void t_tree_add_msg(struct thread_ctx *ctx, uint32_t tree, uint32_t m);
void t_thread_mark(struct thread_ctx *ctx, uint32_t th);
void t_order_mark(struct thread_ctx *ctx, uint32_t th);
uint64_t t_group_key(const struct thread_ctx *ctx, uint32_t tree);
int t_finish(struct thread_ctx *ctx);
void t_reset_forest(struct thread_ctx *ctx);
size_t t_cut_len(const char *s, size_t max);

/* thread_order.c */
void t_sort(const struct thread_ctx *ctx, uint32_t *v, size_t n,
	    bool (*less)(const struct thread_ctx *, uint32_t, uint32_t));
void t_order_remove(struct thread_ctx *ctx, uint32_t th);
void t_order_free(struct thread_ctx *ctx);

/* thread_jwz.c */
size_t t_parse_msgid(const char *s, char *out, size_t cap);
void t_jwz_attach(struct thread_ctx *ctx, uint32_t m, const struct thread_msg *in);
uint32_t t_jwz_ids_needed(const struct thread_msg *in);
uint32_t t_top(const struct thread_ctx *ctx, uint32_t tree, uint32_t *first_kid, uint32_t *n_kids);
uint32_t t_eff_next(const struct thread_ctx *ctx, uint32_t x, uint32_t top, bool descend);

uint64_t t_jwz_group_key(const struct thread_ctx *ctx, uint32_t tree);

/* thread_gmail.c */
uint32_t t_gm_find(const struct thread_ctx *ctx, uint64_t gm_msgid);
int t_gm_enable(struct thread_ctx *ctx);
void t_gm_alias_add(struct thread_ctx *ctx, uint32_t m, uint64_t key);
uint64_t t_gm_group_key(const struct thread_ctx *ctx, uint32_t tree);

/* thread_rows.c */
int t_labels_reserve(struct thread_ctx *ctx, uint32_t n);
void t_set_labels(struct thread_ctx *ctx, uint32_t m, const char *const *labels, size_t n, bool merge);

#endif
