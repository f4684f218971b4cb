/*
 * summary_trigger.c
 *	  SQL entry points of the summaries: the statement-level trigger on
 *	  webhook_events that turns each INSERT, UPDATE, DELETE (through its
 *	  transition tables) and TRUNCATE into summary changes, and the
 *	  maintenance functions webhook_summaries_compact and _rebuild.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "relations.h"
#include "summary_write.h"

PG_FUNCTION_INFO_V1(webhook_events_summarize);
PG_FUNCTION_INFO_V1(webhook_summaries_compact);
PG_FUNCTION_INFO_V1(webhook_summaries_rebuild);

/* ColumnOf returns the 0-based position of a column, or fails. */
static int
ColumnOf(TupleDesc desc, const char *name)
{
	int			attnum = SPI_fnumber(desc, name);

	if (attnum <= 0)
		elog(ERROR, "webhook_events has no column \"%s\"", name);
	return attnum - 1;
}

/* RowColumnsOf finds the summarized columns in a tuple descriptor. */
static void
RowColumnsOf(TupleDesc desc, WhRowColumns *c)
{
	c->organization_id = ColumnOf(desc, "organization_id");
	c->webhook_id = ColumnOf(desc, "webhook_id");
	c->delivery.event = ColumnOf(desc, "event");
	c->delivery.url = ColumnOf(desc, "url");
	c->delivery.response_status = ColumnOf(desc, "response_status");
	c->delivery.error = ColumnOf(desc, "error");
	c->delivery.retries = ColumnOf(desc, "retries");
	c->delivery.delay_ms = ColumnOf(desc, "delay_ms");
	c->delivery.done = ColumnOf(desc, "done");
	c->delivery.created_at = ColumnOf(desc, "created_at");
	c->delivery.first_sent_at = ColumnOf(desc, "first_sent_at");
}

/* CollectTransitionRows feeds every row of a transition table to the collector. */
static void
CollectTransitionRows(WhCollector *collector, Tuplestorestate *rows, TupleDesc desc,
					  int64 sign)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	int			pointer = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);

	tuplestore_select_read_pointer(rows, pointer);
	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		CHECK_FOR_INTERRUPTS();
		WhCollectorAdd(collector, slot, sign);
	}
	tuplestore_select_read_pointer(rows, 0);
	ExecDropSingleTupleTableSlot(slot);
}

/* webhook_events_summarize: AFTER ... FOR EACH STATEMENT trigger keeping the summaries exact. */
Datum
webhook_events_summarize(PG_FUNCTION_ARGS)
{
	TriggerData *trigger = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	WhRowColumns columns;
	WhCollector *collector;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigger->tg_event) ||
		!TRIGGER_FIRED_AFTER(trigger->tg_event))
		elog(ERROR, "webhook_events_summarize must be an AFTER ... FOR EACH STATEMENT trigger");

	if (TRIGGER_FIRED_BY_TRUNCATE(trigger->tg_event))
	{
		SPI_connect();
		WhSummariesTruncate();
		SPI_finish();
	}
	else
	{
		desc = RelationGetDescr(trigger->tg_relation);
		RowColumnsOf(desc, &columns);
		collector = WhCollectorCreate(&columns, true);
		if (trigger->tg_oldtable != NULL)
			CollectTransitionRows(collector, trigger->tg_oldtable, desc, -1);
		if (trigger->tg_newtable != NULL)
			CollectTransitionRows(collector, trigger->tg_newtable, desc, 1);
		WhCollectorFinish(collector);
	}
	return PointerGetDatum(NULL);
}

/* webhook_summaries_compact() merges every day's deltas; returns the days merged. */
Datum
webhook_summaries_compact(PG_FUNCTION_ARGS)
{
	int64		days;

	SPI_connect();
	days = WhSummariesCompactAll();
	SPI_finish();
	PG_RETURN_INT64(days);
}

/* A DestReceiver feeding every row of the rebuild query to a collector. */
typedef struct RebuildReceiver
{
	DestReceiver pub;
	WhCollector *collector;
	int64		rows;
} RebuildReceiver;

/* RebuildRow adds one delivery to the rebuilt summaries. */
static bool
RebuildRow(TupleTableSlot *slot, DestReceiver *self)
{
	RebuildReceiver *receiver = (RebuildReceiver *) self;

	CHECK_FOR_INTERRUPTS();
	WhCollectorAdd(receiver->collector, slot, 1);
	receiver->rows++;
	return true;
}

/* RebuildNoop is the receiver's startup, shutdown and destroy callback. */
static void
RebuildNoop(DestReceiver *self)
{
}

/* RebuildStartup has nothing to set up: the collector exists already. */
static void
RebuildStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

/*
 * webhook_summaries_rebuild() recomputes every summary from webhook_events,
 * holding a SHARE lock on it (writers wait, readers do not); returns the
 * deliveries summarized. Needed only after rows were changed with the
 * triggers disabled.
 */
Datum
webhook_summaries_rebuild(PG_FUNCTION_ARGS)
{
	Oid			events = WhOwnTable("webhook_events");
	char	   *name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(events)),
												  get_rel_name(events));
	RebuildReceiver receiver = {0};
	WhRowColumns columns;
	SPIPlanPtr	plan;
	SPIExecuteOptions options = {0};
	Oid			save_user;
	int			save_sec;

	SPI_connect();
	if (SPI_execute(psprintf("LOCK TABLE %s IN SHARE MODE", name), false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "locking webhook_events failed");
	WhSummariesTruncate();

	/* the columns in the order the rebuild query lists them */
	columns.organization_id = 0;
	columns.webhook_id = 1;
	columns.delivery.event = 2;
	columns.delivery.url = 3;
	columns.delivery.response_status = 4;
	columns.delivery.error = 5;
	columns.delivery.retries = 6;
	columns.delivery.delay_ms = 7;
	columns.delivery.done = 8;
	columns.delivery.created_at = 9;
	columns.delivery.first_sent_at = 10;
	receiver.collector = WhCollectorCreate(&columns, false);
	receiver.pub.receiveSlot = RebuildRow;
	receiver.pub.rStartup = RebuildStartup;
	receiver.pub.rShutdown = RebuildNoop;
	receiver.pub.rDestroy = RebuildNoop;
	receiver.pub.mydest = DestTuplestore;	/* any but DestNone and DestSPI */

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(WhRelationOwner(events), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	plan = SPI_prepare(psprintf("SELECT organization_id, webhook_id, event, url, response_status,"
								" error, retries, delay_ms, done, created_at, first_sent_at"
								" FROM %s", name), 0, NULL);
	if (plan == NULL)
		elog(ERROR, "preparing the rebuild query failed");
	options.dest = &receiver.pub;
	if (SPI_execute_plan_extended(plan, &options) != SPI_OK_SELECT)
		elog(ERROR, "reading webhook_events failed");
	SetUserIdAndSecContext(save_user, save_sec);
	WhCollectorFinish(receiver.collector);
	WhSummariesCompactAll();
	SPI_finish();
	PG_RETURN_INT64(receiver.rows);
}
