## src/: core pieces shared by every layer (buffers, loop, net, config).
libskua_a_SOURCES += \
	src/buf.c src/buf.h
## config file
libskua_a_SOURCES += src/conf.c src/conf.h src/conf_file.c src/conf_file.h
