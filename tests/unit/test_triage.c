/* Unit tests of src/mail/triage*: the commands each action sends on Gmail and elsewhere, the
 * journal written before the first byte, NO reverting, undo, replay after a restart (once each),
 * UIDVALIDITY changes, moves that may already have run. Fake model, scripted sessions. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "imap/response.h"
#include "loop.h"
#include "mail/triage.h"
#include "test_triage_util.h"

#define GMAIL_CAPS "IMAP4rev1 UIDPLUS MOVE X-GM-EXT-1"
#define OTHER_CAPS "IMAP4rev1 UIDPLUS MOVE"

static const uint32_t U5[] = {5}, U6[] = {6}, U7[] = {7}, U56[] = {5, 6};

/* An environment with the INBOX view attached to a selected session. */
static void start(struct tenv *e, bool gmail)
{
	tenv_setup(e, gmail);
	fsess_start(&e->fg, e->loop, gmail ? GMAIL_CAPS : OTHER_CAPS);
	fsess_select(&e->fg, "INBOX", 100);
	tview_attach(&e->inbox, &e->fg);
}

static void expect_done(struct tenv *e, const char *cmd)
{
	fsess_expect(&e->fg, cmd);
	fsess_ok(&e->fg);
	assert_int_equal(triage_pending(e->t), 0);
}

static void test_gmail_commands(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, true);
	tapply(&e, TRIAGE_READ, U5, 1, NULL);
	assert_true(tview_msg(&e.inbox, 5)->flags & IMAP_FLAG_SEEN); /* on screen at once */
	expect_done(&e, "UID STORE 5 +FLAGS (\\Seen)");
	tapply(&e, TRIAGE_UNREAD, U6, 1, NULL);
	expect_done(&e, "UID STORE 6 -FLAGS (\\Seen)");
	tapply(&e, TRIAGE_STAR, U5, 1, NULL);
	expect_done(&e, "UID STORE 5 +FLAGS (\\Flagged)");
	tapply(&e, TRIAGE_UNSTAR, U6, 1, NULL);
	expect_done(&e, "UID STORE 6 -FLAGS (\\Flagged)");
	tapply(&e, TRIAGE_LABEL_ADD, U5, 1, "Work");
	expect_done(&e, "UID STORE 5 +X-GM-LABELS (Work)");
	tapply(&e, TRIAGE_LABEL_ADD, U5, 1, "Très urgent");
	expect_done(&e, "UID STORE 5 +X-GM-LABELS (\"Tr&AOg-s urgent\")");
	tapply(&e, TRIAGE_LABEL_REMOVE, U5, 1, "Work");
	expect_done(&e, "UID STORE 5 -X-GM-LABELS (Work)");
	tapply(&e, TRIAGE_ARCHIVE, U7, 1, NULL);
	assert_true(tview_msg(&e.inbox, 7)->hidden);
	expect_done(&e, "UID STORE 7 -X-GM-LABELS (\\Inbox)");
	tapply(&e, TRIAGE_TRASH, U6, 1, NULL);
	assert_true(tview_msg(&e.inbox, 6)->hidden);
	fsess_expect(&e.fg, "UID MOVE 6 \"[Gmail]/Trash\"");
	fsess_reply(&e.fg, "* OK [COPYUID 9 6 40] moved\r\n* 2 EXPUNGE\r\n%s OK done\r\n", e.fg.tag);
	tapply(&e, TRIAGE_MOVE, U5, 1, "Projects/2024");
	fsess_expect(&e.fg, "UID MOVE 5 Projects/2024");
	fsess_ok(&e.fg);
	assert_int_equal(triage_pending(e.t), 0);
	struct tjournal j;
	tjournal(e.c, &j);
	assert_int_equal(j.pending, 0);
	assert_int_equal(j.done, 10);
	assert_int_equal(j.failed, 0);
	assert_int_equal(e.n_ok, 10);
	assert_int_equal(e.acct.n_alerts, 0);
	tenv_teardown(&e);
}

static void test_gmail_thread_read(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, true);
	static const uint32_t thread[] = {5, 6, 7};
	tapply(&e, TRIAGE_READ, thread, 3, NULL);
	/* 6 is read already: the action (and its undo) covers 5 and 7 */
	expect_done(&e, "UID STORE 5,7 +FLAGS (\\Seen)");
	tapply(&e, TRIAGE_READ, thread, 3, NULL); /* nothing left to change */
	fsess_expect_nothing(&e.fg);
	assert_int_equal(triage_pending(e.t), 0);
	tenv_teardown(&e);
}

static void test_toggles(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, true);
	tapply(&e, TRIAGE_TOGGLE_STAR, U56, 2, NULL); /* 6 starred, 5 not: star (5 only) */
	expect_done(&e, "UID STORE 5 +FLAGS (\\Flagged)");
	tapply(&e, TRIAGE_TOGGLE_STAR, U56, 2, NULL); /* both starred now: unstar both */
	expect_done(&e, "UID STORE 5:6 -FLAGS (\\Flagged)");
	tapply(&e, TRIAGE_LABEL_TOGGLE, U5, 1, "Work");
	expect_done(&e, "UID STORE 5 +X-GM-LABELS (Work)");
	tapply(&e, TRIAGE_LABEL_TOGGLE, U5, 1, "Work");
	expect_done(&e, "UID STORE 5 -X-GM-LABELS (Work)");
	tenv_teardown(&e);
}

static void test_other_commands(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, false);
	char err[512];
	tapply(&e, TRIAGE_READ, U5, 1, NULL);
	expect_done(&e, "UID STORE 5 +FLAGS (\\Seen)");
	tapply(&e, TRIAGE_LABEL_ADD, U5, 1, "$Work");
	assert_non_null(strstr(e.acct.log, "labels INBOX 5 +$Work"));
	expect_done(&e, "UID STORE 5 +FLAGS ($Work)");
	tapply(&e, TRIAGE_LABEL_REMOVE, U5, 1, "$Work");
	expect_done(&e, "UID STORE 5 -FLAGS ($Work)");
	/* a label that is no keyword: refused, nothing sent, nothing journaled */
	struct triage_target tg = {&e.inbox, U5, 1};
	assert_int_equal(triage_apply(e.t, TRIAGE_LABEL_ADD, &tg, "two words", err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot be a label"));
	assert_int_equal(triage_apply(e.t, TRIAGE_LABEL_ADD, &tg, "\\Seen", err, sizeof err), -1);
	fsess_expect_nothing(&e.fg);
	tapply(&e, TRIAGE_ARCHIVE, U6, 1, NULL);
	assert_true(tview_msg(&e.inbox, 6)->hidden);
	expect_done(&e, "UID MOVE 6 Archive");
	tapply(&e, TRIAGE_TRASH, U7, 1, NULL);
	expect_done(&e, "UID MOVE 7 Trash");
	/* no \Archive folder: archive_folder from the config, else an error */
	e.acct.special[FOLDER_ARCHIVE] = NULL;
	assert_int_equal(triage_apply(e.t, TRIAGE_ARCHIVE, &tg, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "no archive folder"));
	e.acct.has_cfg = true;
	e.acct.cfg.archive_folder = "Old Mail";
	tapply(&e, TRIAGE_ARCHIVE, U5, 1, NULL);
	expect_done(&e, "UID MOVE 5 \"Old Mail\"");
	/* moving to where it is */
	assert_int_equal(triage_apply(e.t, TRIAGE_MOVE, &tg, "INBOX", err, sizeof err), -1);
	assert_non_null(strstr(err, "already in"));
	struct tjournal j;
	tjournal(e.c, &j);
	assert_int_equal(j.done, 6);
	assert_int_equal(j.pending + j.failed, 0);
	tenv_teardown(&e);
}

/* ---- the journal comes first --------------------------------------------------------------- */

struct jcheck {
	struct tenv *e;
	unsigned writes;
	size_t pending_at_first;
	char uids_at_first[64];
};

static int pend_cb(void *ctx, const struct cache_jentry *j)
{
	struct jcheck *jc = ctx;
	jc->pending_at_first++;
	snprintf(jc->uids_at_first, sizeof jc->uids_at_first, "%s", j->uids_text);
	return 0;
}

static void on_write(void *ctx, const char *data, size_t len)
{
	(void)data;
	(void)len;
	struct jcheck *jc = ctx;
	if (jc->writes++ == 0)
		assert_int_equal(cache_journal_pending(jc->e->c, pend_cb, jc), CACHE_OK);
}

static void test_journal_before_send(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, true);
	struct jcheck jc = {.e = &e};
	e.fg.on_write = on_write;
	e.fg.ctx = &jc;
	static const uint32_t u[] = {7, 5};
	tapply(&e, TRIAGE_STAR, u, 2, NULL);
	assert_int_equal(jc.writes, 0); /* sent from the loop, not inside the caller's call */
	expect_done(&e, "UID STORE 5,7 +FLAGS (\\Flagged)");
	assert_true(jc.writes > 0);
	assert_int_equal(jc.pending_at_first, 1);
	assert_string_equal(jc.uids_at_first, "5,7");
	tenv_teardown(&e);
}

/* ---- NO reverts ---------------------------------------------------------------------------- */

static void test_no_reverts(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, true);
	tapply(&e, TRIAGE_READ, U5, 1, NULL);
	assert_true(tview_msg(&e.inbox, 5)->flags & IMAP_FLAG_SEEN);
	fsess_expect(&e.fg, "UID STORE 5 +FLAGS (\\Seen)");
	fsess_reply(&e.fg, "%s NO [CANNOT] the mailbox is locked\r\n", e.fg.tag);
	assert_false(tview_msg(&e.inbox, 5)->flags & IMAP_FLAG_SEEN);
	assert_non_null(strstr(e.acct.alert, "the mailbox is locked"));
	assert_non_null(strstr(e.acct.alert, "mark read"));
	assert_int_equal(e.n_failed, 1);
	struct tjournal j;
	tjournal(e.c, &j);
	assert_int_equal(j.failed, 1);
	assert_non_null(strstr(j.last_error, "the mailbox is locked"));
	/* an archive refused comes back on screen */
	tapply(&e, TRIAGE_ARCHIVE, U6, 1, NULL);
	assert_true(tview_msg(&e.inbox, 6)->hidden);
	fsess_expect(&e.fg, "UID STORE 6 -X-GM-LABELS (\\Inbox)");
	fsess_reply(&e.fg, "%s BAD Could not parse command\r\n", e.fg.tag);
	assert_false(tview_msg(&e.inbox, 6)->hidden);
	/* a refused move: checked first; still there, so it failed */
	tapply(&e, TRIAGE_MOVE, U7, 1, "Nowhere");
	fsess_expect(&e.fg, "UID MOVE 7 Nowhere");
	fsess_reply(&e.fg, "%s NO [TRYCREATE] No folder Nowhere (Failure)\r\n", e.fg.tag);
	fsess_expect(&e.fg, "UID SEARCH UID 7");
	fsess_reply(&e.fg, "* SEARCH 7\r\n%s OK done\r\n", e.fg.tag);
	assert_false(tview_msg(&e.inbox, 7)->hidden);
	assert_non_null(strstr(e.acct.alert, "No folder Nowhere"));
	assert_int_equal(triage_pending(e.t), 0);
	/* a refused move whose messages are gone: it happened already */
	tapply(&e, TRIAGE_MOVE, U7, 1, "Work");
	fsess_expect(&e.fg, "UID MOVE 7 Work");
	fsess_reply(&e.fg, "%s NO [EXPUNGEISSUED] Some messages were expunged\r\n", e.fg.tag);
	fsess_expect(&e.fg, "UID SEARCH UID 7");
	fsess_reply(&e.fg, "* SEARCH\r\n%s OK done\r\n", e.fg.tag);
	assert_true(tview_msg(&e.inbox, 7)->hidden);
	assert_int_equal(e.n_failed, 3);
	assert_int_equal(e.n_ok, 1);
	tenv_teardown(&e);
}

/* ---- undo ---------------------------------------------------------------------------------- */

static void test_undo_flags_labels(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, true);
	char err[256];
	assert_int_equal(triage_undo(e.t, err, sizeof err), -1);
	assert_string_equal(err, "nothing to undo");
	tapply(&e, TRIAGE_STAR, U56, 2, NULL); /* 6 is starred: only 5 changes */
	expect_done(&e, "UID STORE 5 +FLAGS (\\Flagged)");
	tapply(&e, TRIAGE_LABEL_ADD, U5, 1, "Work");
	expect_done(&e, "UID STORE 5 +X-GM-LABELS (Work)");
	assert_int_equal(triage_undo(e.t, err, sizeof err), 0);
	expect_done(&e, "UID STORE 5 -X-GM-LABELS (Work)");
	assert_int_equal(tview_msg(&e.inbox, 5)->n_labels, 0);
	assert_int_equal(triage_undo(e.t, err, sizeof err), 0);
	expect_done(&e, "UID STORE 5 -FLAGS (\\Flagged)");
	assert_false(tview_msg(&e.inbox, 5)->flags & IMAP_FLAG_FLAGGED);
	assert_true(tview_msg(&e.inbox, 6)->flags & IMAP_FLAG_FLAGGED); /* untouched */
	assert_int_equal(triage_undo(e.t, err, sizeof err), -1);
	assert_string_equal(err, "nothing to undo");
	tenv_teardown(&e);
}

static void test_undo_move_copyuid(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, false);
	fsess_start(&e.rp, e.loop, OTHER_CAPS);
	triage_test_session(e.t, e.rp.s);
	char err[256];
	tapply(&e, TRIAGE_MOVE, U56, 2, "Work");
	fsess_expect(&e.fg, "UID MOVE 5:6 Work");
	fsess_reply(&e.fg, "* OK [COPYUID 77 5:6 41:42] moved\r\n* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n"
			   "%s OK Move completed\r\n", e.fg.tag);
	assert_true(tview_msg(&e.inbox, 5)->hidden);
	struct tjournal j;
	tjournal(e.c, &j);
	assert_string_equal(j.last_result, "COPYUID 77 5:6 41:42");
	assert_int_equal(triage_undo(e.t, err, sizeof err), 0);
	/* no view shows Work: triage's own session selects it and moves them back */
	assert_false(tview_msg(&e.inbox, 5)->hidden);
	fsess_expect(&e.rp, "SELECT Work");
	fsess_answer_select(&e.rp, 77);
	fsess_expect(&e.rp, "UID MOVE 41:42 INBOX");
	fsess_ok(&e.rp);
	fsess_expect_nothing(&e.fg);
	assert_int_equal(triage_pending(e.t), 0);
	tjournal(e.c, &j);
	assert_int_equal(j.done, 2);
	tenv_teardown(&e);
}

static void test_undo_gmail_archive(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, true);
	fsess_start(&e.rp, e.loop, GMAIL_CAPS);
	triage_test_session(e.t, e.rp.s);
	char err[256];
	tapply(&e, TRIAGE_ARCHIVE, U56, 2, NULL);
	expect_done(&e, "UID STORE 5:6 -X-GM-LABELS (\\Inbox)");
	struct tjournal j;
	tjournal(e.c, &j);
	assert_string_equal(j.last_result, "GMID 1005,1006");
	assert_int_equal(triage_undo(e.t, err, sizeof err), 0);
	fsess_expect(&e.rp, "SELECT \"[Gmail]/All Mail\"");
	fsess_answer_select(&e.rp, 11);
	fsess_expect(&e.rp, "UID SEARCH OR X-GM-MSGID 1005 X-GM-MSGID 1006");
	fsess_reply(&e.rp, "* SEARCH 300 301\r\n%s OK done\r\n", e.rp.tag);
	/* the rows come back at once; the label goes back in All Mail */
	assert_false(tview_msg(&e.inbox, 5)->hidden);
	assert_false(tview_msg(&e.inbox, 6)->hidden);
	fsess_expect(&e.rp, "UID STORE 300:301 +X-GM-LABELS (\\Inbox)");
	fsess_ok(&e.rp);
	assert_int_equal(triage_pending(e.t), 0);
	assert_int_equal(triage_undo(e.t, err, sizeof err), -1);
	tenv_teardown(&e);
}

static void test_undo_cancels_unsent(void **state)
{
	(void)state;
	struct tenv e;
	tenv_setup(&e, true); /* no session: nothing can be sent */
	char err[256];
	tapply(&e, TRIAGE_TRASH, U5, 1, NULL);
	assert_true(tview_msg(&e.inbox, 5)->hidden);
	assert_int_equal(triage_pending(e.t), 1);
	assert_int_equal(triage_undo(e.t, err, sizeof err), 0);
	assert_false(tview_msg(&e.inbox, 5)->hidden);
	assert_int_equal(triage_pending(e.t), 0);
	struct tjournal j;
	tjournal(e.c, &j);
	assert_int_equal(j.pending, 0);
	assert_int_equal(j.failed, 1);
	assert_string_equal(j.last_error, "cancelled by undo");
	/* connecting later sends nothing */
	fsess_start(&e.fg, e.loop, GMAIL_CAPS);
	fsess_select(&e.fg, "INBOX", 100);
	tview_attach(&e.inbox, &e.fg);
	fsess_expect_nothing(&e.fg);
	tenv_teardown(&e);
}

/* ---- drops, restarts, replay --------------------------------------------------------------- */

static void test_replay_after_restart(void **state)
{
	(void)state;
	struct tenv e;
	tenv_setup(&e, true);
	tapply(&e, TRIAGE_READ, U5, 1, NULL);
	tapply(&e, TRIAGE_STAR, U7, 1, NULL);
	tapply(&e, TRIAGE_UNSTAR, U7, 1, NULL); /* order matters */
	assert_int_equal(triage_pending(e.t), 3);
	tenv_restart(&e); /* a new process over the same cache file */
	assert_int_equal(triage_pending(e.t), 3);
	fsess_start(&e.fg, e.loop, GMAIL_CAPS);
	fsess_select(&e.fg, "INBOX", 100);
	tview_attach(&e.inbox, &e.fg);
	fsess_expect(&e.fg, "UID STORE 5 +FLAGS (\\Seen)");
	char t1[32];
	snprintf(t1, sizeof t1, "%s", e.fg.tag);
	fsess_expect(&e.fg, "UID STORE 7 +FLAGS (\\Flagged)");
	char t2[32];
	snprintf(t2, sizeof t2, "%s", e.fg.tag);
	fsess_expect(&e.fg, "UID STORE 7 -FLAGS (\\Flagged)");
	fsess_expect_nothing(&e.fg); /* each once */
	fsess_reply(&e.fg, "%s OK done\r\n%s OK done\r\n%s OK done\r\n", t1, t2, e.fg.tag);
	assert_int_equal(triage_pending(e.t), 0);
	tenv_restart(&e);
	assert_int_equal(triage_pending(e.t), 0);
	fsess_expect_nothing(&e.fg);
	struct tjournal j;
	tjournal(e.c, &j);
	assert_int_equal(j.done, 3);
	assert_int_equal(j.pending, 0);
	tenv_teardown(&e);
}

static void test_drop_then_resend(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, true);
	tapply(&e, TRIAGE_LABEL_ADD, U5, 1, "Work");
	fsess_expect(&e.fg, "UID STORE 5 +X-GM-LABELS (Work)");
	fsess_drop(&e.fg); /* no answer: it may or may not have run */
	assert_int_equal(triage_pending(e.t), 1);
	struct tjournal j;
	tjournal(e.c, &j);
	assert_int_equal(j.pending, 1);
	fsess_stop(&e.fg);
	fsess_start(&e.fg, e.loop, GMAIL_CAPS);
	fsess_select(&e.fg, "INBOX", 100);
	tview_attach(&e.inbox, &e.fg);
	for (int i = 0; i < 3; i++)
		loop_run_once(e.loop, 300); /* past the short pause after a drop */
	expect_done(&e, "UID STORE 5 +X-GM-LABELS (Work)");
	fsess_expect_nothing(&e.fg);
	tjournal(e.c, &j);
	assert_int_equal(j.done, 1);
	assert_int_equal(j.pending, 0);
	tenv_teardown(&e);
}

/* Gmail drops the connection on a MOVE to Trash after doing it: the replay finds the message gone
 * and stops; undo then finds it in Trash by X-GM-MSGID. */
static void test_trash_drop_and_undo(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, true);
	fsess_start(&e.rp, e.loop, GMAIL_CAPS);
	triage_test_session(e.t, e.rp.s);
	char err[256];
	tapply(&e, TRIAGE_TRASH, U6, 1, NULL);
	fsess_expect(&e.fg, "UID MOVE 6 \"[Gmail]/Trash\"");
	fsess_drop(&e.fg);
	fsess_stop(&e.fg);
	assert_true(tview_msg(&e.inbox, 6)->hidden);
	assert_int_equal(triage_undo(e.t, err, sizeof err), -1); /* still sending */
	assert_non_null(strstr(err, "still sending"));
	fsess_start(&e.fg, e.loop, GMAIL_CAPS);
	fsess_select(&e.fg, "INBOX", 100);
	tview_attach(&e.inbox, &e.fg);
	for (int i = 0; i < 3; i++)
		loop_run_once(e.loop, 300);
	fsess_expect(&e.fg, "UID SEARCH UID 6");
	fsess_reply(&e.fg, "* SEARCH\r\n%s OK done\r\n", e.fg.tag);
	fsess_expect_nothing(&e.fg); /* no second MOVE */
	assert_int_equal(triage_pending(e.t), 0);
	assert_int_equal(e.n_ok, 1);
	assert_int_equal(triage_undo(e.t, err, sizeof err), 0);
	fsess_expect(&e.rp, "SELECT \"[Gmail]/Trash\"");
	fsess_answer_select(&e.rp, 12);
	fsess_expect(&e.rp, "UID SEARCH X-GM-MSGID 1006");
	fsess_reply(&e.rp, "* SEARCH 88\r\n%s OK done\r\n", e.rp.tag);
	fsess_expect(&e.rp, "UID MOVE 88 INBOX");
	fsess_ok(&e.rp);
	assert_false(tview_msg(&e.inbox, 6)->hidden);
	assert_int_equal(triage_pending(e.t), 0);
	tenv_teardown(&e);
}

static void test_move_replay_checks_first(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, false);
	tapply(&e, TRIAGE_MOVE, U56, 2, "Work");
	fsess_expect(&e.fg, "UID MOVE 5:6 Work");
	fsess_drop(&e.fg);
	fsess_stop(&e.fg);
	tenv_restart(&e);
	fsess_start(&e.fg, e.loop, OTHER_CAPS);
	fsess_select(&e.fg, "INBOX", 100);
	tview_attach(&e.inbox, &e.fg);
	fsess_expect(&e.fg, "UID SEARCH UID 5:6");
	fsess_reply(&e.fg, "* SEARCH 6\r\n%s OK done\r\n", e.fg.tag); /* 5 went already */
	fsess_expect(&e.fg, "UID MOVE 6 Work");
	fsess_reply(&e.fg, "* OK [COPYUID 77 6 50] moved\r\n%s OK done\r\n", e.fg.tag);
	assert_int_equal(triage_pending(e.t), 0);
	struct tjournal j;
	tjournal(e.c, &j);
	assert_int_equal(j.done, 1);
	assert_string_equal(j.last_result, "COPYUID 77 6 50");
	tenv_teardown(&e);
}

static void test_uidvalidity_changed(void **state)
{
	(void)state;
	struct tenv e;
	tenv_setup(&e, true);
	tapply(&e, TRIAGE_READ, U5, 1, NULL);
	tapply(&e, TRIAGE_TRASH, U7, 1, NULL);
	tenv_restart(&e);
	/* the folder was recreated meanwhile: its UIDs name other messages */
	e.inbox.uidvalidity = 200;
	tview_msg(&e.inbox, 5)->flags = 0;
	tview_msg(&e.inbox, 7)->hidden = false;
	e.acct.log[0] = '\0';
	fsess_start(&e.fg, e.loop, GMAIL_CAPS);
	fsess_select(&e.fg, "INBOX", 200);
	tview_attach(&e.inbox, &e.fg);
	fsess_expect_nothing(&e.fg);
	assert_int_equal(triage_pending(e.t), 0);
	struct tjournal j;
	tjournal(e.c, &j);
	assert_int_equal(j.failed, 2);
	assert_int_equal(j.done + j.pending, 0);
	assert_non_null(strstr(j.last_error, "UIDVALIDITY 200, was 100"));
	assert_non_null(strstr(e.acct.alert, "UIDVALIDITY"));
	assert_int_equal(e.n_failed, 2);
	/* the messages now under those UIDs were not touched, not even on screen */
	assert_string_equal(e.acct.log, "");
	assert_false(tview_msg(&e.inbox, 7)->hidden);
	tenv_teardown(&e);
}

/* Entries of a folder no view shows go through triage's own session, which checks UIDVALIDITY
 * from its SELECT. */
static void test_replay_other_folder(void **state)
{
	(void)state;
	struct tenv e;
	tenv_setup(&e, false);
	struct view work = {.a = &e.acct, .folder = "Work", .uidvalidity = 55, .live = true};
	tview_add(&work, 3, 0, 0, NULL);
	tview_add(&work, 4, 0, 0, NULL);
	e.acct.views[e.acct.n_views++] = &work;
	struct triage_target tg = {&work, (const uint32_t[]){3}, 1};
	char err[256];
	assert_int_equal(triage_apply(e.t, TRIAGE_READ, &tg, NULL, err, sizeof err), 0);
	tg.uids = (const uint32_t[]){4};
	assert_int_equal(triage_apply(e.t, TRIAGE_STAR, &tg, NULL, err, sizeof err), 0);
	work.live = false; /* the user went elsewhere; then a restart */
	tenv_restart(&e);
	fsess_start(&e.rp, e.loop, OTHER_CAPS);
	triage_test_session(e.t, e.rp.s);
	fsess_expect(&e.rp, "SELECT Work");
	fsess_answer_select(&e.rp, 55);
	fsess_expect(&e.rp, "UID STORE 3 +FLAGS (\\Seen)");
	char t1[32];
	snprintf(t1, sizeof t1, "%s", e.rp.tag);
	fsess_expect(&e.rp, "UID STORE 4 +FLAGS (\\Flagged)");
	fsess_reply(&e.rp, "%s OK done\r\n%s OK done\r\n", t1, e.rp.tag);
	assert_int_equal(triage_pending(e.t), 0);
	fsess_expect_nothing(&e.rp);
	tenv_teardown(&e);
}

static void test_refusals(void **state)
{
	(void)state;
	struct tenv e;
	start(&e, true);
	char err[256];
	struct triage_target tg = {&e.inbox, U5, 1};
	assert_int_equal(triage_apply(e.t, TRIAGE_LABEL_ADD, &tg, "", err, sizeof err), -1);
	assert_string_equal(err, "no label given");
	assert_int_equal(triage_apply(e.t, TRIAGE_LABEL_ADD, &tg, "a\r\nb", err, sizeof err), -1);
	assert_int_equal(triage_apply(e.t, TRIAGE_LABEL_ADD, &tg, "\xff\xfe", err, sizeof err), -1);
	assert_int_equal(triage_apply(e.t, TRIAGE_MOVE, &tg, NULL, err, sizeof err), -1);
	tg.n = 0;
	assert_int_equal(triage_apply(e.t, TRIAGE_READ, &tg, NULL, err, sizeof err), -1);
	tg.n = 1;
	e.inbox.uidvalidity = 0;
	assert_int_equal(triage_apply(e.t, TRIAGE_READ, &tg, NULL, err, sizeof err), -1);
	assert_string_equal(err, "the folder is not open yet");
	fsess_expect_nothing(&e.fg);
	struct tjournal j;
	tjournal(e.c, &j);
	assert_int_equal(j.pending + j.done + j.failed, 0);
	assert_int_equal(triage_pending(e.t), 0);
	tenv_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gmail_commands),
		cmocka_unit_test(test_gmail_thread_read),
		cmocka_unit_test(test_toggles),
		cmocka_unit_test(test_other_commands),
		cmocka_unit_test(test_journal_before_send),
		cmocka_unit_test(test_no_reverts),
		cmocka_unit_test(test_undo_flags_labels),
		cmocka_unit_test(test_undo_move_copyuid),
		cmocka_unit_test(test_undo_gmail_archive),
		cmocka_unit_test(test_undo_cancels_unsent),
		cmocka_unit_test(test_replay_after_restart),
		cmocka_unit_test(test_drop_then_resend),
		cmocka_unit_test(test_trash_drop_and_undo),
		cmocka_unit_test(test_move_replay_checks_first),
		cmocka_unit_test(test_uidvalidity_changed),
		cmocka_unit_test(test_replay_other_folder),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
