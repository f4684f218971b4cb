/*
 * summary_watch.c
 *	  The event trigger that keeps the summaries' status right after DDL.
 *	  After each DDL command, for every summarized table: it refuses (by
 *	  raising) a change the summary triggers could no longer read (a column
 *	  dropped, renamed or given an unreadable type) or that breaks the
 *	  summary table, marks the summaries stale when the table can now change
 *	  without them seeing it (triggers disabled, a child attached), and
 *	  brings a partitioned table's record of its partitions in step
 *	  (summary_parts.c). A rewrite (table_rewrite) marks them stale; a
 *	  dropped table's summaries and status go (sql_drop).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "columns.h"
#include "relations.h"
#include "summary_parts.h"
#include "summary_status.h"
#include "summary_table.h"
#include "summary_trust.h"
#include "summary_write.h"
#include "trigger_set.h"

PG_FUNCTION_INFO_V1(webhook_summaries_watch);

/* The relation an event trigger is checking, for the error context. */
typedef struct WhDdlCheck
{
	const char *relname;
	const char *tag;
} WhDdlCheck;

/* DdlCheckContext says, under an error raised while checking, that the DDL was refused. */
static void
DdlCheckContext(void *arg)
{
	WhDdlCheck *check = arg;

	errcontext("whanalytics refused %s: \"%s\" must stay as its summaries read it",
			   check->tag, check->relname);
}

/*
 * CheckAfterDdl runs after each DDL command for one summarized table: it
 * refuses (by raising) a table the triggers could no longer read or a
 * summary table the direct writes no longer match, and marks the
 * summaries stale when the table can now change without them seeing it.
 */
static void
CheckAfterDdl(Oid events_relid, const char *tag)
{
	Relation	events = table_open(events_relid, AccessShareLock);
	Relation	summaries = table_open(WhOwnTable("webhook_event_summaries"), AccessShareLock);
	Relation	index = NULL;
	WhDdlCheck	check = {RelationGetRelationName(events), tag};
	ErrorContextCallback callback = {error_context_stack, DdlCheckContext, &check};
	WhColumnMap columns;
	const char *problem;
	bool		repairable;

	error_context_stack = &callback;
	WhColumnMapFind(RelationGetDescr(events), true, RelationGetRelationName(events), &columns);
	check.relname = RelationGetRelationName(summaries);
	if (WhSummaryTableCurrent(summaries))
	{
		index = index_open(WhOwnTable("webhook_event_summaries_org_day_idx"), AccessShareLock);
		WhCheckSummaryTable(summaries, index);
	}
	error_context_stack = callback.previous;

	problem = WhSourceProblem(events, &repairable);
	if (problem != NULL)
		WhMarkStale(events_relid, problem);
	if (index != NULL)
		index_close(index, AccessShareLock);
	table_close(summaries, AccessShareLock);
	table_close(events, AccessShareLock);
}

/* SummarizedTableOf returns the summarized table relid is or is a partition of, or InvalidOid. */
static Oid
SummarizedTableOf(Oid relid, List *tables)
{
	ListCell   *lc;

	if (list_member_oid(tables, relid))
		return relid;
	foreach(lc, tables)
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_PARTITIONED_TABLE &&
			list_member_oid(WhStatusParts(lfirst_oid(lc)), relid))
			return lfirst_oid(lc);
	return InvalidOid;
}

/* ForgetDropped deletes the summaries and status of every dropped table. */
static void
ForgetDropped(void)
{
	MemoryContext caller = CurrentMemoryContext;
	List	   *dropped = NIL;
	ListCell   *lc;

	SPI_connect();
	if (SPI_execute("SELECT objid FROM pg_catalog.pg_event_trigger_dropped_objects()"
					" WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
					" AND objsubid OPERATOR(pg_catalog.=) 0", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "listing dropped objects failed");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));
		MemoryContext spi = MemoryContextSwitchTo(caller);

		dropped = lappend_oid(dropped, relid);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	foreach(lc, dropped)
	{
		TimestampTz since;
		char	   *stale;

		if (WhStatusOf(lfirst_oid(lc), &since, &stale) != WH_STATUS_NONE)
			WhStatusRemove(lfirst_oid(lc));
		WhSummariesDeleteAll(lfirst_oid(lc));	/* a trigger made by hand may have written some */
	}
}

/* ExtensionTablesExist is false while the extension's own tables are going (DROP EXTENSION) or not there yet. */
static bool
ExtensionTablesExist(void)
{
	Oid			schema = WhExtensionSchema();

	return OidIsValid(get_relname_relid("webhook_summary_status", schema)) &&
		OidIsValid(get_relname_relid("webhook_event_summaries", schema)) &&
		OidIsValid(get_relname_relid("webhook_events", schema)) &&
		WhSummaryTableIsCurrent();
}

/*
 * webhook_summaries_watch: the event trigger of ddl_command_end,
 * table_rewrite (a rewrite may change values with no trigger firing) and
 * sql_drop.
 */
Datum
webhook_summaries_watch(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	Oid			extension = get_extension_oid("whanalytics", true);
	const char *tag;
	List	   *tables;
	ListCell   *lc;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "webhook_summaries_watch must be called as an event trigger");
	trigdata = (EventTriggerData *) fcinfo->context;
	/* the extension's own scripts build the objects step by step; its own trigger changes are checked by their caller */
	if (!OidIsValid(extension) || (creating_extension && CurrentExtensionObject == extension) ||
		wh_changing_triggers || !ExtensionTablesExist())
		PG_RETURN_VOID();
	tag = GetCommandTagName(trigdata->tag);
	if (strcmp(trigdata->event, "sql_drop") == 0)
	{
		ForgetDropped();
		PG_RETURN_VOID();
	}
	SPI_connect();
	tables = WhStatusTables();
	if (strcmp(trigdata->event, "table_rewrite") == 0)
	{
		Oid			rewritten = DatumGetObjectId(OidFunctionCall0(F_PG_EVENT_TRIGGER_TABLE_REWRITE_OID));
		Oid			table = SummarizedTableOf(rewritten, tables);

		if (OidIsValid(table))
		{
			/* refuse an unreadable new type now, before saying anything of the rewrite */
			CheckAfterDdl(table, tag);
			WhMarkStale(table, "it was rewritten by ALTER TABLE");
		}
		SPI_finish();
		PG_RETURN_VOID();
	}
	foreach(lc, tables)
	{
		Oid			table = lfirst_oid(lc);

		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(table)))
			continue;
		/* a new or newly attached partition gets its triggers before the check */
		if (get_rel_relkind(table) == RELKIND_PARTITIONED_TABLE)
			(void) WhSyncParts(table, false);
		CheckAfterDdl(table, tag);
	}
	SPI_finish();
	PG_RETURN_VOID();
}
