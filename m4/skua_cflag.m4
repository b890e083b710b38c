# SKUA_CHECK_CFLAG(FLAG, [IF-OK], [IF-NOT], [EXTRA-FLAGS])
# Does the C compiler accept FLAG (together with EXTRA-FLAGS)?
AC_DEFUN([SKUA_CHECK_CFLAG], [
  AS_VAR_PUSHDEF([skua_var], [skua_cv_cflag_$1])
  AC_CACHE_CHECK([whether $CC accepts $1], [skua_var], [
    skua_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS $4 $1"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [return 0;])],
      [AS_VAR_SET([skua_var], [yes])], [AS_VAR_SET([skua_var], [no])])
    CFLAGS=$skua_save_CFLAGS])
  AS_VAR_IF([skua_var], [yes], [$2], [$3])
  AS_VAR_POPDEF([skua_var])
])
