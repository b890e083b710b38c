#!/usr/bin/env python3
"""Checks that every test server the harness starts really answers as the tests expect:
Dovecot (plain and TLS, verified against the test CA, LOGIN, SPECIAL-USE folders, the generated
mail), the Gmail emulation (plain and TLS, X-GM-EXT-1 after LOGIN) and Hoodiecrow (X-GM-MSGID).
Run by harness.sh under tests/harness/servers.py; prints TAP and 'N passed, M failed'."""

import imaplib
import os
import ssl
import sys

env = os.environ
results = []


def check(name, cond):
    results.append(bool(cond))
    print(f"{'ok' if cond else 'not ok'} {len(results)} - {name}")


def tls_context(host_check=True):
    ctx = ssl.create_default_context(cafile=env["SKUA_TEST_CA"])
    ctx.check_hostname = host_check
    return ctx


def caps(conn):
    typ, data = conn.capability()
    return set(data[0].decode().upper().split())


# ---- Dovecot
d = imaplib.IMAP4("127.0.0.1", int(env["SKUA_TEST_DOVECOT_PORT"]))
check("dovecot: plain listener offers STARTTLS", "STARTTLS" in d.capabilities)
d.login(env["SKUA_TEST_USER"], env["SKUA_TEST_PASSWORD"])
c = caps(d)
for cap in ("SPECIAL-USE", "CONDSTORE", "QRESYNC", "THREAD=REFERENCES", "SORT", "MOVE", "UIDPLUS",
            "COMPRESS=DEFLATE", "IDLE"):
    check(f"dovecot: {cap} after login", cap in c)
typ, folders = d.list()
names = b"\n".join(folders)
for special in (b"\\Sent", b"\\Trash", b"\\Junk", b"\\Drafts", b"\\Archive"):
    check(f"dovecot: a folder marked {special.decode()}", special in names)
check("dovecot: a non-ASCII folder in modified UTF-7", b"Re&AOc-us" in names)
total = 0
for line in folders:
    name = line.rsplit(b' "/" ', 1)[1]
    if name.startswith(b'"'):
        name = name[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
    typ, st = d.status(b'"' + name.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"', "(MESSAGES)")
    total += int(st[0].rsplit(b"MESSAGES ", 1)[1].rstrip(b")"))
check(f"dovecot: all {env['SKUA_TEST_MESSAGES']} generated messages are there ({total})",
      total == int(env["SKUA_TEST_MESSAGES"]))
d.logout()
t = imaplib.IMAP4_SSL(env["SKUA_TEST_TLS_HOST"], int(env["SKUA_TEST_DOVECOT_TLS_PORT"]),
                      ssl_context=tls_context())
check("dovecot: implicit TLS verifies against the test CA for localhost", t.state == "NONAUTH")
t.logout()
try:
    imaplib.IMAP4_SSL("127.0.0.1", int(env["SKUA_TEST_DOVECOT_TLS_PORT"]),
                      ssl_context=ssl.create_default_context())
    check("dovecot: TLS is refused without the test CA", False)
except ssl.SSLCertVerificationError:
    check("dovecot: TLS is refused without the test CA", True)

# ---- Gmail emulation
gm = imaplib.IMAP4("127.0.0.1", int(env["SKUA_TEST_GMAIL_PORT"]))
gm.login(env["SKUA_TEST_USER"], env["SKUA_TEST_PASSWORD"])
c = caps(gm)
check("gmail: X-GM-EXT-1 after login", "X-GM-EXT-1" in c)
check("gmail: no THREAD, SORT or QRESYNC", not any(x.startswith(("THREAD", "SORT", "QRESYNC")) for x in c))
typ, folders = gm.list()
check("gmail: [Gmail]/All Mail is marked \\All", any(b"\\All" in f and b"All Mail" in f for f in folders))
typ, n = gm.select("INBOX")
typ, data = gm.fetch(n[0], "(X-GM-MSGID X-GM-THRID X-GM-LABELS)")
check("gmail: FETCH X-GM-MSGID X-GM-THRID X-GM-LABELS", b"X-GM-THRID" in data[0] and b"X-GM-MSGID" in data[0])
gm.logout()
t = imaplib.IMAP4_SSL(env["SKUA_TEST_TLS_HOST"], int(env["SKUA_TEST_GMAIL_TLS_PORT"]),
                      ssl_context=tls_context())
check("gmail: implicit TLS verifies against the test CA", t.state == "NONAUTH")
t.logout()

# ---- Hoodiecrow
h = imaplib.IMAP4("127.0.0.1", int(env["SKUA_TEST_HOODIECROW_PORT"]))
h.login("testuser", "testpass")
h.select("INBOX")
typ, data = h.fetch("1", "(X-GM-MSGID X-GM-LABELS)")
check("hoodiecrow: FETCH X-GM-MSGID", b"X-GM-MSGID" in data[0])
h.logout()

failed = results.count(False)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
