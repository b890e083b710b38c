/* ops_gmail — X-GM-EXT-1: labels in (STORE X-GM-LABELS) and out (FETCH X-GM-LABELS as UTF-8).
 * X-GM-MSGID / X-GM-THRID fetch items are in ops_fetch.c, the X-GM-* search keys in search.h. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "imap/mutf7.h"
#include "imap/ops_int.h"
#include "imap/session.h"

/* System labels ("\Inbox", "\Important") stay as they are; user labels are mailbox names. */
int ops_labels_convert(struct op *op, struct ops_arena *a, const struct imap_strlist *src,
		       const char *const **dst, size_t *n)
{
	*dst = NULL;
	*n = 0;
	if (src->n == 0)
		return 0;
	if (src->n > IMAP_OP_MAX_RESULT / sizeof(char *)) {
		ops_overflow(op);
		return -1;
	}
	const char **v = ops_arena_alloc(a, src->n * sizeof *v);
	if (!v) {
		ops_overflow(op);
		return -1;
	}
	for (size_t i = 0; i < src->n; i++) {
		const struct imap_str *l = &src->v[i];
		if (!l->p) {
			v[i] = "";
		} else if (l->len > 1 && l->p[0] == '\\') {
			v[i] = l->p; /* the parser's, valid as long as the message */
		} else {
			v[i] = ops_mailbox_utf8(op, a, l->p, l->len);
			if (!v[i])
				return -1;
		}
	}
	*dst = v;
	*n = src->n;
	return 0;
}

uint32_t imap_op_store_labels(struct imap_session *s, const struct seqset *set,
			      const struct imap_store_opts *o, const char *const *labels,
			      size_t n, imap_fetch_msg_cb msg, imap_store_cb done, void *ctx)
{
	return ops_store_common(s, set, o, true, labels, n, msg, done, ctx);
}
