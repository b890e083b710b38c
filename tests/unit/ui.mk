## unit tests for ui/'s pure parts (included from tests/local.mk): the action table and
## keymaps, themes, layout and wrapping, completion, attachment paths and OSC 52.
UI_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui
UI_TEST_CFLAGS = $(TEST_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
UI_TEST_LDADD = libskuaui.a $(TEST_LDADD)

UNIT_TESTS += tests/unit/test_keymap
tests_unit_test_keymap_SOURCES = tests/unit/test_keymap.c
tests_unit_test_keymap_CPPFLAGS = $(UI_TEST_CPPFLAGS)
tests_unit_test_keymap_CFLAGS = $(UI_TEST_CFLAGS)
tests_unit_test_keymap_LDADD = $(UI_TEST_LDADD)

UNIT_TESTS += tests/unit/test_theme
tests_unit_test_theme_SOURCES = tests/unit/test_theme.c
tests_unit_test_theme_CPPFLAGS = $(UI_TEST_CPPFLAGS)
tests_unit_test_theme_CFLAGS = $(UI_TEST_CFLAGS)
tests_unit_test_theme_LDADD = $(UI_TEST_LDADD)

UNIT_TESTS += tests/unit/test_layout
tests_unit_test_layout_SOURCES = tests/unit/test_layout.c
tests_unit_test_layout_CPPFLAGS = $(UI_TEST_CPPFLAGS)
tests_unit_test_layout_CFLAGS = $(UI_TEST_CFLAGS)
tests_unit_test_layout_LDADD = $(UI_TEST_LDADD)

UNIT_TESTS += tests/unit/test_complete
tests_unit_test_complete_SOURCES = tests/unit/test_complete.c
tests_unit_test_complete_CPPFLAGS = $(UI_TEST_CPPFLAGS)
tests_unit_test_complete_CFLAGS = $(UI_TEST_CFLAGS)
tests_unit_test_complete_LDADD = $(UI_TEST_LDADD)
