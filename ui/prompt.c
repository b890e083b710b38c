/* prompt — the one-line prompt with completion (search, label, move, go to, copy, save). */
#include "config.h"

#include "app.h"

#include "sanitize.h"

#include <stdlib.h>
#include <string.h>

void prompt_free(struct prompt **pp)
{
	struct prompt *p = *pp;
	if (!p)
		return;
	for (size_t i = 0; i < p->n_cands; i++)
		free(p->cands[i]);
	free(p->cands);
	free(p);
	*pp = NULL;
}

void prompt_start(struct app *app, enum prompt_kind kind, const char *label, const char *initial,
		  char **cands, size_t n_cands)
{
	prompt_free(&app->prompt);
	struct prompt *p = calloc(1, sizeof *p);
	if (!p) {
		for (size_t i = 0; i < n_cands; i++)
			free(cands[i]);
		free(cands);
		app_say(app, true, "out of memory");
		return;
	}
	p->kind = kind;
	snprintf(p->label, sizeof p->label, "%s", label);
	le_set(&p->le, initial ? initial : "");
	p->cands = cands;
	p->n_cands = n_cands;
	p->cycle = SIZE_MAX;
	app->prompt = p;
	app->nseq = 0;
	app->line_dirty = true;
	app->status_dirty = true;
}

void prompt_cancel(struct app *app)
{
	prompt_free(&app->prompt);
	app->line[0] = '\0';
	app->line_dirty = app->status_dirty = true;
	curs_set(0);
}

/* The part of the input that completes: after a leading +/- in the label prompt. */
static size_t completion_start(const struct prompt *p)
{
	if (p->kind == PROMPT_LABEL && (p->le.text[0] == '+' || p->le.text[0] == '-'))
		return 1;
	return 0;
}

static void set_completion(struct prompt *p, const char *value)
{
	size_t start = completion_start(p);
	char text[LINEEDIT_MAX];
	snprintf(text, sizeof text, "%.*s%s", (int)start, p->le.text, value);
	le_set(&p->le, text);
}

static void complete(struct app *app, bool backwards)
{
	struct prompt *p = app->prompt;
	if (!p->n_cands) {
		app_say(app, false, "nothing to complete here");
		return;
	}
	if (p->cycle == SIZE_MAX) {
		const char *in = p->le.text + completion_start(p);
		size_t n = complete_match((const char *const *)p->cands, p->n_cands, in, p->match,
					  PROMPT_MATCHES);
		p->n_match = n < PROMPT_MATCHES ? n : PROMPT_MATCHES;
		p->show_matches = true;
		if (!p->n_match) {
			app_say(app, true, "no name matches");
			app->status_dirty = true;
			return;
		}
		if (p->n_match == 1) {
			set_completion(p, p->cands[p->match[0]]);
			p->show_matches = false;
			app->status_dirty = true;
			return;
		}
		size_t common = complete_common((const char *const *)p->cands, p->match, p->n_match);
		if (common > strlen(in) && !strncmp(in, p->cands[p->match[0]], strlen(in))) {
			char pre[LINEEDIT_MAX];
			snprintf(pre, sizeof pre, "%.*s", (int)common, p->cands[p->match[0]]);
			set_completion(p, pre);
			app->status_dirty = true;
			return;
		}
		p->cycle = backwards ? p->n_match - 1 : 0;
	} else if (backwards) {
		p->cycle = (p->cycle + p->n_match - 2) % p->n_match;
	}
	set_completion(p, p->cands[p->match[p->cycle]]);
	p->cycle = (p->cycle + 1) % p->n_match;
	app->status_dirty = true;
}

void prompt_key(struct app *app, uint32_t key)
{
	struct prompt *p = app->prompt;
	bool edited = true;
	switch (key) {
	case UK_ENTER: {
		enum prompt_kind kind = p->kind;
		char text[LINEEDIT_MAX];
		memcpy(text, p->le.text, p->le.len + 1);
		/* names that must exist (folders, accounts): a unique completion is as good */
		if ((kind == PROMPT_MOVE || kind == PROMPT_GOTO || kind == PROMPT_ACCOUNT) && p->n_cands) {
			bool exact = false;
			for (size_t i = 0; i < p->n_cands; i++)
				if (!strcmp(p->cands[i], text))
					exact = true;
			size_t m[2];
			if (!exact && complete_match((const char *const *)p->cands, p->n_cands, text, m, 2) == 1)
				snprintf(text, sizeof text, "%s", p->cands[m[0]]);
		}
		prompt_cancel(app);
		app_prompt_done(app, kind, text);
		return;
	}
	case UK_ESC:
	case 7: /* C-g */
	case 3: /* C-c (when ISIG is off) */
		prompt_cancel(app);
		app_say(app, false, "cancelled");
		return;
	case UK_TAB:
		complete(app, false);
		edited = false;
		break;
	case UK_BACKTAB:
		complete(app, true);
		edited = false;
		break;
	case UK_BACKSPACE:
		if (!p->le.len) {
			prompt_cancel(app);
			return;
		}
		le_backspace(&p->le);
		break;
	case UK_DELETE:
	case 4: /* C-d */
		le_delete(&p->le);
		break;
	case UK_LEFT:
	case 2: /* C-b */
		le_left(&p->le);
		edited = false;
		break;
	case UK_RIGHT:
	case 6: /* C-f */
		le_right(&p->le);
		edited = false;
		break;
	case UK_HOME:
	case 1: /* C-a */
		le_home(&p->le);
		edited = false;
		break;
	case UK_END:
	case 5: /* C-e */
		le_end(&p->le);
		edited = false;
		break;
	case 21: /* C-u */
		le_kill_to_start(&p->le);
		break;
	case 11: /* C-k */
		le_kill_to_end(&p->le);
		break;
	case 23: /* C-w */
		le_kill_word(&p->le);
		break;
	default:
		if (key & UK_META || key >= UK_BASE || !le_insert(&p->le, key))
			edited = false;
		break;
	}
	if (edited) {
		p->cycle = SIZE_MAX;
		p->show_matches = false;
		app->status_dirty = true;
	}
	app->line_dirty = true;
}

/* The candidate list shown in the status line's place while completing. */
static void draw_matches(struct app *app)
{
	struct prompt *p = app->prompt;
	WINDOW *w = app->status_win;
	if (!w)
		return;
	draw_fill(w, 0, app->attr[TE_STATUS]);
	int cols = getmaxx(w), x = 1;
	size_t current = p->cycle == SIZE_MAX ? SIZE_MAX : (p->cycle + p->n_match - 1) % p->n_match;
	for (size_t i = 0; i < p->n_match && x < cols - 4; i++) {
		const char *s = app_san(app, p->cands[p->match[i]], app->san);
		int wdt = text_width(s, strlen(s));
		if (x + wdt > cols - 4) {
			draw_text(w, 0, x, "...", 3, app->attr[TE_STATUS]);
			break;
		}
		x += draw_text(w, 0, x, s, cols - x, app->attr[i == current ? TE_CURSOR : TE_STATUS]);
		x += 2;
	}
	wnoutrefresh(w);
}

void prompt_draw(struct app *app)
{
	struct prompt *p = app->prompt;
	WINDOW *w = app->line_win;
	if (p->show_matches && p->n_match)
		draw_matches(app);
	draw_fill(w, 0, app->attr[TE_MESSAGE]);
	int cols = getmaxx(w);
	int x = draw_text(w, 0, 0, p->label, cols * 3 / 4, app->attr[TE_PROMPT]);
	/* the input is the user's own typing: show it sanitised anyway (it may be pasted) */
	char before[LINEEDIT_MAX * 3];
	/* columns before the cursor decide the scroll */
	char head[LINEEDIT_MAX];
	memcpy(head, p->le.text, p->le.cur);
	head[p->le.cur] = '\0';
	snprintf(before, sizeof before, "%s", app_san(app, head, app->san));
	int cur_col = text_width(before, strlen(before));
	const char *shown = app_san(app, p->le.text, app->san);
	int room = cols - x - 1;
	int skip_cols = cur_col > room ? cur_col - room : 0;
	const char *s = shown;
	size_t len = strlen(s);
	if (skip_cols) {
		int used;
		size_t n = text_fit(s, len, skip_cols, &used);
		s += n;
		cur_col -= used;
	}
	draw_text(w, 0, x, s, room, app->attr[TE_MESSAGE]);
	wmove(w, 0, x + cur_col);
	curs_set(1);
	leaveok(w, FALSE);
	wnoutrefresh(w);
}
