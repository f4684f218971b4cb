/*
 * response_parts.c
 *	  The include argument (SPEC 5.1) and the parts it adds under data
 *	  beside previous: status_codes and status_classes, latency_breakdown,
 *	  retries and webhooks, each from what the window scan collected (the
 *	  statuses and retries histograms, the latency histogram, the
 *	  recovered and gave-up counters, each webhook's totals).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "response.h"
#include "response_parts.h"
#include "summary_format.h"
#include "window.h"

/* The include elements and their bits. */
static const struct
{
	const char *name;
	int			bit;
}			wh_include_names[] = {
	{"previous", WH_INCLUDE_PREVIOUS},
	{"status_codes", WH_INCLUDE_STATUS_CODES},
	{"latency_breakdown", WH_INCLUDE_LATENCY_BREAKDOWN},
	{"retries", WH_INCLUDE_RETRIES},
	{"webhooks", WH_INCLUDE_WEBHOOKS},
};

#define WH_INCLUDE_HINT "Accepted include elements are previous, status_codes, latency_breakdown, retries and webhooks."

/* WhIncludeBit is the bit of an include element of len bytes, 0 for an unknown one. */
int
WhIncludeBit(const char *name, int len)
{
	for (size_t k = 0; k < lengthof(wh_include_names); k++)
		if (strlen(wh_include_names[k].name) == (size_t) len &&
			memcmp(name, wh_include_names[k].name, len) == 0)
			return wh_include_names[k].bit;
	return 0;
}

/*
 * WhIncludeParse turns the include argument into its bits: NULL (the
 * array) is none, a repeated element counts once, a NULL or unknown
 * element is 22023.
 */
int
WhIncludeParse(ArrayType *include)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			bits = 0;

	if (include == NULL)
		return 0;
	if (ARR_NDIM(include) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("include must be a one-dimensional array"),
				 errhint(WH_INCLUDE_HINT)));
	deconstruct_array(include, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		char	   *name;
		int			bit = 0;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("include element %d is NULL", i + 1),
					 errhint(WH_INCLUDE_HINT)));
		name = TextDatumGetCString(elems[i]);
		bit = WhIncludeBit(name, strlen(name));
		if (bit == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid include element \"%s\"", WhShortened(name)),
					 errhint(WH_INCLUDE_HINT)));
		bits |= bit;
	}
	return bits;
}

/* Bins is a histogram's bins, sorted by value; a negative count is corrupt. */
static int64
Bins(WhLatencyHist *hist, WhLatencyBin **bins, int64 *total)
{
	int64		n = WhLatencyHistBins(hist, bins);

	if (!WhLatencyBinsTotal(*bins, n, total))
		WhSummaryCorrupt("a status, retries or latency count below zero");
	return n;
}

/* CompareStatusCounts orders status counts by count descending, then status ascending. */
static int
CompareStatusCounts(const void *a, const void *b)
{
	const WhLatencyBin *x = a;
	const WhLatencyBin *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->value > y->value) - (x->value < y->value);
}

/*
 * PutStatuses writes status_codes (each status with its count, NULL as
 * null after the statuses of its count) and status_classes.
 */
static void
PutStatuses(WhJson *json, const WhScan *scan, int64 total)
{
	int64		counts[WH_STATUS_CLASS_COUNT] = {0};
	WhLatencyBin *bins;
	int64		with_status;
	int64		n = Bins(scan->detail.statuses, &bins, &with_status);
	int64		none = total - with_status;
	bool		none_put = false;

	if (none < 0)
		WhSummaryCorrupt("more statuses than rows");
	for (int64 i = 0; i < n; i++)
		counts[WhStatusClass(true, bins[i].value)] += bins[i].count;
	counts[WH_STATUS_CLASS_NONE] = none;
	qsort(bins, n, sizeof(WhLatencyBin), CompareStatusCounts);
	WhJsonBeginArray(json, "status_codes");
	for (int64 i = 0; i <= n; i++)
	{
		/* NULL goes after every status with at least its count */
		if (!none_put && none > 0 && (i == n || bins[i].count < none))
		{
			WhJsonBeginObject(json, NULL);
			WhJsonPutNull(json, "status");
			WhJsonPutInt(json, "count", none);
			WhJsonEndObject(json);
			none_put = true;
		}
		if (i == n)
			break;
		WhJsonBeginObject(json, NULL);
		WhJsonPutInt(json, "status", bins[i].value);
		WhJsonPutInt(json, "count", bins[i].count);
		WhJsonEndObject(json);
	}
	WhJsonEndArray(json);
	WhJsonBeginObject(json, "status_classes");
	for (int c = 0; c < WH_STATUS_CLASS_COUNT; c++)
		WhJsonPutInt(json, wh_status_classes[c], counts[c]);
	WhJsonEndObject(json);
}

/* PutLatencyBreakdown writes latency_breakdown: the latencies below 100, 500 and 1000 ms, and the rest. */
static void
PutLatencyBreakdown(WhJson *json, const WhScan *scan)
{
	WhLatencyBin *bins;
	int64		total;
	int64		n = Bins(scan->detail.latency, &bins, &total);
	int64		counts[4] = {0};

	for (int64 i = 0; i < n; i++)
	{
		int64		v = bins[i].value;

		counts[v < 100 ? 0 : v < 500 ? 1 : v < 1000 ? 2 : 3] += bins[i].count;
	}
	WhJsonBeginObject(json, "latency_breakdown");
	WhJsonPutInt(json, "lt_100ms", counts[0]);
	WhJsonPutInt(json, "lt_500ms", counts[1]);
	WhJsonPutInt(json, "lt_1s", counts[2]);
	WhJsonPutInt(json, "gte_1s", counts[3]);
	WhJsonEndObject(json);
}

/* PutRetries writes retries: retried, recovered and its rate, gave up, and the mean and most retries. */
static void
PutRetries(WhJson *json, const WhScan *scan, const WhMetrics *totals)
{
	WhLatencyBin *bins;
	int64		counted;
	int64		n = Bins(scan->detail.retries, &bins, &counted);

	WhJsonBeginObject(json, "retries");
	WhJsonPutInt(json, "retried", totals->retried);
	WhJsonPutInt(json, "recovered", totals->recovered);
	WhJsonPutNumeric(json, "recovery_rate_pct", WhPercent(totals->recovered, totals->retried));
	WhJsonPutInt(json, "gave_up", totals->gave_up);
	WhJsonPutNumeric(json, "avg_retries", WhMeanRounded(WhLatencyBinsSum(bins, n), counted));
	WhJsonPutInt(json, "max_retries", n > 0 ? bins[n - 1].value : 0);
	WhJsonEndObject(json);
}

/* PutWebhooks writes webhooks: the top_n webhooks of the window by failed, then total. */
static void
PutWebhooks(WhJson *json, const WhScan *scan, int top_n)
{
	WhWebhookTotals *ranked;
	int			n = WhWebhookSetRanked(scan->webhooks, &ranked);

	WhJsonBeginArray(json, "webhooks");
	for (int i = 0; i < n && i < top_n; i++)
	{
		const WhMetrics *m = &ranked[i].metrics;
		WhLatencyBin *bins;
		int64		with_latency;
		int64		nbins;
		WhValueStats stats;

		if (!WhMetricsPossible(m))
			WhSummaryCorrupt("a webhook whose counts do not add up");
		nbins = Bins(ranked[i].latency, &bins, &with_latency);
		WhJsonBeginObject(json, NULL);
		if (ranked[i].id == NULL)
			WhJsonPutNull(json, "webhook_id");
		else
			WhJsonPutString(json, "webhook_id", ranked[i].id, ranked[i].len);
		WhJsonPutInt(json, "total", m->total);
		WhJsonPutInt(json, "success", m->success);
		WhJsonPutInt(json, "failed", m->failed);
		WhJsonPutInt(json, "pending", m->pending);
		WhJsonPutNumeric(json, "failure_rate_pct", WhPercent(m->failed, m->total));
		WhJsonPutNumeric(json, "avg_delay_ms", WhAvgDelayMs(m));
		if (nbins == 0)
			WhJsonPutInt(json, "latency_p95", 0);
		else
		{
			WhLatencyBinsStats(bins, nbins, with_latency, &stats);
			WhJsonPutNumeric(json, "latency_p95", WhFloatRounded(stats.p95));
		}
		WhJsonEndObject(json);
	}
	WhJsonEndArray(json);
}

/* WhPutResponseParts writes the parts of include other than previous, under data; totals are the scan's. */
void
WhPutResponseParts(WhJson *json, int include, const WhScan *scan, const WhMetrics *totals,
				   int top_n)
{
	if (include & WH_INCLUDE_STATUS_CODES)
		PutStatuses(json, scan, totals->total);
	if (include & WH_INCLUDE_LATENCY_BREAKDOWN)
		PutLatencyBreakdown(json, scan);
	if (include & WH_INCLUDE_RETRIES)
		PutRetries(json, scan, totals);
	if (include & WH_INCLUDE_WEBHOOKS)
		PutWebhooks(json, scan, top_n);
}
