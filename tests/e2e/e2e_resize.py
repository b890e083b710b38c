#!/usr/bin/env python3
"""End to end: the layout follows the terminal. skua starts at 80x24 (list over message), the
window grows to 200x60 mid-session (three panes side by side), shrinks to 40x10 (one pane)
and comes back — the open message and the status line survive each resize. Then the same
account under TERM=vt100 and NO_COLOR (no colour codes at all) and under a non-UTF-8 locale
(nothing but ASCII on screen)."""

import os
import re
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import skua_tmux as e2e  # noqa: E402

e2e.need_servers(['gmail'])

COLOUR = re.compile(r'\x1b\[(?:[0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]')  # 39/49: defaults


def bar_columns(line):
    """Display columns of the vertical separators (wide characters take two)."""
    cols, x = [], 0
    for ch in line:
        if ch == '\u2502':
            cols.append(x)
        x += 2 if unicodedata.east_asian_width(ch) in ('W', 'F') else 1
    return cols


def status_row(s, rows):
    lines = s.screen().split('\n')
    return rows - 2 < len(lines) and ' gmail | INBOX' in lines[rows - 2]


def main():
    ctl = e2e.control()
    ctl.deliver(subject='Resize me please', body='A body that must survive resizes.\n',
                frm='Rita Resize <rita@example.com>')
    with e2e.Skua(e2e.gmail_config()) as s:
        e2e.step('80x24: list over message')
        s.wait('Resize me please')
        s.keys('Home', 'Enter')
        s.wait('A body that must survive resizes.')
        e2e.until(lambda: status_row(s, 24), 'the status line on row 22')
        lines = s.screen().split('\n')
        sep = [i for i, l in enumerate(lines) if l.startswith('\u2500' * 40)]
        assert sep and 3 <= sep[0] <= 12, lines

        e2e.step('200x60: three panes side by side')
        s.resize(200, 60)
        e2e.until(lambda: s.size() == (200, 60), 'tmux to resize')
        e2e.until(lambda: status_row(s, 60), 'the status line on row 58')
        scr = s.wait('Subject: Resize me please')
        lines = scr.split('\n')
        assert lines[0].startswith(' Inbox'), lines[0]
        bars = bar_columns(lines[0])
        assert len(bars) == 2, lines[0]
        for l in lines[1:58]:
            assert bar_columns(l)[:2] == bars, l
        assert 'A body that must survive resizes.' in scr

        e2e.step('40x10: one pane at a time')
        s.resize(40, 10)
        e2e.until(lambda: s.size() == (40, 10), 'tmux to resize')
        e2e.until(lambda: status_row(s, 10), 'the status line on row 8')
        scr = s.wait('Subject: Resize me')
        assert '\u2502' not in scr
        s.keys('u')
        s.wait('Resize me please')
        s.wait('Subject:', absent=True)

        e2e.step('back to 80x24, C-l redraws')
        s.resize(80, 24)
        e2e.until(lambda: status_row(s, 24), 'the status line on row 22')
        s.keys('C-l')
        s.wait('Resize me please')
        s.keys('L')
        s.wait('layout: single')
        s.quit()

    e2e.step('TERM=vt100 and NO_COLOR: attributes only, never a colour')
    for env in ({'TERM': 'vt100'}, {'NO_COLOR': '1'}):
        term = env.get('TERM', 'xterm-256color')
        env = dict(env)
        env.pop('TERM', None)
        with e2e.Skua(e2e.gmail_config(), term=term, env=env) as s:
            s.wait('Resize me please')
            s.keys('Home', 'Enter')
            s.wait('A body that must survive resizes.')
            cap = s.screen(escapes=True)
            assert not COLOUR.search(cap), 'colour codes under %s: %r' % (env or term, COLOUR.search(cap).group())
            assert '\x1b[7m' in cap or '\x1b[1m' in cap, 'no attributes at all?'
            s.quit()

    e2e.step('a non-UTF-8 locale: ASCII only')
    with e2e.Skua(e2e.gmail_config(), env={'LANG': 'C', 'LC_ALL': 'C'}) as s:
        s.wait('Resize me please')
        scr = s.screen()
        bad = [c for c in scr if ord(c) > 0x7e]
        assert not bad, 'non-ASCII on a C-locale screen: %r' % bad[:10]
        s.quit()
    print('ok')


if __name__ == '__main__':
    main()
