# SKUA_CHECK_OPENSSL: OpenSSL >= 1.1.1 (X509_check_host, TLS 1.3). Sets OPENSSL_CFLAGS/LIBS.
AC_DEFUN([SKUA_CHECK_OPENSSL], [
  PKG_CHECK_MODULES([OPENSSL], [openssl >= 1.1.1], [], [
    AC_MSG_ERROR([OpenSSL >= 1.1.1 not found.
  On Debian/Ubuntu: apt-get install libssl-dev   (Fedora: openssl-devel)])
  ])
])
