/* mailbox_save — message_save_attachment(): an attachment fetched in pieces (BODY.PEEK[section]
 * <origin.length>), transfer-decoded as the bytes arrive (decode_fd.h) into the caller's fd.
 * Saves belong to the view (they go on after the message is closed) and end with it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/ops.h"
#include "imap/seqset.h"
#include "mail/account_int.h"
#include "mail/decode_fd.h"
#include "mail/mime.h"

/* Bytes asked for per FETCH: each literal stays well under the parser's max_literal, and a
 * server that ignores the partial cannot make us loop. */
#define SAVE_PIECE ((uint32_t)4 << 20)

struct msg_save {
	struct msg_save *next;
	struct view *v;
	uint32_t uid;
	char part[64];          /* section to fetch ("" = the whole body) */
	bool text;              /* "...TEXT" */
	uint32_t origin;        /* of the piece in flight */
	uint64_t piece;         /* bytes of the piece in flight */
	uint64_t limit;         /* most encoded bytes accepted in all */
	bool seen;              /* the piece's FETCH response came */
	bool over;              /* more than limit came: nothing more is written */
	struct decode_fd d;
	uint32_t op;
	struct imap_session *s;
	void (*done)(void *ctx, const char *err);
	void *ctx;
};

static void save_unlink(struct msg_save *sv)
{
	for (struct msg_save **p = &sv->v->saves; *p; p = &(*p)->next)
		if (*p == sv) {
			*p = sv->next;
			break;
		}
}

/* Ends the save: done() once, then frees it. */
static void save_end(struct msg_save *sv, const char *why)
{
	if (sv->op && sv->s)
		imap_op_cancel(sv->s, sv->op);
	sv->op = 0;
	save_unlink(sv);
	char err[ACCT_ERR_MAX];
	const char *e = NULL;
	if (!why && decode_fd_finish(&sv->d) != 0)
		why = "";
	if (why) {
		if (!*why)
			snprintf(err, sizeof err, "writing the file failed: %s", strerror(sv->d.err));
		else
			snprintf(err, sizeof err, "%s", why);
		e = err;
	}
	decode_fd_free(&sv->d);
	void (*done)(void *, const char *) = sv->done;
	void *ctx = sv->ctx;
	free(sv);
	if (done)
		done(ctx, e);
}

void message_saves_closing(struct view *v)
{
	while (v->saves)
		save_end(v->saves, "the list was closed before the attachment was saved");
}

static int take(struct msg_save *sv, const char *data, size_t len)
{
	sv->piece += len;
	if (sv->over || sv->d.in + len > sv->limit) {
		sv->over = true;
		return -1;
	}
	return decode_fd_feed(&sv->d, data, len);
}

static void on_msg(void *ctx, const struct imap_fetch_msg *f)
{
	struct msg_save *sv = ctx;
	if (f->uid != sv->uid)
		return;
	for (size_t i = 0; i < f->n_parts; i++) {
		const struct imap_fetch_part *fp = &f->parts[i];
		if (fp->index != 0)
			continue;
		sv->seen = true;
		if (fp->data && !fp->streamed)
			(void)take(sv, fp->data, fp->len); /* an error is reported at the end */
	}
}

static int on_chunk(void *ctx, const struct imap_fetch_chunk *c)
{
	struct msg_save *sv = ctx;
	if ((c->uid && c->uid != sv->uid) || c->index != 0)
		return 0;
	(void)take(sv, c->data, c->len);
	return 0;
}

static int save_piece(struct msg_save *sv);

static void on_done(void *ctx, const struct imap_fetch_result *r)
{
	struct msg_save *sv = ctx;
	sv->op = 0;
	sv->s = NULL;
	char why[ACCT_ERR_MAX];
	if (r->op.status != IMAP_OP_OK) {
		snprintf(why, sizeof why, "fetching the attachment failed: %s", r->op.message);
		save_end(sv, why);
		return;
	}
	if (sv->d.err) {
		save_end(sv, "");
		return;
	}
	if (sv->over) {
		save_end(sv, "the server sent more than the attachment's size: not saved");
		return;
	}
	if (!sv->seen && sv->origin == 0) {
		save_end(sv, "the message is no longer in this folder");
		return;
	}
	if (sv->piece == SAVE_PIECE && sv->origin <= UINT32_MAX - SAVE_PIECE) {
		sv->origin += SAVE_PIECE;
		if (save_piece(sv) != 0)
			save_end(sv, "the folder is not open any more (offline?)");
		return;
	}
	save_end(sv, NULL);
}

static int save_piece(struct msg_save *sv)
{
	struct imap_session *s = view_session(sv->v);
	if (!s)
		return -1;
	struct imap_fetch_section sec = {.part = sv->part[0] ? sv->part : NULL, .peek = true,
					 .partial = true, .origin = sv->origin, .length = SAVE_PIECE};
	if (sv->text)
		sec.text = IMAP_STEXT_TEXT;
	struct imap_fetch_spec spec = {.want = IMAP_FW_UID, .n_sections = 1, .sections = &sec};
	static const struct imap_fetch_callbacks cb = {.msg = on_msg, .chunk = on_chunk, .done = on_done};
	struct seqset set;
	seqset_init(&set);
	if (seqset_add(&set, sv->uid) != SEQSET_OK) {
		seqset_free(&set);
		return -1;
	}
	sv->piece = 0;
	sv->seen = false;
	sv->s = s;
	sv->op = imap_op_fetch(s, true, &set, &spec, &cb, sv);
	seqset_free(&set);
	if (!sv->op) {
		sv->s = NULL;
		return -1;
	}
	return 0;
}

int message_save_attachment(struct message *m, size_t i, int fd,
			    void (*done)(void *ctx, const char *err), void *ctx)
{
	struct view *v = m ? message_view(m) : NULL;
	const struct mime_part *p = m ? message_attachment_part(m, i) : NULL;
	if (!v || v->dead || !p || fd < 0 || !view_session(v))
		return -1;
	struct msg_save *sv = calloc(1, sizeof *sv);
	if (!sv)
		return -1;
	sv->v = v;
	sv->uid = message_info(m)->uid;
	/* "1.2" -> BODY.PEEK[1.2]; "TEXT" / "2.TEXT" -> the text of a (nested) message */
	const char *f = p->fetch ? p->fetch : "";
	size_t fl = strlen(f);
	if (fl >= sizeof sv->part) {
		free(sv);
		return -1;
	}
	if (fl >= 4 && strcmp(f + fl - 4, "TEXT") == 0) {
		sv->text = true;
		fl = fl > 5 ? fl - 5 : 0;
	}
	memcpy(sv->part, f, fl);
	sv->part[fl] = '\0';
	/* servers' sizes are approximate (line ends): generous, but bounded */
	sv->limit = (uint64_t)p->size * 2 + SAVE_PIECE;
	sv->done = done;
	sv->ctx = ctx;
	decode_fd_init(&sv->d, p->encoding, fd);
	if (save_piece(sv) != 0) {
		decode_fd_free(&sv->d);
		free(sv);
		return -1;
	}
	sv->next = v->saves;
	v->saves = sv;
	return 0;
}
