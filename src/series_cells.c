/*
 * series_cells.c
 *	  The cells of a series: a hash table of (bucket, key) to counters and
 *	  latency bins (appended as they come, sorted and merged when the list
 *	  fills and before they are read), where a key (a webhook id, event, URL, status or
 *	  status class as text, or NULL) is numbered once by a key counter; and
 *	  the cells sorted as SPEC 5.2 lists them: by bucket, then key in byte
 *	  order, NULL last.
 */
#include "postgres.h"

#include "common/hashfn.h"

#include "series_cells.h"

#define SH_PREFIX cell_map
#define SH_ELEMENT_TYPE WhSeriesCell
#define SH_KEY_TYPE WhSeriesAt
#define SH_KEY at
#define SH_HASH_KEY(tb, k) murmurhash32((uint32) (k).bucket ^ (uint32) ((uint64) (k).bucket >> 32) ^ \
										((uint32) (k).key * 0x9E3779B1U))
#define SH_EQUAL(tb, a, b) ((a).bucket == (b).bucket && (a).key == (b).key)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct WhSeriesCells
{
	MemoryContext context;
	cell_map_hash *map;
	WhCounter  *key_numbers;	/* a key's text -> its number + 1 */
	const char **key_data;		/* by number; NULL for the NULL key */
	int		   *key_len;
	int32		nkeys;
	int32		key_capacity;
};

/* WhSeriesCellsCreate makes an empty set of cells in context. */
WhSeriesCells *
WhSeriesCellsCreate(MemoryContext context)
{
	WhSeriesCells *cells = MemoryContextAllocZero(context, sizeof(WhSeriesCells));

	cells->context = context;
	cells->map = cell_map_create(context, 256, NULL);
	cells->key_numbers = WhCounterCreate(context, 16);
	cells->key_capacity = 16;
	cells->key_data = MemoryContextAlloc(context, cells->key_capacity * sizeof(char *));
	cells->key_len = MemoryContextAlloc(context, cells->key_capacity * sizeof(int));
	return cells;
}

/* WhSeriesKey numbers a key (its text, or NULL), the same number each time. */
int32
WhSeriesKey(WhSeriesCells *cells, const char *data, int len, bool isnull)
{
	const char *stored;
	int64	   *number = WhCounterSlot(cells->key_numbers, data, len, isnull, &stored);

	if (*number > 0)
		return (int32) (*number - 1);
	if (cells->nkeys == cells->key_capacity)
	{
		cells->key_capacity *= 2;
		cells->key_data = repalloc_huge(cells->key_data, cells->key_capacity * sizeof(char *));
		cells->key_len = repalloc_huge(cells->key_len, cells->key_capacity * sizeof(int));
	}
	cells->key_data[cells->nkeys] = stored;
	cells->key_len[cells->nkeys] = isnull ? 0 : len;
	*number = ++cells->nkeys;
	return cells->nkeys - 1;
}

/* WhSeriesKeyText returns a key's bytes and length, NULL for the NULL key. */
const char *
WhSeriesKeyText(WhSeriesCells *cells, int32 key, int *len)
{
	*len = cells->key_len[key];
	return cells->key_data[key];
}

/* WhSeriesCellFor returns the cell of (bucket, key), made empty when new. */
WhSeriesCell *
WhSeriesCellFor(WhSeriesCells *cells, int64 bucket, int32 key)
{
	WhSeriesAt	k = {bucket, key};
	bool		found;
	WhSeriesCell *cell = cell_map_insert(cells->map, k, &found);

	if (!found)
	{
		memset(&cell->metrics, 0, sizeof(WhMetrics));
		cell->bins = NULL;
		cell->nbins = cell->capacity = cell->merged = 0;
	}
	return cell;
}

/* MergeBins sorts a cell's bins and adds up those of one value (counts that net to zero stay). */
static void
MergeBins(WhSeriesCell *cell)
{
	int32		n = 0;

	if (cell->merged == cell->nbins)
		return;
	WhLatencyBinsSort(cell->bins, cell->nbins);
	for (int32 i = 0; i < cell->nbins; i++)
	{
		if (n > 0 && cell->bins[n - 1].value == cell->bins[i].value)
			cell->bins[n - 1].count += cell->bins[i].count;	/* counts of rows: far from 2^63 */
		else
			cell->bins[n++] = cell->bins[i];
	}
	cell->nbins = cell->merged = n;
}

/*
 * WhSeriesCellLatency adds count latencies of value to a cell: appended,
 * and merged when the list fills, so a cell holds about as many bins as it
 * has distinct values.
 */
void
WhSeriesCellLatency(WhSeriesCells *cells, WhSeriesCell *cell, int64 value, int64 count)
{
	if (cell->nbins == cell->capacity)
	{
		MergeBins(cell);
		if (cell->nbins * 2 >= cell->capacity)
		{
			cell->capacity = Max(cell->capacity * 2, 8);
			cell->bins = cell->bins == NULL ?
				MemoryContextAlloc(cells->context, cell->capacity * sizeof(WhLatencyBin)) :
				repalloc_huge(cell->bins, cell->capacity * sizeof(WhLatencyBin));
		}
	}
	/* values that come in increasing order (an hour's stored bins) stay merged */
	if (cell->merged == cell->nbins &&
		(cell->nbins == 0 || cell->bins[cell->nbins - 1].value < value))
		cell->merged++;
	cell->bins[cell->nbins].value = value;
	cell->bins[cell->nbins].count = count;
	cell->nbins++;
}

/* WhSeriesCellBins sets *bins to a cell's latency bins, sorted by value, none zero, and returns how many. */
int32
WhSeriesCellBins(WhSeriesCell *cell, WhLatencyBin **bins)
{
	int32		n = 0;

	MergeBins(cell);
	for (int32 i = 0; i < cell->nbins; i++)
		if (cell->bins[i].count != 0)
			cell->bins[n++] = cell->bins[i];
	cell->nbins = cell->merged = n;
	*bins = cell->bins;
	return n;
}

/* WhSeriesCellFind returns the cell of (bucket, key), or NULL. */
WhSeriesCell *
WhSeriesCellFind(WhSeriesCells *cells, int64 bucket, int32 key)
{
	WhSeriesAt	k = {bucket, key};

	return cell_map_lookup(cells->map, k);
}

/* The cells being sorted, for the comparator. */
static WhSeriesCells *sorting_cells;

/* CompareCells orders cells by bucket, then key in byte order, NULL last. */
static int
CompareCells(const void *a, const void *b)
{
	const WhSeriesCell *x = *(WhSeriesCell *const *) a;
	const WhSeriesCell *y = *(WhSeriesCell *const *) b;
	int			xl;
	int			yl;
	const char *xd;
	const char *yd;
	int			cmp;

	if (x->at.bucket != y->at.bucket)
		return x->at.bucket < y->at.bucket ? -1 : 1;
	if (x->at.key == y->at.key)
		return 0;
	xd = WhSeriesKeyText(sorting_cells, x->at.key, &xl);
	yd = WhSeriesKeyText(sorting_cells, y->at.key, &yl);
	if (xd == NULL || yd == NULL)
		return (xd == NULL) - (yd == NULL);
	cmp = memcmp(xd, yd, Min(xl, yl));
	if (cmp != 0)
		return cmp;
	return (xl > yl) - (xl < yl);
}

/*
 * WhSeriesCellsSorted sets *sorted to the cells holding deliveries (summary
 * deltas may leave one with none), by bucket and key, and returns how many.
 */
int64
WhSeriesCellsSorted(WhSeriesCells *cells, WhSeriesCell ***sorted)
{
	WhSeriesCell **out = palloc_extended(Max(cells->map->members, 1) * sizeof(WhSeriesCell *),
										 MCXT_ALLOC_HUGE);
	cell_map_iterator it;
	WhSeriesCell *cell;
	int64		n = 0;

	cell_map_start_iterate(cells->map, &it);
	while ((cell = cell_map_iterate(cells->map, &it)) != NULL)
		if (cell->metrics.total != 0)
			out[n++] = cell;
	sorting_cells = cells;
	qsort(out, n, sizeof(WhSeriesCell *), CompareCells);
	sorting_cells = NULL;
	*sorted = out;
	return n;
}
