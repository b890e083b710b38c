/* proc_run — one child command on the loop (see the header). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "proc_run.h"

#define GRACE_MS 500  /* after the exit, how long to wait for the pipes to close */
#define POLL_MS 20    /* waitpid polling when SIGCHLD is not ours */

struct proc_run {
	struct loop *loop;
	pid_t pid;
	int in_fd, out_fd, err_fd;
	struct loop_fd *in_w, *out_w, *err_w;
	struct loop_signal *sig;
	struct loop_timer *timer;      /* timeout, then the grace period after exit */
	struct loop_timer *poll_timer; /* waitpid polling without SIGCHLD */
	unsigned timeout_ms;
	char *in;
	size_t in_len, in_off;
	char *out;
	size_t out_len, out_max;
	bool out_kill, out_wipe, too_long;
	char err[PROC_ERR_KEEP + 1];
	size_t err_len;
	bool exited, timed_out, in_grace, finishing;
	int status;
	proc_run_done_fn done;
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

static void close_in(struct proc_run *pr)
{
	loop_fd_remove(&pr->in_w);
	if (pr->in_fd >= 0)
		close(pr->in_fd);
	pr->in_fd = -1;
}

static void release(struct proc_run *pr)
{
	close_in(pr);
	loop_fd_remove(&pr->out_w);
	loop_fd_remove(&pr->err_w);
	if (pr->out_fd >= 0)
		close(pr->out_fd);
	if (pr->err_fd >= 0)
		close(pr->err_fd);
	pr->out_fd = pr->err_fd = -1;
	loop_signal_remove(&pr->sig);
	loop_timer_free(&pr->timer);
	loop_timer_free(&pr->poll_timer);
	if (pr->out && pr->out_wipe)
		explicit_bzero(pr->out, pr->out_max + 1);
	free(pr->out);
	free(pr->in);
	free(pr);
}

static void kill_child(struct proc_run *pr)
{
	if (pr->pid > 0 && !pr->exited) {
		kill(-pr->pid, SIGKILL);
		kill(pr->pid, SIGKILL);
	}
}

static void kill_and_forget(struct proc_run *pr)
{
	if (pr->pid > 0 && !pr->exited) {
		kill_child(pr);
		if (waitpid(pr->pid, NULL, WNOHANG) == 0) {
			for (size_t i = 0; i < sizeof orphans / sizeof orphans[0]; i++)
				if (orphans[i] <= 0) {
					orphans[i] = pr->pid;
					break;
				}
		}
	}
	pr->pid = -1;
}

void proc_run_cancel(struct proc_run **h)
{
	struct proc_run *pr = h ? *h : NULL;
	if (!pr)
		return;
	*h = NULL;
	if (pr->finishing)
		return; /* inside done(): freed when it returns */
	kill_and_forget(pr);
	release(pr);
}

static void finish(struct proc_run *pr)
{
	char errl[PROC_ERR_KEEP + 1];
	size_t k = 0;
	for (size_t i = 0; i < pr->err_len && k + 1 < sizeof errl; i++) {
		unsigned char ch = (unsigned char)pr->err[i];
		if (ch == '\n' || ch == '\r')
			break;
		errl[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	errl[k] = '\0';
	pr->out[pr->out_len] = '\0';
	struct proc_run_result r = {
		.out = pr->out, .out_len = pr->out_len, .too_long = pr->too_long,
		.timed_out = pr->timed_out, .exited = pr->exited, .status = pr->status,
		.err_line = errl,
	};
	if (!pr->exited)
		kill_and_forget(pr); /* ended early (output cut): reaped later */
	pr->finishing = true;
	pr->pid = -1;
	if (pr->done)
		pr->done(pr->ctx, &r);
	release(pr);
}

static void maybe_finish(struct proc_run *pr)
{
	if (!pr->exited)
		return;
	if (pr->out_w || pr->err_w) {
		/* exited, but something (a background child) still holds a pipe: not for long */
		if (!pr->in_grace && !pr->timed_out) {
			pr->in_grace = true;
			loop_timer_start(pr->timer, GRACE_MS);
		}
		if (!pr->timed_out)
			return;
	}
	finish(pr);
}

static void check_exit(struct proc_run *pr)
{
	if (pr->exited || pr->pid <= 0)
		return;
	int st;
	pid_t r = waitpid(pr->pid, &st, WNOHANG);
	if (r == pr->pid || (r < 0 && errno == ECHILD)) {
		pr->exited = true;
		pr->status = r == pr->pid ? st : 255 << 8; /* reaped by someone else: unknown */
		loop_timer_stop(pr->poll_timer);
		close_in(pr);
		maybe_finish(pr);
	}
}

static void on_sigchld(struct loop *loop, int signo, void *ctx)
{
	(void)loop;
	(void)signo;
	reap_orphans();
	check_exit(ctx);
}

static void on_poll(struct loop *loop, struct loop_timer *t, void *ctx)
{
	(void)loop;
	(void)t;
	struct proc_run *pr = ctx;
	reap_orphans();
	loop_timer_start(pr->poll_timer, POLL_MS);
	check_exit(pr);
}

static void on_timer(struct loop *loop, struct loop_timer *t, void *ctx)
{
	(void)loop;
	(void)t;
	struct proc_run *pr = ctx;
	if (pr->in_grace) {
		loop_fd_remove(&pr->out_w);
		loop_fd_remove(&pr->err_w);
		finish(pr);
		return;
	}
	pr->timed_out = true;
	kill_child(pr);
	/* do not wait for pipes held by escaped descendants */
	close_in(pr);
	loop_fd_remove(&pr->out_w);
	loop_fd_remove(&pr->err_w);
	check_exit(pr);
}

static void on_writable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	(void)loop;
	(void)events;
	struct proc_run *pr = ctx;
	while (pr->in_off < pr->in_len) {
		ssize_t n = send(fd, pr->in + pr->in_off, pr->in_len - pr->in_off, MSG_NOSIGNAL);
		if (n > 0) {
			pr->in_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break; /* EPIPE and the like: the child stopped reading */
	}
	close_in(pr); /* EOF for the child */
}

static void on_readable(struct loop *loop, int fd, unsigned events, void *ctx)
{
	(void)loop;
	(void)events;
	struct proc_run *pr = ctx;
	bool is_out = fd == pr->out_fd;
	char tmp[16384];
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n > 0) {
			if (is_out) {
				size_t room = pr->out_max - pr->out_len;
				size_t take = (size_t)n < room ? (size_t)n : room;
				memcpy(pr->out + pr->out_len, tmp, take);
				pr->out_len += take;
				if ((size_t)n > take) {
					pr->too_long = true;
					if (pr->out_kill) {
						explicit_bzero(tmp, sizeof tmp);
						finish(pr);
						return;
					}
				}
			} else {
				size_t room = PROC_ERR_KEEP - pr->err_len;
				size_t take = (size_t)n < room ? (size_t)n : room;
				memcpy(pr->err + pr->err_len, tmp, take);
				pr->err_len += take;
			}
			if (pr->out_wipe)
				explicit_bzero(tmp, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break; /* EOF or error */
	}
	if (is_out)
		loop_fd_remove(&pr->out_w);
	else
		loop_fd_remove(&pr->err_w);
	if (!pr->exited) {
		if (!pr->out_w && !pr->err_w)
			check_exit(pr); /* finishes if the child is gone: pr may be freed */
		return;
	}
	maybe_finish(pr);
}

static int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	if (set_nonblock(p[0], true) != 0) {
		close(p[0]);
		close(p[1]);
		p[0] = p[1] = -1;
		return -1;
	}
	return 0;
}

size_t proc_split_argv(const char *cmd, char *buf, size_t buflen, const char **argv, size_t max)
{
	if (!cmd || !buf || !argv || max < 2 || strlen(cmd) >= buflen)
		return 0;
	memcpy(buf, cmd, strlen(cmd) + 1);
	size_t n = 0;
	char *p = buf;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (n + 1 >= max)
			return 0;
		argv[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	argv[n] = NULL;
	return n;
}

const char *proc_run_why(const struct proc_run_result *r, unsigned timeout_ms, char *buf, size_t len)
{
	const char *sep = r->err_line && r->err_line[0] ? ": " : "";
	const char *el = r->err_line ? r->err_line : "";
	if (r->timed_out)
		snprintf(buf, len, "the command did not finish within %u s", (timeout_ms ? timeout_ms : 60000) / 1000);
	else if (!r->exited)
		snprintf(buf, len, "the command was stopped");
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len, "the command was killed by signal %d%s%s", WTERMSIG(r->status), sep, el);
	else if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		snprintf(buf, len, "the command failed (exit status %d)%s%s",
			 WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1, sep, el);
	else
		return NULL;
	return buf;
}

struct proc_run *proc_run_start(struct loop *loop, const struct proc_run_opts *o,
				proc_run_done_fn done, void *ctx, char *errbuf, size_t errlen)
{
	char dummy[8];
	if (!errbuf || !errlen) {
		errbuf = dummy;
		errlen = sizeof dummy;
	}
	errbuf[0] = '\0';
	reap_orphans();
	if (!loop || !o || !o->out_max || (!(o->argv && o->argv[0] && o->argv[0][0]) &&
					   !(o->shell_cmd && o->shell_cmd[0]))) {
		snprintf(errbuf, errlen, "no command configured");
		return NULL;
	}
	struct proc_run *pr = calloc(1, sizeof *pr);
	if (!pr) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	pr->loop = loop;
	pr->in_fd = pr->out_fd = pr->err_fd = -1;
	pr->pid = -1;
	pr->done = done;
	pr->ctx = ctx;
	pr->timeout_ms = o->timeout_ms ? o->timeout_ms : 60000;
	pr->out_max = o->out_max;
	pr->out_kill = o->out_kill;
	pr->out_wipe = o->out_wipe;
	int op[2] = {-1, -1}, ep[2] = {-1, -1}, ip[2] = {-1, -1};
	int devnull = -1;
	pr->out = malloc(o->out_max + 1);
	if (o->in) {
		pr->in = malloc(o->in_len ? o->in_len : 1);
		if (pr->in && o->in_len)
			memcpy(pr->in, o->in, o->in_len);
		pr->in_len = o->in_len;
	}
	pr->timer = loop_timer_new(loop, on_timer, pr);
	pr->poll_timer = loop_timer_new(loop, on_poll, pr);
	if (!pr->out || (o->in && !pr->in) || !pr->timer || !pr->poll_timer) {
		snprintf(errbuf, errlen, "out of memory");
		goto fail;
	}
	if (make_pipe(op) != 0 || make_pipe(ep) != 0) {
		snprintf(errbuf, errlen, "cannot run the command: %s", strerror(errno));
		goto fail;
	}
	if (o->in) {
		/* a socket, not a pipe: send(MSG_NOSIGNAL) turns a vanished reader into EPIPE */
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ip) != 0 ||
		    set_nonblock(ip[0], true) != 0) {
			snprintf(errbuf, errlen, "cannot run the command: %s", strerror(errno));
			goto fail;
		}
		shutdown(ip[0], SHUT_RD);
		shutdown(ip[1], SHUT_WR);
	} else if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(errbuf, errlen, "cannot run the command: %s", strerror(errno));
		goto fail;
	}
	int child_in = o->in ? ip[1] : devnull;
	pr->out_fd = op[0];
	pr->err_fd = ep[0];
	pr->in_fd = ip[0];
	op[0] = ep[0] = ip[0] = -1;
	/* the handler is in place before the child can exit */
	pr->sig = loop_signal_add(loop, SIGCHLD, on_sigchld, pr);
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
		if (dup2(child_in, 0) < 0 || dup2(op[1], 1) < 0 || dup2(ep[1], 2) < 0)
			_exit(127);
		for (long fd = 3; fd < maxfd; fd++)
			close((int)fd);
		if (o->argv && o->argv[0] && o->argv[0][0])
			execvp(o->argv[0], (char *const *)o->argv);
		else
			execl("/bin/sh", "sh", "-c", o->shell_cmd, (char *)NULL);
		_exit(127);
	}
	pr->pid = pid;
	setpgid(pid, pid); /* also here: whichever runs first */
	close(op[1]);
	close(ep[1]);
	if (ip[1] >= 0)
		close(ip[1]);
	if (devnull >= 0)
		close(devnull);
	op[1] = ep[1] = ip[1] = devnull = -1;
	pr->out_w = loop_fd_add(loop, pr->out_fd, LOOP_READ, on_readable, pr);
	pr->err_w = loop_fd_add(loop, pr->err_fd, LOOP_READ, on_readable, pr);
	if (pr->in_fd >= 0)
		pr->in_w = loop_fd_add(loop, pr->in_fd, LOOP_WRITE, on_writable, pr);
	if (!pr->out_w || !pr->err_w || (pr->in_fd >= 0 && !pr->in_w)) {
		snprintf(errbuf, errlen, "out of memory");
		kill_and_forget(pr);
		release(pr);
		return NULL;
	}
	loop_timer_start(pr->timer, pr->timeout_ms);
	if (!pr->sig)
		loop_timer_start(pr->poll_timer, POLL_MS);
	return pr;
fail:
	for (int i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
		if (ip[i] >= 0)
			close(ip[i]);
	}
	if (devnull >= 0)
		close(devnull);
	release(pr);
	return NULL;
}
