/* Unit tests for ui/layout (pane geometry at 80x24, 200x60, 40x10 and more) and ui/wrap (text
 * to display lines: widths, wide characters, tabs, quotes, hanging indents, limits). */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "layout.h"
#include "sanitize.h"
#include "wrap.h"

static struct layout lay(int rows, int cols, enum layout_mode m, enum pane_id focus, bool open)
{
	struct layout_in in = {rows, cols, m, focus, open};
	struct layout out;
	layout_compute(&in, &out);
	return out;
}

static bool overlap(const struct rect *a, const struct rect *b)
{
	if (!rect_visible(a) || !rect_visible(b))
		return false;
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Every visible rectangle lies inside the screen and none overlaps another. */
static void assert_sane(const struct layout *l, int rows, int cols)
{
	const struct rect *all[] = {&l->pane[0], &l->pane[1], &l->pane[2], &l->vsep[0], &l->vsep[1],
				    &l->hsep, &l->status, &l->line};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		const struct rect *r = all[i];
		if (!rect_visible(r))
			continue;
		assert_true(r->x >= 0 && r->y >= 0 && r->x + r->w <= cols && r->y + r->h <= rows);
		for (size_t j = 0; j < i; j++)
			assert_false(overlap(r, all[j]));
	}
}

static void test_80x24(void **state)
{
	(void)state;
	struct layout l = lay(24, 80, LAYOUT_AUTO, PANE_LIST, false);
	assert_sane(&l, 24, 80);
	assert_int_equal(l.mode, LAYOUT_NARROW);
	assert_false(l.too_small);
	/* the list takes the whole body; the folders hide until they have the focus */
	assert_int_equal(l.pane[PANE_LIST].x, 0);
	assert_int_equal(l.pane[PANE_LIST].w, 80);
	assert_int_equal(l.pane[PANE_LIST].h, 22);
	assert_false(rect_visible(&l.pane[PANE_FOLDERS]));
	assert_false(rect_visible(&l.pane[PANE_MESSAGE]));
	assert_int_equal(l.status.y, 22);
	assert_int_equal(l.line.y, 23);
	/* a message open: list over message with a separator */
	l = lay(24, 80, LAYOUT_AUTO, PANE_MESSAGE, true);
	assert_sane(&l, 24, 80);
	assert_int_equal(l.pane[PANE_LIST].y, 0);
	assert_true(l.pane[PANE_LIST].h >= 3 && l.pane[PANE_LIST].h <= 8);
	assert_int_equal(l.hsep.y, l.pane[PANE_LIST].h);
	assert_int_equal(l.pane[PANE_MESSAGE].y, l.hsep.y + 1);
	assert_int_equal(l.pane[PANE_MESSAGE].y + l.pane[PANE_MESSAGE].h, 22);
	assert_true(l.pane[PANE_MESSAGE].h >= 12);
	/* the folder list shows at the left when it has the focus */
	l = lay(24, 80, LAYOUT_AUTO, PANE_FOLDERS, false);
	assert_sane(&l, 24, 80);
	assert_true(rect_visible(&l.pane[PANE_FOLDERS]));
	assert_int_equal(l.pane[PANE_FOLDERS].x, 0);
	assert_int_equal(l.vsep[0].x, l.pane[PANE_FOLDERS].w);
	assert_int_equal(l.pane[PANE_LIST].x + l.pane[PANE_LIST].w, 80);
}

static void test_200x60(void **state)
{
	(void)state;
	struct layout l = lay(60, 200, LAYOUT_AUTO, PANE_LIST, false);
	assert_sane(&l, 60, 200);
	assert_int_equal(l.mode, LAYOUT_WIDE);
	for (int i = 0; i < PANE__COUNT; i++) {
		assert_true(rect_visible(&l.pane[i]));
		assert_int_equal(l.pane[i].h, 58);
	}
	assert_int_equal(l.pane[PANE_FOLDERS].x, 0);
	int sum = l.pane[0].w + l.pane[1].w + l.pane[2].w + l.vsep[0].w + l.vsep[1].w;
	assert_int_equal(sum, 200);
	assert_true(l.pane[PANE_FOLDERS].w <= 30 && l.pane[PANE_FOLDERS].w >= 14);
	assert_true(l.pane[PANE_LIST].w >= 60);
	assert_true(l.pane[PANE_MESSAGE].w >= 80);
	/* forced narrow and single at the same size */
	l = lay(60, 200, LAYOUT_NARROW, PANE_LIST, true);
	assert_sane(&l, 60, 200);
	assert_int_equal(l.mode, LAYOUT_NARROW);
	assert_true(rect_visible(&l.pane[PANE_FOLDERS])); /* wide enough to keep it */
	assert_true(l.pane[PANE_MESSAGE].y > l.pane[PANE_LIST].y);
	l = lay(60, 200, LAYOUT_SINGLE, PANE_MESSAGE, true);
	assert_sane(&l, 60, 200);
	assert_int_equal(l.pane[PANE_MESSAGE].w, 200);
	assert_false(rect_visible(&l.pane[PANE_LIST]));
}

static void test_40x10(void **state)
{
	(void)state;
	struct layout l = lay(10, 40, LAYOUT_AUTO, PANE_LIST, true);
	assert_sane(&l, 10, 40);
	assert_int_equal(l.mode, LAYOUT_SINGLE);
	assert_int_equal(l.pane[PANE_LIST].w, 40);
	assert_int_equal(l.pane[PANE_LIST].h, 8);
	assert_false(rect_visible(&l.pane[PANE_MESSAGE]));
	l = lay(10, 40, LAYOUT_AUTO, PANE_MESSAGE, true);
	assert_int_equal(l.pane[PANE_MESSAGE].h, 8);
	assert_false(rect_visible(&l.pane[PANE_LIST]));
	/* the message focus without a message falls back to the list */
	l = lay(10, 40, LAYOUT_AUTO, PANE_MESSAGE, false);
	assert_true(rect_visible(&l.pane[PANE_LIST]));
	/* a forced wide layout that cannot fit is single */
	l = lay(10, 40, LAYOUT_WIDE, PANE_LIST, false);
	assert_int_equal(l.mode, LAYOUT_SINGLE);
}

static void test_every_size(void **state)
{
	(void)state;
	for (int rows = 1; rows <= 70; rows += 3)
		for (int cols = 1; cols <= 260; cols += 7)
			for (int m = LAYOUT_AUTO; m <= LAYOUT_SINGLE; m++)
				for (int f = 0; f < PANE__COUNT; f++)
					for (int open = 0; open < 2; open++) {
						struct layout l = lay(rows, cols, (enum layout_mode)m,
								      (enum pane_id)f, open);
						assert_sane(&l, rows, cols);
						if (l.too_small)
							continue;
						/* the focused pane is always on screen */
						enum pane_id want = (f == PANE_MESSAGE && !open) ? PANE_LIST
												  : (enum pane_id)f;
						assert_true(rect_visible(&l.pane[want]));
					}
	struct layout l = lay(4, 80, LAYOUT_AUTO, PANE_LIST, false);
	assert_true(l.too_small);
	enum layout_mode m;
	assert_true(layout_parse("narrow", &m));
	assert_int_equal(m, LAYOUT_NARROW);
	assert_false(layout_parse("tall", &m));
	assert_string_equal(layout_name(LAYOUT_WIDE), "wide");
}

/* ---- wrap ------------------------------------------------------------------------------ */

static char *line(const struct wrapped *w, size_t i)
{
	static char out[1024];
	const struct wrap_line *l = &w->lines[i];
	snprintf(out, sizeof out, "%.*s", (int)l->len, buf_data(&w->text) + l->off);
	return out;
}

static void test_wrap_basic(void **state)
{
	(void)state;
	struct wrapped w;
	wrap_init(&w, 1 << 20, 1000);
	const char *t = "the quick brown fox jumps over the lazy dog\n\n> quoted line\nend\n";
	assert_int_equal(wrap_append(&w, t, strlen(t), 16, 1, 2), 0);
	const char *want[] = {"the quick brown", "fox jumps over", "the lazy dog", "", "> quoted line", "end"};
	assert_int_equal(w.n, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(line(&w, i), want[i]);
		assert_true(w.lines[i].cols <= 16);
	}
	assert_int_equal(w.lines[4].kind, 2);
	assert_int_equal(w.lines[5].kind, 1);
	assert_int_equal(w.lines[0].cont, 0);
	assert_int_equal(w.lines[1].cont, 1);
	/* a word longer than the width is cut hard */
	wrap_free(&w);
	assert_int_equal(wrap_append(&w, "abcdefghijklmnop", 16, 5, 0, -1), 0);
	assert_int_equal(w.n, 4);
	assert_string_equal(line(&w, 3), "p");
	/* tabs go to 8-column stops */
	wrap_free(&w);
	assert_int_equal(wrap_append(&w, "a\tb\tc", 5, 80, 0, -1), 0);
	assert_string_equal(line(&w, 0), "a       b       c");
	/* a hanging indent for headers */
	wrap_free(&w);
	const char *h = "To:      alice@example.com, bob@example.com, carol@example.com";
	assert_int_equal(wrap_append_hanging(&w, h, strlen(h), 30, 9, 0), 0);
	assert_true(w.n >= 2);
	assert_int_equal(w.lines[0].indent, 0);
	for (size_t i = 1; i < w.n; i++) {
		assert_int_equal(w.lines[i].indent, 9);
		assert_true(w.lines[i].cols <= 21);
	}
	wrap_free(&w);
	buf_free(&w.text);
}

static void test_wrap_wide(void **state)
{
	(void)state;
	if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "en_US.UTF-8"))
		skip();
	struct wrapped w;
	wrap_init(&w, 1 << 20, 1000);
	/* CJK is two columns a character: never split, never past the width */
	const char *t = "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8\xe3\x81\xae\xe9\x80\x81\xe4\xbb\x98";
	assert_int_equal(wrap_append(&w, t, strlen(t), 5, 0, -1), 0);
	assert_int_equal(w.n, 3);
	for (size_t i = 0; i < w.n; i++) {
		assert_int_equal(w.lines[i].cols, 4);
		assert_int_equal(w.lines[i].len, 6);
	}
	/* a pane one column wide still shows a two-column character, alone on its line */
	wrap_free(&w);
	assert_int_equal(wrap_append(&w, t, 6, 1, 0, -1), 0);
	assert_int_equal(w.n, 2);
	/* combining marks stay with their base */
	wrap_free(&w);
	const char *c = "e\xcc\x81" "e\xcc\x81" "e\xcc\x81";
	assert_int_equal(wrap_append(&w, c, strlen(c), 2, 0, -1), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.lines[0].len, 6);
	wrap_free(&w);
	buf_free(&w.text);
}

static void test_wrap_limits(void **state)
{
	(void)state;
	struct wrapped w;
	wrap_init(&w, 1 << 20, 10);
	char big[2000];
	memset(big, '\n', sizeof big);
	assert_int_equal(wrap_append(&w, big, sizeof big, 80, 0, -1), -1);
	assert_int_equal(w.n, 10);
	wrap_free(&w);
	buf_free(&w.text);
	wrap_init(&w, 100, 1000);
	memset(big, 'x', sizeof big);
	assert_int_equal(wrap_append(&w, big, sizeof big, 80, 0, -1), -1);
	assert_true(buf_len(&w.text) <= 100);
	wrap_free(&w);
	buf_free(&w.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_80x24),
		cmocka_unit_test(test_200x60),
		cmocka_unit_test(test_40x10),
		cmocka_unit_test(test_every_size),
		cmocka_unit_test(test_wrap_basic),
		cmocka_unit_test(test_wrap_wide),
		cmocka_unit_test(test_wrap_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
