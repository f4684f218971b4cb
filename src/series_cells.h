/*
 * series_cells.h
 *	  The cells of webhook_metrics_series (SPEC 5.2): for each bucket and
 *	  key, the counters and the latency histogram of its deliveries.
 */
#ifndef WH_SERIES_CELLS_H
#define WH_SERIES_CELLS_H

#include "key_counter.h"
#include "latency_hist.h"
#include "whanalytics.h"

/* Where a cell is: its bucket's start (microseconds since 2000-01-01 UTC) and its key. */
typedef struct WhSeriesAt
{
	int64		bucket;
	int32		key;			/* WhSeriesKey's number; WH_SERIES_NO_KEY without group_by */
} WhSeriesAt;

/* One bucket's deliveries of one key. */
typedef struct WhSeriesCell
{
	WhSeriesAt	at;
	char		status;			/* simplehash's */
	WhMetrics	metrics;
	WhLatencyBin *bins;			/* latencies as they came, merged now and then; NULL until one */
	int32		nbins;
	int32		capacity;
	int32		merged;			/* bins[0 .. merged - 1] are sorted and distinct */
} WhSeriesCell;

#define WH_SERIES_NO_KEY (-1)

typedef struct WhSeriesCells WhSeriesCells;

extern WhSeriesCells *WhSeriesCellsCreate(MemoryContext context);
extern int32 WhSeriesKey(WhSeriesCells *cells, const char *data, int len, bool isnull);
extern const char *WhSeriesKeyText(WhSeriesCells *cells, int32 key, int *len);
extern WhSeriesCell *WhSeriesCellFor(WhSeriesCells *cells, int64 bucket, int32 key);
extern void WhSeriesCellLatency(WhSeriesCells *cells, WhSeriesCell *cell, int64 value, int64 count);
extern WhSeriesCell *WhSeriesCellFind(WhSeriesCells *cells, int64 bucket, int32 key);
extern int32 WhSeriesCellBins(WhSeriesCell *cell, WhLatencyBin **bins);
extern int64 WhSeriesCellsSorted(WhSeriesCells *cells, WhSeriesCell ***sorted);

#endif							/* WH_SERIES_CELLS_H */
