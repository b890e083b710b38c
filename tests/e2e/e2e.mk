## end-to-end tests: the real skua in tmux against the Gmail emulation and Dovecot
## (tests/e2e/README). Each script starts its own servers through tests/harness/servers.py and
## skips (77) when tmux or a server is missing, unless CI=true.
E2E_TESTS = \
	tests/e2e/e2e_gmail_triage.py \
	tests/e2e/e2e_escapes.py \
	tests/e2e/e2e_resize.py \
	tests/e2e/e2e_dovecot.py
TESTS += $(E2E_TESTS)
EXTRA_DIST += tests/e2e/skua_tmux.py tests/e2e/README $(E2E_TESTS)
