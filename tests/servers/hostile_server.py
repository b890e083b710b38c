#!/usr/bin/env python3
"""A scripted, hostile IMAP server for skua's tests (standard library only).

    hostile_server.py serve --scenario NAME --port-file FILE --log FILE
                            [--tls implicit|none] [--cert CERT.pem --key KEY.pem]
    hostile_server.py make-certs DIR
    hostile_server.py list

serve: listens on 127.0.0.1 port 0, writes the port to FILE (atomically, when it is ready to
accept), and serves connections one after another until SIGTERM (or until the process that
started it is gone), each with the scenario NAME.
--tls implicit wraps every connection in TLS (the certificate given); STARTTLS scenarios use
the certificate for their upgrade.

make-certs: a throwaway CA and certificates in DIR (tests/harness/servers.py's make_certs for
ca.pem and server.pem/.key, valid for localhost, 127.0.0.1 and ::1), plus other.pem/.key (signed
by the CA, valid only for other.example) and self.pem/.key (self-signed, for localhost and
127.0.0.1).

The log records what the server received, one event per line, flushed at once, so a test can
read it while the server runs:
    ACCEPT n                    connection n (1, 2, ...) accepted
    C-PLAIN n <line>            a line received in plaintext (bytes escaped: \\xNN, \\\\)
    C-TLS n <line>              a line received inside TLS
    S n <text>                  what the server sent (first 200 bytes, escaped)
    PLAIN-AFTER-OK n <count> <bytes>   plaintext the client sent after STARTTLS's OK and
                                before its TLS handshake (should be 0)
    TLS-OK n / TLS-FAIL n <why> the handshake's outcome
    AFTER-TLS-FAIL n <count>    bytes the client sent after a failed handshake, until EOF
    END n <why>                 the connection is over (EOF, closed, error)

Every scenario speaks just enough IMAP (greeting, CAPABILITY, LOGIN, AUTHENTICATE PLAIN,
STARTTLS, LIST, SELECT/EXAMINE, FETCH/UID FETCH, NOOP, LOGOUT) to reach its hostile part;
`list` prints them with a one-line description.
"""

import argparse
import base64
import os
import random
import select
import socket
import ssl
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

ESC = b"\x1b"
# The hostile pieces every displayed string of the `escapes` scenarios carries.
CLEAR = ESC + b"[2J"                          # clear screen
OSC52 = ESC + b"]52;c;SGFja2Vk" + b"\x07"     # write the clipboard, BEL-terminated
C1_RAW = b"\x9b" + b"31m"                      # C1 CSI as a raw byte
C1_UTF8 = b"\xc2\x9b" + b"32m"                 # C1 CSI as U+009B
RLO = "\u202e".encode()                        # right-to-left override


def esc(data, limit=None):
    """Bytes as printable ASCII for the log."""
    if limit is not None and len(data) > limit:
        data = data[:limit]
    out = []
    for b in data:
        if 0x20 <= b < 0x7f and b != 0x5c:
            out.append(chr(b))
        elif b == 0x5c:
            out.append("\\\\")
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


class Closed(Exception):
    """The peer went away (EOF, reset) or the TLS layer failed."""


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1, encoding="ascii", errors="replace")

    def write(self, text):
        self.f.write(text + "\n")
        self.f.flush()


class Conn:
    """One client connection: plaintext, or TLS through an SSLObject over memory BIOs, so that
    every byte on the socket is accounted for (what came before, during and after a handshake)."""

    def __init__(self, sock, n, log, ctx):
        self.sock, self.n, self.log, self.ctx = sock, n, log, ctx
        self.tls = None
        self.inc = self.out = None
        self.buf = b""
        self.sock.settimeout(300)

    # ---- raw I/O
    def _raw_recv(self):
        try:
            d = self.sock.recv(65536)
        except (ConnectionError, socket.timeout, OSError) as e:
            raise Closed("recv: %s" % e)
        if not d:
            raise Closed("EOF")
        return d

    def _raw_send(self, data):
        try:
            self.sock.sendall(data)
        except (ConnectionError, socket.timeout, OSError) as e:
            raise Closed("send: %s" % e)

    def _flush_tls(self):
        d = self.out.read()
        if d:
            self._raw_send(d)

    # ---- TLS
    def handshake(self):
        """TLS handshake as the server. True on success; on failure logs it, counts what the
        client still sends until EOF (AFTER-TLS-FAIL) and returns False."""
        if self.ctx is None:
            raise SystemExit("hostile_server: TLS needs --cert and --key")
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = self.ctx.wrap_bio(self.inc, self.out, server_side=True)
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush_tls()
                self.inc.write(self._raw_recv())
            except ssl.SSLError as e:
                try:
                    self._flush_tls()
                except Closed:
                    pass
                self.log.write("TLS-FAIL %d %s" % (self.n, esc(str(e).encode())))
                after = self.inc.pending
                try:
                    while True:
                        after += len(self._raw_recv())
                except Closed:
                    pass
                self.log.write("AFTER-TLS-FAIL %d %d" % (self.n, after))
                return False
        self._flush_tls()
        self.log.write("TLS-OK %d" % self.n)
        return True

    # ---- application data
    def recv(self):
        if not self.tls:
            return self._raw_recv()
        while True:
            try:
                d = self.tls.read(65536)
                if not d:
                    raise Closed("EOF (close_notify)")
                return d
            except ssl.SSLWantReadError:
                self.inc.write(self._raw_recv())
            except ssl.SSLZeroReturnError:
                raise Closed("EOF (close_notify)")
            except ssl.SSLError as e:
                raise Closed("TLS: %s" % e)

    def send(self, data):
        self.log.write("S %d %s" % (self.n, esc(data, 200)))
        if not self.tls:
            self._raw_send(data)
            return
        for i in range(0, len(data), 16384):
            self.tls.write(data[i:i + 16384])
            self._flush_tls()

    def readline(self):
        """One line without its CRLF (bounded); logs it. Raises Closed at EOF."""
        while b"\n" not in self.buf:
            if len(self.buf) > 1 << 20:
                raise Closed("client line too long")
            self.buf += self.recv()
        line, self.buf = self.buf.split(b"\n", 1)
        if line.endswith(b"\r"):
            line = line[:-1]
        self.log.write("C-%s %d %s" % ("TLS" if self.tls else "PLAIN", self.n, esc(line)))
        return line

    def drain(self):
        """Reads (and logs) until the client closes."""
        while True:
            d = self.recv()
            self.log.write("C-%s %d %s" % ("TLS" if self.tls else "PLAIN", self.n, esc(d, 2000)))

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def quote(b):
    return b'"' + b.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def literal(b):
    return b"{%d}\r\n" % len(b) + b


class Scenario:
    """A well-behaved little server; scenarios override the parts they make hostile."""

    caps = b"IMAP4rev1 AUTH=PLAIN SASL-IR"
    exists = 3
    greeting_caps = True

    def __init__(self, conn, args):
        self.c, self.args = conn, args

    # ---- the conversation
    def run(self):
        self.greet()
        while True:
            line = self.c.readline()
            parts = line.split(b" ", 2)
            if len(parts) < 2:
                self.c.send(b"* BAD what?\r\n")
                continue
            tag, verb = parts[0], parts[1].upper()
            rest = parts[2] if len(parts) > 2 else b""
            if verb == b"UID" and rest:
                sub = rest.split(b" ", 1)
                verb = b"UID " + sub[0].upper()
                rest = sub[1] if len(sub) > 1 else b""
            fn = getattr(self, "cmd_" + verb.decode("ascii", "replace").replace(" ", "_"), None)
            if fn is None:
                self.c.send(tag + b" BAD unknown command\r\n")
            elif fn(tag, rest) == "close":
                return "closed by the scenario"

    def greet(self):
        if self.greeting_caps:
            self.c.send(b"* OK [CAPABILITY " + self.caps + b"] hostile server ready\r\n")
        else:
            self.c.send(b"* OK hostile server ready\r\n")

    def cmd_CAPABILITY(self, tag, rest):
        self.c.send(b"* CAPABILITY " + self.caps + b"\r\n" + tag + b" OK CAPABILITY done\r\n")

    def cmd_NOOP(self, tag, rest):
        self.c.send(tag + b" OK NOOP done\r\n")

    def logged_in(self, tag):
        self.c.send(tag + b" OK [CAPABILITY " + self.caps + b"] logged in\r\n")

    def cmd_LOGIN(self, tag, rest):
        self.logged_in(tag)

    def cmd_AUTHENTICATE(self, tag, rest):
        words = rest.split(b" ")
        if words[0].upper() != b"PLAIN":
            self.c.send(tag + b" NO unsupported mechanism\r\n")
            return
        if len(words) < 2:
            self.c.send(b"+ \r\n")
            self.c.readline()
        self.logged_in(tag)

    def cmd_LOGOUT(self, tag, rest):
        self.c.send(b"* BYE see you\r\n" + tag + b" OK LOGOUT done\r\n")
        return "close"

    def list_data(self):
        return b'* LIST (\\HasNoChildren) "/" INBOX\r\n'

    def cmd_LIST(self, tag, rest):
        self.c.send(self.list_data() + tag + b" OK LIST done\r\n")

    def cmd_SELECT(self, tag, rest):
        self.c.send(b"* %d EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Flagged)\r\n"
                    b"* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT %d] ok\r\n"
                    % (self.exists, self.exists + 1) + tag + b" OK [READ-WRITE] SELECT done\r\n")

    def cmd_EXAMINE(self, tag, rest):
        self.cmd_SELECT(tag, rest)

    def fetch_data(self, n):
        return (b'* %d FETCH (UID %d FLAGS (\\Seen) INTERNALDATE "01-Feb-2024 13:05:00 +0100" '
                b'ENVELOPE ("Thu, 01 Feb 2024 13:05:00 +0100" "message %d" '
                b'(("Sender" NIL "sender" "example.com")) NIL NIL NIL NIL NIL NIL "<m%d@x>"))\r\n'
                % (n, n, n, n))

    def cmd_FETCH(self, tag, rest):
        self.c.send(b"".join(self.fetch_data(n) for n in range(1, self.exists + 1)) +
                    tag + b" OK FETCH done\r\n")

    def cmd_UID_FETCH(self, tag, rest):
        self.cmd_FETCH(tag, rest)


SCENARIOS = {}


def scenario(name, doc):
    def reg(cls):
        cls.name, cls.doc = name, doc
        SCENARIOS[name] = cls
        return cls
    return reg


scenario("normal", "a well-behaved server (sanity, certificate tests, reconnects)")(Scenario)


# ---- 1-3: STARTTLS and the greeting --------------------------------------------------------

@scenario("starttls-inject", "injects a CAPABILITY and a tagged OK right behind STARTTLS's OK")
class StarttlsInject(Scenario):
    before = b"IMAP4rev1 STARTTLS LOGINDISABLED"
    after = b"IMAP4rev1 AUTH=PLAIN X-HOSTILE-AFTER-TLS"

    def greet(self):
        self.c.send(b"* OK [CAPABILITY " + self.before + b"] hostile server ready\r\n")

    @property
    def caps(self):
        return self.after if self.c.tls else self.before

    def cmd_LOGIN(self, tag, rest):
        if not self.c.tls:
            self.c.send(tag + b" NO [PRIVACYREQUIRED] not in plaintext\r\n")
            return
        self.logged_in(tag)

    def cmd_AUTHENTICATE(self, tag, rest):
        if not self.c.tls:
            self.c.send(tag + b" NO [PRIVACYREQUIRED] not in plaintext\r\n")
            return
        Scenario.cmd_AUTHENTICATE(self, tag, rest)

    def cmd_STARTTLS(self, tag, rest):
        if self.c.tls:
            self.c.send(tag + b" BAD already in TLS\r\n")
            return
        # The OK and the injection leave in ONE send.
        self.c.send(tag + b" OK Begin TLS\r\n"
                    b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"
                    b"A999 OK LOGIN done\r\n")
        # Whatever the client sends before its ClientHello is plaintext after the OK.
        plain = b""
        while True:
            r, _, _ = select.select([self.c.sock], [], [], 60)
            if not r:
                raise Closed("no TLS handshake within 60 s")
            head = self.c.sock.recv(1, socket.MSG_PEEK)
            if not head:
                break
            if head == b"\x16":  # a TLS handshake record: the ClientHello
                break
            plain += self.c.sock.recv(1)
            if len(plain) > 65536:
                break
        self.c.log.write("PLAIN-AFTER-OK %d %d %s" % (self.c.n, len(plain), esc(plain, 2000)))
        if not self.c.handshake():
            return "close"


@scenario("no-starttls", "plaintext server that offers no STARTTLS")
class NoStarttls(Scenario):
    caps = b"IMAP4rev1 AUTH=PLAIN"


@scenario("preauth", "PREAUTH greeting on a plaintext connection")
class Preauth(Scenario):
    def greet(self):
        self.c.send(b"* PREAUTH [CAPABILITY IMAP4rev1] welcome back, no password needed\r\n")


# ---- 4-5: size and nesting limits -----------------------------------------------------------

@scenario("huge-literal", "answers FETCH with BODY[] {4294967296} and waits")
class HugeLiteral(Scenario):
    def cmd_FETCH(self, tag, rest):
        self.c.send(b"* 1 FETCH (BODY[] {4294967296}\r\n")
        self.c.drain()


def nested(n):
    return b"(" * n + b")" * n


@scenario("deep-fetch", "a FETCH whose BODYSTRUCTURE nests 10,000 parentheses")
class DeepFetch(Scenario):
    def cmd_FETCH(self, tag, rest):
        self.c.send(b"* 1 FETCH (UID 1 BODYSTRUCTURE " + nested(10000) + b")\r\n" +
                    tag + b" OK FETCH done\r\n")


@scenario("deep-fetch-ext", "a FETCH with an unknown item whose value nests 10,000 parentheses")
class DeepFetchExt(Scenario):
    def cmd_FETCH(self, tag, rest):
        self.c.send(b"* 1 FETCH (UID 1 X-HOSTILE " + nested(10000) + b")\r\n" +
                    tag + b" OK FETCH done\r\n")


@scenario("deep-list", "a LIST whose extended data nests 10,000 parentheses")
class DeepList(Scenario):
    def list_data(self):
        return b'* LIST () "/" INBOX ("X-HOSTILE" ' + nested(10000) + b")\r\n"


@scenario("deep-list-attrs", "a LIST whose attribute list nests 10,000 parentheses")
class DeepListAttrs(Scenario):
    def list_data(self):
        return b"* LIST " + nested(10000) + b' "/" INBOX\r\n'


# ---- 6: garbage -------------------------------------------------------------------------------

def random_line(seed, n):
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(n)) + b"\r\n"


@scenario("garbage-greeting", "4 KiB of random bytes instead of a greeting")
class GarbageGreeting(Scenario):
    def greet(self):
        self.c.send(random_line(1, 4096))


@scenario("garbage-random", "4 KiB of random bytes instead of a LIST response")
class GarbageRandom(Scenario):
    def list_data(self):
        return random_line(2, 4096)


@scenario("garbage-nul-line", "a line of NUL bytes instead of a LIST response")
class GarbageNulLine(Scenario):
    def list_data(self):
        return b"\0" * 64 + b"\r\n"


@scenario("garbage-nul-quoted", "a NUL inside a LIST response's quoted mailbox name")
class GarbageNulQuoted(Scenario):
    def list_data(self):
        return b'* LIST () "/" "IN\0BOX"\r\n'


@scenario("garbage-long-line", "10 MB without CRLF in a LIST response, then waits")
class GarbageLongLine(Scenario):
    def cmd_LIST(self, tag, rest):
        chunk = b"A" * (1 << 20)
        self.c.send(b'* LIST () "/" ')
        for _ in range(10):
            self.c.send(chunk)
        self.c.drain()


@scenario("garbage-unknown-tag", "a tagged OK for a tag the client never sent")
class GarbageUnknownTag(Scenario):
    def list_data(self):
        return b'* LIST () "/" INBOX\r\nzz999 OK LIST done, for whom?\r\n'


@scenario("garbage-continuation", "a + continuation nobody asked for")
class GarbageContinuation(Scenario):
    def list_data(self):
        return b"+ go ahead\r\n" + Scenario.list_data(self)


# ---- 7-8: stalls and drops ---------------------------------------------------------------------

@scenario("stall-greeting", "accepts and never sends a greeting")
class StallGreeting(Scenario):
    def greet(self):
        pass

    def run(self):
        self.c.drain()


@scenario("stall-fetch", "stops in the middle of a FETCH response")
class StallFetch(Scenario):
    def cmd_FETCH(self, tag, rest):
        self.c.send(b"* 1 FETCH (UID 1 FLAGS (\\Seen")
        self.c.drain()


@scenario("drop-fetch", "closes the first connection in the middle of a FETCH response; "
          "later connections are served normally")
class DropFetch(Scenario):
    def cmd_FETCH(self, tag, rest):
        if self.c.n > 1:
            return Scenario.cmd_FETCH(self, tag, rest)
        self.c.send(b"* 1 FETCH (UID 1 FLAGS (\\Seen) ENVELOPE (\"Thu, 01 Feb 2024")
        return "close"


# ---- 10: escape sequences in every displayed field ---------------------------------------------

def hostile(visible):
    """visible text with every hostile sequence mixed in."""
    return (visible + b" " + CLEAR + b"cls " + OSC52 + b"osc " + C1_RAW + b" " + C1_UTF8 + b" " +
            RLO + b"fdp.exe")


def mime_word(b):
    return b"=?UTF-8?B?" + base64.b64encode(b) + b"?="


@scenario("escapes", "Gmail-like server with ESC, OSC 52, C1 and bidi overrides in folder names, "
          "subjects, From names, labels, capabilities and an ALERT")
class Escapes(Scenario):
    caps = b"IMAP4rev1 AUTH=PLAIN SASL-IR X-GM-EXT-1 X-HOSTILE-\x9b31m"

    def logged_in(self, tag):
        self.c.send(b"* OK [ALERT] " + hostile(b"alert-visible") + b"\r\n")
        Scenario.logged_in(self, tag)

    def list_data(self):
        return (b'* LIST (\\HasNoChildren) "/" INBOX\r\n'
                b'* LIST (\\HasNoChildren) "/" ' + literal(b"folder-raw " + CLEAR + C1_RAW + RLO + b"x") +
                b"\r\n"
                # modified UTF-7 for U+001B U+009B U+202E: decodes to the controls themselves
                b'* LIST (\\HasNoChildren) "/" "folder-utf7 &ABsAmyAu-[2J"\r\n'
                b'* LIST (\\HasNoChildren \\Trash) "/" ' + quote(b"trash " + CLEAR) + b"\r\n")

    def fetch_data(self, n):
        if n == 1:
            subject = literal(hostile(b"subject-raw"))
            name = literal(b"From-raw " + CLEAR + RLO)
        else:
            subject = quote(mime_word(hostile(b"subject-mime%d" % n)))
            name = quote(mime_word(b"From-mime " + CLEAR + C1_UTF8 + RLO))
        labels = (b'("\\\\Inbox" ' + literal(b"label-raw " + CLEAR + OSC52) + b' "label-utf7 &ABsAmw-")')
        return (b'* %d FETCH (UID %d FLAGS () INTERNALDATE "01-Feb-2024 13:05:00 +0100" '
                b'X-GM-THRID 1234 X-GM-LABELS ' % (n, n) + labels +
                b' ENVELOPE ("Thu, 01 Feb 2024 13:05:00 +0100" ' + subject + b" ((" + name +
                b' NIL "evil" "example.com")) NIL NIL NIL NIL NIL NIL "<m%d@x>"))\r\n' % n)


@scenario("escape-login", "refuses the login with escape sequences in its greeting and NO text")
class EscapeLogin(Scenario):
    def greet(self):
        self.c.send(b"* OK [CAPABILITY " + self.caps + b"] " + hostile(b"greeting-visible") + b"\r\n")

    def logged_in(self, tag):
        self.c.send(tag + b" NO [AUTHENTICATIONFAILED] " + hostile(b"refusal-visible") + b"\r\n")


# ---- the listener --------------------------------------------------------------------------

def serve(args):
    cls = SCENARIOS.get(args.scenario)
    if cls is None:
        print("hostile_server: unknown scenario %r (see `list`)" % args.scenario, file=sys.stderr)
        return 2
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
    elif args.tls == "implicit":
        print("hostile_server: --tls implicit needs --cert and --key", file=sys.stderr)
        return 2
    log = Log(args.log)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.replace(tmp, args.port_file)
    # The test that started this server may die without stopping it: leave with it.
    parent = os.getppid()
    ls.settimeout(1.0)
    n = 0
    while True:
        try:
            sock, _ = ls.accept()
        except socket.timeout:
            if os.getppid() != parent:
                return 0
            continue
        n += 1
        log.write("ACCEPT %d" % n)
        c = Conn(sock, n, log, ctx)
        why = "?"
        try:
            if args.tls == "implicit" and not c.handshake():
                why = "TLS handshake failed"
            else:
                why = cls(c, args).run() or "done"
        except Closed as e:
            why = str(e)
        finally:
            c.close()
        log.write("END %d %s" % (n, esc(why.encode())))


# ---- certificates ----------------------------------------------------------------------------

def make_certs(d):
    sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
    import servers  # tests/harness/servers.py: the CA and the localhost certificate
    os.makedirs(d, exist_ok=True)
    c = servers.make_certs(d)
    tls = os.path.dirname(c["ca"])

    def run(*a):
        r = subprocess.run(["openssl", *a], cwd=tls, capture_output=True, text=True)
        if r.returncode != 0:
            raise servers.ServerError("openssl %s failed: %s" % (a[0], r.stderr.strip()))

    with open(os.path.join(tls, "other.cnf"), "w") as f:
        f.write("subjectAltName=DNS:other.example\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=other.example",
        "-keyout", "other.key", "-out", "other.csr")
    run("x509", "-req", "-in", "other.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "3", "-extfile", "other.cnf", "-out", "other.pem")
    with open(os.path.join(tls, "self.cnf"), "w") as f:
        f.write("[req]\ndistinguished_name=dn\nx509_extensions=ext\n[dn]\n"
                "[ext]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3", "-subj", "/CN=localhost",
        "-config", "self.cnf", "-keyout", "self.key", "-out", "self.pem")
    for name in ("ca.pem", "server.pem", "server.key", "other.pem", "other.key", "self.pem",
                 "self.key"):
        src = os.path.join(tls, name)
        if os.path.dirname(os.path.abspath(src)) != os.path.abspath(d):
            os.replace(src, os.path.join(d, name))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="verb", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--scenario", required=True)
    s.add_argument("--port-file", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--tls", choices=("none", "implicit"), default="none")
    s.add_argument("--cert")
    s.add_argument("--key")
    m = sub.add_parser("make-certs")
    m.add_argument("dir")
    sub.add_parser("list")
    args = ap.parse_args()
    if args.verb == "list":
        for k in sorted(SCENARIOS):
            print("%-22s %s" % (k, SCENARIOS[k].doc))
        return 0
    if args.verb == "make-certs":
        try:
            return make_certs(args.dir)
        except Exception as e:  # ServerError, OSError: say what, exit non-zero
            print("hostile_server: cannot make certificates: %s" % e, file=sys.stderr)
            return 1
    try:
        return serve(args)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
