/*
 * metrics.c
 *	  Derived metrics (retry rate, averages, rounded percentiles) computed with
 *	  PostgreSQL's own numeric functions, so every value equals what
 *	  round(numeric, 2) gives in plain SQL over the same rows.
 */
#include "postgres.h"

#include "common/int.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "latency_hist.h"
#include "whanalytics.h"

/* WhRoundTwo rounds a numeric to 2 decimals, half away from zero. */
Numeric
WhRoundTwo(Numeric value)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_round,
											   NumericGetDatum(value),
											   Int32GetDatum(2)));
}

/* WhMeanRounded is round(sum / count, 2), or 0 when count is 0 (as avg() does it). */
Numeric
WhMeanRounded(Numeric sum, int64 count)
{
	Datum		quotient;

	if (count == 0)
		return int64_to_numeric(0);
	quotient = DirectFunctionCall2(numeric_div, NumericGetDatum(sum),
								   NumericGetDatum(int64_to_numeric(count)));
	return WhRoundTwo(DatumGetNumeric(quotient));
}

/* WhRetryRatePct is round(100 * retried / total, 2), or 0 for no rows. */
Numeric
WhRetryRatePct(const WhMetrics *m)
{
	Datum		hundred_times;

	if (m->total == 0)
		return int64_to_numeric(0);
	hundred_times = DirectFunctionCall2(numeric_mul,
										NumericGetDatum(int64_to_numeric(100)),
										NumericGetDatum(int64_to_numeric(m->retried)));
	return WhMeanRounded(DatumGetNumeric(hundred_times), m->total);
}

/* WhAvgDelayMs is round(avg(delay_ms), 2), or 0 when no delay is known. */
Numeric
WhAvgDelayMs(const WhMetrics *m)
{
	return WhMeanRounded(int64_to_numeric(m->delay_sum), m->delay_count);
}

/* WhFloatRounded is round(value::numeric, 2), with the float8 cast's rounding. */
Numeric
WhFloatRounded(double value)
{
	Datum		as_numeric = DirectFunctionCall1(float8_numeric,
												 Float8GetDatum(value));

	return WhRoundTwo(DatumGetNumeric(as_numeric));
}

/* AddProduct adds value * count to a numeric total. */
static Numeric
AddProduct(Numeric total, int64 value, int64 count)
{
	Datum		product = DirectFunctionCall2(numeric_mul,
											  NumericGetDatum(int64_to_numeric(value)),
											  NumericGetDatum(int64_to_numeric(count)));

	return DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(total), product));
}

/* WhLatencyBinsSum adds up the values exactly, in int64 while it fits and in numeric beyond. */
Numeric
WhLatencyBinsSum(const struct WhLatencyBin *bins, int64 nbins)
{
	Numeric		total = int64_to_numeric(0);
	int64		partial = 0;

	for (int64 i = 0; i < nbins; i++)
	{
		int64		product;
		int64		next;

		if (pg_mul_s64_overflow(bins[i].value, bins[i].count, &product) ||
			pg_add_s64_overflow(partial, product, &next))
			total = AddProduct(total, bins[i].value, bins[i].count);
		else
			partial = next;
	}
	return AddProduct(total, partial, 1);
}
