/* sasl — LOGIN, PLAIN, XOAUTH2, OAUTHBEARER as a table; chooser; exchange; see sasl.h. */
#include "config.h"

#include "imap/sasl.h"
#include "base64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- secrets ---------------------------------------------------------------------------- */

struct sasl_secret {
	size_t n;
	char data[]; /* n bytes and a NUL */
};

struct sasl_secret *sasl_secret_new(const void *p, size_t n)
{
	if (n > SIZE_MAX - sizeof(struct sasl_secret) - 1)
		return NULL;
	struct sasl_secret *s = malloc(sizeof *s + n + 1);
	if (!s)
		return NULL;
	s->n = n;
	if (n)
		memcpy(s->data, p, n);
	s->data[n] = '\0';
	return s;
}

const char *sasl_secret_data(const struct sasl_secret *s)
{
	return s ? s->data : "";
}

size_t sasl_secret_len(const struct sasl_secret *s)
{
	return s ? s->n : 0;
}

void sasl_secret_free(struct sasl_secret **sp)
{
	if (!sp || !*sp)
		return;
	imap_wipe(*sp, sizeof **sp + (*sp)->n + 1);
	free(*sp);
	*sp = NULL;
}

void sasl_buf_wipe(struct buf *b)
{
	imap_wipe(b->mem, b->size);
	buf_free(b);
}

/* ---- mechanisms ------------------------------------------------------------------------- */

enum { RESP_OK = 0, RESP_CANCEL = 1 };

/* Appends to a buf whose room was reserved up front, so nothing is reallocated and left
 * behind unwiped (the reservation also means these appends do not fail). */
static bool put(struct buf *out, const void *p, size_t n)
{
	return buf_append(out, p, n) == BUF_OK;
}

static bool has_ctl(const char *s, size_t n, bool allow_8bit)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || (!allow_8bit && c >= 0x80))
			return true;
	}
	return false;
}

static int plain_respond(struct sasl_state *st, const unsigned char *ch, size_t n,
			 struct buf *out)
{
	const struct sasl_creds *cr = st->creds;
	if (ch)
		return RESP_CANCEL; /* PLAIN has no server challenge after the response */
	const char *az = cr->authzid ? cr->authzid : "";
	size_t azn = strlen(az), un = strlen(cr->user), pn = sasl_secret_len(cr->secret);
	if (memchr(sasl_secret_data(cr->secret), '\0', pn))
		return IMAP_ENC_INVALID;
	if (!buf_reserve(out, azn + un + pn + 2))
		return IMAP_ENC_NOMEM;
	bool ok = put(out, az, azn) && put(out, "", 1) && put(out, cr->user, un) &&
		  put(out, "", 1) && put(out, sasl_secret_data(cr->secret), pn);
	return ok ? RESP_OK : IMAP_ENC_NOMEM;
}

static int xoauth2_respond(struct sasl_state *st, const unsigned char *ch, size_t n,
			   struct buf *out)
{
	const struct sasl_creds *cr = st->creds;
	if (ch)
		return RESP_OK; /* an error challenge: the answer is an empty response */
	const char *tok = sasl_secret_data(cr->secret);
	size_t un = strlen(cr->user), tn = sasl_secret_len(cr->secret);
	if (has_ctl(cr->user, un, true) || has_ctl(tok, tn, false))
		return IMAP_ENC_INVALID;
	if (!buf_reserve(out, un + tn + 24))
		return IMAP_ENC_NOMEM;
	bool ok = put(out, "user=", 5) && put(out, cr->user, un) &&
		  put(out, "\x01" "auth=Bearer ", 13) && put(out, tok, tn) && put(out, "\x01\x01", 2);
	return ok ? RESP_OK : IMAP_ENC_NOMEM;
}

static int oauthbearer_respond(struct sasl_state *st, const unsigned char *ch, size_t n,
			       struct buf *out)
{
	const struct sasl_creds *cr = st->creds;
	if (ch) /* RFC 7628 §3.2.3: after an error challenge the client sends a lone %x01 */
		return buf_append(out, "\x01", 1) == BUF_OK ? RESP_OK : IMAP_ENC_NOMEM;
	const char *user = cr->user ? cr->user : "";
	const char *host = cr->host ? cr->host : "";
	const char *tok = sasl_secret_data(cr->secret);
	size_t un = strlen(user), hn = strlen(host), tn = sasl_secret_len(cr->secret);
	char port[16] = "";
	if (cr->port)
		snprintf(port, sizeof port, "%u", cr->port);
	if (has_ctl(user, un, true) || has_ctl(host, hn, false) || has_ctl(tok, tn, false))
		return IMAP_ENC_INVALID;
	/* saslname escapes ',' and '=' as =2C and =3D (each 3 bytes) */
	if (!buf_reserve(out, un * 3 + hn + tn + strlen(port) + 48))
		return IMAP_ENC_NOMEM;
	bool ok = put(out, "n,", 2);
	if (un) {
		ok = ok && put(out, "a=", 2);
		for (size_t i = 0; i < un && ok; i++) {
			if (user[i] == ',')
				ok = put(out, "=2C", 3);
			else if (user[i] == '=')
				ok = put(out, "=3D", 3);
			else
				ok = put(out, user + i, 1);
		}
	}
	ok = ok && put(out, ",\x01", 2);
	if (hn)
		ok = ok && put(out, "host=", 5) && put(out, host, hn) && put(out, "\x01", 1);
	if (*port)
		ok = ok && put(out, "port=", 5) && put(out, port, strlen(port)) && put(out, "\x01", 1);
	ok = ok && put(out, "auth=Bearer ", 12) && put(out, tok, tn) && put(out, "\x01\x01", 2);
	return ok ? RESP_OK : IMAP_ENC_NOMEM;
}

static const struct sasl_mech mechs[SASL_MECH_COUNT] = {
	{SASL_MECH_OAUTHBEARER, "OAUTHBEARER", "AUTH=OAUTHBEARER", 10, true, true, oauthbearer_respond},
	{SASL_MECH_XOAUTH2, "XOAUTH2", "AUTH=XOAUTH2", 20, true, true, xoauth2_respond},
	{SASL_MECH_PLAIN, "PLAIN", "AUTH=PLAIN", 30, false, true, plain_respond},
	{SASL_MECH_LOGIN, "LOGIN", NULL, 40, false, false, NULL},
};

const struct sasl_mech *sasl_mechs(size_t *n)
{
	if (n)
		*n = SASL_MECH_COUNT;
	return mechs;
}

const struct sasl_mech *sasl_mech_by_name(const char *name)
{
	for (size_t i = 0; name && i < SASL_MECH_COUNT; i++)
		if (strcasecmp(mechs[i].name, name) == 0)
			return &mechs[i];
	return NULL;
}

const struct sasl_mech *sasl_choose(const char *const *preferred, size_t n, bool have_token,
				    sasl_has_cap_fn has, void *ctx, const char **why)
{
	const char *reason = have_token ? "the server offers no OAuth mechanism (AUTH=OAUTHBEARER "
					  "or AUTH=XOAUTH2)"
					: "the server offers no password mechanism";
	bool use_table = !preferred || n == 0;
	size_t count = use_table ? SASL_MECH_COUNT : n;
	if (!use_table)
		reason = "the server offers none of the configured mechanisms";
	for (size_t i = 0; i < count; i++) {
		const struct sasl_mech *m = use_table ? &mechs[i] : sasl_mech_by_name(preferred[i]);
		if (!m) {
			reason = "unknown authentication mechanism in the configuration";
			continue;
		}
		if (m->uses_token != have_token) {
			if (!use_table)
				reason = have_token ? "the configured mechanism needs a password, not a token"
						    : "the configured mechanism needs an OAuth token";
			continue;
		}
		if (m->id == SASL_MECH_LOGIN) {
			if (has(ctx, "LOGINDISABLED")) {
				reason = "the server refuses LOGIN here (LOGINDISABLED)";
				continue;
			}
			return m;
		}
		if (has(ctx, m->capability))
			return m;
	}
	if (why)
		*why = reason;
	return NULL;
}

/* ---- the exchange ----------------------------------------------------------------------- */

/* Raw response bytes → base64 into a fresh buf of exactly the right size (no stray copies). */
static int encode_response(const struct buf *raw, struct buf *b64)
{
	size_t len = base64_encoded_len(buf_len(raw));
	char *dst = buf_reserve(b64, len);
	if (!dst)
		return IMAP_ENC_NOMEM;
	buf_commit(b64, base64_encode_raw(dst, buf_data(raw), buf_len(raw)));
	return IMAP_ENC_OK;
}

static bool creds_ok(const struct sasl_mech *m, const struct sasl_creds *cr)
{
	if (!cr || !cr->secret)
		return false;
	if (m->id == SASL_MECH_OAUTHBEARER)
		return true; /* the user (a=) may be left out */
	return cr->user && *cr->user;
}

int sasl_begin(struct sasl_state *st, const struct sasl_mech *m, const struct sasl_creds *cr,
	       bool sasl_ir, const char *tag, struct imap_cmd *c)
{
	memset(st, 0, sizeof *st);
	st->mech = m;
	st->creds = cr;
	if (!m || !creds_ok(m, cr)) {
		if (!c->err)
			c->err = IMAP_ENC_INVALID;
		return c->err;
	}
	if (m->id == SASL_MECH_LOGIN) {
		imap_cmd_start(c, tag, "LOGIN");
		imap_cmd_add_astring(c, cr->user);
		imap_cmd_redact_begin(c);
		imap_cmd_add_astring_n(c, sasl_secret_data(cr->secret), sasl_secret_len(cr->secret));
		imap_cmd_redact_end(c);
		st->sent_initial = true;
		return imap_cmd_finish(c);
	}
	imap_cmd_start(c, tag, "AUTHENTICATE");
	imap_cmd_add_atom(c, m->name);
	if (sasl_ir && m->client_first && !imap_cmd_error(c)) {
		struct buf raw, b64;
		buf_init(&raw, 1 << 20);
		buf_init(&b64, 2 << 20);
		int r = m->respond(st, NULL, 0, &raw);
		if (r == RESP_OK)
			r = encode_response(&raw, &b64);
		if (r == IMAP_ENC_OK) {
			imap_cmd_redact_begin(c);
			/* RFC 4959: an empty initial response is sent as "=" */
			imap_cmd_add_raw(c, buf_len(&b64) ? buf_data(&b64) : "=");
			imap_cmd_redact_end(c);
			st->sent_initial = true;
		} else if (!c->err) {
			c->err = r == RESP_CANCEL ? IMAP_ENC_INVALID : r;
		}
		sasl_buf_wipe(&raw);
		sasl_buf_wipe(&b64);
	}
	return imap_cmd_finish(c);
}

static void set_detail(struct sasl_state *st, const struct buf *dec, bool ok)
{
	size_t o = 0;
	if (!ok) {
		snprintf(st->detail, sizeof st->detail, "(undecodable challenge)");
		return;
	}
	for (size_t i = 0; i < buf_len(dec) && o + 1 < sizeof st->detail; i++) {
		unsigned char ch = (unsigned char)buf_data(dec)[i];
		st->detail[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	st->detail[o] = '\0';
}

static int put_line(struct buf *out, const struct buf *b64)
{
	if (!buf_reserve(out, buf_len(b64) + 2))
		return IMAP_ENC_NOMEM;
	if (!put(out, buf_data(b64), buf_len(b64)) || !put(out, "\r\n", 2))
		return IMAP_ENC_NOMEM;
	return IMAP_ENC_OK;
}

int sasl_step(struct sasl_state *st, const char *text, size_t n, struct buf *out, bool *redact)
{
	const struct sasl_mech *m = st->mech;
	*redact = false;
	if (!m || !m->respond)
		return IMAP_ENC_INVALID;
	st->steps++;
	struct buf dec, raw, b64;
	buf_init(&dec, 64 * 1024);
	buf_init(&raw, 1 << 20);
	buf_init(&b64, 2 << 20);
	int r;
	if (!st->sent_initial) {
		/* no SASL-IR: the server's first (empty) challenge asks for the initial response */
		r = m->respond(st, NULL, 0, &raw);
		*redact = true;
		st->sent_initial = r == RESP_OK;
	} else if (st->failure_challenge) {
		r = RESP_CANCEL; /* a second challenge after the error one: give up */
	} else {
		bool ok = base64_decode(&dec, text, n, BASE64_STRICT) == BASE64_OK;
		r = m->uses_token ? RESP_OK : RESP_CANCEL;
		if (m->uses_token) {
			st->failure_challenge = true;
			set_detail(st, &dec, ok);
			r = m->respond(st, (const unsigned char *)buf_data(&dec), buf_len(&dec), &raw);
		}
	}
	if (r == RESP_CANCEL) {
		*redact = false;
		r = buf_append(out, "*\r\n", 3) == BUF_OK ? IMAP_ENC_OK : IMAP_ENC_NOMEM;
	} else if (r == RESP_OK) {
		r = encode_response(&raw, &b64);
		if (r == IMAP_ENC_OK)
			r = put_line(out, &b64);
	}
	sasl_buf_wipe(&dec);
	sasl_buf_wipe(&raw);
	sasl_buf_wipe(&b64);
	return r;
}

bool sasl_should_refresh_token(const struct sasl_state *st, const char *resp_code)
{
	if (!st->mech || !st->mech->uses_token)
		return false;
	if (!resp_code)
		return true;
	static const char *const token_codes[] = {"AUTHENTICATIONFAILED", "AUTHORIZATIONFAILED",
						  "EXPIRED"};
	for (size_t i = 0; i < sizeof token_codes / sizeof token_codes[0]; i++)
		if (strcasecmp(resp_code, token_codes[i]) == 0)
			return true;
	return false;
}
