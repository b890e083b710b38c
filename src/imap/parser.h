/* API STABLE */
/*
 * parser — incremental IMAP response parser (server -> client bytes). Pure: no I/O, no clock,
 * no globals. Bytes go in with imap_parser_feed(); typed responses (src/imap/response.h) come out
 * through callbacks.
 *
 * Contract:
 *  - imap_parser_feed() consumes everything it is given (unless a callback pauses it, see below),
 *    buffering a partial response internally (bounded by the limits), and calls cb->response()
 *    once per complete response, in order. Any split of the input (one byte at a time, random
 *    pieces, all at once) yields exactly the same responses, and the same streamed literal bytes.
 *  - The struct imap_response and everything it points to are valid only during cb->response();
 *    they live in a per-response arena that is reset afterwards.
 *  - Literals: those of at most lim->inline_literal bytes are kept inline in the response. A
 *    larger literal that is the value of a FETCH body section (BODY[..], BINARY[..], RFC822,
 *    RFC822.HEADER, RFC822.TEXT) is streamed: cb->literal_chunk() gets its bytes in pieces as they
 *    arrive (never buffered whole); the FETCH response then carries that section with
 *    streamed = true, size = literal size, data.p = NULL. A larger literal anywhere else is held
 *    inline, counted against lim->max_inline_total.
 *  - Line ends: CRLF, and a bare LF is accepted (CR before LF is stripped). A CR not followed by
 *    LF is an error wherever the parser interprets bytes (everywhere but inside literals and the
 *    raw rest of an IMAP_RESP_UNKNOWN response). Stray empty lines between responses are skipped.
 *  - A line ending in "{N}" (or "~{N}", literal8) announces a literal. N must be all digits and
 *    at most lim->max_literal, else an error is raised before anything is allocated for it;
 *    "{N+}" / "{N-}" are client-only syntax and an error from a server.
 *  - Errors: feed returns IMAP_PARSE_ERROR and imap_parser_error() gives a message fit to show a
 *    user (non-printable bytes escaped as \xNN). After an error the parser is dead: every later
 *    feed returns IMAP_PARSE_ERROR. The session should close the connection.
 *  - If the parser fails after streaming part or all of a literal, the response carrying it never
 *    arrives: a consumer must drop what it received for an unfinished response on error.
 *  - Callbacks must not call imap_parser_free() on the same parser; imap_parser_feed() from a
 *    callback is refused (the parser fails with an error).
 *  - To stop at a response boundary (after the tagged OK to STARTTLS or COMPRESS, whose following
 *    bytes must not be parsed as plain IMAP), call imap_parser_pause() from cb->response(): feed
 *    then returns IMAP_PARSE_PAUSED right after that callback and imap_parser_consumed() says how
 *    many bytes of that feed were used. The parser stays usable (its state is "between
 *    responses").
 *
 * Ownership: the parser owns its memory; imap_parser_free() releases it and NULLs the pointer
 * (NULL-safe). The limits and callbacks structs are copied at creation.
 */
#ifndef SKUA_IMAP_PARSER_H
#define SKUA_IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap/response.h"

/* Any field left 0 takes its default. */
struct imap_parser_limits {
	size_t max_line;         /* non-literal bytes per response; default 1 MiB */
	unsigned max_depth;      /* parenthesised list nesting; default 64 */
	unsigned max_body_depth; /* BODY/BODYSTRUCTURE part nesting; default 32 */
	uint64_t max_literal;    /* one literal's size; default 64 MiB */
	size_t max_items;        /* list elements / numbers / set ranges per response; default 1,000,000 */
	size_t inline_literal;   /* literals up to this are inline; larger body ones are streamed;
	                            default 64 KiB */
	size_t max_inline_total; /* literal bytes held inline in one response; default 16 MiB */
	size_t max_text;         /* human-readable text kept per status response; default 8 KiB
	                            (longer text is cut, text_truncated set) */
};

#define IMAP_PARSER_DEFAULT_MAX_LINE ((size_t)1 << 20)
#define IMAP_PARSER_DEFAULT_MAX_DEPTH 64u
#define IMAP_PARSER_DEFAULT_MAX_BODY_DEPTH 32u
#define IMAP_PARSER_DEFAULT_MAX_LITERAL ((uint64_t)64 << 20)
#define IMAP_PARSER_DEFAULT_MAX_ITEMS ((size_t)1000000)
#define IMAP_PARSER_DEFAULT_INLINE_LITERAL ((size_t)64 << 10)
#define IMAP_PARSER_DEFAULT_MAX_INLINE_TOTAL ((size_t)16 << 20)
#define IMAP_PARSER_DEFAULT_MAX_TEXT ((size_t)8 << 10)

/* Describes the streamed literal a chunk belongs to. Valid during the callback only. */
struct imap_literal_info {
	uint32_t seq;                /* the FETCH's message sequence number */
	uint32_t uid;                /* UID if it came earlier in the same FETCH, else 0 */
	enum imap_section_item item;
	const struct imap_section *section; /* parsed section (spec NULL for RFC822*) */
	bool has_origin;
	uint32_t origin;
	bool binary;                 /* literal8 */
	uint64_t size;               /* the literal's total size */
	uint64_t offset;             /* offset of this chunk within the literal */
};

struct imap_parser_callbacks {
	/* One complete response. Required. */
	void (*response)(void *ctx, const struct imap_response *r);
	/* A piece of a streamed literal: data[0..len) at info->offset. Pieces arrive in order and
	 * cover [0, size) exactly; offset + len == size marks the last. Return 0 to go on, non-zero
	 * to fail the parser ("literal consumer failed"). May be NULL: streamed bytes are dropped. */
	int (*literal_chunk)(void *ctx, const struct imap_literal_info *info, const char *data,
			     size_t len);
};

enum imap_parse_result {
	IMAP_PARSE_OK = 0,     /* everything consumed */
	IMAP_PARSE_ERROR = -1, /* see imap_parser_error(); the parser is dead */
	IMAP_PARSE_PAUSED = 1, /* a callback called imap_parser_pause(); see imap_parser_consumed() */
};

struct imap_parser;

struct imap_parser *imap_parser_new(const struct imap_parser_limits *lim,
				    const struct imap_parser_callbacks *cb, void *ctx);
void imap_parser_free(struct imap_parser **p);

enum imap_parse_result imap_parser_feed(struct imap_parser *p, const char *data, size_t len);

/* The error message (NULL if none). Owned by the parser. */
const char *imap_parser_error(const struct imap_parser *p);

/* From cb->response(): stop the current feed after this response (see the contract above). */
void imap_parser_pause(struct imap_parser *p);
/* Bytes of the last feed that were consumed (all of them unless it returned PAUSED). */
size_t imap_parser_consumed(const struct imap_parser *p);
/* True when no partial response is buffered (a response boundary). */
bool imap_parser_idle(const struct imap_parser *p);

struct imap_parser_stats {
	uint64_t responses;      /* responses delivered */
	uint64_t bytes;          /* bytes consumed */
	size_t buffered_peak;    /* high-water mark of bytes held for partial responses */
	size_t arena_peak;       /* high-water mark of the per-response arena */
};
void imap_parser_get_stats(const struct imap_parser *p, struct imap_parser_stats *st);

/* Appends a canonical, deterministic text dump of r to out (for tests, traces, debugging).
 * Non-printable bytes are escaped. Returns 0, or -1 if out's cap was hit. */
struct buf;
int imap_response_dump(const struct imap_response *r, struct buf *out);

#endif
