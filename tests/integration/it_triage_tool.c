/*
 * it_triage_tool — one skua "process" for the triage integration tests (triage_check.py): opens
 * the account (the harness's Dovecot or Gmail emulation) with its cache under $XDG_CACHE_HOME,
 * opens a folder, applies actions through src/mail/triage.h, and waits until every one is confirmed — or
 * kills itself with SIGKILL at a chosen point, leaving the rest to the next run's replay.
 *
 *   it_triage_tool SERVER [--folder F] [--kill-at POINT:N] [--timeout S] ACTION...
 *     SERVER   gmail | dovecot (ports etc. from the SKUA_TEST_* environment)
 *     POINT    journaled | sent | answered | recorded   (the Nth time any entry gets there)
 *     ACTION   read:UIDS unread:UIDS star:UIDS unstar:UIDS togglestar:UIDS
 *              label:UIDS:NAME unlabel:UIDS:NAME togglelabel:UIDS:NAME
 *              archive:UIDS trash:UIDS move:UIDS:FOLDER     (UIDS: 5 or 5,9,12)
 *              readthread:UID   (every loaded message of UID's thread, from the thread row)
 *              undo      (waits for what is pending first)
 *              wait      (waits until nothing is pending)
 *              replay    (nothing: the journal replays by itself)
 *
 * Prints "ok <group> ..." / "failed <group> <why>" for each entry's outcome, "alert <text>" for
 * the model's alerts, "error <text>" when an action is refused, and "pending <n>" at the end.
 * Exit status: 0 when nothing is left pending, 1 when something was refused, 2 on setup errors,
 * 3 on timeout.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "loop.h"
#include "mail/cache.h"
#include "mail/model.h"
#include "mail/triage.h"

struct tool {
	struct loop *loop;
	struct account *a;
	struct cache *c;
	struct triage *t;
	struct view *v;
	int kill_point;          /* -1 none */
	unsigned kill_n, seen;
	bool kill_after_flush;
	struct loop_hook *kill_hook;
	int64_t deadline;
	int refused;
};

static struct tool T;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "it_triage_tool: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void on_changed(void *ctx, const struct model_change *ch)
{
	(void)ctx;
	if (ch->what & MODEL_ALERT)
		say("alert %s", ch->text);
}

static void on_trace(void *ctx, int conn, char dir, const char *data, size_t len)
{
	(void)ctx;
	fprintf(stderr, "%d %c %.*s\n", conn, dir, (int)(len > 300 ? 300 : len), data);
}

static void on_note(void *ctx, int64_t group, bool ok, const char *text)
{
	(void)ctx;
	say("%s %lld %s", ok ? "ok" : "failed", (long long)group, text);
}

static void kill_now(struct loop *loop, void *ctx)
{
	(void)loop;
	(void)ctx;
	say("killed");
	raise(SIGKILL);
}

static void on_point(void *ctx, enum triage_point p, int64_t id)
{
	(void)ctx;
	(void)id;
	if ((int)p != T.kill_point || ++T.seen != T.kill_n)
		return;
	if (p == TRIAGE_AT_SUBMITTED) {
		/* "sent": kill once the bytes are written out. Net flushes in its before-sleep hooks;
		 * a hook added now runs after those of the open connections. */
		T.kill_hook = loop_hook_add(T.loop, kill_now, NULL);
		return;
	}
	kill_now(T.loop, NULL);
}

static void run_until(bool (*cond)(void), const char *what)
{
	while (!cond()) {
		if (loop_now_ms(T.loop) > T.deadline) {
			say("timeout waiting for %s", what);
			say("pending %zu", triage_pending(T.t));
			exit(3);
		}
		loop_run_once(T.loop, 200);
	}
}

static bool view_ready(void)
{
	return view_state(T.v) == VIEW_READY || view_state(T.v) == VIEW_FAILED;
}

static uint32_t need_uids[4096];
static size_t n_need;

static bool rows_ready(void)
{
	view_want(T.v, 0, view_count(T.v));
	for (size_t i = 0; i < n_need; i++)
		if (view_find_uid(T.v, need_uids[i]) == SIZE_MAX)
			return false;
	return true;
}

static bool nothing_pending(void)
{
	return triage_pending(T.t) == 0;
}

static bool folders_known(void)
{
	return account_folder_count(T.a) > 0 && account_special_folder(T.a, FOLDER_TRASH);
}

static size_t parse_uids(const char *s, uint32_t *out, size_t cap)
{
	size_t n = 0;
	while (*s && n < cap) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v == 0 || v > UINT32_MAX)
			die(2, "bad UID list '%s'", s);
		out[n++] = (uint32_t)v;
		if (*end != ',')
			break;
		s = end + 1;
	}
	return n;
}

static const struct {
	const char *name;
	enum triage_action a;
	bool arg;
} actions[] = {
	{"read", TRIAGE_READ, false},
	{"unread", TRIAGE_UNREAD, false},
	{"star", TRIAGE_STAR, false},
	{"unstar", TRIAGE_UNSTAR, false},
	{"togglestar", TRIAGE_TOGGLE_STAR, false},
	{"label", TRIAGE_LABEL_ADD, true},
	{"unlabel", TRIAGE_LABEL_REMOVE, true},
	{"togglelabel", TRIAGE_LABEL_TOGGLE, true},
	{"archive", TRIAGE_ARCHIVE, false},
	{"trash", TRIAGE_TRASH, false},
	{"move", TRIAGE_MOVE, true},
};

static void apply(const char *spec)
{
	if (strcmp(spec, "replay") == 0)
		return;
	if (strcmp(spec, "wait") == 0) {
		run_until(nothing_pending, "the pending actions");
		return;
	}
	char err[512];
	if (strcmp(spec, "undo") == 0) {
		run_until(nothing_pending, "the pending actions");
		if (triage_undo(T.t, err, sizeof err) != 0) {
			say("error undo: %s", err);
			T.refused = 1;
		} else {
			say("applied undo");
		}
		return;
	}
	if (strncmp(spec, "readthread:", 11) == 0) {
		/* mark the whole thread of a message read, from the thread row */
		uint32_t uid = (uint32_t)strtoul(spec + 11, NULL, 10);
		view_set_mode(T.v, VIEW_THREADS);
		need_uids[0] = uid;
		n_need = 1;
		run_until(rows_ready, "the thread rows");
		size_t pos = view_find_uid(T.v, uid);
		uint32_t u[256];
		size_t n = triage_thread_uids(T.v, pos, u, 256);
		if (n > 256)
			n = 256;
		struct triage_target tg = {T.v, u, n};
		if (triage_apply(T.t, TRIAGE_READ, &tg, NULL, err, sizeof err) != 0) {
			say("error %s: %s", spec, err);
			T.refused = 1;
		} else {
			say("applied %s (%zu messages)", spec, n);
		}
		view_set_mode(T.v, VIEW_MESSAGES);
		return;
	}
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", spec);
	char *name = buf, *uids = strchr(buf, ':');
	if (!uids)
		die(2, "bad action '%s'", spec);
	*uids++ = '\0';
	char *arg = strchr(uids, ':');
	if (arg)
		*arg++ = '\0';
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		if (strcmp(actions[i].name, name) != 0)
			continue;
		if (actions[i].arg != (arg != NULL))
			die(2, "action '%s': argument %s", spec, arg ? "not wanted" : "missing");
		uint32_t u[256];
		size_t n = parse_uids(uids, u, 256);
		struct triage_target tg = {T.v, u, n};
		if (triage_apply(T.t, actions[i].a, &tg, arg, err, sizeof err) != 0) {
			say("error %s: %s", spec, err);
			T.refused = 1;
		} else {
			say("applied %s", spec);
		}
		return;
	}
	die(2, "unknown action '%s'", name);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die(2, "usage: it_triage_tool gmail|dovecot [--folder F] [--kill-at POINT:N] ACTION...");
	const char *server = argv[1];
	const char *folder = "INBOX";
	int timeout_s = 120;
	bool trace = getenv("IT_TRIAGE_TRACE") != NULL;
	T.kill_point = -1;
	int i = 2;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--folder") == 0 && i + 1 < argc) {
			folder = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			timeout_s = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--kill-at") == 0 && i + 1 < argc) {
			const char *p = argv[++i];
			static const char *points[] = {"journaled", "sent", "answered", "recorded"};
			const char *colon = strchr(p, ':');
			if (!colon)
				die(2, "--kill-at POINT:N");
			for (int k = 0; k < 4; k++)
				if (strlen(points[k]) == (size_t)(colon - p) &&
				    strncmp(points[k], p, (size_t)(colon - p)) == 0)
					T.kill_point = k;
			T.kill_n = (unsigned)atoi(colon + 1);
			if (T.kill_point < 0 || T.kill_n == 0)
				die(2, "bad --kill-at '%s'", p);
		} else {
			die(2, "unknown option %s", argv[i]);
		}
	}
	bool gmail = strcmp(server, "gmail") == 0;
	if (!gmail && strcmp(server, "dovecot") != 0)
		die(2, "server must be gmail or dovecot");
	const char *port = getenv(gmail ? "SKUA_TEST_GMAIL_PORT" : "SKUA_TEST_DOVECOT_PORT");
	const char *user = getenv("SKUA_TEST_USER"), *pass = getenv("SKUA_TEST_PASSWORD");
	if (!port || !user || !pass)
		die(2, "the SKUA_TEST_* environment is missing (run through servers.py)");
	signal(SIGPIPE, SIG_IGN);

	/* collect the UIDs the actions name, to wait for their rows */
	for (int k = i; k < argc; k++) {
		const char *c = strchr(argv[k], ':');
		if (c)
			n_need += parse_uids(c + 1, need_uids + n_need, 4096 - n_need);
	}

	char pwcmd[512];
	snprintf(pwcmd, sizeof pwcmd, "printf '%%s\\n' '%s'", pass);
	struct config_account acct;
	memset(&acct, 0, sizeof acct);
	acct.name = (char *)(gmail ? "it-triage-gmail" : "it-triage-dovecot");
	acct.host = (char *)"127.0.0.1";
	acct.port = (unsigned)atoi(port);
	acct.tls = CONFIG_TLS_NONE;
	acct.user = (char *)user;
	acct.password_command = pwcmd;
	acct.verify = true;
	acct.max_connections = 3;

	T.loop = loop_new();
	if (!T.loop)
		die(2, "no loop");
	T.deadline = loop_now_ms(T.loop) + (int64_t)timeout_s * 1000;
	T.c = cache_open(acct.name, NULL);
	if (!T.c || !cache_usable(T.c))
		die(2, "cache: %s", T.c ? cache_error(T.c) : "out of memory");
	struct account_opts ao;
	account_opts_init(&ao);
	ao.cache = T.c;
	ao.fill_max = 0;
	if (trace)
		ao.trace = on_trace;
	char err[512];
	T.a = account_new(T.loop, &acct, &ao, on_changed, NULL, err, sizeof err);
	if (!T.a)
		die(2, "account_new: %s", err);
	T.t = triage_new(T.loop, T.a, T.c);
	if (!T.t)
		die(2, "triage_new failed");
	triage_set_notify(T.t, on_note, NULL);
	triage_set_test_hook(T.t, on_point, NULL);
	say("pending-at-start %zu", triage_pending(T.t));

	run_until(folders_known, "the folder list");
	T.v = view_open(T.a, folder, VIEW_MESSAGES);
	if (!T.v)
		die(2, "view_open failed");
	run_until(view_ready, "the folder to open");
	if (view_state(T.v) != VIEW_READY)
		die(2, "cannot open %s: %s", folder, view_error(T.v));
	run_until(rows_ready, "the rows of the messages named");
	for (int k = i; k < argc; k++)
		apply(argv[k]);
	run_until(nothing_pending, "the pending actions");
	say("pending %zu", triage_pending(T.t));
	view_close(&T.v);
	triage_free(&T.t);
	account_free(&T.a);
	cache_close(&T.c);
	loop_hook_remove(&T.kill_hook);
	loop_free(&T.loop);
	return T.refused;
}
