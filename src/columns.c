/*
 * columns.c
 *	  The one table of the deliveries relation's columns, and what is made
 *	  from it: the queries' SELECT lists (each column cast to the type its
 *	  kind is read as, so a plan's result type never changes), and the map
 *	  of where each column sits in a tuple, checked against its kind; and
 *	  for rows read without a query, the same casts done in C, for the
 *	  column types where they are a plain copy or the type's output.
 */
#include "postgres.h"

#include "access/transam.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "columns.h"

/* SPEC section 1's columns; "metric" marks those the summaries depend on. */
const WhColumnDef wh_event_columns[WH_NCOLUMNS] = {
	[WH_COL_ID] = {"id", WH_KIND_TEXT, false},
	[WH_COL_WEBHOOK_ID] = {"webhook_id", WH_KIND_TEXT, true},
	[WH_COL_ORGANIZATION_ID] = {"organization_id", WH_KIND_TEXT, false},
	[WH_COL_URL] = {"url", WH_KIND_TEXT, true},
	[WH_COL_EVENT] = {"event", WH_KIND_TEXT, true},
	[WH_COL_RESOURCE_ID] = {"resource_id", WH_KIND_TEXT, false},
	[WH_COL_PAYLOAD] = {"payload", WH_KIND_JSON, false},
	[WH_COL_RESPONSE_STATUS] = {"response_status", WH_KIND_INTEGER, true},
	[WH_COL_RESPONSE_BODY] = {"response_body", WH_KIND_TEXT, false},
	[WH_COL_ERROR] = {"error", WH_KIND_JSON, true},
	[WH_COL_RETRIES] = {"retries", WH_KIND_INTEGER, true},
	[WH_COL_CREATED_AT] = {"created_at", WH_KIND_TIMESTAMPTZ, true},
	[WH_COL_UPDATED_AT] = {"updated_at", WH_KIND_TIMESTAMPTZ, false},
	[WH_COL_FIRST_SENT_AT] = {"first_sent_at", WH_KIND_TIMESTAMPTZ, true},
	[WH_COL_DELAY_MS] = {"delay_ms", WH_KIND_INTEGER, true},
	[WH_COL_DONE] = {"done", WH_KIND_INTEGER, true},
};

/* KindCast is the type a query casts a column of this kind to. */
static const char *
KindCast(WhColumnKind kind)
{
	switch (kind)
	{
		case WH_KIND_TEXT:
			return "pg_catalog.text";
		case WH_KIND_INTEGER:
			return "pg_catalog.int8";
		case WH_KIND_JSON:
			return "pg_catalog.jsonb";
		case WH_KIND_TIMESTAMPTZ:
			return "pg_catalog.timestamptz";
	}
	elog(ERROR, "unknown column kind %d", (int) kind);
	return NULL;				/* keep the compiler quiet */
}

/*
 * WhAppendSelectList appends "alias.col::type AS col, ..." for every column
 * (metrics_only: the metric columns), in table order.
 */
void
WhAppendSelectList(StringInfo sql, const char *alias, bool metrics_only)
{
	bool		first = true;

	for (int i = 0; i < WH_NCOLUMNS; i++)
	{
		const WhColumnDef *c = &wh_event_columns[i];

		if (metrics_only && !c->metric)
			continue;
		appendStringInfo(sql, "%s%s.%s::%s AS %s", first ? "" : ", ", alias,
						 quote_identifier(c->name), KindCast(c->kind),
						 quote_identifier(c->name));
		first = false;
	}
}

/* WhColumnTypeAccepted is true when a column of this base type can be read as kind. */
bool
WhColumnTypeAccepted(WhColumnKind kind, Oid type)
{
	switch (kind)
	{
		case WH_KIND_TEXT:
			return type == TEXTOID || type == VARCHAROID;
		case WH_KIND_INTEGER:
			return type == INT2OID || type == INT4OID || type == INT8OID;
		case WH_KIND_JSON:
			return type == JSONBOID || type == JSONOID;
		case WH_KIND_TIMESTAMPTZ:
			return type == TIMESTAMPTZOID;
	}
	return false;
}

/* WhColumnTypesAccepted names the types a kind accepts, for hints. */
const char *
WhColumnTypesAccepted(WhColumnKind kind)
{
	switch (kind)
	{
		case WH_KIND_TEXT:
			return "text or varchar";
		case WH_KIND_INTEGER:
			return "smallint, integer or bigint";
		case WH_KIND_JSON:
			return "jsonb or json";
		case WH_KIND_TIMESTAMPTZ:
			return "timestamp with time zone";
	}
	return "?";
}

/* FindAttribute returns the 0-based position of a live column, or -1. */
static int
FindAttribute(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i;
	}
	return -1;
}

/*
 * BaseType is the type a column of type reads as: a domain's base type.
 * Types of the bootstrap catalogs are no domains, so the common case needs
 * no catalog lookup (this runs for every summarized statement).
 */
static Oid
BaseType(Oid type)
{
	return type < FirstGenbkiObjectId ? type : getBaseType(type);
}

/*
 * WhColumnMapFind finds the metric columns (and with_keys, organization_id
 * and webhook_id) in a tuple descriptor of relname, and checks that each
 * has a type its kind can read.
 */
void
WhColumnMapFind(TupleDesc desc, bool with_keys, const char *relname, WhColumnMap *map)
{
	for (int i = 0; i < WH_NCOLUMNS; i++)
	{
		const WhColumnDef *c = &wh_event_columns[i];
		bool		wanted = c->metric ||
			(with_keys && (i == WH_COL_ORGANIZATION_ID || i == WH_COL_WEBHOOK_ID));
		int			position = wanted ? FindAttribute(desc, c->name) : -1;
		Oid			type;

		map->col[i].position = position;
		map->col[i].type = InvalidOid;
		if (!wanted)
			continue;
		if (position < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("relation \"%s\" has no column \"%s\"", relname, c->name),
					 errhint("whanalytics reads the columns of SPEC section 1 by name.")));
		type = BaseType(TupleDescAttr(desc, position)->atttypid);
		if (!WhColumnTypeAccepted(c->kind, type))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of relation \"%s\" has type %s",
							c->name, relname, format_type_be(type)),
					 errhint("whanalytics reads %s there.", WhColumnTypesAccepted(c->kind))));
		map->col[i].type = type;
	}
}

/*
 * UncastKind is true when a column of type can be given as its kind's
 * type the way the SELECT list's cast gives it, without SQL: the same
 * type, varchar as text, a smaller integer widened, or (for text) an
 * integer or uuid through its output function, which is what its cast to
 * text runs. Domains and every other type need the query.
 */
static bool
UncastKind(WhColumnKind kind, Oid type)
{
	switch (kind)
	{
		case WH_KIND_TEXT:
			return type == TEXTOID || type == VARCHAROID || type == INT2OID ||
				type == INT4OID || type == INT8OID || type == UUIDOID;
		case WH_KIND_INTEGER:
			return type == INT2OID || type == INT4OID || type == INT8OID;
		case WH_KIND_JSON:
			return type == JSONBOID;
		case WH_KIND_TIMESTAMPTZ:
			return type == TIMESTAMPTZOID;
	}
	return false;
}

/*
 * WhColumnMapAllUncast maps every column of desc for WhEventValuesOf;
 * false when one is missing or has a type only the query's cast reads.
 */
bool
WhColumnMapAllUncast(TupleDesc desc, WhColumnMap *map)
{
	for (int i = 0; i < WH_NCOLUMNS; i++)
	{
		int			position = FindAttribute(desc, wh_event_columns[i].name);

		if (position < 0)
			return false;
		map->col[i].position = position;
		map->col[i].type = TupleDescAttr(desc, position)->atttypid;
		if (!UncastKind(wh_event_columns[i].kind, map->col[i].type))
			return false;
	}
	return true;
}

/* WhEventValuesOf gives a row mapped by WhColumnMapAllUncast as the query would have. */
void
WhEventValuesOf(const WhColumnMap *map, TupleTableSlot *slot, WhEventValues *row)
{
	slot_getallattrs(slot);
	for (int i = 0; i < WH_NCOLUMNS; i++)
	{
		const WhColumnRef *c = &map->col[i];
		Datum		value = slot->tts_values[c->position];

		row->nulls[i] = slot->tts_isnull[c->position];
		if (row->nulls[i])
		{
			row->values[i] = (Datum) 0;
			continue;
		}
		switch (wh_event_columns[i].kind)
		{
			case WH_KIND_TEXT:
				if (c->type != TEXTOID && c->type != VARCHAROID)
				{
					Oid			output;
					bool		varlena;

					getTypeOutputInfo(c->type, &output, &varlena);
					value = CStringGetTextDatum(OidOutputFunctionCall(output, value));
				}
				break;
			case WH_KIND_INTEGER:
				value = Int64GetDatum(WhIntegerValue(value, c->type));
				break;
			case WH_KIND_JSON:
			case WH_KIND_TIMESTAMPTZ:
				break;
		}
		row->values[i] = value;
	}
}
