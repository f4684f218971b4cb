/*
 * whanalytics.h
 *	  Types shared by the whanalytics modules: the window filter every query
 *	  takes and the per-hour metric counters every result is built from.
 */
#ifndef WHANALYTICS_H
#define WHANALYTICS_H

#include "postgres.h"

#include "common/int.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* Which deliveries a call looks at: one organization, [from, to), maybe one webhook. */
typedef struct WhFilter
{
	text	   *organization_id;
	text	   *webhook_id;		/* NULL means every webhook */
	TimestampTz from;
	TimestampTz to;
	const char *events_relation;	/* quoted, qualified; resolved once per call */
	Oid			events_relid;	/* the same relation */
} WhFilter;

/* Counters of one group of deliveries (an hour, a day, a whole window). */
typedef struct WhMetrics
{
	int64		total;
	int64		success;
	int64		failed;
	int64		pending;
	int64		retried;		/* rows with retries > 0 */
	int64		delay_count;	/* rows with a non-NULL delay_ms */
	int64		delay_sum;
} WhMetrics;

/* WhMetricsAdd adds the counters of 'from' into 'into'. */
static inline void
WhMetricsAdd(WhMetrics *into, const WhMetrics *from)
{
	into->total += from->total;
	into->success += from->success;
	into->failed += from->failed;
	into->pending += from->pending;
	into->retried += from->retried;
	into->delay_count += from->delay_count;
	if (pg_add_s64_overflow(into->delay_sum, from->delay_sum, &into->delay_sum))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("sum of delay_ms out of range for bigint"),
				 errhint("whanalytics adds delay_ms values in a bigint; keep them below 2^63 in total.")));
}

/* metrics.c: the derived numbers, rounded as round(numeric, 2) does */
extern Numeric WhRoundTwo(Numeric value);
extern Numeric WhRetryRatePct(const WhMetrics *m);
extern Numeric WhAvgDelayMs(const WhMetrics *m);
extern Numeric WhMeanRounded(Numeric sum, int64 count);
extern Numeric WhFloatRounded(double value);

#endif							/* WHANALYTICS_H */
