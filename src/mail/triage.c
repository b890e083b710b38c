/* triage — actions to journal entries, the optimistic model changes and their reverts; see
 * triage.h (contract) and triage_int.h (the pieces). Undo lives in triage_undo.c, the queue and
 * the connections in triage_send.c. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "imap/encode.h"
#include "imap/mutf7.h"
#include "imap/response.h"
#include "loop.h"
#include "mail/triage_int.h"

const char *triage_action_name(enum triage_action a)
{
	switch (a) {
	case TRIAGE_READ: return "mark read";
	case TRIAGE_UNREAD: return "mark unread";
	case TRIAGE_STAR: return "star";
	case TRIAGE_UNSTAR: return "unstar";
	case TRIAGE_TOGGLE_STAR: return "toggle star";
	case TRIAGE_LABEL_ADD: return "add label";
	case TRIAGE_LABEL_REMOVE: return "remove label";
	case TRIAGE_LABEL_TOGGLE: return "toggle label";
	case TRIAGE_ARCHIVE: return "archive";
	case TRIAGE_TRASH: return "trash";
	case TRIAGE_MOVE: return "move";
	}
	return "?";
}

uint32_t tr_sysflag(const char *name)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} sys[] = {
		{"\\Seen", IMAP_FLAG_SEEN},       {"\\Answered", IMAP_FLAG_ANSWERED},
		{"\\Flagged", IMAP_FLAG_FLAGGED}, {"\\Deleted", IMAP_FLAG_DELETED},
		{"\\Draft", IMAP_FLAG_DRAFT},
	};
	for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++)
		if (strcasecmp(name, sys[i].name) == 0)
			return sys[i].bit;
	return 0;
}

void tr_alertf(struct triage *t, const char *fmt, ...)
{
	char text[TRIAGE_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (!t->freeing)
		tm_alert(t->a, text);
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

/* ---- entries ------------------------------------------------------------------------------- */

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void tr_entry_free(struct tentry *e)
{
	if (!e)
		return;
	free(e->mailbox);
	seqset_free(&e->uids);
	strv_free(e->args, e->n_args);
	free(e->dest);
	free(e->uh_key);
	seqset_free(&e->uh_uids);
	free(e->gmids);
	seqset_free(&e->moving);
	free(e->sgm);
	strv_free(e->smid, e->n_s);
	free(e->no_msg);
	free(e);
}

struct tentry *tr_entry_new(struct triage *t, enum te_type type)
{
	struct tentry *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->t = t;
	e->type = type;
	seqset_init(&e->uids);
	seqset_init(&e->uh_uids);
	seqset_init(&e->moving);
	return e;
}

int tr_entry_args(struct tentry *e, const char *const *args, size_t n)
{
	if (!n)
		return 0;
	e->args = calloc(n, sizeof *e->args);
	if (!e->args)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(e->args[i] = strdup(args[i]))) {
			e->n_args = i;
			return -1;
		}
	}
	e->n_args = n;
	return 0;
}

/* A journal copy of e (for cache_journal_add). */
static void to_jentry(const struct tentry *e, struct cache_jentry *j)
{
	memset(j, 0, sizeof *j);
	j->group = e->group;
	j->kind = e->kind;
	j->mailbox = e->mailbox;
	j->uidvalidity = e->uidvalidity;
	j->uids = &e->uids;
	j->n_args = e->n_args;
	j->args = (const char *const *)e->args;
	j->dest = e->dest;
}

int tr_journal(struct triage *t, struct tentry *e, char *err, size_t errlen)
{
	e->id = 0;
	e->busy_retry = false;
	if (!t->c || !cache_usable(t->c))
		return 0; /* no journal: kept in memory */
	struct cache_jentry j;
	to_jentry(e, &j);
	int64_t id = 0;
	enum cache_result r = cache_journal_add(t->c, &j, &id);
	switch (r) {
	case CACHE_OK:
		e->id = id;
		return 0;
	case CACHE_BUSY:
		e->busy_retry = true; /* triage_flush() tries again; sent meanwhile */
		return 0;
	case CACHE_INVALID:
	case CACHE_TOO_BIG:
		seterr(err, errlen, "the action cannot be recorded (%s)", cache_result_name(r));
		return -1;
	default:
		return 0; /* the cache went away: on without it */
	}
}

/* ---- optimistic changes -------------------------------------------------------------------- */

void tr_model(struct triage *t, struct tentry *e, bool forward)
{
	if (e->type != TE_ENTRY)
		return;
	uint32_t bits = 0;
	const char *kw[CACHE_MAX_LIST];
	size_t nkw = 0;
	bool add = false, labels = false;
	switch (e->kind) {
	case CACHE_J_FLAGS_ADD:
	case CACHE_J_FLAGS_REMOVE:
		add = (e->kind == CACHE_J_FLAGS_ADD) == forward;
		for (size_t i = 0; i < e->n_args && nkw < CACHE_MAX_LIST; i++) {
			uint32_t b = tr_sysflag(e->args[i]);
			if (b)
				bits |= b;
			else
				kw[nkw++] = e->args[i];
		}
		break;
	case CACHE_J_LABELS_ADD:
	case CACHE_J_LABELS_REMOVE:
		add = (e->kind == CACHE_J_LABELS_ADD) == forward;
		labels = true;
		for (size_t i = 0; i < e->n_args && nkw < CACHE_MAX_LIST; i++)
			kw[nkw++] = e->args[i];
		break;
	default:
		break;
	}
	struct view *v = tm_any_view(t->a, e->mailbox);
	if (v && view_uidvalidity(v) && view_uidvalidity(v) != e->uidvalidity)
		v = NULL; /* other messages now: never touch them */
	if (v) {
		struct seqset_iter it;
		uint32_t uid;
		for (seqset_iter_init(&it, &e->uids); seqset_iter_next(&it, &uid);) {
			if (bits)
				(void)view_set_flags(v, uid, add ? bits : 0, add ? 0 : bits);
			if (nkw)
				(void)view_set_labels(v, uid, add ? kw : NULL, add ? nkw : 0,
						      add ? NULL : kw, add ? 0 : nkw);
			if (e->hide)
				(void)view_hide(v, uid, forward);
		}
	} else if (t->c && (bits || nkw)) {
		struct cache_change ch;
		memset(&ch, 0, sizeof ch);
		if (add)
			ch.flags_add = bits;
		else
			ch.flags_remove = bits;
		if (labels && add) {
			ch.labels_add = kw;
			ch.n_labels_add = nkw;
		} else if (labels) {
			ch.labels_remove = kw;
			ch.n_labels_remove = nkw;
		} else if (add) {
			ch.kw_add = kw;
			ch.n_kw_add = nkw;
		} else {
			ch.kw_remove = kw;
			ch.n_kw_remove = nkw;
		}
		(void)cache_msgs_change(t->c, e->mailbox, e->uidvalidity, &e->uids, &ch);
	}
	if (e->uh_key && !seqset_is_empty(&e->uh_uids)) {
		struct view *w = tm_any_view(t->a, e->uh_key);
		struct seqset_iter it;
		uint32_t uid;
		for (seqset_iter_init(&it, &e->uh_uids); w && seqset_iter_next(&it, &uid);)
			(void)view_hide(w, uid, !forward);
	}
}

/* ---- folders and labels -------------------------------------------------------------------- */

/* The Gmail label a folder shows (removing it takes the message out of the folder), or NULL. */
const char *tr_folder_label(enum folder_role role, const char *folder)
{
	switch (role) {
	case FOLDER_INBOX: return "\\Inbox";
	case FOLDER_IMPORTANT: return "\\Important";
	case FOLDER_SENT: return "\\Sent";
	case FOLDER_DRAFTS: return "\\Draft";
	case FOLDER_NORMAL: return folder;
	default: return NULL;
	}
}

bool tr_label_eq(const char *a, const char *b)
{
	if (a[0] == '\\' && b[0] == '\\')
		return strcasecmp(a, b) == 0;
	return strcmp(a, b) == 0;
}

/* Does a removal of label from messages of this folder hide them (Gmail)? */
bool tr_label_hides(struct triage *t, const char *folder, const char *label)
{
	if (!tm_gmail(t->a))
		return false;
	const char *own = tr_folder_label(tm_folder_role(t->a, folder), folder);
	return own && tr_label_eq(own, label);
}

static bool has_label(const struct tm_msg *m, const char *label, const char *own)
{
	if (own && tr_label_eq(own, label))
		return true; /* Gmail leaves the selected folder's own label out of the list */
	for (size_t i = 0; i < m->n_labels; i++)
		if (tr_label_eq(m->labels[i], label))
			return true;
	return false;
}

static int check_label(bool gmail, const char *label, char *err, size_t errlen)
{
	if (!label || !*label) {
		seterr(err, errlen, "no label given");
		return -1;
	}
	size_t n = strlen(label);
	if (!mutf7_utf8_valid(label, n) || n > 1000) {
		seterr(err, errlen, "the label is not valid UTF-8 text");
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)label; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			seterr(err, errlen, "a label cannot hold control characters");
			return -1;
		}
	if (gmail)
		return 0;
	if (label[0] == '\\' || !imap_atom_valid(label)) {
		seterr(err, errlen,
		       "\"%s\" cannot be a label on this server: labels are IMAP keywords, one word "
		       "of ASCII letters, digits and punctuation other than ( ) { } %% * \" \\ ]",
		       label);
		return -1;
	}
	return 0;
}

/* ---- apply --------------------------------------------------------------------------------- */

struct plan {
	enum cache_jkind kind;
	const char *arg;      /* the flag or label */
	char *dest;           /* MOVE: destination key (malloc'd) */
	bool hide;
	bool subset;          /* only the messages whose state changes */
	uint32_t bit;         /* system flag */
	bool label;           /* compare with the labels / keywords */
	const char *desc;
};

/* Does message m already have what the plan's kind gives? -1 unknown. */
static int in_state(const struct plan *p, const struct tm_msg *m, const char *own)
{
	bool add = p->kind == CACHE_J_FLAGS_ADD || p->kind == CACHE_J_LABELS_ADD;
	bool has;
	if (p->bit) {
		if (!m->flags_known)
			return -1;
		has = (m->flags & p->bit) != 0;
	} else {
		if (!m->labels_known)
			return -1;
		has = has_label(m, p->arg, own);
	}
	return has == add;
}

static int plan_dest(struct triage *t, struct plan *p, const char *folder, const char *dest,
		     const char *what, char *err, size_t errlen)
{
	if (!dest || !*dest) {
		seterr(err, errlen, "%s", what);
		return -1;
	}
	if (!mutf7_utf8_valid(dest, strlen(dest))) {
		seterr(err, errlen, "the folder name is not valid UTF-8");
		return -1;
	}
	if (strcmp(dest, folder) == 0) {
		seterr(err, errlen, "already in %s", dest);
		return -1;
	}
	p->kind = CACHE_J_MOVE;
	p->dest = tm_folder_key(t->a, dest);
	if (!p->dest) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	p->hide = true;
	return 0;
}

static int plan_action(struct triage *t, enum triage_action a, struct view *v, const char *arg,
		       struct plan *p, char *err, size_t errlen)
{
	struct account *acct = t->a;
	bool gmail = tm_gmail(acct);
	const char *folder = view_folder(v);
	enum folder_role role = tm_folder_role(acct, folder);
	memset(p, 0, sizeof *p);
	switch (a) {
	case TRIAGE_READ:
	case TRIAGE_UNREAD:
		p->kind = a == TRIAGE_READ ? CACHE_J_FLAGS_ADD : CACHE_J_FLAGS_REMOVE;
		p->arg = "\\Seen";
		p->bit = IMAP_FLAG_SEEN;
		p->subset = true;
		p->desc = a == TRIAGE_READ ? "Mark read" : "Mark unread";
		return 0;
	case TRIAGE_STAR:
	case TRIAGE_UNSTAR:
	case TRIAGE_TOGGLE_STAR:
		p->kind = a == TRIAGE_UNSTAR ? CACHE_J_FLAGS_REMOVE : CACHE_J_FLAGS_ADD;
		p->arg = "\\Flagged";
		p->bit = IMAP_FLAG_FLAGGED;
		p->subset = true;
		p->desc = a == TRIAGE_UNSTAR ? "Unstar" : "Star";
		return 0;
	case TRIAGE_LABEL_ADD:
	case TRIAGE_LABEL_REMOVE:
	case TRIAGE_LABEL_TOGGLE:
		if (check_label(gmail, arg, err, errlen) != 0)
			return -1;
		p->arg = arg;
		p->label = true;
		p->subset = true;
		if (gmail)
			p->kind = a == TRIAGE_LABEL_REMOVE ? CACHE_J_LABELS_REMOVE : CACHE_J_LABELS_ADD;
		else
			p->kind = a == TRIAGE_LABEL_REMOVE ? CACHE_J_FLAGS_REMOVE : CACHE_J_FLAGS_ADD;
		p->desc = a == TRIAGE_LABEL_REMOVE ? "Remove label" : "Add label";
		return 0;
	case TRIAGE_ARCHIVE:
		p->desc = "Archive";
		if (gmail) {
			if (role == FOLDER_TRASH || role == FOLDER_JUNK)
				return plan_dest(t, p, folder, account_special_folder(acct, FOLDER_ALL),
						 "no All Mail folder to archive to", err, errlen);
			p->kind = CACHE_J_LABELS_REMOVE;
			p->arg = "\\Inbox";
			p->label = true;
			p->subset = role != FOLDER_INBOX;
			p->hide = role == FOLDER_INBOX;
			return 0;
		} else {
			const char *dest = account_special_folder(acct, FOLDER_ARCHIVE);
			const struct config_account *cfg = tm_config(acct);
			if (!dest && cfg && cfg->archive_folder && *cfg->archive_folder)
				dest = cfg->archive_folder;
			return plan_dest(t, p, folder, dest,
					 "no archive folder: the server has no \\Archive folder and the "
					 "account sets no archive_folder",
					 err, errlen);
		}
	case TRIAGE_TRASH:
		p->desc = "Trash";
		return plan_dest(t, p, folder, account_special_folder(acct, FOLDER_TRASH),
				 "no Trash folder on this server", err, errlen);
	case TRIAGE_MOVE:
		p->desc = "Move";
		if (plan_dest(t, p, folder, arg, "no folder given", err, errlen) != 0)
			return -1;
		if (gmail && role == FOLDER_ALL) {
			/* Gmail: a move out of All Mail only adds a label (to Trash/Spam it leaves) */
			enum folder_role dr = tm_folder_role(acct, arg);
			p->hide = dr == FOLDER_TRASH || dr == FOLDER_JUNK;
		}
		return 0;
	}
	seterr(err, errlen, "unknown action");
	return -1;
}

static void make_desc(char *out, size_t cap, const char *what, const char *label,
		      const char *folder, size_t n)
{
	snprintf(out, cap, "%s%s%s%s %zu message%s%s%s", what, label ? " \"" : "", label ? label : "",
		 label ? "\"" : "", n, n == 1 ? "" : "s", folder ? " to " : "", folder ? folder : "");
}

/* Move entries keep "<uid> G<X-GM-MSGID>" / "<uid> M<Message-ID>" so that an undo can find the
 * messages in the destination when the server gave no COPYUID. */
static int move_ids(struct tentry *e, struct view *v, bool gmail)
{
	char **ids = calloc(TRIAGE_MAX_IDS, sizeof *ids);
	if (!ids)
		return -1;
	size_t n = 0;
	struct seqset_iter it;
	uint32_t uid;
	for (seqset_iter_init(&it, &e->uids); n < TRIAGE_MAX_IDS && seqset_iter_next(&it, &uid);) {
		struct tm_msg m;
		if (!tm_msg_state(v, uid, &m))
			continue;
		char buf[CACHE_MAX_FIELD];
		if (gmail && m.gm_msgid)
			snprintf(buf, sizeof buf, "%u G%llu", uid, (unsigned long long)m.gm_msgid);
		else if (m.message_id[0] && strlen(m.message_id) < sizeof buf - 16 &&
			 !strpbrk(m.message_id, "\r\n"))
			snprintf(buf, sizeof buf, "%u M%s", uid, m.message_id);
		else
			continue;
		if (!(ids[n] = strdup(buf)))
			break;
		n++;
	}
	if (!n) {
		free(ids);
		return 0;
	}
	e->args = ids;
	e->n_args = n;
	return 0;
}

static int hide_ids(struct tentry *e, struct view *v)
{
	uint64_t cnt = seqset_count(&e->uids);
	if (cnt > 100000)
		return 0;
	e->gmids = calloc((size_t)cnt, sizeof *e->gmids);
	if (!e->gmids)
		return -1;
	struct seqset_iter it;
	uint32_t uid;
	for (seqset_iter_init(&it, &e->uids); seqset_iter_next(&it, &uid);) {
		struct tm_msg m;
		if (tm_msg_state(v, uid, &m) && m.gm_msgid)
			e->gmids[e->n_gmids++] = m.gm_msgid;
	}
	return 0;
}

int triage_apply(struct triage *t, enum triage_action a, const struct triage_target *tg,
		 const char *arg, char *err, size_t errlen)
{
	seterr(err, errlen, "%s", "");
	if (!t || !tg || !tg->view || !tg->uids || tg->n == 0) {
		seterr(err, errlen, "nothing selected");
		return -1;
	}
	struct view *v = tg->view;
	uint32_t uv = view_uidvalidity(v);
	if (!uv) {
		seterr(err, errlen, "the folder is not open yet");
		return -1;
	}
	struct plan p;
	if (plan_action(t, a, v, arg, &p, err, errlen) != 0) {
		free(p.dest);
		return -1;
	}
	bool gmail = tm_gmail(t->a);
	const char *own = gmail ? tr_folder_label(tm_folder_role(t->a, view_folder(v)), view_folder(v))
				: NULL;
	/* toggles become a definite action over the whole target */
	if (a == TRIAGE_TOGGLE_STAR || a == TRIAGE_LABEL_TOGGLE) {
		bool all = true;
		for (size_t i = 0; i < tg->n && all; i++) {
			struct tm_msg m;
			if (!tm_msg_state(v, tg->uids[i], &m) || in_state(&p, &m, own) != 1)
				all = false;
		}
		if (all) {
			p.kind = p.kind == CACHE_J_FLAGS_ADD	? CACHE_J_FLAGS_REMOVE
				 : p.kind == CACHE_J_LABELS_ADD ? CACHE_J_LABELS_REMOVE
								: p.kind;
			p.desc = a == TRIAGE_TOGGLE_STAR ? "Unstar" : "Remove label";
		}
	}
	if (p.label && p.kind == CACHE_J_LABELS_REMOVE && a != TRIAGE_ARCHIVE)
		p.hide = tr_label_hides(t, view_folder(v), p.arg);
	struct tentry *e = tr_entry_new(t, TE_ENTRY);
	if (!e) {
		free(p.dest);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	e->kind = p.kind;
	e->dest = p.dest;
	e->hide = p.hide;
	e->uidvalidity = uv;
	e->mailbox = strdup(tm_view_key(v));
	bool oom = !e->mailbox;
	for (size_t i = 0; i < tg->n && !oom; i++) {
		uint32_t uid = tg->uids[i];
		if (!uid)
			continue;
		if (p.subset) {
			struct tm_msg m;
			if (tm_msg_state(v, uid, &m) && in_state(&p, &m, own) == 1)
				continue; /* already so: not part of this action (nor of its undo) */
		}
		if (seqset_add(&e->uids, uid) != SEQSET_OK)
			oom = true;
	}
	if (!oom && p.arg && tr_entry_args(e, &p.arg, 1) != 0)
		oom = true;
	if (!oom && !seqset_is_empty(&e->uids)) {
		if (p.kind == CACHE_J_MOVE)
			oom = move_ids(e, v, gmail) != 0;
		else if (p.hide)
			oom = hide_ids(e, v) != 0;
	}
	if (oom) {
		tr_entry_free(e);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (seqset_is_empty(&e->uids)) {
		tr_entry_free(e); /* nothing changes */
		return 0;
	}
	char desc[256];
	make_desc(desc, sizeof desc, p.desc, p.label && a != TRIAGE_ARCHIVE ? p.arg : NULL,
		  a == TRIAGE_MOVE ? arg : NULL, (size_t)seqset_count(&e->uids));
	if (t->c && cache_usable(t->c) &&
	    cache_journal_group_new(t->c, desc, 0, &e->group) != CACHE_OK)
		e->group = 0;
	if (tr_journal(t, e, err, errlen) != 0) {
		tr_entry_free(e);
		return -1;
	}
	e->applied = true;
	tr_model(t, e, true);
	if (t->freeing) {
		tr_entry_free(e);
		return 0;
	}
	ts_enqueue(t, e);
	ts_point(t, TRIAGE_AT_JOURNALED, e->id);
	ts_later(t); /* sent on the next loop turn: nothing calls back into the caller's call */
	return 0;
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

struct triage *triage_new(struct loop *loop, struct account *a, struct cache *c)
{
	if (!loop || !a)
		return NULL;
	struct triage *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->loop = loop;
	t->a = a;
	t->c = c;
	if (ts_start(t) != 0) {
		free(t);
		return NULL;
	}
	triage_replay(t);
	return t;
}

void triage_free(struct triage **tp)
{
	if (!tp || !*tp)
		return;
	struct triage *t = *tp;
	*tp = NULL;
	t->freeing = true;
	ts_stop(t);
	tr_undo_free_all(t);
	while (t->head) {
		struct tentry *e = t->head;
		ts_unlink(t, e);
		tr_entry_free(e);
	}
	free(t);
}

size_t triage_pending(const struct triage *t)
{
	return t ? t->n : 0;
}

size_t triage_flush(struct triage *t)
{
	if (!t)
		return 0;
	for (struct tentry *e = t->head; e; e = e->next) {
		if (e->type != TE_ENTRY || !e->busy_retry || !t->c || !cache_usable(t->c))
			continue;
		struct cache_jentry j;
		to_jentry(e, &j);
		int64_t id = 0;
		enum cache_result r = cache_journal_add(t->c, &j, &id);
		if (r == CACHE_OK) {
			e->id = id;
			e->busy_retry = false;
			if (e->attempts)
				(void)cache_journal_mark_sent(t->c, id);
		} else if (r != CACHE_BUSY) {
			e->busy_retry = false;
		}
	}
	return t->n;
}

void triage_set_notify(struct triage *t, triage_notify_fn fn, void *ctx)
{
	t->notify = fn;
	t->notify_ctx = ctx;
}

void triage_set_test_hook(struct triage *t, triage_point_fn fn, void *ctx)
{
	t->point = fn;
	t->point_ctx = ctx;
}
