/*
 * latency_agg.h
 *	  The webhook_latency row of a latency multiset (latency_agg.c).
 */
#ifndef WH_LATENCY_AGG_H
#define WH_LATENCY_AGG_H

#include "fmgr.h"

#include "latency_state.h"

extern Datum WhLatencyRow(FunctionCallInfo fcinfo, WhValues *state);

#endif							/* WH_LATENCY_AGG_H */
