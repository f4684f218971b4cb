/*
 * latency_agg.c
 *	  The webhook_latency_percentiles aggregate: transition, combine,
 *	  serialize, deserialize and final functions over a WhValues state.
 *	  The state and its serialized form are latency_state.c's; the
 *	  webhook_latency row of a state is WhLatencyRow, for the state type too.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"

#include "latency_agg.h"
#include "latency_state.h"


PG_FUNCTION_INFO_V1(webhook_latency_accum);
PG_FUNCTION_INFO_V1(webhook_latency_combine);
PG_FUNCTION_INFO_V1(webhook_latency_serialize);
PG_FUNCTION_INFO_V1(webhook_latency_deserialize);
PG_FUNCTION_INFO_V1(webhook_latency_final);

/* WhAggContext returns the aggregate's memory context, or fails outside an aggregate. */
MemoryContext
WhAggContext(FunctionCallInfo fcinfo, const char *name)
{
	MemoryContext context;

	if (!AggCheckCallContext(fcinfo, &context))
		elog(ERROR, "%s called in non-aggregate context", name);
	return context;
}

/* webhook_latency_accum adds one non-NULL input to the state. */
Datum
webhook_latency_accum(PG_FUNCTION_ARGS)
{
	MemoryContext context = WhAggContext(fcinfo, "webhook_latency_accum");
	WhValues   *state = PG_ARGISNULL(0) ? NULL : (WhValues *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(1))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}
	if (state == NULL)
		state = WhValuesCreate(context);
	WhValuesAdd(state, PG_GETARG_FLOAT8(1));
	PG_RETURN_POINTER(state);
}

/* webhook_latency_combine merges two partial states, copying when the first is NULL. */
Datum
webhook_latency_combine(PG_FUNCTION_ARGS)
{
	MemoryContext context = WhAggContext(fcinfo, "webhook_latency_combine");
	WhValues   *into = PG_ARGISNULL(0) ? NULL : (WhValues *) PG_GETARG_POINTER(0);
	WhValues   *from = PG_ARGISNULL(1) ? NULL : (WhValues *) PG_GETARG_POINTER(1);

	if (from == NULL)
	{
		if (into == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(into);
	}
	if (into == NULL)
		into = WhValuesCreate(context);
	WhValuesMerge(into, from);
	PG_RETURN_POINTER(into);
}

/* webhook_latency_serialize writes the state as bytea. */
Datum
webhook_latency_serialize(PG_FUNCTION_ARGS)
{
	WhAggContext(fcinfo, "webhook_latency_serialize");
	PG_RETURN_BYTEA_P(WhValuesSerialize((WhValues *) PG_GETARG_POINTER(0)));
}

/* webhook_latency_deserialize reads a bytea state, checking every length first. */
Datum
webhook_latency_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext context = WhAggContext(fcinfo, "webhook_latency_deserialize");

	PG_RETURN_POINTER(WhValuesDeserialize(context, PG_GETARG_BYTEA_PP(0)));
}

/* WhLatencyRow returns the webhook_latency row of a multiset, all NULL for none (or NULL). */
Datum
WhLatencyRow(FunctionCallInfo fcinfo, WhValues *state)
{
	TupleDesc	tupdesc;
	Datum		values[7] = {0};
	bool		nulls[7];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "a webhook_latency function must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != 7)
		elog(ERROR, "webhook_latency must have 7 attributes, has %d", tupdesc->natts);

	if (state == NULL || WhValuesCount(state) == 0)
		memset(nulls, true, sizeof(nulls));
	else
	{
		WhValueStats stats;

		WhValuesStats(state, &stats);
		values[0] = Float8GetDatum(stats.min);
		values[1] = Float8GetDatum(stats.max);
		values[2] = Float8GetDatum(stats.avg);
		values[3] = Float8GetDatum(stats.p50);
		values[4] = Float8GetDatum(stats.p90);
		values[5] = Float8GetDatum(stats.p95);
		values[6] = Float8GetDatum(stats.p99);
		memset(nulls, false, sizeof(nulls));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* webhook_latency_final returns the webhook_latency row, all NULL for no inputs. */
Datum
webhook_latency_final(PG_FUNCTION_ARGS)
{
	return WhLatencyRow(fcinfo, PG_ARGISNULL(0) ? NULL : (WhValues *) PG_GETARG_POINTER(0));
}
