#!/usr/bin/env python3
"""Start the IMAP servers that skua's integration tests run against, on 127.0.0.1.

Every server runs from a private temporary directory, listens on free loopback ports,
touches no system service and is stopped by PID when the command it wraps ends:

  dovecot     Debian's dovecot-imapd with a private config: a generated Maildir account,
              a plain listener (143-style) and an implicit-TLS one (993-style) with a
              certificate from a throwaway CA; SPECIAL-USE folders, CONDSTORE/QRESYNC,
              THREAD/SORT, COMPRESS=DEFLATE (imap_zlib).
  gmail       tests/servers/gmail_server.py, the project's Gmail emulation (X-GM-EXT-1),
              plain + TLS + control-hook ports.
  hoodiecrow  the npm package hoodiecrow-imap (partial X-GM-EXT-1), a second opinion.

Usage:
  servers.py run [--dovecot] [--gmail] [--hoodiecrow] [--messages N] [--seed S] [--flat] -- CMD [ARG...]
      start the servers, run CMD with the environment below, stop the servers, exit with
      CMD's status.
  servers.py serve gmail|dovecot|hoodiecrow [--messages N] [--env-file F]
      start one server and keep it running until SIGINT/SIGTERM (the demo uses this).

Environment given to CMD (only for the servers asked for):
  SKUA_TEST_CA                 PEM file of the CA that signed every server certificate
  SKUA_TEST_TLS_HOST           the name the certificates are valid for ("localhost")
  SKUA_TEST_USER / _PASSWORD   the account on every server
  SKUA_TEST_DOVECOT_PORT, SKUA_TEST_DOVECOT_TLS_PORT, SKUA_TEST_DOVECOT_MAILDIR
  SKUA_TEST_GMAIL_PORT, SKUA_TEST_GMAIL_TLS_PORT, SKUA_TEST_GMAIL_CONTROL_PORT,
  SKUA_TEST_GMAIL_TOKEN (a valid XOAUTH2/OAUTHBEARER token)
  SKUA_TEST_HOODIECROW_PORT (user testuser, password testpass)
  SKUA_TEST_MESSAGES, SKUA_TEST_SEED

Hoodiecrow is looked for in $SKUA_NODE_MODULES, else in .local/node_modules of the source tree
(scripts/install-deps --test puts it there).

A server that cannot be started is an error that names what to install. Under CI (CI=true)
that is a failure (exit 1); elsewhere the wrapped test is skipped (exit 77, automake's SKIP).
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SERVERS_DIR = os.path.join(TOP, "tests", "servers")
USER = "skua@example.com"
PASSWORD = "demo-password"
TOKEN = "ya29.skua-test-token"
SKIP = 77


class ServerError(Exception):
    """A server could not be started; the message says what to install or look at."""


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port():
    """A port that was free a moment ago on 127.0.0.1 (for servers that cannot bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"{what} exited with status {proc.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def wait_for_file(path, proc, what, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                text = f.read().strip()
            if text:
                return text
        if proc.poll() is not None:
            raise ServerError(f"{what} exited with status {proc.returncode} while starting")
        time.sleep(0.05)
    raise ServerError(f"{what} wrote no {os.path.basename(path)} within {timeout:.0f} s")


def make_certs(work):
    """A throwaway CA and a server certificate for localhost / 127.0.0.1 / ::1."""
    openssl = shutil.which("openssl")
    if not openssl:
        raise ServerError("the openssl command is needed for test certificates "
                          "(Debian: apt-get install openssl)")
    d = os.path.join(work, "tls")
    os.makedirs(d, exist_ok=True)
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    def run(*args):
        r = subprocess.run([openssl, *args], cwd=d, capture_output=True, text=True)
        if r.returncode != 0:
            raise ServerError(f"openssl {args[0]} failed: {r.stderr.strip()}")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3", "-subj", "/CN=skua test CA",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", "server.key", "-out", "server.csr")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "3", "-extfile", "ext.cnf", "-out", "server.pem")
    for name in ("ca.pem", "server.pem", "server.key"):
        os.chmod(os.path.join(d, name), 0o644)
    os.chmod(d, 0o755)
    return {"ca": os.path.join(d, "ca.pem"), "cert": os.path.join(d, "server.pem"),
            "key": os.path.join(d, "server.key")}


class Server:
    """A started server: its process, and the environment it contributes."""

    def __init__(self, name, proc, env):
        self.name, self.proc, self.env = name, proc, env

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------- dovecot

def start_dovecot(work, certs, messages, seed, flat=False):
    dovecot = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
    if not dovecot or not os.path.exists("/usr/lib/dovecot/imap"):
        raise ServerError("Dovecot's IMAP server is needed (Debian: apt-get install dovecot-imapd)")
    d = os.path.join(work, "dovecot")
    home = os.path.join(d, "home")
    os.makedirs(home)
    maildir = os.path.join(home, "Maildir")
    sys.path.insert(0, SERVERS_DIR)
    import make_maildir  # tests/servers/make_maildir.py: the Gmail generator's mail as a Maildir
    make_maildir.write_maildir(maildir, messages, seed, USER, flat)

    if os.geteuid() == 0:
        # As root Dovecot drops privileges; the mail belongs to an unprivileged user.
        import pwd
        mail_user = pwd.getpwnam("nobody")
        uid, gid = mail_user.pw_uid, mail_user.pw_gid
        login_user, internal_user = "dovenull", "dovecot"
        for root, dirs, files in os.walk(d):
            os.chown(root, uid, gid)
            for n in files:
                os.chown(os.path.join(root, n), uid, gid)
        os.chmod(work, 0o755)
        os.chmod(d, 0o755)
    else:
        import pwd
        me = pwd.getpwuid(os.getuid())
        uid, gid = os.getuid(), os.getgid()
        login_user = internal_user = me.pw_name

    port, tls_port = free_port(), free_port()
    passwd = os.path.join(d, "passwd")
    with open(passwd, "w") as f:
        f.write(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    os.chmod(passwd, 0o644)
    conf = os.path.join(d, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(f"""# private Dovecot for skua's tests; generated by tests/harness/servers.py
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{certs['cert']}
ssl_key = <{certs['key']}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {min(uid, 500)}
first_valid_gid = {min(gid, 500)}
mail_location = maildir:~/Maildir
mail_plugins = $mail_plugins zlib
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Archive {{
    auto = subscribe
    special_use = \\Archive
  }}
  mailbox Drafts {{
    auto = subscribe
    special_use = \\Drafts
  }}
  mailbox Junk {{
    auto = subscribe
    special_use = \\Junk
  }}
  mailbox Sent {{
    auto = subscribe
    special_use = \\Sent
  }}
  mailbox Trash {{
    auto = subscribe
    special_use = \\Trash
  }}
}}
protocol imap {{
  mail_plugins = $mail_plugins imap_zlib
  mail_max_userip_connections = 50
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""")
    log = open(os.path.join(d, "stdout.log"), "w")
    proc = subprocess.Popen([dovecot, "-F", "-c", conf], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_for_port(port, proc, "dovecot")
        wait_for_port(tls_port, proc, "dovecot (TLS)")
    except ServerError as e:
        proc.kill()
        tail = ""
        for p in (os.path.join(d, "dovecot.log"), os.path.join(d, "stdout.log")):
            if os.path.exists(p):
                tail += open(p, errors="replace").read()[-2000:]
        raise ServerError(f"{e}\n{tail}")
    return Server("dovecot", proc, {
        "SKUA_TEST_DOVECOT_PORT": str(port),
        "SKUA_TEST_DOVECOT_TLS_PORT": str(tls_port),
        "SKUA_TEST_DOVECOT_MAILDIR": maildir,
        "SKUA_TEST_DOVECOT_CONF": conf,
    })


# --------------------------------------------------------------------------- gmail emulation

def start_gmail(work, certs, messages, seed):
    script = os.path.join(SERVERS_DIR, "gmail_server.py")
    d = os.path.join(work, "gmail")
    os.makedirs(d)
    pf, tpf, cpf = (os.path.join(d, n) for n in ("port", "tls-port", "control-port"))
    log = os.path.join(d, "server.log")
    cmd = [sys.executable, script, "--host", "127.0.0.1",
           "--port", "0", "--port-file", pf,
           "--tls-port", "0", "--tls-port-file", tpf, "--cert", certs["cert"], "--key", certs["key"],
           "--control-port-file", cpf, "--messages", str(messages), "--seed", str(seed),
           "--user", USER, "--password", PASSWORD, "--oauth-token", TOKEN, "--log", log]
    out = open(os.path.join(d, "stdout.log"), "w")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        port = wait_for_file(pf, proc, "the Gmail-emulating server", timeout=300)
        tls_port = wait_for_file(tpf, proc, "the Gmail-emulating server")
        control = wait_for_file(cpf, proc, "the Gmail-emulating server")
    except ServerError as e:
        proc.kill()
        tail = open(os.path.join(d, "stdout.log"), errors="replace").read()[-2000:]
        raise ServerError(f"{e}\n{tail}")
    return Server("gmail", proc, {
        "SKUA_TEST_GMAIL_PORT": port,
        "SKUA_TEST_GMAIL_TLS_PORT": tls_port,
        "SKUA_TEST_GMAIL_CONTROL_PORT": control,
        "SKUA_TEST_GMAIL_TOKEN": TOKEN,
        "SKUA_TEST_GMAIL_LOG": log,
    })


# --------------------------------------------------------------------------- hoodiecrow

def start_hoodiecrow(work):
    node = shutil.which("node") or shutil.which("nodejs")
    modules = os.environ.get("SKUA_NODE_MODULES") or os.path.join(TOP, ".local", "node_modules")
    module = os.path.join(modules, "hoodiecrow-imap")
    if not node:
        raise ServerError("Node.js is needed for Hoodiecrow (Debian: apt-get install nodejs npm)")
    if not os.path.isdir(module):
        raise ServerError("hoodiecrow-imap is not installed; run scripts/install-deps "
                          "(it runs: npm install --prefix .local hoodiecrow-imap)")
    d = os.path.join(work, "hoodiecrow")
    os.makedirs(d)
    pf = os.path.join(d, "port")
    out = open(os.path.join(d, "stdout.log"), "w")
    env = dict(os.environ, NODE_PATH=modules)
    proc = subprocess.Popen([node, os.path.join(SERVERS_DIR, "hoodiecrow_server.js"), pf],
                            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        port = wait_for_file(pf, proc, "hoodiecrow")
    except ServerError as e:
        proc.kill()
        tail = open(os.path.join(d, "stdout.log"), errors="replace").read()[-2000:]
        raise ServerError(f"{e}\n{tail}")
    return Server("hoodiecrow", proc, {"SKUA_TEST_HOODIECROW_PORT": port})


# --------------------------------------------------------------------------- driver

def start(names, messages, seed, work, flat=False):
    certs = make_certs(work)
    env = {
        "SKUA_TEST_CA": certs["ca"],
        "SKUA_TEST_TLS_HOST": "localhost",
        "SKUA_TEST_USER": USER,
        "SKUA_TEST_PASSWORD": PASSWORD,
        "SKUA_TEST_MESSAGES": str(messages),
        "SKUA_TEST_SEED": str(seed),
        "SKUA_TEST_WORKDIR": work,
    }
    started = []
    try:
        for name in names:
            if name == "dovecot":
                s = start_dovecot(work, certs, messages, seed, flat)
            elif name == "gmail":
                s = start_gmail(work, certs, messages, seed)
            elif name == "hoodiecrow":
                s = start_hoodiecrow(work)
            else:
                raise ServerError(f"unknown server {name!r}")
            started.append(s)
            env.update(s.env)
    except BaseException:
        for s in started:
            s.stop()
        raise
    return started, env


def cmd_run(args):
    names = [n for n in ("dovecot", "gmail", "hoodiecrow") if getattr(args, n)]
    if not args.command:
        print("servers.py run: no command given after --", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="skua-servers-")
    status = 1
    try:
        try:
            started, env = start(names, args.messages, args.seed, work, args.flat)
        except ServerError as e:
            print(f"servers.py: cannot start the test servers: {e}", file=sys.stderr)
            if in_ci():
                print("servers.py: CI=true, so this is a failure, not a skip", file=sys.stderr)
                return 1
            print("servers.py: skipping this test (install the above to run it)", file=sys.stderr)
            return SKIP
        try:
            status = subprocess.call(args.command, env=dict(os.environ, **env))
        finally:
            for s in started:
                s.stop()
    finally:
        if args.keep:
            print(f"servers.py: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


def cmd_serve(args):
    work = tempfile.mkdtemp(prefix="skua-serve-")
    try:
        try:
            started, env = start([args.server], args.messages, args.seed, work)
        except ServerError as e:
            print(f"servers.py: cannot start {args.server}: {e}", file=sys.stderr)
            return 1
        if args.env_file:
            tmp = args.env_file + ".tmp"
            with open(tmp, "w") as f:
                for k, v in sorted(env.items()):
                    f.write(f"{k}={v}\n")
            os.replace(tmp, args.env_file)
        else:
            for k, v in sorted(env.items()):
                print(f"{k}={v}")
            sys.stdout.flush()
        stop = []
        signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
        signal.signal(signal.SIGINT, lambda *a: stop.append(1))
        while not stop and all(s.proc.poll() is None for s in started):
            time.sleep(0.2)
        for s in started:
            s.stop()
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="verb", required=True)
    r = sub.add_parser("run", help="start servers, run a command, stop them")
    for n in ("dovecot", "gmail", "hoodiecrow"):
        r.add_argument("--" + n, action="store_true")
    r.add_argument("--messages", type=int, default=int(os.environ.get("SKUA_TEST_MESSAGES", "200")))
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    r.add_argument("--flat", action="store_true",
                   help="Dovecot: every generated message in INBOX (one large mailbox)")
    r.add_argument("command", nargs=argparse.REMAINDER)
    s = sub.add_parser("serve", help="start one server and keep it running")
    s.add_argument("server", choices=("dovecot", "gmail", "hoodiecrow"))
    s.add_argument("--messages", type=int, default=5000)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--env-file")
    args = ap.parse_args()
    if args.verb == "run":
        if args.command and args.command[0] == "--":
            args.command = args.command[1:]
        return cmd_run(args)
    return cmd_serve(args)


if __name__ == "__main__":
    sys.exit(main())
