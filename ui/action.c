/* action — the one table of actions; see action.h. */
#include "config.h"

#include "action.h"

#include <string.h>

static const struct action_info actions[ACT__COUNT] = {
	{ACT_NONE, "none", AG_PROGRAM, "unbind the key"},
	{ACT_NEXT, "next", AG_MOVE, "next row; in a message, open the next one"},
	{ACT_PREV, "previous", AG_MOVE, "previous row; in a message, open the previous one"},
	{ACT_SCROLL_DOWN, "scroll-down", AG_MOVE, "one line down (a row in lists)"},
	{ACT_SCROLL_UP, "scroll-up", AG_MOVE, "one line up (a row in lists)"},
	{ACT_PAGE_DOWN, "page-down", AG_MOVE, "one page down"},
	{ACT_PAGE_UP, "page-up", AG_MOVE, "one page up"},
	{ACT_FIRST, "first", AG_MOVE, "go to the top"},
	{ACT_LAST, "last", AG_MOVE, "go to the bottom"},
	{ACT_OPEN, "open", AG_MOVE, "open the folder, conversation or message"},
	{ACT_BACK, "back", AG_MOVE, "back to the list (close the message, leave the search)"},
	{ACT_FOCUS_NEXT, "focus-next", AG_MOVE, "move the focus to the next pane"},
	{ACT_FOCUS_PREV, "focus-previous", AG_MOVE, "move the focus to the previous pane"},
	{ACT_FOCUS_FOLDERS, "focus-folders", AG_MOVE, "move the focus to the folder list"},
	{ACT_EXPAND_THREAD, "expand-thread", AG_MOVE, "show the messages of the conversation"},
	{ACT_COLLAPSE_THREAD, "collapse-thread", AG_MOVE, "fold the conversation back into one row"},
	{ACT_TOGGLE_THREADS, "toggle-threads", AG_MOVE, "one row per conversation / per message"},
	{ACT_TOGGLE_LAYOUT, "toggle-layout", AG_MOVE, "side by side / list over message / one pane"},
	{ACT_ARCHIVE, "archive", AG_TRIAGE, "archive (Gmail: remove from Inbox)"},
	{ACT_TRASH, "trash", AG_TRIAGE, "move to Trash"},
	{ACT_TOGGLE_STAR, "toggle-star", AG_TRIAGE, "star or unstar"},
	{ACT_MARK_READ, "mark-read", AG_TRIAGE, "mark as read"},
	{ACT_MARK_UNREAD, "mark-unread", AG_TRIAGE, "mark as unread"},
	{ACT_TOGGLE_READ, "toggle-read", AG_TRIAGE, "mark read when unread, else unread"},
	{ACT_LABEL, "label", AG_TRIAGE, "label: NAME toggles, +NAME adds, -NAME removes"},
	{ACT_MOVE, "move", AG_TRIAGE, "move to a folder"},
	{ACT_SELECT, "select", AG_TRIAGE, "select or unselect (actions then apply to the selection)"},
	{ACT_SELECT_ALL, "select-all", AG_TRIAGE, "select every loaded row"},
	{ACT_SELECT_NONE, "select-none", AG_TRIAGE, "clear the selection"},
	{ACT_UNDO, "undo", AG_TRIAGE, "undo the last action"},
	{ACT_GOTO_INBOX, "goto-inbox", AG_GO, "go to the Inbox"},
	{ACT_GOTO_LABEL, "goto-label", AG_GO, "go to a label or folder (with completion)"},
	{ACT_GOTO_STARRED, "goto-starred", AG_GO, "go to Starred"},
	{ACT_GOTO_SENT, "goto-sent", AG_GO, "go to Sent"},
	{ACT_GOTO_DRAFTS, "goto-drafts", AG_GO, "go to Drafts"},
	{ACT_GOTO_ALL, "goto-all", AG_GO, "go to All Mail"},
	{ACT_GOTO_TRASH, "goto-trash", AG_GO, "go to Trash"},
	{ACT_SWITCH_ACCOUNT, "switch-account", AG_GO, "switch to another account"},
	{ACT_SEARCH, "search", AG_GO, "search (Gmail syntax: from: subject: is:unread has:attachment ...)"},
	{ACT_SEARCH_NEXT, "search-next", AG_GO, "next search result"},
	{ACT_SEARCH_PREV, "search-previous", AG_GO, "previous search result"},
	{ACT_COPY, "copy", AG_MESSAGE, "copy a link or address to the clipboard (OSC 52)"},
	{ACT_SAVE_ATTACHMENT, "save-attachment", AG_MESSAGE, "save an attachment to a directory"},
	{ACT_LOAD_MORE, "load-more", AG_MESSAGE, "load the rest of a long message"},
	{ACT_REFRESH, "refresh", AG_PROGRAM, "refresh folders now; reconnect now when offline"},
	{ACT_REDRAW, "redraw", AG_PROGRAM, "redraw the screen"},
	{ACT_HELP, "help", AG_PROGRAM, "show the keys"},
	{ACT_CANCEL, "cancel", AG_PROGRAM, "close help, clear the selection, or go back"},
	{ACT_QUIT, "quit", AG_PROGRAM, "quit skua"},
};

const struct action_info *action_info(enum action a)
{
	if ((int)a < 0 || a >= ACT__COUNT)
		return NULL;
	return &actions[a];
}

int action_by_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < ACT__COUNT; i++)
		if (!strcmp(actions[i].name, name))
			return i;
	return -1;
}

const char *action_group_title(enum action_group g)
{
	static const char *const titles[AG__COUNT] = {
		"Moving around", "Triage", "Going places and searching", "The message", "The program",
	};
	return (int)g >= 0 && g < AG__COUNT ? titles[g] : "";
}
