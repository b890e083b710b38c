/* secret_cmd — password_command / oauth_token_command runner on the loop (see the header). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "secret_cmd.h"

#define ERR_KEEP 200
#define GRACE_MS 500  /* after the exit, how long to wait for the pipes to close */
#define POLL_MS 20    /* waitpid polling when SIGCHLD is not ours */

struct secret_cmd {
	struct loop *loop;
	pid_t pid;
	int out_fd, err_fd;
	struct loop_fd *out_w, *err_w;
	struct loop_signal *sig;
	struct loop_timer *timer;      /* timeout, then the grace period after exit */
	struct loop_timer *poll_timer; /* waitpid polling without SIGCHLD */
	unsigned timeout_ms;
	char out[SECRET_CMD_MAX + 1];
	size_t out_len;
	bool too_long;
	char err[ERR_KEEP + 1];
	size_t err_len;
	bool exited, timed_out, in_grace, finishing;
	int status;
	secret_cmd_done_fn done;
	void *ctx;
};

/* Killed children not yet reaped (see the header). */
static pid_t orphans[16];

static void reap_orphans(void)
{
	for (size_t i = 0; i < sizeof orphans / sizeof orphans[0]; i++)
		if (orphans[i] > 0 && waitpid(orphans[i], NULL, WNOHANG) != 0)
			orphans[i] = 0;
}

static void wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

static void release(struct secret_cmd *sc)
{
	loop_fd_remove(&sc->out_w);
	loop_fd_remove(&sc->err_w);
	if (sc->out_fd >= 0)
		close(sc->out_fd);
	if (sc->err_fd >= 0)
		close(sc->err_fd);
	sc->out_fd = sc->err_fd = -1;
	loop_signal_remove(&sc->sig);
	loop_timer_free(&sc->timer);
	loop_timer_free(&sc->poll_timer);
	wipe(sc->out, sizeof sc->out);
	free(sc);
}

static void kill_and_forget(struct secret_cmd *sc)
{
	if (sc->pid > 0 && !sc->exited) {
		kill(-sc->pid, SIGKILL);
		kill(sc->pid, SIGKILL);
		if (waitpid(sc->pid, NULL, WNOHANG) == 0) {
			for (size_t i = 0; i < sizeof orphans / sizeof orphans[0]; i++)
				if (orphans[i] <= 0) {
					orphans[i] = sc->pid;
					break;
				}
		}
	}
	sc->pid = -1;
}

void secret_cmd_cancel(struct secret_cmd **h)
{
	struct secret_cmd *sc = h ? *h : NULL;
	if (!sc)
		return;
	*h = NULL;
	if (sc->finishing)
		return; /* inside done(): freed when it returns */
	kill_and_forget(sc);
	release(sc);
}

/* The first line of stderr, printable, for messages. */
static void stderr_line(const struct secret_cmd *sc, char *out, size_t outlen)
{
	size_t k = 0;
	for (size_t i = 0; i < sc->err_len && k + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)sc->err[i];
		if (ch == '\n' || ch == '\r')
			break;
		out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[k] = '\0';
}

static void finish(struct secret_cmd *sc)
{
	char why[400];
	char errl[ERR_KEEP + 1];
	const char *secret = NULL;
	stderr_line(sc, errl, sizeof errl);
	const char *sep = errl[0] ? ": " : "";
	if (sc->timed_out) {
		snprintf(why, sizeof why, "the command did not finish within %u s", sc->timeout_ms / 1000);
	} else if (WIFSIGNALED(sc->status)) {
		snprintf(why, sizeof why, "the command was killed by signal %d%s%s", WTERMSIG(sc->status), sep,
			 errl);
	} else if (!WIFEXITED(sc->status) || WEXITSTATUS(sc->status) != 0) {
		snprintf(why, sizeof why, "the command failed (exit status %d)%s%s",
			 WIFEXITED(sc->status) ? WEXITSTATUS(sc->status) : -1, sep, errl);
	} else if (sc->too_long) {
		snprintf(why, sizeof why, "the command printed more than %d bytes", SECRET_CMD_MAX);
	} else {
		sc->out[sc->out_len] = '\0';
		char *lf = memchr(sc->out, '\n', sc->out_len);
		if (lf)
			*lf = '\0';
		size_t n = strlen(sc->out);
		if (n && sc->out[n - 1] == '\r')
			sc->out[--n] = '\0';
		if (n == 0)
			snprintf(why, sizeof why, "the command printed nothing%s%s", sep, errl);
		else
			secret = sc->out;
	}
	sc->finishing = true;
	sc->pid = -1;
	if (sc->done)
		sc->done(sc->ctx, secret, secret ? NULL : why);
	release(sc);
}

static void maybe_finish(struct secret_cmd *sc)
{
	if (!sc->exited)
		return;
	if (sc->out_w || sc->err_w) {
		/* exited, but something (a background child) still holds a pipe: not for long */
		if (!sc->in_grace && !sc->timed_out) {
			sc->in_grace = true;
			loop_timer_start(sc->timer, GRACE_MS);
		}
		if (!sc->timed_out)
			return;
	}
	finish(sc);
}

static void check_exit(struct secret_cmd *sc)
{
	if (sc->exited || sc->pid <= 0)
		return;
	int st;
	pid_t r = waitpid(sc->pid, &st, WNOHANG);
	if (r == sc->pid || (r < 0 && errno == ECHILD)) {
		sc->exited = true;
		sc->status = r == sc->pid ? st : 0;
		if (r < 0) /* someone else reaped it: we cannot know how it ended */
			sc->status = 255 << 8;
		loop_timer_stop(sc->poll_timer);
		maybe_finish(sc);
	}
}

static void on_sigchld(struct loop *loop, int signo, void *ctx)
{
	reap_orphans();
	check_exit(ctx);
}

static void on_poll(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct secret_cmd *sc = ctx;
	reap_orphans();
	loop_timer_start(sc->poll_timer, POLL_MS);
	check_exit(sc);
}

static void on_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	struct secret_cmd *sc = ctx;
	if (sc->in_grace) {
		loop_fd_remove(&sc->out_w);
		loop_fd_remove(&sc->err_w);
		finish(sc);
		return;
	}
	sc->timed_out = true;
	kill(-sc->pid, SIGKILL);
	kill(sc->pid, SIGKILL);
	/* do not wait for pipes held by escaped descendants */
	loop_fd_remove(&sc->out_w);
	loop_fd_remove(&sc->err_w);
	check_exit(sc);
}

static void on_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	struct secret_cmd *sc = ctx;
	bool is_out = fd == sc->out_fd;
	char tmp[4096];
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n > 0) {
			if (is_out) {
				size_t room = SECRET_CMD_MAX - sc->out_len;
				size_t take = (size_t)n < room ? (size_t)n : room;
				memcpy(sc->out + sc->out_len, tmp, take);
				sc->out_len += take;
				if ((size_t)n > take)
					sc->too_long = true;
			} else {
				size_t room = ERR_KEEP - sc->err_len;
				size_t take = (size_t)n < room ? (size_t)n : room;
				memcpy(sc->err + sc->err_len, tmp, take);
				sc->err_len += take;
			}
			wipe(tmp, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break; /* EOF or error */
	}
	if (is_out)
		loop_fd_remove(&sc->out_w);
	else
		loop_fd_remove(&sc->err_w);
	if (!sc->exited) {
		if (!sc->out_w && !sc->err_w)
			check_exit(sc); /* finishes if the child is gone: sc may be freed */
		return;
	}
	maybe_finish(sc);
}

static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	int fl = fcntl(p[0], F_GETFL);
	if (fl < 0 || fcntl(p[0], F_SETFL, fl | O_NONBLOCK) != 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	return 0;
}

struct secret_cmd *secret_cmd_run(struct loop *loop, const char *command, unsigned timeout_ms,
				  secret_cmd_done_fn done, void *ctx, char *errbuf, unsigned errlen)
{
	char dummy[8];
	if (!errbuf || !errlen) {
		errbuf = dummy;
		errlen = sizeof dummy;
	}
	errbuf[0] = '\0';
	reap_orphans();
	if (!loop || !command || !*command) {
		snprintf(errbuf, errlen, "no command configured");
		return NULL;
	}
	struct secret_cmd *sc = calloc(1, sizeof *sc);
	if (!sc) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	sc->loop = loop;
	sc->out_fd = sc->err_fd = -1;
	sc->pid = -1;
	sc->done = done;
	sc->ctx = ctx;
	sc->timeout_ms = timeout_ms ? timeout_ms : 60000;
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int devnull = -1;
	sc->timer = loop_timer_new(loop, on_timer, sc);
	sc->poll_timer = loop_timer_new(loop, on_poll, sc);
	if (!sc->timer || !sc->poll_timer || make_pipe(op) != 0 || make_pipe(ep) != 0 ||
	    (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(errbuf, errlen, "cannot run the command: %s", strerror(errno));
		goto fail;
	}
	sc->out_fd = op[0];
	sc->err_fd = ep[0];
	/* the handler is in place before the child can exit */
	sc->sig = loop_signal_add(loop, SIGCHLD, on_sigchld, sc);
	long maxfd = sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > 4096)
		maxfd = 4096;
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(errbuf, errlen, "cannot run the command: fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		/* child: async-signal-safe calls only */
		setpgid(0, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &dfl, NULL);
		sigaction(SIGCHLD, &dfl, NULL);
		if (dup2(devnull, 0) < 0 || dup2(op[1], 1) < 0 || dup2(ep[1], 2) < 0)
			_exit(127);
		for (long fd = 3; fd < maxfd; fd++)
			close((int)fd);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	sc->pid = pid;
	setpgid(pid, pid); /* also here: whichever runs first */
	close(op[1]);
	close(ep[1]);
	close(devnull);
	op[1] = ep[1] = devnull = -1;
	sc->out_w = loop_fd_add(loop, sc->out_fd, LOOP_READ, on_readable, sc);
	sc->err_w = loop_fd_add(loop, sc->err_fd, LOOP_READ, on_readable, sc);
	if (!sc->out_w || !sc->err_w) {
		snprintf(errbuf, errlen, "out of memory");
		kill_and_forget(sc);
		release(sc);
		return NULL;
	}
	loop_timer_start(sc->timer, sc->timeout_ms);
	if (!sc->sig)
		loop_timer_start(sc->poll_timer, POLL_MS);
	return sc;
fail:
	if (op[1] >= 0)
		close(op[1]);
	if (ep[1] >= 0)
		close(ep[1]);
	if (devnull >= 0)
		close(devnull);
	if (op[0] >= 0 && sc->out_fd < 0)
		close(op[0]);
	if (ep[0] >= 0 && sc->err_fd < 0)
		close(ep[0]);
	release(sc);
	return NULL;
}
