#!/bin/sh
# Opening a mailbox costs what the screen shows, not what the mailbox holds: the commands the
# model sends to open [Gmail]/All Mail of a 1,000,000-message account (Gmail emulation) and a
# 100,000-message INBOX (Dovecot, every generated message in INBOX) are the same as for 1,000
# messages, and so are the bytes, give or take the longer numbers. (The Gmail emulation starts a
# million messages in about two seconds; the 100,000-message Maildir takes about a minute.)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/it_model_scale.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
run() {
	"$PYTHON3" "$top_srcdir/tests/harness/servers.py" run "$@"
}
run --gmail --messages 1000 -- ./tests/integration/it_model --stats "$tmp/gmail-1000" gmail all || exit $?
run --gmail --messages 1000000 -- ./tests/integration/it_model --stats "$tmp/gmail-1000000" gmail all || exit $?
run --dovecot --flat --messages 1000 -- ./tests/integration/it_model --stats "$tmp/dovecot-1000" dovecot || exit $?
run --dovecot --flat --messages 100000 -- ./tests/integration/it_model --stats "$tmp/dovecot-100000" dovecot || exit $?
exec "$PYTHON3" "$top_srcdir/tests/integration/model_scale_compare.py" \
	"$tmp/gmail-1000" "$tmp/gmail-1000000" "$tmp/dovecot-1000" "$tmp/dovecot-100000"
