/* fetch_sched — batch planning for the lazy message table; see fetch_sched.h. */
#include "config.h"

#include <string.h>

#include "mail/fetch_sched.h"

void fetch_sched_defaults(struct fs_opts *o)
{
	o->batch = 100;
	o->prefetch = 50;
	o->fill_batch = 50;
	o->fill_max = 2000;
	o->max_in_flight = 4;
}

void fetch_sched_init(struct fetch_sched *fs, const struct fs_opts *o)
{
	memset(fs, 0, sizeof *fs);
	struct fs_opts d;
	fetch_sched_defaults(&d);
	if (o) {
		fs->o = *o;
		if (!fs->o.batch)
			fs->o.batch = d.batch;
		if (!fs->o.max_in_flight)
			fs->o.max_in_flight = d.max_in_flight;
	} else {
		fs->o = d;
	}
}

void fetch_sched_window(struct fetch_sched *fs, size_t first, size_t count)
{
	fs->first = first;
	fs->count = count;
	fs->has_window = true;
}

static size_t shift_pos(size_t p, size_t at, long delta)
{
	if (p < at)
		return p;
	if (delta >= 0)
		return p + (size_t)delta;
	size_t d = (size_t)(-delta);
	/* a position inside the removed range lands on `at` */
	return p >= at + d ? p - d : at;
}

void fetch_sched_shift(struct fetch_sched *fs, size_t at, long delta)
{
	if (delta == 0)
		return;
	/* new rows right at the top of a window that starts at the top stay visible */
	if (!(delta > 0 && at == 0 && fs->first == 0))
		fs->first = shift_pos(fs->first, at, delta);
	fs->fill_pos = shift_pos(fs->fill_pos, at, delta);
}

struct collect {
	struct fs_batch *b;
	size_t limit;
	fs_missing_fn missing;
	void *ctx;
};

/* Adds missing rows of [lo, hi) to the batch; false once the batch is full. */
static bool collect(struct collect *c, size_t lo, size_t hi)
{
	struct fs_batch *b = c->b;
	for (size_t p = lo; p < hi; p++) {
		if (b->rows >= c->limit)
			return false;
		if (!c->missing(c->ctx, p))
			continue;
		struct fs_run *last = b->n_runs ? &b->runs[b->n_runs - 1] : NULL;
		if (last && last->first + last->count == p) {
			last->count++;
		} else {
			if (b->n_runs == FS_MAX_RUNS)
				return false;
			b->runs[b->n_runs].first = p;
			b->runs[b->n_runs].count = 1;
			b->n_runs++;
		}
		b->rows++;
	}
	return b->rows < c->limit;
}

/* Runs in ascending order, adjacent ones merged. */
static void normalise(struct fs_batch *b)
{
	for (size_t i = 1; i < b->n_runs; i++) {
		struct fs_run r = b->runs[i];
		size_t j = i;
		while (j > 0 && b->runs[j - 1].first > r.first) {
			b->runs[j] = b->runs[j - 1];
			j--;
		}
		b->runs[j] = r;
	}
	size_t k = 0;
	for (size_t i = 0; i < b->n_runs; i++) {
		if (k && b->runs[k - 1].first + b->runs[k - 1].count == b->runs[i].first)
			b->runs[k - 1].count += b->runs[i].count;
		else
			b->runs[k++] = b->runs[i];
	}
	b->n_runs = k;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

bool fetch_sched_next(struct fetch_sched *fs, size_t n, fs_missing_fn missing, void *ctx,
		      struct fs_batch *out)
{
	memset(out, 0, sizeof *out);
	if (!fs->has_window || n == 0)
		return false;
	size_t first = min_sz(fs->first, n);
	size_t end = first + min_sz(fs->count, n - first);
	struct collect c = {.b = out, .limit = fs->o.batch, .missing = missing, .ctx = ctx};

	out->prio = FS_VISIBLE;
	collect(&c, first, end);
	if (out->rows)
		return true;

	unsigned busy = fetch_sched_in_flight(fs);
	if (busy < fs->o.max_in_flight && fs->o.prefetch) {
		out->prio = FS_PREFETCH;
		size_t after = min_sz(end + fs->o.prefetch, n);
		size_t before = first > fs->o.prefetch ? first - fs->o.prefetch : 0;
		if (collect(&c, end, after))
			collect(&c, before, first);
		if (out->rows) {
			normalise(out);
			return true;
		}
	}

	if (busy || !fs->o.fill_batch || fs->filled >= fs->o.fill_max)
		return false;
	out->prio = FS_FILL;
	c.limit = min_sz(fs->o.fill_batch, fs->o.fill_max - fs->filled);
	/* from the cursor (at least the window's end) to the bottom, then from the top to the
	 * window; the cursor only moves forward, so fill scans each row about once */
	if (!fs->fill_wrapped && fs->fill_pos < end)
		fs->fill_pos = end;
	for (;;) {
		if (!fs->fill_wrapped && fs->fill_pos >= n) {
			fs->fill_wrapped = true;
			fs->fill_pos = 0;
		}
		size_t stop = fs->fill_wrapped ? first : n;
		if (fs->fill_pos >= stop)
			break;
		size_t p = fs->fill_pos;
		if (missing(ctx, p)) {
			struct fs_run *last = out->n_runs ? &out->runs[out->n_runs - 1] : NULL;
			if (last && last->first + last->count == p) {
				last->count++;
			} else {
				if (out->n_runs == FS_MAX_RUNS)
					break;
				out->runs[out->n_runs].first = p;
				out->runs[out->n_runs].count = 1;
				out->n_runs++;
			}
			out->rows++;
		}
		fs->fill_pos = p + 1;
		if (out->rows >= c.limit)
			break;
	}
	return out->rows > 0;
}

void fetch_sched_sent(struct fetch_sched *fs, const struct fs_batch *b)
{
	fs->in_flight[b->prio]++;
	if (b->prio == FS_FILL)
		fs->filled += b->rows;
}

void fetch_sched_done(struct fetch_sched *fs, enum fs_prio p)
{
	if (fs->in_flight[p])
		fs->in_flight[p]--;
}

void fetch_sched_reset(struct fetch_sched *fs)
{
	memset(fs->in_flight, 0, sizeof fs->in_flight);
	fs->filled = 0;
	fs->fill_pos = 0;
	fs->fill_wrapped = false;
}

unsigned fetch_sched_in_flight(const struct fetch_sched *fs)
{
	return fs->in_flight[0] + fs->in_flight[1] + fs->in_flight[2];
}
