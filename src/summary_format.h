/*
 * summary_format.h
 *	  The summary of one organization's deliveries in one UTC day, split by
 *	  webhook: the counters of each hour, and the event and failed-URL
 *	  counts and latency histogram ("detail") of the whole day and of each
 *	  hour. Built from rows, merged from other summaries, stored as two
 *	  bytea values: the day (counters and the day's detail) and the hours
 *	  (each hour's detail), so whole days never read the hours.
 *	  The outcomes (the recovered and gave-up counters and the statuses and
 *	  retries of the detail) came with format version 3: a value of
 *	  version 2, or of 3 merged from one, lacks some of them.
 */
#ifndef WH_SUMMARY_FORMAT_H
#define WH_SUMMARY_FORMAT_H

#include "key_counter.h"
#include "delivery.h"
#include "latency_hist.h"
#include "whanalytics.h"

#define WH_HOURS_PER_DAY 24

/* One webhook's share of a day's summary. */
typedef struct WhBucket
{
	char	   *webhook;		/* NULL for the NULL webhook_id */
	int			webhook_len;
	WhMetrics	hours[WH_HOURS_PER_DAY];	/* counters of each hour of the day */
	WhDetail	day;			/* the detail of the whole day */
	WhDetail   *hour_detail[WH_HOURS_PER_DAY];	/* each hour's; NULL until it has one */
} WhBucket;

/* The buckets of one (organization, day), by webhook. */
typedef struct WhBucketSet
{
	MemoryContext context;
	int			count;
	int			capacity;
	WhBucket   *items;
	bool		partial_outcomes;	/* merged a stored value without the outcomes */
} WhBucketSet;

/* Receives the contents of a stored summary, in order, while it is decoded. */
typedef struct WhStateSink
{
	/* a webhook starts (isnull: the NULL webhook_id); return false to skip all it holds */
	bool		(*webhook) (void *arg, const char *id, int len, bool isnull);
	/* the counters of one hour (0-23) of the day */
	void		(*hour) (void *arg, int hour, const WhMetrics *m);
	void		(*event) (void *arg, const char *key, int len, bool isnull, int64 count);
	void		(*failed_url) (void *arg, const char *key, int len, bool isnull, int64 count);
	void		(*latency) (void *arg, int64 value, int64 count);
	/* optional: the detail that follows is the day's (hour -1) or one hour's */
	void		(*detail) (void *arg, int hour);
	/* optional: a response status and a retries value of the detail */
	void		(*status) (void *arg, int64 value, int64 count);
	void		(*retries) (void *arg, int64 value, int64 count);
	/* optional: a stored value starts; outcomes false when it lacks WH_OUTCOME_VERSION's counts */
	void		(*format) (void *arg, bool outcomes);
} WhStateSink;

extern WhBucketSet *WhBucketSetCreate(MemoryContext context);
extern WhBucket *WhBucketFor(WhBucketSet *set, const char *webhook, int len, bool isnull);
extern void WhBucketAddDelivery(WhBucketSet *set, WhBucket *bucket, const WhDelivery *d,
								int hour, int64 sign);
extern void WhBucketSetAddState(WhBucketSet *set, const bytea *state, const bytea *hours);
extern bool WhStateEncode(const WhBucketSet *set, bytea **state, bytea **hours);
extern void WhStateDecode(const bytea *state, int first_hour, int end_hour, bool day_detail,
						  const WhStateSink *sink, void *arg);
extern void WhHoursDecode(const bytea *hours, int first_hour, int end_hour, bool outside,
						  const WhStateSink *sink, void *arg);
extern void WhSummaryCorrupt(const char *what) pg_attribute_noreturn();

#endif							/* WH_SUMMARY_FORMAT_H */
