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

## mail: model
libskua_a_SOURCES += \
	src/mail/model.h src/mail/account_int.h \
	src/mail/account.c src/mail/folders.c src/mail/folders.h src/mail/folders_net.c \
	src/mail/mailbox_table.c src/mail/mailbox_table.h src/mail/fetch_sched.c src/mail/fetch_sched.h \
	src/mail/mailbox_view.c src/mail/mailbox_fetch.c src/mail/mailbox_rec.c src/mail/mailbox_live.c \
	src/mail/mailbox_threads.c src/mail/mailbox_search.c src/mail/mailbox_message.c \
	src/mail/mailbox_cache.c src/mail/mailbox_sort.c src/mail/mailbox_save.c \
	src/mail/decode_fd.c src/mail/decode_fd.h

## mail: triage
libskua_a_SOURCES += \
	src/mail/triage.h src/mail/triage_int.h \
	src/mail/triage.c src/mail/triage_send.c src/mail/triage_conn.c src/mail/triage_undo.c \
	src/mail/triage_model.c
