/* Unit tests for src/conf: the config file, its errors (file:line: key) and its TLS policy. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "net.h"

static struct config *parse(const char *text, char *err, size_t errlen)
{
	return config_parse("test.conf", text, strlen(text), err, errlen);
}

static void test_full_account(void **state)
{
	char err[512];
	struct config *c = parse(
		"# my accounts\n"
		"[account gmail]\n"
		"host = imap.gmail.com\n"
		"user = me@gmail.com\n"
		"auth = xoauth2\n"
		"oauth_token_command = \"oauth2 --user me # not a comment\"\n"
		"\n"
		"[account work]\r\n"
		"host=mail.example.org\r\n"
		"port = 1993\n"
		"tls = starttls\n"
		"user = me\n"
		"password_command = pass show work # kept\n"
		"pin_sha256 = " "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
		"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\n"
		"max_connections = 2\n"
		"[ui]\n theme = dark\n layout = narrow\n"
		"[keys]\n"
		"g i = goto-inbox\n"
		"\"=\" = archive\n",
		err, sizeof err);
	assert_non_null(c);
	assert_int_equal(c->n_accounts, 2);
	const struct config_account *g = config_account(c, NULL);
	assert_string_equal(g->name, "gmail");
	assert_int_equal(g->tls, CONFIG_TLS_IMPLICIT);
	assert_int_equal(config_account_port(g), 993);
	assert_int_equal(g->auth, CONFIG_AUTH_XOAUTH2);
	assert_string_equal(g->oauth_token_command, "oauth2 --user me # not a comment");
	assert_true(g->verify);
	assert_int_equal(g->max_connections, 3);
	const struct config_account *w = config_account(c, "work");
	assert_non_null(w);
	assert_string_equal(w->host, "mail.example.org");
	assert_int_equal(config_account_port(w), 1993);
	assert_int_equal(w->tls, CONFIG_TLS_STARTTLS);
	assert_string_equal(w->password_command, "pass show work # kept");
	assert_int_equal(w->max_connections, 2);
	assert_null(config_account(c, "nope"));
	assert_string_equal(c->theme, "dark");
	assert_string_equal(c->layout, "narrow");
	assert_string_equal(c->keys_preset, "gmail");
	assert_int_equal(c->n_keys, 2);
	assert_string_equal(c->keys[0].key, "g i");
	assert_string_equal(c->keys[0].action, "goto-inbox");
	assert_string_equal(c->keys[1].key, "=");
	assert_int_equal(c->keys[1].line, 21);
	config_free(&c);
	assert_null(c);
	config_free(&c);
}

/* Each bad file gives one message naming the file, the line and (where there is one) the key. */
static void test_errors_name_file_line_key(void **state)
{
	static const struct { const char *text, *expect; } cases[] = {
		{"[account a]\nhost = h\nuser = u\npasword_command = x\n",
		 "test.conf:4: key 'pasword_command': unknown key in [account a]"},
		{"host = h\n", "test.conf:1: key 'host': comes before any section"},
		{"[account a]\nhost = h\nuser = u\npassword_command = x\nport = 70000\n",
		 "test.conf:5: key 'port': expected a number from 1 to 65535, not '70000'"},
		{"[account a]\nhost = h\nuser = u\npassword_command = x\ntls = maybe\n",
		 "test.conf:5: key 'tls': expected implicit, starttls or none, not 'maybe'"},
		{"[account a]\nhost = mail.example.org\ntls = none\nuser = u\npassword_command = x\n",
		 "test.conf:1: key 'tls': [account a]: tls = none sends your password in clear"},
		{"[account a]\nuser = u\npassword_command = x\n", "test.conf:1: [account a] has no host"},
		{"[account a]\nhost = h\nuser = u\n", "test.conf:1: [account a] needs password_command"},
		{"[account a]\nhost = h\nuser = u\npassword_command = x\n[account a]\n",
		 "test.conf:5: account 'a' is defined twice (first on line 1)"},
		{"[accounts]\n", "test.conf:1: unknown section [accounts]"},
		{"[ui]\ntheme = ../../etc/passwd\n", "test.conf:2: key 'theme': a theme name uses"},
		{"[ui]\nlayout = diagonal\n", "test.conf:2: key 'layout': expected auto, wide"},
		{"[ui]\nfoo\n", "test.conf:2: expected key = value"},
		{"[ui]\nhtml_filter = \"w3m\n", "test.conf:2: unterminated quoted string"},
		{"[ui]\nhtml_filter = w3m\x1b[31m\n", "test.conf:2: control character in line"},
		{"[account a]\nhost = h\nuser = u\npassword_command = x\nallow_plaintext = perhaps\n",
		 "test.conf:5: key 'allow_plaintext': expected yes or no, not 'perhaps'"},
		{"[account a]\nhost = h\nuser = u\npassword_command = x\npin_sha256 = ABCD\n",
		 "test.conf:5: key 'pin_sha256': expected a SHA-256 fingerprint (64 hex digits), got 4 digits"},
		{"[account a]\nhost = h\nuser = u\nauth = xoauth2\npassword_command = x\n",
		 "test.conf:1: key 'auth': [account a]: OAuth needs oauth_token_command"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[512] = "unset";
		struct config *c = parse(cases[i].text, err, sizeof err);
		if (c || strncmp(err, cases[i].expect, strlen(cases[i].expect)) != 0)
			fail_msg("case %zu: got %s / '%s', expected '%s'", i, c ? "a config" : "NULL", err,
				 cases[i].expect);
	}
}

static void test_plaintext_policy(void **state)
{
	char err[512];
	const char *ok[] = {"localhost", "127.0.0.1", "127.1.2.3", "::1"};
	for (size_t i = 0; i < 4; i++) {
		char text[256];
		snprintf(text, sizeof text,
			 "[account a]\nhost = %s\ntls = none\nuser = u\npassword_command = x\n", ok[i]);
		struct config *c = parse(text, err, sizeof err);
		if (!c)
			fail_msg("loopback host %s refused: %s", ok[i], err);
		assert_int_equal(config_account_port(config_account(c, "a")), 143);
		config_free(&c);
	}
	struct config *c = parse("[account a]\nhost = mail.example.org\ntls = none\nallow_plaintext = yes\n"
				 "user = u\npassword_command = x\n", err, sizeof err);
	assert_non_null(c);
	config_free(&c);
	assert_false(net_host_is_loopback("128.0.0.1"));
	assert_false(net_host_is_loopback("localhost.example.org"));
	assert_false(net_host_is_loopback("::2"));
}

static void test_load_and_path(void **state)
{
	char err[512];
	assert_null(config_load("/nonexistent/skua.conf", err, sizeof err));
	assert_string_equal(err, "/nonexistent/skua.conf: cannot open: No such file or directory");
	assert_null(config_load("/", err, sizeof err));
	assert_string_equal(err, "/: not a regular file");

	char path[] = "/tmp/skua-conf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "[account demo]\nhost = 127.0.0.1\ntls = none\nuser = u\npassword_command = echo x\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct config *c = config_load(path, err, sizeof err);
	assert_non_null(c);
	assert_string_equal(c->path, path);
	config_free(&c);
	unlink(path);

	char *p = config_path("/x/y");
	assert_string_equal(p, "/x/y");
	free(p);
	setenv("SKUA_CONFIG", "/from/env", 1);
	p = config_path(NULL);
	assert_string_equal(p, "/from/env");
	free(p);
	unsetenv("SKUA_CONFIG");
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	p = config_path(NULL);
	assert_string_equal(p, "/xdg/skua/config");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/u", 1);
	p = config_path(NULL);
	assert_string_equal(p, "/home/u/.config/skua/config");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_account),
		cmocka_unit_test(test_errors_name_file_line_key),
		cmocka_unit_test(test_plaintext_policy),
		cmocka_unit_test(test_load_and_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
