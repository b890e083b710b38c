"""IMAP wire helpers: command tokenizer, response quoting, modified UTF-7,
sequence sets and date formats.

Tokens produced by :func:`tokenize`:

* ``str``   -- an atom (ASCII; may contain a ``[...]`` section, e.g. ``BODY[1.MIME]<0.10>``)
* ``bytes`` -- a quoted string or a literal (contents, unescaped)
* ``list``  -- a parenthesised list of tokens

``NIL`` stays the atom ``"NIL"``; callers decide what it means.
"""

import base64
import bisect
import calendar
import re
import time

MAX_DEPTH = 64


class ParseError(Exception):
    """Malformed command: the session answers BAD and carries on."""


# ----------------------------------------------------------------------------
# tokenizer

_ATOM_STOP = set(b' ()"{\r\n')
_LIT_RE = re.compile(rb'\{(\d{1,20})(\+?)\}\r?\n')


def tokenize(buf, pos=0):
    """Tokenize *buf* (a full command, literals inline, no final CRLF)
    starting at *pos*.  Returns the token list; raises ParseError."""
    toks, pos = _tokens(buf, pos, 0)
    if pos != len(buf):
        raise ParseError('unbalanced parenthesis')
    return toks


def _tokens(buf, pos, depth):
    if depth > MAX_DEPTH:
        raise ParseError('nesting too deep')
    out = []
    n = len(buf)
    while pos < n:
        c = buf[pos]
        if c == 0x20:
            pos += 1
            continue
        if c == 0x28:  # (
            sub, pos = _tokens(buf, pos + 1, depth + 1)
            if pos >= n or buf[pos] != 0x29:
                raise ParseError('missing )')
            out.append(sub)
            pos += 1
        elif c == 0x29:  # )
            if depth == 0:
                raise ParseError('unexpected )')
            return out, pos
        elif c == 0x22:  # "
            pos += 1
            s = bytearray()
            while True:
                if pos >= n:
                    raise ParseError('unterminated quoted string')
                c = buf[pos]
                if c == 0x5c:
                    if pos + 1 >= n:
                        raise ParseError('bad escape')
                    s.append(buf[pos + 1])
                    pos += 2
                elif c == 0x22:
                    pos += 1
                    break
                elif c in (0x0d, 0x0a):
                    raise ParseError('CR/LF in quoted string')
                else:
                    s.append(c)
                    pos += 1
            out.append(bytes(s))
        elif c == 0x7b or (c == 0x7e and pos + 1 < n and buf[pos + 1] == 0x7b):  # { or ~{
            m = _LIT_RE.match(buf, pos + (1 if c == 0x7e else 0))
            if not m:
                raise ParseError('bad literal')
            size = int(m.group(1))
            start = m.end()
            if start + size > n:
                raise ParseError('short literal')
            out.append(bytes(buf[start:start + size]))
            pos = start + size
        else:
            start = pos
            while pos < n:
                c = buf[pos]
                if c == 0x5b:  # [ ... ] is part of the atom (BODY[HEADER.FIELDS (A B)])
                    end = buf.find(b']', pos)
                    if end < 0:
                        raise ParseError('missing ]')
                    pos = end + 1
                    continue
                if c in _ATOM_STOP or c < 0x20 or c >= 0x7f:
                    break
                pos += 1
            if pos == start:
                raise ParseError('unexpected character')
            try:
                out.append(bytes(buf[start:pos]).decode('ascii'))
            except UnicodeDecodeError:
                raise ParseError('8-bit character in atom') from None
    if depth:
        raise ParseError('missing )')
    return out, pos


def astr(tok):
    """An astring/nstring token as bytes; raises ParseError for lists."""
    if isinstance(tok, bytes):
        return tok
    if isinstance(tok, str):
        return tok.encode('ascii')
    raise ParseError('expected a string')


def atom(tok):
    if isinstance(tok, str):
        return tok
    raise ParseError('expected an atom')


def number(tok):
    if isinstance(tok, str) and tok.isdigit() and len(tok) < 21:
        return int(tok)
    raise ParseError('expected a number')


# ----------------------------------------------------------------------------
# response encoding

_ATOM_SAFE = re.compile(rb'^[!#$&\'+,\-./0-9:;<=>?@A-Z^_`a-z|}~]+$')
_QUOTABLE = re.compile(rb'^[\x01-\x09\x0b\x0c\x0e-\x7f]*$')


_QUOTABLE8 = re.compile(rb'^[^\x00\r\n]*$')


def quote(s, maxq=4096, allow8=False):
    """An IMAP string: quoted if possible, else a literal.  *allow8* permits
    UTF-8 inside quotes (RFC 6855, after ENABLE UTF8=ACCEPT)."""
    if isinstance(s, str):
        s = s.encode('utf-8')
    if len(s) <= maxq and (_QUOTABLE.match(s) or (allow8 and _QUOTABLE8.match(s))):
        return b'"' + s.replace(b'\\', b'\\\\').replace(b'"', b'\\"') + b'"'
    return b'{%d}\r\n' % len(s) + s


def nstring(s):
    return b'NIL' if s is None else quote(s)


def astring(s, allow8=False):
    """Atom if the value is a safe atom (and not NIL), else quoted/literal."""
    if isinstance(s, str):
        s = s.encode('utf-8')
    if _ATOM_SAFE.match(s) and s.upper() != b'NIL':
        return s
    return quote(s, allow8=allow8)


def literal(data):
    return b'{%d}\r\n' % len(data) + data


# ----------------------------------------------------------------------------
# modified UTF-7 (RFC 3501 5.1.3)

def mutf7_encode(s):
    out = []
    buf = []

    def flush():
        if buf:
            b = ''.join(buf).encode('utf-16-be')
            out.append('&' + base64.b64encode(b).decode('ascii').rstrip('=').replace('/', ',') + '-')
            buf.clear()

    for ch in s:
        o = ord(ch)
        if 0x20 <= o <= 0x7e:
            flush()
            out.append('&-' if ch == '&' else ch)
        else:
            buf.append(ch)
    flush()
    return ''.join(out)


def mutf7_decode(s):
    """Decode modified UTF-7; raises ValueError on malformed input."""
    out = []
    i = 0
    n = len(s)
    while i < n:
        ch = s[i]
        if ch != '&':
            if not (0x20 <= ord(ch) <= 0x7e):
                raise ValueError('8-bit in mUTF-7')
            out.append(ch)
            i += 1
            continue
        j = s.find('-', i)
        if j < 0:
            raise ValueError('unterminated &')
        if j == i + 1:
            out.append('&')
        else:
            b64 = s[i + 1:j].replace(',', '/')
            b64 += '=' * (-len(b64) % 4)
            raw = base64.b64decode(b64, validate=True)
            out.append(raw.decode('utf-16-be'))
        i = j + 1
    return ''.join(out)


def decode_mailbox(b):
    """Wire mailbox name (bytes) -> unicode.  8-bit means UTF-8 (RFC 6855),
    otherwise modified UTF-7; an invalid mUTF-7 name is taken literally."""
    try:
        s = b.decode('utf-8')
    except UnicodeDecodeError:
        s = b.decode('latin-1')
    if all(ord(c) < 0x80 for c in s) and '&' in s:
        try:
            s = mutf7_decode(s)
        except (ValueError, UnicodeDecodeError):
            pass
    if s.upper() == 'INBOX':
        s = 'INBOX'
    return s


def encode_mailbox(name, utf8=False):
    """Unicode mailbox name -> wire bytes (quoted)."""
    if utf8:
        return quote(name.encode('utf-8'), allow8=True)
    return quote(mutf7_encode(name).encode('ascii'))


# ----------------------------------------------------------------------------
# sequence sets

def parse_seqset(s, maxval):
    """Parse 'a:b,c,*' into a sorted list of (lo, hi) ranges (inclusive).
    '*' means *maxval*.  Raises ParseError."""
    if not isinstance(s, str) or not s:
        raise ParseError('bad sequence set')
    out = []
    for part in s.split(','):
        if ':' in part:
            a, _, b = part.partition(':')
            lo, hi = _seqnum(a, maxval), _seqnum(b, maxval)
            if lo > hi:
                lo, hi = hi, lo
        else:
            lo = hi = _seqnum(part, maxval)
        out.append((lo, hi))
    out.sort()
    return out


def _seqnum(s, maxval):
    if s == '*':
        return maxval
    if not s.isdigit() or len(s) > 10:
        raise ParseError('bad sequence number')
    v = int(s)
    if v == 0 or v > 0xFFFFFFFF:
        raise ParseError('bad sequence number')
    return v


def is_seqset(s):
    return isinstance(s, str) and re.fullmatch(r'(\d+|\*)(:(\d+|\*))?(,(\d+|\*)(:(\d+|\*))?)*', s) is not None


def seq_positions(ranges, count):
    """0-based positions for sequence-number ranges (ascending, unique)."""
    out = []
    last = -1
    for lo, hi in ranges:
        lo = max(lo, last + 2)
        hi = min(hi, count)
        if lo <= hi:
            out.extend(range(lo - 1, hi))
            last = hi - 1
    return out


def uid_positions(ranges, uids):
    """0-based positions in the ascending array *uids* of UIDs in *ranges*."""
    out = []
    last = -1
    for lo, hi in ranges:
        a = max(bisect.bisect_left(uids, lo), last + 1)
        b = bisect.bisect_right(uids, hi)
        if a < b:
            out.extend(range(a, b))
            last = b - 1
    return out


def format_seqset(nums):
    """Compress numbers (any order) into '1:3,7' keeping the given order of
    runs (COPYUID needs source and destination sets in matching order)."""
    out = []
    start = prev = None
    for n in nums:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(str(start) if start == prev else '%d:%d' % (start, prev))
            start = prev = n
    if start is not None:
        out.append(str(start) if start == prev else '%d:%d' % (start, prev))
    return ','.join(out)


# ----------------------------------------------------------------------------
# dates

MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']


def imap_datetime(ts, tzmin=0):
    t = time.gmtime(ts + tzmin * 60)
    sign = '-' if tzmin < 0 else '+'
    a = abs(tzmin)
    return '%2d-%s-%04d %02d:%02d:%02d %s%02d%02d' % (
        t.tm_mday, MONTHS[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec,
        sign, a // 60, a % 60)


def rfc2822_date(ts, tzmin=0):
    t = time.gmtime(ts + tzmin * 60)
    sign = '-' if tzmin < 0 else '+'
    a = abs(tzmin)
    return '%s, %d %s %04d %02d:%02d:%02d %s%02d%02d' % (
        DAYS[t.tm_wday], t.tm_mday, MONTHS[t.tm_mon - 1], t.tm_year,
        t.tm_hour, t.tm_min, t.tm_sec, sign, a // 60, a % 60)


_DT_RE = re.compile(r'^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$')
_D_RE = re.compile(r'^(\d{1,2})-([A-Za-z]{3})-(\d{4})$')


def parse_imap_datetime(s):
    """'17-Jul-1996 02:44:25 -0700' -> UTC timestamp; ParseError if bad."""
    m = _DT_RE.match(s)
    if not m:
        raise ParseError('bad date-time')
    mon = _month(m.group(2))
    ts = calendar.timegm((int(m.group(3)), mon, int(m.group(1)), int(m.group(4)),
                          int(m.group(5)), int(m.group(6)), 0, 0, 0))
    off = (int(m.group(8)) * 60 + int(m.group(9))) * 60
    return ts - off if m.group(7) == '+' else ts + off


def parse_imap_date(s):
    """'1-Feb-1994' -> (y, m, d) tuple; ParseError if bad."""
    m = _D_RE.match(s)
    if not m:
        raise ParseError('bad date')
    return (int(m.group(3)), _month(m.group(2)), int(m.group(1)))


def _month(name):
    try:
        return [x.lower() for x in MONTHS].index(name.lower()) + 1
    except ValueError:
        raise ParseError('bad month') from None


def day_start(ymd):
    return calendar.timegm((ymd[0], ymd[1], ymd[2], 0, 0, 0, 0, 0, 0))
