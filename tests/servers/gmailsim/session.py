"""One IMAP connection: reading commands (with literals), states,
authentication, mailbox-level commands, IDLE and the queue of unsolicited
updates.  Message-level commands (FETCH, STORE, SEARCH, COPY, MOVE, APPEND,
EXPUNGE) live in :mod:`messages`.
"""

import asyncio
import base64
import binascii
import bisect
import json
import logging
import re

from . import messages
from .util import (ParseError, astr, atom, decode_mailbox, encode_mailbox, quote, tokenize)

log = logging.getLogger('gmailsim')

MAX_LINE = 64 * 1024
MAX_LITERAL = 64 << 20
TAG_RE = re.compile(rb'^([^\s(){%*"\\+\x00-\x1f\x7f-\xff]+)(?: |$)')
LITERAL_AT_END = re.compile(rb'\{(\d{1,20})(\+?)\}\r?\n$')

CAPS_PRE = ('IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 XYZZY SASL-IR '
            'AUTH=XOAUTH2 AUTH=PLAIN AUTH=PLAIN-CLIENTTOKEN AUTH=OAUTHBEARER LITERAL+')
CAPS_POST = ('IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS '
             'COMPRESS=DEFLATE ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED '
             'LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584')

FAILED = b'NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)'
OAUTH_ERROR = base64.b64encode(json.dumps(
    {'status': '401', 'schemes': 'Bearer', 'scope': 'https://mail.google.com/'},
    separators=(',', ':')).encode())

# commands -> (method name, states in which they are valid)
ANY, NONAUTH, AUTH, SEL = 'any', 'nonauth', 'auth', 'selected'
COMMANDS = {
    'CAPABILITY': ('cmd_capability', ANY), 'NOOP': ('cmd_noop', ANY), 'LOGOUT': ('cmd_logout', ANY),
    'ID': ('cmd_id', ANY), 'XYZZY': ('cmd_xyzzy', ANY),
    'LOGIN': ('cmd_login', NONAUTH), 'AUTHENTICATE': ('cmd_authenticate', NONAUTH),
    'ENABLE': ('cmd_enable', AUTH), 'SELECT': ('cmd_select', AUTH), 'EXAMINE': ('cmd_select', AUTH),
    'CREATE': ('cmd_create', AUTH), 'DELETE': ('cmd_delete', AUTH), 'RENAME': ('cmd_rename', AUTH),
    'SUBSCRIBE': ('cmd_subscribe', AUTH), 'UNSUBSCRIBE': ('cmd_subscribe', AUTH),
    'LIST': ('cmd_list', AUTH), 'LSUB': ('cmd_list', AUTH), 'XLIST': ('cmd_list', AUTH),
    'NAMESPACE': ('cmd_namespace', AUTH), 'STATUS': ('cmd_status', AUTH),
    'APPEND': ('cmd_append', AUTH), 'IDLE': ('cmd_idle', AUTH), 'COMPRESS': ('cmd_compress', AUTH),
    'GETQUOTA': ('cmd_quota', AUTH), 'GETQUOTAROOT': ('cmd_quota', AUTH),
    'CHECK': ('cmd_noop', SEL), 'CLOSE': ('cmd_close', SEL), 'UNSELECT': ('cmd_close', SEL),
    'EXPUNGE': ('cmd_expunge', SEL), 'SEARCH': ('cmd_search', SEL), 'FETCH': ('cmd_fetch', SEL),
    'STORE': ('cmd_store', SEL), 'COPY': ('cmd_copy', SEL), 'MOVE': ('cmd_copy', SEL),
    'UID FETCH': ('cmd_fetch', SEL), 'UID STORE': ('cmd_store', SEL), 'UID SEARCH': ('cmd_search', SEL),
    'UID COPY': ('cmd_copy', SEL), 'UID MOVE': ('cmd_copy', SEL), 'UID EXPUNGE': ('cmd_expunge', SEL),
}
# commands during which EXPUNGE responses must not be sent (RFC 3501 7.4.1)
NO_EXPUNGE = {'FETCH', 'STORE', 'SEARCH', 'COPY'}


class Closed(Exception):
    """The connection is gone or must be closed."""


class Session(messages.MessageCommands):
    def __init__(self, server, conn, cid, peer):
        self.server = server
        self.store = server.store
        self.conn = conn
        self.cid = cid
        self.peer = peer
        self.state = NONAUTH
        self.user = None
        self.selected = None
        self.readonly = False
        self.uids = None
        self.msgs = None
        self.pending = []
        self.idling = False
        self.condstore = False
        self.utf8 = False
        self.closed = False
        self.command = None

    # ------------------------------------------------------------------ I/O
    def send(self, data):
        if not self.closed:
            self.conn.write(data)

    def tagged(self, tag, text):
        if isinstance(text, str):
            text = text.encode()
        self.send(tag.encode() + b' ' + text + b'\r\n')
        log.info('c%d > %s %s', self.cid, tag, text[:200].decode('latin-1'))

    def kill(self, msg=None):
        """Close the connection now (control hook, UIDVALIDITY change)."""
        if self.closed:
            return
        if msg:
            self.send(msg)
        self.closed = True
        self.conn.close()

    async def read_command(self):
        parts = []
        total = 0
        while True:
            line = await self.conn.readline(MAX_LINE)
            parts.append(line)
            total += len(line)
            m = LITERAL_AT_END.search(line)
            if not m:
                return b''.join(parts)
            n = int(m.group(1))
            if n > MAX_LITERAL or total + n > MAX_LITERAL:
                raise LiteralTooBig(line)
            if not m.group(2):
                self.send(b'+ Ready for literal data\r\n')
                await self.conn.drain()
            parts.append(await self.conn.readexactly(n))
            total += n

    async def run(self):
        self.store.sessions.add(self)
        log.info('c%d connect from %s', self.cid, self.peer)
        try:
            self.send(b'* OK Gimap ready for requests from %s s%dmb.%d\r\n'
                      % (self.peer.split(':')[0].encode(), self.cid, self.cid))
            while not self.closed:
                try:
                    raw = await self.read_command()
                except LineTooLong:
                    self.send(b'* BAD [TOOBIG] Line too long, closing connection\r\n')
                    break
                except LiteralTooBig as e:
                    m = TAG_RE.match(e.args[0])
                    tag = m.group(1) if m else b'*'
                    self.send(tag + b' BAD [TOOBIG] Literal too big, closing connection\r\n')
                    break
                await self.handle(raw)
                if not self.closed:
                    await self.conn.drain()
        except (Closed, ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            self.store.sessions.discard(self)
            self.closed = True
            self.conn.close()
            log.info('c%d closed', self.cid)

    # ------------------------------------------------------------------ dispatch
    async def handle(self, raw):
        if raw.endswith(b'\r\n'):
            raw = raw[:-2]
        elif raw.endswith(b'\n'):
            raw = raw[:-1]
        if not raw.strip():
            self.send(b'* BAD Null command\r\n')
            return
        m = TAG_RE.match(raw)
        if not m:
            self.send(b'* BAD Invalid tag\r\n')
            log.info('c%d < (bad tag) %r', self.cid, raw[:80])
            return
        tag = m.group(1).decode('ascii')
        try:
            toks = tokenize(raw, m.end())
            if not toks or not isinstance(toks[0], str):
                raise ParseError('missing command')
            name = toks[0].upper()
            args = toks[1:]
            if name == 'UID' and args and isinstance(args[0], str):
                name = 'UID ' + args[0].upper()
                args = args[1:]
        except (ParseError, ValueError) as e:
            log.info('c%d < %s (unparsable: %s)', self.cid, _redact(raw), e)
            self.server.count_command(self, 'BAD', len(raw))
            self.tagged(tag, 'BAD Could not parse command')
            return
        log.info('c%d < %s', self.cid, _redact(raw))
        self.command = name
        self.server.count_command(self, name, len(raw) + 2)
        entry = COMMANDS.get(name)
        if entry is None:
            self.tagged(tag, 'BAD Unknown command')
            return
        if self.store.options.get('throttle') and name != 'LOGOUT':
            t = self.store.options['throttle']
            self.store.options['throttle'] = (t - 1) if not isinstance(t, bool) and t > 1 else 0
            self.tagged(tag, 'NO [THROTTLED] Account exceeded command or bandwidth limits. (Failure)')
            return
        meth, need = entry
        if need == NONAUTH and self.state != NONAUTH:
            self.tagged(tag, 'BAD Already authenticated')
            return
        if need == AUTH and self.state == NONAUTH or need == SEL and self.state != SEL:
            self.tagged(tag, 'BAD Command not valid in this state')
            return
        try:
            await getattr(self, meth)(tag, name, args)
        except ParseError as e:
            self.tagged(tag, 'BAD Could not parse command: %s' % str(e)[:80])
        except (Closed, ConnectionError, asyncio.IncompleteReadError):
            raise Closed() from None
        except Exception:  # noqa: BLE001 - one bad command must not kill the server
            log.exception('c%d internal error in %s', self.cid, name)
            self.tagged(tag, 'BAD Internal server error (Failure)')
        finally:
            self.command = None

    def done(self, tag, text='OK Success'):
        """Flush queued updates (as allowed for this command) then the tagged reply."""
        if self.selected is not None and self.pending:
            self.flush_updates(self.command not in NO_EXPUNGE)
        self.tagged(tag, text)

    # ------------------------------------------------------------------ updates
    def queue_update(self, ev):
        self.pending.append(ev)
        if self.idling:
            self.flush_updates(True)

    def flush_updates(self, allow_expunge=True):
        keep = []
        grew = False
        fetches = []
        uids, msgs = self.uids, self.msgs
        for ev in self.pending:
            kind = ev[0]
            if kind == 'expunge':
                if not allow_expunge:
                    keep.append(ev)
                    continue
                pos = bisect.bisect_left(uids, ev[1])
                if pos < len(uids) and uids[pos] == ev[1]:
                    del uids[pos]
                    del msgs[pos]
                    self.send(b'* %d EXPUNGE\r\n' % (pos + 1))
            elif kind == 'exists':
                if not uids or ev[1] > uids[-1]:
                    uids.append(ev[1])
                    msgs.append(ev[2])
                    grew = True
            elif kind == 'fetch':
                fetches.append(ev)
        self.pending = keep
        if grew:
            self.send(b'* %d EXISTS\r\n' % len(uids))
        seen = set()
        for _, i, what in fetches:
            if i in seen:
                continue
            show_labels = 'labels' in what and self.store.options.get('push_label_changes')
            if 'flags' not in what and not show_labels:
                continue
            seen.add(i)
            uid = self.selected.uid_of(i)
            if uid is None:
                continue
            pos = bisect.bisect_left(uids, uid)
            if pos >= len(uids) or uids[pos] != uid:
                continue
            items = [b'UID %d' % uid, self.flags_item(i)]
            if show_labels:
                items.append(self.labels_item(i))
            if self.condstore:
                items.append(b'MODSEQ (%d)' % self.store.modseq[i])
            self.send(b'* %d FETCH (%s)\r\n' % (pos + 1, b' '.join(items)))

    def deselect(self):
        self.selected = None
        self.uids = self.msgs = None
        self.pending = []
        self.state = AUTH

    # ------------------------------------------------------------------ any state
    async def cmd_capability(self, tag, name, args):
        self.send(b'* CAPABILITY ' + self.caps().encode() + b'\r\n')
        self.done(tag)

    def caps(self):
        return CAPS_PRE if self.state == NONAUTH else CAPS_POST

    async def cmd_noop(self, tag, name, args):
        self.done(tag)

    async def cmd_logout(self, tag, name, args):
        self.send(b'* BYE LOGOUT Requested\r\n')
        self.tagged(tag, 'OK 73 good day (Success)')
        await self.conn.drain()
        self.kill()

    async def cmd_id(self, tag, name, args):
        if len(args) != 1 or not (isinstance(args[0], list) or args[0] == 'NIL'):
            raise ParseError('ID expects a list or NIL')
        self.send(b'* ID ("name" "GImap" "vendor" "Google, Inc." "support-url" '
                  b'"https://support.google.com/mail" "remote-host" ' +
                  quote(self.peer.split(':')[0]) + b')\r\n')
        self.done(tag)

    async def cmd_xyzzy(self, tag, name, args):
        self.send(b'* OK Nothing happens.\r\n')
        self.done(tag)

    # ------------------------------------------------------------------ authentication
    def _login_ok(self, tag, user):
        self.state = AUTH
        self.user = user
        self.server.set_conn_user(self, user)
        self.tagged(tag, 'OK [CAPABILITY %s] %s authenticated (Success)' % (CAPS_POST, user))

    def _check_password(self, user, password):
        srv = self.server
        return user.lower() == srv.user.lower() and password == srv.password

    async def cmd_login(self, tag, name, args):
        if len(args) != 2:
            raise ParseError('LOGIN needs user and password')
        user = astr(args[0]).decode('utf-8', 'replace')
        password = astr(args[1]).decode('utf-8', 'replace')
        if self._check_password(user, password):
            self._login_ok(tag, self.server.user)
        else:
            self.tagged(tag, FAILED)

    async def cmd_authenticate(self, tag, name, args):
        if not args or len(args) > 2:
            raise ParseError('AUTHENTICATE needs a mechanism')
        mech = atom(args[0]).upper()
        if mech not in ('PLAIN', 'PLAIN-CLIENTTOKEN', 'XOAUTH2', 'OAUTHBEARER'):
            self.tagged(tag, 'NO Unsupported authentication mechanism. (Failure)')
            return
        if len(args) == 2:
            resp = astr(args[1])
            if resp == b'=':
                resp = b''
        else:
            self.send(b'+ \r\n')
            await self.conn.drain()
            resp = (await self.conn.readline(MAX_LINE)).strip()
            if resp == b'*':
                self.tagged(tag, 'BAD Authentication cancelled')
                return
        try:
            data = base64.b64decode(resp, validate=True)
        except (binascii.Error, ValueError):
            self.tagged(tag, 'BAD Invalid SASL response (base64)')
            return
        srv = self.server
        if mech.startswith('PLAIN'):
            parts = data.split(b'\0')
            if len(parts) >= 3:
                user = parts[1].decode('utf-8', 'replace')
                if self._check_password(user, parts[2].decode('utf-8', 'replace')):
                    self._login_ok(tag, srv.user)
                    return
            self.tagged(tag, FAILED)
            return
        user, token = _parse_oauth(mech, data)
        if (srv.oauth_token is not None and user is not None and user.lower() == srv.user.lower()
                and token == srv.oauth_token):
            self._login_ok(tag, srv.user)
            return
        # Gmail: error details in a continuation, then NO after the client's empty line
        self.send(b'+ ' + OAUTH_ERROR + b'\r\n')
        await self.conn.drain()
        await self.conn.readline(MAX_LINE)
        self.tagged(tag, FAILED)

    # ------------------------------------------------------------------ mailbox commands
    def mailbox_arg(self, tok):
        return decode_mailbox(astr(tok))

    def enc(self, name):
        return encode_mailbox(name, self.utf8)

    async def cmd_enable(self, tag, name, args):
        enabled = []
        for a in args:
            cap = atom(a).upper()
            if cap == 'CONDSTORE' and not self.condstore:
                self.condstore = True
                enabled.append(cap)
            elif cap in ('UTF8=ACCEPT', 'UTF8=ONLY') and not self.utf8:
                self.utf8 = True
                enabled.append('UTF8=ACCEPT')
        self.send(b'* ENABLED' + b''.join(b' ' + e.encode() for e in enabled) + b'\r\n')
        self.done(tag)

    async def cmd_select(self, tag, name, args):
        if not args:
            raise ParseError('SELECT needs a mailbox')
        mbox = self.mailbox_arg(args[0])
        for p in args[1:]:
            if isinstance(p, list) and any(isinstance(x, str) and x.upper() == 'CONDSTORE' for x in p):
                self.condstore = True
        if self.selected is not None:
            self.deselect()
            self.send(b'* OK [CLOSED] Previous mailbox closed.\r\n')
        f = self.store.folder(mbox)
        if f is None or not f.selectable:
            self.tagged(tag, 'NO [NONEXISTENT] Unknown Mailbox: %s (Failure)' % _safe(mbox))
            return
        self.selected = f
        self.state = SEL
        self.readonly = name == 'EXAMINE'
        self.uids = f.uids[:]
        self.msgs = f.msgs[:]
        self.pending = []
        flags = b'\\Answered \\Flagged \\Draft \\Deleted \\Seen $NotPhishing $Phishing'
        self.send(b'* FLAGS (%s)\r\n* OK [PERMANENTFLAGS (%s)] Flags permitted.\r\n'
                  % (flags, (flags + b' \\*') if not self.readonly else b''))
        self.send(b'* OK [UIDVALIDITY %d] UIDs valid.\r\n* %d EXISTS\r\n* 0 RECENT\r\n'
                  b'* OK [UIDNEXT %d] Predicted next UID.\r\n* OK [HIGHESTMODSEQ %d]\r\n'
                  % (f.uidvalidity, len(self.uids), f.uidnext, f.hms))
        self.tagged(tag, 'OK [%s] %s selected. (Success)' % (
            'READ-ONLY' if self.readonly else 'READ-WRITE', _safe(f.name)))

    async def cmd_close(self, tag, name, args):
        if name == 'CLOSE' and not self.readonly:
            f = self.selected
            for pos in range(len(self.msgs)):
                i = self.msgs[pos]
                if self.store.acct.flags[i] & messages.DELETED and f.uid_of(i) is not None:
                    self.store.expunge_from(f, i, origin=self)
        self.deselect()
        self.tagged(tag, 'OK Returned to authenticated state. (Success)')

    async def cmd_create(self, tag, name, args):
        if len(args) != 1:
            raise ParseError('CREATE needs a mailbox')
        mbox = self.mailbox_arg(args[0]).rstrip('/')
        if not mbox or mbox.startswith('[Gmail]') or '//' in mbox:
            self.tagged(tag, 'NO [CANNOT] Invalid folder name (Failure)')
            return
        if self.store.create_folder(mbox) is None:
            self.tagged(tag, 'NO [ALREADYEXISTS] Folder name conflicts with existing folder name. (Failure)')
            return
        self.done(tag)

    def _user_folder(self, tag, mbox):
        f = self.store.folder(mbox)
        if f is None:
            self.tagged(tag, 'NO [NONEXISTENT] Unknown Mailbox: %s (Failure)' % _safe(mbox))
            return None
        if f.kind != 'label':
            self.tagged(tag, 'NO [CANNOT] Cannot modify system folder %s (Failure)' % _safe(mbox))
            return None
        return f

    async def cmd_delete(self, tag, name, args):
        if len(args) != 1:
            raise ParseError('DELETE needs a mailbox')
        f = self._user_folder(tag, self.mailbox_arg(args[0]))
        if f is None:
            return
        if self.selected is f:
            self.deselect()
        self.store.delete_folder(f)
        self.done(tag)

    async def cmd_rename(self, tag, name, args):
        if len(args) != 2:
            raise ParseError('RENAME needs two mailboxes')
        f = self._user_folder(tag, self.mailbox_arg(args[0]))
        if f is None:
            return
        new = self.mailbox_arg(args[1]).rstrip('/')
        if not new or new.startswith('[Gmail]') or new.upper() == 'INBOX':
            self.tagged(tag, 'NO [CANNOT] Invalid folder name (Failure)')
            return
        if not self.store.rename_folder(f, new):
            self.tagged(tag, 'NO [ALREADYEXISTS] Folder name conflicts with existing folder name. (Failure)')
            return
        self.done(tag)

    async def cmd_subscribe(self, tag, name, args):
        if len(args) != 1:
            raise ParseError('mailbox expected')
        mbox = self.mailbox_arg(args[0])
        f = self.store.folder(mbox)
        if f is None:
            self.tagged(tag, 'NO [NONEXISTENT] Unknown Mailbox: %s (Failure)' % _safe(mbox))
            return
        f.subscribed = name == 'SUBSCRIBE'
        self.done(tag)

    async def cmd_namespace(self, tag, name, args):
        self.send(b'* NAMESPACE (("" "/")) NIL NIL\r\n')
        self.done(tag)

    async def cmd_quota(self, tag, name, args):
        used = len(self.store.acct.date) * 8   # KiB, a rough figure
        if name == 'GETQUOTAROOT':
            mbox = self.mailbox_arg(args[0]) if args else 'INBOX'
            self.send(b'* QUOTAROOT ' + self.enc(mbox) + b' ""\r\n')
        self.send(b'* QUOTA "" (STORAGE %d 15728640)\r\n' % used)
        self.done(tag)

    async def cmd_compress(self, tag, name, args):
        if len(args) != 1 or atom(args[0]).upper() != 'DEFLATE':
            self.tagged(tag, 'NO Unsupported compression mechanism (Failure)')
            return
        if self.conn.compressed:
            self.tagged(tag, 'NO [COMPRESSIONACTIVE] Compression already active (Failure)')
            return
        self.tagged(tag, 'OK Success')
        await self.conn.drain()
        self.conn.start_compression()

    async def cmd_idle(self, tag, name, args):
        self.send(b'+ idling\r\n')
        self.idling = True
        try:
            if self.pending:
                self.flush_updates(True)
            await self.conn.drain()
            line = await self.conn.readline(MAX_LINE)
        finally:
            self.idling = False
        if line.strip().upper() == b'DONE':
            self.done(tag, 'OK IDLE terminated (Success)')
        else:
            self.tagged(tag, 'BAD Expected DONE')

    async def cmd_status(self, tag, name, args):
        if len(args) != 2 or not isinstance(args[1], list):
            raise ParseError('STATUS mailbox (items)')
        mbox = self.mailbox_arg(args[0])
        f = self.store.folder(mbox)
        if f is None or not f.selectable:
            self.tagged(tag, 'NO [NONEXISTENT] Unknown Mailbox: %s (Failure)' % _safe(mbox))
            return
        self.send(self.status_line(f, [atom(x).upper() for x in args[1]]))
        self.done(tag)

    def status_line(self, f, items):
        out = []
        for it in items:
            if it == 'MESSAGES':
                out.append(b'MESSAGES %d' % len(f))
            elif it == 'RECENT':
                out.append(b'RECENT 0')
            elif it == 'UIDNEXT':
                out.append(b'UIDNEXT %d' % f.uidnext)
            elif it == 'UIDVALIDITY':
                out.append(b'UIDVALIDITY %d' % f.uidvalidity)
            elif it == 'UNSEEN':
                fl = self.store.acct.flags
                out.append(b'UNSEEN %d' % sum(1 for i in f.msgs if not fl[i] & 1))
            elif it == 'HIGHESTMODSEQ':
                out.append(b'HIGHESTMODSEQ %d' % f.hms)
            else:
                raise ParseError('unknown STATUS item')
        return b'* STATUS ' + self.enc(f.name) + b' (' + b' '.join(out) + b')\r\n'

    async def cmd_list(self, tag, name, args):
        select_opts = []
        if args and isinstance(args[0], list) and name == 'LIST':
            select_opts = [atom(x).upper() for x in args[0]]
            args = args[1:]
        if len(args) < 2:
            raise ParseError('LIST reference pattern')
        ref = self.mailbox_arg(args[0]) if args[0] != 'NIL' else ''
        pats = args[1] if isinstance(args[1], list) else [args[1]]
        patterns = [ref + decode_mailbox(astr(p)) for p in pats]
        ret_opts, status_items = [], None
        rest = args[2:]
        if rest:
            if len(rest) != 2 or not isinstance(rest[0], str) or rest[0].upper() != 'RETURN' \
                    or not isinstance(rest[1], list):
                raise ParseError('bad LIST return options')
            r = rest[1]
            k = 0
            while k < len(r):
                opt = atom(r[k]).upper()
                if opt == 'STATUS':
                    if k + 1 >= len(r) or not isinstance(r[k + 1], list):
                        raise ParseError('STATUS needs items')
                    status_items = [atom(x).upper() for x in r[k + 1]]
                    k += 1
                ret_opts.append(opt)
                k += 1
        if len(patterns) == 1 and patterns[0] == '' and name != 'LSUB':
            self.send(b'* LIST (\\Noselect) "/" ""\r\n')
            self.done(tag)
            return
        regexes = [_pattern_re(p) for p in patterns]
        folders = sorted(self.store.folders.values(), key=lambda f: (f.name != 'INBOX', f.name))
        names = {f.name for f in folders}
        for f in folders:
            if not any(rx.match(f.name) for rx in regexes):
                continue
            if name == 'LSUB' or 'SUBSCRIBED' in select_opts:
                if not f.subscribed:
                    continue
            if 'SPECIAL-USE' in select_opts and not f.special:
                continue
            children = any(n.startswith(f.name + '/') for n in names)
            attrs = ['\\HasChildren' if children else '\\HasNoChildren']
            if not f.selectable:
                attrs.insert(0, '\\Noselect')
            if name == 'XLIST':
                xl = {'inbox': '\\Inbox', 'all': '\\AllMail', 'spam': '\\Spam', 'starred': '\\Starred',
                      'drafts': '\\Drafts', 'sent': '\\Sent', 'trash': '\\Trash', 'important': '\\Important'}
                if f.kind in xl:
                    attrs.append(xl[f.kind])
            elif f.special:
                attrs.append(f.special)
            if 'SUBSCRIBED' in ret_opts and f.subscribed:
                attrs.append('\\Subscribed')
            shown = 'Inbox' if name == 'XLIST' and f.kind == 'inbox' else f.name
            self.send(b'* %s (%s) "/" %s\r\n' % (name.encode(), ' '.join(attrs).encode(), self.enc(shown)))
            if status_items and f.selectable:
                self.send(self.status_line(f, status_items))
        self.done(tag)


class LineTooLong(Exception):
    pass


class LiteralTooBig(Exception):
    pass


def _pattern_re(p):
    """LIST pattern -> compiled regex ('*' any, '%' any but '/')."""
    if p[:5].upper() == 'INBOX':
        p = 'INBOX' + p[5:]
    out = []
    for ch in p:
        if ch == '*':
            out.append('.*')
        elif ch == '%':
            out.append('[^/]*')
        else:
            out.append(re.escape(ch))
    return re.compile(''.join(out) + r'\Z', re.S)


def _safe(name):
    return ''.join(c if 0x20 <= ord(c) < 0x7f else '?' for c in name)[:200]


def _parse_oauth(mech, data):
    """(user, token) from an XOAUTH2 / OAUTHBEARER initial response."""
    user = token = None
    text = data.decode('utf-8', 'replace')
    fields = text.split('\x01')
    if mech == 'OAUTHBEARER' and fields:
        gs2 = fields[0].split(',')
        for g in gs2:
            if g.startswith('a='):
                user = g[2:].replace('=2C', ',').replace('=3D', '=')
        fields = fields[1:]
    for fld in fields:
        if fld.startswith('user='):
            user = fld[5:]
        elif fld.lower().startswith('auth=bearer '):
            token = fld[12:].strip()
    return user, token


def _redact(raw):
    """The command's first line for the log, without secrets."""
    line = raw.split(b'\n', 1)[0].rstrip(b'\r')[:300].decode('latin-1')
    parts = line.split(' ', 3)
    if len(parts) >= 2:
        cmd = parts[1].upper()
        if cmd == 'LOGIN':
            return '%s LOGIN %s ***' % (parts[0], parts[2] if len(parts) > 2 else '')
        if cmd == 'AUTHENTICATE':
            return '%s AUTHENTICATE %s ***' % (parts[0], parts[2] if len(parts) > 2 else '')
    return line
