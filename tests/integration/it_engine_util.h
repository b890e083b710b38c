/*
 * it_engine_util — helpers of the engine's integration tests (it_engine*.c): the servers the
 * harness started (tests/harness/servers.py exports SKUA_TEST_*), connections through
 * src/imap/connection.h, waiting on the loop with a generous deadline (a hang fails the test
 * with a message; nothing asserts timing), synchronous wrappers around the ops, and the Gmail
 * emulation's JSON control hook.
 */
#ifndef SKUA_IT_ENGINE_UTIL_H
#define SKUA_IT_ENGINE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "imap/connection.h"
#include "imap/ops.h"
#include "imap/seqset.h"
#include "loop.h"

#define IT_DEADLINE_MS 60000

struct it_server {
	const char *name;   /* "dovecot", "gmail", "hoodiecrow" */
	bool gmail;         /* X-GM-EXT-1 */
	unsigned port;      /* plaintext */
	unsigned tls_port;  /* implicit TLS; 0 = none */
	const char *user, *password;
};

extern struct it_server it_dovecot, it_gmail, it_hoodiecrow;
/* Fills the servers from the environment; false if the named one is absent. */
bool it_server_present(const struct it_server *s);
void it_servers_init(void);

/* The loop every test shares. */
extern struct loop *it_loop;

/* Runs the loop until cond holds; past the deadline the test fails naming what. */
#define IT_WAIT(cond, what)                                                                        \
	do {                                                                                       \
		int64_t it_dl_ = loop_now_ms(it_loop) + IT_DEADLINE_MS;                            \
		while (!(cond)) {                                                                  \
			if (loop_now_ms(it_loop) > it_dl_)                                         \
				fail_msg("timed out (%d s) waiting for %s", IT_DEADLINE_MS / 1000, \
					 (what));                                                  \
			loop_run_once(it_loop, 100);                                               \
		}                                                                                  \
	} while (0)

enum it_auth {
	IT_AUTH_PASSWORD,
	IT_AUTH_WRONG_PASSWORD,
	IT_AUTH_XOAUTH2,
	IT_AUTH_WRONG_TOKEN,
};

struct it_conn_opts {
	enum config_tls tls;   /* CONFIG_TLS_IMPLICIT uses the server's TLS port */
	bool no_ca;            /* trust the system store only (the test CA is then unknown) */
	enum it_auth auth;
	bool idle;             /* IDLE when selected and the queue is empty */
	bool condstore;        /* ENABLE CONDSTORE/QRESYNC at login */
	bool utf8;             /* ENABLE UTF8=ACCEPT at login */
	bool no_compress;
};

struct it_conn {
	struct imap_connection *c;
	struct imap_session *s;
	struct config_account acct;
	char host[64], user[128], pwcmd[256], tokcmd[256], ca[1024];
	bool ready;         /* the session reached AUTH */
	bool down;          /* cb->down came */
	char why[1024];     /* cb->down's reason */
	long retry_ms;
	char error[1024];   /* the session's error message */
	/* untagged events seen */
	unsigned n_exists;
	uint32_t last_exists;
	unsigned n_expunge;
	/* wire trace: IDLE */
	unsigned idle_sent, idle_cont;
	bool trace;
};

/* Connects and waits until ready or down. Returns 0 when ready, -1 when it went down. */
int it_connect(struct it_conn *ic, const struct it_server *srv, const struct it_conn_opts *o);
/* Logs out (when connected) and frees. */
void it_close(struct it_conn *ic);

/* ---- synchronous ops (each waits for its result; status returned, details in *out) -------- */

struct it_res {
	bool done;
	enum imap_op_status status;
	enum imap_code_kind code;
	char message[512];
};

enum imap_op_status it_simple(struct it_conn *ic, const char *what,
			      uint32_t (*fn)(struct imap_session *, imap_op_cb, void *));
enum imap_op_status it_mbox(struct it_conn *ic,
			    uint32_t (*fn)(struct imap_session *, const char *, imap_op_cb, void *),
			    const char *mailbox, char *msg, size_t msglen);
enum imap_op_status it_rename(struct it_conn *ic, const char *from, const char *to);

struct it_select {
	struct it_res r;
	uint32_t present, exists, recent, uidvalidity, uidnext, unseen;
	uint64_t highestmodseq;
	bool read_only;
	bool perm_wildcard;
	uint32_t flags_sys, perm_sys;
	struct seqset vanished;
	uint32_t n_fetch;
};
enum imap_op_status it_select(struct it_conn *ic, const char *mailbox, bool examine,
			      const struct imap_select_opts *o, struct it_select *out);
void it_select_free(struct it_select *s);

enum imap_op_status it_status(struct it_conn *ic, const char *mailbox, uint32_t items,
			      struct imap_mailbox_status *out);
uint32_t it_messages(struct it_conn *ic, const char *mailbox); /* STATUS MESSAGES, must succeed */

/* LIST results copied: names, raw names, attributes, status. */
struct it_mbox {
	char name[256], raw[256];
	char delim;
	uint32_t attr;
	bool has_status;
	struct imap_mailbox_status st;
};
struct it_list {
	struct it_res r;
	size_t n;
	struct it_mbox v[512];
};
enum imap_op_status it_list(struct it_conn *ic, bool lsub, const char *ref, const char *pattern,
			    const struct imap_list_opts *o, struct it_list *out);
const struct it_mbox *it_list_find(const struct it_list *l, const char *name);

enum imap_op_status it_append(struct it_conn *ic, const char *mailbox, const char *msg, size_t len,
			      const struct imap_append_opts *o, uint32_t *uidvalidity, uint32_t *uid);

/* One message as FETCH saw it (copied). */
struct it_msg {
	uint32_t seq, uid, present;
	uint32_t flags_sys;
	char flags[512];        /* space-separated */
	int64_t internaldate;
	uint32_t size;
	char subject[512];
	char from[256];
	char body_type[64];     /* BODYSTRUCTURE type/subtype */
	size_t n_body_parts;
	char simple_type[64];   /* BODY type/subtype */
	uint64_t modseq, gm_msgid, gm_thrid;
	char labels[1024];      /* '|'-separated */
	/* sections: data of each spec section, inline or streamed */
	struct {
		char *data;
		size_t len;
		bool seen, streamed;
	} part[8];
};
struct it_fetch {
	struct it_res r;
	size_t n;
	struct it_msg *v;      /* malloc'd */
	size_t cap;
	uint64_t chunk_bytes;
	unsigned chunks;
	struct seqset vanished;
};
enum imap_op_status it_fetch(struct it_conn *ic, bool uid, const char *set,
			     const struct imap_fetch_spec *spec, struct it_fetch *out);
void it_fetch_free(struct it_fetch *f);
const struct it_msg *it_fetch_uid(const struct it_fetch *f, uint32_t uid);

enum imap_op_status it_store(struct it_conn *ic, const char *set, const struct imap_store_opts *o,
			     bool labels, const char *const *v, size_t n, struct it_fetch *msgs,
			     struct seqset *modified);

struct it_search {
	struct it_res r;
	bool esearch;
	uint32_t present, min, max, count;
	uint64_t modseq;
	struct seqset all;
};
/* Takes ownership of q. */
enum imap_op_status it_search(struct it_conn *ic, struct imap_search *q,
			      const struct imap_search_opts *o, struct it_search *out);
void it_search_free(struct it_search *s);

struct it_copy {
	struct it_res r;
	bool has_copyuid, used_move, expunged;
	uint32_t uidvalidity;
	struct seqset src, dst;
};
enum imap_op_status it_copy(struct it_conn *ic, bool move, bool uid, const char *set,
			    const char *mailbox, struct it_copy *out);
void it_copy_free(struct it_copy *c);

enum imap_op_status it_expunge(struct it_conn *ic, const char *uids /* NULL: EXPUNGE */,
			       size_t *n_expunged, struct seqset *vanished);

/* A set from text ("1:5,9"); the returned set lives until the next 8 calls. */
const struct seqset *it_set(const char *text);
/* Text of a set into a static buffer. */
const char *it_set_text(const struct seqset *s);

/* ---- the Gmail emulation's control hook --------------------------------------------------- */
/* Sends one JSON line, returns the reply line (malloc'd, caller frees). Fails the test on I/O
 * errors. */
char *it_gmail_control(const char *json);

/* A test message: multipart/mixed, a text part and an attachment of att_size bytes. */
char *it_make_message(const char *subject_utf8, size_t att_size, size_t *len);

/* The server named by a test's state, or skip() when the harness did not start it. */
const struct it_server *it_need(void **state);

/* Tests in it_engine_ops.c; state is a struct it_server *. */
void test_server_ops(void **state);
void test_mailbox_ops(void **state);
void test_list_special_status(void **state);
void test_select_examine(void **state);
void test_fetch(void **state);
void test_search(void **state);
void test_store(void **state);
void test_copy_move_expunge(void **state);
void test_gmail_ext(void **state);
void test_utf8_accept(void **state);

#endif
