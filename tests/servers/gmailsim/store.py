"""The one message store and its folder views.

Gmail keeps each message once, with flags and a set of labels; every IMAP
folder is a *view* of the messages carrying one label (or flag), with its
own UIDVALIDITY and its own UIDs, assigned in the order messages entered the
view.  :class:`Store` owns the compact per-message columns (from
:class:`generator.Account`), the folder views, the global modseq counter
and the list of live sessions that must hear about changes.

Folder membership (see :meth:`Store.membership`):

* a message labelled ``\\Trash`` is only in [Gmail]/Trash, ``\\Spam`` only in
  [Gmail]/Spam (its other labels are kept, hidden, and come back when it
  leaves the Trash, as on Gmail);
* otherwise it is in [Gmail]/All Mail, in INBOX if it has ``\\Inbox``, Sent
  Mail for ``\\Sent``, Drafts for ``\\Draft``, Important for ``\\Important``,
  Starred if it has the ``\\Flagged`` flag, and in the folder of each user
  label.
"""

import bisect
import email.utils
import time
from array import array
from collections import OrderedDict

from . import mime
from .generator import (DELETED, DRAFT, DRAFTL, FLAG_BITS, FLAG_BY_NAME, FLAGGED, IMPORTANT,
                        INBOX, SENT, SPAM, SYSTEM_LABELS, TRASH, USER_LABELS, Account)

GONE = 128   # flag bit: deleted forever (expunged from Trash/Spam)

SYSTEM_FOLDERS = [
    # name, kind, label/flag, SPECIAL-USE attribute
    ('INBOX', 'inbox', INBOX, None),
    ('[Gmail]', 'noselect', None, None),
    ('[Gmail]/All Mail', 'all', None, '\\All'),
    ('[Gmail]/Drafts', 'drafts', DRAFTL, '\\Drafts'),
    ('[Gmail]/Important', 'important', IMPORTANT, '\\Important'),
    ('[Gmail]/Sent Mail', 'sent', SENT, '\\Sent'),
    ('[Gmail]/Spam', 'spam', SPAM, '\\Junk'),
    ('[Gmail]/Starred', 'starred', None, '\\Flagged'),
    ('[Gmail]/Trash', 'trash', TRASH, '\\Trash'),
]

# X-GM-LABELS spellings accepted from clients
LABEL_ALIASES = {'\\inbox': INBOX, 'inbox': INBOX, '\\sent': SENT, '\\important': IMPORTANT,
                 '\\draft': DRAFTL, '\\drafts': DRAFTL, '\\spam': SPAM, '\\trash': TRASH,
                 '\\starred': '\\Starred'}


class Folder:
    """One IMAP folder: parallel ascending ``uids`` / message-index arrays."""

    def __init__(self, name, kind, label, special, uidvalidity):
        self.name = name
        self.kind = kind            # inbox all drafts important sent spam starred trash label noselect
        self.label = label          # the label this folder shows (user or system), or None
        self.special = special
        self.uidvalidity = uidvalidity
        self.uidnext = 1
        self.uids = array('I')
        self.msgs = array('I')
        self.n_sorted = 0           # msgs[:n_sorted] is ascending (bisectable)
        self.tail = {}              # msg -> uid for entries past n_sorted
        self.hms = 1
        self.subscribed = True
        self.deleted = False

    @property
    def selectable(self):
        return self.kind != 'noselect'

    def __len__(self):
        return len(self.uids)

    def uid_of(self, msg):
        u = self.tail.get(msg)
        if u is not None:
            return u
        j = bisect.bisect_left(self.msgs, msg, 0, self.n_sorted)
        if j < self.n_sorted and self.msgs[j] == msg:
            return self.uids[j]
        return None

    def add(self, msg):
        uid = self.uidnext
        self.uidnext += 1
        if self.n_sorted == len(self.msgs) and (not self.msgs or self.msgs[-1] < msg):
            self.n_sorted += 1
        else:
            self.tail[msg] = uid
        self.uids.append(uid)
        self.msgs.append(msg)
        return uid

    def remove(self, msg):
        uid = self.uid_of(msg)
        if uid is None:
            return None
        pos = bisect.bisect_left(self.uids, uid)
        del self.uids[pos]
        del self.msgs[pos]
        if pos < self.n_sorted:
            self.n_sorted -= 1
        else:
            self.tail.pop(msg, None)
        return uid

    def renumber(self, uidvalidity):
        self.uidvalidity = uidvalidity
        n = len(self.msgs)
        self.uids = array('I', range(1, n + 1))
        self.tail = {self.msgs[p]: p + 1 for p in range(self.n_sorted, n)}
        self.uidnext = n + 1


class Store:
    """All server state.  Single-threaded: every mutation happens on the
    event loop, so no locking is needed."""

    def __init__(self, n, seed, user):
        t0 = time.time()
        self.acct = Account(n, seed, user)
        self.user = user
        self.sessions = set()
        self.options = {'drop_on_trash_move': False, 'throttle': 0, 'auto_expunge': False,
                        'push_label_changes': False, 'quote_system_labels': False}
        self.keywords = {}            # msg -> set of keyword names
        self.runtime_raw = {}         # msg -> bytes (APPENDed / delivered)
        self._cache = OrderedDict()   # msg -> [raw, Part or None]
        self._cache_bytes = 0
        total = len(self.acct.date)
        self.modseq = array('Q', range(1, total + 1))
        self.modseq_counter = total + 1
        self.next_uidvalidity = 1
        self.folders = OrderedDict()
        self._member_cache = {}
        for name, kind, label, special in SYSTEM_FOLDERS:
            self._add_folder(Folder(name, kind, label, special, self._uidvalidity()))
        for label in sorted(USER_LABELS):
            self._add_folder(Folder(label, 'label', label, None, self._uidvalidity()))
        self._build()
        self.build_seconds = time.time() - t0

    # ------------------------------------------------------------------ build
    def _uidvalidity(self):
        v = self.next_uidvalidity
        self.next_uidvalidity += 1
        return v

    def _add_folder(self, f):
        self.folders[f.name] = f
        self._member_cache.clear()

    def _build(self):
        acct = self.acct
        flags, lset = acct.flags, acct.lset
        n = len(flags)
        buckets = {}
        for i in range(n):
            key = (lset[i] << 1) | (flags[i] & FLAGGED and 1)
            b = buckets.get(key)
            if b is None:
                b = buckets[key] = array('I')
            b.append(i)
        # merge: each folder gets the ascending union of its buckets
        per_folder = {}
        for key, idx in buckets.items():
            for f in self.membership(key >> 1, FLAGGED if key & 1 else 0):
                per_folder.setdefault(f.name, []).append(idx)
        for name, parts in per_folder.items():
            f = self.folders[name]
            if len(parts) == 1:
                msgs = parts[0]
            else:
                merged = []
                for p in parts:
                    merged.extend(p)
                merged.sort()
                msgs = array('I', merged)
            f.msgs = msgs
            f.uids = array('I', range(1, len(msgs) + 1))
            f.uidnext = len(msgs) + 1
            f.n_sorted = len(msgs)
            f.hms = (msgs[-1] + 1) if msgs else 1

    # ------------------------------------------------------------------ folders
    def folder(self, name):
        return self.folders.get(name)

    def special(self, kind):
        for f in self.folders.values():
            if f.kind == kind:
                return f
        return None

    def membership(self, lid, flags):
        key = (lid, bool(flags & FLAGGED), bool(flags & GONE))
        res = self._member_cache.get(key)
        if res is not None:
            return res
        labels = self.acct.labelsets[lid]
        out = []
        if flags & GONE:
            pass
        elif TRASH in labels:
            out.append(self.special('trash'))
        elif SPAM in labels:
            out.append(self.special('spam'))
        else:
            for f in self.folders.values():
                k = f.kind
                if (k == 'all' or (k == 'starred' and flags & FLAGGED) or
                        (f.label is not None and f.label in labels and k not in ('spam', 'trash'))):
                    out.append(f)
        res = tuple(out)
        self._member_cache[key] = res
        return res

    def create_folder(self, name):
        if name in self.folders or name.upper() == 'INBOX':
            return None
        parts = name.split('/')
        for k in range(1, len(parts)):
            parent = '/'.join(parts[:k])
            if parent not in self.folders:
                self._add_folder(Folder(parent, 'label', parent, None, self._uidvalidity()))
        f = Folder(name, 'label', name, None, self._uidvalidity())
        f.hms = self.modseq_counter
        self._add_folder(f)
        return f

    def delete_folder(self, f):
        del self.folders[f.name]
        f.deleted = True
        self._member_cache.clear()
        for i in list(f.msgs):
            labels = self.acct.labelsets[self.acct.lset[i]] - {f.label}
            self._set(i, None, self.acct.intern(labels), None)
        self._kick(f, 'Folder deleted')

    def rename_folder(self, f, new):
        moved = [g for g in list(self.folders.values())
                 if g.kind == 'label' and (g is f or g.name.startswith(f.name + '/'))]
        mapping = {g.name: new + g.name[len(f.name):] for g in moved}
        if any(m in self.folders for m in mapping.values()):
            return False
        for g in moved:
            del self.folders[g.name]
        for g in moved:
            old = g.name
            g.name = g.label = mapping[old]
            self.folders[g.name] = g
            for i in list(g.msgs):
                labels = self.acct.labelsets[self.acct.lset[i]]
                if old in labels:
                    self._set(i, None, self.acct.intern((labels - {old}) | {g.name}), None)
        self._member_cache.clear()
        return True

    def set_uidvalidity(self, f, value):
        f.renumber(value)
        self._kick(f, 'UIDVALIDITY changed')

    def _kick(self, f, why):
        for s in list(self.sessions):
            if s.selected is f:
                s.kill(b'* BYE ' + why.encode() + b'\r\n')

    # ------------------------------------------------------------------ messages
    def next_modseq(self):
        self.modseq_counter += 1
        return self.modseq_counter

    def exists(self, i):
        return 0 <= i < len(self.acct.flags) and not self.acct.flags[i] & GONE

    def raw(self, i):
        r = self.runtime_raw.get(i)
        if r is not None:
            return r
        e = self._cache.get(i)
        if e is not None:
            self._cache.move_to_end(i)
            return e[0]
        r = self.acct.render(i)
        self._cache[i] = [r, None]
        self._cache_bytes += len(r)
        while self._cache_bytes > 64 << 20 or len(self._cache) > 4000:
            _, old = self._cache.popitem(last=False)
            self._cache_bytes -= len(old[0])
        return r

    def part(self, i):
        raw = self.raw(i)
        e = self._cache.get(i)
        if e is None:
            e = self._cache[i] = [raw, None]
            self._cache_bytes += len(raw)
        if e[1] is None:
            e[1] = mime.Part(raw)
        return e[1]

    def size(self, i):
        return len(self.raw(i))

    def labels(self, i):
        return self.acct.labelsets[self.acct.lset[i]]

    def flag_names(self, i):
        f = self.acct.flags[i]
        out = [name for bit, name in FLAG_BITS if f & bit]
        kw = self.keywords.get(i)
        if kw:
            out.extend(sorted(kw))
        return out

    def subject(self, i):
        if i in self.runtime_raw:
            return mime.decode_words(self.part(i).get('subject') or '')
        return self.acct.meta(i)['subject']

    def message_id(self, i):
        if i in self.runtime_raw:
            return self.part(i).get('message-id') or ''
        return self.acct.message_id_header(i)

    # ------------------------------------------------------------------ changes
    def _set(self, i, flags, lid, origin, kw_changed=False):
        """Apply new flags / labelset to message *i*; update folder views and
        queue notifications.  Returns True if anything changed."""
        acct = self.acct
        of, ol = acct.flags[i], acct.lset[i]
        nf = of if flags is None else flags
        nl = ol if lid is None else lid
        if nf == of and nl == ol and not kw_changed:
            return False
        ms = self.next_modseq()
        self.modseq[i] = ms
        acct.flags[i] = nf
        acct.lset[i] = nl
        old = self.membership(ol, of)
        new = self.membership(nl, nf)
        what = set()
        if nf != of or kw_changed:
            what.add('flags')
        if nl != ol:
            what.add('labels')
        for f in old:
            f.hms = ms
            if f not in new:
                uid = f.remove(i)
                self._notify(f, ('expunge', uid))
        for f in new:
            f.hms = ms
            if f not in old:
                uid = f.add(i)
                self._notify(f, ('exists', uid, i))
            else:
                self._notify(f, ('fetch', i, what), skip=origin)
        return True

    def _notify(self, f, ev, skip=None):
        for s in self.sessions:
            if s.selected is f and s is not skip:
                s.queue_update(ev)

    def push_idle(self):
        for s in list(self.sessions):
            if s.idling and s.pending:
                s.flush_updates(True)

    def store_flags(self, i, add=(), remove=(), replace=None, origin=None):
        """Set flags by name; returns True if changed."""
        acct = self.acct
        cur = acct.flags[i]
        kw = set(self.keywords.get(i, ()))
        old_kw = set(kw)
        if replace is not None:
            bits = 0
            kw = set()
            for name in replace:
                b = FLAG_BY_NAME.get(name.lower())
                if b:
                    bits |= b
                elif not name.startswith('\\'):
                    kw.add(name)
            nf = (cur & GONE) | bits
        else:
            nf = cur
            for name in add:
                b = FLAG_BY_NAME.get(name.lower())
                if b:
                    nf |= b
                elif not name.startswith('\\'):
                    kw.add(name)
            for name in remove:
                b = FLAG_BY_NAME.get(name.lower())
                if b:
                    nf &= ~b
                else:
                    kw.discard(name)
        if kw != old_kw:
            if kw:
                self.keywords[i] = kw
            else:
                self.keywords.pop(i, None)
        return self._set(i, nf, None, origin, kw != old_kw)

    def resolve_label(self, name):
        """Client label name -> stored label (system name or user label)."""
        return LABEL_ALIASES.get(name.lower(), name)

    def store_labels(self, i, add=(), remove=(), replace=None, origin=None):
        """Change labels.  ``\\Starred`` maps to the \\Flagged flag; unknown
        user labels are created.  Returns True if changed."""
        acct = self.acct
        labels = set(self.labels(i))
        flags = acct.flags[i]
        if replace is not None:
            labels = set()
            add = replace
            if not any(self.resolve_label(x) == '\\Starred' for x in replace):
                flags &= ~FLAGGED
        for raw in add:
            name = self.resolve_label(raw)
            if name == '\\Starred':
                flags |= FLAGGED
                continue
            if name not in SYSTEM_LABELS and name not in self.folders:
                self.create_folder(name)
            if name == TRASH:
                labels.discard(SPAM)
            if name == SPAM:
                labels.discard(TRASH)
            labels.add(name)
        for raw in remove:
            name = self.resolve_label(raw)
            if name == '\\Starred':
                flags &= ~FLAGGED
            else:
                labels.discard(name)
        return self._set(i, flags, acct.intern(labels), origin)

    def expunge_from(self, f, i, origin=None):
        """What EXPUNGE of a \\Deleted message in folder *f* does on Gmail
        (default "auto-expunge off, move to Trash on last folder" settings):
        remove the folder's label; from All Mail move to Trash; from
        Trash/Spam delete forever.  \\Deleted is cleared."""
        acct = self.acct
        flags = acct.flags[i] & ~DELETED
        labels = set(self.labels(i))
        k = f.kind
        if k in ('trash', 'spam'):
            flags |= GONE
        elif k == 'all':
            labels.add(TRASH)
        elif k == 'starred':
            flags &= ~FLAGGED
        elif k == 'drafts':
            labels.discard(DRAFTL)
            flags = (flags & ~DRAFT) | GONE
        elif f.label is not None:
            labels.discard(f.label)
        return self._set(i, flags, acct.intern(labels), origin)

    def add_message(self, raw, labels=(INBOX,), flags=(), date=None, parent=None, from_me=False,
                    origin=None):
        """Store a new message (APPEND / control-hook deliver); returns its index."""
        acct = self.acct
        i = len(acct.date)
        if date is None:
            date = int(time.time())
        date = max(0, min(int(date), 0xFFFFFFFF))
        acct.date.append(date)
        acct.parent.append(parent if parent is not None else -1)
        acct.root.append(acct.root[parent] if parent is not None else i)
        acct.gen.append(1 if from_me else 0)
        acct.flags.append(0)
        acct.lset.append(acct.intern(()))
        self.modseq.append(self.next_modseq())
        self.runtime_raw[i] = raw
        lab = set()
        for name in labels:
            name = self.resolve_label(name)
            if name not in SYSTEM_LABELS and name != '\\Starred' and name not in self.folders:
                self.create_folder(name)
            lab.add(name)
        fl = [x for x in flags]
        if '\\Starred' in lab:
            lab.discard('\\Starred')
            fl.append('\\Flagged')
        bits = 0
        kw = set()
        for name in fl:
            b = FLAG_BY_NAME.get(name.lower())
            if b:
                bits |= b
            elif not name.startswith('\\'):
                kw.add(name)
        if kw:
            self.keywords[i] = kw
        ms = self.modseq[i]
        acct.flags[i] = bits
        acct.lset[i] = acct.intern(lab)
        for f in self.membership(acct.lset[i], bits):
            f.hms = ms
            uid = f.add(i)
            self._notify(f, ('exists', uid, i))
        return i

    # ------------------------------------------------------------------ control helpers
    def build_message(self, frm, to, subject, body, parent=None, date=None):
        """RFC 5322 text for the control hook's deliver."""
        from .generator import encode_word
        hdr = ['From: %s' % frm, 'To: %s' % to,
               'Subject: %s' % encode_word(subject, 'utf-8', None),
               'Date: %s' % email.utils.formatdate(date or time.time()),
               'Message-ID: <deliver.%d.%d@skua.test>' % (len(self.acct.date), int(time.time() * 1000)),
               'MIME-Version: 1.0', 'Content-Type: text/plain; charset="UTF-8"',
               'Content-Transfer-Encoding: 8bit']
        if parent is not None:
            pid = self.message_id(parent)
            refs = []
            p = parent
            while p >= 0 and len(refs) < 20:
                refs.append(self.message_id(p))
                p = self.acct.parent[p]
            hdr.append('In-Reply-To: %s' % pid)
            hdr.append('References: %s' % ' '.join(reversed(refs)))
        text = '\r\n'.join(hdr) + '\r\n\r\n' + body.replace('\r\n', '\n').replace('\n', '\r\n')
        if not text.endswith('\r\n'):
            text += '\r\n'
        return text.encode('utf-8')

    def describe(self, i):
        acct = self.acct
        return {'msgid': acct.msgid(i), 'thrid': acct.thrid(i), 'flags': self.flag_names(i),
                'labels': sorted(self.labels(i)), 'subject': self.subject(i),
                'message_id': self.message_id(i), 'modseq': self.modseq[i],
                'internaldate': acct.date[i],
                'folders': {f.name: f.uid_of(i) for f in self.membership(acct.lset[i], acct.flags[i])}}

    def describe_folder(self, f, with_messages=True):
        d = {'name': f.name, 'uidvalidity': f.uidvalidity, 'uidnext': f.uidnext,
             'highestmodseq': f.hms, 'exists': len(f), 'special_use': f.special,
             'selectable': f.selectable, 'subscribed': f.subscribed}
        if with_messages:
            msgid = self.acct.msgid
            d['messages'] = [[u, msgid(m)] for u, m in zip(f.uids, f.msgs)]
        return d

    def dump(self, folder=None):
        if folder is not None:
            f = self.folders.get(folder)
            if f is None:
                return None
            return {'folders': [self.describe_folder(f)],
                    'messages': [self.describe(i) for i in f.msgs]}
        return {'folders': [self.describe_folder(f) for f in self.folders.values()],
                'messages': [self.describe(i) for i in range(len(self.acct.date)) if self.exists(i)],
                'modseq': self.modseq_counter}
