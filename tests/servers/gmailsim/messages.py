"""Message-level IMAP commands as a mixin of :class:`session.Session`:
FETCH, STORE, SEARCH (+ESEARCH), COPY, MOVE, EXPUNGE, APPEND."""

import asyncio
import re

from . import mime
from .generator import DELETED, DRAFTL, FLAGGED, INBOX, SEEN, SENT, SPAM, TRASH
from .search import SearchContext, compile_search
from .util import (ParseError, astr, astring, atom, decode_mailbox, format_seqset, imap_datetime,
                   literal, mutf7_encode, number, parse_imap_datetime, parse_seqset, quote,
                   seq_positions, tokenize, uid_positions)

__all__ = ['MessageCommands', 'DELETED']

MACROS = {'ALL': ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
          'FAST': ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
          'FULL': ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY']}
SIMPLE_ITEMS = {'UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY',
                'MODSEQ', 'X-GM-MSGID', 'X-GM-THRID', 'X-GM-LABELS', 'RFC822', 'RFC822.HEADER',
                'RFC822.TEXT'}
BODY_RE = re.compile(r'^(BODY|BODY\.PEEK)\[([^\]]*)\](?:<(\d{1,10})(?:\.(\d{1,10}))?>)?$', re.I)
SECTION_RE = re.compile(r'^((?:[1-9]\d{0,4})(?:\.[1-9]\d{0,4})*)?'
                        r'(?:(?:^|\.)(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME))?'
                        r'(?:\s*\((.*)\))?$', re.I | re.S)
SYS_ORDER = [INBOX, DRAFTL, '\\Important', SENT, SPAM, TRASH]
APPENDLIMIT = 35651584


class MessageCommands:
    # ------------------------------------------------------------------ helpers
    def positions(self, setspec, uid):
        """0-based positions in the session view for a sequence/UID set."""
        if not isinstance(setspec, str):
            raise ParseError('bad sequence set')
        if uid:
            maxuid = self.uids[-1] if self.uids else 0
            return uid_positions(parse_seqset(setspec, maxuid), self.uids)
        n = len(self.uids)
        if n == 0:
            parse_seqset(setspec, 1)   # syntax check only
            return []
        ranges = parse_seqset(setspec, n)
        if ranges[-1][1] > n and '*' not in setspec:
            raise ParseError('invalid message sequence number')
        return seq_positions(ranges, n)

    def flags_item(self, i):
        return b'FLAGS (' + ' '.join(self.store.flag_names(i)).encode() + b')'

    def labels_item(self, i):
        f = self.selected
        labs = self.store.labels(i)
        quoted = self.store.options.get('quote_system_labels')
        out = []
        for lab in SYS_ORDER:
            if lab in labs and not (f is not None and f.label == lab and f.kind in ('spam', 'trash')):
                out.append(quote(lab) if quoted else lab.encode())
        for lab in sorted(x for x in labs if not x.startswith('\\')):
            if f is not None and f.kind == 'label' and f.label == lab:
                continue
            out.append(astring(lab, True) if self.utf8 else astring(mutf7_encode(lab)))
        return b'X-GM-LABELS (' + b' '.join(out) + b')'

    def dest_folder(self, tag, tok):
        name = decode_mailbox(astr(tok))
        f = self.store.folder(name)
        if f is None or not f.selectable:
            self.tagged(tag, 'NO [TRYCREATE] Unknown Mailbox: %s (Failure)' % _safe(name))
            return None
        return f

    # ------------------------------------------------------------------ FETCH
    def parse_fetch_items(self, spec):
        toks = spec if isinstance(spec, list) else [spec]
        if isinstance(spec, str) and spec.upper() in MACROS:
            toks = MACROS[spec.upper()]
        items = []
        for t in toks:
            name = atom(t)
            up = name.upper()
            if up in SIMPLE_ITEMS:
                items.append((up,))
                continue
            m = BODY_RE.match(name)
            if not m:
                raise ParseError('unknown fetch item')
            peek = m.group(1).upper() == 'BODY.PEEK'
            sm = SECTION_RE.match(m.group(2))
            if not sm:
                raise ParseError('bad section')
            nums = [int(x) for x in sm.group(1).split('.')] if sm.group(1) else []
            kind = (sm.group(2) or '').upper()
            fields = []
            if sm.group(3) is not None:
                if kind not in ('HEADER.FIELDS', 'HEADER.FIELDS.NOT'):
                    raise ParseError('field list without HEADER.FIELDS')
                fields = [astr(x).decode('latin-1') for x in tokenize(sm.group(3).encode('latin-1'))]
                if not fields:
                    raise ParseError('empty field list')
            elif kind.startswith('HEADER.FIELDS'):
                raise ParseError('HEADER.FIELDS needs a list')
            if kind == 'MIME' and not nums:
                raise ParseError('MIME needs a part number')
            sec = '.'.join(str(n) for n in nums)
            if kind:
                sec = (sec + '.' if sec else '') + kind
            if fields:
                sec += ' (' + ' '.join(f.upper() for f in fields) + ')'
            origin = int(m.group(3)) if m.group(3) is not None else None
            count = int(m.group(4)) if m.group(4) is not None else None
            items.append(('SECTION', peek, nums, kind, fields, origin, count, sec))
        return items

    async def cmd_fetch(self, tag, name, args):
        uid = name.startswith('UID')
        if len(args) < 2:
            raise ParseError('FETCH set items')
        items = self.parse_fetch_items(args[1])
        changedsince = None
        if len(args) > 2:
            mods = args[2]
            if len(args) > 3 or not isinstance(mods, list):
                raise ParseError('bad FETCH modifiers')
            k = 0
            while k < len(mods):
                mod = atom(mods[k]).upper()
                if mod == 'CHANGEDSINCE' and k + 1 < len(mods):
                    changedsince = number(mods[k + 1])
                    k += 2
                else:
                    raise ParseError('unknown FETCH modifier')
            self.condstore = True
        positions = self.positions(args[0], uid)
        if uid and not any(it[0] == 'UID' for it in items):
            items.insert(0, ('UID',))
        if (changedsince is not None or self.condstore and uid) and not any(it[0] == 'MODSEQ' for it in items):
            if changedsince is not None:
                items.append(('MODSEQ',))
        if any(it[0] == 'MODSEQ' for it in items):
            self.condstore = True
        sets_seen = (not self.readonly and
                     any((it[0] == 'SECTION' and not it[1]) or it[0] in ('RFC822', 'RFC822.TEXT')
                         for it in items))
        store = self.store
        modseq = store.modseq
        conn = self.conn
        for pos in positions:
            i = self.msgs[pos]
            if changedsince is not None and modseq[i] <= changedsince:
                continue
            try:
                out = self.fetch_one(pos, i, items, sets_seen)
            except Exception:   # noqa: BLE001 - a broken message must not kill the command
                out = b'* %d FETCH (UID %d)\r\n' % (pos + 1, self.uids[pos])
                import logging
                logging.getLogger('gmailsim').exception('fetch of message %d failed', i)
            self.send(out)
            if conn.buffered() > (1 << 20):
                await conn.drain()
        self.done(tag)

    def fetch_one(self, pos, i, items, sets_seen):
        store = self.store
        acct = store.acct
        flags_changed = False
        if sets_seen and not acct.flags[i] & SEEN:
            flags_changed = store.store_flags(i, add=['\\Seen'], origin=self)
        out = []
        has_flags = False
        for it in items:
            k = it[0]
            if k == 'UID':
                out.append(b'UID %d' % self.uids[pos])
            elif k == 'FLAGS':
                has_flags = True
                out.append(self.flags_item(i))
            elif k == 'INTERNALDATE':
                out.append(b'INTERNALDATE "' + imap_datetime(acct.date[i]).encode() + b'"')
            elif k == 'RFC822.SIZE':
                out.append(b'RFC822.SIZE %d' % store.size(i))
            elif k == 'ENVELOPE':
                out.append(b'ENVELOPE ' + mime.envelope(store.part(i)))
            elif k == 'BODYSTRUCTURE':
                out.append(b'BODYSTRUCTURE ' + mime.bodystructure(store.part(i), True))
            elif k == 'BODY':
                out.append(b'BODY ' + mime.bodystructure(store.part(i), False))
            elif k == 'MODSEQ':
                out.append(b'MODSEQ (%d)' % store.modseq[i])
            elif k == 'X-GM-MSGID':
                out.append(b'X-GM-MSGID %d' % acct.msgid(i))
            elif k == 'X-GM-THRID':
                out.append(b'X-GM-THRID %d' % acct.thrid(i))
            elif k == 'X-GM-LABELS':
                out.append(self.labels_item(i))
            elif k == 'RFC822':
                out.append(b'RFC822 ' + literal(store.raw(i)))
            elif k == 'RFC822.HEADER':
                out.append(b'RFC822.HEADER ' + literal(store.part(i).header))
            elif k == 'RFC822.TEXT':
                out.append(b'RFC822.TEXT ' + literal(store.part(i).body))
            else:
                _, peek, nums, kind, fields, origin, count, sec = it
                p = store.part(i)
                data = p.raw if (not nums and not kind) else mime.section_bytes(p, nums, kind, fields)
                label = b'BODY[' + sec.encode('latin-1') + b']'
                if origin is not None:
                    data = data[origin:origin + count] if count is not None else data[origin:]
                    label += b'<%d>' % origin
                out.append(label + b' ' + literal(data))
        if flags_changed and not has_flags:
            out.append(self.flags_item(i))
            if self.condstore and not any(it[0] == 'MODSEQ' for it in items):
                out.append(b'MODSEQ (%d)' % store.modseq[i])
        return b'* %d FETCH (%s)\r\n' % (pos + 1, b' '.join(out))

    # ------------------------------------------------------------------ STORE
    async def cmd_store(self, tag, name, args):
        uid = name.startswith('UID')
        if len(args) < 3:
            raise ParseError('STORE set item value')
        unchangedsince = None
        rest = args[1:]
        if isinstance(rest[0], list):
            mods = rest[0]
            if len(mods) != 2 or atom(mods[0]).upper() != 'UNCHANGEDSINCE':
                raise ParseError('bad STORE modifier')
            unchangedsince = number(mods[1])
            self.condstore = True
            rest = rest[1:]
        if len(rest) < 2:
            raise ParseError('STORE item value')
        item = atom(rest[0]).upper()
        values = rest[1] if isinstance(rest[1], list) and len(rest) == 2 else rest[1:]
        silent = item.endswith('.SILENT')
        if silent:
            item = item[:-7]
        op = item[0] if item[0] in '+-' else ''
        base = item.lstrip('+-')
        if base not in ('FLAGS', 'X-GM-LABELS'):
            raise ParseError('unknown STORE item')
        if base == 'FLAGS':
            vals = [atom(v) for v in values]
        else:
            vals = []
            for v in values:
                if isinstance(v, str) and v.startswith('\\'):
                    vals.append(v)
                else:
                    vals.append(decode_mailbox(astr(v)))
        positions = self.positions(args[0], uid)
        if self.readonly:
            self.tagged(tag, 'NO [READ-ONLY] Mailbox is read-only (Failure)')
            return
        store = self.store
        modified = []
        changed = []
        auto_expunge = store.options.get('auto_expunge')
        for pos in positions:
            i = self.msgs[pos]
            if not store.exists(i):
                continue
            if unchangedsince is not None and store.modseq[i] > unchangedsince:
                modified.append(self.uids[pos] if uid else pos + 1)
                continue
            if base == 'FLAGS':
                kw = dict(add=vals) if op == '+' else dict(remove=vals) if op == '-' else dict(replace=vals)
                was_deleted = store.acct.flags[i] & DELETED
                store.store_flags(i, origin=self, **kw)
                if auto_expunge and not was_deleted and store.acct.flags[i] & DELETED \
                        and self.selected.uid_of(i) is not None:
                    store.expunge_from(self.selected, i, origin=self)
            else:
                kw = dict(add=vals) if op == '+' else dict(remove=vals) if op == '-' else dict(replace=vals)
                store.store_labels(i, origin=self, **kw)
            changed.append((pos, i))
        if not silent or unchangedsince is not None:
            for pos, i in changed:
                items = [self.flags_item(i) if base == 'FLAGS' else self.labels_item(i)]
                if uid:
                    items.append(b'UID %d' % self.uids[pos])
                if self.condstore:
                    items.append(b'MODSEQ (%d)' % store.modseq[i])
                self.send(b'* %d FETCH (%s)\r\n' % (pos + 1, b' '.join(items)))
        if modified:
            self.done(tag, 'OK [MODIFIED %s] Conditional STORE failed (Success)' % format_seqset(sorted(modified)))
        else:
            self.done(tag)

    # ------------------------------------------------------------------ SEARCH
    async def cmd_search(self, tag, name, args):
        uid = name.startswith('UID')
        ret = None
        charset = None
        if len(args) >= 2 and isinstance(args[0], str) and args[0].upper() == 'RETURN':
            if not isinstance(args[1], list):
                raise ParseError('RETURN needs a list')
            ret = [atom(x).upper() for x in args[1]] or ['ALL']
            if any(r not in ('MIN', 'MAX', 'COUNT', 'ALL', 'SAVE') for r in ret):
                raise ParseError('unknown RETURN option')
            args = args[2:]
        if len(args) >= 2 and isinstance(args[0], str) and args[0].upper() == 'CHARSET':
            charset = astr(args[1]).decode('ascii', 'replace').lower()
            if charset not in ('utf-8', 'us-ascii', 'utf8'):
                self.tagged(tag, 'NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset (Failure)')
                return
            args = args[2:]
        ctx = SearchContext(self.store, self.uids, self.msgs, self.selected)
        pred, uses_modseq = compile_search(args, ctx, 'utf-8')
        if uses_modseq:
            self.condstore = True
        hits = []
        msgs = self.msgs
        modseq = self.store.modseq
        exists = self.store.exists
        for pos in range(len(msgs)):
            i = msgs[pos]
            if exists(i) and pred(pos, i):
                hits.append(pos)
            if pos % 20000 == 19999:
                await asyncio.sleep(0)
        nums = [self.uids[p] for p in hits] if uid else [p + 1 for p in hits]
        if ret is None:
            line = b'* SEARCH' + b''.join(b' %d' % n for n in nums)
            if uses_modseq and hits:
                line += b' (MODSEQ %d)' % max(modseq[msgs[p]] for p in hits)
            self.send(line + b'\r\n')
        else:
            out = [b'* ESEARCH (TAG ' + quote(tag) + b')']
            if uid:
                out.append(b'UID')
            if nums:
                if 'MIN' in ret:
                    out.append(b'MIN %d' % min(nums))
                if 'MAX' in ret:
                    out.append(b'MAX %d' % max(nums))
            if 'COUNT' in ret:
                out.append(b'COUNT %d' % len(nums))
            if 'ALL' in ret and nums:
                out.append(b'ALL ' + format_seqset(sorted(nums)).encode())
            if uses_modseq and hits:
                out.append(b'MODSEQ %d' % max(modseq[msgs[p]] for p in hits))
            self.send(b' '.join(out) + b'\r\n')
        self.done(tag)

    # ------------------------------------------------------------------ COPY / MOVE
    def gmail_copy(self, i, src, dest, move):
        """Label arithmetic of COPY/MOVE from *src* to *dest* for message *i*."""
        store = self.store
        labels = set(store.labels(i))
        flags = store.acct.flags[i]
        k = dest.kind
        if k == 'starred':
            flags |= FLAGGED
        elif k == 'trash':
            labels.discard(SPAM)
            labels.add(TRASH)
        elif k == 'spam':
            labels.discard(TRASH)
            labels.add(SPAM)
        elif k != 'all' and dest.label:
            labels.add(dest.label)
        if k not in ('trash', 'spam'):
            labels.discard(TRASH)
            labels.discard(SPAM)
        if move and src is not dest:
            ks = src.kind
            if ks == 'starred':
                flags &= ~FLAGGED
            elif ks in ('trash', 'spam'):
                labels.discard(src.label)
            elif ks != 'all' and src.label and (k not in ('trash', 'spam') or ks == 'inbox'):
                labels.discard(src.label)
        return store._set(i, flags, store.acct.intern(labels), self)

    async def cmd_copy(self, tag, name, args):
        uid = name.startswith('UID')
        move = name.endswith('MOVE')
        if len(args) != 2:
            raise ParseError('COPY set mailbox')
        positions = self.positions(args[0], uid)
        dest = self.dest_folder(tag, args[1])
        if dest is None:
            return
        if move and self.readonly:
            self.tagged(tag, 'NO [READ-ONLY] Mailbox is read-only (Failure)')
            return
        src = self.selected
        src_uids, dst_uids = [], []
        for pos in positions:
            i = self.msgs[pos]
            if not self.store.exists(i):
                continue
            self.gmail_copy(i, src, dest, move)
            du = dest.uid_of(i)
            if du is not None:
                src_uids.append(self.uids[pos])
                dst_uids.append(du)
        code = ''
        if src_uids:
            code = '[COPYUID %d %s %s] ' % (dest.uidvalidity, format_seqset(src_uids), format_seqset(dst_uids))
        if move and dest.kind == 'trash' and self.store.options.get('drop_on_trash_move'):
            self.kill()
            return
        if move:
            if code:
                self.send(b'* OK ' + code.encode() + b'Moved\r\n')
            self.flush_updates(True)
            self.done(tag, 'OK Success')
        else:
            self.done(tag, 'OK %s(Success)' % code)

    # ------------------------------------------------------------------ EXPUNGE
    async def cmd_expunge(self, tag, name, args):
        if self.readonly:
            self.tagged(tag, 'NO [READ-ONLY] Mailbox is read-only (Failure)')
            return
        if name == 'UID EXPUNGE':
            if len(args) != 1:
                raise ParseError('UID EXPUNGE set')
            positions = self.positions(args[0], True)
        else:
            positions = range(len(self.msgs))
        f = self.selected
        flags = self.store.acct.flags
        for pos in list(positions):
            i = self.msgs[pos]
            if flags[i] & DELETED and f.uid_of(i) is not None:
                self.store.expunge_from(f, i, origin=self)
        self.flush_updates(True)
        self.done(tag)

    # ------------------------------------------------------------------ APPEND
    async def cmd_append(self, tag, name, args):
        if len(args) < 2 or not isinstance(args[-1], bytes):
            raise ParseError('APPEND mailbox [flags] [date] literal')
        dest = self.dest_folder(tag, args[0])
        if dest is None:
            return
        flags, date = [], None
        for a in args[1:-1]:
            if isinstance(a, list):
                flags = [atom(x) for x in a]
            elif isinstance(a, bytes):
                date = parse_imap_datetime(a.decode('ascii', 'replace'))
            else:
                raise ParseError('bad APPEND argument')
        msg = args[-1]
        if len(msg) > APPENDLIMIT:
            self.tagged(tag, 'NO [TOOBIG] Message too large (Failure)')
            return
        labels = []
        k = dest.kind
        if k == 'starred':
            flags.append('\\Flagged')
        elif k != 'all' and dest.label:
            labels.append(dest.label)
        from_me = self.store.user.lower() in (mime.Part(msg).get('from') or '').lower()
        i = self.store.add_message(msg, labels=labels, flags=flags, date=date, from_me=from_me, origin=self)
        uid = dest.uid_of(i)
        self.done(tag, 'OK [APPENDUID %d %d] (Success)' % (dest.uidvalidity, uid or 0))


def _safe(name):
    return ''.join(c if 0x20 <= ord(c) < 0x7f else '?' for c in name)[:200]
