/* layout — pane geometry; see layout.h. */
#include "config.h"

#include "layout.h"

#include <string.h>

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static struct rect mk(int y, int x, int h, int w)
{
	struct rect r = {y, x, h > 0 ? h : 0, w > 0 ? w : 0};
	if (!r.h || !r.w)
		r.h = r.w = 0;
	return r;
}

bool layout_parse(const char *s, enum layout_mode *out)
{
	static const char *const names[] = {"auto", "wide", "narrow", "single"};
	for (int i = 0; i < 4; i++)
		if (s && !strcmp(s, names[i])) {
			*out = (enum layout_mode)i;
			return true;
		}
	return false;
}

const char *layout_name(enum layout_mode m)
{
	static const char *const names[] = {"auto", "wide", "narrow", "single"};
	return (int)m >= 0 && m <= LAYOUT_SINGLE ? names[m] : "?";
}

void layout_compute(const struct layout_in *in, struct layout *out)
{
	memset(out, 0, sizeof *out);
	int rows = in->rows, cols = in->cols;
	if (rows < 5 || cols < 20) {
		out->too_small = true;
		out->mode = LAYOUT_SINGLE;
		if (rows >= 1 && cols >= 1)
			out->line = mk(rows - 1, 0, 1, cols);
		return;
	}
	out->status = mk(rows - 2, 0, 1, cols);
	out->line = mk(rows - 1, 0, 1, cols);
	int body = rows - 2;
	enum layout_mode m = in->mode;
	if (m == LAYOUT_AUTO)
		m = cols >= 150 ? LAYOUT_WIDE : (cols >= 60 && rows >= 12) ? LAYOUT_NARROW : LAYOUT_SINGLE;
	/* a forced layout that cannot fit falls back to one pane at a time */
	if ((m == LAYOUT_WIDE && cols < 60) || (m == LAYOUT_NARROW && (body < 8 || cols < 30)))
		m = LAYOUT_SINGLE;
	out->mode = m;
	enum pane_id focus = in->focus;
	if (focus == PANE_MESSAGE && !in->message_open)
		focus = PANE_LIST;

	if (m == LAYOUT_SINGLE) {
		out->pane[focus] = mk(0, 0, body, cols);
		return;
	}
	if (m == LAYOUT_WIDE) {
		int fw = clamp(cols / 7, 14, 30);
		int rest = cols - fw - 2;
		int lw = rest * 45 / 100;
		if (lw < 30)
			lw = rest / 2;
		out->pane[PANE_FOLDERS] = mk(0, 0, body, fw);
		out->vsep[0] = mk(0, fw, body, 1);
		out->pane[PANE_LIST] = mk(0, fw + 1, body, lw);
		out->vsep[1] = mk(0, fw + 1 + lw, body, 1);
		out->pane[PANE_MESSAGE] = mk(0, fw + 2 + lw, body, rest - lw);
		return;
	}
	/* narrow */
	int x = 0;
	if (cols >= 110 || focus == PANE_FOLDERS) {
		int fw = clamp(cols / 5, 16, 26);
		out->pane[PANE_FOLDERS] = mk(0, 0, body, fw);
		out->vsep[0] = mk(0, fw, body, 1);
		x = fw + 1;
	}
	int w = cols - x;
	if (!in->message_open) {
		out->pane[PANE_LIST] = mk(0, x, body, w);
		return;
	}
	int lh = clamp(body / 3, 3, 12);
	out->pane[PANE_LIST] = mk(0, x, lh, w);
	out->hsep = mk(lh, x, 1, w);
	out->pane[PANE_MESSAGE] = mk(lh + 1, x, body - lh - 1, w);
}
