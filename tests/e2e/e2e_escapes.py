#!/usr/bin/env python3
"""End to end: hostile text never reaches the terminal. Through the Gmail emulation's control
hook we deliver a message whose subject, From and body carry ESC[2J, OSC 52 (clipboard), OSC 2
(window title), C1 controls (CSI as U+009B), a bidi override and RFC 2047-encoded escapes, and
make a folder and a label whose names hold ESC. Then, with skua showing all of it:
  - the screen shows the controls as visible pictures (␛), text intact around them;
  - the raw bytes skua wrote (tmux pipe-pane) hold none of the hostile sequences;
  - tmux's clipboard buffers are empty and the pane title is untouched;
  - capture-pane -e holds no escape sequence but SGR colour codes."""

import base64
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import skua_tmux as e2e  # noqa: E402

e2e.need_servers(['gmail'])

ESC = '\x1b'
C1_CSI = '\x9b'          # encoded as UTF-8 (C2 9B): the C1 form of CSI
RLO = '\u202e'
OSC52 = ESC + ']52;c;UFdORUQ=\x07'
OSC2 = ESC + ']2;PWNTITLE\x07'
FOLDER = 'Evil' + ESC + '[31mFolder'
LABEL = 'Bad' + ESC + '[5mLabel'

RAW = ('From: "Mallory ' + ESC + '[1mBOLDNAME" <mallory@example.org>\n'
       'To: skua@example.com\n'
       'Subject: Hostile ' + ESC + '[2JCLEARSUBJ ' + OSC2 + ' ' + C1_CSI + '31mC1SUBJ '
       '=?UTF-8?Q?enc=1B[7mENCSUBJ?=\n'
       'Date: ' + time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime()) + '\n'
       'Message-ID: <e2e-hostile@example.org>\n'
       'MIME-Version: 1.0\n'
       'Content-Type: text/plain; charset=utf-8\n'
       '\n'
       'Body line one ' + ESC + '[2JCLEARBODY\n'
       'Clipboard ' + OSC52 + ' OSCBODY\n'
       'Title ' + OSC2 + ' TITLEBODY\n'
       'C1 ' + C1_CSI + '2J C1BODY and a bell \x07 BELLBODY\n'
       'Spoofed name: invoice' + RLO + 'fdp.exe\n')

HOSTILE_BYTES = [
    b'\x1b[2JCLEAR', b'\x1b]52;', b'\x1b]2;PWN', b'\xc2\x9b', b'\x1b[7mENC', b'\x1b[1mBOLDNAME',
    b'\x1b[31mFolder', b'\x1b[5mLabel', b'\x07 BELL', b'\xe2\x80\xae',
]
SGR = re.compile(r'\x1b\[[0-9;:]*m')


def assert_only_sgr(capture):
    for m in re.finditer(r'\x1b', capture):
        if not SGR.match(capture, m.start()):
            raise AssertionError('non-SGR escape in capture-pane -e: %r' % capture[m.start():m.start() + 20])
    for ch in capture:
        o = ord(ch)
        if (o < 0x20 and ch not in '\n\x1b') or 0x7f <= o <= 0x9f:
            raise AssertionError('control character U+%04X on screen' % o)


def main():
    ctl = e2e.control()
    ctl.call(op='create_folder', name=FOLDER)
    d = ctl.deliver(raw=RAW, frm='mallory@example.org', labels=['\\Inbox', LABEL])
    title_before = None
    with e2e.Skua(e2e.gmail_config(), record=True) as s:
        title_before = s.title()
        e2e.step('the list row: subject and label shown with visible control pictures')
        scr = s.wait('CLEARSUBJ')
        assert '\u241b[2JCLEARSUBJ' in scr, scr
        assert '\u241b[5mLabel' in scr, scr
        e2e.step('the message: headers and body')
        s.keys('Home', 'Enter')
        scr = s.wait('CLEARBODY')
        for marker in ('\u241b[2JCLEARBODY', 'OSCBODY', 'TITLEBODY', 'C1BODY', 'BELLBODY',
                       '\u241b[1mBOLDNAME', '\u241b[7mENCSUBJ'):
            assert marker in scr, (marker, scr)
        assert '<RLO>' in scr, 'the bidi override must be shown, not obeyed'
        e2e.step('the folder list: a folder named with ESC')
        s.keys('Tab')
        s.wait('Evil\u241b[31m')
        s.keys('Tab')
        cap = s.screen(escapes=True)
        assert_only_sgr(cap)
        e2e.step('nothing reached the terminal: raw output, clipboard, title')
        raw = s.raw_output()
        assert raw, 'pipe-pane recorded nothing'
        for bad in HOSTILE_BYTES:
            assert bad not in raw, 'hostile bytes %r reached the terminal' % bad
        assert s.buffers() == '', 'an OSC 52 reached tmux: %r' % s.buffers()
        assert 'PWNTITLE' not in s.title(), s.title()
        assert s.title() == title_before
        e2e.step('copy the From address: OSC 52 of the sanitised text, in tmux passthrough')
        s.keys('c')
        s.wait('Copy')
        s.type('f')
        s.keys('Enter')
        s.wait('copied the From address')
        want = base64.b64encode('Mallory \u241b[1mBOLDNAME <mallory@example.org>'.encode()).decode()
        seq = ('\x1bPtmux;\x1b\x1b]52;c;' + want + '\x07\x1b\\').encode()
        e2e.until(lambda: seq in s.raw_output(), 'the clipboard sequence in skua\'s output')
        s.quit()
    print('ok')


if __name__ == '__main__':
    main()
