## src/imap: sources are appended to libskua_a_SOURCES (ui: libskuaui_a_SOURCES) here.
## encode/sasl
libskua_a_SOURCES += \
	src/imap/encode.c src/imap/encode.h src/imap/mutf7.c src/imap/mutf7.h \
	src/imap/seqset.c src/imap/seqset.h src/imap/search.c src/imap/search.h \
	src/imap/sasl.c src/imap/sasl.h
