/* sanitize — terminal-safe text and display widths; see sanitize.h for the guarantees. */
#include "config.h"

#include "sanitize.h"

#include "buf.h"
#include "mail/charset.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static const char *bidi_name(uint32_t cp)
{
	switch (cp) {
	case 0x202A: return "LRE";
	case 0x202B: return "RLE";
	case 0x202C: return "PDF";
	case 0x202D: return "LRO";
	case 0x202E: return "RLO";
	case 0x2066: return "LRI";
	case 0x2067: return "RLI";
	case 0x2068: return "FSI";
	case 0x2069: return "PDI";
	case 0x200E: return "LRM";
	case 0x200F: return "RLM";
	case 0x061C: return "ALM";
	default: return NULL;
	}
}

/* Code points that print nothing useful and could hide or reorder text. */
static bool invisible(uint32_t cp)
{
	return cp == 0xFEFF || cp == 0x200B || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0xE0000 && cp <= 0xE007F) ||
	       (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x206A && cp <= 0x206F);
}

static int put_cp(struct buf *out, uint32_t cp)
{
	return charset_put_utf8(out, cp) == BUF_OK ? 0 : -1;
}

static int put_ascii(struct buf *out, const char *s)
{
	return buf_append_str(out, s) == BUF_OK ? 0 : -1;
}

int san_text(const char *in, size_t len, unsigned flags, struct buf *out)
{
	const bool ascii = flags & SAN_LOCALE_ASCII;
	const bool body = flags & SAN_BODY;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = charset_utf8_decode(in + i, len - i, &cp);
		i += n;
		int r = 0;
		if (cp == '\t') {
			r = put_ascii(out, body ? "\t" : " ");
		} else if (cp == '\n' || cp == '\r') {
			if (cp == '\r' && i < len && in[i] == '\n')
				i++; /* CRLF is one break */
			r = put_ascii(out, body ? "\n" : " ");
		} else if (cp < 0x20 || cp == 0x7F) {
			if (ascii) {
				char pic[3] = {'^', (char)(cp == 0x7F ? '?' : cp + 0x40), 0};
				r = put_ascii(out, pic);
			} else {
				r = put_cp(out, cp == 0x7F ? 0x2421 : 0x2400 + cp);
			}
		} else if (cp >= 0x80 && cp <= 0x9F) {
			r = ascii ? put_ascii(out, "?") : put_cp(out, 0xFFFD);
		} else if (bidi_name(cp)) {
			r = buf_printf(out, "<%s>", bidi_name(cp)) == BUF_OK ? 0 : -1;
		} else if (invisible(cp)) {
			continue; /* dropped: it has no glyph and only hides things */
		} else if (cp < 0x80) {
			char c = (char)cp;
			r = buf_append(out, &c, 1) == BUF_OK ? 0 : -1;
		} else if (ascii) {
			r = put_ascii(out, "?");
		} else {
			int w = wcwidth((wchar_t)cp);
			/* in a UTF-8 locale wcwidth() < 0 means non-printing; outside one it knows
			 * nothing of non-ASCII, so only the explicit rules above apply */
			r = put_cp(out, (w < 0 && MB_CUR_MAX > 1) ? 0xFFFD : cp);
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

int cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return 1;
	int w = wcwidth((wchar_t)cp);
	if (w < 0)
		return 1;
	return w > 2 ? 2 : w;
}

int text_width(const char *s, size_t len)
{
	int cols = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		i += charset_utf8_decode(s + i, len - i, &cp);
		cols += cp_width(cp);
	}
	return cols;
}

size_t text_fit(const char *s, size_t len, int cols, int *used)
{
	int w = 0;
	size_t i = 0, fit = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = charset_utf8_decode(s + i, len - i, &cp);
		int cw = cp_width(cp);
		if (w + cw > cols)
			break;
		w += cw;
		i += n;
		/* a zero-width mark belongs to what came before: keep the cut after it */
		fit = i;
	}
	if (used)
		*used = w;
	return fit;
}
