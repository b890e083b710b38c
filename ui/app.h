/*
 * app — the reader's shared state, for the ui/ modules that draw with curses (internal header;
 * the entry point is ui/ui.h).
 *
 * Shape (../shared/STYLE.md: tig's panes, redis's before-sleep redraw):
 *  - Three panes (folders, list, message), each an ops table with private data. recalc()
 *    rebuilds what a pane shows from the model (rows, wrapped text) and draw() paints it into
 *    the pane's window; both run only from the loop's before-sleep hook, driven by dirty
 *    flags, and that hook is the only place doupdate() is called.
 *  - Keys go through ui/keymap to an action (ui/action.h); the focused pane's action() gets it
 *    first, then app_do_action() (app_actions.c) handles what is global: going places,
 *    searching, triage, the prompt, help, layout, quitting.
 *  - The model (src/mail/model.h) reports through one callback (app_changed) that only marks
 *    panes dirty and keeps cursors on their rows. Panes talk to the model, never to the engine.
 *  - Every server or message string passes app_san() (ui/sanitize.h) before it is drawn.
 */
#ifndef SKUA_UI_APP_H
#define SKUA_UI_APP_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "action.h"
#include "buf.h"
#include "complete.h"
#include "keymap.h"
#include "layout.h"
#include "theme.h"
#include "ui.h"

struct app;
struct account;
struct cache;
struct config;
struct config_account;
struct loop;
struct loop_fd;
struct loop_hook;
struct loop_signal;
struct loop_timer;
struct message;
struct message_info;
struct model_change;
struct triage;
struct view;

/* ---- panes ------------------------------------------------------------------------------- */

enum { DIRTY_DRAW = 1u << 0, DIRTY_RECALC = 1u << 1 };

struct pane;
struct pane_ops {
	const char *name;
	enum keymap_ctx ctx;
	void (*recalc)(struct pane *p);                 /* model -> what to show */
	void (*draw)(struct pane *p);                   /* what to show -> p->win */
	bool (*action)(struct pane *p, enum action a);  /* true when handled */
	void (*free)(struct pane *p);
};

struct pane {
	const struct pane_ops *ops;
	struct app *app;
	enum pane_id id;
	WINDOW *win;     /* NULL while the layout hides the pane */
	struct rect r;
	unsigned dirty;
	void *priv;
};

extern const struct pane_ops folders_pane_ops, list_pane_ops, message_pane_ops;

/* ---- accounts ---------------------------------------------------------------------------- */

struct acct_slot {
	struct app *app;
	const struct config_account *cfg;
	struct cache *cache;
	struct account *acct;  /* NULL until first used */
	struct triage *triage;
	char last_error[256];  /* the status error last shown, to notice a new one */
};

/* ---- the prompt -------------------------------------------------------------------------- */

enum prompt_kind {
	PROMPT_SEARCH,
	PROMPT_LABEL,
	PROMPT_MOVE,
	PROMPT_GOTO,
	PROMPT_ACCOUNT,
	PROMPT_COPY,
	PROMPT_SAVE,
};

#define PROMPT_MATCHES 256

struct prompt {
	enum prompt_kind kind;
	char label[80];
	struct lineedit le;
	char **cands;          /* completion candidates (owned) */
	size_t n_cands;
	size_t match[PROMPT_MATCHES];
	size_t n_match;        /* matches of the input before the completion cycle started */
	size_t cycle;          /* next match Tab gives; SIZE_MAX: not cycling */
	bool show_matches;
};

/* ---- the app ----------------------------------------------------------------------------- */

struct app {
	struct loop *loop;
	const struct config *cfg;
	const struct ui_opts *opts;
	struct acct_slot *slots;
	size_t n_slots;
	struct acct_slot *cur;

	struct keymap *km;
	struct theme theme;
	attr_t attr[TE__COUNT];   /* curses attributes (with colour pair) of each element */
	unsigned san;             /* sanitiser flags for one-line text (SAN_LOCALE_ASCII or 0) */
	bool utf8;

	enum layout_mode mode;
	struct layout lay;
	struct pane panes[PANE__COUNT];
	enum pane_id focus;
	bool message_open;
	bool threads;             /* one row per conversation */
	bool relayout, chrome_dirty, status_dirty, line_dirty, repaint;

	WINDOW *input;            /* 1x1, never drawn: keys are read through it */
	WINDOW *status_win, *line_win, *help_win;

	uint32_t seq[KEYMAP_MAX_SEQ];
	size_t nseq;

	char line[512];           /* the message line (sanitised) */
	bool line_error;
	int64_t line_at;

	struct prompt *prompt;
	bool help;
	size_t help_top, help_lines;

	struct buf osc;           /* OSC 52 bytes to write after the next doupdate() */
	struct buf scratch;       /* app_san() output */

	bool quit;
	int status;

	struct loop_fd *in;
	struct loop_hook *hook;
	struct loop_signal *sig[8];
	struct loop_timer *tick;
};

/* ui_run's pieces (app.c) */
void app_changed(void *ctx, const struct model_change *ch);
void app_say(struct app *app, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The message line shows untrusted text: sanitised here. */
void app_say_raw(struct app *app, bool error, const char *prefix, const char *text);
void app_dirty(struct app *app, enum pane_id id, unsigned what);
void app_dirty_all(struct app *app);
void app_set_focus(struct app *app, enum pane_id id);
struct pane *app_pane(struct app *app, enum pane_id id);
struct account *app_account(struct app *app);
/* Sanitises s into the scratch buffer (one line unless flags has SAN_BODY); valid until the
 * next call. Never NULL. */
const char *app_san(struct app *app, const char *s, unsigned flags);

/* drawing helpers (draw.c) */
/* Appends to a display buffer, where a cut at its cap is acceptable. */
void bput(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void draw_fill(WINDOW *w, int y, attr_t a);
/* Draws sanitised text at (y, x) in at most cols columns; returns columns used. */
int draw_text(WINDOW *w, int y, int x, const char *s, int cols, attr_t a);
/* The same for untrusted text: sanitised first. */
int draw_raw(struct app *app, WINDOW *w, int y, int x, const char *s, int cols, attr_t a);
/* Draws right-aligned text ending at column x_end. */
void draw_right(WINDOW *w, int y, int x_end, const char *s, attr_t a);
void draw_status(struct app *app);
void draw_line(struct app *app);
void draw_help(struct app *app);
bool help_action(struct app *app, enum action a);
const char *app_glyph(struct app *app, const char *utf8, const char *ascii);

/* terminal (term.c) */
int term_start(struct app *app, char *err, size_t errlen);
void term_stop(struct app *app);
void term_colors(struct app *app);
void term_resize(struct app *app);
void term_suspend(struct app *app);
/* The next key, or -1 when none is waiting. */
long term_key(struct app *app);
void term_crash_handlers(void);

/* global actions (app_actions.c) */
void app_do_action(struct app *app, enum action a);
void app_key(struct app *app, uint32_t key);
int app_open_folder(struct app *app, const char *name);
void app_switch_account(struct app *app, struct acct_slot *slot);
struct acct_slot *app_slot_open(struct app *app, struct acct_slot *slot);

/* prompt (prompt.c) */
void prompt_start(struct app *app, enum prompt_kind kind, const char *label, const char *initial,
		  char **cands, size_t n_cands);
void prompt_key(struct app *app, uint32_t key);
void prompt_cancel(struct app *app);
void prompt_draw(struct app *app);
void prompt_free(struct prompt **pp);
/* Called by prompt.c on Enter (app_actions.c). */
void app_prompt_done(struct app *app, enum prompt_kind kind, const char *text);

/* the list pane (pane_list.c) */
struct view *lpane_view(struct app *app);
bool lpane_in_search(struct app *app);
void lpane_set_mailbox(struct app *app, struct view *v);
void lpane_set_search(struct app *app, struct view *v, const char *query);
void lpane_leave_search(struct app *app);
void lpane_close_all(struct app *app);
/* Moves the cursor by delta rows and opens that row when open is true. */
void lpane_step(struct app *app, long delta, bool open);
/* The targets of a triage action: the selection, else the cursor's row (a thread: all of its
 * messages). Returns how many UIDs (0: nothing to act on, with *why set). The UIDs are in
 * *uids (malloc'd). */
size_t lpane_targets(struct app *app, struct view **v, uint32_t **uids, bool *selection,
		    const char **why);
void lpane_clear_selection(struct app *app);
/* Labels seen on the loaded rows (for completion); adds to a string vector. */
void lpane_collect_labels(struct app *app, char ***v, size_t *n, size_t *cap);
void lpane_set_threads(struct app *app, bool on);
void lpane_model(struct app *app, const struct model_change *ch);
/* The next row inserted (an undo bringing a row back) takes the cursor. */
void lpane_follow_insert(struct app *app);
/* The cursor row's sender address and subject (for copy without an open message). */
bool lpane_cursor_text(struct app *app, char *from, size_t fromsz, char *subj, size_t subjsz);

/* the message pane (pane_message.c) */
void mpane_show(struct app *app, struct view *v, uint32_t uid);
void mpane_hide(struct app *app);
/* The open message of view v is going away with it. */
void mpane_view_closing(struct app *app, struct view *v);
const struct message_info *mpane_current(struct app *app);
/* The open message itself (for saving attachments), or NULL. */
struct message *mpane_message(struct app *app);
void mpane_model(struct app *app, const struct model_change *ch);

/* the folder pane (pane_folders.c) */
void fpane_follow(struct app *app, const char *name);
const char *fpane_current(struct app *app);

#endif
