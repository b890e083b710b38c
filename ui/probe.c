/* probe — plain-text front end: print what the engine reads from one account; see probe.h. */
#include "config.h"

#include "probe.h"

#include "buf.h"
#include "conf.h"
#include "imap/connection.h"
#include "imap/ops.h"
#include "imap/seqset.h"
#include "loop.h"
#include "mail/charset.h"
#include "mail/rfc2047.h"
#include "sanitize.h"

#include <locale.h>
#include <langinfo.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TEXT_CAP (64u << 10)

struct probe_row {
	uint32_t seq, uid;
	time_t date;
	uint32_t flags;
	uint64_t thrid;
	char *from, *subject, *labels; /* sanitised UTF-8 */
};

struct probe {
	struct loop *loop;
	struct imap_connection *conn;
	struct imap_session *s;
	const struct config_account *acct;
	struct probe_opts o;
	unsigned san_flags;
	bool started, finished, failed;
	bool reported; /* a fatal reason was printed: print one line, not one per layer */
	bool gmail;
	struct probe_row *rows;
	size_t n_rows;
};

/* Sanitised copy of server bytes, optionally RFC 2047-decoded first. Never NULL. */
static char *clean(const struct probe *p, const char *s, size_t len, bool mime_words)
{
	struct buf dec, out;
	buf_init(&dec, TEXT_CAP);
	buf_init(&out, TEXT_CAP);
	if (!s)
		s = "", len = 0;
	if (mime_words && rfc2047_decode(&dec, s, len) == BUF_OK) {
		s = buf_data(&dec);
		len = buf_len(&dec);
	}
	(void)san_text(s, len, p->san_flags, &out); /* a cut at the cap is acceptable here */
	buf_free(&dec);
	char *r = buf_steal(&out);
	return r ? r : strdup("");
}

/* Prints prefix, the sanitised text and a newline. */
static void say(struct probe *p, const char *prefix, const char *text)
{
	char *c = clean(p, text, strlen(text), false);
	fprintf(p->o.out, "%s%s\n", prefix, c);
	free(c);
}

static void finish(struct probe *p, bool failed)
{
	if (p->finished)
		return;
	p->finished = true;
	p->failed = p->failed || failed;
	if (p->conn && p->s && !failed)
		imap_connection_logout(p->conn);
	else
		loop_stop(p->loop);
}

/* Prints the fatal reason, once. */
static void report(struct probe *p, const char *prefix, const char *msg)
{
	if (p->reported)
		return;
	p->reported = true;
	char *m = clean(p, msg, strlen(msg), false);
	fprintf(p->o.err, "skua: %s%s\n", prefix, m);
	free(m);
}

static void op_failed(struct probe *p, const char *what, const struct imap_op_result *r)
{
	char prefix[128];
	snprintf(prefix, sizeof prefix, "%s failed (%s): ", what, imap_op_status_name(r->status));
	report(p, prefix, r->message);
	finish(p, true);
}

/* ---- message rows ---------------------------------------------------------------------- */

static char *address_text(const struct probe *p, const struct imap_addrlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct imap_address *a = &l->v[i];
		if (a->kind != IMAP_ADDR_MAILBOX)
			continue;
		if (a->name.p && a->name.len)
			return clean(p, a->name.p, a->name.len, true);
		char tmp[512];
		snprintf(tmp, sizeof tmp, "%s@%s", a->mailbox.p ? a->mailbox.p : "",
			 a->host.p ? a->host.p : "");
		return clean(p, tmp, strlen(tmp), false);
	}
	return strdup("(nobody)");
}

static void on_fetch_msg(void *ctx, const struct imap_fetch_msg *m)
{
	struct probe *p = ctx;
	struct probe_row *rows = realloc(p->rows, (p->n_rows + 1) * sizeof *rows);
	if (!rows)
		return;
	p->rows = rows;
	struct probe_row *r = &rows[p->n_rows++];
	memset(r, 0, sizeof *r);
	r->seq = m->seq;
	r->uid = m->uid;
	r->date = m->internaldate;
	r->flags = m->flags.sys;
	r->thrid = m->gm_thrid;
	if (m->envelope) {
		r->from = address_text(p, &m->envelope->from);
		r->subject = clean(p, m->envelope->subject.p, m->envelope->subject.len, true);
	} else {
		r->from = strdup("");
		r->subject = strdup("");
	}
	struct buf lb;
	buf_init(&lb, 4096);
	for (size_t i = 0; i < m->n_labels; i++)
		if (buf_printf(&lb, "%s%s", i ? " " : "", m->labels[i]) != BUF_OK)
			break;
	r->labels = clean(p, buf_data(&lb), buf_len(&lb), false);
	buf_free(&lb);
}

/* Pads or cuts sanitised text to exactly cols columns. */
static void put_col(FILE *out, const char *s, int cols)
{
	int used;
	size_t n = text_fit(s, strlen(s), cols, &used);
	fwrite(s, 1, n, out);
	for (; used < cols; used++)
		fputc(' ', out);
}

static void print_rows(struct probe *p)
{
	int width = p->o.width > 40 ? p->o.width : 80;
	int from_w = width >= 100 ? 24 : 18;
	/* newest first: the highest sequence numbers came last */
	for (size_t k = p->n_rows; k-- > 0;) {
		struct probe_row *r = &p->rows[k];
		char date[16] = "          ";
		if (r->date != (time_t)-1) {
			struct tm tm;
			gmtime_r(&r->date, &tm);
			strftime(date, sizeof date, "%Y-%m-%d", &tm);
		}
		fprintf(p->o.out, "%6u %c%c %s  ", r->uid, (r->flags & IMAP_FLAG_SEEN) ? ' ' : 'N',
			(r->flags & IMAP_FLAG_FLAGGED) ? '*' : ' ', date);
		put_col(p->o.out, r->from, from_w);
		fputs("  ", p->o.out);
		put_col(p->o.out, r->subject, width - 7 - 3 - 10 - 2 - from_w - 2);
		fputc('\n', p->o.out);
		if (p->gmail && (r->thrid || r->labels[0])) {
			fprintf(p->o.out, "         thread %llu", (unsigned long long)r->thrid);
			if (r->labels[0]) {
				fputs("  labels: ", p->o.out);
				put_col(p->o.out, r->labels, width - 40 > 10 ? width - 40 : 10);
			}
			fputc('\n', p->o.out);
		}
	}
}

static void on_fetch_done(void *ctx, const struct imap_fetch_result *r)
{
	struct probe *p = ctx;
	if (r->op.status != IMAP_OP_OK) {
		op_failed(p, "FETCH", &r->op);
		return;
	}
	print_rows(p);
	finish(p, false);
}

/* ---- select, list, capabilities ------------------------------------------------------------ */

static void on_select(void *ctx, const struct imap_select_result *r)
{
	struct probe *p = ctx;
	if (r->op.status != IMAP_OP_OK) {
		op_failed(p, "SELECT", &r->op);
		return;
	}
	char *name = clean(p, r->mailbox, strlen(r->mailbox), false);
	fprintf(p->o.out, "\n%s: %u messages", name, r->exists);
	if (r->present & IMAP_SEL_UNSEEN)
		fprintf(p->o.out, ", first unseen %u", r->unseen);
	fprintf(p->o.out, " (UIDVALIDITY %u, UIDNEXT %u)%s\n", r->uidvalidity, r->uidnext,
		r->read_only ? " read-only" : "");
	free(name);
	if (r->exists == 0) {
		finish(p, false);
		return;
	}
	unsigned rows = p->o.rows ? p->o.rows : 20;
	uint32_t lo = r->exists > rows ? r->exists - rows + 1 : 1;
	struct seqset set;
	seqset_init(&set);
	if (seqset_add_range(&set, lo, r->exists) != SEQSET_OK) {
		seqset_free(&set);
		finish(p, true);
		return;
	}
	fprintf(p->o.out, "newest %u (only these were fetched):\n", r->exists - lo + 1);
	struct imap_fetch_spec spec = {
		.want = IMAP_FW_UID | IMAP_FW_FLAGS | IMAP_FW_INTERNALDATE | IMAP_FW_ENVELOPE,
	};
	if (p->gmail)
		spec.want |= IMAP_FW_GM_THRID | IMAP_FW_GM_LABELS;
	static const struct imap_fetch_callbacks cb = {.msg = on_fetch_msg, .done = on_fetch_done};
	imap_op_fetch(p->s, false, &set, &spec, &cb, p);
	seqset_free(&set);
}

static const char *role_of(uint32_t attr)
{
	static const struct { uint32_t bit; const char *name; } roles[] = {
		{IMAP_MBOX_ALL, "all mail"}, {IMAP_MBOX_ARCHIVE, "archive"}, {IMAP_MBOX_DRAFTS, "drafts"},
		{IMAP_MBOX_SENT, "sent"}, {IMAP_MBOX_JUNK, "junk"}, {IMAP_MBOX_TRASH, "trash"},
		{IMAP_MBOX_FLAGGED, "starred"}, {IMAP_MBOX_IMPORTANT, "important"},
	};
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (attr & roles[i].bit)
			return roles[i].name;
	return NULL;
}

static int folder_rank(const struct imap_list_entry *e)
{
	if (!strcasecmp(e->name, "INBOX"))
		return 0;
	return role_of(e->attr) ? 1 : 2;
}

static int cmp_folders(const void *a, const void *b)
{
	const struct imap_list_entry *x = *(const struct imap_list_entry *const *)a;
	const struct imap_list_entry *y = *(const struct imap_list_entry *const *)b;
	int rx = folder_rank(x), ry = folder_rank(y);
	if (rx != ry)
		return rx - ry;
	return strcmp(x->name, y->name);
}

static void on_list(void *ctx, const struct imap_list_result *r)
{
	struct probe *p = ctx;
	if (r->op.status != IMAP_OP_OK) {
		op_failed(p, "LIST", &r->op);
		return;
	}
	const struct imap_list_entry **v = calloc(r->n ? r->n : 1, sizeof *v);
	if (!v) {
		finish(p, true);
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		v[i] = &r->v[i];
	qsort(v, r->n, sizeof *v, cmp_folders);
	fprintf(p->o.out, "\nfolders (%zu):\n", r->n);
	for (size_t i = 0; i < r->n; i++) {
		char *name = clean(p, v[i]->name, strlen(v[i]->name), false);
		const char *role = role_of(v[i]->attr);
		fputs("  ", p->o.out);
		put_col(p->o.out, name, 32);
		if (role)
			fprintf(p->o.out, " [%s]", role);
		if (v[i]->attr & IMAP_MBOX_NOSELECT)
			fputs(" (not selectable)", p->o.out);
		fputc('\n', p->o.out);
		free(name);
	}
	free(v);
	imap_op_select(p->s, p->o.folder ? p->o.folder : "INBOX", NULL, on_select, p);
}

static void on_caps(void *ctx, const struct imap_strings_result *r)
{
	struct probe *p = ctx;
	if (r->op.status != IMAP_OP_OK) {
		op_failed(p, "CAPABILITY", &r->op);
		return;
	}
	struct buf b;
	buf_init(&b, 8192);
	for (size_t i = 0; i < r->n; i++)
		if (buf_printf(&b, "%s%s", i ? " " : "", r->v[i]) != BUF_OK)
			break;
	say(p, "capabilities: ", buf_data(&b));
	buf_free(&b);
	p->gmail = imap_session_is_gmail(p->s);
	if (p->gmail)
		fputs("server: Gmail (X-GM-EXT-1): threads from X-GM-THRID, labels from X-GM-LABELS\n",
		      p->o.out);
	struct imap_list_opts lo = {.ret = IMAP_LIST_RET_SPECIAL_USE};
	imap_op_list(p->s, "", "*", &lo, on_list, p);
}

/* ---- connection ---------------------------------------------------------------------------- */

static void on_state(void *ctx, enum imap_session_state old, enum imap_session_state now)
{
	struct probe *p = ctx;
	fprintf(p->o.err, "skua: %s -> %s\n", imap_session_state_name(old), imap_session_state_name(now));
	if (now == IMAP_SESSION_AUTH && !p->started) {
		p->started = true;
		imap_op_capability(p->s, on_caps, p);
	}
}

static void on_alert(void *ctx, const char *text)
{
	struct probe *p = ctx;
	say(p, "server alert: ", text);
}

static void on_error(void *ctx, const char *msg)
{
	struct probe *p = ctx;
	if (!p->finished)
		report(p, "", msg);
}

static void on_trace(void *ctx, char dir, const char *data, size_t len)
{
	struct probe *p = ctx;
	char *c = clean(p, data, len, false);
	fprintf(p->o.err, "%c %s\n", dir, c);
	free(c);
}

static void on_session_new(void *ctx, struct imap_session *s)
{
	struct probe *p = ctx;
	p->s = s;
}

static void on_down(void *ctx, const char *why, long retry_ms)
{
	struct probe *p = ctx;
	p->s = NULL;
	if (!p->finished) {
		report(p, "", why ? why : "connection closed");
		p->failed = true;
		p->finished = true;
	}
	(void)retry_ms; /* the probe never waits for a reconnect */
	loop_stop(p->loop);
}

int probe_run(const struct config_account *acct, const struct probe_opts *o)
{
	struct probe p = {.acct = acct, .o = *o};
	if (!p.o.out)
		p.o.out = stdout;
	if (!p.o.err)
		p.o.err = stderr;
	const char *cs = nl_langinfo(CODESET);
	if (!cs || (strcasecmp(cs, "UTF-8") && strcasecmp(cs, "utf8")))
		p.san_flags |= SAN_LOCALE_ASCII;
	p.loop = loop_new();
	if (!p.loop) {
		fprintf(p.o.err, "skua: out of memory\n");
		return 1;
	}
	struct imap_connection_opts co;
	imap_connection_opts_init(&co);
	co.reconnect = false;
	co.session.idle = false;
	struct imap_connection_callbacks cb = {
		.session = {.state = on_state, .alert = on_alert, .error = on_error,
			    .trace = o->verbose > 0 ? on_trace : NULL},
		.session_new = on_session_new,
		.down = on_down,
	};
	char err[512];
	fprintf(p.o.out, "account %s: %s@%s:%u\n", acct->name, acct->user, acct->host,
		config_account_port(acct));
	p.conn = imap_connection_new(p.loop, acct, &co, &cb, &p, err, sizeof err);
	if (!p.conn) {
		fprintf(p.o.err, "skua: %s\n", err);
		loop_free(&p.loop);
		return 1;
	}
	loop_run(p.loop);
	imap_connection_free(&p.conn);
	/* let deferred frees run */
	while (loop_run_once(p.loop, 0) > 0)
		;
	loop_free(&p.loop);
	for (size_t i = 0; i < p.n_rows; i++) {
		free(p.rows[i].from);
		free(p.rows[i].subject);
		free(p.rows[i].labels);
	}
	free(p.rows);
	charset_cache_flush();
	return p.failed ? 1 : 0;
}
