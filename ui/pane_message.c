/*
 * pane_message — the open message: chosen headers (From, To, Cc, Date, Subject), the decoded
 * body wrapped to the pane, the attachment list and the numbered links. Text is sanitised
 * (SAN_BODY keeps tabs and newlines) and laid out by ui/wrap on recalc; draw only paints the
 * visible lines. Scrolling past the end of a cut message loads the next piece.
 */
#include "config.h"

#include "app.h"

#include "mail/model.h"
#include "sanitize.h"
#include "wrap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_CAP ((size_t)16 << 20)
#define MAX_LINES 400000

enum line_kind {
	LK_HDR_NAME_FROM, LK_HEADER, LK_SUBJECT, LK_BODY, LK_QUOTE, LK_LINK, LK_ATTACH, LK_NOTE,
	LK_SECTION, LK_ERROR,
};

struct msgp {
	struct message *m;
	struct view *v;     /* the view m belongs to (closed with it) */
	uint32_t uid;
	struct wrapped w;
	size_t top;
	int width;          /* the width w was laid out for */
	bool asked_more;
};

static struct msgp *M(struct app *app)
{
	struct pane *p = app_pane(app, PANE_MESSAGE);
	if (!p->priv) {
		struct msgp *m = calloc(1, sizeof *m);
		if (!m)
			return NULL;
		wrap_init(&m->w, TEXT_CAP, MAX_LINES);
		p->priv = m;
	}
	return p->priv;
}

static void add_header(struct app *app, struct msgp *m, const char *name, const char *value,
		       int width, int kind)
{
	if (!value || !*value)
		return;
	struct buf b;
	buf_init(&b, 64 << 10);
	bput(&b, "%-9s", name);
	(void)san_text(value, strlen(value), app->san, &b); /* one line, cut at the cap */
	(void)wrap_append_hanging(&m->w, buf_data(&b), buf_len(&b), width, 9, kind);
	buf_free(&b);
}

static void recalc(struct pane *p)
{
	struct app *app = p->app;
	struct msgp *m = M(app);
	if (!m)
		return;
	wrap_free(&m->w);
	int width = p->r.w > 3 ? p->r.w - 2 : 1; /* a column of margin each side */
	m->width = width;
	if (!m->m) {
		return;
	}
	const struct message_info *mi = message_info(m->m);
	if (mi->state == MESSAGE_FAILED) {
		add_header(app, m, "Error:", mi->error[0] ? mi->error : "the message could not be read",
			   width, LK_ERROR);
		return;
	}
	add_header(app, m, "From:", mi->from, width, LK_HEADER);
	add_header(app, m, "To:", mi->to, width, LK_HEADER);
	add_header(app, m, "Cc:", mi->cc, width, LK_HEADER);
	add_header(app, m, "Date:", mi->date, width, LK_HEADER);
	add_header(app, m, "Subject:", mi->subject[0] ? mi->subject : "(no subject)", width, LK_SUBJECT);
	(void)wrap_blank(&m->w, LK_BODY);
	if (mi->state == MESSAGE_LOADING && !mi->text_len) {
		(void)wrap_append(&m->w, "loading...", 10, width, LK_NOTE, -1);
		return;
	}
	struct buf body;
	buf_init(&body, TEXT_CAP);
	bool cut = san_text(mi->text, mi->text_len, app->san | SAN_BODY, &body) < 0;
	(void)wrap_append(&m->w, buf_data(&body), buf_len(&body), width, LK_BODY, LK_QUOTE);
	buf_free(&body);
	if (mi->state == MESSAGE_LOADING)
		(void)wrap_append(&m->w, "\nloading...", 11, width, LK_NOTE, -1);
	if (mi->more || cut) {
		(void)wrap_blank(&m->w, LK_BODY);
		const char *note = mi->more ? "[the message is longer: scroll on or press M to load more]"
					    : "[the message is too long to show whole]";
		(void)wrap_append(&m->w, note, strlen(note), width, LK_NOTE, -1);
	}
	if (mi->n_attachments) {
		(void)wrap_blank(&m->w, LK_BODY);
		(void)wrap_append(&m->w, "Attachments:", 12, width, LK_SECTION, -1);
		for (size_t i = 0; i < mi->n_attachments; i++) {
			const struct message_attachment *at = &mi->attachments[i];
			char sz[32];
			if (at->size >= (1u << 20))
				snprintf(sz, sizeof sz, "%.1f MB", at->size / 1048576.0);
			else
				snprintf(sz, sizeof sz, "%u kB", (at->size + 1023) / 1024);
			struct buf b;
			buf_init(&b, 4096);
			bput(&b, " [%zu] ", i + 1);
			(void)san_text(at->name, strlen(at->name), app->san, &b);
			bput(&b, "%s", "  (");
			(void)san_text(at->type, strlen(at->type), app->san, &b);
			bput(&b, ", %s)", sz);
			(void)wrap_append(&m->w, buf_data(&b), buf_len(&b), width, LK_ATTACH, -1);
			buf_free(&b);
		}
	}
	/* HTML converted to text already ends with its numbered links: list them only when the
	 * text does not */
	bool listed = false;
	if (mi->n_links && mi->text_len) {
		char first[2048];
		snprintf(first, sizeof first, "[1] %s", mi->links[0]);
		listed = memmem(mi->text, mi->text_len, first, strlen(first)) != NULL;
	}
	if (mi->n_links && !listed) {
		(void)wrap_blank(&m->w, LK_BODY);
		(void)wrap_append(&m->w, "Links:", 6, width, LK_SECTION, -1);
		for (size_t i = 0; i < mi->n_links; i++) {
			struct buf b;
			buf_init(&b, 16384);
			bput(&b, " [%zu] ", i + 1);
			(void)san_text(mi->links[i], strlen(mi->links[i]), app->san, &b);
			(void)wrap_append(&m->w, buf_data(&b), buf_len(&b), width, LK_LINK, -1);
			buf_free(&b);
		}
	}
	size_t h = p->r.h > 0 ? (size_t)p->r.h : 1;
	if (m->top + h > m->w.n)
		m->top = m->w.n > h ? m->w.n - h : 0;
	if (mi->more && !m->asked_more && m->top + h >= m->w.n) {
		m->asked_more = true;
		message_more(m->m);
	}
}

static attr_t kind_attr(struct app *app, int kind)
{
	switch (kind) {
	case LK_HEADER: return app->attr[TE_HEADER_VALUE];
	case LK_SUBJECT: return app->attr[TE_HEADER_SUBJECT];
	case LK_QUOTE: return app->attr[TE_BODY_QUOTE];
	case LK_LINK: return app->attr[TE_BODY_LINK];
	case LK_ATTACH: return app->attr[TE_ATTACHMENT];
	case LK_NOTE: return app->attr[TE_LIST_PLACEHOLDER];
	case LK_SECTION: return app->attr[TE_TITLE];
	case LK_ERROR: return app->attr[TE_ERROR];
	default: return app->attr[TE_BODY];
	}
}

static void draw(struct pane *p)
{
	struct app *app = p->app;
	struct msgp *m = M(app);
	WINDOW *w = p->win;
	if (!w || !m)
		return;
	werase(w);
	if (!m->m) {
		draw_text(w, 0, 1, "no message open (Enter opens the one under the cursor)", p->r.w - 1,
			  app->attr[TE_LIST_PLACEHOLDER]);
		wnoutrefresh(w);
		return;
	}
	const char *text = buf_data(&m->w.text);
	for (int y = 0; y < p->r.h; y++) {
		size_t i = m->top + (size_t)y;
		if (i >= m->w.n)
			break;
		const struct wrap_line *l = &m->w.lines[i];
		char line[8192];
		size_t len = l->len < sizeof line - 1 ? l->len : sizeof line - 1;
		memcpy(line, text + l->off, len);
		line[len] = '\0';
		if ((l->kind == LK_HEADER || l->kind == LK_SUBJECT || l->kind == LK_ERROR) && len >= 9 &&
		    !l->cont) {
			/* the header name in its own colour; a wrapped header's later lines have none */
			char name[10];
			memcpy(name, line, 9);
			name[9] = '\0';
			draw_text(w, y, 1, name, 9, app->attr[l->kind == LK_ERROR ? TE_ERROR : TE_HEADER_NAME]);
			draw_text(w, y, 10, line + 9, p->r.w - 10, kind_attr(app, l->kind));
		} else {
			draw_text(w, y, 1 + l->indent, line, p->r.w - 1 - l->indent, kind_attr(app, l->kind));
		}
	}
	if (m->w.n > (size_t)p->r.h) {
		char pct[16];
		size_t last = m->top + (size_t)p->r.h;
		snprintf(pct, sizeof pct, " %zu%% ", last >= m->w.n ? 100 : last * 100 / m->w.n);
		draw_right(w, p->r.h - 1, p->r.w, pct, app->attr[TE_STATUS]);
	}
	wnoutrefresh(w);
}

static bool action(struct pane *p, enum action a)
{
	struct app *app = p->app;
	struct msgp *m = M(app);
	if (!m)
		return false;
	size_t h = p->r.h > 1 ? (size_t)p->r.h : 1;
	size_t page = h > 2 ? h - 2 : 1;
	size_t max_top = m->w.n > h ? m->w.n - h : 0;
	switch (a) {
	case ACT_NEXT:
		lpane_step(app, 1, true);
		return true;
	case ACT_PREV:
		lpane_step(app, -1, true);
		return true;
	case ACT_SCROLL_DOWN:
		m->top = m->top < max_top ? m->top + 1 : max_top;
		break;
	case ACT_SCROLL_UP:
		m->top = m->top ? m->top - 1 : 0;
		break;
	case ACT_PAGE_DOWN:
	case ACT_OPEN:
		m->top = m->top + page < max_top ? m->top + page : max_top;
		break;
	case ACT_PAGE_UP:
		m->top = m->top > page ? m->top - page : 0;
		break;
	case ACT_FIRST:
		m->top = 0;
		break;
	case ACT_LAST:
		m->top = max_top;
		break;
	case ACT_LOAD_MORE:
		if (m->m && message_info(m->m)->more) {
			message_more(m->m);
			app_say(app, false, "loading more of the message...");
		} else {
			app_say(app, false, "the whole message is shown");
		}
		return true;
	default:
		return false;
	}
	if (m->m && message_info(m->m)->more && m->top >= max_top && !m->asked_more) {
		m->asked_more = true;
		message_more(m->m);
	}
	p->dirty |= DIRTY_DRAW;
	return true;
}

static void pfree(struct pane *p)
{
	struct msgp *m = p->priv;
	if (!m)
		return;
	message_close(&m->m);
	wrap_free(&m->w);
	buf_free(&m->w.text);
	free(m);
	p->priv = NULL;
}

const struct pane_ops message_pane_ops = {
	.name = "message",
	.ctx = KM_MESSAGE,
	.recalc = recalc,
	.draw = draw,
	.action = action,
	.free = pfree,
};

/* ---- for the others ------------------------------------------------------------------------ */

void mpane_show(struct app *app, struct view *v, uint32_t uid)
{
	struct msgp *m = M(app);
	if (!m)
		return;
	if (m->m && m->v == v && m->uid == uid) {
		app->message_open = true;
		app->relayout = true;
		return;
	}
	message_close(&m->m);
	m->m = message_open(v, uid);
	m->v = v;
	m->uid = uid;
	m->top = 0;
	m->asked_more = false;
	if (!m->m)
		app_say(app, true, "out of memory opening the message");
	if (!app->message_open)
		app->relayout = true;
	app->message_open = true;
	app_dirty(app, PANE_MESSAGE, DIRTY_RECALC | DIRTY_DRAW);
}

void mpane_hide(struct app *app)
{
	struct msgp *m = M(app);
	if (m)
		message_close(&m->m);
	if (app->message_open)
		app->relayout = true;
	app->message_open = false;
	if (app->focus == PANE_MESSAGE)
		app_set_focus(app, PANE_LIST);
	app_dirty(app, PANE_MESSAGE, DIRTY_RECALC | DIRTY_DRAW);
}

void mpane_view_closing(struct app *app, struct view *v)
{
	struct msgp *m = M(app);
	if (m && m->m && m->v == v)
		mpane_hide(app);
}

const struct message_info *mpane_current(struct app *app)
{
	struct msgp *m = M(app);
	return m && m->m ? message_info(m->m) : NULL;
}

struct message *mpane_message(struct app *app)
{
	struct msgp *m = M(app);
	return m ? m->m : NULL;
}

void mpane_model(struct app *app, const struct model_change *ch)
{
	struct msgp *m = M(app);
	if (!m || !m->m || ch->msg != m->m)
		return;
	if (!message_info(m->m)->more)
		m->asked_more = false;
	else if (m->asked_more && (ch->what & MODEL_MESSAGE))
		m->asked_more = false; /* a piece arrived: the next scroll to the end asks again */
	const struct message_info *mi = message_info(m->m);
	if (mi->state == MESSAGE_READY && mi->note && mi->note[0])
		app_say_raw(app, false, "", mi->note); /* e.g. the html_filter failed */
	app_dirty(app, PANE_MESSAGE, DIRTY_RECALC | DIRTY_DRAW);
}
