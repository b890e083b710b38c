/* parse_dump — canonical one-line text form of a parsed response (tests, traces, fuzzing). */
#include "config.h"

#include "imap/parser_int.h"

#include <inttypes.h>
#include <stdio.h>

#include "buf.h"

struct out {
	struct buf *b;
	bool bad;
};

__attribute__((format(printf, 2, 3))) static void op(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (buf_vprintf(o->b, fmt, ap) != BUF_OK)
		o->bad = true;
	va_end(ap);
}

static void ostr(struct out *o, struct imap_str s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s.p) {
		op(o, "NIL");
		return;
	}
	char *w = buf_reserve(o->b, s.len * 4 + 2);
	if (!w) {
		o->bad = true;
		return;
	}
	size_t k = 0;
	w[k++] = '"';
	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.p[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
			w[k++] = (char)ch;
		} else {
			w[k++] = '\\';
			w[k++] = 'x';
			w[k++] = hex[ch >> 4];
			w[k++] = hex[ch & 15];
		}
	}
	w[k++] = '"';
	buf_commit(o->b, k);
}

static void ocstr(struct out *o, const char *s)
{
	ostr(o, (struct imap_str){ s, s ? strlen(s) : 0 });
}

static void olist(struct out *o, struct imap_strlist l)
{
	op(o, "(");
	for (size_t i = 0; i < l.n; i++) {
		if (i)
			op(o, " ");
		ostr(o, l.v[i]);
	}
	op(o, ")");
}

static void oset(struct out *o, struct imap_seqset s)
{
	for (size_t i = 0; i < s.n; i++) {
		if (i)
			op(o, ",");
		if (s.v[i].lo == 0)
			op(o, "*");
		else
			op(o, "%" PRIu32, s.v[i].lo);
		if (s.v[i].hi != s.v[i].lo) {
			if (s.v[i].hi == 0)
				op(o, ":*");
			else
				op(o, ":%" PRIu32, s.v[i].hi);
		}
	}
	if (!s.n)
		op(o, "-");
}

static void oflags(struct out *o, struct imap_flags f)
{
	op(o, "sys=%#" PRIx32 " ", f.sys);
	olist(o, (struct imap_strlist){ f.n, f.v });
}

static const char *status_name(enum imap_status s)
{
	switch (s) {
	case IMAP_STATUS_OK: return "OK";
	case IMAP_STATUS_NO: return "NO";
	case IMAP_STATUS_BAD: return "BAD";
	case IMAP_STATUS_PREAUTH: return "PREAUTH";
	case IMAP_STATUS_BYE: return "BYE";
	}
	return "?";
}

static void ocode(struct out *o, const struct imap_code *c)
{
	if (c->kind == IMAP_CODE_NONE)
		return;
	op(o, " [%d:%s", (int)c->kind, c->kind == IMAP_CODE_UNKNOWN ? "?" : "");
	ocstr(o, c->name);
	switch (c->kind) {
	case IMAP_CODE_UIDNEXT:
	case IMAP_CODE_UIDVALIDITY:
	case IMAP_CODE_UNSEEN:
		op(o, " num=%" PRIu32, c->num);
		break;
	case IMAP_CODE_HIGHESTMODSEQ:
	case IMAP_CODE_APPENDLIMIT:
		op(o, " num64=%" PRIu64, c->num64);
		break;
	case IMAP_CODE_APPENDUID:
		op(o, " uidvalidity=%" PRIu32 " dst=", c->uidvalidity);
		oset(o, c->dst);
		break;
	case IMAP_CODE_COPYUID:
		op(o, " uidvalidity=%" PRIu32 " src=", c->uidvalidity);
		oset(o, c->src);
		op(o, " dst=");
		oset(o, c->dst);
		break;
	case IMAP_CODE_MODIFIED:
		op(o, " set=");
		oset(o, c->set);
		break;
	case IMAP_CODE_BADCHARSET:
	case IMAP_CODE_CAPABILITY:
		op(o, " list=");
		olist(o, c->list);
		break;
	case IMAP_CODE_PERMANENTFLAGS:
		op(o, " flags=");
		oflags(o, c->flags);
		break;
	default:
		break;
	}
	op(o, " raw=");
	ostr(o, c->raw);
	op(o, "]");
}

static void oaddrs(struct out *o, struct imap_addrlist l)
{
	if (!l.n) {
		op(o, "NIL");
		return;
	}
	op(o, "(");
	for (size_t i = 0; i < l.n; i++) {
		const struct imap_address *a = &l.v[i];
		op(o, "%s(%d ", i ? " " : "", (int)a->kind);
		ostr(o, a->name);
		op(o, " ");
		ostr(o, a->adl);
		op(o, " ");
		ostr(o, a->mailbox);
		op(o, " ");
		ostr(o, a->host);
		op(o, ")");
	}
	op(o, ")");
}

static void oenv(struct out *o, const struct imap_envelope *e)
{
	if (!e) {
		op(o, "NIL");
		return;
	}
	op(o, "(date=");
	ostr(o, e->date);
	op(o, " subject=");
	ostr(o, e->subject);
	op(o, " from=");
	oaddrs(o, e->from);
	op(o, " sender=");
	oaddrs(o, e->sender);
	op(o, " reply-to=");
	oaddrs(o, e->reply_to);
	op(o, " to=");
	oaddrs(o, e->to);
	op(o, " cc=");
	oaddrs(o, e->cc);
	op(o, " bcc=");
	oaddrs(o, e->bcc);
	op(o, " in-reply-to=");
	ostr(o, e->in_reply_to);
	op(o, " message-id=");
	ostr(o, e->message_id);
	op(o, ")");
}

static void oparams(struct out *o, struct imap_params p)
{
	if (!p.n) {
		op(o, "NIL");
		return;
	}
	op(o, "(");
	for (size_t i = 0; i < p.n; i++) {
		if (i)
			op(o, " ");
		ostr(o, p.v[i].name);
		op(o, "=");
		ostr(o, p.v[i].value);
	}
	op(o, ")");
}

static void obody(struct out *o, const struct imap_body *b)
{
	if (!b) {
		op(o, "NIL");
		return;
	}
	op(o, "(");
	if (b->kind == IMAP_BODY_MULTIPART) {
		for (size_t i = 0; i < b->n_parts; i++)
			obody(o, &b->parts[i]);
		op(o, " multipart/");
		ostr(o, b->subtype);
		op(o, " params=");
		oparams(o, b->params);
	} else {
		op(o, "%d ", (int)b->kind);
		ostr(o, b->type);
		op(o, "/");
		ostr(o, b->subtype);
		op(o, " params=");
		oparams(o, b->params);
		op(o, " id=");
		ostr(o, b->id);
		op(o, " desc=");
		ostr(o, b->description);
		op(o, " enc=");
		ostr(o, b->encoding);
		op(o, " size=%" PRIu32, b->size);
		if (b->kind == IMAP_BODY_TEXT || b->kind == IMAP_BODY_MESSAGE)
			op(o, " lines=%" PRIu32, b->lines);
		if (b->kind == IMAP_BODY_MESSAGE) {
			op(o, " env=");
			oenv(o, b->envelope);
			op(o, " body=");
			obody(o, b->body);
		}
	}
	if (b->has_ext) {
		if (b->kind != IMAP_BODY_MULTIPART) {
			op(o, " md5=");
			ostr(o, b->md5);
		}
		op(o, " dsp=");
		ostr(o, b->disposition);
		op(o, " ");
		oparams(o, b->disposition_params);
		op(o, " lang=");
		olist(o, b->language);
		op(o, " loc=");
		ostr(o, b->location);
	}
	op(o, ")");
}

static void osection(struct out *o, const struct imap_section *s)
{
	op(o, "spec=");
	ocstr(o, s->spec);
	op(o, " part=");
	for (size_t i = 0; i < s->n_part; i++)
		op(o, "%s%" PRIu32, i ? "." : "", s->part[i]);
	op(o, " text=%d", (int)s->text);
	if (s->fields.n) {
		op(o, " fields=");
		olist(o, s->fields);
	}
}

static void ofetch(struct out *o, const struct imap_resp_fetch *f)
{
	op(o, "FETCH %" PRIu32 " present=%#" PRIx32, f->seq, f->present);
	if (f->present & IMAP_FETCH_UID)
		op(o, " uid=%" PRIu32, f->uid);
	if (f->present & IMAP_FETCH_FLAGS) {
		op(o, " flags=");
		oflags(o, f->flags);
	}
	if (f->present & IMAP_FETCH_INTERNALDATE) {
		op(o, " internaldate=");
		ostr(o, f->internaldate_raw);
		op(o, "@%lld", (long long)f->internaldate);
	}
	if (f->present & IMAP_FETCH_RFC822_SIZE)
		op(o, " rfc822.size=%" PRIu32, f->rfc822_size);
	if (f->present & IMAP_FETCH_ENVELOPE) {
		op(o, " envelope=");
		oenv(o, f->envelope);
	}
	if (f->present & IMAP_FETCH_BODYSTRUCTURE) {
		op(o, " bodystructure=");
		obody(o, f->bodystructure);
	}
	if (f->present & IMAP_FETCH_BODY) {
		op(o, " body=");
		obody(o, f->body);
	}
	if (f->present & IMAP_FETCH_MODSEQ)
		op(o, " modseq=%" PRIu64, f->modseq);
	if (f->present & IMAP_FETCH_GM_MSGID)
		op(o, " x-gm-msgid=%" PRIu64, f->gm_msgid);
	if (f->present & IMAP_FETCH_GM_THRID)
		op(o, " x-gm-thrid=%" PRIu64, f->gm_thrid);
	if (f->present & IMAP_FETCH_GM_LABELS) {
		op(o, " x-gm-labels=");
		olist(o, f->gm_labels);
	}
	if (f->present & IMAP_FETCH_EMAILID) {
		op(o, " emailid=");
		ostr(o, f->emailid);
	}
	if (f->present & IMAP_FETCH_THREADID) {
		op(o, " threadid=");
		ostr(o, f->threadid);
	}
	for (size_t i = 0; i < f->n_sections; i++) {
		const struct imap_section_data *sd = &f->sections[i];
		op(o, " section(%d ", (int)sd->item);
		osection(o, &sd->section);
		if (sd->has_origin)
			op(o, " origin=%" PRIu32, sd->origin);
		op(o, " size=%" PRIu64 "%s%s ", sd->size, sd->binary ? " binary" : "",
		   sd->streamed ? " streamed" : "");
		ostr(o, sd->data);
		op(o, ")");
	}
}

static void othread(struct out *o, const struct imap_thread *t)
{
	op(o, "(");
	for (size_t i = 0; i < t->n_nums; i++)
		op(o, "%s%" PRIu32, i ? " " : "", t->nums[i]);
	for (size_t i = 0; i < t->n_sub; i++) {
		if (t->n_nums || i)
			op(o, " ");
		othread(o, &t->sub[i]);
	}
	op(o, ")");
}

static void onslist(struct out *o, const struct imap_ns_list *l)
{
	if (l->nil) {
		op(o, "NIL");
		return;
	}
	op(o, "(");
	for (size_t i = 0; i < l->n; i++) {
		const struct imap_ns_entry *e = &l->v[i];
		op(o, "(");
		ostr(o, e->prefix);
		op(o, " delim=%d", e->delim);
		for (size_t k = 0; k < e->n_ext; k++) {
			op(o, " ");
			ostr(o, e->ext[k].name);
			op(o, "=");
			olist(o, e->ext[k].values);
		}
		op(o, ")");
	}
	op(o, ")");
}

int imap_response_dump(const struct imap_response *r, struct buf *b)
{
	struct out o = { b, false };
	struct out *os = &o;
	switch (r->kind) {
	case IMAP_RESP_STATUS:
		op(os, "STATUS tag=");
		ocstr(os, r->tag);
		op(os, " %s", status_name(r->u.status.status));
		ocode(os, &r->u.status.code);
		op(os, " text=");
		ostr(os, r->u.status.text);
		if (r->u.status.text_truncated)
			op(os, " (truncated)");
		break;
	case IMAP_RESP_CONTINUATION:
		op(os, "CONTINUATION ");
		ostr(os, r->u.text);
		break;
	case IMAP_RESP_CAPABILITY:
	case IMAP_RESP_ENABLED:
		op(os, "%s ", r->kind == IMAP_RESP_CAPABILITY ? "CAPABILITY" : "ENABLED");
		olist(os, r->u.list);
		break;
	case IMAP_RESP_LIST:
	case IMAP_RESP_LSUB: {
		const struct imap_resp_list *l = &r->u.list_data;
		op(os, "%s attr=%#" PRIx32 " ", r->kind == IMAP_RESP_LIST ? "LIST" : "LSUB", l->attr);
		olist(os, l->attrs);
		op(os, " delim=%d name=", l->delim);
		ostr(os, l->name);
		if (l->is_inbox)
			op(os, " inbox");
		if (l->childinfo.n) {
			op(os, " childinfo=");
			olist(os, l->childinfo);
		}
		if (l->oldname.p) {
			op(os, " oldname=");
			ostr(os, l->oldname);
		}
		break;
	}
	case IMAP_RESP_MBSTATUS: {
		const struct imap_resp_mbstatus *s = &r->u.mbstatus;
		op(os, "MBSTATUS ");
		ostr(os, s->mailbox);
		op(os, " present=%#" PRIx32 " messages=%" PRIu32 " recent=%" PRIu32
		   " uidnext=%" PRIu32 " uidvalidity=%" PRIu32 " unseen=%" PRIu32
		   " deleted=%" PRIu32 " highestmodseq=%" PRIu64 " size=%" PRIu64
		   " appendlimit=%" PRIu64,
		   s->present, s->messages, s->recent, s->uidnext, s->uidvalidity, s->unseen,
		   s->deleted, s->highestmodseq, s->size, s->appendlimit);
		break;
	}
	case IMAP_RESP_SEARCH:
	case IMAP_RESP_SORT: {
		const struct imap_resp_search *s = &r->u.search;
		op(os, "%s (", r->kind == IMAP_RESP_SEARCH ? "SEARCH" : "SORT");
		for (size_t i = 0; i < s->n; i++)
			op(os, "%s%" PRIu32, i ? " " : "", s->v[i]);
		op(os, ")");
		if (s->has_modseq)
			op(os, " modseq=%" PRIu64, s->modseq);
		break;
	}
	case IMAP_RESP_ESEARCH: {
		const struct imap_resp_esearch *e = &r->u.esearch;
		op(os, "ESEARCH tag=");
		ostr(os, e->tag);
		op(os, "%s present=%#" PRIx32, e->uid ? " uid" : "", e->present);
		if (e->present & IMAP_ES_MIN)
			op(os, " min=%" PRIu32, e->min);
		if (e->present & IMAP_ES_MAX)
			op(os, " max=%" PRIu32, e->max);
		if (e->present & IMAP_ES_COUNT)
			op(os, " count=%" PRIu32, e->count);
		if (e->present & IMAP_ES_ALL) {
			op(os, " all=");
			oset(os, e->all);
		}
		if (e->present & IMAP_ES_MODSEQ)
			op(os, " modseq=%" PRIu64, e->modseq);
		break;
	}
	case IMAP_RESP_FLAGS:
		op(os, "FLAGS ");
		oflags(os, r->u.flags);
		break;
	case IMAP_RESP_EXISTS:
		op(os, "EXISTS %" PRIu32, r->u.number);
		break;
	case IMAP_RESP_RECENT:
		op(os, "RECENT %" PRIu32, r->u.number);
		break;
	case IMAP_RESP_EXPUNGE:
		op(os, "EXPUNGE %" PRIu32, r->u.number);
		break;
	case IMAP_RESP_VANISHED:
		op(os, "VANISHED%s ", r->u.vanished.earlier ? " (EARLIER)" : "");
		oset(os, r->u.vanished.uids);
		break;
	case IMAP_RESP_NAMESPACE:
		op(os, "NAMESPACE ");
		onslist(os, &r->u.ns.personal);
		op(os, " ");
		onslist(os, &r->u.ns.other);
		op(os, " ");
		onslist(os, &r->u.ns.shared);
		break;
	case IMAP_RESP_ID:
		op(os, "ID");
		if (r->u.id.nil) {
			op(os, " NIL");
			break;
		}
		op(os, " (");
		for (size_t i = 0; i < r->u.id.n; i++) {
			if (i)
				op(os, " ");
			ostr(os, r->u.id.keys[i]);
			op(os, "=");
			ostr(os, r->u.id.values[i]);
		}
		op(os, ")");
		break;
	case IMAP_RESP_THREAD:
		op(os, "THREAD");
		for (size_t i = 0; i < r->u.thread.n; i++) {
			op(os, " ");
			othread(os, &r->u.thread.v[i]);
		}
		break;
	case IMAP_RESP_FETCH:
		ofetch(os, &r->u.fetch);
		break;
	case IMAP_RESP_UNKNOWN:
		op(os, "UNKNOWN ");
		if (r->u.unknown.has_number)
			op(os, "%" PRIu32 " ", r->u.unknown.number);
		ocstr(os, r->u.unknown.keyword);
		op(os, " ");
		ostr(os, r->u.unknown.rest);
		break;
	}
	return o.bad ? -1 : 0;
}
