#!/bin/sh
# Run by `make check` in place of the unit tests when configure did not find cmocka.
echo "make check needs cmocka (the unit test framework) and it was not found by configure." >&2
echo "  On Debian/Ubuntu: apt-get install libcmocka-dev   (Fedora: libcmocka-devel)" >&2
echo "then run ./configure again." >&2
exit 1
