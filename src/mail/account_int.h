/*
 * account_int — the model's internals shared by src/mail/account*.c, folders_net.c and
 * mailbox_*.c. Not for the UI (src/mail/model.h is its contract).
 *
 * Shape: an account has up to two connections (acct_conn: foreground 0, background 1). Each
 * connection selects at most one folder at a time, on demand of the views attached to it: the
 * newest view on a connection decides which folder it wants; a view whose folder is no longer
 * the connection's selection is detached. A view holds a row table (mailbox_table.h): sequence
 * numbers (the mailbox view) or a UID list (search results, conversations), a fetch scheduler
 * (fetch_sched.h) and, in thread mode, a thread context (thread.h).
 *
 * Re-entrancy: the UI's `changed` callback may close views. Code that emits a change and then
 * touches the view again holds a reference (view_hold()/view_release()); view_close() only
 * marks a held view dead and the last release frees it.
 */
#ifndef SKUA_MAIL_ACCOUNT_INT_H
#define SKUA_MAIL_ACCOUNT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap/connection.h"
#include "imap/ops.h"
#include "imap/seqset.h"
#include "mail/fetch_sched.h"
#include "mail/folders.h"
#include "mail/mailbox_table.h"
#include "mail/model.h"

struct loop_timer;
struct thread_ctx;
struct view_resync;
struct imap_search;
struct mime_tree;
struct mime_part;
struct msg_save;

#define ACCT_FG 0
#define ACCT_BG 1
#define ACCT_ERR_MAX 512

struct acct_conn {
	struct account *a;
	int idx;
	struct imap_connection *c;     /* NULL when a test plugs a session in */
	struct imap_session *s;        /* the current session; NULL while down */
	enum imap_session_state sstate;
	bool ready;                    /* logged in (AUTH or SELECTED) */
	enum imap_error_kind err_kind; /* of the last failure */
	long retry_ms;                 /* -1: no retry scheduled */
	int64_t retry_at;
	bool down;                     /* cb->down came and no session since */
	bool ever_ready;
	/* selection */
	char *sel;                     /* folder selected or being selected (UTF-8) */
	bool selecting;
	uint32_t sel_op;
	uint32_t sel_gen;              /* bumped by every SELECT sent and every new session */
	uint32_t uidvalidity, uidnext, exists;
	uint64_t highestmodseq;        /* of the last SELECT; 0 = none (no CONDSTORE, NOMODSEQ) */
	bool read_only;
	/* flag resync (mailbox_cache.c) */
	struct view_resync *qr;        /* SELECT (QRESYNC) in flight: the changes it brings */
	bool qr_open;                  /* untagged data now belongs to the mailbox being selected */
	const struct seqset *sel_vanished; /* during on_selected: VANISHED (EARLIER), or NULL */
	uint32_t rs_gen;               /* sel_gen a view's resync was started for */
};

struct account {
	struct loop *loop;
	const struct config_account *cfg;
	struct account_opts o;
	model_changed_fn changed;
	void *changed_ctx;
	struct imap_conn_pool pool;
	struct acct_conn conn[2];
	int n_conn;                    /* 1 or 2 */
	bool gmail;
	bool throttled;
	int64_t throttled_until;
	char error[ACCT_ERR_MAX];
	struct view *views;            /* attached and detached views, newest first */
	bool freeing;
	/* folders */
	struct folder_list folders;
	bool list_busy;
	uint32_t status_busy;          /* STATUS ops in flight */
	bool folders_dirty_emit;
	struct loop_timer *t_folders;  /* periodic refresh */
	struct loop_timer *t_status;   /* debounced refresh of changed folders */
	char *status_dirty;            /* one folder whose counts changed (UTF-8), or NULL */
	bool status_all;
	/* live-update bookkeeping */
	unsigned deferred;             /* pending loop_defer() calls (for free) */
};

/* Provisional rows from the cache, shown while the server has not answered. */
struct prov {
	size_t first, n;               /* positions first .. first + n */
	struct mbx_rec **recs;
	uint32_t *uids, *flags;
	size_t count;                  /* the cached EXISTS */
};

struct batch;
struct message;

struct view {
	struct account *a;
	struct view *next, *prev;
	enum view_kind kind;
	enum view_mode mode;
	enum view_state state;
	char error[ACCT_ERR_MAX];
	int conn;                      /* ACCT_FG or ACCT_BG */
	char *folder;                  /* UTF-8 */
	char *key;                     /* cache key (the server's raw name) */
	uint32_t gen;                  /* conn->sel_gen the rows belong to; 0 = not yet */
	bool seq_table;                /* index i = sequence number i + 1 */
	bool reverse;                  /* newest first */
	struct mbx_table t;
	struct fetch_sched fs;
	uint32_t next_req;
	uint32_t uidvalidity;
	int refs;
	bool dead;                     /* closed while held */
	bool pumping, repump;
	bool sync;                     /* inside a UI call: changes are not reported back */
	struct batch *batches;
	struct message *msgs;
	struct msg_save *saves;        /* message_save_attachment() in flight (mailbox_save.c) */
	/* threads */
	struct thread_ctx *th;
	int th_kind;                   /* enum thread_mode in use */
	size_t loaded_prefix;
	bool th_emit_pending;
	uint32_t th_cmd;               /* server THREAD in flight */
	struct imap_session *th_s;
	bool th_again;
	struct thread_row *th_rows;    /* a ring of rows handed out (their label arrays) */
	/* search / conversation setup */
	struct imap_search *query;
	uint64_t gm_thrid;
	uint32_t setup_op;
	struct imap_session *setup_s;
	bool setup_done;
	/* cache */
	struct prov prov;
	bool from_cache;
	struct view_resync *rs;        /* flag resync after a reopen (mailbox_cache.c) */
	uint64_t rs_done;              /* the last resync ended well: 1 + FETCH responses it got */
	/* server sort (mailbox_sort.c) */
	bool sorted;                   /* rows follow sort_uids */
	uint32_t *sort_uids, *sort_vis;
	size_t sort_n, sort_vis_n;
	bool sort_vis_stale, sort_again;
	uint32_t sort_op, sort_cmd;
	struct imap_session *sort_s;
	/* wanted window (positions) */
	size_t want_first, want_count;
};

/* A result that may be cut (a field over its cap is kept as the prefix that fitted), or a
 * best-effort write (the cache) whose failure changes nothing for the user. */
static inline void mbx_cut(int r)
{
	(void)r;
}

/* account.c */
void acct_emit(struct account *a, const struct model_change *ch);
void acct_emit_simple(struct account *a, unsigned what, struct view *v);
void acct_alert(struct account *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct acct_conn *acct_bg(struct account *a);
bool acct_conn_usable(const struct acct_conn *c);
/* Makes sure the connection selects what its newest view wants (SELECT or EXAMINE). */
void acct_conn_update(struct acct_conn *c);
/* The cache key for a folder (raw name from the list, else modified UTF-7); malloc'd. */
char *acct_folder_key(struct account *a, const char *folder);
/* The test hooks (tests/unit): an account without connections, and plugging sessions in. */
struct account *account_new_unconnected(struct loop *loop, const struct account_opts *o,
					model_changed_fn changed, void *ctx);
void account_test_session(struct account *a, int idx, struct imap_session *s);
extern const struct imap_session_callbacks account_session_cb;
void *account_session_ctx(struct account *a, int idx);

/* folders_net.c */
void folders_refresh(struct account *a, bool relist);
void folders_changed(struct account *a, const char *folder);
void folders_set_exists(struct account *a, const char *folder, uint32_t exists);
void folders_stop(struct account *a);

/* mailbox_view.c */
struct view *view_new(struct account *a, enum view_kind kind, int conn, const char *folder,
		      enum view_mode mode);
void view_hold(struct view *v);
/* Every live view of the account, each held (the UI may close views meanwhile); release with
 * acct_views_release(). NULL (n = 0) when there are none or memory ran out. */
struct view **acct_views_hold(struct account *a, size_t *n);
void acct_views_release(struct view **vs, size_t n);
void view_release(struct view *v);
void view_set_state(struct view *v, enum view_state st, const char *error);
/* The connection selected the view's folder (again): rows are (re)built. */
void view_selected(struct view *v, const struct acct_conn *c);
void view_detach(struct view *v);
/* Every view of the account attached to connection c's selection. */
bool view_attached(const struct view *v);
void view_emit_rows(struct view *v, size_t first, size_t count);
void view_emit_count(struct view *v, size_t first, long shift);
/* Position <-> table index (SIZE_MAX: none), whatever the order (sequence, UID list, sort). */
size_t view_pos_index(struct view *v, size_t pos);
size_t view_index_pos(struct view *v, size_t idx);
/* Rows of the message order (the fetch scheduler's positions). */
size_t view_msg_count(struct view *v);

/* mailbox_fetch.c */
void view_pump(struct view *v);
void view_cancel_batches(struct view *v);
/* Forgets request marks: of request id, or every one (id 0). Returns how many were cleared. */
size_t view_clear_reqs(struct view *v, uint32_t id);
/* Fetch items for list rows on this session. */
void view_fetch_spec(const struct view *v, struct imap_session *s, struct imap_fetch_spec *spec,
		     struct imap_fetch_section *refs_sec);
/* Stores one fetched message into slot s of v (record built, flags, thread, cache). */
void view_store_msg(struct view *v, size_t idx, struct mbx_slot *s, const struct imap_fetch_msg *m);
void view_cache_put(struct view *v, const size_t *idx, size_t n);

/* mailbox_rec.c */
struct mbx_rec *mbx_rec_from_fetch(const struct imap_fetch_msg *m, bool gmail);
/* Fills a message row's loaded fields from a record and the message's flag bits. */
void mbx_rec_fill_row(struct view_row *out, const struct mbx_rec *r, uint32_t flags);
int64_t mbx_parse_date(const char *s, size_t n);
/* "Name <addr>, ..." (full=true) or "Name, addr, ..." (full=false) of an address list. */
__attribute__((warn_unused_result))
enum buf_result mbx_format_addrs(struct buf *out, const struct imap_addrlist *l, bool full);

/* mailbox_live.c */
void view_untagged(struct acct_conn *c, const struct imap_response *r);

/* mailbox_threads.c */
int view_threads_start(struct view *v);
void view_threads_stop(struct view *v);
void view_threads_add(struct view *v, const struct mbx_slot *s);
void view_threads_remove(struct view *v, uint32_t uid);
void view_threads_flags(struct view *v, const struct mbx_slot *s);
void view_threads_batch_done(struct view *v);
size_t view_threads_count(struct view *v);
bool view_threads_row(struct view *v, size_t pos, struct view_row *out);
size_t view_threads_find(struct view *v, uint32_t uid);
/* The message window to load for the thread rows the UI wants. */
void view_threads_window(struct view *v, size_t first, size_t count, size_t *mfirst,
			 size_t *mcount);

/* mailbox_search.c */
void view_setup_run(struct view *v, struct imap_session *s);

/* mailbox_message.c */
void message_view_closing(struct view *v);
/* A message of v is being fetched (or an attachment saved). */
bool message_busy(const struct view *v);
/* The view m fetches through (NULL once detached) and the part of its attachment i (NULL when
 * out of range or not loaded). */
struct view *message_view(const struct message *m);
const struct mime_part *message_attachment_part(const struct message *m, size_t i);

/* mailbox_save.c: every save of v ends (done() with an error) */
void message_saves_closing(struct view *v);

/* mailbox_sort.c */
bool view_sort_wanted(const struct view *v, const struct acct_conn *c);
void view_sort_start(struct view *v, struct acct_conn *c);
void view_sort_stop(struct view *v);
size_t view_sort_count(struct view *v);
size_t view_sort_index(struct view *v, size_t pos);
size_t view_sort_pos(struct view *v, size_t idx);
void view_sort_hidden_changed(struct view *v);
void view_sort_expunged(struct view *v, uint32_t uid);

/* mailbox_cache.c */
void view_cache_open(struct view *v);
void view_cache_selected(struct view *v, struct acct_conn *c);
/* Flag resync (see the block in mailbox_cache.c). SELECT parameters for v's folder on c
 * (CONDSTORE, or QRESYNC with what the cache knows); untagged data while that SELECT runs;
 * forgetting a connection's SELECT-time state; the background batches (true when one was sent:
 * called from view_pump() when nothing else of the view is in flight); stopping it. */
void view_cache_select_opts(struct view *v, struct acct_conn *c, struct imap_select_opts *so);
void view_cache_qr_untagged(struct acct_conn *c, const struct imap_response *r);
void view_cache_conn_reset(struct acct_conn *c);
bool view_cache_resync_pump(struct view *v);
void view_cache_resync_stop(struct view *v);
bool view_cache_row(struct view *v, size_t pos, struct view_row *out);
void view_cache_prov_load(struct view *v, size_t first, size_t count);
void view_cache_prov_free(struct view *v);
void view_cache_flags(struct view *v, const struct mbx_slot *s);
void view_cache_labels(struct view *v, const struct mbx_slot *s);
void view_cache_expunged(struct view *v, uint32_t uid);
/* Records for the slots with UIDs among idx[0..n) from the cache; returns how many were
 * filled (the rest must be fetched). */
size_t view_cache_fill(struct view *v, const size_t *idx, size_t n);

#endif
