/*
 * response.c
 *	  Assembles the analytics response: runs the window scan and the query
 *	  of the newest rows and webhook totals (one snapshot, inside SPI) and lays their
 *	  results out as the API's jsonb, field by field as SPEC section 3 says.
 */
#include "postgres.h"

#include "common/int.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "columns.h"
#include "jsonb_build.h"
#include "queries.h"
#include "response.h"
#include "latency_hist.h"
#include "window_scan.h"
#include "settings.h"
#include "summary_format.h"

/* PutDayMetrics writes day_metrics: the window's counts, retry rate and average delay. */
static void
PutDayMetrics(WhJson *json, const WhScan *scan)
{
	WhMetrics	totals;

	WhScanTotals(scan, &totals);
	WhJsonBeginObject(json, "day_metrics");
	WhJsonPutInt(json, "total", totals.total);
	WhJsonPutInt(json, "success", totals.success);
	WhJsonPutInt(json, "failed", totals.failed);
	WhJsonPutInt(json, "pending", totals.pending);
	WhJsonPutNumeric(json, "retry_rate_pct", WhRetryRatePct(&totals));
	WhJsonPutNumeric(json, "avg_delay_ms", WhAvgDelayMs(&totals));
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

/* PutLastEvents writes last_events: the newest rows of the window. */
static void
PutLastEvents(WhJson *json, const WhNewest *newest)
{
	WhJsonBeginArray(json, "last_events");
	for (int i = 0; i < newest->nrows; i++)
		PutLastEvent(json, &newest->rows[i], KeyOrder());
	WhJsonEndArray(json);
}

/* AddProduct adds value * count to a numeric total. */
static Numeric
AddProduct(Numeric total, int64 value, int64 count)
{
	Datum		product = DirectFunctionCall2(numeric_mul,
											  NumericGetDatum(int64_to_numeric(value)),
											  NumericGetDatum(int64_to_numeric(count)));

	return DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(total), product));
}

/* LatencySum adds up the latencies exactly, in int64 while it fits and in numeric beyond. */
static Numeric
LatencySum(const WhLatencyBin *bins, int64 nbins)
{
	Numeric		total = int64_to_numeric(0);
	int64		partial = 0;

	for (int64 i = 0; i < nbins; i++)
	{
		int64		product;
		int64		next;

		if (pg_mul_s64_overflow(bins[i].value, bins[i].count, &product) ||
			pg_add_s64_overflow(partial, product, &next))
			total = AddProduct(total, bins[i].value, bins[i].count);
		else
			partial = next;
	}
	return AddProduct(total, partial, 1);
}

/* WholeMs is a whole-millisecond latency as numeric, rounded to 2 decimals like the rest. */
static Numeric
WholeMs(double value)
{
	return WhRoundTwo(int64_to_numeric((int64) value));
}

/* PutLatency writes latency: min, max, avg and percentiles in ms, all 0 when none. */
static void
PutLatency(WhJson *json, WhLatencyHist *latency)
{
	const char *names[] = {"min", "max", "avg", "p50", "p90", "p95", "p99"};
	WhLatencyBin *bins;
	int64		nbins = WhLatencyHistBins(latency, &bins);
	int64		total;
	WhValueStats stats;

	if (!WhLatencyBinsTotal(bins, nbins, &total))
		WhSummaryCorrupt("a latency count below zero");
	WhJsonBeginObject(json, "latency");
	if (nbins == 0)
	{
		for (size_t i = 0; i < lengthof(names); i++)
			WhJsonPutInt(json, names[i], 0);
		WhJsonEndObject(json);
		return;
	}
	WhLatencyBinsStats(bins, nbins, total, &stats);
	WhJsonPutNumeric(json, "min", WholeMs(stats.min));
	WhJsonPutNumeric(json, "max", WholeMs(stats.max));
	/* the mean of whole milliseconds, exact in numeric, as avg(numeric) is */
	WhJsonPutNumeric(json, "avg", WhMeanRounded(LatencySum(bins, nbins), total));
	WhJsonPutNumeric(json, "p50", WhFloatRounded(stats.p50));
	WhJsonPutNumeric(json, "p90", WhFloatRounded(stats.p90));
	WhJsonPutNumeric(json, "p95", WhFloatRounded(stats.p95));
	WhJsonPutNumeric(json, "p99", WhFloatRounded(stats.p99));
	WhJsonEndObject(json);
}

/* WhAnalyticsResponse builds the whole response for filter; call inside SPI. */
Jsonb *
WhAnalyticsResponse(const WhFilter *filter, int top_n, int last_n)
{
	WhJson	   *json;
	WhScan		scan;
	WhNewest	newest;

	WhScanWindow(filter, true, &scan);
	WhQueryNewest(filter, last_n, &scan.rows, &newest);

	json = WhJsonBegin();
	WhJsonPutInt(json, "status", 200);
	WhJsonBeginObject(json, "data");
	PutDayMetrics(json, &scan);
	PutTop(json, "top_events", "event", scan.detail.events, top_n);
	PutTop(json, "top_failed_urls", "url", scan.detail.failed_urls, top_n);
	PutHourly(json, &scan);
	PutTotals(json, &newest);
	PutLastEvents(json, &newest);
	PutLatency(json, scan.detail.latency);
	WhJsonEndObject(json);
	WhJsonPutNull(json, "error");
	WhJsonPutNull(json, "log");
	WhJsonPutNull(json, "validator");
	WhJsonPutNull(json, "support_id");
	WhJsonPutCString(json, "message", "Webhook analytics retrieved successfully");
	WhJsonPutCString(json, "env", WhEnvName());
	return WhJsonFinish(json);
}
