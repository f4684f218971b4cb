/*
 * window_scan.c
 *	  The engine. The window's whole UTC hours (or, for a series, 5-minute
 *	  slices) come from the day summaries
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

/* A window being read: the receiver of the rows the queries give, for a reader. */
typedef struct WhReading
{
	DestReceiver pub;
	const WhWindowReader *reader;
	void	   *arg;
	WhColumnMap columns;		/* where the query or the table puts each column */
} WhReading;

/* A scan being filled from the rows and the summaries. */
typedef struct WhScanState
{
	WhScan	   *scan;
	const WhFilter *filter;
	hour_map_hash *hours;
	WhHourEntry *current;		/* the last hour counted (every insert goes through HourMetrics) */
	int64		summary_day;	/* the day of the summary being read */
	WhWebhookTotals *webhook;	/* the webhook of the summary being read (WH_SCAN_WEBHOOKS) */
	bool		outcomes_missing;	/* a summary read lacks the outcomes */
	WhStateSink sink;			/* what of the summaries the parts take */
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

/* AddToWebhook adds a row's delivery to its webhook's totals. */
static void
AddToWebhook(WhScanState *state, TupleTableSlot *slot, const WhColumnMap *columns,
			 const WhDelivery *d)
{
	int			col = columns->col[WH_COL_WEBHOOK_ID].position;
	WhWebhookTotals *totals;

	if (slot->tts_isnull[col])
		totals = WhWebhookSetFor(state->scan->webhooks, NULL, 0, true);
	else
	{
		text	   *id = DatumGetTextPP(slot->tts_values[col]);

		totals = WhWebhookSetFor(state->scan->webhooks, VARDATA_ANY(id),
								 VARSIZE_ANY_EXHDR(id), false);
	}
	WhMetricsAddDelivery(&totals->metrics, d, 1);
	if (d->has_latency)
		WhLatencyHistAdd(totals->latency, d->latency_ms, 1);
}

/* ScanRow accumulates one row's delivery into every part of the scan. */
static bool
ScanRow(TupleTableSlot *slot, const WhColumnMap *columns, void *arg)
{
	WhScanState *state = arg;
	WhScan	   *scan = state->scan;
	WhDelivery	d;

	if (!WhDeliveryRead(&d, slot->tts_values, slot->tts_isnull, columns))
		return true;
	WhMetricsAddDelivery(HourMetrics(state, WhHourOf(d.created_at)), &d, 1);
	if (scan->parts & WH_SCAN_WEBHOOKS)
		AddToWebhook(state, slot, columns, &d);
	if (scan->parts & WH_SCAN_LISTS)
		WhDetailAddDelivery(&scan->detail, &d, 1);
	else if ((scan->parts & WH_SCAN_LATENCY) && d.has_latency)
		WhLatencyHistAdd(scan->detail.latency, d.latency_ms, 1);
	return true;
}

/* HandRow hands one row to the reader. */
static inline bool
HandRow(WhReading *reading, TupleTableSlot *slot)
{
	slot_getallattrs(slot);
	return reading->reader->row(slot, &reading->columns, reading->arg);
}

/* ReceiveRow hands one row of a query to the reader. */
static bool
ReceiveRow(TupleTableSlot *slot, DestReceiver *self)
{
	CHECK_FOR_INTERRUPTS();
	return HandRow((WhReading *) self, slot);
}

/* ReceiverStartup finds where the window query put each column the reader reads. */
static void
ReceiverStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	WhColumnMapFind(typeinfo, false, "window query", &((WhReading *) self)->columns);
}

/* ScanRows reads the rows of [from, to) of the filter's organization and webhook. */
static void
ScanRows(WhReading *reading, const WhFilter *filter, TimestampTz from, TimestampTz to)
{
	WhFilter	part = *filter;

	if (from >= to)
		return;
	part.from = from;
	part.to = to;
	WhQueryWindowRows(&part, &reading->pub, to - from <= USECS_PER_HOUR);
}

/* IndexRowStartup finds where the table puts each column the reader reads. */
static void
IndexRowStartup(TupleDesc desc, void *arg)
{
	WhColumnMapFind(desc, false, "events table", &((WhReading *) arg)->columns);
}

/* IndexRow hands one row read from the index to the reader (the index walk checks for interrupts). */
static bool
IndexRow(TupleTableSlot *slot, void *arg)
{
	return HandRow((WhReading *) arg, slot);
}

/*
 * ScanEdges reads the rows of the window's two partial edge hours,
 * [first_from, first_to) and [second_from, second_to): straight from the
 * indexes of rows (index_rows.c) when it has any, else in one query when
 * both hold time.
 */
static void
ScanEdges(WhReading *reading, const WhFilter *filter, const WhRowsIndexes *rows,
		  TimestampTz first_from, TimestampTz first_to, TimestampTz second_from,
		  TimestampTz second_to)
{
	WhFilter	part = *filter;

	if (rows != NULL && rows->ntables > 0)
	{
		TimestampTz from[2] = {first_from, second_from};
		TimestampTz to[2] = {first_to, second_to};

		WhIndexRowsRead(rows, part.organization_id, 2, from, to, IndexRow, IndexRowStartup, reading);
		return;
	}

	if (first_from >= first_to || second_from >= second_to)
	{
		ScanRows(reading, filter, first_from, first_to);
		ScanRows(reading, filter, second_from, second_to);
		return;
	}
	part.from = first_from;
	part.to = first_to;
	WhQueryEdgeRows(&part, second_from, second_to, &reading->pub);
}

/* SummaryDay starts a summary row: its hours are hours of this day. */
static void
SummaryDay(void *arg, int64 day)
{
	((WhScanState *) arg)->summary_day = day;
}

/* WhWebhookWanted is whether a summary's webhook is one a webhook_id filter (NULL: none) keeps. */
bool
WhWebhookWanted(const text *wanted, const char *id, int len, bool isnull)
{
	return wanted == NULL ||
		(!isnull && VARSIZE_ANY_EXHDR(wanted) == (Size) len &&
		 memcmp(VARDATA_ANY(wanted), id, len) == 0);
}

/* SummaryWebhook is true for the webhooks the filter keeps, and makes it the current one. */
static bool
SummaryWebhook(void *arg, const char *id, int len, bool isnull)
{
	WhScanState *state = arg;

	if (!WhWebhookWanted(state->filter->webhook_id, id, len, isnull))
		return false;
	if (state->scan->parts & WH_SCAN_WEBHOOKS)
		state->webhook = WhWebhookSetFor(state->scan->webhooks, id, len, isnull);
	return true;
}

/* SummaryHour adds a webhook's counters of one hour of the day. */
static void
SummaryHour(void *arg, int hour, const WhMetrics *m)
{
	WhScanState *state = arg;

	WhMetricsAdd(HourMetrics(state, state->summary_day * 24 + hour), m);
	if (state->webhook != NULL)
		WhMetricsAdd(&state->webhook->metrics, m);
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

/* SummaryLatency adds a latency bin, to the current webhook's too. */
static void
SummaryLatency(void *arg, int64 value, int64 count)
{
	WhScanState *state = arg;

	if (state->scan->parts & WH_SCAN_LATENCY)
		WhLatencyHistAdd(state->scan->detail.latency, value, count);
	if (state->webhook != NULL)
		WhLatencyHistAdd(state->webhook->latency, value, count);
}

/* SummaryStatus adds a response status bin. */
static void
SummaryStatus(void *arg, int64 value, int64 count)
{
	WhLatencyHistAdd(((WhScanState *) arg)->scan->detail.statuses, value, count);
}

/* SummaryRetries adds a retries bin. */
static void
SummaryRetries(void *arg, int64 value, int64 count)
{
	WhLatencyHistAdd(((WhScanState *) arg)->scan->detail.retries, value, count);
}

/* SummaryFormat notes a summary without the outcomes. */
static void
SummaryFormat(void *arg, bool outcomes)
{
	if (!outcomes)
		((WhScanState *) arg)->outcomes_missing = true;
}

/* CeilUnit numbers the first whole unit (an hour, a slice: units since 2000-01-01) starting at or after ts. */
static int64
CeilUnit(TimestampTz ts, int64 unit)
{
	int64		n = WhFloorDiv(ts, unit);

	return n * unit == ts ? n : n + 1;
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

/* SummarySink sets sink to take of the summaries what the parts collect, and no more. */
static void
SummarySink(int parts, WhStateSink *sink)
{
	memset(sink, 0, sizeof(WhStateSink));
	sink->webhook = SummaryWebhook;
	sink->hour = SummaryHour;
	if (parts & WH_SCAN_LISTS)
	{
		sink->event = SummaryEvent;
		sink->failed_url = SummaryFailedUrl;
	}
	if (parts & (WH_SCAN_LATENCY | WH_SCAN_WEBHOOKS))
		sink->latency = SummaryLatency;
	if (parts & WH_SCAN_OUTCOMES)
	{
		sink->status = SummaryStatus;
		sink->retries = SummaryRetries;
		sink->format = SummaryFormat;
	}
}

/* StartScan makes an empty scan of the parts, and the state that fills it. */
static void
StartScan(WhScanState *state, const WhFilter *filter, int parts, WhScan *scan)
{
	memset(scan, 0, sizeof(WhScan));
	memset(state, 0, sizeof(WhScanState));
	if (parts & WH_SCAN_OUTCOMES)
		parts |= WH_SCAN_DETAIL;
	scan->parts = parts;
	if (parts & WH_SCAN_DETAIL)
		WhDetailInit(&scan->detail, CurrentMemoryContext, 64, 64, true,
					 (parts & WH_SCAN_OUTCOMES) != 0);
	SummarySink(parts, &state->sink);
	if (parts & WH_SCAN_WEBHOOKS)
		scan->webhooks = WhWebhookSetCreate(CurrentMemoryContext);
	state->scan = scan;
	state->filter = filter;
	state->hours = hour_map_create(CurrentMemoryContext, 64, NULL);
}

/*
 * WhReadWindow feeds the filter's window to a reader: its whole units (UTC
 * hours, or 5-minute slices for a reader of slices) from the day summaries
 * when the caller may use them and the reader takes them, the rest (the
 * partial units at the edges, or everything) as rows, straight from the
 * table's indexes where the summaries could answer. Sets *direct (unless
 * NULL) to where the caller may read the window's rows straight from the
 * table's indexes (ntables 0: nowhere). False when summaries the reader
 * read lack its slices (written before 1.6): what it was fed is then
 * incomplete, and it should read again without them. Call inside SPI.
 */
bool
WhReadWindow(const WhFilter *filter, const WhWindowReader *reader, void *arg,
			 WhRowsIndexes *direct)
{
	WhReading	reading = {0};
	WhSource	source = WH_SOURCE_ROWS;
	List	   *tables = NIL;
	WhRowsIndexes rows = {0};
	WhRowsIndexes none = {0};
	int64		unit = reader->slices != NULL ? WH_SLICE_USECS : USECS_PER_HOUR;
	int64		first = CeilUnit(filter->from, unit);
	int64		end = WhFloorDiv(filter->to, unit);
	bool		complete = true;

	/* the slices are the whole organization's */
	Assert(reader->slices == NULL || (reader->sink == NULL && filter->webhook_id == NULL));
	if (direct == NULL)
		direct = &none;
	memset(direct, 0, sizeof(WhRowsIndexes));
	WhRowReceiverInit(&reading.pub, ReceiveRow, ReceiverStartup);
	reading.reader = reader;
	reading.arg = arg;
	if (first < end)
		source = WhSummarySource(filter->events_relid, filter->organization_id, NULL, &tables, &rows);
	if (source == WH_SOURCE_NOTHING)
	{
		/* the whole units hold nothing the caller may see; the edges read as rows anyway */
		ScanEdges(&reading, filter, NULL, filter->from, first * unit, end * unit, filter->to);
	}
	else if (source == WH_SOURCE_SUMMARIES)
	{
		/* the indexes give every row of the organization: not with a webhook filter */
		if (filter->webhook_id == NULL)
			*direct = rows;
		if (reader->sink == NULL && reader->slices == NULL)
		{
			/* a reader of rows only: every row, from the indexes where it may */
			ScanEdges(&reading, filter, direct, filter->from, filter->to, filter->to, filter->to);
			return true;
		}
		ScanEdges(&reading, filter, direct, filter->from, first * unit, end * unit, filter->to);
		if (reader->slices != NULL)
			complete = WhSlicesRead(tables, filter, first, end, reader->day, reader->slices, arg);
		else
			WhSummariesRead(tables, filter, first, end, reader->by_hour, reader->day,
							reader->sink, arg);
	}
	else
		ScanRows(&reading, filter, filter->from, filter->to);
	return complete;
}

/*
 * WhScanWindow learns the parts (WH_SCAN_*) of the filter's window; call
 * inside SPI. Summaries that lack what the parts need (written by a
 * version before the outcomes) leave the whole window to the rows.
 */
void
WhScanWindow(const WhFilter *filter, int parts, WhScan *scan)
{
	WhScanState state;
	WhWindowReader reader = {ScanRow, NULL, SummaryDay, false, NULL};

	StartScan(&state, filter, parts, scan);
	reader.sink = &state.sink;
	(void) WhReadWindow(filter, &reader, &state, &scan->rows);
	if (state.outcomes_missing)
	{
		StartScan(&state, filter, parts, scan);
		reader.sink = NULL;
		(void) WhReadWindow(filter, &reader, &state, &scan->rows);
	}
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
