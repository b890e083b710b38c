/*
 * layout — where the panes go for a terminal size. Pure arithmetic, no curses.
 *
 * The two bottom lines are always the status line (rows - 2) and the message/prompt line
 * (rows - 1); the panes share the rest:
 *  - wide: folders | list | message side by side (separators one column wide);
 *  - narrow: the list over the message (the message only while one is open); the folder list
 *    sits at the left when the terminal is wide enough (>= 110 columns) or has the focus;
 *  - single: only the pane with the focus.
 * LAYOUT_AUTO picks wide from 150 columns, narrow from 60 columns and 12 rows, else single.
 * A terminal smaller than 20x5 gets `too_small` and no panes.
 */
#ifndef SKUA_UI_LAYOUT_H
#define SKUA_UI_LAYOUT_H

#include <stdbool.h>

enum layout_mode { LAYOUT_AUTO, LAYOUT_WIDE, LAYOUT_NARROW, LAYOUT_SINGLE };
enum pane_id { PANE_FOLDERS, PANE_LIST, PANE_MESSAGE, PANE__COUNT };

struct rect {
	int y, x, h, w; /* h == 0 or w == 0: not shown */
};

struct layout_in {
	int rows, cols;
	enum layout_mode mode;
	enum pane_id focus;
	bool message_open;
};

struct layout {
	enum layout_mode mode; /* the one used (never AUTO) */
	bool too_small;
	struct rect pane[PANE__COUNT];
	struct rect vsep[2];   /* vertical separators (w == 1) */
	struct rect hsep;      /* horizontal separator above the message (narrow) */
	struct rect status, line;
};

void layout_compute(const struct layout_in *in, struct layout *out);
/* Parses "auto", "wide", "narrow", "single"; false otherwise. */
bool layout_parse(const char *s, enum layout_mode *out);
const char *layout_name(enum layout_mode m);
static inline bool rect_visible(const struct rect *r) { return r->h > 0 && r->w > 0; }

#endif
