/*
 * keymap — key sequences to action names (ui/action.h), per context with a global fallback,
 * from a preset ("gmail", the default, or "mutt") and the config's [keys] section. Pure: no
 * curses (ui/input.c turns curses keys into the key codes below).
 *
 * Keys: a Unicode code point (control keys are their C0 code: C-a = 1, Tab = 9, Enter = 13,
 * Esc = 27), or one of the UK_* codes for keys that have no character, optionally with UK_META
 * (Alt, or Esc typed just before). Written in the config as: a character ("j", "#", "é"), a
 * name (Enter, Tab, Esc, Space, Backspace, Delete, Insert, Up, Down, Left, Right, PgUp, PgDn,
 * Home, End, BackTab, F1..F12; case-insensitive, optionally in <angle brackets>), C-x for
 * control, M-x or A-x for Alt. A sequence is up to KEYMAP_MAX_SEQ keys separated by blanks:
 * "g i".
 *
 * Contexts: a binding belongs to the global map or to one pane's map (folders, list, message,
 * help). Lookup tries the focused pane's map first, then the global one. In the config a key
 * may be prefixed with its context and a colon: `message:q = back`. Binding a sequence
 * replaces the binding of the same sequence in that context and removes the bindings it would
 * shadow (a key that is a prefix of others, or a prefix of the new one). `KEY = none` unbinds.
 *
 * Ownership: struct keymap is opaque; keymap_free(&km) is NULL-safe.
 */
#ifndef SKUA_UI_KEYMAP_H
#define SKUA_UI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "action.h"

struct config_key;

enum {
	UK_BASE = 0x110000,
	UK_UP = UK_BASE,
	UK_DOWN,
	UK_LEFT,
	UK_RIGHT,
	UK_PGUP,
	UK_PGDN,
	UK_HOME,
	UK_END,
	UK_INSERT,
	UK_DELETE,
	UK_BACKSPACE,
	UK_BACKTAB,
	UK_F1,
	UK_F12 = UK_F1 + 11,
	UK_RESIZE,  /* not bindable: the terminal changed size */
	UK_LAST,
	UK_META = 1 << 22,
	UK_ENTER = 13,
	UK_TAB = 9,
	UK_ESC = 27,
};

#define KEYMAP_MAX_SEQ 3

enum keymap_ctx {
	KM_GLOBAL,
	KM_FOLDERS,
	KM_LIST,
	KM_MESSAGE,
	KM_HELP,
	KM__COUNT
};

struct keymap;

struct keymap *keymap_new(void);
void keymap_free(struct keymap **km);

/* Parses one key ("C-l", "PgDn", "#"); -1 when it is not a key. */
long keymap_parse_key(const char *s, size_t len);
/* Parses a sequence into keys[KEYMAP_MAX_SEQ]; returns how many (>= 1), or -1 with a reason in
 * err. An optional "CONTEXT:" prefix goes to *ctx (KM_GLOBAL when absent; ctx may be NULL only
 * when no prefix is allowed). */
int keymap_parse_seq(const char *s, enum keymap_ctx *ctx, uint32_t keys[KEYMAP_MAX_SEQ],
		     char *err, size_t errlen);
/* The canonical name of a key ("C-l", "PgDn", "M-x", "#", "Space") into out; returns out. */
const char *keymap_key_name(uint32_t key, char *out, size_t outsz);
const char *keymap_ctx_name(enum keymap_ctx c);

/* Binds (or, with ACT_NONE, unbinds) a sequence. -1 only when out of memory. */
int keymap_bind(struct keymap *km, enum keymap_ctx ctx, const uint32_t *keys, size_t n,
		enum action a);
/* Loads a preset ("gmail" or "mutt") on top of what is bound; -1 for an unknown name. */
int keymap_preset(struct keymap *km, const char *name);
/*
 * Applies the config's [keys] lines in order. On the first bad line returns -1 with
 * "FILE:LINE: key 'KEY': reason" in err (unknown action, not a key, unknown context).
 */
int keymap_apply_config(struct keymap *km, const char *file, const struct config_key *keys,
			size_t n, char *err, size_t errlen);

enum keymap_result { KM_NOMATCH, KM_PREFIX, KM_MATCH };
/* Looks up the sequence seq[0..n) in ctx then globally. KM_MATCH sets *a (ACT_NONE when a
 * context unbinds it); KM_PREFIX: more keys may follow. */
enum keymap_result keymap_lookup(const struct keymap *km, enum keymap_ctx ctx, const uint32_t *seq,
				 size_t n, enum action *a);

/* The sequences bound to action a that reach it in ctx (its own map, then global ones not
 * shadowed there), as text ("j, Down") into out; "" when none. Returns out. */
const char *keymap_describe(const struct keymap *km, enum keymap_ctx ctx, enum action a, char *out,
			    size_t outsz);
/* Every binding (for help and tests): calls cb for each, context by context in binding order. */
typedef void (*keymap_each_fn)(void *ctx, enum keymap_ctx c, const uint32_t *keys, size_t n,
			       enum action a);
void keymap_each(const struct keymap *km, keymap_each_fn cb, void *ctx);

#endif
