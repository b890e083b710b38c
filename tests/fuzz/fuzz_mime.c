/*
 * fuzz_mime — libFuzzer target for the src/mail decoders: RFC 2047 words, RFC 2231 parameters,
 * quoted-printable (one-shot against byte-dripped: they must agree), base64 through
 * mime_decode_part, charset conversion, format=flowed, html2text, header blocks and structured
 * values, and a MIME tree built from the input bytes (display choice, attachments). The first
 * byte picks the charset label and flags; the rest is the input.
 *
 * Not wired into make. Build from a configured build directory (for config.h), e.g.:
 *   cd /tmp/b && /path/to/skua/configure -q && S=/path/to/skua
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -I$S/src \
 *     $S/tests/fuzz/fuzz_mime.c $S/src/buf.c $S/src/base64.c $S/src/mail/charset.c \
 *     $S/src/mail/qp.c $S/src/mail/rfc2047.c $S/src/mail/rfc2231.c $S/src/mail/flowed.c \
 *     $S/src/mail/html2text.c $S/src/mail/mime.c -o fuzz_mime
 *   cp -r $S/tests/unit/data/mime corpus
 *   ./fuzz_mime -max_total_time=60 -max_len=65536 corpus
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/charset.h"
#include "mail/flowed.h"
#include "mail/html2text.h"
#include "mail/mime.h"
#include "mail/qp.h"
#include "mail/rfc2047.h"
#include "mail/rfc2231.h"

static const char *const labels[] = {NULL, "utf-8", "iso-8859-1", "us-ascii", "shift_jis", "iso-2022-jp",
				     "gb2312", "ks_c_5601-1987", "koi8-r", "utf-16", "utf-7", "x-bogus",
				     "big5", "euc-jp", "windows-1251", "ISO-8859-8-I"};

/* A BODYSTRUCTURE-like tree made from input bytes, for the tree code. */
struct gen {
	const uint8_t *p;
	size_t n, used;
	struct imap_body pool[600];
	struct imap_param params[600];
};

static uint8_t take(struct gen *g)
{
	return g->n ? (g->n--, *g->p++) : 0;
}

static const char *const types[][2] = {{"text", "plain"}, {"text", "html"}, {"multipart", "mixed"},
				       {"multipart", "alternative"}, {"multipart", "related"},
				       {"message", "rfc822"}, {"image", "png"}, {"application", "pdf"},
				       {"multipart", "signed"}, {"TEXT", "CALENDAR"}};
static const char *const names[] = {"filename", "name", "filename*", "filename*0*", "filename*1", "start",
				    "charset", "format"};
static const char *const values[] = {"../x", "=?utf-8?q?a=C3?=", "utf-8''%E2%82", "<c>", "flowed", "",
				     "\xff\x80"};

static struct imap_body *gen_body(struct gen *g, unsigned depth)
{
	if (g->used >= sizeof g->pool / sizeof g->pool[0])
		return NULL;
	struct imap_body *b = &g->pool[g->used++];
	memset(b, 0, sizeof *b);
	uint8_t t = take(g);
	const char *const *ty = types[t % (sizeof types / sizeof types[0])];
	b->type = (struct imap_str){ty[0], strlen(ty[0])};
	b->subtype = (struct imap_str){ty[1], strlen(ty[1])};
	b->size = take(g);
	if (t & 0x80) {
		b->disposition = (struct imap_str){"attachment", 10};
		struct imap_param *pp = &g->params[g->used - 1];
		uint8_t k = take(g);
		pp->name = (struct imap_str){names[k % 8], strlen(names[k % 8])};
		pp->value = (struct imap_str){values[(k >> 3) % 7], strlen(values[(k >> 3) % 7])};
		b->disposition_params = (struct imap_params){1, pp};
	}
	if (t & 0x40)
		b->id = (struct imap_str){"<c>", 3};
	if (strcmp(ty[0], "multipart") == 0) {
		b->kind = IMAP_BODY_MULTIPART;
		size_t nparts = depth < 30 ? take(g) % 8 : 0;
		if (nparts == 0)
			return b;
		/* children must be contiguous: build them, then copy into a fresh run */
		struct imap_body *kids[8];
		size_t got = 0;
		for (size_t i = 0; i < nparts; i++) {
			kids[got] = gen_body(g, depth + 1);
			if (kids[got])
				got++;
		}
		if (g->used + got > sizeof g->pool / sizeof g->pool[0])
			return b;
		struct imap_body *run = &g->pool[g->used];
		for (size_t i = 0; i < got; i++)
			run[i] = *kids[i];
		g->used += got;
		b->parts = run;
		b->n_parts = got;
	} else if (strcmp(ty[0], "message") == 0) {
		b->kind = IMAP_BODY_MESSAGE;
		if (depth < 30)
			b->body = gen_body(g, depth + 1);
	} else {
		b->kind = strcasecmp(ty[0], "text") == 0 ? IMAP_BODY_TEXT : IMAP_BODY_BASIC;
	}
	return b;
}

static void fuzz_tree(const uint8_t *p, size_t n)
{
	static struct gen g;
	g.p = p;
	g.n = n;
	g.used = 0;
	struct mime_limits lim = {2 + take(&g) % 40, 1 + take(&g) % 12};
	struct imap_body *root = gen_body(&g, 0);
	if (!root)
		return;
	struct mime_tree *t = mime_tree_from_imap(root, &lim);
	if (!t)
		abort();
	if (t->n_parts > lim.max_parts + lim.max_depth + 1)
		abort();
	const struct mime_part *shown[64];
	(void)mime_display_parts(t->root, p[0] & 1, shown, 64);
	struct mime_attachment att[64];
	size_t na = mime_attachments(t, p[0] & 2, att, 64);
	for (size_t i = 0; i < na; i++)
		if (!att[i].name[0] || strchr(att[i].name, '/'))
			abort();
	mime_tree_free(&t);
}

static void check_utf8(const struct buf *b)
{
	if (!charset_utf8_valid(buf_data(b), buf_len(b)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_headers(const char *in, size_t n, struct buf *b)
{
	struct mime_header_iter it;
	const char *name, *value;
	size_t nl, vl;
	mime_header_iter_init(&it, in, n);
	while (mime_header_next(&it, &name, &nl, &value, &vl)) {
		if (mime_header_decode(b, value, vl) == BUF_OK)
			check_utf8(b);
		buf_reset(b);
		(void)!mime_header_unfold(b, value, vl);
		buf_reset(b);
		struct mime_hvalue hv;
		if (mime_parse_hvalue(&hv, value, vl) == BUF_OK) {
			bool found;
			for (size_t k = 0; k < hv.n_params; k++) {
				char pname[64];
				size_t pl = hv.params[k].name_len < sizeof pname - 1 ? hv.params[k].name_len : sizeof pname - 1;
				memcpy(pname, hv.params[k].name, pl);
				pname[pl] = '\0';
				char *star = strchr(pname, '*');
				if (star)
					*star = '\0';
				if (rfc2231_param_get(b, hv.params, hv.n_params, pname, &found) == BUF_OK)
					check_utf8(b);
				buf_reset(b);
			}
		}
		mime_hvalue_free(&hv);
	}
}

static void fuzz_qp(const char *in, size_t n, struct buf *b, struct buf *c)
{
	/* one-shot and dripped must agree */
	struct qp_decoder d;
	qp_decoder_init(&d);
	enum buf_result r1 = qp_decode(b, in, n), r2 = BUF_OK;
	for (size_t i = 0; i < n && r2 == BUF_OK; i++)
		r2 = qp_decoder_update(&d, c, in + i, 1);
	if (r2 == BUF_OK)
		r2 = qp_decoder_finish(&d, c);
	if (r1 == BUF_OK && r2 == BUF_OK &&
	    (buf_len(b) != buf_len(c) || memcmp(buf_data(b), buf_data(c), buf_len(b)) != 0))
		abort();
}

static void fuzz_filename(const char *in, size_t n)
{
	/* safe names never hold a path separator, a leading dot or a control character */
	char fn[MIME_NAME_MAX + 1];
	size_t fl = mime_safe_filename(fn, sizeof fn, in, n, 1, "application", "pdf");
	if (fl == 0 || fl > MIME_NAME_MAX || memchr(fn, '/', fl) || memchr(fn, '\\', fl) || fn[0] == '.' ||
	    !charset_utf8_valid(fn, fl))
		abort();
	for (size_t i = 0; i < fl; i++)
		if ((unsigned char)fn[i] < 0x20 || fn[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned sel = data[0];
	const char *in = (const char *)data + 1;
	size_t n = size - 1;
	const char *label = labels[(sel >> 3) % (sizeof labels / sizeof labels[0])];
	struct buf b, c;
	buf_init(&b, 1 << 20);
	buf_init(&c, 1 << 20);

	switch (sel & 7) { /* one decoder per input keeps executions fast */
	case 0:
		if (rfc2047_decode(&b, in, n) == BUF_OK)
			check_utf8(&b);
		fuzz_filename(in, n);
		break;
	case 1:
		fuzz_qp(in, n, &b, &c);
		break;
	case 2:
		if (charset_to_utf8(&b, label, label ? strlen(label) : 0, in, n) == BUF_OK)
			check_utf8(&b);
		break;
	case 3:
		(void)!flowed_decode(&b, in, n, sel & 0x80);
		break;
	case 4:
		if (html2text(&b, in, n, sel & 0x80 ? HTML2TEXT_NO_LINKS : 0) == BUF_OK)
			check_utf8(&b);
		break;
	case 5: {
		enum mime_encoding enc = (enum mime_encoding)((sel >> 3) % 6);
		unsigned flags = (sel >> 6) & 3;
		if (mime_decode_part(&b, in, n, enc, label, flags) == BUF_OK)
			check_utf8(&b);
		break;
	}
	case 6:
		fuzz_headers(in, n, &b);
		break;
	case 7:
		fuzz_tree(data, size);
		break;
	}
	buf_free(&b);
	buf_free(&c);
	return 0;
}
