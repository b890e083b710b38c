/*
 * secret_cmd — runs a user's password_command / oauth_token_command without blocking the loop:
 * fork + exec of `/bin/sh -c COMMAND` in its own process group, stdin from /dev/null, stdout and
 * stderr to pipes watched by the loop, the exit reaped with waitpid(WNOHANG) on SIGCHLD (or on a
 * polling timer when another loop owns the signals).
 *
 * Contract:
 *  - The secret is the first line of stdout (CR/LF stripped). Output is bounded (SECRET_CMD_MAX
 *    bytes; more is drained and the run fails). The command must exit with status 0 and print a
 *    non-empty first line, within timeout_ms (0 = 60 s); past it the process group gets SIGKILL.
 *  - done(ctx, secret, NULL) on success, done(ctx, NULL, why) on failure; why is words for the
 *    user (exit status, signal, timeout, the first line of stderr) and never contains stdout.
 *    Both strings are valid only during the call: the secret's memory is wiped right after
 *    done() returns. done() is called once, from the loop (never from inside secret_cmd_run()),
 *    and the handle is freed after it returns: forget it there.
 *  - secret_cmd_cancel(&h) (NULL-safe, NULLs *h) kills a running command; done() is not called.
 *    A killed child not yet reaped is reaped later by the next secret_cmd event (a small fixed
 *    table; no memory is held for it).
 *  - Nothing here logs; the secret never leaves the buffer it was read into except as the
 *    argument of done().
 */
#ifndef SKUA_SECRET_CMD_H
#define SKUA_SECRET_CMD_H

#define SECRET_CMD_MAX 8192

struct loop;
struct secret_cmd;

typedef void (*secret_cmd_done_fn)(void *ctx, const char *secret, const char *why);

/* NULL (and nothing started) if command is NULL/empty or a pipe/fork failed; why then holds the
 * reason when errbuf is given. */
struct secret_cmd *secret_cmd_run(struct loop *loop, const char *command, unsigned timeout_ms,
				  secret_cmd_done_fn done, void *ctx, char *errbuf, unsigned errlen);
void secret_cmd_cancel(struct secret_cmd **h);

#endif
