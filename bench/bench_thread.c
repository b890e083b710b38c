/*
 * bench_thread — threading cost for 10k, 100k and 1M synthetic messages (src/mail/thread.h).
 * Messages are fed in batches of 1,000 as the fetch scheduler would, with thread_changes() and
 * the first screen of thread_order_get() asked for after each batch like the list pane does. Prints time, messages per
 * second and the context's bytes per message (structures and interned strings separately).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/thread.h"

enum { BATCH = 1000, REFS = 6 };

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The shape of a synthetic mailbox: 30% new conversations, replies to recent messages. */
struct mbox {
	size_t n;
	int32_t *parent;
	uint32_t *topic;
	uint32_t *order; /* the order messages are fed in */
};

static int mbox_make(struct mbox *mb, size_t n, bool shuffled)
{
	uint64_t rng = 12345;
	mb->n = n;
	mb->parent = malloc(n * sizeof *mb->parent);
	mb->topic = malloc(n * sizeof *mb->topic);
	mb->order = malloc(n * sizeof *mb->order);
	if (!mb->parent || !mb->topic || !mb->order)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || rnd(&rng) % 100 < 30) {
			mb->parent[i] = -1;
			mb->topic[i] = (uint32_t)(rnd(&rng) % (n / 4 + 1));
		} else {
			size_t back = 1 + rnd(&rng) % (i < 3000 ? i : 3000);
			mb->parent[i] = (int32_t)(i - back);
			mb->topic[i] = mb->topic[i - back];
		}
		mb->order[i] = (uint32_t)i;
	}
	if (shuffled)
		for (size_t i = n; i > 1; i--) {
			size_t j = rnd(&rng) % i;
			uint32_t t = mb->order[i - 1];
			mb->order[i - 1] = mb->order[j];
			mb->order[j] = t;
		}
	return 0;
}

static void mbox_free(struct mbox *mb)
{
	free(mb->parent);
	free(mb->topic);
	free(mb->order);
}

struct slot {
	char id[24], subject[40], refs[REFS * 24], name[16], addr[32], label[16];
	const char *labels[1];
};

/* Fills message i of the mailbox (strings in *s, reused per batch). */
static void fill(const struct mbox *mb, size_t i, struct slot *s, struct thread_msg *m, bool gmail)
{
	snprintf(s->id, sizeof s->id, "<m%zu@bench>", i);
	snprintf(s->subject, sizeof s->subject, "%sTopic %u", mb->parent[i] < 0 ? "" : "Re: ", mb->topic[i]);
	int32_t anc[REFS];
	int na = 0;
	for (int32_t p = mb->parent[i]; p >= 0 && na < REFS; p = mb->parent[p])
		anc[na++] = p;
	size_t len = 0;
	s->refs[0] = '\0';
	for (int k = na; k-- > 0;)
		len += (size_t)snprintf(s->refs + len, sizeof s->refs - len, "%s<m%d@bench>", len ? " " : "", anc[k]);
	uint32_t who = (uint32_t)(i * 2654435761u % 500);
	snprintf(s->name, sizeof s->name, "Person %u", who);
	snprintf(s->addr, sizeof s->addr, "p%u@example.org", who);
	snprintf(s->label, sizeof s->label, "label%u", (unsigned)(i % 20));
	s->labels[0] = s->label;
	/* the root of the conversation names its Gmail thread */
	size_t root = i;
	while (mb->parent[root] >= 0)
		root = (size_t)mb->parent[root];
	*m = (struct thread_msg){
		.key = i + 1, .message_id = s->id, .references = na ? s->refs : NULL,
		.subject = s->subject, .date = 1600000000 + (int64_t)i * 60,
		.from_name = s->name, .from_addr = s->addr, .flags = i % 3 ? IMAP_FLAG_SEEN : 0,
		.labels = s->labels, .n_labels = 1,
		.gm_msgid = gmail ? 1000000 + i : 0, .gm_thrid = gmail ? 1000000 + root : 0,
	};
}

static int run(const char *what, enum thread_mode mode, size_t n, bool shuffled)
{
	struct mbox mb;
	struct slot *slots = malloc(BATCH * sizeof *slots);
	struct thread_msg *batch = malloc(BATCH * sizeof *batch);
	struct thread_opts o = { .mode = mode };
	struct thread_ctx *ctx = thread_new(&o);
	if (!slots || !batch || !ctx || mbox_make(&mb, n, shuffled) < 0) {
		fprintf(stderr, "bench_thread: out of memory\n");
		return -1;
	}
	double add_ms = 0, order_ms = 0;
	for (size_t i = 0; i < n; i += BATCH) {
		size_t k = n - i < BATCH ? n - i : BATCH;
		for (size_t j = 0; j < k; j++)
			fill(&mb, mb.order[i + j], &slots[j], &batch[j], mode == THREAD_GMAIL);
		double t0 = now_ms();
		if (thread_add(ctx, batch, k) < 0) {
			fprintf(stderr, "bench_thread: thread_add failed\n");
			return -1;
		}
		double t1 = now_ms();
		struct thread_changes ch;
		thread_changes(ctx, &ch);
		uint32_t screen[50];
		(void)thread_order_get(ctx, 0, screen, 50);
		double t2 = now_ms();
		add_ms += t1 - t0;
		order_ms += t2 - t1;
	}
	/* the first screen: 50 rows */
	uint32_t order[50];
	size_t nt = thread_count(ctx), got = thread_order_get(ctx, 0, order, 50);
	double t0 = now_ms();
	for (size_t i = 0; i < got; i++) {
		struct thread_row row;
		thread_row(ctx, order[i], &row);
	}
	double rows_ms = now_ms() - t0;
	size_t st, sb;
	thread_mem_usage(ctx, &st, &sb);
	printf("%-14s %8zu %10.1f %10.0f %10.1f %8.3f %10.0f %10.0f %9zu\n", what, n, add_ms,
	       (double)n / (add_ms / 1e3), order_ms, rows_ms, (double)st / (double)n,
	       (double)sb / (double)n, nt);
	thread_free(&ctx);
	mbox_free(&mb);
	free(slots);
	free(batch);
	return 0;
}

int main(void)
{
	static const size_t sizes[] = { 10000, 100000, 1000000 };
	printf("%-14s %8s %10s %10s %10s %8s %10s %10s %9s\n", "mode", "msgs", "add ms", "msgs/s",
	       "order ms", "50 rows", "B/msg", "str B/msg", "threads");
	for (size_t i = 0; i < 3; i++)
		if (run("jwz", THREAD_JWZ, sizes[i], false) < 0)
			return 1;
	for (size_t i = 0; i < 3; i++)
		if (run("jwz shuffled", THREAD_JWZ, sizes[i], true) < 0)
			return 1;
	for (size_t i = 0; i < 3; i++)
		if (run("gmail", THREAD_GMAIL, sizes[i], false) < 0)
			return 1;
	return 0;
}
