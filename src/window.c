/*
 * window.c
 *	  Checks the arguments every function shares (organization, window,
 *	  list lengths), turns a period into a window, and numbers UTC hours
 *	  and days. All times are microseconds since 2000-01-01 UTC, so nothing
 *	  here depends on the session's TimeZone.
 */
#include "postgres.h"

#include "common/int.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "window.h"

/* A period of the API: the window's length in 24-hour days, and whether it is the one before. */
typedef struct WhPeriod
{
	const char *name;
	int			days;
	bool		previous;
} WhPeriod;

static const WhPeriod wh_periods[] = {
	{"last_day", 1, false},
	{"last_7_days", 7, false},
	{"last_30_days", 30, false},
	{"last_90_days", 90, false},
	{"last_365_days", 365, false},
	{"prev_last_day", 1, true},
	{"prev_last_7_days", 7, true},
	{"prev_last_30_days", 30, true},
	{"prev_last_90_days", 90, true},
	{"prev_last_365_days", 365, true},
};

#define WH_PERIOD_HINT "Accepted periods are last_day, last_7_days, last_30_days, last_90_days, last_365_days and the same with a prev_ prefix (prev_last_day, ...)."

/* TimestampText renders a timestamptz for an error message. */
static char *
TimestampText(TimestampTz ts)
{
	return DatumGetCString(DirectFunctionCall1(timestamptz_out,
											   TimestampTzGetDatum(ts)));
}

/* WhShortened cuts a long argument to its first 64 bytes (whole characters) for a message. */
const char *
WhShortened(const char *value)
{
	int			len = strlen(value);

	if (len <= 64)
		return value;
	return psprintf("%.*s...", pg_mbcliplen(value, len, 64), value);
}

/*
 * WhPeriodWindow finds the window of the named period ending at a finite
 * as_of, without raising: WH_PERIOD_UNKNOWN for a name not in wh_periods,
 * WH_PERIOD_TOO_EARLY when it would start before the earliest timestamp.
 */
WhPeriodResult
WhPeriodWindow(const char *period, TimestampTz as_of, TimestampTz *from, TimestampTz *to)
{
	const WhPeriod *found = NULL;
	int64		span;

	for (size_t i = 0; i < lengthof(wh_periods); i++)
		if (strcmp(period, wh_periods[i].name) == 0)
			found = &wh_periods[i];
	if (found == NULL)
		return WH_PERIOD_UNKNOWN;
	span = (int64) found->days * USECS_PER_DAY;
	*to = found->previous ? as_of - span : as_of;
	*from = *to - span;
	return IS_VALID_TIMESTAMP(*from) ? WH_PERIOD_OK : WH_PERIOD_TOO_EARLY;
}

/* WhWindowForPeriod sets filter->from/to to the named period ending at as_of. */
void
WhWindowForPeriod(const char *period, TimestampTz as_of, WhFilter *filter)
{
	TimestampTz from;
	TimestampTz to;
	WhPeriodResult result;

	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of must be finite, got %s", TimestampText(as_of)),
				 errhint("Pass a finite timestamptz, such as now().")));
	result = WhPeriodWindow(period, as_of, &from, &to);
	if (result == WH_PERIOD_UNKNOWN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid period \"%s\"", WhShortened(period)),
				 errhint(WH_PERIOD_HINT)));
	if (result == WH_PERIOD_TOO_EARLY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of %s is too early for period \"%s\"",
						TimestampText(as_of), period),
				 errhint("The window must start after 4714-11-24 00:00:00+00 BC.")));
	WhWindowBetween(from, to, filter);
}

/* WhWindowBetween checks that [from_ts, to_ts) is a finite, non-empty window and stores it. */
void
WhWindowBetween(TimestampTz from_ts, TimestampTz to_ts, WhFilter *filter)
{
	if (TIMESTAMP_NOT_FINITE(from_ts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("from_ts must be finite, got %s", TimestampText(from_ts)),
				 errhint("Pass finite timestamps with from_ts < to_ts.")));
	if (TIMESTAMP_NOT_FINITE(to_ts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("to_ts must be finite, got %s", TimestampText(to_ts)),
				 errhint("Pass finite timestamps with from_ts < to_ts.")));
	if (from_ts >= to_ts)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("from_ts %s must be before to_ts %s",
						TimestampText(from_ts), TimestampText(to_ts)),
				 errhint("Pass finite timestamps with from_ts < to_ts; the window is [from_ts, to_ts).")));
	filter->from = from_ts;
	filter->to = to_ts;
}

/* WhPreviousFrom sets *from to the start of the window before [from, to), [from - (to - from), from); false before the earliest timestamp. */
bool
WhPreviousFrom(TimestampTz from, TimestampTz to, TimestampTz *previous_from)
{
	int64		span;

	return !pg_sub_s64_overflow(to, from, &span) &&
		!pg_sub_s64_overflow(from, span, previous_from) && IS_VALID_TIMESTAMP(*previous_from);
}

/*
 * WhWindowPrevious sets previous to filter with the window of the same
 * length just before its own, [from - (to - from), from).
 */
void
WhWindowPrevious(const WhFilter *filter, WhFilter *previous)
{
	TimestampTz from;

	if (!WhPreviousFrom(filter->from, filter->to, &from))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the window before [%s, %s) would start before the earliest timestamp",
						TimestampText(filter->from), TimestampText(filter->to)),
				 errhint("With include => '{previous}' the window must start after 4714-11-24 00:00:00+00 BC plus its own length.")));
	*previous = *filter;
	WhWindowBetween(from, filter->from, previous);
}

/* WhCheckOrganization rejects an empty organization_id. */
void
WhCheckOrganization(text *organization_id)
{
	if (VARSIZE_ANY_EXHDR(organization_id) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("organization_id must not be empty"),
				 errhint("Pass an organization id such as 'org_0196b0e9-11d8-7f26-b1d2-bd47054e4827'.")));
}

/* WhCheckListLength checks that top_n or last_n is between 0 and 1000. */
int
WhCheckListLength(const char *argname, int32 value)
{
	if (value < 0 || value > WH_MAX_LIST_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 0 and %d, got %d",
						argname, WH_MAX_LIST_LENGTH, value),
				 errhint("Pass an integer from 0 to %d.", WH_MAX_LIST_LENGTH)));
	return value;
}
