/*
 * summary_format.c
 *	  Builds, merges, encodes and decodes day summaries. Three bytea values,
 *	  all format version 3 (WH_STATE_VERSION; DEVELOPING.md says how to
 *	  change it), each starting with byte 3 and a flags byte
 *	  (WH_FLAG_PARTIAL_OUTCOMES: merged from a version 2 value, which has
 *	  neither the flags byte nor the counts of version 3, nor NULL webhook
 *	  ids; both are read; WH_FLAG_DETAIL_IN_HOURS, the day only: it holds
 *	  no day's detail, which is the sum of its hours' in the hours value, as
 *	  a small delta is written):
 *	  the day:
 *	    byte 3, byte flags, varint webhooks, then per webhook:
 *	    varint id length + 1 (0: NULL; version 2: the length), id bytes,
 *	    varint body length, body:
 *	      varint n, n x (varint hour 0-23, a signed varint per counter of
 *	      WH_METRIC_FIELDS of the value's version, in its order) for the
 *	      hours whose counters are not all zero, then the day's detail
 *	      (none with WH_FLAG_DETAIL_IN_HOURS);
 *	  the hours:
 *	    byte 3, byte flags, varint webhooks, then per webhook:
 *	    varint id length + 1 as above, id bytes, varint body length, body:
 *	      varint n, n x (varint hour 0-23, varint length, that hour's detail);
 *	  a detail:
 *	      varint n, n x (varint key length + 1 or 0 for NULL, key, signed count)
 *	      for events, then the same for failed URLs,
 *	      varint n, n x (signed value delta, signed count) for latencies,
 *	      then (version 3) the same for response statuses and for retries.
 *	  the slices (since 1.6; the organization's, not by webhook):
 *	    byte 3, byte 0, varint n, n x (varint slice 0-287, ascending, varint
 *	    length, that slice's counters as the day's hours have them, then its
 *	    latencies as in a detail) for the slices that hold any;
 *	  Counts are signed because a summary may be a delta (an UPDATE or DELETE
 *	  subtracts). Lengths let a reader skip a webhook, an hour or a slice
 *	  whole. Decoding checks every length against the bytes left.
 */
#include "postgres.h"

#include <limits.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "summary_format.h"
#include "wire.h"

#define WH_STATE_VERSION 3
#define WH_OUTCOME_VERSION 3	/* the first version with the outcomes */
#define WH_OLDEST_VERSION 2		/* the oldest version read */
#define WH_FLAG_PARTIAL_OUTCOMES 0x01
#define WH_FLAG_DETAIL_IN_HOURS 0x02	/* the day value has no day's detail: its hours' add up to it */

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

/* WhBucketFor returns the bucket of a webhook (isnull: of the NULL webhook_id), making it when new. */
WhBucket *
WhBucketFor(WhBucketSet *set, const char *webhook, int len, bool isnull)
{
	WhBucket   *bucket;

	for (int i = set->count - 1; i >= 0; i--)
	{
		bucket = &set->items[i];
		if (isnull ? bucket->webhook == NULL :
			(bucket->webhook != NULL && bucket->webhook_len == len &&
			 memcmp(bucket->webhook, webhook, len) == 0))
			return bucket;
	}
	if (set->count == set->capacity)
	{
		set->capacity *= 2;
		set->items = repalloc(set->items, set->capacity * sizeof(WhBucket));
	}
	bucket = &set->items[set->count++];
	bucket->webhook = NULL;
	bucket->webhook_len = 0;
	if (!isnull)
	{
		bucket->webhook = MemoryContextAlloc(set->context, len + 1);
		memcpy(bucket->webhook, webhook, len);
		bucket->webhook[len] = '\0';
		bucket->webhook_len = len;
	}
	memset(bucket->hours, 0, sizeof(bucket->hours));
	memset(bucket->hour_detail, 0, sizeof(bucket->hour_detail));
	return bucket;
}

/* HourDetail returns the detail of one hour of a bucket, making it when new. */
static WhDetail *
HourDetail(WhBucketSet *set, WhBucket *bucket, int hour)
{
	if (bucket->hour_detail[hour] == NULL)
	{
		bucket->hour_detail[hour] = MemoryContextAlloc(set->context, sizeof(WhDetail));
		WhDetailInit(bucket->hour_detail[hour], set->context, 8, 16, false, true);
	}
	return bucket->hour_detail[hour];
}

/* SliceOf returns a slice (0-287) of the set's day, making it when new. */
static WhSlice *
SliceOf(WhBucketSet *set, int slice)
{
	if (set->slices == NULL)
		set->slices = MemoryContextAllocZero(set->context, WH_SLICES_PER_DAY * sizeof(WhSlice *));
	if (set->slices[slice] == NULL)
	{
		set->slices[slice] = MemoryContextAllocZero(set->context, sizeof(WhSlice));
		set->slices[slice]->latency = WhLatencyHistCreate(set->context, 16, false);
	}
	return set->slices[slice];
}

/* SliceNumber is the slice (0-287) of its day a moment falls in. */
static inline int
SliceNumber(TimestampTz t)
{
	int64		in_day = t % USECS_PER_DAY;	/* from 2000-01-01, before it too */

	return (int) ((in_day < 0 ? in_day + USECS_PER_DAY : in_day) / WH_SLICE_USECS);
}

/* WhBucketAddDelivery adds (sign +1) or subtracts (sign -1) one delivery of an hour (0-23). */
void
WhBucketAddDelivery(WhBucketSet *set, WhBucket *bucket, const WhDelivery *d, int hour,
					int64 sign)
{
	WhSlice    *slice = SliceOf(set, SliceNumber(d->created_at));

	WhMetricsAddDelivery(&bucket->hours[hour], d, sign);
	WhDetailAddDelivery(HourDetail(set, bucket, hour), d, sign);
	WhMetricsAddDelivery(&slice->metrics, d, sign);
	if (d->has_latency)
		WhLatencyHistAdd(slice->latency, d->latency_ms, sign);
}

/*
 * WhBucketAddChange adds a changed row of the bucket's webhook and takes
 * away what it was (sign +1; -1 the other way round); within one slice (so
 * one hour) only the parts of the detail that changed are touched.
 */
void
WhBucketAddChange(WhBucketSet *set, WhBucket *bucket, const WhDelivery *old, int old_hour,
				  const WhDelivery *new, int new_hour, int64 sign)
{
	int			slice_number = SliceNumber(new->created_at);
	WhSlice    *slice;

	if (old_hour != new_hour || SliceNumber(old->created_at) != slice_number)
	{
		WhBucketAddDelivery(set, bucket, old, old_hour, -sign);
		WhBucketAddDelivery(set, bucket, new, new_hour, sign);
		return;
	}
	WhMetricsAddDelivery(&bucket->hours[new_hour], old, -sign);
	WhMetricsAddDelivery(&bucket->hours[new_hour], new, sign);
	WhDetailAddChange(HourDetail(set, bucket, new_hour), old, new, sign);
	slice = SliceOf(set, slice_number);
	WhMetricsAddDelivery(&slice->metrics, old, -sign);
	WhMetricsAddDelivery(&slice->metrics, new, sign);
	WhLatencyHistChange(slice->latency, old->has_latency, old->latency_ms,
						new->has_latency, new->latency_ms, sign);
}

/* The webhook and detail whose counts are being merged. */
typedef struct MergeState
{
	WhBucketSet *set;
	WhBucket   *bucket;
	WhDetail   *detail;			/* the hour's whose detail is being read */
	WhSlice    *slice;
} MergeState;

/* MergeStateWebhook finds the webhook's bucket. */
static bool
MergeStateWebhook(void *arg, const char *id, int len, bool isnull)
{
	MergeState *state = arg;

	state->bucket = WhBucketFor(state->set, id, len, isnull);
	state->detail = NULL;
	return true;
}

/* MergeStateDetail directs the counts that follow to one hour's detail (only hours' are read). */
static void
MergeStateDetail(void *arg, int hour)
{
	MergeState *state = arg;

	Assert(hour >= 0);
	state->detail = HourDetail(state->set, state->bucket, hour);
}

/* MergeStateHour adds an hour's counters to the current bucket. */
static void
MergeStateHour(void *arg, int hour, const WhMetrics *m)
{
	MergeState *state = arg;

	WhMetricsAdd(&state->bucket->hours[hour], m);
}

/* MergeStateEvent adds an event count to the current detail. */
static void
MergeStateEvent(void *arg, const char *key, int len, bool isnull, int64 count)
{
	WhCounterAddKey(((MergeState *) arg)->detail->events, key, len, isnull, count);
}

/* MergeStateUrl adds a failed-URL count to the current detail. */
static void
MergeStateUrl(void *arg, const char *key, int len, bool isnull, int64 count)
{
	WhCounterAddKey(((MergeState *) arg)->detail->failed_urls, key, len, isnull, count);
}

/* MergeStateLatency adds a latency bin to the current detail. */
static void
MergeStateLatency(void *arg, int64 value, int64 count)
{
	WhLatencyHistAdd(((MergeState *) arg)->detail->latency, value, count);
}

/* MergeStateStatus adds a response status bin to the current detail. */
static void
MergeStateStatus(void *arg, int64 value, int64 count)
{
	WhLatencyHistAdd(((MergeState *) arg)->detail->statuses, value, count);
}

/* MergeStateRetries adds a retries bin to the current detail. */
static void
MergeStateRetries(void *arg, int64 value, int64 count)
{
	WhLatencyHistAdd(((MergeState *) arg)->detail->retries, value, count);
}

/* MergeStateFormat notes a merged value without the outcomes: the set lacks them too. */
static void
MergeStateFormat(void *arg, bool outcomes)
{
	if (!outcomes)
		((MergeState *) arg)->set->partial_outcomes = true;
}

/* MergeSlice adds a slice's counters to the set and makes it the slice the latencies go to. */
static void
MergeSlice(void *arg, int slice, const WhMetrics *m)
{
	MergeState *state = arg;

	state->slice = SliceOf(state->set, slice);
	WhMetricsAdd(&state->slice->metrics, m);
}

/* MergeSliceLatency adds a latency bin to the current slice. */
static void
MergeSliceLatency(void *arg, int64 value, int64 count)
{
	WhLatencyHistAdd(((MergeState *) arg)->slice->latency, value, count);
}

/*
 * WhBucketSetAddState merges a stored summary into the set: the counters of
 * its day and the detail of its hours, each unless NULL, and its slices
 * (NULL: unknown, so the set's are). A day value's own detail is skipped: it
 * is the sum of its hours', which WhStateEncode makes again.
 */
void
WhBucketSetAddState(WhBucketSet *set, const WhStoredDay *stored)
{
	static const WhStateSink sink = {
		MergeStateWebhook, MergeStateHour, MergeStateEvent, MergeStateUrl, MergeStateLatency,
		MergeStateDetail, MergeStateStatus, MergeStateRetries, MergeStateFormat
	};
	static const WhSliceSink slice_sink = {MergeSlice, MergeSliceLatency};
	MergeState	merge = {set, NULL, NULL, NULL};

	if (stored->state != NULL)
		WhStateDecode(stored->state, 0, WH_HOURS_PER_DAY, false, &sink, &merge);
	if (stored->hours != NULL)
		WhHoursDecode(stored->hours, 0, WH_HOURS_PER_DAY, false, &sink, &merge);
	if (stored->slices == NULL)
		set->slices_unknown = true;
	else if (!set->slices_unknown)
		WhSlicesDecode(stored->slices, 0, WH_SLICES_PER_DAY, &slice_sink, &merge);
}

/* PutDetail appends a detail; false when it holds nothing. */
static bool
PutDetail(StringInfo buf, const WhDetail *detail)
{
	int64		entries = 0;

	entries += WhWirePutCounts(buf, detail->events);
	entries += WhWirePutCounts(buf, detail->failed_urls);
	entries += WhWirePutBins(buf, detail->latency);
	entries += WhWirePutBins(buf, detail->statuses);
	entries += WhWirePutBins(buf, detail->retries);
	return entries > 0;
}

/*
 * PutDayDetail appends a bucket's day detail, the sum of its hours' (made
 * here: adding each row or merged count to the day's as well as to its
 * hour's cost more); false when it holds nothing.
 */
static bool
PutDayDetail(StringInfo buf, const WhBucket *bucket)
{
	const WhDetail *only = NULL;
	int			nhours = 0;
	WhDetail	day;

	for (int h = 0; h < WH_HOURS_PER_DAY; h++)
		if (bucket->hour_detail[h] != NULL)
		{
			only = bucket->hour_detail[h];
			nhours++;
		}
	if (nhours == 1)
		return PutDetail(buf, only);	/* one hour's detail is the day's */
	WhDetailInit(&day, CurrentMemoryContext, 8, 16, false, true);
	for (int h = 0; h < WH_HOURS_PER_DAY; h++)
		if (bucket->hour_detail[h] != NULL)
			WhDetailAddDetail(&day, bucket->hour_detail[h]);
	return PutDetail(buf, &day);
}

/* DayBody appends a bucket's hour counters and (with_detail) day detail; false when it is all zero. */
static bool
DayBody(StringInfo body, const WhBucket *bucket, bool with_detail)
{
	int			hours = 0;
	bool		detail = false;

	for (int h = 0; h < WH_HOURS_PER_DAY; h++)
		hours += !WhMetricsIsZero(&bucket->hours[h]);
	WhWirePutVarint(body, hours);
	for (int h = 0; h < WH_HOURS_PER_DAY; h++)
	{
		const WhMetrics *m = &bucket->hours[h];

		if (WhMetricsIsZero(m))
			continue;
		WhWirePutVarint(body, h);
		WhWirePutMetrics(body, m);
	}
	if (with_detail)
		detail = PutDayDetail(body, bucket);
	return detail || hours > 0;
}

/* HoursBody appends the detail of each hour of a bucket that holds any; false when none does. */
static bool
HoursBody(StringInfo body, const WhBucket *bucket, StringInfo scratch)
{
	int			hours = 0;
	StringInfoData list;

	initStringInfo(&list);
	for (int h = 0; h < WH_HOURS_PER_DAY; h++)
	{
		if (bucket->hour_detail[h] == NULL)
			continue;
		resetStringInfo(scratch);
		if (!PutDetail(scratch, bucket->hour_detail[h]))
			continue;
		WhWirePutVarint(&list, h);
		WhWirePutVarint(&list, scratch->len);
		appendBinaryStringInfo(&list, scratch->data, scratch->len);
		hours++;
	}
	WhWirePutVarint(body, hours);
	appendBinaryStringInfo(body, list.data, list.len);
	pfree(list.data);
	return hours > 0;
}

/* PutSection appends one webhook's id (its length + 1, or 0 for NULL) and body to a stored value's sections. */
static void
PutSection(StringInfo sections, const WhBucket *bucket, const StringInfo body)
{
	WhWirePutVarint(sections, bucket->webhook == NULL ? 0 : (uint64) bucket->webhook_len + 1);
	if (bucket->webhook != NULL)
		appendBinaryStringInfo(sections, bucket->webhook, bucket->webhook_len);
	WhWirePutVarint(sections, body->len);
	appendBinaryStringInfo(sections, body->data, body->len);
}

/* Stored makes a stored value: the version, its flags, the number of sections (webhooks or slices), the sections. */
static bytea *
Stored(int count, const StringInfo sections, uint8 flags)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoCharMacro(&buf, WH_STATE_VERSION);
	appendStringInfoCharMacro(&buf, (char) flags);
	WhWirePutVarint(&buf, count);
	appendBinaryStringInfo(&buf, sections->data, sections->len);
	SET_VARSIZE(buf.data, buf.len);
	return (bytea *) buf.data;
}

/* SliceSections appends each slice that holds anything (its number, length, counters, latencies); returns how many. */
static int
SliceSections(StringInfo sections, const WhBucketSet *set, StringInfo scratch)
{
	int			n = 0;

	for (int i = 0; set->slices != NULL && i < WH_SLICES_PER_DAY; i++)
	{
		WhSlice    *slice = set->slices[i];

		if (slice == NULL)
			continue;
		resetStringInfo(scratch);
		WhWirePutMetrics(scratch, &slice->metrics);
		if (WhWirePutBins(scratch, slice->latency) == 0 && WhMetricsIsZero(&slice->metrics))
			continue;
		WhWirePutVarint(sections, i);
		WhWirePutVarint(sections, scratch->len);
		appendBinaryStringInfo(sections, scratch->data, scratch->len);
		n++;
	}
	return n;
}

/*
 * WhStateEncode writes the set as a stored summary, its day, its hours and
 * its slices (NULL when unknown); false (and nothing written) when it is
 * all zero. Without day_detail the day value leaves out the day's detail,
 * which its hours' add up to (WH_FLAG_DETAIL_IN_HOURS): a small delta's
 * day detail only repeats its few hours', and writing, merging and storing
 * it twice cost a writer a tenth of its summary work.
 */
bool
WhStateEncode(const WhBucketSet *set, bool day_detail, WhStoredDay *stored)
{
	StringInfoData body;
	StringInfoData scratch;
	StringInfoData day_sections;
	StringInfoData hour_sections;
	StringInfoData slice_sections;
	int			day_webhooks = 0;
	int			hour_webhooks = 0;
	int			nslices = 0;
	uint8		outcomes = set->partial_outcomes ? WH_FLAG_PARTIAL_OUTCOMES : 0;

	initStringInfo(&body);
	initStringInfo(&scratch);
	initStringInfo(&day_sections);
	initStringInfo(&hour_sections);
	for (int i = 0; i < set->count; i++)
	{
		const WhBucket *bucket = &set->items[i];

		resetStringInfo(&body);
		if (DayBody(&body, bucket, day_detail))
		{
			PutSection(&day_sections, bucket, &body);
			day_webhooks++;
		}
		resetStringInfo(&body);
		if (HoursBody(&body, bucket, &scratch))
		{
			PutSection(&hour_sections, bucket, &body);
			hour_webhooks++;
		}
	}
	initStringInfo(&slice_sections);
	if (!set->slices_unknown)
		nslices = SliceSections(&slice_sections, set, &scratch);
	/* slices may hold what cancels out in the hours: a row moved within one */
	if (day_webhooks == 0 && hour_webhooks == 0 && nslices == 0)
		return false;
	stored->state = Stored(day_webhooks, &day_sections,
						   outcomes | (day_detail ? 0 : WH_FLAG_DETAIL_IN_HOURS));
	stored->hours = Stored(hour_webhooks, &hour_sections, outcomes);
	stored->slices = set->slices_unknown ? NULL : Stored(nslices, &slice_sections, 0);
	return true;
}

/* WhSummaryCorrupt reports stored summaries that cannot be read or do not add up. */
void
WhSummaryCorrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupt whanalytics summary: %s", what),
			 errhint("Rebuild the summaries with SELECT webhook_summaries_rebuild().")));
}

/* GetDetail reads a detail into the sink, every count times sign (1, or -1 to take it away). */
static void
GetDetail(WhWireReader *r, const WhStateSink *sink, void *arg, int64 sign)
{
	WhWireGetCounts(r, sink->event, arg, sign);
	WhWireGetCounts(r, sink->failed_url, arg, sign);
	WhWireGetBins(r, sink->latency, arg, sign);
	if (r->version < WH_OUTCOME_VERSION)
		return;
	WhWireGetBins(r, sink->status, arg, sign);
	WhWireGetBins(r, sink->retries, arg, sign);
}

/* GetHour reads an hour number of a day. */
static int
GetHour(WhWireReader *r)
{
	uint64		hour = WhWireGetVarint(r);

	if (hour >= WH_HOURS_PER_DAY)
		WhSummaryCorrupt("hour beyond the day");
	return (int) hour;
}

/* A webhook's body and the value's flags: what DecodeStored hands to a body decoder. */
typedef void (*WhBodyDecoder) (WhWireReader *body, uint8 flags, int first_hour, int end_hour,
							   bool flag, const WhStateSink *sink, void *arg);

/*
 * StoredReader starts reading a stored value: checks its version (from
 * oldest to WH_STATE_VERSION) and its flags (from version 3, only those in
 * allowed) and returns a reader over what follows them.
 */
static WhWireReader
StoredReader(const bytea *stored, int oldest, uint8 allowed, uint8 *flags)
{
	WhWireReader r;

	r.p = (const uint8 *) VARDATA_ANY(stored);
	r.end = r.p + VARSIZE_ANY_EXHDR(stored);
	r.fail = WhSummaryCorrupt;
	if (r.p >= r.end || *r.p < oldest || *r.p > WH_STATE_VERSION)
		WhSummaryCorrupt("unknown version");
	r.version = *r.p++;
	*flags = 0;
	if (r.version >= WH_OUTCOME_VERSION)
	{
		if (r.p >= r.end || (*r.p & ~allowed) != 0)
			WhSummaryCorrupt("unknown flags");
		*flags = *r.p++;
	}
	return r;
}

/*
 * DecodeStored walks the webhooks of a stored value (the day or the hours,
 * whose flags may be those of allowed), giving each body the sink takes to
 * decode, after checking its lengths.
 */
static void
DecodeStored(const bytea *stored, uint8 allowed, int first_hour, int end_hour, bool flag,
			 WhBodyDecoder decode, const WhStateSink *sink, void *arg)
{
	WhWireReader r;
	uint64		webhooks;
	uint8		flags = 0;

	r = StoredReader(stored, WH_OLDEST_VERSION, allowed, &flags);
	if (sink->format != NULL)
		sink->format(arg, r.version >= WH_OUTCOME_VERSION &&
					 (flags & WH_FLAG_PARTIAL_OUTCOMES) == 0);
	webhooks = WhWireGetVarint(&r);
	for (uint64 w = 0; w < webhooks; w++)
	{
		uint64		id_len = WhWireGetVarint(&r);
		bool		id_null = false;
		const char *id;
		WhWireReader body;

		if (r.version >= WH_OUTCOME_VERSION)
		{
			/* the length + 1, or 0 for a NULL webhook_id */
			id_null = id_len == 0;
			id_len = id_null ? 0 : id_len - 1;
		}
		if (id_len > INT_MAX)
			WhSummaryCorrupt("webhook id too long");
		id = WhWireGetBytes(&r, id_len);
		body = WhWireGetSubReader(&r);
		if (!sink->webhook(arg, id, (int) id_len, id_null))
			continue;			/* the body length lets us skip it whole */
		decode(&body, flags, first_hour, end_hour, flag, sink, arg);
		if (body.p != body.end)
			WhSummaryCorrupt("webhook body has trailing bytes");
	}
	if (r.p != r.end)
		WhSummaryCorrupt("trailing bytes");
}

/*
 * DecodeDayBody reads a webhook's hour counters in the range, and its day
 * detail when day_detail and the value has one.
 */
static void
DecodeDayBody(WhWireReader *body, uint8 flags, int first_hour, int end_hour, bool day_detail,
			  const WhStateSink *sink, void *arg)
{
	uint64		nhours = WhWireGetVarint(body);

	if (nhours > WH_HOURS_PER_DAY)
		WhSummaryCorrupt("more than 24 hours in a day");
	for (uint64 h = 0; h < nhours; h++)
	{
		int			hour = GetHour(body);
		WhMetrics	m;

		WhWireGetMetrics(body, &m);
		if (hour >= first_hour && hour < end_hour)
			sink->hour(arg, hour, &m);
	}
	if ((flags & WH_FLAG_DETAIL_IN_HOURS) != 0)
		return;					/* no day's detail: the body ends here */
	if (day_detail)
	{
		if (sink->detail != NULL)
			sink->detail(arg, -1);
		GetDetail(body, sink, arg, 1);
	}
	else
		body->p = body->end;	/* the day's detail is not asked for */
}

/*
 * DecodeHoursBody reads the detail of a webhook's hours in [first_hour,
 * end_hour), or (outside) takes away the detail of the hours outside it.
 */
static void
DecodeHoursBody(WhWireReader *body, uint8 flags, int first_hour, int end_hour, bool outside,
				const WhStateSink *sink, void *arg)
{
	uint64		nhours = WhWireGetVarint(body);

	if (nhours > WH_HOURS_PER_DAY)
		WhSummaryCorrupt("more than 24 hours in a day");
	for (uint64 h = 0; h < nhours; h++)
	{
		int			hour = GetHour(body);
		WhWireReader detail = WhWireGetSubReader(body);

		if ((hour >= first_hour && hour < end_hour) == outside)
			continue;
		if (sink->detail != NULL)
			sink->detail(arg, hour);
		GetDetail(&detail, sink, arg, outside ? -1 : 1);
		if (detail.p != detail.end)
			WhSummaryCorrupt("hour detail has trailing bytes");
	}
}

/*
 * WhStateDecode feeds a stored day to sink: the counters of its hours in
 * [first_hour, end_hour), and the day's detail when day_detail and the
 * value has one (WhStateHasDayDetail; else its hours' in the hours value
 * add up to it).
 */
void
WhStateDecode(const bytea *state, int first_hour, int end_hour, bool day_detail,
			  const WhStateSink *sink, void *arg)
{
	DecodeStored(state, WH_FLAG_PARTIAL_OUTCOMES | WH_FLAG_DETAIL_IN_HOURS, first_hour, end_hour,
				 day_detail, DecodeDayBody, sink, arg);
}

/*
 * WhStateHasDayDetail is false when a stored day value holds no day's detail
 * (its hours' add up to it); it checks only the version and flags, which
 * decoding checks again.
 */
bool
WhStateHasDayDetail(const bytea *state)
{
	uint8		flags;

	(void) StoredReader(state, WH_OLDEST_VERSION, WH_FLAG_PARTIAL_OUTCOMES | WH_FLAG_DETAIL_IN_HOURS,
						&flags);
	return (flags & WH_FLAG_DETAIL_IN_HOURS) == 0;
}

/*
 * WhHoursDecode feeds the detail of the hours in [first_hour, end_hour) of a
 * stored day's hours to sink; or, outside, the detail of the other hours
 * with every count negated (the day's detail less those is the range's).
 */
void
WhHoursDecode(const bytea *hours, int first_hour, int end_hour, bool outside,
			  const WhStateSink *sink, void *arg)
{
	DecodeStored(hours, WH_FLAG_PARTIAL_OUTCOMES, first_hour, end_hour, outside, DecodeHoursBody,
				 sink, arg);
}

/*
 * WhSlicesDecode feeds the slices in [first_slice, end_slice) of a stored
 * day's slices to sink: each one's counters, then its latencies.
 */
void
WhSlicesDecode(const bytea *slices, int first_slice, int end_slice, const WhSliceSink *sink,
			   void *arg)
{
	uint8		flags;
	WhWireReader		r = StoredReader(slices, WH_STATE_VERSION, 0, &flags);
	uint64		n = WhWireGetVarint(&r);
	int64		previous = -1;

	if (n > WH_SLICES_PER_DAY)
		WhSummaryCorrupt("more slices than a day has");
	for (uint64 i = 0; i < n; i++)
	{
		uint64		slice = WhWireGetVarint(&r);
		WhWireReader body;
		WhMetrics	m;

		if (slice >= WH_SLICES_PER_DAY || (int64) slice <= previous)
			WhSummaryCorrupt("slices out of order or beyond the day");
		previous = (int64) slice;
		body = WhWireGetSubReader(&r);
		if ((int) slice < first_slice || (int) slice >= end_slice)
			continue;			/* the length lets us skip it whole */
		WhWireGetMetrics(&body, &m);
		sink->slice(arg, (int) slice, &m);
		WhWireGetBins(&body, sink->latency, arg, 1);
		if (body.p != body.end)
			WhSummaryCorrupt("slice has trailing bytes");
	}
	if (r.p != r.end)
		WhSummaryCorrupt("trailing bytes");
}
