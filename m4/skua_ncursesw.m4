# SKUA_CHECK_NCURSESW: wide-character curses. Sets NCURSESW_CFLAGS/NCURSESW_LIBS.
AC_DEFUN([SKUA_CHECK_NCURSESW], [
  PKG_CHECK_MODULES([NCURSESW], [ncursesw >= 6.0], [], [
    AC_CHECK_LIB([ncursesw], [wget_wch], [NCURSESW_LIBS="-lncursesw"],
      [AC_MSG_ERROR([ncursesw (wide-character curses) not found.
  On Debian/Ubuntu: apt-get install libncurses-dev   (Fedora: ncurses-devel)])])
  ])
  AC_SUBST([NCURSESW_CFLAGS])
  AC_SUBST([NCURSESW_LIBS])
])
