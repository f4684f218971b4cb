/*
 * relations.c
 *	  Resolves the deliveries and webhooks relations to schema-qualified,
 *	  quoted names: the extension's own tables, or the table or view a
 *	  setting names. A missing relation or column is a clear error here,
 *	  before any query runs; privileges are left to the executor. What a
 *	  setting resolved to is kept per backend until a catalog invalidation,
 *	  another value of the setting or another search_path.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "columns.h"
#include "relations.h"
#include "settings.h"

/* The columns the webhooks relation must have (the deliveries' are in columns.c). */
static const char *const wh_webhook_columns[] = {
	"id", "organization_id", "events", NULL
};

/*
 * The catalog invalidations this backend has seen: relcache, pg_class names,
 * schemas, pg_subscription_rel. Whatever the extension remembers from the
 * catalogs (here, summary_trust.c, index_rows.c) holds while the count it
 * was read at stays (WhCatalogGeneration).
 */
static uint64 wh_catalog_generation = 1;
static bool wh_callbacks_registered = false;

/* The extension's schema, remembered at a catalog generation. */
static Oid	wh_cached_schema = InvalidOid;
static uint64 wh_schema_generation = 0;

/* What a setting resolved to, kept for the next call. */
typedef struct WhResolved
{
	uint64		generation;		/* the catalog generation it was resolved at; 0: none kept */
	char	   *value;			/* the setting's value ("": the extension's table) */
	OverrideSearchPath *path;	/* the search_path it was resolved under */
	Oid			userid;			/* by this role (schema privileges are checked by name) */
	Oid			relid;
	char	   *name;			/* quoted and qualified */
	MemoryContext context;		/* holds value, path and name */
} WhResolved;

static WhResolved wh_resolved_events = {0};
static WhResolved wh_resolved_webhooks = {0};

/* CountInvalidation counts one catalog invalidation; a relcache callback. */
static void
CountInvalidation(Datum arg, Oid relid)
{
	wh_catalog_generation++;
}

/* CountSyscacheInvalidation counts one; a syscache callback. */
static void
CountSyscacheInvalidation(Datum arg, int cacheid, uint32 hashvalue)
{
	wh_catalog_generation++;
}

/*
 * WhCatalogGeneration is the count of catalog invalidations: what was read
 * from the catalogs at one count holds while the count stays. The callbacks
 * are registered at the first call.
 */
uint64
WhCatalogGeneration(void)
{
	if (!wh_callbacks_registered)
	{
		CacheRegisterRelcacheCallback(CountInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(RELNAMENSP, CountSyscacheInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, CountSyscacheInvalidation, (Datum) 0);
		CacheRegisterSyscacheCallback(SUBSCRIPTIONRELMAP, CountSyscacheInvalidation, (Datum) 0);
		wh_callbacks_registered = true;
	}
	return wh_catalog_generation;
}

/* ExtensionRow reads whanalytics' row of pg_extension: its schema and its owner. */
static void
ExtensionRow(Oid *schema, Oid *owner)
{
	Relation	catalog = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	*schema = *owner = InvalidOid;
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(get_extension_oid("whanalytics", false)));
	scan = systable_beginscan(catalog, ExtensionOidIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		*schema = ((Form_pg_extension) GETSTRUCT(tuple))->extnamespace;
		*owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
	}
	systable_endscan(scan);
	table_close(catalog, AccessShareLock);
	if (!OidIsValid(*schema))
		elog(ERROR, "could not find extension whanalytics in pg_extension");
}

/* WhExtensionSchema returns the schema whanalytics is installed in (pg_extension.extnamespace). */
Oid
WhExtensionSchema(void)
{
	Oid			owner;

	uint64		generation = WhCatalogGeneration();

	if (wh_schema_generation == generation)
		return wh_cached_schema;
	ExtensionRow(&wh_cached_schema, &owner);
	if (generation == WhCatalogGeneration())
		wh_schema_generation = generation;
	return wh_cached_schema;
}

/* WhExtensionOwner returns the role that owns the extension (pg_extension.extowner). */
Oid
WhExtensionOwner(void)
{
	Oid			schema;
	Oid			owner;

	ExtensionRow(&schema, &owner);
	return owner;
}

/* WhRelationOwner returns the role that owns a relation. */
Oid
WhRelationOwner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/* WhOwnTable finds the extension's own table (or index) by name in the extension's schema. */
Oid
WhOwnTable(const char *relname)
{
	Oid			relid = get_relname_relid(relname, WhExtensionSchema());

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the whanalytics table \"%s\" does not exist", relname),
				 errhint("Reinstall the extension, or set whanalytics.%s_table to a relation of your own.",
						 strcmp(relname, "webhooks") == 0 ? "webhooks" : "events")));
	return relid;
}

/* NameList splits a possibly qualified, possibly quoted relation name. */
static List *
NameList(const char *setting, const char *name)
{
	char	   *raw = pstrdup(name);
	List	   *parts;
	List	   *names = NIL;
	ListCell   *cell;

	if (!SplitIdentifierString(raw, '.', &parts) || list_length(parts) > 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid relation name \"%s\" in %s", name, setting),
				 errhint("Set %s to a relation name such as my_schema.my_view, or to '' for the extension's own table.",
						 setting)));
	foreach(cell, parts)
		names = lappend(names, makeString(lfirst(cell)));
	return names;
}

/* NamedRelation looks up the relation a setting names, with the caller's search_path. */
static Oid
NamedRelation(const char *setting, const char *name)
{
	List	   *names;
	Oid			relid;

	names = NameList(setting, name);
	relid = RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" named by %s does not exist", name, setting),
				 errhint("Set %s to an existing table or view, or to '' for the extension's own table.",
						 setting)));
	return relid;
}

/* CheckColumns fails unless the relation has every column the queries read. */
static void
CheckColumns(Oid relid, const char *setting, const char *const *columns)
{
	char		relkind = get_rel_relkind(relid);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_VIEW &&
		relkind != RELKIND_MATVIEW && relkind != RELKIND_FOREIGN_TABLE &&
		relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" named by %s is not a table or view", get_rel_name(relid), setting)));

	for (int i = 0; columns[i] != NULL; i++)
	{
		if (get_attnum(relid, columns[i]) == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("relation \"%s\" named by %s has no column \"%s\"",
							get_rel_name(relid), setting, columns[i]),
					 errhint("The relation needs the columns of whanalytics' own table, with the same names.")));
	}
}

/* WhQualifiedName is the quoted, schema-qualified name of a relation, for SQL. */
char *
WhQualifiedName(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * Resolve returns the quoted, qualified name of the relation a setting
 * selects, and its oid: from kept when the same role resolved the same
 * value under the same search_path since the last invalidation.
 */
static char *
Resolve(const char *setting, const char *value, const char *own_table,
		const char *const *columns, Oid *relid_out, WhResolved *kept)
{
	const char *given = value == NULL ? "" : value;
	uint64		generation = WhCatalogGeneration();
	Oid			relid;
	char	   *name;
	MemoryContext old;

	if (kept->generation == generation && strcmp(kept->value, given) == 0 &&
		kept->userid == GetUserId() && OverrideSearchPathMatchesCurrent(kept->path))
	{
		if (relid_out != NULL)
			*relid_out = kept->relid;
		return pstrdup(kept->name);
	}
	if (given[0] == '\0')
		relid = WhOwnTable(own_table);
	else
		relid = NamedRelation(setting, given);
	CheckColumns(relid, setting, columns);
	if (relid_out != NULL)
		*relid_out = relid;
	name = WhQualifiedName(relid);
	if (generation != WhCatalogGeneration())
		return name;			/* an invalidation arrived meanwhile: keep nothing */
	if (kept->context == NULL)
		kept->context = AllocSetContextCreate(CacheMemoryContext, "whanalytics resolved relation",
											  ALLOCSET_SMALL_SIZES);
	kept->generation = 0;
	MemoryContextReset(kept->context);
	old = MemoryContextSwitchTo(kept->context);
	kept->path = GetOverrideSearchPath(kept->context);
	kept->name = pstrdup(name);
	kept->relid = relid;
	kept->userid = GetUserId();
	kept->value = pstrdup(given);
	kept->generation = generation;
	MemoryContextSwitchTo(old);
	return name;
}

/* WhEventsRelation names the relation deliveries are read from, and sets its oid. */
char *
WhEventsRelation(Oid *relid)
{
	const char *names[WH_NCOLUMNS + 1];

	for (int i = 0; i < WH_NCOLUMNS; i++)
		names[i] = wh_event_columns[i].name;
	names[WH_NCOLUMNS] = NULL;
	return Resolve("whanalytics.events_table", wh_events_table,
				   "webhook_events", names, relid, &wh_resolved_events);
}

/* WhWebhooksRelation names the relation webhooks are read from, and sets its oid (when relid is not NULL). */
char *
WhWebhooksRelation(Oid *relid)
{
	return Resolve("whanalytics.webhooks_table", wh_webhooks_table,
				   "webhooks", wh_webhook_columns, relid, &wh_resolved_webhooks);
}
