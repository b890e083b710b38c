/* ops_fetch — FETCH and UID FETCH: the item list, body sections with partial ranges and PEEK,
 * CHANGEDSINCE / VANISHED, per-message delivery and streamed literals. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "imap/encode.h"
#include "imap/ops_int.h"
#include "imap/parser.h"
#include "imap/seqset.h"
#include "imap/session.h"

/* ---- sections ---------------------------------------------------------------------------- */

static bool field_char(unsigned char ch)
{
	/* RFC 5322 ftext that is also an IMAP atom char */
	if (ch <= 0x20 || ch >= 0x7f || ch == ':')
		return false;
	return !strchr("(){%*\"\\]", ch);
}

/* Parses "1.2.3" into numbers (arena memory). -1 if malformed. */
static int parse_part(struct op *op, const char *part, struct ops_sec *sec)
{
	sec->n_part = 0;
	sec->part = NULL;
	if (!part || !*part)
		return 0;
	size_t n = 1;
	for (const char *p = part; *p; p++)
		if (*p == '.')
			n++;
	if (n > 64)
		return -1;
	sec->part = ops_alloc(op, n * sizeof(uint32_t));
	if (!sec->part)
		return -1;
	const char *p = part;
	for (size_t i = 0; i < n; i++) {
		if (*p < '1' || *p > '9')
			return -1;
		uint64_t v = 0;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (uint64_t)(*p++ - '0');
			if (v > UINT32_MAX)
				return -1;
		}
		sec->part[i] = (uint32_t)v;
		if (i + 1 < n) {
			if (*p != '.')
				return -1;
			p++;
		}
	}
	if (*p)
		return -1;
	sec->n_part = n;
	return 0;
}

/* Appends the FETCH item for section f to out and fills sec. Returns a static error message or
 * NULL. */
static const char *section_item(struct op *op, const struct imap_fetch_section *f,
				struct ops_sec *sec, struct buf *out)
{
	sec->item = f->binary ? IMAP_SECTION_BINARY : IMAP_SECTION_BODY;
	sec->text = f->text;
	sec->partial = f->partial;
	sec->origin = f->origin;
	if (parse_part(op, f->part, sec) != 0)
		return "a section part must be numbers joined by dots (\"1.2\")";
	const char *text = NULL;
	switch (f->text) {
	case IMAP_STEXT_NONE: break;
	case IMAP_STEXT_HEADER: text = "HEADER"; break;
	case IMAP_STEXT_HEADER_FIELDS: text = "HEADER.FIELDS"; break;
	case IMAP_STEXT_HEADER_FIELDS_NOT: text = "HEADER.FIELDS.NOT"; break;
	case IMAP_STEXT_TEXT: text = "TEXT"; break;
	case IMAP_STEXT_MIME: text = "MIME"; break;
	default: return "unknown section text";
	}
	if (f->binary && text)
		return "BINARY takes a part number only";
	if (f->text == IMAP_STEXT_MIME && sec->n_part == 0)
		return "MIME needs a part number";
	bool fields = f->text == IMAP_STEXT_HEADER_FIELDS || f->text == IMAP_STEXT_HEADER_FIELDS_NOT;
	if (fields && (f->n_fields == 0 || !f->fields))
		return "HEADER.FIELDS needs at least one field name";
	if (f->partial && f->length == 0)
		return "a partial fetch needs a length";
	if (buf_printf(out, "%s%s[%s%s%s", f->binary ? "BINARY" : "BODY", f->peek ? ".PEEK" : "",
		       f->part ? f->part : "", sec->n_part && text ? "." : "", text ? text : "") != BUF_OK)
		return "the command is too long";
	if (fields) {
		const char **names = ops_alloc(op, f->n_fields * sizeof *names);
		if (!names)
			return "out of memory";
		for (size_t i = 0; i < f->n_fields; i++) {
			const char *n = f->fields[i];
			if (!n || !*n)
				return "empty header field name";
			for (const char *p = n; *p; p++)
				if (!field_char((unsigned char)*p))
					return "a header field name holds a character it may not";
			if (buf_append_str(out, i ? " " : " (") != BUF_OK || buf_append_str(out, n) != BUF_OK)
				return "the command is too long";
			if (!(names[i] = ops_strn(op, n, strlen(n))))
				return "out of memory";
		}
		if (buf_append_byte(out, ')') != BUF_OK)
			return "the command is too long";
		sec->fields = names;
		sec->n_fields = f->n_fields;
	}
	if (buf_append_byte(out, ']') != BUF_OK)
		return "the command is too long";
	if (f->partial && buf_printf(out, "<%u.%u>", f->origin, f->length) != BUF_OK)
		return "the command is too long";
	return NULL;
}

static bool sec_equal(const struct ops_sec *a, enum imap_section_item item,
		      const struct imap_section *sec, bool has_origin, uint32_t origin, bool strict)
{
	if (a->item != item || a->text != sec->text || a->n_part != sec->n_part)
		return false;
	for (size_t i = 0; i < a->n_part; i++)
		if (a->part[i] != sec->part[i])
			return false;
	if (a->partial != has_origin || (has_origin && a->origin != origin))
		return false;
	if (!strict)
		return true;
	if (a->n_fields != sec->fields.n)
		return false;
	for (size_t i = 0; i < a->n_fields; i++)
		if (!sec->fields.v[i].p || strcasecmp(a->fields[i], sec->fields.v[i].p) != 0)
			return false;
	return true;
}

size_t ops_sec_find(const struct ops_sec *secs, size_t n_secs, enum imap_section_item item,
		    const struct imap_section *sec, bool has_origin, uint32_t origin)
{
	if (!sec || (item != IMAP_SECTION_BODY && item != IMAP_SECTION_BINARY))
		return SIZE_MAX;
	for (size_t i = 0; i < n_secs; i++)
		if (sec_equal(&secs[i], item, sec, has_origin, origin, true))
			return i;
	for (size_t i = 0; i < n_secs; i++)
		if (sec_equal(&secs[i], item, sec, has_origin, origin, false))
			return i;
	return SIZE_MAX;
}

/* ---- message conversion ------------------------------------------------------------------ */

static void *scratch_alloc(struct op *op, struct ops_arena *a, size_t n)
{
	void *p = ops_arena_alloc(a, n);
	if (!p)
		ops_overflow(op);
	return p;
}

/* Pointer arrays into the parser's strings (valid during the callback, as the message is). */
static int strptrs(struct op *op, struct ops_arena *a, const struct imap_str *v, size_t n,
		   const char *const **dst)
{
	*dst = NULL;
	if (!n)
		return 0;
	if (n > IMAP_OP_MAX_RESULT / sizeof(char *)) {
		ops_overflow(op);
		return -1;
	}
	const char **p = scratch_alloc(op, a, n * sizeof *p);
	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++)
		p[i] = v[i].p ? v[i].p : "";
	*dst = p;
	return 0;
}

int ops_fetch_msg_convert(struct op *op, struct ops_arena *a, const struct imap_resp_fetch *f,
			  const struct ops_sec *secs, size_t n_secs, struct imap_fetch_msg *m)
{
	memset(m, 0, sizeof *m);
	m->seq = f->seq;
	m->uid = (f->present & IMAP_FETCH_UID) ? f->uid : 0;
	m->present = f->present;
	m->internaldate = -1;
	if (f->present & IMAP_FETCH_FLAGS) {
		m->flags.sys = f->flags.sys;
		m->flags.n = f->flags.n;
		if (strptrs(op, a, f->flags.v, f->flags.n, &m->flags.v) != 0)
			return -1;
	}
	if (f->present & IMAP_FETCH_INTERNALDATE) {
		m->internaldate = f->internaldate;
		m->internaldate_raw = f->internaldate_raw.p;
	}
	m->size = f->rfc822_size;
	m->envelope = (f->present & IMAP_FETCH_ENVELOPE) ? f->envelope : NULL;
	m->bodystructure = (f->present & IMAP_FETCH_BODYSTRUCTURE) ? f->bodystructure : NULL;
	m->body = (f->present & IMAP_FETCH_BODY) ? f->body : NULL;
	m->modseq = f->modseq;
	m->gm_msgid = f->gm_msgid;
	m->gm_thrid = f->gm_thrid;
	if ((f->present & IMAP_FETCH_GM_LABELS) &&
	    ops_labels_convert(op, a, &f->gm_labels, &m->labels, &m->n_labels) != 0)
		return -1;
	if (f->n_sections) {
		struct imap_fetch_part *p = scratch_alloc(op, a, f->n_sections * sizeof *p);
		if (!p)
			return -1;
		for (size_t i = 0; i < f->n_sections; i++) {
			const struct imap_section_data *sd = &f->sections[i];
			p[i].item = sd->item;
			p[i].spec = sd->section.spec;
			p[i].has_origin = sd->has_origin;
			p[i].origin = sd->origin;
			p[i].data = sd->streamed ? NULL : sd->data.p;
			p[i].len = sd->streamed || !sd->data.p ? 0 : sd->data.len;
			p[i].streamed = sd->streamed;
			p[i].size = sd->size;
			p[i].index = ops_sec_find(secs, n_secs, sd->item, &sd->section, sd->has_origin,
						  sd->origin);
		}
		m->parts = p;
		m->n_parts = f->n_sections;
	}
	return 0;
}

/* ---- the FETCH op ------------------------------------------------------------------------ */

struct fetch_op {
	struct op base;
	struct imap_fetch_callbacks cb;
	bool uid;
	struct seqset set;
	uint32_t wanted;          /* enum imap_fetch_item bits asked for */
	bool take_vanished;
	struct ops_sec *secs;
	size_t n_secs;
	struct ops_arena scratch; /* per message */
	struct seqset vanished;
	uint32_t n_msgs;
};

static bool fetch_mine(const struct fetch_op *o, uint32_t seq, uint32_t uid, bool has_uid)
{
	if (o->uid)
		return has_uid && ops_set_matches(&o->set, uid);
	return ops_set_matches(&o->set, seq);
}

static void fetch_untagged(struct op *op, const struct imap_response *r)
{
	struct fetch_op *o = (struct fetch_op *)op;
	if (r->kind == IMAP_RESP_VANISHED) {
		if (o->take_vanished && r->u.vanished.earlier)
			ops_set_add(op, &o->vanished, &r->u.vanished.uids);
		return;
	}
	if (r->kind != IMAP_RESP_FETCH)
		return;
	const struct imap_resp_fetch *f = &r->u.fetch;
	if (!fetch_mine(o, f->seq, f->uid, f->present & IMAP_FETCH_UID))
		return;
	/* an unsolicited update (another client's flag change) carries none of what we asked */
	uint32_t want = o->wanted & ~IMAP_FETCH_UID;
	if (want && !(f->present & want))
		return;
	o->n_msgs++;
	if (op->cancelled || !o->cb.msg)
		return;
	struct imap_fetch_msg m;
	ops_arena_reset(&o->scratch);
	if (ops_fetch_msg_convert(op, &o->scratch, f, o->secs, o->n_secs, &m) != 0)
		return;
	o->cb.msg(op->ctx, &m);
}

static int fetch_literal(void *ctx, const struct imap_literal_info *info, const char *data,
			 size_t len)
{
	struct fetch_op *o = ctx;
	struct op *op = &o->base;
	if (op->cancelled || op->completed || !o->cb.chunk)
		return 0;
	if (o->uid ? (info->uid && !ops_set_matches(&o->set, info->uid))
		   : !ops_set_matches(&o->set, info->seq))
		return 0;
	struct imap_fetch_chunk c = {
		.seq = info->seq,
		.uid = info->uid,
		.index = ops_sec_find(o->secs, o->n_secs, info->item, info->section, info->has_origin,
				      info->origin),
		.item = info->item,
		.offset = info->offset,
		.size = info->size,
		.data = data,
		.len = len,
	};
	ops_hold(op);
	int rc = o->cb.chunk(op->ctx, &c);
	ops_release(op);
	return rc;
}

static void fetch_finish(struct op *op, const struct imap_op_result *base)
{
	struct fetch_op *o = (struct fetch_op *)op;
	struct imap_fetch_result r = {*base, o->n_msgs, &o->vanished};
	if (o->cb.done)
		o->cb.done(op->ctx, &r);
}

static void fetch_destroy(struct op *op)
{
	struct fetch_op *o = (struct fetch_op *)op;
	seqset_free(&o->set);
	seqset_free(&o->vanished);
	ops_arena_free(&o->scratch);
}

static const struct {
	uint32_t want;
	const char *name;
	uint32_t item;
} fetch_items[] = {
	{IMAP_FW_UID, "UID", IMAP_FETCH_UID},
	{IMAP_FW_FLAGS, "FLAGS", IMAP_FETCH_FLAGS},
	{IMAP_FW_INTERNALDATE, "INTERNALDATE", IMAP_FETCH_INTERNALDATE},
	{IMAP_FW_RFC822_SIZE, "RFC822.SIZE", IMAP_FETCH_RFC822_SIZE},
	{IMAP_FW_ENVELOPE, "ENVELOPE", IMAP_FETCH_ENVELOPE},
	{IMAP_FW_BODYSTRUCTURE, "BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE},
	{IMAP_FW_BODY, "BODY", IMAP_FETCH_BODY},
	{IMAP_FW_MODSEQ, "MODSEQ", IMAP_FETCH_MODSEQ},
	{IMAP_FW_GM_MSGID, "X-GM-MSGID", IMAP_FETCH_GM_MSGID},
	{IMAP_FW_GM_THRID, "X-GM-THRID", IMAP_FETCH_GM_THRID},
	{IMAP_FW_GM_LABELS, "X-GM-LABELS", IMAP_FETCH_GM_LABELS},
	{IMAP_FW_RFC822, "RFC822", IMAP_FETCH_SECTIONS},
	{IMAP_FW_RFC822_HEADER, "RFC822.HEADER", IMAP_FETCH_SECTIONS},
	{IMAP_FW_RFC822_TEXT, "RFC822.TEXT", IMAP_FETCH_SECTIONS},
};

#define FW_MACROS (IMAP_FW_FAST | IMAP_FW_ALL | IMAP_FW_FULL)
#define FW_GMAIL (IMAP_FW_GM_MSGID | IMAP_FW_GM_THRID | IMAP_FW_GM_LABELS)

static uint32_t macro_expand(uint32_t want)
{
	if (want & IMAP_FW_FULL)
		want |= IMAP_FW_ALL | IMAP_FW_BODY;
	if (want & IMAP_FW_ALL)
		want |= IMAP_FW_FAST | IMAP_FW_ENVELOPE;
	if (want & IMAP_FW_FAST)
		want |= IMAP_FW_FLAGS | IMAP_FW_INTERNALDATE | IMAP_FW_RFC822_SIZE;
	return want & ~(uint32_t)FW_MACROS;
}

uint32_t imap_op_fetch(struct imap_session *s, bool uid, const struct seqset *set,
		       const struct imap_fetch_spec *spec, const struct imap_fetch_callbacks *cb,
		       void *ctx)
{
	struct fetch_op *o = (struct fetch_op *)ops_new(s, sizeof *o, OPS_CLASS_NONE, ctx);
	if (!o) {
		if (cb && cb->done) {
			struct imap_fetch_result r;
			memset(&r, 0, sizeof r);
			r.op = ops_nomem_result();
			cb->done(ctx, &r);
		}
		return 0;
	}
	struct op *op = &o->base;
	if (cb)
		o->cb = *cb;
	o->uid = uid;
	seqset_init(&o->set);
	seqset_init(&o->vanished);
	ops_arena_init(&o->scratch, IMAP_OP_MAX_RESULT);
	op->untagged = fetch_untagged;
	op->finish = fetch_finish;
	op->destroy = fetch_destroy;
	if (!set || seqset_is_empty(set) || !spec)
		return ops_fail(op, NULL, IMAP_OP_INVALID, "FETCH needs a non-empty set and items");
	if (seqset_copy(&o->set, set) != SEQSET_OK)
		return ops_fail(op, NULL, IMAP_OP_ERROR, "out of memory");
	uint32_t want = spec->want;
	if ((want & FW_GMAIL) && !imap_session_has_cap(s, "X-GM-EXT-1"))
		return ops_fail(op, NULL, IMAP_OP_UNSUPPORTED, "the server does not offer X-GM-EXT-1");
	bool condstore = imap_session_has_cap(s, "CONDSTORE") || imap_session_has_cap(s, "QRESYNC");
	if (((want & IMAP_FW_MODSEQ) || spec->changedsince) && !condstore)
		return ops_fail(op, NULL, IMAP_OP_UNSUPPORTED, "the server does not offer CONDSTORE");
	if (spec->vanished && (!uid || !spec->changedsince))
		return ops_fail(op, NULL, IMAP_OP_INVALID, "VANISHED needs UID FETCH with CHANGEDSINCE");
	if (spec->vanished && !imap_session_enabled(s, "QRESYNC"))
		return ops_fail(op, NULL, IMAP_OP_UNSUPPORTED, "QRESYNC is not enabled");
	if (spec->n_sections && !spec->sections)
		return ops_fail(op, NULL, IMAP_OP_INVALID, "sections missing");
	o->take_vanished = spec->vanished;

	struct imap_cmd c;
	ops_cmd_init(op, &c, uid ? "UID FETCH" : "FETCH");
	imap_cmd_add_seqset(&c, set);

	uint32_t macros = want & FW_MACROS;
	uint32_t others = want & ~(uint32_t)FW_MACROS & ~(uint32_t)IMAP_FW_UID;
	bool lone_macro = macros && !others && spec->n_sections == 0 && (uid || !(want & IMAP_FW_UID));
	if (lone_macro) {
		const char *name = (macros & IMAP_FW_FULL) ? "FULL" : (macros & IMAP_FW_ALL) ? "ALL" : "FAST";
		imap_cmd_add_atom(&c, name);
		want = macro_expand(want);
	} else {
		want = macro_expand(want) | IMAP_FW_UID;
		imap_cmd_list_open(&c);
		for (size_t i = 0; i < sizeof fetch_items / sizeof fetch_items[0]; i++)
			if (want & fetch_items[i].want)
				imap_cmd_add_raw(&c, fetch_items[i].name);
		if (spec->n_sections) {
			o->secs = ops_alloc(op, spec->n_sections * sizeof *o->secs);
			if (!o->secs)
				return ops_fail(op, &c, IMAP_OP_ERROR, "out of memory");
			o->n_secs = spec->n_sections;
			struct buf item;
			buf_init(&item, 8192);
			for (size_t i = 0; i < spec->n_sections; i++) {
				buf_reset(&item);
				const char *err = section_item(op, &spec->sections[i], &o->secs[i], &item);
				if (err) {
					buf_free(&item);
					return ops_fail(op, &c, IMAP_OP_INVALID, err);
				}
				imap_cmd_add_raw(&c, buf_data(&item));
			}
			buf_free(&item);
		}
		imap_cmd_list_close(&c);
	}
	for (size_t i = 0; i < sizeof fetch_items / sizeof fetch_items[0]; i++)
		if (want & fetch_items[i].want)
			o->wanted |= fetch_items[i].item;
	if (spec->n_sections)
		o->wanted |= IMAP_FETCH_SECTIONS;
	if (spec->changedsince) {
		imap_cmd_list_open(&c);
		imap_cmd_add_atom(&c, "CHANGEDSINCE");
		imap_cmd_add_number(&c, spec->changedsince);
		if (spec->vanished)
			imap_cmd_add_atom(&c, "VANISHED");
		imap_cmd_list_close(&c);
	}
	uint32_t interest = IMAP_INTEREST(IMAP_RESP_FETCH);
	if (spec->vanished)
		interest |= IMAP_INTEREST(IMAP_RESP_VANISHED);
	uint32_t id = ops_submit(op, &c, IMAP_CMDF_NEEDS_SELECTED, interest);
	if (id && o->cb.chunk)
		imap_session_set_literal(s, id, fetch_literal);
	return id;
}
