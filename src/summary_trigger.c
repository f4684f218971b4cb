/*
 * summary_trigger.c
 *	  The triggers that keep the summaries exact, and what they remember
 *	  within a transaction. In ordinary sessions, statement triggers: a
 *	  BEFORE one notes that a statement is changing the table (its rows are
 *	  visible before its delta is written, so readers must read rows until
 *	  then), and AFTER ones turn the transition tables into deltas: a big
 *	  statement's at once, a small one's (at most WH_DEFER_ROWS rows) into
 *	  the transaction's pending rows, so that the small statements of one
 *	  transaction (a webhook sender's insert and retry update) write one
 *	  delta per day between them, at commit. Where session_replication_role
 *	  is replica (logical-replication apply and table sync fire only row
 *	  triggers), and for the partitions of an attached table, a row trigger
 *	  collects the rows into the same pending rows. Pending rows are written
 *	  at commit, or as soon as they can no longer be rolled back apart.
 *	  TRUNCATE empties the summaries in every mode.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "replication/logicalworker.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "relations.h"
#include "summary_trigger.h"
#include "summary_write.h"

PG_FUNCTION_INFO_V1(webhook_events_summarize);
PG_FUNCTION_INFO_V1(webhook_summaries_skip_replicated);

#define WH_MAX_STATEMENTS 64	/* statements in progress at once (nested through triggers) */
#define WH_PENDING_CHUNK_ROWS 20000 /* pending rows written at once, when they may be */
#define WH_DEFER_ROWS 1000		/* a statement changing at most this many rows waits for commit */

/* A statement changing a summarized table whose delta is not written yet. */
typedef struct WhOpenStatement
{
	Oid			relid;
	int			nest_level;		/* the (sub)transaction it runs in */
} WhOpenStatement;

static WhOpenStatement wh_open[WH_MAX_STATEMENTS];
static int	wh_nopen = 0;
static bool wh_open_overflow = false;	/* more than fit: unsummarized until the transaction ends */

/* The rows of one table that this transaction changed and has not written yet. */
typedef struct WhPendingRows
{
	Oid			relid;
	WhCollector *collector;		/* in TopTransactionContext */
	/* how many rows there were when each open subtransaction began, innermost last */
	int		   *marks;
	int		   *mark_levels;
	int			nmarks;
	int			mark_capacity;
} WhPendingRows;

static List *wh_pending = NIL;	/* of WhPendingRows, in TopTransactionContext */

/*
 * MarkStatementOpen records that a statement began changing relid. Beyond
 * WH_MAX_STATEMENTS at once (only when the AFTER trigger never closes
 * them: it was disabled), every table counts as changed until the
 * transaction ends.
 */
static void
MarkStatementOpen(Oid relid)
{
	if (wh_nopen == WH_MAX_STATEMENTS)
	{
		wh_open_overflow = true;
		return;
	}
	wh_open[wh_nopen].relid = relid;
	wh_open[wh_nopen].nest_level = GetCurrentTransactionNestLevel();
	wh_nopen++;
}

/* MarkStatementClosed forgets the innermost open statement on relid. */
static void
MarkStatementClosed(Oid relid)
{
	for (int i = wh_nopen - 1; i >= 0; i--)
		if (wh_open[i].relid == relid)
		{
			memmove(&wh_open[i], &wh_open[i + 1], (wh_nopen - i - 1) * sizeof(WhOpenStatement));
			wh_nopen--;
			return;
		}
}

/*
 * WhUnsummarizedChanges is true while this backend's transaction has
 * changed relid in ways the summaries do not show yet: a statement whose
 * AFTER trigger has not run, pending rows not yet written, or any
 * pending AFTER trigger event on it (a row trigger in replica mode).
 */
bool
WhUnsummarizedChanges(Oid relid)
{
	ListCell   *lc;

	if (wh_open_overflow)
		return true;
	for (int i = 0; i < wh_nopen; i++)
		if (wh_open[i].relid == relid)
			return true;
	foreach(lc, wh_pending)
	{
		WhPendingRows *rows = lfirst(lc);

		if (rows->relid == relid && WhCollectorRows(rows->collector) > 0)
			return true;
	}
	return AfterTriggerPendingOnRel(relid);
}

/* The column map of a summarized table, as read at a catalog generation. */
typedef struct WhKeptColumns
{
	Oid			relid;
	uint64		generation;		/* 0: empty */
	WhColumnMap columns;
} WhKeptColumns;

#define WH_KEPT_COLUMN_MAPS 8	/* tables (or partitions) whose maps are kept at once */

static WhKeptColumns wh_kept_columns[WH_KEPT_COLUMN_MAPS];
static int	wh_next_kept = 0;

/*
 * TableColumns sets the column map of a summarized table's rows: found by
 * name once, then kept while no catalog invalidation arrives (a row
 * trigger asks for every row, a statement trigger for every statement).
 */
static void
TableColumns(Relation rel, WhColumnMap *columns)
{
	Oid			relid = RelationGetRelid(rel);
	uint64		generation = WhCatalogGeneration();
	WhKeptColumns *kept;

	for (int i = 0; i < WH_KEPT_COLUMN_MAPS; i++)
		if (wh_kept_columns[i].relid == relid && wh_kept_columns[i].generation == generation)
		{
			*columns = wh_kept_columns[i].columns;
			return;
		}
	WhColumnMapFind(RelationGetDescr(rel), true, RelationGetRelationName(rel), columns);
	if (generation != WhCatalogGeneration())
		return;					/* an invalidation arrived meanwhile: keep nothing */
	kept = &wh_kept_columns[wh_next_kept];
	wh_next_kept = (wh_next_kept + 1) % WH_KEPT_COLUMN_MAPS;
	kept->relid = relid;
	kept->generation = generation;
	kept->columns = *columns;
}

/* TransitionReader reads a transition table from its start, through a read pointer of its own. */
typedef struct TransitionReader
{
	Tuplestorestate *rows;
	int			pointer;
	TupleTableSlot *slot;
} TransitionReader;

/* ReaderStart starts reading rows (tuples of desc) from the first. */
static void
ReaderStart(TransitionReader *r, Tuplestorestate *rows, TupleDesc desc)
{
	r->rows = rows;
	r->slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	r->pointer = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(rows, r->pointer);
	tuplestore_rescan(rows);
}

/* ReaderNext puts the next row into the reader's slot; false after the last. */
static bool
ReaderNext(TransitionReader *r)
{
	tuplestore_select_read_pointer(r->rows, r->pointer);
	return tuplestore_gettupleslot(r->rows, true, false, r->slot);
}

/* ReaderEnd gives the transition table its first read pointer back. */
static void
ReaderEnd(TransitionReader *r)
{
	tuplestore_select_read_pointer(r->rows, 0);
	ExecDropSingleTupleTableSlot(r->slot);
}

/* CollectTransitionRows feeds every row of a transition table to the collector. */
static void
CollectTransitionRows(WhCollector *collector, Tuplestorestate *rows, TupleDesc desc,
					  const WhColumnMap *columns, int64 sign)
{
	TransitionReader reader;

	ReaderStart(&reader, rows, desc);
	while (ReaderNext(&reader))
	{
		CHECK_FOR_INTERRUPTS();
		WhCollectorAdd(collector, reader.slot, columns, sign);
	}
	ReaderEnd(&reader);
}

/*
 * CollectTransitionPairs feeds an UPDATE's transition tables to the
 * collector side by side: the old and new tables hold each updated row at
 * the same place, so the collector can cancel what did not change (rows
 * paired otherwise would still add up right).
 */
static void
CollectTransitionPairs(WhCollector *collector, Tuplestorestate *old_rows, Tuplestorestate *new_rows,
					   TupleDesc desc, const WhColumnMap *columns)
{
	TransitionReader old_reader;
	TransitionReader new_reader;
	bool		has_old;
	bool		has_new;

	ReaderStart(&old_reader, old_rows, desc);
	ReaderStart(&new_reader, new_rows, desc);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		has_old = ReaderNext(&old_reader);
		has_new = ReaderNext(&new_reader);
		if (has_old && has_new)
			WhCollectorAddChange(collector, old_reader.slot, new_reader.slot, columns);
		else if (has_old)
			WhCollectorAdd(collector, old_reader.slot, columns, -1);
		else if (has_new)
			WhCollectorAdd(collector, new_reader.slot, columns, 1);
		else
			break;
	}
	ReaderEnd(&old_reader);
	ReaderEnd(&new_reader);
}

/* PendingRowsFor returns this transaction's row collector for relid, making it when new. */
static WhPendingRows *
PendingRowsFor(Oid relid)
{
	MemoryContext old;
	WhPendingRows *rows;
	ListCell   *lc;

	foreach(lc, wh_pending)
		if (((WhPendingRows *) lfirst(lc))->relid == relid)
			return lfirst(lc);
	old = MemoryContextSwitchTo(TopTransactionContext);
	rows = palloc0(sizeof(WhPendingRows));
	rows->relid = relid;
	rows->collector = WhCollectorCreate(relid, true, true);
	rows->mark_capacity = 8;
	rows->marks = palloc(rows->mark_capacity * sizeof(int));
	rows->mark_levels = palloc(rows->mark_capacity * sizeof(int));
	wh_pending = lappend(wh_pending, rows);
	MemoryContextSwitchTo(old);
	return rows;
}

/*
 * FlushIfMany writes a table's pending rows once they are many and none of
 * them can still be rolled back apart (no subtransaction mark).
 */
static void
FlushIfMany(WhPendingRows *rows)
{
	if (WhCollectorRows(rows->collector) >= WH_PENDING_CHUNK_ROWS && rows->nmarks == 0)
		WhCollectorFlush(rows->collector);
}

/* TransitionRows is how many rows a transition table holds (0 without one). */
static int64
TransitionRows(Tuplestorestate *rows)
{
	return rows != NULL ? tuplestore_tuple_count(rows) : 0;
}

/*
 * SummarizeStatement turns one statement's transition tables into deltas:
 * a small statement's rows join the transaction's pending rows (written at
 * commit, or once they are many and cannot be rolled back apart), a big
 * one's are written at once.
 */
static void
SummarizeStatement(TriggerData *trigger)
{
	Relation	rel = trigger->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	WhColumnMap columns;
	WhCollector *collector;
	WhPendingRows *pending = NULL;

	TableColumns(rel, &columns);
	if (TransitionRows(trigger->tg_oldtable) + TransitionRows(trigger->tg_newtable) <= WH_DEFER_ROWS)
	{
		pending = PendingRowsFor(RelationGetRelid(rel));
		collector = pending->collector;
	}
	else
		collector = WhCollectorCreate(RelationGetRelid(rel), true, false);
	if (trigger->tg_oldtable != NULL && trigger->tg_newtable != NULL)
		CollectTransitionPairs(collector, trigger->tg_oldtable, trigger->tg_newtable, desc, &columns);
	else if (trigger->tg_oldtable != NULL)
		CollectTransitionRows(collector, trigger->tg_oldtable, desc, &columns, -1);
	else if (trigger->tg_newtable != NULL)
		CollectTransitionRows(collector, trigger->tg_newtable, desc, &columns, 1);
	if (pending == NULL)
		WhCollectorFinish(collector);
	else
		FlushIfMany(pending);
}

/*
 * WhForgetPendingRows takes the pending rows of a table whose summaries were
 * just emptied (TRUNCATE, a rebuild) out of what the transaction will
 * write: dropped, or, when some belong to an outer subtransaction (which
 * may still roll the emptying back without them), cancelled by rows of
 * the opposite sign that a rollback of this one forgets.
 */
void
WhForgetPendingRows(Oid relid)
{
	ListCell   *lc;

	foreach(lc, wh_pending)
	{
		WhPendingRows *rows = lfirst(lc);

		if (rows->relid != relid)
			continue;
		if (rows->nmarks > 0)
			WhCollectorCancel(rows->collector);
		else
			WhCollectorForget(rows->collector, 0);
	}
}

/*
 * SummarizeRow adds one row change to the transaction's collector. Once a
 * chunk is full its rows are written, but only when none of them belongs
 * to an outer subtransaction: rows written now are undone with the
 * current one, so they must all be its own.
 */
static void
SummarizeRow(TriggerData *trigger)
{
	Relation	rel = trigger->tg_relation;
	WhPendingRows *rows = PendingRowsFor(RelationGetRelid(rel));
	WhColumnMap columns;

	TableColumns(rel, &columns);
	if (TRIGGER_FIRED_BY_INSERT(trigger->tg_event))
		WhCollectorAdd(rows->collector, trigger->tg_trigslot, &columns, 1);
	else if (TRIGGER_FIRED_BY_DELETE(trigger->tg_event))
		WhCollectorAdd(rows->collector, trigger->tg_trigslot, &columns, -1);
	else
		WhCollectorAddChange(rows->collector, trigger->tg_trigslot, trigger->tg_newslot, &columns);
	FlushIfMany(rows);
}

/*
 * webhook_events_summarize: the summary trigger, in every role it has on a
 * summarized table (see the install script for which fires when).
 */
Datum
webhook_events_summarize(PG_FUNCTION_ARGS)
{
	TriggerData *trigger = (TriggerData *) fcinfo->context;
	Oid			relid;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "webhook_events_summarize must be called as a trigger");
	relid = RelationGetRelid(trigger->tg_relation);
	/* a table's rows only ever land in its own summaries, read once it is attached */
	if (TRIGGER_FIRED_FOR_ROW(trigger->tg_event) && !TRIGGER_FIRED_AFTER(trigger->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("webhook_events_summarize() cannot be a trigger of this kind on \"%s\"",
						RelationGetRelationName(trigger->tg_relation)),
				 errhint("It keeps the summaries of a summarized table, through the triggers CREATE EXTENSION and webhook_summaries_attach() make.")));
	if (TRIGGER_FIRED_FOR_ROW(trigger->tg_event))
		SummarizeRow(trigger);
	else if (TRIGGER_FIRED_BEFORE(trigger->tg_event))
		MarkStatementOpen(relid);
	else if (TRIGGER_FIRED_BY_TRUNCATE(trigger->tg_event))
	{
		WhSummariesDeleteAll(relid);	/* and the pending rows */
	}
	else
	{
		SummarizeStatement(trigger);
		MarkStatementClosed(relid);
	}
	return PointerGetDatum(NULL);
}

/*
 * webhook_summaries_skip_replicated: a BEFORE ROW trigger (ENABLE REPLICA)
 * on the extension's internal tables that drops the changes a
 * logical-replication worker would apply to them (a FOR ALL TABLES
 * publication carries them too): a subscriber keeps its own summaries,
 * built from the rows it receives. Other sessions' changes pass.
 */
Datum
webhook_summaries_skip_replicated(PG_FUNCTION_ARGS)
{
	TriggerData *trigger = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "webhook_summaries_skip_replicated must be called as a trigger");
	if (!TRIGGER_FIRED_FOR_ROW(trigger->tg_event) || !TRIGGER_FIRED_BEFORE(trigger->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("webhook_summaries_skip_replicated() must be a BEFORE ... FOR EACH ROW trigger")));
	if (IsLogicalWorker())
		return PointerGetDatum(NULL);
	return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(trigger->tg_event) ?
						   trigger->tg_newtuple : trigger->tg_trigtuple);
}

/* PushMark remembers how many rows a collector had when a subtransaction began. */
static void
PushMark(WhPendingRows *rows, int level)
{
	if (rows->nmarks == rows->mark_capacity)
	{
		rows->mark_capacity *= 2;
		rows->marks = repalloc(rows->marks, rows->mark_capacity * sizeof(int));
		rows->mark_levels = repalloc(rows->mark_levels, rows->mark_capacity * sizeof(int));
	}
	rows->marks[rows->nmarks] = WhCollectorRows(rows->collector);
	rows->mark_levels[rows->nmarks] = level;
	rows->nmarks++;
}

/*
 * SummarySubXactCallback keeps both records in step with subtransactions: an
 * aborted one takes its open statements and its collected rows with it
 * (rows added since it began; when a collector was empty then, and so has
 * no mark for it, all of them).
 */
static void
SummarySubXactCallback(SubXactEvent event, SubTransactionId mySubid,
				SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	if (event == SUBXACT_EVENT_ABORT_SUB)
		while (wh_nopen > 0 && wh_open[wh_nopen - 1].nest_level >= level)
			wh_nopen--;
	foreach(lc, wh_pending)
	{
		WhPendingRows *rows = lfirst(lc);
		bool		marked = rows->nmarks > 0 && rows->mark_levels[rows->nmarks - 1] == level;

		switch (event)
		{
			case SUBXACT_EVENT_START_SUB:
				if (WhCollectorRows(rows->collector) > 0)
					PushMark(rows, level);
				break;
			case SUBXACT_EVENT_ABORT_SUB:
				WhCollectorForget(rows->collector, marked ? rows->marks[--rows->nmarks] : 0);
				break;
			case SUBXACT_EVENT_COMMIT_SUB:
				if (marked)
					rows->nmarks--;
				break;
			case SUBXACT_EVENT_PRE_COMMIT_SUB:
				break;
		}
	}
}

/* SummaryXactCallback writes the pending rows before commit or prepare, and forgets everything at the end. */
static void
SummaryXactCallback(XactEvent event, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			foreach(lc, wh_pending)
				WhCollectorFinish(((WhPendingRows *) lfirst(lc))->collector);
			wh_pending = NIL;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			wh_pending = NIL;	/* its memory went with TopTransactionContext */
			wh_nopen = 0;
			wh_open_overflow = false;
			break;
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			break;
	}
}

/* WhSummaryTriggersInit registers the transaction callbacks; called once from _PG_init. */
void
WhSummaryTriggersInit(void)
{
	RegisterXactCallback(SummaryXactCallback, NULL);
	RegisterSubXactCallback(SummarySubXactCallback, NULL);
}
