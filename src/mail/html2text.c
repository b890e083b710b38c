/* html2text — a small HTML to text converter and the html_filter default; see html2text.h. */
#include "config.h"

#include "mail/html2text.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "mail/charset.h"
#include "ascii.h"

/* ---- entities ---------------------------------------------------------------------------- */

struct entity {
	const char *name;
	uint32_t cp;
};

/* Sorted by strcmp() for bsearch(). */
static const struct entity entities[] = {
	{"AElig", 198}, {"Aacute", 193}, {"Acirc", 194}, {"Agrave", 192}, {"Aring", 197}, {"Atilde", 195},
	{"Auml", 196}, {"Ccedil", 199}, {"Dagger", 8225}, {"Delta", 916}, {"ETH", 208}, {"Eacute", 201},
	{"Ecirc", 202}, {"Egrave", 200}, {"Euml", 203}, {"Iacute", 205}, {"Icirc", 206}, {"Igrave", 204},
	{"Iuml", 207}, {"Ntilde", 209}, {"OElig", 338}, {"Oacute", 211}, {"Ocirc", 212}, {"Ograve", 210},
	{"Omega", 937}, {"Oslash", 216}, {"Otilde", 213}, {"Ouml", 214}, {"Prime", 8243}, {"Scaron", 352},
	{"THORN", 222}, {"Uacute", 218}, {"Ucirc", 219}, {"Ugrave", 217}, {"Uuml", 220}, {"Yacute", 221},
	{"Yuml", 376}, {"aacute", 225}, {"acirc", 226}, {"acute", 180}, {"aelig", 230}, {"agrave", 224},
	{"alpha", 945}, {"amp", 38}, {"apos", 39}, {"aring", 229}, {"asymp", 8776}, {"atilde", 227},
	{"auml", 228}, {"bdquo", 8222}, {"beta", 946}, {"brvbar", 166}, {"bull", 8226}, {"ccedil", 231},
	{"cedil", 184}, {"cent", 162}, {"check", 10003}, {"circ", 710}, {"clubs", 9827}, {"copy", 169},
	{"copysr", 8471}, {"curren", 164}, {"dagger", 8224}, {"darr", 8595}, {"dash", 8208}, {"deg", 176},
	{"delta", 948}, {"diams", 9830}, {"divide", 247}, {"eacute", 233}, {"ecirc", 234},
	{"egrave", 232}, {"emsp", 8195}, {"ensp", 8194}, {"equiv", 8801}, {"eth", 240}, {"euml", 235},
	{"euro", 8364}, {"fnof", 402}, {"frac12", 189}, {"frac14", 188}, {"frac34", 190}, {"frasl", 8260},
	{"gamma", 947}, {"ge", 8805}, {"gt", 62}, {"harr", 8596}, {"hearts", 9829}, {"hellip", 8230},
	{"hyphen", 8208}, {"iacute", 237}, {"icirc", 238}, {"iexcl", 161}, {"igrave", 236},
	{"infin", 8734}, {"iquest", 191}, {"iuml", 239}, {"lArr", 8656}, {"laquo", 171}, {"larr", 8592},
	{"ldquo", 8220}, {"le", 8804}, {"lowast", 8727}, {"loz", 9674}, {"lrm", 8206}, {"lsaquo", 8249},
	{"lsquo", 8216}, {"lt", 60}, {"macr", 175}, {"mdash", 8212}, {"micro", 181}, {"middot", 183},
	{"minus", 8722}, {"mu", 956}, {"nbsp", 160}, {"ndash", 8211}, {"ne", 8800},
	{"not", 172}, {"ntilde", 241}, {"oacute", 243}, {"ocirc", 244}, {"oelig", 339}, {"ograve", 242},
	{"oline", 8254}, {"ordf", 170}, {"ordm", 186}, {"oslash", 248}, {"otilde", 245}, {"ouml", 246},
	{"para", 182}, {"part", 8706}, {"permil", 8240}, {"pi", 960}, {"plusmn", 177}, {"pound", 163},
	{"prime", 8242}, {"prod", 8719}, {"quot", 34}, {"rArr", 8658}, {"radic", 8730}, {"raquo", 187},
	{"rarr", 8594}, {"rdquo", 8221}, {"reg", 174}, {"rlm", 8207}, {"rsaquo", 8250}, {"rsquo", 8217},
	{"sbquo", 8218}, {"scaron", 353}, {"sect", 167}, {"shy", 173}, {"sigma", 963}, {"sim", 8764},
	{"spades", 9824}, {"star", 9734}, {"starf", 9733}, {"sum", 8721}, {"sup1", 185}, {"sup2", 178},
	{"sup3", 179}, {"szlig", 223}, {"there4", 8756}, {"thinsp", 8201}, {"thorn", 254}, {"tilde", 732},
	{"times", 215}, {"trade", 8482}, {"uacute", 250}, {"uarr", 8593}, {"ucirc", 251}, {"ugrave", 249},
	{"uml", 168}, {"uuml", 252}, {"yacute", 253}, {"yen", 165}, {"yuml", 255}, {"zwj", 8205},
	{"zwnj", 8204},
};

static const char *const legacy[] = {"amp", "lt", "gt", "quot", "nbsp", "copy", "reg"};

static int entity_cmp(const void *key, const void *e)
{
	return strcmp(key, ((const struct entity *)e)->name);
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Reads an entity at s[0] == '&'; returns the bytes it covers (0: not an entity, keep '&'). */
static size_t entity(const char *s, size_t n, uint32_t *cp)
{
	size_t i = 1;
	if (i < n && s[i] == '#') {
		bool hex = i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X');
		i += hex ? 2 : 1;
		size_t start = i;
		uint32_t v = 0;
		for (; i < n; i++) {
			int d = hex ? ascii_hexval((unsigned char)s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
			if (d < 0)
				break;
			v = v > 0x10FFFF ? 0x110000 : v * (hex ? 16u : 10u) + (uint32_t)d;
		}
		if (i == start)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		if (v >= 0x80 && v < 0xA0)
			v = charset_cp1252((unsigned char)v);
		else if (v == 0 || (v < 0x20 && v != '\t' && v != '\n' && v != '\r') || v == 0x7F ||
			 (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
			v = UTF8_REPLACEMENT;
		*cp = v;
		return i;
	}
	char name[32];
	size_t k = 0;
	while (i < n && is_alnum((unsigned char)s[i]) && k < sizeof name - 1)
		name[k++] = s[i++];
	name[k] = '\0';
	if (k == 0 || (i < n && is_alnum((unsigned char)s[i])))
		return 0;
	bool semi = i < n && s[i] == ';';
	if (!semi) {
		bool ok = false;
		for (size_t l = 0; l < sizeof legacy / sizeof legacy[0]; l++)
			ok = ok || strcmp(legacy[l], name) == 0;
		if (!ok)
			return 0;
	}
	const struct entity *e =
		bsearch(name, entities, sizeof entities / sizeof entities[0], sizeof entities[0], entity_cmp);
	if (!e)
		return 0;
	*cp = e->cp;
	return semi ? i + 1 : i;
}

#define LINK_SLOTS 2048 /* a power of two, well above HTML2TEXT_MAX_LINKS */

/* ---- the converter ----------------------------------------------------------------------- */

struct h2t {
	struct buf *out;
	enum buf_result err;
	unsigned flags;
	unsigned pre, quote, list;
	bool head;
	bool ol[HTML2TEXT_MAX_DEPTH];
	unsigned num[HTML2TEXT_MAX_DEPTH];
	int brk;          /* pending break: 0, 1 (new line) or 2 (blank line) */
	unsigned nl;      /* line ends written since the last text (0, 1, 2) */
	bool bol;         /* at the beginning of a line: its prefix is not written yet */
	bool space;       /* a collapsed blank is pending */
	bool any;         /* some text was written */
	bool li;          /* a list bullet is due */
	bool pre_nl;      /* just after <pre>: its first newline is dropped */
	unsigned last_quote; /* quote depth of the last text: blank lines take the lesser depth */
	bool in_a;
	struct buf href;  /* href of the open <a> */
	struct buf links; /* the numbered URLs, back to back */
	size_t n_links;
	struct {
		size_t off, len;
	} link[HTML2TEXT_MAX_LINKS];
	uint16_t slot[LINK_SLOTS]; /* hash of URL -> link index + 1 (0 = free) */
};

static void raw(struct h2t *h, const void *p, size_t n)
{
	if (h->err == BUF_OK && n)
		h->err = buf_append(h->out, p, n);
}

static void raw_byte(struct h2t *h, char c)
{
	raw(h, &c, 1);
}

static unsigned capped(unsigned v)
{
	return v < HTML2TEXT_MAX_DEPTH ? v : HTML2TEXT_MAX_DEPTH;
}

/* Ends the current line; a blank line still carries the quote marks. */
static void newline(struct h2t *h)
{
	if (h->bol) {
		unsigned q = capped(h->quote < h->last_quote ? h->quote : h->last_quote);
		for (unsigned k = 0; k < q; k++)
			raw_byte(h, '>');
	}
	raw_byte(h, '\n');
	h->bol = true;
	h->space = false;
	h->nl++;
}

static void flush_break(struct h2t *h)
{
	if (!h->any) {
		h->brk = 0;
		return;
	}
	while ((int)h->nl < h->brk)
		newline(h);
	h->brk = 0;
}

static void want_break(struct h2t *h, int level)
{
	if (level > h->brk)
		h->brk = level;
	h->space = false;
}

static void line_prefix(struct h2t *h)
{
	unsigned q = capped(h->quote);
	for (unsigned k = 0; k < q; k++)
		raw_byte(h, '>');
	if (q)
		raw_byte(h, ' ');
	if (h->list) {
		unsigned d = capped(h->list);
		for (unsigned k = 1; k < d; k++)
			raw(h, "  ", 2);
		if (h->li) {
			char b[16];
			int len = h->ol[d - 1] ? snprintf(b, sizeof b, "%u. ", h->num[d - 1]) : snprintf(b, sizeof b, "* ");
			raw(h, b, (size_t)len);
			h->li = false;
		} else {
			raw(h, "  ", 2);
		}
	}
	h->bol = false;
}

/* Writes non-blank text (or a hard space). */
static void text(struct h2t *h, const char *s, size_t n)
{
	if (h->head || n == 0)
		return;
	flush_break(h);
	if (h->bol)
		line_prefix(h);
	else if (h->space)
		raw_byte(h, ' ');
	h->space = false;
	raw(h, s, n);
	h->any = true;
	h->nl = 0;
	h->last_quote = h->quote;
}

static void blank(struct h2t *h)
{
	if (!h->bol && !h->head)
		h->space = true;
}

/* Text inside <pre>: as written. */
static void pre_text(struct h2t *h, const char *s, size_t n)
{
	if (h->head)
		return;
	size_t i = 0;
	if (h->pre_nl && n) {
		h->pre_nl = false;
		if (s[0] == '\r')
			i++;
		if (i < n && s[i] == '\n')
			i++;
	}
	while (i < n) {
		if (s[i] == '\r') {
			i++;
			continue;
		}
		if (s[i] == '\n') {
			flush_break(h);
			if (h->any)
				newline(h);
			i++;
			continue;
		}
		size_t k = i;
		while (k < n && s[k] != '\r' && s[k] != '\n')
			k++;
		flush_break(h);
		if (h->bol)
			line_prefix(h);
		raw(h, s + i, k - i);
		h->any = true;
		h->nl = 0;
		h->last_quote = h->quote;
		i = k;
	}
}

static void put_cp(struct h2t *h, uint32_t cp)
{
	if (cp == 0xAD) /* soft hyphen */
		return;
	if (cp == 0xA0) {
		text(h, " ", 1);
		return;
	}
	if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
		if (h->pre) {
			char c = (char)cp;
			pre_text(h, &c, 1);
		} else {
			blank(h);
		}
		return;
	}
	struct buf t;
	char mem[8];
	buf_init(&t, sizeof mem);
	if (charset_put_utf8(&t, cp) == BUF_OK) {
		memcpy(mem, buf_data(&t), buf_len(&t));
		size_t len = buf_len(&t);
		buf_free(&t);
		if (h->pre)
			pre_text(h, mem, len);
		else
			text(h, mem, len);
		return;
	}
	buf_free(&t);
}

/* ---- tags -------------------------------------------------------------------------------- */

enum kind {
	K_INLINE, K_BLOCK, K_BR, K_CELL, K_HR, K_UL, K_OL, K_LI, K_QUOTE, K_PRE, K_A, K_IMG, K_HEAD, K_BODY,
	K_RAW,
};

struct tagdef {
	const char *name;
	enum kind kind;
	int brk; /* break level for K_BLOCK */
};

static const struct tagdef tagdefs[] = {
	{"p", K_BLOCK, 2}, {"h1", K_BLOCK, 2}, {"h2", K_BLOCK, 2}, {"h3", K_BLOCK, 2}, {"h4", K_BLOCK, 2},
	{"h5", K_BLOCK, 2}, {"h6", K_BLOCK, 2}, {"dl", K_BLOCK, 2}, {"table", K_BLOCK, 2},
	{"address", K_BLOCK, 2}, {"figure", K_BLOCK, 2}, {"form", K_BLOCK, 2},
	{"div", K_BLOCK, 1}, {"dt", K_BLOCK, 1}, {"dd", K_BLOCK, 1}, {"tr", K_BLOCK, 1},
	{"section", K_BLOCK, 1}, {"article", K_BLOCK, 1}, {"header", K_BLOCK, 1}, {"footer", K_BLOCK, 1},
	{"nav", K_BLOCK, 1}, {"aside", K_BLOCK, 1}, {"main", K_BLOCK, 1}, {"caption", K_BLOCK, 1},
	{"figcaption", K_BLOCK, 1}, {"details", K_BLOCK, 1}, {"summary", K_BLOCK, 1},
	{"option", K_BLOCK, 1}, {"center", K_BLOCK, 1}, {"fieldset", K_BLOCK, 1}, {"legend", K_BLOCK, 1},
	{"tbody", K_BLOCK, 1}, {"thead", K_BLOCK, 1}, {"tfoot", K_BLOCK, 1},
	{"br", K_BR, 0}, {"td", K_CELL, 0}, {"th", K_CELL, 0}, {"hr", K_HR, 2},
	{"ul", K_UL, 2}, {"ol", K_OL, 2}, {"menu", K_UL, 2}, {"dir", K_UL, 2}, {"li", K_LI, 1},
	{"blockquote", K_QUOTE, 2}, {"pre", K_PRE, 2}, {"xmp", K_PRE, 2}, {"listing", K_PRE, 2},
	{"a", K_A, 0}, {"img", K_IMG, 0}, {"head", K_HEAD, 0}, {"body", K_BODY, 0},
	{"script", K_RAW, 0}, {"style", K_RAW, 0}, {"title", K_RAW, 0}, {"template", K_RAW, 0},
	{"textarea", K_RAW, 0}, {"noembed", K_RAW, 0}, {"noframes", K_RAW, 0},
};

static const struct tagdef *tag_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof tagdefs / sizeof tagdefs[0]; i++)
		if (strcmp(tagdefs[i].name, name) == 0)
			return &tagdefs[i];
	return NULL;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Appends an attribute value with its entities decoded; blanks and controls become spaces. */
static enum buf_result attr_value(struct buf *out, const char *s, size_t n)
{
	enum buf_result r = BUF_OK;
	for (size_t i = 0; i < n && r == BUF_OK;) {
		uint32_t cp;
		size_t k = s[i] == '&' ? entity(s + i, n - i, &cp) : 0;
		if (k) {
			r = charset_put_utf8(out, cp == 0xA0 || cp < 0x20 ? ' ' : cp);
			i += k;
		} else {
			unsigned char c = (unsigned char)s[i++];
			r = buf_append_byte(out, c < 0x20 ? ' ' : c);
		}
	}
	return r;
}

/* Finds attribute `want` in the attribute text a[0..n) and appends its decoded value to out. */
static bool attr_get(const char *a, size_t n, const char *want, struct buf *out)
{
	size_t i = 0, wl = strlen(want);
	while (i < n) {
		while (i < n && (is_space((unsigned char)a[i]) || a[i] == '/'))
			i++;
		size_t ns = i;
		while (i < n && !is_space((unsigned char)a[i]) && a[i] != '=' && a[i] != '/')
			i++;
		size_t nlen = i - ns;
		while (i < n && is_space((unsigned char)a[i]))
			i++;
		const char *v = NULL;
		size_t vl = 0;
		if (i < n && a[i] == '=') {
			i++;
			while (i < n && is_space((unsigned char)a[i]))
				i++;
			if (i < n && (a[i] == '"' || a[i] == '\'')) {
				char q = a[i++];
				v = a + i;
				while (i < n && a[i] != q)
					i++;
				vl = (size_t)(a + i - v);
				if (i < n)
					i++;
			} else {
				v = a + i;
				while (i < n && !is_space((unsigned char)a[i]))
					i++;
				vl = (size_t)(a + i - v);
			}
		}
		if (nlen == 0 && !v) {
			i++;
			continue;
		}
		if (nlen == wl && strncasecmp(a + ns, want, wl) == 0) {
			buf_reset(out);
			return v && attr_value(out, v, vl) == BUF_OK;
		}
	}
	return false;
}

/* Ends an open link: its number goes after the text. */
static void end_link(struct h2t *h)
{
	if (!h->in_a)
		return;
	h->in_a = false;
	const char *u = buf_data(&h->href);
	size_t ul = buf_len(&h->href);
	while (ul && u[0] == ' ') {
		u++;
		ul--;
	}
	while (ul && u[ul - 1] == ' ')
		ul--;
	if (ul == 0 || u[0] == '#' || (ul >= 11 && strncasecmp(u, "javascript:", 11) == 0) ||
	    memchr(u, '\0', ul))
		return;
	uint32_t hash = 2166136261u;
	for (size_t k = 0; k < ul; k++)
		hash = (hash ^ (unsigned char)u[k]) * 16777619u;
	size_t at = hash & (LINK_SLOTS - 1), num = 0;
	for (; h->slot[at]; at = (at + 1) & (LINK_SLOTS - 1)) {
		size_t li = h->slot[at] - 1u;
		if (h->link[li].len == ul && memcmp(buf_data(&h->links) + h->link[li].off, u, ul) == 0) {
			num = li + 1;
			break;
		}
	}
	if (!num) {
		if (h->n_links >= HTML2TEXT_MAX_LINKS)
			return;
		size_t off = buf_len(&h->links);
		if (buf_append(&h->links, u, ul) != BUF_OK)
			return;
		h->link[h->n_links].off = off;
		h->link[h->n_links].len = ul;
		h->slot[at] = (uint16_t)(h->n_links + 1);
		num = ++h->n_links;
	}
	char b[24];
	int len = snprintf(b, sizeof b, "[%zu]", num);
	bool sp = h->space;
	h->space = false;
	text(h, b, (size_t)len);
	h->space = sp;
}

static void open_list(struct h2t *h, bool ordered)
{
	want_break(h, h->list ? 1 : 2);
	if (h->list < HTML2TEXT_MAX_DEPTH) {
		h->ol[h->list] = ordered;
		h->num[h->list] = 0;
	}
	if (h->list < UINT_MAX)
		h->list++;
}

static void tag(struct h2t *h, const struct tagdef *t, bool close, const char *attrs, size_t alen)
{
	switch (t->kind) {
	case K_INLINE:
	case K_RAW:
		break;
	case K_BLOCK:
		want_break(h, t->brk);
		break;
	case K_BR:
		flush_break(h);
		if (h->any && h->nl < 2 && !h->head)
			newline(h);
		break;
	case K_CELL:
		if (!close)
			blank(h);
		break;
	case K_HR:
		want_break(h, 2);
		if (!close) {
			text(h, "--------------------", 20);
			want_break(h, 2);
		}
		break;
	case K_UL:
	case K_OL:
		if (!close) {
			open_list(h, t->kind == K_OL);
		} else if (h->list) {
			h->list--;
			want_break(h, h->list ? 1 : 2);
		}
		break;
	case K_LI:
		want_break(h, 1);
		if (!close) {
			if (!h->list)
				open_list(h, false); /* a stray <li> */
			unsigned d = capped(h->list);
			h->num[d - 1]++;
			h->li = true;
		}
		break;
	case K_QUOTE:
		want_break(h, 2);
		if (!close && h->quote < UINT_MAX)
			h->quote++;
		else if (close && h->quote)
			h->quote--;
		break;
	case K_PRE:
		want_break(h, 2);
		if (!close && h->pre < UINT_MAX) {
			h->pre++;
			h->pre_nl = true;
		}
		else if (close && h->pre)
			h->pre--;
		break;
	case K_A:
		end_link(h);
		if (!close && !(h->flags & HTML2TEXT_NO_LINKS)) {
			h->in_a = attr_get(attrs, alen, "href", &h->href);
		}
		break;
	case K_IMG: {
		struct buf alt;
		buf_init(&alt, alen + 16);
		if (!close && attr_get(attrs, alen, "alt", &alt)) {
			const char *a = buf_data(&alt);
			size_t al = buf_len(&alt);
			while (al && a[0] == ' ') {
				a++;
				al--;
			}
			while (al && a[al - 1] == ' ')
				al--;
			if (al) {
				text(h, "[", 1);
				bool sp = h->space;
				raw(h, a, al);
				h->space = sp;
				raw_byte(h, ']');
			}
		}
		buf_free(&alt);
		break;
	}
	case K_HEAD:
		h->head = !close;
		break;
	case K_BODY:
		h->head = false;
		break;
	}
}

/* Case-insensitive search for "</name" from s[i]; returns its offset or n. */
static size_t find_close(const char *s, size_t n, size_t i, const char *name)
{
	size_t nl = strlen(name);
	while (i < n) {
		const char *lt = memchr(s + i, '<', n - i);
		if (!lt)
			return n;
		i = (size_t)(lt - s);
		if (n - i >= nl + 2 && s[i + 1] == '/' && strncasecmp(s + i + 2, name, nl) == 0)
			return i;
		i++;
	}
	return n;
}

/* Handles markup at s[i] == '<'. Returns the offset after it, or 0 when '<' is plain text. */
static size_t markup(struct h2t *h, const char *s, size_t n, size_t i)
{
	size_t k = i + 1;
	if (k < n && s[k] == '!') {
		if (n - k >= 3 && s[k + 1] == '-' && s[k + 2] == '-') {
			for (size_t j = k + 3; j + 2 < n; j++)
				if (s[j] == '-' && s[j + 1] == '-' && s[j + 2] == '>')
					return j + 3;
			return n;
		}
		const char *gt = memchr(s + k, '>', n - k);
		return gt ? (size_t)(gt - s) + 1 : n;
	}
	if (k < n && s[k] == '?') {
		const char *gt = memchr(s + k, '>', n - k);
		return gt ? (size_t)(gt - s) + 1 : n;
	}
	bool close = k < n && s[k] == '/';
	if (close)
		k++;
	if (k >= n || !((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z')))
		return 0;
	char name[16];
	size_t nl = 0;
	bool long_name = false;
	while (k < n && !is_space((unsigned char)s[k]) && s[k] != '/' && s[k] != '>') {
		if (nl < sizeof name - 1) {
			char c = s[k];
			name[nl++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		} else {
			long_name = true;
		}
		k++;
	}
	name[nl] = '\0';
	/* the attributes run to the first '>' outside a quoted value */
	size_t a = k;
	char quote = 0;
	bool after_eq = false;
	for (; k < n; k++) {
		char c = s[k];
		if (quote) {
			if (c == quote)
				quote = 0;
			continue;
		}
		if (c == '>')
			break;
		if ((c == '"' || c == '\'') && after_eq)
			quote = c;
		if (c == '=')
			after_eq = true;
		else if (!is_space((unsigned char)c))
			after_eq = false;
	}
	if (k >= n)
		return n; /* an unclosed tag ends the document */
	const struct tagdef *t = long_name ? NULL : tag_lookup(name);
	if (!t)
		return k + 1;
	tag(h, t, close, s + a, k - a);
	if (t->kind == K_RAW && !close) {
		size_t c = find_close(s, n, k + 1, name);
		if (c >= n)
			return n;
		const char *gt = memchr(s + c, '>', n - c);
		return gt ? (size_t)(gt - s) + 1 : n;
	}
	return k + 1;
}

enum buf_result html2text(struct buf *out, const char *html, size_t n, unsigned flags)
{
	struct buf in;
	struct h2t h = {.out = out, .err = BUF_OK, .flags = flags, .bol = true};
	size_t cap = n <= (SIZE_MAX - 16) / 3 ? n * 3 + 16 : SIZE_MAX;
	buf_init(&in, cap);
	buf_init(&h.href, n + 16);
	buf_init(&h.links, n + 16);
	h.err = charset_utf8_sanitize(&in, html, n);
	const char *s = buf_data(&in);
	size_t len = buf_len(&in), i = 0;

	while (i < len && h.err == BUF_OK) {
		unsigned char c = (unsigned char)s[i];
		if (c == '<') {
			size_t j = markup(&h, s, len, i);
			if (j) {
				i = j;
				continue;
			}
			h.pre ? pre_text(&h, "<", 1) : text(&h, "<", 1);
			i++;
		} else if (c == '&') {
			uint32_t cp;
			size_t k = entity(s + i, len - i, &cp);
			if (k) {
				put_cp(&h, cp);
				i += k;
			} else {
				h.pre ? pre_text(&h, "&", 1) : text(&h, "&", 1);
				i++;
			}
		} else if (h.pre) {
			size_t k = i;
			while (k < len && s[k] != '<' && s[k] != '&')
				k++;
			pre_text(&h, s + i, k - i);
			i = k;
		} else if (is_space(c)) {
			blank(&h);
			i++;
		} else {
			size_t k = i;
			while (k < len && s[k] != '<' && s[k] != '&' && !is_space((unsigned char)s[k]))
				k++;
			text(&h, s + i, k - i);
			i = k;
		}
	}
	end_link(&h);
	if (h.any && !h.bol)
		newline(&h);
	if (h.n_links && h.err == BUF_OK) {
		raw_byte(&h, '\n');
		for (size_t k = 0; k < h.n_links && h.err == BUF_OK; k++) {
			char b[24];
			int bl = snprintf(b, sizeof b, "[%zu] ", k + 1);
			raw(&h, b, (size_t)bl);
			raw(&h, buf_data(&h.links) + h.link[k].off, h.link[k].len);
			raw_byte(&h, '\n');
		}
	}
	buf_free(&in);
	buf_free(&h.href);
	buf_free(&h.links);
	return h.err;
}

/* ---- the external filter ----------------------------------------------------------------- */

static bool on_path(const char *path, const char *prog)
{
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t dl = colon ? (size_t)(colon - path) : strlen(path);
		char file[4096];
		if (dl > 0 && dl + strlen(prog) + 2 <= sizeof file) {
			struct stat st;
			memcpy(file, path, dl);
			file[dl] = '/';
			strcpy(file + dl + 1, prog);
			if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
				return true;
		}
		path = colon ? colon + 1 : NULL;
	}
	return false;
}

const char *html2text_find_filter(const char *path)
{
	if (!path)
		path = getenv("PATH");
	if (on_path(path, "w3m"))
		return "w3m -dump -T text/html -I UTF-8 -O UTF-8";
	if (on_path(path, "lynx"))
		return "lynx -dump -stdin -force_html -assume_charset=UTF-8 -display_charset=UTF-8";
	return NULL;
}
