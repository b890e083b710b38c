#!/bin/sh
# Starts Dovecot, the Gmail emulation and Hoodiecrow through the harness and checks each answers.
exec "$PYTHON3" "$top_srcdir/tests/harness/servers.py" run --dovecot --gmail --hoodiecrow --messages 200 -- \
	"$PYTHON3" "$top_srcdir/tests/integration/harness_check.py"
