/*
 * parser_int — private to the IMAP response parser (parser.c, parse_*.c). Not for other modules.
 *
 * The parser works in two stages:
 *  1. framing (parser.c): bytes are split into complete responses: lines ending in LF, where a
 *     line that ends in "{N}" continues after N literal bytes. Small literals stay in the framed
 *     bytes; large body literals are streamed out and left out of them (a `lit_ent` records
 *     where). A response that arrives whole inside one feed is parsed in place (no copy).
 *  2. parsing (parse_*.c): recursive descent over one complete response held contiguously,
 *     building typed structs in the per-response arena. Errors longjmp out to one place.
 *     When a large literal is announced, stage 2 is also run over the prefix received so far
 *     ("probe") to learn whether it is a body section value, and which one, before any of its
 *     bytes arrive.
 */
#ifndef SKUA_IMAP_PARSER_INT_H
#define SKUA_IMAP_PARSER_INT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "imap/parser.h"

/* ---- arena ---------------------------------------------------------------------------- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	_Alignas(16) char data[];
};

struct arena {
	struct arena_chunk *head; /* current chunk (first in the list) */
	char *ptr, *end;
	size_t used;  /* bytes handed out plus chunk overheads since the last reset */
	size_t peak;
};

void arena_init(struct arena *a);
void arena_reset(struct arena *a);
void arena_free(struct arena *a);
void *arena_alloc_slow(struct arena *a, size_t n);

static inline void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if ((size_t)(a->end - a->ptr) >= n) {
		void *r = a->ptr;
		a->ptr += n;
		return r;
	}
	return arena_alloc_slow(a, n);
}

/* ---- stage 2 context -------------------------------------------------------------------- */

/* A streamed literal inside the framed bytes: the literal's data would start at `off`. */
struct lit_ent {
	size_t off;
	uint64_t size;
};

enum { PJ_ERROR = 1, PJ_PROBE_HIT = 2, PJ_PROBE_OTHER = 3, PJ_NOMEM = 4 };

struct pctx {
	const char *base, *p, *end; /* the response bytes */
	const struct imap_parser_limits *lim;
	struct arena *a;
	jmp_buf jb;
	char *err;      /* message buffer (ERRBUF bytes) */
	size_t items;   /* elements so far, against lim->max_items */
	unsigned depth; /* current generic list depth */
	const struct lit_ent *lits;
	size_t n_lits, lit_i;
	/* probe mode: the literal whose data starts at pending_off has not arrived */
	bool probe;
	size_t pending_off;
	bool stream_ok; /* the literal being read now is a body section value */
	/* what the FETCH parser knows, for struct imap_literal_info */
	uint32_t fetch_seq, fetch_uid;
	const struct imap_section_data *cur_sec;
	uint64_t probe_size;
	bool probe_binary;
};

#define ERRBUF 512

/* errors (never return) */
_Noreturn void perr(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void perr_unexpected(struct pctx *c, const char *what);
_Noreturn void perr_nomem(struct pctx *c);
/* Escapes s[0..n) into out (\xNN for non-printables), at most outsz-1 chars + NUL. */
void escape_bytes(char *out, size_t outsz, const char *s, size_t n);

static inline int peekc(const struct pctx *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

static inline void *palloc(struct pctx *c, size_t n)
{
	void *r = arena_alloc(c->a, n);
	if (!r)
		perr_nomem(c);
	return r;
}

void *pzalloc(struct pctx *c, size_t n);
void count_items(struct pctx *c, size_t n);

/* growable vector in the arena (old storage is abandoned on growth) */
struct pvec {
	void *v;
	size_t n, cap;
};
void *pvec_grow(struct pctx *c, struct pvec *v, size_t esz);
static inline void *pvec_push(struct pctx *c, struct pvec *v, size_t esz)
{
	if (__builtin_expect(v->n == v->cap, 0))
		pvec_grow(c, v, esz);
	if (__builtin_expect(++c->items > c->lim->max_items, 0))
		count_items(c, 0);
	return (char *)v->v + v->n++ * esz;
}

/* lexing */
extern const unsigned char imap_atom_tab[256]; /* 1: ATOM-CHAR (plus 8-bit), 2: also ']' ok */
#define ATOM_CH(ch) (imap_atom_tab[(unsigned char)(ch)] & 1)

/* ASCII case-insensitive equality with a keyword. */
static inline bool kw_eq(const char *s, size_t n, const char *kw, size_t kn)
{
	if (n != kn)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)s[i], b = (unsigned char)kw[i];
		if (a != b && ((a | 0x20) != (b | 0x20) || (unsigned)((b | 0x20) - 'a') > 25))
			return false;
	}
	return true;
}
#define lex_keyword(s, n, lit) kw_eq((s), (n), "" lit, sizeof(lit) - 1)

/* one or more spaces */
static inline void lex_sp(struct pctx *c, const char *what)
{
	if (__builtin_expect(c->p >= c->end || *c->p != ' ', 0))
		perr_unexpected(c, what);
	c->p++;
	while (__builtin_expect(c->p < c->end && *c->p == ' ', 0))
		c->p++;
}

/* zero or more spaces; true if any */
static inline bool lex_opt_sp(struct pctx *c)
{
	if (c->p < c->end && *c->p == ' ') {
		do
			c->p++;
		while (c->p < c->end && *c->p == ' ');
		return true;
	}
	return false;
}

static inline void lex_expect(struct pctx *c, int ch, const char *what)
{
	if (__builtin_expect(c->p >= c->end || (unsigned char)*c->p != ch, 0))
		perr_unexpected(c, what);
	c->p++;
}

static inline bool lex_accept(struct pctx *c, int ch)
{
	if (c->p < c->end && (unsigned char)*c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* consumes NIL (any case) if next */
static inline bool lex_is_nil(struct pctx *c)
{
	const char *p = c->p;
	if (c->end - p >= 3 && (p[0] | 0x20) == 'n' && (p[1] | 0x20) == 'i' &&
	    (p[2] | 0x20) == 'l' && (c->end - p == 3 || !ATOM_CH(p[3]))) {
		c->p += 3;
		return true;
	}
	return false;
}

bool lex_at_eol(struct pctx *c);                   /* next is CR/LF (trailing spaces ok) */
void lex_eol(struct pctx *c);                      /* trailing spaces, CRLF or LF, end */
/* An atom (bracket_ok: ']' allowed inside); returns a pointer into the response (not NUL
 * terminated) and its length. Empty atom is an error. */
const char *lex_atom_raw(struct pctx *c, size_t *len, bool bracket_ok, const char *what);
struct imap_str lex_atom(struct pctx *c, bool bracket_ok, const char *what);
uint32_t lex_number(struct pctx *c, const char *what);
uint32_t lex_nz_number(struct pctx *c, const char *what);
uint64_t lex_number64(struct pctx *c, const char *what);
/* quoted or literal (or, leniently, an atom when atom_ok); NIL is NOT accepted */
struct imap_str lex_string(struct pctx *c, bool atom_ok, const char *what);
struct imap_str lex_nstring(struct pctx *c, const char *what); /* NIL, string, lenient atom */
struct imap_str lex_astring(struct pctx *c, const char *what);
/* literal at c->p ('{' or '~{'); *streamed set when its data was streamed out */
struct imap_str lex_literal(struct pctx *c, bool *streamed, uint64_t *size, bool *binary,
			    const char *what);
/* a list "( a b c )" of astrings (NIL allowed if nil_ok, giving n=0) */
struct imap_strlist lex_astring_list(struct pctx *c, bool nil_ok, const char *what);
struct imap_flags lex_flag_list(struct pctx *c, const char *what);
uint32_t sysflag_bit(const char *s, size_t n);
/* sequence set; star_ok allows "*" (stored as 0) */
struct imap_seqset lex_seqset(struct pctx *c, bool star_ok, const char *what);
/* skips any one value (atom, number, string, literal, NIL, nested list) */
void lex_skip_value(struct pctx *c);
void depth_enter(struct pctx *c);
static inline void depth_leave(struct pctx *c) { c->depth--; }
struct imap_str pstrdup(struct pctx *c, const char *s, size_t n);
/* mailbox name: astring; "INBOX" in any case becomes "INBOX" */
struct imap_str lex_mailbox(struct pctx *c, bool *is_inbox, const char *what);
/* quoted char or NIL -> '\0' */
char lex_delim(struct pctx *c, const char *what);

/* responses (parse_resp.c) */
void parse_response(struct pctx *c, struct imap_response *r);
void parse_resp_text(struct pctx *c, struct imap_resp_status *st);
/* FETCH (parse_fetch.c) */
void parse_fetch(struct pctx *c, struct imap_resp_fetch *f);
time_t imap_parse_internaldate(const char *s, size_t n);

#endif
