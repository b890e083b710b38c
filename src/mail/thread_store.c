/* Thread context storage: growable arrays, hashing, interned strings, index maps. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mail/thread.h"
#include "mail/thread_int.h"

/* ---- small helpers --------------------------------------------------------------------- */

int t_grow(void **p, uint32_t *cap, uint64_t need, size_t elsize)
{
	if (need <= *cap)
		return 0;
	if (need > UINT32_MAX - 2)
		return -1;
	uint64_t ncap = *cap < 16 ? 16 : (uint64_t)*cap + *cap / 2;
	if (ncap < need)
		ncap = need;
	if (ncap > UINT32_MAX - 2)
		ncap = UINT32_MAX - 2;
	if (ncap > SIZE_MAX / elsize)
		return -1;
	void *np = realloc(*p, (size_t)ncap * elsize);
	if (!np)
		return -1;
	*p = np;
	*cap = (uint32_t)ncap;
	return 0;
}

int t_vec_reserve(struct tvec *vec, uint32_t extra)
{
	return t_grow((void **)&vec->v, &vec->cap, (uint64_t)vec->n + extra, sizeof *vec->v);
}

int t_vec_push(struct tvec *vec, uint32_t v)
{
	if (t_vec_reserve(vec, 1) < 0)
		return -1;
	vec->v[vec->n++] = v;
	return 0;
}

uint64_t t_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

uint64_t t_hash_u64(const struct thread_ctx *ctx, uint64_t x)
{
	return t_mix64(x ^ ctx->seed);
}

uint64_t t_hash_bytes(const struct thread_ctx *ctx, const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ ctx->seed;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return t_mix64(h);
}

/* ---- interned strings ------------------------------------------------------------------ */

const char *t_str(const struct thread_ctx *ctx, uint32_t atom)
{
	if (atom == 0)
		return "";
	return ctx->str.chunk[atom >> TSTR_CHUNK_BITS] + (atom & (TSTR_CHUNK - 1));
}

/* A slot holds an atom and the upper half of its string's hash: probes compare the hash first,
 * so a miss does not touch the string, and a rehash never reads strings. */
#define SLOT_ATOM(x) ((uint32_t)(x))
#define SLOT_HASH(x) ((uint32_t)((x) >> 32))

static uint32_t str_hash32(const struct thread_ctx *ctx, const char *s, size_t n)
{
	return (uint32_t)(t_hash_bytes(ctx, s, n) >> 32);
}

static int str_rehash(struct thread_ctx *ctx, uint32_t need)
{
	struct tstrtab *st = &ctx->str;
	uint64_t size = 64;
	while (size * 7 < (uint64_t)need * 10)
		size *= 2;
	if (size > ((uint64_t)1 << 31))
		return -1;
	uint64_t *slot = calloc((size_t)size, sizeof *slot);
	if (!slot)
		return -1;
	uint32_t mask = (uint32_t)size - 1;
	for (uint64_t i = 0; st->slot && i <= st->mask; i++) {
		uint64_t x = st->slot[i];
		if (!x)
			continue;
		uint32_t j = SLOT_HASH(x) & mask;
		while (slot[j])
			j = (j + 1) & mask;
		slot[j] = x;
	}
	free(st->slot);
	st->slot = slot;
	st->mask = mask;
	return 0;
}

/* The slot index for s: where it is, or the empty slot where it goes. */
static uint32_t str_probe(const struct thread_ctx *ctx, const char *s, size_t n, uint32_t h)
{
	const struct tstrtab *st = &ctx->str;
	uint32_t i = h & st->mask;
	for (uint64_t x; (x = st->slot[i]) != 0; i = (i + 1) & st->mask) {
		if (SLOT_HASH(x) != h)
			continue;
		const char *p = t_str(ctx, SLOT_ATOM(x));
		if (strncmp(p, s, n) == 0 && p[n] == '\0')
			break;
	}
	return i;
}

int t_str_reserve(struct thread_ctx *ctx, size_t bytes, uint32_t nstrings)
{
	struct tstrtab *st = &ctx->str;
	uint64_t need = (uint64_t)st->count + nstrings;
	if (!st->slot || need * 10 > ((uint64_t)st->mask + 1) * 7)
		if (str_rehash(ctx, (uint32_t)(need > UINT32_MAX ? UINT32_MAX : need)) < 0)
			return -1;
	if (st->nchunk > 0 && st->used + bytes <= TSTR_CHUNK)
		return 0;
	if (st->nchunk >= ((uint32_t)1 << (32 - TSTR_CHUNK_BITS)) - 1)
		return -1;
	if (t_grow((void **)&st->chunk, &st->capchunk, (uint64_t)st->nchunk + 1, sizeof *st->chunk) < 0)
		return -1;
	if (!st->spare && !(st->spare = malloc(TSTR_CHUNK)))
		return -1;
	return 0;
}

uint32_t t_str_find(const struct thread_ctx *ctx, const char *s, size_t n)
{
	if (n == 0 || n >= TSTR_CHUNK - 1 || !ctx->str.slot)
		return 0;
	return SLOT_ATOM(ctx->str.slot[str_probe(ctx, s, n, str_hash32(ctx, s, n))]);
}

/* Needs a prior t_str_reserve() covering this string; never fails then. */
uint32_t t_str_intern(struct thread_ctx *ctx, const char *s, size_t n)
{
	struct tstrtab *st = &ctx->str;
	if (n == 0 || n >= TSTR_CHUNK - 1)
		return 0;
	uint32_t h = str_hash32(ctx, s, n);
	uint32_t i = str_probe(ctx, s, n, h);
	if (st->slot[i])
		return SLOT_ATOM(st->slot[i]);
	if (st->nchunk == 0 || st->used + n + 1 > TSTR_CHUNK) {
		st->chunk[st->nchunk++] = st->spare;
		st->spare = NULL;
		st->used = 0;
		if (st->nchunk == 1)
			st->chunk[0][st->used++] = '\0'; /* atom 0 stays "no string" */
	}
	uint32_t atom = ((st->nchunk - 1) << TSTR_CHUNK_BITS) | st->used;
	char *p = st->chunk[st->nchunk - 1] + st->used;
	memcpy(p, s, n);
	p[n] = '\0';
	st->used += (uint32_t)n + 1;
	st->bytes += n + 1;
	st->slot[i] = ((uint64_t)h << 32) | atom;
	st->count++;
	return atom;
}

/* ---- index maps ------------------------------------------------------------------------ */

static uint64_t map_hash(const struct thread_ctx *ctx, const struct tmap *map, uint32_t v)
{
	if (map == &ctx->by_id)
		return t_hash_u64(ctx, ctx->cont[v].id);
	if (map == &ctx->by_key)
		return t_hash_u64(ctx, v & TKEY_ALIAS ? ctx->alias[v & ~TKEY_ALIAS].key : ctx->msg[v].key);
	if (map == &ctx->by_gmid)
		return t_hash_u64(ctx, ctx->gm[v].msgid);
	return t_hash_u64(ctx, ctx->thr[v].gkey);
}

int t_map_reserve(struct thread_ctx *ctx, struct tmap *map, uint32_t extra)
{
	uint64_t need = (uint64_t)map->count + extra;
	if (map->slot && need * 10 <= ((uint64_t)map->mask + 1) * 7)
		return 0;
	uint64_t size = 16;
	while (size * 7 < need * 10)
		size *= 2;
	if (size > ((uint64_t)1 << 31))
		return -1;
	uint32_t *slot = calloc((size_t)size, sizeof *slot);
	if (!slot)
		return -1;
	uint32_t mask = (uint32_t)size - 1;
	for (uint64_t i = 0; map->slot && i <= map->mask; i++) {
		uint32_t s = map->slot[i];
		if (!s)
			continue;
		uint32_t j = (uint32_t)map_hash(ctx, map, s - 1) & mask;
		while (slot[j])
			j = (j + 1) & mask;
		slot[j] = s;
	}
	free(map->slot);
	map->slot = slot;
	map->mask = mask;
	return 0;
}

/* Needs a prior t_map_reserve(). */
void t_map_insert(struct thread_ctx *ctx, struct tmap *map, uint32_t v)
{
	uint32_t i = (uint32_t)map_hash(ctx, map, v) & map->mask;
	while (map->slot[i])
		i = (i + 1) & map->mask;
	map->slot[i] = v + 1;
	map->count++;
}

/* Removes v (which must be present) by backward shifting. */
void t_map_remove(struct thread_ctx *ctx, struct tmap *map, uint32_t v)
{
	if (!map->slot)
		return;
	uint32_t mask = map->mask;
	uint32_t i = (uint32_t)map_hash(ctx, map, v) & mask;
	while (map->slot[i] && map->slot[i] != v + 1)
		i = (i + 1) & mask;
	if (!map->slot[i])
		return;
	for (uint32_t j = i;;) {
		j = (j + 1) & mask;
		uint32_t s = map->slot[j];
		if (!s)
			break;
		uint32_t k = (uint32_t)map_hash(ctx, map, s - 1) & mask;
		/* s may move to i unless its home k lies cyclically in (i, j] */
		bool stays = i <= j ? (k > i && k <= j) : (k > i || k <= j);
		if (!stays) {
			map->slot[i] = s;
			i = j;
		}
	}
	map->slot[i] = 0;
	map->count--;
}

uint32_t t_cont_by_id(const struct thread_ctx *ctx, uint32_t atom)
{
	const struct tmap *m = &ctx->by_id;
	if (!atom || !m->slot)
		return TNIL;
	uint32_t i = (uint32_t)t_hash_u64(ctx, atom) & m->mask;
	for (uint32_t s; (s = m->slot[i]) != 0; i = (i + 1) & m->mask)
		if (ctx->cont[s - 1].id == atom)
			return s - 1;
	return TNIL;
}

/* The by_key entry for key: a message index, TKEY_ALIAS | alias index, or TNIL. */
uint32_t t_key_find(const struct thread_ctx *ctx, uint64_t key)
{
	const struct tmap *m = &ctx->by_key;
	if (!m->slot)
		return TNIL;
	uint32_t i = (uint32_t)t_hash_u64(ctx, key) & m->mask;
	for (uint32_t s; (s = m->slot[i]) != 0; i = (i + 1) & m->mask) {
		uint32_t v = s - 1;
		uint64_t k = v & TKEY_ALIAS ? ctx->alias[v & ~TKEY_ALIAS].key : ctx->msg[v].key;
		if (k == key)
			return v;
	}
	return TNIL;
}

uint32_t t_msg_of_key(const struct thread_ctx *ctx, uint64_t key)
{
	uint32_t v = t_key_find(ctx, key);
	if (v == TNIL)
		return TNIL;
	return v & TKEY_ALIAS ? ctx->alias[v & ~TKEY_ALIAS].msg : v;
}

uint32_t t_gkey_find(const struct thread_ctx *ctx, uint64_t gkey)
{
	const struct tmap *m = &ctx->by_gkey;
	if (!m->slot)
		return TNIL;
	uint32_t i = (uint32_t)t_hash_u64(ctx, gkey) & m->mask;
	for (uint32_t s; (s = m->slot[i]) != 0; i = (i + 1) & m->mask)
		if (ctx->thr[s - 1].gkey == gkey)
			return s - 1;
	return TNIL;
}
