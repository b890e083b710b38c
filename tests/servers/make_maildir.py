#!/usr/bin/env python3
"""Write the Gmail emulation's generated account as a Maildir for Dovecot (standard IMAP).

The same seeded generator as tests/servers/gmail_server.py, mapped to what a standard IMAP
account looks like: one folder per message instead of labels —
  \\Inbox -> INBOX, \\Sent -> Sent, \\Draft -> Drafts, \\Spam -> Junk, \\Trash -> Trash,
  archived mail with a user label -> that label's folder (nested, non-ASCII names included),
  other archived mail -> Archive;
user labels that are valid IMAP atoms also become keywords. Flags map to Maildir info letters and
the message date to the file's mtime (Dovecot's INTERNALDATE).

Usage: make_maildir.py MAILDIR --messages N [--seed S] [--user ADDRESS] [--flat]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gmailsim import generator as g  # noqa: E402
from gmailsim.util import mutf7_encode  # noqa: E402

SPECIAL = {g.SENT: "Sent", g.DRAFTL: "Drafts", g.SPAM: "Junk", g.TRASH: "Trash"}
FLAG_LETTERS = [(g.DRAFT, "D"), (g.FLAGGED, "F"), (g.ANSWERED, "R"), (g.SEEN, "S")]


def is_atom(s):
    return s and all(33 <= ord(c) < 127 and c not in '(){ %*"\\]' for c in s)


def folder_for(labels):
    if g.INBOX in labels:
        return "INBOX"
    for lab, name in SPECIAL.items():
        if lab in labels:
            return name
    user = sorted(lab for lab in labels if lab not in g.SYSTEM_LABELS)
    return user[0] if user else "Archive"


def disk_dir(maildir, folder):
    """Maildir++ layout: INBOX is the root, Work/Projects is .Work.Projects (mUTF-7 on disk)."""
    if folder == "INBOX":
        return maildir
    parts = [mutf7_encode(p) for p in folder.split("/")]
    return os.path.join(maildir, "." + ".".join(parts))


def make_dirs(path):
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)


def write_maildir(maildir, n, seed, user, flat=False):
    """flat: every message in INBOX (a single large mailbox, for scale tests)."""
    acct = g.Account(n, seed, user)
    keywords = [lab for lab in g.USER_LABELS if is_atom(lab)][:26]
    kw_letter = {k: chr(ord("a") + i) for i, k in enumerate(keywords)}
    made = set()
    for folder in ("INBOX", "Sent", "Drafts", "Junk", "Trash", "Archive"):
        make_dirs(disk_dir(maildir, folder))
        made.add(folder)
    for lab in g.USER_LABELS:
        make_dirs(disk_dir(maildir, lab))
        made.add(lab)
    for i in range(n):
        labels = acct.labelsets[acct.lset[i]]
        folder = "INBOX" if flat else folder_for(labels)
        d = disk_dir(maildir, folder)
        raw = acct.render(i)
        flags = acct.flags[i]
        info = "".join(letter for bit, letter in FLAG_LETTERS if flags & bit)
        info += "".join(sorted(kw_letter[lab] for lab in labels if lab in kw_letter))
        name = f"{acct.date[i]}.M{i}P1.skua,S={len(raw)}:2,{info}"
        path = os.path.join(d, "cur", name)
        with open(path, "wb") as f:
            f.write(raw)
        os.utime(path, (acct.date[i], acct.date[i]))
    # keyword names, the same in every folder
    for folder in made:
        with open(os.path.join(disk_dir(maildir, folder), "dovecot-keywords"), "w") as f:
            for idx, k in enumerate(keywords):
                f.write(f"{idx} {k}\n")
    with open(os.path.join(maildir, "subscriptions"), "w") as f:
        f.write("V\t2\n\n" + "\t".join(sorted(made - {"INBOX"})) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("maildir")
    ap.add_argument("--messages", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--user", default="skua@example.com")
    ap.add_argument("--flat", action="store_true", help="every message in INBOX")
    a = ap.parse_args()
    write_maildir(a.maildir, a.messages, a.seed, a.user, a.flat)


if __name__ == "__main__":
    main()
