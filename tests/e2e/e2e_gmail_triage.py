#!/usr/bin/env python3
"""End to end, against the Gmail emulation at 80x24: open the Inbox, navigate, read a multipart
message with an RFC 2047 subject, star, mark unread, add and remove a label, archive, undo,
trash, search with n/N — after each action the server's own state (the control hook's dump)
must show it."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import skua_tmux as e2e  # noqa: E402

e2e.need_servers(['gmail'])

SUBJECT = 'Café résumé e2e'
RAW = """From: =?UTF-8?B?Wm/DqyDDhW5nc3Ryw7Zt?= <zoe@example.org>
To: Skua Tester <skua@example.com>
Subject: =?UTF-8?Q?Caf=C3=A9_r=C3=A9sum=C3=A9_e2e?=
Date: %s
Message-ID: <e2e-multipart@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hello from the e2e test. Gr=C3=BC=C3=9Fe!
Second line of the plain part.
--inner
Content-Type: text/html; charset=utf-8

<p>Hello from the <b>HTML</b> part.</p>
--inner--
--outer
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCg==
--outer--
""" % time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(time.time() + 120))
# Dated two minutes ahead so it sorts above "E2E other message" (delivered now) even when both
# land in the same second: the list is newest first by date.


def main():
    ctl = e2e.control()
    other = ctl.deliver(subject='E2E other message', body='The other one.\n',
                        frm='Olaf Other <olaf@example.net>')
    multi = ctl.deliver(raw=RAW, frm='zoe@example.org')
    mid = multi['msgid']

    def msg(i=mid):
        return ctl.message(i)

    with e2e.Skua(e2e.gmail_config()) as s:
        e2e.step('open: the Inbox lists the new messages, newest first')
        scr = s.wait(SUBJECT)
        assert 'E2E other message' in scr
        lines = scr.split('\n')
        assert SUBJECT in lines[0], lines[0]
        assert 'E2E other message' in lines[1], lines[1]
        s.wait(r'gmail \| INBOX \| \d+ messages', regex=True)

        e2e.step('navigate: j opens nothing, Enter opens the row under the cursor')
        s.keys('j', 'Enter')
        s.wait('Subject: E2E other message')
        s.wait('The other one.')
        e2e.until(lambda: '\\Seen' in msg(other['msgid'])['flags'], 'the other message marked read')
        s.keys('u')
        s.wait('Subject: E2E other message', absent=True)
        s.keys('k', 'Enter')

        e2e.step('read the multipart message: decoded subject, sender, text part, attachment')
        scr = s.wait('Hello from the e2e test. Grüße!')
        assert 'Subject: ' + SUBJECT in scr, scr
        assert 'Zoë Ångström' in scr, scr
        assert 'Second line of the plain part.' in scr
        s.wait('report.pdf')
        assert '<p>' not in s.screen()
        e2e.until(lambda: '\\Seen' in msg()['flags'], 'opening to mark the message read')

        e2e.step('star')
        s.keys('s')
        e2e.until(lambda: '\\Flagged' in msg()['flags'], '\\Flagged on the server')
        s.wait('toggle star')

        e2e.step('mark unread')
        s.keys('U')
        e2e.until(lambda: '\\Seen' not in msg()['flags'], '\\Seen removed on the server')

        e2e.step('add a label with +, then remove it with -')
        s.keys('l')
        s.wait('Label')
        s.type('+e2e-label')
        s.keys('Enter')
        e2e.until(lambda: 'e2e-label' in msg()['labels'], 'the label on the server')
        s.wait('[e2e-label]')
        s.keys('l')
        s.wait('Label')
        s.type('-e2e-label')
        s.keys('Enter')
        e2e.until(lambda: 'e2e-label' not in msg()['labels'], 'the label gone from the server')
        s.wait('[e2e-label]', absent=True)

        e2e.step('archive (the message leaves the Inbox), then undo')
        s.keys('e')
        e2e.until(lambda: '\\Inbox' not in msg()['labels'], '\\Inbox removed on the server')
        s.wait(SUBJECT, absent=True)
        assert '[Gmail]/All Mail' in msg()['folders']
        s.keys('z')
        e2e.until(lambda: '\\Inbox' in msg()['labels'], '\\Inbox back after undo')
        s.wait(SUBJECT)

        e2e.step('trash (the restored row has the cursor)')
        s.keys('Home')
        s.keys('#')
        e2e.until(lambda: '[Gmail]/Trash' in msg()['folders'], 'the message in Trash')
        s.wait(SUBJECT, absent=True)
        assert 'INBOX' not in msg()['folders']
        assert 'INBOX' in msg(other['msgid'])['folders'], 'the other message was left alone'

        e2e.step('search: Gmail syntax as X-GM-RAW, results as a virtual folder, n/N')
        s.keys('/')
        s.wait('Search:')
        s.type('subject:"E2E other"')
        s.keys('Enter')
        s.wait('search in [Gmail]/All Mail')
        s.wait('E2E other message')
        s.keys('Enter')
        s.wait('Subject: E2E other message')
        s.keys('n')
        s.wait('Subject: E2E other message')
        s.keys('u', 'u')
        s.wait(r'gmail \| INBOX', regex=True)

        e2e.step('the server drops every connection: said in words, keys still work, back online')
        ctl.drop_connections()
        s.wait(r'lost|reconnecting', regex=True)
        s.keys('j', 'k')
        s.wait(r'gmail \| INBOX \| \d+ messages, \d+ unread \| (idle|ready)', regex=True)

        e2e.step('help lists the live keys; q quits cleanly')
        s.keys('?')
        s.wait('Moving around')
        s.keys('PageDown')
        s.wait('goto-inbox')
        s.keys('q')
        s.wait('Moving around', absent=True)
        s.quit()
    print('ok')


if __name__ == '__main__':
    main()
