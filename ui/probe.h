/*
 * probe — skua's plain-text front end until the curses reader exists: connects to one account
 * through the engine, and prints what it reads — the session's progress, the server's
 * capabilities, the folders (special-use first, with their roles), the chosen folder's counts
 * and its newest messages (date, sender, subject, and Gmail's thread id and labels) — then logs
 * out. Every server string goes through ui/sanitize before it is printed.
 *
 * probe_run() runs its own loop to completion (the only blocking is that loop's poll()) and
 * returns the process exit status: 0 on success, 1 when the account could not be read.
 */
#ifndef SKUA_UI_PROBE_H
#define SKUA_UI_PROBE_H

#include <stdio.h>

struct config_account;

struct probe_opts {
	const char *folder;  /* UTF-8; NULL = INBOX */
	unsigned rows;       /* newest messages to list; 0 = 20 */
	int width;           /* columns for message rows; 0 = 80 */
	FILE *out;           /* NULL = stdout */
	FILE *err;           /* NULL = stderr */
	int verbose;         /* > 0: wire trace (redacted) on err */
};

int probe_run(const struct config_account *acct, const struct probe_opts *o);

#endif
