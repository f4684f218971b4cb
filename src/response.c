/*
 * response.c
 *	  Assembles the analytics response: runs the window scan and the query
 *	  of the newest rows and webhook totals (one snapshot, inside SPI) and lays their
 *	  results out as the API's jsonb, field by field as SPEC section 3 says,
 *	  with the window before it when include asks (SPEC 5.1 previous; the
 *	  other parts are response_parts.c's).
 */
#include "postgres.h"

#include "common/int.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "columns.h"
#include "foreign_shards.h"
#include "jsonb_build.h"
#include "queries.h"
#include "response.h"
#include "response_parts.h"
#include "latency_hist.h"
#include "window_scan.h"
#include "settings.h"
#include "summary_format.h"
#include "window.h"

/* The numbers day_metrics reports for a window, and the counters they come from. */
typedef struct WhDayReport
{
	WhMetrics	totals;
	Numeric		retry_rate_pct;
	Numeric		avg_delay_ms;
} WhDayReport;

/* The numbers latency reports: whole-millisecond min and max, the others rounded; all 0 when none. */
typedef struct WhLatencyReport
{
	int64		min;
	int64		max;
	Numeric		rounded[5];		/* avg, p50, p90, p95, p99 */
	bool		any;
} WhLatencyReport;

static const char *const wh_latency_rounded[] = {"avg", "p50", "p90", "p95", "p99"};

/* DayReport is what day_metrics reports for a window's counters. */
static void
DayReport(const WhMetrics *totals, WhDayReport *report)
{
	report->totals = *totals;
	report->retry_rate_pct = WhRetryRatePct(&report->totals);
	report->avg_delay_ms = WhAvgDelayMs(&report->totals);
}

/* PutDayMetrics writes a day_metrics object: the window's counts, retry rate and average delay. */
static void
PutDayMetrics(WhJson *json, const WhDayReport *report)
{
	WhJsonBeginObject(json, "day_metrics");
	WhJsonPutInt(json, "total", report->totals.total);
	WhJsonPutInt(json, "success", report->totals.success);
	WhJsonPutInt(json, "failed", report->totals.failed);
	WhJsonPutInt(json, "pending", report->totals.pending);
	WhJsonPutNumeric(json, "retry_rate_pct", report->retry_rate_pct);
	WhJsonPutNumeric(json, "avg_delay_ms", report->avg_delay_ms);
	WhJsonEndObject(json);
}

/* PutTop writes an array of {name: value, "count": n} for the top n of a counter. */
static void
PutTop(WhJson *json, const char *key, const char *name,
	   WhCounter *counter, int n)
{
	WhCount    *top;
	int			count = WhCounterTop(counter, INT_MAX, &top);

	/* sorted by count, so the last is the smallest; rows only ever add */
	if (count > 0 && top[count - 1].count < 0)
		WhSummaryCorrupt("an event or failed-URL count below zero");
	count = Min(count, n);
	WhJsonBeginArray(json, key);
	for (int i = 0; i < count; i++)
	{
		WhJsonBeginObject(json, NULL);
		if (top[i].isnull)
			WhJsonPutNull(json, name);
		else
			WhJsonPutString(json, name, top[i].data, top[i].len);
		WhJsonPutInt(json, "count", top[i].count);
		WhJsonEndObject(json);
	}
	WhJsonEndArray(json);
}

/* PutHourly writes hourly_metrics: each UTC hour holding rows, oldest first. */
static void
PutHourly(WhJson *json, const WhScan *scan)
{
	WhJsonBeginArray(json, "hourly_metrics");
	for (int64 i = 0; i < scan->nhours; i++)
	{
		WhJsonBeginObject(json, NULL);
		WhJsonPutHour(json, "hour", scan->hours[i].hour);
		WhJsonPutInt(json, "count", scan->hours[i].metrics.total);
		WhJsonEndObject(json);
	}
	WhJsonEndArray(json);
}

/* PutTotals writes total: the webhooks and their subscribed events, whatever the window. */
static void
PutTotals(WhJson *json, const WhNewest *newest)
{
	WhJsonBeginObject(json, "total");
	WhJsonPutInt(json, "webhooks", newest->webhooks);
	WhJsonPutInt(json, "events_subscribed", newest->events_subscribed);
	WhJsonEndObject(json);
}

/* CompareKeys orders column indexes as jsonb orders object keys: shorter first, then bytewise. */
static int
CompareKeys(const void *a, const void *b)
{
	const char *x = wh_event_columns[*(const int *) a].name;
	const char *y = wh_event_columns[*(const int *) b].name;
	size_t		lx = strlen(x);
	size_t		ly = strlen(y);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return memcmp(x, y, lx);
}

/*
 * KeyOrder lists the columns in jsonb's key order, made once: put in that
 * order, an object's keys are found sorted and cost no sorting.
 */
static const int *
KeyOrder(void)
{
	static int	order[WH_NCOLUMNS];
	static bool made = false;

	if (!made)
	{
		for (int i = 0; i < WH_NCOLUMNS; i++)
			order[i] = i;
		qsort(order, WH_NCOLUMNS, sizeof(int), CompareKeys);
		made = true;
	}
	return order;
}

/* PutLastEvent writes one of the newest rows (every column) as an object, keys in order. */
static void
PutLastEvent(WhJson *json, const WhEventValues *row, const int *order)
{
	WhJsonBeginObject(json, NULL);
	for (int i = 0; i < WH_NCOLUMNS; i++)
	{
		int			col = order[i];
		const char *name = wh_event_columns[col].name;
		Datum		value = row->values[col];

		if (row->nulls[col])
		{
			WhJsonPutNull(json, name);
			continue;
		}
		switch (wh_event_columns[col].kind)
		{
			case WH_KIND_TEXT:
				WhJsonPutText(json, name, value, false);
				break;
			case WH_KIND_JSON:
				WhJsonPutJsonb(json, name, value, false);
				break;
			case WH_KIND_INTEGER:
				WhJsonPutInt(json, name, DatumGetInt64(value));
				break;
			case WH_KIND_TIMESTAMPTZ:
				WhJsonPutTimestamp(json, name, DatumGetTimestampTz(value), false);
				break;
		}
	}
	WhJsonEndObject(json);
}

/* PutLastEvents writes last_events: the newest last_n rows of the window. */
static void
PutLastEvents(WhJson *json, const WhNewest *newest, int last_n)
{
	WhJsonBeginArray(json, "last_events");
	for (int i = 0; i < newest->nrows && i < last_n; i++)
		PutLastEvent(json, &newest->rows[i], KeyOrder());
	WhJsonEndArray(json);
}

/* LatencyReport is what latency reports for a histogram of latencies. */
static void
LatencyReport(WhLatencyHist *latency, WhLatencyReport *report)
{
	WhLatencyBin *bins;
	int64		nbins = WhLatencyHistBins(latency, &bins);
	int64		total;
	WhValueStats stats;
	const double *quantiles[] = {&stats.p50, &stats.p90, &stats.p95, &stats.p99};

	if (!WhLatencyBinsTotal(bins, nbins, &total))
		WhSummaryCorrupt("a latency count below zero");
	report->any = nbins > 0;
	report->min = report->max = 0;
	for (int i = 0; i < 5; i++)
		report->rounded[i] = int64_to_numeric(0);
	if (nbins == 0)
		return;
	WhLatencyBinsStats(bins, nbins, total, &stats);
	report->min = (int64) stats.min;
	report->max = (int64) stats.max;
	/* the mean of whole milliseconds, exact in numeric, as avg(numeric) is */
	report->rounded[0] = WhMeanRounded(WhLatencyBinsSum(bins, nbins), total);
	for (int i = 0; i < 4; i++)
		report->rounded[i + 1] = WhFloatRounded(*quantiles[i]);
}

/* PutLatency writes a latency object: min, max, avg and percentiles in ms, all 0 when none. */
static void
PutLatency(WhJson *json, const WhLatencyReport *report)
{
	WhJsonBeginObject(json, "latency");
	if (!report->any)
	{
		WhJsonPutInt(json, "min", 0);
		WhJsonPutInt(json, "max", 0);
	}
	else
	{
		/* whole milliseconds, rounded to 2 decimals like the rest */
		WhJsonPutNumeric(json, "min", WhRoundTwo(int64_to_numeric(report->min)));
		WhJsonPutNumeric(json, "max", WhRoundTwo(int64_to_numeric(report->max)));
	}
	for (int i = 0; i < 5; i++)
		WhJsonPutNumeric(json, wh_latency_rounded[i], report->rounded[i]);
	WhJsonEndObject(json);
}

/* Difference is a - b, rounded to 2 decimals. */
static Numeric
Difference(Numeric a, Numeric b)
{
	return WhRoundTwo(DatumGetNumeric(DirectFunctionCall2(numeric_sub, NumericGetDatum(a),
														  NumericGetDatum(b))));
}

/*
 * PutPrevious writes previous (the window just before: its bounds, day
 * metrics and latency) and change (each reported number now less the
 * previous one, and total_pct, null when the previous window is empty).
 */
static void
PutPrevious(WhJson *json, const WhFilter *previous, const WhDayReport *day,
			const WhLatencyReport *latency, const WhDayReport *prev_day,
			const WhLatencyReport *prev_latency)
{
	WhJsonBeginObject(json, "previous");
	WhJsonPutTimestamp(json, "from", previous->from, false);
	WhJsonPutTimestamp(json, "to", previous->to, false);
	PutDayMetrics(json, prev_day);
	PutLatency(json, prev_latency);
	WhJsonEndObject(json);

	WhJsonBeginObject(json, "change");
	WhJsonBeginObject(json, "day_metrics");
	WhJsonPutInt(json, "total", day->totals.total - prev_day->totals.total);
	WhJsonPutInt(json, "success", day->totals.success - prev_day->totals.success);
	WhJsonPutInt(json, "failed", day->totals.failed - prev_day->totals.failed);
	WhJsonPutInt(json, "pending", day->totals.pending - prev_day->totals.pending);
	WhJsonPutNumeric(json, "retry_rate_pct",
					 Difference(day->retry_rate_pct, prev_day->retry_rate_pct));
	WhJsonPutNumeric(json, "avg_delay_ms", Difference(day->avg_delay_ms, prev_day->avg_delay_ms));
	WhJsonEndObject(json);
	WhJsonBeginObject(json, "latency");
	WhJsonPutInt(json, "min", latency->min - prev_latency->min);
	WhJsonPutInt(json, "max", latency->max - prev_latency->max);
	for (int i = 0; i < 5; i++)
		WhJsonPutNumeric(json, wh_latency_rounded[i],
						 Difference(latency->rounded[i], prev_latency->rounded[i]));
	WhJsonEndObject(json);
	if (prev_day->totals.total == 0)
		WhJsonPutNull(json, "total_pct");
	else
		WhJsonPutNumeric(json, "total_pct", WhPercent(day->totals.total - prev_day->totals.total,
													  prev_day->totals.total));
	WhJsonEndObject(json);
}

/* ScanParts is what the window scan collects for the response and the parts included. */
static int
ScanParts(int include)
{
	int			parts = WH_SCAN_DETAIL;

	if (include & (WH_INCLUDE_STATUS_CODES | WH_INCLUDE_RETRIES))
		parts |= WH_SCAN_OUTCOMES;
	if (include & WH_INCLUDE_WEBHOOKS)
		parts |= WH_SCAN_WEBHOOKS;
	return parts;
}

/*
 * WhResultGather fills result for filter: the window's scan with the parts
 * include needs (WH_INCLUDE_ALL: every part), its newest last_n rows and
 * webhook totals and, when include asks, the window before's counters and
 * latency. Call inside SPI.
 */
void
WhResultGather(const WhFilter *filter, int last_n, int include, WhResult *result)
{
	WhFilter	previous;

	memset(result, 0, sizeof(WhResult));
	result->from = filter->from;
	result->to = filter->to;
	if (include & WH_INCLUDE_PREVIOUS)
		WhWindowPrevious(filter, &previous);	/* checked before any work */
	if (WhGatherFromShards(filter, last_n, include, result))
		return;					/* a coordinator over postgres_fdw shards */
	WhScanWindow(filter, ScanParts(include), &result->scan);
	WhQueryNewest(filter, last_n, &result->scan.rows, &result->newest);
	if (include & WH_INCLUDE_PREVIOUS)
	{
		WhScan		prev_scan;

		/* its counters and latency: no event or URL counts */
		WhScanWindow(&previous, WH_SCAN_LATENCY, &prev_scan);
		WhScanTotals(&prev_scan, &result->previous_totals);
		result->previous_latency = prev_scan.detail.latency;
		result->has_previous = true;
	}
}

/* WhResultResponse builds the whole response of a result, with top_n, last_n and the parts of include. */
Jsonb *
WhResultResponse(const WhResult *result, int top_n, int last_n, int include)
{
	WhJson	   *json;
	WhMetrics	totals;
	WhDayReport day;
	WhLatencyReport latency;
	WhFilter	window = {0};
	WhFilter	previous;

	window.from = result->from;
	window.to = result->to;
	if (include & WH_INCLUDE_PREVIOUS)
	{
		WhWindowPrevious(&window, &previous);
		if (!result->has_previous)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the state holds no window before its own"),
					 errhint("Make the state with webhook_analytics_state, which holds it.")));
	}
	WhScanTotals(&result->scan, &totals);
	DayReport(&totals, &day);
	LatencyReport(result->scan.detail.latency, &latency);

	json = WhJsonBegin();
	WhJsonPutInt(json, "status", 200);
	WhJsonBeginObject(json, "data");
	PutDayMetrics(json, &day);
	PutTop(json, "top_events", "event", result->scan.detail.events, top_n);
	PutTop(json, "top_failed_urls", "url", result->scan.detail.failed_urls, top_n);
	PutHourly(json, &result->scan);
	PutTotals(json, &result->newest);
	PutLastEvents(json, &result->newest, last_n);
	PutLatency(json, &latency);
	if (include & WH_INCLUDE_PREVIOUS)
	{
		WhDayReport prev_day;
		WhLatencyReport prev_latency;

		DayReport(&result->previous_totals, &prev_day);
		LatencyReport(result->previous_latency, &prev_latency);
		PutPrevious(json, &previous, &day, &latency, &prev_day, &prev_latency);
	}
	WhPutResponseParts(json, include, &result->scan, &day.totals, top_n);
	WhJsonEndObject(json);
	WhJsonPutNull(json, "error");
	WhJsonPutNull(json, "log");
	WhJsonPutNull(json, "validator");
	WhJsonPutNull(json, "support_id");
	WhJsonPutCString(json, "message", "Webhook analytics retrieved successfully");
	WhJsonPutCString(json, "env", WhEnvName());
	return WhJsonFinish(json);
}

/* WhAnalyticsResponse builds the whole response for filter, with the parts of include; call inside SPI. */
Jsonb *
WhAnalyticsResponse(const WhFilter *filter, int top_n, int last_n, int include)
{
	WhResult	result;

	WhResultGather(filter, last_n, include, &result);
	return WhResultResponse(&result, top_n, last_n, include);
}
