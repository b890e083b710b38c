/* net_tls — OpenSSL driven by poll: setup, verification with reasons in words, pinning, the
 * handshake and record I/O mapped onto the loop's read/write interest.
 *
 * The SSL object talks to the socket through a small BIO of our own (send with MSG_NOSIGNAL, so a
 * dead peer gives EPIPE and never SIGPIPE; and it counts wire bytes). After a failed handshake
 * the SSL object is freed without SSL_shutdown: the only thing ever written after a refusal is the
 * alert OpenSSL sends during the handshake itself. */
#include "config.h"

#include "net_int.h"
#include "ascii.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define SKUA_BIO_TYPE ((BIO_TYPE_START + 42) | BIO_TYPE_SOURCE_SINK)

/* ---- fingerprints ---- */

int net_parse_pin(const char *s, unsigned char out[32])
{
	size_t n = 0;
	int hi = -1;
	for (; *s; s++) {
		if (*s == ':' || *s == ' ') {
			if (hi >= 0)
				return -1; /* a separator inside a byte */
			continue;
		}
		int v = ascii_hexval((unsigned char)*s);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == 32)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	return n == 32 && hi < 0 ? 0 : -1;
}

void net_format_sha256(const unsigned char sha[32], char out[96])
{
	static const char hex[] = "0123456789ABCDEF";
	char *p = out;
	for (int i = 0; i < 32; i++) {
		if (i)
			*p++ = ':';
		*p++ = hex[sha[i] >> 4];
		*p++ = hex[sha[i] & 15];
	}
	*p = '\0';
}

/* ---- the socket BIO ---- */

static int bio_write(BIO *b, const char *p, int n)
{
	struct net *c = BIO_get_data(b);
	BIO_clear_retry_flags(b);
	for (;;) {
		ssize_t r = send(c->fd, p, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r >= 0) {
			c->st.wire_out += (uint64_t)r;
			return (int)r;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			BIO_set_retry_write(b);
		return -1;
	}
}

static int bio_read(BIO *b, char *p, int n)
{
	struct net *c = BIO_get_data(b);
	BIO_clear_retry_flags(b);
	for (;;) {
		ssize_t r = recv(c->fd, p, (size_t)n, MSG_DONTWAIT);
		if (r >= 0) {
			c->st.wire_in += (uint64_t)r;
			return (int)r;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			BIO_set_retry_read(b);
		return -1;
	}
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* ---- verification ---- */

static void asn1_time_text(const ASN1_TIME *t, char *out, size_t outlen)
{
	out[0] = '\0';
	BIO *m = BIO_new(BIO_s_mem());
	if (!m)
		return;
	if (t && ASN1_TIME_print(m, t)) {
		int n = BIO_read(m, out, (int)outlen - 1);
		out[n > 0 ? n : 0] = '\0';
	}
	BIO_free(m);
}

/* The DNS/IP names a certificate holds, for "it is valid for …". */
static void cert_names(X509 *cert, char *out, size_t outlen)
{
	out[0] = '\0';
	size_t len = 0;
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char one[64] = "";
		if (g->type == GEN_DNS) {
			const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
			int dl = ASN1_STRING_length(g->d.dNSName);
			snprintf(one, sizeof one, "%.*s", dl < 60 ? dl : 60, (const char *)d);
		} else if (g->type == GEN_IPADD) {
			int al = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
			if (al == 4 || al == 16)
				inet_ntop(al == 4 ? AF_INET : AF_INET6, a, one, sizeof one);
		}
		/* printable ASCII only: the name comes from the peer */
		for (char *q = one; *q; q++)
			if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
				*q = '?';
		if (one[0] && len + strlen(one) + 3 < outlen)
			len += (size_t)snprintf(out + len, outlen - len, "%s%s", len ? ", " : "", one);
	}
	GENERAL_NAMES_free(gens);
	if (!out[0]) {
		X509_NAME *subj = X509_get_subject_name(cert);
		int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
		if (idx >= 0) {
			ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx));
			int dl = ASN1_STRING_length(cn);
			snprintf(out, outlen, "CN=%.*s", dl < 100 ? dl : 100,
				 (const char *)ASN1_STRING_get0_data(cn));
		}
	}
}

static void record_failure(struct net *c, X509_STORE_CTX *store, int err, X509 *cert)
{
	c->verr = err;
	c->vsubject[0] = c->vdate[0] = c->vnames[0] = '\0';
	if (!cert)
		return;
	X509_NAME_oneline(X509_get_subject_name(cert), c->vsubject, sizeof c->vsubject);
	if (err == X509_V_ERR_CERT_HAS_EXPIRED)
		asn1_time_text(X509_get0_notAfter(cert), c->vdate, sizeof c->vdate);
	else if (err == X509_V_ERR_CERT_NOT_YET_VALID)
		asn1_time_text(X509_get0_notBefore(cert), c->vdate, sizeof c->vdate);
	else if (err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH)
		cert_names(cert, c->vnames, sizeof c->vnames);
	(void)store;
}

static int verify_cb(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct net *c = ssl ? SSL_get_app_data(ssl) : NULL;
	if (!c)
		return ok;
	int depth = X509_STORE_CTX_get_error_depth(store);
	X509 *cert = X509_STORE_CTX_get_current_cert(store);
	if (depth == 0 && cert) {
		unsigned int len = 0;
		if (X509_digest(cert, EVP_sha256(), c->leaf_sha, &len) && len == 32)
			c->have_leaf = true;
	}
	if (c->have_pin) {
		/* the pin alone decides, on the leaf */
		if (depth > 0)
			return 1;
		if (c->have_leaf && memcmp(c->leaf_sha, c->pin, 32) == 0) {
			c->pin_mismatch = false;
			return 1;
		}
		c->pin_mismatch = true;
		X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	if (!c->verify)
		return 1;
	if (!ok && !c->verr)
		record_failure(c, store, X509_STORE_CTX_get_error(store), cert);
	return ok;
}

static void describe_cert_error(struct net *c, const char *name, long code, char *out, size_t outlen)
{
	const char *subj = c->vsubject[0] ? c->vsubject : "?";
	switch (code) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		snprintf(out, outlen, "the certificate has expired (not valid after %s; %s)",
			 c->vdate[0] ? c->vdate : "?", subj);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		snprintf(out, outlen, "the certificate is not yet valid (not before %s; %s)",
			 c->vdate[0] ? c->vdate : "?", subj);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		snprintf(out, outlen, "the certificate is self-signed and not trusted (%s); pin its "
			 "fingerprint to accept it", subj);
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		snprintf(out, outlen, "the chain ends in a self-signed root that is not trusted (%s)", subj);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		snprintf(out, outlen, "the certificate was issued by an unknown CA (unable to get local "
			 "issuer certificate for %s)", subj);
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
		snprintf(out, outlen, "wrong host name: expected \"%s\" but the certificate is for %s", name,
			 c->vnames[0] ? c->vnames : "other names");
		break;
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		snprintf(out, outlen, "wrong address: expected %s but the certificate is for %s", name,
			 c->vnames[0] ? c->vnames : "other names");
		break;
	case X509_V_ERR_CERT_REVOKED:
		snprintf(out, outlen, "the certificate has been revoked (%s)", subj);
		break;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		snprintf(out, outlen, "the certificate's signature is invalid (%s)", subj);
		break;
	case X509_V_ERR_INVALID_PURPOSE:
		snprintf(out, outlen, "the certificate is not meant for a TLS server (%s)", subj);
		break;
	default:
		snprintf(out, outlen, "%s (%s)", X509_verify_cert_error_string(code), subj);
		break;
	}
}

static const char *verify_name(const struct net *c)
{
	return c->tls_name ? c->tls_name : c->host;
}

static bool is_ip_literal(const char *s)
{
	unsigned char tmp[16];
	return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

static void ssl_errors(char *out, size_t outlen)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, out, outlen);
	else
		snprintf(out, outlen, "unknown error");
	ERR_clear_error();
}

int net_tls_setup(struct net *c)
{
	char why[256];
	ERR_clear_error();
	c->verr = 0;
	c->have_leaf = c->pin_mismatch = false;
	c->tls_wlen = 0;
	c->sslctx = SSL_CTX_new(TLS_client_method());
	if (!c->sslctx)
		goto nomem;
	SSL_CTX_set_min_proto_version(c->sslctx, TLS1_2_VERSION);
	long opts = SSL_OP_NO_COMPRESSION;
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	opts |= SSL_OP_IGNORE_UNEXPECTED_EOF; /* servers often close after BYE without close_notify */
#endif
#ifdef SSL_OP_NO_RENEGOTIATION
	opts |= SSL_OP_NO_RENEGOTIATION;
#endif
	SSL_CTX_set_options(c->sslctx, opts);
	SSL_CTX_set_mode(c->sslctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_clear_mode(c->sslctx, SSL_MODE_AUTO_RETRY);
	if (c->ca_file) {
		if (SSL_CTX_load_verify_locations(c->sslctx, c->ca_file, NULL) != 1) {
			ssl_errors(why, sizeof why);
			net_fail(c, NET_ERR_INVALID, "cannot load CA file %s: %s", c->ca_file, why);
			return -1;
		}
	} else if (SSL_CTX_set_default_verify_paths(c->sslctx) != 1) {
		ssl_errors(why, sizeof why);
		net_fail(c, NET_ERR_TLS, "cannot load the system's trusted certificates: %s", why);
		return -1;
	}
	c->ssl = SSL_new(c->sslctx);
	c->biometh = BIO_meth_new(SKUA_BIO_TYPE, "skua socket");
	if (!c->ssl || !c->biometh)
		goto nomem;
	BIO_meth_set_write(c->biometh, bio_write);
	BIO_meth_set_read(c->biometh, bio_read);
	BIO_meth_set_ctrl(c->biometh, bio_ctrl);
	BIO_meth_set_create(c->biometh, bio_create);
	BIO *bio = BIO_new(c->biometh);
	if (!bio)
		goto nomem;
	BIO_set_data(bio, c);
	SSL_set_bio(c->ssl, bio, bio);
	SSL_set_app_data(c->ssl, c);
	SSL_set_verify(c->ssl, SSL_VERIFY_PEER, verify_cb);

	const char *name = verify_name(c);
	bool ip = is_ip_literal(name);
	if (!ip && SSL_set_tlsext_host_name(c->ssl, name) != 1)
		goto nomem;
	if (c->verify && !c->have_pin) {
		if (ip) {
			if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name) != 1)
				goto nomem;
		} else {
			SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (SSL_set1_host(c->ssl, name) != 1)
				goto nomem;
		}
	}
	SSL_set_connect_state(c->ssl);
	return 0;
nomem:
	ssl_errors(why, sizeof why);
	net_fail(c, NET_ERR_NOMEM, "cannot set up TLS: %s", why);
	return -1;
}

static void handshake_failed(struct net *c, int sslerr, int ret, int sys_errno)
{
	char why[320];
	const char *name = verify_name(c);
	long vr = c->ssl ? SSL_get_verify_result(c->ssl) : X509_V_OK;
	long code = c->verr ? c->verr : vr;
	if (c->have_pin && c->pin_mismatch) {
		char got[96] = "none";
		if (c->have_leaf)
			net_format_sha256(c->leaf_sha, got);
		ERR_clear_error();
		net_fail(c, NET_ERR_CERT, "certificate of %s refused: its SHA-256 fingerprint %s does not match "
			 "the pinned one", name, got);
		return;
	}
	if (c->verify && !c->have_pin && code != X509_V_OK) {
		describe_cert_error(c, name, code, why, sizeof why);
		ERR_clear_error();
		net_fail(c, NET_ERR_CERT, "certificate of %s refused: %s", name, why);
		return;
	}
	if ((sslerr == SSL_ERROR_SYSCALL || sslerr == SSL_ERROR_ZERO_RETURN) && ERR_peek_error() == 0) {
		ERR_clear_error();
		if (ret == 0 || sys_errno == 0)
			net_fail(c, NET_ERR_TLS, "%s closed the connection during the TLS handshake", name);
		else
			net_fail(c, NET_ERR_TLS, "TLS handshake with %s failed: %s", name, strerror(sys_errno));
		return;
	}
	ssl_errors(why, sizeof why);
	net_fail(c, NET_ERR_TLS, "TLS handshake with %s failed: %s", name, why);
}

int net_tls_handshake(struct net *c)
{
	ERR_clear_error();
	errno = 0;
	int r = SSL_connect(c->ssl);
	int sys_errno = errno;
	if (r == 1) {
		/* belt and braces: the callback already refused these */
		if (c->have_pin && (!c->have_leaf || memcmp(c->leaf_sha, c->pin, 32) != 0)) {
			c->pin_mismatch = true;
			handshake_failed(c, SSL_ERROR_SSL, r, 0);
			return -1;
		}
		if (c->verify && !c->have_pin) {
			long vr = SSL_get_verify_result(c->ssl);
			X509 *peer =
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
				SSL_get1_peer_certificate(c->ssl);
#else
				SSL_get_peer_certificate(c->ssl);
#endif
			X509_free(peer);
			if (vr != X509_V_OK || !peer) {
				if (vr == X509_V_OK)
					vr = X509_V_ERR_UNSPECIFIED;
				c->verr = (int)vr;
				handshake_failed(c, SSL_ERROR_SSL, r, 0);
				return -1;
			}
		}
		c->hs_wait = NW_NONE;
		return 1;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ) {
		c->hs_wait = NW_READ;
		return 0;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		c->hs_wait = NW_WRITE;
		return 0;
	}
	handshake_failed(c, e, r, sys_errno);
	return -1;
}

ssize_t net_tls_read(struct net *c, char *p, size_t n)
{
	ERR_clear_error();
	errno = 0;
	int r = SSL_read(c->ssl, p, n > INT_MAX ? INT_MAX : (int)n);
	if (r > 0)
		return r;
	int sys_errno = errno;
	int e = SSL_get_error(c->ssl, r);
	char why[256];
	switch (e) {
	case SSL_ERROR_WANT_READ:
		return NET_IO_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		c->read_wants_write = true;
		return NET_IO_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return NET_IO_EOF;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0 && (r == 0 || sys_errno == 0))
			return NET_IO_EOF; /* closed without close_notify: IMAP is self-delimiting */
		ERR_clear_error();
		net_fail(c, NET_ERR_IO, "reading from %s failed: %s", c->host,
			 sys_errno ? strerror(sys_errno) : "connection lost");
		return NET_IO_FAIL;
	default:
		ssl_errors(why, sizeof why);
		net_fail(c, NET_ERR_TLS, "TLS error reading from %s: %s", c->host, why);
		return NET_IO_FAIL;
	}
}

ssize_t net_tls_write(struct net *c, const char *p, size_t n)
{
	int len = n > 16384 ? 16384 : (int)n;
	if (c->tls_wlen > len) /* a retry must offer at least what was offered before */
		len = c->tls_wlen;
	ERR_clear_error();
	errno = 0;
	int r = SSL_write(c->ssl, p, len);
	if (r > 0) {
		c->tls_wlen = 0;
		return r;
	}
	int sys_errno = errno;
	int e = SSL_get_error(c->ssl, r);
	char why[256];
	switch (e) {
	case SSL_ERROR_WANT_WRITE:
		c->tls_wlen = len;
		c->wblock = NW_WRITE;
		return NET_IO_AGAIN;
	case SSL_ERROR_WANT_READ:
		c->tls_wlen = len;
		c->wblock = NW_READ;
		return NET_IO_AGAIN;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		net_fail(c, NET_ERR_IO, "writing to %s failed: %s", c->host,
			 sys_errno ? strerror(sys_errno) : "connection lost");
		return NET_IO_FAIL;
	default:
		ssl_errors(why, sizeof why);
		net_fail(c, NET_ERR_TLS, "TLS error writing to %s: %s", c->host, why);
		return NET_IO_FAIL;
	}
}

bool net_tls_has_pending(const struct net *c)
{
	return c->ssl && SSL_has_pending(c->ssl);
}

void net_tls_free(struct net *c, bool notify)
{
	if (c->ssl) {
		if (notify) {
			ERR_clear_error();
			(void)SSL_shutdown(c->ssl); /* one try at close_notify; never waits */
		}
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->biometh) {
		BIO_meth_free(c->biometh);
		c->biometh = NULL;
	}
	if (c->sslctx) {
		SSL_CTX_free(c->sslctx);
		c->sslctx = NULL;
	}
	ERR_clear_error();
}
