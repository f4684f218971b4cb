/*
 * metrics.c
 *	  Derived metrics (retry rate, averages, rounded percentiles) computed with
 *	  PostgreSQL's own numeric functions, so every value equals what
 *	  round(numeric, 2) gives in plain SQL over the same rows.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "common/int.h"
#include "common/shortest_dec.h"
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

/* WhPercent is round(100 * part / whole, 2), or 0 when whole is 0. */
Numeric
WhPercent(int64 part, int64 whole)
{
	Datum		hundred_times = DirectFunctionCall2(numeric_mul,
													NumericGetDatum(int64_to_numeric(100)),
													NumericGetDatum(int64_to_numeric(part)));

	return WhMeanRounded(DatumGetNumeric(hundred_times), whole);
}

/* WhRetryRatePct is round(100 * retried / total, 2), or 0 for no rows. */
Numeric
WhRetryRatePct(const WhMetrics *m)
{
	return WhPercent(m->retried, m->total);
}

/* WhAvgDelayMs is round(avg(delay_ms), 2), or 0 when no delay is known. */
Numeric
WhAvgDelayMs(const WhMetrics *m)
{
	return WhMeanRounded(int64_to_numeric(m->delay_sum), m->delay_count);
}

/*
 * HundredthsOf reads a decimal text in fixed notation ("-12.345") as
 * round(round15(text)::numeric, 2) in hundredths, where round15 rounds to
 * 15 significant digits as "%.15g" rounds the exact value: half away from
 * zero at the third decimal, as numeric's round does. False for what it
 * leaves to the slow path: an exponent, more than 15 integer digits, or a
 * 16th significant digit of exactly 5 (the value may lie on either side).
 */
static bool
HundredthsOf(const char *text, int64 *hundredths)
{
	char		digits[32];
	int			n = 0;
	int			whole_digits = -1;	/* digits before the point */
	int			first = -1;		/* the first significant digit */
	bool		negative = *text == '-';
	int64		whole = 0;
	int			fraction[3] = {0};

	for (const char *p = text + negative; *p != '\0'; p++)
	{
		if (*p == '.' && whole_digits < 0)
			whole_digits = n;
		else if (*p >= '0' && *p <= '9' && n < (int) sizeof(digits))
		{
			if (first < 0 && *p != '0')
				first = n;
			digits[n++] = *p - '0';
		}
		else
			return false;
	}
	if (whole_digits < 0)
		whole_digits = n;
	if (n == 0 || whole_digits > 15)
		return false;
	if (first >= 0 && n - first > 15)
	{
		/* round to 15 significant digits, carrying */
		int			cut = first + 15;

		if (n - first == 16 && digits[cut] == 5)
			return false;
		if (digits[cut] >= 5)
		{
			int			i = cut - 1;

			for (; i >= 0 && digits[i] == 9; i--)
				digits[i] = 0;
			if (i < 0)
				return false;	/* 999...: a new leading digit; rare, the slow path */
			digits[i]++;
		}
		n = cut;
	}
	for (int i = 0; i < whole_digits; i++)
		whole = whole * 10 + digits[i];
	for (int i = 0; i < 3 && whole_digits + i < n; i++)
		fraction[i] = digits[whole_digits + i];
	*hundredths = whole * 100 + fraction[0] * 10 + fraction[1] + (fraction[2] >= 5);
	if (negative)
		*hundredths = -*hundredths;
	return true;
}

/*
 * WhFloatRounded is round(value::numeric, 2), with the float8 cast's
 * rounding (to 15 significant digits, "%.15g"), without the cast: from the
 * shortest text that reads back as the value (Ryu), which rounds to 15
 * digits as the value itself does (no 15-digit rounding boundary lies
 * between them: one would be a shorter or nearer such text), except for a
 * tie; then from "%.15g" itself, then through numeric. A series calls it
 * three times a row.
 */
Numeric
WhFloatRounded(double value)
{
	char		text[64];
	int64		hundredths;
	Datum		as_numeric;

	if (!isnan(value) && !isinf(value))
	{
		double_to_shortest_decimal_buf(value, text);
		if (HundredthsOf(text, &hundredths))
			return int64_div_fast_to_numeric(hundredths, 2);
		snprintf(text, sizeof(text), "%.*g", DBL_DIG, value);
		if (HundredthsOf(text, &hundredths))
			return int64_div_fast_to_numeric(hundredths, 2);
	}
	as_numeric = DirectFunctionCall1(float8_numeric, Float8GetDatum(value));
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
