/*
 * summary_format.h
 *	  The summary of one organization's deliveries in one UTC day, split by
 *	  webhook: the counters of each hour, and the event and failed-URL
 *	  counts and latency histogram ("detail") of the whole day and of each
 *	  hour; and, for the whole organization, the counters and latency
 *	  histogram of each 5-minute slice of the day. Built from rows, merged
 *	  from other summaries, stored as three bytea values (WhStoredDay): the
 *	  day (counters and the day's detail), the hours (each hour's detail)
 *	  and the slices, so whole days never read the hours and hours never
 *	  read the slices; except a small delta's day value, which leaves out
 *	  the day's detail that its few hours' add up to (WhStateHasDayDetail).
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
#define WH_SLICE_USECS (5 * USECS_PER_MINUTE)	/* a slice of the day */
#define WH_SLICES_PER_DAY 288

/* The counters and latency histogram of one 5-minute slice of a day, for every webhook. */
typedef struct WhSlice
{
	WhMetrics	metrics;
	WhLatencyHist *latency;
} WhSlice;

/* One webhook's share of a day's summary. */
typedef struct WhBucket
{
	char	   *webhook;		/* NULL for the NULL webhook_id */
	int			webhook_len;
	WhMetrics	hours[WH_HOURS_PER_DAY];	/* counters of each hour of the day */
	WhDetail   *hour_detail[WH_HOURS_PER_DAY];	/* each hour's (the day's is their sum); NULL until it has one */
} WhBucket;

/* The buckets of one (organization, day), by webhook. */
typedef struct WhBucketSet
{
	MemoryContext context;
	int			count;
	int			capacity;
	WhBucket   *items;
	bool		partial_outcomes;	/* merged a stored value without the outcomes */
	WhSlice   **slices;			/* WH_SLICES_PER_DAY, each NULL until it has one; NULL until any */
	bool		slices_unknown;	/* merged a row without slices: the day has none */
} WhBucketSet;

/* A day's summary as stored: its three values (slices NULL: unknown, written before 1.6). */
typedef struct WhStoredDay
{
	bytea	   *state;
	bytea	   *hours;
	bytea	   *slices;
} WhStoredDay;

/* Receives the slices of a stored day, in order, while they are decoded. */
typedef struct WhSliceSink
{
	/* the counters of one slice (0-287) of the day; the latencies that follow are its */
	void		(*slice) (void *arg, int slice, const WhMetrics *m);
	void		(*latency) (void *arg, int64 value, int64 count);
} WhSliceSink;

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
extern void WhBucketAddChange(WhBucketSet *set, WhBucket *bucket, const WhDelivery *old,
							  int old_hour, const WhDelivery *new, int new_hour, int64 sign);
extern void WhBucketSetAddState(WhBucketSet *set, const WhStoredDay *stored);
extern bool WhStateEncode(const WhBucketSet *set, bool day_detail, WhStoredDay *stored);
extern void WhStateDecode(const bytea *state, int first_hour, int end_hour, bool day_detail,
						  const WhStateSink *sink, void *arg);
extern bool WhStateHasDayDetail(const bytea *state);
extern void WhHoursDecode(const bytea *hours, int first_hour, int end_hour, bool outside,
						  const WhStateSink *sink, void *arg);
extern void WhSlicesDecode(const bytea *slices, int first_slice, int end_slice,
						   const WhSliceSink *sink, void *arg);
extern void WhSummaryCorrupt(const char *what) pg_attribute_noreturn();

#endif							/* WH_SUMMARY_FORMAT_H */
