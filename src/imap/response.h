/*
 * response — the typed model of one parsed IMAP server response (RFC 3501 / RFC 9051 and the
 * extensions skua uses). Produced by src/imap/parser.h; read-only for everybody else.
 *
 * Memory: a struct imap_response and everything it points to live in the parser's per-response
 * arena and are valid ONLY during the cb->response() call that delivers it. Copy what you keep.
 *
 * Conventions used throughout:
 *  - struct imap_str: p == NULL means NIL (or "absent"); otherwise p points to len bytes followed
 *    by a NUL (p[len] == '\0'). The bytes are exactly what the server sent after unquoting (quoted
 *    strings unescaped, literals verbatim) and may contain NUL bytes (literal8) or any other byte:
 *    sanitise before display. Mailbox names and labels are kept raw (modified UTF-7 or UTF-8).
 *  - Vectors are { size_t n; const T *v; } with v == NULL when n == 0.
 *  - Numbers: uint32_t for RFC "number"/"nz-number", uint64_t for mod-sequences, X-GM ids and
 *    sizes that RFCs allow past 2^32. Zero where an nz-number is required is a parse error.
 *  - Sequence/UID sets are compact range lists, never expanded: "1:4294967295" is one range.
 *    A range bound of 0 stands for "*" (only where the grammar allows it: MODIFIED, ESEARCH ALL);
 *    ranges are normalised so that lo <= hi (with "*" the highest), order is kept as sent.
 *  - `present` bit masks say which optional items a response carried.
 */
#ifndef SKUA_IMAP_RESPONSE_H
#define SKUA_IMAP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- basic values ----------------------------------------------------------------------- */

struct imap_str {
	const char *p; /* NULL = NIL; else NUL-terminated (may also contain NULs) */
	size_t len;
};

struct imap_strlist {
	size_t n;
	const struct imap_str *v; /* never NIL entries unless documented */
};

struct imap_range {
	uint32_t lo, hi; /* lo <= hi; 0 = "*" where allowed */
};

struct imap_seqset {
	size_t n;
	const struct imap_range *v;
};

/* System flags as bits; the full list (system flags and keywords, as sent) is in v. */
enum imap_sysflag {
	IMAP_FLAG_SEEN = 1u << 0,
	IMAP_FLAG_ANSWERED = 1u << 1,
	IMAP_FLAG_FLAGGED = 1u << 2,
	IMAP_FLAG_DELETED = 1u << 3,
	IMAP_FLAG_DRAFT = 1u << 4,
	IMAP_FLAG_RECENT = 1u << 5,
	IMAP_FLAG_WILDCARD = 1u << 6, /* "\*" in PERMANENTFLAGS */
};

struct imap_flags {
	uint32_t sys; /* enum imap_sysflag bits */
	size_t n;
	const struct imap_str *v; /* every flag as sent, e.g. "\Seen", "$Forwarded" */
};

/* ---- status responses and response codes ------------------------------------------------ */

enum imap_status {
	IMAP_STATUS_OK,
	IMAP_STATUS_NO,
	IMAP_STATUS_BAD,
	IMAP_STATUS_PREAUTH, /* untagged only */
	IMAP_STATUS_BYE,     /* untagged only */
};

enum imap_code_kind {
	IMAP_CODE_NONE = 0, /* no [code] */
	IMAP_CODE_UNKNOWN,  /* name + raw kept */
	IMAP_CODE_ALERT,
	IMAP_CODE_BADCHARSET,     /* list (may be empty) */
	IMAP_CODE_CAPABILITY,     /* list */
	IMAP_CODE_PARSE,
	IMAP_CODE_PERMANENTFLAGS, /* flags */
	IMAP_CODE_READ_ONLY,
	IMAP_CODE_READ_WRITE,
	IMAP_CODE_TRYCREATE,
	IMAP_CODE_UIDNEXT,        /* num */
	IMAP_CODE_UIDVALIDITY,    /* num */
	IMAP_CODE_UNSEEN,         /* num */
	IMAP_CODE_APPENDUID,      /* uidvalidity + dst (uid set) */
	IMAP_CODE_COPYUID,        /* uidvalidity + src + dst (same number of UIDs) */
	IMAP_CODE_HIGHESTMODSEQ,  /* num64 */
	IMAP_CODE_NOMODSEQ,
	IMAP_CODE_MODIFIED,       /* set (sequence set, "*" allowed) */
	IMAP_CODE_CLOSED,
	IMAP_CODE_UIDNOTSTICKY,
	IMAP_CODE_NONEXISTENT,
	IMAP_CODE_ALREADYEXISTS,
	IMAP_CODE_AUTHENTICATIONFAILED,
	IMAP_CODE_AUTHORIZATIONFAILED,
	IMAP_CODE_EXPIRED,
	IMAP_CODE_PRIVACYREQUIRED,
	IMAP_CODE_CONTACTADMIN,
	IMAP_CODE_NOPERM,
	IMAP_CODE_INUSE,
	IMAP_CODE_EXPUNGEISSUED,
	IMAP_CODE_CORRUPTION,
	IMAP_CODE_SERVERBUG,
	IMAP_CODE_CLIENTBUG,
	IMAP_CODE_CANNOT,
	IMAP_CODE_LIMIT,
	IMAP_CODE_OVERQUOTA,
	IMAP_CODE_UNAVAILABLE,
	IMAP_CODE_HASCHILDREN,
	IMAP_CODE_NOTSAVED,
	IMAP_CODE_UNKNOWN_CTE,
	IMAP_CODE_THROTTLED,      /* Gmail: back off */
	IMAP_CODE_COMPRESSIONACTIVE,
	IMAP_CODE_APPENDLIMIT,    /* num64 (RFC 7889); absent number = 0 */
	IMAP_CODE_WEBALERT,       /* Gmail: raw holds the URL */
};

struct imap_code {
	enum imap_code_kind kind;
	const char *name;         /* the code atom as sent (NULL when kind == NONE) */
	uint32_t num;             /* UIDNEXT, UIDVALIDITY, UNSEEN */
	uint64_t num64;           /* HIGHESTMODSEQ, APPENDLIMIT */
	uint32_t uidvalidity;     /* APPENDUID, COPYUID */
	struct imap_seqset src;   /* COPYUID source UIDs */
	struct imap_seqset dst;   /* COPYUID destination UIDs, APPENDUID appended UIDs */
	struct imap_seqset set;   /* MODIFIED */
	struct imap_strlist list; /* BADCHARSET, CAPABILITY */
	struct imap_flags flags;  /* PERMANENTFLAGS */
	struct imap_str raw;      /* text after the atom up to ']' (any code; NULL if none) */
};

struct imap_resp_status {
	enum imap_status status;
	struct imap_code code;
	struct imap_str text;     /* human text after the code, never NIL ("" if missing) */
	bool text_truncated;      /* text was longer than the limit and cut */
};

/* ---- mailbox-level data ------------------------------------------------------------------ */

enum imap_mbox_attr {
	IMAP_MBOX_NOINFERIORS = 1u << 0,
	IMAP_MBOX_NOSELECT = 1u << 1,
	IMAP_MBOX_MARKED = 1u << 2,
	IMAP_MBOX_UNMARKED = 1u << 3,
	IMAP_MBOX_HASCHILDREN = 1u << 4,
	IMAP_MBOX_HASNOCHILDREN = 1u << 5,
	IMAP_MBOX_NONEXISTENT = 1u << 6,
	IMAP_MBOX_SUBSCRIBED = 1u << 7,
	IMAP_MBOX_REMOTE = 1u << 8,
	/* RFC 6154 special use, and Gmail's \Important */
	IMAP_MBOX_ALL = 1u << 9,
	IMAP_MBOX_ARCHIVE = 1u << 10,
	IMAP_MBOX_DRAFTS = 1u << 11,
	IMAP_MBOX_FLAGGED = 1u << 12,
	IMAP_MBOX_JUNK = 1u << 13,
	IMAP_MBOX_SENT = 1u << 14,
	IMAP_MBOX_TRASH = 1u << 15,
	IMAP_MBOX_IMPORTANT = 1u << 16,
};

/* LIST and LSUB (RFC 3501, RFC 5258 LIST-EXTENDED, RFC 6154). */
struct imap_resp_list {
	uint32_t attr;              /* enum imap_mbox_attr bits (case-insensitive match) */
	struct imap_strlist attrs;  /* every attribute as sent */
	char delim;                 /* hierarchy delimiter; '\0' when NIL */
	struct imap_str name;       /* raw bytes; any case of "INBOX" is given as "INBOX" */
	bool is_inbox;
	struct imap_strlist childinfo; /* LIST-EXTENDED CHILDINFO values */
	struct imap_str oldname;       /* LIST-EXTENDED OLDNAME (NULL if absent) */
};

enum imap_status_item {
	IMAP_SI_MESSAGES = 1u << 0,
	IMAP_SI_RECENT = 1u << 1,
	IMAP_SI_UIDNEXT = 1u << 2,
	IMAP_SI_UIDVALIDITY = 1u << 3,
	IMAP_SI_UNSEEN = 1u << 4,
	IMAP_SI_HIGHESTMODSEQ = 1u << 5,
	IMAP_SI_SIZE = 1u << 6,     /* RFC 8438 */
	IMAP_SI_DELETED = 1u << 7,  /* RFC 9051 */
	IMAP_SI_APPENDLIMIT = 1u << 8,
};

/* Untagged STATUS (unknown items are skipped). */
struct imap_resp_mbstatus {
	struct imap_str mailbox; /* raw, INBOX normalised as in LIST */
	uint32_t present;        /* enum imap_status_item bits */
	uint32_t messages, recent, uidnext, uidvalidity, unseen, deleted;
	uint64_t highestmodseq, size, appendlimit;
};

/* SEARCH and SORT: numbers in order as sent, plus RFC 7162 "(MODSEQ n)". */
struct imap_resp_search {
	size_t n;
	const uint32_t *v;
	bool has_modseq;
	uint64_t modseq;
};

enum imap_esearch_item {
	IMAP_ES_MIN = 1u << 0,
	IMAP_ES_MAX = 1u << 1,
	IMAP_ES_COUNT = 1u << 2,
	IMAP_ES_ALL = 1u << 3,
	IMAP_ES_MODSEQ = 1u << 4,
};

/* ESEARCH (RFC 4731 / RFC 9051); unknown return items are skipped. */
struct imap_resp_esearch {
	struct imap_str tag;   /* search correlator (TAG "..."), NULL if absent */
	bool uid;              /* the UID indicator was present */
	uint32_t present;      /* enum imap_esearch_item bits */
	uint32_t min, max, count;
	struct imap_seqset all;
	uint64_t modseq;
};

struct imap_resp_vanished {
	bool earlier;
	struct imap_seqset uids; /* validated uid-set: no zero, no "*" */
};

struct imap_ns_ext {
	struct imap_str name;
	struct imap_strlist values;
};

struct imap_ns_entry {
	struct imap_str prefix;
	char delim; /* '\0' when NIL */
	size_t n_ext;
	const struct imap_ns_ext *ext;
};

struct imap_ns_list {
	bool nil; /* the server sent NIL (n == 0 then) */
	size_t n;
	const struct imap_ns_entry *v;
};

struct imap_resp_namespace {
	struct imap_ns_list personal, other, shared;
};

/* ID (RFC 2971): nil, or key/value pairs (values may be NIL). */
struct imap_resp_id {
	bool nil;
	size_t n;
	const struct imap_str *keys;
	const struct imap_str *values;
};

/*
 * THREAD (RFC 5256), kept in wire shape so depth is bounded by parenthesis nesting:
 * a thread is a chain of messages nums[0] -> nums[1] -> ... (each the parent of the next),
 * and the last of them is the parent of every thread in sub[] (its branches). A thread with
 * n_nums == 0 is a dummy parent: its branches are siblings whose common parent is missing.
 */
struct imap_thread {
	size_t n_nums;
	const uint32_t *nums;
	size_t n_sub;
	const struct imap_thread *sub;
};

struct imap_resp_thread {
	size_t n;
	const struct imap_thread *v; /* top-level threads */
};

/* ---- FETCH ------------------------------------------------------------------------------- */

enum imap_addr_kind {
	IMAP_ADDR_MAILBOX,     /* an ordinary address */
	IMAP_ADDR_GROUP_START, /* RFC 3501 group syntax: mailbox holds the group name, host NIL */
	IMAP_ADDR_GROUP_END,   /* mailbox and host NIL */
};

struct imap_address {
	enum imap_addr_kind kind;
	struct imap_str name, adl, mailbox, host; /* raw; RFC 2047 is left to the reader */
};

struct imap_addrlist {
	size_t n; /* 0 for NIL */
	const struct imap_address *v;
};

struct imap_envelope {
	struct imap_str date, subject;
	struct imap_addrlist from, sender, reply_to, to, cc, bcc;
	struct imap_str in_reply_to, message_id;
};

struct imap_param {
	struct imap_str name, value;
};

struct imap_params {
	size_t n; /* 0 for NIL */
	const struct imap_param *v;
};

enum imap_body_kind {
	IMAP_BODY_BASIC,     /* any non-text single part */
	IMAP_BODY_TEXT,      /* text/<any>: has lines */
	IMAP_BODY_MESSAGE,   /* message/rfc822 or message/global: envelope, body, lines */
	IMAP_BODY_MULTIPART, /* parts[], subtype, extension params */
};

/* BODY and BODYSTRUCTURE (recursive, depth bounded by the parser's body depth limit). */
struct imap_body {
	enum imap_body_kind kind;
	struct imap_str type;     /* as sent; "MULTIPART" for multiparts */
	struct imap_str subtype;
	struct imap_params params; /* body-fld-param (single part) or multipart extension params */
	/* single part */
	struct imap_str id, description, encoding;
	uint32_t size;            /* body-fld-octets */
	uint32_t lines;           /* TEXT and MESSAGE */
	const struct imap_envelope *envelope; /* MESSAGE (NULL if the server omitted it) */
	const struct imap_body *body;         /* MESSAGE (NULL if the server omitted it) */
	/* multipart */
	size_t n_parts;
	const struct imap_body *parts;
	/* extension data (BODYSTRUCTURE; lenient: accepted in BODY too) */
	bool has_ext;
	struct imap_str md5;              /* single part only */
	struct imap_str disposition;      /* e.g. "attachment", NULL if NIL/absent */
	struct imap_params disposition_params;
	struct imap_strlist language;     /* a single string is a list of one */
	struct imap_str location;
	/* further extension data of unknown shape is skipped */
};

/* Which kind of FETCH item a body section or streamed literal belongs to. */
enum imap_section_item {
	IMAP_SECTION_BODY,          /* BODY[section]<origin> */
	IMAP_SECTION_BINARY,        /* BINARY[section]<origin> (RFC 3516) */
	IMAP_SECTION_BINARY_SIZE,   /* BINARY.SIZE[section]: size only */
	IMAP_SECTION_RFC822,        /* RFC822 */
	IMAP_SECTION_RFC822_HEADER, /* RFC822.HEADER */
	IMAP_SECTION_RFC822_TEXT,   /* RFC822.TEXT */
};

enum imap_section_text {
	IMAP_STEXT_NONE,              /* BODY[] or BODY[1.2] */
	IMAP_STEXT_HEADER,
	IMAP_STEXT_HEADER_FIELDS,
	IMAP_STEXT_HEADER_FIELDS_NOT,
	IMAP_STEXT_TEXT,
	IMAP_STEXT_MIME,
	IMAP_STEXT_OTHER,             /* unrecognised; see the raw spec */
};

/* A parsed section spec: part numbers, then the text part. */
struct imap_section {
	const char *spec;           /* raw text between '[' and ']' ("" for BODY[]); NULL for RFC822* */
	size_t n_part;
	const uint32_t *part;       /* e.g. {1, 2} for "1.2" */
	enum imap_section_text text;
	struct imap_strlist fields; /* HEADER.FIELDS[.NOT] names */
};

struct imap_section_data {
	enum imap_section_item item;
	struct imap_section section;
	bool has_origin;
	uint32_t origin;      /* <origin> */
	struct imap_str data; /* NULL for NIL, for BINARY.SIZE and when streamed */
	bool streamed;        /* data went to cb->literal_chunk; size tells how much */
	bool binary;          /* sent as literal8 (~{n}) */
	uint64_t size;        /* data length, literal size when streamed, BINARY.SIZE value */
};

enum imap_fetch_item {
	IMAP_FETCH_UID = 1u << 0,
	IMAP_FETCH_FLAGS = 1u << 1,
	IMAP_FETCH_INTERNALDATE = 1u << 2,
	IMAP_FETCH_RFC822_SIZE = 1u << 3,
	IMAP_FETCH_ENVELOPE = 1u << 4,
	IMAP_FETCH_BODYSTRUCTURE = 1u << 5,
	IMAP_FETCH_BODY = 1u << 6,        /* the non-extensible BODY structure */
	IMAP_FETCH_MODSEQ = 1u << 7,
	IMAP_FETCH_GM_MSGID = 1u << 8,
	IMAP_FETCH_GM_THRID = 1u << 9,
	IMAP_FETCH_GM_LABELS = 1u << 10,
	IMAP_FETCH_EMAILID = 1u << 11,    /* RFC 8474 */
	IMAP_FETCH_THREADID = 1u << 12,   /* RFC 8474 (NIL -> present with p == NULL) */
	IMAP_FETCH_SECTIONS = 1u << 13,   /* n_sections > 0 */
};

struct imap_resp_fetch {
	uint32_t seq;                /* message sequence number (nz) */
	uint32_t present;            /* enum imap_fetch_item bits */
	uint32_t uid;
	struct imap_flags flags;
	struct imap_str internaldate_raw;
	time_t internaldate;         /* UTC seconds; -1 if the string did not parse */
	uint32_t rfc822_size;
	const struct imap_envelope *envelope;
	const struct imap_body *bodystructure;
	const struct imap_body *body;
	uint64_t modseq;
	uint64_t gm_msgid, gm_thrid;
	/* X-GM-LABELS: system labels as "\Inbox" (a doubled "\\Inbox" is normalised), user labels
	 * raw (modified UTF-7 as sent). */
	struct imap_strlist gm_labels;
	struct imap_str emailid, threadid;
	size_t n_sections;           /* BODY[..], BINARY[..], BINARY.SIZE[..], RFC822* in order */
	const struct imap_section_data *sections;
};

/* ---- the response ------------------------------------------------------------------------ */

enum imap_resp_kind {
	IMAP_RESP_STATUS,       /* tagged or untagged OK/NO/BAD/PREAUTH/BYE: status */
	IMAP_RESP_CONTINUATION, /* "+ text": text */
	IMAP_RESP_CAPABILITY,   /* list */
	IMAP_RESP_ENABLED,      /* list */
	IMAP_RESP_LIST,         /* list_data */
	IMAP_RESP_LSUB,         /* list_data */
	IMAP_RESP_MBSTATUS,     /* untagged STATUS: mbstatus */
	IMAP_RESP_SEARCH,       /* search */
	IMAP_RESP_SORT,         /* search */
	IMAP_RESP_ESEARCH,      /* esearch */
	IMAP_RESP_FLAGS,        /* flags */
	IMAP_RESP_EXISTS,       /* number */
	IMAP_RESP_RECENT,       /* number */
	IMAP_RESP_EXPUNGE,      /* number (nz) */
	IMAP_RESP_VANISHED,     /* vanished */
	IMAP_RESP_NAMESPACE,    /* ns */
	IMAP_RESP_ID,           /* id */
	IMAP_RESP_THREAD,       /* thread */
	IMAP_RESP_FETCH,        /* fetch */
	IMAP_RESP_UNKNOWN,      /* an untagged response we do not model: unknown */
};

struct imap_resp_unknown {
	bool has_number;    /* "* <n> WORD ..." */
	uint32_t number;
	const char *keyword; /* the atom as sent */
	struct imap_str rest; /* raw bytes after the keyword up to the end (literals inline, raw) */
};

struct imap_response {
	enum imap_resp_kind kind;
	const char *tag; /* tagged status response: its tag; NULL for untagged and "+" */
	union {
		struct imap_resp_status status;
		struct imap_str text;            /* CONTINUATION: text after "+ " (may be "") */
		struct imap_strlist list;        /* CAPABILITY, ENABLED */
		struct imap_resp_list list_data; /* LIST, LSUB */
		struct imap_resp_mbstatus mbstatus;
		struct imap_resp_search search;  /* SEARCH, SORT */
		struct imap_resp_esearch esearch;
		struct imap_flags flags;
		uint32_t number;                 /* EXISTS, RECENT, EXPUNGE */
		struct imap_resp_vanished vanished;
		struct imap_resp_namespace ns;     /* NAMESPACE */
		struct imap_resp_id id;
		struct imap_resp_thread thread;
		struct imap_resp_fetch fetch;
		struct imap_resp_unknown unknown;
	} u;
};

#endif
