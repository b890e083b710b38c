/* mime — the part tree, display choice, attachments, part decoding, header blocks; see mime.h. */
#include "config.h"

#include "mail/mime.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "mail/charset.h"
#include "mail/flowed.h"
#include "mail/html2text.h"
#include "mail/qp.h"
#include "mail/rfc2047.h"

#define TYPE_MAX 64     /* bytes kept of a type or subtype */
#define DECODED_MAX 4096 /* bytes kept of a decoded name, description or subject */

/* ---- arena --------------------------------------------------------------------------------- */

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct mime_arena {
	struct chunk *head;
};

static void *arena_alloc(struct mime_arena *a, size_t n)
{
	const size_t al = alignof(max_align_t);
	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + al - 1) / al * al;
	struct chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		size_t size = n > 8192 ? n : 8192;
		c = malloc(sizeof *c + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static char *arena_strndup(struct mime_arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);
	if (d) {
		if (n)
			memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static void arena_free(struct mime_arena *a)
{
	while (a->head) {
		struct chunk *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}

/* ---- building the tree ---------------------------------------------------------------------- */

struct ctx {
	struct mime_tree *t;
	struct mime_arena *a;
	size_t max_parts;
	unsigned max_depth;
	bool oom;
};

enum role {
	R_TOP,      /* the message's own body */
	R_CHILD,    /* a child of a multipart */
	R_ENCLOSED, /* the body of a message/rfc822 part */
};

__attribute__((format(printf, 2, 3))) static const char *afmt(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *d = n >= 0 ? arena_alloc(c->a, (size_t)n + 1) : NULL;
	if (!d) {
		c->oom = true;
		return "";
	}
	va_start(ap, fmt);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return d;
}

static const char *adup(struct ctx *c, const char *s, size_t n)
{
	char *d = arena_strndup(c->a, s, n);
	if (!d) {
		c->oom = true;
		return "";
	}
	return d;
}

/* A type or subtype: lower case, printable ASCII (others '_'), at most TYPE_MAX bytes. */
static const char *atype(struct ctx *c, const struct imap_str *s, const char *dflt)
{
	if (!s->p || s->len == 0)
		return dflt;
	size_t n = s->len < TYPE_MAX ? s->len : TYPE_MAX;
	char *d = arena_strndup(c->a, s->p, n);
	if (!d) {
		c->oom = true;
		return dflt;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)d[i];
		d[i] = ch <= 0x20 || ch >= 0x7f ? '_' : (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : (char)ch;
	}
	return d;
}

static bool str_is(const struct imap_str *s, const char *lit)
{
	size_t n = strlen(lit);
	return s->p && s->len == n && strncasecmp(s->p, lit, n) == 0;
}

enum mime_encoding mime_encoding_parse(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '"')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '"'))
		n--;
	static const struct {
		const char *name;
		enum mime_encoding enc;
	} names[] = {
		{"7bit", MIME_ENC_7BIT}, {"8bit", MIME_ENC_8BIT}, {"binary", MIME_ENC_BINARY},
		{"quoted-printable", MIME_ENC_QP}, {"base64", MIME_ENC_BASE64},
	};
	if (n == 0)
		return MIME_ENC_7BIT;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == n && strncasecmp(names[i].name, s, n) == 0)
			return names[i].enc;
	return MIME_ENC_UNKNOWN;
}

static const struct mime_param *copy_params(struct ctx *c, const struct imap_params *ps, size_t *count)
{
	size_t n = ps->n < MIME_HV_MAX_PARAMS ? ps->n : MIME_HV_MAX_PARAMS;
	*count = 0;
	if (n == 0)
		return NULL;
	struct mime_param *v = arena_alloc(c->a, n * sizeof *v);
	if (!v) {
		c->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct imap_param *p = &ps->v[i];
		v[i].name = adup(c, p->name.p ? p->name.p : "", p->name.p ? p->name.len : 0);
		v[i].name_len = p->name.p ? p->name.len : 0;
		v[i].value = adup(c, p->value.p ? p->value.p : "", p->value.p ? p->value.len : 0);
		v[i].value_len = p->value.p ? p->value.len : 0;
	}
	*count = n;
	return v;
}

/* A decoded UTF-8 string in the arena, or NULL when empty. */
static const char *keep_decoded(struct ctx *c, struct buf *b)
{
	const char *s = buf_data(b);
	size_t n = buf_len(b);
	while (n && *s == ' ') {
		s++;
		n--;
	}
	while (n && s[n - 1] == ' ')
		n--;
	const char *d = n ? adup(c, s, n) : NULL;
	buf_free(b);
	return d;
}

static const char *decode_2047(struct ctx *c, const struct imap_str *s)
{
	if (!s->p)
		return NULL;
	struct buf b;
	buf_init(&b, DECODED_MAX);
	(void)!rfc2047_decode(&b, s->p, s->len); /* a cut result is still worth showing */
	return keep_decoded(c, &b);
}

static const char *decode_param(struct ctx *c, const struct mime_param *v, size_t n, const char *name)
{
	struct buf b;
	bool found;
	buf_init(&b, DECODED_MAX);
	(void)!rfc2231_param_get(&b, v, n, name, &found);
	return keep_decoded(c, &b);
}

static void fill(struct ctx *c, struct mime_part *p, const struct imap_body *b)
{
	bool multi = b->kind == IMAP_BODY_MULTIPART;
	if (multi) {
		p->type = "multipart";
		p->subtype = atype(c, &b->subtype, "mixed");
	} else {
		p->type = atype(c, &b->type, b->kind == IMAP_BODY_TEXT ? "text" : b->kind == IMAP_BODY_MESSAGE ? "message" : "application");
		p->subtype = atype(c, &b->subtype, b->kind == IMAP_BODY_TEXT ? "plain" : b->kind == IMAP_BODY_MESSAGE ? "rfc822" : "octet-stream");
	}
	p->params = copy_params(c, &b->params, &p->n_params);
	size_t len;
	const char *cs = rfc2231_param_raw(p->params, p->n_params, "charset", &len);
	p->charset = cs ? adup(c, cs, len < 64 ? len : 64) : "";
	p->encoding = b->encoding.p ? mime_encoding_parse(b->encoding.p, b->encoding.len) : MIME_ENC_7BIT;
	if (!b->disposition.p)
		p->disposition = MIME_DISP_NONE;
	else if (str_is(&b->disposition, "inline"))
		p->disposition = MIME_DISP_INLINE;
	else if (str_is(&b->disposition, "attachment"))
		p->disposition = MIME_DISP_ATTACHMENT;
	else
		p->disposition = MIME_DISP_OTHER;

	size_t nd = 0;
	const struct mime_param *dp = copy_params(c, &b->disposition_params, &nd);
	if (!multi) {
		p->name = decode_param(c, dp, nd, "filename");
		if (!p->name)
			p->name = decode_param(c, p->params, p->n_params, "name");
	}
	p->description = decode_2047(c, &b->description);
	if (b->id.p) {
		const char *s = b->id.p;
		size_t n = b->id.len;
		while (n && (*s == ' ' || *s == '<')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '>'))
			n--;
		p->content_id = adup(c, s, n < DECODED_MAX ? n : DECODED_MAX);
	}
	if (b->kind == IMAP_BODY_MESSAGE && b->envelope)
		p->subject = decode_2047(c, &b->envelope->subject);
	if (strcmp(p->type, "text") == 0 && strcmp(p->subtype, "plain") == 0) {
		const char *f = rfc2231_param_raw(p->params, p->n_params, "format", &len);
		p->flowed = f && len == 6 && strncasecmp(f, "flowed", 6) == 0;
		f = rfc2231_param_raw(p->params, p->n_params, "delsp", &len);
		p->delsp = p->flowed && f && len == 3 && strncasecmp(f, "yes", 3) == 0;
	}
	p->size = multi ? 0 : b->size;
	p->lines = b->lines;
}

static struct mime_part *new_part(struct ctx *c, struct mime_part *parent)
{
	struct mime_part *p = arena_alloc(c->a, sizeof *p);
	if (!p) {
		c->oom = true;
		return NULL;
	}
	memset(p, 0, sizeof *p);
	p->parent = parent;
	p->depth = parent ? parent->depth + 1 : 0;
	p->index = c->t->n_parts++;
	p->type = "application";
	p->subtype = "octet-stream";
	p->charset = "";
	return p;
}

static void make_unparsed(struct ctx *c, struct mime_part *p, uint32_t size)
{
	p->type = "text";
	p->subtype = "plain";
	p->encoding = MIME_ENC_7BIT;
	p->unparsed = true;
	p->size = size;
	c->t->truncated = true;
}

static void link_child(struct mime_part *parent, struct mime_part *ch, struct mime_part **tail)
{
	if (*tail)
		(*tail)->next = ch;
	else
		parent->child = ch;
	*tail = ch;
	parent->n_children++;
}

static struct mime_part *node(struct ctx *c, const struct imap_body *b, struct mime_part *parent,
			      const char *sec, enum role role)
{
	bool multi = b->kind == IMAP_BODY_MULTIPART;
	struct mime_part *p = new_part(c, parent);
	if (!p)
		return NULL;
	switch (role) {
	case R_TOP:
		p->section = multi ? "" : "1";
		p->fetch = multi ? "TEXT" : "1";
		p->mime_section = "HEADER";
		break;
	case R_CHILD:
		p->section = sec;
		p->fetch = sec;
		p->mime_section = afmt(c, "%s.MIME", sec);
		break;
	case R_ENCLOSED:
		p->section = multi ? sec : afmt(c, "%s.1", sec);
		p->fetch = multi ? afmt(c, "%s.TEXT", sec) : p->section;
		p->mime_section = afmt(c, "%s.HEADER", sec);
		break;
	}
	if (p->depth > c->max_depth || p->index >= c->max_parts) {
		make_unparsed(c, p, multi ? 0 : b->size);
		return c->oom ? NULL : p;
	}
	fill(c, p, b);
	struct mime_part *tail = NULL;
	if (multi) {
		for (size_t k = 0; k < b->n_parts && !c->oom; k++) {
			struct mime_part *ch;
			if (c->t->n_parts + 1 >= c->max_parts && k + 1 < b->n_parts) {
				/* room for one more node: it stands for all the rest */
				uint64_t size = 0;
				for (size_t r = k; r < b->n_parts; r++)
					size += b->parts[r].kind == IMAP_BODY_MULTIPART ? 0 : b->parts[r].size;
				ch = new_part(c, p);
				if (!ch)
					return NULL;
				ch->section = p->section;
				ch->fetch = p->fetch;
				ch->mime_section = p->mime_section;
				make_unparsed(c, ch, size > UINT32_MAX ? UINT32_MAX : (uint32_t)size);
				link_child(p, ch, &tail);
				break;
			}
			const char *cs = *p->section ? afmt(c, "%s.%zu", p->section, k + 1) : afmt(c, "%zu", k + 1);
			ch = node(c, &b->parts[k], p, cs, R_CHILD);
			if (!ch)
				return NULL;
			link_child(p, ch, &tail);
		}
	} else if (b->kind == IMAP_BODY_MESSAGE && b->body) {
		struct mime_part *ch = node(c, b->body, p, p->section, R_ENCLOSED);
		if (!ch)
			return NULL;
		link_child(p, ch, &tail);
	}
	return c->oom ? NULL : p;
}

struct mime_tree *mime_tree_from_imap(const struct imap_body *body, const struct mime_limits *lim)
{
	if (!body)
		return NULL;
	struct mime_tree *t = calloc(1, sizeof *t);
	struct mime_arena *a = calloc(1, sizeof *a);
	if (!t || !a) {
		free(t);
		free(a);
		return NULL;
	}
	t->arena = a;
	struct ctx c = {.t = t, .a = a, .max_parts = MIME_MAX_PARTS, .max_depth = MIME_MAX_DEPTH};
	if (lim) {
		c.max_parts = lim->max_parts < 2 ? 2 : lim->max_parts;
		c.max_depth = lim->max_depth < 1 ? 1 : lim->max_depth > MIME_DEPTH_LIMIT ? MIME_DEPTH_LIMIT : lim->max_depth;
	}
	t->root = node(&c, body, NULL, "", R_TOP);
	if (!t->root || c.oom)
		mime_tree_free(&t);
	return t;
}

void mime_tree_free(struct mime_tree **t)
{
	if (!t || !*t)
		return;
	if ((*t)->arena) {
		arena_free((*t)->arena);
		free((*t)->arena);
	}
	free(*t);
	*t = NULL;
}

/* ---- what to show ----------------------------------------------------------------------------- */

struct plist {
	const struct mime_part **v;
	size_t n, max;
};

static bool is(const struct mime_part *p, const char *type, const char *subtype)
{
	return strcmp(p->type, type) == 0 && (!subtype || strcmp(p->subtype, subtype) == 0);
}

static bool is_message(const struct mime_part *p)
{
	return !p->unparsed && (is(p, "message", "rfc822") || is(p, "message", "global"));
}

static bool shown_leaf(const struct mime_part *p)
{
	return p->unparsed || is(p, "text", NULL) || is(p, "message", "delivery-status") ||
	       is(p, "message", "disposition-notification") || is(p, "message", "global-delivery-status");
}

static void choose(const struct mime_part *p, bool html, struct plist *l);

static const struct mime_part *first_shown(const struct mime_part *p, bool html)
{
	const struct mime_part *v[1];
	struct plist l = {v, 0, 1};
	choose(p, html, &l);
	return l.n ? v[0] : NULL;
}

/* The alternative of multipart/alternative p to show (see mime.h), or NULL. */
static const struct mime_part *alt_pick(const struct mime_part *p, bool html)
{
	const struct mime_part *ch, *pick = NULL;
	for (ch = p->child; ch; ch = ch->next) {
		const struct mime_part *f = first_shown(ch, html);
		if (!f || f->unparsed)
			continue;
		if (!html && is(f, "text", "plain"))
			return ch;
		if (html && is(f, "text", "html"))
			pick = ch;
	}
	if (!pick) /* else the last that shows anything */
		for (ch = p->child; ch; ch = ch->next)
			if (first_shown(ch, html))
				pick = ch;
	return pick;
}

static void choose(const struct mime_part *p, bool html, struct plist *l)
{
	if (l->n >= l->max)
		return;
	if (p->unparsed || !is(p, "multipart", NULL)) {
		if (is_message(p)) {
			if (p->child)
				choose(p->child, html, l);
		} else if (shown_leaf(p)) {
			l->v[l->n++] = p;
		}
		return;
	}
	const struct mime_part *ch, *pick = NULL;
	if (is(p, "multipart", "alternative")) {
		pick = alt_pick(p, html);
		if (pick)
			choose(pick, html, l);
		return;
	}
	if (is(p, "multipart", "related")) {
		size_t len;
		const char *start = rfc2231_param_raw(p->params, p->n_params, "start", &len);
		while (start && len && (*start == '<' || *start == ' ')) {
			start++;
			len--;
		}
		while (start && len && (start[len - 1] == '>' || start[len - 1] == ' '))
			len--;
		for (ch = p->child; start && ch && !pick; ch = ch->next)
			if (ch->content_id && strlen(ch->content_id) == len && memcmp(ch->content_id, start, len) == 0)
				pick = ch;
		if (!pick)
			pick = p->child;
		if (pick)
			choose(pick, html, l);
		return;
	}
	if (is(p, "multipart", "signed")) {
		if (p->child)
			choose(p->child, html, l);
		return;
	}
	if (is(p, "multipart", "encrypted"))
		return;
	for (ch = p->child; ch; ch = ch->next)
		if (ch->disposition != MIME_DISP_ATTACHMENT)
			choose(ch, html, l);
}

size_t mime_display_parts(const struct mime_part *root, bool prefer_html, const struct mime_part **out,
			  size_t max)
{
	struct plist l = {out, 0, max};
	if (root && max)
		choose(root, prefer_html, &l);
	return l.n;
}

const struct mime_part *mime_choose_display(const struct mime_part *root, bool prefer_html)
{
	return root ? first_shown(root, prefer_html) : NULL;
}

/* ---- attachments ------------------------------------------------------------------------------ */

static const struct {
	const char *type, *subtype, *ext;
} exts[] = {
	{"text", "plain", "txt"}, {"text", "html", "html"}, {"text", "calendar", "ics"}, {"text", "csv", "csv"},
	{"text", "vcard", "vcf"}, {"text", "x-vcard", "vcf"}, {"text", "xml", "xml"}, {"text", NULL, "txt"},
	{"image", "jpeg", "jpg"}, {"image", "jpg", "jpg"}, {"image", "png", "png"}, {"image", "gif", "gif"},
	{"image", "webp", "webp"}, {"image", "svg+xml", "svg"}, {"image", "heic", "heic"},
	{"application", "pdf", "pdf"}, {"application", "zip", "zip"}, {"application", "gzip", "gz"},
	{"application", "json", "json"}, {"application", "xml", "xml"}, {"application", "ics", "ics"},
	{"application", "msword", "doc"}, {"application", "vnd.ms-excel", "xls"},
	{"application", "vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
	{"application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
	{"application", "vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"},
	{"application", "pgp-signature", "asc"}, {"application", "pgp-keys", "asc"},
	{"application", "pkcs7-signature", "p7s"}, {"application", "x-pkcs7-signature", "p7s"},
	{"message", "rfc822", "eml"}, {"message", "global", "eml"}, {"audio", "mpeg", "mp3"},
	{"video", "mp4", "mp4"},
};

static const char *ext_for(const char *type, const char *subtype)
{
	for (size_t i = 0; type && i < sizeof exts / sizeof exts[0]; i++)
		if (strcmp(exts[i].type, type) == 0 && (!exts[i].subtype || (subtype && strcmp(exts[i].subtype, subtype) == 0)))
			return exts[i].ext;
	return "bin";
}

static bool drop_cp(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

size_t mime_safe_filename(char *dst, size_t dstsz, const char *name, size_t len, size_t n, const char *type,
			  const char *subtype)
{
	struct buf clean;
	size_t out = 0;
	buf_init(&clean, len <= MIME_NAME_MAX * 8 ? len * 3 + 16 : MIME_NAME_MAX * 24 + 16);
	if (name && len > MIME_NAME_MAX * 8) /* nobody names a file like that: keep the tail */
	{
		name += len - MIME_NAME_MAX * 8;
		len = MIME_NAME_MAX * 8;
	}
	if (name && len && charset_utf8_sanitize(&clean, name, len) == BUF_OK && buf_len(&clean)) {
		const char *s = buf_data(&clean);
		size_t sl = buf_len(&clean);
		for (size_t i = sl; i > 0; i--) { /* the last path component */
			if (s[i - 1] == '/' || s[i - 1] == '\\') {
				s += i;
				sl -= i;
				break;
			}
		}
		/* drop control and bidi characters, in place into the buf */
		char *w = buf_data_mut(&clean);
		size_t wl = 0;
		for (size_t i = 0; i < sl;) {
			uint32_t cp;
			size_t k = charset_utf8_decode(s + i, sl - i, &cp);
			if (!drop_cp(cp)) {
				memmove(w + wl, s + i, k);
				wl += k;
			}
			i += k;
		}
		size_t b = 0;
		while (b < wl && (w[b] == '.' || w[b] == ' ' || w[b] == '-'))
			b++;
		while (wl > b && (w[wl - 1] == '.' || w[wl - 1] == ' '))
			wl--;
		const char *stem = w + b;
		size_t stem_len = wl - b, room = dstsz - 1;
		if (stem_len > room) {
			const char *dot = NULL;
			for (size_t i = stem_len; i > 1; i--)
				if (stem[i - 1] == '.') {
					dot = stem + i - 1;
					break;
				}
			size_t ext_len = dot && (size_t)(stem + stem_len - dot) <= 16 ? (size_t)(stem + stem_len - dot) : 0;
			size_t keep = room - ext_len;
			while (keep > 0 && ((unsigned char)stem[keep] & 0xC0) == 0x80)
				keep--;
			memcpy(dst, stem, keep);
			memcpy(dst + keep, stem + stem_len - ext_len, ext_len);
			out = keep + ext_len;
		} else {
			memcpy(dst, stem, stem_len);
			out = stem_len;
		}
	}
	buf_free(&clean);
	if (out == 0) {
		int k = snprintf(dst, dstsz, "attachment-%zu.%s", n, ext_for(type, subtype));
		out = k < 0 ? 0 : (size_t)k < dstsz ? (size_t)k : dstsz - 1;
	}
	dst[out] = '\0';
	return out;
}

static bool subtree_shown(const struct mime_part *p, const bool *shown)
{
	if (shown[p->index])
		return true;
	for (const struct mime_part *ch = p->child; ch; ch = ch->next)
		if (subtree_shown(ch, shown))
			return true;
	return false;
}

struct alist {
	struct mime_attachment *v;
	size_t n, max;
	bool *shown;                  /* by part index */
	const struct mime_part **tmp; /* room for n_parts pointers */
	size_t n_parts;
};

static void add_attachment(struct alist *l, const struct mime_part *p)
{
	if (l->n >= l->max)
		return;
	struct mime_attachment *a = &l->v[l->n++];
	a->part = p;
	if (!p->name && p->subject && is_message(p)) {
		/* a forwarded message without a file name is saved as "<subject>.eml" */
		char tmp[MIME_NAME_MAX + 1];
		int k = snprintf(tmp, sizeof tmp - 4, "%s", p->subject);
		size_t tl = k < 0 ? 0 : (size_t)k < sizeof tmp - 4 ? (size_t)k : sizeof tmp - 5;
		memcpy(tmp + tl, ".eml", 5);
		mime_safe_filename(a->name, sizeof a->name, tmp, tl + 4, l->n, p->type, p->subtype);
		return;
	}
	mime_safe_filename(a->name, sizeof a->name, p->name, p->name ? strlen(p->name) : 0, l->n, p->type,
			   p->subtype);
}

/* In an alternative not shown only what says it is an attachment is one. */
static void collect_hidden(const struct mime_part *p, struct alist *l)
{
	if (p->disposition == MIME_DISP_ATTACHMENT && (p->unparsed || !is(p, "multipart", NULL)))
		add_attachment(l, p);
	for (const struct mime_part *ch = p->child; ch; ch = ch->next)
		collect_hidden(ch, l);
}

static void collect(const struct mime_part *p, bool html, struct alist *l)
{
	bool multi = !p->unparsed && is(p, "multipart", NULL);
	if (is_message(p)) {
		if (p->disposition == MIME_DISP_ATTACHMENT || !subtree_shown(p, l->shown)) {
			add_attachment(l, p);
			/* inside it, what it would show if opened is part of it, not an attachment */
			if (p->child) {
				size_t nd = mime_display_parts(p->child, html, l->tmp, l->n_parts);
				for (size_t i = 0; i < nd; i++)
					l->shown[l->tmp[i]->index] = true;
			}
		}
	} else if (!multi && !l->shown[p->index]) {
		add_attachment(l, p);
	}
	const struct mime_part *pick = multi && is(p, "multipart", "alternative") ? alt_pick(p, html) : NULL;
	for (const struct mime_part *ch = p->child; ch; ch = ch->next) {
		if (pick && ch != pick)
			collect_hidden(ch, l);
		else
			collect(ch, html, l);
	}
}

size_t mime_attachments(const struct mime_tree *t, bool prefer_html, struct mime_attachment *out, size_t max)
{
	if (!t || !t->root || max == 0)
		return 0;
	struct alist l = {out, 0, max, calloc(t->n_parts, sizeof(bool)), calloc(t->n_parts, sizeof(void *)),
			  t->n_parts};
	if (l.shown && l.tmp) {
		size_t nd = mime_display_parts(t->root, prefer_html, l.tmp, t->n_parts);
		for (size_t i = 0; i < nd; i++)
			l.shown[l.tmp[i]->index] = true;
		collect(t->root, prefer_html, &l);
	}
	free(l.shown);
	free(l.tmp);
	return l.n;
}

/* ---- decoding a part -------------------------------------------------------------------------- */

unsigned mime_part_text_flags(const struct mime_part *p, bool html_builtin)
{
	unsigned f = 0;
	if (p->flowed)
		f |= MIME_TEXT_FLOWED | (p->delsp ? MIME_TEXT_DELSP : 0);
	if (html_builtin && !p->unparsed && is(p, "text", "html"))
		f |= MIME_TEXT_HTML;
	return f;
}

static enum buf_result from_b64(enum base64_result r)
{
	return r == BASE64_OK ? BUF_OK : r == BASE64_NOMEM ? BUF_NOMEM : BUF_TOO_BIG;
}

enum buf_result mime_decode_transfer(struct buf *out, const char *raw, size_t n, enum mime_encoding enc)
{
	switch (enc) {
	case MIME_ENC_BASE64: {
		struct base64_decoder d;
		base64_decoder_init(&d, BASE64_LENIENT);
		enum base64_result r = base64_decoder_update(&d, out, raw, n);
		if (r == BASE64_OK)
			r = base64_decoder_finish(&d, out);
		return from_b64(r);
	}
	case MIME_ENC_QP:
		return qp_decode(out, raw, n);
	default:
		return buf_append(out, raw, n);
	}
}

/* Appends as much of s[0..n) as fits, cut on a UTF-8 character boundary. */
static enum buf_result append_cut(struct buf *out, const char *s, size_t n)
{
	size_t room = out->len < out->cap ? out->cap - out->len : 0;
	if (n <= room)
		return buf_append(out, s, n);
	size_t k = room;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	enum buf_result r = buf_append(out, s, k);
	return r == BUF_OK ? BUF_TOO_BIG : r;
}

enum buf_result mime_decode_part(struct buf *out, const char *raw, size_t n, enum mime_encoding enc,
				 const char *charset, unsigned flags)
{
	struct buf bytes, text;
	buf_init(&bytes, n < SIZE_MAX - 16 ? n + 16 : n);
	buf_init(&text, out->cap);
	enum buf_result r = mime_decode_transfer(&bytes, raw, n, enc);
	enum buf_result r2 = charset_to_utf8(&text, charset, charset ? strlen(charset) : 0, buf_data(&bytes), buf_len(&bytes));
	if (r == BUF_OK)
		r = r2;
	buf_free(&bytes);

	/* CRLF and bare CR to LF, in place */
	char *s = buf_data_mut(&text);
	size_t len = 0;
	for (size_t i = 0; s && i < buf_len(&text); i++) {
		if (s[i] == '\r') {
			s[len++] = '\n';
			if (i + 1 < buf_len(&text) && s[i + 1] == '\n')
				i++;
		} else {
			s[len++] = s[i];
		}
	}
	if (s) {
		text.len = len;
		s[len] = '\0';
	}

	if (r != BUF_NOMEM) {
		enum buf_result r3;
		if (flags & MIME_TEXT_HTML)
			r3 = html2text(out, buf_data(&text), len, flags & MIME_TEXT_NO_LINKS ? HTML2TEXT_NO_LINKS : 0);
		else if (flags & MIME_TEXT_FLOWED)
			r3 = flowed_decode(out, buf_data(&text), len, flags & MIME_TEXT_DELSP);
		else
			r3 = append_cut(out, buf_data(&text), len);
		if (r3 != BUF_OK)
			r = r3;
	}
	buf_free(&text);
	return r;
}

/* ---- header blocks ---------------------------------------------------------------------------- */

void mime_header_iter_init(struct mime_header_iter *it, const char *block, size_t n)
{
	it->p = block;
	it->n = block ? n : 0;
	it->pos = 0;
}

static bool field_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > MIME_FIELD_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == ':')
			return false;
	return true;
}

bool mime_header_next(struct mime_header_iter *it, const char **name, size_t *name_len, const char **value,
		      size_t *value_len)
{
	const char *s = it->p;
	size_t n = it->n;
	while (it->pos < n) {
		size_t start = it->pos, i = start, end, first_eol = SIZE_MAX;
		if (s[i] == '\n' || (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')) {
			it->pos = n; /* the empty line ends the header */
			return false;
		}
		for (;;) {
			const char *lf = memchr(s + i, '\n', n - i);
			if (!lf) {
				end = n;
				it->pos = n;
				break;
			}
			size_t e = (size_t)(lf - s);
			if (first_eol == SIZE_MAX)
				first_eol = e;
			if (e + 1 < n && (s[e + 1] == ' ' || s[e + 1] == '\t')) {
				i = e + 1;
				continue;
			}
			end = e;
			it->pos = e + 1;
			break;
		}
		if (first_eol == SIZE_MAX)
			first_eol = end;
		if (end > start && s[end - 1] == '\r')
			end--;
		const char *colon = memchr(s + start, ':', first_eol - start);
		if (!colon)
			continue;
		size_t ne = (size_t)(colon - s);
		while (ne > start && (s[ne - 1] == ' ' || s[ne - 1] == '\t'))
			ne--;
		if (!field_name_ok(s + start, ne - start))
			continue;
		size_t vs = (size_t)(colon - s) + 1;
		while (vs < end && (s[vs] == ' ' || s[vs] == '\t'))
			vs++;
		*name = s + start;
		*name_len = ne - start;
		*value = s + vs;
		*value_len = end > vs ? end - vs : 0;
		return true;
	}
	return false;
}

const char *mime_header_find(const char *block, size_t n, const char *name, size_t *value_len)
{
	struct mime_header_iter it;
	const char *fn, *v;
	size_t fl, vl, want = strlen(name);
	mime_header_iter_init(&it, block, n);
	while (mime_header_next(&it, &fn, &fl, &v, &vl)) {
		if (fl == want && strncasecmp(fn, name, want) == 0) {
			*value_len = vl;
			return v;
		}
	}
	*value_len = 0;
	return NULL;
}

static enum buf_result append_trimmed(struct buf *out, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return append_cut(out, s, n);
}

enum buf_result mime_header_unfold(struct buf *out, const char *v, size_t n)
{
	struct buf t;
	enum buf_result r = BUF_OK;
	buf_init(&t, n + 1);
	for (size_t i = 0; i < n && r == BUF_OK; i++) {
		if (v[i] != '\r' && v[i] != '\n') {
			r = buf_append_byte(&t, (unsigned char)v[i]);
			continue;
		}
		size_t e = i;
		if (v[e] == '\r' && e + 1 < n && v[e + 1] == '\n')
			e++;
		if (!(e + 1 < n && (v[e + 1] == ' ' || v[e + 1] == '\t')))
			r = buf_append_byte(&t, ' ');
		i = e;
	}
	if (r == BUF_OK)
		r = append_trimmed(out, buf_data(&t), buf_len(&t));
	buf_free(&t);
	return r;
}

enum buf_result mime_header_decode(struct buf *out, const char *v, size_t n)
{
	struct buf t;
	buf_init(&t, out->cap);
	enum buf_result r = rfc2047_decode(&t, v, n);
	enum buf_result r2 = r == BUF_NOMEM ? r : append_trimmed(out, buf_data(&t), buf_len(&t));
	buf_free(&t);
	return r != BUF_OK ? r : r2;
}

/* ---- structured values ------------------------------------------------------------------------ */

static bool wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips blanks, line breaks and (nested) comments. */
static size_t skip_cfws(const char *s, size_t n, size_t i)
{
	while (i < n) {
		if (wsp(s[i])) {
			i++;
		} else if (s[i] == '(') {
			unsigned depth = 0;
			for (; i < n; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				else if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0)
					break;
			}
			if (i < n)
				i++;
		} else {
			break;
		}
	}
	return i;
}

static void copy_lower(char *dst, size_t dstsz, const char *s, size_t n)
{
	while (n && wsp(*s)) {
		s++;
		n--;
	}
	while (n && wsp(s[n - 1]))
		n--;
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < dstsz; i++) {
		unsigned char c = (unsigned char)s[i];
		if (wsp((char)c))
			continue;
		dst[k++] = c < 0x20 || c >= 0x7f ? '_' : (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
	}
	dst[k] = '\0';
}

enum buf_result mime_parse_hvalue(struct mime_hvalue *hv, const char *v, size_t n)
{
	size_t offs[MIME_HV_MAX_PARAMS][2];
	enum buf_result r = BUF_OK;
	memset(hv, 0, sizeof *hv);
	buf_init(&hv->store, n <= (SIZE_MAX - 64) / 2 ? n * 2 + 64 : SIZE_MAX);
	if (!v)
		n = 0;

	size_t i = skip_cfws(v, n, 0), k = i;
	while (k < n && v[k] != ';' && v[k] != '(')
		k++;
	copy_lower(hv->value, sizeof hv->value, v + i, k - i);
	const char *slash = strchr(hv->value, '/');
	if (slash) {
		copy_lower(hv->type, sizeof hv->type, hv->value, (size_t)(slash - hv->value));
		copy_lower(hv->subtype, sizeof hv->subtype, slash + 1, strlen(slash + 1));
	} else {
		copy_lower(hv->type, sizeof hv->type, hv->value, strlen(hv->value));
	}
	i = k;
	while (i < n && v[i] != ';')
		i++;

	while (i < n && r == BUF_OK) {
		i = skip_cfws(v, n, i + 1); /* past ';' */
		size_t ns = i;
		while (i < n && v[i] != '=' && v[i] != ';')
			i++;
		size_t ne = i;
		while (ne > ns && wsp(v[ne - 1]))
			ne--;
		if (i >= n || v[i] == ';' || ne == ns || ne - ns > MIME_FIELD_NAME_MAX) {
			while (i < n && v[i] != ';')
				i++;
			continue;
		}
		i = skip_cfws(v, n, i + 1);
		size_t name_off = buf_len(&hv->store);
		r = buf_append(&hv->store, v + ns, ne - ns);
		if (r == BUF_OK)
			r = buf_append_byte(&hv->store, '\0');
		size_t val_off = buf_len(&hv->store);
		if (r == BUF_OK && i < n && v[i] == '"') {
			for (i++; i < n && r == BUF_OK && v[i] != '"'; i++) {
				if (v[i] == '\\' && i + 1 < n)
					i++;
				else if (v[i] == '\r' || v[i] == '\n')
					continue;
				r = buf_append_byte(&hv->store, (unsigned char)v[i]);
			}
			while (i < n && v[i] != ';')
				i++;
		} else if (r == BUF_OK) {
			size_t vs = i;
			while (i < n && v[i] != ';')
				i++;
			size_t ve = i;
			/* a trailing comment: "us-ascii (Plain text)" */
			for (size_t j = vs; j + 1 < ve; j++) {
				if (wsp(v[j]) && v[j + 1] == '(' && v[ve - 1] == ')') {
					ve = j;
					break;
				}
			}
			while (ve > vs && wsp(v[ve - 1]))
				ve--;
			for (size_t j = vs; j < ve && r == BUF_OK; j++)
				if (v[j] != '\r' && v[j] != '\n')
					r = buf_append_byte(&hv->store, (unsigned char)v[j]);
		}
		size_t val_len = buf_len(&hv->store) - val_off;
		if (r == BUF_OK)
			r = buf_append_byte(&hv->store, '\0');
		if (r == BUF_OK && hv->n_params < MIME_HV_MAX_PARAMS) {
			offs[hv->n_params][0] = name_off;
			offs[hv->n_params][1] = val_off;
			hv->params[hv->n_params].name_len = ne - ns;
			hv->params[hv->n_params].value_len = val_len;
			hv->n_params++;
		}
	}
	const char *base = buf_data(&hv->store);
	for (size_t p = 0; p < hv->n_params; p++) {
		hv->params[p].name = base + offs[p][0];
		hv->params[p].value = base + offs[p][1];
	}
	return r;
}

void mime_hvalue_free(struct mime_hvalue *hv)
{
	buf_free(&hv->store);
	hv->n_params = 0;
}
