/*
 * search — composable IMAP SEARCH queries (RFC 3501 §6.4.4, CONDSTORE MODSEQ, Gmail X-GM-*),
 * encoded through imap/encode, and a translator from Gmail's search syntax. No I/O.
 *
 * Contract:
 *  - A query is a tree of struct imap_search nodes. Constructors return a new node or NULL
 *    (errno EINVAL for a key used with the wrong constructor or a bad argument, ENOMEM).
 *  - Combinators take ownership of their arguments, even when they fail: passing NULL makes
 *    them free the other argument and return NULL, so calls nest without checks:
 *        q = imap_search_or(imap_search_str(IMAP_SK_FROM, "ann"),
 *                           imap_search_not(imap_search_key(IMAP_SK_SEEN)));
 *    imap_search_free() frees a whole tree.
 *  - Nesting is bounded: a tree deeper than IMAP_SEARCH_MAX_DEPTH is refused (EINVAL) when
 *    built. AND and OR are n-ary: a chain of ORs is encoded as a balanced tree of binary ORs,
 *    so long alternatives stay shallow on the wire.
 *  - imap_search_encode() appends the search program to a started command ("SEARCH" or
 *    "UID SEARCH"): "CHARSET UTF-8" first when a string is not ASCII (never with UTF8=ACCEPT,
 *    RFC 6855), then the keys. Strings go as astrings (quoted, or literals for CR/LF/8-bit),
 *    dates as 1-Feb-2024, KEYWORD values must be atoms, X-GM-LABELS values are mailbox-encoded.
 *  - Strings are copied; the tree owns its memory.
 */
#ifndef SKUA_IMAP_SEARCH_H
#define SKUA_IMAP_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap/encode.h"

struct seqset;

#define IMAP_SEARCH_MAX_DEPTH 32

enum imap_search_key {
	/* no argument: imap_search_key() */
	IMAP_SK_ALL, IMAP_SK_ANSWERED, IMAP_SK_DELETED, IMAP_SK_DRAFT, IMAP_SK_FLAGGED,
	IMAP_SK_NEW, IMAP_SK_OLD, IMAP_SK_RECENT, IMAP_SK_SEEN, IMAP_SK_UNANSWERED,
	IMAP_SK_UNDELETED, IMAP_SK_UNDRAFT, IMAP_SK_UNFLAGGED, IMAP_SK_UNSEEN,
	/* string: imap_search_str() */
	IMAP_SK_BCC, IMAP_SK_BODY, IMAP_SK_CC, IMAP_SK_FROM, IMAP_SK_SUBJECT, IMAP_SK_TEXT,
	IMAP_SK_TO, IMAP_SK_X_GM_RAW,
	IMAP_SK_KEYWORD, IMAP_SK_UNKEYWORD, /* value must be an atom (flag keyword) */
	IMAP_SK_X_GM_LABELS,                /* value is a label: "\Inbox" or a UTF-8 name */
	/* field and string: imap_search_header() */
	IMAP_SK_HEADER,
	/* date: imap_search_date() */
	IMAP_SK_BEFORE, IMAP_SK_ON, IMAP_SK_SINCE, IMAP_SK_SENTBEFORE, IMAP_SK_SENTON,
	IMAP_SK_SENTSINCE,
	/* number: imap_search_num() — LARGER/SMALLER up to 4294967295, MODSEQ up to 2^63-1 */
	IMAP_SK_LARGER, IMAP_SK_SMALLER, IMAP_SK_MODSEQ, IMAP_SK_X_GM_MSGID, IMAP_SK_X_GM_THRID,
	/* set: imap_search_set() — UID set, or a bare message sequence set */
	IMAP_SK_UID, IMAP_SK_SEQSET,
	/* operators (built by the combinators) */
	IMAP_SK_AND, IMAP_SK_OR, IMAP_SK_NOT,
};

struct imap_search;

struct imap_search *imap_search_key(enum imap_search_key k);
struct imap_search *imap_search_str(enum imap_search_key k, const char *s);
struct imap_search *imap_search_header(const char *field, const char *value);
struct imap_search *imap_search_date(enum imap_search_key k, struct imap_date d);
struct imap_search *imap_search_num(enum imap_search_key k, uint64_t n);
/* Copies the set; it must not be empty. */
struct imap_search *imap_search_set(enum imap_search_key k, const struct seqset *s);

struct imap_search *imap_search_and(struct imap_search *a, struct imap_search *b);
struct imap_search *imap_search_or(struct imap_search *a, struct imap_search *b);
struct imap_search *imap_search_not(struct imap_search *a);

void imap_search_free(struct imap_search **q);

/* True if some string in the tree is not ASCII. */
bool imap_search_needs_utf8(const struct imap_search *q);

/* Appends the program to c (see the contract). Returns an imap_enc_result. */
int imap_search_encode(const struct imap_search *q, struct imap_cmd *c);

/*
 * Translates a Gmail-style query.
 *  - gmail = true: one X-GM-RAW key holding the query as typed (Gmail does the rest).
 *  - gmail = false: a SEARCH tree from this subset; anything else is an error naming the term:
 *      from: to: cc: bcc: subject:   FROM/TO/CC/BCC/SUBJECT (value: word, "phrase" or (group))
 *      is:unread is:read is:starred is:unstarred   UNSEEN SEEN FLAGGED UNFLAGGED
 *      has:attachment   HEADER Content-Type "multipart/mixed" — an approximation: it matches
 *                       mail with that header text (most attachments), misses attachments in
 *                       other structures (e.g. multipart/related) and matches mixed mail
 *                       without one.
 *      before: / older:  BEFORE;  after: / newer:  SINCE (both inclusive of the day named, as
 *                       Gmail behaves);  dates YYYY/MM/DD, YYYY-MM-DD or MM/DD/YYYY
 *      older_than:N newer_than:N (N followed by d, m or y)   BEFORE / SINCE today - N
 *      larger: smaller: size:  (N, NK, NM)   LARGER / SMALLER
 *      label:X in:X     KEYWORD X (X must be usable as an IMAP keyword; in:inbox, in:sent and
 *                       other folder scopes are errors: open that folder instead)
 *      rfc822msgid:     HEADER Message-ID;  deliveredto: HEADER Delivered-To;  list: List-Id
 *      "a phrase", word, +word       TEXT
 *      -term            NOT;   a OR b, {a b}   OR;   AND and juxtaposition   AND;  ( ... )
 *    OR binds tighter than the implicit AND ("a b OR c" is a AND (b OR c)), as in Gmail.
 *  - An empty query is ALL.
 *  On error returns NULL and writes a message to err (if errlen > 0).
 */
struct imap_search *imap_search_from_gmail_syntax(const char *q, bool gmail, char *err,
						  size_t errlen);
/* The same with "today" given, for older_than/newer_than (pure, for tests). */
struct imap_search *imap_search_from_gmail_syntax_at(const char *q, bool gmail,
						     struct imap_date today, char *err,
						     size_t errlen);

#endif
