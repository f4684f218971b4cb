/*
 * latency_hist.c
 *	  Counts whole-millisecond latencies exactly: the first few distinct
 *	  values in a small array (most histograms of a summary's hour or slice
 *	  hold only a few, and making a hash table for each was a tenth of a
 *	  bulk insert's summary work), then in a simplehash table, and,
 *	  for a histogram that merges many (the engine's) once it holds more than
 *	  WH_DENSE_AFTER values, in a dense array of the first WH_DENSE_VALUES
 *	  milliseconds, where adding is one store (a small window never pays for
 *	  the array). Counts
 *	  may be negative while summary deltas are merged; bins that net to zero
 *	  are dropped when the histogram is read. Percentiles over the sorted
 *	  bins equal percentile_cont over the expanded values.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "common/int.h"

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

#define WH_DENSE_VALUES 4096
#define WH_DENSE_AFTER 256
#define WH_SMALL_VALUES 8		/* distinct values kept in the array before the map */

struct WhLatencyHist
{
	MemoryContext context;
	latency_map_hash *map;		/* NULL while the values fit in small */
	uint32		map_size;		/* the map's size when it is made */
	int			nsmall;
	WhLatencyBin small[WH_SMALL_VALUES];
	int64	   *dense;			/* counts of 0 .. WH_DENSE_VALUES - 1, or NULL */
	bool		densify;		/* make dense once the map holds WH_DENSE_AFTER values */
};

/* WhLatencyHistCreate makes an empty histogram in context, sized for about 'size' values. */
WhLatencyHist *
WhLatencyHistCreate(MemoryContext context, uint32 size, bool dense)
{
	WhLatencyHist *hist = MemoryContextAlloc(context, sizeof(WhLatencyHist));

	hist->context = context;
	hist->map = NULL;
	hist->map_size = Max(size, 2 * WH_SMALL_VALUES);
	hist->nsmall = 0;
	hist->dense = NULL;
	hist->densify = dense;
	return hist;
}

/* MakeMap moves the small array's values into a new map. */
static void
MakeMap(WhLatencyHist *hist)
{
	hist->map = latency_map_create(hist->context, hist->map_size, NULL);
	for (int i = 0; i < hist->nsmall; i++)
	{
		bool		found;

		latency_map_insert(hist->map, hist->small[i].value, &found)->count = hist->small[i].count;
	}
	hist->nsmall = 0;
}

/* Densify moves the map's values below WH_DENSE_VALUES into a new dense array. */
static void
Densify(WhLatencyHist *hist)
{
	latency_map_hash *rest = latency_map_create(hist->context, 64, NULL);
	latency_map_iterator it;
	WhLatencyEntry *entry;

	hist->dense = MemoryContextAllocZero(hist->context, WH_DENSE_VALUES * sizeof(int64));
	latency_map_start_iterate(hist->map, &it);
	while ((entry = latency_map_iterate(hist->map, &it)) != NULL)
	{
		bool		found;

		if (entry->value >= 0 && entry->value < WH_DENSE_VALUES)
			hist->dense[entry->value] = entry->count;
		else
			latency_map_insert(rest, entry->value, &found)->count = entry->count;
	}
	latency_map_destroy(hist->map);
	hist->map = rest;
}

/* WhLatencyHistAdd adds count (possibly negative) occurrences of value. */
void
WhLatencyHistAdd(WhLatencyHist *hist, int64 value, int64 count)
{
	bool		found;
	WhLatencyEntry *entry;

	if (hist->dense != NULL && value >= 0 && value < WH_DENSE_VALUES)
	{
		hist->dense[value] += count;
		return;
	}
	if (hist->map == NULL)
	{
		for (int i = 0; i < hist->nsmall; i++)
			if (hist->small[i].value == value)
			{
				hist->small[i].count += count;
				return;
			}
		if (hist->nsmall < WH_SMALL_VALUES)
		{
			hist->small[hist->nsmall].value = value;
			hist->small[hist->nsmall].count = count;
			hist->nsmall++;
			return;
		}
		MakeMap(hist);
	}
	entry = latency_map_insert(hist->map, value, &found);
	if (!found)
		entry->count = 0;
	entry->count += count;
	if (!found && hist->densify && hist->dense == NULL && hist->map->members >= WH_DENSE_AFTER)
		Densify(hist);
}

/*
 * WhLatencyHistChange takes away one value (had: there was one) and adds
 * another (has), times sign; nothing when they are the same value.
 */
void
WhLatencyHistChange(WhLatencyHist *hist, bool had, int64 was, bool has, int64 is, int64 sign)
{
	if (had && has && was == is)
		return;
	if (had)
		WhLatencyHistAdd(hist, was, -sign);
	if (has)
		WhLatencyHistAdd(hist, is, sign);
}

/* WhLatencyHistAddHist adds every bin of another histogram (into and from must differ). */
void
WhLatencyHistAddHist(WhLatencyHist *into, WhLatencyHist *from)
{
	latency_map_iterator it;
	WhLatencyEntry *entry;

	for (int64 v = 0; from->dense != NULL && v < WH_DENSE_VALUES; v++)
		if (from->dense[v] != 0)
			WhLatencyHistAdd(into, v, from->dense[v]);
	for (int i = 0; i < from->nsmall; i++)
		if (from->small[i].count != 0)
			WhLatencyHistAdd(into, from->small[i].value, from->small[i].count);
	if (from->map == NULL)
		return;
	latency_map_start_iterate(from->map, &it);
	while ((entry = latency_map_iterate(from->map, &it)) != NULL)
		if (entry->count != 0)
			WhLatencyHistAdd(into, entry->value, entry->count);
}

/* WhLatencyBinsSort orders bins by value (an inlined sort: the bins of every call are sorted). */
#define ST_SORT WhLatencyBinsSort
#define ST_ELEMENT_TYPE WhLatencyBin
#define ST_COMPARE(a, b) (((a)->value > (b)->value) - ((a)->value < (b)->value))
#define ST_SCOPE
#define ST_DEFINE
#include "lib/sort_template.h"

/* WhLatencyHistBins sets *bins to the non-zero bins sorted by value and returns how many. */
int64
WhLatencyHistBins(WhLatencyHist *hist, WhLatencyBin **bins)
{
	int64		size = (hist->map != NULL ? (int64) hist->map->members : hist->nsmall) +
		(hist->dense != NULL ? WH_DENSE_VALUES : 0);
	WhLatencyBin *out = palloc_extended(Max(size, 1) * sizeof(WhLatencyBin), MCXT_ALLOC_HUGE);
	latency_map_iterator it;
	WhLatencyEntry *entry;
	int64		n = 0;

	for (int64 v = 0; hist->dense != NULL && v < WH_DENSE_VALUES; v++)
	{
		if (hist->dense[v] == 0)
			continue;
		out[n].value = v;
		out[n].count = hist->dense[v];
		n++;
	}

	for (int i = 0; i < hist->nsmall; i++)
		if (hist->small[i].count != 0)
			out[n++] = hist->small[i];
	if (hist->map != NULL)
	{
		latency_map_start_iterate(hist->map, &it);
		while ((entry = latency_map_iterate(hist->map, &it)) != NULL)
		{
			if (entry->count == 0)
				continue;
			out[n].value = entry->value;
			out[n].count = entry->count;
			n++;
		}
	}
	WhLatencyBinsSort(out, n);
	*bins = out;
	return n;
}

/*
 * WhLatencyHistSorted returns the non-zero bins sorted by value and sets *n
 * to how many: a histogram of only a few values sorts them where they are
 * (no copy: *copied false), others give a copy to pfree (as
 * WhLatencyHistBins). For writing each of a summary's many small ones.
 */
const WhLatencyBin *
WhLatencyHistSorted(WhLatencyHist *hist, int64 *n, bool *copied)
{
	WhLatencyBin *bins;
	int			kept = 0;

	if (hist->map != NULL || hist->dense != NULL)
	{
		*copied = true;
		*n = WhLatencyHistBins(hist, &bins);
		return bins;
	}
	/* insertion sort of at most WH_SMALL_VALUES, zero counts dropped */
	for (int i = 0; i < hist->nsmall; i++)
	{
		WhLatencyBin bin = hist->small[i];
		int			j = kept;

		if (bin.count == 0)
			continue;
		for (; j > 0 && hist->small[j - 1].value > bin.value; j--)
			hist->small[j] = hist->small[j - 1];
		hist->small[j] = bin;
		kept++;
	}
	hist->nsmall = kept;
	*copied = false;
	*n = kept;
	return hist->small;
}

/*
 * WhLatencyBinsTotal sets *total to the number of values the bins hold; false
 * when no rows could give them (a count below one, or a total beyond int64):
 * only corrupt summaries can.
 */
bool
WhLatencyBinsTotal(const WhLatencyBin *bins, int64 nbins, int64 *total)
{
	*total = 0;
	for (int64 i = 0; i < nbins; i++)
		if (bins[i].count < 1 || pg_add_s64_overflow(*total, bins[i].count, total))
			return false;
	return true;
}

/* The bins being read, for BinValueAt. */
typedef struct WhBinsAt
{
	const WhLatencyBin *bins;
	int64		nbins;
} WhBinsAt;

/* BinValueAt returns the value at 0-based position 'row' of the expanded bins. */
static double
BinValueAt(const void *arg, int64 row)
{
	const WhBinsAt *at = arg;
	int64		seen = 0;

	for (int64 i = 0; i < at->nbins; i++)
	{
		seen += at->bins[i].count;
		if (row < seen)
			return (double) at->bins[i].value;
	}
	elog(ERROR, "latency histogram has no row " INT64_FORMAT, row);
	return 0;					/* keep compiler quiet */
}

/*
 * WhLatencyBinsStats fills min, max and the percentiles (avg is left to the
 * caller, who sums exactly); the bins must be sorted, non-empty, and hold
 * 'total' values by WhLatencyBinsTotal.
 */
void
WhLatencyBinsStats(const WhLatencyBin *bins, int64 nbins, int64 total, WhValueStats *stats)
{
	WhBinsAt	at = {bins, nbins};

	stats->min = (double) bins[0].value;
	stats->max = (double) bins[nbins - 1].value;
	stats->avg = 0;
	WhFillPercentiles(stats, total, BinValueAt, &at);
}
