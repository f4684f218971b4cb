/*
 * summary_read.c
 *	  Reads the day summaries of one organization, with a plain index scan
 *	  under the caller's snapshot: a day the window covers whole from its
 *	  day value, a day it covers in part from the counters of the hours it
 *	  covers and their detail in the hours value (or, when that is less to
 *	  read, the day's detail less the other hours'); or, for a series of
 *	  5-minute multiples, each day's slices. The table is internal
 *	  (no privileges are granted); summary_trust.c decides whether a caller
 *	  may be answered from it, which stands in for them.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "relations.h"
#include "summary_read.h"
#include "summary_table.h"
#include "window.h"

/*
 * OutsideCheaper is true when a partial day's detail is cheaper to read as
 * the day's detail less the hours outside the range than as the hours in it
 * (by the stored sizes: the day value holds the day's detail, the hours
 * value every hour's, about a 24th each).
 */
static bool
OutsideCheaper(Datum state, Datum hours, int inside)
{
	Size		day_size = toast_raw_datum_size(state);
	Size		hours_size = toast_raw_datum_size(hours);

	return day_size + hours_size / WH_HOURS_PER_DAY * (WH_HOURS_PER_DAY - inside) <
		hours_size / WH_HOURS_PER_DAY * inside;
}

/*
 * DecodeHours feeds a stored hours value to the sink, detoasted for the
 * call: the detail of the hours in the range, or (outside) less that of the
 * others.
 */
static void
DecodeHours(Datum value, int lo, int hi, bool outside, const WhStateSink *sink, void *arg)
{
	bytea	   *bytes = DatumGetByteaPP(value);

	WhHoursDecode(bytes, lo, hi, outside, sink, arg);
	if ((Pointer) bytes != DatumGetPointer(value))
		pfree(bytes);
}

/* Takes one summary row of a day; false to stop the scan. */
typedef bool (*WhSummaryRow) (TupleTableSlot *slot, int64 day, void *context);

/*
 * ReadDays hands the summary rows of the summarized tables (parts: a table,
 * or the partitions of one) for the filter's organization and the days
 * [first_day, end_day) to row, each part's oldest day first; one index
 * scan, rescanned per part. False when row stopped it.
 */
static bool
ReadDays(List *parts, const WhFilter *filter, int64 first_day, int64 end_day, WhSummaryRow row,
		 void *context)
{
	Relation	heap = table_open(WhOwnTable("webhook_event_summaries"), AccessShareLock);
	Relation	index = index_open(WhOwnTable("webhook_event_summaries_org_day_idx"),
								   AccessShareLock);
	ScanKeyData keys[4];
	IndexScanDesc scan;
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	bool		complete = true;
	ListCell   *lc;

	scan = index_beginscan(heap, index, GetActiveSnapshot(), 4, 0);
	foreach(lc, parts)
	{
		ScanKeyInit(&keys[0], WH_SUMMARY_EVENTS, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(lfirst_oid(lc)));
		ScanKeyInit(&keys[1], WH_SUMMARY_ORGANIZATION, BTEqualStrategyNumber, F_TEXTEQ,
					PointerGetDatum(filter->organization_id));
		keys[1].sk_collation = index->rd_indcollation[1];
		ScanKeyInit(&keys[2], WH_SUMMARY_DAY, BTGreaterEqualStrategyNumber, F_INT8GE,
					Int64GetDatum(first_day));
		ScanKeyInit(&keys[3], WH_SUMMARY_DAY, BTLessStrategyNumber, F_INT8LT, Int64GetDatum(end_day));
		index_rescan(scan, keys, 4, NULL, 0);
		while (complete && index_getnext_slot(scan, ForwardScanDirection, slot))
		{
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			complete = row(slot, DatumGetInt64(slot_getattr(slot, WH_SUMMARY_DAY, &isnull)), context);
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
	return complete;
}

/* What WhSummariesRead reads of each day. */
typedef struct WhHoursReading
{
	int64		first_hour;
	int64		end_hour;
	bool		by_hour;
	bool		wants_detail;
	WhDayCallback day_callback;
	const WhStateSink *sink;
	void	   *arg;
} WhHoursReading;

/*
 * HoursRow reads the hours of one summary row in the range: their counters
 * and detail (a whole day's from the day value, unless it has none: a small
 * delta's, then from its hours).
 */
static bool
HoursRow(TupleTableSlot *slot, int64 day, void *context)
{
	WhHoursReading *r = context;
	bool		isnull;
	int			lo = (int) Max(r->first_hour - day * WH_HOURS_PER_DAY, 0);
	int			hi = (int) Min(r->end_hour - day * WH_HOURS_PER_DAY, WH_HOURS_PER_DAY);
	Datum		state_datum = slot_getattr(slot, WH_SUMMARY_STATE, &isnull);
	bytea	   *state = DatumGetByteaPP(state_datum);
	bool		day_detail = r->wants_detail && WhStateHasDayDetail(state);
	bool		hour_detail = r->wants_detail &&
		(r->by_hour || lo > 0 || hi < WH_HOURS_PER_DAY || !day_detail);
	Datum		hours = hour_detail ? slot_getattr(slot, WH_SUMMARY_HOURS, &isnull) : 0;
	bool		outside = hour_detail && day_detail && !r->by_hour &&
		OutsideCheaper(state_datum, hours, hi - lo);
	bool		whole = !r->by_hour && lo == 0 && hi == WH_HOURS_PER_DAY;

	r->day_callback(r->arg, day);
	WhStateDecode(state, lo, hi, day_detail && (whole || outside), r->sink, r->arg);
	if ((Pointer) state != DatumGetPointer(state_datum))
		pfree(state);
	if (hour_detail)
		DecodeHours(hours, lo, hi, outside, r->sink, r->arg);
	return true;
}

/*
 * WhSummariesRead feeds the summaries of the summarized tables (parts: a
 * table, or the partitions of one) for the filter's organization and the
 * whole hours [first_hour, end_hour) (hours since 2000-01-01) to the
 * callbacks, each part's oldest day first (by_hour: every day's detail
 * hour by hour, as a series needs it).
 */
void
WhSummariesRead(List *parts, const WhFilter *filter, int64 first_hour, int64 end_hour,
				bool by_hour, WhDayCallback day_callback, const WhStateSink *sink, void *arg)
{
	WhHoursReading r = {first_hour, end_hour, by_hour, false, day_callback, sink, arg};

	r.wants_detail = sink->event != NULL || sink->failed_url != NULL ||
		sink->latency != NULL || sink->status != NULL || sink->retries != NULL;
	(void) ReadDays(parts, filter, WhFloorDiv(first_hour, WH_HOURS_PER_DAY),
					WhFloorDiv(end_hour + WH_HOURS_PER_DAY - 1, WH_HOURS_PER_DAY),
					HoursRow, &r);
}

/* What WhSlicesRead reads of each day. */
typedef struct WhSlicesReading
{
	int64		first_slice;
	int64		end_slice;
	WhDayCallback day_callback;
	const WhSliceSink *sink;
	void	   *arg;
} WhSlicesReading;

/* SlicesRow reads the slices of one summary row in the range; false when it has none stored. */
static bool
SlicesRow(TupleTableSlot *slot, int64 day, void *context)
{
	WhSlicesReading *r = context;
	bool		isnull;
	Datum		value = slot_getattr(slot, WH_SUMMARY_SLICES, &isnull);
	bytea	   *slices;

	if (isnull)
		return false;
	slices = DatumGetByteaPP(value);
	r->day_callback(r->arg, day);
	WhSlicesDecode(slices, (int) Max(r->first_slice - day * WH_SLICES_PER_DAY, 0),
				   (int) Min(r->end_slice - day * WH_SLICES_PER_DAY, WH_SLICES_PER_DAY),
				   r->sink, r->arg);
	if ((Pointer) slices != DatumGetPointer(value))
		pfree(slices);
	return true;
}

/*
 * WhSlicesRead feeds the organization's 5-minute slices [first_slice,
 * end_slice) (slices since 2000-01-01) of the summarized tables to the
 * callbacks, as WhSummariesRead does the hours; false when a summary row
 * holds no slices (written before 1.6): what was fed is then incomplete.
 */
bool
WhSlicesRead(List *parts, const WhFilter *filter, int64 first_slice, int64 end_slice,
			 WhDayCallback day_callback, const WhSliceSink *sink, void *arg)
{
	WhSlicesReading r = {first_slice, end_slice, day_callback, sink, arg};

	return ReadDays(parts, filter, WhFloorDiv(first_slice, WH_SLICES_PER_DAY),
					WhFloorDiv(end_slice + WH_SLICES_PER_DAY - 1, WH_SLICES_PER_DAY),
					SlicesRow, &r);
}
