/* folders — folder list order and tree; see folders.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mail/folders.h"

static const enum folder_role special_order[] = {
	FOLDER_FLAGGED, FOLDER_IMPORTANT, FOLDER_SENT, FOLDER_DRAFTS,
	FOLDER_ALL,     FOLDER_ARCHIVE,   FOLDER_JUNK, FOLDER_TRASH,
};

enum folder_role folders_role(uint32_t attr, bool is_inbox)
{
	if (is_inbox)
		return FOLDER_INBOX;
	static const struct {
		uint32_t bit;
		enum folder_role role;
	} map[] = {
		{IMAP_MBOX_FLAGGED, FOLDER_FLAGGED}, {IMAP_MBOX_IMPORTANT, FOLDER_IMPORTANT},
		{IMAP_MBOX_SENT, FOLDER_SENT},       {IMAP_MBOX_DRAFTS, FOLDER_DRAFTS},
		{IMAP_MBOX_ALL, FOLDER_ALL},         {IMAP_MBOX_ARCHIVE, FOLDER_ARCHIVE},
		{IMAP_MBOX_JUNK, FOLDER_JUNK},       {IMAP_MBOX_TRASH, FOLDER_TRASH},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (attr & map[i].bit)
			return map[i].role;
	return FOLDER_NORMAL;
}

void folders_free(struct folder_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].raw);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Name order: ASCII case folded, then bytes. */
static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	for (size_t i = 0; i < n; i++) {
		int x = ascii_lower((unsigned char)a[i]), y = ascii_lower((unsigned char)b[i]);
		if (x != y)
			return x - y;
	}
	if (an != bn)
		return an < bn ? -1 : 1;
	int c = memcmp(a, b, n);
	return c;
}

/* Path order: component by component, a parent before its children. */
static int path_cmp(const char *a, const char *b, char delim)
{
	for (;;) {
		const char *ae = delim ? strchr(a, delim) : NULL;
		const char *be = delim ? strchr(b, delim) : NULL;
		size_t an = ae ? (size_t)(ae - a) : strlen(a);
		size_t bn = be ? (size_t)(be - b) : strlen(b);
		int c = name_cmp(a, an, b, bn);
		if (c)
			return c;
		if (!ae || !be)
			return (ae ? 1 : 0) - (be ? 1 : 0);
		a = ae + 1;
		b = be + 1;
	}
}

struct node {
	char *path;
	const struct folder_src *src; /* NULL: a tree node not listed */
	char delim;
	bool keep;
};

static int node_cmp(const void *x, const void *y)
{
	const struct node *a = x, *b = y;
	return path_cmp(a->path, b->path, a->delim ? a->delim : b->delim);
}

/* The listed entry with this exact name, if any (a parent that is also a folder). */
static const struct folder_src *listed(const struct folder_src *in, size_t n, const char *name,
				       size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(in[i].name) == len && memcmp(in[i].name, name, len) == 0 &&
		    !(in[i].attr & IMAP_MBOX_NONEXISTENT))
			return &in[i];
	return NULL;
}

static const struct folder_entry *old_find(const struct folder_list *old, const char *name)
{
	if (!old)
		return NULL;
	for (size_t i = 0; i < old->n; i++)
		if (!old->v[i].noselect && strcmp(old->v[i].name, name) == 0)
			return &old->v[i];
	return NULL;
}

static int push(struct folder_list *out, size_t *cap, const struct folder_src *s, const char *name,
		unsigned depth, char delim, enum folder_role role, const struct folder_list *old)
{
	if (out->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct folder_entry *v = realloc(out->v, nc * sizeof *v);
		if (!v)
			return -1;
		out->v = v;
		*cap = nc;
	}
	struct folder_entry *e = &out->v[out->n];
	memset(e, 0, sizeof *e);
	e->name = strdup(name);
	if (s && s->raw)
		e->raw = strdup(s->raw);
	if (!e->name || (s && s->raw && !e->raw)) {
		free(e->name);
		free(e->raw);
		return -1;
	}
	out->n++;
	e->depth = depth;
	e->delim = delim;
	e->role = role;
	const char *last = delim ? strrchr(e->name, delim) : NULL;
	e->label = last && last[1] && depth ? last + 1 : e->name;
	if (role != FOLDER_NORMAL && role != FOLDER_INBOX && last && last[1])
		e->label = last + 1;
	if (s) {
		e->attr = s->attr;
		e->noselect = (s->attr & IMAP_MBOX_NOSELECT) != 0;
		e->subscribed = s->subscribed;
		if (s->has_status) {
			e->has_counts = true;
			e->total = s->messages;
			e->unread = s->unseen;
			e->uidvalidity = s->uidvalidity;
		}
	} else {
		e->noselect = true;
	}
	const struct folder_entry *o = e->noselect ? NULL : old_find(old, name);
	if (o && !e->has_counts && o->has_counts) {
		e->has_counts = true;
		e->total = o->total;
		e->unread = o->unread;
		e->uidvalidity = o->uidvalidity;
	}
	return 0;
}

static int add_node(struct node **v, size_t *n, size_t *cap, const char *path, size_t len,
		    const struct folder_src *src, char delim)
{
	for (size_t i = 0; i < *n; i++) /* parents are few: a linear check keeps it simple */
		if (strlen((*v)[i].path) == len && memcmp((*v)[i].path, path, len) == 0) {
			if (src && !(*v)[i].src)
				(*v)[i].src = src;
			return 0;
		}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct node *nv = realloc(*v, nc * sizeof *nv);
		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	char *p = malloc(len + 1);
	if (!p)
		return -1;
	memcpy(p, path, len);
	p[len] = '\0';
	(*v)[*n] = (struct node){.path = p, .src = src, .delim = delim};
	(*n)++;
	return 0;
}

int folders_build(struct folder_list *out, const struct folder_src *in, size_t n,
		  bool subscribed_only, const struct folder_list *old)
{
	struct folder_list res = {0};
	size_t cap = 0;
	struct node *nodes = NULL;
	size_t n_nodes = 0, cap_nodes = 0;
	int rc = -1;

	/* INBOX */
	for (size_t i = 0; i < n; i++)
		if (strcmp(in[i].name, "INBOX") == 0 && !(in[i].attr & IMAP_MBOX_NONEXISTENT)) {
			if (push(&res, &cap, &in[i], "INBOX", 0, in[i].delim, FOLDER_INBOX, old))
				goto out;
			break;
		}
	/* special folders by role, each role's folders by name */
	for (size_t r = 0; r < sizeof special_order / sizeof special_order[0]; r++) {
		size_t first = res.n;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(in[i].name, "INBOX") == 0 || (in[i].attr & IMAP_MBOX_NONEXISTENT))
				continue;
			if (folders_role(in[i].attr, false) != special_order[r])
				continue;
			if (push(&res, &cap, &in[i], in[i].name, 0, in[i].delim, special_order[r], old))
				goto out;
			for (size_t j = res.n - 1; j > first; j--) { /* insertion by name */
				if (name_cmp(res.v[j - 1].name, strlen(res.v[j - 1].name), res.v[j].name,
					     strlen(res.v[j].name)) <= 0)
					break;
				struct folder_entry t = res.v[j];
				res.v[j] = res.v[j - 1];
				res.v[j - 1] = t;
			}
		}
	}
	/* the rest: every listed name and every prefix of it */
	for (size_t i = 0; i < n; i++) {
		const struct folder_src *s = &in[i];
		if (strcmp(s->name, "INBOX") == 0 || (s->attr & IMAP_MBOX_NONEXISTENT) ||
		    folders_role(s->attr, false) != FOLDER_NORMAL)
			continue;
		bool selectable = !(s->attr & IMAP_MBOX_NOSELECT);
		if (subscribed_only && !s->subscribed && selectable)
			continue;
		size_t len = strlen(s->name);
		if (add_node(&nodes, &n_nodes, &cap_nodes, s->name, len, s, s->delim))
			goto out;
		if (selectable)
			nodes[n_nodes - 1].keep = true;
		for (size_t k = len; s->delim && k-- > 0;) {
			if (s->name[k] != s->delim || k == 0)
				continue;
			if (add_node(&nodes, &n_nodes, &cap_nodes, s->name, k, listed(in, n, s->name, k),
				     s->delim))
				goto out;
		}
	}
	if (n_nodes)
		qsort(nodes, n_nodes, sizeof *nodes, node_cmp);
	/* a node is kept when it is selectable or has a kept node under it */
	for (size_t i = n_nodes; i-- > 0;) {
		if (!nodes[i].keep)
			continue;
		for (size_t j = i; j-- > 0;) {
			size_t pl = strlen(nodes[j].path);
			if (nodes[i].delim && strncmp(nodes[i].path, nodes[j].path, pl) == 0 &&
			    nodes[i].path[pl] == nodes[i].delim)
				nodes[j].keep = true;
		}
	}
	for (size_t i = 0; i < n_nodes; i++) {
		if (!nodes[i].keep)
			continue;
		unsigned depth = 0;
		for (const char *p = nodes[i].path; nodes[i].delim && *p; p++)
			if (*p == nodes[i].delim && p != nodes[i].path && p[1])
				depth++;
		if (push(&res, &cap, nodes[i].src, nodes[i].path, depth, nodes[i].delim, FOLDER_NORMAL,
			 old))
			goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n_nodes; i++)
		free(nodes[i].path);
	free(nodes);
	folders_free(out);
	if (rc == 0)
		*out = res;
	else
		folders_free(&res);
	return rc;
}

size_t folders_find(const struct folder_list *l, const char *name)
{
	size_t any = SIZE_MAX;
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].name, name) != 0)
			continue;
		if (!l->v[i].noselect)
			return i;
		if (any == SIZE_MAX)
			any = i;
	}
	return any;
}

const struct folder_entry *folders_special(const struct folder_list *l, enum folder_role r)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].role == r && !l->v[i].noselect)
			return &l->v[i];
	return NULL;
}
