/*
 * summary_state.h
 *	  The summary of one organization's deliveries in one UTC day, split by
 *	  webhook: the counters of each hour, the day's event and failed-URL
 *	  counts and latency histogram. Built from rows, merged from other
 *	  summaries, stored as bytea.
 */
#ifndef WH_SUMMARY_STATE_H
#define WH_SUMMARY_STATE_H

#include "counter.h"
#include "delivery.h"
#include "latency_hist.h"
#include "whanalytics.h"

#define WH_HOURS_PER_DAY 24

/* One webhook's share of a day's summary. */
typedef struct WhBucket
{
	char	   *webhook;
	int			webhook_len;
	WhMetrics	hours[WH_HOURS_PER_DAY];	/* counters of each hour of the day */
	WhCounter  *events;
	WhCounter  *failed_urls;
	WhLatencyHist *latency;
} WhBucket;

/* The buckets of one (organization, day), by webhook. */
typedef struct WhBucketSet
{
	MemoryContext context;
	int			count;
	int			capacity;
	WhBucket   *items;
} WhBucketSet;

/* Receives the contents of a stored summary, in order, while it is decoded. */
typedef struct WhStateSink
{
	/* a webhook starts; return false to skip all it holds */
	bool		(*webhook) (void *arg, const char *id, int len);
	/* the counters of one hour (0-23) of the day */
	void		(*hour) (void *arg, int hour, const WhMetrics *m);
	void		(*event) (void *arg, const char *key, int len, bool isnull, int64 count);
	void		(*failed_url) (void *arg, const char *key, int len, bool isnull, int64 count);
	void		(*latency) (void *arg, int64 value, int64 count);
} WhStateSink;

extern WhBucketSet *WhBucketSetCreate(MemoryContext context);
extern WhBucket *WhBucketFor(WhBucketSet *set, const char *webhook, int len);
extern void WhBucketAddDelivery(WhBucket *bucket, const WhDelivery *d, int hour, int64 sign);
extern void WhBucketSetAddState(WhBucketSet *set, const bytea *state);
extern bytea *WhStateEncode(const WhBucketSet *set);
extern void WhStateDecode(const bytea *state, const WhStateSink *sink, void *arg);
extern void WhSummaryCorrupt(const char *what) pg_attribute_noreturn();

#endif							/* WH_SUMMARY_STATE_H */
