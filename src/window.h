/*
 * window.h
 *	  Argument checks and time arithmetic: periods, windows, UTC hours and days.
 */
#ifndef WH_WINDOW_H
#define WH_WINDOW_H

#include "datatype/timestamp.h"

#include "whanalytics.h"

#define WH_MAX_LIST_LENGTH 1000

/* What WhPeriodWindow found. */
typedef enum WhPeriodResult
{
	WH_PERIOD_OK,
	WH_PERIOD_UNKNOWN,
	WH_PERIOD_TOO_EARLY
} WhPeriodResult;

#define WH_PERIOD_NAMES "last_day, last_7_days, last_30_days, last_90_days, last_365_days, prev_last_day, prev_last_7_days, prev_last_30_days, prev_last_90_days, prev_last_365_days"

extern WhPeriodResult WhPeriodWindow(const char *period, TimestampTz as_of, TimestampTz *from,
									 TimestampTz *to);
extern void WhWindowForPeriod(const char *period, TimestampTz as_of, WhFilter *filter);
extern void WhWindowBetween(TimestampTz from_ts, TimestampTz to_ts, WhFilter *filter);
extern bool WhPreviousFrom(TimestampTz from, TimestampTz to, TimestampTz *previous_from);
extern void WhWindowPrevious(const WhFilter *filter, WhFilter *previous);
extern void WhCheckOrganization(text *organization_id);
extern const char *WhShortened(const char *value);
extern int	WhCheckListLength(const char *argname, int32 value);

/* WhFloorDiv divides rounding toward minus infinity, for times before 2000. */
static inline int64
WhFloorDiv(int64 value, int64 divisor)
{
	int64		q = value / divisor;

	return (value % divisor < 0) ? q - 1 : q;
}

/* WhHourOf numbers the UTC hour holding ts (hours since 2000-01-01 00:00 UTC). */
static inline int64
WhHourOf(TimestampTz ts)
{
	return WhFloorDiv(ts, USECS_PER_HOUR);
}

/* WhDayOf numbers the UTC day holding ts (days since 2000-01-01, as DateADT). */
static inline int64
WhDayOf(TimestampTz ts)
{
	return WhFloorDiv(ts, USECS_PER_DAY);
}

#endif							/* WH_WINDOW_H */
