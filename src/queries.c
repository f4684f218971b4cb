/*
 * queries.c
 *	  Writes the SQL of the queries for the configured relations
 *	  (every name and operator qualified, so search_path cannot redirect
 *	  them), keeps their prepared plans per backend, and runs them with
 *	  read_only SPI so that one call sees one snapshot.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/params.h"
#include "utils/memutils.h"

#include "columns.h"
#include "index_rows.h"
#include "queries.h"
#include "relations.h"

/* Filter on one organization, the window, and maybe one webhook ($1..$4). */
#define WH_WINDOW_WHERE \
	" WHERE e.organization_id OPERATOR(pg_catalog.=) $1" \
	" AND e.created_at OPERATOR(pg_catalog.>=) $2" \
	" AND e.created_at OPERATOR(pg_catalog.<) $3"
#define WH_WEBHOOK_WHERE " AND e.webhook_id OPERATOR(pg_catalog.=) $4"

/* A prepared plan, kept for the backend's life under its SQL text and planning mode. */
typedef struct WhCachedPlan
{
	char	   *sql;
	bool		generic;
	SPIPlanPtr	plan;
} WhCachedPlan;

#define WH_PLAN_CACHE_SIZE 32

static WhCachedPlan wh_plans[WH_PLAN_CACHE_SIZE];
static int	wh_plans_used = 0;
static int	wh_plans_next_evict = 0;

/*
 * WhKeptPlan returns the kept plan for sql, preparing and keeping it when
 * new. A generic plan is made once and never again for new parameter
 * values: for the queries whose best plan does not depend on them (a few
 * rows by the organization index), so a call pays no planning. Otherwise
 * PostgreSQL's plan cache chooses, as for any prepared statement.
 */
SPIPlanPtr
WhKeptPlan(const char *sql, int nargs, Oid *argtypes, bool generic)
{
	SPIPlanPtr	plan;
	MemoryContext caller;
	int			slot;

	for (int i = 0; i < wh_plans_used; i++)
	{
		if (wh_plans[i].generic == generic && strcmp(wh_plans[i].sql, sql) == 0)
			return wh_plans[i].plan;
	}
	caller = CurrentMemoryContext;
	plan = SPI_prepare_cursor(sql, nargs, argtypes, generic ? CURSOR_OPT_GENERIC_PLAN : 0);
	MemoryContextSwitchTo(caller);	/* SPI returns in its own */
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");

	if (wh_plans_used < WH_PLAN_CACHE_SIZE)
		slot = wh_plans_used++;
	else
	{
		slot = wh_plans_next_evict;
		wh_plans_next_evict = (wh_plans_next_evict + 1) % WH_PLAN_CACHE_SIZE;
		SPI_freeplan(wh_plans[slot].plan);
		pfree(wh_plans[slot].sql);
	}
	wh_plans[slot].sql = MemoryContextStrdup(TopMemoryContext, sql);
	wh_plans[slot].generic = generic;
	wh_plans[slot].plan = plan;
	return plan;
}

/* FilterParams builds $1..$4 (organization, from, to, webhook) plus 'extra' more slots. */
static ParamListInfo
FilterParams(const WhFilter *filter, int extra)
{
	int			nparams = (filter->webhook_id != NULL ? 4 : 3) + extra;
	ParamListInfo params = makeParamList(nparams);
	ParamExternData *p = params->params;

	p[0].value = PointerGetDatum(filter->organization_id);
	p[0].ptype = TEXTOID;
	p[1].value = TimestampTzGetDatum(filter->from);
	p[1].ptype = TIMESTAMPTZOID;
	p[2].value = TimestampTzGetDatum(filter->to);
	p[2].ptype = TIMESTAMPTZOID;
	if (filter->webhook_id != NULL)
	{
		p[3].value = PointerGetDatum(filter->webhook_id);
		p[3].ptype = TEXTOID;
	}
	for (int i = 0; i < nparams; i++)
	{
		p[i].isnull = false;
		p[i].pflags = PARAM_FLAG_CONST;
	}
	return params;
}

/* ParamTypes lists the types of the parameters FilterParams builds. */
static Oid *
ParamTypes(const WhFilter *filter, Oid extra_type)
{
	Oid		   *types = palloc(6 * sizeof(Oid));	/* the filter's four, and two more */
	int			n = 0;

	types[n++] = TEXTOID;
	types[n++] = TIMESTAMPTZOID;
	types[n++] = TIMESTAMPTZOID;
	if (filter->webhook_id != NULL)
		types[n++] = TEXTOID;
	if (OidIsValid(extra_type))
		types[n++] = extra_type;
	return types;
}

/*
 * WhExecuteKept runs a kept plan read-only with the given parameters and
 * receiver (NULL: into SPI_tuptable), leaving the caller's memory context
 * current (SPI returns in its own).
 */
void
WhExecuteKept(SPIPlanPtr plan, ParamListInfo params, DestReceiver *dest, int expected)
{
	SPIExecuteOptions options = {0};
	MemoryContext caller = CurrentMemoryContext;
	int			rc;

	options.params = params;
	options.read_only = true;
	options.dest = dest;
	rc = SPI_execute_plan_extended(plan, &options);
	MemoryContextSwitchTo(caller);
	if (rc != expected)
		elog(ERROR, "whanalytics query failed: %s", SPI_result_code_string(rc));
}

/* RowReceiverNoop is a row receiver's shutdown and destroy callback. */
static void
RowReceiverNoop(DestReceiver *self)
{
}

/*
 * WhRowReceiverInit sets up a DestReceiver that takes each row of a query
 * as the executor produces it (nothing is materialized); startup sees the
 * query's tuple descriptor.
 */
void
WhRowReceiverInit(DestReceiver *receiver,
				  bool (*receive) (TupleTableSlot *slot, DestReceiver *self),
				  void (*startup) (DestReceiver *self, int operation, TupleDesc typeinfo))
{
	receiver->receiveSlot = receive;
	receiver->rStartup = startup;
	receiver->rShutdown = RowReceiverNoop;
	receiver->rDestroy = RowReceiverNoop;
	receiver->mydest = DestTuplestore;	/* any but DestNone and DestSPI */
}

/* The kinds of window query, and their variants: bits of a built query's key. */
#define WH_SQL_WINDOW 0
#define WH_SQL_LAST 1
#define WH_SQL_WEBHOOK 2		/* with the webhook filter */
#define WH_SQL_SHORT 4			/* an edge of at most an hour, in index order */
#define WH_SQL_EDGES 8			/* the two edges of a window, in one query */
#define WH_SQL_TOTALS 16		/* the webhook totals alone */

/* The webhook totals of $1 (and the webhook filter's one webhook, $4) from a webhooks relation. */
#define WH_TOTALS_SELECT \
	"pg_catalog.count(*) AS webhooks," \
	" COALESCE(pg_catalog.sum(pg_catalog.cardinality(w.events)), 0)::pg_catalog.int8" \
	" AS events_subscribed FROM %s w WHERE w.organization_id OPERATOR(pg_catalog.=) $1%s"
#define WH_TOTALS_WEBHOOK " AND w.id OPERATOR(pg_catalog.=) $4"

/* A built query's text, kept under its relations and variant. */
typedef struct WhBuiltSql
{
	char	   *relation;
	char	   *webhooks;		/* the webhooks relation (WH_SQL_LAST, _TOTALS), or NULL */
	int			variant;
	char	   *sql;
} WhBuiltSql;

#define WH_SQL_CACHE_SIZE 16
static WhBuiltSql wh_sql[WH_SQL_CACHE_SIZE];
static int	wh_sql_next = 0;

/*
 * BuildWindowSql writes a window query of a variant over a relation (and,
 * for WH_SQL_LAST and WH_SQL_TOTALS, the webhooks relation).
 */
static char *
BuildWindowSql(const char *relation, const char *webhooks, int variant)
{
	StringInfoData sql;
	bool		webhook = (variant & WH_SQL_WEBHOOK) != 0;

	initStringInfo(&sql);
	appendStringInfoString(&sql, (variant & WH_SQL_EDGES) != 0 ? "(SELECT " : "SELECT ");
	if ((variant & WH_SQL_TOTALS) != 0)
		appendStringInfo(&sql, WH_TOTALS_SELECT, webhooks, webhook ? WH_TOTALS_WEBHOOK : "");
	else if ((variant & WH_SQL_LAST) != 0)
	{
		/*
		 * The webhook totals, and beside them the newest rows (none: one row
		 * with found NULL), so one execution answers both.
		 */
		appendStringInfo(&sql, "t.webhooks, t.events_subscribed, l.* FROM (SELECT " WH_TOTALS_SELECT
						 ") t LEFT JOIN LATERAL (SELECT true AS found, ",
						 webhooks, webhook ? WH_TOTALS_WEBHOOK : "");
		WhAppendSelectList(&sql, "e", false);
		appendStringInfo(&sql,
						 " FROM %s e" WH_WINDOW_WHERE "%s"
						 " ORDER BY e.created_at DESC, e.id DESC LIMIT $%d) l ON true",
						 relation, webhook ? WH_WEBHOOK_WHERE : "", webhook ? 5 : 4);
	}
	else if ((variant & WH_SQL_EDGES) != 0)
	{
		/*
		 * $1 organization, $2..$3 the first edge, [$4 webhook], then the
		 * second edge; each in index order, so the generic plan is two index
		 * scans (cheaper to start than bitmap scans for an hour's rows)
		 */
		int			second = webhook ? 5 : 4;

		WhAppendSelectList(&sql, "e", true);
		appendStringInfo(&sql, " FROM %s e" WH_WINDOW_WHERE "%s ORDER BY e.created_at)"
						 " UNION ALL (SELECT ", relation, webhook ? WH_WEBHOOK_WHERE : "");
		WhAppendSelectList(&sql, "e", true);
		appendStringInfo(&sql, " FROM %s e WHERE e.organization_id OPERATOR(pg_catalog.=) $1"
						 " AND e.created_at OPERATOR(pg_catalog.>=) $%d"
						 " AND e.created_at OPERATOR(pg_catalog.<) $%d%s ORDER BY e.created_at)",
						 relation, second, second + 1, webhook ? WH_WEBHOOK_WHERE : "");
	}
	else
	{
		WhAppendSelectList(&sql, "e", true);
		appendStringInfo(&sql, " FROM %s e" WH_WINDOW_WHERE "%s%s", relation,
						 webhook ? WH_WEBHOOK_WHERE : "",
						 (variant & WH_SQL_SHORT) != 0 ? " ORDER BY e.created_at" : "");
	}
	return sql.data;
}

/* WindowSql returns the text of a window query, built once per relations and variant. */
static const char *
WindowSql(const char *relation, const char *webhooks, int variant)
{
	WhBuiltSql *slot;

	for (int i = 0; i < WH_SQL_CACHE_SIZE; i++)
		if (wh_sql[i].sql != NULL && wh_sql[i].variant == variant &&
			strcmp(wh_sql[i].relation, relation) == 0 &&
			(webhooks == NULL) == (wh_sql[i].webhooks == NULL) &&
			(webhooks == NULL || strcmp(wh_sql[i].webhooks, webhooks) == 0))
			return wh_sql[i].sql;
	slot = &wh_sql[wh_sql_next];
	wh_sql_next = (wh_sql_next + 1) % WH_SQL_CACHE_SIZE;
	if (slot->sql != NULL)
	{
		pfree(slot->relation);
		if (slot->webhooks != NULL)
			pfree(slot->webhooks);
		pfree(slot->sql);
	}
	slot->relation = MemoryContextStrdup(TopMemoryContext, relation);
	slot->webhooks = webhooks == NULL ? NULL : MemoryContextStrdup(TopMemoryContext, webhooks);
	slot->variant = variant;
	slot->sql = MemoryContextStrdup(TopMemoryContext, BuildWindowSql(relation, webhooks, variant));
	return slot->sql;
}

/*
 * WhQueryWindowRows streams the window's rows (the metric columns, by name)
 * into dest; short_window says the window is at most an hour (read in
 * index order, with a generic plan).
 */
void
WhQueryWindowRows(const WhFilter *filter, DestReceiver *dest, bool short_window)
{
	int			nargs = filter->webhook_id != NULL ? 4 : 3;
	int			variant = WH_SQL_WINDOW | (filter->webhook_id != NULL ? WH_SQL_WEBHOOK : 0) |
		(short_window ? WH_SQL_SHORT : 0);

	WhExecuteKept(WhKeptPlan(WindowSql(filter->events_relation, NULL, variant), nargs,
					   ParamTypes(filter, InvalidOid), short_window),
			FilterParams(filter, 0), dest, SPI_OK_SELECT);
}

/*
 * WhQueryEdgeRows streams the rows of the filter's window (the first edge)
 * and of [second_from, second_to) (the second edge), each at most an hour,
 * into dest: one query, with a generic plan.
 */
void
WhQueryEdgeRows(const WhFilter *filter, TimestampTz second_from, TimestampTz second_to,
				DestReceiver *dest)
{
	int			nargs = (filter->webhook_id != NULL ? 4 : 3) + 2;
	ParamListInfo params = FilterParams(filter, 2);
	Oid		   *types = ParamTypes(filter, TIMESTAMPTZOID);
	int			variant = WH_SQL_EDGES | (filter->webhook_id != NULL ? WH_SQL_WEBHOOK : 0);

	types[nargs - 1] = TIMESTAMPTZOID;
	params->params[nargs - 2].value = TimestampTzGetDatum(second_from);
	params->params[nargs - 2].ptype = TIMESTAMPTZOID;
	params->params[nargs - 1].value = TimestampTzGetDatum(second_to);
	params->params[nargs - 1].ptype = TIMESTAMPTZOID;
	WhExecuteKept(WhKeptPlan(WindowSql(filter->events_relation, NULL, variant), nargs, types, true),
			params, dest, SPI_OK_SELECT);
}

/* WhQueryAllMetricRows is the query reading the metric columns and keys of every row. */
char *
WhQueryAllMetricRows(const char *relation)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT e.organization_id::pg_catalog.text AS organization_id,"
						   " e.webhook_id::pg_catalog.text AS webhook_id, ");
	WhAppendSelectList(&sql, "e", true);
	appendStringInfo(&sql, " FROM %s e", relation);
	return sql.data;
}

/* ReadTotals takes the webhook totals from the first two columns of the first row. */
static void
ReadTotals(SPITupleTable *rows, WhNewest *newest)
{
	bool		isnull;

	newest->webhooks = DatumGetInt64(SPI_getbinval(rows->vals[0], rows->tupdesc, 1, &isnull));
	newest->events_subscribed = DatumGetInt64(SPI_getbinval(rows->vals[0], rows->tupdesc, 2, &isnull));
}

/* WhQueryWebhookTotals gives the organization's webhook totals (or the one webhook's) alone. */
void
WhQueryWebhookTotals(const WhFilter *filter, WhNewest *newest)
{
	int			variant = WH_SQL_TOTALS | (filter->webhook_id != NULL ? WH_SQL_WEBHOOK : 0);
	const char *webhooks = WhWebhooksRelation(NULL);

	WhExecuteKept(WhKeptPlan(WindowSql(filter->events_relation, webhooks, variant),
							 filter->webhook_id != NULL ? 4 : 3, ParamTypes(filter, InvalidOid), true),
				  FilterParams(filter, 0), NULL, SPI_OK_SELECT);
	if (SPI_processed != 1 || SPI_tuptable->tupdesc->natts != 2)
		elog(ERROR, "webhook totals query returned " UINT64_FORMAT " rows", SPI_processed);
	ReadTotals(SPI_tuptable, newest);
}

/*
 * WhQueryNewest gives the newest 'limit' rows of the window (every column,
 * newest first) and the organization's webhook totals (or the one
 * webhook's). With rows (where the caller may read the window's rows
 * directly: WhScan), the rows come from those indexes, and the totals from the
 * webhooks table's organization index where the caller may read the whole
 * table (index_rows.c), else from their own query; otherwise both come
 * from one execution.
 */
void
WhQueryNewest(const WhFilter *filter, int limit, const WhRowsIndexes *rows_from, WhNewest *newest)
{
	int			nargs = filter->webhook_id != NULL ? 4 : 3;
	ParamListInfo params = FilterParams(filter, 1);
	int			variant = WH_SQL_LAST | (filter->webhook_id != NULL ? WH_SQL_WEBHOOK : 0);
	Oid			webhooks_relid;
	const char *webhooks = WhWebhooksRelation(&webhooks_relid);
	SPITupleTable *rows;
	bool		isnull;
	int			direct = -1;

	if (rows_from->ntables > 0 && filter->webhook_id == NULL)
		direct = WhIndexNewestRows(rows_from, filter->organization_id, filter->from, filter->to,
								   limit, &newest->rows);
	if (direct >= 0)
	{
		newest->nrows = direct;
		if (!WhIndexWebhookTotals(webhooks_relid, filter->organization_id, &newest->webhooks,
								  &newest->events_subscribed))
			WhQueryWebhookTotals(filter, newest);
		return;
	}

	nargs++;
	params->params[nargs - 1].value = Int64GetDatum(limit);
	params->params[nargs - 1].ptype = INT8OID;
	WhExecuteKept(WhKeptPlan(WindowSql(filter->events_relation, webhooks, variant), nargs,
					   ParamTypes(filter, INT8OID), true),
			params, NULL, SPI_OK_SELECT);
	rows = SPI_tuptable;
	if (SPI_processed < 1 || rows->tupdesc->natts != WH_NEWEST_FIRST_COLUMN - 1 + WH_NCOLUMNS)
		elog(ERROR, "newest rows query returned " UINT64_FORMAT " rows of %d columns",
			 SPI_processed, rows->tupdesc->natts);
	ReadTotals(rows, newest);
	(void) SPI_getbinval(rows->vals[0], rows->tupdesc, 3, &isnull);
	newest->nrows = isnull ? 0 : (int) SPI_processed;	/* found NULL: the window has no rows */
	newest->rows = palloc(Max(newest->nrows, 1) * sizeof(WhEventValues));
	for (int i = 0; i < newest->nrows; i++)
	{
		Datum		all[WH_NEWEST_FIRST_COLUMN - 1 + WH_NCOLUMNS];
		bool		all_nulls[WH_NEWEST_FIRST_COLUMN - 1 + WH_NCOLUMNS];

		heap_deform_tuple(rows->vals[i], rows->tupdesc, all, all_nulls);
		memcpy(newest->rows[i].values, all + WH_NEWEST_FIRST_COLUMN - 1, sizeof(newest->rows[i].values));
		memcpy(newest->rows[i].nulls, all_nulls + WH_NEWEST_FIRST_COLUMN - 1, sizeof(newest->rows[i].nulls));
	}
}
