/*
 * loop — the one event loop: a single poll(2) over registered fds, monotonic one-shot timers,
 * signals delivered as ordinary events through a self-pipe, deferred callbacks and "before
 * sleep" hooks. loop_run_once()'s poll() is the only blocking call in the program.
 *
 * One turn (loop_run_once):
 *   1. deferred callbacks queued before this turn run (ones queued while they run wait for the
 *      next turn);
 *   2. expired timers fire, earliest deadline first (equal deadlines: in the order armed);
 *   3. before-sleep hooks run, in the order added (the UI's doupdate(), net's output flush);
 *   4. poll() sleeps until an fd is ready, the next timer, max_ms, or not at all when deferred
 *      callbacks are waiting;
 *   5. signals that arrived are dispatched (in arrival order), then ready fds, then expired timers.
 *
 * Ownership and safety:
 *  - struct loop is owned by its creator; loop_free() it after every timer has been freed, and
 *    never from inside one of its callbacks. loop_run()/loop_run_once() must not be nested.
 *  - fd watches, signal handlers and hooks are handles owned by the loop: the *_remove()
 *    functions take a pointer to the handle and NULL it; they are safe at any time, including from
 *    inside any callback (the watch's own included) — a removed entry is never called again and
 *    its memory is reclaimed when the turn ends. loop_free() frees those still registered.
 *    The loop never closes an fd it watches; the caller does, after removing the watch.
 *  - timers are owned by the caller (loop_timer_new/loop_timer_free); freeing a timer is safe
 *    from inside any callback, its own included.
 *  - ctx pointers are passed back untouched and never freed by the loop.
 *
 * Signals: the handler (installed with SA_RESTART) writes the signal number to a non-blocking
 * self-pipe; callbacks run later in normal context. The pipe's write end is the loop module's only
 * global, so only one loop at a time can take signals (loop_signal_add fails with EBUSY on a
 * second). Removing the last handler for a signal restores the disposition found at first add.
 * For SIGCHLD the callback should reap with waitpid(WNOHANG) in a loop: signals coalesce.
 */
#ifndef SKUA_LOOP_H
#define SKUA_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_fd;
struct loop_timer;
struct loop_signal;
struct loop_hook;

/* fd interest and readiness bits */
enum {
	LOOP_READ = 1u << 0,
	LOOP_WRITE = 1u << 1,
	/* reported only: POLLERR, POLLHUP or POLLNVAL (a callback gets it whatever its interest) */
	LOOP_ERROR = 1u << 2,
};

typedef void (*loop_fd_cb)(struct loop *loop, int fd, unsigned events, void *ctx);
typedef void (*loop_timer_cb)(struct loop *loop, struct loop_timer *timer, void *ctx);
typedef void (*loop_signal_cb)(struct loop *loop, int signo, void *ctx);
typedef void (*loop_cb)(struct loop *loop, void *ctx);

/* NULL on allocation failure. */
struct loop *loop_new(void);
/* Frees the loop and every fd watch, signal handler, hook and deferred call still registered;
 * restores signal dispositions and closes the self-pipe. NULL-safe; NULLs *loopp. */
void loop_free(struct loop **loopp);

/* Runs turns until loop_stop() is called or nothing is left to wait for (no fd watch, armed
 * timer, signal handler or deferred call). Returns 0, or -1 with errno if poll() failed. */
int loop_run(struct loop *loop);
/* Runs one turn, sleeping at most max_ms (negative: no limit; never sleeps when no fd or timer
 * could wake it). Returns the number of callbacks run (fds, timers, signals, deferred; hooks not
 * counted), or -1 with errno (EBUSY when nested). */
int loop_run_once(struct loop *loop, int max_ms);
/* Makes loop_run() return once the current turn ends. Safe from any callback. */
void loop_stop(struct loop *loop);

/* Monotonic clock in milliseconds (CLOCK_MONOTONIC). */
int64_t loop_now_ms(const struct loop *loop);

/* ---- fds ---- */
/* Watches fd for interest (LOOP_READ | LOOP_WRITE, may be 0 to park it). NULL on allocation
 * failure. Watching the same fd twice is allowed but pointless. */
struct loop_fd *loop_fd_add(struct loop *loop, int fd, unsigned interest, loop_fd_cb cb, void *ctx);
void loop_fd_set(struct loop_fd *w, unsigned interest);
unsigned loop_fd_interest(const struct loop_fd *w);
void loop_fd_remove(struct loop_fd **wp);

/* ---- timers: one-shot; re-arm from the callback for a periodic timer ---- */
struct loop_timer *loop_timer_new(struct loop *loop, loop_timer_cb cb, void *ctx);
/* (Re)arms the timer to fire once, ms milliseconds from now (ms < 0 counts as 0). */
void loop_timer_start(struct loop_timer *t, int64_t ms);
void loop_timer_stop(struct loop_timer *t);
bool loop_timer_armed(const struct loop_timer *t);
/* NULL-safe; NULLs *tp. */
void loop_timer_free(struct loop_timer **tp);

/* ---- signals ---- */
/* Calls cb in normal context each time signo arrived (several arrivals between two turns may
 * coalesce to fewer calls). Several handlers per signal run in the order added. NULL with errno
 * EBUSY when another loop owns the signals, EINVAL for a bad signal, or ENOMEM. */
struct loop_signal *loop_signal_add(struct loop *loop, int signo, loop_signal_cb cb, void *ctx);
void loop_signal_remove(struct loop_signal **sp);
/* Raises signo with the disposition found before the loop took it (SIGTSTP: the process stops
 * here and continues on SIGCONT), then reinstalls the loop's handler. For the UI's ^Z after
 * endwin(). Returns 0 or -1 with errno. */
int loop_signal_raise_default(struct loop *loop, int signo);

/* ---- before-sleep hooks ---- */
struct loop_hook *loop_hook_add(struct loop *loop, loop_cb cb, void *ctx);
void loop_hook_remove(struct loop_hook **hp);

/* ---- deferred calls ---- */
/* Runs cb(loop, ctx) once at the start of the next turn (poll does not sleep meanwhile).
 * Returns 0 or -1 (ENOMEM). */
__attribute__((warn_unused_result)) int loop_defer(struct loop *loop, loop_cb cb, void *ctx);
/* Cancels every pending deferred call matching cb and ctx. Safe from any callback. */
void loop_defer_cancel(struct loop *loop, loop_cb cb, void *ctx);

#endif
