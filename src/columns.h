/*
 * columns.h
 *	  The columns of the deliveries relation (SPEC section 1) in one table:
 *	  their names, how each is read, and which the summaries depend on. The
 *	  SELECT lists, the column checks and every position map come from it.
 */
#ifndef WH_COLUMNS_H
#define WH_COLUMNS_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "executor/tuptable.h"
#include "catalog/pg_type_d.h"
#include "lib/stringinfo.h"

/* How a column's value is read, and the type the queries cast it to. */
typedef enum WhColumnKind
{
	WH_KIND_TEXT,				/* text or varchar; the queries cast to text */
	WH_KIND_INTEGER,			/* smallint, integer or bigint; cast to bigint */
	WH_KIND_JSON,				/* jsonb or json; cast to jsonb */
	WH_KIND_TIMESTAMPTZ			/* timestamptz */
} WhColumnKind;

/* The columns of webhook_events, in SPEC order (wh_event_columns index). */
typedef enum WhEventColumn
{
	WH_COL_ID,
	WH_COL_WEBHOOK_ID,
	WH_COL_ORGANIZATION_ID,
	WH_COL_URL,
	WH_COL_EVENT,
	WH_COL_RESOURCE_ID,
	WH_COL_PAYLOAD,
	WH_COL_RESPONSE_STATUS,
	WH_COL_RESPONSE_BODY,
	WH_COL_ERROR,
	WH_COL_RETRIES,
	WH_COL_CREATED_AT,
	WH_COL_UPDATED_AT,
	WH_COL_FIRST_SENT_AT,
	WH_COL_DELAY_MS,
	WH_COL_DONE,
	WH_NCOLUMNS
} WhEventColumn;

/* One column of the deliveries relation. */
typedef struct WhColumnDef
{
	const char *name;
	WhColumnKind kind;
	bool		metric;			/* read by the window scan and the summaries */
} WhColumnDef;

extern const WhColumnDef wh_event_columns[WH_NCOLUMNS];

/* Where a column sits in a tuple (0-based) and its type there. */
typedef struct WhColumnRef
{
	int			position;
	Oid			type;			/* base type of the column */
} WhColumnRef;

/* A tuple layout: every column the caller asked for, by WhEventColumn. */
typedef struct WhColumnMap
{
	WhColumnRef col[WH_NCOLUMNS];	/* position -1: not in the tuple */
} WhColumnMap;

/* One row's columns, each as the queries' casts give it (text, bigint, jsonb, timestamptz). */
typedef struct WhEventValues
{
	Datum		values[WH_NCOLUMNS];
	bool		nulls[WH_NCOLUMNS];
} WhEventValues;

extern void WhAppendSelectList(StringInfo sql, const char *alias, bool metrics_only);
extern bool WhColumnMapAllUncast(TupleDesc desc, WhColumnMap *map);
extern void WhEventValuesOf(const WhColumnMap *map, TupleTableSlot *slot, WhEventValues *row);
extern bool WhColumnTypeAccepted(WhColumnKind kind, Oid type);
extern const char *WhColumnTypesAccepted(WhColumnKind kind);
extern void WhColumnMapFind(TupleDesc desc, bool with_keys, const char *relname,
							WhColumnMap *map);

/* WhIntegerValue reads a smallint, integer or bigint datum as int64. */
static inline int64
WhIntegerValue(Datum value, Oid type)
{
	if (type == INT2OID)
		return DatumGetInt16(value);
	if (type == INT4OID)
		return DatumGetInt32(value);
	return DatumGetInt64(value);
}

#endif							/* WH_COLUMNS_H */
