/* Unit tests for src/loop: fds, timers, signals through the self-pipe, hooks, defer, and removal
 * from inside callbacks. No timing assertions: only order and occurrence. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "loop.h"

/* ---- fds ---- */

struct fdrec {
	int calls;
	unsigned events;
	char data[64];
	size_t len;
	struct loop_fd *self;  /* removed from inside the callback when remove_self */
	struct loop_fd **other; /* removed from inside the callback if set */
	bool remove_self;
};

static void fd_cb(struct loop *l, int fd, unsigned events, void *ctx)
{
	(void)l;
	struct fdrec *r = ctx;
	r->calls++;
	r->events |= events;
	if (events & LOOP_READ) {
		ssize_t n = read(fd, r->data + r->len, sizeof r->data - r->len - 1);
		if (n > 0)
			r->len += (size_t)n;
	}
	if (r->remove_self)
		loop_fd_remove(&r->self);
	if (r->other)
		loop_fd_remove(r->other);
}

static void test_fd_read_and_write(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	assert_non_null(l);
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct fdrec r = {0};
	struct loop_fd *w = loop_fd_add(l, p[0], LOOP_READ, fd_cb, &r);
	assert_non_null(w);
	assert_int_equal(write(p[1], "hello", 5), 5);
	assert_true(loop_run_once(l, 1000) >= 1);
	assert_int_equal(r.calls, 1);
	assert_true(r.events & LOOP_READ);
	assert_string_equal(r.data, "hello");

	/* parked (interest 0): not called even though data is waiting */
	assert_int_equal(write(p[1], "x", 1), 1);
	loop_fd_set(w, 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 1);
	loop_fd_set(w, LOOP_READ);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_string_equal(r.data, "hellox");

	/* hang-up: the reader sees READ (to read EOF) and ERROR */
	close(p[1]);
	r.events = 0;
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_true(r.events & LOOP_READ);
	assert_true(r.events & LOOP_ERROR);
	loop_fd_remove(&w);
	assert_null(w);
	close(p[0]);

	/* write interest on a socketpair: immediately writable */
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct fdrec wr = {0};
	struct loop_fd *ww = loop_fd_add(l, sv[0], LOOP_WRITE, fd_cb, &wr);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_true(wr.events & LOOP_WRITE);
	assert_false(wr.events & LOOP_READ);
	assert_int_equal(loop_fd_interest(ww), LOOP_WRITE);
	loop_fd_remove(&ww);
	close(sv[0]);
	close(sv[1]);
	loop_free(&l);
	assert_null(l);
}

static void test_fd_remove_inside_callbacks(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	struct fdrec ra = {0}, rb = {0};
	/* b is registered first, so it runs first: it removes itself and a, both ready this turn */
	rb.self = loop_fd_add(l, b[0], LOOP_READ, fd_cb, &rb);
	rb.remove_self = true;
	ra.self = loop_fd_add(l, a[0], LOOP_READ, fd_cb, &ra);
	rb.other = &ra.self;
	assert_int_equal(write(a[1], "a", 1), 1);
	assert_int_equal(write(b[1], "b", 1), 1);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(rb.calls, 1);
	assert_int_equal(ra.calls, 0);
	assert_null(ra.self);
	assert_null(rb.self);
	/* both gone: the loop has nothing left to wait for */
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(ra.calls + rb.calls, 1);
	loop_free(&l);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

/* ---- timers ---- */

struct trec {
	int order[16];
	int n;
	int id[8];
	struct loop_timer *t[8];
	int periodic_left;
	int free_other; /* index of a timer to free from inside callback 0's, or -1 */
};

static int timer_index(struct trec *r, struct loop_timer *t)
{
	for (int i = 0; i < 8; i++)
		if (r->t[i] == t)
			return i;
	return -1;
}

static void timer_cb(struct loop *l, struct loop_timer *t, void *ctx)
{
	(void)l;
	struct trec *r = ctx;
	int i = timer_index(r, t);
	assert_true(i >= 0);
	r->order[r->n++] = i;
	if (i == 0 && r->free_other >= 0)
		loop_timer_free(&r->t[r->free_other]);
}

static void test_timer_order(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct trec r = {.free_other = -1};
	for (int i = 0; i < 5; i++)
		r.t[i] = loop_timer_new(l, timer_cb, &r);
	loop_timer_start(r.t[0], 30);
	loop_timer_start(r.t[1], 10);
	loop_timer_start(r.t[2], 20);
	loop_timer_start(r.t[3], 0);
	loop_timer_start(r.t[4], 0); /* same deadline class as 3: armed later, fires later */
	assert_true(loop_timer_armed(r.t[0]));
	/* re-arming moves a timer: 1 now fires last */
	loop_timer_start(r.t[1], 40);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.n, 5);
	int want[] = {3, 4, 2, 0, 1};
	for (int i = 0; i < 5; i++)
		assert_int_equal(r.order[i], want[i]);
	assert_false(loop_timer_armed(r.t[0]));

	/* a stopped timer never fires */
	r.n = 0;
	loop_timer_start(r.t[2], 0);
	loop_timer_start(r.t[3], 1);
	loop_timer_stop(r.t[2]);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.order[0], 3);
	for (int i = 0; i < 5; i++)
		loop_timer_free(&r.t[i]);
	assert_null(r.t[0]);
	loop_free(&l);
}

static void periodic_cb(struct loop *l, struct loop_timer *t, void *ctx)
{
	(void)l;
	struct trec *r = ctx;
	r->n++;
	if (--r->periodic_left > 0)
		loop_timer_start(t, 0); /* re-armed for 0 ms: must wait for the next turn */
}

static void test_timer_periodic_and_rearm_zero(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct trec r = {.periodic_left = 3};
	struct loop_timer *t = loop_timer_new(l, periodic_cb, &r);
	loop_timer_start(t, 0);
	/* one turn fires it at most once: a zero re-arm does not spin inside the turn */
	assert_true(loop_run_once(l, 1000) >= 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.n, 3);
	loop_timer_free(&t);
	loop_free(&l);
}

static void self_free_cb(struct loop *l, struct loop_timer *t, void *ctx)
{
	(void)l;
	(void)t;
	struct trec *r = ctx;
	r->n++;
	loop_timer_free(&r->t[0]);
}

static void test_timer_free_inside_callbacks(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	/* a timer that frees itself */
	struct trec r = {.free_other = -1};
	r.t[0] = loop_timer_new(l, self_free_cb, &r);
	loop_timer_start(r.t[0], 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.n, 1);
	assert_null(r.t[0]);

	/* timer 0 frees timer 1, due in the same turn: 1 never fires */
	struct trec q = {.free_other = 1};
	q.t[0] = loop_timer_new(l, timer_cb, &q);
	q.t[1] = loop_timer_new(l, timer_cb, &q);
	loop_timer_start(q.t[0], 0);
	loop_timer_start(q.t[1], 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(q.n, 1);
	assert_int_equal(q.order[0], 0);
	assert_null(q.t[1]);
	loop_timer_free(&q.t[0]);
	loop_free(&l);
}

/* ---- signals ---- */

struct srec {
	int usr1, usr2a, usr2b;
	int last;
	struct loop_signal *remove_me;
};

static void sig_cb(struct loop *l, int signo, void *ctx)
{
	(void)l;
	struct srec *r = ctx;
	r->last = signo;
	if (signo == SIGUSR1)
		r->usr1++;
}

static void sig2a_cb(struct loop *l, int signo, void *ctx)
{
	(void)l;
	(void)signo;
	struct srec *r = ctx;
	r->usr2a++;
	loop_signal_remove(&r->remove_me); /* removes handler b (or itself) mid-dispatch */
}

static void sig2b_cb(struct loop *l, int signo, void *ctx)
{
	(void)l;
	(void)signo;
	struct srec *r = ctx;
	r->usr2b++;
}

static void test_signals(void **state)
{
	(void)state;
	struct sigaction ign, cur;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &ign, NULL);

	struct loop *l = loop_new();
	struct srec r = {0};
	struct loop_signal *s1 = loop_signal_add(l, SIGUSR1, sig_cb, &r);
	assert_non_null(s1);
	/* delivered through the self-pipe, in normal context, on the next turn */
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(r.usr1, 0);
	assert_true(loop_run_once(l, 1000) >= 1);
	assert_int_equal(r.usr1, 1);
	assert_int_equal(r.last, SIGUSR1);

	/* two handlers; the first removes the second before it runs */
	struct loop_signal *a = loop_signal_add(l, SIGUSR2, sig2a_cb, &r);
	r.remove_me = loop_signal_add(l, SIGUSR2, sig2b_cb, &r);
	assert_non_null(a);
	assert_non_null(r.remove_me);
	assert_int_equal(raise(SIGUSR2), 0);
	assert_true(loop_run_once(l, 1000) >= 1);
	assert_int_equal(r.usr2a, 1);
	assert_int_equal(r.usr2b, 0);
	assert_null(r.remove_me);

	/* only one loop owns signals */
	struct loop *l2 = loop_new();
	errno = 0;
	assert_null(loop_signal_add(l2, SIGUSR1, sig_cb, &r));
	assert_int_equal(errno, EBUSY);
	loop_free(&l2);
	assert_null(loop_signal_add(l, SIGKILL, sig_cb, &r));
	assert_int_equal(errno, EINVAL);

	/* raise with the old disposition (ignored here), then our handler is back */
	assert_int_equal(loop_signal_raise_default(l, SIGUSR1), 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(r.usr1, 1);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_true(loop_run_once(l, 1000) >= 1);
	assert_int_equal(r.usr1, 2);

	/* removing the last handler restores what was there before */
	loop_signal_remove(&s1);
	assert_null(s1);
	assert_int_equal(sigaction(SIGUSR1, NULL, &cur), 0);
	assert_true(cur.sa_handler == SIG_IGN);
	loop_signal_remove(&a);
	loop_free(&l);
	/* and a later loop can take signals again */
	l = loop_new();
	s1 = loop_signal_add(l, SIGUSR1, sig_cb, &r);
	assert_non_null(s1);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_true(loop_run_once(l, 1000) >= 1);
	assert_int_equal(r.usr1, 3);
	loop_free(&l); /* frees the handler and restores the disposition */
	assert_int_equal(sigaction(SIGUSR1, NULL, &cur), 0);
	assert_true(cur.sa_handler == SIG_IGN);
}

/* ---- hooks, defer, stop ---- */

struct hrec {
	int hook_calls, defer_calls, chained, turns;
	struct loop_hook *h;
	struct loop *l;
	int seq[8];
	int nseq;
};

static void hook_cb(struct loop *l, void *ctx)
{
	(void)l;
	struct hrec *r = ctx;
	r->hook_calls++;
	if (r->nseq < 8)
		r->seq[r->nseq++] = 'h';
	if (r->hook_calls == 2)
		loop_hook_remove(&r->h);
}

static void defer_chain_cb(struct loop *l, void *ctx)
{
	struct hrec *r = ctx;
	r->chained++;
	if (r->nseq < 8)
		r->seq[r->nseq++] = 'c';
	(void)l;
}

static void defer_cb(struct loop *l, void *ctx)
{
	struct hrec *r = ctx;
	r->defer_calls++;
	if (r->nseq < 8)
		r->seq[r->nseq++] = 'd';
	/* deferred from a deferred call: runs on the following turn, not this one */
	assert_int_equal(loop_defer(l, defer_chain_cb, r), 0);
}

static void never_cb(struct loop *l, void *ctx)
{
	(void)l;
	(void)ctx;
	fail_msg("a cancelled deferred call ran");
}

static void test_defer_and_hooks(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct hrec r = {0};
	r.h = loop_hook_add(l, hook_cb, &r);
	assert_non_null(r.h);
	assert_int_equal(loop_defer(l, defer_cb, &r), 0);
	assert_int_equal(loop_defer(l, never_cb, &r), 0);
	loop_defer_cancel(l, never_cb, &r);
	/* turn 1: defer runs, then the hook; poll does not sleep (a chained call waits) */
	assert_int_equal(loop_run_once(l, -1), 1);
	assert_int_equal(r.defer_calls, 1);
	assert_int_equal(r.chained, 0);
	/* turn 2: the chained call, then the hook (which removes itself) */
	assert_int_equal(loop_run_once(l, -1), 1);
	assert_int_equal(r.chained, 1);
	assert_null(r.h);
	/* turn 3: nothing left: the hook is gone */
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(r.hook_calls, 2);
	int want[] = {'d', 'h', 'c', 'h'};
	assert_int_equal(r.nseq, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(r.seq[i], want[i]);
	loop_free(&l);
}

static void stop_cb(struct loop *l, struct loop_timer *t, void *ctx)
{
	(void)t;
	int *n = ctx;
	(*n)++;
	loop_stop(l);
}

static void nested_cb(struct loop *l, void *ctx)
{
	int *r = ctx;
	errno = 0;
	*r = loop_run_once(l, 0);
	*r = *r == -1 && errno == EBUSY;
}

static void test_stop_and_nesting(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	int n = 0;
	struct loop_timer *a = loop_timer_new(l, stop_cb, &n);
	struct loop_timer *b = loop_timer_new(l, stop_cb, &n);
	loop_timer_start(a, 0);
	loop_timer_start(b, 60000); /* still armed when loop_run returns */
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(n, 1);
	assert_true(loop_timer_armed(b));
	loop_timer_free(&a);
	loop_timer_free(&b);

	int nested_refused = 0;
	assert_int_equal(loop_defer(l, nested_cb, &nested_refused), 0);
	assert_int_equal(loop_run_once(l, 0), 1);
	assert_int_equal(nested_refused, 1);
	loop_free(&l);
	loop_free(&l); /* NULL-safe */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_read_and_write),
		cmocka_unit_test(test_fd_remove_inside_callbacks),
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_periodic_and_rearm_zero),
		cmocka_unit_test(test_timer_free_inside_callbacks),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_defer_and_hooks),
		cmocka_unit_test(test_stop_and_nesting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
