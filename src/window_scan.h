/*
 * window_scan.h
 *	  The engine: everything one call needs to know about a window's
 *	  deliveries, from one pass over its rows and the day summaries.
 */
#ifndef WH_WINDOW_SCAN_H
#define WH_WINDOW_SCAN_H

#include "delivery.h"
#include "index_rows.h"
#include "whanalytics.h"

/* The counters of one UTC hour; hour numbers hours since 2000-01-01 00:00 UTC. */
typedef struct WhHourBucket
{
	int64		hour;
	WhMetrics	metrics;
} WhHourBucket;

/* Everything a window's deliveries add up to. */
typedef struct WhScan
{
	bool		detailed;		/* also count events, failed URLs, latency */
	WhDetail	detail;			/* events, failed URLs, latency in ms (detailed only) */
	int64		nhours;			/* hours holding at least one row */
	WhHourBucket *hours;		/* sorted by hour, oldest first */
	WhRowsIndexes rows;			/* where the caller may read the window's rows
								 * directly (index_rows.c; ntables 0: nowhere) */
} WhScan;

extern void WhScanWindow(const WhFilter *filter, bool detailed, WhScan *scan);
extern void WhScanTotals(const WhScan *scan, WhMetrics *totals);

#endif							/* WH_WINDOW_SCAN_H */
