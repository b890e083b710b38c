/* API STABLE */
/*
 * cache — one SQLite file per account: mailbox state, message rows (flags, Gmail ids and labels,
 * envelope fields for list rows, body structure), small body parts, and the durable action
 * journal that triage writes before it sends anything.
 *
 * The file
 *  - $XDG_CACHE_HOME/skua/<account>.sqlite (XDG_CACHE_HOME unset, empty or relative:
 *    $HOME/.cache/skua). Directories we create are 0700, the file (and SQLite's -wal/-shm, which
 *    copy its mode) 0600. The file name comes from the config name alone: a name of 1..64 bytes
 *    of [A-Za-z0-9._@-] not starting with '.' is used as it is; any other name becomes
 *    "+<hex of SHA-256(name)>.sqlite". No server string (mailbox, label, UID text) ever becomes
 *    part of a path: they are stored as data only.
 *  - Opening checks the file: not a regular file, not SQLite, another application_id
 *    (CACHE_APPLICATION_ID), a failed PRAGMA quick_check (of the whole file up to 8 MiB; past
 *    that, of the journal, meta and mailbox tables: a whole check costs 60 ms per 100,000
 *    messages), or a journal schema newer than this program knows => the file (and its WAL) is
 *    renamed to "<file>.corrupt-<unix time>" — left unmodified for a human to look at — and a
 *    new one is made. Damage met later (SQLITE_CORRUPT from any statement) fails that call with
 *    CACHE_ERROR; the next call moves the file aside the same way and goes on with a new one.
 *    Either way the pending journal entries that can still be read are copied into the new
 *    file (same ids, seqs and claims). A cache schema (PRAGMA user_version) other than ours =>
 *    the cache tables are dropped and rebuilt; the journal table is migrated, never dropped.
 *  - When another process moved the file aside (or it was deleted), every handle notices at its
 *    next call (one stat(2) per call), reopens the path and copies its pending entries over.
 *  - Concurrency: WAL mode; every write is one BEGIN IMMEDIATE transaction; busy_timeout is
 *    short (opts.busy_ms, default 50 ms) so the UI never waits long: a write that meets another
 *    process's lock returns CACHE_BUSY and changes nothing — the caller retries later or drops it
 *    (cache rows can always be fetched again). Keep batches to about 1,000 rows so a
 *    transaction holds the lock for milliseconds. Several skua processes on one account are safe.
 *
 * Errors and degrading
 *  - Functions return enum cache_result. An SQLite failure that is neither "busy" nor damage
 *    (disk full, I/O error, read-only file) is reported (CACHE_ERROR, the text in cache_error(),
 *    and opts.log) and the handle degrades to "no cache": every later call returns
 *    CACHE_DISABLED at once. The program goes on without a cache; it never crashes or aborts.
 *  - cache_open() returns NULL only when memory runs out; a cache that could not be opened at all
 *    is a handle in the disabled state (cache_usable() false, cache_error() says why).
 *
 * Memory: the handle owns everything it hands out. Strings and arrays passed to callbacks are
 * valid only during that callback. Inputs are copied (or written) before a call returns.
 * Callbacks must not call back into the same handle. A handle belongs to one thread and one
 * process: open another one after fork(). opts.dir is used during cache_open() only.
 *
 * Hostile data: every string is stored as bytes (SQLite BLOB/TEXT bound with lengths), never
 * interpreted. Stored strings are cut to CACHE_MAX_FIELD bytes (decoded text on a UTF-8
 * character boundary), lists to CACHE_MAX_LIST entries; a body part over opts.part_max is
 * refused (CACHE_TOO_BIG).
 *
 * Mailboxes are named by a key string: the name as the model keeps it — by convention the raw
 * bytes the server sent (struct imap_list_entry.raw). Any bytes but NUL; "/", "..", 8-bit are
 * data. Message functions take (mailbox, uidvalidity): rows are kept only for the UIDVALIDITY
 * stored with the mailbox, see cache_mailbox_check_uidvalidity().
 *
 * The journal (durable actions; see the block before cache_journal_add()).
 */
#ifndef SKUA_MAIL_CACHE_H
#define SKUA_MAIL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap/response.h"

struct seqset;
struct mime_tree;
struct mime_limits;

/* 'skua' in ASCII: PRAGMA application_id of every skua cache file. */
#define CACHE_APPLICATION_ID 0x736b7561
#define CACHE_DEFAULT_PART_MAX ((size_t)256 << 10)
#define CACHE_DEFAULT_BODY_BUDGET ((uint64_t)64 << 20)
#define CACHE_DEFAULT_BUSY_MS 50
#define CACHE_DEFAULT_JOURNAL_BUSY_MS 250
#define CACHE_MAX_FIELD 4096   /* bytes per stored string (references: 4x) */
#define CACHE_MAX_LIST 256     /* labels / keywords / journal arguments per entry */
#define CACHE_ACCOUNT_MAX 64   /* longest config name used verbatim in the file name */

enum cache_result {
	CACHE_OK = 0,
	CACHE_NOTFOUND = 1,  /* nothing stored under that key */
	CACHE_DROPPED = 2,   /* cache_mailbox_check_uidvalidity(): it changed, the rows are gone */
	CACHE_BUSY = -1,     /* another process holds the write lock: nothing changed, retry later */
	CACHE_CONFLICT = -2, /* journal entry claimed by another live process; group already
				undone; message write for a UIDVALIDITY other than the stored one */
	CACHE_INVALID = -3,  /* bad argument (NULL, empty name, NUL in a name, uid 0, ...) */
	CACHE_TOO_BIG = -4,  /* body part larger than opts.part_max */
	CACHE_NOMEM = -5,
	CACHE_ERROR = -6,    /* SQLite failed: see cache_error(); the handle is now disabled */
	CACHE_DISABLED = -7, /* no cache (open failed, or an earlier error disabled it) */
};

const char *cache_result_name(enum cache_result r);

struct cache_opts {
	const char *dir;          /* directory of the file; NULL = the XDG default above */
	size_t part_max;          /* largest body part kept; 0 = CACHE_DEFAULT_PART_MAX */
	uint64_t body_budget;     /* bytes of body parts in the file, LRU evicted past it;
				     0 = CACHE_DEFAULT_BODY_BUDGET */
	int busy_ms;              /* busy_timeout for cache writes; 0 = CACHE_DEFAULT_BUSY_MS */
	int journal_busy_ms;      /* busy_timeout for journal writes (a lost action costs more
				     than a short wait); 0 = CACHE_DEFAULT_JOURNAL_BUSY_MS */
	/* Told about errors and files moved aside (may be NULL). msg is valid during the call. */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

struct cache;

/* account: the config name. o may be NULL. NULL only when out of memory. */
struct cache *cache_open(const char *account, const struct cache_opts *o);
/* Releases this handle's journal claims, closes the file; NULL-safe, NULLs the pointer. */
void cache_close(struct cache **c);
bool cache_usable(const struct cache *c);
/* The last error's text ("" if none); owned by the handle. */
const char *cache_error(const struct cache *c);
/* Path of the file (valid while the handle lives). */
const char *cache_path(const struct cache *c);
/* Writes the file name for account (no directory) into out; false when outsz is too small. */
bool cache_file_name(const char *account, char *out, size_t outsz);

/* ---- mailboxes ---------------------------------------------------------------------------- */

struct cache_mailbox {
	const char *name;         /* the key (see above) */
	const char *name_utf8;    /* display form; NULL = unknown */
	char delim;               /* hierarchy delimiter, '\0' for none */
	uint32_t attr;            /* enum imap_mbox_attr bits (special use, \Noselect...) */
	uint32_t uidvalidity;     /* 0 = unknown */
	uint32_t uidnext, exists, unseen;
	uint64_t highestmodseq;   /* 0 = none (no CONDSTORE) */
	int64_t last_sync;        /* unix seconds of the last full sync; 0 = never */
};

/*
 * Stores a mailbox's state (insert or replace every field). When uidvalidity is non-zero and
 * differs from a non-zero stored one, the mailbox's messages and bodies are dropped first.
 */
enum cache_result cache_mailbox_put(struct cache *c, const struct cache_mailbox *mb);
/* Fills *out (name = the name passed, name_utf8 = NULL; use cache_mailbox_list() for the
 * stored strings). CACHE_NOTFOUND when unknown. */
enum cache_result cache_mailbox_get(struct cache *c, const char *name, struct cache_mailbox *out);
/* Every stored mailbox, in name order; stop early by returning non-zero. */
typedef int (*cache_mailbox_cb)(void *ctx, const struct cache_mailbox *mb);
enum cache_result cache_mailbox_list(struct cache *c, cache_mailbox_cb cb, void *ctx);
/* Forgets a mailbox, its messages and bodies (the journal is left alone). */
enum cache_result cache_mailbox_delete(struct cache *c, const char *name);
/*
 * Call after SELECT/EXAMINE/STATUS told the UIDVALIDITY. Unknown mailbox: recorded, CACHE_OK.
 * Same value: CACHE_OK. Changed: every message row and body of the mailbox is dropped, the new
 * value stored (other state fields reset to 0), CACHE_DROPPED.
 */
enum cache_result cache_mailbox_check_uidvalidity(struct cache *c, const char *name,
						  uint32_t uidvalidity);

/* ---- messages ----------------------------------------------------------------------------- */

/* Field groups of a row. A put changes only the groups in its `have`; a row's `have` is the
 * union of every put. */
enum cache_have {
	CACHE_HAVE_FLAGS = 1u << 0,    /* flags, keywords, modseq */
	CACHE_HAVE_META = 1u << 1,     /* internaldate, size */
	CACHE_HAVE_ENVELOPE = 1u << 2, /* date .. in_reply_to */
	CACHE_HAVE_REFS = 1u << 3,     /* references */
	CACHE_HAVE_GMAIL = 1u << 4,    /* gm_msgid, gm_thrid */
	CACHE_HAVE_LABELS = 1u << 5,   /* labels */
	CACHE_HAVE_BODYSTRUCTURE = 1u << 6,
	CACHE_HAVE_XFLAGS = 1u << 7,   /* xflags */
};

struct cache_msg {
	uint32_t uid;                  /* non-zero */
	uint32_t have;                 /* enum cache_have bits */
	uint32_t flags;                /* enum imap_sysflag bits (\Recent and \* are not stored) */
	size_t n_keywords;             /* other flags ("$Forwarded"); entries starting with '\'
					  are ignored on put */
	const char *const *keywords;
	uint64_t modseq;
	uint64_t gm_msgid, gm_thrid;   /* 0 = unknown */
	size_t n_labels;               /* X-GM-LABELS as the model keeps them ("\Inbox", UTF-8) */
	const char *const *labels;
	int64_t internaldate;          /* unix seconds; -1 = unknown */
	uint32_t size;                 /* RFC822.SIZE */
	int64_t date;                  /* Date: header, unix seconds; 0 = unknown */
	const char *subject_raw;       /* as sent (RFC 2047 words kept); NULL = none */
	const char *subject;           /* decoded UTF-8 */
	const char *from_name;         /* decoded UTF-8 display name of the first From */
	const char *from_addr;         /* mailbox@host */
	const char *to;                /* summary of To, decoded UTF-8 (the model's format) */
	const char *cc;                /* summary of Cc */
	const char *message_id, *in_reply_to; /* raw header values */
	const char *references;        /* raw, unfolded or not */
	uint32_t xflags;               /* the model's own bits (has attachment, ...) */
	/* put only (reads leave it NULL): the parsed BODYSTRUCTURE, serialised with
	 * cache_bodystructure_encode(); fetch it back with cache_msg_bodystructure(). */
	const struct imap_body *bodystructure;
};

/*
 * Inserts or updates n rows in one transaction (all or nothing). CACHE_CONFLICT when the
 * mailbox's stored UIDVALIDITY is another one (an unknown mailbox is created with this one).
 * About 1,000 rows per call keep the write lock short.
 */
enum cache_result cache_msgs_put(struct cache *c, const char *mbox, uint32_t uidvalidity,
				 const struct cache_msg *v, size_t n);

/* Rows go to cb one at a time (bodystructure NULL); return non-zero to stop early. */
typedef int (*cache_msg_cb)(void *ctx, const struct cache_msg *m);

/* Newest first (highest UID first): rows [offset, offset + limit) of that order. O(offset +
 * limit); page deep with cache_msgs_below() instead. */
enum cache_result cache_msgs_newest(struct cache *c, const char *mbox, uint32_t uidvalidity,
				    uint32_t offset, uint32_t limit, cache_msg_cb cb, void *ctx);
/* Up to limit rows with UID < below (0 = no bound), highest UID first. O(limit). */
enum cache_result cache_msgs_below(struct cache *c, const char *mbox, uint32_t uidvalidity,
				   uint32_t below, uint32_t limit, cache_msg_cb cb, void *ctx);
/* Rows with lo <= UID <= hi, ascending. */
enum cache_result cache_msgs_range(struct cache *c, const char *mbox, uint32_t uidvalidity,
				   uint32_t lo, uint32_t hi, cache_msg_cb cb, void *ctx);
/* Rows whose UID is in the set, ascending ("*" = 4294967295). */
enum cache_result cache_msgs_get(struct cache *c, const char *mbox, uint32_t uidvalidity,
				 const struct seqset *uids, cache_msg_cb cb, void *ctx);
/* Rows with this X-GM-THRID in any mailbox (the conversation as far as the cache knows it), by
 * date, oldest first; cb gets each row's mailbox key too. */
typedef int (*cache_thread_cb)(void *ctx, const char *mbox, const struct cache_msg *m);
enum cache_result cache_msgs_thread(struct cache *c, uint64_t gm_thrid, cache_thread_cb cb,
				    void *ctx);

struct cache_counts {
	uint32_t total;      /* rows */
	uint32_t unseen;     /* rows with CACHE_HAVE_FLAGS and no \Seen */
	uint32_t max_uid;    /* 0 when empty */
};
/* O(rows in the mailbox): about 35 ms per 100,000 (cache_msgs_uids() about 27 ms). */
enum cache_result cache_msgs_count(struct cache *c, const char *mbox, uint32_t uidvalidity,
				   struct cache_counts *out);
/* Replaces *out with the set of cached UIDs (QRESYNC known-uids, seq <-> UID mapping). */
enum cache_result cache_msgs_uids(struct cache *c, const char *mbox, uint32_t uidvalidity,
				  struct seqset *out);

/* Flags from a FETCH: replaces flags, keywords and modseq of one row (made if missing). */
enum cache_result cache_msg_set_flags(struct cache *c, const char *mbox, uint32_t uidvalidity,
				      uint32_t uid, uint32_t flags, const char *const *keywords,
				      size_t n_keywords, uint64_t modseq);
/* Labels from a FETCH: replaces one row's labels (made if missing). */
enum cache_result cache_msg_set_labels(struct cache *c, const char *mbox, uint32_t uidvalidity,
				       uint32_t uid, const char *const *labels, size_t n);

/* A relative change (triage applied optimistically, STORE +FLAGS, ±X-GM-LABELS). */
struct cache_change {
	uint32_t flags_add, flags_remove;        /* enum imap_sysflag bits */
	const char *const *kw_add;               /* keywords */
	size_t n_kw_add;
	const char *const *kw_remove;
	size_t n_kw_remove;
	const char *const *labels_add;           /* Gmail labels */
	size_t n_labels_add;
	const char *const *labels_remove;
	size_t n_labels_remove;
};
/* Applies ch to every cached row whose UID is in the set (rows not cached are skipped). */
enum cache_result cache_msgs_change(struct cache *c, const char *mbox, uint32_t uidvalidity,
				    const struct seqset *uids, const struct cache_change *ch);
/* Drops rows (and their bodies) whose UID is in the set: EXPUNGE, VANISHED. */
enum cache_result cache_msgs_delete(struct cache *c, const char *mbox, uint32_t uidvalidity,
				    const struct seqset *uids);

/* ---- body structure and body parts --------------------------------------------------------- */

/* Serialises a parsed BODYSTRUCTURE as IMAP text (the body part of "BODYSTRUCTURE (...)",
 * strings quoted or as literals, NUL bytes dropped). -1 when out's cap is hit or the tree is
 * deeper than the parser allows. */
int cache_bodystructure_encode(const struct imap_body *b, struct buf *out);
/* Rebuilds a MIME tree from that text through the IMAP parser (so stored bytes are as untrusted
 * as the server's). NULL when it does not parse or memory runs out. lim may be NULL. */
struct mime_tree *cache_bodystructure_tree(const char *text, size_t len,
					   const struct mime_limits *lim);
/* The stored serialised structure of one message appended to out; CACHE_NOTFOUND if none. */
enum cache_result cache_msg_bodystructure(struct cache *c, const char *mbox, uint32_t uidvalidity,
					  uint32_t uid, struct buf *out);
/* The same, as a MIME tree the caller frees with mime_tree_free(). */
enum cache_result cache_msg_mime_tree(struct cache *c, const char *mbox, uint32_t uidvalidity,
				      uint32_t uid, const struct mime_limits *lim,
				      struct mime_tree **out);

/*
 * A body part's bytes as fetched (transfer-encoded, or decoded BINARY — the caller's choice,
 * keyed by its section text: "1.2", "TEXT", "1.MIME"). Parts over opts.part_max: CACHE_TOO_BIG.
 * Putting may evict the least recently used parts of any mailbox to stay under
 * opts.body_budget. The message row need not exist; parts go with their message's row on
 * delete and with their mailbox on a UIDVALIDITY change.
 */
enum cache_result cache_body_put(struct cache *c, const char *mbox, uint32_t uidvalidity,
				 uint32_t uid, const char *section, const void *data, size_t len);
/* Appends the part to out (its cap must fit it: BUF_TOO_BIG gives CACHE_TOO_BIG) and marks it
 * used. CACHE_NOTFOUND if absent. */
enum cache_result cache_body_get(struct cache *c, const char *mbox, uint32_t uidvalidity,
				 uint32_t uid, const char *section, struct buf *out);
/* Bytes of body parts stored (all mailboxes). */
enum cache_result cache_body_usage(struct cache *c, uint64_t *bytes, uint64_t *parts);

/* ---- the journal -------------------------------------------------------------------------- */
/*
 * Triage writes each action here before it sends anything:
 *
 *     cache_journal_group_new(c, "Archive", 0, &g);          one user action = one group
 *     cache_journal_add(c, &entry (group g), &id);           durable when it returns CACHE_OK
 *     ...send UID STORE/MOVE...; cache_journal_mark_sent(c, id);
 *     tagged OK: cache_journal_done(c, id, result);   NO: cache_journal_failed(c, id, reason)
 *     dropped connection: nothing (the entry stays sent); after reconnect replay it.
 *
 * After a start, reconnect or SIGHUP: cache_journal_claim_all() claims every pending or sent
 * entry no live process holds and lists them oldest first; resend each (after checking the
 * mailbox's UIDVALIDITY still equals the entry's — if not, cache_journal_failed()), then done.
 *
 * What the journal guarantees
 *  - Never lost: once cache_journal_add() returned CACHE_OK the entry is on disk; it is committed
 *    with synchronous=FULL in WAL mode (fsync of the WAL), so it survives a crash or kill -9 of
 *    the process and a power loss. Other transitions use synchronous=NORMAL: after a power loss
 *    one may be undone, which only means one more (idempotent) replay. (A file damaged on disk
 *    is the exception: its entries are saved as far as they can still be read.)
 *  - At-least-once: an entry stays pending/sent until done() or failed(); every process that
 *    claims it after its holder died sees it again. It may therefore be sent more than once
 *    (e.g. sent, OK received, crash before done()).
 *  - Never concurrently: an entry is held by at most one live handle (the process's pid and
 *    start time, and a random per-handle token, are recorded; a claim whose process is gone, or
 *    whose pid now belongs to another process, is stale and may be taken). add() claims for the
 *    adding handle; close gives its claims back. Only the holder may mark_sent/done/failed/
 *    retry an entry. Claims are per host: share no cache directory between machines.
 *  - Order: seq is account-wide and strictly increasing in commit order; listings are by seq.
 * What the caller must do for exactly-once effects: send only idempotent commands — UID STORE
 * +FLAGS/-FLAGS, +X-GM-LABELS/-X-GM-LABELS, UID MOVE/COPY only after checking the source
 * mailbox's UIDVALIDITY equals the entry's (a MOVE resent after success finds no source UIDs
 * and does nothing; a COPY may duplicate, so replay a sent COPY only after checking the
 * destination, or accept it) — and mark each entry done or failed.
 *
 * Undo: entries of one user action share a group. Done entries are kept (with the server's
 * result, e.g. COPYUID "uidvalidity dst-uids") so triage can build the inverse; it records the
 * inverse as a new group with undo_of set, which marks the old group undone in the same
 * transaction. Done and failed entries older than a day (and empty groups) are pruned at open
 * and by cache_journal_prune().
 */

enum cache_jkind {
	CACHE_J_FLAGS_ADD = 1,    /* args: flags ("\Seen", "\Flagged", keywords) */
	CACHE_J_FLAGS_REMOVE = 2,
	CACHE_J_LABELS_ADD = 3,   /* args: Gmail labels */
	CACHE_J_LABELS_REMOVE = 4,
	CACHE_J_MOVE = 5,         /* dest: destination mailbox (archive, trash, move) */
	CACHE_J_COPY = 6,
};

enum cache_jstate {
	CACHE_J_PENDING = 0,      /* written, not (known to be) sent */
	CACHE_J_SENT = 1,         /* sent at least once, no answer recorded */
	CACHE_J_DONE = 2,         /* the server said OK */
	CACHE_J_FAILED = 3,       /* the server said NO/BAD, or it can no longer apply */
};

enum cache_jclaim {
	CACHE_JCLAIM_NONE = 0,    /* nobody holds it */
	CACHE_JCLAIM_MINE = 1,    /* this handle */
	CACHE_JCLAIM_OTHER = 2,   /* another live process or handle */
	CACHE_JCLAIM_STALE = 3,   /* a process that is gone: claimable */
};

struct cache_jentry {
	int64_t id;               /* set by add */
	int64_t seq;              /* set by add */
	int64_t group;            /* undo group; 0 = none */
	int64_t created;          /* unix seconds, set by add */
	enum cache_jkind kind;
	const char *mailbox;      /* source mailbox key */
	uint32_t uidvalidity;     /* of the source mailbox when the action was taken */
	const struct seqset *uids;/* non-empty, no "*" */
	const char *uids_text;    /* listings: the set as text ("1:5,9"); ignored by add */
	size_t n_args;
	const char *const *args;  /* flag / label names (FLAGS_* and LABELS_*: at least one) */
	const char *dest;         /* MOVE/COPY destination key; NULL otherwise */
	/* listings only (ignored by add): */
	enum cache_jstate state;
	uint32_t attempts;        /* mark_sent() calls */
	const char *last_error;   /* NULL if none */
	const char *result;       /* done()'s result text, NULL if none */
	enum cache_jclaim claim;
};

/* Records an action (state pending, claimed by this handle) durably; *id set before anything
 * is sent. CACHE_BUSY after opts.journal_busy_ms: not recorded — keep it in memory and add it
 * again later, or send it without the safety net. CACHE_TOO_BIG: the UID set's text is over
 * 1 MiB (split the action). */
enum cache_result cache_journal_add(struct cache *c, const struct cache_jentry *e, int64_t *id);
/* Transitions of an entry this handle holds (CACHE_CONFLICT otherwise, CACHE_NOTFOUND if
 * gone). done() on a done entry is CACHE_OK. done() and failed() release the claim. */
enum cache_result cache_journal_mark_sent(struct cache *c, int64_t id);
enum cache_result cache_journal_done(struct cache *c, int64_t id, const char *result);
enum cache_result cache_journal_failed(struct cache *c, int64_t id, const char *reason);
/* Back to pending with a note (connection dropped before the answer); keeps the claim. */
enum cache_result cache_journal_retry(struct cache *c, int64_t id, const char *reason);

typedef int (*cache_jentry_cb)(void *ctx, const struct cache_jentry *e);
/* Every pending and sent entry, oldest first, with who holds it (does not claim). */
enum cache_result cache_journal_pending(struct cache *c, cache_jentry_cb cb, void *ctx);
/* Takes entry id for this handle: CACHE_OK (now or already ours), CACHE_CONFLICT (a live
 * process or another handle holds it), CACHE_NOTFOUND (gone, done or failed). */
enum cache_result cache_journal_claim(struct cache *c, int64_t id);
/* In one transaction claims every pending/sent entry that is unclaimed or stale, then lists
 * every pending/sent entry this handle holds, oldest first; *n (may be NULL) gets how many. */
enum cache_result cache_journal_claim_all(struct cache *c, cache_jentry_cb cb, void *ctx,
					  size_t *n);
/* Gives a claim back (another process may then replay it). */
enum cache_result cache_journal_release(struct cache *c, int64_t id);
/* One entry, any state. */
enum cache_result cache_journal_get(struct cache *c, int64_t id, cache_jentry_cb cb, void *ctx);

struct cache_jgroup {
	int64_t id;
	int64_t created;
	int64_t undo_of;          /* the group this one undoes; 0 = an ordinary action */
	bool undone;              /* a later group undid it */
	const char *desc;         /* the caller's text ("Archive 3 conversations"), may be "" */
};
/* A new group (durable like add). undo_of != 0 marks that group undone atomically:
 * CACHE_CONFLICT when it is already undone, CACHE_NOTFOUND when unknown. */
enum cache_result cache_journal_group_new(struct cache *c, const char *desc, int64_t undo_of,
					  int64_t *group);
/* The newest group that is neither undone nor an undo itself (the one `z` reverses), with its
 * desc valid until the next call on c. CACHE_NOTFOUND if none. */
enum cache_result cache_journal_last_group(struct cache *c, struct cache_jgroup *out);
/* A group's entries in seq order, any state. */
enum cache_result cache_journal_group_entries(struct cache *c, int64_t group, cache_jentry_cb cb,
					      void *ctx);
/* Deletes done and failed entries created before `before` (unix seconds) and groups left with
 * no entries that were made before it. */
enum cache_result cache_journal_prune(struct cache *c, int64_t before);

#endif
