/*
 * summary_read.c
 *	  Reads the day summaries of one organization, with a plain index scan
 *	  under the caller's snapshot: a day the window covers whole from its
 *	  day value, a day it covers in part from the counters of the hours it
 *	  covers and their detail in the hours value (or, when that is less to
 *	  read, the day's detail less the other hours'). The table is internal
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
 * DecodeValue feeds a stored value to the sink, detoasted for the call: the
 * day value (WhStateDecode, with the day's detail when flag) or the hours
 * value (WhHoursDecode, the hours outside the range when flag).
 */
static void
DecodeValue(Datum value, bool hours, int lo, int hi, bool flag, const WhStateSink *sink,
			void *arg)
{
	bytea	   *bytes = DatumGetByteaPP(value);

	if (hours)
		WhHoursDecode(bytes, lo, hi, flag, sink, arg);
	else
		WhStateDecode(bytes, lo, hi, flag, sink, arg);
	if ((Pointer) bytes != DatumGetPointer(value))
		pfree(bytes);
}

/*
 * WhSummariesRead feeds the summaries of the summarized tables (parts: a
 * table, or the partitions of one) for the filter's organization and the
 * whole hours [first_hour, end_hour) (hours since 2000-01-01) to the
 * callbacks, each part's oldest day first (by_hour: every day's detail
 * hour by hour, as a series needs it); one index scan, rescanned per part.
 */
void
WhSummariesRead(List *parts, const WhFilter *filter, int64 first_hour, int64 end_hour,
				bool by_hour, WhDayCallback day_callback, const WhStateSink *sink, void *arg)
{
	Relation	heap = table_open(WhOwnTable("webhook_event_summaries"), AccessShareLock);
	Relation	index = index_open(WhOwnTable("webhook_event_summaries_org_day_idx"),
								   AccessShareLock);
	ScanKeyData keys[4];
	IndexScanDesc scan;
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	int64		first_day = WhFloorDiv(first_hour, WH_HOURS_PER_DAY);
	int64		end_day = WhFloorDiv(end_hour + WH_HOURS_PER_DAY - 1, WH_HOURS_PER_DAY);
	bool		wants_detail = sink->event != NULL || sink->failed_url != NULL ||
		sink->latency != NULL || sink->status != NULL || sink->retries != NULL;
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
		while (index_getnext_slot(scan, ForwardScanDirection, slot))
		{
			bool		isnull;
			int64		day = DatumGetInt64(slot_getattr(slot, WH_SUMMARY_DAY, &isnull));
			int			lo = (int) Max(first_hour - day * WH_HOURS_PER_DAY, 0);
			int			hi = (int) Min(end_hour - day * WH_HOURS_PER_DAY, WH_HOURS_PER_DAY);
			bool		hour_detail = wants_detail && (by_hour || lo > 0 || hi < WH_HOURS_PER_DAY);
			Datum		state = slot_getattr(slot, WH_SUMMARY_STATE, &isnull);
			Datum		hours = hour_detail ? slot_getattr(slot, WH_SUMMARY_HOURS, &isnull) : 0;
			bool		outside = hour_detail && !by_hour && OutsideCheaper(state, hours, hi - lo);
			bool		whole = !by_hour && lo == 0 && hi == WH_HOURS_PER_DAY;

			CHECK_FOR_INTERRUPTS();
			day_callback(arg, day);
			DecodeValue(state, false, lo, hi, wants_detail && (whole || outside), sink, arg);
			if (hour_detail)
				DecodeValue(hours, true, lo, hi, outside, sink, arg);
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
}
