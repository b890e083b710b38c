/*
 * test_ops_util — an in-process transport for the ops tests: a session over a fake connection
 * whose output is captured and whose input the test scripts. No sockets, no timers fire (the
 * loop is never run for long).
 *
 *   struct fake f;
 *   fake_start(&f, "IMAP4rev1 UIDPLUS MOVE");        PREAUTH greeting with those capabilities
 *   imap_op_noop(f.s, cb, &res);
 *   const char *tag = fake_expect(&f, "NOOP");        next line sent, tag stripped and checked
 *   fake_replyf(&f, "%s OK done\r\n", tag);
 *   fake_stop(&f);
 */
#ifndef SKUA_TEST_OPS_UTIL_H
#define SKUA_TEST_OPS_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "imap/session.h"

struct loop;

struct fake {
	struct loop *loop;
	struct imap_session *s;
	struct buf out;       /* bytes the session wrote, not yet taken */
	bool closed;
	char tag[32];         /* the last tag fake_expect() saw */
	char line[65536];     /* the last line fake_expect() saw, tag stripped */
	unsigned untagged;    /* responses the session's untagged callback got */
	char error[512];      /* cb->error's message */
};

/* Starts a session with opts tweaked by tweak (may be NULL) and greets it with PREAUTH and
 * caps; runs setup (answering ENABLE when opts ask for it with `enabled`, may be NULL). */
void fake_start_opts(struct fake *f, const char *caps, const char *enabled,
		     void (*tweak)(struct imap_session_opts *o));
void fake_start(struct fake *f, const char *caps);
void fake_stop(struct fake *f);

/* Feeds server bytes. */
void fake_reply(struct fake *f, const char *data);
void fake_replyn(struct fake *f, const char *data, size_t n);
void fake_replyf(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes the next complete line written (CRLF stripped, tag removed); fails the test when the
 * line without its tag differs from want. Returns the tag (valid until the next call). */
const char *fake_expect(struct fake *f, const char *want);
/* The next line, tag stripped, or NULL if nothing complete is pending. */
const char *fake_next(struct fake *f);
/* Takes n raw bytes (literal data) from the output; fails if fewer are there. */
void fake_take_raw(struct fake *f, const char *want, size_t n);
/* Nothing more was written. */
void fake_expect_nothing(struct fake *f);
/* Makes the session send a pending command held back by a barrier etc. (runs the loop briefly). */
void fake_spin(struct fake *f);

#endif
