/*
 * jsonb_build.c
 *	  Writes jsonb's binary form directly, never printed text and never a
 *	  JsonbValue tree: object members of every kind the response holds, and
 *	  UTC timestamps in the API's "YYYY-MM-DD HH24:MI:SS" form. A member with
 *	  key NULL is an array element.
 *
 *	  Members wait on one stack; when a container closes, its members are
 *	  sorted as jsonb orders keys (shorter first, then bytewise) and encoded
 *	  into a buffer of their own, laid out as convertToJsonb lays a container
 *	  out (header, one JEntry per key and value, every JB_OFFSET_STRIDE'th an
 *	  end offset, numerics and containers padded to 4 bytes). A container
 *	  starts 4-aligned, so its bytes can be copied as they are into its
 *	  parent, and a jsonb datum's root container into a response. Pushed
 *	  strings and datums must outlive WhJsonFinish.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"

#include "jsonb_build.h"
#include "window.h"

#define WH_JSON_MAX_DEPTH 16	/* containers open at once */

/* One member of an open container: its key (none in an array) and its value's bytes. */
typedef struct WhJsonMember
{
	const char *key;
	uint32		keylen;
	uint32		type;			/* JENTRY_IS* */
	const char *data;			/* a string's bytes, a numeric, or a container */
	uint32		len;			/* data's length, before any padding */
} WhJsonMember;

struct WhJson
{
	WhJsonMember *members;		/* the members of every open container */
	int			nmembers;
	int			maxmembers;
	int			depth;
	int			starts[WH_JSON_MAX_DEPTH];	/* where each open container's members begin */
	bool		objects[WH_JSON_MAX_DEPTH];	/* whether it is an object */
	const char *keys[WH_JSON_MAX_DEPTH];	/* and its own key in its parent */
};

/* Push adds a member to the innermost open container. */
static void
Push(WhJson *json, const char *key, uint32 type, const char *data, uint32 len)
{
	WhJsonMember *m;

	if (json->nmembers == json->maxmembers)
	{
		json->maxmembers *= 2;
		json->members = repalloc(json->members, json->maxmembers * sizeof(WhJsonMember));
	}
	m = &json->members[json->nmembers++];
	m->key = key;
	m->keylen = key ? strlen(key) : 0;
	m->type = type;
	m->data = data;
	m->len = len;
}

/* KeyBefore is whether a's key sorts before b's in a jsonb object. */
static inline bool
KeyBefore(const WhJsonMember *a, const WhJsonMember *b)
{
	if (a->keylen != b->keylen)
		return a->keylen < b->keylen;
	return memcmp(a->key, b->key, a->keylen) < 0;
}

/* SortKeys sorts an object's members by key (insertion sort: most come sorted); keys are unique. */
static void
SortKeys(WhJsonMember *members, int n)
{
	for (int i = 1; i < n; i++)
	{
		WhJsonMember m = members[i];
		int			j = i;

		while (j > 0 && KeyBefore(&m, &members[j - 1]))
		{
			members[j] = members[j - 1];
			j--;
		}
		members[j] = m;
	}
	for (int i = 1; i < n; i++)
		if (!KeyBefore(&members[i - 1], &members[i]))
			elog(ERROR, "duplicate jsonb key \"%s\"", members[i].key);
}

/* Padded is whether a value of this type starts 4-aligned. */
static inline bool
Padded(uint32 type)
{
	return type == JENTRY_ISNUMERIC || type == JENTRY_ISCONTAINER;
}

/* Entry is the JEntry of the k'th of a container's entries, total bytes so far included. */
static inline JEntry
Entry(uint32 type, uint32 len, int k, uint32 total)
{
	if (k % JB_OFFSET_STRIDE == 0)
		return type | total | JENTRY_HAS_OFF;
	return type | len;
}

/*
 * Encode lays n members out as one container (an object's keys first, then
 * its values) after prefix bytes left free (4 or none), and returns them
 * and the container's length.
 */
static char *
Encode(const WhJsonMember *members, int n, bool object, uint32 prefix, uint32 *length)
{
	int			nentries = object ? 2 * n : n;
	uint64		size = sizeof(uint32) + (uint64) nentries * sizeof(JEntry);
	char	   *block;
	char	   *out;
	JEntry	   *entries;
	uint32		pos;
	uint32		total = 0;
	int			k = 0;

	if (object)
		for (int i = 0; i < n; i++)
			size += members[i].keylen;
	for (int i = 0; i < n; i++)
		size = (Padded(members[i].type) ? TYPEALIGN(sizeof(uint32), size) : size) + members[i].len;
	if (size > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the response would exceed the maximum jsonb size (%d bytes)",
						JENTRY_OFFLENMASK),
				 errhint("Ask for fewer rows with last_n.")));
	block = palloc(prefix + size);
	out = block + prefix;
	*(uint32 *) out = n | (object ? JB_FOBJECT : JB_FARRAY);
	entries = (JEntry *) (out + sizeof(uint32));
	pos = sizeof(uint32) + nentries * sizeof(JEntry);
	if (object)
		for (int i = 0; i < n; i++, k++)
		{
			memcpy(out + pos, members[i].key, members[i].keylen);
			pos += members[i].keylen;
			total += members[i].keylen;
			entries[k] = Entry(JENTRY_ISSTRING, members[i].keylen, k, total);
		}
	for (int i = 0; i < n; i++, k++)
	{
		uint32		start = pos;

		if (Padded(members[i].type))
			while (pos % sizeof(uint32) != 0)
				out[pos++] = '\0';
		memcpy(out + pos, members[i].data, members[i].len);
		pos += members[i].len;
		total += pos - start;
		entries[k] = Entry(members[i].type, pos - start, k, total);
	}
	Assert(pos == size);
	*length = pos;
	return block;
}

/* Open starts a container, an object or an array, under key in the innermost one. */
static void
Open(WhJson *json, const char *key, bool object)
{
	if (json->depth == WH_JSON_MAX_DEPTH)
		elog(ERROR, "jsonb response nested too deep");
	json->starts[json->depth] = json->nmembers;
	json->objects[json->depth] = object;
	json->keys[json->depth] = key;
	json->depth++;
}

/* Close encodes the innermost open container after prefix free bytes and returns them. */
static char *
Close(WhJson *json, uint32 prefix, uint32 *length)
{
	int			start;
	int			n;
	bool		object;
	char	   *bytes;

	Assert(json->depth > 0);
	json->depth--;
	start = json->starts[json->depth];
	object = json->objects[json->depth];
	n = json->nmembers - start;
	if (object)
		SortKeys(json->members + start, n);
	bytes = Encode(json->members + start, n, object, prefix, length);
	json->nmembers = start;
	return bytes;
}

/* CloseInto closes the innermost container and adds it to its parent. */
static void
CloseInto(WhJson *json)
{
	const char *key = json->keys[json->depth - 1];
	uint32		len;
	char	   *bytes = Close(json, 0, &len);

	Push(json, key, JENTRY_ISCONTAINER, bytes, len);
}

/* WhJsonBegin starts a response: an open root object. */
WhJson *
WhJsonBegin(void)
{
	WhJson	   *json = palloc0(sizeof(WhJson));

	json->maxmembers = 64;
	json->members = palloc(json->maxmembers * sizeof(WhJsonMember));
	Open(json, NULL, true);
	return json;
}

/* WhJsonFinish closes the root object and returns the jsonb. */
Jsonb *
WhJsonFinish(WhJson *json)
{
	uint32		len;
	Jsonb	   *result;

	if (json->depth != 1)
		elog(ERROR, "jsonb response finished with %d containers open", json->depth - 1);
	result = (Jsonb *) Close(json, VARHDRSZ, &len);
	SET_VARSIZE(result, VARHDRSZ + len);
	return result;
}

/* WhJsonBeginObject opens an object member. */
void
WhJsonBeginObject(WhJson *json, const char *key)
{
	Open(json, key, true);
}

/* WhJsonEndObject closes the innermost object. */
void
WhJsonEndObject(WhJson *json)
{
	Assert(json->objects[json->depth - 1]);
	CloseInto(json);
}

/* WhJsonBeginArray opens an array member. */
void
WhJsonBeginArray(WhJson *json, const char *key)
{
	Open(json, key, false);
}

/* WhJsonEndArray closes the innermost array. */
void
WhJsonEndArray(WhJson *json)
{
	Assert(!json->objects[json->depth - 1]);
	CloseInto(json);
}

/* WhJsonPutString adds len bytes as a JSON string. */
void
WhJsonPutString(WhJson *json, const char *key, const char *data, int len)
{
	Push(json, key, JENTRY_ISSTRING, data, len);
}

/* WhJsonPutCString adds a NUL-terminated string. */
void
WhJsonPutCString(WhJson *json, const char *key, const char *value)
{
	WhJsonPutString(json, key, value, strlen(value));
}

/* WhJsonPutText adds a text datum as a string, or null. */
void
WhJsonPutText(WhJson *json, const char *key, Datum value, bool isnull)
{
	text	   *t;

	if (isnull)
	{
		WhJsonPutNull(json, key);
		return;
	}
	t = DatumGetTextPP(value);
	WhJsonPutString(json, key, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* WhJsonPutNumeric adds a JSON number. */
void
WhJsonPutNumeric(WhJson *json, const char *key, Numeric value)
{
	Push(json, key, JENTRY_ISNUMERIC, (const char *) value, VARSIZE_ANY(value));
}

#define WH_KEPT_INTS 1024		/* 0 .. WH_KEPT_INTS - 1 kept as numerics */

/* WhJsonPutInt adds an integer as a JSON number; small ones from numerics made once per backend. */
void
WhJsonPutInt(WhJson *json, const char *key, int64 value)
{
	static Numeric kept[WH_KEPT_INTS];

	if (value < 0 || value >= WH_KEPT_INTS)
	{
		WhJsonPutNumeric(json, key, int64_to_numeric(value));
		return;
	}
	if (kept[value] == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		kept[value] = int64_to_numeric(value);
		MemoryContextSwitchTo(old);
	}
	WhJsonPutNumeric(json, key, kept[value]);
}

/* WhJsonPutNull adds JSON null. */
void
WhJsonPutNull(WhJson *json, const char *key)
{
	Push(json, key, JENTRY_ISNULL, NULL, 0);
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

/* PutTimeOfDay adds a day's date and a time of it, in seconds since its midnight. */
static void
PutTimeOfDay(WhJson *json, const char *key, int64 day, int seconds)
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
	WhJsonPutCString(json, key, text);
}

/* WhJsonPutTimestamp adds ts as FormatUtc writes it (fraction dropped); NULL and infinity as null. */
void
WhJsonPutTimestamp(WhJson *json, const char *key, TimestampTz ts, bool isnull)
{
	int64		day;

	if (isnull || TIMESTAMP_NOT_FINITE(ts))
	{
		WhJsonPutNull(json, key);
		return;
	}
	day = WhFloorDiv(ts, USECS_PER_DAY);
	PutTimeOfDay(json, key, day, (int) ((ts - day * USECS_PER_DAY) / USECS_PER_SEC));
}

/* WhJsonPutHour adds the start of an hour (hours since 2000-01-01 UTC) as "YYYY-MM-DD HH:00:00". */
void
WhJsonPutHour(WhJson *json, const char *key, int64 hour)
{
	int64		day = WhFloorDiv(hour, 24);

	PutTimeOfDay(json, key, day, (int) (hour - day * 24) * 3600);
}

/* WhJsonPutJsonb adds a jsonb datum as its JSON value (SQL NULL as null): its root container as it is. */
void
WhJsonPutJsonb(WhJson *json, const char *key, Datum value, bool isnull)
{
	Jsonb	   *datum;
	JsonbValue	v;

	if (isnull)
	{
		WhJsonPutNull(json, key);
		return;
	}
	datum = DatumGetJsonbP(value);
	if (!JB_ROOT_IS_SCALAR(datum))
	{
		Push(json, key, JENTRY_ISCONTAINER, (const char *) &datum->root,
			 VARSIZE(datum) - VARHDRSZ);
		return;
	}
	if (!JsonbExtractScalar(&datum->root, &v))
		elog(ERROR, "invalid scalar jsonb");
	switch (v.type)
	{
		case jbvNull:
			WhJsonPutNull(json, key);
			break;
		case jbvString:
			WhJsonPutString(json, key, v.val.string.val, v.val.string.len);
			break;
		case jbvNumeric:
			WhJsonPutNumeric(json, key, v.val.numeric);
			break;
		case jbvBool:
			Push(json, key, v.val.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE, NULL, 0);
			break;
		default:
			elog(ERROR, "invalid scalar jsonb");
	}
}
