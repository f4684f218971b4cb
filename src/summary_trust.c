/*
 * summary_trust.c
 *	  Decides whether the summaries show a caller exactly what the rows
 *	  would, and keeps that decision right. Per call: the caller reads the
 *	  extension's table, may read all of it (under row-level security: its
 *	  policies show all of the organization's rows, policies.c), has
 *	  no unsummarized changes of its own in flight, the table's summary
 *	  triggers are exactly the canonical set, it has no inheritance parent
 *	  or child and is logged, no subscription writes into the summary
 *	  table without the table itself, and the summaries are not marked
 *	  stale. Event triggers mark
 *	  them stale after DDL that may have let rows change unseen (triggers
 *	  disabled, a child attached, a rewrite), refuse DDL that would break
 *	  the triggers (a column dropped, renamed or given an unreadable type),
 *	  and webhook_summaries_rebuild() clears the mark.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_subscription_rel.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "columns.h"
#include "policies.h"
#include "relations.h"
#include "settings.h"
#include "summary_table.h"
#include "summary_trigger.h"
#include "summary_trust.h"
#include "summary_write.h"

PG_FUNCTION_INFO_V1(webhook_summaries_watch);
PG_FUNCTION_INFO_V1(webhook_summaries_status);

#define WH_IUD (TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE | TRIGGER_TYPE_DELETE)

/* One of the summary triggers a summarized table has (the install script creates them). */
typedef struct WhTriggerRole
{
	const char *name;
	int16		type;			/* tgtype: level, timing and events */
	bool		old_table;		/* REFERENCING OLD TABLE */
	bool		new_table;		/* REFERENCING NEW TABLE */
	char		enabled;		/* TRIGGER_FIRES_* */
	const char *enable;			/* the ALTER TABLE words for that mode */
} WhTriggerRole;

/*
 * Statement triggers in ordinary sessions, the row trigger where
 * session_replication_role is replica (logical replication), TRUNCATE in
 * both: exactly one path sees each change.
 */
static const WhTriggerRole wh_trigger_roles[] = {
	{"webhook_events_summarize_begin", TRIGGER_TYPE_BEFORE | WH_IUD, false, false,
	TRIGGER_FIRES_ON_ORIGIN, "ENABLE"},
	{"webhook_events_summarize_insert", TRIGGER_TYPE_INSERT, false, true,
	TRIGGER_FIRES_ON_ORIGIN, "ENABLE"},
	{"webhook_events_summarize_update", TRIGGER_TYPE_UPDATE, true, true,
	TRIGGER_FIRES_ON_ORIGIN, "ENABLE"},
	{"webhook_events_summarize_delete", TRIGGER_TYPE_DELETE, true, false,
	TRIGGER_FIRES_ON_ORIGIN, "ENABLE"},
	{"webhook_events_summarize_truncate", TRIGGER_TYPE_TRUNCATE, false, false,
	TRIGGER_FIRES_ALWAYS, "ENABLE ALWAYS"},
	{"webhook_events_summarize_replica", TRIGGER_TYPE_ROW | WH_IUD, false, false,
	TRIGGER_FIRES_ON_REPLICA, "ENABLE REPLICA"},
};

/* IsSummaryFunction is true for the extension's webhook_events_summarize(). */
static bool
IsSummaryFunction(Oid function)
{
	char	   *name;
	bool		result;

	if (get_func_namespace(function) != WhExtensionSchema())
		return false;
	name = get_func_name(function);
	result = name != NULL && strcmp(name, "webhook_events_summarize") == 0;
	if (name != NULL)
		pfree(name);
	return result;
}

/* RoleOf returns the role a trigger's definition plays, or -1 when none. */
static int
RoleOf(const Trigger *t)
{
	for (int i = 0; i < (int) lengthof(wh_trigger_roles); i++)
	{
		const WhTriggerRole *role = &wh_trigger_roles[i];

		if (t->tgtype == role->type && (t->tgoldtable != NULL) == role->old_table &&
			(t->tgnewtable != NULL) == role->new_table && t->tgqual == NULL &&
			t->tgnattr == 0)
			return i;
	}
	return -1;
}

/* TriggersCanonical is true when the table's summary triggers are exactly the roles, each in its mode. */
static bool
TriggersCanonical(Relation events)
{
	TriggerDesc *triggers = events->trigdesc;
	int			seen[lengthof(wh_trigger_roles)] = {0};

	for (int i = 0; triggers != NULL && i < triggers->numtriggers; i++)
	{
		Trigger    *t = &triggers->triggers[i];
		int			role;

		if (!IsSummaryFunction(t->tgfoid))
			continue;
		role = RoleOf(t);
		if (role < 0 || t->tgenabled != wh_trigger_roles[role].enabled)
			return false;
		seen[role]++;
	}
	for (size_t i = 0; i < lengthof(wh_trigger_roles); i++)
		if (seen[i] != 1)
			return false;
	return true;
}

/* HasInheritanceChildren is true when another table inherits from relid. */
static bool
HasInheritanceChildren(Oid relid)
{
	return has_subclass(relid) && find_inheritance_children(relid, NoLock) != NIL;
}

/*
 * WhSourceProblem says why a summarized table's summaries cannot follow
 * every change of its rows, or NULL when they can. *repairable is true
 * when webhook_summaries_rebuild() can fix it.
 */
const char *
WhSourceProblem(Relation events, bool *repairable)
{
	*repairable = false;
	if (events->rd_rel->relpersistence != RELPERSISTENCE_PERMANENT)
		return "it is not a permanent (logged) table";
	if (events->rd_rel->relispartition || has_superclass(RelationGetRelid(events)))
		return "it is a partition or an inheritance child of another table";
	if (HasInheritanceChildren(RelationGetRelid(events)))
		return "other tables inherit from it";
	*repairable = true;
	if (!TriggersCanonical(events))
		return "its summary triggers are disabled, altered or missing";
	return NULL;
}

/* SubscribedBy lists the subscriptions (oids) that write into relid. */
static List *
SubscribedBy(Oid relid)
{
	Relation	catalog = table_open(SubscriptionRelRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	List	   *subscriptions = NIL;

	ScanKeyInit(&key, Anum_pg_subscription_rel_srrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(catalog, SubscriptionRelSrrelidSrsubidIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		subscriptions = lappend_oid(subscriptions,
									((Form_pg_subscription_rel) GETSTRUCT(tuple))->srsubid);
	systable_endscan(scan);
	table_close(catalog, AccessShareLock);
	return subscriptions;
}

/*
 * SummariesSubscribedAlone is true when a subscription writes into the
 * summary table but not into the summarized table. Its row changes are
 * dropped (webhook_summaries_skip_replicated), but a TRUNCATE would still
 * empty the summaries; with the summarized table in the same subscription
 * it only ever comes with a TRUNCATE of that table (which empties them
 * anyway), as a FOR ALL TABLES publication sends them.
 */
static bool
SummariesSubscribedAlone(Oid events_relid)
{
	List	   *summaries = SubscribedBy(WhOwnTable("webhook_event_summaries"));

	return summaries != NIL && list_difference_oid(summaries, SubscribedBy(events_relid)) != NIL;
}

/*
 * StaleSince reads the table's status row under the caller's snapshot:
 * NULL when the summaries are complete, else when and why they are not.
 */
static char *
StaleSince(Oid events_relid, TimestampTz *since)
{
	Relation	heap = table_open(WhOwnTable("webhook_summary_status"), AccessShareLock);
	Relation	index = index_open(WhOwnTable("webhook_summary_status_pkey"), AccessShareLock);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	ScanKeyData key;
	IndexScanDesc scan;
	char	   *reason = "it has no status row";

	*since = 0;
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(events_relid));
	scan = index_beginscan(heap, index, GetActiveSnapshot(), 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		since_null;
		bool		reason_null;
		Datum		when = slot_getattr(slot, 2, &since_null);
		Datum		why = slot_getattr(slot, 3, &reason_null);

		reason = since_null ? NULL : reason_null ? "unknown" : TextDatumGetCString(why);
		if (!since_null)
			*since = DatumGetTimestampTz(when);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
	return reason;
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
 * WhSummarySource says where the whole days of a window of one organization
 * (NULL: any) may come from for this caller: the summaries, when they show
 * exactly what the rows of events_relid would; nowhere, when its policies
 * show none of the rows; else the rows. Call inside SPI.
 */
WhSource
WhSummarySource(Oid events_relid, text *organization_id, const char **reason)
{
	WhSource	source = WH_SOURCE_SUMMARIES;
	Oid			own;
	Relation	events;
	const char *problem;
	bool		repairable;
	TimestampTz since;
	char	   *stale;

	if (reason != NULL)
		*reason = NULL;
	if (!wh_use_summaries)
		return Refuse(reason, "whanalytics.use_summaries is off");
	if (!WhSummaryTableIsCurrent())
		return Refuse(reason, "the summaries have the layout of an older version: ALTER EXTENSION whanalytics UPDATE rebuilds them");
	own = WhOwnTable("webhook_events");
	if (events_relid != own)
		return Refuse(reason, "whanalytics.events_table names a relation without summaries");
	if (pg_class_aclcheck(own, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		return Refuse(reason, "the caller may not read every row of the table");
	if (check_enable_rls(own, InvalidOid, true) == RLS_ENABLED)
	{
		source = RowSecuritySource(own, organization_id, reason);
		if (source != WH_SOURCE_SUMMARIES)
			return source;
	}
	if (WhUnsummarizedChanges(own))
		return Refuse(reason, "this transaction has changed the table in ways not summarized yet");
	events = table_open(own, AccessShareLock);
	problem = WhSourceProblem(events, &repairable);
	table_close(events, AccessShareLock);
	if (problem != NULL)
		return Refuse(reason, problem);
	if (SummariesSubscribedAlone(own))
		return Refuse(reason, "a subscription writes into the summary table but not into the table");
	stale = StaleSince(own, &since);
	if (stale != NULL)
		return Refuse(reason, psprintf("the summaries are out of date: %s", stale));
	return source;
}

/* RunAsOwner runs one SQL statement with parameters as the owner of relid; returns SPI's code and the rows processed. */
static int
RunAsOwner(Oid relid, const char *sql, int nargs, Oid *types, Datum *values, uint64 *processed)
{
	Oid			save_user;
	int			save_sec;
	int			rc;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(WhRelationOwner(relid), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	SPI_connect();
	rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);
	if (processed != NULL)
		*processed = SPI_processed;
	SPI_finish();
	SetUserIdAndSecContext(save_user, save_sec);
	return rc;
}

/* WhMarkStale marks a table's summaries out of date (once: the first reason stays). */
void
WhMarkStale(Oid events_relid, const char *reason)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(events_relid), CStringGetTextDatum(reason)};
	uint64		marked;

	if (RunAsOwner(WhOwnTable("webhook_summary_status"),
				   psprintf("UPDATE %s SET stale_since = pg_catalog.now(), stale_reason = $2"
							" WHERE events OPERATOR(pg_catalog.=) $1::pg_catalog.regclass"
							" AND stale_since IS NULL", WhQualifiedName(WhOwnTable("webhook_summary_status"))),
				   2, types, values, &marked) != SPI_OK_UPDATE)
		elog(ERROR, "marking whanalytics summaries stale failed");
	if (marked > 0)
		ereport(NOTICE,
				(errmsg("the whanalytics summaries of \"%s\" are out of date: %s",
						get_rel_name(events_relid), reason),
				 errhint("Answers read the rows (exact, slower) until SELECT webhook_summaries_rebuild() runs.")));
}

/* WhClearStale marks a table's summaries complete again (after a rebuild). */
void
WhClearStale(Oid events_relid)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(events_relid)};

	if (RunAsOwner(WhOwnTable("webhook_summary_status"),
				   psprintf("UPDATE %s SET stale_since = NULL, stale_reason = NULL"
							" WHERE events OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
							WhQualifiedName(WhOwnTable("webhook_summary_status"))),
				   1, types, values, NULL) != SPI_OK_UPDATE)
		elog(ERROR, "clearing the whanalytics stale mark failed");
}

/*
 * WhRestoreTriggerModes sets every summary trigger of the table back to
 * its mode; false when one is missing or redefined (a reinstall is needed).
 */
bool
WhRestoreTriggerModes(Oid events_relid)
{
	Relation	events = table_open(events_relid, AccessShareLock);
	TriggerDesc *triggers = events->trigdesc;
	char	   *table = WhQualifiedName(events_relid);
	List	   *statements = NIL;
	ListCell   *lc;

	for (size_t r = 0; r < lengthof(wh_trigger_roles); r++)
	{
		const WhTriggerRole *role = &wh_trigger_roles[r];
		Trigger    *found = NULL;

		for (int i = 0; triggers != NULL && i < triggers->numtriggers; i++)
			if (strcmp(triggers->triggers[i].tgname, role->name) == 0)
				found = &triggers->triggers[i];
		if (found == NULL || !IsSummaryFunction(found->tgfoid) || RoleOf(found) != (int) r)
		{
			table_close(events, AccessShareLock);
			return false;
		}
		if (found->tgenabled != role->enabled)
			statements = lappend(statements, psprintf("ALTER TABLE %s %s TRIGGER %s", table,
													  role->enable, quote_identifier(role->name)));
	}
	/* ALTER TABLE refuses a table this backend still has open */
	table_close(events, AccessShareLock);
	foreach(lc, statements)
		if (RunAsOwner(events_relid, lfirst(lc), 0, NULL, NULL, NULL) != SPI_OK_UTILITY)
			elog(ERROR, "restoring the whanalytics trigger modes failed");
	return true;
}

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
 * CheckAfterDdl runs after each DDL command: it refuses (by raising) a
 * table the triggers could no longer read or a summary table the direct
 * writes no longer match, and marks the summaries stale when the table can
 * now change without them seeing it.
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

/*
 * webhook_summaries_watch: the event trigger of ddl_command_end and
 * table_rewrite (a rewrite may change values with no trigger firing).
 */
Datum
webhook_summaries_watch(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	Oid			extension = get_extension_oid("whanalytics", true);
	Oid			events;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "webhook_summaries_watch must be called as an event trigger");
	trigdata = (EventTriggerData *) fcinfo->context;
	/* the extension's own scripts build the objects step by step */
	if (!OidIsValid(extension) || (creating_extension && CurrentExtensionObject == extension))
		PG_RETURN_VOID();
	events = WhOwnTable("webhook_events");
	if (strcmp(trigdata->event, "table_rewrite") == 0)
	{
		if (DatumGetObjectId(OidFunctionCall0(F_PG_EVENT_TRIGGER_TABLE_REWRITE_OID)) != events)
			PG_RETURN_VOID();
		/* refuse an unreadable new type now, before saying anything of the rewrite */
		CheckAfterDdl(events, GetCommandTagName(trigdata->tag));
		WhMarkStale(events, "it was rewritten by ALTER TABLE");
	}
	else
		CheckAfterDdl(events, GetCommandTagName(trigdata->tag));
	PG_RETURN_VOID();
}

/*
 * webhook_summaries_status(organization_id) -> (events, usable, reason,
 * stale_since): for each summarized table, whether the caller's calls (for
 * that organization, or any) need no rows for whole days now, with its
 * settings and transaction, and if they do, why.
 */
Datum
webhook_summaries_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			events;
	Oid			configured;
	const char *reason;
	TimestampTz since;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	char	   *stale;

	InitMaterializedSRF(fcinfo, 0);
	events = WhOwnTable("webhook_events");
	(void) WhEventsRelation(&configured);
	values[0] = ObjectIdGetDatum(events);
	SPI_connect();
	values[1] = BoolGetDatum(WhSummarySource(configured, PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0),
											 &reason) != WH_SOURCE_ROWS);
	SPI_finish();
	values[2] = reason == NULL ? (Datum) 0 : CStringGetTextDatum(reason);
	nulls[2] = reason == NULL;
	stale = StaleSince(events, &since);
	values[3] = TimestampTzGetDatum(since);
	nulls[3] = stale == NULL || since == 0;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
