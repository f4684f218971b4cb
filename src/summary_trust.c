/*
 * summary_trust.c
 *	  Decides whether the summaries show a caller exactly what the rows
 *	  would. Per call: the caller reads a summarized table (webhook_events,
 *	  or one webhook_summaries_attach added), may read all of it (under
 *	  row-level security: its policies show all of the organization's rows,
 *	  policies.c), has no unsummarized changes of its own in flight, the
 *	  table (each partition, for a partitioned one) has exactly its
 *	  canonical summary triggers (trigger_set.c), no inheritance parent or
 *	  child and is logged, no subscription writes into the summary table
 *	  without the table itself, and the status table (summary_status.c)
 *	  says, in the caller's snapshot, that the summaries of the table and
 *	  of every partition are complete. summary_watch.c keeps that status
 *	  right after DDL. What only the catalogs say (parts, triggers, layout,
 *	  subscriptions) is kept per backend until an invalidation.
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace_d.h"
#include "catalog/pg_subscription_rel.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "index_rows.h"
#include "policies.h"
#include "relations.h"
#include "settings.h"
#include "summary_parts.h"
#include "summary_status.h"
#include "summary_table.h"
#include "summary_trigger.h"
#include "summary_trust.h"
#include "trigger_set.h"

PG_FUNCTION_INFO_V1(webhook_summaries_status);

/* HasInheritanceChildren is true when another table inherits from relid. */
static bool
HasInheritanceChildren(Oid relid)
{
	return has_subclass(relid) && find_inheritance_children(relid, NoLock) != NIL;
}

/* PartitionProblem says why a partition of a summarized table cannot be followed, or NULL. */
static const char *
PartitionProblem(Oid relid, bool *repairable)
{
	Relation	part = table_open(relid, AccessShareLock);
	const char *problem = NULL;

	*repairable = false;
	if (part->rd_rel->relkind != RELKIND_RELATION)
		problem = psprintf("its partition \"%s\" is not a plain table", RelationGetRelationName(part));
	else if (part->rd_rel->relpersistence != RELPERSISTENCE_PERMANENT)
		problem = psprintf("its partition \"%s\" is not a permanent (logged) table",
						   RelationGetRelationName(part));
	else if (!WhTriggersCanonical(part, WH_TRIGGERS_PARTITION))
	{
		*repairable = true;
		problem = psprintf("the summary triggers of its partition \"%s\" are disabled, altered or missing",
						   RelationGetRelationName(part));
	}
	table_close(part, AccessShareLock);
	return problem;
}

/*
 * WhSourceProblem says why a summarized table's summaries cannot follow
 * every change of its rows, or NULL when they can. *repairable is true
 * when webhook_summaries_rebuild() can fix it.
 */
const char *
WhSourceProblem(Relation events, bool *repairable)
{
	bool		partitioned = events->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	ListCell   *lc;
	List	   *parts;

	*repairable = false;
	if (events->rd_rel->relpersistence != RELPERSISTENCE_PERMANENT)
		return "it is not a permanent (logged) table";
	if (events->rd_rel->relispartition || has_superclass(RelationGetRelid(events)))
		return "it is a partition or an inheritance child of another table";
	if (!partitioned && HasInheritanceChildren(RelationGetRelid(events)))
		return "other tables inherit from it";
	if (!WhTriggersCanonical(events, partitioned ? WH_TRIGGERS_PARTITIONED : WH_TRIGGERS_STATEMENT))
	{
		*repairable = true;
		return "its summary triggers are disabled, altered or missing";
	}
	if (!partitioned)
		return NULL;
	parts = WhSummaryParts(RelationGetRelid(events));
	foreach(lc, parts)
	{
		const char *problem = PartitionProblem(lfirst_oid(lc), repairable);

		if (problem != NULL)
			return problem;
	}
	return NULL;
}

/* SubscribedBy adds the subscriptions (oids) that write into relid to a list. */
static List *
SubscribedBy(Oid relid, List *subscriptions)
{
	Relation	catalog = table_open(SubscriptionRelRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	ScanKeyInit(&key, Anum_pg_subscription_rel_srrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(catalog, SubscriptionRelSrrelidSrsubidIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		subscriptions = list_append_unique_oid(subscriptions,
											   ((Form_pg_subscription_rel) GETSTRUCT(tuple))->srsubid);
	systable_endscan(scan);
	table_close(catalog, AccessShareLock);
	return subscriptions;
}

/*
 * SummariesSubscribedAlone is true when a subscription writes into the
 * summary table but not into the summarized table (or its partitions).
 * Its row changes are dropped (webhook_summaries_skip_replicated), but a
 * TRUNCATE would still empty the summaries; with the summarized table in
 * the same subscription it only ever comes with a TRUNCATE of that table
 * (which empties them anyway), as a FOR ALL TABLES publication sends them.
 */
static bool
SummariesSubscribedAlone(Oid events_relid, List *parts)
{
	List	   *summaries = SubscribedBy(WhOwnTable("webhook_event_summaries"), NIL);
	List	   *table;
	ListCell   *lc;

	if (summaries == NIL)
		return false;
	table = SubscribedBy(events_relid, NIL);
	foreach(lc, parts)
		table = SubscribedBy(lfirst_oid(lc), table);
	return list_difference_oid(summaries, table) != NIL;
}

/*
 * CitusDistributed is true when Citus's catalog lists the table (distributed
 * or reference): its rows then live in the workers' shards, which this
 * database's summary triggers never see. Call inside SPI.
 */
static bool
CitusDistributed(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};

	if (!OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)))
		return false;			/* no Citus here */
	if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_dist_partition"
							  " WHERE logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
							  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_dist_partition");
	return SPI_processed > 0;
}

/* Answer sets the reason (when asked for) and returns the source. */
static WhSource
Answer(WhSource source, const char **reason, const char *why)
{
	if (reason != NULL)
		*reason = why;
	return source;
}

/* Refuse says rows must be read, and why. */
static WhSource
Refuse(const char **reason, const char *why)
{
	return Answer(WH_SOURCE_ROWS, reason, why);
}

/*
 * RowSecuritySource decides for a caller under row-level security: the
 * summaries may answer when its policies show all of the organization's
 * rows, nothing need be read when they show none, and rows are read when
 * the policies depend on more of a row than organization_id. Without an
 * organization, only the policies' shape is judged.
 */
static WhSource
RowSecuritySource(Oid events_relid, text *organization_id, const char **reason)
{
	if (!row_security)
		return Refuse(reason, "row_security is off: reading the rows raises the error plain SQL would");
	if (organization_id == NULL)
		return WhPoliciesOrganizationOnly(events_relid)
			? Answer(WH_SOURCE_SUMMARIES, reason,
					 "row-level security applies; its policies depend on organization_id only, so the summaries answer the organizations they show")
			: Refuse(reason, "row-level security applies and a policy depends on more of a row than organization_id");
	switch (WhPoliciesVisibility(events_relid, organization_id))
	{
		case WH_VISIBLE_ALL:
			return Answer(WH_SOURCE_SUMMARIES, reason, NULL);
		case WH_VISIBLE_NONE:
			return Answer(WH_SOURCE_NOTHING, reason,
						  "the caller's row-level security policies show none of this organization's rows");
		case WH_VISIBLE_PER_ROW:
			break;
	}
	return Refuse(reason, "row-level security applies and a policy depends on more of a row than organization_id");
}

/*
 * PartsProblem says why the status rows of a table's partitions, in the
 * caller's snapshot, keep its summaries out, or NULL (the table's own row
 * is read once, by the caller).
 */
static const char *
PartsProblem(Oid relid, List *parts)
{
	WhStatus	status;
	TimestampTz since;
	char	   *stale;
	Oid			bad = WhStatusFirstIncomplete(list_difference_oid(parts, list_make1_oid(relid)),
											  &status, &since, &stale);

	if (!OidIsValid(bad))
		return NULL;
	if (status == WH_STATUS_STALE)
		return psprintf("the summaries are out of date: %s", stale);
	return psprintf("the summaries of its partition \"%s\" are not in this snapshot (attached later, or not built yet)",
					get_rel_name(bad));
}

/*
 * What a call would learn from the catalogs about a summarized table: its
 * parts, whether its structure lets the summaries follow every change, and
 * whether the summary table has this version's layout. Kept per backend for
 * the last table asked about while WhCatalogGeneration stays (it counts every
 * relcache invalidation and change of pg_subscription_rel; each of these
 * facts lives in a relation's relcache entry or in pg_subscription_rel, and
 * DDL that changes one invalidates it);
 * what depends on the snapshot (the status rows) is read on every call.
 */
typedef struct WhStructure
{
	Oid			relid;			/* InvalidOid: nothing kept */
	List	   *parts;			/* in wh_structure_context */
	const char *problem;		/* WhSourceProblem, or NULL */
	bool		subscribed_alone;
	WhRowsIndexes rows;			/* where its rows may be read directly (in wh_structure_context) */
} WhStructure;

static WhStructure wh_structure = {InvalidOid};
static uint64 wh_structure_generation = 0;	/* the catalog generation it was read at */
static MemoryContext wh_structure_context = NULL;
static bool wh_layout_current;	/* WhSummaryTableIsCurrent, read at ... */
static uint64 wh_layout_generation = 0;	/* ... this catalog generation (0: not kept) */

/* LayoutCurrent is WhSummaryTableIsCurrent, kept until the next catalog invalidation. */
static bool
LayoutCurrent(void)
{
	uint64		generation = WhCatalogGeneration();
	bool		current;

	if (wh_layout_generation == generation)
		return wh_layout_current;
	current = WhSummaryTableIsCurrent();
	if (generation == WhCatalogGeneration())
	{
		wh_layout_current = current;
		wh_layout_generation = generation;
	}
	return current;
}

/* CopyRows copies a WhRowsIndexes into the current memory context. */
static void
CopyRows(WhRowsIndexes *to, const WhRowsIndexes *from)
{
	WhRowsTable *tables = palloc(Max(from->ntables, 1) * sizeof(WhRowsTable));

	memcpy(tables, from->tables, from->ntables * sizeof(WhRowsTable));
	to->ntables = from->ntables;
	to->tables = tables;
}

/* TableStructure returns what the catalogs say of events_relid, from the kept copy when still valid. */
static const WhStructure *
TableStructure(Oid events_relid)
{
	uint64		generation;
	WhStructure fresh;
	MemoryContext old;
	Relation	events;
	bool		repairable;

	generation = WhCatalogGeneration();
	if (wh_structure.relid == events_relid && wh_structure_generation == generation)
		return &wh_structure;

	/* an invalidation that arrives while reading means the result may be old */
	fresh.relid = events_relid;
	fresh.parts = WhSummaryParts(events_relid);
	events = table_open(events_relid, AccessShareLock);
	fresh.problem = WhSourceProblem(events, &repairable);
	WhRowsIndexesFind(events, &fresh.rows);
	table_close(events, AccessShareLock);
	fresh.subscribed_alone = SummariesSubscribedAlone(events_relid, fresh.parts);

	if (wh_structure_context == NULL)
		wh_structure_context = AllocSetContextCreate(CacheMemoryContext, "whanalytics structure",
													 ALLOCSET_SMALL_SIZES);
	MemoryContextReset(wh_structure_context);
	old = MemoryContextSwitchTo(wh_structure_context);
	fresh.parts = list_copy(fresh.parts);
	fresh.problem = fresh.problem == NULL ? NULL : pstrdup(fresh.problem);
	CopyRows(&fresh.rows, &fresh.rows);	/* into wh_structure_context */
	MemoryContextSwitchTo(old);
	wh_structure = fresh;
	wh_structure_generation = generation;
	if (generation != WhCatalogGeneration())
		wh_structure.relid = InvalidOid;	/* answer this call, keep nothing */
	return &wh_structure;
}

/*
 * WhSummarySource says where the whole hours of a window of one
 * organization (NULL: any) may come from for this caller: the summaries,
 * when they show exactly what the rows of events_relid would; nowhere,
 * when its policies show none of the rows; else the rows. When the
 * summaries answer, *parts (unless NULL) lists the tables whose summaries
 * make up events_relid's (itself, or its partitions), and *rows (unless
 * NULL) where the caller's rows of one organization may be read directly
 * (WhRowsIndexesFind, copied into the current memory context; none
 * whenever the summaries do not answer). Call inside SPI.
 */
WhSource
WhSummarySource(Oid events_relid, text *organization_id, const char **reason, List **parts,
				WhRowsIndexes *rows)
{
	WhSource	source = WH_SOURCE_SUMMARIES;
	const WhStructure *structure;
	const char *problem;
	ListCell   *lc;
	WhStatus	status;
	TimestampTz since;
	char	   *stale;

	if (reason != NULL)
		*reason = NULL;
	if (rows != NULL)
		rows->ntables = 0;
	if (!wh_use_summaries)
		return Refuse(reason, "whanalytics.use_summaries is off");
	if (!LayoutCurrent())
		return Refuse(reason, "the summaries have the layout of an older version: ALTER EXTENSION whanalytics UPDATE rebuilds them");
	status = WhStatusOf(events_relid, &since, &stale);
	if (status == WH_STATUS_NONE)
		return Refuse(reason, "whanalytics.events_table names a relation without summaries (webhook_summaries_attach adds them)");
	if (CitusDistributed(events_relid))
		return Refuse(reason, "Citus distributes the table: its rows are on the workers, not in the summaries here");
	structure = TableStructure(events_relid);
	if (pg_class_aclcheck(events_relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		return Refuse(reason, "the caller may not read every row of the table");
	if (check_enable_rls(events_relid, InvalidOid, true) == RLS_ENABLED)
	{
		source = RowSecuritySource(events_relid, organization_id, reason);
		if (source != WH_SOURCE_SUMMARIES)
			return source;
	}
	foreach(lc, structure->parts)
		if (WhUnsummarizedChanges(lfirst_oid(lc)))
			return Refuse(reason, "this transaction has changed the table in ways not summarized yet");
	if (structure->problem != NULL)
		return Refuse(reason, pstrdup(structure->problem));	/* the kept copy may go */
	/* a new inheritance child need not invalidate a parent that had one before */
	if (get_rel_relkind(events_relid) != RELKIND_PARTITIONED_TABLE &&
		HasInheritanceChildren(events_relid))
		return Refuse(reason, "other tables inherit from it");
	if (structure->subscribed_alone)
		return Refuse(reason, "a subscription writes into the summary table but not into the table");
	if (status == WH_STATUS_STALE)
		return Refuse(reason, psprintf("the summaries are out of date: %s", stale));
	problem = PartsProblem(events_relid, structure->parts);
	if (problem != NULL)
		return Refuse(reason, problem);
	if (parts != NULL)
		*parts = list_copy(structure->parts);	/* the kept copy goes at the next reread */
	if (rows != NULL && source == WH_SOURCE_SUMMARIES)
		CopyRows(rows, &structure->rows);	/* the kept copy goes at the next reread */
	return source;
}

/*
 * webhook_summaries_status(organization_id) -> (events, usable, reason,
 * stale_since): for each summarized table, and the one
 * whanalytics.events_table names, whether the caller's calls (for that
 * organization, or any) on it need no rows for whole hours now, with its
 * settings and transaction, and if they do, why.
 */
Datum
webhook_summaries_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *organization_id = PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0);
	List	   *tables;
	ListCell   *lc;
	Oid			configured;

	InitMaterializedSRF(fcinfo, 0);
	(void) WhEventsRelation(&configured);
	SPI_connect();
	tables = WhSummaryTableIsCurrent() ? WhStatusTables() : list_make1_oid(WhOwnTable("webhook_events"));
	tables = list_append_unique_oid(tables, configured);
	foreach(lc, tables)
	{
		Oid			events = lfirst_oid(lc);
		const char *reason;
		TimestampTz since;
		char	   *stale;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(events)))
			continue;
		values[0] = ObjectIdGetDatum(events);
		values[1] = BoolGetDatum(WhSummarySource(events, organization_id, &reason, NULL, NULL) !=
								 WH_SOURCE_ROWS);
		values[2] = reason == NULL ? (Datum) 0 : CStringGetTextDatum(reason);
		nulls[2] = reason == NULL;
		(void) WhStatusOf(events, &since, &stale);
		values[3] = TimestampTzGetDatum(since);
		nulls[3] = stale == NULL || since == 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
