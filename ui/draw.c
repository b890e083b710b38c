/* draw — text drawing helpers, the status line, the message line and the help screen. */
#include "config.h"

#include "app.h"

#include "conf.h"

#include "loop.h"
#include "mail/model.h"
#include "mail/triage.h"
#include "sanitize.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void bput(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (buf_vprintf(b, fmt, ap) != BUF_OK) {
		/* cut at the cap: the display shows what fitted */
	}
	va_end(ap);
}

void draw_fill(WINDOW *w, int y, attr_t a)
{
	int cols = getmaxx(w);
	wattrset(w, a);
	wmove(w, y, 0);
	for (int i = 0; i < cols; i++)
		waddch(w, ' ');
	wmove(w, y, 0);
}

int draw_text(WINDOW *w, int y, int x, const char *s, int cols, attr_t a)
{
	int maxx = getmaxx(w);
	if (cols > maxx - x)
		cols = maxx - x;
	if (cols <= 0 || !s)
		return 0;
	int used;
	size_t n = text_fit(s, strlen(s), cols, &used);
	wattrset(w, a);
	if (n)
		mvwaddnstr(w, y, x, s, (int)n);
	return used;
}

int draw_raw(struct app *app, WINDOW *w, int y, int x, const char *s, int cols, attr_t a)
{
	return draw_text(w, y, x, app_san(app, s ? s : "", app->san), cols, a);
}

void draw_right(WINDOW *w, int y, int x_end, const char *s, attr_t a)
{
	int width = text_width(s, strlen(s));
	int x = x_end - width;
	if (x < 0)
		x = 0;
	draw_text(w, y, x, s, x_end - x, a);
}

const char *app_glyph(struct app *app, const char *utf8, const char *ascii)
{
	return app->utf8 ? utf8 : ascii;
}

/* ---- status line ------------------------------------------------------------------------- */

static void status_part(struct buf *b, const char *s)
{
	if (buf_len(b))
		bput(b, "%s", " | ");
	bput(b, "%s", s);
}

void draw_status(struct app *app)
{
	WINDOW *w = app->status_win;
	if (!w)
		return;
	attr_t base = app->attr[TE_STATUS];
	draw_fill(w, 0, base);
	struct account *a = app_account(app);
	struct buf left;
	buf_init(&left, 2048);
	char tmp[512];
	snprintf(tmp, sizeof tmp, " %s", app->cur->cfg->name);
	bput(&left, "%s", tmp);
	struct view *v = lpane_view(app);
	if (v) {
		const char *folder = view_folder(v);
		if (lpane_in_search(app))
			snprintf(tmp, sizeof tmp, "search in %s", app_san(app, folder, app->san));
		else
			snprintf(tmp, sizeof tmp, "%s", app_san(app, folder, app->san));
		status_part(&left, tmp);
		size_t msgs = view_messages(v);
		uint32_t unread = 0;
		bool have_unread = false;
		if (a && !lpane_in_search(app)) {
			size_t nf = account_folder_count(a);
			for (size_t i = 0; i < nf; i++) {
				struct folder_info fi;
				if (account_folder(a, i, &fi) && !strcmp(fi.name, folder) && fi.has_counts) {
					unread = fi.unread;
					have_unread = true;
					break;
				}
			}
		}
		/* while the account fetches, how much of the list is in: "350/2221 messages" */
		char count[48];
		size_t loaded = view_loaded(v);
		struct account_status fst = {0};
		if (a)
			account_status(a, &fst);
		if (fst.busy && msgs && loaded < msgs)
			snprintf(count, sizeof count, "%zu/%zu", loaded, msgs);
		else
			snprintf(count, sizeof count, "%zu", msgs);
		if (getmaxx(w) < 60)
			tmp[0] = '\0'; /* a narrow terminal: the folder name and the connection first */
		else if (view_state(v) == VIEW_OPENING && !msgs)
			snprintf(tmp, sizeof tmp, lpane_in_search(app) ? "searching..." : "opening...");
		else if (have_unread)
			snprintf(tmp, sizeof tmp, "%s messages, %u unread", count, unread);
		else
			snprintf(tmp, sizeof tmp, "%s %s", count, lpane_in_search(app) ? "found" : "messages");
		if (tmp[0])
			status_part(&left, tmp);
		if (view_state(v) == VIEW_OPENING && msgs)
			status_part(&left, "loading...");
	}
	bool alert = false;
	char conn[160] = "";
	if (a) {
		struct account_status st;
		account_status(a, &st);
		if (st.state == ACCOUNT_RECONNECTING) {
			long secs = (long)((st.retry_at_ms - loop_now_ms(app->loop) + 999) / 1000);
			snprintf(conn, sizeof conn, "reconnecting in %ld s", secs < 0 ? 0 : secs);
			alert = true;
		} else if (st.state == ACCOUNT_AUTH_FAILED || st.state == ACCOUNT_OFFLINE) {
			snprintf(conn, sizeof conn, "%s", account_state_name(st.state));
			alert = true;
		} else {
			snprintf(conn, sizeof conn, "%s%s%s", account_state_name(st.state),
				 st.busy ? app_glyph(app, " \xe2\x80\xa6", " ...") : "",
				 st.throttled ? " (throttled)" : "");
		}
		if (app->cur->triage) {
			size_t pend = triage_pending(app->cur->triage);
			if (pend) {
				snprintf(tmp, sizeof tmp, "%zu unsent", pend);
				status_part(&left, tmp);
			}
		}
	}
	int cols = getmaxx(w);
	char right[64];
	if (cols < 60)
		snprintf(right, sizeof right, "? help ");
	else
		snprintf(right, sizeof right, "%s%s  ? help ", app->threads ? "threads" : "messages",
		 app->mode == LAYOUT_AUTO ? "" : app->mode == LAYOUT_WIDE ? " wide"
						: app->mode == LAYOUT_NARROW ? " narrow" : " single");
	int rw = (int)strlen(right);
	int room = cols - rw - 1;
	int cw = conn[0] ? (int)strlen(conn) + 3 : 0;
	/* the connection state is never cut away: the folder part gives way first */
	int used = draw_text(w, 0, 0, buf_data(&left), room - cw > 10 ? room - cw : room, base);
	if (conn[0] && used + cw <= room) {
		used += draw_text(w, 0, used, " | ", 3, base);
		draw_text(w, 0, used, conn, room - used, alert ? app->attr[TE_STATUS_ALERT] : base);
	}
	draw_right(w, 0, cols, right, base);
	buf_free(&left);
	wnoutrefresh(w);
}

/* ---- message line ------------------------------------------------------------------------ */

void draw_line(struct app *app)
{
	WINDOW *w = app->line_win;
	if (!w)
		return;
	if (app->prompt) {
		prompt_draw(app);
		return;
	}
	draw_fill(w, 0, app->attr[TE_MESSAGE]);
	if (app->nseq) {
		char s[64] = "", name[24];
		for (size_t i = 0; i < app->nseq; i++) {
			strncat(s, keymap_key_name(app->seq[i], name, sizeof name), sizeof s - strlen(s) - 2);
			strncat(s, " ", sizeof s - strlen(s) - 1);
		}
		strncat(s, "-", sizeof s - strlen(s) - 1);
		draw_text(w, 0, 0, s, getmaxx(w), app->attr[TE_PROMPT]);
	} else {
		draw_text(w, 0, 0, app->line, getmaxx(w),
			  app->attr[app->line_error ? TE_ERROR : TE_MESSAGE]);
	}
	wnoutrefresh(w);
}

void app_say(struct app *app, bool error, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	app_say_raw(app, error, "", tmp);
}

void app_say_raw(struct app *app, bool error, const char *prefix, const char *text)
{
	const char *clean = app_san(app, text, app->san);
	snprintf(app->line, sizeof app->line, "%s%s", prefix, clean);
	app->line_error = error;
	app->line_at = loop_now_ms(app->loop);
	app->line_dirty = true;
}

/* ---- help -------------------------------------------------------------------------------- */

struct help_line {
	int kind; /* 0 text, 1 section, 2 binding */
	char keys[96];
	const char *name, *help;
};

static size_t help_build(struct app *app, struct help_line *out, size_t cap)
{
	size_t n = 0;
	enum keymap_ctx ctx = app->panes[app->focus].ops->ctx;
	for (int g = 0; g < AG__COUNT; g++) {
		if (n < cap)
			out[n] = (struct help_line){.kind = 1, .name = action_group_title((enum action_group)g)};
		n++;
		for (int a = 1; a < ACT__COUNT; a++) {
			const struct action_info *ai = action_info((enum action)a);
			if ((int)ai->group != g)
				continue;
			if (n < cap) {
				out[n] = (struct help_line){.kind = 2, .name = ai->name, .help = ai->help};
				keymap_describe(app->km, ctx, (enum action)a, out[n].keys, sizeof out[n].keys);
				if (!out[n].keys[0])
					snprintf(out[n].keys, sizeof out[n].keys, "(not bound)");
			}
			n++;
		}
		if (n < cap)
			out[n] = (struct help_line){.kind = 0, .name = ""};
		n++;
	}
	return n;
}

void draw_help(struct app *app)
{
	WINDOW *w = app->help_win;
	if (!w)
		return;
	struct help_line lines[ACT__COUNT + 3 * AG__COUNT + 4];
	size_t n = help_build(app, lines, sizeof lines / sizeof lines[0]);
	int h = getmaxy(w), cols = getmaxx(w);
	app->help_lines = n;
	if (app->help_top + (size_t)(h - 1) > n)
		app->help_top = n > (size_t)(h - 1) ? n - (size_t)(h - 1) : 0;
	werase(w);
	draw_fill(w, 0, app->attr[TE_TITLE]);
	char title[160];
	snprintf(title, sizeof title, " skua %s keys (%s pane; preset %s)  -  q or Esc closes",
		 PACKAGE_VERSION, app->panes[app->focus].ops->name, app->cfg->keys_preset);
	draw_text(w, 0, 0, title, cols, app->attr[TE_TITLE]);
	int kw = cols >= 100 ? 22 : 16, nw = cols >= 100 ? 18 : 16;
	for (int y = 1; y < h; y++) {
		size_t i = app->help_top + (size_t)(y - 1);
		if (i >= n)
			break;
		const struct help_line *l = &lines[i];
		wmove(w, y, 0);
		if (l->kind == 1) {
			draw_text(w, y, 1, l->name, cols - 1, app->attr[TE_HELP_SECTION]);
		} else if (l->kind == 2) {
			draw_text(w, y, 2, l->keys, kw - 1, app->attr[TE_HELP_KEY]);
			draw_text(w, y, 2 + kw, l->name, nw - 1, app->attr[TE_NORMAL]);
			draw_text(w, y, 2 + kw + nw, l->help, cols - 2 - kw - nw, app->attr[TE_NORMAL]);
		}
	}
	wnoutrefresh(w);
}

bool help_action(struct app *app, enum action a)
{
	size_t page = app->help_win ? (size_t)getmaxy(app->help_win) - 1 : 10;
	switch (a) {
	case ACT_NEXT:
	case ACT_SCROLL_DOWN:
		app->help_top++;
		break;
	case ACT_PREV:
	case ACT_SCROLL_UP:
		if (app->help_top)
			app->help_top--;
		break;
	case ACT_PAGE_DOWN:
		app->help_top += page;
		break;
	case ACT_PAGE_UP:
		app->help_top = app->help_top > page ? app->help_top - page : 0;
		break;
	case ACT_FIRST:
		app->help_top = 0;
		break;
	case ACT_LAST:
		app->help_top = app->help_lines;
		break;
	case ACT_HELP:
	case ACT_CANCEL:
	case ACT_QUIT:
	case ACT_BACK:
		app->help = false;
		app->relayout = true;
		return true;
	case ACT_REDRAW:
		return false;
	default:
		return true; /* nothing else acts under the help screen */
	}
	app->chrome_dirty = true;
	return true;
}
