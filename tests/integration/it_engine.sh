#!/bin/sh
# The engine's integration tests (tests/integration/it_engine*.c) against Dovecot and the Gmail
# emulation. servers.py skips (77) when a server cannot start, and fails under CI=true.
exec "$PYTHON3" "$top_srcdir/tests/harness/servers.py" run --dovecot --gmail --messages 300 -- \
	./tests/integration/it_engine
