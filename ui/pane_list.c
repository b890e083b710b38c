/*
 * pane_list — the message list: one row per conversation (or per message) with date,
 * participants, count, unread/star/selection marks, labels and subject; a conversation may be
 * expanded in place into its messages. Two lists are kept: the mailbox and the last search
 * (a virtual folder); `back` leaves the search. Rows come lazily from the model: view_want()
 * on every redraw, placeholders for rows not loaded yet. The cursor is kept on its row by UID
 * when rows arrive or go.
 */
#include "config.h"

#include "app.h"
#include "complete.h"

#include "imap/response.h"
#include "mail/model.h"
#include "mail/triage.h"
#include "sanitize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct lstate {
	struct view *view;
	char *query;           /* search lists: what was asked */
	size_t cur, top;
	uint32_t cur_uid;      /* the row under the cursor, when known */
	bool cur_child;        /* ... is a message of the expanded conversation */
	uint32_t *sel;         /* selected rows, by UID (a conversation: its newest UID) */
	size_t nsel, selcap;
	bool follow_insert;    /* undo: the cursor goes to the row that comes back */
	struct view *tview;    /* the expanded conversation */
	uint32_t t_uid;
	size_t tpos;
};

struct listp {
	struct lstate box, srch;
	bool in_search;
};

static struct listp *L(struct app *app)
{
	struct pane *p = app_pane(app, PANE_LIST);
	if (!p->priv)
		p->priv = calloc(1, sizeof(struct listp));
	return p->priv;
}

static struct lstate *S(struct app *app)
{
	struct listp *l = L(app);
	if (!l)
		return NULL;
	return l->in_search ? &l->srch : &l->box;
}

static void dirty(struct app *app)
{
	app_dirty(app, PANE_LIST, DIRTY_RECALC | DIRTY_DRAW);
	app->status_dirty = true;
}

/* ---- the display rows: the view's, with the expanded conversation's after its row --------- */

static size_t tcount(const struct lstate *s)
{
	return s->tview ? view_count(s->tview) : 0;
}

static size_t total(const struct lstate *s)
{
	return s->view ? view_count(s->view) + tcount(s) : 0;
}

static struct view *row_at(struct lstate *s, size_t i, size_t *pos, bool *child)
{
	size_t tn = tcount(s);
	*child = false;
	if (s->tview && i > s->tpos && i <= s->tpos + tn) {
		*child = true;
		*pos = i - s->tpos - 1;
		return s->tview;
	}
	*pos = (s->tview && i > s->tpos + tn) ? i - tn : i;
	return s->view;
}

static void collapse(struct app *app, struct lstate *s)
{
	if (!s->tview)
		return;
	if (s->cur_child) {
		s->cur = s->tpos;
		s->cur_child = false;
		s->cur_uid = 0;
	} else if (s->cur > s->tpos) {
		size_t tn = tcount(s);
		s->cur = s->cur > s->tpos + tn ? s->cur - tn : s->tpos;
	}
	mpane_view_closing(app, s->tview);
	view_close(&s->tview);
	s->t_uid = 0;
}

static void close_state(struct app *app, struct lstate *s)
{
	collapse(app, s);
	if (s->view) {
		mpane_view_closing(app, s->view);
		view_close(&s->view);
	}
	free(s->query);
	free(s->sel);
	memset(s, 0, sizeof *s);
}

/* ---- recalc ------------------------------------------------------------------------------ */

static void recalc(struct pane *p)
{
	struct app *app = p->app;
	struct lstate *s = S(app);
	if (!s || !s->view)
		return;
	if (s->tview) {
		size_t tp = s->t_uid ? view_find_uid(s->view, s->t_uid) : SIZE_MAX;
		if (tp == SIZE_MAX)
			collapse(app, s);
		else
			s->tpos = tp;
	}
	size_t n = total(s);
	if (s->cur_uid) {
		size_t at = SIZE_MAX;
		if (s->cur_child && s->tview) {
			size_t q = view_find_uid(s->tview, s->cur_uid);
			if (q != SIZE_MAX)
				at = s->tpos + 1 + q;
		} else if (!s->cur_child) {
			size_t q = view_find_uid(s->view, s->cur_uid);
			if (q != SIZE_MAX)
				at = (s->tview && q > s->tpos) ? q + tcount(s) : q;
		}
		if (at != SIZE_MAX)
			s->cur = at;
	}
	if (s->cur >= n)
		s->cur = n ? n - 1 : 0;
	size_t h = p->r.h > 0 ? (size_t)p->r.h : 1;
	if (s->cur < s->top)
		s->top = s->cur;
	if (s->cur >= s->top + h)
		s->top = s->cur - h + 1;
	if (s->top + h > n && !view_more(s->view))
		s->top = n > h ? n - h : 0;
	/* what the screen shows, in the view's own positions */
	size_t base_top = s->top;
	if (s->tview && s->top > s->tpos)
		base_top = s->top > s->tpos + tcount(s) ? s->top - tcount(s) : s->tpos + 1;
	view_want(s->view, base_top, h);
	if (s->tview)
		view_want(s->tview, 0, tcount(s) ? tcount(s) : h);
	/* remember the cursor's row by UID */
	size_t pos;
	bool child;
	struct view *v = row_at(s, s->cur, &pos, &child);
	struct view_row r;
	if (n && view_row(v, pos, &r) && r.loaded && r.uid) {
		s->cur_uid = r.uid;
		s->cur_child = child;
	}
}

/* ---- drawing ----------------------------------------------------------------------------- */

static void format_date(int64_t t, char *out, size_t outsz)
{
	if (t <= 0) {
		snprintf(out, outsz, "      ");
		return;
	}
	time_t tt = (time_t)t, now = time(NULL);
	struct tm tm, tn;
	localtime_r(&tt, &tm);
	localtime_r(&now, &tn);
	if (tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday)
		strftime(out, outsz, "%H:%M", &tm);
	else if (tm.tm_year == tn.tm_year)
		strftime(out, outsz, "%b %d", &tm);
	else {
		char mon[16];
		strftime(mon, sizeof mon, "%b", &tm);
		snprintf(out, outsz, "%.8s'%02d", mon, (tm.tm_year + 1900) % 100);
	}
}

static bool is_selected(const struct lstate *s, uint32_t uid)
{
	for (size_t i = 0; i < s->nsel; i++)
		if (s->sel[i] == uid)
			return true;
	return false;
}

/* A label worth showing on a row in this folder: user labels, and Inbox outside the Inbox. */
static const char *shown_label(const char *l, const char *folder)
{
	if (!strcmp(l, "\\Inbox") || !strcmp(l, "\\\\Inbox"))
		return strcmp(folder, "INBOX") ? "Inbox" : NULL;
	if (l[0] == '\\' || !strcmp(l, folder))
		return NULL;
	return l;
}

static void draw_row(struct pane *p, struct lstate *s, int y, const struct view_row *r, bool child,
		     bool is_cur)
{
	struct app *app = p->app;
	WINDOW *w = p->win;
	int cols = p->r.w;
	bool focused = app->focus == PANE_LIST;
	attr_t cur_attr = app->attr[focused ? TE_CURSOR : TE_CURSOR_INACTIVE];
	if (is_cur)
		draw_fill(w, y, cur_attr);
	if (!r->loaded) {
		draw_text(w, y, 4, app_glyph(app, "\xe2\x80\xa6", "..."), cols - 4,
			  is_cur ? cur_attr : app->attr[TE_LIST_PLACEHOLDER]);
		return;
	}
	bool unread = r->n_unread > 0 || !(r->flags & IMAP_FLAG_SEEN);
	if (r->n_msgs > 1)
		unread = r->n_unread > 0;
	bool star = (r->flags & IMAP_FLAG_FLAGGED) != 0;
	bool sel = !child && is_selected(s, r->uid);
#define A(e) (is_cur ? (cur_attr | (unread ? A_BOLD : 0)) : app->attr[e])
	attr_t base = A(unread ? TE_LIST_UNREAD : TE_LIST_READ);
	if (sel)
		draw_text(w, y, 0, app_glyph(app, "\xe2\x9c\x93", "+"), 1, A(TE_LIST_SELECTED));
	if (unread)
		draw_text(w, y, 1, app_glyph(app, "\xe2\x97\x8f", "N"), 1, A(TE_LIST_UNREAD));
	if (star)
		draw_text(w, y, 2, app_glyph(app, "\xe2\x98\x85", "*"), 1, A(TE_LIST_STAR));
	int x = 4;
	if (cols >= 40) {
		char date[32];
		format_date(r->date, date, sizeof date);
		draw_raw(app, w, y, x, date, 6, A(TE_LIST_DATE));
		x += 8;
	}
	int pw = cols >= 140 ? 26 : cols >= 90 ? 20 : cols >= 60 ? 16 : 10;
	/* participants */
	struct buf people;
	buf_init(&people, 1024);
	int indent = child ? 2 * (int)(r->depth > 4 ? 4 : r->depth) : 0;
	if (!child && r->n_people > 1 && r->n_msgs > 1) {
		/* several people: their first names, as Gmail shows them */
		for (size_t i = 0; i < r->n_people && i < VIEW_ROW_PEOPLE; i++) {
			const char *n = r->people[i] ? r->people[i] : "";
			size_t len = strcspn(n, " ,");
			if (!len)
				len = strlen(n);
			bput(&people, "%s%.*s", i ? ", " : "", (int)len, n);
		}
		if (r->people_more)
			bput(&people, "%s", app_glyph(app, " \xe2\x80\xa6", " ..."));
	} else if (!child && r->n_people == 1) {
		bput(&people, "%s", r->people[0] ? r->people[0] : "");
	} else {
		bput(&people, "%s", r->from[0] ? r->from : r->from_addr);
	}
	char cnt[16] = "";
	if (!child && r->n_msgs > 1)
		snprintf(cnt, sizeof cnt, " (%u)", r->n_msgs);
	int cw = (int)strlen(cnt);
	/* fit, then drop a dangling ", " where the names were cut */
	const char *ps = app_san(app, buf_data(&people), app->san);
	int room = pw - indent - cw - 1, pu;
	size_t plen = text_fit(ps, strlen(ps), room > 0 ? room : 0, &pu);
	while (plen > 0 && (ps[plen - 1] == ' ' || ps[plen - 1] == ','))
		plen--;
	char pshow[512];
	snprintf(pshow, sizeof pshow, "%.*s", (int)(plen < sizeof pshow ? plen : sizeof pshow - 1), ps);
	int used = draw_text(w, y, x + indent, pshow, room, A(TE_LIST_FROM));
	buf_free(&people);
	if (cw)
		draw_text(w, y, x + indent + used, cnt, cw, A(TE_LIST_COUNT));
	x += pw + 1;
	/* labels, then the subject */
	const char *folder = view_folder(s->view);
	for (size_t i = 0; i < r->n_labels && x < cols - 8; i++) {
		const char *l = shown_label(r->labels[i], folder);
		if (!l)
			continue;
		char tag[200];
		snprintf(tag, sizeof tag, "[%s]", app_san(app, l, app->san));
		int lw = draw_text(w, y, x, tag, cols - x - 4 < 24 ? cols - x - 4 : 24, A(TE_LIST_LABEL));
		x += lw + 1;
	}
	if (x < cols) {
		const char *subj = r->subject[0] ? r->subject : "(no subject)";
		draw_raw(app, w, y, x, subj, cols - x, base);
	}
#undef A
}

static void draw(struct pane *p)
{
	struct app *app = p->app;
	WINDOW *w = p->win;
	struct lstate *s = S(app);
	if (!w)
		return;
	werase(w);
	if (!s || !s->view) {
		draw_text(w, 0, 1, "no folder open", p->r.w - 1, app->attr[TE_LIST_PLACEHOLDER]);
		wnoutrefresh(w);
		return;
	}
	size_t n = total(s);
	if (!n) {
		enum view_state st = view_state(s->view);
		char msg[300];
		if (st == VIEW_FAILED)
			snprintf(msg, sizeof msg, "%s", app_san(app, view_error(s->view), app->san));
		else if (st == VIEW_OPENING)
			snprintf(msg, sizeof msg, "%s", s->query ? "searching..." : "opening...");
		else if (s->query)
			snprintf(msg, sizeof msg, "no messages match %s", app_san(app, s->query, app->san));
		else
			snprintf(msg, sizeof msg, "no messages");
		draw_text(w, 0, 1, msg, p->r.w - 1,
			  app->attr[st == VIEW_FAILED ? TE_ERROR : TE_LIST_PLACEHOLDER]);
		wnoutrefresh(w);
		return;
	}
	for (int y = 0; y < p->r.h; y++) {
		size_t i = s->top + (size_t)y;
		if (i >= n)
			break;
		size_t pos;
		bool child;
		struct view *v = row_at(s, i, &pos, &child);
		struct view_row r;
		if (!view_row(v, pos, &r)) {
			memset(&r, 0, sizeof r);
			r.pos = pos;
		}
		draw_row(p, s, y, &r, child, i == s->cur);
	}
	wnoutrefresh(w);
}

/* ---- actions ----------------------------------------------------------------------------- */

static void mark_read(struct app *app, struct view *v, size_t pos, bool whole_thread)
{
	uint32_t one[1], *uids = one;
	size_t n = 0;
	if (whole_thread) {
		n = triage_thread_uids(v, pos, NULL, 0);
		if (n > 1 && !(uids = malloc(n * sizeof *uids)))
			return;
		n = triage_thread_uids(v, pos, uids, n);
	} else {
		struct view_row r;
		if (view_row(v, pos, &r) && r.loaded && r.uid)
			one[0] = r.uid, n = 1;
	}
	if (n && app->cur->triage) {
		struct triage_target tg = {v, uids, n};
		char err[256];
		if (triage_apply(app->cur->triage, TRIAGE_READ, &tg, NULL, err, sizeof err) < 0)
			app_say_raw(app, true, "mark read: ", err);
	}
	if (uids != one)
		free(uids);
}

static void expand(struct app *app, struct lstate *s, size_t base_pos)
{
	struct view_row r;
	if (!view_row(s->view, base_pos, &r) || !r.loaded)
		return;
	if (s->tview && s->t_uid == r.uid)
		return;
	collapse(app, s);
	uint32_t uid = r.uid;
	s->tview = view_open_thread(s->view, base_pos);
	if (!s->tview) {
		app_say(app, true, "that conversation is not loaded yet");
		return;
	}
	s->t_uid = uid;
	s->tpos = base_pos;
}

static void open_row(struct app *app, struct lstate *s)
{
	size_t pos;
	bool child;
	if (!total(s))
		return;
	struct view *v = row_at(s, s->cur, &pos, &child);
	struct view_row r;
	if (!view_row(v, pos, &r) || !r.loaded || !r.uid) {
		app_say(app, false, "that row is still loading");
		return;
	}
	uint32_t uid = r.uid;
	bool unread = r.n_msgs > 1 ? r.n_unread > 0 : !(r.flags & IMAP_FLAG_SEEN);
	bool thread = !child && view_mode(v) == VIEW_THREADS && r.n_msgs > 1;
	if (thread && !s->tview)
		expand(app, s, pos);
	mpane_show(app, v, uid);
	if (unread)
		mark_read(app, v, pos, !child);
	app_set_focus(app, PANE_MESSAGE);
}

void lpane_step(struct app *app, long delta, bool open)
{
	struct lstate *s = S(app);
	if (!s || !s->view)
		return;
	size_t n = total(s);
	if (delta < 0)
		s->cur = (size_t)-delta > s->cur ? 0 : s->cur - (size_t)-delta;
	else
		s->cur = s->cur + (size_t)delta < n ? s->cur + (size_t)delta : (n ? n - 1 : 0);
	s->cur_uid = 0;
	recalc(app_pane(app, PANE_LIST)); /* finds the row and its UID */
	if (open)
		open_row(app, s);
	dirty(app);
}

static void toggle_select(struct app *app, struct lstate *s)
{
	size_t pos;
	bool child;
	struct view *v = row_at(s, s->cur, &pos, &child);
	struct view_row r;
	if (child) {
		app_say(app, false, "select works on whole conversations in the list");
		return;
	}
	if (!view_row(v, pos, &r) || !r.loaded || !r.uid)
		return;
	for (size_t i = 0; i < s->nsel; i++)
		if (s->sel[i] == r.uid) {
			s->sel[i] = s->sel[--s->nsel];
			app_say(app, false, "%zu selected", s->nsel);
			return;
		}
	if (s->nsel == s->selcap) {
		size_t cap = s->selcap ? s->selcap * 2 : 32;
		uint32_t *nv = realloc(s->sel, cap * sizeof *nv);
		if (!nv)
			return;
		s->sel = nv;
		s->selcap = cap;
	}
	s->sel[s->nsel++] = r.uid;
	app_say(app, false, "%zu selected (actions apply to the selection; * n clears it)", s->nsel);
}

static void select_all(struct app *app, struct lstate *s)
{
	size_t n = view_count(s->view);
	s->nsel = 0;
	for (size_t i = 0; i < n; i++) {
		struct view_row r;
		if (!view_row(s->view, i, &r) || !r.loaded || !r.uid)
			continue;
		if (s->nsel == s->selcap) {
			size_t cap = s->selcap ? s->selcap * 2 : 64;
			uint32_t *nv = realloc(s->sel, cap * sizeof *nv);
			if (!nv)
				break;
			s->sel = nv;
			s->selcap = cap;
		}
		s->sel[s->nsel++] = r.uid;
	}
	app_say(app, false, "%zu selected (the loaded rows)", s->nsel);
}

static bool action(struct pane *p, enum action a)
{
	struct app *app = p->app;
	struct lstate *s = S(app);
	if (!s || !s->view)
		return false;
	long page = p->r.h > 1 ? p->r.h - 1 : 1;
	switch (a) {
	case ACT_NEXT:
	case ACT_SCROLL_DOWN:
		lpane_step(app, 1, false);
		return true;
	case ACT_PREV:
	case ACT_SCROLL_UP:
		lpane_step(app, -1, false);
		return true;
	case ACT_PAGE_DOWN:
		lpane_step(app, page, false);
		return true;
	case ACT_PAGE_UP:
		lpane_step(app, -page, false);
		return true;
	case ACT_FIRST:
		lpane_step(app, -(long)total(s), false);
		return true;
	case ACT_LAST:
		lpane_step(app, (long)total(s), false);
		return true;
	case ACT_OPEN:
		open_row(app, s);
		dirty(app);
		return true;
	case ACT_EXPAND_THREAD: {
		size_t pos;
		bool child;
		struct view *v = row_at(s, s->cur, &pos, &child);
		if (!child && v)
			expand(app, s, pos);
		dirty(app);
		return true;
	}
	case ACT_COLLAPSE_THREAD:
		collapse(app, s);
		dirty(app);
		return true;
	case ACT_SELECT:
		toggle_select(app, s);
		lpane_step(app, 1, false);
		return true;
	case ACT_SELECT_ALL:
		select_all(app, s);
		dirty(app);
		return true;
	case ACT_SELECT_NONE:
		lpane_clear_selection(app);
		app_say(app, false, "selection cleared");
		return true;
	default:
		return false;
	}
}

static void pfree(struct pane *p)
{
	struct listp *l = p->priv;
	if (!l)
		return;
	close_state(p->app, &l->srch);
	close_state(p->app, &l->box);
	free(l);
	p->priv = NULL;
}

const struct pane_ops list_pane_ops = {
	.name = "list",
	.ctx = KM_LIST,
	.recalc = recalc,
	.draw = draw,
	.action = action,
	.free = pfree,
};

/* ---- for app_actions.c ------------------------------------------------------------------- */

struct view *lpane_view(struct app *app)
{
	struct lstate *s = S(app);
	return s ? s->view : NULL;
}

bool lpane_in_search(struct app *app)
{
	struct listp *l = L(app);
	return l && l->in_search;
}

void lpane_set_mailbox(struct app *app, struct view *v)
{
	struct listp *l = L(app);
	if (!l) {
		view_close(&v);
		return;
	}
	close_state(app, &l->srch);
	close_state(app, &l->box);
	l->in_search = false;
	l->box.view = v;
	dirty(app);
}

void lpane_set_search(struct app *app, struct view *v, const char *query)
{
	struct listp *l = L(app);
	if (!l) {
		view_close(&v);
		return;
	}
	close_state(app, &l->srch);
	l->srch.view = v;
	l->srch.query = strdup(query);
	l->in_search = true;
	dirty(app);
}

void lpane_leave_search(struct app *app)
{
	struct listp *l = L(app);
	if (!l)
		return;
	close_state(app, &l->srch);
	l->in_search = false;
	dirty(app);
}

void lpane_close_all(struct app *app)
{
	struct listp *l = L(app);
	if (!l)
		return;
	close_state(app, &l->srch);
	close_state(app, &l->box);
	l->in_search = false;
}

void lpane_clear_selection(struct app *app)
{
	struct lstate *s = S(app);
	if (s)
		s->nsel = 0;
	dirty(app);
}

size_t lpane_targets(struct app *app, struct view **vp, uint32_t **uidsp, bool *selection,
		    const char **why)
{
	struct lstate *s = S(app);
	*uidsp = NULL;
	*selection = false;
	*why = "no message here";
	if (!s || !s->view || !total(s))
		return 0;
	size_t pos;
	bool child;
	struct view *v = row_at(s, s->cur, &pos, &child);
	if (s->nsel && !child) {
		size_t cap = 0, n = 0;
		uint32_t *uids = NULL;
		for (size_t i = 0; i < s->nsel; i++) {
			size_t q = view_find_uid(s->view, s->sel[i]);
			if (q == SIZE_MAX)
				continue;
			size_t k = triage_thread_uids(s->view, q, NULL, 0);
			if (!k)
				continue;
			if (n + k > cap) {
				cap = (n + k) * 2;
				uint32_t *nv = realloc(uids, cap * sizeof *nv);
				if (!nv) {
					free(uids);
					*why = "out of memory";
					return 0;
				}
				uids = nv;
			}
			n += triage_thread_uids(s->view, q, uids + n, cap - n);
		}
		if (!n) {
			free(uids);
			*why = "the selected rows are gone";
			return 0;
		}
		*vp = s->view;
		*uidsp = uids;
		*selection = true;
		return n;
	}
	struct view_row r;
	if (!view_row(v, pos, &r) || !r.loaded || !r.uid) {
		*why = "that row is still loading";
		return 0;
	}
	size_t n = child ? 1 : triage_thread_uids(v, pos, NULL, 0);
	if (!n) {
		*why = "that row is still loading";
		return 0;
	}
	uint32_t *uids = malloc(n * sizeof *uids);
	if (!uids) {
		*why = "out of memory";
		return 0;
	}
	if (child)
		uids[0] = r.uid;
	else
		n = triage_thread_uids(v, pos, uids, n);
	*vp = v;
	*uidsp = uids;
	return n;
}

void lpane_collect_labels(struct app *app, char ***v, size_t *n, size_t *cap)
{
	struct lstate *s = S(app);
	if (!s || !s->view)
		return;
	size_t count = view_count(s->view);
	size_t from = s->top > 200 ? s->top - 200 : 0;
	for (size_t i = from; i < count && i < from + 600; i++) {
		struct view_row r;
		if (!view_row(s->view, i, &r) || !r.loaded)
			continue;
		for (size_t k = 0; k < r.n_labels; k++)
			if (r.labels[k][0] != '\\')
				complete_add(v, n, cap, r.labels[k]);
	}
}

void lpane_set_threads(struct app *app, bool on)
{
	struct listp *l = L(app);
	if (!l)
		return;
	struct lstate *st[2] = {&l->box, &l->srch};
	for (int i = 0; i < 2; i++) {
		collapse(app, st[i]);
		if (st[i]->view)
			view_set_mode(st[i]->view, on ? VIEW_THREADS : VIEW_MESSAGES);
		st[i]->nsel = 0;
	}
	dirty(app);
}

void lpane_model(struct app *app, const struct model_change *ch)
{
	struct listp *l = L(app);
	if (!l || !ch->view)
		return;
	struct lstate *st[2] = {&l->box, &l->srch};
	for (int i = 0; i < 2; i++) {
		if (ch->view != st[i]->view && ch->view != st[i]->tview)
			continue;
		if (st[i] == S(app))
			dirty(app);
		if ((ch->what & MODEL_COUNT) && ch->shift > 0 && ch->view == st[i]->view &&
		    st[i]->follow_insert) {
			st[i]->follow_insert = false;
			st[i]->cur_uid = 0;
			st[i]->cur_child = false;
			size_t first = ch->first;
			if (st[i]->tview && first > st[i]->tpos)
				first += tcount(st[i]);
			st[i]->cur = first;
		}
		if ((ch->what & MODEL_VIEW) && view_state(ch->view) == VIEW_FAILED && st[i] == S(app))
			app_say_raw(app, true, "", view_error(ch->view));
	}
}

void lpane_follow_insert(struct app *app)
{
	struct lstate *s = S(app);
	if (s)
		s->follow_insert = true;
}

bool lpane_cursor_text(struct app *app, char *from, size_t fromsz, char *subj, size_t subjsz)
{
	struct lstate *s = S(app);
	if (!s || !s->view || !total(s))
		return false;
	size_t pos;
	bool child;
	struct view *v = row_at(s, s->cur, &pos, &child);
	struct view_row r;
	if (!view_row(v, pos, &r) || !r.loaded)
		return false;
	snprintf(from, fromsz, "%s", r.from_addr);
	snprintf(subj, subjsz, "%s", r.subject);
	return true;
}
