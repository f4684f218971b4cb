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

/*
 * The call's context, built once at entry (analytics.c, series.c): which
 * deliveries it looks at (one organization, [from, to), maybe one
 * webhook), its arguments checked, and the relation it reads, resolved
 * once. The engine decides once per call whether summaries may answer
 * (summary_trust.c) and reads everything else from here.
 */
typedef struct WhFilter
{
	text	   *organization_id;
	text	   *webhook_id;		/* NULL means every webhook */
	TimestampTz from;
	TimestampTz to;
	const char *events_relation;	/* quoted, qualified; resolved once per call */
	Oid			events_relid;	/* the same relation */
} WhFilter;

/*
 * The counters of one group of deliveries (an hour, a day, a whole window),
 * in stored order, each with the first summary format version that stores
 * it: this one list makes the struct, merging, the zero test and the
 * summary encoder and decoder (summary_format.c). What a delivery adds to
 * each is WhMetricsAddDelivery (delivery.c), what sums rows could give is
 * WhMetricsPossible beside it.
 */
#define WH_METRIC_FIELDS(X) \
	X(total, 2) \
	X(success, 2) \
	X(failed, 2) \
	X(pending, 2) \
	X(retried, 2)		/* rows with retries > 0 */ \
	X(delay_count, 2)	/* rows with a non-NULL delay_ms */ \
	X(delay_sum, 2) \
	X(recovered, 3)		/* retried rows that are success */ \
	X(gave_up, 3)		/* failed rows with done <> 0 */

typedef struct WhMetrics
{
#define WH_METRIC_MEMBER(name, since) int64 name;
	WH_METRIC_FIELDS(WH_METRIC_MEMBER)
#undef WH_METRIC_MEMBER
} WhMetrics;

extern void WhMetricsOverflow(void) pg_attribute_noreturn();

/* WhMetricsAdd adds the counters of 'from' into 'into'; a sum beyond bigint is an error. */
static inline void
WhMetricsAdd(WhMetrics *into, const WhMetrics *from)
{
	bool		overflow = false;

#define WH_METRIC_ADD(name, since) overflow |= pg_add_s64_overflow(into->name, from->name, &into->name);
	WH_METRIC_FIELDS(WH_METRIC_ADD)
#undef WH_METRIC_ADD
	if (unlikely(overflow))
		WhMetricsOverflow();	/* only delay_sum can get there */
}

/* WhMetricsIsZero is true when every counter is zero. */
static inline bool
WhMetricsIsZero(const WhMetrics *m)
{
#define WH_METRIC_ZERO(name, since) && m->name == 0
	return true WH_METRIC_FIELDS(WH_METRIC_ZERO);
#undef WH_METRIC_ZERO
}

/* metrics.c: the derived numbers, rounded as round(numeric, 2) does */
extern Numeric WhRoundTwo(Numeric value);
extern Numeric WhPercent(int64 part, int64 whole);
extern Numeric WhRetryRatePct(const WhMetrics *m);
extern Numeric WhAvgDelayMs(const WhMetrics *m);
extern Numeric WhMeanRounded(Numeric sum, int64 count);
extern Numeric WhFloatRounded(double value);

struct WhLatencyBin;
extern Numeric WhLatencyBinsSum(const struct WhLatencyBin *bins, int64 nbins);

#endif							/* WHANALYTICS_H */
