/*
 * mailbox_table — the lazy message table: row slots in sequence-number order (or in the order of
 * a UID list), paged so that rows nothing was fetched for cost nothing but a page header, and
 * records (the decoded list-row fields) only for rows that were fetched. Pure: no I/O.
 *
 * Contract:
 *  - Index i (0-based) is sequence number i + 1 in a mailbox table; in a UID-list table (search
 *    results, conversations) it is the position in that list. Indices shift down on remove and
 *    grow at the end on append (EXISTS): that is all IMAP ever does to sequence numbers.
 *  - A slot is MBX_SLOT_BYTES bytes (asserted by the tests, <= 64). Pages of MBX_PAGE slots are
 *    allocated when a slot in them is first written; a page of untouched slots is 8 bytes of
 *    count. mbx_get() never allocates (NULL for an untouched slot); mbx_at() does.
 *  - Records are owned by the table: set with mbx_set_rec() (the old one freed), freed on remove
 *    and by mbx_free(). A record is one allocation holding its strings.
 *  - Hidden rows (optimistic triage removals) stay in the table with MBX_S_HIDDEN; the position
 *    helpers skip them. Positions run newest first (reverse) or in index order.
 *  - Every size is bounded by the caller (EXISTS from the server is capped at MBX_MAX_ROWS).
 */
#ifndef SKUA_MAIL_MAILBOX_TABLE_H
#define SKUA_MAIL_MAILBOX_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MBX_PAGE 256u
#define MBX_MAX_ROWS 50000000u /* more than any real mailbox; EXISTS past it is clamped */

/* slot state bits (above the enum imap_sysflag bits, which use the low byte) */
enum {
	MBX_S_SYSMASK = 0xffu,
	MBX_S_HIDDEN = 1u << 8,   /* hidden by triage until the server removes it */
	MBX_S_FLAGS = 1u << 9,    /* flags are known */
	MBX_S_GONE = 1u << 10,    /* not to be fetched again (the server refused it) */
	MBX_S_LAST = 1u << 11,    /* conversation rows: the last child of its parent */
};

/* The fields of a fetched list row; strings NUL-terminated, never NULL, in the same block. */
struct mbx_rec {
	int64_t date;          /* Date header, else INTERNALDATE; 0 unknown */
	int64_t internaldate;  /* -1 unknown */
	uint64_t gm_msgid, gm_thrid;
	uint32_t size;
	bool attachment;
	bool has_refs;         /* references was fetched (may be "") */
	uint16_t n_labels;
	const char *subject, *from, *from_addr, *to, *cc;
	const char *message_id, *in_reply_to, *references;
	const char **labels;   /* n_labels strings */
};

struct mbx_slot {
	uint32_t uid;          /* 0 while unknown */
	uint32_t bits;         /* enum imap_sysflag bits | MBX_S_* */
	uint32_t tid;          /* thread id, THREAD_NONE (UINT32_MAX) when none */
	uint32_t req;          /* fetch request id while one is in flight for it, else 0 */
	struct mbx_rec *rec;   /* NULL until fetched */
};
#define MBX_SLOT_BYTES sizeof(struct mbx_slot)

struct mbx_page {
	uint32_t n;            /* slots in this page (1..MBX_PAGE) */
	struct mbx_slot *s;    /* NULL: n untouched slots */
};

struct mbx_table {
	struct mbx_page *pages;
	size_t n_pages, cap_pages;
	size_t n;              /* rows */
	size_t n_recs;         /* slots with a record */
	size_t n_hidden;
	bool uid_sorted;       /* UID-list table kept in ascending UID order (binary search) */
	/* lookup hint: the page holding index hint_base .. */
	size_t hint_page, hint_base;
	/* hidden indices, ascending, rebuilt when stale */
	size_t *hid;
	size_t n_hid, cap_hid;
	bool hid_stale;
};

/* Input for a record; NULL strings count as "". */
struct mbx_rec_in {
	int64_t date, internaldate;
	uint64_t gm_msgid, gm_thrid;
	uint32_t size;
	bool attachment, has_refs;
	const char *subject, *from, *from_addr, *to, *cc;
	const char *message_id, *in_reply_to, *references;
	size_t n_labels;
	const char *const *labels;
};

void mbx_init(struct mbx_table *t);
void mbx_free(struct mbx_table *t);
/* Drops every row (records freed), keeps nothing. */
void mbx_clear(struct mbx_table *t);

/* Grows to n rows (new slots untouched); n below the current count removes rows at the end.
 * -1 when out of memory (the table is unchanged). */
int mbx_resize(struct mbx_table *t, size_t n);
/* Appends one slot with this UID (UID-list tables). -1 when out of memory. */
int mbx_append_uid(struct mbx_table *t, uint32_t uid);
/* Removes index i (EXPUNGE of sequence number i + 1); false when out of range. */
bool mbx_remove(struct mbx_table *t, size_t i);

/* The slot at i, or NULL when untouched or out of range. */
struct mbx_slot *mbx_get(struct mbx_table *t, size_t i);
/* The slot at i, allocating its page; NULL when out of range or out of memory. */
struct mbx_slot *mbx_at(struct mbx_table *t, size_t i);
/* Index of the row with this UID, or SIZE_MAX. */
size_t mbx_find_uid(struct mbx_table *t, uint32_t uid);

/* Builds a record (one allocation); NULL when out of memory. Strings are cut to 1,000 bytes
 * (references 4,000), labels to 64. */
struct mbx_rec *mbx_rec_new(const struct mbx_rec_in *in);
struct mbx_rec *mbx_rec_dup(const struct mbx_rec *r);
/* A copy of r with other labels; NULL when out of memory. */
struct mbx_rec *mbx_rec_relabel(const struct mbx_rec *r, const char *const *labels, size_t n);
void mbx_rec_free(struct mbx_rec **r);
/* Replaces the slot's record (the old one freed); rec may be NULL. */
void mbx_set_rec(struct mbx_table *t, struct mbx_slot *s, struct mbx_rec *rec);

/* Hidden rows. */
void mbx_set_hidden(struct mbx_table *t, struct mbx_slot *s, bool hidden);
/* Visible rows. */
static inline size_t mbx_visible(const struct mbx_table *t) { return t->n - t->n_hidden; }
/* Position (among visible rows; newest first when reverse) -> index, SIZE_MAX out of range. */
size_t mbx_pos_to_index(struct mbx_table *t, size_t pos, bool reverse);
/* Index -> position, SIZE_MAX for a hidden or out-of-range index. */
size_t mbx_index_to_pos(struct mbx_table *t, size_t i, bool reverse);

/* Calls fn for each allocated slot with its index; fn returns non-zero to stop. */
void mbx_each(struct mbx_table *t, int (*fn)(void *ctx, size_t i, struct mbx_slot *s), void *ctx);

/* Bytes the table holds (pages, slots, records), for tests and benchmarks. */
size_t mbx_mem_usage(const struct mbx_table *t);

#endif
