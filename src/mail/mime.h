/*
 * mime — the MIME part tree of a message (from IMAP BODYSTRUCTURE), what to show of it, its
 * attachments, turning a fetched part into display text, and parsing raw header blocks.
 * No I/O but charset conversion.
 *
 * The tree
 *  - mime_tree_from_imap() copies a parsed BODYSTRUCTURE (struct imap_body, valid only during
 *    the parser callback) into a tree the caller owns; free it with mime_tree_free(). Every
 *    string in it lives in the tree's arena: valid until the tree is freed, never NULL unless
 *    documented.
 *  - Bounded: at most lim.max_parts nodes plus one "unparsed" node per nesting level, and
 *    lim.max_depth levels. Past a bound, what is left becomes one node with unparsed = true,
 *    type text/plain, encoding 7bit: shown as the raw text of the section it names (the enclosing
 *    multipart for left-over siblings, the too-deep part itself for depth), never parsed.
 *  - Sections (IMAP part numbers, RFC 3501 §6.4.5), per node:
 *      section      the part number: "1", "1.2"; "" for the top of a multipart message; the
 *                   body of a message/rfc822 part "2" is "2.1" when single-part, and "2" (the
 *                   same number as the message part) when multipart — its children are 2.1, 2.2
 *      fetch        what to put in BODY.PEEK[...] to get the part's content as encoded on the
 *                   wire: the section for single parts (BINARY[fetch] works for them when the
 *                   server has BINARY), "TEXT" for a multipart message's top, "2.TEXT" for a
 *                   multipart inside message/rfc822 part 2, the section for other multiparts
 *      mime_section where its MIME header is: "HEADER" for the top, "2.HEADER" for the body of
 *                   message/rfc822 part 2, else "<section>.MIME"
 *    Fetch by section with a partial <0.N> for huge parts; nothing in a message list needs a body.
 *
 * What to show (mime_display_parts)
 *  - multipart/alternative: the first text/plain alternative, or the last text/html one when
 *    prefer_html (a nested multipart counts as what it would show); else the last that shows
 *    anything. multipart/related: the part named by start=, else the first. multipart/signed:
 *    the first (the content). multipart/encrypted: nothing. Other multiparts (mixed, report,
 *    digest, unknown): every child that is not a Content-Disposition: attachment, in order.
 *    message/rfc822 and message/global: their body. Leaves shown: all of text, message/delivery-
 *    status, message/disposition-notification, and unparsed nodes; a top-level single part is
 *    shown when it is text whatever its disposition.
 *  - mime_attachments(): every leaf not shown, and every message/rfc822 part whose content is
 *    not shown, in tree order, with a safe file name (mime_safe_filename()); inside the
 *    alternatives not shown (other renderings of the text) only parts with Content-Disposition:
 *    attachment; inside a message/rfc822 listed as an attachment, what it would show when
 *    opened is not listed. A forwarded message without a file name is named "<subject>.eml".
 *
 * Decoding a fetched part: mime_decode_part() = transfer decoding (base64 and QP lenient; 7bit,
 * 8bit, binary and unknown encodings pass through) -> charset to UTF-8 (charset.h, mislabel
 * fixes) -> CRLF and bare CR to LF -> format=flowed (flowed.h) or HTML to text (html2text.h).
 * A result over out's cap gives BUF_TOO_BIG with as much as fitted (show it, say it is cut).
 *
 * Header blocks (RFC 5322, lenient): line ends CRLF or bare LF; folding is a line break before
 * SP/HT; a line without a colon or with a bad field name (not 1..MIME_FIELD_NAME_MAX printable
 * ASCII bytes; a blank before the colon is allowed) is skipped; over-long lines are fine; the
 * block ends at the first empty line or the end of input. Values are raw bytes (8-bit kept);
 * mime_header_decode() gives display UTF-8 (RFC 2047, 8-bit as UTF-8 else windows-1252).
 */
#ifndef SKUA_MAIL_MIME_H
#define SKUA_MAIL_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap/response.h"
#include "mail/rfc2231.h"

#define MIME_MAX_PARTS 500
#define MIME_MAX_DEPTH 20
#define MIME_DEPTH_LIMIT 64 /* max_depth is clamped to this */
#define MIME_NAME_MAX 200   /* bytes of a safe file name, NUL excluded */
#define MIME_FIELD_NAME_MAX 128
#define MIME_HV_MAX_PARAMS 64

enum mime_encoding {
	MIME_ENC_7BIT,
	MIME_ENC_8BIT,
	MIME_ENC_BINARY,
	MIME_ENC_QP,
	MIME_ENC_BASE64,
	MIME_ENC_UNKNOWN, /* x-uuencode, garbage...: passed through */
};

enum mime_disposition {
	MIME_DISP_NONE,
	MIME_DISP_INLINE,
	MIME_DISP_ATTACHMENT,
	MIME_DISP_OTHER,
};

struct mime_part {
	struct mime_part *parent, *child, *next; /* first child, next sibling */
	size_t n_children;
	unsigned depth;                 /* 0 for the root */
	size_t index;                   /* pre-order number, 0 for the root */
	const char *type, *subtype;     /* lower case; "application"/"octet-stream" when missing */
	const char *section, *fetch, *mime_section; /* see above */
	enum mime_encoding encoding;
	const char *charset;            /* the charset parameter as sent, "" when absent */
	const char *name;               /* decoded file name (disposition filename, else type name), NULL */
	const char *description;        /* decoded Content-Description, NULL */
	const char *content_id;         /* Content-ID without <>, NULL */
	const char *subject;            /* message/rfc822: decoded subject of the enclosed message, NULL */
	enum mime_disposition disposition;
	uint32_t size, lines;           /* as the server said (encoded octets); 0 for multiparts */
	bool flowed, delsp;             /* text/plain; format=flowed; delsp=yes */
	bool unparsed;                  /* stands for what was left past a bound */
	size_t n_params;                /* Content-Type parameters as sent (raw) */
	const struct mime_param *params;
};

struct mime_arena;

struct mime_tree {
	struct mime_part *root;   /* never NULL */
	size_t n_parts;
	bool truncated;           /* a bound was hit */
	struct mime_arena *arena; /* private */
};

struct mime_limits {
	size_t max_parts;   /* >= 2; default MIME_MAX_PARTS */
	unsigned max_depth; /* >= 1; default MIME_MAX_DEPTH */
};

/* Returns NULL only when memory runs out (or body is NULL). lim may be NULL for the defaults. */
struct mime_tree *mime_tree_from_imap(const struct imap_body *body, const struct mime_limits *lim);
/* Frees *t and sets it to NULL; NULL-safe. */
void mime_tree_free(struct mime_tree **t);

enum mime_encoding mime_encoding_parse(const char *s, size_t n);

/* Parts to show inline, in order, into out[0..max); returns how many were stored. */
size_t mime_display_parts(const struct mime_part *root, bool prefer_html, const struct mime_part **out,
			  size_t max);
/* The first of them, or NULL. */
const struct mime_part *mime_choose_display(const struct mime_part *root, bool prefer_html);

struct mime_attachment {
	const struct mime_part *part; /* points into the tree */
	char name[MIME_NAME_MAX + 1]; /* safe base name, never empty */
};

/* Fills out[0..max) with the attachments (see above); returns how many were stored. */
size_t mime_attachments(const struct mime_tree *t, bool prefer_html, struct mime_attachment *out,
			size_t max);

/* Writes a safe base name for name[0..len) (UTF-8; may be NULL) into dst (dstsz >= 32): the last
 * path component (after '/' or '\'), invalid UTF-8 replaced, control characters (C0, DEL, C1)
 * and bidirectional overrides removed, leading dots, blanks and '-' and trailing dots and blanks
 * stripped, cut to dstsz - 1 bytes on a character boundary keeping a short extension. When
 * nothing is left: "attachment-N.ext", ext from type/subtype ("bin" when unknown). Returns the
 * length written. */
size_t mime_safe_filename(char *dst, size_t dstsz, const char *name, size_t len, size_t n, const char *type,
			  const char *subtype);

enum mime_text_flag {
	MIME_TEXT_FLOWED = 1u << 0,   /* format=flowed */
	MIME_TEXT_DELSP = 1u << 1,    /* with delsp=yes */
	MIME_TEXT_HTML = 1u << 2,     /* run the built-in HTML converter */
	MIME_TEXT_NO_LINKS = 1u << 3, /* ... without the numbered link list */
};

/* Flags for showing part p: FLOWED/DELSP from its parameters, HTML for text/html when
 * html_builtin (false when the caller runs an external html_filter on the decoded text). */
unsigned mime_part_text_flags(const struct mime_part *p, bool html_builtin);

/* Transfer decoding only: the part's bytes (for saving an attachment). */
__attribute__((warn_unused_result))
enum buf_result mime_decode_transfer(struct buf *out, const char *raw, size_t n, enum mime_encoding enc);

/* Raw part bytes -> display UTF-8 text (see above). charset may be NULL. */
__attribute__((warn_unused_result))
enum buf_result mime_decode_part(struct buf *out, const char *raw, size_t n, enum mime_encoding enc,
				 const char *charset, unsigned flags);

/* ---- raw header blocks --------------------------------------------------------------------- */

struct mime_header_iter {
	const char *p;
	size_t n, pos;
};

void mime_header_iter_init(struct mime_header_iter *it, const char *block, size_t n);
/* Next well-formed field: its name (without the colon and blanks before it) and its raw value
 * (blanks after the colon skipped, folding and the final line end not removed). false at the
 * end of the header. */
bool mime_header_next(struct mime_header_iter *it, const char **name, size_t *name_len, const char **value,
		      size_t *value_len);
/* The first field called `name` (case-insensitive); NULL when absent. */
const char *mime_header_find(const char *block, size_t n, const char *name, size_t *value_len);

/* Unfolds a raw value (line breaks removed, blanks kept), trims blanks at both ends. */
__attribute__((warn_unused_result))
enum buf_result mime_header_unfold(struct buf *out, const char *v, size_t n);
/* Display form of a raw value: unfolded, RFC 2047 decoded, 8-bit guessed, trimmed. */
__attribute__((warn_unused_result))
enum buf_result mime_header_decode(struct buf *out, const char *v, size_t n);

/* A structured value: Content-Type, Content-Disposition (RFC 2045 / RFC 2183). */
struct mime_hvalue {
	char value[128];             /* leading token, lower case ("text/plain", "attachment"), "" if none */
	char type[64], subtype[64];  /* value split at '/' (Content-Type); "" when absent */
	size_t n_params;             /* params beyond MIME_HV_MAX_PARAMS are dropped */
	struct mime_param params[MIME_HV_MAX_PARAMS]; /* point into store; values unquoted */
	struct buf store;
};

/* Parses raw value v[0..n): quoted strings with backslash escapes (an unclosed quote runs to the
 * end), unquoted values up to ';' with blanks trimmed, comments skipped, params without '='
 * dropped. Free with mime_hvalue_free() whatever the result. */
__attribute__((warn_unused_result))
enum buf_result mime_parse_hvalue(struct mime_hvalue *hv, const char *v, size_t n);
void mime_hvalue_free(struct mime_hvalue *hv);

#endif
