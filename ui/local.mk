## ui/: the only code that includes curses. Pure helpers (sanitize, keymap, theme, layout,
## completion, wrapping, OSC 52, attachment paths) and the plain-text probe include no curses.
libskuaui_a_SOURCES += ui/sanitize.c ui/sanitize.h ui/probe.c ui/probe.h
libskuaui_a_SOURCES += \
	ui/action.c ui/action.h ui/keymap.c ui/keymap.h ui/theme.c ui/theme.h \
	ui/layout.c ui/layout.h ui/complete.c ui/complete.h ui/wrap.c ui/wrap.h \
	ui/osc52.c ui/osc52.h ui/savefile.c ui/savefile.h
## the curses reader
libskuaui_a_SOURCES += \
	ui/ui.h ui/app.h ui/app.c ui/app_actions.c ui/term.c ui/draw.c ui/prompt.c \
	ui/pane_folders.c ui/pane_list.c ui/pane_message.c
libskuaui_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui -DSKUA_THEMEDIR='"$(themesdir)"'

## themes, in the config's own syntax, installed for `[ui] theme = NAME`
themesdir = $(pkgdatadir)/themes
dist_themes_DATA = themes/default themes/light themes/dark themes/high-contrast themes/monochrome
