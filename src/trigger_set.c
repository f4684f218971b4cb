/*
 * trigger_set.c
 *	  The summary triggers each kind of summarized table has (one table of
 *	  roles per kind), how to tell that a table has exactly them, each in
 *	  its firing mode, and how to create, re-enable and drop them. A plain
 *	  table has statement triggers in ordinary sessions and a row trigger
 *	  where session_replication_role is replica (logical replication),
 *	  TRUNCATE in both: exactly one path sees each change. A partitioned
 *	  table has one row trigger, always enabled, which every partition
 *	  clones (present and future ones): summaries are kept per partition,
 *	  so detaching or dropping one takes exactly its rows away; each
 *	  partition also has its own TRUNCATE trigger (TRUNCATE triggers are not
 *	  cloned; truncating the parent fires those of its partitions).
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "relations.h"
#include "trigger_set.h"

#define WH_IUD (TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE | TRIGGER_TYPE_DELETE)

/* One of the summary triggers a summarized table has. */
typedef struct WhTriggerRole
{
	const char *name;
	int16		type;			/* tgtype: level, timing and events */
	bool		old_table;		/* REFERENCING OLD TABLE */
	bool		new_table;		/* REFERENCING NEW TABLE */
	char		enabled;		/* TRIGGER_FIRES_* */
	const char *enable;			/* the ALTER TABLE words for that mode */
	const char *when;			/* CREATE TRIGGER's words before ON, and after the table */
	const char *level;
} WhTriggerRole;

static const WhTriggerRole wh_statement_roles[] = {
	{"webhook_events_summarize_begin", TRIGGER_TYPE_BEFORE | WH_IUD, false, false,
		TRIGGER_FIRES_ON_ORIGIN, "ENABLE", "BEFORE INSERT OR UPDATE OR DELETE", "FOR EACH STATEMENT"},
	{"webhook_events_summarize_insert", TRIGGER_TYPE_INSERT, false, true,
		TRIGGER_FIRES_ON_ORIGIN, "ENABLE", "AFTER INSERT",
	"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"},
	{"webhook_events_summarize_update", TRIGGER_TYPE_UPDATE, true, true,
		TRIGGER_FIRES_ON_ORIGIN, "ENABLE", "AFTER UPDATE",
	"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"},
	{"webhook_events_summarize_delete", TRIGGER_TYPE_DELETE, true, false,
		TRIGGER_FIRES_ON_ORIGIN, "ENABLE", "AFTER DELETE",
	"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"},
	{"webhook_events_summarize_truncate", TRIGGER_TYPE_TRUNCATE, false, false,
	TRIGGER_FIRES_ALWAYS, "ENABLE ALWAYS", "AFTER TRUNCATE", "FOR EACH STATEMENT"},
	{"webhook_events_summarize_replica", TRIGGER_TYPE_ROW | WH_IUD, false, false,
		TRIGGER_FIRES_ON_REPLICA, "ENABLE REPLICA", "AFTER INSERT OR UPDATE OR DELETE",
	"FOR EACH ROW"},
};

static const WhTriggerRole wh_partitioned_roles[] = {
	{"webhook_events_summarize_row", TRIGGER_TYPE_ROW | WH_IUD, false, false,
		TRIGGER_FIRES_ALWAYS, "ENABLE ALWAYS", "AFTER INSERT OR UPDATE OR DELETE",
	"FOR EACH ROW"},
};

static const WhTriggerRole wh_partition_roles[] = {
	{"webhook_events_summarize_row", TRIGGER_TYPE_ROW | WH_IUD, false, false,
		TRIGGER_FIRES_ALWAYS, "ENABLE ALWAYS", "AFTER INSERT OR UPDATE OR DELETE",
	"FOR EACH ROW"},
	{"webhook_events_summarize_truncate", TRIGGER_TYPE_TRUNCATE, false, false,
	TRIGGER_FIRES_ALWAYS, "ENABLE ALWAYS", "AFTER TRUNCATE", "FOR EACH STATEMENT"},
};

/* RolesOf returns the roles of a kind of table and how many there are. */
static const WhTriggerRole *
RolesOf(WhTriggerSet set, int *n)
{
	switch (set)
	{
		case WH_TRIGGERS_STATEMENT:
			*n = lengthof(wh_statement_roles);
			return wh_statement_roles;
		case WH_TRIGGERS_PARTITIONED:
			*n = lengthof(wh_partitioned_roles);
			return wh_partitioned_roles;
		case WH_TRIGGERS_PARTITION:
			break;
	}
	*n = lengthof(wh_partition_roles);
	return wh_partition_roles;
}

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

/* RoleOf returns the role a trigger's definition plays in a set, or -1 when none. */
static int
RoleOf(const Trigger *t, const WhTriggerRole *roles, int n)
{
	for (int i = 0; i < n; i++)
	{
		const WhTriggerRole *role = &roles[i];

		if (t->tgtype == role->type && (t->tgoldtable != NULL) == role->old_table &&
			(t->tgnewtable != NULL) == role->new_table && t->tgqual == NULL &&
			t->tgnattr == 0)
			return i;
	}
	return -1;
}

/* WhTriggersCanonical is true when the table's summary triggers are exactly the set's roles, each in its mode. */
bool
WhTriggersCanonical(Relation rel, WhTriggerSet set)
{
	TriggerDesc *triggers = rel->trigdesc;
	int			n;
	const WhTriggerRole *roles = RolesOf(set, &n);
	int			seen[lengthof(wh_statement_roles)] = {0};

	for (int i = 0; triggers != NULL && i < triggers->numtriggers; i++)
	{
		Trigger    *t = &triggers->triggers[i];
		int			role;

		if (!IsSummaryFunction(t->tgfoid))
			continue;
		role = RoleOf(t, roles, n);
		if (role < 0 || t->tgenabled != roles[role].enabled)
			return false;
		seen[role]++;
	}
	for (int i = 0; i < n; i++)
		if (seen[i] != 1)
			return false;
	return true;
}

/* True while the extension changes summary triggers itself (its event trigger then stays out). */
bool		wh_changing_triggers = false;

/*
 * RunAsExtensionOwner runs utility statements as the extension's owner
 * (who may use the trigger function; the caller has checked the table's
 * ownership).
 */
static void
RunAsExtensionOwner(List *statements)
{
	Oid			save_user;
	int			save_sec;
	ListCell   *lc;

	if (statements == NIL)
		return;
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(WhExtensionOwner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	wh_changing_triggers = true;
	PG_TRY();
	{
		SPI_connect();
		foreach(lc, statements)
			if (SPI_execute(lfirst(lc), false, 0) != SPI_OK_UTILITY)
				elog(ERROR, "changing the whanalytics summary triggers failed: %s", (char *) lfirst(lc));
		SPI_finish();
	}
	PG_FINALLY();
	{
		wh_changing_triggers = false;
	}
	PG_END_TRY();
	SetUserIdAndSecContext(save_user, save_sec);
}

/* FindTrigger returns the table's trigger of that name, or NULL. */
static Trigger *
FindTrigger(Relation rel, const char *name)
{
	TriggerDesc *triggers = rel->trigdesc;

	for (int i = 0; triggers != NULL && i < triggers->numtriggers; i++)
		if (strcmp(triggers->triggers[i].tgname, name) == 0)
			return &triggers->triggers[i];
	return NULL;
}

/*
 * WhRestoreTriggerModes sets every summary trigger of the table back to
 * its mode; false when one is missing or redefined (a reinstall, or
 * attaching again, is needed).
 */
bool
WhRestoreTriggerModes(Oid relid, WhTriggerSet set)
{
	Relation	rel = table_open(relid, AccessShareLock);
	char	   *table = WhQualifiedName(relid);
	List	   *statements = NIL;
	int			n;
	const WhTriggerRole *roles = RolesOf(set, &n);

	for (int r = 0; r < n; r++)
	{
		Trigger    *found = FindTrigger(rel, roles[r].name);

		if (found == NULL || !IsSummaryFunction(found->tgfoid) || RoleOf(found, roles, n) != r)
		{
			table_close(rel, AccessShareLock);
			return false;
		}
		if (found->tgenabled != roles[r].enabled)
			statements = lappend(statements, psprintf("ALTER TABLE %s %s TRIGGER %s", table,
													  roles[r].enable, quote_identifier(roles[r].name)));
	}
	/* ALTER TABLE refuses a table this backend still has open */
	table_close(rel, AccessShareLock);
	RunAsExtensionOwner(statements);
	return true;
}

/*
 * WhCreateTriggers gives a table the summary triggers of its kind that it
 * lacks, each in its mode (the caller has checked it may); a trigger of
 * one of their names that is not that trigger is an error.
 */
void
WhCreateTriggers(Oid relid, WhTriggerSet set)
{
	Relation	rel = table_open(relid, AccessShareLock);
	char	   *table = WhQualifiedName(relid);
	char	   *function = quote_qualified_identifier(get_namespace_name(WhExtensionSchema()),
													  "webhook_events_summarize");
	List	   *statements = NIL;
	int			n;
	const WhTriggerRole *roles = RolesOf(set, &n);

	for (int r = 0; r < n; r++)
	{
		Trigger    *found = FindTrigger(rel, roles[r].name);

		if (found != NULL && (!IsSummaryFunction(found->tgfoid) || RoleOf(found, roles, n) != r))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("table \"%s\" has a trigger \"%s\" that is not whanalytics' summary trigger",
							RelationGetRelationName(rel), roles[r].name),
					 errhint("Rename or drop that trigger first.")));
		if (found == NULL)
			statements = lappend(statements,
								 psprintf("CREATE TRIGGER %s %s ON %s %s EXECUTE FUNCTION %s()",
										  quote_identifier(roles[r].name), roles[r].when, table,
										  roles[r].level, function));
		if (found == NULL || found->tgenabled != roles[r].enabled)
			statements = lappend(statements, psprintf("ALTER TABLE %s %s TRIGGER %s", table,
													  roles[r].enable, quote_identifier(roles[r].name)));
	}
	table_close(rel, AccessShareLock);
	RunAsExtensionOwner(statements);
}

/* WhDropTriggers drops every trigger of the table that calls the summary function (a clone goes with its parent). */
void
WhDropTriggers(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	TriggerDesc *triggers = rel->trigdesc;
	char	   *table = WhQualifiedName(relid);
	List	   *statements = NIL;

	for (int i = 0; triggers != NULL && i < triggers->numtriggers; i++)
	{
		Trigger    *t = &triggers->triggers[i];

		if (IsSummaryFunction(t->tgfoid) && !t->tgisclone)
			statements = lappend(statements, psprintf("DROP TRIGGER %s ON %s",
													  quote_identifier(t->tgname), table));
	}
	table_close(rel, AccessShareLock);
	RunAsExtensionOwner(statements);
}
