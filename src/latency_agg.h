/*
 * latency_agg.h
 *	  What the aggregates share (latency_agg.c): their memory context, and
 *	  the webhook_latency row of a latency multiset.
 */
#ifndef WH_LATENCY_AGG_H
#define WH_LATENCY_AGG_H

#include "fmgr.h"

#include "latency_state.h"

extern MemoryContext WhAggContext(FunctionCallInfo fcinfo, const char *name);
extern Datum WhLatencyRow(FunctionCallInfo fcinfo, WhValues *state);

#endif							/* WH_LATENCY_AGG_H */
