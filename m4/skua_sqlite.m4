# SKUA_CHECK_SQLITE: SQLite 3 (cache and durable action journal). Sets SQLITE_CFLAGS/LIBS.
AC_DEFUN([SKUA_CHECK_SQLITE], [
  PKG_CHECK_MODULES([SQLITE], [sqlite3 >= 3.24], [], [
    AC_MSG_ERROR([SQLite 3 (>= 3.24) not found.
  On Debian/Ubuntu: apt-get install libsqlite3-dev   (Fedora: sqlite-devel)])
  ])
])
