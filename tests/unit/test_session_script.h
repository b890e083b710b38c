/*
 * test_session_script — runs a transcript (tests/unit/transcripts/NAME.txt) against an
 * imap_session over an in-process fake transport. The format (one directive per line):
 *
 *   # comment                       blank lines are ignored too
 *   O: key=value ...                session options, before the first other line:
 *                                   tls=implicit|starttls|none user=NAME oauth=1 mechs=A,B
 *                                   compress=0 id=0 condstore=0 idle=0 utf8=1 host=H port=N
 *                                   max_in_flight=N command_timeout=MS idle_delay=MS
 *                                   idle_restart=MS keepalive=MS greeting_timeout=MS
 *                                   max_literal=N max_depth=N manual_up=1 free_on_untagged=KIND
 *                                   free_on_state=STATE
 *                                   tls_start_fails=1
 *   S: text                         the server sends text CRLF; consecutive S:/B:/G: lines
 *                                   form one chunk, delivered when the next other line comes
 *   B: text                         raw bytes, no CRLF added; escapes \r \n \t \\ \xNN
 *   G: N text                       text repeated N times (no CRLF)
 *   C: text                         the client must have sent exactly text CRLF next
 *                                   (${VERSION} and ${CONTACT} are replaced)
 *   A: action ...                   submit LABEL [+barrier] [+priority] [+selected] [+free]
 *                                     [interest=K,K] VERB args (args: raw text with
 *                                     <<lit:..>> <<str:..>> <<mbox:..>> pieces)
 *                                   secret TEXT | secret-none WHY | tls ok | tls fail WHY
 *                                   up | down WHY | free | cancel LABEL | logout
 *                                   fire idle|cmd|keepalive|greeting | run MS
 *   X: check ...                    state NAME | done LABEL STATUS [text] | pending LABEL
 *                                   routed LABEL K K.. | untagged K K.. | alert TEXT | alerts N
 *                                   error TEXT | errkind KIND | noerror | throttled N
 *                                   secret-asked N first|again | selected NAME ro|rw | selected -
 *                                   cap NAME yes|no | enabled NAME yes|no | queue N
 *                                   closed | open | tls-started N | compress N | no-output
 *                                   never-sent TEXT | trace-has TEXT | trace-lacks TEXT
 *                                   armed TIMER yes|no | dropped N
 * Untagged kinds are written as OK NO BAD BYE PREAUTH CAPABILITY ENABLED LIST LSUB STATUS SEARCH
 * SORT ESEARCH FLAGS VANISHED NAMESPACE ID THREAD UNKNOWN, or EXISTS:n RECENT:n EXPUNGE:n
 * FETCH:seq.
 *
 * (+free: the command's done() frees the session; cancel LABEL: its done() must never run.)
 * After the last line the session is freed; every submitted command must have completed
 * exactly once (cancelled ones: never), and nothing may have been written after the
 * transport was closed.
 */
#ifndef SKUA_TEST_SESSION_SCRIPT_H
#define SKUA_TEST_SESSION_SCRIPT_H

enum script_split {
	SPLIT_WHOLE,  /* chunks as written (per line while the transport is in line mode) */
	SPLIT_BYTES,  /* one byte at a time */
	SPLIT_RANDOM, /* random pieces of 1..17 bytes (fixed seed) */
};

/* Runs the file in one split mode, with or without the wire trace. Fails the cmocka test on
 * the first mismatch, naming file:line. */
void script_run_file(const char *path, enum script_split split, int trace);

#endif
