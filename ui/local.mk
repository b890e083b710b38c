## ui/: the only code that includes curses. Pure helpers (sanitize) and the plain-text probe
## include no curses either.
libskuaui_a_SOURCES += ui/sanitize.c ui/sanitize.h ui/probe.c ui/probe.h
libskuaui_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui
