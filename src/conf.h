/*
 * conf — skua's configuration file: accounts, [ui] and [keys].
 *
 * Format (see doc/skua.conf.5): `# comment` lines, `[account NAME]`, `[ui]` and `[keys]` sections,
 * `key = value` lines; values may be "double quoted" (with \" and \\ escapes) to keep spaces.
 *
 * Contract:
 *  - config_load() parses a whole file into a struct config the caller owns and frees with
 *    config_free(&cfg) (NULL-safe). On any error it returns NULL and writes one message of the
 *    form "FILE:LINE: key 'KEY': what is wrong" (or "FILE: ...") into err (always NUL-terminated).
 *  - config_path() picks the file: the -c argument, else $SKUA_CONFIG, else
 *    $XDG_CONFIG_HOME/skua/config (~/.config/skua/config). The result is malloc'd.
 *  - Policy checked at load time: `tls = none` is refused unless the host is a loopback address
 *    (net_host_is_loopback(): localhost, 127.0.0.0/8, ::1) or the account says
 *    `allow_plaintext = yes`. The connection checks the resolved peer again.
 *  - Secrets never live here: only the command that prints them (password_command,
 *    oauth_token_command).
 */
#ifndef SKUA_CONF_H
#define SKUA_CONF_H

#include <stdbool.h>
#include <stddef.h>

enum config_tls { CONFIG_TLS_IMPLICIT, CONFIG_TLS_STARTTLS, CONFIG_TLS_NONE };

enum config_auth {
	CONFIG_AUTH_AUTO, /* the best mechanism the server offers that we have a secret for */
	CONFIG_AUTH_LOGIN,
	CONFIG_AUTH_PLAIN,
	CONFIG_AUTH_XOAUTH2,
	CONFIG_AUTH_OAUTHBEARER,
};

struct config_account {
	char *name;
	char *host;
	unsigned port; /* 0 = the default for the TLS mode (993 implicit, 143 otherwise) */
	enum config_tls tls;
	char *user;
	enum config_auth auth;
	char *password_command;
	char *oauth_token_command;
	char *ca_file;    /* extra trust anchor (PEM), or NULL for the system store */
	char *pin_sha256; /* "AB:CD:..." leaf certificate fingerprint, or NULL */
	bool allow_plaintext;
	bool verify;      /* certificate verification; only a pin may replace it */
	unsigned max_connections; /* default 3 */
	char *archive_folder; /* non-Gmail archive target when no \Archive folder exists */
	int line;         /* where the section starts, for messages */
};

struct config_key {
	char *key;    /* key sequence as written, e.g. "g i" or "C-l" */
	char *action; /* action name */
	int line;
};

struct config {
	char *path;
	struct config_account *accounts;
	size_t n_accounts;
	char *theme;       /* default "default" */
	char *layout;      /* "auto" | "wide" | "narrow" | "single" */
	char *html_filter; /* NULL: built-in choice */
	char *keys_preset; /* "gmail" (default) | "mutt" */
	struct config_key *keys;
	size_t n_keys;
};

char *config_path(const char *arg);
struct config *config_load(const char *path, char *err, size_t errlen);
/* Parses text as if it were the file `name` (used by config_load and by tests). */
struct config *config_parse(const char *name, const char *text, size_t len, char *err, size_t errlen);
void config_free(struct config **cfg);

/* The account called name, or the first one when name is NULL; NULL when absent. */
const struct config_account *config_account(const struct config *cfg, const char *name);
unsigned config_account_port(const struct config_account *a);

#endif
