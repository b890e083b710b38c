# SKUA_CHECK_ZLIB: zlib for COMPRESS=DEFLATE (RFC 4978). Sets ZLIB_CFLAGS/LIBS.
AC_DEFUN([SKUA_CHECK_ZLIB], [
  PKG_CHECK_MODULES([ZLIB], [zlib], [], [
    AC_CHECK_LIB([z], [deflate], [ZLIB_LIBS="-lz"],
      [AC_MSG_ERROR([zlib not found.
  On Debian/Ubuntu: apt-get install zlib1g-dev   (Fedora: zlib-devel)])])
  ])
])
