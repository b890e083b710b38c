#!/bin/sh
# The engine against the hostile IMAP server (tests/integration/it_hostile.c driving
# tests/servers/hostile_server.py): makes a throwaway CA and certificates (through
# tests/harness/servers.py's make_certs), exports HOSTILE_CERTS and runs it_hostile.
# Without openssl the test skips (77), and fails under CI=true.
PYTHON3=${PYTHON3:-python3}
top_srcdir=${top_srcdir:-.}
export PYTHON3 top_srcdir

work=$(mktemp -d "${TMPDIR:-/tmp}/skua-hostile-certs.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT PIPE TERM

if ! "$PYTHON3" "$top_srcdir/tests/servers/hostile_server.py" make-certs "$work"; then
	case ${CI:-} in
	true | TRUE | 1 | yes) echo "hostile.sh: CI=true, so this is a failure, not a skip" >&2; exit 1 ;;
	esac
	echo "hostile.sh: skipping (cannot make the test certificates)" >&2
	exit 77
fi
HOSTILE_CERTS=$work
export HOSTILE_CERTS

# Under ASan a single allocation past 256 MiB, or a resident size past 1 GiB, fails the run:
# no server can make the engine allocate without bound.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=256:hard_rss_limit_mb=1024"
export ASAN_OPTIONS

./tests/integration/it_hostile
