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
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "queries.h"
#include "relations.h"
#include "summary_maintenance.h"
#include "summary_table.h"
#include "summary_trust.h"
#include "summary_write.h"

PG_FUNCTION_INFO_V1(webhook_summaries_compact);
PG_FUNCTION_INFO_V1(webhook_summaries_rebuild);

/* CheckWritable refuses to run a maintenance function where it cannot write. */
static void
CheckWritable(const char *function)
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

	CheckWritable("webhook_summaries_compact()");
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
 * rebuilt, putting the summary triggers back in their modes if they were
 * changed (that ALTER TABLE holds its lock until the rebuild commits).
 */
static void
PrepareSource(Oid events_relid)
{
	Relation	events = table_open(events_relid, AccessShareLock);
	bool		repairable;
	const char *problem = WhSourceProblem(events, &repairable);

	table_close(events, AccessShareLock);
	if (problem != NULL && (!repairable || !WhRestoreTriggerModes(events_relid)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot rebuild the whanalytics summaries of \"%s\": %s",
						get_rel_name(events_relid), problem),
				 errhint(repairable ? "Reinstall the extension to recreate its triggers."
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
		elog(ERROR, "reading webhook_events failed");
	SetUserIdAndSecContext(save_user, save_sec);
	return receiver.rows;
}

/*
 * WhSummariesRebuild recomputes every summary of events_relid from its rows
 * and clears the stale mark; returns the deliveries summarized. It holds a
 * SHARE lock on the table (writers wait) and an EXCLUSIVE lock on the
 * summaries (compaction waits); readers wait for neither. Call inside SPI.
 */
int64
WhSummariesRebuild(Oid events_relid)
{
	WhCollector *collector;
	int64		rows;

	if (!WhSummaryTableIsCurrent())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the whanalytics summaries have the layout of an older version"),
				 errhint("Run ALTER EXTENSION whanalytics UPDATE, which rebuilds them.")));
	PrepareSource(events_relid);
	LockRelationOid(events_relid, ShareLock);
	LockRelationOid(WhOwnTable("webhook_event_summaries"), ExclusiveLock);
	WhSummariesDeleteAll(events_relid);
	collector = WhCollectorCreate(events_relid, false, false);
	rows = ReadAllRows(events_relid, collector);
	WhCollectorFinish(collector);
	WhSummariesCompactAll(events_relid);
	WhClearStale(events_relid);
	return rows;
}

/* webhook_summaries_rebuild() rebuilds the summaries of the extension's own table. */
Datum
webhook_summaries_rebuild(PG_FUNCTION_ARGS)
{
	int64		rows;

	CheckWritable("webhook_summaries_rebuild()");
	SPI_connect();
	rows = WhSummariesRebuild(WhOwnTable("webhook_events"));
	SPI_finish();
	PG_RETURN_INT64(rows);
}
