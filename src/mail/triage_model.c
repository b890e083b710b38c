/* triage_model — what triage needs of the model beyond model.h, read from its internals
 * (account_int.h). Kept in this one file so that a change there touches one place, and so the
 * unit tests can replace it; each of these would make a fine model.h function. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "imap/mutf7.h"
#include "mail/account_int.h"
#include "mail/thread.h"
#include "mail/triage_int.h"

bool tm_gmail(struct account *a)
{
	return a->gmail;
}

const struct config_account *tm_config(struct account *a)
{
	return a->cfg;
}

struct imap_conn_pool *tm_pool(struct account *a)
{
	return a->cfg ? &a->pool : NULL;
}

const char *tm_view_key(struct view *v)
{
	return v->key;
}

char *tm_folder_key(struct account *a, const char *folder)
{
	return acct_folder_key(a, folder);
}

char *tm_folder_name(struct account *a, const char *key)
{
	for (size_t i = 0; i < a->folders.n; i++)
		if (a->folders.v[i].raw && strcmp(a->folders.v[i].raw, key) == 0)
			return strdup(a->folders.v[i].name);
	for (const struct view *v = a->views; v; v = v->next)
		if (!v->dead && strcmp(v->key, key) == 0)
			return strdup(v->folder);
	struct buf b;
	buf_init(&b, 4096);
	char *s = NULL;
	if (mutf7_decode(&b, key, strlen(key), MUTF7_STRICT) == MUTF7_OK)
		s = buf_steal(&b);
	buf_free(&b);
	return s ? s : strdup(key);
}

enum folder_role tm_folder_role(struct account *a, const char *folder)
{
	if (strcmp(folder, "INBOX") == 0)
		return FOLDER_INBOX;
	size_t i = folders_find(&a->folders, folder);
	return i == SIZE_MAX ? FOLDER_NORMAL : a->folders.v[i].role;
}

static bool writable(const struct view *v)
{
	return v->conn == ACCT_FG && !v->a->o.examine;
}

struct view *tm_send_view(struct account *a, const char *key, bool *ready)
{
	struct view *best = NULL;
	*ready = false;
	for (struct view *v = a->views; v; v = v->next) {
		if (v->dead || v->state == VIEW_DETACHED || v->state == VIEW_FAILED ||
		    !writable(v) || strcmp(v->key, key) != 0)
			continue;
		struct imap_session *s = view_session(v);
		if (s && !imap_session_read_only(s)) {
			*ready = true;
			return v;
		}
		if (!best)
			best = v;
	}
	return best;
}

struct view *tm_any_view(struct account *a, const char *key)
{
	for (struct view *v = a->views; v; v = v->next)
		if (!v->dead && strcmp(v->key, key) == 0)
			return v;
	return NULL;
}

bool tm_msg_state(struct view *v, uint32_t uid, struct tm_msg *out)
{
	memset(out, 0, sizeof *out);
	out->message_id = "";
	size_t idx = mbx_find_uid(&v->t, uid);
	const struct mbx_slot *s = idx == SIZE_MAX ? NULL : mbx_get(&v->t, idx);
	if (!s)
		return false;
	out->flags = s->bits & MBX_S_SYSMASK;
	out->flags_known = (s->bits & MBX_S_FLAGS) != 0 || s->rec != NULL;
	if (s->rec) {
		out->labels_known = true;
		out->n_labels = s->rec->n_labels;
		out->labels = (const char *const *)s->rec->labels;
		out->gm_msgid = s->rec->gm_msgid;
		out->message_id = s->rec->message_id ? s->rec->message_id : "";
	}
	return true;
}

void tm_alert(struct account *a, const char *text)
{
	acct_alert(a, "%s", text);
}

size_t triage_thread_uids(struct view *v, size_t pos, uint32_t *out, size_t cap)
{
	if (!v)
		return 0;
	if (v->mode != VIEW_THREADS || !v->th) {
		struct view_row r;
		if (!view_row(v, pos, &r) || !r.uid)
			return 0;
		if (cap)
			out[0] = r.uid;
		return 1;
	}
	uint32_t tid;
	if (thread_order_get(v->th, pos, &tid, 1) != 1)
		return 0;
	size_t total = 0;
	if (thread_walk(v->th, tid, NULL, 0, &total) < 0 || total == 0)
		return 0;
	struct thread_entry *ents = malloc(total * sizeof *ents);
	if (!ents)
		return 0;
	size_t n = 0;
	if (thread_walk(v->th, tid, ents, total, &total) == 0) {
		for (size_t i = 0; i < total; i++) {
			if (ents[i].dummy || ents[i].pending || !ents[i].key || ents[i].key > UINT32_MAX)
				continue;
			if (n < cap)
				out[n] = (uint32_t)ents[i].key;
			n++;
		}
	}
	free(ents);
	return n;
}
