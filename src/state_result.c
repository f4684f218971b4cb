/*
 * state_result.c
 *	  The two ways between a gathered result (response.h's WhResult, what a
 *	  response is written from) and a webhook_analytics_state (SPEC section
 *	  7): a state made of one database's result, and the result a decoded
 *	  (or merged) state stands for. The newest rows go from the queries'
 *	  datums to the state's bytes (JSON as its text) and back.
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"

#include "state_result.h"

/* StateRowOf is one of the newest rows as a state holds it. */
static void
StateRowOf(const WhEventValues *values, WhStateRow *row)
{
	for (int col = 0; col < WH_NCOLUMNS; col++)
	{
		Datum		value = values->values[col];

		row->isnull[col] = values->nulls[col];
		row->data[col] = NULL;
		row->len[col] = 0;
		row->number[col] = 0;
		if (values->nulls[col])
			continue;
		switch (wh_event_columns[col].kind)
		{
			case WH_KIND_TEXT:
				{
					text	   *t = DatumGetTextPP(value);

					row->data[col] = VARDATA_ANY(t);
					row->len[col] = VARSIZE_ANY_EXHDR(t);
					break;
				}
			case WH_KIND_JSON:
				{
					Jsonb	   *j = DatumGetJsonbP(value);
					char	   *json = JsonbToCString(NULL, &j->root, VARSIZE(j));

					row->data[col] = json;
					row->len[col] = strlen(json);
					break;
				}
			case WH_KIND_INTEGER:
			case WH_KIND_TIMESTAMPTZ:
				row->number[col] = DatumGetInt64(value);
				break;
		}
	}
}

/* IdOrder is how ORDER BY id orders the ids of the relation a filter reads. */
static WhIdOrder
IdOrder(const WhFilter *filter)
{
	AttrNumber	attnum = get_attnum(filter->events_relid, wh_event_columns[WH_COL_ID].name);
	Oid			type;
	int32		typmod;
	Oid			collation;

	get_atttypetypmodcoll(filter->events_relid, attnum, &type, &typmod, &collation);
	type = getBaseType(type);
	if (type == INT2OID || type == INT4OID || type == INT8OID)
		return WH_ID_INTEGER;
	return lc_collate_is_c(collation) ? WH_ID_BYTES : WH_ID_COLLATED;
}

/*
 * WhStateOfResult makes, in the current memory context, the state of a
 * result gathered for filter with last_n newest rows (its parts point into
 * the result's).
 */
void
WhStateOfResult(const WhFilter *filter, const WhResult *result, int last_n, WhAnalyticsState *state)
{
	WhAnalyticsStateInit(state, CurrentMemoryContext);
	state->from = result->from;
	state->to = result->to;
	if (filter->webhook_id != NULL)
	{
		state->has_webhook = true;
		state->webhook = VARDATA_ANY(filter->webhook_id);
		state->webhook_len = VARSIZE_ANY_EXHDR(filter->webhook_id);
	}
	state->last_n = last_n;
	state->id_order = IdOrder(filter);
	state->webhooks = result->newest.webhooks;
	state->events_subscribed = result->newest.events_subscribed;
	state->nhours = result->scan.nhours;
	state->hours = result->scan.hours;
	state->detail = result->scan.detail;
	state->webhook_set = result->scan.webhooks;
	state->has_previous = result->has_previous;
	if (result->has_previous)
	{
		state->previous = result->previous_totals;
		state->previous_latency = result->previous_latency;
	}
	state->nrows = result->newest.nrows;
	state->rows = palloc(Max(state->nrows, 1) * sizeof(WhStateRow));
	for (int i = 0; i < state->nrows; i++)
		StateRowOf(&result->newest.rows[i], &state->rows[i]);
}

/* EventValuesOf is a state's row as the queries give it (text, jsonb, bigint, timestamptz). */
static void
EventValuesOf(const WhStateRow *row, WhEventValues *values)
{
	for (int col = 0; col < WH_NCOLUMNS; col++)
	{
		values->nulls[col] = row->isnull[col];
		values->values[col] = (Datum) 0;
		if (row->isnull[col])
			continue;
		switch (wh_event_columns[col].kind)
		{
			case WH_KIND_TEXT:
				values->values[col] =
					PointerGetDatum(cstring_to_text_with_len(row->data[col], row->len[col]));
				break;
			case WH_KIND_JSON:
				values->values[col] =
					DirectFunctionCall1(jsonb_in,
										CStringGetDatum(pnstrdup(row->data[col], row->len[col])));
				break;
			case WH_KIND_INTEGER:
				values->values[col] = Int64GetDatum(row->number[col]);
				break;
			case WH_KIND_TIMESTAMPTZ:
				values->values[col] = TimestampTzGetDatum(row->number[col]);
				break;
		}
	}
}

/* WhResultOfState is the gathered result a decoded state stands for. */
void
WhResultOfState(const WhAnalyticsState *state, WhResult *result)
{
	memset(result, 0, sizeof(WhResult));
	result->from = state->from;
	result->to = state->to;
	result->scan.parts = WH_SCAN_DETAIL | WH_SCAN_OUTCOMES | WH_SCAN_WEBHOOKS;
	result->scan.detail = state->detail;
	result->scan.nhours = state->nhours;
	result->scan.hours = state->hours;
	result->scan.webhooks = state->webhook_set;
	result->newest.webhooks = state->webhooks;
	result->newest.events_subscribed = state->events_subscribed;
	result->newest.nrows = state->nrows;
	result->newest.rows = palloc(Max(state->nrows, 1) * sizeof(WhEventValues));
	for (int i = 0; i < state->nrows; i++)
		EventValuesOf(&state->rows[i], &result->newest.rows[i]);
	result->has_previous = state->has_previous;
	result->previous_totals = state->previous;
	result->previous_latency = state->previous_latency;
}

