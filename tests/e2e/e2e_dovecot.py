#!/usr/bin/env python3
"""End to end against Dovecot (standard IMAP) at 80x24: open, navigate, read a multipart message
with an encoded subject, star, mark unread, add and remove a label (an IMAP keyword here),
archive (a move to the \\Archive folder), undo, trash, search (Gmail syntax translated to
SEARCH). The server's state is read through a second IMAP connection (imaplib)."""

import imaplib
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import skua_tmux as e2e  # noqa: E402

e2e.need_servers(['dovecot'])

SUBJECT = 'Naïve café e2e'
MSGID = '<e2e-dovecot-%d@example.org>' % os.getpid()
RAW = ("From: =?ISO-8859-1?Q?J=F6rg_Dovecot?= <joerg@example.org>\r\n"
       "To: skua@example.com\r\n"
       "Subject: =?UTF-8?B?TmHDr3ZlIGNhZsOpIGUyZQ==?=\r\n"
       "Date: %s\r\n"
       "Message-ID: %s\r\n"
       "MIME-Version: 1.0\r\n"
       "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
       "\r\n"
       "--alt\r\n"
       "Content-Type: text/plain; charset=iso-8859-1\r\n"
       "Content-Transfer-Encoding: quoted-printable\r\n"
       "\r\n"
       "Hall=F6chen from Dovecot.\r\n"
       "--alt\r\n"
       "Content-Type: text/html; charset=utf-8\r\n"
       "\r\n"
       "<p>HTML twin</p>\r\n"
       "--alt--\r\n") % (time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime()), MSGID)


class Imap:
    def __init__(self):
        self.c = imaplib.IMAP4('127.0.0.1', int(os.environ['SKUA_TEST_DOVECOT_PORT']))
        self.c.login(os.environ['SKUA_TEST_USER'], os.environ['SKUA_TEST_PASSWORD'])

    def find(self, folder):
        """(uid, flags) of our message in folder, or None."""
        typ, _ = self.c.select('"%s"' % folder, readonly=True)
        assert typ == 'OK', folder
        typ, data = self.c.uid('SEARCH', None, 'HEADER', 'Message-ID', MSGID)
        uids = data[0].split() if data and data[0] else []
        if not uids:
            return None
        typ, data = self.c.uid('FETCH', uids[-1], '(FLAGS)')
        flags = re.search(rb'FLAGS \(([^)]*)\)', data[0]).group(1).decode().split()
        return int(uids[-1]), flags

    def flags(self):
        r = self.find('INBOX')
        return r[1] if r else None


def main():
    imap = Imap()
    typ, _ = imap.c.append('INBOX', None, imaplib.Time2Internaldate(time.time()), RAW.encode('latin-1'))
    assert typ == 'OK'
    imap.c.append('INBOX', None, imaplib.Time2Internaldate(time.time() - 60),
                  b'From: Other <o@example.org>\r\nSubject: Dovecot other message\r\n'
                  b'Date: ' + time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(time.time() - 60)).encode()
                  + b'\r\n\r\nother\r\n')
    with e2e.Skua(e2e.dovecot_config()) as s:
        e2e.step('open and navigate')
        scr = s.wait(SUBJECT)
        s.wait('Dovecot other message')
        lines = scr.split('\n')
        assert SUBJECT in lines[0], lines[0]
        s.keys('j', 'Enter')
        s.wait('Subject: Dovecot other message')
        s.keys('u', 'k', 'Enter')

        e2e.step('read: encoded subject and sender, the text part of the alternatives')
        scr = s.wait('Hallöchen from Dovecot.')
        assert 'Subject: ' + SUBJECT in scr
        assert 'Jörg Dovecot' in scr
        assert 'HTML twin' not in scr
        e2e.until(lambda: '\\Seen' in imap.flags(), 'opening to mark it read')

        e2e.step('star, mark unread')
        s.keys('s')
        e2e.until(lambda: '\\Flagged' in imap.flags(), '\\Flagged')
        s.keys('U')
        e2e.until(lambda: '\\Seen' not in imap.flags(), '\\Seen removed')

        e2e.step('a label is a keyword here: add, then remove')
        s.keys('l')
        s.wait('Label')
        s.type('+e2ekw')
        s.keys('Enter')
        e2e.until(lambda: 'e2ekw' in imap.flags(), 'the keyword set')
        s.keys('l')
        s.wait('Label')
        s.type('-e2ekw')
        s.keys('Enter')
        e2e.until(lambda: 'e2ekw' not in imap.flags(), 'the keyword removed')

        e2e.step('archive moves to the \\Archive folder; undo brings it back')
        s.keys('e')
        e2e.until(lambda: imap.find('INBOX') is None and imap.find('Archive'), 'the move to Archive')
        s.wait(SUBJECT, absent=True)
        s.keys('z')
        e2e.until(lambda: imap.find('INBOX') is not None and imap.find('Archive') is None, 'undo')
        s.wait(SUBJECT)

        e2e.step('trash')
        s.keys('Home', '#')
        e2e.until(lambda: imap.find('INBOX') is None and imap.find('Trash'), 'the move to Trash')
        s.wait(SUBJECT, absent=True)

        e2e.step('search, translated to IMAP SEARCH')
        s.keys('/')
        s.wait('Search:')
        s.type('subject:"Dovecot other"')
        s.keys('Enter')
        s.wait('search in INBOX')
        s.wait('Dovecot other message')
        s.keys('u')
        s.wait(r'dovecot \| INBOX \|', regex=True)
        s.quit()
    imap.c.logout()
    print('ok')


if __name__ == '__main__':
    main()
