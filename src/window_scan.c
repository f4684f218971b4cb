/*
 * window_scan.c
 *	  The engine. The window's whole UTC hours come from the day summaries
 *	  when the caller may use them (summary_read.c); the rest (the partial
 *	  hours at its edges, or everything) is read as rows: a DestReceiver
 *	  takes each row of the window query as the executor produces it
 *	  (nothing is materialized), or each row index_rows.c reads from the
 *	  table's index for a caller the summaries answer, and feeds, from that
 *	  single pass, the per-hour counters, the event and failed-URL counts
 *	  and the latency histogram. Rows arrive in created_at order from the
 *	  index, so the current hour's bucket is remembered between rows.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "executor/tuptable.h"
#include "miscadmin.h"

#include "delivery.h"
#include "index_rows.h"
#include "queries.h"
#include "window_scan.h"
#include "summary_read.h"
#include "summary_trust.h"
#include "window.h"

/* An hour's entry in the hash table. */
typedef struct WhHourEntry
{
	int64		hour;
	char		status;
	WhMetrics	metrics;
} WhHourEntry;

#define SH_PREFIX hour_map
#define SH_ELEMENT_TYPE WhHourEntry
#define SH_KEY_TYPE int64
#define SH_KEY hour
#define SH_HASH_KEY(tb, key) murmurhash32((uint32) (key) ^ (uint32) ((uint64) (key) >> 32))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* A scan being filled: the receiver of raw rows and the sink of summaries. */
typedef struct WhScanState
{
	DestReceiver pub;
	WhScan	   *scan;
	const WhFilter *filter;
	hour_map_hash *hours;
	WhHourEntry *current;		/* valid until the next new hour is inserted */
	int64		summary_day;	/* the day of the summary being read */
	WhColumnMap columns;		/* where the window query puts each column */
} WhScanState;

/* HourMetrics returns the counters of an hour, making them when new. */
static inline WhMetrics *
HourMetrics(WhScanState *state, int64 hour)
{
	bool		found;

	if (state->current == NULL || state->current->hour != hour)
	{
		state->current = hour_map_insert(state->hours, hour, &found);
		if (!found)
			memset(&state->current->metrics, 0, sizeof(WhMetrics));
	}
	return &state->current->metrics;
}

/* ReceiveRow accumulates one delivery into every metric. */
static bool
ReceiveRow(TupleTableSlot *slot, DestReceiver *self)
{
	WhScanState *state = (WhScanState *) self;
	WhScan	   *scan = state->scan;
	WhDelivery	d;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	if (!WhDeliveryRead(&d, slot->tts_values, slot->tts_isnull, &state->columns))
		return true;
	WhMetricsAddDelivery(HourMetrics(state, WhHourOf(d.created_at)), &d, 1);
	if (!scan->detailed)
		return true;
	WhDetailAddDelivery(&scan->detail, &d, 1);
	return true;
}

/* ReceiverStartup finds where the window query put each column the scan reads. */
static void
ReceiverStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	WhColumnMapFind(typeinfo, false, "window query", &((WhScanState *) self)->columns);
}

/* ScanRows reads the rows of [from, to) of the filter's organization and webhook. */
static void
ScanRows(WhScanState *state, TimestampTz from, TimestampTz to)
{
	WhFilter	part = *state->filter;

	if (from >= to)
		return;
	part.from = from;
	part.to = to;
	state->current = NULL;
	WhQueryWindowRows(&part, &state->pub, to - from <= USECS_PER_HOUR);
}

/* IndexRowStartup finds where the table puts each column the scan reads. */
static void
IndexRowStartup(TupleDesc desc, void *arg)
{
	WhColumnMapFind(desc, false, "events table", &((WhScanState *) arg)->columns);
}

/* IndexRow accumulates one row read from the index. */
static bool
IndexRow(TupleTableSlot *slot, void *arg)
{
	return ReceiveRow(slot, &((WhScanState *) arg)->pub);
}

/*
 * ScanEdges reads the rows of the window's two partial edge hours,
 * [first_from, first_to) and [second_from, second_to): straight from the
 * indexes of rows (index_rows.c) when it has any, else in one query when
 * both hold time.
 */
static void
ScanEdges(WhScanState *state, const WhRowsIndexes *rows, TimestampTz first_from,
		  TimestampTz first_to, TimestampTz second_from, TimestampTz second_to)
{
	WhFilter	part = *state->filter;

	state->current = NULL;
	if (rows != NULL && rows->ntables > 0)
	{
		TimestampTz from[2] = {first_from, second_from};
		TimestampTz to[2] = {first_to, second_to};

		WhIndexRowsRead(rows, part.organization_id, 2, from, to, IndexRow, IndexRowStartup, state);
		return;
	}

	if (first_from >= first_to || second_from >= second_to)
	{
		ScanRows(state, first_from, first_to);
		ScanRows(state, second_from, second_to);
		return;
	}
	part.from = first_from;
	part.to = first_to;
	WhQueryEdgeRows(&part, second_from, second_to, &state->pub);
}

/* SummaryDay starts a summary row: its hours are hours of this day. */
static void
SummaryDay(void *arg, int64 day)
{
	((WhScanState *) arg)->summary_day = day;
}

/* SummaryWebhook is true for the webhooks the filter keeps. */
static bool
SummaryWebhook(void *arg, const char *id, int len)
{
	const text *wanted = ((WhScanState *) arg)->filter->webhook_id;

	return wanted == NULL ||
		(VARSIZE_ANY_EXHDR(wanted) == (Size) len && memcmp(VARDATA_ANY(wanted), id, len) == 0);
}

/* SummaryHour adds a webhook's counters of one hour of the day. */
static void
SummaryHour(void *arg, int hour, const WhMetrics *m)
{
	WhScanState *state = arg;

	WhMetricsAdd(HourMetrics(state, state->summary_day * 24 + hour), m);
}

/* SummaryEvent adds an event count. */
static void
SummaryEvent(void *arg, const char *key, int len, bool isnull, int64 count)
{
	WhCounterAddKey(((WhScanState *) arg)->scan->detail.events, key, len, isnull, count);
}

/* SummaryFailedUrl adds a failed-URL count. */
static void
SummaryFailedUrl(void *arg, const char *key, int len, bool isnull, int64 count)
{
	WhCounterAddKey(((WhScanState *) arg)->scan->detail.failed_urls, key, len, isnull, count);
}

/* SummaryLatency adds a latency bin. */
static void
SummaryLatency(void *arg, int64 value, int64 count)
{
	WhLatencyHistAdd(((WhScanState *) arg)->scan->detail.latency, value, count);
}

/* CeilHour is the first whole UTC hour starting at or after ts. */
static int64
CeilHour(TimestampTz ts)
{
	int64		hour = WhHourOf(ts);

	return hour * USECS_PER_HOUR == ts ? hour : hour + 1;
}

/* CompareHours orders hour buckets oldest first. */
static int
CompareHours(const void *a, const void *b)
{
	int64		x = ((const WhHourBucket *) a)->hour;
	int64		y = ((const WhHourBucket *) b)->hour;

	return (x > y) - (x < y);
}

/* TakeHour appends an hour's counters to the scan's list unless they are empty. */
static void
TakeHour(WhScan *scan, const WhHourEntry *entry)
{
	if (!WhMetricsPossible(&entry->metrics))
		WhSummaryCorrupt("an hour whose counts do not add up");
	if (entry->metrics.total == 0)
		return;					/* an hour whose summary deltas cancel out */
	scan->hours[scan->nhours].hour = entry->hour;
	scan->hours[scan->nhours].metrics = entry->metrics;
	scan->nhours++;
}

/*
 * CollectHours moves the non-empty hours out of the hash table, oldest
 * first: by walking the window's hours in order when they are not many
 * more than the table holds (every entry lies in the window), else by
 * sorting what the table holds.
 */
static void
CollectHours(WhScanState *state)
{
	WhScan	   *scan = state->scan;
	uint32		members = state->hours->members;
	int64		first = WhHourOf(state->filter->from);
	int64		span = WhHourOf(state->filter->to - 1) - first + 1;
	hour_map_iterator it;
	WhHourEntry *entry;
	uint32		seen = 0;

	scan->hours = palloc_extended(Max(members, 1) * sizeof(WhHourBucket), MCXT_ALLOC_HUGE);
	scan->nhours = 0;
	if (span <= 4 * (int64) members + 64)
	{
		for (int64 h = first; h < first + span && seen < members; h++)
			if ((entry = hour_map_lookup(state->hours, h)) != NULL)
			{
				TakeHour(scan, entry);
				seen++;
			}
		Assert(seen == members);	/* rows and summaries only add hours of the window */
		return;
	}
	hour_map_start_iterate(state->hours, &it);
	while ((entry = hour_map_iterate(state->hours, &it)) != NULL)
		TakeHour(scan, entry);
	qsort(scan->hours, scan->nhours, sizeof(WhHourBucket), CompareHours);
}

/* WhScanWindow learns everything about the filter's window; call inside SPI. */
void
WhScanWindow(const WhFilter *filter, bool detailed, WhScan *scan)
{
	static const WhStateSink detailed_sink = {
		SummaryWebhook, SummaryHour, SummaryEvent, SummaryFailedUrl, SummaryLatency
	};
	static const WhStateSink counters_sink = {
		SummaryWebhook, SummaryHour, NULL, NULL, NULL
	};
	WhScanState state = {0};
	WhSource	source;
	List	   *parts = NIL;
	WhRowsIndexes rows = {0};
	int64		first_hour = CeilHour(filter->from);
	int64		end_hour = WhHourOf(filter->to);

	memset(scan, 0, sizeof(WhScan));
	scan->detailed = detailed;
	if (detailed)
	{
		WhDetailInit(&scan->detail, CurrentMemoryContext, 64, 64, true);
	}

	WhRowReceiverInit(&state.pub, ReceiveRow, ReceiverStartup);
	state.scan = scan;
	state.filter = filter;
	state.hours = hour_map_create(CurrentMemoryContext, 64, NULL);

	source = first_hour < end_hour ?
		WhSummarySource(filter->events_relid, filter->organization_id, NULL, &parts, &rows) :
		WH_SOURCE_ROWS;
	if (source == WH_SOURCE_NOTHING)
	{
		/* the whole hours hold nothing the caller may see; the edges read as rows anyway */
		ScanEdges(&state, NULL, filter->from, first_hour * USECS_PER_HOUR,
				  end_hour * USECS_PER_HOUR, filter->to);
	}
	else if (source == WH_SOURCE_SUMMARIES)
	{
		/* the indexes give every row of the organization: not with a webhook filter */
		if (filter->webhook_id == NULL)
			scan->rows = rows;
		ScanEdges(&state, &scan->rows, filter->from, first_hour * USECS_PER_HOUR,
				  end_hour * USECS_PER_HOUR, filter->to);
		state.current = NULL;
		WhSummariesRead(parts, filter, first_hour, end_hour, SummaryDay,
						detailed ? &detailed_sink : &counters_sink, &state);
	}
	else
		ScanRows(&state, filter->from, filter->to);
	CollectHours(&state);
}

/* WhScanTotals sums every hour's counters into totals. */
void
WhScanTotals(const WhScan *scan, WhMetrics *totals)
{
	memset(totals, 0, sizeof(WhMetrics));
	for (int64 i = 0; i < scan->nhours; i++)
		WhMetricsAdd(totals, &scan->hours[i].metrics);
}
