/* secret_cmd — password_command / oauth_token_command runner on the loop (see the header); the
 * child is run by src/proc_run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc_run.h"
#include "secret_cmd.h"

struct secret_cmd {
	struct proc_run *run;
	unsigned timeout_ms;
	bool finishing;
	secret_cmd_done_fn done;
	void *ctx;
};

void secret_cmd_cancel(struct secret_cmd **h)
{
	struct secret_cmd *sc = h ? *h : NULL;
	if (!sc)
		return;
	*h = NULL;
	if (sc->finishing)
		return; /* inside done(): freed when it returns */
	proc_run_cancel(&sc->run);
	free(sc);
}

static void on_done(void *ctx, const struct proc_run_result *r)
{
	struct secret_cmd *sc = ctx;
	char why[400];
	const char *secret = NULL;
	const char *sep = r->err_line[0] ? ": " : "";
	char *line = NULL;
	if (proc_run_why(r, sc->timeout_ms, why, sizeof why)) {
		/* words from the runner */
	} else if (r->too_long) {
		snprintf(why, sizeof why, "the command printed more than %d bytes", SECRET_CMD_MAX);
	} else {
		/* r->out is the runner's buffer (wiped when it is freed): cut the first line there */
		line = (char *)r->out;
		char *lf = memchr(line, '\n', r->out_len);
		if (lf)
			*lf = '\0';
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0)
			snprintf(why, sizeof why, "the command printed nothing%s%s", sep, r->err_line);
		else
			secret = line;
	}
	sc->run = NULL;
	sc->finishing = true;
	if (sc->done)
		sc->done(sc->ctx, secret, secret ? NULL : why);
	free(sc);
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
	if (!loop || !command || !*command) {
		snprintf(errbuf, errlen, "no command configured");
		return NULL;
	}
	struct secret_cmd *sc = calloc(1, sizeof *sc);
	if (!sc) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	sc->done = done;
	sc->ctx = ctx;
	sc->timeout_ms = timeout_ms ? timeout_ms : 60000;
	struct proc_run_opts o = {.shell_cmd = command, .out_max = SECRET_CMD_MAX, .out_wipe = true,
				  .timeout_ms = sc->timeout_ms};
	sc->run = proc_run_start(loop, &o, on_done, sc, errbuf, errlen);
	if (!sc->run) {
		free(sc);
		return NULL;
	}
	return sc;
}
