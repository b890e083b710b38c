/*
 * triage_int — what src/mail/triage*.c share. Not for anyone else.
 *
 *  triage.c        the public calls: actions to journal entries, optimistic changes, undo.
 *  triage_send.c   the queue: where each entry goes (a view's session, else triage's own
 *                  connection), sending in journal order, answers, UIDVALIDITY checks, the
 *                  searches for undo.
 *  triage_conn.c   triage's own connection, and the replay of the journal.
 *  triage_undo.c   undo: the inverse of a group.
 *  triage_model.c  the few things triage needs of the model beyond model.h (its internals);
 *                  the only triage file that includes account_int.h. Unit tests replace it.
 */
#ifndef SKUA_MAIL_TRIAGE_INT_H
#define SKUA_MAIL_TRIAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap/seqset.h"
#include "mail/cache.h"
#include "mail/model.h"
#include "mail/triage.h"

struct imap_session;
struct imap_connection;
struct imap_conn_pool;
struct config_account;
struct loop_hook;
struct loop_timer;

#define TRIAGE_ERR_MAX 512
#define TRIAGE_MAX_ATTEMPTS 100  /* sends of one entry before it is given up */
#define TRIAGE_MAX_IDS 256       /* message ids kept per move for undo (CACHE_MAX_LIST) */
#define TRIAGE_RESULT_MAX 1000   /* result text kept with a done entry (the journal's cap) */

/* ---- triage_model.c ------------------------------------------------------------------------ */

struct tm_msg {
	bool flags_known;
	uint32_t flags;             /* enum imap_sysflag bits */
	bool labels_known;          /* the row is loaded: labels (Gmail) / keywords are known */
	size_t n_labels;
	const char *const *labels;
	uint64_t gm_msgid;          /* 0 unknown */
	const char *message_id;     /* "" unknown */
};

bool tm_gmail(struct account *a);
const struct config_account *tm_config(struct account *a);   /* NULL for test accounts */
struct imap_conn_pool *tm_pool(struct account *a);
const char *tm_view_key(struct view *v);                        /* the folder's cache key */
char *tm_folder_key(struct account *a, const char *folder);     /* malloc'd */
char *tm_folder_name(struct account *a, const char *key);       /* malloc'd UTF-8 */
enum folder_role tm_folder_role(struct account *a, const char *folder);
/* A view the entry's commands can go through: live (not closed, detached or failed), on a
 * writable connection, showing key. *ready: its session is selected there now. */
struct view *tm_send_view(struct account *a, const char *key, bool *ready);
/* Any open view showing key (for optimistic changes and their reverts), or NULL. */
struct view *tm_any_view(struct account *a, const char *key);
/* What the model knows of one message of v (false when the UID is not in v). */
bool tm_msg_state(struct view *v, uint32_t uid, struct tm_msg *out);
void tm_alert(struct account *a, const char *text);

/* ---- the queue ----------------------------------------------------------------------------- */

enum te_type {
	TE_ENTRY,   /* a journal entry (or an in-memory one when the journal is unavailable) */
	TE_SEARCH,  /* an undo's search for messages by id (not journaled) */
};

enum te_state {
	TE_QUEUED,  /* waiting for a channel */
	TE_CHECK,   /* UID SEARCH before a resent MOVE, or after a refused one */
	TE_FLIGHT,  /* the command is in flight */
};

struct tundo;

struct tentry {
	struct tentry *next, *prev;
	struct triage *t;
	enum te_type type;
	enum te_state st;
	int64_t id;                 /* journal id; 0 = not in the journal */
	int64_t seq, group;
	enum cache_jkind kind;
	char *mailbox;              /* folder key */
	uint32_t uidvalidity;       /* TE_SEARCH: 0 (any) */
	struct seqset uids;
	char **args;
	size_t n_args;
	char *dest;                 /* MOVE destination key */
	uint32_t attempts;          /* sends so far (journal's count plus ours) */
	bool busy_retry;            /* not journaled because the file was busy: add again */
	bool dead;                  /* over; unlinked when the dispatch pass ends */
	int64_t retry_at;           /* requeued: not before this loop time */
	/* optimistic change this process made (reverted when the entry fails) */
	bool applied;
	bool hide;                  /* the rows were hidden in mailbox */
	char *uh_key;               /* undo: rows of this folder shown again */
	struct seqset uh_uids;
	/* Gmail ids of the uids, for the result of a hiding label change (undo searches by them) */
	uint64_t *gmids;
	size_t n_gmids;
	/* in flight */
	struct imap_session *s;
	uint32_t op;
	struct seqset moving;       /* MOVE: the UIDs actually sent (after a check) */
	char *no_msg;               /* MOVE refused: the server's text, while checking */
	/* TE_SEARCH */
	struct tundo *undo;
	size_t slot;
	uint64_t *sgm;              /* X-GM-MSGIDs to find, or */
	char **smid;                /* Message-IDs to find */
	size_t n_s;
};

/* One planned inverse entry of an undo. */
struct tinv {
	enum cache_jkind kind;
	char *mailbox;
	uint32_t uidvalidity;
	struct seqset uids;
	char **args;
	size_t n_args;
	char *dest;
	bool hide;                  /* MOVE: hide its rows in mailbox */
	char *uh_key;               /* rows shown again (the original folder) */
	struct seqset uh_uids;
	bool search;                /* uids come from a search in mailbox */
	bool found;
};

struct tundo {
	struct tundo *next;
	struct triage *t;
	int64_t of;                 /* the group undone */
	char *desc;
	struct tinv *v;
	size_t n;
	size_t waiting;             /* searches still running */
	bool failed;
	bool missing;               /* a search found nothing */
	char *why;                  /* the first failure */
};

/* triage's own connection */
struct treplay {
	struct imap_connection *c;
	struct imap_session *s;     /* current session; NULL while down */
	bool test;                  /* s was plugged in by triage_test_session() */
	bool ready;
	char *sel;                  /* folder key selected or being selected */
	bool selecting;
	uint32_t sel_op;
	uint32_t uidvalidity;
	bool failed;                /* could not open (pool full, no config): wait for views */
	int64_t failed_at;
	int64_t idle_since;         /* loop ms when it ran out of work; 0 = busy */
	bool closing;
};

struct triage {
	struct loop *loop;
	struct account *a;
	struct cache *c;
	struct tentry *head, *tail;
	size_t n;
	struct tundo *undos;
	struct treplay rp;
	struct loop_hook *hook;
	struct loop_timer *timer;
	bool dispatching, again, reap;
	bool deferred;              /* a dispatch is queued on the loop */
	uint64_t sent;              /* commands submitted (to know a pass sent something) */
	bool was_ready;
	bool freeing;
	int64_t mem_seq;            /* ordering of in-memory entries */
	triage_notify_fn notify;
	void *notify_ctx;
	triage_point_fn point;
	void *point_ctx;
};

/* triage.c */
struct tentry *tr_entry_new(struct triage *t, enum te_type type);
void tr_entry_free(struct tentry *e);
int tr_entry_args(struct tentry *e, const char *const *args, size_t n);
/* Writes e to the journal (e->id; 0 when kept in memory). -1 with a message when it cannot. */
int tr_journal(struct triage *t, struct tentry *e, char *err, size_t errlen);
/* The Gmail label a folder shows ("\Inbox" for INBOX, the name for a label), or NULL. */
const char *tr_folder_label(enum folder_role role, const char *folder);
bool tr_label_eq(const char *a, const char *b);
bool tr_label_hides(struct triage *t, const char *folder, const char *label);
/* The optimistic change of e (forward) or its revert (!forward). */
void tr_model(struct triage *t, struct tentry *e, bool forward);
void tr_alertf(struct triage *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An undo's search ended: found (uids in v's folder, uidvalidity) or failed (why). */
void tr_undo_found(struct tundo *u, size_t slot, const struct seqset *uids, uint32_t uidvalidity,
		   const char *why);
/* Frees every pending undo (triage_free). */
void tr_undo_free_all(struct triage *t);
/* Sets the flag bit of a system flag name ("\Seen") or 0 for a keyword. */
uint32_t tr_sysflag(const char *name);

/* triage_send.c */
void ts_enqueue(struct triage *t, struct tentry *e);
void ts_unlink(struct triage *t, struct tentry *e);
void ts_kick(struct triage *t);      /* dispatch now (and make sure the loop wakes) */
void ts_later(struct triage *t);     /* dispatch on the next loop turn (from callbacks) */
struct tentry *ts_find(struct triage *t, int64_t id);
/* Fails every queued entry of folder key (it cannot be opened); ends searches of undos. */
void ts_fail_key(struct triage *t, const char *key, const char *why);

/* triage_conn.c */
bool tc_channel(struct triage *t, const char *key, struct imap_session **s, uint32_t *uv);
void tc_check_idle(struct triage *t);
void tc_stop(struct triage *t);
void ts_dispatch(struct triage *t);
int ts_start(struct triage *t);
void ts_stop(struct triage *t);
void ts_point(struct triage *t, enum triage_point p, int64_t id);

#endif
