/* flowed — RFC 3676 format=flowed to display paragraphs; see flowed.h. */
#include "config.h"

#include "mail/flowed.h"

#include <string.h>

unsigned flowed_quote_depth(const char *line, size_t n, size_t *skip)
{
	size_t i = 0;
	while (i < n && i < FLOWED_MAX_DEPTH && line[i] == '>')
		i++;
	unsigned depth = (unsigned)i;
	if (depth && i < n && line[i] == ' ')
		i++;
	*skip = i;
	return depth;
}

static enum buf_result prefix(struct buf *out, unsigned depth, const char *text, size_t len)
{
	enum buf_result r = BUF_OK;
	for (unsigned k = 0; k < depth && r == BUF_OK; k++)
		r = buf_append_byte(out, '>');
	if (r == BUF_OK && (depth || (len && text[0] == '>')))
		r = buf_append_byte(out, ' ');
	return r;
}

enum buf_result flowed_decode(struct buf *out, const char *in, size_t n, bool delsp)
{
	bool in_para = false;
	unsigned para_depth = 0;
	size_t i = 0;
	enum buf_result r = BUF_OK;

	while (i < n && r == BUF_OK) {
		const char *nl = memchr(in + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - in) : n;
		size_t next = nl ? end + 1 : n;
		if (end > i && in[end - 1] == '\r')
			end--;
		const char *line = in + i;
		size_t len = end - i;
		i = next;

		unsigned depth = 0;
		while (depth < len && depth < FLOWED_MAX_DEPTH && line[depth] == '>')
			depth++;
		const char *text = line + depth;
		size_t tlen = len - depth;
		if (tlen && text[0] == ' ') { /* space-stuffing */
			text++;
			tlen--;
		}
		bool sig = tlen == 3 && memcmp(text, "-- ", 3) == 0;
		bool flowed = !sig && tlen && text[tlen - 1] == ' ';

		if (in_para && (depth != para_depth || sig)) {
			/* a flowed line joins neither another depth nor the signature separator */
			r = buf_append_byte(out, '\n');
			in_para = false;
		}
		if (r == BUF_OK && !in_para) {
			r = prefix(out, depth, text, tlen);
			in_para = true;
			para_depth = depth;
		}
		if (r == BUF_OK)
			r = buf_append(out, text, flowed && delsp ? tlen - 1 : tlen);
		if (r == BUF_OK && !flowed) {
			r = buf_append_byte(out, '\n');
			in_para = false;
		}
	}
	if (r == BUF_OK && in_para)
		r = buf_append_byte(out, '\n');
	return r;
}
