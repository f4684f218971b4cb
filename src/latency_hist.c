/*
 * latency_hist.c
 *	  Counts whole-millisecond latencies exactly in a simplehash table. Counts
 *	  may be negative while summary deltas are merged; bins that net to zero
 *	  are dropped when the histogram is read. Percentiles over the sorted
 *	  bins equal percentile_cont over the expanded values.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"

#include "latency_hist.h"

typedef struct WhLatencyEntry
{
	int64		value;
	char		status;
	int64		count;
} WhLatencyEntry;

#define SH_PREFIX latency_map
#define SH_ELEMENT_TYPE WhLatencyEntry
#define SH_KEY_TYPE int64
#define SH_KEY value
#define SH_HASH_KEY(tb, key) murmurhash32((uint32) (key) ^ (uint32) ((uint64) (key) >> 32))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct WhLatencyHist
{
	latency_map_hash *map;
};

/* WhLatencyHistCreate makes an empty histogram in context, sized for about 'size' values. */
WhLatencyHist *
WhLatencyHistCreate(MemoryContext context, uint32 size)
{
	WhLatencyHist *hist = MemoryContextAlloc(context, sizeof(WhLatencyHist));

	hist->map = latency_map_create(context, size, NULL);
	return hist;
}

/* WhLatencyHistAdd adds count (possibly negative) occurrences of value. */
void
WhLatencyHistAdd(WhLatencyHist *hist, int64 value, int64 count)
{
	bool		found;
	WhLatencyEntry *entry = latency_map_insert(hist->map, value, &found);

	if (!found)
		entry->count = 0;
	entry->count += count;
}

/* CompareBins orders bins by value. */
static int
CompareBins(const void *a, const void *b)
{
	int64		x = ((const WhLatencyBin *) a)->value;
	int64		y = ((const WhLatencyBin *) b)->value;

	return (x > y) - (x < y);
}

/* WhLatencyHistBins sets *bins to the non-zero bins sorted by value and returns how many. */
int64
WhLatencyHistBins(WhLatencyHist *hist, WhLatencyBin **bins)
{
	WhLatencyBin *out = palloc_extended(Max(hist->map->members, 1) * sizeof(WhLatencyBin),
										MCXT_ALLOC_HUGE);
	latency_map_iterator it;
	WhLatencyEntry *entry;
	int64		n = 0;

	latency_map_start_iterate(hist->map, &it);
	while ((entry = latency_map_iterate(hist->map, &it)) != NULL)
	{
		if (entry->count == 0)
			continue;
		out[n].value = entry->value;
		out[n].count = entry->count;
		n++;
	}
	qsort(out, n, sizeof(WhLatencyBin), CompareBins);
	*bins = out;
	return n;
}

/* WhLatencyBinsTotal is the number of values the bins hold. */
int64
WhLatencyBinsTotal(const WhLatencyBin *bins, int64 nbins)
{
	int64		total = 0;

	for (int64 i = 0; i < nbins; i++)
		total += bins[i].count;
	return total;
}

/* ValueAt returns the value at 0-based position 'row' of the expanded sorted values. */
static double
ValueAt(const WhLatencyBin *bins, int64 nbins, int64 row)
{
	int64		seen = 0;

	for (int64 i = 0; i < nbins; i++)
	{
		seen += bins[i].count;
		if (row < seen)
			return (double) bins[i].value;
	}
	elog(ERROR, "latency histogram has no row " INT64_FORMAT, row);
	return 0;					/* keep compiler quiet */
}

/* Percentile is percentile_cont(fraction) over the bins, as PostgreSQL computes it. */
static double
Percentile(const WhLatencyBin *bins, int64 nbins, int64 total, double fraction)
{
	double		position = fraction * (total - 1);
	int64		first = (int64) floor(position);
	int64		second = (int64) ceil(position);
	double		low = ValueAt(bins, nbins, first);
	double		high;

	if (first == second)
		return low;
	high = ValueAt(bins, nbins, second);
	return low + (high - low) * (position - first);
}

/*
 * WhLatencyBinsStats fills min, max and the percentiles (avg is left to the
 * caller, who sums exactly); the bins must be sorted, non-empty, with
 * positive counts.
 */
void
WhLatencyBinsStats(const WhLatencyBin *bins, int64 nbins, WhValueStats *stats)
{
	int64		total = WhLatencyBinsTotal(bins, nbins);

	stats->min = (double) bins[0].value;
	stats->max = (double) bins[nbins - 1].value;
	stats->avg = 0;
	stats->p50 = Percentile(bins, nbins, total, 0.5);
	stats->p90 = Percentile(bins, nbins, total, 0.9);
	stats->p95 = Percentile(bins, nbins, total, 0.95);
	stats->p99 = Percentile(bins, nbins, total, 0.99);
}
