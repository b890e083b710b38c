"""Helpers for tests that use the Gmail-emulating server (gmail_server.py).

* :class:`ServerProcess` -- start the server on free ports, stop it by PID.
* :class:`Control` -- the JSON-lines control hook.
* :class:`ImapClient` -- a minimal raw-socket IMAP client: send a command
  (with synchronising or LITERAL+ literals), read responses up to the tagged
  reply with literals handled, IDLE, COMPRESS=DEFLATE; plus
  :func:`parse` for turning a response into nested Python lists.

Standard library only; independent of the server's own parser on purpose.

Control-hook protocol (one JSON object per line each way, TCP on 127.0.0.1):

  {"op":"deliver","from":..,"to":..,"subject":..,"body":..,"labels":["\\\\Inbox"],
   "flags":[], "thread_of":<msgid|null>, "raw":<optional RFC 5322 text>}
                                  -> {"ok":true,"msgid":..,"thrid":..,"uids":{folder:uid}}
  {"op":"set_flags","msgid":..,"add":[..],"remove":[..]}   -> {"ok":true,"message":{..}}
  {"op":"set_labels","msgid":..,"add":[..],"remove":[..]}  -> {"ok":true,"message":{..}}
  {"op":"dump"} / {"op":"dump","folder":"INBOX"}           -> {"ok":true,"folders":[..],"messages":[..]}
  {"op":"message","msgid":..,"raw":false}                  -> {"ok":true,"message":{..}}
  {"op":"lookup","folder":..,"uid":..}                     -> {"ok":true,"message":{..}}
  {"op":"folders"}                                         -> {"ok":true,"folders":[..]}
  {"op":"set_uidvalidity","folder":..,"value":N}
  {"op":"drop_connections"}  {"op":"stats"}  {"op":"reset_stats"}  {"op":"ping"}
  {"op":"set_option","name":<drop_on_trash_move|throttle|auto_expunge|
        push_label_changes|quote_system_labels>,"value":..}
  {"op":"create_folder","name":..}

A message description has msgid, thrid, flags, labels, subject, message_id,
modseq, internaldate and folders ({folder name: uid}).
"""

import base64
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, 'gmail_server.py')


# ----------------------------------------------------------------------------
# server process

class ServerProcess:
    """Run gmail_server.py on free ports.  Use as a context manager or call
    :meth:`stop`."""

    def __init__(self, messages=200, seed=1, user='skua.test@gmail.com', password='app-password',
                 oauth_token=None, tls=False, cert=None, key=None, log=None, extra=(),
                 python=None, timeout=120):
        self.user, self.password, self.oauth_token = user, password, oauth_token
        self.dir = tempfile.mkdtemp(prefix='gmailsim-')
        pf = os.path.join(self.dir, 'port')
        cf = os.path.join(self.dir, 'control')
        tf = os.path.join(self.dir, 'tls')
        self.log = log or os.path.join(self.dir, 'server.log')
        cmd = [python or sys.executable, SERVER, '--host', '127.0.0.1', '--port', '0', '--port-file', pf,
               '--control-port-file', cf, '--messages', str(messages), '--seed', str(seed),
               '--user', user, '--password', password, '--log', self.log]
        if oauth_token:
            cmd += ['--oauth-token', oauth_token]
        if tls:
            cmd += ['--tls-port', '0', '--tls-port-file', tf, '--cert', cert, '--key', key]
        cmd += list(extra)
        self.started = time.time()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        deadline = time.time() + timeout
        while not os.path.exists(pf):
            if self.proc.poll() is not None:
                raise RuntimeError('server exited with %s; log: %s' % (self.proc.returncode, self.log))
            if time.time() > deadline:
                self.stop()
                raise RuntimeError('server did not start within %ss' % timeout)
            time.sleep(0.02)
        self.startup_seconds = time.time() - self.started
        self.port = int(open(pf).read())
        self.control_port = int(open(cf).read())
        self.tls_port = int(open(tf).read()) if tls else None

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def client(self, **kw):
        return ImapClient('127.0.0.1', self.port, **kw)

    def control(self):
        return Control(self.control_port)


# ----------------------------------------------------------------------------
# control hook

class Control:
    def __init__(self, port, host='127.0.0.1', timeout=60):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.f = self.sock.makefile('rwb')

    def call(self, **req):
        self.f.write(json.dumps(req).encode('utf-8') + b'\n')
        self.f.flush()
        line = self.f.readline()
        if not line:
            raise ConnectionError('control connection closed')
        return json.loads(line)

    def _ok(self, **req):
        r = self.call(**req)
        if not r.get('ok'):
            raise RuntimeError('control %s failed: %s' % (req.get('op'), r.get('error')))
        return r

    def deliver(self, subject='Test', body='Hello\n', frm='Sender <sender@example.com>', to=None,
                labels=('\\Inbox',), thread_of=None, raw=None, flags=()):
        req = dict(op='deliver', subject=subject, body=body, labels=list(labels), thread_of=thread_of,
                   flags=list(flags))
        req['from'] = frm
        if to is not None:
            req['to'] = to
        if raw is not None:
            req['raw'] = raw
        return self._ok(**req)

    def set_flags(self, msgid, add=(), remove=()):
        return self._ok(op='set_flags', msgid=msgid, add=list(add), remove=list(remove))['message']

    def set_labels(self, msgid, add=(), remove=()):
        return self._ok(op='set_labels', msgid=msgid, add=list(add), remove=list(remove))['message']

    def dump(self, folder=None):
        return self._ok(op='dump', folder=folder) if folder else self._ok(op='dump')

    def message(self, msgid, raw=False):
        m = self._ok(op='message', msgid=msgid, raw=raw)['message']
        if raw:
            m['raw'] = base64.b64decode(m.pop('raw_b64'))
        return m

    def lookup(self, folder, uid):
        return self._ok(op='lookup', folder=folder, uid=uid)['message']

    def folders(self):
        return {f['name']: f for f in self._ok(op='folders')['folders']}

    def set_uidvalidity(self, folder, value):
        return self._ok(op='set_uidvalidity', folder=folder, value=value)

    def drop_connections(self):
        return self._ok(op='drop_connections')['dropped']

    def stats(self):
        return self._ok(op='stats')['stats']

    def reset_stats(self):
        return self._ok(op='reset_stats')

    def set_option(self, name, value):
        return self._ok(op='set_option', name=name, value=value)

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass


# ----------------------------------------------------------------------------
# IMAP client

class Literal:
    """A literal argument for :meth:`ImapClient.command` (sync unless plus)."""

    def __init__(self, data, plus=False):
        self.data = data if isinstance(data, bytes) else data.encode('utf-8')
        self.plus = plus


class Response:
    def __init__(self, tag, status, text, untagged):
        self.tag, self.status, self.text, self.untagged = tag, status, text, untagged

    @property
    def ok(self):
        return self.status == 'OK'

    def __repr__(self):
        return 'Response(%s %s %r, %d untagged)' % (self.tag, self.status, self.text[:80], len(self.untagged))

    def parsed(self):
        return [parse(u) for u in self.untagged]

    def fetches(self):
        """{seq: {ITEM: value}} from the untagged FETCH responses."""
        out = {}
        for u in self.untagged:
            p = parse(u)
            if len(p) >= 4 and p[2] == 'FETCH' and isinstance(p[3], list):
                d = out.setdefault(int(p[1]), {})
                lst = p[3]
                for k in range(0, len(lst) - 1, 2):
                    d[lst[k].upper() if isinstance(lst[k], str) else lst[k]] = lst[k + 1]
        return out

    def search(self):
        for u in self.untagged:
            if u.startswith(b'* SEARCH'):
                nums = re.sub(rb'\(MODSEQ \d+\)', b'', u[8:]).split()
                return [int(x) for x in nums]
        return None

    def codes(self, name):
        """Response codes like [COPYUID ...] in untagged OK lines and the tagged text."""
        out = []
        for line in [u.decode('latin-1') for u in self.untagged] + [self.text]:
            out += re.findall(r'\[' + re.escape(name) + r'(?: ([^\]]*))?\]', line)
        return out


class ImapClient:
    def __init__(self, host, port, tls=False, timeout=30, cafile=None):
        sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            ctx = ssl.create_default_context(cafile=cafile)
            if cafile is None:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(sock, server_hostname='localhost')
        self.sock = sock
        self.buf = b''
        self.n = 0
        self.deflater = self.inflater = None
        self.bytes_in = 0
        self.greeting = self.read_response()

    # raw I/O ----------------------------------------------------------------
    def send(self, data):
        if isinstance(data, str):
            data = data.encode('utf-8')
        if self.deflater is not None:
            data = self.deflater.compress(data) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError('server closed the connection')
        self.bytes_in += len(data)
        if self.inflater is not None:
            data = self.inflater.decompress(data)
        self.buf += data

    def readline(self):
        while b'\r\n' not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b'\r\n')
        return line

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self):
        """One response line with any literals inline (CRLF after each literal
        marker kept so :func:`parse` can find the literal)."""
        out = b''
        while True:
            line = self.readline()
            m = re.search(rb'\{(\d+)\}$', line)
            if not m:
                return out + line
            n = int(m.group(1))
            out += line + b'\r\n' + self.read_exact(n)

    # commands ----------------------------------------------------------------
    def next_tag(self):
        self.n += 1
        return 'T%03d' % self.n

    def command(self, *parts, tag=None):
        """Send ``tag parts...`` (str/bytes pieces joined as given; Literal
        objects become literals) and read to the tagged reply."""
        tag = tag or self.next_tag()
        self.send_command(tag, *parts)
        return self.read_until(tag)

    def send_command(self, tag, *parts):
        cur = tag.encode() + b' '
        for p in parts:
            if isinstance(p, Literal):
                cur += b'{%d%s}\r\n' % (len(p.data), b'+' if p.plus else b'')
                self.send(cur)
                cur = b''
                if not p.plus:
                    cont = self.read_response()
                    if not cont.startswith(b'+'):
                        raise RuntimeError('no continuation for literal: %r' % cont)
                self.send(p.data)
            else:
                cur += p.encode('utf-8') if isinstance(p, str) else p
        self.send(cur + b'\r\n')

    def read_until(self, tag):
        untagged = []
        while True:
            r = self.read_response()
            if r.startswith(tag.encode() + b' '):
                rest = r[len(tag) + 1:].decode('utf-8', 'replace')
                status, _, text = rest.partition(' ')
                return Response(tag, status.upper(), text, untagged)
            untagged.append(r)

    def login(self, user, password):
        return self.command('LOGIN ', quote(user), ' ', quote(password))

    def idle_start(self):
        tag = self.next_tag()
        self.send(tag + ' IDLE\r\n')
        cont = self.read_response()
        if not cont.startswith(b'+'):
            raise RuntimeError('IDLE refused: %r' % cont)
        return tag

    def idle_wait(self, count=1, timeout=5.0):
        """Collect untagged responses during IDLE (at least *count*, or until timeout)."""
        out = []
        deadline = time.time() + timeout
        old = self.sock.gettimeout()
        try:
            while len(out) < count and time.time() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.time()))
                try:
                    out.append(self.read_response())
                except socket.timeout:
                    break
        finally:
            self.sock.settimeout(old)
        return out

    def idle_done(self, tag):
        self.send('DONE\r\n')
        return self.read_until(tag)

    def compress(self):
        r = self.command('COMPRESS DEFLATE')
        if r.ok:
            self.deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
            self.inflater = zlib.decompressobj(-15)
            if self.buf:
                self.buf = self.inflater.decompress(self.buf)
        return r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def quote(s):
    if isinstance(s, bytes):
        s = s.decode('utf-8')
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


# ----------------------------------------------------------------------------
# response parser

def parse(data):
    """Parse one response (bytes, literals inline) into a list: atoms -> str,
    quoted/literal strings -> bytes, NIL -> None, parenthesised -> list."""
    pos = 0
    stack = [[]]
    n = len(data)
    while pos < n:
        c = data[pos:pos + 1]
        if c == b' ':
            pos += 1
        elif c == b'(':
            stack.append([])
            pos += 1
        elif c == b')':
            if len(stack) == 1:
                raise ValueError('unbalanced )')
            lst = stack.pop()
            stack[-1].append(lst)
            pos += 1
        elif c == b'"':
            pos += 1
            s = bytearray()
            while data[pos:pos + 1] != b'"':
                if pos >= n:
                    raise ValueError('unterminated string')
                if data[pos:pos + 1] == b'\\':
                    pos += 1
                s += data[pos:pos + 1]
                pos += 1
            pos += 1
            stack[-1].append(bytes(s))
        elif c == b'{':
            m = re.match(rb'\{(\d+)\+?\}\r\n', data[pos:])
            if not m:
                raise ValueError('bad literal')
            size = int(m.group(1))
            start = pos + m.end()
            stack[-1].append(data[start:start + size])
            pos = start + size
        else:
            start = pos
            while pos < n and data[pos:pos + 1] not in (b' ', b'(', b')'):
                if data[pos:pos + 1] == b'[':
                    end = data.find(b']', pos)
                    pos = (end + 1) if end >= 0 else n
                    continue
                pos += 1
            tok = data[start:pos].decode('latin-1')
            stack[-1].append(None if tok.upper() == 'NIL' else tok)
    if len(stack) != 1:
        raise ValueError('unbalanced (')
    return stack[0]
