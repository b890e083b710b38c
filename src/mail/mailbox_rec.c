/* mailbox_rec — list-row records from FETCH data: decoded subject and sender, address
 * summaries, the Date header parsed, attachments from the body structure. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mail/account_int.h"
#include "mail/mime.h"
#include "mail/rfc2047.h"

#define FIELD_CAP 4096

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* days since 1970-01-01 of a civil date (proleptic Gregorian) */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct lex {
	const char *p, *e;
};

static void skip_cfws(struct lex *l)
{
	int depth = 0;
	while (l->p < l->e) {
		char c = *l->p;
		if (c == '(') {
			depth++;
		} else if (c == ')' && depth) {
			depth--;
		} else if (!depth && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',') {
			break;
		}
		l->p++;
	}
}

static bool read_num(struct lex *l, int maxdig, int64_t *out, int *ndig)
{
	skip_cfws(l);
	int n = 0;
	int64_t v = 0;
	while (l->p < l->e && is_digit(*l->p) && n < maxdig) {
		v = v * 10 + (*l->p - '0');
		l->p++;
		n++;
	}
	if (ndig)
		*ndig = n;
	*out = v;
	return n > 0;
}

static size_t read_word(struct lex *l, char *w, size_t cap)
{
	skip_cfws(l);
	size_t n = 0;
	while (l->p < l->e && is_alpha(*l->p)) {
		if (n + 1 < cap)
			w[n++] = (char)lower(*l->p);
		l->p++;
	}
	w[n] = '\0';
	return n;
}

int64_t mbx_parse_date(const char *s, size_t n)
{
	static const char *months[] = {"jan", "feb", "mar", "apr", "may", "jun",
				       "jul", "aug", "sep", "oct", "nov", "dec"};
	if (!s)
		return 0;
	struct lex l = {s, s + n};
	char w[16];
	int64_t day, year, hh, mm, ss = 0;
	const char *save = l.p;
	if (read_word(&l, w, sizeof w) == 0)
		l.p = save; /* no day name */
	if (!read_num(&l, 2, &day, NULL))
		return 0;
	skip_cfws(&l);
	if (l.p < l.e && (*l.p == '-' || *l.p == '/'))
		l.p++;
	if (read_word(&l, w, sizeof w) < 3)
		return 0;
	int mon = -1;
	for (int i = 0; i < 12; i++)
		if (strncmp(w, months[i], 3) == 0)
			mon = i + 1;
	if (mon < 0)
		return 0;
	if (l.p < l.e && (*l.p == '-' || *l.p == '/'))
		l.p++;
	int yd;
	if (!read_num(&l, 4, &year, &yd))
		return 0;
	if (yd <= 2)
		year += year < 50 ? 2000 : 1900;
	else if (yd == 3)
		year += 1900;
	if (!read_num(&l, 2, &hh, NULL))
		return 0;
	skip_cfws(&l);
	if (l.p >= l.e || *l.p != ':')
		return 0;
	l.p++;
	if (!read_num(&l, 2, &mm, NULL))
		return 0;
	if (l.p < l.e && *l.p == ':') {
		l.p++;
		if (!read_num(&l, 2, &ss, NULL))
			ss = 0;
	}
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1900 || year > 9999)
		return 0;
	/* zone: +hhmm / -hhmm, or an obsolete name; missing = UTC */
	int64_t off = 0;
	skip_cfws(&l);
	if (l.p < l.e && (*l.p == '+' || *l.p == '-')) {
		int sign = *l.p == '-' ? -1 : 1;
		l.p++;
		int64_t z;
		int zd;
		if (read_num(&l, 4, &z, &zd) && zd == 4 && z % 100 < 60)
			off = sign * ((z / 100) * 3600 + (z % 100) * 60);
	} else if (read_word(&l, w, sizeof w)) {
		static const struct {
			const char *name;
			int hours;
		} zones[] = {{"ut", 0},   {"gmt", 0},  {"z", 0},    {"utc", 0},  {"est", -5},
			     {"edt", -4}, {"cst", -6}, {"cdt", -5}, {"mst", -7}, {"mdt", -6},
			     {"pst", -8}, {"pdt", -7}};
		for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
			if (strcmp(w, zones[i].name) == 0)
				off = zones[i].hours * 3600;
	}
	int64_t t = days_from_civil(year, mon, (int)day) * 86400 + hh * 3600 + mm * 60 + ss - off;
	return t > 0 ? t : 0;
}

/* ---- addresses ---------------------------------------------------------------------------- */

static enum buf_result put_addr(struct buf *out, const struct imap_address *ad)
{
	enum buf_result r = BUF_OK;
	if (ad->mailbox.p)
		r = buf_append(out, ad->mailbox.p, strnlen(ad->mailbox.p, ad->mailbox.len));
	if (r == BUF_OK && ad->host.p && ad->host.len) {
		r = buf_append_byte(out, '@');
		if (r == BUF_OK)
			r = buf_append(out, ad->host.p, strnlen(ad->host.p, ad->host.len));
	}
	return r;
}

static bool has_name(const struct imap_address *ad)
{
	if (!ad->name.p)
		return false;
	for (size_t i = 0; i < ad->name.len; i++)
		if (ad->name.p[i] != ' ' && ad->name.p[i] != '"')
			return true;
	return false;
}

enum buf_result mbx_format_addrs(struct buf *out, const struct imap_addrlist *l, bool full)
{
	bool first = true;
	for (size_t i = 0; i < l->n; i++) {
		const struct imap_address *ad = &l->v[i];
		if (ad->kind != IMAP_ADDR_MAILBOX)
			continue;
		enum buf_result r = BUF_OK;
		if (!first)
			r = buf_append_str(out, ", ");
		first = false;
		if (r == BUF_OK && has_name(ad)) {
			r = rfc2047_decode(out, ad->name.p, strnlen(ad->name.p, ad->name.len));
			if (r == BUF_OK && full) {
				r = buf_append_str(out, " <");
				if (r == BUF_OK)
					r = put_addr(out, ad);
				if (r == BUF_OK)
					r = buf_append_byte(out, '>');
			}
		} else if (r == BUF_OK) {
			r = put_addr(out, ad);
		}
		if (r != BUF_OK)
			return r;
	}
	return BUF_OK;
}

static const struct imap_address *first_mailbox(const struct imap_addrlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == IMAP_ADDR_MAILBOX)
			return &l->v[i];
	return NULL;
}

/* ---- records ------------------------------------------------------------------------------ */

static bool body_has_attachment(const struct imap_body *b)
{
	struct mime_tree *t = mime_tree_from_imap(b, NULL);
	if (!t)
		return false;
	struct mime_attachment *att = malloc(sizeof *att);
	bool yes = att && mime_attachments(t, false, att, 1) > 0;
	free(att);
	mime_tree_free(&t);
	return yes;
}

static char *str_z(const struct imap_str *s)
{
	if (!s->p)
		return NULL;
	size_t n = strnlen(s->p, s->len);
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s->p, n);
		d[n] = '\0';
	}
	return d;
}

struct mbx_rec *mbx_rec_from_fetch(const struct imap_fetch_msg *m, bool gmail)
{
	struct mbx_rec_in in;
	memset(&in, 0, sizeof in);
	struct buf subj, from, addr, to, cc, refs;
	buf_init(&subj, FIELD_CAP);
	buf_init(&from, FIELD_CAP);
	buf_init(&addr, FIELD_CAP);
	buf_init(&to, FIELD_CAP);
	buf_init(&cc, FIELD_CAP);
	buf_init(&refs, 4 * FIELD_CAP);
	char *msgid = NULL, *irt = NULL;
	const char *kw[64];
	size_t n_kw = 0;

	in.internaldate = (m->present & IMAP_FETCH_INTERNALDATE) ? m->internaldate : -1;
	in.size = m->size;
	in.gm_msgid = m->gm_msgid;
	in.gm_thrid = m->gm_thrid;
	const struct imap_envelope *env = m->envelope;
	if (env) {
		if (env->subject.p)
			mbx_cut(rfc2047_decode(&subj, env->subject.p, strnlen(env->subject.p, env->subject.len)));
		const struct imap_address *f = first_mailbox(&env->from);
		if (!f)
			f = first_mailbox(&env->sender);
		if (f) {
			if (has_name(f))
				mbx_cut(rfc2047_decode(&from, f->name.p, strnlen(f->name.p, f->name.len)));
			mbx_cut(put_addr(&addr, f));
		}
		mbx_cut(mbx_format_addrs(&to, &env->to, false));
		mbx_cut(mbx_format_addrs(&cc, &env->cc, false));
		if (env->date.p)
			in.date = mbx_parse_date(env->date.p, env->date.len);
		msgid = str_z(&env->message_id);
		irt = str_z(&env->in_reply_to);
	}
	if (!in.date && in.internaldate > 0)
		in.date = in.internaldate;
	for (size_t i = 0; i < m->n_parts; i++) {
		const struct imap_fetch_part *p = &m->parts[i];
		if (p->index != 0 || !p->spec || !strstr(p->spec, "HEADER.FIELDS"))
			continue;
		in.has_refs = true;
		size_t vlen = 0;
		const char *v = p->data ? mime_header_find(p->data, p->len, "References", &vlen) : NULL;
		if (v)
			mbx_cut(mime_header_unfold(&refs, v, vlen));
	}
	if (m->bodystructure)
		in.attachment = body_has_attachment(m->bodystructure);
	in.subject = buf_data(&subj);
	in.from = buf_data(&from);
	in.from_addr = buf_data(&addr);
	in.to = buf_data(&to);
	in.cc = buf_data(&cc);
	in.references = buf_data(&refs);
	in.message_id = msgid;
	in.in_reply_to = irt;
	if (gmail) {
		in.labels = m->labels;
		in.n_labels = m->n_labels;
	} else {
		for (size_t i = 0; i < m->flags.n && n_kw < 64; i++)
			if (m->flags.v[i][0] != '\\')
				kw[n_kw++] = m->flags.v[i];
		in.labels = kw;
		in.n_labels = n_kw;
	}
	struct mbx_rec *r = mbx_rec_new(&in);
	free(msgid);
	free(irt);
	buf_free(&subj);
	buf_free(&from);
	buf_free(&addr);
	buf_free(&to);
	buf_free(&cc);
	buf_free(&refs);
	return r;
}

void mbx_rec_fill_row(struct view_row *out, const struct mbx_rec *r, uint32_t flags)
{
	out->loaded = true;
	out->flags = flags;
	out->date = r->date;
	out->subject = r->subject;
	out->from = r->from[0] ? r->from : r->from_addr;
	out->from_addr = r->from_addr;
	out->size = r->size;
	out->attachment = r->attachment;
	out->n_labels = r->n_labels;
	out->labels = (const char *const *)r->labels;
	out->gm_msgid = r->gm_msgid;
	out->gm_thrid = r->gm_thrid;
	out->n_msgs = 1;
	out->n_unread = (flags & IMAP_FLAG_SEEN) ? 0 : 1;
	out->n_people = 1;
	out->people[0] = out->from;
}
