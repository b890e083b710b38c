/* conf — parse skua's configuration file; see conf.h for the contract. */
#include "config.h"

#include "conf.h"
#include "conf_file.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_BYTES (1u << 20) /* a config file larger than 1 MiB is a mistake */
#define CONFIG_MAX_ACCOUNTS 64
#define CONFIG_MAX_KEYS 1024

struct parse {
	const char *name;
	int line;
	char *err;
	size_t errlen;
	struct config *cfg;
	enum { SEC_NONE, SEC_ACCOUNT, SEC_UI, SEC_KEYS } sec;
};

__attribute__((format(printf, 3, 4)))
static bool fail(struct parse *p, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (key)
		snprintf(p->err, p->errlen, "%s:%d: key '%s': %s", p->name, p->line, key, msg);
	else if (p->line > 0)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->name, p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->name, msg);
	return false;
}

char *config_path(const char *arg)
{
	if (arg && *arg)
		return strdup(arg);
	const char *env = getenv("SKUA_CONFIG");
	if (env && *env)
		return strdup(env);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char *path = NULL;
	int n;
	if (xdg && *xdg == '/')
		n = asprintf(&path, "%s/skua/config", xdg);
	else
		n = asprintf(&path, "%s/.config/skua/config", home && *home ? home : ".");
	return n < 0 ? NULL : path;
}

unsigned config_account_port(const struct config_account *a)
{
	if (a->port)
		return a->port;
	return a->tls == CONFIG_TLS_IMPLICIT ? 993 : 143;
}

static bool parse_bool(struct parse *p, const char *key, const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on")) {
		*out = true;
		return true;
	}
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "off")) {
		*out = false;
		return true;
	}
	return fail(p, key, "expected yes or no, not '%s'", v);
}

static bool parse_uint(struct parse *p, const char *key, const char *v, unsigned lo, unsigned hi,
		       unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (!*v || *end || errno || v[0] == '-' || v[0] == '+' || n < lo || n > hi)
		return fail(p, key, "expected a number from %u to %u, not '%s'", lo, hi, v);
	*out = (unsigned)n;
	return true;
}

static bool set_str(struct parse *p, char **slot, const char *v)
{
	char *s = strdup(v);
	if (!s)
		return fail(p, NULL, "out of memory");
	free(*slot);
	*slot = s;
	return true;
}

static bool account_key(struct parse *p, struct config_account *a, const char *k, const char *v)
{
	if (!strcmp(k, "host")) {
		if (!*v || strpbrk(v, " \t/"))
			return fail(p, k, "'%s' is not a host name or address", v);
		return set_str(p, &a->host, v);
	}
	if (!strcmp(k, "port"))
		return parse_uint(p, k, v, 1, 65535, &a->port);
	if (!strcmp(k, "tls")) {
		if (!strcmp(v, "implicit"))
			a->tls = CONFIG_TLS_IMPLICIT;
		else if (!strcmp(v, "starttls"))
			a->tls = CONFIG_TLS_STARTTLS;
		else if (!strcmp(v, "none"))
			a->tls = CONFIG_TLS_NONE;
		else
			return fail(p, k, "expected implicit, starttls or none, not '%s'", v);
		return true;
	}
	if (!strcmp(k, "user"))
		return set_str(p, &a->user, v);
	if (!strcmp(k, "auth")) {
		static const struct { const char *n; enum config_auth a; } auths[] = {
			{"auto", CONFIG_AUTH_AUTO}, {"login", CONFIG_AUTH_LOGIN}, {"plain", CONFIG_AUTH_PLAIN},
			{"xoauth2", CONFIG_AUTH_XOAUTH2}, {"oauthbearer", CONFIG_AUTH_OAUTHBEARER},
		};
		for (size_t i = 0; i < sizeof auths / sizeof auths[0]; i++)
			if (!strcasecmp(v, auths[i].n)) {
				a->auth = auths[i].a;
				return true;
			}
		return fail(p, k, "expected auto, login, plain, xoauth2 or oauthbearer, not '%s'", v);
	}
	if (!strcmp(k, "password_command"))
		return set_str(p, &a->password_command, v);
	if (!strcmp(k, "oauth_token_command"))
		return set_str(p, &a->oauth_token_command, v);
	if (!strcmp(k, "ca_file"))
		return set_str(p, &a->ca_file, v);
	if (!strcmp(k, "pin_sha256")) {
		/* 32 bytes as hex, colons optional */
		size_t hex = 0;
		for (const char *c = v; *c; c++) {
			if (*c == ':')
				continue;
			if (!strchr("0123456789abcdefABCDEF", *c))
				return fail(p, k, "expected a SHA-256 fingerprint (64 hex digits), not '%s'", v);
			hex++;
		}
		if (hex != 64)
			return fail(p, k, "expected a SHA-256 fingerprint (64 hex digits), got %zu digits", hex);
		return set_str(p, &a->pin_sha256, v);
	}
	if (!strcmp(k, "allow_plaintext"))
		return parse_bool(p, k, v, &a->allow_plaintext);
	if (!strcmp(k, "verify"))
		return parse_bool(p, k, v, &a->verify);
	if (!strcmp(k, "max_connections"))
		return parse_uint(p, k, v, 1, 15, &a->max_connections);
	if (!strcmp(k, "archive_folder"))
		return set_str(p, &a->archive_folder, v);
	return fail(p, k, "unknown key in [account %s]", a->name);
}

static bool ui_key(struct parse *p, const char *k, const char *v)
{
	struct config *c = p->cfg;
	if (!strcmp(k, "theme")) {
		for (const char *s = v; *s; s++)
			if (!(*s == '-' || *s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
				return fail(p, k, "a theme name uses a-z, 0-9, '-' and '_' only, not '%s'", v);
		return set_str(p, &c->theme, v);
	}
	if (!strcmp(k, "layout")) {
		if (strcmp(v, "auto") && strcmp(v, "wide") && strcmp(v, "narrow") && strcmp(v, "single"))
			return fail(p, k, "expected auto, wide, narrow or single, not '%s'", v);
		return set_str(p, &c->layout, v);
	}
	if (!strcmp(k, "html_filter"))
		return set_str(p, &c->html_filter, v);
	if (!strcmp(k, "keys")) {
		if (strcmp(v, "gmail") && strcmp(v, "mutt"))
			return fail(p, k, "expected gmail or mutt, not '%s'", v);
		return set_str(p, &c->keys_preset, v);
	}
	return fail(p, k, "unknown key in [ui]");
}

static bool keys_key(struct parse *p, const char *k, const char *v)
{
	struct config *c = p->cfg;
	if (c->n_keys >= CONFIG_MAX_KEYS)
		return fail(p, k, "more than %d key bindings", CONFIG_MAX_KEYS);
	struct config_key *keys = realloc(c->keys, (c->n_keys + 1) * sizeof *keys);
	if (!keys)
		return fail(p, NULL, "out of memory");
	c->keys = keys;
	struct config_key *ck = &keys[c->n_keys];
	ck->key = strdup(k);
	ck->action = strdup(v);
	ck->line = p->line;
	c->n_keys++;
	if (!ck->key || !ck->action)
		return fail(p, NULL, "out of memory");
	return true;
}

static bool section(struct parse *p, char *s)
{
	if (!strcmp(s, "ui")) {
		p->sec = SEC_UI;
		return true;
	}
	if (!strcmp(s, "keys")) {
		p->sec = SEC_KEYS;
		return true;
	}
	if (!strncmp(s, "account", 7) && (s[7] == ' ' || s[7] == '\t')) {
		char *name = cfgfile_trim(s + 8);
		if (!*name)
			return fail(p, NULL, "[account] needs a name: [account NAME]");
		if (!cfgfile_is_name(name))
			return fail(p, NULL, "account name '%s' may use letters, digits, '.', '-', '_', '@' only", name);
		struct config *c = p->cfg;
		for (size_t i = 0; i < c->n_accounts; i++)
			if (!strcmp(c->accounts[i].name, name))
				return fail(p, NULL, "account '%s' is defined twice (first on line %d)", name,
					    c->accounts[i].line);
		if (c->n_accounts >= CONFIG_MAX_ACCOUNTS)
			return fail(p, NULL, "more than %d accounts", CONFIG_MAX_ACCOUNTS);
		struct config_account *as = realloc(c->accounts, (c->n_accounts + 1) * sizeof *as);
		if (!as)
			return fail(p, NULL, "out of memory");
		c->accounts = as;
		struct config_account *a = &as[c->n_accounts++];
		memset(a, 0, sizeof *a);
		a->verify = true;
		a->max_connections = 3;
		a->line = p->line;
		a->name = strdup(name);
		if (!a->name)
			return fail(p, NULL, "out of memory");
		p->sec = SEC_ACCOUNT;
		return true;
	}
	return fail(p, NULL, "unknown section [%s] (expected [account NAME], [ui] or [keys])", s);
}

static bool check_account(struct parse *p, const struct config_account *a)
{
	p->line = a->line;
	if (!a->host)
		return fail(p, NULL, "[account %s] has no host", a->name);
	if (!a->user)
		return fail(p, NULL, "[account %s] has no user", a->name);
	if (a->tls == CONFIG_TLS_NONE && !a->allow_plaintext && !net_host_is_loopback(a->host))
		return fail(p, "tls", "[account %s]: tls = none sends your password in clear; it is allowed "
			    "only for a loopback host or with allow_plaintext = yes", a->name);
	if ((a->auth == CONFIG_AUTH_XOAUTH2 || a->auth == CONFIG_AUTH_OAUTHBEARER) && !a->oauth_token_command)
		return fail(p, "auth", "[account %s]: OAuth needs oauth_token_command", a->name);
	if (!a->password_command && !a->oauth_token_command)
		return fail(p, NULL, "[account %s] needs password_command or oauth_token_command", a->name);
	return true;
}

struct config *config_parse(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct parse p = {.name = name, .err = err, .errlen = errlen};
	if (errlen)
		err[0] = '\0';
	p.cfg = calloc(1, sizeof *p.cfg);
	if (!p.cfg || !(p.cfg->path = strdup(name))) {
		fail(&p, NULL, "out of memory");
		goto bad;
	}
	struct cfgfile_iter it;
	cfgfile_begin(&it, text, len);
	struct cfgfile_line ln;
	enum cfgfile_status st;
	while ((st = cfgfile_next(&it, &ln)) == CFGFILE_LINE) {
		p.line = ln.lineno;
		bool ok;
		if (ln.section) {
			ok = section(&p, ln.section);
		} else if (p.sec == SEC_NONE) {
			ok = fail(&p, ln.key, "comes before any section ([account NAME], [ui] or [keys])");
		} else if (p.sec == SEC_ACCOUNT) {
			ok = account_key(&p, &p.cfg->accounts[p.cfg->n_accounts - 1], ln.key, ln.value);
		} else if (p.sec == SEC_UI) {
			ok = ui_key(&p, ln.key, ln.value);
		} else {
			ok = keys_key(&p, ln.key, ln.value);
		}
		cfgfile_line_free(&ln);
		if (!ok)
			goto bad;
	}
	if (st == CFGFILE_ERROR) {
		p.line = it.lineno;
		fail(&p, NULL, "%s", it.error);
		goto bad;
	}
	for (size_t i = 0; i < p.cfg->n_accounts; i++)
		if (!check_account(&p, &p.cfg->accounts[i]))
			goto bad;
	if ((!p.cfg->theme && !(p.cfg->theme = strdup("default"))) ||
	    (!p.cfg->layout && !(p.cfg->layout = strdup("auto"))) ||
	    (!p.cfg->keys_preset && !(p.cfg->keys_preset = strdup("gmail")))) {
		p.line = 0;
		fail(&p, NULL, "out of memory");
		goto bad;
	}
	return p.cfg;
bad:
	config_free(&p.cfg);
	return NULL;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct stat stb;
	if (fstat(fd, &stb) < 0 || !S_ISREG(stb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (stb.st_size > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", path, CONFIG_MAX_BYTES);
		close(fd);
		return NULL;
	}
	size_t size = (size_t)stb.st_size;
	char *text = malloc(size + 1);
	size_t got = 0;
	while (text && got < size) {
		ssize_t n = read(fd, text + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!text || got != size) {
		snprintf(err, errlen, "%s: cannot read: %s", path, text ? strerror(errno) : "out of memory");
		free(text);
		return NULL;
	}
	struct config *cfg = config_parse(path, text, size, err, errlen);
	free(text);
	return cfg;
}

void config_free(struct config **cfgp)
{
	struct config *c = cfgp ? *cfgp : NULL;
	if (!c)
		return;
	for (size_t i = 0; i < c->n_accounts; i++) {
		struct config_account *a = &c->accounts[i];
		free(a->name);
		free(a->host);
		free(a->user);
		free(a->password_command);
		free(a->oauth_token_command);
		free(a->ca_file);
		free(a->pin_sha256);
		free(a->archive_folder);
	}
	free(c->accounts);
	for (size_t i = 0; i < c->n_keys; i++) {
		free(c->keys[i].key);
		free(c->keys[i].action);
	}
	free(c->keys);
	free(c->path);
	free(c->theme);
	free(c->layout);
	free(c->html_filter);
	free(c->keys_preset);
	free(c);
	*cfgp = NULL;
}

const struct config_account *config_account(const struct config *cfg, const char *name)
{
	if (!cfg || cfg->n_accounts == 0)
		return NULL;
	if (!name)
		return &cfg->accounts[0];
	for (size_t i = 0; i < cfg->n_accounts; i++)
		if (!strcmp(cfg->accounts[i].name, name))
			return &cfg->accounts[i];
	return NULL;
}
