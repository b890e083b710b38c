/* loop — one poll(2), timers, signals, hooks, deferred calls; see loop.h for the contract. */
#include "config.h"

#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef NSIG
#define NSIG 65
#endif

struct loop_fd {
	struct loop *loop;
	int fd;
	unsigned interest;
	loop_fd_cb cb;
	void *ctx;
	bool dead;
};

struct loop_timer {
	struct loop *loop;
	loop_timer_cb cb;
	void *ctx;
	int64_t deadline; /* ns, CLOCK_MONOTONIC */
	uint64_t seq;     /* order among equal deadlines; also guards re-arming while firing */
	size_t idx;       /* position in the heap, or NOT_ARMED */
};
#define NOT_ARMED ((size_t)-1)

struct loop_signal {
	struct loop *loop;
	int signo;
	loop_signal_cb cb;
	void *ctx;
	bool dead;
};

struct loop_hook {
	struct loop *loop;
	loop_cb cb;
	void *ctx;
	bool dead;
};

struct deferred {
	loop_cb cb; /* NULL once run or cancelled */
	void *ctx;
};

/* A vector of handle pointers; removed handles stay (marked dead) until the turn ends. */
struct vec {
	void **v;
	size_t n, cap;
};

struct loop {
	struct vec fds, sigs, hooks;
	size_t live_fds, live_sigs;

	struct pollfd *pfd; /* built each turn */
	struct loop_fd **pmap;
	size_t pcap;

	struct loop_timer **heap;
	size_t nheap, heap_cap, ntimers;
	uint64_t timer_seq;

	struct deferred *defers;
	size_t ndefers, defers_cap;

	bool stop, running, dirty;

	int sig_rfd;                /* self-pipe read end, -1 until signals are used */
	struct loop_fd *sig_watch;
	int sig_dispatched;
	bool sig_installed[NSIG];
	struct sigaction sig_old[NSIG];
};

/* The self-pipe's write end: the one global, needed by the async-signal handler. */
static volatile sig_atomic_t loop_sig_wfd = -1;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t loop_now_ms(const struct loop *loop)
{
	(void)loop;
	return now_ns() / 1000000;
}

static int vec_push(struct vec *v, void *p)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		void **nv = realloc(v->v, cap * sizeof *nv);
		if (!nv)
			return -1;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = p;
	return 0;
}

/* Removes dead entries (their memory freed) once no turn is iterating the vectors. */
static void vec_compact(struct vec *v, size_t dead_off)
{
	size_t j = 0;
	for (size_t i = 0; i < v->n; i++) {
		bool dead = *(bool *)((char *)v->v[i] + dead_off);
		if (dead)
			free(v->v[i]);
		else
			v->v[j++] = v->v[i];
	}
	v->n = j;
}

static void loop_compact(struct loop *l)
{
	if (!l->dirty || l->running)
		return;
	vec_compact(&l->fds, offsetof(struct loop_fd, dead));
	vec_compact(&l->sigs, offsetof(struct loop_signal, dead));
	vec_compact(&l->hooks, offsetof(struct loop_hook, dead));
	l->dirty = false;
}

static void mark_dead(struct loop *l)
{
	l->dirty = true;
	loop_compact(l);
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->sig_rfd = -1;
	return l;
}

static void signals_release(struct loop *l);

void loop_free(struct loop **loopp)
{
	struct loop *l = loopp ? *loopp : NULL;
	if (!l)
		return;
	signals_release(l);
	for (size_t i = 0; i < l->fds.n; i++)
		free(l->fds.v[i]);
	for (size_t i = 0; i < l->sigs.n; i++)
		free(l->sigs.v[i]);
	for (size_t i = 0; i < l->hooks.n; i++)
		free(l->hooks.v[i]);
	free(l->fds.v);
	free(l->sigs.v);
	free(l->hooks.v);
	free(l->pfd);
	free(l->pmap);
	/* Timers belong to their owners; any still armed are detached so a late free is harmless. */
	for (size_t i = 0; i < l->nheap; i++)
		l->heap[i]->idx = NOT_ARMED;
	free(l->heap);
	free(l->defers);
	free(l);
	*loopp = NULL;
}

void loop_stop(struct loop *loop)
{
	loop->stop = true;
}

/* ---- fds ---- */

struct loop_fd *loop_fd_add(struct loop *loop, int fd, unsigned interest, loop_fd_cb cb, void *ctx)
{
	struct loop_fd *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->loop = loop;
	w->fd = fd;
	w->interest = interest & (LOOP_READ | LOOP_WRITE);
	w->cb = cb;
	w->ctx = ctx;
	if (vec_push(&loop->fds, w) < 0) {
		free(w);
		return NULL;
	}
	loop->live_fds++;
	return w;
}

void loop_fd_set(struct loop_fd *w, unsigned interest)
{
	w->interest = interest & (LOOP_READ | LOOP_WRITE);
}

unsigned loop_fd_interest(const struct loop_fd *w)
{
	return w->interest;
}

void loop_fd_remove(struct loop_fd **wp)
{
	struct loop_fd *w = wp ? *wp : NULL;
	if (!w)
		return;
	*wp = NULL;
	if (w->dead)
		return;
	w->dead = true;
	w->loop->live_fds--;
	mark_dead(w->loop);
}

/* ---- timers: a binary min-heap on (deadline, seq) ---- */

static bool timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_place(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->idx = i;
}

static void heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!timer_before(t, l->heap[p]))
			break;
		heap_place(l, i, l->heap[p]);
		i = p;
	}
	heap_place(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && timer_before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!timer_before(l->heap[c], t))
			break;
		heap_place(l, i, l->heap[c]);
		i = c;
	}
	heap_place(l, i, t);
}

static void heap_remove(struct loop *l, struct loop_timer *t)
{
	size_t i = t->idx;
	t->idx = NOT_ARMED;
	struct loop_timer *last = l->heap[--l->nheap];
	if (i == l->nheap)
		return;
	heap_place(l, i, last);
	heap_up(l, i);
	heap_down(l, last->idx);
}

struct loop_timer *loop_timer_new(struct loop *loop, loop_timer_cb cb, void *ctx)
{
	/* The heap always has room for every timer, so loop_timer_start() cannot fail. */
	if (loop->ntimers == loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 8;
		struct loop_timer **h = realloc(loop->heap, cap * sizeof *h);
		if (!h)
			return NULL;
		loop->heap = h;
		loop->heap_cap = cap;
	}
	struct loop_timer *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->loop = loop;
	t->cb = cb;
	t->ctx = ctx;
	t->idx = NOT_ARMED;
	loop->ntimers++;
	return t;
}

void loop_timer_start(struct loop_timer *t, int64_t ms)
{
	struct loop *l = t->loop;
	if (ms < 0)
		ms = 0;
	if (ms > INT64_MAX / 2000000)
		ms = INT64_MAX / 2000000;
	if (t->idx != NOT_ARMED)
		heap_remove(l, t);
	t->deadline = now_ns() + ms * 1000000;
	t->seq = l->timer_seq++;
	t->idx = l->nheap++;
	l->heap[t->idx] = t;
	heap_up(l, t->idx);
}

void loop_timer_stop(struct loop_timer *t)
{
	if (t->idx != NOT_ARMED)
		heap_remove(t->loop, t);
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return t->idx != NOT_ARMED;
}

void loop_timer_free(struct loop_timer **tp)
{
	struct loop_timer *t = tp ? *tp : NULL;
	if (!t)
		return;
	loop_timer_stop(t);
	t->loop->ntimers--;
	free(t);
	*tp = NULL;
}

/* Fires timers due by now that were armed before the turn began (a timer re-armed for 0 ms from
 * its callback waits for the next turn instead of spinning in this one). */
static int run_timers(struct loop *l, uint64_t seq_limit)
{
	int n = 0;
	int64_t now = now_ns();
	while (l->nheap > 0) {
		struct loop_timer *t = l->heap[0];
		if (t->deadline > now || t->seq >= seq_limit)
			break;
		heap_remove(l, t);
		n++;
		t->cb(l, t, t->ctx); /* t may be freed here: not touched again */
	}
	return n;
}

/* ---- signals ---- */

static void loop_sig_handler(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;
	int fd = loop_sig_wfd;
	if (fd >= 0) {
		ssize_t r = write(fd, &b, 1); /* a full pipe drops it: signals coalesce anyway */
		(void)r;
	}
	errno = saved;
}

static void sig_pipe_ready(struct loop *l, int fd, unsigned events, void *ctx);

static int set_nonblock_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	fl = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

static int signals_setup(struct loop *l)
{
	if (l->sig_rfd >= 0)
		return 0;
	if (loop_sig_wfd >= 0) {
		errno = EBUSY;
		return -1;
	}
	int p[2];
	if (pipe(p) < 0)
		return -1;
	if (set_nonblock_cloexec(p[0]) < 0 || set_nonblock_cloexec(p[1]) < 0)
		goto fail;
	l->sig_watch = loop_fd_add(l, p[0], LOOP_READ, sig_pipe_ready, NULL);
	if (!l->sig_watch) {
		errno = ENOMEM;
		goto fail;
	}
	l->live_fds--; /* internal: does not keep loop_run() going by itself */
	l->sig_rfd = p[0];
	loop_sig_wfd = p[1];
	return 0;
fail:
	close(p[0]);
	close(p[1]);
	return -1;
}

static int install_handler(struct loop *l, int signo)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = loop_sig_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(signo, &sa, l->sig_installed[signo] ? NULL : &l->sig_old[signo]);
}

static void signals_release(struct loop *l)
{
	for (int s = 1; s < NSIG; s++) {
		if (l->sig_installed[s]) {
			sigaction(s, &l->sig_old[s], NULL);
			l->sig_installed[s] = false;
		}
	}
	if (l->sig_rfd >= 0) {
		int wfd = loop_sig_wfd;
		loop_sig_wfd = -1;
		close(wfd);
		close(l->sig_rfd);
		l->sig_rfd = -1;
		if (l->sig_watch) {
			l->live_fds++; /* balance loop_fd_remove's decrement */
			loop_fd_remove(&l->sig_watch);
		}
	}
}

struct loop_signal *loop_signal_add(struct loop *loop, int signo, loop_signal_cb cb, void *ctx)
{
	if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP) {
		errno = EINVAL;
		return NULL;
	}
	if (signals_setup(loop) < 0)
		return NULL;
	struct loop_signal *s = calloc(1, sizeof *s);
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->loop = loop;
	s->signo = signo;
	s->cb = cb;
	s->ctx = ctx;
	if (vec_push(&loop->sigs, s) < 0) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	if (!loop->sig_installed[signo]) {
		if (install_handler(loop, signo) < 0) {
			int e = errno;
			loop->sigs.n--;
			free(s);
			errno = e;
			return NULL;
		}
		loop->sig_installed[signo] = true;
	}
	loop->live_sigs++;
	return s;
}

void loop_signal_remove(struct loop_signal **sp)
{
	struct loop_signal *s = sp ? *sp : NULL;
	if (!s)
		return;
	*sp = NULL;
	if (s->dead)
		return;
	struct loop *l = s->loop;
	s->dead = true;
	l->live_sigs--;
	bool still = false;
	for (size_t i = 0; i < l->sigs.n; i++) {
		struct loop_signal *o = l->sigs.v[i];
		if (!o->dead && o->signo == s->signo)
			still = true;
	}
	if (!still && l->sig_installed[s->signo]) {
		sigaction(s->signo, &l->sig_old[s->signo], NULL);
		l->sig_installed[s->signo] = false;
	}
	mark_dead(l);
}

int loop_signal_raise_default(struct loop *loop, int signo)
{
	if (signo <= 0 || signo >= NSIG || !loop->sig_installed[signo]) {
		errno = EINVAL;
		return -1;
	}
	if (sigaction(signo, &loop->sig_old[signo], NULL) < 0)
		return -1;
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, signo);
	sigprocmask(SIG_UNBLOCK, &set, &old);
	int r = raise(signo);
	sigprocmask(SIG_SETMASK, &old, NULL);
	int e = errno;
	if (install_handler(loop, signo) < 0)
		return -1;
	errno = e;
	return r == 0 ? 0 : -1;
}

static void sig_pipe_ready(struct loop *l, int fd, unsigned events, void *ctx)
{
	(void)events;
	(void)ctx;
	unsigned char buf[256];
	bool seen[NSIG] = {false};
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++) {
			int signo = buf[i];
			if (signo <= 0 || signo >= NSIG || seen[signo])
				continue;
			seen[signo] = true;
			size_t n = l->sigs.n; /* handlers added meanwhile wait for the next arrival */
			for (size_t k = 0; k < n; k++) {
				struct loop_signal *s = l->sigs.v[k];
				if (s->dead || s->signo != signo)
					continue;
				l->sig_dispatched++;
				s->cb(l, signo, s->ctx);
			}
		}
	}
}

/* ---- hooks ---- */

struct loop_hook *loop_hook_add(struct loop *loop, loop_cb cb, void *ctx)
{
	struct loop_hook *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->loop = loop;
	h->cb = cb;
	h->ctx = ctx;
	if (vec_push(&loop->hooks, h) < 0) {
		free(h);
		return NULL;
	}
	return h;
}

void loop_hook_remove(struct loop_hook **hp)
{
	struct loop_hook *h = hp ? *hp : NULL;
	if (!h)
		return;
	*hp = NULL;
	if (h->dead)
		return;
	h->dead = true;
	mark_dead(h->loop);
}

static void run_hooks(struct loop *l)
{
	size_t n = l->hooks.n;
	for (size_t i = 0; i < n; i++) {
		struct loop_hook *h = l->hooks.v[i];
		if (!h->dead)
			h->cb(l, h->ctx);
	}
}

/* ---- deferred calls ---- */

int loop_defer(struct loop *loop, loop_cb cb, void *ctx)
{
	if (loop->ndefers == loop->defers_cap) {
		size_t cap = loop->defers_cap ? loop->defers_cap * 2 : 16;
		struct deferred *d = realloc(loop->defers, cap * sizeof *d);
		if (!d) {
			errno = ENOMEM;
			return -1;
		}
		loop->defers = d;
		loop->defers_cap = cap;
	}
	loop->defers[loop->ndefers].cb = cb;
	loop->defers[loop->ndefers].ctx = ctx;
	loop->ndefers++;
	return 0;
}

void loop_defer_cancel(struct loop *loop, loop_cb cb, void *ctx)
{
	for (size_t i = 0; i < loop->ndefers; i++)
		if (loop->defers[i].cb == cb && loop->defers[i].ctx == ctx)
			loop->defers[i].cb = NULL;
}

static bool defers_pending(const struct loop *l)
{
	for (size_t i = 0; i < l->ndefers; i++)
		if (l->defers[i].cb)
			return true;
	return false;
}

static int run_defers(struct loop *l)
{
	size_t n = l->ndefers;
	int ran = 0;
	for (size_t i = 0; i < n; i++) {
		/* re-read each time: a callback may grow (move) the array */
		loop_cb cb = l->defers[i].cb;
		void *ctx = l->defers[i].ctx;
		if (!cb)
			continue;
		l->defers[i].cb = NULL;
		ran++;
		cb(l, ctx);
	}
	if (n) {
		memmove(l->defers, l->defers + n, (l->ndefers - n) * sizeof *l->defers);
		l->ndefers -= n;
	}
	return ran;
}

/* ---- the turn ---- */

static int build_pollset(struct loop *l)
{
	if (l->pcap < l->fds.n) {
		size_t cap = l->fds.n;
		struct pollfd *p = realloc(l->pfd, cap * sizeof *p);
		if (!p)
			return -1;
		l->pfd = p;
		struct loop_fd **m = realloc(l->pmap, cap * sizeof *m);
		if (!m)
			return -1;
		l->pmap = m;
		l->pcap = cap;
	}
	int n = 0;
	for (size_t i = 0; i < l->fds.n; i++) {
		struct loop_fd *w = l->fds.v[i];
		if (w->dead || !w->interest)
			continue;
		l->pfd[n].fd = w->fd;
		l->pfd[n].events = (short)(((w->interest & LOOP_READ) ? POLLIN : 0) |
					   ((w->interest & LOOP_WRITE) ? POLLOUT : 0));
		l->pfd[n].revents = 0;
		l->pmap[n] = w;
		n++;
	}
	return n;
}

static int poll_timeout(struct loop *l, int max_ms, int npoll)
{
	if (l->stop || defers_pending(l) || (npoll == 0 && l->nheap == 0))
		return 0; /* work waiting, or nothing that could ever wake us */
	int64_t ms = max_ms < 0 ? -1 : max_ms;
	if (l->nheap > 0) {
		int64_t left = l->heap[0]->deadline - now_ns();
		int64_t t = left <= 0 ? 0 : (left + 999999) / 1000000; /* round up: never wake early */
		if (ms < 0 || t < ms)
			ms = t;
	}
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int dispatch_fds(struct loop *l, int npoll)
{
	int ran = 0;
	for (int i = 0; i < npoll; i++) {
		struct loop_fd *w = l->pmap[i];
		short rev = l->pfd[i].revents;
		if (w->dead || !rev)
			continue;
		unsigned ev = 0;
		if (rev & POLLIN)
			ev |= LOOP_READ;
		if (rev & POLLOUT)
			ev |= LOOP_WRITE;
		if (rev & (POLLERR | POLLHUP | POLLNVAL))
			ev |= LOOP_ERROR | (w->interest & LOOP_READ); /* let a reader see the EOF */
		ev &= w->interest | LOOP_ERROR; /* interest may have changed during this turn */
		if (!ev)
			continue;
		ran++;
		w->cb(l, w->fd, ev, w->ctx);
	}
	return ran;
}

int loop_run_once(struct loop *l, int max_ms)
{
	if (l->running) {
		errno = EBUSY;
		return -1;
	}
	l->running = true;
	uint64_t seq_limit = l->timer_seq;
	int ran = run_defers(l);
	ran += run_timers(l, seq_limit);
	run_hooks(l);

	int r = 0;
	int npoll = build_pollset(l);
	if (npoll < 0) {
		errno = ENOMEM;
		r = -1;
	} else {
		int timeout = poll_timeout(l, max_ms, npoll);
		int pr = poll(l->pfd, (nfds_t)npoll, timeout);
		if (pr < 0 && errno != EINTR) {
			r = -1;
		} else if (pr > 0) {
			/* the self-pipe is one of the fds; its callback dispatches signals first */
			for (int i = 0; i < npoll; i++) {
				if (l->pmap[i] == l->sig_watch && l->pfd[i].revents) {
					l->sig_dispatched = 0;
					sig_pipe_ready(l, l->sig_rfd, LOOP_READ, NULL);
					ran += l->sig_dispatched;
					l->pfd[i].revents = 0;
				}
			}
			ran += dispatch_fds(l, npoll);
		}
		ran += run_timers(l, seq_limit);
	}
	l->running = false;
	loop_compact(l);
	return r < 0 ? -1 : ran;
}

int loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop) {
		if (l->live_fds == 0 && l->nheap == 0 && l->live_sigs == 0 && !defers_pending(l))
			break;
		if (loop_run_once(l, -1) < 0)
			return -1;
	}
	l->stop = false;
	return 0;
}
