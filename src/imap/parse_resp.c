/* parse_resp — stage 2: response dispatch, status responses and codes, and every untagged
 * response except FETCH (parse_fetch.c). */
#include "config.h"

#include "imap/parser_int.h"

#include <strings.h>

/* ---- text and response codes ------------------------------------------------------------ */

/* The rest of the line up to CR/LF, for human text (bounded by max_text when cut). */
static struct imap_str rest_of_line(struct pctx *c, size_t max, bool *cut)
{
	const char *s = c->p;
	const char *nl = memchr(s, '\n', (size_t)(c->end - s));
	const char *e = nl ? nl : c->end;
	if (e > s && e[-1] == '\r')
		e--;
	const char *cr = memchr(s, '\r', (size_t)(e - s));
	if (cr) {
		c->p = cr;
		perr_unexpected(c, "text (CR without LF)");
	}
	c->p = e;
	size_t n = (size_t)(e - s);
	if (cut)
		*cut = n > max;
	if (n > max)
		n = max;
	return pstrdup(c, s, n);
}

struct code_name {
	const char *name;
	enum imap_code_kind kind;
};

static const struct code_name code_names[] = {
	{ "ALERT", IMAP_CODE_ALERT },
	{ "BADCHARSET", IMAP_CODE_BADCHARSET },
	{ "CAPABILITY", IMAP_CODE_CAPABILITY },
	{ "PARSE", IMAP_CODE_PARSE },
	{ "PERMANENTFLAGS", IMAP_CODE_PERMANENTFLAGS },
	{ "READ-ONLY", IMAP_CODE_READ_ONLY },
	{ "READ-WRITE", IMAP_CODE_READ_WRITE },
	{ "TRYCREATE", IMAP_CODE_TRYCREATE },
	{ "UIDNEXT", IMAP_CODE_UIDNEXT },
	{ "UIDVALIDITY", IMAP_CODE_UIDVALIDITY },
	{ "UNSEEN", IMAP_CODE_UNSEEN },
	{ "APPENDUID", IMAP_CODE_APPENDUID },
	{ "COPYUID", IMAP_CODE_COPYUID },
	{ "HIGHESTMODSEQ", IMAP_CODE_HIGHESTMODSEQ },
	{ "NOMODSEQ", IMAP_CODE_NOMODSEQ },
	{ "MODIFIED", IMAP_CODE_MODIFIED },
	{ "CLOSED", IMAP_CODE_CLOSED },
	{ "UIDNOTSTICKY", IMAP_CODE_UIDNOTSTICKY },
	{ "NONEXISTENT", IMAP_CODE_NONEXISTENT },
	{ "ALREADYEXISTS", IMAP_CODE_ALREADYEXISTS },
	{ "AUTHENTICATIONFAILED", IMAP_CODE_AUTHENTICATIONFAILED },
	{ "AUTHORIZATIONFAILED", IMAP_CODE_AUTHORIZATIONFAILED },
	{ "EXPIRED", IMAP_CODE_EXPIRED },
	{ "PRIVACYREQUIRED", IMAP_CODE_PRIVACYREQUIRED },
	{ "CONTACTADMIN", IMAP_CODE_CONTACTADMIN },
	{ "NOPERM", IMAP_CODE_NOPERM },
	{ "INUSE", IMAP_CODE_INUSE },
	{ "EXPUNGEISSUED", IMAP_CODE_EXPUNGEISSUED },
	{ "CORRUPTION", IMAP_CODE_CORRUPTION },
	{ "SERVERBUG", IMAP_CODE_SERVERBUG },
	{ "CLIENTBUG", IMAP_CODE_CLIENTBUG },
	{ "CANNOT", IMAP_CODE_CANNOT },
	{ "LIMIT", IMAP_CODE_LIMIT },
	{ "OVERQUOTA", IMAP_CODE_OVERQUOTA },
	{ "UNAVAILABLE", IMAP_CODE_UNAVAILABLE },
	{ "HASCHILDREN", IMAP_CODE_HASCHILDREN },
	{ "NOTSAVED", IMAP_CODE_NOTSAVED },
	{ "UNKNOWN-CTE", IMAP_CODE_UNKNOWN_CTE },
	{ "THROTTLED", IMAP_CODE_THROTTLED },
	{ "COMPRESSIONACTIVE", IMAP_CODE_COMPRESSIONACTIVE },
	{ "APPENDLIMIT", IMAP_CODE_APPENDLIMIT },
	{ "WEBALERT", IMAP_CODE_WEBALERT },
};

static enum imap_code_kind code_kind(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof code_names / sizeof code_names[0]; i++)
		if (kw_eq(s, n, code_names[i].name, strlen(code_names[i].name)))
			return code_names[i].kind;
	return IMAP_CODE_UNKNOWN;
}

static uint64_t seqset_count(const struct imap_seqset *s)
{
	uint64_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += (uint64_t)s->v[i].hi - s->v[i].lo + 1;
	return n;
}

/* Bytes up to ']' on this line (raw code arguments); false if there is no ']'. */
static bool find_close(struct pctx *c, const char **close)
{
	for (const char *q = c->p; q < c->end; q++) {
		if (*q == ']') {
			*close = q;
			return true;
		}
		if (*q == '\r' || *q == '\n')
			return false;
	}
	return false;
}

/* At '['. Returns false (nothing consumed) when an unknown code has no ']' on the line:
 * the caller then takes the '[' as part of the text. */
static bool parse_code(struct pctx *c, struct imap_code *code)
{
	const char *start = c->p;
	if (c->p + 1 >= c->end || !ATOM_CH(c->p[1]))
		return false; /* "[" not followed by a code name: plain text */
	c->p++;
	size_t n;
	const char *name = lex_atom_raw(c, &n, false, "response code");
	enum imap_code_kind k = code_kind(name, n);
	const char *close;
	if (!find_close(c, &close)) {
		if (k == IMAP_CODE_UNKNOWN) {
			c->p = start;
			return false;
		}
		perr(c, "missing ']' after response code");
	}
	code->kind = k;
	code->name = pstrdup(c, name, n).p;
	const char *args = c->p < close && *c->p == ' ' ? c->p + 1 : NULL;
	if (args)
		code->raw = pstrdup(c, args, (size_t)(close - args));
	switch (k) {
	case IMAP_CODE_BADCHARSET:
		if (lex_opt_sp(c) && peekc(c) == '(')
			code->list = lex_astring_list(c, false, "BADCHARSET");
		break;
	case IMAP_CODE_CAPABILITY: {
		struct pvec v = { 0 };
		while (lex_opt_sp(c) && peekc(c) != ']') {
			struct imap_str *s = pvec_push(c, &v, sizeof *s);
			size_t an;
			const char *a = lex_atom_raw(c, &an, false, "CAPABILITY");
			*s = pstrdup(c, a, an);
		}
		code->list = (struct imap_strlist){ v.n, v.v };
		break;
	}
	case IMAP_CODE_PERMANENTFLAGS:
		lex_sp(c, "PERMANENTFLAGS");
		code->flags = lex_flag_list(c, "PERMANENTFLAGS");
		break;
	case IMAP_CODE_UIDNEXT:
		lex_sp(c, "UIDNEXT");
		code->num = lex_number(c, "UIDNEXT");
		break;
	case IMAP_CODE_UIDVALIDITY:
		lex_sp(c, "UIDVALIDITY");
		code->num = lex_number(c, "UIDVALIDITY");
		break;
	case IMAP_CODE_UNSEEN:
		lex_sp(c, "UNSEEN");
		code->num = lex_number(c, "UNSEEN");
		break;
	case IMAP_CODE_APPENDUID:
		lex_sp(c, "APPENDUID");
		code->uidvalidity = lex_nz_number(c, "APPENDUID");
		lex_sp(c, "APPENDUID");
		code->dst = lex_seqset(c, false, "APPENDUID");
		break;
	case IMAP_CODE_COPYUID:
		lex_sp(c, "COPYUID");
		code->uidvalidity = lex_nz_number(c, "COPYUID");
		lex_sp(c, "COPYUID");
		code->src = lex_seqset(c, false, "COPYUID");
		lex_sp(c, "COPYUID");
		code->dst = lex_seqset(c, false, "COPYUID");
		if (seqset_count(&code->src) != seqset_count(&code->dst))
			perr(c, "bad sequence set in COPYUID (source and destination differ in size)");
		break;
	case IMAP_CODE_HIGHESTMODSEQ:
		lex_sp(c, "HIGHESTMODSEQ");
		code->num64 = lex_number64(c, "HIGHESTMODSEQ");
		break;
	case IMAP_CODE_MODIFIED:
		lex_sp(c, "MODIFIED");
		code->set = lex_seqset(c, true, "MODIFIED");
		break;
	case IMAP_CODE_APPENDLIMIT:
		if (lex_opt_sp(c) && peekc(c) != ']')
			code->num64 = lex_number64(c, "APPENDLIMIT");
		break;
	default:
		/* no typed arguments: anything up to ']' is kept in raw */
		c->p = close;
		break;
	}
	lex_opt_sp(c);
	lex_expect(c, ']', "response code");
	return true;
}

void parse_resp_text(struct pctx *c, struct imap_resp_status *st)
{
	if (lex_at_eol(c)) { /* lenient: no text at all */
		lex_opt_sp(c);
		st->text = (struct imap_str){ "", 0 };
		return;
	}
	lex_sp(c, "response text");
	if (peekc(c) == '[' && parse_code(c, &st->code))
		lex_opt_sp(c);
	st->text = rest_of_line(c, c->lim->max_text, &st->text_truncated);
}

/* ---- untagged data ---------------------------------------------------------------------- */

static struct imap_strlist atoms_to_eol(struct pctx *c, const char *what)
{
	struct pvec v = { 0 };
	while (!lex_at_eol(c)) {
		lex_sp(c, what);
		if (lex_at_eol(c))
			break;
		struct imap_str *s = pvec_push(c, &v, sizeof *s);
		size_t n;
		const char *a = lex_atom_raw(c, &n, false, what);
		*s = pstrdup(c, a, n);
	}
	return (struct imap_strlist){ v.n, v.v };
}

struct attr_name {
	const char *name;
	uint32_t bit;
};

static const struct attr_name mbox_attrs[] = {
	{ "\\Noinferiors", IMAP_MBOX_NOINFERIORS },
	{ "\\Noselect", IMAP_MBOX_NOSELECT },
	{ "\\Marked", IMAP_MBOX_MARKED },
	{ "\\Unmarked", IMAP_MBOX_UNMARKED },
	{ "\\HasChildren", IMAP_MBOX_HASCHILDREN },
	{ "\\HasNoChildren", IMAP_MBOX_HASNOCHILDREN },
	{ "\\NonExistent", IMAP_MBOX_NONEXISTENT },
	{ "\\Subscribed", IMAP_MBOX_SUBSCRIBED },
	{ "\\Remote", IMAP_MBOX_REMOTE },
	{ "\\All", IMAP_MBOX_ALL },
	{ "\\Archive", IMAP_MBOX_ARCHIVE },
	{ "\\Drafts", IMAP_MBOX_DRAFTS },
	{ "\\Flagged", IMAP_MBOX_FLAGGED },
	{ "\\Junk", IMAP_MBOX_JUNK },
	{ "\\Sent", IMAP_MBOX_SENT },
	{ "\\Trash", IMAP_MBOX_TRASH },
	{ "\\Important", IMAP_MBOX_IMPORTANT },
};

static uint32_t mbox_attr_bit(const struct imap_str *s)
{
	for (size_t i = 0; i < sizeof mbox_attrs / sizeof mbox_attrs[0]; i++)
		if (kw_eq(s->p, s->len, mbox_attrs[i].name, strlen(mbox_attrs[i].name)))
			return mbox_attrs[i].bit;
	return 0;
}

static void parse_list(struct pctx *c, struct imap_resp_list *l)
{
	lex_sp(c, "LIST");
	struct imap_flags f = lex_flag_list(c, "LIST attributes");
	l->attrs = (struct imap_strlist){ f.n, f.v };
	for (size_t i = 0; i < f.n; i++)
		l->attr |= mbox_attr_bit(&f.v[i]);
	lex_sp(c, "LIST");
	l->delim = lex_delim(c, "LIST");
	lex_sp(c, "LIST");
	l->name = lex_mailbox(c, &l->is_inbox, "LIST mailbox");
	if (lex_at_eol(c))
		return;
	/* LIST-EXTENDED: ("CHILDINFO" ("SUBSCRIBED") "OLDNAME" ("old")) */
	lex_sp(c, "LIST");
	lex_expect(c, '(', "LIST extended data");
	depth_enter(c);
	lex_opt_sp(c);
	while (!lex_accept(c, ')')) {
		struct imap_str tag = lex_astring(c, "LIST extended data");
		lex_sp(c, "LIST extended data");
		if (lex_keyword(tag.p, tag.len, "CHILDINFO") && peekc(c) == '(') {
			l->childinfo = lex_astring_list(c, false, "CHILDINFO");
		} else if (lex_keyword(tag.p, tag.len, "OLDNAME") && peekc(c) == '(') {
			c->p++;
			lex_opt_sp(c);
			l->oldname = lex_mailbox(c, NULL, "OLDNAME");
			lex_opt_sp(c);
			lex_expect(c, ')', "OLDNAME");
		} else {
			lex_skip_value(c);
		}
		if (!lex_opt_sp(c) && peekc(c) != ')')
			perr_unexpected(c, "LIST extended data");
	}
	depth_leave(c);
}

static void parse_mbstatus(struct pctx *c, struct imap_resp_mbstatus *s)
{
	lex_sp(c, "STATUS");
	s->mailbox = lex_mailbox(c, NULL, "STATUS mailbox");
	lex_sp(c, "STATUS");
	lex_expect(c, '(', "STATUS");
	lex_opt_sp(c);
	while (!lex_accept(c, ')')) {
		size_t n;
		const char *a = lex_atom_raw(c, &n, false, "STATUS item");
		lex_sp(c, "STATUS");
		if (lex_keyword(a, n, "MESSAGES")) {
			s->messages = lex_number(c, "STATUS MESSAGES");
			s->present |= IMAP_SI_MESSAGES;
		} else if (lex_keyword(a, n, "RECENT")) {
			s->recent = lex_number(c, "STATUS RECENT");
			s->present |= IMAP_SI_RECENT;
		} else if (lex_keyword(a, n, "UIDNEXT")) {
			s->uidnext = lex_number(c, "STATUS UIDNEXT");
			s->present |= IMAP_SI_UIDNEXT;
		} else if (lex_keyword(a, n, "UIDVALIDITY")) {
			s->uidvalidity = lex_number(c, "STATUS UIDVALIDITY");
			s->present |= IMAP_SI_UIDVALIDITY;
		} else if (lex_keyword(a, n, "UNSEEN")) {
			s->unseen = lex_number(c, "STATUS UNSEEN");
			s->present |= IMAP_SI_UNSEEN;
		} else if (lex_keyword(a, n, "DELETED")) {
			s->deleted = lex_number(c, "STATUS DELETED");
			s->present |= IMAP_SI_DELETED;
		} else if (lex_keyword(a, n, "HIGHESTMODSEQ")) {
			s->highestmodseq = lex_number64(c, "STATUS HIGHESTMODSEQ");
			s->present |= IMAP_SI_HIGHESTMODSEQ;
		} else if (lex_keyword(a, n, "SIZE")) {
			s->size = lex_number64(c, "STATUS SIZE");
			s->present |= IMAP_SI_SIZE;
		} else if (lex_keyword(a, n, "APPENDLIMIT") && !lex_is_nil(c)) {
			s->appendlimit = lex_number64(c, "STATUS APPENDLIMIT");
			s->present |= IMAP_SI_APPENDLIMIT;
		} else if (!lex_keyword(a, n, "APPENDLIMIT")) {
			lex_skip_value(c);
		}
		if (!lex_opt_sp(c) && peekc(c) != ')')
			perr_unexpected(c, "STATUS");
	}
}

/* "(MODSEQ n)" after SEARCH/SORT numbers */
static void search_modseq(struct pctx *c, struct imap_resp_search *s, const char *what)
{
	c->p++;
	lex_opt_sp(c);
	size_t n;
	const char *a = lex_atom_raw(c, &n, false, what);
	if (!lex_keyword(a, n, "MODSEQ"))
		perr(c, "unexpected list in %s", what);
	lex_sp(c, what);
	s->modseq = lex_number64(c, "MODSEQ");
	s->has_modseq = true;
	lex_opt_sp(c);
	lex_expect(c, ')', what);
}

static void parse_search(struct pctx *c, struct imap_resp_search *s, const char *what)
{
	struct pvec v = { 0 };
	while (!lex_at_eol(c)) {
		lex_sp(c, what);
		if (lex_at_eol(c))
			break;
		if (peekc(c) == '(') {
			search_modseq(c, s, what);
			continue;
		}
		uint32_t *n = pvec_push(c, &v, sizeof *n);
		*n = lex_nz_number(c, what);
	}
	s->n = v.n;
	s->v = v.v;
}

static void parse_esearch(struct pctx *c, struct imap_resp_esearch *e)
{
	if (lex_at_eol(c))
		return;
	lex_sp(c, "ESEARCH");
	if (peekc(c) == '(') {
		c->p++;
		lex_opt_sp(c);
		size_t n;
		const char *a = lex_atom_raw(c, &n, false, "ESEARCH");
		if (!lex_keyword(a, n, "TAG"))
			perr(c, "unexpected list in ESEARCH");
		lex_sp(c, "ESEARCH");
		e->tag = lex_string(c, true, "ESEARCH TAG");
		lex_opt_sp(c);
		lex_expect(c, ')', "ESEARCH");
		if (lex_at_eol(c))
			return;
		lex_sp(c, "ESEARCH");
	}
	while (!lex_at_eol(c)) {
		size_t n;
		const char *a = lex_atom_raw(c, &n, false, "ESEARCH item");
		if (lex_keyword(a, n, "UID")) {
			e->uid = true;
		} else {
			lex_sp(c, "ESEARCH");
			if (lex_keyword(a, n, "MIN")) {
				e->min = lex_nz_number(c, "ESEARCH MIN");
				e->present |= IMAP_ES_MIN;
			} else if (lex_keyword(a, n, "MAX")) {
				e->max = lex_nz_number(c, "ESEARCH MAX");
				e->present |= IMAP_ES_MAX;
			} else if (lex_keyword(a, n, "COUNT")) {
				e->count = lex_number(c, "ESEARCH COUNT");
				e->present |= IMAP_ES_COUNT;
			} else if (lex_keyword(a, n, "ALL")) {
				e->all = lex_seqset(c, true, "ESEARCH ALL");
				e->present |= IMAP_ES_ALL;
			} else if (lex_keyword(a, n, "MODSEQ")) {
				e->modseq = lex_number64(c, "ESEARCH MODSEQ");
				e->present |= IMAP_ES_MODSEQ;
			} else {
				lex_skip_value(c);
			}
		}
		if (lex_at_eol(c))
			break;
		lex_sp(c, "ESEARCH");
	}
}

static void parse_vanished(struct pctx *c, struct imap_resp_vanished *v)
{
	lex_sp(c, "VANISHED");
	if (peekc(c) == '(') {
		c->p++;
		lex_opt_sp(c);
		size_t n;
		const char *a = lex_atom_raw(c, &n, false, "VANISHED");
		if (!lex_keyword(a, n, "EARLIER"))
			perr(c, "unexpected list in VANISHED");
		lex_opt_sp(c);
		lex_expect(c, ')', "VANISHED");
		v->earlier = true;
		lex_sp(c, "VANISHED");
	}
	v->uids = lex_seqset(c, false, "VANISHED");
}

static struct imap_ns_list parse_ns_list(struct pctx *c)
{
	struct imap_ns_list l = { false, 0, NULL };
	if (lex_is_nil(c)) {
		l.nil = true;
		return l;
	}
	lex_expect(c, '(', "NAMESPACE");
	depth_enter(c);
	struct pvec v = { 0 };
	lex_opt_sp(c);
	while (!lex_accept(c, ')')) {
		struct imap_ns_entry *e = pvec_push(c, &v, sizeof *e);
		memset(e, 0, sizeof *e);
		lex_expect(c, '(', "NAMESPACE");
		depth_enter(c);
		lex_opt_sp(c);
		e->prefix = lex_string(c, true, "NAMESPACE prefix");
		lex_sp(c, "NAMESPACE");
		e->delim = lex_delim(c, "NAMESPACE");
		struct pvec ext = { 0 };
		while (lex_opt_sp(c) && peekc(c) != ')') {
			struct imap_ns_ext *x = pvec_push(c, &ext, sizeof *x);
			x->name = lex_string(c, true, "NAMESPACE extension");
			lex_sp(c, "NAMESPACE extension");
			x->values = lex_astring_list(c, false, "NAMESPACE extension");
		}
		e->n_ext = ext.n;
		e->ext = ext.v;
		lex_expect(c, ')', "NAMESPACE");
		depth_leave(c);
		lex_opt_sp(c);
	}
	depth_leave(c);
	l.n = v.n;
	l.v = v.v;
	return l;
}

static void parse_id(struct pctx *c, struct imap_resp_id *id)
{
	lex_sp(c, "ID");
	if (lex_is_nil(c)) {
		id->nil = true;
		return;
	}
	lex_expect(c, '(', "ID");
	struct pvec k = { 0 }, v = { 0 };
	lex_opt_sp(c);
	while (!lex_accept(c, ')')) {
		struct imap_str *key = pvec_push(c, &k, sizeof *key);
		*key = lex_string(c, true, "ID key");
		lex_sp(c, "ID");
		struct imap_str *val = pvec_push(c, &v, sizeof *val);
		*val = lex_nstring(c, "ID value");
		if (!lex_opt_sp(c) && peekc(c) != ')')
			perr_unexpected(c, "ID");
	}
	id->n = k.n;
	id->keys = k.v;
	id->values = v.v;
}

/* At '(': one thread-list; see struct imap_thread. */
static void parse_thread(struct pctx *c, struct imap_thread *t)
{
	lex_expect(c, '(', "THREAD");
	depth_enter(c);
	struct pvec nums = { 0 }, sub = { 0 };
	lex_opt_sp(c);
	while (peekc(c) >= '0' && peekc(c) <= '9') {
		uint32_t *n = pvec_push(c, &nums, sizeof *n);
		*n = lex_nz_number(c, "THREAD");
		lex_opt_sp(c);
	}
	while (peekc(c) == '(') {
		struct imap_thread *s = pvec_push(c, &sub, sizeof *s);
		parse_thread(c, s);
		lex_opt_sp(c);
	}
	lex_expect(c, ')', "THREAD");
	depth_leave(c);
	if (nums.n == 0 && sub.n == 0)
		perr(c, "empty thread in THREAD");
	t->n_nums = nums.n;
	t->nums = nums.v;
	t->n_sub = sub.n;
	t->sub = sub.v;
}

static void parse_threads(struct pctx *c, struct imap_resp_thread *th)
{
	struct pvec v = { 0 };
	lex_opt_sp(c);
	while (peekc(c) == '(') {
		struct imap_thread *t = pvec_push(c, &v, sizeof *t);
		parse_thread(c, t);
		lex_opt_sp(c);
	}
	th->n = v.n;
	th->v = v.v;
}

static void parse_unknown(struct pctx *c, struct imap_response *r, const char *kw, size_t n)
{
	r->kind = IMAP_RESP_UNKNOWN;
	r->u.unknown.keyword = pstrdup(c, kw, n).p;
	lex_accept(c, ' ');
	/* raw rest: everything up to the final line end (literals included verbatim) */
	const char *e = c->end;
	if (e > c->p && e[-1] == '\n')
		e--;
	if (e > c->p && e[-1] == '\r')
		e--;
	r->u.unknown.rest = pstrdup(c, c->p, (size_t)(e - c->p));
	c->p = e;
}

static bool status_word(const char *a, size_t n, enum imap_status *st)
{
	if (n == 2 && (a[0] | 0x20) == 'o' && (a[1] | 0x20) == 'k')
		*st = IMAP_STATUS_OK;
	else if (n == 2 && (a[0] | 0x20) == 'n' && (a[1] | 0x20) == 'o')
		*st = IMAP_STATUS_NO;
	else if (lex_keyword(a, n, "BAD"))
		*st = IMAP_STATUS_BAD;
	else if (lex_keyword(a, n, "PREAUTH"))
		*st = IMAP_STATUS_PREAUTH;
	else if (lex_keyword(a, n, "BYE"))
		*st = IMAP_STATUS_BYE;
	else
		return false;
	return true;
}

static void parse_numbered(struct pctx *c, struct imap_response *r)
{
	const char *s = c->p;
	uint32_t num = lex_number(c, "message number");
	lex_sp(c, "untagged response");
	size_t n;
	const char *kw = lex_atom_raw(c, &n, false, "untagged response");
	if (lex_keyword(kw, n, "FETCH")) {
		if (num == 0) {
			c->p = s;
			perr(c, "zero message number in FETCH");
		}
		r->kind = IMAP_RESP_FETCH;
		r->u.fetch.seq = num;
		parse_fetch(c, &r->u.fetch);
	} else if (lex_keyword(kw, n, "EXISTS")) {
		r->kind = IMAP_RESP_EXISTS;
		r->u.number = num;
	} else if (lex_keyword(kw, n, "RECENT")) {
		r->kind = IMAP_RESP_RECENT;
		r->u.number = num;
	} else if (lex_keyword(kw, n, "EXPUNGE")) {
		if (num == 0) {
			c->p = s;
			perr(c, "zero message number in EXPUNGE");
		}
		r->kind = IMAP_RESP_EXPUNGE;
		r->u.number = num;
	} else {
		parse_unknown(c, r, kw, n);
		r->u.unknown.has_number = true;
		r->u.unknown.number = num;
	}
}

static void parse_untagged(struct pctx *c, struct imap_response *r)
{
	int ch = peekc(c);
	if (ch >= '0' && ch <= '9') {
		parse_numbered(c, r);
		return;
	}
	if (!((unsigned)((ch | 0x20) - 'a') < 26))
		perr_unexpected(c, "untagged response");
	size_t n;
	const char *kw = lex_atom_raw(c, &n, false, "untagged response");
	enum imap_status st;
	if (status_word(kw, n, &st)) {
		r->kind = IMAP_RESP_STATUS;
		r->u.status.status = st;
		parse_resp_text(c, &r->u.status);
	} else if (lex_keyword(kw, n, "CAPABILITY")) {
		r->kind = IMAP_RESP_CAPABILITY;
		r->u.list = atoms_to_eol(c, "CAPABILITY");
	} else if (lex_keyword(kw, n, "LIST")) {
		r->kind = IMAP_RESP_LIST;
		parse_list(c, &r->u.list_data);
	} else if (lex_keyword(kw, n, "LSUB")) {
		r->kind = IMAP_RESP_LSUB;
		parse_list(c, &r->u.list_data);
	} else if (lex_keyword(kw, n, "STATUS")) {
		r->kind = IMAP_RESP_MBSTATUS;
		parse_mbstatus(c, &r->u.mbstatus);
	} else if (lex_keyword(kw, n, "SEARCH")) {
		r->kind = IMAP_RESP_SEARCH;
		parse_search(c, &r->u.search, "SEARCH");
	} else if (lex_keyword(kw, n, "SORT")) {
		r->kind = IMAP_RESP_SORT;
		parse_search(c, &r->u.search, "SORT");
	} else if (lex_keyword(kw, n, "ESEARCH")) {
		r->kind = IMAP_RESP_ESEARCH;
		parse_esearch(c, &r->u.esearch);
	} else if (lex_keyword(kw, n, "FLAGS")) {
		r->kind = IMAP_RESP_FLAGS;
		lex_sp(c, "FLAGS");
		r->u.flags = lex_flag_list(c, "FLAGS");
	} else if (lex_keyword(kw, n, "VANISHED")) {
		r->kind = IMAP_RESP_VANISHED;
		parse_vanished(c, &r->u.vanished);
	} else if (lex_keyword(kw, n, "NAMESPACE")) {
		r->kind = IMAP_RESP_NAMESPACE;
		lex_sp(c, "NAMESPACE");
		r->u.ns.personal = parse_ns_list(c);
		lex_sp(c, "NAMESPACE");
		r->u.ns.other = parse_ns_list(c);
		lex_sp(c, "NAMESPACE");
		r->u.ns.shared = parse_ns_list(c);
	} else if (lex_keyword(kw, n, "ID")) {
		r->kind = IMAP_RESP_ID;
		parse_id(c, &r->u.id);
	} else if (lex_keyword(kw, n, "ENABLED")) {
		r->kind = IMAP_RESP_ENABLED;
		r->u.list = atoms_to_eol(c, "ENABLED");
	} else if (lex_keyword(kw, n, "THREAD")) {
		r->kind = IMAP_RESP_THREAD;
		parse_threads(c, &r->u.thread);
	} else {
		parse_unknown(c, r, kw, n);
	}
}

void parse_response(struct pctx *c, struct imap_response *r)
{
	int ch = peekc(c);
	if (ch == '+') {
		c->p++;
		lex_accept(c, ' ');
		r->kind = IMAP_RESP_CONTINUATION;
		r->u.text = rest_of_line(c, (size_t)(c->end - c->base), NULL);
	} else if (ch == '*') {
		c->p++;
		lex_sp(c, "untagged response");
		parse_untagged(c, r);
	} else {
		size_t n;
		const char *tag = lex_atom_raw(c, &n, true, "response tag");
		r->tag = pstrdup(c, tag, n).p;
		lex_sp(c, "tagged response");
		size_t wn;
		const char *w = lex_atom_raw(c, &wn, false, "tagged response");
		enum imap_status st;
		if (!status_word(w, wn, &st) || st == IMAP_STATUS_PREAUTH || st == IMAP_STATUS_BYE) {
			c->p = w;
			perr(c, "tagged response is not OK, NO or BAD");
		}
		r->kind = IMAP_RESP_STATUS;
		r->u.status.status = st;
		parse_resp_text(c, &r->u.status);
	}
	lex_eol(c);
}
