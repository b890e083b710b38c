# SKUA_CHECK_CMOCKA: cmocka, needed only by `make check`. Sets CMOCKA_CFLAGS/LIBS and
# the HAVE_CMOCKA conditional; `make check` stops with install advice when it is missing.
AC_DEFUN([SKUA_CHECK_CMOCKA], [
  PKG_CHECK_MODULES([CMOCKA], [cmocka >= 1.1], [have_cmocka=yes], [have_cmocka=no])
  AM_CONDITIONAL([HAVE_CMOCKA], [test "x$have_cmocka" = xyes])
])
