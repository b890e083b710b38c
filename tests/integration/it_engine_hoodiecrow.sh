#!/bin/sh
# The engine's Gmail-extension fetch against Hoodiecrow (a second opinion on X-GM-MSGID and
# X-GM-LABELS); the tests for the other servers skip themselves in this run.
exec "$PYTHON3" "$top_srcdir/tests/harness/servers.py" run --hoodiecrow -- \
	./tests/integration/it_engine
