/*
 * proc_run — runs one child command on the loop without ever blocking it: the shared runner under
 * secret_cmd (password_command, a /bin/sh command line the user wrote) and the html_filter (an
 * argv, never a shell: message data only ever goes to the child's stdin).
 *
 * Contract:
 *  - The child runs in its own process group with SIGPIPE/SIGCHLD at their defaults and only fds
 *    0-2 open: stdin is /dev/null, or a socket the runner writes `in` to (as it becomes writable,
 *    with MSG_NOSIGNAL: a child that stops reading ends the writing, which is not an error);
 *    stdout and stderr are pipes read as they become readable. The exit is reaped with
 *    waitpid(WNOHANG) on SIGCHLD through the loop (or a 20 ms polling timer when another loop
 *    owns the signals).
 *  - stdout is kept up to out_max bytes. Past it: out_kill -> the child is killed and the run
 *    ends at once (too_long, with the first out_max bytes); else the rest is drained and dropped
 *    (too_long). The first PROC_ERR_KEEP bytes of stderr are kept.
 *  - timeout_ms (0 = 60 s): the process group gets SIGKILL and the run ends (timed_out).
 *  - done(ctx, r) is called once, from the loop (never from inside proc_run_start()); r and its
 *    strings are valid only during the call; the handle is freed after it returns: forget it
 *    there. out_wipe: the output buffer is wiped before it is freed (secrets).
 *  - proc_run_cancel(&h) (NULL-safe, NULLs *h) kills a running child; done() is not called. A
 *    killed child not yet reaped is reaped by a later proc_run event (a small fixed table).
 */
#ifndef SKUA_PROC_RUN_H
#define SKUA_PROC_RUN_H

#include <stdbool.h>
#include <stddef.h>

#define PROC_ERR_KEEP 200

struct loop;
struct proc_run;

struct proc_run_opts {
	const char *const *argv;  /* exec'd directly (PATH searched), NULL-terminated; or */
	const char *shell_cmd;    /* run as /bin/sh -c shell_cmd (user-written commands only) */
	const char *in;           /* stdin bytes (copied); NULL: /dev/null */
	size_t in_len;
	size_t out_max;           /* bytes of stdout kept (> 0) */
	bool out_kill;            /* past out_max: kill and end (else drain) */
	bool out_wipe;
	unsigned timeout_ms;
};

struct proc_run_result {
	const char *out;          /* NUL-terminated after out_len bytes */
	size_t out_len;
	bool too_long, timed_out;
	bool exited;              /* status is valid */
	int status;               /* as waitpid() gives it */
	const char *err_line;     /* the first line of stderr, printable ASCII ('?' for others) */
};

typedef void (*proc_run_done_fn)(void *ctx, const struct proc_run_result *r);

/* NULL (nothing started) when there is nothing to run or a pipe/fork failed: why in errbuf. */
struct proc_run *proc_run_start(struct loop *loop, const struct proc_run_opts *o,
				proc_run_done_fn done, void *ctx, char *errbuf, size_t errlen);
void proc_run_cancel(struct proc_run **h);

/* Words for how a run that did not succeed ended ("did not finish within 5 s", "exit status 3:
 * <stderr line>", "killed by signal 9"), or NULL when it exited 0. */
const char *proc_run_why(const struct proc_run_result *r, unsigned timeout_ms, char *buf, size_t len);

/* Splits cmd on blanks into at most max - 1 words in argv (pointing into buf, a copy of cmd);
 * argv[n] = NULL. Returns n (0: nothing to run or it did not fit). No quoting, no expansion. */
size_t proc_split_argv(const char *cmd, char *buf, size_t buflen, const char **argv, size_t max);

#endif
