/* savefile — safe attachment file names and creation; see savefile.h. */
#include "config.h"

#include "savefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Decodes one UTF-8 sequence at s (len > 0); returns its length, or 0 when invalid. */
static size_t utf8_at(const unsigned char *s, size_t len, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t need = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (!need || need > len || (s[0] >= 0xf5))
		return 0;
	uint32_t c = s[0] & (0x7f >> need);
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && c < 0x800) || (need == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return need;
}

static bool bad_cp(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x061c ||
	       (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0xfeff || c == 0x2028 || c == 0x2029 ||
	       (c >= 0xe0000 && c <= 0xe007f) || strchr(":*?\"<>|", (int)c) != NULL;
}

void savefile_basename(const char *name, char *out, size_t outsz)
{
	const char *base = name ? name : "";
	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	/* clean copy */
	char tmp[1024];
	size_t n = 0;
	const unsigned char *s = (const unsigned char *)base;
	size_t len = strlen(base);
	for (size_t i = 0; i < len && n + 4 < sizeof tmp;) {
		uint32_t cp;
		size_t k = utf8_at(s + i, len - i, &cp);
		if (!k || (cp < 0x80 && cp != 0 && strchr(":*?\"<>|", (int)cp)) || bad_cp(cp)) {
			tmp[n++] = '_';
			i += k ? k : 1;
			continue;
		}
		memcpy(tmp + n, s + i, k);
		n += k;
		i += k;
	}
	tmp[n] = '\0';
	/* leading dots, dashes and blanks; trailing dots and blanks */
	size_t start = 0;
	while (start < n && (tmp[start] == '.' || tmp[start] == '-' || tmp[start] == ' '))
		start++;
	while (n > start && (tmp[n - 1] == '.' || tmp[n - 1] == ' '))
		n--;
	const char *t = tmp + start;
	n -= start;
	size_t max = outsz - 1 < SAVEFILE_NAME_MAX ? outsz - 1 : SAVEFILE_NAME_MAX;
	if (!n) {
		snprintf(out, outsz, "attachment");
		return;
	}
	if (n <= max) {
		memcpy(out, t, n);
		out[n] = '\0';
		return;
	}
	/* too long: keep a short extension */
	const char *dot = memrchr(t, '.', n);
	size_t ext = dot ? n - (size_t)(dot - t) : 0;
	if (ext > 16)
		ext = 0;
	size_t head = max - ext;
	while (head > 0 && ((unsigned char)t[head] & 0xc0) == 0x80)
		head--;
	memcpy(out, t, head);
	memcpy(out + head, t + n - ext, ext);
	out[head + ext] = '\0';
}

int savefile_expand(const char *path, char *out, size_t outsz)
{
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		const char *home = getenv("HOME");
		if (!home || !*home)
			return 0;
		int w = snprintf(out, outsz, "%s%s", home, path + 1);
		return w >= 0 && (size_t)w < outsz;
	}
	int w = snprintf(out, outsz, "%s", path);
	return w >= 0 && (size_t)w < outsz;
}

int savefile_dir_open(const char *path)
{
	char full[4096];
	if (!savefile_expand(path, full, sizeof full)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int savefile_create(int dirfd, const char *base, char *used, size_t usedsz)
{
	char clean[SAVEFILE_NAME_MAX + 1];
	savefile_basename(base, clean, sizeof clean);
	const char *dot = strrchr(clean, '.');
	size_t stem = dot && dot != clean ? (size_t)(dot - clean) : strlen(clean);
	for (int i = 0; i < 100; i++) {
		char name[SAVEFILE_NAME_MAX + 16];
		if (i == 0)
			snprintf(name, sizeof name, "%s", clean);
		else
			snprintf(name, sizeof name, "%.*s (%d)%s", (int)stem, clean, i, clean + stem);
		int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
				O_NOCTTY, 0600);
		if (fd >= 0) {
			if (used)
				snprintf(used, usedsz, "%s", name);
			return fd;
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}
