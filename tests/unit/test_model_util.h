/*
 * test_model_util — the mail model over in-process fake servers: an account without network
 * connections (account_new_unconnected) whose foreground and background sessions write into
 * buffers the test reads, and read what the test scripts. No sockets; the loop is spun briefly
 * for the model's deferred work.
 *
 *   struct mf f;
 *   mf_start(&f, "IMAP4rev1 X-GM-EXT-1", NULL);   both sessions PREAUTH, then the folder LIST
 *   mf_list(&f, gmail_list);                         answers it
 *   struct view *v = view_open(f.a, "INBOX", VIEW_MESSAGES);
 *   mf_spin(&f);
 *   const char *tag = mf_expect_prefix(&f, 0, "SELECT INBOX");
 *   mf_reply(&f, 0, "* 100 EXISTS\r\n%s OK done\r\n", tag);
 */
#ifndef SKUA_TEST_MODEL_UTIL_H
#define SKUA_TEST_MODEL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mail/model.h"

struct loop;
struct imap_session;

struct mf_conn {
	struct imap_session *s;
	struct buf out;
	bool closed;
	char tag[32];
	char line[65536];
	bool pushed;          /* line/tag hold a line given back by mf_answer_fetches() */
};

#define MF_LOG 4096

struct mf {
	struct loop *loop;
	struct account *a;
	struct mf_conn c[2];
	/* changes seen */
	size_t n_changes;
	struct model_change log[MF_LOG];
	unsigned what;          /* union of every change's bits since mf_clear_changes() */
	/* a shadow of one view's rows the way a UI keeps them: shifted by MODEL_COUNT */
	struct view *shadow_view;
	bool shadow_reset;      /* a MODEL_COUNT with shift 0 came */
	long shadow_shift;      /* sum of shifts */
};

/* Starts with these capabilities on both sessions; o may be NULL (small batches for tests:
 * batch 20, prefetch 10, no fill). */
void mf_start(struct mf *f, const char *caps, const struct account_opts *o);
void mf_stop(struct mf *f);
void mf_spin(struct mf *f);
void mf_reply(struct mf *f, int conn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The next line conn sent (tag stripped), or NULL. */
const char *mf_next(struct mf *f, int conn);
/* The next line must start with want; returns its tag. */
const char *mf_expect_prefix(struct mf *f, int conn, const char *want);
void mf_expect_nothing(struct mf *f, int conn);
/* The bytes conn sent that were not read yet (for looking without taking). */
const char *mf_pending(struct mf *f, int conn);
/* A view of a folder the foreground connection has selected already (no SELECT). */
struct view *mf_reopen(struct mf *f, const char *folder, enum view_mode mode);
void mf_clear_changes(struct mf *f);
/* Answers the LIST the background connection sent at start with these LIST lines (without
 * "* LIST "), e.g. "(\\HasNoChildren) \"/\" \"INBOX\"". NULL-terminated. Then answers the
 * STATUS commands that follow with `messages` each. */
void mf_list(struct mf *f, const char *const *lines, unsigned messages);
/* Opens folder on the foreground connection and answers the SELECT with EXISTS n. */
struct view *mf_open(struct mf *f, const char *folder, enum view_mode mode, uint32_t exists,
		     uint32_t uidvalidity);

/* One FETCH response line for list rows (ENVELOPE etc.); thrid 0 = no Gmail items. */
struct mf_msg {
	uint32_t seq, uid;
	const char *flags;      /* "\\Seen" or "" */
	const char *subject;    /* raw, may hold encoded words */
	const char *from_name;
	const char *msgid, *irt; /* "<a@x>" or NULL */
	uint64_t thrid, msgid_gm;
	int64_t date;           /* unix seconds */
	const char *refs;       /* References header to answer BODY[HEADER.FIELDS (References)] */
	bool attachment;
};
void mf_fetch_line(struct buf *out, const struct mf_msg *m);
/* Answers every FETCH / UID FETCH the connection has sent with msgs from gen(ctx, seq or uid)
 * (false: no such message) and the tagged OK, until nothing is pending or another command
 * comes (left for mf_next()). Returns how many commands it answered. */
size_t mf_answer_fetches(struct mf *f, int conn, bool (*gen)(void *ctx, uint32_t n, bool uid,
							    struct mf_msg *out),
			 void *ctx);

bool mf_row_loaded(struct view *v, size_t first, size_t n);

#endif
