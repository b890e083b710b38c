## src/: core pieces shared by every layer (buffers, loop, net, config).
libskua_a_SOURCES += \
	src/buf.c src/buf.h
