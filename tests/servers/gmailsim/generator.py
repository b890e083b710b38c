"""Deterministic, lazy mailbox generator.

``Account(n, seed, user)`` runs one sequential pass with ``random.Random(seed)``
that fills a few compact ``array`` columns per message (date, thread parent
and root, flags, label set, "sent by me" bit).  Message *content* is produced
on demand by :meth:`Account.render` from ``(seed, index)`` alone, so the same
``n`` and ``seed`` always give byte-identical messages and a million messages
cost tens of megabytes, not gigabytes.

What the content covers: threads of 1-30 messages linked by Message-ID /
In-Reply-To / References with subjects that change inside a thread (Re:,
RE:, Fwd:, an edited subject); display names and subjects RFC 2047-encoded in
UTF-8 (B and Q), ISO-8859-1, ISO-8859-15, windows-1252, KOI8-R, ISO-2022-JP,
Shift_JIS, GB2312 and GBK; plain text, quoted-printable, format=flowed,
multipart/alternative, PDF / PNG / text attachments (RFC 2231 file names),
forwarded message/rfc822, and a few 1-5 MB attachments; replies "you" sent
(\\Sent) inside the threads.
"""

import base64
import quopri
import random
import struct
import zlib
from array import array

from .util import rfc2822_date

M64 = (1 << 64) - 1

# flag bits
SEEN, ANSWERED, FLAGGED, DELETED, DRAFT = 1, 2, 4, 8, 16
FLAG_BITS = [(SEEN, '\\Seen'), (ANSWERED, '\\Answered'), (FLAGGED, '\\Flagged'),
             (DELETED, '\\Deleted'), (DRAFT, '\\Draft')]
FLAG_BY_NAME = {name.lower(): bit for bit, name in FLAG_BITS}

# system labels (as X-GM-LABELS reports them)
INBOX, SENT, IMPORTANT, DRAFTL, SPAM, TRASH = ('\\Inbox', '\\Sent', '\\Important', '\\Draft',
                                               '\\Spam', '\\Trash')
SYSTEM_LABELS = (INBOX, SENT, IMPORTANT, DRAFTL, SPAM, TRASH)

USER_LABELS = ['Work', 'Work/Projects', 'Personal', 'Receipts', 'Travel Plans', 'Reçus',
               '日本語', 'Проекты', 'Say "Hi"', 'Back\\slash', 'Muy Importante',
               'Newsletters', 'Family & Friends', 'Work/Projects/2023']

START = 1393632000   # 2014-03-01
END = 1730419200     # 2024-11-01

# kinds of content
KIND_CYCLE = ['plain', 'alternative', 'pdf', 'forward', 'textattach', 'png', 'flowed',
              'big', 'qp', 'plain', 'alternative', 'textattach2']
KIND_WEIGHTS = [('plain', 40), ('alternative', 25), ('qp', 8), ('flowed', 6), ('pdf', 5),
                ('png', 5), ('textattach', 3), ('textattach2', 1), ('forward', 6)]
_KIND_TABLE = [k for k, w in KIND_WEIGHTS for _ in range(w)]


def mix(*vals):
    """splitmix64-style hash of integers (deterministic across runs)."""
    x = 0x9E3779B97F4A7C15
    for v in vals:
        x = ((x ^ (v & M64)) * 0xBF58476D1CE4E5B9) & M64
        x ^= x >> 31
        x = (x * 0x94D049BB133111EB) & M64
        x ^= x >> 29
    return x


# ----------------------------------------------------------------------------
# people, languages, text

# name, address, language, charset, RFC 2047 encoding, tz offset (minutes)
PEOPLE = [
    ('Alice Johnson', 'alice.johnson@example.com', 'en', 'us-ascii', None, -300),
    ('Smith, John', 'john.smith@example.org', 'en', 'us-ascii', None, -480),
    ('José García', 'jose.garcia@example.es', 'es', 'iso-8859-1', 'Q', 60),
    ('François Dupont', 'f.dupont@exemple.fr', 'fr', 'iso-8859-15', 'Q', 60),
    ('Jürgen Müller', 'juergen.mueller@beispiel.de', 'de', 'utf-8', 'Q', 60),
    ('Иван Петров', 'ivan.petrov@primer.ru', 'ru', 'koi8-r', 'B', 180),
    ('Ольга Смирнова', 'olga@primer.ru', 'ru', 'utf-8', 'B', 180),
    ('山田 太郎', 'taro.yamada@example.jp', 'ja', 'iso-2022-jp', 'B', 540),
    ('佐藤 花子', 'hanako.sato@example.jp', 'ja', 'shift_jis', 'B', 540),
    ('王小明', 'wang.xm@example.cn', 'zh', 'gb2312', 'B', 480),
    ('李娜', 'li.na@example.cn', 'zh', 'gbk', 'B', 480),
    ('Zoë Œuvray', 'zoe@example.be', 'fr', 'windows-1252', 'Q', 60),
    ('Ελένη Παπαδοπούλου', 'eleni@example.gr', 'el', 'utf-8', 'B', 120),
    ('GitHub', 'notifications@github.com', 'en', 'us-ascii', None, 0),
    ('Priya Sharma', 'priya.sharma@example.in', 'en', 'us-ascii', None, 330),
    ('Party Planner 🎉', 'party@example.net', 'en', 'utf-8', 'B', -300),
    ('Björn Ångström', 'bjorn@example.se', 'en', 'iso-8859-1', 'Q', 60),
    ('Bob O\'Neil', 'bob.oneil@example.ie', 'en', 'us-ascii', None, 0),
]

TOPICS = {
    'en': ['Quarterly report draft', 'Lunch on Friday?', 'Server migration plan',
           'Your invoice #4821', 'Conference travel arrangements', 'Weekend hiking trip',
           'Code review: parser rewrite', 'Budget for next year', 'Photos from the party',
           '[skua] Build failure on main (#123)', 'Meeting notes 3/14', 'Re-org announcement'],
    'es': ['Reunión del próximo año', 'Factura pendiente de pago', 'Vacaciones en España'],
    'fr': ['Réunion de l\'équipe', 'Café à 15h ?', 'Compte rendu de la réunion',
           'Facture n°2024-17 (œuvre)'],
    'de': ['Grüße aus München', 'Übergabe des Projekts', 'Änderungen am Vertrag'],
    'ru': ['Отчёт за квартал', 'Встреча в понедельник', 'План миграции серверов'],
    'ja': ['会議の議事録', '来週の打ち合わせについて', '請求書の送付'],
    'zh': ['项目进度报告', '明天的会议', '关于合同的问题'],
    'el': ['Συνάντηση την Τρίτη', 'Αναφορά προόδου'],
}

SENTENCES = {
    'en': ['Thanks for sending this over so quickly.', 'I had a look at the numbers and they seem fine.',
           'Could we move the meeting to Thursday afternoon?', 'Please find the details below.',
           'Let me know if you have any questions.', 'The deployment went smoothly last night.',
           'I think we should revisit the plan before committing to the timeline.',
           'Attached is the latest version of the document.', 'See you next week!',
           'The build has been failing intermittently since Tuesday.',
           'We still need a decision on the budget for the new servers.'],
    'es': ['Gracias por la información.', 'Nos vemos el próximo lunes en la oficina.',
           '¿Podrías revisar el presupuesto antes del viernes?', 'Un saludo cordial.'],
    'fr': ['Merci pour votre réponse rapide.', 'Pourriez-vous vérifier les chiffres ?',
           'La réunion est déplacée à jeudi après-midi.', 'Bien à vous, et à bientôt.',
           'Le cœur du problème reste le même.'],
    'de': ['Vielen Dank für die schnelle Rückmeldung.', 'Können wir uns nächste Woche treffen?',
           'Die Änderungen sind im Anhang.', 'Schöne Grüße aus Köln.'],
    'ru': ['Спасибо за быстрый ответ.', 'Давайте встретимся в понедельник.',
           'Отчёт во вложении.', 'С уважением.'],
    'ja': ['お世話になっております。', '資料を添付いたします。', 'ご確認のほどよろしくお願いいたします。',
           '来週の会議は木曜日に変更になりました。'],
    'zh': ['谢谢你的回复。', '附件是最新的报告。', '我们明天下午开会讨论。', '祝好。'],
    'el': ['Ευχαριστώ για την απάντηση.', 'Τα λέμε την Τρίτη.', 'Με εκτίμηση.'],
}

GREETING = {'en': 'Hi', 'es': 'Hola', 'fr': 'Bonjour', 'de': 'Hallo', 'ru': 'Привет',
            'ja': 'こんにちは', 'zh': '你好', 'el': 'Γεια σου'}


def encode_word(text, charset, enc):
    """RFC 2047 encoded-word(s) for *text* (each word <= 75 chars); plain
    ASCII text is returned unchanged."""
    if all(ord(c) < 128 for c in text) and '=?' not in text:
        return text
    if enc is None:
        try:
            text.encode('ascii')
            return text
        except UnicodeEncodeError:
            charset, enc = 'utf-8', 'B'
    try:
        text.encode(charset)
    except (UnicodeEncodeError, LookupError):
        charset = 'utf-8'
    words = []
    chunk = ''
    for ch in text:
        trial = chunk + ch
        if len(_ew(trial, charset, enc)) > 75 and chunk:
            words.append(_ew(chunk, charset, enc))
            chunk = ch
        else:
            chunk = trial
    if chunk:
        words.append(_ew(chunk, charset, enc))
    return '\r\n '.join(words)


def _ew(text, charset, enc):
    data = text.encode(charset)
    if enc == 'B':
        payload = base64.b64encode(data).decode('ascii')
    else:
        payload = ''.join(chr(b) if (0x30 <= b <= 0x39 or 0x41 <= b <= 0x5a or 0x61 <= b <= 0x7a)
                          else '_' if b == 0x20 else '=%02X' % b for b in data)
    return '=?%s?%s?%s?=' % (charset.upper() if charset != 'utf-8' else 'UTF-8', enc, payload)


def format_addr(name, addr, charset='utf-8', enc='B'):
    try:
        name.encode('ascii')
        if any(c in name for c in ',.;:"()<>@[]\\'):
            name = '"' + name.replace('\\', '\\\\').replace('"', '\\"') + '"'
        return '%s <%s>' % (name, addr)
    except UnicodeEncodeError:
        return '%s <%s>' % (encode_word(name, charset, enc), addr)


def wrap(text, width=72):
    out, line = [], ''
    for w in text.split(' '):
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
        else:
            line = (line + ' ' + w) if line else w
    if line:
        out.append(line)
    return out


def png_image(w, h, rgb):
    """A valid RGB PNG with a gradient."""
    rows = []
    r0, g0, b0 = rgb
    for y in range(h):
        row = bytearray([0])
        for x in range(w):
            row += bytes(((r0 + x * 4) & 255, (g0 + y * 4) & 255, (b0 + x + y) & 255))
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(b''.join(rows), 9)) + chunk(b'IEND', b''))


def fake_pdf(rr, size):
    filler = base64.b64encode(rr.randbytes(max(0, size * 3 // 4))).decode('ascii')
    body = ('%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n'
            '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n'
            '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n'
            '4 0 obj << /Length %d >> stream\n%s\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n'
            % (len(filler), filler))
    return body.encode('ascii')


def b64_lines(data):
    return base64.encodebytes(data).replace(b'\n', b'\r\n')


def qp(text, charset):
    return quopri.encodestring(text.encode(charset).replace(b'\r\n', b'\n')).replace(b'\n', b'\r\n')


def crlf(text):
    return text.replace('\r\n', '\n').replace('\n', '\r\n')


QP_EXTRA = '\n' + 'A rather long line with accents — café, naïve, façade — that needs soft line breaks ' * 2


def attachment_notes(i):
    return 'Résumé notes – version %d\nÄußerst wichtig: ünïcödé text.\n' % (i % 97)


# ----------------------------------------------------------------------------
# the account

class Account:
    """Compact per-message columns plus the lazy content generator."""

    def __init__(self, n, seed, user):
        self.n = n
        self.seed = seed
        self.user = user
        self.user_name = 'Skua Tester'
        self.date = array('I')
        self.parent = array('i')
        self.root = array('I')
        self.flags = array('B')
        self.lset = array('I')
        self.gen = array('B')        # bit 0: sent by the account owner
        self.labelsets = []
        self.labelset_ids = {}
        self._generate()

    def intern(self, labels):
        fs = frozenset(labels)
        i = self.labelset_ids.get(fs)
        if i is None:
            i = len(self.labelsets)
            self.labelsets.append(fs)
            self.labelset_ids[fs] = i
        return i

    def _generate(self):
        n = self.n
        rnd = random.Random(self.seed)
        r = rnd.random
        step = (END - START) / max(n, 1)
        pool = []
        date, parent, root, flags, lset, gen = (self.date, self.parent, self.root, self.flags,
                                                  self.lset, self.gen)
        nl = len(USER_LABELS)
        intern = self.intern
        cache = {}
        recent_from = int(n * 0.93)
        for i in range(n):
            date.append(START + int(i * step + r() * step * 0.5))
            forced = i < 40
            x = r()
            if forced or not pool or x < 0.42:
                par = -1
                rt = i
                y = r()
                length = (1 if y < 0.45 else 2 + int(r() * 4) if y < 0.8 else
                          6 + int(r() * 10) if y < 0.97 else 16 + int(r() * 15))
                if i in (1, 2, 4):  # early threads so tiny mailboxes still have some
                    length = 5
                me = 0 if forced else (r() < 0.05)
                if length > 1:
                    pool.append([i, i, length - 1])
                    if len(pool) > 40:
                        pool.pop(0)
            else:
                t = pool[len(pool) - 1 - int(r() * r() * len(pool))]
                rt, par = t[0], t[1]
                t[1] = i
                t[2] -= 1
                if t[2] <= 0:
                    pool.remove(t)
                me = (not gen[par] & 1) and r() < 0.35
                if me:
                    flags[par] |= ANSWERED
            parent.append(par)
            root.append(rt)
            gen.append(1 if me else 0)
            f = 0
            lab = []
            role = 'normal'
            if forced:
                role = {12: 'spam', 14: 'trash', 17: 'draft', 23: 'sent'}.get(i, 'normal')
            elif par < 0 and r() < 0.004:
                role = 'draft'
            if role == 'sent':
                gen[i] = 1
                me = True
            if role == 'draft':
                gen[i] = 1
                lab = [DRAFTL]
                f = DRAFT | SEEN
            elif me:
                lab = [SENT]
                if r() < 0.3:
                    lab.append(IMPORTANT)
                f = SEEN
            else:
                y = r()
                if role == 'spam' or (not forced and y < 0.015):
                    lab = [SPAM]
                elif role == 'trash' or (not forced and y < 0.03):
                    lab = [TRASH]
                else:
                    if r() < 0.55 or (forced and i % 2 == 0):
                        lab.append(INBOX)
                    if r() < 0.2:
                        lab.append(IMPORTANT)
                    if forced and i % 3 == 1 and i // 3 < nl:
                        lab.append(USER_LABELS[i // 3])
                    elif r() < 0.15:
                        lab.append(USER_LABELS[int(r() * r() * nl)])
                if r() < (0.45 if i >= recent_from else 0.96):
                    f |= SEEN
                if r() < 0.04 or i == 3:
                    f |= FLAGGED
            flags.append(f)
            key = tuple(lab)
            lid = cache.get(key)
            if lid is None:
                lid = cache[key] = intern(lab)
            lset.append(lid)

    # ------------------------------------------------------------------ ids
    def msgid(self, i):
        """X-GM-MSGID: time-ordered 64-bit id (> 2**60), unique per index."""
        return (self.date[i] << 30) | (i & 0x3FFFFFFF)

    def index_of_msgid(self, msgid):
        i = msgid & 0x3FFFFFFF
        if 0 <= i < len(self.date) and self.msgid(i) == msgid:
            return i
        return None

    def thrid(self, i):
        return self.msgid(self.root[i])

    def message_id_header(self, i):
        h = mix(self.seed, i, 7)
        if self.gen[i] & 1 or h % 3 == 0:
            tok = base64.b32encode(h.to_bytes(8, 'big') + mix(h).to_bytes(8, 'big')).decode('ascii')
            return '<CA%s+%s@mail.gmail.com>' % (tok[:20], tok[20:26].lower())
        domain = PEOPLE[h % len(PEOPLE)][1].split('@')[1]
        return '<%016x.%d@%s>' % (h, i, domain)

    # ------------------------------------------------------------------ meta
    def kind(self, i):
        if i < len(KIND_CYCLE):
            return KIND_CYCLE[i]
        h = mix(self.seed, i, 3)
        if h % 997 == 500:
            return 'big'
        return _KIND_TABLE[(h >> 16) % len(_KIND_TABLE)]

    def _person(self, root, k):
        return PEOPLE[mix(self.seed, root, 11, k) % len(PEOPLE)]

    def meta(self, i):
        """Cheap header-level description of generated message *i*."""
        rt = self.root[i]
        rr = random.Random(mix(self.seed, i, 5))
        p0 = self._person(rt, 0)
        others = [self._person(rt, 1), self._person(rt, 2)]
        me = (self.user_name, self.user, 'en', 'utf-8', 'B', 60)
        lang = p0[2]
        kind = self.kind(i)
        if self.gen[i] & 1:
            sender = me
            to = [p0] if p0[1] != self.user else others[:1]
            cc = [others[0]] if rr.random() < 0.2 else []
        else:
            sender = p0 if rr.random() < 0.6 or i == rt else others[rr.randrange(2)]
            to = [me]
            cc = [o for o in others if o is not sender and rr.random() < 0.25]
        topics = TOPICS[lang]
        base = topics[mix(self.seed, rt, 13) % len(topics)]
        if i == rt:
            subject = ('Fwd: ' + base) if kind == 'forward' else base
        else:
            pos = mix(self.seed, i, 17) % 100
            if kind == 'forward':
                subject = 'Fwd: ' + base
            elif pos < 8:
                subject = 'RE: ' + base
            elif pos < 14:
                subject = 'Re: %s (was: %s)' % (['Updated plan', 'New timeline', 'Next steps'][pos % 3], base)
            elif pos < 17:
                subject = 'Re: Re: ' + base
            else:
                subject = 'Re: ' + base
        return {'from': sender, 'to': to, 'cc': cc, 'subject': subject, 'lang': lang,
                'kind': kind, 'rr': rr}

    def sentences(self, i, lang, k):
        rr = random.Random(mix(self.seed, i, 19))
        pool = SENTENCES[lang]
        return [pool[rr.randrange(len(pool))] for _ in range(k)]

    def plain_text(self, i, m):
        lang = m['lang'] if not (self.gen[i] & 1) else 'en'
        who = m['to'][0][0] if m['to'] else ''
        paras = []
        for k in range(1 + mix(self.seed, i, 23) % 3):
            paras.append(' '.join(self.sentences(i * 7 + k, lang, 2 + k)))
        text = '%s %s,\n\n%s\n\n-- \n%s\n' % (GREETING[lang], who.split(' ')[0].strip('"'),
                                             '\n\n'.join(paras), m['from'][0])
        par = self.parent[i]
        if par >= 0 and par < self.n:
            pm = self.meta(par)
            q = '\n'.join('> ' + line for line in wrap(' '.join(self.sentences(par * 7, pm['lang'], 2))))
            text += '\nOn %s, %s wrote:\n%s\n' % (rfc2822_date(self.date[par]), pm['from'][0], q)
        return text

    def search_text(self, i):
        """Decoded text of the text parts of generated message *i* without
        rendering it (None when only a full parse gives the right answer)."""
        m = self.meta(i)
        kind = m['kind']
        if kind == 'forward':
            return None
        text = self.plain_text(i, m)
        if kind == 'qp':
            text += QP_EXTRA
        elif kind in ('textattach', 'textattach2'):
            text += '\n' + attachment_notes(i)
        return text

    # ------------------------------------------------------------------ render
    def render(self, i):
        m = self.meta(i)
        rr = m['rr']
        frm = m['from']
        date_ts = self.date[i] - 5 - rr.randrange(300)
        hdr = []
        if not self.gen[i] & 1:
            hdr.append('Delivered-To: %s' % self.user)
            hdr.append('Received: by 2002:a05:6a10:%x:b0:%x with SMTP id %s;\r\n        %s' % (
                mix(i) & 0xffff, mix(i, 1) & 0xfff, 'x%07x' % (mix(i, 2) & 0xfffffff),
                rfc2822_date(self.date[i])))
            hdr.append('Return-Path: <%s>' % frm[1])
        hdr.append('MIME-Version: 1.0')
        hdr.append('Date: %s' % rfc2822_date(date_ts, frm[5]))
        hdr.append('From: %s' % format_addr(frm[0], frm[1], frm[3], frm[4] or 'B'))
        if m['to']:
            hdr.append('To: %s' % ', '.join(format_addr(p[0], p[1], p[3], p[4] or 'B') for p in m['to']))
        if m['cc']:
            hdr.append('Cc: %s' % ',\r\n '.join(format_addr(p[0], p[1], p[3], p[4] or 'B') for p in m['cc']))
        if self.gen[i] & 1:
            subj = encode_word(m['subject'], 'utf-8', 'B')
        else:
            subj = encode_word(m['subject'], frm[3], frm[4] or ('Q' if frm[3] != 'utf-8' else 'B'))
        hdr.append('Subject: %s' % subj)
        hdr.append('Message-ID: %s' % self.message_id_header(i))
        par = self.parent[i]
        if par >= 0:
            chain = []
            p = par
            while p >= 0 and len(chain) < 30:
                chain.append(self.message_id_header(p))
                p = self.parent[p]
            chain.reverse()
            hdr.append('In-Reply-To: %s' % self.message_id_header(par))
            hdr.append('References: %s' % '\r\n '.join(chain))
        if frm[1].endswith('github.com'):
            hdr.append('List-Id: skua/skua <skua.skua.github.com>')
        body_hdr, body = self._body(i, m, rr)
        head = crlf('\r\n'.join(hdr)) + '\r\n'
        return head.encode('ascii') + body_hdr + b'\r\n' + body

    def _text_part(self, text, charset, style='auto'):
        """(header bytes, body bytes) for a text/plain part."""
        text = crlf(text)
        try:
            text.encode(charset)
        except (UnicodeEncodeError, LookupError):
            charset = 'utf-8'
        ascii_only = all(ord(c) < 128 for c in text)
        if ascii_only:
            return (b'Content-Type: text/plain; charset="%s"\r\n' % (
                b'us-ascii' if charset in ('us-ascii', 'utf-8') else charset.encode()), text.encode('ascii'))
        if charset in ('iso-2022-jp',):
            return (b'Content-Type: text/plain; charset="ISO-2022-JP"\r\nContent-Transfer-Encoding: 7bit\r\n',
                    text.encode(charset))
        if style == 'qp' or (style == 'auto' and charset.startswith(('iso-8859', 'windows'))):
            return (b'Content-Type: text/plain; charset="%s"\r\nContent-Transfer-Encoding: quoted-printable\r\n'
                    % charset.encode(), qp(text, charset))
        if style == '8bit' or (style == 'auto' and charset == 'koi8-r'):
            return (b'Content-Type: text/plain; charset="%s"\r\nContent-Transfer-Encoding: 8bit\r\n'
                    % charset.encode(), text.encode(charset))
        return (b'Content-Type: text/plain; charset="%s"\r\nContent-Transfer-Encoding: base64\r\n'
                % charset.encode(), b64_lines(text.encode(charset)))

    def _html(self, text):
        paras = ''.join('<p>%s</p>\n' % p.replace('&', '&amp;').replace('<', '&lt;').replace('\n', '<br>')
                        for p in text.split('\n\n'))
        html = '<html><head><meta charset="utf-8"></head><body>\n<div dir="ltr">%s</div>\n</body></html>\n' % paras
        return (b'Content-Type: text/html; charset="UTF-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n',
                qp(html, 'utf-8'))

    @staticmethod
    def _multipart(subtype, parts, boundary):
        b = boundary.encode('ascii')
        out = [b'This is a multi-part message in MIME format.\r\n'] if subtype == 'mixed' else []
        for h, body in parts:
            out.append(b'--' + b + b'\r\n' + h + b'\r\n' + body.rstrip(b'\r\n') + b'\r\n')
        out.append(b'--' + b + b'--\r\n')
        return (b'Content-Type: multipart/%s; boundary="%s"\r\n' % (subtype.encode(), b), b''.join(out))

    def _body(self, i, m, rr):
        kind = m['kind']
        text = self.plain_text(i, m)
        cs = m['from'][3] if m['from'][3] != 'us-ascii' else 'utf-8'
        bnd = '000000000000%012x' % (mix(self.seed, i, 29) & 0xffffffffffff)
        if kind == 'plain':
            return self._text_part(text, cs)
        if kind == 'qp':
            text += QP_EXTRA
            return self._text_part(text, 'utf-8', 'qp')
        if kind == 'flowed':
            lines = []
            for para in text.split('\n\n'):
                w = wrap(para.replace('\n', ' '), 66)
                lines.extend(ln + ' ' for ln in w[:-1])
                lines.append(w[-1] if w else '')
                lines.append('')
            body = crlf('\n'.join(lines)).encode('utf-8')
            return (b'Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=no\r\n'
                    b'Content-Transfer-Encoding: 8bit\r\n', body)
        alt = lambda b: self._multipart('alternative', [self._text_part(text, cs), self._html(text)], b)  # noqa: E731
        if kind == 'alternative':
            return alt(bnd)
        if kind in ('pdf', 'big'):
            size = (1_200_000 if i < len(KIND_CYCLE) else 1_000_000 + rr.randrange(4_000_000)) \
                if kind == 'big' else 3000 + rr.randrange(60000)
            name = 'report-%d.pdf' % (i % 1000)
            att = (b'Content-Type: application/pdf; name="%s"\r\nContent-Disposition: attachment; filename="%s"\r\n'
                   b'Content-Transfer-Encoding: base64\r\nContent-ID: <f_%x>\r\n'
                   % (name.encode(), name.encode(), mix(i) & 0xffffffff), b64_lines(fake_pdf(rr, size)))
            return self._multipart('mixed', [alt(bnd + 'a'), att], bnd + 'm')
        if kind == 'png':
            w, h = 8 + rr.randrange(40), 8 + rr.randrange(40)
            img = png_image(w, h, (rr.randrange(256), rr.randrange(256), rr.randrange(256)))
            att = (b'Content-Type: image/png; name="photo.png"\r\nContent-Disposition: attachment; '
                   b'filename="photo.png"\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <ii_%x>\r\n'
                   % (mix(i) & 0xffffffff), b64_lines(img))
            return self._multipart('mixed', [alt(bnd + 'a'), att], bnd + 'm')
        if kind in ('textattach', 'textattach2'):
            notes = attachment_notes(i)
            if kind == 'textattach':
                disp = b"attachment; filename*=utf-8''R%C3%A9sum%C3%A9%20notes%20%E2%80%93%20v2.txt"
            else:
                disp = (b"attachment;\r\n filename*0*=utf-8''%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE;\r\n"
                        b" filename*1*=%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.txt")
            att = (b'Content-Type: text/plain; charset="utf-8"\r\nContent-Disposition: ' + disp +
                   b'\r\nContent-Transfer-Encoding: quoted-printable\r\n', qp(notes, 'utf-8'))
            return self._multipart('mixed', [self._text_part(text, cs), att], bnd + 'm')
        if kind == 'forward':
            inner_from = self._person(i, 5)
            inner_subj = TOPICS[inner_from[2]][mix(i, 31) % len(TOPICS[inner_from[2]])]
            inner_h = crlf('From: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: <fwd.%016x@%s>\nMIME-Version: 1.0\n' % (
                format_addr(inner_from[0], inner_from[1], inner_from[3], inner_from[4] or 'B'),
                format_addr(m['from'][0], m['from'][1]), encode_word(inner_subj, inner_from[3], inner_from[4]),
                rfc2822_date(self.date[i] - 86400 * (1 + rr.randrange(30)), inner_from[5]),
                mix(self.seed, i, 37), inner_from[1].split('@')[1])).encode('ascii')
            inner_text = '%s,\n\n%s\n' % (GREETING[inner_from[2]], ' '.join(self.sentences(i * 3 + 1, inner_from[2], 3)))
            ih, ib = self._multipart('alternative', [self._text_part(inner_text, inner_from[3]),
                                                      self._html(inner_text)], bnd + 'f')
            inner = inner_h + ih + b'\r\n' + ib
            fwd_text = text + '\n---------- Forwarded message ---------\n'
            return self._multipart('mixed', [self._text_part(fwd_text, cs),
                                             (b'Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n',
                                              inner)], bnd + 'm')
        return self._text_part(text, cs)
