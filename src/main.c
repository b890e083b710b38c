/*
 * skua — entry point: parses the command line and starts the program.
 * The full reader arrives with later issues; today it answers --version and --help.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: skua [-c FILE] [-a ACCOUNT] [-f FOLDER]\n"
		"       skua --version | --help\n"
		"\n"
		"A terminal mail reader for IMAP and Gmail.\n"
		"\n"
		"  -c FILE       read the configuration from FILE\n"
		"                (default: $SKUA_CONFIG, else $XDG_CONFIG_HOME/skua/config)\n"
		"  -a ACCOUNT    open the account named ACCOUNT\n"
		"  -f FOLDER     open FOLDER instead of INBOX\n"
		"  -h, --help    show this help and exit\n"
		"  -V, --version show the version and exit\n"
		"\n"
		"See skua(1) and skua.conf(5).\n");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			printf("skua %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	usage(stderr);
	return 2;
}
