"""gmailsim -- an independent emulation of Gmail's IMAP service for tests.

What it emulates (from Google's "IMAP extensions" page and known behaviour):

* Greeting ``* OK Gimap ready``, Gmail's CAPABILITY lists before and after
  login (X-GM-EXT-1, SPECIAL-USE, CONDSTORE, ESEARCH, MOVE, UIDPLUS,
  COMPRESS=DEFLATE done for real, LITERAL+ / LITERAL-, UTF8=ACCEPT, ...),
  no QRESYNC / SORT / THREAD; ID answers ``"name" "GImap"``.
* LOGIN, AUTHENTICATE PLAIN / PLAIN-CLIENTTOKEN / XOAUTH2 / OAUTHBEARER
  with and without SASL-IR; the XOAUTH2 failure dance (base64 JSON
  continuation, empty client line, tagged NO [AUTHENTICATIONFAILED]).
* One message store; folders are views (INBOX = \\Inbox label,
  [Gmail]/All Mail = everything but Spam/Trash, Starred = \\Flagged, ...),
  each with its own UIDVALIDITY and UIDs in order of labelling.  X-GM-MSGID,
  X-GM-THRID, X-GM-LABELS in FETCH, STORE and SEARCH; X-GM-RAW search;
  archive by removing \\Inbox, trash by MOVE to [Gmail]/Trash.
* CONDSTORE modseqs (global counter, HIGHESTMODSEQ per folder,
  CHANGEDSINCE, UNCHANGEDSINCE / [MODIFIED]), IDLE with updates pushed from
  other connections and from the control hook.
* A deterministic lazy generator (``generator.py``) for realistic
  mailboxes up to millions of messages, and a JSON control hook
  (``server.py``; client in ``../gmail_client.py``) for tests.

Deliberate deviations from real Gmail (keep this list current):

* RECENT is always 0 and \\Recent is never set (Gmail behaves the same in
  practice).  No STARTTLS (Gmail has none either), no BINARY, no NOTIFY.
* "Auto-Expunge" is off by default: \\Deleted only takes effect on EXPUNGE
  or CLOSE (option ``auto_expunge`` turns Gmail's default on).  EXPUNGE in
  a label folder removes the label; in All Mail it moves to Trash; in
  Trash/Spam/Drafts it deletes forever.  \\Deleted is cleared afterwards.
* Label-only changes made elsewhere are not announced as unsolicited FETCH
  (like Gmail) unless option ``push_label_changes`` is set; flag changes
  are announced as ``* n FETCH (UID u FLAGS (...) [MODSEQ (m)])``.
* X-GM-LABELS uses backslash atoms (``\\Inbox \\Sent \\Important \\Draft``);
  option ``quote_system_labels`` switches to Gmail's observed quoted form
  ``"\\\\Inbox"``.  \\Starred is accepted in STORE and mapped to \\Flagged.
  The selected user-label / Trash / Spam folder's own label is omitted.
* MOVE from [Gmail]/All Mail to a label leaves the message in All Mail (so
  no EXPUNGE), as Gmail does.
* A control-hook UIDVALIDITY change closes sessions that have the folder
  selected (``* BYE``) instead of letting them continue.
* Sequence numbers beyond EXISTS give BAD (RFC 3501 says error; Gmail
  says BAD "Could not parse command").
* X-GM-RAW matches substrings, not Gmail's tokenised words; it covers the
  operators listed in ``search.py``.
"""
