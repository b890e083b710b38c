/*
 * bench_open — how long opening INBOX takes to the first usable screen (the first 50 rows with
 * their envelopes) and how much memory the process then holds, through the whole model
 * (src/mail/model.h) against a real server. bench/open.sh starts the servers (Gmail emulation,
 * Dovecot) with 1k .. 1M messages and prints the table; run alone, without the servers'
 * environment, it says so and exits 0 (so `make bench` passes without servers).
 *
 *   bench_open SERVER MODE [CACHE_DIR]     SERVER = gmail | dovecot
 *
 * MODE: cold (no cache), cache-cold (the cache in CACHE_DIR empty: rows written through) or warm
 * (the cache filled by a cache-cold run: INBOX is opened at once and its rows show before the
 * server answers). One process per run, so RSS is that run's. Prints one line. Times: login =
 * account_new to logged in; screen = view_open to 50 rows; total = account_new to 50 rows. RSS
 * after the background fill settled.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "loop.h"
#include "mail/cache.h"
#include "mail/charset.h"
#include "mail/model.h"

#define SCREEN 50
#define DEADLINE_MS 300000

struct run {
	uint64_t client_bytes, server_bytes;
	unsigned folders;
};

static void on_changed(void *ctx, const struct model_change *ch)
{
	struct run *r = ctx;
	if (ch->what & MODEL_FOLDERS)
		r->folders++;
}

static void on_trace(void *ctx, int conn, char dir, const char *data, size_t len)
{
	struct run *r = ctx;
	if (getenv("BENCH_DEBUG"))
		fprintf(stderr, "%d %c %.*s\n", conn, dir, (int)(len > 150 ? 150 : len), data);
	if (dir == '>')
		r->client_bytes += len + 2;
	else if (dir == '<')
		r->server_bytes += len + 2;
}

static long kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0)
			v = strtol(line + n, NULL, 10);
	fclose(f);
	return v;
}

static bool screen_loaded(struct view *v)
{
	if (view_count(v) == 0)
		return false;
	for (size_t p = 0; p < SCREEN && p < view_count(v); p++) {
		struct view_row r;
		if (!view_row(v, p, &r) || !r.loaded)
			return false;
	}
	return true;
}

static bool wait_for(struct loop *loop, bool (*cond)(void *), void *ctx)
{
	int64_t dl = loop_now_ms(loop) + DEADLINE_MS;
	while (!cond(ctx)) {
		if (loop_now_ms(loop) > dl)
			return false;
		loop_run_once(loop, 50);
	}
	return true;
}

static bool is_ready(void *ctx)
{
	struct account_status st;
	account_status(ctx, &st);
	return st.state == ACCOUNT_READY || st.state == ACCOUNT_IDLE;
}

struct settle {
	struct account *a;
	struct loop *loop;
	int64_t quiet_since;
};

static bool is_settled(void *ctx)
{
	struct settle *s = ctx;
	struct account_status st;
	account_status(s->a, &st);
	int64_t now = loop_now_ms(s->loop);
	if (st.busy)
		s->quiet_since = now;
	if (getenv("BENCH_DEBUG") && now % 1000 < 50)
		fprintf(stderr, "busy=%d state=%s\n", st.busy, account_state_name(st.state));
	return now - s->quiet_since > 500;
}

static int one_run(struct loop *loop, const struct config_account *acct, const char *server,
		   unsigned long messages, struct cache *cache, const char *label)
{
	struct run r = {0};
	struct account_opts o;
	account_opts_init(&o);
	o.cache = cache;
	o.trace = on_trace;
	o.trace_ctx = &r;
	char err[512];
	int64_t t0 = loop_now_ms(loop);
	struct account *a = account_new(loop, acct, &o, on_changed, &r, err, sizeof err);
	if (!a) {
		fprintf(stderr, "bench_open: %s\n", err);
		return 1;
	}
	struct view *v = NULL;
	int64_t t_login = 0, t_open = 0, t_screen = 0;
	if (strcmp(label, "warm") == 0) {
		/* the UI opens INBOX at once: what the cache holds shows before the server answers */
		t_open = loop_now_ms(loop);
		v = view_open(a, "INBOX", VIEW_MESSAGES);
		view_want(v, 0, SCREEN);
		if (screen_loaded(v))
			t_screen = loop_now_ms(loop);
		if (!wait_for(loop, is_ready, a))
			goto timeout;
		t_login = loop_now_ms(loop);
	} else {
		if (!wait_for(loop, is_ready, a))
			goto timeout;
		t_login = loop_now_ms(loop);
		t_open = t_login;
		v = view_open(a, "INBOX", VIEW_MESSAGES);
		view_want(v, 0, SCREEN);
	}
	while (!screen_loaded(v)) {
		if (loop_now_ms(loop) - t0 > DEADLINE_MS)
			goto timeout;
		loop_run_once(loop, 50);
		view_want(v, 0, SCREEN);
	}
	if (!t_screen)
		t_screen = loop_now_ms(loop);
	/* like a UI showing the rows: keep asking so prefetch and fill run */
	struct settle s = {a, loop, loop_now_ms(loop)};
	if (!wait_for(loop, is_settled, &s))
		goto timeout;
	printf("open server=%s messages=%lu exists=%zu cache=%s login_ms=%lld screen_ms=%lld "
	       "total_ms=%lld rss_kib=%ld hwm_kib=%ld client_bytes=%llu server_bytes=%llu\n",
	       server, messages, view_messages(v), label, (long long)(t_login - t0),
	       (long long)(t_screen - t_open), (long long)(t_screen - t0), kib("VmRSS:"),
	       kib("VmHWM:"), (unsigned long long)r.client_bytes, (unsigned long long)r.server_bytes);
	fflush(stdout);
	view_close(&v);
	account_free(&a);
	return 0;
timeout:
	fprintf(stderr, "bench_open: %s: no first screen within %d s\n", server, DEADLINE_MS / 1000);
	view_close(&v);
	account_free(&a);
	return 1;
}

int main(int argc, char **argv)
{
	const char *server = argc > 1 ? argv[1] : "gmail";
	const char *mode = argc > 2 ? argv[2] : "cold";
	const char *cache_dir = argc > 3 ? argv[3] : NULL;
	const char *port_env = strcmp(server, "gmail") == 0 ? "SKUA_TEST_GMAIL_PORT" : "SKUA_TEST_DOVECOT_PORT";
	const char *port = getenv(port_env), *user = getenv("SKUA_TEST_USER"),
		   *pw = getenv("SKUA_TEST_PASSWORD"), *msgs = getenv("SKUA_TEST_MESSAGES");
	if (!port || !user || !pw) {
		printf("bench_open: no %s server in the environment; run bench/open.sh, which starts "
		       "them\n", server);
		return 0;
	}
	if (strcmp(mode, "cold") != 0 && !cache_dir) {
		fprintf(stderr, "bench_open: %s needs a cache directory\n", mode);
		return 2;
	}
	char pwcmd[512];
	snprintf(pwcmd, sizeof pwcmd, "printf '%%s\\n' '%s'", pw);
	struct config_account acct;
	memset(&acct, 0, sizeof acct);
	acct.name = (char *)"bench";
	acct.host = (char *)"127.0.0.1";
	acct.port = (unsigned)strtoul(port, NULL, 10);
	acct.tls = CONFIG_TLS_NONE;
	acct.user = (char *)user;
	acct.password_command = pwcmd;
	acct.verify = true;
	acct.max_connections = 3;
	unsigned long messages = msgs ? strtoul(msgs, NULL, 10) : 0;
	struct loop *loop = loop_new();
	if (!loop)
		return 1;
	struct cache *c = NULL;
	if (cache_dir) {
		struct cache_opts co = {.dir = cache_dir};
		c = cache_open(acct.name, &co);
		if (!c || !cache_usable(c)) {
			fprintf(stderr, "bench_open: cache: %s\n", c ? cache_error(c) : "out of memory");
			cache_close(&c);
			loop_free(&loop);
			return 1;
		}
	}
	int rc = one_run(loop, &acct, server, messages, c, mode);
	cache_close(&c);
	charset_cache_flush();
	loop_free(&loop);
	return rc;
}
