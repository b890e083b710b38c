/* RFC 5256 §2.1 base subject, with the localised reply/forward prefixes mail clients use. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "mail/thread.h"
#include "mail/thread_int.h"

/* Words that, followed by an optional counter and a colon, mark a reply or forward. ASCII ones
 * match in any case. */
static const char *const refwd_words[] = {
	"re", "fw", "fwd", "aw", "sv", "vs", "wg", "antw", "odp", "tr", "rif", "ref", "res", "enc",
	"\xe5\x9b\x9e\xe5\xa4\x8d", /* 回复 */
	"\xe5\x9b\x9e\xe8\xa6\x86", /* 回覆 */
	"\xe7\xad\x94\xe5\xa4\x8d", /* 答复 */
	"\xe8\xbd\xac\xe5\x8f\x91", /* 转发 */
	"\xe8\xbd\x89\xe5\xaf\x84", /* 轉寄 */
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

static bool prefix_ci(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word);
	if (k > n)
		return false;
	for (size_t i = 0; i < k; i++)
		if (lower(s[i]) != word[i])
			return false;
	return true;
}

/* A subj-blob "[...]" (no brackets inside) and the spaces after it: its length, or 0. */
static size_t blob_len(const char *s, size_t n)
{
	if (n == 0 || s[0] != '[')
		return 0;
	size_t i = 1;
	while (i < n && s[i] != ']' && s[i] != '[')
		i++;
	if (i >= n || s[i] != ']')
		return 0;
	i++;
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

/* A colon: ASCII or the full-width U+FF1A. Its length, or 0. */
static size_t colon_len(const char *s, size_t n)
{
	if (n >= 1 && s[0] == ':')
		return 1;
	if (n >= 3 && memcmp(s, "\xef\xbc\x9a", 3) == 0)
		return 3;
	return 0;
}

/* subj-refwd: word *WSP [blob / "(digits)" / "^digits"] ":" — its length, or 0. */
static size_t refwd_len(const char *s, size_t n)
{
	for (size_t w = 0; w < sizeof refwd_words / sizeof refwd_words[0]; w++) {
		if (!prefix_ci(s, n, refwd_words[w]))
			continue;
		size_t i = strlen(refwd_words[w]);
		while (i < n && s[i] == ' ')
			i++;
		size_t b = blob_len(s + i, n - i);
		if (b) {
			i += b;
		} else if (i < n && (s[i] == '(' || s[i] == '^')) {
			size_t j = i + 1;
			while (j < n && s[j] >= '0' && s[j] <= '9')
				j++;
			if (j > i + 1 && (s[i] == '^' || (j < n && s[j] == ')'))) {
				i = s[i] == '(' ? j + 1 : j;
				while (i < n && s[i] == ' ')
					i++;
			}
		}
		size_t c = colon_len(s + i, n - i);
		if (c)
			return i + c;
	}
	return 0;
}

/* Cut at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

size_t thread_base_subject(const char *subject, char *out, size_t cap, bool *is_reply)
{
	char w[T_MAX_SUBJECT + 1];
	bool reply = false;
	size_t n = 0;

	if (is_reply)
		*is_reply = false;
	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (!subject)
		return 0;

	/* (1) whitespace runs become one space */
	size_t in_len = utf8_cut(subject, strlen(subject), T_MAX_SUBJECT);
	for (size_t i = 0; i < in_len; i++) {
		char c = subject[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (n > 0 && w[n - 1] == ' ')
				continue;
			c = ' ';
		}
		w[n++] = c;
	}
	size_t b = 0, e = n;

	for (;;) {
		/* (2) trailing "(fwd)" and spaces */
		for (;;) {
			while (e > b && w[e - 1] == ' ')
				e--;
			if (e - b >= 5 && prefix_ci(w + e - 5, 5, "(fwd)")) {
				e -= 5;
				reply = true;
				continue;
			}
			break;
		}
		/* (3) leaders: spaces, [blob]* re/fw/...:, and (4) a leading blob when more follows */
		bool changed = true;
		while (changed && b < e) {
			changed = false;
			while (b < e && w[b] == ' ') {
				b++;
				changed = true;
			}
			size_t i = b, k;
			while ((k = blob_len(w + i, e - i)) != 0)
				i += k;
			size_t r = refwd_len(w + i, e - i);
			if (r) {
				b = i + r;
				reply = true;
				changed = true;
				continue;
			}
			k = blob_len(w + b, e - b);
			if (k && b + k < e) {
				b += k;
				changed = true;
			}
		}
		/* (5) "[fwd: ...]" */
		if (e - b >= 6 && prefix_ci(w + b, e - b, "[fwd:") && w[e - 1] == ']') {
			b += 5;
			e -= 1;
			reply = true;
			continue;
		}
		break;
	}

	size_t len = utf8_cut(w + b, e - b, cap - 1);
	memcpy(out, w + b, len);
	out[len] = '\0';
	if (is_reply)
		*is_reply = reply;
	return len;
}
