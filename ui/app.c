/*
 * app — ui_run(): sets up the terminal, the accounts and the loop; the model's change callback;
 * the before-sleep hook that recalculates and repaints dirty panes and calls doupdate() (the
 * only place it is called); signals (resize, ^Z, hang-up, terminate).
 */
#include "config.h"

#include "app.h"

#include "conf.h"
#include "loop.h"
#include "mail/cache.h"
#include "mail/html2text.h"
#include "mail/model.h"
#include "mail/triage.h"
#include "osc52.h"
#include "sanitize.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SKUA_THEMEDIR
#define SKUA_THEMEDIR ""
#endif

#define SCRATCH_CAP ((size_t)1 << 20)

struct pane *app_pane(struct app *app, enum pane_id id)
{
	return &app->panes[id];
}

struct account *app_account(struct app *app)
{
	return app->cur ? app->cur->acct : NULL;
}

const char *app_san(struct app *app, const char *s, unsigned flags)
{
	buf_reset(&app->scratch);
	if (!s)
		return "";
	(void)san_text(s, strlen(s), flags, &app->scratch); /* cut at the cap: fine for display */
	return buf_data(&app->scratch);
}

void app_dirty(struct app *app, enum pane_id id, unsigned what)
{
	app->panes[id].dirty |= what;
}

void app_dirty_all(struct app *app)
{
	for (int i = 0; i < PANE__COUNT; i++)
		app->panes[i].dirty |= DIRTY_RECALC | DIRTY_DRAW;
	app->chrome_dirty = app->status_dirty = app->line_dirty = true;
}

void app_set_focus(struct app *app, enum pane_id id)
{
	if (id == PANE_MESSAGE && !app->message_open)
		id = PANE_LIST;
	if (app->focus == id)
		return;
	enum pane_id old = app->focus;
	app->focus = id;
	app_dirty(app, old, DIRTY_DRAW);
	app_dirty(app, id, DIRTY_DRAW);
	/* layouts that hide panes change with the focus */
	app->relayout = true;
	app->status_dirty = true;
}

/* ---- the model's callback ------------------------------------------------------------------ */

static void status_tick(struct loop *loop, struct loop_timer *t, void *ctx);

void app_changed(void *ctx, const struct model_change *ch)
{
	struct acct_slot *slot = ctx;
	struct app *app = slot->app;
	if (!slot->acct) {
		/* from inside account_new(): nothing to read yet, just redraw soon */
		app->status_dirty = true;
		return;
	}
	if (slot != app->cur) {
		/* another account: only its failures are worth a word */
		if ((ch->what & MODEL_ALERT) && ch->text) {
			char prefix[96];
			snprintf(prefix, sizeof prefix, "%s: ", slot->cfg->name);
			app_say_raw(app, true, prefix, ch->text);
		}
		return;
	}
	if (ch->what & MODEL_STATUS) {
		app->status_dirty = true;
		struct account_status st;
		account_status(slot->acct, &st);
		if (st.error[0] && strcmp(st.error, slot->last_error)) {
			snprintf(slot->last_error, sizeof slot->last_error, "%s", st.error);
			app_say_raw(app, true, "", st.error);
		} else if (!st.error[0]) {
			slot->last_error[0] = '\0';
		}
		if (st.state == ACCOUNT_RECONNECTING && !loop_timer_armed(app->tick))
			loop_timer_start(app->tick, 1000);
		app_dirty(app, PANE_FOLDERS, DIRTY_DRAW);
	}
	if (ch->what & MODEL_FOLDERS) {
		app_dirty(app, PANE_FOLDERS, DIRTY_RECALC | DIRTY_DRAW);
		app->status_dirty = true;
	}
	if (ch->what & (MODEL_ROWS | MODEL_COUNT | MODEL_VIEW)) {
		lpane_model(app, ch);
		app->status_dirty = true; /* the loaded count */
	}
	if (ch->what & MODEL_MESSAGE)
		mpane_model(app, ch);
	if ((ch->what & MODEL_ALERT) && ch->text)
		app_say_raw(app, true, "", ch->text);
}

static void status_tick(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct app *app = ctx;
	(void)loop;
	app->status_dirty = true;
	struct account *a = app_account(app);
	if (a) {
		struct account_status st;
		account_status(a, &st);
		if (st.state == ACCOUNT_RECONNECTING)
			loop_timer_start(t, 1000);
	}
}

/* ---- layout and redraw ------------------------------------------------------------------- */

static WINDOW *remake(WINDOW *w, const struct rect *r)
{
	if (w)
		delwin(w);
	if (!rect_visible(r))
		return NULL;
	WINDOW *n = newwin(r->h, r->w, r->y, r->x);
	if (n)
		leaveok(n, TRUE);
	return n;
}

/* Every window takes the theme's normal colours as its background. */
static WINDOW *remake_bg(struct app *app, WINDOW *w, const struct rect *r)
{
	WINDOW *n = remake(w, r);
	if (n)
		wbkgdset(n, ' ' | app->attr[TE_NORMAL]);
	return n;
}

static void relayout(struct app *app)
{
	struct layout_in in = {LINES, COLS, app->mode, app->focus, app->message_open};
	layout_compute(&in, &app->lay);
	for (int i = 0; i < PANE__COUNT; i++) {
		struct pane *p = &app->panes[i];
		struct rect r = app->help ? (struct rect){0} : app->lay.pane[i];
		bool changed = memcmp(&r, &p->r, sizeof r) != 0 || !p->win != !rect_visible(&r);
		if (changed || app->repaint) {
			p->win = remake_bg(app, p->win, &r);
			p->r = p->win ? r : (struct rect){0};
			p->dirty |= DIRTY_RECALC | DIRTY_DRAW;
		}
	}
	app->status_win = remake_bg(app, app->status_win, &app->lay.status);
	app->line_win = remake_bg(app, app->line_win, &app->lay.line);
	struct rect hr = {0, 0, LINES - 2, COLS};
	app->help_win = remake_bg(app, app->help_win, app->help && !app->lay.too_small ? &hr : &(struct rect){0});
	app->chrome_dirty = app->status_dirty = app->line_dirty = true;
	app->relayout = false;
}

static void draw_chrome(struct app *app)
{
	werase(stdscr);
	if (app->lay.too_small) {
		wattrset(stdscr, A_NORMAL);
		mvwaddnstr(stdscr, 0, 0, "terminal too small", COLS);
	} else if (!app->help) {
		/* UTF-8 terminals get the box-drawing characters as text (multiplexers show them
		 * whatever the terminal's alternate character set); others get ACS, which curses
		 * draws with what the terminal has ('|' and '-' at worst) */
		attr_t b = app->attr[TE_BORDER];
		wattrset(stdscr, b);
		for (int i = 0; i < 2; i++) {
			const struct rect *r = &app->lay.vsep[i];
			for (int y = 0; rect_visible(r) && y < r->h; y++) {
				if (app->utf8)
					mvwaddstr(stdscr, r->y + y, r->x, "\xe2\x94\x82");
				else
					mvwaddch(stdscr, r->y + y, r->x, ACS_VLINE);
			}
		}
		const struct rect *r = &app->lay.hsep;
		for (int x = 0; rect_visible(r) && x < r->w; x++) {
			if (app->utf8)
				mvwaddstr(stdscr, r->y, r->x + x, "\xe2\x94\x80");
			else
				mvwaddch(stdscr, r->y, r->x + x, ACS_HLINE);
		}
	}
	wnoutrefresh(stdscr);
}

static void before_sleep(struct loop *loop, void *ctx)
{
	struct app *app = ctx;
	(void)loop;
	if (app->quit)
		return;
	if (app->repaint)
		clearok(curscr, TRUE);
	if (app->relayout || app->repaint)
		relayout(app);
	bool chrome = app->chrome_dirty;
	if (chrome) {
		draw_chrome(app);
		app->chrome_dirty = false;
	}
	if (app->help) {
		draw_help(app);
	} else {
		for (int i = 0; i < PANE__COUNT; i++) {
			struct pane *p = &app->panes[i];
			if (!p->win) {
				p->dirty = 0;
				continue;
			}
			if (chrome)
				p->dirty |= DIRTY_DRAW;
			if (p->dirty & DIRTY_RECALC)
				p->ops->recalc(p);
			if (p->dirty)
				p->ops->draw(p);
			p->dirty = 0;
		}
	}
	if (app->status_dirty || chrome) {
		if (!(app->prompt && app->prompt->show_matches))
			draw_status(app);
		app->status_dirty = false;
		app->line_dirty = true;
	}
	if (app->line_dirty || chrome) {
		if (!app->prompt)
			curs_set(0);
		draw_line(app);
		app->line_dirty = false;
	}
	doupdate();
	app->repaint = false;
	if (buf_len(&app->osc)) {
		/* after the screen: the clipboard sequence goes straight to the terminal */
		const char *d = buf_data(&app->osc);
		size_t n = buf_len(&app->osc);
		while (n) {
			ssize_t w = write(STDOUT_FILENO, d, n);
			if (w <= 0)
				break;
			d += w;
			n -= (size_t)w;
		}
		buf_reset(&app->osc);
	}
}

/* ---- input and signals ------------------------------------------------------------------- */

static void on_stdin(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct app *app = ctx;
	(void)fd;
	long k;
	while (!app->quit && (k = term_key(app)) >= 0)
		app_key(app, (uint32_t)k);
	if (events & LOOP_ERROR) {
		/* the terminal is gone (a hang-up without SIGHUP): stop like SIGHUP */
		for (size_t i = 0; i < app->n_slots; i++)
			if (app->slots[i].triage)
				triage_flush(app->slots[i].triage);
		app->quit = true;
		app->status = 1;
	}
	if (app->quit)
		loop_stop(loop);
}

static void on_signal(struct loop *loop, int sig, void *ctx)
{
	struct app *app = ctx;
	switch (sig) {
	case SIGWINCH:
		term_resize(app);
		break;
	case SIGTSTP:
		term_suspend(app);
		break;
	case SIGCONT:
		app->repaint = true;
		break;
	case SIGINT:
		if (app->prompt) {
			prompt_cancel(app);
			app_say(app, false, "cancelled");
			break;
		}
		app->quit = true;
		loop_stop(loop);
		break;
	case SIGHUP:
	case SIGTERM:
		for (size_t i = 0; i < app->n_slots; i++)
			if (app->slots[i].triage)
				triage_flush(app->slots[i].triage);
		app->quit = true;
		app->status = 128 + sig;
		loop_stop(loop);
		break;
	default:
		break;
	}
}

/* ---- accounts ------------------------------------------------------------------------------ */

static void cache_log(void *ctx, const char *msg)
{
	struct acct_slot *slot = ctx;
	if (slot->app->cur == slot)
		app_say_raw(slot->app, true, "cache: ", msg);
}

/* An action ended (confirmed or failed): the status line's count of unsent actions changed.
 * Failures reach the user as alerts through the model already. */
static void triage_notified(void *ctx, int64_t group, bool ok, const char *text)
{
	struct acct_slot *slot = ctx;
	if (slot->app->cur == slot)
		slot->app->status_dirty = true;
}

/* [ui] html_filter: unset or "auto" = w3m or lynx when found (looked up once), "builtin" (or
 * "none") = the built-in converter, anything else = that command (run without a shell). */
static const char *app_html_filter(struct app *app)
{
	static bool looked;
	static const char *found;
	const char *conf = app->cfg->html_filter;
	if (conf && *conf && strcmp(conf, "auto") != 0)
		return strcmp(conf, "builtin") == 0 || strcmp(conf, "none") == 0 ? NULL : conf;
	if (!looked) {
		found = html2text_find_filter(NULL);
		looked = true;
	}
	return found;
}

struct acct_slot *app_slot_open(struct app *app, struct acct_slot *slot)
{
	if (slot->acct)
		return slot;
	struct cache_opts co = {0};
	co.log = cache_log;
	co.log_ctx = slot;
	slot->cache = cache_open(slot->cfg->name, &co);
	struct account_opts o;
	account_opts_init(&o);
	o.cache = slot->cache;
	o.html_filter = app_html_filter(app);
	char err[512];
	slot->acct = account_new(app->loop, slot->cfg, &o, app_changed, slot, err, sizeof err);
	if (!slot->acct) {
		app_say_raw(app, true, "", err);
		cache_close(&slot->cache);
		return NULL;
	}
	slot->triage = triage_new(app->loop, slot->acct, slot->cache);
	if (!slot->triage)
		app_say(app, true, "actions are not available (out of memory)");
	else
		triage_set_notify(slot->triage, triage_notified, slot);
	return slot;
}

static void slot_close(struct acct_slot *slot)
{
	triage_free(&slot->triage);
	account_free(&slot->acct);
	cache_close(&slot->cache);
}

/* ---- run ----------------------------------------------------------------------------------- */

static int setup(struct app *app, char *err, size_t errlen)
{
	const char *cs = nl_langinfo(CODESET);
	app->utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
	app->san = app->utf8 ? 0 : SAN_LOCALE_ASCII;
	buf_init(&app->scratch, SCRATCH_CAP);
	buf_init(&app->osc, (size_t)OSC52_MAX * 2 + 256);
	app->km = keymap_new();
	if (!app->km || keymap_preset(app->km, app->cfg->keys_preset) < 0) {
		snprintf(err, errlen, "%s: keys preset '%s' is unknown", app->cfg->path,
			 app->cfg->keys_preset);
		return -1;
	}
	if (keymap_apply_config(app->km, app->cfg->path, app->cfg->keys, app->cfg->n_keys, err,
				errlen) < 0)
		return -1;
	char terr[512];
	if (theme_load(&app->theme, app->cfg->theme, SKUA_THEMEDIR, terr, sizeof terr) < 0) {
		snprintf(err, errlen, "%s", terr);
		return -1;
	}
	if (!layout_parse(app->cfg->layout, &app->mode))
		app->mode = LAYOUT_AUTO;
	app->threads = true;
	app->focus = PANE_LIST;
	const struct pane_ops *ops[PANE__COUNT] = {&folders_pane_ops, &list_pane_ops, &message_pane_ops};
	for (int i = 0; i < PANE__COUNT; i++) {
		app->panes[i].ops = ops[i];
		app->panes[i].app = app;
		app->panes[i].id = (enum pane_id)i;
	}
	app->slots = calloc(app->cfg->n_accounts, sizeof *app->slots);
	if (!app->slots) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	app->n_slots = app->cfg->n_accounts;
	for (size_t i = 0; i < app->n_slots; i++) {
		app->slots[i].app = app;
		app->slots[i].cfg = &app->cfg->accounts[i];
		if (app->opts->account && !strcmp(app->opts->account, app->cfg->accounts[i].name))
			app->cur = &app->slots[i];
	}
	if (!app->cur) {
		if (app->opts->account) {
			snprintf(err, errlen, "%s: no [account %s]", app->cfg->path, app->opts->account);
			return -1;
		}
		app->cur = &app->slots[0];
	}
	return 0;
}

int ui_run(const struct config *cfg, const struct ui_opts *o)
{
	struct app app_s, *app = &app_s;
	memset(app, 0, sizeof *app);
	app->cfg = cfg;
	app->opts = o;
	char err[1024];
	if (!cfg->n_accounts) {
		fprintf(stderr, "skua: %s: no account configured (add an [account NAME] section)\n",
			cfg->path);
		return 2;
	}
	int rc = 0;
	if (setup(app, err, sizeof err) < 0) {
		fprintf(stderr, "skua: %s\n", err);
		rc = 2;
		goto out_nocurses;
	}
	app->loop = loop_new();
	if (!app->loop) {
		fprintf(stderr, "skua: out of memory\n");
		rc = 1;
		goto out_nocurses;
	}
	/* signals before curses: ncurses then leaves SIGWINCH and SIGTSTP to us */
	static const int sigs[] = {SIGWINCH, SIGTSTP, SIGCONT, SIGINT, SIGHUP, SIGTERM};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		app->sig[i] = loop_signal_add(app->loop, sigs[i], on_signal, app);
	signal(SIGPIPE, SIG_IGN);
	if (term_start(app, err, sizeof err) < 0) {
		fprintf(stderr, "skua: %s\n", err);
		rc = 1;
		goto out_loop;
	}
	app->tick = loop_timer_new(app->loop, status_tick, app);
	app->in = loop_fd_add(app->loop, STDIN_FILENO, LOOP_READ, on_stdin, app);
	app->hook = loop_hook_add(app->loop, before_sleep, app);
	if (!app->tick || !app->in || !app->hook) {
		term_stop(app);
		fprintf(stderr, "skua: out of memory\n");
		rc = 1;
		goto out_loop;
	}
	app->relayout = true;
	app_dirty_all(app);
	app_say(app, false, "skua %s - press ? for the keys", PACKAGE_VERSION);
	if (app_slot_open(app, app->cur))
		app_open_folder(app, o->folder ? o->folder : "INBOX");
	while (!app->quit) {
		if (loop_run_once(app->loop, -1) < 0 && errno != EINTR)
			break;
	}
	rc = app->status;
	/* leave: panes first (they hold views), then accounts */
	for (int i = 0; i < PANE__COUNT; i++)
		if (app->panes[i].ops && app->panes[i].ops->free)
			app->panes[i].ops->free(&app->panes[i]);
	for (int i = 0; i < PANE__COUNT; i++)
		if (app->panes[i].win)
			delwin(app->panes[i].win);
	if (app->status_win)
		delwin(app->status_win);
	if (app->line_win)
		delwin(app->line_win);
	if (app->help_win)
		delwin(app->help_win);
	prompt_free(&app->prompt);
	term_stop(app);
	for (size_t i = 0; i < app->n_slots; i++)
		slot_close(&app->slots[i]);
	loop_fd_remove(&app->in);
	loop_hook_remove(&app->hook);
	loop_timer_free(&app->tick);
out_loop:
	for (size_t i = 0; i < sizeof app->sig / sizeof app->sig[0]; i++)
		loop_signal_remove(&app->sig[i]);
	loop_free(&app->loop);
out_nocurses:
	free(app->slots);
	keymap_free(&app->km);
	buf_free(&app->scratch);
	buf_free(&app->osc);
	return rc;
}
