/*
 * fetch_sched — which rows of a view to fetch next, and in what batches. Pure: no I/O; it works
 * on row positions and asks the caller which rows are missing (not loaded, not requested).
 *
 * Policy (one view):
 *  - VISIBLE: missing rows of the window the UI shows. Always planned at once, whatever is in
 *    flight (the caller sends them with the session's PRIORITY flag so they pass queued work).
 *  - PREFETCH: missing rows within `prefetch` rows after the window, then before it; planned
 *    while fewer than `max_in_flight` batches are in flight.
 *  - FILL: background fill while nothing else of the view is in flight: one batch of
 *    `fill_batch` rows at a time, from the end of the window onwards (older mail), then from the
 *    top, until `fill_max` rows were requested by fill. Changing the window does not reset it.
 *  - A batch holds at most `batch` rows (fill: fill_batch) in at most FS_MAX_RUNS runs of
 *    consecutive positions, so its sequence/UID set text stays short; runs are in ascending
 *    position order.
 *  - fetch_sched_shift() keeps the window on the same messages when rows are inserted or
 *    removed in front of it (new mail at the top of a newest-first list, expunges).
 */
#ifndef SKUA_MAIL_FETCH_SCHED_H
#define SKUA_MAIL_FETCH_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#define FS_MAX_RUNS 32

enum fs_prio {
	FS_VISIBLE = 0,
	FS_PREFETCH = 1,
	FS_FILL = 2,
};

struct fs_run {
	size_t first, count;
};

struct fs_batch {
	enum fs_prio prio;
	size_t n_runs;
	struct fs_run runs[FS_MAX_RUNS];
	size_t rows;
};

struct fs_opts {
	unsigned batch;         /* rows per VISIBLE / PREFETCH batch (default 100) */
	unsigned prefetch;      /* rows on each side of the window (default 50) */
	unsigned fill_batch;    /* rows per FILL batch (default 50; 0 = no fill) */
	unsigned fill_max;      /* rows fill may request in all (default 2000) */
	unsigned max_in_flight; /* PREFETCH only while fewer are in flight (default 4) */
};

struct fetch_sched {
	struct fs_opts o;
	size_t first, count;    /* the window */
	bool has_window;
	unsigned in_flight[3];
	size_t filled;          /* rows fill requested so far */
	size_t fill_pos;        /* where fill looks next */
	bool fill_wrapped;
};

/* o may be NULL (defaults); zero fields take their default except fill_batch (0 = no fill):
 * use fetch_sched_defaults() to start from the defaults. */
void fetch_sched_defaults(struct fs_opts *o);
void fetch_sched_init(struct fetch_sched *fs, const struct fs_opts *o);
/* The UI's window. */
void fetch_sched_window(struct fetch_sched *fs, size_t first, size_t count);
/* Rows were inserted (delta > 0) or removed (delta < 0) at position `at`. */
void fetch_sched_shift(struct fetch_sched *fs, size_t at, long delta);

typedef bool (*fs_missing_fn)(void *ctx, size_t pos);

/* Plans the next batch to send now among n rows. false when nothing should be sent now. The
 * caller marks the batch's rows requested (so missing() turns false for them) and calls
 * fetch_sched_sent(), then asks again until it says false. */
bool fetch_sched_next(struct fetch_sched *fs, size_t n, fs_missing_fn missing, void *ctx,
		      struct fs_batch *out);
void fetch_sched_sent(struct fetch_sched *fs, const struct fs_batch *b);
/* A batch of priority p ended (fetched, failed or cancelled). */
void fetch_sched_done(struct fetch_sched *fs, enum fs_prio p);
/* Forget everything in flight (the view's connection went away); fill starts over. */
void fetch_sched_reset(struct fetch_sched *fs);
unsigned fetch_sched_in_flight(const struct fetch_sched *fs);

#endif
