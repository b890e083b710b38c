/* mailbox_search — search views (X-GM-RAW on Gmail, translated SEARCH elsewhere) and the
 * UID SEARCH that fills a conversation view; their rows are a UID list fetched lazily. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/mutf7.h"
#include "imap/search.h"
#include "imap/seqset.h"
#include "mail/account_int.h"

static void on_search(void *ctx, const struct imap_search_result *r)
{
	struct view *v = ctx;
	v->setup_op = 0;
	v->setup_s = NULL;
	if (v->dead)
		return;
	if (r->op.status == IMAP_OP_ABORTED || r->op.status == IMAP_OP_TIMEOUT)
		return; /* asked again once the connection is back */
	if (r->op.status != IMAP_OP_OK) {
		char msg[ACCT_ERR_MAX];
		snprintf(msg, sizeof msg, "search failed: %s", r->op.message);
		view_set_state(v, VIEW_FAILED, msg);
		return;
	}
	mbx_clear(&v->t);
	v->t.uid_sorted = true;
	struct seqset_iter it;
	uint32_t uid;
	for (seqset_iter_init(&it, r->all); seqset_iter_next(&it, &uid);) {
		if (v->t.n >= MBX_MAX_ROWS || mbx_append_uid(&v->t, uid) != 0)
			break;
	}
	v->setup_done = true;
	v->state = VIEW_READY;
	view_hold(v);
	if (v->mode == VIEW_THREADS)
		mbx_cut(view_threads_start(v));
	acct_emit_simple(v->a, MODEL_VIEW, v);
	if (!v->dead)
		view_emit_count(v, 0, 0);
	if (!v->dead) {
		if (v->want_count)
			view_want(v, v->want_first, v->want_count);
		else
			view_pump(v);
	}
	view_release(v);
}

void view_setup_run(struct view *v, struct imap_session *s)
{
	if (!v->query) {
		v->setup_done = true;
		return;
	}
	if (v->setup_op)
		return;
	struct imap_search_opts so = {.uid = true};
	if (imap_session_has_cap(s, "ESEARCH"))
		so.ret = IMAP_SEARCH_RET_ALL;
	v->setup_s = s;
	v->setup_op = imap_op_search(s, v->query, &so, on_search, v);
	if (!v->setup_op)
		v->setup_s = NULL;
}

/* The folder a search without one runs in: the foreground view's. */
static const char *current_folder(struct account *a)
{
	const struct acct_conn *fg = &a->conn[ACCT_FG];
	for (const struct view *v = a->views; v; v = v->next)
		if (v->conn == ACCT_FG && v->kind == VIEW_KIND_MAILBOX && !v->dead &&
		    v->state != VIEW_DETACHED && v->state != VIEW_FAILED)
			return v->folder;
	return fg->sel ? fg->sel : "INBOX";
}

struct view *view_search(struct account *a, const char *folder, const char *query,
			 enum view_mode mode, char *err, size_t errlen)
{
	char dummy[8];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	if (!query) {
		snprintf(err, errlen, "no query");
		return NULL;
	}
	const char *cur = current_folder(a);
	if (!folder)
		folder = cur;
	if (!mutf7_utf8_valid(folder, strlen(folder)) || !*folder) {
		snprintf(err, errlen, "the folder name is not UTF-8");
		return NULL;
	}
	struct imap_search *q = imap_search_from_gmail_syntax(query, a->gmail, err, errlen);
	if (!q)
		return NULL;
	int conn = strcmp(folder, cur) == 0 ? ACCT_FG : acct_bg(a)->idx;
	struct view *v = view_new(a, VIEW_KIND_SEARCH, conn, folder, mode);
	if (!v) {
		imap_search_free(&q);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	v->query = q;
	acct_conn_update(&a->conn[conn]);
	return v;
}
