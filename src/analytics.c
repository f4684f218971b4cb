/*
 * analytics.c
 *	  The SQL entry points webhook_analytics_json and
 *	  webhook_analytics_json_between: they read and check the arguments,
 *	  then build the response inside one SPI connection.
 *	  A NULL organization_id gives NULL; a NULL period, as_of, top_n,
 *	  last_n or include means its default; a NULL from_ts or to_ts is an
 *	  error. Version 1.5 added include as a seventh argument; the objects
 *	  of earlier versions call with six.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "analytics.h"
#include "relations.h"
#include "response.h"
#include "response_parts.h"
#include "window.h"


PG_FUNCTION_INFO_V1(webhook_analytics_json);
PG_FUNCTION_INFO_V1(webhook_analytics_json_between);

/* WhArgOrganization reads and checks organization_id; false when it is NULL. */
bool
WhArgOrganization(FunctionCallInfo fcinfo, int argno, WhFilter *filter)
{
	memset(filter, 0, sizeof(WhFilter));
	if (PG_ARGISNULL(argno))
		return false;
	filter->organization_id = PG_GETARG_TEXT_P(argno);
	WhCheckOrganization(filter->organization_id);
	return true;
}

/* WhArgWebhook reads webhook_id into the filter; NULL means every webhook. */
void
WhArgWebhook(FunctionCallInfo fcinfo, int argno, WhFilter *filter)
{
	filter->webhook_id = PG_ARGISNULL(argno) ? NULL : PG_GETARG_TEXT_P(argno);
}

/* WhArgWindow reads from_ts and to_ts (both required) into the filter. */
void
WhArgWindow(FunctionCallInfo fcinfo, int from_argno, WhFilter *filter)
{
	if (PG_ARGISNULL(from_argno) || PG_ARGISNULL(from_argno + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", PG_ARGISNULL(from_argno) ? "from_ts" : "to_ts"),
				 errhint("Pass finite timestamps with from_ts < to_ts.")));
	WhWindowBetween(PG_GETARG_TIMESTAMPTZ(from_argno),
					PG_GETARG_TIMESTAMPTZ(from_argno + 1), filter);
}

/* WhArgListLength reads top_n or last_n, NULL meaning the default. */
int
WhArgListLength(FunctionCallInfo fcinfo, int argno, const char *name, int default_value)
{
	if (PG_ARGISNULL(argno))
		return default_value;
	return WhCheckListLength(name, PG_GETARG_INT32(argno));
}

/* WhArgInclude reads the include argument, when the SQL function has it (1.5 on). */
int
WhArgInclude(FunctionCallInfo fcinfo, int argno)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return 0;
	return WhIncludeParse(PG_GETARG_ARRAYTYPE_P(argno));
}

/*
 * The memory context responses are built in: one per backend, whose first
 * block (WH_CALL_KEPT_BYTES) survives each reset, so a call reuses the pages
 * the last one touched instead of taking fresh ones from the kernel (page
 * faults were a seventh of a 30-day call). A call made while another is
 * building (from inside a view it reads) gets a context of its own.
 */
#define WH_CALL_KEPT_BYTES (1024 * 1024)

static MemoryContext wh_response_context = NULL;
static bool wh_response_busy = false;

/* Build builds a result in build inside SPI and returns a copy in the caller's memory. */
static struct varlena *
Build(MemoryContext build, WhFilter *filter, WhBuilder builder, void *arg)
{
	struct varlena *result;
	struct varlena *copy;

	SPI_connect();
	MemoryContextSwitchTo(build);
	result = builder(filter, arg);
	copy = SPI_palloc(VARSIZE(result));
	memcpy(copy, result, VARSIZE(result));
	SPI_finish();
	return copy;
}

/*
 * WhCallBuild resolves the relation filter reads, then builds a result
 * (the response, a state) with builder inside SPI in the call's memory
 * context, and returns it in the caller's memory.
 */
Datum
WhCallBuild(WhFilter *filter, WhBuilder builder, void *arg)
{
	MemoryContext nested;
	struct varlena *volatile result;

	filter->events_relation = WhEventsRelation(&filter->events_relid);
	if (wh_response_busy)
	{
		nested = AllocSetContextCreate(CurrentMemoryContext, "whanalytics nested call",
									   ALLOCSET_DEFAULT_SIZES);
		result = Build(nested, filter, builder, arg);
		MemoryContextDelete(nested);
		PG_RETURN_POINTER(result);
	}
	if (wh_response_context == NULL)
		wh_response_context = AllocSetContextCreate(TopMemoryContext, "whanalytics call", 0,
													WH_CALL_KEPT_BYTES,
													ALLOCSET_DEFAULT_MAXSIZE);
	wh_response_busy = true;
	PG_TRY();
	{
		result = Build(wh_response_context, filter, builder, arg);
	}
	PG_FINALLY();
	{
		MemoryContextReset(wh_response_context);
		wh_response_busy = false;
	}
	PG_END_TRY();
	PG_RETURN_POINTER(result);
}

/* What a response is built with. */
typedef struct WhResponseArgs
{
	int			top_n;
	int			last_n;
	int			include;
} WhResponseArgs;

/* ResponseBuilder builds the response (a WhBuilder). */
static struct varlena *
ResponseBuilder(const WhFilter *filter, void *arg)
{
	WhResponseArgs *args = arg;

	return (struct varlena *) WhAnalyticsResponse(filter, args->top_n, args->last_n, args->include);
}

/* WhRespond builds the response and returns it in the caller's memory. */
Datum
WhRespond(WhFilter *filter, int top_n, int last_n, int include)
{
	WhResponseArgs args = {top_n, last_n, include};

	return WhCallBuild(filter, ResponseBuilder, &args);
}

/* webhook_analytics_json(organization_id, period, as_of, webhook_id, top_n, last_n[, include]) */
Datum
webhook_analytics_json(PG_FUNCTION_ARGS)
{
	WhFilter	filter;
	const char *period;
	TimestampTz as_of;
	int			top_n;
	int			last_n;
	int			include;

	if (!WhArgOrganization(fcinfo, 0, &filter))
		PG_RETURN_NULL();
	period = PG_ARGISNULL(1) ? "last_day" : text_to_cstring(PG_GETARG_TEXT_PP(1));
	as_of = PG_ARGISNULL(2) ? GetCurrentTransactionStartTimestamp()
		: PG_GETARG_TIMESTAMPTZ(2);
	WhArgWebhook(fcinfo, 3, &filter);
	top_n = WhArgListLength(fcinfo, 4, "top_n", WH_DEFAULT_TOP_N);
	last_n = WhArgListLength(fcinfo, 5, "last_n", WH_DEFAULT_LAST_N);
	include = WhArgInclude(fcinfo, 6);
	WhWindowForPeriod(period, as_of, &filter);
	return WhRespond(&filter, top_n, last_n, include);
}

/* webhook_analytics_json_between(organization_id, from_ts, to_ts, webhook_id, top_n, last_n[, include]) */
Datum
webhook_analytics_json_between(PG_FUNCTION_ARGS)
{
	WhFilter	filter;
	int			top_n;
	int			last_n;
	int			include;

	if (!WhArgOrganization(fcinfo, 0, &filter))
		PG_RETURN_NULL();
	WhArgWindow(fcinfo, 1, &filter);
	WhArgWebhook(fcinfo, 3, &filter);
	top_n = WhArgListLength(fcinfo, 4, "top_n", WH_DEFAULT_TOP_N);
	last_n = WhArgListLength(fcinfo, 5, "last_n", WH_DEFAULT_LAST_N);
	include = WhArgInclude(fcinfo, 6);
	return WhRespond(&filter, top_n, last_n, include);
}
