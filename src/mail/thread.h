/*
 * thread — conversation grouping for the message list. Pure: no I/O, no clock, no globals.
 *
 * Three ways to group, chosen when the context is made (struct thread_opts.mode):
 *  - THREAD_JWZ: client-side threading by Message-ID, In-Reply-To and References (Jamie
 *    Zawinski's algorithm, RFC 5256 §2 REFERENCES), then by base subject (RFC 5256 §2.1, plus the
 *    common localised prefixes AW:, SV:, VS:, WG:, ...). Missing parents become dummies that are
 *    pruned the JWZ way: a dummy is shown only as the top of a thread whose first messages are
 *    missing, and only when it has at least two children.
 *  - THREAD_GMAIL: one thread per X-GM-THRID; a message without one is a thread of its own.
 *    Messages are flat inside a thread, oldest first.
 *  - THREAD_SERVER: the structure comes from an RFC 5256 THREAD response (thread_set_server());
 *    messages added later that the response did not mention are threads of their own until the
 *    next response.
 * In every mode a message whose X-GM-MSGID is already known is the same message under another key
 * (a Gmail message seen in several folders): the key becomes an alias, flags are replaced and
 * labels merged.
 *
 * Incremental: thread_add() costs about what the batch holds (hash tables keyed by Message-ID,
 * key and thread id; trees merged smaller-into-larger), not what the context holds. Adding the
 * same messages in any order or batch split gives the same threads, as long as the headers do not
 * contradict one another (when they do, a message's own References win over what others say
 * about it, and otherwise the first seen wins). Two messages with one Message-ID: the smaller key
 * keeps the ID (and the replies to it), the other is threaded by its own References. Loops in
 * References are broken; an ID naming itself is ignored. thread_remove() drops messages
 * (expunge); links learnt from a removed message's References stay while others hang on them.
 *
 * Threads are named by a uint32_t id, stable while the thread lives (merges keep one id and report
 * the other gone). thread_changes() says which threads were made, changed or gone since it was
 * last called. Order: newest activity first, read by position (thread_order_get()); in a thread,
 * children oldest first (THREAD_SERVER keeps the server's order). Nothing recurses: a 100,000-deep
 * reply chain is walked with loops.
 *
 * Memory: the context owns everything. Input structs are copied (strings interned into the
 * context's arena, so they need live only during the call). Strings handed out (struct
 * thread_row) stay valid until thread_free(); the arrays of thread_changes() until its next call.
 * Input is bounded: subject 1,000 bytes, Message-ID 500, name/address/label 256, the last 100
 * References, 64 labels per message; longer input is cut (IDs too long are dropped).
 *
 * Errors: functions returning int give 0, or -1 when memory ran out; the context stays consistent
 * (a batch may then be partly added: add it again).
 */
#ifndef SKUA_MAIL_THREAD_H
#define SKUA_MAIL_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap/response.h"

#define THREAD_NONE UINT32_MAX

enum thread_mode {
	THREAD_JWZ = 0,
	THREAD_GMAIL,
	THREAD_SERVER,
};

enum thread_order_by {
	THREAD_ORDER_DATE = 0, /* newest Date first (ties: larger key first) */
	THREAD_ORDER_KEY,      /* largest key first (UIDs grow with arrival) */
};

struct thread_opts {
	enum thread_mode mode;
	enum thread_order_by order;
	bool no_subject_grouping; /* THREAD_JWZ: group by references only */
};

/* One message as the model knows it. Every pointer may be NULL; strings are NUL-terminated. */
struct thread_msg {
	uint64_t key;              /* the caller's unique id for this copy (UID, folder<<32|UID, ...) */
	const char *message_id;    /* raw header value: "<id@host>"; junk tolerated */
	const char *in_reply_to;   /* raw header value */
	const char *references;    /* raw header value (unfolded or not) */
	const char *subject;       /* decoded UTF-8 */
	int64_t date;              /* seconds since the epoch; 0 when unknown */
	const char *from_name;     /* decoded UTF-8 display name */
	const char *from_addr;     /* mailbox@host */
	uint32_t flags;            /* enum imap_sysflag bits (IMAP_FLAG_SEEN, IMAP_FLAG_FLAGGED, ...) */
	uint64_t gm_msgid;         /* X-GM-MSGID, 0 when unknown */
	uint64_t gm_thrid;         /* X-GM-THRID, 0 when unknown */
	size_t n_labels;
	const char *const *labels; /* X-GM-LABELS or keywords, as the model keeps them */
};

struct thread_ctx;

/* opts may be NULL (THREAD_JWZ, by date, with subject grouping). NULL when out of memory. */
struct thread_ctx *thread_new(const struct thread_opts *opts);
/* NULL-safe; NULLs the pointer. */
void thread_free(struct thread_ctx **ctx);

/*
 * Adds a batch. A key seen before updates that message instead: flags and labels replaced, the
 * X-GM-THRID filled in or changed, and in THREAD_SERVER the envelope of a message the THREAD
 * response named but nobody had added yet. The headers of a known message are never re-read.
 */
int thread_add(struct thread_ctx *ctx, const struct thread_msg *msgs, size_t n);
/* Removes messages by key (unknown keys are ignored). */
int thread_remove(struct thread_ctx *ctx, const uint64_t *keys, size_t n);
/* Sets one message's flags (enum imap_sysflag bits). Returns false for an unknown key. */
bool thread_set_flags(struct thread_ctx *ctx, uint64_t key, uint32_t flags);

/*
 * THREAD_SERVER only: replaces the structure with the one in a THREAD (or UID THREAD) response.
 * Each number n becomes key_base + n. Numbers not yet added become pending messages (counted,
 * no envelope) that a later thread_add() fills in; added messages the response leaves out are
 * threads of their own. Duplicate numbers and 0 are ignored. Every earlier thread is reported
 * gone. Returns -1 (and changes nothing) in another mode or when out of memory.
 */
int thread_set_server(struct thread_ctx *ctx, const struct imap_resp_thread *resp,
		      uint64_t key_base);

/* The thread holding a message, or THREAD_NONE. */
uint32_t thread_of(const struct thread_ctx *ctx, uint64_t key);
/* Number of live threads and of messages. */
size_t thread_count(const struct thread_ctx *ctx);
size_t thread_msg_count(const struct thread_ctx *ctx);

/*
 * The order of live threads, newest activity first, by position 0 .. thread_count() - 1:
 * copies up to n thread ids from position `from` into out and returns how many it copied.
 * Pending changes are applied first, at a cost of what changed (sorted blocks of 256), not of the
 * mailbox. Out of memory, threads whose place could not be made are left out until a later call.
 */
size_t thread_order_get(struct thread_ctx *ctx, size_t from, uint32_t *out, size_t n);
/* The position of thread tid in that order (SIZE_MAX for an unknown tid). */
size_t thread_order_pos(struct thread_ctx *ctx, uint32_t tid);

struct thread_changes {
	const uint32_t *changed; /* made or changed (structure, counts, flags, labels) */
	size_t n_changed;
	const uint32_t *gone;    /* no longer exist (merged, regrouped or emptied) */
	size_t n_gone;
	bool reset;              /* memory ran short and some marks were lost: treat every thread as
	                            changed and drop ids thread_order_get() no longer lists */
};
/* What happened since the previous call; the lists are then cleared. Call it after each batch:
 * the ids it reports gone are recycled only at the call after. */
void thread_changes(struct thread_ctx *ctx, struct thread_changes *out);

/* One line of a thread in display order (pre-order, depth-first). */
struct thread_entry {
	uint64_t key;   /* the message's key (its first key when it has aliases); 0 for the dummy */
	uint32_t depth; /* 0 for the top of the thread */
	bool dummy;     /* a missing parent shown as a placeholder (only ever the top line) */
	bool last;      /* the last child of its parent (tree drawing) */
	bool pending;   /* THREAD_SERVER: a message without an envelope yet */
};
/*
 * Writes up to cap entries of thread tid into out and sets *total to the number there are
 * (at most the thread's message count + 1). Returns -1 when out of memory; an unknown tid gives
 * 0 entries.
 */
int thread_walk(const struct thread_ctx *ctx, uint32_t tid, struct thread_entry *out,
		size_t cap, size_t *total);

#define THREAD_ROW_PEOPLE 4
#define THREAD_ROW_LABELS 16

/* The summary line of a thread, built from what the context holds. */
struct thread_row {
	uint32_t tid;
	uint32_t n_msgs;     /* messages (pending ones included) */
	uint32_t n_unread;   /* known messages without \Seen */
	uint32_t n_pending;  /* THREAD_SERVER: messages without an envelope yet */
	bool flagged;        /* some message has \Flagged */
	int64_t newest_date; /* date of the newest message (0 when unknown) */
	uint64_t newest_key;
	const char *subject; /* of the first message shown (the root, or the first under a dummy);
	                        never NULL */
	/* The first sender, then the last few other distinct senders, oldest first; a name when the
	 * sender gave one, else the address. people_more: distinct senders left out. */
	size_t n_people;
	const char *people[THREAD_ROW_PEOPLE];
	bool people_more;
	/* Union of the messages' labels, sorted bytewise; the first THREAD_ROW_LABELS of them. */
	size_t n_labels;
	const char *labels[THREAD_ROW_LABELS];
	bool labels_more;
};
/* Fills *row for thread tid (allocates nothing). Returns false for an unknown tid. */
bool thread_row(const struct thread_ctx *ctx, uint32_t tid, struct thread_row *row);

/* Bytes the context holds, for benchmarks (structures, tables and string arena separately). */
void thread_mem_usage(const struct thread_ctx *ctx, size_t *structs, size_t *strings);

/*
 * RFC 5256 §2.1 base subject of a decoded subject, as used for grouping (ASCII letters keep
 * their case here; grouping folds them). Writes at most cap-1 bytes and a NUL into out; returns
 * the length written. *is_reply (may be NULL) is set when a Re:/Fwd:-like prefix, "(fwd)"
 * trailer or "[fwd: ...]" wrapper was removed.
 */
size_t thread_base_subject(const char *subject, char *out, size_t cap, bool *is_reply);

#endif
