/*
 * ops — every command of an IMAP client (RFC 3501 / 9051 and the extensions skua uses:
 * CONDSTORE, QRESYNC, UIDPLUS, MOVE, ESEARCH, LIST-EXTENDED, LIST-STATUS, SPECIAL-USE, UNSELECT,
 * ID, ENABLE, NAMESPACE, UTF8=ACCEPT, X-GM-EXT-1) as asynchronous calls on a session
 * (src/imap/session.h). Built on the encoders (encode.h, search.h, seqset.h, mutf7.h).
 *
 * Calling convention:
 *  - Each op takes the session, its arguments, a typed result callback and a ctx, builds the
 *    command, submits it and returns the command id (> 0). Arguments are copied or encoded
 *    before the op returns: the caller may free them at once.
 *  - The result callback runs exactly once, from the loop (inside the session's input path),
 *    after the tagged reply — or, when the op returns 0, synchronously before it returns: the
 *    argument was refused (IMAP_OP_INVALID), the server lacks what the op needs
 *    (IMAP_OP_UNSUPPORTED), memory ran out (IMAP_OP_ERROR) or the session is closed
 *    (IMAP_OP_ABORTED). Freeing the session aborts every op: their callbacks run (ABORTED)
 *    before imap_session_free() returns.
 *  - Results are copied out of the parser's responses into the result structs below. A result
 *    and everything it points to is owned by the op and freed when the callback returns: copy
 *    what you keep (seqset_copy() for sets).
 *  - Per-message data (FETCH, STORE) is not accumulated: it arrives through a per-message
 *    callback while the command runs, then the result callback says how it ended. The message
 *    struct and everything it points to (including the parser's envelope and body structure)
 *    is valid only during that call.
 *  - imap_op_cancel() forgets an op's callbacks (use it, never imap_session_cancel(), on an op
 *    id): the command still runs and its memory is still freed when it ends.
 *  - Callbacks may submit further ops, cancel ops, and free the session.
 *  - Capabilities are looked at when an op is called (MOVE or its fallback, ESEARCH, LIST-EXTENDED,
 *    X-GM-EXT-1, ...): call ops once the session is ready (state AUTH or SELECTED). Ops that need
 *    a selected mailbox (FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE, CHECK, CLOSE, UNSELECT) end
 *    IMAP_OP_ABORTED ("no mailbox is selected") when none is at the time they would be sent.
 *  - Untagged data is also delivered to the session's own untagged callback (the model) as
 *    usual: EXISTS, EXPUNGE, VANISHED and unsolicited FETCH are the model's business; an op only
 *    copies what belongs to its result.
 *
 * Matching untagged data to ops: FETCH responses go to a FETCH / STORE op only when their UID
 * (for UID commands; a UID FETCH response always carries one) or sequence number is in the
 * op's set, so pipelined FETCHes do not steal each other's data; STATUS responses are matched
 * by mailbox name. Responses that carry no correlation (SEARCH/ESEARCH, LIST/LSUB, NAMESPACE,
 * ID, ENABLED, CAPABILITY) come from commands submitted with IMAP_CMDF_EXCLUSIVE: the session
 * keeps at most one command wanting them in flight, so they belong to the op they reach. The
 * module keeps one list of unfinished ops for imap_op_pending()/imap_op_cancel() (not
 * thread-safe; all sessions share one loop).
 *
 * Names: mailbox names and Gmail labels go in as UTF-8 and come out as UTF-8 (modified UTF-7 on
 * the wire unless UTF8=ACCEPT is enabled); results also give the raw bytes the server sent.
 * Gmail system labels stay backslash atoms ("\Inbox", "\Important").
 *
 * Limits: what one op accumulates is bounded (IMAP_OP_MAX_RESULT bytes, IMAP_OP_MAX_RANGES set
 * ranges); a server that sends more fails the op with IMAP_OP_ERROR, it never grows without
 * bound.
 */
#ifndef SKUA_IMAP_OPS_H
#define SKUA_IMAP_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imap/response.h"
#include "imap/session.h"

struct seqset;
struct imap_search;

#define IMAP_OP_MAX_RESULT ((size_t)64 << 20)
#define IMAP_OP_MAX_RANGES ((size_t)4 << 20)

/* ---- common -------------------------------------------------------------------------------- */

enum imap_op_status {
	IMAP_OP_OK = 0,
	IMAP_OP_NO,          /* the server refused: message is its text, code its response code */
	IMAP_OP_BAD,         /* the server rejected the command */
	IMAP_OP_ABORTED,     /* no reply: connection lost, session closed or freed */
	IMAP_OP_TIMEOUT,     /* no reply in time (the session then closes the connection) */
	IMAP_OP_INVALID,     /* not sent: a bad argument (not UTF-8, empty set, bad flag, ...) */
	IMAP_OP_UNSUPPORTED, /* not sent: the server does not offer what the op needs */
	IMAP_OP_ERROR,       /* local failure: out of memory, or the server sent past a limit */
};

const char *imap_op_status_name(enum imap_op_status st);

/* Embedded first in every result. */
struct imap_op_result {
	enum imap_op_status status;
	enum imap_code_kind code; /* the tagged reply's response code (TRYCREATE, NONEXISTENT...) */
	const char *message;      /* never NULL: the server's text, or why the op failed */
	uint32_t id;              /* the id the op returned (0 when it failed before sending) */
};

typedef void (*imap_op_cb)(void *ctx, const struct imap_op_result *r);

/* Flags as copied out of a response. */
struct imap_op_flags {
	uint32_t sys;             /* enum imap_sysflag bits */
	size_t n;
	const char *const *v;     /* every flag as sent ("\Seen", "$Forwarded") */
};

/* Forget op `id`'s callbacks (no-op if it has ended). The command still runs to its end. */
void imap_op_cancel(struct imap_session *s, uint32_t id);
/* Unfinished ops on s (all sessions when s is NULL). */
size_t imap_op_pending(const struct imap_session *s);

/* ---- server ------------------------------------------------------------------------------- */
/* CAPABILITY (the session also keeps them: imap_session_has_cap()); LOGOUT and STARTTLS are the
 * session's (imap_session_logout(), imap_session_opts.tls); IDLE too (imap_session_opts.idle). */

struct imap_strings_result {
	struct imap_op_result op;
	size_t n;
	const char *const *v;
};
typedef void (*imap_strings_cb)(void *ctx, const struct imap_strings_result *r);

uint32_t imap_op_noop(struct imap_session *s, imap_op_cb cb, void *ctx);
uint32_t imap_op_capability(struct imap_session *s, imap_strings_cb cb, void *ctx);
/* ENABLE ext... (RFC 5161); the result lists what the server reported ENABLED. */
uint32_t imap_op_enable(struct imap_session *s, const char *const *exts, size_t n,
			imap_strings_cb cb, void *ctx);

/* ID (RFC 2971): fields are key/value pairs, fields[2i] the key, fields[2i+1] the value (NULL
 * value = NIL); fields == NULL sends "ID NIL". The result holds the server's pairs. */
struct imap_id_result {
	struct imap_op_result op;
	bool nil;
	size_t n;
	const char *const *keys;
	const char *const *values; /* NULL for NIL */
};
typedef void (*imap_id_cb)(void *ctx, const struct imap_id_result *r);
uint32_t imap_op_id(struct imap_session *s, const char *const *fields, size_t n_pairs,
		    imap_id_cb cb, void *ctx);

/* NAMESPACE (RFC 2342). */
struct imap_namespace {
	const char *prefix;     /* UTF-8 */
	const char *raw;        /* as sent */
	char delim;             /* '\0' for NIL */
};
struct imap_namespace_list {
	size_t n;
	const struct imap_namespace *v;
};
struct imap_namespace_result {
	struct imap_op_result op;
	struct imap_namespace_list personal, other, shared;
};
typedef void (*imap_namespace_cb)(void *ctx, const struct imap_namespace_result *r);
uint32_t imap_op_namespace(struct imap_session *s, imap_namespace_cb cb, void *ctx);

/* ---- mailboxes ---------------------------------------------------------------------------- */

/* SELECT / EXAMINE parameters; NULL = none. */
struct imap_select_opts {
	bool condstore;                  /* "(CONDSTORE)": needs CONDSTORE offered */
	bool qresync;                    /* "(QRESYNC (...))": needs QRESYNC enabled */
	uint32_t uidvalidity;            /* QRESYNC: the UIDVALIDITY known */
	uint64_t modseq;                 /* QRESYNC: the HIGHESTMODSEQ known */
	const struct seqset *known_uids; /* QRESYNC: optional */
	/* QRESYNC sequence match data, optional: both or neither, the same number of each */
	const struct seqset *match_seqs, *match_uids;
};

enum imap_select_item {
	IMAP_SEL_EXISTS = 1u << 0,
	IMAP_SEL_RECENT = 1u << 1,
	IMAP_SEL_UIDVALIDITY = 1u << 2,
	IMAP_SEL_UIDNEXT = 1u << 3,
	IMAP_SEL_UNSEEN = 1u << 4,
	IMAP_SEL_HIGHESTMODSEQ = 1u << 5,
	IMAP_SEL_NOMODSEQ = 1u << 6,
	IMAP_SEL_FLAGS = 1u << 7,
	IMAP_SEL_PERMANENTFLAGS = 1u << 8,
};

struct imap_select_result {
	struct imap_op_result op;
	const char *mailbox;             /* UTF-8, as asked */
	uint32_t present;                /* enum imap_select_item bits */
	uint32_t exists, recent, uidvalidity, uidnext, unseen;
	uint64_t highestmodseq;
	struct imap_op_flags flags, permanentflags;
	bool read_only;                  /* [READ-ONLY] (always for EXAMINE) */
	const struct seqset *vanished;   /* QRESYNC VANISHED (EARLIER) UIDs; empty if none */
	uint32_t n_fetch;                /* FETCH responses (QRESYNC changes) seen meanwhile */
};
typedef void (*imap_select_cb)(void *ctx, const struct imap_select_result *r);

uint32_t imap_op_select(struct imap_session *s, const char *mailbox,
			const struct imap_select_opts *o, imap_select_cb cb, void *ctx);
uint32_t imap_op_examine(struct imap_session *s, const char *mailbox,
			 const struct imap_select_opts *o, imap_select_cb cb, void *ctx);
/* CLOSE (expunges \Deleted silently), UNSELECT (RFC 3691; does not), CHECK. */
uint32_t imap_op_close(struct imap_session *s, imap_op_cb cb, void *ctx);
uint32_t imap_op_unselect(struct imap_session *s, imap_op_cb cb, void *ctx);
uint32_t imap_op_check(struct imap_session *s, imap_op_cb cb, void *ctx);

uint32_t imap_op_create(struct imap_session *s, const char *mailbox, imap_op_cb cb, void *ctx);
uint32_t imap_op_delete(struct imap_session *s, const char *mailbox, imap_op_cb cb, void *ctx);
uint32_t imap_op_rename(struct imap_session *s, const char *from, const char *to, imap_op_cb cb,
			void *ctx);
uint32_t imap_op_subscribe(struct imap_session *s, const char *mailbox, imap_op_cb cb,
			   void *ctx);
uint32_t imap_op_unsubscribe(struct imap_session *s, const char *mailbox, imap_op_cb cb,
			     void *ctx);

/* STATUS items are enum imap_status_item bits (response.h). */
struct imap_mailbox_status {
	uint32_t present;                /* enum imap_status_item bits */
	uint32_t messages, recent, uidnext, uidvalidity, unseen, deleted;
	uint64_t highestmodseq, size, appendlimit;
};

struct imap_status_result {
	struct imap_op_result op;
	const char *mailbox;             /* UTF-8, as asked */
	struct imap_mailbox_status st;
};
typedef void (*imap_status_cb)(void *ctx, const struct imap_status_result *r);
uint32_t imap_op_status(struct imap_session *s, const char *mailbox, uint32_t items,
			imap_status_cb cb, void *ctx);

/* LIST (RFC 3501, LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819). */
enum imap_list_select {
	IMAP_LIST_SEL_SUBSCRIBED = 1u << 0,     /* needs LIST-EXTENDED */
	IMAP_LIST_SEL_REMOTE = 1u << 1,         /* needs LIST-EXTENDED */
	IMAP_LIST_SEL_RECURSIVEMATCH = 1u << 2, /* needs LIST-EXTENDED */
	IMAP_LIST_SEL_SPECIAL_USE = 1u << 3,    /* only special-use mailboxes; without
						   LIST-EXTENDED the LIST is filtered here */
};
enum imap_list_return {
	IMAP_LIST_RET_SUBSCRIBED = 1u << 0,
	IMAP_LIST_RET_CHILDREN = 1u << 1,
	IMAP_LIST_RET_SPECIAL_USE = 1u << 2,
};
struct imap_list_opts {
	unsigned select;       /* enum imap_list_select */
	unsigned ret;          /* enum imap_list_return; dropped without LIST-EXTENDED */
	uint32_t status;       /* enum imap_status_item bits: RETURN (STATUS (...)) when LIST-STATUS
				  is offered; otherwise entries have no status */
};

struct imap_list_entry {
	const char *name;      /* UTF-8 (undecodable modified UTF-7 shows U+FFFD) */
	const char *raw;       /* as sent */
	char delim;            /* '\0' for NIL */
	uint32_t attr;         /* enum imap_mbox_attr bits */
	size_t n_attrs;
	const char *const *attrs; /* every attribute as sent */
	bool has_status;       /* LIST-STATUS data came for it */
	struct imap_mailbox_status status;
};

struct imap_list_result {
	struct imap_op_result op;
	size_t n;
	const struct imap_list_entry *v; /* in the server's order */
};
typedef void (*imap_list_cb)(void *ctx, const struct imap_list_result *r);

/* ref and pattern are UTF-8 ("%" and "*" are wildcards); o may be NULL. */
uint32_t imap_op_list(struct imap_session *s, const char *ref, const char *pattern,
		      const struct imap_list_opts *o, imap_list_cb cb, void *ctx);
uint32_t imap_op_lsub(struct imap_session *s, const char *ref, const char *pattern,
		      imap_list_cb cb, void *ctx);

/* APPEND; o may be NULL. The message is copied (NUL bytes cannot be carried). */
struct imap_append_opts {
	const char *const *flags;
	size_t n_flags;
	bool has_date;
	int64_t date;          /* internal date, UTC seconds */
	int tz_minutes;        /* zone it is shown in, e.g. +60 */
};
struct imap_append_result {
	struct imap_op_result op;
	bool has_uid;          /* APPENDUID came (UIDPLUS) */
	uint32_t uidvalidity, uid;
};
typedef void (*imap_append_cb)(void *ctx, const struct imap_append_result *r);
uint32_t imap_op_append(struct imap_session *s, const char *mailbox, const void *msg, size_t len,
			const struct imap_append_opts *o, imap_append_cb cb, void *ctx);

/* EXPUNGE, and UID EXPUNGE uids (UIDPLUS). */
struct imap_expunge_result {
	struct imap_op_result op;
	size_t n;                        /* EXPUNGE responses */
	const uint32_t *seqs;            /* their sequence numbers, in order */
	const struct seqset *vanished;   /* VANISHED UIDs (QRESYNC) */
};
typedef void (*imap_expunge_cb)(void *ctx, const struct imap_expunge_result *r);
uint32_t imap_op_expunge(struct imap_session *s, imap_expunge_cb cb, void *ctx);
uint32_t imap_op_uid_expunge(struct imap_session *s, const struct seqset *uids,
			     imap_expunge_cb cb, void *ctx);

/* ---- messages: SEARCH --------------------------------------------------------------------- */

enum imap_search_return {
	IMAP_SEARCH_RET_MIN = 1u << 0,
	IMAP_SEARCH_RET_MAX = 1u << 1,
	IMAP_SEARCH_RET_COUNT = 1u << 2,
	IMAP_SEARCH_RET_ALL = 1u << 3,
};
struct imap_search_opts {
	bool uid;              /* UID SEARCH */
	unsigned ret;          /* enum imap_search_return: "RETURN (...)" when ESEARCH is offered;
				  0 = a plain SEARCH. Without ESEARCH the result is the same,
				  computed here. */
};
struct imap_search_result {
	struct imap_op_result op;
	bool esearch;          /* the server answered with ESEARCH */
	uint32_t present;      /* enum imap_esearch_item bits (MIN MAX COUNT ALL, MODSEQ) */
	uint32_t min, max, count;
	const struct seqset *all;        /* the matches (UIDs or sequence numbers), ascending */
	uint64_t modseq;       /* CONDSTORE: highest mod-sequence of the matches */
};
typedef void (*imap_search_cb)(void *ctx, const struct imap_search_result *r);
/* q is only read (encoded before return); CHARSET UTF-8 is added when a string needs it. */
uint32_t imap_op_search(struct imap_session *s, const struct imap_search *q,
			const struct imap_search_opts *o, imap_search_cb cb, void *ctx);

/* ---- messages: FETCH ---------------------------------------------------------------------- */

enum imap_fetch_want {
	IMAP_FW_UID = 1u << 0,
	IMAP_FW_FLAGS = 1u << 1,
	IMAP_FW_INTERNALDATE = 1u << 2,
	IMAP_FW_RFC822_SIZE = 1u << 3,
	IMAP_FW_ENVELOPE = 1u << 4,
	IMAP_FW_BODYSTRUCTURE = 1u << 5,
	IMAP_FW_BODY = 1u << 6,          /* simplified structure (non-extensible BODY) */
	IMAP_FW_MODSEQ = 1u << 7,        /* CONDSTORE */
	IMAP_FW_GM_MSGID = 1u << 8,      /* X-GM-EXT-1 */
	IMAP_FW_GM_THRID = 1u << 9,
	IMAP_FW_GM_LABELS = 1u << 10,
	IMAP_FW_RFC822 = 1u << 11,       /* whole message (sets \Seen); prefer a section with peek */
	IMAP_FW_RFC822_HEADER = 1u << 12,
	IMAP_FW_RFC822_TEXT = 1u << 13,  /* sets \Seen */
	/* macros (RFC 3501): sent as the macro when alone, else expanded */
	IMAP_FW_FAST = 1u << 14,         /* FLAGS INTERNALDATE RFC822.SIZE */
	IMAP_FW_ALL = 1u << 15,          /* FAST + ENVELOPE */
	IMAP_FW_FULL = 1u << 16,         /* ALL + BODY */
};

/* BODY[<part>.<text>]<origin.length> or BINARY[<part>]. */
struct imap_fetch_section {
	const char *part;                /* "1.2"; NULL or "" for the whole message */
	enum imap_section_text text;     /* NONE, HEADER, HEADER_FIELDS(_NOT), TEXT, MIME */
	const char *const *fields;       /* HEADER.FIELDS(.NOT) names */
	size_t n_fields;
	bool peek;                       /* BODY.PEEK / BINARY.PEEK: leave \Seen alone */
	bool binary;                     /* BINARY[part] (RFC 3516): decoded content */
	bool partial;                    /* <origin.length> */
	uint32_t origin, length;
};

struct imap_fetch_spec {
	uint32_t want;                   /* enum imap_fetch_want bits */
	size_t n_sections;
	const struct imap_fetch_section *sections;
	uint64_t changedsince;           /* CONDSTORE (CHANGEDSINCE n); 0 = none */
	bool vanished;                   /* QRESYNC (VANISHED): UID FETCH with changedsince only */
};

/* One section's data in a message. */
struct imap_fetch_part {
	size_t index;                    /* the spec section it answers; SIZE_MAX for RFC822* items
					    and sections not asked for */
	enum imap_section_item item;     /* BODY, BINARY, RFC822, ... */
	const char *spec;                /* text between the brackets as sent back; NULL for RFC822* */
	bool has_origin;
	uint32_t origin;
	const char *data;                /* inline bytes (may contain NUL); NULL when NIL or streamed */
	size_t len;
	bool streamed;                   /* the bytes went to the chunk callback */
	uint64_t size;                   /* data length (streamed: the literal's size) */
};

struct imap_fetch_msg {
	uint32_t seq, uid;               /* uid 0 when not in the response */
	uint32_t present;                /* enum imap_fetch_item bits (response.h) */
	struct imap_op_flags flags;
	time_t internaldate;             /* -1 if it did not parse */
	const char *internaldate_raw;
	uint32_t size;                   /* RFC822.SIZE */
	const struct imap_envelope *envelope;        /* the parser's, valid during the call */
	const struct imap_body *bodystructure, *body;
	uint64_t modseq, gm_msgid, gm_thrid;
	size_t n_labels;
	const char *const *labels;       /* X-GM-LABELS, UTF-8; system labels as "\Inbox" */
	size_t n_parts;
	const struct imap_fetch_part *parts;
};

/* A piece of a large section literal, streamed before its message's msg() call. Pieces of one
 * literal arrive in order and cover [0, size). */
struct imap_fetch_chunk {
	uint32_t seq, uid;               /* uid 0 unless UID came earlier in the response */
	size_t index;                    /* as in struct imap_fetch_part */
	enum imap_section_item item;
	uint64_t offset, size;
	const char *data;
	size_t len;
};

struct imap_fetch_result {
	struct imap_op_result op;
	uint32_t n_msgs;                 /* messages delivered to msg() */
	const struct seqset *vanished;   /* QRESYNC VANISHED (EARLIER) UIDs; empty if none */
};

struct imap_fetch_callbacks {
	/* One message (may be NULL). */
	void (*msg)(void *ctx, const struct imap_fetch_msg *m);
	/* Streamed literal bytes (may be NULL: they are dropped). Return non-zero to stop: the
	 * connection is then closed (the parser cannot skip the rest). */
	int (*chunk)(void *ctx, const struct imap_fetch_chunk *c);
	/* The end (required). */
	void (*done)(void *ctx, const struct imap_fetch_result *r);
};

/* FETCH set spec, or UID FETCH when uid. UID is always asked for, except that a macro (ALL, FAST,
 * FULL) asked for alone is sent alone ("FETCH 1:5 ALL"; UID FETCH returns UIDs anyway). cb is
 * copied. A set holding "*" takes every FETCH response while the op runs. */
uint32_t imap_op_fetch(struct imap_session *s, bool uid, const struct seqset *set,
		       const struct imap_fetch_spec *spec, const struct imap_fetch_callbacks *cb,
		       void *ctx);

/* ---- messages: STORE, COPY, MOVE ---------------------------------------------------------- */

enum imap_store_mode {
	IMAP_STORE_SET,        /* FLAGS / X-GM-LABELS */
	IMAP_STORE_ADD,        /* +FLAGS / +X-GM-LABELS */
	IMAP_STORE_REMOVE,     /* -FLAGS / -X-GM-LABELS */
};
struct imap_store_opts {
	bool uid;              /* UID STORE */
	enum imap_store_mode mode;
	bool silent;           /* .SILENT: no FETCH back (the server may still send some) */
	bool has_unchangedsince;
	uint64_t unchangedsince; /* CONDSTORE (UNCHANGEDSINCE n) */
};
struct imap_store_result {
	struct imap_op_result op;
	uint32_t n_msgs;                 /* FETCH responses delivered to msg() */
	const struct seqset *modified;   /* [MODIFIED set]: not stored (UNCHANGEDSINCE) */
};
typedef void (*imap_store_cb)(void *ctx, const struct imap_store_result *r);
typedef void (*imap_fetch_msg_cb)(void *ctx, const struct imap_fetch_msg *m);

/* STORE flags: msg (may be NULL) gets each FETCH with the new flags. */
uint32_t imap_op_store(struct imap_session *s, const struct seqset *set,
		       const struct imap_store_opts *o, const char *const *flags, size_t n,
		       imap_fetch_msg_cb msg, imap_store_cb done, void *ctx);
/* Gmail: STORE X-GM-LABELS; labels are UTF-8 or system labels ("\Inbox"). Needs X-GM-EXT-1. */
uint32_t imap_op_store_labels(struct imap_session *s, const struct seqset *set,
			      const struct imap_store_opts *o, const char *const *labels,
			      size_t n, imap_fetch_msg_cb msg, imap_store_cb done, void *ctx);

struct imap_copy_result {
	struct imap_op_result op;
	bool has_copyuid;                /* COPYUID came (UIDPLUS) */
	uint32_t uidvalidity;            /* of the destination */
	const struct seqset *src, *dst;  /* paired by position (unordered sets: iterate both) */
	bool used_move;                  /* MOVE: the server's MOVE was used */
	bool expunged;                   /* MOVE: the sources are gone from this mailbox */
};
typedef void (*imap_copy_cb)(void *ctx, const struct imap_copy_result *r);

uint32_t imap_op_copy(struct imap_session *s, bool uid, const struct seqset *set,
		      const char *mailbox, imap_copy_cb cb, void *ctx);
/* MOVE (RFC 6851) when offered; else COPY, then STORE +FLAGS.SILENT (\Deleted), then UID
 * EXPUNGE of exactly those UIDs (UIDPLUS). Without UIDPLUS the sources are left marked \Deleted
 * (expunged == false): a plain EXPUNGE would remove other messages too. A failure after the
 * COPY reports the COPYUID it got and the failing step's status. */
uint32_t imap_op_move(struct imap_session *s, bool uid, const struct seqset *set,
		      const char *mailbox, imap_copy_cb cb, void *ctx);

#endif
