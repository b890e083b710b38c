/* keymap — key sequences to actions, presets and [keys]; see keymap.h. */
#include "config.h"

#include "keymap.h"

#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct binding {
	uint32_t keys[KEYMAP_MAX_SEQ];
	unsigned char n;
	unsigned char ctx;
	enum action action;
};

struct keymap {
	struct binding *v;
	size_t n, cap;
};

struct keymap *keymap_new(void)
{
	return calloc(1, sizeof(struct keymap));
}

void keymap_free(struct keymap **kmp)
{
	if (!kmp || !*kmp)
		return;
	free((*kmp)->v);
	free(*kmp);
	*kmp = NULL;
}

/* ---- key names ----------------------------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t key;
} key_names[] = {
	/* canonical names first: keymap_key_name() uses the first entry for a key */
	{"Enter", UK_ENTER}, {"Tab", UK_TAB}, {"Esc", UK_ESC}, {"Space", ' '},
	{"Backspace", UK_BACKSPACE}, {"Delete", UK_DELETE}, {"Insert", UK_INSERT},
	{"Up", UK_UP}, {"Down", UK_DOWN}, {"Left", UK_LEFT}, {"Right", UK_RIGHT},
	{"PgUp", UK_PGUP}, {"PgDn", UK_PGDN}, {"Home", UK_HOME}, {"End", UK_END},
	{"BackTab", UK_BACKTAB},
	/* aliases */
	{"Return", UK_ENTER}, {"RET", UK_ENTER}, {"Escape", UK_ESC}, {"SPC", ' '}, {"BS", UK_BACKSPACE},
	{"Del", UK_DELETE}, {"Ins", UK_INSERT}, {"PageUp", UK_PGUP}, {"PageDown", UK_PGDN},
	{"Prior", UK_PGUP}, {"Next", UK_PGDN}, {"S-Tab", UK_BACKTAB},
};

/* One UTF-8 code point filling exactly s[0..len); -1 otherwise. */
static long utf8_one(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	if (len == 1 && u[0] < 0x80)
		return u[0];
	size_t need;
	uint32_t cp;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		need = 2, cp = u[0] & 0x1f;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		need = 3, cp = u[0] & 0x0f;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		need = 4, cp = u[0] & 0x07;
	else
		return -1;
	if (len != need)
		return -1;
	for (size_t i = 1; i < need; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (u[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return (long)cp;
}

long keymap_parse_key(const char *s, size_t len)
{
	uint32_t mods = 0;
	bool ctrl = false;
	if (len > 2 && s[0] == '<' && s[len - 1] == '>')
		s++, len -= 2;
	/* modifier prefixes: C-, M-, A- (a lone "C" or "-" is a character) */
	while (len > 2 && s[1] == '-') {
		char m = s[0];
		if (m == 'C' || m == 'c')
			ctrl = true;
		else if (m == 'M' || m == 'm' || m == 'A' || m == 'a')
			mods |= UK_META;
		else
			break;
		s += 2, len -= 2;
	}
	if (len == 0)
		return -1;
	long key = -1;
	for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (strlen(key_names[i].name) == len && !strncasecmp(key_names[i].name, s, len)) {
			key = key_names[i].key;
			break;
		}
	if (key < 0 && len >= 2 && (s[0] == 'F' || s[0] == 'f') && len <= 3) {
		int n = 0;
		for (size_t i = 1; i < len; i++)
			n = (s[i] >= '0' && s[i] <= '9') ? n * 10 + (s[i] - '0') : 100;
		if (n >= 1 && n <= 12)
			key = UK_F1 + n - 1;
	}
	if (key < 0)
		key = utf8_one(s, len);
	if (key < 0)
		return -1;
	if (ctrl) {
		if (key >= 'a' && key <= 'z')
			key -= 'a' - 1;
		else if (key >= '@' && key <= '_')
			key -= '@';
		else if (key == ' ')
			key = 0;
		else if (key == '?')
			key = 127;
		else
			return -1;
	}
	if (key < 32 && key != UK_TAB && key != UK_ENTER && key != UK_ESC && !ctrl && len == 1)
		return -1; /* a raw control byte in the config is not a key name */
	return key | (long)mods;
}

const char *keymap_ctx_name(enum keymap_ctx c)
{
	static const char *const names[KM__COUNT] = {"global", "folders", "list", "message", "help"};
	return (int)c >= 0 && c < KM__COUNT ? names[c] : "?";
}

int keymap_parse_seq(const char *s, enum keymap_ctx *ctx, uint32_t keys[KEYMAP_MAX_SEQ], char *err,
		     size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (ctx)
		*ctx = KM_GLOBAL;
	const char *colon = strchr(s, ':');
	if (colon && colon > s) {
		for (int c = 0; c < KM__COUNT; c++) {
			const char *n = keymap_ctx_name((enum keymap_ctx)c);
			if ((size_t)(colon - s) == strlen(n) && !strncmp(s, n, strlen(n))) {
				if (!ctx) {
					snprintf(err, errlen, "no context allowed here");
					return -1;
				}
				*ctx = (enum keymap_ctx)c;
				s = colon + 1;
				break;
			}
		}
	}
	int n = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		size_t len = strcspn(s, " \t");
		if (n == KEYMAP_MAX_SEQ) {
			snprintf(err, errlen, "a key sequence has at most %d keys", KEYMAP_MAX_SEQ);
			return -1;
		}
		long k = keymap_parse_key(s, len);
		if (k < 0) {
			snprintf(err, errlen, "'%.*s' is not a key (a character, C-x, M-x, or a name "
				 "like Enter, PgDn, F5)", (int)(len > 40 ? 40 : len), s);
			return -1;
		}
		keys[n++] = (uint32_t)k;
		s += len;
	}
	if (!n) {
		snprintf(err, errlen, "no key given");
		return -1;
	}
	return n;
}

static void put_utf8(char *out, size_t outsz, uint32_t cp)
{
	char b[5] = {0};
	if (cp < 0x80) {
		b[0] = (char)cp;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
	}
	snprintf(out, outsz, "%s", b);
}

const char *keymap_key_name(uint32_t key, char *out, size_t outsz)
{
	const char *meta = (key & UK_META) ? "M-" : "";
	uint32_t k = key & ~(uint32_t)UK_META;
	char body[16];
	body[0] = '\0';
	for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (key_names[i].key == k) {
			snprintf(body, sizeof body, "%s", key_names[i].name);
			break;
		}
	if (!body[0]) {
		if (k >= UK_F1 && k <= UK_F12)
			snprintf(body, sizeof body, "F%u", k - UK_F1 + 1);
		else if (k == 0)
			snprintf(body, sizeof body, "C-Space");
		else if (k < 27)
			snprintf(body, sizeof body, "C-%c", (char)('a' + k - 1));
		else if (k < 32)
			snprintf(body, sizeof body, "C-%c", (char)('@' + k));
		else if (k == 127)
			snprintf(body, sizeof body, "C-?");
		else if (k < UK_BASE)
			put_utf8(body, sizeof body, k);
		else
			snprintf(body, sizeof body, "?");
	}
	snprintf(out, outsz, "%s%s", meta, body);
	return out;
}

/* ---- binding ------------------------------------------------------------------------------- */

static bool is_prefix(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t n = na < nb ? na : nb;
	return !memcmp(a, b, n * sizeof *a);
}

int keymap_bind(struct keymap *km, enum keymap_ctx ctx, const uint32_t *keys, size_t n, enum action a)
{
	if (!n || n > KEYMAP_MAX_SEQ)
		return -1;
	/* drop what this binding replaces or would shadow in its own context */
	size_t w = 0;
	for (size_t i = 0; i < km->n; i++) {
		struct binding *b = &km->v[i];
		if (b->ctx == ctx && is_prefix(b->keys, b->n, keys, n))
			continue;
		km->v[w++] = *b;
	}
	km->n = w;
	if (a == ACT_NONE && ctx == KM_GLOBAL)
		return 0; /* nothing to shadow: unbound */
	if (km->n == km->cap) {
		size_t cap = km->cap ? km->cap * 2 : 128;
		struct binding *v = realloc(km->v, cap * sizeof *v);
		if (!v)
			return -1;
		km->v = v;
		km->cap = cap;
	}
	struct binding *b = &km->v[km->n++];
	memset(b, 0, sizeof *b);
	memcpy(b->keys, keys, n * sizeof *keys);
	b->n = (unsigned char)n;
	b->ctx = (unsigned char)ctx;
	b->action = a;
	return 0;
}

static enum keymap_result lookup_in(const struct keymap *km, enum keymap_ctx ctx, const uint32_t *seq,
				    size_t n, enum action *a)
{
	bool prefix = false;
	for (size_t i = 0; i < km->n; i++) {
		const struct binding *b = &km->v[i];
		if (b->ctx != ctx || b->n < n || memcmp(b->keys, seq, n * sizeof *seq))
			continue;
		if (b->n == n) {
			*a = b->action;
			return KM_MATCH;
		}
		prefix = true;
	}
	return prefix ? KM_PREFIX : KM_NOMATCH;
}

enum keymap_result keymap_lookup(const struct keymap *km, enum keymap_ctx ctx, const uint32_t *seq,
				 size_t n, enum action *a)
{
	enum action dummy;
	if (!a)
		a = &dummy;
	*a = ACT_NONE;
	if (!n)
		return KM_NOMATCH;
	if (ctx != KM_GLOBAL) {
		enum keymap_result r = lookup_in(km, ctx, seq, n, a);
		if (r != KM_NOMATCH)
			return r;
	}
	return lookup_in(km, KM_GLOBAL, seq, n, a);
}

/* ---- presets ------------------------------------------------------------------------------- */

struct preset_line {
	const char *key;
	const char *action;
};

static const struct preset_line preset_gmail[] = {
	{"j", "next"}, {"k", "previous"}, {"Down", "scroll-down"}, {"Up", "scroll-up"},
	{"PgDn", "page-down"}, {"PgUp", "page-up"}, {"Space", "page-down"}, {"C-f", "page-down"},
	{"C-b", "page-up"}, {"Home", "first"}, {"End", "last"},
	{"o", "open"}, {"Enter", "open"}, {"u", "back"},
	{"Tab", "focus-next"}, {"BackTab", "focus-previous"}, {"g f", "focus-folders"},
	{"Right", "expand-thread"}, {";", "expand-thread"}, {"Left", "collapse-thread"},
	{":", "collapse-thread"}, {"T", "toggle-threads"}, {"L", "toggle-layout"},
	{"e", "archive"}, {"#", "trash"}, {"s", "toggle-star"}, {"I", "mark-read"},
	{"U", "mark-unread"}, {"l", "label"}, {"v", "move"}, {"x", "select"},
	{"* a", "select-all"}, {"* n", "select-none"}, {"z", "undo"},
	{"g i", "goto-inbox"}, {"g l", "goto-label"}, {"g s", "goto-starred"}, {"g t", "goto-sent"},
	{"g d", "goto-drafts"}, {"g a", "goto-all"}, {"g T", "goto-trash"},
	{"g A", "switch-account"},
	{"/", "search"}, {"n", "search-next"}, {"N", "search-previous"},
	{"c", "copy"}, {"S", "save-attachment"}, {"M", "load-more"},
	{"C-r", "refresh"}, {"F5", "refresh"}, {"C-l", "redraw"}, {"?", "help"}, {"Esc", "cancel"},
	{"q", "quit"},
	{"help:q", "cancel"}, {"help:j", "scroll-down"}, {"help:k", "scroll-up"},
};

static const struct preset_line preset_mutt[] = {
	{"j", "next"}, {"k", "previous"}, {"Down", "next"}, {"Up", "previous"},
	{"PgDn", "page-down"}, {"PgUp", "page-up"}, {"Space", "page-down"}, {"-", "page-up"},
	{"Home", "first"}, {"=", "first"}, {"End", "last"}, {"*", "last"},
	{"Enter", "open"}, {"Tab", "focus-next"}, {"BackTab", "focus-previous"},
	{"y", "focus-folders"}, {"Right", "expand-thread"}, {"Left", "collapse-thread"},
	{"M-v", "collapse-thread"}, {"M-t", "toggle-threads"}, {"L", "toggle-layout"},
	{"d", "trash"}, {"s", "move"}, {"a", "archive"}, {"F", "toggle-star"},
	{"N", "toggle-read"}, {"C-r", "mark-read"}, {"Y", "label"}, {"t", "select"}, {"T", "select-all"},
	{"C-t", "select-none"}, {"u", "undo"},
	{"c", "goto-label"}, {"C-a", "switch-account"},
	{"/", "search"}, {"n", "search-next"}, {"M-/", "search-previous"}, {"l", "search"},
	{"C", "copy"}, {"v", "save-attachment"}, {"M", "load-more"},
	{"$", "refresh"}, {"C-l", "redraw"}, {"?", "help"}, {"Esc", "cancel"}, {"q", "quit"},
	{"message:q", "back"}, {"message:i", "back"}, {"message:Down", "scroll-down"},
	{"message:Up", "scroll-up"}, {"message:Enter", "scroll-down"},
	{"folders:Enter", "open"},
	{"help:q", "cancel"}, {"help:j", "scroll-down"}, {"help:k", "scroll-up"},
};

static int load_lines(struct keymap *km, const struct preset_line *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum keymap_ctx ctx;
		uint32_t keys[KEYMAP_MAX_SEQ];
		char err[128];
		int nk = keymap_parse_seq(v[i].key, &ctx, keys, err, sizeof err);
		int a = action_by_name(v[i].action);
		if (nk < 0 || a < 0 || keymap_bind(km, ctx, keys, (size_t)nk, (enum action)a) < 0)
			return -1;
	}
	return 0;
}

int keymap_preset(struct keymap *km, const char *name)
{
	if (!name || !strcmp(name, "gmail"))
		return load_lines(km, preset_gmail, sizeof preset_gmail / sizeof preset_gmail[0]);
	if (!strcmp(name, "mutt"))
		return load_lines(km, preset_mutt, sizeof preset_mutt / sizeof preset_mutt[0]);
	return -1;
}

int keymap_apply_config(struct keymap *km, const char *file, const struct config_key *keys, size_t n,
			char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const struct config_key *ck = &keys[i];
		enum keymap_ctx ctx;
		uint32_t seq[KEYMAP_MAX_SEQ];
		char why[160];
		int nk = keymap_parse_seq(ck->key, &ctx, seq, why, sizeof why);
		if (nk < 0) {
			snprintf(err, errlen, "%s:%d: key '%s': %s", file, ck->line, ck->key, why);
			return -1;
		}
		int a = action_by_name(ck->action);
		if (a < 0) {
			snprintf(err, errlen, "%s:%d: key '%s': unknown action '%s' (see skua.conf(5))",
				 file, ck->line, ck->key, ck->action);
			return -1;
		}
		if (keymap_bind(km, ctx, seq, (size_t)nk, (enum action)a) < 0) {
			snprintf(err, errlen, "%s:%d: key '%s': out of memory", file, ck->line, ck->key);
			return -1;
		}
	}
	return 0;
}

/* ---- listing ------------------------------------------------------------------------------- */

static void seq_text(const uint32_t *keys, size_t n, char *out, size_t outsz)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && used < outsz; i++) {
		char name[24];
		int w = snprintf(out + used, outsz - used, "%s%s", i ? " " : "",
				 keymap_key_name(keys[i], name, sizeof name));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

const char *keymap_describe(const struct keymap *km, enum keymap_ctx ctx, enum action a, char *out,
			    size_t outsz)
{
	size_t used = 0;
	if (outsz)
		out[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		enum keymap_ctx want = pass == 0 ? ctx : KM_GLOBAL;
		if (pass == 1 && ctx == KM_GLOBAL)
			break;
		for (size_t i = 0; i < km->n; i++) {
			const struct binding *b = &km->v[i];
			enum action got;
			if (b->ctx != want || b->action != a)
				continue;
			if (pass == 1 && lookup_in(km, ctx, b->keys, b->n, &got) == KM_MATCH)
				continue; /* listed already, or shadowed by the context */
			if (keymap_lookup(km, ctx, b->keys, b->n, &got) != KM_MATCH || got != a)
				continue;
			char s[64];
			seq_text(b->keys, b->n, s, sizeof s);
			int w = snprintf(out + used, outsz - used, "%s%s", used ? ", " : "", s);
			if (w < 0 || (size_t)w >= outsz - used)
				return out;
			used += (size_t)w;
		}
	}
	return out;
}

void keymap_each(const struct keymap *km, keymap_each_fn cb, void *ctx)
{
	for (int c = 0; c < KM__COUNT; c++)
		for (size_t i = 0; i < km->n; i++)
			if (km->v[i].ctx == c)
				cb(ctx, (enum keymap_ctx)c, km->v[i].keys, km->v[i].n, km->v[i].action);
}
