/* Unit tests for ui/theme: theme files (every shipped one parses), colours, errors with
 * file:line:element, colour degradation for 8/16/256/direct-colour terminals, monochrome. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "theme.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static int parse(struct theme *t, const char *text, char *err, size_t errlen)
{
	theme_init_builtin(t);
	return theme_parse(t, "my-theme", text, strlen(text), err, errlen);
}

static void test_colors(void **state)
{
	(void)state;
	int32_t c;
	assert_true(theme_parse_color("default", &c));
	assert_int_equal(c, THEME_DEFAULT);
	assert_true(theme_parse_color("red", &c));
	assert_int_equal(c, 1);
	assert_true(theme_parse_color("bright-white", &c));
	assert_int_equal(c, 15);
	assert_true(theme_parse_color("grey", &c));
	assert_int_equal(c, 8);
	assert_true(theme_parse_color("200", &c));
	assert_int_equal(c, 200);
	assert_true(theme_parse_color("color33", &c));
	assert_int_equal(c, 33);
	assert_true(theme_parse_color("#ff8000", &c));
	assert_int_equal(c, THEME_RGB | 0xff8000);
	assert_false(theme_parse_color("256", &c));
	assert_false(theme_parse_color("#ff80", &c));
	assert_false(theme_parse_color("#gg0000", &c));
	assert_false(theme_parse_color("purple", &c));
	assert_false(theme_parse_color("-1", &c));
}

static void test_parse_file(void **state)
{
	(void)state;
	struct theme t;
	char err[300];
	assert_int_equal(parse(&t, "# mine\n[colors]\nstatus = white blue bold\n"
				   "list.unread = #ffffff\ncursor = reverse\nbody = 250 16 italic underline\n",
			       err, sizeof err), 0);
	assert_int_equal(t.s[TE_STATUS].fg, 7);
	assert_int_equal(t.s[TE_STATUS].bg, 4);
	assert_int_equal(t.s[TE_STATUS].attrs, TA_BOLD);
	assert_int_equal(t.s[TE_LIST_UNREAD].fg, THEME_RGB | 0xffffff);
	assert_int_equal(t.s[TE_LIST_UNREAD].bg, THEME_DEFAULT);
	assert_int_equal(t.s[TE_CURSOR].fg, THEME_DEFAULT);
	assert_int_equal(t.s[TE_CURSOR].attrs, TA_REVERSE);
	assert_int_equal(t.s[TE_BODY].fg, 250);
	assert_int_equal(t.s[TE_BODY].attrs, TA_ITALIC | TA_UNDERLINE);
	/* elements not named keep the built-in default */
	struct theme def;
	theme_init_builtin(&def);
	assert_memory_equal(&t.s[TE_ERROR], &def.s[TE_ERROR], sizeof def.s[TE_ERROR]);
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct theme t;
	char err[300];
	assert_int_equal(parse(&t, "[colors]\n\nstatus = white blu\n", err, sizeof err), -1);
	assert_true(!strncmp(err, "my-theme:3: key 'status': 'blu' is not a colour", 46));
	assert_int_equal(parse(&t, "[colors]\nlist.nope = red\n", err, sizeof err), -1);
	assert_true(!strncmp(err, "my-theme:2: key 'list.nope': unknown element", 44));
	assert_int_equal(parse(&t, "[colours]\n", err, sizeof err), -1);
	assert_true(!strncmp(err, "my-theme:1: unknown section [colours]", 37));
	assert_int_equal(parse(&t, "status = red\n", err, sizeof err), -1);
	assert_true(!strncmp(err, "my-theme:1: key 'status': comes before [colors]", 47));
	assert_int_equal(parse(&t, "[colors]\nstatus = bold red\n", err, sizeof err), -1);
	assert_non_null(strstr(err, "before the attributes"));
	assert_int_equal(parse(&t, "[colors]\nstatus = red green blue\n", err, sizeof err), -1);
	assert_int_equal(parse(&t, "[colors]\nstatus = \"red\x01\"\n", err, sizeof err), -1);
	assert_true(!strncmp(err, "my-theme:2:", 11));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *text = malloc(1 << 16);
	*len = fread(text, 1, (1 << 16) - 1, f);
	text[*len] = '\0';
	fclose(f);
	return text;
}

static void test_shipped_themes(void **state)
{
	(void)state;
	const char *names[] = {"default", "light", "dark", "high-contrast", "monochrome"};
	struct theme builtin;
	theme_init_builtin(&builtin);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/themes/%s", TOP_SRCDIR, names[i]);
		size_t len = 0;
		char *text = slurp(path, &len);
		assert_non_null(text);
		/* every shipped theme names every element */
		for (int e = 0; e < TE__COUNT; e++) {
			char needle[64];
			snprintf(needle, sizeof needle, "\n%s = ", theme_elem_name((enum theme_elem)e));
			if (!strstr(text, needle))
				fail_msg("%s does not set %s", names[i], theme_elem_name((enum theme_elem)e));
		}
		struct theme t;
		char err[300];
		theme_init_builtin(&t);
		if (theme_parse(&t, path, text, len, err, sizeof err) < 0)
			fail_msg("%s", err);
		/* the file "default" is the built-in default theme */
		if (!strcmp(names[i], "default"))
			assert_memory_equal(&t, &builtin, sizeof t);
		if (!strcmp(names[i], "monochrome"))
			for (int e = 0; e < TE__COUNT; e++)
				assert_true(t.s[e].fg == THEME_DEFAULT && t.s[e].bg == THEME_DEFAULT);
		free(text);
	}
	/* theme_load finds them through $SKUA_THEME_DIR and reports unknown ones */
	struct theme t;
	char err[300];
	setenv("SKUA_THEME_DIR", TOP_SRCDIR "/themes", 1);
	assert_int_equal(theme_load(&t, "dark", NULL, err, sizeof err), 0);
	assert_int_equal(t.s[TE_NORMAL].bg, THEME_RGB | 0x1c1c1c);
	assert_int_equal(theme_load(&t, "no-such-theme", NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "not found"));
	assert_int_equal(theme_load(&t, "../etc/passwd", NULL, err, sizeof err), -1);
	unsetenv("SKUA_THEME_DIR");
	setenv("HOME", "/nonexistent", 1);
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(theme_load(&t, "default", NULL, err, sizeof err), 0); /* built in */
}

static void test_degrade(void **state)
{
	(void)state;
	bool bright;
	/* direct colour: palette 0-7 stay indexes, the rest become RGB */
	assert_int_equal(theme_color_for(1, 1 << 24, &bright), 1);
	assert_int_equal(theme_color_for(THEME_RGB | 0x123456, 1 << 24, &bright), 0x123456);
	assert_int_equal(theme_color_for(196, 1 << 24, &bright), 0xff0000);
	assert_int_equal(theme_color_for(THEME_RGB | 0x000000, 1 << 24, &bright), 8);
	/* 256: RGB to the cube or the grey ramp */
	assert_int_equal(theme_color_for(THEME_RGB | 0xff0000, 256, &bright), 196);
	assert_int_equal(theme_color_for(THEME_RGB | 0x1c1c1c, 256, &bright), 234);
	assert_int_equal(theme_color_for(100, 256, &bright), 100);
	/* 16: the nearest ANSI colour */
	assert_int_equal(theme_color_for(THEME_RGB | 0xff0000, 16, &bright), 9);
	assert_int_equal(theme_color_for(196, 16, &bright), 9);
	assert_int_equal(theme_color_for(12, 16, &bright), 12);
	/* 8: bright colours fold down and say so */
	assert_int_equal(theme_color_for(12, 8, &bright), 4);
	assert_true(bright);
	assert_int_equal(theme_color_for(4, 8, &bright), 4);
	assert_false(bright);
	assert_int_equal(theme_color_for(THEME_DEFAULT, 256, &bright), THEME_DEFAULT);
	assert_int_equal(theme_color_for(3, 0, NULL), THEME_DEFAULT);
	/* every colour maps into range for every terminal kind */
	int kinds[] = {8, 16, 88, 256, 1 << 24};
	for (int c = 0; c < 256; c++)
		for (size_t k = 0; k < 5; k++) {
			int32_t r = theme_color_for(c, kinds[k], NULL);
			if (kinds[k] < (1 << 24))
				assert_true(r >= 0 && r < (kinds[k] == 88 ? 16 : kinds[k]));
		}
}

static void test_mono(void **state)
{
	(void)state;
	struct theme t;
	theme_init_builtin(&t);
	/* status and cursor have a background: reverse without colour */
	assert_true(theme_mono_attrs(&t, TE_STATUS) & TA_REVERSE);
	assert_true(theme_mono_attrs(&t, TE_CURSOR) & TA_REVERSE);
	assert_false(theme_mono_attrs(&t, TE_BODY) & TA_REVERSE);
	assert_true(theme_mono_attrs(&t, TE_LIST_UNREAD) & TA_BOLD);
	/* a theme with its own background everywhere does not turn everything reverse */
	for (int e = 0; e < TE__COUNT; e++)
		t.s[e].bg = 234;
	t.s[TE_STATUS].bg = 240;
	assert_false(theme_mono_attrs(&t, TE_BODY) & TA_REVERSE);
	assert_true(theme_mono_attrs(&t, TE_STATUS) & TA_REVERSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_colors),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_shipped_themes),
		cmocka_unit_test(test_degrade),
		cmocka_unit_test(test_mono),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
