/* Unit tests for src/proc_run, the child-command runner the html_filter uses: input on stdin,
 * output back, failures in words, a hang killed at the timeout, too much output cut, argv
 * splitting (no shell). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "loop.h"
#include "proc_run.h"

struct res {
	int calls;
	bool exited, timed_out, too_long;
	int status;
	char *out;
	size_t out_len;
	char why[256];
	char err_line[PROC_ERR_KEEP + 1];
};

static void on_done(void *ctx, const struct proc_run_result *r)
{
	struct res *s = ctx;
	s->calls++;
	s->exited = r->exited;
	s->timed_out = r->timed_out;
	s->too_long = r->too_long;
	s->status = r->status;
	s->out = malloc(r->out_len + 1);
	assert_non_null(s->out);
	memcpy(s->out, r->out, r->out_len + 1);
	s->out_len = r->out_len;
	const char *w = proc_run_why(r, 300, s->why, sizeof s->why);
	if (!w)
		s->why[0] = '\0';
	snprintf(s->err_line, sizeof s->err_line, "%s", r->err_line);
}

static struct res run(const char *cmd, const char *in, size_t in_len, size_t out_max, unsigned timeout_ms)
{
	struct loop *loop = loop_new();
	assert_non_null(loop);
	struct res r;
	memset(&r, 0, sizeof r);
	char argbuf[512];
	const char *argv[16];
	assert_true(proc_split_argv(cmd, argbuf, sizeof argbuf, argv, 16) > 0);
	struct proc_run_opts o = {.argv = argv, .in = in, .in_len = in_len, .out_max = out_max,
				  .out_kill = true, .timeout_ms = timeout_ms};
	char err[200];
	struct proc_run *h = proc_run_start(loop, &o, on_done, &r, err, sizeof err);
	assert_non_null(h);
	assert_int_equal(r.calls, 0); /* never from inside start */
	int64_t end = loop_now_ms(loop) + 20000;
	while (r.calls == 0 && loop_now_ms(loop) < end)
		loop_run_once(loop, 100);
	loop_run_once(loop, 10);
	assert_int_equal(r.calls, 1);
	loop_free(&loop);
	return r;
}

static void test_cat(void **state)
{
	(void)state;
	/* bigger than a pipe buffer both ways: writing and reading interleave on the loop */
	size_t n = 1 << 20;
	char *in = malloc(n);
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	struct res r = run("cat", in, n, (size_t)4 << 20, 5000);
	assert_true(r.exited);
	assert_string_equal(r.why, "");
	assert_false(r.too_long);
	assert_int_equal(r.out_len, n);
	assert_memory_equal(r.out, in, n);
	free(r.out);
	free(in);
}

static void test_fails(void **state)
{
	(void)state;
	struct res r = run("false", "<p>x</p>", 8, 1024, 5000);
	assert_non_null(strstr(r.why, "exit status 1"));
	free(r.out);
	r = run("/nonexistent/filter -dump", "<p>x</p>", 8, 1024, 5000);
	assert_non_null(strstr(r.why, "exit status 127"));
	free(r.out);
	/* a child that never reads its stdin: writing ends (EPIPE is no error), the exit counts */
	r = run("true", "<p>never read</p>", 17, 1024, 5000);
	assert_string_equal(r.why, "");
	assert_int_equal(r.out_len, 0);
	free(r.out);
}

static void test_hang_timeout(void **state)
{
	(void)state;
	struct res r = run("sleep 30", "x", 1, 1024, 300);
	assert_true(r.timed_out);
	assert_non_null(strstr(r.why, "did not finish"));
	free(r.out);
}

static void test_too_much(void **state)
{
	(void)state;
	struct res r = run("yes spam", NULL, 0, 100000, 5000);
	assert_true(r.too_long);
	assert_false(r.exited); /* killed at once, not waited for */
	assert_int_equal(r.out_len, 100000);
	assert_int_equal(memcmp(r.out, "spam\nspam\n", 10), 0);
	free(r.out);
}

/* Words on blanks, nothing else: quotes and $ stay as they are (there is no shell). */
static void test_split(void **state)
{
	(void)state;
	char buf[128];
	const char *argv[8];
	assert_int_equal(proc_split_argv("  w3m -dump\t-T text/html ", buf, sizeof buf, argv, 8), 4);
	assert_string_equal(argv[0], "w3m");
	assert_string_equal(argv[3], "text/html");
	assert_null(argv[4]);
	assert_int_equal(proc_split_argv("echo '$(rm -rf x)' ;", buf, sizeof buf, argv, 8), 5);
	assert_string_equal(argv[1], "'$(rm");
	assert_string_equal(argv[4], ";");
	assert_int_equal(proc_split_argv("   ", buf, sizeof buf, argv, 8), 0);
	assert_int_equal(proc_split_argv("a b c d e f g h i", buf, sizeof buf, argv, 8), 0); /* too many */
	/* echo gets its argument literally */
	struct res r = run("echo $HOME;ls", NULL, 0, 1024, 5000);
	assert_string_equal(r.out, "$HOME;ls\n");
	free(r.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cat),
		cmocka_unit_test(test_fails),
		cmocka_unit_test(test_hang_timeout),
		cmocka_unit_test(test_too_much),
		cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
