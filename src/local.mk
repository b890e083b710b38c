## src/: core pieces shared by every layer (buffers, loop, net, config).
libskua_a_SOURCES += \
	src/buf.c src/buf.h
## config file
libskua_a_SOURCES += src/conf.c src/conf.h src/conf_file.c src/conf_file.h
libskua_a_SOURCES += \
	src/loop.c src/loop.h \
	src/net.c src/net.h src/net_int.h src/net_tls.c src/net_compress.c src/net_resolve.c
## base64 (encode/sasl; shared with the mail model's decoders)
libskua_a_SOURCES += src/base64.c src/base64.h src/ascii.h

## a child command on the loop (secret_cmd, html_filter)
libskua_a_SOURCES += src/proc_run.c src/proc_run.h
