/*
 * webhook_totals.h
 *	  Each webhook's share of a window (SPEC 5.1 "webhooks"): its counters
 *	  and latency histogram, found by webhook_id.
 */
#ifndef WH_WEBHOOK_TOTALS_H
#define WH_WEBHOOK_TOTALS_H

#include "key_counter.h"
#include "latency_hist.h"
#include "whanalytics.h"

/* One webhook's counters and latencies. */
typedef struct WhWebhookTotals
{
	const char *id;				/* NULL for a NULL webhook_id */
	int			len;
	WhMetrics	metrics;
	WhLatencyHist *latency;
} WhWebhookTotals;

/* The webhooks of a window. */
typedef struct WhWebhookSet
{
	MemoryContext context;
	WhCounter  *positions;		/* webhook_id -> its index in items, plus 1 */
	WhWebhookTotals *items;
	int			count;
	int			capacity;
} WhWebhookSet;

extern WhWebhookSet *WhWebhookSetCreate(MemoryContext context);
extern WhWebhookTotals *WhWebhookSetFor(WhWebhookSet *set, const char *id, int len, bool isnull);
extern int	WhWebhookSetRanked(WhWebhookSet *set, WhWebhookTotals **ranked);

#endif							/* WH_WEBHOOK_TOTALS_H */
