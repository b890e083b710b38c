/* mailbox_message — an opened message: structure and headers (ENVELOPE, BODYSTRUCTURE), then
 * only the parts shown (BODY.PEEK, partial), decoded for display with attachments and links. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/ops.h"
#include "imap/seqset.h"
#include "loop.h"
#include "mail/account_int.h"
#include "mail/cache.h"
#include "mail/charset.h"
#include "mail/mime.h"
#include "mail/rfc2047.h"
#include "proc_run.h"

#define MSG_PARTS 8
#define MSG_CHUNK ((uint32_t)256 << 10)   /* bytes of a part fetched at a time */
#define MSG_RAW_MAX ((size_t)16 << 20)     /* most raw bytes kept of one part */
#define MSG_TEXT_MAX ((size_t)32 << 20)
#define MSG_ATT_MAX 64
#define MSG_LINKS_MAX 1000
#define HTML_FILTER_MS 5000                /* html_filter: then the built-in converter */
#define HTML_FILTER_OUT ((size_t)8 << 20)  /* most text kept of its output */
#define HTML_FILTER_ARGS 32

enum filter_state { FILTER_NONE, FILTER_RUNNING, FILTER_OK, FILTER_FAILED };

struct msg_part {
	const struct mime_part *p;
	struct buf raw;
	uint32_t got;        /* bytes of the part fetched so far */
	bool complete;
	/* text/html through the html_filter */
	enum filter_state fstate;
	struct proc_run *run;
	struct buf filtered; /* its output as UTF-8 */
};

struct message {
	struct message *next;
	struct view *v;
	uint32_t uid;
	enum message_state state;
	char error[ACCT_ERR_MAX];
	struct buf hdr;                 /* from \0 to \0 cc \0 date \0 subject \0 */
	size_t off[5];
	struct mime_tree *tree;
	struct msg_part parts[MSG_PARTS];
	size_t n_parts;
	struct buf text;
	struct mime_attachment *att;
	struct message_attachment *matt;
	char (*types)[96];
	size_t n_att;
	char **links;
	size_t n_links;
	uint32_t op;
	struct imap_session *s;
	bool started, deferred;
	size_t filters;                 /* html_filter runs under way */
	char note[256];
	struct message_info info;
};

static void msg_fail(struct message *m, const char *why);
static void msg_publish(struct message *m);
static void msg_start(struct loop *loop, void *ctx);

/* ---- lifecycle ---------------------------------------------------------------------------- */

static void msg_unlink(struct message *m)
{
	if (!m->v)
		return;
	for (struct message **p = &m->v->msgs; *p; p = &(*p)->next)
		if (*p == m) {
			*p = m->next;
			break;
		}
}

static void filters_cancel(struct message *m)
{
	for (size_t k = 0; k < m->n_parts; k++)
		if (m->parts[k].run) {
			proc_run_cancel(&m->parts[k].run);
			m->parts[k].fstate = FILTER_NONE;
		}
	m->filters = 0;
}

static void msg_cancel(struct message *m)
{
	filters_cancel(m);
	if (m->op && m->s)
		imap_op_cancel(m->s, m->op);
	m->op = 0;
	m->s = NULL;
	if (m->deferred && m->v) {
		loop_defer_cancel(m->v->a->loop, msg_start, m);
		m->deferred = false;
	}
}

static void free_links(struct message *m)
{
	for (size_t i = 0; i < m->n_links; i++)
		free(m->links[i]);
	free(m->links);
	m->links = NULL;
	m->n_links = 0;
}

void message_close(struct message **mp)
{
	if (!mp || !*mp)
		return;
	struct message *m = *mp;
	*mp = NULL;
	msg_cancel(m);
	msg_unlink(m);
	for (size_t i = 0; i < m->n_parts; i++) {
		buf_free(&m->parts[i].raw);
		buf_free(&m->parts[i].filtered);
	}
	mime_tree_free(&m->tree);
	buf_free(&m->hdr);
	buf_free(&m->text);
	free(m->att);
	free(m->matt);
	free(m->types);
	free_links(m);
	free(m);
}

void message_view_closing(struct view *v)
{
	message_saves_closing(v);
	/* the UI still owns the messages: they stay readable, detached from the view */
	while (v->msgs) {
		struct message *m = v->msgs;
		v->msgs = m->next;
		msg_cancel(m);
		m->v = NULL;
		if (m->state == MESSAGE_LOADING) {
			m->state = MESSAGE_FAILED;
			snprintf(m->error, sizeof m->error, "the list was closed");
			msg_publish(m);
		}
	}
}

bool message_busy(const struct view *v)
{
	if (v->saves)
		return true;
	for (const struct message *m = v->msgs; m; m = m->next)
		if (m->op || m->deferred)
			return true;
	return false;
}

const struct message_info *message_info(const struct message *m)
{
	return &m->info;
}

struct view *message_view(const struct message *m)
{
	return m->v;
}

const struct mime_part *message_attachment_part(const struct message *m, size_t i)
{
	if (m->state != MESSAGE_READY || i >= m->n_att)
		return NULL;
	return m->att[i].part;
}

/* ---- the info the UI reads ---------------------------------------------------------------- */

static void msg_publish(struct message *m)
{
	struct message_info *i = &m->info;
	memset(i, 0, sizeof *i);
	i->state = m->state;
	i->error = m->error;
	i->uid = m->uid;
	const char *h = buf_data(&m->hdr);
	bool have = buf_len(&m->hdr) > 0;
	i->from = have ? h + m->off[0] : "";
	i->to = have ? h + m->off[1] : "";
	i->cc = have ? h + m->off[2] : "";
	i->date = have ? h + m->off[3] : "";
	i->subject = have ? h + m->off[4] : "";
	i->text = buf_data(&m->text);
	i->text_len = buf_len(&m->text);
	for (size_t k = 0; k < m->n_parts; k++)
		if (!m->parts[k].complete)
			i->more = true;
	i->n_attachments = m->n_att;
	i->attachments = m->matt;
	i->n_links = m->n_links;
	i->links = (const char *const *)m->links;
	i->note = m->note;
}

static void msg_emit(struct message *m)
{
	msg_publish(m);
	if (!m->v)
		return;
	struct model_change ch = {.what = MODEL_MESSAGE, .msg = m};
	acct_emit(m->v->a, &ch);
}

static void msg_fail(struct message *m, const char *why)
{
	m->state = MESSAGE_FAILED;
	snprintf(m->error, sizeof m->error, "%s", why);
	msg_emit(m);
}

/* ---- text, attachments, links ------------------------------------------------------------- */

static bool url_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("<>\"'`()[]{}|\\^", c);
}

static void add_link(struct message *m, const char *u, size_t n)
{
	while (n && strchr(".,;:!?", u[n - 1]))
		n--;
	if (!n || m->n_links >= MSG_LINKS_MAX)
		return;
	for (size_t i = 0; i < m->n_links; i++)
		if (strlen(m->links[i]) == n && memcmp(m->links[i], u, n) == 0)
			return;
	char **nl = realloc(m->links, (m->n_links + 1) * sizeof *nl);
	if (!nl)
		return;
	m->links = nl;
	char *s = malloc(n + 1);
	if (!s)
		return;
	memcpy(s, u, n);
	s[n] = '\0';
	m->links[m->n_links++] = s;
}

/* Links in order of appearance: http(s)://, mailto:, www. */
static void scan_links(struct message *m, const char *t, size_t n)
{
	static const char *const pre[] = {"https://", "http://", "mailto:", "www."};
	for (size_t i = 0; i < n; i++) {
		if (i && url_char((unsigned char)t[i - 1]) && t[i - 1] != ' ')
			continue; /* inside a word */
		for (size_t k = 0; k < 4; k++) {
			size_t pl = strlen(pre[k]);
			if (n - i > pl && strncasecmp(t + i, pre[k], pl) == 0) {
				size_t e = i + pl;
				while (e < n && url_char((unsigned char)t[e]))
					e++;
				if (e > i + pl)
					add_link(m, t + i, e - i);
				i = e;
				break;
			}
		}
	}
}

/* html2text's list at the end: "[N] url" lines, numbered like the markers in the text. */
static void html_links(struct message *m, const char *t, size_t n)
{
	const char *p = t, *e = t + n;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		if (le - p > 3 && p[0] == '[') {
			const char *q = p + 1;
			while (q < le && *q >= '0' && *q <= '9')
				q++;
			if (q > p + 1 && q + 1 < le && q[0] == ']' && q[1] == ' ')
				add_link(m, q + 2, (size_t)(le - q - 2));
		}
		p = nl ? nl + 1 : e;
	}
}

static void render(struct message *m)
{
	buf_reset(&m->text);
	free_links(m);
	for (size_t k = 0; k < m->n_parts; k++) {
		struct msg_part *mp = &m->parts[k];
		const struct mime_part *p = mp->p;
		if (k && buf_append_str(&m->text, "\n") != BUF_OK)
			break;
		size_t before = buf_len(&m->text);
		unsigned flags = mime_part_text_flags(p, true);
		bool html = (flags & MIME_TEXT_HTML) != 0;
		enum buf_result r;
		if (html && mp->fstate == FILTER_OK) {
			r = charset_utf8_sanitize(&m->text, buf_data(&mp->filtered), buf_len(&mp->filtered));
			html = false; /* the filter's own link list, if any, is found by the scan */
		} else {
			r = mime_decode_part(&m->text, buf_data(&mp->raw), buf_len(&mp->raw), p->encoding,
					     p->charset, flags);
		}
		const char *t = buf_data(&m->text) + before;
		size_t tn = buf_len(&m->text) - before;
		if (html)
			html_links(m, t, tn);
		else
			scan_links(m, t, tn);
		if (r != BUF_OK)
			break;
	}
}

/* ---- fetching ----------------------------------------------------------------------------- */

static void hdr_put(struct message *m, int k, const char *s)
{
	m->off[k] = buf_len(&m->hdr);
	if (buf_append_str(&m->hdr, s ? s : "") != BUF_OK || buf_append_byte(&m->hdr, '\0') != BUF_OK)
		m->off[k] = 0;
}

static void on_struct_msg(void *ctx, const struct imap_fetch_msg *f)
{
	struct message *m = ctx;
	if (f->uid != m->uid)
		return;
	if (f->envelope) {
		const struct imap_envelope *e = f->envelope;
		struct buf b;
		buf_init(&b, 64 * 1024);
		buf_reset(&m->hdr);
		mbx_cut(buf_append_byte(&m->hdr, '\0'));
		mbx_cut(mbx_format_addrs(&b, &e->from, true));
		hdr_put(m, 0, buf_data(&b));
		buf_reset(&b);
		mbx_cut(mbx_format_addrs(&b, &e->to, true));
		hdr_put(m, 1, buf_data(&b));
		buf_reset(&b);
		mbx_cut(mbx_format_addrs(&b, &e->cc, true));
		hdr_put(m, 2, buf_data(&b));
		buf_reset(&b);
		if (e->date.p)
			mbx_cut(mime_header_decode(&b, e->date.p, strnlen(e->date.p, e->date.len)));
		hdr_put(m, 3, buf_data(&b));
		buf_reset(&b);
		if (e->subject.p)
			mbx_cut(rfc2047_decode(&b, e->subject.p, strnlen(e->subject.p, e->subject.len)));
		hdr_put(m, 4, buf_data(&b));
		buf_free(&b);
	}
	if (f->bodystructure && !m->tree) {
		m->tree = mime_tree_from_imap(f->bodystructure, NULL);
		struct cache *c = m->v ? m->v->a->o.cache : NULL;
		if (c && cache_usable(c) && m->v->uidvalidity) {
			struct cache_msg cm = {.uid = m->uid, .have = CACHE_HAVE_BODYSTRUCTURE,
					       .bodystructure = f->bodystructure};
			mbx_cut(cache_msgs_put(c, m->v->key, m->v->uidvalidity, &cm, 1));
		}
	}
}

static int on_chunk(void *ctx, const struct imap_fetch_chunk *c)
{
	struct message *m = ctx;
	if (c->uid && c->uid != m->uid)
		return 0;
	if (c->index >= m->n_parts)
		return 0;
	mbx_cut(buf_append(&m->parts[c->index].raw, c->data, c->len)); /* past the cap: cut */
	return 0;
}

/* Which parts each FETCH asked for: index in the spec -> part number. */
struct part_req {
	struct message *m;
	char partbuf[MSG_PARTS][64];
	size_t map[MSG_PARTS];
	size_t n;
	uint32_t origin[MSG_PARTS];
	size_t before[MSG_PARTS];  /* raw length before this fetch */
};

static void on_part_msg(void *ctx, const struct imap_fetch_msg *f)
{
	struct part_req *pr = ctx;
	struct message *m = pr->m;
	if (f->uid && f->uid != m->uid)
		return;
	for (size_t i = 0; i < f->n_parts; i++) {
		const struct imap_fetch_part *fp = &f->parts[i];
		if (fp->index >= pr->n)
			continue;
		struct msg_part *mp = &m->parts[pr->map[fp->index]];
		if (fp->data && !fp->streamed)
			mbx_cut(buf_append(&mp->raw, fp->data, fp->len));
		size_t got = buf_len(&mp->raw) - pr->before[fp->index];
		mp->got = pr->origin[fp->index] + (uint32_t)got;
		mp->complete = got < MSG_CHUNK || mp->got >= mp->p->size || buf_len(&mp->raw) >= MSG_RAW_MAX;
	}
}

static int on_part_chunk(void *ctx, const struct imap_fetch_chunk *c)
{
	struct part_req *pr = ctx;
	struct message *m = pr->m;
	if ((c->uid && c->uid != m->uid) || c->index >= pr->n)
		return 0;
	mbx_cut(buf_append(&m->parts[pr->map[c->index]].raw, c->data, c->len));
	return 0;
}

static void cache_parts(struct message *m)
{
	struct cache *c = m->v ? m->v->a->o.cache : NULL;
	if (!c || !cache_usable(c) || !m->v->uidvalidity)
		return;
	for (size_t k = 0; k < m->n_parts; k++) {
		const struct msg_part *mp = &m->parts[k];
		if (mp->complete && mp->got == buf_len(&mp->raw))
			mbx_cut(cache_body_put(c, m->v->key, m->v->uidvalidity, m->uid, mp->p->fetch,
					     buf_data(&mp->raw), buf_len(&mp->raw)));
	}
}

/* ---- html_filter ---------------------------------------------------------------------------- */

static void show_ready(struct message *m)
{
	render(m);
	m->state = MESSAGE_READY;
	msg_emit(m);
}

struct filter_job {
	struct message *m;
	size_t k;
};

static void on_filter_done(void *ctx, const struct proc_run_result *r)
{
	struct filter_job *j = ctx;
	struct message *m = j->m;
	struct msg_part *mp = &m->parts[j->k];
	free(j);
	mp->run = NULL;
	char why[200];
	const char *w = proc_run_why(r, HTML_FILTER_MS, why, sizeof why);
	buf_reset(&mp->filtered);
	if (!w && r->out_len == 0 && buf_len(&mp->raw) > 0)
		w = "it printed nothing";
	if (w && !(r->too_long && !r->exited)) {
		mp->fstate = FILTER_FAILED;
		snprintf(m->note, sizeof m->note, "html_filter: %s; the built-in converter was used", w);
	} else if (buf_append(&mp->filtered, r->out, r->out_len) != BUF_OK) {
		mp->fstate = FILTER_FAILED;
		snprintf(m->note, sizeof m->note, "html_filter: out of memory; the built-in converter was used");
	} else {
		mp->fstate = FILTER_OK;
		if (r->too_long)
			snprintf(m->note, sizeof m->note, "html_filter: the text was cut at %zu MiB",
				 HTML_FILTER_OUT >> 20);
	}
	if (m->filters && --m->filters == 0)
		show_ready(m);
}

/* Starts the html_filter on html part k; false when it cannot run (then the built-in is used). */
static bool filter_start(struct message *m, size_t k, const char *cmd)
{
	struct msg_part *mp = &m->parts[k];
	char argbuf[1024];
	const char *argv[HTML_FILTER_ARGS];
	if (!proc_split_argv(cmd, argbuf, sizeof argbuf, argv, HTML_FILTER_ARGS)) {
		snprintf(m->note, sizeof m->note, "html_filter: cannot use the command; the built-in converter was used");
		return false;
	}
	struct buf html;
	buf_init(&html, MSG_TEXT_MAX);
	/* the part as UTF-8 HTML: the filter converts, we decode */
	enum buf_result br = mime_decode_part(&html, buf_data(&mp->raw), buf_len(&mp->raw),
					      mp->p->encoding, mp->p->charset,
					      mime_part_text_flags(mp->p, false));
	struct filter_job *j = br == BUF_NOMEM ? NULL : calloc(1, sizeof *j);
	if (!j) {
		buf_free(&html);
		return false;
	}
	j->m = m;
	j->k = k;
	struct proc_run_opts o = {.argv = argv, .in = buf_data(&html), .in_len = buf_len(&html),
				  .out_max = HTML_FILTER_OUT, .out_kill = true,
				  .timeout_ms = HTML_FILTER_MS};
	char err[200];
	mp->run = proc_run_start(m->v->a->loop, &o, on_filter_done, j, err, sizeof err);
	buf_free(&html);
	if (!mp->run) {
		free(j);
		snprintf(m->note, sizeof m->note, "html_filter: %s; the built-in converter was used", err);
		return false;
	}
	return true;
}

/* Every part is here: html parts go through the html_filter first (the message stays loading
 * meanwhile, at most HTML_FILTER_MS), then the text is shown. */
static void msg_ready(struct message *m)
{
	const char *cmd = m->v ? m->v->a->o.html_filter : NULL;
	m->note[0] = '\0';
	filters_cancel(m);
	if (cmd && *cmd) {
		for (size_t k = 0; k < m->n_parts; k++) {
			struct msg_part *mp = &m->parts[k];
			if (!(mime_part_text_flags(mp->p, true) & MIME_TEXT_HTML))
				continue;
			if (mp->fstate == FILTER_OK || mp->fstate == FILTER_FAILED)
				continue;
			if (filter_start(m, k, cmd)) {
				mp->fstate = FILTER_RUNNING;
				m->filters++;
			} else {
				mp->fstate = FILTER_FAILED;
			}
		}
	}
	if (!m->filters)
		show_ready(m);
}

static void on_part_done(void *ctx, const struct imap_fetch_result *r)
{
	struct part_req *pr = ctx;
	struct message *m = pr->m;
	free(pr);
	m->op = 0;
	m->s = NULL;
	if (r->op.status != IMAP_OP_OK) {
		char why[ACCT_ERR_MAX];
		snprintf(why, sizeof why, "fetching the message failed: %s", r->op.message);
		msg_fail(m, why);
		return;
	}
	for (size_t k = 0; k < m->n_parts; k++)
		if (m->parts[k].got == 0 && buf_len(&m->parts[k].raw) == 0)
			m->parts[k].complete = true; /* nothing came: empty or gone */
	cache_parts(m);
	msg_ready(m);
}

/* Fetches the next piece of every incomplete part. */
static void fetch_parts(struct message *m)
{
	struct view *v = m->v;
	struct imap_session *s = v ? view_session(v) : NULL;
	if (!s) {
		msg_fail(m, "the folder is not open (offline?)");
		return;
	}
	struct part_req *pr = calloc(1, sizeof *pr);
	struct imap_fetch_section sec[MSG_PARTS];
	if (!pr) {
		msg_fail(m, "out of memory");
		return;
	}
	pr->m = m;
	memset(sec, 0, sizeof sec);
	for (size_t k = 0; k < m->n_parts; k++) {
		struct msg_part *mp = &m->parts[k];
		if (mp->complete)
			continue;
		size_t i = pr->n++;
		mp->fstate = FILTER_NONE; /* more text: filtered again */
		pr->map[i] = k;
		pr->origin[i] = mp->got;
		pr->before[i] = buf_len(&mp->raw);
		/* "1.2" -> BODY.PEEK[1.2]; "TEXT" / "2.TEXT" -> the text of a (nested) message */
		const char *f = mp->p->fetch;
		size_t fl = strlen(f);
		if (fl >= 4 && strcmp(f + fl - 4, "TEXT") == 0) {
			sec[i].text = IMAP_STEXT_TEXT;
			size_t pl = fl > 5 ? fl - 5 : 0;
			if (pl && pl < sizeof pr->partbuf[i]) {
				memcpy(pr->partbuf[i], f, pl);
				pr->partbuf[i][pl] = '\0';
				sec[i].part = pr->partbuf[i];
			}
		} else {
			sec[i].part = f[0] ? f : NULL;
		}
		sec[i].peek = true;
		sec[i].partial = true;
		sec[i].origin = mp->got;
		sec[i].length = MSG_CHUNK;
	}
	if (pr->n == 0) {
		free(pr);
		msg_ready(m);
		return;
	}
	struct imap_fetch_spec spec = {.want = IMAP_FW_UID, .n_sections = pr->n, .sections = sec};
	static const struct imap_fetch_callbacks cb = {.msg = on_part_msg, .chunk = on_part_chunk,
						       .done = on_part_done};
	struct seqset set;
	seqset_init(&set);
	if (seqset_add(&set, m->uid) != SEQSET_OK) {
		seqset_free(&set);
		free(pr);
		msg_fail(m, "out of memory");
		return;
	}
	m->s = s;
	m->op = imap_op_fetch(s, true, &set, &spec, &cb, pr);
	if (!m->op)
		m->s = NULL;
	seqset_free(&set);
}

static void on_struct_done(void *ctx, const struct imap_fetch_result *r)
{
	struct message *m = ctx;
	m->op = 0;
	m->s = NULL;
	if (r->op.status != IMAP_OP_OK) {
		char why[ACCT_ERR_MAX];
		snprintf(why, sizeof why, "opening the message failed: %s", r->op.message);
		msg_fail(m, why);
		return;
	}
	if (!m->tree) {
		msg_fail(m, "the message is no longer in this folder");
		return;
	}
	const struct mime_part *shown[MSG_PARTS];
	m->n_parts = mime_display_parts(m->tree->root, false, shown, MSG_PARTS);
	for (size_t k = 0; k < m->n_parts; k++) {
		m->parts[k].p = shown[k];
		buf_init(&m->parts[k].raw, MSG_RAW_MAX);
		buf_init(&m->parts[k].filtered, HTML_FILTER_OUT);
	}
	m->att = calloc(MSG_ATT_MAX, sizeof *m->att);
	m->matt = calloc(MSG_ATT_MAX, sizeof *m->matt);
	m->types = calloc(MSG_ATT_MAX, sizeof *m->types);
	if (m->att && m->matt && m->types) {
		m->n_att = mime_attachments(m->tree, false, m->att, MSG_ATT_MAX);
		for (size_t k = 0; k < m->n_att; k++) {
			const struct mime_part *p = m->att[k].part;
			m->matt[k].name = m->att[k].name;
			snprintf(m->types[k], sizeof m->types[k], "%s/%s", p->type, p->subtype);
			m->matt[k].type = m->types[k];
			m->matt[k].size = p->size;
			m->matt[k].section = p->fetch;
		}
	}
	/* parts the cache holds whole are not fetched */
	struct cache *c = m->v ? m->v->a->o.cache : NULL;
	if (c && cache_usable(c) && m->v->uidvalidity) {
		for (size_t k = 0; k < m->n_parts; k++) {
			struct msg_part *mp = &m->parts[k];
			if (cache_body_get(c, m->v->key, m->v->uidvalidity, m->uid, mp->p->fetch,
					   &mp->raw) == CACHE_OK) {
				mp->got = (uint32_t)buf_len(&mp->raw);
				mp->complete = true;
			}
		}
	}
	fetch_parts(m);
}

static void msg_start(struct loop *loop, void *ctx)
{
	(void)loop;
	struct message *m = ctx;
	m->deferred = false;
	struct imap_session *s = m->v ? view_session(m->v) : NULL;
	if (!s) {
		msg_fail(m, "the folder is not open (offline?)");
		return;
	}
	struct seqset set;
	seqset_init(&set);
	if (seqset_add(&set, m->uid) != SEQSET_OK) {
		seqset_free(&set);
		msg_fail(m, "out of memory");
		return;
	}
	struct imap_fetch_spec spec = {.want = IMAP_FW_UID | IMAP_FW_ENVELOPE | IMAP_FW_BODYSTRUCTURE};
	static const struct imap_fetch_callbacks cb = {.msg = on_struct_msg, .chunk = on_chunk,
						       .done = on_struct_done};
	m->s = s;
	m->op = imap_op_fetch(s, true, &set, &spec, &cb, m);
	if (!m->op)
		m->s = NULL;
	seqset_free(&set);
}

struct message *message_open(struct view *v, uint32_t uid)
{
	if (!v || v->dead || !uid)
		return NULL;
	struct message *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->v = v;
	m->uid = uid;
	m->state = MESSAGE_LOADING;
	buf_init(&m->hdr, 256 * 1024);
	buf_init(&m->text, MSG_TEXT_MAX);
	m->next = v->msgs;
	v->msgs = m;
	msg_publish(m);
	if (loop_defer(v->a->loop, msg_start, m) != 0) {
		m->state = MESSAGE_FAILED;
		snprintf(m->error, sizeof m->error, "out of memory");
		msg_publish(m);
		return m;
	}
	m->deferred = true;
	return m;
}

void message_more(struct message *m)
{
	if (!m || m->op || m->state != MESSAGE_READY)
		return;
	bool any = false;
	for (size_t k = 0; k < m->n_parts; k++)
		if (!m->parts[k].complete)
			any = true;
	if (!any)
		return;
	m->state = MESSAGE_LOADING;
	msg_publish(m);
	fetch_parts(m);
}
