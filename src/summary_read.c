/*
 * summary_read.c
 *	  Reads the day summaries of one organization, with a plain index scan
 *	  under the caller's snapshot: a day the window covers whole from its
 *	  day value, a day it covers in part from the counters of the hours it
 *	  covers and their detail in the hours value. The table is internal (no privileges are
 *	  granted); summary_trust.c decides whether a caller may be answered
 *	  from it, which stands in for them.
 */
#include "postgres.h"

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
 * WhSummariesRead feeds the summaries of the summarized tables (parts: a
 * table, or the partitions of one) for the filter's organization and the
 * whole hours [first_hour, end_hour) (hours since 2000-01-01) to the
 * callbacks, each part's oldest day first; one index scan, rescanned per
 * part.
 */
void
WhSummariesRead(List *parts, const WhFilter *filter, int64 first_hour, int64 end_hour,
				WhDayCallback day_callback, const WhStateSink *sink, void *arg)
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
		sink->latency != NULL;
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
			Datum		state = slot_getattr(slot, WH_SUMMARY_STATE, &isnull);
			bytea	   *bytes = DatumGetByteaPP(state);

			CHECK_FOR_INTERRUPTS();
			day_callback(arg, day);
			WhStateDecode(bytes, lo, hi, sink, arg);
			if ((Pointer) bytes != DatumGetPointer(state))
				pfree(bytes);
			if ((lo > 0 || hi < WH_HOURS_PER_DAY) && wants_detail)
			{
				Datum		hours = slot_getattr(slot, WH_SUMMARY_HOURS, &isnull);

				bytes = DatumGetByteaPP(hours);
				WhHoursDecode(bytes, lo, hi, sink, arg);
				if ((Pointer) bytes != DatumGetPointer(hours))
					pfree(bytes);
			}
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
}
