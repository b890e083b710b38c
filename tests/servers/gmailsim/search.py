"""SEARCH keys (RFC 3501, CONDSTORE MODSEQ, Gmail X-GM-*) and X-GM-RAW.

:func:`compile_search` turns the token list of a SEARCH command into a
predicate ``pred(pos, i) -> bool`` where *pos* is the 0-based sequence
position in the session's view and *i* the store's message index.

Header keys on generated messages use the generator's metadata instead of
rendering each message, so FROM/TO/SUBJECT over a million messages takes
seconds; flag, label, X-GM-MSGID and X-GM-THRID keys only touch arrays.

X-GM-RAW supports: ``from: to: cc: bcc: subject: label: in: is: has:
filename: rfc822msgid: list: larger: smaller: after: before: older: newer:
older_than: newer_than:``, bare words and "quoted phrases" (subject, from,
to and body), ``-term`` / ``NOT term``, ``OR``, ``( )`` groups and ``{ }``
any-of groups.  Matching is case-insensitive substring matching on the
decoded text (Gmail matches whole words; the difference rarely matters for
tests).
"""

import re
import time

from . import mime
from .generator import ANSWERED, DELETED, DRAFT, DRAFTL, FLAGGED, IMPORTANT, INBOX, SEEN, SENT, SPAM, TRASH
from .util import (ParseError, astr, day_start, is_seqset, parse_imap_date, parse_seqset,
                   seq_positions, uid_positions)

_WS = re.compile(r'\s+')


def norm(s):
    return _WS.sub(' ', s).strip().lower()


class SearchContext:
    """What predicates need: the store and the session's view."""

    def __init__(self, store, uids, msgs, folder):
        self.store = store
        self.acct = store.acct
        self.uids = uids
        self.msgs = msgs
        self.folder = folder
        self._hdr = {}

    # cached per-message text ------------------------------------------------
    def header(self, i, name):
        """Decoded header text (lower-cased, whitespace-normalised)."""
        acct = self.acct
        if i < acct.n and i not in self.store.runtime_raw and name in ('from', 'to', 'cc', 'subject', 'bcc'):
            m = acct.meta(i)
            if name == 'subject':
                return norm(m['subject'])
            if name == 'bcc':
                return ''
            people = [m['from']] if name == 'from' else m[name]
            return norm(', '.join('%s <%s>' % (p[0], p[1]) for p in people))
        p = self.store.part(i)
        vals = [v for k, v in p.fields if k == name]
        return norm(' '.join(mime.decode_words(v) for v in vals))

    def body(self, i):
        acct = self.acct
        if i < acct.n and i not in self.store.runtime_raw:
            t = acct.search_text(i)
            if t is not None:
                return norm(t)
        return norm(mime.body_text(self.store.part(i)))

    def text(self, i):
        return ' '.join([self.header(i, 'subject'), self.header(i, 'from'), self.header(i, 'to'),
                         self.header(i, 'cc'), self.body(i)])


def _s(tok, charset):
    b = astr(tok)
    return norm(b.decode(charset or 'utf-8', 'replace'))


def compile_search(toks, ctx, charset=None):
    """Compile SEARCH keys (all ANDed); returns (pred, uses_modseq)."""
    state = {'modseq': False}
    preds = []
    pos = 0
    while pos < len(toks):
        p, pos = _key(toks, pos, ctx, charset, state)
        preds.append(p)
    if not preds:
        raise ParseError('missing search key')
    return _and(preds), state['modseq']


def _and(preds):
    if len(preds) == 1:
        return preds[0]
    return lambda pos, i: all(p(pos, i) for p in preds)


def _key(toks, pos, ctx, cs, state):
    if pos >= len(toks):
        raise ParseError('missing search key')
    tok = toks[pos]
    pos += 1
    if isinstance(tok, list):
        preds = []
        k = 0
        while k < len(tok):
            p, k = _key(tok, k, ctx, cs, state)
            preds.append(p)
        if not preds:
            raise ParseError('empty search group')
        return _and(preds), pos
    if isinstance(tok, bytes):
        raise ParseError('unexpected string in search')
    key = tok.upper()
    acct = ctx.acct
    flags = acct.flags
    store = ctx.store

    def arg():
        nonlocal pos
        if pos >= len(toks):
            raise ParseError('missing search argument')
        pos += 1
        return toks[pos - 1]

    simple_flags = {'ANSWERED': (ANSWERED, True), 'UNANSWERED': (ANSWERED, False),
                    'DELETED': (DELETED, True), 'UNDELETED': (DELETED, False),
                    'DRAFT': (DRAFT, True), 'UNDRAFT': (DRAFT, False),
                    'FLAGGED': (FLAGGED, True), 'UNFLAGGED': (FLAGGED, False),
                    'SEEN': (SEEN, True), 'UNSEEN': (SEEN, False)}
    if key in simple_flags:
        bit, want = simple_flags[key]
        if want:
            return (lambda p, i: bool(flags[i] & bit)), pos
        return (lambda p, i: not flags[i] & bit), pos
    if key in ('ALL', 'OLD'):
        return (lambda p, i: True), pos
    if key in ('NEW', 'RECENT'):
        return (lambda p, i: False), pos
    if key == 'NOT':
        sub, pos = _key(toks, pos, ctx, cs, state)
        return (lambda p, i: not sub(p, i)), pos
    if key == 'OR':
        a, pos = _key(toks, pos, ctx, cs, state)
        b, pos = _key(toks, pos, ctx, cs, state)
        return (lambda p, i: a(p, i) or b(p, i)), pos
    if key in ('KEYWORD', 'UNKEYWORD'):
        kw = astr(arg()).decode('latin-1')
        bit = {'\\seen': SEEN, '\\answered': ANSWERED, '\\flagged': FLAGGED, '\\deleted': DELETED,
               '\\draft': DRAFT}.get(kw.lower())
        if bit:
            f = lambda p, i: bool(flags[i] & bit)  # noqa: E731
        else:
            f = lambda p, i: kw in store.keywords.get(i, ())  # noqa: E731
        if key == 'KEYWORD':
            return f, pos
        return (lambda p, i: not f(p, i)), pos
    if key in ('FROM', 'TO', 'CC', 'BCC', 'SUBJECT'):
        needle = _s(arg(), cs)
        name = key.lower()
        return (lambda p, i: needle in ctx.header(i, name)), pos
    if key == 'HEADER':
        name = astr(arg()).decode('latin-1').lower()
        needle = _s(arg(), cs)
        if name in ('from', 'to', 'cc', 'subject'):
            return (lambda p, i: needle in ctx.header(i, name)), pos
        return (lambda p, i: _hdr_match(ctx, i, name, needle)), pos
    if key == 'BODY':
        needle = _s(arg(), cs)
        return (lambda p, i: needle in ctx.body(i)), pos
    if key == 'TEXT':
        needle = _s(arg(), cs)
        return (lambda p, i: needle in ctx.text(i)), pos
    if key in ('BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE'):
        d = day_start(parse_imap_date(astr(arg()).decode('ascii', 'replace')))
        date = acct.date
        op = key.replace('SENT', '')
        if op == 'BEFORE':
            return (lambda p, i: date[i] < d), pos
        if op == 'SINCE':
            return (lambda p, i: date[i] >= d), pos
        return (lambda p, i: d <= date[i] < d + 86400), pos
    if key in ('LARGER', 'SMALLER'):
        n = _num(arg())
        if key == 'LARGER':
            return (lambda p, i: store.size(i) > n), pos
        return (lambda p, i: store.size(i) < n), pos
    if key == 'UID':
        s = arg()
        uids = ctx.uids
        ranges = parse_seqset(s, uids[-1] if uids else 0) if isinstance(s, str) else None
        if ranges is None:
            raise ParseError('bad UID set')
        wanted = set(uid_positions(ranges, uids))
        return (lambda p, i: p in wanted), pos
    if key == 'MODSEQ':
        state['modseq'] = True
        a = arg()
        if isinstance(a, bytes):   # entry name + type
            arg()
            a = arg()
        n = _num(a)
        ms = store.modseq
        return (lambda p, i: ms[i] >= n), pos
    if key == 'X-GM-MSGID':
        n = _num(arg())
        return (lambda p, i: acct.msgid(i) == n), pos
    if key == 'X-GM-THRID':
        n = _num(arg())
        r = acct.index_of_msgid(n)
        root = acct.root
        if r is None or root[r] != r:
            return (lambda p, i: False), pos
        return (lambda p, i: root[i] == r), pos
    if key == 'X-GM-LABELS':
        from .util import decode_mailbox
        name = store.resolve_label(decode_mailbox(astr(arg())))
        if name == '\\Starred':
            return (lambda p, i: bool(flags[i] & FLAGGED)), pos
        ids = {k for k, s in enumerate(acct.labelsets) if name in s}
        lset = acct.lset
        return (lambda p, i: lset[i] in ids), pos
    if key == 'X-GM-RAW':
        q = astr(arg()).decode('utf-8', 'replace')
        return compile_raw(q, ctx), pos
    if is_seqset(tok):
        ranges = parse_seqset(tok, len(ctx.uids))
        wanted = set(seq_positions(ranges, len(ctx.uids)))
        return (lambda p, i: p in wanted), pos
    raise ParseError('unknown search key ' + tok[:40])


def _num(tok):
    if isinstance(tok, str) and tok.isdigit() and len(tok) < 21:
        return int(tok)
    raise ParseError('expected a number')


def _hdr_match(ctx, i, name, needle):
    p = ctx.store.part(i)
    vals = [v for k, v in p.fields if k == name]
    if not vals:
        return False
    return needle == '' or any(needle in norm(mime.decode_words(v)) for v in vals)


# ----------------------------------------------------------------------------
# X-GM-RAW

_RAW_TOKEN = re.compile(r'\s*(?:(\()|(\))|(\{)|(\})|(-?[A-Za-z_0-9]+:"[^"]*")|(-?"[^"]*")|(-?[^\s(){}"]+))')


def _raw_tokens(q):
    out = []
    pos = 0
    q = q.strip()
    while pos < len(q):
        m = _RAW_TOKEN.match(q, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        for g in range(1, 8):
            if m.group(g) is not None:
                out.append(m.group(g))
                break
    return out


def _label_norm(s):
    return re.sub(r'[\s/_]+', '-', s.strip().lower())


def compile_raw(q, ctx):
    toks = _raw_tokens(q)
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def parse_or():
        left = parse_and()
        while peek() is not None and peek() == 'OR':
            pos[0] += 1
            right = parse_and()
            left = (lambda a, b: lambda p, i: a(p, i) or b(p, i))(left, right)
        return left

    def parse_and():
        preds = []
        while True:
            t = peek()
            if t is None or t in (')', '}', 'OR'):
                break
            preds.append(parse_unary())
        if not preds:
            return lambda p, i: True
        return _and(preds)

    def parse_unary():
        t = toks[pos[0]]
        pos[0] += 1
        if t == 'NOT' or t == '-':
            sub = parse_unary() if peek() is not None else (lambda p, i: True)
            return lambda p, i: not sub(p, i)
        if t == '(':
            sub = parse_or()
            if peek() == ')':
                pos[0] += 1
            return sub
        if t == '{':
            subs = []
            while peek() is not None and peek() != '}':
                subs.append(parse_unary())
            if peek() == '}':
                pos[0] += 1
            return lambda p, i: any(s(p, i) for s in subs)
        if t in (')', '}'):
            return lambda p, i: True
        neg = False
        if t.startswith('-') and len(t) > 1:
            neg, t = True, t[1:]
        pred = _raw_term(t, ctx)
        if neg:
            return lambda p, i: not pred(p, i)
        return pred

    pred = parse_or()
    return pred


def _raw_date(v):
    m = re.match(r'^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$', v)
    if not m:
        raise ParseError('bad X-GM-RAW date')
    return day_start((int(m.group(1)), int(m.group(2)), int(m.group(3))))


def _raw_size(v):
    m = re.match(r'^(\d+)([kKmM]?)[bB]?$', v)
    if not m:
        raise ParseError('bad X-GM-RAW size')
    return int(m.group(1)) * {'': 1, 'k': 1024, 'm': 1 << 20}[m.group(2).lower()]


def _raw_term(t, ctx):
    store, acct = ctx.store, ctx.acct
    flags, lset, labelsets = acct.flags, acct.lset, acct.labelsets
    key, sep, val = t.partition(':')
    if not sep or not val or not re.match(r'^[A-Za-z_0-9]+$', key):
        word = norm(t.strip('"'))
        return lambda p, i: word in ctx.text(i)
    key = key.lower()
    val = val.strip('"')
    v = val.lower()

    def has_label(name):
        ids = {k for k, s in enumerate(labelsets) if name in s}
        return lambda p, i: lset[i] in ids

    if key in ('from', 'to', 'cc', 'bcc', 'subject'):
        needle = norm(val)
        if needle == 'me':
            needle = ctx.store.user.lower()
        return lambda p, i: needle in ctx.header(i, key)
    if key == 'label':
        special = {'inbox': INBOX, 'important': IMPORTANT, 'sent': SENT, 'draft': DRAFTL,
                   'drafts': DRAFTL, 'spam': SPAM, 'trash': TRASH}
        if v in special:
            return has_label(special[v])
        if v == 'starred':
            return lambda p, i: bool(flags[i] & FLAGGED)
        want = _label_norm(val)
        ids = {k for k, s in enumerate(labelsets)
               if any(_label_norm(x) == want for x in s if not x.startswith('\\'))}
        return lambda p, i: lset[i] in ids
    if key in ('in', 'is'):
        if v in ('inbox',):
            return has_label(INBOX)
        if v in ('anywhere', 'all'):
            return lambda p, i: True
        if v in ('trash', 'spam', 'sent', 'draft', 'drafts', 'important'):
            return has_label({'trash': TRASH, 'spam': SPAM, 'sent': SENT, 'draft': DRAFTL,
                              'drafts': DRAFTL, 'important': IMPORTANT}[v])
        if v == 'unread':
            return lambda p, i: not flags[i] & SEEN
        if v == 'read':
            return lambda p, i: bool(flags[i] & SEEN)
        if v in ('starred', 'flagged'):
            return lambda p, i: bool(flags[i] & FLAGGED)
        if v == 'unstarred':
            return lambda p, i: not flags[i] & FLAGGED
        if v == 'answered':
            return lambda p, i: bool(flags[i] & ANSWERED)
        if key == 'in':   # in:<label>
            want = _label_norm(val)
            ids = {k for k, s in enumerate(labelsets) if any(_label_norm(x) == want for x in s)}
            return lambda p, i: lset[i] in ids
        return lambda p, i: False
    if key == 'has':
        if v == 'attachment':
            def att(p, i):
                if i < acct.n and i not in store.runtime_raw:
                    return acct.kind(i) in ('pdf', 'png', 'big', 'textattach', 'textattach2', 'forward')
                return mime.has_attachment(store.part(i))
            return att
        if v in ('userlabels', 'nouserlabels'):
            want = v == 'userlabels'
            ids = {k for k, s in enumerate(labelsets) if any(not x.startswith('\\') for x in s)}
            return lambda p, i: (lset[i] in ids) == want
        if v in ('yellow-star', 'star'):
            return lambda p, i: bool(flags[i] & FLAGGED)
        return lambda p, i: False
    if key == 'filename':
        needle = v
        return lambda p, i: needle in norm(store.raw(i).decode('latin-1', 'replace')) and \
            mime.has_attachment(store.part(i))
    if key == 'rfc822msgid':
        needle = v.strip('<>')
        return lambda p, i: needle in store.message_id(i).lower()
    if key == 'list':
        return lambda p, i: v in (store.part(i).get('list-id') or '').lower()
    if key in ('larger', 'size'):
        n = _raw_size(val)
        return lambda p, i: store.size(i) > n
    if key == 'smaller':
        n = _raw_size(val)
        return lambda p, i: store.size(i) < n
    if key in ('after', 'newer', 'since'):
        d = _raw_date(val)
        return lambda p, i: acct.date[i] >= d
    if key in ('before', 'older'):
        d = _raw_date(val)
        return lambda p, i: acct.date[i] < d
    if key in ('older_than', 'newer_than'):
        m = re.match(r'^(\d+)([dmy])$', v)
        if not m:
            raise ParseError('bad X-GM-RAW period')
        secs = int(m.group(1)) * {'d': 86400, 'm': 30 * 86400, 'y': 365 * 86400}[m.group(2)]
        edge = time.time() - secs
        if key == 'older_than':
            return lambda p, i: acct.date[i] < edge
        return lambda p, i: acct.date[i] >= edge
    word = norm(t.strip('"'))
    return lambda p, i: word in ctx.text(i)
