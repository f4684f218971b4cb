/*
 * latency_state.c
 *	  The state of webhook_latency_percentiles. Exactness needs every value,
 *	  but latencies repeat: while there are at most WH_MAX_DISTINCT distinct
 *	  values the state is a hash table of value -> count (memory grows with
 *	  the distinct values, not the rows); beyond that it becomes an array of
 *	  every value. Values are keyed by an order-preserving 64-bit image
 *	  (float8 order, NaN last, as PostgreSQL sorts). Statistics sort the keys
 *	  (radix sort) and read percentiles as percentile_cont does: linear
 *	  interpolation between rows floor and ceil of fraction * (count - 1).
 *	  The serialized form, network byte order: uint32 magic, uint8 form
 *	  (0 counts, 1 array), int64 count, float8 sum, int64 n, then n
 *	  (uint64 key, int64 count) pairs or n uint64 keys.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "latency_state.h"

#define WH_MAX_DISTINCT (1 << 20)
#define WH_STATE_MAGIC 0x57484C32	/* "WHL2" */
#define WH_STATE_HEADER (4 + 1 + 8 + 8 + 8)

typedef struct WhValueEntry
{
	uint64		key;
	char		status;
	int64		count;
} WhValueEntry;

#define SH_PREFIX value_map
#define SH_ELEMENT_TYPE WhValueEntry
#define SH_KEY_TYPE uint64
#define SH_KEY key
#define SH_HASH_KEY(tb, k) murmurhash32((uint32) (k) ^ (uint32) ((k) >> 32))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct WhValues
{
	MemoryContext context;
	int64		count;			/* values added */
	double		sum;			/* in input order, as avg(float8) adds */
	value_map_hash *map;		/* the distinct keys and counts, or NULL */
	uint64	   *keys;			/* every key, once map is NULL */
	int64		nkeys;
	int64		capacity;
};

/* A distinct key with its count, for sorting. */
typedef struct WhKeyCount
{
	uint64		key;
	int64		count;
} WhKeyCount;

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

/* WhValuesCreate makes an empty multiset in context. */
WhValues *
WhValuesCreate(MemoryContext context)
{
	WhValues   *values = MemoryContextAllocZero(context, sizeof(WhValues));

	values->context = context;
	values->map = value_map_create(context, 256, NULL);
	return values;
}

/* AppendKeys adds n copies of a key to the array form. */
static void
AppendKeys(WhValues *values, uint64 key, int64 n)
{
	if (n > values->capacity - values->nkeys)
	{
		int64		capacity = Max(values->capacity, 1024);

		while (capacity - values->nkeys < n &&
			   (Size) capacity <= MaxAllocHugeSize / sizeof(uint64))
			capacity *= 2;
		if ((Size) capacity > MaxAllocHugeSize / sizeof(uint64))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct values for an exact percentile: " UINT64_FORMAT,
							(uint64) values->nkeys + (uint64) n)));
		values->keys = values->keys == NULL
			? MemoryContextAllocHuge(values->context, capacity * sizeof(uint64))
			: repalloc_huge(values->keys, capacity * sizeof(uint64));
		values->capacity = capacity;
	}
	for (int64 i = 0; i < n; i++)
		values->keys[values->nkeys++] = key;
}

/* ToArray turns the counts form into the array form. */
static void
ToArray(WhValues *values)
{
	value_map_hash *map = values->map;
	value_map_iterator it;
	WhValueEntry *entry;

	values->map = NULL;
	value_map_start_iterate(map, &it);
	while ((entry = value_map_iterate(map, &it)) != NULL)
		AppendKeys(values, entry->key, entry->count);
	value_map_destroy(map);
}

/* AddKey adds count occurrences of a key. */
static inline void
AddKey(WhValues *values, uint64 key, int64 count)
{
	if (values->map != NULL)
	{
		bool		found;
		WhValueEntry *entry = value_map_insert(values->map, key, &found);

		entry->count = found ? entry->count + count : count;
		if (unlikely(values->map->members > WH_MAX_DISTINCT))
			ToArray(values);
		return;
	}
	AppendKeys(values, key, count);
}

/* WhValuesAdd adds one value. */
void
WhValuesAdd(WhValues *values, double value)
{
	AddKey(values, SortKey(value), 1);
	values->count++;
	values->sum += value;
}

/* WhValuesMerge adds every value of 'from' to 'into'. */
void
WhValuesMerge(WhValues *into, const WhValues *from)
{
	if (from->map != NULL)
	{
		value_map_iterator it;
		WhValueEntry *entry;

		value_map_start_iterate(from->map, &it);
		while ((entry = value_map_iterate(from->map, &it)) != NULL)
			AddKey(into, entry->key, entry->count);
	}
	else
	{
		if (into->map != NULL)
			ToArray(into);
		AppendKeys(into, 0, from->nkeys);	/* makes room; overwritten below */
		memcpy(into->keys + into->nkeys - from->nkeys, from->keys,
			   from->nkeys * sizeof(uint64));
	}
	into->count += from->count;
	into->sum += from->sum;
}

/* WhValuesCount is how many values were added. */
int64
WhValuesCount(const WhValues *values)
{
	return values->count;
}

/* RadixSort sorts n (key, count) pairs by key, byte by byte from the lowest. */
static void
RadixSort(WhKeyCount *items, int64 n)
{
	WhKeyCount *scratch = palloc_extended(Max(n, 1) * sizeof(WhKeyCount), MCXT_ALLOC_HUGE);
	WhKeyCount *src = items;
	WhKeyCount *dst = scratch;

	for (int shift = 0; shift < 64 && n > 1; shift += 8)
	{
		int64		offsets[256] = {0};
		int64		position = 0;
		WhKeyCount *swap;

		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
			offsets[(src[i].key >> shift) & 0xFF]++;
		if (offsets[(src[0].key >> shift) & 0xFF] == n)
			continue;			/* every key has this byte alike */
		for (int b = 0; b < 256; b++)
		{
			int64		bucket = offsets[b];

			offsets[b] = position;
			position += bucket;
		}
		for (int64 i = 0; i < n; i++)
		{
			if ((i & 0xFFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			dst[offsets[(src[i].key >> shift) & 0xFF]++] = src[i];
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != items)
		memcpy(items, src, n * sizeof(WhKeyCount));
	pfree(scratch);
}

/* SortedCounts returns the distinct keys with their counts, sorted; sets *n. */
static WhKeyCount *
SortedCounts(const WhValues *values, int64 *n)
{
	WhKeyCount *items;
	int64		count = 0;

	if (values->map != NULL)
	{
		value_map_iterator it;
		WhValueEntry *entry;

		items = palloc_extended(Max(values->map->members, 1) * sizeof(WhKeyCount),
								MCXT_ALLOC_HUGE);
		value_map_start_iterate(values->map, &it);
		while ((entry = value_map_iterate(values->map, &it)) != NULL)
		{
			items[count].key = entry->key;
			items[count].count = entry->count;
			count++;
		}
	}
	else
	{
		items = palloc_extended(Max(values->nkeys, 1) * sizeof(WhKeyCount), MCXT_ALLOC_HUGE);
		for (int64 i = 0; i < values->nkeys; i++)
		{
			items[i].key = values->keys[i];
			items[i].count = 1;
		}
		count = values->nkeys;
	}
	RadixSort(items, count);
	*n = count;
	return items;
}

/* The sorted distinct keys of a multiset with their cumulative counts. */
typedef struct WhSortedValues
{
	const WhKeyCount *items;
	const int64 *ends;			/* ends[i]: values in items[0..i] */
	int64		n;
} WhSortedValues;

/* SortedValueAt returns the value at 0-based row of the expanded sorted values. */
static double
SortedValueAt(const void *arg, int64 row)
{
	const WhSortedValues *sorted = arg;
	int64		low = 0;
	int64		high = sorted->n - 1;

	/* the first item whose cumulative count passes row */
	while (low < high)
	{
		int64		mid = low + (high - low) / 2;

		if (sorted->ends[mid] > row)
			high = mid;
		else
			low = mid + 1;
	}
	return KeyValue(sorted->items[low].key);
}

/*
 * PercentileCont is percentile_cont(fraction) of 'total' sorted values, as
 * PostgreSQL computes it: rows floor and ceil of fraction * (total - 1),
 * then float8_lerp.
 */
static double
PercentileCont(double fraction, int64 total, WhValueAtRow value_at, const void *arg)
{
	double		position = fraction * (total - 1);
	int64		first = (int64) floor(position);
	int64		second = (int64) ceil(position);
	double		low = value_at(arg, first);
	double		high;

	if (first == second)
		return low;
	high = value_at(arg, second);
	return low + (high - low) * (position - first);
}

/* WhFillPercentiles sets p50, p90, p95 and p99 of 'total' sorted values. */
void
WhFillPercentiles(WhValueStats *stats, int64 total, WhValueAtRow value_at, const void *arg)
{
	stats->p50 = PercentileCont(0.5, total, value_at, arg);
	stats->p90 = PercentileCont(0.9, total, value_at, arg);
	stats->p95 = PercentileCont(0.95, total, value_at, arg);
	stats->p99 = PercentileCont(0.99, total, value_at, arg);
}

/* WhValuesStats fills min, max, avg and the four percentiles; count must be > 0. */
void
WhValuesStats(WhValues *values, WhValueStats *stats)
{
	int64		n;
	WhKeyCount *items = SortedCounts(values, &n);
	int64	   *ends = palloc_extended(Max(n, 1) * sizeof(int64), MCXT_ALLOC_HUGE);
	int64		seen = 0;
	WhSortedValues sorted = {items, ends, n};

	for (int64 i = 0; i < n; i++)
	{
		seen += items[i].count;
		ends[i] = seen;
	}
	stats->min = KeyValue(items[0].key);
	stats->max = KeyValue(items[n - 1].key);
	stats->avg = values->sum / values->count;
	WhFillPercentiles(stats, seen, SortedValueAt, &sorted);
	pfree(items);
	pfree(ends);
}

/* WhValuesSerialize writes the multiset as bytea. */
bytea *
WhValuesSerialize(const WhValues *values)
{
	StringInfoData buf;
	bool		counted = values->map != NULL;
	int64		n = counted ? values->map->members : values->nkeys;

	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, WH_STATE_HEADER + n * (counted ? 16 : 8));
	pq_sendint32(&buf, WH_STATE_MAGIC);
	pq_sendbyte(&buf, counted ? 0 : 1);
	pq_sendint64(&buf, values->count);
	pq_sendfloat8(&buf, values->sum);
	pq_sendint64(&buf, n);
	if (counted)
	{
		value_map_iterator it;
		WhValueEntry *entry;

		value_map_start_iterate(values->map, &it);
		while ((entry = value_map_iterate(values->map, &it)) != NULL)
		{
			pq_sendint64(&buf, (int64) entry->key);
			pq_sendint64(&buf, entry->count);
		}
	}
	else
		for (int64 i = 0; i < n; i++)
			pq_sendint64(&buf, (int64) values->keys[i]);
	return pq_endtypsend(&buf);
}

/* BadState reports a serialized state that cannot be read, with sqlstate. */
static void
BadState(int sqlstate, const char *detail)
{
	if (sqlstate == ERRCODE_INVALID_BINARY_REPRESENTATION)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid webhook_latency_percentiles state: %s", detail),
				 errhint("Pass only bytea produced by webhook_latency_serialize.")));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid webhook_latency_state: %s", detail),
			 errhint("Pass a value that webhook_latency_state_agg or webhook_latency_merge returned.")));
}

/* WhValuesDeserialize reads a bytea state of the internal aggregate (22P03 when malformed). */
WhValues *
WhValuesDeserialize(MemoryContext context, const bytea *bytes)
{
	return WhValuesDeserializeAs(context, bytes, ERRCODE_INVALID_BINARY_REPRESENTATION);
}

/*
 * WhValuesDeserializeAs reads a bytea state into context, checking every
 * length first; malformed bytes fail with sqlstate (22P03 for the internal
 * aggregate's bytea, 22P02 for webhook_latency_state).
 */
WhValues *
WhValuesDeserializeAs(MemoryContext context, const bytea *bytes, int sqlstate)
{
	Size		length = VARSIZE_ANY_EXHDR(bytes);
	StringInfoData buf;
	WhValues   *values;
	int			form;
	int64		count;
	int64		n;
	int64		seen = 0;

	if (length < WH_STATE_HEADER)
		BadState(sqlstate, "shorter than its header");
	buf.data = (char *) VARDATA_ANY(bytes);
	buf.len = length;
	buf.maxlen = length;
	buf.cursor = 0;
	if ((uint32) pq_getmsgint(&buf, 4) != WH_STATE_MAGIC)
		BadState(sqlstate, "wrong magic number");
	form = pq_getmsgbyte(&buf);
	count = pq_getmsgint64(&buf);
	values = WhValuesCreate(context);
	values->sum = pq_getmsgfloat8(&buf);
	n = pq_getmsgint64(&buf);
	if ((form != 0 && form != 1) || count < 0 || n < 0 ||
		(uint64) n > (length - WH_STATE_HEADER) / (form == 0 ? 16 : 8) ||
		(Size) n * (form == 0 ? 16 : 8) != length - WH_STATE_HEADER)
		BadState(sqlstate, "lengths do not match");
	if (form == 0 && n > WH_MAX_DISTINCT)
		BadState(sqlstate, "more distinct values than the counts form holds");
	for (int64 i = 0; i < n; i++)
	{
		uint64		key = (uint64) pq_getmsgint64(&buf);
		int64		times = form == 0 ? pq_getmsgint64(&buf) : 1;

		if (times <= 0 || times > count - seen)
			BadState(sqlstate, "counts do not add up");
		AddKey(values, key, times);
		seen += times;
	}
	if (seen != count)
		BadState(sqlstate, "counts do not add up");
	values->count = count;
	return values;
}
