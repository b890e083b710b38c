/*
 * skua — entry point: parses the command line, loads the configuration and runs a front end:
 * the curses reader (ui/ui.h) when standard input and output are a terminal, else — or with
 * -p/--probe — ui/probe, which connects, prints the account's folders and the newest messages
 * of one folder as plain text and exits (for scripts).
 */
#include "config.h"

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "probe.h"
#include "ui.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: skua [-c FILE] [-a ACCOUNT] [-f FOLDER]\n"
		"       skua --probe [-c FILE] [-a ACCOUNT] [-f FOLDER] [-n ROWS] [-v]\n"
		"       skua --version | --help\n"
		"\n"
		"A terminal mail reader for IMAP and Gmail.\n"
		"\n"
		"  -c FILE       read the configuration from FILE\n"
		"                (default: $SKUA_CONFIG, else $XDG_CONFIG_HOME/skua/config)\n"
		"  -a ACCOUNT    open the account named ACCOUNT (default: the first)\n"
		"  -f FOLDER     open FOLDER instead of INBOX\n"
		"  -p, --probe   print the folders and newest messages as text and exit\n"
		"                (the default when standard output is not a terminal)\n"
		"  -n ROWS       with --probe: how many of the newest messages (default 20)\n"
		"  -v            with --probe: print the IMAP conversation (passwords redacted)\n"
		"  -h, --help    show this help and exit\n"
		"  -V, --version show the version and exit\n"
		"\n"
		"In the reader, ? lists the keys. See skua(1) and skua.conf(5).\n");
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bool probe = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("skua %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--probe"))
			argv[i] = (char *)"-p";
		if (!strcmp(argv[i], "--"))
			break;
	}
	const char *cfg_arg = NULL, *account = NULL, *folder = NULL;
	struct probe_opts po = {0};
	bool probe_only_opt = false;
	int c;
	while ((c = getopt(argc, argv, "c:a:f:n:pvhV")) != -1) {
		switch (c) {
		case 'c': cfg_arg = optarg; break;
		case 'a': account = optarg; break;
		case 'f': folder = optarg; break;
		case 'p': probe = true; break;
		case 'n': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 10000) {
				fprintf(stderr, "skua: -n takes a number from 1 to 10000\n");
				return 2;
			}
			po.rows = (unsigned)n;
			probe_only_opt = true;
			break;
		}
		case 'v': po.verbose++; probe_only_opt = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("skua %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "skua: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (!tty)
		probe = true;
	if (!probe && probe_only_opt) {
		fprintf(stderr, "skua: -n and -v go with --probe\n");
		return 2;
	}
	char *path = config_path(cfg_arg);
	if (!path) {
		fprintf(stderr, "skua: out of memory\n");
		return 1;
	}
	char err[1024];
	struct config *cfg = config_load(path, err, sizeof err);
	free(path);
	if (!cfg) {
		fprintf(stderr, "skua: %s\n", err);
		return 2;
	}
	const struct config_account *acct = config_account(cfg, account);
	if (!acct) {
		if (account)
			fprintf(stderr, "skua: %s: no [account %s]\n", cfg->path, account);
		else
			fprintf(stderr, "skua: %s: no account configured (add an [account NAME] section)\n",
				cfg->path);
		config_free(&cfg);
		return 2;
	}
	int status;
	if (probe) {
		po.folder = folder;
		const char *cols = getenv("COLUMNS");
		po.width = cols ? atoi(cols) : 0;
		if (!po.width && isatty(STDOUT_FILENO))
			po.width = 80;
		status = probe_run(acct, &po);
	} else {
		struct ui_opts uo = {.account = acct->name, .folder = folder};
		status = ui_run(cfg, &uo);
	}
	config_free(&cfg);
	return status;
}
