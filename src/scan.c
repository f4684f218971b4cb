/*
 * scan.c
 *	  The engine. A DestReceiver takes each row of the window query as the
 *	  executor produces it (nothing is materialized) and feeds, from that
 *	  single pass, the per-hour counters, the event and failed-URL counts
 *	  and the latency values. Rows arrive in created_at order from the
 *	  index, so the current hour's bucket is remembered between rows.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/int.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/jsonb.h"

#include "queries.h"
#include "scan.h"
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

/* The receiver: the scan being filled and the hour seen last. */
typedef struct WhScanReceiver
{
	DestReceiver pub;
	WhScan	   *scan;
	hour_map_hash *hours;
	WhHourEntry *current;		/* valid until the next new hour is inserted */
} WhScanReceiver;

/* IsAttemptError is true when error is neither SQL NULL nor JSON null. */
static bool
IsAttemptError(Datum error, bool isnull)
{
	Jsonb	   *json;
	JsonbValue	scalar;
	bool		attempt;

	if (isnull)
		return false;
	json = DatumGetJsonbP(error);
	attempt = !(JB_ROOT_IS_SCALAR(json) &&
				JsonbExtractScalar(&json->root, &scalar) &&
				scalar.type == jbvNull);
	if ((Pointer) json != DatumGetPointer(error))
		pfree(json);
	return attempt;
}

/* CountText adds a text datum (or SQL NULL) to a counter. */
static void
CountText(WhCounter *counter, Datum value, bool isnull)
{
	text	   *t;

	if (isnull)
	{
		WhCounterAddNull(counter);
		return;
	}
	t = DatumGetTextPP(value);
	WhCounterAdd(counter, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	if ((Pointer) t != DatumGetPointer(value))
		pfree(t);
}

/*
 * LatencyMs is greatest(0, round(extract(epoch FROM sent - created) * 1000)):
 * whole milliseconds, half a millisecond rounding up.
 */
static double
LatencyMs(TimestampTz created, TimestampTz sent)
{
	int64		diff;

	if (sent <= created)
		return 0;
	if (pg_sub_s64_overflow(sent, created, &diff))
		return rint(((double) sent - (double) created) / 1000.0);
	return (double) (diff / 1000 + (diff % 1000 >= 500 ? 1 : 0));
}

/* HourMetrics returns the counters of the hour holding created_at. */
static inline WhMetrics *
HourMetrics(WhScanReceiver *receiver, TimestampTz created_at)
{
	int64		hour = WhHourOf(created_at);
	bool		found;

	if (receiver->current == NULL || receiver->current->hour != hour)
	{
		receiver->current = hour_map_insert(receiver->hours, hour, &found);
		if (!found)
			memset(&receiver->current->metrics, 0, sizeof(WhMetrics));
	}
	return &receiver->current->metrics;
}

/* ReceiveRow accumulates one delivery into every metric. */
static bool
ReceiveRow(TupleTableSlot *slot, DestReceiver *self)
{
	WhScanReceiver *receiver = (WhScanReceiver *) self;
	WhScan	   *scan = receiver->scan;
	Datum	   *v;
	bool	   *null;
	WhMetrics  *m;
	bool		success;
	bool		failed = false;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	v = slot->tts_values;
	null = slot->tts_isnull;
	if (null[WH_SCAN_CREATED_AT])
		return true;			/* cannot be in the window */

	m = HourMetrics(receiver, DatumGetTimestampTz(v[WH_SCAN_CREATED_AT]));
	m->total++;
	success = !null[WH_SCAN_RESPONSE_STATUS] &&
		DatumGetInt32(v[WH_SCAN_RESPONSE_STATUS]) >= 200 &&
		DatumGetInt32(v[WH_SCAN_RESPONSE_STATUS]) <= 299;
	if (success)
		m->success++;
	else if (!null[WH_SCAN_RESPONSE_STATUS] ||
			 IsAttemptError(v[WH_SCAN_ERROR], null[WH_SCAN_ERROR]))
	{
		m->failed++;
		failed = true;
	}
	if (!null[WH_SCAN_DONE] && DatumGetInt16(v[WH_SCAN_DONE]) == 0)
		m->pending++;
	if (!null[WH_SCAN_RETRIES] && DatumGetInt32(v[WH_SCAN_RETRIES]) > 0)
		m->retried++;
	if (!null[WH_SCAN_DELAY_MS])
	{
		m->delay_count++;
		m->delay_sum += DatumGetInt32(v[WH_SCAN_DELAY_MS]);
	}

	if (!scan->detailed)
		return true;
	CountText(scan->events, v[WH_SCAN_EVENT], null[WH_SCAN_EVENT]);
	if (failed)
		CountText(scan->failed_urls, v[WH_SCAN_URL], null[WH_SCAN_URL]);
	if (!null[WH_SCAN_FIRST_SENT_AT] &&
		!TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(v[WH_SCAN_FIRST_SENT_AT])))
		WhValuesAdd(scan->latency,
					LatencyMs(DatumGetTimestampTz(v[WH_SCAN_CREATED_AT]),
							  DatumGetTimestampTz(v[WH_SCAN_FIRST_SENT_AT])));
	return true;
}

/* ReceiverStartup checks that the query returns the columns the scan reads. */
static void
ReceiverStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	if (typeinfo->natts != WH_SCAN_NCOLUMNS)
		elog(ERROR, "window query returned %d columns, expected %d",
			 typeinfo->natts, WH_SCAN_NCOLUMNS);
}

/* ReceiverNoop is the receiver's shutdown and destroy callback. */
static void
ReceiverNoop(DestReceiver *self)
{
}

/* CompareHours orders hour buckets oldest first. */
static int
CompareHours(const void *a, const void *b)
{
	int64		x = ((const WhHourBucket *) a)->hour;
	int64		y = ((const WhHourBucket *) b)->hour;

	return (x > y) - (x < y);
}

/* WhScanWindow reads the window's rows once and fills scan; call inside SPI. */
void
WhScanWindow(const WhFilter *filter, bool detailed, WhScan *scan)
{
	WhScanReceiver receiver = {0};
	hour_map_iterator it;
	WhHourEntry *entry;
	int64		n = 0;

	memset(scan, 0, sizeof(WhScan));
	scan->detailed = detailed;
	if (detailed)
	{
		scan->events = WhCounterCreate(CurrentMemoryContext);
		scan->failed_urls = WhCounterCreate(CurrentMemoryContext);
		scan->latency = WhValuesCreate(CurrentMemoryContext, 1024);
	}

	receiver.pub.receiveSlot = ReceiveRow;
	receiver.pub.rStartup = ReceiverStartup;
	receiver.pub.rShutdown = ReceiverNoop;
	receiver.pub.rDestroy = ReceiverNoop;
	receiver.pub.mydest = DestTuplestore;	/* any but DestNone and DestSPI */
	receiver.scan = scan;
	receiver.hours = hour_map_create(CurrentMemoryContext, 64, NULL);

	WhQueryWindowRows(filter, &receiver.pub);

	scan->nhours = receiver.hours->members;
	scan->hours = palloc_extended(Max(scan->nhours, 1) * sizeof(WhHourBucket),
								  MCXT_ALLOC_HUGE);
	hour_map_start_iterate(receiver.hours, &it);
	while ((entry = hour_map_iterate(receiver.hours, &it)) != NULL)
	{
		scan->hours[n].hour = entry->hour;
		scan->hours[n].metrics = entry->metrics;
		n++;
	}
	qsort(scan->hours, n, sizeof(WhHourBucket), CompareHours);
}

/* WhScanTotals sums every hour's counters into totals. */
void
WhScanTotals(const WhScan *scan, WhMetrics *totals)
{
	memset(totals, 0, sizeof(WhMetrics));
	for (int64 i = 0; i < scan->nhours; i++)
		WhMetricsAdd(totals, &scan->hours[i].metrics);
}
