/* mailbox_table — paged row slots and packed records; see mailbox_table.h. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mailbox_table.h"

#define REC_STR_MAX 1000
#define REC_REFS_MAX 4000
#define REC_LABELS_MAX 64
#define TID_NONE UINT32_MAX

void mbx_init(struct mbx_table *t)
{
	memset(t, 0, sizeof *t);
}

static void free_page(struct mbx_table *t, struct mbx_page *p)
{
	if (!p->s)
		return;
	for (uint32_t i = 0; i < p->n; i++) {
		if (p->s[i].rec) {
			mbx_rec_free(&p->s[i].rec);
			t->n_recs--;
		}
		if (p->s[i].bits & MBX_S_HIDDEN)
			t->n_hidden--;
	}
	free(p->s);
	p->s = NULL;
}

void mbx_clear(struct mbx_table *t)
{
	for (size_t i = 0; i < t->n_pages; i++)
		free_page(t, &t->pages[i]);
	free(t->pages);
	free(t->hid);
	bool sorted = t->uid_sorted;
	memset(t, 0, sizeof *t);
	t->uid_sorted = sorted;
}

void mbx_free(struct mbx_table *t)
{
	mbx_clear(t);
}

static void structure_changed(struct mbx_table *t)
{
	t->hint_page = 0;
	t->hint_base = 0;
	t->hid_stale = true;
}

static int reserve_pages(struct mbx_table *t, size_t want)
{
	if (want <= t->cap_pages)
		return 0;
	size_t cap = t->cap_pages ? t->cap_pages : 16;
	while (cap < want)
		cap *= 2;
	struct mbx_page *p = realloc(t->pages, cap * sizeof *p);
	if (!p)
		return -1;
	t->pages = p;
	t->cap_pages = cap;
	return 0;
}

int mbx_resize(struct mbx_table *t, size_t n)
{
	if (n > MBX_MAX_ROWS)
		n = MBX_MAX_ROWS;
	if (n == t->n)
		return 0;
	structure_changed(t);
	if (n < t->n) {
		while (t->n > n) {
			struct mbx_page *p = &t->pages[t->n_pages - 1];
			size_t drop = t->n - n;
			if (drop >= p->n) {
				t->n -= p->n;
				free_page(t, p);
				t->n_pages--;
				continue;
			}
			for (size_t k = p->n - drop; p->s && k < p->n; k++) {
				if (p->s[k].rec) {
					mbx_rec_free(&p->s[k].rec);
					t->n_recs--;
				}
				if (p->s[k].bits & MBX_S_HIDDEN)
					t->n_hidden--;
			}
			p->n -= (uint32_t)drop;
			t->n = n;
		}
		return 0;
	}
	size_t add = n - t->n;
	size_t room = 0;
	if (t->n_pages)
		room = MBX_PAGE - t->pages[t->n_pages - 1].n;
	size_t extra = add > room ? (add - room + MBX_PAGE - 1) / MBX_PAGE : 0;
	if (reserve_pages(t, t->n_pages + extra) != 0)
		return -1;
	if (room) {
		struct mbx_page *p = &t->pages[t->n_pages - 1];
		size_t k = add < room ? add : room;
		if (p->s) {
			for (size_t j = p->n; j < p->n + k; j++) {
				memset(&p->s[j], 0, sizeof p->s[j]);
				p->s[j].tid = TID_NONE;
			}
		}
		p->n += (uint32_t)k;
		add -= k;
		t->n += k;
	}
	while (add) {
		size_t k = add < MBX_PAGE ? add : MBX_PAGE;
		t->pages[t->n_pages].n = (uint32_t)k;
		t->pages[t->n_pages].s = NULL;
		t->n_pages++;
		add -= k;
		t->n += k;
	}
	return 0;
}

static struct mbx_slot *alloc_slots(void)
{
	struct mbx_slot *s = calloc(MBX_PAGE, sizeof *s);
	if (s)
		for (size_t i = 0; i < MBX_PAGE; i++)
			s[i].tid = TID_NONE;
	return s;
}

int mbx_append_uid(struct mbx_table *t, uint32_t uid)
{
	size_t i = t->n;
	if (mbx_resize(t, t->n + 1) != 0 || t->n != i + 1)
		return -1;
	struct mbx_slot *s = mbx_at(t, i);
	if (!s) {
		(void)mbx_resize(t, i); /* shrinking cannot fail */
		return -1;
	}
	s->uid = uid;
	return 0;
}

/* Page holding index i, and the index of its first slot. */
static bool find_page(struct mbx_table *t, size_t i, size_t *page, size_t *base)
{
	if (i >= t->n)
		return false;
	size_t p = t->hint_page, b = t->hint_base;
	if (p >= t->n_pages) {
		p = 0;
		b = 0;
	}
	if (i < b) {
		while (i < b) {
			p--;
			b -= t->pages[p].n;
		}
	} else {
		while (i >= b + t->pages[p].n) {
			b += t->pages[p].n;
			p++;
		}
	}
	t->hint_page = p;
	t->hint_base = b;
	*page = p;
	*base = b;
	return true;
}

struct mbx_slot *mbx_get(struct mbx_table *t, size_t i)
{
	size_t p, b;
	if (!find_page(t, i, &p, &b) || !t->pages[p].s)
		return NULL;
	return &t->pages[p].s[i - b];
}

struct mbx_slot *mbx_at(struct mbx_table *t, size_t i)
{
	size_t p, b;
	if (!find_page(t, i, &p, &b))
		return NULL;
	if (!t->pages[p].s && !(t->pages[p].s = alloc_slots()))
		return NULL;
	return &t->pages[p].s[i - b];
}

bool mbx_remove(struct mbx_table *t, size_t i)
{
	size_t p, b;
	if (!find_page(t, i, &p, &b))
		return false;
	struct mbx_page *pg = &t->pages[p];
	if (pg->s) {
		struct mbx_slot *s = &pg->s[i - b];
		if (s->rec) {
			mbx_rec_free(&s->rec);
			t->n_recs--;
		}
		if (s->bits & MBX_S_HIDDEN)
			t->n_hidden--;
		memmove(s, s + 1, (pg->n - (i - b) - 1) * sizeof *s);
		memset(&pg->s[pg->n - 1], 0, sizeof pg->s[0]);
		pg->s[pg->n - 1].tid = TID_NONE;
	}
	pg->n--;
	t->n--;
	if (pg->n == 0) {
		free(pg->s);
		memmove(pg, pg + 1, (t->n_pages - p - 1) * sizeof *pg);
		t->n_pages--;
	}
	structure_changed(t);
	return true;
}

size_t mbx_find_uid(struct mbx_table *t, uint32_t uid)
{
	if (!uid)
		return SIZE_MAX;
	if (t->uid_sorted) {
		/* every page allocated, UIDs ascending: binary search over pages, then inside */
		size_t lo = 0, hi = t->n_pages;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct mbx_page *pg = &t->pages[mid];
			if (!pg->s || pg->s[pg->n - 1].uid < uid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < t->n_pages && t->pages[lo].s) {
			const struct mbx_page *pg = &t->pages[lo];
			size_t a = 0, z = pg->n;
			while (a < z) {
				size_t m = a + (z - a) / 2;
				if (pg->s[m].uid < uid)
					a = m + 1;
				else
					z = m;
			}
			if (a < pg->n && pg->s[a].uid == uid) {
				size_t base = 0;
				for (size_t k = 0; k < lo; k++)
					base += t->pages[k].n;
				return base + a;
			}
		}
		/* fall through: a table not as sorted as claimed is still searched */
	}
	size_t base = 0;
	for (size_t p = 0; p < t->n_pages; p++) {
		const struct mbx_page *pg = &t->pages[p];
		if (pg->s)
			for (uint32_t k = 0; k < pg->n; k++)
				if (pg->s[k].uid == uid)
					return base + k;
		base += pg->n;
	}
	return SIZE_MAX;
}

/* ---- records ------------------------------------------------------------------------------ */

static size_t cut_len(const char *s, size_t max)
{
	if (!s)
		return 0;
	size_t n = strnlen(s, max + 1);
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) /* UTF-8 boundary */
		n--;
	return n;
}

struct mbx_rec *mbx_rec_new(const struct mbx_rec_in *in)
{
	const char *src[8] = {in->subject, in->from, in->from_addr, in->to, in->cc, in->message_id,
			      in->in_reply_to, in->references};
	size_t len[8];
	size_t nl = in->n_labels > REC_LABELS_MAX ? REC_LABELS_MAX : in->n_labels;
	size_t total = sizeof(struct mbx_rec) + nl * sizeof(char *);
	for (int k = 0; k < 8; k++) {
		len[k] = cut_len(src[k], k == 7 ? REC_REFS_MAX : REC_STR_MAX);
		total += len[k] + 1;
	}
	size_t llen[REC_LABELS_MAX];
	for (size_t k = 0; k < nl; k++) {
		llen[k] = cut_len(in->labels[k], 256);
		total += llen[k] + 1;
	}
	struct mbx_rec *r = malloc(total);
	if (!r)
		return NULL;
	memset(r, 0, sizeof *r);
	r->date = in->date;
	r->internaldate = in->internaldate;
	r->gm_msgid = in->gm_msgid;
	r->gm_thrid = in->gm_thrid;
	r->size = in->size;
	r->attachment = in->attachment;
	r->has_refs = in->has_refs;
	r->n_labels = (uint16_t)nl;
	char *p = (char *)(r + 1);
	r->labels = nl ? (const char **)(void *)p : NULL;
	p += nl * sizeof(char *);
	const char **dst[8] = {&r->subject, &r->from, &r->from_addr, &r->to, &r->cc, &r->message_id,
			       &r->in_reply_to, &r->references};
	for (int k = 0; k < 8; k++) {
		if (len[k])
			memcpy(p, src[k], len[k]);
		p[len[k]] = '\0';
		*dst[k] = p;
		p += len[k] + 1;
	}
	for (size_t k = 0; k < nl; k++) {
		if (llen[k])
			memcpy(p, in->labels[k], llen[k]);
		p[llen[k]] = '\0';
		r->labels[k] = p;
		p += llen[k] + 1;
	}
	return r;
}

static void rec_to_in(const struct mbx_rec *r, struct mbx_rec_in *in)
{
	memset(in, 0, sizeof *in);
	in->date = r->date;
	in->internaldate = r->internaldate;
	in->gm_msgid = r->gm_msgid;
	in->gm_thrid = r->gm_thrid;
	in->size = r->size;
	in->attachment = r->attachment;
	in->has_refs = r->has_refs;
	in->subject = r->subject;
	in->from = r->from;
	in->from_addr = r->from_addr;
	in->to = r->to;
	in->cc = r->cc;
	in->message_id = r->message_id;
	in->in_reply_to = r->in_reply_to;
	in->references = r->references;
	in->n_labels = r->n_labels;
	in->labels = r->labels;
}

struct mbx_rec *mbx_rec_dup(const struct mbx_rec *r)
{
	struct mbx_rec_in in;
	rec_to_in(r, &in);
	return mbx_rec_new(&in);
}

struct mbx_rec *mbx_rec_relabel(const struct mbx_rec *r, const char *const *labels, size_t n)
{
	struct mbx_rec_in in;
	rec_to_in(r, &in);
	in.labels = labels;
	in.n_labels = n;
	return mbx_rec_new(&in);
}

void mbx_rec_free(struct mbx_rec **r)
{
	if (r && *r) {
		free(*r);
		*r = NULL;
	}
}

void mbx_set_rec(struct mbx_table *t, struct mbx_slot *s, struct mbx_rec *rec)
{
	if (s->rec)
		t->n_recs--;
	mbx_rec_free(&s->rec);
	s->rec = rec;
	if (rec)
		t->n_recs++;
}

/* ---- hidden rows and positions ------------------------------------------------------------ */

void mbx_set_hidden(struct mbx_table *t, struct mbx_slot *s, bool hidden)
{
	bool was = (s->bits & MBX_S_HIDDEN) != 0;
	if (was == hidden)
		return;
	if (hidden) {
		s->bits |= MBX_S_HIDDEN;
		t->n_hidden++;
	} else {
		s->bits &= ~MBX_S_HIDDEN;
		t->n_hidden--;
	}
	t->hid_stale = true;
}

static void rebuild_hidden(struct mbx_table *t)
{
	if (!t->hid_stale)
		return;
	t->n_hid = 0;
	if (t->n_hidden > t->cap_hid) {
		size_t *h = realloc(t->hid, t->n_hidden * sizeof *h);
		if (!h)
			return; /* stays stale; positions then ignore hidden rows */
		t->hid = h;
		t->cap_hid = t->n_hidden;
	}
	size_t base = 0;
	for (size_t p = 0; p < t->n_pages && t->n_hid < t->n_hidden; p++) {
		const struct mbx_page *pg = &t->pages[p];
		if (pg->s)
			for (uint32_t k = 0; k < pg->n; k++)
				if (pg->s[k].bits & MBX_S_HIDDEN)
					t->hid[t->n_hid++] = base + k;
		base += pg->n;
	}
	t->hid_stale = false;
}

size_t mbx_pos_to_index(struct mbx_table *t, size_t pos, bool reverse)
{
	if (pos >= mbx_visible(t))
		return SIZE_MAX;
	if (t->n_hidden == 0)
		return reverse ? t->n - 1 - pos : pos;
	rebuild_hidden(t);
	if (t->hid_stale)
		return reverse ? t->n - 1 - pos : pos;
	size_t idx;
	if (reverse) {
		idx = t->n - 1 - pos;
		for (size_t k = t->n_hid; k-- > 0;) {
			if (t->hid[k] >= idx)
				idx--;
			else
				break;
		}
	} else {
		idx = pos;
		for (size_t k = 0; k < t->n_hid; k++) {
			if (t->hid[k] <= idx)
				idx++;
			else
				break;
		}
	}
	return idx;
}

size_t mbx_index_to_pos(struct mbx_table *t, size_t i, bool reverse)
{
	if (i >= t->n)
		return SIZE_MAX;
	if (t->n_hidden == 0)
		return reverse ? t->n - 1 - i : i;
	const struct mbx_slot *s = mbx_get(t, i);
	if (s && (s->bits & MBX_S_HIDDEN))
		return SIZE_MAX;
	rebuild_hidden(t);
	if (t->hid_stale)
		return reverse ? t->n - 1 - i : i;
	size_t lo = 0, hi = t->n_hid; /* hidden indices below i */
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (t->hid[m] < i)
			lo = m + 1;
		else
			hi = m;
	}
	if (reverse)
		return t->n - 1 - i - (t->n_hid - lo);
	return i - lo;
}

void mbx_each(struct mbx_table *t, int (*fn)(void *ctx, size_t i, struct mbx_slot *s), void *ctx)
{
	size_t base = 0;
	for (size_t p = 0; p < t->n_pages; p++) {
		struct mbx_page *pg = &t->pages[p];
		size_t n = pg->n;
		if (pg->s)
			for (size_t k = 0; k < n; k++)
				if (fn(ctx, base + k, &pg->s[k]))
					return;
		base += n;
	}
}

size_t mbx_mem_usage(const struct mbx_table *t)
{
	size_t bytes = t->cap_pages * sizeof(struct mbx_page) + t->cap_hid * sizeof(size_t);
	for (size_t p = 0; p < t->n_pages; p++) {
		const struct mbx_page *pg = &t->pages[p];
		if (!pg->s)
			continue;
		bytes += MBX_PAGE * sizeof(struct mbx_slot);
		for (uint32_t k = 0; k < pg->n; k++) {
			const struct mbx_rec *r = pg->s[k].rec;
			if (!r)
				continue;
			bytes += sizeof *r + r->n_labels * sizeof(char *);
			const char *f[8] = {r->subject, r->from, r->from_addr, r->to, r->cc,
					    r->message_id, r->in_reply_to, r->references};
			for (int j = 0; j < 8; j++)
				bytes += strlen(f[j]) + 1;
			for (size_t j = 0; j < r->n_labels; j++)
				bytes += strlen(r->labels[j]) + 1;
		}
	}
	return bytes;
}
