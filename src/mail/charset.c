/* charset — MIME charsets to UTF-8 through iconv and built-in tables; see charset.h. */
#include "config.h"

#include "mail/charset.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#define UTF8_INVALID UINT32_MAX

/* ---- UTF-8 ------------------------------------------------------------------------------- */

size_t charset_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char b0 = u[0];
	if (b0 < 0x80) {
		*cp = b0;
		return 1;
	}
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
	uint32_t v;
	if (b0 >= 0xC2 && b0 <= 0xDF) {
		need = 1;
		v = b0 & 0x1Fu;
	} else if (b0 >= 0xE0 && b0 <= 0xEF) {
		need = 2;
		v = b0 & 0x0Fu;
		if (b0 == 0xE0)
			lo = 0xA0;
		else if (b0 == 0xED)
			hi = 0x9F;
	} else if (b0 >= 0xF0 && b0 <= 0xF4) {
		need = 3;
		v = b0 & 0x07u;
		if (b0 == 0xF0)
			lo = 0x90;
		else if (b0 == 0xF4)
			hi = 0x8F;
	} else {
		*cp = UTF8_INVALID;
		return 1;
	}
	size_t i = 1;
	for (; i <= need; i++) {
		if (i >= n)
			break;
		unsigned char c = u[i];
		if (i == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF))
			break;
		v = v << 6 | (c & 0x3Fu);
	}
	if (i <= need) {
		*cp = UTF8_INVALID;
		return i;
	}
	*cp = v;
	return need + 1;
}

size_t charset_utf8_valid_prefix(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t k = charset_utf8_decode(s + i, n - i, &cp);
		if (cp == UTF8_INVALID)
			break;
		i += k;
	}
	return i;
}

enum buf_result charset_put_utf8(struct buf *out, uint32_t cp)
{
	unsigned char t[4];
	size_t k;
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = UTF8_REPLACEMENT;
	if (cp < 0x80) {
		t[0] = (unsigned char)cp;
		k = 1;
	} else if (cp < 0x800) {
		t[0] = (unsigned char)(0xC0 | cp >> 6);
		t[1] = (unsigned char)(0x80 | (cp & 0x3F));
		k = 2;
	} else if (cp < 0x10000) {
		t[0] = (unsigned char)(0xE0 | cp >> 12);
		t[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		t[2] = (unsigned char)(0x80 | (cp & 0x3F));
		k = 3;
	} else {
		t[0] = (unsigned char)(0xF0 | cp >> 18);
		t[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		t[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		t[3] = (unsigned char)(0x80 | (cp & 0x3F));
		k = 4;
	}
	return buf_append(out, t, k);
}

/* Appends valid UTF-8 s[0..n); when it does not all fit, as much as fits on a character
 * boundary, and BUF_TOO_BIG. */
static enum buf_result put_run(struct buf *out, const char *s, size_t n)
{
	enum buf_result r = buf_append(out, s, n);
	if (r != BUF_TOO_BIG)
		return r;
	size_t k = out->len < out->cap ? out->cap - out->len : 0;
	if (k >= n)
		return r;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	if (k && buf_append(out, s, k) != BUF_OK)
		return BUF_NOMEM;
	return BUF_TOO_BIG;
}

enum buf_result charset_utf8_sanitize(struct buf *out, const char *in, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t ok = charset_utf8_valid_prefix(in + i, n - i);
		if (ok) {
			enum buf_result r = put_run(out, in + i, ok);
			if (r != BUF_OK)
				return r;
			i += ok;
			continue;
		}
		uint32_t cp;
		i += charset_utf8_decode(in + i, n - i, &cp);
		enum buf_result r = charset_put_utf8(out, UTF8_REPLACEMENT);
		if (r != BUF_OK)
			return r;
	}
	return BUF_OK;
}

/* ---- windows-1252 ------------------------------------------------------------------------ */

static const uint16_t cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

uint32_t charset_cp1252(unsigned char c)
{
	if (c >= 0x80 && c < 0xA0)
		return cp1252_high[c - 0x80];
	return c;
}

/* Appends the ASCII run at in[0..) and returns its length. */
static enum buf_result ascii_run(struct buf *out, const char *in, size_t n, size_t *len)
{
	size_t k = 0;
	while (k < n && (unsigned char)in[k] < 0x80)
		k++;
	*len = k;
	return k ? put_run(out, in, k) : BUF_OK;
}

static enum buf_result conv_cp1252(struct buf *out, const char *in, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t k;
		enum buf_result r = ascii_run(out, in + i, n - i, &k);
		if (r != BUF_OK)
			return r;
		i += k;
		if (i < n) {
			r = charset_put_utf8(out, charset_cp1252((unsigned char)in[i++]));
			if (r != BUF_OK)
				return r;
		}
	}
	return BUF_OK;
}

enum buf_result charset_guess_to_utf8(struct buf *out, const char *in, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t ok = charset_utf8_valid_prefix(in + i, n - i);
		if (ok) {
			enum buf_result r = put_run(out, in + i, ok);
			if (r != BUF_OK)
				return r;
			i += ok;
			continue;
		}
		uint32_t cp;
		size_t bad = charset_utf8_decode(in + i, n - i, &cp);
		enum buf_result r = conv_cp1252(out, in + i, bad);
		if (r != BUF_OK)
			return r;
		i += bad;
	}
	return BUF_OK;
}

/* ---- labels ------------------------------------------------------------------------------ */

enum cs_kind { CS_UTF8, CS_CP1252, CS_GUESS, CS_ICONV, CS_UNKNOWN };

struct alias {
	const char *label;
	enum cs_kind kind;
	const char *target; /* for CS_ICONV */
};

static const struct alias aliases[] = {
	{"utf-8", CS_UTF8, NULL}, {"utf8", CS_UTF8, NULL}, {"unicode-1-1-utf-8", CS_UTF8, NULL},
	{"x-unicode20utf8", CS_UTF8, NULL},
	{"iso-8859-1", CS_CP1252, NULL}, {"iso8859-1", CS_CP1252, NULL}, {"iso_8859-1", CS_CP1252, NULL},
	{"iso_8859-1:1987", CS_CP1252, NULL}, {"iso88591", CS_CP1252, NULL}, {"latin1", CS_CP1252, NULL},
	{"latin-1", CS_CP1252, NULL}, {"l1", CS_CP1252, NULL}, {"cp819", CS_CP1252, NULL},
	{"ibm819", CS_CP1252, NULL}, {"iso-ir-100", CS_CP1252, NULL}, {"csisolatin1", CS_CP1252, NULL},
	{"windows-1252", CS_CP1252, NULL}, {"cp1252", CS_CP1252, NULL}, {"x-cp1252", CS_CP1252, NULL},
	{"us-ascii", CS_GUESS, NULL}, {"ascii", CS_GUESS, NULL}, {"us", CS_GUESS, NULL},
	{"ansi_x3.4-1968", CS_GUESS, NULL}, {"iso646-us", CS_GUESS, NULL}, {"csascii", CS_GUESS, NULL},
	{"iso-ir-6", CS_GUESS, NULL}, {"cp367", CS_GUESS, NULL}, {"ibm367", CS_GUESS, NULL},
	{"unknown-8bit", CS_GUESS, NULL}, {"x-unknown", CS_GUESS, NULL}, {"unknown", CS_GUESS, NULL},
	{"default", CS_GUESS, NULL}, {"x-user-defined", CS_GUESS, NULL},
	{"gb2312", CS_ICONV, "GB18030"}, {"gbk", CS_ICONV, "GB18030"}, {"x-gbk", CS_ICONV, "GB18030"},
	{"euc-cn", CS_ICONV, "GB18030"}, {"x-euc-cn", CS_ICONV, "GB18030"}, {"cp936", CS_ICONV, "GB18030"},
	{"csgb2312", CS_ICONV, "GB18030"}, {"gb_2312-80", CS_ICONV, "GB18030"},
	{"chinese", CS_ICONV, "GB18030"}, {"windows-936", CS_ICONV, "GB18030"},
	{"ks_c_5601-1987", CS_ICONV, "CP949"}, {"ks_c_5601-1989", CS_ICONV, "CP949"},
	{"ks_c_5601", CS_ICONV, "CP949"}, {"ksc5601", CS_ICONV, "CP949"}, {"ksc_5601", CS_ICONV, "CP949"},
	{"euc-kr", CS_ICONV, "CP949"}, {"cseuckr", CS_ICONV, "CP949"}, {"korean", CS_ICONV, "CP949"},
	{"csksc56011987", CS_ICONV, "CP949"}, {"windows-949", CS_ICONV, "CP949"},
	{"x-windows-949", CS_ICONV, "CP949"},
	{"iso-8859-8-i", CS_ICONV, "ISO-8859-8"}, {"iso_8859-8-i", CS_ICONV, "ISO-8859-8"},
	{"iso-8859-8-e", CS_ICONV, "ISO-8859-8"}, {"csiso88598i", CS_ICONV, "ISO-8859-8"},
	{"logical", CS_ICONV, "ISO-8859-8"}, {"iso-8859-6-i", CS_ICONV, "ISO-8859-6"},
	{"iso-8859-6-e", CS_ICONV, "ISO-8859-6"},
	{"shift_jis", CS_ICONV, "CP932"}, {"shift-jis", CS_ICONV, "CP932"}, {"sjis", CS_ICONV, "CP932"},
	{"x-sjis", CS_ICONV, "CP932"}, {"ms_kanji", CS_ICONV, "CP932"}, {"csshiftjis", CS_ICONV, "CP932"},
	{"windows-31j", CS_ICONV, "CP932"}, {"cp932", CS_ICONV, "CP932"},
	{"iso-8859-9", CS_ICONV, "WINDOWS-1254"}, {"iso8859-9", CS_ICONV, "WINDOWS-1254"},
	{"latin5", CS_ICONV, "WINDOWS-1254"}, {"tis-620", CS_ICONV, "CP874"},
	{"iso-8859-11", CS_ICONV, "CP874"}, {"windows-874", CS_ICONV, "CP874"},
	{"big5", CS_ICONV, "BIG5-HKSCS"}, {"x-x-big5", CS_ICONV, "BIG5-HKSCS"},
	{"macintosh", CS_ICONV, "MACINTOSH"}, {"x-mac-roman", CS_ICONV, "MACINTOSH"},
};

bool charset_name_valid(const char *name, size_t len)
{
	if (!name || len == 0 || len > CHARSET_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == ':' || c == '-'))
			return false;
	}
	return true;
}

/* Resolves a label; for CS_ICONV fills iname (CHARSET_NAME_MAX + 1 bytes) with the iconv name. */
static enum cs_kind resolve(const char *label, size_t len, char *iname)
{
	if (!label)
		return CS_GUESS;
	while (len && (label[0] == ' ' || label[0] == '\t' || label[0] == '"' || label[0] == '\'')) {
		label++;
		len--;
	}
	while (len && (label[len - 1] == ' ' || label[len - 1] == '\t' || label[len - 1] == '"' ||
		       label[len - 1] == '\''))
		len--;
	if (len == 0)
		return CS_GUESS;
	if (!charset_name_valid(label, len))
		return CS_UNKNOWN;
	char low[CHARSET_NAME_MAX + 1];
	for (size_t i = 0; i < len; i++) {
		char c = label[i];
		low[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		iname[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
	}
	low[len] = iname[len] = '\0';
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		if (strcmp(aliases[i].label, low) == 0) {
			if (aliases[i].target)
				strcpy(iname, aliases[i].target);
			return aliases[i].kind;
		}
	}
	return CS_ICONV;
}

/* ---- the iconv descriptor cache ---------------------------------------------------------- */

#define CD_CACHE 8
#define CD_NONE ((iconv_t)-1)

static struct {
	char name[CHARSET_NAME_MAX + 1]; /* "" = free slot */
	iconv_t cd;                      /* CD_NONE: iconv could not open it */
	unsigned long used;
} cd_cache[CD_CACHE];
static unsigned long cd_clock;

static iconv_t cd_get(const char *iname)
{
	size_t victim = CD_CACHE;
	for (size_t i = 0; i < CD_CACHE; i++) {
		if (cd_cache[i].name[0] && strcmp(cd_cache[i].name, iname) == 0) {
			cd_cache[i].used = ++cd_clock;
			return cd_cache[i].cd;
		}
	}
	for (size_t i = 0; i < CD_CACHE && victim == CD_CACHE; i++)
		if (!cd_cache[i].name[0])
			victim = i;
	if (victim == CD_CACHE) { /* evict the least recently used */
		victim = 0;
		for (size_t i = 1; i < CD_CACHE; i++)
			if (cd_cache[i].used < cd_cache[victim].used)
				victim = i;
	}
	if (cd_cache[victim].name[0] && cd_cache[victim].cd != CD_NONE)
		iconv_close(cd_cache[victim].cd);
	strcpy(cd_cache[victim].name, iname);
	cd_cache[victim].cd = iconv_open("UTF-8", iname);
	cd_cache[victim].used = ++cd_clock;
	return cd_cache[victim].cd;
}

void charset_cache_flush(void)
{
	for (size_t i = 0; i < CD_CACHE; i++) {
		if (cd_cache[i].name[0] && cd_cache[i].cd != CD_NONE)
			iconv_close(cd_cache[i].cd);
		cd_cache[i].name[0] = '\0';
		cd_cache[i].cd = CD_NONE;
		cd_cache[i].used = 0;
	}
}

bool charset_known(const char *label, size_t label_len)
{
	char iname[CHARSET_NAME_MAX + 1];
	switch (resolve(label, label_len, iname)) {
	case CS_UNKNOWN:
		return false;
	case CS_ICONV:
		return cd_get(iname) != CD_NONE;
	default:
		return true;
	}
}

static enum buf_result conv_iconv(iconv_t cd, struct buf *out, const char *in, size_t n)
{
	char *ip = (char *)(uintptr_t)in; /* iconv's prototype lacks const */
	size_t il = n;
	size_t step = 64;
	bool flushing = false;
	iconv(cd, NULL, NULL, NULL, NULL); /* fresh shift state for every string */
	for (;;) {
		size_t avail = out->len < out->cap ? out->cap - out->len : 0;
		if (avail == 0)
			return flushing ? BUF_OK : BUF_TOO_BIG; /* a UTF-8 target has no state to flush */
		size_t want = il < (1u << 14) ? il * 4 + step : (1u << 16);
		if (want > avail)
			want = avail;
		char *op = buf_reserve(out, want);
		if (!op)
			return BUF_NOMEM;
		char *o0 = op;
		size_t ol = want;
		size_t r = flushing ? iconv(cd, NULL, NULL, &op, &ol) : iconv(cd, &ip, &il, &op, &ol);
		int e = errno;
		buf_commit(out, (size_t)(op - o0));
		if (r != (size_t)-1) {
			if (flushing)
				return BUF_OK;
			if (il == 0)
				flushing = true;
			continue;
		}
		if (e == E2BIG) {
			if (op == o0) {
				if (want == avail)
					return BUF_TOO_BIG;
				step *= 2; /* a character wider than the room offered */
			}
			continue;
		}
		enum buf_result br = charset_put_utf8(out, UTF8_REPLACEMENT);
		if (br != BUF_OK)
			return br;
		if (e == EILSEQ && il > 0) {
			ip++;
			il--;
		} else {
			il = 0; /* EINVAL: an incomplete sequence ends the input */
		}
		if (il == 0)
			flushing = true;
	}
}

enum buf_result charset_to_utf8(struct buf *out, const char *label, size_t label_len, const char *in,
				size_t n)
{
	char iname[CHARSET_NAME_MAX + 1];
	switch (resolve(label, label_len, iname)) {
	case CS_CP1252:
		return conv_cp1252(out, in, n);
	case CS_GUESS:
		return charset_guess_to_utf8(out, in, n);
	case CS_ICONV: {
		if (n == 0)
			return BUF_OK;
		iconv_t cd = cd_get(iname);
		if (cd != CD_NONE)
			return conv_iconv(cd, out, in, n);
		break;
	}
	case CS_UTF8:
	case CS_UNKNOWN:
		break;
	}
	return charset_utf8_sanitize(out, in, n);
}
