/*
 * jsonb_build.c
 *	  Builds jsonb as jsonb (pushJsonbValue), never as printed text: object
 *	  members of every kind the response holds, and UTC timestamps in the
 *	  API's "YYYY-MM-DD HH24:MI:SS" form. A member with key NULL is an
 *	  array element. Pushed strings must outlive the JsonbValueToJsonb call.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"

#include "jsonb_build.h"
#include "window.h"

/* Key pushes an object key, or nothing for an array element. */
static JsonbIteratorToken
Key(JsonbParseState **state, const char *key)
{
	JsonbValue	k;

	if (key == NULL)
		return WJB_ELEM;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(state, WJB_KEY, &k);
	return WJB_VALUE;
}

/* PutValue pushes a scalar value under key. */
static void
PutValue(JsonbParseState **state, const char *key, JsonbValue *value)
{
	JsonbIteratorToken token = Key(state, key);

	pushJsonbValue(state, token, value);
}

/* WhJsonBeginObject opens an object: the root (key NULL, no parent) or a member. */
void
WhJsonBeginObject(JsonbParseState **state, const char *key)
{
	if (*state != NULL)
		Key(state, key);
	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
}

/* WhJsonEndObject closes the innermost object; for the root, returns the finished value. */
JsonbValue *
WhJsonEndObject(JsonbParseState **state)
{
	return pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/* WhJsonBeginArray opens an array member. */
void
WhJsonBeginArray(JsonbParseState **state, const char *key)
{
	Key(state, key);
	pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
}

/* WhJsonEndArray closes the innermost array. */
void
WhJsonEndArray(JsonbParseState **state)
{
	pushJsonbValue(state, WJB_END_ARRAY, NULL);
}

/* WhJsonPutString pushes len bytes as a JSON string. */
void
WhJsonPutString(JsonbParseState **state, const char *key, const char *data, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) data;
	v.val.string.len = len;
	PutValue(state, key, &v);
}

/* WhJsonPutCString pushes a NUL-terminated string. */
void
WhJsonPutCString(JsonbParseState **state, const char *key, const char *value)
{
	WhJsonPutString(state, key, value, strlen(value));
}

/* WhJsonPutText pushes a text datum as a string, or null. */
void
WhJsonPutText(JsonbParseState **state, const char *key, Datum value, bool isnull)
{
	text	   *t;

	if (isnull)
	{
		WhJsonPutNull(state, key);
		return;
	}
	t = DatumGetTextPP(value);
	WhJsonPutString(state, key, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* WhJsonPutNumeric pushes a JSON number. */
void
WhJsonPutNumeric(JsonbParseState **state, const char *key, Numeric value)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = value;
	PutValue(state, key, &v);
}

#define WH_KEPT_INTS 1024		/* 0 .. WH_KEPT_INTS - 1 kept as numerics */

/* WhJsonPutInt pushes an integer as a JSON number; small ones from numerics made once per backend. */
void
WhJsonPutInt(JsonbParseState **state, const char *key, int64 value)
{
	static Numeric kept[WH_KEPT_INTS];

	if (value < 0 || value >= WH_KEPT_INTS)
	{
		WhJsonPutNumeric(state, key, int64_to_numeric(value));
		return;
	}
	if (kept[value] == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		kept[value] = int64_to_numeric(value);
		MemoryContextSwitchTo(old);
	}
	WhJsonPutNumeric(state, key, kept[value]);
}

/* WhJsonPutNull pushes JSON null. */
void
WhJsonPutNull(JsonbParseState **state, const char *key)
{
	JsonbValue	v;

	v.type = jbvNull;
	PutValue(state, key, &v);
}

/* PutDigits writes value as exactly n decimal digits (value < 10^n) and returns the end. */
static char *
PutDigits(char *out, int value, int n)
{
	for (int i = n - 1; i >= 0; i--)
	{
		out[i] = '0' + value % 10;
		value /= 10;
	}
	return out + n;
}

/*
 * FormatUtc writes finite ts as "YYYY-MM-DD HH:MI:SS" in UTC, fraction
 * dropped, as to_char(ts AT TIME ZONE 'UTC', ...) prints it: a year of more
 * than 4 digits in full, BC years as positive numbers.
 */
static void
FormatUtc(char *out, TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			year;
	int			year_digits = 4;

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	year = tm.tm_year > 0 ? tm.tm_year : -(tm.tm_year - 1);
	for (int y = year / 10000; y > 0; y /= 10)
		year_digits++;
	out = PutDigits(out, year, year_digits);
	*out++ = '-';
	out = PutDigits(out, tm.tm_mon, 2);
	*out++ = '-';
	out = PutDigits(out, tm.tm_mday, 2);
	*out++ = ' ';
	out = PutDigits(out, tm.tm_hour, 2);
	*out++ = ':';
	out = PutDigits(out, tm.tm_min, 2);
	*out++ = ':';
	out = PutDigits(out, tm.tm_sec, 2);
	*out = '\0';
}

/*
 * DatePrefix returns "YYYY-MM-DD " of a day (days since 2000-01-01 UTC) as
 * FormatUtc writes it; the last day asked for is remembered, so the times
 * of one day are formatted without timestamp2tm.
 */
static const char *
DatePrefix(int64 day)
{
	static int64 cached_day = PG_INT64_MIN;
	static char cached_date[24];	/* "YYYY-MM-DD " (a longer year in full) */

	if (day != cached_day)
	{
		char		midnight[32];
		size_t		len;

		FormatUtc(midnight, day * USECS_PER_DAY);
		len = strlen(midnight) - strlen("00:00:00");
		memcpy(cached_date, midnight, len);
		cached_date[len] = '\0';
		cached_day = day;
	}
	return cached_date;
}

/* PutTimeOfDay pushes a day's date and a time of it, in seconds since its midnight. */
static void
PutTimeOfDay(JsonbParseState **state, const char *key, int64 day, int seconds)
{
	const char *date = DatePrefix(day);
	size_t		len = strlen(date);
	char	   *text = palloc(len + sizeof("00:00:00"));
	char	   *out = text + len;

	memcpy(text, date, len);
	out = PutDigits(out, seconds / 3600, 2);
	*out++ = ':';
	out = PutDigits(out, seconds / 60 % 60, 2);
	*out++ = ':';
	out = PutDigits(out, seconds % 60, 2);
	*out = '\0';
	WhJsonPutCString(state, key, text);
}

/* WhJsonPutTimestamp pushes ts as FormatUtc writes it (fraction dropped); NULL and infinity as null. */
void
WhJsonPutTimestamp(JsonbParseState **state, const char *key, TimestampTz ts, bool isnull)
{
	int64		day;

	if (isnull || TIMESTAMP_NOT_FINITE(ts))
	{
		WhJsonPutNull(state, key);
		return;
	}
	day = WhFloorDiv(ts, USECS_PER_DAY);
	PutTimeOfDay(state, key, day, (int) ((ts - day * USECS_PER_DAY) / USECS_PER_SEC));
}

/* WhJsonPutHour pushes the start of an hour (hours since 2000-01-01 UTC) as "YYYY-MM-DD HH:00:00". */
void
WhJsonPutHour(JsonbParseState **state, const char *key, int64 hour)
{
	int64		day = WhFloorDiv(hour, 24);

	PutTimeOfDay(state, key, day, (int) (hour - day * 24) * 3600);
}

/* WhJsonPutJsonb pushes a jsonb datum as its JSON value (SQL NULL as null). */
void
WhJsonPutJsonb(JsonbParseState **state, const char *key, Datum value, bool isnull)
{
	Jsonb	   *json;
	JsonbValue	v;

	if (isnull)
	{
		WhJsonPutNull(state, key);
		return;
	}
	json = DatumGetJsonbP(value);
	if (JB_ROOT_IS_SCALAR(json))
	{
		if (!JsonbExtractScalar(&json->root, &v))
			elog(ERROR, "invalid scalar jsonb");
	}
	else
	{
		v.type = jbvBinary;
		v.val.binary.data = &json->root;
		v.val.binary.len = VARSIZE(json) - VARHDRSZ;
	}
	PutValue(state, key, &v);
}
