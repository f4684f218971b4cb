/*
 * summary_read.c
 *	  Reads the day summaries of one organization, with a plain index scan
 *	  under the caller's snapshot. The table is internal (no privileges are
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

/*
 * WhSummariesRead feeds the summaries of the filter's organization for days
 * [first_day, end_day) to the callbacks, oldest day first.
 */
void
WhSummariesRead(const WhFilter *filter, int64 first_day, int64 end_day,
				WhDayCallback day_callback, const WhStateSink *sink, void *arg)
{
	Relation	heap = table_open(WhOwnTable("webhook_event_summaries"), AccessShareLock);
	Relation	index = index_open(WhOwnTable("webhook_event_summaries_org_day_idx"),
								   AccessShareLock);
	ScanKeyData keys[3];
	IndexScanDesc scan;
	TupleTableSlot *slot = table_slot_create(heap, NULL);

	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_TEXTEQ,
				PointerGetDatum(filter->organization_id));
	keys[0].sk_collation = index->rd_indcollation[0];
	ScanKeyInit(&keys[1], 2, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(first_day));
	ScanKeyInit(&keys[2], 2, BTLessStrategyNumber, F_INT8LT, Int64GetDatum(end_day));

	scan = index_beginscan(heap, index, GetActiveSnapshot(), 3, 0);
	index_rescan(scan, keys, 3, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		int64		day = DatumGetInt64(slot_getattr(slot, 2, &isnull));
		Datum		state = slot_getattr(slot, 3, &isnull);
		bytea	   *bytes = DatumGetByteaPP(state);

		CHECK_FOR_INTERRUPTS();
		day_callback(arg, day);
		WhStateDecode(bytes, sink, arg);
		if ((Pointer) bytes != DatumGetPointer(state))
			pfree(bytes);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
}
