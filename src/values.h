/*
 * values.h
 *	  An exact multiset of float8 values: append, merge, sort, and the
 *	  statistics of webhook_latency_percentiles computed as PostgreSQL does.
 */
#ifndef WH_VALUES_H
#define WH_VALUES_H

#include "postgres.h"

typedef struct WhValues
{
	int64		count;
	int64		capacity;
	double		sum;			/* in input order, as avg(float8) adds */
	bool		sorted;
	double	   *items;			/* allocated in the context WhValuesCreate was given */
	MemoryContext context;
} WhValues;

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

extern WhValues *WhValuesCreate(MemoryContext context, int64 capacity);
extern void WhValuesAdd(WhValues *values, double value);
extern void WhValuesAppend(WhValues *into, const WhValues *from);
extern void WhValuesSort(WhValues *values);
extern double WhValuesPercentile(WhValues *values, double fraction);
extern void WhValuesStats(WhValues *values, WhValueStats *stats);

#endif							/* WH_VALUES_H */
