/*
 * summary_read.c
 *	  Decides whether the day summaries may answer for the caller, and reads
 *	  them. They may only when the functions read the extension's own table,
 *	  the setting whanalytics.use_summaries is on, the caller may SELECT the
 *	  whole table, row-level security does not apply to the caller (else the
 *	  raw rows must be read, so policies filter them) and the maintenance
 *	  triggers are enabled in every session mode. The summary table is read
 *	  with a plain index scan under the caller's snapshot; it is internal
 *	  (no privileges granted), and the checks above stand in for them.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "relations.h"
#include "settings.h"
#include "summary_read.h"

/* The maintenance triggers, which must all fire ALWAYS for the summaries to be complete. */
static const char *const wh_summary_triggers[] = {
	"webhook_events_summarize_insert",
	"webhook_events_summarize_update",
	"webhook_events_summarize_delete",
	"webhook_events_summarize_truncate",
};

/* TriggersAlwaysFire is true when every maintenance trigger is enabled ALWAYS. */
static bool
TriggersAlwaysFire(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	TriggerDesc *triggers = rel->trigdesc;
	int			found = 0;

	for (int i = 0; triggers != NULL && i < triggers->numtriggers; i++)
	{
		Trigger    *t = &triggers->triggers[i];

		for (size_t j = 0; j < lengthof(wh_summary_triggers); j++)
			if (strcmp(t->tgname, wh_summary_triggers[j]) == 0 &&
				t->tgenabled == TRIGGER_FIRES_ALWAYS)
				found++;
	}
	table_close(rel, AccessShareLock);
	return found == lengthof(wh_summary_triggers);
}

/* WhSummariesUsable is true when the summaries show this caller exactly what the rows would. */
bool
WhSummariesUsable(void)
{
	Oid			events;

	if (!wh_use_summaries || (wh_events_table != NULL && wh_events_table[0] != '\0'))
		return false;
	events = WhOwnTable("webhook_events");
	return pg_class_aclcheck(events, GetUserId(), ACL_SELECT) == ACLCHECK_OK &&
		check_enable_rls(events, InvalidOid, true) != RLS_ENABLED &&
		TriggersAlwaysFire(events);
}

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
