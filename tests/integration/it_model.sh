#!/bin/sh
# The mail model's integration tests (tests/integration/it_model.c) against Dovecot and the Gmail
# emulation. servers.py skips (77) when a server cannot start, and fails under CI=true.
exec "$PYTHON3" "$top_srcdir/tests/harness/servers.py" run --dovecot --gmail --messages 1000 -- \
	./tests/integration/it_model
