## src/mail: sources are appended to libskua_a_SOURCES (ui: libskuaui_a_SOURCES) here.

## mail: decoders
libskua_a_SOURCES += \
	src/mail/charset.c src/mail/charset.h \
	src/mail/qp.c src/mail/qp.h \
	src/mail/rfc2047.c src/mail/rfc2047.h \
	src/mail/rfc2231.c src/mail/rfc2231.h \
	src/mail/flowed.c src/mail/flowed.h \
	src/mail/html2text.c src/mail/html2text.h \
	src/mail/mime.c src/mail/mime.h

## mail: threads
libskua_a_SOURCES += \
	src/mail/thread.h src/mail/thread_int.h \
	src/mail/thread_store.c src/mail/thread_core.c src/mail/thread_order.c \
	src/mail/thread_jwz.c src/mail/thread_subject.c src/mail/thread_gmail.c \
	src/mail/thread_rows.c src/mail/thread_server.c

## mail: cache
libskua_a_SOURCES += \
	src/mail/cache.h src/mail/cache_int.h \
	src/mail/cache_open.c src/mail/cache_msg.c src/mail/cache_body.c src/mail/cache_journal.c \
	src/mail/cache_salvage.c
