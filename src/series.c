/*
 * series.c
 *	  The set-returning functions webhook_day_metrics and
 *	  webhook_hourly_metrics: one engine pass, then a dense walk over every
 *	  UTC day or hour the window overlaps, empty ones as zeros.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/date.h"
#include "utils/tuplestore.h"

#include "analytics.h"
#include "relations.h"
#include "window_scan.h"
#include "window.h"

PG_FUNCTION_INFO_V1(webhook_day_metrics);
PG_FUNCTION_INFO_V1(webhook_hourly_metrics);

/* The rows of a series: its unit in hours, and how one row is written. */
typedef void (*WhPutRow) (ReturnSetInfo *rsinfo, int64 unit_start_hour, const WhMetrics *m);

/* PutDayRow writes (day, total, success, failed, pending, retry_rate_pct, avg_delay_ms). */
static void
PutDayRow(ReturnSetInfo *rsinfo, int64 start_hour, const WhMetrics *m)
{
	Datum		values[7];
	bool		nulls[7] = {0};

	values[0] = DateADTGetDatum((DateADT) (start_hour / 24));
	values[1] = Int64GetDatum(m->total);
	values[2] = Int64GetDatum(m->success);
	values[3] = Int64GetDatum(m->failed);
	values[4] = Int64GetDatum(m->pending);
	values[5] = NumericGetDatum(WhRetryRatePct(m));
	values[6] = NumericGetDatum(WhAvgDelayMs(m));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* PutHourRow writes (hour, total, success, failed, pending, avg_delay_ms). */
static void
PutHourRow(ReturnSetInfo *rsinfo, int64 hour, const WhMetrics *m)
{
	Datum		values[6];
	bool		nulls[6] = {0};

	values[0] = TimestampTzGetDatum(hour * USECS_PER_HOUR);
	values[1] = Int64GetDatum(m->total);
	values[2] = Int64GetDatum(m->success);
	values[3] = Int64GetDatum(m->failed);
	values[4] = Int64GetDatum(m->pending);
	values[5] = NumericGetDatum(WhAvgDelayMs(m));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* FloorUnit is the first hour of the unit (of unit_hours hours) holding hour. */
static int64
FloorUnit(int64 hour, int unit_hours)
{
	int64		q = hour / unit_hours;

	if (hour % unit_hours < 0)
		q--;
	return q * unit_hours;
}

/*
 * ReturnSeries scans the window once, then emits one row per unit (a day or
 * an hour) from the unit holding 'from' to the unit holding 'to' - 1 usec.
 */
static Datum
ReturnSeries(FunctionCallInfo fcinfo, int unit_hours, WhPutRow put_row)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	WhFilter	filter;
	WhScan		scan;
	int64		next = 0;
	int64		last;

	InitMaterializedSRF(fcinfo, 0);
	if (!WhArgOrganization(fcinfo, 0, &filter))
		return (Datum) 0;
	WhArgWindow(fcinfo, 1, &filter);
	WhArgWebhook(fcinfo, 3, &filter);
	filter.events_relation = WhEventsRelation(&filter.events_relid);

	SPI_connect();
	WhScanWindow(&filter, 0, &scan);
	last = FloorUnit(WhHourOf(filter.to - 1), unit_hours);
	for (int64 unit = FloorUnit(WhHourOf(filter.from), unit_hours);
		 unit <= last; unit += unit_hours)
	{
		WhMetrics	m = {0};

		CHECK_FOR_INTERRUPTS();
		while (next < scan.nhours && scan.hours[next].hour < unit + unit_hours)
			WhMetricsAdd(&m, &scan.hours[next++].metrics);
		put_row(rsinfo, unit, &m);
	}
	SPI_finish();
	return (Datum) 0;
}

/* webhook_day_metrics(organization_id, from_ts, to_ts, webhook_id) */
Datum
webhook_day_metrics(PG_FUNCTION_ARGS)
{
	return ReturnSeries(fcinfo, 24, PutDayRow);
}

/* webhook_hourly_metrics(organization_id, from_ts, to_ts, webhook_id) */
Datum
webhook_hourly_metrics(PG_FUNCTION_ARGS)
{
	return ReturnSeries(fcinfo, 1, PutHourRow);
}
