/*
 * summary_state.c
 *	  Builds, merges, encodes and decodes day summaries. The bytea form is
 *	  version 1:
 *	    byte 1, varint webhooks, then per webhook:
 *	    varint id length, id bytes, varint body length, body:
 *	      varint n, n x (varint hour 0-23, a signed varint per counter of
 *	      WH_METRIC_FIELDS, in its order: total, success, failed, pending,
 *	      retried, delay_count, delay_sum) for the hours whose counters are
 *	      not all zero,
 *	      varint n, n x (varint key length + 1 or 0 for NULL, key, signed count)
 *	      for events, then the same for failed URLs,
 *	      varint n, n x (signed value delta, signed count) for latencies.
 *	  Counts are signed because a summary may be a delta (an UPDATE or DELETE
 *	  subtracts). Decoding checks every length against the bytes left.
 */
#include "postgres.h"

#include <limits.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "summary_state.h"

#define WH_STATE_VERSION 1

/* WhBucketSetCreate makes an empty set of buckets in context. */
WhBucketSet *
WhBucketSetCreate(MemoryContext context)
{
	WhBucketSet *set = MemoryContextAllocZero(context, sizeof(WhBucketSet));

	set->context = context;
	set->capacity = 4;
	set->items = MemoryContextAlloc(context, set->capacity * sizeof(WhBucket));
	return set;
}

/* WhBucketFor returns the bucket of a webhook, making it when new. */
WhBucket *
WhBucketFor(WhBucketSet *set, const char *webhook, int len)
{
	WhBucket   *bucket;

	for (int i = set->count - 1; i >= 0; i--)
	{
		bucket = &set->items[i];
		if (bucket->webhook_len == len && memcmp(bucket->webhook, webhook, len) == 0)
			return bucket;
	}
	if (set->count == set->capacity)
	{
		set->capacity *= 2;
		set->items = repalloc(set->items, set->capacity * sizeof(WhBucket));
	}
	bucket = &set->items[set->count++];
	bucket->webhook = MemoryContextAlloc(set->context, len + 1);
	memcpy(bucket->webhook, webhook, len);
	bucket->webhook[len] = '\0';
	bucket->webhook_len = len;
	memset(bucket->hours, 0, sizeof(bucket->hours));
	bucket->events = WhCounterCreate(set->context, 8);
	bucket->failed_urls = WhCounterCreate(set->context, 8);
	bucket->latency = WhLatencyHistCreate(set->context, 16, false);
	return bucket;
}

/* WhBucketAddDelivery adds (sign +1) or subtracts (sign -1) one delivery of an hour (0-23). */
void
WhBucketAddDelivery(WhBucket *bucket, const WhDelivery *d, int hour, int64 sign)
{
	WhMetricsAddDelivery(&bucket->hours[hour], d, sign);
	WhCounterAddText(bucket->events, d->event, d->event_null, sign);
	if (d->failed)
		WhCounterAddText(bucket->failed_urls, d->url, d->url_null, sign);
	if (d->has_latency)
		WhLatencyHistAdd(bucket->latency, d->latency_ms, sign);
}

/* The webhook whose counts are being merged. */
typedef struct MergeState
{
	WhBucketSet *set;
	WhBucket   *bucket;
} MergeState;

/* MergeStateWebhook finds the webhook's bucket. */
static bool
MergeStateWebhook(void *arg, const char *id, int len)
{
	MergeState *state = arg;

	state->bucket = WhBucketFor(state->set, id, len);
	return true;
}

/* MergeStateHour adds an hour's counters to the current bucket. */
static void
MergeStateHour(void *arg, int hour, const WhMetrics *m)
{
	MergeState *state = arg;

	WhMetricsAdd(&state->bucket->hours[hour], m);
}

/* MergeStateEvent adds an event count to the current bucket. */
static void
MergeStateEvent(void *arg, const char *key, int len, bool isnull, int64 count)
{
	WhCounterAddKey(((MergeState *) arg)->bucket->events, key, len, isnull, count);
}

/* MergeStateUrl adds a failed-URL count to the current bucket. */
static void
MergeStateUrl(void *arg, const char *key, int len, bool isnull, int64 count)
{
	WhCounterAddKey(((MergeState *) arg)->bucket->failed_urls, key, len, isnull, count);
}

/* MergeStateLatency adds a latency bin to the current bucket. */
static void
MergeStateLatency(void *arg, int64 value, int64 count)
{
	MergeState *state = arg;

	WhLatencyHistAdd(state->bucket->latency, value, count);
}

/* WhBucketSetAddState merges a stored summary into the set. */
void
WhBucketSetAddState(WhBucketSet *set, const bytea *stored)
{
	static const WhStateSink sink = {
		MergeStateWebhook, MergeStateHour, MergeStateEvent, MergeStateUrl, MergeStateLatency
	};
	MergeState	state = {set, NULL};

	WhStateDecode(stored, &sink, &state);
}

/* PutVarint appends an unsigned LEB128 varint. */
static void
PutVarint(StringInfo buf, uint64 value)
{
	do
	{
		uint8		byte = value & 0x7F;

		value >>= 7;
		if (value != 0)
			byte |= 0x80;
		appendStringInfoCharMacro(buf, (char) byte);
	} while (value != 0);
}

/* PutSigned appends a zigzag-encoded signed varint. */
static void
PutSigned(StringInfo buf, int64 value)
{
	PutVarint(buf, ((uint64) value << 1) ^ (uint64) (value >> 63));
}

/* PutCounts appends the non-zero counts of a counter and returns how many. */
static int
PutCounts(StringInfo buf, WhCounter *counter)
{
	WhCount    *counts;
	int			n = WhCounterTop(counter, INT_MAX, &counts);

	PutVarint(buf, n);
	for (int i = 0; i < n; i++)
	{
		if (counts[i].isnull)
			PutVarint(buf, 0);
		else
		{
			PutVarint(buf, (uint64) counts[i].len + 1);
			appendBinaryStringInfo(buf, counts[i].data, counts[i].len);
		}
		PutSigned(buf, counts[i].count);
	}
	return n;
}

/* BucketBody appends a bucket's counters and counts; false when it is all zero. */
static bool
BucketBody(StringInfo body, const WhBucket *bucket)
{
	WhLatencyBin *bins;
	int64		nbins = WhLatencyHistBins(bucket->latency, &bins);
	int64		previous = 0;
	int			entries = 0;
	int			hours = 0;

	for (int h = 0; h < WH_HOURS_PER_DAY; h++)
		hours += !WhMetricsIsZero(&bucket->hours[h]);
	PutVarint(body, hours);
	for (int h = 0; h < WH_HOURS_PER_DAY; h++)
	{
		const WhMetrics *m = &bucket->hours[h];

		if (WhMetricsIsZero(m))
			continue;
		PutVarint(body, h);
#define WH_PUT_FIELD(name) PutSigned(body, m->name);
		WH_METRIC_FIELDS(WH_PUT_FIELD)
#undef WH_PUT_FIELD
	}
	entries += PutCounts(body, bucket->events);
	entries += PutCounts(body, bucket->failed_urls);
	PutVarint(body, nbins);
	for (int64 i = 0; i < nbins; i++)
	{
		PutSigned(body, bins[i].value - previous);
		PutSigned(body, bins[i].count);
		previous = bins[i].value;
	}
	return entries > 0 || nbins > 0 || hours > 0;
}

/* WhStateEncode writes the set as a stored summary, or returns NULL when it is all zero. */
bytea *
WhStateEncode(const WhBucketSet *set)
{
	StringInfoData buf;
	StringInfoData body;
	int			nonzero = 0;
	StringInfoData sections;

	initStringInfo(&sections);
	initStringInfo(&body);
	for (int i = 0; i < set->count; i++)
	{
		const WhBucket *bucket = &set->items[i];

		resetStringInfo(&body);
		if (!BucketBody(&body, bucket))
			continue;
		PutVarint(&sections, bucket->webhook_len);
		appendBinaryStringInfo(&sections, bucket->webhook, bucket->webhook_len);
		PutVarint(&sections, body.len);
		appendBinaryStringInfo(&sections, body.data, body.len);
		nonzero++;
	}
	if (nonzero == 0)
		return NULL;

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoCharMacro(&buf, WH_STATE_VERSION);
	PutVarint(&buf, nonzero);
	appendBinaryStringInfo(&buf, sections.data, sections.len);
	SET_VARSIZE(buf.data, buf.len);
	return (bytea *) buf.data;
}

/* A cursor over stored bytes that checks every read against the end. */
typedef struct Reader
{
	const uint8 *p;
	const uint8 *end;
} Reader;

/* WhSummaryCorrupt reports stored summaries that cannot be read or do not add up. */
void
WhSummaryCorrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupt whanalytics summary: %s", what),
			 errhint("Rebuild the summaries with SELECT webhook_summaries_rebuild().")));
}

/* GetVarint reads an unsigned varint. */
static uint64
GetVarint(Reader *r)
{
	uint64		value = 0;

	if (likely(r->p < r->end && *r->p < 0x80))
		return *r->p++;			/* the common one-byte case */
	for (int shift = 0; shift < 64; shift += 7)
	{
		uint8		byte;

		if (r->p >= r->end)
			WhSummaryCorrupt("truncated number");
		byte = *r->p++;
		value |= (uint64) (byte & 0x7F) << shift;
		if ((byte & 0x80) == 0)
			return value;
	}
	WhSummaryCorrupt("number too long");
	return 0;					/* keep compiler quiet */
}

/* GetSigned reads a zigzag-encoded signed varint. */
static int64
GetSigned(Reader *r)
{
	uint64		raw = GetVarint(r);

	return (int64) (raw >> 1) ^ -(int64) (raw & 1);
}

/* GetBytes returns a pointer to the next len bytes. */
static const char *
GetBytes(Reader *r, uint64 len)
{
	const char *data = (const char *) r->p;

	if (len > (uint64) (r->end - r->p))
		WhSummaryCorrupt("length beyond the end");
	r->p += len;
	return data;
}

/* GetCounts reads a list of keyed counts into a sink callback. */
static void
GetCounts(Reader *r, void (*put) (void *, const char *, int, bool, int64), void *arg)
{
	uint64		n = GetVarint(r);

	if (n > (uint64) (r->end - r->p))
		WhSummaryCorrupt("list longer than its bytes");
	for (uint64 i = 0; i < n; i++)
	{
		uint64		len_plus_one = GetVarint(r);
		const char *key = len_plus_one == 0 ? NULL : GetBytes(r, len_plus_one - 1);
		int64		count = GetSigned(r);

		if (put != NULL)
			put(arg, key, len_plus_one == 0 ? 0 : (int) (len_plus_one - 1),
				len_plus_one == 0, count);
	}
}

/* WhStateDecode feeds a stored summary to sink, checking its lengths. */
void
WhStateDecode(const bytea *stored, const WhStateSink *sink, void *arg)
{
	Reader		r;
	uint64		webhooks;

	r.p = (const uint8 *) VARDATA_ANY(stored);
	r.end = r.p + VARSIZE_ANY_EXHDR(stored);
	if (r.p >= r.end || *r.p++ != WH_STATE_VERSION)
		WhSummaryCorrupt("unknown version");
	webhooks = GetVarint(&r);
	for (uint64 w = 0; w < webhooks; w++)
	{
		uint64		id_len = GetVarint(&r);
		const char *id;
		uint64		body_len;
		Reader		body;
		uint64		nhours;
		uint64		nbins;
		int64		value = 0;

		if (id_len > INT_MAX)
			WhSummaryCorrupt("webhook id too long");
		id = GetBytes(&r, id_len);
		body_len = GetVarint(&r);
		body.p = (const uint8 *) GetBytes(&r, body_len);
		body.end = body.p + body_len;

		if (!sink->webhook(arg, id, (int) id_len))
			continue;			/* the body length lets us skip it whole */
		nhours = GetVarint(&body);
		if (nhours > WH_HOURS_PER_DAY)
			WhSummaryCorrupt("more than 24 hours in a day");
		for (uint64 h = 0; h < nhours; h++)
		{
			uint64		hour = GetVarint(&body);
			WhMetrics	m;

			if (hour >= WH_HOURS_PER_DAY)
				WhSummaryCorrupt("hour beyond the day");
#define WH_GET_FIELD(name) m.name = GetSigned(&body);
			WH_METRIC_FIELDS(WH_GET_FIELD)
#undef WH_GET_FIELD
			sink->hour(arg, (int) hour, &m);
		}
		GetCounts(&body, sink->event, arg);
		GetCounts(&body, sink->failed_url, arg);
		nbins = GetVarint(&body);
		if (nbins > (uint64) (body.end - body.p))
			WhSummaryCorrupt("histogram longer than its bytes");
		for (uint64 i = 0; i < nbins; i++)
		{
			int64		count;

			value += GetSigned(&body);
			count = GetSigned(&body);
			if (sink->latency != NULL)
				sink->latency(arg, value, count);
		}
		if (body.p != body.end)
			WhSummaryCorrupt("webhook body has trailing bytes");
	}
	if (r.p != r.end)
		WhSummaryCorrupt("trailing bytes");
}
