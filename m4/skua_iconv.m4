# SKUA_CHECK_ICONV: iconv from glibc, or GNU libiconv where libc has none.
# Sets ICONV_LIBS (empty when iconv is in libc).
AC_DEFUN([SKUA_CHECK_ICONV], [
  ICONV_LIBS=""
  AC_MSG_CHECKING([for iconv in libc])
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <iconv.h>]],
      [[iconv_t cd = iconv_open("UTF-8", "ISO-8859-1"); iconv(cd, 0, 0, 0, 0); iconv_close(cd);]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     skua_save_LIBS=$LIBS
     LIBS="$LIBS -liconv"
     AC_MSG_CHECKING([for iconv in -liconv])
     AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <iconv.h>]],
         [[iconv_t cd = iconv_open("UTF-8", "ISO-8859-1"); iconv(cd, 0, 0, 0, 0); iconv_close(cd);]])],
       [AC_MSG_RESULT([yes]); ICONV_LIBS="-liconv"],
       [AC_MSG_RESULT([no])
        AC_MSG_ERROR([iconv not found (neither in libc nor as GNU libiconv).
  Install GNU libiconv, or use a C library with iconv (glibc has it built in).])])
     LIBS=$skua_save_LIBS])
  AC_SUBST([ICONV_LIBS])
])
