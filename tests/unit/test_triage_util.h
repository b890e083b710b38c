/*
 * test_triage_util — what the triage unit tests run on: a fake model (the model.h calls triage
 * makes and the triage_model.c internals, defined here so that the real model is not linked)
 * and scripted IMAP sessions over an in-process transport whose writes a test can watch.
 *
 *   struct tenv e;  tenv_setup(&e, true);          Gmail account, INBOX view (uv 100)
 *   fsess_start(&e.fg, e.loop, caps); fsess_select(&e.fg, "INBOX", 100);
 *   tview_attach(&e.inbox, &e.fg);
 *   triage_apply(e.t, ...); fsess_expect(&e.fg, "UID STORE 5 +FLAGS (\\Seen)"); fsess_ok(&e.fg);
 */
#ifndef SKUA_TEST_TRIAGE_UTIL_H
#define SKUA_TEST_TRIAGE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "imap/session.h"
#include "mail/cache.h"
#include "mail/model.h"
#include "mail/triage.h"

struct loop;

/* ---- scripted sessions ---------------------------------------------------------------------- */

struct fsess {
	struct loop *loop;
	struct imap_session *s;
	struct buf out;
	bool closed;
	char tag[32];
	char line[8192];
	/* called on every write, before the bytes are queued */
	void (*on_write)(void *ctx, const char *data, size_t len);
	void *ctx;
};

void fsess_start(struct fsess *f, struct loop *loop, const char *caps);
void fsess_stop(struct fsess *f);
/* SELECT mailbox, answered with this UIDVALIDITY. */
void fsess_select(struct fsess *f, const char *mailbox, uint32_t uidvalidity);
/* Answers a SELECT already sent (the last line taken). */
void fsess_answer_select(struct fsess *f, uint32_t uidvalidity);
void fsess_reply(struct fsess *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "<tag> OK done" for the last line taken. */
void fsess_ok(struct fsess *f);
/* The next line written (tag stripped; f->tag holds it), or NULL. Runs the loop briefly first. */
const char *fsess_next(struct fsess *f);
/* The next line must be want. */
void fsess_expect(struct fsess *f, const char *want);
void fsess_expect_nothing(struct fsess *f);
/* The connection drops (commands in flight are aborted). */
void fsess_drop(struct fsess *f);

/* ---- the fake model ------------------------------------------------------------------------- */

#define TMSG_MAX 16
#define TLABELS 8

struct tmsg {
	uint32_t uid;
	uint32_t flags;
	size_t n_labels;
	char labels[TLABELS][64];
	bool hidden;
	uint64_t gmid;
	char mid[64];
};

struct view {
	struct account *a;
	char folder[128];
	uint32_t uidvalidity;
	struct fsess *fs;      /* attached to this session (NULL: not attached) */
	bool live;             /* open (not closed/detached) */
	struct tmsg m[TMSG_MAX];
	size_t n;
};

struct account {
	bool gmail;
	const char *special[FOLDER_TRASH + 1];
	struct config_account cfg;
	bool has_cfg;
	struct view *views[4];
	size_t n_views;
	char alert[2048];      /* the last alert */
	unsigned n_alerts;
	char log[8192];        /* optimistic changes, one per line */
};

struct tenv {
	struct loop *loop;
	struct account acct;
	struct view inbox;
	struct fsess fg, rp;   /* the view's session and triage's own */
	char dir[256];         /* the cache directory */
	struct cache *c;
	struct triage *t;
	/* notify */
	unsigned n_ok, n_failed;
	char last_note[1024];
};

/* A fresh environment: the account (gmail or not) with its special folders, an INBOX view with
 * messages 5 (unread, gm 1005), 6 (read, starred, gm 1006) and 7 (unread, gm 1007), a cache in
 * a new temporary directory and a triage. No session is attached yet. */
void tenv_setup(struct tenv *e, bool gmail);
void tenv_teardown(struct tenv *e);
/* Frees the triage and the cache and opens both again over the same file (a restart). */
void tenv_restart(struct tenv *e);

struct tmsg *tview_msg(struct view *v, uint32_t uid);
void tview_attach(struct view *v, struct fsess *f);
void tview_add(struct view *v, uint32_t uid, uint32_t flags, uint64_t gmid, const char *label);

/* Journal entries by state (pending+sent, done, failed) and the last one's text. */
struct tjournal {
	size_t pending, done, failed;
	char last_error[1024];
	char last_result[1024];
	char last_uids[256];
	enum cache_jkind last_kind;
};
void tjournal(struct cache *c, struct tjournal *out);

/* Applies and checks it started. */
void tapply(struct tenv *e, enum triage_action a, const uint32_t *uids, size_t n, const char *arg);

#endif
