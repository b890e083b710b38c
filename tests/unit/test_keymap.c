/* Unit tests for ui/action and ui/keymap: the action table, key names, presets, [keys]
 * rebinding with file:line:key errors, contexts, prefixes and the help listing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "action.h"
#include "conf.h"
#include "keymap.h"

static void test_action_table(void **state)
{
	(void)state;
	/* every id has its own row, a unique name and help text */
	for (int i = 0; i < ACT__COUNT; i++) {
		const struct action_info *ai = action_info((enum action)i);
		assert_non_null(ai);
		assert_int_equal(ai->id, i);
		assert_true(strlen(ai->name) > 1);
		assert_true(strlen(ai->help) > 3);
		assert_int_equal(action_by_name(ai->name), i);
		for (const char *c = ai->name; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || *c == '-');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ai->name, action_info((enum action)j)->name);
	}
	assert_null(action_info(ACT__COUNT));
	assert_int_equal(action_by_name("no-such-action"), -1);
	assert_int_equal(action_by_name(NULL), -1);
	assert_int_equal(action_by_name("none"), ACT_NONE);
}

static long key(const char *s)
{
	return keymap_parse_key(s, strlen(s));
}

static void test_parse_key(void **state)
{
	(void)state;
	assert_int_equal(key("j"), 'j');
	assert_int_equal(key("#"), '#');
	assert_int_equal(key("Enter"), UK_ENTER);
	assert_int_equal(key("<Enter>"), UK_ENTER);
	assert_int_equal(key("RET"), UK_ENTER);
	assert_int_equal(key("tab"), UK_TAB);
	assert_int_equal(key("Esc"), UK_ESC);
	assert_int_equal(key("Space"), ' ');
	assert_int_equal(key("PgDn"), UK_PGDN);
	assert_int_equal(key("PageUp"), UK_PGUP);
	assert_int_equal(key("F5"), UK_F1 + 4);
	assert_int_equal(key("F12"), UK_F12);
	assert_int_equal(key("C-l"), 12);
	assert_int_equal(key("C-L"), 12);
	assert_int_equal(key("C-Space"), 0);
	assert_int_equal(key("M-x"), 'x' | UK_META);
	assert_int_equal(key("A-x"), 'x' | UK_META);
	assert_int_equal(key("M-C-a"), 1 | UK_META);
	assert_int_equal(key("M-Enter"), UK_ENTER | UK_META);
	assert_int_equal(key("é"), 0xe9);
	assert_int_equal(key("-"), '-');
	assert_int_equal(key("C"), 'C');
	assert_int_equal(key("F13"), -1);
	assert_int_equal(key("Foo"), -1);
	assert_int_equal(key("jk"), -1);
	assert_int_equal(key("C-1"), -1);
	assert_int_equal(key("\xff"), -1);
	assert_int_equal(key(""), -1);
}

static void test_key_names_round_trip(void **state)
{
	(void)state;
	const char *names[] = {"j", "#", "Enter", "Tab", "Esc", "Space", "Backspace", "PgDn", "PgUp",
			       "Home", "End", "F1", "F12", "C-l", "C-a", "M-x", "M-Enter", "BackTab",
			       "é", "C-Space"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char out[32];
		long k = key(names[i]);
		assert_true(k >= 0);
		assert_string_equal(keymap_key_name((uint32_t)k, out, sizeof out), names[i]);
	}
}

static void test_parse_seq(void **state)
{
	(void)state;
	uint32_t k[KEYMAP_MAX_SEQ];
	enum keymap_ctx ctx;
	char err[200];
	assert_int_equal(keymap_parse_seq("g i", &ctx, k, err, sizeof err), 2);
	assert_int_equal(ctx, KM_GLOBAL);
	assert_int_equal(k[0], 'g');
	assert_int_equal(k[1], 'i');
	assert_int_equal(keymap_parse_seq("message:q", &ctx, k, err, sizeof err), 1);
	assert_int_equal(ctx, KM_MESSAGE);
	assert_int_equal(k[0], 'q');
	/* ':' itself is a key; "list::" is ':' in the list */
	assert_int_equal(keymap_parse_seq(":", &ctx, k, err, sizeof err), 1);
	assert_int_equal(ctx, KM_GLOBAL);
	assert_int_equal(k[0], ':');
	assert_int_equal(keymap_parse_seq("list::", &ctx, k, err, sizeof err), 1);
	assert_int_equal(ctx, KM_LIST);
	assert_int_equal(k[0], ':');
	assert_int_equal(keymap_parse_seq("a b c d", &ctx, k, err, sizeof err), -1);
	assert_non_null(strstr(err, "at most"));
	assert_int_equal(keymap_parse_seq("g Nope", &ctx, k, err, sizeof err), -1);
	assert_non_null(strstr(err, "'Nope' is not a key"));
	assert_int_equal(keymap_parse_seq("   ", &ctx, k, err, sizeof err), -1);
	assert_int_equal(keymap_parse_seq("message:q", NULL, k, err, sizeof err), -1);
}

static enum action look(struct keymap *km, enum keymap_ctx ctx, const char *seq, enum keymap_result want)
{
	uint32_t k[KEYMAP_MAX_SEQ];
	enum keymap_ctx c;
	char err[100];
	int n = keymap_parse_seq(seq, &c, k, err, sizeof err);
	assert_true(n > 0);
	enum action a = ACT__COUNT;
	assert_int_equal(keymap_lookup(km, ctx, k, (size_t)n, &a), want);
	return a;
}

static void test_gmail_preset(void **state)
{
	(void)state;
	struct keymap *km = keymap_new();
	assert_non_null(km);
	assert_int_equal(keymap_preset(km, "gmail"), 0);
	struct {
		const char *seq;
		enum action a;
	} want[] = {
		{"j", ACT_NEXT}, {"k", ACT_PREV}, {"o", ACT_OPEN}, {"Enter", ACT_OPEN},
		{"u", ACT_BACK}, {"e", ACT_ARCHIVE}, {"#", ACT_TRASH}, {"s", ACT_TOGGLE_STAR},
		{"I", ACT_MARK_READ}, {"U", ACT_MARK_UNREAD}, {"l", ACT_LABEL}, {"v", ACT_MOVE},
		{"x", ACT_SELECT}, {"/", ACT_SEARCH}, {"n", ACT_SEARCH_NEXT}, {"N", ACT_SEARCH_PREV},
		{"z", ACT_UNDO}, {"g i", ACT_GOTO_INBOX}, {"g l", ACT_GOTO_LABEL}, {"Tab", ACT_FOCUS_NEXT},
		{"?", ACT_HELP}, {"q", ACT_QUIT}, {"PgDn", ACT_PAGE_DOWN}, {"PgUp", ACT_PAGE_UP},
		{"Home", ACT_FIRST}, {"End", ACT_LAST}, {"C-l", ACT_REDRAW},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_int_equal(look(km, KM_LIST, want[i].seq, KM_MATCH), want[i].a);
	/* "g" alone waits for the second key */
	look(km, KM_LIST, "g", KM_PREFIX);
	look(km, KM_LIST, "g 9", KM_NOMATCH);
	look(km, KM_LIST, "Q", KM_NOMATCH);
	/* help has its own q */
	assert_int_equal(look(km, KM_HELP, "q", KM_MATCH), ACT_CANCEL);
	assert_int_equal(keymap_preset(km, "emacs"), -1);
	keymap_free(&km);
	assert_null(km);
	keymap_free(&km); /* NULL-safe */
}

static void test_mutt_preset(void **state)
{
	(void)state;
	struct keymap *km = keymap_new();
	assert_int_equal(keymap_preset(km, "mutt"), 0);
	assert_int_equal(look(km, KM_LIST, "d", KM_MATCH), ACT_TRASH);
	assert_int_equal(look(km, KM_LIST, "F", KM_MATCH), ACT_TOGGLE_STAR);
	assert_int_equal(look(km, KM_LIST, "t", KM_MATCH), ACT_SELECT);
	assert_int_equal(look(km, KM_LIST, "q", KM_MATCH), ACT_QUIT);
	/* in the pager q goes back, as in mutt */
	assert_int_equal(look(km, KM_MESSAGE, "q", KM_MATCH), ACT_BACK);
	assert_int_equal(look(km, KM_MESSAGE, "d", KM_MATCH), ACT_TRASH);
	keymap_free(&km);
}

static void test_config_rebinding(void **state)
{
	(void)state;
	struct keymap *km = keymap_new();
	assert_int_equal(keymap_preset(km, "gmail"), 0);
	struct config_key keys[] = {
		{(char *)"q", (char *)"none", 3},
		{(char *)"Q", (char *)"quit", 4},
		{(char *)"g", (char *)"goto-inbox", 5},        /* replaces every g-sequence */
		{(char *)"message:Space", (char *)"next", 6},
		{(char *)"list:e", (char *)"none", 7},         /* unbound in the list only */
		{(char *)"C-x C-c", (char *)"quit", 8},
	};
	char err[300] = "";
	assert_int_equal(keymap_apply_config(km, "/home/u/.config/skua/config", keys, 6, err, sizeof err), 0);
	look(km, KM_LIST, "q", KM_NOMATCH);
	assert_int_equal(look(km, KM_LIST, "Q", KM_MATCH), ACT_QUIT);
	assert_int_equal(look(km, KM_LIST, "g", KM_MATCH), ACT_GOTO_INBOX);
	look(km, KM_LIST, "g i", KM_NOMATCH);
	assert_int_equal(look(km, KM_MESSAGE, "Space", KM_MATCH), ACT_NEXT);
	assert_int_equal(look(km, KM_LIST, "Space", KM_MATCH), ACT_PAGE_DOWN);
	assert_int_equal(look(km, KM_LIST, "e", KM_MATCH), ACT_NONE);
	assert_int_equal(look(km, KM_MESSAGE, "e", KM_MATCH), ACT_ARCHIVE);
	look(km, KM_LIST, "C-x", KM_PREFIX);
	assert_int_equal(look(km, KM_LIST, "C-x C-c", KM_MATCH), ACT_QUIT);
	/* binding a longer sequence drops the shorter one it starts with */
	struct config_key more[] = {{(char *)"g x", (char *)"goto-all", 9}};
	assert_int_equal(keymap_apply_config(km, "f", more, 1, err, sizeof err), 0);
	look(km, KM_LIST, "g", KM_PREFIX);
	assert_int_equal(look(km, KM_LIST, "g x", KM_MATCH), ACT_GOTO_ALL);
	keymap_free(&km);
}

static void test_config_errors(void **state)
{
	(void)state;
	struct keymap *km = keymap_new();
	char err[300];
	struct config_key bad_action[] = {{(char *)"j", (char *)"jump", 12}};
	assert_int_equal(keymap_apply_config(km, "skua.conf", bad_action, 1, err, sizeof err), -1);
	assert_string_equal(err, "skua.conf:12: key 'j': unknown action 'jump' (see skua.conf(5))");
	struct config_key bad_key[] = {{(char *)"C-Foo", (char *)"quit", 7}};
	assert_int_equal(keymap_apply_config(km, "skua.conf", bad_key, 1, err, sizeof err), -1);
	assert_true(!strncmp(err, "skua.conf:7: key 'C-Foo': 'C-Foo' is not a key", 45));
	struct config_key too_long[] = {{(char *)"a b c d", (char *)"quit", 2}};
	assert_int_equal(keymap_apply_config(km, "x", too_long, 1, err, sizeof err), -1);
	assert_true(!strncmp(err, "x:2: key 'a b c d': a key sequence has at most 3 keys", 50));
	/* a real config file through conf.c: errors keep its line numbers */
	const char text[] = "[ui]\nkeys = mutt\n\n[keys]\nj = next\n\"#\" = trash\nk = upward\n";
	struct config *cfg = config_parse("t.conf", text, sizeof text - 1, err, sizeof err);
	assert_non_null(cfg);
	assert_int_equal(keymap_preset(km, cfg->keys_preset), 0);
	assert_int_equal(keymap_apply_config(km, cfg->path, cfg->keys, cfg->n_keys, err, sizeof err), -1);
	assert_string_equal(err, "t.conf:7: key 'k': unknown action 'upward' (see skua.conf(5))");
	assert_int_equal(look(km, KM_LIST, "#", KM_MATCH), ACT_TRASH);
	config_free(&cfg);
	keymap_free(&km);
}

static void test_describe(void **state)
{
	(void)state;
	struct keymap *km = keymap_new();
	assert_int_equal(keymap_preset(km, "gmail"), 0);
	char out[128];
	assert_string_equal(keymap_describe(km, KM_LIST, ACT_OPEN, out, sizeof out), "o, Enter");
	assert_string_equal(keymap_describe(km, KM_LIST, ACT_GOTO_INBOX, out, sizeof out), "g i");
	assert_string_equal(keymap_describe(km, KM_LIST, ACT_TOGGLE_READ, out, sizeof out), "");
	/* a context binding shadows the global one it hides */
	assert_string_equal(keymap_describe(km, KM_HELP, ACT_QUIT, out, sizeof out), "");
	assert_string_equal(keymap_describe(km, KM_HELP, ACT_CANCEL, out, sizeof out), "q, Esc");
	/* every action but a few is reachable with the default keys */
	size_t unbound = 0;
	for (int a = 1; a < ACT__COUNT; a++)
		if (!keymap_describe(km, KM_LIST, (enum action)a, out, sizeof out)[0])
			unbound++;
	assert_true(unbound <= 1);
	keymap_free(&km);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_table),
		cmocka_unit_test(test_parse_key),
		cmocka_unit_test(test_key_names_round_trip),
		cmocka_unit_test(test_parse_seq),
		cmocka_unit_test(test_gmail_preset),
		cmocka_unit_test(test_mutt_preset),
		cmocka_unit_test(test_config_rebinding),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
