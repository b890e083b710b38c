/*
 * encode — builds IMAP command lines safely. No I/O.
 *
 * A command is built argument by argument into a struct imap_cmd:
 *
 *     struct imap_cmd c;
 *     imap_cmd_init(&c, &opts);
 *     imap_cmd_start(&c, "a7", "UID STORE");
 *     imap_cmd_add_seqset(&c, &uids);
 *     imap_cmd_add_raw(&c, "+FLAGS.SILENT");
 *     imap_cmd_add_flags(&c, (const char *[]){"\\Seen"}, 1);
 *     if (imap_cmd_finish(&c) != IMAP_ENC_OK) ...   -> "a7 UID STORE 1:5 +FLAGS.SILENT (\Seen)\r\n"
 *     ...send..., then imap_cmd_free(&c);
 *
 * Contract:
 *  - Errors are sticky: the first failing call records its error, every later call returns it
 *    and changes nothing, and imap_cmd_finish() returns it. So a builder may check only once.
 *  - Arguments are separated by one space automatically (none after "(").
 *  - Strings never inject: CR, LF and 8-bit text is sent as a literal (8-bit UTF-8 may be quoted
 *    when opts.utf8_accept is set); NUL cannot be carried and is IMAP_ENC_BAD_CHAR. Tags, verbs,
 *    atoms, flags and raw text are checked and refused with IMAP_ENC_BAD_CHAR, never "fixed".
 *  - Literals: "{n}\r\n" (synchronising) unless opts.literal_plus ("{n+}" for any size) or
 *    opts.literal_minus ("{n+}" up to 4096 bytes) says otherwise. A synchronising literal splits
 *    the command into segments: send segment 0, wait for the server's "+" continuation, send
 *    segment 1, and so on (imap_cmd_nsegs / imap_cmd_seg). A tagged NO/BAD instead of "+" means
 *    the command is over: send nothing more of it.
 *  - Mailbox names (and Gmail labels) are converted from UTF-8 to modified UTF-7 unless
 *    opts.utf8_accept is set (after ENABLE UTF8=ACCEPT), then sent as astrings.
 *  - Redaction: bytes added between imap_cmd_redact_begin() and imap_cmd_redact_end() are
 *    recorded as secret. imap_cmd_trace() prints them as "<redacted>" (and big literals as
 *    "<literal N bytes>"); the wire logger must print commands only through it. Once anything
 *    is redacted, the command's memory is wiped when it grows and when it is freed.
 *  - The command owns its memory; imap_cmd_free() releases it (safe twice).
 */
#ifndef SKUA_IMAP_ENCODE_H
#define SKUA_IMAP_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct seqset;

enum imap_enc_result {
	IMAP_ENC_OK = 0,
	IMAP_ENC_BAD_CHAR = -1, /* a byte a tag/verb/atom/flag/raw text may not hold; NUL anywhere */
	IMAP_ENC_BAD_UTF8 = -2, /* a mailbox name that is not valid UTF-8 */
	IMAP_ENC_INVALID = -3,  /* misuse: nothing started, after finish, unbalanced list,
				   empty set, bad date */
	IMAP_ENC_TOO_BIG = -4,  /* past opts.max_size, or one line past opts.max_line */
	IMAP_ENC_NOMEM = -5,
};

/* Largest literal sent non-synchronising under LITERAL- (RFC 7888). */
#define IMAP_LITERAL_MINUS_MAX 4096
/* Default cap of a whole command (literals included): room for an APPEND of a big message. */
#define IMAP_CMD_DEFAULT_MAX ((size_t)64 << 20)

struct imap_enc_opts {
	bool literal_plus;  /* LITERAL+ offered */
	bool literal_minus; /* LITERAL- offered (or IMAP4rev2) */
	bool utf8_accept;   /* UTF8=ACCEPT enabled: UTF-8 mailbox names, quoted UTF-8 */
	size_t max_size;    /* whole command; 0 = IMAP_CMD_DEFAULT_MAX */
	size_t max_line;    /* one line, literal data excluded; 0 = no limit */
};

struct imap_date {
	int year, month, day; /* 1..9999, 1..12, 1..31 */
};

struct imap_span {
	size_t off, len;
};

struct imap_spans {
	struct imap_span *v;
	size_t n, cap;
};

struct imap_cmd {
	struct imap_enc_opts opts;
	struct buf b;
	size_t *sync; /* offsets where a segment ends (just after a "{n}\r\n") */
	size_t nsync, sync_cap;
	struct imap_spans redact;   /* secret bytes */
	struct imap_spans literals; /* literal data */
	size_t line_start;
	size_t redact_from; /* SIZE_MAX: not redacting */
	unsigned depth;     /* open "(" */
	int err;
	bool started, finished, need_sp, redact_pending, secret;
};

void imap_cmd_init(struct imap_cmd *c, const struct imap_enc_opts *opts);
void imap_cmd_free(struct imap_cmd *c);

/* Begins the command: tag (1*ASTRING-CHAR except "+") and verb (atoms separated by single
 * spaces, e.g. "UID FETCH"). */
int imap_cmd_start(struct imap_cmd *c, const char *tag, const char *verb);

int imap_cmd_add_atom(struct imap_cmd *c, const char *atom);
/* Atom when safe, else quoted, else literal. */
int imap_cmd_add_astring(struct imap_cmd *c, const char *s);
int imap_cmd_add_astring_n(struct imap_cmd *c, const char *s, size_t n);
/* Quoted or literal, never an atom (for grammar that says "string"). */
int imap_cmd_add_string(struct imap_cmd *c, const char *s, size_t n);
/* NULL gives NIL. */
int imap_cmd_add_nstring(struct imap_cmd *c, const char *s);
/* Always a literal (e.g. APPEND's message). NUL is refused. */
int imap_cmd_add_literal(struct imap_cmd *c, const void *data, size_t n);
/* UTF-8 mailbox name (also LIST patterns: "%" and "*" pass through). */
int imap_cmd_add_mailbox(struct imap_cmd *c, const char *utf8);
int imap_cmd_add_number(struct imap_cmd *c, uint64_t n);
int imap_cmd_add_seqset(struct imap_cmd *c, const struct seqset *s);
/* Ranges [from, to) of s, for sets split with seqset_chunk(). */
int imap_cmd_add_seqset_part(struct imap_cmd *c, const struct seqset *s, size_t from, size_t to);
/* "(\Seen $Label)": each flag an atom or "\" atom. */
int imap_cmd_add_flags(struct imap_cmd *c, const char *const *flags, size_t n);
/* Gmail X-GM-LABELS list: "\Inbox"-style system labels as they are, others as mailboxes. */
int imap_cmd_add_labels(struct imap_cmd *c, const char *const *labels, size_t n);
/* SEARCH date: 1-Feb-2024. */
int imap_cmd_add_date(struct imap_cmd *c, struct imap_date d);
/* APPEND date-time: "01-Feb-2024 13:05:00 +0100" for UTC time t shown at zone tz_minutes. */
int imap_cmd_add_datetime(struct imap_cmd *c, int64_t t, int tz_minutes);
/* Raw protocol text (fetch items, "+FLAGS.SILENT", "BODY.PEEK[1.2]<0.2048>"): printable ASCII
 * only. */
int imap_cmd_add_raw(struct imap_cmd *c, const char *text);
__attribute__((format(printf, 2, 3)))
int imap_cmd_add_rawf(struct imap_cmd *c, const char *fmt, ...);
int imap_cmd_list_open(struct imap_cmd *c);
int imap_cmd_list_close(struct imap_cmd *c);

void imap_cmd_redact_begin(struct imap_cmd *c);
void imap_cmd_redact_end(struct imap_cmd *c);

/* Appends CRLF and closes the command; returns the first error of the whole build. */
int imap_cmd_finish(struct imap_cmd *c);
static inline int imap_cmd_error(const struct imap_cmd *c) { return c->err; }

/* The finished command, all segments together. */
static inline const char *imap_cmd_data(const struct imap_cmd *c) { return buf_data(&c->b); }
static inline size_t imap_cmd_len(const struct imap_cmd *c) { return buf_len(&c->b); }
static inline bool imap_cmd_is_secret(const struct imap_cmd *c) { return c->secret; }
/* Segments: after sending segment i (i < nsegs - 1) wait for "+" before segment i + 1. */
size_t imap_cmd_nsegs(const struct imap_cmd *c);
void imap_cmd_seg(const struct imap_cmd *c, size_t i, const char **p, size_t *len);
/* Offset (into imap_cmd_data) where segment i starts. */
size_t imap_cmd_seg_off(const struct imap_cmd *c, size_t i);

/* Appends a log-safe rendering of command bytes [from, to) to out: redacted spans become
 * "<redacted>", literal data longer than elide_over becomes "<literal N bytes>". */
int imap_cmd_trace(const struct imap_cmd *c, size_t from, size_t to, size_t elide_over,
		   struct buf *out);

const char *imap_enc_strerror(int err);

/* Calendar helpers (proleptic Gregorian, no time zones, no I/O). */
bool imap_date_valid(struct imap_date d);
int64_t imap_date_to_days(struct imap_date d); /* days since 1970-01-01 */
struct imap_date imap_date_from_days(int64_t days);

/* True if s can be sent as an atom (1*ATOM-CHAR; "]" refused too), or as a flag ("\\" atom or
 * atom). */
bool imap_atom_valid(const char *s);
bool imap_flag_valid(const char *s);

/* Wipes memory that held a secret (the compiler may not drop it). */
void imap_wipe(void *p, size_t n);

#endif
