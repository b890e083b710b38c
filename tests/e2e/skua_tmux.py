"""The harness of skua's end-to-end tests: the real binary in tmux, driven by keys and read
back from the screen, against servers started by tests/harness/servers.py.

    import skua_tmux as e2e
    e2e.need_servers(['gmail'])            # re-runs this script under servers.py if needed
    with e2e.Skua(e2e.gmail_config()) as s:
        s.wait('Inbox')                    # polls capture-pane until the text shows (or fails)
        s.keys('j', 'Enter')
        s.wait(r'Subject: .*hello', regex=True)
    ctl = e2e.control()                    # the Gmail emulation's control hook (dump, deliver)
    e2e.until(lambda: ..., 'what we wait for')

Waiting is always "poll until true, fail after a generous deadline": no fixed sleeps stand in
for assertions, and nothing asserts how long anything took. Every skua run gets its own tmux
server (a private socket), its own cache directory, and its stderr in a file that is checked
for sanitizer reports when it exits.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get('top_srcdir') or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get('top_builddir') or TOP
SKIP = 77
DEADLINE = float(os.environ.get('SKUA_E2E_DEADLINE', '60'))

sys.path.insert(0, os.path.join(TOP, 'tests', 'servers'))


def in_ci():
    return os.environ.get('CI', '').lower() in ('1', 'true', 'yes')


def skip(why):
    print('SKIP: %s' % why, flush=True)
    sys.exit(1 if in_ci() else SKIP)


def skua_bin():
    b = os.environ.get('SKUA_BIN') or os.path.join(BUILD, 'skua')
    if not os.access(b, os.X_OK):
        skip('no skua binary at %s (build first, or set SKUA_BIN)' % b)
    return b


def need_servers(kinds, messages=200):
    """Makes sure the servers in `kinds` ('gmail', 'dovecot') are running for this script: when
    their environment is missing, re-executes the script under servers.py run."""
    if not shutil.which('tmux'):
        skip('tmux is not installed (Debian: apt install tmux)')
    marker = {'gmail': 'SKUA_TEST_GMAIL_PORT', 'dovecot': 'SKUA_TEST_DOVECOT_PORT'}
    if all(marker[k] in os.environ for k in kinds):
        return
    cmd = [sys.executable, os.path.join(TOP, 'tests', 'harness', 'servers.py'), 'run']
    cmd += ['--' + k for k in kinds]
    cmd += ['--messages', str(messages), '--', sys.executable, os.path.abspath(sys.argv[0])]
    cmd += sys.argv[1:]
    sys.stdout.flush()
    os.execv(sys.executable, cmd)


def until(pred, what, timeout=None):
    """Polls pred() until it returns something true; fails with `what` after the deadline."""
    end = time.monotonic() + (timeout or DEADLINE)
    last = None
    while time.monotonic() < end:
        try:
            r = pred()
        except Exception as e:  # a server briefly busy: try again
            last = e
            r = None
        if r:
            return r
        time.sleep(0.1)
    raise AssertionError('timed out waiting for %s%s' % (what, ' (last error: %s)' % last if last else ''))


def control():
    from gmail_client import Control
    return Control(int(os.environ['SKUA_TEST_GMAIL_CONTROL_PORT']))


def gmail_config(tls=True, extra=''):
    env = os.environ
    pw = os.path.join(tempfile.mkdtemp(prefix='skua-e2e-pw-'), 'password')
    with open(pw, 'w') as f:
        f.write(env['SKUA_TEST_PASSWORD'] + '\n')
    os.chmod(pw, 0o600)
    if tls:
        conn = 'host = %s\nport = %s\ntls = implicit\nca_file = %s\n' % (
            env['SKUA_TEST_TLS_HOST'], env['SKUA_TEST_GMAIL_TLS_PORT'], env['SKUA_TEST_CA'])
    else:
        conn = 'host = 127.0.0.1\nport = %s\ntls = none\n' % env['SKUA_TEST_GMAIL_PORT']
    return ('# written by %s\n[account gmail]\n%suser = %s\npassword_command = cat %s\n%s'
            % (os.path.basename(sys.argv[0]), conn, env['SKUA_TEST_USER'], pw, extra))


def dovecot_config(extra=''):
    env = os.environ
    pw = os.path.join(tempfile.mkdtemp(prefix='skua-e2e-pw-'), 'password')
    with open(pw, 'w') as f:
        f.write(env['SKUA_TEST_PASSWORD'] + '\n')
    os.chmod(pw, 0o600)
    return ('[account dovecot]\nhost = 127.0.0.1\nport = %s\ntls = none\nuser = %s\n'
            'password_command = cat %s\n%s' % (env['SKUA_TEST_DOVECOT_PORT'], env['SKUA_TEST_USER'], pw, extra))


SANITIZER = re.compile(r'(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:)')


class Skua:
    """skua in a tmux session of its own at cols x rows."""

    def __init__(self, config, cols=80, rows=24, term='xterm-256color', args=(), env=None,
                 record=False):
        self.dir = tempfile.mkdtemp(prefix='skua-e2e-')
        self.sock = os.path.join(self.dir, 'tmux.sock')
        self.cfg = os.path.join(self.dir, 'config')
        self.stderr = os.path.join(self.dir, 'stderr')
        self.raw = os.path.join(self.dir, 'raw')
        self.exitfile = os.path.join(self.dir, 'exit')
        with open(self.cfg, 'w') as f:
            f.write(config)
        e = {'TERM': term, 'XDG_CACHE_HOME': os.path.join(self.dir, 'cache'),
             'XDG_CONFIG_HOME': os.path.join(self.dir, 'xdg'), 'HOME': self.dir,
             'SKUA_THEME_DIR': os.path.join(TOP, 'themes'), 'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8',
             'TZ': 'UTC'}
        e.update(env or {})
        inner = 'env %s %s -c %s %s 2>%s; echo $? >%s; exec sleep 100000' % (
            ' '.join('%s=%s' % (k, shlex.quote(v)) for k, v in e.items() if v is not None),
            shlex.quote(skua_bin()), shlex.quote(self.cfg), ' '.join(shlex.quote(a) for a in args),
            shlex.quote(self.stderr), shlex.quote(self.exitfile))
        self.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'e2e', '-x', str(cols), '-y', str(rows),
                  'sh', '-c', inner)
        self.tmux('set-option', '-g', 'status', 'off')
        self.tmux('set-option', '-g', 'set-clipboard', 'on')
        self.tmux('set-option', '-g', 'allow-rename', 'on')
        self.tmux('resize-window', '-t', 'e2e', '-x', str(cols), '-y', str(rows))
        if record:
            self.tmux('pipe-pane', '-o', '-t', 'e2e', 'cat >>%s' % shlex.quote(self.raw))
        self.closed = False

    # -- tmux --
    def tmux(self, *args):
        r = subprocess.run(['tmux', '-S', self.sock] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise RuntimeError('tmux %s: %s' % (' '.join(args), r.stderr.decode(errors='replace')))
        return r.stdout.decode('utf-8', errors='replace')

    def keys(self, *keys):
        """tmux key names ('Enter', 'Escape', 'C-l', 'PageDown') or single characters."""
        for k in keys:
            self.tmux('send-keys', '-t', 'e2e', k)

    def type(self, text):
        self.tmux('send-keys', '-t', 'e2e', '-l', '--', text)

    def screen(self, escapes=False):
        args = ['capture-pane', '-p', '-t', 'e2e'] + (['-e'] if escapes else [])
        return self.tmux(*args)

    def line(self, n):
        lines = self.screen().split('\n')
        return lines[n] if n < len(lines) else ''

    def wait(self, pattern, regex=False, timeout=None, absent=False):
        """Polls the screen until pattern shows (absent=True: until it is gone)."""
        def found():
            s = self.screen()
            hit = re.search(pattern, s) if regex else pattern in s
            return (not hit) if absent else hit
        try:
            until(found, '%r to %s' % (pattern, 'go' if absent else 'show'), timeout)
        except AssertionError:
            sys.stderr.write('---- screen ----\n%s\n----------------\n' % self.screen())
            self.dump_stderr()
            raise
        return self.screen()

    def resize(self, cols, rows):
        self.tmux('resize-window', '-t', 'e2e', '-x', str(cols), '-y', str(rows))

    def size(self):
        out = self.tmux('display-message', '-p', '-t', 'e2e', '#{window_width} #{window_height}')
        w, h = out.split()
        return int(w), int(h)

    def title(self):
        return self.tmux('display-message', '-p', '-t', 'e2e', '#{pane_title}').strip()

    def buffers(self):
        return self.tmux('list-buffers').strip()

    def raw_output(self):
        try:
            with open(self.raw, 'rb') as f:
                return f.read()
        except FileNotFoundError:
            return b''

    def dump_stderr(self):
        try:
            with open(self.stderr, errors='replace') as f:
                err = f.read()
            if err:
                sys.stderr.write('---- skua stderr ----\n%s\n' % err[-4000:])
        except FileNotFoundError:
            pass

    def exit_status(self):
        try:
            with open(self.exitfile) as f:
                s = f.read().strip()
                return int(s) if s else None
        except FileNotFoundError:
            return None

    def quit(self, keys=('q',), expect=0):
        """Quits skua with keys and checks its exit status and stderr (sanitizers)."""
        for k in keys:
            self.keys(k)
        status = until(lambda: self.exit_status() is not None and [self.exit_status()], 'skua to exit')[0]
        self.check_stderr()
        if expect is not None and status != expect:
            self.dump_stderr()
            raise AssertionError('skua exited with %d, not %d' % (status, expect))
        return status

    def check_stderr(self):
        try:
            with open(self.stderr, errors='replace') as f:
                err = f.read()
        except FileNotFoundError:
            return
        if SANITIZER.search(err):
            raise AssertionError('sanitizer report on skua\'s stderr:\n%s' % err[-6000:])

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.tmux('kill-server')
        except RuntimeError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            try:
                sys.stderr.write('---- screen at failure ----\n%s\n' % self.screen())
            except Exception:
                pass
            self.dump_stderr()
        self.close()
        return False


def step(msg):
    print('# ' + msg, flush=True)
