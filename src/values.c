/*
 * values.c
 *	  Keeps every value (exactness needs them all), sorts them with an LSD
 *	  radix sort on order-preserving 64-bit keys, and reads percentiles
 *	  exactly as percentile_cont does: linear interpolation between the
 *	  floor and ceiling rows of fraction * (count - 1). NaN sorts above
 *	  every number, as in PostgreSQL.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "values.h"

/* WhValuesCreate makes an empty multiset whose array lives in context. */
WhValues *
WhValuesCreate(MemoryContext context, int64 capacity)
{
	WhValues   *values = MemoryContextAllocZero(context, sizeof(WhValues));

	values->context = context;
	values->capacity = Max(capacity, 16);
	values->items = MemoryContextAllocHuge(context,
										   values->capacity * sizeof(double));
	values->sorted = true;
	return values;
}

/* Reserve makes room for 'extra' more values, doubling the array. */
static void
Reserve(WhValues *values, int64 extra)
{
	int64		needed = values->count + extra;
	int64		capacity = values->capacity;

	if (needed <= capacity)
		return;
	while (capacity < needed)
		capacity *= 2;
	if ((Size) capacity > MaxAllocHugeSize / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values for an exact percentile: %lld",
						(long long) needed)));
	values->items = repalloc_huge(values->items, capacity * sizeof(double));
	values->capacity = capacity;
}

/* WhValuesAdd appends one value. */
void
WhValuesAdd(WhValues *values, double value)
{
	if (unlikely(values->count == values->capacity))
		Reserve(values, 1);
	values->items[values->count++] = value;
	values->sum += value;
	values->sorted = false;
}

/* WhValuesAppend appends every value of 'from' to 'into'. */
void
WhValuesAppend(WhValues *into, const WhValues *from)
{
	if (from->count == 0)
		return;
	Reserve(into, from->count);
	memcpy(into->items + into->count, from->items, from->count * sizeof(double));
	into->count += from->count;
	into->sum += from->sum;
	into->sorted = false;
}

/* SortKey maps a double to a uint64 whose unsigned order is float8 order (NaN last). */
static inline uint64
SortKey(double value)
{
	uint64		bits;

	if (isnan(value))
		value = get_float8_nan();
	memcpy(&bits, &value, sizeof(bits));
	return (bits & UINT64CONST(0x8000000000000000)) ? ~bits
		: bits | UINT64CONST(0x8000000000000000);
}

/* KeyValue is the inverse of SortKey. */
static inline double
KeyValue(uint64 key)
{
	uint64		bits = (key & UINT64CONST(0x8000000000000000))
		? key & ~UINT64CONST(0x8000000000000000) : ~key;
	double		value;

	memcpy(&value, &bits, sizeof(value));
	return value;
}

/* WhValuesSort sorts the values ascending with a byte-wise LSD radix sort. */
void
WhValuesSort(WhValues *values)
{
	int64		n = values->count;
	uint64	   *keys;
	uint64	   *scratch;

	if (values->sorted || n < 2)
	{
		values->sorted = true;
		return;
	}
	keys = palloc_extended(n * sizeof(uint64), MCXT_ALLOC_HUGE);
	scratch = palloc_extended(n * sizeof(uint64), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < n; i++)
		keys[i] = SortKey(values->items[i]);

	for (int shift = 0; shift < 64; shift += 8)
	{
		int64		offsets[256] = {0};
		int64		position = 0;
		uint64	   *swap;

		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
			offsets[(keys[i] >> shift) & 0xFF]++;
		if (offsets[(keys[0] >> shift) & 0xFF] == n)
			continue;			/* every key has this byte alike */
		for (int b = 0; b < 256; b++)
		{
			int64		bucket = offsets[b];

			offsets[b] = position;
			position += bucket;
		}
		for (int64 i = 0; i < n; i++)
			scratch[offsets[(keys[i] >> shift) & 0xFF]++] = keys[i];
		swap = keys;
		keys = scratch;
		scratch = swap;
	}

	for (int64 i = 0; i < n; i++)
		values->items[i] = KeyValue(keys[i]);
	pfree(keys);
	pfree(scratch);
	values->sorted = true;
}

/* WhValuesPercentile is percentile_cont(fraction) of the values; count must be > 0. */
double
WhValuesPercentile(WhValues *values, double fraction)
{
	double		position = fraction * (values->count - 1);
	int64		first = (int64) floor(position);
	int64		second = (int64) ceil(position);
	double		low;
	double		high;

	Assert(values->count > 0);
	WhValuesSort(values);
	low = values->items[first];
	if (first == second)
		return low;
	high = values->items[second];
	/* float8_lerp of percentile_cont */
	return low + (high - low) * (position - first);
}

/* WhValuesStats fills min, max, avg and the four percentiles; count must be > 0. */
void
WhValuesStats(WhValues *values, WhValueStats *stats)
{
	WhValuesSort(values);
	stats->min = values->items[0];
	stats->max = values->items[values->count - 1];
	stats->avg = values->sum / values->count;
	stats->p50 = WhValuesPercentile(values, 0.5);
	stats->p90 = WhValuesPercentile(values, 0.9);
	stats->p95 = WhValuesPercentile(values, 0.95);
	stats->p99 = WhValuesPercentile(values, 0.99);
}
