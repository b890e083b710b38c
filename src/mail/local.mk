## src/mail: sources are appended to libskua_a_SOURCES (ui: libskuaui_a_SOURCES) here.
