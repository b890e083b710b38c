"""A small byte-exact MIME parser for the IMAP server: ENVELOPE,
BODYSTRUCTURE, BODY[section] extraction and decoded text for SEARCH.

The parser keeps byte slices of the original message so that section
fetches return exactly what is stored (what IMAP requires), which is why it
does not use the stdlib ``email`` package for structure; it does use
``email.utils`` / ``email.header`` for address lists and RFC 2047 decoding.
"""

import base64
import binascii
import email.header
import email.utils
import quopri
import re

from .util import nstring, quote

MAX_NEST = 20


class Part:
    """One MIME entity.  ``header``/``body`` are byte slices of the message;
    ``children`` for multipart; ``message`` for message/rfc822."""

    __slots__ = ('raw', 'header', 'body', 'fields', 'ctype', 'csub', 'params',
                 'children', 'message')

    def __init__(self, raw, default_type=('text', 'plain'), depth=0):
        self.raw = raw
        self.header, self.body = split_header(raw)
        self.fields = parse_fields(self.header)
        ct = self.get('content-type')
        if ct:
            self.ctype, self.csub, self.params = parse_ctype(ct)
        else:
            self.ctype, self.csub = default_type
            self.params = [('charset', 'us-ascii')] if default_type[0] == 'text' else []
        self.children = []
        self.message = None
        if depth >= MAX_NEST:
            return
        if self.ctype == 'multipart':
            boundary = self.param('boundary')
            if boundary:
                dt = ('message', 'rfc822') if self.csub == 'digest' else ('text', 'plain')
                for chunk in split_multipart(self.body, boundary.encode('latin-1', 'replace')):
                    self.children.append(Part(chunk, dt, depth + 1))
        elif self.ctype == 'message' and self.csub == 'rfc822':
            self.message = Part(self.body, ('text', 'plain'), depth + 1)

    # header access -----------------------------------------------------------
    def get(self, name):
        """First header field *name* (lower-case) as unfolded str, or None."""
        for k, v in self.fields:
            if k == name:
                return v
        return None

    def param(self, name):
        for k, v in self.params:
            if k.lower() == name:
                return v
        return None

    @property
    def is_multipart(self):
        return self.ctype == 'multipart' and bool(self.children)


def split_header(raw):
    i = raw.find(b'\r\n\r\n')
    j = raw.find(b'\n\n')
    if i >= 0 and (j < 0 or i <= j):
        return raw[:i + 4], raw[i + 4:]
    if j >= 0:
        return raw[:j + 2], raw[j + 2:]
    if raw.startswith(b'\r\n'):
        return raw[:2], raw[2:]
    return raw, b''


def header_lines(header):
    """Split a header block into whole fields (continuations attached),
    each as bytes including its line ending."""
    out = []
    for line in header.splitlines(keepends=True):
        if line in (b'\r\n', b'\n'):
            continue
        if line[:1] in (b' ', b'\t') and out:
            out[-1] += line
        else:
            out.append(line)
    return out


def parse_fields(header):
    out = []
    for f in header_lines(header):
        name, sep, val = f.partition(b':')
        if not sep:
            continue
        v = re.sub(rb'\r?\n[ \t]', b' ', val).strip()
        out.append((name.strip().lower().decode('latin-1'), v.decode('latin-1')))
    return out


_TOKEN = r'[^\s()<>@,;:\\"/\[\]?=]+'
_PARAM_RE = re.compile(r';\s*(' + _TOKEN + r')\s*=\s*("(?:[^"\\]|\\.)*"|' + _TOKEN + r')')


def parse_ctype(value):
    m = re.match(r'\s*(' + _TOKEN + r')\s*/\s*(' + _TOKEN + r')', value)
    if not m:
        return 'text', 'plain', [('charset', 'us-ascii')]
    params = parse_params(value[m.end():])
    return m.group(1).lower(), m.group(2).lower(), params


def parse_params(s):
    out = []
    for m in _PARAM_RE.finditer(s):
        v = m.group(2)
        if v.startswith('"'):
            v = re.sub(r'\\(.)', r'\1', v[1:-1])
        out.append((m.group(1), v))
    return out


def split_multipart(body, boundary):
    delim = b'--' + boundary
    parts = []
    pos = 0
    start = None
    n = len(body)
    while pos <= n:
        i = body.find(delim, pos)
        if i < 0:
            break
        if i != 0 and body[i - 1:i] != b'\n':
            pos = i + 1
            continue
        after = i + len(delim)
        is_end = body[after:after + 2] == b'--'
        eol = body.find(b'\n', after)
        if start is not None:
            end = i
            if body[end - 2:end] == b'\r\n':
                end -= 2
            elif body[end - 1:end] == b'\n':
                end -= 1
            parts.append(body[start:end])
        if is_end or eol < 0:
            start = None
            break
        start = eol + 1
        pos = start
    if start is not None:  # missing close delimiter: take the rest
        parts.append(body[start:])
    return parts


# ----------------------------------------------------------------------------
# ENVELOPE / BODYSTRUCTURE

def envelope(p):
    def ns(name):
        v = p.get(name)
        return nstring(v.encode('latin-1')) if v is not None else b'NIL'

    frm = addresses(p.get('from'))
    sender = addresses(p.get('sender')) or frm
    reply_to = addresses(p.get('reply-to')) or frm
    return b'(' + b' '.join([
        ns('date'), ns('subject'), addr_list(frm), addr_list(sender), addr_list(reply_to),
        addr_list(addresses(p.get('to'))), addr_list(addresses(p.get('cc'))),
        addr_list(addresses(p.get('bcc'))), ns('in-reply-to'), ns('message-id')]) + b')'


def addresses(value):
    if not value:
        return []
    try:
        pairs = email.utils.getaddresses([value])
    except Exception:  # noqa: BLE001 - hostile headers must not crash us
        return []
    return [(n, a) for n, a in pairs if n or a]


def addr_list(addrs):
    if not addrs:
        return b'NIL'
    out = []
    for name, addr in addrs:
        mbox, _, host = addr.rpartition('@') if '@' in addr else (addr, '', '')
        out.append(b'(' + b' '.join([
            nstring(name.encode('latin-1', 'replace')) if name else b'NIL', b'NIL',
            nstring(mbox.encode('latin-1', 'replace')) if mbox else b'NIL',
            nstring(host.encode('latin-1', 'replace')) if host else b'NIL']) + b')')
    return b'(' + b''.join(out) + b')'


def _params(params):
    if not params:
        return b'NIL'
    return b'(' + b' '.join(quote(k.encode('latin-1', 'replace')) + b' ' +
                            quote(v.encode('latin-1', 'replace')) for k, v in params) + b')'


def _disposition(p):
    d = p.get('content-disposition')
    if not d:
        return b'NIL'
    m = re.match(r'\s*(' + _TOKEN + r')', d)
    if not m:
        return b'NIL'
    return b'(' + quote(m.group(1).encode('latin-1')) + b' ' + _params(parse_params(d[m.end():])) + b')'


def bodystructure(p, extended=True):
    if p.is_multipart:
        inner = b''.join(bodystructure(c, extended) for c in p.children)
        out = inner + b' ' + quote(p.csub.encode('latin-1'))
        if extended:
            params = [kv for kv in p.params]
            out += b' ' + _params(params) + b' ' + _disposition(p) + b' NIL NIL'
        return b'(' + out + b')'
    ctype = p.ctype if p.ctype != 'multipart' else 'text'
    csub = p.csub if p.ctype != 'multipart' else 'plain'
    fields = [quote(ctype.encode('latin-1')), quote(csub.encode('latin-1')), _params(p.params)]
    cid = p.get('content-id')
    desc = p.get('content-description')
    enc = (p.get('content-transfer-encoding') or '7bit').strip()
    fields += [nstring(cid.encode('latin-1')) if cid else b'NIL',
               nstring(desc.encode('latin-1')) if desc else b'NIL',
               quote(enc.encode('latin-1')), str(len(p.body)).encode()]
    if p.message is not None:
        fields += [envelope(p.message), bodystructure(p.message, extended),
                   str(count_lines(p.body)).encode()]
    elif ctype == 'text':
        fields.append(str(count_lines(p.body)).encode())
    if extended:
        fields += [b'NIL', _disposition(p), b'NIL', b'NIL']
    return b'(' + b' '.join(fields) + b')'


def count_lines(b):
    n = b.count(b'\n')
    if b and not b.endswith(b'\n'):
        n += 1
    return n


# ----------------------------------------------------------------------------
# sections

class SectionError(Exception):
    pass


def find_part(msg, nums):
    """Navigate part numbers; returns the Part (msg itself for [])."""
    part = msg
    for k, n in enumerate(nums):
        if k == 0:
            container = msg
        else:
            container = part.message if part.message is not None else part
        if container.is_multipart:
            if not 1 <= n <= len(container.children):
                raise SectionError
            part = container.children[n - 1]
        elif n == 1:
            part = container
        else:
            raise SectionError
    return part


def section_bytes(msg, nums, kind, fields):
    """Bytes of BODY[nums.kind (fields)].  kind in '', HEADER, HEADER.FIELDS,
    HEADER.FIELDS.NOT, TEXT, MIME.  Missing parts give b''."""
    try:
        part = find_part(msg, nums)
    except SectionError:
        return b''
    if kind == '':
        return part.raw if not nums else part.body
    if kind == 'MIME':
        return part.header if nums else b''
    target = part if not nums else part.message
    if target is None:
        # HEADER/TEXT of a non-message part: nothing (RFC 3501 only defines
        # these for message/rfc822 parts).
        return b''
    if kind == 'TEXT':
        return target.body
    if kind == 'HEADER':
        return target.header
    want = {f.lower() for f in fields}
    keep = []
    for line in header_lines(target.header):
        name = line.split(b':', 1)[0].strip().lower().decode('latin-1')
        if (name in want) == (kind == 'HEADER.FIELDS'):
            keep.append(line)
    return b''.join(keep) + b'\r\n'


# ----------------------------------------------------------------------------
# decoding for SEARCH

def decode_words(value):
    """RFC 2047-decode a header value to str (never raises)."""
    if not value:
        return ''
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:  # noqa: BLE001
        return value


def decode_body(part):
    enc = (part.get('content-transfer-encoding') or '').strip().lower()
    data = part.body
    try:
        if enc == 'base64':
            data = base64.b64decode(re.sub(rb'[^A-Za-z0-9+/=]', b'', data) + b'===')
        elif enc == 'quoted-printable':
            data = quopri.decodestring(data)
    except (ValueError, binascii.Error):
        pass
    return data


def to_text(data, charset):
    try:
        return data.decode(charset or 'us-ascii', 'replace')
    except LookupError:
        return data.decode('latin-1')


def body_text(p, depth=0):
    """Concatenated decoded text of all text/* leaves (and nested messages)."""
    if depth > MAX_NEST:
        return ''
    if p.is_multipart:
        return '\n'.join(body_text(c, depth + 1) for c in p.children)
    if p.message is not None:
        return header_text(p.message) + '\n' + body_text(p.message, depth + 1)
    if p.ctype == 'text':
        return to_text(decode_body(p), p.param('charset'))
    return ''


def header_text(p):
    return '\n'.join('%s: %s' % (k, decode_words(v)) for k, v in p.fields)


def has_attachment(p, depth=0):
    if depth > MAX_NEST:
        return False
    if p.is_multipart:
        return any(has_attachment(c, depth + 1) for c in p.children)
    d = (p.get('content-disposition') or '').lower()
    if d.startswith('attachment') or 'filename' in d or p.param('name'):
        return True
    return p.message is not None
