/*
 * analytics_state_type.c
 *	  The SQL face of webhook_analytics_state (SPEC section 7): the function
 *	  that makes one database's state of a window, the response of a state,
 *	  the merge aggregate, and the type's text and binary forms. A state is
 *	  made from the same gathered result a response is (WhResultGather, every
 *	  part and, when it exists and whanalytics.state_with_previous is on,
 *	  the window before; state_result.c turns one into the other), and a
 *	  response of a state is written by the same code (WhResultResponse),
 *	  so one database's state answers exactly what
 *	  webhook_analytics_json_between does.
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "analytics.h"
#include "analytics_state.h"
#include "latency_agg.h"
#include "response.h"
#include "state_result.h"
#include "settings.h"
#include "state_text.h"
#include "window.h"

PG_FUNCTION_INFO_V1(webhook_analytics_state);
PG_FUNCTION_INFO_V1(webhook_analytics_json_state);
PG_FUNCTION_INFO_V1(webhook_analytics_merge_accum);
PG_FUNCTION_INFO_V1(webhook_analytics_merge_combine);
PG_FUNCTION_INFO_V1(webhook_analytics_merge_serialize);
PG_FUNCTION_INFO_V1(webhook_analytics_merge_deserialize);
PG_FUNCTION_INFO_V1(webhook_analytics_merge_final);
PG_FUNCTION_INFO_V1(webhook_analytics_state_in);
PG_FUNCTION_INFO_V1(webhook_analytics_state_recv);

#define WH_ANALYTICS_MADE_BY "webhook_analytics_state or webhook_analytics_merge"

/* What a state is made with. */
typedef struct WhStateArgs
{
	int			last_n;
} WhStateArgs;

/*
 * StateBuilder gathers every part of the window (and the window before,
 * when there is one) and encodes it as a state (a WhBuilder).
 */
static struct varlena *
StateBuilder(const WhFilter *filter, void *arg)
{
	WhStateArgs *args = arg;
	TimestampTz previous_from;
	int			include = WH_INCLUDE_ALL;
	WhResult	result;
	WhAnalyticsState state;

	if (!wh_state_with_previous || !WhPreviousFrom(filter->from, filter->to, &previous_from))
		include &= ~WH_INCLUDE_PREVIOUS;
	WhResultGather(filter, args->last_n, include, &result);
	WhStateOfResult(filter, &result, args->last_n, &state);
	return (struct varlena *) WhAnalyticsStateEncode(&state);
}

/*
 * webhook_analytics_state(organization_id, from_ts, to_ts, webhook_id, last_n):
 * this database's state of the window, over the rows the caller sees.
 */
Datum
webhook_analytics_state(PG_FUNCTION_ARGS)
{
	WhFilter	filter;
	WhStateArgs args;

	if (!WhArgOrganization(fcinfo, 0, &filter))
		PG_RETURN_NULL();
	WhArgWindow(fcinfo, 1, &filter);
	WhArgWebhook(fcinfo, 3, &filter);
	args.last_n = WhArgListLength(fcinfo, 4, "last_n", WH_DEFAULT_LAST_N);
	return WhCallBuild(&filter, StateBuilder, &args);
}

/*
 * webhook_analytics_json(state, top_n, last_n, include): the response of
 * SPEC section 3 (with 5.1's parts) for a state; last_n at most the state's.
 */
Datum
webhook_analytics_json_state(PG_FUNCTION_ARGS)
{
	bytea	   *bytes;
	int			top_n = WhArgListLength(fcinfo, 1, "top_n", WH_DEFAULT_TOP_N);
	int			last_n = WhArgListLength(fcinfo, 2, "last_n", WH_DEFAULT_LAST_N);
	int			include = WhArgInclude(fcinfo, 3);
	WhAnalyticsState state;
	WhResult	result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	bytes = PG_GETARG_BYTEA_PP(0);
	WhAnalyticsStateDecode(bytes, CurrentMemoryContext, &state);
	if (last_n > state.last_n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("last_n %d is more than the %d rows the state was made to keep",
						last_n, state.last_n),
				 errhint("Pass last_n of at most %d, or make the states with a larger last_n.",
						 state.last_n)));
	WhResultOfState(&state, &result);
	PG_RETURN_JSONB_P(WhResultResponse(&result, top_n, last_n, include));
}

/* The merge aggregate's running state: the union so far, in the aggregate's memory. */
typedef struct WhMergeState
{
	MemoryContext context;
	WhAnalyticsState state;
} WhMergeState;

/* MergeStart makes a running state from a copy of bytes, in context. */
static WhMergeState *
MergeStart(MemoryContext context, const bytea *bytes)
{
	WhMergeState *merge = MemoryContextAlloc(context, sizeof(WhMergeState));
	bytea	   *copy = MemoryContextAlloc(context, VARSIZE_ANY(bytes));

	memcpy(copy, bytes, VARSIZE_ANY(bytes));
	merge->context = context;
	WhAnalyticsStateDecode(copy, context, &merge->state);
	return merge;
}

/* MergeBytes adds the state of bytes into merge, decoding it in a short-lived context. */
static void
MergeBytes(WhMergeState *merge, const bytea *bytes)
{
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "webhook_analytics_merge",
												  ALLOCSET_DEFAULT_SIZES);
	WhAnalyticsState from;

	WhAnalyticsStateDecode(bytes, scratch, &from);
	WhAnalyticsStateMerge(&merge->state, &from, merge->context);
	MemoryContextDelete(scratch);
}

/* webhook_analytics_merge_accum adds one state (NULL is skipped) to the running union. */
Datum
webhook_analytics_merge_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = WhAggContext(fcinfo, "webhook_analytics_merge_accum");
	WhMergeState *merge = PG_ARGISNULL(0) ? NULL : (WhMergeState *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(1))
	{
		if (merge == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(merge);
	}
	if (merge == NULL)
		merge = MergeStart(aggcontext, PG_GETARG_BYTEA_PP(1));
	else
		MergeBytes(merge, PG_GETARG_BYTEA_PP(1));
	PG_RETURN_POINTER(merge);
}

/* webhook_analytics_merge_combine merges two running unions (parallel workers'). */
Datum
webhook_analytics_merge_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = WhAggContext(fcinfo, "webhook_analytics_merge_combine");
	WhMergeState *a = PG_ARGISNULL(0) ? NULL : (WhMergeState *) PG_GETARG_POINTER(0);
	WhMergeState *b = PG_ARGISNULL(1) ? NULL : (WhMergeState *) PG_GETARG_POINTER(1);
	MemoryContext old;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		/* b may live in another context: start from its encoding */
		old = MemoryContextSwitchTo(aggcontext);
		a = MergeStart(aggcontext, WhAnalyticsStateEncode(&b->state));
		MemoryContextSwitchTo(old);
		PG_RETURN_POINTER(a);
	}
	WhAnalyticsStateMerge(&a->state, &b->state, a->context);
	PG_RETURN_POINTER(a);
}

/* webhook_analytics_merge_serialize writes a running union as its bytes. */
Datum
webhook_analytics_merge_serialize(PG_FUNCTION_ARGS)
{
	WhMergeState *merge = (WhMergeState *) PG_GETARG_POINTER(0);

	PG_RETURN_BYTEA_P(WhAnalyticsStateEncode(&merge->state));
}

/* webhook_analytics_merge_deserialize reads a running union from its bytes. */
Datum
webhook_analytics_merge_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = WhAggContext(fcinfo, "webhook_analytics_merge_deserialize");

	PG_RETURN_POINTER(MergeStart(aggcontext, PG_GETARG_BYTEA_PP(0)));
}

/* webhook_analytics_merge_final is the union's state; NULL when no state was merged. */
Datum
webhook_analytics_merge_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(WhAnalyticsStateEncode(&((WhMergeState *) PG_GETARG_POINTER(0))->state));
}

/* CheckState checks a state's bytes (22P02 when malformed) and frees what decoding made. */
static void
CheckState(const bytea *bytes)
{
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "webhook_analytics_state",
												  ALLOCSET_DEFAULT_SIZES);
	WhAnalyticsState state;

	WhAnalyticsStateDecode(bytes, scratch, &state);
	MemoryContextDelete(scratch);
}

/* webhook_analytics_state_in reads the text form and checks the bytes. */
Datum
webhook_analytics_state_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(WhStateFromHex(PG_GETARG_CSTRING(0), "webhook_analytics_state",
									 WH_ANALYTICS_MADE_BY, CheckState));
}

/* webhook_analytics_state_recv reads the binary form, checking it. */
Datum
webhook_analytics_state_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(WhStateFromMessage((StringInfo) PG_GETARG_POINTER(0), CheckState));
}
