/*
 * app_actions — keys to actions, and the actions that are not one pane's: going to folders,
 * searching, triage on the list's targets, the prompts and what their answers do, copying to
 * the clipboard, help, layout, quitting.
 */
#include "config.h"

#include "app.h"
#include "complete.h"

#include "conf.h"
#include "imap/response.h"
#include "loop.h"
#include "mail/model.h"
#include "mail/triage.h"
#include "osc52.h"
#include "sanitize.h"
#include "savefile.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- keys ---------------------------------------------------------------------------------- */

void app_key(struct app *app, uint32_t key)
{
	if (key == UK_RESIZE) {
		/* curses queues this after resizeterm() (our SIGWINCH handler already resized):
		 * only lay out again — resizing here would queue another one */
		app->relayout = true;
		return;
	}
	if (app->prompt) {
		prompt_key(app, key);
		return;
	}
	/* a message stays until the next key once it has been seen for a moment */
	if (app->line[0] && !app->nseq && loop_now_ms(app->loop) - app->line_at > 1500) {
		app->line[0] = '\0';
		app->line_dirty = true;
	}
	enum keymap_ctx ctx = app->help ? KM_HELP : app->panes[app->focus].ops->ctx;
	if (app->nseq >= KEYMAP_MAX_SEQ)
		app->nseq = 0;
	app->seq[app->nseq++] = key;
	enum action a;
	switch (keymap_lookup(app->km, ctx, app->seq, app->nseq, &a)) {
	case KM_MATCH:
		app->nseq = 0;
		app->line_dirty = true;
		if (a != ACT_NONE)
			app_do_action(app, a);
		break;
	case KM_PREFIX:
		app->line_dirty = true;
		break;
	case KM_NOMATCH: {
		char s[96] = "", name[24];
		for (size_t i = 0; i < app->nseq; i++) {
			strncat(s, keymap_key_name(app->seq[i], name, sizeof name), sizeof s - strlen(s) - 2);
			if (i + 1 < app->nseq)
				strncat(s, " ", sizeof s - strlen(s) - 1);
		}
		app->nseq = 0;
		app_say(app, false, "%s is not bound here (? lists the keys)", s);
		break;
	}
	}
}

/* ---- helpers ------------------------------------------------------------------------------- */

static enum view_mode mode_of(struct app *app)
{
	return app->threads ? VIEW_THREADS : VIEW_MESSAGES;
}

static bool is_gmail(struct app *app)
{
	struct account *a = app_account(app);
	if (!a)
		return false;
	struct account_status st;
	account_status(a, &st);
	return st.gmail;
}

/* Folder names for completion: selectable ones; labels_only leaves out INBOX and special
 * folders (Gmail's labels). */
static char **folder_names(struct app *app, bool labels_only, size_t *n, size_t *cap)
{
	char **v = NULL;
	*n = *cap = 0;
	struct account *a = app_account(app);
	size_t nf = a ? account_folder_count(a) : 0;
	for (size_t i = 0; i < nf; i++) {
		struct folder_info fi;
		if (!account_folder(a, i, &fi) || fi.noselect)
			continue;
		if (labels_only && fi.role != FOLDER_NORMAL)
			continue;
		complete_add(&v, n, cap, fi.name);
	}
	return v;
}

static bool folder_exists(struct app *app, const char *name, bool *noselect)
{
	struct account *a = app_account(app);
	size_t nf = a ? account_folder_count(a) : 0;
	for (size_t i = 0; i < nf; i++) {
		struct folder_info fi;
		if (account_folder(a, i, &fi) && !strcmp(fi.name, name)) {
			*noselect = fi.noselect;
			return true;
		}
	}
	return false;
}

int app_open_folder(struct app *app, const char *name)
{
	struct account *a = app_account(app);
	if (!a)
		return -1;
	mpane_hide(app);
	lpane_close_all(app);
	struct view *v = view_open(a, name, mode_of(app));
	if (!v) {
		app_say_raw(app, true, "cannot open ", name);
		return -1;
	}
	lpane_set_mailbox(app, v);
	fpane_follow(app, name);
	app->status_dirty = true;
	return 0;
}

static void go_role(struct app *app, enum folder_role role, const char *what)
{
	struct account *a = app_account(app);
	if (!a)
		return;
	const char *name = account_special_folder(a, role);
	if (!name && role == FOLDER_INBOX)
		name = "INBOX";
	if (!name) {
		app_say(app, true, "this account has no %s folder (yet: the folder list may still be loading)",
			what);
		return;
	}
	char *copy = strdup(name); /* the model's string dies with the next folder change */
	if (copy && app_open_folder(app, copy) == 0) {
		app_set_focus(app, PANE_LIST);
		app_say(app, false, "%s", what);
	}
	free(copy);
}

void app_switch_account(struct app *app, struct acct_slot *slot)
{
	if (slot == app->cur)
		return;
	mpane_hide(app);
	lpane_close_all(app);
	app->cur = slot;
	if (app_slot_open(app, slot))
		app_open_folder(app, "INBOX");
	app_dirty_all(app);
	app_say(app, false, "account %s", slot->cfg->name);
}

/* ---- triage -------------------------------------------------------------------------------- */

static void do_triage(struct app *app, enum triage_action ta, const char *arg)
{
	if (!app->cur->triage) {
		app_say(app, true, "actions are not available on this account");
		return;
	}
	struct view *v;
	uint32_t *uids;
	bool sel;
	const char *why;
	size_t n = lpane_targets(app, &v, &uids, &sel, &why);
	if (!n) {
		app_say(app, true, "%s", why);
		return;
	}
	const struct message_info *mi = mpane_current(app);
	bool hits_open = false;
	for (size_t i = 0; mi && i < n; i++)
		if (uids[i] == mi->uid)
			hits_open = true;
	struct triage_target tg = {v, uids, n};
	char err[512];
	int r = triage_apply(app->cur->triage, ta, &tg, arg, err, sizeof err);
	free(uids);
	if (r < 0) {
		app_say_raw(app, true, "", err);
		return;
	}
	if (sel)
		lpane_clear_selection(app);
	bool leaves = ta == TRIAGE_ARCHIVE || ta == TRIAGE_TRASH || ta == TRIAGE_MOVE;
	if (leaves && hits_open)
		mpane_hide(app);
	char what[300];
	if (arg)
		snprintf(what, sizeof what, "%s %s", triage_action_name(ta), app_san(app, arg, app->san));
	else
		snprintf(what, sizeof what, "%s", triage_action_name(ta));
	app_say(app, false, "%s: %zu message%s - z undoes", what, n, n == 1 ? "" : "s");
	app->status_dirty = true;
}

static void label_prompt(struct app *app)
{
	size_t n, cap;
	char **v = folder_names(app, true, &n, &cap);
	lpane_collect_labels(app, &v, &n, &cap);
	if (!is_gmail(app) && n == 0)
		app_say(app, false, "labels are IMAP keywords on this server");
	prompt_start(app, PROMPT_LABEL, "Label (+add -remove, Tab completes): ", NULL, v, n);
}

/* ---- copy ---------------------------------------------------------------------------------- */

static void copy_text(struct app *app, const char *what, const char *text)
{
	if (!text || !*text) {
		app_say(app, true, "nothing to copy: the %s is empty", what);
		return;
	}
	/* what the user sees, on one line: never control bytes into a clipboard */
	const char *clean = app_san(app, text, 0);
	size_t len = strlen(clean);
	enum osc52_wrap w = osc52_wrap_for(getenv("TMUX"), getenv("STY"), getenv("TERM"));
	if (osc52_encode(&app->osc, clean, len, w) < 0) {
		app_say(app, true, "the %s is too long for the terminal's clipboard", what);
		return;
	}
	app_say(app, false, "copied the %s to the clipboard (%zu bytes, OSC 52%s)", what, len,
		w == OSC52_TMUX ? " through tmux" : w == OSC52_SCREEN ? " through screen" : "");
}

static void copy_done(struct app *app, const char *text)
{
	const struct message_info *mi = mpane_current(app);
	while (*text == ' ')
		text++;
	if (*text >= '0' && *text <= '9') {
		char *end;
		unsigned long k = strtoul(text, &end, 10);
		if (!mi || k < 1 || k > mi->n_links) {
			app_say(app, true, "no link %s (the message has %zu)", text, mi ? mi->n_links : 0);
			return;
		}
		char what[32];
		snprintf(what, sizeof what, "link %lu", k);
		copy_text(app, what, mi->links[k - 1]);
		return;
	}
	char from[512], subj[1024];
	switch (*text) {
	case 'f':
		if (mi)
			copy_text(app, "From address", mi->from);
		else if (lpane_cursor_text(app, from, sizeof from, subj, sizeof subj))
			copy_text(app, "From address", from);
		return;
	case 't':
		if (mi)
			copy_text(app, "To addresses", mi->to);
		return;
	case 'c':
		if (mi)
			copy_text(app, "Cc addresses", mi->cc);
		return;
	case 's':
		if (mi)
			copy_text(app, "subject", mi->subject);
		else if (lpane_cursor_text(app, from, sizeof from, subj, sizeof subj))
			copy_text(app, "subject", subj);
		return;
	case '\0':
		app_say(app, false, "nothing copied");
		return;
	default:
		app_say(app, true, "copy: a link number, or f (from), t (to), c (cc), s (subject)");
	}
}

static void copy_prompt(struct app *app)
{
	const struct message_info *mi = mpane_current(app);
	char label[128];
	if (mi && mi->n_links)
		snprintf(label, sizeof label, "Copy link 1-%zu, or f(rom) t(o) c(c) s(ubject): ", mi->n_links);
	else if (mi)
		snprintf(label, sizeof label, "Copy f(rom) t(o) c(c) s(ubject): ");
	else
		snprintf(label, sizeof label, "Copy from the row: f(rom) s(ubject): ");
	prompt_start(app, PROMPT_COPY, label, NULL, NULL, 0);
}

/* ---- attachments --------------------------------------------------------------------------- */

static size_t save_index; /* the attachment the directory prompt is for (1-based) */

/* One attachment being saved: the file is ours until the model calls save_finished(). */
struct save_job {
	struct app *app;
	int dfd, fd;
	uint32_t size;
	char name[SAVEFILE_NAME_MAX + 16];
	char dir[LINEEDIT_MAX];
};

static void save_job_end(struct save_job *j, bool remove)
{
	if (j->fd >= 0)
		close(j->fd);
	if (remove)
		unlinkat(j->dfd, j->name, 0); /* no half-written file left behind */
	close(j->dfd);
	free(j);
}

static void save_finished(void *ctx, const char *err)
{
	struct save_job *j = ctx;
	struct app *app = j->app;
	app->status_dirty = true; /* the busy mark goes */
	struct stat st;
	long long bytes = fstat(j->fd, &st) == 0 ? (long long)st.st_size : -1;
	int rc = close(j->fd);
	j->fd = -1;
	if (!err && rc != 0)
		err = strerror(errno);
	char name[sizeof j->name + 8];
	snprintf(name, sizeof name, "%s", j->name);
	if (err) {
		/* the model's words may hold server text: all of it goes through the sanitiser */
		char why[sizeof name + 600];
		snprintf(why, sizeof why, "saving %s failed: %.500s", name, err);
		save_job_end(j, true);
		app_say_raw(app, true, "", why);
		return;
	}
	char dir[sizeof j->dir];
	snprintf(dir, sizeof dir, "%s", j->dir);
	save_job_end(j, false);
	char msg[sizeof name + sizeof dir + 64];
	snprintf(msg, sizeof msg, "saved %s (%lld bytes) in %s", name, bytes, dir);
	app_say_raw(app, false, "", msg);
}

static void save_prompt(struct app *app)
{
	const struct message_info *mi = mpane_current(app);
	if (!mi) {
		app_say(app, true, "open a message first");
		return;
	}
	if (!mi->n_attachments) {
		app_say(app, false, "this message has no attachments");
		return;
	}
	char label[96];
	snprintf(label, sizeof label, "Save attachment (1-%zu) to directory: ", mi->n_attachments);
	const char *dl = getenv("XDG_DOWNLOAD_DIR");
	char initial[LINEEDIT_MAX];
	snprintf(initial, sizeof initial, "1 %s", dl && *dl ? dl : "~/Downloads");
	if (mi->n_attachments == 1)
		snprintf(label, sizeof label, "Save attachment 1 to directory: ");
	prompt_start(app, PROMPT_SAVE, label, mi->n_attachments == 1 ? initial + 2 : initial, NULL, 0);
	save_index = 1;
}

static void save_done(struct app *app, const char *text)
{
	const struct message_info *mi = mpane_current(app);
	if (!mi || !mi->n_attachments)
		return;
	size_t idx = save_index;
	while (*text == ' ')
		text++;
	if (mi->n_attachments > 1) {
		char *end;
		unsigned long k = strtoul(text, &end, 10);
		if (end == text || k < 1 || k > mi->n_attachments) {
			app_say(app, true, "give the attachment's number (1-%zu), then the directory",
				mi->n_attachments);
			return;
		}
		idx = k;
		text = end;
		while (*text == ' ')
			text++;
	}
	if (!*text)
		text = ".";
	int dfd = savefile_dir_open(text);
	if (dfd < 0) {
		app_say(app, true, "cannot use directory %s: %s", app_san(app, text, app->san),
			strerror(errno));
		return;
	}
	struct message *msg = mpane_message(app);
	struct save_job *j = calloc(1, sizeof *j);
	if (!msg || !j) {
		free(j);
		close(dfd);
		app_say(app, true, "cannot save: %s", msg ? "out of memory" : "no message");
		return;
	}
	j->app = app;
	j->dfd = dfd;
	j->size = mi->attachments[idx - 1].size;
	snprintf(j->dir, sizeof j->dir, "%s", text);
	/* a safe base name, created with O_EXCL | O_NOFOLLOW inside the directory chosen */
	j->fd = savefile_create(dfd, mi->attachments[idx - 1].name, j->name, sizeof j->name);
	if (j->fd < 0) {
		app_say(app, true, "cannot create a file in %s: %s", app_san(app, text, app->san),
			strerror(errno));
		close(dfd);
		free(j);
		return;
	}
	if (message_save_attachment(msg, idx - 1, j->fd, save_finished, j) != 0) {
		app_say(app, true, "cannot save %s now (is the folder open?)", app_san(app, j->name, app->san));
		save_job_end(j, true);
		return;
	}
	app_say(app, false, "saving %s (%u bytes encoded) ...", app_san(app, j->name, app->san), j->size);
}

/* ---- prompt answers ------------------------------------------------------------------------ */

void app_prompt_done(struct app *app, enum prompt_kind kind, const char *text)
{
	struct account *a = app_account(app);
	switch (kind) {
	case PROMPT_SEARCH: {
		while (*text == ' ')
			text++;
		if (!*text || !a) {
			app_say(app, false, "no search");
			return;
		}
		const char *folder = is_gmail(app) ? account_special_folder(a, FOLDER_ALL) : NULL;
		char err[512];
		struct view *v = view_search(a, folder, text, mode_of(app), err, sizeof err);
		if (!v) {
			app_say_raw(app, true, "search: ", err);
			return;
		}
		mpane_hide(app);
		lpane_set_search(app, v, text);
		app_set_focus(app, PANE_LIST);
		app_say_raw(app, false, "search: ", text);
		return;
	}
	case PROMPT_LABEL: {
		enum label_op op;
		char name[LINEEDIT_MAX];
		if (!label_input_parse(text, &op, name, sizeof name)) {
			app_say(app, false, "no label given");
			return;
		}
		do_triage(app, op == LABEL_ADD ? TRIAGE_LABEL_ADD
			       : op == LABEL_REMOVE ? TRIAGE_LABEL_REMOVE : TRIAGE_LABEL_TOGGLE, name);
		return;
	}
	case PROMPT_MOVE: {
		bool nosel = false;
		if (!*text)
			return;
		if (!folder_exists(app, text, &nosel) || nosel) {
			app_say_raw(app, true, "no folder to move to called ", text);
			return;
		}
		do_triage(app, TRIAGE_MOVE, text);
		return;
	}
	case PROMPT_GOTO: {
		bool nosel = false;
		if (!*text)
			return;
		if (!folder_exists(app, text, &nosel)) {
			size_t n, cap, m[2];
			char **v = folder_names(app, false, &n, &cap);
			size_t k = complete_match((const char *const *)v, n, text, m, 2);
			char *pick = k == 1 ? strdup(v[m[0]]) : NULL;
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			if (!pick) {
				app_say_raw(app, true, k ? "more than one folder matches " : "no folder called ",
					    text);
				return;
			}
			if (app_open_folder(app, pick) == 0)
				app_set_focus(app, PANE_LIST);
			free(pick);
			return;
		}
		if (nosel) {
			app_say_raw(app, true, "cannot open a folder that only holds folders: ", text);
			return;
		}
		if (app_open_folder(app, text) == 0)
			app_set_focus(app, PANE_LIST);
		return;
	}
	case PROMPT_ACCOUNT:
		for (size_t i = 0; i < app->n_slots; i++)
			if (!strcmp(app->slots[i].cfg->name, text)) {
				app_switch_account(app, &app->slots[i]);
				return;
			}
		app_say_raw(app, true, "no account called ", text);
		return;
	case PROMPT_COPY:
		copy_done(app, text);
		return;
	case PROMPT_SAVE:
		save_done(app, text);
		return;
	}
}

/* ---- actions ------------------------------------------------------------------------------- */

static void focus_cycle(struct app *app, int dir)
{
	enum pane_id order[3] = {PANE_FOLDERS, PANE_LIST, PANE_MESSAGE};
	int n = app->message_open ? 3 : 2;
	int at = 0;
	for (int i = 0; i < n; i++)
		if (order[i] == app->focus)
			at = i;
	app_set_focus(app, order[(at + dir + n) % n]);
}

void app_do_action(struct app *app, enum action a)
{
	if (app->help && help_action(app, a))
		return;
	struct pane *p = &app->panes[app->focus];
	if (p->ops->action(p, a)) {
		p->dirty |= DIRTY_DRAW;
		app->status_dirty = true;
		return;
	}
	/* list actions work from the message pane too (select, expand, collapse) */
	if (app->focus != PANE_LIST &&
	    (a == ACT_SELECT || a == ACT_SELECT_ALL || a == ACT_SELECT_NONE ||
	     a == ACT_EXPAND_THREAD || a == ACT_COLLAPSE_THREAD) &&
	    list_pane_ops.action(app_pane(app, PANE_LIST), a))
		return;
	char err[512];
	switch (a) {
	case ACT_QUIT:
		app->quit = true;
		loop_stop(app->loop);
		return;
	case ACT_REDRAW:
		app->repaint = true;
		app_dirty_all(app);
		return;
	case ACT_HELP:
		app->help = !app->help;
		app->help_top = 0;
		app->relayout = true;
		return;
	case ACT_CANCEL:
		if (app->message_open)
			mpane_hide(app);
		else if (lpane_in_search(app))
			lpane_leave_search(app);
		else
			lpane_clear_selection(app);
		app->line[0] = '\0';
		app->line_dirty = true;
		return;
	case ACT_BACK:
		if (app->message_open)
			mpane_hide(app);
		else if (lpane_in_search(app))
			lpane_leave_search(app);
		app_set_focus(app, PANE_LIST);
		return;
	case ACT_FOCUS_NEXT:
		focus_cycle(app, 1);
		return;
	case ACT_FOCUS_PREV:
		focus_cycle(app, -1);
		return;
	case ACT_FOCUS_FOLDERS:
		app_set_focus(app, PANE_FOLDERS);
		return;
	case ACT_TOGGLE_LAYOUT: {
		enum layout_mode now = app->lay.mode;
		app->mode = now == LAYOUT_WIDE ? LAYOUT_NARROW : now == LAYOUT_NARROW ? LAYOUT_SINGLE
											: LAYOUT_WIDE;
		app->relayout = true;
		app_say(app, false, "layout: %s", layout_name(app->mode));
		return;
	}
	case ACT_TOGGLE_THREADS:
		app->threads = !app->threads;
		lpane_set_threads(app, app->threads);
		app_say(app, false, "%s", app->threads ? "one row per conversation" : "one row per message");
		return;
	case ACT_ARCHIVE:
		do_triage(app, TRIAGE_ARCHIVE, NULL);
		return;
	case ACT_TRASH:
		do_triage(app, TRIAGE_TRASH, NULL);
		return;
	case ACT_TOGGLE_STAR:
		do_triage(app, TRIAGE_TOGGLE_STAR, NULL);
		return;
	case ACT_MARK_READ:
		do_triage(app, TRIAGE_READ, NULL);
		return;
	case ACT_MARK_UNREAD:
		do_triage(app, TRIAGE_UNREAD, NULL);
		return;
	case ACT_TOGGLE_READ: {
		/* read when anything targeted is unread: the list rows know */
		struct view *v;
		uint32_t *uids;
		bool sel;
		const char *why;
		size_t n = lpane_targets(app, &v, &uids, &sel, &why);
		bool any_unread = false;
		for (size_t i = 0; i < n; i++) {
			size_t pos = view_find_uid(v, uids[i]);
			struct view_row r;
			if (pos != SIZE_MAX && view_row(v, pos, &r) && r.loaded &&
			    (r.n_msgs > 1 ? r.n_unread > 0 : !(r.flags & IMAP_FLAG_SEEN)))
				any_unread = true;
		}
		free(uids);
		do_triage(app, any_unread ? TRIAGE_READ : TRIAGE_UNREAD, NULL);
		return;
	}
	case ACT_LABEL:
		label_prompt(app);
		return;
	case ACT_MOVE: {
		size_t n, cap;
		char **v = folder_names(app, false, &n, &cap);
		prompt_start(app, PROMPT_MOVE, "Move to: ", NULL, v, n);
		return;
	}
	case ACT_UNDO:
		if (!app->cur->triage)
			return;
		lpane_follow_insert(app);
		if (triage_undo(app->cur->triage, err, sizeof err) < 0)
			app_say_raw(app, true, "", err);
		else
			app_say(app, false, "undone");
		return;
	case ACT_GOTO_INBOX:
		go_role(app, FOLDER_INBOX, "Inbox");
		return;
	case ACT_GOTO_STARRED:
		go_role(app, FOLDER_FLAGGED, "Starred");
		return;
	case ACT_GOTO_SENT:
		go_role(app, FOLDER_SENT, "Sent");
		return;
	case ACT_GOTO_DRAFTS:
		go_role(app, FOLDER_DRAFTS, "Drafts");
		return;
	case ACT_GOTO_ALL:
		go_role(app, is_gmail(app) ? FOLDER_ALL : FOLDER_ARCHIVE, is_gmail(app) ? "All Mail" : "Archive");
		return;
	case ACT_GOTO_TRASH:
		go_role(app, FOLDER_TRASH, "Trash");
		return;
	case ACT_GOTO_LABEL: {
		size_t n, cap;
		char **v = folder_names(app, false, &n, &cap);
		prompt_start(app, PROMPT_GOTO, "Go to: ", NULL, v, n);
		return;
	}
	case ACT_SWITCH_ACCOUNT: {
		if (app->n_slots < 2) {
			app_say(app, false, "only one account is configured");
			return;
		}
		char **v = calloc(app->n_slots, sizeof *v);
		size_t n = 0;
		for (size_t i = 0; v && i < app->n_slots; i++)
			if ((v[n] = strdup(app->slots[i].cfg->name)))
				n++;
		prompt_start(app, PROMPT_ACCOUNT, "Account: ", NULL, v, n);
		return;
	}
	case ACT_SEARCH:
		prompt_start(app, PROMPT_SEARCH, "Search: ", NULL, NULL, 0);
		return;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		if (!lpane_in_search(app)) {
			app_say(app, false, "no search results here (/ searches)");
			return;
		}
		lpane_step(app, a == ACT_SEARCH_NEXT ? 1 : -1, app->message_open);
		return;
	case ACT_COPY:
		copy_prompt(app);
		return;
	case ACT_SAVE_ATTACHMENT:
		save_prompt(app);
		return;
	case ACT_LOAD_MORE:
		if (app->message_open)
			message_pane_ops.action(app_pane(app, PANE_MESSAGE), a);
		else
			app_say(app, false, "open a message first");
		return;
	case ACT_REFRESH: {
		struct account *acc = app_account(app);
		if (!acc)
			return;
		struct account_status st;
		account_status(acc, &st);
		if (st.state == ACCOUNT_RECONNECTING || st.state == ACCOUNT_OFFLINE) {
			account_reconnect(acc);
			app_say(app, false, "reconnecting now");
		} else {
			account_refresh_folders(acc);
			app_say(app, false, "refreshing the folder list");
		}
		return;
	}
	case ACT_OPEN:
	case ACT_NEXT:
	case ACT_PREV:
	case ACT_SCROLL_DOWN:
	case ACT_SCROLL_UP:
	case ACT_PAGE_DOWN:
	case ACT_PAGE_UP:
	case ACT_FIRST:
	case ACT_LAST:
	case ACT_EXPAND_THREAD:
	case ACT_COLLAPSE_THREAD:
	case ACT_SELECT:
	case ACT_SELECT_ALL:
	case ACT_SELECT_NONE:
	case ACT_NONE:
	case ACT__COUNT:
		return;
	}
}
