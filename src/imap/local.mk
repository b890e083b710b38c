## src/imap: sources are appended to libskua_a_SOURCES (ui: libskuaui_a_SOURCES) here.
## parser
libskua_a_SOURCES += \
	src/imap/response.h src/imap/parser.h src/imap/parser_int.h \
	src/imap/parser.c src/imap/parse_lex.c src/imap/parse_resp.c \
	src/imap/parse_fetch.c src/imap/parse_dump.c
## encode/sasl
libskua_a_SOURCES += \
	src/imap/encode.c src/imap/encode.h src/imap/mutf7.c src/imap/mutf7.h \
	src/imap/seqset.c src/imap/seqset.h src/imap/search.c src/imap/search.h \
	src/imap/sasl.c src/imap/sasl.h
## session
libskua_a_SOURCES += \
	src/imap/session.h src/imap/session_internal.h src/imap/session.c \
	src/imap/session_queue.c src/imap/session_auth.c src/imap/session_idle.c \
	src/imap/session_trace.c \
	src/imap/connection.h src/imap/connection.c src/secret_cmd.h src/secret_cmd.c
## ops
libskua_a_SOURCES += \
	src/imap/ops.h src/imap/ops_int.h src/imap/ops_core.c src/imap/ops_server.c \
	src/imap/ops_mailbox.c src/imap/ops_fetch.c src/imap/ops_message.c src/imap/ops_gmail.c
