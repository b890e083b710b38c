/*
 * sasl — IMAP authentication mechanisms as a table, a chooser, and the exchange steps.
 * No I/O: the session sends what these functions build and feeds back what the server says.
 *
 * Mechanisms (preference order when none is configured):
 *   OAUTHBEARER (RFC 7628)  token   "n,a=U,\x01host=H\x01port=P\x01auth=Bearer T\x01\x01"
 *   XOAUTH2 (Google)        token   "user=U\x01auth=Bearer T\x01\x01"
 *   PLAIN (RFC 4616)        password "authzid\0user\0password"
 *   LOGIN                   password: the IMAP LOGIN command (not AUTH=LOGIN)
 * A token mechanism is only chosen with a token, a password one only with a password.
 *
 * The exchange:
 *   1. sasl_choose() picks a mechanism the server's CAPABILITY offers (AUTH=..., and
 *      LOGINDISABLED forbids LOGIN).
 *   2. sasl_begin() builds the first command into a struct imap_cmd: "tag LOGIN u p", or
 *      "tag AUTHENTICATE M <initial response>" with SASL-IR, else "tag AUTHENTICATE M".
 *      Credentials in it are redacted (see encode.h): log it through imap_cmd_trace() only.
 *      A LOGIN whose password needs a literal has sync points like any command.
 *   3. For each "+ <text>" continuation of an AUTHENTICATE, sasl_step() builds the reply line
 *      (CRLF included) and says whether it is secret (*redact). OAuth failure challenges
 *      (base64 JSON) are answered as the mechanism requires — XOAUTH2 with an empty line,
 *      OAUTHBEARER with "AQ==" (RFC 7628 §3.2.3) — and the server then sends the tagged NO.
 *      A challenge a mechanism does not expect is answered with "*" (cancel).
 *   4. On the tagged NO, sasl_should_refresh_token() says whether to run the token command
 *      again and retry once (the session keeps the "once").
 *
 * Secrets: a struct sasl_secret holds a password or token; its memory is wiped when freed.
 * The session must wipe reply buffers from sasl_step() with sasl_buf_wipe() after sending.
 * The secret is used exactly as given (a trailing newline from password_command must be
 * trimmed by the caller).
 */
#ifndef SKUA_IMAP_SASL_H
#define SKUA_IMAP_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "imap/encode.h"

/* ---- secrets ---- */
struct sasl_secret;
/* Copies p[0..n). NULL on allocation failure. */
struct sasl_secret *sasl_secret_new(const void *p, size_t n);
const char *sasl_secret_data(const struct sasl_secret *s); /* NUL-terminated too */
size_t sasl_secret_len(const struct sasl_secret *s);
/* Wipes and frees; NULL-safe; sets *s to NULL. */
void sasl_secret_free(struct sasl_secret **s);
/* Wipes a buf's whole allocation and frees it. */
void sasl_buf_wipe(struct buf *b);

/* ---- mechanisms ---- */
enum sasl_mech_id {
	SASL_MECH_OAUTHBEARER,
	SASL_MECH_XOAUTH2,
	SASL_MECH_PLAIN,
	SASL_MECH_LOGIN,
	SASL_MECH_COUNT,
};

struct sasl_creds {
	const char *user;                 /* authentication identity */
	const char *authzid;              /* PLAIN authorisation identity, or NULL */
	const struct sasl_secret *secret; /* password or OAuth access token */
	const char *host;                 /* OAUTHBEARER host=, or NULL to leave out */
	unsigned port;                    /* OAUTHBEARER port=, or 0 to leave out */
};

struct sasl_state;

struct sasl_mech {
	enum sasl_mech_id id;
	const char *name;       /* as configured and in AUTHENTICATE: "PLAIN"; "LOGIN" */
	const char *capability; /* "AUTH=PLAIN"; NULL for the LOGIN command */
	int preference;         /* lower first */
	bool uses_token;        /* OAuth access token rather than a password */
	bool client_first;      /* has an initial response (sent with SASL-IR) */
	/* Builds the client's response to a decoded challenge (the initial response when
	 * challenge is NULL) into out (raw bytes, before base64). Returns an imap_enc_result. */
	int (*respond)(struct sasl_state *st, const unsigned char *challenge, size_t n,
		       struct buf *out);
};

/* The table, in preference order; *n gets its length. */
const struct sasl_mech *sasl_mechs(size_t *n);
/* Case-insensitive: "plain", "XOAUTH2", ... NULL if unknown. */
const struct sasl_mech *sasl_mech_by_name(const char *name);

/* Does the server have this capability (e.g. "AUTH=PLAIN", "LOGINDISABLED", "SASL-IR")? */
typedef bool (*sasl_has_cap_fn)(void *ctx, const char *cap);

/* Picks the first of preferred[0..n) (names; NULL or n = 0: the table's order) that suits the
 * credential kind (have_token) and that the server offers. NULL if none: *why (if given) then
 * holds a static message saying why. */
const struct sasl_mech *sasl_choose(const char *const *preferred, size_t n, bool have_token,
				    sasl_has_cap_fn has, void *ctx, const char **why);

/* ---- the exchange ---- */
struct sasl_state {
	const struct sasl_mech *mech;
	const struct sasl_creds *creds; /* borrowed: must outlive the exchange */
	unsigned steps;                 /* continuations answered */
	bool sent_initial;              /* the credentials went out */
	bool failure_challenge;         /* the server sent an OAuth error challenge */
	char detail[256];               /* that challenge, decoded, printable ASCII only */
};

/* Builds the first command into c (initialised by the caller with its encoder options, not
 * started). sasl_ir: the server offers SASL-IR. Returns an imap_enc_result (IMAP_ENC_INVALID
 * for credentials the mechanism cannot carry, e.g. a NUL-free rule broken or no secret). */
int sasl_begin(struct sasl_state *st, const struct sasl_mech *m, const struct sasl_creds *cr,
	       bool sasl_ir, const char *tag, struct imap_cmd *c);

/* Answers the continuation whose text (after "+ ", without CRLF) is text[0..n). The reply line
 * is appended to out (pass an empty buf: growing one with content could leave copies), CRLF
 * included. *redact: the reply carries credentials. Returns an
 * imap_enc_result; for LOGIN (whose continuations are literal sync points, not SASL) it
 * returns IMAP_ENC_INVALID. */
int sasl_step(struct sasl_state *st, const char *text, size_t n, struct buf *out, bool *redact);

/* After a tagged NO to the AUTHENTICATE: true if the mechanism uses a token and the failure
 * looks like a bad or expired token (an error challenge, or response code NULL /
 * AUTHENTICATIONFAILED / AUTHORIZATIONFAILED / EXPIRED). Not for UNAVAILABLE, LIMIT, etc. */
bool sasl_should_refresh_token(const struct sasl_state *st, const char *resp_code);

#endif
