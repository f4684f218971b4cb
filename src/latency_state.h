/*
 * latency_state.h
 *	  An exact multiset of float8 values for webhook_latency_percentiles:
 *	  distinct values with their counts while they are few, every value in
 *	  an array when they are many; and the statistics computed exactly as
 *	  min, max, avg and percentile_cont do.
 */
#ifndef WH_LATENCY_STATE_H
#define WH_LATENCY_STATE_H

#include "postgres.h"

typedef struct WhValues WhValues;

/* The statistics the aggregate and the "latency" object report. */
typedef struct WhValueStats
{
	double		min;
	double		max;
	double		avg;
	double		p50;
	double		p90;
	double		p95;
	double		p99;
} WhValueStats;

/* Returns the value at a 0-based row of sorted values. */
typedef double (*WhValueAtRow) (const void *arg, int64 row);

extern void WhFillPercentiles(WhValueStats *stats, int64 total, WhValueAtRow value_at,
							  const void *arg);
extern WhValues *WhValuesCreate(MemoryContext context);
extern void WhValuesAdd(WhValues *values, double value);
extern void WhValuesMerge(WhValues *into, const WhValues *from);
extern int64 WhValuesCount(const WhValues *values);
extern void WhValuesStats(WhValues *values, WhValueStats *stats);
extern bytea *WhValuesSerialize(const WhValues *values);
extern WhValues *WhValuesDeserialize(MemoryContext context, const bytea *bytes);
extern WhValues *WhValuesDeserializeAs(MemoryContext context, const bytea *bytes, int sqlstate);

#endif							/* WH_LATENCY_STATE_H */
