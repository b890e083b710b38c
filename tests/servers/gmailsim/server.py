"""Listeners (plain, TLS, control hook), per-connection transport with
COMPRESS=DEFLATE, statistics, logging and the command line.

Everything runs on one asyncio event loop in one thread, so state changes
made by one connection (or the control hook) are seen by every other
connection at once; IDLE sessions get their updates written immediately.
"""

import argparse
import asyncio
import base64
import itertools
import json
import logging
import os
import signal
import ssl
import sys
import time
import zlib

from .session import LineTooLong, Session
from .store import Store
from .util import decode_mailbox

log = logging.getLogger('gmailsim')


class Conn:
    """Buffered reader/writer over an asyncio stream, with optional raw
    deflate (RFC 4978: wbits -15, Z_SYNC_FLUSH after every write)."""

    def __init__(self, reader, writer, server, cid):
        self.reader = reader
        self.writer = writer
        self.server = server
        self.cid = cid
        self.buf = bytearray()
        self.inflater = None
        self.deflater = None
        self.closed = False
        self.session = None

    @property
    def compressed(self):
        return self.deflater is not None

    async def _fill(self):
        data = await self.reader.read(65536)
        if not data:
            raise ConnectionError('EOF')
        self.server.count_in(self, len(data))
        if self.inflater is not None:
            try:
                data = self.inflater.decompress(data)
            except zlib.error:
                raise ConnectionError('bad deflate stream') from None
        self.buf += data

    async def readline(self, limit):
        start = 0
        while True:
            i = self.buf.find(b'\n', start)
            if i >= 0:
                if i + 1 > limit:
                    raise LineTooLong()
                line = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return line
            if len(self.buf) > limit:
                raise LineTooLong()
            start = len(self.buf)
            await self._fill()

    async def readexactly(self, n):
        while len(self.buf) < n:
            await self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def write(self, data):
        if self.closed:
            return
        raw = len(data)
        if self.deflater is not None:
            data = self.deflater.compress(data) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.server.count_out(self, len(data), raw)
        try:
            self.writer.write(data)
        except (ConnectionError, RuntimeError):
            self.closed = True

    def buffered(self):
        t = self.writer.transport
        return t.get_write_buffer_size() if t is not None else 0

    async def drain(self):
        if not self.closed:
            await self.writer.drain()

    def start_compression(self):
        self.deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.inflater = zlib.decompressobj(-15)
        if self.buf:
            rest = bytes(self.buf)
            self.buf = bytearray(self.inflater.decompress(rest))

    def close(self, abort=False):
        if self.closed and not abort:
            return
        self.closed = True
        try:
            if abort and self.writer.transport is not None:
                self.writer.transport.abort()
            else:
                self.writer.close()
        except Exception:  # noqa: BLE001
            pass


class Server:
    def __init__(self, args):
        self.args = args
        self.user = args.user
        self.password = args.password
        self.oauth_token = args.oauth_token
        self.store = Store(args.messages, args.seed, args.user)
        self.ids = itertools.count(1)
        self.conns = {}
        self.reset_stats()

    # ------------------------------------------------------------------ stats
    def reset_stats(self):
        self.stats = {'bytes_in': 0, 'bytes_out': 0, 'bytes_out_uncompressed': 0, 'commands': {},
                      'connections': {}}
        for cid, conn in self.conns.items():
            self._conn_stats(conn)

    def _conn_stats(self, conn):
        key = str(conn.cid)
        st = self.stats['connections'].get(key)
        if st is None:
            st = self.stats['connections'][key] = {
                'peer': conn.session.peer if conn.session else '', 'user': None, 'open': True,
                'tls': getattr(conn, 'tls', False), 'commands': 0, 'by_command': {},
                'bytes_in': 0, 'bytes_out': 0}
        return st

    def _cmd_stats(self, name):
        st = self.stats['commands'].get(name)
        if st is None:
            st = self.stats['commands'][name] = {'count': 0, 'bytes_in': 0, 'bytes_out': 0}
        return st

    def count_in(self, conn, n):
        self.stats['bytes_in'] += n
        self._conn_stats(conn)['bytes_in'] += n

    def count_out(self, conn, wire, raw):
        self.stats['bytes_out'] += wire
        self.stats['bytes_out_uncompressed'] += raw
        self._conn_stats(conn)['bytes_out'] += wire
        s = conn.session
        name = (s.command if s is not None and s.command else
                'IDLE' if s is not None and s.idling else 'UNSOLICITED')
        self._cmd_stats(name)['bytes_out'] += wire

    def count_command(self, session, name, nbytes):
        st = self._conn_stats(session.conn)
        st['commands'] += 1
        st['by_command'][name] = st['by_command'].get(name, 0) + 1
        c = self._cmd_stats(name)
        c['count'] += 1
        c['bytes_in'] += nbytes

    def set_conn_user(self, session, user):
        self._conn_stats(session.conn)['user'] = user

    # ------------------------------------------------------------------ listeners
    async def client(self, reader, writer, tls=False):
        cid = next(self.ids)
        peer = writer.get_extra_info('peername') or ('?', 0)
        conn = Conn(reader, writer, self, cid)
        conn.tls = tls
        session = Session(self, conn, cid, '%s:%s' % (peer[0], peer[1]))
        conn.session = session
        self.conns[cid] = conn
        self._conn_stats(conn)
        try:
            await session.run()
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 - never let one connection take the server down
            log.exception('c%d crashed', cid)
        finally:
            self.conns.pop(cid, None)
            st = self.stats['connections'].get(str(cid))
            if st:
                st['open'] = False
            conn.close()

    async def control(self, reader, writer):
        peer = writer.get_extra_info('peername')
        log.info('control connect from %s', peer)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                if not line.strip():
                    continue
                try:
                    req = json.loads(line)
                    if not isinstance(req, dict):
                        raise ValueError('expected a JSON object')
                    resp = self.control_op(req)
                except Exception as e:  # noqa: BLE001
                    log.info('control error: %s', e)
                    resp = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}
                writer.write(json.dumps(resp, ensure_ascii=False).encode('utf-8') + b'\n')
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def _msg(self, req):
        i = self.store.acct.index_of_msgid(int(req['msgid']))
        if i is None or not self.store.exists(i):
            raise KeyError('no message with msgid %s' % req.get('msgid'))
        return i

    def control_op(self, req):
        """One control-hook request -> response dict (see gmail_client.Control)."""
        op = req.get('op')
        st = self.store
        log.info('control op %s', op)
        if op == 'ping':
            return {'ok': True}
        if op == 'deliver':
            parent = None
            if req.get('thread_of') is not None:
                parent = self._msg({'msgid': req['thread_of']})
            if req.get('raw') is not None:
                raw = req['raw'].encode('utf-8') if isinstance(req['raw'], str) else bytes(req['raw'])
                if b'\r\n' not in raw:
                    raw = raw.replace(b'\n', b'\r\n')
            else:
                raw = st.build_message(req.get('from', 'Sender <sender@example.com>'),
                                       req.get('to', st.user), req.get('subject', '(no subject)'),
                                       req.get('body', ''), parent)
            frm = req.get('from', '')
            i = st.add_message(raw, labels=req.get('labels', ['\\Inbox']), flags=req.get('flags', []),
                               date=req.get('date'), parent=parent,
                               from_me=st.user.lower() in frm.lower())
            d = st.describe(i)
            return {'ok': True, 'msgid': d['msgid'], 'thrid': d['thrid'], 'uids': d['folders']}
        if op == 'set_flags':
            i = self._msg(req)
            st.store_flags(i, add=req.get('add', []), remove=req.get('remove', []))
            return {'ok': True, 'message': st.describe(i)}
        if op == 'set_labels':
            i = self._msg(req)
            st.store_labels(i, add=req.get('add', []), remove=req.get('remove', []))
            return {'ok': True, 'message': st.describe(i)}
        if op == 'dump':
            d = st.dump(req.get('folder'))
            if d is None:
                return {'ok': False, 'error': 'no such folder'}
            d['ok'] = True
            return d
        if op == 'message':
            i = self._msg(req)
            d = st.describe(i)
            d['size'] = st.size(i)
            if req.get('raw'):
                d['raw_b64'] = base64.b64encode(st.raw(i)).decode('ascii')
            return {'ok': True, 'message': d}
        if op == 'lookup':
            f = st.folder(req['folder'])
            if f is None:
                return {'ok': False, 'error': 'no such folder'}
            import bisect
            uid = int(req['uid'])
            p = bisect.bisect_left(f.uids, uid)
            if p >= len(f.uids) or f.uids[p] != uid:
                return {'ok': False, 'error': 'no such uid'}
            return {'ok': True, 'message': st.describe(f.msgs[p])}
        if op == 'folders':
            return {'ok': True, 'folders': [st.describe_folder(f, False) for f in st.folders.values()]}
        if op == 'set_uidvalidity':
            f = st.folder(req['folder'])
            if f is None:
                return {'ok': False, 'error': 'no such folder'}
            st.set_uidvalidity(f, int(req['value']))
            return {'ok': True, 'folder': st.describe_folder(f, False)}
        if op == 'drop_connections':
            n = 0
            for conn in list(self.conns.values()):
                if conn.session is not None:
                    conn.session.closed = True
                conn.close(abort=True)
                n += 1
            return {'ok': True, 'dropped': n}
        if op == 'stats':
            return {'ok': True, 'stats': self.stats, 'open_connections': len(self.conns)}
        if op == 'reset_stats':
            self.reset_stats()
            return {'ok': True}
        if op == 'set_option':
            name = req.get('name')
            if name not in st.options:
                return {'ok': False, 'error': 'unknown option %r' % name}
            st.options[name] = req.get('value')
            return {'ok': True, 'options': st.options}
        if op == 'create_folder':
            f = st.create_folder(decode_mailbox(req['name'].encode('utf-8')))
            return {'ok': f is not None}
        return {'ok': False, 'error': 'unknown op %r' % op}


def write_port_file(path, port):
    tmp = '%s.tmp.%d' % (path, os.getpid())
    with open(tmp, 'w') as fh:
        fh.write('%d\n' % port)
    os.replace(tmp, path)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Gmail-emulating IMAP test server (see gmailsim/__init__.py)')
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--port-file')
    p.add_argument('--tls-port', type=int)
    p.add_argument('--tls-port-file')
    p.add_argument('--cert')
    p.add_argument('--key')
    p.add_argument('--control-port', type=int, default=0)
    p.add_argument('--control-port-file')
    p.add_argument('--messages', type=int, default=1000)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--user', required=True)
    p.add_argument('--password', required=True)
    p.add_argument('--oauth-token')
    p.add_argument('--log')
    p.add_argument('--verbose', action='store_true', help='also log every response line')
    a = p.parse_args(argv)
    if a.tls_port is not None and not (a.cert and a.key):
        p.error('--tls-port needs --cert and --key')
    if a.messages < 0 or a.messages > 50_000_000:
        p.error('--messages out of range')
    return a


async def amain(args):
    t0 = time.time()
    server = Server(args)
    log.info('built %d messages in %.2fs', args.messages, time.time() - t0)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    listeners = []
    imap = await asyncio.start_server(server.client, args.host, args.port)
    listeners.append(imap)
    port = imap.sockets[0].getsockname()[1]
    log.info('IMAP on %s:%d', args.host, port)
    if args.tls_port is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        tls = await asyncio.start_server(lambda r, w: server.client(r, w, True), args.host,
                                         args.tls_port, ssl=ctx)
        listeners.append(tls)
        tport = tls.sockets[0].getsockname()[1]
        log.info('IMAPS on %s:%d', args.host, tport)
        if args.tls_port_file:
            write_port_file(args.tls_port_file, tport)
    ctl = await asyncio.start_server(server.control, '127.0.0.1', args.control_port, limit=1 << 28)
    listeners.append(ctl)
    cport = ctl.sockets[0].getsockname()[1]
    log.info('control on 127.0.0.1:%d', cport)
    if args.control_port_file:
        write_port_file(args.control_port_file, cport)
    if args.port_file:
        write_port_file(args.port_file, port)
    await stop.wait()
    log.info('shutting down')
    for lst in listeners:
        lst.close()
    for conn in list(server.conns.values()):
        conn.close(abort=True)
    await asyncio.sleep(0)


def main(argv=None):
    args = parse_args(argv)
    handler = logging.FileHandler(args.log) if args.log else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter('%(asctime)s %(message)s'))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    asyncio.run(amain(args))
    return 0
