/*
 * action — every thing a key can do, defined once: an id, the name the config file uses
 * ([keys] KEY = NAME) and the help text the ? screen shows. Pure data, no curses.
 *
 * Keys never do anything directly: ui/keymap maps a key sequence to an action, and the reader
 * (ui/app) carries the action out in the pane that has the focus, else globally. Adding an
 * action = one row in action.c's table + its handling in a pane or in app_actions.c.
 */
#ifndef SKUA_UI_ACTION_H
#define SKUA_UI_ACTION_H

#include <stddef.h>

enum action {
	ACT_NONE = 0, /* "none": unbinds a key */
	/* moving */
	ACT_NEXT,
	ACT_PREV,
	ACT_SCROLL_DOWN,
	ACT_SCROLL_UP,
	ACT_PAGE_DOWN,
	ACT_PAGE_UP,
	ACT_FIRST,
	ACT_LAST,
	ACT_OPEN,
	ACT_BACK,
	ACT_FOCUS_NEXT,
	ACT_FOCUS_PREV,
	ACT_FOCUS_FOLDERS,
	ACT_EXPAND_THREAD,
	ACT_COLLAPSE_THREAD,
	ACT_TOGGLE_THREADS,
	ACT_TOGGLE_LAYOUT,
	/* triage */
	ACT_ARCHIVE,
	ACT_TRASH,
	ACT_TOGGLE_STAR,
	ACT_MARK_READ,
	ACT_MARK_UNREAD,
	ACT_TOGGLE_READ,
	ACT_LABEL,
	ACT_MOVE,
	ACT_SELECT,
	ACT_SELECT_ALL,
	ACT_SELECT_NONE,
	ACT_UNDO,
	/* going places, searching */
	ACT_GOTO_INBOX,
	ACT_GOTO_LABEL,
	ACT_GOTO_STARRED,
	ACT_GOTO_SENT,
	ACT_GOTO_DRAFTS,
	ACT_GOTO_ALL,
	ACT_GOTO_TRASH,
	ACT_SWITCH_ACCOUNT,
	ACT_SEARCH,
	ACT_SEARCH_NEXT,
	ACT_SEARCH_PREV,
	/* the message */
	ACT_COPY,
	ACT_SAVE_ATTACHMENT,
	ACT_LOAD_MORE,
	/* the program */
	ACT_REFRESH,
	ACT_REDRAW,
	ACT_HELP,
	ACT_CANCEL,
	ACT_QUIT,
	ACT__COUNT
};

enum action_group {
	AG_MOVE,
	AG_TRIAGE,
	AG_GO,
	AG_MESSAGE,
	AG_PROGRAM,
	AG__COUNT
};

struct action_info {
	enum action id;
	const char *name;  /* "archive", "goto-inbox" */
	enum action_group group;
	const char *help;  /* one line */
};

/* The entry for a (every id in [0, ACT__COUNT) has one); NULL out of range. */
const struct action_info *action_info(enum action a);
/* The action called name (case-sensitive), or -1. "none" gives ACT_NONE. */
int action_by_name(const char *name);
const char *action_group_title(enum action_group g);

#endif
