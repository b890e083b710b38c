#!/bin/sh
# The real skua binary ($SKUA_BIN) against the hostile IMAP server
# (tests/servers/hostile_server.py), with a generated configuration:
#  - escape sequences (ESC [ 2 J, OSC 52, C1 CSI as a raw byte and as U+009B, bidi overrides) in
#    folder names, subjects, From names, labels, a capability, the ALERT text, the greeting and a
#    login refusal never reach the terminal: stdout and stderr hold no ESC, no BEL, no C1 (raw
#    0x9b outside a UTF-8 sequence, or U+009B = 0xc2 0x9b), no other control but newline, no bidi
#    control, and are valid UTF-8 (ASCII in the C locale) — while the visible text is all there;
#  - the fatal scenarios (a 4 GB literal, 10,000 nested parentheses, a wrong or self-signed
#    certificate, a refused login) end with exit status 1 and an error line naming the reason.
# Skips (77) when the test certificates cannot be made; fails instead under CI=true.
set -u
PYTHON3=${PYTHON3:-python3}
top_srcdir=${top_srcdir:-.}
SKUA_BIN=${SKUA_BIN:-./skua}
server=$top_srcdir/tests/servers/hostile_server.py
if [ ! -x "$SKUA_BIN" ]; then
	echo "hostile_binary.sh: $SKUA_BIN is not there (build skua first)" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/skua-hostile-bin.XXXXXX") || exit 1
pid=
stop() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	fi
}
trap 'stop; rm -rf "$work"' EXIT
trap 'exit 1' HUP INT PIPE TERM

if ! "$PYTHON3" "$server" make-certs "$work/certs"; then
	case ${CI:-} in
	true | TRUE | 1 | yes) echo "hostile_binary.sh: CI=true, so this is a failure, not a skip" >&2; exit 1 ;;
	esac
	echo "hostile_binary.sh: skipping (cannot make the test certificates)" >&2
	exit 77
fi
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=256:hard_rss_limit_mb=1024"
export ASAN_OPTIONS

# A hang is a failure, not a stuck test run.
limit=
if command -v timeout >/dev/null 2>&1; then
	limit="timeout 120"
fi
utf8=$(locale -a 2>/dev/null | grep -i -E '^(c|en_us)\.utf-?8$' | head -n 1)

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# start SCENARIO TLS(none|implicit) CERT(server|other|self)
start() {
	stop
	rm -f "$work/port" "$work/log"
	"$PYTHON3" "$server" serve --scenario "$1" --port-file "$work/port" --log "$work/log" \
		--tls "$2" --cert "$work/certs/$3.pem" --key "$work/certs/$3.key" &
	pid=$!
	i=0
	while [ ! -s "$work/port" ]; do
		if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 600 ]; then
			fail "$1: the hostile server did not start"
			return 1
		fi
		i=$((i + 1))
		sleep 0.1
	done
	port=$(cat "$work/port")
}

# conf TLS(implicit|none|starttls) HOST
conf() {
	cat >"$work/conf" <<EOF
[account hostile]
host = $2
port = $port
tls = $1
user = hostile@example.com
password_command = "echo hostile-secret"
ca_file = "$work/certs/ca.pem"
EOF
}

# run NAME LOCALE EXPECTED-STATUS [skua args]: runs skua, then checks its output bytes.
run() {
	name=$1 loc=$2 want=$3
	shift 3
	LC_ALL=$loc COLUMNS=200 $limit "$SKUA_BIN" -c "$work/conf" "$@" \
		>"$work/out" 2>"$work/err" </dev/null
	status=$?
	if [ $status -ne "$want" ]; then
		fail "$name ($loc $*): exit status $status, expected $want"
		echo "--- stdout" >&2
		cat "$work/out" >&2
		echo "--- stderr" >&2
		cat "$work/err" >&2
		return 1
	fi
	return 0
}

# check NAME MODE(utf8|ascii) [--has WORD]... [--line WORD]...: the output bytes of the last run.
#   --has WORD   WORD appears in stdout or stderr
#   --line WORD  one stderr line starting "skua: " holds every --line WORD
check() {
	"$PYTHON3" - "$work/out" "$work/err" "$@" <<'EOF' || failures=$((failures + 1))
import sys

out, err, name, mode = sys.argv[1:5]
has, line = [], []
args = sys.argv[5:]
for i in range(0, len(args), 2):
    (has if args[i] == "--has" else line).append(args[i + 1])
BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}
problems = []
texts = []
for path, label in ((out, "stdout"), (err, "stderr")):
    data = open(path, "rb").read()
    for seq, what in ((b"\x1b", "ESC (0x1b)"), (b"\x07", "BEL (0x07)"),
                      (b"\xc2\x9b", "U+009B (0xc2 0x9b)")):
        if seq in data:
            problems.append("%s holds %s at offset %d" % (label, what, data.index(seq)))
    if mode == "ascii" and any(b >= 0x80 for b in data):
        problems.append("%s holds non-ASCII bytes in the C locale (e.g. 0x%02x)"
                        % (label, next(b for b in data if b >= 0x80)))
    try:
        text = data.decode("utf-8")  # strict: a raw 0x9b outside a sequence fails here
    except UnicodeDecodeError as e:
        problems.append("%s is not valid UTF-8: %s" % (label, e))
        text = data.decode("utf-8", "replace")
    for i, ch in enumerate(text):
        cp = ord(ch)
        if (cp < 0x20 and ch != "\n") or 0x7F <= cp <= 0x9F or cp in BIDI:
            problems.append("%s holds U+%04X at character %d" % (label, cp, i))
            break
    texts.append(text)
both = "\n".join(texts)
for w in has:
    if w not in both:
        problems.append("the visible text %r is missing" % w)
if line and not any(l.startswith("skua: ") and all(w in l for w in line)
                    for l in texts[1].split("\n")):
    problems.append("no stderr line \"skua: ...\" names %s" % " + ".join(repr(w) for w in line))
def shown(t):  # the output as seen, without letting a control reach the test log
    return "".join(c if c == "\n" or 0x20 <= ord(c) < 0x7F else "\\u%04x" % ord(c) for c in t)
if problems:
    print("FAIL: %s:" % name, file=sys.stderr)
    for p in problems:
        print("  " + p, file=sys.stderr)
    print("--- stdout\n%s--- stderr\n%s" % (shown(texts[0]), shown(texts[1])), file=sys.stderr)
    sys.exit(1)
print("ok: %s (%s)" % (name, mode))
EOF
}

# mode_of LOCALE: what the output may hold
mode_of() {
	case $1 in
	C | POSIX) echo ascii ;;
	*) echo utf8 ;;
	esac
}

locales="C"
[ -n "$utf8" ] && locales="$utf8 C"

# 10. Escape sequences in every displayed field (and in the -v wire trace).
if start escapes implicit server; then
	conf implicit 127.0.0.1
	for loc in $locales; do
		for v in "" -v; do
			run "escapes $v" "$loc" 0 $v &&
				check "escapes $loc $v" "$(mode_of "$loc")" \
					--has alert-visible --has "[2Jcls" --has "]52;c;SGFja2Vk" --has osc \
					--has 31m --has 32m --has fdp.exe --has subject-raw --has subject-mime2 \
					--has subject-mime3 --has From-raw --has From-mime --has label-raw \
					--has label-utf7 --has folder-raw --has folder-utf7 --has trash \
					--has X-HOSTILE-
		done
	done
fi

# A refused login whose text (and greeting) carry the same sequences.
if start escape-login implicit server; then
	conf implicit 127.0.0.1
	for loc in $locales; do
		run escape-login "$loc" 1 -v &&
			check "escape-login $loc" "$(mode_of "$loc")" --has greeting-visible \
				--line "refused the login" --line refusal-visible
	done
fi

# 4, 5: fatal protocol errors.
for spec in "huge-literal|4294967296" "deep-fetch|nested deeper" "deep-list|nesting deeper" \
	"garbage-long-line|line longer than"; do
	scen=${spec%%|*} words=${spec#*|}
	for tls in implicit none; do
		start "$scen" "$tls" server || continue
		conf "$tls" 127.0.0.1
		for loc in $locales; do
			run "$scen" "$loc" 1 &&
				check "$scen $tls $loc" "$(mode_of "$loc")" --line "protocol error" --line "$words"
		done
	done
done

# 9: wrong certificates.
for spec in "other|localhost|wrong host name" "self|127.0.0.1|self-signed"; do
	cert=${spec%%|*} rest=${spec#*|}
	host=${rest%%|*} words=${rest#*|}
	start normal implicit "$cert" || continue
	conf implicit "$host"
	for loc in $locales; do
		run "certificate $cert" "$loc" 1 &&
			check "certificate $cert $loc" "$(mode_of "$loc")" --line "$words"
	done
	if grep -q '^C-' "$work/log"; then
		fail "certificate $cert: the server received application data:"
		cat "$work/log" >&2
	fi
done
stop

if [ $failures -ne 0 ]; then
	echo "hostile_binary.sh: $failures failure(s)" >&2
	exit 1
fi
exit 0
