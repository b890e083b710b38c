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
