/* pane_folders — the folder list: special folders first, then the rest as a tree, with unread
 * counts; Enter opens one. */
#include "config.h"

#include "app.h"

#include "mail/model.h"
#include "sanitize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct folders {
	size_t cur, top;
	char *current;  /* name of the open folder (to highlight and follow) */
	char *cur_name; /* name under the cursor, to keep it across list changes */
};

static struct folders *F(struct pane *p)
{
	if (!p->priv)
		p->priv = calloc(1, sizeof(struct folders));
	return p->priv;
}

static void set_str(char **slot, const char *v)
{
	char *c = v ? strdup(v) : NULL;
	free(*slot);
	*slot = c;
}

static size_t count(struct app *app)
{
	struct account *a = app_account(app);
	return a ? account_folder_count(a) : 0;
}

static void find_name(struct pane *p, const char *name)
{
	struct folders *f = F(p);
	struct account *a = app_account(p->app);
	size_t n = count(p->app);
	for (size_t i = 0; name && i < n; i++) {
		struct folder_info fi;
		if (account_folder(a, i, &fi) && !strcmp(fi.name, name)) {
			f->cur = i;
			return;
		}
	}
}

static void recalc(struct pane *p)
{
	struct folders *f = F(p);
	if (!f)
		return;
	size_t n = count(p->app);
	if (f->cur_name)
		find_name(p, f->cur_name);
	if (f->cur >= n)
		f->cur = n ? n - 1 : 0;
	int h = p->r.h;
	if (h > 0) {
		if (f->cur < f->top)
			f->top = f->cur;
		if (f->cur >= f->top + (size_t)h)
			f->top = f->cur - (size_t)h + 1;
		if (f->top + (size_t)h > n)
			f->top = n > (size_t)h ? n - (size_t)h : 0;
	}
}

static void draw(struct pane *p)
{
	struct app *app = p->app;
	struct folders *f = F(p);
	WINDOW *w = p->win;
	if (!f || !w)
		return;
	werase(w);
	struct account *a = app_account(app);
	size_t n = count(app);
	int cols = p->r.w;
	if (!n) {
		struct account_status st;
		const char *what = "connecting...";
		if (a) {
			account_status(a, &st);
			if (st.state == ACCOUNT_AUTH_FAILED || st.state == ACCOUNT_OFFLINE ||
			    st.state == ACCOUNT_RECONNECTING)
				what = st.error[0] ? st.error : account_state_name(st.state);
			else if (st.state == ACCOUNT_READY || st.state == ACCOUNT_IDLE)
				what = "listing folders...";
		}
		draw_raw(app, w, 0, 1, what, cols - 1, app->attr[TE_LIST_PLACEHOLDER]);
		wnoutrefresh(w);
		return;
	}
	bool focused = app->focus == PANE_FOLDERS;
	for (int y = 0; y < p->r.h; y++) {
		size_t i = f->top + (size_t)y;
		struct folder_info fi;
		if (i >= n || !account_folder(a, i, &fi))
			break;
		bool is_cur = i == f->cur;
		bool open = f->current && !strcmp(fi.name, f->current);
		enum theme_elem e = open ? TE_FOLDER_CURRENT
				  : (fi.has_counts && fi.unread) ? TE_FOLDER_UNREAD
				  : fi.role != FOLDER_NORMAL ? TE_FOLDER_SPECIAL : TE_FOLDER;
		attr_t at = app->attr[e];
		if (is_cur)
			at = app->attr[focused ? TE_CURSOR : TE_CURSOR_INACTIVE];
		if (is_cur || fi.noselect)
			draw_fill(w, y, at);
		if (fi.noselect)
			at |= A_DIM;
		char count_s[24] = "";
		if (fi.has_counts && fi.unread)
			snprintf(count_s, sizeof count_s, " %u", fi.unread);
		int cw = (int)strlen(count_s);
		int indent = 1 + (int)(fi.depth > 6 ? 6 : fi.depth) * 2;
		const char *label = fi.role == FOLDER_INBOX ? "Inbox" : fi.label;
		draw_raw(app, w, y, indent, label, cols - indent - cw - 1, at);
		if (cw)
			draw_right(w, y, cols - 1, count_s, at);
	}
	wnoutrefresh(w);
}

static void open_cursor(struct pane *p)
{
	struct app *app = p->app;
	struct folders *f = F(p);
	struct folder_info fi;
	struct account *a = app_account(app);
	if (!a || !account_folder(a, f->cur, &fi))
		return;
	if (fi.noselect) {
		app_say_raw(app, true, "cannot open a folder that only holds folders: ", fi.name);
		return;
	}
	if (app_open_folder(app, fi.name) == 0)
		app_set_focus(app, PANE_LIST);
}

static bool action(struct pane *p, enum action act)
{
	struct folders *f = F(p);
	struct account *a = app_account(p->app);
	size_t n = count(p->app);
	size_t page = p->r.h > 1 ? (size_t)p->r.h - 1 : 1;
	switch (act) {
	case ACT_NEXT:
	case ACT_SCROLL_DOWN:
		if (f->cur + 1 < n)
			f->cur++;
		break;
	case ACT_PREV:
	case ACT_SCROLL_UP:
		if (f->cur)
			f->cur--;
		break;
	case ACT_PAGE_DOWN:
		f->cur = f->cur + page < n ? f->cur + page : (n ? n - 1 : 0);
		break;
	case ACT_PAGE_UP:
		f->cur = f->cur > page ? f->cur - page : 0;
		break;
	case ACT_FIRST:
		f->cur = 0;
		break;
	case ACT_LAST:
		f->cur = n ? n - 1 : 0;
		break;
	case ACT_OPEN:
	case ACT_EXPAND_THREAD:
		open_cursor(p);
		return true;
	case ACT_BACK:
	case ACT_COLLAPSE_THREAD:
		app_set_focus(p->app, PANE_LIST);
		return true;
	default:
		return false;
	}
	struct folder_info fi;
	if (a && account_folder(a, f->cur, &fi))
		set_str(&f->cur_name, fi.name);
	p->dirty |= DIRTY_RECALC | DIRTY_DRAW;
	return true;
}

static void pfree(struct pane *p)
{
	struct folders *f = p->priv;
	if (f) {
		free(f->current);
		free(f->cur_name);
		free(f);
	}
	p->priv = NULL;
}

void fpane_follow(struct app *app, const char *name)
{
	struct pane *p = app_pane(app, PANE_FOLDERS);
	struct folders *f = F(p);
	if (!f)
		return;
	set_str(&f->current, name);
	set_str(&f->cur_name, name);
	p->dirty |= DIRTY_RECALC | DIRTY_DRAW;
}

const char *fpane_current(struct app *app)
{
	struct folders *f = F(app_pane(app, PANE_FOLDERS));
	return f ? f->current : NULL;
}

const struct pane_ops folders_pane_ops = {
	.name = "folders",
	.ctx = KM_FOLDERS,
	.recalc = recalc,
	.draw = draw,
	.action = action,
	.free = pfree,
};
