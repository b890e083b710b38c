/*
 * folders — the account's folder list in display order, built from LIST results. Pure: no I/O
 * (the account runs LIST / STATUS and feeds the results here).
 *
 * Order: INBOX; then special folders, found by their SPECIAL-USE attribute (never by name: Gmail
 * localises "[Gmail]/Sent Mail"), in the order \Flagged, \Important, \Sent, \Drafts, \All,
 * \Archive, \Junk, \Trash (several with one role: by name); then every other folder as a tree by
 * its hierarchy delimiter, siblings by name (ASCII case folded, then bytes), a parent before its
 * children. A parent that is not listed, or listed \Noselect, is a tree node that cannot be
 * opened; a \Noselect folder with nothing under it in the tree (Gmail's "[Gmail]", whose children
 * are all special) is left out. \NonExistent entries are dropped.
 *
 * Memory: the list owns its strings (folders_free()). Counts are kept across rebuilds by name.
 */
#ifndef SKUA_MAIL_FOLDERS_H
#define SKUA_MAIL_FOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap/ops.h"
#include "mail/model.h"

struct folder_entry {
	char *name;            /* full UTF-8 name ("" never) */
	char *raw;             /* as the server sent it (the cache key); NULL for tree nodes */
	const char *label;     /* last component (points into name) */
	unsigned depth;
	char delim;
	uint32_t attr;         /* enum imap_mbox_attr bits */
	enum folder_role role;
	bool noselect;
	bool subscribed;
	bool has_counts;
	uint32_t total, unread;
	uint32_t uidvalidity;  /* from STATUS, 0 unknown */
};

struct folder_list {
	struct folder_entry *v;
	size_t n;
};

/* One LIST result entry as the builder needs it (a copy of struct imap_list_entry's fields). */
struct folder_src {
	const char *name, *raw;
	char delim;
	uint32_t attr;
	bool subscribed;       /* \Subscribed, or named by LSUB */
	bool has_status;
	uint32_t messages, unseen, uidvalidity;
};

/* The role of a LIST attribute set (FOLDER_NORMAL when none applies; is_inbox wins). */
enum folder_role folders_role(uint32_t attr, bool is_inbox);

/* Builds *out (emptied first) from n entries. subscribed_only keeps INBOX, special folders and
 * subscribed folders (and the tree nodes above them). old (may be NULL) gives counts to carry
 * over. -1 when out of memory (*out is then empty). */
int folders_build(struct folder_list *out, const struct folder_src *in, size_t n,
		  bool subscribed_only, const struct folder_list *old);
void folders_free(struct folder_list *l);

/* Index of the folder with this UTF-8 name (selectable entries first), or SIZE_MAX. */
size_t folders_find(const struct folder_list *l, const char *name);
/* The first selectable folder with role r, or NULL. */
const struct folder_entry *folders_special(const struct folder_list *l, enum folder_role r);

#endif
