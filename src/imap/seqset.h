/*
 * seqset — compact IMAP sequence / UID sets ("1:5,7,9:12"), kept as ranges. No I/O.
 *
 * Contract:
 *  - A struct seqset is owned by whoever declares it: seqset_init() sets it up empty,
 *    seqset_free() releases it (safe twice). Memory is proportional to the number of ranges,
 *    never to the numbers they cover: "1:4294967295" is one range.
 *  - Numbers are 1..4294967295. SEQSET_STAR (0, which is never a valid number) stands for "*",
 *    the largest number in use; it sorts after every number. Where a number is needed
 *    (count, contains, iteration) "*" counts as 4294967295; call seqset_resolve_star() with
 *    the real value first when that matters.
 *  - A set built with seqset_add*() / seqset_from_list() / seqset_parse() (without
 *    SEQSET_KEEP_ORDER) is normalised: ranges sorted, disjoint and not adjacent, so its
 *    text is the shortest. SEQSET_KEEP_ORDER keeps a server's ranges in the order given
 *    (COPYUID pairs source and destination UIDs by position); such a set is "unordered":
 *    contains() scans it, seqset_add*() appends to it as given.
 *  - Parsing is for hostile input: no 0, no leading zeros, nothing past 4294967295, "*" only
 *    with SEQSET_ALLOW_STAR, no empty items, at most max_ranges ranges.
 *  - For a long set, seqset_chunk() picks consecutive ranges whose text fits a byte budget so a
 *    command line stays under the server's limit; send one command per chunk.
 */
#ifndef SKUA_IMAP_SEQSET_H
#define SKUA_IMAP_SEQSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SEQSET_STAR 0u
/* The longest text of one range: "4294967295:4294967295". */
#define SEQSET_RANGE_MAX_TEXT 21

enum seqset_result {
	SEQSET_OK = 0,
	SEQSET_INVALID = -1, /* bad text, 0 as a number, "*" where not allowed */
	SEQSET_NOMEM = -2,
	SEQSET_TOO_BIG = -3, /* more than max_ranges ranges, or the output buf's cap */
};

enum seqset_parse_flags {
	SEQSET_ALLOW_STAR = 1 << 0,
	SEQSET_KEEP_ORDER = 1 << 1,
};

struct seqset_range {
	uint32_t lo, hi; /* lo <= hi, with SEQSET_STAR above everything */
};

struct seqset {
	struct seqset_range *r;
	size_t n, cap;
	bool unordered; /* built with SEQSET_KEEP_ORDER */
};

void seqset_init(struct seqset *s);
void seqset_free(struct seqset *s);
/* Empties the set, keeps its memory. */
void seqset_clear(struct seqset *s);
static inline bool seqset_is_empty(const struct seqset *s) { return s->n == 0; }
static inline size_t seqset_nranges(const struct seqset *s) { return s->n; }

/* Adds one number or the range between lo and hi (either order). Fast when numbers come in
 * ascending order; any order works. */
__attribute__((warn_unused_result)) enum seqset_result seqset_add(struct seqset *s, uint32_t v);
__attribute__((warn_unused_result))
enum seqset_result seqset_add_range(struct seqset *s, uint32_t lo, uint32_t hi);
/* Replaces s with the set of v[0..n) (any order, duplicates fine, no 0). O(n log n). */
__attribute__((warn_unused_result))
enum seqset_result seqset_from_list(struct seqset *s, const uint32_t *v, size_t n);
__attribute__((warn_unused_result))
enum seqset_result seqset_copy(struct seqset *dst, const struct seqset *src);

/* Replaces s with the set in text[0..len). On error s is empty. max_ranges 0 = no limit
 * beyond the text's own length. */
__attribute__((warn_unused_result))
enum seqset_result seqset_parse(struct seqset *s, const char *text, size_t len, unsigned flags,
				size_t max_ranges);

/* Substitutes max for "*" and normalises. max must be a valid number (not 0). */
__attribute__((warn_unused_result))
enum seqset_result seqset_resolve_star(struct seqset *s, uint32_t max);

/* How many numbers the set covers (ranges of an unordered set may overlap and are counted
 * each time; saturates at UINT64_MAX). */
uint64_t seqset_count(const struct seqset *s);
bool seqset_contains(const struct seqset *s, uint32_t v);

/* Iteration in the set's order: for (seqset_iter_init(&it, s); seqset_iter_next(&it, &v);) */
struct seqset_iter {
	const struct seqset *s;
	size_t i;
	uint64_t next;
};
void seqset_iter_init(struct seqset_iter *it, const struct seqset *s);
bool seqset_iter_next(struct seqset_iter *it, uint32_t *v);

/* Appends the text of the whole set, or of ranges [from, to), to out. An empty set appends
 * nothing (IMAP has no empty set: callers must not send one). */
__attribute__((warn_unused_result))
enum seqset_result seqset_format(const struct seqset *s, struct buf *out);
__attribute__((warn_unused_result))
enum seqset_result seqset_format_part(const struct seqset *s, size_t from, size_t to,
				      struct buf *out);
/* Length of the text of ranges [from, to). */
size_t seqset_text_len(const struct seqset *s, size_t from, size_t to);

/* Returns the end (exclusive) of the longest run of ranges from `from` whose text is at most
 * max_bytes long. Returns `from` only when from >= s->n or the single range there does not fit
 * (max_bytes < SEQSET_RANGE_MAX_TEXT can cause that). Loop:
 *     for (size_t i = 0; i < seqset_nranges(s); i = j) { j = seqset_chunk(s, i, limit); ... } */
size_t seqset_chunk(const struct seqset *s, size_t from, size_t max_bytes);

#endif
