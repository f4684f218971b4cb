/*
 * summary_attach.c
 *	  webhook_summaries_attach(table) and webhook_summaries_detach(table):
 *	  summaries for a table of the user's, plain or partitioned, read when
 *	  whanalytics.events_table names it. Attaching gives the table (and each
 *	  partition) the summary triggers of its kind (trigger_set.c), records
 *	  it in the status table and builds its summaries from its rows, all in
 *	  the caller's transaction; attaching again rebuilds them. Detaching
 *	  drops the triggers, the summaries and the status.
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "columns.h"
#include "relations.h"
#include "summary_maintenance.h"
#include "summary_parts.h"
#include "summary_status.h"
#include "summary_trust.h"
#include "summary_write.h"
#include "trigger_set.h"

PG_FUNCTION_INFO_V1(webhook_summaries_attach);
PG_FUNCTION_INFO_V1(webhook_summaries_detach);

/* CheckAttachable fails unless the caller may attach or detach relid, a table of the user's. */
static void
CheckAttachable(Oid relid, const char *function)
{
	char		relkind = get_rel_relkind(relid);

	WhCheckWritable(function);
	if (relid == WhOwnTable("webhook_events"))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s takes a table of your own; the extension's webhook_events is always summarized",
						function),
				 errhint("Use webhook_summaries_rebuild() to rebuild its summaries.")));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a plain or partitioned table", get_rel_name(relid)),
				 errhint("Summaries follow the rows of a table through its triggers; calls read the rows of a view or foreign table.")));
	WhCheckTableOwner(relid, function);
}

/*
 * webhook_summaries_attach(events regclass) -> bigint: keeps summaries for
 * the table from now on, built from its rows now; returns the deliveries
 * summarized.
 */
Datum
webhook_summaries_attach(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	WhColumnMap columns;
	const char *problem;
	bool		repairable;
	bool		partitioned;
	int64		rows;

	CheckAttachable(relid, "webhook_summaries_attach()");
	rel = table_open(relid, ShareRowExclusiveLock);
	partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	WhColumnMapFind(RelationGetDescr(rel), true, RelationGetRelationName(rel), &columns);
	problem = WhSourceProblem(rel, &repairable);
	table_close(rel, NoLock);
	if (problem != NULL && !repairable)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot keep whanalytics summaries for \"%s\": %s", get_rel_name(relid), problem),
				 errhint("Attach a permanent table that is not a partition or inheritance child (attach the partitioned table itself).")));

	SPI_connect();
	WhCreateTriggers(relid, partitioned ? WH_TRIGGERS_PARTITIONED : WH_TRIGGERS_STATEMENT);
	CommandCounterIncrement();
	WhStatusAdd(relid, InvalidOid);
	rows = WhSummariesRebuild(relid);
	SPI_finish();
	PG_RETURN_INT64(rows);
}

/* webhook_summaries_detach(events regclass): stops keeping summaries for the table, and drops them. */
Datum
webhook_summaries_detach(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	TimestampTz since;
	char	   *stale;
	List	   *parts;
	ListCell   *lc;

	CheckAttachable(relid, "webhook_summaries_detach()");
	SPI_connect();
	if (WhStatusOf(relid, &since, &stale) == WH_STATUS_NONE)
	{
		ereport(NOTICE,
				(errmsg("\"%s\" has no whanalytics summaries, skipping", get_rel_name(relid))));
		SPI_finish();
		PG_RETURN_VOID();
	}
	LockRelationOid(relid, ShareRowExclusiveLock);
	parts = list_concat_unique_oid(WhStatusParts(relid), WhSummaryParts(relid));
	WhDropTriggers(relid);
	foreach(lc, parts)
	{
		if (lfirst_oid(lc) != relid && SearchSysCacheExists1(RELOID, ObjectIdGetDatum(lfirst_oid(lc))))
			WhDropTriggers(lfirst_oid(lc));
		WhSummariesDeleteAll(lfirst_oid(lc));
	}
	WhStatusRemove(relid);
	SPI_finish();
	PG_RETURN_VOID();
}
