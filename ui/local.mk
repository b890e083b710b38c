## ui/: the only code that includes curses. Pure helpers (sanitize) include no curses either.
libskuaui_a_SOURCES += ui/sanitize.c ui/sanitize.h
libskuaui_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui
