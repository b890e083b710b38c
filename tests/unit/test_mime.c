/* Unit tests for src/mail/mime: the part tree from BODYSTRUCTURE (sections, bounds), what is
 * shown, attachments and safe names, part decoding, raw header blocks. */
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

#include "mail/charset.h"
#include "imap/parser.h"
#include "mail/mime.h"

/* ---- building struct imap_body by hand -------------------------------------------------------- */

static struct imap_str str(const char *s)
{
	return (struct imap_str){s, s ? strlen(s) : 0};
}

static struct imap_body leaf(const char *type, const char *sub, const char *enc, uint32_t size)
{
	struct imap_body b;
	memset(&b, 0, sizeof b);
	b.kind = strcasecmp(type, "text") == 0 ? IMAP_BODY_TEXT
		 : strcasecmp(type, "message") == 0 && strcasecmp(sub, "rfc822") == 0 ? IMAP_BODY_MESSAGE
										: IMAP_BODY_BASIC;
	b.type = str(type);
	b.subtype = str(sub);
	b.encoding = str(enc);
	b.size = size;
	return b;
}

static struct imap_body multi(const char *sub, const struct imap_body *parts, size_t n)
{
	struct imap_body b;
	memset(&b, 0, sizeof b);
	b.kind = IMAP_BODY_MULTIPART;
	b.type = str("MULTIPART");
	b.subtype = str(sub);
	b.parts = parts;
	b.n_parts = n;
	return b;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct mime_part *find(const struct mime_part *p, const char *section, const char *type)
{
	if (strcmp(p->section, section) == 0 && (!type || strcmp(p->type, type) == 0))
		return p;
	for (const struct mime_part *c = p->child; c; c = c->next) {
		const struct mime_part *r = find(c, section, type);
		if (r)
			return r;
	}
	return NULL;
}

/* ---- the tree --------------------------------------------------------------------------------- */

static void test_single_part(void **state)
{
	(void)state;
	struct imap_param cp[] = {{str("CHARSET"), str("ISO-8859-1")}, {str("format"), str("Flowed")},
				  {str("DelSp"), str("Yes")}};
	struct imap_body b = leaf("TEXT", "PLAIN", "QUOTED-PRINTABLE", 1234);
	b.params = (struct imap_params){N(cp), cp};
	b.lines = 40;
	struct mime_tree *t = mime_tree_from_imap(&b, NULL);
	assert_non_null(t);
	const struct mime_part *r = t->root;
	assert_int_equal(t->n_parts, 1);
	assert_false(t->truncated);
	assert_string_equal(r->type, "text");
	assert_string_equal(r->subtype, "plain");
	assert_string_equal(r->section, "1");
	assert_string_equal(r->fetch, "1");
	assert_string_equal(r->mime_section, "HEADER");
	assert_string_equal(r->charset, "ISO-8859-1");
	assert_int_equal(r->encoding, MIME_ENC_QP);
	assert_true(r->flowed);
	assert_true(r->delsp);
	assert_int_equal(r->size, 1234);
	assert_int_equal(r->lines, 40);
	assert_ptr_equal(mime_choose_display(r, false), r);
	struct mime_attachment att[4];
	assert_int_equal(mime_attachments(t, false, att, 4), 0);
	assert_int_equal(mime_part_text_flags(r, true), MIME_TEXT_FLOWED | MIME_TEXT_DELSP);
	mime_tree_free(&t);
	assert_null(t);
	mime_tree_free(&t); /* NULL-safe */
	assert_null(mime_tree_from_imap(NULL, NULL));
}

static void test_mixed_alternative_attachments(void **state)
{
	(void)state;
	struct imap_body alt[2] = {leaf("text", "plain", "7bit", 10), leaf("text", "html", "base64", 20)};
	struct imap_param pdfp[] = {{str("name"), str("ignored.pdf")}};
	struct imap_param pdfd[] = {{str("filename*0*"), str("UTF-8''%E2%82%AC%20")},
				    {str("filename*1"), str("rates.pdf")}};
	struct imap_param imgp[] = {{str("name"), str("=?UTF-8?B?w7wucGRm?=")}};
	struct imap_body parts[3];
	parts[0] = multi("ALTERNATIVE", alt, 2);
	parts[1] = leaf("APPLICATION", "PDF", "BASE64", 5000);
	parts[1].params = (struct imap_params){N(pdfp), pdfp};
	parts[1].disposition = str("ATTACHMENT");
	parts[1].disposition_params = (struct imap_params){N(pdfd), pdfd};
	parts[2] = leaf("image", "png", "base64", 300);
	parts[2].params = (struct imap_params){N(imgp), imgp};
	parts[2].disposition = str("inline");
	parts[2].id = str("<img1@x>");
	parts[2].description = str("=?iso-8859-1?q?Bild_=FC?=");
	struct imap_body root = multi("mixed", parts, 3);

	struct mime_tree *t = mime_tree_from_imap(&root, NULL);
	assert_non_null(t);
	assert_int_equal(t->n_parts, 6);
	const struct mime_part *r = t->root;
	assert_string_equal(r->section, "");
	assert_string_equal(r->fetch, "TEXT");
	assert_string_equal(r->mime_section, "HEADER");
	const struct mime_part *plain = find(r, "1.1", NULL), *html = find(r, "1.2", NULL);
	const struct mime_part *pdf = find(r, "2", NULL), *img = find(r, "3", NULL);
	assert_non_null(plain);
	assert_non_null(html);
	assert_string_equal(plain->fetch, "1.1");
	assert_string_equal(plain->mime_section, "1.1.MIME");
	assert_string_equal(find(r, "1", NULL)->mime_section, "1.MIME");
	assert_string_equal(pdf->name, "\u20ac rates.pdf");
	assert_int_equal(pdf->disposition, MIME_DISP_ATTACHMENT);
	assert_string_equal(img->name, "\u00fc.pdf");
	assert_string_equal(img->content_id, "img1@x");
	assert_string_equal(img->description, "Bild \u00fc");
	assert_string_equal(img->charset, "");

	assert_ptr_equal(mime_choose_display(r, false), plain);
	assert_ptr_equal(mime_choose_display(r, true), html);
	assert_int_equal(mime_part_text_flags(html, true), MIME_TEXT_HTML);
	assert_int_equal(mime_part_text_flags(html, false), 0);

	struct mime_attachment att[8];
	size_t na = mime_attachments(t, false, att, 8);
	assert_int_equal(na, 2); /* the html alternative is not an attachment */
	assert_ptr_equal(att[0].part, pdf);
	assert_string_equal(att[0].name, "\u20ac rates.pdf");
	assert_ptr_equal(att[1].part, img);
	assert_string_equal(att[1].name, "\u00fc.pdf");
	assert_int_equal(mime_attachments(t, false, att, 1), 1); /* bounded by max */
	mime_tree_free(&t);
}

static void test_nested_message_sections(void **state)
{
	(void)state;
	/* 1 text; 2 message { alternative [2.1, 2.2] }; 3 message { text 3.1 };
	 * 4 mixed [4.1 text, 4.2 message { mixed [4.2.1, 4.2.2 message { html 4.2.2.1 }] }] */
	struct imap_body alt2[2] = {leaf("text", "plain", "7bit", 1), leaf("text", "html", "7bit", 1)};
	struct imap_body body2 = multi("alternative", alt2, 2);
	struct imap_body body3 = leaf("text", "plain", "7bit", 1);
	struct imap_body body422 = leaf("text", "html", "7bit", 1);
	struct imap_body in42[2] = {leaf("text", "plain", "7bit", 1), leaf("message", "rfc822", "7bit", 9)};
	in42[1].body = &body422;
	struct imap_body body42 = multi("mixed", in42, 2);
	struct imap_body p4[2] = {leaf("text", "plain", "7bit", 1), leaf("message", "rfc822", "7bit", 9)};
	p4[1].body = &body42;
	struct imap_envelope env = {0};
	env.subject = str("=?utf-8?q?Fwd=3A_caf=C3=A9?=");
	struct imap_body parts[4] = {leaf("text", "plain", "7bit", 1), leaf("message", "rfc822", "7bit", 9),
				     leaf("message", "rfc822", "7bit", 9), multi("mixed", p4, 2)};
	parts[1].body = &body2;
	parts[1].envelope = &env;
	parts[2].body = &body3;
	parts[2].disposition = str("attachment");
	struct imap_body root = multi("mixed", parts, 4);

	struct mime_tree *t = mime_tree_from_imap(&root, NULL);
	assert_non_null(t);
	const struct mime_part *r = t->root;
	const struct mime_part *m2 = find(r, "2", "message");
	assert_non_null(m2);
	assert_string_equal(m2->fetch, "2");
	assert_string_equal(m2->mime_section, "2.MIME");
	assert_string_equal(m2->subject, "Fwd: caf\u00e9");
	const struct mime_part *b2 = m2->child;
	assert_non_null(b2);
	assert_string_equal(b2->type, "multipart");
	assert_string_equal(b2->section, "2");
	assert_string_equal(b2->fetch, "2.TEXT");
	assert_string_equal(b2->mime_section, "2.HEADER");
	assert_string_equal(find(r, "2.2", NULL)->subtype, "html");
	assert_string_equal(find(r, "2.1", NULL)->mime_section, "2.1.MIME");
	const struct mime_part *t31 = find(r, "3.1", NULL);
	assert_non_null(t31);
	assert_string_equal(t31->fetch, "3.1");
	assert_string_equal(t31->mime_section, "3.HEADER");
	assert_non_null(find(r, "4.1", NULL));
	const struct mime_part *b42 = find(r, "4.2", "multipart");
	assert_non_null(b42);
	assert_string_equal(b42->fetch, "4.2.TEXT");
	assert_string_equal(find(r, "4.2.1", NULL)->mime_section, "4.2.1.MIME");
	const struct mime_part *deep = find(r, "4.2.2.1", NULL);
	assert_non_null(deep);
	assert_string_equal(deep->subtype, "html");
	assert_string_equal(deep->mime_section, "4.2.2.HEADER");
	assert_int_equal(deep->depth, 5);

	/* shown: 1, 2.1 (inline forwarded message), not 3 (an attachment), 4.1, 4.2.1, 4.2.2.1 */
	const struct mime_part *shown[16];
	size_t ns = mime_display_parts(r, false, shown, 16);
	assert_int_equal(ns, 5);
	assert_string_equal(shown[0]->section, "1");
	assert_string_equal(shown[1]->section, "2.1");
	assert_string_equal(shown[2]->section, "4.1");
	assert_string_equal(shown[3]->section, "4.2.1");
	assert_string_equal(shown[4]->section, "4.2.2.1");
	assert_int_equal(mime_display_parts(r, false, shown, 2), 2);

	/* the attached message is listed (named from nothing: no subject), the shown ones are not */
	struct mime_attachment att[8];
	size_t na = mime_attachments(t, false, att, 8);
	assert_int_equal(na, 1);
	assert_ptr_equal(att[0].part, find(r, "3", "message"));
	assert_string_equal(att[0].name, "attachment-1.eml");
	mime_tree_free(&t);

	/* with a subject, an attached message is named after it (safely) */
	struct imap_envelope env3 = {0};
	env3.subject = str("=?utf-8?q?Re=3A_Q3/Q4_r=C3=A9sum=C3=A9?=");
	parts[2].envelope = &env3;
	t = mime_tree_from_imap(&root, NULL);
	assert_non_null(t);
	assert_int_equal(mime_attachments(t, false, att, 8), 1);
	assert_string_equal(att[0].name, "Q4 r\u00e9sum\u00e9.eml");
	mime_tree_free(&t);

	/* a message whose whole body is message/rfc822 */
	struct imap_body inner_parts[2] = {leaf("text", "plain", "7bit", 1), leaf("image", "gif", "base64", 1)};
	struct imap_body inner = multi("mixed", inner_parts, 2);
	struct imap_body top = leaf("message", "rfc822", "7bit", 100);
	top.body = &inner;
	top.envelope = &env;
	t = mime_tree_from_imap(&top, NULL);
	assert_non_null(t);
	assert_string_equal(t->root->section, "1");
	assert_string_equal(t->root->child->fetch, "1.TEXT");
	assert_string_equal(find(t->root, "1.2", NULL)->subtype, "gif");
	na = mime_attachments(t, false, att, 8);
	assert_int_equal(na, 1);
	assert_string_equal(att[0].name, "attachment-1.gif");
	mime_tree_free(&t);
}

static void test_ten_thousand_parts_bounded(void **state)
{
	(void)state;
	size_t n = 10000;
	struct imap_body *parts = calloc(n, sizeof *parts);
	assert_non_null(parts);
	for (size_t i = 0; i < n; i++)
		parts[i] = leaf("application", "octet-stream", "base64", 10);
	struct imap_body root = multi("mixed", parts, n);
	struct mime_tree *t = mime_tree_from_imap(&root, NULL);
	assert_non_null(t);
	assert_true(t->truncated);
	assert_true(t->n_parts <= MIME_MAX_PARTS + MIME_MAX_DEPTH);
	assert_int_equal(t->root->n_children, MIME_MAX_PARTS - 1);
	const struct mime_part *last = t->root->child;
	while (last->next)
		last = last->next;
	assert_true(last->unparsed);
	assert_string_equal(last->type, "text");
	assert_string_equal(last->fetch, "TEXT");
	/* it stands for the 9,502 parts left: their sizes added up */
	assert_int_equal(last->size, (n - (MIME_MAX_PARTS - 2)) * 10);
	/* the unparsed rest is shown as raw text; the others are attachments */
	assert_ptr_equal(mime_choose_display(t->root, false), last);
	struct mime_attachment *att = calloc(MIME_MAX_PARTS, sizeof *att);
	assert_non_null(att);
	assert_int_equal(mime_attachments(t, false, att, MIME_MAX_PARTS), MIME_MAX_PARTS - 2);
	assert_string_equal(att[0].name, "attachment-1.bin");
	free(att);
	mime_tree_free(&t);

	/* small custom limit, nested: at most max_parts plus one per level */
	struct imap_body inner = multi("mixed", parts, 50);
	struct imap_body outer_parts[3] = {inner, leaf("text", "plain", "7bit", 1), leaf("text", "plain", "7bit", 1)};
	struct imap_body outer = multi("mixed", outer_parts, 3);
	struct mime_limits lim = {5, 10};
	t = mime_tree_from_imap(&outer, &lim);
	assert_non_null(t);
	assert_true(t->truncated);
	assert_true(t->n_parts <= 5 + 2);
	const struct mime_part *u = find(t->root, "1", "text");
	assert_non_null(u); /* the rest of part 1's children: shown as the raw text of part 1 */
	assert_true(u->unparsed);
	mime_tree_free(&t);
	free(parts);
}

static void test_deep_nesting_bounded(void **state)
{
	(void)state;
	enum { DEPTH = 40 };
	struct imap_body chain[DEPTH + 1];
	chain[DEPTH] = leaf("text", "plain", "7bit", 3);
	for (int i = DEPTH - 1; i >= 0; i--)
		chain[i] = multi("mixed", &chain[i + 1], 1);
	struct mime_tree *t = mime_tree_from_imap(&chain[0], NULL);
	assert_non_null(t);
	assert_true(t->truncated);
	assert_int_equal(t->n_parts, MIME_MAX_DEPTH + 2);
	const struct mime_part *p = t->root;
	while (p->child)
		p = p->child;
	assert_true(p->unparsed);
	assert_int_equal(p->depth, MIME_MAX_DEPTH + 1);
	/* section "1.1.....1" with MIME_MAX_DEPTH + 1 components, fetched as a whole */
	assert_int_equal(strlen(p->section), 2 * (MIME_MAX_DEPTH + 1) - 1);
	assert_string_equal(p->fetch, p->section);
	assert_ptr_equal(mime_choose_display(t->root, false), p);
	mime_tree_free(&t);
}

static void test_related_signed_encrypted(void **state)
{
	(void)state;
	struct imap_param relp[] = {{str("type"), str("text/html")}, {str("start"), str("<root@x>")}};
	struct imap_body rel[3] = {leaf("image", "png", "base64", 1), leaf("text", "html", "qp", 1),
				   leaf("image", "gif", "base64", 1)};
	rel[1].id = str("<root@x>");
	struct imap_body alt[2] = {leaf("text", "plain", "7bit", 1), multi("related", rel, 3)};
	alt[1].params = (struct imap_params){N(relp), relp};
	struct imap_body signed_parts[2] = {multi("alternative", alt, 2), leaf("application", "pgp-signature", "7bit", 1)};
	struct imap_body root = multi("signed", signed_parts, 2);
	struct mime_tree *t = mime_tree_from_imap(&root, NULL);
	assert_non_null(t);
	assert_string_equal(mime_choose_display(t->root, false)->section, "1.1");
	assert_string_equal(mime_choose_display(t->root, true)->section, "1.2.2"); /* start= */
	struct mime_attachment att[8];
	/* plain shown: the related images belong to the hidden rendering; the signature is listed */
	size_t na = mime_attachments(t, false, att, 8);
	assert_int_equal(na, 1);
	assert_string_equal(att[0].part->section, "2");
	assert_string_equal(att[0].name, "attachment-1.asc");
	/* html shown: its images are listed */
	na = mime_attachments(t, true, att, 8);
	assert_int_equal(na, 3);
	assert_string_equal(att[0].part->section, "1.2.1");
	assert_string_equal(att[1].part->section, "1.2.3");
	mime_tree_free(&t);

	struct imap_body enc[2] = {leaf("application", "pgp-encrypted", "7bit", 1),
				   leaf("application", "octet-stream", "7bit", 1)};
	struct imap_body e = multi("encrypted", enc, 2);
	t = mime_tree_from_imap(&e, NULL);
	assert_null(mime_choose_display(t->root, false));
	assert_int_equal(mime_attachments(t, false, att, 8), 2);
	mime_tree_free(&t);

	/* alternative without text/plain falls back to html, and related without start to the first */
	struct imap_body onlyhtml[1] = {leaf("text", "html", "7bit", 1)};
	struct imap_body a2 = multi("alternative", onlyhtml, 1);
	t = mime_tree_from_imap(&a2, NULL);
	assert_string_equal(mime_choose_display(t->root, false)->subtype, "html");
	mime_tree_free(&t);
}

static void test_odd_bodystructures(void **state)
{
	(void)state;
	/* missing type, subtype, encoding; multipart with no parts; message/rfc822 without body */
	struct imap_body odd[4];
	memset(odd, 0, sizeof odd);
	odd[0].kind = IMAP_BODY_BASIC;
	odd[1] = leaf("text", "", "x-uuencode", 1);
	odd[2] = multi("", NULL, 0);
	odd[3] = leaf("message", "rfc822", "7bit", 5);
	odd[3].type = str("MESSAGE");
	struct imap_body weird_type = leaf("Te\x01xt\xff", "PL AIN", "\"base64\"", 1);
	struct imap_body root_parts[5] = {odd[0], odd[1], odd[2], odd[3], weird_type};
	struct imap_body root = multi(NULL, root_parts, 5);
	struct mime_tree *t = mime_tree_from_imap(&root, NULL);
	assert_non_null(t);
	assert_string_equal(t->root->subtype, "mixed");
	const struct mime_part *p1 = find(t->root, "1", NULL), *p2 = find(t->root, "2", NULL);
	assert_string_equal(p1->type, "application");
	assert_string_equal(p1->subtype, "octet-stream");
	assert_string_equal(p2->subtype, "plain");
	assert_int_equal(p2->encoding, MIME_ENC_UNKNOWN);
	assert_string_equal(find(t->root, "3", NULL)->subtype, "mixed");
	assert_null(find(t->root, "4", NULL)->child);
	const struct mime_part *p5 = find(t->root, "5", NULL);
	assert_string_equal(p5->type, "te_xt_");
	assert_string_equal(p5->subtype, "pl_ain");
	assert_int_equal(p5->encoding, MIME_ENC_BASE64);
	mime_tree_free(&t);
	assert_int_equal(mime_encoding_parse("Quoted-Printable", 16), MIME_ENC_QP);
	assert_int_equal(mime_encoding_parse(" 8BIT ", 6), MIME_ENC_8BIT);
	assert_int_equal(mime_encoding_parse("", 0), MIME_ENC_7BIT);
	assert_int_equal(mime_encoding_parse("binary", 6), MIME_ENC_BINARY);
}

/* ---- safe names ------------------------------------------------------------------------------- */

static void expect_name(const char *in, size_t len, const char *want)
{
	char out[MIME_NAME_MAX + 1];
	size_t n = mime_safe_filename(out, sizeof out, in, len, 7, "application", "pdf");
	assert_int_equal(n, strlen(out));
	if (strcmp(out, want) != 0)
		fail_msg("safe name of \"%s\" = \"%s\", want \"%s\"", in ? in : "(null)", out, want);
}

#define NAME(lit, want) expect_name(lit, sizeof(lit) - 1, want)

static void test_safe_filenames(void **state)
{
	(void)state;
	NAME("report.pdf", "report.pdf");
	NAME("../../etc/passwd", "passwd");
	NAME("..\\..\\windows\\win.ini", "win.ini");
	NAME("/absolute/path/x.txt", "x.txt");
	NAME(".bashrc", "bashrc");
	NAME("...", "attachment-7.pdf");
	NAME("..", "attachment-7.pdf");
	NAME("dir/", "attachment-7.pdf");
	NAME("-rf", "rf");
	NAME(" spaced name.doc  ", "spaced name.doc");
	NAME("trailing dots...", "trailing dots");
	NAME("esc\x1b[31mred\x07.txt", "esc[31mred.txt");
	NAME("new\nline\r.txt", "newline.txt");
	NAME("nul\0byte.txt", "nulbyte.txt");
	NAME("c1\xc2\x9bx.txt", "c1x.txt");
	NAME("invoice\xe2\x80\xae" "fdp.exe", "invoicefdp.exe"); /* RIGHT-TO-LEFT OVERRIDE */
	NAME("bad\xff" "utf8.txt", "bad\ufffdutf8.txt");
	NAME("", "attachment-7.pdf");
	expect_name(NULL, 0, "attachment-7.pdf");
	/* too long: cut on a character boundary, extension kept */
	char lng[1200];
	size_t n = 0;
	for (int i = 0; i < 300; i++) {
		memcpy(lng + n, "\xe6\x97\xa5", 3);
		n += 3;
	}
	memcpy(lng + n, ".pdf", 4);
	n += 4;
	char out[MIME_NAME_MAX + 1];
	size_t len = mime_safe_filename(out, sizeof out, lng, n, 1, "application", "pdf");
	assert_true(len <= MIME_NAME_MAX);
	assert_true(charset_utf8_valid(out, len));
	assert_string_equal(out + len - 4, ".pdf");
	assert_true(len >= MIME_NAME_MAX - 3);
	/* fallbacks by type */
	mime_safe_filename(out, sizeof out, NULL, 0, 3, "text", "html");
	assert_string_equal(out, "attachment-3.html");
	mime_safe_filename(out, sizeof out, NULL, 0, 4, "text", "x-whatever");
	assert_string_equal(out, "attachment-4.txt");
	mime_safe_filename(out, sizeof out, NULL, 0, 5, "model", "x");
	assert_string_equal(out, "attachment-5.bin");
}

static void test_filename_params_through_tree(void **state)
{
	(void)state;
	struct imap_param d1[] = {{str("filename"), str("../../etc/passwd")}};
	struct imap_param d2[] = {{str("filename"), str("=?UTF-8?B?Li4vLi4v0J7RgtGH0ZHRgi5wZGY=?=")}};
	struct imap_param d3[] = {{str("filename*1"), str("b.txt")}, {str("filename*0"), str("../a")}};
	struct imap_param p4[] = {{str("name"), str("\x93quoted\x94.doc")}};
	struct imap_body parts[5] = {leaf("text", "plain", "7bit", 1), leaf("application", "x", "base64", 1),
				     leaf("application", "x", "base64", 1), leaf("application", "x", "base64", 1),
				     leaf("application", "msword", "base64", 1)};
	parts[1].disposition = str("attachment");
	parts[1].disposition_params = (struct imap_params){N(d1), d1};
	parts[2].disposition = str("attachment");
	parts[2].disposition_params = (struct imap_params){N(d2), d2};
	parts[3].disposition = str("attachment");
	parts[3].disposition_params = (struct imap_params){N(d3), d3};
	parts[4].params = (struct imap_params){N(p4), p4};
	struct imap_body root = multi("mixed", parts, 5);
	struct mime_tree *t = mime_tree_from_imap(&root, NULL);
	struct mime_attachment att[8];
	assert_int_equal(mime_attachments(t, false, att, 8), 4);
	assert_string_equal(att[0].name, "passwd");
	assert_string_equal(att[1].name, "\u041e\u0442\u0447\u0451\u0442.pdf");
	assert_string_equal(att[2].name, "ab.txt");
	assert_string_equal(att[3].name, "\u201cquoted\u201d.doc");
	/* the display name keeps what the sender wrote */
	assert_string_equal(att[0].part->name, "../../etc/passwd");
	mime_tree_free(&t);
}

/* ---- decoding parts --------------------------------------------------------------------------- */

static char *slurp(const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/unit/data/mime/%s", TOP_SRCDIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	char *data = malloc(1 << 20);
	assert_non_null(data);
	*len = fread(data, 1, (1 << 20) - 1, f);
	data[*len] = '\0';
	fclose(f);
	return data;
}

static char *dec(const char *raw, size_t n, enum mime_encoding enc, const char *cs, unsigned flags)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(mime_decode_part(&b, raw, n, enc, cs, flags), BUF_OK);
	assert_true(charset_utf8_valid(buf_data(&b), buf_len(&b)));
	char *s = buf_steal(&b);
	assert_non_null(s);
	return s;
}

#define DEC(lit, enc, cs, flags, want)                                                             \
	do {                                                                                       \
		char *s_ = dec(lit, sizeof(lit) - 1, enc, cs, flags);                              \
		assert_string_equal(s_, want);                                                     \
		free(s_);                                                                          \
	} while (0)

static void test_decode_part(void **state)
{
	(void)state;
	size_t n;
	char *b64 = slurp("body-broken-base64.txt", &n);
	char *s = dec(b64, n, MIME_ENC_BASE64, "us-ascii", 0);
	assert_string_equal(s, "Hello, world!");
	free(s);
	/* every truncation of the broken base64: no crash, always a prefix of the full text */
	for (size_t cut = 0; cut <= n; cut++) {
		s = dec(b64, cut, MIME_ENC_BASE64, "us-ascii", 0);
		assert_memory_equal(s, "Hello, world!", strlen(s));
		free(s);
	}
	free(b64);
	/* concatenated base64 blocks each with padding */
	DEC("SGk=SGk=", MIME_ENC_BASE64, NULL, 0, "HiHi");
	/* QP + mislabelled ISO-8859-1 + CRLF */
	DEC("=93Hi=94 =80=\r\n5\r\nnext\rline", MIME_ENC_QP, "iso-8859-1", 0, "\u201cHi\u201d \u20ac5\nnext\nline");
	DEC("caf\xe9", MIME_ENC_8BIT, "x-unknown-charset", 0, "caf\ufffd");
	DEC("caf\xe9", MIME_ENC_8BIT, NULL, 0, "caf\u00e9");
	DEC("flowed \r\ntext\r\n", MIME_ENC_7BIT, "utf-8", MIME_TEXT_FLOWED, "flowed text\n");
	DEC("del \r\nsp\r\n", MIME_ENC_7BIT, "utf-8", MIME_TEXT_FLOWED | MIME_TEXT_DELSP, "delsp\n");
	DEC("PHA+Q2Fmw6k8L3A+", MIME_ENC_BASE64, "utf-8", MIME_TEXT_HTML, "Caf\u00e9\n");
	DEC("<a href=x>y</a>", MIME_ENC_7BIT, NULL, MIME_TEXT_HTML | MIME_TEXT_NO_LINKS, "y\n");
	DEC("\x1b$BF|K\\\x1b(B", MIME_ENC_7BIT, "ISO-2022-JP", 0, "\u65e5\u672c");
	/* transfer only (saving an attachment) keeps bytes as they are */
	struct buf b;
	buf_init(&b, 64);
	assert_int_equal(mime_decode_transfer(&b, "AAEC/w==", 8, MIME_ENC_BASE64), BUF_OK);
	assert_int_equal(buf_len(&b), 4);
	assert_memory_equal(buf_data(&b), "\x00\x01\x02\xff", 4);
	buf_free(&b);
	/* over the cap: a prefix cut on a character boundary */
	buf_init(&b, 5);
	assert_int_equal(mime_decode_part(&b, "\xc3\xa9\xc3\xa9\xc3\xa9", 6, MIME_ENC_8BIT, "utf-8", 0), BUF_TOO_BIG);
	assert_int_equal(buf_len(&b), 4);
	buf_free(&b);
}

/* ---- header blocks ---------------------------------------------------------------------------- */

static void test_header_block(void **state)
{
	(void)state;
	size_t n;
	char *h = slurp("headers-8bit.txt", &n);
	struct mime_header_iter it;
	const char *name, *value;
	size_t nl, vl;
	static const char *const want[] = {"Received", "Subject", "From", "X-Long", "Content-Type",
					   "Content-Disposition"};
	size_t count = 0;
	mime_header_iter_init(&it, h, n);
	while (mime_header_next(&it, &name, &nl, &value, &vl)) {
		assert_true(count < N(want));
		assert_int_equal(nl, strlen(want[count]));
		assert_memory_equal(name, want[count], nl);
		if (count == 3)
			assert_int_equal(vl, 20000);
		count++;
	}
	assert_int_equal(count, N(want));
	assert_false(mime_header_next(&it, &name, &nl, &value, &vl));

	struct buf b;
	buf_init(&b, 4096);
	value = mime_header_find(h, n, "subject", &vl);
	assert_non_null(value);
	assert_int_equal(mime_header_decode(&b, value, vl), BUF_OK);
	assert_string_equal(buf_data(&b), "\u65e5\u672c caf\u00e9 \u00e9t\u00e9");
	buf_reset(&b);
	value = mime_header_find(h, n, "FROM", &vl);
	assert_int_equal(mime_header_decode(&b, value, vl), BUF_OK);
	assert_string_equal(buf_data(&b), "\"J\u00f6rg\" <j@example.org>");
	buf_reset(&b);
	value = mime_header_find(h, n, "received", &vl);
	assert_int_equal(mime_header_unfold(&b, value, vl), BUF_OK);
	assert_string_equal(buf_data(&b), "from mx.example.org\tby mx2.example.org; Mon, 1 Jan 2024 00:00:00 +0000");
	assert_null(mime_header_find(h, n, "Body-Looking", &vl));
	assert_null(mime_header_find(h, n, "Bad Name", &vl));

	struct mime_hvalue hv;
	value = mime_header_find(h, n, "content-type", &vl);
	assert_int_equal(mime_parse_hvalue(&hv, value, vl), BUF_OK);
	assert_string_equal(hv.value, "text/plain");
	assert_string_equal(hv.type, "text");
	assert_string_equal(hv.subtype, "plain");
	size_t len;
	assert_string_equal(rfc2231_param_raw(hv.params, hv.n_params, "charset", &len), "iso-8859-1");
	assert_string_equal(rfc2231_param_raw(hv.params, hv.n_params, "format", &len), "flowed");
	mime_hvalue_free(&hv);

	value = mime_header_find(h, n, "content-disposition", &vl);
	assert_int_equal(mime_parse_hvalue(&hv, value, vl), BUF_OK);
	assert_string_equal(hv.value, "attachment");
	bool found;
	buf_reset(&b);
	assert_int_equal(rfc2231_param_get(&b, hv.params, hv.n_params, "filename", &found), BUF_OK);
	assert_true(found);
	assert_string_equal(buf_data(&b), "\u20ac rates.pdf");
	mime_hvalue_free(&hv);

	/* random truncations of the block: no crash, ASan clean */
	unsigned seed = 77;
	for (int r = 0; r < 300; r++) {
		seed = seed * 1103515245u + 12345u;
		size_t cut = (seed >> 8) % (n + 1);
		mime_header_iter_init(&it, h, cut);
		while (mime_header_next(&it, &name, &nl, &value, &vl)) {
			buf_reset(&b);
			(void)!mime_header_decode(&b, value, vl);
			assert_int_equal(mime_parse_hvalue(&hv, value, vl), BUF_OK);
			mime_hvalue_free(&hv);
		}
	}
	buf_free(&b);
	free(h);
}

static void test_structured_values(void **state)
{
	(void)state;
	struct mime_hvalue hv;
	const char *v = "Text/HTML ; charset = \"utf\\\"-8\" ;; novalue; (comment) name=\"a;b.txt\"; "
			"bare=some thing ;x=\"unterminated";
	assert_int_equal(mime_parse_hvalue(&hv, v, strlen(v)), BUF_OK);
	assert_string_equal(hv.value, "text/html");
	assert_string_equal(hv.subtype, "html");
	size_t len;
	assert_string_equal(rfc2231_param_raw(hv.params, hv.n_params, "charset", &len), "utf\"-8");
	assert_null(rfc2231_param_raw(hv.params, hv.n_params, "novalue", &len));
	assert_string_equal(rfc2231_param_raw(hv.params, hv.n_params, "name", &len), "a;b.txt");
	assert_string_equal(rfc2231_param_raw(hv.params, hv.n_params, "bare", &len), "some thing");
	assert_string_equal(rfc2231_param_raw(hv.params, hv.n_params, "x", &len), "unterminated");
	mime_hvalue_free(&hv);

	assert_int_equal(mime_parse_hvalue(&hv, "", 0), BUF_OK);
	assert_string_equal(hv.value, "");
	assert_int_equal(hv.n_params, 0);
	mime_hvalue_free(&hv);
	assert_int_equal(mime_parse_hvalue(&hv, NULL, 0), BUF_OK);
	mime_hvalue_free(&hv);

	/* more params than the bound are dropped, not overflowed */
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(buf_append_str(&b, "multipart/mixed"), BUF_OK);
	for (int i = 0; i < MIME_HV_MAX_PARAMS + 30; i++)
		assert_int_equal(buf_printf(&b, "; p%d=%d", i, i), BUF_OK);
	assert_int_equal(mime_parse_hvalue(&hv, buf_data(&b), buf_len(&b)), BUF_OK);
	assert_int_equal(hv.n_params, MIME_HV_MAX_PARAMS);
	assert_string_equal(rfc2231_param_raw(hv.params, hv.n_params, "p63", &len), "63");
	mime_hvalue_free(&hv);
	buf_free(&b);

	/* every truncation of a nasty value */
	v = "a/b; k*0*=utf-8''%E2; k*1=\"x\\\\y\"; (c (nested) \\) ) z=\"q";
	for (size_t cut = 0; cut <= strlen(v); cut++) {
		assert_int_equal(mime_parse_hvalue(&hv, v, cut), BUF_OK);
		mime_hvalue_free(&hv);
	}
}

/* ---- through the real parser ----------------------------------------------------------------- */

struct catch {
	struct mime_tree *tree;
	int fetches;
};

static void on_response(void *ctx, const struct imap_response *r)
{
	struct catch *c = ctx;
	if (r->kind == IMAP_RESP_FETCH && r->u.fetch.bodystructure) {
		c->tree = mime_tree_from_imap(r->u.fetch.bodystructure, NULL); /* copies: valid after */
		c->fetches++;
	}
}

static void test_from_parsed_bodystructure(void **state)
{
	(void)state;
	/* Gmail-style: mixed [alternative [plain, html], pdf with RFC 2231 name, forwarded message] */
	static const char wire[] =
		"* 12 FETCH (UID 99 BODYSTRUCTURE ("
		"((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\" \"FORMAT\" \"flowed\") NIL NIL \"QUOTED-PRINTABLE\" 120 4 NIL NIL NIL)"
		"(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 400 8 NIL NIL NIL)"
		" \"ALTERNATIVE\" (\"BOUNDARY\" \"b1\") NIL NIL)"
		"(\"APPLICATION\" \"PDF\" (\"NAME\" \"=?UTF-8?Q?r=C3=A9sum=C3=A9.pdf?=\") NIL NIL \"BASE64\" 52000 NIL"
		" (\"ATTACHMENT\" (\"FILENAME*0*\" \"UTF-8''r%C3%A9sum\" \"FILENAME*1*\" \"%C3%A9.pdf\")) NIL)"
		"(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 900"
		" (\"Mon, 1 Jan 2024 00:00:00 +0000\" \"=?iso-8859-1?q?Fw=3A_r=E9union?=\" NIL NIL NIL NIL NIL NIL NIL \"<m@x>\")"
		" (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"iso-8859-1\") NIL NIL \"8BIT\" 300 10 NIL NIL NIL) 20 NIL NIL NIL)"
		" \"MIXED\" (\"BOUNDARY\" \"b0\") NIL NIL))\r\n";
	struct catch c = {0};
	struct imap_parser_callbacks cb = {.response = on_response};
	struct imap_parser *p = imap_parser_new(NULL, &cb, &c);
	assert_non_null(p);
	for (size_t i = 0; i < sizeof wire - 1; i++) /* dripped one byte at a time */
		assert_int_equal(imap_parser_feed(p, wire + i, 1), IMAP_PARSE_OK);
	imap_parser_free(&p);
	assert_int_equal(c.fetches, 1);
	struct mime_tree *t = c.tree;
	assert_non_null(t);
	const struct mime_part *plain = mime_choose_display(t->root, false);
	assert_string_equal(plain->section, "1.1");
	assert_true(plain->flowed);
	assert_string_equal(plain->charset, "UTF-8");
	assert_string_equal(mime_choose_display(t->root, true)->section, "1.2");
	const struct mime_part *shown[8];
	assert_int_equal(mime_display_parts(t->root, false, shown, 8), 2);
	assert_string_equal(shown[1]->section, "3.1");
	assert_string_equal(shown[1]->mime_section, "3.HEADER");
	assert_string_equal(find(t->root, "3", "message")->subject, "Fw: r\u00e9union");
	struct mime_attachment att[8];
	assert_int_equal(mime_attachments(t, false, att, 8), 1);
	assert_string_equal(att[0].part->section, "2");
	assert_string_equal(att[0].name, "r\u00e9sum\u00e9.pdf");
	assert_int_equal(att[0].part->size, 52000);
	mime_tree_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_part),
		cmocka_unit_test(test_mixed_alternative_attachments),
		cmocka_unit_test(test_nested_message_sections),
		cmocka_unit_test(test_ten_thousand_parts_bounded),
		cmocka_unit_test(test_deep_nesting_bounded),
		cmocka_unit_test(test_related_signed_encrypted),
		cmocka_unit_test(test_odd_bodystructures),
		cmocka_unit_test(test_safe_filenames),
		cmocka_unit_test(test_filename_params_through_tree),
		cmocka_unit_test(test_decode_part),
		cmocka_unit_test(test_header_block),
		cmocka_unit_test(test_structured_values),
		cmocka_unit_test(test_from_parsed_bodystructure),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	charset_cache_flush();
	return rc;
}
