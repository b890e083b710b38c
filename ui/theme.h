/*
 * theme — colours and attributes of every element of the screen, from a theme file in the
 * config's own syntax (themes/default shows every element). Pure: no curses; ui/term.c turns a
 * theme into colour pairs for the terminal it runs on.
 *
 * File format (src/conf_file.h lexer):
 *     # comment
 *     [colors]
 *     ELEMENT = [FOREGROUND [BACKGROUND]] [ATTRIBUTE ...]
 * A colour is `default`, a name (black red green yellow blue magenta cyan white, bright-NAME or
 * grey/gray), a number 0-255, or #rrggbb. Attributes: bold dim underline reverse italic
 * standout blink, or `none`. Elements a file does not name keep the built-in default theme's
 * style. Errors name FILE:LINE and the element.
 *
 * Terminals: theme_color_for() turns a colour into what a terminal with N colours can show
 * (direct colour, 256, 16 or 8; the nearest colour otherwise). Without colour (NO_COLOR, a
 * monochrome terminal) only attributes are used, with reverse video for elements whose
 * background differs from normal text's (theme_mono_attrs).
 */
#ifndef SKUA_UI_THEME_H
#define SKUA_UI_THEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum theme_elem {
	TE_NORMAL,
	TE_BORDER,
	TE_TITLE,
	TE_STATUS,
	TE_STATUS_ALERT,
	TE_MESSAGE,
	TE_ERROR,
	TE_PROMPT,
	TE_FOLDER,
	TE_FOLDER_SPECIAL,
	TE_FOLDER_UNREAD,
	TE_FOLDER_CURRENT,
	TE_CURSOR,
	TE_CURSOR_INACTIVE,
	TE_LIST_UNREAD,
	TE_LIST_READ,
	TE_LIST_DATE,
	TE_LIST_FROM,
	TE_LIST_COUNT,
	TE_LIST_STAR,
	TE_LIST_LABEL,
	TE_LIST_SELECTED,
	TE_LIST_PLACEHOLDER,
	TE_HEADER_NAME,
	TE_HEADER_VALUE,
	TE_HEADER_SUBJECT,
	TE_BODY,
	TE_BODY_QUOTE,
	TE_BODY_LINK,
	TE_ATTACHMENT,
	TE_HELP_KEY,
	TE_HELP_SECTION,
	TE__COUNT
};

#define THEME_DEFAULT (-1)   /* the terminal's own colour */
#define THEME_RGB 0x1000000  /* THEME_RGB | 0xRRGGBB */

enum theme_attr {
	TA_BOLD = 1u << 0,
	TA_DIM = 1u << 1,
	TA_UNDERLINE = 1u << 2,
	TA_REVERSE = 1u << 3,
	TA_ITALIC = 1u << 4,
	TA_STANDOUT = 1u << 5,
	TA_BLINK = 1u << 6,
};

struct theme_style {
	int32_t fg, bg;  /* THEME_DEFAULT, 0..255, or THEME_RGB | rgb */
	unsigned attrs;  /* enum theme_attr bits */
};

struct theme {
	struct theme_style s[TE__COUNT];
};

const char *theme_elem_name(enum theme_elem e); /* "list.unread" */
/* The built-in default theme (the same as themes/default). */
void theme_init_builtin(struct theme *t);
/* Parses a theme file's text on top of *t. 0, or -1 with "FILE:LINE: key 'ELEM': why". */
int theme_parse(struct theme *t, const char *file, const char *text, size_t len, char *err,
		size_t errlen);
/* Parses a colour; false when it is none. */
bool theme_parse_color(const char *s, int32_t *out);
/*
 * Loads theme `name` (letters, digits, '-' and '_'): the first file found of $SKUA_THEME_DIR/NAME,
 * $XDG_CONFIG_HOME/skua/themes/NAME (~/.config/...), THEMEDIR/NAME (the installed themes);
 * "default" needs no file. 0, or -1 with a message (not found, unreadable, a parse error).
 */
int theme_load(struct theme *t, const char *name, const char *themedir, char *err, size_t errlen);

/*
 * The colour to ask a terminal with `colors` colours for: THEME_DEFAULT stays; direct colour
 * (colors >= 1 << 24) gets 0..7 as palette indexes and everything else as 0xRRGGBB; 256
 * colours get indexes (#rrggbb to the nearest of the 6x6x6 cube and grey ramp); 16 and 88
 * colours the nearest of 0..15; 8 colours 0..7 with *bright set when a bright colour was asked
 * (use bold for a foreground). bright may be NULL.
 */
int32_t theme_color_for(int32_t c, int colors, bool *bright);
/* Attributes of element e for a terminal without colour: its own, plus reverse when its
 * background differs from the normal text's. */
unsigned theme_mono_attrs(const struct theme *t, enum theme_elem e);

#endif
