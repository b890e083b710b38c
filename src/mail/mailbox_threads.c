/* mailbox_threads — thread rows over the loaded messages (src/mail/thread.h), server THREAD,
 * and conversations (view_open_thread). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap/encode.h"
#include "imap/search.h"
#include "imap/seqset.h"
#include "loop.h"
#include "mail/account_int.h"
#include "mail/thread.h"

#define ROW_RING 512
#define ADD_CHUNK 256

static void fill_msg(struct thread_msg *tm, const struct mbx_slot *s)
{
	const struct mbx_rec *r = s->rec;
	memset(tm, 0, sizeof *tm);
	tm->key = s->uid;
	tm->message_id = r->message_id;
	tm->in_reply_to = r->in_reply_to;
	tm->references = r->references;
	tm->subject = r->subject;
	tm->date = r->date;
	tm->from_name = r->from;
	tm->from_addr = r->from_addr;
	tm->flags = s->bits & MBX_S_SYSMASK;
	tm->gm_msgid = r->gm_msgid;
	tm->gm_thrid = r->gm_thrid;
	tm->n_labels = r->n_labels;
	tm->labels = (const char *const *)r->labels;
}

struct add_ctx {
	struct thread_ctx *th;
	struct thread_msg buf[ADD_CHUNK];
	size_t n;
};

static int add_each(void *ctx, size_t i, struct mbx_slot *s)
{
	(void)i;
	struct add_ctx *ac = ctx;
	if (!s->rec || !s->uid || (s->bits & MBX_S_HIDDEN))
		return 0;
	fill_msg(&ac->buf[ac->n++], s);
	if (ac->n == ADD_CHUNK) {
		mbx_cut(thread_add(ac->th, ac->buf, ac->n));
		ac->n = 0;
	}
	return 0;
}

static void request_server_threads(struct view *v);

int view_threads_start(struct view *v)
{
	if (v->th)
		return 0;
	struct account *a = v->a;
	struct acct_conn *c = &a->conn[v->conn];
	struct thread_opts o = {.mode = THREAD_JWZ, .order = THREAD_ORDER_DATE};
	if (a->gmail)
		o.mode = THREAD_GMAIL;
	else if (c->s && imap_session_has_cap(c->s, "THREAD=REFERENCES"))
		o.mode = THREAD_SERVER;
	v->th = thread_new(&o);
	if (!v->th)
		return -1;
	v->th_kind = (int)o.mode;
	if (!v->th_rows)
		v->th_rows = calloc(ROW_RING, sizeof *v->th_rows);
	struct add_ctx *ac = malloc(sizeof *ac);
	if (ac) {
		ac->th = v->th;
		ac->n = 0;
		mbx_each(&v->t, add_each, ac);
		if (ac->n)
			mbx_cut(thread_add(v->th, ac->buf, ac->n));
		free(ac);
	}
	struct thread_changes ch;
	thread_changes(v->th, &ch);
	if (o.mode == THREAD_SERVER)
		request_server_threads(v);
	return 0;
}

static void th_emit(struct loop *loop, void *ctx);

void view_threads_stop(struct view *v)
{
	if (v->th_cmd && v->th_s)
		imap_session_cancel(v->th_s, v->th_cmd);
	v->th_cmd = 0;
	v->th_s = NULL;
	if (v->th_emit_pending) {
		loop_defer_cancel(v->a->loop, th_emit, v);
		v->th_emit_pending = false;
		v->a->deferred--;
		v->refs--; /* the caller (view_close / destroy) decides about freeing */
	}
	thread_free(&v->th);
	free(v->th_rows);
	v->th_rows = NULL;
}

void view_threads_add(struct view *v, const struct mbx_slot *s)
{
	if (!v->th || !s->rec || !s->uid || (s->bits & MBX_S_HIDDEN))
		return;
	struct thread_msg tm;
	fill_msg(&tm, s);
	mbx_cut(thread_add(v->th, &tm, 1));
}

void view_threads_remove(struct view *v, uint32_t uid)
{
	if (!v->th)
		return;
	uint64_t key = uid;
	mbx_cut(thread_remove(v->th, &key, 1));
}

void view_threads_flags(struct view *v, const struct mbx_slot *s)
{
	if (v->th && s->uid)
		mbx_cut(thread_set_flags(v->th, s->uid, s->bits & MBX_S_SYSMASK));
}

/* Regrouped rows are reported once per loop turn. */
static void th_emit(struct loop *loop, void *ctx)
{
	(void)loop;
	struct view *v = ctx;
	v->th_emit_pending = false;
	v->a->deferred--;
	/* server threading: the regrouped rows are reported when the THREAD answer is in, so the
	 * list does not show every new message as a thread of its own meanwhile */
	if (!v->dead && v->th && v->th_kind == THREAD_SERVER && v->th_cmd) {
		view_release(v);
		return;
	}
	if (!v->dead && v->th) {
		struct thread_changes ch;
		thread_changes(v->th, &ch);
		if (v->mode == VIEW_THREADS && (ch.n_changed || ch.n_gone || ch.reset)) {
			view_emit_count(v, 0, 0);
			/* more threads may be wanted than the loaded messages make */
			if (!v->dead && v->want_count)
				view_want(v, v->want_first, v->want_count);
		}
	}
	view_release(v);
}

void view_threads_batch_done(struct view *v)
{
	if (!v->th || v->dead)
		return;
	if (v->th_kind == THREAD_SERVER)
		request_server_threads(v);
	if (v->th_emit_pending)
		return;
	if (loop_defer(v->a->loop, th_emit, v) == 0) {
		v->th_emit_pending = true;
		v->a->deferred++;
		view_hold(v);
	}
}

size_t view_threads_count(struct view *v)
{
	return v->th ? thread_count(v->th) : 0;
}

bool view_threads_row(struct view *v, size_t pos, struct view_row *out)
{
	uint32_t tid;
	if (!v->th || thread_order_get(v->th, pos, &tid, 1) != 1)
		return false;
	struct thread_row *tr = v->th_rows ? &v->th_rows[pos % ROW_RING] : NULL;
	struct thread_row local;
	if (!tr)
		tr = &local;
	if (!thread_row(v->th, tid, tr))
		return false;
	out->loaded = true;
	out->uid = (uint32_t)tr->newest_key;
	out->flags = (tr->n_unread == 0 ? IMAP_FLAG_SEEN : 0) | (tr->flagged ? IMAP_FLAG_FLAGGED : 0);
	out->date = tr->newest_date;
	out->subject = tr->subject;
	out->from = tr->n_people ? tr->people[0] : "";
	out->n_msgs = tr->n_msgs;
	out->n_unread = tr->n_unread;
	out->n_people = tr->n_people > VIEW_ROW_PEOPLE ? VIEW_ROW_PEOPLE : tr->n_people;
	for (size_t i = 0; i < out->n_people; i++)
		out->people[i] = tr->people[i];
	out->people_more = tr->people_more;
	if (tr != &local) {
		out->n_labels = tr->n_labels;
		out->labels = tr->labels;
	}
	return true;
}

size_t view_threads_find(struct view *v, uint32_t uid)
{
	if (!v->th)
		return SIZE_MAX;
	uint32_t tid = thread_of(v->th, uid);
	return tid == THREAD_NONE ? SIZE_MAX : thread_order_pos(v->th, tid);
}

void view_threads_window(struct view *v, size_t first, size_t count, size_t *mfirst,
			 size_t *mcount)
{
	size_t n = view_msg_count(v);
	size_t p = v->loaded_prefix;
	while (p < n) {
		size_t idx = view_pos_index(v, p);
		const struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_get(&v->t, idx);
		if (!s || !(s->rec || (s->bits & MBX_S_GONE)))
			break;
		p++;
	}
	v->loaded_prefix = p;
	size_t need = first + count + v->a->o.prefetch;
	size_t batch = v->fs.o.batch;
	size_t extra = view_threads_count(v) < need ? batch : 0;
	size_t mc = p + extra;
	size_t top = batch < n ? batch : n; /* new mail at the top is always looked at */
	if (mc < top)
		mc = top;
	*mfirst = 0;
	*mcount = mc > n ? n : mc;
}

/* ---- server THREAD (RFC 5256) over the loaded messages -------------------------------------- */

struct uid_collect {
	struct seqset *set;
	bool fail;
};

static int collect_uid(void *ctx, size_t i, struct mbx_slot *s)
{
	(void)i;
	struct uid_collect *u = ctx;
	if (s->rec && s->uid && !(s->bits & MBX_S_HIDDEN) && seqset_add(u->set, s->uid) != SEQSET_OK) {
		u->fail = true;
		return 1;
	}
	return 0;
}

static void th_untagged(void *ctx, const struct imap_response *r)
{
	struct view *v = ctx;
	if (r->kind == IMAP_RESP_THREAD && v->th && !v->dead)
		mbx_cut(thread_set_server(v->th, &r->u.thread, 0));
}

static void th_done(void *ctx, const struct imap_result *res)
{
	struct view *v = ctx;
	v->th_cmd = 0;
	v->th_s = NULL;
	if (v->dead || !v->th)
		return;
	if (res->status == IMAP_DONE_OK) {
		if (!v->th_emit_pending && loop_defer(v->a->loop, th_emit, v) == 0) {
			v->th_emit_pending = true;
			v->a->deferred++;
			view_hold(v);
		}
		if (v->th_again) {
			v->th_again = false;
			request_server_threads(v);
		}
	}
}

static void request_server_threads(struct view *v)
{
	if (v->th_cmd) {
		v->th_again = true;
		return;
	}
	if (!view_attached(v))
		return;
	struct imap_session *s = v->a->conn[v->conn].s;
	struct seqset set;
	seqset_init(&set);
	struct uid_collect u = {&set, false};
	mbx_each(&v->t, collect_uid, &u);
	if (u.fail || seqset_is_empty(&set)) {
		seqset_free(&set);
		return;
	}
	struct imap_cmd cmd;
	if (imap_session_cmd_init(s, &cmd, "UID THREAD") == 0) {
		mbx_cut(imap_cmd_add_raw(&cmd, "REFERENCES UTF-8 UID"));
		mbx_cut(imap_cmd_add_seqset(&cmd, &set));
		if (imap_cmd_finish(&cmd) == 0) {
			v->th_s = s;
			v->th_cmd = imap_session_submit(s, &cmd, 0, IMAP_INTEREST(IMAP_RESP_THREAD),
							th_untagged, th_done, v);
			if (!v->th_cmd)
				v->th_s = NULL;
		}
	}
	imap_cmd_free(&cmd);
	seqset_free(&set);
}

/* ---- conversations ------------------------------------------------------------------------ */

static const struct mbx_rec *rec_of_uid(struct view *v, uint32_t uid)
{
	size_t idx = mbx_find_uid(&v->t, uid);
	const struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_get(&v->t, idx);
	return s ? s->rec : NULL;
}

struct view *view_open_thread(struct view *v, size_t pos)
{
	struct account *a = v->a;
	uint32_t tid = THREAD_NONE;
	uint64_t thrid = 0;
	if (v->mode == VIEW_THREADS && v->th) {
		if (thread_order_get(v->th, pos, &tid, 1) != 1)
			return NULL;
		struct thread_row tr;
		if (thread_row(v->th, tid, &tr)) {
			const struct mbx_rec *r = rec_of_uid(v, (uint32_t)tr.newest_key);
			if (r)
				thrid = r->gm_thrid;
		}
	} else {
		size_t idx = view_pos_index(v, pos);
		const struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_get(&v->t, idx);
		if (!s || !s->rec)
			return NULL;
		thrid = s->rec->gm_thrid;
		if (!thrid) {
			if (!v->th && view_threads_start(v) != 0)
				return NULL;
			tid = thread_of(v->th, s->uid);
		}
	}
	if (a->gmail && thrid) {
		/* the whole conversation, sent replies included, lives in the \All folder */
		const struct folder_entry *all = folders_special(&a->folders, FOLDER_ALL);
		struct acct_conn *bg = acct_bg(a);
		bool use_all = all && bg->idx != v->conn;
		struct view *cv = view_new(a, VIEW_KIND_THREAD, use_all ? bg->idx : v->conn,
					   use_all ? all->name : v->folder, VIEW_MESSAGES);
		if (!cv)
			return NULL;
		cv->gm_thrid = thrid;
		cv->query = imap_search_num(IMAP_SK_X_GM_THRID, thrid);
		if (!cv->query) {
			view_close(&cv);
			return NULL;
		}
		acct_conn_update(&a->conn[cv->conn]);
		return cv;
	}
	if (!v->th || tid == THREAD_NONE)
		return NULL;
	size_t total = 0;
	if (thread_walk(v->th, tid, NULL, 0, &total) != 0 || total == 0)
		return NULL;
	struct thread_entry *e = calloc(total, sizeof *e);
	if (!e)
		return NULL;
	size_t n = 0;
	if (thread_walk(v->th, tid, e, total, &n) != 0) {
		free(e);
		return NULL;
	}
	struct view *cv = view_new(a, VIEW_KIND_THREAD, v->conn, v->folder, VIEW_MESSAGES);
	if (!cv) {
		free(e);
		return NULL;
	}
	cv->setup_done = true;
	cv->uidvalidity = v->uidvalidity;
	for (size_t i = 0; i < n && i < total; i++) {
		if (e[i].dummy || !e[i].key || e[i].key > UINT32_MAX)
			continue;
		uint32_t uid = (uint32_t)e[i].key;
		size_t pidx = mbx_find_uid(&v->t, uid);
		const struct mbx_slot *ps = pidx == SIZE_MAX ? NULL : mbx_get(&v->t, pidx);
		if (mbx_append_uid(&cv->t, uid) != 0)
			break;
		struct mbx_slot *s = mbx_get(&cv->t, cv->t.n - 1);
		s->tid = e[i].depth;
		if (e[i].last)
			s->bits |= MBX_S_LAST;
		if (ps) {
			s->bits |= ps->bits & (MBX_S_SYSMASK | MBX_S_FLAGS);
			if (ps->rec)
				mbx_set_rec(&cv->t, s, mbx_rec_dup(ps->rec));
		}
	}
	free(e);
	acct_conn_update(&a->conn[cv->conn]);
	return cv;
}
