/*
 * latency_state_type.c
 *	  The webhook_latency_state type of SPEC section 7: a latency multiset
 *	  (latency_state.c's serialized form, which is also its binary form)
 *	  that moves between databases and merges exactly. Text is '\x' and the
 *	  bytes in hex, as bytea prints them (state_text.c). Its aggregates,
 *	  webhook_latency_state_agg and webhook_latency_merge, keep the state
 *	  type itself as their transition type (what Citus needs to split an
 *	  aggregate over workers), so in a query the state is an expanded
 *	  object holding the live multiset, flattened only when it leaves the
 *	  aggregate.
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "latency_agg.h"
#include "state_text.h"
#include "latency_state.h"

PG_FUNCTION_INFO_V1(webhook_latency_state_in);
PG_FUNCTION_INFO_V1(webhook_latency_state_recv);
PG_FUNCTION_INFO_V1(webhook_latency_state_accum);
PG_FUNCTION_INFO_V1(webhook_latency_state_combine);
PG_FUNCTION_INFO_V1(webhook_latency_state_final);
PG_FUNCTION_INFO_V1(webhook_latency_from_state);

/* A state in an aggregate: the live multiset, and its flat form once asked for. */
typedef struct WhLatencyExpanded
{
	ExpandedObjectHeader hdr;
	WhValues   *values;
	bytea	   *flat;			/* WhValuesSerialize of values, made on demand */
} WhLatencyExpanded;

/* FlatForm makes (once) and returns the serialized form of an expanded state. */
static bytea *
FlatForm(WhLatencyExpanded *state)
{
	if (state->flat == NULL)
		state->flat = WhValuesSerialize(state->values);
	return state->flat;
}

/* FlatSize is the size of the flattened state. */
static Size
FlatSize(ExpandedObjectHeader *eohptr)
{
	WhLatencyExpanded *state = (WhLatencyExpanded *) eohptr;
	MemoryContext old = MemoryContextSwitchTo(eohptr->eoh_context);
	Size		size = VARSIZE(FlatForm(state));

	MemoryContextSwitchTo(old);
	return size;
}

/* FlattenInto writes the flattened state into result. */
static void
FlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	WhLatencyExpanded *state = (WhLatencyExpanded *) eohptr;

	memcpy(result, state->flat, allocated_size);
}

static const ExpandedObjectMethods wh_latency_expanded_methods = {FlatSize, FlattenInto};

/* ReadState checks a flat state's bytes and returns its multiset (22P02 when malformed). */
static WhValues *
ReadState(MemoryContext context, const bytea *bytes)
{
	return WhValuesDeserializeAs(context, bytes, ERRCODE_INVALID_TEXT_REPRESENTATION);
}

/*
 * Expanded returns the expanded state an aggregate may change in place: the
 * argument itself when it is one of ours in the aggregate's context, else a
 * new one there holding the argument's values (none for NULL).
 */
static WhLatencyExpanded *
Expanded(FunctionCallInfo fcinfo, int argno, MemoryContext aggcontext)
{
	WhLatencyExpanded *state;
	MemoryContext context;
	MemoryContext old;

	if (!PG_ARGISNULL(argno))
	{
		Datum		arg = PG_GETARG_DATUM(argno);

		if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(arg)))
		{
			ExpandedObjectHeader *eoh = DatumGetEOHP(arg);

			if (eoh->eoh_methods == &wh_latency_expanded_methods &&
				MemoryContextGetParent(eoh->eoh_context) == aggcontext)
				return (WhLatencyExpanded *) eoh;
		}
	}
	context = AllocSetContextCreate(aggcontext, "webhook_latency_state", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(context);
	state = palloc0(sizeof(WhLatencyExpanded));
	EOH_init_header(&state->hdr, &wh_latency_expanded_methods, context);
	if (PG_ARGISNULL(argno))
		state->values = WhValuesCreate(context);
	else
		state->values = ReadState(context, PG_GETARG_BYTEA_PP(argno));
	MemoryContextSwitchTo(old);
	return state;
}

/* webhook_latency_state_accum adds one non-NULL value to the state (the sfunc of _state_agg). */
Datum
webhook_latency_state_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = WhAggContext(fcinfo, "webhook_latency_state_accum");
	WhLatencyExpanded *state = Expanded(fcinfo, 0, aggcontext);

	if (!PG_ARGISNULL(1))
	{
		WhValuesAdd(state->values, PG_GETARG_FLOAT8(1));
		state->flat = NULL;
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&state->hdr));
}

/*
 * webhook_latency_state_combine merges the second state into the first
 * (the sfunc of webhook_latency_merge and the combine function of both).
 */
Datum
webhook_latency_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = WhAggContext(fcinfo, "webhook_latency_state_combine");
	WhLatencyExpanded *state = Expanded(fcinfo, 0, aggcontext);

	if (!PG_ARGISNULL(1))
	{
		Datum		arg = PG_GETARG_DATUM(1);
		ExpandedObjectHeader *eoh = NULL;

		if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(arg)))
			eoh = DatumGetEOHP(arg);
		if (eoh != NULL && eoh->eoh_methods == &wh_latency_expanded_methods)
			WhValuesMerge(state->values, ((WhLatencyExpanded *) eoh)->values);
		else
			WhValuesMerge(state->values, ReadState(CurrentMemoryContext, PG_GETARG_BYTEA_PP(1)));
		state->flat = NULL;
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&state->hdr));
}

/* webhook_latency_state_final returns the flat state; no rows give the empty state. */
Datum
webhook_latency_state_final(PG_FUNCTION_ARGS)
{
	WhValues   *empty;

	if (!PG_ARGISNULL(0))
		PG_RETURN_BYTEA_P(PG_GETARG_BYTEA_P_COPY(0));	/* flattens an expanded state */
	empty = WhValuesCreate(CurrentMemoryContext);
	PG_RETURN_BYTEA_P(WhValuesSerialize(empty));
}

#define WH_LATENCY_MADE_BY "webhook_latency_state_agg or webhook_latency_merge"

/* CheckState checks a latency state's bytes (22P02 when malformed). */
static void
CheckState(const bytea *bytes)
{
	ReadState(CurrentMemoryContext, bytes);
}

/* webhook_latency_state_in reads the text form and checks the bytes. */
Datum
webhook_latency_state_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(WhStateFromHex(PG_GETARG_CSTRING(0), "webhook_latency_state",
									 WH_LATENCY_MADE_BY, CheckState));
}

/* webhook_latency_state_recv reads the binary form, checking it. */
Datum
webhook_latency_state_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(WhStateFromMessage((StringInfo) PG_GETARG_POINTER(0), CheckState));
}

/* webhook_latency_from_state is the webhook_latency of a state, as webhook_latency_percentiles gives it. */
Datum
webhook_latency_from_state(PG_FUNCTION_ARGS)
{
	WhValues   *values = ReadState(CurrentMemoryContext, PG_GETARG_BYTEA_PP(0));

	return WhLatencyRow(fcinfo, values);
}
