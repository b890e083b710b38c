/* Unit tests for src/imap/sasl: RFC 4616 PLAIN vectors, RFC 7628 OAUTHBEARER examples (success
 * and error challenge), Google's XOAUTH2 example and failure handling, LOGIN, SASL-IR or not,
 * the chooser with LOGINDISABLED, redaction, refusing credentials a mechanism cannot carry. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "base64.h"
#include "imap/sasl.h"

static const struct imap_enc_opts opts = {0};

/* ---- capability sets for the chooser ---- */
static bool has_cap(void *ctx, const char *cap)
{
	for (const char *const *c = ctx; *c; c++)
		if (strcasecmp(*c, cap) == 0)
			return true;
	return false;
}

static struct sasl_secret *secret(const char *s)
{
	struct sasl_secret *x = sasl_secret_new(s, strlen(s));
	assert_non_null(x);
	return x;
}

static char *trace_of(const struct imap_cmd *c)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(imap_cmd_trace(c, 0, imap_cmd_len(c), 1024, &b), IMAP_ENC_OK);
	return buf_steal(&b);
}

/* Runs sasl_begin and checks the whole first line and its trace. */
static void expect_begin(const struct sasl_mech *m, const struct sasl_creds *cr, bool ir,
			 const char *want, const char *want_trace, struct sasl_state *st)
{
	struct imap_cmd c;
	imap_cmd_init(&c, &opts);
	assert_int_equal(sasl_begin(st, m, cr, ir, "a1", &c), IMAP_ENC_OK);
	assert_string_equal(imap_cmd_data(&c), want);
	char *t = trace_of(&c);
	assert_string_equal(t, want_trace);
	free(t);
	imap_cmd_free(&c);
}

/* Runs one sasl_step and checks the reply line. */
static void expect_step(struct sasl_state *st, const char *challenge, const char *want,
			bool want_redact)
{
	struct buf out;
	bool redact = !want_redact;
	buf_init(&out, 1 << 16);
	assert_int_equal(sasl_step(st, challenge, strlen(challenge), &out, &redact), IMAP_ENC_OK);
	assert_string_equal(buf_data(&out), want);
	assert_int_equal(redact, want_redact);
	sasl_buf_wipe(&out);
}

static void test_plain_rfc4616(void **state)
{
	struct sasl_secret *pw = secret("xipj3plmq");
	struct sasl_creds cr = {.user = "Kurt", .authzid = "Ursel", .secret = pw};
	struct sasl_state st;
	/* RFC 4616 §4: authzid Ursel, authcid Kurt, password xipj3plmq, as a SASL-IR response */
	expect_begin(sasl_mech_by_name("plain"), &cr, true,
		     "a1 AUTHENTICATE PLAIN VXJzZWwAS3VydAB4aXBqM3BsbXE=\r\n",
		     "a1 AUTHENTICATE PLAIN <redacted>\r\n", &st);
	/* PLAIN has nothing more to say: an extra challenge is cancelled */
	expect_step(&st, "", "*\r\n", false);
	sasl_secret_free(&pw);
	assert_null(pw);

	/* RFC 4616 §4 second example, without SASL-IR: "\0tim\0tanstaaftanstaaf" */
	pw = secret("tanstaaftanstaaf");
	cr = (struct sasl_creds){.user = "tim", .secret = pw};
	expect_begin(sasl_mech_by_name("PLAIN"), &cr, false, "a1 AUTHENTICATE PLAIN\r\n",
		     "a1 AUTHENTICATE PLAIN\r\n", &st);
	expect_step(&st, "", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n", true);
	sasl_secret_free(&pw);
	sasl_secret_free(&pw); /* NULL-safe */
}

static void test_oauthbearer_rfc7628(void **state)
{
	/* RFC 7628 §4.1, the IMAP example, verbatim */
	struct sasl_secret *tok = secret("vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
	struct sasl_creds cr = {.user = "user@example.com", .secret = tok,
				.host = "server.example.com", .port = 143};
	struct sasl_state st;
	expect_begin(sasl_mech_by_name("OAUTHBEARER"), &cr, true,
		     "a1 AUTHENTICATE OAUTHBEARER bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUu"
		     "Y29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0"
		     "Q2c9PQEB\r\n",
		     "a1 AUTHENTICATE OAUTHBEARER <redacted>\r\n", &st);
	/* RFC 7628 §4.3: the error challenge is answered with a lone 0x01 ("AQ==") */
	expect_step(&st,
		    "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZp"
		    "Z3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=",
		    "AQ==\r\n", false);
	assert_true(st.failure_challenge);
	assert_non_null(strstr(st.detail, "\"status\":\"invalid_token\""));
	/* "t0 NO SASL authentication failed": run the token command again */
	assert_true(sasl_should_refresh_token(&st, NULL));
	assert_true(sasl_should_refresh_token(&st, "AUTHENTICATIONFAILED"));
	assert_false(sasl_should_refresh_token(&st, "UNAVAILABLE"));
	/* a further challenge after the error one is cancelled */
	expect_step(&st, "eyJ9", "*\r\n", false);
	sasl_secret_free(&tok);
}

static void test_oauthbearer_escaping_and_options(void **state)
{
	struct sasl_secret *tok = sasl_secret_new("tok", 3);
	struct sasl_creds cr = {.user = "a,b=c", .secret = tok};
	struct sasl_state st;
	struct imap_cmd c;
	imap_cmd_init(&c, &opts);
	assert_int_equal(sasl_begin(&st, sasl_mech_by_name("oauthbearer"), &cr, true, "a1", &c), IMAP_ENC_OK);
	const char prefix[] = "a1 AUTHENTICATE OAUTHBEARER ";
	char *line = strdup(imap_cmd_data(&c));
	assert_non_null(line);
	assert_true(strlen(line) > sizeof prefix + 1);
	assert_memory_equal(line, prefix, sizeof prefix - 1);
	const char *b64 = line + sizeof prefix - 1;
	struct buf raw;
	buf_init(&raw, 1024);
	assert_int_equal(base64_decode(&raw, b64, strlen(b64) - 2, BASE64_STRICT), BASE64_OK);
	free(line);
	/* RFC 5801 saslname: ',' is =2C and '=' is =3D; no host/port when not given */
	static const char want[] = "n,a=a=2Cb=3Dc,\x01" "auth=Bearer tok\x01\x01";
	assert_int_equal(buf_len(&raw), sizeof want - 1);
	assert_memory_equal(buf_data(&raw), want, sizeof want - 1);
	buf_free(&raw);
	imap_cmd_free(&c);
	sasl_secret_free(&tok);
}

static void test_xoauth2_google(void **state)
{
	/* Google's documented example */
	struct sasl_secret *tok = secret("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
	struct sasl_creds cr = {.user = "someuser@example.com", .secret = tok};
	struct sasl_state st;
	expect_begin(sasl_mech_by_name("xoauth2"), &cr, true,
		     "a1 AUTHENTICATE XOAUTH2 dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZG"
		     "OWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==\r\n",
		     "a1 AUTHENTICATE XOAUTH2 <redacted>\r\n", &st);
	/* Gmail's failure: "+ <base64 JSON>", answered with an empty line, then the tagged NO */
	expect_step(&st,
		    "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==",
		    "\r\n", false);
	assert_non_null(strstr(st.detail, "\"status\":\"400\""));
	assert_true(sasl_should_refresh_token(&st, NULL));

	/* without SASL-IR the first (empty) challenge gets the initial response */
	expect_begin(sasl_mech_by_name("xoauth2"), &cr, false, "a1 AUTHENTICATE XOAUTH2\r\n",
		     "a1 AUTHENTICATE XOAUTH2\r\n", &st);
	expect_step(&st, "",
		    "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNr"
		    "QmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==\r\n", true);
	/* an undecodable error challenge is still answered, so the server can finish with NO */
	expect_step(&st, "!!not base64!!", "\r\n", false);
	assert_string_equal(st.detail, "(undecodable challenge)");
	sasl_secret_free(&tok);
}

static void test_login_command(void **state)
{
	struct sasl_secret *pw = secret("hunter2");
	struct sasl_creds cr = {.user = "joe", .secret = pw};
	struct sasl_state st;
	expect_begin(sasl_mech_by_name("login"), &cr, true, "a1 LOGIN joe hunter2\r\n",
		     "a1 LOGIN joe <redacted>\r\n", &st);
	/* LOGIN has no SASL continuation: a "+" during LOGIN is a literal sync, not for us */
	struct buf out;
	bool redact;
	buf_init(&out, 64);
	assert_int_equal(sasl_step(&st, "", 0, &out, &redact), IMAP_ENC_INVALID);
	assert_int_equal(buf_len(&out), 0);
	buf_free(&out);
	assert_false(sasl_should_refresh_token(&st, NULL)); /* passwords are not refreshed */
	sasl_secret_free(&pw);

	/* a password with quotes and 8-bit: quoted / literal, and never in the trace */
	pw = sasl_secret_new("p\"w\xc3\xa9", 5);
	cr.secret = pw;
	cr.user = "j o";
	struct imap_cmd c;
	imap_cmd_init(&c, &opts);
	assert_int_equal(sasl_begin(&st, sasl_mech_by_name("LOGIN"), &cr, false, "a2", &c), IMAP_ENC_OK);
	assert_int_equal(imap_cmd_nsegs(&c), 2);
	assert_string_equal(imap_cmd_data(&c), "a2 LOGIN \"j o\" {5}\r\np\"w\xc3\xa9\r\n");
	char *t = trace_of(&c);
	assert_string_equal(t, "a2 LOGIN \"j o\" <redacted>\r\n");
	free(t);
	imap_cmd_free(&c);
	sasl_secret_free(&pw);
}

static void test_refuses_bad_credentials(void **state)
{
	struct sasl_state st;
	struct imap_cmd c;
	struct {
		const char *mech, *user, *secret;
		size_t len;
	} bad[] = {
		{"PLAIN", "joe", "pw\0x", 4},          /* NUL in a PLAIN password */
		{"XOAUTH2", "joe", "tok\n", 4},        /* a newline left from password_command */
		{"XOAUTH2", "j\x01oe", "tok", 3},      /* the separator in the user name */
		{"OAUTHBEARER", "joe", "to\x01k", 4},
		{"PLAIN", "", "pw", 2},                /* no user */
		{"LOGIN", "joe", "pw\0", 3},           /* NUL cannot travel in LOGIN */
		{"LOGIN", NULL, "pw", 2},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sasl_secret *s = sasl_secret_new(bad[i].secret, bad[i].len);
		struct sasl_creds cr = {.user = bad[i].user, .secret = s};
		imap_cmd_init(&c, &opts);
		int r = sasl_begin(&st, sasl_mech_by_name(bad[i].mech), &cr, true, "a1", &c);
		assert_true(r == IMAP_ENC_INVALID || r == IMAP_ENC_BAD_CHAR);
		imap_cmd_free(&c);
		sasl_secret_free(&s);
	}
	/* no secret at all */
	struct sasl_creds none = {.user = "joe"};
	imap_cmd_init(&c, &opts);
	assert_int_equal(sasl_begin(&st, sasl_mech_by_name("PLAIN"), &none, true, "a1", &c), IMAP_ENC_INVALID);
	imap_cmd_free(&c);
	imap_cmd_init(&c, &opts);
	assert_int_equal(sasl_begin(&st, NULL, &none, true, "a1", &c), IMAP_ENC_INVALID);
	imap_cmd_free(&c);
	/* a token with a bad tag still fails in the encoder, never on the wire */
	struct sasl_secret *s = sasl_secret_new("tok", 3);
	struct sasl_creds cr = {.user = "joe", .secret = s};
	imap_cmd_init(&c, &opts);
	assert_int_equal(sasl_begin(&st, sasl_mech_by_name("XOAUTH2"), &cr, true, "a\r\n1", &c), IMAP_ENC_BAD_CHAR);
	imap_cmd_free(&c);
	sasl_secret_free(&s);
}

static void test_chooser(void **state)
{
	const char *why = NULL;
	const char *gmail[] = {"IMAP4rev1", "AUTH=XOAUTH2", "AUTH=PLAIN", "AUTH=OAUTHBEARER", "SASL-IR", NULL};
	const char *xoauth_only[] = {"IMAP4rev1", "AUTH=XOAUTH2", "AUTH=PLAIN", NULL};
	const char *plain_only[] = {"IMAP4rev1", "auth=plain", NULL};
	const char *bare[] = {"IMAP4rev1", NULL};
	const char *pre_tls[] = {"IMAP4rev1", "STARTTLS", "LOGINDISABLED", NULL};

	/* default order, by credential kind */
	assert_int_equal(sasl_choose(NULL, 0, true, has_cap, gmail, &why)->id, SASL_MECH_OAUTHBEARER);
	assert_int_equal(sasl_choose(NULL, 0, true, has_cap, xoauth_only, &why)->id, SASL_MECH_XOAUTH2);
	assert_int_equal(sasl_choose(NULL, 0, false, has_cap, gmail, &why)->id, SASL_MECH_PLAIN);
	assert_int_equal(sasl_choose(NULL, 0, false, has_cap, plain_only, &why)->id, SASL_MECH_PLAIN);
	assert_int_equal(sasl_choose(NULL, 0, false, has_cap, bare, &why)->id, SASL_MECH_LOGIN);
	why = NULL;
	assert_null(sasl_choose(NULL, 0, true, has_cap, plain_only, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, "OAuth"));
	/* LOGINDISABLED forbids LOGIN; with no AUTH= either there is nothing to use */
	why = NULL;
	assert_null(sasl_choose(NULL, 0, false, has_cap, pre_tls, &why));
	assert_non_null(strstr(why, "LOGINDISABLED"));
	/* configured order wins over the table's */
	const char *pref[] = {"login", "plain"};
	assert_int_equal(sasl_choose(pref, 2, false, has_cap, gmail, &why)->id, SASL_MECH_LOGIN);
	const char *pref2[] = {"xoauth2", "oauthbearer"};
	assert_int_equal(sasl_choose(pref2, 2, true, has_cap, gmail, &why)->id, SASL_MECH_XOAUTH2);
	/* configured mechanisms that do not fit */
	why = NULL;
	assert_null(sasl_choose(pref2, 2, false, has_cap, gmail, &why));
	assert_non_null(strstr(why, "token"));
	const char *bogus[] = {"CRAM-MD5"};
	why = NULL;
	assert_null(sasl_choose(bogus, 1, false, has_cap, gmail, &why));
	assert_non_null(strstr(why, "unknown"));
	const char *oauth_cfg[] = {"oauthbearer"};
	why = NULL;
	assert_null(sasl_choose(oauth_cfg, 1, true, has_cap, xoauth_only, &why));
	assert_non_null(strstr(why, "configured"));
	/* the table itself */
	size_t n;
	const struct sasl_mech *t = sasl_mechs(&n);
	assert_int_equal(n, SASL_MECH_COUNT);
	for (size_t i = 1; i < n; i++)
		assert_true(t[i - 1].preference < t[i].preference);
	assert_null(t[SASL_MECH_LOGIN].capability);
	assert_true(t[SASL_MECH_XOAUTH2].uses_token);
	assert_null(sasl_mech_by_name("NTLM"));
}

static void test_secret_object(void **state)
{
	struct sasl_secret *s = sasl_secret_new("abc\0def", 7);
	assert_non_null(s);
	assert_int_equal(sasl_secret_len(s), 7);
	assert_memory_equal(sasl_secret_data(s), "abc\0def", 8); /* NUL-terminated too */
	sasl_secret_free(&s);
	assert_null(s);
	s = sasl_secret_new(NULL, 0);
	assert_non_null(s);
	assert_string_equal(sasl_secret_data(s), "");
	sasl_secret_free(&s);
	assert_int_equal(sasl_secret_len(NULL), 0);
	sasl_secret_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_rfc4616),
		cmocka_unit_test(test_oauthbearer_rfc7628),
		cmocka_unit_test(test_oauthbearer_escaping_and_options),
		cmocka_unit_test(test_xoauth2_google),
		cmocka_unit_test(test_login_command),
		cmocka_unit_test(test_refuses_bad_credentials),
		cmocka_unit_test(test_chooser),
		cmocka_unit_test(test_secret_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
