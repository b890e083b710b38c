#!/bin/sh
# bench/open.sh — opening INBOX through the model (bench/bench_open) for 1k .. 1M messages on the
# Gmail emulation and 1k .. 100k on Dovecot, cold, cold with the cache written through, and warm
# from the cache; prints a table. Run from a build directory (an optimised build without
# sanitizers gives honest RSS figures):
#     make bench/bench_open && sh $SRCDIR/bench/open.sh
# SKUA_BENCH_GMAIL / SKUA_BENCH_DOVECOT override the sizes ("" skips that server).
top=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON3:-python3}
bin=${BENCH_OPEN:-./bench/bench_open}
[ -x "$bin" ] || { echo "open.sh: $bin not built (make bench/bench_open)" >&2; exit 1; }
gmail=${SKUA_BENCH_GMAIL-"1000 10000 100000 1000000"}
dovecot=${SKUA_BENCH_DOVECOT-"1000 10000 100000"}
out=$(mktemp "${TMPDIR:-/tmp}/open-bench.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT INT TERM
runs='d=$(mktemp -d); "$0" "$1" cold && "$0" "$1" cache-cold "$d" && "$0" "$1" warm "$d"; r=$?; rm -rf "$d"; exit $r'
for n in $gmail; do
	"$py" "$top/tests/harness/servers.py" run --gmail --messages "$n" -- \
		sh -c "$runs" "$bin" gmail >>"$out" || echo "open.sh: gmail $n failed" >&2
done
for n in $dovecot; do
	"$py" "$top/tests/harness/servers.py" run --dovecot --messages "$n" -- \
		sh -c "$runs" "$bin" dovecot >>"$out" || echo "open.sh: dovecot $n failed" >&2
done
"$py" - "$out" <<'PY'
import sys
rows = []
for line in open(sys.argv[1]):
    if not line.startswith("open "):
        continue
    rows.append(dict(kv.split("=", 1) for kv in line.split()[1:]))
print("%-8s %9s %9s %-10s %8s %9s %9s %8s %8s %11s" % (
    "server", "messages", "INBOX", "cache", "login", "screen", "total", "RSS", "peak", "bytes in"))
for r in rows:
    print("%-8s %9s %9s %-10s %6sms %7sms %7sms %6.1fM %6.1fM %10.1fK" % (
        r["server"], r["messages"], r["exists"], r["cache"], r["login_ms"], r["screen_ms"],
        r["total_ms"], int(r["rss_kib"]) / 1024, int(r["hwm_kib"]) / 1024,
        int(r["server_bytes"]) / 1024))
PY
