/*
 * triage — the user's actions on messages, optimistic on screen and durable underneath:
 * read/unread, star/unstar, label add/remove (Gmail X-GM-LABELS; keywords elsewhere), archive
 * (Gmail: remove \Inbox; elsewhere move to the \Archive folder, else the account's
 * archive_folder), trash (move to \Trash), move to a folder, mark a whole thread read — on one
 * message, a thread, or a selection — and undo.
 *
 * Contract (see ../shared/DESIGN.md "Triage that never loses a change"):
 *  - triage_apply() changes the model at once (view_set_flags / view_set_labels / view_hide), then
 *    writes the action to the journal in the account's cache (src/mail/cache.h) BEFORE anything is
 *    sent, then sends it as an idempotent UID command (+FLAGS/-FLAGS, ±X-GM-LABELS, UID MOVE with
 *    UIDPLUS, or COPY + \Deleted + UID EXPUNGE without MOVE) and removes it from the journal on
 *    the tagged OK. A NO reverts the model and reports the server's reason (MODEL_ALERT text
 *    through the account's changed callback, and the notify callback below).
 *  - Where commands go: on the session of a writable view of the entry's folder (the
 *    foreground view the user acts in) when there is one; when no view shows that folder (a
 *    replay after a restart, an undo whose messages now live in another folder) on a
 *    connection of triage's own, opened on demand within the account's max_connections, that
 *    SELECTs each such folder in turn and logs out once idle. Entries of one folder go out in
 *    journal order, all on one session, so a later action never overtakes an earlier one.
 *  - Flag and label actions only carry the messages whose state they change (a message already
 *    read is not "marked read" again), so that undo restores exactly the state before. A label
 *    or action that changes nothing is a no-op (0, nothing journaled).
 *  - After a dropped connection (Gmail sometimes drops on a MOVE to Trash), a crash, SIGHUP or
 *    SIGKILL, pending journal entries are replayed exactly once in effect: triage_replay() runs
 *    when the account's session is ready again (and at start-up), checks UIDVALIDITY first (a
 *    changed UIDVALIDITY fails the entry with a message, never applies it to the wrong
 *    messages), and claims entries so two skua processes never replay the same one. A MOVE that
 *    may already have run is preceded by UID SEARCH UID set: messages already gone from the
 *    source count as moved (so a drop after the server moved them cannot repeat or loop).
 *  - triage_undo() reverses the most recent action group (one key press = one group) by applying
 *    the inverse actions, durably, the same way. Undo of a move uses the COPYUID destination
 *    UIDs kept with the done entry; without them (no UIDPLUS, or the answer was lost with the
 *    connection) it searches the destination by X-GM-MSGID (Gmail) or Message-ID. Undo of a
 *    Gmail archive (or of removing the label a folder shows) searches \All by X-GM-MSGID and
 *    adds the label back there. An action not yet sent at all is simply cancelled.
 *  - triage_flush() is for SIGHUP/SIGTERM: it retries journal writes that found the file busy
 *    and returns how many actions are still unconfirmed; nothing more is needed for "never
 *    lost".
 *
 * Gmail archive outside INBOX: like Gmail's web interface, archive removes \Inbox wherever it is
 * done (in a label folder the message stays there, now without \Inbox); in Trash or Spam it
 * moves the message to \All. Elsewhere archiving or trashing a message already in that folder,
 * or moving to the folder it is in, is refused with a message.
 *
 * Ownership: a struct triage belongs to one account; the caller creates it after account_new()
 * and frees it before account_free(). c may be NULL (actions are then kept in memory only).
 * Targets are copied.
 */
#ifndef SKUA_MAIL_TRIAGE_H
#define SKUA_MAIL_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct account;
struct cache;
struct view;
struct loop;
struct imap_session;

enum triage_action {
	TRIAGE_READ,        /* +FLAGS \Seen */
	TRIAGE_UNREAD,      /* -FLAGS \Seen */
	TRIAGE_STAR,        /* +FLAGS \Flagged */
	TRIAGE_UNSTAR,      /* -FLAGS \Flagged */
	TRIAGE_TOGGLE_STAR, /* star unless every target is starred, then unstar */
	TRIAGE_LABEL_ADD,   /* arg: label (UTF-8); created if new */
	TRIAGE_LABEL_REMOVE,/* arg: label */
	TRIAGE_LABEL_TOGGLE,/* arg: label: added to all unless all have it, then removed */
	TRIAGE_ARCHIVE,
	TRIAGE_TRASH,
	TRIAGE_MOVE,        /* arg: destination folder (UTF-8) */
};

const char *triage_action_name(enum triage_action a); /* "archive", "mark read", ... */

/* What an action applies to: UIDs of messages in view v's folder. For a thread row pass every
 * UID of the thread (see triage_thread_uids). */
struct triage_target {
	struct view *view;
	const uint32_t *uids;
	size_t n;
};

struct triage;

/* The UIDs (in v's folder) of every loaded message of the thread at row pos of v (for a message
 * row, just that message's UID). Writes at most cap; returns how many there are. */
size_t triage_thread_uids(struct view *v, size_t pos, uint32_t *out, size_t cap);

struct triage *triage_new(struct loop *loop, struct account *a, struct cache *c);
/* NULL-safe; NULLs the pointer. Commands in flight keep running; their entries stay in the
 * journal and are replayed by the next triage over the same cache. */
void triage_free(struct triage **t);

/* Applies one action (one undo group). Returns 0, or -1 with a message in err when it cannot
 * even start (no such label syntax, no archive folder, view not open yet...). The server's answer
 * comes later; a NO reverts and alerts. */
int triage_apply(struct triage *t, enum triage_action a, const struct triage_target *tg,
		 const char *arg, char *err, size_t errlen);

/* Undo the last group not yet undone. 0 (the inverse is on its way; when it needs a search
 * first it is journaled once found), or -1 with a message ("nothing to undo", "still
 * sending"). */
int triage_undo(struct triage *t, char *err, size_t errlen);

/* Replay the journal now (also done automatically at start and when the account becomes
 * ready): claims every pending entry no live process holds. */
void triage_replay(struct triage *t);

/* Actions applied but not yet confirmed by the server (for the status line). */
size_t triage_pending(const struct triage *t);
size_t triage_flush(struct triage *t);

/* Told when an action's entry ends: ok (the server said OK, or it was already done) or failed
 * (text: the server's reason, a UIDVALIDITY change, ...). group is the journal group (0 when
 * kept in memory only). May be NULL. */
typedef void (*triage_notify_fn)(void *ctx, int64_t group, bool ok, const char *text);
void triage_set_notify(struct triage *t, triage_notify_fn fn, void *ctx);

/* ---- for tests ---------------------------------------------------------------------------- */

/* Points in an entry's life, for crash tests (a test program kills itself at one of them). */
enum triage_point {
	TRIAGE_AT_JOURNALED, /* written to the journal, nothing sent yet */
	TRIAGE_AT_SUBMITTED, /* the command was handed to the session */
	TRIAGE_AT_ANSWERED,  /* the tagged reply came; the journal does not know yet */
	TRIAGE_AT_RECORDED,  /* the journal records the outcome */
};
typedef void (*triage_point_fn)(void *ctx, enum triage_point p, int64_t entry_id);
void triage_set_test_hook(struct triage *t, triage_point_fn fn, void *ctx);
/* Use s (state AUTH or SELECTED; borrowed, must outlive t or be unplugged with NULL) instead of
 * triage's own connection; for unit tests with a scripted session. */
void triage_test_session(struct triage *t, struct imap_session *s);

#endif
