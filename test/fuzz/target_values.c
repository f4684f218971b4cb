/*
 * target_values.c
 *	  Fuzz target for WhValuesDeserialize (src/latency_state.c), the deserialize
 *	  function of webhook_latency_percentiles. Every input must decode or
 *	  raise ERRCODE_INVALID_BINARY_REPRESENTATION. A decoded state must
 *	  serialize and deserialize to the same count and, when not empty, the
 *	  same statistics, and merge as the combine function does.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>

#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "port/pg_bswap.h"
#include "utils/memutils.h"

#include "fuzz_common.h"
#include "latency_state.h"

#define HEADER_SIZE (4 + 1 + 8 + 8 + 8)	/* magic, form, count, sum, n */
#define LARGE_DISTINCT ((1 << 20) + 1)	/* one past the counts form's limit */

/* One decode: the input and the state it gave. */
typedef struct ValuesRun
{
	const bytea *input;
	WhValues   *values;
} ValuesRun;

/* ValuesDecode deserializes the input, as webhook_latency_deserialize does. */
static void
ValuesDecode(void *arg)
{
	ValuesRun  *run = arg;

	run->values = WhValuesDeserialize(CurrentMemoryContext, run->input);
}

/* SameDouble is true when two doubles have the same bits. */
static bool
SameDouble(double a, double b)
{
	return memcmp(&a, &b, sizeof(double)) == 0;
}

/* CheckMerge merges the state twice into an empty one, as the combine function does. */
static void
CheckMerge(WhValues *values, WhValues *again, const WhValueStats *stats)
{
	int64		count = WhValuesCount(values);
	WhValues   *merged = WhValuesCreate(CurrentMemoryContext);
	WhValueStats merged_stats;

	WhValuesMerge(merged, values);
	WhValuesMerge(merged, again);
	if (WhValuesCount(merged) != 2 * count)
		WhFuzzFail("merging a state of %lld values twice gave %lld",
				   (long long) count, (long long) WhValuesCount(merged));
	if (count == 0)
		return;
	WhValuesStats(merged, &merged_stats);
	if (!SameDouble(merged_stats.min, stats->min) || !SameDouble(merged_stats.max, stats->max))
		WhFuzzFail("merging a state with itself changed its min or max");
}

/* ValuesCheck decodes an input; when it decodes, checks the round trip, stats and merge. */
static bool
ValuesCheck(const bytea *input)
{
	ValuesRun	run = {input, NULL};
	WhValues   *again;
	WhValueStats stats = {0};
	WhValueStats again_stats = {0};
	int64		count;

	if (!WhFuzzGuard(ValuesDecode, &run, ERRCODE_INVALID_BINARY_REPRESENTATION))
		return false;
	count = WhValuesCount(run.values);
	if (count < 0)
		WhFuzzFail("decoded a negative count %lld", (long long) count);
	again = WhValuesDeserialize(CurrentMemoryContext, WhValuesSerialize(run.values));
	if (WhValuesCount(again) != count)
		WhFuzzFail("count %lld became %lld through serialize and deserialize",
				   (long long) count, (long long) WhValuesCount(again));
	if (count > 0)
	{
		WhValuesStats(run.values, &stats);
		WhValuesStats(again, &again_stats);
		if (memcmp(&stats, &again_stats, sizeof(stats)) != 0)
			WhFuzzFail("statistics changed through serialize and deserialize");
	}
	if (count <= PG_INT64_MAX / 2)
		CheckMerge(run.values, again, &stats);
	return true;
}

/* Serialized is the state of n values, made and serialized by the real functions. */
static bytea *
Serialized(const double *values, int n)
{
	WhValues   *state = WhValuesCreate(CurrentMemoryContext);

	for (int i = 0; i < n; i++)
		WhValuesAdd(state, values[i]);
	return WhValuesSerialize(state);
}

/* ArrayForm rewrites a counts-form state as the array form: every key repeated count times. */
static bytea *
ArrayForm(const bytea *counted)
{
	const char *in = VARDATA_ANY(counted);
	StringInfoData out;
	uint64		n;
	uint64		count;

	memcpy(&n, in + HEADER_SIZE - 8, 8);
	memcpy(&count, in + 5, 8);
	initStringInfo(&out);
	appendStringInfoSpaces(&out, VARHDRSZ);
	appendBinaryStringInfo(&out, in, HEADER_SIZE);
	out.data[VARHDRSZ + 4] = 1;	/* form: array */
	memcpy(out.data + out.len - 8, &count, 8);	/* n: one key per value */
	for (uint64 i = 0; i < pg_ntoh64(n); i++)
	{
		uint64		times;

		memcpy(&times, in + HEADER_SIZE + i * 16 + 8, 8);
		for (uint64 t = 0; t < pg_ntoh64(times); t++)
			appendBinaryStringInfo(&out, in + HEADER_SIZE + i * 16, 8);
	}
	SET_VARSIZE(out.data, out.len);
	return (bytea *) out.data;
}

/* ValuesSeeds makes valid states: empty, one value, repeats, specials, distinct, array form. */
static int
ValuesSeeds(bytea **seeds, int max)
{
	static const double specials[] = {
		0, -0.0, 1, 2.5, NAN, INFINITY, -INFINITY, 1e308, 5e-324, 123456789
	};
	static const double few[] = {3, 1, 2, 2};
	double		one = 42.5;
	double		repeated[1000];
	double		distinct[120];
	int			n = 0;

	for (size_t i = 0; i < lengthof(repeated); i++)
		repeated[i] = specials[i % lengthof(specials)];
	for (size_t i = 0; i < lengthof(distinct); i++)
		distinct[i] = (i * 37 % 120) * 1.25 - 40;
	if (n < max)
		seeds[n++] = Serialized(NULL, 0);
	if (n < max)
		seeds[n++] = Serialized(&one, 1);
	if (n < max)
		seeds[n++] = Serialized(repeated, lengthof(repeated));
	if (n < max)
		seeds[n++] = Serialized(distinct, lengthof(distinct));
	if (n < max)
		seeds[n++] = ArrayForm(Serialized(few, lengthof(few)));
	return n;
}

/* A merge of one state into another, for WhFuzzGuard. */
typedef struct MergeRun
{
	WhValues   *into;
	const WhValues *from;
} MergeRun;

/* MergeInto merges, as the combine function does. */
static void
MergeInto(void *arg)
{
	MergeRun   *run = arg;

	WhValuesMerge(run->into, run->from);
}

/* CraftedCounts is a counts-form state of n distinct keys, the first counted 'first' times. */
static bytea *
CraftedCounts(int64 n, int64 first)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, 0x57484C32);	/* "WHL2" */
	pq_sendbyte(&buf, 0);
	pq_sendint64(&buf, first + (n - 1));
	pq_sendfloat8(&buf, 0);
	pq_sendint64(&buf, n);
	for (int64 i = 0; i < n; i++)
	{
		pq_sendint64(&buf, (int64) (UINT64CONST(0x8000000000000000) | (uint64) i));
		pq_sendint64(&buf, i == 0 ? first : 1);
	}
	return pq_endtypsend(&buf);
}

/*
 * CheckHugeCounts feeds states no serializer writes, with counts near 2^63:
 * a counts form of more distinct values than that form holds must be
 * rejected (not loop forever growing the array form), and merging a huge
 * count into the array form must raise ERROR (not overflow the array).
 */
static int64
CheckHugeCounts(WhValues *array_form)
{
	bytea	   *crafted = CraftedCounts(LARGE_DISTINCT, INT64CONST(1) << 62);
	MergeRun	merge = {array_form, NULL};

	WhFuzzDescribe("a counts form of %d distinct values, one counted 2^62", LARGE_DISTINCT);
	if (WhFuzzOne((const uint8 *) VARDATA(crafted), VARSIZE(crafted) - VARHDRSZ) != WH_REJECTED)
		WhFuzzFail("accepted");
	WhFuzzDescribe("a count of 2^63 - 6 merged into the array form");
	merge.from = WhValuesDeserialize(CurrentMemoryContext, CraftedCounts(1, PG_INT64_MAX - 5));
	if (WhFuzzGuard(MergeInto, &merge, ERRCODE_PROGRAM_LIMIT_EXCEEDED))
		WhFuzzFail("merged without error");
	printf("%s: large: counts form of %d distinct values, one counted 2^62 (%zu bytes): "
		   "rejected; count of 2^63 - 6 merged into the array form: ERROR 54000\n",
		   wh_fuzz_target.name, LARGE_DISTINCT, (Size) VARSIZE(crafted) - VARHDRSZ);
	return 2;
}

/* ValuesCheckLarge decodes a real array-form state of 2^20 + 1 distinct values, its cuts, huge counts. */
static int64
ValuesCheckLarge(void)
{
	WhValues   *state = WhValuesCreate(CurrentMemoryContext);
	bytea	   *bytes;
	const uint8 *data;
	Size		size;
	const Size	cuts[] = {HEADER_SIZE, HEADER_SIZE + 8, 0, 0};
	int64		checked = 0;

	for (int i = 0; i < LARGE_DISTINCT; i++)
		WhValuesAdd(state, i * 0.5 - 1000);
	bytes = WhValuesSerialize(state);
	data = (const uint8 *) VARDATA_ANY(bytes);
	size = VARSIZE_ANY_EXHDR(bytes);
	if (data[4] != 1)
		WhFuzzFail("a state of %d distinct values is not in the array form", LARGE_DISTINCT);
	if (WhFuzzOne(data, size) != WH_DECODED)
		WhFuzzFail("a large valid state was rejected");
	checked++;
	for (size_t i = 0; i < lengthof(cuts); i++)
	{
		Size		cut = cuts[i] != 0 ? cuts[i] : i == 2 ? size / 2 : size - 1;

		if (WhFuzzOne(data, cut) != WH_REJECTED)
			WhFuzzFail("a large state cut to %zu bytes was accepted", cut);
		checked++;
	}
	printf("%s: large: %d distinct values, array form, %zu bytes: decoded, round-tripped; "
		   "%d cuts rejected\n", wh_fuzz_target.name, LARGE_DISTINCT, size, (int) lengthof(cuts));
	return checked + CheckHugeCounts(state);
}

const WhFuzzTarget wh_fuzz_target = {
	"values", ERRCODE_INVALID_BINARY_REPRESENTATION, ValuesSeeds, ValuesCheck, ValuesCheckLarge
};
