/* triage_undo — z: the inverse of the newest group, journaled as a group of its own; searches
 * for messages whose new UIDs the journal does not know. See triage.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/triage_int.h"

/* A journal entry copied out of a cache callback. */
struct jcopy {
	int64_t id;
	enum cache_jstate state;
	enum cache_jkind kind;
	char *mailbox, *dest, *result;
	uint32_t uidvalidity;
	struct seqset uids;
	char **args;
	size_t n_args;
};

struct jlist {
	struct jcopy *v;
	size_t n, cap;
	bool oom;
};

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static char **strv_dup(const char *const *v, size_t n)
{
	if (!n)
		return NULL;
	char **d = calloc(n, sizeof *d);
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(d[i] = strdup(v[i]))) {
			strv_free(d, i);
			return NULL;
		}
	return d;
}

static int copy_cb(void *ctx, const struct cache_jentry *e)
{
	struct jlist *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct jcopy *v = realloc(l->v, cap * sizeof *v);
		if (!v) {
			l->oom = true;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	struct jcopy *x = &l->v[l->n++];
	memset(x, 0, sizeof *x);
	seqset_init(&x->uids);
	x->id = e->id;
	x->state = e->state;
	x->kind = e->kind;
	x->uidvalidity = e->uidvalidity;
	x->mailbox = dup0(e->mailbox);
	x->dest = dup0(e->dest);
	x->result = dup0(e->result);
	x->args = strv_dup(e->args, e->n_args);
	x->n_args = x->args ? e->n_args : 0;
	if (!x->mailbox || (e->dest && !x->dest) || (e->result && !x->result) ||
	    (e->n_args && !x->args) || seqset_copy(&x->uids, e->uids) != SEQSET_OK)
		l->oom = true;
	return l->oom;
}

static void jlist_free(struct jlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct jcopy *x = &l->v[i];
		free(x->mailbox);
		free(x->dest);
		free(x->result);
		strv_free(x->args, x->n_args);
		seqset_free(&x->uids);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- undo records -------------------------------------------------------------------------- */

static void undo_free(struct tundo *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		struct tinv *iv = &u->v[i];
		free(iv->mailbox);
		seqset_free(&iv->uids);
		strv_free(iv->args, iv->n_args);
		free(iv->dest);
		free(iv->uh_key);
		seqset_free(&iv->uh_uids);
	}
	free(u->v);
	free(u->desc);
	free(u->why);
	free(u);
}

static struct tinv *undo_add(struct tundo *u)
{
	struct tinv *v = realloc(u->v, (u->n + 1) * sizeof *v);
	if (!v)
		return NULL;
	u->v = v;
	struct tinv *iv = &v[u->n++];
	memset(iv, 0, sizeof *iv);
	seqset_init(&iv->uids);
	seqset_init(&iv->uh_uids);
	return iv;
}

void tr_undo_free_all(struct triage *t)
{
	while (t->undos) {
		struct tundo *u = t->undos;
		t->undos = u->next;
		undo_free(u);
	}
}

/* A normalised copy of a (possibly unordered) set. */
static int set_normal(struct seqset *dst, const struct seqset *src)
{
	seqset_clear(dst);
	struct seqset_iter it;
	uint32_t v;
	for (seqset_iter_init(&it, src); seqset_iter_next(&it, &v);)
		if (seqset_add(dst, v) != SEQSET_OK)
			return -1;
	return 0;
}

/* Journals the inverse entries as one group that undoes u->of, shows them, sends them. -1 with a
 * message when that group was undone meanwhile. */
static int undo_commit(struct triage *t, struct tundo *u, char *err, size_t errlen)
{
	int64_t g = 0;
	if (t->c && cache_usable(t->c)) {
		enum cache_result r = cache_journal_group_new(t->c, u->desc, u->of, &g);
		if (r == CACHE_CONFLICT || r == CACHE_NOTFOUND) {
			snprintf(err, errlen, "already undone");
			return -1;
		}
		if (r != CACHE_OK)
			g = 0;
	}
	size_t lost = 0;
	for (size_t i = 0; i < u->n; i++) {
		struct tinv *iv = &u->v[i];
		if (seqset_is_empty(&iv->uids))
			continue;
		struct tentry *e = tr_entry_new(t, TE_ENTRY);
		if (!e) {
			lost++;
			continue;
		}
		e->kind = iv->kind;
		e->group = g;
		e->mailbox = iv->mailbox;
		iv->mailbox = NULL;
		e->uidvalidity = iv->uidvalidity;
		seqset_free(&e->uids);
		e->uids = iv->uids;
		seqset_init(&iv->uids);
		e->args = iv->args;
		e->n_args = iv->n_args;
		iv->args = NULL;
		iv->n_args = 0;
		e->dest = iv->dest;
		iv->dest = NULL;
		e->hide = iv->hide;
		e->uh_key = iv->uh_key;
		iv->uh_key = NULL;
		seqset_free(&e->uh_uids);
		e->uh_uids = iv->uh_uids;
		seqset_init(&iv->uh_uids);
		char why[TRIAGE_ERR_MAX];
		if (tr_journal(t, e, why, sizeof why) != 0) {
			tr_alertf(t, "undo: %s", why);
			tr_entry_free(e);
			continue;
		}
		e->applied = true;
		tr_model(t, e, true);
		ts_enqueue(t, e);
		ts_point(t, TRIAGE_AT_JOURNALED, e->id);
	}
	if (lost)
		tr_alertf(t, "undo: out of memory");
	ts_later(t);
	return 0;
}

void tr_undo_found(struct tundo *u, size_t slot, const struct seqset *uids, uint32_t uidvalidity,
		   const char *why)
{
	struct triage *t = u->t;
	struct tinv *iv = &u->v[slot];
	if (why) {
		if (!u->why)
			u->why = strdup(why);
		u->failed = true;
	} else if (uids) {
		iv->uidvalidity = uidvalidity;
		if (set_normal(&iv->uids, uids) != 0) {
			u->failed = true;
			seqset_clear(&iv->uids);
		}
		iv->found = !seqset_is_empty(&iv->uids);
		if (!iv->found)
			u->missing = true;
	}
	if (u->waiting && --u->waiting > 0)
		return;
	for (struct tundo **p = &t->undos; *p; p = &(*p)->next)
		if (*p == u) {
			*p = u->next;
			break;
		}
	bool any = false;
	for (size_t i = 0; i < u->n; i++)
		if (!seqset_is_empty(&u->v[i].uids))
			any = true;
	if (u->failed)
		tr_alertf(t, "could not undo: %s", u->why ? u->why : "out of memory");
	else if (!any)
		tr_alertf(t, "could not undo: the messages were not found where they went");
	else {
		if (u->missing)
			tr_alertf(t, "undo: some messages were not found where they went");
		char err[TRIAGE_ERR_MAX];
		if (undo_commit(t, u, err, sizeof err) != 0)
			tr_alertf(t, "could not undo: %s", err);
	}
	undo_free(u);
}

/* ---- planning ------------------------------------------------------------------------------ */

/* "COPYUID uv src dst" -> uv and the destination set. */
static bool parse_copyuid(const char *r, uint32_t *uv, struct seqset *dst)
{
	if (!r || strncmp(r, "COPYUID ", 8) != 0)
		return false;
	const char *p = r + 8;
	char *end;
	errno = 0;
	unsigned long v = strtoul(p, &end, 10);
	if (errno || end == p || *end != ' ' || v == 0 || v > UINT32_MAX)
		return false;
	const char *s1 = end + 1;
	const char *sp = strchr(s1, ' ');
	if (!sp)
		return false;
	struct seqset src;
	seqset_init(&src);
	struct seqset d;
	seqset_init(&d);
	bool ok = seqset_parse(&src, s1, (size_t)(sp - s1), SEQSET_KEEP_ORDER, 0) == SEQSET_OK &&
		  seqset_parse(&d, sp + 1, strlen(sp + 1), SEQSET_KEEP_ORDER, 0) == SEQSET_OK &&
		  seqset_count(&src) == seqset_count(&d) && set_normal(dst, &d) == 0;
	seqset_free(&src);
	seqset_free(&d);
	*uv = (uint32_t)v;
	return ok && !seqset_is_empty(dst);
}

/* "GMID a,b,c" -> ids (malloc'd). */
static size_t parse_gmid(const char *r, uint64_t **out)
{
	*out = NULL;
	if (!r || strncmp(r, "GMID ", 5) != 0)
		return 0;
	size_t cap = 1;
	for (const char *p = r; *p; p++)
		cap += *p == ',';
	uint64_t *v = calloc(cap, sizeof *v);
	if (!v)
		return 0;
	size_t n = 0;
	const char *p = r + 5;
	while (*p && n < cap) {
		char *end;
		errno = 0;
		unsigned long long x = strtoull(p, &end, 10);
		if (errno || end == p)
			break;
		if (x)
			v[n++] = x;
		p = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	if (!n) {
		free(v);
		return 0;
	}
	*out = v;
	return n;
}

/* The ids a move entry keeps ("<uid> G<n>" / "<uid> M<id>"). */
static int move_search_ids(const struct jcopy *x, struct tentry *s)
{
	size_t ng = 0, nm = 0;
	for (size_t i = 0; i < x->n_args; i++) {
		const char *sp = strchr(x->args[i], ' ');
		if (sp && sp[1] == 'G')
			ng++;
		else if (sp && sp[1] == 'M' && sp[2])
			nm++;
	}
	if (ng >= nm && ng) {
		s->sgm = calloc(ng, sizeof *s->sgm);
		if (!s->sgm)
			return -1;
		for (size_t i = 0; i < x->n_args; i++) {
			const char *sp = strchr(x->args[i], ' ');
			if (sp && sp[1] == 'G') {
				unsigned long long v = strtoull(sp + 2, NULL, 10);
				if (v)
					s->sgm[s->n_s++] = v;
			}
		}
	} else if (nm) {
		s->smid = calloc(nm, sizeof *s->smid);
		if (!s->smid)
			return -1;
		for (size_t i = 0; i < x->n_args; i++) {
			const char *sp = strchr(x->args[i], ' ');
			if (sp && sp[1] == 'M' && sp[2]) {
				if (!(s->smid[s->n_s] = strdup(sp + 2)))
					return -1;
				s->n_s++;
			}
		}
	}
	return 0;
}

static bool hides(struct triage *t, const char *key, enum cache_jkind kind, char *const *args,
		  size_t n)
{
	if (kind != CACHE_J_LABELS_REMOVE || !n)
		return false;
	char *name = tm_folder_name(t->a, key);
	bool h = name && tr_label_hides(t, name, args[0]);
	free(name);
	return h;
}

static bool needs_result(struct triage *t, const struct jcopy *x)
{
	return x->kind == CACHE_J_MOVE || x->kind == CACHE_J_COPY ||
	       hides(t, x->mailbox, x->kind, x->args, x->n_args);
}

static enum cache_jkind opposite(enum cache_jkind k)
{
	switch (k) {
	case CACHE_J_FLAGS_ADD: return CACHE_J_FLAGS_REMOVE;
	case CACHE_J_FLAGS_REMOVE: return CACHE_J_FLAGS_ADD;
	case CACHE_J_LABELS_ADD: return CACHE_J_LABELS_REMOVE;
	case CACHE_J_LABELS_REMOVE: return CACHE_J_LABELS_ADD;
	default: return k;
	}
}

/* A search entry for slot of u in folder key. */
static struct tentry *search_entry(struct triage *t, struct tundo *u, size_t slot,
				   const char *key)
{
	struct tentry *s = tr_entry_new(t, TE_SEARCH);
	if (!s)
		return NULL;
	s->undo = u;
	s->slot = slot;
	s->mailbox = strdup(key);
	if (!s->mailbox) {
		tr_entry_free(s);
		return NULL;
	}
	return s;
}

/* Plans the inverse of x into u; searches go to *sv. -1 with a message. */
static int plan_inverse(struct triage *t, struct tundo *u, const struct jcopy *x,
			struct tentry **sv, size_t *ns, char *err, size_t errlen)
{
	struct tinv *iv = undo_add(u);
	if (!iv)
		goto oom;
	size_t slot = u->n - 1;
	if (x->kind == CACHE_J_COPY) {
		seterr(err, errlen, "%s", "a copy cannot be undone");
		return -1;
	}
	if (x->kind == CACHE_J_MOVE) {
		iv->kind = CACHE_J_MOVE;
		iv->mailbox = dup0(x->dest);
		iv->dest = dup0(x->mailbox);
		iv->uh_key = dup0(x->mailbox);
		iv->hide = true;
		if (!iv->mailbox || !iv->dest || !iv->uh_key || seqset_copy(&iv->uh_uids, &x->uids) != SEQSET_OK)
			goto oom;
		if (parse_copyuid(x->result, &iv->uidvalidity, &iv->uids))
			return 0;
		seqset_clear(&iv->uids);
		struct tentry *s = search_entry(t, u, slot, x->dest);
		if (!s)
			goto oom;
		sv[(*ns)++] = s;
		if (move_search_ids(x, s) != 0)
			goto oom;
		if (!s->n_s) {
			seterr(err, errlen, "%s", "cannot undo the move: the server did not say where the "
					    "messages went");
			return -1;
		}
		iv->search = true;
		return 0;
	}
	iv->kind = opposite(x->kind);
	iv->args = strv_dup((const char *const *)x->args, x->n_args);
	iv->n_args = iv->args ? x->n_args : 0;
	if (x->n_args && !iv->args)
		goto oom;
	if (!hides(t, x->mailbox, x->kind, x->args, x->n_args)) {
		iv->mailbox = dup0(x->mailbox);
		iv->uidvalidity = x->uidvalidity;
		iv->hide = hides(t, x->mailbox, iv->kind, iv->args, iv->n_args);
		if (!iv->mailbox || seqset_copy(&iv->uids, &x->uids) != SEQSET_OK)
			goto oom;
		return 0;
	}
	/* Gmail: the messages left the folder with its label: add it back in All Mail */
	const char *all = account_special_folder(t->a, FOLDER_ALL);
	char *allkey = all ? tm_folder_key(t->a, all) : NULL;
	if (!allkey) {
		seterr(err, errlen, "%s", "cannot undo: no All Mail folder to find the messages in");
		return -1;
	}
	iv->mailbox = allkey;
	iv->uh_key = dup0(x->mailbox);
	if (!iv->uh_key || seqset_copy(&iv->uh_uids, &x->uids) != SEQSET_OK)
		goto oom;
	struct tentry *s = search_entry(t, u, slot, allkey);
	if (!s)
		goto oom;
	sv[(*ns)++] = s;
	s->n_s = parse_gmid(x->result, &s->sgm);
	if (!s->n_s) {
		seterr(err, errlen, "%s", "cannot undo: the messages' Gmail ids were not kept");
		return -1;
	}
	iv->search = true;
	return 0;
oom:
	seterr(err, errlen, "%s", "out of memory");
	return -1;
}

int triage_undo(struct triage *t, char *err, size_t errlen)
{
	seterr(err, errlen, "%s", "");
	if (!t)
		return -1;
	if (!t->c || !cache_usable(t->c)) {
		seterr(err, errlen, "%s", "nothing to undo (no journal)");
		return -1;
	}
	if (t->undos) {
		seterr(err, errlen, "%s", "the last undo is still looking for the messages");
		return -1;
	}
	for (int guard = 0; guard < 64; guard++) {
		struct cache_jgroup g;
		enum cache_result r = cache_journal_last_group(t->c, &g);
		if (r == CACHE_NOTFOUND) {
			seterr(err, errlen, "%s", "nothing to undo");
			return -1;
		}
		if (r != CACHE_OK) {
			seterr(err, errlen, "cannot read the journal (%s)", cache_result_name(r));
			return -1;
		}
		int64_t gid = g.id;
		char desc[300];
		snprintf(desc, sizeof desc, "Undo %s", g.desc && *g.desc ? g.desc : "");
		struct jlist l = {0};
		r = cache_journal_group_entries(t->c, gid, copy_cb, &l);
		if (r != CACHE_OK || l.oom) {
			jlist_free(&l);
			seterr(err, errlen, "cannot read the journal (%s)",
			       cache_result_name(r == CACHE_OK ? CACHE_NOMEM : r));
			return -1;
		}
		struct tundo *u = calloc(1, sizeof *u);
		struct tentry **sv = calloc(l.n + 1, sizeof *sv);
		struct tentry **cancel = calloc(l.n + 1, sizeof *cancel);
		size_t ns = 0, nc = 0;
		int rc = 0;
		bool any = false;
		if (!u || !sv || !cancel || !(u->desc = strdup(desc))) {
			seterr(err, errlen, "%s", "out of memory");
			rc = -1;
		}
		if (u) {
			u->t = t;
			u->of = gid;
		}
		for (size_t i = 0; rc == 0 && i < l.n; i++) {
			const struct jcopy *x = &l.v[i];
			if (x->state == CACHE_J_FAILED)
				continue;
			if (x->state == CACHE_J_PENDING || x->state == CACHE_J_SENT) {
				struct tentry *q = ts_find(t, x->id);
				if (q && q->type == TE_ENTRY && q->st == TE_QUEUED && !q->dead &&
				    q->attempts == 0) {
					cancel[nc++] = q; /* never sent: just drop it */
					any = true;
					continue;
				}
				if (needs_result(t, x)) {
					seterr(err, errlen, "still sending \"%s\": undo it once it is done",
					       g.desc ? g.desc : "");
					rc = -1;
					break;
				}
			}
			rc = plan_inverse(t, u, x, sv, &ns, err, errlen);
			any = true;
		}
		jlist_free(&l);
		if (rc == 0 && !any) {
			/* every entry failed: nothing to reverse; look further back */
			int64_t dummy;
			enum cache_result gr = cache_journal_group_new(t->c, "", gid, &dummy);
			for (size_t i = 0; i < ns; i++)
				tr_entry_free(sv[i]);
			undo_free(u);
			free(sv);
			free(cancel);
			if (gr != CACHE_OK && gr != CACHE_CONFLICT) {
				seterr(err, errlen, "cannot write the journal (%s)", cache_result_name(gr));
				return -1;
			}
			continue;
		}
		if (rc != 0) {
			for (size_t i = 0; i < ns; i++)
				tr_entry_free(sv[i]);
			undo_free(u);
			free(sv);
			free(cancel);
			return -1;
		}
		for (size_t i = 0; i < nc; i++) {
			struct tentry *q = cancel[i];
			if (q->id && t->c)
				(void)cache_journal_failed(t->c, q->id, "cancelled by undo");
			tr_model(t, q, false);
			ts_unlink(t, q);
			tr_entry_free(q);
		}
		free(cancel);
		if (ns == 0) {
			rc = undo_commit(t, u, err, errlen);
			undo_free(u);
			free(sv);
			return rc;
		} else {
			u->waiting = ns;
			u->next = t->undos;
			t->undos = u;
			for (size_t i = 0; i < ns; i++)
				ts_enqueue(t, sv[i]);
		}
		free(sv);
		ts_later(t);
		return 0;
	}
	seterr(err, errlen, "%s", "nothing to undo");
	return -1;
}
