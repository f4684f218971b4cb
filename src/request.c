/*
 * request.c
 *	  webhook_analytics_request (SPEC 5.3): the API's query parameters as
 *	  jsonb, checked without raising, then the response of
 *	  webhook_analytics_json or _between, or the 400 envelope with one
 *	  validator entry per bad parameter. Values may be JSON strings (as a
 *	  query string gives them) or their own JSON type.
 */
#include "postgres.h"

#include "access/xact.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"

#include "analytics.h"
#include "jsonb_build.h"
#include "relations.h"
#include "response.h"
#include "response_parts.h"
#include "settings.h"
#include "window.h"

PG_FUNCTION_INFO_V1(webhook_analytics_request);

#define WH_TIMESTAMP_FORMAT "a timestamp YYYY-MM-DDTHH:MM:SS[.ffffff] followed by Z or +HH:MM / -HH:MM"

/* The parameters a query may have, each a bit of WhRequest.bad. */
static const char *const wh_parameters[] = {
	"period", "as_of", "from", "to", "webhook_id", "top_n", "last_n", "include"
};

/* Parameter is the index of a known parameter, or -1. */
static int
Parameter(const char *key, int keylen)
{
	for (int i = 0; i < (int) lengthof(wh_parameters); i++)
		if (keylen == (int) strlen(wh_parameters[i]) && memcmp(key, wh_parameters[i], keylen) == 0)
			return i;
	return -1;
}

/* The parameters of one request, and what is wrong with them. */
typedef struct WhRequest
{
	const char *period;			/* NULL: not given */
	bool		has_as_of;
	TimestampTz as_of;
	bool		has_from;
	TimestampTz from;
	bool		has_to;
	TimestampTz to;
	text	   *webhook_id;
	int			top_n;
	int			last_n;
	int			include;
	WhJson	   *validator;		/* the entries so far */
	int			problems;
	int			bad;			/* the known parameters with an entry (bits) */
} WhRequest;

/* Bad is whether a known parameter has an entry already. */
static bool
Bad(const WhRequest *request, const char *name)
{
	return (request->bad & (1 << Parameter(name, strlen(name)))) != 0;
}

/*
 * Problem adds a validator entry: what is wrong with a key; the first one
 * of a known parameter only (an unknown key is one of the query's own,
 * each once).
 */
static void
Problem(WhRequest *request, const char *key, int keylen, const char *message)
{
	int			known = Parameter(key, keylen);

	if (known >= 0)
	{
		if (request->bad & (1 << known))
			return;
		request->bad |= 1 << known;
	}
	WhJsonPutString(request->validator, pnstrdup(key, keylen), message, strlen(message));
	request->problems++;
}

/* Digits reads n decimal digits at p into *value; false unless all are digits. */
static bool
Digits(const char *p, int n, int *value)
{
	*value = 0;
	for (int i = 0; i < n; i++)
	{
		if (p[i] < '0' || p[i] > '9')
			return false;
		*value = *value * 10 + (p[i] - '0');
	}
	return true;
}

/*
 * ParseTimestamp reads YYYY-MM-DDTHH:MM:SS[.ffffff] followed by Z or
 * +HH:MM / -HH:MM (years 0001-9999, a real date and time, an offset of at
 * most 15:59, as PostgreSQL takes); false for anything else.
 */
static bool
ParseTimestamp(const char *s, int len, TimestampTz *result)
{
	struct pg_tm tm = {0};
	fsec_t		fsec = 0;
	int			pos = 19;
	int			offset = 0;
	int			west;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
		!Digits(s, 4, &tm.tm_year) || !Digits(s + 5, 2, &tm.tm_mon) ||
		!Digits(s + 8, 2, &tm.tm_mday) || !Digits(s + 11, 2, &tm.tm_hour) ||
		!Digits(s + 14, 2, &tm.tm_min) || !Digits(s + 17, 2, &tm.tm_sec))
		return false;
	if (s[pos] == '.')
	{
		int			scale = 100000;

		pos++;
		if (pos >= len || s[pos] < '0' || s[pos] > '9')
			return false;
		for (; pos < len && s[pos] >= '0' && s[pos] <= '9'; pos++, scale /= 10)
		{
			if (scale == 0)
				return false;	/* more than 6 digits */
			fsec += (s[pos] - '0') * scale;
		}
	}
	if (pos == len - 1 && s[pos] == 'Z')
		offset = 0;
	else if (pos == len - 6 && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':')
	{
		int			hours;
		int			minutes;

		if (!Digits(s + pos + 1, 2, &hours) || !Digits(s + pos + 4, 2, &minutes) ||
			hours > 15 || minutes > 59)
			return false;
		offset = (hours * 60 + minutes) * 60 * (s[pos] == '+' ? 1 : -1);
	}
	else
		return false;
	if (tm.tm_year < 1 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
		tm.tm_mday > day_tab[isleap(tm.tm_year)][tm.tm_mon - 1] ||
		tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return false;
	west = -offset;				/* PostgreSQL's tz counts seconds west of Greenwich */
	return tm2timestamp(&tm, fsec, &west, result) == 0 && IS_VALID_TIMESTAMP(*result);
}

/* ValueKind names a JSON value's type for a message. */
static const char *
ValueKind(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "an array" : "an object";
		default:
			return "a JSON value";
	}
}

/* WrongType adds the entry of a value of the wrong type. */
static void
WrongType(WhRequest *request, const char *key, int keylen, const JsonbValue *v, const char *wanted)
{
	Problem(request, key, keylen, psprintf("must be %s, got %s", wanted, ValueKind(v)));
}

/* ReadTimestamp reads as_of, from or to. */
static void
ReadTimestamp(WhRequest *request, const char *key, int keylen, const JsonbValue *v,
			  bool *has, TimestampTz *ts)
{
	if (v->type != jbvString)
	{
		WrongType(request, key, keylen, v, WH_TIMESTAMP_FORMAT);
		return;
	}
	if (!ParseTimestamp(v->val.string.val, v->val.string.len, ts))
	{
		Problem(request, key, keylen, "must be " WH_TIMESTAMP_FORMAT ", a real date and time");
		return;
	}
	*has = true;
}

/* ReadListLength reads top_n or last_n: a JSON integer or a string of decimal digits, 0 to 1000. */
static void
ReadListLength(WhRequest *request, const char *key, int keylen, const JsonbValue *v, int *n)
{
	const char *message = "must be an integer from 0 to 1000 (a JSON integer or a string of digits)";
	int64		value = 0;

	if (v->type == jbvString)
	{
		const char *p = v->val.string.val;
		int			len = v->val.string.len;

		/* more than 4 digits is above 1000 */
		if (len == 0 || len > 4)
		{
			Problem(request, key, keylen, message);
			return;
		}
		for (int i = 0; i < len; i++)
		{
			if (p[i] < '0' || p[i] > '9')
			{
				Problem(request, key, keylen, message);
				return;
			}
			value = value * 10 + (p[i] - '0');
		}
	}
	else if (v->type == jbvNumeric)
	{
		Numeric		num = v->val.numeric;
		Datum		limit = NumericGetDatum(int64_to_numeric(WH_MAX_LIST_LENGTH));
		Datum		zero = NumericGetDatum(int64_to_numeric(0));

		if (numeric_is_nan(num) || numeric_is_inf(num) ||
			DatumGetBool(DirectFunctionCall2(numeric_lt, NumericGetDatum(num), zero)) ||
			DatumGetBool(DirectFunctionCall2(numeric_gt, NumericGetDatum(num), limit)))
		{
			Problem(request, key, keylen, message);
			return;
		}
		/* an integer: no digits after the point (1e2 is 100; 5.0 is not an integer's text) */
		if (DatumGetInt32(DirectFunctionCall1(numeric_scale, NumericGetDatum(num))) != 0)
		{
			Problem(request, key, keylen, message);
			return;
		}
		value = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(num)));
	}
	else
	{
		WrongType(request, key, keylen, v, "an integer from 0 to 1000");
		return;
	}
	if (value > WH_MAX_LIST_LENGTH)
	{
		Problem(request, key, keylen, message);
		return;
	}
	*n = (int) value;
}

/* IncludeItem adds one include element; false (and an entry) for an unknown one. */
static bool
IncludeItem(WhRequest *request, const char *item, int len)
{
	int			bit = WhIncludeBit(item, len);

	if (bit == 0)
	{
		char	   *shown = pnstrdup(item, Min(len, 64));

		Problem(request, "include", 7,
				psprintf("unknown element \"%s\"%s; accepted: " WH_INCLUDE_NAMES,
						 shown, len > 64 ? "..." : ""));
		return false;
	}
	request->include |= bit;
	return true;
}

/*
 * ReadInclude reads include: an array of strings, or a string split on ","
 * without trimming ("" lists nothing, an empty item is unknown).
 */
static void
ReadInclude(WhRequest *request, const JsonbValue *v)
{
	if (v->type == jbvString)
	{
		const char *p = v->val.string.val;
		const char *end = p + v->val.string.len;

		if (p == end)
			return;
		for (;;)
		{
			const char *comma = memchr(p, ',', end - p);
			const char *stop = comma ? comma : end;

			if (!IncludeItem(request, p, stop - p))
				return;
			if (comma == NULL)
				return;
			p = comma + 1;
		}
	}
	if (v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data))
	{
		JsonbIterator *it = JsonbIteratorInit(v->val.binary.data);
		JsonbValue	elem;
		JsonbIteratorToken token;

		while ((token = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
		{
			if (token != WJB_ELEM)
				continue;
			if (elem.type != jbvString)
			{
				Problem(request, "include", 7,
						psprintf("must list strings, got %s among them", ValueKind(&elem)));
				return;
			}
			if (!IncludeItem(request, elem.val.string.val, elem.val.string.len))
				return;
		}
		return;
	}
	WrongType(request, "include", 7, v, "an array of strings or a comma-separated string");
}

/* ReadParameter reads one key of the query. */
static void
ReadParameter(WhRequest *request, const char *key, int keylen, const JsonbValue *v)
{
#define KEY_IS(name) (keylen == (int) strlen(name) && memcmp(key, name, keylen) == 0)
	if (Parameter(key, keylen) < 0)
	{
		Problem(request, key, keylen,
				"unknown parameter; accepted: period, as_of, from, to, webhook_id, top_n, last_n, include");
		return;
	}
	if (v->type == jbvNull)
	{
		Problem(request, key, keylen, "must not be null");
		return;
	}
	if (KEY_IS("period"))
	{
		if (v->type != jbvString)
			WrongType(request, key, keylen, v, "one of " WH_PERIOD_NAMES);
		else
			request->period = pnstrdup(v->val.string.val, v->val.string.len);
	}
	else if (KEY_IS("as_of"))
		ReadTimestamp(request, key, keylen, v, &request->has_as_of, &request->as_of);
	else if (KEY_IS("from"))
		ReadTimestamp(request, key, keylen, v, &request->has_from, &request->from);
	else if (KEY_IS("to"))
		ReadTimestamp(request, key, keylen, v, &request->has_to, &request->to);
	else if (KEY_IS("webhook_id"))
	{
		if (v->type != jbvString)
			WrongType(request, key, keylen, v, "a string");
		else
			request->webhook_id = cstring_to_text_with_len(v->val.string.val, v->val.string.len);
	}
	else if (KEY_IS("top_n"))
		ReadListLength(request, key, keylen, v, &request->top_n);
	else if (KEY_IS("last_n"))
		ReadListLength(request, key, keylen, v, &request->last_n);
	else
		ReadInclude(request, v);
#undef KEY_IS
}

/*
 * CheckWindow finds the request's window in filter, or adds the entries
 * that say why there is none: from and to together and without period,
 * from before to, a period known and not too early for as_of, a previous
 * window for include previous.
 */
static void
CheckWindow(WhRequest *request, WhFilter *filter)
{
	bool		between = request->has_from || request->has_to || Bad(request, "from") ||
		Bad(request, "to");
	TimestampTz previous_from;

	if (between)
	{
		if (request->period != NULL)
			Problem(request, "period", 6, "must not be given with from and to");
		if (!request->has_from)
			Problem(request, "from", 4, "missing: from and to go together");
		if (!request->has_to)
			Problem(request, "to", 2, "missing: from and to go together");
		if (!request->has_from || !request->has_to)
			return;
		if (request->from >= request->to)
		{
			Problem(request, "to", 2, "must be after from");
			return;
		}
		filter->from = request->from;
		filter->to = request->to;
	}
	else
	{
		const char *period = request->period ? request->period : "last_day";
		TimestampTz as_of = request->has_as_of ? request->as_of : GetCurrentTransactionStartTimestamp();
		WhPeriodResult result;

		if (Bad(request, "period") || Bad(request, "as_of"))
			return;
		result = WhPeriodWindow(period, as_of, &filter->from, &filter->to);
		if (result == WH_PERIOD_UNKNOWN)
		{
			Problem(request, "period", 6,
					psprintf("must be one of " WH_PERIOD_NAMES ", got \"%s\"", WhShortened(period)));
			return;
		}
		if (result == WH_PERIOD_TOO_EARLY)
		{
			Problem(request, "as_of", 5, "too early for the period: the window would start before 4714-11-24 00:00:00 BC");
			return;
		}
	}
	if ((request->include & WH_INCLUDE_PREVIOUS) &&
		!WhPreviousFrom(filter->from, filter->to, &previous_from))
		Problem(request, "include", 7,
				"previous: the window before this one would start before 4714-11-24 00:00:00 BC");
}

/* BadRequest is the 400 envelope around the validator entries. */
static Jsonb *
BadRequest(WhJson *validator)
{
	WhJson	   *json = WhJsonBegin();

	WhJsonPutInt(json, "status", 400);
	WhJsonPutNull(json, "data");
	WhJsonPutCString(json, "error", "Invalid request parameters");
	WhJsonPutJsonb(json, "validator", JsonbPGetDatum(WhJsonFinish(validator)), false);
	WhJsonPutNull(json, "message");
	WhJsonPutNull(json, "log");
	WhJsonPutNull(json, "support_id");
	WhJsonPutCString(json, "env", WhEnvName());
	return WhJsonFinish(json);
}

/*
 * webhook_analytics_request(organization_id, query): the response for the
 * API's query parameters, or a 400 envelope; never an error for anything
 * in query. A NULL organization_id gives NULL, an empty one is 22023.
 */
Datum
webhook_analytics_request(PG_FUNCTION_ARGS)
{
	WhRequest	request = {0};
	WhFilter	filter;
	Jsonb	   *query;

	if (!WhArgOrganization(fcinfo, 0, &filter))
		PG_RETURN_NULL();
	request.top_n = WH_DEFAULT_TOP_N;
	request.last_n = WH_DEFAULT_LAST_N;
	request.validator = WhJsonBegin();
	query = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	if (query != NULL && !JB_ROOT_IS_OBJECT(query))
	{
		Problem(&request, "query", 5, "must be a JSON object of the query parameters");
		PG_RETURN_JSONB_P(BadRequest(request.validator));
	}
	if (query != NULL)
	{
		JsonbIterator *it = JsonbIteratorInit(&query->root);
		JsonbValue	key;
		JsonbValue	value;
		JsonbIteratorToken token;

		while ((token = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
		{
			if (token != WJB_KEY)
				continue;
			token = JsonbIteratorNext(&it, &value, true);
			Assert(token == WJB_VALUE);
			ReadParameter(&request, key.val.string.val, key.val.string.len, &value);
		}
	}
	CheckWindow(&request, &filter);
	if (request.problems > 0)
		PG_RETURN_JSONB_P(BadRequest(request.validator));
	filter.webhook_id = request.webhook_id;
	return WhRespond(&filter, request.top_n, request.last_n, request.include);
}
