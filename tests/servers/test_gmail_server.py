#!/usr/bin/env python3
"""Scripted session test of the Gmail-emulating IMAP server.

Starts gmail_server.py on free ports, drives it over raw sockets (see
gmail_client.py), checks results against the control hook's dump and
against the messages' own bytes, and stops it by PID.  Prints TAP lines
and finishes with "N passed, M failed"; exit status 0 only if all passed.
"""

import base64
import datetime
import email.header
import imaplib
import json
import os
import random
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gmail_client import ImapClient, Literal, ServerProcess, parse  # noqa: E402

USER, PASSWORD, TOKEN = 'skua.test@gmail.com', 'app-pass-0123', 'ya29.token-XYZ'
N_MESSAGES, SEED = 300, 7

PASSED = FAILED = 0
NUM = 0


def check(desc, cond, detail=None):
    global PASSED, FAILED, NUM
    NUM += 1
    if cond:
        PASSED += 1
        print('ok %d - %s' % (NUM, desc))
    else:
        FAILED += 1
        print('not ok %d - %s' % (NUM, desc))
        if detail is not None:
            for line in str(detail).splitlines()[:15]:
                print('#   ' + line)
    sys.stdout.flush()
    return cond


def section(fn):
    """Run a group of checks; an exception is one failed check."""
    try:
        fn()
    except Exception:  # noqa: BLE001
        check('%s raised no exception' % fn.__name__, False, traceback.format_exc())


def dec(s):
    if isinstance(s, bytes):
        s = s.decode('latin-1')
    return str(email.header.make_header(email.header.decode_header(s)))


def login(srv, **kw):
    c = srv.client(**kw)
    r = c.login(USER, PASSWORD)
    assert r.ok, r
    return c


def select(c, name):
    r = c.command('SELECT ', quote(name))
    assert r.ok, r
    return r


def quote(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def folder_dump(ctl, name):
    d = ctl.dump(name)
    return d['folders'][0], {m['msgid']: m for m in d['messages']}


# ----------------------------------------------------------------------------

def t_greeting_and_auth():
    c = SRV.client()
    check('greeting is "* OK Gimap ready"', c.greeting.startswith(b'* OK Gimap ready'), c.greeting)
    r = c.command('CAPABILITY')
    caps = r.untagged[0].decode().split()[2:]
    for cap in ('IMAP4rev1', 'X-GM-EXT-1', 'SASL-IR', 'AUTH=XOAUTH2', 'AUTH=PLAIN', 'AUTH=OAUTHBEARER',
                'LITERAL+', 'ID', 'IDLE', 'XLIST', 'NAMESPACE'):
        if cap not in caps:
            break
    check('pre-auth CAPABILITY has Gmail\'s list', all(
        x in caps for x in ('IMAP4rev1', 'X-GM-EXT-1', 'SASL-IR', 'AUTH=XOAUTH2', 'AUTH=PLAIN',
                            'AUTH=OAUTHBEARER', 'LITERAL+', 'IDLE', 'ID', 'XLIST')), caps)
    check('no QRESYNC, SORT or THREAD', not any(x.startswith(('QRESYNC', 'SORT', 'THREAD')) for x in caps))
    r = c.command('SELECT INBOX')
    check('SELECT before auth is BAD', r.status == 'BAD', r)
    r = c.login(USER, 'wrong')
    check('wrong password: NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)',
          r.status == 'NO' and r.text == '[AUTHENTICATIONFAILED] Invalid credentials (Failure)', r)
    r = c.login(USER, PASSWORD)
    caps2 = (r.codes('CAPABILITY') or [''])[0].split()
    check('LOGIN OK carries post-auth CAPABILITY', r.ok and all(
        x in caps2 for x in ('UIDPLUS', 'COMPRESS=DEFLATE', 'ENABLE', 'MOVE', 'CONDSTORE', 'ESEARCH',
                             'UTF8=ACCEPT', 'LIST-EXTENDED', 'LIST-STATUS', 'LITERAL-', 'SPECIAL-USE',
                             'APPENDLIMIT=35651584')), r)
    r = c.command('LOGIN a b')
    check('second LOGIN is rejected', r.status == 'BAD', r)
    c.close()

    plain = base64.b64encode(b'\0' + USER.encode() + b'\0' + PASSWORD.encode()).decode()
    c = SRV.client()
    r = c.command('AUTHENTICATE PLAIN ' + plain)
    check('AUTHENTICATE PLAIN with SASL-IR', r.ok, r)
    c.close()
    c = SRV.client()
    tag = c.next_tag()
    c.send('%s AUTHENTICATE PLAIN\r\n' % tag)
    cont = c.read_response()
    c.send(plain + '\r\n')
    r = c.read_until(tag)
    check('AUTHENTICATE PLAIN via "+ " continuation', cont.startswith(b'+') and r.ok, (cont, r))
    c.close()

    xo = base64.b64encode(('user=%s\x01auth=Bearer %s\x01\x01' % (USER, TOKEN)).encode()).decode()
    c = SRV.client()
    r = c.command('AUTHENTICATE XOAUTH2 ' + xo)
    check('AUTHENTICATE XOAUTH2 with a good token', r.ok, r)
    c.close()
    bad = base64.b64encode(('user=%s\x01auth=Bearer nope\x01\x01' % USER).encode()).decode()
    c = SRV.client()
    tag = c.next_tag()
    c.send('%s AUTHENTICATE XOAUTH2 %s\r\n' % (tag, bad))
    cont = c.read_response()
    err = {}
    try:
        err = json.loads(base64.b64decode(cont[2:]))
    except ValueError:
        pass
    check('XOAUTH2 bad token: continuation with base64 JSON status 401',
          cont.startswith(b'+ ') and err.get('status') == '401' and err.get('schemes') == 'Bearer'
          and err.get('scope') == 'https://mail.google.com/', cont)
    c.send('\r\n')
    r = c.read_until(tag)
    check('XOAUTH2 bad token: tagged NO [AUTHENTICATIONFAILED] after empty line',
          r.status == 'NO' and '[AUTHENTICATIONFAILED]' in r.text, r)
    c.close()
    ob = base64.b64encode(('n,a=%s,\x01host=127.0.0.1\x01port=993\x01auth=Bearer %s\x01\x01'
                           % (USER, TOKEN)).encode()).decode()
    c = SRV.client()
    tag = c.next_tag()
    c.send('%s AUTHENTICATE OAUTHBEARER\r\n' % tag)
    c.read_response()
    c.send(ob + '\r\n')
    r = c.read_until(tag)
    check('AUTHENTICATE OAUTHBEARER without initial response', r.ok, r)
    c.close()
    c = SRV.client()
    r = c.command('LOGIN ', Literal(USER), ' ', Literal(PASSWORD, plus=True))
    check('LOGIN with a synchronising literal and a LITERAL+ literal', r.ok, r)
    r = c.command('ID ("name" "skua" "version" "0.1" "contact" "dev@example.com")')
    check('ID answers ("name" "GImap" "vendor" "Google, Inc." ...)',
          r.ok and r.untagged and r.untagged[0].startswith(b'* ID ("name" "GImap" "vendor" "Google, Inc."'), r.untagged)
    r = c.command('NAMESPACE')
    check('NAMESPACE is (("" "/")) NIL NIL', r.ok and r.untagged == [b'* NAMESPACE (("" "/")) NIL NIL'], r.untagged)
    r = c.command('ENABLE CONDSTORE UTF8=ACCEPT')
    check('ENABLE CONDSTORE UTF8=ACCEPT -> * ENABLED', r.ok and r.untagged == [b'* ENABLED CONDSTORE UTF8=ACCEPT'],
          r.untagged)
    r = c.command('LIST "" "Re*"')
    check('after UTF8=ACCEPT LIST names are UTF-8', any('"Reçus"'.encode() in u for u in r.untagged), r.untagged)
    r = c.command('XYZZY')
    check('XYZZY', r.ok)
    r = c.command('LOGOUT')
    check('LOGOUT gives BYE then OK', r.ok and r.untagged[0].startswith(b'* BYE'), r)
    c.close()


def t_list():
    c = login(SRV)
    r = c.command('LIST "" "*"')
    rows = {}
    for u in r.untagged:
        p = parse(u)
        rows[p[4].decode() if isinstance(p[4], bytes) else p[4]] = p[2]
    expect = {'INBOX': None, '[Gmail]': '\\Noselect', '[Gmail]/All Mail': '\\All', '[Gmail]/Drafts': '\\Drafts',
              '[Gmail]/Important': '\\Important', '[Gmail]/Sent Mail': '\\Sent', '[Gmail]/Spam': '\\Junk',
              '[Gmail]/Starred': '\\Flagged', '[Gmail]/Trash': '\\Trash'}
    check('LIST "" "*" has Gmail\'s special folders with SPECIAL-USE attributes',
          all(n in rows and (a is None or a in rows[n]) for n, a in expect.items()), rows)
    check('[Gmail] is \\Noselect \\HasChildren', rows.get('[Gmail]') == ['\\Noselect', '\\HasChildren'], rows.get('[Gmail]'))
    check('user labels: nested Work/Projects, Reçus as Re&AOc-us, CJK, space, quote, backslash',
          all(n in rows for n in ('Work', 'Work/Projects', 'Re&AOc-us', '&ZeVnLIqe-', 'Travel Plans',
                                  'Say "Hi"', 'Back\\slash')), sorted(rows))
    check('Work has \\HasChildren, Travel Plans \\HasNoChildren',
          '\\HasChildren' in rows.get('Work', []) and '\\HasNoChildren' in rows.get('Travel Plans', []))
    raw = b'\n'.join(r.untagged)
    check('quoted-special names are escaped on the wire',
          b'"Say \\"Hi\\""' in raw and b'"Back\\\\slash"' in raw, raw[-400:])
    r = c.command('LIST "" "%"')
    names = [parse(u)[4] for u in r.untagged]
    check('LIST "" "%" gives top level only', b'[Gmail]' in names and b'Work' in names and
          not any(b'/' in n for n in names), names)
    r = c.command('LIST "" "Work/%"')
    check('LIST "" "Work/%"', [parse(u)[4] for u in r.untagged] == [b'Work/Projects'], r.untagged)
    r = c.command('LIST (SPECIAL-USE) "" "*"')
    check('LIST (SPECIAL-USE) lists the 7 special-use folders', len(r.untagged) == 7, r.untagged)
    r = c.command('LIST "" "INBOX" RETURN (STATUS (MESSAGES UIDNEXT))')
    check('LIST ... RETURN (STATUS (...))', r.ok and len(r.untagged) == 2 and r.untagged[1].startswith(b'* STATUS "INBOX" (MESSAGES'),
          r.untagged)
    r = c.command('XLIST "" "*"')
    check('XLIST (deprecated) still answers', r.ok and any(b'\\AllMail' in u for u in r.untagged))
    r = c.command('CREATE "Test/Sub"')
    r2 = c.command('LIST "" "Test*"')
    check('CREATE Test/Sub creates the parent too', r.ok and len(r2.untagged) == 2, r2.untagged)
    r = c.command('CREATE "Test"')
    check('CREATE existing -> NO [ALREADYEXISTS]', r.status == 'NO' and 'ALREADYEXISTS' in r.text, r)
    r = c.command('RENAME "Test" "Tested"')
    r2 = c.command('LIST "" "Test*"')
    check('RENAME moves children', r.ok and sorted(parse(u)[4] for u in r2.untagged) == [b'Tested', b'Tested/Sub'],
          r2.untagged)
    r = c.command('UNSUBSCRIBE "Tested/Sub"')
    r2 = c.command('LSUB "" "Tested*"')
    check('UNSUBSCRIBE hides from LSUB', r.ok and [parse(u)[4] for u in r2.untagged] == [b'Tested'], r2.untagged)
    c.command('SUBSCRIBE "Tested/Sub"')
    r = c.command('DELETE "Tested/Sub"')
    r2 = c.command('LIST "" "Tested*"')
    check('DELETE', r.ok and len(r2.untagged) == 1, r2.untagged)
    r = c.command('DELETE "[Gmail]/Spam"')
    check('DELETE of a system folder is refused', r.status == 'NO')
    r = c.command('SELECT "No Such Folder"')
    check('SELECT unknown -> NO [NONEXISTENT] Unknown Mailbox',
          r.status == 'NO' and r.text.startswith('[NONEXISTENT] Unknown Mailbox'), r)
    r = c.command('SELECT "[Gmail]"')
    check('SELECT of \\Noselect [Gmail] fails', r.status == 'NO')
    c.close()


def t_views_and_select():
    d = CTL.dump()
    msgs = {m['msgid']: m for m in d['messages']}
    folders = {f['name']: f for f in d['folders']}
    hidden = lambda m: '\\Trash' in m['labels'] or '\\Spam' in m['labels']  # noqa: E731
    rules = {
        'INBOX': lambda m: '\\Inbox' in m['labels'] and not hidden(m),
        '[Gmail]/All Mail': lambda m: not hidden(m),
        '[Gmail]/Sent Mail': lambda m: '\\Sent' in m['labels'] and not hidden(m),
        '[Gmail]/Starred': lambda m: '\\Flagged' in m['flags'] and not hidden(m),
        '[Gmail]/Important': lambda m: '\\Important' in m['labels'] and not hidden(m),
        '[Gmail]/Drafts': lambda m: '\\Draft' in m['labels'] and not hidden(m),
        '[Gmail]/Trash': lambda m: '\\Trash' in m['labels'],
        '[Gmail]/Spam': lambda m: '\\Spam' in m['labels'] and '\\Trash' not in m['labels'],
        'Work': lambda m: 'Work' in m['labels'] and not hidden(m),
        'Reçus': lambda m: 'Reçus' in m['labels'] and not hidden(m),
    }
    for name, rule in rules.items():
        want = {k for k, m in msgs.items() if rule(m)}
        got = [mid for _, mid in folders[name]['messages']]
        uids = [u for u, _ in folders[name]['messages']]
        check('view %s = messages matching its label rule (%d), UIDs ascending' % (name, len(want)),
              set(got) == want and len(got) == len(want) and uids == sorted(uids) and len(want) > 0,
              (name, len(got), len(want)))
    inbox = folders['INBOX']
    sent = {m['thrid'] for m in msgs.values() if '\\Sent' in m['labels']}
    inb = {m['thrid'] for mid, m in msgs.items() if mid in dict((v, u) for u, v in inbox['messages'])}
    check('some conversations span INBOX and Sent Mail', len(sent & inb) > 0)
    check('X-GM-MSGID are 64-bit and > 2^60', all(2 ** 60 < k < 2 ** 64 for k in msgs))
    check('thread id = msgid of the first message of the thread',
          all(m['thrid'] in msgs and msgs[m['thrid']]['thrid'] == m['thrid'] for m in msgs.values()))
    sizes = {}
    for m in msgs.values():
        sizes[m['thrid']] = sizes.get(m['thrid'], 0) + 1
    check('threads of several sizes (1 and >= 5)', 1 in sizes.values() and max(sizes.values()) >= 5, sorted(sizes.values())[-5:])
    check('realistic flag mix: read, unread, flagged, answered',
          all(any(f in m['flags'] for m in msgs.values()) for f in ('\\Seen', '\\Flagged', '\\Answered'))
          and any('\\Seen' not in m['flags'] for m in msgs.values()))
    c = login(SRV)
    r = select(c, 'INBOX')
    txt = b'\n'.join(r.untagged).decode()
    exists = int(re.search(r'\* (\d+) EXISTS', txt).group(1))
    check('SELECT INBOX: EXISTS, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ match the dump',
          exists == len(inbox['messages']) and '[UIDVALIDITY %d]' % inbox['uidvalidity'] in txt and
          '[UIDNEXT %d]' % inbox['uidnext'] in txt and '[HIGHESTMODSEQ %d]' % inbox['highestmodseq'] in txt, txt)
    check('SELECT: FLAGS, PERMANENTFLAGS, RECENT, READ-WRITE',
          '* FLAGS (' in txt and '[PERMANENTFLAGS (' in txt and '* 0 RECENT' in txt and '[READ-WRITE]' in r.text, (txt, r.text))
    r = c.command('STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)')
    st = parse(r.untagged[0])[3]
    st = dict(zip(st[::2], st[1::2]))
    unseen = sum(1 for _, mid in inbox['messages'] if '\\Seen' not in msgs[mid]['flags'])
    check('STATUS counts match the dump', int(st['MESSAGES']) == exists and int(st['UNSEEN']) == unseen and
          int(st['UIDVALIDITY']) == inbox['uidvalidity'] and int(st['HIGHESTMODSEQ']) == inbox['highestmodseq'], st)
    r = c.command('EXAMINE "[Gmail]/All Mail"')
    check('EXAMINE is READ-ONLY', r.ok and '[READ-ONLY]' in r.text, r)
    r = c.command('STORE 1 +FLAGS (\\Seen)')
    check('STORE in EXAMINEd folder -> NO', r.status == 'NO', r)
    r = c.command('UNSELECT')
    r2 = c.command('FETCH 1 FLAGS')
    check('UNSELECT returns to authenticated state', r.ok and r2.status == 'BAD')
    c.close()


def t_fetch():
    c = login(SRV)
    select(c, '[Gmail]/All Mail')
    fold, msgs = folder_dump(CTL, '[Gmail]/All Mail')
    r = c.command('FETCH 1:5 (UID FLAGS X-GM-MSGID X-GM-THRID X-GM-LABELS)')
    f = r.fetches()
    good = len(f) == 5
    for seq, d in f.items():
        uid, mid = fold['messages'][seq - 1]
        m = msgs.get(int(d['X-GM-MSGID']))
        labs = [x.decode() if isinstance(x, bytes) else x for x in d['X-GM-LABELS']]
        good &= (int(d['UID']) == uid and int(d['X-GM-MSGID']) == mid and m is not None and
                 int(d['X-GM-THRID']) == m['thrid'] and sorted(d['FLAGS']) == sorted(m['flags']))
        want = sorted(x if x.startswith('\\') else x for x in m['labels'])
        got = sorted(dec_label(x) for x in labs)
        good &= want == got
    check('FETCH UID FLAGS X-GM-MSGID X-GM-THRID X-GM-LABELS match the dump', good, f)
    r1 = c.command('FETCH 5:3 (UID)')
    r2 = c.command('FETCH 3,4,5 (UID)')
    check('reversed range 5:3 = 3,4,5', sorted(r1.fetches()) == [3, 4, 5] and r1.fetches() == r2.fetches())
    n = len(fold['messages'])
    r = c.command('FETCH * (UID)')
    check('FETCH * is the last message', list(r.fetches()) == [n] and int(r.fetches()[n]['UID']) == fold['messages'][-1][0])
    last_uid = fold['messages'][-1][0]
    r = c.command('UID FETCH %d:* (FLAGS)' % (last_uid + 1000))
    check('UID FETCH n:* with n > UIDNEXT returns the last message', list(r.fetches()) == [n], r.untagged)
    r = c.command('FETCH %d (UID)' % (n + 5))
    check('FETCH beyond EXISTS is an error', r.status in ('BAD', 'NO'))
    r = c.command('FETCH 2 ALL')
    d = r.fetches()[2]
    check('ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE', set(d) == {'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'}, d.keys())
    r = c.command('FETCH 2 FAST')
    check('FAST = FLAGS INTERNALDATE RFC822.SIZE', set(r.fetches()[2]) == {'FLAGS', 'INTERNALDATE', 'RFC822.SIZE'})
    r = c.command('FETCH 2 FULL')
    check('FULL adds BODY', set(r.fetches()[2]) == {'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'})
    # whole-message consistency for every message of All Mail
    r = c.command('FETCH 1:* (RFC822.SIZE BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] ENVELOPE BODYSTRUCTURE FLAGS)')
    f = r.fetches()
    ok_size = all(int(d['RFC822.SIZE']) == len(d['BODY[]']) for d in f.values())
    check('RFC822.SIZE = length of BODY[] (%d messages)' % len(f), ok_size and len(f) == n)
    check('BODY[HEADER] + BODY[TEXT] = BODY[]', all(d['BODY[HEADER]'] + d['BODY[TEXT]'] == d['BODY[]'] for d in f.values()))
    env_ok = True
    for d in f.values():
        m = re.search(rb'^Subject: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)', d['BODY[HEADER]'], re.M | re.I)
        subj = re.sub(rb'\r\n[ \t]', b' ', m.group(1)) if m else None
        env_ok &= d['ENVELOPE'][1] == subj
    check('ENVELOPE subject is the raw Subject header', env_ok)
    charsets = set()
    for d in f.values():
        charsets |= {x.lower() for x in re.findall(rb'=\?([^?]+)\?[BbQq]\?', d['BODY[HEADER]'])}
        charsets |= {x.lower() for x in re.findall(rb'charset="?([\w-]+)', d['BODY[]'])}
    need = {b'utf-8', b'iso-8859-1', b'iso-8859-15', b'windows-1252', b'koi8-r', b'iso-2022-jp',
            b'shift_jis', b'gb2312', b'gbk'}
    check('RFC 2047 / body charsets cover UTF-8, Latin-1/15, cp1252, KOI8-R, ISO-2022-JP, Shift_JIS, GB*',
          need <= charsets, need - charsets)
    allb = b'\n'.join(d['BODY[]'] for d in f.values())
    check('content: quoted-printable, base64, format=flowed, RFC 2231 filename*, message/rfc822, png, pdf',
          all(x in allb for x in (b'quoted-printable', b'base64', b'format=flowed', b"filename*=utf-8''",
                                  b'filename*0*=', b'message/rfc822', b'image/png', b'application/pdf',
                                  b'multipart/alternative')))
    decoded_ok = all(dec(d['ENVELOPE'][1] or b'') for d in f.values())
    check('every subject decodes', decoded_ok)
    flags_before = {s: d['FLAGS'] for s, d in f.items()}
    r = c.command('FETCH 1:* (FLAGS)')
    check('BODY.PEEK does not set \\Seen', {s: d['FLAGS'] for s, d in r.fetches().items()} == flags_before)
    # threads: In-Reply-To points at a message of the same thread
    r = c.command('FETCH 1:* (X-GM-THRID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID IN-REPLY-TO REFERENCES)])')
    f = r.fetches()
    by_mid, irt = {}, []
    for s, d in f.items():
        h = d['BODY[HEADER.FIELDS (MESSAGE-ID IN-REPLY-TO REFERENCES)]']
        mm = re.search(rb'^Message-ID: (\S+)', h, re.M | re.I)
        if mm:
            by_mid[mm.group(1)] = d['X-GM-THRID']
        ir = re.search(rb'^In-Reply-To: (\S+)', h, re.M | re.I)
        if ir:
            irt.append((ir.group(1), d['X-GM-THRID']))
    linked = [t == by_mid.get(p) for p, t in irt if p in by_mid]
    check('In-Reply-To links messages of the same X-GM-THRID (%d replies)' % len(linked), len(linked) > 20 and all(linked))
    hf = [d['BODY[HEADER.FIELDS (MESSAGE-ID IN-REPLY-TO REFERENCES)]'] for d in f.values()]
    check('HEADER.FIELDS returns only the asked fields plus blank line',
          all(h.endswith(b'\r\n\r\n') or h == b'\r\n' for h in hf) and
          all(re.match(rb'^(Message-ID|In-Reply-To|References):', ln, re.I) or ln[:1] in (b' ', b'\t')
              for h in hf for ln in h.split(b'\r\n') if ln))
    # sections of a forwarded (message/rfc822) message
    r = c.command('FETCH 1:40 (BODYSTRUCTURE)')
    fwd = [s for s, d in r.fetches().items() if "b'rfc822'" in repr(d['BODYSTRUCTURE'])]
    check('a forwarded message/rfc822 exists', bool(fwd))
    s = fwd[0]
    r = c.command('FETCH %d (BODY.PEEK[] BODY.PEEK[2] BODY.PEEK[2.HEADER] BODY.PEEK[2.TEXT] BODY.PEEK[2.1] '
                  'BODY.PEEK[2.1.MIME] BODY.PEEK[1.MIME] BODY.PEEK[2.MIME] BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT FROM)] '
                  'BODY.PEEK[]<5.20> BODY.PEEK[2]<0.10>)' % s)
    d = r.fetches()[s]
    whole = d['BODY[]']
    check('BODY[2] (message/rfc822) = BODY[2.HEADER] + BODY[2.TEXT]', d['BODY[2]'] == d['BODY[2.HEADER]'] + d['BODY[2.TEXT]']
          and d['BODY[2.HEADER]'].startswith(b'From:'), d['BODY[2.HEADER]'][:200])
    check('BODY[2.1] is the first part inside the forwarded message', d['BODY[2.1]'] and d['BODY[2.1]'] in d['BODY[2.TEXT]']
          and d['BODY[2.1.MIME]'].startswith(b'Content-Type: text/plain'), d['BODY[2.1.MIME]'])
    check('BODY[1.MIME] and BODY[2.MIME] are part headers', d['BODY[1.MIME]'].startswith(b'Content-Type: text/plain')
          and d['BODY[2.MIME]'].startswith(b'Content-Type: message/rfc822'))
    hn = d['BODY[HEADER.FIELDS.NOT (SUBJECT FROM)]']
    check('HEADER.FIELDS.NOT drops the fields', b'\nSubject:' not in b'\n' + hn and b'\nFrom:' not in b'\n' + hn
          and b'Message-ID:' in hn)
    check('partial BODY[]<5.20> and BODY[2]<0.10>', d['BODY[]<5>'] == whole[5:25] and d['BODY[2]<0>'] == d['BODY[2]'][:10])
    r = c.command('FETCH %d (RFC822.HEADER BODY.PEEK[HEADER])' % s)
    d = r.fetches()[s]
    check('RFC822.HEADER = BODY[HEADER]', d['RFC822.HEADER'] == d['BODY[HEADER]'])
    # a big message as a literal
    r = c.command('FETCH 1:* (RFC822.SIZE)')
    big = [s for s, d in r.fetches().items() if int(d['RFC822.SIZE']) > 1_000_000]
    small = [s for s, d in r.fetches().items() if int(d['RFC822.SIZE']) < 5000]
    check('a few big (>1 MB) messages among many small ones', 1 <= len(big) <= 5 and len(small) > len(r.fetches()) // 2,
          (len(big), len(small)))
    r = c.command('FETCH %d (BODY.PEEK[] RFC822.SIZE)' % big[0])
    d = r.fetches()[big[0]]
    check('big message arrives whole as a literal', len(d['BODY[]']) == int(d['RFC822.SIZE']))
    # non-PEEK sets \Seen (and announces FLAGS)
    r = c.command('SEARCH UNSEEN')
    unseen = r.search()
    s = unseen[0]
    r = c.command('FETCH %d (BODY[TEXT])' % s)
    d = r.fetches()[s]
    uid = fold['messages'][s - 1][0]
    m = CTL.lookup('[Gmail]/All Mail', uid)
    check('non-PEEK BODY[TEXT] sets \\Seen (FLAGS in the reply, dump agrees)',
          '\\Seen' in d.get('FLAGS', []) and '\\Seen' in m['flags'], (d.keys(), m['flags']))
    r = c.command('FETCH %d (RFC822)' % unseen[1])
    check('RFC822 fetch works and sets \\Seen', 'RFC822' in r.fetches()[unseen[1]] and '\\Seen' in r.fetches()[unseen[1]]['FLAGS'])
    c.close()


def dec_label(x):
    if x.startswith('\\'):
        return x
    out, i = '', 0
    while i < len(x):
        if x[i] == '&':
            j = x.index('-', i)
            if j == i + 1:
                out += '&'
            else:
                b = x[i + 1:j].replace(',', '/')
                out += base64.b64decode(b + '=' * (-len(b) % 4)).decode('utf-16-be')
            i = j + 1
        else:
            out += x[i]
            i += 1
    return out


def t_store_flags_and_condstore():
    c = login(SRV)
    r = c.command('SELECT INBOX (CONDSTORE)')
    hms0 = int(re.search(rb'HIGHESTMODSEQ (\d+)', b'\n'.join(r.untagged)).group(1))
    r = c.command('FETCH 3 (UID X-GM-MSGID MODSEQ FLAGS)')
    d = r.fetches()[3]
    mid, ms0 = int(d['X-GM-MSGID']), int(d['MODSEQ'][0])
    was_flagged = '\\Flagged' in d['FLAGS']
    if was_flagged:
        c.command('STORE 3 -FLAGS.SILENT (\\Flagged)')
    r = c.command('STORE 3 +FLAGS (\\Flagged $Work)')
    f = r.fetches().get(3, {})
    m = CTL.message(mid)
    check('STORE +FLAGS answers FETCH FLAGS (+MODSEQ) and the dump agrees',
          '\\Flagged' in f.get('FLAGS', []) and '$Work' in f.get('FLAGS', []) and 'MODSEQ' in f and
          '\\Flagged' in m['flags'] and '$Work' in m['flags'], (f, m['flags']))
    check('flagged message shows in [Gmail]/Starred', '[Gmail]/Starred' in m['folders'])
    ms1 = int(f['MODSEQ'][0])
    check('modseq grew', ms1 > ms0)
    r = c.command('STORE 3 -FLAGS.SILENT ($Work)')
    check('.SILENT sends no FETCH', r.ok and not r.fetches())
    r = c.command('STORE 3 (UNCHANGEDSINCE %d) +FLAGS (\\Answered)' % ms0)
    check('UNCHANGEDSINCE with old modseq -> [MODIFIED 3]', r.ok and r.codes('MODIFIED') == ['3'], r)
    r = c.command('FETCH 1:* (UID) (CHANGEDSINCE %d)' % hms0)
    check('FETCH (CHANGEDSINCE) returns just the changed message with MODSEQ', list(r.fetches()) == [3] and
          'MODSEQ' in r.fetches()[3], r.untagged)
    r = c.command('STATUS INBOX (HIGHESTMODSEQ)')
    hms1 = int(re.search(rb'HIGHESTMODSEQ (\d+)', r.untagged[0]).group(1))
    check('HIGHESTMODSEQ of INBOX grew', hms1 > hms0)
    r = c.command('STORE 3 FLAGS (\\Seen)')
    m = CTL.message(mid)
    check('STORE FLAGS replaces', r.fetches()[3]['FLAGS'] == ['\\Seen'] and m['flags'] == ['\\Seen'], m['flags'])
    r = c.command('UID SEARCH MODSEQ %d' % ms1)
    check('SEARCH MODSEQ', r.ok and len(r.search()) >= 1 and b'(MODSEQ' in r.untagged[0], r.untagged)
    r = c.command('STORE 3 +FLAGS (\\Deleted)')
    r2 = c.command('SEARCH DELETED')
    check('SEARCH DELETED', r2.search() == [3])
    c.command('STORE 3 -FLAGS (\\Deleted)')
    if was_flagged:
        c.command('STORE 3 +FLAGS.SILENT (\\Flagged)')
    c.close()


def t_labels_archive_copy_move():
    c = login(SRV)
    select(c, 'INBOX')
    r = c.command('FETCH 4 (UID X-GM-MSGID X-GM-LABELS)')
    d = r.fetches()[4]
    mid, uid = int(d['X-GM-MSGID']), int(d['UID'])
    r = c.command('STORE 4 +X-GM-LABELS (Re&AOc-us "Brand New" \\Important)')
    f = r.fetches().get(4, {})
    m = CTL.message(mid)
    check('+X-GM-LABELS: reply lists labels (mUTF-7) and dump has Reçus, "Brand New", \\Important',
          'Re&AOc-us' in [x if isinstance(x, str) else x.decode() for x in f.get('X-GM-LABELS', [])] and
          {'Reçus', 'Brand New', '\\Important'} <= set(m['labels']), (f, m['labels']))
    r = c.command('LIST "" "Brand New"')
    check('unknown label was created as a folder', len(r.untagged) == 1)
    r = c.command('STORE 4 -X-GM-LABELS ("Brand New")')
    check('-X-GM-LABELS removes', 'Brand New' not in CTL.message(mid)['labels'])
    # the selected user label's own label is omitted
    c2 = login(SRV)
    select(c2, 'Re&AOc-us')
    r = c2.command('UID SEARCH X-GM-MSGID %d' % mid)
    uid_in_label = r.search()[0]
    r = c2.command('UID FETCH %d (X-GM-LABELS)' % uid_in_label)
    labs = list(r.fetches().values())[0]['X-GM-LABELS']
    check('X-GM-LABELS omits the selected label folder\'s own label', 'Re&AOc-us' not in labs and '\\Inbox' in labs, labs)
    c2.close()
    r = c.command('UID STORE %d X-GM-LABELS (\\Inbox Work)' % uid)
    m = CTL.message(mid)
    check('X-GM-LABELS (replace)', sorted(m['labels']) == ['Work', '\\Inbox'], m['labels'])
    # archive
    r = c.command('STORE 4 -X-GM-LABELS (\\Inbox)')
    no_exp = not any(b'EXPUNGE' in u for u in r.untagged)
    m = CTL.message(mid)
    check('archive (-X-GM-LABELS \\Inbox): message leaves INBOX, stays in All Mail',
          'INBOX' not in m['folders'] and '[Gmail]/All Mail' in m['folders'], m['folders'])
    r = c.command('NOOP')
    check('EXPUNGE is not sent inside the STORE reply but on the next NOOP',
          no_exp and r.untagged == [b'* 4 EXPUNGE'], r.untagged)
    # COPY adds a label
    r = c.command('FETCH 5 (UID X-GM-MSGID)')
    d = r.fetches()[5]
    mid5, uid5 = int(d['X-GM-MSGID']), int(d['UID'])
    r = c.command('UID COPY %d Personal' % uid5)
    cu = r.codes('COPYUID')
    m = CTL.message(mid5)
    pf = CTL.folders()['Personal']
    check('COPY = add label; COPYUID uses the target UIDVALIDITY and new UID',
          r.ok and cu and cu[0].split() == [str(pf['uidvalidity']), str(uid5), str(m['folders']['Personal'])]
          and 'INBOX' in m['folders'], (r, cu, m['folders']))
    # MOVE out of INBOX to a label
    r = c.command('UID MOVE %d "Travel Plans"' % uid5)
    order = [u.split()[1] + (b' ' + u.split()[2] if len(u.split()) > 2 else b'') for u in r.untagged]
    m = CTL.message(mid5)
    check('MOVE: * OK [COPYUID ...] then * n EXPUNGE then OK', r.ok and len(r.untagged) == 2 and
          r.untagged[0].startswith(b'* OK [COPYUID ') and r.untagged[1] == b'* 5 EXPUNGE', r.untagged)
    check('MOVE INBOX -> label = add label, remove \\Inbox',
          'Travel Plans' in m['labels'] and '\\Inbox' not in m['labels'], (order, m['labels']))
    # MOVE to Trash
    r = c.command('FETCH 6 (UID X-GM-MSGID)')
    d = r.fetches()[6]
    mid6 = int(d['X-GM-MSGID'])
    CTL.set_labels(mid6, add=['Work'])
    r = c.command('MOVE 6 "[Gmail]/Trash"')
    m = CTL.message(mid6)
    check('MOVE to [Gmail]/Trash: message only in Trash', r.ok and list(m['folders']) == ['[Gmail]/Trash']
          and '\\Trash' in m['labels'], m)
    # restore from Trash
    c3 = login(SRV)
    select(c3, '[Gmail]/Trash')
    r = c3.command('UID SEARCH X-GM-MSGID %d' % mid6)
    r = c3.command('UID MOVE %d INBOX' % r.search()[0])
    m = CTL.message(mid6)
    check('MOVE Trash -> INBOX restores it with its labels', r.ok and 'INBOX' in m['folders'] and 'Work' in m['folders'],
          m['folders'])
    c3.close()
    # \Deleted + EXPUNGE in a label folder only removes the label
    c4 = login(SRV)
    select(c4, 'Work')
    r = c4.command('UID SEARCH X-GM-MSGID %d' % mid6)
    c4.command('UID STORE %d +FLAGS (\\Deleted)' % r.search()[0])
    r = c4.command('EXPUNGE')
    m = CTL.message(mid6)
    check('EXPUNGE in a label folder removes only that label', r.ok and any(b'EXPUNGE' in u for u in r.untagged)
          and 'Work' not in m['labels'] and 'INBOX' in m['folders'] and '\\Deleted' not in m['flags'], m)
    CTL.set_labels(mid6, add=['Work'])
    select(c4, 'Work')
    r = c4.command('UID SEARCH X-GM-MSGID %d' % mid6)
    c4.command('UID STORE %d +FLAGS.SILENT (\\Deleted)' % r.search()[0])
    r = c4.command('CLOSE')
    m = CTL.message(mid6)
    check('CLOSE silently expunges: label removed, no EXPUNGE responses', r.ok and not r.untagged and
          'Work' not in m['labels'] and 'INBOX' in m['folders'], (r.untagged, m))
    c4.close()
    r = c.command('COPY 1 "Nope"')
    check('COPY to unknown folder -> NO [TRYCREATE]', r.status == 'NO' and 'TRYCREATE' in r.text)
    c.close()


def t_search():
    c = login(SRV)
    select(c, '[Gmail]/All Mail')
    fold, msgs = folder_dump(CTL, '[Gmail]/All Mail')
    uid_mid = dict(fold['messages'])
    by_mid = {m: u for u, m in fold['messages']}
    r = c.command('UID FETCH 1:* (FLAGS X-GM-LABELS RFC822.SIZE INTERNALDATE BODYSTRUCTURE '
                  'BODY.PEEK[HEADER.FIELDS (FROM SUBJECT TO)])')
    info = {}
    for d in r.fetches().values():
        h = d['BODY[HEADER.FIELDS (FROM SUBJECT TO)]']
        fields = {}
        for k, v in re.findall(rb'^(From|Subject|To): ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)', h, re.M):
            fields[k.decode().lower()] = dec(re.sub(rb'\r\n[ \t]', b' ', v)).lower()
        info[int(d['UID'])] = dict(d, **fields)

    def uids(*cmd):
        rr = c.command('UID SEARCH ', *cmd)
        assert rr.ok, rr
        return sorted(rr.search())

    allu = sorted(info)
    check('SEARCH ALL = every UID', uids('ALL') == allu)
    check('UNSEEN / SEEN', uids('UNSEEN') == [u for u in allu if '\\Seen' not in info[u]['FLAGS']] and
          uids('SEEN') == [u for u in allu if '\\Seen' in info[u]['FLAGS']])
    check('FLAGGED / UNFLAGGED / ANSWERED', uids('FLAGGED') == [u for u in allu if '\\Flagged' in info[u]['FLAGS']] and
          uids('UNFLAGGED') == [u for u in allu if '\\Flagged' not in info[u]['FLAGS']] and
          uids('ANSWERED') == [u for u in allu if '\\Answered' in info[u]['FLAGS']] and len(uids('ANSWERED')) > 0)
    check('DRAFT', uids('DRAFT') == [u for u in allu if '\\Draft' in info[u]['FLAGS']])
    want = [u for u in allu if 'ivan' in info[u].get('from', '')]
    check('FROM ivan (%d)' % len(want), want and uids('FROM ivan') == want)
    want = [u for u in allu if 'skua tester' in info[u].get('to', '')]
    check('TO "Skua Tester"', want and uids('TO "Skua Tester"') == want)
    word = 'встреча'
    want = [u for u in allu if word in info[u].get('subject', '')]
    check('SUBJECT with CHARSET UTF-8 literal (KOI8-R/UTF-8 encoded subjects)',
          want and uids('CHARSET UTF-8 SUBJECT ', Literal(word.encode('utf-8'), plus=True)) == want, want)
    want = [u for u in allu if '会議' in info[u].get('subject', '')]
    check('SUBJECT in Japanese (ISO-2022-JP / Shift_JIS subjects)',
          want and uids('CHARSET UTF-8 SUBJECT ', Literal('会議'.encode('utf-8'))) == want, want)
    check('NOT / OR / parentheses', uids('NOT SEEN') == uids('UNSEEN') and
          uids('OR FLAGGED UNSEEN') == sorted(set(uids('FLAGGED')) | set(uids('UNSEEN'))) and
          uids('(FLAGGED SEEN)') == sorted(set(uids('FLAGGED')) & set(uids('SEEN'))))
    big = [u for u in allu if int(info[u]['RFC822.SIZE']) > 100000]
    check('LARGER / SMALLER', uids('LARGER 100000') == big and
          uids('SMALLER 2000') == [u for u in allu if int(info[u]['RFC822.SIZE']) < 2000])
    mid_uid = allu[len(allu) // 2]
    day = info[mid_uid]['INTERNALDATE'].decode().split()[0].strip()
    on = uids('ON ' + day)
    before = uids('BEFORE ' + day)
    since = uids('SINCE ' + day)
    def idate(u):
        return datetime.datetime.strptime(info[u]['INTERNALDATE'].decode().strip()[:11].strip(), '%d-%b-%Y').date()
    dday = idate(mid_uid)
    check('BEFORE / ON / SINCE agree with INTERNALDATE', on == [u for u in allu if idate(u) == dday] and
          before == [u for u in allu if idate(u) < dday] and since == [u for u in allu if idate(u) >= dday])
    some = allu[3:9]
    check('UID set and sequence set keys', uids('UID %d:%d' % (some[0], some[-1])) == some and
          uids('1:3') == allu[:3])
    rr = c.command('SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN')
    seqs = c.command('SEARCH UNSEEN').search()
    es = rr.untagged[0].decode()
    check('ESEARCH RETURN (MIN MAX COUNT ALL)', es.startswith('* ESEARCH (TAG "%s")' % rr.tag) and
          'MIN %d' % min(seqs) in es and 'MAX %d' % max(seqs) in es and 'COUNT %d' % len(seqs) in es and ' ALL ' in es, es)
    rr = c.command('UID SEARCH RETURN (COUNT) FLAGGED')
    check('UID ESEARCH COUNT', ('UID COUNT %d' % len(uids('FLAGGED'))) in rr.untagged[0].decode(), rr.untagged)
    thr = msgs[uid_mid[allu[-1]]]['thrid']
    tlist = sorted(by_mid[m['msgid']] for m in msgs.values() if m['thrid'] == thr)
    check('X-GM-THRID search = the dump\'s thread', uids('X-GM-THRID %d' % thr) == tlist)
    m0 = uid_mid[allu[5]]
    check('X-GM-MSGID search', uids('X-GM-MSGID %d' % m0) == [allu[5]])
    want = sorted(by_mid[k] for k, m in msgs.items() if 'Work' in m['labels'])
    check('X-GM-LABELS Work', want and uids('X-GM-LABELS Work') == want)
    want = sorted(by_mid[k] for k, m in msgs.items() if 'Reçus' in m['labels'])
    check('X-GM-LABELS with mUTF-7 name', want and uids('X-GM-LABELS Re&AOc-us') == want)
    inbox = sorted(by_mid[k] for k, m in msgs.items() if '\\Inbox' in m['labels'])
    check('X-GM-LABELS \\Inbox and X-GM-RAW in:inbox', uids('X-GM-LABELS \\Inbox') == inbox and
          uids('X-GM-RAW "in:inbox"') == inbox)
    check('X-GM-RAW is:unread / is:read / is:starred', uids('X-GM-RAW "is:unread"') == uids('UNSEEN') and
          uids('X-GM-RAW "is:read"') == uids('SEEN') and uids('X-GM-RAW "is:starred"') == uids('FLAGGED'))
    att = [u for u in allu if "b'attachment'" in repr(info[u]['BODYSTRUCTURE'])]
    check('X-GM-RAW has:attachment = messages with an attachment part (%d)' % len(att),
          att and uids('X-GM-RAW "has:attachment"') == att)
    check('X-GM-RAW from: and -term negation',
          uids('X-GM-RAW "from:ivan"') == uids('FROM ivan') and
          uids('X-GM-RAW "-from:ivan"') == sorted(set(allu) - set(uids('FROM ivan'))))
    check('X-GM-RAW OR and label:', uids('X-GM-RAW "label:work OR is:starred"') ==
          sorted(set(uids('X-GM-LABELS Work')) | set(uids('FLAGGED'))))
    check('X-GM-RAW label: with spaces as dashes', uids('X-GM-RAW "label:travel-plans"') == uids('X-GM-LABELS "Travel Plans"'))
    want = [u for u in allu if 'lunch on friday' in info[u].get('subject', '')]
    check('X-GM-RAW subject:"quoted phrase"', want and uids('X-GM-RAW "subject:\\"lunch on friday\\""') == want)
    check('X-GM-RAW plain words and quoted phrase', set(want) <= set(uids('X-GM-RAW "\\"Lunch on Friday\\""')))
    check('X-GM-RAW in:anywhere / in:trash in All Mail', uids('X-GM-RAW "in:anywhere"') == allu and
          uids('X-GM-RAW "in:trash"') == [])
    check('X-GM-RAW to: / in:sent', uids('X-GM-RAW "to:skua.test"') == uids('TO skua.test') and
          uids('X-GM-RAW "in:sent"') == uids('X-GM-LABELS \\Sent'))
    body_hits = uids('BODY "Vielen Dank"')
    check('BODY search finds decoded text', len(body_hits) > 0 and
          set(body_hits) <= set(uids('TEXT "vielen dank"')))
    r = c.command('UID FETCH %d (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])' % allu[7])
    mid_hdr = list(r.fetches().values())[0]['BODY[HEADER.FIELDS (MESSAGE-ID)]'].split(b': ', 1)[1].strip().decode()
    check('HEADER Message-ID search', uids('HEADER Message-ID ' + quote(mid_hdr)) == [allu[7]])
    c.command('UID STORE %d +FLAGS ($Label1)' % allu[2])
    check('KEYWORD / UNKEYWORD', uids('KEYWORD $Label1') == [allu[2]] and allu[2] not in uids('UNKEYWORD $Label1'))
    rr = c.command('SEARCH CHARSET KOI8-R ALL')
    check('unsupported charset -> NO [BADCHARSET]', rr.status == 'NO' and 'BADCHARSET' in rr.text)
    rr = c.command('SEARCH FOO BAR')
    check('unknown search key -> BAD', rr.status == 'BAD')
    c.close()


def t_append():
    c = login(SRV)
    msg = (b'From: Skua Tester <skua.test@gmail.com>\r\nTo: friend@example.com\r\nSubject: appended draft\r\n'
           b'Message-ID: <append-1@skua.test>\r\n\r\nBody line\r\n')
    r = c.command('APPEND "[Gmail]/Drafts" (\\Draft \\Seen) "14-Jul-2023 10:11:12 +0200" ', Literal(msg))
    au = r.codes('APPENDUID')
    fo = CTL.folders()['[Gmail]/Drafts']
    check('APPEND (sync literal) with flags and date -> APPENDUID', r.ok and au and
          au[0].split()[0] == str(fo['uidvalidity']), r)
    uid = int(au[0].split()[1])
    select(c, '[Gmail]/Drafts')
    r = c.command('UID FETCH %d (FLAGS INTERNALDATE BODY.PEEK[] X-GM-LABELS)' % uid)
    d = list(r.fetches().values())[0]
    check('appended message: same bytes, date, flags, \\Draft label',
          d['BODY[]'] == msg and d['INTERNALDATE'] == b'14-Jul-2023 08:11:12 +0000' and
          sorted(d['FLAGS']) == ['\\Draft', '\\Seen'] and '\\Draft' in d['X-GM-LABELS'], d)
    r = c.command('APPEND INBOX ', Literal(b'Subject: plus\r\n\r\nx\r\n', plus=True))
    check('APPEND with LITERAL+', r.ok and r.codes('APPENDUID'))
    r = c.command('APPEND "Nope" ', Literal(b'Subject: x\r\n\r\nx\r\n', plus=True))
    check('APPEND to unknown folder -> NO [TRYCREATE]', r.status == 'NO' and 'TRYCREATE' in r.text)
    c.close()


def t_idle():
    a = login(SRV)
    r = select(a, 'INBOX')
    exists = int(re.search(rb'\* (\d+) EXISTS', b'\n'.join(r.untagged)).group(1))
    tag = a.idle_start()
    t0 = time.time()
    d = CTL.deliver(subject='IDLE test', body='pushed\n')
    got = a.idle_wait(1, 3)
    check('IDLE: control deliver pushes * N EXISTS at once', got == [b'* %d EXISTS' % (exists + 1)] and
          time.time() - t0 < 2, got)
    b = login(SRV)
    select(b, 'INBOX')
    r = b.command('UID STORE %d +FLAGS (\\Flagged)' % d['uids']['INBOX'])
    got = a.idle_wait(1, 3)
    check('IDLE: STORE on another connection pushes * n FETCH (FLAGS)', len(got) == 1 and
          got[0].startswith(b'* %d FETCH (' % (exists + 1)) and b'\\Flagged' in got[0], got)
    CTL.set_flags(d['msgid'], add=['\\Seen'])
    got = a.idle_wait(1, 3)
    check('IDLE: control set_flags pushes FETCH', len(got) == 1 and b'\\Seen' in got[0], got)
    CTL.set_labels(d['msgid'], remove=['\\Inbox'])
    got = a.idle_wait(1, 3)
    check('IDLE: archive elsewhere pushes * n EXPUNGE', got == [b'* %d EXPUNGE' % (exists + 1)], got)
    r = b.command('NOOP')
    check('non-idle session gets the EXPUNGE on NOOP', b'* %d EXPUNGE' % (exists + 1) in r.untagged, r.untagged)
    r = a.idle_done(tag)
    check('DONE ends IDLE with OK', r.ok)
    # thread_of links a delivered reply into a conversation
    d2 = CTL.deliver(subject='Re: IDLE test', body='reply\n', thread_of=d['msgid'])
    m = CTL.message(d2['msgid'], raw=True)
    check('deliver thread_of: same X-GM-THRID and In-Reply-To header', d2['thrid'] == d['thrid'] and
          b'In-Reply-To: ' in m['raw'])
    a.close()
    b.close()


def t_compress_tls_imaplib():
    c = login(SRV)
    r = c.compress()
    check('COMPRESS DEFLATE OK', r.ok)
    select(c, '[Gmail]/All Mail')
    before = c.bytes_in
    r = c.command('FETCH 1:50 (BODY.PEEK[HEADER])')
    check('commands work through raw deflate both ways', r.ok and len(r.fetches()) == 50)
    plain = sum(len(d['BODY[HEADER]']) for d in r.fetches().values())
    check('compressed transfer is smaller than the data', c.bytes_in - before < plain, (c.bytes_in - before, plain))
    r = c.command('COMPRESS DEFLATE')
    check('second COMPRESS -> NO [COMPRESSIONACTIVE]', r.status == 'NO' and 'COMPRESSIONACTIVE' in r.text)
    c.close()
    if SRV.tls_port:
        t = ImapClient('127.0.0.1', SRV.tls_port, tls=True, cafile=CERT)
        r = t.login(USER, PASSWORD)
        check('TLS port: verified handshake with the generated cert and LOGIN', r.ok)
        t.close()
        m = imaplib.IMAP4_SSL('127.0.0.1', SRV.tls_port, ssl_context=ssl.create_default_context(cafile=CERT))
        m.login(USER, PASSWORD)
        typ, data = m.select('INBOX')
        typ2, d2 = m.fetch('1', '(UID X-GM-LABELS BODY.PEEK[HEADER])')
        m.logout()
        check('imaplib.IMAP4_SSL works', typ == 'OK' and typ2 == 'OK' and len(d2[0][1]) > 50, d2[:1])
    else:
        check('TLS port # SKIP no openssl', True)
    m = imaplib.IMAP4('127.0.0.1', SRV.port)
    m.login(USER, PASSWORD)
    typ, data = m.list()
    m.select('"[Gmail]/All Mail"')
    typ2, ids = m.search(None, 'X-GM-RAW', '"is:unread"')
    typ3, d3 = m.fetch('1:3', '(RFC822)')
    m.logout()
    check('imaplib.IMAP4 sanity (LIST, SELECT, SEARCH X-GM-RAW, FETCH RFC822)',
          typ == typ2 == typ3 == 'OK' and len(data) > 15 and len(d3) == 6)


def t_control_ops():
    c = login(SRV)
    select(c, 'Personal')
    c2 = login(SRV)
    CTL.set_uidvalidity('Personal', 777)
    try:
        r = c.command('NOOP')
        closed = r.status != 'OK' or any(b'BYE' in u for u in r.untagged)
    except (ConnectionError, OSError):
        closed = True
    check('set_uidvalidity closes sessions that have the folder selected', closed)
    r = select(c2, 'Personal')
    txt = b'\n'.join(r.untagged)
    fo = CTL.folders()['Personal']
    r2 = c2.command('UID SEARCH ALL')
    check('new UIDVALIDITY and UIDs renumbered 1..n', b'[UIDVALIDITY 777]' in txt and
          r2.search() == list(range(1, fo['exists'] + 1)), (txt, r2.search()))
    CTL.set_option('throttle', True)
    r = c2.command('NOOP')
    r2 = c2.command('NOOP')
    check('throttle option: next command NO [THROTTLED], then fine', r.status == 'NO' and 'THROTTLED' in r.text and r2.ok)
    CTL.reset_stats()
    c2.command('FETCH 1:3 (FLAGS)')
    st = CTL.stats()
    check('stats count commands and bytes per command', st['commands'].get('FETCH', {}).get('count') == 1 and
          st['commands']['FETCH']['bytes_out'] > 50 and st['bytes_out'] > 0 and
          any(v['commands'] >= 1 for v in st['connections'].values()), st['commands'])
    CTL.set_option('drop_on_trash_move', True)
    select(c2, 'INBOX')
    r = c2.command('FETCH 1 (X-GM-MSGID)')
    mid = int(r.fetches()[1]['X-GM-MSGID'])
    tag = c2.next_tag()
    c2.send('%s MOVE 1 "[Gmail]/Trash"\r\n' % tag)
    dropped = False
    try:
        c2.read_until(tag)
    except (ConnectionError, OSError):
        dropped = True
    CTL.set_option('drop_on_trash_move', False)
    check('drop_on_trash_move: connection dropped without tagged OK, but the move happened',
          dropped and CTL.message(mid)['folders'] == {'[Gmail]/Trash': CTL.message(mid)['folders'].get('[Gmail]/Trash')})
    c3 = login(SRV)
    n = CTL.drop_connections()
    try:
        c3.command('NOOP')
        ok = False
    except (ConnectionError, OSError):
        ok = True
    check('drop_connections closes client connections (%d)' % n, ok and n >= 1)
    c4 = login(SRV)
    check('server accepts connections after a drop', c4.command('NOOP').ok)
    c4.close()


def t_robustness():
    c = login(SRV)
    r = c.command('FROB')
    check('unknown command -> BAD, connection continues', r.status == 'BAD' and c.command('NOOP').ok)
    c.send(b'\x00\xff\xfe garbage ((( \r\n')
    line = c.read_response()
    check('garbage line -> BAD', b'BAD' in line, line)
    r = c.command('SEARCH ' + '(' * 500 + 'ALL' + ')' * 500)
    check('deep parentheses -> BAD, still alive', r.status == 'BAD' and c.command('NOOP').ok)
    r = c.command('FETCH 1 (BODY[1.2.3.4.5.6])')
    check('FETCH outside selected state -> BAD', r.status == 'BAD')
    select(c, 'INBOX')
    r = c.command('FETCH 1 (BODY.PEEK[9.9.9])')
    check('nonexistent part gives empty string, not an error', r.ok and r.fetches()[1].get('BODY[9.9.9]') == b'')
    rnd = random.Random(1)
    for k in range(150):
        junk = bytes(rnd.randrange(1, 256) for _ in range(rnd.randrange(1, 200))).replace(b'\n', b' ').replace(b'{', b'(')
        c.send(b'F%d ' % k + junk + b'\r\n')
    c.send(b'Z1 NOOP\r\n')
    r = c.read_until('Z1')
    check('150 random-garbage commands survived', r.ok)
    d = login(SRV)
    d.send(b'a LOGIN ' + b'x' * 70000 + b'\r\n')
    try:
        line = d.read_response()
        d.read_response()
        closed = False
    except (ConnectionError, OSError):
        closed = True
    check('line > 64 KiB -> BAD and closed', b'BAD' in line and closed, line[:80])
    e = login(SRV)
    e.send(b'a APPEND INBOX {99999999999}\r\n')
    try:
        line = e.read_response()
        e.read_response()
        closed = False
    except (ConnectionError, OSError):
        closed = True
    check('absurd literal size -> BAD and closed', line.startswith(b'a BAD') and closed, line)
    check('other connection unaffected', c.command('NOOP').ok)
    log = open(SRV.log, encoding='utf-8', errors='replace').read()
    check('log has commands but never the password or token', 'LOGIN' in log and PASSWORD not in log and
          TOKEN not in log and base64.b64encode(b'\0' + USER.encode() + b'\0' + PASSWORD.encode()).decode() not in log)
    c.close()


def t_determinism():
    with ServerProcess(messages=60, seed=SEED, user=USER, password=PASSWORD) as s1, \
            ServerProcess(messages=60, seed=SEED, user=USER, password=PASSWORD) as s2, \
            ServerProcess(messages=60, seed=SEED + 1, user=USER, password=PASSWORD) as s3:
        outs = []
        for s in (s1, s2, s3):
            c = s.client()
            c.login(USER, PASSWORD)
            select(c, '[Gmail]/All Mail')
            r = c.command('FETCH 1:* (UID X-GM-MSGID X-GM-THRID BODY.PEEK[])')
            outs.append(b'\n'.join(r.untagged))
            c.close()
        check('same N and seed -> byte-identical messages, UIDs, ids', outs[0] == outs[1] and len(outs[0]) > 10000)
        check('another seed -> different mailbox', outs[0] != outs[2])


def main():
    global SRV, CTL, CERT
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix='gmailsim-test-')
    CERT = os.path.join(tmp, 'cert.pem')
    key = os.path.join(tmp, 'key.pem')
    tls = shutil.which('openssl') is not None and subprocess.run(
        ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
         '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', CERT],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    SRV = ServerProcess(messages=N_MESSAGES, seed=SEED, user=USER, password=PASSWORD, oauth_token=TOKEN,
                        tls=tls, cert=CERT, key=key)
    check('server started on free ports (%.2fs)' % SRV.startup_seconds, SRV.port > 0 and SRV.control_port > 0)
    from gmail_client import Control
    CTL = Control(SRV.control_port)
    try:
        for fn in (t_greeting_and_auth, t_list, t_views_and_select, t_fetch, t_store_flags_and_condstore,
                   t_labels_archive_copy_move, t_search, t_append, t_idle, t_compress_tls_imaplib,
                   t_control_ops, t_robustness, t_determinism):
            section(fn)
        alive = SRV.proc.poll() is None
        check('server still running after everything', alive)
    finally:
        CTL.close()
        rc = SRV.stop()
        check('SIGTERM stops the server cleanly (exit 0)', rc == 0, rc)
        shutil.rmtree(tmp, ignore_errors=True)
    print('# %.1fs' % (time.time() - t0))
    print('%d passed, %d failed' % (PASSED, FAILED))
    return 0 if FAILED == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
