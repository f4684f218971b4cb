/*
 * summary_maintenance.c
 *	  The maintenance functions webhook_summaries_compact() and
 *	  webhook_summaries_rebuild(). Both write, so both refuse a read-only
 *	  transaction and a standby. Rebuild is MVCC-safe: it deletes the old
 *	  summaries and inserts new ones in one transaction, so readers keep
 *	  seeing the old ones (exact for their snapshot) until it commits and
 *	  never wait for it.
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/acl.h"
#include "utils/rel.h"

#include "queries.h"
#include "relations.h"
#include "summary_maintenance.h"
#include "summary_parts.h"
#include "summary_status.h"
#include "summary_table.h"
#include "summary_trust.h"
#include "trigger_set.h"
#include "summary_write.h"

PG_FUNCTION_INFO_V1(webhook_summaries_compact);
PG_FUNCTION_INFO_V1(webhook_summaries_rebuild);

/* WhCheckWritable refuses to run a function that writes summaries where it cannot write. */
void
WhCheckWritable(const char *function)
{
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot run %s on a standby", function),
				 errhint("Run it on the primary; the standby receives its summaries by replication.")));
	if (XactReadOnly)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot run %s in a read-only transaction", function),
				 errhint("Run it in a read-write transaction (BEGIN READ WRITE, or default_transaction_read_only off).")));
}

/* webhook_summaries_compact() merges every day's deltas; returns the days merged. */
Datum
webhook_summaries_compact(PG_FUNCTION_ARGS)
{
	int64		days;

	WhCheckWritable("webhook_summaries_compact()");
	SPI_connect();
	days = WhSummariesCompactAll(InvalidOid);
	SPI_finish();
	PG_RETURN_INT64(days);
}

/* A DestReceiver feeding every row of the rebuild query to a collector. */
typedef struct RebuildReceiver
{
	DestReceiver pub;
	WhCollector *collector;
	WhColumnMap columns;
	int64		rows;
} RebuildReceiver;

/* RebuildRow adds one delivery to the rebuilt summaries. */
static bool
RebuildRow(TupleTableSlot *slot, DestReceiver *self)
{
	RebuildReceiver *receiver = (RebuildReceiver *) self;

	CHECK_FOR_INTERRUPTS();
	WhCollectorAdd(receiver->collector, slot, &receiver->columns, 1);
	receiver->rows++;
	return true;
}

/* RebuildStartup finds where the rebuild query put each column. */
static void
RebuildStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	WhColumnMapFind(typeinfo, true, "rebuild query", &((RebuildReceiver *) self)->columns);
}

/*
 * PrepareSource checks that the summaries can follow the table once
 * rebuilt, giving it (and each partition) its summary triggers back in
 * their modes if they were changed (that ALTER TABLE holds its lock until
 * the rebuild commits).
 */
static void
PrepareSource(Oid events_relid)
{
	Relation	events = table_open(events_relid, AccessShareLock);
	bool		partitioned = events->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	bool		repairable;
	const char *problem = WhSourceProblem(events, &repairable);

	table_close(events, AccessShareLock);
	if (problem == NULL)
		return;
	if (repairable && partitioned)
	{
		ListCell   *lc;
		List	   *parts = WhSummaryParts(events_relid);

		WhCreateTriggers(events_relid, WH_TRIGGERS_PARTITIONED);
		foreach(lc, parts)
			if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_RELATION)
				WhCreateTriggers(lfirst_oid(lc), WH_TRIGGERS_PARTITION);
		CommandCounterIncrement();
		events = table_open(events_relid, AccessShareLock);
		problem = WhSourceProblem(events, &repairable);
		table_close(events, AccessShareLock);
	}
	else if (repairable && WhRestoreTriggerModes(events_relid, WH_TRIGGERS_STATEMENT))
		problem = NULL;
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot rebuild the whanalytics summaries of \"%s\": %s",
						get_rel_name(events_relid), problem),
				 errhint(repairable ? "Reinstall the extension to recreate its triggers, or attach the table again."
						 : "Undo that change; the summaries cannot follow such a table (answers read rows meanwhile).")));
}

/* ReadAllRows feeds every row of the table, read as its owner with row security off, to the collector. */
static int64
ReadAllRows(Oid events_relid, WhCollector *collector)
{
	RebuildReceiver receiver = {0};
	SPIExecuteOptions options = {0};
	SPIPlanPtr	plan;
	Oid			save_user;
	int			save_sec;

	receiver.collector = collector;
	WhRowReceiverInit(&receiver.pub, RebuildRow, RebuildStartup);

	/* every row counts: the owner, with FORCE ROW LEVEL SECURITY lifted as for RI checks */
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(WhRelationOwner(events_relid),
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	plan = SPI_prepare(WhQueryAllMetricRows(WhQualifiedName(events_relid)), 0, NULL);
	if (plan == NULL)
		elog(ERROR, "preparing the rebuild query failed");
	options.dest = &receiver.pub;
	if (SPI_execute_plan_extended(plan, &options) != SPI_OK_SELECT)
		elog(ERROR, "reading the summarized table failed");
	SetUserIdAndSecContext(save_user, save_sec);
	return receiver.rows;
}

/*
 * WhRebuildPart recomputes the summaries of one table whose summaries are
 * its own (a plain table, or one partition) from its rows; returns the
 * deliveries summarized. Call inside SPI.
 */
int64
WhRebuildPart(Oid part)
{
	WhCollector *collector;
	int64		rows;

	LockRelationOid(part, ShareLock);
	WhSummariesDeleteAll(part);
	collector = WhCollectorCreate(part, false, false);
	rows = ReadAllRows(part, collector);
	WhCollectorFinish(collector);
	WhSummariesCompactAll(part);
	return rows;
}

/*
 * WhSummariesRebuild recomputes every summary of events_relid (each
 * partition's, for a partitioned table) from its rows and clears the stale
 * mark; returns the deliveries summarized. It holds a SHARE lock on the
 * table and its partitions (writers wait) and an EXCLUSIVE lock on the
 * summaries (compaction waits); readers wait for neither. Call inside SPI.
 */
int64
WhSummariesRebuild(Oid events_relid)
{
	int64		rows;

	if (!WhSummaryTableIsCurrent())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the whanalytics summaries have the layout of an older version"),
				 errhint("Run ALTER EXTENSION whanalytics UPDATE, which rebuilds them.")));
	PrepareSource(events_relid);
	LockRelationOid(events_relid, ShareLock);
	LockRelationOid(WhOwnTable("webhook_event_summaries"), ExclusiveLock);
	if (get_rel_relkind(events_relid) == RELKIND_PARTITIONED_TABLE)
		rows = WhSyncParts(events_relid, true);
	else
		rows = WhRebuildPart(events_relid);
	WhClearStale(events_relid);
	return rows;
}

/* WhCheckTableOwner fails unless the caller owns the table. */
void
WhCheckTableOwner(Oid relid, const char *function)
{
	if (!pg_class_ownercheck(relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s to call %s", get_rel_name(relid), function),
				 errhint("Call it as the table's owner (or a member of its owning role).")));
}

/*
 * webhook_summaries_rebuild([events]) rebuilds the summaries of the
 * extension's own table, or of a summarized table its owner names.
 */
Datum
webhook_summaries_rebuild(PG_FUNCTION_ARGS)
{
	Oid			events;
	int64		rows;

	WhCheckWritable("webhook_summaries_rebuild()");
	SPI_connect();
	events = PG_NARGS() > 0 ? PG_GETARG_OID(0) : WhOwnTable("webhook_events");
	if (PG_NARGS() > 0)
	{
		TimestampTz since;
		char	   *stale;

		WhCheckTableOwner(events, "webhook_summaries_rebuild()");
		if (WhStatusOf(events, &since, &stale) == WH_STATUS_NONE)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("\"%s\" has no whanalytics summaries", get_rel_name(events)),
					 errhint("SELECT webhook_summaries_attach('%s') adds them.", WhQualifiedName(events))));
	}
	rows = WhSummariesRebuild(events);
	SPI_finish();
	PG_RETURN_INT64(rows);
}
