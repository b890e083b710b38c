#!/bin/sh
# Durable triage (src/mail/triage*) against Dovecot and the Gmail emulation: every action, undo,
# kill -9 at each step then replay, dropped connections, UIDVALIDITY changes (triage_check.py drives
# tests/integration/it_triage_tool). servers.py skips (77) when a server cannot start, and fails
# under CI=true.
exec "$PYTHON3" "$top_srcdir/tests/harness/servers.py" run --dovecot --gmail --messages 300 -- \
	"$PYTHON3" "$top_srcdir/tests/integration/triage_check.py" ./tests/integration/it_triage_tool
