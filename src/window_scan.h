/*
 * window_scan.h
 *	  The engine: everything one call needs to know about a window's
 *	  deliveries, from one pass over its rows and the day summaries.
 */
#ifndef WH_WINDOW_SCAN_H
#define WH_WINDOW_SCAN_H

#include "delivery.h"
#include "index_rows.h"
#include "summary_format.h"
#include "webhook_totals.h"
#include "whanalytics.h"

/* The counters of one UTC hour; hour numbers hours since 2000-01-01 00:00 UTC. */
typedef struct WhHourBucket
{
	int64		hour;
	WhMetrics	metrics;
} WhHourBucket;

/* What a scan collects beside the hour counters. */
#define WH_SCAN_LATENCY 0x01	/* the latency histogram */
#define WH_SCAN_LISTS 0x02		/* the event and failed-URL counts */
#define WH_SCAN_DETAIL (WH_SCAN_LATENCY | WH_SCAN_LISTS)
#define WH_SCAN_OUTCOMES 0x04	/* statuses and retries too (with the detail) */
#define WH_SCAN_WEBHOOKS 0x08	/* each webhook's counters and latency */

/* Everything a window's deliveries add up to. */
typedef struct WhScan
{
	int			parts;			/* WH_SCAN_* */
	WhDetail	detail;			/* events, failed URLs, latency in ms (as the parts say) */
	int64		nhours;			/* hours holding at least one row */
	WhHourBucket *hours;		/* sorted by hour, oldest first */
	WhWebhookSet *webhooks;		/* WH_SCAN_WEBHOOKS only */
	WhRowsIndexes rows;			/* where the caller may read the window's rows
								 * directly (index_rows.c; ntables 0: nowhere) */
} WhScan;

/*
 * What reads a window (WhReadWindow): each row read, and, when sink is set,
 * the summaries of the whole hours (by_hour: every day's detail hour by
 * hour, never the whole day's), or, when slices is set instead, the
 * organization's whole 5-minute slices (no webhook filter); each summary
 * row's day first.
 */
typedef struct WhWindowReader
{
	bool		(*row) (TupleTableSlot *slot, const WhColumnMap *columns, void *arg);
	const WhStateSink *sink;
	void		(*day) (void *arg, int64 day);
	bool		by_hour;
	const WhSliceSink *slices;
} WhWindowReader;

extern bool WhReadWindow(const WhFilter *filter, const WhWindowReader *reader, void *arg,
						 WhRowsIndexes *direct);
extern void WhScanWindow(const WhFilter *filter, int parts, WhScan *scan);
extern bool WhWebhookWanted(const text *wanted, const char *id, int len, bool isnull);
extern void WhScanTotals(const WhScan *scan, WhMetrics *totals);

#endif							/* WH_WINDOW_SCAN_H */
