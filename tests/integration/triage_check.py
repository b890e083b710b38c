#!/usr/bin/env python3
"""Durable triage against Dovecot and the Gmail emulation (run by it_triage.sh under
tests/harness/servers.py).

Each skua "process" is tests/integration/it_triage_tool (argv[1]): it opens the account with its
cache under $XDG_CACHE_HOME, applies actions through src/mail/triage.h and waits for them, or
kills itself with SIGKILL at a chosen point. After every step the whole server state is compared
with the intended one: on Gmail every message's flags and labels (the control hook's dump), on
Dovecot every message's folder(s) and flags (a second IMAP connection), keyed by Message-ID. So
an action lost, applied twice (a toggle would flip back; a copy would show twice) or applied to
the wrong message fails the test.

  1. each action, one process each: star, unread, read, label, unlabel, archive, trash, move,
     mark a whole thread read (Gmail), then undo of every one of them, newest first, each in a
     new process over the journal, back to the starting state;
  2. kill -9 at each point (journaled, sent, answered, recorded) of each of four actions, then a
     new process over the same cache replays: the server ends in exactly the intended state;
  3. connections dropped by the server again and again while triage runs (Gmail's control
     hook);
  4. Gmail dropping the connection on a MOVE to Trash (after doing it), and undoing that trash;
  5. UIDVALIDITY changed between the crash and the restart: the pending entries fail with a
     message and nothing is applied (Gmail: control hook; Dovecot: the folder is recreated).
"""

import os
import subprocess
import sys
import tempfile
import shutil
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'servers'))
from gmail_client import Control, ImapClient, Literal, quote  # noqa: E402

TOOL = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else './tests/integration/it_triage_tool'
ONLY = sys.argv[2] if len(sys.argv) > 2 else None
POINTS = ('journaled', 'sent', 'answered', 'recorded')
FAILURES = []
RUNS = [0]


def log(*a):
    print(*a, flush=True)


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


# ---------------------------------------------------------------------------- the tool

class Proc:
    def __init__(self, server, xdg):
        self.server, self.xdg = server, xdg

    def run(self, actions, kill_at=None, folder=None, expect=0, timeout=240):
        args = [TOOL, self.server]
        if folder:
            args += ['--folder', folder]
        if kill_at:
            args += ['--kill-at', kill_at]
        args += list(actions)
        env = dict(os.environ, XDG_CACHE_HOME=self.xdg)
        RUNS[0] += 1
        p = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout)
        out = p.stdout
        if p.returncode != expect:
            raise Failure('%s exited %s (wanted %s)\n--- stdout\n%s--- stderr\n%s' %
                          (' '.join(args[1:]), p.returncode, expect, out, p.stderr[-3000:]))
        return out


def applied_count(out):
    return sum(1 for l in out.splitlines() if l.startswith('applied '))


# ---------------------------------------------------------------------------- servers

class Gmail:
    name = 'gmail'
    label = 'Triage Test'       # a new label (created on use)
    folder = 'Work'

    def __init__(self):
        self.ctl = Control(int(os.environ['SKUA_TEST_GMAIL_CONTROL_PORT']))

    def state(self):
        d = self.ctl.dump()
        return {m['msgid']: (frozenset(f for f in m['flags'] if f != '\\Recent'),
                             frozenset(m['labels']))
                for m in d['messages']}

    def inbox(self):
        """[(msgid, uid)] of INBOX."""
        d = self.ctl.dump('INBOX')
        return [(m['msgid'], m['folders']['INBOX']) for m in d['messages']]

    def apply(self, st, act, key, arg=None):
        f, l = set(st[key][0]), set(st[key][1])
        if act == 'read':
            f.add('\\Seen')
        elif act == 'unread':
            f.discard('\\Seen')
        elif act == 'star':
            f.add('\\Flagged')
        elif act == 'unstar':
            f.discard('\\Flagged')
        elif act == 'togglestar':
            f ^= {'\\Flagged'}
        elif act == 'label':
            l.add(arg)
        elif act == 'unlabel':
            l.discard(arg)
        elif act == 'archive':
            l.discard('\\Inbox')
        elif act == 'trash':
            l.discard('\\Inbox')
            l.add('\\Trash')
        elif act == 'move':
            l.discard('\\Inbox')
            l.add(arg)
        else:
            raise ValueError(act)
        st[key] = (frozenset(f), frozenset(l))

    def close(self):
        self.ctl.close()


class Dovecot:
    name = 'dovecot'
    label = '$TriageTest'       # labels are keywords here
    folder = 'Work'
    folders = ('INBOX', 'Archive', 'Trash', 'Work', 'Junk', 'Sent', 'Drafts')

    def __init__(self):
        self.port = int(os.environ['SKUA_TEST_DOVECOT_PORT'])
        c = self.client()
        c.command('CREATE Work')
        c.close()

    def client(self):
        c = ImapClient('127.0.0.1', self.port)
        r = c.login(os.environ['SKUA_TEST_USER'], os.environ['SKUA_TEST_PASSWORD'])
        check(r.ok, 'dovecot login: %r' % r)
        return c

    def messages(self, c, folder):
        """[(message-id, uid, flags)] of a folder."""
        r = c.command('EXAMINE ', quote(folder))
        if not r.ok:
            return []
        r = c.command('UID FETCH 1:* (UID FLAGS ENVELOPE)')
        check(r.ok, 'fetch %s: %r' % (folder, r))
        out = []
        for d in r.fetches().values():
            env = d.get('ENVELOPE')
            mid = env[9].decode('utf-8', 'replace') if env and env[9] else None
            flags = frozenset(x for x in d.get('FLAGS', []) if x != '\\Recent')
            out.append((mid, int(d['UID']), flags))
        return out

    def state(self):
        c = self.client()
        st = {}
        for f in self.folders:
            for mid, uid, flags in self.messages(c, f):
                st.setdefault(mid, []).append((f, flags))
        c.close()
        return {k: tuple(sorted(v, key=lambda x: (x[0], sorted(x[1])))) for k, v in st.items()}

    def inbox(self):
        c = self.client()
        out = [(mid, uid) for mid, uid, _ in self.messages(c, 'INBOX')]
        c.close()
        return out

    def apply(self, st, act, key, arg=None):
        places = list(st[key])
        check(len(places) == 1, 'message %s is in %d places' % (key, len(places)))
        folder, flags = places[0]
        f = set(flags)
        if act == 'read':
            f.add('\\Seen')
        elif act == 'unread':
            f.discard('\\Seen')
        elif act == 'star':
            f.add('\\Flagged')
        elif act == 'unstar':
            f.discard('\\Flagged')
        elif act == 'togglestar':
            f ^= {'\\Flagged'}
        elif act == 'label':
            f.add(arg)
        elif act == 'unlabel':
            f.discard(arg)
        elif act == 'archive':
            folder = 'Archive'
        elif act == 'trash':
            folder = 'Trash'
        elif act == 'move':
            folder = arg
        else:
            raise ValueError(act)
        st[key] = ((folder, frozenset(f)),)

    def close(self):
        pass


def diff(want, got):
    lines = []
    for k in sorted(set(want) | set(got), key=str):
        if want.get(k) != got.get(k):
            lines.append('  %s: want %s, got %s' % (k, fmt(want.get(k)), fmt(got.get(k))))
    return '\n'.join(lines[:20]) + ('\n  ...' if len(lines) > 20 else '')


def fmt(v):
    if v is None:
        return 'absent'
    if isinstance(v, tuple) and v and isinstance(v[0], frozenset):
        return '(%s | %s)' % (' '.join(sorted(v[0])), ' '.join(sorted(v[1])))
    return repr(tuple((a, sorted(b)) for a, b in v)) if isinstance(v, tuple) else repr(v)


def expect_state(srv, want, what):
    got = srv.state()
    if got != want:
        raise Failure('%s on %s: the server is not in the intended state\n%s' %
                      (what, srv.name, diff(want, got)))


class Picker:
    """Hands out INBOX messages not used before."""

    def __init__(self, srv):
        self.srv, self.used = srv, set()

    def take(self, st, n=1, want=None):
        out = []
        for key, uid in self.srv.inbox():
            if key in self.used or key is None:
                continue
            if want and not want(st[key]):
                continue
            out.append((key, uid))
            self.used.add(key)
            if len(out) == n:
                return out
        raise Failure('no more messages to use in INBOX')


def flags_of(v):
    return v[0] if isinstance(v[0], frozenset) else v[0][1]


def action_arg(srv, act):
    return {'label': srv.label, 'unlabel': srv.label, 'move': srv.folder}.get(act)


def spec(act, uid, arg):
    return '%s:%s%s' % (act, uid, ':' + arg if arg else '')


# ---------------------------------------------------------------------------- scenarios

def scenario_actions(srv, pick, tmp):
    """Each action in its own process, checked after each; then undo across processes."""
    proc = Proc(srv.name, tempfile.mkdtemp(dir=tmp))
    st = srv.state()
    history = []
    unseen = lambda v: '\\Seen' not in flags_of(v)
    seen = lambda v: '\\Seen' in flags_of(v)
    unflagged = lambda v: '\\Flagged' not in flags_of(v)
    steps = [('star', unflagged), ('unread', seen), ('read', unseen), ('label', None),
             ('unlabel', 'same'), ('archive', None), ('trash', None), ('move', None)]
    last = None
    for act, cond in steps:
        if cond == 'same':
            key, uid = last
        else:
            (key, uid), = pick.take(st, 1, cond)
        arg = action_arg(srv, act)
        before = dict(st)
        srv.apply(st, act, key, arg)
        out = proc.run([spec(act, uid, arg)])
        check('failed' not in out, '%s: %s' % (act, out))
        expect_state(srv, st, act)
        history.append((act, before))
        last = (key, uid)
    if srv.name == 'gmail':
        # mark a whole conversation read from its thread row: every INBOX message of the thread
        d = srv.ctl.dump('INBOX')['messages']
        by_thread = {}
        for m in d:
            by_thread.setdefault(m['thrid'], []).append(m)
        thread = next((ms for ms in by_thread.values() if len(ms) >= 2 and
                       any('\\Seen' not in m['flags'] for m in ms) and
                       not any(m['msgid'] in pick.used for m in ms)), None)
        check(thread is not None, 'no conversation with two INBOX messages, one unread')
        before = dict(st)
        for m in thread:
            pick.used.add(m['msgid'])
            srv.apply(st, 'read', m['msgid'])
        out = proc.run(['readthread:%d' % thread[0]['folders']['INBOX']])
        check('failed' not in out, 'readthread: %s' % out)
        expect_state(srv, st, 'mark thread read')
        history.append(('readthread', before))
    # undo, newest first, each in a new process over the journal: (thread read,) move, trash,
    # archive, unlabel, label, read, unread, star — back to where it started
    while history:
        act, before = history.pop()
        out = proc.run(['undo'])
        check('applied undo' in out and 'failed' not in out, 'undo %s: %s' % (act, out))
        st = before
        expect_state(srv, st, 'undo of ' + act)
    out = proc.run(['undo'], expect=1)
    check('nothing to undo' in out, 'one undo too many: %s' % out)
    log('  %s: actions and undo ok' % srv.name)
    return srv.state()


def scenario_kill(srv, pick, tmp, point, n):
    """Four actions, kill -9 at the n-th time an entry reaches point, then replay."""
    st = srv.state()
    picks = pick.take(st, 4)
    acts = ['togglestar', 'label', 'archive', 'move']
    specs = [spec(a, uid, action_arg(srv, a)) for a, (key, uid) in zip(acts, picks)]
    proc = Proc(srv.name, tempfile.mkdtemp(dir=tmp))
    out = proc.run(specs, kill_at='%s:%d' % (point, n), expect=-9)
    check('killed' in out, 'not killed at %s:%d:\n%s' % (point, n, out))
    k = n if point == 'journaled' else applied_count(out)
    for a, (key, uid) in list(zip(acts, picks))[:k]:
        srv.apply(st, a, key, action_arg(srv, a))
    out = proc.run(['replay'])
    check('failed' not in out, 'replay after kill at %s:%d: %s' % (point, n, out))
    check('pending 0' in out, 'replay left something: %s' % out)
    expect_state(srv, st, 'kill -9 at %s:%d, then replay' % (point, n))
    # nothing more happens on a further start
    out = proc.run(['replay'])
    check('pending-at-start 0' in out, 'entries left after replay: %s' % out)
    expect_state(srv, st, 'a second start after kill at %s:%d' % (point, n))


def scenario_drops(srv, pick, tmp):
    """The server drops every connection again and again while triage runs (Gmail control hook):
    from the moment the actions are applied, every 150 ms, until it has hit six times."""
    st = srv.state()
    acts = ['star', 'label', 'archive', 'move', 'togglestar', 'read', 'trash', 'unread'] * 2
    picks = pick.take(st, len(acts))
    specs = []
    for a, (key, uid) in zip(acts, picks):
        arg = action_arg(srv, a)
        srv.apply(st, a, key, arg)
        specs.append(spec(a, uid, arg))
    proc = Proc(srv.name, tempfile.mkdtemp(dir=tmp))
    env = dict(os.environ, XDG_CACHE_HOME=proc.xdg)
    p = subprocess.Popen([TOOL, srv.name, '--timeout', '200'] + specs, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    RUNS[0] += 1
    dropped = [0]
    done = threading.Event()

    def dropper():
        ctl = Control(int(os.environ['SKUA_TEST_GMAIL_CONTROL_PORT']))
        hits = 0
        while hits < 6 and not done.is_set():
            n = ctl.drop_connections()
            dropped[0] += n
            hits += n > 0
            time.sleep(0.15)
        ctl.close()

    th = threading.Thread(target=dropper)
    lines = []
    for line in p.stdout:
        lines.append(line)
        if line.startswith('applied ') and not th.is_alive() and not dropped[0] and len(lines) < 4:
            th.start()
    done.set()
    if th.ident:
        th.join()
    err = p.stderr.read()
    p.wait(timeout=240)
    out = ''.join(lines)
    check(p.returncode == 0,
          'tool under drops exited %s:\n%s\n%s' % (p.returncode, out, err[-2000:]))
    check('failed' not in out, 'under drops: %s' % out)
    check(dropped[0] > 0, 'no connection was dropped while triage ran:\n%s' % out)
    expect_state(srv, st, 'connections dropped %d times during triage' % dropped[0])
    log('  %s: %d connections dropped during triage, state ok' % (srv.name, dropped[0]))


def scenario_trash_drop(srv, pick, tmp):
    """Gmail drops the connection on a MOVE to Trash after doing it."""
    st = srv.state()
    (key, uid), = pick.take(st, 1)
    before = dict(st)
    srv.apply(st, 'trash', key)
    proc = Proc(srv.name, tempfile.mkdtemp(dir=tmp))
    srv.ctl.set_option('drop_on_trash_move', True)
    try:
        out = proc.run(['trash:%d' % uid])
    finally:
        srv.ctl.set_option('drop_on_trash_move', False)
    check('failed' not in out, 'trash with a drop: %s' % out)
    expect_state(srv, st, 'trash with the connection dropped')
    out = proc.run(['undo'])
    check('failed' not in out and 'applied undo' in out, 'undo of the trash: %s' % out)
    expect_state(srv, before, 'undo of a trash whose answer was lost')
    log('  gmail: trash with a dropped connection and its undo ok')


def scenario_uidvalidity_gmail(srv, pick, tmp):
    st = srv.state()
    (k1, u1), (k2, u2) = pick.take(st, 2)
    proc = Proc(srv.name, tempfile.mkdtemp(dir=tmp))
    out = proc.run(['star:%d' % u1, 'archive:%d' % u2], kill_at='journaled:2', expect=-9)
    folders = {f['name']: f for f in srv.ctl.dump()['folders']}
    srv.ctl.set_uidvalidity('INBOX', folders['INBOX']['uidvalidity'] + 1000)
    out = proc.run(['replay'])
    fails = [l for l in out.splitlines() if l.startswith('failed ')]
    check(len(fails) == 2 and all('UIDVALIDITY' in l for l in fails),
          'UIDVALIDITY change: wanted two failed entries, got:\n%s' % out)
    check(any(l.startswith('alert ') and 'UIDVALIDITY' in l for l in out.splitlines()),
          'no alert about UIDVALIDITY:\n%s' % out)
    expect_state(srv, st, 'UIDVALIDITY changed between crash and restart')
    log('  gmail: UIDVALIDITY change fails the pending entries, nothing applied')


def scenario_uidvalidity_dovecot(srv, pick, tmp):
    c = srv.client()
    c.command('DELETE UVTest')
    check(c.command('CREATE UVTest').ok, 'create UVTest')

    def fill(tag):
        for i in range(3):
            msg = ('From: a@example.org\r\nTo: skua@example.com\r\nSubject: uv %s %d\r\n'
                   'Message-ID: <uv-%s-%d@example.org>\r\n\r\nbody\r\n' % (tag, i, tag, i))
            r = c.command('APPEND UVTest () ', Literal(msg, plus=True))
            check(r.ok, 'append: %r' % r)
        r = c.command('STATUS UVTest (UIDVALIDITY)')
        return r.untagged[0]

    uv1 = fill('one')
    c.close()
    proc = Proc(srv.name, tempfile.mkdtemp(dir=tmp))
    proc.run(['star:1', 'label:2:$UvTest'], folder='UVTest', kill_at='journaled:2', expect=-9)
    c = srv.client()
    check(c.command('DELETE UVTest').ok and c.command('CREATE UVTest').ok, 'recreate UVTest')
    uv2 = fill('two')
    c.close()
    check(uv1 != uv2, 'Dovecot gave the recreated folder the same UIDVALIDITY (%r)' % uv1)
    out = proc.run(['replay'])
    fails = [l for l in out.splitlines() if l.startswith('failed ')]
    check(len(fails) == 2 and all('UIDVALIDITY' in l for l in fails),
          'UIDVALIDITY change: wanted two failed entries, got:\n%s' % out)
    c = srv.client()
    msgs = srv.messages(c, 'UVTest')
    c.close()
    check(len(msgs) == 3 and all(not (f - {'\\Seen'}) for _, _, f in msgs),
          'messages of the recreated folder were touched: %r' % msgs)
    log('  dovecot: UIDVALIDITY change (folder recreated) fails the entries, nothing applied')


def run(name, fn, *a):
    if ONLY and ONLY not in name:
        return
    t0 = time.time()
    try:
        fn(*a)
        log('ok   %s (%.1fs)' % (name, time.time() - t0))
    except Exception as e:  # a failure, or a crash of the driver itself
        FAILURES.append(name)
        log('FAIL %s: %s' % (name, e))


def main():
    tmp = tempfile.mkdtemp(prefix='it_triage.')
    servers = []
    if os.environ.get('SKUA_TEST_DOVECOT_PORT'):
        servers.append(Dovecot())
    if os.environ.get('SKUA_TEST_GMAIL_CONTROL_PORT'):
        servers.append(Gmail())
    if not servers:
        log('no servers in the environment (run through tests/harness/servers.py)')
        return 77
    try:
        for srv in servers:
            pick = Picker(srv)
            run('%s actions+undo' % srv.name, scenario_actions, srv, pick, tmp)
            for point in POINTS:
                for n in range(1, 5):
                    run('%s kill at %s:%d' % (srv.name, point, n), scenario_kill, srv, pick, tmp,
                        point, n)
            if srv.name == 'gmail':
                run('gmail drops during triage', scenario_drops, srv, pick, tmp)
                run('gmail trash drop', scenario_trash_drop, srv, pick, tmp)
                run('gmail uidvalidity', scenario_uidvalidity_gmail, srv, pick, tmp)
            else:
                run('dovecot uidvalidity', scenario_uidvalidity_dovecot, srv, pick, tmp)
    finally:
        for srv in servers:
            srv.close()
        shutil.rmtree(tmp, ignore_errors=True)
    log('%d tool runs; %d failed scenario(s)%s' % (RUNS[0], len(FAILURES),
                                                   ': ' + ', '.join(FAILURES) if FAILURES else ''))
    return 1 if FAILURES else 0


if __name__ == '__main__':
    sys.exit(main())
