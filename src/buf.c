/* buf — bounded growable buffer; see buf.h for the contract. */
#include "config.h"

#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t cap)
{
	b->mem = NULL;
	b->off = b->len = b->size = 0;
	b->cap = cap;
}

void buf_free(struct buf *b)
{
	free(b->mem);
	b->mem = NULL;
	b->off = b->len = b->size = 0;
}

void buf_reset(struct buf *b)
{
	b->off = b->len = 0;
	if (b->mem)
		b->mem[0] = '\0';
}

/* Ensures room for n more bytes plus the NUL. */
static enum buf_result buf_grow(struct buf *b, size_t n)
{
	if (n > b->cap || b->len > b->cap - n)
		return BUF_TOO_BIG;
	size_t need = b->len + n + 1;
	if (b->mem && b->off + need <= b->size)
		return BUF_OK;
	/* Reclaim the consumed prefix before growing. */
	if (b->mem && b->off > 0 && need <= b->size) {
		memmove(b->mem, b->mem + b->off, b->len + 1);
		b->off = 0;
		return BUF_OK;
	}
	size_t size = b->size ? b->size : 64;
	while (size < need)
		size = size > ((size_t)-1) / 2 ? need : size * 2;
	char *mem = malloc(size);
	if (!mem)
		return BUF_NOMEM;
	if (b->mem)
		memcpy(mem, b->mem + b->off, b->len);
	mem[b->len] = '\0';
	free(b->mem);
	b->mem = mem;
	b->off = 0;
	b->size = size;
	return BUF_OK;
}

char *buf_reserve(struct buf *b, size_t n)
{
	if (buf_grow(b, n) != BUF_OK)
		return NULL;
	return b->mem + b->off + b->len;
}

void buf_commit(struct buf *b, size_t n)
{
	b->len += n;
	b->mem[b->off + b->len] = '\0';
}

enum buf_result buf_append(struct buf *b, const void *p, size_t n)
{
	enum buf_result r = buf_grow(b, n);
	if (r != BUF_OK)
		return r;
	if (n)
		memcpy(b->mem + b->off + b->len, p, n);
	buf_commit(b, n);
	return BUF_OK;
}

enum buf_result buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum buf_result buf_append_byte(struct buf *b, unsigned char c)
{
	return buf_append(b, &c, 1);
}

enum buf_result buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return BUF_NOMEM;
	enum buf_result r = buf_grow(b, (size_t)n);
	if (r != BUF_OK)
		return r;
	vsnprintf(b->mem + b->off + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return BUF_OK;
}

enum buf_result buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum buf_result r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void buf_truncate(struct buf *b, size_t len)
{
	if (b->len > len) {
		b->len = len;
		b->mem[b->off + len] = '\0';
	}
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	b->off += n;
	b->len -= n;
	/* Move the live data down once the dead prefix outweighs it. */
	if (b->off > b->len && b->off > 4096) {
		memmove(b->mem, b->mem + b->off, b->len + 1);
		b->off = 0;
	}
}

char *buf_steal(struct buf *b)
{
	char *s;
	if (!b->mem) {
		s = strdup("");
	} else if (b->off) {
		s = malloc(b->len + 1);
		if (s)
			memcpy(s, b->mem + b->off, b->len + 1);
		free(b->mem);
	} else {
		s = b->mem;
	}
	b->mem = NULL;
	b->off = b->len = b->size = 0;
	return s;
}
