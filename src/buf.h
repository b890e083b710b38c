/*
 * buf — one growable byte buffer with a hard cap fixed at creation.
 *
 * Contract:
 *  - A struct buf is owned by whoever declares it; buf_init() sets it up empty with a cap,
 *    buf_free() releases its memory and leaves it empty (safe to call twice).
 *  - Appends never grow the buffer past its cap: they return BUF_TOO_BIG and change nothing.
 *    Allocation failure returns BUF_NOMEM and changes nothing. Both results must be checked.
 *  - The data is always followed by a NUL byte (not counted in len), so text can be used
 *    as a C string; binary data may contain NULs too.
 *  - buf_consume() drops bytes from the front (amortised O(1): data moves only when the
 *    dead prefix is larger than the live part).
 */
#ifndef SKUA_BUF_H
#define SKUA_BUF_H

#include <stdarg.h>
#include <stddef.h>

enum buf_result {
	BUF_OK = 0,
	BUF_TOO_BIG = -1, /* the append would pass the cap */
	BUF_NOMEM = -2,   /* malloc/realloc failed */
};

struct buf {
	char *mem;   /* allocation, or NULL while empty */
	size_t off;  /* start of live data inside mem */
	size_t len;  /* live bytes */
	size_t size; /* allocated bytes */
	size_t cap;  /* hard limit on len */
};

void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);
/* Empties the buffer but keeps its memory. */
void buf_reset(struct buf *b);

static inline const char *buf_data(const struct buf *b) { return b->mem ? b->mem + b->off : ""; }
static inline char *buf_data_mut(struct buf *b) { return b->mem ? b->mem + b->off : NULL; }
static inline size_t buf_len(const struct buf *b) { return b->len; }

__attribute__((warn_unused_result)) enum buf_result buf_append(struct buf *b, const void *p, size_t n);
__attribute__((warn_unused_result)) enum buf_result buf_append_str(struct buf *b, const char *s);
__attribute__((warn_unused_result)) enum buf_result buf_append_byte(struct buf *b, unsigned char c);
__attribute__((warn_unused_result, format(printf, 2, 3)))
enum buf_result buf_printf(struct buf *b, const char *fmt, ...);
__attribute__((warn_unused_result, format(printf, 2, 0)))
enum buf_result buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Makes room for n more bytes and returns where to write them (NULL on BUF_TOO_BIG/NOMEM);
 * the caller then commits what it wrote with buf_commit(). */
char *buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);

/* Keeps only the first len bytes (no-op when len >= buf_len()). */
void buf_truncate(struct buf *b, size_t len);
/* Drops n bytes (n <= len) from the front. */
void buf_consume(struct buf *b, size_t n);
/* Takes the buffer's memory as a NUL-terminated string the caller frees; the buffer is left
 * empty. Returns NULL on allocation failure (an empty buffer yields ""). */
char *buf_steal(struct buf *b);

#endif
