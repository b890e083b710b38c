/* API STABLE */
/*
 * model — the mail model the UI (ui/) and triage build on: one account's connections, its folder
 * list with counts, message lists ("views") backed by a lazy message table, threads, opened
 * messages, and live updates. Everything runs on one loop (src/loop.h); nothing blocks.
 *
 * Objects and ownership
 *  - struct account: one configured account (struct config_account, borrowed: it must outlive
 *    the account). It owns up to two connections, never more than the account's max_connections:
 *    the foreground one (the mailbox the UI shows and its fetches, background fill included, at
 *    low priority; IDLE on it) and the background one (LIST and STATUS counts, Gmail
 *    conversation lookups in the \All folder, searches in other folders). With
 *    max_connections = 1 everything shares the one connection. Reconnection is automatic (with
 *    back-off); afterwards the open mailbox is selected again and its rows fetched again.
 *    account_free() frees every view of the account; messages the UI still holds stay readable
 *    (detached) until message_close().
 *  - struct view: a list of rows. view_open() = a mailbox (the account's foreground view: opening
 *    another one detaches the previous one, which keeps what it loaded but no longer fetches or
 *    follows the server until closed); view_search() = the messages matching a query;
 *    view_open_thread() = one conversation. Views are owned by the caller: view_close(&v)
 *    (NULL-safe, NULLs the pointer; cancels the view's fetches).
 *  - struct message: one opened message (headers, display text, attachments, links), owned by
 *    the caller: message_close(&m) (NULL-safe). It fetches through its view; once the view is
 *    closed it fetches nothing more (a message still loading fails) but stays readable.
 *  - Strings handed out are UTF-8, decoded (RFC 2047, charsets) but NOT sanitised: the UI must
 *    sanitise every one before display (ui/sanitize.h). Never NULL unless documented ("" when
 *    absent).
 *
 * Callbacks: the single `changed` callback given to account_new() is always called from the loop
 * (never from inside a model call the UI made, except the ones documented as "may call back"),
 * with what changed, so the UI marks only those panes dirty and redraws once per loop turn. The
 * UI may call any model function from inside `changed`, including view_close() of the view the
 * change is about, but not account_free().
 *
 * Row lifetime: a struct view_row (and the strings it points to) filled by view_row() is valid
 * until control returns to the loop or the next `changed` call, whichever comes first. Copy what
 * you keep (keep a row by its UID, not by its position).
 *
 * Laziness: opening a mailbox sends SELECT (or EXAMINE) and nothing per message. The UI tells the
 * model which rows it shows with view_want(first, count) (call it on every redraw: it is cheap
 * when nothing is missing); the model then fetches what is missing of that window first, then
 * the prefetch margin around it, then (while nothing else is in flight) fills at low priority in
 * small batches up to a bound. Missing rows are coalesced into sequence / UID sets, one
 * pipelined FETCH per batch (src/mail/fetch_sched.h). A row not fetched yet is returned with
 * loaded == false: draw a placeholder. Rows are newest first (position 0 = the highest sequence
 * number); conversations oldest first. The cost of a view follows the screen: a row nothing
 * was fetched for costs at most 64 bytes (a page of untouched rows costs a few bytes in all).
 * With a cache (account_opts.cache) a reopened mailbox shows its cached rows before the server
 * answers, then asks the server only for the UIDs and flags of the window, fills the envelopes
 * from the cache by UID and fetches the rest; fetched rows, flag and label changes and expunges
 * are written through. The cache's other rows are resynced: QRESYNC at SELECT when enabled, else
 * CONDSTORE's UID FETCH ... (CHANGEDSINCE) (only changed messages answer), else a background
 * flag resync of the cached UIDs in small batches that yield to the window (mailbox_cache.c).
 *
 * Errors: operations that fail give a state and a message in words: account_status() for the
 * connection (the status line), view_state()/view_error() for a view, message_info()->error for
 * a message. MODEL_ALERT carries server [ALERT]s and other messages the user must see.
 */
#ifndef SKUA_MAIL_MODEL_H
#define SKUA_MAIL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct config_account;
struct imap_session;
struct cache; /* src/mail/cache.h */
struct account;
struct view;
struct message;

/* ---- change notification ---------------------------------------------------------------- */

enum model_what {
	MODEL_STATUS = 1u << 0,  /* account_status() changed (connection state, error, retry) */
	MODEL_FOLDERS = 1u << 1, /* the folder list, or some folder's counts, changed */
	MODEL_ROWS = 1u << 2,    /* rows [first, first + count) of `view` changed in place */
	MODEL_COUNT = 1u << 3,   /* rows of `view` were inserted (shift > 0) or removed (shift < 0)
				    at position `first`: positions at or after `first` moved by
				    `shift` (new mail: first 0, shift +n). shift == 0: the rows were
				    regrouped or reordered (thread rows, a reselect after a
				    reconnect, a mode switch): re-read every row and view_count() */
	MODEL_VIEW = 1u << 4,    /* view_state() of `view` changed (ready, failed, detached) */
	MODEL_MESSAGE = 1u << 5, /* message_info() of `msg` changed (loaded, more text, failed) */
	MODEL_ALERT = 1u << 6,   /* `text` must be shown to the user (server [ALERT], a failure) */
};

struct model_change {
	unsigned what;        /* enum model_what bits */
	struct view *view;    /* MODEL_ROWS, MODEL_COUNT, MODEL_VIEW; else NULL */
	size_t first, count;  /* MODEL_ROWS (count may be SIZE_MAX: every row from first) */
	long shift;           /* MODEL_COUNT */
	struct message *msg;  /* MODEL_MESSAGE */
	const char *text;     /* MODEL_ALERT; valid during the call */
};

typedef void (*model_changed_fn)(void *ctx, const struct model_change *ch);

/* ---- account ------------------------------------------------------------------------------ */

struct account_opts {
	bool subscribed_only;        /* folder list: subscribed folders only (INBOX always shown) */
	bool examine;                /* open mailboxes read-only (EXAMINE) */
	bool sort;                   /* server SORT (REVERSE DATE) when offered; costs one number
					per message in the mailbox, so off by default */
	bool idle;                   /* IDLE on the foreground connection (default on) */
	unsigned prefetch;           /* rows fetched beyond each side of the window (default 50) */
	unsigned batch;              /* most rows per FETCH for the window (default 100) */
	unsigned fill_batch;         /* rows per background-fill FETCH (default 50; 0 = no fill) */
	unsigned fill_max;           /* background fill stops after this many rows per view
					(default 2000) */
	unsigned folder_refresh_ms;  /* periodic STATUS refresh of the folder list (default 300000;
					refreshed sooner when something changes) */
	struct cache *cache;         /* borrowed, may be NULL: rows are shown from it before the
					server answers and fetched rows are written through */
	/* Wire trace of both connections (conn 0 foreground, 1 background); may be NULL. */
	void (*trace)(void *ctx, int conn, char dir, const char *data, size_t len);
	void *trace_ctx;
	/* text/html display parts: this command (split on blanks into argv, run without a shell;
	   the part, decoded to UTF-8, on its stdin, the text on its stdout, within 5 s and 8 MiB;
	   else the built-in converter, and message_info()->note says why). Borrowed: it must
	   outlive the account. NULL or "" (the default): the built-in converter. The UI resolves
	   the config's choice (html2text_find_filter() for w3m / lynx). */
	const char *html_filter;
};

/* Fills *o with the defaults. */
void account_opts_init(struct account_opts *o);

/* Starts connecting at once (both connections) and lists folders when logged in. NULL with a
 * message when the account's TLS policy refuses or memory runs out. o may be NULL. */
struct account *account_new(struct loop *loop, const struct config_account *acct,
			    const struct account_opts *o, model_changed_fn changed, void *ctx,
			    char *err, size_t errlen);
/* NULL-safe; NULLs the pointer. Logs out without waiting. Not from inside `changed`. */
void account_free(struct account **a);

enum account_state {
	ACCOUNT_CONNECTING,   /* resolving, connecting, greeting (an implicit-TLS handshake too) */
	ACCOUNT_TLS,          /* STARTTLS under way */
	ACCOUNT_AUTHENTICATING,
	ACCOUNT_READY,        /* logged in, commands flowing */
	ACCOUNT_IDLE,         /* logged in, in IDLE: new mail shows up by itself */
	ACCOUNT_RECONNECTING, /* lost; retrying in retry_ms */
	ACCOUNT_AUTH_FAILED,  /* credentials refused: no retry (error says why) */
	ACCOUNT_OFFLINE,      /* gave up (TLS/policy refused, logged out) */
};

const char *account_state_name(enum account_state st); /* "connecting", "reconnecting", ... */

struct account_status {
	enum account_state state;  /* of the foreground connection */
	enum account_state bg_state;
	long retry_ms;             /* ACCOUNT_RECONNECTING: delay from when it dropped (else -1) */
	int64_t retry_at_ms;       /* ... and the loop time it retries at (loop_now_ms) */
	const char *error;         /* the last error in words, "" if none; valid until the next
				      MODEL_STATUS */
	bool gmail;                /* X-GM-EXT-1 (known once connected) */
	bool throttled;            /* the server said [THROTTLED] recently */
	bool busy;                 /* the model has work in flight (fetches, SELECT, LIST/STATUS,
				      a search, a message): a spinner; IDLE is not work */
};
void account_status(const struct account *a, struct account_status *out);
const char *account_name(const struct account *a);
/* Reconnect now instead of waiting for the back-off (both connections). */
void account_reconnect(struct account *a);

/* ---- folders ------------------------------------------------------------------------------ */

/* Roles of special folders, found by SPECIAL-USE attribute (never by name). The folder list
 * is ordered INBOX, then these in this order, then every other folder as a tree. */
enum folder_role {
	FOLDER_NORMAL = 0,
	FOLDER_INBOX,
	FOLDER_FLAGGED,   /* \Flagged: Gmail's Starred */
	FOLDER_IMPORTANT, /* \Important (Gmail) */
	FOLDER_SENT,
	FOLDER_DRAFTS,
	FOLDER_ALL,       /* \All: Gmail's All Mail */
	FOLDER_ARCHIVE,
	FOLDER_JUNK,
	FOLDER_TRASH,
};

struct folder_info {
	const char *name;      /* the full UTF-8 name, what view_open() takes */
	const char *label;     /* display text: the last component of the name */
	unsigned depth;        /* tree depth (0 for top level and special folders) */
	char delim;            /* hierarchy delimiter, '\0' for none */
	enum folder_role role;
	bool noselect;         /* a tree node only (\Noselect, or a parent the server did not
				  list): cannot be opened */
	bool subscribed;
	bool has_counts;       /* total and unread are known */
	uint32_t total, unread;
};

/* Folders in display order; i < account_folder_count(). false when out of range. The strings
 * are valid until the next MODEL_FOLDERS. */
size_t account_folder_count(const struct account *a);
bool account_folder(const struct account *a, size_t i, struct folder_info *out);
/* The name of the special folder with role r, or NULL (valid until the next MODEL_FOLDERS). */
const char *account_special_folder(const struct account *a, enum folder_role r);
/* LIST again and refresh every count now. */
void account_refresh_folders(struct account *a);
void account_set_subscribed_only(struct account *a, bool on);

/* ---- views -------------------------------------------------------------------------------- */

enum view_mode {
	VIEW_MESSAGES, /* one row per message */
	VIEW_THREADS,  /* one row per thread (Gmail X-GM-THRID; else server THREAD=REFERENCES over
			  the loaded messages, else client-side JWZ), newest activity first */
};

enum view_kind {
	VIEW_KIND_MAILBOX,
	VIEW_KIND_SEARCH,
	VIEW_KIND_THREAD, /* a conversation, oldest first */
};

enum view_state {
	VIEW_OPENING, /* SELECT / SEARCH under way: rows may come from the cache meanwhile */
	VIEW_READY,
	VIEW_FAILED,  /* view_error() says why (no such folder, search syntax, ...) */
	VIEW_DETACHED, /* another mailbox took the connection; rows loaded so far stay readable */
};

/* Opens a mailbox as the account's foreground view (may call back: MODEL_VIEW on the previous
 * foreground view, which becomes VIEW_DETACHED). NULL only when out of memory or the name is
 * not UTF-8. */
struct view *view_open(struct account *a, const char *folder, enum view_mode mode);
/*
 * A virtual view of the messages in `folder` (NULL = the foreground view's folder; on Gmail pass
 * account_special_folder(a, FOLDER_ALL) to search everything) matching `query` in Gmail's syntax:
 * sent as X-GM-RAW on Gmail, translated to SEARCH elsewhere (src/imap/search.h). A query that
 * cannot be translated gives NULL and a message in err. Rows are fetched lazily like any view,
 * newest first.
 */
struct view *view_search(struct account *a, const char *folder, const char *query,
			 enum view_mode mode, char *err, size_t errlen);
/*
 * The conversation of row `pos` of v (a thread row in VIEW_THREADS, or the message's thread in
 * VIEW_MESSAGES): on Gmail every message of its X-GM-THRID from the \All folder (your sent replies
 * included), looked up on the background connection; elsewhere the thread's loaded messages.
 * Rows oldest first with their tree depth. NULL when pos is not loaded yet.
 */
struct view *view_open_thread(struct view *v, size_t pos);
void view_close(struct view **v);

enum view_kind view_kind(const struct view *v);
enum view_state view_state(const struct view *v);
const char *view_error(const struct view *v);   /* "" unless VIEW_FAILED */
const char *view_folder(const struct view *v);  /* UTF-8 name of the folder the rows are in */
/* Switches between one row per message and one row per thread (MODEL_COUNT follows). */
void view_set_mode(struct view *v, enum view_mode mode);
enum view_mode view_mode(const struct view *v);

/* Rows there are. In VIEW_THREADS: the threads formed so far over the loaded messages; while
 * view_more() is true, asking for rows past the end loads more messages. */
size_t view_count(const struct view *v);
bool view_more(const struct view *v);
/* Messages in the view (the mailbox's EXISTS for a mailbox view). */
size_t view_messages(const struct view *v);
/* Messages whose list data (envelope, flags) has been fetched so far: with view_messages(), the
 * progress of loading for the status line. */
size_t view_loaded(const struct view *v);

/* The UI shows rows [first, first + count): fetch those first, then the prefetch margin. Cheap
 * when nothing changed; call it on every redraw (and after MODEL_COUNT: the model keeps the
 * window on the same messages when rows are inserted before it, except at the very top, where
 * new mail becomes visible). In VIEW_THREADS the window is in thread rows; the model loads the
 * newest messages until there are enough threads. Changes this call causes are not reported
 * back (the UI is drawing): read the rows after it. */
void view_want(struct view *v, size_t first, size_t count);

#define VIEW_ROW_PEOPLE 4
#define VIEW_ROW_LABELS 16

struct view_row {
	bool loaded;            /* false: nothing fetched yet; only pos (and maybe uid) are set */
	size_t pos;
	uint32_t uid;           /* messages: its UID (0 while unknown); threads: the newest one's */
	uint32_t flags;         /* enum imap_sysflag bits (src/imap/response.h); threads: SEEN
				   only when all are read, FLAGGED when any is */
	int64_t date;           /* Date header (seconds, UTC), else INTERNALDATE; 0 unknown */
	const char *subject;    /* decoded */
	const char *from;       /* sender's decoded display name, else address */
	const char *from_addr;  /* mailbox@host, "" if none */
	uint32_t size;          /* RFC822.SIZE */
	bool attachment;        /* the body structure has attachments */
	size_t n_labels;        /* X-GM-LABELS (Gmail, UTF-8, system ones as "\Inbox") or
				   keywords; threads: their union */
	const char *const *labels;
	uint64_t gm_msgid, gm_thrid; /* Gmail; 0 elsewhere */
	/* VIEW_THREADS rows */
	uint32_t n_msgs, n_unread;   /* 1 / 0-or-1 for a message row */
	size_t n_people;             /* first sender, then the last few distinct others */
	const char *people[VIEW_ROW_PEOPLE];
	bool people_more;
	/* VIEW_KIND_THREAD rows: tree drawing */
	unsigned depth;
	bool last_child;
};
/* Fills *out for row pos (< view_count()). false when out of range. See "Row lifetime". */
bool view_row(struct view *v, size_t pos, struct view_row *out);
/* The position of the message with this UID (threads: of its thread), or SIZE_MAX if it is not
 * in the view or not loaded. */
size_t view_find_uid(struct view *v, uint32_t uid);

/* ---- for triage (src/mail/triage*): optimistic changes and the connection ----------------- */
/* These change the model at once (MODEL_ROWS / MODEL_COUNT follow, synchronously) and send
 * nothing: the caller sends the command and reverts on NO. Every view of the account showing the
 * message (same folder and UID) is updated. false for an unknown or not loaded UID. */
bool view_set_flags(struct view *v, uint32_t uid, uint32_t add, uint32_t remove);
bool view_set_labels(struct view *v, uint32_t uid, const char *const *add, size_t n_add,
		     const char *const *remove, size_t n_remove);
/* Hide a row (archive, move, trash) or show it again (undo, NO). */
bool view_hide(struct view *v, uint32_t uid, bool hidden);
/* UIDVALIDITY of the view's folder (0 until selected). */
uint32_t view_uidvalidity(const struct view *v);
/* The session the view's folder is selected on (NULL while disconnected or detached). Commands
 * submitted there run in that folder; the model owns the session's untagged responses. */
struct imap_session *view_session(const struct view *v);

/* ---- messages ----------------------------------------------------------------------------- */

enum message_state { MESSAGE_LOADING, MESSAGE_READY, MESSAGE_FAILED };

struct message_attachment {
	const char *name;     /* safe file name (mime_safe_filename) */
	const char *type;     /* "image/png" */
	uint32_t size;        /* encoded octets as the server said */
	const char *section;  /* IMAP section to fetch it */
};

struct message_info {
	enum message_state state;
	const char *error;        /* MESSAGE_FAILED: why */
	uint32_t uid;
	const char *from, *to, *cc, *date, *subject; /* decoded header fields, "" when absent */
	const char *text;         /* the display text (UTF-8, LF line ends, not sanitised) */
	size_t text_len;
	bool more;                /* the part was cut: message_more() fetches the next piece */
	size_t n_attachments;
	const struct message_attachment *attachments;
	size_t n_links;           /* numbered links: [1] is links[0] */
	const char *const *links;
	const char *note;         /* "" or words for the status line (the html_filter failed and
				     the built-in converter was used, ...) */
};

/* Opens message uid of view v: fetches its structure and only the part shown (BODY.PEEK: \Seen is
 * not set; marking read is triage's job). MODEL_MESSAGE when ready or failed. NULL when out of
 * memory. */
struct message *message_open(struct view *v, uint32_t uid);
/* Valid until the next MODEL_MESSAGE for m or message_close(). */
const struct message_info *message_info(const struct message *m);
void message_more(struct message *m);
/*
 * Saves attachment i (< n_attachments) of a ready message into fd (the caller's, opened for
 * writing; a regular file: writes to it are the only I/O that is not through the loop): fetches
 * BODY.PEEK[section] on the view's session in pieces, undoes the transfer encoding (base64,
 * quoted-printable) as the bytes arrive and writes them out, never holding the part whole.
 * done(ctx, NULL) when every byte was written, done(ctx, why) otherwise (words for the user);
 * called once, from the loop — or from inside view_close() / account_free() of m's view, which
 * end the save (message_close() does not: the save goes on). The fd is not closed (on failure
 * the caller removes what was written). Returns 0, or -1 with nothing started and done() not called (no such
 * attachment, the message is not ready, the folder is not open, out of memory). Several saves
 * may run at once.
 */
int message_save_attachment(struct message *m, size_t i, int fd,
			    void (*done)(void *ctx, const char *err), void *ctx);
void message_close(struct message **m);

#endif
