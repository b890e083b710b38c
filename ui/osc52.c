/* osc52 — clipboard escape sequences; see osc52.h. */
#include "config.h"

#include "osc52.h"

#include "base64.h"
#include "buf.h"

#include <string.h>

enum osc52_wrap osc52_wrap_for(const char *tmux, const char *sty, const char *term)
{
	if (tmux && *tmux)
		return OSC52_TMUX;
	if ((sty && *sty) || (term && !strncmp(term, "screen", 6)))
		return OSC52_SCREEN;
	return OSC52_PLAIN;
}

int osc52_encode(struct buf *out, const char *text, size_t len, enum osc52_wrap w)
{
	if (len > OSC52_MAX)
		return -1;
	struct buf b64;
	buf_init(&b64, OSC52_MAX * 2);
	if (base64_encode(&b64, text, len) != BASE64_OK) {
		buf_free(&b64);
		return -1;
	}
	size_t start = buf_len(out);
	enum buf_result r = BUF_OK;
	const char *d = buf_data(&b64);
	size_t n = buf_len(&b64);
	switch (w) {
	case OSC52_PLAIN:
		r = buf_printf(out, "\033]52;c;%s\a", d);
		break;
	case OSC52_TMUX:
		/* inside the passthrough every ESC of the inner sequence is doubled */
		r = buf_printf(out, "\033Ptmux;\033\033]52;c;%s\a\033\\", d);
		break;
	case OSC52_SCREEN:
		/* screen limits a DCS string: send the OSC in pieces, each in its own DCS */
		r = buf_append_str(out, "\033P\033]52;c;");
		for (size_t i = 0; i < n && r == BUF_OK; i += 76) {
			size_t k = n - i < 76 ? n - i : 76;
			r = buf_append(out, d + i, k);
			if (r == BUF_OK && i + k < n)
				r = buf_append_str(out, "\033\\\033P");
		}
		if (r == BUF_OK)
			r = buf_append_str(out, "\a\033\\");
		break;
	}
	buf_free(&b64);
	if (r != BUF_OK) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}
