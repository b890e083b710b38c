/* theme — theme files and colour degradation; see theme.h. */
#include "config.h"

#include "theme.h"

#include "conf_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define THEME_MAX_BYTES (256u << 10)

static const char *const elem_names[TE__COUNT] = {
	"normal", "border", "title", "status", "status.alert", "message", "error", "prompt",
	"folder", "folder.special", "folder.unread", "folder.current", "cursor", "cursor.inactive",
	"list.unread", "list.read", "list.date", "list.from", "list.count", "list.star",
	"list.label", "list.selected", "list.placeholder", "header.name", "header.value",
	"header.subject", "body", "body.quote", "body.link", "attachment", "help.key",
	"help.section",
};

const char *theme_elem_name(enum theme_elem e)
{
	return (int)e >= 0 && e < TE__COUNT ? elem_names[e] : "?";
}

#define D THEME_DEFAULT
void theme_init_builtin(struct theme *t)
{
	static const struct theme_style def[TE__COUNT] = {
		[TE_NORMAL] = {D, D, 0},
		[TE_BORDER] = {4, D, 0},
		[TE_TITLE] = {D, D, TA_BOLD},
		[TE_STATUS] = {0, 6, 0},
		[TE_STATUS_ALERT] = {7, 1, TA_BOLD},
		[TE_MESSAGE] = {D, D, 0},
		[TE_ERROR] = {1, D, TA_BOLD},
		[TE_PROMPT] = {D, D, TA_BOLD},
		[TE_FOLDER] = {D, D, 0},
		[TE_FOLDER_SPECIAL] = {D, D, 0},
		[TE_FOLDER_UNREAD] = {D, D, TA_BOLD},
		[TE_FOLDER_CURRENT] = {6, D, TA_BOLD},
		[TE_CURSOR] = {0, 6, 0},
		[TE_CURSOR_INACTIVE] = {D, D, TA_REVERSE},
		[TE_LIST_UNREAD] = {D, D, TA_BOLD},
		[TE_LIST_READ] = {D, D, 0},
		[TE_LIST_DATE] = {3, D, 0},
		[TE_LIST_FROM] = {D, D, 0},
		[TE_LIST_COUNT] = {D, D, TA_DIM},
		[TE_LIST_STAR] = {3, D, TA_BOLD},
		[TE_LIST_LABEL] = {2, D, 0},
		[TE_LIST_SELECTED] = {5, D, TA_BOLD},
		[TE_LIST_PLACEHOLDER] = {D, D, TA_DIM},
		[TE_HEADER_NAME] = {6, D, 0},
		[TE_HEADER_VALUE] = {D, D, 0},
		[TE_HEADER_SUBJECT] = {D, D, TA_BOLD},
		[TE_BODY] = {D, D, 0},
		[TE_BODY_QUOTE] = {2, D, 0},
		[TE_BODY_LINK] = {4, D, TA_UNDERLINE},
		[TE_ATTACHMENT] = {5, D, 0},
		[TE_HELP_KEY] = {3, D, TA_BOLD},
		[TE_HELP_SECTION] = {D, D, TA_BOLD | TA_UNDERLINE},
	};
	memcpy(t->s, def, sizeof def);
}
#undef D

static const char *const color_names[8] = {"black", "red", "green", "yellow", "blue", "magenta",
					    "cyan", "white"};

bool theme_parse_color(const char *s, int32_t *out)
{
	if (!strcasecmp(s, "default")) {
		*out = THEME_DEFAULT;
		return true;
	}
	if (s[0] == '#') {
		if (strlen(s) != 7 || strspn(s + 1, "0123456789abcdefABCDEF") != 6)
			return false;
		*out = THEME_RGB | (int32_t)strtol(s + 1, NULL, 16);
		return true;
	}
	if (s[0] >= '0' && s[0] <= '9') {
		char *end;
		long n = strtol(s, &end, 10);
		if (*end || n < 0 || n > 255 || strlen(s) > 3)
			return false;
		*out = (int32_t)n;
		return true;
	}
	if (!strcasecmp(s, "grey") || !strcasecmp(s, "gray")) {
		*out = 8;
		return true;
	}
	int base = 0;
	if (!strncasecmp(s, "bright-", 7))
		base = 8, s += 7;
	else if (!strncasecmp(s, "color", 5) && s[5] >= '0' && s[5] <= '9')
		return theme_parse_color(s + 5, out);
	for (int i = 0; i < 8; i++)
		if (!strcasecmp(s, color_names[i])) {
			*out = base + i;
			return true;
		}
	return false;
}

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{"bold", TA_BOLD}, {"dim", TA_DIM}, {"underline", TA_UNDERLINE}, {"reverse", TA_REVERSE},
	{"italic", TA_ITALIC}, {"standout", TA_STANDOUT}, {"blink", TA_BLINK}, {"none", 0},
};

static int parse_style(const char *v, struct theme_style *st, char *why, size_t whylen)
{
	struct theme_style s = {THEME_DEFAULT, THEME_DEFAULT, 0};
	int colors = 0;
	bool attrs_seen = false;
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, " \t");
		char word[40];
		if (len >= sizeof word) {
			snprintf(why, whylen, "'%.20s...' is too long for a colour or attribute", p);
			return -1;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;
		bool is_attr = false;
		for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
			if (!strcasecmp(word, attr_names[i].name)) {
				s.attrs |= attr_names[i].bit;
				is_attr = true;
			}
		if (is_attr) {
			attrs_seen = true;
			continue;
		}
		int32_t c;
		if (attrs_seen || colors == 2 || !theme_parse_color(word, &c)) {
			if (attrs_seen || colors == 2)
				snprintf(why, whylen, "'%s': at most two colours (foreground, background), "
					 "before the attributes", word);
			else
				snprintf(why, whylen, "'%s' is not a colour (red, bright-red, 0-255, "
					 "#rrggbb) or an attribute (bold, dim, underline...)", word);
			return -1;
		}
		if (colors++ == 0)
			s.fg = c;
		else
			s.bg = c;
	}
	*st = s;
	return 0;
}

int theme_parse(struct theme *t, const char *file, const char *text, size_t len, char *err,
		size_t errlen)
{
	struct cfgfile_iter it;
	struct cfgfile_line ln;
	enum cfgfile_status rc;
	bool in_colors = false;
	if (errlen)
		err[0] = '\0';
	cfgfile_begin(&it, text, len);
	while ((rc = cfgfile_next(&it, &ln)) == CFGFILE_LINE) {
		int ok = 0;
		if (ln.section) {
			in_colors = !strcmp(ln.section, "colors");
			if (!in_colors) {
				snprintf(err, errlen, "%s:%d: unknown section [%s] (a theme has [colors])",
					 file, ln.lineno, ln.section);
				ok = -1;
			}
		} else if (!in_colors) {
			snprintf(err, errlen, "%s:%d: key '%s': comes before [colors]", file, ln.lineno,
				 ln.key);
			ok = -1;
		} else {
			int e = -1;
			for (int i = 0; i < TE__COUNT; i++)
				if (!strcmp(elem_names[i], ln.key))
					e = i;
			char why[512];
			if (e < 0) {
				snprintf(err, errlen, "%s:%d: key '%s': unknown element (see themes/default)",
					 file, ln.lineno, ln.key);
				ok = -1;
			} else if (parse_style(ln.value, &t->s[e], why, sizeof why) < 0) {
				snprintf(err, errlen, "%s:%d: key '%s': %s", file, ln.lineno, ln.key, why);
				ok = -1;
			}
		}
		cfgfile_line_free(&ln);
		if (ok < 0)
			return -1;
	}
	if (rc == CFGFILE_ERROR) {
		snprintf(err, errlen, "%s:%d: %s", file, it.lineno, it.error);
		return -1;
	}
	return 0;
}

/* Reads a whole regular file of at most THEME_MAX_BYTES. NULL with errno. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat st;
	int e = 0;
	if (fstat(fd, &st) < 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	else if (st.st_size > (off_t)THEME_MAX_BYTES)
		e = EFBIG;
	if (e) {
		close(fd);
		errno = e;
		return NULL;
	}
	char *text = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (text && got < (size_t)st.st_size) {
		ssize_t r = read(fd, text + got, (size_t)st.st_size - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!text)
		return NULL;
	text[got] = '\0';
	*len = got;
	return text;
}

int theme_load(struct theme *t, const char *name, const char *themedir, char *err, size_t errlen)
{
	theme_init_builtin(t);
	if (!name || !*name || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(name)) {
		snprintf(err, errlen, "theme '%s': a theme name uses a-z, 0-9, '-' and '_' only",
			 name ? name : "");
		return -1;
	}
	const char *dirs[3];
	char xdg[4096];
	const char *env = getenv("SKUA_THEME_DIR");
	const char *xdgc = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	size_t nd = 0;
	if (env && *env)
		dirs[nd++] = env;
	if (xdgc && *xdgc == '/')
		snprintf(xdg, sizeof xdg, "%s/skua/themes", xdgc), dirs[nd++] = xdg;
	else if (home && *home == '/')
		snprintf(xdg, sizeof xdg, "%s/.config/skua/themes", home), dirs[nd++] = xdg;
	if (themedir && *themedir)
		dirs[nd++] = themedir;
	for (size_t i = 0; i < nd; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", dirs[i], name);
		size_t len;
		char *text = read_file(path, &len);
		if (!text) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		int r = theme_parse(t, path, text, len, err, errlen);
		free(text);
		return r;
	}
	if (!strcmp(name, "default"))
		return 0;
	snprintf(err, errlen, "theme '%s' not found (looked in $SKUA_THEME_DIR, "
		 "~/.config/skua/themes and %s)", name, themedir && *themedir ? themedir : "nowhere else");
	return -1;
}

/* ---- colour degradation -------------------------------------------------------------------- */

/* xterm's palette: 0-15, the 6x6x6 cube, the grey ramp. */
static uint32_t palette_rgb(int i)
{
	static const uint32_t base16[16] = {
		0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
		0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
	};
	if (i < 16)
		return base16[i];
	if (i < 232) {
		static const int lv[6] = {0, 95, 135, 175, 215, 255};
		int n = i - 16;
		return (uint32_t)(lv[n / 36] << 16 | lv[(n / 6) % 6] << 8 | lv[n % 6]);
	}
	int g = 8 + (i - 232) * 10;
	return (uint32_t)(g << 16 | g << 8 | g);
}

static long dist2(uint32_t a, uint32_t b)
{
	long dr = (long)(a >> 16 & 0xff) - (long)(b >> 16 & 0xff);
	long dg = (long)(a >> 8 & 0xff) - (long)(b >> 8 & 0xff);
	long db = (long)(a & 0xff) - (long)(b & 0xff);
	return dr * dr * 3 + dg * dg * 4 + db * db * 2;
}

static int nearest(uint32_t rgb, int lo, int hi)
{
	int best = lo;
	long bd = -1;
	for (int i = lo; i < hi; i++) {
		long d = dist2(rgb, palette_rgb(i));
		if (bd < 0 || d < bd)
			bd = d, best = i;
	}
	return best;
}

int32_t theme_color_for(int32_t c, int colors, bool *bright)
{
	bool dummy;
	if (!bright)
		bright = &dummy;
	*bright = false;
	if (c == THEME_DEFAULT || colors <= 0)
		return THEME_DEFAULT;
	bool rgb = (c & THEME_RGB) != 0;
	uint32_t value = rgb ? (uint32_t)c & 0xffffff : palette_rgb(c);
	if (colors >= (1 << 24)) {
		if (!rgb && c < 8)
			return c;
		return value < 8 ? 8 : (int32_t)value; /* 0..7 would mean palette entries */
	}
	if (colors >= 256)
		return rgb ? nearest(value, 16, 256) : c;
	int idx = (!rgb && c < 16) ? c : nearest(value, 0, 16);
	if (colors >= 16)
		return idx;
	if (idx >= 8) {
		*bright = true;
		idx -= 8;
	}
	return idx;
}

unsigned theme_mono_attrs(const struct theme *t, enum theme_elem e)
{
	const struct theme_style *s = &t->s[e];
	unsigned a = s->attrs;
	if (s->bg != t->s[TE_NORMAL].bg)
		a |= TA_REVERSE;
	return a;
}
