/*
 * metrics_series.c
 *	  webhook_metrics_series (SPEC 5.2): the window's deliveries in buckets
 *	  of any width (date_bin's, from 2000-01-01 UTC), dense without a
 *	  breakdown, sparse by bucket and key with group_by, with counts, the
 *	  mean delay and exact latency percentiles per bucket. Buckets of whole
 *	  hours read the window's whole hours from the summaries, hour by hour
 *	  (with a breakdown by webhook, each webhook's); other buckets of whole
 *	  5-minute slices, without a breakdown or a webhook filter, read its
 *	  whole slices; other buckets and breakdowns read rows.
 */
#include "postgres.h"

#include "common/int.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "analytics.h"
#include "relations.h"
#include "series_cells.h"
#include "window.h"
#include "window_scan.h"

PG_FUNCTION_INFO_V1(webhook_metrics_series);

/* What the rows of a series are broken down by. */
typedef enum WhGroupBy
{
	WH_GROUP_NONE,
	WH_GROUP_WEBHOOK,
	WH_GROUP_EVENT,
	WH_GROUP_URL,
	WH_GROUP_STATUS,
	WH_GROUP_STATUS_CLASS
} WhGroupBy;

static const struct
{
	const char *name;
	WhGroupBy	group;
}			wh_group_names[] = {
	{"webhook", WH_GROUP_WEBHOOK},
	{"event", WH_GROUP_EVENT},
	{"url", WH_GROUP_URL},
	{"status", WH_GROUP_STATUS},
	{"status_class", WH_GROUP_STATUS_CLASS},
};

#define WH_GROUP_HINT "Accepted group_by values are webhook, event, url, status and status_class; NULL for no breakdown."
#define WH_SERIES_COLUMNS 11

/* A series being filled. */
typedef struct WhSeriesState
{
	WhSeriesCells *cells;
	int64		width;			/* bucket width in microseconds */
	WhGroupBy	group_by;
	int64		summary_day;	/* the day of the summary being read */
	int32		key;			/* the key of the summary's current webhook */
	WhSeriesCell *detail_cell;	/* the cell of the hour whose detail is being read */
	const WhFilter *filter;
} WhSeriesState;

/* ArgBucket reads the bucket width: at least 1 second, no month or year part (as date_bin). */
static int64
ArgBucket(FunctionCallInfo fcinfo, int argno)
{
	Interval   *bucket;
	int64		width;

	if (PG_ARGISNULL(argno))
		return USECS_PER_HOUR;
	bucket = PG_GETARG_INTERVAL_P(argno);
	if (bucket->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bucket must not have a month or year part, got %s",
						DatumGetCString(DirectFunctionCall1(interval_out, PG_GETARG_DATUM(argno)))),
				 errhint("Pass a bucket of days, hours, minutes or seconds, at least 1 second, such as '1 hour' or '7 days'.")));
	if (pg_mul_s64_overflow(bucket->day, USECS_PER_DAY, &width) ||
		pg_add_s64_overflow(width, bucket->time, &width) || width < USECS_PER_SEC)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bucket must be at least 1 second and at most 2^63 microseconds, got %s",
						DatumGetCString(DirectFunctionCall1(interval_out, PG_GETARG_DATUM(argno)))),
				 errhint("Pass a bucket of days, hours, minutes or seconds, at least 1 second, such as '1 hour' or '7 days'.")));
	return width;
}

/* ArgGroupBy reads group_by: NULL for none, else one of wh_group_names, matched exactly. */
static WhGroupBy
ArgGroupBy(FunctionCallInfo fcinfo, int argno)
{
	char	   *name;

	if (PG_ARGISNULL(argno))
		return WH_GROUP_NONE;
	name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	for (size_t i = 0; i < lengthof(wh_group_names); i++)
		if (strcmp(name, wh_group_names[i].name) == 0)
			return wh_group_names[i].group;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid group_by \"%s\"", WhShortened(name)),
			 errhint(WH_GROUP_HINT)));
	return WH_GROUP_NONE;		/* keep the compiler quiet */
}

/* BucketOf is the start of the bucket holding ts, as date_bin(width, ts, '2000-01-01 00:00+00'). */
static int64
BucketOf(int64 width, TimestampTz ts)
{
	int64		start = WhFloorDiv(ts, width);

	if (pg_mul_s64_overflow(start, width, &start) || !IS_VALID_TIMESTAMP(start))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range"),
				 errhint("A bucket this wide starts before the earliest timestamp; pass a smaller bucket.")));
	return start;
}

/* TextKey numbers a text datum (or NULL) as a key. */
static int32
TextKey(WhSeriesCells *cells, Datum value, bool isnull)
{
	text	   *t;

	if (isnull)
		return WhSeriesKey(cells, NULL, 0, true);
	t = DatumGetTextPP(value);
	return WhSeriesKey(cells, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), false);
}

/* RowKey is a row's key under the series' group_by. */
static int32
RowKey(WhSeriesState *state, TupleTableSlot *slot, const WhColumnMap *columns,
	   const WhDelivery *d)
{
	int			col;
	char		digits[24];

	switch (state->group_by)
	{
		case WH_GROUP_NONE:
			return WH_SERIES_NO_KEY;
		case WH_GROUP_WEBHOOK:
			col = columns->col[WH_COL_WEBHOOK_ID].position;
			return TextKey(state->cells, slot->tts_values[col], slot->tts_isnull[col]);
		case WH_GROUP_EVENT:
			return TextKey(state->cells, d->event, d->event_null);
		case WH_GROUP_URL:
			return TextKey(state->cells, d->url, d->url_null);
		case WH_GROUP_STATUS:
			if (!d->has_status)
				return WhSeriesKey(state->cells, NULL, 0, true);
			snprintf(digits, sizeof(digits), INT64_FORMAT, d->status);
			return WhSeriesKey(state->cells, digits, strlen(digits), false);
		case WH_GROUP_STATUS_CLASS:
			{
				const char *class = wh_status_classes[WhStatusClass(d->has_status, d->status)];

				return WhSeriesKey(state->cells, class, strlen(class), false);
			}
	}
	return WH_SERIES_NO_KEY;	/* keep the compiler quiet */
}

/* SeriesRow adds one row's delivery to its cell. */
static bool
SeriesRow(TupleTableSlot *slot, const WhColumnMap *columns, void *arg)
{
	WhSeriesState *state = arg;
	WhDelivery	d;
	WhSeriesCell *cell;

	if (!WhDeliveryRead(&d, slot->tts_values, slot->tts_isnull, columns))
		return true;
	cell = WhSeriesCellFor(state->cells, BucketOf(state->width, d.created_at),
						   RowKey(state, slot, columns, &d));
	WhMetricsAddDelivery(&cell->metrics, &d, 1);
	if (d.has_latency)
		WhSeriesCellLatency(state->cells, cell, d.latency_ms, 1);
	return true;
}

/* SeriesDay starts a summary row: its hours are hours of this day. */
static void
SeriesDay(void *arg, int64 day)
{
	((WhSeriesState *) arg)->summary_day = day;
}

/* SeriesWebhook keeps the webhooks the filter keeps, each its own key with group_by webhook. */
static bool
SeriesWebhook(void *arg, const char *id, int len, bool isnull)
{
	WhSeriesState *state = arg;

	if (!WhWebhookWanted(state->filter->webhook_id, id, len, isnull))
		return false;
	state->key = state->group_by == WH_GROUP_WEBHOOK ?
		WhSeriesKey(state->cells, id, len, isnull) : WH_SERIES_NO_KEY;
	return true;
}

/* SeriesHour adds a webhook's counters of one hour to the hour's bucket. */
static void
SeriesHour(void *arg, int hour, const WhMetrics *m)
{
	WhSeriesState *state = arg;
	int64		start = (state->summary_day * WH_HOURS_PER_DAY + hour) * USECS_PER_HOUR;

	WhMetricsAdd(&WhSeriesCellFor(state->cells, BucketOf(state->width, start), state->key)->metrics, m);
}

/* SeriesDetail directs the latencies that follow to one hour's cell (by_hour reads never give the day's). */
static void
SeriesDetail(void *arg, int hour)
{
	WhSeriesState *state = arg;
	int64		start = (state->summary_day * WH_HOURS_PER_DAY + hour) * USECS_PER_HOUR;

	Assert(hour >= 0);
	state->detail_cell = WhSeriesCellFor(state->cells, BucketOf(state->width, start), state->key);
}

/* SeriesLatency adds a latency bin of the current hour to its cell. */
static void
SeriesLatency(void *arg, int64 value, int64 count)
{
	WhSeriesState *state = arg;

	WhSeriesCellLatency(state->cells, state->detail_cell, value, count);
}

/* PutRow writes one row of the series: a bucket, a key, its counts and its latency. */
static void
PutRow(ReturnSetInfo *rsinfo, WhSeriesCells *cells, int64 bucket, WhSeriesCell *cell)
{
	Datum		values[WH_SERIES_COLUMNS];
	bool		nulls[WH_SERIES_COLUMNS] = {0};
	WhMetrics	zero = {0};
	const WhMetrics *m = cell != NULL ? &cell->metrics : &zero;
	WhLatencyBin *bins;
	int64		nbins = 0;
	int64		total = 0;
	WhValueStats stats;

	if (!WhMetricsPossible(m))
		WhSummaryCorrupt("a bucket whose counts do not add up");
	values[0] = TimestampTzGetDatum(bucket);
	nulls[1] = cell == NULL || cell->at.key == WH_SERIES_NO_KEY;
	if (!nulls[1])
	{
		int			len;
		const char *key = WhSeriesKeyText(cells, cell->at.key, &len);

		nulls[1] = key == NULL;
		if (key != NULL)
			values[1] = PointerGetDatum(cstring_to_text_with_len(key, len));
	}
	values[2] = Int64GetDatum(m->total);
	values[3] = Int64GetDatum(m->success);
	values[4] = Int64GetDatum(m->failed);
	values[5] = Int64GetDatum(m->pending);
	values[6] = Int64GetDatum(m->retried);
	nulls[7] = m->delay_count == 0;
	if (!nulls[7])
		values[7] = NumericGetDatum(WhAvgDelayMs(m));
	if (cell != NULL)
	{
		nbins = WhSeriesCellBins(cell, &bins);
		if (!WhLatencyBinsTotal(bins, nbins, &total))
			WhSummaryCorrupt("a latency count below zero");
	}
	nulls[8] = nulls[9] = nulls[10] = nbins == 0;
	if (nbins > 0)
	{
		WhLatencyBinsStats(bins, nbins, total, &stats);
		values[8] = NumericGetDatum(WhFloatRounded(stats.p50));
		values[9] = NumericGetDatum(WhFloatRounded(stats.p95));
		values[10] = NumericGetDatum(WhFloatRounded(stats.p99));
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* SeriesSlice adds a slice's counters to its bucket and directs its latencies there. */
static void
SeriesSlice(void *arg, int slice, const WhMetrics *m)
{
	WhSeriesState *state = arg;
	int64		start = state->summary_day * USECS_PER_DAY + (int64) slice * WH_SLICE_USECS;

	state->detail_cell = WhSeriesCellFor(state->cells, BucketOf(state->width, start), WH_SERIES_NO_KEY);
	WhMetricsAdd(&state->detail_cell->metrics, m);
}

/*
 * ReadSeries fills the cells from the window: from the summaries where it
 * may, hour by hour for buckets of whole hours, slice by slice for other
 * buckets of whole 5-minute slices without a breakdown or a webhook filter
 * (and again without them if some summaries lack the slices).
 */
static void
ReadSeries(const WhFilter *filter, WhSeriesState *state)
{
	static const WhStateSink sink = {
		SeriesWebhook, SeriesHour, NULL, NULL, SeriesLatency, SeriesDetail
	};
	static const WhSliceSink slice_sink = {SeriesSlice, SeriesLatency};
	WhWindowReader reader = {SeriesRow, NULL, SeriesDay, true, NULL};

	/* whole units fill whole buckets only when every bucket is whole units */
	if (state->width % USECS_PER_HOUR == 0 &&
		(state->group_by == WH_GROUP_NONE || state->group_by == WH_GROUP_WEBHOOK))
		reader.sink = &sink;
	else if (state->width % WH_SLICE_USECS == 0 && state->group_by == WH_GROUP_NONE &&
			 filter->webhook_id == NULL)
		reader.slices = &slice_sink;
	if (!WhReadWindow(filter, &reader, state, NULL))
	{
		state->cells = WhSeriesCellsCreate(CurrentMemoryContext);
		reader.slices = NULL;
		(void) WhReadWindow(filter, &reader, state, NULL);
	}
}

/*
 * webhook_metrics_series(organization_id, from_ts, to_ts, bucket, group_by,
 * webhook_id): without group_by one row for every bucket the window
 * overlaps, oldest first, empty ones with zero counts; with it, one row
 * per bucket and key holding rows, by bucket and then key.
 */
Datum
webhook_metrics_series(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	WhFilter	filter;
	WhSeriesState state = {0};

	InitMaterializedSRF(fcinfo, 0);
	if (!WhArgOrganization(fcinfo, 0, &filter))
		return (Datum) 0;
	WhArgWindow(fcinfo, 1, &filter);
	state.width = ArgBucket(fcinfo, 3);
	state.group_by = ArgGroupBy(fcinfo, 4);
	WhArgWebhook(fcinfo, 5, &filter);
	state.filter = &filter;
	filter.events_relation = WhEventsRelation(&filter.events_relid);
	state.cells = WhSeriesCellsCreate(CurrentMemoryContext);

	SPI_connect();
	ReadSeries(&filter, &state);
	if (state.group_by == WH_GROUP_NONE)
	{
		int64		last = BucketOf(state.width, filter.to - 1);

		for (int64 bucket = BucketOf(state.width, filter.from);; bucket += state.width)
		{
			CHECK_FOR_INTERRUPTS();
			PutRow(rsinfo, state.cells, bucket,
				   WhSeriesCellFind(state.cells, bucket, WH_SERIES_NO_KEY));
			if (bucket >= last)
				break;
		}
	}
	else
	{
		WhSeriesCell **sorted;
		int64		n = WhSeriesCellsSorted(state.cells, &sorted);

		for (int64 i = 0; i < n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			PutRow(rsinfo, state.cells, sorted[i]->at.bucket, sorted[i]);
		}
	}
	SPI_finish();
	return (Datum) 0;
}
