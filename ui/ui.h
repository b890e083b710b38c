/*
 * ui — skua's curses reader: the entry point src/main.c calls when stdout is a terminal.
 *
 * ui_run() takes over the terminal (ncursesw), opens the chosen account (its SQLite cache,
 * the model, triage) and the chosen folder, and runs the one event loop (src/loop.h) until the
 * user quits, SIGHUP or SIGTERM arrive (the journal is flushed first), or the terminal cannot
 * be used. It always gives the terminal back as it found it, on a crash too. Returns the exit
 * status (0, or 1 with a message on stderr when it could not start; 128 + signal after
 * SIGHUP/SIGTERM).
 */
#ifndef SKUA_UI_UI_H
#define SKUA_UI_UI_H

struct config;

struct ui_opts {
	const char *account; /* config name; NULL = the first */
	const char *folder;  /* UTF-8; NULL = INBOX */
};

int ui_run(const struct config *cfg, const struct ui_opts *o);

#endif
