/* parse_fetch — stage 2: FETCH data items, ENVELOPE, BODY/BODYSTRUCTURE and body sections. */
#include "config.h"

#include "imap/parser_int.h"

#include <strings.h>

/* ---- INTERNALDATE ------------------------------------------------------------------------ */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t n, size_t *i, int count)
{
	int v = 0;
	for (int k = 0; k < count; k++) {
		if (*i >= n || s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[(*i)++] - '0');
	}
	return v;
}

/* "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be " d" or "d"); -1 if it does not parse. */
time_t imap_parse_internaldate(const char *s, size_t n)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	int day = digits(s, n, &i, 1);
	if (day < 0)
		return -1;
	if (i < n && s[i] >= '0' && s[i] <= '9')
		day = day * 10 + (s[i++] - '0');
	if (i + 5 > n || s[i] != '-' || s[i + 4] != '-')
		return -1;
	int mon = -1;
	for (int m = 0; m < 12; m++) {
		if ((s[i + 1] | 0x20) == months[m * 3] && (s[i + 2] | 0x20) == months[m * 3 + 1] &&
		    (s[i + 3] | 0x20) == months[m * 3 + 2])
			mon = m + 1;
	}
	i += 5;
	int year = digits(s, n, &i, 4);
	if (mon < 0 || year < 0 || i >= n || s[i++] != ' ')
		return -1;
	int hh = digits(s, n, &i, 2);
	if (hh < 0 || i >= n || s[i++] != ':')
		return -1;
	int mm = digits(s, n, &i, 2);
	if (mm < 0 || i >= n || s[i++] != ':')
		return -1;
	int ss = digits(s, n, &i, 2);
	if (ss < 0 || i >= n || s[i++] != ' ' || i >= n)
		return -1;
	int sign = s[i] == '-' ? -1 : s[i] == '+' ? 1 : 0;
	i++;
	int zone = digits(s, n, &i, 4);
	if (!sign || zone < 0 || i != n)
		return -1;
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || zone % 100 > 59)
		return -1;
	int64_t t = days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 +
		    mm * 60 + ss;
	t -= (int64_t)sign * ((zone / 100) * 3600 + (zone % 100) * 60);
	return (time_t)t;
}

/* ---- ENVELOPE ---------------------------------------------------------------------------- */

static struct imap_addrlist parse_addrlist(struct pctx *c)
{
	struct imap_addrlist l = { 0, NULL };
	if (lex_is_nil(c))
		return l;
	lex_expect(c, '(', "address list");
	struct pvec v = { 0 };
	lex_opt_sp(c);
	while (!lex_accept(c, ')')) {
		struct imap_address *a = pvec_push(c, &v, sizeof *a);
		lex_expect(c, '(', "address");
		lex_opt_sp(c);
		a->name = lex_nstring(c, "address");
		lex_sp(c, "address");
		a->adl = lex_nstring(c, "address");
		lex_sp(c, "address");
		a->mailbox = lex_nstring(c, "address");
		lex_sp(c, "address");
		a->host = lex_nstring(c, "address");
		lex_opt_sp(c);
		lex_expect(c, ')', "address");
		if (a->host.p)
			a->kind = IMAP_ADDR_MAILBOX;
		else
			a->kind = a->mailbox.p ? IMAP_ADDR_GROUP_START : IMAP_ADDR_GROUP_END;
		lex_opt_sp(c);
	}
	l.n = v.n;
	l.v = v.v;
	return l;
}

static const struct imap_envelope *parse_envelope(struct pctx *c)
{
	struct imap_envelope *e = palloc(c, sizeof *e);
	lex_expect(c, '(', "ENVELOPE");
	lex_opt_sp(c);
	e->date = lex_nstring(c, "ENVELOPE date");
	lex_sp(c, "ENVELOPE");
	e->subject = lex_nstring(c, "ENVELOPE subject");
	lex_sp(c, "ENVELOPE");
	e->from = parse_addrlist(c);
	lex_sp(c, "ENVELOPE");
	e->sender = parse_addrlist(c);
	lex_sp(c, "ENVELOPE");
	e->reply_to = parse_addrlist(c);
	lex_sp(c, "ENVELOPE");
	e->to = parse_addrlist(c);
	lex_sp(c, "ENVELOPE");
	e->cc = parse_addrlist(c);
	lex_sp(c, "ENVELOPE");
	e->bcc = parse_addrlist(c);
	lex_sp(c, "ENVELOPE");
	e->in_reply_to = lex_nstring(c, "ENVELOPE in-reply-to");
	lex_sp(c, "ENVELOPE");
	e->message_id = lex_nstring(c, "ENVELOPE message-id");
	lex_opt_sp(c);
	lex_expect(c, ')', "ENVELOPE");
	return e;
}

/* ---- BODY / BODYSTRUCTURE ---------------------------------------------------------------- */

static struct imap_params parse_params(struct pctx *c)
{
	struct imap_params r = { 0, NULL };
	if (lex_is_nil(c))
		return r;
	lex_expect(c, '(', "body parameters");
	struct pvec v = { 0 };
	lex_opt_sp(c);
	while (!lex_accept(c, ')')) {
		struct imap_param *pa = pvec_push(c, &v, sizeof *pa);
		pa->name = lex_string(c, true, "body parameter");
		lex_sp(c, "body parameters");
		pa->value = lex_nstring(c, "body parameter");
		if (!lex_opt_sp(c) && peekc(c) != ')')
			perr_unexpected(c, "body parameters");
	}
	r.n = v.n;
	r.v = v.v;
	return r;
}

/* True if a further extension field follows (consumes the separating space). */
static bool more_ext(struct pctx *c)
{
	lex_opt_sp(c);
	return peekc(c) != ')';
}

/* body-ext-1part / body-ext-mpart after md5 or params: disposition, language, location, rest */
static void parse_ext_tail(struct pctx *c, struct imap_body *b)
{
	if (!more_ext(c))
		return;
	/* disposition */
	if (peekc(c) == '(') {
		c->p++;
		lex_opt_sp(c);
		b->disposition = lex_string(c, true, "body disposition");
		lex_sp(c, "body disposition");
		b->disposition_params = parse_params(c);
		lex_opt_sp(c);
		lex_expect(c, ')', "body disposition");
	} else if (!lex_is_nil(c)) {
		lex_skip_value(c); /* lenient: a bare string */
	}
	if (!more_ext(c))
		return;
	/* language */
	if (peekc(c) == '(') {
		b->language = lex_astring_list(c, false, "body language");
	} else {
		struct imap_str s = lex_nstring(c, "body language");
		if (s.p) {
			struct imap_str *one = palloc(c, sizeof *one);
			*one = s;
			b->language = (struct imap_strlist){ 1, one };
		}
	}
	if (!more_ext(c))
		return;
	if (peekc(c) == '(')
		lex_skip_value(c); /* lenient */
	else
		b->location = lex_nstring(c, "body location");
	while (more_ext(c))
		lex_skip_value(c);
}

static void parse_body(struct pctx *c, struct imap_body *b, unsigned depth);

static void parse_body_multi(struct pctx *c, struct imap_body *b, unsigned depth)
{
	struct pvec parts = { 0 };
	b->kind = IMAP_BODY_MULTIPART;
	b->type = (struct imap_str){ "MULTIPART", 9 };
	do {
		struct imap_body *part = pvec_push(c, &parts, sizeof *part);
		parse_body(c, part, depth + 1);
		lex_opt_sp(c);
	} while (peekc(c) == '(');
	b->n_parts = parts.n;
	b->parts = parts.v;
	b->subtype = lex_string(c, true, "multipart subtype");
	if (!more_ext(c))
		return;
	b->has_ext = true;
	b->params = parse_params(c);
	parse_ext_tail(c, b);
}

static void parse_body_single(struct pctx *c, struct imap_body *b, unsigned depth)
{
	b->type = lex_string(c, true, "body type");
	lex_sp(c, "body");
	b->subtype = lex_string(c, true, "body subtype");
	lex_sp(c, "body");
	b->params = parse_params(c);
	lex_sp(c, "body");
	b->id = lex_nstring(c, "body id");
	lex_sp(c, "body");
	b->description = lex_nstring(c, "body description");
	lex_sp(c, "body");
	b->encoding = lex_nstring(c, "body encoding");
	lex_sp(c, "body");
	b->size = lex_number(c, "body size");
	b->kind = IMAP_BODY_BASIC;
	if (lex_keyword(b->type.p, b->type.len, "TEXT")) {
		b->kind = IMAP_BODY_TEXT;
		lex_sp(c, "body");
		b->lines = lex_number(c, "body lines");
	} else if (lex_keyword(b->type.p, b->type.len, "MESSAGE") &&
		   (lex_keyword(b->subtype.p, b->subtype.len, "RFC822") ||
		    lex_keyword(b->subtype.p, b->subtype.len, "GLOBAL"))) {
		/* some servers omit envelope and body: then it is a basic part */
		const char *save = c->p;
		lex_opt_sp(c);
		int ch = peekc(c);
		if (ch == '(' || ch == 'N' || ch == 'n') {
			b->kind = IMAP_BODY_MESSAGE;
			if (!lex_is_nil(c))
				b->envelope = parse_envelope(c);
			lex_sp(c, "body");
			if (!lex_is_nil(c)) {
				struct imap_body *inner = pzalloc(c, sizeof *inner);
				parse_body(c, inner, depth + 1);
				b->body = inner;
			}
			lex_sp(c, "body");
			b->lines = lex_number(c, "body lines");
		} else {
			c->p = save;
		}
	}
	if (!more_ext(c))
		return;
	b->has_ext = true;
	b->md5 = lex_nstring(c, "body MD5");
	parse_ext_tail(c, b);
}

static void parse_body(struct pctx *c, struct imap_body *b, unsigned depth)
{
	if (depth >= c->lim->max_body_depth)
		perr(c, "body structure nested deeper than %u", c->lim->max_body_depth);
	memset(b, 0, sizeof *b);
	lex_expect(c, '(', "body structure");
	lex_opt_sp(c);
	if (peekc(c) == '(')
		parse_body_multi(c, b, depth);
	else
		parse_body_single(c, b, depth);
	lex_opt_sp(c);
	lex_expect(c, ')', "body structure");
}

/* ---- sections ---------------------------------------------------------------------------- */

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* At '['. */
static void parse_section(struct pctx *c, struct imap_section *sec)
{
	c->p++;
	const char *start = c->p;
	struct pvec parts = { 0 };
	while (is_digit(peekc(c))) {
		uint32_t *n = pvec_push(c, &parts, sizeof *n);
		*n = lex_nz_number(c, "section part");
		if (peekc(c) != '.')
			break;
		c->p++;
	}
	sec->n_part = parts.n;
	sec->part = parts.v;
	sec->text = IMAP_STEXT_NONE;
	int ch = peekc(c);
	if (ch != ']') {
		size_t n;
		const char *a = lex_atom_raw(c, &n, false, "section");
		if (lex_keyword(a, n, "HEADER"))
			sec->text = IMAP_STEXT_HEADER;
		else if (lex_keyword(a, n, "HEADER.FIELDS"))
			sec->text = IMAP_STEXT_HEADER_FIELDS;
		else if (lex_keyword(a, n, "HEADER.FIELDS.NOT"))
			sec->text = IMAP_STEXT_HEADER_FIELDS_NOT;
		else if (lex_keyword(a, n, "TEXT"))
			sec->text = IMAP_STEXT_TEXT;
		else if (lex_keyword(a, n, "MIME"))
			sec->text = IMAP_STEXT_MIME;
		else
			sec->text = IMAP_STEXT_OTHER;
		if (sec->text == IMAP_STEXT_HEADER_FIELDS || sec->text == IMAP_STEXT_HEADER_FIELDS_NOT) {
			lex_sp(c, "section");
			sec->fields = lex_astring_list(c, false, "section header list");
		} else {
			while (lex_opt_sp(c) && peekc(c) != ']')
				lex_skip_value(c);
		}
		lex_opt_sp(c);
	} else if (parts.n > 0 && c->p[-1] == '.') {
		perr_unexpected(c, "section");
	}
	sec->spec = pstrdup(c, start, (size_t)(c->p - start)).p;
	lex_expect(c, ']', "section");
}

/* The value of a body section: nstring, literal8, or a streamed literal. */
static void section_value(struct pctx *c, struct imap_section_data *sd)
{
	int ch = peekc(c);
	if (ch == '{' || (ch == '~' && c->p + 1 < c->end && c->p[1] == '{')) {
		bool st, bin;
		uint64_t sz;
		c->stream_ok = true;
		c->cur_sec = sd;
		sd->data = lex_literal(c, &st, &sz, &bin, "body section");
		c->stream_ok = false;
		sd->streamed = st;
		sd->size = sz;
		sd->binary = bin;
		return;
	}
	sd->data = lex_nstring(c, "body section");
	sd->size = sd->data.len;
}

/* ---- FETCH ------------------------------------------------------------------------------- */

static void parse_labels(struct pctx *c, struct imap_resp_fetch *f)
{
	struct pvec v = { 0 };
	if (lex_is_nil(c))
		return;
	lex_expect(c, '(', "X-GM-LABELS");
	lex_opt_sp(c);
	while (!lex_accept(c, ')')) {
		struct imap_str *s = pvec_push(c, &v, sizeof *s);
		*s = lex_astring(c, "X-GM-LABELS");
		/* "\\Sent" from some proxies means \Sent */
		if (s->len >= 3 && s->p[0] == '\\' && s->p[1] == '\\' && s->p[2] != '\\') {
			s->p++;
			s->len--;
		}
		if (!lex_opt_sp(c) && peekc(c) != ')')
			perr_unexpected(c, "X-GM-LABELS");
	}
	f->gm_labels = (struct imap_strlist){ v.n, v.v };
}

static struct imap_str parse_objectid(struct pctx *c, const char *what)
{
	lex_expect(c, '(', what);
	lex_opt_sp(c);
	struct imap_str s = lex_atom(c, false, what);
	lex_opt_sp(c);
	lex_expect(c, ')', what);
	return s;
}

/* Characters of a fetch item name (before '[' or SP). */
static const char *fetch_name(struct pctx *c, size_t *n)
{
	const char *s = c->p, *p = s;
	while (p < c->end) {
		unsigned ch = (unsigned char)*p;
		if ((ch | 0x20) - 'a' < 26 || ch - '0' < 10 || ch == '.' || ch == '-' || ch == '_')
			p++;
		else
			break;
	}
	if (p == s)
		perr_unexpected(c, "FETCH item");
	c->p = p;
	*n = (size_t)(p - s);
	return s;
}

static void fetch_section(struct pctx *c, struct pvec *secs, enum imap_section_item item,
			  bool bracket)
{
	struct imap_section_data *sd = pvec_push(c, secs, sizeof *sd);
	memset(sd, 0, sizeof *sd);
	sd->item = item;
	if (bracket) {
		if (peekc(c) != '[')
			perr_unexpected(c, "FETCH section");
		parse_section(c, &sd->section);
		if (lex_accept(c, '<')) {
			sd->origin = lex_number(c, "section origin");
			sd->has_origin = true;
			lex_expect(c, '>', "section origin");
		}
	}
	lex_sp(c, "FETCH");
	if (item == IMAP_SECTION_BINARY_SIZE) {
		sd->size = lex_number(c, "BINARY.SIZE");
		return;
	}
	section_value(c, sd);
}

void parse_fetch(struct pctx *c, struct imap_resp_fetch *f)
{
	struct pvec secs = { 0 };
	c->fetch_seq = f->seq;
	f->internaldate = (time_t)-1;
	lex_sp(c, "FETCH");
	lex_expect(c, '(', "FETCH");
	lex_opt_sp(c);
	while (!lex_accept(c, ')')) {
		size_t n;
		const char *a = fetch_name(c, &n);
		int ch = peekc(c);
		switch (n) {
		case 3:
			if (lex_keyword(a, n, "UID")) {
				lex_sp(c, "FETCH");
				f->uid = lex_nz_number(c, "UID");
				f->present |= IMAP_FETCH_UID;
				c->fetch_uid = f->uid;
				goto next;
			}
			break;
		case 4:
			if (lex_keyword(a, n, "BODY")) {
				if (ch == '[') {
					fetch_section(c, &secs, IMAP_SECTION_BODY, true);
				} else {
					lex_sp(c, "FETCH");
					struct imap_body *b = palloc(c, sizeof *b);
					parse_body(c, b, 0);
					f->body = b;
					f->present |= IMAP_FETCH_BODY;
				}
				goto next;
			}
			break;
		case 5:
			if (lex_keyword(a, n, "FLAGS")) {
				lex_sp(c, "FETCH");
				f->flags = lex_flag_list(c, "FLAGS");
				f->present |= IMAP_FETCH_FLAGS;
				goto next;
			}
			break;
		case 6:
			if (lex_keyword(a, n, "MODSEQ")) {
				lex_sp(c, "FETCH");
				lex_expect(c, '(', "MODSEQ");
				lex_opt_sp(c);
				f->modseq = lex_number64(c, "MODSEQ");
				lex_opt_sp(c);
				lex_expect(c, ')', "MODSEQ");
				f->present |= IMAP_FETCH_MODSEQ;
				goto next;
			}
			if (lex_keyword(a, n, "BINARY") && ch == '[') {
				fetch_section(c, &secs, IMAP_SECTION_BINARY, true);
				goto next;
			}
			if (lex_keyword(a, n, "RFC822")) {
				fetch_section(c, &secs, IMAP_SECTION_RFC822, false);
				goto next;
			}
			break;
		case 7:
			if (lex_keyword(a, n, "EMAILID")) {
				lex_sp(c, "FETCH");
				f->emailid = parse_objectid(c, "EMAILID");
				f->present |= IMAP_FETCH_EMAILID;
				goto next;
			}
			break;
		case 8:
			if (lex_keyword(a, n, "ENVELOPE")) {
				lex_sp(c, "FETCH");
				f->envelope = parse_envelope(c);
				f->present |= IMAP_FETCH_ENVELOPE;
				goto next;
			}
			if (lex_keyword(a, n, "THREADID")) {
				lex_sp(c, "FETCH");
				if (!lex_is_nil(c))
					f->threadid = parse_objectid(c, "THREADID");
				f->present |= IMAP_FETCH_THREADID;
				goto next;
			}
			break;
		case 10:
			if (lex_keyword(a, n, "X-GM-MSGID")) {
				lex_sp(c, "FETCH");
				f->gm_msgid = lex_number64(c, "X-GM-MSGID");
				f->present |= IMAP_FETCH_GM_MSGID;
				goto next;
			}
			if (lex_keyword(a, n, "X-GM-THRID")) {
				lex_sp(c, "FETCH");
				f->gm_thrid = lex_number64(c, "X-GM-THRID");
				f->present |= IMAP_FETCH_GM_THRID;
				goto next;
			}
			break;
		case 11:
			if (lex_keyword(a, n, "RFC822.SIZE")) {
				lex_sp(c, "FETCH");
				f->rfc822_size = lex_number(c, "RFC822.SIZE");
				f->present |= IMAP_FETCH_RFC822_SIZE;
				goto next;
			}
			if (lex_keyword(a, n, "X-GM-LABELS")) {
				lex_sp(c, "FETCH");
				parse_labels(c, f);
				f->present |= IMAP_FETCH_GM_LABELS;
				goto next;
			}
			if (lex_keyword(a, n, "RFC822.TEXT")) {
				fetch_section(c, &secs, IMAP_SECTION_RFC822_TEXT, false);
				goto next;
			}
			if (lex_keyword(a, n, "BINARY.SIZE") && ch == '[') {
				fetch_section(c, &secs, IMAP_SECTION_BINARY_SIZE, true);
				goto next;
			}
			break;
		case 12:
			if (lex_keyword(a, n, "INTERNALDATE")) {
				lex_sp(c, "FETCH");
				f->internaldate_raw = lex_nstring(c, "INTERNALDATE");
				if (f->internaldate_raw.p)
					f->internaldate = imap_parse_internaldate(
						f->internaldate_raw.p, f->internaldate_raw.len);
				f->present |= IMAP_FETCH_INTERNALDATE;
				goto next;
			}
			break;
		case 13:
			if (lex_keyword(a, n, "BODYSTRUCTURE")) {
				lex_sp(c, "FETCH");
				struct imap_body *b = palloc(c, sizeof *b);
				parse_body(c, b, 0);
				f->bodystructure = b;
				f->present |= IMAP_FETCH_BODYSTRUCTURE;
				goto next;
			}
			if (lex_keyword(a, n, "RFC822.HEADER")) {
				fetch_section(c, &secs, IMAP_SECTION_RFC822_HEADER, false);
				goto next;
			}
			break;
		default:
			break;
		}
		/* unknown item: skip "NAME[...]<...>" and its value */
		if (ch == '[') {
			struct imap_section ignored;
			parse_section(c, &ignored);
			if (lex_accept(c, '<')) {
				(void)lex_number(c, "section origin");
				lex_expect(c, '>', "section origin");
			}
		}
		lex_sp(c, "FETCH");
		lex_skip_value(c);
next:
		if (!lex_opt_sp(c) && peekc(c) != ')')
			perr_unexpected(c, "FETCH");
	}
	f->n_sections = secs.n;
	f->sections = secs.v;
	if (secs.n)
		f->present |= IMAP_FETCH_SECTIONS;
}
