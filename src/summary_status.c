/*
 * summary_status.c
 *	  Reads and writes webhook_summary_status, one row per summarized
 *	  table (webhook_events, each attached table, and each partition of an
 *	  attached partitioned table, naming it in part_of): no row, not
 *	  summarized; stale_since set, the summaries may miss changes (since
 *	  some DDL) until a rebuild. Reads use an index scan under the caller's
 *	  snapshot; writes run as the table's owner (the table is internal).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "relations.h"
#include "summary_status.h"

/* The status table, open for reading rows by table under the caller's snapshot. */
typedef struct StatusReader
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
} StatusReader;

/* StatusOpen opens the status table and its key for reading. */
static void
StatusOpen(StatusReader *r)
{
	r->heap = table_open(WhOwnTable("webhook_summary_status"), AccessShareLock);
	r->index = index_open(WhOwnTable("webhook_summary_status_pkey"), AccessShareLock);
	r->slot = table_slot_create(r->heap, NULL);
	r->scan = index_beginscan(r->heap, r->index, GetActiveSnapshot(), 1, 0);
}

/* StatusClose closes what StatusOpen opened. */
static void
StatusClose(StatusReader *r)
{
	index_endscan(r->scan);
	ExecDropSingleTupleTableSlot(r->slot);
	index_close(r->index, AccessShareLock);
	table_close(r->heap, AccessShareLock);
}

/* StatusRead reads one table's status row; when stale, since when and why. */
static WhStatus
StatusRead(StatusReader *r, Oid relid, TimestampTz *since, char **reason)
{
	ScanKeyData key;
	WhStatus	status = WH_STATUS_NONE;

	*since = 0;
	*reason = NULL;
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	index_rescan(r->scan, &key, 1, NULL, 0);
	if (index_getnext_slot(r->scan, ForwardScanDirection, r->slot))
	{
		bool		since_null;
		bool		reason_null;
		Datum		when = slot_getattr(r->slot, 2, &since_null);
		Datum		why = slot_getattr(r->slot, 3, &reason_null);

		status = since_null ? WH_STATUS_COMPLETE : WH_STATUS_STALE;
		if (!since_null)
		{
			*since = DatumGetTimestampTz(when);
			*reason = reason_null ? "unknown" : TextDatumGetCString(why);
		}
	}
	return status;
}

/* WhStatusOf reads a table's status row under the caller's snapshot; when stale, since when and why. */
WhStatus
WhStatusOf(Oid relid, TimestampTz *since, char **reason)
{
	StatusReader r;
	WhStatus	status;

	StatusOpen(&r);
	status = StatusRead(&r, relid, since, reason);
	StatusClose(&r);
	return status;
}

/*
 * WhStatusFirstIncomplete returns the first of the tables whose status is
 * not complete in the caller's snapshot, with that status (and when stale,
 * since when and why), or InvalidOid when every one is complete.
 */
Oid
WhStatusFirstIncomplete(List *relids, WhStatus *status, TimestampTz *since, char **reason)
{
	StatusReader r;
	ListCell   *lc;
	Oid			found = InvalidOid;

	if (relids == NIL)
		return InvalidOid;
	StatusOpen(&r);
	foreach(lc, relids)
	{
		*status = StatusRead(&r, lfirst_oid(lc), since, reason);
		if (*status != WH_STATUS_COMPLETE)
		{
			found = lfirst_oid(lc);
			break;
		}
	}
	StatusClose(&r);
	return found;
}

/*
 * RunAsOwner runs one SQL statement (%s: the status table) with parameters
 * as the status table's owner; returns SPI's code, the rows processed and,
 * when asked, the first column of the rows as oids, in the caller's context.
 */
static int
RunAsOwner(const char *sql, int nargs, Oid *types, Datum *values, uint64 *processed,
		   List **oids)
{
	Oid			relid = WhOwnTable("webhook_summary_status");
	MemoryContext caller = CurrentMemoryContext;
	Oid			save_user;
	int			save_sec;
	int			rc;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(WhRelationOwner(relid), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	SPI_connect();
	rc = SPI_execute_with_args(psprintf(sql, WhQualifiedName(relid)), nargs, types, values,
							   NULL, false, 0);
	if (processed != NULL)
		*processed = SPI_processed;
	for (uint64 i = 0; oids != NULL && rc == SPI_OK_SELECT && i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			oid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 1, &isnull));
		MemoryContext spi = MemoryContextSwitchTo(caller);

		*oids = lappend_oid(*oids, oid);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	SetUserIdAndSecContext(save_user, save_sec);
	return rc;
}

/* WhStatusAdd records a table as summarized (and complete), as a part of part_of unless InvalidOid. */
void
WhStatusAdd(Oid relid, Oid part_of)
{
	Oid			types[2] = {OIDOID, OIDOID};
	Datum		values[2] = {ObjectIdGetDatum(relid), ObjectIdGetDatum(part_of)};

	if (RunAsOwner("INSERT INTO %s (events, part_of)"
				   " VALUES ($1::pg_catalog.regclass, NULLIF($2, 0::pg_catalog.oid)::pg_catalog.regclass)"
				   " ON CONFLICT (events) DO UPDATE SET part_of = excluded.part_of",
				   2, types, values, NULL, NULL) != SPI_OK_INSERT)
		elog(ERROR, "recording a whanalytics summarized table failed");
}

/* RunForTable runs one statement whose $1 is a table, failing unless SPI says expected. */
static void
RunForTable(const char *sql, Oid relid, int expected, const char *what)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};

	if (RunAsOwner(sql, 1, types, values, NULL, NULL) != expected)
		elog(ERROR, "%s failed", what);
}

/* WhStatusRemove forgets a table, and its parts. */
void
WhStatusRemove(Oid relid)
{
	RunForTable("DELETE FROM %s WHERE events OPERATOR(pg_catalog.=) $1::pg_catalog.regclass"
				" OR part_of OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
				relid, SPI_OK_DELETE, "forgetting a whanalytics summarized table");
}

/* OidList runs a query of one oid column and returns its values. */
static List *
OidList(const char *sql, int nargs, Oid *types, Datum *values)
{
	List	   *result = NIL;

	if (RunAsOwner(sql, nargs, types, values, NULL, &result) != SPI_OK_SELECT)
		elog(ERROR, "listing whanalytics summarized tables failed");
	return result;
}

/* WhStatusTables lists the tables summarized as a whole (not the parts of one). */
List *
WhStatusTables(void)
{
	return OidList("SELECT events FROM %s WHERE part_of IS NULL ORDER BY 1", 0, NULL, NULL);
}

/* WhStatusParts lists the tables recorded as parts of part_of. */
List *
WhStatusParts(Oid part_of)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(part_of)};

	return OidList("SELECT events FROM %s WHERE part_of OPERATOR(pg_catalog.=) $1::pg_catalog.regclass ORDER BY 1",
				   1, types, values);
}

/* WhMarkStale marks a table's summaries out of date (once: the first reason stays). */
void
WhMarkStale(Oid events_relid, const char *reason)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(events_relid), CStringGetTextDatum(reason)};
	uint64		marked;

	if (RunAsOwner("UPDATE %s SET stale_since = pg_catalog.now(), stale_reason = $2"
				   " WHERE events OPERATOR(pg_catalog.=) $1::pg_catalog.regclass"
				   " AND stale_since IS NULL", 2, types, values, &marked, NULL) != SPI_OK_UPDATE)
		elog(ERROR, "marking whanalytics summaries stale failed");
	if (marked > 0)
		ereport(NOTICE,
				(errmsg("the whanalytics summaries of \"%s\" are out of date: %s",
						get_rel_name(events_relid), reason),
				 errhint("Answers read the rows (exact, slower) until SELECT webhook_summaries_rebuild(%s) runs.",
						 events_relid == WhOwnTable("webhook_events") ? "" :
						 quote_literal_cstr(WhQualifiedName(events_relid)))));
}

/* WhClearStale marks a table's summaries complete again (after a rebuild). */
void
WhClearStale(Oid events_relid)
{
	RunForTable("UPDATE %s SET stale_since = NULL, stale_reason = NULL"
				" WHERE events OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
				events_relid, SPI_OK_UPDATE, "clearing the whanalytics stale mark");
}
